//! `fasthooks-host package … --marketplace DIR`: the package listed in a Claude Code
//! marketplace, `DIR/.claude-plugin/marketplace.json` (made when missing), so a team shares
//! several plugins as one source: `claude plugin marketplace add DIR`, then
//! `claude plugin install NAME@MARKETPLACE`. The entry's `source` is the package's folder
//! relative to `DIR` (where Claude Code resolves it), so the package must lie inside `DIR`.
//! Packaging a plugin again replaces its entry; every other entry and key stays as it was.

use anyhow::{anyhow, bail};
use serde_json::{Value, json};
use std::path::{Path, PathBuf};

/// Where a package goes in a marketplace, checked before anything is written.
pub(super) struct Listing {
    file: PathBuf,
    root: PathBuf,
    /// The marketplace's name: its folder's (kept from the file when there is one).
    pub(super) name: String,
    /// The package folder as `./relative/path` from the marketplace root.
    source: String,
}

/// Check that `out` (not made yet) lies inside the marketplace folder `market`, whose name must
/// be a marketplace name.
pub(super) fn plan(market: &Path, out: &Path) -> anyhow::Result<Listing> {
    let root = std::fs::canonicalize(market)
        .map_err(|err| anyhow!("--marketplace {}: {err}", market.display()))?;
    let name = root
        .file_name()
        .and_then(|n| n.to_str())
        .unwrap_or_default()
        .to_owned();
    if !super::package::is_kebab(&name) {
        bail!(
            "--marketplace {}: a marketplace is named after its folder, which must be lowercase letters, digits and dashes",
            market.display()
        );
    }
    let within = resolved(out)
        .and_then(|folder| {
            let inside = folder.strip_prefix(&root).ok()?.to_str()?.to_owned();
            (!inside.is_empty()).then_some(inside)
        })
        .ok_or_else(|| {
            anyhow!(
                "--out {} is not inside --marketplace {}: a marketplace lists the packages in its own folder (e.g. --out {}/NAME)",
                out.display(),
                market.display(),
                market.display()
            )
        })?;
    Ok(Listing {
        file: root.join(".claude-plugin/marketplace.json"),
        root: root.clone(),
        name,
        source: format!("./{within}"),
    })
}

impl Listing {
    /// The marketplace's folder.
    pub(super) fn root(&self) -> &Path {
        &self.root
    }
}

/// `path`, which need not exist yet, with its links and `.` resolved: its nearest existing
/// folder made canonical, then the rest (which may hold no `..`).
fn resolved(path: &Path) -> Option<PathBuf> {
    let mut rest = Vec::new();
    let mut existing = path;
    loop {
        if let Ok(found) = std::fs::canonicalize(if existing.as_os_str().is_empty() {
            Path::new(".")
        } else {
            existing
        }) {
            let mut full = found;
            for part in rest.iter().rev() {
                full.push(part);
            }
            return Some(full);
        }
        match existing.components().next_back()? {
            std::path::Component::Normal(part) => rest.push(part.to_owned()),
            std::path::Component::CurDir => {}
            _ => return None,
        }
        existing = existing.parent()?;
    }
}

/// Add (or replace) the package's entry; the marketplace file's path.
pub(super) fn list(
    listing: &Listing,
    plugin: &str,
    version: &str,
    description: &str,
) -> anyhow::Result<PathBuf> {
    let file = &listing.file;
    let mut market = match std::fs::read_to_string(file) {
        Ok(text) => serde_json::from_str::<Value>(&text)
            .ok()
            .filter(|v| v["plugins"].is_array())
            .ok_or_else(|| {
                anyhow!(
                    "{}: not a marketplace file (a JSON object with a `plugins` list): fix or remove it",
                    file.display()
                )
            })?,
        Err(err) if err.kind() == std::io::ErrorKind::NotFound => json!({
            "name": listing.name,
            "owner": {"name": owner()},
            "description": "Claude Code hooks run by fasthooks-host in a WebAssembly sandbox",
            "plugins": [],
        }),
        Err(err) => bail!("cannot read {}: {err}", file.display()),
    };
    let entry = json!({
        "name": plugin,
        "source": listing.source,
        "version": version,
        "description": description,
    });
    let plugins = market["plugins"].as_array_mut().expect("checked above");
    match plugins.iter_mut().find(|p| p["name"] == plugin) {
        Some(old) => *old = entry,
        None => plugins.push(entry),
    }
    let dir = file.parent().expect("a file in .claude-plugin");
    std::fs::create_dir_all(dir)
        .map_err(|err| anyhow!("cannot create {}: {err}", dir.display()))?;
    // Replaced whole, never half-written: a marketplace is read by everyone who added it.
    let temp = tempfile::NamedTempFile::new_in(dir)
        .map_err(|err| anyhow!("cannot write in {}: {err}", dir.display()))?;
    std::fs::write(
        temp.path(),
        format!("{}\n", serde_json::to_string_pretty(&market)?),
    )
    .map_err(|err| anyhow!("cannot write {}: {err}", temp.path().display()))?;
    temp.persist(file)
        .map_err(|err| anyhow!("cannot write {}: {}", file.display(), err.error))?;
    Ok(file.clone())
}

/// The marketplace's owner when it is made: the user packaging.
fn owner() -> String {
    std::env::var("USER")
        .ok()
        .filter(|user| !user.is_empty() && user.len() <= 64 && !user.contains(char::is_control))
        .unwrap_or_else(|| "fasthooks-host".to_owned())
}
