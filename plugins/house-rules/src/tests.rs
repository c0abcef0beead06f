use super::*;
use fasthooks_sdk::serde_json::{Value, json};
use fasthooks_sdk::{Decision, Response};

fn dispatch(event: Value) -> Response {
    build_app().dispatch_json(&event.to_string()).unwrap()
}

fn stop(last: &str, active: bool) -> Response {
    dispatch(json!({
        "session_id": "s", "cwd": "/p", "hook_event_name": "Stop",
        "stop_hook_active": active, "last_assistant_message": last,
    }))
}

fn permission(command: &str) -> Response {
    dispatch(json!({
        "session_id": "s", "cwd": "/p", "hook_event_name": "PermissionRequest",
        "tool_name": "Bash", "tool_input": {"command": command, "description": "x"},
    }))
}

#[test]
fn describe() {
    let info = build_app().describe();
    assert_eq!(info.name, "house-rules");
    let subs: Vec<(String, String)> = info
        .subscriptions
        .iter()
        .map(|s| (s.event.clone(), s.matcher.clone()))
        .collect();
    assert_eq!(
        subs,
        [
            ("SessionStart".into(), String::new()),
            ("UserPromptSubmit".into(), String::new()),
            ("Stop".into(), String::new()),
            ("PermissionRequest".into(), "Bash".into()),
        ]
    );
    assert!(info.capabilities.is_empty());
}

#[test]
fn context_at_session_start_and_with_each_prompt() {
    let r = dispatch(
        json!({"session_id": "s", "cwd": "/p", "hook_event_name": "SessionStart", "source": "startup"}),
    );
    assert_eq!(r.additional_context.as_deref(), Some(SESSION_RULES));
    assert_eq!(r.decision, None);
    let r = dispatch(
        json!({"session_id": "s", "cwd": "/p", "hook_event_name": "UserPromptSubmit", "prompt": "hi"}),
    );
    assert_eq!(r.additional_context.as_deref(), Some(PROMPT_RULES));
}

#[test]
fn stop_is_blocked_once() {
    let r = stop("done", false);
    assert_eq!(r.decision, Some(Decision::Block));
    assert_eq!(r.reason.as_deref(), Some(STOP_REASON));
    assert!(
        stop("done", true).is_none(),
        "stop_hook_active: let Claude stop"
    );
    assert!(stop("All tests pass.", false).is_none());
    let r = dispatch(json!({"session_id": "s", "cwd": "/p", "hook_event_name": "Stop"}));
    assert!(r.is_block(), "no message: still a reminder");
}

#[test]
fn npm_publish_is_denied() {
    for command in [
        "npm publish",
        "cd pkg && npm publish --access public",
        "/usr/bin/npm publish",
    ] {
        let r = permission(command);
        assert_eq!(r.decision, Some(Decision::Deny), "{command}");
        assert_eq!(r.reason.as_deref(), Some(PUBLISH_REASON));
    }
    assert!(permission("npm test").is_none());
    assert!(permission("echo npm; echo publish").is_none());
}

#[test]
fn read_only_commands_are_approved() {
    for command in ["ls", "ls -la src", "cat README.md"] {
        assert_eq!(
            permission(command).decision,
            Some(Decision::Allow),
            "{command}"
        );
    }
    for command in [
        "cat a > b",
        "ls | sh",
        "cat $(x)",
        "ls; rm -rf build",
        "rm x",
        "lsof",
    ] {
        assert!(permission(command).is_none(), "{command}");
    }
}
