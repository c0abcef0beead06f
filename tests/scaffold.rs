//! `fasthooks-host new NAME --lang rust|python|js`: each scaffold's own unit test passes with its
//! language's runner, its README's build command makes a component, and the component answers
//! through the real host as the scaffold says (a written file analysed in the background, its
//! result on the next prompt). Bad names, an existing folder and a missing SDK are refused in
//! one line.

use fasthooks_e2e::{Home, HookRun, host_binary, run_command, workspace_root};
use serde_json::json;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Duration;

fn new_plugin(parent: &Path, name: &str, lang: &str) -> HookRun {
    let mut new = Command::new(host_binary());
    new.args(["new", name, "--lang", lang]).current_dir(parent);
    run_command(&mut new, b"", Duration::from_secs(30))
}

fn succeeds(what: &str, command: &mut Command) {
    let run = run_command(command, b"", Duration::from_secs(600));
    assert_eq!(run.code, 0, "{what}:\n{}\n{}", run.stdout, run.stderr);
}

/// A Write then a prompt through the built component: the prompt gets the analysis.
fn answers_as_scaffolded(plugin: &Path) {
    let home = Home::new();
    let path = plugin.display().to_string();
    let write = json!({"session_id": "s", "cwd": "/tmp", "hook_event_name": "PreToolUse", "tool_name": "Write",
        "tool_input": {"file_path": "/tmp/a.py", "content": "x = 1\n"}, "tool_use_id": "t"});
    let run = home.hook(&["--plugin", &path], &write);
    assert_eq!(run.code, 0, "{}", run.stderr);
    home.await_tasks(
        Some("s"),
        "the analysis finishes",
        Duration::from_secs(60),
        |tasks| tasks.iter().all(|(_, status)| status == "completed"),
    );
    let prompt = json!({"session_id": "s", "cwd": "/tmp", "hook_event_name": "UserPromptSubmit", "prompt": "next"});
    let run = home.hook(&["--plugin", &path], &prompt);
    assert_eq!(
        run.stdout_json()["hookSpecificOutput"]["additionalContext"],
        "Previous analysis: Analysis complete: 6 chars",
        "{}",
        run.stderr
    );
}

fn scratch() -> tempfile::TempDir {
    tempfile::Builder::new()
        .prefix("fasthooks-new-")
        .tempdir()
        .unwrap()
}

#[test]
fn a_rust_scaffold_tests_builds_and_answers() {
    let dir = scratch();
    let run = new_plugin(dir.path(), "my-guard", "rust");
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert!(run.stdout.starts_with("created "), "{}", run.stdout);
    let project = dir.path().join("my-guard");
    // One target folder for every run of this test: the SDK's dependencies build once.
    let target = workspace_root().join("target/scaffold-test");
    succeeds(
        "cargo test",
        Command::new("cargo")
            .args(["test", "--quiet"])
            .env("CARGO_TARGET_DIR", &target)
            .current_dir(&project),
    );
    succeeds(
        "cargo build --release --target wasm32-wasip2",
        Command::new("cargo")
            .args(["build", "--quiet", "--release", "--target", "wasm32-wasip2"])
            .env("CARGO_TARGET_DIR", &target)
            .current_dir(&project),
    );
    answers_as_scaffolded(&target.join("wasm32-wasip2/release/my_guard.wasm"));
}

#[test]
fn a_python_scaffold_tests_builds_and_answers() {
    let dir = scratch();
    let run = new_plugin(dir.path(), "my-memory", "python");
    assert_eq!(run.code, 0, "{}", run.stderr);
    let project = dir.path().join("my-memory");
    let root = workspace_root();
    let venv = root.join("target/py-venv/bin");
    succeeds(
        "pytest",
        Command::new(venv.join("python"))
            .args(["-m", "pytest", "-q", "-p", "no:cacheprovider"])
            .env("PYTHONPATH", root.join("guest-sdk/python"))
            .env("PYTHONDONTWRITEBYTECODE", "1")
            .current_dir(&project),
    );
    // The README's build line, as the scaffold wrote it.
    let readme = std::fs::read_to_string(project.join("README.md")).unwrap();
    let build = readme
        .lines()
        .find(|l| l.starts_with("componentize-py "))
        .expect("the README's build line");
    let build = build.split("  #").next().unwrap();
    succeeds(
        "the README's componentize-py line",
        Command::new("sh")
            .args(["-c", build])
            .env(
                "PATH",
                std::env::join_paths([
                    venv.clone(),
                    PathBuf::from("/usr/bin"),
                    PathBuf::from("/bin"),
                ])
                .unwrap(),
            )
            .current_dir(&project),
    );
    answers_as_scaffolded(&project.join("my-memory.wasm"));
}

#[test]
fn a_javascript_scaffold_tests_builds_and_answers() {
    let dir = scratch();
    let run = new_plugin(dir.path(), "my-prefetch", "js");
    assert_eq!(run.code, 0, "{}", run.stderr);
    let project = dir.path().join("my-prefetch");
    let path = std::env::join_paths(
        std::iter::once(project.join("node_modules/.bin"))
            .chain(std::env::split_paths(&std::env::var_os("PATH").unwrap())),
    )
    .unwrap();
    for (what, args) in [
        (
            "npm install",
            &["install", "--no-audit", "--no-fund", "--loglevel=error"][..],
        ),
        ("npm test", &["test"]),
        ("npm run build", &["run", "build"]),
    ] {
        succeeds(
            what,
            Command::new("npm")
                .args(args)
                .env("PATH", &path)
                .current_dir(&project),
        );
    }
    answers_as_scaffolded(&project.join("my-prefetch.wasm"));
}

#[test]
fn bad_names_an_existing_folder_and_a_missing_sdk_are_refused_in_one_line() {
    let dir = scratch();
    for (name, why) in [
        ("My_Plugin", "is not a plugin name"),
        ("1st", "is not a plugin name"),
    ] {
        let run = new_plugin(dir.path(), name, "rust");
        assert_eq!(
            (run.code, run.stderr.lines().count()),
            (1, 1),
            "{}",
            run.stderr
        );
        assert!(run.stderr.contains(why), "{}", run.stderr);
    }
    std::fs::create_dir(dir.path().join("taken")).unwrap();
    let run = new_plugin(dir.path(), "taken", "python");
    assert_eq!(run.code, 1);
    assert!(
        run.stderr.contains("already exists: choose another name"),
        "{}",
        run.stderr
    );
    assert_eq!(
        std::fs::read_dir(dir.path().join("taken")).unwrap().count(),
        0,
        "nothing written into it"
    );
    let mut new = Command::new(host_binary());
    new.args(["new", "lost", "--lang", "js", "--sdk"])
        .arg(dir.path())
        .current_dir(dir.path());
    let run = run_command(&mut new, b"", Duration::from_secs(30));
    assert_eq!(run.code, 1);
    assert!(
        run.stderr.contains("the SDKs are not at") && run.stderr.contains("pass --sdk DIR"),
        "{}",
        run.stderr
    );
    assert!(!dir.path().join("lost").exists());
}
