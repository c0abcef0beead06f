//! The wake hook, `fasthooks-host wake --plugin P`, as Claude Code runs it after Claude stops
//! (an `asyncRewake` Stop hook): it hands Claude the results of the session's tasks marked with
//! `tasks.wake` (exit 2, the results on stderr), once, and otherwise exits 0 and says nothing.
//! Tasks are driven by task-lab (plugins/task-lab) through real hook processes and the daemon;
//! the real CLI's side is in claude.rs (the review plugin's wake-up).

use fasthooks_e2e::handler::handler_text;
use fasthooks_e2e::lab::Lab;
use fasthooks_e2e::{Home, HookRun, fixture, plugin, run_command};
use serde_json::{Value, json};
use std::path::Path;
use std::time::{Duration, Instant};

/// Run the wake hook of `plugin` for `session`, with `extra` arguments.
fn wake(home: &Home, plugin: &Path, session: &str, extra: &[&str]) -> HookRun {
    let mut stop = fixture("2.1.332/Stop.json");
    stop["session_id"] = session.into();
    let mut command = home.command();
    command.args(["wake", "--plugin"]).arg(plugin).args(extra);
    run_command(
        &mut command,
        stop.to_string().as_bytes(),
        Duration::from_secs(60),
    )
}

fn lab_wake(lab: &Lab, session: &str, extra: &[&str], home: &Home) -> HookRun {
    wake(home, &lab.plugin, session, extra)
}

#[test]
fn a_marked_result_wakes_claude_once_and_is_never_popped_after() {
    let home = Home::new();
    let lab = Lab::new(&home, "s");
    let added = lab.run("add sleep key=w wake=true arg=300");
    assert_eq!(added["status"], "pending", "{added}");

    // The hook waits for the task, then hands it over.
    let woke = lab_wake(&lab, "s", &[], &home);
    assert_eq!(woke.code, 2, "{woke:?}");
    assert_eq!(
        woke.stderr,
        "Background result from plugin task-lab (task w):\n{\"slept_ms\":300}\n"
    );
    assert_eq!(woke.stdout, "");
    assert_eq!(
        lab.value("pop w"),
        Value::Null,
        "handed over, so not popped again"
    );
    assert_eq!(lab.value("get w"), Value::Null);

    // Nothing left marked: the next Stop's hook exits 0 at once, silently.
    let again = lab_wake(&lab, "s", &[], &home);
    assert_eq!((again.code, again.stderr.as_str()), (0, ""), "{again:?}");
}

#[test]
fn a_marked_failure_wakes_claude_with_its_error() {
    let home = Home::new();
    let lab = Lab::new(&home, "s");
    lab.run("add fail wake=true");
    let woke = lab_wake(&lab, "s", &[], &home);
    assert_eq!(woke.code, 2, "{woke:?}");
    assert_eq!(
        woke.stderr,
        "Background task fail of plugin task-lab failed: task-lab: failing on purpose\n"
    );
    assert_eq!(lab.value("pop-errors"), json!([]), "reported once");
}

#[test]
fn unmarked_popped_or_cancelled_tasks_wake_nobody() {
    let home = Home::new();
    let lab = Lab::new(&home, "s");
    lab.run("add echo key=plain arg=kept");
    assert_eq!(lab.value("wait plain 10000"), "kept");
    lab.run("add echo key=popped wake=true arg=first");
    assert_eq!(lab.value("wait popped 10000"), "first");
    assert_eq!(lab.value("pop popped"), "first");
    lab.run("add sleep key=cancelled wake=true arg=60000");
    assert_eq!(lab.value("cancel cancelled"), true);
    assert_eq!(lab.value("wake nosuch"), false, "nothing to mark");
    assert_eq!(
        lab.value("wake cancelled"),
        false,
        "a cancelled task wakes nobody"
    );

    // None of them is waited for: the hook returns at once, not after its 540 s.
    let quiet = lab_wake(&lab, "s", &[], &home);
    assert_eq!((quiet.code, quiet.stderr.as_str()), (0, ""), "{quiet:?}");
    assert!(quiet.elapsed < Duration::from_secs(30), "{quiet:?}");
    assert_eq!(
        lab.value("pop plain"),
        "kept",
        "an unmarked result stays for a pop"
    );
}

#[test]
fn a_task_marked_after_it_was_added_wakes_and_stays_in_its_session() {
    let home = Home::new();
    let mine = Lab::new(&home, "mine");
    mine.run("add echo key=late arg=marked-later");
    assert_eq!(mine.value("wait late 10000"), "marked-later");
    assert_eq!(mine.value("wake late"), true);

    let other = lab_wake(&mine, "other", &[], &home);
    assert_eq!(
        (other.code, other.stderr.as_str()),
        (0, ""),
        "another session: {other:?}"
    );
    let woke = lab_wake(&mine, "mine", &[], &home);
    assert_eq!(woke.code, 2, "{woke:?}");
    assert!(
        woke.stderr.ends_with("(task late):\nmarked-later\n"),
        "{woke:?}"
    );
}

#[test]
fn a_hook_that_waits_past_its_bound_leaves_the_result_to_be_popped() {
    let home = Home::new();
    let lab = Lab::new(&home, "s");
    lab.run("add sleep key=slow wake=true arg=4000");
    let started = Instant::now();
    let early = lab_wake(&lab, "s", &["--wait-seconds", "1"], &home);
    assert_eq!((early.code, early.stderr.as_str()), (0, ""), "{early:?}");
    assert!(
        started.elapsed() < Duration::from_millis(4000),
        "the hook waited for the task, not for its bound: {:?}",
        started.elapsed()
    );
    assert_eq!(lab.value("wait slow 20000"), json!({"slept_ms": 4000}));
    assert_eq!(lab.value("pop slow"), json!({"slept_ms": 4000}));
}

#[test]
fn a_wake_hook_killed_while_it_waits_loses_no_result() {
    let home = Home::new();
    let lab = Lab::new(&home, "s");
    lab.run("add sleep key=k wake=true arg=1500");
    let mut stop = fixture("2.1.332/Stop.json");
    stop["session_id"] = "s".into();
    let mut hook = home
        .command()
        .args(["wake", "--plugin"])
        .arg(&lab.plugin)
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    use std::io::Write;
    hook.stdin
        .take()
        .unwrap()
        .write_all(stop.to_string().as_bytes())
        .unwrap();
    lab.until_status("k", "running");
    hook.kill().unwrap();
    hook.wait().unwrap();

    // The daemon notices the hook is gone when it cannot hand the result over: the result goes
    // back, to be popped (asked until it is there, bounded).
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        let popped = lab.value("pop k");
        if popped == json!({"slept_ms": 1500}) {
            break;
        }
        assert!(
            Instant::now() < deadline,
            "the result of a killed wake hook never came back: {popped}\n{}",
            home.log()
        );
        std::thread::sleep(Duration::from_millis(50));
    }
}

#[test]
fn a_pinned_wake_hook_refuses_a_changed_plugin_and_takes_nothing() {
    let home = Home::new();
    let dir = tempfile::tempdir().unwrap();
    let copy = dir.path().join("task-lab.wasm");
    std::fs::copy(plugin("task-lab"), &copy).unwrap();
    let lab = Lab::new(&home, "s").running_file(&copy);
    lab.run("add echo key=p wake=true arg=pinned");
    assert_eq!(lab.value("wait p 10000"), "pinned");

    let refused = lab_wake(&lab, "s", &["--sha256", &"0".repeat(64)], &home);
    assert_eq!(
        refused.code, 1,
        "never 2, which would wake Claude: {refused:?}"
    );
    assert_eq!(refused.stderr.lines().count(), 1, "{refused:?}");
    assert!(
        refused.stderr.contains("has changed") && refused.stderr.contains("re-run install"),
        "{refused:?}"
    );
    assert_eq!(lab.value("pop p"), "pinned", "nothing was taken");
}

#[test]
fn install_adds_one_wake_hook_per_plugin_that_marks_tasks_and_uninstall_removes_it() {
    let home = Home::new();
    let dir = tempfile::tempdir().unwrap();
    let project = dir.path().join("project");
    std::fs::create_dir_all(&project).unwrap();
    let settings = || -> Value {
        serde_json::from_str(
            &std::fs::read_to_string(project.join(".claude/settings.json")).unwrap(),
        )
        .unwrap()
    };
    let wake_entries = |settings: &Value| -> Vec<Value> {
        settings["hooks"]["Stop"]
            .as_array()
            .into_iter()
            .flatten()
            .flat_map(|group| group["hooks"].as_array().cloned().unwrap_or_default())
            .filter(|hook| {
                hook["type"] == "command" && handler_text(hook).contains(" wake --plugin ")
            })
            .collect()
    };
    for _ in 0..2 {
        let run = home.install_into(&plugin("task-lab"), &[], &project);
        assert_eq!(run.code, 0, "{run:?}");
        assert!(
            run.stdout.contains("wake hook (Stop, asyncRewake"),
            "{run:?}"
        );
    }
    let guard = home.install_into(&plugin("guard"), &[], &project);
    assert_eq!(guard.code, 0, "{guard:?}");
    let entries = wake_entries(&settings());
    assert_eq!(
        entries.len(),
        1,
        "installed twice, one wake hook; none for guard: {entries:?}"
    );
    assert_eq!(entries[0]["asyncRewake"], true);
    assert_eq!(entries[0]["timeout"], 600);
    assert!(
        handler_text(&entries[0]).contains("task-lab.wasm"),
        "{entries:?}"
    );

    let doctor = home.run(&["doctor", "--project-dir", project.to_str().unwrap()], b"");
    assert!(
        doctor.stdout.contains("wake hook of plugin"),
        "doctor checks the wake hook: {doctor:?}"
    );

    let mut uninstall = home.command();
    uninstall
        .args(["uninstall", "--plugin"])
        .arg(plugin("task-lab"))
        .arg("--project-dir")
        .arg(&project);
    let run = run_command(&mut uninstall, b"", Duration::from_secs(60));
    assert_eq!(run.code, 0, "{run:?}");
    assert_eq!(wake_entries(&settings()), Vec::<Value>::new());
    assert!(
        settings().to_string().contains("guard.wasm"),
        "the other plugin's hooks stay"
    );
}
