//! `fasthooks-host logs`: the host's log read back, picked by plugin, session, event or task
//! key, optionally followed as it grows (across rotation).
//!
//! Lines are `tracing`'s: `TIME LEVEL message field="value" …`, the fields after the message
//! ([`crate::logging`]). A field is read from its last occurrence in the line, so a plugin that
//! writes `plugin="guard"` into its own message does not pass its lines off as guard's.

use fasthooks_ipc::Paths;
use fasthooks_ipc::hook_io::finish;
use fasthooks_protocol::Rendered;
use std::io::{Read, Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};
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
    let mut shown: Vec<String> = Vec::new();
    for file in [&previous, &current] {
        if let Ok(text) = std::fs::read_to_string(file) {
            shown.extend(text.lines().filter(|l| filter.admits(l)).map(str::to_owned));
        }
    }
    if shown.is_empty() && !follow && !current.exists() {
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
    drop(out);
    if follow {
        follow_file(&current, filter);
    }
    ExitCode::SUCCESS
}

/// Print lines `filter` admits as they are appended to `path`, until stdout closes; a rotated
/// file is followed into its successor.
fn follow_file(path: &PathBuf, filter: &LogFilter) {
    use std::os::unix::fs::MetadataExt;
    let open = || std::fs::File::open(path).ok();
    let mut file = open();
    let mut inode = file
        .as_ref()
        .and_then(|f| f.metadata().ok())
        .map(|m| m.ino());
    let mut at = file
        .as_mut()
        .and_then(|f| f.seek(SeekFrom::End(0)).ok())
        .unwrap_or(0);
    let mut partial = String::new();
    loop {
        // Rotated (a new file under the name) or cut: start over on what is there now.
        let now = std::fs::metadata(path).ok();
        if now.as_ref().map(MetadataExt::ino) != inode || now.as_ref().is_some_and(|m| m.len() < at)
        {
            file = open();
            inode = now.as_ref().map(MetadataExt::ino);
            at = 0;
            partial.clear();
        }
        let mut grown = String::new();
        if let Some(f) = file.as_mut()
            && f.seek(SeekFrom::Start(at)).is_ok()
            && let Ok(read) = f.read_to_string(&mut grown)
        {
            at += read as u64;
        }
        if !grown.is_empty() {
            partial.push_str(&grown);
            let complete = partial.rfind('\n').map_or(0, |n| n + 1);
            let mut out = std::io::stdout().lock();
            for line in partial[..complete].lines().filter(|l| filter.admits(l)) {
                if writeln!(out, "{line}").and_then(|()| out.flush()).is_err() {
                    return;
                }
            }
            partial.drain(..complete);
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
