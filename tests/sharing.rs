//! Sharing a plugin safely: `inspect` shows what a plugin is and asks for before anyone grants
//! it anything, through the real binary and real plugin builds.

use fasthooks_e2e::handler::handler_text;
use fasthooks_e2e::{Home, plugin, run_command, sha256_of};
use serde_json::Value;
use std::time::Duration;

fn inspect(home: &Home, args: &[&str]) -> fasthooks_e2e::HookRun {
    let mut command = home.command();
    command.arg("inspect").args(args);
    run_command(&mut command, b"", Duration::from_secs(60))
}

#[test]
fn inspect_shows_the_build_its_subscriptions_and_the_grants_it_asks_for() {
    let home = Home::new();
    let path = plugin("needs-grants");
    let run = inspect(&home, &[path.to_str().unwrap()]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let out = &run.stdout;
    let sha = sha256_of(&path);
    assert!(out.starts_with("needs-grants 0.1.0\n"), "{out}");
    assert!(out.contains(&format!("sha256        {sha}")), "{out}");
    assert!(
        out.contains("built against fasthooks:hooks@0.1.4 (this host serves 0.1.4)"),
        "{out}"
    );
    assert!(out.contains("PreToolUse           Write|Edit"), "{out}");
    assert!(
        out.contains("read-files           granted by --allow-read DIR"),
        "{out}"
    );
    assert!(
        out.contains("agent                granted by --allow-agent"),
        "{out}"
    );
    assert!(out.contains("fasthooks:hooks      "), "{out}");
    assert!(
        out.contains(&format!("--sha256 {sha} --allow-read DIR --allow-agent")),
        "the install line pins the build and names every grant: {out}"
    );

    // The same, for programs.
    let run = inspect(&home, &["--json", path.to_str().unwrap()]);
    let json: Value = serde_json::from_str(&run.stdout).unwrap();
    assert_eq!(json["sha256"], sha.as_str());
    assert_eq!(json["contract"], "0.1.4");
    assert_eq!(
        json["capabilities"],
        serde_json::json!([
            {"capability": "read-files", "granted_by": "--allow-read DIR"},
            {"capability": "agent", "granted_by": "--allow-agent"},
        ])
    );
    assert_eq!(
        json["subscriptions"],
        serde_json::json!([{"event": "PreToolUse", "matcher": "Write|Edit"}])
    );
}

#[test]
fn a_plugin_built_against_an_older_contract_says_so() {
    let home = Home::new();
    let old = fasthooks_e2e::workspace_root().join("tests/fixtures/plugins/guard-wit-0.1.0.wasm");
    let run = inspect(&home, &[old.to_str().unwrap()]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert!(
        run.stdout
            .contains("built against fasthooks:hooks@0.1.0 (this host serves 0.1.4)"),
        "{}",
        run.stdout
    );
    assert!(
        run.stdout
            .contains("nothing: it runs with no files, network, environment or sub-agent"),
        "{}",
        run.stdout
    );
    assert!(
        run.stdout.contains(
            "tasks         not listed: built before fasthooks:hooks@0.1.4, which added task-names"
        ),
        "{}",
        run.stdout
    );
}

/// The tasks a plugin registered are part of what it is: shown before anything is granted, for
/// a plugin of each SDK, and `none` for a plugin with none.
#[test]
fn inspect_lists_the_tasks_each_sdk_registered() {
    let home = Home::new();
    let tasks_of = |name: &str| -> Value {
        let run = inspect(&home, &["--json", plugin(name).to_str().unwrap()]);
        assert_eq!(run.code, 0, "{name}: {}", run.stderr);
        serde_json::from_str::<Value>(&run.stdout).unwrap()["tasks"].clone()
    };
    assert_eq!(tasks_of("review"), serde_json::json!(["review_code"]));
    assert_eq!(tasks_of("guard"), serde_json::json!([]));
    assert_eq!(
        tasks_of("docs-prefetch"),
        serde_json::json!(["fetch_documentation"])
    );
    let python = tasks_of("memory");
    let names: Vec<&str> = python
        .as_array()
        .unwrap_or_else(|| panic!("a list: {python}"))
        .iter()
        .filter_map(Value::as_str)
        .collect();
    assert!(
        names.len() == 1 && names[0].ends_with("search_memory"),
        "{python}"
    );

    let run = inspect(&home, &[plugin("review").to_str().unwrap()]);
    assert!(
        run.stdout.contains("\n  tasks         review_code\n"),
        "{}",
        run.stdout
    );
    let run = inspect(&home, &[plugin("guard").to_str().unwrap()]);
    assert!(
        run.stdout.contains("\n  tasks         none\n"),
        "{}",
        run.stdout
    );
}

#[test]
fn the_install_line_inspect_prints_installs_that_build() {
    let home = Home::new();
    let project = tempfile::tempdir().unwrap();
    let path = plugin("guard");
    let run = inspect(&home, &[path.to_str().unwrap()]);
    let line = run
        .stdout
        .lines()
        .find_map(|l| l.trim().strip_prefix("fasthooks-host "))
        .unwrap_or_else(|| panic!("an install line: {}", run.stdout))
        .to_owned();
    let words: Vec<&str> = line.split_whitespace().collect();
    let mut command = home.command();
    command
        .args(&words)
        .arg("--project-dir")
        .arg(project.path());
    let installed = run_command(&mut command, b"", Duration::from_secs(60));
    assert_eq!(installed.code, 0, "{line}: {}", installed.stderr);
    let settings: Value = serde_json::from_str(
        &std::fs::read_to_string(project.path().join(".claude/settings.json")).unwrap(),
    )
    .unwrap();
    let handler = &settings["hooks"]["PreToolUse"][0]["hooks"][0];
    assert!(
        handler_text(handler).contains(&format!("--sha256 {}", sha256_of(&path))),
        "{settings}"
    );
}

#[test]
fn inspecting_a_file_that_is_not_a_plugin_fails_in_one_line() {
    let home = Home::new();
    let run = inspect(&home, &[plugin("not-a-plugin").to_str().unwrap()]);
    assert_eq!(run.code, 1);
    assert_eq!(run.stderr.trim().lines().count(), 1, "{}", run.stderr);
    assert!(run.stdout.is_empty());
}

#[test]
fn install_refuses_a_plugin_whose_capabilities_are_not_granted() {
    let home = Home::new();
    let project = tempfile::tempdir().unwrap();
    let path = plugin("needs-grants");
    let install = |grants: &[&str]| home.install_into(&path, grants, project.path());
    let refused = install(&["--allow-agent"]);
    assert_eq!(refused.code, 1, "{}", refused.stdout);
    assert!(
        refused
            .stderr
            .contains("needs the read-files capability: add --allow-read DIR after its --plugin"),
        "{}",
        refused.stderr
    );
    assert!(!project.path().join(".claude/settings.json").exists());
    let data = project.path().display().to_string();
    let installed = install(&["--allow-read", &data, "--allow-agent"]);
    assert_eq!(installed.code, 0, "{}", installed.stderr);
}

fn package(home: &Home, args: &[&str]) -> fasthooks_e2e::HookRun {
    let mut command = home.command();
    command.arg("package").args(args);
    run_command(&mut command, b"", Duration::from_secs(120))
}

#[test]
fn package_writes_a_claude_code_plugin_pinned_to_the_build_with_exactly_its_grants() {
    let home = Home::new();
    let out = tempfile::tempdir().unwrap();
    let guard = plugin("guard");
    let dir = out.path().join("guard-plugin");
    let run = package(
        &home,
        &[
            "--plugin",
            guard.to_str().unwrap(),
            "--out",
            dir.to_str().unwrap(),
        ],
    );
    assert_eq!(run.code, 0, "{}", run.stderr);
    let manifest: Value = serde_json::from_str(
        &std::fs::read_to_string(dir.join(".claude-plugin/plugin.json")).unwrap(),
    )
    .unwrap();
    assert_eq!(manifest["name"], "guard");
    let hooks: Value =
        serde_json::from_str(&std::fs::read_to_string(dir.join("hooks/hooks.json")).unwrap())
            .unwrap();
    let command = hooks["hooks"]["PreToolUse"][0]["hooks"][0]["command"]
        .as_str()
        .unwrap();
    assert_eq!(
        command,
        format!(
            "fasthooks-host --plugin \"${{CLAUDE_PLUGIN_ROOT}}/guard.wasm\" --sha256 {}",
            sha256_of(&guard)
        )
    );
    assert_eq!(
        std::fs::read(dir.join("guard.wasm")).unwrap(),
        std::fs::read(&guard).unwrap()
    );
    let readme = std::fs::read_to_string(dir.join("README.md")).unwrap();
    assert!(
        readme.contains("None: it sees the event and nothing else"),
        "{readme}"
    );
    assert!(readme.contains(&sha256_of(&guard)), "{readme}");

    let again = package(
        &home,
        &[
            "--plugin",
            guard.to_str().unwrap(),
            "--out",
            dir.to_str().unwrap(),
        ],
    );
    assert_eq!(
        again.code, 1,
        "a package is never written over: {}",
        again.stdout
    );

    // Grants are the packager's, all visible, and change the version.
    let needs = plugin("needs-grants");
    let version = |args: &[&str], name: &str| -> String {
        let dir = out.path().join(name);
        let mut all = vec!["--plugin", needs.to_str().unwrap()];
        all.extend_from_slice(args);
        all.extend_from_slice(&["--out", dir.to_str().unwrap()]);
        let run = package(&home, &all);
        assert_eq!(run.code, 0, "{args:?}: {}", run.stderr);
        let readme = std::fs::read_to_string(dir.join("README.md")).unwrap();
        for arg in args.iter().filter(|a| a.starts_with("--")) {
            assert!(readme.contains(arg), "{arg} listed in {readme}");
        }
        let manifest: Value = serde_json::from_str(
            &std::fs::read_to_string(dir.join(".claude-plugin/plugin.json")).unwrap(),
        )
        .unwrap();
        manifest["version"].as_str().unwrap().to_owned()
    };
    let narrow = version(
        &["--allow-read", "$CLAUDE_PROJECT_DIR/docs", "--allow-agent"],
        "narrow",
    );
    let wide = version(
        &["--allow-read", "$CLAUDE_PROJECT_DIR", "--allow-agent"],
        "wide",
    );
    assert_ne!(narrow, wide, "a changed grant is a new version");
    assert!(narrow.starts_with("0.1.0+"), "{narrow}");

    let refused = |args: &[&str], why: &str| {
        let dir = out.path().join("refused");
        let mut all = vec!["--plugin", needs.to_str().unwrap()];
        all.extend_from_slice(args);
        all.extend_from_slice(&["--out", dir.to_str().unwrap()]);
        let run = package(&home, &all);
        assert_eq!(run.code, 1, "{args:?}");
        assert!(run.stderr.contains(why), "{args:?}: {}", run.stderr);
        assert!(!dir.exists(), "nothing written");
    };
    refused(&["--allow-agent"], "needs the read-files capability");
    let elsewhere = "start at the project or the home";
    refused(&["--allow-read", "/tmp", "--allow-agent"], elsewhere);
    refused(&["--allow-read", "/${UNSET}", "--allow-agent"], elsewhere);
}

/// `package --marketplace DIR` lists each package in `DIR/.claude-plugin/marketplace.json`:
/// a second plugin is added, packaging one again replaces its entry (its new folder), and
/// what the file held besides stays. A package outside the folder, a folder whose name is no
/// marketplace name, and a file that is no marketplace are refused in one line, before
/// anything is written.
#[test]
fn package_lists_each_plugin_in_a_marketplace_once() {
    let home = Home::new();
    let dir = tempfile::tempdir().unwrap();
    let market = dir.path().join("team-hooks");
    std::fs::create_dir_all(&market).unwrap();
    let market_arg = market.to_str().unwrap();
    let pack = |name: &str, out: &std::path::Path| {
        let wasm = plugin(name);
        package(
            &home,
            &[
                "--plugin",
                wasm.to_str().unwrap(),
                "--out",
                out.to_str().unwrap(),
                "--marketplace",
                market_arg,
            ],
        )
    };
    let listing = || -> Value {
        serde_json::from_str(
            &std::fs::read_to_string(market.join(".claude-plugin/marketplace.json")).unwrap(),
        )
        .unwrap()
    };
    let run = pack("guard", &market.join("guard"));
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert!(
        run.stdout
            .contains("claude plugin install guard@team-hooks"),
        "{}",
        run.stdout
    );
    let mut file = listing();
    assert_eq!(file["name"], "team-hooks");
    assert_eq!(file["plugins"][0]["source"], "./guard");
    // A maintainer's own key stays.
    file["metadata"] = serde_json::json!({"kept": true});
    std::fs::write(
        market.join(".claude-plugin/marketplace.json"),
        file.to_string(),
    )
    .unwrap();

    let run = pack("echo", &market.join("plugins/echo"));
    assert_eq!(run.code, 0, "{}", run.stderr);
    let run = pack("guard", &market.join("guard-2"));
    assert_eq!(run.code, 0, "{}", run.stderr);
    let file = listing();
    let entries: Vec<(&str, &str)> = file["plugins"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| (p["name"].as_str().unwrap(), p["source"].as_str().unwrap()))
        .collect();
    assert_eq!(
        entries,
        [("guard", "./guard-2"), ("echo", "./plugins/echo")]
    );
    assert_eq!(file["metadata"]["kept"], true);

    let refused = |run: fasthooks_e2e::HookRun, why: &str| {
        assert_eq!(
            (run.code, run.stderr.lines().count()),
            (1, 1),
            "{}",
            run.stderr
        );
        assert!(run.stderr.contains(why), "{why}: {}", run.stderr);
    };
    let outside = dir.path().join("elsewhere");
    refused(pack("guard", &outside), "is not inside --marketplace");
    assert!(!outside.exists(), "nothing written");
    std::fs::write(market.join(".claude-plugin/marketplace.json"), "[]").unwrap();
    refused(
        pack("guard", &market.join("guard-3")),
        "not a marketplace file",
    );
    let odd = dir.path().join("Team Hooks");
    std::fs::create_dir_all(&odd).unwrap();
    let wasm = plugin("guard");
    refused(
        package(
            &home,
            &[
                "--plugin",
                wasm.to_str().unwrap(),
                "--out",
                odd.join("guard").to_str().unwrap(),
                "--marketplace",
                odd.to_str().unwrap(),
            ],
        ),
        "named after its folder",
    );
}
