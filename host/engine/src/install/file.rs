//! The settings file on disk: read it (a missing file reads as nothing), and replace it safely:
//! the previous file kept as a backup ([`backup_path`]), the new one written to a temporary
//! file and renamed, with the old file's permissions. A file left holding nothing is removed.
//!
//! Backups of a user's own settings sit beside them (`~/.claude/settings.json.bak`). Those of
//! a project's settings go to fasthooks' data directory instead: a `.bak` in a project is one
//! more file for `git status` to show, or to be committed by mistake.

use anyhow::anyhow;
use std::path::{Path, PathBuf};

/// The file's text, or `None` when there is no file yet.
pub fn read(file: &Path) -> anyhow::Result<Option<String>> {
    match std::fs::read_to_string(file) {
        Ok(text) => Ok(Some(text)),
        Err(err) if err.kind() == std::io::ErrorKind::NotFound => Ok(None),
        Err(err) => Err(anyhow!("cannot read {}: {err}", file.display())),
    }
}

/// Where the previous version of `file` is kept: beside it for user settings, under
/// `data_dir` (one file per settings file, named by a hash of its path) for a project's.
pub fn backup_path(file: &Path, in_project: bool, data_dir: &Path) -> PathBuf {
    if !in_project {
        return PathBuf::from(format!("{}.bak", file.display()));
    }
    use sha2::Digest;
    let digest = sha2::Sha256::digest(file.as_os_str().as_encoded_bytes());
    let tag: String = digest[..8].iter().map(|b| format!("{b:02x}")).collect();
    let name = file
        .file_name()
        .map_or("settings.json".into(), |n| n.to_string_lossy().into_owned());
    data_dir
        .join("settings-backups")
        .join(format!("{tag}-{name}"))
}

/// Copy `file` to `backup` (its directory created private if missing).
fn back_up(file: &Path, backup: &Path) -> anyhow::Result<()> {
    if let Some(dir) = backup.parent() {
        fasthooks_ipc::private::create_dir(dir)
            .map_err(|err| anyhow!("cannot create {}: {err}", dir.display()))?;
    }
    std::fs::copy(file, backup).map_err(|err| {
        anyhow!(
            "cannot back up {} to {}: {err}",
            file.display(),
            backup.display()
        )
    })?;
    Ok(())
}

/// Does a settings text hold nothing at all (`{}`, no comments either)?
pub fn holds_nothing(text: &str) -> bool {
    serde_json::from_str::<serde_json::Value>(text)
        .is_ok_and(|value| value.as_object().is_some_and(|o| o.is_empty()))
}

/// Remove a project's settings `file`, kept at `backup` first; then its directory (the
/// project's `.claude`, which install may have created) if that is left empty.
pub fn remove(file: &Path, backup: &Path) -> anyhow::Result<()> {
    back_up(file, backup)?;
    std::fs::remove_file(file).map_err(|err| anyhow!("cannot remove {}: {err}", file.display()))?;
    if let Some(dir) = file.parent() {
        // Fails, and is meant to, when anything else is in it.
        let _ = std::fs::remove_dir(dir);
    }
    Ok(())
}

/// Write `text` as the new `file`; the previous file, if any (`backup` is then where it goes),
/// is kept there first (returned).
pub fn save(file: &Path, text: &str, backup: Option<&Path>) -> anyhow::Result<Option<PathBuf>> {
    let dir = file
        .parent()
        .ok_or_else(|| anyhow!("{} has no directory", file.display()))?;
    std::fs::create_dir_all(dir)
        .map_err(|err| anyhow!("cannot create {}: {err}", dir.display()))?;
    if let Some(backup) = backup {
        back_up(file, backup)?;
    }
    let name = file
        .file_name()
        .and_then(|n| n.to_str())
        .unwrap_or("settings.json");
    let temp = dir.join(format!(".{name}.{}.tmp", std::process::id()));
    let written = (|| {
        use std::io::Write;
        let mut out = std::fs::File::create(&temp)?;
        if let Ok(meta) = std::fs::metadata(file) {
            out.set_permissions(meta.permissions())?;
        }
        out.write_all(text.as_bytes())?;
        out.sync_all()?;
        std::fs::rename(&temp, file)
    })();
    if let Err(err) = written {
        let _ = std::fs::remove_file(&temp);
        return Err(anyhow!("cannot write {}: {err}", file.display()));
    }
    Ok(backup.map(Path::to_path_buf))
}
