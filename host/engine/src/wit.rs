//! The WIT contract (`wit/`) on the host side: the bindings wasmtime generates for the
//! `plugin-core` world (the exports every 0.1 plugin has; the ones later versions added, such as
//! `task-names`, are looked up by name on the instance), and the conversions between its response and the protocol's. The host's answers to the interfaces a plugin imports live in
//! [`crate::host`], one module per interface.

wasmtime::component::bindgen!({
    world: "plugin-core",
    path: "../../wit",
    // Exports are called as futures (see `instance`); the host's own imports answer at once
    // (or block on purpose, as `tasks.wait` does) and stay synchronous.
    exports: { default: async },
});

/// The contract this host serves. The linker is semver-aware: a plugin built against any
/// earlier 0.1 version (0.1.0 has no `routing`, 0.1.3 no `task-names`) links and runs unchanged.
pub const PACKAGE: &str = "fasthooks:hooks@0.1.4";

/// The export 0.1.4 added: the names of the plugin's background tasks.
pub const TASK_NAMES_EXPORT: &str = "task-names";

pub use fasthooks::hooks::types;
pub use fasthooks::hooks::{agent, log, memory, routing, state, tasks};

use fasthooks_protocol::Decision;
use fasthooks_protocol::Response as HostResponse;

/// The WIT response as the protocol's: the updated input must be a JSON object.
pub fn from_wit_response(response: types::Response) -> Result<HostResponse, String> {
    let updated_input = match &response.updated_input {
        None => None,
        Some(input) => match serde_json::from_str::<serde_json::Value>(input) {
            Ok(value) if value.is_object() => Some(value),
            _ => {
                return Err(format!(
                    "updated-input must be a JSON object, got {input:?}"
                ));
            }
        },
    };
    Ok(HostResponse {
        decision: response.decision.map(|d| match d {
            types::Decision::Allow => Decision::Allow,
            types::Decision::Deny => Decision::Deny,
            types::Decision::Ask => Decision::Ask,
            types::Decision::Block => Decision::Block,
            types::Decision::Defer => Decision::Defer,
        }),
        reason: response.reason,
        additional_context: response.additional_context,
        updated_input,
        system_message: response.system_message,
        stop_reason: response.stop_reason,
    })
}

/// The protocol's response as the WIT's (for `routing.merge`).
pub fn to_wit_response(response: HostResponse) -> types::Response {
    types::Response {
        decision: response.decision.map(|d| match d {
            Decision::Allow => types::Decision::Allow,
            Decision::Deny => types::Decision::Deny,
            Decision::Ask => types::Decision::Ask,
            Decision::Block => types::Decision::Block,
            Decision::Defer => types::Decision::Defer,
        }),
        reason: response.reason,
        additional_context: response.additional_context,
        updated_input: response.updated_input.map(|value| value.to_string()),
        system_message: response.system_message,
        stop_reason: response.stop_reason,
    }
}
