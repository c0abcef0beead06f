//! `fasthooks-host install` and `uninstall`: write the hook entries that run a plugin into
//! Claude Code's settings, and take them out again.
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
//! - the command is `<absolute fasthooks-host> --plugin <absolute plugin> <grants…>`, words
//!   quoted for the shell. Grants and limits given to `install` are carried over in the order
//!   given; directories are made absolute, except those written with `$CLAUDE_PROJECT_DIR` (or
//!   another `$VARIABLE`), which stay for the shell to expand when the hook runs.
//!
//! How the file is treated:
//! - merged, never rewritten wholesale: keys keep their order, other entries stay where they
//!   are, new groups go at the end of their event's list, new events at the end of `hooks`;
//!   the indentation of the file is kept (two spaces for a new file).
//! - the entries of one installation are the `command` hooks whose command runs `fasthooks-host`
//!   with exactly the same `--plugin` list. Installing again updates them in place (so running
//!   `install` twice adds nothing, and changed grants replace the old ones) and drops those for
//!   events no longer selected; `uninstall` removes exactly them, then the groups, event lists
//!   and `hooks` object that this left empty.
//! - nothing changes on disk when nothing changes; otherwise the previous file is kept as
//!   `settings.json.bak` and the new one replaces it atomically (temporary file, then rename).
//! - a file that is not valid JSON, or whose `hooks` are not shaped as Claude Code expects, is
//!   left untouched: exit 1 with a message naming the file.

use crate::cli::{HookArgs, error, finish};
use crate::matcher::Matcher;
use crate::paths::Paths;
use crate::protocol::Rendered;
use clap::parser::ValueSource;
use clap::{ArgMatches, Args};
use serde_json::{Map, Value, json};
use std::path::{Path, PathBuf};
use std::process::ExitCode;

/// The events a plugin subscribed to `*` is installed for when `--events` does not say.
pub const CATCH_ALL_EVENTS: &[&str] = &[
    "SessionStart",
    "UserPromptSubmit",
    "PreToolUse",
    "PermissionRequest",
    "PostToolUse",
    "PostToolUseFailure",
    "Notification",
    "SubagentStop",
    "Stop",
    "PreCompact",
    "SessionEnd",
];

/// The file name of the hook front; a command whose program has this name is ours.
const HOST_BINARY: &str = "fasthooks-host";

#[derive(Args, Debug)]
pub struct InstallArgs {
    #[command(flatten)]
    pub hook: HookArgs,
    #[command(flatten)]
    pub target: Target,
    /// Only these events (comma-separated or repeated) among those the plugin subscribes to.
    #[arg(long, value_name = "EVENT", value_delimiter = ',')]
    pub events: Vec<String>,
    /// Claude Code's own timeout for these entries, in seconds (the entry's "timeout"; it also
    /// raises the 1.5 s budget Claude Code gives SessionEnd hooks).
    #[arg(long, value_name = "SECONDS")]
    pub hook_timeout: Option<u64>,
}

#[derive(Args, Debug)]
pub struct UninstallArgs {
    /// The plugin(s), as given to `install` (same list, same order).
    #[arg(long = "plugin", value_name = "PATH", required = true)]
    pub plugins: Vec<PathBuf>,
    #[command(flatten)]
    pub target: Target,
}

/// Which settings file.
#[derive(Args, Debug)]
pub struct Target {
    /// The project's shared settings, `<project>/.claude/settings.json` (the default).
    #[arg(long, conflicts_with_all = ["local", "user"])]
    pub project: bool,
    /// The project's personal settings, `<project>/.claude/settings.local.json` (not committed).
    #[arg(long, conflicts_with = "user")]
    pub local: bool,
    /// Your settings for every project, ~/.claude/settings.json.
    #[arg(long, conflicts_with = "project_dir")]
    pub user: bool,
    /// The project directory (default: the current directory).
    #[arg(long, value_name = "DIR")]
    pub project_dir: Option<PathBuf>,
}

impl Target {
    pub fn settings_file(&self) -> Result<PathBuf, String> {
        if self.user {
            let home = std::env::var_os("HOME")
                .filter(|home| !home.is_empty())
                .ok_or("--user: HOME is not set")?;
            return Ok(PathBuf::from(home).join(".claude/settings.json"));
        }
        let project = match &self.project_dir {
            Some(dir) => std::fs::canonicalize(dir)
                .map_err(|err| format!("--project-dir {}: {err}", dir.display()))?,
            None => std::env::current_dir()
                .map_err(|err| format!("cannot read the current directory: {err}"))?,
        };
        let name = if self.local {
            "settings.local.json"
        } else {
            "settings.json"
        };
        Ok(project.join(".claude").join(name))
    }
}

/// One event to hook, with the matcher its group gets (`None`: no `matcher` key).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Entry {
    pub event: String,
    pub matcher: Option<String>,
}

/// What one installation puts into the settings.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Plan {
    /// The `--plugin` values of the command, in order: they identify the installation.
    pub plugins: Vec<String>,
    pub command: String,
    pub entries: Vec<Entry>,
    /// The entries' `timeout` (seconds), if any.
    pub timeout: Option<u64>,
}

/// `fasthooks-host install`.
pub fn install(args: &InstallArgs, matches: &ArgMatches) -> ExitCode {
    let paths = Paths::resolve(args.hook.home.as_deref());
    crate::logging::init(paths.logs.clone());
    finish(into_rendered(run_install(args, matches, &paths)))
}

/// `fasthooks-host uninstall`.
pub fn uninstall(args: &UninstallArgs) -> ExitCode {
    finish(into_rendered(run_uninstall(args)))
}

fn into_rendered(result: Result<String, String>) -> Rendered {
    match result {
        Ok(stdout) => Rendered {
            stdout,
            stderr: String::new(),
            exit_code: 0,
        },
        Err(message) => error(message),
    }
}

fn run_install(args: &InstallArgs, matches: &ArgMatches, paths: &Paths) -> Result<String, String> {
    let words = command_words(matches)?;
    let file = args.target.settings_file()?;
    let mut subscriptions = Vec::new();
    let mut described = Vec::new();
    for plugin in &words.plugins {
        let (info, _) = crate::commands::describe_plugin(paths, Path::new(&plugin.path))?;
        check_grants(&info.name, plugin, &info.capabilities)?;
        subscriptions.extend(
            info.subscriptions
                .iter()
                .map(|s| (s.event.clone(), s.matcher.clone())),
        );
        described.push(format!("{} {}", info.name, info.version));
    }
    let plan = Plan {
        plugins: words.plugins.iter().map(|p| p.path.clone()).collect(),
        command: command_line(&host_binary()?, &words.words)?,
        entries: entries_for(&subscriptions, &args.events)?,
        timeout: args.hook_timeout,
    };
    if plan.entries.is_empty() {
        return Err(format!(
            "{} subscribes to no event: nothing to install",
            described.join(", ")
        ));
    }
    let (mut settings, original) = read_settings(&file)?;
    let changed = apply_install(&mut settings, &plan).map_err(|err| refuse(&file, &err))?;
    let (backup, mut out) = if changed {
        (
            save(&file, &settings, original.as_deref())?,
            format!("installed {} in {}", described.join(", "), file.display()),
        )
    } else {
        (
            None,
            format!(
                "{} already installed in {}: nothing changed",
                described.join(", "),
                file.display()
            ),
        )
    };
    for entry in &plan.entries {
        out.push_str(&format!(
            "\n  {:<18} {}",
            entry.event,
            entry.matcher.as_deref().unwrap_or("(every)")
        ));
    }
    out.push_str(&format!("\ncommand: {}", plan.command));
    if let Some(backup) = backup {
        out.push_str(&format!("\nprevious file kept as {}", backup.display()));
    }
    Ok(out)
}

fn run_uninstall(args: &UninstallArgs) -> Result<String, String> {
    let cwd = std::env::current_dir().unwrap_or_default();
    // The plugin file may be gone already: fall back to the absolute path as given.
    let plugins: Vec<String> = args
        .plugins
        .iter()
        .map(|p| {
            std::fs::canonicalize(p)
                .unwrap_or_else(|_| cwd.join(p))
                .display()
                .to_string()
        })
        .collect();
    let file = args.target.settings_file()?;
    if !file.exists() {
        return Ok(format!(
            "{} does not exist: nothing to remove",
            file.display()
        ));
    }
    let (mut settings, original) = read_settings(&file)?;
    let removed = apply_uninstall(&mut settings, &plugins).map_err(|err| refuse(&file, &err))?;
    if removed == 0 {
        return Ok(format!(
            "no hook runs {} in {}: nothing to remove",
            plugins.join(" + "),
            file.display()
        ));
    }
    let backup = save(&file, &settings, original.as_deref())?;
    let mut out = format!(
        "removed {removed} hook entr{} for {} from {}",
        if removed == 1 { "y" } else { "ies" },
        plugins.join(" + "),
        file.display()
    );
    if let Some(backup) = backup {
        out.push_str(&format!("\nprevious file kept as {}", backup.display()));
    }
    Ok(out)
}

fn refuse(file: &Path, why: &str) -> String {
    format!("{}: {why}; nothing was changed", file.display())
}

/// `fasthooks-host`, next to the running binary, absolute.
fn host_binary() -> Result<PathBuf, String> {
    let exe =
        std::env::current_exe().map_err(|err| format!("cannot find my own executable: {err}"))?;
    let host = exe.with_file_name(HOST_BINARY);
    std::fs::canonicalize(&host).map_err(|err| {
        format!(
            "{} is missing ({err}): install it next to {}",
            host.display(),
            exe.display()
        )
    })
}

/// One `--plugin` of the install command line with the grants that followed it.
#[derive(Debug, Default)]
struct PluginWords {
    path: String,
    grants: Vec<&'static str>,
}

/// The hook command's arguments, ready to quote, and the plugins among them.
#[derive(Debug, Default)]
struct CommandWords {
    words: Vec<Word>,
    plugins: Vec<PluginWords>,
}

/// One argument of the hook command: a literal, or text the shell must expand (`$VAR`).
#[derive(Debug, Clone, PartialEq, Eq)]
enum Word {
    Literal(String),
    Expand(String),
}

/// The hook arguments given to `install`, in the order given. Plugin paths and directories are
/// made absolute (the hook runs in the session's directory); limits appear only when given.
fn command_words(matches: &ArgMatches) -> Result<CommandWords, String> {
    let cwd = std::env::current_dir().map_err(|err| format!("current directory: {err}"))?;
    // (position on the command line, flag, value)
    let mut found: Vec<(usize, &'static str, Option<String>)> = Vec::new();
    let mut collect = |id: &str, flag: &'static str, takes_value: bool| {
        if matches.value_source(id) != Some(ValueSource::CommandLine) {
            return;
        }
        let indices: Vec<usize> = matches
            .indices_of(id)
            .map(Iterator::collect)
            .unwrap_or_default();
        let values: Vec<Option<String>> = if takes_value {
            matches
                .get_raw(id)
                .into_iter()
                .flatten()
                .map(|v| Some(v.to_string_lossy().into_owned()))
                .collect()
        } else {
            vec![None; indices.len().max(1)]
        };
        for (i, value) in values.into_iter().enumerate() {
            found.push((indices.get(i).copied().unwrap_or(usize::MAX), flag, value));
        }
    };
    collect("plugins", "--plugin", true);
    collect("allow_read", "--allow-read", true);
    collect("allow_write", "--allow-write", true);
    collect("allow_env", "--allow-env", true);
    collect("allow_net", "--allow-net", true);
    collect("allow_agent", "--allow-agent", false);
    collect("sha256", "--sha256", true);
    collect("inline", "--inline", false);
    collect("fail_closed", "--fail-closed", false);
    collect("timeout_ms", "--timeout-ms", true);
    collect("max_memory_mb", "--max-memory-mb", true);
    collect("task_timeout_ms", "--task-timeout-ms", true);
    collect("deadline_ms", "--deadline-ms", true);
    found.sort_by_key(|(at, _, _)| *at);

    let mut out = CommandWords::default();
    for (_, flag, value) in found {
        let per_plugin = flag.starts_with("--allow-") || flag == "--sha256";
        if per_plugin && out.plugins.is_empty() {
            return Err(format!("{flag} must follow the --plugin it applies to"));
        }
        let value = match (flag, value) {
            ("--plugin", Some(path)) => {
                let abs = std::fs::canonicalize(cwd.join(&path))
                    .map_err(|err| format!("--plugin {path}: {err}"))?;
                let abs = utf8(&abs, flag)?;
                out.plugins.push(PluginWords {
                    path: abs.clone(),
                    grants: Vec::new(),
                });
                Some(Word::Literal(abs))
            }
            ("--allow-read" | "--allow-write", Some(dir)) if dir.contains('$') => {
                check_expandable(&dir, flag)?;
                Some(Word::Expand(dir))
            }
            ("--allow-read" | "--allow-write", Some(dir)) => {
                let abs = std::fs::canonicalize(cwd.join(&dir))
                    .map_err(|err| format!("{flag} {dir}: {err}"))?;
                Some(Word::Literal(utf8(&abs, flag)?))
            }
            (_, value) => value.map(Word::Literal),
        };
        if per_plugin {
            out.plugins
                .last_mut()
                .expect("checked above")
                .grants
                .push(flag);
        }
        out.words.push(Word::Literal(flag.to_owned()));
        out.words.extend(value);
    }
    if out.plugins.is_empty() {
        return Err("no plugin given: add --plugin PATH".into());
    }
    Ok(out)
}

fn utf8(path: &Path, flag: &str) -> Result<String, String> {
    path.to_str().map(str::to_owned).ok_or_else(|| {
        format!(
            "{flag} {}: the path is not UTF-8, which settings.json cannot hold",
            path.display()
        )
    })
}

/// A directory the shell expands when the hook runs: only `$NAME` / `${NAME}` references,
/// nothing that would run a command or end the double quotes it is written in.
fn check_expandable(text: &str, flag: &str) -> Result<(), String> {
    let bad = || {
        format!(
            "{flag} {text}: only $NAME or ${{NAME}} may be left for the shell (e.g. \"$CLAUDE_PROJECT_DIR/docs\")"
        )
    };
    if text.contains(['"', '`', '\\']) {
        return Err(bad());
    }
    let mut rest = text;
    while let Some(at) = rest.find('$') {
        rest = &rest[at + 1..];
        let name_len = if let Some(braced) = rest.strip_prefix('{') {
            let end = braced.find('}').ok_or_else(bad)?;
            if !is_name(&braced[..end]) {
                return Err(bad());
            }
            end + 2
        } else {
            let end = rest
                .find(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
                .unwrap_or(rest.len());
            if !is_name(&rest[..end]) {
                return Err(bad());
            }
            end
        };
        rest = &rest[name_len..];
    }
    Ok(())
}

fn is_name(text: &str) -> bool {
    !text.is_empty()
        && !text.starts_with(|c: char| c.is_ascii_digit())
        && text.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
}

/// Refuse a plugin that would be refused at every event for a capability it was not granted.
fn check_grants(name: &str, plugin: &PluginWords, capabilities: &[String]) -> Result<(), String> {
    let has = |flag: &str| plugin.grants.contains(&flag);
    for capability in capabilities {
        let (granted, flag) = match capability.as_str() {
            "read-files" => (
                has("--allow-read") || has("--allow-write"),
                "--allow-read DIR",
            ),
            "write-files" => (has("--allow-write"), "--allow-write DIR"),
            "network" => (has("--allow-net"), "--allow-net HOST[:PORT]"),
            "environment" => (has("--allow-env"), "--allow-env NAME"),
            "agent" => (has("--allow-agent"), "--allow-agent"),
            _ => (true, ""),
        };
        if !granted {
            return Err(format!(
                "plugin {name} ({}) needs the {capability} capability: add {flag} after its --plugin",
                plugin.path
            ));
        }
    }
    Ok(())
}

/// The command line for settings.json: each word quoted for `sh -c` where it needs it.
fn command_line(host: &Path, words: &[Word]) -> Result<String, String> {
    let mut line = shell_quote(&utf8(host, HOST_BINARY)?);
    for word in words {
        line.push(' ');
        match word {
            Word::Literal(text) => line.push_str(&shell_quote(text)),
            Word::Expand(text) => line.push_str(&format!("\"{text}\"")),
        }
    }
    Ok(line)
}

/// `text` as one shell word: bare when it is plainly safe, otherwise in single quotes.
pub fn shell_quote(text: &str) -> String {
    let safe = !text.is_empty()
        && text
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "_@%+=:,./-".contains(c));
    if safe {
        text.to_owned()
    } else {
        format!("'{}'", text.replace('\'', r#"'\''"#))
    }
}

/// Split a `sh -c` command into words, undoing quotes and escapes (no expansion). Stops at the
/// first unquoted `;`, `&`, `|`, `<`, `>` or newline: only the first simple command matters here.
pub fn shell_words(command: &str) -> Vec<String> {
    let mut words = Vec::new();
    let mut word: Option<String> = None;
    let mut chars = command.chars();
    while let Some(c) = chars.next() {
        match c {
            ' ' | '\t' => {
                words.extend(word.take());
            }
            ';' | '&' | '|' | '<' | '>' | '\n' => break,
            '\'' => {
                let w = word.get_or_insert_with(String::new);
                for c in chars.by_ref() {
                    if c == '\'' {
                        break;
                    }
                    w.push(c);
                }
            }
            '"' => {
                let w = word.get_or_insert_with(String::new);
                while let Some(c) = chars.next() {
                    match c {
                        '"' => break,
                        '\\' => match chars.next() {
                            Some(next @ ('$' | '`' | '"' | '\\')) => w.push(next),
                            Some('\n') => {}
                            Some(other) => {
                                w.push('\\');
                                w.push(other);
                            }
                            None => w.push('\\'),
                        },
                        other => w.push(other),
                    }
                }
            }
            '\\' => {
                if let Some(next) = chars.next()
                    && next != '\n'
                {
                    word.get_or_insert_with(String::new).push(next);
                }
            }
            other => word.get_or_insert_with(String::new).push(other),
        }
    }
    words.extend(word);
    words
}

/// The `--plugin` list of a command that runs `fasthooks-host`, or `None` for any other command.
pub fn plugins_of_command(command: &str) -> Option<Vec<String>> {
    let words = shell_words(command);
    let program = words.first()?;
    if Path::new(program).file_name()? != HOST_BINARY {
        return None;
    }
    let mut plugins = Vec::new();
    let mut rest = words[1..].iter();
    while let Some(word) = rest.next() {
        if word == "--plugin" {
            plugins.extend(rest.next().cloned());
        } else if let Some(path) = word.strip_prefix("--plugin=") {
            plugins.push(path.to_owned());
        }
    }
    Some(plugins)
}

/// The entries for a list of (event, matcher) subscriptions, restricted to `only` when given.
pub fn entries_for(
    subscriptions: &[(String, String)],
    only: &[String],
) -> Result<Vec<Entry>, String> {
    let only: Vec<&str> = only
        .iter()
        .map(|e| e.trim())
        .filter(|e| !e.is_empty())
        .collect();
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
            return Err(format!(
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
            matcher: if crate::protocol::supports_matcher(&event) {
                union_matcher(&matchers)
            } else {
                None
            },
            event,
        })
        .collect())
}

/// One settings.json matcher that accepts whatever any of `matchers` accepts (`None`: all).
pub fn union_matcher(matchers: &[String]) -> Option<String> {
    let mut distinct: Vec<&str> = Vec::new();
    for m in matchers.iter().map(|m| m.trim()) {
        if m.is_empty() || m == "*" {
            return None;
        }
        if !distinct.contains(&m) {
            distinct.push(m);
        }
    }
    match distinct.as_slice() {
        [] => None,
        [one] => Some((*one).to_owned()),
        several => {
            let parsed: Vec<Option<Vec<String>>> = several
                .iter()
                .map(|m| match Matcher::parse(m) {
                    Ok(Matcher::Exact(names)) => Some(names),
                    _ => None,
                })
                .collect();
            if parsed.iter().all(Option::is_some) {
                let mut names: Vec<String> = Vec::new();
                for name in parsed.into_iter().flatten().flatten() {
                    if !names.contains(&name) {
                        names.push(name);
                    }
                }
                return Some(names.join("|"));
            }
            let alternatives: Vec<String> = several
                .iter()
                .zip(parsed)
                .map(|(m, exact)| match exact {
                    Some(names) => format!("^(?:{})$", names.join("|")),
                    None => format!("(?:{m})"),
                })
                .collect();
            Some(alternatives.join("|"))
        }
    }
}

/// Is this hook handler one that runs exactly `plugins`?
fn is_ours(handler: &Value, plugins: &[String]) -> bool {
    handler.get("type").and_then(Value::as_str) == Some("command")
        && handler
            .get("command")
            .and_then(Value::as_str)
            .and_then(plugins_of_command)
            .is_some_and(|found| found == plugins)
}

fn group_matcher_is(group: &Map<String, Value>, wanted: Option<&str>) -> bool {
    match (group.get("matcher"), wanted) {
        (None, None) => true,
        (Some(Value::String(m)), None) => m.is_empty(),
        (Some(Value::String(m)), Some(w)) => m == w,
        _ => false,
    }
}

/// Merge `plan` into the settings. Returns whether anything changed.
pub fn apply_install(settings: &mut Value, plan: &Plan) -> Result<bool, String> {
    let before = settings.clone();
    let root = settings
        .as_object_mut()
        .ok_or("the settings are not a JSON object")?;
    let mut placed: Vec<String> = Vec::new();
    let wanted = |event: &str| plan.entries.iter().find(|e| e.event == event);
    remove_handlers(root, &plan.plugins, |event, group, handler| {
        let Some(entry) = wanted(event) else {
            return false;
        };
        if placed.iter().any(|e| e == event) || !group_matcher_is(group, entry.matcher.as_deref()) {
            return false;
        }
        placed.push(event.to_owned());
        handler.insert("command".into(), plan.command.clone().into());
        if let Some(timeout) = plan.timeout {
            handler.insert("timeout".into(), timeout.into());
        }
        true
    })?;
    for entry in plan.entries.iter().filter(|e| !placed.contains(&e.event)) {
        let hooks = root
            .entry("hooks")
            .or_insert_with(|| Value::Object(Map::new()))
            .as_object_mut()
            .ok_or("\"hooks\" is not an object")?;
        let groups = hooks
            .entry(entry.event.clone())
            .or_insert_with(|| Value::Array(Vec::new()))
            .as_array_mut()
            .ok_or_else(|| format!("\"hooks.{}\" is not a list", entry.event))?;
        let mut handler = json!({"type": "command", "command": plan.command});
        if let Some(timeout) = plan.timeout {
            handler["timeout"] = timeout.into();
        }
        let mut group = Map::new();
        if let Some(matcher) = &entry.matcher {
            group.insert("matcher".into(), matcher.clone().into());
        }
        group.insert("hooks".into(), json!([handler]));
        groups.push(Value::Object(group));
    }
    Ok(*settings != before)
}

/// Remove every handler that runs exactly `plugins`. Returns how many were removed.
pub fn apply_uninstall(settings: &mut Value, plugins: &[String]) -> Result<usize, String> {
    let root = settings
        .as_object_mut()
        .ok_or("the settings are not a JSON object")?;
    remove_handlers(root, plugins, |_, _, _| false)
}

/// Walk the handlers that run exactly `plugins`; `keep` may update one in place and keep it,
/// the others are removed, with the groups, event lists and `hooks` object left empty by that.
fn remove_handlers(
    root: &mut Map<String, Value>,
    plugins: &[String],
    mut keep: impl FnMut(&str, &Map<String, Value>, &mut Map<String, Value>) -> bool,
) -> Result<usize, String> {
    let Some(hooks) = root.get_mut("hooks") else {
        return Ok(0);
    };
    let hooks = hooks.as_object_mut().ok_or("\"hooks\" is not an object")?;
    let mut removed = 0;
    let mut emptied_events = Vec::new();
    for (event, groups) in hooks.iter_mut() {
        let Some(groups) = groups.as_array_mut() else {
            continue;
        };
        let mut removed_here = 0;
        let mut index = 0;
        while index < groups.len() {
            let Some(group) = groups[index].as_object_mut() else {
                index += 1;
                continue;
            };
            let Some(Value::Array(handlers)) = group.get("hooks") else {
                index += 1;
                continue;
            };
            let mut handlers = handlers.clone();
            let before = handlers.len();
            let mut position = 0;
            while position < handlers.len() {
                if !is_ours(&handlers[position], plugins) {
                    position += 1;
                    continue;
                }
                let handler = handlers[position]
                    .as_object_mut()
                    .expect("a command handler is an object");
                if keep(event, group, handler) {
                    position += 1;
                } else {
                    handlers.remove(position);
                }
            }
            let gone = before - handlers.len();
            removed_here += gone;
            if gone > 0 && handlers.is_empty() {
                groups.remove(index);
                continue;
            }
            group.insert("hooks".into(), Value::Array(handlers));
            index += 1;
        }
        if removed_here > 0 && groups.is_empty() {
            emptied_events.push(event.clone());
        }
        removed += removed_here;
    }
    for event in &emptied_events {
        hooks.shift_remove(event);
    }
    if !emptied_events.is_empty() && hooks.is_empty() {
        root.shift_remove("hooks");
    }
    Ok(removed)
}

/// The settings (an empty object for a missing or blank file) and the text they came from.
fn read_settings(file: &Path) -> Result<(Value, Option<String>), String> {
    let text = match std::fs::read_to_string(file) {
        Ok(text) => text,
        Err(err) if err.kind() == std::io::ErrorKind::NotFound => {
            return Ok((Value::Object(Map::new()), None));
        }
        Err(err) => return Err(format!("cannot read {}: {err}", file.display())),
    };
    if text.trim().is_empty() {
        return Ok((Value::Object(Map::new()), Some(text)));
    }
    let value: Value = serde_json::from_str(&text).map_err(|err| {
        format!(
            "{} is not valid JSON ({err}); fix it or move it away, nothing was changed",
            file.display()
        )
    })?;
    if !value.is_object() {
        return Err(refuse(file, "the settings are not a JSON object"));
    }
    Ok((value, Some(text)))
}

/// The indentation unit of a JSON text (two spaces when it has none).
fn indentation(text: &str) -> String {
    text.lines()
        .skip(1)
        .map(|line| {
            let trimmed = line.trim_start_matches([' ', '\t']);
            &line[..line.len() - trimmed.len()]
        })
        .find(|indent| !indent.is_empty())
        .filter(|indent| indent.chars().all(|c| c == ' ') || indent.chars().all(|c| c == '\t'))
        .unwrap_or("  ")
        .to_owned()
}

/// Pretty-print `settings` the way `original` was indented.
pub fn render_settings(settings: &Value, original: Option<&str>) -> String {
    use serde::Serialize;
    let indent = indentation(original.unwrap_or(""));
    let mut out = Vec::new();
    let formatter = serde_json::ser::PrettyFormatter::with_indent(indent.as_bytes());
    let mut serializer = serde_json::Serializer::with_formatter(&mut out, formatter);
    settings
        .serialize(&mut serializer)
        .expect("a JSON value serializes");
    let mut text = String::from_utf8(out).expect("JSON is UTF-8");
    text.push('\n');
    text
}

/// Write the settings: the old file to `<file>.bak` (returned), the new one through a temporary
/// file and a rename.
fn save(file: &Path, settings: &Value, original: Option<&str>) -> Result<Option<PathBuf>, String> {
    let text = render_settings(settings, original);
    let dir = file
        .parent()
        .ok_or_else(|| format!("{} has no directory", file.display()))?;
    std::fs::create_dir_all(dir)
        .map_err(|err| format!("cannot create {}: {err}", dir.display()))?;
    let backup = match original {
        Some(_) => {
            let backup = PathBuf::from(format!("{}.bak", file.display()));
            std::fs::copy(file, &backup).map_err(|err| {
                format!(
                    "cannot back up {} to {}: {err}",
                    file.display(),
                    backup.display()
                )
            })?;
            Some(backup)
        }
        None => None,
    };
    let name = file
        .file_name()
        .and_then(|n| n.to_str())
        .unwrap_or("settings.json");
    let temp = dir.join(format!(".{name}.{}.tmp", std::process::id()));
    let written = (|| {
        use std::io::Write;
        let mut out = std::fs::File::create(&temp)?;
        if let Ok(meta) = std::fs::metadata(file) {
            out.set_permissions(meta.permissions())?;
        }
        out.write_all(text.as_bytes())?;
        out.sync_all()?;
        std::fs::rename(&temp, file)
    })();
    if let Err(err) = written {
        let _ = std::fs::remove_file(&temp);
        return Err(format!("cannot write {}: {err}", file.display()));
    }
    Ok(backup)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn plan(plugin: &str, entries: &[(&str, Option<&str>)]) -> Plan {
        Plan {
            plugins: vec![plugin.to_owned()],
            command: format!("/opt/fh/fasthooks-host --plugin {plugin}"),
            entries: entries
                .iter()
                .map(|(event, matcher)| Entry {
                    event: (*event).to_owned(),
                    matcher: matcher.map(str::to_owned),
                })
                .collect(),
            timeout: None,
        }
    }

    fn guard_plan() -> Plan {
        plan("/p/guard.wasm", &[("PreToolUse", Some("Bash"))])
    }

    fn text(value: &Value) -> String {
        render_settings(value, None)
    }

    #[test]
    fn installs_into_empty_settings() {
        let mut settings = json!({});
        assert!(apply_install(&mut settings, &guard_plan()).unwrap());
        assert_eq!(
            settings,
            json!({"hooks": {"PreToolUse": [{"matcher": "Bash", "hooks": [
                {"type": "command", "command": "/opt/fh/fasthooks-host --plugin /p/guard.wasm"}]}]}})
        );
        // Keys in the order Claude Code's docs write them.
        assert!(
            text(&settings).find("\"matcher\"").unwrap()
                < text(&settings).find("\"hooks\": [").unwrap()
        );
    }

    #[test]
    fn keeps_every_other_key_and_entry_in_place() {
        let original = r#"{
  "model": "opus",
  "hooks": {
    "Stop": [{"hooks": [{"type": "command", "command": "notify-send done"}]}],
    "PreToolUse": [
      {"matcher": "Bash", "hooks": [{"type": "command", "command": "my-linter"}]},
      {"matcher": "Write", "hooks": [{"type": "command", "command": "fmt"}]}
    ]
  },
  "permissions": {"allow": ["Bash(ls:*)"], "deny": []},
  "env": {"Z": "1", "A": "2"}
}"#;
        let mut settings: Value = serde_json::from_str(original).unwrap();
        apply_install(&mut settings, &guard_plan()).unwrap();
        let keys: Vec<&String> = settings.as_object().unwrap().keys().collect();
        assert_eq!(keys, ["model", "hooks", "permissions", "env"]);
        let env_keys: Vec<&String> = settings["env"].as_object().unwrap().keys().collect();
        assert_eq!(env_keys, ["Z", "A"], "not sorted");
        let events: Vec<&String> = settings["hooks"].as_object().unwrap().keys().collect();
        assert_eq!(events, ["Stop", "PreToolUse"]);
        let groups = settings["hooks"]["PreToolUse"].as_array().unwrap();
        assert_eq!(groups.len(), 3, "a group of its own, appended");
        assert_eq!(groups[0]["hooks"][0]["command"], "my-linter");
        assert_eq!(groups[1]["hooks"][0]["command"], "fmt");
        assert_eq!(groups[2]["hooks"][0]["command"], guard_plan().command);
    }

    #[test]
    fn installing_twice_changes_nothing() {
        let mut settings = json!({"hooks": {"PreToolUse": [{"matcher": "Bash", "hooks": [{"type": "command", "command": "x"}]}]}});
        assert!(apply_install(&mut settings, &guard_plan()).unwrap());
        let once = settings.clone();
        assert!(!apply_install(&mut settings, &guard_plan()).unwrap());
        assert_eq!(text(&settings), text(&once));
    }

    #[test]
    fn installing_again_with_other_grants_updates_in_place() {
        let mut settings = json!({});
        apply_install(&mut settings, &guard_plan()).unwrap();
        settings["hooks"]["PreToolUse"]
            .as_array_mut()
            .unwrap()
            .push(json!({"matcher": "Edit", "hooks": [{"type": "command", "command": "later"}]}));
        let mut again = guard_plan();
        again.command.push_str(" --fail-closed");
        again.timeout = Some(5);
        assert!(apply_install(&mut settings, &again).unwrap());
        let groups = settings["hooks"]["PreToolUse"].as_array().unwrap();
        assert_eq!(groups.len(), 2);
        assert_eq!(groups[0]["hooks"][0]["command"], again.command);
        assert_eq!(groups[0]["hooks"][0]["timeout"], 5);
        assert_eq!(groups[1]["hooks"][0]["command"], "later");
    }

    #[test]
    fn a_changed_subscription_moves_the_entry() {
        let mut settings = json!({});
        apply_install(
            &mut settings,
            &plan("/p/a.wasm", &[("PreToolUse", Some("Bash")), ("Stop", None)]),
        )
        .unwrap();
        apply_install(
            &mut settings,
            &plan("/p/a.wasm", &[("PreToolUse", Some("Bash|Write"))]),
        )
        .unwrap();
        assert_eq!(
            settings,
            json!({"hooks": {"PreToolUse": [{"matcher": "Bash|Write", "hooks": [
                {"type": "command", "command": "/opt/fh/fasthooks-host --plugin /p/a.wasm"}]}]}})
        );
    }

    #[test]
    fn two_plugins_side_by_side() {
        let mut settings = json!({});
        apply_install(&mut settings, &guard_plan()).unwrap();
        let rules = plan(
            "/p/rules.wasm",
            &[("PreToolUse", Some("Bash")), ("Stop", None)],
        );
        apply_install(&mut settings, &rules).unwrap();
        assert_eq!(settings["hooks"]["PreToolUse"].as_array().unwrap().len(), 2);
        assert_eq!(
            apply_uninstall(&mut settings, &["/p/guard.wasm".into()]).unwrap(),
            1
        );
        let mut only_rules = json!({});
        apply_install(&mut only_rules, &rules).unwrap();
        assert_eq!(settings, only_rules);
    }

    #[test]
    fn uninstall_removes_exactly_what_install_added() {
        let original = r#"{
  "hooks": {
    "PreToolUse": [
      {"matcher": "Bash", "hooks": [
        {"type": "command", "command": "my-linter"},
        {"type": "command", "command": "/elsewhere/fasthooks-host --plugin /p/other.wasm"},
        {"type": "command", "command": "/opt/fh/fasthooks-host --plugin /p/guard.wasm --plugin /p/more.wasm"}
      ]}
    ]
  },
  "theme": "dark"
}"#;
        let before: Value = serde_json::from_str(original).unwrap();
        let mut settings = before.clone();
        let combined = plan(
            "/p/guard.wasm",
            &[("PreToolUse", Some("Bash")), ("UserPromptSubmit", None)],
        );
        apply_install(&mut settings, &combined).unwrap();
        assert_eq!(settings["hooks"]["PreToolUse"].as_array().unwrap().len(), 2);
        assert_eq!(
            apply_uninstall(&mut settings, &combined.plugins).unwrap(),
            2
        );
        assert_eq!(text(&settings), text(&before));
        assert_eq!(
            apply_uninstall(&mut settings, &combined.plugins).unwrap(),
            0
        );
    }

    #[test]
    fn uninstall_drops_what_it_emptied_and_nothing_else() {
        let mut settings = json!({"hooks": {}, "x": 1});
        apply_install(&mut settings, &guard_plan()).unwrap();
        apply_uninstall(&mut settings, &guard_plan().plugins).unwrap();
        assert_eq!(settings, json!({"x": 1}));

        let mut settings = json!({"hooks": {"Stop": []}});
        apply_install(&mut settings, &guard_plan()).unwrap();
        apply_uninstall(&mut settings, &guard_plan().plugins).unwrap();
        assert_eq!(
            settings,
            json!({"hooks": {"Stop": []}}),
            "an empty list the user had stays"
        );
    }

    #[test]
    fn a_handler_the_user_put_in_a_shared_group_is_updated_there() {
        let mut settings = json!({"hooks": {"PreToolUse": [{"matcher": "Bash", "hooks": [
            {"type": "command", "command": "first"},
            {"type": "command", "command": "'/opt/fh/fasthooks-host' --plugin=/p/guard.wasm", "statusMessage": "guarding"}
        ]}]}});
        assert!(apply_install(&mut settings, &guard_plan()).unwrap());
        let handlers = settings["hooks"]["PreToolUse"][0]["hooks"]
            .as_array()
            .unwrap();
        assert_eq!(handlers.len(), 2);
        assert_eq!(handlers[1]["command"], guard_plan().command);
        assert_eq!(
            handlers[1]["statusMessage"], "guarding",
            "extra fields kept"
        );
        assert_eq!(settings["hooks"]["PreToolUse"].as_array().unwrap().len(), 1);
    }

    #[test]
    fn refuses_shapes_it_cannot_merge_into() {
        assert!(apply_install(&mut json!([]), &guard_plan()).is_err());
        let err = apply_install(&mut json!({"hooks": []}), &guard_plan()).unwrap_err();
        assert!(err.contains("\"hooks\" is not an object"), "{err}");
        let err =
            apply_install(&mut json!({"hooks": {"PreToolUse": {}}}), &guard_plan()).unwrap_err();
        assert!(err.contains("hooks.PreToolUse"), "{err}");
        // Entries of other shapes are left alone.
        let mut odd = json!({"hooks": {"PreToolUse": ["text", {"matcher": "Bash"}]}});
        apply_install(&mut odd, &guard_plan()).unwrap();
        assert_eq!(odd["hooks"]["PreToolUse"][0], "text");
        assert_eq!(odd["hooks"]["PreToolUse"][1], json!({"matcher": "Bash"}));
    }

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
        let err = entries_for(&subs(&[("Stop", "")]), &["PreToolUse".into()]).unwrap_err();
        assert!(
            err.contains("does not subscribe") && err.contains("Stop"),
            "{err}"
        );

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

    #[test]
    fn united_matchers_accept_what_each_accepts() {
        let cases: &[(&[&str], Option<&str>)] = &[
            (&["Bash"], Some("Bash")),
            (&["Bash", "Bash"], Some("Bash")),
            (&["Bash", "*"], None),
            (&["Edit|Write", "Write, Bash"], Some("Edit|Write|Bash")),
            (&["Bash", "mcp__.*"], Some("^(?:Bash)$|(?:mcp__.*)")),
        ];
        for (input, expected) in cases {
            let owned: Vec<String> = input.iter().map(|s| (*s).to_owned()).collect();
            assert_eq!(union_matcher(&owned).as_deref(), *expected, "{input:?}");
        }
        let united = Matcher::parse("^(?:Bash)$|(?:mcp__.*)").unwrap();
        for (subject, hit) in [
            ("Bash", true),
            ("mcp__x__y", true),
            ("BashX", false),
            ("Write", false),
        ] {
            assert_eq!(united.matches(Some(subject)), hit, "{subject}");
        }
    }

    #[test]
    fn quoting_round_trips_through_the_reader() {
        for path in [
            "/a/b.wasm",
            "/with space/p.wasm",
            "/it's/p.wasm",
            "/x/$HOME/p.wasm",
        ] {
            let command = format!(
                "{} --plugin {} --allow-read /tmp",
                shell_quote("/opt/fasthooks-host"),
                shell_quote(path)
            );
            assert_eq!(
                plugins_of_command(&command),
                Some(vec![path.to_owned()]),
                "{command}"
            );
        }
        assert_eq!(shell_quote("/plain/path-1.wasm"), "/plain/path-1.wasm");
        assert_eq!(shell_quote("a b"), "'a b'");
        assert_eq!(
            shell_words(r#"fasthooks-host --plugin "/a \"q\"/p.wasm" x\ y; rm -rf /"#),
            vec!["fasthooks-host", "--plugin", "/a \"q\"/p.wasm", "x y"]
        );
        assert_eq!(plugins_of_command("my-hook --plugin /p/guard.wasm"), None);
        assert_eq!(
            plugins_of_command("sh -c 'fasthooks-host --plugin /p'"),
            None
        );
    }

    #[test]
    fn expandable_directories() {
        assert!(check_expandable("$CLAUDE_PROJECT_DIR", "--allow-read").is_ok());
        assert!(check_expandable("${CLAUDE_PROJECT_DIR}/docs", "--allow-read").is_ok());
        for bad in ["$(rm -rf /)", "$CLAUDE_PROJECT_DIR\"x", "`x`", "${}", "$1"] {
            assert!(check_expandable(bad, "--allow-read").is_err(), "{bad}");
        }
        let line = command_line(
            Path::new("/opt/fasthooks-host"),
            &[
                Word::Literal("--allow-read".into()),
                Word::Expand("$CLAUDE_PROJECT_DIR/docs".into()),
            ],
        )
        .unwrap();
        assert_eq!(
            line,
            "/opt/fasthooks-host --allow-read \"$CLAUDE_PROJECT_DIR/docs\""
        );
    }

    #[test]
    fn capabilities_need_their_grants() {
        let plugin = |grants: &[&'static str]| PluginWords {
            path: "/p/x.wasm".into(),
            grants: grants.to_vec(),
        };
        let needs =
            |list: &[&str]| -> Vec<String> { list.iter().map(|c| (*c).to_owned()).collect() };
        assert!(check_grants("x", &plugin(&[]), &[]).is_ok());
        let err = check_grants("x", &plugin(&[]), &needs(&["read-files"])).unwrap_err();
        assert!(
            err.contains("--allow-read DIR") && err.contains("/p/x.wasm"),
            "{err}"
        );
        assert!(
            check_grants(
                "x",
                &plugin(&["--allow-write"]),
                &needs(&["read-files", "write-files"])
            )
            .is_ok()
        );
        assert!(check_grants("x", &plugin(&["--allow-read"]), &needs(&["write-files"])).is_err());
        assert!(
            check_grants(
                "x",
                &plugin(&["--allow-net", "--allow-env", "--allow-agent"]),
                &needs(&["network", "environment", "agent"])
            )
            .is_ok()
        );
        assert!(check_grants("x", &plugin(&["--allow-net"]), &needs(&["agent"])).is_err());
    }

    #[test]
    fn rendering_keeps_the_indentation() {
        let value = json!({"a": {"b": 1}});
        assert_eq!(
            render_settings(&value, None),
            "{\n  \"a\": {\n    \"b\": 1\n  }\n}\n"
        );
        assert_eq!(
            render_settings(&value, Some("{\n    \"x\": 1\n}")),
            "{\n    \"a\": {\n        \"b\": 1\n    }\n}\n"
        );
        assert_eq!(
            render_settings(&value, Some("{\n\t\"x\": 1\n}")),
            "{\n\t\"a\": {\n\t\t\"b\": 1\n\t}\n}\n"
        );
        assert_eq!(
            render_settings(&value, Some("{\"x\": 1}")),
            "{\n  \"a\": {\n    \"b\": 1\n  }\n}\n"
        );
    }
}
