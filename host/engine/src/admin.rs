//! `fasthooks-host daemon status|start|stop|run` and `fasthooks-host tasks [cancel]`: looking at and
//! steering the daemon and the task store.

use crate::cli::DaemonAction;
use crate::daemon::{self, DaemonConfig};
use fasthooks_ipc::Paths;
use fasthooks_ipc::client;
use fasthooks_ipc::hook_io::finish;
use fasthooks_ipc::wire::{DaemonStatus, Reply, Request, TaskSummary, names_plugin};
use fasthooks_protocol::Rendered;
use fasthooks_tasks::record::now_ms;
use std::path::Path;
use std::process::ExitCode;

/// Exit code of `daemon status` when no daemon runs (as `systemctl status` does).
const NOT_RUNNING: u8 = 3;

pub fn daemon(command: DaemonAction, home: Option<&Path>) -> ExitCode {
    if let DaemonAction::Run { detach: true, .. } = command {
        daemon::detach();
    }
    let paths = Paths::resolve(home);
    match command {
        DaemonAction::Run {
            log_to_terminal: true,
            ..
        } => crate::logging::init_also_on_stderr(paths.logs.clone()),
        _ => crate::logging::init(paths.logs.clone()),
    }
    match command {
        DaemonAction::Run { .. } => match daemon::run(&paths, DaemonConfig::from_env()) {
            Ok(()) => ExitCode::SUCCESS,
            Err(err) => {
                tracing::error!("daemon: {err:#}");
                finish(Rendered::error(format!("{err:#}")))
            }
        },
        DaemonAction::Status => match client::ask(&paths, Request::Status) {
            Ok(Some(Reply::Status(status))) => finish(ok(format!(
                "running: pid {}, fasthooks-host {}, up {}, {} workers, {} tasks pending or running, {}\nstore: {}\nsocket: {}{}\nlog: {}",
                status.pid,
                status.identity.version,
                age(status.uptime_ms),
                status.workers,
                status.pending_or_running,
                match status.idle_timeout_secs {
                    0 => "no idle exit (it serves http hooks)".to_owned(),
                    secs => format!("idle exit after {secs} s"),
                },
                status.store,
                paths.socket().display(),
                http_line(&status),
                paths.logs.join(crate::logging::LOG_FILE).display()
            ))),
            Ok(None) => {
                println!(
                    "not running (socket {})\nlog: {}",
                    paths.socket().display(),
                    paths.logs.join(crate::logging::LOG_FILE).display()
                );
                ExitCode::from(NOT_RUNNING)
            }
            Ok(Some(other)) => finish(Rendered::error(format!("unexpected reply {other:?}"))),
            Err(err) => finish(Rendered::error(err)),
        },
        DaemonAction::Start => start(&paths, home),
        DaemonAction::Stop => match client::ask(&paths, Request::Stop) {
            Ok(Some(_)) => {
                // Wait for the socket to go so that "stop; start" sequences are clean.
                let socket = paths.socket();
                let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
                while socket.exists() && std::time::Instant::now() < deadline {
                    std::thread::sleep(std::time::Duration::from_millis(10));
                }
                finish(ok("stopped".into()))
            }
            Ok(None) => finish(ok("not running".into())),
            Err(err) => finish(Rendered::error(err)),
        },
    }
}

/// The `http` line of `daemon status`: the address it serves, or why it does not.
fn http_line(status: &DaemonStatus) -> String {
    match (&status.http_port, &status.http_error) {
        (Some(port), _) => format!("\nhttp: 127.0.0.1:{port}"),
        (None, Some(error)) => format!("\nhttp: not served: {error}"),
        (None, None) => String::new(),
    }
}

/// `daemon start`: a daemon runs afterwards, serving `http` hooks if they are installed.
fn start(paths: &Paths, home: Option<&Path>) -> ExitCode {
    if let Err(why) = client::ensure_daemon(paths, home) {
        return finish(Rendered::error(format!(
            "the daemon could not be started: {why}"
        )));
    }
    let wanted = match fasthooks_ipc::http_hook::configured_port(paths) {
        Ok(wanted) => wanted,
        Err(why) => return finish(Rendered::error(why)),
    };
    match client::ask(paths, Request::Status) {
        Ok(Some(Reply::Status(status))) => match (wanted, status.http_port, status.http_error) {
            (Some(port), Some(serving), _) if port == serving => finish(Rendered::silent()),
            (Some(port), _, Some(error)) => finish(Rendered::error(format!(
                "http hooks on 127.0.0.1:{port} will fail: {error}"
            ))),
            (Some(port), _, None) => finish(Rendered::error(format!(
                "http hooks on 127.0.0.1:{port} will fail: the running daemon (fasthooks-host \
                 {}) does not serve them yet; run `fasthooks-host daemon stop`",
                status.identity.version
            ))),
            (None, ..) => finish(Rendered::silent()),
        },
        Ok(_) => finish(Rendered::error(
            "the daemon started but does not answer; see `fasthooks-host doctor`",
        )),
        Err(err) => finish(Rendered::error(err)),
    }
}

pub fn tasks(
    session: Option<&str>,
    plugin: Option<String>,
    json: bool,
    home: Option<&Path>,
) -> ExitCode {
    let paths = Paths::resolve(home);
    let plugin = plugin.map(plugin_key);
    let tasks = match client::ask(
        &paths,
        Request::Tasks {
            session: session.map(str::to_owned),
        },
    ) {
        Ok(Some(Reply::Tasks(tasks))) => tasks,
        Ok(_) | Err(_) => match fasthooks_tasks::unowned::read_tasks(&paths.data) {
            Ok(tasks) => {
                let now = now_ms();
                tasks
                    .into_iter()
                    .filter(|t| {
                        !t.is_expired(now) && session.is_none_or(|s| t.namespace.session == s)
                    })
                    .map(|t| t.summary())
                    .collect()
            }
            Err(err) => return finish(Rendered::error(err)),
        },
    };
    let tasks: Vec<TaskSummary> = tasks
        .into_iter()
        .filter(|t| {
            plugin
                .as_deref()
                .is_none_or(|p| names_plugin(p, &t.plugin_name, &t.plugin_path))
        })
        .collect();
    if json {
        return finish(ok(serde_json::to_string_pretty(&tasks).expect("serializes")));
    }
    finish(ok(table(&tasks)))
}

/// A plugin as the user names it: a file becomes the canonical path hooks record; anything
/// else is taken as a plugin's name.
fn plugin_key(plugin: String) -> String {
    std::fs::canonicalize(&plugin)
        .map(|path| path.display().to_string())
        .unwrap_or(plugin)
}

/// `fasthooks-host tasks show KEY`: every task with this key (of the plugin and session given),
/// in full, as the store last committed it (every change a hook saw is committed before its
/// answer, so this needs no daemon).
pub fn show_task(
    key: &str,
    plugin: Option<String>,
    session: Option<String>,
    json: bool,
    home: Option<&Path>,
) -> ExitCode {
    let paths = Paths::resolve(home);
    let plugin = plugin.map(plugin_key);
    let now = now_ms();
    let tasks: Vec<fasthooks_tasks::TaskRecord> =
        match fasthooks_tasks::unowned::read_tasks(&paths.data) {
            Ok(tasks) => tasks
                .into_iter()
                .filter(|t| {
                    t.key == key
                        && !t.is_expired(now)
                        && session.as_deref().is_none_or(|s| t.namespace.session == s)
                        && plugin.as_deref().is_none_or(|p| {
                            names_plugin(p, &t.namespace.plugin_name, &t.namespace.plugin_path)
                        })
                })
                .collect(),
            Err(err) => return finish(Rendered::error(err)),
        };
    if tasks.is_empty() {
        return finish(Rendered::error(format!(
            "tasks show {key}: no such task{} (fasthooks-host tasks lists them)",
            match (&plugin, &session) {
                (None, None) => String::new(),
                _ => " for that plugin and session".to_owned(),
            }
        )));
    }
    if json {
        let shown: Vec<serde_json::Value> = tasks.iter().map(task_json).collect();
        return finish(ok(serde_json::to_string_pretty(&shown).expect("serializes")));
    }
    let shown: Vec<String> = tasks.iter().map(|t| task_text(t, now)).collect();
    finish(ok(shown.join("\n\n")))
}

fn task_json(task: &fasthooks_tasks::TaskRecord) -> serde_json::Value {
    serde_json::json!({
        "key": task.key,
        "name": task.name,
        "session": task.namespace.session,
        "plugin": task.namespace.plugin_name,
        "plugin_path": task.namespace.plugin_path,
        "status": task.status.as_str(),
        "priority": task.priority,
        "ttl_seconds": task.ttl_seconds,
        "args": task.args,
        "value": task.value,
        "error": task.error,
        "created_ms": task.created_ms,
        "started_ms": task.started_ms,
        "finished_ms": task.finished_ms,
    })
}

fn task_text(task: &fasthooks_tasks::TaskRecord, now: u64) -> String {
    let shown = |text: &str| fasthooks_protocol::one_line(text, 4096);
    let mut lines = vec![
        format!("key       {}", shown(&task.key)),
        format!("task      {}", shown(&task.name)),
        format!("status    {}", task.status.as_str()),
        format!("session   {}", shown(&task.namespace.session)),
        format!(
            "plugin    {} ({})",
            shown(&task.namespace.plugin_name),
            task.namespace.plugin_path
        ),
        format!("priority  {}   ttl {} s", task.priority, task.ttl_seconds),
        format!("added     {} ago", age(now.saturating_sub(task.created_ms))),
    ];
    if let Some(finished) = task.finished_ms {
        lines.push(format!(
            "finished  {} ago",
            age(now.saturating_sub(finished))
        ));
    }
    lines.push(format!("args      {}", shown(&task.args)));
    if let Some(value) = &task.value {
        lines.push(format!("value     {}", shown(value)));
    }
    if let Some(error) = &task.error {
        lines.push(format!("error     {}", shown(error)));
    }
    lines.join("\n")
}

/// Which tasks `tasks cancel` is about: every filter given must match.
pub struct Whose {
    pub key: Option<String>,
    pub plugin: Option<String>,
    pub session: Option<String>,
}

/// `fasthooks-host tasks cancel`: through the daemon when one runs (running tasks are stopped),
/// in the store otherwise (the next daemon finds them cancelled).
pub fn cancel_tasks(whose: Whose, all: bool, home: Option<&Path>) -> ExitCode {
    if whose.key.is_none() && whose.plugin.is_none() && whose.session.is_none() && !all {
        return finish(Rendered::error(
            "tasks cancel: say whose tasks: KEY, --plugin PATH|NAME, --session ID, or --all",
        ));
    }
    // A plugin given by file is matched by the path hooks record, which is canonical.
    let whose = Whose {
        plugin: whose.plugin.map(plugin_key),
        ..whose
    };
    let paths = Paths::resolve(home);
    let request = Request::CancelMatching {
        key: whose.key.clone(),
        plugin: whose.plugin.clone(),
        session: whose.session.clone(),
    };
    let cancelled = match client::ask(&paths, request) {
        Ok(Some(Reply::Cancelled(n))) => n,
        Ok(Some(Reply::Error(err))) => {
            return finish(Rendered::error(format!("tasks cancel: {err}")));
        }
        Ok(Some(other)) => return finish(Rendered::error(format!("unexpected reply {other:?}"))),
        // No daemon: cancel in the store, owning it meanwhile like any other process would.
        Ok(None) => match cancel_in_store(&paths, &whose) {
            Ok(n) => n,
            Err(err) => return finish(Rendered::error(format!("tasks cancel: {err}"))),
        },
        Err(err) => return finish(Rendered::error(err)),
    };
    finish(ok(format!(
        "{cancelled} task{} cancelled",
        if cancelled == 1 { "" } else { "s" }
    )))
}

fn cancel_in_store(paths: &Paths, whose: &Whose) -> Result<u32, String> {
    use fasthooks_tasks::{Store, StoreOwner, Takeover, TaskConfig, TaskService};
    let owner = StoreOwner::take_within(&paths.data, crate::task_owner::OWNER_WAIT, || false)
        .map_err(|err| err.to_string())?
        .ok_or("the task store is in use by a hook process; try again in a moment")?;
    let store = Store::open(&paths.data, &owner).map_err(|err| err.to_string())?;
    let service = TaskService::open(store, owner, TaskConfig::default(), Takeover::RunOwnTasks)
        .map_err(|err| err.to_string())?;
    service
        .cancel_matching(
            whose.key.as_deref(),
            whose.plugin.as_deref(),
            whose.session.as_deref(),
        )
        .map_err(|err| err.to_string())
}

/// `fasthooks-host stats`: the daemon's counters, as a table or JSON.
pub fn stats(json: bool, home: Option<&Path>) -> ExitCode {
    let paths = Paths::resolve(home);
    let rows = match client::ask(&paths, Request::Stats) {
        Ok(Some(Reply::Stats(rows))) => rows,
        Ok(Some(Reply::Error(err))) => return finish(Rendered::error(format!("stats: {err}"))),
        Ok(Some(other)) => return finish(Rendered::error(format!("unexpected reply {other:?}"))),
        Ok(None) if json => return finish(ok("[]".into())),
        Ok(None) => {
            return finish(ok(
                "no daemon is running: stats are its counters since it started (the next hook starts one)"
                    .into(),
            ));
        }
        Err(err) => return finish(Rendered::error(err)),
    };
    if json {
        return finish(ok(serde_json::to_string_pretty(&rows).unwrap_or_default()));
    }
    if rows.is_empty() {
        return finish(ok("no plugin calls yet since the daemon started".into()));
    }
    let ms = |us: u64| format!("{:.1} ms", us as f64 / 1000.0);
    let mut lines = vec![
        [
            "PLUGIN", "EVENT", "CALLS", "FAILED", "P50", "P99", "MAX", "FILE",
        ]
        .map(str::to_owned),
    ];
    for row in &rows {
        lines.push([
            if row.plugin_name.is_empty() {
                "?".into()
            } else {
                row.plugin_name.clone()
            },
            row.event.clone(),
            row.calls.to_string(),
            row.failures.to_string(),
            ms(row.p50_us),
            ms(row.p99_us),
            ms(row.max_us),
            row.plugin_path.clone(),
        ]);
    }
    finish(ok(columns(&lines)))
}

/// Rows as left-aligned columns, two spaces apart. Every cell on one line with control
/// characters escaped: names, keys and errors are a plugin's words, and must not forge rows.
fn columns<const N: usize>(rows: &[[String; N]]) -> String {
    let rows: Vec<Vec<String>> = rows
        .iter()
        .map(|row| {
            row.iter()
                .map(|cell| fasthooks_protocol::one_line(cell, 256))
                .collect()
        })
        .collect();
    let widths: Vec<usize> = (0..N)
        .map(|col| {
            rows.iter()
                .map(|r| r[col].chars().count())
                .max()
                .unwrap_or(0)
        })
        .collect();
    rows.iter()
        .map(|row| {
            row.iter()
                .zip(&widths)
                .map(|(cell, width)| format!("{cell:<width$}"))
                .collect::<Vec<_>>()
                .join("  ")
                .trim_end()
                .to_owned()
        })
        .collect::<Vec<_>>()
        .join("\n")
}

fn table(tasks: &[TaskSummary]) -> String {
    let now = now_ms();
    let mut rows =
        vec![["SESSION", "PLUGIN", "KEY", "STATUS", "AGE", "ERROR", "FILE"].map(str::to_owned)];
    for task in tasks {
        let error = task.error.as_deref().unwrap_or("");
        rows.push([
            task.session.clone(),
            task.plugin_name.clone(),
            task.key.clone(),
            task.status.clone(),
            age(now.saturating_sub(task.created_ms)),
            fasthooks_protocol::one_line(error, 60),
            task.plugin_path.clone(),
        ]);
    }
    if tasks.is_empty() {
        return "no tasks".into();
    }
    columns(&rows)
}

fn age(ms: u64) -> String {
    match ms / 1000 {
        s if s < 60 => format!("{s}s"),
        s if s < 3600 => format!("{}m{}s", s / 60, s % 60),
        s => format!("{}h{}m", s / 3600, (s % 3600) / 60),
    }
}

fn ok(stdout: String) -> Rendered {
    Rendered::output(stdout)
}
