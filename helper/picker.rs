//! The fuzzy picker, and the only module that knows it is skim: entries in, the chosen entry and
//! the key that chose it out. Swapping the picker library means rewriting this file only.

use std::io::IsTerminal;
use std::sync::Arc;

use anyhow::{bail, Result};
use skim::prelude::*;
use skim::tui::options::PreviewLayout;

/// One line of the picker.
pub struct Entry {
    /// What is shown and matched against the query.
    pub line: String,
    /// What the preview pane shows for it (ANSI colours kept), computed when it is highlighted.
    pub preview: Arc<dyn Fn() -> String + Send + Sync>,
}

/// A key the picker ends on, besides Enter, with the word returned for it.
pub struct ActionKey {
    /// skim's key name: `ctrl-x`, `alt-r`, …
    pub key: &'static str,
    pub action: &'static str,
}

pub enum Outcome {
    /// The entry at this index (in the order entries were given), and the action (`None`: Enter).
    Chosen { index: usize, action: Option<String> },
    /// Esc or Ctrl-C, or nothing to choose.
    Cancelled,
}

/// Whether the picker can run here: it draws on the terminal of stdin and stderr.
pub fn has_terminal() -> bool {
    std::io::stdin().is_terminal() && std::io::stderr().is_terminal()
}

/// Runs the picker over `first`, then over what `more` adds while it is open (sent by `more`
/// on a thread of its own; entries keep counting on from `first`).
pub fn pick(
    prompt: &str,
    header: &str,
    keys: &[ActionKey],
    first: Vec<Entry>,
    more: impl FnOnce(&dyn Fn(Vec<Entry>)) + Send + 'static,
) -> Result<Outcome> {
    if !has_terminal() {
        bail!("the picker needs a terminal (stdin and stderr are not one); name a session instead");
    }
    let options = SkimOptionsBuilder::default()
        .prompt(prompt.to_string())
        .header(header.to_string())
        .bind(keys.iter().map(|k| format!("{}:accept({})", k.key, k.action)).collect::<Vec<_>>())
        // Equal matches keep the given order: sessions (most recent first) before projects.
        .tiebreak(vec![RankCriteria::Score, RankCriteria::Index])
        .preview(String::new())
        .preview_window(PreviewLayout::from("right:50%"))
        .height("100%".to_string())
        // The prompt on top, the first entry under it: read from the top, as in a popup.
        .reverse(true)
        .build()?;
    let (sender, receiver): (SkimItemSender, SkimItemReceiver) = unbounded();
    let offset = first.len();
    sender.send(items(first, 0))?;
    std::thread::spawn(move || {
        let next = std::sync::atomic::AtomicUsize::new(offset);
        more(&|entries: Vec<Entry>| {
            let start = next.fetch_add(entries.len(), std::sync::atomic::Ordering::Relaxed);
            let _ = sender.send(items(entries, start));
        });
        // The sender drops here: skim knows the list is complete.
    });
    let output = Skim::run_with(options, Some(receiver)).map_err(|err| anyhow::anyhow!("{err}"))?;
    if output.is_abort {
        return Ok(Outcome::Cancelled);
    }
    let Some(chosen) = output.current.or_else(|| output.selected_items.into_iter().next()) else {
        return Ok(Outcome::Cancelled);
    };
    let Ok(index) = chosen.item.output().parse() else { return Ok(Outcome::Cancelled) };
    let action = match output.final_event {
        Event::Action(Action::Accept(action)) => action,
        _ => None,
    };
    Ok(Outcome::Chosen { index, action })
}

fn items(entries: Vec<Entry>, start: usize) -> Vec<Arc<dyn SkimItem>> {
    entries
        .into_iter()
        .enumerate()
        .map(|(i, entry)| Arc::new(Item { index: start + i, entry }) as Arc<dyn SkimItem>)
        .collect()
}

struct Item {
    index: usize,
    entry: Entry,
}

impl SkimItem for Item {
    fn text(&self) -> Cow<'_, str> {
        Cow::Borrowed(&self.entry.line)
    }

    fn output(&self) -> Cow<'_, str> {
        Cow::Owned(self.index.to_string())
    }

    fn preview(&self, _context: PreviewContext) -> ItemPreview {
        ItemPreview::AnsiText((self.entry.preview)())
    }
}
