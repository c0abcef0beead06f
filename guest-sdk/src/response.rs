//! What a handler returns.
//!
//! A [`Response`] is the typed decision of one handler. Every part is optional; an empty
//! response ([`Response::none`]) means "no opinion", and the host then prints nothing. The host
//! renders the response into the wire format of the event it answers (and drops the parts that
//! event has no use for), so handlers never deal with `hookSpecificOutput` and friends.
//!
//! [`allow`] and [`approve`] differ on purpose:
//! - [`allow`] is "no objection": a response without a decision, the same as
//!   [`Response::none`]. On PreToolUse Claude Code's normal permission flow then runs (the user
//!   may still be asked). This is what most handlers return when they have nothing to say.
//! - [`approve`] is an explicit [`Decision::Allow`]: PreToolUse skips the permission prompt,
//!   PermissionRequest answers `behavior: "allow"`. Deny and ask rules of the user still apply.
//!
//! ```
//! use fasthooks_sdk::{allow, approve, deny, serde_json::json};
//!
//! let r = deny("use `make clean` instead");
//! assert!(r.is_deny());
//!
//! // No objection: nothing is printed.
//! assert!(allow().is_none());
//!
//! // No decision, but a rewritten input and some context.
//! let r = allow()
//!     .with_updated_input(json!({"command": "ls -la"}))
//!     .with_context("listing with details")
//!     .with_system_message("rewrote `ls`");
//! assert_eq!(r.decision, None);
//! assert_eq!(r.additional_context.as_deref(), Some("listing with details"));
//!
//! // An explicit approval that skips the permission prompt.
//! let r = approve().with_reason("read-only command");
//! assert!(r.is_allow());
//! ```

pub use fasthooks_protocol::response::*;
