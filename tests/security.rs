//! Another local user cannot reach a user's hooks or read what the host keeps, end to end
//! through the real binaries with real uids (the tests run as root, as CI does, and start
//! every process as an unprivileged uid of their own: the user, and an attacker).
//!
//! - The runtime directory is never a predictable name in a shared directory, and a hook talks
//!   to a daemon only through a directory it trusts, and only to a daemon of its own uid.
//! - Every directory the host writes is 0700 and every file 0600, whatever the umask, in both
//!   the `FASTHOOKS_HOME` and the XDG layout; what an older version left open is tightened.

use fasthooks_e2e::{bash_event, host_binary, plugin, prompt_event};
use std::os::unix::fs::{MetadataExt, PermissionsExt};
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::time::{Duration, Instant};

/// A fresh pair of uids for one test: (user, attacker). No passwd entries are needed.
fn uids() -> (u32, u32) {
    assert_eq!(
        unsafe { libc::geteuid() },
        0,
        "these tests start processes as other users: run them as root (CI does)"
    );
    static NEXT: std::sync::atomic::AtomicU32 = std::sync::atomic::AtomicU32::new(0);
    let base = 40_000 + (std::process::id() % 1000) * 20;
    let n = NEXT.fetch_add(2, std::sync::atomic::Ordering::SeqCst);
    (base + n, base + n + 1)
}

/// A directory owned by `uid` with `mode`, removed at the end.
struct Owned(PathBuf);

impl Owned {
    fn new(name: &str, uid: u32, mode: u32) -> Owned {
        let path =
            std::env::temp_dir().join(format!("fasthooks-sec-{name}-{uid}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&path);
        std::fs::create_dir_all(&path).unwrap();
        chown(&path, uid);
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(mode)).unwrap();
        Owned(path)
    }
}

impl Drop for Owned {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

fn chown(path: &Path, uid: u32) {
    std::os::unix::fs::chown(path, Some(uid), Some(uid)).unwrap();
}

/// A hook run as `uid` with only the environment given (and a umask of 022).
fn hook_as(uid: u32, env: &[(&str, &Path)], args: &[&str], event: &serde_json::Value) -> Output {
    let mut command = Command::new(host_binary());
    command.env_clear().env("PATH", "/usr/bin:/bin");
    for (name, value) in env {
        command.env(name, value);
    }
    command.args(args).uid(uid).gid(uid);
    // SAFETY: umask is async-signal-safe.
    unsafe {
        command.pre_exec(|| {
            libc::umask(0o022);
            Ok(())
        });
    }
    let mut child = command
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    use std::io::Write;
    child
        .stdin
        .take()
        .unwrap()
        .write_all(event.to_string().as_bytes())
        .unwrap();
    child.wait_with_output().unwrap()
}

fn stop_daemon_as(uid: u32, env: &[(&str, &Path)]) {
    let mut command = Command::new(host_binary());
    command.env_clear().env("PATH", "/usr/bin:/bin");
    for (name, value) in env {
        command.env(name, value);
    }
    let _ = command.args(["daemon", "stop"]).uid(uid).gid(uid).output();
}

/// The attacker's fake daemon: listens on `socket` as `uid`, and writes one line per connection
/// to `marker` with how many bytes the client sent.
struct FakeDaemon {
    child: Child,
    marker: PathBuf,
}

impl FakeDaemon {
    fn start(uid: u32, socket: &Path, marker: &Path) -> FakeDaemon {
        let script = r#"
import os, socket, sys
path, marker = sys.argv[1], sys.argv[2]
server = socket.socket(socket.AF_UNIX)
server.bind(path)
os.chmod(path, 0o777)
server.listen(16)
open(marker + ".ready", "w").close()
while True:
    conn, _ = server.accept()
    conn.settimeout(2)
    try:
        data = conn.recv(1 << 20)
    except Exception:
        data = b""
    with open(marker, "a") as out:
        out.write("connection %d\n" % len(data))
    conn.close()
"#;
        let child = Command::new("python3")
            .args(["-c", script])
            .arg(socket)
            .arg(marker)
            .uid(uid)
            .gid(uid)
            .spawn()
            .unwrap();
        let ready = PathBuf::from(format!("{}.ready", marker.display()));
        let deadline = Instant::now() + Duration::from_secs(10);
        while !ready.exists() {
            assert!(Instant::now() < deadline, "the fake daemon did not start");
            std::thread::yield_now();
        }
        FakeDaemon {
            child,
            marker: marker.to_owned(),
        }
    }

    /// Bytes each client sent, one entry per connection.
    fn requests(&self) -> Vec<String> {
        std::fs::read_to_string(&self.marker)
            .unwrap_or_default()
            .lines()
            .map(str::to_owned)
            .collect()
    }
}

impl Drop for FakeDaemon {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn guard_args() -> Vec<String> {
    vec!["--plugin".into(), plugin("guard").display().to_string()]
}

fn assert_denied(out: &Output) {
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert_eq!(
        out.status.code(),
        Some(0),
        "stderr: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let json: serde_json::Value =
        serde_json::from_str(stdout.trim()).unwrap_or_else(|e| panic!("{e}: {stdout}"));
    assert_eq!(
        json["hookSpecificOutput"]["permissionDecision"], "deny",
        "{stdout}"
    );
}

#[test]
fn the_runtime_directory_is_never_a_predictable_name_in_a_shared_place() {
    let (user, attacker) = uids();
    let home = Owned::new("home", user, 0o700);
    // The name the host used to fall back to without XDG_RUNTIME_DIR, taken first.
    let taken = std::env::temp_dir().join(format!("fasthooks-{user}"));
    let _ = std::fs::remove_dir_all(&taken);
    std::fs::create_dir(&taken).unwrap();
    chown(&taken, attacker);
    std::fs::set_permissions(&taken, std::fs::Permissions::from_mode(0o777)).unwrap();
    let _cleanup = Owned(taken.clone());
    let fake = FakeDaemon::start(attacker, &taken.join("daemon.sock"), &taken.join("seen"));

    let env = [("HOME", home.0.as_path())];
    let args = guard_args();
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    let out = hook_as(user, &env, &args, &bash_event("rm -rf /"));
    assert_denied(&out);
    assert!(
        out.stderr.is_empty(),
        "through its own daemon: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(
        fake.requests(),
        Vec::<String>::new(),
        "nothing reached the attacker"
    );
    assert!(
        home.0
            .join(".local/state/fasthooks/run/daemon.sock")
            .exists()
    );
    stop_daemon_as(user, &env);
}

#[test]
fn a_runtime_directory_another_user_controls_is_not_talked_to() {
    let (user, attacker) = uids();
    let home = Owned::new("home2", user, 0o700);
    let runtime = Owned::new("xdg", attacker, 0o777);
    let dir = runtime.0.join("fasthooks");
    std::fs::create_dir(&dir).unwrap();
    chown(&dir, attacker);
    std::fs::set_permissions(&dir, std::fs::Permissions::from_mode(0o777)).unwrap();
    let fake = FakeDaemon::start(attacker, &dir.join("daemon.sock"), &runtime.0.join("seen"));

    let env = [
        ("HOME", home.0.as_path()),
        ("XDG_RUNTIME_DIR", runtime.0.as_path()),
    ];
    let args = guard_args();
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    let out = hook_as(user, &env, &args, &bash_event("rm -rf /"));
    assert_denied(&out);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(stderr.lines().count(), 1, "one line: {stderr}");
    assert!(
        stderr.contains("untrusted runtime directory") && stderr.contains("ran in-process"),
        "{stderr}"
    );
    assert_eq!(
        fake.requests(),
        Vec::<String>::new(),
        "nothing reached the attacker"
    );
}

#[test]
fn a_socket_served_by_another_user_gets_no_request() {
    let (user, attacker) = uids();
    let home = Owned::new("home3", user, 0o700);
    let run = home.0.join("run");
    std::fs::create_dir(&run).unwrap();
    chown(&run, user);
    std::fs::set_permissions(&run, std::fs::Permissions::from_mode(0o700)).unwrap();
    // The attacker listens in a directory of its own; the socket then appears in the user's
    // private directory (as a compromise or a race might put it there).
    let lair = Owned::new("lair", attacker, 0o755);
    let fake = FakeDaemon::start(attacker, &lair.0.join("daemon.sock"), &lair.0.join("seen"));
    std::fs::rename(lair.0.join("daemon.sock"), run.join("daemon.sock")).unwrap();

    let env = [("FASTHOOKS_HOME", home.0.as_path())];
    let args = guard_args();
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    let out = hook_as(user, &env, &args, &bash_event("rm -rf /"));
    assert_denied(&out);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains(&format!("served by uid {attacker}")),
        "{stderr}"
    );
    for request in fake.requests() {
        assert_eq!(request, "connection 0", "the hook sent nothing: {request}");
    }
}

/// Every directory and file under `root`: (path, mode).
fn tree(root: &Path) -> Vec<(PathBuf, u32, bool)> {
    let mut out = Vec::new();
    let mut stack = vec![root.to_path_buf()];
    while let Some(path) = stack.pop() {
        let meta = std::fs::symlink_metadata(&path).unwrap();
        out.push((path.clone(), meta.mode() & 0o7777, meta.is_dir()));
        if meta.is_dir() {
            stack.extend(
                std::fs::read_dir(&path)
                    .unwrap()
                    .flatten()
                    .map(|e| e.path()),
            );
        }
    }
    out
}

fn assert_private(roots: &[PathBuf], attacker: u32) {
    let mut files = 0;
    for root in roots {
        for (path, mode, is_dir) in tree(root) {
            let wanted = if is_dir { 0o700 } else { 0o600 };
            assert_eq!(mode, wanted, "{} is {mode:o}", path.display());
            if !is_dir && path.extension().is_none_or(|e| e != "sock") {
                files += 1;
                let read = Command::new("cat")
                    .arg(&path)
                    .uid(attacker)
                    .gid(attacker)
                    .output()
                    .unwrap();
                assert!(
                    !read.status.success(),
                    "uid {attacker} read {}",
                    path.display()
                );
            }
        }
    }
    assert!(
        files >= 5,
        "a store, its WAL, a log, a compiled plugin and the hash index at least"
    );
}

fn use_everything(user: u32, env: &[(&str, &Path)]) {
    let lab = plugin("task-lab").display().to_string();
    let guard = plugin("guard").display().to_string();
    let mut env: Vec<(&str, &Path)> = env.to_vec();
    env.push(("FASTHOOKS_LOG", Path::new("debug")));
    let out = hook_as(user, &env, &["--plugin", &guard], &bash_event("rm -rf /"));
    assert_denied(&out);
    let mut event = prompt_event("add echo key=k arg=secret-value");
    event["session_id"] = "s".into();
    let out = hook_as(user, &env, &["--plugin", &lab], &event);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    event["prompt"] = "wait k 5000".into();
    let out = hook_as(user, &env, &["--plugin", &lab], &event);
    assert!(String::from_utf8_lossy(&out.stdout).contains("secret-value"));
}

#[test]
fn everything_under_fasthooks_home_is_private_whatever_the_umask() {
    let (user, attacker) = uids();
    let home = Owned::new("private", user, 0o755);
    // Left open by an older version: tightened when the daemon starts.
    let cache = home.0.join("cache");
    std::fs::create_dir(&cache).unwrap();
    std::fs::write(cache.join("old-entry"), b"x").unwrap();
    std::fs::set_permissions(&cache, std::fs::Permissions::from_mode(0o755)).unwrap();
    std::fs::set_permissions(
        cache.join("old-entry"),
        std::fs::Permissions::from_mode(0o644),
    )
    .unwrap();
    chown(&cache, user);
    chown(&cache.join("old-entry"), user);
    let env = [("FASTHOOKS_HOME", home.0.as_path())];
    use_everything(user, &env);
    stop_daemon_as(user, &env);
    let roots: Vec<PathBuf> = ["cache", "data", "run", "logs"]
        .iter()
        .map(|d| home.0.join(d))
        .collect();
    assert_private(&roots, attacker);
}

#[test]
fn everything_in_the_xdg_layout_is_private_whatever_the_umask() {
    let (user, attacker) = uids();
    let home = Owned::new("xdghome", user, 0o755);
    let env = [("HOME", home.0.as_path())];
    use_everything(user, &env);
    stop_daemon_as(user, &env);
    let roots = vec![
        home.0.join(".cache/fasthooks"),
        home.0.join(".local/state/fasthooks"),
    ];
    assert_private(&roots, attacker);
}

/// Post `event` to the `http` transport on `port` as `uid` (python3's client, as another
/// process of that user would); what it printed: `STATUS BODY`, or `closed` when the daemon
/// hung up without an answer.
fn post_as(uid: u32, port: u16, path: &str, event: &serde_json::Value) -> String {
    let script = r#"
import http.client, sys
port, path, body = int(sys.argv[1]), sys.argv[2], sys.argv[3]
try:
    c = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    c.request("POST", path, body, {"Content-Type": "application/json"})
    r = c.getresponse()
    print(r.status, r.read().decode())
except (ConnectionError, http.client.HTTPException) as e:
    print("closed", type(e).__name__)
"#;
    let out = Command::new("python3")
        .args(["-c", script])
        .arg(port.to_string())
        .arg(path)
        .arg(event.to_string())
        .uid(uid)
        .gid(uid)
        .output()
        .unwrap();
    String::from_utf8_lossy(&out.stdout).trim().to_owned()
}

#[test]
fn another_user_cannot_send_http_hooks_nor_read_their_answers() {
    use fasthooks_e2e::hook_post::{free_port, post, signed_path};
    let (user, attacker) = uids();
    let home = Owned::new("http", user, 0o700);
    let data = home.0.join("data");
    std::fs::create_dir(&data).unwrap();
    let port = free_port();
    std::fs::write(data.join("http-port"), format!("{port}\n")).unwrap();
    chown(&data, user);
    chown(&data.join("http-port"), user);
    let env = [("FASTHOOKS_HOME", home.0.as_path())];
    let mut start = Command::new(host_binary());
    start.env_clear().env("PATH", "/usr/bin:/bin");
    start
        .env("FASTHOOKS_HOME", &home.0)
        .env("FASTHOOKS_IDLE_TIMEOUT_SECS", "60");
    let started = start
        .args(["daemon", "start"])
        .uid(user)
        .gid(user)
        .output()
        .unwrap();
    assert!(
        started.status.success(),
        "{}",
        String::from_utf8_lossy(&started.stderr)
    );
    let path = signed_path(&home.0, &format!("plugin={}", plugin("guard").display()));
    let event = bash_event("rm -rf /");

    // The user's own process is answered.
    let own = post_as(user, port, &path, &event);
    assert!(own.starts_with("200 ") && own.contains("deny"), "{own}");
    // Another user's process, and root's (this test), get no answer at all.
    let other = post_as(attacker, port, &path, &event);
    assert!(other.starts_with("closed"), "{other}");
    let root = post(port, &path, &[], &event.to_string());
    assert_eq!(root.status, None, "{root:?}");
    assert!(!root.body.contains("deny"), "{root:?}");
    let log = std::fs::read_to_string(home.0.join("logs/fasthooks.log")).unwrap_or_default();
    assert_eq!(
        log.matches("refused an http connection from another user")
            .count(),
        2,
        "{log}"
    );
    stop_daemon_as(user, &env);
}

/// A loopback listener run by `uid`: a process of another user that took the `http` port
/// (bound to 0.0.0.0, so that 127.0.0.1 lands there too). Its port, once it listens; it stops
/// when the returned child is killed.
fn squat_as(uid: u32, port: u16) -> (std::process::Child, u16) {
    use std::io::BufRead;
    // When its stdin closes it says how many connections came (none were accepted before).
    let script = r#"
import socket, sys
s = socket.socket()
s.bind(("0.0.0.0", int(sys.argv[1])))
s.listen()
print(s.getsockname()[1], flush=True)
sys.stdin.read()
s.setblocking(False)
n = 0
while True:
    try:
        s.accept()
        n += 1
    except BlockingIOError:
        break
print("connections:", n, flush=True)
"#;
    let mut child = Command::new("python3")
        .args(["-c", script])
        .arg(port.to_string())
        .uid(uid)
        .gid(uid)
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let mut line = String::new();
    let mut stdout = std::io::BufReader::new(child.stdout.take().unwrap());
    stdout.read_line(&mut line).unwrap();
    child.stdout = Some(stdout.into_inner());
    (child, line.trim().parse().expect("the squatter's port"))
}

/// How many connections the squatter got, once told to stop.
fn squatter_connections(mut squatter: std::process::Child) -> String {
    drop(squatter.stdin.take());
    let out = squatter.wait_with_output().unwrap();
    String::from_utf8_lossy(&out.stdout).trim().to_owned()
}

/// Another user holding the `http` port would be sent every event and have its answers taken:
/// install refuses that port and writes nothing, and a session that starts while it is held is
/// told at SessionStart, with `continue: false` (by the daemon, and in-process without it).
#[test]
fn a_port_another_user_holds_is_refused_at_install_and_named_at_session_start() {
    let (_, attacker) = uids();
    let (squatter, port) = squat_as(attacker, 0);
    let home = fasthooks_e2e::Home::new();
    let project = tempfile::tempdir().unwrap();
    let guard = plugin("guard");
    let install = home.run(
        &[
            "install",
            "--plugin",
            guard.to_str().unwrap(),
            "--local",
            "--transport",
            "http",
            "--http-port",
            &port.to_string(),
            "--project-dir",
            project.path().to_str().unwrap(),
        ],
        b"",
    );
    assert_eq!(install.code, 1, "{}{}", install.stdout, install.stderr);
    assert!(
        install
            .stderr
            .contains(&format!("held by uid {attacker}, another user"))
            && install.stderr.contains("nothing was written"),
        "{}",
        install.stderr
    );
    assert!(!project.path().join(".claude").exists());

    // The port set before the other user took it: SessionStart says so, and asks to stop.
    std::fs::create_dir_all(home.path().join("data")).unwrap();
    std::fs::write(home.path().join("data/http-port"), format!("{port}\n")).unwrap();
    let session_start = serde_json::json!({
        "session_id": "s-squat", "transcript_path": "/tmp/t.jsonl", "cwd": "/tmp",
        "hook_event_name": "SessionStart", "source": "startup"
    });
    for inline in [false, true] {
        let mut args = vec!["--plugin", guard.to_str().unwrap()];
        if inline {
            args.push("--inline");
        }
        let run = home.hook(&args, &session_start);
        assert_eq!(run.code, 0, "inline {inline}: {}", run.stderr);
        let answer = run.stdout_json();
        assert_eq!(answer["continue"], false, "inline {inline}: {answer}");
        let reason = answer["stopReason"].as_str().unwrap_or_default();
        assert!(
            reason.contains(&format!("held by uid {attacker}, another user")),
            "inline {inline}: {reason}"
        );
    }
    // Other events are not stopped (only a session's start is): they are answered as ever.
    let run = home.hook(
        &["--plugin", guard.to_str().unwrap()],
        &bash_event("rm -rf /"),
    );
    assert!(run.stdout.contains("deny"), "{}", run.stdout);

    assert_eq!(squatter_connections(squatter), "connections: 0");
}
