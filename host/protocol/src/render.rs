//! From the merged response to the exact stdout and exit code Claude Code expects for each
//! event (protocol reference §4), and the one-line failures the host prints.

use crate::events::{DecisionStyle, spec_or_unknown};
use crate::response::{Decision, Response};
use serde::Serialize;

/// What the hook process prints and how it exits.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, serde::Deserialize)]
pub struct Rendered {
    pub stdout: String,
    pub stderr: String,
    pub exit_code: i32,
}

impl Rendered {
    pub fn silent() -> Rendered {
        Rendered {
            stdout: String::new(),
            stderr: String::new(),
            exit_code: 0,
        }
    }

    /// Text for stdout, exit 0 (the admin commands).
    pub fn output(stdout: String) -> Rendered {
        Rendered {
            stdout,
            ..Rendered::silent()
        }
    }

    /// A failure: one line on stderr naming it, exit 1 (non-blocking for Claude Code, which
    /// reads exit 2 as "block").
    pub fn error(message: impl std::fmt::Display) -> Rendered {
        Rendered {
            stdout: String::new(),
            stderr: format!("{}\n", error_line(message)),
            exit_code: 1,
        }
    }
}

/// The one shape of every line the host prints on stderr: prefixed, one line, control
/// characters escaped, capped, so nothing a plugin says can forge or flood Claude Code's view.
pub fn error_line(message: impl std::fmt::Display) -> String {
    const MAX_LINE_BYTES: usize = 4096;
    format!(
        "fasthooks-host: {}",
        one_line(message.to_string().trim_end(), MAX_LINE_BYTES)
    )
}

/// Characters that reorder or hide what is shown around them (bidi overrides and isolates,
/// zero-width characters, line and paragraph separators): escaped like control characters.
fn is_invisible_format(c: char) -> bool {
    matches!(
        c,
        '\u{200B}'..='\u{200F}'
            | '\u{2028}'..='\u{202E}'
            | '\u{2060}'..='\u{2069}'
            | '\u{FEFF}'
            | '\u{061C}'
    )
}

/// `text` as one line of at most about `max_bytes`: control characters (newlines included)
/// escaped, the rest cut with `…`. What the host shows or logs of a plugin's words goes
/// through here, so a plugin cannot forge the lines around it.
pub fn one_line(text: &str, max_bytes: usize) -> String {
    let mut line = String::with_capacity(text.len().min(max_bytes) + 4);
    for c in text.chars() {
        if line.len() >= max_bytes {
            line.push('…');
            break;
        }
        if c.is_control() || is_invisible_format(c) {
            line.extend(c.escape_default());
        } else {
            line.push(c);
        }
    }
    line
}

/// Under `--fail-closed`, what a failure on a permission event answers: a deny naming why.
pub fn fail_closed(why: impl std::fmt::Display) -> Response {
    Response {
        decision: Some(Decision::Deny),
        reason: Some(format!("fasthooks-host --fail-closed: {why}")),
        ..Response::default()
    }
}

#[derive(Serialize, Default)]
struct WireOutput {
    #[serde(rename = "continue", skip_serializing_if = "Option::is_none")]
    continue_: Option<bool>,
    #[serde(rename = "stopReason", skip_serializing_if = "Option::is_none")]
    stop_reason: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    decision: Option<&'static str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    reason: Option<String>,
    #[serde(rename = "systemMessage", skip_serializing_if = "Option::is_none")]
    system_message: Option<String>,
    #[serde(rename = "hookSpecificOutput", skip_serializing_if = "Option::is_none")]
    hook_specific: Option<HookSpecific>,
}

#[derive(Serialize)]
struct HookSpecific {
    #[serde(rename = "hookEventName")]
    event: String,
    #[serde(rename = "permissionDecision", skip_serializing_if = "Option::is_none")]
    permission_decision: Option<&'static str>,
    #[serde(
        rename = "permissionDecisionReason",
        skip_serializing_if = "Option::is_none"
    )]
    permission_decision_reason: Option<String>,
    #[serde(rename = "updatedInput", skip_serializing_if = "Option::is_none")]
    updated_input: Option<serde_json::Value>,
    #[serde(skip_serializing_if = "Option::is_none")]
    decision: Option<PermissionRequestDecision>,
    #[serde(skip_serializing_if = "Option::is_none")]
    retry: Option<bool>,
    #[serde(rename = "additionalContext", skip_serializing_if = "Option::is_none")]
    additional_context: Option<String>,
}

impl HookSpecific {
    fn new(event: &str) -> HookSpecific {
        HookSpecific {
            event: event.to_owned(),
            permission_decision: None,
            permission_decision_reason: None,
            updated_input: None,
            decision: None,
            retry: None,
            additional_context: None,
        }
    }
}

#[derive(Serialize)]
struct PermissionRequestDecision {
    behavior: &'static str,
    #[serde(rename = "updatedInput", skip_serializing_if = "Option::is_none")]
    updated_input: Option<serde_json::Value>,
    #[serde(skip_serializing_if = "Option::is_none")]
    message: Option<String>,
}

/// Render the merged response in the wire format of `event`.
pub fn render(event: &str, outcome: &Response) -> Rendered {
    let spec = spec_or_unknown(event);
    if spec.output_discarded {
        return Rendered::silent();
    }
    let mut wire = WireOutput::default();
    let mut specific = HookSpecific::new(event);
    let mut exit_code = 0;
    let mut stderr = String::new();

    match (spec.decision, outcome.decision) {
        // A rewritten input without a decision: the call goes through the normal permission
        // flow with the new input.
        (DecisionStyle::Permission, None) => specific.updated_input = outcome.updated_input.clone(),
        (_, None) | (DecisionStyle::None, _) => {}
        (DecisionStyle::Permission, Some(decision)) => {
            specific.permission_decision = Some(match decision {
                Decision::Allow => "allow",
                Decision::Deny | Decision::Block => "deny",
                Decision::Ask => "ask",
                Decision::Defer => "defer",
            });
            specific.permission_decision_reason = outcome.reason.clone();
            if matches!(decision, Decision::Allow | Decision::Ask) {
                specific.updated_input = outcome.updated_input.clone();
            }
        }
        (DecisionStyle::PermissionRequest, Some(decision)) => match decision {
            Decision::Allow => {
                specific.decision = Some(PermissionRequestDecision {
                    behavior: "allow",
                    updated_input: outcome.updated_input.clone(),
                    message: None,
                })
            }
            Decision::Deny | Decision::Block => {
                specific.decision = Some(PermissionRequestDecision {
                    behavior: "deny",
                    updated_input: None,
                    message: outcome.reason.clone(),
                })
            }
            // Asking or deferring means: let Claude Code show its own permission dialog.
            Decision::Ask | Decision::Defer => {}
        },
        (DecisionStyle::Retry, Some(decision)) => {
            if decision == Decision::Allow {
                specific.retry = Some(true);
            }
        }
        (DecisionStyle::TopLevelBlock, Some(decision)) => {
            if matches!(decision, Decision::Deny | Decision::Block) {
                wire.decision = Some("block");
                wire.reason = Some(
                    outcome
                        .reason
                        .clone()
                        .unwrap_or_else(|| "Blocked by a fasthooks plugin".into()),
                );
            }
        }
        (DecisionStyle::ExitCode, Some(decision)) => {
            if matches!(decision, Decision::Deny | Decision::Block) {
                exit_code = 2;
                stderr = outcome
                    .reason
                    .clone()
                    .unwrap_or_else(|| "Blocked by a fasthooks plugin".into());
            }
        }
    }

    if spec.takes_context {
        specific.additional_context = outcome.additional_context.clone();
    }
    wire.system_message = outcome.system_message.clone();
    if let Some(reason) = &outcome.stop_reason {
        wire.continue_ = Some(false);
        wire.stop_reason = Some(reason.clone());
    }
    let has_specific = specific.permission_decision.is_some()
        || specific.updated_input.is_some()
        || specific.decision.is_some()
        || specific.retry.is_some()
        || specific.additional_context.is_some();
    if has_specific {
        wire.hook_specific = Some(specific);
    }

    let empty = wire.continue_.is_none()
        && wire.decision.is_none()
        && wire.system_message.is_none()
        && wire.hook_specific.is_none();
    let stdout = if empty || exit_code == 2 {
        String::new()
    } else {
        serde_json::to_string(&wire).expect("wire output always serializes")
    };
    Rendered {
        stdout,
        stderr,
        exit_code,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_line_escapes_what_could_forge_or_hide_the_text_around_it() {
        let shown = one_line("guard\nok      fake\u{202E}txt.exe\u{200B}", 200);
        assert_eq!(shown, "guard\\nok      fake\\u{202e}txt.exe\\u{200b}");
        assert_eq!(one_line("plain-name 0.1.0", 200), "plain-name 0.1.0");
    }

    fn response(decision: Option<Decision>, reason: Option<&str>) -> Response {
        Response {
            decision,
            reason: reason.map(Into::into),
            ..Default::default()
        }
    }

    fn context(text: &str) -> Response {
        Response {
            additional_context: Some(text.into()),
            ..Default::default()
        }
    }

    #[test]
    fn pre_tool_use_deny_has_the_documented_shape() {
        let outcome = Response::merged([response(Some(Decision::Deny), Some("no"))]);
        let rendered = render("PreToolUse", &outcome);
        assert_eq!(
            rendered.stdout,
            r#"{"hookSpecificOutput":{"hookEventName":"PreToolUse","permissionDecision":"deny","permissionDecisionReason":"no"}}"#
        );
        assert_eq!(rendered.exit_code, 0);
    }

    #[test]
    fn nothing_to_say_prints_nothing() {
        let rendered = render("PreToolUse", &Response::merged([Response::default()]));
        assert_eq!(rendered, Rendered::silent());
    }

    #[test]
    fn deny_beats_ask_beats_allow_and_contexts_are_all_kept() {
        let outcome = Response::merged([
            response(Some(Decision::Allow), Some("fine")),
            context("first"),
            response(Some(Decision::Ask), Some("sure?")),
            response(Some(Decision::Deny), Some("no")),
            response(Some(Decision::Ask), Some("later ask")),
            context("second"),
        ]);
        assert_eq!(outcome.decision, Some(Decision::Deny));
        assert_eq!(outcome.reason.as_deref(), Some("no"));
        let rendered = render("PreToolUse", &outcome);
        assert_eq!(
            rendered.stdout,
            r#"{"hookSpecificOutput":{"hookEventName":"PreToolUse","permissionDecision":"deny","permissionDecisionReason":"no","additionalContext":"first\n\nsecond"}}"#
        );
    }

    #[test]
    fn first_denial_reason_wins_among_equals() {
        let outcome = Response::merged([
            response(Some(Decision::Deny), Some("first")),
            response(Some(Decision::Block), Some("second")),
        ]);
        assert_eq!(outcome.reason.as_deref(), Some("first"));
    }

    #[test]
    fn stop_block_is_top_level() {
        let outcome = Response::merged([response(Some(Decision::Block), Some("keep going"))]);
        assert_eq!(
            render("Stop", &outcome).stdout,
            r#"{"decision":"block","reason":"keep going"}"#
        );
        assert_eq!(
            render("SubagentStop", &outcome).stdout,
            r#"{"decision":"block","reason":"keep going"}"#
        );
    }

    #[test]
    fn context_goes_into_hook_specific_output() {
        let outcome = Response::merged([context("Previous analysis: ok")]);
        assert_eq!(
            render("UserPromptSubmit", &outcome).stdout,
            r#"{"hookSpecificOutput":{"hookEventName":"UserPromptSubmit","additionalContext":"Previous analysis: ok"}}"#
        );
        assert_eq!(
            render("SessionStart", &outcome).stdout,
            r#"{"hookSpecificOutput":{"hookEventName":"SessionStart","additionalContext":"Previous analysis: ok"}}"#
        );
        // Events without additionalContext support drop it rather than emit an ignored field.
        assert_eq!(render("PreCompact", &outcome).stdout, "");
    }

    #[test]
    fn permission_request_uses_decision_behavior() {
        let deny = Response::merged([response(Some(Decision::Deny), Some("CI only"))]);
        assert_eq!(
            render("PermissionRequest", &deny).stdout,
            r#"{"hookSpecificOutput":{"hookEventName":"PermissionRequest","decision":{"behavior":"deny","message":"CI only"}}}"#
        );
        let allow = Response::merged([Response {
            decision: Some(Decision::Allow),
            updated_input: Some(serde_json::json!({"command":"ls"})),
            ..Default::default()
        }]);
        assert_eq!(
            render("PermissionRequest", &allow).stdout,
            r#"{"hookSpecificOutput":{"hookEventName":"PermissionRequest","decision":{"behavior":"allow","updatedInput":{"command":"ls"}}}}"#
        );
    }

    #[test]
    fn universal_fields_and_updated_input() {
        let outcome = Response::merged([
            Response {
                decision: Some(Decision::Allow),
                reason: Some("rewritten".into()),
                updated_input: Some(serde_json::json!({"command":"ls -la"})),
                system_message: Some("note 1".into()),
                ..Default::default()
            },
            Response {
                system_message: Some("note 2".into()),
                stop_reason: Some("enough".into()),
                ..Default::default()
            },
        ]);
        assert_eq!(
            render("PreToolUse", &outcome).stdout,
            r#"{"continue":false,"stopReason":"enough","systemMessage":"note 1\nnote 2","hookSpecificOutput":{"hookEventName":"PreToolUse","permissionDecision":"allow","permissionDecisionReason":"rewritten","updatedInput":{"command":"ls -la"}}}"#
        );
    }

    #[test]
    fn teammate_idle_blocks_by_exit_code() {
        let outcome = Response::merged([response(Some(Decision::Block), Some("not done"))]);
        let rendered = render("TeammateIdle", &outcome);
        assert_eq!(
            (
                rendered.stdout.as_str(),
                rendered.stderr.as_str(),
                rendered.exit_code
            ),
            ("", "not done", 2)
        );
    }

    #[test]
    fn output_discarding_events_print_nothing() {
        let outcome = Response::merged([Response {
            system_message: Some("x".into()),
            ..Default::default()
        }]);
        assert_eq!(render("Notification", &outcome), Rendered::silent());
        assert_eq!(render("SessionEnd", &outcome), Rendered::silent());
    }
}
