//! Every wait of the hook process is bounded, end to end through the real binary: an event on
//! a stdin that is never closed, a stdin that never completes, a daemon that is stopped
//! (SIGSTOP) while a large event is sent to it.

use fasthooks_e2e::{Home, bash_event, plugin};
use std::io::{Read, Write};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

/// Run a hook, write `input` to its stdin and keep stdin open until the hook exits (or `limit`
/// passes, which fails the test: the hook hung).
fn run_keeping_stdin_open(
    mut command: Command,
    input: &[u8],
    limit: Duration,
) -> (i32, String, String) {
    let mut child = command
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut stdin = child.stdin.take().unwrap();
    stdin.write_all(input).unwrap();
    stdin.flush().unwrap();
    let deadline = Instant::now() + limit;
    let status = loop {
        if let Some(status) = child.try_wait().unwrap() {
            break status;
        }
        if Instant::now() > deadline {
            let _ = child.kill();
            panic!("the hook did not answer within {limit:?} with its stdin left open");
        }
        std::thread::sleep(Duration::from_millis(5));
    };
    drop(stdin);
    let (mut out, mut err) = (String::new(), String::new());
    child
        .stdout
        .take()
        .unwrap()
        .read_to_string(&mut out)
        .unwrap();
    child
        .stderr
        .take()
        .unwrap()
        .read_to_string(&mut err)
        .unwrap();
    (status.code().unwrap_or(-1), out, err)
}

/// The guard's deny arrived, whatever else the hook reported.
fn assert_guard_denied(run: &fasthooks_e2e::HookRun) {
    assert_eq!(
        run.stdout_json()["hookSpecificOutput"]["permissionDecision"],
        "deny",
        "the guard still answers: {}",
        run.stderr
    );
}

#[test]
fn a_complete_event_on_a_stdin_that_is_never_closed_is_answered() {
    let home = Home::new();
    let guard = plugin("guard");
    for inline in [false, true] {
        let mut command = home.command();
        command.args(["--plugin", guard.to_str().unwrap()]);
        if inline {
            command.arg("--inline");
        }
        let event = bash_event("rm -rf /").to_string();
        let (code, out, err) =
            run_keeping_stdin_open(command, event.as_bytes(), Duration::from_secs(30));
        assert_eq!(code, 0, "inline {inline}: {err}");
        assert!(
            out.contains("\"permissionDecision\":\"deny\""),
            "inline {inline}: {out}"
        );
    }
}

#[test]
fn an_event_that_never_completes_ends_at_the_deadline() {
    let home = Home::new();
    let guard = plugin("guard");
    let mut command = home.command();
    command.args(["--plugin", guard.to_str().unwrap(), "--deadline-ms", "1000"]);
    let event = bash_event("rm -rf /").to_string();
    let half = &event.as_bytes()[..event.len() / 2];
    let (code, out, err) = run_keeping_stdin_open(command, half, Duration::from_secs(30));
    assert_eq!((code, out.as_str()), (1, ""), "{err}");
    assert!(
        err.contains("no complete event on stdin within 1000 ms"),
        "{err}"
    );
}

#[test]
fn a_stopped_daemon_does_not_hold_a_large_event() {
    let home = Home::new();
    let guard = plugin("guard");
    let args = ["--plugin", guard.to_str().unwrap()];
    // Start the daemon, then stop it the way a hung process is stuck.
    let run = home.hook(&args, &bash_event("ls"));
    assert_eq!(run.code, 0, "{}", run.stderr);
    let status = home.run(&["daemon", "status"], b"");
    let pid: u32 = status
        .stdout
        .split_whitespace()
        .nth(2)
        .unwrap()
        .trim_end_matches(',')
        .parse()
        .unwrap();
    assert!(
        Command::new("kill")
            .args(["-STOP", &pid.to_string()])
            .status()
            .unwrap()
            .success()
    );
    // Larger than a socket's buffer: writing it blocks while nobody reads.
    let big = format!("rm -rf / # {}", "x".repeat(512 << 10));
    let run = home.hook(&args, &bash_event(&big));
    let _ = Command::new("kill")
        .args(["-CONT", &pid.to_string()])
        .status();
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert_eq!(
        run.stdout_json()["hookSpecificOutput"]["permissionDecision"],
        "deny"
    );
    assert!(run.stderr.contains("ran in-process"), "{}", run.stderr);
}

#[test]
fn a_plugin_stuck_in_describe_costs_the_others_little() {
    let home = Home::new();
    let stuck = plugin("stuck-describe");
    let guard = plugin("guard");
    let args = [
        "--plugin",
        stuck.to_str().unwrap(),
        "--plugin",
        guard.to_str().unwrap(),
    ];
    // Four hooks at once, as Claude Code runs parallel tool calls: describe's own deadline
    // (3 s) is paid once, by the first; the others get the remembered failure.
    let runs: Vec<fasthooks_e2e::HookRun> = std::thread::scope(|scope| {
        let handles: Vec<_> = (0..4)
            .map(|_| scope.spawn(|| home.hook(&args, &bash_event("rm -rf /"))))
            .collect();
        handles.into_iter().map(|h| h.join().unwrap()).collect()
    });
    for run in &runs {
        assert_eq!(run.code, 0, "guard's answer stands: {}", run.stderr);
        assert_eq!(
            run.stdout_json()["hookSpecificOutput"]["permissionDecision"],
            "deny"
        );
        assert!(
            run.stderr
                .contains("describe() failed: did not finish within 3000 ms"),
            "{}",
            run.stderr
        );
        assert!(
            run.elapsed < Duration::from_secs(9),
            "the failing describe was paid again: {:?}",
            run.elapsed
        );
    }
    // Right after, the failure is remembered: no new describe at all.
    let run = home.hook(&args, &bash_event("rm -rf /"));
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert!(run.elapsed < Duration::from_secs(3), "{:?}", run.elapsed);
}

#[test]
fn tasks_added_in_process_never_delay_or_lose_the_answer() {
    let home = Home::new();
    let lab = plugin("task-lab");
    let mut event = fasthooks_e2e::prompt_event("add sleep key=slow arg=100000");
    event["session_id"] = "inline-slow".into();
    let run = home.hook(
        &[
            "--inline",
            "--deadline-ms",
            "3000",
            "--plugin",
            lab.to_str().unwrap(),
        ],
        &event,
    );
    assert_eq!(run.code, 0, "{}", run.stderr);
    let context = run.stdout_json()["hookSpecificOutput"]["additionalContext"]
        .as_str()
        .unwrap()
        .to_owned();
    assert!(
        context.contains("pending"),
        "the answer is there: {context}"
    );
    assert!(
        run.elapsed < Duration::from_secs(10),
        "the hook outlived its 3 s deadline for its task: {:?}",
        run.elapsed
    );
}

#[test]
fn a_corrupt_store_is_moved_aside_and_tasks_work_again() {
    let home = Home::new();
    let data = home.path().join("data");
    std::fs::create_dir_all(&data).unwrap();
    std::fs::write(data.join("fasthooks.db"), vec![0x5A; 32 << 10]).unwrap();
    let lab = plugin("task-lab");
    let args = ["--plugin", lab.to_str().unwrap()];
    let context = |run: &fasthooks_e2e::HookRun| -> serde_json::Value {
        assert_eq!(run.code, 0, "{}", run.stderr);
        serde_json::from_str(
            run.stdout_json()["hookSpecificOutput"]["additionalContext"]
                .as_str()
                .unwrap(),
        )
        .unwrap()
    };
    let added = context(&home.hook(
        &args,
        &fasthooks_e2e::prompt_event("add echo key=k arg=back"),
    ));
    assert!(added.get("error").is_none(), "{added}");
    let waited = context(&home.hook(&args, &fasthooks_e2e::prompt_event("wait k 10000")));
    assert_eq!(waited["value"], "back");
    let aside: Vec<String> = std::fs::read_dir(&data)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|name| name.starts_with("fasthooks.db.corrupt-"))
        .collect();
    assert_eq!(aside.len(), 1, "the corrupt file is kept aside once");
    assert!(
        home.log().contains("the task store was corrupt"),
        "and logged: {}",
        home.log()
    );
}

#[test]
fn a_plugin_that_holds_its_share_of_instances_cannot_starve_a_guard() {
    let home = Home::new();
    let hostile = plugin("hostile");
    let command = |timeout_ms: &str, extra: &[&str]| {
        let mut command = home.command();
        command
            .env("FASTHOOKS_MAX_INSTANCES_PER_PLUGIN", "3")
            .args([
                "--plugin",
                hostile.to_str().unwrap(),
                "--timeout-ms",
                timeout_ms,
            ])
            .args(extra);
        command
    };
    let sleep = fasthooks_e2e::prompt_event("sleep").to_string();
    let guard = plugin("guard");
    // Start the daemon and compile both plugins first, so every hook below goes to it.
    let warm = fasthooks_e2e::run_command(
        &mut command("1000", &["--plugin", guard.to_str().unwrap()]),
        bash_event("ls").to_string().as_bytes(),
        Duration::from_secs(60),
    );
    assert_eq!(warm.code, 0, "{}", warm.stderr);
    // Three calls that sleep in a host call hold the hostile plugin's whole share.
    let holders: Vec<_> = (0..3)
        .map(|_| {
            let mut command = command("10000", &[]);
            let sleep = sleep.clone();
            std::thread::spawn(move || {
                fasthooks_e2e::run_command(&mut command, sleep.as_bytes(), Duration::from_secs(60))
            })
        })
        .collect();
    // Until all three are inside (each says so in the log before it sleeps).
    let deadline = Instant::now() + Duration::from_secs(20);
    while home.log().matches("hostile: asleep in a host call").count() < 3 {
        assert!(
            Instant::now() < deadline,
            "the holders got in: {}",
            home.log()
        );
        std::thread::sleep(Duration::from_millis(10));
    }
    // A fourth call of it is refused at once, blamed on it, while the guard in the same
    // command answers.
    let refused = fasthooks_e2e::run_command(
        &mut command("1000", &["--plugin", guard.to_str().unwrap()]),
        bash_event("rm -rf /").to_string().as_bytes(),
        Duration::from_secs(30),
    );
    assert!(
        refused.stdout.contains("\"deny\""),
        "the guard answers: {}",
        refused.stderr
    );
    assert!(
        refused.stderr.contains("share of the instance pool"),
        "{}",
        refused.stderr
    );
    assert!(
        refused.stderr.contains("plugin hostile"),
        "{}",
        refused.stderr
    );
    assert_eq!(refused.stderr.lines().count(), 1, "{}", refused.stderr);
    for holder in holders {
        holder.join().unwrap();
    }
}

#[test]
fn a_fail_closed_deny_arrives_inside_the_hook_deadline() {
    let home = Home::new();
    let hostile = plugin("hostile");
    // Compiled once beforehand: the deadline is about the call, not a cold compile.
    let warm = home.hook(&["--plugin", hostile.to_str().unwrap()], &bash_event("ls"));
    assert_eq!(warm.code, 0, "{}", warm.stderr);
    for mode in [&[][..], &["--inline"][..]] {
        let mut args = vec![
            "--plugin",
            hostile.to_str().unwrap(),
            "--fail-closed",
            "--deadline-ms",
            "1500",
        ];
        args.extend_from_slice(mode);
        // The plugin spins; its own --timeout-ms (10 s by default) is longer than the hook's.
        let run = home.hook(&args, &bash_event("hostile-loop"));
        assert_eq!(run.code, 0, "{mode:?}: {}", run.stderr);
        assert_eq!(
            run.stdout_json()["hookSpecificOutput"]["permissionDecision"],
            "deny",
            "{mode:?}"
        );
        assert!(
            run.stderr.contains("all the hook's --deadline-ms left it"),
            "{mode:?}: the stop names the deadline: {}",
            run.stderr
        );
        assert!(
            run.elapsed < Duration::from_millis(2500),
            "{mode:?}: the deny came after {:?}",
            run.elapsed
        );
    }
}

#[test]
fn a_stuck_plugin_listed_first_does_not_cost_the_guard_its_deny() {
    let home = Home::new();
    let (hostile, guard) = (plugin("hostile"), plugin("guard"));
    let args = [
        "--plugin",
        hostile.to_str().unwrap(),
        "--plugin",
        guard.to_str().unwrap(),
        "--deadline-ms",
        "1500",
    ];
    let warm = home.hook(&args, &bash_event("ls"));
    assert_eq!(warm.code, 0, "{}", warm.stderr);
    // hostile spins until the deadline; the guard runs beside it, not after it.
    let run = home.hook(&args, &bash_event("rm -rf / # hostile-loop"));
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert_guard_denied(&run);
    assert!(run.stderr.contains("plugin hostile"), "{}", run.stderr);
    assert!(
        run.elapsed < Duration::from_millis(2500),
        "{:?}",
        run.elapsed
    );
}

#[test]
fn a_plugin_subscribed_to_a_misspelt_event_fails_alone_and_says_what_was_meant() {
    let home = Home::new();
    let (misspelt, guard) = (plugin("misspelt-event"), plugin("guard"));
    let run = home.hook(
        &[
            "--plugin",
            misspelt.to_str().unwrap(),
            "--plugin",
            guard.to_str().unwrap(),
        ],
        &bash_event("rm -rf /"),
    );
    assert_guard_denied(&run);
    assert!(
        run.stderr.contains("did you mean `PreToolUse`?"),
        "{}",
        run.stderr
    );
}

/// Plugins compile in a child process with bounds of its own: a compile that needs more memory
/// than it may use ends the child, not the daemon; that plugin fails alone, naming the bound and
/// how to raise it, and the guard beside it still denies, now and in the next hook.
#[test]
fn a_compile_past_its_memory_bound_fails_alone_and_the_daemon_lives_on() {
    let home = Home::new();
    let (python, guard) = (plugin("secrets-py"), plugin("guard"));
    // The guard compiled beforehand, unbounded: only the Python plugin compiles under the bound.
    let described = home.run(&["describe", guard.to_str().unwrap()], b"");
    assert_eq!(described.code, 0, "{}", described.stderr);
    let args = [
        "--plugin",
        python.to_str().unwrap(),
        "--plugin",
        guard.to_str().unwrap(),
    ];
    let hook = || {
        let mut command = home.command();
        command.args(args).env("FASTHOOKS_COMPILE_MEMORY_MB", "64");
        fasthooks_e2e::run_command(
            &mut command,
            bash_event("rm -rf /").to_string().as_bytes(),
            Duration::from_secs(120),
        )
    };
    let run = hook();
    assert_guard_denied(&run);
    assert!(
        run.stderr.contains("secrets-py")
            && run.stderr.contains("could not be compiled")
            && run.stderr.contains("64 MiB")
            && run.stderr.contains("FASTHOOKS_COMPILE_MEMORY_MB"),
        "{}",
        run.stderr
    );
    let daemon = fasthooks_e2e::lab::daemon_pid(&home);
    let again = hook();
    assert_guard_denied(&again);
    assert_eq!(
        fasthooks_e2e::lab::daemon_pid(&home),
        daemon,
        "the same daemon answered both hooks"
    );
}
