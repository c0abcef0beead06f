//! A hook run in this process (`--inline`, or the front's fallback when the daemon cannot be
//! reached): the same dispatch as the daemon's, a small engine, a watchdog that answers for a
//! plugin stuck past the deadline, and the answer printed before any background task it added
//! runs (those run after, until the hook's deadline).

use crate::dispatch::Dispatcher;
use clap::ArgMatches;
use fasthooks_ipc::hook_io::{finish, no_answer, read_event};
use fasthooks_ipc::{FALLBACK_NOTE_ENV, HookArgs, HookCommand, HookRequest, Paths};
use fasthooks_protocol::Rendered;
use std::process::ExitCode;
use std::time::Duration;

pub fn run_hook(args: &HookArgs, matches: &ArgMatches) -> ExitCode {
    let cwd = std::env::current_dir().unwrap_or_default();
    let request = match HookCommand::parse(args, matches).and_then(|c| c.resolve(&cwd)) {
        Ok(request) => request,
        Err(err) => return finish(Rendered::error(err)),
    };
    let stdin = match read_event(request.limits.hook_deadline) {
        Ok(bytes) => bytes,
        Err(err) => return finish(Rendered::error(err)),
    };
    let paths = Paths::resolve(args.home.as_deref());
    crate::logging::init(paths.logs.clone());
    // A guest blocked in a host call (a sleep, a socket read) is out of the epoch deadline's
    // reach: the watchdog answers for it so the hook never outlives its deadline.
    let started = std::time::Instant::now();
    let watchdog = start_watchdog(&request, &stdin);
    let dispatcher = match Dispatcher::in_process(&paths) {
        Ok(dispatcher) => dispatcher,
        Err(err) => return finish(Rendered::error(format!("{err:#}"))),
    };
    let mut rendered = dispatcher.run(&request, &stdin);
    drop(watchdog);
    // No daemon here: who holds the `http` port is asked of the kernel.
    if std::str::from_utf8(&stdin).is_ok_and(|e| e.contains("SessionStart")) {
        let health = crate::http_port::PortHealth::probe(&paths);
        rendered = crate::http_port::at_session_start(rendered, &stdin, &health);
    }
    if let Some(why) = std::env::var_os(FALLBACK_NOTE_ENV) {
        let why = why.to_string_lossy();
        tracing::warn!("daemon unavailable, ran in-process: {why}");
        let line =
            fasthooks_protocol::error_line(format!("daemon unavailable ({why}); ran in-process"));
        rendered.stderr.insert_str(0, &format!("{line}\n"));
    }
    // The answer goes out now, and stdout and stderr are closed: background tasks this hook
    // added never delay it or put it at risk.
    let code = finish(rendered);
    close_output();
    finish_tasks(&dispatcher, &request, started, args.home.as_deref());
    code
}

/// Tasks added in this process (when it owns the store) run here, after the answer, until they
/// finish or the hook's deadline passes. One still running then goes back to the queue, and a
/// daemon started now runs it once this process has exited.
fn finish_tasks(
    dispatcher: &Dispatcher,
    request: &HookRequest,
    started: std::time::Instant,
    home: Option<&std::path::Path>,
) {
    let Some(tasks) = dispatcher.tasks().and_then(|t| t.if_owned()) else {
        return;
    };
    // The time left, less what handing a running task back takes.
    let left = request
        .limits
        .hook_deadline
        .saturating_sub(started.elapsed())
        .saturating_sub(HAND_BACK);
    let wait = left.min(request.limits.task_timeout + Duration::from_secs(1));
    if !tasks.wait_idle(wait) {
        tracing::warn!(
            "in-process tasks still running at the hook's deadline ({wait:?} waited): queued again for the daemon"
        );
    }
    tasks.stop(HAND_BACK);
    // Tasks still to run outlive this hook: a daemon takes them over once this process lets
    // go of the store (it waits for that), even when every hook runs `--inline`.
    if tasks.has_unfinished() {
        let paths = Paths::resolve(home);
        if let Err(err) = fasthooks_ipc::client::start_daemon(&paths, home) {
            tracing::warn!("tasks left for a daemon, which could not be started: {err}");
        }
    }
}

/// How long a task still running at the deadline has to let go (one epoch tick is enough for
/// guest code); one stuck in a host call past it stays "running" in the store, and the next
/// owner fails it "host restarted".
const HAND_BACK: Duration = Duration::from_millis(200);

/// Point stdout and stderr at /dev/null, so whoever reads them sees their end at once.
fn close_output() {
    use std::os::fd::AsRawFd;
    if let Ok(null) = std::fs::OpenOptions::new().write(true).open("/dev/null") {
        // SAFETY: both descriptors are valid; dup2 atomically replaces 1 and 2.
        unsafe {
            libc::dup2(null.as_raw_fd(), 1);
            libc::dup2(null.as_raw_fd(), 2);
        }
    }
}

/// Ends the process with a fail-open (or --fail-closed) answer unless dropped first.
fn start_watchdog(request: &HookRequest, stdin: &[u8]) -> std::sync::mpsc::Sender<()> {
    let (done, dispatched) = std::sync::mpsc::channel::<()>();
    let deadline = fasthooks_ipc::client::answer_deadline(request);
    let (request, stdin) = (request.clone(), stdin.to_vec());
    std::thread::spawn(move || {
        if let Err(std::sync::mpsc::RecvTimeoutError::Timeout) = dispatched.recv_timeout(deadline) {
            tracing::error!("hook not answered within {deadline:?}: giving up");
            let rendered = no_answer(
                &request,
                &stdin,
                &format!("the plugins did not answer within {deadline:?}"),
            );
            let code = rendered.exit_code;
            finish(rendered);
            std::process::exit(code);
        }
    });
    done
}
