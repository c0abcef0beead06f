//! What one background task is, in memory and on disk.

use fasthooks_ipc::TaskSandbox;
use fasthooks_ipc::wire::TaskSummary;
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum TaskStatus {
    Pending,
    Running,
    Completed,
    Failed,
    Cancelled,
}

impl TaskStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            TaskStatus::Pending => "pending",
            TaskStatus::Running => "running",
            TaskStatus::Completed => "completed",
            TaskStatus::Failed => "failed",
            TaskStatus::Cancelled => "cancelled",
        }
    }

    pub fn parse(text: &str) -> Option<TaskStatus> {
        Some(match text {
            "pending" => TaskStatus::Pending,
            "running" => TaskStatus::Running,
            "completed" => TaskStatus::Completed,
            "failed" => TaskStatus::Failed,
            "cancelled" => TaskStatus::Cancelled,
            _ => return None,
        })
    }

    /// Finished one way or another: waiters stop waiting, TTL starts counting.
    pub fn is_terminal(self) -> bool {
        matches!(
            self,
            TaskStatus::Completed | TaskStatus::Failed | TaskStatus::Cancelled
        )
    }
}

/// Who may see a task: the plugin (declared name + canonical path) and the session that added it.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub struct Namespace {
    pub plugin_name: String,
    pub plugin_path: String,
    pub session: String,
}

/// Everything needed to run a task again after a restart, and to answer about it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TaskRecord {
    pub id: i64,
    pub namespace: Namespace,
    pub key: String,
    pub name: String,
    pub args: String,
    /// The build of the plugin that was current when the task was added.
    pub plugin_sha256: String,
    /// The grants and limits of the plugin that added it.
    pub sandbox: TaskSandbox,
    pub status: TaskStatus,
    pub priority: i32,
    pub ttl_seconds: u32,
    pub value: Option<String>,
    pub error: Option<String>,
    pub created_ms: u64,
    pub started_ms: Option<u64>,
    pub finished_ms: Option<u64>,
    /// Its result wakes Claude (`tasks.wake`): the plugin's wake hook takes it once it has
    /// finished, unless a hook pops it first.
    #[serde(default)]
    pub wake: bool,
}

impl TaskRecord {
    /// Finished results are kept for `ttl_seconds` after they finished; unfinished tasks never expire.
    pub fn expires_ms(&self) -> Option<u64> {
        self.finished_ms
            .map(|finished| finished + u64::from(self.ttl_seconds) * 1000)
    }

    pub fn is_expired(&self, now_ms: u64) -> bool {
        self.expires_ms().is_some_and(|expires| now_ms >= expires)
    }

    /// What the admin commands show of it.
    pub fn summary(&self) -> TaskSummary {
        TaskSummary {
            session: self.namespace.session.clone(),
            plugin_name: self.namespace.plugin_name.clone(),
            plugin_path: self.namespace.plugin_path.clone(),
            key: self.key.clone(),
            name: self.name.clone(),
            status: self.status.as_str().to_owned(),
            error: self.error.clone(),
            created_ms: self.created_ms,
            finished_ms: self.finished_ms,
        }
    }
}

pub fn now_ms() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_millis() as u64)
        .unwrap_or(0)
}

/// The sandbox column: JSON, written and read only here.
pub(crate) fn sandbox_text(sandbox: &fasthooks_ipc::TaskSandbox) -> String {
    serde_json::to_string(sandbox).expect("a sandbox serializes")
}

/// A sandbox that no longer reads (written by another version) runs the task with no grants.
pub(crate) fn sandbox_from_text(text: &str) -> fasthooks_ipc::TaskSandbox {
    serde_json::from_str(text).unwrap_or_else(|err| {
        tracing::warn!("task sandbox unreadable, running it with no grants: {err}");
        fasthooks_ipc::TaskSandbox::default()
    })
}
