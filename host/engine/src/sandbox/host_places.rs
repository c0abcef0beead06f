//! fasthooks' own directories (compiled plugins, the task store, the log, the socket) are out of
//! every plugin's reach, whatever it was granted: a plugin granted the home directory must not
//! read other plugins' state, tasks or log lines, nor replace the compiled code the host loads
//! (native code, run unchecked) or the store other plugins' decisions depend on.
//!
//! Writes there are refused by [`super::write_policy`] (which checks the real directory of
//! every change); opens for reading are checked after the fact, on the kernel's name for what
//! was opened, only for instances whose grants contain one of these directories (a grant of the
//! project, the usual case, costs nothing). Set once per process, before any instance runs.

use fasthooks_ipc::Paths;
use std::path::{Path, PathBuf};
use std::sync::OnceLock;

static PLACES: OnceLock<Vec<PathBuf>> = OnceLock::new();

/// Protect the directories of `paths` in this process (the first call wins: one process serves
/// one fasthooks home).
pub fn protect(paths: &Paths) {
    PLACES.get_or_init(|| {
        [&paths.cache, &paths.data, &paths.logs, &paths.runtime]
            .into_iter()
            .map(|dir| real(dir))
            .collect()
    });
}

/// `dir` as the kernel will name it: the deepest part that exists resolved, the rest appended
/// (the data directory may not exist until the first task).
fn real(dir: &Path) -> PathBuf {
    let mut missing = Vec::new();
    let mut existing = dir;
    loop {
        if let Ok(resolved) = std::fs::canonicalize(existing) {
            return missing
                .iter()
                .rev()
                .fold(resolved, |path: PathBuf, part| path.join(part));
        }
        match (existing.parent(), existing.file_name()) {
            (Some(parent), Some(name)) => {
                missing.push(name.to_owned());
                existing = parent;
            }
            _ => return dir.to_owned(),
        }
    }
}

fn places() -> &'static [PathBuf] {
    PLACES.get().map_or(&[], Vec::as_slice)
}

/// The protected directory `path` (absolute, real) is in, if any.
pub fn containing(path: &Path) -> Option<&'static Path> {
    places()
        .iter()
        .find(|place| path.starts_with(place))
        .map(PathBuf::as_path)
}

/// Does a grant of `root` contain a protected directory (or lie inside one)?
pub fn reachable_from(root: &Path) -> bool {
    places()
        .iter()
        .any(|place| place.starts_with(root) || root.starts_with(place))
}

/// The log line for a refused access.
pub fn refusal_line(path: &Path, place: &Path) -> String {
    format!(
        "access to {} refused: it is inside {}, fasthooks' own directory (compiled plugins, the task store, logs), which no grant reaches",
        path.display(),
        place.display()
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_missing_directory_is_named_from_its_deepest_existing_ancestor() {
        let dir = tempfile::tempdir().unwrap();
        let real_dir = std::fs::canonicalize(dir.path()).unwrap();
        assert_eq!(real(&dir.path().join("a/b")), real_dir.join("a/b"));
    }
}
