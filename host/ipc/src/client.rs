//! The hook process's side of the daemon: connect (starting the daemon if there is none), send
//! one request, wait for the answer. Every step has a deadline; when the daemon cannot be
//! reached the caller runs the hook in-process instead, so a hook never hangs Claude Code.

use crate::paths::Paths;
use crate::private::TrustError;
use crate::request::HookRequest;
use crate::wire::{self as ipc, Envelope, Identity, Reply, Request};
use fasthooks_protocol::Rendered;
use std::io;
use std::os::unix::net::UnixStream;
use std::os::unix::process::CommandExt;
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// How long a hook waits for a freshly started daemon to listen.
const START_DEADLINE: Duration = Duration::from_secs(3);
/// How long before the client of [`ask_within`] gives up the daemon must have taken the request.
const TAKE_BEFORE_GIVING_UP: Duration = Duration::from_secs(1);

/// How long a connected daemon has to acknowledge a request before it is considered hung.
const ACK_DEADLINE: Duration = Duration::from_secs(2);

/// Why a hook got no answer from the daemon.
#[derive(Debug, thiserror::Error)]
pub enum ClientError {
    /// No daemon could be reached or it did not take the request: run the hook in-process.
    #[error("{0}")]
    Unavailable(String),
    /// The daemon took the request but did not answer in time: running it again in-process
    /// would only double the wait, so the hook fails (open, unless --fail-closed).
    #[error("{0}")]
    NoAnswer(String),
}

/// The longest a hook waits for the daemon's answer once the daemon has taken the request:
/// the hook's deadline (every plugin call ends before it) and a moment to send the answer.
pub fn answer_deadline(request: &HookRequest) -> Duration {
    request.limits.hook_deadline + Duration::from_millis(500)
}

pub fn run_hook(
    paths: &Paths,
    home_flag: Option<&Path>,
    request: &HookRequest,
    event: String,
) -> Result<Rendered, ClientError> {
    use ClientError::{NoAnswer, Unavailable};
    let identity = Identity::current();
    let answer_deadline = answer_deadline(request);
    let mut envelope = Envelope {
        client: identity,
        request: Request::Hook {
            request: request.clone(),
            event,
        },
        accept_by_ms: None,
    };
    // A replaced daemon exits; the second attempt starts its successor.
    for _attempt in 0..3 {
        let mut stream = connect_or_start(paths, home_flag).map_err(Unavailable)?;
        envelope.accept_by_ms = Some(ipc::monotonic_ms() + ACK_DEADLINE.as_millis() as u64);
        // A stopped or stuck daemon must not hold the hook: a large event fills the socket's
        // buffer, so writing is bounded as well as reading.
        stream
            .set_read_timeout(Some(ACK_DEADLINE))
            .and_then(|()| stream.set_write_timeout(Some(ACK_DEADLINE)))
            .map_err(|e| Unavailable(e.to_string()))?;
        ipc::write_frame(&mut stream, &envelope)
            .map_err(|err| Unavailable(format!("cannot send to the daemon: {err}")))?;
        match ipc::read_frame::<Reply>(&mut stream) {
            Ok(Reply::Accepted) => {}
            Ok(Reply::Replaced { .. }) => {
                wait_until_gone(paths);
                continue;
            }
            Ok(Reply::TooOld { daemon }) => {
                return Err(Unavailable(format!(
                    "the running daemon is a newer fasthooks-host ({})",
                    daemon.version
                )));
            }
            Ok(other) => return Err(Unavailable(format!("unexpected daemon reply {other:?}"))),
            Err(err) => {
                return Err(Unavailable(format!(
                    "the daemon did not acknowledge within {ACK_DEADLINE:?}: {err}"
                )));
            }
        }
        stream
            .set_read_timeout(Some(answer_deadline))
            .map_err(|e| NoAnswer(e.to_string()))?;
        return match ipc::read_frame::<Reply>(&mut stream) {
            Ok(Reply::Hook(rendered)) => Ok(rendered),
            Ok(Reply::Error(err)) => Err(NoAnswer(err)),
            Ok(other) => Err(NoAnswer(format!("unexpected daemon reply {other:?}"))),
            // Gone before answering (killed, crashed): the hook runs in-process instead.
            Err(err)
                if !matches!(
                    err.kind(),
                    io::ErrorKind::WouldBlock | io::ErrorKind::TimedOut
                ) =>
            {
                Err(Unavailable(format!(
                    "the daemon ended before answering: {err}"
                )))
            }
            Err(err) => Err(NoAnswer(format!(
                "no answer from the daemon within {answer_deadline:?}: {err}"
            ))),
        };
    }
    Err(Unavailable("the daemon kept being replaced".into()))
}

/// Connect to the daemon's socket, but only through a runtime directory that can be trusted
/// and only to a daemon of this user: a check of the directory before (see
/// [`crate::private::verify_dir`]) and of the peer's uid after (SO_PEERCRED). `Ok(None)`: no
/// daemon listens.
fn connect_trusted(paths: &Paths) -> Result<Option<UnixStream>, String> {
    match crate::private::verify_dir(&paths.runtime) {
        Ok(()) => {}
        // Not there yet: no daemon either; starting one creates it privately.
        Err(TrustError::Io { source, .. }) if source.kind() == io::ErrorKind::NotFound => {
            return Ok(None);
        }
        Err(err) => return Err(format!("untrusted runtime directory: {err}")),
    }
    let socket = paths.socket();
    let stream = match UnixStream::connect(&socket) {
        Ok(stream) => stream,
        Err(err) if is_absent(&err) => return Ok(None),
        Err(err) => return Err(format!("cannot connect to {}: {err}", socket.display())),
    };
    let me = crate::private::current_uid();
    match crate::private::peer_uid(&stream) {
        Ok(uid) if uid == me => Ok(Some(stream)),
        Ok(uid) => Err(format!(
            "{} is served by uid {uid}, not by you (uid {me}): not talking to it",
            socket.display()
        )),
        Err(err) => Err(format!(
            "cannot check who serves {}: {err}",
            socket.display()
        )),
    }
}

/// Does a daemon of this user listen on the socket (through a trusted runtime directory)?
pub fn daemon_listening(paths: &Paths) -> bool {
    matches!(connect_trusted(paths), Ok(Some(_)))
}

/// Send a non-hook request to a running daemon (never starts one). `Ok(None)`: none running.
pub fn ask(paths: &Paths, request: Request) -> Result<Option<Reply>, String> {
    ask_within(paths, request, Duration::from_secs(10))
}

/// [`ask`], giving up when the request cannot be sent or answered within `limit`.
pub fn ask_within(
    paths: &Paths,
    request: Request,
    limit: Duration,
) -> Result<Option<Reply>, String> {
    let Some(mut stream) = connect_trusted(paths)? else {
        return Ok(None);
    };
    stream
        .set_read_timeout(Some(limit))
        .and_then(|()| stream.set_write_timeout(Some(limit)))
        .map_err(|e| e.to_string())?;
    ipc::write_frame(
        &mut stream,
        &Envelope {
            client: Identity::current(),
            request,
            // Taken a second before the client gives up, or not at all: what the daemon
            // does for it then has time to reach the client.
            accept_by_ms: Some(
                ipc::monotonic_ms()
                    + limit.saturating_sub(TAKE_BEFORE_GIVING_UP).as_millis() as u64,
            ),
        },
    )
    .map_err(|e| e.to_string())?;
    ipc::read_frame(&mut stream)
        .map(Some)
        .map_err(|err| format!("no answer from the daemon: {err}"))
}

fn is_absent(err: &io::Error) -> bool {
    matches!(
        err.kind(),
        io::ErrorKind::NotFound | io::ErrorKind::ConnectionRefused
    )
}

/// Make sure a daemon listens, starting one if none does (as a hook would).
pub fn ensure_daemon(paths: &Paths, home_flag: Option<&Path>) -> Result<(), String> {
    connect_or_start(paths, home_flag).map(drop)
}

fn connect_or_start(paths: &Paths, home_flag: Option<&Path>) -> Result<UnixStream, String> {
    if let Some(stream) = connect_trusted(paths)? {
        return Ok(stream);
    }
    let mut child = start_daemon(paths, home_flag)?;
    let deadline = Instant::now() + START_DEADLINE;
    let mut child_exited_at = None;
    loop {
        if let Some(stream) = connect_trusted(paths)? {
            return Ok(stream);
        }
        // A daemon that exited with an error will not come; one that exited 0 lost the race to
        // another starting daemon, which gets a moment more to listen.
        if child_exited_at.is_none()
            && let Ok(Some(status)) = child.try_wait()
        {
            if !status.success() {
                return Err(format!(
                    "the daemon failed to start ({status}); see {}",
                    paths.log_file().display()
                ));
            }
            child_exited_at = Some(Instant::now());
        }
        if Instant::now() > deadline {
            return Err(format!(
                "the daemon did not start listening within {START_DEADLINE:?}"
            ));
        }
        std::thread::sleep(Duration::from_millis(2));
    }
}

/// Start a daemon in the background (detached from this process's session and tree), for
/// `paths`; it exits at once if one already runs.
pub fn start_daemon(paths: &Paths, home_flag: Option<&Path>) -> Result<Child, String> {
    paths
        .ensure_private_runtime_dir()
        .map_err(|err| format!("untrusted runtime directory: {err}"))?;
    let exe =
        std::env::current_exe().map_err(|err| format!("cannot find my own executable: {err}"))?;
    let mut command = Command::new(exe);
    command.args(["daemon", "run", "--detach"]);
    if let Some(home) = home_flag {
        command.arg("--home").arg(home);
    }
    command
        .current_dir("/")
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null());
    // SAFETY: setsid is async-signal-safe; it detaches the daemon from the hook's session and
    // process group, so Claude Code ending the hook does not end the daemon. (`--detach` then
    // leaves the hook's process tree too: the process this starts forks and exits at once.)
    unsafe {
        command.pre_exec(|| {
            libc::setsid();
            Ok(())
        });
    }
    command
        .spawn()
        .map_err(|err| format!("cannot start the daemon: {err}"))
}

fn wait_until_gone(paths: &Paths) {
    let socket = paths.socket();
    let deadline = Instant::now() + Duration::from_secs(5);
    while socket.exists() && Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(5));
    }
}
