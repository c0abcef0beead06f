//! `install --transport http`: which entries become `http` hooks, their URLs, and the daemon
//! that must serve them.
//!
//! - Every event becomes an `http` hook on `http://127.0.0.1:PORT/hook?…`
//!   ([`fasthooks_ipc::http_hook`]), except those Claude Code runs only as commands
//!   (SessionStart, Setup) and those that block only by exit code (TaskCompleted,
//!   TeammateIdle), which keep the command transport.
//! - A SessionStart command entry is always written (for every source): it starts the daemon
//!   before the session's first `http` hook, and tells the user when the port is not served.
//!   A daemon serving `http` hooks does not exit when idle.
//! - The `http` transport cannot fail closed: when the daemon is down, Claude Code treats the
//!   hook as a non-blocking error and goes on without it. An install with `--fail-closed`
//!   keeps the command transport, and says so; so does one with `--allow-env` (an `http` hook
//!   runs in the daemon, which does not see the session's environment).
//! - It is per machine (a port here, absolute paths, a signature made with this home's key,
//!   [`fasthooks_ipc::http_key`]): `--local` or `--user`, never a project's committed settings.

use super::settings::Entry;
use crate::cli::Target;
use anyhow::anyhow;
use fasthooks_ipc::http_hook::{self, DEFAULT_PORT};
use fasthooks_ipc::http_key::UrlKey;
use fasthooks_ipc::wire::{Reply, Request};
use fasthooks_ipc::{Grant, HookCommand, Paths, client};
use std::path::Path;

/// Events Claude Code runs as commands only, or that can block only by exit code.
const COMMAND_ONLY: [&str; 4] = ["SessionStart", "Setup", "TaskCompleted", "TeammateIdle"];

/// Can this installation use the `http` transport? Refused for a project's shared settings; a
/// command that must fail closed or reads the session's environment keeps the command
/// transport, with a note saying why.
pub fn http_allowed(
    target: &Target,
    command: &HookCommand,
    notes: &mut Vec<String>,
) -> anyhow::Result<bool> {
    if !target.user && !target.local {
        return Err(anyhow!(
            "--transport http is set up per machine (a port on this machine, absolute paths), \
             so it does not belong in a project's shared settings: add --local or --user"
        ));
    }
    let keep = |why: &str| {
        format!(
            "note: {why}, so these entries keep the command transport (--transport http ignored)"
        )
    };
    if command.fail_closed {
        notes.push(keep(
            "--fail-closed needs the command transport: when the daemon is down, Claude Code \
             treats an http hook as a non-blocking error and goes on",
        ));
        return Ok(false);
    }
    let env = command
        .plugins
        .iter()
        .flat_map(|p| &p.grants)
        .any(|g| matches!(g, Grant::Env(_)));
    if env {
        notes.push(keep(
            "--allow-env reads the session's environment, which an http hook (run in the \
             daemon) does not see",
        ));
        return Ok(false);
    }
    Ok(true)
}

/// A SessionStart entry for every source: the command that starts the daemon.
pub fn add_session_start(entries: &mut Vec<Entry>) {
    match entries.iter_mut().find(|e| e.event == "SessionStart") {
        Some(entry) => entry.matcher = None,
        None => entries.push(Entry {
            event: "SessionStart".to_owned(),
            matcher: None,
        }),
    }
}

/// The port: the one given, else the one set before, else [`DEFAULT_PORT`].
pub fn port(given: Option<u16>, paths: &Paths) -> anyhow::Result<u16> {
    if let Some(port) = given {
        if port == 0 {
            return Err(anyhow!(
                "--http-port 0: give a fixed port (Claude Code's URL names it)"
            ));
        }
        return Ok(port);
    }
    let set = http_hook::configured_port(paths).map_err(|err| anyhow!(err))?;
    Ok(set.unwrap_or(DEFAULT_PORT))
}

/// Refuse a port another user listens on: Claude Code would post this user's events there and
/// take that user's answers. Checked before anything is written.
pub fn refuse_foreign_port(port: u16) -> anyhow::Result<()> {
    let me = fasthooks_ipc::private::current_uid();
    let owners = fasthooks_ipc::loopback::tcp_listener_owners(port).unwrap_or_default();
    match owners.into_iter().find(|&uid| uid != me) {
        Some(uid) => Err(anyhow!(
            "127.0.0.1:{port} is held by uid {uid}, another user: Claude Code would send them your \
             hook events and take their answers; nothing was written. Pick another port \
             (--http-port N), or find the process (`ss -ltnp 'sport = :{port}'`)"
        )),
        None => Ok(()),
    }
}

/// The URL of each entry that becomes an `http` hook (SessionEnd's with the deadline that fits
/// its budget, as its command would have), signed with this home's key (made now if need be).
pub fn urls(
    paths: &Paths,
    port: u16,
    entries: &[Entry],
    command: &HookCommand,
    home_words: &[String],
    hook_timeout: Option<u64>,
) -> anyhow::Result<Vec<(String, String)>> {
    let key = UrlKey::load_or_create(paths).map_err(|err| anyhow!(err))?;
    let words = |command: &HookCommand| [command.to_args(), home_words.to_vec()].concat();
    let urls = entries
        .iter()
        .filter(|e| !COMMAND_ONLY.contains(&e.event.as_str()))
        .map(|entry| {
            let mut command = command.clone();
            if entry.event == "SessionEnd"
                && let Some(deadline) = super::checks::session_end_deadline(&command, hook_timeout)
            {
                command.deadline_ms = Some(deadline);
            }
            (
                entry.event.clone(),
                http_hook::url(port, &words(&command), &key),
            )
        })
        .collect();
    Ok(urls)
}

/// Keep the port for this home's daemons and make sure one serves it now; what to tell the
/// user about it.
pub fn serve(paths: &Paths, home: Option<&Path>, port: u16) -> Vec<String> {
    let mut notes = vec![format!(
        "note: http transport: Claude Code posts these events to the daemon on 127.0.0.1:{port}; \
         when it is down, Claude Code goes on without the hook (an http hook cannot fail closed: \
         guards that must, install with --transport command)"
    )];
    if let Err(err) = http_hook::set_port(paths, port) {
        notes.push(format!(
            "warning: cannot keep the port in {}: {err}; the daemon will not serve http hooks",
            http_hook::port_file(paths).display()
        ));
        return notes;
    }
    if let Err(why) = client::ensure_daemon(paths, home) {
        notes.push(format!(
            "warning: the daemon could not be started ({why}); the SessionStart hook tries again"
        ));
        return notes;
    }
    match client::ask(paths, Request::Status) {
        Ok(Some(Reply::Status(status))) if status.http_port == Some(port) => {}
        Ok(Some(Reply::Status(status))) => notes.push(format!(
            "warning: the daemon does not serve 127.0.0.1:{port}: {}",
            status.http_error.unwrap_or_else(|| format!(
                "it is fasthooks-host {}, which predates the http transport; run `fasthooks-host daemon stop`",
                status.identity.version
            ))
        )),
        _ => notes.push(
            "warning: the daemon does not answer; see `fasthooks-host doctor`".to_owned(),
        ),
    }
    notes
}
