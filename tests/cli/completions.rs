//! Completion scripts, loaded and used by the real shells.

use std::process::Command;

use crate::support::TestEnv;

fn script(env: &TestEnv, shell: &str) -> std::path::PathBuf {
    let text = env.cdev(&["completions", shell]).ok();
    let path = env.path(&format!("cdev.{shell}"));
    std::fs::write(&path, text).unwrap();
    path
}

#[test]
fn bash_completes_subcommands() {
    let env = TestEnv::new();
    let path = script(&env, "bash");
    let mut cmd = env.command("bash");
    cmd.args([
        "--norc",
        "-c",
        r#"source "$1"; COMP_WORDS=(cdev li); COMP_CWORD=1; COMP_LINE="cdev li"; COMP_POINT=7; _cdev cdev li cdev; printf '%s\n' "${COMPREPLY[@]}""#,
        "bash",
    ])
    .arg(&path);
    assert_eq!(env.run(cmd).ok().trim(), "list");
}

#[test]
fn zsh_loads_the_completion_function() {
    let env = TestEnv::new();
    let path = script(&env, "zsh");
    let mut cmd = env.command("zsh");
    cmd.args([
        "-f",
        "-c",
        "autoload -U compinit && compinit -u -D && source \"$1\" && whence -w _cdev",
        "zsh",
    ])
    .arg(&path);
    assert!(env.run(cmd).ok().contains("_cdev: function"));
}

#[test]
fn fish_completes_subcommands() {
    let env = TestEnv::new();
    let path = script(&env, "fish");
    let mut cmd: Command = env.command("fish");
    cmd.args(["--no-config", "-c", "source $argv[1]; complete -C 'cdev co'"]).arg(&path);
    let out = env.run(cmd).ok();
    assert!(out.lines().any(|l| l.starts_with("config")), "{out}");
    assert!(out.lines().any(|l| l.starts_with("completions")), "{out}");
}
