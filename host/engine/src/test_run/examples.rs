//! Sample events for `fasthooks-host test --example EVENT[:TOOL]`: one per event of the
//! protocol table, in the shape of the protocol reference's examples (`examples.json`), with
//! paths moved under the directory the test runs in and, on tool events, the tool's input
//! made to fit the tool asked for.

use fasthooks_protocol::events::{self, MatchSubject};
use serde_json::{Value, json};
use std::path::Path;

const EXAMPLES: &str = include_str!("examples.json");

/// Where the examples' paths live; moved under the test's directory.
const EXAMPLE_DIR: &str = "/home/dev/app";

/// A sample event can't be made.
#[derive(Debug, thiserror::Error)]
pub enum ExampleError {
    #[error(
        "--example {0}: Claude Code has no such event; did you mean {1}? (names are case-sensitive)"
    )]
    Misspelt(String, &'static str),
    #[error("--example {0}: Claude Code has no such event (the events are: {1})")]
    Unknown(String, String),
    #[error("--example {event}:{tool}: {event} has no tool; drop `:{tool}`")]
    NoTool { event: String, tool: String },
}

/// The sample `event` (`PreToolUse`), for `tool` on tool events, as if it ran in `cwd`.
pub fn example(event: &str, tool: Option<&str>, cwd: &Path) -> Result<Value, ExampleError> {
    let all: Vec<Value> = serde_json::from_str(EXAMPLES).expect("examples.json is valid JSON");
    let Some(mut sample) = all
        .into_iter()
        .find(|e| e["hook_event_name"].as_str() == Some(event))
    else {
        return Err(match events::suggest(event) {
            Some(meant) => ExampleError::Misspelt(event.to_owned(), meant),
            None => ExampleError::Unknown(
                event.to_owned(),
                events::EVENTS
                    .iter()
                    .map(|spec| spec.name)
                    .collect::<Vec<_>>()
                    .join(", "),
            ),
        });
    };
    rebase(&mut sample, &cwd.display().to_string());
    if let Some(tool) = tool {
        let takes_tool = events::event_spec(event)
            .is_some_and(|spec| spec.subject == MatchSubject::Field("tool_name"));
        if !takes_tool {
            return Err(ExampleError::NoTool {
                event: event.to_owned(),
                tool: tool.to_owned(),
            });
        }
        if sample["tool_name"].as_str() != Some(tool) {
            sample["tool_name"] = tool.into();
            sample["tool_input"] = tool_input(tool, cwd);
            if sample.get("tool_response").is_some() {
                sample["tool_response"] = json!({"success": true});
            }
        }
    }
    Ok(sample)
}

/// A plausible input for `tool` (empty for tools without a sample, MCP tools among them).
pub fn tool_input(tool: &str, cwd: &Path) -> Value {
    let file = cwd.join("src/lib.rs").display().to_string();
    match tool {
        "Bash" => json!({"command": "ls -la", "description": "List files"}),
        "Write" => json!({"file_path": file, "content": "pub fn f() {}\n"}),
        "Edit" => json!({"file_path": file, "old_string": "f()", "new_string": "g()"}),
        "MultiEdit" => {
            json!({"file_path": file, "edits": [{"old_string": "f()", "new_string": "g()"}]})
        }
        "Read" => json!({"file_path": file}),
        "Glob" => json!({"pattern": "**/*.rs"}),
        "Grep" => json!({"pattern": "fn main", "path": cwd.display().to_string()}),
        "WebFetch" => json!({"url": "https://docs.rs/serde", "prompt": "Summarise the API"}),
        "WebSearch" => json!({"query": "rust serde derive"}),
        "Task" | "Agent" => {
            json!({"description": "Review", "prompt": "Review src/lib.rs", "subagent_type": "general-purpose"})
        }
        _ => json!({}),
    }
}

/// Every string that names a path under [`EXAMPLE_DIR`] names the same path under `cwd`.
fn rebase(value: &mut Value, cwd: &str) {
    match value {
        Value::String(text) => {
            if let Some(rest) = text.strip_prefix(EXAMPLE_DIR)
                && (rest.is_empty() || rest.starts_with('/'))
            {
                *text = format!("{cwd}{rest}");
            }
        }
        Value::Array(items) => items.iter_mut().for_each(|v| rebase(v, cwd)),
        Value::Object(fields) => fields.values_mut().for_each(|v| rebase(v, cwd)),
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_event_of_the_protocol_table_has_a_sample_that_parses() {
        for spec in events::EVENTS {
            let sample = example(spec.name, None, Path::new("/work/p"))
                .unwrap_or_else(|err| panic!("{}: {err}", spec.name));
            let event = fasthooks_protocol::HookEvent::parse(sample.to_string().as_bytes())
                .unwrap_or_else(|err| panic!("{}: {err}", spec.name));
            assert_eq!(event.name, spec.name);
            assert_eq!(
                sample["cwd"].as_str().map(|c| c.starts_with("/work/p")),
                Some(true)
            );
        }
    }

    #[test]
    fn a_tool_event_gets_the_tool_asked_for_and_an_input_that_fits_it() {
        let sample = example("PreToolUse", Some("Write"), Path::new("/work/p")).unwrap();
        assert_eq!(sample["tool_name"], "Write");
        assert_eq!(sample["tool_input"]["file_path"], "/work/p/src/lib.rs");
        let sample = example("PostToolUse", Some("Bash"), Path::new("/w")).unwrap();
        assert_eq!(sample["tool_input"]["command"], "ls -la");
        assert_eq!(sample["tool_response"], json!({"success": true}));
    }

    #[test]
    fn wrong_names_are_refused_with_what_was_meant() {
        let err = example("PreTooluse", None, Path::new("/")).unwrap_err();
        assert!(
            err.to_string().contains("did you mean PreToolUse?"),
            "{err}"
        );
        let err = example("Stop", Some("Bash"), Path::new("/")).unwrap_err();
        assert!(err.to_string().contains("Stop has no tool"), "{err}");
        let err = example("Nonsense", None, Path::new("/")).unwrap_err();
        assert!(err.to_string().contains("SessionStart, Setup"), "{err}");
    }
}
