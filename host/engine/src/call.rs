//! Everything one call into a plugin needs besides the component: who the plugin is, what it
//! was granted, its bounds, and how it reaches the task service. The one place a
//! [`CallContext`] is built, for each kind of call: a hook, `describe()`, a background task.

use fasthooks_ipc::{Grants, HookRequest, Limits, PluginSpec, TaskSandbox};
use fasthooks_protocol::HookEvent;
use fasthooks_tasks::{TaskAccess, TaskRecord};
use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::AtomicBool;
use std::time::{Duration, Instant};

/// Who a plugin is, as users and task namespaces see it: its declared name and canonical path
/// (not its hash, so a rebuilt plugin still pops what its previous build's tasks produced).
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct PluginId {
    pub name: String,
    pub path: PathBuf,
}

pub struct CallContext {
    pub plugin: Arc<PluginId>,
    /// The build that runs (tasks added from this call run the same build).
    pub plugin_sha256: String,
    pub session_id: String,
    /// The session's working directory.
    pub cwd: String,
    pub grants: Arc<Grants>,
    pub memory_bytes: usize,
    /// CPU-time budget of the call (epoch deadline; host waits are not charged).
    pub timeout: Duration,
    /// The budget was cut to what the hook's `--deadline-ms` left (so a stop says so).
    pub timeout_cut: bool,
    /// Waits on tasks inside this call end by then.
    pub wait_deadline: Instant,
    /// How long tasks added from this call may run.
    pub task_timeout: Duration,
    pub tasks: Option<TaskAccess>,
    pub cancel: Arc<AtomicBool>,
    /// `handle` only: the subscriptions (indices into `describe()`) the event matched.
    pub matched: Vec<u32>,
    /// What the call is for, in its log lines.
    pub called: Called,
}

/// What a call is for: its log lines carry the event or the task key (with the plugin and the
/// session), so `fasthooks-host logs` can pick them out.
#[derive(Debug, Clone, Default)]
pub enum Called {
    #[default]
    Describe,
    Event(String),
    Task(String),
}

impl Called {
    pub fn event(&self) -> Option<&str> {
        match self {
            Called::Event(name) => Some(name),
            _ => None,
        }
    }

    pub fn task(&self) -> Option<&str> {
        match self {
            Called::Task(key) => Some(key),
            _ => None,
        }
    }
}

impl CallContext {
    /// `handle()` (or the `describe()` that precedes it) for one plugin of a hook request;
    /// [`CallContext::matched`] is set for `handle`. Its time limit also ends before the
    /// hook's deadline, so the answer (a `--fail-closed` deny included) is out by then.
    pub fn hook(
        plugin: PluginId,
        sha256: &str,
        spec: &PluginSpec,
        request: &HookRequest,
        event: &HookEvent,
        wait_deadline: Instant,
        tasks: Option<TaskAccess>,
    ) -> CallContext {
        let timeout = within_hook_deadline(request.limits.handle_timeout, wait_deadline);
        CallContext {
            plugin: Arc::new(plugin),
            plugin_sha256: sha256.to_owned(),
            session_id: event.session_id.clone(),
            cwd: event.cwd.clone(),
            grants: Arc::new(spec.grants.clone()),
            memory_bytes: request.limits.memory_bytes,
            timeout,
            timeout_cut: timeout < request.limits.handle_timeout,
            wait_deadline,
            task_timeout: request.limits.task_timeout,
            tasks,
            cancel: Arc::new(AtomicBool::new(false)),
            matched: Vec::new(),
            called: Called::Event(event.name.clone()),
        }
    }

    /// `describe()` outside a hook: nothing granted, default limits, no tasks.
    pub fn describe(plugin: PluginId, sha256: &str) -> CallContext {
        let limits = Limits::default();
        CallContext {
            plugin: Arc::new(plugin),
            plugin_sha256: sha256.to_owned(),
            session_id: String::new(),
            cwd: String::new(),
            grants: Arc::default(),
            memory_bytes: limits.memory_bytes,
            timeout: limits.handle_timeout,
            timeout_cut: false,
            wait_deadline: Instant::now(),
            task_timeout: limits.task_timeout,
            tasks: None,
            cancel: Arc::default(),
            matched: Vec::new(),
            called: Called::Describe,
        }
    }

    /// A background task, in the sandbox of the hook call that added it.
    pub fn task(task: &TaskRecord, tasks: TaskAccess, cancel: Arc<AtomicBool>) -> CallContext {
        let sandbox = &task.sandbox;
        let timeout = Duration::from_millis(sandbox.timeout_ms);
        CallContext {
            plugin: Arc::new(PluginId {
                name: task.namespace.plugin_name.clone(),
                path: PathBuf::from(&task.namespace.plugin_path),
            }),
            plugin_sha256: task.plugin_sha256.clone(),
            session_id: task.namespace.session.clone(),
            cwd: sandbox.cwd.clone(),
            grants: Arc::new(sandbox.grants.clone()),
            memory_bytes: sandbox.memory_bytes,
            timeout,
            timeout_cut: false,
            wait_deadline: Instant::now() + timeout,
            task_timeout: timeout,
            tasks: Some(tasks),
            cancel,
            matched: Vec::new(),
            called: Called::Task(task.key.clone()),
        }
    }

    /// The sandbox tasks added from this call will run in.
    pub fn task_sandbox(&self) -> TaskSandbox {
        TaskSandbox {
            grants: (*self.grants).clone(),
            memory_bytes: self.memory_bytes,
            timeout_ms: self.task_timeout.as_millis() as u64,
            cwd: self.cwd.clone(),
        }
    }
}

/// How far past its time limit a call blocked in a host call may run before it is stopped
/// (a computing guest is stopped by the epoch deadline, within a few milliseconds).
pub const WALL_MARGIN: Duration = Duration::from_millis(250);

/// Time the hook keeps, past its plugins' calls, to merge and print the answer (beyond the
/// margin by which a call blocked in a host call may overrun).
const ANSWER_MARGIN: Duration = Duration::from_millis(50);

/// `timeout`, cut so that the call ends (host calls included) before `hook_deadline`.
fn within_hook_deadline(timeout: Duration, hook_deadline: Instant) -> Duration {
    let left = hook_deadline
        .saturating_duration_since(Instant::now())
        .saturating_sub(WALL_MARGIN + ANSWER_MARGIN);
    timeout.min(left.max(Duration::from_millis(1)))
}
