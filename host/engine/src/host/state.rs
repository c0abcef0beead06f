//! `fasthooks:hooks/state`: a small persistent key-value store per plugin, session or global.

use crate::sandbox::InstanceState;
use crate::wit::state::Host;
use crate::wit::types::StateScope;
use fasthooks_tasks::{StateError, StateNamespace, TaskService};
use std::sync::Arc;

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

fn store_error(err: StateError) -> String {
    err.to_string()
}

impl Host for InstanceState {
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
