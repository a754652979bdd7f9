//! A loopback stand-in for the Anthropic Messages API, enough for the real Claude Code CLI to hold
//! a conversation (see shared/claude-code-e2e.md): `HEAD /`, `POST /v1/messages` (streamed or
//! not), `POST /v1/messages/count_tokens`. A prompt containing `TOOL_TRIGGER` gets a `Bash` tool
//! call back (Claude Code then asks permission); a tool result gets a closing text; one containing
//! `SLOW_TRIGGER` a reply that streams until the client goes away. The first streamed tool call
//! waits until the test releases it, so the test can see the agent working.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::Arc;
use std::thread;
use std::time::{Duration, Instant};

pub const TOOL_TRIGGER: &str = "cdev-e2e-touch";
/// A prompt containing this gets a reply streamed slowly (a word every 100 ms, for up to two
/// minutes): the agent stays mid-turn until the test interrupts it.
pub const SLOW_TRIGGER: &str = "cdev-e2e-slow";

pub struct MessagesApi {
    pub port: u16,
    pub release: Arc<AtomicBool>,
    /// While set, a slow reply sends nothing at all (not even its headers): Claude waits for
    /// its first byte.
    pub hold_slow: Arc<AtomicBool>,
    /// How many slow replies have streamed their first words so far.
    pub slow_streams: Arc<AtomicUsize>,
    pub requests: Arc<AtomicUsize>,
    stop: Arc<AtomicBool>,
}

impl MessagesApi {
    /// Listens on 127.0.0.1 (a free port); `marker` is the file the Bash tool call touches.
    pub fn start(marker: String) -> MessagesApi {
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind loopback");
        listener.set_nonblocking(true).unwrap();
        let port = listener.local_addr().unwrap().port();
        let release = Arc::new(AtomicBool::new(false));
        let hold_slow = Arc::new(AtomicBool::new(false));
        let requests = Arc::new(AtomicUsize::new(0));
        let slow_streams = Arc::new(AtomicUsize::new(0));
        let stop = Arc::new(AtomicBool::new(false));
        let (r, h, q, s) =
            (release.clone(), hold_slow.clone(), [requests.clone(), slow_streams.clone()], stop.clone());
        thread::spawn(move || {
            // Bounded: the server stops with the test, or after ten minutes at most.
            let deadline = Instant::now() + Duration::from_secs(600);
            while !s.load(Ordering::Relaxed) && Instant::now() < deadline {
                match listener.accept() {
                    Ok((stream, _)) => {
                        let (r, h, q, marker) = (r.clone(), h.clone(), q.clone(), marker.clone());
                        thread::spawn(move || serve(stream, [&r, &h], [&q[0], &q[1]], &marker));
                    }
                    Err(_) => thread::sleep(Duration::from_millis(10)),
                }
            }
        });
        MessagesApi { port, release, hold_slow, slow_streams, requests, stop }
    }
}

impl Drop for MessagesApi {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::Relaxed);
    }
}

/// `holds`: the tool call's release, and the slow reply's hold; `counts`: requests, and slow
/// replies streaming.
fn serve(stream: TcpStream, holds: [&AtomicBool; 2], counts: [&AtomicUsize; 2], marker: &str) {
    stream.set_nonblocking(false).ok();
    stream.set_read_timeout(Some(Duration::from_secs(120))).ok();
    let mut reader = BufReader::new(stream.try_clone().unwrap());
    let mut stream = stream;
    loop {
        let mut request_line = String::new();
        if reader.read_line(&mut request_line).unwrap_or(0) == 0 {
            return;
        }
        let mut length = 0usize;
        let mut chunked = false;
        loop {
            let mut header = String::new();
            if reader.read_line(&mut header).unwrap_or(0) == 0 {
                return;
            }
            let header = header.trim_end();
            if header.is_empty() {
                break;
            }
            let lower = header.to_ascii_lowercase();
            if let Some(value) = lower.strip_prefix("content-length:") {
                length = value.trim().parse().unwrap_or(0);
            }
            if lower.starts_with("transfer-encoding:") && lower.contains("chunked") {
                chunked = true;
            }
        }
        let body = if chunked { read_chunked(&mut reader) } else { read_exact(&mut reader, length) };
        let path = request_line.split_whitespace().nth(1).unwrap_or("/").to_string();
        let method = request_line.split_whitespace().next().unwrap_or("").to_string();
        let keep_going = respond(&mut stream, &method, &path, &body, holds, counts, marker);
        if !keep_going {
            return;
        }
    }
}

fn read_exact(reader: &mut impl Read, length: usize) -> Vec<u8> {
    let mut body = vec![0; length];
    reader.read_exact(&mut body).ok();
    body
}

fn read_chunked(reader: &mut BufReader<TcpStream>) -> Vec<u8> {
    let mut body = Vec::new();
    loop {
        let mut size = String::new();
        reader.read_line(&mut size).ok();
        let size = usize::from_str_radix(size.trim().split(';').next().unwrap_or("0"), 16).unwrap_or(0);
        if size == 0 {
            let mut end = String::new();
            reader.read_line(&mut end).ok();
            return body;
        }
        body.extend(read_exact(reader, size));
        let mut crlf = String::new();
        reader.read_line(&mut crlf).ok();
    }
}

/// Answers one request; false when the connection is closed after it.
fn respond(
    stream: &mut TcpStream,
    method: &str,
    path: &str,
    body: &[u8],
    [release, hold_slow]: [&AtomicBool; 2],
    [requests, slow_streams]: [&AtomicUsize; 2],
    marker: &str,
) -> bool {
    if method == "HEAD" || method == "GET" {
        let _ = stream.write_all(b"HTTP/1.1 200 OK\r\ncontent-length: 0\r\n\r\n");
        return true;
    }
    if path.starts_with("/v1/messages/count_tokens") {
        return send_json(stream, &serde_json::json!({"input_tokens": 12}));
    }
    if !path.starts_with("/v1/messages") {
        let _ = stream.write_all(b"HTTP/1.1 404 Not Found\r\ncontent-length: 0\r\n\r\n");
        return true;
    }
    requests.fetch_add(1, Ordering::Relaxed);
    if let Some(log) = std::env::var_os("CDEV_E2E_API_LOG") {
        use std::io::Write as _;
        if let Ok(mut f) = std::fs::OpenOptions::new().create(true).append(true).open(log) {
            let _ = writeln!(f, "{path}\n{}\n", String::from_utf8_lossy(body));
        }
    }
    let request: serde_json::Value = serde_json::from_slice(body).unwrap_or_default();
    let model = request["model"].as_str().unwrap_or("claude-test").to_string();
    // The conversation's last user turn (Claude Code may append system-role messages after it),
    // and of that the last block: after an interrupt, Claude Code sends the refused tool's result,
    // its note and the next prompt as one turn.
    let last_turn = request["messages"]
        .as_array()
        .and_then(|m| m.iter().rev().find(|m| m["role"] == "user"))
        .cloned()
        .unwrap_or_default();
    let last_user = match &last_turn["content"] {
        serde_json::Value::Array(blocks) => {
            blocks.iter().rev().find(|b| !is_reminder(b)).cloned().unwrap_or_default().to_string()
        }
        other => other.to_string(),
    };
    // Side requests (session titles, …) come without tools: they only ever get text.
    let has_bash = request["tools"].as_array().is_some_and(|t| t.iter().any(|t| t["name"] == "Bash"));
    let reply = if last_user.contains("tool_result") {
        Reply::Text("Done: the marker file is there.")
    } else if has_bash && last_user.contains(SLOW_TRIGGER) {
        Reply::Slow
    } else if has_bash && last_user.contains(TOOL_TRIGGER) {
        Reply::Tool(format!("touch {marker}"))
    } else {
        Reply::Text("ok")
    };
    if request["stream"].as_bool() != Some(true) {
        return send_json(stream, &message_json(&model, &reply));
    }
    if matches!(reply, Reply::Slow) {
        // Nothing until the test lets go: Claude waits for the answer's first byte.
        let deadline = Instant::now() + Duration::from_secs(60);
        while hold_slow.load(Ordering::Relaxed) && Instant::now() < deadline {
            thread::sleep(Duration::from_millis(20));
        }
    }
    if matches!(reply, Reply::Tool(_)) {
        // Hold the answer until the test has seen the agent working.
        let deadline = Instant::now() + Duration::from_secs(60);
        while !release.load(Ordering::Relaxed) && Instant::now() < deadline {
            thread::sleep(Duration::from_millis(20));
        }
    }
    let _ = stream.write_all(
        b"HTTP/1.1 200 OK\r\ncontent-type: text/event-stream\r\ncache-control: no-cache\r\nconnection: close\r\n\r\n",
    );
    let events = stream_events(&model, &reply);
    let (head, tail) = events.split_at(if matches!(reply, Reply::Slow) { 2 } else { events.len() });
    let send = |stream: &mut TcpStream, (name, data): &(&str, String)| {
        stream.write_all(format!("event: {name}\ndata: {data}\n\n").as_bytes()).and_then(|_| stream.flush())
    };
    for event in head {
        let _ = send(stream, event);
    }
    if matches!(reply, Reply::Slow) {
        // A word at a time until Claude Code hangs up (Esc), for two minutes at most.
        for i in 0..1200 {
            let delta = serde_json::json!({"type": "content_block_delta", "index": 0,
                "delta": {"type": "text_delta", "text": format!("word{i} ")}});
            if send(stream, &("content_block_delta", delta.to_string())).is_err() {
                return false;
            }
            if i == 3 {
                slow_streams.fetch_add(1, Ordering::Relaxed);
            }
            thread::sleep(Duration::from_millis(100));
        }
    }
    for event in tail {
        let _ = send(stream, event);
    }
    let _ = stream.flush();
    let _ = stream.shutdown(std::net::Shutdown::Both);
    false
}

/// A text block Claude Code adds to a user turn on its own (`<system-reminder>…`).
fn is_reminder(block: &serde_json::Value) -> bool {
    block["type"] == "text"
        && block["text"].as_str().is_some_and(|t| t.trim_start().starts_with("<system-reminder>"))
}

enum Reply {
    Text(&'static str),
    Tool(String),
    /// Words streamed slowly (the text blocks' events, with the deltas sent one by one).
    Slow,
}

fn send_json(stream: &mut TcpStream, value: &serde_json::Value) -> bool {
    let body = value.to_string();
    let head = format!(
        "HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: {}\r\n\r\n",
        body.len()
    );
    stream.write_all(head.as_bytes()).and_then(|_| stream.write_all(body.as_bytes())).is_ok()
}

/// What each reply used, as the API reports it: some of the prompt written to the cache, more
/// read from it (a message's context is all three inputs: 12,012 tokens).
fn usage() -> serde_json::Value {
    serde_json::json!({"input_tokens": 12, "output_tokens": 5, "cache_creation_input_tokens": 2000, "cache_read_input_tokens": 10000})
}

/// A fresh message id per reply, as the API gives (Claude Code writes a message over several
/// transcript lines, and cdev counts each id once).
fn message_id() -> String {
    static NEXT: AtomicUsize = AtomicUsize::new(1);
    format!("msg_cdev{}", NEXT.fetch_add(1, Ordering::Relaxed))
}

fn message_json(model: &str, reply: &Reply) -> serde_json::Value {
    let (content, stop) = match reply {
        Reply::Text(text) => (serde_json::json!([{"type": "text", "text": text}]), "end_turn"),
        Reply::Slow => (serde_json::json!([{"type": "text", "text": "slow"}]), "end_turn"),
        Reply::Tool(command) => (
            serde_json::json!([{"type": "tool_use", "id": "toolu_cdev1", "name": "Bash",
                "input": {"command": command, "description": "Create the marker file"}}]),
            "tool_use",
        ),
    };
    serde_json::json!({"id": message_id(), "type": "message", "role": "assistant", "model": model,
        "content": content, "stop_reason": stop, "stop_sequence": null, "usage": usage()})
}

fn stream_events(model: &str, reply: &Reply) -> Vec<(&'static str, String)> {
    let start = serde_json::json!({"type": "message_start", "message": {"id": message_id(), "type": "message",
        "role": "assistant", "model": model, "content": [], "stop_reason": null, "stop_sequence": null, "usage": usage()}});
    let (block, delta, stop) = match reply {
        Reply::Slow => (
            serde_json::json!({"type": "text", "text": ""}),
            serde_json::json!({"type": "text_delta", "text": "slow "}),
            "end_turn",
        ),
        Reply::Text(text) => (
            serde_json::json!({"type": "text", "text": ""}),
            serde_json::json!({"type": "text_delta", "text": text}),
            "end_turn",
        ),
        Reply::Tool(command) => (
            serde_json::json!({"type": "tool_use", "id": "toolu_cdev1", "name": "Bash", "input": {}}),
            serde_json::json!({"type": "input_json_delta", "partial_json":
                serde_json::json!({"command": command, "description": "Create the marker file"}).to_string()}),
            "tool_use",
        ),
    };
    vec![
        ("message_start", start.to_string()),
        ("content_block_start", serde_json::json!({"type": "content_block_start", "index": 0, "content_block": block}).to_string()),
        ("content_block_delta", serde_json::json!({"type": "content_block_delta", "index": 0, "delta": delta}).to_string()),
        ("content_block_stop", serde_json::json!({"type": "content_block_stop", "index": 0}).to_string()),
        ("message_delta", serde_json::json!({"type": "message_delta", "delta": {"stop_reason": stop, "stop_sequence": null},
            "usage": {"output_tokens": 5}}).to_string()),
        ("message_stop", serde_json::json!({"type": "message_stop"}).to_string()),
    ]
}
