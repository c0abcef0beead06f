//! One scenario table, three languages: the seed's background-task examples
//! (`tests/fixtures/seed_scenarios.json`) run through the real host against the same plugin
//! written in Rust (`plugins/seed-scenarios`), Python (`seed-scenarios-py`) and JavaScript
//! (`seed-scenarios-js`). Every build must answer every step as the table says, so the three
//! SDKs agree on the task API's semantics.

use fasthooks_e2e::{Home, plugin, workspace_root};
use serde_json::{Value, json};
use std::time::Duration;

const SESSION: &str = "seed-scenarios";

fn event(name: &str, fields: Value) -> Value {
    let mut event = json!({
        "session_id": SESSION,
        "transcript_path": "/tmp/seed-scenarios/transcript.jsonl",
        "cwd": "/tmp",
        "permission_mode": "default",
        "hook_event_name": name,
    });
    event
        .as_object_mut()
        .unwrap()
        .extend(fields.as_object().unwrap().clone());
    event
}

/// Each step's answer (the context line, or null), as `plugin_name` gives it.
fn run_table(plugin_name: &str, steps: &[Value]) -> Vec<Value> {
    let home = Home::new();
    let path = plugin(plugin_name).display().to_string();
    let args = ["--plugin", path.as_str()];
    let mut answers = Vec::new();
    for step in steps {
        if let Some(content) = step["write"].as_str() {
            let write = event(
                "PreToolUse",
                json!({"tool_name": "Write", "tool_input": {"file_path": "/tmp/a.py", "content": content}, "tool_use_id": "toolu_1"}),
            );
            let run = home.hook(&args, &write);
            assert_eq!(run.code, 0, "{plugin_name}: {}", run.stderr);
        } else if step["settle"].as_bool() == Some(true) {
            home.await_tasks(
                Some(SESSION),
                "the session's tasks finish",
                Duration::from_secs(60),
                |tasks| {
                    tasks.iter().all(|(_, status)| {
                        matches!(status.as_str(), "completed" | "failed" | "cancelled")
                    })
                },
            );
        } else {
            let prompt = step["prompt"]
                .as_str()
                .expect("a step writes, settles or prompts");
            let run = home.hook(&args, &event("UserPromptSubmit", json!({"prompt": prompt})));
            assert_eq!(run.code, 0, "{plugin_name} on {prompt:?}: {}", run.stderr);
            let context = if run.stdout.trim().is_empty() {
                Value::Null
            } else {
                run.stdout_json()["hookSpecificOutput"]["additionalContext"].clone()
            };
            answers.push(json!({"prompt": prompt, "context": context}));
        }
    }
    answers
}

#[test]
fn the_seeds_examples_answer_alike_in_rust_python_and_javascript() {
    let table: Value = serde_json::from_str(
        &std::fs::read_to_string(workspace_root().join("tests/fixtures/seed_scenarios.json"))
            .unwrap(),
    )
    .unwrap();
    let steps = table["steps"].as_array().unwrap();
    let expected: Vec<Value> = steps
        .iter()
        .filter(|s| s.get("prompt").is_some())
        .map(|s| json!({"prompt": s["prompt"], "context": s["context"]}))
        .collect();
    assert!(expected.len() >= 9, "the table has every scenario");
    for plugin_name in ["seed-scenarios", "seed-scenarios-py", "seed-scenarios-js"] {
        let answers = run_table(plugin_name, steps);
        for (answer, want) in answers.iter().zip(&expected) {
            assert_eq!(answer, want, "{plugin_name} differs from the table");
        }
        assert_eq!(answers.len(), expected.len(), "{plugin_name}");
    }
}
