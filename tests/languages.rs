//! Plugins in other languages through the real host: Python (componentize-py) and
//! JavaScript/TypeScript (fasthooks-sdk, esbuild, jco / componentize-js) run like Rust ones,
//! and route on the host's matching.

use fasthooks_e2e::{Home, bash_event, fixture, plugin, prompt_event, run_command, workspace_root};
use serde_json::json;
use std::process::Command;
use std::time::Duration;

fn deny_json(reason: &str) -> String {
    format!(
        "{}\n",
        json!({"hookSpecificOutput": {"hookEventName": "PreToolUse", "permissionDecision": "deny", "permissionDecisionReason": reason}})
    )
}

/// The prompt `throw` through `plugin_name` (its handler throws): the hook fails open (exit 1,
/// nothing on stdout) with one line naming the plugin and ending with where the details are.
/// That line, and the home whose log has them.
fn thrown_on_purpose(plugin_name: &str) -> (String, Home) {
    let home = Home::new();
    let path = plugin(plugin_name).display().to_string();
    let run = home.hook(
        &["--plugin", &path, "--allow-agent"],
        &prompt_event("throw"),
    );
    assert_eq!((run.code, run.stdout.as_str()), (1, ""), "{}", run.stderr);
    let lines: Vec<&str> = run.stderr.lines().collect();
    assert_eq!(lines.len(), 1, "one line: {}", run.stderr);
    let line = lines[0].to_owned();
    assert!(line.contains(&format!("plugin {plugin_name} (")), "{line}");
    assert!(
        line.ends_with("/fasthooks.log)") && line.contains(" (details: /"),
        "the line says where the details are: {line}"
    );
    (line, home)
}

/// A plugin written in Python (componentize-py) runs like a Rust one, background tasks included.
mod python {
    use super::*;

    /// Two handlers answering one event: the host merges them by its one rule.
    #[test]
    fn a_python_plugins_answers_are_merged_by_the_host() {
        let home = Home::new();
        let table = plugin("matchers-py").display().to_string();
        let run = home.hook(&["--plugin", &table], &prompt_event("merge"));
        assert_eq!(run.code, 0, "{}", run.stderr);
        let out = run.stdout_json();
        assert_eq!(
            out["hookSpecificOutput"]["additionalContext"],
            "first\n\nsecond"
        );
        assert_eq!(out["systemMessage"], "s1\ns2");
    }

    /// The shared matcher table through a Python plugin: its routes fire exactly for the cases
    /// the table says match (the host matches; the SDK routes on what the host found).
    #[test]
    fn the_shared_matcher_table_through_the_python_sdk() {
        let home = Home::new();
        let table = plugin("matchers-py").display().to_string();
        let text = std::fs::read_to_string(
            fasthooks_e2e::workspace_root().join("tests/fixtures/matchers.json"),
        )
        .unwrap();
        let cases: serde_json::Value = serde_json::from_str(&text).unwrap();
        let cases: Vec<&serde_json::Value> = cases["cases"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|c| c["expected"] != "refused")
            .collect();
        // The plugin's routes, numbered as it numbers them.
        let mut routes: Vec<(String, String)> = Vec::new();
        for case in &cases {
            let key = (
                case["event"]["hook_event_name"]
                    .as_str()
                    .unwrap()
                    .to_owned(),
                case["matcher"].as_str().unwrap().to_owned(),
            );
            if !routes.contains(&key) {
                routes.push(key);
            }
        }
        for (i, case) in cases.iter().enumerate() {
            let mut event = case["event"].clone();
            event["session_id"] = format!("case-{i}").into();
            event["cwd"] = "/tmp".into();
            let run = home.hook(&["--plugin", &table], &event);
            assert_eq!(run.code, 0, "{case}: {}", run.stderr);
        }
        let log = std::fs::read_to_string(home.path().join("logs/fasthooks.log")).unwrap();
        for (i, case) in cases.iter().enumerate() {
            let key = (
                case["event"]["hook_event_name"]
                    .as_str()
                    .unwrap()
                    .to_owned(),
                case["matcher"].as_str().unwrap().to_owned(),
            );
            let route = routes.iter().position(|r| *r == key).unwrap();
            let fired = log.contains(&format!("matcher-table case-{i} route {route}."));
            assert_eq!(serde_json::Value::Bool(fired), case["expected"], "{case}");
        }
    }

    #[test]
    fn a_python_plugin_denies_and_hands_task_results_to_the_next_hook() {
        let home = Home::new();
        let secrets = plugin("secrets-py").display().to_string();
        let args = ["--plugin", secrets.as_str()];

        let mut write = fixture("derived/PreToolUse.write.json");
        write["tool_input"]["content"] = "aws_key = \"AKIAIOSFODNN7EXAMPLE\"\n".into();
        let run = home.hook(&args, &write);
        assert_eq!(run.code, 0, "{}", run.stderr);
        let reason = run.stdout_json()["hookSpecificOutput"]["permissionDecisionReason"]
            .as_str()
            .unwrap()
            .to_owned();
        assert!(reason.contains("an AWS access key id"), "{reason}");
        assert_eq!(run.stdout, deny_json(&reason));

        let run = home.hook(&args, &fixture("derived/PreToolUse.write.json"));
        assert_eq!(
            (run.code, run.stdout.as_str()),
            (0, ""),
            "clean content: {}",
            run.stderr
        );

        let mut first = prompt_event("please refactor the parser and test the parser");
        first["session_id"] = "python-session".into();
        let run = home.hook(&args, &first);
        assert_eq!(
            (run.code, run.stdout.as_str()),
            (0, ""),
            "nothing pending yet: {}",
            run.stderr
        );
        // The background task finishes on its own time: watch the task listing until it has.
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
        loop {
            let listing = home.run(&["tasks", "--session", "python-session", "--json"], b"");
            let tasks: serde_json::Value = serde_json::from_str(&listing.stdout).unwrap();
            let tasks = tasks.as_array().unwrap();
            if !tasks.is_empty() && tasks.iter().all(|t| t["status"] == "completed") {
                break;
            }
            assert!(
                std::time::Instant::now() < deadline,
                "task never completed: {tasks:?}"
            );
        }
        let mut second = prompt_event("thanks");
        second["session_id"] = "python-session".into();
        let run = home.hook(&args, &second);
        assert_eq!(run.code, 0, "{}", run.stderr);
        assert_eq!(
            run.stdout_json()["hookSpecificOutput"]["additionalContext"],
            "Previous prompt: 8 words; frequent: parser, please, refactor"
        );
    }
}

mod python_native {
    use super::*;

    /// The Python SDK's own tests and the memory plugin's unit tests, in its native test mode
    /// under plain `python -m pytest` (pytest from the build's private virtualenv): no
    /// componentize step.
    #[test]
    fn the_python_sdk_and_plugins_pass_their_native_tests() {
        let root = workspace_root();
        for (dir, at_least) in [("guest-sdk/python/tests", 17), ("plugins/memory", 3)] {
            let mut pytest = Command::new(root.join("target/py-venv/bin/python"));
            pytest
                .args(["-m", "pytest", "-q", "-p", "no:cacheprovider"])
                .arg(root.join(dir))
                .env("PYTHONPATH", root.join("guest-sdk/python"))
                .env("PYTHONDONTWRITEBYTECODE", "1")
                .current_dir(root.join(dir));
            let run = run_command(&mut pytest, b"", Duration::from_secs(120));
            assert_eq!(run.code, 0, "pytest {dir}:\n{}\n{}", run.stdout, run.stderr);
            let passed: usize = run
                .stdout
                .lines()
                .find_map(|line| {
                    line.split(" passed")
                        .next()
                        .filter(|_| line.contains(" passed"))
                })
                .and_then(|n| n.trim().parse().ok())
                .unwrap_or(0);
            assert!(passed >= at_least, "{dir}: {passed} passed\n{}", run.stdout);
        }
    }

    /// An exception in a Python handler reaches the host as one line naming the plugin, the
    /// exception's class and message and the plugin's line: no runtime panic text.
    #[test]
    fn an_exception_in_a_python_handler_is_one_line_naming_plugin_class_and_place() {
        let (line, home) = thrown_on_purpose("agent-task-py");
        assert!(
            line.contains("returned an error: ValueError: thrown on purpose (app.py:"),
            "{line}"
        );
        assert!(!line.contains("panicked"), "{line}");
        assert!(
            home.log().contains("handling UserPromptSubmit: Traceback"),
            "the traceback goes to the log:\n{}",
            home.log()
        );
    }
}

/// A plugin written in JavaScript (jco / componentize-js) runs like a Rust one.
mod javascript {
    use super::*;

    #[test]
    fn a_javascript_plugin_denies_non_conventional_commits() {
        let home = Home::new();
        let style = plugin("commit-style-js").display().to_string();
        let args = ["--plugin", style.as_str()];

        let run = home.hook(&args, &bash_event("git commit -am \"fixed stuff\""));
        assert_eq!(run.code, 0, "{}", run.stderr);
        let reason = run.stdout_json()["hookSpecificOutput"]["permissionDecisionReason"]
            .as_str()
            .unwrap()
            .to_owned();
        assert!(
            reason.starts_with(
                "fasthooks commit-style: \"fixed stuff\" is not a Conventional Commit"
            ),
            "{reason}"
        );
        assert_eq!(run.stdout, deny_json(&reason));

        for fine in [
            "git commit -m 'fix(parser): accept empty input'",
            "git status",
            "echo git commit",
        ] {
            let run = home.hook(&args, &bash_event(fine));
            assert_eq!(
                (run.code, run.stdout.as_str(), run.stderr.as_str()),
                (0, "", ""),
                "{fine}"
            );
        }
    }

    /// The JavaScript SDK's own tests and the JavaScript plugins' unit tests, in its native test
    /// mode under plain Node: no component is built for them.
    #[test]
    fn the_javascript_sdk_and_plugins_pass_their_native_tests() {
        for (dir, at_least) in [
            ("guest-sdk/js", 12),
            ("plugins/commit-style-js", 3),
            ("plugins/docs-prefetch", 4),
            // TypeScript: bundled for Node by scripts/build-plugins.sh.
            ("target/js-test", 3),
        ] {
            let mut node = Command::new("node");
            node.args(["--test", "--test-reporter=tap"])
                .current_dir(workspace_root().join(dir));
            if dir == "guest-sdk/js" {
                node.arg("test/");
            }
            if dir == "target/js-test" {
                node.arg("agent-task-ts.test.mjs");
            }
            let run = run_command(&mut node, b"", Duration::from_secs(120));
            assert_eq!(
                run.code, 0,
                "node --test in {dir}:\n{}\n{}",
                run.stdout, run.stderr
            );
            let passed: usize = run
                .stdout
                .lines()
                .find_map(|line| line.strip_prefix("# pass "))
                .and_then(|n| n.trim().parse().ok())
                .unwrap_or(0);
            assert!(passed >= at_least, "{dir}: {passed} passed\n{}", run.stdout);
            assert!(run.stdout.contains("# fail 0"), "{dir}:\n{}", run.stdout);
        }
    }

    /// An exception in a TypeScript handler reaches the host as one line naming the plugin, the
    /// error's class and message and where it was thrown: no runtime abort text.
    #[test]
    fn an_exception_in_a_javascript_handler_is_one_line_naming_plugin_class_and_place() {
        let (line, home) = thrown_on_purpose("agent-task-ts");
        assert!(
            line.contains("returned an error: TypeError: can't access property")
                && line.contains("(agent-task-ts.js:"),
            "{line}"
        );
        assert!(!line.contains("abort"), "{line}");
        assert!(
            home.log().contains("handling UserPromptSubmit: TypeError"),
            "the stack goes to the log:\n{}",
            home.log()
        );
    }
}
