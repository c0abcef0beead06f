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
//!   cache is compiled now, so the first hook does not pay for it); and no plugin runs twice on
//!   one event.
//!
//! Nothing it does changes an installation but that compile. The store is opened read-only, so
//! a corrupt one is reported, not moved aside (the next daemon does that).

use crate::install::checks::check_grants;
use crate::install::command::{host_beside_me, host_on_path};
use crate::install::shell::{has_more_than_one_command, shell_words};
use crate::plugin::PluginFile;
use fasthooks_ipc::client;
use fasthooks_ipc::wire::{Identity, Reply, Request};
use fasthooks_ipc::{HOST_BINARY, HookCommand, Paths};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::{Duration, Instant};

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
    settings(&mut report, &paths, &project);
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

/// One settings scope Claude Code reads.
struct Scope {
    name: &'static str,
    file: PathBuf,
}

/// A `fasthooks-host` hook of a settings file: the events it is on, by command.
type HookCommands = BTreeMap<String, Vec<String>>;

fn settings(report: &mut Report, paths: &Paths, project: &Path) {
    let home = std::env::var_os("HOME").map(PathBuf::from);
    let mut scopes = Vec::new();
    if let Some(home) = &home {
        scopes.push(Scope {
            name: "user settings",
            file: home.join(".claude/settings.json"),
        });
    }
    for (name, file) in [
        ("project settings", "settings.json"),
        ("local settings", "settings.local.json"),
    ] {
        scopes.push(Scope {
            name,
            file: project.join(".claude").join(file),
        });
    }
    let loader = match crate::dispatch::Dispatcher::in_process(paths) {
        Ok(dispatcher) => dispatcher,
        Err(err) => {
            report.say(
                Level::Problem,
                format!("cannot start the WebAssembly engine: {err:#}"),
            );
            return;
        }
    };
    // (plugin file, event) -> where it runs, for plugins installed twice.
    let mut runs: BTreeMap<(PathBuf, String), Vec<&'static str>> = BTreeMap::new();
    let user_file = scopes
        .first()
        .and_then(|user| std::fs::canonicalize(&user.file).ok());
    for (index, scope) in scopes.iter().enumerate() {
        // Run from HOME, the project's settings are the user's: one file, checked once.
        if index > 0 && user_file.is_some() && std::fs::canonicalize(&scope.file).ok() == user_file
        {
            continue;
        }
        let commands = match hook_commands(&scope.file) {
            Ok(None) => {
                report.say(
                    Level::Ok,
                    format!("{} {}: no file", scope.name, scope.file.display()),
                );
                continue;
            }
            Ok(Some(commands)) => commands,
            Err(err) => {
                report.say(
                    Level::Problem,
                    format!("{} {}: {err}", scope.name, scope.file.display()),
                );
                continue;
            }
        };
        if commands.is_empty() {
            report.say(
                Level::Ok,
                format!(
                    "{} {}: no {HOST_BINARY} hooks",
                    scope.name,
                    scope.file.display()
                ),
            );
        }
        for (command, events) in &commands {
            let at = format!("{} ({})", scope.name, events.join(", "));
            for plugin in check_command(report, &loader, &at, command, project) {
                for event in events {
                    runs.entry((plugin.clone(), event.clone()))
                        .or_default()
                        .push(scope.name);
                }
            }
        }
    }
    for ((plugin, event), scopes) in runs.iter().filter(|(_, s)| s.len() > 1) {
        report.say(
            Level::Problem,
            format!(
                "{} runs {} times on {event} ({}): uninstall it from all but one",
                plugin.display(),
                scopes.len(),
                scopes.join(", ")
            ),
        );
    }
}

/// The `fasthooks-host` commands of a settings file with the events each is on; `None` when
/// there is no file.
fn hook_commands(file: &Path) -> anyhow::Result<Option<HookCommands>> {
    let Some(text) = crate::install::file::read(file)? else {
        return Ok(None);
    };
    let value: serde_json::Value = jsonc_parser::parse_to_serde_value(&text, &Default::default())
        .map_err(|err| anyhow::anyhow!("not valid JSON: {err}"))?;
    let mut commands = HookCommands::new();
    let Some(events) = value.get("hooks").and_then(|h| h.as_object()) else {
        return Ok(Some(commands));
    };
    for (event, groups) in events {
        for group in groups.as_array().into_iter().flatten() {
            let hooks = group.get("hooks").and_then(|h| h.as_array());
            for hook in hooks.into_iter().flatten() {
                let Some(command) = hook.get("command").and_then(|c| c.as_str()) else {
                    continue;
                };
                // Also those that run it through something else (`env X=1 fasthooks-host`, a
                // wrapper script): listed, so doctor never passes over a hook it did not check.
                if runs_host(command) || command.contains(HOST_BINARY) {
                    commands
                        .entry(command.to_owned())
                        .or_default()
                        .push(event.clone());
                }
            }
        }
    }
    Ok(Some(commands))
}

/// Is the command's program `fasthooks-host`?
fn runs_host(command: &str) -> bool {
    shell_words(command)
        .first()
        .is_some_and(|program| Path::new(program).file_name() == Some(HOST_BINARY.as_ref()))
}

/// Check one hook command and its plugins; the plugin files it runs (for duplicates).
fn check_command(
    report: &mut Report,
    dispatcher: &crate::dispatch::Dispatcher,
    at: &str,
    command: &str,
    project: &Path,
) -> Vec<PathBuf> {
    // As Claude Code runs it: `$CLAUDE_PROJECT_DIR` set, relative paths from the project.
    let project_text = project.display().to_string();
    let words: Vec<String> = shell_words(command)
        .into_iter()
        .map(|w| {
            w.replace("${CLAUDE_PROJECT_DIR}", &project_text)
                .replace("$CLAUDE_PROJECT_DIR", &project_text)
        })
        .collect();
    if !runs_host(command) {
        report.say(
            Level::Problem,
            format!(
                "{at}: the hook runs {HOST_BINARY} through something else ({command}); doctor cannot check it, and neither can you at a glance: write it as a plain {HOST_BINARY} command"
            ),
        );
        return Vec::new();
    }
    if has_more_than_one_command(command) {
        report.say(
            Level::Problem,
            format!(
                "{at}: the hook command goes on after the {HOST_BINARY} command ({command}): that text runs too, and can change or throw away the plugins' answer; remove it"
            ),
        );
    }
    let program = PathBuf::from(&words[0]);
    let found = if program.components().count() == 1 {
        // A bare program: its file name is fasthooks-host (checked above), found on PATH.
        host_on_path()
    } else {
        Some(project.join(&program)).filter(|p| p.is_file())
    };
    let this_front = host_beside_me().ok();
    if let (Some(found), Some(front)) = (&found, &this_front)
        && !same_file(found, front)
        && !host_on_path().is_some_and(|p| same_file(found, &p))
    {
        report.say(
            Level::Note,
            format!(
                "{at}: the hook runs {}, which is neither this {HOST_BINARY} ({}) nor the one on PATH",
                found.display(),
                front.display()
            ),
        );
    }
    if found.is_none() {
        report.say(
            Level::Problem,
            format!(
                "{at}: the hook runs {}, which is not there{}: install the binaries there, or install the hook again",
                program.display(),
                if program.components().count() == 1 { " (not on PATH)" } else { "" }
            ),
        );
    }
    if words.get(1).is_some_and(|word| word == "wake") {
        let checked = crate::cli::parse_wake_words(&words)
            .map_err(|err| format!("the wake hook does not parse: {err:#}"))
            .and_then(|(plugin, sha256)| crate::wake::check_hook(&plugin, sha256, project));
        match checked {
            Ok(line) => report.say(Level::Ok, format!("{at}: {line}")),
            Err(line) => report.say(Level::Problem, format!("{at}: {line}")),
        }
        return Vec::new();
    }
    let parsed = crate::cli::parse_hook_words(&words)
        .and_then(|(args, matches)| HookCommand::parse(&args, &matches).map_err(Into::into));
    let hook = match parsed {
        Ok(hook) => hook,
        Err(err) => {
            report.say(
                Level::Problem,
                format!("{at}: the hook command does not parse: {err:#}"),
            );
            return Vec::new();
        }
    };
    let mut files = Vec::new();
    for plugin in &hook.plugins {
        let path = project.join(&plugin.path);
        let shown = plugin.path.display();
        let file = match PluginFile::read(&path) {
            Ok(file) => file,
            Err(err) => {
                report.say(
                    Level::Problem,
                    format!(
                        "{at}: plugin {shown} is missing or unreadable ({err}): build it, or `{HOST_BINARY} uninstall --plugin {shown}`"
                    ),
                );
                continue;
            }
        };
        files.push(file.path.clone());
        let pinned = plugin.grants.iter().find_map(|g| match g {
            fasthooks_ipc::Grant::Sha256(sha) => Some(sha.to_ascii_lowercase()),
            _ => None,
        });
        if let Some(pinned) = &pinned
            && *pinned != file.sha256
        {
            report.say(
                Level::Problem,
                format!(
                    "{at}: plugin {shown} has sha256 {} but the hook pins {pinned}: the file was rebuilt or replaced, so hooks refuse it; `{HOST_BINARY} inspect` it, then install it again to pin this build",
                    file.sha256
                ),
            );
            continue;
        }
        let loader = dispatcher.loader();
        let warm = loader.is_compiled(&file.sha256);
        let started = Instant::now();
        let loaded = match crate::describe::load_file(loader, &file) {
            Ok(loaded) => loaded,
            Err(err) => {
                report.say(
                    Level::Problem,
                    format!("{at}: plugin {shown} does not load: {err}"),
                );
                continue;
            }
        };
        if !warm {
            report.say(
                Level::Note,
                format!(
                    "{at}: plugin {shown} was not compiled yet; compiled it now ({:.1} s), so the first hook does not pay for it",
                    started.elapsed().as_secs_f64()
                ),
            );
        }
        let info = &loaded.info;
        if let Err(err) = check_grants(&info.name, plugin, &info.capabilities) {
            report.say(Level::Problem, format!("{at}: {err:#}"));
            continue;
        }
        report.say(
            Level::Ok,
            format!(
                "{at}: plugin {} {} ({shown}) loads, compiled, grants cover its capabilities{}",
                fasthooks_protocol::one_line(&info.name, 80),
                fasthooks_protocol::one_line(&info.version, 40),
                if pinned.is_some() {
                    ", pinned sha256 matches"
                } else {
                    ""
                }
            ),
        );
    }
    files
}

fn same_file(a: &Path, b: &Path) -> bool {
    match (std::fs::canonicalize(a), std::fs::canonicalize(b)) {
        (Ok(a), Ok(b)) => a == b,
        _ => false,
    }
}
