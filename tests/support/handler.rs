//! Installed `command` handlers, read and run the way Claude Code runs them: the shell form
//! (`command` alone) with `sh -c`, the exec form (`command` plus `args`) with no shell, the
//! placeholders `${CLAUDE_PROJECT_DIR}`, `${CLAUDE_PLUGIN_ROOT}` and `${CLAUDE_PLUGIN_DATA}`
//! substituted in each word.

use serde_json::Value;
use std::path::Path;
use std::process::Command;

/// The handler's words in one line, for `contains` checks: `command`, then each of `args`.
pub fn handler_text(handler: &Value) -> String {
    let command = handler["command"]
        .as_str()
        .unwrap_or_else(|| panic!("not a command handler: {handler}"));
    let mut text = command.to_owned();
    for arg in args(handler).into_iter().flatten() {
        text.push(' ');
        text.push_str(&arg);
    }
    text
}

/// The handler's `args` (the exec form), `None` in the shell form.
pub fn args(handler: &Value) -> Option<Vec<String>> {
    let args = handler.get("args")?.as_array().expect("args is a list");
    Some(
        args.iter()
            .map(|arg| arg.as_str().expect("args are strings").to_owned())
            .collect(),
    )
}

/// A command that runs `handler` as Claude Code does for a session in `project` (its working
/// directory and `CLAUDE_PROJECT_DIR`).
pub fn claude_code_command(handler: &Value, project: &Path) -> Command {
    let command = handler["command"].as_str().expect("a command handler");
    let project_text = project.to_str().expect("a UTF-8 project path");
    let mut run = match args(handler) {
        Some(args) => {
            let substitute = |word: &str| word.replace("${CLAUDE_PROJECT_DIR}", project_text);
            let mut exec = Command::new(substitute(command));
            exec.args(args.iter().map(|arg| substitute(arg)));
            exec
        }
        None => {
            let mut sh = Command::new("sh");
            sh.args(["-c", command]);
            sh
        }
    };
    run.current_dir(project).env("CLAUDE_PROJECT_DIR", project);
    run
}
