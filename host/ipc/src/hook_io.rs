//! The hook process's own input and output, the same in the front and in the engine's
//! in-process path: read the one event from stdin, print the answer, exit.

use crate::request::HookRequest;
use fasthooks_protocol::{HookEvent, Rendered, events, fail_closed, render};
use std::io::{IsTerminal, Read, Write};
use std::process::ExitCode;

/// Why the event could not be read.
#[derive(Debug, thiserror::Error)]
pub enum InputError {
    #[error(
        "no event on stdin: Claude Code pipes one JSON event into the hook (try: fasthooks-host --plugin P < event.json)"
    )]
    Terminal,
    #[error("cannot read stdin: {0}")]
    Read(#[from] std::io::Error),
}

/// The whole event. A terminal on stdin means nobody is going to write one: say so at once.
pub fn read_event() -> Result<Vec<u8>, InputError> {
    let mut stdin = std::io::stdin().lock();
    if stdin.is_terminal() {
        return Err(InputError::Terminal);
    }
    let mut bytes = Vec::with_capacity(8 << 10);
    stdin.read_to_end(&mut bytes)?;
    Ok(bytes)
}

/// Print and exit. Stdout gets the whole answer in one write, or nothing.
pub fn finish(rendered: Rendered) -> ExitCode {
    if !rendered.stdout.is_empty() {
        let mut out = std::io::stdout().lock();
        let _ = out.write_all(format!("{}\n", rendered.stdout).as_bytes());
        let _ = out.flush();
    }
    if !rendered.stderr.is_empty() {
        let _ = std::io::stderr().write_all(rendered.stderr.as_bytes());
    }
    ExitCode::from(u8::try_from(rendered.exit_code).unwrap_or(1))
}

/// The hook could not be answered in time: fail open (exit 1), or deny a permission event
/// under `--fail-closed`.
pub fn no_answer(request: &HookRequest, stdin: &[u8], why: &str) -> Rendered {
    let why = format!("no answer in time ({why})");
    let event = HookEvent::parse(stdin).map(|e| e.name).unwrap_or_default();
    if request.fail_closed && events::fails_closed(&event) {
        let mut rendered = render(&event, &fail_closed(&why));
        rendered.stderr = format!("{}\n", fasthooks_protocol::error_line(&why));
        return rendered;
    }
    Rendered::error(why)
}
