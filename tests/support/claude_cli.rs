//! The driver of the end-to-end tests against the real Claude Code CLI (`tests/claude.rs`,
//! `tests/claude_use_cases.rs`): a `World` (a project, a HOME, a fasthooks home and a fake
//! model server) and `claude -p` runs in it, offline.
//!
//! The CLI comes from `scripts/install-claude.sh` (`target/claude-code/`, pinned 2.1.197);
//! `scripts/test.sh` installs it before the tests run. A missing CLI fails these tests.

use crate::fake_anthropic::{Block, FakeAnthropic, Request};
use crate::{Home, plugin, workspace_root};
use serde_json::Value;
use std::io::Read;
use std::path::PathBuf;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

/// How long one `claude -p` run may take before the test gives up on it.
pub const CLAUDE_TIMEOUT: Duration = Duration::from_secs(120);

pub fn claude_binary() -> PathBuf {
    if let Some(bin) = std::env::var_os("FASTHOOKS_CLAUDE_BIN") {
        return PathBuf::from(bin);
    }
    let bin = workspace_root().join("target/claude-code/node_modules/.bin/claude");
    assert!(
        bin.exists(),
        "the Claude Code CLI is not installed at {}: run scripts/install-claude.sh (scripts/test.sh does)",
        bin.display()
    );
    bin
}

/// One isolated world: a project, a HOME, temp and runtime directories, a fasthooks home (whose
/// daemon is stopped on drop), and the fake model server.
pub struct World {
    pub dir: tempfile::TempDir,
    pub fasthooks: Home,
    pub model: FakeAnthropic,
}

#[derive(Debug)]
pub struct ClaudeRun {
    pub code: i32,
    pub stdout: String,
    pub stderr: String,
    pub elapsed: Duration,
}

impl ClaudeRun {
    pub fn json(&self) -> Value {
        serde_json::from_str(self.stdout.trim()).unwrap_or_else(|err| {
            panic!(
                "claude did not print a JSON result ({err}):\nstdout: {}\nstderr: {}",
                self.stdout, self.stderr
            )
        })
    }

    pub fn session_id(&self) -> String {
        self.json()["session_id"]
            .as_str()
            .expect("session_id")
            .to_owned()
    }
}

impl World {
    pub fn new(script: Vec<Vec<Block>>) -> World {
        let dir = tempfile::Builder::new()
            .prefix("fasthooks-claude-")
            .tempdir()
            .expect("temp dir");
        for sub in ["project", "home", "tmp", "run"] {
            std::fs::create_dir_all(dir.path().join(sub)).unwrap();
        }
        World {
            dir,
            fasthooks: Home::new(),
            model: FakeAnthropic::start(script),
        }
    }

    pub fn path(&self, sub: &str) -> PathBuf {
        self.dir.path().join(sub)
    }

    pub fn project(&self) -> PathBuf {
        self.path("project")
    }

    /// `fasthooks-host install ARGS --project-dir <project>`, which must succeed; with this
    /// CLI first on PATH, as a user has it, so install writes the form it runs (the exec form).
    pub fn install(&self, args: &[&str]) {
        let claude_dir = claude_binary().parent().unwrap().to_path_buf();
        let inherited = std::env::var_os("PATH").unwrap_or_default();
        let path = std::env::join_paths(
            std::iter::once(claude_dir).chain(std::env::split_paths(&inherited)),
        )
        .unwrap();
        let output = self
            .fasthooks
            .command()
            .arg("install")
            .args(args)
            .arg("--project-dir")
            .arg(self.project())
            .env("HOME", self.path("home"))
            .env("PATH", path)
            .stdin(Stdio::null())
            .output()
            .expect("run fasthooks-host install");
        assert!(
            output.status.success(),
            "install {args:?} failed:\n{}{}",
            String::from_utf8_lossy(&output.stdout),
            String::from_utf8_lossy(&output.stderr)
        );
    }

    pub fn settings(&self) -> Value {
        let path = self.project().join(".claude/settings.json");
        serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap()
    }

    /// `claude -p PROMPT --output-format json EXTRA…` in the project, offline.
    /// Run `claude -p PROMPT` and check it succeeded.
    pub fn claude(&self, prompt: &str, extra: &[&str]) -> ClaudeRun {
        let run = self.claude_run(prompt, extra);
        assert_eq!(
            run.code,
            0,
            "claude -p failed: {run:?}\nrequests:\n{}\nfasthooks log:\n{}",
            self.model.summary(),
            self.fasthooks.log()
        );
        assert_eq!(
            run.json()["is_error"],
            false,
            "claude -p reported an error: {}",
            run.stdout
        );
        run
    }

    /// Run `claude -p PROMPT` to its end, whatever the end.
    pub fn claude_run(&self, prompt: &str, extra: &[&str]) -> ClaudeRun {
        let mut command = self.cli();
        command
            .arg("-p")
            .arg(prompt)
            .args(["--output-format", "json"])
            .args(extra);
        self.finish(command)
    }

    /// `claude ARGS` (a subcommand such as `plugin install`), which must succeed; its stdout.
    pub fn claude_subcommand(&self, args: &[&str]) -> String {
        let mut command = self.cli();
        command.args(args);
        let run = self.finish(command);
        assert_eq!(run.code, 0, "claude {args:?}: {run:?}");
        run.stdout
    }

    /// The CLI as every run here starts it: in the project, with the world's home, model and
    /// fasthooks, and nothing else of this machine's environment.
    fn cli(&self) -> Command {
        let mut command = Command::new(claude_binary());
        command
            .current_dir(self.project())
            .env_clear()
            .env("PATH", "/usr/local/bin:/usr/bin:/bin")
            .env("HOME", self.path("home"))
            .env("TMPDIR", self.path("tmp"))
            .env("CLAUDE_CODE_TMPDIR", self.path("tmp"))
            .env("XDG_RUNTIME_DIR", self.path("run"))
            .env("DISABLE_TELEMETRY", "1")
            .env("DISABLE_AUTOUPDATER", "1")
            .env("DISABLE_ERROR_REPORTING", "1")
            .env("CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC", "1")
            .env("CLAUDE_CODE_DISABLE_OFFICIAL_MARKETPLACE_AUTOINSTALL", "1")
            .env("ANTHROPIC_BASE_URL", self.model.base_url())
            .env("ANTHROPIC_API_KEY", "sk-ant-fake-key-for-tests")
            .env("FASTHOOKS_HOME", self.fasthooks.path())
            // For plugins granted --allow-agent: their sub-agents are this same CLI.
            .env("FASTHOOKS_CLAUDE_BIN", claude_binary())
            .env("FASTHOOKS_IDLE_TIMEOUT_SECS", "60")
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped());
        command
    }

    /// Run `command` to its end (bounded), its output read as it comes.
    fn finish(&self, mut command: Command) -> ClaudeRun {
        let start = Instant::now();
        let mut child = command.spawn().expect("spawn claude");
        let mut stdout = child.stdout.take().unwrap();
        let mut stderr = child.stderr.take().unwrap();
        let out_reader = std::thread::spawn(move || {
            let mut text = String::new();
            let _ = stdout.read_to_string(&mut text);
            text
        });
        let err_reader = std::thread::spawn(move || {
            let mut text = String::new();
            let _ = stderr.read_to_string(&mut text);
            text
        });
        let status = loop {
            if let Some(status) = child.try_wait().expect("wait for claude") {
                break status;
            }
            if start.elapsed() > CLAUDE_TIMEOUT {
                let _ = child.kill();
                let _ = child.wait();
                panic!(
                    "claude did not finish within {CLAUDE_TIMEOUT:?}\nrequests:\n{}\nfasthooks log:\n{}",
                    self.model.summary(),
                    self.fasthooks.log()
                );
            }
            std::thread::sleep(Duration::from_millis(20));
        };
        let run = ClaudeRun {
            code: status.code().unwrap_or(-1),
            stdout: out_reader.join().unwrap(),
            stderr: err_reader.join().unwrap(),
            elapsed: start.elapsed(),
        };
        self.model.assert_no_loop();
        eprintln!(
            "claude {:?} took {:?}",
            command.get_args().collect::<Vec<_>>(),
            run.elapsed
        );
        run
    }

    pub fn main_requests(&self) -> Vec<Request> {
        self.model.main_requests()
    }

    /// The agent-loop requests, asserting how many there were.
    pub fn expect_main_requests(&self, count: usize) -> Vec<Request> {
        let requests = self.main_requests();
        assert_eq!(
            requests.len(),
            count,
            "agent-loop requests to the fake model:\n{}",
            self.model.summary()
        );
        requests
    }
}

/// The one tool result of a request that follows a single tool call.
pub fn only_tool_result(request: &Request) -> (String, bool) {
    let results = request.tool_results();
    assert_eq!(results.len(), 1, "tool results: {results:?}");
    let (_, text, is_error) = results.into_iter().next().unwrap();
    (text, is_error)
}

pub fn plugin_arg(name: &str) -> String {
    plugin(name).display().to_string()
}
