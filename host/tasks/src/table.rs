//! The scheduler's in-memory table: every task by id and by key, the queue, and the counts the
//! queue bounds are checked against.
//!
//! The queue is fair at two levels. Plugin files with queued work take turns for a free
//! worker; within a plugin file, its sessions take turns; each session's tasks run by priority
//! (higher first, FIFO within one). So a flood, even at the highest priority, delays another
//! plugin's task, or another session's task of the same plugin, by at most one task per
//! worker: priority orders one session's own tasks, never someone else's.

use crate::record::{Namespace, TaskRecord, TaskStatus, now_ms};
use std::cmp::{Ordering as CmpOrdering, Reverse};
use std::collections::{BinaryHeap, HashMap};
use std::sync::Arc;
use std::sync::atomic::AtomicBool;

#[derive(Debug, PartialEq, Eq)]
pub(crate) struct QueueEntry {
    pub(crate) priority: i32,
    pub(crate) order: Reverse<(u64, u64)>,
    pub(crate) id: i64,
}

impl Ord for QueueEntry {
    fn cmp(&self, other: &Self) -> CmpOrdering {
        self.priority
            .cmp(&other.priority)
            .then_with(|| self.order.cmp(&other.order))
    }
}

impl PartialOrd for QueueEntry {
    fn partial_cmp(&self, other: &Self) -> Option<CmpOrdering> {
        Some(self.cmp(other))
    }
}

/// Queues that take turns: each named queue with work gives one item, then goes to the back of
/// the line.
pub(crate) struct Turns<Q> {
    queues: HashMap<String, Q>,
    line: std::collections::VecDeque<String>,
}

impl<Q> Default for Turns<Q> {
    fn default() -> Self {
        Turns {
            queues: HashMap::new(),
            line: std::collections::VecDeque::new(),
        }
    }
}

/// What a [`Turns`] holds: it drops a queue once the queue is empty.
pub(crate) trait Drained {
    fn is_drained(&self) -> bool;
}

impl<T: Ord> Drained for BinaryHeap<T> {
    fn is_drained(&self) -> bool {
        self.is_empty()
    }
}

impl<Q> Drained for Turns<Q> {
    fn is_drained(&self) -> bool {
        self.queues.is_empty()
    }
}

impl<Q: Default + Drained> Turns<Q> {
    /// The queue called `name`, joining the back of the line if it is new.
    fn entry(&mut self, name: &str) -> &mut Q {
        // Names are copied only for a new queue: this runs for every task added.
        if !self.queues.contains_key(name) {
            self.line.push_back(name.to_owned());
            self.queues.insert(name.to_owned(), Q::default());
        }
        self.queues.get_mut(name).expect("the queue was just made")
    }

    /// One item from the queue whose turn it is (`take` gets it out); queues that give
    /// nothing are skipped.
    fn next<T>(&mut self, mut take: impl FnMut(&mut Q) -> Option<T>) -> Option<T> {
        while let Some(name) = self.line.pop_front() {
            let Some(queue) = self.queues.get_mut(&name) else {
                continue;
            };
            let item = take(queue);
            if queue.is_drained() {
                self.queues.remove(&name);
            } else {
                self.line.push_back(name);
            }
            if item.is_some() {
                return item;
            }
        }
        None
    }
}

#[derive(Default)]
pub(crate) struct Table {
    pub(crate) tasks: HashMap<i64, TaskRecord>,
    pub(crate) by_key: HashMap<(Namespace, String), i64>,
    /// Queued tasks, by plugin file and then by session, each level taking turns.
    pub(crate) queue: Turns<Turns<BinaryHeap<QueueEntry>>>,
    pub(crate) queued_per_session: HashMap<String, usize>,
    /// The ids in `queue` that still count in `queued_per_session` (a pending task loaded for
    /// another owner to run is pending without being queued here).
    pub(crate) queued: std::collections::HashSet<i64>,
    pub(crate) running: HashMap<i64, Arc<AtomicBool>>,
    /// Bytes each plugin file's tasks hold in the store ([`stored_bytes`]), for its quota.
    pub(crate) bytes_per_plugin: HashMap<String, u64>,
    pub(crate) next_seq: u64,
    pub(crate) stopping: bool,
    /// Results taken by a guest call that has not ended yet, by id: deleted once the call ends
    /// normally, put back if it traps or is stopped (`TaskService::settle`). Nobody else sees
    /// them meanwhile. For a call from another process, when they were handed over: that
    /// process may die before it settles.
    pub(crate) delivering: HashMap<i64, (TaskRecord, Option<u64>)>,
    /// Tasks whose arguments were left on disk (`args` emptied in memory), with their length,
    /// which still counts in the plugin's bytes.
    pub(crate) args_on_disk: HashMap<i64, usize>,
    /// The tasks whose result wakes Claude (`TaskRecord::wake`), for the wake hook's look.
    pub(crate) waking: std::collections::HashSet<i64>,
}

/// What one task record costs in the store: the texts a plugin chose.
pub(crate) fn stored_bytes(task: &TaskRecord) -> u64 {
    (task.name.len()
        + task.key.len()
        + task.args.len()
        + task.value.as_ref().map_or(0, String::len)
        + task.error.as_ref().map_or(0, String::len)) as u64
}

impl Table {
    pub(crate) fn lookup(&self, ns: &Namespace, key: &str) -> Option<&TaskRecord> {
        let id = self.by_key.get(&(ns.clone(), key.to_owned()))?;
        self.tasks.get(id).filter(|task| !task.is_expired(now_ms()))
    }

    pub(crate) fn in_namespace<'a>(
        &'a self,
        ns: &'a Namespace,
    ) -> impl Iterator<Item = &'a TaskRecord> + 'a {
        let now = now_ms();
        self.tasks
            .values()
            .filter(move |t| &t.namespace == ns && !t.is_expired(now))
    }

    pub(crate) fn enqueue(&mut self, task: &TaskRecord) {
        self.next_seq += 1;
        self.queue
            .entry(&task.namespace.plugin_path)
            .entry(&task.namespace.session)
            .push(QueueEntry {
                priority: task.priority,
                order: Reverse((task.created_ms, self.next_seq)),
                id: task.id,
            });
        self.queued.insert(task.id);
        *self
            .queued_per_session
            .entry(task.namespace.session.clone())
            .or_default() += 1;
    }

    /// The next queued entry: the first of the session whose turn it is within the plugin
    /// file whose turn it is; each goes to the back of its line if it has more.
    pub(crate) fn next_queued(&mut self) -> Option<QueueEntry> {
        self.queue
            .next(|sessions| sessions.next(|tasks| tasks.pop()))
    }

    /// Bookkeeping when a task leaves the pending state (started, cancelled or replaced).
    pub(crate) fn left_queue(&mut self, id: i64, session: &str) {
        if !self.queued.remove(&id) {
            return;
        }
        if let Some(count) = self.queued_per_session.get_mut(session) {
            *count = count.saturating_sub(1);
        }
    }

    /// Keep `task`, found by its id and its key.
    pub(crate) fn insert(&mut self, task: TaskRecord) {
        *self
            .bytes_per_plugin
            .entry(task.namespace.plugin_path.clone())
            .or_default() += stored_bytes(&task);
        self.by_key
            .insert((task.namespace.clone(), task.key.clone()), task.id);
        if task.wake {
            self.waking.insert(task.id);
        }
        self.tasks.insert(task.id, task);
    }

    /// Bytes the tasks of the plugin file at `plugin_path` hold.
    pub(crate) fn held_bytes(&self, plugin_path: &str) -> u64 {
        self.bytes_per_plugin.get(plugin_path).copied().unwrap_or(0)
    }

    /// Change task `id` with `change`, keeping the byte count of its plugin right.
    pub(crate) fn update(&mut self, id: i64, change: impl FnOnce(&mut TaskRecord)) {
        let Some(task) = self.tasks.get_mut(&id) else {
            return;
        };
        let before = stored_bytes(task);
        change(task);
        let after = stored_bytes(task);
        let held = self
            .bytes_per_plugin
            .entry(task.namespace.plugin_path.clone())
            .or_default();
        *held = (*held + after).saturating_sub(before);
    }

    /// Once task `id` is on disk, long arguments need not stay in memory: the worker that
    /// runs it reads them back ([`crate::store::Store::task_args`]).
    pub(crate) fn leave_args_on_disk(&mut self, id: i64) {
        if let Some(task) = self
            .tasks
            .get_mut(&id)
            .filter(|t| t.args.len() > crate::limits::ARGS_KEPT_IN_MEMORY)
        {
            self.args_on_disk.insert(id, task.args.len());
            task.args = String::new();
        }
    }

    pub(crate) fn remove(&mut self, id: i64) -> Option<TaskRecord> {
        let task = self.tasks.remove(&id)?;
        self.waking.remove(&id);
        let on_disk = self.args_on_disk.remove(&id).unwrap_or(0) as u64;
        if let Some(held) = self.bytes_per_plugin.get_mut(&task.namespace.plugin_path) {
            *held = held.saturating_sub(stored_bytes(&task) + on_disk);
        }
        let index = (task.namespace.clone(), task.key.clone());
        if self.by_key.get(&index) == Some(&id) {
            self.by_key.remove(&index);
        }
        if task.status == TaskStatus::Pending {
            self.left_queue(id, &task.namespace.session);
        }
        Some(task)
    }
}
