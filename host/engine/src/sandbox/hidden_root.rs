//! What a plugin sees outside its grants: an empty, read-only `/`.
//!
//! Without it, a path no grant covers never reaches the host: the guest's libc finds no
//! preopened directory for it and answers "No such file or directory" itself, which reads as
//! a missing file, not as the sandbox. With an empty directory preopened as `/` (the granted
//! directories are preopened under their own paths, and the longest match wins), such a path
//! is opened in that directory: the host answers "permission denied" and logs one line that
//! says it is the sandbox and names the grant to add. Nothing is in that directory and nothing
//! can ever be put there, by the guest or anyone: it is made in the cache, opened, and removed
//! at once, and the kernel refuses new entries in a removed directory. The guest sees it
//! read-only besides.
//!
//! It is made once per process; a process that could not make it runs its plugins as before
//! (no `/` at all). A plugin granted `/` itself gets no hidden root (it would shadow the grant).

use std::os::fd::{AsRawFd, OwnedFd};
use std::path::{Path, PathBuf};
use std::sync::OnceLock;

/// At most this many lines per instance: a plugin probing paths in a loop cannot flood the log.
pub const LINES_PER_INSTANCE: u32 = 8;

struct HiddenRoot {
    fd: OwnedFd,
    /// Its path as the kernel names it (what `/proc/self/fd` links to).
    real: PathBuf,
}

static HIDDEN_ROOT: OnceLock<Option<HiddenRoot>> = OnceLock::new();

/// Make (once per process) the empty directory in `cache`. Failing leaves plugins without it.
pub fn prepare(cache: &Path) {
    HIDDEN_ROOT.get_or_init(|| match open(cache) {
        Ok(root) => Some(root),
        Err(err) => {
            tracing::warn!(
                "no empty / for plugins ({err}): a path outside the grants reads as missing, without a hint"
            );
            None
        }
    });
}

fn open(cache: &Path) -> std::io::Result<HiddenRoot> {
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_nanos());
    let dir = cache.join(format!(".hidden-root-{}-{nanos}", std::process::id()));
    fasthooks_ipc::private::create_dir(cache)?;
    std::fs::DirBuilder::new().create(&dir)?;
    let opened = std::fs::canonicalize(&dir).and_then(|real| super::open_without_links(&real));
    std::fs::remove_dir(&dir)?;
    let fd = opened?;
    // Named `… (deleted)` by the kernel from now on: no other directory has that name.
    let real = std::fs::read_link(format!("/proc/self/fd/{}", fd.as_raw_fd()))?;
    Ok(HiddenRoot { fd, real })
}

/// The descriptor to preopen as `/`, when there is one.
pub fn descriptor() -> Option<&'static OwnedFd> {
    HIDDEN_ROOT.get()?.as_ref().map(|root| &root.fd)
}

/// Whether `real` (a directory's path as the kernel names it) is the hidden root.
pub fn is_hidden_root(real: &Path) -> bool {
    HIDDEN_ROOT
        .get()
        .and_then(Option::as_ref)
        .is_some_and(|root| root.real == real)
}

/// The log line for a guest's `path` (as it wrote it, relative to `/`) that no grant covers.
/// The path is the guest's: shown quoted, and a grant is suggested only for a plain path (no
/// `.` or `..`, not `/` itself), so a plugin cannot make the line advise granting anything else.
pub fn denial_line(path: &str) -> String {
    let absolute = format!("/{}", path.trim_start_matches('/'));
    // Every part a name: not empty (`/`, `a//b`), not `.` or `..`.
    let plain = absolute[1..]
        .split('/')
        .all(|part| !part.is_empty() && part != "." && part != "..");
    let refused = format!(
        "sandbox: {absolute:?} is outside this plugin's grants, so it was refused (the plugin \
         sees \"permission denied\")"
    );
    if !plain {
        return refused;
    }
    let dir = Path::new(&absolute)
        .parent()
        .filter(|parent| *parent != Path::new("/"))
        .map_or_else(|| absolute.clone(), |parent| parent.display().to_string());
    format!(
        "{refused}; to let it read there, add --allow-read {dir:?} after its --plugin (or \
         --allow-write {dir:?} to write)"
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_line_names_the_folder_to_grant() {
        let line = denial_line("etc/passwd");
        assert!(line.contains("\"/etc/passwd\" is outside"), "{line}");
        assert!(line.contains("--allow-read \"/etc\" after"), "{line}");
        assert!(denial_line("notes").contains("--allow-read \"/notes\" after"));
    }

    #[test]
    fn no_grant_is_suggested_for_a_path_that_is_not_plain() {
        for path in ["", ".", "..", "a/../home/u/.ssh/id_ed25519", "etc/."] {
            let line = denial_line(path);
            assert!(!line.contains("--allow"), "{path:?}: {line}");
        }
    }
}
