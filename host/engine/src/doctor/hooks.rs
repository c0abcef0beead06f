//! doctor's look at the settings: every `fasthooks-host` hook of every scope Claude Code reads
//! (command or `http`), its program, its plugins (there, pinned build, loads, grants), the
//! daemon serving an `http` hook's port, and a plugin installed in two scopes.

use super::{Level, Report, same_file};
use crate::install::checks::check_grants;
use crate::install::command::{host_beside_me, host_on_path};
use crate::install::shell::{has_more_than_one_command, shell_words};
use crate::plugin::PluginFile;
use fasthooks_ipc::{HOST_BINARY, HookCommand, Paths};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::time::Instant;

/// One settings scope Claude Code reads.
struct Scope {
    name: &'static str,
    file: PathBuf,
}

/// A `fasthooks-host` hook of a settings file: the events it is on, by command.
type HookCommands = BTreeMap<String, Vec<String>>;

pub(super) fn settings(report: &mut Report, paths: &Paths, project: &Path) {
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
    let mut exec_total = 0;
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
            Ok(Some((commands, exec_entries))) => {
                exec_total += exec_entries;
                commands
            }
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
            let plugins = match crate::install::shell::words_of_hook_url(command) {
                Some(words) => {
                    check_http_port(report, paths, &at, command);
                    let words = [vec![HOST_BINARY.to_owned()], words].concat();
                    check_plugins(report, &loader, &at, &words, project)
                }
                None => check_command(report, &loader, &at, command, project),
            };
            for plugin in plugins {
                for event in events {
                    runs.entry((plugin.clone(), event.clone()))
                        .or_default()
                        .push(scope.name);
                }
            }
        }
    }
    check_exec_form(report, exec_total);
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

/// The `fasthooks-host` commands of a settings file with the events each is on, and how many of
/// its entries run the host in the exec form; `None` when there is no file.
fn hook_commands(file: &Path) -> anyhow::Result<Option<(HookCommands, usize)>> {
    let Some(text) = crate::install::file::read(file)? else {
        return Ok(None);
    };
    let value: serde_json::Value = jsonc_parser::parse_to_serde_value(&text, &Default::default())
        .map_err(|err| anyhow::anyhow!("not valid JSON: {err}"))?;
    let mut commands = HookCommands::new();
    let mut exec_entries = 0;
    let Some(events) = value.get("hooks").and_then(|h| h.as_object()) else {
        return Ok(Some((commands, exec_entries)));
    };
    for (event, groups) in events {
        for group in groups.as_array().into_iter().flatten() {
            let hooks = group.get("hooks").and_then(|h| h.as_array());
            for hook in hooks.into_iter().flatten() {
                // An `http` hook the daemon serves is checked as the command it stands for.
                if let Some(url) = hook.get("url").and_then(|u| u.as_str())
                    && crate::install::shell::words_of_hook_url(url).is_some()
                {
                    commands
                        .entry(url.to_owned())
                        .or_default()
                        .push(event.clone());
                    continue;
                }
                let Some(command) = command_line_of(hook) else {
                    continue;
                };
                let command = command.as_str();
                if runs_host(command) && hook.get("args").is_some_and(|args| !args.is_null()) {
                    exec_entries += 1;
                }
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
    Ok(Some((commands, exec_entries)))
}

/// The command line of a `command` handler, in the shell form (the exec form's `command` and
/// `args` read back as the line they stand for).
fn command_line_of(hook: &serde_json::Value) -> Option<String> {
    let command = hook.get("command")?.as_str()?;
    match hook.get("args").filter(|args| !args.is_null()) {
        None => Some(command.to_owned()),
        Some(args) => {
            let args: Vec<String> = args
                .as_array()?
                .iter()
                .map(|arg| arg.as_str().map(str::to_owned))
                .collect::<Option<_>>()?;
            Some(crate::install::exec_form::line_of_exec(command, &args))
        }
    }
}

/// Exec-form entries need a Claude Code that runs them: one older runs their program without
/// its arguments, and every such hook fails (open).
fn check_exec_form(report: &mut Report, entries: usize) {
    if entries == 0 {
        return;
    }
    use crate::install::exec_form::{FIRST_EXEC_VERSION, installed_claude_version};
    match installed_claude_version() {
        Some(version) if version < FIRST_EXEC_VERSION => report.say(
            Level::Problem,
            format!(
                "{entries} hook entr{} in the exec form (command + args), which the claude on \
                 PATH ({version}, older than {FIRST_EXEC_VERSION}) runs without its arguments: \
                 upgrade Claude Code, or install again with --command-form shell",
                if entries == 1 { "y is" } else { "ies are" }
            ),
        ),
        Some(version) => report.say(
            Level::Ok,
            format!(
                "claude {version} runs the exec form of {entries} hook entr{}",
                if entries == 1 { "y" } else { "ies" }
            ),
        ),
        None => {}
    }
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
    check_plugins(report, dispatcher, at, &words, project)
}

/// Is the port of an `http` hook the one this home's daemon serves, and does it serve it?
fn check_http_port(report: &mut Report, paths: &Paths, at: &str, url: &str) {
    let Some(port) = crate::install::shell::port_of_hook_url(url) else {
        return;
    };
    let configured = fasthooks_ipc::http_hook::configured_port(paths);
    if configured != Ok(Some(port)) {
        report.say(
            Level::Problem,
            format!(
                "{at}: the http hook posts to port {port}, but this home's daemon serves {}: install it again with --transport http",
                match configured {
                    Ok(Some(other)) => format!("port {other}"),
                    Ok(None) => "no http hooks".to_owned(),
                    Err(err) => err,
                }
            ),
        );
        return;
    }
    let query = url.split_once('?').map_or("", |(_, query)| query);
    let signed = match fasthooks_ipc::http_key::UrlKey::load(paths) {
        Ok(Some(key)) => key.verify(query).map(drop).map_err(|err| err.to_string()),
        Ok(None) => Err("this home has no URL key".to_owned()),
        Err(err) => Err(err),
    };
    if let Err(why) = signed {
        report.say(
            Level::Problem,
            format!("{at}: the daemon will refuse this http hook ({why}): install it again with --transport http"),
        );
    }
    match fasthooks_ipc::client::ask(paths, fasthooks_ipc::wire::Request::Status) {
        Ok(Some(fasthooks_ipc::wire::Reply::Status(status))) if status.http_port == Some(port) => {
            report.say(Level::Ok, format!("{at}: the daemon serves http hooks on 127.0.0.1:{port}"))
        }
        Ok(Some(fasthooks_ipc::wire::Reply::Status(status))) => report.say(
            Level::Problem,
            format!(
                "{at}: the daemon does not serve 127.0.0.1:{port}: {}",
                status.http_error.unwrap_or_else(|| "it predates the http transport: `fasthooks-host daemon stop`".into())
            ),
        ),
        _ => match crate::http_port::PortHealth::probe(paths) {
            crate::http_port::PortHealth::Foreign { uid, .. } => report.say(
                Level::Problem,
                format!(
                    "{at}: 127.0.0.1:{port} is held by uid {uid}, another user: Claude Code would send them this hook's events and take their answers; find the process (`ss -ltnp 'sport = :{port}'`) or install again with --http-port N"
                ),
            ),
            _ => report.say(
                Level::Note,
                format!("{at}: no daemon runs now; the SessionStart hook starts one before the first http hook"),
            ),
        },
    }
}

/// Check the plugins of a hook command line (`words`, the program first); the plugin files it
/// runs.
fn check_plugins(
    report: &mut Report,
    dispatcher: &crate::dispatch::Dispatcher,
    at: &str,
    words: &[String],
    project: &Path,
) -> Vec<PathBuf> {
    let parsed = crate::cli::parse_hook_words(words)
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
