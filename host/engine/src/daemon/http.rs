//! The `http` transport as the daemon serves it: the port kept bound (rebound every second,
//! taken from a replaced daemon's offer), what SessionStart hooks are told about it, and the
//! port offered to the daemon that replaces this one.

use super::Daemon;
use crate::http_port::PortHealth;
use std::sync::Arc;

/// The `http` transport as this daemon serves it: the port `install --transport http` set
/// (read again every second, so an install takes effect without a restart), and why it is not
/// served, if it is not.
#[derive(Default)]
pub(super) struct HttpState {
    pub(super) listener: Option<crate::http_hooks::HttpListener>,
    /// The port, bound as soon as the store was ours, before the engine started.
    pub(super) bound_early: Option<(u16, std::net::TcpListener)>,
    pub(super) error: Option<String>,
    /// What a SessionStart hook is told about the port.
    pub(super) health: PortHealth,
    /// Set once the daemon gives the port up (stopping, or handing it on): never bound again.
    pub(super) closing: bool,
}

impl HttpState {
    /// Give the port up for good: the listener, if one serves it.
    pub(super) fn close(&mut self) -> Option<crate::http_hooks::HttpListener> {
        self.closing = true;
        self.listener.take()
    }
}

/// What `http` hooks run on: the daemon's hook threads, like a Unix connection.
struct HttpRunner(std::sync::Weak<Daemon>);

impl crate::http_hooks::HookRunner for HttpRunner {
    fn run_hook(
        &self,
        request: fasthooks_ipc::HookRequest,
        event: Vec<u8>,
        answer: tokio::sync::oneshot::Sender<fasthooks_protocol::Rendered>,
    ) {
        // Dropping `answer` tells the client the hook was not run. A request accepted before
        // the daemon began to stop is still answered (it counts as a connection, which the
        // shutdown waits for).
        let Some(daemon) = self.0.upgrade() else {
            return;
        };
        let serving = daemon.clone();
        daemon.run_job(move || {
            let _ = answer.send(serving.run_hook(&request, &event));
        });
    }
}

impl Daemon {
    /// Serve `http` hooks on the configured port, if there is one; stop when it is removed.
    pub(super) fn keep_http(self: &Arc<Self>) {
        let wanted = fasthooks_ipc::http_hook::configured_port(&self.paths);
        let mut http = self.http.lock().unwrap();
        // Closing for good (stopped, or the port offered to a successor): not bound again.
        if http.closing {
            return;
        }
        let serving = http.listener.as_ref().map(|l| l.port);
        let (error, health) = match wanted {
            Err(why) => (Some(why.clone()), PortHealth::Down(why)),
            Ok(port) if port == serving => (None, PortHealth::Fine),
            Ok(None) => {
                http.listener = None;
                (None, PortHealth::Fine)
            }
            Ok(Some(port)) => {
                http.listener = None;
                let runner = Arc::new(HttpRunner(Arc::downgrade(self)));
                let bound = match http.bound_early.take() {
                    Some((early, listener)) if early == port => Ok(listener),
                    _ => crate::http_handoff::bind_or_take(&self.paths, port),
                };
                let served = bound.and_then(|listener| {
                    crate::http_hooks::serve(listener, port, &self.paths, runner)
                });
                match served {
                    Ok(listener) => {
                        http.listener = Some(listener);
                        (None, PortHealth::Fine)
                    }
                    Err(err) => (Some(err.to_string()), PortHealth::of_listen_error(&err)),
                }
            }
        };
        http.health = health;
        if error != http.error {
            if let Some(error) = &error {
                tracing::error!("{error}");
            }
            http.error = error;
        }
    }

    pub(super) fn serves_http(&self) -> bool {
        self.http.lock().unwrap().listener.is_some()
    }

    /// Stop serving `http` hooks and offer the still open port to the next daemon.
    pub(super) fn offer_http(&self) -> Option<crate::http_handoff::Offer> {
        let listener = self.http.lock().unwrap().close()?;
        let socket = listener.take_back()?;
        crate::http_handoff::offer(&self.paths, socket)
            .map_err(|err| tracing::warn!("cannot offer the http port to the next daemon: {err}"))
            .ok()
    }
}
