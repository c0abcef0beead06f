//! Every bound the scheduler keeps a plugin within, in one place: field sizes, TTLs, the
//! per-session queue and the per-plugin store quota, and the error `add` gives past one.

pub const DEFAULT_TTL_SECONDS: u32 = 300;
/// Results larger than this fail the task rather than bloat the store.
pub const MAX_RESULT_BYTES: usize = 4 << 20;
/// Arguments larger than this are refused by `add`.
pub const MAX_ARGS_BYTES: usize = 4 << 20;
/// Task names and keys longer than this are refused by `add`.
pub const MAX_NAME_BYTES: usize = 1 << 10;
/// The longest a finished result may be kept: a week.
pub const MAX_TTL_SECONDS: u32 = 7 * 24 * 3600;
/// A failed task's error text is kept up to this, like a result.
pub const MAX_ERROR_BYTES: usize = MAX_RESULT_BYTES;
/// Bytes one plugin file's tasks may hold in the store (arguments, results, errors, names and
/// keys, across every session), so that a new session id is no way around the bounds: the
/// default of [`TaskConfig::max_stored_bytes_per_plugin`].
pub const DEFAULT_MAX_STORED_BYTES_PER_PLUGIN: u64 = 256 << 20;
pub const HOST_RESTARTED: &str = "host restarted while the task was running";

#[derive(Debug, Clone, Copy)]
pub struct TaskConfig {
    pub workers: usize,
    pub max_queued_per_session: usize,
    pub max_stored_bytes_per_plugin: u64,
}

impl Default for TaskConfig {
    fn default() -> TaskConfig {
        TaskConfig {
            workers: std::thread::available_parallelism()
                .map(|n| n.get())
                .unwrap_or(2),
            max_queued_per_session: 1000,
            max_stored_bytes_per_plugin: DEFAULT_MAX_STORED_BYTES_PER_PLUGIN,
        }
    }
}

/// Arguments longer than this wait on disk, not in memory, until their task runs: what the
/// daemon holds for queued tasks grows with their number, not with their arguments.
pub const ARGS_KEPT_IN_MEMORY: usize = 4 << 10;

/// Results handed to a guest call in another process are put back if it has not said how the
/// call ended after this long (it died meanwhile).
pub const ABANDONED_DELIVERY_MS: u64 = 30 * 60 * 1000;

/// Why `add` refused a task; the guest sees the message.
#[derive(Debug, thiserror::Error)]
pub enum AddError {
    #[error("tasks.add({name}): args of {size} bytes exceed the {MAX_ARGS_BYTES}-byte limit")]
    ArgsTooLarge { name: String, size: usize },
    #[error("tasks.add({name}): args must be JSON text")]
    ArgsNotJson { name: String },
    #[error("tasks.add({name}): the task {what} has {size} bytes; the limit is {MAX_NAME_BYTES}")]
    TooLong {
        name: String,
        what: &'static str,
        size: usize,
    },
    #[error(
        "tasks.add({name}): a ttl of {ttl} s is longer than the {MAX_TTL_SECONDS} s (a week) a result may be kept"
    )]
    TtlTooLong { name: String, ttl: u32 },
    #[error("the fasthooks daemon is shutting down; add the task again")]
    ShuttingDown,
    #[error(
        "tasks.add({name}): this session already has {queued} queued tasks (the limit is {limit}); wait for some to finish or cancel them"
    )]
    QueueFull {
        name: String,
        queued: usize,
        limit: usize,
    },
    #[error(
        "tasks.add({name}): this plugin's tasks hold {held} bytes in the store and this one needs {needs} more, past its {quota}-byte quota; pop or cancel some first"
    )]
    QuotaFull {
        name: String,
        held: u64,
        needs: u64,
        quota: u64,
    },
    #[error("tasks.add({name}) was not added: {source}")]
    NotSaved {
        name: String,
        source: crate::store::WriteError,
    },
}
