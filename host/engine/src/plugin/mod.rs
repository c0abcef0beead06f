//! A plugin: its file ([`file`]), and the loader that turns it into a compiled, linked
//! component ready to instantiate, with what its `describe()` says ([`loader`]).

pub mod file;
pub mod loader;

pub use file::PluginFile;
pub use loader::{LoadedPlugin, PluginLoader};

use crate::info::InfoError;
use crate::instance::CallFailure;
use std::path::PathBuf;

/// Why a plugin cannot run. Displayed after the plugin's name: "plugin guard.wasm {error}".
#[derive(Debug, thiserror::Error)]
pub enum PluginError {
    #[error("cannot be opened: {}", io_reason(.0))]
    Open(std::io::Error),
    #[error("cannot be read: {}", io_reason(.0))]
    Read(std::io::Error),
    #[error("is not a WebAssembly file")]
    NotWasm,
    #[error(
        "is a core WebAssembly module, not a component: build it for wasm32-wasip2 (or wrap it with `wasm-tools component new`)"
    )]
    CoreModule,
    #[error("is not a valid WebAssembly component: {0}")]
    InvalidComponent(String),
    /// The compiler process did not finish (its bounds, a crash): not the plugin's bytes' fault
    /// as far as anyone knows, but no hook can run it until it compiles.
    #[error("could not be compiled: {0}")]
    Compile(String),
    #[error(
        "is not a fasthooks plugin (it imports something the host does not provide; build it against wit/ {package}, or any 0.1 version): {0}",
        package = crate::wit::PACKAGE
    )]
    WrongImports(String),
    #[error(
        "is not a fasthooks plugin (it does not export the {package} `plugin` world: describe, handle, run-task): {0}",
        package = crate::wit::PACKAGE
    )]
    WrongExports(String),
    #[error("describe() failed: {0}")]
    Describe(CallFailure),
    #[error("{0}")]
    Info(#[from] InfoError),
    #[error("does not match --sha256 {pinned} (its SHA-256 is {actual}): refusing to run it")]
    Pinned { pinned: String, actual: String },
    #[error("the build of {} that added this task ({sha256}) is no longer available", path.display())]
    BuildGone { path: PathBuf, sha256: String },
    /// This build failed to load a moment ago, for this reason: not tried again yet.
    #[error("{0}")]
    Remembered(String),
}

impl PluginError {
    /// Does the failure belong to the plugin's bytes (so trying again now would fail the same
    /// way), rather than to the file system?
    pub fn is_of_the_build(&self) -> bool {
        !matches!(
            self,
            PluginError::Open(_) | PluginError::Read(_) | PluginError::BuildGone { .. }
        )
    }
}

fn io_reason(err: &std::io::Error) -> String {
    match err.kind() {
        std::io::ErrorKind::NotFound => {
            "no such file (build it first? see README: scripts/build-plugins.sh)".into()
        }
        _ => err.to_string(),
    }
}
