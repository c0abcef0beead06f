//! Compiles and links plugins, caching the result on disk ([`crate::compile_cache`]) and in
//! memory, and learns what each build subscribes to. A rebuilt file is picked up at the next
//! event because its bytes, hence its hash, changed.

use super::{PluginError, PluginFile};
use crate::compile_cache::CompileCache;
use crate::info::PluginInfo;
use crate::instance::{CallFailure, Described, one_line};
use crate::sandbox::InstanceState;
use crate::wit::{PluginCore, PluginCorePre};
use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use wasmtime::Engine;
use wasmtime::component::{HasSelf, Linker};

/// A compiled, linked plugin ready to instantiate.
pub struct LoadedPlugin {
    pub sha256: String,
    pub info: PluginInfo,
    pub pre: PluginCorePre<InstanceState>,
}

/// Compiles and links plugins, caching the result on disk and in memory.
pub struct PluginLoader {
    engine: Engine,
    linker: Linker<InstanceState>,
    cache: CompileCache,
    index_dir: PathBuf,
    loaded: LoadedPlugins,
    /// What each plugin file held when last looked at: (file fingerprint, SHA-256).
    builds: std::sync::Mutex<std::collections::HashMap<PathBuf, (String, String)>>,
    /// Say on stderr when a plugin is compiled ([`PluginLoader::announce_compiles`]).
    announce: std::sync::atomic::AtomicBool,
}

/// Plugins loaded in this process, by SHA-256. Bounded (a long-lived daemon sees many rebuilds
/// of a plugin under development): past `CAPACITY` the least recently used goes. Loading is done
/// once per build even when hooks race for it (a Python component takes seconds to compile).
#[derive(Default)]
struct LoadedPlugins {
    entries: Mutex<HashMap<String, (Arc<LoadedPlugin>, u64)>>,
    uses: std::sync::atomic::AtomicU64,
    loading: Mutex<HashMap<String, Arc<Mutex<()>>>>,
    /// Builds that failed to load, with when and why: the hooks racing for one (and those
    /// right after) get the answer at once instead of each paying for it again.
    failed: Mutex<HashMap<String, (std::time::Instant, String)>>,
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

    /// How long a failed build is not tried again.
    const FAILURE_MEMORY: std::time::Duration = std::time::Duration::from_secs(30);

    fn failure(&self, sha256: &str) -> Option<String> {
        let mut failed = self.failed.lock().unwrap();
        match failed.get(sha256) {
            Some((at, why)) if at.elapsed() < Self::FAILURE_MEMORY => Some(why.clone()),
            Some(_) => {
                failed.remove(sha256);
                None
            }
            None => None,
        }
    }

    fn remember_failure(&self, sha256: &str, why: String) {
        let mut failed = self.failed.lock().unwrap();
        failed.retain(|_, (at, _)| at.elapsed() < Self::FAILURE_MEMORY);
        failed.insert(sha256.to_owned(), (std::time::Instant::now(), why));
    }
}

impl PluginLoader {
    /// The loader of a process running plugins of the fasthooks home `paths` (whose directories
    /// no plugin may reach, see [`crate::sandbox::host_places`]).
    pub fn new(engine: Engine, paths: &fasthooks_ipc::Paths) -> wasmtime::Result<PluginLoader> {
        let cache_dir = paths.cache.as_path();
        let mut linker = Linker::new(&engine);
        crate::sandbox::add_to_linker(&mut linker)?;
        crate::sandbox::host_places::protect(paths);
        crate::sandbox::hidden_root::prepare(cache_dir);
        PluginCore::add_to_linker::<_, HasSelf<InstanceState>>(&mut linker, |state| state)?;
        let cache = CompileCache::new(cache_dir, &engine);
        let index_dir = cache_dir.join("hashes");
        Ok(PluginLoader {
            engine,
            linker,
            cache,
            index_dir,
            loaded: LoadedPlugins::default(),
            builds: Default::default(),
            announce: Default::default(),
        })
    }

    /// From now on, a compile (seconds for a Python or JavaScript plugin, once per build) is
    /// announced on stderr when stderr is a terminal: for commands a person runs (`install`,
    /// `describe`, `inspect`, `test`). Never for hooks (their stderr is Claude Code's), nor
    /// into a pipe or file, where a line nobody asked for would break whoever reads it.
    pub fn announce_compiles(&self) {
        use std::io::IsTerminal;
        if std::io::stderr().is_terminal() {
            self.announce
                .store(true, std::sync::atomic::Ordering::Relaxed);
        }
    }

    /// Does the plugin file at `path` still hold the build `sha256`? One `stat` when the file is
    /// unchanged since the last look (a background task asks this before every run).
    pub fn still_holds(&self, path: &Path, sha256: &str) -> Result<bool, PluginError> {
        let meta = std::fs::metadata(path).map_err(PluginError::Open)?;
        let print = super::file::fingerprint(&meta);
        if let Some((seen, sha)) = self.builds.lock().unwrap().get(path)
            && *seen == print
        {
            return Ok(sha == sha256);
        }
        let file = self.open(path)?;
        let holds = file.sha256 == sha256;
        self.builds
            .lock()
            .unwrap()
            .insert(path.to_owned(), (print, file.sha256));
        Ok(holds)
    }

    /// Open a plugin file, using this loader's hash index.
    pub fn open(&self, path: &Path) -> Result<PluginFile, PluginError> {
        PluginFile::open(path, Some(&self.index_dir))
    }

    pub fn engine(&self) -> &Engine {
        &self.engine
    }

    /// Are these bytes compiled already (in the compile cache)?
    pub fn is_compiled(&self, sha256: &str) -> bool {
        self.cache.has_component(sha256)
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
        describe: impl FnOnce(&PluginCorePre<InstanceState>) -> Result<Described, CallFailure>,
    ) -> Result<Arc<LoadedPlugin>, PluginError> {
        let ready = || -> Option<Result<Arc<LoadedPlugin>, PluginError>> {
            if let Some(plugin) = self.loaded.get(&file.sha256) {
                return Some(Ok(plugin));
            }
            self.loaded
                .failure(&file.sha256)
                .map(|why| Err(PluginError::Remembered(why)))
        };
        if let Some(done) = ready() {
            return done;
        }
        let lock = self.loaded.loading_lock(&file.sha256);
        let _loading = lock.lock().unwrap();
        if let Some(done) = ready() {
            return done;
        }
        let loaded = self.load_uncached(file, describe);
        if let Err(err) = &loaded
            && err.is_of_the_build()
        {
            self.loaded.remember_failure(&file.sha256, err.to_string());
        }
        self.loaded.done_loading(&file.sha256);
        loaded
    }

    fn load_uncached(
        &self,
        file: &PluginFile,
        describe: impl FnOnce(&PluginCorePre<InstanceState>) -> Result<Described, CallFailure>,
    ) -> Result<Arc<LoadedPlugin>, PluginError> {
        let component = match self.cache.cached_component(&self.engine, &file.sha256) {
            Some(component) => Ok(component),
            None => {
                let bytes = file.bytes()?;
                check_component_header(bytes)?;
                let announce = self
                    .announce
                    .load(std::sync::atomic::Ordering::Relaxed)
                    .then(|| file.path.file_name().unwrap_or_default().to_string_lossy());
                self.cache
                    .component(&self.engine, &file.sha256, bytes, announce.as_deref())
            }
        };
        let component = component.map_err(|err| {
            use crate::compile_cache::CompileError;
            use crate::compile_child::CompileFailure;
            match err {
                CompileError::Invalid(err) => PluginError::InvalidComponent(one_line(&err)),
                CompileError::Compiler(CompileFailure::Invalid(why)) => {
                    PluginError::InvalidComponent(why)
                }
                CompileError::Compiler(other) => PluginError::Compile(other.to_string()),
            }
        })?;
        let pre = self.link(&component)?;
        let info = match self.cache.describe(&file.sha256) {
            Some(info) => info,
            None => {
                let info = PluginInfo::from_wit(describe(&pre).map_err(PluginError::Describe)?);
                info.validate()?;
                self.cache.store_describe(&file.sha256, &info);
                info
            }
        };
        let info = info.with_imported_capabilities(
            import_names(&self.engine, &component)
                .iter()
                .map(String::as_str),
        );
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
    pub fn load_build(&self, path: &Path, sha256: &str) -> Result<Arc<LoadedPlugin>, PluginError> {
        if let Some(plugin) = self.loaded.get(sha256) {
            return Ok(plugin);
        }
        if let Ok(file) = PluginFile::open(path, Some(&self.index_dir))
            && file.sha256 == sha256
        {
            return self.load(&file, |_| {
                Err(CallFailure::Setup("describe() was not cached".into()))
            });
        }
        let gone = || PluginError::BuildGone {
            path: path.to_owned(),
            sha256: sha256.to_owned(),
        };
        let component = self
            .cache
            .cached_component(&self.engine, sha256)
            .ok_or_else(gone)?;
        let info = self.cache.describe(sha256).ok_or_else(gone)?;
        let pre = self.link(&component)?;
        let info = info.with_imported_capabilities(
            import_names(&self.engine, &component)
                .iter()
                .map(String::as_str),
        );
        let plugin = Arc::new(LoadedPlugin {
            sha256: sha256.to_owned(),
            info,
            pre,
        });
        self.loaded.insert(plugin.clone());
        Ok(plugin)
    }
}

impl PluginLoader {
    /// Link a compiled component against the host's interfaces and check its exports.
    fn link(
        &self,
        component: &wasmtime::component::Component,
    ) -> Result<PluginCorePre<InstanceState>, PluginError> {
        let instance_pre = self
            .linker
            .instantiate_pre(component)
            .map_err(|err| PluginError::WrongImports(one_line(&err)))?;
        PluginCorePre::new(instance_pre).map_err(|err| PluginError::WrongExports(one_line(&err)))
    }
}

/// The names of the interfaces a component imports (`wasi:http/outgoing-handler@0.2.4`, ...).
pub fn import_names(engine: &Engine, component: &wasmtime::component::Component) -> Vec<String> {
    component
        .component_type()
        .imports(engine)
        .map(|(name, _)| name.to_owned())
        .collect()
}

/// Does a component import function `func` of `interface` (`fasthooks:hooks/tasks`, any
/// version)? Rust guests import only the functions they call; componentize-py and jco import
/// every function of every interface of the world.
pub fn imports_function(
    engine: &Engine,
    component: &wasmtime::component::Component,
    interface: &str,
    func: &str,
) -> bool {
    component
        .component_type()
        .imports(engine)
        .any(|(name, import)| {
            name.split('@').next() == Some(interface)
                && matches!(&import.ty, wasmtime::component::types::ComponentItem::ComponentInstance(instance)
                    if instance.exports(engine).any(|(export, _)| export == func))
        })
}

/// Name the two common mistakes (not wasm at all; a core module) before wasmtime's own message.
fn check_component_header(bytes: &[u8]) -> Result<(), PluginError> {
    if bytes.len() < 8 || &bytes[0..4] != b"\0asm" {
        return Err(PluginError::NotWasm);
    }
    if bytes[4..8] == [1, 0, 0, 0] {
        return Err(PluginError::CoreModule);
    }
    Ok(())
}
