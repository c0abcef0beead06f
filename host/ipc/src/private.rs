//! Everything the host writes is private to the user, and the directory its socket lives in
//! can be trusted before anything is sent through it.
//!
//! - Directories are created 0700 and files 0600, whatever the umask; existing ones the user
//!   owns are tightened to that when the host starts (they may come from an older version).
//! - A directory is trusted only if it is a real directory (not a symlink), owned by the user,
//!   mode 0700, and every directory above it is owned by root or the user, or is sticky (like
//!   `/tmp`): otherwise another user could move it away or plant a symlink in its place. Symlinks
//!   on the way are allowed only when root or the user owns them.

use std::fs::{DirBuilder, File, OpenOptions};
use std::io;
use std::os::unix::fs::{DirBuilderExt, MetadataExt, OpenOptionsExt, PermissionsExt};
use std::path::{Path, PathBuf};

pub const DIR_MODE: u32 = 0o700;
pub const FILE_MODE: u32 = 0o600;

/// Why a directory is not trusted.
#[derive(Debug, thiserror::Error)]
pub enum TrustError {
    #[error("{} is a symlink, not a directory", .0.display())]
    Symlink(PathBuf),
    #[error("{} is not a directory", .0.display())]
    NotADirectory(PathBuf),
    #[error("{} belongs to uid {owner}, not to you (uid {me})", path.display())]
    Owner { path: PathBuf, owner: u32, me: u32 },
    #[error("{} has mode {mode:o}: others may read or write it", path.display())]
    Mode { path: PathBuf, mode: u32 },
    #[error("{} (above {}) can be changed by uid {owner}", above.display(), path.display())]
    Ancestor {
        above: PathBuf,
        path: PathBuf,
        owner: u32,
    },
    #[error("{}: {source}", path.display())]
    Io { path: PathBuf, source: io::Error },
}

fn io_error(path: &Path) -> impl FnOnce(io::Error) -> TrustError + '_ {
    move |source| TrustError::Io {
        path: path.to_owned(),
        source,
    }
}

pub fn current_uid() -> u32 {
    // SAFETY: getuid has no preconditions and cannot fail.
    unsafe { libc::getuid() }
}

/// Create `dir` (and missing parents) private to the user; tighten it if it is ours but open.
pub fn create_dir(dir: &Path) -> io::Result<()> {
    DirBuilder::new()
        .recursive(true)
        .mode(DIR_MODE)
        .create(dir)?;
    tighten(dir, DIR_MODE)
}

/// Open (creating if needed) a file private to the user, for appending or writing.
pub fn open_file(path: &Path, options: &mut OpenOptions) -> io::Result<File> {
    let file = options.mode(FILE_MODE).open(path)?;
    tighten(path, FILE_MODE)?;
    Ok(file)
}

/// Write a whole file private to the user.
pub fn write_file(path: &Path, bytes: &[u8]) -> io::Result<()> {
    use std::io::Write;
    let mut file = open_file(
        path,
        OpenOptions::new().write(true).create(true).truncate(true),
    )?;
    file.write_all(bytes)
}

/// Write a whole file private to the user so that a concurrent reader sees either nothing or all
/// of it: into a temporary file beside it, then renamed over it.
pub fn write_atomically(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    let dir = path.parent().unwrap_or(Path::new("."));
    create_dir(dir)?;
    let tmp = dir.join(format!(
        ".{}.{}.{}.tmp",
        path.file_name().and_then(|n| n.to_str()).unwrap_or("entry"),
        std::process::id(),
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_nanos())
            .unwrap_or(0)
    ));
    let mut file = open_file(
        &tmp,
        std::fs::OpenOptions::new().write(true).create_new(true),
    )?;
    std::io::Write::write_all(&mut file, bytes)?;
    drop(file);
    std::fs::rename(&tmp, path).inspect_err(|_| {
        let _ = std::fs::remove_file(&tmp);
    })
}

/// Take group and other permissions away from a file or directory the user owns (a no-op for
/// one someone else owns: the trust check refuses those).
pub fn tighten(path: &Path, mode: u32) -> io::Result<()> {
    let meta = std::fs::symlink_metadata(path)?;
    if meta.uid() == current_uid() && meta.mode() & 0o077 != 0 && !meta.file_type().is_symlink() {
        std::fs::set_permissions(path, std::fs::Permissions::from_mode(mode))?;
    }
    Ok(())
}

/// Tighten everything under `root` (directories 0700, files 0600): what an older version, or a
/// umask, left open.
pub fn tighten_tree(root: &Path) {
    let mut stack = vec![root.to_path_buf()];
    while let Some(path) = stack.pop() {
        let Ok(meta) = std::fs::symlink_metadata(&path) else {
            continue;
        };
        if meta.is_dir() {
            let _ = tighten(&path, DIR_MODE);
            if let Ok(entries) = std::fs::read_dir(&path) {
                stack.extend(entries.flatten().map(|e| e.path()));
            }
        } else if meta.is_file() {
            let _ = tighten(&path, FILE_MODE);
        }
    }
}

/// Is `dir` a directory only the user can change? See the module docs for the rule.
pub fn verify_dir(dir: &Path) -> Result<(), TrustError> {
    let me = current_uid();
    let meta = std::fs::symlink_metadata(dir).map_err(io_error(dir))?;
    if meta.file_type().is_symlink() {
        return Err(TrustError::Symlink(dir.to_owned()));
    }
    if !meta.is_dir() {
        return Err(TrustError::NotADirectory(dir.to_owned()));
    }
    if meta.uid() != me {
        return Err(TrustError::Owner {
            path: dir.to_owned(),
            owner: meta.uid(),
            me,
        });
    }
    if meta.mode() & 0o077 != 0 {
        return Err(TrustError::Mode {
            path: dir.to_owned(),
            mode: meta.mode() & 0o7777,
        });
    }
    let mut above = dir.parent();
    while let Some(ancestor) = above {
        let meta = std::fs::symlink_metadata(ancestor).map_err(io_error(ancestor))?;
        let trusted_owner = meta.uid() == 0 || meta.uid() == me;
        let sticky = meta.is_dir() && meta.mode() & 0o1000 != 0;
        let others_may_write = meta.mode() & 0o022 != 0;
        if !trusted_owner || (others_may_write && !sticky && !meta.file_type().is_symlink()) {
            return Err(TrustError::Ancestor {
                above: ancestor.to_owned(),
                path: dir.to_owned(),
                owner: meta.uid(),
            });
        }
        above = ancestor.parent();
    }
    Ok(())
}

/// The uid of the process at the other end of a Unix socket (SO_PEERCRED).
#[cfg(target_os = "linux")]
pub fn peer_uid(stream: &std::os::unix::net::UnixStream) -> io::Result<u32> {
    use std::os::fd::AsRawFd;
    let mut cred = libc::ucred {
        pid: 0,
        uid: 0,
        gid: 0,
    };
    let mut len = std::mem::size_of::<libc::ucred>() as libc::socklen_t;
    // SAFETY: the descriptor is a valid socket; cred and len describe a writable ucred.
    let result = unsafe {
        libc::getsockopt(
            stream.as_raw_fd(),
            libc::SOL_SOCKET,
            libc::SO_PEERCRED,
            (&mut cred as *mut libc::ucred).cast(),
            &mut len,
        )
    };
    if result != 0 {
        return Err(io::Error::last_os_error());
    }
    Ok(cred.uid)
}

/// The uid of the process at the other end of a Unix socket (getpeereid).
#[cfg(not(target_os = "linux"))]
pub fn peer_uid(stream: &std::os::unix::net::UnixStream) -> io::Result<u32> {
    use std::os::fd::AsRawFd;
    let (mut uid, mut gid) = (0, 0);
    // SAFETY: the descriptor is a valid socket; uid and gid are writable.
    if unsafe { libc::getpeereid(stream.as_raw_fd(), &mut uid, &mut gid) } != 0 {
        return Err(io::Error::last_os_error());
    }
    Ok(uid)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn created_private_whatever_the_umask_and_tightened() {
        let root = tempfile::tempdir().unwrap();
        let dir = root.path().join("a/b");
        create_dir(&dir).unwrap();
        assert_eq!(std::fs::metadata(&dir).unwrap().mode() & 0o777, DIR_MODE);
        let file = dir.join("f");
        write_file(&file, b"x").unwrap();
        assert_eq!(std::fs::metadata(&file).unwrap().mode() & 0o777, FILE_MODE);
        std::fs::set_permissions(&file, std::fs::Permissions::from_mode(0o644)).unwrap();
        std::fs::set_permissions(&dir, std::fs::Permissions::from_mode(0o755)).unwrap();
        tighten_tree(root.path());
        assert_eq!(std::fs::metadata(&dir).unwrap().mode() & 0o777, DIR_MODE);
        assert_eq!(std::fs::metadata(&file).unwrap().mode() & 0o777, FILE_MODE);
    }

    #[test]
    fn a_symlink_or_an_open_directory_is_not_trusted() {
        let root = tempfile::tempdir().unwrap();
        let real = root.path().join("real");
        create_dir(&real).unwrap();
        std::fs::set_permissions(root.path(), std::fs::Permissions::from_mode(0o700)).unwrap();
        verify_dir(&real).unwrap();
        let link = root.path().join("link");
        std::os::unix::fs::symlink(&real, &link).unwrap();
        assert!(matches!(verify_dir(&link), Err(TrustError::Symlink(_))));
        std::fs::set_permissions(&real, std::fs::Permissions::from_mode(0o755)).unwrap();
        assert!(matches!(verify_dir(&real), Err(TrustError::Mode { .. })));
    }
}
