//! `fasthooks-host new NAME --lang rust|python|js` and `fasthooks-host build`: each scaffold's own
//! unit test passes with its language's runner, `build` makes its component (installing the
//! pinned toolchain the first time), and the component answers through the real host as the
//! scaffold says (a written file analysed in the background, its result on the next prompt).
//! Bad names, an existing folder, a missing SDK and a folder that is no project are refused in
//! one line.

use fasthooks_e2e::{Home, HookRun, host_binary, run_command, succeeds, workspace_root};
use serde_json::json;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Duration;

fn new_plugin(parent: &Path, name: &str, lang: &str) -> HookRun {
    let mut new = Command::new(host_binary());
    new.args(["new", name, "--lang", lang]).current_dir(parent);
    run_command(&mut new, b"", Duration::from_secs(30))
}

/// A Write then a prompt through the built component: the prompt gets the analysis.
fn answers_as_scaffolded(plugin: &Path, home: &Home) {
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

/// `fasthooks-host build` in `project`: the component's path, printed alone on stdout, and
/// compiled into `home`'s cache. The toolchains go to one folder for every run
/// (`FASTHOOKS_TOOLCHAINS`), so they install once.
fn build(project: &Path, home: &Home) -> PathBuf {
    build_run(project, home).0
}

/// [`build`], and what it printed on stderr.
fn build_run(project: &Path, home: &Home) -> (PathBuf, String) {
    build_with_toolchains(
        project,
        home,
        &workspace_root().join("target/build-toolchains"),
    )
}

/// [`build_run`] with the toolchains in `toolchains`.
fn build_with_toolchains(project: &Path, home: &Home, toolchains: &Path) -> (PathBuf, String) {
    let root = workspace_root();
    let mut build = home.command();
    build
        .arg("build")
        .current_dir(project)
        .env("FASTHOOKS_TOOLCHAINS", toolchains)
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
    let sha = fasthooks_e2e::sha256_of(&wasm);
    let cached = home.path().join("cache/plugins").join(&sha);
    assert!(
        cached.join("describe.json").is_file()
            && std::fs::read_dir(&cached)
                .unwrap()
                .flatten()
                .any(|e| e.file_name().to_string_lossy().ends_with(".cwasm")),
        "build compiles the component into the cache, so the first hook does not: {}",
        cached.display()
    );
    (wasm, run.stderr)
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
    let home = Home::new();
    let wasm = build(&project, &home);
    assert_eq!(wasm, project.join("my-guard.wasm"));
    answers_as_scaffolded(&wasm, &home);
}

/// The working tree as one commit of a repository of its own (tracked and new files, as
/// `.gitignore` leaves them), so a git dependency sees exactly what this run tests. The
/// repository's own `.git` is not touched.
fn snapshot_as_git_repository(into: &Path) -> String {
    let repo = into.join("fasthooks-host.git");
    let git = |args: &[&str]| {
        let mut command = Command::new("git");
        command
            .args(["-c", "user.name=test", "-c", "user.email=test@localhost"])
            .args(args)
            .env("GIT_DIR", &repo)
            .env("GIT_WORK_TREE", workspace_root());
        succeeds(&format!("git {}", args.join(" ")), &mut command);
    };
    git(&["init", "--quiet"]);
    git(&["add", "--all"]);
    git(&["commit", "--quiet", "--message", "snapshot"]);
    format!("file://{}", repo.display())
}

/// What the README shows for a plugin outside this repository: the SDK as a git dependency,
/// fetched by cargo (the workspace keys, the protocol crate and the contract all come along).
#[test]
fn a_rust_scaffold_takes_the_sdk_by_git_and_builds() {
    let dir = scratch();
    let url = snapshot_as_git_repository(dir.path());
    let mut new = Command::new(host_binary());
    new.args(["new", "by-git", "--lang", "rust", "--sdk-git", &url])
        .current_dir(dir.path());
    let run = run_command(&mut new, b"", Duration::from_secs(30));
    assert_eq!(run.code, 0, "{}", run.stderr);
    let project = std::fs::canonicalize(dir.path().join("by-git")).unwrap();
    let manifest = std::fs::read_to_string(project.join("Cargo.toml")).unwrap();
    assert!(
        manifest.contains(&format!("fasthooks-sdk = {{ git = \"{url}\" }}")),
        "{manifest}"
    );
    let home = Home::new();
    answers_as_scaffolded(&build(&project, &home), &home);
}

/// `cargo package` of the SDK and the protocol crate it needs: each packaged crate holds what
/// it builds from (the contract in `wit/`), and cargo's own check builds the SDK from the
/// packages alone, outside this workspace.
#[test]
fn the_rust_sdk_packages_and_builds_from_its_package() {
    let root = workspace_root();
    let target = root.join("target/package-check");
    succeeds(
        "cargo package",
        Command::new("cargo")
            .args([
                "package",
                "--quiet",
                "--allow-dirty",
                "-p",
                "fasthooks-protocol",
                "-p",
                "fasthooks-sdk",
                "--target-dir",
            ])
            .arg(&target)
            .current_dir(&root),
    );
    let listing = Command::new("tar")
        .arg("-tzf")
        .arg(target.join("package/fasthooks-sdk-0.1.0.crate"))
        .output()
        .unwrap();
    let listing = String::from_utf8_lossy(&listing.stdout);
    for file in [
        "wit/world.wit",
        "wit/tasks.wit",
        "wit/deps/http.wit",
        "src/lib.rs",
    ] {
        assert!(
            listing.lines().any(|line| line.ends_with(file)),
            "{file} is not in the package:\n{listing}"
        );
    }
    assert!(
        !listing
            .lines()
            .any(|line| line.contains("/js/") || line.contains("/python/")),
        "the Python and JavaScript SDKs are not the crate's:\n{listing}"
    );
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
    let home = Home::new();
    answers_as_scaffolded(&build(&project, &home), &home);
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
    let home = Home::new();
    answers_as_scaffolded(&build(&project, &home), &home);
}

/// `build` loads what it built as a hook would: a matcher in the wrong case is warned about on
/// stderr (stdout stays the path alone).
#[test]
fn build_warns_about_a_miscased_matcher() {
    let dir = scratch();
    let run = new_plugin(dir.path(), "miscased", "python");
    assert_eq!(run.code, 0, "{}", run.stderr);
    let project = std::fs::canonicalize(dir.path().join("miscased")).unwrap();
    let app = std::fs::read_to_string(project.join("app.py")).unwrap();
    assert!(app.contains("@app.pre_tool(\"Write\")"), "{app}");
    std::fs::write(
        project.join("app.py"),
        app.replace("@app.pre_tool(\"Write\")", "@app.pre_tool(\"write\")"),
    )
    .unwrap();
    let home = Home::new();
    let (_, stderr) = build_run(&project, &home);
    assert!(
        stderr
            .contains("`write` never fires: tool names are case-sensitive; did you mean `Write`?"),
        "{stderr}"
    );
}

/// The first build with an empty toolchain folder installs the pinned toolchain and says so on
/// stderr; the next build uses it and says nothing of it.
#[test]
fn the_first_build_installs_the_pinned_toolchain_and_says_so_once() {
    let dir = scratch();
    let run = new_plugin(dir.path(), "first-use", "python");
    assert_eq!(run.code, 0, "{}", run.stderr);
    let project = std::fs::canonicalize(dir.path().join("first-use")).unwrap();
    let toolchains = dir.path().join("toolchains");
    let pin = std::fs::read_to_string(workspace_root().join("scripts/toolchains.txt"))
        .unwrap()
        .lines()
        .find_map(|line| line.strip_prefix("python "))
        .expect("a python pin in scripts/toolchains.txt")
        .trim()
        .to_owned();
    let home = Home::new();
    let (_, first) = build_with_toolchains(&project, &home, &toolchains);
    let said = format!(
        "installing {pin} into {} (first time only)…",
        toolchains.join("componentize-py").display()
    );
    assert!(first.contains(&said), "{said:?} in:\n{first}");
    let (_, second) = build_with_toolchains(&project, &home, &toolchains);
    assert!(!second.contains("installing"), "{second}");
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

/// One line on stderr, exit 1, and `why` in it.
fn refused(run: &HookRun, why: &str) {
    assert_eq!(
        (run.code, run.stderr.lines().count()),
        (1, 1),
        "{}",
        run.stderr
    );
    assert!(run.stderr.contains(why), "{why}: {}", run.stderr);
}

#[test]
fn bad_names_an_existing_folder_and_a_missing_sdk_are_refused_in_one_line() {
    let dir = scratch();
    let long = "a".repeat(65);
    for name in [
        "My_Plugin",
        "1st",
        "../escape",
        "a/b",
        "",
        long.as_str(),
        "fasthooks-sdk",
    ] {
        refused(
            &new_plugin(dir.path(), name, "rust"),
            "is not a plugin name",
        );
    }
    std::fs::create_dir(dir.path().join("taken")).unwrap();
    refused(
        &new_plugin(dir.path(), "taken", "python"),
        "already exists: choose another name",
    );
    assert_eq!(
        std::fs::read_dir(dir.path().join("taken")).unwrap().count(),
        0,
        "nothing written into it"
    );
    std::fs::write(dir.path().join("a-file"), "mine").unwrap();
    refused(&new_plugin(dir.path(), "a-file", "js"), "already exists");
    assert_eq!(
        std::fs::read_to_string(dir.path().join("a-file")).unwrap(),
        "mine"
    );
    let mut new = Command::new(host_binary());
    new.args(["new", "lost", "--lang", "js", "--sdk"])
        .arg(dir.path())
        .current_dir(dir.path());
    refused(
        &run_command(&mut new, b"", Duration::from_secs(30)),
        "pass --sdk DIR",
    );
    assert!(!dir.path().join("lost").exists());
    let names: Vec<String> = std::fs::read_dir(dir.path())
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    assert_eq!(names.len(), 2, "only what the test made: {names:?}");
}

/// A Python plugin that imports the SDK's http module the usual way (`from fasthooks_sdk import
/// …, http`) is built against the plugin-http world: against the plain one, its import fails
/// and so does the build.
#[test]
fn build_sees_a_python_plugin_that_sends_http() {
    let dir = scratch();
    let project = dir.path().join("probe");
    std::fs::create_dir(&project).unwrap();
    let source =
        std::fs::read_to_string(workspace_root().join("plugins/http-probe-py/app.py")).unwrap();
    assert!(source.contains("from fasthooks_sdk import HookApp, context, export, http"));
    std::fs::write(project.join("app.py"), source).unwrap();
    let home = Home::new();
    let wasm = build(&std::fs::canonicalize(&project).unwrap(), &home);
    let inspect = home.run(&["inspect", &wasm.display().to_string()], b"");
    assert_eq!(inspect.code, 0, "{}", inspect.stderr);
    assert!(
        inspect.stdout.contains("--allow-http"),
        "it asks for the HTTP grant:\n{}",
        inspect.stdout
    );
}

#[test]
fn a_package_name_that_could_leave_the_folder_is_refused() {
    let dir = scratch();
    let run = new_plugin(dir.path(), "named", "js");
    assert_eq!(run.code, 0, "{}", run.stderr);
    let project = dir.path().join("named");
    let package = std::fs::read_to_string(project.join("package.json")).unwrap();
    std::fs::write(
        project.join("package.json"),
        package.replace("\"name\": \"named\"", "\"name\": \"../escaped\""),
    )
    .unwrap();
    let mut build = Command::new(host_binary());
    build.arg("build").current_dir(&project).env(
        "FASTHOOKS_TOOLCHAINS",
        workspace_root().join("target/build-toolchains"),
    );
    refused(
        &run_command(&mut build, b"", Duration::from_secs(120)),
        "is not a plugin name",
    );
    assert!(!dir.path().join("escaped.wasm").exists());
}

/// `build` installs a JavaScript project's dependencies without running anybody's install
/// scripts: a cloned project cannot run code on the machine by being built.
#[test]
fn build_runs_no_install_script_of_the_project() {
    let dir = scratch();
    let run = new_plugin(dir.path(), "scripted", "js");
    assert_eq!(run.code, 0, "{}", run.stderr);
    let project = std::fs::canonicalize(dir.path().join("scripted")).unwrap();
    let marker = dir.path().join("ran");
    let package = std::fs::read_to_string(project.join("package.json")).unwrap();
    let scripted = package.replace(
        "\"test\": \"node --test\"",
        &format!("\"test\": \"node --test\", \"preinstall\": \"touch {0}\", \"postinstall\": \"touch {0}\"", marker.display()),
    );
    assert_ne!(scripted, package);
    std::fs::write(project.join("package.json"), scripted).unwrap();
    build(&project, &Home::new());
    assert!(!marker.exists(), "an install script ran");
}

/// An SDK path that TOML, JSON or a shell line would misread (here a quote) is refused before
/// anything is written.
#[test]
fn a_git_sdk_is_for_rust_and_a_url_the_template_would_misread_is_refused() {
    let dir = scratch();
    for (lang, url, why) in [
        (
            "python",
            "https://example.invalid/fasthooks-host.git",
            "--sdk-git is for Rust plugins",
        ),
        (
            "js",
            "https://example.invalid/fasthooks-host.git",
            "--sdk-git is for Rust plugins",
        ),
        ("rust", "https://example.invalid/a\"b", "is not a git URL"),
        ("rust", "/not/a/url", "is not a git URL"),
    ] {
        let mut new = Command::new(host_binary());
        new.args(["new", "refused", "--lang", lang, "--sdk-git", url])
            .current_dir(dir.path());
        refused(&run_command(&mut new, b"", Duration::from_secs(30)), why);
        assert!(!dir.path().join("refused").exists(), "{lang} {url}");
    }
}

#[test]
fn an_sdk_path_the_templates_would_misread_is_refused() {
    let dir = scratch();
    let odd = dir.path().join("a\"b");
    let sdk = odd.join("guest-sdk");
    for folder in ["python/fasthooks_sdk", "js"] {
        std::fs::create_dir_all(sdk.join(folder)).unwrap();
    }
    std::fs::write(sdk.join("Cargo.toml"), "").unwrap();
    std::fs::write(sdk.join("js/package.json"), "{}").unwrap();
    std::fs::create_dir_all(odd.join("wit")).unwrap();
    std::fs::write(odd.join("wit/world.wit"), "").unwrap();
    let mut new = Command::new(host_binary());
    new.args(["new", "quoted", "--lang", "rust", "--sdk"])
        .arg(&sdk)
        .current_dir(dir.path());
    refused(
        &run_command(&mut new, b"", Duration::from_secs(30)),
        "has a quote, backslash",
    );
    assert!(!dir.path().join("quoted").exists());
}
