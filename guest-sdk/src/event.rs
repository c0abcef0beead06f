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
#[path = "event_tests.rs"]
mod tests;
