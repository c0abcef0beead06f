//! The Claude Code side of the wire: the event that arrives on stdin, and the exact stdout and
//! exit code each event expects back. Nothing here knows about WebAssembly.

mod event;
mod output;

pub use event::{EventError, HookEvent, KNOWN_EVENTS, supports_matcher};
pub use output::{Outcome, PluginDecision, PluginResponse, Rendered, render};
