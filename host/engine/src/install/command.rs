//! The command line `install` writes: the host and every path made absolute, or, in a
//! project's settings, named the way every clone of the project finds them
//! (`"$CLAUDE_PROJECT_DIR/…"`, `fasthooks-host` from PATH); `$VARIABLE` directories left for the
//! hook's shell, checked so they can only expand, never run anything.

use super::shell::shell_quote;
use anyhow::anyhow;
use fasthooks_ipc::{Grant, HOST_BINARY, HookCommand};
use std::collections::HashSet;
use std::path::{Path, PathBuf};

/// `path` as `$CLAUDE_PROJECT_DIR/…` when it lies inside `project` and reads back through the
/// shell unchanged (no quote, `$`, backquote or backslash in it).
pub(super) fn from_project_dir(path: &Path, project: &Path) -> Option<String> {
    let inside = path.strip_prefix(project).ok()?.to_str()?;
    let written = format!("$CLAUDE_PROJECT_DIR/{inside}");
    (!inside.is_empty()
        && !inside.contains(['"', '$', '`', '\\'])
        && check_expandable(&written, "--plugin").is_ok())
    .then_some(written)
}

/// A plugin path written from the project (`$CLAUDE_PROJECT_DIR/…` or `${CLAUDE_PROJECT_DIR}/…`,
/// as in the settings themselves): the path inside `project` it names. Other paths as given.
pub(super) fn from_project_variable(
    path: &Path,
    project: Option<&Path>,
) -> anyhow::Result<PathBuf> {
    let text = path.to_str().unwrap_or_default();
    let Some(inside) = ["$CLAUDE_PROJECT_DIR/", "${CLAUDE_PROJECT_DIR}/"]
        .iter()
        .find_map(|prefix| text.strip_prefix(prefix))
    else {
        return Ok(path.to_owned());
    };
    match project {
        Some(project) => Ok(project.join(inside)),
        None => anyhow::bail!(
            "--plugin {text}: a plugin named from $CLAUDE_PROJECT_DIR belongs in a project's settings: drop --user, or give its path"
        ),
    }
}

/// The host as the command names it: `fasthooks-host` when the one on PATH is this very binary
/// and the settings belong to a project (every clone finds it the same way), else its absolute
/// path, with a note when a project's command names a build directory.
pub(super) fn host_word(project: bool) -> anyhow::Result<(String, Option<String>)> {
    let host = host_binary()?;
    let absolute = utf8(&host, HOST_BINARY)?;
    if !project {
        return Ok((shell_quote(&absolute), None));
    }
    match host_on_path().and_then(|found| std::fs::canonicalize(found).ok()) {
        Some(found) if found == host => Ok((HOST_BINARY.to_owned(), None)),
        _ => Ok((
            shell_quote(&absolute),
            Some(format!(
                "note: {HOST_BINARY} is not on PATH, so the command names {absolute}, which other \
                 clones of the project may not have; put {HOST_BINARY} and fasthooks-engine side by \
                 side in a PATH directory and install again"
            )),
        )),
    }
}

/// The `fasthooks-host` a bare `fasthooks-host` in a hook command runs: the first on PATH.
pub(crate) fn host_on_path() -> Option<PathBuf> {
    let path = std::env::var_os("PATH")?;
    std::env::split_paths(&path)
        .map(|dir| dir.join(HOST_BINARY))
        .find(|candidate| candidate.is_file())
}

/// `fasthooks-host` beside the running binary (it may be missing).
pub(crate) fn host_beside_me() -> std::io::Result<PathBuf> {
    Ok(std::env::current_exe()?.with_file_name(HOST_BINARY))
}

/// `fasthooks-host`, next to the running binary, absolute.
fn host_binary() -> anyhow::Result<PathBuf> {
    let exe =
        std::env::current_exe().map_err(|err| anyhow!("cannot find my own executable: {err}"))?;
    let host = exe.with_file_name(HOST_BINARY);
    std::fs::canonicalize(&host).map_err(|err| {
        anyhow!(
            "{} is missing ({err}): install it next to {}",
            host.display(),
            exe.display()
        )
    })
}

/// The command with plugin paths and directories made absolute (the hook runs in the session's
/// directory), except directories written with `$VARIABLE`, which stay for the hook's shell to
/// expand; those are returned too, to be quoted for expansion.
pub(super) fn absolute(
    mut command: HookCommand,
    project: Option<&Path>,
) -> anyhow::Result<(HookCommand, HashSet<String>)> {
    let cwd = std::env::current_dir().map_err(|err| anyhow!("current directory: {err}"))?;
    let canonical = |path: &Path, flag: &str| -> anyhow::Result<PathBuf> {
        let abs = std::fs::canonicalize(cwd.join(path))
            .map_err(|err| anyhow!("{flag} {}: {err}", path.display()))?;
        utf8(&abs, flag)?;
        Ok(abs)
    };
    if command.plugins.is_empty() {
        anyhow::bail!("no plugin given: add --plugin PATH");
    }
    let mut expandable = HashSet::new();
    for plugin in &mut command.plugins {
        plugin.path = canonical(&from_project_variable(&plugin.path, project)?, "--plugin")?;
        for grant in &mut plugin.grants {
            let flag = grant.flag();
            if let Grant::Read(dir) | Grant::Write(dir) = grant {
                let text = dir.display().to_string();
                if text.contains('$') {
                    check_expandable(&text, flag)?;
                    expandable.insert(text);
                } else {
                    *dir = canonical(dir, flag)?;
                }
            }
        }
    }
    Ok((command, expandable))
}

pub(super) fn utf8(path: &Path, flag: &str) -> anyhow::Result<String> {
    path.to_str().map(str::to_owned).ok_or_else(|| {
        anyhow!(
            "{flag} {}: the path is not UTF-8, which settings.json cannot hold",
            path.display()
        )
    })
}

/// A directory the shell expands when the hook runs: only `$NAME` / `${NAME}` references,
/// nothing that would run a command or end the double quotes it is written in.
pub(super) fn check_expandable(text: &str, flag: &str) -> anyhow::Result<()> {
    let bad = || {
        anyhow!(
            "{flag} {text}: only $NAME or ${{NAME}} may be left for the shell (e.g. \"$CLAUDE_PROJECT_DIR/docs\")"
        )
    };
    if text.contains(['"', '`', '\\']) {
        return Err(bad());
    }
    let mut rest = text;
    while let Some(at) = rest.find('$') {
        rest = &rest[at + 1..];
        let name_len = if let Some(braced) = rest.strip_prefix('{') {
            let end = braced.find('}').ok_or_else(bad)?;
            if !is_name(&braced[..end]) {
                return Err(bad());
            }
            end + 2
        } else {
            let end = rest
                .find(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
                .unwrap_or(rest.len());
            if !is_name(&rest[..end]) {
                return Err(bad());
            }
            end
        };
        rest = &rest[name_len..];
    }
    Ok(())
}

fn is_name(text: &str) -> bool {
    !text.is_empty()
        && !text.starts_with(|c: char| c.is_ascii_digit())
        && text.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
}

/// The command line for settings.json: `host` (already a shell word), then each word quoted for
/// `sh -c` where it needs it, the `expandable` ones in double quotes so the shell expands their
/// `$VARIABLE`s.
pub(super) fn command_line(host: &str, words: &[String], expandable: &HashSet<String>) -> String {
    let mut line = host.to_owned();
    for word in words {
        line.push(' ');
        if expandable.contains(word) {
            line.push_str(&format!("\"{word}\""));
        } else {
            line.push_str(&shell_quote(word));
        }
    }
    line
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn expandable_directories() {
        assert!(check_expandable("$CLAUDE_PROJECT_DIR", "--allow-read").is_ok());
        assert!(check_expandable("${CLAUDE_PROJECT_DIR}/docs", "--allow-read").is_ok());
        for bad in ["$(rm -rf /)", "$CLAUDE_PROJECT_DIR\"x", "`x`", "${}", "$1"] {
            assert!(check_expandable(bad, "--allow-read").is_err(), "{bad}");
        }
        let expandable = HashSet::from(["$CLAUDE_PROJECT_DIR/docs".to_owned()]);
        let line = command_line(
            "/opt/fasthooks-host",
            &["--allow-read".into(), "$CLAUDE_PROJECT_DIR/docs".into()],
            &expandable,
        );
        assert_eq!(
            line,
            "/opt/fasthooks-host --allow-read \"$CLAUDE_PROJECT_DIR/docs\""
        );
    }

    #[test]
    fn only_paths_inside_the_project_that_read_back_unchanged_are_made_relative() {
        let project = Path::new("/work/app");
        assert_eq!(
            from_project_dir(Path::new("/work/app/hooks/guard.wasm"), project).as_deref(),
            Some("$CLAUDE_PROJECT_DIR/hooks/guard.wasm")
        );
        assert_eq!(
            from_project_dir(Path::new("/work/other/g.wasm"), project),
            None
        );
        assert_eq!(from_project_dir(Path::new("/work/app"), project), None);
        for odd in [
            "/work/app/a$b.wasm",
            "/work/app/a\"b.wasm",
            "/work/app/a`b`.wasm",
        ] {
            assert_eq!(from_project_dir(Path::new(odd), project), None, "{odd}");
        }
    }
}
