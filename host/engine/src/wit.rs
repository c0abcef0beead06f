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

pub use fasthooks::hooks::types;
pub use fasthooks::hooks::{agent, log, state, tasks};
