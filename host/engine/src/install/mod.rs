//! `fasthooks-host install` and `uninstall`: write the hook entries that run a plugin into
//! Claude Code's settings, and take them out again; `package` writes the same entries into a
//! Claude Code plugin directory to share (see `package`).
//!
//! ```text
//! fasthooks-host install --plugin guard.wasm [grants…] [--project | --local | --user] [--events E,…]
//! fasthooks-host uninstall --plugin guard.wasm [--project | --local | --user]
//! ```
//!
//! What gets written:
//! - the events and matchers come from the plugin's `describe()`: one matcher group per event,
//!   `{"matcher": M, "hooks": [{"type": "command", "command": C}]}`, with `matcher` left out when
//!   the plugin takes everything or the event has no matcher support. When a plugin subscribes
//!   to one event several times, the matchers are united (exact names joined with `|`, otherwise
//!   one regular expression), so Claude Code runs the hook at least whenever a subscription
//!   applies; the host then runs each plugin only for its own subscriptions.
//! - a plugin that subscribes to every event (`*`) is installed for [`CATCH_ALL_EVENTS`], the
//!   events a session commonly fires; `--events` names others.
//! - the command is `<fasthooks-host> --plugin <plugin> <grants…>`, written in the exec form
//!   (`"command": HOST, "args": [WORDS]`: Claude Code starts the host with no shell) when the
//!   `claude` on PATH says it is 2.1.139 or later and no directory needs a shell to expand its
//!   `$VARIABLE`; otherwise in the shell form (`sh -c`); `--command-form` decides (see
//!   [`exec_form`]).
//!   In a project's settings, plugins and granted directories inside the project are written
//!   `"$CLAUDE_PROJECT_DIR/…"` and the host `fasthooks-host` when PATH finds this very binary,
//!   so the committed file works in every clone; otherwise paths are absolute. An explicit
//!   `--home` is carried into the command. Grants and limits given to `install` are carried
//!   over in the order given; directories are made absolute, except those written with
//!   `$CLAUDE_PROJECT_DIR` (or another `$VARIABLE`), which stay for the shell to expand when
//!   the hook runs.
//!
//! Before anything is written, [`checks`] refuses a plugin missing a grant for a capability it
//! declares and a `--deadline-ms` that does not fit the entries' timeout, fits SessionEnd's
//! handler to its shorter budget, and notes what write grants leave read-only. [`command`]
//! writes the command line, [`exec_form`] its exec form, [`transport`] the `http` entries (`--transport http`); [`plan`] is what
//! one installation writes, and [`settings`] edits the file's syntax tree ([`one_line`] keeps
//! one-line objects on one line).
//!
//! How the file is treated:
//! - merged, never rewritten wholesale: keys keep their order, other entries stay where they
//!   are, new groups go at the end of their event's list, new events at the end of `hooks`;
//!   the indentation of the file is kept (two spaces for a new file).
//! - the entries of one installation are the `command` hooks whose command runs `fasthooks-host`
//!   with exactly the same `--plugin` list (in either form; [`uninstall`] removes them). Installing again updates them in place (so running
//!   `install` twice adds nothing, and changed grants replace the old ones) and drops those for
//!   events no longer selected; `uninstall` removes exactly them, then the groups, event lists
//!   and `hooks` object that this left empty.
//! - nothing changes on disk when nothing changes; otherwise the previous file is kept (beside
//!   it as `settings.json.bak` for user settings, in fasthooks' data directory for a
//!   project's, see `file`) and the new one replaces it atomically (temporary file, then
//!   rename). An uninstall that leaves a project's file holding nothing (`{}`) removes it, and
//!   the project's `.claude` directory if that is then empty: install then uninstall leaves a
//!   project as it found it.
//! - a file that is not valid JSON, or whose `hooks` are not shaped as Claude Code expects, is
//!   left untouched: exit 1 with a message naming the file.

pub(crate) mod checks;
pub(crate) mod command;
pub(crate) mod exec_form;
pub(crate) mod file;
mod marketplace;
mod one_line;
mod package;
mod plan;
mod settings;
pub(crate) mod shell;
mod transport;
mod uninstall;

use crate::cli::{InstallArgs, Target, Transport, UninstallArgs};
use anyhow::anyhow;
use clap::ArgMatches;
use command::{absolute, command_line, from_project_dir, host_word, utf8};
use fasthooks_ipc::hook_io::finish;
use fasthooks_ipc::{Grant, HookCommand, Paths};
use fasthooks_protocol::events::{CATCH_ALL_EVENTS, supports_matcher};
use fasthooks_protocol::{Rendered, matcher};
pub use package::package;
use settings::{Entry, Plan, SettingsError, apply_install};
use shell::plugins_of_command;
use std::path::PathBuf;
use std::process::ExitCode;

impl Target {
    /// The project whose settings these are (none for `--user`), canonical.
    pub fn project(&self) -> anyhow::Result<Option<PathBuf>> {
        if self.user {
            return Ok(None);
        }
        let project = match &self.project_dir {
            Some(dir) => std::fs::canonicalize(dir)
                .map_err(|err| anyhow!("--project-dir {}: {err}", dir.display()))?,
            None => std::env::current_dir()
                .and_then(std::fs::canonicalize)
                .map_err(|err| anyhow!("cannot read the current directory: {err}"))?,
        };
        Ok(Some(project))
    }

    pub fn settings_file(&self) -> anyhow::Result<PathBuf> {
        let Some(project) = self.project()? else {
            let home = std::env::var_os("HOME")
                .filter(|home| !home.is_empty())
                .ok_or_else(|| anyhow!("--user: HOME is not set"))?;
            return Ok(PathBuf::from(home).join(".claude/settings.json"));
        };
        let name = if self.local {
            "settings.local.json"
        } else {
            "settings.json"
        };
        Ok(project.join(".claude").join(name))
    }
}

/// `fasthooks-host install`.
pub fn install(args: &InstallArgs, matches: &ArgMatches) -> ExitCode {
    let paths = Paths::resolve(args.hook.home.as_deref());
    crate::logging::init(paths.logs.clone());
    finish(into_rendered(run_install(args, matches, &paths)))
}

/// `fasthooks-host uninstall`.
pub fn uninstall(args: &UninstallArgs) -> ExitCode {
    let paths = Paths::resolve(None);
    finish(into_rendered(uninstall::run(args, &paths)))
}

fn into_rendered(result: anyhow::Result<String>) -> Rendered {
    match result {
        Ok(stdout) => Rendered::output(stdout),
        Err(err) => Rendered::error(format!("{err:#}")),
    }
}

fn run_install(args: &InstallArgs, matches: &ArgMatches, paths: &Paths) -> anyhow::Result<String> {
    let mut command = HookCommand::parse(&args.hook, matches)?;
    checks::fit_deadline(&mut command, args.hook_timeout)?;
    let project = args.target.project()?;
    let (mut command, mut expandable) = absolute(command, project.as_deref())?;
    let file = args.target.settings_file()?;
    let mut subscriptions = Vec::new();
    let mut described = Vec::new();
    let mut warnings = Vec::new();
    let mut notes_before: Vec<String> = Vec::new();
    // Which plugins mark tasks to wake Claude (they import `tasks.wake`): each gets a wake hook.
    let mut wakes = Vec::new();
    for plugin in &command.plugins {
        let (loaded, _, engine) = crate::describe::load_for_describe(paths, &plugin.path)?;
        wakes.push(crate::wake::marks_tasks(&engine, &loaded));
        let info = &loaded.info;
        checks::check_grants(&info.name, plugin, &info.capabilities)?;
        let subscribed: Vec<(String, String)> = info
            .subscriptions
            .iter()
            .map(|s| (s.event.clone(), s.matcher.clone()))
            .collect();
        warnings.extend(crate::info::matcher_warnings(&info.name, &subscribed));
        subscriptions.extend(subscribed);
        described.push(format!("{} {}", info.name, info.version));
    }
    let mut notes_transport = Vec::new();
    let shared = project.is_some() && !args.target.local;
    let form = exec_form::choose(args.command_form, shared, &mut notes_transport);
    let http = match args.transport {
        Transport::Command => false,
        Transport::Http => transport::http_allowed(&args.target, &command, &mut notes_transport)?,
    };
    // An http hook names everything by absolute path: there is no shell to expand a variable.
    let absolute_command = command.clone();
    // In a project's settings, a plugin or a granted directory inside the project is named from
    // `$CLAUDE_PROJECT_DIR`, so the command works in every clone.
    let mut plugins: Vec<(String, String)> = Vec::new();
    for plugin in &mut command.plugins {
        for grant in &mut plugin.grants {
            if let Grant::Read(dir) | Grant::Write(dir) = grant
                && let Some(written) = project.as_deref().and_then(|p| from_project_dir(dir, p))
            {
                expandable.insert(written.clone());
                *dir = PathBuf::from(written);
            }
        }
        let absolute = plugin.path.display().to_string();
        let written = project
            .as_deref()
            .and_then(|dir| from_project_dir(&plugin.path, dir))
            .unwrap_or_else(|| absolute.clone());
        if written != absolute {
            expandable.insert(written.clone());
            plugin.path = PathBuf::from(&written);
        }
        plugins.push((absolute, written));
    }
    let (host, host_note) = host_word(project.is_some())?;
    notes_before.extend(host_note);
    // `--home` given to install (not inherited from the environment) is the hook's too.
    let home_words: Vec<String> = match (&args.hook.home, matches.value_source("home")) {
        (Some(home), Some(clap::parser::ValueSource::CommandLine)) => {
            let home = std::fs::canonicalize(home)
                .map_err(|err| anyhow!("--home {}: {err}", home.display()))?;
            vec!["--home".into(), utf8(&home, "--home")?]
        }
        _ => Vec::new(),
    };
    let mut entries = entries_for(&subscriptions, &args.events)?;
    let http_port = if http {
        transport::add_session_start(&mut entries);
        let port = transport::port(args.http_port, paths)?;
        transport::refuse_foreign_port(port)?;
        Some(port)
    } else {
        None
    };
    // SessionEnd hooks share a budget of their own (1.5 s unless a timeout raises it): its
    // handler gets a deadline that fits.
    let mut event_commands = Vec::new();
    let mut notes = warnings;
    notes.append(&mut notes_before);
    if entries.iter().any(|e| e.event == "SessionEnd")
        && let Some(deadline) = checks::session_end_deadline(&command, args.hook_timeout)
    {
        let mut session_end = command.clone();
        session_end.deadline_ms = Some(deadline);
        event_commands.push((
            "SessionEnd".to_owned(),
            command_line(
                &host,
                &[session_end.to_args(), home_words.clone()].concat(),
                &expandable,
            ),
        ));
        notes.push(format!(
            "note: SessionEnd runs with --deadline-ms {deadline}: Claude Code gives SessionEnd hooks {} ms in all{}",
            deadline * 10 / 9,
            if args.hook_timeout.is_none() {
                " (--hook-timeout raises it, to 60 s at most); work that takes longer belongs in a background task"
            } else {
                ""
            }
        ));
    }
    let home_words_kept = home_words.clone();
    let http_urls = match http_port {
        Some(port) => transport::urls(
            paths,
            port,
            &entries,
            &absolute_command,
            &home_words,
            args.hook_timeout,
        )?,
        None => Vec::new(),
    };
    let plan = Plan {
        command: command_line(
            &host,
            &[command.to_args(), home_words].concat(),
            &expandable,
        ),
        form,
        entries,
        timeout: args.hook_timeout,
        event_commands,
        async_rewake: false,
        http_urls,
    };
    if form == exec_form::CommandForm::Exec
        && let Err(why) = exec_form::exec_of_line(&plan.command)
    {
        notes.push(format!(
            "note: {why}, so the entries run through sh -c (the shell form)"
        ));
    }
    if plan.entries.is_empty() {
        return Err(anyhow!(
            "{} subscribes to no event: nothing to install",
            described.join(", ")
        ));
    }
    let original = file::read(&file)?;
    let mut edited = apply_install(original.as_deref().unwrap_or(""), &plan, runs(&plugins))
        .map_err(|err| refuse(&file, &err))?;
    let mut wake_commands = Vec::new();
    for ((plugin, wakes), names) in command.plugins.iter().zip(&wakes).zip(&plugins) {
        if !wakes {
            continue;
        }
        let mut words = vec![
            "wake".to_owned(),
            "--plugin".to_owned(),
            utf8(&plugin.path, "--plugin")?,
        ];
        if let Some(sha) = plugin.grants.iter().find_map(|g| match g {
            Grant::Sha256(sha) => Some(sha.clone()),
            _ => None,
        }) {
            words.extend(["--sha256".to_owned(), sha]);
        }
        let wake_plan = wake_plan(
            command_line(
                &host,
                &[words, home_words_kept.clone()].concat(),
                &expandable,
            ),
            form,
        );
        let text = edited
            .clone()
            .unwrap_or_else(|| original.clone().unwrap_or_default());
        if let Some(text) = apply_install(&text, &wake_plan, wakes_for(std::slice::from_ref(names)))
            .map_err(|err| refuse(&file, &err))?
        {
            edited = Some(text);
        }
        wake_commands.push(wake_plan.command);
    }
    let backup_at = file::backup_path(&file, project.is_some(), &paths.data);
    let (backup, mut out) = match edited {
        Some(text) => (
            file::save(&file, &text, original.is_some().then_some(&*backup_at))?,
            format!("installed {} in {}", described.join(", "), file.display()),
        ),
        None => (
            None,
            format!(
                "{} already installed in {}: nothing changed",
                described.join(", "),
                file.display()
            ),
        ),
    };
    for entry in &plan.entries {
        out.push_str(&format!(
            "\n  {:<18} {}",
            entry.event,
            entry.matcher.as_deref().unwrap_or("(every)")
        ));
    }
    out.push_str(&format!("\ncommand: {}", plan.command));
    if let Some((_, url)) = plan.http_urls.first() {
        out.push_str(&format!("\nurl: {url}"));
    }
    if let Some(port) = http_port {
        notes.extend(transport::serve(paths, args.hook.home.as_deref(), port));
    }
    notes.extend(notes_transport);
    for wake in &wake_commands {
        out.push_str(&format!(
            "\nwake hook (Stop, asyncRewake: results of tasks marked with tasks.wake wake Claude): {wake}"
        ));
    }
    for line in notes.into_iter().chain(checks::write_grant_notes(&command)) {
        out.push_str(&format!("\n{line}"));
    }
    if let Some(backup) = backup {
        out.push_str(&format!("\nprevious file kept as {}", backup.display()));
    }
    Ok(out)
}

/// Does a settings.json `command` run exactly these plugins, each named by its absolute path or
/// by the path it is written with (how an installation's entries are recognised, whichever
/// way an earlier install wrote them)?
pub(super) fn runs(plugins: &[(String, String)]) -> impl Fn(&str) -> bool + '_ {
    move |command| {
        plugins_of_command(command).is_some_and(|found| {
            found.len() == plugins.len()
                && found
                    .iter()
                    .zip(plugins)
                    .all(|(f, (absolute, written))| f == absolute || f == written)
        })
    }
}

/// The entry of a plugin's wake hook (`command`, `fasthooks-host wake`): a Stop hook Claude
/// Code runs in the background, with room for its wait.
fn wake_plan(command: String, form: exec_form::CommandForm) -> Plan {
    Plan {
        form,
        entries: vec![Entry {
            event: "Stop".to_owned(),
            matcher: None,
        }],
        command,
        timeout: Some(crate::wake::HOOK_TIMEOUT_SECONDS),
        event_commands: Vec::new(),
        async_rewake: true,
        http_urls: Vec::new(),
    }
}

/// Is a settings.json `command` the wake hook of one of these plugins (named either way)?
pub(super) fn wakes_for(plugins: &[(String, String)]) -> impl Fn(&str) -> bool + '_ {
    move |command| {
        crate::install::shell::wake_plugin_of_command(command).is_some_and(|found| {
            plugins
                .iter()
                .any(|(absolute, written)| found == *absolute || found == *written)
        })
    }
}

/// A settings file this edit refuses to touch, named with why.
pub(super) fn refuse(file: &std::path::Path, err: &SettingsError) -> anyhow::Error {
    match err {
        SettingsError::InvalidJson { .. } => anyhow!(
            "{} is {err}; fix it or move it away, nothing was changed",
            file.display()
        ),
        _ => anyhow!("{}: {err}; nothing was changed", file.display()),
    }
}

/// The entries for a list of (event, matcher) subscriptions, restricted to `only` when given.
pub fn entries_for(
    subscriptions: &[(String, String)],
    only: &[String],
) -> anyhow::Result<Vec<Entry>> {
    let only: Vec<&str> = only
        .iter()
        .map(|e| e.trim())
        .filter(|e| !e.is_empty())
        .collect();
    for name in &only {
        if fasthooks_protocol::events::event_spec(name).is_none()
            && let Some(meant) = fasthooks_protocol::events::suggest(name)
        {
            anyhow::bail!(
                "--events {name}: Claude Code has no such event; did you mean `{meant}`? (event names are case-sensitive)"
            );
        }
    }
    let mut events: Vec<(String, Vec<String>)> = Vec::new();
    for (event, matcher) in subscriptions {
        let names: Vec<&str> = if event == "*" {
            if only.is_empty() {
                CATCH_ALL_EVENTS.to_vec()
            } else {
                only.clone()
            }
        } else {
            vec![event.as_str()]
        };
        for name in names {
            if !only.is_empty() && !only.contains(&name) {
                continue;
            }
            match events.iter_mut().find(|(e, _)| e == name) {
                Some((_, matchers)) => matchers.push(matcher.clone()),
                None => events.push((name.to_owned(), vec![matcher.clone()])),
            }
        }
    }
    for name in &only {
        if !events.iter().any(|(e, _)| e == name) {
            let subscribed: Vec<&str> = subscriptions.iter().map(|(e, _)| e.as_str()).collect();
            return Err(anyhow!(
                "--events {name}: the plugin does not subscribe to it (it subscribes to {})",
                if subscribed.is_empty() {
                    "nothing".to_owned()
                } else {
                    subscribed.join(", ")
                }
            ));
        }
    }
    Ok(events
        .into_iter()
        .map(|(event, matchers)| Entry {
            matcher: if supports_matcher(&event) {
                matcher::union(&event, &matchers)
            } else {
                None
            },
            event,
        })
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn entries_follow_the_subscriptions() {
        let subs = |list: &[(&str, &str)]| -> Vec<(String, String)> {
            list.iter()
                .map(|(e, m)| ((*e).into(), (*m).into()))
                .collect()
        };
        let entries = entries_for(
            &subs(&[
                ("PreToolUse", "Bash"),
                ("Stop", "ignored"),
                ("UserPromptSubmit", ""),
                ("PreToolUse", "Write"),
            ]),
            &[],
        )
        .unwrap();
        assert_eq!(
            entries,
            vec![
                Entry {
                    event: "PreToolUse".into(),
                    matcher: Some("Bash|Write".into())
                },
                Entry {
                    event: "Stop".into(),
                    matcher: None
                },
                Entry {
                    event: "UserPromptSubmit".into(),
                    matcher: None
                },
            ]
        );
        let only = entries_for(
            &subs(&[("PreToolUse", "Bash"), ("Stop", "")]),
            &["Stop".into()],
        )
        .unwrap();
        assert_eq!(
            only,
            vec![Entry {
                event: "Stop".into(),
                matcher: None
            }]
        );
        let err = entries_for(&subs(&[("Stop", "")]), &["PreToolUse".into()])
            .unwrap_err()
            .to_string();
        assert!(
            err.contains("does not subscribe") && err.contains("Stop"),
            "{err}"
        );

        // A typo of an event is named, even for a plugin that takes every event.
        let err = entries_for(&subs(&[("*", "")]), &["PreTooluse".into()])
            .unwrap_err()
            .to_string();
        assert!(err.contains("did you mean `PreToolUse`?"), "{err}");

        let all = entries_for(&subs(&[("*", "")]), &[]).unwrap();
        let names: Vec<&str> = all.iter().map(|e| e.event.as_str()).collect();
        assert_eq!(names, CATCH_ALL_EVENTS);
        let picked = entries_for(
            &subs(&[("*", ""), ("PreToolUse", "Bash")]),
            &["PreToolUse".into(), "FileChanged".into()],
        )
        .unwrap();
        assert_eq!(
            picked[0],
            Entry {
                event: "PreToolUse".into(),
                matcher: None
            },
            "* takes every tool"
        );
        assert_eq!(picked[1].event, "FileChanged");
    }
}
