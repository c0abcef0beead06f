//! `fasthooks-host doctor`: an installation checked end to end, one line per finding, and exit 1
//! when any of them is a problem.
//!
//! What it checks, in order:
//! - the binaries: this engine's version, `fasthooks-host` beside it (hooks exec the engine from
//!   the front's directory), and which `fasthooks-host` is on PATH;
//! - the daemon: running and answering (not running is fine: hooks start it);
//! - fasthooks' directories: the user's own and private (the rule the daemon enforces), and the
//!   store's files and the log readable by the user alone;
//! - the task store: readable, SQLite's `quick_check`, writes a crash left in the journal, and
//!   earlier corrupt stores moved aside;
//! - every settings scope Claude Code reads (user, project, local): each `fasthooks-host` hook
//!   parses, its host binary is there, and each plugin exists, matches its pinned `--sha256`,
//!   loads, has grants that cover the capabilities it declares, and is compiled already (a cold
//!   cache is compiled now, so the first hook does not pay for it); an `http` hook is checked
//!   as the command it stands for, and its port against the one the daemon serves; and no
//!   plugin runs twice on one event ([`hooks`]).
//!
//! Nothing it does changes an installation but that compile. The store is opened read-only, so
//! a corrupt one is reported, not moved aside (the next daemon does that).

mod hooks;

use crate::install::command::{host_beside_me, host_on_path};
use fasthooks_ipc::client;
use fasthooks_ipc::wire::{Identity, Reply, Request};
use fasthooks_ipc::{HOST_BINARY, Paths};
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::Duration;

#[derive(Clone, Copy, PartialEq, Eq)]
enum Level {
    Ok,
    Note,
    Problem,
}

/// The findings so far, printed as they come (a compile can take a while).
#[derive(Default)]
struct Report {
    problems: usize,
}

impl Report {
    fn say(&mut self, level: Level, text: impl AsRef<str>) {
        let tag = match level {
            Level::Ok => "ok     ",
            Level::Note => "note   ",
            Level::Problem => {
                self.problems += 1;
                "PROBLEM"
            }
        };
        // Names, versions and messages can be a plugin's words: one line each, always.
        println!(
            "{tag} {}",
            fasthooks_protocol::one_line(text.as_ref(), 4096)
        );
    }
}

/// `fasthooks-host doctor [--project-dir DIR]`.
pub fn command(project_dir: Option<&Path>, home: Option<&Path>) -> ExitCode {
    let paths = Paths::resolve(home);
    let mut report = Report::default();
    binaries(&mut report);
    daemon(&mut report, &paths);
    directories(&mut report, &paths);
    file_modes(&mut report, &paths);
    store(&mut report, &paths);
    let project = match project_dir.map_or_else(std::env::current_dir, |d| Ok(d.to_owned())) {
        Ok(dir) => std::fs::canonicalize(&dir).unwrap_or(dir),
        Err(err) => {
            report.say(
                Level::Problem,
                format!("cannot read the current directory: {err}"),
            );
            PathBuf::new()
        }
    };
    hooks::settings(&mut report, &paths, &project);
    if report.problems == 0 {
        println!("doctor: no problems");
        ExitCode::SUCCESS
    } else {
        println!(
            "doctor: {} problem{}",
            report.problems,
            if report.problems == 1 { "" } else { "s" }
        );
        ExitCode::FAILURE
    }
}

fn binaries(report: &mut Report) {
    let version = env!("CARGO_PKG_VERSION");
    let engine = std::env::current_exe().unwrap_or_default();
    let front = host_beside_me().unwrap_or_default();
    let dir = front.parent().map(Path::to_path_buf).unwrap_or_default();
    if front.is_file() {
        report.say(
            Level::Ok,
            format!(
                "binaries: {HOST_BINARY} {version} and fasthooks-engine in {}",
                dir.display()
            ),
        );
    } else {
        report.say(
            Level::Problem,
            format!(
                "binaries: no {HOST_BINARY} beside {}: the two binaries must sit in one directory",
                engine.display()
            ),
        );
    }
    match host_on_path() {
        Some(found) if same_file(&found, &front) => {
            report.say(Level::Ok, format!("PATH: {HOST_BINARY} is {}", found.display()))
        }
        Some(found) => report.say(
            Level::Note,
            format!(
                "PATH: {HOST_BINARY} is {}, another copy than this one ({}); hooks that name it bare run that one",
                found.display(),
                front.display()
            ),
        ),
        None => report.say(
            Level::Note,
            format!(
                "PATH: no {HOST_BINARY} on PATH; hooks must name it by its path ({})",
                front.display()
            ),
        ),
    }
}

fn daemon(report: &mut Report, paths: &Paths) {
    match client::ask_within(paths, Request::Status, Duration::from_secs(3)) {
        Ok(Some(Reply::Status(status))) => {
            let ours = Identity::current();
            let age = if ours.compatible_with(&status.identity) {
                String::new()
            } else {
                format!(
                    " (version {}, not this one's {}: hooks of this version do not use it)",
                    status.identity.version, ours.version
                )
            };
            report.say(
                Level::Ok,
                format!(
                    "daemon: running and answering, pid {}, {} tasks pending or running{age}",
                    status.pid, status.pending_or_running
                ),
            );
        }
        Ok(None) => report.say(
            Level::Ok,
            "daemon: not running (the next hook starts it)",
        ),
        Ok(Some(other)) => report.say(
            Level::Problem,
            format!("daemon: answered {other:?} to a status request"),
        ),
        Err(err) => report.say(
            Level::Problem,
            format!(
                "daemon: does not answer ({err}); hooks run in-process meanwhile. Stop it with `{HOST_BINARY} daemon stop`, or kill the process holding {}",
                paths.socket().display()
            ),
        ),
    }
}

fn directories(report: &mut Report, paths: &Paths) {
    for (what, dir) in [
        ("cache", &paths.cache),
        ("data", &paths.data),
        ("runtime", &paths.runtime),
        ("logs", &paths.logs),
    ] {
        if !dir.exists() {
            report.say(
                Level::Ok,
                format!("{what} directory {}: not created yet", dir.display()),
            );
            continue;
        }
        match fasthooks_ipc::private::verify_dir(dir) {
            Ok(()) => report.say(
                Level::Ok,
                format!("{what} directory {}: yours, mode 0700", dir.display()),
            ),
            Err(err) => report.say(
                Level::Problem,
                format!(
                    "{what} directory: {err}; make it yours and private (chmod 700 {})",
                    dir.display()
                ),
            ),
        }
    }
}

/// Files only the user may read: the store and its companions, the log.
fn file_modes(report: &mut Report, paths: &Paths) {
    use std::os::unix::fs::MetadataExt;
    let store = paths.data.join(fasthooks_tasks::store::STORE_FILE);
    let mut files: Vec<PathBuf> = ["", "-wal", "-shm"]
        .iter()
        .map(|suffix| PathBuf::from(format!("{}{suffix}", store.display())))
        .collect();
    files.push(paths.data.join(fasthooks_tasks::store::JOURNAL_FILE));
    files.push(paths.logs.join(crate::logging::LOG_FILE));
    for file in files {
        let Ok(meta) = std::fs::symlink_metadata(&file) else {
            continue;
        };
        let mode = meta.mode() & 0o777;
        if mode & 0o077 != 0 || meta.uid() != fasthooks_ipc::private::current_uid() {
            report.say(
                Level::Problem,
                format!(
                    "{} is mode {mode:04o}, owner uid {}: others may read what plugins stored; make it yours and chmod 600 it",
                    file.display(),
                    meta.uid()
                ),
            );
        }
    }
}

fn store(report: &mut Report, paths: &Paths) {
    match fasthooks_tasks::unowned::check(&paths.data) {
        Ok(None) => report.say(Level::Ok, "task store: none yet (created with the first task)"),
        Ok(Some(health)) => {
            report.say(
                Level::Ok,
                format!(
                    "task store {}: readable, intact, {} tasks",
                    health.path.display(),
                    health.tasks
                ),
            );
            if health.unapplied > 0 {
                report.say(
                    Level::Note,
                    format!(
                        "task store: {} writes saved before a crash are in its journal; the next daemon applies them",
                        health.unapplied
                    ),
                );
            }
            for aside in &health.moved_aside {
                report.say(
                    Level::Note,
                    format!(
                        "task store: an earlier store was corrupt and moved aside as {} (delete it when you no longer need it)",
                        aside.display()
                    ),
                );
            }
        }
        Err(err @ fasthooks_tasks::store::StoreError::Access { .. }) => {
            report.say(Level::Problem, format!("task store: {err}"))
        }
        Err(err) => report.say(
            Level::Problem,
            format!(
                "task store: {err}; if it is corrupt, the next daemon moves it aside and starts a fresh one (its tasks and state are lost); if it cannot be read, make it yours and readable (chmod 600)"
            ),
        ),
    }
}

fn same_file(a: &Path, b: &Path) -> bool {
    match (std::fs::canonicalize(a), std::fs::canonicalize(b)) {
        (Ok(a), Ok(b)) => a == b,
        _ => false,
    }
}
