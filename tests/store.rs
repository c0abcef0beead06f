//! The task store's promises, through the real binaries: one owner at a time, so a hook run
//! in-process and the daemon never disagree (no result delivered twice, none invisible), and a
//! write that cannot reach the disk is an error to the guest that asked for it, never a
//! success that vanishes at the next restart.

use fasthooks_e2e::lab::{Lab, daemon_pid, kill_daemon};
use fasthooks_e2e::{Home, prompt_event};
use serde_json::Value;
use std::process::Command;

fn signal(pid: u32, signal: &str) {
    assert!(
        Command::new("kill")
            .args([signal, &pid.to_string()])
            .status()
            .unwrap()
            .success(),
        "kill {signal} {pid}"
    );
}

#[test]
fn an_in_process_hook_and_the_daemon_share_one_store() {
    let home = Home::new();
    let lab = Lab::new(&home, "shared");
    lab.run("add echo key=a arg=first");
    assert_eq!(lab.value("wait a 5000"), "first");

    // A result the daemon holds, popped by a hook run in-process: delivered once, not twice.
    let (popped, _) = lab.run_with(&["--inline"], "pop a");
    assert_eq!(popped["value"], "first", "{popped}");
    assert_eq!(lab.run("pop a")["value"], Value::Null, "popped twice");

    // A task added in-process while the daemon lives: the daemon has it and runs it.
    let (added, _) = lab.run_with(&["--inline"], "add echo key=b arg=second");
    assert!(added.get("error").is_none(), "{added}");
    assert_eq!(lab.value("wait b 5000"), "second", "the daemon sees it");
    assert_eq!(daemon_pid(&home), daemon_pid(&home), "one daemon all along");
}

#[test]
fn beside_a_stopped_daemon_an_in_process_hook_is_told_and_the_store_stays_whole() {
    let home = Home::new();
    let lab = Lab::new(&home, "stalled");
    lab.run("add echo key=kept arg=1");
    assert_eq!(lab.value("wait kept 5000"), "1");
    let pid = daemon_pid(&home);
    signal(pid, "-STOP");
    // The hook falls back in-process; its plugin's task call cannot reach the store's owner.
    let mut event = prompt_event("add echo key=lost arg=2");
    event["session_id"] = "stalled".into();
    let run = home.hook(&["--plugin", lab.plugin.to_str().unwrap()], &event);
    signal(pid, "-CONT");
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert!(run.stderr.contains("ran in-process"), "{}", run.stderr);
    let context = run.stdout_json()["hookSpecificOutput"]["additionalContext"]
        .as_str()
        .unwrap()
        .to_owned();
    assert!(
        context.contains("background tasks and state are unavailable to this hook")
            && context.contains("did not answer"),
        "the guest hears why: {context}"
    );
    // Nothing was half-added, and what the daemon held is still there, once.
    assert_eq!(lab.run("get lost")["value"], Value::Null);
    assert_eq!(lab.value("pop kept"), "1");
    assert_eq!(lab.run("pop kept")["value"], Value::Null);
}

/// A small tmpfs mounted on a fasthooks home's data directory (where the store lives), for a
/// disk that fills up; unmounted when dropped.
struct SmallDisk {
    at: std::path::PathBuf,
}

impl SmallDisk {
    fn mount(home: &Home, size: &str) -> SmallDisk {
        // CI runs as root; so must this test (mounting needs it).
        assert_eq!(
            unsafe { libc::geteuid() },
            0,
            "the full-disk test mounts a tmpfs: run it as root (CI does)"
        );
        let at = home.path().join("data");
        std::fs::create_dir_all(&at).unwrap();
        let status = Command::new("mount")
            .args([
                "-t",
                "tmpfs",
                "-o",
                &format!("size={size},mode=0700"),
                "tmpfs",
            ])
            .arg(&at)
            .status()
            .unwrap();
        assert!(status.success(), "mount a tmpfs on {}", at.display());
        SmallDisk { at }
    }

    /// Fill all but `room` bytes with a file; returns it, to free the space again.
    fn fill_leaving(&self, room: u64) -> std::path::PathBuf {
        use std::io::Write;
        let path = self.at.join("filler");
        let mut file = std::fs::File::create(&path).unwrap();
        let chunk = vec![0u8; 64 << 10];
        while file.write_all(&chunk).is_ok() {}
        let len = file.metadata().unwrap().len();
        file.set_len(len.saturating_sub(room)).unwrap();
        path
    }
}

impl Drop for SmallDisk {
    fn drop(&mut self) {
        // Lazily: a daemon may still hold the store open.
        let _ = Command::new("umount").arg("-l").arg(&self.at).status();
    }
}

#[test]
fn on_a_full_disk_an_add_fails_and_what_was_accepted_survives_a_crash() {
    let home = Home::new();
    let disk = SmallDisk::mount(&home, "8m");
    let lab = Lab::new(&home, "full");
    lab.run("add echo key=before arg=small");
    assert_eq!(lab.value("wait before 5000"), "small");
    // Room for a few of the adds below, not for all of them.
    let filler = disk.fill_leaving(1 << 20);

    // Adds of 256 KiB arguments until the store cannot take one (bounded).
    let big = "x".repeat(256 << 10);
    let mut accepted = Vec::new();
    let mut refusal = None;
    for n in 0..40 {
        let answer = lab.run(&format!("add echo key=k{n} arg={big}"));
        match answer.get("error") {
            None => accepted.push(format!("k{n}")),
            Some(error) => {
                refusal = Some((
                    format!("k{n}"),
                    error.as_str().unwrap_or_default().to_owned(),
                ));
                break;
            }
        }
    }
    let (refused, error) = refusal.expect("the full disk refused an add");
    assert!(
        !accepted.is_empty(),
        "some adds fitted before the disk was full"
    );
    assert!(
        error.contains("was not added") && error.contains("could not save it"),
        "the guest is told why: {error}"
    );

    // Space comes back and the daemon dies hard: what was accepted is there, what was refused
    // is not.
    std::fs::remove_file(filler).unwrap();
    kill_daemon(daemon_pid(&home));
    assert_eq!(lab.run(&format!("get {refused}"))["value"], Value::Null);
    for key in accepted.iter().chain(std::iter::once(&"before".to_owned())) {
        assert_ne!(
            lab.run(&format!("get {key}"))["value"],
            Value::Null,
            "{key} was accepted, so it is kept"
        );
    }
}

/// An add is saved once its call returns, before the database commits it: here the database
/// cannot (a trigger refuses inserts, as a full disk does), the daemon is killed, and the next
/// daemon runs the task from the store's journal.
#[test]
fn an_accepted_add_the_database_had_not_committed_survives_a_killed_daemon() {
    let home = Home::new();
    let lab = Lab::new(&home, "journal");
    lab.run("add echo key=before arg=one");
    assert_eq!(lab.value("wait before 5000"), "one");
    let db = rusqlite::Connection::open(home.path().join("data").join("fasthooks.db")).unwrap();
    db.busy_timeout(std::time::Duration::from_secs(5)).unwrap();
    db.execute_batch(
        "CREATE TRIGGER no_room BEFORE INSERT ON tasks BEGIN SELECT RAISE(ABORT, 'database or disk is full'); END;",
    )
    .unwrap();
    let added = lab.run("add echo key=kept arg=two");
    assert!(added.get("error").is_none(), "accepted: {added}");
    kill_daemon(daemon_pid(&home));
    let committed: i64 = db
        .query_row("SELECT count(*) FROM tasks WHERE key = 'kept'", [], |row| {
            row.get(0)
        })
        .unwrap();
    assert_eq!(committed, 0, "the database never held it");
    db.execute_batch("DROP TRIGGER no_room;").unwrap();
    assert_eq!(lab.value("wait kept 5000"), "two");
}

#[test]
fn results_too_large_for_the_guest_are_not_lost() {
    let home = Home::new();
    let lab = Lab::new(&home, "small-guest");
    // 24 results of 512 KiB: 12 MiB, more than an 8 MiB guest can take at once.
    let big = "r".repeat(512 << 10);
    let keys: Vec<String> = (0..24).map(|n| format!("r{n}")).collect();
    for key in &keys {
        lab.run(&format!("add echo key={key} arg={big}"));
    }
    let done = lab.run(&format!("wait-all {} 20000", keys.join(",")));
    assert_eq!(done["value"].as_array().map(Vec::len), Some(keys.len()));

    // pop-all into the small guest: it runs out of memory receiving them...
    let mut event = prompt_event("pop-all");
    event["session_id"] = "small-guest".into();
    let plugin = lab.plugin.to_str().unwrap();
    let run = home.hook(&["--max-memory-mb", "8", "--plugin", plugin], &event);
    assert_ne!(
        run.code, 0,
        "the small guest could not take them: {}",
        run.stdout
    );
    assert!(run.stderr.contains("memory"), "{}", run.stderr);
    // ...and they are all still there for a call that can.
    let all = lab.run("pop-all");
    assert_eq!(
        all["value"].as_array().map(Vec::len),
        Some(keys.len()),
        "every result survived the failed delivery"
    );
    assert_eq!(
        lab.run("pop-all")["value"].as_array().map(Vec::len),
        Some(0)
    );
}

#[test]
fn a_task_an_in_process_hook_could_not_finish_is_run_by_the_daemon() {
    let home = Home::new();
    let lab = Lab::new(&home, "handed-back");
    // No daemon: the hook owns the store, answers, and runs its task until its deadline...
    let (added, _) = lab.run_with(
        &["--inline", "--deadline-ms", "1500"],
        "add sleep key=long arg=2500",
    );
    assert_eq!(added["status"], "pending", "{added}");
    // ...then hands it back instead of failing it, and starts a daemon to run it: no other
    // hook is needed (every hook may be --inline).
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(15);
    while home.run(&["daemon", "status"], b"").code != 0 {
        assert!(
            std::time::Instant::now() < deadline,
            "the hook started a daemon for its task"
        );
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
    assert_eq!(
        lab.value("wait long 15000"),
        serde_json::json!({"slept_ms": 2500})
    );
}

/// The daemon's resident memory, in bytes.
fn resident_bytes(pid: u32) -> u64 {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap();
    let kib: u64 = status
        .lines()
        .find_map(|line| line.strip_prefix("VmRSS:"))
        .and_then(|rest| rest.trim().trim_end_matches("kB").trim().parse().ok())
        .unwrap_or_else(|| panic!("no VmRSS in {status}"));
    kib << 10
}

#[test]
fn queued_tasks_arguments_wait_on_disk_not_in_the_daemons_memory() {
    let home = Home::new();
    let lab = Lab::new(&home, "heavy").with_env("FASTHOOKS_WORKERS", "1");
    // The one worker is busy: everything added next stays queued.
    lab.run("add sleep key=blocker arg=60000");
    lab.run("add echo key=warm arg=x");
    let pid = daemon_pid(&home);
    let before = resident_bytes(pid);
    let big = "z".repeat(2 << 20);
    for n in 0..40 {
        let added = lab.run(&format!("add echo key=q{n} arg={big}"));
        assert!(added.get("error").is_none(), "{added}");
    }
    let grown = resident_bytes(pid).saturating_sub(before);
    assert!(
        grown < 40 << 20,
        "80 MiB of queued arguments grew the daemon by {} MiB",
        grown >> 20
    );
    lab.run("cancel blocker");
    // They are all there, and run with their arguments.
    let first = lab.value("wait q0 20000");
    assert_eq!(first.as_str().map(str::len), Some(big.len()));
}

#[test]
fn one_sessions_write_volume_does_not_hold_up_another_sessions_hooks() {
    let home = Home::new();
    let heavy = Lab::new(&home, "heavy");
    let light = Lab::new(&home, "light");
    light.run("add echo key=warm arg=x");
    // Session "heavy" writes 2 MiB per hook (its argument, then its result) as fast as it can.
    let light_hooks = std::thread::scope(|scope| {
        let heavy_hooks = scope.spawn(|| {
            let big = "z".repeat(2 << 20);
            for n in 0..40 {
                let added = heavy.run(&format!("add echo key=h{n} arg={big}"));
                assert!(added.get("error").is_none(), "{added}");
            }
        });
        // Meanwhile session "light" adds and waits for small tasks, each hook with a deadline
        // the heavy session's writes would blow if light's hooks waited for them (every hook
        // once waited for the whole store's queue to be flushed: up to 7 s).
        let mut hooks = Vec::new();
        let mut n = 0;
        while !heavy_hooks.is_finished() {
            let (added, run) = light.run_with(
                &["--deadline-ms", "4000"],
                &format!("add echo key=l{n} arg=x"),
            );
            assert!(added.get("error").is_none(), "{added}: {}", run.stderr);
            let (waited, run_wait) =
                light.run_with(&["--deadline-ms", "4000"], &format!("wait l{n} 3000"));
            assert_eq!(
                waited["value"], "x",
                "light's own task ran: {}",
                run_wait.stderr
            );
            hooks.push(run.elapsed.max(run_wait.elapsed));
            n += 1;
        }
        heavy_hooks
            .join()
            .expect("the heavy session's hooks all succeeded");
        hooks
    });
    assert!(
        light_hooks.len() >= 3,
        "the light session's hooks ran alongside the heavy one's ({} did)",
        light_hooks.len()
    );
    let slowest = light_hooks.iter().max().unwrap();
    assert!(
        *slowest < std::time::Duration::from_millis(4000),
        "every light hook answered within its deadline; the slowest took {slowest:?}"
    );
    // And the heavy session lost nothing.
    assert_eq!(
        heavy.value("wait h39 10000").as_str().map(str::len),
        Some(2 << 20)
    );
}

#[test]
fn two_in_process_hooks_without_a_daemon_take_turns_and_the_second_is_told() {
    use std::io::{Read, Write};
    let home = Home::new();
    let lab = Lab::new(&home, "turns");
    // The first owns the store while its task runs on after its answer, until its deadline.
    let mut event = prompt_event("add sleep key=hold arg=10000");
    event["session_id"] = "turns".into();
    let mut first = lab
        .command(&["--inline", "--deadline-ms", "4000"])
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    first
        .stdin
        .take()
        .unwrap()
        .write_all(event.to_string().as_bytes())
        .unwrap();
    // Its answer comes, and its stdout closes, while it still runs the task.
    let mut answer = String::new();
    first
        .stdout
        .take()
        .unwrap()
        .read_to_string(&mut answer)
        .unwrap();
    assert!(answer.contains("pending"), "{answer}");
    assert!(
        first.try_wait().unwrap().is_none(),
        "still running its task"
    );

    // The second waits its turn briefly, then hears why its task call failed; it still answers.
    let (second, run) = lab.run_with(&["--inline"], "add echo key=later arg=1");
    let error = second["error"].as_str().unwrap_or_default();
    assert!(
        error.contains("the task store is owned by another process"),
        "{second}"
    );
    assert!(
        run.elapsed >= std::time::Duration::from_millis(900),
        "it waited its turn"
    );
    first.wait().unwrap();
}
