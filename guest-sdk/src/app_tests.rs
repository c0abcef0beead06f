//! The router: registration, matching, dispatch order and merge rules.

use super::*;
use crate::response::{Decision, allow, ask, block, context, defer, deny};
use serde_json::json;
use std::cell::RefCell;

fn pre_tool(tool: &str, input: serde_json::Value) -> Event {
    Event::from_value(json!({
        "hook_event_name": "PreToolUse",
        "session_id": "sess",
        "cwd": "/p",
        "tool_name": tool,
        "tool_input": input,
    }))
    .unwrap()
}

fn bash(command: &str) -> Event {
    pre_tool("Bash", json!({"command": command}))
}

#[test]
fn handlers_run_in_registration_order_and_merge() {
    let log = Rc::new(RefCell::new(Vec::new()));
    let mut app = App::new("t", "1");
    for (i, matcher) in ["Bash", "*", "Edit|Write", "", "^Ba"]
        .into_iter()
        .enumerate()
    {
        let log = Rc::clone(&log);
        app.pre_tool(matcher, move |_, _| {
            log.borrow_mut().push(i);
            context(format!("ctx {i}"))
        });
    }
    let r = app.dispatch(&bash("ls")).unwrap();
    assert_eq!(*log.borrow(), vec![0, 1, 3, 4]);
    assert_eq!(r.decision, None);
    assert_eq!(
        r.additional_context.as_deref(),
        Some("ctx 0\n\nctx 1\n\nctx 3\n\nctx 4")
    );
}

#[test]
fn first_deny_wins_and_stops_dispatch() {
    let ran = Rc::new(RefCell::new(Vec::new()));
    let mut app = App::new("t", "1");
    let r1 = Rc::clone(&ran);
    app.pre_tool("Bash", move |_, _| {
        r1.borrow_mut().push("allow");
        allow().with_context("first")
    });
    let r2 = Rc::clone(&ran);
    app.pre_tool("Bash", move |_, _| {
        r2.borrow_mut().push("deny1");
        deny("first deny")
    });
    let r3 = Rc::clone(&ran);
    app.pre_tool("Bash", move |_, _| {
        r3.borrow_mut().push("deny2");
        deny("second deny")
    });
    let r = app.dispatch(&bash("ls")).unwrap();
    assert_eq!(r, deny("first deny"));
    assert_eq!(*ran.borrow(), vec!["allow", "deny1"]);
}

#[test]
fn block_wins_like_deny() {
    let mut app = App::new("t", "1");
    app.on_stop(|_, _| context("a"));
    app.on_stop(|_, _| block("keep going"));
    app.on_stop(|_, _| -> Response { panic!("must not run") });
    let stop = r#"{"hook_event_name":"Stop","session_id":"s","stop_hook_active":false}"#;
    assert_eq!(app.dispatch_json(stop).unwrap(), block("keep going"));
}

#[test]
fn ask_beats_allow_and_fields_merge() {
    let mut app = App::new("t", "1");
    app.pre_tool("Bash", |_, _| allow().with_system_message("one"));
    app.pre_tool("Bash", |_, _| {
        ask("sure?")
            .with_updated_input(json!({"command":"ls -1"}))
            .stop("halt 1")
    });
    app.pre_tool("Bash", |_, _| {
        allow()
            .with_system_message("two")
            .with_updated_input(json!({"command":"ls -2"}))
            .stop("halt 2")
    });
    let r = app.dispatch(&bash("ls")).unwrap();
    assert_eq!(r.decision, Some(Decision::Ask));
    assert_eq!(r.reason.as_deref(), Some("sure?"));
    assert_eq!(r.system_message.as_deref(), Some("one\ntwo"));
    assert_eq!(r.updated_input, Some(json!({"command":"ls -2"})));
    assert_eq!(r.stop_reason.as_deref(), Some("halt 1"));

    app.pre_tool("Bash", |_, _| defer());
    assert_eq!(
        app.dispatch(&bash("ls")).unwrap().decision,
        Some(Decision::Defer)
    );
}

#[test]
fn guards_must_all_pass() {
    let mut app = App::new("t", "1");
    app.pre_tool("Bash", |_, _| deny("guarded"))
        .when(|e| e.command().is_some_and(|c| c.contains("rm")))
        .when(|e| e.cwd == "/p");
    assert!(app.dispatch(&bash("rm x")).unwrap().is_deny());
    assert!(app.dispatch(&bash("ls")).unwrap().is_none());
    let mut elsewhere = bash("rm x");
    elsewhere.cwd = "/other".into();
    assert!(app.dispatch(&elsewhere).unwrap().is_none());
}

#[test]
fn events_and_catch_all() {
    let mut app = App::new("t", "1");
    app.on("*", "", |e, _| {
        context(format!("any {}", e.hook_event_name))
    });
    app.on_prompt(|e, _| context(format!("prompt {}", e.prompt.as_deref().unwrap_or(""))));
    app.on_session_start(|_, _| context("start"));
    app.on("SessionStart", "resume", |_, _| context("resumed"));
    let r = app
        .dispatch_json(r#"{"hook_event_name":"UserPromptSubmit","session_id":"s","prompt":"hi"}"#)
        .unwrap();
    assert_eq!(
        r.additional_context.as_deref(),
        Some("any UserPromptSubmit\n\nprompt hi")
    );
    let r = app
        .dispatch_json(r#"{"hook_event_name":"SessionStart","session_id":"s","source":"startup"}"#)
        .unwrap();
    assert_eq!(
        r.additional_context.as_deref(),
        Some("any SessionStart\n\nstart")
    );
    let r = app
        .dispatch_json(r#"{"hook_event_name":"SessionStart","session_id":"s","source":"resume"}"#)
        .unwrap();
    assert_eq!(
        r.additional_context.as_deref(),
        Some("any SessionStart\n\nstart\n\nresumed")
    );
    let r = app
        .dispatch_json(r#"{"hook_event_name":"Notification","session_id":"s"}"#)
        .unwrap();
    assert_eq!(r.additional_context.as_deref(), Some("any Notification"));
}

#[test]
fn matchers_on_events_without_matcher_support_are_ignored() {
    let mut app = App::new("t", "1");
    app.on("UserPromptSubmit", "Bash", |_, _| context("ran"));
    app.pre_tool("Bash", |_, _| context("tool"));
    let r = app
        .dispatch_json(r#"{"hook_event_name":"UserPromptSubmit","prompt":"x"}"#)
        .unwrap();
    assert_eq!(r.additional_context.as_deref(), Some("ran"));
    // A tool event without a tool name has no subject: like the host (and Claude Code when
    // it cannot derive one), every matcher applies.
    let r = app
        .dispatch_json(r#"{"hook_event_name":"PreToolUse"}"#)
        .unwrap();
    assert_eq!(r.additional_context.as_deref(), Some("tool"));
}

#[test]
fn regex_and_mcp_matchers() {
    let mut app = App::new("t", "1");
    app.pre_tool("mcp__memory__.*", |e, _| match &e.tool {
        Some(crate::ToolInput::Mcp { server, tool, .. }) => context(format!("{server}/{tool}")),
        _ => Response::none(),
    });
    app.pre_tool("Edit.*", |_, _| context("edit-ish"));
    let r = app
        .dispatch(&pre_tool("mcp__memory__search_nodes", json!({"query":"x"})))
        .unwrap();
    assert_eq!(r.additional_context.as_deref(), Some("memory/search_nodes"));
    let r = app
        .dispatch(&pre_tool(
            "NotebookEdit",
            json!({"notebook_path":"/n","new_source":""}),
        ))
        .unwrap();
    assert_eq!(r.additional_context.as_deref(), Some("edit-ish"));
    assert!(app.dispatch(&bash("ls")).unwrap().is_none());
}

#[test]
fn handler_errors_become_dispatch_errors() {
    let mut app = App::new("t", "1");
    app.pre_tool("Bash", |_, _| context("before"));
    app.pre_tool("Bash", |e, _| -> Result<Response, String> {
        let command = e.command().ok_or("no command")?;
        Err(format!("cannot check `{command}`"))
    });
    assert_eq!(app.dispatch(&bash("ls")).unwrap_err(), "cannot check `ls`");
    assert!(
        app.dispatch_json("{")
            .unwrap_err()
            .starts_with("invalid event JSON")
    );
}

#[test]
fn into_response_variants() {
    let mut app = App::new("t", "1");
    app.pre_tool("A", |_, _| ());
    app.pre_tool("B", |_, _| None::<Response>);
    app.pre_tool("C", |_, _| Some(deny("c")));
    app.pre_tool("D", |_, _| Ok::<_, std::io::Error>(ask("d")));
    app.pre_tool("E", |_, _| Err::<Response, _>(std::fmt::Error));
    assert!(app.dispatch(&pre_tool("A", json!({}))).unwrap().is_none());
    assert!(app.dispatch(&pre_tool("B", json!({}))).unwrap().is_none());
    assert!(app.dispatch(&pre_tool("C", json!({}))).unwrap().is_deny());
    assert!(app.dispatch(&pre_tool("D", json!({}))).unwrap().is_ask());
    assert!(app.dispatch(&pre_tool("E", json!({}))).is_err());
}

#[test]
fn describe_lists_unique_subscriptions_and_capabilities() {
    let mut app = App::new("demo", "1.2.3");
    app.pre_tool("Bash", |_, _| ());
    app.pre_tool("Bash", |_, _| ()).when(|_| true);
    app.pre_tool("Edit|Write", |_, _| ());
    app.post_tool("Bash", |_, _| ());
    app.post_tool_failure("", |_, _| ());
    app.on_permission_request("mcp__.*", |_, _| ());
    app.on_prompt(|_, _| ());
    app.on_stop(|_, _| ());
    app.on_subagent_stop(|_, _| ());
    app.on_session_start(|_, _| ());
    app.on_session_end(|_, _| ());
    app.on_notification(|_, _| ());
    app.on_pre_compact(|_, _| ());
    app.on("*", "", |_, _| ());
    app.needs(Capability::Network)
        .needs(Capability::ReadFiles)
        .needs(Capability::Network);
    app.register_raw("t", |a| Ok(a.to_owned()));
    let info = app.describe();
    assert_eq!(info.name, "demo");
    assert_eq!(info.version, "1.2.3");
    let subs: Vec<(&str, &str)> = info
        .subscriptions
        .iter()
        .map(|s| (s.event.as_str(), s.matcher.as_str()))
        .collect();
    assert_eq!(
        subs,
        vec![
            ("PreToolUse", "Bash"),
            ("PreToolUse", "Edit|Write"),
            ("PostToolUse", "Bash"),
            ("PostToolUseFailure", ""),
            ("PermissionRequest", "mcp__.*"),
            ("UserPromptSubmit", ""),
            ("Stop", ""),
            ("SubagentStop", ""),
            ("SessionStart", ""),
            ("SessionEnd", ""),
            ("Notification", ""),
            ("PreCompact", ""),
            ("*", ""),
        ]
    );
    assert_eq!(
        info.capabilities,
        vec![Capability::Network, Capability::ReadFiles]
    );
}

#[test]
fn tasks_through_dispatch_and_run_task() {
    let mut app = App::new("t", "1");
    app.register_raw("upper", |args| Ok(args.to_uppercase()));
    app.register_raw("broken", |_| Err("nope".to_owned()));
    app.pre_tool("Write", |e, tasks| -> Result<Response, String> {
        tasks.add_raw("upper", e.content().unwrap_or(""), Default::default())?;
        Ok(Response::none())
    });
    app.on_prompt(|_, tasks| -> Result<Response, String> {
        Ok(match tasks.pop_raw("upper")? {
            Some(v) => context(format!("result: {v}")),
            None => Response::none(),
        })
    });
    let write = pre_tool("Write", json!({"file_path":"/a","content":"abc"}));
    assert!(app.dispatch(&write).unwrap().is_none());
    let prompt = r#"{"hook_event_name":"UserPromptSubmit","session_id":"sess","prompt":"x"}"#;
    assert_eq!(
        app.dispatch_json(prompt)
            .unwrap()
            .additional_context
            .as_deref(),
        Some("result: ABC")
    );
    assert!(app.dispatch_json(prompt).unwrap().is_none(), "popped once");

    assert_eq!(app.run_task("upper", "x").unwrap(), "X");
    assert_eq!(app.run_task("broken", "x").unwrap_err(), "nope");
    assert_eq!(
        app.run_task("missing", "x").unwrap_err(),
        "unknown task `missing`"
    );
}
