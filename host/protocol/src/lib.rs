//! # fasthooks-protocol
//!
//! Claude Code's hook protocol, with no I/O and no WebAssembly: the first and the last step of
//! every hook's path, shared by the host and the Rust guest SDK so that both read events,
//! matchers and answers the same way.
//!
//! ```text
//! stdin ──> event (parse) ──> events + matcher (who subscribes?) ──> plugins (elsewhere)
//!                                          response (merge their answers) ──> render ──> stdout, exit code
//! ```
//!
//! - [`events`]: the one table of hook events: the field each matcher tests, how each event
//!   takes a decision and context, which events Claude Code reads no output from.
//! - [`matcher`]: Claude Code matcher semantics, with [`regex`], a small linear-time engine for
//!   the JavaScript regular expressions matchers are written in.
//! - [`event`]: the JSON event on stdin, with its common fields pulled out.
//! - [`response`]: what a handler or a plugin answers, and the one rule that merges answers.
//! - [`render`]: the merged answer in each event's wire format and exit code, and the one
//!   shape of the host's stderr lines.
//! - `sdk_table` (a test): keeps the JavaScript and Python SDKs' copies of the event table equal to it.

pub mod event;
pub mod events;
pub mod matcher;
pub mod regex;
pub mod render;
pub mod response;
#[cfg(test)]
mod sdk_table;

pub use event::{EventError, HookEvent};
pub use events::{EVENTS, EventSpec, event_spec, supports_matcher};
pub use matcher::{Matcher, MatcherError};
pub use render::{Rendered, error_line, fail_closed, one_line, render};
pub use response::{Decision, Response};
