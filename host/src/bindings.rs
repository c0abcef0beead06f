//! The WIT contract (`wit/`) on the host side: generated bindings, and the host's answers to the
//! interfaces a plugin imports.
//!
//! `tasks` and `state` are served by the daemon's services when they are present; without them
//! every call returns an error saying so, never a made-up result.

use crate::sandbox::InstanceState;
use fasthooks::hooks::types::{
    AgentRequest, LogLevel, StateScope, TaskError, TaskInfo, TaskOptions, TaskOutput,
};

wasmtime::component::bindgen!({
    world: "plugin",
    path: "../wit",
});

pub use fasthooks::hooks::types;

/// The message for host functions this build does not serve yet.
fn not_available(what: &str) -> String {
    format!("{what} is not available in this version of fasthooks-host ({})", env!("CARGO_PKG_VERSION"))
}

impl fasthooks::hooks::types::Host for InstanceState {}

impl fasthooks::hooks::tasks::Host for InstanceState {
    fn add(&mut self, _name: String, _args: String, _options: TaskOptions) -> Result<TaskInfo, String> {
        Err(not_available("tasks.add"))
    }
    fn pop(&mut self, _key: String) -> Result<Option<String>, String> {
        Err(not_available("tasks.pop"))
    }
    fn get(&mut self, _key: String) -> Result<Option<TaskInfo>, String> {
        Err(not_available("tasks.get"))
    }
    fn has(&mut self, _key: Option<String>) -> Result<bool, String> {
        Err(not_available("tasks.has"))
    }
    fn cancel(&mut self, _key: String) -> Result<bool, String> {
        Err(not_available("tasks.cancel"))
    }
    fn cancel_all(&mut self) -> Result<u32, String> {
        Err(not_available("tasks.cancel-all"))
    }
    fn pop_all(&mut self) -> Result<Vec<TaskOutput>, String> {
        Err(not_available("tasks.pop-all"))
    }
    fn pop_errors(&mut self) -> Result<Vec<TaskError>, String> {
        Err(not_available("tasks.pop-errors"))
    }
    fn wait(&mut self, _key: String, _timeout_ms: u32) -> Result<Option<String>, String> {
        Err(not_available("tasks.wait"))
    }
    fn wait_all(&mut self, _keys: Vec<String>, _timeout_ms: u32) -> Result<Vec<TaskOutput>, String> {
        Err(not_available("tasks.wait-all"))
    }
    fn wait_any(&mut self, _keys: Vec<String>, _timeout_ms: u32) -> Result<Option<TaskOutput>, String> {
        Err(not_available("tasks.wait-any"))
    }
}

impl fasthooks::hooks::agent::Host for InstanceState {
    fn query(&mut self, _request: AgentRequest) -> Result<String, String> {
        if !self.grants.agent {
            return Err(format!(
                "plugin {} may not start sub-agents: add --allow-agent after its --plugin in the hook command",
                self.plugin.name
            ));
        }
        Err(not_available("agent.query"))
    }
}

impl fasthooks::hooks::state::Host for InstanceState {
    fn get(&mut self, _scope: StateScope, _key: String) -> Result<Option<String>, String> {
        Err(not_available("state.get"))
    }
    fn set(&mut self, _scope: StateScope, _key: String, _value: String) -> Result<(), String> {
        Err(not_available("state.set"))
    }
    fn delete(&mut self, _scope: StateScope, _key: String) -> Result<bool, String> {
        Err(not_available("state.delete"))
    }
    fn keys(&mut self, _scope: StateScope) -> Result<Vec<String>, String> {
        Err(not_available("state.keys"))
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
