//! Parsing the one JSON event Claude Code writes to a hook's stdin.

use crate::events::matcher_subject;
use serde_json::Value;
use std::fmt;

/// One hook event: the common fields pulled out, the rest kept as the original text so a plugin
/// sees exactly what Claude Code sent.
#[derive(Debug, Clone)]
pub struct HookEvent {
    pub name: String,
    pub session_id: String,
    pub cwd: String,
    pub transcript_path: Option<String>,
    pub permission_mode: Option<String>,
    pub tool_name: Option<String>,
    /// The value a settings.json matcher is tested against for this event, if the event has one.
    pub matcher_subject: Option<String>,
    pub raw_json: String,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum EventError {
    Empty,
    NotJson(String),
    NotAnObject,
    MissingEventName,
}

impl fmt::Display for EventError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            EventError::Empty => write!(
                f,
                "no event on stdin: Claude Code writes one JSON event to a hook's stdin (try: fasthooks-host --plugin P < event.json)"
            ),
            EventError::NotJson(err) => write!(f, "stdin is not a JSON event: {err}"),
            EventError::NotAnObject => write!(
                f,
                "stdin is JSON but not an object: expected one Claude Code hook event"
            ),
            EventError::MissingEventName => {
                write!(
                    f,
                    "the event on stdin has no \"hook_event_name\" string: is this a Claude Code hook event?"
                )
            }
        }
    }
}

impl std::error::Error for EventError {}

impl HookEvent {
    pub fn parse(input: &[u8]) -> Result<HookEvent, EventError> {
        let text = std::str::from_utf8(input)
            .map_err(|err| EventError::NotJson(format!("not UTF-8 ({err})")))?;
        let text = text.trim();
        if text.is_empty() {
            return Err(EventError::Empty);
        }
        let value: Value =
            serde_json::from_str(text).map_err(|err| EventError::NotJson(err.to_string()))?;
        let Value::Object(fields) = &value else {
            return Err(EventError::NotAnObject);
        };
        let string = |key: &str| fields.get(key).and_then(Value::as_str).map(str::to_owned);
        let name = string("hook_event_name").ok_or(EventError::MissingEventName)?;
        let matcher_subject = matcher_subject(&name, fields).map(|s| s.into_owned());
        Ok(HookEvent {
            session_id: string("session_id").unwrap_or_default(),
            cwd: string("cwd").unwrap_or_default(),
            transcript_path: string("transcript_path"),
            permission_mode: string("permission_mode"),
            tool_name: string("tool_name"),
            matcher_subject,
            raw_json: text.to_owned(),
            name,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_common_fields_and_keeps_raw_text() {
        let raw = br#"{"session_id":"s1","cwd":"/p","hook_event_name":"PreToolUse","tool_name":"Bash","tool_input":{"command":"ls"},"new_field":1}"#;
        let event = HookEvent::parse(raw).unwrap();
        assert_eq!(event.name, "PreToolUse");
        assert_eq!(event.session_id, "s1");
        assert_eq!(event.tool_name.as_deref(), Some("Bash"));
        assert_eq!(event.matcher_subject.as_deref(), Some("Bash"));
        assert!(event.raw_json.contains("new_field"));
    }

    #[test]
    fn bad_input_is_named() {
        assert_eq!(HookEvent::parse(b"").unwrap_err(), EventError::Empty);
        assert_eq!(HookEvent::parse(b" \n").unwrap_err(), EventError::Empty);
        assert!(matches!(
            HookEvent::parse(b"hello").unwrap_err(),
            EventError::NotJson(_)
        ));
        assert_eq!(
            HookEvent::parse(b"[1]").unwrap_err(),
            EventError::NotAnObject
        );
        assert_eq!(
            HookEvent::parse(br#"{"session_id":"x"}"#).unwrap_err(),
            EventError::MissingEventName
        );
        assert_eq!(
            HookEvent::parse(br#"{"hook_event_name":3}"#).unwrap_err(),
            EventError::MissingEventName
        );
    }
}
