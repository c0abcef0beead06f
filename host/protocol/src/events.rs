//! The one table of Claude Code hook events (protocol reference §2.3, §4): for each event, the
//! field a settings.json matcher is tested against, how it takes a decision, whether it takes
//! additional context, and whether Claude Code reads its output at all.
//!
//! Unknown event names are still accepted everywhere (new Claude Code releases add events): they
//! have no matcher support, no decision control and no context, so a plugin subscribed to one
//! runs and its answer is printed as universal fields only.

use serde_json::{Map, Value};
use std::borrow::Cow;

/// What a matcher is tested against on one event.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MatchSubject {
    /// No matcher support: every subscription to the event applies, whatever its matcher says
    /// (Claude Code silently ignores such matchers too).
    Unsupported,
    /// A string field of the event.
    Field(&'static str),
    /// The basename of `file_path` (FileChanged).
    FileBasename,
    /// `to_model` without a context-size suffix such as `[1m]` (model switches).
    ModelName,
}

/// How an event takes a decision (protocol reference §4.4).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DecisionStyle {
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

/// Which matcher texts are lists of exact names rather than regular expressions.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ExactNames {
    /// Letters, digits, `_`, `-`, space, `,` and `|`.
    General,
    /// Letters, digits, `_` and `|` only (FileChanged, StopFailure).
    Narrow,
}

/// Everything the host and the SDKs need to know about one event.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct EventSpec {
    pub name: &'static str,
    pub subject: MatchSubject,
    pub exact_names: ExactNames,
    pub decision: DecisionStyle,
    /// `hookSpecificOutput.additionalContext` reaches Claude.
    pub takes_context: bool,
    /// Claude Code discards the whole output (protocol reference §4.1): print nothing.
    pub output_discarded: bool,
}

const fn spec(
    name: &'static str,
    subject: MatchSubject,
    decision: DecisionStyle,
    takes_context: bool,
) -> EventSpec {
    EventSpec {
        name,
        subject,
        exact_names: ExactNames::General,
        decision,
        takes_context,
        output_discarded: false,
    }
}

const fn discarded(name: &'static str, subject: MatchSubject) -> EventSpec {
    EventSpec {
        output_discarded: true,
        ..spec(name, subject, DecisionStyle::None, false)
    }
}

use DecisionStyle as D;
use MatchSubject::{Field, FileBasename, ModelName, Unsupported};

/// Every event in the hooks protocol reference (Claude Code 2.1.x), in the reference's order.
pub const EVENTS: &[EventSpec] = &[
    spec("SessionStart", Field("source"), D::None, true),
    discarded("Setup", Field("trigger")),
    discarded("InstructionsLoaded", Field("load_reason")),
    spec("UserPromptSubmit", Unsupported, D::TopLevelBlock, true),
    spec(
        "UserPromptExpansion",
        Field("command_name"),
        D::TopLevelBlock,
        true,
    ),
    spec("PreToolUse", Field("tool_name"), D::Permission, true),
    spec(
        "PermissionRequest",
        Field("tool_name"),
        D::PermissionRequest,
        false,
    ),
    spec("PermissionDenied", Field("tool_name"), D::Retry, false),
    spec("PostToolUse", Field("tool_name"), D::TopLevelBlock, true),
    spec(
        "PostToolUseFailure",
        Field("tool_name"),
        D::TopLevelBlock,
        true,
    ),
    spec("PostToolBatch", Unsupported, D::TopLevelBlock, true),
    discarded("Notification", Field("notification_type")),
    spec("MessageDisplay", Unsupported, D::None, false),
    spec("SubagentStart", Field("agent_type"), D::None, true),
    spec("SubagentStop", Field("agent_type"), D::TopLevelBlock, true),
    spec("TaskCreated", Unsupported, D::TopLevelBlock, false),
    spec("TaskCompleted", Unsupported, D::ExitCode, false),
    spec("Stop", Unsupported, D::TopLevelBlock, true),
    EventSpec {
        exact_names: ExactNames::Narrow,
        ..discarded("StopFailure", Field("error"))
    },
    spec("TeammateIdle", Unsupported, D::ExitCode, false),
    spec("ConfigChange", Field("source"), D::TopLevelBlock, false),
    spec("CwdChanged", Unsupported, D::None, false),
    spec("DirectoryAdded", Field("source"), D::None, false),
    EventSpec {
        exact_names: ExactNames::Narrow,
        ..spec("FileChanged", FileBasename, D::None, false)
    },
    spec("WorktreeCreate", Unsupported, D::None, false),
    discarded("WorktreeRemove", Unsupported),
    spec("PreCompact", Field("trigger"), D::TopLevelBlock, false),
    spec("PostCompact", Field("trigger"), D::None, false),
    spec("PreModelSwitch", ModelName, D::Permission, false),
    spec("PostModelSwitch", ModelName, D::None, true),
    spec("Elicitation", Field("mcp_server_name"), D::None, false),
    spec(
        "ElicitationResult",
        Field("mcp_server_name"),
        D::None,
        false,
    ),
    discarded("SessionEnd", Field("reason")),
];

/// The events a plugin subscribed to every event (`*`) is installed for when the user does not
/// name them: the ones an ordinary session fires.
pub const CATCH_ALL_EVENTS: &[&str] = &[
    "SessionStart",
    "UserPromptSubmit",
    "PreToolUse",
    "PermissionRequest",
    "PostToolUse",
    "PostToolUseFailure",
    "Notification",
    "SubagentStop",
    "Stop",
    "PreCompact",
    "SessionEnd",
];

/// The spec of a known event; unknown events behave as described in the module docs.
pub fn event_spec(name: &str) -> Option<&'static EventSpec> {
    EVENTS.iter().find(|spec| spec.name == name)
}

/// The spec of `name`, or the neutral spec of an unknown event.
pub fn spec_or_unknown(name: &str) -> EventSpec {
    event_spec(name).copied().unwrap_or(EventSpec {
        name: "",
        ..spec("", Unsupported, D::None, false)
    })
}

/// Does Claude Code test a settings.json matcher on this event?
pub fn supports_matcher(name: &str) -> bool {
    spec_or_unknown(name).subject != Unsupported
}

/// Do permission events fail closed under `--fail-closed` (a failure becomes a deny)?
pub fn fails_closed(name: &str) -> bool {
    matches!(name, "PreToolUse" | "PermissionRequest")
}

/// Claude Code's built-in tools, as `tool_name` spells them (protocol reference §2.3 and the
/// captured events): what a tool event's exact-name matcher is checked against for case.
pub const KNOWN_TOOLS: &[&str] = &[
    "Agent",
    "Bash",
    "BashOutput",
    "Edit",
    "ExitPlanMode",
    "Glob",
    "Grep",
    "KillShell",
    "LS",
    "MultiEdit",
    "NotebookEdit",
    "Read",
    "Skill",
    "SlashCommand",
    "Task",
    "TaskCreate",
    "TaskGet",
    "TaskList",
    "TaskUpdate",
    "TodoWrite",
    "WebFetch",
    "WebSearch",
    "Write",
];

/// The known event closest to a misspelt `name` (`PreTooluse` → `PreToolUse`), if any is close.
pub fn suggest(name: &str) -> Option<&'static str> {
    let lower = name.to_ascii_lowercase();
    EVENTS
        .iter()
        .map(|spec| {
            (
                edit_distance(&lower, &spec.name.to_ascii_lowercase()),
                spec.name,
            )
        })
        .filter(|&(distance, _)| distance <= 2.max(name.len() / 4))
        .min_by_key(|&(distance, _)| distance)
        .map(|(_, name)| name)
}

fn edit_distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut row: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut diagonal = row[0];
        row[0] = i + 1;
        for (j, &cb) in b.iter().enumerate() {
            let substituted = diagonal + usize::from(ca != cb);
            diagonal = row[j + 1];
            row[j + 1] = substituted.min(row[j] + 1).min(diagonal + 1);
        }
    }
    row[b.len()]
}

/// The value a matcher is tested against for this event, taken from its JSON fields. `None`
/// when there is none to test (no matcher support, or the field is absent or empty): then
/// every subscription applies, as Claude Code runs every hook when it cannot derive a subject.
pub fn matcher_subject<'a>(name: &str, fields: &'a Map<String, Value>) -> Option<Cow<'a, str>> {
    let string = |key: &str| {
        fields
            .get(key)
            .and_then(Value::as_str)
            .filter(|s| !s.is_empty())
    };
    let subject = match spec_or_unknown(name).subject {
        Unsupported => return None,
        Field(key) => string(key)?,
        FileBasename => {
            let path = string("file_path")?;
            path.rsplit(['/', '\\']).next().unwrap_or(path)
        }
        ModelName => {
            let model = string("to_model")?;
            model.find('[').map_or(model, |at| &model[..at])
        }
    };
    Some(Cow::Borrowed(subject))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn subject(event: Value) -> Option<String> {
        let fields = event.as_object().unwrap();
        let name = fields["hook_event_name"].as_str().unwrap();
        matcher_subject(name, fields).map(Cow::into_owned)
    }

    #[test]
    fn every_event_is_listed_once() {
        for (i, spec) in EVENTS.iter().enumerate() {
            assert!(
                EVENTS[..i].iter().all(|other| other.name != spec.name),
                "{} twice",
                spec.name
            );
        }
        for name in CATCH_ALL_EVENTS {
            assert!(event_spec(name).is_some(), "{name}");
        }
    }

    #[test]
    fn matcher_subject_follows_the_event() {
        let s = |e| subject(e);
        assert_eq!(
            s(json!({"hook_event_name": "PreToolUse", "tool_name": "Bash"})).as_deref(),
            Some("Bash")
        );
        assert_eq!(
            s(json!({"hook_event_name": "SessionStart", "source": "resume"})).as_deref(),
            Some("resume")
        );
        assert_eq!(s(json!({"hook_event_name": "Stop", "source": "x"})), None);
        assert_eq!(
            s(json!({"hook_event_name": "FileChanged", "file_path": "/a/b/.envrc"})).as_deref(),
            Some(".envrc")
        );
        assert_eq!(
            s(json!({"hook_event_name": "PreModelSwitch", "to_model": "claude-opus-5[1m]"}))
                .as_deref(),
            Some("claude-opus-5")
        );
        assert_eq!(s(json!({"hook_event_name": "PreModelSwitch"})), None);
        assert_eq!(
            s(json!({"hook_event_name": "PreToolUse", "tool_name": ""})),
            None
        );
        assert_eq!(
            s(json!({"hook_event_name": "Invented", "tool_name": "Bash"})),
            None
        );
    }

    #[test]
    fn misspelt_events_get_a_suggestion() {
        assert_eq!(suggest("PreTooluse"), Some("PreToolUse"));
        assert_eq!(suggest("pretooluse"), Some("PreToolUse"));
        assert_eq!(suggest("UserPromptSubmitt"), Some("UserPromptSubmit"));
        assert_eq!(suggest("Stopp"), Some("Stop"));
        assert_eq!(suggest("CompletelyDifferent"), None);
    }
}
