//! `fasthooks:hooks/state`: a small persistent key-value store per plugin, session or global,
//! answered by the task store's owner like the `tasks` calls.

use crate::sandbox::InstanceState;
use crate::wit::state::Host;
use crate::wit::types::StateScope as WitScope;
use fasthooks_tasks::{StateScope, TaskCall};

fn scope(scope: WitScope) -> StateScope {
    match scope {
        WitScope::Session => StateScope::Session,
        WitScope::Global => StateScope::Global,
    }
}

impl Host for InstanceState {
    fn get(&mut self, at: WitScope, key: String) -> Result<Option<String>, String> {
        let call = TaskCall::StateGet {
            scope: scope(at),
            key,
        };
        self.tasks_call("state.get", call)?.text()
    }
    fn set(&mut self, at: WitScope, key: String, value: String) -> Result<(), String> {
        let call = TaskCall::StateSet {
            scope: scope(at),
            key,
            value,
        };
        self.tasks_call("state.set", call)?.done()
    }
    fn delete(&mut self, at: WitScope, key: String) -> Result<bool, String> {
        let call = TaskCall::StateDelete {
            scope: scope(at),
            key,
        };
        self.tasks_call("state.delete", call)?.flag()
    }
    fn keys(&mut self, at: WitScope) -> Result<Vec<String>, String> {
        self.tasks_call("state.keys", TaskCall::StateKeys(scope(at)))?
            .keys()
    }
}
