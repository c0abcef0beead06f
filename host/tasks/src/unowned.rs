//! The store read by a process that does not own it (`crate::owner`): `fasthooks-host tasks`
//! when no daemon runs, and `fasthooks-host doctor`. What a crashed owner left in the journal is
//! shown as the next owner will apply it.

use crate::record::TaskRecord;
use crate::store::{
    STORE_FILE, StoreError, journal_mark, load_tasks, migrate, open_connection, overlay,
};
use rusqlite::{Connection, OpenFlags};
use std::path::{Path, PathBuf};

/// Read the tasks without owning the store (for `fasthooks-host tasks` when no daemon runs),
/// with what its journal holds beyond the database.
pub fn read_tasks(data_dir: &Path) -> Result<Vec<TaskRecord>, StoreError> {
    let path = data_dir.join(STORE_FILE);
    if !path.exists() {
        return Ok(Vec::new());
    }
    crate::store_file::check_access(&path, false)?;
    let conn = open_connection(&path).map_err(StoreError::open(&path))?;
    migrate(&conn).map_err(StoreError::open(&path))?;
    let read = |source| StoreError::Read {
        path: path.clone(),
        source,
    };
    let tasks = load_tasks(&conn).map_err(read)?;
    // What a crashed owner left in the journal, as the next owner will apply it.
    let applied = journal_mark(&conn).map_err(read)?;
    let records = crate::journal::read(data_dir).map_err(|source| StoreError::Journal {
        dir: data_dir.to_owned(),
        source,
    })?;
    let pending = records.iter().filter(|(seq, _)| *seq > applied);
    Ok(overlay(tasks, pending.map(|(_, op)| op)))
}

/// What [`check`] found.
#[derive(Debug)]
pub struct Health {
    pub path: PathBuf,
    /// Tasks in the database.
    pub tasks: usize,
    /// Writes a crashed owner left in the journal, which the next owner applies.
    pub unapplied: usize,
    /// Earlier stores found corrupt and moved aside (`fasthooks.db.corrupt-<time>`).
    pub moved_aside: Vec<PathBuf>,
}

/// Check the store in `data_dir` without changing it: it opens read-only and passes SQLite's
/// `quick_check`. `None` when there is no store yet.
pub fn check(data_dir: &Path) -> Result<Option<Health>, StoreError> {
    let path = data_dir.join(STORE_FILE);
    let moved_aside = moved_aside(data_dir);
    if !path.exists() {
        return Ok(None);
    }
    crate::store_file::check_access(&path, false)?;
    let read = |source| StoreError::Read {
        path: path.clone(),
        source,
    };
    let conn =
        Connection::open_with_flags(&path, OpenFlags::SQLITE_OPEN_READ_ONLY).map_err(|source| {
            StoreError::Open {
                path: path.clone(),
                source,
            }
        })?;
    // A daemon may be committing: wait for it rather than report a busy store as broken.
    conn.busy_timeout(std::time::Duration::from_secs(5))
        .map_err(read)?;
    let verdict: String = conn
        .query_row("PRAGMA quick_check", [], |row| row.get(0))
        .map_err(read)?;
    if verdict != "ok" {
        return Err(read(rusqlite::Error::SqliteFailure(
            rusqlite::ffi::Error::new(rusqlite::ffi::SQLITE_CORRUPT),
            Some(verdict),
        )));
    }
    let tasks: i64 = conn
        .query_row("SELECT count(*) FROM tasks", [], |row| row.get(0))
        .map_err(read)?;
    // A store from before the journal has no mark: everything in a journal is unapplied.
    let applied = journal_mark(&conn).unwrap_or(0);
    let unapplied = crate::journal::read(data_dir)
        .map_err(|source| StoreError::Journal {
            dir: data_dir.to_owned(),
            source,
        })?
        .iter()
        .filter(|(seq, _)| *seq > applied)
        .count();
    Ok(Some(Health {
        path,
        tasks: tasks as usize,
        unapplied,
        moved_aside,
    }))
}

fn moved_aside(data_dir: &Path) -> Vec<PathBuf> {
    let prefix = format!("{STORE_FILE}.corrupt-");
    let mut found: Vec<PathBuf> = std::fs::read_dir(data_dir)
        .into_iter()
        .flatten()
        .flatten()
        .map(|entry| entry.path())
        .filter(|path| {
            path.file_name().and_then(|n| n.to_str()).is_some_and(|n| {
                n.starts_with(&prefix) && n[prefix.len()..].bytes().all(|b| b.is_ascii_digit())
            })
        })
        .collect();
    found.sort();
    found
}
