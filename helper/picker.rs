//! The fuzzy picker, and the only module that knows it is skim: entries in, the chosen entry and
//! the key that chose it out. Swapping the picker library means rewriting this file only.

use std::io::IsTerminal;
use std::sync::atomic::AtomicBool;
use std::sync::{Arc, Condvar, Mutex};
use std::time::Duration;

use anyhow::{bail, Result};
use skim::prelude::*;
use skim::tui::options::PreviewLayout;
use skim::DisplayContext;

/// How long `more` waits for the first entries to be drawn, at most (a terminal too small to
/// show a line never draws one).
const FIRST_DRAW_WAIT: Duration = Duration::from_millis(200);
/// How long the screen waits for skim's matcher to take the first entries in, at most.
const FIRST_MATCH_WAIT: Duration = Duration::from_millis(50);
/// The niceness of the thread that finds the later entries.
const LATER_ENTRIES_NICE: i32 = 10;

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

/// A picker started but not yet on screen: skim's threads and runtime are up, so the caller can
/// read what the first entries need meanwhile (on a small machine the two overlap).
pub struct Picker {
    skim: Skim,
    runtime: tokio::runtime::Runtime,
    sender: SkimItemSender,
}

impl Picker {
    /// Starts skim with `prompt`, `header` and the action `keys`; nothing is drawn yet.
    pub fn start(prompt: &str, header: &str, keys: &[ActionKey]) -> Result<Picker> {
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
        let mut skim: Skim = Skim::init(options, Some(receiver)).map_err(|e| skim_error(&e))?;
        skim.start();
        skim.init_tui().map_err(|e| skim_error(&e))?;
        Ok(Picker { skim, runtime: tokio::runtime::Runtime::new()?, sender })
    }

    /// Shows `first`, then what `more` adds while the picker is open (sent by `more` on a thread
    /// of its own; entries keep counting on from `first`), and returns the user's choice. `more`
    /// starts once skim has drawn the first of `first`: on a small machine its work (reading
    /// saved sessions, walking for projects) would otherwise compete with skim's start, and the
    /// first list would wait.
    pub fn run(
        self,
        first: Vec<Entry>,
        more: impl FnOnce(&dyn Fn(Vec<Entry>)) + Send + 'static,
    ) -> Result<Outcome> {
        let Picker { mut skim, runtime, sender } = self;
        let offset = first.len();
        let first_draw = Arc::new(FirstDraw::default());
        if first.is_empty() {
            first_draw.open();
        }
        sender.send(items(first, 0, Some(&first_draw)))?;
        std::thread::spawn(move || {
            in_background();
            first_draw.wait(FIRST_DRAW_WAIT);
            let next = std::sync::atomic::AtomicUsize::new(offset);
            more(&|entries: Vec<Entry>| {
                let start = next.fetch_add(entries.len(), std::sync::atomic::Ordering::Relaxed);
                let _ = sender.send(items(entries, start, None));
            });
            // The sender drops here: skim knows the list is complete.
        });
        wait_for_match(&mut skim, offset);
        runtime
            .block_on(async {
                skim.enter().await?;
                skim.run().await
            })
            .map_err(|e| skim_error(&e))?;
        drop(runtime);
        let output = skim.output();
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
}

/// [`Picker::start`] and [`Picker::run`] at once, for entries known up front.
pub fn pick(
    prompt: &str,
    header: &str,
    keys: &[ActionKey],
    first: Vec<Entry>,
    more: impl FnOnce(&dyn Fn(Vec<Entry>)) + Send + 'static,
) -> Result<Outcome> {
    Picker::start(prompt, header, keys)?.run(first, more)
}

/// Lets skim's matcher take in the `first` entries before the screen is set up: skim draws its
/// first frame at once, and entries matched after it wait for a later frame (a heartbeat, about
/// 10 ms, later).
fn wait_for_match(skim: &mut Skim, first: usize) {
    if first == 0 {
        return;
    }
    let until = std::time::Instant::now() + FIRST_MATCH_WAIT;
    loop {
        let app = skim.app_mut();
        app.restart_matcher(false);
        let pool = &app.item_pool;
        let matched = pool.len() >= first && pool.num_not_taken() == 0 && app.matcher_control.stopped();
        if matched || std::time::Instant::now() >= until {
            break;
        }
        std::thread::sleep(Duration::from_micros(100));
    }
}

/// Lowers this thread's priority, and so that of the threads it starts (a walk for projects runs
/// on several): on a small machine their work would otherwise hold up the first list on screen,
/// and the tmux server that draws it. Linux only (a thread's own niceness).
fn in_background() {
    #[cfg(target_os = "linux")]
    if let Err(err) = rustix::process::setpriority_process(Some(rustix::thread::gettid()), LATER_ENTRIES_NICE)
    {
        crate::log::debug("picker", &format!("could not lower the later entries' priority: {err}"));
    }
}

fn skim_error(err: &dyn std::fmt::Display) -> anyhow::Error {
    anyhow::anyhow!("{err}")
}

/// Whether skim has drawn an entry yet, for a thread to wait on.
#[derive(Default)]
struct FirstDraw {
    drawn: AtomicBool,
    lock: Mutex<bool>,
    signal: Condvar,
}

impl FirstDraw {
    /// Lets the waiting thread go; true the first time.
    fn open(&self) -> bool {
        let first = !self.drawn.swap(true, std::sync::atomic::Ordering::Relaxed);
        if first {
            *self.lock.lock().unwrap_or_else(std::sync::PoisonError::into_inner) = true;
            self.signal.notify_all();
        }
        first
    }

    fn wait(&self, limit: Duration) {
        let drawn = self.lock.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        let _ = self.signal.wait_timeout_while(drawn, limit, |drawn| !*drawn);
    }
}

fn items(entries: Vec<Entry>, start: usize, first_draw: Option<&Arc<FirstDraw>>) -> Vec<Arc<dyn SkimItem>> {
    entries
        .into_iter()
        .enumerate()
        .map(|(i, entry)| {
            Arc::new(Item { index: start + i, entry, first_draw: first_draw.cloned() }) as Arc<dyn SkimItem>
        })
        .collect()
}

struct Item {
    index: usize,
    entry: Entry,
    /// Opened when this entry is drawn (the first entries only).
    first_draw: Option<Arc<FirstDraw>>,
}

impl SkimItem for Item {
    fn text(&self) -> Cow<'_, str> {
        Cow::Borrowed(&self.entry.line)
    }

    fn display(&self, context: DisplayContext) -> ratatui::text::Line<'_> {
        if self.first_draw.as_ref().is_some_and(|first_draw| first_draw.open()) {
            crate::timings::mark("draw the first entries");
        }
        context.to_line(self.text())
    }

    fn output(&self) -> Cow<'_, str> {
        Cow::Owned(self.index.to_string())
    }

    fn preview(&self, _context: PreviewContext) -> ItemPreview {
        ItemPreview::AnsiText((self.entry.preview)())
    }
}
