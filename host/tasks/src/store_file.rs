//! The store's files on disk, apart from what SQLite does with them: created private, checked
//! for access (so a refusal names its cause), and moved aside together when corrupt.

use crate::store::{STORE_FILE, StoreError};
use std::path::{Path, PathBuf};

/// Rename the store file, its -wal and -shm companions and its journal out of the way; the
/// new name.
pub(crate) fn move_aside(path: &Path) -> std::io::Result<PathBuf> {
    let secs = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs());
    let aside = path.with_file_name(format!("{STORE_FILE}.corrupt-{secs}"));
    std::fs::rename(path, &aside)?;
    // The journal's records go with the database they were numbered against.
    let journal = path.with_file_name(crate::journal::JOURNAL_FILE);
    if journal.exists() {
        let _ = std::fs::rename(&journal, format!("{}.journal", aside.display()));
    }
    for suffix in ["-wal", "-shm"] {
        let companion = PathBuf::from(format!("{}{suffix}", path.display()));
        if companion.exists() {
            let _ = std::fs::rename(&companion, format!("{}{suffix}", aside.display()));
        }
    }
    Ok(aside)
}

/// Can this process open the store file at all (read, or read and write)? SQLite reports a
/// refused open as "unable to open database file"; the file system's error names the cause.
pub(crate) fn check_access(path: &Path, write: bool) -> Result<(), StoreError> {
    match std::fs::OpenOptions::new()
        .read(true)
        .write(write)
        .open(path)
    {
        Ok(_) => Ok(()),
        Err(err) if err.kind() == std::io::ErrorKind::NotFound => Ok(()),
        Err(source) => Err(StoreError::Access {
            path: path.to_owned(),
            source,
        }),
    }
}

/// The database file created 0600 if missing; it and its -wal, -shm files tightened to 0600.
pub(crate) fn private_store_files(path: &Path) -> std::io::Result<()> {
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
