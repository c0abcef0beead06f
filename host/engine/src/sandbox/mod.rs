//! The sandbox one plugin instance runs in: a fresh `Store` holding only what the user granted
//! that plugin, with bounded memory, instances and time.
//!
//! Deny by default: no files, no network, no environment, no sub-agent. Guest stdout and stderr
//! are captured into the host log, never into the hook's stdout (which belongs to Claude Code).
//!
//! - [`write_policy`]: what a plugin may change inside its write grants (`.claude/`, `.git/`,
//!   links).
//! - [`filesystem`]: the guest's `wasi:filesystem`, applying that policy.
//! - [`host_places`]: fasthooks' own directories, which no grant reaches.
//! - [`hidden_root`]: the empty `/` a plugin sees outside its grants, so a path no grant
//!   covers is refused by the host with a line naming the grant, not "No such file".
//! - [`network`]: outgoing TCP and name lookups of the granted hosts only.
//! - [`http`]: outgoing HTTP (`wasi:http`) under the granted URLs only, capped and rate-limited.
//! - Granted directories are opened one component at a time without following links: a link
//!   anywhere on a grant's path (one a plugin swapped in, say) fails the open.

pub mod filesystem;
pub mod hidden_root;
pub mod host_places;
pub mod http;
pub mod network;
pub mod write_policy;

use crate::call::{CallContext, PluginId, WALL_MARGIN};
use fasthooks_ipc::{Grants, TaskSandbox};
use fasthooks_tasks::{Namespace, TaskAccess};
use filesystem::{GuardedFilesystem, GuardedView};
use network::{GuardedNameLookup, NameLookupView, NetPolicy};
use std::os::fd::{AsRawFd, FromRawFd, OwnedFd};
use std::path::{Component, Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};
use wasmtime::component::{Linker, ResourceTable};
use wasmtime::{Engine, ResourceLimiter, Store, UpdateDeadline};
use wasmtime_wasi::p2::pipe::MemoryOutputPipe;
use wasmtime_wasi::sockets::SocketAddrUse;
use wasmtime_wasi::{FsPerms, WasiCtx, WasiCtxBuilder, WasiCtxView, WasiView};
use write_policy::WritePolicy;

/// Bytes of guest stdout/stderr kept per call for the log.
const CAPTURED_OUTPUT_BYTES: usize = 1 << 20;

/// The most host resources (streams, descriptors, HTTP requests and headers, ...) one instance
/// may hold at once. What a guest can make the host hold outside its own linear memory is
/// bounded by this times the largest resource (16 KiB of buffered request body, 32 KiB of
/// headers: [`http`]).
pub const MAX_RESOURCES: usize = 4096;

/// Why the host stopped a running instance.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Interruption {
    DeadlineExceeded,
    Cancelled,
}

/// The data of one `Store`: one plugin instance, one call (or one task).
pub struct InstanceState {
    wasi: WasiCtx,
    table: ResourceTable,
    write_policy: WritePolicy,
    /// Lines logged for paths outside the grants ([`hidden_root`]), bounded per instance.
    hidden_lines: u32,
    /// A grant contains fasthooks' own directories: opens for reading are checked too.
    guard_host_places: bool,
    net_policy: Arc<NetPolicy>,
    http_ctx: wasmtime_wasi_http::WasiHttpCtx,
    http: http::GuardedHttp,
    limits: MemoryLimiter,
    pub plugin: Arc<PluginId>,
    pub plugin_sha256: String,
    pub session_id: String,
    /// The session's working directory.
    pub cwd: String,
    pub grants: Arc<Grants>,
    pub deadline: Instant,
    /// When the call ends by the wall clock, whatever the guest is doing: the deadline plus
    /// [`WALL_MARGIN`], moved with it. Shared with the future that enforces it.
    pub wall_deadline: Arc<std::sync::Mutex<Instant>>,
    /// Waits on tasks end by this time whatever timeout the guest asked for.
    pub wait_deadline: Instant,
    /// The sandbox tasks added from this instance will run in.
    pub task_sandbox: TaskSandbox,
    pub tasks: Option<TaskAccess>,
    pub cancel: Arc<AtomicBool>,
    pub interrupted: Option<Interruption>,
    /// What `routing.matched-subscriptions` answers.
    pub matched: Vec<u32>,
    /// Results this call popped: deleted from the store only once the call has returned.
    pub taken: Vec<i64>,
    /// What the call is for, in its log lines.
    pub called: crate::call::Called,
    stdout: MemoryOutputPipe,
    stderr: MemoryOutputPipe,
}

impl WasiView for InstanceState {
    fn ctx(&mut self) -> WasiCtxView<'_> {
        WasiCtxView {
            ctx: &mut self.wasi,
            table: &mut self.table,
        }
    }
}

impl wasmtime_wasi_http::WasiHttpView for InstanceState {
    fn http(&mut self) -> wasmtime_wasi_http::WasiHttpCtxView<'_> {
        wasmtime_wasi_http::WasiHttpCtxView {
            ctx: &mut self.http_ctx,
            table: &mut self.table,
            hooks: &mut self.http,
        }
    }
}

impl InstanceState {
    /// The session, event and task key of this call, as its log lines carry them (absent
    /// ones are left out of the line).
    pub fn log_fields(&self) -> (Option<&str>, Option<&str>, Option<&str>) {
        let session = Some(self.session_id.as_str()).filter(|s| !s.is_empty());
        (session, self.called.event(), self.called.task())
    }

    fn guarded_filesystem(&mut self) -> GuardedView<'_> {
        GuardedView {
            inner: wasmtime_wasi::filesystem::WasiFilesystemCtxView {
                ctx: self.wasi.filesystem(),
                table: &mut self.table,
            },
            policy: &self.write_policy,
            hidden_lines: &mut self.hidden_lines,
            guard_host_places: self.guard_host_places,
        }
    }

    fn guarded_name_lookup(&mut self) -> NameLookupView<'_> {
        NameLookupView {
            inner: wasmtime_wasi::sockets::WasiSocketsCtxView {
                ctx: self.wasi.sockets(),
                table: &mut self.table,
            },
            policy: &self.net_policy,
        }
    }

    /// What the guest wrote to stdout and stderr during this call.
    pub fn captured_output(&self) -> (String, String) {
        let text = |pipe: &MemoryOutputPipe| String::from_utf8_lossy(&pipe.contents()).into_owned();
        (text(&self.stdout), text(&self.stderr))
    }

    /// Some(bytes) if the instance asked for more memory than its limit allowed.
    pub fn memory_refused(&self) -> Option<usize> {
        self.limits.refused
    }

    pub fn memory_limit(&self) -> usize {
        self.limits.memory_bytes
    }

    /// Push the deadline back, for host calls that legitimately block (waiting on a task).
    pub fn extend_deadline(&mut self, by: Duration) {
        self.deadline += by;
        *self.wall_deadline.lock().unwrap_or_else(|e| e.into_inner()) += by;
    }

    /// The task namespace of this instance: its plugin and session.
    pub fn namespace(&self) -> Namespace {
        Namespace {
            plugin_name: self.plugin.name.clone(),
            plugin_path: self.plugin.path.display().to_string(),
            session: self.session_id.clone(),
        }
    }
}

/// Caps linear memory and remembers a refusal, so a guest that dies of it is reported as
/// "out of memory" rather than as whatever trap its allocator turned the refusal into.
struct MemoryLimiter {
    memory_bytes: usize,
    refused: Option<usize>,
}

impl ResourceLimiter for MemoryLimiter {
    fn memory_growing(
        &mut self,
        _current: usize,
        desired: usize,
        _maximum: Option<usize>,
    ) -> wasmtime::Result<bool> {
        if desired > self.memory_bytes {
            self.refused = Some(desired);
            return Ok(false);
        }
        Ok(true)
    }

    fn table_growing(
        &mut self,
        _current: usize,
        desired: usize,
        _maximum: Option<usize>,
    ) -> wasmtime::Result<bool> {
        Ok(desired <= 1_000_000)
    }

    fn instances(&self) -> usize {
        64
    }

    fn tables(&self) -> usize {
        64
    }

    fn memories(&self) -> usize {
        8
    }
}

/// A grant that cannot be given to the instance.
#[derive(Debug, thiserror::Error)]
pub enum SandboxError {
    #[error("cannot open granted directory {}: {reason}", dir.display())]
    Directory { dir: PathBuf, reason: String },
}

/// A fresh store for one instance. Fails only when a granted directory cannot be opened.
pub fn new_store(
    engine: &Engine,
    request: CallContext,
) -> Result<Store<InstanceState>, SandboxError> {
    let stdout = MemoryOutputPipe::new(CAPTURED_OUTPUT_BYTES);
    let stderr = MemoryOutputPipe::new(CAPTURED_OUTPUT_BYTES);
    let net_policy = Arc::new(NetPolicy::new(&request.grants.net_hosts));
    let wasi = build_wasi(&request.grants, &net_policy, stdout.clone(), stderr.clone())?;
    let guard_host_places = request
        .grants
        .read_dirs
        .iter()
        .chain(&request.grants.write_dirs)
        .any(|root| host_places::reachable_from(root));
    let write_policy = WritePolicy::new(
        request.grants.write_dirs.clone(),
        request.grants.write_claude_and_git,
        request.plugin.clone(),
    );
    let wall_deadline = Arc::new(std::sync::Mutex::new(
        Instant::now() + request.timeout + WALL_MARGIN,
    ));
    let http = http::GuardedHttp::new(
        request.grants.clone(),
        request.plugin.clone(),
        wall_deadline.clone(),
    );
    let mut table = ResourceTable::new();
    table.set_max_capacity(MAX_RESOURCES);
    let mut http_ctx = wasmtime_wasi_http::WasiHttpCtx::new();
    http_ctx.set_field_size_limit(http::FIELDS_BYTES);
    let state = InstanceState {
        wasi,
        table,
        write_policy,
        hidden_lines: 0,
        guard_host_places,
        net_policy,
        http_ctx,
        http,
        limits: MemoryLimiter {
            memory_bytes: request.memory_bytes,
            refused: None,
        },
        task_sandbox: request.task_sandbox(),
        plugin: request.plugin,
        plugin_sha256: request.plugin_sha256,
        session_id: request.session_id,
        cwd: request.cwd,
        grants: request.grants,
        deadline: Instant::now() + request.timeout,
        wall_deadline,
        wait_deadline: request.wait_deadline,
        tasks: request.tasks,
        cancel: request.cancel,
        interrupted: None,
        matched: request.matched,
        called: request.called,
        taken: Vec::new(),
        stdout,
        stderr,
    };
    let mut store = Store::new(engine, state);
    store.limiter(|state| &mut state.limits);
    store.set_epoch_deadline(1);
    store.epoch_deadline_callback(|mut ctx| {
        let state = ctx.data_mut();
        let reason = if state.cancel.load(Ordering::Relaxed) {
            Some(Interruption::Cancelled)
        } else if Instant::now() >= state.deadline {
            Some(Interruption::DeadlineExceeded)
        } else {
            None
        };
        match reason {
            Some(reason) => {
                state.interrupted = Some(reason);
                Ok(UpdateDeadline::Interrupt)
            }
            None => Ok(UpdateDeadline::Continue(1)),
        }
    });
    Ok(store)
}

fn build_wasi(
    grants: &Grants,
    net: &Arc<NetPolicy>,
    stdout: MemoryOutputPipe,
    stderr: MemoryOutputPipe,
) -> Result<WasiCtx, SandboxError> {
    let mut builder = WasiCtxBuilder::new();
    builder
        .stdout(stdout)
        .stderr(stderr)
        .allow_ip_name_lookup(false)
        .allow_udp(false);
    for dir in &grants.read_dirs {
        if grants.write_dirs.contains(dir) {
            continue;
        }
        preopen(&mut builder, dir, FsPerms::ReadOnly)?;
    }
    for dir in &grants.write_dirs {
        preopen(&mut builder, dir, FsPerms::ReadWrite)?;
    }
    // A grant of `/` itself is the whole tree: the empty root would shadow it (same guest path).
    let grants_root = grants
        .read_dirs
        .iter()
        .chain(&grants.write_dirs)
        .any(|dir| dir.parent().is_none());
    if let Some(root) = hidden_root::descriptor().filter(|_| !grants_root) {
        // Read-only, and empty: it only brings paths outside the grants to the host.
        builder
            .preopened_dir(
                format!("/proc/self/fd/{}", root.as_raw_fd()),
                "/",
                FsPerms::ReadOnly,
            )
            .map_err(|err| SandboxError::Directory {
                dir: PathBuf::from("/"),
                reason: format!("{err:#}"),
            })?;
    }
    for (name, value) in &grants.env {
        builder.env(name, value);
    }
    if net.is_empty() {
        builder.allow_tcp(false);
    } else {
        builder.allow_tcp(true).allow_ip_name_lookup(true);
        // Outgoing TCP to the granted hosts only: the implicit bind of a connecting socket
        // (unspecified address, port 0) is fine; listening and accepting are not.
        let net = net.clone();
        builder.socket_addr_check(move |addr, use_| {
            let net = net.clone();
            Box::pin(async move {
                match use_ {
                    SocketAddrUse::TcpConnect => net.may_connect(addr).await,
                    SocketAddrUse::TcpBind => addr.ip().is_unspecified() && addr.port() == 0,
                    _ => false,
                }
            })
        });
    }
    Ok(builder.build())
}

/// Everything WASI gives a plugin, with `wasi:filesystem/types` and
/// `wasi:sockets/ip-name-lookup` replaced by the guarded ones, and `wasi:http` sending through
/// [`http::GuardedHttp`].
pub fn add_to_linker(linker: &mut Linker<InstanceState>) -> wasmtime::Result<()> {
    wasmtime_wasi::p2::add_to_linker_async(linker)?;
    wasmtime_wasi_http::p2::add_only_http_to_linker_async(linker)?;
    linker.allow_shadowing(true);
    let guarded = wasmtime_wasi::p2::bindings::filesystem::types::add_to_linker::<
        InstanceState,
        GuardedFilesystem,
    >(linker, InstanceState::guarded_filesystem)
    .and_then(|()| {
        wasmtime_wasi::p2::bindings::sockets::ip_name_lookup::add_to_linker::<
            InstanceState,
            GuardedNameLookup,
        >(linker, InstanceState::guarded_name_lookup)
    });
    linker.allow_shadowing(false);
    guarded
}

/// A granted directory is visible to the guest under its own absolute path.
fn preopen(builder: &mut WasiCtxBuilder, dir: &Path, perms: FsPerms) -> Result<(), SandboxError> {
    let failed = |reason: String| SandboxError::Directory {
        dir: dir.to_path_buf(),
        reason,
    };
    let opened = open_without_links(dir).map_err(|err| failed(err.to_string()))?;
    // The directory just opened, by descriptor: nothing is looked up by name again.
    let by_descriptor = format!("/proc/self/fd/{}", opened.as_raw_fd());
    let guest_path = dir.to_string_lossy().into_owned();
    builder
        .preopened_dir(&by_descriptor, &guest_path, perms)
        .map(|_| ())
        .map_err(|err| failed(format!("{err:#}")))
}

/// Open `dir` (absolute) from `/`, one component at a time, following no link.
pub(crate) fn open_without_links(dir: &Path) -> std::io::Result<OwnedFd> {
    use std::ffi::CString;
    use std::os::unix::ffi::OsStrExt;
    let open = |at: libc::c_int, name: &CString| -> std::io::Result<OwnedFd> {
        let flags = libc::O_RDONLY | libc::O_DIRECTORY | libc::O_NOFOLLOW | libc::O_CLOEXEC;
        // SAFETY: `name` is a NUL-terminated string; the result is checked and owned below.
        let fd = unsafe { libc::openat(at, name.as_ptr(), flags) };
        if fd < 0 {
            let err = std::io::Error::last_os_error();
            return Err(if err.raw_os_error() == Some(libc::ELOOP) {
                std::io::Error::other(format!(
                    "{} is reached through a symbolic link; grant it by its real path",
                    dir.display()
                ))
            } else {
                err
            });
        }
        // SAFETY: `fd` was just returned by openat and is owned by nobody else.
        Ok(unsafe { OwnedFd::from_raw_fd(fd) })
    };
    let mut current = open(libc::AT_FDCWD, &CString::new("/").expect("no NUL"))?;
    for part in dir.components() {
        let Component::Normal(name) = part else {
            continue;
        };
        let name = CString::new(name.as_bytes())
            .map_err(|_| std::io::Error::from(std::io::ErrorKind::InvalidInput))?;
        current = open(current.as_raw_fd(), &name)?;
    }
    Ok(current)
}
