//! Writing a plugin without Claude Code in the loop: `fasthooks-host test` runs one event
//! through real plugin builds and shows what Claude Code would get, the log and the tasks.

use fasthooks_e2e::{Home, HookRun, plugin, run_command, workspace_root};
use std::time::Duration;

fn test(home: &Home, args: &[&str]) -> HookRun {
    let mut command = home.command();
    command.arg("test").args(args);
    run_command(&mut command, b"", Duration::from_secs(60))
}

/// `test --plugin guard ARGS`.
fn test_guard(home: &Home, args: &[&str]) -> HookRun {
    let guard = plugin("guard");
    test(
        home,
        &[&["--plugin", guard.to_str().unwrap()], args].concat(),
    )
}

fn section<'a>(out: &'a str, title: &str) -> Vec<&'a str> {
    out.lines()
        .skip_while(|l| *l != title)
        .skip(1)
        .take_while(|l| l.starts_with("  "))
        .map(str::trim)
        .collect()
}

#[test]
fn a_sample_event_shows_the_answer_claude_code_would_get() {
    let home = Home::new();
    let run = test_guard(
        &home,
        &[
            "--example",
            "PreToolUse:Bash",
            "--tool-input",
            r#"{"command":"rm -rf /"}"#,
        ],
    );
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert!(
        run.stdout
            .starts_with("event      PreToolUse (Bash), the sample event\nexit code  0\n"),
        "{}",
        run.stdout
    );
    let stdout = section(&run.stdout, "stdout");
    let answer: serde_json::Value = serde_json::from_str(stdout[0]).unwrap();
    assert_eq!(answer["hookSpecificOutput"]["permissionDecision"], "deny");
    assert_eq!(section(&run.stdout, "tasks"), ["(none queued)"]);

    // The same plugin, a harmless command: no opinion, nothing printed.
    let run = test_guard(&home, &["--example", "PreToolUse:Bash"]);
    assert_eq!(section(&run.stdout, "stdout"), ["(empty)"]);
}

#[test]
fn queued_tasks_are_shown_and_run_only_when_asked() {
    let home = Home::new();
    let analyze = plugin("analyze");
    let args = [
        "--plugin",
        analyze.to_str().unwrap(),
        "--example",
        "PreToolUse:Write",
    ];
    let run = test(&home, &args);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let tasks = section(&run.stdout, "tasks");
    assert!(
        tasks[0].starts_with("analyze_code  analyze_code  pending  args: {"),
        "{tasks:?}"
    );
    assert!(tasks[1].contains("add --run-tasks"), "{tasks:?}");

    let run = test(&home, &[&args[..], &["--run-tasks"]].concat());
    let tasks = section(&run.stdout, "tasks");
    assert!(
        tasks[0].starts_with("analyze_code  analyze_code  completed  value: {"),
        "{tasks:?}"
    );
    assert!(tasks[0].contains(r#""language":"Rust""#), "{tasks:?}");

    // Neither run touched the user's store, nor started a daemon.
    let mut list = home.command();
    list.args(["tasks", "--json"]);
    let listed = run_command(&mut list, b"", Duration::from_secs(30));
    assert_eq!(listed.stdout.trim(), "[]", "{}", listed.stderr);
    let mut status = home.command();
    status.args(["daemon", "status"]);
    let status = run_command(&mut status, b"", Duration::from_secs(30));
    assert_eq!(status.code, 3, "no daemon was started: {}", status.stdout);
}

#[test]
fn an_event_file_runs_as_claude_code_sent_it_and_failures_show_as_claude_code_sees_them() {
    let home = Home::new();
    let event = workspace_root().join("tests/fixtures/2.1.332/UserPromptSubmit.json");
    let event = event.to_str().unwrap();
    let hostile = plugin("hostile");
    let with_prompt = |prompt: &str| {
        let args = [
            "--plugin",
            hostile.to_str().unwrap(),
            "--event",
            event,
            "--prompt",
            prompt,
        ];
        test(&home, &args)
    };
    let run = with_prompt("trap");
    assert_eq!(run.code, 0, "the test itself ran: {}", run.stderr);
    assert!(
        run.stdout.contains("UserPromptSubmit, from "),
        "{}",
        run.stdout
    );
    assert!(run.stdout.contains("exit code  1\n"), "{}", run.stdout);
    let stderr = section(&run.stdout, "stderr");
    assert!(
        stderr[0].contains("plugin hostile") && stderr[0].contains("trap"),
        "{stderr:?}"
    );

    // The plugin's own log lines are shown.
    let run = with_prompt("fs log 2 0 hello-log");
    let log = section(&run.stdout, "log");
    assert_eq!(
        log.iter().filter(|l| l.contains("hello-log")).count(),
        2,
        "{log:?}"
    );
}

#[test]
fn a_wrong_event_name_fails_in_one_line_naming_the_event_meant() {
    let home = Home::new();
    let run = test_guard(&home, &["--example", "PreTooluse:Bash"]);
    assert_eq!(run.code, 1);
    assert_eq!(run.stderr.trim().lines().count(), 1, "{}", run.stderr);
    assert!(
        run.stderr.contains("did you mean PreToolUse?"),
        "{}",
        run.stderr
    );
    // The same typo in an event file.
    let file = tempfile::NamedTempFile::new().unwrap();
    std::fs::write(
        file.path(),
        r#"{"session_id":"s","cwd":"/tmp","hook_event_name":"pretooluse","tool_name":"Bash","tool_input":{}}"#,
    )
    .unwrap();
    let run = test_guard(&home, &["--event", file.path().to_str().unwrap()]);
    assert_eq!(
        (run.code, run.stderr.trim().lines().count()),
        (1, 1),
        "{}",
        run.stderr
    );
    assert!(
        run.stderr.contains("did you mean `PreToolUse`?"),
        "{}",
        run.stderr
    );
    let run = test_guard(&home, &["--example", "Stop:Bash"]);
    assert!(run.stderr.contains("Stop has no tool"), "{}", run.stderr);
    let run = test_guard(&home, &[]);
    assert_eq!(
        run.code, 1,
        "--event or --example is required: {}",
        run.stderr
    );
}

/// A tool matcher in the wrong case (`write`) never fires: `describe`, `inspect` and `test`
/// warn about it as install does, on stderr for the first two (their stdout is for scripts)
/// and at the top of the report for `test`.
#[test]
fn describe_inspect_and_test_warn_about_a_miscased_tool_matcher() {
    let home = Home::new();
    let miscased = plugin("miscased-matcher");
    let path = miscased.to_str().unwrap();
    let warning = "`write` never fires: tool names are case-sensitive; did you mean `Write`?";
    for args in [vec!["describe", path], vec!["inspect", path]] {
        let mut command = home.command();
        command.args(&args);
        let run = run_command(&mut command, b"", Duration::from_secs(120));
        assert_eq!(run.code, 0, "{args:?}: {}", run.stderr);
        assert!(run.stderr.contains(warning), "{args:?}: {}", run.stderr);
        assert!(!run.stdout.contains(warning), "{args:?}: {}", run.stdout);
        if args[0] == "describe" {
            let json: serde_json::Value = serde_json::from_str(&run.stdout)
                .unwrap_or_else(|err| panic!("describe prints JSON ({err}): {}", run.stdout));
            assert_eq!(json["name"], "miscased-matcher");
            assert_eq!(json["tasks"], serde_json::json!([]));
            assert_eq!(json["path"], path);
            assert_eq!(json["sha256"].as_str().map(str::len), Some(64));
        }
    }
    let run = test(&home, &["--plugin", path, "--example", "PreToolUse:Write"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert!(run.stdout.starts_with("warning: "), "{}", run.stdout);
    assert!(run.stdout.contains(warning), "{}", run.stdout);
    // A plugin whose matchers are right gets no warning.
    let run = test_guard(&home, &["--example", "PreToolUse:Bash"]);
    assert!(!run.stdout.contains("warning"), "{}", run.stdout);
}

/// `command` run with its stderr on a terminal (through `script`, which gives it a pty), the
/// way a person runs it; what the terminal showed.
fn on_a_terminal(home: &Home, command: &str) -> String {
    let out = std::process::Command::new("script")
        .args(["-qec", command, "/dev/null"])
        .env("FASTHOOKS_HOME", home.path())
        .output()
        .expect("script (util-linux) runs");
    assert!(out.status.success(), "{command}: {out:?}");
    String::from_utf8_lossy(&out.stdout).into_owned()
}

#[test]
fn a_first_compile_is_announced_on_a_terminal_and_only_there() {
    let home = Home::new();
    let host = fasthooks_e2e::host_binary();
    let describe = format!(
        "{} describe {} >/dev/null",
        host.display(),
        plugin("guard").display()
    );
    let shown = on_a_terminal(&home, &describe);
    assert!(
        shown.contains("compiling guard.wasm (") && shown.contains("first time only"),
        "{shown:?}"
    );
    assert!(shown.contains("compiled in "), "{shown:?}");
    // Compiled once: the next command says nothing.
    assert_eq!(on_a_terminal(&home, &describe).trim(), "");
    // Into a pipe (a script reading stderr, or Claude Code reading a hook's), never.
    let fresh = Home::new();
    let run = test(
        &fresh,
        &[
            "--plugin",
            plugin("guard").to_str().unwrap(),
            "--example",
            "Stop",
        ],
    );
    assert_eq!(run.stderr, "", "no progress into a pipe");
}

/// Every command's `--help` ends with an example (the commands read from `--help` itself, so a
/// new command without one fails here).
#[test]
fn every_command_has_help_with_an_example() {
    let home = Home::new();
    let help = |args: &[&str]| -> String {
        let mut command = home.command();
        command.args(args).arg("--help");
        let run = run_command(&mut command, b"", Duration::from_secs(30));
        assert_eq!(run.code, 0, "{args:?}: {}", run.stderr);
        run.stdout
    };
    let top = help(&[]);
    let commands: Vec<String> = top
        .lines()
        .skip_while(|l| !l.starts_with("Commands:"))
        .skip(1)
        .take_while(|l| !l.trim().is_empty())
        .filter_map(|l| l.split_whitespace().next().map(str::to_owned))
        .filter(|c| c != "help")
        .collect();
    assert!(commands.len() >= 10, "{top}");
    let mut all: Vec<Vec<&str>> = commands.iter().map(|c| vec![c.as_str()]).collect();
    all.push(vec!["tasks", "show"]);
    all.push(vec!["tasks", "cancel"]);
    for args in all {
        let text = help(&args);
        assert!(text.contains("Example"), "{args:?} has no example:\n{text}");
    }
}
