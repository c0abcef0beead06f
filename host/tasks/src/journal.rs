//! The confirmation journal: the writes a guest was told are saved (an add, a cancel, the
//! removal of a result it received), appended to a file beside the store before the call
//! returns, until the writer has committed them to SQLite.
//!
//! A guest's write is confirmed by one `write(2)` here instead of a SQLite transaction of its
//! own (about a tenth of the cost), and SQLite still commits in batches. The journal is as
//! durable as the store (both survive a killed process, neither promises to survive a power
//! loss) and is read only by the next owner of the store: at open, records the database has
//! not committed are applied (see `journal_mark` in `store`), then the file is emptied.
//!
//! A record is `length (u32 LE) · crc32 (u32 LE) · seq (u64 LE) · payload (JSON of a
//! [`StoreOp`])`, the checksum over `seq · payload`. Reading stops at the first record that is
//! short or fails its checksum: the tail a crash cut off mid-write.
//!
//! Only the owner of the store writes it (`crate::owner`), under the writer's queue lock, so
//! records are in submission order.

use crate::op::StoreOp;
use std::fs::File;
use std::io::{Read, Write};
use std::path::{Path, PathBuf};

/// The journal's file, beside the store.
pub const JOURNAL_FILE: &str = "fasthooks.journal";

/// The journal is emptied only once everything in it is committed and it has grown past this:
/// small enough to replay in a moment, large enough that emptying it is rare.
pub(crate) const JOURNAL_EMPTIED_PAST: u64 = 1 << 20;

/// Past this, a write waits for the database to catch up so the journal can be emptied: under
/// a stream of writes that never pauses, the writer never finds it fully committed otherwise.
pub(crate) const JOURNAL_CAUGHT_UP_PAST: u64 = 16 << 20;

const HEADER: usize = 4 + 4 + 8;

/// A record the journal could not take; nothing of it stays in the file.
#[derive(Debug, thiserror::Error)]
pub(crate) enum JournalError {
    #[error("{0}")]
    Io(#[from] std::io::Error),
    /// A failed append could not be cut off: later records would follow a torn one, so none
    /// is taken until the journal is emptied.
    #[error("the journal {} holds a torn record; it is emptied once the store commits", .0.display())]
    Torn(PathBuf),
}

impl JournalError {
    /// What a guest is told (after "the task store could not save it").
    pub(crate) fn reason(&self) -> String {
        match self {
            JournalError::Io(err) if err.kind() == std::io::ErrorKind::StorageFull => {
                "the disk is full".into()
            }
            JournalError::Io(err) if err.kind() == std::io::ErrorKind::QuotaExceeded => {
                "the disk quota is exceeded".into()
            }
            other => other.to_string(),
        }
    }
}

pub(crate) struct Journal {
    path: PathBuf,
    file: File,
    /// Bytes in the file: where a failed append is cut back to.
    len: u64,
    torn: bool,
}

impl Journal {
    /// Open (or create, 0600) the journal in `data_dir`, with the records it holds.
    pub(crate) fn open(data_dir: &Path) -> std::io::Result<(Journal, Vec<(u64, StoreOp)>)> {
        let path = data_dir.join(JOURNAL_FILE);
        let mut file = fasthooks_ipc::private::open_file(
            &path,
            File::options().read(true).append(true).create(true),
        )?;
        // As long as the file says (a device such as /dev/full reads without end).
        let mut bytes = Vec::new();
        let size = file.metadata()?.len();
        (&mut file).take(size).read_to_end(&mut bytes)?;
        let (records, whole) = decode(&bytes, &path);
        let mut journal = Journal {
            path,
            file,
            len: whole as u64,
            torn: false,
        };
        // Records appended after a torn one would be lost with it: cut it off first.
        if whole < bytes.len() && journal.file.set_len(journal.len).is_err() {
            journal.torn = true;
        }
        Ok((journal, records))
    }

    /// Append `records` with one write; either all of them are in the file, or none.
    pub(crate) fn append(&mut self, records: &[(u64, &StoreOp)]) -> Result<(), JournalError> {
        if self.torn {
            return Err(JournalError::Torn(self.path.clone()));
        }
        let mut bytes = Vec::new();
        for (seq, op) in records {
            encode(*seq, op, &mut bytes);
        }
        match self.file.write_all(&bytes) {
            Ok(()) => {
                self.len += bytes.len() as u64;
                Ok(())
            }
            Err(err) => {
                // A short write left part of a record: cut it off, or stop taking records.
                if self.file.set_len(self.len).is_err() {
                    self.torn = true;
                }
                Err(JournalError::Io(err))
            }
        }
    }

    pub(crate) fn len(&self) -> u64 {
        self.len
    }

    /// A failed append could not be cut off: nothing is taken until the journal is emptied.
    pub(crate) fn is_torn(&self) -> bool {
        self.torn
    }

    /// Empty the journal: the caller knows the database holds everything in it.
    pub(crate) fn empty(&mut self) {
        if self.len == 0 && !self.torn {
            return;
        }
        match self.file.set_len(0) {
            Ok(()) => {
                self.len = 0;
                self.torn = false;
            }
            Err(err) => tracing::warn!(
                journal = %self.path.display(),
                "cannot empty the task store's journal: {err}"
            ),
        }
    }
}

fn encode(seq: u64, op: &StoreOp, out: &mut Vec<u8>) {
    let payload = serde_json::to_vec(op).expect("a store write serializes");
    let mut hasher = crc32fast::Hasher::new();
    hasher.update(&seq.to_le_bytes());
    hasher.update(&payload);
    out.extend_from_slice(&(payload.len() as u32).to_le_bytes());
    out.extend_from_slice(&hasher.finalize().to_le_bytes());
    out.extend_from_slice(&seq.to_le_bytes());
    out.extend_from_slice(&payload);
}

/// The records a journal holds, read without taking it (for a process that does not own the
/// store); none when there is no journal.
pub(crate) fn read(data_dir: &Path) -> std::io::Result<Vec<(u64, StoreOp)>> {
    let path = data_dir.join(JOURNAL_FILE);
    match std::fs::read(&path) {
        Ok(bytes) => Ok(decode(&bytes, &path).0),
        Err(err) if err.kind() == std::io::ErrorKind::NotFound => Ok(Vec::new()),
        Err(err) => Err(err),
    }
}

/// The whole records at the start of `bytes`, up to the first torn or damaged one, and how
/// many bytes they take.
fn decode(all: &[u8], path: &Path) -> (Vec<(u64, StoreOp)>, usize) {
    let mut bytes = all;
    let mut records = Vec::new();
    while bytes.len() >= HEADER {
        let length = u32::from_le_bytes(bytes[0..4].try_into().unwrap()) as usize;
        let checksum = u32::from_le_bytes(bytes[4..8].try_into().unwrap());
        let Some(body) = bytes.get(8..HEADER + length) else {
            break;
        };
        if crc32fast::hash(body) != checksum {
            break;
        }
        let seq = u64::from_le_bytes(body[..8].try_into().unwrap());
        let Ok(op) = serde_json::from_slice::<StoreOp>(&body[8..]) else {
            break;
        };
        records.push((seq, op));
        bytes = &bytes[HEADER + length..];
    }
    if !bytes.is_empty() {
        tracing::warn!(
            journal = %path.display(),
            bytes = bytes.len(),
            "ignoring the end of the task store's journal: a record cut off by a crash"
        );
    }
    (records, all.len() - bytes.len())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::test_fixture::task;

    fn ids(records: &[(u64, StoreOp)]) -> Vec<(u64, i64)> {
        records
            .iter()
            .map(|(seq, op)| (*seq, op.task_id()))
            .collect()
    }

    #[test]
    fn records_come_back_in_order_and_a_torn_tail_is_ignored() {
        let dir = tempfile::tempdir().unwrap();
        let (mut journal, records) = Journal::open(dir.path()).unwrap();
        assert!(records.is_empty());
        let first = StoreOp::Insert(Box::new(task(1)));
        let second = StoreOp::Delete(2);
        journal.append(&[(5, &first), (6, &second)]).unwrap();
        journal.append(&[(7, &StoreOp::Delete(3))]).unwrap();
        drop(journal);
        // A crash in the middle of the next record's write.
        let path = dir.path().join(JOURNAL_FILE);
        let mut bytes = std::fs::read(&path).unwrap();
        let whole = bytes.len();
        encode(8, &StoreOp::Delete(4), &mut bytes);
        bytes.truncate(whole + 10);
        std::fs::write(&path, &bytes).unwrap();
        let (mut journal, records) = Journal::open(dir.path()).unwrap();
        assert_eq!(ids(&records), vec![(5, 1), (6, 2), (7, 3)]);
        // The torn tail is cut off, so what is appended next is read back.
        journal.append(&[(8, &StoreOp::Delete(5))]).unwrap();
        drop(journal);
        let (_, records) = Journal::open(dir.path()).unwrap();
        assert_eq!(ids(&records), vec![(5, 1), (6, 2), (7, 3), (8, 5)]);
    }

    #[test]
    fn a_damaged_record_ends_the_journal() {
        let dir = tempfile::tempdir().unwrap();
        let (mut journal, _) = Journal::open(dir.path()).unwrap();
        journal.append(&[(1, &StoreOp::Delete(1))]).unwrap();
        journal.append(&[(2, &StoreOp::Delete(2))]).unwrap();
        journal.append(&[(3, &StoreOp::Delete(3))]).unwrap();
        drop(journal);
        let path = dir.path().join(JOURNAL_FILE);
        let mut bytes = std::fs::read(&path).unwrap();
        let record = bytes.len() / 3;
        bytes[record + HEADER] ^= 0x20; // inside the second record's payload
        std::fs::write(&path, &bytes).unwrap();
        let (_, records) = Journal::open(dir.path()).unwrap();
        assert_eq!(ids(&records), vec![(1, 1)]);
    }

    #[test]
    fn an_emptied_journal_takes_records_again_from_the_start() {
        let dir = tempfile::tempdir().unwrap();
        let (mut journal, _) = Journal::open(dir.path()).unwrap();
        journal.append(&[(1, &StoreOp::Delete(1))]).unwrap();
        journal.empty();
        assert_eq!(journal.len(), 0);
        journal.append(&[(2, &StoreOp::Delete(2))]).unwrap();
        drop(journal);
        let (_, records) = Journal::open(dir.path()).unwrap();
        assert_eq!(ids(&records), vec![(2, 2)]);
    }

    /// A full disk, for real: /dev/full refuses every write with ENOSPC.
    #[test]
    fn a_refused_append_is_told_as_a_full_disk() {
        let dir = tempfile::tempdir().unwrap();
        std::os::unix::fs::symlink("/dev/full", dir.path().join(JOURNAL_FILE)).unwrap();
        let (mut journal, _) = Journal::open(dir.path()).unwrap();
        let err = journal.append(&[(1, &StoreOp::Delete(1))]).unwrap_err();
        assert_eq!(err.reason(), "the disk is full");
    }
}
