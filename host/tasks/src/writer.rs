//! The store's writer: writes queued in submission order and committed in batches (group
//! commit), by the writer thread or by a caller that needs its own write confirmed; which
//! batches failed, so each write's caller can hear it ([`crate::store::Store::confirm`]).
//!
//! Checkpoints (copying the WAL back into the database, with their fsyncs) stay off the path
//! of a caller waiting for its commit: the committing connection never checkpoints; the writer
//! thread does, on a connection of its own, every [`CHECKPOINT_EVERY`] commits. Only when the
//! WAL has grown past [`WAL_FRAMES_KEPT`] (commits never paused long enough for a checkpoint
//! to complete) does it hold the committing connection, for the last few frames, so that the
//! WAL starts over instead of growing without end.

use crate::record::sandbox_text;
use crate::record::{TaskRecord, TaskStatus};
use rusqlite::{Connection, params};
use std::path::PathBuf;
use std::sync::{Arc, Condvar, Mutex};

/// Commits between two checkpoints (SQLite's own default is about 1,000 pages of WAL: a few
/// hundred of our commits).
pub(crate) const CHECKPOINT_EVERY: u32 = 256;

/// The WAL's length, in frames (pages), past which a checkpoint holds the committing
/// connection to finish (16 MiB of 4 KiB pages).
pub(crate) const WAL_FRAMES_KEPT: i64 = 4096;

pub enum StoreOp {
    /// A new task.
    Insert(Box<TaskRecord>),
    /// A task changed state.
    Update(TaskUpdate),
    Delete(i64),
}

/// The parts of a task that change after it is added.
#[derive(Debug, Clone)]
pub struct TaskUpdate {
    pub id: i64,
    pub status: TaskStatus,
    pub value: Option<String>,
    pub error: Option<String>,
    pub started_ms: Option<u64>,
    pub finished_ms: Option<u64>,
}

impl TaskUpdate {
    pub fn of(task: &TaskRecord) -> TaskUpdate {
        TaskUpdate {
            id: task.id,
            status: task.status,
            value: task.value.clone(),
            error: task.error.clone(),
            started_ms: task.started_ms,
            finished_ms: task.finished_ms,
        }
    }

    pub(crate) fn apply(self, task: &mut TaskRecord) {
        task.status = self.status;
        task.value = self.value;
        task.error = self.error;
        task.started_ms = self.started_ms;
        task.finished_ms = self.finished_ms;
    }
}

/// What a batch does to one task, after folding its writes together.
pub(crate) enum Net {
    Insert(Box<TaskRecord>),
    Update(TaskUpdate),
    Delete,
}

/// A write with its submission number; the writer publishes the highest number it committed.
pub(crate) struct WriterMessage {
    pub(crate) seq: u64,
    pub(crate) op: StoreOp,
}

/// How far the writer got, and which recent batches it could not commit.
#[derive(Default)]
pub(crate) struct Progress {
    pub(crate) state: Mutex<Committed>,
    pub(crate) changed: Condvar,
}

#[derive(Default)]
pub(crate) struct Committed {
    /// Every write up to this submission number has been tried.
    pub(crate) upto: u64,
    /// Recent batches that failed to commit: (first, last) submission number and why.
    pub(crate) failures: std::collections::VecDeque<(u64, u64, Arc<str>)>,
}

/// Failed batches remembered for [`Store::confirm`]; a write asks about its own batch right
/// after submitting it, so a short history is enough.
pub(crate) const FAILURES_KEPT: usize = 256;

/// Submitted writes (one, or a span of them), to [`Store::confirm`] once they must be known
/// to be on disk.
#[derive(Debug, Clone, Copy)]
pub struct Ticket {
    pub(crate) first: u64,
    pub(crate) last: u64,
}

impl Ticket {
    /// The writes of both tickets and everything submitted between them.
    pub fn through(self, later: Ticket) -> Ticket {
        Ticket {
            first: self.first.min(later.first),
            last: self.last.max(later.last),
        }
    }
}

/// A write the store could not commit (a full disk, a read-only or vanished file).
#[derive(Debug, Clone, thiserror::Error)]
#[error("the task store could not save it ({reason}); free space for {}", path.display())]
pub struct WriteError {
    pub path: PathBuf,
    pub reason: Arc<str>,
}

/// Writes waiting for a commit, and the one connection that commits them. Committed by the
/// writer thread in batches, or by a caller that needs its own write confirmed and finds the
/// connection free: it commits the whole queue itself rather than wait for the writer thread
/// to be scheduled (on a busy machine, most of a confirmation's cost).
pub(crate) struct Writer {
    pub(crate) queue: Mutex<Queue>,
    /// Notified when the queue gains work (or closes), for the writer thread.
    pub(crate) work: Condvar,
    pub(crate) conn: Mutex<Connection>,
    pub(crate) progress: Progress,
}

#[derive(Default)]
pub(crate) struct Queue {
    pub(crate) messages: Vec<WriterMessage>,
    pub(crate) submitted: u64,
    pub(crate) closed: bool,
    /// The writer thread sleeps until there is work: only then does a submission wake it
    /// (a wake-up per write would cost more than the write).
    pub(crate) writer_idle: bool,
    /// Commits since the last checkpoint.
    pub(crate) commits_since_checkpoint: u32,
}

impl Queue {
    fn checkpoint_due(&self) -> bool {
        self.commits_since_checkpoint >= CHECKPOINT_EVERY
    }
}

/// The most writes one transaction takes.
pub(crate) const MAX_BATCH: usize = 4096;

impl Writer {
    /// Commit what is queued, in order: the caller holds the connection, so nobody commits a
    /// later batch before this one.
    pub(crate) fn commit_queued(&self, conn: &mut Connection) {
        let batch: Vec<WriterMessage> = {
            let mut queue = self.queue.lock().unwrap();
            let take = queue.messages.len().min(MAX_BATCH);
            if take > 0 {
                queue.commits_since_checkpoint += 1;
                if queue.checkpoint_due() && queue.writer_idle {
                    self.work.notify_one();
                }
            }
            queue.messages.drain(..take).collect()
        };
        if batch.is_empty() {
            return;
        }
        // Progress is published even when the commit fails: a flush must never hang a hook.
        // The failure is kept for the writes' own callers to hear (see `Store::confirm`).
        let lowest = batch.first().map_or(0, |m| m.seq);
        let highest = batch.last().map_or(0, |m| m.seq);
        let failure = commit(conn, batch).err();
        let mut committed = self.progress.state.lock().unwrap();
        if let Some(err) = failure {
            tracing::error!("task store write failed: {err}");
            if committed.failures.len() == FAILURES_KEPT {
                committed.failures.pop_front();
            }
            committed
                .failures
                .push_back((lowest, highest, err.to_string().into()));
        }
        committed.upto = highest;
        drop(committed);
        self.progress.changed.notify_all();
    }

    /// The writer thread: commit whatever is queued, and checkpoint, until the store is
    /// dropped. `checkpointer` is a connection of its own, so a checkpoint never holds the
    /// committing connection.
    pub(crate) fn run(&self, checkpointer: Connection) {
        loop {
            let mut queue = self.queue.lock().unwrap();
            while queue.messages.is_empty() && !queue.checkpoint_due() {
                if queue.closed {
                    return;
                }
                queue.writer_idle = true;
                queue = self.work.wait(queue).unwrap();
                queue.writer_idle = false;
            }
            if queue.checkpoint_due() {
                queue.commits_since_checkpoint = 0;
                drop(queue);
                // While callers go on committing, a checkpoint never catches up with the
                // last frames, the WAL never starts over, and every commit extends a growing
                // file (hundreds of MiB in a benchmark). Past `WAL_FRAMES_KEPT`, the frames
                // added since the bulk was copied are copied with nobody committing.
                // Even when the first one copied every frame it saw, the commit in flight
                // meanwhile may have appended to the WAL on an older snapshot: only a
                // checkpoint with nobody committing is sure to let the next commit restart it.
                if checkpoint(&checkpointer) > WAL_FRAMES_KEPT {
                    let committing = self.conn.lock().unwrap();
                    checkpoint(&checkpointer);
                    drop(committing);
                }
                continue;
            }
            drop(queue);
            self.commit_queued(&mut self.conn.lock().unwrap());
        }
    }
}

/// Copy what the WAL holds back into the database without waiting for anyone (PASSIVE): a
/// reader in the middle of a transaction only means the rest waits for the next one. The
/// frames the WAL holds (copied or not: it starts over only once all of them are).
fn checkpoint(conn: &Connection) -> i64 {
    let frames = conn.query_row("PRAGMA wal_checkpoint(PASSIVE)", [], |row| {
        row.get::<_, i64>(1)
    });
    frames.unwrap_or_else(|err| {
        tracing::warn!("task store checkpoint failed: {err}");
        0
    })
}

/// Fold a batch into one write per task: a busy queue often adds, starts, finishes (and even
/// pops) a task within one batch, which then costs one statement, or none.
pub(crate) fn fold(batch: Vec<WriterMessage>) -> Vec<(i64, Net)> {
    let mut order = Vec::new();
    let mut net: std::collections::HashMap<i64, Option<Net>> =
        std::collections::HashMap::with_capacity(batch.len());
    for message in batch {
        let id = match &message.op {
            StoreOp::Insert(task) => task.id,
            StoreOp::Update(update) => update.id,
            StoreOp::Delete(id) => *id,
        };
        let slot = net.entry(id).or_insert_with(|| {
            order.push(id);
            None
        });
        *slot = match (slot.take(), message.op) {
            (_, StoreOp::Insert(task)) => Some(Net::Insert(task)),
            (Some(Net::Insert(mut task)), StoreOp::Update(update)) => {
                update.apply(&mut task);
                Some(Net::Insert(task))
            }
            (Some(Net::Delete), StoreOp::Update(_)) => Some(Net::Delete),
            (_, StoreOp::Update(update)) => Some(Net::Update(update)),
            // Added and removed within the batch: never reaches the disk.
            (Some(Net::Insert(_)), StoreOp::Delete(_)) => None,
            (_, StoreOp::Delete(_)) => Some(Net::Delete),
        };
    }
    order
        .into_iter()
        .filter_map(|id| net.remove(&id).flatten().map(|n| (id, n)))
        .collect()
}

pub(crate) fn commit(conn: &mut Connection, batch: Vec<WriterMessage>) -> rusqlite::Result<()> {
    let writes = fold(batch);
    let tx = conn.transaction()?;
    {
        let mut insert = tx.prepare_cached(
            "INSERT OR REPLACE INTO tasks (id, plugin_name, plugin_path, session, key, name, args, plugin_sha256, sandbox,
                                status, priority, ttl_seconds, value, error, created_ms, started_ms, finished_ms)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17)",
        )?;
        let mut update = tx.prepare_cached(
            "UPDATE tasks SET status=?2, value=?3, error=?4, started_ms=?5, finished_ms=?6 WHERE id=?1",
        )?;
        let mut delete = tx.prepare_cached("DELETE FROM tasks WHERE id = ?1")?;
        for (id, write) in writes {
            match write {
                Net::Insert(task) => {
                    insert.execute(params![
                        task.id,
                        task.namespace.plugin_name,
                        task.namespace.plugin_path,
                        task.namespace.session,
                        task.key,
                        task.name,
                        task.args,
                        task.plugin_sha256,
                        sandbox_text(&task.sandbox),
                        task.status.as_str(),
                        task.priority,
                        task.ttl_seconds,
                        task.value,
                        task.error,
                        task.created_ms as i64,
                        task.started_ms.map(|v| v as i64),
                        task.finished_ms.map(|v| v as i64),
                    ])?;
                }
                Net::Update(change) => {
                    update.execute(params![
                        id,
                        change.status.as_str(),
                        change.value,
                        change.error,
                        change.started_ms.map(|v| v as i64),
                        change.finished_ms.map(|v| v as i64),
                    ])?;
                }
                Net::Delete => {
                    delete.execute(params![id])?;
                }
            }
        }
    }
    tx.commit()
}
