//! What a plugin can reach, end to end through the real binary: nothing but what it was
//! granted (files, environment, network), its output kept off the hook's stdout, and every
//! protocol event rendered the way that event takes a decision.

use fasthooks_e2e::{Home, plugin, prompt_event};
use fasthooks_protocol::EVENTS as ALL_EVENTS;
use serde_json::json;

/// What the hostile plugin's `escape` attempt managed, run with `grants`.
fn escape(
    home: &Home,
    dir: &std::path::Path,
    port: u16,
    grants: &[&str],
    env: &[(&str, &str)],
) -> serde_json::Value {
    let mut command = home.command();
    command
        .args(["--plugin", plugin("hostile").to_str().unwrap()])
        .args(grants);
    for (name, value) in env {
        command.env(name, value);
    }
    let event = prompt_event(&format!("escape {} {port}", dir.display()));
    let run = fasthooks_e2e::run_command(
        &mut command,
        event.to_string().as_bytes(),
        std::time::Duration::from_secs(30),
    );
    assert_eq!(run.code, 0, "{}", run.stderr);
    let context = run.stdout_json()["hookSpecificOutput"]["additionalContext"]
        .as_str()
        .unwrap()
        .to_owned();
    serde_json::from_str(&context).unwrap()
}

#[test]
fn a_plugin_gets_nothing_it_was_not_granted() {
    let home = Home::new();
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("secret.txt"), "top secret").unwrap();
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();

    let nothing = escape(
        &home,
        dir.path(),
        port,
        &[],
        &[("FASTHOOKS_TEST_SECRET", "s3cret")],
    );
    assert!(
        nothing["read"].as_str().unwrap().starts_with("denied"),
        "{nothing}"
    );
    assert!(
        nothing["write"].as_str().unwrap().starts_with("denied"),
        "{nothing}"
    );
    assert!(
        nothing["passwd"].as_str().unwrap().starts_with("denied"),
        "{nothing}"
    );
    assert_eq!(nothing["env"], serde_json::json!([]), "no environment");
    assert!(
        nothing["tcp"].as_str().unwrap().starts_with("denied"),
        "{nothing}"
    );
    assert!(!dir.path().join("written.txt").exists());

    let dir_arg = dir.path().to_str().unwrap();
    let read_only = escape(
        &home,
        dir.path(),
        port,
        &[
            "--allow-read",
            dir_arg,
            "--allow-env",
            "FASTHOOKS_TEST_SECRET",
        ],
        &[("FASTHOOKS_TEST_SECRET", "s3cret"), ("OTHER_VAR", "x")],
    );
    assert_eq!(read_only["read"], "ok:top secret");
    assert!(
        read_only["write"].as_str().unwrap().starts_with("denied"),
        "read-only: {read_only}"
    );
    assert!(
        read_only["passwd"].as_str().unwrap().starts_with("denied"),
        "only the granted directory: {read_only}"
    );
    assert_eq!(
        read_only["env"],
        serde_json::json!(["FASTHOOKS_TEST_SECRET"]),
        "only the granted variable"
    );

    let writable = escape(&home, dir.path(), port, &["--allow-write", dir_arg], &[]);
    assert_eq!(writable["write"], "ok:");
    assert_eq!(
        std::fs::read_to_string(dir.path().join("written.txt")).unwrap(),
        "escaped"
    );

    let other_port = format!("127.0.0.1:{}", port.wrapping_add(1));
    let wrong_net = escape(&home, dir.path(), port, &["--allow-net", &other_port], &[]);
    assert!(
        wrong_net["tcp"].as_str().unwrap().starts_with("denied"),
        "only the granted address: {wrong_net}"
    );
    let net = escape(
        &home,
        dir.path(),
        port,
        &["--allow-net", &format!("127.0.0.1:{port}")],
        &[],
    );
    assert_eq!(net["tcp"], "ok:");
    drop(listener);
}

#[test]
fn guest_stdout_never_reaches_the_hook_stdout() {
    let home = Home::new();
    let run = home.hook(
        &["--plugin", plugin("hostile").to_str().unwrap()],
        &prompt_event("print"),
    );
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert_eq!(
        run.stdout,
        "{\"hookSpecificOutput\":{\"hookEventName\":\"UserPromptSubmit\",\"additionalContext\":\"printed and returned\"}}\n"
    );
    let log = std::fs::read_to_string(home.path().join("logs/fasthooks.log")).unwrap();
    assert!(
        log.contains("forged") && log.contains("hostile plugin wrote to stderr"),
        "captured into the log"
    );
}

#[test]
fn every_protocol_event_is_accepted_and_rendered_its_way() {
    use fasthooks_protocol::events::DecisionStyle;
    let home = Home::new();
    let echo = plugin("echo");
    let echo = echo.to_str().unwrap();
    for spec in ALL_EVENTS {
        let name = spec.name;
        // No answer asked: nothing printed, whatever the event.
        let event = json!({"session_id": "s", "cwd": "/tmp", "hook_event_name": name});
        let run = home.hook(&["--plugin", echo], &event);
        assert_eq!(
            (run.code, run.stdout.as_str(), run.stderr.as_str()),
            (0, "", ""),
            "{name}"
        );
        // A blocking answer with context and a message: rendered as this event takes it.
        let mut event = event;
        event["echo_response"] = json!({"decision": "block", "reason": "nope",
            "context": "ctx", "system_message": "note"});
        let run = home.hook(&["--plugin", echo], &event);
        if spec.output_discarded {
            assert_eq!(
                (run.code, run.stdout.as_str()),
                (0, ""),
                "{name}: output discarded"
            );
            continue;
        }
        if spec.decision == DecisionStyle::ExitCode {
            assert_eq!(
                (run.code, run.stdout.as_str(), run.stderr.as_str()),
                (2, "", "nope"),
                "{name}"
            );
            continue;
        }
        assert_eq!(run.code, 0, "{name}: {}", run.stderr);
        let out = run.stdout_json();
        assert_eq!(out["systemMessage"], "note", "{name}");
        let specific = &out["hookSpecificOutput"];
        match spec.decision {
            DecisionStyle::Permission => {
                assert_eq!(specific["permissionDecision"], "deny", "{name}");
                assert_eq!(specific["permissionDecisionReason"], "nope", "{name}");
            }
            DecisionStyle::PermissionRequest => {
                assert_eq!(specific["decision"]["behavior"], "deny", "{name}");
                assert_eq!(specific["decision"]["message"], "nope", "{name}");
            }
            DecisionStyle::TopLevelBlock => {
                assert_eq!(
                    (out["decision"].as_str(), out["reason"].as_str()),
                    (Some("block"), Some("nope")),
                    "{name}"
                );
            }
            DecisionStyle::Retry | DecisionStyle::None => {
                assert!(
                    out.get("decision").is_none() && specific.get("permissionDecision").is_none(),
                    "{name}: {out}"
                );
            }
            DecisionStyle::ExitCode => unreachable!(),
        }
        let context = specific.get("additionalContext").and_then(|c| c.as_str());
        assert_eq!(
            context,
            spec.takes_context.then_some("ctx"),
            "{name}: {out}"
        );
    }
}

#[test]
fn one_plugin_cannot_flood_the_log_or_evict_its_history() {
    let home = Home::new();
    // Another plugin (another file: the rate is per plugin file, not per the name a plugin
    // gives itself) leaves a line first.
    let quiet = home.path().join("quiet.wasm");
    std::fs::copy(plugin("hostile"), &quiet).unwrap();
    let run = home.hook(
        &["--plugin", quiet.to_str().unwrap()],
        &prompt_event("fs log 1 0 history-marker-4242"),
    );
    assert_eq!(run.code, 0, "{}", run.stderr);

    // 200,000 lines of 1 KB, and lines of 20 MB.
    for flood in ["fs log 200000 1000 flood", "fs log 3 20000000 huge"] {
        let run = home.hook(
            &["--plugin", plugin("hostile").to_str().unwrap()],
            &prompt_event(flood),
        );
        assert_eq!(run.code, 0, "{}", run.stderr);
    }
    let logs = home.path().join("logs");
    let total: u64 = std::fs::read_dir(&logs)
        .unwrap()
        .map(|entry| entry.unwrap().metadata().unwrap().len())
        .sum();
    assert!(
        total < 1 << 20,
        "the flood was held to the rate: {total} bytes"
    );
    let log = home.log();
    assert!(log.contains("history-marker-4242"), "the history is kept");
    assert!(
        log.contains("logging faster than"),
        "the drop is said once: {}",
        &log[..log.len().min(2000)]
    );
    assert!(
        log.lines().all(|line| line.len() <= 64 << 10),
        "no line is longer than the cap"
    );
}
