//! `fasthooks-host wake --plugin P`: the wake hook. `install` adds it, for a plugin that marks
//! tasks to wake Claude (`tasks.wake`), as an `asyncRewake` Stop hook: Claude Code runs it in
//! the background once Claude has stopped, and exit code 2 wakes the session with its stderr.
//!
//! It waits, bounded by `--wait-seconds`, for this session's marked tasks of the plugin to
//! finish, takes their results from the daemon (which it starts if none runs: a wait this long
//! must not hold the task store in this process), prints them and exits 2. A result is settled
//! only once it has been written: one this hook took but never wrote goes back to be popped.
//! Nothing marked, or nothing finished in time: exit 0 at once, silently.

use crate::describe::load_file;
use crate::dispatch::Dispatcher;
use crate::plugin::PluginFile;
use fasthooks_ipc::Paths;
use fasthooks_ipc::hook_io::read_event;
use fasthooks_tasks::{Namespace, TaskCall, TaskPort, WokenTask};
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::Duration;

/// How long the hook waits by default: under the 600 s `install` gives its entry.
pub const DEFAULT_WAIT_SECONDS: u64 = 540;
/// The entry's `timeout` (seconds) that `install` writes.
pub const HOOK_TIMEOUT_SECONDS: u64 = 600;

/// Why the wake hook cannot run: one line, printed with exit code 1 (never 2: that would
/// wake Claude with an error instead of a result).
#[derive(Debug, thiserror::Error)]
pub enum WakeError {
    #[error("cannot read the Stop event: {0}")]
    Event(#[from] fasthooks_ipc::hook_io::InputError),
    #[error("the event on stdin has no session_id: the wake hook runs as a Claude Code hook")]
    NoSession,
    #[error("plugin {path}: {why}")]
    Plugin { path: String, why: String },
    #[error(
        "plugin {path} has changed: its sha256 is {found}, the hook pins {pinned} (re-run install to pin this build)"
    )]
    Pin {
        path: String,
        found: String,
        pinned: String,
    },
    #[error("the daemon cannot be reached ({0}): results stay for the next hook to pop")]
    Daemon(String),
}

pub struct WakeRequest<'a> {
    pub plugin: &'a Path,
    pub sha256: Option<&'a str>,
    pub wait: Duration,
    pub home: Option<&'a Path>,
}

pub fn command(request: &WakeRequest) -> ExitCode {
    let paths = Paths::resolve(request.home);
    crate::logging::init(paths.logs.clone());
    match wait_and_take(request, &paths) {
        Ok(None) => ExitCode::SUCCESS,
        Ok(Some((port, ns, woken))) => hand_over(&port, &ns, &woken),
        Err(err) => {
            tracing::warn!("wake hook: {err}");
            let _ = writeln!(
                std::io::stderr(),
                "{}",
                fasthooks_protocol::error_line(err.to_string())
            );
            ExitCode::from(1)
        }
    }
}

type Taken = (TaskPort, Namespace, Vec<WokenTask>);

fn wait_and_take(request: &WakeRequest, paths: &Paths) -> Result<Option<Taken>, WakeError> {
    let event = read_event(Duration::from_secs(10))?;
    let session = serde_json::from_slice::<serde_json::Value>(&event)
        .ok()
        .and_then(|event| event["session_id"].as_str().map(str::to_owned))
        .filter(|session| !session.is_empty())
        .ok_or(WakeError::NoSession)?;
    let ns = Namespace {
        plugin_name: plugin_name(request, paths)?,
        plugin_path: canonical(request.plugin)?.display().to_string(),
        session,
    };
    fasthooks_ipc::client::ensure_daemon(paths, request.home).map_err(WakeError::Daemon)?;
    let port = crate::task_owner::daemon_port(paths);
    let call = TaskCall::TakeWaking {
        timeout_ms: request.wait.as_millis() as u64,
    };
    let woken = port
        .call(&ns, call)
        .and_then(|answer| answer.woken())
        .map_err(WakeError::Daemon)?;
    Ok((!woken.is_empty()).then_some((port, ns, woken)))
}

fn canonical(plugin: &Path) -> Result<PathBuf, WakeError> {
    std::fs::canonicalize(plugin).map_err(|err| WakeError::Plugin {
        path: plugin.display().to_string(),
        why: err.to_string(),
    })
}

/// The plugin's name as its `describe()` gives it (tasks are kept under it), from the compile
/// cache when the plugin has run before.
fn plugin_name(request: &WakeRequest, paths: &Paths) -> Result<String, WakeError> {
    let failed = |why: String| WakeError::Plugin {
        path: request.plugin.display().to_string(),
        why,
    };
    let file = PluginFile::read(request.plugin).map_err(|err| failed(err.to_string()))?;
    if let Some(pinned) = request.sha256
        && !pinned.eq_ignore_ascii_case(&file.sha256)
    {
        return Err(WakeError::Pin {
            path: request.plugin.display().to_string(),
            found: file.sha256.clone(),
            pinned: pinned.to_owned(),
        });
    }
    let dispatcher = Dispatcher::in_process(paths).map_err(|err| failed(format!("{err:#}")))?;
    let loader = dispatcher.loader();
    if let Some(info) = loader.cached_info(&file) {
        return Ok(info.name);
    }
    let loaded = load_file(loader, &file).map_err(|err| failed(err.to_string()))?;
    Ok(loaded.info.name.clone())
}

/// Write the results where Claude Code reads them, then settle: delivered if written.
fn hand_over(port: &TaskPort, ns: &Namespace, woken: &[WokenTask]) -> ExitCode {
    let text = wake_text(&ns.plugin_name, woken);
    let mut stderr = std::io::stderr().lock();
    let written = stderr
        .write_all(text.as_bytes())
        .and_then(|()| stderr.flush())
        .is_ok();
    drop(stderr);
    let ids = woken.iter().map(|task| task.id).collect();
    let settle = TaskCall::Settle {
        ids,
        delivered: written,
    };
    if let Err(err) = port.call(ns, settle) {
        tracing::warn!("wake hook: results not settled: {err}");
    }
    let keys: Vec<&str> = woken.iter().map(|task| task.key.as_str()).collect();
    tracing::info!(
        plugin = ns.plugin_name.as_str(),
        session = ns.session.as_str(),
        ?keys,
        written,
        "woke Claude"
    );
    if written {
        ExitCode::from(2)
    } else {
        ExitCode::from(1)
    }
}

/// What Claude reads: each result under a line naming its plugin and task. A value that is a
/// JSON string is shown as its text.
pub fn wake_text(plugin: &str, woken: &[WokenTask]) -> String {
    let mut text = String::new();
    for task in woken {
        match &task.outcome {
            Ok(value) => {
                let shown = serde_json::from_str::<String>(value).unwrap_or_else(|_| value.clone());
                text.push_str(&format!(
                    "Background result from plugin {plugin} (task {}):\n{}\n",
                    task.key,
                    shown.trim_end()
                ));
            }
            Err(error) => text.push_str(&format!(
                "Background task {} of plugin {plugin} failed: {error}\n",
                task.key
            )),
        }
    }
    text
}

/// Whether a plugin can mark tasks to wake Claude: it imports `tasks.wake`.
pub fn marks_tasks(engine: &wasmtime::Engine, plugin: &crate::plugin::LoadedPlugin) -> bool {
    let component = plugin.pre.instance_pre().component();
    crate::plugin::loader::imports_function(engine, component, "fasthooks:hooks/tasks", "wake")
}

/// `doctor`'s check of a wake hook's plugin and pin (paths relative to `project`): what is
/// right with it, or the problem and its fix.
pub fn check_hook(plugin: &Path, sha256: Option<String>, project: &Path) -> Result<String, String> {
    let shown = plugin.display();
    let file = PluginFile::read(&project.join(plugin)).map_err(|err| {
        format!("the wake hook's plugin {shown} is missing or unreadable ({err}): build it, or uninstall the plugin")
    })?;
    if let Some(pinned) = sha256
        && !pinned.eq_ignore_ascii_case(&file.sha256)
    {
        return Err(format!(
            "the wake hook pins plugin {shown} to sha256 {pinned}, but it is {}: install the plugin again to pin this build",
            file.sha256
        ));
    }
    Ok(format!(
        "wake hook of plugin {shown}: results of its tasks marked with tasks.wake wake Claude"
    ))
}
