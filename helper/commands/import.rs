//! `cdev import FILE|- [--name N] [--root DIR] [--yes] [--check-only] [--json]`.

use std::io::Write;
use std::path::PathBuf;

use anyhow::Result;
use clap::Args;

use super::Context;
use crate::exit::SilentExit;
use crate::humanize::printable;
use crate::transfer::arrive::{arrive, Answer, Outcome};
use crate::transfer::import::ImportRequest;

/// Recreate an exported session here, after checking that the project's checkout is here,
/// holds the commits of every checkout the bundle names, and no other session has the name.
#[derive(Debug, Args)]
pub struct ImportArgs {
    /// The bundle; `-` reads it from stdin.
    pub file: PathBuf,
    /// The session's name here.
    #[arg(long)]
    pub name: Option<String>,
    /// The project root here (default: the exported one); cwds are rebased onto it.
    #[arg(long)]
    pub root: Option<PathBuf>,
    /// Also run commands that are not on the restore list, without asking.
    #[arg(long)]
    pub yes: bool,
    /// Only check (checkout, commits, name) and say what is missing; change nothing. Exit
    /// status 3 when something is.
    #[arg(long)]
    pub check_only: bool,
    /// Print the outcome as one line of JSON (what `cdev move` reads from the other side).
    #[arg(long)]
    pub json: bool,
}

pub fn run(context: &Context, args: ImportArgs) -> Result<()> {
    let ImportArgs { file, name, root, yes, check_only, json } = args;
    let (answer, imported) = arrive(context, &ImportRequest { file, name, root, yes }, check_only)?;
    match imported {
        // With --json, stdout is the answer alone (what `cdev move` reads).
        Some(line) if json => eprintln!("{line}"),
        Some(line) => println!("{line}"),
        None => {}
    }
    finish(json, answer)
}

/// Prints the answer (JSON, or lines for a person); exit status 3 when something is missing.
fn finish(json: bool, answer: Answer) -> Result<()> {
    let mut out = std::io::stdout().lock();
    if json {
        writeln!(out, "{}", serde_json::to_string(&answer)?)?;
    } else {
        match answer.outcome {
            Outcome::Imported => {}
            Outcome::Ready => {
                writeln!(out, "{}: ready to import into {}", answer.session, printable(&answer.root))?
            }
            Outcome::Already => {
                writeln!(out, "{}: already here (an earlier cdev move brought it)", answer.session)?
            }
            Outcome::Missing => {
                for missing in &answer.missing {
                    writeln!(out, "missing: {}", printable(&missing.advice()))?;
                }
            }
        }
        for tree in &answer.worktrees {
            let verb = if answer.outcome == Outcome::Imported { "made" } else { "would make" };
            writeln!(out, "{verb} worktree {} from its branch", printable(tree))?;
        }
    }
    out.flush()?;
    if answer.outcome == Outcome::Missing {
        return Err(SilentExit::NeedsALook.into());
    }
    Ok(())
}
