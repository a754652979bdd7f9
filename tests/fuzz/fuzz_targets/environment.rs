//! `show-environment -s` output and the commands that set an environment: whatever the text,
//! parsing never panics and yields only valid names; whatever the values, every command that
//! sets them stays well under tmux's 16 KiB limit.
#![no_main]

use cdev::tmux::environment;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    for (name, _) in environment::parse_shell(text) {
        assert!(cdev::envfile::is_valid_key(&name), "{name:?}");
    }
    let long = text.repeat(64);
    for command in environment::set("=s:", [("A", Some(text)), ("B", Some(long.as_str())), ("C", None)]) {
        let bytes: usize = command.args().iter().map(String::len).sum();
        assert!(bytes < 12 * 1024, "a command of {bytes} bytes");
    }
});
