//! task-lab: drives every background task and state call of fasthooks-host from
//! `UserPromptSubmit` events, for the host's end-to-end tests.
//!
//! The plugin subscribes to `UserPromptSubmit` only. The prompt is one command; the answer is
//! one compact JSON object in the response's additional context (the hook prints it as
//! `hookSpecificOutput.additionalContext`). A call the host refuses is answered with
//! `{"error":"..."}` (the host's message, prefixed with `tasks: ` or `state: `), and so is a
//! prompt that is not a valid command: the handler itself never fails or traps.
//!
//! # Commands
//!
//! Words are separated by spaces. `K` is a task key, `MS` milliseconds (`u32`), `SCOPE` is
//! `session` or `global`. `K1,K2,...` is a comma-separated key list without spaces.
//!
//! | Command | Answer |
//! |---|---|
//! | `add TASK [key=K] [ttl=SECS] [priority=P] [wake=true] [arg=TEXT]` | `{"key":K,"name":TASK,"status":S}` (the task as added; `wake=true` also marks it to wake Claude) |
//! | `wake K` | `{"value":true\|false}`: whether `K` could be marked to wake Claude |
//! | `pop K` | `{"value":V}`, `V` null when there is no completed result |
//! | `get K` | `{"value":INFO}` or `{"value":null}` |
//! | `has K` | `{"value":true\|false}` |
//! | `has` | `{"value":true\|false}`: any completed result in the session |
//! | `cancel K` | `{"value":true\|false}`: whether something was cancelled |
//! | `cancel-all` | `{"value":N}`: how many were cancelled |
//! | `pop-all` | `{"value":[{"key":K,"value":V},...]}` |
//! | `pop-errors` | `{"value":[{"key":K,"error":E},...]}` |
//! | `wait K MS` | `{"value":V}`, null on timeout, failure, cancellation or absence |
//! | `wait-all K1,K2 MS` | `{"value":[{"key":K,"value":V},...]}`: the completed ones |
//! | `wait-any K1,K2 MS` | `{"value":{"key":K,"value":V}}` or `{"value":null}` |
//! | `bench-add N` | `{"accepted":A,"first_error":E}`: adds `noop` as `b0`..`b{N-1}`; `E` null if none |
//! | `bench-wait N MS` | `{"completed":C}`: `wait-all b0,..,b{N-1} MS`, counted |
//! | `state-set SCOPE K TEXT` | `{"value":true}` |
//! | `state-get SCOPE K` | `{"value":"TEXT"}` or `{"value":null}` |
//! | `state-delete SCOPE K` | `{"value":true\|false}`: whether it existed |
//! | `state-keys SCOPE` | `{"value":["K",...]}` |
//! | `agent TEXT` | `{"value":"ANSWER"}`: a Claude sub-agent's answer to TEXT (needs `--allow-agent`) |
//! | `agent-tools T1,T2 TEXT` | the same, asking for a sub-agent with tools T1 and T2 |
//! | `agent-ask TURNS CENTS TEXT` | the same, asking for a sub-agent with `Read`, TURNS turns and a budget of CENTS US cents |
//!
//! Any failure: `{"error":"..."}`; an unknown command: `{"error":"unknown command `X`"}`.
//!
//! Details:
//! - `add` options come in any order, each at most once; `arg=` must be the last one and takes
//!   the rest of the line verbatim (spaces included). Without `arg=`, the argument is `""`.
//!   Without `key=`, the key is the task name. `ttl=` is a `u32`, `priority=` an `i32`.
//! - A value `V` is the task's result parsed as JSON (every task-lab result is JSON).
//! - `INFO` is `{"key","name","status","value","error","created_at_ms","started_at_ms",
//!   "finished_at_ms"}`; `status` is `pending`, `running`, `completed`, `failed` or
//!   `cancelled`, `value` is parsed as for `pop`, absent fields are null.
//! - `state-set` takes the rest of the line after `K` verbatim as the value.
//!
//! # Tasks
//!
//! Each task takes the `arg=` text as its argument (a JSON string on the wire).
//!
//! | Task | Runs | Result |
//! |---|---|---|
//! | `sleep` | sleeps `arg` milliseconds (`std::thread::sleep`) | `{"slept_ms":N}`; fails if `arg` is not a number |
//! | `echo` | nothing | `arg`, as a JSON string |
//! | `noop` | nothing | `"ok"` |
//! | `loop` | spins forever (until the host stops it) | none |
//! | `fail` | nothing | fails with `task-lab: failing on purpose` |
//! | `trap` | panics with `task-lab: trapping on purpose` | none: the instance traps |
//! | `order` | nothing | `{"label":arg,"ran_at_us":T}`, `T` µs since the Unix epoch when it ran |
//!
//! Other names are queued as given (the argument is the `arg=` text as a JSON string); the
//! task then fails in `run-task` with the error ``unknown task `NAME` ``. Never `add loop` in a
//! native build: natively, `add` runs the task at once, in the caller's thread.

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use fasthooks_sdk::serde_json::{self, Value, json};
use fasthooks_sdk::state::{self, Scope};
use fasthooks_sdk::{
    App, Event, Response, Task, TaskInfo, TaskOptions, TaskOutput, Tasks, context,
};

/// Builds the plugin.
pub fn build_app() -> App {
    let mut app = App::new("task-lab", env!("CARGO_PKG_VERSION"));
    for task in TASKS {
        app.register(task);
    }
    app.on_prompt(on_prompt);
    app
}

fasthooks_sdk::plugin!(build_app);

fn on_prompt(event: &Event, tasks: &Tasks) -> Response {
    let answer = match parse(event.prompt.as_deref().unwrap_or_default()) {
        Ok(command) => execute(&command, tasks),
        Err(error) => json!({ "error": error }),
    };
    context(answer.to_string())
}

// The tasks.

fn sleep(arg: String) -> Result<Value, String> {
    let millis: u64 = arg
        .trim()
        .parse()
        .map_err(|_| format!("task-lab: sleep needs arg=MILLISECONDS, got `{arg}`"))?;
    std::thread::sleep(Duration::from_millis(millis));
    Ok(json!({ "slept_ms": millis }))
}

fn echo(arg: String) -> Result<Value, String> {
    Ok(Value::String(arg))
}

fn noop(_: String) -> Result<Value, String> {
    Ok(Value::String("ok".to_owned()))
}

fn spin(_: String) -> Result<Value, String> {
    let mut turns: u64 = 0;
    loop {
        turns = std::hint::black_box(turns.wrapping_add(1));
    }
}

fn fail(_: String) -> Result<Value, String> {
    Err("task-lab: failing on purpose".to_owned())
}

fn trap(_: String) -> Result<Value, String> {
    panic!("task-lab: trapping on purpose")
}

fn order(label: String) -> Result<Value, String> {
    Ok(json!({ "label": label, "ran_at_us": now_us() }))
}

fn now_us() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_micros() as u64)
        .unwrap_or(0)
}

/// `sleep`.
pub static SLEEP: Task<String, Value> = Task::new("sleep", sleep);
/// `echo`.
pub static ECHO: Task<String, Value> = Task::new("echo", echo);
/// `noop`.
pub static NOOP: Task<String, Value> = Task::new("noop", noop);
/// `loop`.
pub static LOOP: Task<String, Value> = Task::new("loop", spin);
/// `fail`.
pub static FAIL: Task<String, Value> = Task::new("fail", fail);
/// `trap`.
pub static TRAP: Task<String, Value> = Task::new("trap", trap);
/// `order`.
pub static ORDER: Task<String, Value> = Task::new("order", order);

/// Every task of the plugin.
pub static TASKS: [&Task<String, Value>; 7] = [&SLEEP, &ECHO, &NOOP, &LOOP, &FAIL, &TRAP, &ORDER];

// The commands.

/// One parsed command.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Command {
    /// `add TASK [key=K] [ttl=SECS] [priority=P] [wake=true] [arg=TEXT]`
    Add {
        /// The task name.
        task: String,
        /// `key=`.
        key: Option<String>,
        /// `ttl=`.
        ttl_seconds: Option<u32>,
        /// `priority=`.
        priority: Option<i32>,
        /// `wake=true`.
        wake: bool,
        /// `arg=`, or `""`.
        arg: String,
    },
    /// `pop K`
    Pop(String),
    /// `get K`
    Get(String),
    /// `wake K`
    Wake(String),
    /// `has [K]`
    Has(Option<String>),
    /// `cancel K`
    Cancel(String),
    /// `cancel-all`
    CancelAll,
    /// `pop-all`
    PopAll,
    /// `pop-errors`
    PopErrors,
    /// `wait K MS`
    Wait(String, u32),
    /// `wait-all K1,K2 MS`
    WaitAll(Vec<String>, u32),
    /// `wait-any K1,K2 MS`
    WaitAny(Vec<String>, u32),
    /// `bench-add N`
    BenchAdd(u32),
    /// `bench-wait N MS`
    BenchWait(u32, u32),
    /// `state-set SCOPE K TEXT`
    StateSet(Scope, String, String),
    /// `state-get SCOPE K`
    StateGet(Scope, String),
    /// `state-delete SCOPE K`
    StateDelete(Scope, String),
    /// `state-keys SCOPE`
    StateKeys(Scope),
    /// `agent TEXT`
    Agent(String),
    /// `agent-tools TOOL,TOOL TEXT`
    AgentTools(Vec<String>, String),
    /// `agent-ask TURNS CENTS TEXT`
    AgentAsk(u32, u32, String),
}

/// Splits off the first word of `text` (after leading spaces): `(word, rest)`.
fn next_word(text: &str) -> (&str, &str) {
    let text = text.trim_start();
    let end = text.find(char::is_whitespace).unwrap_or(text.len());
    (&text[..end], &text[end..])
}

/// Reads the words of a command with a fixed number of arguments.
struct Words<'a> {
    command: &'a str,
    usage: &'static str,
    rest: &'a str,
}

impl<'a> Words<'a> {
    fn usage_error(&self) -> String {
        format!("usage: {}", self.usage)
    }

    fn word(&mut self) -> Result<&'a str, String> {
        let (word, rest) = next_word(self.rest);
        if word.is_empty() {
            return Err(self.usage_error());
        }
        self.rest = rest;
        Ok(word)
    }

    fn number<T: std::str::FromStr>(&mut self, what: &str) -> Result<T, String> {
        let word = self.word()?;
        word.parse()
            .map_err(|_| format!("{}: invalid {what} `{word}`", self.command))
    }

    fn scope(&mut self) -> Result<Scope, String> {
        match self.word()? {
            "session" => Ok(Scope::Session),
            "global" => Ok(Scope::Global),
            other => Err(format!(
                "{}: invalid scope `{other}` (session or global)",
                self.command
            )),
        }
    }

    fn keys(&mut self) -> Result<Vec<String>, String> {
        let word = self.word()?;
        if word.split(',').any(str::is_empty) {
            return Err(format!("{}: empty key in `{word}`", self.command));
        }
        Ok(word.split(',').map(str::to_owned).collect())
    }

    /// The rest of the line, verbatim after one separating space.
    fn text(&mut self) -> Result<String, String> {
        let text = self.rest.strip_prefix(' ').unwrap_or(self.rest);
        self.rest = "";
        if text.is_empty() {
            return Err(self.usage_error());
        }
        Ok(text.to_owned())
    }

    fn end(self) -> Result<(), String> {
        if self.rest.trim().is_empty() {
            Ok(())
        } else {
            Err(format!(
                "{}: unexpected `{}`; usage: {}",
                self.command,
                self.rest.trim(),
                self.usage
            ))
        }
    }
}

/// Parses one command line (see the crate docs).
pub fn parse(line: &str) -> Result<Command, String> {
    let line = line.trim_matches(['\n', '\r']);
    let (command, rest) = next_word(line);
    let usage = match command {
        "" => return Err("empty command".to_owned()),
        "add" => return parse_add(rest),
        "pop" => "pop K",
        "get" => "get K",
        "wake" => "wake K",
        "has" => "has [K]",
        "cancel" => "cancel K",
        "cancel-all" => "cancel-all",
        "pop-all" => "pop-all",
        "pop-errors" => "pop-errors",
        "wait" => "wait K MS",
        "wait-all" => "wait-all K1,K2 MS",
        "wait-any" => "wait-any K1,K2 MS",
        "bench-add" => "bench-add N",
        "bench-wait" => "bench-wait N MS",
        "state-set" => "state-set SCOPE K TEXT",
        "state-get" => "state-get SCOPE K",
        "state-delete" => "state-delete SCOPE K",
        "state-keys" => "state-keys SCOPE",
        "agent" => "agent TEXT",
        "agent-tools" => "agent-tools TOOL,TOOL TEXT",
        "agent-ask" => "agent-ask TURNS CENTS TEXT",
        other => return Err(format!("unknown command `{other}`")),
    };
    let mut words = Words {
        command,
        usage,
        rest,
    };
    let parsed = match command {
        "pop" => Command::Pop(words.word()?.to_owned()),
        "get" => Command::Get(words.word()?.to_owned()),
        "wake" => Command::Wake(words.word()?.to_owned()),
        "has" if words.rest.trim().is_empty() => Command::Has(None),
        "has" => Command::Has(Some(words.word()?.to_owned())),
        "cancel" => Command::Cancel(words.word()?.to_owned()),
        "cancel-all" => Command::CancelAll,
        "pop-all" => Command::PopAll,
        "pop-errors" => Command::PopErrors,
        "wait" => Command::Wait(words.word()?.to_owned(), words.number("MS")?),
        "wait-all" => Command::WaitAll(words.keys()?, words.number("MS")?),
        "wait-any" => Command::WaitAny(words.keys()?, words.number("MS")?),
        "bench-add" => Command::BenchAdd(words.number("N")?),
        "bench-wait" => Command::BenchWait(words.number("N")?, words.number("MS")?),
        "state-set" => Command::StateSet(words.scope()?, words.word()?.to_owned(), words.text()?),
        "state-get" => Command::StateGet(words.scope()?, words.word()?.to_owned()),
        "state-delete" => Command::StateDelete(words.scope()?, words.word()?.to_owned()),
        "state-keys" => Command::StateKeys(words.scope()?),
        "agent" => Command::Agent(words.text()?),
        "agent-tools" => Command::AgentTools(words.keys()?, words.text()?),
        "agent-ask" => Command::AgentAsk(
            words.number("TURNS")?,
            words.number("CENTS")?,
            words.text()?,
        ),
        _ => unreachable!("every command name has a usage above"),
    };
    words.end()?;
    Ok(parsed)
}

fn parse_add(rest: &str) -> Result<Command, String> {
    const USAGE: &str = "usage: add TASK [key=K] [ttl=SECS] [priority=P] [wake=true] [arg=TEXT]";
    let (task, mut rest) = next_word(rest);
    if task.is_empty() || task.contains('=') {
        return Err(USAGE.to_owned());
    }
    let (mut key, mut ttl_seconds, mut priority, mut wake, mut arg) =
        (None, None, None, None, None);
    loop {
        let trimmed = rest.trim_start();
        if let Some(text) = trimmed.strip_prefix("arg=") {
            arg = Some(text.to_owned());
            break;
        }
        let (word, after) = next_word(trimmed);
        if word.is_empty() {
            break;
        }
        rest = after;
        let Some((name, value)) = word.split_once('=') else {
            return Err(format!("add: unexpected `{word}`; {USAGE}"));
        };
        let duplicate = || format!("add: `{name}=` given twice");
        match name {
            "key" if key.is_some() => return Err(duplicate()),
            "key" if value.is_empty() => return Err("add: empty key".to_owned()),
            "key" => key = Some(value.to_owned()),
            "ttl" if ttl_seconds.is_some() => return Err(duplicate()),
            "ttl" => {
                ttl_seconds = Some(
                    value
                        .parse()
                        .map_err(|_| format!("add: invalid ttl `{value}`"))?,
                )
            }
            "priority" if priority.is_some() => return Err(duplicate()),
            "priority" => {
                priority = Some(
                    value
                        .parse()
                        .map_err(|_| format!("add: invalid priority `{value}`"))?,
                )
            }
            "wake" if wake.is_some() => return Err(duplicate()),
            "wake" => {
                wake = Some(
                    value
                        .parse()
                        .map_err(|_| format!("add: invalid wake `{value}` (true or false)"))?,
                )
            }
            _ => return Err(format!("add: unknown option `{name}=`; {USAGE}")),
        }
    }
    Ok(Command::Add {
        task: task.to_owned(),
        key,
        ttl_seconds,
        priority,
        wake: wake.unwrap_or(false),
        arg: arg.unwrap_or_default(),
    })
}

// Running them.

/// A result text as JSON: parsed when it is JSON, else the text as a string.
fn value_json(text: &str) -> Value {
    serde_json::from_str(text).unwrap_or_else(|_| Value::String(text.to_owned()))
}

fn info_json(info: &TaskInfo) -> Value {
    json!({
        "key": info.key,
        "name": info.name,
        "status": info.status.as_str(),
        "value": info.value.as_deref().map(value_json),
        "error": info.error,
        "created_at_ms": info.created_at_ms,
        "started_at_ms": info.started_at_ms,
        "finished_at_ms": info.finished_at_ms,
    })
}

fn output_json(output: &TaskOutput) -> Value {
    json!({ "key": output.key, "value": value_json(&output.value) })
}

fn bench_keys(n: u32) -> Vec<String> {
    (0..n).map(|i| format!("b{i}")).collect()
}

/// `{"value": v}` or `{"error": e}`.
fn answer<T, E: std::fmt::Display>(
    result: Result<T, E>,
    to_json: impl FnOnce(T) -> Value,
) -> Value {
    match result {
        Ok(value) => json!({ "value": to_json(value) }),
        Err(error) => json!({ "error": error.to_string() }),
    }
}

fn millis(ms: u32) -> Duration {
    Duration::from_millis(u64::from(ms))
}

/// Runs `command` against `tasks` (and the plugin's state) and returns the answer.
pub fn execute(command: &Command, tasks: &Tasks) -> Value {
    match command {
        Command::Add {
            task,
            key,
            ttl_seconds,
            priority,
            wake,
            arg,
        } => {
            let options = TaskOptions {
                key: key.clone(),
                ttl_seconds: *ttl_seconds,
                priority: *priority,
                wake: *wake,
            };
            let added = match TASKS.iter().copied().find(|t| t.name() == task) {
                Some(known) => tasks.add_with(known, arg, options),
                None => match serde_json::to_string(arg) {
                    Ok(args) => tasks.add_raw(task, &args, options),
                    Err(error) => return json!({ "error": error.to_string() }),
                },
            };
            match added {
                Ok(info) => json!({
                    "key": info.key,
                    "name": info.name,
                    "status": info.status.as_str(),
                }),
                Err(error) => json!({ "error": error.to_string() }),
            }
        }
        Command::Pop(key) => answer(tasks.pop_raw(key), |v| {
            v.as_deref().map_or(Value::Null, value_json)
        }),
        Command::Get(key) => answer(tasks.get(key), |info| {
            info.as_ref().map_or(Value::Null, info_json)
        }),
        Command::Wake(key) => answer(tasks.wake(key), Value::Bool),
        Command::Has(Some(key)) => answer(tasks.has(key), Value::Bool),
        Command::Has(None) => answer(tasks.has_any(), Value::Bool),
        Command::Cancel(key) => answer(tasks.cancel(key), Value::Bool),
        Command::CancelAll => answer(tasks.cancel_all(), |n| json!(n)),
        Command::PopAll => answer(tasks.pop_all(), |all| all.iter().map(output_json).collect()),
        Command::PopErrors => answer(tasks.pop_errors(), |all| {
            all.into_iter()
                .map(|(key, error)| json!({ "key": key, "error": error }))
                .collect()
        }),
        Command::Wait(key, ms) => answer(tasks.wait_raw(key, millis(*ms)), |v| {
            v.as_deref().map_or(Value::Null, value_json)
        }),
        Command::WaitAll(keys, ms) => answer(tasks.wait_all(keys, millis(*ms)), |all| {
            all.iter().map(output_json).collect()
        }),
        Command::WaitAny(keys, ms) => answer(tasks.wait_any(keys, millis(*ms)), |one| {
            one.as_ref().map_or(Value::Null, output_json)
        }),
        Command::BenchAdd(n) => {
            let (mut accepted, mut first_error) = (0_u32, None::<String>);
            for key in bench_keys(*n) {
                match tasks.add_with(&NOOP, String::new(), TaskOptions::new().key(key)) {
                    Ok(_) => accepted += 1,
                    Err(error) => {
                        first_error.get_or_insert_with(|| error.to_string());
                    }
                }
            }
            json!({ "accepted": accepted, "first_error": first_error })
        }
        Command::BenchWait(n, ms) => match tasks.wait_all(bench_keys(*n), millis(*ms)) {
            Ok(done) => json!({ "completed": done.len() }),
            Err(error) => json!({ "error": error.to_string() }),
        },
        Command::StateSet(scope, key, text) => {
            answer(state::set(*scope, key, text), |()| Value::Bool(true))
        }
        Command::StateGet(scope, key) => answer(state::get(*scope, key), |v| json!(v)),
        Command::StateDelete(scope, key) => answer(state::delete(*scope, key), Value::Bool),
        Command::StateKeys(scope) => answer(state::keys(*scope), |keys| json!(keys)),
        Command::Agent(prompt) => answer(
            fasthooks_sdk::agent::query(
                fasthooks_sdk::agent::AgentRequest::new(prompt.as_str()).max_turns(1),
            ),
            Value::String,
        ),
        Command::AgentTools(tools, prompt) => answer(
            fasthooks_sdk::agent::query(
                fasthooks_sdk::agent::AgentRequest::new(prompt.as_str())
                    .max_turns(1)
                    .allowed_tools(tools.iter().map(String::as_str)),
            ),
            Value::String,
        ),
        Command::AgentAsk(turns, cents, prompt) => answer(
            fasthooks_sdk::agent::query(
                fasthooks_sdk::agent::AgentRequest::new(prompt.as_str())
                    .max_turns(*turns)
                    .max_budget_usd(f64::from(*cents) / 100.0)
                    .allowed_tools(["Read"]),
            ),
            Value::String,
        ),
    }
}

#[cfg(test)]
mod tests;
