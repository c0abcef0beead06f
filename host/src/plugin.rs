//! A plugin: its file, its identity, what it says about itself, and the compiled, pre-linked
//! component ready to instantiate.
//!
//! A plugin is identified by the SHA-256 of its bytes for compiled code, and by its declared name
//! plus canonical path for everything a user sees (logs, task namespaces). A rebuilt file is
//! picked up at the next event because the bytes, hence the hash, changed.

use crate::bindings::{PluginPre, types};
use crate::compile_cache::CompileCache;
use crate::matcher::Matcher;
use crate::protocol::HookEvent;
use crate::sandbox::InstanceState;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use wasmtime::Engine;
use wasmtime::component::{HasSelf, Linker};

/// Who a plugin is, as users and task namespaces see it.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct PluginId {
    pub name: String,
    pub path: PathBuf,
}

/// What `describe()` returned, host-side and serializable (it is cached on disk).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PluginInfo {
    pub name: String,
    pub version: String,
    pub subscriptions: Vec<Subscription>,
    pub capabilities: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Subscription {
    pub event: String,
    pub matcher: String,
}

impl PluginInfo {
    fn from_wit(info: types::PluginInfo) -> PluginInfo {
        PluginInfo {
            name: info.name,
            version: info.version,
            subscriptions: info
                .subscriptions
                .into_iter()
                .map(|s| Subscription {
                    event: s.event,
                    matcher: s.matcher,
                })
                .collect(),
            capabilities: info
                .capabilities
                .iter()
                .map(|c| capability_name(*c).to_owned())
                .collect(),
        }
    }

    /// Does any subscription match this event? `*` as the event name subscribes to all events.
    /// Matchers that fail to parse never match (they are reported when the plugin loads).
    pub fn subscribes_to(&self, event: &HookEvent) -> bool {
        self.subscriptions.iter().any(|sub| {
            (sub.event == "*" || sub.event == event.name)
                && Matcher::parse(&sub.matcher)
                    .is_ok_and(|m| m.matches(event.matcher_subject.as_deref()))
        })
    }
}

pub fn capability_name(capability: types::Capability) -> &'static str {
    match capability {
        types::Capability::ReadFiles => "read-files",
        types::Capability::WriteFiles => "write-files",
        types::Capability::Network => "network",
        types::Capability::Environment => "environment",
        types::Capability::Agent => "agent",
    }
}

/// A plugin file: its canonical path and the SHA-256 of its bytes.
///
/// Hashing a plugin on every hook call would cost more than running it, so the hash is
/// remembered against the file's identity (device, inode, size, modification and change times)
/// in the cache directory; any write to the file changes its change time, and the file is then
/// hashed again. The bytes themselves are read only when something needs them (compiling).
pub struct PluginFile {
    /// Canonical path (the file must exist to be canonicalized).
    pub path: PathBuf,
    pub sha256: String,
    bytes: std::sync::OnceLock<Result<Vec<u8>, String>>,
}

impl PluginFile {
    pub fn read(path: &Path) -> Result<PluginFile, String> {
        PluginFile::open(path, None)
    }

    /// Open `path`, taking its hash from `index` when the file is unchanged since it was hashed.
    pub fn open(path: &Path, index: Option<&Path>) -> Result<PluginFile, String> {
        let canonical = std::fs::canonicalize(path)
            .map_err(|err| format!("cannot open plugin {}: {}", path.display(), io_reason(&err)))?;
        let meta = std::fs::metadata(&canonical)
            .map_err(|err| format!("cannot read plugin {}: {}", path.display(), io_reason(&err)))?;
        let fingerprint = fingerprint(&meta);
        let entry = index.map(|dir| {
            dir.join(hex(&Sha256::digest(
                canonical.as_os_str().as_encoded_bytes(),
            )))
        });
        if let Some(entry) = &entry
            && let Ok(text) = std::fs::read_to_string(entry)
            && let Some((recorded, sha256)) = text.trim().rsplit_once(' ')
            && recorded == fingerprint
        {
            return Ok(PluginFile {
                path: canonical,
                sha256: sha256.to_owned(),
                bytes: Default::default(),
            });
        }
        let bytes = std::fs::read(&canonical)
            .map_err(|err| format!("cannot read plugin {}: {}", path.display(), io_reason(&err)))?;
        let sha256 = hex(&Sha256::digest(&bytes));
        if let Some(entry) = &entry {
            let _ = entry.parent().map(std::fs::create_dir_all);
            let _ = crate::compile_cache::write_atomically(
                entry,
                format!("{fingerprint} {sha256}\n").as_bytes(),
            );
        }
        Ok(PluginFile {
            path: canonical,
            sha256,
            bytes: std::sync::OnceLock::from(Ok(bytes)),
        })
    }

    /// The file's bytes, read on first use.
    pub fn bytes(&self) -> Result<&[u8], String> {
        self.bytes
            .get_or_init(|| {
                std::fs::read(&self.path)
                    .map_err(|err| format!("cannot read plugin {}: {err}", self.path.display()))
            })
            .as_ref()
            .map(Vec::as_slice)
            .map_err(Clone::clone)
    }

    /// A display name before `describe()` is known: the file stem.
    pub fn display_name(&self) -> String {
        self.path
            .file_stem()
            .map(|s| s.to_string_lossy().into_owned())
            .unwrap_or_default()
    }
}

fn fingerprint(meta: &std::fs::Metadata) -> String {
    use std::os::unix::fs::MetadataExt;
    format!(
        "{}:{}:{}:{}.{}:{}.{}",
        meta.dev(),
        meta.ino(),
        meta.size(),
        meta.mtime(),
        meta.mtime_nsec(),
        meta.ctime(),
        meta.ctime_nsec()
    )
}

fn io_reason(err: &std::io::Error) -> String {
    match err.kind() {
        std::io::ErrorKind::NotFound => {
            "no such file (build it first? see README: scripts/build-plugins.sh)".into()
        }
        _ => err.to_string(),
    }
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// A compiled, linked plugin ready to instantiate.
pub struct LoadedPlugin {
    pub sha256: String,
    pub info: PluginInfo,
    pub pre: PluginPre<InstanceState>,
}

/// Compiles and links plugins, caching the result on disk and in memory.
pub struct PluginLoader {
    engine: Engine,
    linker: Linker<InstanceState>,
    cache: CompileCache,
    index_dir: PathBuf,
    loaded: LoadedPlugins,
}

/// Plugins loaded in this process, by SHA-256. Bounded (a long-lived daemon sees many rebuilds
/// of a plugin under development): past `CAPACITY` the least recently used goes. Loading is done
/// once per build even when hooks race for it (a Python component takes seconds to compile).
#[derive(Default)]
struct LoadedPlugins {
    entries: Mutex<HashMap<String, (Arc<LoadedPlugin>, u64)>>,
    uses: std::sync::atomic::AtomicU64,
    loading: Mutex<HashMap<String, Arc<Mutex<()>>>>,
}

impl LoadedPlugins {
    const CAPACITY: usize = 64;

    fn get(&self, sha256: &str) -> Option<Arc<LoadedPlugin>> {
        let mut entries = self.entries.lock().unwrap();
        let (plugin, last_use) = entries.get_mut(sha256)?;
        *last_use = self.uses.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        Some(plugin.clone())
    }

    fn insert(&self, plugin: Arc<LoadedPlugin>) {
        let mut entries = self.entries.lock().unwrap();
        if entries.len() >= Self::CAPACITY
            && let Some(oldest) = entries
                .iter()
                .min_by_key(|(_, (_, used))| *used)
                .map(|(sha, _)| sha.clone())
        {
            entries.remove(&oldest);
        }
        let used = self.uses.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        entries.insert(plugin.sha256.clone(), (plugin, used));
    }

    /// Held while one build of a plugin is being loaded.
    fn loading_lock(&self, sha256: &str) -> Arc<Mutex<()>> {
        self.loading
            .lock()
            .unwrap()
            .entry(sha256.to_owned())
            .or_default()
            .clone()
    }

    fn done_loading(&self, sha256: &str) {
        self.loading.lock().unwrap().remove(sha256);
    }
}

impl PluginLoader {
    pub fn new(engine: Engine, cache_dir: &Path) -> wasmtime::Result<PluginLoader> {
        let mut linker = Linker::new(&engine);
        wasmtime_wasi::p2::add_to_linker_async(&mut linker)?;
        crate::bindings::Plugin::add_to_linker::<_, HasSelf<InstanceState>>(
            &mut linker,
            |state| state,
        )?;
        let cache = CompileCache::new(cache_dir, &engine);
        let index_dir = cache_dir.join("hashes");
        Ok(PluginLoader {
            engine,
            linker,
            cache,
            index_dir,
            loaded: LoadedPlugins::default(),
        })
    }

    /// Open a plugin file, using this loader's hash index.
    pub fn open(&self, path: &Path) -> Result<PluginFile, String> {
        PluginFile::open(path, Some(&self.index_dir))
    }

    pub fn engine(&self) -> &Engine {
        &self.engine
    }

    /// The cached `describe()` answer for these bytes, without compiling anything.
    pub fn cached_info(&self, file: &PluginFile) -> Option<PluginInfo> {
        if let Some(plugin) = self.loaded.get(&file.sha256) {
            return Some(plugin.info.clone());
        }
        self.cache.describe(&file.sha256)
    }

    /// Compile (or load from cache), link, and learn what the plugin subscribes to.
    /// `describe` is called in a fresh instance when the answer is not cached yet.
    pub fn load(
        &self,
        file: &PluginFile,
        describe: impl FnOnce(&PluginPre<InstanceState>) -> Result<types::PluginInfo, String>,
    ) -> Result<Arc<LoadedPlugin>, String> {
        if let Some(plugin) = self.loaded.get(&file.sha256) {
            return Ok(plugin);
        }
        let lock = self.loaded.loading_lock(&file.sha256);
        let _loading = lock.lock().unwrap();
        if let Some(plugin) = self.loaded.get(&file.sha256) {
            return Ok(plugin);
        }
        let loaded = self.load_uncached(file, describe);
        self.loaded.done_loading(&file.sha256);
        loaded
    }

    fn load_uncached(
        &self,
        file: &PluginFile,
        describe: impl FnOnce(&PluginPre<InstanceState>) -> Result<types::PluginInfo, String>,
    ) -> Result<Arc<LoadedPlugin>, String> {
        let component = match self.cache.cached_component(&self.engine, &file.sha256) {
            Some(component) => Ok(component),
            None => {
                let bytes = file.bytes()?;
                check_component_header(bytes)?;
                self.cache.component(&self.engine, &file.sha256, bytes)
            }
        };
        let component = component
            .map_err(|err| format!("is not a valid WebAssembly component: {}", one_line(&err)))?;
        let instance_pre = self.linker.instantiate_pre(&component).map_err(|err| {
            format!(
                "is not a fasthooks plugin (it imports something the host does not provide; \
                 build it against wit/ fasthooks:hooks@0.1.0): {}",
                one_line(&err)
            )
        })?;
        let pre = PluginPre::new(instance_pre).map_err(|err| {
            format!(
                "is not a fasthooks plugin (it does not export the fasthooks:hooks@0.1.0 `plugin` world: \
                 describe, handle, run-task): {}",
                one_line(&err)
            )
        })?;
        let info = match self.cache.describe(&file.sha256) {
            Some(info) => info,
            None => {
                let info = PluginInfo::from_wit(
                    describe(&pre).map_err(|err| format!("describe() failed: {err}"))?,
                );
                validate_info(&info)?;
                self.cache.store_describe(&file.sha256, &info);
                info
            }
        };
        let plugin = Arc::new(LoadedPlugin {
            sha256: file.sha256.clone(),
            info,
            pre,
        });
        self.loaded.insert(plugin.clone());
        Ok(plugin)
    }
}

impl PluginLoader {
    /// A specific build of a plugin, for a task added while that build was current: from memory,
    /// from the file if it still has those bytes, or from the compile cache.
    pub fn load_build(&self, path: &Path, sha256: &str) -> Result<Arc<LoadedPlugin>, String> {
        if let Some(plugin) = self.loaded.get(sha256) {
            return Ok(plugin);
        }
        if let Ok(file) = PluginFile::open(path, Some(&self.index_dir))
            && file.sha256 == sha256
        {
            return self.load(&file, |_| Err("describe() was not cached".into()));
        }
        let component = self
            .cache
            .cached_component(&self.engine, sha256)
            .ok_or_else(|| {
                format!(
                    "the build of {} that added this task ({sha256}) is no longer available",
                    path.display()
                )
            })?;
        let info = self
            .cache
            .describe(sha256)
            .ok_or_else(|| format!("no cached describe() for build {sha256}"))?;
        let instance_pre = self
            .linker
            .instantiate_pre(&component)
            .map_err(|err| one_line(&err))?;
        let pre = PluginPre::new(instance_pre).map_err(|err| one_line(&err))?;
        let plugin = Arc::new(LoadedPlugin {
            sha256: sha256.to_owned(),
            info,
            pre,
        });
        self.loaded.insert(plugin.clone());
        Ok(plugin)
    }
}

/// Name the two common mistakes (not wasm at all; a core module) before wasmtime's own message.
fn check_component_header(bytes: &[u8]) -> Result<(), String> {
    if bytes.len() < 8 || &bytes[0..4] != b"\0asm" {
        return Err("is not a WebAssembly file".into());
    }
    if bytes[4..8] == [1, 0, 0, 0] {
        return Err(
            "is a core WebAssembly module, not a component: build it for wasm32-wasip2 \
                    (or wrap it with `wasm-tools component new`)"
                .into(),
        );
    }
    Ok(())
}

fn validate_info(info: &PluginInfo) -> Result<(), String> {
    if info.name.trim().is_empty() {
        return Err("describe() returned an empty plugin name".into());
    }
    for sub in &info.subscriptions {
        Matcher::parse(&sub.matcher)
            .map_err(|err| format!("describe(): subscription to {}: {err}", sub.event))?;
    }
    Ok(())
}

/// wasmtime errors carry a chain of contexts; a hook prints one line.
pub fn one_line(err: &wasmtime::Error) -> String {
    format!("{err:#}").replace('\n', " ")
}
