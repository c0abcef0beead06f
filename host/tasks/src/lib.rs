//! # fasthooks-tasks
//!
//! Background tasks, the part of a hook's path that outlives the hook: a plugin adds a task,
//! the scheduler queues it, a worker runs it (through a [`TaskRunner`] the engine provides: a
//! fresh WebAssembly instance), and a later hook pops its result. No WebAssembly here.
//!
//! ```text
//! guest call ──> TaskPort ──> owner of the store (this process, or the daemon over its socket)
//!   tasks.add ──> scheduler (per-plugin turns, priority, waits, cancel) ──> TaskRunner ──> result
//!                   └─ every change ──> store (SQLite WAL, group commit; a guest's own
//!                      writes in the journal before its call returns) ──> next owner
//! ```
//!
//! - [`record`]: what one task is: its namespace, status, value, sandbox.
//! - [`limits`]: every bound on what a plugin's tasks may hold, and `add`'s refusals.
//! - [`scheduler`]: the seed's task API over the in-memory table (`table`) and the workers;
//!   the waits (`waits`) sleep on its condition variable; `delivery` hands results to a
//!   guest call and deletes them only once it returned.
//! - [`store`]: the durable store; `store_file`: its files on disk (private modes, access,
//!   moved aside when corrupt); `writer`: its group commit, and batches kept to be tried
//!   again; `journal`: the writes promised to guests, until the database holds them; `op`:
//!   one write.
//! - [`state`]: plugin state (session or global) in the same store; [`memory`]: notes a plugin
//!   keeps across sessions, found again by relevance (FTS5, BM25).
//! - [`wake`]: results that wake Claude, taken by the plugin's wake hook.
//! - [`owner`]: the one process that owns a store (the daemon, or an in-process hook when no
//!   daemon does).
//! - [`call`]: a guest's task, state or memory call as a value, answered by the owner, locally or for
//!   another process ([`TaskPort`]).
//! - [`access`]: how an instance reaches the service (ready, or opened on first use).
//! - [`unowned`]: the store read without owning it (`tasks` with no daemon, `doctor`).

pub mod access;
pub mod call;
mod delivery;
mod journal;
pub mod limits;
pub mod memory;
mod op;
pub mod owner;
pub mod record;
pub mod scheduler;
pub mod state;
pub mod store;
mod store_file;
mod table;
#[cfg(test)]
mod test_fixture;
pub mod unowned;
mod waits;
pub mod wake;
mod writer;

pub use access::TaskAccess;
pub use call::{RemoteCall, RemoteOwner, StateScope, TaskAnswer, TaskCall, TaskPort};
pub use owner::StoreOwner;
pub use record::{Namespace, TaskRecord, TaskStatus};
pub use scheduler::{
    AddError, AddOptions, Takeover, TaskConfig, TaskFailure, TaskOrigin, TaskRunner, TaskService,
};
pub use state::{StateError, StateNamespace};
pub use store::{Store, StoreError, WriteError};
pub use wake::WokenTask;
