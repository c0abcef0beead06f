//! What a handler returns, and how several answers merge: the one rule for handlers of one
//! plugin (in the SDKs) and for plugins of one hook command (in the host).
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
//! use fasthooks_protocol::response::{allow, approve, deny};
//! use serde_json::json;
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

use serde_json::Value;

/// The decision part of a response.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Decision {
    /// Let the tool call (or permission request) through without asking.
    Allow,
    /// Refuse the tool call (or permission request). The reason goes to Claude.
    Deny,
    /// Ask the user. The reason goes to the user.
    Ask,
    /// `decision: "block"` on Stop, SubagentStop, UserPromptSubmit, PostToolUse, PreCompact, ...
    Block,
    /// PreToolUse in `claude -p`: pause the turn and hand the call back to the caller.
    Defer,
}

impl Decision {
    /// How strongly this decision wins when several handlers answer: deny and block end the
    /// dispatch; otherwise defer beats ask, which beats allow (Claude Code's own precedence).
    pub fn precedence(self) -> u8 {
        match self {
            Decision::Allow => 1,
            Decision::Ask => 2,
            Decision::Defer => 3,
            Decision::Deny | Decision::Block => 4,
        }
    }
}

/// What a handler returns. Build it with [`allow`], [`deny`], [`ask`], [`block`], [`defer`],
/// [`context`] or [`Response::none`], then refine it with the `with_*` builders.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Response {
    /// The decision, if any.
    pub decision: Option<Decision>,
    /// Why: shown to Claude (deny, block) or to the user (ask).
    pub reason: Option<String>,
    /// Extra context for Claude, on the events that accept it.
    pub additional_context: Option<String>,
    /// PreToolUse / PermissionRequest: the replacement tool input (a JSON object).
    pub updated_input: Option<Value>,
    /// A warning shown to the user.
    pub system_message: Option<String>,
    /// Stop Claude after this hook, with this reason shown to the user.
    pub stop_reason: Option<String>,
}

/// No objection: a response without a decision, exactly [`Response::none`]. On PreToolUse
/// Claude Code's normal permission flow runs. Refine it with the `with_*` builders to add
/// context, a system message or an updated input while still leaving the decision to others.
/// Use [`approve`] to actually let a call through without a prompt.
pub fn allow() -> Response {
    Response::none()
}

/// Explicitly allow: [`Decision::Allow`]. PreToolUse skips the permission prompt (the user's
/// deny and ask rules still apply); PermissionRequest answers `behavior: "allow"`. Add a reason
/// with [`Response::with_reason`].
pub fn approve() -> Response {
    Response::decide(Decision::Allow, None)
}

/// Refuse the call; `reason` tells Claude why.
pub fn deny(reason: impl Into<String>) -> Response {
    Response::decide(Decision::Deny, Some(reason.into()))
}

/// Ask the user; `reason` is shown to them.
pub fn ask(reason: impl Into<String>) -> Response {
    Response::decide(Decision::Ask, Some(reason.into()))
}

/// Block (Stop: keep Claude working; UserPromptSubmit: drop the prompt; PostToolUse: feed the
/// reason back). `reason` is required by Claude Code on these events.
pub fn block(reason: impl Into<String>) -> Response {
    Response::decide(Decision::Block, Some(reason.into()))
}

/// Defer the tool call to the caller of `claude -p`.
pub fn defer() -> Response {
    Response::decide(Decision::Defer, None)
}

/// No decision, only extra context for Claude.
pub fn context(text: impl Into<String>) -> Response {
    Response::none().with_context(text)
}

impl Response {
    /// No opinion: the host prints nothing for this handler.
    pub fn none() -> Response {
        Response::default()
    }

    fn decide(decision: Decision, reason: Option<String>) -> Response {
        Response {
            decision: Some(decision),
            reason,
            ..Response::default()
        }
    }

    /// Sets the reason (for example on [`approve`] or [`defer`], which have none).
    pub fn with_reason(mut self, reason: impl Into<String>) -> Response {
        self.reason = Some(reason.into());
        self
    }

    /// Adds context for Claude. Called twice, the texts are joined by a blank line.
    pub fn with_context(mut self, text: impl Into<String>) -> Response {
        let text = text.into();
        self.additional_context = Some(match self.additional_context.take() {
            Some(existing) => format!("{existing}\n\n{text}"),
            None => text,
        });
        self
    }

    /// Replaces the tool input (PreToolUse, PermissionRequest). Must be a JSON object holding
    /// the whole new input; anything else makes the handler fail when the response is sent.
    pub fn with_updated_input(mut self, input: Value) -> Response {
        self.updated_input = Some(input);
        self
    }

    /// Adds a warning shown to the user. Called twice, the texts are joined by a newline.
    pub fn with_system_message(mut self, text: impl Into<String>) -> Response {
        let text = text.into();
        self.system_message = Some(match self.system_message.take() {
            Some(existing) => format!("{existing}\n{text}"),
            None => text,
        });
        self
    }

    /// Stops Claude after this hook (`continue: false`), showing `reason` to the user.
    pub fn stop(mut self, reason: impl Into<String>) -> Response {
        self.stop_reason = Some(reason.into());
        self
    }

    /// True when the response says nothing at all.
    pub fn is_none(&self) -> bool {
        *self == Response::default()
    }

    /// True for [`Decision::Allow`] (an [`approve`], not an [`allow`], which has no decision).
    pub fn is_allow(&self) -> bool {
        self.decision == Some(Decision::Allow)
    }

    /// True for [`Decision::Deny`].
    pub fn is_deny(&self) -> bool {
        self.decision == Some(Decision::Deny)
    }

    /// True for [`Decision::Ask`].
    pub fn is_ask(&self) -> bool {
        self.decision == Some(Decision::Ask)
    }

    /// True for [`Decision::Block`].
    pub fn is_block(&self) -> bool {
        self.decision == Some(Decision::Block)
    }

    /// True for deny and block: the decisions that end a dispatch at once.
    pub fn is_blocking(&self) -> bool {
        matches!(self.decision, Some(Decision::Deny | Decision::Block))
    }

    /// Folds a later handler's (non-blocking) response into this one: the stronger decision
    /// wins (defer > ask > allow) with its reason, contexts are kept in order and joined by a
    /// blank line, system messages by a newline, the last updated input wins, the first stop
    /// reason wins.
    pub fn merge(&mut self, other: Response) {
        let Response {
            decision,
            reason,
            additional_context,
            updated_input,
            system_message,
            stop_reason,
        } = other;
        if let Some(decision) = decision {
            let current = self.decision.map_or(0, Decision::precedence);
            if decision.precedence() > current {
                self.decision = Some(decision);
                self.reason = reason;
            } else if self.decision == Some(decision) && self.reason.is_none() {
                self.reason = reason;
            }
        }
        if let Some(text) = additional_context.filter(|t| !t.is_empty()) {
            *self = std::mem::take(self).with_context(text);
        }
        if let Some(text) = system_message.filter(|t| !t.is_empty()) {
            *self = std::mem::take(self).with_system_message(text);
        }
        if updated_input.is_some() {
            self.updated_input = updated_input;
        }
        if self.stop_reason.is_none() {
            self.stop_reason = stop_reason;
        }
    }

    /// Every response folded in order with [`Response::merge`].
    pub fn merged(responses: impl IntoIterator<Item = Response>) -> Response {
        let mut merged = Response::none();
        for response in responses {
            merged.merge(response);
        }
        merged
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn helpers() {
        assert!(Response::none().is_none());
        assert_eq!(allow(), Response::none());
        assert!(!allow().is_allow());
        assert!(approve().is_allow() && approve().reason.is_none());
        assert_eq!(approve().with_reason("ok").reason.as_deref(), Some("ok"));
        assert_eq!(deny("no").reason.as_deref(), Some("no"));
        assert!(deny("no").is_blocking());
        assert!(block("again").is_blocking() && block("again").is_block());
        assert!(ask("sure?").is_ask() && !ask("sure?").is_blocking());
        assert_eq!(defer().decision, Some(Decision::Defer));
        let c = context("a").with_context("b");
        assert_eq!(c.additional_context.as_deref(), Some("a\n\nb"));
        assert_eq!(c.decision, None);
        let r = approve()
            .with_reason("fine")
            .with_system_message("x")
            .with_system_message("y")
            .with_updated_input(json!({"command":"ls"}))
            .stop("enough");
        assert_eq!(r.reason.as_deref(), Some("fine"));
        assert_eq!(r.system_message.as_deref(), Some("x\ny"));
        assert_eq!(r.updated_input, Some(json!({"command":"ls"})));
        assert_eq!(r.stop_reason.as_deref(), Some("enough"));
        assert!(r.is_allow());
        let r = allow().with_updated_input(json!({"command":"ls"}));
        assert_eq!(r.decision, None);
        assert_eq!(r.updated_input, Some(json!({"command":"ls"})));
    }

    #[test]
    fn merge_rules() {
        let mut merged = Response::none();
        merged.merge(allow().with_context("one").with_system_message("s1"));
        merged.merge(
            ask("check")
                .with_updated_input(json!({"a":1}))
                .stop("first"),
        );
        merged.merge(approve().with_reason("later allow").with_context("two"));
        merged.merge(
            Response::none()
                .with_updated_input(json!({"a":2}))
                .with_system_message("s2")
                .stop("second"),
        );
        assert_eq!(merged.decision, Some(Decision::Ask));
        assert_eq!(merged.reason.as_deref(), Some("check"));
        assert_eq!(merged.additional_context.as_deref(), Some("one\n\ntwo"));
        assert_eq!(merged.system_message.as_deref(), Some("s1\ns2"));
        assert_eq!(merged.updated_input, Some(json!({"a":2})));
        assert_eq!(merged.stop_reason.as_deref(), Some("first"));

        let mut deferred = ask("a");
        deferred.merge(defer());
        deferred.merge(ask("b"));
        assert_eq!(deferred.decision, Some(Decision::Defer));
        assert_eq!(deferred.reason, None);

        // `allow()` has no opinion: it never weakens or replaces a decision.
        let mut asked = ask("sure?");
        asked.merge(allow().with_context("fine by me"));
        assert_eq!(asked.decision, Some(Decision::Ask));
        assert_eq!(asked.reason.as_deref(), Some("sure?"));
        let mut nothing = Response::none();
        nothing.merge(allow());
        assert!(nothing.is_none());
        nothing.merge(approve().with_reason("ok"));
        assert!(nothing.is_allow());
        assert_eq!(nothing.reason.as_deref(), Some("ok"));
    }
}
