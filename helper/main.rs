//! The `cdev` binary: parse the command line, run it, and turn errors into a message and an exit
//! status, all from one table ([`exit_status`]; README.md lists it). A panic anywhere is a bug:
//! it reads `cdev: internal error: …` and exits 1, never a Rust backtrace.

use std::io::{self, Write};
use std::process::ExitCode;

use clap::Parser;

use cdev::cli::Cli;
use cdev::exit::SilentExit;
use cdev::humanize::printable_lines;
use cdev::input_error::InputError;

fn main() -> ExitCode {
    std::panic::set_hook(Box::new(|info| {
        let message = panic_message(info.payload());
        // `println!` panics when stdout is closed (`cdev list | head -1`): that is no error.
        if !is_closed_stdout(&message) {
            let place =
                info.location().map(|l| format!(" (at {}:{})", l.file(), l.line())).unwrap_or_default();
            let _ = writeln!(io::stderr(), "cdev: internal error: {}{place}", printable_lines(&message));
        }
    }));
    match std::panic::catch_unwind(run) {
        Ok(code) => code,
        Err(payload) if is_closed_stdout(&panic_message(payload.as_ref())) => ExitCode::SUCCESS,
        Err(_) => ExitCode::FAILURE,
    }
}

fn panic_message(payload: &(dyn std::any::Any + Send)) -> String {
    match (payload.downcast_ref::<&str>(), payload.downcast_ref::<String>()) {
        (Some(text), _) => text.to_string(),
        (_, Some(text)) => text.clone(),
        _ => "a panic with no message".into(),
    }
}

fn is_closed_stdout(message: &str) -> bool {
    message.contains("failed printing to stdout") && message.contains("Broken pipe")
}

fn run() -> ExitCode {
    cdev::timings::start();
    let code = run_command();
    if let Some(report) = cdev::timings::report() {
        let _ = write!(io::stderr(), "{report}");
    }
    code
}

fn run_command() -> ExitCode {
    // Only for the test that a panic reaches no user as a backtrace.
    if std::env::var_os("CDEV_TEST_PANIC").is_some() {
        panic!("CDEV_TEST_PANIC is set");
    }
    let parsed = Cli::hot_path(std::env::args_os().skip(1)).map(Ok).unwrap_or_else(Cli::try_parse);
    cdev::timings::mark("parse the command line");
    let cli = match parsed {
        Ok(cli) => cli,
        // Help and version hold no user input: clap prints them (styled when on a terminal).
        Err(err) if !err.use_stderr() => err.exit(),
        // A usage error quotes the argument it refused: shown escaped, like every other error.
        Err(err) => {
            let _ = write!(io::stderr(), "{}", printable_lines(&err.render().to_string()));
            return ExitCode::from(err.exit_code() as u8);
        }
    };
    match cdev::cli::run(cli) {
        Ok(()) => ExitCode::SUCCESS,
        Err(err) if is_broken_pipe(&err) => ExitCode::SUCCESS,
        Err(err) => {
            // Said already (a report, the list of what is missing), or nothing to say (Esc).
            if !cdev::exit::is_silent(&err) {
                // Names and paths in the message come from the user or a file: a control
                // character in one (an escape sequence) is shown escaped, never sent to the terminal.
                let _ = writeln!(io::stderr(), "cdev: {}", printable_lines(&format!("{err:#}")));
            }
            ExitCode::from(exit_status(&err))
        }
    }
}

/// The exit status for an error; 0 is success (a closed stdout too), and clap's usage errors
/// exit 2 on their own, as bad input does here.
fn exit_status(err: &anyhow::Error) -> u8 {
    match err.chain().find_map(|cause| cause.downcast_ref::<SilentExit>()) {
        // What was printed says something needs a look; not "cdev failed".
        Some(SilentExit::NeedsALook) => 3,
        // As fzf and skim.
        Some(SilentExit::Cancelled) => 130,
        Some(SilentExit::Reported) => 1,
        None if err.chain().any(|cause| cause.is::<InputError>()) => 2,
        None => 1,
    }
}

fn is_broken_pipe(err: &anyhow::Error) -> bool {
    err.chain()
        .any(|cause| cause.downcast_ref::<io::Error>().is_some_and(|e| e.kind() == io::ErrorKind::BrokenPipe))
}
