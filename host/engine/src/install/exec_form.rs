//! The exec form of a `command` hook, `{"command": PROGRAM, "args": [WORD, …]}` (Claude Code
//! 2.1.139 and later): Claude Code starts the program itself instead of `sh -c "<command>"`,
//! which saves a shell on every hook.
//!
//! An installation is still named by its command line (the shell form, which `install` prints
//! and which [`super::shell`] reads): [`exec_of_line`] turns the line into the exec form, and
//! [`line_of_exec`] reads an exec-form handler back as the very same line, so install, uninstall
//! and doctor find their entries in either form, and switching forms updates them in place.
//!
//! Without a shell nothing expands a `$VARIABLE`: Claude Code substitutes only its placeholders
//! ([`PLACEHOLDERS`], always written braced) in `command` and `args`. A line that needs any
//! other variable keeps the shell form, and so does one for a Claude Code older than
//! [`FIRST_EXEC_VERSION`], which would run `sh -c PROGRAM` and drop the arguments ([`choose`]
//! writes the exec form only where the `claude` on PATH says it runs it).

use super::shell::{has_more_than_one_command, marked_words, shell_quote};
pub use crate::cli::CommandForm;
use std::io::Read;
use std::process::{Command, Stdio};
use std::time::Duration;

/// The first Claude Code release that runs the exec form.
pub const FIRST_EXEC_VERSION: Version = Version(2, 1, 139);

/// The variables Claude Code substitutes in an exec-form hook.
pub const PLACEHOLDERS: [&str; 3] = [
    "CLAUDE_PROJECT_DIR",
    "CLAUDE_PLUGIN_ROOT",
    "CLAUDE_PLUGIN_DATA",
];

/// A hook in the exec form.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Exec {
    pub program: String,
    pub args: Vec<String>,
}

/// Why a command line has no exec form.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum NoExecForm {
    #[error("{word} needs a shell to expand ${name}")]
    Variable { word: String, name: String },
    #[error("{0} would read as a Claude Code placeholder")]
    LiteralPlaceholder(String),
    #[error("the command goes on after its first command")]
    MoreThanOneCommand,
    #[error("the command is empty")]
    Empty,
}

/// A Claude Code version, `major.minor.patch`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct Version(pub u32, pub u32, pub u32);

impl std::fmt::Display for Version {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}.{}.{}", self.0, self.1, self.2)
    }
}

impl Version {
    /// The first `N.N.N` in `text` (`claude --version` prints `2.1.197 (Claude Code)`).
    pub fn find_in(text: &str) -> Option<Version> {
        text.split(|c: char| !(c.is_ascii_digit() || c == '.'))
            .find_map(|token| {
                let mut parts = token.split('.').map(|part| part.parse::<u32>().ok());
                let version = Version(parts.next()??, parts.next()??, parts.next()??);
                parts.next().is_none().then_some(version)
            })
    }
}

/// The exec form of a shell command line that runs one program: each word unquoted, its
/// placeholders written `${NAME}`.
pub fn exec_of_line(line: &str) -> Result<Exec, NoExecForm> {
    if has_more_than_one_command(line) {
        return Err(NoExecForm::MoreThanOneCommand);
    }
    let mut words = marked_words(line).into_iter().map(|word| {
        if word.expands {
            braced(&word.text)
        } else if word.text.contains("${") {
            Err(NoExecForm::LiteralPlaceholder(word.text))
        } else {
            Ok(word.text)
        }
    });
    let program = words.next().ok_or(NoExecForm::Empty)??;
    Ok(Exec {
        program,
        args: words.collect::<Result<_, _>>()?,
    })
}

/// A word the shell expands, with each `$NAME` / `${NAME}` written as Claude Code's placeholder.
fn braced(word: &str) -> Result<String, NoExecForm> {
    let mut out = String::new();
    let mut rest = word;
    while let Some(at) = rest.find('$') {
        out.push_str(&rest[..at]);
        rest = &rest[at + 1..];
        let (name, after) = match rest.strip_prefix('{') {
            Some(braced) => match braced.split_once('}') {
                Some((name, after)) => (name, after),
                None => (braced, ""),
            },
            None => {
                let end = rest.find(|c: char| !is_name_char(c)).unwrap_or(rest.len());
                (&rest[..end], &rest[end..])
            }
        };
        if name.is_empty() && !rest.starts_with('{') {
            // A `$` that starts no name is a plain `$` to the shell too.
            out.push('$');
            continue;
        }
        if !PLACEHOLDERS.contains(&name) {
            return Err(NoExecForm::Variable {
                word: word.to_owned(),
                name: name.to_owned(),
            });
        }
        out.push_str(&format!("${{{name}}}"));
        rest = after;
    }
    out.push_str(rest);
    Ok(out)
}

/// The shell command line an exec-form handler stands for: the inverse of [`exec_of_line`] for
/// the lines `install` writes (a word with placeholders in double quotes, `$NAME` unbraced where
/// the name cannot run on; every other word quoted as [`shell_quote`] does).
pub fn line_of_exec(program: &str, args: &[String]) -> String {
    std::iter::once(program)
        .chain(args.iter().map(String::as_str))
        .map(|word| unbraced(word).unwrap_or_else(|| shell_quote(word)))
        .collect::<Vec<_>>()
        .join(" ")
}

/// `word` in double quotes with its placeholders for the shell to expand, when it has any and
/// nothing else in it means something inside double quotes.
fn unbraced(word: &str) -> Option<String> {
    if !word.contains("${") || word.contains(['"', '`', '\\']) {
        return None;
    }
    let mut out = String::from("\"");
    let mut rest = word;
    while let Some(at) = rest.find('$') {
        out.push_str(&rest[..at]);
        let (name, after) = rest[at + 1..].strip_prefix('{')?.split_once('}')?;
        if !PLACEHOLDERS.contains(&name) {
            return None;
        }
        out.push('$');
        if after.starts_with(is_name_char) {
            out.push_str(&format!("{{{name}}}"));
        } else {
            out.push_str(name);
        }
        rest = after;
    }
    out.push_str(rest);
    out.push('"');
    Some(out)
}

fn is_name_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || c == '_'
}

/// The form `install` writes: the one asked for; else the exec form when the `claude` on PATH
/// says it is [`FIRST_EXEC_VERSION`] or later, and the shell form otherwise (older, or no answer:
/// an older Claude Code would run the exec form's program without its arguments, so every
/// hook would fail, open). Each choice but the asked one comes with a note.
pub fn choose(wanted: Option<CommandForm>, shared: bool, notes: &mut Vec<String>) -> CommandForm {
    if let Some(form) = wanted {
        return form;
    }
    let shell = |why: String| {
        format!(
            "note: {why}, so the entries run through sh -c (the shell form, which every Claude Code \
             runs); --command-form exec drops that shell from every hook (Claude Code \
             {FIRST_EXEC_VERSION} and later)"
        )
    };
    match installed_claude_version() {
        Some(version) if version >= FIRST_EXEC_VERSION => {
            if shared {
                notes.push(format!(
                    "note: the entries are in the exec form (no shell), which Claude Code \
                     {FIRST_EXEC_VERSION} and later runs; a clone on an older one would run them \
                     without their arguments: --command-form shell if that may happen"
                ));
            }
            CommandForm::Exec
        }
        Some(version) => {
            notes.push(shell(format!(
                "the claude on PATH is {version}, older than {FIRST_EXEC_VERSION}"
            )));
            CommandForm::Shell
        }
        None => {
            notes.push(shell(
                "no claude on PATH told its version (`claude --version`)".to_owned(),
            ));
            CommandForm::Shell
        }
    }
}

/// How long `claude --version` may take before install goes on without knowing.
const VERSION_TIMEOUT: Duration = Duration::from_secs(10);

/// The version of the `claude` first on PATH, from `claude --version`; `None` when there is none
/// or it does not say in time. It runs in a process group of its own, killed whole once it has
/// answered or its time is up, so nothing it started outlives the question.
pub(crate) fn installed_claude_version() -> Option<Version> {
    use std::os::unix::process::CommandExt;
    let path = std::env::var_os("PATH")?;
    let claude = std::env::split_paths(&path)
        .map(|dir| dir.join("claude"))
        .find(|candidate| candidate.is_file())?;
    let mut child = Command::new(claude)
        .arg("--version")
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .process_group(0)
        .spawn()
        .ok()?;
    let mut stdout = child.stdout.take()?;
    let (sender, receiver) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let mut text = String::new();
        let _ = stdout.read_to_string(&mut text);
        let _ = sender.send(text);
    });
    let text = receiver.recv_timeout(VERSION_TIMEOUT);
    if !matches!(child.try_wait(), Ok(Some(_))) {
        // SAFETY: kill(2) on the process group of a child not yet reaped (so its id, which is
        // the group's, cannot have been reused).
        unsafe { libc::kill(-(child.id() as libc::pid_t), libc::SIGKILL) };
    }
    let _ = child.wait();
    Version::find_in(&text.ok()?)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn words(list: &[&str]) -> Vec<String> {
        list.iter().map(|w| (*w).to_owned()).collect()
    }

    #[test]
    fn install_lines_round_trip_through_the_exec_form() {
        for line in [
            "/opt/fasthooks-host --plugin /p/guard.wasm",
            "fasthooks-host --plugin \"$CLAUDE_PROJECT_DIR/hooks/g.wasm\" --allow-read \"$CLAUDE_PROJECT_DIR/docs\"",
            "'/opt/with space/fasthooks-host' --plugin '/it'\\''s/p.wasm' --allow-env 'A=$HOME'",
            "fasthooks-host --plugin \"${CLAUDE_PLUGIN_ROOT}/g.wasm\" --allow-write \"${CLAUDE_PROJECT_DIR}x\"",
        ] {
            let exec = exec_of_line(line).unwrap();
            let back = line_of_exec(&exec.program, &exec.args);
            assert_eq!(
                back.replace("${CLAUDE_PLUGIN_ROOT}/", "$CLAUDE_PLUGIN_ROOT/"),
                line.replace("${CLAUDE_PLUGIN_ROOT}/", "$CLAUDE_PLUGIN_ROOT/"),
                "{exec:?}"
            );
            assert_eq!(exec_of_line(&back).unwrap(), exec, "{back}");
        }
    }

    #[test]
    fn placeholders_are_braced_and_literal_dollars_stay_literal() {
        let exec = exec_of_line(
            "fasthooks-host --plugin \"$CLAUDE_PROJECT_DIR/g.wasm\" --allow-read '/a/$HOME' x$",
        )
        .unwrap();
        assert_eq!(exec.program, "fasthooks-host");
        assert_eq!(
            exec.args,
            words(&[
                "--plugin",
                "${CLAUDE_PROJECT_DIR}/g.wasm",
                "--allow-read",
                "/a/$HOME",
                "x$"
            ])
        );
        assert_eq!(
            line_of_exec("/h", &words(&["/a/$HOME", "${HOME}/x"])),
            "/h '/a/$HOME' '${HOME}/x'"
        );
    }

    #[test]
    fn what_needs_a_shell_has_no_exec_form() {
        assert_eq!(
            exec_of_line("fasthooks-host --allow-read \"$HOME/docs\""),
            Err(NoExecForm::Variable {
                word: "$HOME/docs".into(),
                name: "HOME".into()
            })
        );
        assert_eq!(
            exec_of_line("fasthooks-host --plugin /p.wasm; rm -rf /"),
            Err(NoExecForm::MoreThanOneCommand)
        );
        assert_eq!(
            exec_of_line("fasthooks-host --plugin '${CLAUDE_PROJECT_DIR}/p.wasm'"),
            Err(NoExecForm::LiteralPlaceholder(
                "${CLAUDE_PROJECT_DIR}/p.wasm".into()
            ))
        );
        assert_eq!(exec_of_line("  "), Err(NoExecForm::Empty));
    }

    #[test]
    fn versions_are_read_from_claude_version_output() {
        assert_eq!(
            Version::find_in("2.1.197 (Claude Code)"),
            Some(Version(2, 1, 197))
        );
        assert_eq!(Version::find_in("claude v2.1.7\n"), Some(Version(2, 1, 7)));
        assert_eq!(Version::find_in("1.2 or 3.4.5.6"), None);
        assert!(Version(2, 1, 138) < FIRST_EXEC_VERSION);
        assert!(Version(2, 2, 0) > FIRST_EXEC_VERSION);
    }
}
