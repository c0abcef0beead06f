//! `fasthooks-host daemon status|stop|run` and `fasthooks-host tasks [cancel]`: looking at and
//! steering the daemon and the task store.

use crate::cli::DaemonAction;
use crate::daemon::{self, DaemonConfig};
use fasthooks_ipc::Paths;
use fasthooks_ipc::client;
use fasthooks_ipc::hook_io::finish;
use fasthooks_ipc::wire::{Reply, Request, TaskSummary};
use fasthooks_protocol::Rendered;
use fasthooks_tasks::record::now_ms;
use std::path::Path;
use std::process::ExitCode;

/// Exit code of `daemon status` when no daemon runs (as `systemctl status` does).
const NOT_RUNNING: u8 = 3;

pub fn daemon(command: DaemonAction, home: Option<&Path>) -> ExitCode {
    if let DaemonAction::Run { detach: true } = command {
        daemon::detach();
    }
    let paths = Paths::resolve(home);
    crate::logging::init(paths.logs.clone());
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
                "running: pid {}, fasthooks-host {}, up {}, {} workers, {} tasks pending or running, idle exit after {} s\nstore: {}\nsocket: {}\nlog: {}",
                status.pid,
                status.identity.version,
                age(status.uptime_ms),
                status.workers,
                status.pending_or_running,
                status.idle_timeout_secs,
                status.store,
                paths.socket().display(),
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

pub fn tasks(session: Option<&str>, json: bool, home: Option<&Path>) -> ExitCode {
    let paths = Paths::resolve(home);
    let tasks = match client::ask(
        &paths,
        Request::Tasks {
            session: session.map(str::to_owned),
        },
    ) {
        Ok(Some(Reply::Tasks(tasks))) => tasks,
        Ok(_) | Err(_) => match fasthooks_tasks::store::read_tasks_directly(&paths.data) {
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
    if json {
        return finish(ok(serde_json::to_string_pretty(&tasks).expect("serializes")));
    }
    finish(ok(table(&tasks)))
}

/// `fasthooks-host tasks cancel`: through the daemon when one runs (running tasks are stopped),
/// in the store otherwise (the next daemon finds them cancelled).
pub fn cancel_tasks(
    plugin: Option<String>,
    session: Option<String>,
    all: bool,
    home: Option<&Path>,
) -> ExitCode {
    if plugin.is_none() && session.is_none() && !all {
        return finish(Rendered::error(
            "tasks cancel: say whose tasks: --plugin PATH|NAME, --session ID, or --all",
        ));
    }
    // A plugin given by file is matched by the path hooks record, which is canonical.
    let plugin = plugin.map(|p| {
        std::fs::canonicalize(&p)
            .map(|path| path.display().to_string())
            .unwrap_or(p)
    });
    let paths = Paths::resolve(home);
    let request = Request::CancelTasks {
        plugin: plugin.clone(),
        session: session.clone(),
    };
    let cancelled = match client::ask(&paths, request) {
        Ok(Some(Reply::Cancelled(n))) => n,
        Ok(Some(Reply::Error(err))) => {
            return finish(Rendered::error(format!("tasks cancel: {err}")));
        }
        Ok(Some(other)) => return finish(Rendered::error(format!("unexpected reply {other:?}"))),
        // No daemon: cancel in the store, owning it meanwhile like any other process would.
        Ok(None) => match cancel_in_store(&paths, plugin.as_deref(), session.as_deref()) {
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

fn cancel_in_store(
    paths: &Paths,
    plugin: Option<&str>,
    session: Option<&str>,
) -> Result<u32, String> {
    use fasthooks_tasks::{Store, StoreOwner, Takeover, TaskConfig, TaskService};
    let owner = StoreOwner::take_within(&paths.data, crate::task_owner::OWNER_WAIT, || false)
        .map_err(|err| err.to_string())?
        .ok_or("the task store is in use by a hook process; try again in a moment")?;
    let store = Store::open(&paths.data).map_err(|err| err.to_string())?;
    let service = TaskService::open(store, owner, TaskConfig::default(), Takeover::RunOwnTasks)
        .map_err(|err| err.to_string())?;
    service
        .cancel_matching(plugin, session)
        .map_err(|err| err.to_string())
}

fn table(tasks: &[TaskSummary]) -> String {
    let now = now_ms();
    let mut rows = vec![[
        "SESSION".to_owned(),
        "PLUGIN".into(),
        "KEY".into(),
        "STATUS".into(),
        "AGE".into(),
    ]];
    for task in tasks {
        rows.push([
            task.session.clone(),
            task.plugin_name.clone(),
            task.key.clone(),
            task.status.clone(),
            age(now.saturating_sub(task.created_ms)),
        ]);
    }
    let widths: Vec<usize> = (0..5)
        .map(|col| {
            rows.iter()
                .map(|r| r[col].chars().count())
                .max()
                .unwrap_or(0)
        })
        .collect();
    let lines: Vec<String> = rows
        .iter()
        .map(|row| {
            row.iter()
                .zip(&widths)
                .map(|(cell, w)| format!("{cell:<w$}"))
                .collect::<Vec<_>>()
                .join("  ")
                .trim_end()
                .to_owned()
        })
        .collect();
    if tasks.is_empty() {
        return "no tasks".into();
    }
    lines.join("\n")
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
