//! analyze: a fasthooks plugin that analyses every file Claude writes, in the background, and
//! tells Claude the result on the next prompt.
//!
//! - `PreToolUse` for `Write`: queues the background task `analyze_code` with the file's path
//!   and content and returns [`allow()`](fasthooks_sdk::allow) (no objection: the write goes
//!   through Claude Code's normal permission flow). The hook returns at once; the analysis runs
//!   in a fresh instance of the plugin while Claude carries on.
//! - `UserPromptSubmit`: pops the result, if one is ready, and adds it as context:
//!   `Previous analysis: src/lib.rs (Rust, 2048 bytes): 80 lines (61 code, 9 comment, 10
//!   blank); 6 functions, 2 types; longest line 97 chars (line 41); 1 TODO/FIXME; 0 duplicated
//!   lines`. With nothing ready, it says nothing.
//!
//! The task is added under its name, so a newer write replaces a pending analysis and only the
//! latest file is reported. Results are kept for ten minutes. The statistics (see [`stats`]):
//! lines, blank lines, comment lines (comment syntax guessed from the extension), code lines,
//! function and type definitions, the longest line, `TODO`/`FIXME` markers and duplicated
//! non-trivial lines.
//!
//! The analysis is advisory: when the host cannot queue or return tasks, the plugin logs the
//! error and stays silent rather than failing the hook.

pub mod stats;

use std::time::Duration;

use fasthooks_sdk::{App, Event, Response, Task, Tasks, allow, context, log};
use serde::{Deserialize, Serialize};

pub use stats::{Analysis, analyze};

/// The arguments of the task: the file as the `Write` call would leave it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct WrittenFile {
    /// The path shown to the user (relative to the project when inside it).
    pub path: String,
    /// The content.
    pub content: String,
}

fn analyze_code(file: WrittenFile) -> Result<Analysis, String> {
    Ok(analyze(&file.path, &file.content))
}

/// The background task.
pub static ANALYZE: Task<WrittenFile, Analysis> =
    Task::new("analyze_code", analyze_code).ttl(Duration::from_secs(600));

/// Builds the plugin.
pub fn build_app() -> App {
    let mut app = App::new("analyze", env!("CARGO_PKG_VERSION"));
    app.register(&ANALYZE);
    app.pre_tool("Write", on_write);
    app.on_prompt(on_prompt);
    app
}

fasthooks_sdk::plugin!(build_app);

/// `path` relative to `cwd` when it is inside it.
fn display_path<'a>(path: &'a str, cwd: &str) -> &'a str {
    let cwd = cwd.trim_end_matches('/');
    if cwd.is_empty() {
        return path;
    }
    path.strip_prefix(cwd)
        .and_then(|rest| rest.strip_prefix('/'))
        .filter(|rest| !rest.is_empty())
        .unwrap_or(path)
}

fn on_write(event: &Event, tasks: &Tasks) -> Response {
    let (Some(path), Some(content)) = (event.file_path(), event.content()) else {
        return allow();
    };
    let file = WrittenFile {
        path: display_path(path, &event.cwd).to_owned(),
        content: content.to_owned(),
    };
    if let Err(error) = tasks.add(&ANALYZE, file) {
        log::warn!("cannot queue the analysis of {path}: {error}");
    }
    allow()
}

fn on_prompt(_event: &Event, tasks: &Tasks) -> Response {
    match tasks.pop_errors() {
        Ok(errors) => {
            for (key, error) in errors {
                log::warn!("background task {key} failed: {error}");
            }
        }
        Err(error) => log::warn!("cannot read failed tasks: {error}"),
    }
    match tasks.pop(&ANALYZE) {
        Ok(Some(analysis)) => context(format!("Previous analysis: {}", analysis.summary())),
        Ok(None) => allow(),
        Err(error) => {
            log::warn!("cannot read the analysis: {error}");
            allow()
        }
    }
}

#[cfg(test)]
mod tests;
