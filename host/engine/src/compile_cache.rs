//! Compiled plugins and their `describe()` answers, cached on disk under the host's own cache
//! directory so the second hook call neither compiles nor instantiates to learn subscriptions.
//!
//! Layout: `<cache>/plugins/<sha256>/<engine-key>.cwasm` and `<cache>/plugins/<sha256>/describe.json`.
//! Precompiled code is only ever loaded from here (a directory this user owns, written by this
//! host), never from a path a plugin or settings file names. Entries are written to a temporary
//! file and renamed, so a concurrent reader sees either nothing or a whole file; a file that fails
//! to load is recompiled and replaced. Directories are 0700 and files 0600 ([`fasthooks_ipc::private`]).
//! The compiling itself happens in a child process ([`crate::compile_child`]).

use crate::info::PluginInfo;
use std::path::{Path, PathBuf};
use wasmtime::Engine;
use wasmtime::component::Component;

/// Why there is no compiled component for some bytes.
#[derive(Debug, thiserror::Error)]
pub enum CompileError {
    /// wasmtime refused the bytes (or what it compiled from them).
    #[error("{}", crate::instance::one_line(.0))]
    Invalid(wasmtime::Error),
    /// The compiler process failed (or said the bytes are not a component).
    #[error(transparent)]
    Compiler(crate::compile_child::CompileFailure),
}

pub struct CompileCache {
    root: PathBuf,
    engine_key: String,
}

impl CompileCache {
    pub fn new(cache_dir: &Path, engine: &Engine) -> CompileCache {
        CompileCache {
            root: cache_dir.join("plugins"),
            engine_key: crate::runtime::compatibility_key(engine),
        }
    }

    fn entry(&self, sha256: &str) -> PathBuf {
        self.root.join(sha256)
    }

    /// The compiled component for these bytes: from the cache, or compiled now and cached. A
    /// compile is announced on stderr under the name `announce` gives.
    pub fn component(
        &self,
        engine: &Engine,
        sha256: &str,
        bytes: &[u8],
        announce: Option<&str>,
    ) -> Result<Component, CompileError> {
        let path = self
            .entry(sha256)
            .join(format!("{}.cwasm", self.engine_key));
        if path.exists() {
            // SAFETY: the file was produced by `Engine::precompile_component` of an engine with
            // the same compatibility key, in this user's private cache directory.
            match unsafe { Component::deserialize_file(engine, &path) } {
                Ok(component) => return Ok(component),
                Err(err) => {
                    tracing::warn!(path = %path.display(), "recompiling unusable cache entry: {err:#}")
                }
            }
        }
        // Seconds for a large plugin: worth a line, and what tests wait for.
        let started = std::time::Instant::now();
        tracing::info!(sha256 = %&sha256[..sha256.len().min(12)], "compiling a plugin build");
        if let Some(name) = announce {
            eprintln!(
                "compiling {name} ({:.1} MB), first time only for this build…",
                bytes.len() as f64 / 1e6
            );
        }
        let compiled = if crate::compile_child::enabled() {
            crate::compile_child::compile(&path, sha256, bytes).map_err(CompileError::Compiler)?;
            None
        } else {
            Some(
                engine
                    .precompile_component(bytes)
                    .map_err(CompileError::Invalid)?,
            )
        };
        if announce.is_some() {
            eprintln!("compiled in {:.1} s", started.elapsed().as_secs_f64());
        }
        tracing::info!(
            sha256 = %&sha256[..sha256.len().min(12)],
            elapsed_ms = started.elapsed().as_millis() as u64,
            "compiled"
        );
        let Some(compiled) = compiled else {
            // SAFETY: written by the compiler child, this same binary, with engine settings of
            // the same compatibility key (a unit test of `runtime` holds them to it; wasmtime
            // refuses code of another).
            return unsafe { Component::deserialize_file(engine, &path) }
                .map_err(CompileError::Invalid);
        };
        let loaded = match fasthooks_ipc::private::write_atomically(&path, &compiled) {
            // SAFETY: as above; just written from `precompile_component`.
            Ok(()) => unsafe { Component::deserialize_file(engine, &path) },
            Err(err) => {
                tracing::warn!(path = %path.display(), "cannot cache compiled plugin: {err}");
                // SAFETY: the bytes come straight from `precompile_component` of this engine.
                unsafe { Component::deserialize(engine, &compiled) }
            }
        };
        loaded.map_err(CompileError::Invalid)
    }

    /// Is a compiled component for these bytes in the cache?
    pub fn has_component(&self, sha256: &str) -> bool {
        self.entry(sha256)
            .join(format!("{}.cwasm", self.engine_key))
            .exists()
    }

    /// A compiled component from the cache only (its source bytes may be gone).
    pub fn cached_component(&self, engine: &Engine, sha256: &str) -> Option<Component> {
        let path = self
            .entry(sha256)
            .join(format!("{}.cwasm", self.engine_key));
        // SAFETY: see `component`.
        path.exists()
            .then(|| unsafe { Component::deserialize_file(engine, &path) }.ok())
            .flatten()
    }

    pub fn describe(&self, sha256: &str) -> Option<PluginInfo> {
        let text = std::fs::read(self.entry(sha256).join("describe.json")).ok()?;
        serde_json::from_slice(&text).ok()
    }

    pub fn store_describe(&self, sha256: &str, info: &PluginInfo) {
        let path = self.entry(sha256).join("describe.json");
        let json = serde_json::to_vec(info).expect("plugin info serializes");
        if let Err(err) = fasthooks_ipc::private::write_atomically(&path, &json) {
            tracing::warn!(path = %path.display(), "cannot cache describe(): {err}");
        }
    }
}
