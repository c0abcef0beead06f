//! The durable store: task records and plugin state in SQLite (WAL mode), one file under the data
//! directory.
//!
//! Writes are queued and committed in batches (group commit, see `writer`), so thousands of
//! task transitions per second cost a handful of transactions. A write a guest asked for (add,
//! cancel, the removal of what it popped) is confirmed before its call returns
//! ([`Store::confirm`]): it is on disk, or the guest gets the error. So whatever a hook did
//! survives a crash of the daemon the moment Claude Code sees the answer. `flush()` waits for
//! everything submitted (what a hook saw complete, an owner letting go of the store); with
//! guests confirming each write, the queue never holds more than a few writes per caller. WAL with `synchronous=NORMAL` keeps committed data across a killed process
//! (not across power loss, which a hook host does not promise).

use crate::record::{Namespace, TaskRecord, TaskStatus};
use crate::writer::{Committed, Progress, Queue, Writer, WriterMessage};
#[cfg(test)]
use crate::writer::{Net, fold};
pub use crate::writer::{StoreOp, TaskUpdate, Ticket, WriteError};
use rusqlite::Connection;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Condvar, Mutex};
use std::time::Duration;

pub const STORE_FILE: &str = "fasthooks.db";
/// What the WAL file keeps of its size when it starts over (SQLite's `journal_size_limit`).
const WAL_KEPT_BYTES: i64 = 16 << 20;
/// 1: tasks and state; 2: no index on tasks (every lookup is in memory; the index only made
/// each write cost more pages).
const SCHEMA_VERSION: i64 = 2;

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
    #[error("cannot read tasks from {}: {source}", path.display())]
    Read {
        path: PathBuf,
        source: rusqlite::Error,
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
    fn open(path: &Path) -> impl FnOnce(rusqlite::Error) -> StoreError + '_ {
        move |source| StoreError::Open {
            path: path.to_owned(),
            source,
        }
    }
}

pub struct Store {
    path: PathBuf,
    writer: Arc<Writer>,
    /// A separate connection for the synchronous `state` interface and for reads.
    pub(crate) reader: Mutex<Connection>,
}

fn is_corruption(err: &rusqlite::Error) -> bool {
    matches!(
        err.sqlite_error_code(),
        Some(rusqlite::ErrorCode::NotADatabase | rusqlite::ErrorCode::DatabaseCorrupt)
    )
}

/// Rename the store file and its -wal and -shm companions out of the way; the new name.
fn move_aside(path: &Path) -> std::io::Result<PathBuf> {
    let secs = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs());
    let aside = path.with_file_name(format!("{STORE_FILE}.corrupt-{secs}"));
    std::fs::rename(path, &aside)?;
    for suffix in ["-wal", "-shm"] {
        let companion = PathBuf::from(format!("{}{suffix}", path.display()));
        if companion.exists() {
            let _ = std::fs::rename(&companion, format!("{}{suffix}", aside.display()));
        }
    }
    Ok(aside)
}

fn open_connection(path: &Path) -> rusqlite::Result<Connection> {
    let conn = Connection::open(path)?;
    conn.busy_timeout(Duration::from_secs(5))?;
    conn.pragma_update(None, "journal_mode", "WAL")?;
    conn.pragma_update(None, "synchronous", "NORMAL")?;
    Ok(conn)
}

fn migrate(conn: &Connection) -> rusqlite::Result<()> {
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
         DROP INDEX IF EXISTS tasks_by_namespace;
         PRAGMA user_version = 2;
         COMMIT;",
    )
}

impl Store {
    /// Open (or create) the store in `data_dir`. A file that is not a database, or a corrupt
    /// one, is moved aside as `fasthooks.db.corrupt-<unix time>` (with its -wal and -shm),
    /// logged, and replaced by a fresh store: tasks and state start empty rather than being
    /// unavailable until someone deletes the file by hand.
    pub fn open(data_dir: &Path) -> Result<Store, StoreError> {
        match Store::open_file(data_dir) {
            Err(StoreError::Open { path, source }) if is_corruption(&source) => {
                let aside = move_aside(&path).map_err(|err| StoreError::CreateDir {
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
        private_store_files(&path).map_err(|source| StoreError::CreateDir {
            dir: data_dir.to_owned(),
            source,
        })?;
        let writer = open_connection(&path).map_err(StoreError::open(&path))?;
        migrate(&writer).map_err(StoreError::open(&path))?;
        // Checkpoints are the writer thread's (see `writer`), never a committing caller's.
        writer
            .pragma_update(None, "wal_autocheckpoint", 0)
            .map_err(StoreError::open(&path))?;
        // A WAL that grew in a burst is cut back when it starts over.
        writer
            .pragma_update(None, "journal_size_limit", WAL_KEPT_BYTES)
            .map_err(StoreError::open(&path))?;
        let reader = open_connection(&path).map_err(StoreError::open(&path))?;
        let checkpointer = open_connection(&path).map_err(StoreError::open(&path))?;
        let writer = Arc::new(Writer {
            queue: Mutex::new(Queue::default()),
            work: Condvar::new(),
            conn: Mutex::new(writer),
            progress: Progress::default(),
        });
        let thread_writer = writer.clone();
        std::thread::Builder::new()
            .name("fasthooks-store".into())
            .spawn(move || thread_writer.run(checkpointer))
            .map_err(StoreError::Writer)?;
        Ok(Store {
            path,
            writer,
            reader: Mutex::new(reader),
        })
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Queue a write; it is committed with the next batch.
    pub fn submit(&self, op: StoreOp) -> Ticket {
        let mut queue = self.writer.queue.lock().unwrap();
        let ticket = enqueue(&mut queue, op);
        if queue.writer_idle {
            self.writer.work.notify_one();
        }
        ticket
    }

    /// Queue a write its caller is about to [`confirm`](Store::confirm): the writer thread is
    /// not woken, since the confirming caller commits it (waking a thread per write would cost
    /// more than the commit).
    pub fn submit_to_confirm(&self, op: StoreOp) -> Ticket {
        enqueue(&mut self.writer.queue.lock().unwrap(), op)
    }

    /// Block until everything submitted before this call is committed. Free when nothing is
    /// outstanding, which is the common case for a hook that did not touch tasks.
    pub fn flush(&self) {
        let target = self.writer.queue.lock().unwrap().submitted;
        drop(self.tried(target));
    }

    /// Block until the writes behind `ticket` were tried; whether they reached the disk. A
    /// guest call that changes tasks waits for this, so a write that fails is its error, not a
    /// success that vanishes later.
    pub fn confirm(&self, ticket: Ticket) -> Result<(), WriteError> {
        let committed = self.tried(ticket.last);
        match committed
            .failures
            .iter()
            .find(|(first, last, _)| *first <= ticket.last && ticket.first <= *last)
        {
            Some((_, _, reason)) => Err(WriteError {
                path: self.path.clone(),
                reason: reason.clone(),
            }),
            None => Ok(()),
        }
    }

    /// Block until write `seq` was tried, committing the queue in this thread when the
    /// connection is free. Never waits for nothing: the writer thread was woken for `seq`.
    fn tried(&self, seq: u64) -> std::sync::MutexGuard<'_, Committed> {
        let progress = &self.writer.progress;
        loop {
            let committed = progress.state.lock().unwrap();
            if committed.upto >= seq {
                return committed;
            }
            drop(committed);
            match self.writer.conn.try_lock() {
                Ok(mut conn) => self.writer.commit_queued(&mut conn),
                Err(_) => {
                    // Someone is committing: hear when they are done, then look again.
                    let committed = progress.state.lock().unwrap();
                    if committed.upto < seq {
                        drop(progress.changed.wait(committed).unwrap());
                    }
                }
            }
        }
    }

    /// The arguments of task `id`, as stored (for a task whose arguments were left on disk).
    pub fn task_args(&self, id: i64) -> Result<String, StoreError> {
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

    pub fn load_tasks(&self) -> Result<Vec<TaskRecord>, StoreError> {
        let conn = self.reader.lock().unwrap();
        load_tasks(&conn).map_err(|source| StoreError::Read {
            path: self.path.clone(),
            source,
        })
    }
}

fn enqueue(queue: &mut Queue, op: StoreOp) -> Ticket {
    queue.submitted += 1;
    let seq = queue.submitted;
    queue.messages.push(WriterMessage { seq, op });
    Ticket {
        first: seq,
        last: seq,
    }
}

impl Drop for Store {
    /// The writer thread commits what is still queued, then ends.
    fn drop(&mut self) {
        self.writer.queue.lock().unwrap().closed = true;
        self.writer.work.notify_one();
    }
}

/// Read the task table without a daemon (for `fasthooks-host tasks` when none is running).
pub fn read_tasks_directly(data_dir: &Path) -> Result<Vec<TaskRecord>, StoreError> {
    let path = data_dir.join(STORE_FILE);
    if !path.exists() {
        return Ok(Vec::new());
    }
    let conn = open_connection(&path).map_err(StoreError::open(&path))?;
    migrate(&conn).map_err(StoreError::open(&path))?;
    load_tasks(&conn).map_err(|source| StoreError::Read { path, source })
}

fn load_tasks(conn: &Connection) -> rusqlite::Result<Vec<TaskRecord>> {
    let mut statement = conn.prepare(
        "SELECT id, plugin_name, plugin_path, session, key, name, args, plugin_sha256, sandbox, status,
                priority, ttl_seconds, value, error, created_ms, started_ms, finished_ms
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
        })
    })?;
    rows.collect()
}

/// The database file created 0600 if missing; it and its -wal, -shm files tightened to 0600.
fn private_store_files(path: &Path) -> std::io::Result<()> {
    use fasthooks_ipc::private;
    private::open_file(path, std::fs::OpenOptions::new().create(true).append(true))?;
    for suffix in ["-wal", "-shm"] {
        let companion = PathBuf::from(format!("{}{suffix}", path.display()));
        if companion.exists() {
            private::tighten(&companion, private::FILE_MODE)?;
        }
    }
    Ok(())
}

#[cfg(test)]
#[path = "store_tests.rs"]
mod tests;
