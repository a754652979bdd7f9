//! The `cdev` binary: parse the command line, run it, and turn errors into a message and an exit
//! code (0 ok, 1 failed, 2 bad usage or bad input; a closed stdout is not an error).

use std::io::{self, Write};
use std::process::ExitCode;

use clap::Parser;

use cdev::cli::Cli;
use cdev::humanize::printable_lines;
use cdev::input_error::InputError;

fn main() -> ExitCode {
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
