//! A test plugin: subscribed to every event, it answers with the response that the event's own
//! `echo_response` field describes (`decision`, `reason`, `context`, `system_message`,
//! `stop_reason`, `updated_input`), so an end-to-end test can drive the host's rendering of any
//! event. `append_to_command: TEXT` answers with the event's own `tool_input.command` plus TEXT
//! (a plugin that rewrites every input it sees, even its own rewrite).
//!
//! It also subscribes to PreToolUse with `^([a-z_]+)+\d`, a pattern a backtracking engine
//! needs exponential time for, so the tests can check that matching stays linear.

use fasthooks_sdk::serde_json::Value;
use fasthooks_sdk::{App, Decision, Event, Response, Tasks};

/// Exponential for a backtracker on a long subject with no digit.
pub const PATHOLOGICAL: &str = r"^([a-z_]+)+\d";

pub fn build_app() -> App {
    let mut app = App::new("echo", env!("CARGO_PKG_VERSION"));
    app.on("*", "", answer);
    app.on("PreToolUse", PATHOLOGICAL, |_, _| Response::none());
    app
}

fn answer(event: &Event, _tasks: &Tasks) -> Response {
    let Some(asked) = event.get("echo_response") else {
        return Response::none();
    };
    let text = |key: &str| asked.get(key).and_then(Value::as_str).map(str::to_owned);
    let decision = text("decision").and_then(|d| match d.as_str() {
        "allow" => Some(Decision::Allow),
        "deny" => Some(Decision::Deny),
        "ask" => Some(Decision::Ask),
        "block" => Some(Decision::Block),
        "defer" => Some(Decision::Defer),
        _ => None,
    });
    let appended = text("append_to_command").map(|suffix| {
        let mut input = event.get("tool_input").cloned().unwrap_or(Value::Null);
        let command = input["command"].as_str().unwrap_or_default().to_owned();
        input["command"] = Value::String(command + &suffix);
        input
    });
    Response {
        decision,
        reason: text("reason"),
        additional_context: text("context"),
        updated_input: asked.get("updated_input").cloned().or(appended),
        system_message: text("system_message"),
        stop_reason: text("stop_reason"),
    }
}

fasthooks_sdk::plugin!(build_app);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn answers_what_the_event_asks_for() {
        let app = build_app();
        let response = app
            .dispatch_json(
                r#"{"hook_event_name":"Stop","session_id":"s","echo_response":{"decision":"block","reason":"again"}}"#,
            )
            .unwrap();
        assert!(response.is_block());
        assert_eq!(response.reason.as_deref(), Some("again"));
        assert!(
            app.dispatch_json(r#"{"hook_event_name":"Stop"}"#)
                .unwrap()
                .is_none()
        );
    }
}
