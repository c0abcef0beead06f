//! Over 600 lines: one end-to-end test per behaviour of the task API, all driving task-lab
//! through the same `Lab` helper.
//!
//! Background tasks through the real daemon, driven by the `task-lab` plugin: every call of the
//! task API reachable from a UserPromptSubmit event whose prompt is a command (see
//! plugins/task-lab). Each hook is a separate `fasthooks-host` process, as with Claude Code.

use fasthooks_e2e::lab::{Lab, daemon_pid, kill_daemon};
use fasthooks_e2e::{Home, plugin, prompt_event};
use serde_json::Value;
use std::time::{Duration, Instant};

/// Tests that measure time take this, and so does the one that floods the machine with hook
/// processes, so that the flood does not skew the measurements (tests run in parallel).
static TIMING: std::sync::Mutex<()> = std::sync::Mutex::new(());

fn exclusive() -> std::sync::MutexGuard<'static, ()> {
    TIMING
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
}

#[test]
fn a_result_crosses_hook_processes_once_and_stays_in_its_session() {
    let _exclusive = exclusive();
    let home = Home::new();
    let lab = Lab::new(&home, "session-a");
    lab.run("has"); // start the daemon and compile the plugin first

    // The hook that adds does not wait for the task: it answers while the task still sleeps.
    // (How fast it answers is a benchmark's business, not this test's.)
    let (answer, run) = lab.run_with(&[], "add sleep key=slow arg=1500");
    assert_eq!(answer["status"], "pending", "{answer}");
    assert!(
        run.elapsed < Duration::from_millis(1500),
        "adding waited for the task: {:?}",
        run.elapsed
    );

    assert_eq!(
        lab.value("wait slow 10000"),
        serde_json::json!({"slept_ms": 1500}),
        "wait does not remove"
    );
    assert_eq!(lab.value("pop slow"), serde_json::json!({"slept_ms": 1500}));
    assert_eq!(
        lab.value("pop slow"),
        Value::Null,
        "a result is popped once"
    );

    lab.run("add echo key=mine arg=secret");
    assert!(lab.value("wait mine 5000").is_string());
    let other = Lab::new(&home, "session-b");
    assert_eq!(
        other.value("pop mine"),
        Value::Null,
        "another session sees nothing"
    );
    assert_eq!(other.value("get mine"), Value::Null);
    assert_eq!(other.value("cancel mine"), false);
    assert_eq!(lab.value("pop mine"), "secret");
}

#[test]
fn wait_wakes_at_completion_and_times_out_on_time() {
    let _exclusive = exclusive();
    let home = Home::new();
    let lab = Lab::new(&home, "s");
    lab.run("has");

    lab.run("add sleep key=a arg=200");
    let start = Instant::now();
    let (answer, _) = lab.run_with(&[], "wait a 5000");
    let elapsed = start.elapsed();
    // Woken by the completion, not by the 5 s timeout (how fast is measured by bench.sh).
    assert_eq!(answer["value"], serde_json::json!({"slept_ms": 200}));
    assert!(
        elapsed < Duration::from_millis(5000),
        "woke {elapsed:?} after adding a 200 ms task"
    );

    lab.run("add sleep key=b arg=3000");
    let start = Instant::now();
    assert_eq!(lab.value("wait b 200"), Value::Null);
    let elapsed = start.elapsed();
    // Not before its timeout, and at it: long before the 3 s task could finish.
    assert!(
        elapsed >= Duration::from_millis(200) && elapsed < Duration::from_millis(3000),
        "{elapsed:?}"
    );
    lab.run("cancel-all");
}

#[test]
fn wait_any_and_wait_all_edge_cases() {
    let home = Home::new();
    let lab = Lab::new(&home, "s");
    lab.run("add fail key=f");
    lab.run("add loop key=l");
    lab.run("cancel l");
    let start = Instant::now();
    assert_eq!(lab.value("wait-any f,l,absent 5000"), Value::Null);
    assert!(
        start.elapsed() < Duration::from_secs(2),
        "returned early: nothing could complete"
    );

    lab.run("add sleep key=fast arg=50");
    lab.run("add sleep key=slow arg=2000");
    let any = lab.value("wait-any slow,fast 5000");
    assert_eq!(any["key"], "fast", "{any}");

    lab.run("add echo key=e arg=ok");
    let all = lab.value("wait-all e,f 5000");
    let keys: Vec<&str> = all
        .as_array()
        .unwrap()
        .iter()
        .map(|o| o["key"].as_str().unwrap())
        .collect();
    assert_eq!(keys, ["e"], "only completed tasks: {all}");
    let repeated = lab.value("wait-all e,e,f,e 5000");
    assert_eq!(
        repeated.as_array().unwrap().len(),
        1,
        "one entry per distinct key, as in fasthooks: {repeated}"
    );

    let start = Instant::now();
    let partial = lab.value("wait-all e,slow 100");
    assert!(start.elapsed() < Duration::from_millis(1500));
    assert_eq!(
        partial.as_array().unwrap().len(),
        1,
        "timeout returns what completed: {partial}"
    );
    lab.run("cancel-all");
}

#[test]
fn cancel_pending_and_running_tasks_frees_the_worker() {
    let home = Home::new();
    let lab = Lab::new(&home, "s").with_env("FASTHOOKS_WORKERS", "1");
    lab.run("add loop key=spin");
    lab.run("add noop key=queued");
    lab.until_status("spin", "running");
    assert_eq!(lab.value("get queued")["status"], "pending");

    assert_eq!(lab.value("cancel queued"), true);
    assert_eq!(lab.value("get queued")["status"], "cancelled");
    assert_eq!(lab.value("cancel spin"), true);
    assert_eq!(lab.value("get spin")["status"], "cancelled");

    lab.run("add echo key=after arg=free");
    assert_eq!(
        lab.value("wait after 5000"),
        "free",
        "the only worker is free again"
    );
    assert_eq!(
        lab.value("get spin")["status"],
        "cancelled",
        "stays cancelled"
    );
}

#[test]
fn ttl_expires_finished_results() {
    let home = Home::new();
    let lab = Lab::new(&home, "s");
    lab.run("add echo key=short ttl=1 arg=x");
    lab.run("add echo key=long ttl=60 arg=y");
    assert_eq!(lab.value("wait short 5000"), "x");
    assert_eq!(lab.value("wait long 5000"), "y");
    // Expiry is a matter of time passing: look (without popping) until it is gone.
    let deadline = Instant::now() + Duration::from_secs(10);
    while lab.value("get short") != Value::Null {
        assert!(Instant::now() < deadline, "short never expired");
    }
    assert_eq!(lab.value("pop short"), Value::Null, "expired");
    assert_eq!(lab.value("pop long"), "y");
}

#[test]
fn higher_priority_runs_first_with_a_single_worker() {
    let home = Home::new();
    let lab = Lab::new(&home, "s").with_env("FASTHOOKS_WORKERS", "1");
    lab.run("add sleep key=blocker arg=300");
    for (key, priority) in [
        ("low1", 0),
        ("high1", 9),
        ("low2", 0),
        ("mid", 5),
        ("high2", 9),
    ] {
        lab.run(&format!(
            "add order key={key} priority={priority} arg={key}"
        ));
    }
    let done = lab.value("wait-all low1,high1,low2,mid,high2 10000");
    let mut ran: Vec<(u64, String)> = done
        .as_array()
        .unwrap()
        .iter()
        .map(|o| {
            let value: Value = if o["value"].is_string() {
                serde_json::from_str(o["value"].as_str().unwrap()).unwrap_or(o["value"].clone())
            } else {
                o["value"].clone()
            };
            (
                value["ran_at_us"].as_u64().unwrap_or_else(|| panic!("{o}")),
                o["key"].as_str().unwrap().to_owned(),
            )
        })
        .collect();
    ran.sort();
    let order: Vec<&str> = ran.iter().map(|(_, k)| k.as_str()).collect();
    assert_eq!(order, ["high1", "high2", "mid", "low1", "low2"]);
}

#[test]
fn plugins_take_turns_for_the_workers_whatever_the_priorities() {
    let home = Home::new();
    let dir = tempfile::tempdir().unwrap();
    let copy = dir.path().join("flood.wasm");
    std::fs::copy(plugin("task-lab"), &copy).unwrap();
    let flood = Lab::new(&home, "fair")
        .running_file(&copy)
        .with_env("FASTHOOKS_WORKERS", "1");
    let other = Lab::new(&home, "fair").with_env("FASTHOOKS_WORKERS", "1");
    a_flood_delays_the_other_by_one_task_at_most(&flood, &other);
}

#[test]
fn sessions_of_one_plugin_take_turns_for_the_workers_whatever_the_priorities() {
    let home = Home::new();
    let flood = Lab::new(&home, "flooding").with_env("FASTHOOKS_WORKERS", "1");
    let other = Lab::new(&home, "quiet").with_env("FASTHOOKS_WORKERS", "1");
    a_flood_delays_the_other_by_one_task_at_most(&flood, &other);
}

/// `flood` queues ten tasks at the highest priority behind a busy worker, then `other` queues
/// one at the default priority: it runs after one of the flood's at most.
fn a_flood_delays_the_other_by_one_task_at_most(flood: &Lab, other: &Lab) {
    // The one worker is busy until the blocker is cancelled, once everything is queued.
    flood.run("add loop key=blocker");
    let keys: Vec<String> = (0..10).map(|n| format!("f{n}")).collect();
    for key in &keys {
        flood.run(&format!(
            "add order key={key} priority=2147483647 arg={key}"
        ));
    }
    other.run("add order key=mine arg=mine");
    assert_eq!(
        flood.value("get blocker")["status"],
        "running",
        "every task was queued while the one worker was busy"
    );
    flood.run("cancel blocker");
    let ran_at = |value: &Value| -> u64 {
        let value: Value = match value.as_str() {
            Some(text) => serde_json::from_str(text).unwrap(),
            None => value.clone(),
        };
        value["ran_at_us"]
            .as_u64()
            .unwrap_or_else(|| panic!("{value}"))
    };
    let mine = ran_at(&other.value("wait mine 15000"));
    let flooded = flood.value(&format!("wait-all {} 15000", keys.join(",")));
    let before: Vec<&Value> = flooded
        .as_array()
        .unwrap()
        .iter()
        .filter(|o| ran_at(&o["value"]) < mine)
        .collect();
    assert!(
        before.len() <= 1,
        "the other waited for one of the flood's tasks at most, not {}: {before:?}",
        before.len()
    );
}

#[test]
fn a_trapping_task_is_reported_once_by_pop_errors() {
    let home = Home::new();
    let lab = Lab::new(&home, "s");
    lab.run("add trap key=boom");
    lab.run("add fail key=err");
    assert_eq!(lab.value("wait boom 5000"), Value::Null);
    lab.value("wait err 5000");
    assert_eq!(lab.value("get boom")["status"], "failed");
    let errors = lab.value("pop-errors");
    let errors = errors.as_array().unwrap();
    assert_eq!(errors.len(), 2, "{errors:?}");
    let boom = errors.iter().find(|e| e["key"] == "boom").unwrap();
    assert!(
        boom["error"].as_str().unwrap().contains("crashed"),
        "{boom}"
    );
    assert_eq!(
        lab.value("pop-errors"),
        serde_json::json!([]),
        "reported once"
    );
}

#[test]
fn results_survive_a_killed_daemon() {
    let home = Home::new();
    let lab = Lab::new(&home, "s").with_env("FASTHOOKS_WORKERS", "1");
    lab.run("add echo key=done arg=kept");
    assert_eq!(lab.value("wait done 5000"), "kept");
    lab.run("add loop key=running");
    lab.run("add echo key=pending arg=ran-later");
    lab.until_status("running", "running");
    assert_eq!(lab.value("get pending")["status"], "pending");

    let pid = daemon_pid(&home);
    kill_daemon(pid);

    // The next hook starts a new daemon, which recovers the store.
    assert_eq!(
        lab.value("wait pending 5000"),
        "ran-later",
        "pending tasks run again"
    );
    assert_eq!(
        lab.value("pop done"),
        "kept",
        "completed results are intact"
    );
    let errors = lab.value("pop-errors");
    assert_eq!(errors.as_array().unwrap().len(), 1, "{errors}");
    assert_eq!(errors[0]["key"], "running");
    assert!(
        errors[0]["error"]
            .as_str()
            .unwrap()
            .contains("host restarted"),
        "{errors}"
    );
    assert_ne!(daemon_pid(&home), pid);
}

#[test]
fn a_hundred_hook_processes_from_four_sessions() {
    let _exclusive = exclusive();
    let home = Home::new();
    Lab::new(&home, "warm").run("has");
    let spawn = |session: usize, i: usize, prompt: String| {
        let lab = Lab::new(&home, &format!("session-{session}"));
        let mut command = lab.command(&[]);
        let mut event = prompt_event(&prompt);
        event["session_id"] = format!("session-{session}").into();
        std::thread::spawn(move || {
            let run = fasthooks_e2e::run_command(
                &mut command,
                event.to_string().as_bytes(),
                Duration::from_secs(120),
            );
            (session, i, run)
        })
    };
    let adds: Vec<_> = (0..100)
        .map(|i| {
            spawn(
                i % 4,
                i,
                format!("add echo key=k{} arg=s{}-{i}", i / 4, i % 4),
            )
        })
        .collect();
    for handle in adds {
        let (session, i, run) = handle.join().unwrap();
        assert_eq!(run.code, 0, "add {i} of session {session}: {}", run.stderr);
    }
    let pops: Vec<_> = (0..100)
        .map(|i| spawn(i % 4, i, format!("wait k{} 10000", i / 4)))
        .collect();
    for handle in pops {
        let (session, i, run) = handle.join().unwrap();
        assert_eq!(run.code, 0, "{}", run.stderr);
        let out = run.stdout_json();
        let answer: Value = serde_json::from_str(
            out["hookSpecificOutput"]["additionalContext"]
                .as_str()
                .unwrap(),
        )
        .unwrap();
        assert_eq!(
            answer["value"],
            format!("s{session}-{i}"),
            "no lost or crossed results"
        );
    }
    // Popping each once: no duplicates.
    for session in 0..4 {
        let lab = Lab::new(&home, &format!("session-{session}"));
        let all = lab.value("pop-all");
        assert_eq!(all.as_array().unwrap().len(), 25, "session {session}");
        assert_eq!(lab.value("pop-all"), serde_json::json!([]));
    }
    let status = home.run(&["daemon", "status"], b"");
    assert_eq!(status.code, 0);
}

#[test]
fn inline_tasks_run_to_completion_and_land_in_the_same_store() {
    let home = Home::new();
    let lab = Lab::new(&home, "s");
    let (answer, run) = lab.run_with(&["--inline"], "add sleep key=inline arg=150");
    assert_eq!(answer["status"], "pending");
    assert!(
        run.elapsed >= Duration::from_millis(150),
        "the process waited for its task"
    );
    assert!(!home.path().join("run/daemon.sock").exists());
    assert_eq!(
        lab.value("pop inline"),
        serde_json::json!({"slept_ms": 150}),
        "the daemon finds it"
    );
}

#[test]
fn the_tasks_command_lists_tasks() {
    let home = Home::new();
    let lab = Lab::new(&home, "listed-session");
    lab.run("add echo key=shown arg=1");
    lab.value("wait shown 5000");
    let run = home.run(&["tasks", "--session", "listed-session"], b"");
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert!(
        run.stdout.contains("listed-session")
            && run.stdout.contains("shown")
            && run.stdout.contains("completed"),
        "{}",
        run.stdout
    );
    let json = home.run(&["tasks", "--json"], b"");
    let tasks: Value = serde_json::from_str(&json.stdout).unwrap();
    assert_eq!(tasks.as_array().unwrap().len(), 1);
    assert!(
        home.run(&["tasks", "--session", "nobody"], b"")
            .stdout
            .contains("no tasks")
    );
}

#[test]
fn tasks_show_gives_a_task_in_full_and_the_list_filters_by_plugin() {
    let home = Home::new();
    let lab = Lab::new(&home, "shown-session");
    lab.run("add echo key=detail arg=full-value");
    lab.run("add trap key=broken");
    lab.value("wait detail 5000");
    lab.until_status("broken", "failed");

    let show = home.run(&["tasks", "show", "detail"], b"");
    assert_eq!(show.code, 0, "{}", show.stderr);
    for line in [
        "key       detail",
        "task      echo",
        "status    completed",
        "session   shown-session",
        "args      \"full-value\"",
        "value     \"full-value\"",
    ] {
        assert!(show.stdout.contains(line), "{line}: {}", show.stdout);
    }
    let json = home.run(&["tasks", "show", "broken", "--json"], b"");
    let shown: Value = serde_json::from_str(&json.stdout).unwrap();
    assert_eq!(shown[0]["status"], "failed");
    assert!(
        shown[0]["error"].as_str().unwrap().contains("crashed"),
        "{shown}"
    );
    let missing = home.run(&["tasks", "show", "detail", "--session", "other"], b"");
    assert_eq!(missing.code, 1);
    assert!(
        missing.stderr.contains("no such task"),
        "{}",
        missing.stderr
    );

    // The list has the error and the plugin file, and picks by plugin name or file.
    let list = home.run(&["tasks", "--plugin", "task-lab"], b"");
    assert!(list.stdout.starts_with("SESSION "), "{}", list.stdout);
    assert!(
        list.stdout.contains("ERROR") && list.stdout.contains("FILE"),
        "{}",
        list.stdout
    );
    assert!(list.stdout.contains("crashed"), "{}", list.stdout);
    let by_file = home.run(
        &["tasks", "--plugin", lab.plugin.to_str().unwrap(), "--json"],
        b"",
    );
    let by_file: Value = serde_json::from_str(&by_file.stdout).unwrap();
    assert_eq!(by_file.as_array().unwrap().len(), 2);
    assert!(
        home.run(&["tasks", "--plugin", "guard"], b"")
            .stdout
            .contains("no tasks")
    );
}

#[test]
fn cancel_reaches_a_task_blocked_in_a_host_call() {
    let _exclusive = exclusive();
    let home = Home::new();
    let lab = Lab::new(&home, "s").with_env("FASTHOOKS_WORKERS", "1");
    lab.run("add sleep key=nap arg=600000");
    lab.until_status("nap", "running");
    assert_eq!(lab.value("cancel nap"), true);
    let start = Instant::now();
    lab.run("add echo key=after arg=awake");
    assert_eq!(
        lab.value("wait after 5000"),
        "awake",
        "the worker is free again"
    );
    assert!(
        start.elapsed() < Duration::from_secs(2),
        "took {:?}",
        start.elapsed()
    );
    assert_eq!(lab.value("get nap")["status"], "cancelled");
}

#[test]
fn a_task_past_its_timeout_fails() {
    let home = Home::new();
    let lab = Lab::new(&home, "s");
    let (answer, _) = lab.run_with(&["--task-timeout-ms", "300"], "add loop key=spin");
    assert_eq!(answer["status"], "pending");
    assert_eq!(lab.value("wait spin 5000"), Value::Null);
    let info = lab.value("get spin");
    assert_eq!(info["status"], "failed", "{info}");
    assert!(
        info["error"]
            .as_str()
            .unwrap()
            .contains("did not finish within 300 ms"),
        "{info}"
    );
}

#[test]
fn the_per_session_queue_is_bounded() {
    let home = Home::new();
    let lab = Lab::new(&home, "s")
        .with_env("FASTHOOKS_WORKERS", "1")
        .with_env("FASTHOOKS_MAX_QUEUED_PER_SESSION", "2");
    lab.run("add loop key=busy");
    lab.until_status("busy", "running");
    assert_eq!(lab.run("add noop key=q1")["status"], "pending");
    assert_eq!(lab.run("add noop key=q2")["status"], "pending");
    let refused = lab.run("add noop key=q3");
    let error = refused["error"]
        .as_str()
        .unwrap_or_else(|| panic!("{refused}"));
    assert!(error.contains("queued tasks (the limit is 2)"), "{error}");
    let other = Lab::new(&home, "other");
    assert_eq!(
        other.run("add noop key=q1")["status"],
        "pending",
        "other sessions have their own bound"
    );
    lab.run("cancel-all");
}

#[test]
fn plugin_state_persists_per_session_and_globally() {
    let home = Home::new();
    let a = Lab::new(&home, "session-a");
    let b = Lab::new(&home, "session-b");
    assert_eq!(a.value("state-set session note remember the parser"), true);
    assert_eq!(a.value("state-set global theme dark"), true);
    assert_eq!(a.value("state-get session note"), "remember the parser");
    assert_eq!(
        b.value("state-get session note"),
        Value::Null,
        "session scope is per session"
    );
    assert_eq!(
        b.value("state-get global theme"),
        "dark",
        "global scope is shared by the plugin's sessions"
    );

    // Across a daemon restart.
    assert_eq!(home.run(&["daemon", "stop"], b"").code, 0);
    assert_eq!(a.value("state-get session note"), "remember the parser");
    assert_eq!(a.value("state-keys global"), serde_json::json!(["theme"]));
    assert_eq!(a.value("state-delete global theme"), true);
    assert_eq!(b.value("state-get global theme"), Value::Null);
}

#[test]
fn every_field_a_plugin_gives_a_task_is_bounded() {
    let home = Home::new();
    let lab = Lab::new(&home, "s");
    let refused = |prompt: String| lab.run(&prompt)["error"].as_str().map(str::to_owned);
    let error = refused(format!("add echo key={} arg=x", "k".repeat(2000))).unwrap();
    assert!(
        error.contains("the task key has 2000 bytes; the limit is 1024"),
        "{error}"
    );
    let error = refused("add echo key=long ttl=999999999 arg=x".into()).unwrap();
    assert!(error.contains("longer than the 604800 s"), "{error}");
    // Nothing half-written: the refused tasks do not exist.
    assert_eq!(lab.value("get long"), Value::Null);
    assert_eq!(lab.value("has"), false);
}

/// The tasks `tasks --json` lists, by key: (status, error).
fn task_states(home: &Home) -> std::collections::HashMap<String, (String, String)> {
    let run = home.run(&["tasks", "--json"], b"");
    assert_eq!(run.code, 0, "{}", run.stderr);
    let tasks: Value = serde_json::from_str(&run.stdout).unwrap();
    tasks
        .as_array()
        .unwrap()
        .iter()
        .map(|t| {
            (
                t["key"].as_str().unwrap().to_owned(),
                (
                    t["status"].as_str().unwrap().to_owned(),
                    t["error"].as_str().unwrap_or_default().to_owned(),
                ),
            )
        })
        .collect()
}

/// Poll `tasks --json` until `key` has `status`, or panic after 30 s.
fn await_status(home: &Home, key: &str, status: &str) -> String {
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        if let Some((now, error)) = task_states(home).get(key)
            && now == status
        {
            return error.clone();
        }
        assert!(
            Instant::now() < deadline,
            "{key} never became {status}: {:?}",
            task_states(home)
        );
        std::thread::sleep(Duration::from_millis(50));
    }
}

#[test]
fn a_task_does_not_outlive_its_plugin_file() {
    let home = Home::new();
    let file = home.path().join("plugins/lab.wasm");
    std::fs::create_dir_all(file.parent().unwrap()).unwrap();
    std::fs::copy(plugin("task-lab"), &file).unwrap();
    let lab = Lab::new(&home, "orphaned").running_file(&file);
    lab.run("add sleep key=chain arg=60000");
    await_status(&home, "chain", "running");
    // The daemon stops (its running task goes back to the queue), the plugin is removed, and an
    // unrelated hook starts a new daemon: the task must not run again with its old grants.
    assert_eq!(home.run(&["daemon", "stop"], b"").code, 0);
    std::fs::remove_file(&file).unwrap();
    let run = home.hook(
        &["--plugin", plugin("echo").to_str().unwrap()],
        &prompt_event("unrelated"),
    );
    assert_eq!(run.code, 0, "{}", run.stderr);
    let error = await_status(&home, "chain", "failed");
    assert!(error.contains("the plugin file is gone"), "{error}");

    // A rebuilt (replaced) file does not run the old build's tasks either.
    std::fs::copy(plugin("task-lab"), &file).unwrap();
    lab.run("add sleep key=queued arg=60000");
    await_status(&home, "queued", "running");
    assert_eq!(home.run(&["daemon", "stop"], b"").code, 0);
    std::fs::copy(plugin("echo"), &file).unwrap();
    home.hook(
        &["--plugin", plugin("echo").to_str().unwrap()],
        &prompt_event("unrelated"),
    );
    let error = await_status(&home, "queued", "failed");
    assert!(
        error.contains("was replaced since this task was added"),
        "{error}"
    );
}

#[test]
fn tasks_cancel_stops_a_keys_a_plugins_or_a_sessions_tasks() {
    let home = Home::new();
    let (one, two) = (Lab::new(&home, "one"), Lab::new(&home, "two"));
    one.run("add loop key=spin-one");
    two.run("add loop key=spin-two");
    await_status(&home, "spin-one", "running");
    await_status(&home, "spin-two", "running");

    let run = home.run(&["tasks", "cancel"], b"");
    assert_eq!(run.code, 1, "a filter is required");
    assert!(
        run.stderr
            .contains("KEY, --plugin PATH|NAME, --session ID, or --all"),
        "{}",
        run.stderr
    );

    // By key: only that task (queued behind the two spinning ones, or running).
    one.run("add loop key=spin-three");
    let run = home.run(&["tasks", "cancel", "spin-three"], b"");
    assert_eq!(
        (run.code, run.stdout.trim()),
        (0, "1 task cancelled"),
        "{}",
        run.stderr
    );
    await_status(&home, "spin-three", "cancelled");
    let states = task_states(&home);
    assert_eq!(states["spin-one"].0, "running");
    assert_eq!(states["spin-two"].0, "running");
    let run = home.run(&["tasks", "cancel", "spin-one", "--session", "two"], b"");
    assert_eq!(
        (run.code, run.stdout.trim()),
        (0, "0 tasks cancelled"),
        "a key of another session: {}",
        run.stderr
    );

    let run = home.run(&["tasks", "cancel", "--session", "one"], b"");
    assert_eq!(
        (run.code, run.stdout.trim()),
        (0, "1 task cancelled"),
        "{}",
        run.stderr
    );
    await_status(&home, "spin-one", "cancelled");
    assert_eq!(task_states(&home)["spin-two"].0, "running");

    let path = plugin("task-lab");
    let run = home.run(
        &["tasks", "cancel", "--plugin", path.to_str().unwrap()],
        b"",
    );
    assert_eq!(
        (run.code, run.stdout.trim()),
        (0, "1 task cancelled"),
        "{}",
        run.stderr
    );
    await_status(&home, "spin-two", "cancelled");

    // Without a daemon, in the store: the next daemon finds the task cancelled.
    two.run("add sleep key=later arg=60000");
    await_status(&home, "later", "running");
    assert_eq!(home.run(&["daemon", "stop"], b"").code, 0);
    let run = home.run(&["tasks", "cancel", "--plugin", "task-lab"], b"");
    assert_eq!(
        (run.code, run.stdout.trim()),
        (0, "1 task cancelled"),
        "{}",
        run.stderr
    );
    assert_eq!(task_states(&home)["later"].0, "cancelled");
}

#[test]
fn a_plugins_tasks_share_one_store_quota_whatever_the_session() {
    let home = Home::new();
    let arg = "x".repeat(3_000);
    let mut errors = Vec::new();
    for session in ["q1", "q2", "q3", "q4"] {
        // Each completed echo task keeps about 6 KB (its argument and its result).
        let lab =
            Lab::new(&home, session).with_env("FASTHOOKS_MAX_STORED_BYTES_PER_PLUGIN", "20000");
        let answer = lab.run(&format!("add echo key=big arg={arg}"));
        errors.push(answer["error"].as_str().unwrap_or_default().to_owned());
        if answer.get("error").is_none() {
            assert_eq!(lab.value("wait big 10000"), Value::String(arg.clone()));
        }
    }
    assert_eq!(&errors[..3], ["", "", ""], "three fit: {errors:?}");
    assert!(
        errors[3].contains("past its 20000-byte quota"),
        "the fourth session's task is refused with the reason: {errors:?}"
    );
}
