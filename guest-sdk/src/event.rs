//! The typed hook event.
//!
//! Claude Code sends one JSON object per hook call. [`Event`] keeps that object whole in
//! [`Event::raw`] and extracts the fields plugins usually need. Extraction is lenient: a field
//! that is absent, `null` or of an unexpected type is simply `None`, and unknown fields are
//! ignored, so newer Claude Code versions never break an older plugin. Only `hook_event_name`
//! is required.

use std::borrow::Cow;
use std::fmt;

use serde::{Deserialize, Deserializer, Serialize, Serializer};
use serde_json::{Map, Value};

use crate::tools::ToolInput;

/// One Claude Code hook event.
///
/// Build it with [`Event::from_json`] or [`Event::from_value`] (or through serde).
/// Inside a plugin the router builds it for you from the host's event.
#[derive(Debug, Clone, PartialEq)]
pub struct Event {
    /// `hook_event_name`, e.g. `"PreToolUse"`. See [`Event::kind`] for the typed form.
    pub hook_event_name: String,
    /// `session_id`; empty if absent.
    pub session_id: String,
    /// `cwd`: the session's current directory; empty if absent.
    pub cwd: String,
    /// `transcript_path`: the session's JSONL transcript.
    pub transcript_path: Option<String>,
    /// `permission_mode`: `default`, `plan`, `acceptEdits`, `auto`, `dontAsk`, `bypassPermissions`.
    pub permission_mode: Option<String>,
    /// `prompt_id`: the UUID of the current user prompt.
    pub prompt_id: Option<String>,
    /// `agent_id`: set when the event fires inside a subagent.
    pub agent_id: Option<String>,
    /// `agent_type`: the subagent type (or the `--agent` of the main thread).
    pub agent_type: Option<String>,
    /// `effort.level`: `low`, `medium`, `high`, `xhigh` or `max`.
    pub effort: Option<String>,
    /// `model` (SessionStart only).
    pub model: Option<String>,

    /// `tool_name` on tool events (PreToolUse, PostToolUse, PostToolUseFailure,
    /// PermissionRequest, PermissionDenied).
    pub tool_name: Option<String>,
    /// `tool_input`: the tool's arguments as sent. See [`Event::tool`] for the typed form.
    pub tool_input: Option<Value>,
    /// `tool_response` (PostToolUse): the tool's structured output.
    pub tool_response: Option<Value>,
    /// `tool_use_id`.
    pub tool_use_id: Option<String>,
    /// The typed tool input, parsed from `tool_name` and `tool_input`.
    pub tool: Option<ToolInput>,
    /// `tool_calls` (PostToolBatch): every call of the batch.
    pub tool_calls: Vec<ToolCall>,
    /// `duration_ms` (PostToolUse, PostToolUseFailure).
    pub duration_ms: Option<u64>,
    /// `error` (PostToolUseFailure: the failure text; StopFailure: the error kind).
    pub error: Option<String>,
    /// `error_details` (StopFailure).
    pub error_details: Option<String>,
    /// `is_interrupt` (PostToolUseFailure).
    pub is_interrupt: Option<bool>,

    /// `prompt` (UserPromptSubmit, UserPromptExpansion).
    pub prompt: Option<String>,
    /// `source` (SessionStart: `startup`, `resume`, `clear`, `compact`, `fork`; also
    /// ConfigChange, DirectoryAdded, model switches).
    pub source: Option<String>,
    /// `reason` (SessionEnd: `clear`, `resume`, `logout`, `prompt_input_exit`, `other`;
    /// PermissionDenied: the classifier's reason).
    pub reason: Option<String>,
    /// `stop_hook_active` (Stop, SubagentStop): true when Claude is already continuing because of
    /// a stop hook. Honour it to avoid loops.
    pub stop_hook_active: Option<bool>,
    /// `last_assistant_message` (Stop, SubagentStop, StopFailure).
    pub last_assistant_message: Option<String>,
    /// `agent_transcript_path` (SubagentStop).
    pub agent_transcript_path: Option<String>,
    /// `notification_type` (Notification), e.g. `permission_prompt`, `idle_prompt`.
    pub notification_type: Option<String>,
    /// `message` (Notification, Elicitation).
    pub message: Option<String>,
    /// `title` (Notification).
    pub title: Option<String>,
    /// `trigger` (PreCompact, PostCompact: `manual` or `auto`; Setup: `init` or `maintenance`).
    pub trigger: Option<String>,
    /// `custom_instructions` (PreCompact): the text given to `/compact`.
    pub custom_instructions: Option<String>,

    /// The whole event exactly as Claude Code sent it.
    pub raw: Value,
}

/// One call of a PostToolBatch event's `tool_calls`.
#[derive(Debug, Clone, PartialEq)]
pub struct ToolCall {
    /// `tool_name`.
    pub tool_name: String,
    /// `tool_input` as sent.
    pub tool_input: Value,
    /// `tool_use_id`.
    pub tool_use_id: Option<String>,
    /// `tool_response`: the serialized tool result (not the PostToolUse shape).
    pub tool_response: Option<Value>,
    /// The typed tool input.
    pub tool: ToolInput,
}

fn str_field(map: &Map<String, Value>, key: &str) -> Option<String> {
    map.get(key).and_then(Value::as_str).map(str::to_owned)
}

fn bool_field(map: &Map<String, Value>, key: &str) -> Option<bool> {
    map.get(key).and_then(Value::as_bool)
}

fn u64_field(map: &Map<String, Value>, key: &str) -> Option<u64> {
    map.get(key).and_then(Value::as_u64)
}

impl Event {
    /// Parses an event from its JSON text.
    pub fn from_json(text: &str) -> Result<Event, String> {
        let raw: Value =
            serde_json::from_str(text).map_err(|e| format!("invalid event JSON: {e}"))?;
        Event::from_value(raw)
    }

    /// Builds an event from an already parsed JSON value (which must be an object with a
    /// string `hook_event_name`).
    pub fn from_value(raw: Value) -> Result<Event, String> {
        let Some(map) = raw.as_object() else {
            return Err("invalid event: expected a JSON object".to_owned());
        };
        let hook_event_name = match map.get("hook_event_name") {
            Some(Value::String(name)) if !name.is_empty() => name.clone(),
            _ => return Err("invalid event: missing string field `hook_event_name`".to_owned()),
        };
        let tool_name = str_field(map, "tool_name");
        let tool_input = map.get("tool_input").filter(|v| !v.is_null()).cloned();
        let tool = tool_name
            .as_deref()
            .map(|name| ToolInput::parse(name, tool_input.as_ref().unwrap_or(&Value::Null)));
        let tool_calls = map
            .get("tool_calls")
            .and_then(Value::as_array)
            .map(|calls| calls.iter().filter_map(ToolCall::from_value).collect())
            .unwrap_or_default();
        Ok(Event {
            hook_event_name,
            session_id: str_field(map, "session_id").unwrap_or_default(),
            cwd: str_field(map, "cwd").unwrap_or_default(),
            transcript_path: str_field(map, "transcript_path"),
            permission_mode: str_field(map, "permission_mode"),
            prompt_id: str_field(map, "prompt_id"),
            agent_id: str_field(map, "agent_id"),
            agent_type: str_field(map, "agent_type"),
            effort: map
                .get("effort")
                .and_then(|e| e.get("level"))
                .and_then(Value::as_str)
                .map(str::to_owned),
            model: str_field(map, "model"),
            tool_name,
            tool_input,
            tool_response: map.get("tool_response").filter(|v| !v.is_null()).cloned(),
            tool_use_id: str_field(map, "tool_use_id"),
            tool,
            tool_calls,
            duration_ms: u64_field(map, "duration_ms"),
            error: str_field(map, "error"),
            error_details: str_field(map, "error_details"),
            is_interrupt: bool_field(map, "is_interrupt"),
            prompt: str_field(map, "prompt"),
            source: str_field(map, "source"),
            reason: str_field(map, "reason"),
            stop_hook_active: bool_field(map, "stop_hook_active"),
            last_assistant_message: str_field(map, "last_assistant_message"),
            agent_transcript_path: str_field(map, "agent_transcript_path"),
            notification_type: str_field(map, "notification_type"),
            message: str_field(map, "message"),
            title: str_field(map, "title"),
            trigger: str_field(map, "trigger"),
            custom_instructions: str_field(map, "custom_instructions"),
            raw,
        })
    }

    /// The typed event name.
    pub fn kind(&self) -> EventKind {
        EventKind::from_name(&self.hook_event_name)
    }

    /// Any top-level field of the raw event, including ones this SDK has no field for.
    pub fn get(&self, key: &str) -> Option<&Value> {
        self.raw.get(key)
    }

    /// A top-level string field of the raw event.
    pub fn get_str(&self, key: &str) -> Option<&str> {
        self.raw.get(key).and_then(Value::as_str)
    }

    /// The Bash (or PowerShell) command of a tool event.
    pub fn command(&self) -> Option<&str> {
        match self.tool.as_ref()? {
            ToolInput::Bash(input) | ToolInput::PowerShell(input) => Some(&input.command),
            _ => None,
        }
    }

    /// The file a tool event works on (Write, Edit, MultiEdit, Read, NotebookEdit), or the
    /// top-level `file_path` of events that have one (FileChanged, InstructionsLoaded,
    /// ConfigChange).
    pub fn file_path(&self) -> Option<&str> {
        match &self.tool {
            Some(tool) => tool.file_path(),
            None => self.get_str("file_path"),
        }
    }

    /// The content a Write tool call is about to write.
    pub fn content(&self) -> Option<&str> {
        match self.tool.as_ref()? {
            ToolInput::Write(input) => Some(&input.content),
            _ => None,
        }
    }

    /// The URL of a WebFetch tool call.
    pub fn url(&self) -> Option<&str> {
        match self.tool.as_ref()? {
            ToolInput::WebFetch(input) => Some(&input.url),
            _ => None,
        }
    }

    /// The query of a WebSearch tool call.
    pub fn query(&self) -> Option<&str> {
        match self.tool.as_ref()? {
            ToolInput::WebSearch(input) => Some(&input.query),
            _ => None,
        }
    }

    /// The pattern of a Grep or Glob tool call.
    pub fn pattern(&self) -> Option<&str> {
        match self.tool.as_ref()? {
            ToolInput::Grep(input) => Some(&input.pattern),
            ToolInput::Glob(input) => Some(&input.pattern),
            _ => None,
        }
    }

    /// True for calls of MCP tools (`mcp__<server>__<tool>`).
    pub fn is_mcp(&self) -> bool {
        matches!(self.tool, Some(ToolInput::Mcp { .. }))
    }

    /// What a Claude Code matcher is tested against for this event: the tool name on tool
    /// events, `source` on SessionStart, `trigger` on PreCompact, and so on (the one table in
    /// `fasthooks_protocol::events`). `None` on events without matcher support, or when the
    /// field is absent: then every matcher applies, as in Claude Code and the host.
    pub fn matcher_subject(&self) -> Option<Cow<'_, str>> {
        let fields = self.raw.as_object()?;
        fasthooks_protocol::events::matcher_subject(&self.hook_event_name, fields)
    }
}

impl ToolCall {
    fn from_value(value: &Value) -> Option<ToolCall> {
        let map = value.as_object()?;
        let tool_name = str_field(map, "tool_name")?;
        let tool_input = map.get("tool_input").cloned().unwrap_or(Value::Null);
        let tool = ToolInput::parse(&tool_name, &tool_input);
        Some(ToolCall {
            tool_name,
            tool_input,
            tool_use_id: str_field(map, "tool_use_id"),
            tool_response: map.get("tool_response").filter(|v| !v.is_null()).cloned(),
            tool,
        })
    }
}

impl<'de> Deserialize<'de> for Event {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let raw = Value::deserialize(deserializer)?;
        Event::from_value(raw).map_err(serde::de::Error::custom)
    }
}

/// Serializes the raw event, exactly as it was received.
impl Serialize for Event {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        self.raw.serialize(serializer)
    }
}

macro_rules! event_kinds {
    ($($(#[$doc:meta])* $variant:ident,)*) => {
        /// The Claude Code hook events this SDK knows by name. Names it does not know (from newer
        /// Claude Code versions) are kept as [`EventKind::Other`].
        #[derive(Debug, Clone, PartialEq, Eq, Hash)]
        pub enum EventKind {
            $($(#[$doc])* $variant,)*
            /// An event name this SDK version does not know.
            Other(String),
        }

        impl EventKind {
            /// Every event this SDK knows by name.
            pub const KNOWN: &'static [&'static str] = &[$(stringify!($variant),)*];

            /// The typed kind for a `hook_event_name`.
            pub fn from_name(name: &str) -> EventKind {
                match name {
                    $(stringify!($variant) => EventKind::$variant,)*
                    other => EventKind::Other(other.to_owned()),
                }
            }

            /// The `hook_event_name`.
            pub fn as_str(&self) -> &str {
                match self {
                    $(EventKind::$variant => stringify!($variant),)*
                    EventKind::Other(name) => name,
                }
            }
        }
    };
}

event_kinds! {
    /// A session starts or resumes.
    SessionStart,
    /// `--init` / `--maintenance` runs.
    Setup,
    /// A CLAUDE.md or rules file was loaded.
    InstructionsLoaded,
    /// The user submitted a prompt.
    UserPromptSubmit,
    /// A slash command or MCP prompt expands.
    UserPromptExpansion,
    /// Before a tool call runs.
    PreToolUse,
    /// A permission prompt is about to be shown.
    PermissionRequest,
    /// The auto-mode classifier denied a tool call.
    PermissionDenied,
    /// After a successful tool call.
    PostToolUse,
    /// After a failed tool call.
    PostToolUseFailure,
    /// After a batch of tool calls, before the next model request.
    PostToolBatch,
    /// Claude Code shows a notification.
    Notification,
    /// Assistant text is displayed.
    MessageDisplay,
    /// A subagent starts.
    SubagentStart,
    /// A subagent finished.
    SubagentStop,
    /// A task-list task was created.
    TaskCreated,
    /// A task-list task was completed.
    TaskCompleted,
    /// The main agent finished responding.
    Stop,
    /// The turn ended with an API error.
    StopFailure,
    /// An agent-team teammate is about to idle.
    TeammateIdle,
    /// A settings file changed on disk.
    ConfigChange,
    /// The shell changed directory.
    CwdChanged,
    /// A directory was added to the session.
    DirectoryAdded,
    /// A watched file changed.
    FileChanged,
    /// A worktree is to be created.
    WorktreeCreate,
    /// A hook-created worktree is to be removed.
    WorktreeRemove,
    /// Before compaction.
    PreCompact,
    /// After compaction.
    PostCompact,
    /// Before a requested model switch.
    PreModelSwitch,
    /// After a model change.
    PostModelSwitch,
    /// An MCP server asks for user input.
    Elicitation,
    /// The user answered an elicitation.
    ElicitationResult,
    /// The session ends.
    SessionEnd,
}

impl EventKind {
    /// True for the events that carry `tool_name` and `tool_input`.
    pub fn is_tool_event(&self) -> bool {
        matches!(
            self,
            EventKind::PreToolUse
                | EventKind::PostToolUse
                | EventKind::PostToolUseFailure
                | EventKind::PermissionRequest
                | EventKind::PermissionDenied
        )
    }
}

impl fmt::Display for EventKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl From<&str> for EventKind {
    fn from(name: &str) -> EventKind {
        EventKind::from_name(name)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::tools::ToolInput;

    /// The sample events recorded from Claude Code, shipped with the project.
    fn sample(path: &str) -> Option<String> {
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../shared/events");
        std::fs::read_to_string(dir.join(path)).ok()
    }

    /// Real samples when the shared folder is present, else the same events inline.
    fn sample_or(path: &str, inline: &str) -> Event {
        let text = sample(path).unwrap_or_else(|| inline.to_owned());
        Event::from_json(&text).unwrap_or_else(|e| panic!("{path}: {e}"))
    }

    #[test]
    fn pre_tool_use_bash_sample() {
        let event = sample_or(
            "PreToolUse.json",
            r#"{"session_id":"e35367d5-bb56-465e-b247-05380e763f11","transcript_path":"/t.jsonl","cwd":"/home/dev/project","prompt_id":"f9d0298b-c4d0-4acd-bd0b-c578c989e5d7","permission_mode":"default","effort":{"level":"high"},"hook_event_name":"PreToolUse","tool_name":"Bash","tool_input":{"command":"echo hello-from-fake","description":"test"},"tool_use_id":"toolu_fake_0001"}"#,
        );
        assert_eq!(event.kind(), EventKind::PreToolUse);
        assert_eq!(event.session_id, "e35367d5-bb56-465e-b247-05380e763f11");
        assert_eq!(event.cwd, "/home/dev/project");
        assert_eq!(event.permission_mode.as_deref(), Some("default"));
        assert_eq!(event.effort.as_deref(), Some("high"));
        assert_eq!(event.tool_name.as_deref(), Some("Bash"));
        assert_eq!(event.tool_use_id.as_deref(), Some("toolu_fake_0001"));
        assert_eq!(event.command(), Some("echo hello-from-fake"));
        match event.tool.as_ref().unwrap() {
            ToolInput::Bash(bash) => {
                assert_eq!(bash.description.as_deref(), Some("test"));
                assert_eq!(bash.timeout, None);
                assert_eq!(bash.run_in_background, None);
            }
            other => panic!("expected Bash, got {other:?}"),
        }
        assert_eq!(event.matcher_subject().as_deref(), Some("Bash"));
    }

    #[test]
    fn all_shipped_samples_parse() {
        let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../shared/events");
        let mut dirs = vec![root];
        let mut parsed = 0;
        while let Some(dir) = dirs.pop() {
            let Ok(entries) = std::fs::read_dir(&dir) else {
                continue;
            };
            for entry in entries.flatten() {
                let path = entry.path();
                if path.is_dir() {
                    dirs.push(path);
                } else if path.extension().is_some_and(|e| e == "json") {
                    let text = std::fs::read_to_string(&path).unwrap();
                    let event = Event::from_json(&text)
                        .unwrap_or_else(|e| panic!("{}: {e}", path.display()));
                    let stem = path.file_stem().unwrap().to_str().unwrap();
                    let expected = stem.split('.').next().unwrap();
                    assert_eq!(event.hook_event_name, expected, "{}", path.display());
                    assert!(!matches!(event.kind(), EventKind::Other(_)));
                    assert!(!event.session_id.is_empty());
                    parsed += 1;
                }
            }
        }
        // Nothing to check when the samples are not next to the workspace.
        if parsed > 0 {
            assert!(parsed >= 10, "only {parsed} samples found");
        }
    }

    #[test]
    fn post_tool_use_sample() {
        let event = sample_or(
            "PostToolUse.json",
            r#"{"session_id":"s","cwd":"/p","hook_event_name":"PostToolUse","tool_name":"Bash","tool_input":{"command":"echo hello-from-fake","description":"test"},"tool_response":{"stdout":"hello-from-fake","stderr":"","interrupted":false,"isImage":false,"noOutputExpected":false},"tool_use_id":"toolu_fake_0001","duration_ms":30}"#,
        );
        assert_eq!(event.kind(), EventKind::PostToolUse);
        let response = event.tool_response.as_ref().unwrap();
        assert_eq!(response["stdout"], "hello-from-fake");
        assert!(event.duration_ms.is_some());
        assert_eq!(event.command(), Some("echo hello-from-fake"));
    }

    #[test]
    fn stop_prompt_session_samples() {
        let stop = sample_or(
            "Stop.json",
            r#"{"session_id":"s","cwd":"/p","hook_event_name":"Stop","stop_hook_active":false,"last_assistant_message":"done","background_tasks":[],"session_crons":[]}"#,
        );
        assert_eq!(stop.kind(), EventKind::Stop);
        assert_eq!(stop.stop_hook_active, Some(false));
        assert_eq!(stop.last_assistant_message.as_deref(), Some("done"));
        assert_eq!(stop.get("background_tasks"), Some(&Value::Array(vec![])));
        assert_eq!(stop.matcher_subject(), None);

        let prompt = sample_or(
            "UserPromptSubmit.json",
            r#"{"session_id":"s","cwd":"/p","hook_event_name":"UserPromptSubmit","prompt":"run the echo"}"#,
        );
        assert_eq!(prompt.prompt.as_deref(), Some("run the echo"));
        assert!(prompt.tool.is_none());

        let start = sample_or(
            "SessionStart.json",
            r#"{"session_id":"s","cwd":"/p","hook_event_name":"SessionStart","source":"startup"}"#,
        );
        assert_eq!(start.source.as_deref(), Some("startup"));
        assert_eq!(start.permission_mode, None);
        assert_eq!(start.matcher_subject().as_deref(), Some("startup"));

        let end = sample_or(
            "SessionEnd.json",
            r#"{"session_id":"s","cwd":"/p","hook_event_name":"SessionEnd","reason":"other"}"#,
        );
        assert_eq!(end.reason.as_deref(), Some("other"));
    }

    #[test]
    fn notification_and_permission_request_samples() {
        let note = sample_or(
            "extra/Notification.interactive.json",
            r#"{"session_id":"s","cwd":"/p","hook_event_name":"Notification","message":"Claude needs your permission","notification_type":"permission_prompt"}"#,
        );
        assert_eq!(note.notification_type.as_deref(), Some("permission_prompt"));
        assert_eq!(
            note.message.as_deref(),
            Some("Claude needs your permission")
        );

        let perm = sample_or(
            "extra/PermissionRequest.interactive.json",
            r#"{"session_id":"s","cwd":"/p","hook_event_name":"PermissionRequest","tool_name":"Bash","tool_input":{"command":"touch perm-test-file && echo hi","description":"test"},"permission_suggestions":[]}"#,
        );
        assert_eq!(perm.kind(), EventKind::PermissionRequest);
        assert_eq!(perm.command(), Some("touch perm-test-file && echo hi"));
        assert!(perm.get("permission_suggestions").unwrap().is_array());
    }

    #[test]
    fn post_tool_batch_sample() {
        let batch = sample_or(
            "extra/PostToolBatch.json",
            r#"{"session_id":"s","cwd":"/p","hook_event_name":"PostToolBatch","tool_calls":[{"tool_name":"Bash","tool_input":{"command":"echo hello-from-fake","description":"test"},"tool_use_id":"toolu_fake_0001","tool_response":"hello-from-fake"}]}"#,
        );
        assert_eq!(batch.tool_calls.len(), 1);
        let call = &batch.tool_calls[0];
        assert_eq!(call.tool_name, "Bash");
        assert_eq!(call.tool_response, Some(Value::from("hello-from-fake")));
        assert!(matches!(&call.tool, ToolInput::Bash(b) if b.command == "echo hello-from-fake"));
    }

    #[test]
    fn lenient_fields_and_unknown_keys() {
        let event = Event::from_json(
            r#"{"hook_event_name":"Stop","session_id":null,"cwd":7,"stop_hook_active":"yes",
                "brand_new_field":{"x":[1,2,3]},"effort":"high"}"#,
        )
        .unwrap();
        assert_eq!(event.session_id, "");
        assert_eq!(event.cwd, "");
        assert_eq!(event.stop_hook_active, None);
        assert_eq!(event.effort, None);
        assert_eq!(event.get("brand_new_field").unwrap()["x"][2], 3);
    }

    #[test]
    fn name_is_required() {
        assert!(Event::from_json(r#"{"session_id":"s"}"#).is_err());
        assert!(Event::from_json(r#"{"hook_event_name":""}"#).is_err());
        assert!(Event::from_json(r#"[1]"#).is_err());
        assert!(Event::from_json("not json").is_err());
    }

    #[test]
    fn unknown_event_names_are_kept() {
        let event =
            Event::from_json(r#"{"hook_event_name":"FutureEvent","session_id":"s"}"#).unwrap();
        assert_eq!(event.kind(), EventKind::Other("FutureEvent".into()));
        assert_eq!(event.kind().as_str(), "FutureEvent");
        assert_eq!(EventKind::from_name("PreCompact"), EventKind::PreCompact);
        assert_eq!(EventKind::KNOWN.len(), 33);
    }

    #[test]
    fn serde_round_trip_keeps_raw() {
        let text = r#"{"hook_event_name":"PreCompact","session_id":"s","trigger":"manual","custom_instructions":"keep the API notes","extra":1}"#;
        let event: Event = serde_json::from_str(text).unwrap();
        assert_eq!(event.trigger.as_deref(), Some("manual"));
        assert_eq!(
            event.custom_instructions.as_deref(),
            Some("keep the API notes")
        );
        let back = serde_json::to_value(&event).unwrap();
        assert_eq!(back, serde_json::from_str::<Value>(text).unwrap());
    }

    #[test]
    fn matcher_subjects() {
        let file = Event::from_json(
            r#"{"hook_event_name":"FileChanged","file_path":"/home/dev/app/.envrc","event":"change"}"#,
        )
        .unwrap();
        assert_eq!(file.matcher_subject().as_deref(), Some(".envrc"));
        assert_eq!(file.file_path(), Some("/home/dev/app/.envrc"));

        let switch = Event::from_json(
            r#"{"hook_event_name":"PreModelSwitch","to_model":"claude-opus-5[1m]"}"#,
        )
        .unwrap();
        assert_eq!(switch.matcher_subject().as_deref(), Some("claude-opus-5"));

        let no_tool = Event::from_json(r#"{"hook_event_name":"PreToolUse"}"#).unwrap();
        assert_eq!(no_tool.matcher_subject(), None);
    }
}
