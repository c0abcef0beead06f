//! The daemon as users meet it: started on demand, exactly one per user, private, replaced by a
//! newer build, gone when idle, and bypassed (never waited on forever) when it misbehaves.

use fasthooks_e2e::{Home, bash_event, plugin};
use std::os::unix::fs::PermissionsExt;
use std::path::Path;
use std::time::{Duration, Instant};

fn guard() -> String {
    plugin("guard").display().to_string()
}

/// Pids of `fasthooks-engine daemon run` processes whose FASTHOOKS_HOME is `home`.
fn daemons_of(home: &Path) -> Vec<u32> {
    let needle = format!("FASTHOOKS_HOME={}", home.display());
    let mut pids = Vec::new();
    for entry in std::fs::read_dir("/proc").unwrap().flatten() {
        let Ok(pid) = entry.file_name().to_string_lossy().parse::<u32>() else {
            continue;
        };
        let cmdline = std::fs::read(entry.path().join("cmdline")).unwrap_or_default();
        let cmdline = String::from_utf8_lossy(&cmdline).replace('\0', " ");
        if !cmdline.contains("fasthooks-engine daemon run") {
            continue;
        }
        let environ = std::fs::read(entry.path().join("environ")).unwrap_or_default();
        if String::from_utf8_lossy(&environ)
            .split('\0')
            .any(|var| var == needle)
        {
            pids.push(pid);
        }
    }
    pids
}

fn status(home: &Home) -> (i32, String) {
    let run = home.run(&["daemon", "status"], b"");
    (run.code, run.stdout)
}

#[test]
fn twenty_racing_hooks_start_exactly_one_daemon() {
    let home = Home::new();
    let guard = guard();
    let handles: Vec<_> = (0..20)
        .map(|i| {
            let mut command = home.command();
            command.args(["--plugin", &guard]);
            let event = bash_event(if i % 2 == 0 { "rm -rf /" } else { "ls" }).to_string();
            std::thread::spawn(move || {
                fasthooks_e2e::run_command(&mut command, event.as_bytes(), Duration::from_secs(30))
            })
        })
        .collect();
    for (i, handle) in handles.into_iter().enumerate() {
        let run = handle.join().unwrap();
        assert_eq!(run.code, 0, "hook {i}: {}", run.stderr);
        assert!(
            !run.stderr.contains("daemon unavailable"),
            "hook {i} fell back: {}",
            run.stderr
        );
        if i % 2 == 0 {
            assert_eq!(
                run.stdout_json()["hookSpecificOutput"]["permissionDecision"],
                "deny",
                "hook {i}"
            );
        } else {
            assert_eq!(run.stdout, "", "hook {i}");
        }
    }
    assert_eq!(daemons_of(home.path()).len(), 1, "exactly one daemon");
}

#[test]
fn the_runtime_directory_is_private() {
    let home = Home::new();
    home.hook(&["--plugin", &guard()], &bash_event("ls"));
    let run_dir = std::fs::metadata(home.path().join("run")).unwrap();
    assert_eq!(run_dir.permissions().mode() & 0o777, 0o700);
    let socket = std::fs::metadata(home.path().join("run/daemon.sock")).unwrap();
    assert_eq!(
        socket.permissions().mode() & 0o077,
        0,
        "socket closed to group and others"
    );
}

#[test]
fn status_and_stop() {
    let home = Home::new();
    assert_eq!(status(&home).0, 3, "not running yet");
    home.hook(&["--plugin", &guard()], &bash_event("ls"));
    let (code, out) = status(&home);
    assert_eq!(code, 0);
    assert!(out.starts_with("running: pid "), "{out}");
    // Where the details are: the log, which the daemon has written to.
    let log = home.path().join("logs/fasthooks.log");
    assert!(out.contains(&format!("log: {}", log.display())), "{out}");
    assert!(
        std::fs::read_to_string(&log)
            .unwrap()
            .contains("daemon started")
    );
    let stop = home.run(&["daemon", "stop"], b"");
    assert_eq!((stop.code, stop.stdout.trim()), (0, "stopped"));
    assert_eq!(status(&home).0, 3);
    assert!(daemons_of(home.path()).is_empty());
}

#[test]
fn an_idle_daemon_exits_by_itself() {
    let home = Home::new();
    let mut command = home.command();
    command
        .env("FASTHOOKS_IDLE_TIMEOUT_SECS", "1")
        .args(["--plugin", &guard()]);
    let run = fasthooks_e2e::run_command(
        &mut command,
        bash_event("ls").to_string().as_bytes(),
        Duration::from_secs(30),
    );
    assert_eq!(run.code, 0);
    assert_eq!(daemons_of(home.path()).len(), 1);
    let deadline = Instant::now() + Duration::from_secs(10);
    while !daemons_of(home.path()).is_empty() {
        assert!(
            Instant::now() < deadline,
            "daemon still running 10 s after a 1 s idle timeout"
        );
        std::thread::sleep(Duration::from_millis(100));
    }
    assert_eq!(status(&home).0, 3);
}

/// An installation of the binaries of our own in `home`, so it can be "upgraded" without
/// touching target/.
fn own_binaries(home: &Home) -> std::path::PathBuf {
    let bin = home.path().join("bin");
    std::fs::create_dir(&bin).unwrap();
    let host = fasthooks_e2e::host_binary();
    for name in ["fasthooks-host", "fasthooks-engine"] {
        std::fs::copy(host.with_file_name(name), bin.join(name)).unwrap();
    }
    bin
}

/// The guard on `rm -rf /`, run by the `fasthooks-host` in `bin`.
fn guard_hook(bin: &Path, home: &Home) -> fasthooks_e2e::HookRun {
    let mut command = std::process::Command::new(bin.join("fasthooks-host"));
    command
        .env("FASTHOOKS_HOME", home.path())
        .args(["--plugin", &guard()]);
    fasthooks_e2e::run_command(
        &mut command,
        bash_event("rm -rf /").to_string().as_bytes(),
        Duration::from_secs(30),
    )
}

/// "Upgrade": a new engine file (new build identity), same version.
fn upgrade(bin: &Path) {
    let engine = bin.join("fasthooks-engine");
    let bytes = std::fs::read(&engine).unwrap();
    std::fs::remove_file(&engine).unwrap();
    std::fs::write(&engine, bytes).unwrap();
    // A different modification time makes it a different build, whatever the clock's step.
    let later = std::time::SystemTime::now() + Duration::from_secs(5);
    std::fs::File::options()
        .write(true)
        .open(&engine)
        .unwrap()
        .set_modified(later)
        .unwrap();
    std::fs::set_permissions(&engine, std::fs::Permissions::from_mode(0o755)).unwrap();
}

#[test]
fn a_rebuilt_engine_replaces_the_running_daemon() {
    let home = Home::new();
    let bin = own_binaries(&home);
    let hook = |home: &Home| guard_hook(&bin, home);
    let first = hook(&home);
    assert_eq!(
        first.stdout_json()["hookSpecificOutput"]["permissionDecision"],
        "deny"
    );
    let before = daemons_of(home.path());
    assert_eq!(before.len(), 1);

    upgrade(&bin);

    let second = hook(&home);
    assert_eq!(second.code, 0, "{}", second.stderr);
    assert!(
        !second.stderr.contains("daemon unavailable"),
        "{}",
        second.stderr
    );
    assert_eq!(
        second.stdout_json()["hookSpecificOutput"]["permissionDecision"],
        "deny"
    );
    let after = daemons_of(home.path());
    assert_eq!(after.len(), 1, "exactly one daemon after the upgrade");
    assert_ne!(before, after, "the old daemon was replaced");
}

/// The inode of the socket listening on 127.0.0.1:`port`, from /proc/net/tcp.
fn listener_inode(port: u16) -> Option<String> {
    let local = format!("0100007F:{port:04X}");
    let table = std::fs::read_to_string("/proc/net/tcp").unwrap();
    table.lines().skip(1).find_map(|line| {
        let fields: Vec<&str> = line.split_whitespace().collect();
        (fields[1] == local && fields[3] == "0A").then(|| fields[9].to_owned())
    })
}

/// A daemon replaced by a newer build hands its `http` socket to the new one: the very same
/// socket listens before and after (never closed, so never free for another user to take), and
/// the new daemon answers on it.
#[test]
fn a_replacing_daemon_takes_over_the_http_port_without_letting_it_go() {
    use fasthooks_e2e::hook_post::{free_port, post, signed_path};
    let home = Home::new();
    let bin = own_binaries(&home);
    let port = free_port();
    std::fs::create_dir_all(home.path().join("data")).unwrap();
    std::fs::write(home.path().join("data/http-port"), format!("{port}\n")).unwrap();
    let hook = || guard_hook(&bin, &home);
    assert_eq!(hook().code, 0);
    let before = daemons_of(home.path());
    let socket = listener_inode(port).expect("the daemon listens on the http port");
    let path = signed_path(home.path(), &format!("plugin={}", guard()));
    let event = bash_event("rm -rf /").to_string();
    assert!(post(port, &path, &[], &event).body.contains("deny"));

    upgrade(&bin);
    let second = hook();
    assert_eq!(second.code, 0, "{}", second.stderr);
    let after = daemons_of(home.path());
    assert_eq!(after.len(), 1, "{after:?}");
    assert_ne!(before, after, "the old daemon was replaced");
    assert_eq!(
        listener_inode(port).as_ref(),
        Some(&socket),
        "the same listening socket, handed over: {}",
        home.log()
    );
    let answered = post(port, &path, &[], &event);
    assert!(answered.body.contains("deny"), "{answered:?}");
    assert!(
        home.log()
            .contains("handed the http port to the next daemon"),
        "{}",
        home.log()
    );
}

#[test]
fn an_unusable_runtime_directory_falls_back_to_in_process() {
    let home = Home::new();
    std::fs::write(home.path().join("run"), "not a directory").unwrap();
    let run = home.hook(&["--plugin", &guard()], &bash_event("rm -rf /"));
    assert_eq!(run.code, 0);
    assert_eq!(
        run.stdout_json()["hookSpecificOutput"]["permissionDecision"],
        "deny"
    );
    assert!(
        run.stderr.contains("daemon unavailable") && run.stderr.contains("ran in-process"),
        "{}",
        run.stderr
    );
}

#[test]
fn a_hung_daemon_is_bypassed_within_seconds() {
    let home = Home::new();
    let run_dir = home.path().join("run");
    std::fs::create_dir(&run_dir).unwrap();
    std::fs::set_permissions(&run_dir, std::fs::Permissions::from_mode(0o700)).unwrap();
    // Something listens on the socket but never answers.
    let _listener = std::os::unix::net::UnixListener::bind(run_dir.join("daemon.sock")).unwrap();
    let run = home.hook(&["--plugin", &guard()], &bash_event("rm -rf /"));
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert_eq!(
        run.stdout_json()["hookSpecificOutput"]["permissionDecision"],
        "deny"
    );
    assert!(run.stderr.contains("did not acknowledge"), "{}", run.stderr);
    assert!(
        run.elapsed < Duration::from_secs(5),
        "took {:?}",
        run.elapsed
    );
}

#[test]
fn two_copies_of_one_version_share_the_daemon_instead_of_replacing_each_other() {
    let home = Home::new();
    let host = fasthooks_e2e::host_binary();
    let now = std::time::SystemTime::now();
    // Say a build directory and an installed copy: the second is the later build.
    let copies: Vec<std::path::PathBuf> = [
        ("earlier", now - Duration::from_secs(60)),
        ("later", now + Duration::from_secs(60)),
    ]
    .into_iter()
    .map(|(name, built)| {
        let dir = home.path().join(name);
        std::fs::create_dir(&dir).unwrap();
        for binary in ["fasthooks-host", "fasthooks-engine"] {
            std::fs::copy(host.with_file_name(binary), dir.join(binary)).unwrap();
        }
        std::fs::File::options()
            .write(true)
            .open(dir.join("fasthooks-engine"))
            .unwrap()
            .set_modified(built)
            .unwrap();
        dir
    })
    .collect();
    let mut started = std::collections::HashSet::new();
    for round in 0..8 {
        let mut command = std::process::Command::new(copies[round % 2].join("fasthooks-host"));
        command
            .env("FASTHOOKS_HOME", home.path())
            .args(["--plugin", &guard()]);
        let run = fasthooks_e2e::run_command(
            &mut command,
            bash_event("rm -rf /").to_string().as_bytes(),
            Duration::from_secs(30),
        );
        assert_eq!(
            run.stdout_json()["hookSpecificOutput"]["permissionDecision"],
            "deny"
        );
        assert_eq!(run.stderr, "", "round {round}: served by the daemon");
        started.extend(daemons_of(home.path()));
    }
    assert_eq!(
        started.len(),
        2,
        "the earlier copy's daemon, then the later one's, once: {started:?}"
    );
    assert_eq!(daemons_of(home.path()).len(), 1);
}

/// Every process below `root`, by parent pid, as a tree-killer (Claude Code) finds them.
fn descendants(root: u32) -> Vec<u32> {
    let mut parents = Vec::new();
    for entry in std::fs::read_dir("/proc").unwrap().flatten() {
        let Ok(pid) = entry.file_name().to_string_lossy().parse::<u32>() else {
            continue;
        };
        let stat = std::fs::read_to_string(entry.path().join("stat")).unwrap_or_default();
        // The parent pid is the second field after the parenthesised command name.
        if let Some(ppid) = stat
            .rsplit_once(')')
            .and_then(|(_, rest)| rest.split_whitespace().nth(1))
            .and_then(|p| p.parse::<u32>().ok())
        {
            parents.push((pid, ppid));
        }
    }
    let mut found = vec![root];
    let mut i = 0;
    while i < found.len() {
        let parent = found[i];
        found.extend(
            parents
                .iter()
                .filter(|(_, p)| *p == parent)
                .map(|(c, _)| *c),
        );
        i += 1;
    }
    found.remove(0);
    found
}

#[test]
fn killing_a_hook_and_its_process_tree_leaves_the_daemon_running() {
    let home = Home::new();
    // The first hook starts the daemon, then waits on a plugin that sleeps in a host call.
    let mut command = home.command();
    command
        .args([
            "--plugin",
            plugin("hostile").to_str().unwrap(),
            "--timeout-ms",
            "20000",
        ])
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null());
    let mut hook = command.spawn().unwrap();
    {
        use std::io::Write;
        let mut stdin = hook.stdin.take().unwrap();
        stdin
            .write_all(fasthooks_e2e::prompt_event("sleep").to_string().as_bytes())
            .unwrap();
    }
    let deadline = Instant::now() + Duration::from_secs(20);
    // Until it listens (by then the hook's call is in it and its start-up fork is long done).
    while status(&home).0 != 0 {
        assert!(Instant::now() < deadline, "a daemon started");
        std::thread::sleep(Duration::from_millis(20));
    }
    // Claude Code ending a hook: the hook and every process under it are killed.
    let pid = hook.id();
    for child in descendants(pid) {
        unsafe { libc::kill(child as i32, libc::SIGKILL) };
    }
    hook.kill().unwrap();
    hook.wait().unwrap();
    let (code, out) = status(&home);
    assert_eq!(code, 0, "the daemon still runs: {out}");
    assert_eq!(daemons_of(home.path()).len(), 1);
    let run = home.hook(&["--plugin", &guard()], &bash_event("rm -rf /"));
    assert!(run.stdout.contains("deny"), "and answers: {}", run.stderr);
}

#[test]
fn a_deleted_runtime_directory_does_not_start_a_second_daemon() {
    let home = Home::new();
    let first = home.hook(&["--plugin", &guard()], &bash_event("ls"));
    assert_eq!(first.code, 0, "{}", first.stderr);
    let (code, out) = status(&home);
    assert_eq!(code, 0, "{out}");
    let pids = daemons_of(home.path());
    assert_eq!(pids.len(), 1);

    std::fs::remove_dir_all(home.path().join("run")).unwrap();
    // The daemon listens again on its own; hooks meanwhile never start a second one.
    for _ in 0..5 {
        let run = home.hook(&["--plugin", &guard()], &bash_event("rm -rf /"));
        assert!(run.stdout.contains("deny"), "{}", run.stderr);
    }
    let deadline = Instant::now() + Duration::from_secs(10);
    while status(&home).0 != 0 {
        assert!(Instant::now() < deadline, "the daemon listens again");
        std::thread::sleep(Duration::from_millis(20));
    }
    assert_eq!(daemons_of(home.path()), pids, "still the one daemon");
}

#[test]
fn a_daemon_killed_mid_hook_is_retried_in_process() {
    let home = Home::new();
    let (hostile, echo) = (plugin("hostile"), plugin("echo"));
    let args = [
        "--plugin",
        hostile.to_str().unwrap(),
        "--plugin",
        echo.to_str().unwrap(),
        "--timeout-ms",
        "1500",
    ];
    let mut event = fasthooks_e2e::prompt_event("sleep");
    event["echo_response"] = serde_json::json!({"decision": "block", "reason": "echo's answer"});
    // Start the daemon (and compile both) first.
    let warm = home.hook(&args, &fasthooks_e2e::prompt_event("hello"));
    assert_eq!(warm.code, 0, "{}", warm.stderr);
    let pids = daemons_of(home.path());
    assert_eq!(pids.len(), 1);
    // The hook is in the daemon (hostile asleep) when the daemon is killed.
    let mut command = home.command();
    command.args(args);
    let body = event.to_string();
    let hook = std::thread::spawn(move || {
        fasthooks_e2e::run_command(&mut command, body.as_bytes(), Duration::from_secs(60))
    });
    let deadline = Instant::now() + Duration::from_secs(20);
    while !home.log().contains("hostile: asleep in a host call") {
        assert!(Instant::now() < deadline, "the call reached the daemon");
        std::thread::sleep(Duration::from_millis(10));
    }
    unsafe { libc::kill(pids[0] as i32, libc::SIGKILL) };
    let run = hook.join().unwrap();
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert_eq!(
        run.stdout_json()["reason"],
        "echo's answer",
        "{}",
        run.stderr
    );
    assert!(
        run.stderr.contains("the daemon ended before answering"),
        "{}",
        run.stderr
    );
}

#[test]
fn a_compile_started_for_a_hook_that_was_killed_completes_and_is_kept() {
    let home = Home::new();
    let compiles = |log: &str| log.matches("compiling a plugin build").count();
    let compiled = |log: &str| {
        log.lines()
            .any(|line| line.contains("compiled") && line.contains("elapsed_ms"))
    };
    // A fresh home, and a large plugin (a JavaScript engine inside) that takes seconds to
    // compile: it has never been compiled here.
    let large = plugin("commit-style-js");
    let mut hook = home
        .command()
        .args(["--plugin", large.to_str().unwrap()])
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    {
        use std::io::Write;
        let mut stdin = hook.stdin.take().unwrap();
        stdin
            .write_all(bash_event("ls").to_string().as_bytes())
            .unwrap();
    }
    let deadline = Instant::now() + Duration::from_secs(30);
    while compiles(&home.log()) == 0 {
        assert!(Instant::now() < deadline, "the daemon started compiling");
        std::thread::sleep(Duration::from_millis(5));
    }
    // Claude Code gives up on the hook (a timeout, Esc): the hook and its tree are killed.
    let pid = hook.id();
    assert!(!compiled(&home.log()), "killed while compiling");
    for child in descendants(pid) {
        unsafe { libc::kill(child as i32, libc::SIGKILL) };
    }
    hook.kill().unwrap();
    hook.wait().unwrap();
    let deadline = Instant::now() + Duration::from_secs(60);
    while !compiled(&home.log()) {
        assert!(
            Instant::now() < deadline,
            "the compile finished: {}",
            home.log()
        );
        std::thread::sleep(Duration::from_millis(20));
    }
    // The next hook uses it: no second compile.
    let run = home.hook(
        &["--plugin", large.to_str().unwrap()],
        &bash_event("git commit -m 'wip'"),
    );
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert_eq!(compiles(&home.log()), 1, "{}", home.log());
}

#[test]
fn a_daemon_run_in_a_terminal_can_log_there_too() {
    let home = Home::new();
    let mut daemon = home
        .command()
        .args(["daemon", "run", "--log-to-terminal"])
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let lines = fasthooks_e2e::lines::Lines::of(daemon.stderr.take().unwrap());
    let wait_for = |word: &str| lines.wait_for(word, Duration::from_secs(20));
    wait_for("daemon started");
    let mut event = fasthooks_e2e::prompt_event("fs log 1 0 on-the-terminal");
    event["session_id"] = "tty".into();
    let run = home.hook(&["--plugin", plugin("hostile").to_str().unwrap()], &event);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let line = wait_for("on-the-terminal");
    assert!(line.contains(r#"plugin="hostile" session="tty""#), "{line}");
    assert_eq!(home.run(&["daemon", "stop"], b"").code, 0);
    assert!(daemon.wait().unwrap().success());
    // The file has it too.
    assert!(home.log().contains("on-the-terminal"));
}
