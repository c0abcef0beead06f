//! The hook process's own input and output, the same in the front and in the engine's
//! in-process path: read the one event from stdin, print the answer, exit.

use crate::request::HookRequest;
use fasthooks_protocol::{HookEvent, Rendered, events, fail_closed, render};
use std::io::{IsTerminal, Read, Write};
use std::process::ExitCode;
use std::time::{Duration, Instant};

/// The largest event a hook reads (the daemon's frames are bounded the same way).
pub const MAX_EVENT_BYTES: usize = 64 << 20;

/// Why the event could not be read.
#[derive(Debug, thiserror::Error)]
pub enum InputError {
    #[error(
        "no event on stdin: Claude Code pipes one JSON event into the hook (try: fasthooks-host --plugin P < event.json)"
    )]
    Terminal,
    #[error(
        "no complete event on stdin within {} ms (--deadline-ms): Claude Code writes one JSON event",
        .0.as_millis()
    )]
    Timeout(Duration),
    #[error("the event on stdin is larger than {MAX_EVENT_BYTES} bytes")]
    TooLarge,
    #[error("cannot read stdin: {0}")]
    Read(#[from] std::io::Error),
}

/// The event, read until one complete JSON object (or array) has arrived, or stdin ends: a
/// writer that never closes stdin does not hold the hook. Bounded by `deadline` and by
/// [`MAX_EVENT_BYTES`]. A terminal on stdin means nobody is going to write one: said at once.
pub fn read_event(deadline: Duration) -> Result<Vec<u8>, InputError> {
    use std::os::fd::{AsRawFd, FromRawFd};
    let stdin = std::io::stdin();
    if stdin.is_terminal() {
        return Err(InputError::Terminal);
    }
    // Read the descriptor itself: std's buffered stdin could read past what poll() saw.
    // SAFETY: fd 0 stays open for the whole process; ManuallyDrop never closes it.
    let mut input =
        std::mem::ManuallyDrop::new(unsafe { std::fs::File::from_raw_fd(stdin.as_raw_fd()) });
    let end = Instant::now() + deadline;
    let mut bytes = Vec::with_capacity(8 << 10);
    let mut chunk = vec![0u8; 64 << 10];
    let mut scan = JsonEnd::default();
    loop {
        let left = end.saturating_duration_since(Instant::now());
        if left.is_zero() || !readable(input.as_raw_fd(), left)? {
            return Err(InputError::Timeout(deadline));
        }
        let read = match input.read(&mut chunk) {
            Ok(0) => return Ok(bytes),
            Ok(read) => read,
            Err(err) if err.kind() == std::io::ErrorKind::Interrupted => continue,
            Err(err) => return Err(err.into()),
        };
        if bytes.len() + read > MAX_EVENT_BYTES {
            return Err(InputError::TooLarge);
        }
        bytes.extend_from_slice(&chunk[..read]);
        if scan.complete_after(&chunk[..read]) {
            return Ok(bytes);
        }
    }
}

/// Wait until `fd` can be read (data or end of input), at most `timeout`.
fn readable(fd: std::os::fd::RawFd, timeout: Duration) -> std::io::Result<bool> {
    let mut poll = libc::pollfd {
        fd,
        events: libc::POLLIN,
        revents: 0,
    };
    let millis = timeout.as_millis().clamp(1, i32::MAX as u128) as i32;
    loop {
        // SAFETY: one valid pollfd.
        match unsafe { libc::poll(&mut poll, 1, millis) } {
            -1 if std::io::Error::last_os_error().kind() == std::io::ErrorKind::Interrupted => {}
            -1 => return Err(std::io::Error::last_os_error()),
            0 => return Ok(false),
            _ => return Ok(true),
        }
    }
}

/// Finds where the first top-level JSON object or array ends, across chunks: brackets counted
/// outside strings, escapes inside them honoured. Anything else is read to the end of input.
#[derive(Default)]
struct JsonEnd {
    depth: usize,
    started: bool,
    not_a_container: bool,
    in_string: bool,
    escaped: bool,
}

impl JsonEnd {
    fn complete_after(&mut self, chunk: &[u8]) -> bool {
        for &byte in chunk {
            if self.not_a_container {
                return false;
            }
            if self.in_string {
                match byte {
                    _ if self.escaped => self.escaped = false,
                    b'\\' => self.escaped = true,
                    b'"' => self.in_string = false,
                    _ => {}
                }
                continue;
            }
            match byte {
                b' ' | b'\t' | b'\n' | b'\r' if !self.started => {}
                b'{' | b'[' => {
                    self.started = true;
                    self.depth += 1;
                }
                b'}' | b']' if self.started => {
                    self.depth = self.depth.saturating_sub(1);
                    if self.depth == 0 {
                        return true;
                    }
                }
                b'"' if self.started => self.in_string = true,
                _ if !self.started => self.not_a_container = true,
                _ => {}
            }
        }
        false
    }
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

#[cfg(test)]
mod tests {
    use super::JsonEnd;

    fn ends(chunks: &[&str]) -> bool {
        let mut scan = JsonEnd::default();
        chunks.iter().any(|c| scan.complete_after(c.as_bytes()))
    }

    #[test]
    fn the_end_of_the_first_object_is_found_across_chunks() {
        assert!(ends(&[r#"{"a": {"b": [1, 2]}}"#]));
        assert!(
            ends(&[r#" {"a": "#, r#""}\"{" }"#]),
            "brackets and escapes in strings"
        );
        assert!(!ends(&[r#"{"a": "}"#]), "a bracket inside a string");
        assert!(!ends(&[r#"{"a": 1"#]));
        assert!(!ends(&["42"]), "not an object: read to the end");
        assert!(!ends(&[""]));
    }
}
