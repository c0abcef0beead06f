//! Several plugins in one command: a rewritten tool input is checked by every plugin before the
//! tool may run with it, whatever the order of the plugins (README "Several plugins in one
//! command"), end to end through the real binary with the guard and the echo plugin.

use fasthooks_e2e::{Home, bash_event, plugin};
use serde_json::json;

fn run(
    home: &Home,
    order: &[&str],
    command: &str,
    echo: serde_json::Value,
) -> fasthooks_e2e::HookRun {
    let (guard, echo_plugin) = (plugin("guard"), plugin("echo"));
    let mut args = Vec::new();
    for name in order {
        let path = if *name == "guard" {
            &guard
        } else {
            &echo_plugin
        };
        args.extend(["--plugin", path.to_str().unwrap()]);
    }
    let mut event = bash_event(command);
    event["echo_response"] = echo;
    home.hook(&args, &event)
}

#[test]
fn a_rewrite_cannot_smuggle_a_command_past_the_guard_either_way_round() {
    let home = Home::new();
    for order in [["echo", "guard"], ["guard", "echo"]] {
        let out = run(
            &home,
            &order,
            "ls",
            json!({"decision": "allow", "updated_input": {"command": "rm -rf /"}}),
        );
        assert_eq!(out.code, 0, "{order:?}: {}", out.stderr);
        let answer = &out.stdout_json()["hookSpecificOutput"];
        assert_eq!(
            answer["permissionDecision"], "deny",
            "{order:?}: {}",
            out.stdout
        );
        assert!(
            answer.get("updatedInput").is_none(),
            "{order:?}: {}",
            out.stdout
        );
    }
}

#[test]
fn a_harmless_rewrite_reaches_the_tool_after_every_plugin_saw_it() {
    let home = Home::new();
    for order in [["echo", "guard"], ["guard", "echo"]] {
        let out = run(
            &home,
            &order,
            "ls",
            json!({"decision": "allow", "updated_input": {"command": "ls -la"}}),
        );
        assert_eq!(out.code, 0, "{order:?}: {}", out.stderr);
        let answer = &out.stdout_json()["hookSpecificOutput"];
        assert_eq!(
            answer["permissionDecision"], "allow",
            "{order:?}: {}",
            out.stdout
        );
        assert_eq!(answer["updatedInput"], json!({"command": "ls -la"}));
    }
}

#[test]
fn plugins_that_never_agree_on_an_input_get_the_call_denied() {
    let home = Home::new();
    let out = run(
        &home,
        &["echo", "guard"],
        "ls",
        json!({"append_to_command": " -l"}),
    );
    assert_eq!(out.code, 0, "{}", out.stderr);
    let answer = &out.stdout_json()["hookSpecificOutput"];
    assert_eq!(answer["permissionDecision"], "deny", "{}", out.stdout);
    assert!(
        answer["permissionDecisionReason"]
            .as_str()
            .unwrap()
            .contains("kept rewriting the tool input"),
        "{}",
        out.stdout
    );
}
