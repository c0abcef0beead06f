//! house-rules: a project's rules, told to Claude and enforced at the points where they matter.
//!
//! - SessionStart and UserPromptSubmit: the rules go in as context.
//! - Stop: a final answer that does not mention the tests is sent back once, asking Claude to
//!   run them and report. Claude Code sets `stop_hook_active` on the Stop that follows such a
//!   block; the plugin then lets Claude stop, so it never loops.
//! - PermissionRequest for Bash: `npm publish` is denied (packages are published by CI), and
//!   the read-only `ls` and `cat` (without redirections, pipes, lists or substitutions) are
//!   approved without a prompt. Anything else is left to the user.

use fasthooks_sdk::{App, Event, Response, Tasks, approve, block, context, deny};

/// The context added when a session starts.
pub const SESSION_RULES: &str = "House rules: this project builds with `make` and tests with `make test`; packages are published by CI only.";
/// The context added to every prompt.
pub const PROMPT_RULES: &str = "House rules: run `make test` before you say a change is done.";
/// Why a final answer that says nothing about the tests is sent back.
pub const STOP_REASON: &str =
    "House rules: run `make test` and report the result before you finish.";
/// Why `npm publish` is refused.
pub const PUBLISH_REASON: &str = "House rules: packages are published by CI, never from a session.";

/// Builds the plugin.
pub fn build_app() -> App {
    let mut app = App::new("house-rules", env!("CARGO_PKG_VERSION"));
    app.on_session_start(|_: &Event, _: &Tasks| context(SESSION_RULES));
    app.on_prompt(|_: &Event, _: &Tasks| context(PROMPT_RULES));
    app.on_stop(check_stop);
    app.on_permission_request("Bash", check_permission);
    app
}

fasthooks_sdk::plugin!(build_app);

fn check_stop(event: &Event, _: &Tasks) -> Response {
    if event.stop_hook_active == Some(true) {
        return Response::none();
    }
    let mentions_tests = event
        .last_assistant_message
        .as_deref()
        .is_some_and(|m| m.to_ascii_lowercase().contains("test"));
    if mentions_tests {
        Response::none()
    } else {
        block(STOP_REASON)
    }
}

fn check_permission(event: &Event, _: &Tasks) -> Response {
    let Some(command) = event.command() else {
        return Response::none();
    };
    if publishes(command) {
        deny(PUBLISH_REASON)
    } else if is_read_only(command) {
        approve().with_reason("House rules: read-only command")
    } else {
        Response::none()
    }
}

/// `npm publish` anywhere in the command line (after `&&`, `;`, `sudo`, ...).
pub fn publishes(command: &str) -> bool {
    let words: Vec<&str> = command
        .split(|c: char| c.is_whitespace() || matches!(c, ';' | '&' | '|' | '(' | ')'))
        .filter(|w| !w.is_empty())
        .collect();
    words
        .windows(2)
        .any(|pair| pair[0].rsplit('/').next() == Some("npm") && pair[1] == "publish")
}

/// A plain `ls` or `cat`: one command, nothing that writes, chains or substitutes.
pub fn is_read_only(command: &str) -> bool {
    let command = command.trim();
    if command.contains(['>', '<', '|', ';', '&', '`', '$', '\n', '(', ')']) {
        return false;
    }
    matches!(command.split_whitespace().next(), Some("ls" | "cat"))
}

#[cfg(test)]
mod tests;
