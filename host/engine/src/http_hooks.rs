//! The `http` transport: the daemon answers Claude Code `http` hooks on loopback, so a hook
//! costs no process at all.
//!
//! ```text
//! Claude Code ─POST /hook?plugin=…─> 127.0.0.1:PORT (this module) ─> the daemon's hook threads
//!             <─200 + the answer's JSON──────────────────────────────┘
//! ```
//!
//! Who may ask, checked in this order (a refused request is never run):
//! - **The peer's uid**, on every connection: the kernel's owner of the other end
//!   ([`fasthooks_ipc::loopback`]) must be this user, as for the Unix socket. Another user's
//!   connection is closed before a byte is read.
//! - **A URL install wrote**: the query must carry this home's signature
//!   ([`fasthooks_ipc::http_key`]), so a process of this user kept off the Unix socket and the
//!   files cannot name a plugin or a grant of its choosing; and it never grants the environment
//!   nor fails closed, which install never writes. Refused with 403 before anything is parsed.
//! - **Not a web page**: a browser run by this same user could otherwise post to loopback. A
//!   request with an `Origin` header, a `Host` other than this address, or a body that is not
//!   `application/json` (which a page cannot send without a CORS preflight nobody answers) is
//!   refused with 403 or 415.
//!
//! The listener can be taken back still open ([`HttpListener::take_back`]): a daemon replaced by
//! a newer build hands it on ([`crate::http_handoff`]), so the port is never free between them.
//!
//! The query is the hook command ([`fasthooks_ipc::http_hook`]); the body is the event, as on
//! stdin. The answer is the command transport's stdout with 200 (an empty body when it says
//! nothing). A failure the command transport reports on stderr with exit 1 is a 500 with that
//! line: Claude Code shows it as a non-blocking error, the same as exit 1. An event that can
//! block only by exit code (TaskCompleted, TeammateIdle) cannot be answered over `http`;
//! `install` keeps such events on the command transport.

use bytes::Bytes;
use fasthooks_ipc::http_key::{SignatureError, UrlKey};
use fasthooks_ipc::{HookRequest, Paths};
use fasthooks_protocol::Rendered;
use http::{Method, StatusCode, header};
use http_body_util::{BodyExt, Full, Limited};
use std::net::{Ipv4Addr, SocketAddr, SocketAddrV4};
use std::sync::Arc;
use tokio::sync::oneshot;

/// What serves a hook once it has been let in: the daemon, on its hook threads.
pub trait HookRunner: Send + Sync + 'static {
    fn run_hook(&self, request: HookRequest, event: Vec<u8>, answer: oneshot::Sender<Rendered>);
}

/// At most this many connections at once (each is cheap, but not free).
const MAX_CONNECTIONS: usize = 256;

/// How many refusals are logged one by one in each [`RefusalLog::WINDOW`]: another user flooding
/// the port must not flood the log (and rotate away what it held) too.
#[derive(Default)]
struct RefusalLog {
    window: std::sync::Mutex<Option<(std::time::Instant, u64)>>,
}

impl RefusalLog {
    const WINDOW: std::time::Duration = std::time::Duration::from_secs(10);
    const LINES_PER_WINDOW: u64 = 20;

    /// Should this refusal be logged? `Some(n)`: yes, and `n` before it were not.
    fn log_one(&self) -> Option<u64> {
        let mut window = self.window.lock().unwrap();
        let now = std::time::Instant::now();
        match window.as_mut() {
            Some((start, count)) if now.duration_since(*start) < Self::WINDOW => {
                *count += 1;
                (*count <= Self::LINES_PER_WINDOW).then_some(0)
            }
            Some((start, count)) => {
                let unlogged = count.saturating_sub(Self::LINES_PER_WINDOW);
                (*start, *count) = (now, 1);
                Some(unlogged)
            }
            None => {
                *window = Some((now, 1));
                Some(0)
            }
        }
    }
}

/// The accept queue: connections that wait while the accept thread checks others (a flood of
/// refused ones included) are not dropped by the kernel.
const BACKLOG: i32 = 4096;

/// A running `http` listener; dropping it stops accepting (and closes the port).
pub struct HttpListener {
    pub port: u16,
    stop: Option<oneshot::Sender<TakeBack>>,
}

/// Where the accept loop gives its listening socket back when asked to stop that way.
type TakeBack = std::sync::mpsc::Sender<std::net::TcpListener>;

/// How long the connections being served get to finish once the listener is taken back.
const DRAIN_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(5);

impl HttpListener {
    /// Stop accepting and take the listening socket back, still open (connections that arrive
    /// now wait in its queue), to hand it to the next daemon. Requests being served are
    /// answered; idle kept-alive connections are closed.
    pub fn take_back(mut self) -> Option<std::net::TcpListener> {
        let (reply, socket) = std::sync::mpsc::channel();
        self.stop.take()?.send(reply).ok()?;
        socket.recv_timeout(std::time::Duration::from_secs(2)).ok()
    }
}

/// Why the `http` transport is not served.
#[derive(Debug, thiserror::Error)]
pub enum ListenError {
    #[error(
        "127.0.0.1:{port} is taken by {}: http hooks cannot be served. \
         Stop that process, or pick another port with `install --transport http --http-port N`",
        holder.map(|uid| format!("uid {uid}")).unwrap_or_else(|| "another process".into())
    )]
    Taken { port: u16, holder: Option<u32> },
    #[error("cannot listen on 127.0.0.1:{port}: {source}")]
    Io { port: u16, source: std::io::Error },
}

/// Bind 127.0.0.1:`port` (a daemon does it first thing, so the port is never free for long
/// while one takes over from another); [`serve`] then serves it.
pub fn bind(port: u16) -> Result<std::net::TcpListener, ListenError> {
    let address = SocketAddrV4::new(Ipv4Addr::LOCALHOST, port);
    std::net::TcpListener::bind(address).map_err(|source| {
        if source.kind() == std::io::ErrorKind::AddrInUse {
            // Another user's listener, if there is one, is the one to name.
            let me = fasthooks_ipc::private::current_uid();
            let holder = fasthooks_ipc::loopback::tcp_listener_owners(port)
                .ok()
                .and_then(|owners| owners.iter().copied().max_by_key(|&uid| uid != me));
            ListenError::Taken { port, holder }
        } else {
            ListenError::Io { port, source }
        }
    })
}

/// Serve hooks on `listener` (bound to 127.0.0.1:`port`), on a thread of its own, until the
/// returned listener is dropped.
pub fn serve(
    listener: std::net::TcpListener,
    port: u16,
    paths: &Paths,
    runner: Arc<dyn HookRunner>,
) -> Result<HttpListener, ListenError> {
    let address = SocketAddrV4::new(Ipv4Addr::LOCALHOST, port);
    let io_error = |source| ListenError::Io { port, source };
    listener.set_nonblocking(true).map_err(io_error)?;
    // listen(2) again on a listening socket sets its backlog (std binds with 128).
    use std::os::fd::AsRawFd;
    // SAFETY: listen(2) on a socket this function owns.
    if unsafe { libc::listen(listener.as_raw_fd(), BACKLOG) } != 0 {
        return Err(io_error(std::io::Error::last_os_error()));
    }
    let (stop, stopped) = oneshot::channel::<TakeBack>();
    let server = Arc::new(Server {
        port,
        home: paths.clone(),
        runner,
        me: fasthooks_ipc::private::current_uid(),
        connections: Arc::new(tokio::sync::Semaphore::new(MAX_CONNECTIONS)),
        parsed: Default::default(),
        key: Default::default(),
        key_checked: Default::default(),
        refusals: RefusalLog::default(),
    });
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_io()
        .enable_time()
        .build()
        .map_err(io_error)?;
    std::thread::Builder::new()
        .name("fasthooks-http".into())
        .spawn(move || runtime.block_on(server.accept_loop(listener, stopped)))
        .map_err(io_error)?;
    tracing::info!(%address, "serving http hooks");
    Ok(HttpListener {
        port,
        stop: Some(stop),
    })
}

struct Server {
    port: u16,
    home: Paths,
    runner: Arc<dyn HookRunner>,
    me: u32,
    connections: Arc<tokio::sync::Semaphore>,
    /// Hook commands by query: parsing one builds the command-line grammar, which costs more
    /// than the rest of the request, and a settings file has a handful of URLs.
    parsed: std::sync::Mutex<std::collections::HashMap<String, Arc<ParsedQuery>>>,
    /// This home's URL key, once there is one, with the identity of the file it was read from.
    key: std::sync::Mutex<Option<(UrlKey, Option<KeyFileId>)>>,
    /// When the key file was last looked at.
    key_checked: std::sync::Mutex<Option<std::time::Instant>>,
    refusals: RefusalLog,
}

/// How often a serving daemon looks whether the key file changed.
const KEY_CHECK_INTERVAL: std::time::Duration = std::time::Duration::from_secs(1);

/// A key file's device, inode and modification time: another value means another key.
type KeyFileId = (u64, u64, i64, i64);

fn key_file_id(home: &Paths) -> Option<KeyFileId> {
    use std::os::unix::fs::MetadataExt;
    let meta = std::fs::metadata(fasthooks_ipc::http_key::key_file(home)).ok()?;
    Some((meta.dev(), meta.ino(), meta.mtime(), meta.mtime_nsec()))
}

type ParsedQuery = Result<(fasthooks_ipc::HookCommand, Option<std::path::PathBuf>), Refused>;

/// A request refused with this status and this line.
#[derive(Debug, Clone)]
struct Refused(StatusCode, String);

fn bad_request(why: impl Into<String>) -> Refused {
    Refused(StatusCode::BAD_REQUEST, why.into())
}

/// Refuse what `install` never writes into a URL, whoever signed it: a grant of the daemon's
/// environment (it is not the session's) and `--fail-closed` (an `http` hook cannot fail
/// closed).
fn only_what_install_writes(
    (command, home): (fasthooks_ipc::HookCommand, Option<std::path::PathBuf>),
) -> ParsedQuery {
    if command.fail_closed {
        return Err(bad_request(
            "--fail-closed needs the command transport: an http hook cannot fail closed",
        ));
    }
    let env = command
        .plugins
        .iter()
        .flat_map(|p| &p.grants)
        .any(|g| matches!(g, fasthooks_ipc::Grant::Env(_)));
    if env {
        return Err(bad_request(
            "an http hook cannot grant the environment: the daemon's is not the session's",
        ));
    }
    Ok((command, home))
}

/// At most this many queries are kept parsed (more are parsed again each time).
const MAX_PARSED_QUERIES: usize = 64;

type Answer = http::Response<Full<Bytes>>;

fn answer(status: StatusCode, content_type: &str, body: impl Into<Bytes>) -> Answer {
    let mut response = http::Response::new(Full::new(body.into()));
    *response.status_mut() = status;
    if let Ok(value) = header::HeaderValue::from_str(content_type) {
        response.headers_mut().insert(header::CONTENT_TYPE, value);
    }
    response
}

/// A refusal or failure: one line, as the command transport prints it on stderr.
fn refusal(status: StatusCode, why: impl std::fmt::Display) -> Answer {
    let line = fasthooks_protocol::render::error_line(why);
    answer(status, "text/plain; charset=utf-8", format!("{line}\n"))
}

impl Server {
    async fn accept_loop(
        self: Arc<Self>,
        listener: std::net::TcpListener,
        mut stopped: oneshot::Receiver<TakeBack>,
    ) {
        let listener = match tokio::net::TcpListener::from_std(listener) {
            Ok(listener) => listener,
            Err(err) => {
                tracing::error!("cannot serve http hooks: {err}");
                return;
            }
        };
        let (draining, drain) = tokio::sync::watch::channel(false);
        let take_back = loop {
            let accepted = tokio::select! {
                accepted = listener.accept() => accepted,
                stop = &mut stopped => break stop.ok(),
            };
            let Ok((stream, peer)) = accepted else {
                continue;
            };
            if !self.is_ours(&stream, peer) {
                continue;
            }
            let Ok(permit) = self.connections.clone().try_acquire_owned() else {
                tracing::warn!("{MAX_CONNECTIONS} http connections open: one more refused");
                continue;
            };
            let _ = stream.set_nodelay(true);
            let server = self.clone();
            let mut drain = drain.clone();
            tokio::spawn(async move {
                let service = hyper::service::service_fn(move |request| {
                    let server = server.clone();
                    async move { Ok::<_, std::convert::Infallible>(server.answer(request).await) }
                });
                let connection = hyper::server::conn::http1::Builder::new()
                    .serve_connection(wasmtime_wasi_http::io::TokioIo::new(stream), service);
                let mut connection = std::pin::pin!(connection);
                tokio::select! {
                    _ = connection.as_mut() => {}
                    _ = drain.changed() => {
                        connection.as_mut().graceful_shutdown();
                        let _ = connection.await;
                    }
                }
                drop(permit);
            });
        };
        let Some(reply) = take_back else {
            tracing::info!(port = self.port, "stopped serving http hooks");
            return;
        };
        match listener.into_std() {
            Ok(socket) => {
                let _ = reply.send(socket);
            }
            Err(err) => tracing::error!("cannot take the http socket back: {err}"),
        }
        // What is being answered is answered (within a bound); idle connections close.
        let _ = draining.send(true);
        let all = MAX_CONNECTIONS as u32;
        let _ = tokio::time::timeout(DRAIN_TIMEOUT, self.connections.acquire_many(all)).await;
        tracing::info!(
            port = self.port,
            "stopped serving http hooks: the port was handed on"
        );
    }

    /// Is the other end of this connection a process of this user? Asked of the kernel.
    fn is_ours(&self, stream: &tokio::net::TcpStream, peer: SocketAddr) -> bool {
        let (Ok(SocketAddr::V4(local)), SocketAddr::V4(peer)) = (stream.local_addr(), peer) else {
            return false;
        };
        match fasthooks_ipc::loopback::tcp_socket_owner(peer, local) {
            Ok(uid) if uid == self.me => true,
            other => {
                if let Some(unlogged) = self.refusals.log_one() {
                    if unlogged > 0 {
                        tracing::warn!(
                            "{unlogged} more http connections from other users were refused, unlogged"
                        );
                    }
                    tracing::warn!(peer = %peer, owner = ?other, "refused an http connection from another user");
                }
                false
            }
        }
    }

    async fn answer(&self, request: http::Request<hyper::body::Incoming>) -> Answer {
        if let Err(refused) = self.admit(&request) {
            return refused;
        }
        let query = request.uri().query().unwrap_or("").to_owned();
        let limit = fasthooks_ipc::hook_io::MAX_EVENT_BYTES;
        let event = match Limited::new(request.into_body(), limit).collect().await {
            Ok(body) => body.to_bytes().to_vec(),
            Err(err) if err.is::<http_body_util::LengthLimitError>() => {
                return refusal(
                    StatusCode::PAYLOAD_TOO_LARGE,
                    format!("the event is larger than {limit} bytes"),
                );
            }
            Err(err) => {
                return refusal(
                    StatusCode::BAD_REQUEST,
                    format!("the event could not be read: {err}"),
                );
            }
        };
        let hook = match self.hook_request(&query) {
            Ok(hook) => hook,
            Err(Refused(status, why)) => return refusal(status, why),
        };
        let (sender, receiver) = oneshot::channel();
        self.runner.run_hook(hook, event, sender);
        match receiver.await {
            Ok(rendered) => Self::rendered(rendered),
            Err(_) => refusal(
                StatusCode::SERVICE_UNAVAILABLE,
                "the daemon is stopping: the hook was not run",
            ),
        }
    }

    /// Refuse what is not a hook from this user's Claude Code (see the module's docs).
    #[allow(clippy::result_large_err)]
    fn admit(&self, request: &http::Request<hyper::body::Incoming>) -> Result<(), Answer> {
        if request.uri().path() != fasthooks_ipc::http_hook::HOOK_PATH {
            return Err(refusal(
                StatusCode::NOT_FOUND,
                format!(
                    "no such path: hooks are posted to {}",
                    fasthooks_ipc::http_hook::HOOK_PATH
                ),
            ));
        }
        if request.method() != Method::POST {
            return Err(refusal(StatusCode::METHOD_NOT_ALLOWED, "hooks are POSTed"));
        }
        let headers = request.headers();
        if headers.contains_key(header::ORIGIN) {
            return Err(refusal(
                StatusCode::FORBIDDEN,
                "a request from a web page (it has an Origin header) is refused",
            ));
        }
        let host = headers
            .get(header::HOST)
            .and_then(|value| value.to_str().ok())
            .unwrap_or("");
        let port = self.port.to_string();
        let host_ok = ["127.0.0.1", "localhost"].iter().any(|name| {
            host.strip_prefix(name)
                .and_then(|rest| rest.strip_prefix(':'))
                == Some(&port)
        });
        if !host_ok {
            return Err(refusal(
                StatusCode::FORBIDDEN,
                format!("Host {host:?} is not 127.0.0.1:{port}: refused"),
            ));
        }
        let json = headers
            .get(header::CONTENT_TYPE)
            .and_then(|value| value.to_str().ok())
            .and_then(|value| value.split(';').next())
            .is_some_and(|kind| kind.trim().eq_ignore_ascii_case("application/json"));
        if !json {
            return Err(refusal(
                StatusCode::UNSUPPORTED_MEDIA_TYPE,
                "the event must be sent as application/json",
            ));
        }
        Ok(())
    }

    /// The hook the URL's query names, resolved as the command transport resolves its
    /// arguments (paths must be absolute: there is no working directory to read them from).
    fn hook_request(&self, query: &str) -> Result<HookRequest, Refused> {
        let parsed = self.parsed_query(query);
        let (command, home) = parsed.as_ref().as_ref().map_err(Clone::clone)?;
        if let Some(home) = home
            && Paths::under(home).data != self.home.data
        {
            return Err(bad_request(format!(
                "this daemon serves another fasthooks home than {}",
                home.display()
            )));
        }
        if let Some(plugin) = command.plugins.iter().find(|p| !p.path.is_absolute()) {
            return Err(bad_request(format!(
                "plugin path {} is relative: an http hook names plugins by absolute path",
                plugin.path.display()
            )));
        }
        command
            .resolve(std::path::Path::new("/"))
            .map_err(|err| bad_request(err.to_string()))
    }

    /// The hook command of a signed query (kept: only signed queries are kept, so a query found
    /// here was checked before).
    fn parsed_query(&self, query: &str) -> Arc<ParsedQuery> {
        self.notice_a_new_key();
        if let Some(parsed) = self.parsed.lock().unwrap().get(query) {
            return parsed.clone();
        }
        if let Err(refused) = self.check_signature(query) {
            return Arc::new(Err(refused));
        }
        let parsed = Arc::new(
            fasthooks_ipc::http_hook::command_of_query(query)
                .map_err(bad_request)
                .and_then(only_what_install_writes),
        );
        let mut cache = self.parsed.lock().unwrap();
        if cache.len() < MAX_PARSED_QUERIES {
            cache.insert(query.to_owned(), parsed.clone());
        }
        parsed
    }

    /// A key file that is not the one read (made since, or replaced): forget the key and every
    /// query checked with it, so a URL signed with a key no longer there is refused. Looked at
    /// once per [`KEY_CHECK_INTERVAL`] at most, not on every hook.
    fn notice_a_new_key(&self) {
        {
            let mut checked = self.key_checked.lock().unwrap();
            if checked.is_some_and(|at| at.elapsed() < KEY_CHECK_INTERVAL) {
                return;
            }
            *checked = Some(std::time::Instant::now());
        }
        let now = key_file_id(&self.home);
        let mut key = self.key.lock().unwrap();
        if key.as_ref().map(|(_, seen)| *seen) != Some(now) {
            *key = None;
            self.parsed.lock().unwrap().clear();
        }
    }

    /// Is `query` signed with this home's key? The key is read once it exists (the first
    /// `install --transport http` may come after the daemon started).
    fn check_signature(&self, query: &str) -> Result<(), Refused> {
        let forbidden = |why: String| Refused(StatusCode::FORBIDDEN, why);
        let mut key = self.key.lock().unwrap();
        if key.is_none() {
            let seen = key_file_id(&self.home);
            *key = UrlKey::load(&self.home)
                .map_err(forbidden)?
                .map(|loaded| (loaded, seen));
        }
        let Some((key, _)) = key.as_ref() else {
            return Err(forbidden(
                SignatureError::NoKey(
                    "this home has no URL key: run `install --transport http` again".into(),
                )
                .to_string(),
            ));
        };
        key.verify(query)
            .map(drop)
            .map_err(|err| forbidden(err.to_string()))
    }

    fn rendered(rendered: Rendered) -> Answer {
        match rendered.exit_code {
            0 => answer(StatusCode::OK, "application/json", rendered.stdout),
            2 => refusal(
                StatusCode::INTERNAL_SERVER_ERROR,
                format!(
                    "{} (this event can block only by exit code, which an http hook cannot give: \
                     install it with --transport command)",
                    rendered.stderr.trim_end()
                ),
            ),
            _ => answer(
                StatusCode::INTERNAL_SERVER_ERROR,
                "text/plain; charset=utf-8",
                rendered.stderr,
            ),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_flood_of_refusals_is_logged_a_few_lines_at_a_time() {
        let log = RefusalLog::default();
        let logged = (0..100).filter(|_| log.log_one().is_some()).count();
        assert_eq!(logged as u64, RefusalLog::LINES_PER_WINDOW);
        // The next window starts with a line that counts what went unlogged.
        let started = std::time::Instant::now() - RefusalLog::WINDOW;
        log.window.lock().unwrap().as_mut().unwrap().0 = started;
        assert_eq!(log.log_one(), Some(100 - RefusalLog::LINES_PER_WINDOW));
        assert_eq!(log.log_one(), Some(0));
    }
}
