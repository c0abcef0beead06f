//! Over 600 lines: one end-to-end test per install behaviour (layouts, grants, limits,
//! targets, uninstall), all through the same `Setup`; `doctor`'s checks of an installation are
//! here too, on installs that `Setup` makes (and one as another user, for a store it cannot read).
//!
//! `fasthooks-host install` and `uninstall` on real settings files in temporary projects: what
//! they write, that they merge without disturbing anything else, idempotence, backups, exact
//! removal, and refusing files they cannot parse.

use fasthooks_e2e::handler::{claude_code_command, handler_text};
use fasthooks_e2e::{Home, bash_event, plugin, run_command};
use serde_json::{Value, json};
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Duration;

/// A project, a HOME (so `--user` never touches the real one) and a fasthooks home.
struct Setup {
    dir: tempfile::TempDir,
    fasthooks: Home,
}

struct Output {
    code: i32,
    stdout: String,
    stderr: String,
}

impl Setup {
    fn new() -> Setup {
        let dir = tempfile::Builder::new()
            .prefix("fasthooks-install-")
            .tempdir()
            .unwrap();
        std::fs::create_dir_all(dir.path().join("project/.claude")).unwrap();
        std::fs::create_dir_all(dir.path().join("home")).unwrap();
        Setup {
            dir,
            fasthooks: Home::new(),
        }
    }

    fn project(&self) -> PathBuf {
        self.dir.path().join("project")
    }

    fn home(&self) -> PathBuf {
        self.dir.path().join("home")
    }

    fn settings_path(&self) -> PathBuf {
        self.project().join(".claude/settings.json")
    }

    /// Where install keeps the project's previous settings: fasthooks' data directory, never
    /// the project (a path that does not exist when there is none).
    fn backup_path(&self) -> PathBuf {
        let dir = self.fasthooks.path().join("data/settings-backups");
        std::fs::read_dir(&dir)
            .into_iter()
            .flatten()
            .flatten()
            .map(|entry| entry.path())
            .find(|path| path.to_string_lossy().ends_with("-settings.json"))
            .unwrap_or_else(|| dir.join("none-settings.json"))
    }

    /// `fasthooks-host ARGS` run from the project directory.
    fn run(&self, args: &[&str]) -> Output {
        let mut command: Command = self.fasthooks.command();
        command
            .args(args)
            .current_dir(self.project())
            .env("HOME", self.home());
        let run = run_command(&mut command, b"", Duration::from_secs(60));
        Output {
            code: run.code,
            stdout: run.stdout,
            stderr: run.stderr,
        }
    }

    fn ok(&self, args: &[&str]) -> String {
        let out = self.run(args);
        assert_eq!(out.code, 0, "{args:?}: {}{}", out.stdout, out.stderr);
        out.stdout
    }

    fn write_settings(&self, text: &str) {
        std::fs::write(self.settings_path(), text).unwrap();
    }

    fn settings_text(&self) -> String {
        std::fs::read_to_string(self.settings_path()).unwrap()
    }

    fn settings(&self) -> Value {
        serde_json::from_str(&self.settings_text()).unwrap()
    }
}

fn host_path() -> String {
    std::fs::canonicalize(fasthooks_e2e::host_binary())
        .unwrap()
        .display()
        .to_string()
}

/// An installed handler run as Claude Code runs it (the exec form with no shell, the shell form
/// with `sh -c`) for a session in `project`, with `env`, a Bash PreToolUse event for `bash` on
/// stdin.
fn as_claude_code_runs(
    setup: &Setup,
    handler: &Value,
    project: &Path,
    env: &[(&str, &std::ffi::OsStr)],
    bash: &str,
) -> fasthooks_e2e::HookRun {
    let mut sh = claude_code_command(handler, project);
    sh.env("FASTHOOKS_HOME", setup.fasthooks.path())
        .envs(env.iter().copied());
    run_command(
        &mut sh,
        bash_event(bash).to_string().as_bytes(),
        Duration::from_secs(60),
    )
}

/// The first handler installed for `event`.
fn handler_of<'a>(settings: &'a Value, event: &str) -> &'a Value {
    let handler = &settings["hooks"][event][0]["hooks"][0];
    assert!(handler.is_object(), "{event}: {settings}");
    handler
}

/// The words of the first handler installed for `event`, in one line.
fn command_of(settings: &Value, event: &str) -> String {
    handler_text(handler_of(settings, event))
}

fn plugin_path(name: &str) -> String {
    std::fs::canonicalize(plugin(name))
        .unwrap()
        .display()
        .to_string()
}

fn keys(value: &Value) -> Vec<String> {
    value.as_object().unwrap().keys().cloned().collect()
}

/// A settings file as a user might have it, formatted the way install writes (so that a file
/// restored by uninstall can be compared byte for byte).
const USER_SETTINGS: &str = r#"{
  "model": "opus",
  "permissions": {
    "allow": [
      "Bash(ls:*)"
    ]
  },
  "hooks": {
    "Stop": [
      {
        "hooks": [
          {
            "type": "command",
            "command": "notify-send done"
          }
        ]
      }
    ],
    "PreToolUse": [
      {
        "matcher": "Bash",
        "hooks": [
          {
            "type": "command",
            "command": "my-linter --strict"
          }
        ]
      }
    ]
  },
  "env": {
    "Z_LAST": "1",
    "A_FIRST": "2"
  }
}
"#;

#[test]
fn install_writes_the_events_and_matchers_from_describe() {
    let setup = Setup::new();
    let out = setup.ok(&["install", "--plugin", &plugin_path("house-rules")]);
    assert!(out.contains("installed house-rules"), "{out}");
    let command = format!("{} --plugin {}", host_path(), plugin_path("house-rules"));
    let handler = json!([{"type": "command", "command": command}]);
    assert_eq!(
        setup.settings(),
        json!({"hooks": {
            "SessionStart": [{"hooks": handler}],
            "UserPromptSubmit": [{"hooks": handler}],
            "Stop": [{"hooks": handler}],
            "PermissionRequest": [{"matcher": "Bash", "hooks": handler}],
        }})
    );
    assert_eq!(
        keys(&setup.settings()["hooks"]),
        [
            "SessionStart",
            "UserPromptSubmit",
            "Stop",
            "PermissionRequest"
        ]
    );
    assert!(
        setup.settings_text().starts_with("{\n  \"hooks\": {\n"),
        "two-space pretty print"
    );
    assert!(!setup.backup_path().exists(), "nothing to back up");
}

#[test]
fn the_written_command_runs_the_plugin() {
    let setup = Setup::new();
    // No claude on PATH to ask: the shell form, which every Claude Code runs; asked for, the
    // exec form. Each runs as Claude Code runs it (`sh -c`, or no shell), the event on stdin,
    // from the project directory.
    let out = setup.ok(&["install", "--plugin", &plugin_path("guard")]);
    assert!(out.contains("no claude on PATH told its version"), "{out}");
    for form in ["shell", "exec"] {
        setup.ok(&[
            "install",
            "--plugin",
            &plugin_path("guard"),
            "--command-form",
            form,
        ]);
        let settings = setup.settings();
        let group = &settings["hooks"]["PreToolUse"][0];
        assert_eq!(group["matcher"], "Bash");
        let handler = &group["hooks"][0];
        assert_eq!(handler["args"].is_array(), form == "exec", "{handler}");
        let run = as_claude_code_runs(&setup, handler, &setup.project(), &[], "rm -rf /");
        assert_eq!(run.code, 0, "{}", run.stderr);
        assert_eq!(
            run.stdout_json()["hookSpecificOutput"]["permissionDecision"],
            "deny",
            "{form}"
        );
    }
}

#[test]
fn grants_and_limits_are_carried_into_the_command() {
    let setup = Setup::new();
    let project = std::fs::canonicalize(setup.project()).unwrap();
    std::fs::create_dir_all(project.join("docs")).unwrap();
    std::fs::create_dir_all(project.join("plugins")).unwrap();
    std::fs::copy(plugin("guard"), project.join("plugins/guard.wasm")).unwrap();
    // Relative paths, as typed in the project; `$CLAUDE_PROJECT_DIR` left for the hook's shell.
    let out = setup.ok(&[
        "install",
        "--plugin",
        "plugins/guard.wasm",
        "--allow-read",
        "docs",
        "--allow-write",
        "$CLAUDE_PROJECT_DIR",
        "--allow-env",
        "LANG",
        "--fail-closed",
        "--timeout-ms",
        "500",
        "--command-form",
        "exec",
    ]);
    assert!(
        out.contains("note: .claude/ and .git/ inside $CLAUDE_PROJECT_DIR stay read-only"),
        "install says what a write grant of the project leaves read-only: {out}"
    );
    let settings = setup.settings();
    let handler = handler_of(&settings, "PreToolUse");
    assert_eq!(
        (&handler["command"], &handler["args"]),
        (
            &json!(host_path()),
            &json!([
                "--plugin",
                "${CLAUDE_PROJECT_DIR}/plugins/guard.wasm",
                "--allow-read",
                "${CLAUDE_PROJECT_DIR}/docs",
                "--allow-write",
                "${CLAUDE_PROJECT_DIR}",
                "--allow-env",
                "LANG",
                "--fail-closed",
                "--timeout-ms",
                "500"
            ])
        ),
        "what lives in the project is named from ${{CLAUDE_PROJECT_DIR}}, so every clone runs it"
    );
    assert!(
        out.contains("fasthooks-host is not on PATH"),
        "install says the host's path is this machine's: {out}"
    );
    // The command works where Claude Code runs it.
    let project = setup.project();
    let env = [("CLAUDE_PROJECT_DIR", project.as_os_str())];
    let run = as_claude_code_runs(&setup, handler, &project, &env, "ls");
    assert_eq!(
        (run.code, run.stdout.as_str(), run.stderr.as_str()),
        (0, "", "")
    );
}

#[test]
fn a_grant_to_write_claude_and_git_is_installed_with_a_warning() {
    let setup = Setup::new();
    let out = setup.ok(&[
        "install",
        "--plugin",
        &plugin_path("guard"),
        "--allow-write",
        "$CLAUDE_PROJECT_DIR",
        "--allow-write-claude-and-git",
    ]);
    assert!(
        out.lines().any(|l| l.starts_with("warning: ")
            && l.contains("may change .claude/ and .git/")
            && l.contains("outside any sandbox")),
        "{out}"
    );
    let settings = setup.settings();
    let command = command_of(&settings, "PreToolUse");
    assert!(
        command.ends_with("--allow-write \"$CLAUDE_PROJECT_DIR\" --allow-write-claude-and-git"),
        "{command}"
    );
}

#[test]
fn installing_twice_adds_nothing_and_the_first_write_keeps_a_backup() {
    let setup = Setup::new();
    setup.write_settings(USER_SETTINGS);
    let out = setup.ok(&["install", "--plugin", &plugin_path("guard")]);
    assert!(out.contains("previous file kept as"), "{out}");
    assert_eq!(
        std::fs::read_to_string(setup.backup_path()).unwrap(),
        USER_SETTINGS
    );
    let once = setup.settings_text();

    let out = setup.ok(&["install", "--plugin", &plugin_path("guard")]);
    assert!(out.contains("already installed"), "{out}");
    assert_eq!(
        setup.settings_text(),
        once,
        "the second install changed nothing"
    );
    assert_eq!(
        std::fs::read_to_string(setup.backup_path()).unwrap(),
        USER_SETTINGS,
        "and wrote nothing, not even a backup"
    );
    let groups = setup.settings()["hooks"]["PreToolUse"]
        .as_array()
        .unwrap()
        .len();
    assert_eq!(groups, 2);
    let leftovers: Vec<_> = std::fs::read_dir(setup.project().join(".claude"))
        .unwrap()
        .flatten()
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .filter(|name| name != "settings.json")
        .collect();
    assert!(
        leftovers.is_empty(),
        "no temporary or backup files left in the project: {leftovers:?}"
    );
}

#[test]
fn the_users_entries_keep_their_place_and_order() {
    let setup = Setup::new();
    setup.write_settings(USER_SETTINGS);
    setup.ok(&["install", "--plugin", &plugin_path("guard")]);
    setup.ok(&["install", "--plugin", &plugin_path("house-rules")]);
    let settings = setup.settings();
    assert_eq!(keys(&settings), ["model", "permissions", "hooks", "env"]);
    assert_eq!(keys(&settings["env"]), ["Z_LAST", "A_FIRST"], "not sorted");
    assert_eq!(
        keys(&settings["hooks"]),
        [
            "Stop",
            "PreToolUse",
            "SessionStart",
            "UserPromptSubmit",
            "PermissionRequest"
        ]
    );
    let original: Value = serde_json::from_str(USER_SETTINGS).unwrap();
    let stop = settings["hooks"]["Stop"].as_array().unwrap();
    assert_eq!(
        stop[0], original["hooks"]["Stop"][0],
        "the user's Stop hook first"
    );
    assert!(handler_text(&stop[1]["hooks"][0]).contains("house-rules.wasm"));
    let pre = settings["hooks"]["PreToolUse"].as_array().unwrap();
    assert_eq!(pre[0], original["hooks"]["PreToolUse"][0]);
    assert!(handler_text(&pre[1]["hooks"][0]).contains("guard.wasm"));
    assert_eq!(settings["permissions"], original["permissions"]);
}

#[test]
fn uninstall_removes_exactly_what_install_added() {
    let setup = Setup::new();
    setup.write_settings(USER_SETTINGS);
    setup.ok(&["install", "--plugin", &plugin_path("guard")]);
    setup.ok(&["install", "--plugin", &plugin_path("house-rules")]);

    let out = setup.ok(&["uninstall", "--plugin", &plugin_path("guard")]);
    assert!(out.contains("removed 1 hook entry"), "{out}");
    let settings = setup.settings();
    assert!(!setup.settings_text().contains("guard.wasm"));
    assert!(
        settings["hooks"]["SessionStart"].is_array(),
        "house-rules stays"
    );

    let out = setup.ok(&["uninstall", "--plugin", &plugin_path("house-rules")]);
    assert!(out.contains("removed 4 hook entries"), "{out}");
    assert_eq!(
        setup.settings_text(),
        USER_SETTINGS,
        "back to the user's file, byte for byte"
    );

    let out = setup.ok(&["uninstall", "--plugin", &plugin_path("house-rules")]);
    assert!(out.contains("nothing to remove"), "{out}");
    assert_eq!(setup.settings_text(), USER_SETTINGS);
}

#[test]
fn uninstall_works_when_the_plugin_file_is_gone() {
    let setup = Setup::new();
    let copy = setup.project().join("guard-copy.wasm");
    std::fs::copy(plugin("guard"), &copy).unwrap();
    setup.ok(&["install", "--plugin", "guard-copy.wasm"]);
    std::fs::remove_file(&copy).unwrap();
    let out = setup.ok(&["uninstall", "--plugin", "guard-copy.wasm"]);
    assert!(out.contains("removed 1"), "{out}");
    assert!(
        !setup.settings_path().exists(),
        "the file install created, left holding nothing, is gone"
    );
}

#[test]
fn install_then_uninstall_leaves_a_project_as_it_found_it() {
    let setup = Setup::new();
    let claude_dir = setup.project().join(".claude");
    std::fs::remove_dir(&claude_dir).unwrap();
    let before = listing(&setup.project());
    let out = setup.ok(&["install", "--plugin", &plugin_path("guard")]);
    assert!(setup.settings_path().exists(), "{out}");
    let out = setup.ok(&["uninstall", "--plugin", &plugin_path("guard")]);
    assert!(out.contains("removed it"), "{out}");
    assert_eq!(
        listing(&setup.project()),
        before,
        "no settings file, .claude directory or backup left behind"
    );

    // A project's settings that hold something else stay, and no backup lands in the project.
    std::fs::create_dir_all(&claude_dir).unwrap();
    setup.write_settings(USER_SETTINGS);
    setup.ok(&["install", "--plugin", &plugin_path("guard")]);
    let out = setup.ok(&["uninstall", "--plugin", &plugin_path("guard")]);
    assert_eq!(setup.settings_text(), USER_SETTINGS, "{out}");
    assert_eq!(listing(&claude_dir), ["settings.json"]);
    let backup = std::fs::read_to_string(setup.backup_path()).unwrap();
    assert!(
        backup.contains("guard.wasm"),
        "the file before uninstall, kept outside the project: {backup}"
    );
}

/// The entries under `dir`, recursively, as sorted relative paths.
fn listing(dir: &Path) -> Vec<String> {
    let mut found = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(at) = stack.pop() {
        for entry in std::fs::read_dir(&at).unwrap().flatten() {
            let path = entry.path();
            found.push(path.strip_prefix(dir).unwrap().display().to_string());
            if path.is_dir() {
                stack.push(path);
            }
        }
    }
    found.sort();
    found
}

#[test]
fn a_file_with_comments_and_inline_objects_is_edited_in_place() {
    let setup = Setup::new();
    let original = "{\n  // the team's model\n  \"model\": \"opus\",\n  \"permissions\": {\"allow\": [\"Bash(ls)\"]},\n  /* hooks below */\n  \"hooks\": {\"Stop\": [{\"hooks\": [{\"type\": \"command\", \"command\": \"notify\"}]}]}\n}\n";
    setup.write_settings(original);
    setup.ok(&["install", "--plugin", &plugin_path("guard")]);
    let installed = setup.settings_text();
    for line in original.lines().filter(|l| !l.contains("\"hooks\"")) {
        assert!(installed.contains(line), "{line:?} kept in:\n{installed}");
    }
    assert!(installed.contains("fasthooks-host"), "{installed}");
    setup.ok(&["uninstall", "--plugin", &plugin_path("guard")]);
    let back = setup.settings_text();
    assert!(
        back.contains("// the team's model") && back.contains("/* hooks below */"),
        "{back}"
    );
    assert!(
        back.contains("\"permissions\": {\"allow\": [\"Bash(ls)\"]},"),
        "{back}"
    );
    assert!(!back.contains("fasthooks-host"), "{back}");
}

#[test]
fn a_file_it_cannot_parse_is_left_alone() {
    let setup = Setup::new();
    for bad in [
        "{\"hooks\": {\"PreToolUse\": [\n",
        "{\"model\": \"opus\",, }\n",
        "[1, 2]\n",
        "{\"hooks\": [\"not an object\"]}\n",
    ] {
        setup.write_settings(bad);
        for args in [
            vec!["install", "--plugin", &plugin_path("guard")],
            vec!["uninstall", "--plugin", &plugin_path("guard")],
        ] {
            let out = setup.run(&args);
            assert_eq!(out.code, 1, "{bad:?} {args:?}: {}", out.stdout);
            assert_eq!(out.stdout, "");
            assert_eq!(out.stderr.lines().count(), 1, "{}", out.stderr);
            assert!(
                out.stderr
                    .contains(&setup.settings_path().display().to_string()),
                "names the file: {}",
                out.stderr
            );
            assert!(out.stderr.contains("nothing was changed"), "{}", out.stderr);
            assert_eq!(setup.settings_text(), bad, "untouched");
            assert!(!setup.backup_path().exists());
        }
    }
    // A list where an event's groups should be: install refuses, uninstall has nothing there.
    let odd = "{\"hooks\": {\"PreToolUse\": {\"matcher\": \"Bash\"}}}\n";
    setup.write_settings(odd);
    let out = setup.run(&["install", "--plugin", &plugin_path("guard")]);
    assert_eq!(out.code, 1);
    assert!(
        out.stderr.contains("\"hooks.PreToolUse\" is not a list"),
        "{}",
        out.stderr
    );
    let out = setup.run(&["uninstall", "--plugin", &plugin_path("guard")]);
    assert_eq!(out.code, 0);
    assert!(out.stdout.contains("nothing to remove"), "{}", out.stdout);
    assert_eq!(setup.settings_text(), odd);
    assert!(!setup.backup_path().exists());
}

#[test]
fn user_and_local_scopes() {
    let setup = Setup::new();
    setup.ok(&["install", "--user", "--plugin", &plugin_path("guard")]);
    let user = setup.home().join(".claude/settings.json");
    let text = std::fs::read_to_string(&user).expect("~/.claude/settings.json");
    assert!(text.contains("guard.wasm"));
    assert!(
        !setup.settings_path().exists(),
        "the project is not touched"
    );

    setup.ok(&["install", "--local", "--plugin", &plugin_path("guard")]);
    let local = setup.project().join(".claude/settings.local.json");
    assert!(
        std::fs::read_to_string(local)
            .unwrap()
            .contains("guard.wasm")
    );

    setup.ok(&["uninstall", "--user", "--plugin", &plugin_path("guard")]);
    assert_eq!(std::fs::read_to_string(&user).unwrap(), "{}\n");

    let out = setup.run(&[
        "install",
        "--user",
        "--local",
        "--plugin",
        &plugin_path("guard"),
    ]);
    assert_eq!(out.code, 1, "conflicting scopes: {}", out.stderr);
}

#[test]
fn events_restricts_what_is_installed() {
    let setup = Setup::new();
    setup.ok(&[
        "install",
        "--plugin",
        &plugin_path("house-rules"),
        "--events",
        "Stop,UserPromptSubmit",
    ]);
    assert_eq!(
        keys(&setup.settings()["hooks"]),
        ["UserPromptSubmit", "Stop"]
    );

    // Installing again with fewer events drops the others.
    setup.ok(&[
        "install",
        "--plugin",
        &plugin_path("house-rules"),
        "--events",
        "Stop",
    ]);
    assert_eq!(keys(&setup.settings()["hooks"]), ["Stop"]);

    let out = setup.run(&[
        "install",
        "--plugin",
        &plugin_path("house-rules"),
        "--events",
        "PreToolUse",
    ]);
    assert_eq!(out.code, 1);
    assert!(out.stderr.contains("does not subscribe"), "{}", out.stderr);
    assert_eq!(keys(&setup.settings()["hooks"]), ["Stop"]);
}

#[test]
fn a_plugin_that_does_not_load_is_not_installed() {
    let setup = Setup::new();
    for (path, needle) in [
        (
            "/nonexistent/review.wasm".to_owned(),
            "/nonexistent/review.wasm",
        ),
        (plugin_path("not-a-plugin"), "is not a fasthooks plugin"),
        // A typo of an event would be written into the settings and never fire.
        (
            plugin_path("misspelt-event"),
            "`PreTooluse`: Claude Code has no such event; did you mean `PreToolUse`?",
        ),
    ] {
        let out = setup.run(&["install", "--plugin", &path]);
        assert_eq!(out.code, 1, "{path}");
        assert!(out.stderr.contains(needle), "{}", out.stderr);
        assert!(!setup.settings_path().exists());
    }
    let out = setup.run(&[
        "install",
        "--allow-read",
        "/tmp",
        "--plugin",
        &plugin_path("guard"),
    ]);
    assert_eq!(out.code, 1);
    assert!(
        out.stderr.contains("must follow the --plugin"),
        "{}",
        out.stderr
    );
    let _: &Path = setup.dir.path();
}

#[test]
fn the_hook_deadline_is_kept_below_the_entries_timeout() {
    let setup = Setup::new();
    // A 10 s entry: the default 54 s deadline would not fit, so install writes 9 s.
    setup.ok(&[
        "install",
        "--plugin",
        &plugin_path("guard"),
        "--hook-timeout",
        "10",
    ]);
    let settings = setup.settings();
    let entry = &settings["hooks"]["PreToolUse"][0]["hooks"][0];
    assert_eq!(entry["timeout"], 10);
    assert!(
        handler_text(entry).ends_with("--deadline-ms 9000"),
        "{entry}"
    );
    // A deadline given that does not fit is refused, naming both flags.
    let run = setup.run(&[
        "install",
        "--plugin",
        &plugin_path("guard"),
        "--hook-timeout",
        "10",
        "--deadline-ms",
        "20000",
    ]);
    assert_eq!(run.code, 1, "{}", run.stdout);
    assert!(
        run.stderr
            .contains("--deadline-ms 20000 is not below the entries' timeout (10 s)")
            && run.stderr.contains("--hook-timeout"),
        "{}",
        run.stderr
    );
}

#[test]
fn session_end_gets_a_deadline_inside_its_short_budget() {
    let setup = Setup::new();
    let out = setup.ok(&[
        "install",
        "--plugin",
        &plugin_path("echo"),
        "--events",
        "PreToolUse,SessionEnd",
    ]);
    let settings = setup.settings();
    // Claude Code gives every SessionEnd hook together 1.5 s: that handler must end before.
    assert!(
        command_of(&settings, "SessionEnd").contains("--deadline-ms 1350"),
        "{settings}"
    );
    assert!(
        !command_of(&settings, "PreToolUse").contains("--deadline-ms"),
        "the others keep the default, which fits their 60 s: {settings}"
    );
    assert!(
        out.contains("SessionEnd runs with --deadline-ms 1350"),
        "install says so: {out}"
    );

    // A --hook-timeout raises SessionEnd's budget too: then one deadline fits every entry.
    setup.ok(&[
        "install",
        "--plugin",
        &plugin_path("echo"),
        "--events",
        "PreToolUse,SessionEnd",
        "--hook-timeout",
        "20",
    ]);
    let settings = setup.settings();
    assert_eq!(
        command_of(&settings, "SessionEnd"),
        command_of(&settings, "PreToolUse")
    );
    assert!(command_of(&settings, "SessionEnd").contains("--deadline-ms 18000"));
}

#[test]
fn a_tool_matcher_in_the_wrong_case_is_installed_with_a_warning() {
    let setup = Setup::new();
    let out = setup.ok(&["install", "--plugin", &plugin_path("miscased-matcher")]);
    assert!(
        out.contains("`write` never fires: tool names are case-sensitive; did you mean `Write`?"),
        "{out}"
    );
    // Installed as the plugin asked: the user decides.
    assert_eq!(
        setup.settings()["hooks"]["PreToolUse"][0]["matcher"],
        "write|Edit"
    );
}

/// A directory holding links to the built `fasthooks-host` and `fasthooks-engine`, side by
/// side, as a user puts them on PATH; and that PATH.
fn binaries_on_path(dir: &Path) -> String {
    let built = std::fs::canonicalize(fasthooks_e2e::host_binary()).unwrap();
    let bin = dir.join("bin");
    std::fs::create_dir_all(&bin).unwrap();
    for name in ["fasthooks-host", "fasthooks-engine"] {
        std::os::unix::fs::symlink(built.with_file_name(name), bin.join(name)).unwrap();
    }
    format!(
        "{}:{}",
        bin.display(),
        std::env::var("PATH").unwrap_or_default()
    )
}

#[test]
fn a_project_install_runs_in_every_clone_of_the_project() {
    let setup = Setup::new();
    let project = setup.project();
    std::fs::create_dir_all(project.join("hooks")).unwrap();
    std::fs::copy(plugin("guard"), project.join("hooks/guard.wasm")).unwrap();
    let path = binaries_on_path(setup.dir.path());
    let mut install = setup.fasthooks.command();
    install
        .args([
            "install",
            "--plugin",
            "hooks/guard.wasm",
            "--command-form",
            "exec",
        ])
        .current_dir(&project)
        .env("HOME", setup.home())
        .env("PATH", &path);
    let out = run_command(&mut install, b"", Duration::from_secs(60));
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert!(!out.stdout.contains("not on PATH"), "{}", out.stdout);
    let settings = setup.settings();
    let handler = handler_of(&settings, "PreToolUse");
    assert_eq!(
        handler_text(handler),
        "fasthooks-host --plugin ${CLAUDE_PROJECT_DIR}/hooks/guard.wasm",
        "nothing of this machine's paths in a file meant to be committed"
    );

    // A clone elsewhere: the same settings run the clone's plugin.
    let clone = setup.dir.path().join("clone");
    std::fs::create_dir_all(clone.join("hooks")).unwrap();
    std::fs::copy(
        project.join("hooks/guard.wasm"),
        clone.join("hooks/guard.wasm"),
    )
    .unwrap();
    std::fs::remove_file(project.join("hooks/guard.wasm")).unwrap();
    let env = [
        ("CLAUDE_PROJECT_DIR", clone.as_os_str()),
        ("PATH", std::ffi::OsStr::new(&path)),
    ];
    let run = as_claude_code_runs(&setup, handler, &clone, &env, "rm -rf /");
    assert_eq!(run.code, 0, "{}", run.stderr);
    let answer: Value = serde_json::from_str(&run.stdout).unwrap();
    assert_eq!(answer["hookSpecificOutput"]["permissionDecision"], "deny");

    // Uninstall finds the entries by the plugin's path as the user gives it.
    std::fs::copy(plugin("guard"), project.join("hooks/guard.wasm")).unwrap();
    let removed = setup.ok(&["uninstall", "--plugin", "hooks/guard.wasm"]);
    assert!(removed.contains("removed 1 hook entry"), "{removed}");
}

/// A plugin given as the settings name it, `$CLAUDE_PROJECT_DIR/…` (quoted, so no shell
/// expanded it), is the project's file: installed, then uninstalled by the same words. In
/// `--user` settings there is no project to name it from: refused in one line.
#[test]
fn a_plugin_named_from_the_project_dir_is_the_projects_file() {
    let setup = Setup::new();
    let project = setup.project();
    std::fs::create_dir_all(project.join("hooks")).unwrap();
    std::fs::copy(plugin("guard"), project.join("hooks/guard.wasm")).unwrap();
    for given in [
        "$CLAUDE_PROJECT_DIR/hooks/guard.wasm",
        "${CLAUDE_PROJECT_DIR}/hooks/guard.wasm",
    ] {
        // From another folder: the variable means the project, not the current directory.
        let mut install = setup.fasthooks.command();
        install
            .args(["install", "--plugin", given, "--project-dir"])
            .arg(&project)
            .current_dir(setup.home())
            .env("HOME", setup.home());
        let out = run_command(&mut install, b"", Duration::from_secs(60));
        assert_eq!(out.code, 0, "{given}: {}", out.stderr);
        assert!(
            command_of(&setup.settings(), "PreToolUse")
                .ends_with(" --plugin \"$CLAUDE_PROJECT_DIR/hooks/guard.wasm\""),
            "{}",
            setup.settings_text()
        );
        let removed = setup.ok(&["uninstall", "--plugin", given]);
        assert!(
            removed.contains("removed 1 hook entry"),
            "{given}: {removed}"
        );
    }
    let out = setup.run(&[
        "install",
        "--user",
        "--plugin",
        "$CLAUDE_PROJECT_DIR/hooks/guard.wasm",
    ]);
    assert_eq!(
        (out.code, out.stderr.lines().count()),
        (1, 1),
        "{}",
        out.stderr
    );
    assert!(
        out.stderr.contains("belongs in a project's settings"),
        "{}",
        out.stderr
    );
    assert!(!setup.home().join(".claude/settings.json").exists());
}

#[test]
fn reinstalling_over_an_absolute_entry_replaces_it_with_the_portable_one() {
    let setup = Setup::new();
    let project = std::fs::canonicalize(setup.project()).unwrap();
    std::fs::create_dir_all(project.join("hooks")).unwrap();
    std::fs::copy(plugin("guard"), project.join("hooks/guard.wasm")).unwrap();
    // What an earlier version wrote: absolute paths.
    let old = format!(
        "{} --plugin {}/hooks/guard.wasm",
        host_path(),
        project.display()
    );
    setup.write_settings(
        &json!({"hooks": {"PreToolUse": [{"matcher": "Bash", "hooks": [{"type": "command", "command": old}]}]}})
            .to_string(),
    );
    setup.ok(&["install", "--plugin", "hooks/guard.wasm"]);
    let groups = setup.settings()["hooks"]["PreToolUse"].clone();
    assert_eq!(
        groups.as_array().unwrap().len(),
        1,
        "replaced, not added: {groups}"
    );
    assert!(
        command_of(&setup.settings(), "PreToolUse")
            .contains("\"$CLAUDE_PROJECT_DIR/hooks/guard.wasm\""),
        "{groups}"
    );
}

#[test]
fn a_home_given_to_install_is_the_installed_hooks_home() {
    let setup = Setup::new();
    let elsewhere = setup.dir.path().join("elsewhere");
    std::fs::create_dir_all(&elsewhere).unwrap();
    let elsewhere = std::fs::canonicalize(elsewhere).unwrap();
    setup.ok(&[
        "install",
        "--plugin",
        &plugin_path("guard"),
        "--home",
        elsewhere.to_str().unwrap(),
    ]);
    let command = command_of(&setup.settings(), "PreToolUse");
    assert!(
        command.ends_with(&format!("--home {}", elsewhere.display())),
        "{command}"
    );
    // One inherited from the environment (FASTHOOKS_HOME, as every test here sets) is not
    // written: it is the installing shell's, not a choice made for the hook.
    let setup = Setup::new();
    setup.ok(&["install", "--plugin", &plugin_path("guard")]);
    assert!(!command_of(&setup.settings(), "PreToolUse").contains("--home"));
}

/// `doctor` passes a good install, and names each fault injected into it, one at a time: a
/// missing plugin, a wrong sha256, a missing grant, an unreadable store, a log others can
/// read, a plugin installed in two scopes.
#[test]
fn doctor_passes_a_good_install_and_names_each_fault() {
    let setup = Setup::new();
    // The shell form, to inject faults into its command line (the exec form's faults follow).
    setup.ok(&[
        "install",
        "--plugin",
        &plugin_path("guard"),
        "--command-form",
        "shell",
    ]);
    let (tree, settings) = (listing(&setup.project()), setup.settings_text());
    let good = setup.run(&["doctor"]);
    assert_eq!(good.code, 0, "{}{}", good.stdout, good.stderr);
    assert_eq!(
        (listing(&setup.project()), setup.settings_text()),
        (tree, settings),
        "doctor changes nothing in the project"
    );
    assert!(
        good.stdout.contains("doctor: no problems"),
        "{}",
        good.stdout
    );
    assert!(
        good.stdout
            .lines()
            .any(|l| l.starts_with("ok") && l.contains("plugin guard") && l.contains("loads")),
        "{}",
        good.stdout
    );

    let installed = setup.settings()["hooks"]["PreToolUse"][0]["hooks"][0]["command"]
        .as_str()
        .unwrap()
        .to_owned();
    let local = setup.project().join(".claude/settings.local.json");
    // One fault in the local settings: doctor exits 1 with exactly one problem, naming it.
    let faulty = |command: &str, names: &[&str]| {
        let settings =
            json!({"hooks": {"Stop": [{"hooks": [{"type": "command", "command": command}]}]}});
        std::fs::write(&local, settings.to_string()).unwrap();
        let out = setup.run(&["doctor"]);
        assert_eq!(out.code, 1, "{command}: {}{}", out.stdout, out.stderr);
        let problems: Vec<&str> = out
            .stdout
            .lines()
            .filter(|l| l.starts_with("PROBLEM"))
            .collect();
        assert_eq!(problems.len(), 1, "{command}: {}", out.stdout);
        for name in names {
            assert!(problems[0].contains(name), "{name} in {problems:?}");
        }
        std::fs::remove_file(&local).unwrap();
    };
    let guard = plugin_path("guard");
    let gone = setup.project().join("gone.wasm").display().to_string();
    faulty(&installed.replace(&guard, &gone), &["gone.wasm", "missing"]);
    faulty(
        &format!("{installed} --sha256 {}", "0".repeat(64)),
        &["guard.wasm", "pins", &"0".repeat(64)],
    );
    let needs = plugin_path("needs-grants");
    faulty(
        &installed.replace(&guard, &needs),
        &["needs-grants", "--allow-read"],
    );
    // Shell text after the command runs too, and can throw the answer away.
    faulty(
        &format!("{installed} || true"),
        &["goes on after", "|| true"],
    );
    faulty(&format!("env X=1 {installed}"), &["through something else"]);
    // The exec form is checked as the same command.
    let exec_faulty = |args: Vec<String>, names: &[&str]| {
        let settings = json!({"hooks": {"Stop": [{"hooks": [{"type": "command", "command": host_path(), "args": args}]}]}});
        std::fs::write(&local, settings.to_string()).unwrap();
        let out = setup.run(&["doctor"]);
        assert_eq!(out.code, 1, "{settings}: {}{}", out.stdout, out.stderr);
        let problems: Vec<&str> = out
            .stdout
            .lines()
            .filter(|l| l.starts_with("PROBLEM"))
            .collect();
        assert_eq!(problems.len(), 1, "{settings}: {}", out.stdout);
        for name in names {
            assert!(problems[0].contains(name), "{name} in {problems:?}");
        }
        std::fs::remove_file(&local).unwrap();
    };
    exec_faulty(
        vec!["--plugin".into(), gone.clone()],
        &["gone.wasm", "missing"],
    );
    exec_faulty(
        vec!["--plugin".into(), needs.clone()],
        &["needs-grants", "--allow-read"],
    );

    // A fault outside the settings: doctor exits 1 and one PROBLEM line has all of `words`.
    let names_problem = |words: &[&str]| {
        let out = setup.run(&["doctor"]);
        assert_eq!(out.code, 1, "{words:?}: {}", out.stdout);
        assert!(
            out.stdout
                .lines()
                .any(|l| l.starts_with("PROBLEM") && words.iter().all(|w| l.contains(w))),
            "{words:?}: {}",
            out.stdout
        );
    };
    let store = setup.fasthooks.path().join("data/fasthooks.db");
    std::fs::create_dir_all(store.parent().unwrap()).unwrap();
    std::fs::write(&store, vec![0x5A; 16 << 10]).unwrap();
    names_problem(&["task store", "not a database"]);
    assert_eq!(
        std::fs::read(&store).unwrap(),
        vec![0x5A; 16 << 10],
        "doctor reports a corrupt store, it does not move or mend it"
    );
    std::fs::remove_file(&store).unwrap();

    // The log (what plugins log) readable by others.
    use std::os::unix::fs::PermissionsExt;
    let log = setup.fasthooks.path().join("logs/fasthooks.log");
    std::fs::write(&log, b"").unwrap();
    std::fs::set_permissions(&log, std::fs::Permissions::from_mode(0o644)).unwrap();
    names_problem(&["fasthooks.log", "0644"]);
    std::fs::set_permissions(&log, std::fs::Permissions::from_mode(0o600)).unwrap();

    setup.ok(&["install", "--user", "--plugin", &guard]);
    names_problem(&[
        "runs 2 times on PreToolUse",
        "user settings, project settings",
    ]);
}

/// Faults of the running system rather than of the settings: a daemon that takes connections
/// and never answers, and a compile cache that was cleared (doctor warms it, and says so once).
#[test]
fn doctor_names_a_daemon_that_does_not_answer_and_warms_a_cold_cache() {
    use std::os::unix::fs::PermissionsExt;
    let setup = Setup::new();
    setup.ok(&["install", "--plugin", &plugin_path("guard")]);
    assert_eq!(setup.run(&["doctor"]).code, 0);

    // Connections queue in the listener's backlog; nothing ever reads or answers them.
    let run_dir = setup.fasthooks.path().join("run");
    std::fs::create_dir_all(&run_dir).unwrap();
    std::fs::set_permissions(&run_dir, std::fs::Permissions::from_mode(0o700)).unwrap();
    let silent = std::os::unix::net::UnixListener::bind(run_dir.join("daemon.sock")).unwrap();
    let out = setup.run(&["doctor"]);
    assert_eq!(out.code, 1, "{}{}", out.stdout, out.stderr);
    let problems: Vec<&str> = out
        .stdout
        .lines()
        .filter(|l| l.starts_with("PROBLEM"))
        .collect();
    assert_eq!(problems.len(), 1, "{}", out.stdout);
    assert!(
        problems[0].contains("daemon: does not answer") && problems[0].contains("daemon stop"),
        "{problems:?}"
    );
    drop(silent);
    std::fs::remove_file(run_dir.join("daemon.sock")).unwrap();

    std::fs::remove_dir_all(setup.fasthooks.path().join("cache")).unwrap();
    let cold = setup.run(&["doctor"]);
    assert_eq!(
        cold.code, 0,
        "a cold cache is not a problem: {}",
        cold.stdout
    );
    assert!(
        cold.stdout.lines().any(|l| l.starts_with("note")
            && l.contains("guard.wasm")
            && l.contains("was not compiled yet; compiled it now")),
        "{}",
        cold.stdout
    );
    let warm = setup.run(&["doctor"]);
    assert!(
        !warm.stdout.contains("not compiled yet"),
        "compiled once, by the run before: {}",
        warm.stdout
    );
}

/// A task store the user cannot read. Root reads any file, so doctor runs as another user, in a
/// fasthooks home of that user's, with the store at mode 0000.
#[test]
fn doctor_names_a_task_store_it_cannot_read() {
    use std::os::unix::fs::PermissionsExt;
    use std::os::unix::process::CommandExt;
    assert_eq!(
        unsafe { libc::geteuid() },
        0,
        "this test runs doctor as another user: run it as root (CI does)"
    );
    let uid = 40_000 + (std::process::id() % 1000) * 20 + 19;
    let root = tempfile::Builder::new()
        .prefix("fasthooks-doctor-")
        .tempdir()
        .unwrap();
    std::fs::set_permissions(root.path(), std::fs::Permissions::from_mode(0o755)).unwrap();
    let (home, fasthooks, project) = (
        root.path().join("home"),
        root.path().join("fasthooks"),
        root.path().join("project"),
    );
    let data = fasthooks.join("data");
    for dir in [&home, &fasthooks, &data, &project] {
        std::fs::create_dir_all(dir).unwrap();
        std::os::unix::fs::chown(dir, Some(uid), Some(uid)).unwrap();
        std::fs::set_permissions(dir, std::fs::Permissions::from_mode(0o700)).unwrap();
    }
    let store = data.join("fasthooks.db");
    std::fs::write(&store, b"").unwrap();
    std::os::unix::fs::chown(&store, Some(uid), Some(uid)).unwrap();
    std::fs::set_permissions(&store, std::fs::Permissions::from_mode(0o000)).unwrap();

    let mut command = Command::new(fasthooks_e2e::host_binary());
    command
        .args(["doctor", "--project-dir"])
        .arg(&project)
        .env_clear()
        .env("PATH", "/usr/bin:/bin")
        .env("HOME", &home)
        .env("FASTHOOKS_HOME", &fasthooks)
        .current_dir(&project)
        .uid(uid)
        .gid(uid);
    let out = run_command(&mut command, b"", Duration::from_secs(60));
    assert_eq!(out.code, 1, "{}{}", out.stdout, out.stderr);
    let problem = out
        .stdout
        .lines()
        .find(|l| l.starts_with("PROBLEM") && l.contains("task store"))
        .unwrap_or_else(|| panic!("a task store problem: {}", out.stdout));
    assert!(
        problem.contains("Permission denied") && problem.contains("chmod 600"),
        "names the cause and the fix: {problem}"
    );
    assert!(
        !problem.contains("corrupt"),
        "a store it cannot read is not called corrupt: {problem}"
    );
}

/// The form install writes follows the `claude` on PATH: one older than 2.1.139 (which would
/// run `sh -c PROGRAM` and drop the `args`) gets the shell form and a note saying so, and so
/// does one that never answers `--version` (killed after 10 s); a newer one the exec form.
/// `--command-form` decides either way, and reinstalling switches an entry between forms in
/// place.
#[test]
fn the_command_form_follows_the_claude_on_path() {
    let setup = Setup::new();
    let bin = setup.dir.path().join("claude-bin");
    std::fs::create_dir_all(&bin).unwrap();
    let path = format!(
        "{}:{}",
        bin.display(),
        std::env::var("PATH").unwrap_or_default()
    );
    let install = |claude: &str, extra: &[&str]| {
        use std::os::unix::fs::PermissionsExt;
        let script = bin.join("claude");
        std::fs::write(&script, format!("#!/bin/sh\n{claude}\n")).unwrap();
        std::fs::set_permissions(&script, std::fs::Permissions::from_mode(0o755)).unwrap();
        let mut command = setup.fasthooks.command();
        command
            .args(["install", "--plugin", &plugin_path("guard")])
            .args(extra)
            .current_dir(setup.project())
            .env("HOME", setup.home())
            .env("PATH", &path);
        let run = run_command(&mut command, b"", Duration::from_secs(60));
        assert_eq!(run.code, 0, "{claude}: {}{}", run.stdout, run.stderr);
        let settings = setup.settings();
        let groups = settings["hooks"]["PreToolUse"].as_array().unwrap().len();
        assert_eq!(groups, 1, "updated in place, never added: {settings}");
        let exec = handler_of(&settings, "PreToolUse")["args"].is_array();
        (exec, run.stdout)
    };
    let (exec, out) = install("echo '2.1.100 (Claude Code)'", &[]);
    assert!(!exec, "{}", setup.settings_text());
    assert!(
        out.contains("the claude on PATH is 2.1.100, older than 2.1.139"),
        "{out}"
    );
    let (exec, out) = install("echo '2.1.139 (Claude Code)'", &[]);
    assert!(exec, "{}", setup.settings_text());
    assert!(!out.contains("older than"), "{out}");
    assert!(
        out.contains("a clone on an older one would run them without their arguments"),
        "a project's committed settings may run on another Claude Code: {out}"
    );
    let started = std::time::Instant::now();
    let (exec, _) = install("exec sleep 600", &["--command-form", "shell"]);
    assert!(!exec, "asked for the shell form: {}", setup.settings_text());
    assert!(
        started.elapsed() < Duration::from_secs(5),
        "a form asked for runs no claude"
    );
    let (exec, out) = install("exec sleep 600", &[]);
    assert!(
        !exec,
        "a claude that does not say: the form every version runs: {}",
        setup.settings_text()
    );
    assert!(out.contains("no claude on PATH told its version"), "{out}");
    let (exec, _) = install("echo '2.1.100 (Claude Code)'", &["--command-form", "exec"]);
    assert!(exec, "asked for the exec form: {}", setup.settings_text());
    // doctor asks that same claude, and names what it would do with those entries.
    let mut doctor = setup.fasthooks.command();
    doctor
        .arg("doctor")
        .current_dir(setup.project())
        .env("HOME", setup.home())
        .env("PATH", &path);
    let checked = run_command(&mut doctor, b"", Duration::from_secs(60));
    assert_eq!(checked.code, 1, "{}", checked.stdout);
    assert!(
        checked.stdout.lines().any(|l| l.starts_with("PROBLEM")
            && l.contains("in the exec form")
            && l.contains("2.1.100, older than 2.1.139")),
        "{}",
        checked.stdout
    );
    // The exec form as written runs: no shell, the event on stdin.
    let settings = setup.settings();
    let run = as_claude_code_runs(
        &setup,
        handler_of(&settings, "PreToolUse"),
        &setup.project(),
        &[],
        "rm -rf /",
    );
    assert_eq!(
        run.stdout_json()["hookSpecificOutput"]["permissionDecision"],
        "deny",
        "{}",
        run.stderr
    );
}

/// A directory granted with a variable only a shell expands keeps the shell form, and install
/// says why; the command then runs with the variable expanded.
#[test]
fn a_grant_that_needs_a_shell_keeps_the_shell_form() {
    let setup = Setup::new();
    let out = setup.ok(&[
        "install",
        "--plugin",
        &plugin_path("guard"),
        "--allow-read",
        "$HOME/docs",
        "--command-form",
        "exec",
    ]);
    assert!(
        out.contains(
            "note: $HOME/docs needs a shell to expand $HOME, so the entries run through sh -c"
        ),
        "{out}"
    );
    let settings = setup.settings();
    let handler = handler_of(&settings, "PreToolUse");
    assert!(handler.get("args").is_none(), "{handler}");
    assert!(
        handler["command"]
            .as_str()
            .unwrap()
            .ends_with("--allow-read \"$HOME/docs\""),
        "{handler}"
    );
}
