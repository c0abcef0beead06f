//! The store's writer: writes queued in submission order and committed to SQLite in batches
//! (group commit), by the writer thread or by a caller flushing. A write a guest was promised
//! ([`crate::store::Store::save`]) is in the journal (`crate::journal`) before it is queued, so a
//! batch that cannot be committed (a full disk) is kept and tried again, never dropped: until it
//! commits, the journal is what the next owner of the store recovers it from.
//!
//! Checkpoints (copying the WAL back into the database, with their fsyncs) stay off the path
//! of a caller waiting for its commit: the committing connection never checkpoints; the writer
//! thread does, on a connection of its own, every [`CHECKPOINT_EVERY`] commits. Only when the
//! WAL has grown past [`WAL_FRAMES_KEPT`] (commits never paused long enough for a checkpoint
//! to complete) does it hold the committing connection, for the last few frames, so that the
//! WAL starts over instead of growing without end.

use crate::journal::{JOURNAL_EMPTIED_PAST, Journal};
use crate::op::{StoreOp, TaskUpdate};
use crate::record::TaskRecord;
use crate::record::sandbox_text;
use rusqlite::{Connection, params};
use std::path::PathBuf;
use std::sync::{Arc, Condvar, Mutex};
use std::time::{Duration, Instant};

/// Commits between two checkpoints (SQLite's own default is about 1,000 pages of WAL: a few
/// hundred of our commits).
pub(crate) const CHECKPOINT_EVERY: u32 = 256;

/// The WAL's length, in frames (pages), past which a checkpoint holds the committing
/// connection to finish (16 MiB of 4 KiB pages).
pub(crate) const WAL_FRAMES_KEPT: i64 = 4096;

/// How long the writer thread waits before trying a batch again that failed to commit.
const RETRY_AFTER: Duration = Duration::from_secs(1);

/// What a batch does to one task, after folding its writes together.
pub(crate) enum Net {
    Insert(Box<TaskRecord>),
    Update(TaskUpdate),
    Delete,
}

impl Net {
    /// The one write that does what the folded ones did.
    pub(crate) fn into_op(self, id: i64) -> StoreOp {
        match self {
            Net::Insert(task) => StoreOp::Insert(task),
            Net::Update(update) => StoreOp::Update(update),
            Net::Delete => StoreOp::Delete(id),
        }
    }
}

/// A write with its submission number; the writer publishes the highest number it tried.
pub(crate) struct WriterMessage {
    pub(crate) seq: u64,
    pub(crate) op: StoreOp,
    /// In the journal: a commit of it records how far the database holds the journal.
    pub(crate) journaled: bool,
}

/// How far the writer got: every write up to this submission number has been tried.
pub(crate) struct Progress {
    pub(crate) upto: Mutex<u64>,
    pub(crate) changed: Condvar,
}

impl Progress {
    /// Starting from submission number `upto`, which the database holds.
    pub(crate) fn new(upto: u64) -> Progress {
        Progress {
            upto: Mutex::new(upto),
            changed: Condvar::new(),
        }
    }
}

/// A write the store could not save (a full disk, a read-only or vanished file).
#[derive(Debug, Clone, thiserror::Error)]
#[error("the task store could not save it ({reason}); free space for {}", path.display())]
pub struct WriteError {
    pub path: PathBuf,
    pub reason: Arc<str>,
}

/// Writes waiting for a commit, and the one connection that commits them: the writer thread
/// in batches, or a caller flushing that finds the connection free (it commits the whole queue
/// itself rather than wait for the writer thread to be scheduled).
pub(crate) struct Writer {
    pub(crate) queue: Mutex<Queue>,
    /// Notified when the queue gains work (or closes), for the writer thread.
    pub(crate) work: Condvar,
    pub(crate) conn: Mutex<Connection>,
    pub(crate) progress: Progress,
}

pub(crate) struct Queue {
    pub(crate) messages: Vec<WriterMessage>,
    pub(crate) submitted: u64,
    /// The writes promised to guests, not yet known to be committed.
    pub(crate) journal: Journal,
    /// The highest submission number in the journal.
    pub(crate) journaled_upto: u64,
    /// The highest submission number the database holds.
    pub(crate) committed_upto: u64,
    /// A batch failed to commit and is back at the head of the queue: when to try again.
    pub(crate) retry_at: Option<Instant>,
    pub(crate) closed: bool,
    /// The writer thread sleeps until there is work: only then does a submission wake it
    /// (a wake-up per write would cost more than the write).
    pub(crate) writer_idle: bool,
    /// Commits since the last checkpoint.
    pub(crate) commits_since_checkpoint: u32,
}

impl Queue {
    /// A queue that goes on from submission number `upto`, which the database holds.
    pub(crate) fn new(journal: Journal, upto: u64) -> Queue {
        Queue {
            messages: Vec::new(),
            submitted: upto,
            journal,
            journaled_upto: upto,
            committed_upto: upto,
            retry_at: None,
            closed: false,
            writer_idle: false,
            commits_since_checkpoint: 0,
        }
    }

    /// A queue that starts with the journal's writes the database could not take at open
    /// (through `upto`; it holds up to `committed`), to be tried again.
    pub(crate) fn recovering(
        journal: Journal,
        committed: u64,
        uncommitted: Vec<WriterMessage>,
        upto: u64,
    ) -> Queue {
        let retry_at = (!uncommitted.is_empty()).then(|| Instant::now() + RETRY_AFTER);
        Queue {
            messages: uncommitted,
            journaled_upto: upto,
            committed_upto: committed,
            retry_at,
            ..Queue::new(journal, upto)
        }
    }

    pub(crate) fn push(&mut self, op: StoreOp, journaled: bool) {
        self.submitted += 1;
        let seq = self.submitted;
        if journaled {
            self.journaled_upto = seq;
        }
        self.messages.push(WriterMessage { seq, op, journaled });
    }

    fn checkpoint_due(&self) -> bool {
        self.commits_since_checkpoint >= CHECKPOINT_EVERY
    }

    /// Waiting to try a failed batch again.
    pub(crate) fn retry_pending(&self) -> Option<Duration> {
        self.retry_at
            .and_then(|at| at.checked_duration_since(Instant::now()))
            .filter(|left| !left.is_zero())
    }
}

/// The most writes one transaction takes.
pub(crate) const MAX_BATCH: usize = 4096;

impl Writer {
    /// Commit what is queued, in order: the caller holds the connection, so nobody commits a
    /// later batch before this one. A batch that fails goes back to the head of the queue.
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
        let Some(highest) = batch.last().map(|m| m.seq) else {
            return;
        };
        let journaled = batch.iter().any(|m| m.journaled);
        let writes = fold(batch);
        let result = commit(conn, &writes, journaled.then_some(highest));
        {
            let mut queue = self.queue.lock().unwrap();
            match result {
                Ok(()) => {
                    queue.committed_upto = highest;
                    queue.retry_at = None;
                    let emptying_pays = queue.journal.len() > JOURNAL_EMPTIED_PAST;
                    if queue.journaled_upto <= highest && (emptying_pays || queue.journal.is_torn())
                    {
                        queue.journal.empty();
                    }
                }
                Err(err) => {
                    tracing::error!(
                        writes = writes.len(),
                        "task store commit failed, to be tried again: {err}"
                    );
                    queue.retry_at = Some(Instant::now() + RETRY_AFTER);
                    let again = writes.into_iter().map(|(id, net)| WriterMessage {
                        seq: highest,
                        op: net.into_op(id),
                        journaled,
                    });
                    queue.messages.splice(0..0, again);
                    // A flushing caller committed this batch: the writer thread may be asleep
                    // with no deadline, and must be the one to try again.
                    if queue.writer_idle {
                        self.work.notify_one();
                    }
                }
            }
        }
        // Progress is published even when the commit failed: a flush must never hang a hook.
        *self.progress.upto.lock().unwrap() = highest;
        self.progress.changed.notify_all();
    }

    /// The writer thread: commit whatever is queued, and checkpoint, until the store is
    /// dropped. `checkpointer` is a connection of its own, so a checkpoint never holds the
    /// committing connection.
    pub(crate) fn run(&self, checkpointer: Connection) {
        let mut last_try_made = false;
        loop {
            let mut queue = self.queue.lock().unwrap();
            loop {
                if queue.checkpoint_due() {
                    break;
                }
                let retry = queue.retry_pending();
                if !queue.messages.is_empty() && retry.is_none() {
                    break;
                }
                // Closing: one last try, whenever the previous one failed.
                if queue.closed && !queue.messages.is_empty() && !last_try_made {
                    last_try_made = true;
                    break;
                }
                if queue.closed {
                    if queue.messages.is_empty() {
                        // Everything committed: the journal has nothing left to recover.
                        if queue.journaled_upto <= queue.committed_upto {
                            queue.journal.empty();
                        }
                    } else {
                        tracing::error!(
                            writes = queue.messages.len(),
                            "task store closed with writes it could not commit; those promised \
                             to guests stay in its journal for the next owner"
                        );
                    }
                    return;
                }
                queue.writer_idle = true;
                queue = match retry {
                    Some(left) => self.work.wait_timeout(queue, left).unwrap().0,
                    None => self.work.wait(queue).unwrap(),
                };
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
        let id = message.op.task_id();
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

/// Commit folded writes in one transaction; `journal_upto`: the highest submission number of
/// the batch, when the batch holds journaled writes, so that the next owner replays only what
/// the database does not hold.
pub(crate) fn commit(
    conn: &mut Connection,
    writes: &[(i64, Net)],
    journal_upto: Option<u64>,
) -> rusqlite::Result<()> {
    let tx = conn.transaction()?;
    {
        let mut insert = tx.prepare_cached(
            "INSERT OR REPLACE INTO tasks (id, plugin_name, plugin_path, session, key, name, args, plugin_sha256, sandbox,
                                status, priority, ttl_seconds, value, error, created_ms, started_ms, finished_ms, wake)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17, ?18)",
        )?;
        let mut update = tx.prepare_cached(
            "UPDATE tasks SET status=?2, value=?3, error=?4, started_ms=?5, finished_ms=?6, wake=?7 WHERE id=?1",
        )?;
        let mut delete = tx.prepare_cached("DELETE FROM tasks WHERE id = ?1")?;
        for (id, write) in writes {
            let id = *id;
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
                        task.wake,
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
                        change.wake,
                    ])?;
                }
                Net::Delete => {
                    delete.execute(params![id])?;
                }
            }
        }
    }
    if let Some(upto) = journal_upto {
        tx.prepare_cached("UPDATE journal_mark SET applied = ?1")?
            .execute([upto as i64])?;
    }
    tx.commit()
}
