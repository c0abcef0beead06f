//! The README's "Write your first plugin" section, run as written: the binaries copied onto a
//! PATH of their own, then `new`, the scaffold's test, `build`, `test` and `install`, and the
//! installed hook run as Claude Code runs it.
//!
//! The README's "Writing a plugin in Python" and "Writing a plugin in JavaScript or TypeScript"
//! sections are all it takes: their example and its unit test (in Python, JavaScript and
//! TypeScript) are written into an empty project, the test runs with the language's own runner, the component is built with the
//! section's commands, installed into the project, and the installed hook denies `rm -rf` as
//! Claude Code would run it. (The toolchains are the pinned ones `scripts/build-plugins.sh`
//! installs under `target/`.)

use fasthooks_e2e::handler::{claude_code_command, handler_text};
use fasthooks_e2e::{Home, bash_event, host_binary, run_command, succeeds, workspace_root};
use serde_json::Value;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Duration;

/// The fenced code blocks of the README section under `heading`, as (language, text).
fn section_blocks(heading: &str) -> Vec<(String, String)> {
    let readme = std::fs::read_to_string(workspace_root().join("README.md")).unwrap();
    let start = readme
        .find(&format!("\n{heading}\n"))
        .unwrap_or_else(|| panic!("README has no section {heading}"));
    let rest = &readme[start + heading.len() + 2..];
    let end = ["\n## ", "\n### "]
        .iter()
        .filter_map(|next| rest.find(next))
        .min()
        .unwrap_or(rest.len());
    let section = &rest[..end];
    let mut blocks = Vec::new();
    let mut lines = section.lines();
    while let Some(line) = lines.next() {
        if let Some(language) = line.strip_prefix("```").filter(|l| !l.is_empty()) {
            let body: Vec<&str> = lines.by_ref().take_while(|l| *l != "```").collect();
            blocks.push((language.to_owned(), format!("{}\n", body.join("\n"))));
        }
    }
    blocks
}

fn block<'a>(blocks: &'a [(String, String)], language: &str, index: usize) -> &'a str {
    blocks
        .iter()
        .filter(|(l, _)| l == language)
        .nth(index)
        .map(|(_, text)| text.as_str())
        .unwrap_or_else(|| panic!("the section has no {language} block #{index}"))
}

/// The PATH the section's commands run with: the pinned tools, and this build's binaries.
fn tool_path(extra: &Path) -> std::ffi::OsString {
    let root = workspace_root();
    let binaries = host_binary().parent().unwrap().to_owned();
    let mut dirs = vec![
        extra.to_owned(),
        root.join("target/js-tools/node_modules/.bin"),
        binaries,
    ];
    dirs.extend(std::env::split_paths(
        &std::env::var_os("PATH").unwrap_or_default(),
    ));
    std::env::join_paths(dirs).unwrap()
}

/// Install `plugin` into `project` (its settings), then run the installed PreToolUse command
/// as Claude Code does, on a Bash `rm -rf /`: it must deny.
fn installed_hook_denies_rm_rf(home: &Home, project: &Path, plugin: &Path, path: &std::ffi::OsStr) {
    let settings: Value = serde_json::from_str(
        &std::fs::read_to_string(project.join(".claude/settings.json"))
            .unwrap_or_else(|err| panic!("{} was not installed: {err}", plugin.display())),
    )
    .unwrap();
    let handler = &settings["hooks"]["PreToolUse"][0]["hooks"][0];
    let command = handler_text(handler);
    let mut sh = claude_code_command(handler, project);
    sh.env("PATH", path).env("FASTHOOKS_HOME", home.path());
    let run = run_command(
        &mut sh,
        bash_event("rm -rf /").to_string().as_bytes(),
        Duration::from_secs(120),
    );
    assert_eq!(run.code, 0, "{command}: {}", run.stderr);
    assert_eq!(
        run.stdout_json()["hookSpecificOutput"]["permissionDecision"],
        "deny",
        "{command}: {}",
        run.stdout
    );
}

fn project() -> (tempfile::TempDir, PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    let project = dir.path().join("project");
    std::fs::create_dir_all(project.join(".claude")).unwrap();
    std::fs::create_dir_all(dir.path().join("home")).unwrap();
    (dir, project)
}

/// Run `script` with bash, stopping at the first failing line; its stdout.
fn bash_script(what: &str, script: &str, dir: &Path, env: &[(&str, &std::ffi::OsStr)]) -> String {
    let mut bash = Command::new("bash");
    bash.args(["-e", "-c", script]).current_dir(dir);
    for (name, value) in env {
        bash.env(name, value);
    }
    let run = run_command(&mut bash, b"", Duration::from_secs(900));
    assert_eq!(
        run.code, 0,
        "{what}:\n{script}\nstdout:\n{}\nstderr:\n{}",
        run.stdout, run.stderr
    );
    run.stdout
}

#[test]
fn the_first_plugin_section_takes_a_user_from_the_binaries_to_an_installed_hook() {
    let blocks = section_blocks("## Write your first plugin");
    let root = workspace_root();
    let dir = tempfile::tempdir().unwrap();
    let user_home = dir.path().join("home");
    std::fs::create_dir_all(&user_home).unwrap();
    // rustup and cargo keep their own homes: only the user's HOME (and so ~/.local/bin) is new.
    let real_home = PathBuf::from(std::env::var_os("HOME").unwrap());
    let cargo_home = std::env::var_os("CARGO_HOME").map_or(real_home.join(".cargo"), PathBuf::from);
    let rustup_home =
        std::env::var_os("RUSTUP_HOME").map_or(real_home.join(".rustup"), PathBuf::from);

    // The first block puts the binaries on PATH; the build it starts with is this run's own.
    let install_lines: Vec<&str> = block(&blocks, "sh", 0)
        .lines()
        .filter(|line| !line.starts_with("./scripts/build.sh"))
        .collect();
    assert_eq!(install_lines.len(), 1, "{install_lines:?}");
    bash_script(
        "putting the binaries on PATH",
        install_lines[0],
        &root,
        &[("HOME", user_home.as_os_str())],
    );
    let bin = user_home.join(".local/bin");
    for name in ["fasthooks-host", "fasthooks-engine"] {
        let file = std::fs::symlink_metadata(bin.join(name)).unwrap();
        assert!(file.is_file(), "{name} is copied, not linked");
    }
    // Nothing of this build's folder on PATH: the copies must find each other.
    let mut path = vec![bin.clone()];
    path.extend(
        std::env::split_paths(&std::env::var_os("PATH").unwrap_or_default())
            .filter(|dir| !dir.starts_with(root.join("target"))),
    );
    let path = std::env::join_paths(path).unwrap();

    let fasthooks = Home::new();
    let work = dir.path().join("work");
    std::fs::create_dir_all(&work).unwrap();
    let toolchains = root.join("target/build-toolchains");
    let target = root.join("target/scaffold-test");
    let env = [
        ("HOME", user_home.as_os_str()),
        ("PATH", path.as_os_str()),
        ("CARGO_HOME", cargo_home.as_os_str()),
        ("RUSTUP_HOME", rustup_home.as_os_str()),
        ("FASTHOOKS_HOME", fasthooks.path().as_os_str()),
        ("FASTHOOKS_TOOLCHAINS", toolchains.as_os_str()),
        ("CARGO_TARGET_DIR", target.as_os_str()),
    ];
    let out = bash_script("the first plugin", block(&blocks, "sh", 1), &work, &env);
    assert!(
        out.contains("Analysis complete: "),
        "`test --run-tasks` shows the task's result:\n{out}"
    );
    assert!(!out.contains("not on PATH"), "{out}");

    let project = work.join("my-guard");
    let settings: Value = serde_json::from_str(
        &std::fs::read_to_string(project.join(".claude/settings.json")).unwrap(),
    )
    .unwrap();
    let handler = &settings["hooks"]["PreToolUse"][0]["hooks"][0];
    // No claude on PATH here to say it runs the exec form: the shell form.
    assert_eq!(
        handler["command"], "fasthooks-host --plugin \"$CLAUDE_PROJECT_DIR/my-guard.wasm\"",
        "named so that every clone of the project runs it: {handler}"
    );
    let command = handler_text(handler);
    let write = serde_json::json!({"session_id": "s", "cwd": project, "hook_event_name": "PreToolUse",
        "tool_name": "Write", "tool_input": {"file_path": "a.py", "content": "x = 1\n"}, "tool_use_id": "t"});
    let mut sh = claude_code_command(handler, &project);
    sh.env("PATH", &path)
        .env("FASTHOOKS_HOME", fasthooks.path());
    let run = run_command(
        &mut sh,
        write.to_string().as_bytes(),
        Duration::from_secs(120),
    );
    assert_eq!(
        (run.code, run.stderr.as_str()),
        (0, ""),
        "{command}: the copies answer"
    );
}

#[test]
fn the_python_section_is_enough_to_write_test_build_and_install_a_plugin() {
    let blocks = section_blocks("### Writing a plugin in Python");
    let (dir, project) = project();
    std::fs::write(project.join("app.py"), block(&blocks, "python", 0)).unwrap();
    std::fs::write(project.join("test_app.py"), block(&blocks, "python", 1)).unwrap();
    let root = workspace_root();
    let python = root.join("target/py-venv/bin/python");
    succeeds(
        "the section's test, with pytest",
        Command::new(&python)
            .args(["-m", "pytest", "-q", "-p", "no:cacheprovider"])
            .current_dir(&project)
            .env("PYTHONPATH", root.join("guest-sdk/python"))
            .env("PYTHONDONTWRITEBYTECODE", "1"),
    );
    // The section's command: componentize-py -d wit -w plugin componentize -p guest-sdk/python -p DIR app -o plugin.wasm
    succeeds(
        "the section's build",
        Command::new(root.join("target/py-venv/bin/componentize-py"))
            .arg("-d")
            .arg(root.join("wit"))
            .args(["-w", "plugin", "componentize", "-p"])
            .arg(root.join("guest-sdk/python"))
            .arg("-p")
            .arg(&project)
            .args(["app", "-o", "plugin.wasm"])
            .current_dir(&project),
    );
    let home = Home::new();
    let path = tool_path(&root.join("target/py-venv/bin"));
    succeeds(
        "fasthooks-host install",
        Command::new(host_binary())
            .args(["install", "--plugin", "plugin.wasm"])
            .current_dir(&project)
            .env("HOME", dir.path().join("home"))
            .env("FASTHOOKS_HOME", home.path())
            .env("PATH", &path),
    );
    installed_hook_denies_rm_rf(&home, &project, &project.join("plugin.wasm"), &path);
}

#[test]
fn the_javascript_section_is_enough_to_write_test_build_and_install_a_plugin() {
    let blocks = section_blocks("### Writing a plugin in JavaScript or TypeScript");
    let (dir, project) = project();
    std::fs::write(project.join("app.js"), block(&blocks, "js", 0)).unwrap();
    std::fs::write(project.join("app.test.js"), block(&blocks, "js", 1)).unwrap();
    let root = workspace_root();
    let commands = block(&blocks, "sh", 0).replace("PATH/TO/", &format!("{}/", root.display()));
    let (setup, install) = commands
        .split_once("esbuild ")
        .expect("the section installs, then bundles");
    let home = Home::new();
    let path = tool_path(&root.join("target/js-tools/node_modules/.bin"));
    let shell = |what: &str, script: &str| {
        succeeds(
            what,
            Command::new("sh")
                .args(["-c", &format!("set -e\n{script}")])
                .current_dir(&project)
                .env("HOME", dir.path().join("home"))
                .env("FASTHOOKS_HOME", home.path())
                .env("PATH", &path)
                .env("npm_config_cache", dir.path().join("npm-cache")),
        )
    };
    shell("the section's npm install", setup);
    succeeds(
        "the section's test, with node --test",
        Command::new("node")
            .args(["--test", "--test-reporter=tap"])
            .current_dir(&project),
    );
    shell(
        "the section's build and install",
        &format!("esbuild {install}"),
    );
    installed_hook_denies_rm_rf(&home, &project, &project.join("no-rm.wasm"), &path);
}

#[test]
fn the_typescript_version_in_the_section_type_checks_builds_and_installs() {
    let blocks = section_blocks("### Writing a plugin in JavaScript or TypeScript");
    let (dir, project) = project();
    std::fs::write(project.join("app.ts"), block(&blocks, "ts", 0)).unwrap();
    let root = workspace_root();
    let build = block(&blocks, "sh", 0)
        .replace("PATH/TO/", &format!("{}/", root.display()))
        .replace("esbuild app.js", "esbuild app.ts");
    let check = block(&blocks, "sh", 1);
    assert!(check.starts_with("tsc "), "{check}");
    let home = Home::new();
    let path = tool_path(&root.join("target/js-tools/node_modules/.bin"));
    // npm install first (the types need the SDK), then the check, then the build and install.
    let (install, bundle) = build.split_once("esbuild ").unwrap();
    succeeds(
        "npm install",
        Command::new("sh")
            .args(["-c", install])
            .current_dir(&project)
            .env("PATH", &path)
            .env("npm_config_cache", dir.path().join("npm-cache")),
    );
    // The section's unit test in TypeScript: the JavaScript test, importing ./app.ts.
    let test = block(&blocks, "js", 1).replace("'./app.js'", "'./app.ts'");
    assert!(test.contains("'./app.ts'"), "{test}");
    std::fs::write(project.join("app.test.ts"), test).unwrap();
    let unit = block(&blocks, "sh", 2);
    assert!(unit.contains("node --test"), "{unit}");
    let run = run_command(
        Command::new("sh")
            .args(["-c", &format!("set -e\n{unit}")])
            .current_dir(&project)
            .env("PATH", &path),
        b"",
        Duration::from_secs(120),
    );
    assert_eq!(
        run.code, 0,
        "the section's TypeScript test:\n{}\n{}",
        run.stdout, run.stderr
    );
    assert!(
        run.stdout.contains("pass 2"),
        "both tests ran:\n{}",
        run.stdout
    );
    succeeds(
        "the section's tsc check",
        Command::new("sh")
            .args(["-c", check])
            .current_dir(&project)
            .env("PATH", &path),
    );
    succeeds(
        "the section's build and install",
        Command::new("sh")
            .args(["-c", &format!("set -e\nesbuild {bundle}")])
            .current_dir(&project)
            .env("HOME", dir.path().join("home"))
            .env("FASTHOOKS_HOME", home.path())
            .env("PATH", &path),
    );
    installed_hook_denies_rm_rf(&home, &project, &project.join("no-rm.wasm"), &path);
}
