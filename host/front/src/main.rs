//! # fasthooks-host
//!
//! The command Claude Code runs for every hook event, and the first step of a hook's path:
//! parse the arguments, read the event, ask the daemon, print, exit. It links no WebAssembly
//! engine (process start-up is most of a hook's cost); everything else — the daemon, `--inline`,
//! the fallback when the daemon cannot be reached, the admin commands, `--help` — it hands to
//! `fasthooks-engine`, installed next to it, by `exec` with the same arguments ([`handoff`]).
//!
//! ```text
//! Claude Code ─spawn─> fasthooks-host ─ipc─> daemon (fasthooks-engine) ─> stdout, exit code
//!                          └─exec─> fasthooks-engine (subcommands, --inline, fallback)
//! ```

mod handoff;

use clap::{CommandFactory, FromArgMatches, Parser};
use fasthooks_ipc::client::{self, ClientError};
use fasthooks_ipc::hook_io::{finish, no_answer, read_event};
use fasthooks_ipc::{HookArgs, HookCommand, Paths};
use fasthooks_protocol::{HookEvent, Rendered};
use std::ffi::OsStr;
use std::process::ExitCode;

#[derive(Parser, Debug)]
#[command(
    name = "fasthooks-host",
    disable_help_flag = true,
    disable_version_flag = true
)]
struct HookCli {
    #[command(flatten)]
    hook: HookArgs,
}

fn main() -> ExitCode {
    if !is_hook_run(std::env::args_os().skip(1)) {
        return handoff::exec_engine(None, None);
    }
    // Usage errors exit 1, never clap's usual 2: to Claude Code, exit 2 from a hook means
    // "block this", and a typo in settings.json must not block every tool call.
    let matches = match HookCli::command().try_get_matches() {
        Ok(matches) => matches,
        Err(err) => {
            let _ = err.print();
            return ExitCode::from(1);
        }
    };
    let args = match HookArgs::from_arg_matches(&matches) {
        Ok(args) => args,
        Err(err) => return finish(Rendered::error(err)),
    };
    if args.inline {
        return handoff::exec_engine(None, None);
    }
    let cwd = std::env::current_dir().unwrap_or_default();
    let request = match HookCommand::parse(&args, &matches).and_then(|c| c.resolve(&cwd)) {
        Ok(request) => request,
        Err(err) => return finish(Rendered::error(err)),
    };
    let stdin = match read_event(request.limits.hook_deadline) {
        Ok(bytes) => bytes,
        Err(err) => return finish(Rendered::error(err)),
    };
    // Bad input gets the same one-line answer as in-process, without a round trip.
    if let Err(err) = HookEvent::parse(&stdin) {
        return finish(Rendered::error(err));
    }
    let paths = Paths::resolve(args.home.as_deref());
    let event = String::from_utf8(stdin.clone()).expect("a parsed event is UTF-8");
    match client::run_hook(&paths, args.home.as_deref(), &request, event) {
        Ok(rendered) => finish(rendered),
        Err(ClientError::Unavailable(why)) => handoff::exec_engine(Some(&stdin), Some(&why)),
        Err(ClientError::NoAnswer(why)) => finish(no_answer(&request, &stdin, &why)),
    }
}

/// A hook run starts with a flag and asks for neither help nor the version; anything else (a
/// subcommand, `--help`) is the engine's, which knows every command.
fn is_hook_run(mut args: impl Iterator<Item = std::ffi::OsString>) -> bool {
    let Some(first) = args.next() else {
        return false;
    };
    let help = |arg: &OsStr| matches!(arg.to_str(), Some("-h" | "--help" | "-V" | "--version"));
    first.to_str().is_some_and(|a| a.starts_with("--"))
        && !help(&first)
        && args.all(|arg| !help(&arg))
}
