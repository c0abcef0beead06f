//! The WIT contract (`wit/`) on the host side: generated bindings, and the host's answers to the
//! interfaces a plugin imports.
//!
//! `tasks` and `state` are served by the task service (daemon, or an `--inline` hook process);
//! an instance without one gets an error saying so, never a made-up result.

use crate::sandbox::InstanceState;
use crate::store::StateNamespace;
use crate::tasks::record::{TaskRecord, TaskStatus};
use crate::tasks::{AddOptions, TaskOrigin, TaskService};
use fasthooks::hooks::types::{
    AgentRequest, LogLevel, StateScope, TaskError, TaskInfo, TaskOptions, TaskOutput,
};
use std::sync::Arc;
use std::time::{Duration, Instant};

wasmtime::component::bindgen!({
    world: "plugin",
    path: "../wit",
    // Exports are called as futures (see `instance`); the host's own imports answer at once
    // (or block on purpose, as `tasks.wait` does) and stay synchronous.
    exports: { default: async },
});

pub use fasthooks::hooks::types;

/// The message for host functions this build does not serve yet.
fn not_available(what: &str) -> String {
    format!(
        "{what} is not available in this version of fasthooks-host ({})",
        env!("CARGO_PKG_VERSION")
    )
}

impl fasthooks::hooks::types::Host for InstanceState {}

impl InstanceState {
    fn task_service(&self, call: &str) -> Result<Arc<TaskService>, String> {
        match &self.tasks {
            Some(access) => access.get().map_err(|err| format!("{call}: {err}")),
            None => Err(not_available(call)),
        }
    }

    /// A guest timeout, cut to what is left of this call's wait budget.
    fn wait_timeout(&self, timeout_ms: u32) -> Duration {
        let asked = Duration::from_millis(u64::from(timeout_ms));
        asked.min(self.wait_deadline.saturating_duration_since(Instant::now()))
    }

    /// Run a blocking wait without charging it to the guest's CPU deadline.
    fn waiting<R>(&mut self, wait: impl FnOnce() -> R) -> R {
        let started = Instant::now();
        let result = wait();
        self.extend_deadline(started.elapsed());
        result
    }
}

fn task_info(task: TaskRecord) -> TaskInfo {
    TaskInfo {
        key: task.key,
        name: task.name,
        status: match task.status {
            TaskStatus::Pending => types::TaskStatus::Pending,
            TaskStatus::Running => types::TaskStatus::Running,
            TaskStatus::Completed => types::TaskStatus::Completed,
            TaskStatus::Failed => types::TaskStatus::Failed,
            TaskStatus::Cancelled => types::TaskStatus::Cancelled,
        },
        value: task.value,
        error: task.error,
        created_at_ms: task.created_ms,
        started_at_ms: task.started_ms,
        finished_at_ms: task.finished_ms,
    }
}

fn outputs(pairs: Vec<(String, String)>) -> Vec<TaskOutput> {
    pairs
        .into_iter()
        .map(|(key, value)| TaskOutput { key, value })
        .collect()
}

impl fasthooks::hooks::tasks::Host for InstanceState {
    fn add(
        &mut self,
        name: String,
        args: String,
        options: TaskOptions,
    ) -> Result<TaskInfo, String> {
        let service = self.task_service("tasks.add")?;
        let origin = TaskOrigin {
            plugin_sha256: self.plugin_sha256.clone(),
            sandbox: serde_json::to_string(&self.task_sandbox).expect("sandbox serializes"),
        };
        let options = AddOptions {
            key: options.key,
            ttl_seconds: options.ttl_seconds,
            priority: options.priority,
        };
        service
            .add(&self.namespace(), &name, &args, options, &origin)
            .map(task_info)
    }
    fn pop(&mut self, key: String) -> Result<Option<String>, String> {
        Ok(self.task_service("tasks.pop")?.pop(&self.namespace(), &key))
    }
    fn get(&mut self, key: String) -> Result<Option<TaskInfo>, String> {
        Ok(self
            .task_service("tasks.get")?
            .get(&self.namespace(), &key)
            .map(task_info))
    }
    fn has(&mut self, key: Option<String>) -> Result<bool, String> {
        Ok(self
            .task_service("tasks.has")?
            .has(&self.namespace(), key.as_deref()))
    }
    fn cancel(&mut self, key: String) -> Result<bool, String> {
        Ok(self
            .task_service("tasks.cancel")?
            .cancel(&self.namespace(), &key))
    }
    fn cancel_all(&mut self) -> Result<u32, String> {
        Ok(self
            .task_service("tasks.cancel-all")?
            .cancel_all(&self.namespace()))
    }
    fn pop_all(&mut self) -> Result<Vec<TaskOutput>, String> {
        Ok(outputs(
            self.task_service("tasks.pop-all")?
                .pop_all(&self.namespace()),
        ))
    }
    fn pop_errors(&mut self) -> Result<Vec<TaskError>, String> {
        let errors = self
            .task_service("tasks.pop-errors")?
            .pop_errors(&self.namespace());
        Ok(errors
            .into_iter()
            .map(|(key, error)| TaskError { key, error })
            .collect())
    }
    fn wait(&mut self, key: String, timeout_ms: u32) -> Result<Option<String>, String> {
        let service = self.task_service("tasks.wait")?;
        let (ns, timeout) = (self.namespace(), self.wait_timeout(timeout_ms));
        Ok(self.waiting(|| service.wait(&ns, &key, timeout)))
    }
    fn wait_all(&mut self, keys: Vec<String>, timeout_ms: u32) -> Result<Vec<TaskOutput>, String> {
        let service = self.task_service("tasks.wait-all")?;
        let (ns, timeout) = (self.namespace(), self.wait_timeout(timeout_ms));
        Ok(outputs(
            self.waiting(|| service.wait_all(&ns, &keys, timeout)),
        ))
    }
    fn wait_any(
        &mut self,
        keys: Vec<String>,
        timeout_ms: u32,
    ) -> Result<Option<TaskOutput>, String> {
        let service = self.task_service("tasks.wait-any")?;
        let (ns, timeout) = (self.namespace(), self.wait_timeout(timeout_ms));
        let found = self.waiting(|| service.wait_any(&ns, &keys, timeout));
        Ok(found.map(|(key, value)| TaskOutput { key, value }))
    }
}

impl fasthooks::hooks::agent::Host for InstanceState {
    fn query(&mut self, request: AgentRequest) -> Result<String, String> {
        if !self.grants.agent {
            return Err(format!(
                "plugin {} may not start sub-agents: add --allow-agent after its --plugin in the hook command",
                self.plugin.name
            ));
        }
        let (cwd, deadline, cancel) = (
            std::path::PathBuf::from(&self.cwd),
            self.wait_deadline,
            self.cancel.clone(),
        );
        self.waiting(|| crate::agent::query(&request, &cwd, deadline, &cancel))
    }
}

impl InstanceState {
    fn state_namespace(
        &self,
        scope: StateScope,
        call: &str,
    ) -> Result<(Arc<TaskService>, StateNamespace), String> {
        let service = self.task_service(call)?;
        let scope = match scope {
            StateScope::Session => format!("session:{}", self.session_id),
            StateScope::Global => "global".to_owned(),
        };
        Ok((
            service,
            StateNamespace {
                plugin_name: self.plugin.name.clone(),
                plugin_path: self.plugin.path.display().to_string(),
                scope,
            },
        ))
    }
}

fn store_error(err: rusqlite::Error) -> String {
    format!("state store error: {err}")
}

impl fasthooks::hooks::state::Host for InstanceState {
    fn get(&mut self, scope: StateScope, key: String) -> Result<Option<String>, String> {
        let (service, ns) = self.state_namespace(scope, "state.get")?;
        service.store().state_get(&ns, &key).map_err(store_error)
    }
    fn set(&mut self, scope: StateScope, key: String, value: String) -> Result<(), String> {
        let (service, ns) = self.state_namespace(scope, "state.set")?;
        service
            .store()
            .state_set(&ns, &key, &value)
            .map_err(|err| format!("state.set: {err}"))
    }
    fn delete(&mut self, scope: StateScope, key: String) -> Result<bool, String> {
        let (service, ns) = self.state_namespace(scope, "state.delete")?;
        service.store().state_delete(&ns, &key).map_err(store_error)
    }
    fn keys(&mut self, scope: StateScope) -> Result<Vec<String>, String> {
        let (service, ns) = self.state_namespace(scope, "state.keys")?;
        service.store().state_keys(&ns).map_err(store_error)
    }
}

impl fasthooks::hooks::log::Host for InstanceState {
    fn log(&mut self, level: LogLevel, message: String) {
        let plugin = self.plugin.name.as_str();
        match level {
            LogLevel::Trace => tracing::trace!(plugin, "{message}"),
            LogLevel::Debug => tracing::debug!(plugin, "{message}"),
            LogLevel::Info => tracing::info!(plugin, "{message}"),
            LogLevel::Warn => tracing::warn!(plugin, "{message}"),
            LogLevel::Error => tracing::error!(plugin, "{message}"),
        }
    }
}
