//! `fasthooks-host logs`: the host's log read back, picked by plugin, session, event or task
//! key, optionally followed as it grows (across rotation).
//!
//! Lines are `tracing`'s: `TIME LEVEL message field="value" …`, the fields after the message
//! ([`crate::logging`]). A field is read from its last occurrence in the line, so a plugin that
//! writes `plugin="guard"` into its own message does not pass its lines off as guard's.

use fasthooks_ipc::Paths;
use fasthooks_ipc::hook_io::finish;
use fasthooks_protocol::Rendered;
use std::io::{Read, Write};
use std::path::Path;
use std::process::ExitCode;
use std::time::Duration;

/// Which lines to show.
#[derive(Debug, Default, Clone)]
pub struct LogFilter {
    pub plugin: Option<String>,
    pub session: Option<String>,
    pub event: Option<String>,
    pub task: Option<String>,
}

impl LogFilter {
    pub fn admits(&self, line: &str) -> bool {
        [
            ("plugin", &self.plugin),
            ("session", &self.session),
            ("event", &self.event),
            ("task", &self.task),
        ]
        .into_iter()
        .all(|(name, wanted)| {
            wanted
                .as_deref()
                .is_none_or(|wanted| field(line, name).as_deref() == Some(wanted))
        })
    }
}

/// The value of `name="…"` in a log line: its last occurrence, unescaped of `\"` and `\\`.
pub fn field<'a>(line: &'a str, name: &str) -> Option<std::borrow::Cow<'a, str>> {
    let marker = format!(" {name}=\"");
    let start = line.rfind(&marker)? + marker.len();
    let rest = &line[start..];
    let mut end = None;
    let mut escaped = false;
    for (at, c) in rest.char_indices() {
        match c {
            '\\' if !escaped => escaped = true,
            '"' if !escaped => {
                end = Some(at);
                break;
            }
            _ => escaped = false,
        }
    }
    let value = &rest[..end?];
    Some(if value.contains('\\') {
        value.replace("\\\"", "\"").replace("\\\\", "\\").into()
    } else {
        value.into()
    })
}

pub fn command(filter: &LogFilter, lines: usize, follow: bool, home: Option<&Path>) -> ExitCode {
    let paths = Paths::resolve(home);
    let current = paths.logs.join(crate::logging::LOG_FILE);
    let previous = paths.logs.join(format!("{}.1", crate::logging::LOG_FILE));
    // The current file is read once, through one handle, and followed from where that read
    // ended: no line written meanwhile is missed.
    let mut followed = std::fs::File::open(&current).ok();
    let mut shown: Vec<String> = Vec::new();
    let mut partial = String::new();
    if let Ok(bytes) = std::fs::read(&previous) {
        admitted(&String::from_utf8_lossy(&bytes), filter, &mut shown);
    }
    if let Some(file) = followed.as_mut() {
        partial = read_on(file);
        let complete = partial.rfind('\n').map_or(0, |n| n + 1);
        admitted(&partial[..complete], filter, &mut shown);
        partial.drain(..complete);
    }
    if shown.is_empty() && !follow && followed.is_none() {
        return finish(Rendered::output(format!(
            "no log yet at {} (it is written once a hook or the daemon has something to say)",
            current.display()
        )));
    }
    let skip = if lines == 0 {
        0
    } else {
        shown.len().saturating_sub(lines)
    };
    let mut out = std::io::stdout().lock();
    for line in &shown[skip..] {
        if writeln!(out, "{line}").is_err() {
            return ExitCode::SUCCESS;
        }
    }
    let _ = out.flush();
    drop(out);
    if follow {
        follow_file(&current, followed, partial, filter);
    }
    ExitCode::SUCCESS
}

/// The lines of `text` that `filter` admits, onto `into`.
fn admitted(text: &str, filter: &LogFilter, into: &mut Vec<String>) {
    into.extend(text.lines().filter(|l| filter.admits(l)).map(str::to_owned));
}

/// What `file` holds from its position on (a line cut in the middle of a character, written
/// by an older version, reads as a replacement character instead of stopping the reader).
fn read_on(file: &mut std::fs::File) -> String {
    let mut bytes = Vec::new();
    let _ = file.read_to_end(&mut bytes);
    String::from_utf8_lossy(&bytes).into_owned()
}

/// Print lines `filter` admits as they are appended to `path`, from where `file` (opened on
/// it, or none if it did not exist) was read to, until stdout closes. When the log is
/// rotated, the old file is read to its end before its successor is followed from the start.
fn follow_file(
    path: &Path,
    mut file: Option<std::fs::File>,
    mut partial: String,
    filter: &LogFilter,
) {
    use std::os::unix::fs::MetadataExt;
    let inode_of = |f: &std::fs::File| f.metadata().ok().map(|m| m.ino());
    let mut inode = file.as_ref().and_then(inode_of);
    loop {
        if let Some(f) = file.as_mut() {
            partial.push_str(&read_on(f));
        }
        let named = std::fs::metadata(path).ok().map(|m| m.ino());
        let rotated = named.is_some() && named != inode;
        if rotated && let Some(f) = file.as_mut() {
            // What was written to it between the read above and the rename.
            partial.push_str(&read_on(f));
        }
        let complete = if rotated {
            partial.len()
        } else {
            partial.rfind('\n').map_or(0, |n| n + 1)
        };
        let mut out = std::io::stdout().lock();
        for line in partial[..complete].lines().filter(|l| filter.admits(l)) {
            if writeln!(out, "{line}").and_then(|()| out.flush()).is_err() {
                return;
            }
        }
        drop(out);
        partial.drain(..complete);
        if rotated {
            file = std::fs::File::open(path).ok();
            inode = file.as_ref().and_then(inode_of);
            continue;
        }
        std::thread::sleep(FOLLOW_POLL);
    }
}

/// How often `--follow` looks for new lines.
const FOLLOW_POLL: Duration = Duration::from_millis(200);

#[cfg(test)]
mod tests {
    use super::*;

    const LINE: &str = r#"2026-12-02T16:28:13.938012Z  INFO hello plugin="hostile" session="s1" event="UserPromptSubmit""#;

    #[test]
    fn fields_are_read_from_the_end_of_the_line() {
        assert_eq!(field(LINE, "plugin").as_deref(), Some("hostile"));
        assert_eq!(field(LINE, "event").as_deref(), Some("UserPromptSubmit"));
        assert_eq!(field(LINE, "task"), None);
        let forged = r#"t  INFO pretend plugin="guard" plugin="hostile" session="s1""#;
        assert_eq!(field(forged, "plugin").as_deref(), Some("hostile"));
        let quoted = r#"t  INFO x name="a \"b\" c\\d""#;
        assert_eq!(field(quoted, "name").as_deref(), Some(r#"a "b" c\d"#));
    }

    #[test]
    fn a_filter_wants_every_field_it_names() {
        let filter = LogFilter {
            plugin: Some("hostile".into()),
            session: Some("s1".into()),
            ..LogFilter::default()
        };
        assert!(filter.admits(LINE));
        let other_session = LogFilter {
            session: Some("s2".into()),
            ..filter.clone()
        };
        assert!(!other_session.admits(LINE));
        assert!(LogFilter::default().admits("anything"));
    }
}
