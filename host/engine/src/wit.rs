//! The WIT contract (`wit/`) on the host side: the bindings wasmtime generates for the
//! `plugin` world. The host's answers to the interfaces a plugin imports live in
//! [`crate::host`], one module per interface.

wasmtime::component::bindgen!({
    world: "plugin",
    path: "../../wit",
    // Exports are called as futures (see `instance`); the host's own imports answer at once
    // (or block on purpose, as `tasks.wait` does) and stay synchronous.
    exports: { default: async },
});

/// The contract this host serves. The linker is semver-aware: a plugin built against any
/// earlier 0.1 version (0.1.0 has no `routing`) links and runs unchanged.
pub const PACKAGE: &str = "fasthooks:hooks@0.1.1";

pub use fasthooks::hooks::types;
pub use fasthooks::hooks::{agent, log, routing, state, tasks};
