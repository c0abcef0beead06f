//! A plugin file: its canonical path and the SHA-256 of its bytes.
//!
//! Hashing a plugin on every hook call would cost more than running it, so the hash is
//! remembered against the file's identity (device, inode, size, modification and change times)
//! in the cache directory; any write to the file changes its change time, and the file is then
//! hashed again. The bytes themselves are read only when something needs them (compiling).

use super::PluginError;
use crate::call::PluginId;
use sha2::{Digest, Sha256};
use std::path::{Path, PathBuf};
use std::sync::OnceLock;

pub struct PluginFile {
    /// Canonical path (the file must exist to be canonicalized).
    pub path: PathBuf,
    pub sha256: String,
    bytes: OnceLock<Result<Vec<u8>, std::io::ErrorKind>>,
}

/// The largest plugin file read (the Python and JavaScript builds are 13–40 MB).
pub const MAX_PLUGIN_BYTES: u64 = 512 << 20;

/// The file's bytes, at most [`MAX_PLUGIN_BYTES`] of them (it may have grown since it was
/// looked at).
fn read_capped(path: &Path) -> std::io::Result<Vec<u8>> {
    use std::io::Read;
    let mut bytes = Vec::new();
    std::fs::File::open(path)?
        .take(MAX_PLUGIN_BYTES + 1)
        .read_to_end(&mut bytes)?;
    if bytes.len() as u64 > MAX_PLUGIN_BYTES {
        return Err(std::io::Error::new(
            std::io::ErrorKind::InvalidData,
            "larger than a plugin may be",
        ));
    }
    Ok(bytes)
}

/// Lowercase hex SHA-256.
pub fn sha256_hex(bytes: &[u8]) -> String {
    format!("{:x}", Sha256::digest(bytes))
}

impl PluginFile {
    pub fn read(path: &Path) -> Result<PluginFile, PluginError> {
        PluginFile::open(path, None)
    }

    /// Open `path`, taking its hash from `index` when the file is unchanged since it was hashed.
    pub fn open(path: &Path, index: Option<&Path>) -> Result<PluginFile, PluginError> {
        let canonical = std::fs::canonicalize(path).map_err(PluginError::Open)?;
        let meta = std::fs::metadata(&canonical).map_err(PluginError::Read)?;
        // A device or a huge file named as a plugin (a symlink to /dev/zero in a cloned
        // project) must not hang or exhaust whoever reads it.
        if !meta.is_file() {
            return Err(PluginError::Read(std::io::Error::new(
                std::io::ErrorKind::InvalidInput,
                "not a regular file",
            )));
        }
        if meta.len() > MAX_PLUGIN_BYTES {
            return Err(PluginError::Read(std::io::Error::new(
                std::io::ErrorKind::InvalidData,
                format!(
                    "{} MiB, more than a plugin may be ({} MiB)",
                    meta.len() >> 20,
                    MAX_PLUGIN_BYTES >> 20
                ),
            )));
        }
        let fingerprint = fingerprint(&meta);
        let entry = index.map(|dir| dir.join(sha256_hex(canonical.as_os_str().as_encoded_bytes())));
        if let Some(entry) = &entry
            && let Ok(text) = std::fs::read_to_string(entry)
            && let Some((recorded, sha256)) = text.trim().rsplit_once(' ')
            && recorded == fingerprint
        {
            return Ok(PluginFile {
                path: canonical,
                sha256: sha256.to_owned(),
                bytes: OnceLock::new(),
            });
        }
        let bytes = read_capped(&canonical).map_err(PluginError::Read)?;
        let sha256 = sha256_hex(&bytes);
        if let Some(entry) = &entry {
            let _ = fasthooks_ipc::private::write_atomically(
                entry,
                format!("{fingerprint} {sha256}\n").as_bytes(),
            );
        }
        Ok(PluginFile {
            path: canonical,
            sha256,
            bytes: OnceLock::from(Ok(bytes)),
        })
    }

    /// The file's bytes, read on first use.
    pub fn bytes(&self) -> Result<&[u8], PluginError> {
        self.bytes
            .get_or_init(|| read_capped(&self.path).map_err(|err| err.kind()))
            .as_ref()
            .map(Vec::as_slice)
            .map_err(|kind| PluginError::Read((*kind).into()))
    }

    /// A display name before `describe()` is known: the file stem.
    pub fn display_name(&self) -> String {
        self.path
            .file_stem()
            .map(|s| s.to_string_lossy().into_owned())
            .unwrap_or_default()
    }

    /// Who the plugin is until its `describe()` names it.
    pub fn provisional_id(&self) -> PluginId {
        PluginId {
            name: self.display_name(),
            path: self.path.clone(),
        }
    }
}

pub(crate) fn fingerprint(meta: &std::fs::Metadata) -> String {
    use std::os::unix::fs::MetadataExt;
    format!(
        "{}:{}:{}:{}.{}:{}.{}",
        meta.dev(),
        meta.ino(),
        meta.size(),
        meta.mtime(),
        meta.mtime_nsec(),
        meta.ctime(),
        meta.ctime_nsec()
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hashes_are_lowercase_hex_sha256() {
        assert_eq!(
            sha256_hex(b"abc"),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
    }

    #[test]
    fn the_index_is_used_until_the_file_changes() {
        let dir = tempfile::tempdir().unwrap();
        let plugin = dir.path().join("p.wasm");
        std::fs::write(&plugin, b"one").unwrap();
        let index = dir.path().join("hashes");
        let first = PluginFile::open(&plugin, Some(&index)).unwrap();
        assert_eq!(first.sha256, sha256_hex(b"one"));
        let again = PluginFile::open(&plugin, Some(&index)).unwrap();
        assert_eq!(again.sha256, first.sha256);
        std::fs::write(&plugin, b"two").unwrap();
        let changed = PluginFile::open(&plugin, Some(&index)).unwrap();
        assert_eq!(changed.sha256, sha256_hex(b"two"));
    }
}
