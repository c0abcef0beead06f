//! The host's side of each interface a plugin imports, one module per WIT interface, all on
//! the instance's [`InstanceState`]:
//!
//! - [`tasks`]: background tasks, answered by the store's owner (the daemon, or this process
//!   when it owns the store: see `fasthooks_tasks::owner`);
//! - [`state`]: plugin state in the same store; [`memory`]: notes found again by relevance;
//! - [`agent`]: Claude sub-agents through the Claude Code CLI, for plugins granted `--allow-agent`;
//! - [`log`]: the guest's log lines into the host's log;
//! - [`routing`]: which of the plugin's subscriptions the event being handled matched.
//!
//! An instance without a task service gets an error saying so, never a made-up result.

pub mod agent;
pub mod log;
pub mod memory;
pub mod routing;
pub mod state;
pub mod tasks;

use crate::sandbox::InstanceState;
use fasthooks_tasks::{TaskAnswer, TaskCall};
use std::time::{Duration, Instant};

impl crate::wit::types::Host for InstanceState {}

/// The message for host functions this build does not serve yet.
fn not_available(what: &str) -> String {
    format!(
        "{what} is not available in this version of fasthooks-host ({})",
        env!("CARGO_PKG_VERSION")
    )
}

impl InstanceState {
    /// Send one task or state call to the store's owner (this process, or the daemon), scoped
    /// to this instance's plugin and session. An unreachable store's error names the call.
    pub(crate) fn tasks_call(&self, what: &str, call: TaskCall) -> Result<TaskAnswer, String> {
        let port = match &self.tasks {
            Some(access) => access.get().map_err(|err| format!("{what}: {err}"))?,
            None => return Err(not_available(what)),
        };
        port.call(&self.namespace(), call)
    }

    /// A guest timeout, cut to what is left of this call's wait budget.
    pub(crate) fn wait_timeout(&self, timeout_ms: u32) -> Duration {
        let asked = Duration::from_millis(u64::from(timeout_ms));
        asked.min(self.wait_deadline.saturating_duration_since(Instant::now()))
    }

    /// Run a blocking wait without charging it to the guest's CPU deadline.
    pub(crate) fn waiting<R>(&mut self, wait: impl FnOnce(&Self) -> R) -> R {
        let started = Instant::now();
        let result = wait(self);
        self.extend_deadline(started.elapsed());
        result
    }
}
