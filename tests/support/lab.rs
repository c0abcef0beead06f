//! A task-lab session: the `task-lab` plugin (plugins/task-lab) driven by UserPromptSubmit
//! events whose prompt is a command, one `fasthooks-host` process per hook as with Claude Code.

use crate::{Home, HookRun, plugin, prompt_event};
use serde_json::Value;
use std::process::Command;
use std::time::{Duration, Instant};

/// A task-lab session in one fasthooks home.
pub struct Lab<'a> {
    home: &'a Home,
    session: String,
    env: Vec<(&'static str, String)>,
    pub plugin: std::path::PathBuf,
}

impl<'a> Lab<'a> {
    pub fn new(home: &'a Home, session: &str) -> Lab<'a> {
        Lab {
            home,
            session: session.into(),
            env: Vec::new(),
            plugin: plugin("task-lab"),
        }
    }

    /// The same plugin, run from another file.
    pub fn running_file(mut self, file: &std::path::Path) -> Lab<'a> {
        self.plugin = file.to_path_buf();
        self
    }

    pub fn with_env(mut self, name: &'static str, value: &str) -> Lab<'a> {
        self.env.push((name, value.into()));
        self
    }

    pub fn command(&self, extra: &[&str]) -> Command {
        let mut command = self.home.command();
        command
            .args(["--plugin", self.plugin.to_str().unwrap()])
            .args(extra);
        for (name, value) in &self.env {
            command.env(name, value);
        }
        command
    }

    pub fn run_with(&self, extra: &[&str], prompt: &str) -> (Value, HookRun) {
        let mut event = prompt_event(prompt);
        event["session_id"] = self.session.clone().into();
        let run = crate::run_command(
            &mut self.command(extra),
            event.to_string().as_bytes(),
            Duration::from_secs(60),
        );
        assert_eq!(run.code, 0, "{prompt}: {}", run.stderr);
        assert!(
            !run.stderr.contains("daemon unavailable"),
            "{prompt}: {}",
            run.stderr
        );
        let out = run.stdout_json();
        let context = out["hookSpecificOutput"]["additionalContext"]
            .as_str()
            .unwrap_or_else(|| panic!("{prompt}: {out}"));
        (
            serde_json::from_str(context).unwrap_or_else(|e| panic!("{prompt}: {e}: {context}")),
            run,
        )
    }

    /// Run one task-lab command; its JSON answer.
    pub fn run(&self, prompt: &str) -> Value {
        self.run_with(&[], prompt).0
    }

    /// Ask for `key`'s status until it is `status` (bounded): waits on the condition itself.
    pub fn until_status(&self, key: &str, status: &str) {
        let deadline = Instant::now() + Duration::from_secs(10);
        loop {
            let task = self.value(&format!("get {key}"));
            if task["status"] == status {
                return;
            }
            assert!(
                Instant::now() < deadline,
                "{key} never became {status}: {task}"
            );
        }
    }

    pub fn value(&self, prompt: &str) -> Value {
        let answer = self.run(prompt);
        assert!(answer.get("error").is_none(), "{prompt}: {answer}");
        answer["value"].clone()
    }
}

pub fn daemon_pid(home: &Home) -> u32 {
    let run = home.run(&["daemon", "status"], b"");
    assert_eq!(run.code, 0, "{}", run.stdout);
    run.stdout
        .split_whitespace()
        .nth(2)
        .unwrap()
        .trim_end_matches(',')
        .parse()
        .unwrap()
}

/// SIGKILL the daemon `pid` and return once it is gone (bounded).
pub fn kill_daemon(pid: u32) {
    assert!(
        Command::new("kill")
            .args(["-KILL", &pid.to_string()])
            .status()
            .unwrap()
            .success()
    );
    let deadline = Instant::now() + Duration::from_secs(10);
    while std::path::Path::new(&format!("/proc/{pid}")).exists() {
        assert!(Instant::now() < deadline, "daemon {pid} survived SIGKILL");
        std::thread::yield_now();
    }
}
