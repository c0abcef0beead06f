//! The per-user daemon: owns the engine, the compiled plugins, the task store and the worker
//! pool, so background tasks outlive the hook processes that start them.
//!
//! - Exactly one per store: an exclusive `flock` on `daemon.lock` next to the store (the data
//!   directory, not the runtime directory, which can vanish) is held for the daemon's whole
//!   life (it is the store's owner, see `fasthooks_tasks::owner`); a second daemon exits as
//!   soon as the first listens, and one that finds the store owned by a hook run in-process
//!   waits for it to finish, then runs what it left.
//! - Found through `run/daemon.sock` in a 0700 directory; the socket is 0600. If the socket goes
//!   (the runtime directory deleted, say), the daemon listens again within a quarter second,
//!   so hooks find it rather than start another.
//! - Started by a hook, it leaves the hook's process tree at once (`daemon run --detach` forks
//!   and the parent exits): killing the hook and everything under it, as Claude Code does on a
//!   timeout, leaves the daemon and its compiles and tasks running.
//! - Exits after `idle_timeout` with no request and no pending or running task.
//! - A client of a newer version, or of a later build of this version, asks it to step aside: it
//!   stops accepting, puts its running tasks back in the queue (the next daemon runs them again)
//!   and exits. Earlier builds of this version are served; older versions run in-process.

mod http;

use crate::dispatch::Dispatcher;
use crate::hook_threads::HookThreads;
use crate::plugin::PluginLoader;
use crate::runtime::{EngineSettings, new_engine, start_epoch_ticker};
use crate::task_runner::PluginTaskRunner;
use anyhow::Context;
use fasthooks_ipc::Paths;
use fasthooks_ipc::wire::{self as ipc, DaemonStatus, Envelope, Identity, Reply, Request};
use fasthooks_tasks::{
    RemoteCall, Store, StoreOwner, Takeover, TaskAccess, TaskAnswer, TaskConfig, TaskService,
};
use http::HttpState;
use std::os::unix::fs::PermissionsExt;
use std::os::unix::net::{UnixListener, UnixStream};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering};
use std::time::{Duration, Instant};

const REQUEST_READ_TIMEOUT: Duration = Duration::from_secs(10);
/// How long a starting daemon waits for the store's owner to let go (a daemon stopping, or a
/// hook run in-process finishing its tasks within its deadline) before it leaves it be.
const OWNER_WAIT: Duration = Duration::from_secs(70);
pub const IDLE_TIMEOUT_ENV: &str = "FASTHOOKS_IDLE_TIMEOUT_SECS";
pub const WORKERS_ENV: &str = "FASTHOOKS_WORKERS";
pub const MAX_QUEUED_ENV: &str = "FASTHOOKS_MAX_QUEUED_PER_SESSION";
pub const MAX_STORED_ENV: &str = "FASTHOOKS_MAX_STORED_BYTES_PER_PLUGIN";

#[derive(Debug, Clone, Copy)]
pub struct DaemonConfig {
    pub idle_timeout: Duration,
    /// Was the idle timeout set (`FASTHOOKS_IDLE_TIMEOUT_SECS`)? If not, a daemon serving
    /// `http` hooks never exits for being idle: Claude Code cannot start it.
    pub idle_timeout_set: bool,
    pub tasks: TaskConfig,
}

impl DaemonConfig {
    /// Defaults, overridden by `FASTHOOKS_IDLE_TIMEOUT_SECS`, `FASTHOOKS_WORKERS` and
    /// `FASTHOOKS_MAX_QUEUED_PER_SESSION`, `FASTHOOKS_MAX_STORED_BYTES_PER_PLUGIN` (the hook process passes its environment on when it
    /// starts the daemon, so these can be set in settings.json's `env`).
    pub fn from_env() -> DaemonConfig {
        let number = |name: &str| {
            std::env::var(name)
                .ok()
                .and_then(|v| v.trim().parse::<u64>().ok())
        };
        let mut tasks = TaskConfig::default();
        if let Some(workers) = number(WORKERS_ENV).filter(|&n| n > 0) {
            tasks.workers = workers as usize;
        }
        if let Some(max) = number(MAX_QUEUED_ENV).filter(|&n| n > 0) {
            tasks.max_queued_per_session = max as usize;
        }
        if let Some(max) = number(MAX_STORED_ENV).filter(|&n| n > 0) {
            tasks.max_stored_bytes_per_plugin = max;
        }
        let idle_timeout = number(IDLE_TIMEOUT_ENV);
        DaemonConfig {
            idle_timeout: Duration::from_secs(idle_timeout.unwrap_or(600)),
            idle_timeout_set: idle_timeout.is_some(),
            tasks,
        }
    }
}

struct Daemon {
    dispatcher: Arc<Dispatcher>,
    stats: Arc<crate::stats::HookStats>,
    tasks: Arc<TaskService>,
    identity: Identity,
    config: DaemonConfig,
    started: Instant,
    store_path: String,
    last_activity_ms: AtomicU64,
    connections: AtomicUsize,
    stopping: AtomicBool,
    socket: std::path::PathBuf,
    /// The socket file this daemon listens on, to notice when it is gone or replaced.
    socket_id: std::sync::Mutex<Option<(u64, u64)>>,
    paths: Paths,
    pool: HookThreads,
    http: std::sync::Mutex<HttpState>,
}

/// Leave the process tree of the hook that started us: fork, and let the parent exit. Done
/// first thing, while this process has one thread.
pub fn detach() {
    // SAFETY: no other thread exists yet; the child only continues this program.
    match unsafe { libc::fork() } {
        0 => {}
        -1 => tracing::warn!("cannot fork to detach: {}", std::io::Error::last_os_error()),
        _ => std::process::exit(0),
    }
}

/// The (device, inode) of the socket file at `path`, if there is one.
fn socket_id(path: &std::path::Path) -> Option<(u64, u64)> {
    use std::os::unix::fs::MetadataExt;
    std::fs::symlink_metadata(path)
        .ok()
        .map(|meta| (meta.dev(), meta.ino()))
}

fn bind(socket: &std::path::Path) -> anyhow::Result<UnixListener> {
    let _ = std::fs::remove_file(socket);
    let listener = UnixListener::bind(socket)
        .with_context(|| format!("cannot listen on {}", socket.display()))?;
    let _ = std::fs::set_permissions(socket, std::fs::Permissions::from_mode(0o600));
    Ok(listener)
}

fn accept_loop(daemon: Arc<Daemon>, listener: UnixListener) {
    for connection in listener.incoming() {
        if daemon.stopping.load(Ordering::SeqCst) {
            break;
        }
        let Ok(stream) = connection else { continue };
        let serving = daemon.clone();
        daemon.run_job(move || serving.serve(stream));
    }
}

/// Run the daemon in this process until it is idle, stopped or replaced.
pub fn run(paths: &Paths, config: DaemonConfig) -> anyhow::Result<()> {
    paths
        .ensure_private_runtime_dir()
        .context("runtime directory")?;
    // What an older version or a umask left readable by others is tightened now.
    for dir in paths.all() {
        fasthooks_ipc::private::tighten_tree(dir);
    }
    // One daemon: if the lock is held, either a live daemon answers (we are not needed), or the
    // holder is on its way out: a daemon stopping, or a hook run in-process finishing its tasks
    // (for at most its deadline). Wait for it, then take over its queue.
    // A daemon replaced by a newer build offers its http socket before it lets the store go.
    let configured_http = fasthooks_ipc::http_hook::configured_port(paths)
        .ok()
        .flatten();
    let handed_over = configured_http.and_then(|port| crate::http_handoff::take(paths, port));
    let socket = paths.socket();
    let owner = StoreOwner::take_within(&paths.data, OWNER_WAIT, || {
        UnixStream::connect(&socket).is_ok()
    })
    .with_context(|| format!("cannot own the store in {}", paths.data.display()))?;
    let Some(owner) = owner else {
        // Another daemon won: the http socket we were handed goes on to it, still open.
        if let Some(socket) = handed_over
            && let Ok(offer) = crate::http_handoff::offer(paths, socket)
        {
            offer.wait();
        }
        return Ok(());
    };
    // The `http` port first: the one the daemon this one replaces handed over, or bound now
    // (the daemon before has just let it go).
    let bound_early = configured_http.and_then(|port| {
        let socket = handed_over.or_else(|| crate::http_hooks::bind(port).ok())?;
        Some((port, socket))
    });

    let engine = new_engine(EngineSettings::for_daemon())
        .map_err(|err| anyhow::anyhow!("cannot start the WebAssembly engine: {err:#}"))?;
    start_epoch_ticker(&engine);
    let loader = Arc::new(
        PluginLoader::new(engine, paths)
            .map_err(|err| anyhow::anyhow!("cannot link host interfaces: {err:#}"))?,
    );
    let store = Store::open(&paths.data, &owner)?;
    let store_path = store.path().display().to_string();
    let tasks = TaskService::open(store, owner, config.tasks, Takeover::RunEverything)?;
    tasks.start_workers(Arc::new(PluginTaskRunner {
        loader: loader.clone(),
    }));
    let stats = Arc::new(crate::stats::HookStats::default());
    let dispatcher = Arc::new(
        Dispatcher::new(loader, Some(TaskAccess::ready(tasks.clone())))
            .with_stats(stats.clone())
            .with_log_file(paths.log_file()),
    );

    let daemon = Arc::new(Daemon {
        dispatcher,
        stats,
        tasks,
        identity: Identity::current(),
        config,
        started: Instant::now(),
        store_path,
        last_activity_ms: AtomicU64::new(0),
        connections: AtomicUsize::new(0),
        stopping: AtomicBool::new(false),
        socket_id: std::sync::Mutex::new(None),
        socket: socket.clone(),
        paths: paths.clone(),
        pool: HookThreads::default(),
        http: std::sync::Mutex::new(HttpState {
            bound_early,
            ..HttpState::default()
        }),
    });
    // `http` first: once the socket answers, `daemon status` can tell whether it is served.
    daemon.keep_http();
    let listener = bind(&socket)?;
    *daemon.socket_id.lock().unwrap() = socket_id(&socket);
    tracing::info!(pid = std::process::id(), socket = %socket.display(), "daemon started");
    let accepting = daemon.clone();
    std::thread::Builder::new()
        .name("fasthooks-accept".into())
        .spawn(move || accept_loop(accepting, listener))
        .context("cannot start the accept thread")?;
    // The store stays owned (its lock held by the task service) until the process exits.
    daemon.janitor_loop();
    Ok(())
}

impl Daemon {
    /// Run `job` (a connection, or an `http` hook) on a hook thread, counted as a connection
    /// while it runs.
    fn run_job(self: &Arc<Self>, job: impl FnOnce() + Send + 'static) {
        self.touch();
        self.connections.fetch_add(1, Ordering::SeqCst);
        let daemon = self.clone();
        let counted = Box::new(move || {
            job();
            daemon.touch();
            daemon.connections.fetch_sub(1, Ordering::SeqCst);
        });
        if let Err(err) = self.pool.run(counted) {
            tracing::error!("cannot start a hook thread: {err}");
            self.connections.fetch_sub(1, Ordering::SeqCst);
        }
    }

    fn touch(&self) {
        self.last_activity_ms
            .store(self.started.elapsed().as_millis() as u64, Ordering::SeqCst);
    }

    fn serve(self: &Arc<Self>, mut stream: UnixStream) {
        // Only this user's hooks: the socket's directory is private, and the peer is checked.
        let me = fasthooks_ipc::private::current_uid();
        match fasthooks_ipc::private::peer_uid(&stream) {
            Ok(uid) if uid == me => {}
            other => {
                tracing::warn!(peer = ?other, "refused a connection from another user");
                return;
            }
        }
        // A client that connects and never sends must not hold a thread forever.
        let _ = stream.set_read_timeout(Some(REQUEST_READ_TIMEOUT));
        let envelope: Envelope = match ipc::read_frame(&mut stream) {
            Ok(envelope) => envelope,
            // A client that only checked the daemon listens.
            Err(err) if err.kind() == std::io::ErrorKind::UnexpectedEof => return,
            Err(err) => {
                tracing::warn!("unreadable request: {err}");
                return;
            }
        };
        if envelope.is_stale() {
            tracing::warn!("a request arrived after its client had given up on it: dropped");
            return;
        }
        if envelope.client != self.identity {
            // Only a hook replaces the daemon: a task call from a newer hook run in-process
            // is answered like one from this build.
            let hook = matches!(envelope.request, Request::Hook { .. });
            if hook && envelope.client.supersedes(&self.identity) {
                // The http port goes to the successor still open: it is never free between us.
                let offer = self.offer_http();
                let _ = ipc::write_frame(
                    &mut stream,
                    &Reply::Replaced {
                        daemon: self.identity.clone(),
                    },
                );
                tracing::info!(client = ?envelope.client, "replaced by a newer fasthooks-host");
                self.shut_down(1, offer);
                return;
            }
            let admin = matches!(
                envelope.request,
                Request::Status
                    | Request::Stats
                    | Request::Stop
                    | Request::Tasks { .. }
                    | Request::CancelMatching { .. }
            );
            // An earlier build of this version shares the daemon; an older version does not.
            if !admin && !envelope.client.compatible_with(&self.identity) {
                let _ = ipc::write_frame(
                    &mut stream,
                    &Reply::TooOld {
                        daemon: self.identity.clone(),
                    },
                );
                return;
            }
        }
        let reply = match envelope.request {
            Request::Hook { request, event } => {
                if ipc::write_frame(&mut stream, &Reply::Accepted).is_err() {
                    return;
                }
                let rendered = self.run_hook(&request, event.as_bytes());
                let health = self.http.lock().unwrap().health.clone();
                Reply::Hook(crate::http_port::at_session_start(
                    rendered,
                    event.as_bytes(),
                    &health,
                ))
            }
            Request::Status => {
                // Answered as of now: an `install --transport http` a moment ago shows.
                self.keep_http();
                Reply::Status(self.status())
            }
            Request::Stats => Reply::Stats(self.stats.snapshot()),
            Request::Tasks { session } => Reply::Tasks(
                self.tasks
                    .list(session.as_deref())
                    .iter()
                    .map(|t| t.summary())
                    .collect(),
            ),
            Request::CancelMatching {
                key,
                plugin,
                session,
            } => {
                match self.tasks.cancel_matching(
                    key.as_deref(),
                    plugin.as_deref(),
                    session.as_deref(),
                ) {
                    Ok(count) => Reply::Cancelled(count),
                    Err(err) => Reply::Error(err.to_string()),
                }
            }
            Request::TaskCall(call) => {
                let (answer, taken) = self.answer_task_call(call);
                if ipc::write_frame(&mut stream, &Reply::TaskAnswer(answer)).is_err() {
                    // The client never got them: they go back for the next pop.
                    if let Err(err) = self.tasks.settle(&taken, false) {
                        tracing::warn!("results a client did not receive not put back: {err}");
                    }
                }
                return;
            }
            Request::Stop => {
                let _ = ipc::write_frame(&mut stream, &Reply::Stopping);
                self.shut_down(1, None);
                return;
            }
        };
        let _ = ipc::write_frame(&mut stream, &reply);
    }

    fn run_hook(
        &self,
        request: &fasthooks_ipc::HookRequest,
        event: &[u8],
    ) -> fasthooks_protocol::Rendered {
        let started = Instant::now();
        let rendered = self.dispatcher.run(request, event);
        tracing::debug!(
            elapsed_us = started.elapsed().as_micros() as u64,
            exit = rendered.exit_code,
            "hook handled"
        );
        rendered
    }

    /// A guest's task or state call from a hook run in-process: answered as if the guest ran
    /// here, since this daemon owns the store. Also the ids of results it took, if any.
    fn answer_task_call(&self, call: serde_json::Value) -> (serde_json::Value, Vec<i64>) {
        let answer = serde_json::from_value::<RemoteCall>(call)
            .map_err(|err| format!("unreadable task call: {err}"))
            .and_then(|call| self.tasks.answer(&call.namespace, call.call));
        let taken = answer
            .as_ref()
            .map(TaskAnswer::taken_ids)
            .unwrap_or_default();
        self.tasks.handed_to_another_process(&taken);
        let value = serde_json::to_value(answer).unwrap_or_else(|err| {
            serde_json::to_value(Err::<(), String>(err.to_string())).unwrap_or_default()
        });
        (value, taken)
    }

    fn status(&self) -> DaemonStatus {
        let (http_port, http_error) = {
            let http = self.http.lock().unwrap();
            (http.listener.as_ref().map(|l| l.port), http.error.clone())
        };
        DaemonStatus {
            pid: std::process::id(),
            identity: self.identity.clone(),
            uptime_ms: self.started.elapsed().as_millis() as u64,
            workers: self.tasks.config().workers,
            pending_or_running: self.tasks.active_count(),
            idle_timeout_secs: self.idle_timeout().map_or(0, |t| t.as_secs()),
            store: self.store_path.clone(),
            http_port,
            http_error,
        }
    }

    /// How long this daemon stays up with nothing to do; None: until it is stopped.
    fn idle_timeout(&self) -> Option<Duration> {
        (self.config.idle_timeout_set || !self.serves_http()).then_some(self.config.idle_timeout)
    }

    /// Stop for good: no new connections, hooks in flight answered (for up to a few seconds),
    /// running tasks back to the queue, store committed. `callers` is how many connections are
    /// the ones asking (a stop or replace request holds one itself).
    /// An `offer` of the http port is waited for before the process exits.
    fn shut_down(&self, callers: usize, offer: Option<crate::http_handoff::Offer>) {
        if self.stopping.swap(true, Ordering::SeqCst) {
            return;
        }
        // The http port closes before the socket goes, so that once `daemon stop` sees the
        // socket gone, nothing answers there either (a port handed on was taken already).
        let serving = self.http.lock().unwrap().close();
        drop(serving.and_then(|listener| listener.take_back()));
        let _ = std::fs::remove_file(&self.socket);
        let drain_deadline = Instant::now() + Duration::from_secs(5);
        while self.connections.load(Ordering::SeqCst) > callers && Instant::now() < drain_deadline {
            std::thread::sleep(Duration::from_millis(5));
        }
        self.tasks.stop(Duration::from_secs(5));
        if let Some(offer) = offer {
            offer.wait();
        }
        tracing::info!(pid = std::process::id(), "daemon stopped");
        std::process::exit(0);
    }

    /// The socket went (or another file took its place): listen on a fresh one.
    fn listen_again(self: &Arc<Self>) {
        tracing::warn!(socket = %self.socket.display(), "the socket is gone (was the runtime directory removed?): listening again");
        if let Err(err) = self.paths.ensure_private_runtime_dir() {
            tracing::error!("cannot recreate the runtime directory: {err}");
            return;
        }
        match bind(&self.socket) {
            Ok(listener) => {
                *self.socket_id.lock().unwrap() = socket_id(&self.socket);
                let accepting = self.clone();
                let _ = std::thread::Builder::new()
                    .name("fasthooks-accept".into())
                    .spawn(move || accept_loop(accepting, listener));
            }
            Err(err) => tracing::error!("{err:#}"),
        }
    }

    fn janitor_loop(self: Arc<Self>) {
        let mut last_purge = Instant::now();
        let mut last_http_check = Instant::now();
        loop {
            std::thread::sleep(Duration::from_millis(250));
            if !self.stopping.load(Ordering::SeqCst)
                && last_http_check.elapsed() >= Duration::from_secs(1)
            {
                self.keep_http();
                last_http_check = Instant::now();
            }
            if !self.stopping.load(Ordering::SeqCst)
                && socket_id(&self.socket) != *self.socket_id.lock().unwrap()
            {
                self.listen_again();
            }
            if last_purge.elapsed() >= Duration::from_secs(5) {
                self.tasks.purge_expired();
                last_purge = Instant::now();
            }
            let idle_for = self.started.elapsed().saturating_sub(Duration::from_millis(
                self.last_activity_ms.load(Ordering::SeqCst),
            ));
            let busy = self.connections.load(Ordering::SeqCst) > 0 || self.tasks.active_count() > 0;
            if busy {
                self.touch();
            } else if self.idle_timeout().is_some_and(|limit| idle_for >= limit) {
                tracing::info!(idle_secs = idle_for.as_secs(), "idle: exiting");
                self.shut_down(0, None);
            }
        }
    }
}
