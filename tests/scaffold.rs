//! `fasthooks-host new NAME --lang rust|python|js` and `fasthooks-host build`: each scaffold's own
//! unit test passes with its language's runner, `build` makes its component (installing the
//! pinned toolchain the first time), and the component answers through the real host as the
//! scaffold says (a written file analysed in the background, its result on the next prompt).
//! Bad names, an existing folder, a missing SDK and a folder that is no project are refused in
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

/// `fasthooks-host build` in `project`: the component's path, printed alone on stdout. The
/// toolchains go to one folder for every run (`FASTHOOKS_TOOLCHAINS`), so they install once.
fn build(project: &Path) -> PathBuf {
    let root = workspace_root();
    let mut build = Command::new(host_binary());
    build
        .arg("build")
        .current_dir(project)
        .env("FASTHOOKS_TOOLCHAINS", root.join("target/build-toolchains"))
        .env("CARGO_TARGET_DIR", root.join("target/scaffold-test"));
    let run = run_command(&mut build, b"", Duration::from_secs(900));
    assert_eq!(
        run.code, 0,
        "fasthooks-host build:\n{}\n{}",
        run.stdout, run.stderr
    );
    let wasm = PathBuf::from(run.stdout.trim());
    assert_eq!(wasm.parent(), Some(project), "{}", run.stdout);
    assert!(wasm.is_file(), "{}", wasm.display());
    wasm
}

#[test]
fn a_rust_scaffold_tests_builds_and_answers() {
    let dir = scratch();
    let run = new_plugin(dir.path(), "my-guard", "rust");
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert!(run.stdout.starts_with("created "), "{}", run.stdout);
    let project = std::fs::canonicalize(dir.path().join("my-guard")).unwrap();
    // One target folder for every run of this test: the SDK's dependencies build once.
    succeeds(
        "cargo test",
        Command::new("cargo")
            .args(["test", "--quiet"])
            .env(
                "CARGO_TARGET_DIR",
                workspace_root().join("target/scaffold-test"),
            )
            .current_dir(&project),
    );
    let wasm = build(&project);
    assert_eq!(wasm, project.join("my-guard.wasm"));
    answers_as_scaffolded(&wasm);
}

#[test]
fn a_python_scaffold_tests_builds_and_answers() {
    let dir = scratch();
    let run = new_plugin(dir.path(), "my-memory", "python");
    assert_eq!(run.code, 0, "{}", run.stderr);
    let project = std::fs::canonicalize(dir.path().join("my-memory")).unwrap();
    let root = workspace_root();
    succeeds(
        "pytest",
        Command::new(root.join("target/py-venv/bin/python"))
            .args(["-m", "pytest", "-q", "-p", "no:cacheprovider"])
            .env("PYTHONPATH", root.join("guest-sdk/python"))
            .env("PYTHONDONTWRITEBYTECODE", "1")
            .current_dir(&project),
    );
    answers_as_scaffolded(&build(&project));
}

#[test]
fn a_javascript_scaffold_tests_builds_and_answers() {
    let dir = scratch();
    let run = new_plugin(dir.path(), "my-prefetch", "js");
    assert_eq!(run.code, 0, "{}", run.stderr);
    let project = std::fs::canonicalize(dir.path().join("my-prefetch")).unwrap();
    for (what, args) in [
        (
            "npm install",
            &["install", "--no-audit", "--no-fund", "--loglevel=error"][..],
        ),
        ("npm test", &["test"]),
    ] {
        succeeds(what, Command::new("npm").args(args).current_dir(&project));
    }
    answers_as_scaffolded(&build(&project));
}

#[test]
fn build_outside_a_project_says_what_it_needs_in_one_line() {
    let dir = scratch();
    let mut build = Command::new(host_binary());
    build.arg("build").arg(dir.path());
    let run = run_command(&mut build, b"", Duration::from_secs(30));
    assert_eq!((run.code, run.stdout.as_str()), (1, ""), "{}", run.stderr);
    assert_eq!(run.stderr.lines().count(), 1, "{}", run.stderr);
    assert!(
        run.stderr
            .contains("has no Cargo.toml, package.json or app.py")
            && run.stderr.contains("fasthooks-host new makes one"),
        "{}",
        run.stderr
    );
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
