//! The one wasmtime `Engine` of a host process, and the ticker that drives epoch interruption.
//!
//! Settings that matter and why:
//! - Pooling allocator (in the daemon) with memories and tables kept resident: a fresh instance
//!   per call costs microseconds, and it is the only allocator that scales across threads
//!   without mmap contention.
//! - Epoch interruption: every `Store` checks a wall-clock deadline on each tick, which is how a
//!   looping plugin is stopped and how a running task is cancelled.
//! - No wasmtime on-disk cache: compiled code is cached by `compile_cache` under the host's own
//!   directory, keyed by the plugin's SHA-256 and this engine's compatibility hash.
//! - Cranelift compiles. `FASTHOOKS_COMPILER=winch` ([`COMPILER_ENV`]) picks Winch, wasmtime's
//!   baseline compiler, instead: `scripts/bench.sh` section 4 measures what a first tier would
//!   give (compile time against the speed of the code); code is cached per compiler.

use sha2::{Digest, Sha256};
use std::hash::{Hash, Hasher};
use std::sync::OnceLock;
use std::time::Duration;
use wasmtime::{Config, Engine, InstanceAllocationStrategy, PoolingAllocationConfig};

/// How often the epoch advances. Deadlines and cancellation are observed within one tick.
pub const EPOCH_TICK: Duration = Duration::from_millis(5);

/// The largest linear memory any plugin may have; the per-plugin limit (`--max-memory-mb`) is
/// enforced below this by the store's resource limiter.
pub const MAX_MEMORY_BYTES: usize = 4 << 30;

#[derive(Debug, Clone, Copy)]
pub struct EngineSettings {
    /// The pooling allocator pays off over many instances (the daemon); a hook process that
    /// instantiates once or twice starts faster without it.
    pub pooling: bool,
    /// Component instances that may be alive at once (one per running call or task).
    pub concurrent_instances: u32,
}

impl EngineSettings {
    /// An `--inline` hook process: a few instances, one after the other.
    pub fn for_hook_process() -> EngineSettings {
        EngineSettings {
            pooling: false,
            concurrent_instances: 16,
        }
    }

    /// `compile-plugin`, the child that compiles (see [`crate::compile_child`]): one engine,
    /// no instance. Its compiled code must load in the daemon's and the hook process's engines.
    pub fn for_compiling() -> EngineSettings {
        EngineSettings::for_hook_process()
    }

    pub fn for_daemon() -> EngineSettings {
        EngineSettings {
            pooling: true,
            concurrent_instances: 1000,
        }
    }
}

/// The compiler the engine uses: `winch`, or Cranelift (anything else, or unset).
pub const COMPILER_ENV: &str = "FASTHOOKS_COMPILER";

fn winch_asked() -> bool {
    std::env::var(COMPILER_ENV).is_ok_and(|name| name == "winch")
}

pub fn new_engine(settings: EngineSettings) -> wasmtime::Result<Engine> {
    let instances = settings.concurrent_instances.max(1);
    let mut pool = PoolingAllocationConfig::new();
    pool.total_component_instances(instances)
        .total_core_instances(instances * 8)
        .total_memories(instances * 2)
        .total_tables(instances * 4)
        .total_stacks(instances)
        .max_memory_size(MAX_MEMORY_BYTES)
        // Interpreted guests (Python, JavaScript) have large function tables.
        .table_elements(100_000)
        .max_core_instance_size(4 << 20)
        .max_component_instance_size(4 << 20)
        // Keep recently used pages mapped so the next instance does not fault them in again.
        .linear_memory_keep_resident(1 << 20)
        .table_keep_resident(1 << 16)
        // Calls run on fiber stacks (async); keep their hot pages too.
        .async_stack_keep_resident(256 << 10)
        .pagemap_scan(wasmtime::Enabled::Auto);

    let mut config = Config::new();
    if settings.pooling {
        config.allocation_strategy(InstanceAllocationStrategy::Pooling(pool));
    }
    config
        .epoch_interruption(true)
        .wasm_backtrace_max_frames(None)
        .parallel_compilation(true)
        .max_wasm_stack(1 << 20);
    if winch_asked() {
        config.strategy(wasmtime::Strategy::Winch);
    }
    Engine::new(&config)
}

/// A stable text key for "code compiled by this engine can be loaded by that engine": the
/// engine's compatibility hash and the host version (a new release may link differently),
/// through SHA-256, whose output, unlike `DefaultHasher`'s, is the same in every Rust release.
pub fn compatibility_key(engine: &Engine) -> String {
    let mut feed = ShaFeed(Sha256::new());
    engine.precompile_compatibility_hash().hash(&mut feed);
    let mut digest = feed.0;
    digest.update(env!("CARGO_PKG_VERSION").as_bytes());
    if winch_asked() {
        digest.update(b"winch");
    }
    format!("{:x}", digest.finalize())[..16].to_owned()
}

/// Lets wasmtime's `Hash` impl write into a SHA-256.
struct ShaFeed(Sha256);

impl Hasher for ShaFeed {
    fn write(&mut self, bytes: &[u8]) {
        self.0.update(bytes);
    }
    fn finish(&self) -> u64 {
        unreachable!("only the SHA-256 digest is read")
    }
}

/// Start the thread that advances the engine's epoch every [`EPOCH_TICK`]. Idempotent per process.
pub fn start_epoch_ticker(engine: &Engine) {
    static STARTED: OnceLock<()> = OnceLock::new();
    STARTED.get_or_init(|| {
        let weak = engine.weak();
        std::thread::Builder::new()
            .name("fasthooks-epoch".into())
            .spawn(move || {
                while let Some(engine) = weak.upgrade() {
                    engine.increment_epoch();
                    drop(engine);
                    std::thread::sleep(EPOCH_TICK);
                }
            })
            .expect("spawn the epoch ticker thread");
    });
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The compiler child's code must load in the daemon and in a hook process.
    #[test]
    fn code_compiled_by_the_compiler_child_loads_in_every_engine() {
        let key = |settings| compatibility_key(&new_engine(settings).unwrap());
        let compiled = key(EngineSettings::for_compiling());
        assert_eq!(compiled, key(EngineSettings::for_daemon()));
        assert_eq!(compiled, key(EngineSettings::for_hook_process()));
    }
}
