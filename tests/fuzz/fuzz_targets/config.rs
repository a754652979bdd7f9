//! The config file (`config.toml`) and the `@cdev-*` tmux options laid over it: errors are
//! fine, panics are not.
#![no_main]

use std::path::{Path, PathBuf};

use cdev::config::Config;
use cdev::paths::Paths;
use cdev::tmux::TmuxOptions;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    let paths = Paths {
        home: PathBuf::from("/home/u"),
        config_dir: PathBuf::from("/home/u/.config/cdev"),
        state_dir: PathBuf::from("/home/u/.local/state/cdev"),
        cache_dir: PathBuf::from("/home/u/.cache/cdev"),
    };
    if let Ok(config) = Config::from_text(&paths, Path::new("config.toml"), text) {
        let _ = config.with_tmux_options(&TmuxOptions::parse(text), &paths);
    }
    let _ = Config::defaults(&paths).with_tmux_options(&TmuxOptions::parse(text), &paths);
});
