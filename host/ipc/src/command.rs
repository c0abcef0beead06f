//! The hook command line, as Claude Code runs it from settings.json:
//!
//! ```text
//! fasthooks-host --plugin guard.wasm --plugin review.wasm --allow-read "$CLAUDE_PROJECT_DIR"
//! ```
//!
//! Grants (`--allow-*`, `--sha256`) apply to the `--plugin` they follow, so each plugin gets only
//! what the user wrote next to it. [`HookCommand::parse`] pairs them by position and
//! [`HookCommand::to_args`] writes the same command back (what `install` puts into
//! settings.json): one function and its inverse. [`HookCommand::resolve`] turns the command
//! into the [`HookRequest`] the engine runs: absolute directories, environment values read,
//! default limits filled in.

use crate::request::{Grants, HookRequest, Limits, PluginSpec};
use clap::{ArgAction, ArgMatches, Args};
use std::path::{Path, PathBuf};
use std::time::Duration;

/// The hook arguments, as clap parses them (positions are taken from the [`ArgMatches`]).
#[derive(Args, Debug, Clone, Default)]
pub struct HookArgs {
    /// A plugin component (.wasm). Repeat for several; they run side by side and their
    /// answers merge in this order.
    #[arg(long = "plugin", value_name = "PATH")]
    plugins: Vec<PathBuf>,
    /// Let the preceding plugin read DIR (and below). Repeatable.
    #[arg(long, value_name = "DIR")]
    allow_read: Vec<PathBuf>,
    /// Let the preceding plugin read and write DIR (and below). Repeatable.
    #[arg(long, value_name = "DIR")]
    allow_write: Vec<PathBuf>,
    /// Let the preceding plugin see environment variable NAME. Repeatable.
    #[arg(long, value_name = "NAME")]
    allow_env: Vec<String>,
    /// Let the preceding plugin open TCP connections to HOST[:PORT] (port 443 if omitted).
    #[arg(long, value_name = "HOST[:PORT]")]
    allow_net: Vec<String>,
    /// Let the preceding plugin send HTTP requests under URL (scheme, host, optional port and
    /// path prefix, e.g. https://docs.rs). Repeatable.
    #[arg(long, value_name = "URL")]
    allow_http: Vec<String>,
    /// Most HTTP requests the preceding plugin may start per minute [default: 60].
    #[arg(long, value_name = "N")]
    http_per_minute: Vec<u32>,
    /// Let the preceding plugin's write grants change `.claude/` and `.git/`, where Claude Code
    /// and git find commands to run (read-only inside write grants without this).
    #[arg(long, num_args = 0, default_missing_value = "true", action = ArgAction::Append)]
    allow_write_claude_and_git: Vec<bool>,
    /// Let the preceding plugin start Claude sub-agents (with no tools, unless
    /// --allow-agent-tools gives some).
    #[arg(long, num_args = 0, default_missing_value = "true", action = ArgAction::Append)]
    allow_agent: Vec<bool>,
    /// Tools the preceding plugin's sub-agents may use, comma-separated (e.g. Read,Grep,Glob).
    #[arg(long, value_name = "TOOLS")]
    allow_agent_tools: Vec<String>,
    /// Most turns one sub-agent query of the preceding plugin may take [default: 10].
    #[arg(long, value_name = "N")]
    agent_max_turns: Vec<u32>,
    /// Most one sub-agent query of the preceding plugin may spend, in USD [default: 1].
    #[arg(long, value_name = "USD")]
    agent_max_budget_usd: Vec<String>,
    /// Refuse the preceding plugin unless its SHA-256 is HEX.
    #[arg(long, value_name = "HEX")]
    sha256: Vec<String>,
    /// Run in this process instead of the per-user daemon.
    #[arg(long)]
    pub inline: bool,
    /// When a plugin fails on a permission event, deny instead of letting the call through.
    #[arg(long)]
    fail_closed: bool,
    /// How long one plugin may take to handle an event before it is stopped [default: 10000].
    #[arg(long, value_name = "MS")]
    timeout_ms: Option<u64>,
    /// Linear memory limit per plugin instance [default: 256].
    #[arg(long, value_name = "MB")]
    max_memory_mb: Option<usize>,
    /// How long one background task may run before it is stopped (and failed) [default: 300000].
    #[arg(long, value_name = "MS")]
    task_timeout_ms: Option<u64>,
    /// The whole hook call, waits on tasks included, answers within this [default: 54000,
    /// below Claude Code's 60 s hook timeout].
    #[arg(long, value_name = "MS")]
    deadline_ms: Option<u64>,
    /// Put cache, store, socket and logs under DIR instead of the XDG directories.
    #[arg(long, env = crate::paths::HOME_ENV, value_name = "DIR")]
    pub home: Option<PathBuf>,
}

/// One grant of a plugin, as written.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Grant {
    Read(PathBuf),
    Write(PathBuf),
    Env(String),
    Net(String),
    Http(String),
    HttpPerMinute(u32),
    WriteClaudeAndGit,
    Agent,
    AgentTools(String),
    AgentMaxTurns(u32),
    AgentMaxBudgetUsd(String),
    Sha256(String),
}

impl Grant {
    pub fn flag(&self) -> &'static str {
        match self {
            Grant::Read(_) => "--allow-read",
            Grant::Write(_) => "--allow-write",
            Grant::Env(_) => "--allow-env",
            Grant::Net(_) => "--allow-net",
            Grant::Http(_) => "--allow-http",
            Grant::HttpPerMinute(_) => "--http-per-minute",
            Grant::WriteClaudeAndGit => "--allow-write-claude-and-git",
            Grant::Agent => "--allow-agent",
            Grant::AgentTools(_) => "--allow-agent-tools",
            Grant::AgentMaxTurns(_) => "--agent-max-turns",
            Grant::AgentMaxBudgetUsd(_) => "--agent-max-budget-usd",
            Grant::Sha256(_) => "--sha256",
        }
    }

    /// The kind of grant it is, for the capability table; `None` for a setting that grants
    /// nothing by itself (a cap, a pin, the `.claude/` switch).
    pub fn kind(&self) -> Option<crate::request::GrantKind> {
        use crate::request::GrantKind;
        match self {
            Grant::Read(_) => Some(GrantKind::Read),
            Grant::Write(_) => Some(GrantKind::Write),
            Grant::Env(_) => Some(GrantKind::Env),
            Grant::Net(_) => Some(GrantKind::Net),
            Grant::Http(_) => Some(GrantKind::Http),
            Grant::Agent => Some(GrantKind::Agent),
            Grant::WriteClaudeAndGit
            | Grant::HttpPerMinute(_)
            | Grant::AgentTools(_)
            | Grant::AgentMaxTurns(_)
            | Grant::AgentMaxBudgetUsd(_)
            | Grant::Sha256(_) => None,
        }
    }

    /// The grant's value as written after its flag (`None` for a bare flag).
    pub fn value(&self) -> Option<String> {
        match self {
            Grant::Read(dir) | Grant::Write(dir) => Some(dir.display().to_string()),
            Grant::Env(text)
            | Grant::Net(text)
            | Grant::Http(text)
            | Grant::AgentTools(text)
            | Grant::AgentMaxBudgetUsd(text)
            | Grant::Sha256(text) => Some(text.clone()),
            Grant::AgentMaxTurns(n) | Grant::HttpPerMinute(n) => Some(n.to_string()),
            Grant::WriteClaudeAndGit | Grant::Agent => None,
        }
    }
}

/// One `--plugin` with its grants in the order given.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PluginArgs {
    pub path: PathBuf,
    pub grants: Vec<Grant>,
}

/// A hook command line, as written (nothing resolved).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct HookCommand {
    pub plugins: Vec<PluginArgs>,
    pub inline: bool,
    pub fail_closed: bool,
    pub timeout_ms: Option<u64>,
    pub max_memory_mb: Option<usize>,
    pub task_timeout_ms: Option<u64>,
    pub deadline_ms: Option<u64>,
}

/// A hook command that cannot run, named with the flag to fix.
#[derive(Debug, thiserror::Error)]
pub enum CommandError {
    /// Also what a Claude Code older than 2.1.139 makes of an exec-form entry: it runs the
    /// `command` alone, without its `args`.
    #[error(
        "no plugin given: add --plugin PATH (see fasthooks-host --help); a hook entry with \
         \"args\" needs Claude Code 2.1.139 or later: upgrade it, or install again with \
         --command-form shell"
    )]
    NoPlugin,
    #[error("{flag} must follow the --plugin it applies to")]
    GrantBeforePlugin { flag: &'static str },
    #[error("--sha256 given twice for --plugin {}", plugin.display())]
    Sha256Twice { plugin: PathBuf },
    #[error("{flag} {}: {source}", dir.display())]
    Directory {
        flag: &'static str,
        dir: PathBuf,
        source: std::io::Error,
    },
    #[error(
        "{flag} {}: {} is a symbolic link; grant the directory by its real path ({}), so that \
         nothing that can write there can redirect the grant",
        dir.display(), link.display(), real.display()
    )]
    ThroughSymlink {
        flag: &'static str,
        dir: PathBuf,
        link: PathBuf,
        real: PathBuf,
    },
    #[error("{flag} {value}: {why}")]
    BadGrant {
        flag: &'static str,
        value: String,
        why: String,
    },
    #[error("{flag} {value}: {why}")]
    BadValue {
        flag: &'static str,
        value: String,
        why: &'static str,
    },
}

impl HookCommand {
    /// Pair each grant with the `--plugin` it follows, by position on the command line.
    pub fn parse(args: &HookArgs, matches: &ArgMatches) -> Result<HookCommand, CommandError> {
        let positions = |id: &str| -> Vec<usize> {
            matches
                .indices_of(id)
                .map(Iterator::collect)
                .unwrap_or_default()
        };
        let plugin_positions = positions("plugins");
        let mut grants: Vec<(usize, Grant)> = Vec::new();
        let mut collect = |id: &str, make: &mut dyn Iterator<Item = Grant>| {
            grants.extend(positions(id).into_iter().zip(make));
        };
        collect(
            "allow_read",
            &mut args.allow_read.iter().cloned().map(Grant::Read),
        );
        collect(
            "allow_write",
            &mut args.allow_write.iter().cloned().map(Grant::Write),
        );
        collect(
            "allow_env",
            &mut args.allow_env.iter().cloned().map(Grant::Env),
        );
        collect(
            "allow_net",
            &mut args.allow_net.iter().cloned().map(Grant::Net),
        );
        collect(
            "allow_http",
            &mut args.allow_http.iter().cloned().map(Grant::Http),
        );
        collect(
            "http_per_minute",
            &mut args
                .http_per_minute
                .iter()
                .copied()
                .map(Grant::HttpPerMinute),
        );
        collect(
            "allow_write_claude_and_git",
            &mut args
                .allow_write_claude_and_git
                .iter()
                .map(|_| Grant::WriteClaudeAndGit),
        );
        collect(
            "allow_agent",
            &mut args.allow_agent.iter().map(|_| Grant::Agent),
        );
        collect(
            "allow_agent_tools",
            &mut args
                .allow_agent_tools
                .iter()
                .cloned()
                .map(Grant::AgentTools),
        );
        collect(
            "agent_max_turns",
            &mut args
                .agent_max_turns
                .iter()
                .copied()
                .map(Grant::AgentMaxTurns),
        );
        collect(
            "agent_max_budget_usd",
            &mut args
                .agent_max_budget_usd
                .iter()
                .cloned()
                .map(Grant::AgentMaxBudgetUsd),
        );
        collect(
            "sha256",
            &mut args.sha256.iter().cloned().map(Grant::Sha256),
        );
        grants.sort_by_key(|(at, _)| *at);

        let mut plugins: Vec<PluginArgs> = args
            .plugins
            .iter()
            .map(|path| PluginArgs {
                path: path.clone(),
                grants: Vec::new(),
            })
            .collect();
        for (at, grant) in grants {
            let owner = plugin_positions
                .iter()
                .rposition(|&p| p < at)
                .ok_or(CommandError::GrantBeforePlugin { flag: grant.flag() })?;
            plugins[owner].grants.push(grant);
        }
        Ok(HookCommand {
            plugins,
            inline: args.inline,
            fail_closed: args.fail_closed,
            timeout_ms: args.timeout_ms,
            max_memory_mb: args.max_memory_mb,
            task_timeout_ms: args.task_timeout_ms,
            deadline_ms: args.deadline_ms,
        })
    }

    /// The arguments that [`HookCommand::parse`] reads back as this command: plugins with
    /// their grants in order, then the options that were given.
    pub fn to_args(&self) -> Vec<String> {
        let mut args = Vec::new();
        for plugin in &self.plugins {
            args.push("--plugin".to_owned());
            args.push(plugin.path.display().to_string());
            for grant in &plugin.grants {
                args.push(grant.flag().to_owned());
                args.extend(grant.value());
            }
        }
        if self.inline {
            args.push("--inline".into());
        }
        if self.fail_closed {
            args.push("--fail-closed".into());
        }
        let mut option = |flag: &str, value: Option<String>| {
            if let Some(value) = value {
                args.push(flag.to_owned());
                args.push(value);
            }
        };
        option("--timeout-ms", self.timeout_ms.map(|v| v.to_string()));
        option("--max-memory-mb", self.max_memory_mb.map(|v| v.to_string()));
        option(
            "--task-timeout-ms",
            self.task_timeout_ms.map(|v| v.to_string()),
        );
        option("--deadline-ms", self.deadline_ms.map(|v| v.to_string()));
        args
    }

    /// The request to run: plugin paths and directories absolute (against `cwd`), environment
    /// grants read from this process (Claude Code's hook environment), limits defaulted.
    pub fn resolve(&self, cwd: &Path) -> Result<HookRequest, CommandError> {
        if self.plugins.is_empty() {
            return Err(CommandError::NoPlugin);
        }
        let mut specs = Vec::with_capacity(self.plugins.len());
        for plugin in &self.plugins {
            let mut spec = PluginSpec {
                path: cwd.join(&plugin.path),
                ..PluginSpec::default()
            };
            for grant in &plugin.grants {
                if let Err(err) = resolve_grant(grant, &mut spec, cwd) {
                    spec.refused.get_or_insert(err.to_string());
                }
            }
            specs.push(spec);
        }
        let defaults = Limits::default();
        let millis =
            |value: Option<u64>, default: Duration| value.map_or(default, Duration::from_millis);
        Ok(HookRequest {
            plugins: specs,
            fail_closed: self.fail_closed,
            limits: Limits {
                memory_bytes: self
                    .max_memory_mb
                    .map_or(defaults.memory_bytes, |mb| mb.saturating_mul(1 << 20)),
                handle_timeout: millis(self.timeout_ms, defaults.handle_timeout),
                task_timeout: millis(self.task_timeout_ms, defaults.task_timeout),
                hook_deadline: millis(self.deadline_ms, defaults.hook_deadline),
            },
        })
    }
}

fn resolve_grant(grant: &Grant, spec: &mut PluginSpec, cwd: &Path) -> Result<(), CommandError> {
    let grants: &mut Grants = &mut spec.grants;
    match grant {
        Grant::Read(dir) => grants.read_dirs.push(real_dir(grant, &cwd.join(dir))?),
        Grant::Write(dir) => grants.write_dirs.push(real_dir(grant, &cwd.join(dir))?),
        // The value is taken here, from Claude Code's environment, not from the daemon's.
        Grant::Env(name) => {
            if let Ok(value) = std::env::var(name) {
                grants.env.push((name.clone(), value));
            }
        }
        Grant::Net(host) => grants.net_hosts.push(host.clone()),
        Grant::Http(url) => match crate::HttpGrant::parse(url) {
            Ok(http) => grants.http.push(http),
            Err(why) => {
                return Err(CommandError::BadGrant {
                    flag: grant.flag(),
                    value: url.clone(),
                    why: why.to_string(),
                });
            }
        },
        Grant::HttpPerMinute(n) => grants.http_per_minute = Some(*n),
        Grant::WriteClaudeAndGit => grants.write_claude_and_git = true,
        Grant::Agent => grants.agent = true,
        Grant::AgentTools(list) => {
            for tool in list.split(',').map(str::trim).filter(|t| !t.is_empty()) {
                if !tool
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || "_-*()".contains(c))
                {
                    return Err(CommandError::BadValue {
                        flag: grant.flag(),
                        value: list.clone(),
                        why: "tool names are letters, digits, _ and -, comma-separated",
                    });
                }
                grants.agent_tools.push(tool.to_owned());
            }
        }
        Grant::AgentMaxTurns(turns) => grants.agent_max_turns = Some(*turns),
        Grant::AgentMaxBudgetUsd(usd) => {
            let cents = usd
                .parse::<f64>()
                .ok()
                .filter(|usd| usd.is_finite() && (0.0..=10_000.0).contains(usd))
                .ok_or(CommandError::BadValue {
                    flag: grant.flag(),
                    value: usd.clone(),
                    why: "a budget is an amount of US dollars from 0 to 10000, such as 0.50",
                })?;
            grants.agent_max_budget_cents = Some((cents * 100.0).round() as u32);
        }
        Grant::Sha256(hex) => {
            if spec.sha256.is_some() {
                return Err(CommandError::Sha256Twice {
                    plugin: spec.path.clone(),
                });
            }
            spec.sha256 = Some(hex.to_ascii_lowercase());
        }
    }
    Ok(())
}

/// A granted directory: absolute, `.` and `..` taken away by name, and refused if any part of
/// the path is a symbolic link. A grant is what the user wrote: following a link would let
/// whoever can write where the link lives (a plugin with a write grant above it) point the
/// grant anywhere at the next hook. The engine's sandbox opens the result again one component at
/// a time without following links, so a link swapped in after this check fails there too.
fn real_dir(grant: &Grant, dir: &Path) -> Result<PathBuf, CommandError> {
    let mut normal = PathBuf::new();
    for part in dir.components() {
        match part {
            std::path::Component::ParentDir => {
                normal.pop();
            }
            std::path::Component::CurDir => {}
            other => normal.push(other),
        }
    }
    let mut walked = PathBuf::new();
    for part in normal.components() {
        walked.push(part);
        let meta =
            std::fs::symlink_metadata(&walked).map_err(|source| CommandError::Directory {
                flag: grant.flag(),
                dir: dir.to_path_buf(),
                source,
            })?;
        if meta.file_type().is_symlink() {
            return Err(CommandError::ThroughSymlink {
                flag: grant.flag(),
                dir: dir.to_path_buf(),
                link: walked.clone(),
                real: std::fs::canonicalize(dir).unwrap_or_else(|_| dir.to_path_buf()),
            });
        }
    }
    if !std::fs::metadata(&normal).is_ok_and(|m| m.is_dir()) {
        return Err(CommandError::Directory {
            flag: grant.flag(),
            dir: dir.to_path_buf(),
            source: std::io::Error::from(std::io::ErrorKind::NotADirectory),
        });
    }
    Ok(normal)
}

#[cfg(test)]
#[path = "command_tests.rs"]
mod tests;
