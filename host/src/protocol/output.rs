//! From plugin responses to the exact stdout and exit code Claude Code expects for each event.
//!
//! Merging follows Claude Code's own rules for several hooks on one event: deny > defer > ask >
//! allow, every additional context kept (in plugin order), system messages joined. Where Claude
//! Code races (several `updatedInput`s: last finisher wins) this picks the last plugin in order,
//! so the result is deterministic.

use serde::Serialize;

/// A plugin's decision, host-side (mirrors the WIT `decision` enum).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PluginDecision {
    Allow,
    Deny,
    Ask,
    Block,
    Defer,
}

impl PluginDecision {
    /// Precedence when several plugins decide: the strongest objection wins.
    fn rank(self) -> u8 {
        match self {
            PluginDecision::Deny | PluginDecision::Block => 4,
            PluginDecision::Defer => 3,
            PluginDecision::Ask => 2,
            PluginDecision::Allow => 1,
        }
    }
}

/// One plugin's answer, host-side (mirrors the WIT `response` record).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PluginResponse {
    pub decision: Option<PluginDecision>,
    pub reason: Option<String>,
    pub additional_context: Option<String>,
    /// JSON object text.
    pub updated_input: Option<String>,
    pub system_message: Option<String>,
    pub stop_reason: Option<String>,
}

/// Every plugin's answer to one event, merged.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Outcome {
    pub decision: Option<PluginDecision>,
    pub reason: Option<String>,
    pub contexts: Vec<String>,
    pub updated_input: Option<serde_json::Value>,
    pub system_messages: Vec<String>,
    pub stop_reason: Option<String>,
}

impl Outcome {
    /// Fold one more plugin's response in (call in plugin order).
    pub fn add(&mut self, response: PluginResponse) {
        if let Some(decision) = response.decision {
            let stronger = self
                .decision
                .is_none_or(|current| decision.rank() > current.rank());
            if stronger {
                self.decision = Some(decision);
                self.reason = response.reason;
            }
        }
        self.contexts
            .extend(response.additional_context.filter(|c| !c.is_empty()));
        if let Some(input) = response.updated_input {
            // Already validated as a JSON object when the response crossed the WIT boundary.
            if let Ok(value) = serde_json::from_str(&input) {
                self.updated_input = Some(value);
            }
        }
        self.system_messages
            .extend(response.system_message.filter(|m| !m.is_empty()));
        if self.stop_reason.is_none() {
            self.stop_reason = response.stop_reason;
        }
    }

    pub fn merge(responses: impl IntoIterator<Item = PluginResponse>) -> Outcome {
        let mut outcome = Outcome::default();
        for response in responses {
            outcome.add(response);
        }
        outcome
    }

    fn context(&self) -> Option<String> {
        (!self.contexts.is_empty()).then(|| self.contexts.join("\n\n"))
    }
}

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
}

/// How an event takes a decision, per the protocol reference §4.4.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum DecisionStyle {
    /// `hookSpecificOutput.permissionDecision` (PreToolUse, PreModelSwitch).
    Permission,
    /// `hookSpecificOutput.decision.behavior` (PermissionRequest).
    PermissionRequest,
    /// `hookSpecificOutput.retry` (PermissionDenied): allow means "retry".
    Retry,
    /// Top-level `decision: "block"` + `reason`.
    TopLevelBlock,
    /// Only exit code 2 with the reason on stderr blocks (TeammateIdle, TaskCompleted).
    ExitCode,
    /// No decision control.
    None,
}

fn decision_style(event: &str) -> DecisionStyle {
    match event {
        "PreToolUse" | "PreModelSwitch" => DecisionStyle::Permission,
        "PermissionRequest" => DecisionStyle::PermissionRequest,
        "PermissionDenied" => DecisionStyle::Retry,
        "UserPromptSubmit"
        | "UserPromptExpansion"
        | "PostToolUse"
        | "PostToolUseFailure"
        | "PostToolBatch"
        | "Stop"
        | "SubagentStop"
        | "ConfigChange"
        | "PreCompact"
        | "TaskCreated" => DecisionStyle::TopLevelBlock,
        "TeammateIdle" | "TaskCompleted" => DecisionStyle::ExitCode,
        _ => DecisionStyle::None,
    }
}

/// Events whose `hookSpecificOutput.additionalContext` reaches Claude.
fn takes_additional_context(event: &str) -> bool {
    matches!(
        event,
        "PreToolUse"
            | "PostToolUse"
            | "PostToolUseFailure"
            | "PostToolBatch"
            | "UserPromptSubmit"
            | "UserPromptExpansion"
            | "SessionStart"
            | "SubagentStart"
            | "Stop"
            | "SubagentStop"
            | "PostModelSwitch"
    )
}

/// Events whose whole output Claude Code discards (protocol reference §4.1): print nothing.
fn discards_output(event: &str) -> bool {
    matches!(
        event,
        "Notification"
            | "Setup"
            | "InstructionsLoaded"
            | "StopFailure"
            | "SessionEnd"
            | "WorktreeRemove"
    )
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

/// Render the merged outcome in the wire format of `event`.
pub fn render(event: &str, outcome: &Outcome) -> Rendered {
    if discards_output(event) {
        return Rendered::silent();
    }
    let mut wire = WireOutput::default();
    let mut specific = HookSpecific::new(event);
    let mut exit_code = 0;
    let mut stderr = String::new();

    match (decision_style(event), outcome.decision) {
        // A rewritten input without a decision: the call goes through the normal permission
        // flow with the new input.
        (DecisionStyle::Permission, None) => specific.updated_input = outcome.updated_input.clone(),
        (_, None) | (DecisionStyle::None, _) => {}
        (DecisionStyle::Permission, Some(decision)) => {
            specific.permission_decision = Some(match decision {
                PluginDecision::Allow => "allow",
                PluginDecision::Deny | PluginDecision::Block => "deny",
                PluginDecision::Ask => "ask",
                PluginDecision::Defer => "defer",
            });
            specific.permission_decision_reason = outcome.reason.clone();
            if matches!(decision, PluginDecision::Allow | PluginDecision::Ask) {
                specific.updated_input = outcome.updated_input.clone();
            }
        }
        (DecisionStyle::PermissionRequest, Some(decision)) => match decision {
            PluginDecision::Allow => {
                specific.decision = Some(PermissionRequestDecision {
                    behavior: "allow",
                    updated_input: outcome.updated_input.clone(),
                    message: None,
                })
            }
            PluginDecision::Deny | PluginDecision::Block => {
                specific.decision = Some(PermissionRequestDecision {
                    behavior: "deny",
                    updated_input: None,
                    message: outcome.reason.clone(),
                })
            }
            // Asking or deferring means: let Claude Code show its own permission dialog.
            PluginDecision::Ask | PluginDecision::Defer => {}
        },
        (DecisionStyle::Retry, Some(decision)) => {
            if decision == PluginDecision::Allow {
                specific.retry = Some(true);
            }
        }
        (DecisionStyle::TopLevelBlock, Some(decision)) => {
            if matches!(decision, PluginDecision::Deny | PluginDecision::Block) {
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
            if matches!(decision, PluginDecision::Deny | PluginDecision::Block) {
                exit_code = 2;
                stderr = outcome
                    .reason
                    .clone()
                    .unwrap_or_else(|| "Blocked by a fasthooks plugin".into());
            }
        }
    }

    if takes_additional_context(event) {
        specific.additional_context = outcome.context();
    }
    if !outcome.system_messages.is_empty() {
        wire.system_message = Some(outcome.system_messages.join("\n"));
    }
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

    fn response(decision: Option<PluginDecision>, reason: Option<&str>) -> PluginResponse {
        PluginResponse {
            decision,
            reason: reason.map(Into::into),
            ..Default::default()
        }
    }

    fn context(text: &str) -> PluginResponse {
        PluginResponse {
            additional_context: Some(text.into()),
            ..Default::default()
        }
    }

    #[test]
    fn pre_tool_use_deny_has_the_documented_shape() {
        let outcome = Outcome::merge([response(Some(PluginDecision::Deny), Some("no"))]);
        let rendered = render("PreToolUse", &outcome);
        assert_eq!(
            rendered.stdout,
            r#"{"hookSpecificOutput":{"hookEventName":"PreToolUse","permissionDecision":"deny","permissionDecisionReason":"no"}}"#
        );
        assert_eq!(rendered.exit_code, 0);
    }

    #[test]
    fn nothing_to_say_prints_nothing() {
        let rendered = render("PreToolUse", &Outcome::merge([PluginResponse::default()]));
        assert_eq!(rendered, Rendered::silent());
    }

    #[test]
    fn deny_beats_ask_beats_allow_and_contexts_are_all_kept() {
        let outcome = Outcome::merge([
            response(Some(PluginDecision::Allow), Some("fine")),
            context("first"),
            response(Some(PluginDecision::Ask), Some("sure?")),
            response(Some(PluginDecision::Deny), Some("no")),
            response(Some(PluginDecision::Ask), Some("later ask")),
            context("second"),
        ]);
        assert_eq!(outcome.decision, Some(PluginDecision::Deny));
        assert_eq!(outcome.reason.as_deref(), Some("no"));
        let rendered = render("PreToolUse", &outcome);
        assert_eq!(
            rendered.stdout,
            r#"{"hookSpecificOutput":{"hookEventName":"PreToolUse","permissionDecision":"deny","permissionDecisionReason":"no","additionalContext":"first\n\nsecond"}}"#
        );
    }

    #[test]
    fn first_denial_reason_wins_among_equals() {
        let outcome = Outcome::merge([
            response(Some(PluginDecision::Deny), Some("first")),
            response(Some(PluginDecision::Block), Some("second")),
        ]);
        assert_eq!(outcome.reason.as_deref(), Some("first"));
    }

    #[test]
    fn stop_block_is_top_level() {
        let outcome = Outcome::merge([response(Some(PluginDecision::Block), Some("keep going"))]);
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
        let outcome = Outcome::merge([context("Previous analysis: ok")]);
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
        let deny = Outcome::merge([response(Some(PluginDecision::Deny), Some("CI only"))]);
        assert_eq!(
            render("PermissionRequest", &deny).stdout,
            r#"{"hookSpecificOutput":{"hookEventName":"PermissionRequest","decision":{"behavior":"deny","message":"CI only"}}}"#
        );
        let allow = Outcome::merge([PluginResponse {
            decision: Some(PluginDecision::Allow),
            updated_input: Some(r#"{"command":"ls"}"#.into()),
            ..Default::default()
        }]);
        assert_eq!(
            render("PermissionRequest", &allow).stdout,
            r#"{"hookSpecificOutput":{"hookEventName":"PermissionRequest","decision":{"behavior":"allow","updatedInput":{"command":"ls"}}}}"#
        );
    }

    #[test]
    fn universal_fields_and_updated_input() {
        let outcome = Outcome::merge([
            PluginResponse {
                decision: Some(PluginDecision::Allow),
                reason: Some("rewritten".into()),
                updated_input: Some(r#"{"command":"ls -la"}"#.into()),
                system_message: Some("note 1".into()),
                ..Default::default()
            },
            PluginResponse {
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
        let outcome = Outcome::merge([response(Some(PluginDecision::Block), Some("not done"))]);
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
        let outcome = Outcome::merge([PluginResponse {
            system_message: Some("x".into()),
            ..Default::default()
        }]);
        assert_eq!(render("Notification", &outcome), Rendered::silent());
        assert_eq!(render("SessionEnd", &outcome), Rendered::silent());
    }
}
