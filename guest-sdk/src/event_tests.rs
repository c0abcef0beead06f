//! Typed events: fields, tool calls, matcher subjects, every captured sample.

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
                let event =
                    Event::from_json(&text).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
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
    let event = Event::from_json(r#"{"hook_event_name":"FutureEvent","session_id":"s"}"#).unwrap();
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

    let switch =
        Event::from_json(r#"{"hook_event_name":"PreModelSwitch","to_model":"claude-opus-5[1m]"}"#)
            .unwrap();
    assert_eq!(switch.matcher_subject().as_deref(), Some("claude-opus-5"));

    let no_tool = Event::from_json(r#"{"hook_event_name":"PreToolUse"}"#).unwrap();
    assert_eq!(no_tool.matcher_subject(), None);
}

#[test]
fn the_typed_kinds_are_exactly_the_protocol_event_table() {
    let table: Vec<&str> = fasthooks_protocol::EVENTS.iter().map(|e| e.name).collect();
    assert_eq!(EventKind::KNOWN, table.as_slice());
}
