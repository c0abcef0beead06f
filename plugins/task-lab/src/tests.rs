use super::*;

fn add(task: &str) -> Command {
    Command::Add {
        task: task.to_owned(),
        key: None,
        ttl_seconds: None,
        priority: None,
        wake: false,
        arg: String::new(),
    }
}

fn keys(list: &[&str]) -> Vec<String> {
    list.iter().map(|k| (*k).to_owned()).collect()
}

#[test]
fn parses_add_with_options_in_any_order() {
    assert_eq!(parse("add noop"), Ok(add("noop")));
    assert_eq!(
        parse("add sleep priority=-3 key=s1 wake=true ttl=60 arg=250"),
        Ok(Command::Add {
            task: "sleep".into(),
            key: Some("s1".into()),
            ttl_seconds: Some(60),
            priority: Some(-3),
            wake: true,
            arg: "250".into(),
        })
    );
    // `arg=` takes the rest of the line verbatim.
    assert_eq!(
        parse("add echo key=e arg=hello  world key=x"),
        Ok(Command::Add {
            task: "echo".into(),
            key: Some("e".into()),
            ttl_seconds: None,
            priority: None,
            wake: false,
            arg: "hello  world key=x".into(),
        })
    );
    assert_eq!(parse("add echo arg="), Ok(add("echo")));
    assert_eq!(parse("add nosuch\n"), Ok(add("nosuch")));
}

#[test]
fn rejects_bad_add_lines() {
    for (line, error) in [
        ("add", "usage: add TASK"),
        ("add key=k", "usage: add TASK"),
        ("add noop ttl=-1", "add: invalid ttl `-1`"),
        ("add noop ttl=5000000000", "add: invalid ttl"),
        ("add noop priority=high", "add: invalid priority `high`"),
        ("add noop key=", "add: empty key"),
        ("add noop key=a key=b", "add: `key=` given twice"),
        ("add noop ttl=1 ttl=2", "add: `ttl=` given twice"),
        (
            "add noop wake=yes",
            "add: invalid wake `yes` (true or false)",
        ),
        ("add noop color=red", "add: unknown option `color=`"),
        ("add noop extra", "add: unexpected `extra`"),
    ] {
        let got = parse(line).unwrap_err();
        assert!(got.starts_with(error), "{line}: {got}");
    }
}

#[test]
fn parses_every_other_command() {
    let scope = Scope::Session;
    for (line, command) in [
        ("pop k", Command::Pop("k".into())),
        ("get k", Command::Get("k".into())),
        ("has k", Command::Has(Some("k".into()))),
        ("has", Command::Has(None)),
        ("has  ", Command::Has(None)),
        ("cancel k", Command::Cancel("k".into())),
        ("cancel-all", Command::CancelAll),
        ("pop-all", Command::PopAll),
        ("pop-errors", Command::PopErrors),
        ("wait k 1500", Command::Wait("k".into(), 1500)),
        (
            "wait-all a,b,c 0",
            Command::WaitAll(keys(&["a", "b", "c"]), 0),
        ),
        ("wait-any a 10", Command::WaitAny(keys(&["a"]), 10)),
        ("bench-add 100", Command::BenchAdd(100)),
        ("bench-wait 100 5000", Command::BenchWait(100, 5000)),
        (
            "state-set session k some text  here",
            Command::StateSet(scope, "k".into(), "some text  here".into()),
        ),
        (
            "state-get global k",
            Command::StateGet(Scope::Global, "k".into()),
        ),
        (
            "state-delete session k",
            Command::StateDelete(scope, "k".into()),
        ),
        ("state-keys global", Command::StateKeys(Scope::Global)),
        ("  pop   k  ", Command::Pop("k".into())),
    ] {
        assert_eq!(parse(line), Ok(command), "{line}");
    }
}

#[test]
fn rejects_bad_lines() {
    for (line, error) in [
        ("", "empty command"),
        ("launch rockets", "unknown command `launch`"),
        ("POP k", "unknown command `POP`"),
        ("pop", "usage: pop K"),
        ("pop a b", "pop: unexpected `b`; usage: pop K"),
        ("cancel-all now", "cancel-all: unexpected `now`"),
        ("wait k", "usage: wait K MS"),
        ("wait k soon", "wait: invalid MS `soon`"),
        ("wait k -1", "wait: invalid MS `-1`"),
        ("wait-all a,,b 10", "wait-all: empty key in `a,,b`"),
        ("wait-any 10", "usage: wait-any K1,K2 MS"),
        ("bench-add", "usage: bench-add N"),
        ("bench-wait 10", "usage: bench-wait N MS"),
        ("state-set local k v", "state-set: invalid scope `local`"),
        ("state-set session k", "usage: state-set SCOPE K TEXT"),
        ("state-keys", "usage: state-keys SCOPE"),
    ] {
        let got = parse(line).unwrap_err();
        assert!(got.starts_with(error), "{line}: {got}");
    }
}

/// Dispatches `command` as a prompt of `session` and parses the JSON answer.
fn run(app: &App, session: &str, command: &str) -> Value {
    let event = json!({
        "session_id": session,
        "cwd": "/home/dev/project",
        "hook_event_name": "UserPromptSubmit",
        "prompt": command,
    });
    let response = app.dispatch_json(&event.to_string()).unwrap();
    assert_eq!(response.decision, None);
    let text = response.additional_context.expect("an answer");
    assert!(!text.contains('\n'), "compact: {text}");
    serde_json::from_str(&text).unwrap()
}

#[test]
fn commands_through_the_native_backend() {
    let app = build_app();
    let s = "session-1";
    assert_eq!(
        run(&app, s, "add echo key=e1 ttl=60 priority=5 arg=hi there"),
        json!({"key": "e1", "name": "echo", "status": "completed"})
    );
    assert_eq!(run(&app, s, "has e1"), json!({"value": true}));
    assert_eq!(run(&app, s, "has"), json!({"value": true}));
    assert_eq!(run(&app, "other", "has"), json!({"value": false}));

    let info = run(&app, s, "get e1")["value"].clone();
    assert_eq!(info["status"], "completed");
    assert_eq!(info["value"], "hi there");
    assert_eq!(info["error"], Value::Null);
    assert!(info["created_at_ms"].as_u64().unwrap() > 0);
    assert!(info["finished_at_ms"].as_u64().unwrap() >= info["created_at_ms"].as_u64().unwrap());
    assert_eq!(run(&app, s, "get nothing"), json!({"value": null}));

    assert_eq!(run(&app, s, "wait e1 10"), json!({"value": "hi there"}));
    assert_eq!(run(&app, s, "pop e1"), json!({"value": "hi there"}));
    assert_eq!(run(&app, s, "pop e1"), json!({"value": null}));

    assert_eq!(run(&app, s, "add noop")["key"], "noop");
    assert_eq!(
        run(&app, s, "add sleep key=z arg=5"),
        json!({"key": "z", "name": "sleep", "status": "completed"})
    );
    assert_eq!(
        run(&app, s, "wait-all noop,z,missing 10"),
        json!({"value": [{"key": "noop", "value": "ok"}, {"key": "z", "value": {"slept_ms": 5}}]})
    );
    assert_eq!(
        run(&app, s, "wait-any missing,z 10"),
        json!({"value": {"key": "z", "value": {"slept_ms": 5}}})
    );
    assert_eq!(run(&app, s, "wait-any missing 10"), json!({"value": null}));
    assert_eq!(
        run(&app, s, "pop-all"),
        json!({"value": [{"key": "noop", "value": "ok"}, {"key": "z", "value": {"slept_ms": 5}}]})
    );
    assert_eq!(run(&app, s, "pop-all"), json!({"value": []}));

    let order = run(&app, s, "add order key=o1 arg=first");
    assert_eq!(order["status"], "completed");
    let ran = run(&app, s, "pop o1")["value"].clone();
    assert_eq!(ran["label"], "first");
    assert!(ran["ran_at_us"].as_u64().unwrap() > 1_600_000_000_000_000);

    // Nothing is ever pending natively.
    assert_eq!(run(&app, s, "cancel z"), json!({"value": false}));
    assert_eq!(run(&app, s, "cancel-all"), json!({"value": 0}));
}

#[test]
fn failures_are_reported_once() {
    let app = build_app();
    let s = "failing";
    assert_eq!(run(&app, s, "add fail")["status"], "failed");
    assert_eq!(run(&app, s, "add trap")["status"], "failed");
    assert_eq!(
        run(&app, s, "add sleep key=bad arg=soon")["status"],
        "failed"
    );
    assert_eq!(run(&app, s, "add nosuch")["status"], "failed");
    assert_eq!(run(&app, s, "wait fail 10"), json!({"value": null}));
    let failed = run(&app, s, "get fail")["value"].clone();
    assert_eq!(failed["status"], "failed");
    assert_eq!(failed["error"], "task-lab: failing on purpose");
    assert_eq!(
        run(&app, s, "pop-errors"),
        json!({"value": [
            {"key": "fail", "error": "task-lab: failing on purpose"},
            {"key": "trap", "error": "panicked: task-lab: trapping on purpose"},
            {"key": "bad", "error": "task-lab: sleep needs arg=MILLISECONDS, got `soon`"},
            {"key": "nosuch", "error": "unknown task `nosuch`"},
        ]})
    );
    assert_eq!(run(&app, s, "pop-errors"), json!({"value": []}));
}

#[test]
fn bench_commands() {
    let app = build_app();
    assert_eq!(
        run(&app, "b", "bench-add 50"),
        json!({"accepted": 50, "first_error": null})
    );
    assert_eq!(run(&app, "b", "has b49"), json!({"value": true}));
    assert_eq!(
        run(&app, "b", "bench-wait 50 100"),
        json!({"completed": 50})
    );
    assert_eq!(
        run(&app, "b", "bench-wait 60 100"),
        json!({"completed": 50})
    );
    assert_eq!(
        run(&app, "other", "bench-wait 50 0"),
        json!({"completed": 0})
    );
}

#[test]
fn state_commands() {
    let app = build_app();
    assert_eq!(
        run(&app, "a", "state-set session color deep blue"),
        json!({"value": true})
    );
    assert_eq!(
        run(&app, "a", "state-set global shared 1"),
        json!({"value": true})
    );
    assert_eq!(
        run(&app, "a", "state-get session color"),
        json!({"value": "deep blue"})
    );
    assert_eq!(
        run(&app, "b", "state-get session color"),
        json!({"value": null})
    );
    assert_eq!(
        run(&app, "b", "state-get global shared"),
        json!({"value": "1"})
    );
    assert_eq!(
        run(&app, "a", "state-keys session"),
        json!({"value": ["color"]})
    );
    assert_eq!(
        run(&app, "b", "state-keys global"),
        json!({"value": ["shared"]})
    );
    assert_eq!(
        run(&app, "a", "state-delete session color"),
        json!({"value": true})
    );
    assert_eq!(
        run(&app, "a", "state-delete session color"),
        json!({"value": false})
    );
    assert_eq!(run(&app, "a", "state-keys session"), json!({"value": []}));
}

#[test]
fn errors_and_unknown_commands_are_answers() {
    let app = build_app();
    assert_eq!(
        run(&app, "s", "frobnicate now"),
        json!({"error": "unknown command `frobnicate`"})
    );
    assert_eq!(
        run(&app, "s", "wait k x"),
        json!({"error": "wait: invalid MS `x`"})
    );
    assert_eq!(run(&app, "s", ""), json!({"error": "empty command"}));
}

#[test]
fn describe_and_registration() {
    let app = build_app();
    let info = app.describe();
    assert_eq!(info.name, "task-lab");
    assert_eq!(info.subscriptions.len(), 1);
    assert_eq!(info.subscriptions[0].event, "UserPromptSubmit");
    assert_eq!(
        app.task_names(),
        vec!["sleep", "echo", "noop", "loop", "fail", "trap", "order"]
    );
    assert_eq!(app.run_task("echo", "\"x\"").unwrap(), "\"x\"");
    assert_eq!(app.run_task("noop", "\"\"").unwrap(), "\"ok\"");
    assert_eq!(app.run_task("sleep", "\"1\"").unwrap(), "{\"slept_ms\":1}");
}
