//! A fake Anthropic Messages API on 127.0.0.1, for driving the real Claude Code CLI offline.
//!
//! The "model" is a script: a list of turns, each a list of content blocks (text or tool use).
//! Which turn answers a request is decided by counting the `tool_result` blocks across the whole
//! conversation in the request, not by looking at its last message (Claude Code puts
//! `role: "system"` messages in `messages`, and one may follow the tool result); past the end of
//! the script the last turn repeats. Requests of the agent loop are told apart from side
//! requests (titles, quota checks) by their `tools`, or by asking for thinking (a sub-agent
//! without tools); side requests get a short text and are not turns.
//!
//! Every request is logged (method, path, JSON body) for the test to assert on. A loop guard
//! caps the agent-loop requests: past the cap the server answers a final text and remembers the
//! overflow, which [`FakeAnthropic::assert_no_loop`] turns into a clear failure.
//!
//! HTTP/1.1, one thread per connection, one request per connection (`Connection: close`).
//! `POST /v1/messages` with `"stream": true` gets server-sent events (`message_start`,
//! `content_block_start` / `_delta` / `_stop`, `message_delta`, `message_stop`); without it, one
//! JSON message. `count_tokens` gets a token count; anything else a harmless `{}`.

use serde_json::{Value, json};
use std::io::{BufRead, BufReader, Read, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;
use std::time::Duration;

/// One content block of a scripted model turn.
#[derive(Debug, Clone, PartialEq)]
pub enum Block {
    Text(String),
    ToolUse { name: String, input: Value },
}

/// A text block.
pub fn text(text: &str) -> Block {
    Block::Text(text.to_owned())
}

/// A `Bash` tool call.
pub fn bash(command: &str) -> Block {
    Block::ToolUse {
        name: "Bash".into(),
        input: json!({"command": command, "description": "scripted command"}),
    }
}

/// Any tool call.
pub fn tool(name: &str, input: Value) -> Block {
    Block::ToolUse {
        name: name.into(),
        input,
    }
}

/// One logged HTTP request.
#[derive(Debug, Clone)]
pub struct Request {
    pub method: String,
    pub path: String,
    /// The JSON body (`Null` when there was none or it was not JSON).
    pub body: Value,
}

impl Request {
    /// A request of the agent loop (it offers tools, or thinks), as opposed to a side request.
    pub fn is_main(&self) -> bool {
        self.path.starts_with("/v1/messages")
            && !self.path.contains("count_tokens")
            && (self.body["tools"].as_array().is_some_and(|t| !t.is_empty())
                || self.body["thinking"].is_object())
    }

    /// The names of the tools the request offers the model.
    pub fn tool_names(&self) -> Vec<String> {
        self.body["tools"]
            .as_array()
            .into_iter()
            .flatten()
            .filter_map(|t| t["name"].as_str().map(str::to_owned))
            .collect()
    }

    /// Every text the model would read in `messages`: text blocks, string contents and tool
    /// results, in order (system prompts excluded).
    pub fn texts(&self) -> Vec<String> {
        let mut out = Vec::new();
        for message in self.body["messages"].as_array().into_iter().flatten() {
            collect_texts(&message["content"], &mut out);
        }
        out
    }

    /// Does any text of the conversation contain `needle`?
    pub fn mentions(&self, needle: &str) -> bool {
        self.texts().iter().any(|t| t.contains(needle))
    }

    /// The tool results of the conversation: (tool_use_id, text, is_error).
    pub fn tool_results(&self) -> Vec<(String, String, bool)> {
        let mut out = Vec::new();
        for message in self.body["messages"].as_array().into_iter().flatten() {
            for block in message["content"].as_array().into_iter().flatten() {
                if block["type"] == "tool_result" {
                    let mut texts = Vec::new();
                    collect_texts(&block["content"], &mut texts);
                    out.push((
                        block["tool_use_id"].as_str().unwrap_or_default().to_owned(),
                        texts.join("\n"),
                        block["is_error"].as_bool().unwrap_or(false),
                    ));
                }
            }
        }
        out
    }
}

fn collect_texts(content: &Value, out: &mut Vec<String>) {
    match content {
        Value::String(text) => out.push(text.clone()),
        Value::Array(blocks) => {
            for block in blocks {
                match block["type"].as_str() {
                    Some("text") => out.extend(block["text"].as_str().map(str::to_owned)),
                    Some("tool_result") => collect_texts(&block["content"], out),
                    _ => {}
                }
            }
        }
        _ => {}
    }
}

/// How many `tool_result` blocks the whole conversation holds.
pub fn count_tool_results(body: &Value) -> usize {
    body["messages"]
        .as_array()
        .into_iter()
        .flatten()
        .flat_map(|m| m["content"].as_array().into_iter().flatten())
        .filter(|block| block["type"] == "tool_result")
        .count()
}

struct State {
    script: Vec<Vec<Block>>,
    requests: Vec<Request>,
    main_requests: usize,
    max_main_requests: usize,
    overflowed: bool,
    /// The input tokens each answer reports (what the CLI's spending is computed from).
    input_tokens: u64,
    /// Agent-loop requests whose body contains the text get these blocks instead of a turn of
    /// the script (a sub-agent's conversation, told apart by its system prompt).
    answers: Vec<(String, Vec<Block>)>,
}

/// The server. Dropping it stops it.
pub struct FakeAnthropic {
    addr: SocketAddr,
    state: Arc<Mutex<State>>,
    stop: Arc<AtomicBool>,
    thread: Option<JoinHandle<()>>,
}

/// The default loop guard: more agent-loop requests than this in one test is a loop.
pub const MAX_MAIN_REQUESTS: usize = 12;

impl FakeAnthropic {
    /// Start on 127.0.0.1 (a free port) with this script.
    pub fn start(script: Vec<Vec<Block>>) -> FakeAnthropic {
        assert!(!script.is_empty(), "a script needs at least one turn");
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind 127.0.0.1:0");
        let addr = listener.local_addr().expect("local addr");
        let state = Arc::new(Mutex::new(State {
            script,
            requests: Vec::new(),
            main_requests: 0,
            max_main_requests: MAX_MAIN_REQUESTS,
            overflowed: false,
            input_tokens: 100,
            answers: Vec::new(),
        }));
        let stop = Arc::new(AtomicBool::new(false));
        let thread = {
            let (state, stop) = (state.clone(), stop.clone());
            std::thread::spawn(move || {
                for stream in listener.incoming() {
                    if stop.load(Ordering::SeqCst) {
                        break;
                    }
                    let Ok(stream) = stream else { continue };
                    let state = state.clone();
                    std::thread::spawn(move || {
                        let _ = serve(stream, &state);
                    });
                }
            })
        };
        FakeAnthropic {
            addr,
            state,
            stop,
            thread: Some(thread),
        }
    }

    /// `http://127.0.0.1:PORT`, for `ANTHROPIC_BASE_URL`.
    pub fn base_url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// Replace the script (for a second `claude -p` run against the same server).
    pub fn set_script(&self, script: Vec<Vec<Block>>) {
        assert!(!script.is_empty(), "a script needs at least one turn");
        self.state.lock().unwrap().script = script;
    }

    /// Answer every agent-loop request whose JSON body contains `needle` with `blocks`, outside
    /// the script (for a sub-agent the session's hooks start, whose requests would otherwise
    /// take the script's turns).
    pub fn answer_when(&self, needle: &str, blocks: Vec<Block>) {
        self.state
            .lock()
            .unwrap()
            .answers
            .push((needle.to_owned(), blocks));
    }

    /// Report `tokens` input tokens in every answer from now on: a large number makes each
    /// turn cost the CLI real (pretend) money, for tests of spending limits.
    pub fn set_input_tokens(&self, tokens: u64) {
        self.state.lock().unwrap().input_tokens = tokens;
    }

    /// Every request so far.
    pub fn requests(&self) -> Vec<Request> {
        self.state.lock().unwrap().requests.clone()
    }

    /// The agent-loop requests so far, in order.
    pub fn main_requests(&self) -> Vec<Request> {
        self.requests()
            .into_iter()
            .filter(Request::is_main)
            .collect()
    }

    /// A one-line-per-request summary, for failure messages.
    pub fn summary(&self) -> String {
        self.requests()
            .iter()
            .map(|r| {
                format!(
                    "{} {} main={} tool_results={} last={}",
                    r.method,
                    r.path,
                    r.is_main(),
                    count_tool_results(&r.body),
                    r.texts()
                        .last()
                        .map(|t| t.chars().take(120).collect::<String>())
                        .unwrap_or_default()
                        .replace('\n', " ")
                )
            })
            .collect::<Vec<_>>()
            .join("\n")
    }

    /// Fail if the loop guard tripped.
    pub fn assert_no_loop(&self) {
        let state = self.state.lock().unwrap();
        assert!(
            !state.overflowed,
            "the fake model received more than {} agent-loop requests: Claude Code and the hooks are looping\n{}",
            state.max_main_requests,
            request_lines(&state.requests)
        );
    }
}

fn request_lines(requests: &[Request]) -> String {
    requests
        .iter()
        .map(|r| format!("{} {}", r.method, r.path))
        .collect::<Vec<_>>()
        .join("\n")
}

impl Drop for FakeAnthropic {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::SeqCst);
        // Wake the accept loop so it sees the flag.
        let _ = TcpStream::connect_timeout(&self.addr, Duration::from_secs(1));
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

/// Read one request, answer it, close.
fn serve(stream: TcpStream, state: &Mutex<State>) -> std::io::Result<()> {
    stream.set_read_timeout(Some(Duration::from_secs(30)))?;
    let mut reader = BufReader::new(stream.try_clone()?);
    let mut request_line = String::new();
    if reader.read_line(&mut request_line)? == 0 {
        return Ok(());
    }
    let mut parts = request_line.split_whitespace();
    let method = parts.next().unwrap_or_default().to_owned();
    let path = parts.next().unwrap_or_default().to_owned();
    let mut content_length = 0usize;
    let mut chunked = false;
    loop {
        let mut line = String::new();
        if reader.read_line(&mut line)? == 0 {
            break;
        }
        let line = line.trim_end();
        if line.is_empty() {
            break;
        }
        if let Some((name, value)) = line.split_once(':') {
            let value = value.trim();
            match name.trim().to_ascii_lowercase().as_str() {
                "content-length" => content_length = value.parse().unwrap_or(0),
                "transfer-encoding" => chunked = value.eq_ignore_ascii_case("chunked"),
                _ => {}
            }
        }
    }
    let body = if chunked {
        read_chunked(&mut reader)?
    } else {
        let mut body = vec![0; content_length];
        reader.read_exact(&mut body)?;
        body
    };
    let body: Value = serde_json::from_slice(&body).unwrap_or(Value::Null);
    let request = Request { method, path, body };

    let reply = {
        let mut state = state.lock().unwrap();
        state.requests.push(request.clone());
        answer(&request, &mut state)
    };
    let mut stream = stream;
    match reply {
        Reply::Json(value) => {
            // A HEAD response has the headers of the GET one and no body.
            let body = if request.method == "HEAD" {
                String::new()
            } else {
                value.to_string()
            };
            write!(
                stream,
                "HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{body}",
                body.len()
            )?;
        }
        Reply::Stream(events) => {
            write!(
                stream,
                "HTTP/1.1 200 OK\r\ncontent-type: text/event-stream\r\ncache-control: no-cache\r\nconnection: close\r\n\r\n"
            )?;
            for (name, data) in events {
                write!(stream, "event: {name}\ndata: {data}\n\n")?;
            }
        }
    }
    stream.flush()?;
    stream.shutdown(std::net::Shutdown::Both)
}

fn read_chunked(reader: &mut impl BufRead) -> std::io::Result<Vec<u8>> {
    let mut body = Vec::new();
    loop {
        let mut size = String::new();
        reader.read_line(&mut size)?;
        let size =
            usize::from_str_radix(size.trim().split(';').next().unwrap_or("0"), 16).unwrap_or(0);
        if size == 0 {
            let mut trailer = String::new();
            reader.read_line(&mut trailer)?;
            return Ok(body);
        }
        let mut chunk = vec![0; size + 2];
        reader.read_exact(&mut chunk)?;
        chunk.truncate(size);
        body.extend(chunk);
    }
}

enum Reply {
    Json(Value),
    Stream(Vec<(&'static str, Value)>),
}

fn answer(request: &Request, state: &mut State) -> Reply {
    if request.method != "POST" || !request.path.starts_with("/v1/messages") {
        return Reply::Json(json!({}));
    }
    if request.path.contains("count_tokens") {
        return Reply::Json(json!({"input_tokens": 100}));
    }
    let blocks = if request.is_main() {
        state.main_requests += 1;
        let body = request.body.to_string();
        let answered = state
            .answers
            .iter()
            .find(|(needle, _)| body.contains(needle.as_str()))
            .map(|(_, blocks)| blocks.clone());
        if state.main_requests > state.max_main_requests {
            state.overflowed = true;
            vec![text("loop guard: the fake model stops here")]
        } else if let Some(blocks) = answered {
            blocks
        } else {
            let turn = count_tool_results(&request.body).min(state.script.len() - 1);
            state.script[turn].clone()
        }
    } else {
        vec![text("Fake session")]
    };
    let id = format!("msg_fake_{}", state.requests.len());
    let model = request.body["model"]
        .as_str()
        .unwrap_or("claude-fake")
        .to_owned();
    let content: Vec<Value> = blocks
        .iter()
        .enumerate()
        .map(|(i, block)| match block {
            Block::Text(text) => json!({"type": "text", "text": text}),
            Block::ToolUse { name, input } => json!({
                "type": "tool_use",
                "id": format!("toolu_fake_{}_{i}", state.requests.len()),
                "name": name,
                "input": input,
            }),
        })
        .collect();
    let stop_reason = if blocks.iter().any(|b| matches!(b, Block::ToolUse { .. })) {
        "tool_use"
    } else {
        "end_turn"
    };
    let usage = json!({"input_tokens": state.input_tokens, "output_tokens": 10});
    if request.body["stream"] != true {
        return Reply::Json(json!({
            "id": id, "type": "message", "role": "assistant", "model": model,
            "content": content, "stop_reason": stop_reason, "stop_sequence": null,
            "usage": usage,
        }));
    }
    let mut events = vec![(
        "message_start",
        json!({"type": "message_start", "message": {
            "id": id, "type": "message", "role": "assistant", "model": model, "content": [],
            "stop_reason": null, "stop_sequence": null,
            "usage": {"input_tokens": state.input_tokens, "output_tokens": 1},
        }}),
    )];
    for (index, block) in content.iter().enumerate() {
        let (start, delta) = match block["type"].as_str() {
            Some("text") => (
                json!({"type": "text", "text": ""}),
                json!({"type": "text_delta", "text": block["text"]}),
            ),
            _ => (
                json!({"type": "tool_use", "id": block["id"], "name": block["name"], "input": {}}),
                json!({"type": "input_json_delta", "partial_json": block["input"].to_string()}),
            ),
        };
        events.push((
            "content_block_start",
            json!({"type": "content_block_start", "index": index, "content_block": start}),
        ));
        events.push((
            "content_block_delta",
            json!({"type": "content_block_delta", "index": index, "delta": delta}),
        ));
        events.push((
            "content_block_stop",
            json!({"type": "content_block_stop", "index": index}),
        ));
    }
    events.push((
        "message_delta",
        json!({"type": "message_delta", "delta": {"stop_reason": stop_reason, "stop_sequence": null},
               "usage": {"output_tokens": 10}}),
    ));
    events.push(("message_stop", json!({"type": "message_stop"})));
    Reply::Stream(events)
}
