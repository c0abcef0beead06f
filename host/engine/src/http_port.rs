//! Who holds the `http` port, and what a SessionStart hook tells the user about it: nothing when
//! this user's daemon serves it, a `systemMessage` when nobody does, and, when another user
//! listens there (Claude Code would send them every event and take their answers), that alone
//! with `continue: false`.

use fasthooks_ipc::Paths;
use fasthooks_protocol::Rendered;

/// What became of the `http` port, as a SessionStart hook tells the user.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub enum PortHealth {
    /// No `http` transport configured, or this user's daemon serves it.
    #[default]
    Fine,
    /// Nobody of this user serves it: `http` hooks fail, and Claude Code goes on without them.
    Down(String),
    /// Another user listens there: Claude Code would send them every `http` event (prompts,
    /// tool inputs, file contents) and take their answers (an allowed tool call, added context).
    Foreign { port: u16, uid: u32 },
}

impl PortHealth {
    /// Asked of the kernel now, for a hook run without the daemon (so a listener, even this
    /// user's, is not the daemon).
    pub fn probe(paths: &Paths) -> PortHealth {
        let port = match fasthooks_ipc::http_hook::configured_port(paths) {
            Ok(Some(port)) => port,
            Ok(None) => return PortHealth::Fine,
            Err(why) => return PortHealth::Down(why),
        };
        let me = fasthooks_ipc::private::current_uid();
        match fasthooks_ipc::loopback::tcp_listener_owners(port) {
            Ok(owners) => match owners.iter().find(|&&uid| uid != me) {
                Some(&uid) => PortHealth::Foreign { port, uid },
                None if owners.is_empty() => PortHealth::Down(format!(
                    "nobody serves 127.0.0.1:{port}: the daemon is not running"
                )),
                // A daemon's socket is there: the daemon holds the port (it may just be too
                // busy, or of another build, to take this hook).
                None if paths.socket().exists() => PortHealth::Fine,
                // No daemon at all, yet a process of this user listens: a program posing as one.
                None => PortHealth::Down(format!(
                    "127.0.0.1:{port} is held by a process of yours that is not the daemon (no \
                     daemon runs): find it with `ss -ltnp 'sport = :{port}'`"
                )),
            },
            Err(err) => PortHealth::Down(format!("cannot tell who holds 127.0.0.1:{port}: {err}")),
        }
    }

    /// What a daemon that cannot listen on the port tells a session's start.
    pub fn of_listen_error(err: &crate::http_hooks::ListenError) -> PortHealth {
        let me = fasthooks_ipc::private::current_uid();
        match *err {
            crate::http_hooks::ListenError::Taken {
                port,
                holder: Some(uid),
            } if uid != me => PortHealth::Foreign { port, uid },
            _ => PortHealth::Down(err.to_string()),
        }
    }

    /// The line that says what is wrong, if anything.
    fn line(&self) -> Option<String> {
        match self {
            PortHealth::Fine => None,
            PortHealth::Down(why) => Some(format!(
                "fasthooks-host: http hooks will fail (Claude Code goes on without them): {why}"
            )),
            PortHealth::Foreign { port, uid } => Some(format!(
                "fasthooks-host: 127.0.0.1:{port}, where this session's http hooks go, is held by \
                 uid {uid}, another user: Claude Code sends them your hook events and takes \
                 their answers. End this session now; find the process (`ss -ltnp 'sport = \
                 :{port}'`), or move to another port (`fasthooks-host install --transport http \
                 --http-port N`), or back to `--transport command`"
            )),
        }
    }
}

/// A SessionStart hook's answer, told what became of the `http` port (the SessionStart command
/// entry of an `http` install exists for this): unchanged when all is well; a `systemMessage`
/// when the port is not served. When another user holds it, the answer is that message alone,
/// with `continue: false`, whatever the plugins said. (Claude Code 2.1.197 does not end a
/// session for a SessionStart's `continue: false`: the message asks the user to.)
pub fn at_session_start(rendered: Rendered, event: &[u8], health: &PortHealth) -> Rendered {
    let Some(line) = health.line() else {
        return rendered;
    };
    let is_session_start = serde_json::from_slice::<serde_json::Value>(event)
        .ok()
        .is_some_and(|e| e["hook_event_name"] == "SessionStart");
    if !is_session_start {
        return rendered;
    }
    if matches!(health, PortHealth::Foreign { .. }) {
        tracing::error!("{line}");
        let stop = serde_json::json!({
            "continue": false,
            "stopReason": line,
            "systemMessage": line,
        });
        return Rendered {
            stdout: stop.to_string(),
            stderr: String::new(),
            exit_code: 0,
        };
    }
    if rendered.exit_code != 0 {
        return rendered;
    }
    let mut output: serde_json::Map<String, serde_json::Value> =
        serde_json::from_str(&rendered.stdout).unwrap_or_default();
    let message = match output.get("systemMessage").and_then(|m| m.as_str()) {
        Some(said) => format!("{said}\n{line}"),
        None => line,
    };
    output.insert("systemMessage".into(), message.into());
    Rendered {
        stdout: serde_json::Value::Object(output).to_string(),
        ..rendered
    }
}
