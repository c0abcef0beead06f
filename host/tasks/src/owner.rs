//! Who owns a task store: exactly one process at a time, the holder of an exclusive `flock` on
//! `daemon.lock` beside the store.
//!
//! The owner alone keeps the store's tasks in memory, runs them and writes them. The daemon owns
//! its store for its whole life. A hook run in-process (`--inline`, or the fallback when the
//! daemon cannot be reached) owns it only when no daemon does; otherwise it sends its calls to
//! the daemon ([`crate::call::TaskPort::Remote`]). So two processes never hold two different
//! pictures of one store: no result popped twice, no task invisible to the other, none run twice.

use std::fs::File;
use std::path::Path;
use std::time::{Duration, Instant};

/// Proof that this process owns the store in a data directory; ownership ends with the value
/// (or the process).
#[derive(Debug)]
pub struct StoreOwner {
    _lock: File,
}

impl StoreOwner {
    /// Take ownership if nobody holds it. `None`: another process owns the store.
    pub fn try_take(data_dir: &Path) -> std::io::Result<Option<StoreOwner>> {
        fasthooks_ipc::private::create_dir(data_dir)?;
        let path = data_dir.join(fasthooks_ipc::paths::LOCK_FILE);
        let file = fasthooks_ipc::private::open_file(
            &path,
            File::options().create(true).truncate(false).write(true),
        )?;
        match file.try_lock() {
            Ok(()) => Ok(Some(StoreOwner { _lock: file })),
            Err(std::fs::TryLockError::WouldBlock) => Ok(None),
            Err(std::fs::TryLockError::Error(err)) => Err(std::io::Error::new(
                err.kind(),
                format!("cannot lock {}: {err}", path.display()),
            )),
        }
    }

    /// Take ownership, trying until `give_up` says to stop or `within` has passed.
    pub fn take_within(
        data_dir: &Path,
        within: Duration,
        mut give_up: impl FnMut() -> bool,
    ) -> std::io::Result<Option<StoreOwner>> {
        let deadline = Instant::now() + within;
        loop {
            if let Some(owner) = StoreOwner::try_take(data_dir)? {
                return Ok(Some(owner));
            }
            if Instant::now() >= deadline || give_up() {
                return Ok(None);
            }
            // flock has no timed wait: poll, finely, for the short waits this is used for.
            std::thread::sleep(Duration::from_millis(5));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_owner_at_a_time_and_the_next_after_it() {
        let dir = tempfile::tempdir().unwrap();
        let first = StoreOwner::try_take(dir.path()).unwrap().expect("free");
        assert!(StoreOwner::try_take(dir.path()).unwrap().is_none(), "held");
        assert!(
            StoreOwner::take_within(dir.path(), Duration::from_millis(30), || false)
                .unwrap()
                .is_none(),
            "still held after waiting"
        );
        drop(first);
        assert!(
            StoreOwner::try_take(dir.path()).unwrap().is_some(),
            "free again"
        );
    }
}
