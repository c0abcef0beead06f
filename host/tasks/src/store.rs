//! The durable store: task records and plugin state in SQLite (WAL mode), one file under the data
//! directory, owned by one process at a time (`crate::owner`).
//!
//! Writes are queued and committed in batches (group commit, see `writer`), so thousands of
//! task transitions per second cost a handful of transactions. A write a guest asked for (add,
//! cancel, the removal of what it popped) is saved before its call returns ([`Store::save`]):
//! it is in the store's journal (`crate::journal`), or the guest gets the error. So whatever a
//! hook did survives a crash of the daemon the moment Claude Code sees the answer: the next
//! owner applies what the journal holds beyond the database's `journal_mark`. `flush()` commits
//! everything submitted (what a hook saw complete, an owner letting go of the store). WAL with
//! `synchronous=NORMAL` keeps committed data across a killed process (not across power loss,
//! which a hook host does not promise); so does the journal.

use crate::journal::{JOURNAL_CAUGHT_UP_PAST, Journal};
pub use crate::op::{StoreOp, TaskUpdate};
use crate::owner::StoreOwner;
use crate::record::{Namespace, TaskRecord, TaskStatus};
#[cfg(test)]
use crate::writer::Net;
pub use crate::writer::WriteError;
use crate::writer::{Progress, Queue, Writer, WriterMessage, commit, fold};
use rusqlite::Connection;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Condvar, Mutex};
use std::time::Duration;

pub const STORE_FILE: &str = "fasthooks.db";
pub use crate::journal::JOURNAL_FILE;
/// What the WAL file keeps of its size when it starts over (SQLite's `journal_size_limit`).
const WAL_KEPT_BYTES: i64 = 16 << 20;
/// 1: tasks and state; 2: no index on tasks (every lookup is in memory; the index only made
/// each write cost more pages); 3: `journal_mark`, how far the database holds the journal;
/// 4: `tasks.wake`, results that wake Claude.
const SCHEMA_VERSION: i64 = 4;

/// The store cannot be opened or read.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("cannot create {}: {source}", dir.display())]
    CreateDir {
        dir: PathBuf,
        source: std::io::Error,
    },
    #[error("cannot open the task store {}: {source}", path.display())]
    Open {
        path: PathBuf,
        source: rusqlite::Error,
    },
    /// The file system refused the store file (SQLite would only say "unable to open").
    #[error(
        "cannot open the task store {}: {source}; make it (and its -wal and -shm files) yours and chmod 600 it",
        path.display()
    )]
    Access {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("cannot read tasks from {}: {source}", path.display())]
    Read {
        path: PathBuf,
        source: rusqlite::Error,
    },
    #[error("cannot open the task store's journal in {}: {source}", dir.display())]
    Journal {
        dir: PathBuf,
        source: std::io::Error,
    },
    #[error("cannot start the store writer: {0}")]
    Writer(std::io::Error),
    #[error("background tasks and state are not available in this process")]
    NotOpen,
    #[error("cannot take ownership of the task store: {0}")]
    Lock(std::io::Error),
    #[error(
        "the task store is owned by another process that does not answer hooks (a hook run in-process finishing its tasks, or a daemon starting or stopping); try again in a moment"
    )]
    Busy,
}

impl StoreError {
    pub(crate) fn open(path: &Path) -> impl FnOnce(rusqlite::Error) -> StoreError + '_ {
        move |source| StoreError::Open {
            path: path.to_owned(),
            source,
        }
    }
}

pub struct Store {
    path: PathBuf,
    writer: Arc<Writer>,
    /// The writer thread, joined on drop: a dropped store has committed what it could.
    writer_thread: Option<std::thread::JoinHandle<()>>,
    /// A separate connection for the synchronous `state` interface and for reads.
    pub(crate) reader: Mutex<Connection>,
}

fn is_corruption(err: &rusqlite::Error) -> bool {
    matches!(
        err.sqlite_error_code(),
        Some(rusqlite::ErrorCode::NotADatabase | rusqlite::ErrorCode::DatabaseCorrupt)
    )
}

pub(crate) fn open_connection(path: &Path) -> rusqlite::Result<Connection> {
    let conn = Connection::open(path)?;
    conn.busy_timeout(Duration::from_secs(5))?;
    conn.pragma_update(None, "journal_mode", "WAL")?;
    conn.pragma_update(None, "synchronous", "NORMAL")?;
    Ok(conn)
}

pub(crate) fn migrate(conn: &Connection) -> rusqlite::Result<()> {
    let version: i64 = conn.pragma_query_value(None, "user_version", |row| row.get(0))?;
    if version >= SCHEMA_VERSION {
        return Ok(());
    }
    conn.execute_batch(
        "BEGIN;
         CREATE TABLE IF NOT EXISTS tasks (
             id INTEGER PRIMARY KEY,
             plugin_name TEXT NOT NULL,
             plugin_path TEXT NOT NULL,
             session TEXT NOT NULL,
             key TEXT NOT NULL,
             name TEXT NOT NULL,
             args TEXT NOT NULL,
             plugin_sha256 TEXT NOT NULL,
             sandbox TEXT NOT NULL,
             status TEXT NOT NULL,
             priority INTEGER NOT NULL,
             ttl_seconds INTEGER NOT NULL,
             value TEXT,
             error TEXT,
             created_ms INTEGER NOT NULL,
             started_ms INTEGER,
             finished_ms INTEGER
         );
         CREATE TABLE IF NOT EXISTS state (
             plugin_name TEXT NOT NULL,
             plugin_path TEXT NOT NULL,
             scope TEXT NOT NULL,
             key TEXT NOT NULL,
             value TEXT NOT NULL,
             updated_ms INTEGER NOT NULL,
             PRIMARY KEY (plugin_name, plugin_path, scope, key)
         );
         CREATE TABLE IF NOT EXISTS journal_mark (
             only INTEGER PRIMARY KEY CHECK (only = 1),
             applied INTEGER NOT NULL
         );
         INSERT OR IGNORE INTO journal_mark VALUES (1, 0);
         DROP INDEX IF EXISTS tasks_by_namespace;
         PRAGMA user_version = 3;
         COMMIT;",
    )?;
    // Added, not created above: a store of version 3 keeps its tasks.
    if !has_column(conn, "tasks", "wake")? {
        conn.execute_batch(
            "BEGIN;
             ALTER TABLE tasks ADD COLUMN wake INTEGER NOT NULL DEFAULT 0;
             PRAGMA user_version = 4;
             COMMIT;",
        )?;
    } else {
        conn.pragma_update(None, "user_version", SCHEMA_VERSION)?;
    }
    Ok(())
}

fn has_column(conn: &Connection, table: &str, column: &str) -> rusqlite::Result<bool> {
    let mut statement = conn.prepare(&format!("PRAGMA table_info({table})"))?;
    let names = statement.query_map([], |row| row.get::<_, String>(1))?;
    for name in names {
        if name? == column {
            return Ok(true);
        }
    }
    Ok(false)
}

impl Store {
    /// Open (or create) the store in `data_dir`. A file that is not a database, or a corrupt
    /// one, is moved aside as `fasthooks.db.corrupt-<unix time>` (with its -wal and -shm),
    /// logged, and replaced by a fresh store: tasks and state start empty rather than being
    /// unavailable until someone deletes the file by hand. Only the store's owner opens it:
    /// the journal is the owner's alone.
    pub fn open(data_dir: &Path, _owner: &StoreOwner) -> Result<Store, StoreError> {
        match Store::open_file(data_dir) {
            Err(StoreError::Open { path, source }) if is_corruption(&source) => {
                let aside =
                    crate::store_file::move_aside(&path).map_err(|err| StoreError::CreateDir {
                        dir: data_dir.to_owned(),
                        source: err,
                    })?;
                tracing::error!(
                    store = %path.display(),
                    moved_to = %aside.display(),
                    "the task store was corrupt ({source}): moved aside, starting a fresh one"
                );
                Store::open_file(data_dir)
            }
            other => other,
        }
    }

    fn open_file(data_dir: &Path) -> Result<Store, StoreError> {
        fasthooks_ipc::private::create_dir(data_dir).map_err(|source| StoreError::CreateDir {
            dir: data_dir.to_owned(),
            source,
        })?;
        let path = data_dir.join(STORE_FILE);
        // SQLite creates the -wal and -shm files with the database file's mode: make that 0600
        // before SQLite creates it, and tighten what an older version left.
        crate::store_file::private_store_files(&path).map_err(|source| StoreError::Access {
            path: path.clone(),
            source,
        })?;
        let mut writer = open_connection(&path).map_err(StoreError::open(&path))?;
        migrate(&writer).map_err(StoreError::open(&path))?;
        // Checkpoints are the writer thread's (see `writer`), never a committing caller's.
        writer
            .pragma_update(None, "wal_autocheckpoint", 0)
            .map_err(StoreError::open(&path))?;
        // A WAL that grew in a burst is cut back when it starts over.
        writer
            .pragma_update(None, "journal_size_limit", WAL_KEPT_BYTES)
            .map_err(StoreError::open(&path))?;
        let recovered = recover(data_dir, &mut writer).map_err(|err| match err {
            Recovery::Journal(source) => StoreError::Journal {
                dir: data_dir.to_owned(),
                source,
            },
            Recovery::Mark(source) => StoreError::Open {
                path: path.clone(),
                source,
            },
        })?;
        let upto = recovered.upto;
        let reader = open_connection(&path).map_err(StoreError::open(&path))?;
        let checkpointer = open_connection(&path).map_err(StoreError::open(&path))?;
        let writer = Arc::new(Writer {
            queue: Mutex::new(Queue::recovering(
                recovered.journal,
                recovered.committed,
                recovered.uncommitted,
                upto,
            )),
            work: Condvar::new(),
            conn: Mutex::new(writer),
            progress: Progress::new(upto),
        });
        let thread_writer = writer.clone();
        let writer_thread = std::thread::Builder::new()
            .name("fasthooks-store".into())
            .spawn(move || thread_writer.run(checkpointer))
            .map_err(StoreError::Writer)?;
        Ok(Store {
            path,
            writer,
            writer_thread: Some(writer_thread),
            reader: Mutex::new(reader),
        })
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Queue a write; it is committed with the next batch.
    pub fn submit(&self, op: StoreOp) {
        let mut queue = self.writer.queue.lock().unwrap();
        queue.push(op, false);
        if queue.writer_idle {
            self.writer.work.notify_one();
        }
    }

    /// Save writes a guest is told about: in the journal, with one write, before this returns
    /// (then queued like any other). Either all of them are saved, or none is and the error
    /// says why. A guest call that changes tasks waits for this, so a write that fails is its
    /// error, not a success that vanishes later.
    pub fn save(&self, ops: Vec<StoreOp>) -> Result<(), WriteError> {
        self.journal_then_queue(ops, false)
    }

    /// [`Store::save`], and when the journal refuses the writes, queue them all the same: for
    /// a change already made in memory (a cancel), which the database may still take.
    pub fn save_or_submit(&self, ops: Vec<StoreOp>) -> Result<(), WriteError> {
        self.journal_then_queue(ops, true)
    }

    fn journal_then_queue(&self, ops: Vec<StoreOp>, queue_refused: bool) -> Result<(), WriteError> {
        if ops.is_empty() {
            return Ok(());
        }
        let mut queue = self.writer.queue.lock().unwrap();
        if queue.journal.len() > JOURNAL_CAUGHT_UP_PAST {
            drop(queue);
            self.flush();
            queue = self.writer.queue.lock().unwrap();
            if queue.journaled_upto <= queue.committed_upto {
                queue.journal.empty();
            }
        }
        let first = queue.submitted + 1;
        let records: Vec<(u64, &StoreOp)> = (first..).zip(&ops).collect();
        let saved = queue.journal.append(&records).map_err(|err| WriteError {
            path: self.path.clone(),
            reason: err.reason().into(),
        });
        drop(records);
        if saved.is_ok() || queue_refused {
            for op in ops {
                queue.push(op, saved.is_ok());
            }
            if queue.writer_idle {
                self.writer.work.notify_one();
            }
        }
        saved
    }

    /// Block until everything submitted before this call was tried (committed, or kept to be
    /// tried again; while the writer thread waits to try a failed batch again, at once). Free when nothing is outstanding, which is the common case for a hook
    /// that did not touch tasks.
    pub fn flush(&self) {
        let target = self.writer.queue.lock().unwrap().submitted;
        let progress = &self.writer.progress;
        loop {
            if *progress.upto.lock().unwrap() >= target {
                return;
            }
            // The database refused the last batch: the writer thread tries again, not every
            // flushing caller.
            if self.writer.queue.lock().unwrap().retry_pending().is_some() {
                return;
            }
            match self.writer.conn.try_lock() {
                Ok(mut conn) => self.writer.commit_queued(&mut conn),
                Err(_) => {
                    // Someone is committing: hear when they are done, then look again.
                    let upto = progress.upto.lock().unwrap();
                    if *upto < target {
                        drop(progress.changed.wait(upto).unwrap());
                    }
                }
            }
        }
    }

    /// From now on the journal refuses every write as a full disk does (`/dev/full`), for
    /// the tests of what a guest is told.
    #[cfg(test)]
    pub(crate) fn fill_disk(&self) {
        let dir = tempfile::tempdir().unwrap();
        std::os::unix::fs::symlink("/dev/full", dir.path().join(crate::journal::JOURNAL_FILE))
            .unwrap();
        self.writer.queue.lock().unwrap().journal = Journal::open(dir.path()).unwrap().0;
    }

    /// The journal back in the data directory, after [`Store::fill_disk`].
    #[cfg(test)]
    pub(crate) fn free_disk(&self) {
        let dir = self.path.parent().expect("the store is in a directory");
        self.writer.queue.lock().unwrap().journal = Journal::open(dir).unwrap().0;
    }

    /// The arguments of task `id`, as stored (for a task whose arguments were left on disk):
    /// from its write still queued, or from the database. The committing connection is held
    /// meanwhile, so no batch is between the two.
    pub fn task_args(&self, id: i64) -> Result<String, StoreError> {
        let _committing = self.writer.conn.lock().unwrap();
        let queued = self
            .writer
            .queue
            .lock()
            .unwrap()
            .messages
            .iter()
            .rev()
            .find_map(|m| match &m.op {
                StoreOp::Insert(task) if task.id == id => Some(task.args.clone()),
                _ => None,
            });
        if let Some(args) = queued {
            return Ok(args);
        }
        self.reader
            .lock()
            .unwrap()
            .query_row("SELECT args FROM tasks WHERE id = ?1", [id], |row| {
                row.get(0)
            })
            .map_err(|source| StoreError::Read {
                path: self.path.clone(),
                source,
            })
    }

    /// Every task, as the database and the writes still queued leave them.
    pub fn load_tasks(&self) -> Result<Vec<TaskRecord>, StoreError> {
        let _committing = self.writer.conn.lock().unwrap();
        let tasks =
            load_tasks(&self.reader.lock().unwrap()).map_err(|source| StoreError::Read {
                path: self.path.clone(),
                source,
            })?;
        let queue = self.writer.queue.lock().unwrap();
        Ok(overlay(tasks, queue.messages.iter().map(|m| &m.op)))
    }
}

enum Recovery {
    Journal(std::io::Error),
    Mark(rusqlite::Error),
}

/// What opening found in the journal.
struct Recovered {
    journal: Journal,
    /// The highest submission number the database holds.
    committed: u64,
    /// The journal's writes the database could not take now (a full disk), to try again.
    uncommitted: Vec<WriterMessage>,
    /// The highest submission number so far: the store goes on from there.
    upto: u64,
}

/// Apply what the journal holds beyond what the database does (the writes promised to guests
/// before a crash), then empty it. What the database cannot take now stays queued, and in the
/// journal: the store opens all the same.
fn recover(data_dir: &Path, conn: &mut Connection) -> Result<Recovered, Recovery> {
    let (mut journal, records) = Journal::open(data_dir).map_err(Recovery::Journal)?;
    let applied = journal_mark(conn).map_err(Recovery::Mark)?;
    let missing: Vec<WriterMessage> = records
        .into_iter()
        .filter(|(seq, _)| *seq > applied)
        .map(|(seq, op)| WriterMessage {
            seq,
            op,
            journaled: true,
        })
        .collect();
    let upto = missing.last().map_or(applied, |m| m.seq);
    let count = missing.len();
    let writes = fold(missing);
    if count == 0 {
        journal.empty();
        return Ok(Recovered {
            journal,
            committed: applied,
            uncommitted: Vec::new(),
            upto,
        });
    }
    match commit(conn, &writes, Some(upto)) {
        Ok(()) => {
            tracing::info!(writes = count, "applied the task store's journal");
            journal.empty();
            Ok(Recovered {
                journal,
                committed: upto,
                uncommitted: Vec::new(),
                upto,
            })
        }
        Err(err) => {
            tracing::error!(
                writes = count,
                "cannot apply the task store's journal yet, to be tried again: {err}"
            );
            let uncommitted = writes
                .into_iter()
                .map(|(id, net)| WriterMessage {
                    seq: upto,
                    op: net.into_op(id),
                    journaled: true,
                })
                .collect();
            Ok(Recovered {
                journal,
                committed: applied,
                uncommitted,
                upto,
            })
        }
    }
}

/// How far the database holds the journal (see `writer::commit`).
pub(crate) fn journal_mark(conn: &Connection) -> rusqlite::Result<u64> {
    conn.query_row("SELECT applied FROM journal_mark", [], |row| {
        row.get::<_, i64>(0)
    })
    .map(|applied| applied as u64)
}

/// `tasks` as the writes `ops` leave them, in order of id.
pub(crate) fn overlay<'a>(
    tasks: Vec<TaskRecord>,
    ops: impl IntoIterator<Item = &'a StoreOp>,
) -> Vec<TaskRecord> {
    let mut by_id: std::collections::BTreeMap<i64, TaskRecord> =
        tasks.into_iter().map(|t| (t.id, t)).collect();
    for op in ops {
        match op {
            StoreOp::Insert(task) => {
                by_id.insert(task.id, (**task).clone());
            }
            StoreOp::Update(update) => {
                if let Some(task) = by_id.get_mut(&update.id) {
                    update.clone().apply(task);
                }
            }
            StoreOp::Delete(id) => {
                by_id.remove(id);
            }
        }
    }
    by_id.into_values().collect()
}

impl Drop for Store {
    /// The writer thread commits what is still queued (what it cannot stays in the journal),
    /// then ends.
    fn drop(&mut self) {
        self.writer.queue.lock().unwrap().closed = true;
        self.writer.work.notify_one();
        if let Some(thread) = self.writer_thread.take() {
            let _ = thread.join();
        }
    }
}

pub(crate) fn load_tasks(conn: &Connection) -> rusqlite::Result<Vec<TaskRecord>> {
    let mut statement = conn.prepare(
        "SELECT id, plugin_name, plugin_path, session, key, name, args, plugin_sha256, sandbox, status,
                priority, ttl_seconds, value, error, created_ms, started_ms, finished_ms, wake
         FROM tasks ORDER BY id",
    )?;
    let rows = statement.query_map([], |row| {
        let status: String = row.get(9)?;
        Ok(TaskRecord {
            id: row.get(0)?,
            namespace: Namespace {
                plugin_name: row.get(1)?,
                plugin_path: row.get(2)?,
                session: row.get(3)?,
            },
            key: row.get(4)?,
            name: row.get(5)?,
            args: row.get(6)?,
            plugin_sha256: row.get(7)?,
            sandbox: crate::record::sandbox_from_text(&row.get::<_, String>(8)?),
            status: TaskStatus::parse(&status).unwrap_or(TaskStatus::Failed),
            priority: row.get(10)?,
            ttl_seconds: row.get(11)?,
            value: row.get(12)?,
            error: row.get(13)?,
            created_ms: row.get::<_, i64>(14)? as u64,
            started_ms: row.get::<_, Option<i64>>(15)?.map(|v| v as u64),
            finished_ms: row.get::<_, Option<i64>>(16)?.map(|v| v as u64),
            wake: row.get(17)?,
        })
    })?;
    rows.collect()
}

#[cfg(test)]
#[path = "store_tests.rs"]
mod tests;
