//! Helpers for end-to-end tests: find the real `fasthooks-host` binary and the built plugins, run
//! a hook exactly as Claude Code does (spawn, write the event to stdin, close it, read stdout,
//! stderr and the exit code), and never let a hung process hang the test suite.

pub mod claude_cli;
pub mod fake_anthropic;
pub mod handler;
pub mod hook_post;
pub mod lab;
pub mod lines;
pub mod web;

use serde_json::Value;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

/// The workspace root (this crate lives in `<root>/tests`).
pub fn workspace_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("tests/ has a parent")
        .to_path_buf()
}

/// The `fasthooks-host` binary: `$FASTHOOKS_BIN`, else the one cargo built next to this test.
pub fn host_binary() -> PathBuf {
    if let Some(bin) = std::env::var_os("FASTHOOKS_BIN") {
        return PathBuf::from(bin);
    }
    // Test executables live in target/<profile>/deps/.
    let exe = std::env::current_exe().expect("current exe");
    let profile_dir = exe
        .parent()
        .and_then(Path::parent)
        .expect("target/<profile>");
    let bin = profile_dir.join("fasthooks-host");
    assert!(
        bin.exists(),
        "{} is missing: build it first (cargo build --release -p fasthooks-host, or scripts/test.sh)",
        bin.display()
    );
    bin
}

/// A built plugin component: `target/plugins/<name>.wasm`.
pub fn plugin(name: &str) -> PathBuf {
    let path = workspace_root()
        .join("target/plugins")
        .join(format!("{name}.wasm"));
    assert!(
        path.exists(),
        "{} is missing: run scripts/build-plugins.sh",
        path.display()
    );
    path
}

/// A captured Claude Code event from `tests/fixtures/`.
/// A file's sha256 in hex, by coreutils' `sha256sum` (not the host's own code).
pub fn sha256_of(path: &Path) -> String {
    let out = Command::new("sha256sum").arg(path).output().unwrap();
    assert!(out.status.success(), "sha256sum {}", path.display());
    String::from_utf8(out.stdout).unwrap()[..64].to_owned()
}

pub fn fixture(relative: &str) -> Value {
    let path = workspace_root().join("tests/fixtures").join(relative);
    let text =
        std::fs::read_to_string(&path).unwrap_or_else(|err| panic!("{}: {err}", path.display()));
    serde_json::from_str(&text).unwrap_or_else(|err| panic!("{}: {err}", path.display()))
}

/// A captured PreToolUse Bash event with its command replaced.
pub fn bash_event(command: &str) -> Value {
    let mut event = fixture("2.1.332/PreToolUse.json");
    event["tool_input"]["command"] = command.into();
    event
}

pub fn prompt_event(prompt: &str) -> Value {
    let mut event = fixture("2.1.332/UserPromptSubmit.json");
    event["prompt"] = prompt.into();
    event
}

#[derive(Debug)]
pub struct HookRun {
    pub stdout: String,
    pub stderr: String,
    pub code: i32,
    pub elapsed: Duration,
}

impl HookRun {
    pub fn stdout_json(&self) -> Value {
        serde_json::from_str(self.stdout.trim()).unwrap_or_else(|err| {
            panic!(
                "stdout is not JSON ({err}): {:?}\nstderr: {}",
                self.stdout, self.stderr
            )
        })
    }
}

/// An isolated fasthooks home (cache, store, socket, logs) for one test.
pub struct Home {
    pub dir: tempfile::TempDir,
}

impl Default for Home {
    fn default() -> Self {
        Self::new()
    }
}

impl Home {
    pub fn new() -> Home {
        Home {
            dir: tempfile::Builder::new()
                .prefix("fasthooks-test-")
                .tempdir()
                .expect("temp dir"),
        }
    }

    pub fn path(&self) -> &Path {
        self.dir.path()
    }

    pub fn command(&self) -> Command {
        let mut command = Command::new(host_binary());
        command
            .env("FASTHOOKS_HOME", self.path())
            .env_remove("FASTHOOKS_LOG")
            // A backstop: each test stops its daemon when its Home is dropped.
            .env("FASTHOOKS_IDLE_TIMEOUT_SECS", "60");
        command
    }

    /// `fasthooks-host install --plugin PLUGIN GRANTS… --project-dir PROJECT`, as a user runs it.
    pub fn install_into(&self, plugin: &Path, grants: &[&str], project: &Path) -> HookRun {
        let mut command = self.command();
        command
            .arg("install")
            .arg("--plugin")
            .arg(plugin)
            .args(grants)
            .arg("--project-dir")
            .arg(project);
        run_command(&mut command, b"", Duration::from_secs(60))
    }

    /// The tasks `tasks --json` lists, as (key, status), of `session` or of every session.
    pub fn task_statuses(&self, session: Option<&str>) -> Vec<(String, String)> {
        let run = self.run(&["tasks", "--json"], b"");
        assert_eq!(run.code, 0, "{}", run.stderr);
        let tasks: Value = serde_json::from_str(&run.stdout).unwrap();
        tasks
            .as_array()
            .unwrap()
            .iter()
            .filter(|t| session.is_none_or(|s| t["session"] == s))
            .map(|t| {
                (
                    t["key"].as_str().unwrap_or_default().to_owned(),
                    t["status"].as_str().unwrap_or_default().to_owned(),
                )
            })
            .collect()
    }

    /// Poll [`Home::task_statuses`] until `done` holds of them, and return them; panic with
    /// `what` and the log after `limit`. (A condition waited for, not a sleep.)
    pub fn await_tasks(
        &self,
        session: Option<&str>,
        what: &str,
        limit: Duration,
        done: impl Fn(&[(String, String)]) -> bool,
    ) -> Vec<(String, String)> {
        let deadline = Instant::now() + limit;
        loop {
            let statuses = self.task_statuses(session);
            if done(&statuses) {
                return statuses;
            }
            assert!(
                Instant::now() < deadline,
                "{what} within {limit:?}: {statuses:?}\n{}",
                self.log()
            );
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    /// The daemon's log so far.
    pub fn log(&self) -> String {
        std::fs::read_to_string(self.path().join("logs/fasthooks.log")).unwrap_or_default()
    }

    /// Run `fasthooks-host ARGS` with `stdin` as its input, as Claude Code would.
    pub fn run(&self, args: &[&str], stdin: &[u8]) -> HookRun {
        run_command(self.command().args(args), stdin, Duration::from_secs(60))
    }

    pub fn hook(&self, args: &[&str], event: &Value) -> HookRun {
        self.run(args, event.to_string().as_bytes())
    }
}

impl Drop for Home {
    fn drop(&mut self) {
        let _ = self
            .command()
            .args(["daemon", "stop"])
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .status();
    }
}

/// `command` (a build or test step of a tool) run to its end within 10 minutes, which must
/// succeed: its output, or a failure naming `what` with everything it printed.
pub fn succeeds(what: &str, command: &mut Command) -> HookRun {
    let run = run_command(command, b"", Duration::from_secs(600));
    assert_eq!(run.code, 0, "{what}:\n{}\n{}", run.stdout, run.stderr);
    run
}

/// Spawn, feed stdin and drain stdout and stderr on their own threads (large events and
/// answers exceed a pipe's buffer), wait with a limit.
pub fn run_command(command: &mut Command, stdin: &[u8], limit: Duration) -> HookRun {
    let start = Instant::now();
    let mut child = command
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn fasthooks-host");
    let mut pipe = child.stdin.take().expect("stdin");
    let input = stdin.to_vec();
    let writer = std::thread::spawn(move || {
        let _ = pipe.write_all(&input);
    });
    let drain = |mut from: Box<dyn std::io::Read + Send>| {
        std::thread::spawn(move || {
            let mut bytes = Vec::new();
            let _ = from.read_to_end(&mut bytes);
            bytes
        })
    };
    let stdout = drain(Box::new(child.stdout.take().expect("stdout")));
    let stderr = drain(Box::new(child.stderr.take().expect("stderr")));
    let deadline = start + limit;
    let status = loop {
        if let Some(status) = child.try_wait().expect("wait") {
            break status;
        }
        if Instant::now() > deadline {
            let _ = child.kill();
            panic!(
                "fasthooks-host did not exit within {limit:?}: a hook must never hang Claude Code"
            );
        }
        std::thread::sleep(Duration::from_millis(2));
    };
    let elapsed = start.elapsed();
    let _ = writer.join();
    HookRun {
        stdout: String::from_utf8_lossy(&stdout.join().unwrap()).into_owned(),
        stderr: String::from_utf8_lossy(&stderr.join().unwrap()).into_owned(),
        code: status.code().unwrap_or(-1),
        elapsed,
    }
}
