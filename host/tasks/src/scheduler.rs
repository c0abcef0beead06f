//! The scheduler: the seed's task API (add, pop, get, has, cancel, cancel-all, pop-all,
//! pop-errors, wait, wait-all, wait-any) over a durable store, run by a fixed pool of workers.
//!
//! The in-memory table is the truth while the process runs; every change is also submitted to
//! the [`Store`] (group commit). Waiters sleep on a condition variable that every state change
//! notifies, so a wait wakes as soon as its task finishes rather than on a polling interval.
//!
//! Semantics, including where they improve on the seed:
//! - Identity is (plugin, session, key); the key defaults to the task name. Re-adding a key
//!   replaces the earlier task, cancelling it if it is still pending or running.
//! - Plugin files take turns for a free worker; within a plugin's tasks higher priority runs
//!   first, FIFO within a priority (see `table`).
//! - TTL counts from completion (default 300 s); pending and running tasks never expire; expired
//!   results are purged.
//! - `cancel` of a running task interrupts its instance (epoch check) and marks it cancelled at
//!   once; its worker is free within one epoch tick.
//! - After a crash, pending tasks run again and tasks that were running are failed with
//!   "host restarted", which `pop-errors` reports once.

pub use crate::limits::*;
use crate::owner::StoreOwner;
use crate::record::{Namespace, TaskRecord, TaskStatus, now_ms};
use crate::store::{Store, StoreError, StoreOp, TaskUpdate, WriteError};
use crate::table::Table;
use fasthooks_ipc::TaskSandbox;
use std::hash::{BuildHasher, Hasher};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Condvar, Mutex, MutexGuard};
use std::time::Duration;

/// What `add` needs beyond name and arguments.
#[derive(Debug, Clone, Default, serde::Serialize, serde::Deserialize)]
pub struct AddOptions {
    pub key: Option<String>,
    pub ttl_seconds: Option<u32>,
    pub priority: Option<i32>,
}

/// At most 64 characters of a name, for messages.
fn shortened(name: &str) -> String {
    match name.char_indices().nth(64) {
        Some((at, _)) => format!("{}…", &name[..at]),
        None => name.to_owned(),
    }
}

/// `text` cut to at most `limit` bytes (on a character boundary), saying it was cut.
fn capped(mut text: String, limit: usize) -> String {
    if text.len() > limit {
        let mut at = limit;
        while !text.is_char_boundary(at) {
            at -= 1;
        }
        text.truncate(at);
        text.push_str(" … (cut)");
    }
    text
}

/// Where a task runs: the build of the plugin that added it, with its grants and limits.
#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
pub struct TaskOrigin {
    pub plugin_sha256: String,
    pub sandbox: TaskSandbox,
}

/// How a task run ended without a value.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TaskFailure {
    /// Stopped because it was cancelled (or replaced).
    Cancelled,
    /// The task returned an error: the guest's own text, kept as it is.
    Returned(String),
    /// The host stopped or could not run it (trap, timeout, out of memory): described.
    Failed(String),
}

/// Runs one task to completion in a fresh instance. Implemented by the engine on top of the
/// plugin loader; a trait so the scheduler is testable without WebAssembly.
pub trait TaskRunner: Send + Sync + 'static {
    fn run(
        &self,
        service: &Arc<TaskService>,
        task: &TaskRecord,
        cancel: Arc<AtomicBool>,
    ) -> Result<String, TaskFailure>;
}

/// What a new owner of the store does with the tasks its predecessor left.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Takeover {
    /// The daemon: tasks left running died with their owner and fail ("host restarted");
    /// pending ones are queued and run.
    RunEverything,
    /// A hook run in-process: the dead running tasks fail as well, but the pending ones wait
    /// for the daemon; this process runs only the tasks it adds.
    RunOwnTasks,
}

pub struct TaskService {
    table: Mutex<Table>,
    /// Notified on every task state change (waiters) and on new work (workers).
    pub(crate) changed: Condvar,
    work: Condvar,
    store: Store,
    config: TaskConfig,
    /// Held for the service's life: nobody else runs or writes this store's tasks meanwhile.
    _owner: StoreOwner,
}

fn fresh_id() -> i64 {
    // Random ids: unique across the processes that own the store one after the other.
    let mut hasher = std::hash::RandomState::new().build_hasher();
    hasher.write_u128(
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap_or_default()
            .as_nanos(),
    );
    (hasher.finish() >> 1) as i64
}

impl TaskService {
    /// Load the store its `owner` owns. Tasks that were running when the previous owner went
    /// are failed; pending ones are queued again if `takeover` says so.
    pub fn open(
        store: Store,
        owner: StoreOwner,
        config: TaskConfig,
        takeover: Takeover,
    ) -> Result<Arc<TaskService>, StoreError> {
        let mut table = Table::default();
        let now = now_ms();
        for mut task in store.load_tasks()? {
            if task.is_expired(now) {
                store.submit(StoreOp::Delete(task.id));
                continue;
            }
            match task.status {
                TaskStatus::Running => {
                    task.status = TaskStatus::Failed;
                    task.error = Some(HOST_RESTARTED.into());
                    task.finished_ms = Some(now);
                    store.submit(StoreOp::Update(TaskUpdate::of(&task)));
                }
                TaskStatus::Pending if takeover == Takeover::RunEverything => table.enqueue(&task),
                _ => {}
            }
            let id = task.id;
            table.insert(task);
            table.leave_args_on_disk(id);
        }
        store.flush();
        Ok(Arc::new(TaskService {
            table: Mutex::new(table),
            changed: Condvar::new(),
            work: Condvar::new(),
            store,
            config,
            _owner: owner,
        }))
    }

    pub fn store(&self) -> &Store {
        &self.store
    }

    pub fn config(&self) -> TaskConfig {
        self.config
    }

    pub(crate) fn lock(&self) -> MutexGuard<'_, Table> {
        self.table.lock().unwrap()
    }

    /// Record a state change of an existing task.
    fn persist(&self, task: &TaskRecord) {
        self.store.submit(StoreOp::Update(TaskUpdate::of(task)));
    }

    pub fn start_workers(self: &Arc<Self>, runner: Arc<dyn TaskRunner>) {
        for index in 0..self.config.workers.max(1) {
            let service = self.clone();
            let runner = runner.clone();
            std::thread::Builder::new()
                .name(format!("fasthooks-task-{index}"))
                .spawn(move || service.work_loop(runner.as_ref()))
                .expect("spawn a task worker");
        }
    }

    pub fn add(
        &self,
        ns: &Namespace,
        name: &str,
        args: &str,
        options: AddOptions,
        origin: &TaskOrigin,
    ) -> Result<TaskRecord, AddError> {
        // Every field is bounded before anything is kept; messages quote the name shortened.
        let shown = shortened(name);
        for (what, text) in [("name", Some(name)), ("key", options.key.as_deref())] {
            if let Some(text) = text
                && text.len() > MAX_NAME_BYTES
            {
                return Err(AddError::TooLong {
                    name: shown,
                    what,
                    size: text.len(),
                });
            }
        }
        if let Some(ttl) = options.ttl_seconds
            && ttl > MAX_TTL_SECONDS
        {
            return Err(AddError::TtlTooLong { name: shown, ttl });
        }
        if args.len() > MAX_ARGS_BYTES {
            return Err(AddError::ArgsTooLarge {
                name: shown,
                size: args.len(),
            });
        }
        if serde_json::from_str::<serde_json::Value>(args).is_err() {
            return Err(AddError::ArgsNotJson { name: shown });
        }
        let key = options.key.unwrap_or_else(|| name.to_owned());
        let mut table = self.lock();
        if table.stopping {
            return Err(AddError::ShuttingDown);
        }
        // Replacing a key: the earlier task goes, cancelled if it had not finished.
        let replaced = table.by_key.get(&(ns.clone(), key.clone())).copied();
        let replaced_was_queued = replaced.is_some_and(|id| table.queued.contains(&id));
        let queued = table
            .queued_per_session
            .get(&ns.session)
            .copied()
            .unwrap_or(0)
            - usize::from(replaced_was_queued);
        if queued >= self.config.max_queued_per_session {
            return Err(AddError::QueueFull {
                name: name.to_owned(),
                queued,
                limit: self.config.max_queued_per_session,
            });
        }
        let freed = replaced
            .and_then(|id| table.tasks.get(&id))
            .map_or(0, crate::table::stored_bytes);
        let needs = (name.len() + key.len() + args.len()) as u64;
        let held = table.held_bytes(&ns.plugin_path) - freed;
        if held + needs > self.config.max_stored_bytes_per_plugin {
            return Err(AddError::QuotaFull {
                name: shown,
                held,
                needs,
                quota: self.config.max_stored_bytes_per_plugin,
            });
        }
        let task = TaskRecord {
            id: fresh_id(),
            namespace: ns.clone(),
            key: key.clone(),
            name: name.to_owned(),
            args: args.to_owned(),
            plugin_sha256: origin.plugin_sha256.clone(),
            sandbox: origin.sandbox.clone(),
            status: TaskStatus::Pending,
            priority: options.priority.unwrap_or(0),
            ttl_seconds: options.ttl_seconds.unwrap_or(DEFAULT_TTL_SECONDS),
            value: None,
            error: None,
            created_ms: now_ms(),
            started_ms: None,
            finished_ms: None,
            wake: false,
        };
        // Saved before anything changes: a task that could not be saved is never run, and the
        // task it would have replaced stays.
        let mut writes: Vec<StoreOp> = replaced.map(StoreOp::Delete).into_iter().collect();
        writes.push(StoreOp::Insert(Box::new(task.clone())));
        if let Err(source) = self.store.save(writes) {
            return Err(AddError::NotSaved {
                name: shown,
                source,
            });
        }
        if let Some(old) = replaced {
            if let Some(flag) = table.running.get(&old) {
                flag.store(true, Ordering::Relaxed);
            }
            // A wake hook waiting for the old task has nothing to wait for now.
            if table.remove(old).is_some_and(|old| old.wake) {
                self.changed.notify_all();
            }
        }
        table.insert(task.clone());
        table.leave_args_on_disk(task.id);
        if !table.stopping {
            table.enqueue(&task);
            drop(table);
            self.work.notify_one();
        }
        Ok(task)
    }

    pub fn get(&self, ns: &Namespace, key: &str) -> Option<TaskRecord> {
        self.lock().lookup(ns, key).cloned()
    }

    pub fn has(&self, ns: &Namespace, key: Option<&str>) -> bool {
        let table = self.lock();
        match key {
            Some(key) => table
                .lookup(ns, key)
                .is_some_and(|t| t.status == TaskStatus::Completed),
            None => table
                .in_namespace(ns)
                .any(|t| t.status == TaskStatus::Completed),
        }
    }

    /// Cancel `key` if it has not finished. A cancel that cannot be saved is an error: the task
    /// is stopped now, but the store would run it again after a restart.
    pub fn cancel(&self, ns: &Namespace, key: &str) -> Result<bool, WriteError> {
        let mut table = self.lock();
        let Some(id) = table
            .lookup(ns, key)
            .filter(|t| !t.status.is_terminal())
            .map(|t| t.id)
        else {
            return Ok(false);
        };
        let write = self.cancel_locked(&mut table, id);
        drop(table);
        self.changed.notify_all();
        self.store.save_or_submit(write.into_iter().collect())?;
        Ok(true)
    }

    pub fn cancel_all(&self, ns: &Namespace) -> Result<u32, WriteError> {
        let now = now_ms();
        self.cancel_where(|t| &t.namespace == ns && !t.is_expired(now))
    }

    /// Cancel every unfinished task with a key, and/or of a plugin (by file path or by name),
    /// and/or of a session: `fasthooks-host tasks cancel`. How many were cancelled.
    pub fn cancel_matching(
        &self,
        key: Option<&str>,
        plugin: Option<&str>,
        session: Option<&str>,
    ) -> Result<u32, WriteError> {
        self.cancel_where(|t| {
            key.is_none_or(|k| t.key == k)
                && plugin.is_none_or(|p| {
                    fasthooks_ipc::wire::names_plugin(
                        p,
                        &t.namespace.plugin_name,
                        &t.namespace.plugin_path,
                    )
                })
                && session.is_none_or(|s| t.namespace.session == s)
        })
    }

    /// Cancel every unfinished task `chosen` picks; how many.
    fn cancel_where(&self, chosen: impl Fn(&TaskRecord) -> bool) -> Result<u32, WriteError> {
        let mut table = self.lock();
        let ids: Vec<i64> = table
            .tasks
            .values()
            .filter(|t| !t.status.is_terminal() && chosen(t))
            .map(|t| t.id)
            .collect();
        let writes: Vec<StoreOp> = ids
            .iter()
            .filter_map(|&id| self.cancel_locked(&mut table, id))
            .collect();
        drop(table);
        self.changed.notify_all();
        self.store.save_or_submit(writes)?;
        Ok(ids.len() as u32)
    }

    /// Cancel task `id` in memory; the write that saves it.
    fn cancel_locked(&self, table: &mut Table, id: i64) -> Option<StoreOp> {
        let was_pending = table
            .tasks
            .get(&id)
            .is_some_and(|t| t.status == TaskStatus::Pending);
        if let Some(flag) = table.running.get(&id) {
            flag.store(true, Ordering::Relaxed);
        }
        if !table.tasks.contains_key(&id) {
            return None;
        }
        table.update(id, |task| {
            task.status = TaskStatus::Cancelled;
            task.error = Some("cancelled".into());
            task.finished_ms = Some(now_ms());
        });
        let snapshot = table.tasks[&id].clone();
        if was_pending {
            table.left_queue(id, &snapshot.namespace.session);
        }
        Some(StoreOp::Update(TaskUpdate::of(&snapshot)))
    }

    /// Every task (for `fasthooks-host tasks` and status), optionally of one session.
    pub fn list(&self, session: Option<&str>) -> Vec<TaskRecord> {
        let table = self.lock();
        let now = now_ms();
        let mut tasks: Vec<TaskRecord> = table
            .tasks
            .values()
            .filter(|t| !t.is_expired(now) && session.is_none_or(|s| t.namespace.session == s))
            .cloned()
            .collect();
        tasks.sort_by_key(|t| (t.created_ms, t.id));
        tasks
    }

    /// Is any task of the store waiting to run or running (whoever's it is)?
    pub fn has_unfinished(&self) -> bool {
        self.lock().tasks.values().any(|t| !t.status.is_terminal())
    }

    /// Pending plus running tasks (the daemon does not go idle while there are any).
    pub fn active_count(&self) -> usize {
        let table = self.lock();
        table.queued_per_session.values().sum::<usize>() + table.running.len()
    }

    /// Block until no task is pending or running (the `--inline` hook waits for its tasks).
    pub fn wait_idle(&self, timeout: Duration) -> bool {
        self.wait_until(timeout, |table| {
            (table.queued_per_session.values().all(|&n| n == 0) && table.running.is_empty())
                .then_some(())
        })
        .is_some()
    }

    /// Drop expired results from memory and the store, and put back results handed to
    /// another process that never settled them.
    pub fn purge_expired(&self) -> usize {
        self.purge_expired_at(now_ms())
    }

    /// [`TaskService::purge_expired`] as of `now` (ms since the epoch): the clock is the
    /// caller's, so a test can step past a 30-minute limit without waiting for it.
    pub(crate) fn purge_expired_at(&self, now: u64) -> usize {
        let mut table = self.lock();
        let expired: Vec<i64> = table
            .tasks
            .values()
            .filter(|t| t.is_expired(now))
            .map(|t| t.id)
            .collect();
        for &id in &expired {
            table.remove(id);
            self.store.submit(StoreOp::Delete(id));
        }
        self.put_back_abandoned(&mut table, now);
        expired.len()
    }

    /// Stop taking work; interrupt running tasks and put them back in the queue, so the next
    /// owner of the store runs them again. Returns once every worker has let go of its task.
    pub fn stop(&self, timeout: Duration) {
        let mut table = self.lock();
        table.stopping = true;
        for flag in table.running.values() {
            flag.store(true, Ordering::Relaxed);
        }
        drop(table);
        self.work.notify_all();
        self.wait_until(timeout, |table| table.running.is_empty().then_some(()));
        self.store.flush();
    }

    fn work_loop(self: Arc<Self>, runner: &dyn TaskRunner) {
        loop {
            let (mut task, cancel, args_on_disk) = {
                let mut table = self.lock();
                loop {
                    if table.stopping {
                        return;
                    }
                    match table.next_queued() {
                        Some(entry) => {
                            let Some(task) = table
                                .tasks
                                .get_mut(&entry.id)
                                .filter(|t| t.status == TaskStatus::Pending)
                            else {
                                continue; // cancelled or replaced while queued
                            };
                            task.status = TaskStatus::Running;
                            task.started_ms = Some(now_ms());
                            let task = task.clone();
                            table.left_queue(task.id, &task.namespace.session);
                            let cancel = Arc::new(AtomicBool::new(false));
                            table.running.insert(task.id, cancel.clone());
                            self.persist(&task);
                            let args_on_disk = table.args_on_disk.contains_key(&task.id);
                            break (task, cancel, args_on_disk);
                        }
                        None => table = self.work.wait(table).unwrap(),
                    }
                }
            };
            if args_on_disk {
                match self.store.task_args(task.id) {
                    Ok(args) => task.args = args,
                    Err(err) => {
                        let why = format!("its arguments could not be read back: {err}");
                        self.finish(task.id, Err(TaskFailure::Failed(why)));
                        continue;
                    }
                }
            }
            // No notification: waiters only wake for finished tasks.
            let result = runner.run(&self, &task, cancel);
            self.finish(task.id, result);
        }
    }

    fn finish(&self, id: i64, result: Result<String, TaskFailure>) {
        let mut table = self.lock();
        table.running.remove(&id);
        let stopping = table.stopping;
        // Gone (replaced) or already marked cancelled: the outcome no longer matters.
        let Some(plugin) = table
            .tasks
            .get(&id)
            .filter(|t| t.status == TaskStatus::Running)
            .map(|t| t.namespace.plugin_path.clone())
        else {
            drop(table);
            self.changed.notify_all();
            return;
        };
        // What the plugin's quota leaves for this outcome; a short error always fits.
        let quota = self.config.max_stored_bytes_per_plugin;
        let room = quota.saturating_sub(table.held_bytes(&plugin)) as usize;
        table.update(id, |task| {
            match result {
                _ if stopping => {
                    task.status = TaskStatus::Pending;
                    task.started_ms = None;
                }
                Ok(value) if value.len() > MAX_RESULT_BYTES => {
                    task.status = TaskStatus::Failed;
                    task.error = Some(format!(
                        "result of {} bytes exceeds the {MAX_RESULT_BYTES}-byte limit",
                        value.len()
                    ));
                }
                Ok(value) if value.len() > room => {
                    task.status = TaskStatus::Failed;
                    task.error = Some(format!(
                        "result of {} bytes does not fit in the plugin's {quota}-byte store quota; pop or cancel its other tasks",
                        value.len()
                    ));
                }
                Ok(value) => {
                    task.status = TaskStatus::Completed;
                    task.value = Some(value);
                }
                Err(TaskFailure::Cancelled) => {
                    task.status = TaskStatus::Cancelled;
                    task.error = Some("cancelled".into());
                }
                Err(TaskFailure::Returned(text) | TaskFailure::Failed(text)) => {
                    task.status = TaskStatus::Failed;
                    task.error = Some(capped(text, MAX_ERROR_BYTES.min(room.max(1 << 10))));
                }
            }
            if task.status != TaskStatus::Pending {
                task.finished_ms = Some(now_ms());
            }
        });
        let snapshot = table.tasks[&id].clone();
        self.persist(&snapshot);
        drop(table);
        self.changed.notify_all();
    }
}

#[cfg(test)]
#[path = "scheduler_tests.rs"]
mod tests;
