//! The `cdev` binary: parse the command line, run it, and turn errors into a message and an exit
//! code (0 ok, 1 failed, 2 bad usage or bad input; a closed stdout is not an error). A panic
//! anywhere is a bug: it reads `cdev: internal error: …` and exits 1, never a Rust backtrace.

use std::io::{self, Write};
use std::process::ExitCode;

use clap::Parser;

use cdev::cli::Cli;
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
    // Only for the test that a panic reaches no user as a backtrace.
    if std::env::var_os("CDEV_TEST_PANIC").is_some() {
        panic!("CDEV_TEST_PANIC is set");
    }
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        // Help and version hold no user input: clap prints them (styled when on a terminal).
        Err(err) if !err.use_stderr() => err.exit(),
        // A usage error quotes the argument it refused: shown escaped, like every other error.
        Err(err) => {
            let _ = write!(io::stderr(), "{}", printable_lines(&err.render().to_string()));
            return ExitCode::from(err.exit_code() as u8);
        }
    };
    match cdev::commands::run(cli) {
        Ok(()) => ExitCode::SUCCESS,
        Err(err) if is_broken_pipe(&err) => ExitCode::SUCCESS,
        Err(err) => {
            // Names and paths in the message come from the user or a file: a control character
            // in one (an escape sequence) is shown escaped, never sent to the terminal.
            let _ = writeln!(io::stderr(), "cdev: {}", printable_lines(&format!("{err:#}")));
            if err.chain().any(|cause| cause.is::<InputError>()) {
                ExitCode::from(2)
            } else {
                ExitCode::FAILURE
            }
        }
    }
}

fn is_broken_pipe(err: &anyhow::Error) -> bool {
    err.chain()
        .any(|cause| cause.downcast_ref::<io::Error>().is_some_and(|e| e.kind() == io::ErrorKind::BrokenPipe))
}
