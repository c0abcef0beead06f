//! Watching what plugins do: every log line names its plugin, session and event or task key,
//! task failures are logged, and `fasthooks-host logs` picks lines out and follows the log.

use fasthooks_e2e::lab::Lab;
use fasthooks_e2e::lines::Lines;
use fasthooks_e2e::{Home, plugin, prompt_event, run_command};
use std::time::Duration;

fn hostile_logs(home: &Home, session: &str, word: &str) {
    let mut event = prompt_event(&format!("fs log 1 0 {word}"));
    event["session_id"] = session.into();
    let mut command = home.command();
    command.args(["--plugin", plugin("hostile").to_str().unwrap()]);
    let run = run_command(
        &mut command,
        event.to_string().as_bytes(),
        Duration::from_secs(60),
    );
    assert_eq!(run.code, 0, "{}", run.stderr);
}

fn logs(home: &Home, args: &[&str]) -> Vec<String> {
    let mut command = home.command();
    command.arg("logs").args(args);
    let run = run_command(&mut command, b"", Duration::from_secs(30));
    assert_eq!(run.code, 0, "{}", run.stderr);
    run.stdout.lines().map(str::to_owned).collect()
}

#[test]
fn log_lines_name_their_plugin_session_and_event_and_can_be_picked_by_them() {
    let home = Home::new();
    hostile_logs(&home, "first", "marker-first");
    hostile_logs(&home, "second", "marker-second");
    let first = logs(&home, &["--plugin", "hostile", "--session", "first"]);
    assert_eq!(first.len(), 1, "{first:?}");
    assert!(first[0].contains("marker-first"), "{first:?}");
    assert!(
        first[0].ends_with(r#"plugin="hostile" session="first" event="UserPromptSubmit""#),
        "{first:?}"
    );
    assert_eq!(logs(&home, &["--plugin", "hostile"]).len(), 2);
    assert!(logs(&home, &["--event", "PreToolUse"]).is_empty());
    assert_eq!(
        logs(&home, &["--plugin", "hostile", "--lines", "1"]).len(),
        1
    );
}

#[test]
fn a_plugin_cannot_pass_its_lines_off_as_another_plugins_or_sessions() {
    let home = Home::new();
    let forged = r#"approved plugin="guard" session="victim" event="PreToolUse" task="t""#;
    let mut event = prompt_event(&format!("forge {forged}"));
    event["session_id"] = "attacker".into();
    let mut command = home.command();
    command.args(["--plugin", plugin("hostile").to_str().unwrap()]);
    let run = run_command(
        &mut command,
        event.to_string().as_bytes(),
        Duration::from_secs(60),
    );
    assert_eq!(run.code, 0, "{}", run.stderr);
    // Both the log line and the stderr line reached the log, as the attacker's.
    let own = logs(&home, &["--plugin", "hostile", "--session", "attacker"]);
    assert_eq!(
        own.iter().filter(|l| l.contains("approved")).count(),
        2,
        "{own:?}"
    );
    for filter in [
        &["--plugin", "guard"][..],
        &["--session", "victim"],
        &["--event", "PreToolUse"],
        &["--task", "t"],
    ] {
        let shown = logs(&home, filter);
        assert!(
            shown.is_empty(),
            "{filter:?} shows the forged lines: {shown:?}"
        );
    }
}

#[test]
fn a_failed_task_is_logged_with_its_key() {
    let home = Home::new();
    let lab = Lab::new(&home, "tasks");
    lab.run("add trap key=boom");
    lab.until_status("boom", "failed");
    let lines = logs(&home, &["--task", "boom"]);
    let failure = lines
        .iter()
        .find(|l| l.contains("WARN task failed: crashed"))
        .unwrap_or_else(|| panic!("the failure is logged: {lines:?}"));
    assert!(
        failure.ends_with(r#"plugin="task-lab" session="tasks" task="boom" name="trap""#),
        "{failure}"
    );
}

#[test]
fn logs_follow_prints_new_lines_as_they_are_written() {
    let home = Home::new();
    hostile_logs(&home, "s", "before-follow");
    let mut follow = Killed(
        home.command()
            .args(["logs", "--follow", "--lines", "0", "--plugin", "hostile"])
            .stdout(std::process::Stdio::piped())
            .spawn()
            .unwrap(),
    );
    let lines = Lines::of(follow.0.stdout.take().unwrap());
    let wait_for = |word: &str| lines.wait_for(word, Duration::from_secs(10));
    wait_for("before-follow");
    hostile_logs(&home, "s", "after-follow");
    wait_for("after-follow");
}

/// A child process killed when dropped, a failed test included.
struct Killed(std::process::Child);

impl Drop for Killed {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// `stats` counts each plugin's calls and failures per event from the daemon's start, with
/// latencies; an event a plugin does not subscribe to is not a call.
#[test]
fn stats_counts_calls_and_failures_per_plugin_and_event() {
    let home = Home::new();
    let mut command = home.command();
    command.args(["stats", "--json"]);
    let run = run_command(&mut command, b"", Duration::from_secs(30));
    assert_eq!(
        (run.code, run.stdout.trim()),
        (0, "[]"),
        "no daemon, no counters: {}",
        run.stderr
    );
    let guard = plugin("guard");
    let hostile = plugin("hostile");
    let args = [
        "--plugin",
        guard.to_str().unwrap(),
        "--plugin",
        hostile.to_str().unwrap(),
    ];
    for command in [
        "ls",
        "ls -l",
        "echo hostile-trap",
        "pwd",
        "echo hostile-trap again",
    ] {
        home.hook(&args, &fasthooks_e2e::bash_event(command));
    }
    home.hook(&args, &prompt_event("fs log 1 0 hello"));
    let mut command = home.command();
    command.args(["stats", "--json"]);
    let run = run_command(&mut command, b"", Duration::from_secs(30));
    assert_eq!(run.code, 0, "{}", run.stderr);
    let rows: Vec<serde_json::Value> = serde_json::from_str(&run.stdout).unwrap();
    let row = |name: &str, event: &str| {
        rows.iter()
            .find(|r| r["plugin_name"] == name && r["event"] == event)
            .cloned()
    };
    let guard_bash = row("guard", "PreToolUse").expect("guard's PreToolUse calls");
    assert_eq!(
        (
            guard_bash["calls"].as_u64(),
            guard_bash["failures"].as_u64()
        ),
        (Some(5), Some(0))
    );
    assert!(guard_bash["p50_us"].as_u64().unwrap() > 0, "{guard_bash}");
    assert!(guard_bash["p99_us"].as_u64() <= guard_bash["max_us"].as_u64());
    let hostile_bash = row("hostile", "PreToolUse").expect("hostile's PreToolUse calls");
    assert_eq!(
        (
            hostile_bash["calls"].as_u64(),
            hostile_bash["failures"].as_u64()
        ),
        (Some(5), Some(2)),
        "the two traps are failures"
    );
    assert!(row("hostile", "UserPromptSubmit").is_some());
    assert!(
        row("guard", "UserPromptSubmit").is_none(),
        "guard does not subscribe to prompts: {rows:?}"
    );

    let mut command = home.command();
    command.arg("stats");
    let run = run_command(&mut command, b"", Duration::from_secs(30));
    assert_eq!(run.code, 0, "{}", run.stderr);
    let header = run.stdout.lines().next().unwrap_or_default();
    assert!(
        header.starts_with("PLUGIN") && header.contains("P99"),
        "{}",
        run.stdout
    );
}
