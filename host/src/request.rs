//! What a hook command asks for: the plugins, what each was granted, and the limits. Plain data,
//! shared by the hook process (which builds it from the command line) and whoever runs it (the
//! daemon, or the engine in-process).

use serde::{Deserialize, Serialize};
use std::path::PathBuf;
use std::time::Duration;

/// One `--plugin PATH` with the grants that followed it on the command line.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct PluginSpec {
    pub path: PathBuf,
    pub grants: Grants,
    /// `--sha256 HEX`: refuse the plugin unless its bytes hash to this.
    pub sha256: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct HookRequest {
    pub plugins: Vec<PluginSpec>,
    pub fail_closed: bool,
    pub limits: Limits,
}

/// What the user granted one plugin on the command line.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Grants {
    pub read_dirs: Vec<PathBuf>,
    pub write_dirs: Vec<PathBuf>,
    /// Environment variables the plugin may see, with the values the hook process had.
    pub env: Vec<(String, String)>,
    /// `HOST:PORT` (or `HOST`, meaning port 443) the plugin may open TCP connections to.
    pub net_hosts: Vec<String>,
    pub agent: bool,
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

impl Default for Limits {
    fn default() -> Limits {
        Limits {
            memory_bytes: 256 << 20,
            handle_timeout: Duration::from_secs(10),
            task_timeout: Duration::from_secs(300),
            hook_deadline: Duration::from_secs(60),
        }
    }
}

/// The sandbox a background task runs in: the grants and limits of the hook call that added it.
/// Stored with the task (as JSON) so a restarted daemon runs it the same way.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TaskSandbox {
    pub grants: Grants,
    pub memory_bytes: usize,
    pub timeout_ms: u64,
    /// The session's working directory (where a sub-agent started by the task runs).
    #[serde(default)]
    pub cwd: String,
}
