//! The settings file on disk: read it (a missing file reads as nothing), and replace it safely:
//! the previous file kept as `<file>.bak`, the new one written to a temporary file and renamed,
//! with the old file's permissions.

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

/// Write `text` as the new `file`; the previous file, if any, goes to `<file>.bak` (returned).
pub fn save(file: &Path, text: &str, existed: bool) -> anyhow::Result<Option<PathBuf>> {
    let dir = file
        .parent()
        .ok_or_else(|| anyhow!("{} has no directory", file.display()))?;
    std::fs::create_dir_all(dir)
        .map_err(|err| anyhow!("cannot create {}: {err}", dir.display()))?;
    let backup = if existed {
        let backup = PathBuf::from(format!("{}.bak", file.display()));
        std::fs::copy(file, &backup).map_err(|err| {
            anyhow!(
                "cannot back up {} to {}: {err}",
                file.display(),
                backup.display()
            )
        })?;
        Some(backup)
    } else {
        None
    };
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
    Ok(backup)
}
