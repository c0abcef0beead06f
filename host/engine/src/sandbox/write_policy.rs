//! The rules for what a plugin may change inside its write grants, as pure path logic (the
//! WASI side, [`super::filesystem`], applies them to the directories operations really happen in):
//!
//! - `.claude/` and `.git/` below the root of a write grant stay read-only: Claude Code runs the
//!   commands in `.claude/settings*.json`, and git runs `.git/hooks/*` and what `.git/config`
//!   names, both outside any sandbox. `--allow-write-claude-and-git` lifts it; a grant whose root
//!   is itself inside such a directory was asked for by name and is writable.
//! - A symbolic link the guest creates must lead where the guest could write itself (inside a
//!   write grant that holds the link, outside the read-only places above). Other programs
//!   (Claude Code's tools, git, the host's own grant resolution) follow links the sandbox
//!   does not.

use crate::call::PluginId;
use std::path::{Component, Path, PathBuf};
use std::sync::Arc;
/// Directory names that stay read-only inside write grants.
pub const READ_ONLY_NAMES: [&str; 2] = [".claude", ".git"];

/// What one instance may change, from its grants.
#[derive(Debug, Clone)]
pub struct WritePolicy {
    /// The write grants' roots (absolute, no links: the command line's resolution checks it).
    roots: Vec<PathBuf>,
    /// `--allow-write-claude-and-git`.
    code_config_writable: bool,
    plugin: Arc<PluginId>,
}

/// Why a write was refused.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Refusal {
    /// Inside `.claude/` or `.git/` of a write grant.
    ReadOnlyPlace(PathBuf),
    /// Not inside any write grant.
    OutsideWriteGrants(PathBuf),
    /// Inside fasthooks' own directories ([`super::host_places`]), whatever the grants.
    HostPlace { path: PathBuf, place: PathBuf },
    /// A link whose target leaves the write grants (or is absolute).
    LinkLeaves { link: PathBuf, target: String },
}

impl WritePolicy {
    pub fn new(
        roots: Vec<PathBuf>,
        code_config_writable: bool,
        plugin: Arc<PluginId>,
    ) -> WritePolicy {
        WritePolicy {
            roots,
            code_config_writable,
            plugin,
        }
    }

    pub fn active(&self) -> bool {
        !self.roots.is_empty()
    }

    /// May the guest create, change or remove `target` (an absolute, real path)?
    pub fn check_write(&self, target: &Path) -> Result<(), Refusal> {
        if let Some(place) = super::host_places::containing(target) {
            return Err(Refusal::HostPlace {
                path: target.to_path_buf(),
                place: place.to_path_buf(),
            });
        }
        let Some(root) = self
            .roots
            .iter()
            .filter(|root| target.starts_with(root))
            .max_by_key(|root| root.as_os_str().len())
        else {
            return Err(Refusal::OutsideWriteGrants(target.to_path_buf()));
        };
        if !self.code_config_writable {
            let below = target.strip_prefix(root).unwrap_or(target);
            let read_only = below
                .components()
                .any(|part| READ_ONLY_NAMES.iter().any(|name| part.as_os_str() == *name));
            if read_only {
                return Err(Refusal::ReadOnlyPlace(target.to_path_buf()));
            }
        }
        Ok(())
    }

    /// May the guest create a link at `link` (absolute, real) that reads `target`?
    pub fn check_link(&self, link: &Path, target: &str) -> Result<(), Refusal> {
        let leaves = || Refusal::LinkLeaves {
            link: link.to_path_buf(),
            target: target.to_owned(),
        };
        if target.is_empty() || Path::new(target).is_absolute() {
            return Err(leaves());
        }
        let parent = link.parent().unwrap_or(Path::new("/"));
        let lands = normalize(&parent.join(target));
        // Where the link leads must be writable in a grant that also holds the link.
        let holder = |root: &&PathBuf| link.starts_with(root) && lands.starts_with(root);
        if !self.roots.iter().any(|root| holder(&root)) {
            return Err(leaves());
        }
        self.check_write(&lands).map_err(|_| leaves())
    }

    /// The plugin whose instance this is, for log lines.
    pub fn plugin(&self) -> &str {
        &self.plugin.name
    }

    /// Log one refusal line for this plugin, within its rate (a plugin refused in a loop, in
    /// instance after instance, cannot flood the log).
    pub fn warn(&self, line: &str) {
        let plugin = self.plugin.name.as_str();
        crate::logging::within_rate(&self.plugin.path, plugin, || {
            tracing::warn!(plugin, "{}", crate::logging::guest_line(line, 1024))
        });
    }

    pub fn log(&self, refusal: &Refusal) {
        let why = match refusal {
            Refusal::ReadOnlyPlace(path) => format!(
                "write to {} refused: .claude/ and .git/ stay read-only inside write grants, \
                 because Claude Code and git run commands from them; add \
                 --allow-write-claude-and-git after the plugin to allow it",
                path.display()
            ),
            Refusal::OutsideWriteGrants(path) => {
                format!(
                    "write to {} refused: it is not inside a write grant",
                    path.display()
                )
            }
            Refusal::HostPlace { path, place } => super::host_places::refusal_line(path, place),
            Refusal::LinkLeaves { link, target } => format!(
                "symbolic link {} -> {target} refused: a plugin's links must lead where it \
                 may write itself",
                link.display()
            ),
        };
        self.warn(&why);
    }
}

/// `path` with `.` and `..` taken away by name (no link is followed).
fn normalize(path: &Path) -> PathBuf {
    let mut normal = PathBuf::new();
    for part in path.components() {
        match part {
            Component::ParentDir => {
                normal.pop();
            }
            Component::CurDir => {}
            other => normal.push(other),
        }
    }
    normal
}

#[cfg(test)]
mod tests {
    use super::*;

    fn test_plugin() -> Arc<PluginId> {
        Arc::new(PluginId {
            name: "t".into(),
            path: "/t.wasm".into(),
        })
    }

    fn grants(writable: bool) -> WritePolicy {
        WritePolicy::new(
            vec!["/p".into(), "/other/w".into()],
            writable,
            test_plugin(),
        )
    }

    #[test]
    fn claude_and_git_stay_read_only_below_a_write_root() {
        let policy = grants(false);
        assert_eq!(policy.check_write(Path::new("/p/src/main.rs")), Ok(()));
        for path in [
            "/p/.claude/settings.json",
            "/p/.git/hooks/pre-commit",
            "/p/sub/.git",
            "/p/.claude",
        ] {
            assert_eq!(
                policy.check_write(Path::new(path)),
                Err(Refusal::ReadOnlyPlace(path.into())),
                "{path}"
            );
        }
        assert!(matches!(
            policy.check_write(Path::new("/elsewhere/x")),
            Err(Refusal::OutsideWriteGrants(_))
        ));
        // A root inside .git was granted by name.
        let inside = WritePolicy::new(vec!["/p/.git/info".into()], false, test_plugin());
        assert_eq!(
            inside.check_write(Path::new("/p/.git/info/exclude")),
            Ok(())
        );
        assert_eq!(
            grants(true).check_write(Path::new("/p/.claude/settings.json")),
            Ok(())
        );
    }

    #[test]
    fn links_lead_only_where_the_plugin_may_write() {
        let policy = grants(false);
        let link = Path::new("/p/a/link");
        assert_eq!(policy.check_link(link, "../b/file"), Ok(()));
        assert_eq!(policy.check_link(link, "x/../../c"), Ok(()));
        for target in [
            "/etc",
            "../../etc",
            "../../other/w/x",
            "../.claude/settings.json",
            "",
        ] {
            assert!(policy.check_link(link, target).is_err(), "{target}");
        }
    }
}
