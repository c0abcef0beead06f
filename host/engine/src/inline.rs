//! A hook run in this process (`--inline`, or the front's fallback when the daemon cannot be
//! reached): the same dispatch as the daemon's, a small engine, and a watchdog that answers for
//! a plugin stuck past the deadline.

use crate::dispatch::Dispatcher;
use fasthooks_ipc::hook_io::{finish, no_answer, read_event};
use fasthooks_ipc::{FALLBACK_NOTE_ENV, HookArgs, HookCommand, HookRequest, Paths};
use fasthooks_protocol::Rendered;
use clap::ArgMatches;
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
    let watchdog = start_watchdog(&request, &stdin);
    let mut rendered = run(&paths, &request, &stdin);
    drop(watchdog);
    if let Some(why) = std::env::var_os(FALLBACK_NOTE_ENV) {
        let why = why.to_string_lossy();
        tracing::warn!("daemon unavailable, ran in-process: {why}");
        let line = fasthooks_protocol::error_line(format!(
            "daemon unavailable ({why}); ran in-process"
        ));
        rendered.stderr.insert_str(0, &format!("{line}\n"));
    }
    finish(rendered)
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

/// Run the hook in this process. Tasks it adds run here too, to completion, before it exits.
fn run(paths: &Paths, request: &HookRequest, stdin: &[u8]) -> Rendered {
    let dispatcher = match Dispatcher::in_process(paths) {
        Ok(dispatcher) => dispatcher,
        Err(err) => return Rendered::error(format!("{err:#}")),
    };
    let rendered = dispatcher.run(request, stdin);
    if let Some(tasks) = dispatcher.tasks().and_then(|t| t.if_open()) {
        if !tasks.wait_idle(request.limits.task_timeout + Duration::from_secs(1)) {
            tracing::warn!("inline tasks still running at exit");
        }
        tasks.store().flush();
    }
    rendered
}
