//! Compiled plugins and their `describe()` answers, cached on disk under the host's own cache
//! directory so the second hook call neither compiles nor instantiates to learn subscriptions.
//!
//! Layout: `<cache>/plugins/<sha256>/<engine-key>.cwasm` and `<cache>/plugins/<sha256>/describe.json`.
//! Precompiled code is only ever loaded from here (a directory this user owns, written by this
//! host), never from a path a plugin or settings file names. Entries are written to a temporary
//! file and renamed, so a concurrent reader sees either nothing or a whole file; a file that fails
//! to load is recompiled and replaced. Directories are 0700 and files 0600 ([`fasthooks_ipc::private`]).

use crate::info::PluginInfo;
use std::io::Write;
use std::path::{Path, PathBuf};
use wasmtime::Engine;
use wasmtime::component::Component;

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
    ) -> wasmtime::Result<Component> {
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
        let compiled = engine.precompile_component(bytes)?;
        if announce.is_some() {
            eprintln!("compiled in {:.1} s", started.elapsed().as_secs_f64());
        }
        tracing::info!(
            sha256 = %&sha256[..sha256.len().min(12)],
            elapsed_ms = started.elapsed().as_millis() as u64,
            "compiled"
        );
        match write_atomically(&path, &compiled) {
            // SAFETY: as above; just written from `precompile_component`.
            Ok(()) => unsafe { Component::deserialize_file(engine, &path) },
            Err(err) => {
                tracing::warn!(path = %path.display(), "cannot cache compiled plugin: {err}");
                // SAFETY: the bytes come straight from `precompile_component` of this engine.
                unsafe { Component::deserialize(engine, &compiled) }
            }
        }
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
        if let Err(err) = write_atomically(&path, &json) {
            tracing::warn!(path = %path.display(), "cannot cache describe(): {err}");
        }
    }
}

pub fn write_atomically(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    let dir = path.parent().expect("cache entries live in a directory");
    fasthooks_ipc::private::create_dir(dir)?;
    let tmp = dir.join(format!(
        ".{}.{}.{}.tmp",
        path.file_name().and_then(|n| n.to_str()).unwrap_or("entry"),
        std::process::id(),
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_nanos())
            .unwrap_or(0)
    ));
    let mut file = fasthooks_ipc::private::open_file(
        &tmp,
        std::fs::OpenOptions::new().write(true).create_new(true),
    )?;
    file.write_all(bytes)?;
    drop(file);
    std::fs::rename(&tmp, path).inspect_err(|_| {
        let _ = std::fs::remove_file(&tmp);
    })
}
