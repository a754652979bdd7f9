//! Keeps each Claude pane's transcript [`Tally`] current: from where the pane's tally stopped,
//! the lines appended to the transcript its hooks named (`@cdev_claude_transcript`) are added
//! up, and the tallies that changed are recorded on their panes in one tmux call. The watcher
//! does it as the transcript is written (Linux); `cdev agents` and `cdev list` do it before they
//! show anything, a bounded piece of each transcript at a time, so they stay quick whatever the
//! transcript's size. Never on the hook's path.

use std::io;
use std::path::Path;

use anyhow::{Context as _, Result};

use super::tally::{self, Tally};
use crate::tmux::format::{text, Field, Fields, Record};
use crate::tmux::verbs;
use crate::tmux::Tmux;

/// How much of a transcript one read takes (a transcript of a long day is tens of MiB).
pub const PIECE: u64 = 16 << 20;

/// What `cdev agents` and `cdev list` read of each transcript per run: the rest waits for the
/// next run (or the watcher).
pub const PER_RUN: u64 = PIECE;

/// A pane's transcript and the tally recorded for it (the option's text).
pub struct UsagePane {
    pub id: String,
    pub transcript: Option<String>,
    pub tally: Option<String>,
}

impl Record for UsagePane {
    const FIELDS: &'static [Field] =
        &[text("pane_id"), text(crate::tmux::cdev_option::CLAUDE_TRANSCRIPT), text(tally::OPTION)];

    fn from_fields(f: &mut Fields<'_>) -> Result<Self> {
        Ok(UsagePane { id: f.string()?, transcript: f.optional()?, tally: f.optional()? })
    }
}

/// `tally` (of `transcript`; one of another transcript starts again) brought up to what the
/// transcript holds now, reading at most `budget` bytes of it; `None` when nothing changed or
/// there is no transcript yet (Claude writes it at the first prompt).
pub fn advance(tally: Option<&Tally>, transcript: &str, budget: u64) -> io::Result<Option<Tally>> {
    let current = tally.filter(|t| t.transcript == transcript);
    let mut changed = current.is_none();
    let mut tally = current.cloned().unwrap_or_else(|| Tally::new(transcript));
    let mut left = budget;
    while left > 0 {
        let want = left.min(PIECE);
        let (bytes, len) = match crate::bounded::read_from(Path::new(transcript), tally.offset, want) {
            Err(err) if err.kind() == io::ErrorKind::NotFound => return Ok(None),
            other => other?,
        };
        if len < tally.offset {
            // Shorter than what was read: not the file that was counted. From the start.
            tally = Tally::new(transcript);
            changed = true;
            continue;
        }
        let Some(last) = bytes.iter().rposition(|b| *b == b'\n') else {
            // A whole read within one line (a piece, or all this run may read from a line's
            // start): that line is skipped up to its end (should it be a message, its usage is
            // lost). Less than that is the rest of this run's budget, or a line being written.
            let whole = want == PIECE || left == budget;
            if bytes.len() as u64 == want && whole {
                tally.offset += want;
                tally.in_long_line = true;
                left -= want;
                changed = true;
                continue;
            }
            break;
        };
        let mut lines = &bytes[..=last];
        if tally.in_long_line {
            let end = lines.iter().position(|b| *b == b'\n').map_or(lines.len(), |i| i + 1);
            lines = &lines[end..];
            tally.in_long_line = false;
        }
        tally.add_lines(lines);
        tally.offset += last as u64 + 1;
        left -= last as u64 + 1;
        changed = true;
    }
    Ok(changed.then_some(tally))
}

/// What [`refresh`] needs of a record: its pane id, the transcript its hooks named, and the
/// tally recorded on the pane (the option's text).
pub type Parts<R> = fn(&R) -> (&str, Option<&str>, Option<&str>);

/// The tallies of `records`, in their order, brought up to date (at most `budget` bytes of each
/// transcript); those that changed are recorded on their panes in one tmux call. A transcript
/// that cannot be read, or a pane that cannot be written, keeps the tally it had (the debug log
/// says why); only a server that is gone is an error.
pub fn refresh<R>(tmux: &Tmux, records: &[R], budget: u64, parts: Parts<R>) -> Result<Vec<Option<Tally>>> {
    let mut chain = Vec::new();
    let mut tallies = Vec::with_capacity(records.len());
    for record in records {
        let (pane, transcript, recorded) = parts(record);
        let tally = recorded.and_then(Tally::parse);
        let Some(transcript) = transcript else {
            tallies.push(tally);
            continue;
        };
        match advance(tally.as_ref(), transcript, budget) {
            Ok(Some(new)) => {
                chain.push(verbs::set_pane_option(pane, tally::OPTION, &new.to_option()));
                tallies.push(Some(new));
            }
            Ok(None) => tallies.push(tally),
            Err(err) => {
                crate::log::debug("transcript usage", &format!("could not read {transcript}: {err}"));
                tallies.push(tally);
            }
        }
    }
    if chain.is_empty() {
        return Ok(tallies);
    }
    // A pane closed since it was listed fails the chain: what was added up is still right, and
    // is added up again next time.
    match tmux.run_chain(&chain).context("could not record the agents' usage") {
        Err(err) if crate::tmux::is_no_server(&err) => Err(err),
        Err(err) => {
            crate::log::debug("transcript usage", &format!("{err:#}"));
            Ok(tallies)
        }
        Ok(_) => Ok(tallies),
    }
}

/// For the watcher: the tallies of the panes writing `transcript`, caught up completely.
pub fn refresh_writing(tmux: &Tmux, transcript: &Path) -> Result<()> {
    let panes = tmux.query::<UsagePane>(verbs::all_panes())?;
    let ours = super::watch::resolved(transcript);
    let writing: Vec<UsagePane> = panes
        .into_iter()
        .filter(|p| {
            p.transcript
                .as_deref()
                .map(Path::new)
                .is_some_and(|recorded| recorded == transcript || super::watch::resolved(recorded) == ours)
        })
        .collect();
    refresh(tmux, &writing, u64::MAX, |p| (&p.id, p.transcript.as_deref(), p.tally.as_deref())).map(drop)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Write;

    fn line(id: &str, output: u64) -> String {
        format!(
            "{{\"type\":\"assistant\",\"message\":{{\"id\":\"{id}\",\"model\":\"claude-sonnet-4-5\",\"usage\":{{\"input_tokens\":10,\"output_tokens\":{output}}}}}}}\n"
        )
    }

    #[test]
    fn only_what_was_appended_is_read_and_a_new_file_starts_again_issue_22() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("t.jsonl");
        let name = path.to_string_lossy().into_owned();
        assert_eq!(advance(None, &name, u64::MAX).unwrap(), None, "no transcript yet");
        std::fs::write(&path, line("a", 1)).unwrap();
        let first = advance(None, &name, u64::MAX).unwrap().unwrap();
        assert_eq!((first.tokens.total(), first.offset), (11, line("a", 1).len() as u64));
        assert_eq!(advance(Some(&first), &name, u64::MAX).unwrap(), None, "nothing new");
        let mut file = std::fs::OpenOptions::new().append(true).open(&path).unwrap();
        let next = line("b", 2);
        file.write_all(&next.as_bytes()[..20]).unwrap();
        assert_eq!(advance(Some(&first), &name, u64::MAX).unwrap(), None, "a line being written waits");
        file.write_all(&next.as_bytes()[20..]).unwrap();
        let second = advance(Some(&first), &name, u64::MAX).unwrap().unwrap();
        assert_eq!(second.tokens.total(), 23);
        // Another conversation's tally, or a file rewritten shorter: counted from the start.
        let mut other = second.clone();
        other.transcript = "/elsewhere".into();
        assert_eq!(advance(Some(&other), &name, u64::MAX).unwrap().unwrap().tokens.total(), 23);
        std::fs::write(&path, line("c", 5)).unwrap();
        assert_eq!(advance(Some(&second), &name, u64::MAX).unwrap().unwrap().tokens.total(), 15);
    }

    #[test]
    fn a_large_transcript_is_read_a_bounded_piece_at_a_time_issue_22() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("t.jsonl");
        let name = path.to_string_lossy().into_owned();
        // A tool result far longer than a read, between two messages.
        let huge = format!("{{\"type\":\"user\",\"content\":\"{}\"}}\n", "x".repeat(300));
        std::fs::write(&path, format!("{}{huge}{}", line("a", 1), line("b", 2))).unwrap();
        let mut tally = None;
        let mut runs = 0;
        while let Some(next) = advance(tally.as_ref(), &name, 150).unwrap() {
            assert!(next.offset <= 150 * (runs + 1), "at most 150 bytes a run");
            tally = Some(next);
            runs += 1;
        }
        let tally = tally.unwrap();
        assert_eq!((tally.tokens.total(), tally.offset), (23, std::fs::metadata(&path).unwrap().len()));
        assert!(runs >= 4, "{runs}");
    }
}
