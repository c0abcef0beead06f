//! `fasthooks-host test`: one event through plugins, without Claude Code, showing what Claude
//! Code would get (stdout, stderr, exit code), the plugins' log lines, and the tasks they
//! queued; with `--run-tasks`, the tasks run at once and their results are shown (the seed's
//! `ImmediateBackend`).
//!
//! ```text
//! fasthooks-host test --plugin guard.wasm [grants…] --example PreToolUse:Bash --tool-input '{"command":"rm -rf /"}'
//! fasthooks-host test --plugin analyze.wasm --event captured.json --run-tasks
//! ```
//!
//! The plugins run exactly as in a hook (same dispatch, sandbox, grants and limits), against
//! a task store and log of the test's own, in a temporary directory: the user's tasks, state,
//! daemon and log are never touched. Compiled plugins come from the user's cache, so a test
//! after an install (or the other way round) compiles nothing. Grants are real: a plugin
//! granted `--allow-write` writes, one granted `--allow-agent` asks a real sub-agent. Without
//! `--run-tasks` no task runs, so a handler that waits on its own task waits out its wait
//! and gets none. The sample events are in [`examples`].

pub mod examples;

use crate::dispatch::Dispatcher;
use crate::task_runner::PluginTaskRunner;
use clap::{ArgMatches, Args};
use fasthooks_ipc::hook_io::finish;
use fasthooks_ipc::{HookArgs, HookCommand, Paths};
use fasthooks_protocol::Rendered;
use fasthooks_tasks::{
    Store, StoreOwner, Takeover, TaskAccess, TaskConfig, TaskRecord, TaskService, TaskStatus,
};
use serde_json::Value;
use std::fmt::Write;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::Arc;

#[derive(Args, Debug)]
#[command(after_help = "Examples:\n  \
    fasthooks-host test --plugin guard.wasm --example PreToolUse:Bash --tool-input '{\"command\":\"rm -rf /\"}'\n  \
    fasthooks-host test --plugin analyze.wasm --example PreToolUse:Write --run-tasks\n  \
    fasthooks-host test --plugin house-rules.wasm --event tests/fixtures/2.1.332/Stop.json")]
pub struct TestArgs {
    #[command(flatten)]
    pub hook: HookArgs,
    /// A Claude Code event (JSON) from a file, as Claude Code sends it on stdin.
    #[arg(
        long,
        value_name = "FILE",
        conflicts_with = "example",
        required_unless_present = "example"
    )]
    pub event: Option<PathBuf>,
    /// A sample event: EVENT, or EVENT:TOOL on tool events (PreToolUse:Bash, PostToolUse:Write).
    #[arg(long, value_name = "EVENT[:TOOL]")]
    pub example: Option<String>,
    /// The event's `tool_input` (JSON object), replacing the sample's or the file's.
    #[arg(long, value_name = "JSON")]
    pub tool_input: Option<String>,
    /// The event's `prompt` (UserPromptSubmit), replacing the sample's or the file's.
    #[arg(long, value_name = "TEXT")]
    pub prompt: Option<String>,
    /// Run the tasks the plugins queue at once, and show their results.
    #[arg(long)]
    pub run_tasks: bool,
}

/// Why a test could not run, with what to change.
#[derive(Debug, thiserror::Error)]
pub enum TestError {
    #[error("--event {}: {source}", path.display())]
    EventFile {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("--event {}: not a JSON event: {source}", path.display())]
    EventJson {
        path: PathBuf,
        source: serde_json::Error,
    },
    #[error(
        "--event {}: `hook_event_name` is {name:?}: Claude Code has no such event; did you mean `{meant}`? (names are case-sensitive)",
        path.display()
    )]
    MisspeltEvent {
        path: PathBuf,
        name: String,
        meant: &'static str,
    },
    #[error("--tool-input must be a JSON object, e.g. '{{\"command\":\"ls\"}}' ({0})")]
    ToolInput(String),
    #[error(transparent)]
    Example(#[from] examples::ExampleError),
}

pub fn command(args: &TestArgs, matches: &ArgMatches) -> ExitCode {
    match run(args, matches) {
        Ok(report) => finish(Rendered::output(report.trim_end().to_owned())),
        Err(err) => finish(Rendered::error(format!("{err:#}"))),
    }
}

fn run(args: &TestArgs, matches: &ArgMatches) -> anyhow::Result<String> {
    let cwd = std::env::current_dir().unwrap_or_default();
    let request = HookCommand::parse(&args.hook, matches).and_then(|c| c.resolve(&cwd))?;
    let (event, from) = event(args, &cwd)?;
    let user = Paths::resolve(args.hook.home.as_deref());
    let scratch = tempfile::Builder::new()
        .prefix("fasthooks-test-")
        .tempdir()?;
    let paths = Paths {
        cache: user.cache.clone(),
        data: scratch.path().join("data"),
        runtime: scratch.path().join("runtime"),
        logs: scratch.path().join("logs"),
    };
    crate::logging::init(paths.logs.clone());

    let loader = crate::dispatch::hook_process_loader(&paths)?;
    loader.announce_compiles();
    let service = open_store(&paths.data)?;
    if args.run_tasks {
        service.start_workers(Arc::new(PluginTaskRunner {
            loader: loader.clone(),
        }));
    }
    // What each plugin subscribes to, checked as install checks it (a miscased tool never
    // fires). A plugin that does not load is left to the run below, which says why.
    let mut warnings = Vec::new();
    for plugin in &request.plugins {
        if let Ok(file) = crate::plugin::PluginFile::read(&plugin.path)
            && let Ok(loaded) = crate::describe::load_file(&loader, &file)
        {
            warnings.extend(crate::info::info_warnings(&loaded.info));
        }
    }
    let dispatcher = Dispatcher::new(loader, Some(TaskAccess::ready(service.clone())));
    let rendered = dispatcher.run(&request, event.to_string().as_bytes());
    let finished = args.run_tasks && service.wait_idle(request.limits.task_timeout * 2);
    let tasks = service.list(None);
    service.stop(std::time::Duration::from_millis(200));

    let mut out = String::new();
    for warning in &warnings {
        let _ = writeln!(out, "{warning}");
    }
    let name = event["hook_event_name"].as_str().unwrap_or("?");
    let tool = event["tool_name"]
        .as_str()
        .map(|t| format!(" ({t})"))
        .unwrap_or_default();
    let _ = writeln!(out, "event      {name}{tool}, {from}");
    let _ = writeln!(out, "exit code  {}", rendered.exit_code);
    section(&mut out, "stdout", &rendered.stdout);
    section(&mut out, "stderr", &rendered.stderr);
    section(&mut out, "log", &log_lines(&paths.logs));
    let _ = writeln!(out, "tasks");
    if tasks.is_empty() {
        let _ = writeln!(out, "  (none queued)");
    }
    for task in &tasks {
        let _ = writeln!(out, "  {}", task_line(task));
    }
    if !tasks.is_empty() && !args.run_tasks {
        let _ = writeln!(
            out,
            "  (not run: add --run-tasks to run them and see their results)"
        );
    } else if args.run_tasks && !finished {
        let _ = writeln!(
            out,
            "  (still unfinished after {:?}, twice --task-timeout-ms: stopped)",
            request.limits.task_timeout * 2
        );
    }
    Ok(out)
}

/// The event to send, and where it came from (for the report).
fn event(args: &TestArgs, cwd: &Path) -> Result<(Value, String), TestError> {
    let (mut event, from) = match (&args.event, &args.example) {
        (Some(path), _) => {
            let text = std::fs::read_to_string(path).map_err(|source| TestError::EventFile {
                path: path.clone(),
                source,
            })?;
            let event: Value =
                serde_json::from_str(&text).map_err(|source| TestError::EventJson {
                    path: path.clone(),
                    source,
                })?;
            // A near miss of a known event is a typo; a name far from all may be a newer event.
            let name = event["hook_event_name"].as_str().unwrap_or_default();
            if fasthooks_protocol::events::event_spec(name).is_none()
                && let Some(meant) = fasthooks_protocol::events::suggest(name)
            {
                return Err(TestError::MisspeltEvent {
                    path: path.clone(),
                    name: name.to_owned(),
                    meant,
                });
            }
            (event, format!("from {}", path.display()))
        }
        (None, example) => {
            let example = example.as_deref().unwrap_or_default();
            let (name, tool) = match example.split_once(':') {
                Some((name, tool)) => (name, Some(tool)),
                None => (example, None),
            };
            (
                examples::example(name, tool, cwd)?,
                "the sample event".to_owned(),
            )
        }
    };
    if let Some(input) = &args.tool_input {
        let input: Value =
            serde_json::from_str(input).map_err(|err| TestError::ToolInput(err.to_string()))?;
        if !input.is_object() {
            return Err(TestError::ToolInput(format!("got {input}")));
        }
        event["tool_input"] = input;
    }
    if let Some(prompt) = &args.prompt {
        event["prompt"] = prompt.as_str().into();
    }
    Ok((event, from))
}

/// The test's own store, owned by this process (nobody else knows the directory).
fn open_store(data: &Path) -> anyhow::Result<Arc<TaskService>> {
    let owner = StoreOwner::try_take(data)?
        .ok_or_else(|| anyhow::anyhow!("the test's own store is taken: {}", data.display()))?;
    let store = Store::open(data, &owner)?;
    Ok(TaskService::open(
        store,
        owner,
        TaskConfig::default(),
        Takeover::RunOwnTasks,
    )?)
}

fn section(out: &mut String, title: &str, text: &str) {
    let _ = writeln!(out, "{title}");
    if text.trim().is_empty() {
        let _ = writeln!(out, "  (empty)");
    }
    for line in text.trim_end().lines() {
        let _ = writeln!(out, "  {line}");
    }
}

/// What was written to the test's log (the plugins' `log` lines and the host's).
fn log_lines(logs: &Path) -> String {
    std::fs::read_to_string(logs.join(crate::logging::LOG_FILE)).unwrap_or_default()
}

fn task_line(task: &TaskRecord) -> String {
    let mut line = format!("{}  {}  {}", task.key, task.name, task.status.as_str());
    match task.status {
        TaskStatus::Completed => {
            let _ = write!(line, "  value: {}", task.value.as_deref().unwrap_or("null"));
        }
        TaskStatus::Failed | TaskStatus::Cancelled => {
            let _ = write!(line, "  error: {}", task.error.as_deref().unwrap_or("?"));
        }
        _ => {
            let _ = write!(line, "  args: {}", shortened(&task.args));
        }
    }
    line
}

fn shortened(text: &str) -> String {
    const SHOWN: usize = 200;
    match text.char_indices().nth(SHOWN) {
        Some((cut, _)) => format!("{}… ({} bytes)", &text[..cut], text.len()),
        None => text.to_owned(),
    }
}
