//! What a hook command asks for, resolved: the plugins with what each was granted, and the
//! limits. Plain data, built by the hook process from its command line ([`crate::command`]) and
//! run by the daemon or the engine in-process.

use serde::{Deserialize, Serialize};
use std::path::PathBuf;
use std::time::Duration;

/// One `--plugin PATH` with the grants that followed it on the command line.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct PluginSpec {
    /// Absolute (the daemon does not share the hook's working directory).
    pub path: PathBuf,
    pub grants: Grants,
    /// `--sha256 HEX`: refuse the plugin unless its bytes hash to this (lowercase).
    pub sha256: Option<String>,
    /// Why this plugin's grants cannot be given (a missing directory, a link on a grant's
    /// path, a bad value): the plugin fails with this, and the others still run.
    #[serde(default)]
    pub refused: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct HookRequest {
    pub plugins: Vec<PluginSpec>,
    pub fail_closed: bool,
    pub limits: Limits,
}

/// What the user granted one plugin, resolved.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Grants {
    /// Canonical directories, read-only.
    pub read_dirs: Vec<PathBuf>,
    /// Canonical directories, read and write.
    pub write_dirs: Vec<PathBuf>,
    /// Environment variables the plugin may see, with the values the hook process had.
    pub env: Vec<(String, String)>,
    /// `HOST:PORT` (or `HOST`, meaning port 443) the plugin may open TCP connections to.
    pub net_hosts: Vec<String>,
    /// Where the plugin may send HTTP requests (`--allow-http URL`).
    #[serde(default)]
    pub http: Vec<crate::http_grant::HttpGrant>,
    /// `--http-per-minute N`: the most HTTP requests the plugin may start in a minute; the
    /// engine's default when absent.
    #[serde(default)]
    pub http_per_minute: Option<u32>,
    /// `--allow-write-claude-and-git`: write grants may change `.claude/` and `.git/`.
    #[serde(default)]
    pub write_claude_and_git: bool,
    pub agent: bool,
    /// The tools a sub-agent may have (`--allow-agent-tools`); none when empty.
    #[serde(default)]
    pub agent_tools: Vec<String>,
    /// The user's caps on one sub-agent query; the engine's defaults when absent.
    #[serde(default)]
    pub agent_max_turns: Option<u32>,
    #[serde(default)]
    pub agent_max_budget_cents: Option<u32>,
}

/// What a plugin may declare it needs; nothing is granted unless the user says so. The one
/// table of which grant flag gives which capability.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Capability {
    ReadFiles,
    WriteFiles,
    Network,
    Environment,
    Agent,
    /// Outgoing HTTP (`wasi:http`). Declared by importing `wasi:http/outgoing-handler`: the
    /// host reads it from the component, so no plugin can forget it or hide it.
    Http,
}

impl Capability {
    pub const ALL: [Capability; 6] = [
        Capability::ReadFiles,
        Capability::WriteFiles,
        Capability::Network,
        Capability::Environment,
        Capability::Agent,
        Capability::Http,
    ];

    /// The name in `describe()` output and messages.
    pub fn name(self) -> &'static str {
        match self {
            Capability::ReadFiles => "read-files",
            Capability::WriteFiles => "write-files",
            Capability::Network => "network",
            Capability::Environment => "environment",
            Capability::Agent => "agent",
            Capability::Http => "http",
        }
    }

    /// The flag that grants it, as the user writes it.
    pub fn flag(self) -> &'static str {
        match self {
            Capability::ReadFiles => "--allow-read DIR",
            Capability::WriteFiles => "--allow-write DIR",
            Capability::Network => "--allow-net HOST[:PORT]",
            Capability::Environment => "--allow-env NAME",
            Capability::Agent => "--allow-agent",
            Capability::Http => "--allow-http URL",
        }
    }

    /// Does a plugin with these grant kinds have the capability? (A write grant also reads.)
    pub fn granted_by(self, kinds: &[GrantKind]) -> bool {
        let has = |kind| kinds.contains(&kind);
        match self {
            Capability::ReadFiles => has(GrantKind::Read) || has(GrantKind::Write),
            Capability::WriteFiles => has(GrantKind::Write),
            Capability::Network => has(GrantKind::Net),
            Capability::Environment => has(GrantKind::Env),
            Capability::Agent => has(GrantKind::Agent),
            Capability::Http => has(GrantKind::Http),
        }
    }
}

/// The kinds of grant a command line can give a plugin.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum GrantKind {
    Read,
    Write,
    Env,
    Net,
    Agent,
    Http,
}

impl Grants {
    /// The kinds of grant present.
    pub fn kinds(&self) -> Vec<GrantKind> {
        let mut kinds = Vec::new();
        let mut add = |present: bool, kind| {
            if present {
                kinds.push(kind)
            }
        };
        add(!self.read_dirs.is_empty(), GrantKind::Read);
        add(!self.write_dirs.is_empty(), GrantKind::Write);
        add(!self.env.is_empty(), GrantKind::Env);
        add(!self.net_hosts.is_empty(), GrantKind::Net);
        add(self.agent, GrantKind::Agent);
        add(!self.http.is_empty(), GrantKind::Http);
        kinds
    }

    /// The first declared capability these grants do not give.
    pub fn missing(&self, declared: &[Capability]) -> Option<Capability> {
        let kinds = self.kinds();
        declared.iter().copied().find(|c| !c.granted_by(&kinds))
    }
}

/// Resource bounds for one instance.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Limits {
    pub memory_bytes: usize,
    pub handle_timeout: Duration,
    pub task_timeout: Duration,
    /// The whole hook call, waits on tasks included, answers within this.
    pub hook_deadline: Duration,
}

impl Limits {
    pub const DEFAULT_MEMORY_MB: usize = 256;
    pub const DEFAULT_TIMEOUT_MS: u64 = 10_000;
    pub const DEFAULT_TASK_TIMEOUT_MS: u64 = 300_000;
    /// Below Claude Code's default hook timeout (60 s), so the hook answers before it is killed.
    pub const DEFAULT_DEADLINE_MS: u64 = 54_000;
    /// Claude Code's timeout for a command hook entry without a `timeout` of its own.
    pub const CLAUDE_CODE_DEFAULT_TIMEOUT_MS: u64 = 60_000;
}

impl Default for Limits {
    fn default() -> Limits {
        Limits {
            memory_bytes: Limits::DEFAULT_MEMORY_MB << 20,
            handle_timeout: Duration::from_millis(Limits::DEFAULT_TIMEOUT_MS),
            task_timeout: Duration::from_millis(Limits::DEFAULT_TASK_TIMEOUT_MS),
            hook_deadline: Duration::from_millis(Limits::DEFAULT_DEADLINE_MS),
        }
    }
}

/// The sandbox a background task runs in: the grants and limits of the hook call that added it.
/// Stored with the task so a restarted daemon runs it the same way.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct TaskSandbox {
    pub grants: Grants,
    pub memory_bytes: usize,
    pub timeout_ms: u64,
    /// The session's working directory (where a sub-agent started by the task runs).
    #[serde(default)]
    pub cwd: String,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_capability_has_its_grant() {
        let grants = Grants {
            write_dirs: vec!["/w".into()],
            ..Grants::default()
        };
        assert_eq!(
            grants.missing(&[Capability::ReadFiles, Capability::WriteFiles]),
            None
        );
        assert_eq!(
            grants.missing(&[Capability::ReadFiles, Capability::Network]),
            Some(Capability::Network)
        );
        let read_only = Grants {
            read_dirs: vec!["/r".into()],
            ..Grants::default()
        };
        assert_eq!(
            read_only.missing(&[Capability::WriteFiles]),
            Some(Capability::WriteFiles)
        );
        assert_eq!(Grants::default().missing(&[]), None);
        for c in Capability::ALL {
            assert!(c.flag().starts_with("--allow-"), "{}", c.name());
        }
    }
}
