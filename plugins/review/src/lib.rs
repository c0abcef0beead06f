//! review: the seed's code-review agent. When Claude writes or edits a source file, a background
//! task asks a Claude sub-agent to review what was written (security, performance, style), and
//! the next prompt of the session gets the review as context, headed `Code review:`.
//!
//! - PreToolUse `Write|Edit|MultiEdit` of a file whose extension is a source file's: queues
//!   `review_code` under the key `review:<hash of the text>:<path>` (so several edits of one
//!   file are each reviewed, and the same text twice once) and answers at once, with no
//!   opinion on the write itself.
//! - The task: one sub-agent query with the reviewer's system prompt and read-only tools at most
//!   (none by default; the user grants tools with `--allow-agent-tools`). Its result is the
//!   section Claude reads: `Code review: <path relative to the project>` and the findings.
//! - UserPromptSubmit: every finished review of the session, popped, as `Code review: <path>`
//!   sections; a review that failed is reported once, with its error.
//! - A review is marked to wake Claude (`tasks.wake`): one that finishes after Claude has stopped
//!   is handed to Claude at once by the wake hook `install` adds, instead of waiting for the next
//!   prompt (`"wake": false` in the configuration turns this off).
//!
//! Configuration (optional): `.claude/review.json` in the session's project, read when the plugin
//! is granted that directory (`--allow-read "$CLAUDE_PROJECT_DIR/.claude"`):
//!
//! ```json
//! { "model": "haiku", "extensions": ["rs", "py"], "prompt": "You review code for ...",
//!   "tools": ["Read", "Grep", "Glob"], "max_chars": 20000, "wake": true }
//! ```
//!
//! Run with `--allow-agent` (the plugin declares the agent capability).

use fasthooks_sdk::agent::{self, AgentRequest};
use fasthooks_sdk::{App, Capability, Event, Response, Task, TaskOptions, Tasks, context};
use serde::{Deserialize, Serialize};

/// The reviewer's system prompt unless the configuration gives another.
pub const SYSTEM_PROMPT: &str = "You are a code reviewer. Review the code you are given for \
    security problems (injection, unsafe input handling, secrets, unsafe memory or process use), \
    performance problems (needless work, quadratic loops, blocking calls) and style (naming, \
    structure, error handling, readability). Answer with a short list of concrete findings, most \
    important first, each naming the line or construct; answer \"No findings.\" if there are none.";

/// Source files, by extension, unless the configuration gives others.
pub const EXTENSIONS: &[&str] = &[
    "rs", "py", "js", "mjs", "ts", "tsx", "jsx", "go", "java", "kt", "c", "h", "cc", "cpp", "hpp",
    "cs", "rb", "php", "swift", "scala", "sh", "sql",
];

/// The tools a review may be given: reading ones only.
pub const READ_ONLY_TOOLS: &[&str] = &["Read", "Grep", "Glob"];

/// What the user may configure.
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Config {
    pub model: Option<String>,
    pub extensions: Option<Vec<String>>,
    pub prompt: Option<String>,
    pub tools: Vec<String>,
    /// Code past this many characters is cut before it is sent (default 20,000).
    pub max_chars: Option<usize>,
    /// Whether a review that finishes after Claude stopped wakes Claude (default true).
    pub wake: Option<bool>,
}

impl Config {
    /// The project's `.claude/review.json`, if the plugin can read it; the defaults otherwise.
    /// A file that is there but wrong is an error, so a typo is not silently ignored.
    pub fn load(cwd: &str) -> Result<Config, String> {
        let path = format!("{}/.claude/review.json", cwd.trim_end_matches('/'));
        match std::fs::read_to_string(&path) {
            Ok(text) => {
                let config: Config =
                    serde_json::from_str(&text).map_err(|e| format!("{path}: {e}"))?;
                if let Some(tool) = config
                    .tools
                    .iter()
                    .find(|t| !READ_ONLY_TOOLS.contains(&t.as_str()))
                {
                    return Err(format!(
                        "{path}: a review may use read-only tools only ({}), not {tool}",
                        READ_ONLY_TOOLS.join(", ")
                    ));
                }
                Ok(config)
            }
            Err(_) => Ok(Config::default()),
        }
    }

    /// Is `path` a file this configuration reviews?
    pub fn reviews(&self, path: &str) -> bool {
        let Some((_, extension)) = path.rsplit('/').next().unwrap_or("").rsplit_once('.') else {
            return false;
        };
        let extension = extension.to_ascii_lowercase();
        match &self.extensions {
            Some(list) => list.iter().any(|e| e.trim_start_matches('.') == extension),
            None => EXTENSIONS.contains(&extension.as_str()),
        }
    }
}

/// What a review task is given.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ReviewJob {
    pub file_path: String,
    pub content: String,
    pub model: Option<String>,
    pub prompt: Option<String>,
    pub tools: Vec<String>,
}

/// A review task's result: the section Claude reads, `Code review: <path>` and the findings.
fn review_code(job: ReviewJob) -> Result<String, String> {
    let mut request = AgentRequest::new(format!(
        "Review this code from {}:\n\n```\n{}\n```",
        job.file_path, job.content
    ))
    .system_prompt(job.prompt.unwrap_or_else(|| SYSTEM_PROMPT.to_owned()))
    .allowed_tools(job.tools)
    .max_turns(5);
    if let Some(model) = job.model {
        request = request.model(model);
    }
    let text = agent::query(request)?;
    Ok(format!("Code review: {}\n{}", job.file_path, text.trim()))
}

/// The background review.
pub static REVIEW_CODE: Task<ReviewJob, String> = Task::new("review_code", review_code);

/// What a write puts into the file: the content of a Write, the replacements of an Edit.
fn written(event: &Event) -> Option<String> {
    use fasthooks_sdk::tools::ToolInput;
    match event.tool.as_ref()? {
        ToolInput::Write(input) => Some(input.content.clone()),
        ToolInput::Edit(input) => Some(input.new_string.clone()),
        ToolInput::MultiEdit(input) => Some(
            input
                .edits
                .iter()
                .map(|edit| edit.new_string.as_str())
                .collect::<Vec<_>>()
                .join("\n...\n"),
        ),
        _ => None,
    }
}

fn on_write(event: &Event, tasks: &Tasks) -> Response {
    let (Some(path), Some(content)) = (event.file_path(), written(event)) else {
        return Response::none();
    };
    let config = match Config::load(&event.cwd) {
        Ok(config) => config,
        Err(why) => return Response::none().with_system_message(format!("review: {why}")),
    };
    if !config.reviews(path) || content.trim().is_empty() {
        return Response::none();
    }
    let limit = config.max_chars.unwrap_or(20_000);
    let content: String = content.chars().take(limit).collect();
    let job = ReviewJob {
        // As Claude and the user see it: relative to the project.
        file_path: shown(path, &event.cwd),
        content,
        model: config.model,
        prompt: config.prompt,
        tools: config.tools,
    };
    let key = format!("review:{:016x}:{path}", fnv1a(&job.content));
    let mut options = TaskOptions::new().key(key);
    if config.wake.unwrap_or(true) {
        options = options.wake();
    }
    if let Err(err) = tasks.add_with(&REVIEW_CODE, job, options) {
        fasthooks_sdk::log::warn(&format!("review of {path} not queued: {err}"));
    }
    Response::none()
}

/// A 64-bit FNV-1a hash: tells two texts apart in a task key.
fn fnv1a(text: &str) -> u64 {
    text.bytes().fold(0xcbf2_9ce4_8422_2325, |hash, byte| {
        (hash ^ u64::from(byte)).wrapping_mul(0x0100_0000_01b3)
    })
}

/// `path` relative to `cwd` when it is inside it.
fn shown(path: &str, cwd: &str) -> String {
    let cwd = cwd.trim_end_matches('/');
    path.strip_prefix(cwd)
        .and_then(|rest| rest.strip_prefix('/'))
        .unwrap_or(path)
        .to_owned()
}

fn on_prompt(event: &Event, tasks: &Tasks) -> Response {
    let mut sections = Vec::new();
    for output in tasks.pop_all().unwrap_or_default() {
        if !output.key.starts_with("review:") {
            continue;
        }
        if let Ok(review) = serde_json::from_str::<String>(&output.value) {
            sections.push(review);
        }
    }
    for (key, error) in tasks.pop_errors().unwrap_or_default() {
        if let Some((_, path)) = key.strip_prefix("review:").and_then(|k| k.split_once(':')) {
            sections.push(format!(
                "Code review: {} could not be reviewed: {error}",
                shown(path, &event.cwd)
            ));
        }
    }
    if sections.is_empty() {
        Response::none()
    } else {
        context(sections.join("\n\n"))
    }
}

/// Builds the plugin.
pub fn build_app() -> App {
    let mut app = App::new("review", env!("CARGO_PKG_VERSION"));
    app.needs(Capability::Agent);
    app.register(&REVIEW_CODE);
    app.pre_tool("Write|Edit|MultiEdit", on_write);
    app.on_prompt(on_prompt);
    app
}

fasthooks_sdk::plugin!(build_app);

#[cfg(test)]
mod tests {
    use super::*;
    use fasthooks_sdk::agent::testing::respond_with;
    use serde_json::json;

    fn event(value: serde_json::Value) -> String {
        let mut event = json!({"session_id": "s", "cwd": "/p"});
        event
            .as_object_mut()
            .unwrap()
            .extend(value.as_object().unwrap().clone());
        event.to_string()
    }

    #[test]
    fn a_written_source_file_is_reviewed_and_the_next_prompt_gets_the_review() {
        respond_with(|request| {
            assert_eq!(request.system_prompt.as_deref(), Some(SYSTEM_PROMPT));
            assert!(request.allowed_tools.is_empty(), "no tools by default");
            assert!(request.prompt.contains("fn main() { unsafe { } }"));
            Ok("1. The unsafe block is needless.".into())
        });
        let app = build_app();
        let write = event(
            json!({"hook_event_name": "PreToolUse", "tool_name": "Write",
            "tool_input": {"file_path": "/p/src/main.rs", "content": "fn main() { unsafe { } }"}}),
        );
        let answer = app.dispatch_json(&write).unwrap();
        assert_eq!(answer, Response::none(), "the write itself goes ahead");
        let prompt = event(json!({"hook_event_name": "UserPromptSubmit", "prompt": "next"}));
        let answer = app.dispatch_json(&prompt).unwrap();
        assert_eq!(
            answer.additional_context.as_deref(),
            Some("Code review: src/main.rs\n1. The unsafe block is needless.")
        );
        let again = app.dispatch_json(&prompt).unwrap();
        assert_eq!(again, Response::none(), "a review is given once");
    }

    #[test]
    fn two_edits_of_one_file_are_both_reviewed() {
        respond_with(|request| Ok(format!("reviewed {}", request.prompt.len())));
        let app = build_app();
        for new in ["a = 1", "b = 22"] {
            let edit = event(json!({"hook_event_name": "PreToolUse", "tool_name": "Edit",
                "tool_input": {"file_path": "/p/app.py", "old_string": "x", "new_string": new}}));
            app.dispatch_json(&edit).unwrap();
        }
        let prompt = event(json!({"hook_event_name": "UserPromptSubmit", "prompt": "next"}));
        let context = app
            .dispatch_json(&prompt)
            .unwrap()
            .additional_context
            .unwrap();
        assert_eq!(
            context.matches("Code review: app.py").count(),
            2,
            "{context}"
        );
    }

    #[test]
    fn other_files_are_not_reviewed_and_a_failed_review_is_reported_once() {
        respond_with(|_| Err("agent: not granted".into()));
        let app = build_app();
        let notes = event(
            json!({"hook_event_name": "PreToolUse", "tool_name": "Write",
            "tool_input": {"file_path": "/p/notes.md", "content": "# notes"}}),
        );
        app.dispatch_json(&notes).unwrap();
        let edit = event(json!({"hook_event_name": "PreToolUse", "tool_name": "Edit",
            "tool_input": {"file_path": "/p/app.py", "old_string": "a", "new_string": "b = 1"}}));
        app.dispatch_json(&edit).unwrap();
        let prompt = event(json!({"hook_event_name": "UserPromptSubmit", "prompt": "next"}));
        let answer = app.dispatch_json(&prompt).unwrap();
        assert_eq!(
            answer.additional_context.as_deref(),
            Some("Code review: app.py could not be reviewed: agent: not granted")
        );
        assert_eq!(app.dispatch_json(&prompt).unwrap(), Response::none());
    }

    #[test]
    fn configuration_picks_files_and_refuses_tools_that_write() {
        let config = Config {
            extensions: Some(vec![".md".into()]),
            ..Config::default()
        };
        assert!(config.reviews("/p/README.MD"));
        assert!(!config.reviews("/p/main.rs"));
        assert!(Config::default().reviews("/p/lib.rs"));
        assert!(!Config::default().reviews("/p/Makefile"));
        let dir = std::env::temp_dir().join(format!("review-config-{}", std::process::id()));
        std::fs::create_dir_all(dir.join(".claude")).unwrap();
        let file = dir.join(".claude/review.json");
        std::fs::write(&file, r#"{"tools": ["Read", "Bash"]}"#).unwrap();
        let err = Config::load(dir.to_str().unwrap()).unwrap_err();
        assert!(
            err.contains("read-only tools only (Read, Grep, Glob), not Bash"),
            "{err}"
        );
        std::fs::write(&file, r#"{"modle": "haiku"}"#).unwrap();
        assert!(
            Config::load(dir.to_str().unwrap())
                .unwrap_err()
                .contains("unknown field")
        );
        std::fs::write(&file, r#"{"model": "haiku", "max_chars": 10}"#).unwrap();
        assert_eq!(
            Config::load(dir.to_str().unwrap())
                .unwrap()
                .model
                .as_deref(),
            Some("haiku")
        );
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
