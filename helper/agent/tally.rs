//! What an agent used, added up from its transcript: the `usage` Claude Code records on each
//! assistant message (input, output, cache-creation and cache-read tokens), an estimated cost
//! from a small table of list prices per model family, and how full the context window was at
//! the last message. This is the fallback for a Claude pane with no cdev statusLine (Claude
//! started by hand, a statusLine the user took out): what the statusLine reports always wins.
//!
//! The tally is kept on the pane (`@cdev_transcript_usage`, JSON) with the offset it has read
//! the transcript up to, so each read takes only what was appended since. Claude Code writes a
//! message over several lines (one per content block, each with the message's usage), so a
//! message counts once: a later line of a message counted recently replaces it.

use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::price::{price, window};
pub use crate::spend::Spend;
use crate::tmux::state::Pane;

/// The pane option holding a pane's [`Tally`].
pub const OPTION: &str = crate::tmux::cdev_option::TRANSCRIPT_USAGE;

/// The tally's format; another one (or none) is read again from the start.
const FORMAT_VERSION: u32 = 1;

/// The key of a message's usage, as Claude Code writes it (compact JSON).
const USAGE_KEY: &[u8] = b"\"usage\"";

/// Whether JSONL `lines` record a usage at all.
pub fn records_usage(lines: &[u8]) -> bool {
    memchr::memmem::find(lines, USAGE_KEY).is_some()
}

/// How many of the last messages counted are remembered, to count each once.
const RECENT: usize = 8;

/// No real message has used anywhere near this many tokens of one kind: a count above it is
/// garbage, and its line is ignored.
const MAX_TOKENS: u64 = 100_000_000;

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Tokens {
    pub input: u64,
    pub output: u64,
    pub cache_creation: u64,
    pub cache_read: u64,
}

impl Tokens {
    pub fn total(&self) -> u64 {
        self.input
            .saturating_add(self.output)
            .saturating_add(self.cache_creation)
            .saturating_add(self.cache_read)
    }

    /// What the model was given: the context the message used.
    fn context(&self) -> u64 {
        self.input.saturating_add(self.cache_creation).saturating_add(self.cache_read)
    }

    fn plus(self, other: Tokens) -> Tokens {
        Tokens {
            input: self.input.saturating_add(other.input),
            output: self.output.saturating_add(other.output),
            cache_creation: self.cache_creation.saturating_add(other.cache_creation),
            cache_read: self.cache_read.saturating_add(other.cache_read),
        }
    }

    fn minus(self, other: Tokens) -> Tokens {
        Tokens {
            input: self.input.saturating_sub(other.input),
            output: self.output.saturating_sub(other.output),
            cache_creation: self.cache_creation.saturating_sub(other.cache_creation),
            cache_read: self.cache_read.saturating_sub(other.cache_read),
        }
    }
}

/// A message counted, as it was counted.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
struct Counted {
    id: String,
    tokens: Tokens,
    usd: f64,
}

/// A transcript's usage up to `offset`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Tally {
    #[serde(rename = "v")]
    version: u32,
    /// The transcript this is the tally of.
    pub transcript: String,
    /// How far it has been read: always the end of a line.
    pub offset: u64,
    /// The read stopped inside a line longer than a whole read: the rest of it is skipped.
    #[serde(default)]
    pub in_long_line: bool,
    pub tokens: Tokens,
    /// The estimated cost of the messages whose model has a price here; `None` before any.
    pub usd: Option<f64>,
    /// The last main-conversation message's input and cache tokens, and its model.
    pub context: Option<u64>,
    pub model: Option<String>,
    #[serde(default)]
    recent: Vec<Counted>,
}

impl Tally {
    pub fn new(transcript: &str) -> Tally {
        Tally {
            version: FORMAT_VERSION,
            transcript: transcript.to_string(),
            offset: 0,
            in_long_line: false,
            tokens: Tokens::default(),
            usd: None,
            context: None,
            model: None,
            recent: Vec::new(),
        }
    }

    /// The tally stored in the pane option, when it is one of this format.
    pub fn parse(text: &str) -> Option<Tally> {
        serde_json::from_str::<Tally>(text).ok().filter(|t| t.version == FORMAT_VERSION)
    }

    /// The pane option's value: one line of JSON.
    pub fn to_option(&self) -> String {
        serde_json::to_string(self).unwrap_or_default()
    }

    /// Adds what complete JSONL `lines` record; lines that are not an assistant message with a
    /// well-formed `usage` are ignored.
    pub fn add_lines(&mut self, lines: &[u8]) {
        // Most bytes are tool results and file contents: only lines naming a usage are parsed
        // (inside a JSON string a quote is escaped, so this is a key or a value, never text).
        let finder = memchr::memmem::Finder::new(USAGE_KEY);
        let mut from = 0;
        while let Some(found) = finder.find(&lines[from..]) {
            let at = from + found;
            let start = memchr::memrchr(b'\n', &lines[..at]).map_or(0, |i| i + 1);
            let end = memchr::memchr(b'\n', &lines[at..]).map_or(lines.len(), |i| at + i);
            if let Ok(record) = serde_json::from_slice::<Value>(&lines[start..end]) {
                self.add_record(&record);
            }
            from = end;
        }
    }

    fn add_record(&mut self, record: &Value) {
        if record["type"] != "assistant" {
            return;
        }
        let message = &record["message"];
        let Some(tokens) = usage(&message["usage"]) else { return };
        let model = message["model"].as_str().filter(|m| !m.is_empty() && *m != "<synthetic>");
        let usd = model.and_then(price).map(|p| p.cost(&tokens, one_hour_writes(&message["usage"])));
        if let Some(usd) = usd {
            self.usd = Some(self.usd.unwrap_or(0.0) + usd);
        }
        let id = message["id"].as_str().filter(|id| !id.is_empty());
        let earlier = id.and_then(|id| self.recent.iter().position(|c| c.id == id));
        let counted = earlier.map(|i| self.recent.remove(i));
        if let Some(counted) = &counted {
            self.tokens = self.tokens.minus(counted.tokens);
            self.usd = self.usd.map(|u| (u - counted.usd).max(0.0));
        }
        self.tokens = self.tokens.plus(tokens);
        if let Some(id) = id {
            self.recent.push(Counted { id: id.to_string(), tokens, usd: usd.unwrap_or(0.0) });
            if self.recent.len() > RECENT {
                self.recent.remove(0);
            }
        }
        // A subagent's messages cost too, but its context is its own.
        if record["isSidechain"] != true {
            self.context = Some(tokens.context());
            if let Some(model) = model {
                self.model = Some(super::usage::label(model));
            }
        }
    }

    /// How full the context window was at the last message, in percent.
    pub fn context_percent(&self) -> Option<u32> {
        let used = self.context?;
        let window = window(self.model.as_deref().unwrap_or_default(), used);
        Some(((used as f64 * 100.0 / window as f64).round() as u32).min(100))
    }
}

/// A message's `usage`: every count a non-negative integer (missing ones are 0), at least one
/// of them there; anything else is not a usage.
fn usage(value: &Value) -> Option<Tokens> {
    let object = value.as_object()?;
    let count = |key: &str| match object.get(key) {
        None | Some(Value::Null) => Some(None),
        Some(v) => v.as_u64().filter(|n| *n <= MAX_TOKENS).map(Some),
    };
    let [input, output, cache_creation, cache_read] =
        ["input_tokens", "output_tokens", "cache_creation_input_tokens", "cache_read_input_tokens"]
            .map(count);
    let counts = [input?, output?, cache_creation?, cache_read?];
    if counts.iter().all(Option::is_none) {
        return None;
    }
    let [input, output, cache_creation, cache_read] = counts.map(|c| c.unwrap_or(0));
    Some(Tokens { input, output, cache_creation, cache_read })
}

/// Cache writes kept for an hour, which cost more (`cache_creation.ephemeral_1h_input_tokens`).
fn one_hour_writes(usage: &Value) -> u64 {
    usage["cache_creation"]["ephemeral_1h_input_tokens"].as_u64().filter(|n| *n <= MAX_TOKENS).unwrap_or(0)
}

/// What a listed pane's agent cost so far: the statusLine's figure, else the estimate from the
/// tally recorded on the pane.
pub fn pane_spend(pane: &Pane) -> Option<Spend> {
    spend(pane.cost, pane.transcript_usage.as_deref().and_then(Tally::parse).as_ref())
}

/// The statusLine's cost when it reported one, else the transcript's estimate (to a millionth
/// of a dollar: the rest is the noise of adding floats).
pub fn spend(reported: Option<f64>, tally: Option<&Tally>) -> Option<Spend> {
    match reported {
        Some(usd) => Some(Spend { usd, estimated: false }),
        None => {
            tally.and_then(|t| t.usd).map(|usd| Spend { usd: (usd * 1e6).round() / 1e6, estimated: true })
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// An assistant line as Claude Code writes it (trimmed), with `usage` as given.
    fn assistant(id: &str, model: &str, usage: &str, sidechain: bool) -> String {
        format!(
            r#"{{"parentUuid":"p","isSidechain":{sidechain},"type":"assistant","message":{{"id":"{id}","type":"message","role":"assistant","model":"{model}","content":[{{"type":"text","text":"ok"}}],"usage":{usage}}},"timestamp":"2026-12-02T00:55:19.852Z"}}"#
        )
    }

    #[test]
    fn both_versions_shapes_add_up_and_a_message_counts_once_issue_22() {
        // Trimmed from Claude Code 2.1.197's and 2.1.332's transcripts.
        let v197 = r#"{"parentUuid":"e4","isSidechain":false,"message":{"id":"msg_1","type":"message","role":"assistant","model":"claude-opus-4-8","content":[{"type":"text","text":"ok"}],"stop_reason":"end_turn","usage":{"input_tokens":12,"cache_creation_input_tokens":2000,"cache_read_input_tokens":10000,"output_tokens":5,"server_tool_use":{"web_search_requests":0},"service_tier":"standard","cache_creation":{"ephemeral_1h_input_tokens":0,"ephemeral_5m_input_tokens":2000},"iterations":[]}},"type":"assistant","uuid":"b0","timestamp":"2026-12-02T00:55:19.852Z","version":"2.1.197"}"#;
        let v332 = r#"{"parentUuid":"4b","isSidechain":false,"apiBlockIndex":0,"requestRef":"89","requestedModel":"claude-opus-5-5","type":"assistant","message":{"id":"msg_2","type":"message","role":"assistant","model":"claude-opus-5-5","content":[{"type":"text","text":"ok"}],"usage":{"input_tokens":30,"cache_creation_input_tokens":0,"cache_read_input_tokens":12000,"output_tokens":100,"output_tokens_details":{"thinking_tokens":0},"cache_creation":{"ephemeral_1h_input_tokens":0,"ephemeral_5m_input_tokens":0},"fallback_credit":null}},"uuid":"fb","version":"2.1.332"}"#;
        let user = r#"{"type":"user","message":{"role":"user","content":"say \"usage\": {\"input_tokens\": 99999}"}}"#;
        let mut tally = Tally::new("/t.jsonl");
        tally.add_lines(format!("{v197}\n{user}\n{v332}\n").as_bytes());
        assert_eq!(tally.tokens, Tokens { input: 42, output: 105, cache_creation: 2000, cache_read: 22000 });
        assert_eq!(tally.tokens.total(), 24147);
        // Opus at $5 / $25 per million: 12 + 2000 × 1.25 + 10000 × 0.1 in, 5 out; then 30 +
        // 12000 × 0.1 in, 100 out.
        let expected = ((12.0 + 2500.0 + 1000.0 + 30.0 + 1200.0) * 5.0 + 105.0 * 25.0) / 1e6;
        assert!((tally.usd.unwrap() - expected).abs() < 1e-12, "{:?}", tally.usd);
        assert_eq!((tally.context, tally.model.as_deref()), (Some(12030), Some("claude-opus-5-5")));
        assert_eq!(tally.context_percent(), Some(6));

        // The same message's next content block, with its final usage: it replaces, never adds.
        let again = assistant(
            "msg_2",
            "claude-opus-5-5",
            r#"{"input_tokens":30,"cache_read_input_tokens":12000,"output_tokens":180}"#,
            false,
        );
        tally.add_lines(format!("{again}\n").as_bytes());
        assert_eq!(tally.tokens.output, 185);
        // A subagent's message costs, but leaves the context alone.
        let sub =
            assistant("msg_3", "claude-haiku-4-5", r#"{"input_tokens":500000,"output_tokens":1}"#, true);
        tally.add_lines(format!("{sub}\n").as_bytes());
        assert_eq!((tally.tokens.input, tally.context), (500042, Some(12030)));
        // Round-trips through its pane option.
        assert_eq!(Tally::parse(&tally.to_option()), Some(tally.clone()));
        assert_eq!(Tally::parse(r#"{"v":0,"transcript":"/t"}"#), None);
        assert_eq!(Tally::parse("not json"), None);
    }

    #[test]
    fn missing_or_garbage_usage_is_ignored_issue_22() {
        let mut tally = Tally::new("/t.jsonl");
        let lines = [
            assistant("a", "claude-sonnet-4-5", "null", false),
            assistant("b", "claude-sonnet-4-5", "{}", false),
            assistant("c", "claude-sonnet-4-5", r#"{"input_tokens":"lots","output_tokens":3}"#, false),
            assistant("d", "claude-sonnet-4-5", r#"{"input_tokens":-4}"#, false),
            assistant("e", "claude-sonnet-4-5", r#"{"input_tokens":1.5}"#, false),
            assistant("f", "claude-sonnet-4-5", r#"{"input_tokens":1e300}"#, false),
            assistant("g", "claude-sonnet-4-5", r#"[1,2]"#, false),
            r#"{"type":"assistant","message":"usage"}"#.to_string(),
            r#"{"type":"assistant","usage":{"input_tokens":5}"#.to_string(), // cut short
            r#"{"type":"user","message":{"usage":{"input_tokens":5}}}"#.to_string(),
            "\"usage\" and no JSON".to_string(),
        ];
        tally.add_lines(lines.join("\n").as_bytes());
        assert_eq!((tally.tokens, tally.usd, tally.context), (Tokens::default(), None, None));
        // A model with no price: tokens counted, no cost; a synthetic message (an API error):
        // no model.
        let lines = [
            assistant("h", "some-other-model", r#"{"input_tokens":7,"output_tokens":1}"#, false),
            assistant("i", "<synthetic>", r#"{"input_tokens":0,"output_tokens":0}"#, false),
        ];
        tally.add_lines(lines.join("\n").as_bytes());
        assert_eq!((tally.tokens.total(), tally.usd), (8, None));
        assert_eq!(tally.model.as_deref(), Some("some-other-model"));
    }

    #[test]
    fn the_status_line_wins_and_an_estimate_says_so() {
        let mut tally = Tally::new("/t");
        tally.usd = Some(0.123);
        assert_eq!(spend(Some(0.5), Some(&tally)), Some(Spend { usd: 0.5, estimated: false }));
        let estimate = spend(None, Some(&tally)).unwrap();
        assert_eq!(estimate.label(), "~$0.12");
        assert_eq!(spend(None, None), None);
        let both = Spend::sum([Spend { usd: 1.0, estimated: false }, estimate]).unwrap();
        assert_eq!(both.label(), "~$1.12");
        assert_eq!(Spend::sum([Spend { usd: 1.0, estimated: false }]).unwrap().label(), "$1.00");
    }
}
