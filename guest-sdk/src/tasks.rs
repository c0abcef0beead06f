//! Background tasks.
//!
//! A handler queues work with [`Tasks::add`] and returns at once; the host runs the task in a
//! fresh instance of the plugin (through the `run-task` export, which dispatches to the
//! functions registered with [`App::task`](crate::App::task)) and keeps the result, so a later
//! hook call of the same session can [`pop`](Tasks::pop) it. Task arguments and results are
//! JSON text; keys default to the task name.
//!
//! Backends:
//! - on `wasm32` every method calls the host's `tasks` interface. A host that cannot serve a
//!   call answers with an error, returned here as [`TaskError`]; nothing is invented.
//! - natively (plugin unit tests) tasks run immediately and synchronously inside `add`, and
//!   their results are kept per thread, keyed by (session, key), so tests can dispatch one event
//!   that adds a task and a later one that pops it.
//!
//! ```
//! use fasthooks_sdk::{App, Response, TaskOptions, serde_json};
//!
//! let mut app = App::new("counter", "1.0.0");
//! app.task("length", |args: &str| {
//!     let text: String = serde_json::from_str(args).map_err(|e| e.to_string())?;
//!     Ok(text.chars().count().to_string())
//! });
//! app.on_prompt(|event, tasks| {
//!     let args = serde_json::to_string(&event.prompt).map_err(|e| e.to_string())?;
//!     tasks.add("length", &args, TaskOptions::default())?;
//!     Ok::<_, String>(Response::none())
//! });
//!
//! let prompt = r#"{"hook_event_name":"UserPromptSubmit","session_id":"s","prompt":"hello"}"#;
//! app.dispatch_json(prompt).unwrap();
//! assert_eq!(app.tasks("s").pop("length").unwrap().as_deref(), Some("5"));
//! ```

use std::cell::RefCell;
use std::fmt;
use std::rc::Rc;
use std::time::Duration;

/// A registered task function: JSON arguments in, JSON (or any text) result out.
pub type TaskFn = dyn Fn(&str) -> Result<String, String>;

/// Registered task functions with their names, in registration order.
type TaskList = Vec<(String, Rc<TaskFn>)>;

/// The task functions of an [`App`](crate::App), by name.
#[derive(Clone, Default)]
pub(crate) struct Registry(Rc<RefCell<TaskList>>);

impl Registry {
    pub(crate) fn insert(&self, name: String, task: Rc<TaskFn>) {
        let mut tasks = self.0.borrow_mut();
        match tasks.iter_mut().find(|(n, _)| *n == name) {
            Some(slot) => slot.1 = task,
            None => tasks.push((name, task)),
        }
    }

    /// Runs the task `name` with `args`; an unknown name is an error.
    pub(crate) fn run(&self, name: &str, args: &str) -> Result<String, String> {
        let task = self
            .0
            .borrow()
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, task)| Rc::clone(task));
        match task {
            Some(task) => task(args),
            None => Err(format!("unknown task `{name}`")),
        }
    }

    pub(crate) fn names(&self) -> Vec<String> {
        self.0.borrow().iter().map(|(n, _)| n.clone()).collect()
    }
}

/// The state of a task.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum TaskStatus {
    /// Queued, not started.
    Pending,
    /// Running now.
    Running,
    /// Finished with a value.
    Completed,
    /// Finished with an error.
    Failed,
    /// Cancelled before it finished.
    Cancelled,
}

/// How to queue a task. Every field is optional.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct TaskOptions {
    /// Identity of the task within (plugin, session); defaults to the task name.
    pub key: Option<String>,
    /// How long a finished result is kept, counted from completion; defaults to 300 s.
    pub ttl_seconds: Option<u32>,
    /// Higher runs first, FIFO within a priority; defaults to 0.
    pub priority: Option<i32>,
}

impl TaskOptions {
    /// Sets the key (for several concurrent runs of the same task).
    pub fn key(mut self, key: impl Into<String>) -> TaskOptions {
        self.key = Some(key.into());
        self
    }

    /// Sets how long the result is kept after completion.
    pub fn ttl(mut self, ttl: Duration) -> TaskOptions {
        self.ttl_seconds = Some(u32::try_from(ttl.as_secs()).unwrap_or(u32::MAX));
        self
    }

    /// Sets the priority.
    pub fn priority(mut self, priority: i32) -> TaskOptions {
        self.priority = Some(priority);
        self
    }
}

/// A snapshot of one task. Times are milliseconds since the Unix epoch.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TaskInfo {
    /// The task's key.
    pub key: String,
    /// The task's name.
    pub name: String,
    /// Its state.
    pub status: TaskStatus,
    /// The result once completed.
    pub value: Option<String>,
    /// The error once failed or cancelled.
    pub error: Option<String>,
    /// When it was added.
    pub created_at_ms: u64,
    /// When it started.
    pub started_at_ms: Option<u64>,
    /// When it finished.
    pub finished_at_ms: Option<u64>,
}

/// A completed task's result.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TaskOutput {
    /// The task's key.
    pub key: String,
    /// Its result.
    pub value: String,
}

/// A failed task's error.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FailedTask {
    /// The task's key.
    pub key: String,
    /// Its error.
    pub error: String,
}

/// The task API could not serve a call (for example: a host version without background
/// tasks). This is not a task's own failure; see [`Tasks::pop_errors`] for those.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TaskError(pub String);

impl TaskError {
    /// The host's message.
    pub fn message(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for TaskError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "tasks: {}", self.0)
    }
}

impl std::error::Error for TaskError {}

impl From<TaskError> for String {
    fn from(error: TaskError) -> String {
        error.to_string()
    }
}

/// The background task handle a handler receives. Tasks are namespaced by (plugin, session):
/// nothing here sees another plugin's or session's tasks.
pub struct Tasks {
    #[cfg_attr(target_arch = "wasm32", allow(dead_code))]
    session_id: String,
    #[cfg_attr(target_arch = "wasm32", allow(dead_code))]
    registry: Registry,
}

impl fmt::Debug for Tasks {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Tasks")
            .field("session_id", &self.session_id)
            .field("tasks", &self.registry.names())
            .finish()
    }
}

impl Tasks {
    pub(crate) fn new(session_id: &str, registry: Registry) -> Tasks {
        Tasks {
            session_id: session_id.to_owned(),
            registry,
        }
    }

    /// The session these tasks belong to.
    pub fn session_id(&self) -> &str {
        &self.session_id
    }

    /// Queues the task `name` with `args` (JSON text) and returns at once. Re-adding an
    /// existing key replaces the earlier task, cancelling it if it has not finished.
    pub fn add(&self, name: &str, args: &str, options: TaskOptions) -> Result<TaskInfo, TaskError> {
        backend::add(self, name, args, options)
    }

    /// The value of a completed task, removing it; `None` if absent or not completed.
    pub fn pop(&self, key: &str) -> Result<Option<String>, TaskError> {
        backend::pop(self, key)
    }

    /// A snapshot of the task, without removing it.
    pub fn get(&self, key: &str) -> Result<Option<TaskInfo>, TaskError> {
        backend::get(self, key)
    }

    /// Whether `key` has a completed result.
    pub fn has(&self, key: &str) -> Result<bool, TaskError> {
        backend::has(self, Some(key))
    }

    /// Whether any task of this session has a completed result.
    pub fn has_any(&self) -> Result<bool, TaskError> {
        backend::has(self, None)
    }

    /// Cancels a pending or running task. True if something was cancelled.
    pub fn cancel(&self, key: &str) -> Result<bool, TaskError> {
        backend::cancel(self, key)
    }

    /// Cancels every pending or running task of this session; returns how many.
    pub fn cancel_all(&self) -> Result<u32, TaskError> {
        backend::cancel_all(self)
    }

    /// Every completed result of this session, removing them.
    pub fn pop_all(&self) -> Result<Vec<TaskOutput>, TaskError> {
        backend::pop_all(self)
    }

    /// Every failed task of this session with its error, removing them.
    pub fn pop_errors(&self) -> Result<Vec<FailedTask>, TaskError> {
        backend::pop_errors(self)
    }

    /// Blocks until `key` completes (its value, not removed) or `timeout` passes (`None`).
    /// `None` at once if the task failed, was cancelled or does not exist.
    pub fn wait(&self, key: &str, timeout: Duration) -> Result<Option<String>, TaskError> {
        backend::wait(self, key, timeout)
    }

    /// Blocks until every key has finished or `timeout` passes; returns the completed ones.
    pub fn wait_all(&self, keys: &[&str], timeout: Duration) -> Result<Vec<TaskOutput>, TaskError> {
        backend::wait_all(self, keys, timeout)
    }

    /// Blocks until one of `keys` completes; `None` on timeout, or at once when every key has
    /// failed, been cancelled or does not exist.
    pub fn wait_any(
        &self,
        keys: &[&str],
        timeout: Duration,
    ) -> Result<Option<TaskOutput>, TaskError> {
        backend::wait_any(self, keys, timeout)
    }
}

/// The host's `tasks` interface.
#[cfg(target_arch = "wasm32")]
mod backend {
    use super::*;
    use crate::bindings::fasthooks::hooks::tasks as host;
    use crate::bindings::fasthooks::hooks::types as wit;

    fn millis(timeout: Duration) -> u32 {
        u32::try_from(timeout.as_millis()).unwrap_or(u32::MAX)
    }

    fn info(info: wit::TaskInfo) -> TaskInfo {
        TaskInfo {
            key: info.key,
            name: info.name,
            status: match info.status {
                wit::TaskStatus::Pending => TaskStatus::Pending,
                wit::TaskStatus::Running => TaskStatus::Running,
                wit::TaskStatus::Completed => TaskStatus::Completed,
                wit::TaskStatus::Failed => TaskStatus::Failed,
                wit::TaskStatus::Cancelled => TaskStatus::Cancelled,
            },
            value: info.value,
            error: info.error,
            created_at_ms: info.created_at_ms,
            started_at_ms: info.started_at_ms,
            finished_at_ms: info.finished_at_ms,
        }
    }

    fn output(output: wit::TaskOutput) -> TaskOutput {
        TaskOutput {
            key: output.key,
            value: output.value,
        }
    }

    fn keys(keys: &[&str]) -> Vec<String> {
        keys.iter().map(|k| (*k).to_owned()).collect()
    }

    pub(super) fn add(
        _: &Tasks,
        name: &str,
        args: &str,
        options: TaskOptions,
    ) -> Result<TaskInfo, TaskError> {
        let options = wit::TaskOptions {
            key: options.key,
            ttl_seconds: options.ttl_seconds,
            priority: options.priority,
        };
        host::add(name, args, &options).map(info).map_err(TaskError)
    }

    pub(super) fn pop(_: &Tasks, key: &str) -> Result<Option<String>, TaskError> {
        host::pop(key).map_err(TaskError)
    }

    pub(super) fn get(_: &Tasks, key: &str) -> Result<Option<TaskInfo>, TaskError> {
        host::get(key).map(|i| i.map(info)).map_err(TaskError)
    }

    pub(super) fn has(_: &Tasks, key: Option<&str>) -> Result<bool, TaskError> {
        host::has(key).map_err(TaskError)
    }

    pub(super) fn cancel(_: &Tasks, key: &str) -> Result<bool, TaskError> {
        host::cancel(key).map_err(TaskError)
    }

    pub(super) fn cancel_all(_: &Tasks) -> Result<u32, TaskError> {
        host::cancel_all().map_err(TaskError)
    }

    pub(super) fn pop_all(_: &Tasks) -> Result<Vec<TaskOutput>, TaskError> {
        host::pop_all()
            .map(|all| all.into_iter().map(output).collect())
            .map_err(TaskError)
    }

    pub(super) fn pop_errors(_: &Tasks) -> Result<Vec<FailedTask>, TaskError> {
        host::pop_errors()
            .map(|all| {
                all.into_iter()
                    .map(|e| FailedTask {
                        key: e.key,
                        error: e.error,
                    })
                    .collect()
            })
            .map_err(TaskError)
    }

    pub(super) fn wait(
        _: &Tasks,
        key: &str,
        timeout: Duration,
    ) -> Result<Option<String>, TaskError> {
        host::wait(key, millis(timeout)).map_err(TaskError)
    }

    pub(super) fn wait_all(
        _: &Tasks,
        keys_: &[&str],
        timeout: Duration,
    ) -> Result<Vec<TaskOutput>, TaskError> {
        host::wait_all(&keys(keys_), millis(timeout))
            .map(|all| all.into_iter().map(output).collect())
            .map_err(TaskError)
    }

    pub(super) fn wait_any(
        _: &Tasks,
        keys_: &[&str],
        timeout: Duration,
    ) -> Result<Option<TaskOutput>, TaskError> {
        host::wait_any(&keys(keys_), millis(timeout))
            .map(|o| o.map(output))
            .map_err(TaskError)
    }
}

/// The immediate in-process backend for native builds: a task runs to completion inside
/// `add`, and results live in a per-thread store keyed by (session, key).
#[cfg(not(target_arch = "wasm32"))]
mod backend {
    use super::*;
    use std::time::{SystemTime, UNIX_EPOCH};

    const DEFAULT_TTL_SECONDS: u32 = 300;

    struct Record {
        session: String,
        ttl_seconds: u32,
        info: TaskInfo,
    }

    thread_local! {
        static STORE: RefCell<Vec<Record>> = const { RefCell::new(Vec::new()) };
    }

    fn now_ms() -> u64 {
        SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map_or(0, |d| u64::try_from(d.as_millis()).unwrap_or(u64::MAX))
    }

    /// Runs `f` on this thread's store after dropping expired results.
    fn with_store<T>(f: impl FnOnce(&mut Vec<Record>) -> T) -> T {
        STORE.with(|store| {
            let mut store = store.borrow_mut();
            let now = now_ms();
            store.retain(|r| match r.info.finished_at_ms {
                Some(done) => now < done.saturating_add(u64::from(r.ttl_seconds) * 1000),
                None => true,
            });
            f(&mut store)
        })
    }

    fn is_mine(tasks: &Tasks, record: &Record, key: &str) -> bool {
        record.session == tasks.session_id && record.info.key == key
    }

    /// Removes and returns the records of this session that satisfy `pred`, in insertion order.
    fn take(tasks: &Tasks, pred: impl Fn(&TaskInfo) -> bool) -> Vec<TaskInfo> {
        with_store(|store| {
            let mut taken = Vec::new();
            store.retain(|r| {
                if r.session == tasks.session_id && pred(&r.info) {
                    taken.push(r.info.clone());
                    false
                } else {
                    true
                }
            });
            taken
        })
    }

    fn completed_value(tasks: &Tasks, key: &str) -> Option<String> {
        with_store(|store| {
            store
                .iter()
                .find(|r| is_mine(tasks, r, key) && r.info.status == TaskStatus::Completed)
                .and_then(|r| r.info.value.clone())
        })
    }

    pub(super) fn add(
        tasks: &Tasks,
        name: &str,
        args: &str,
        options: TaskOptions,
    ) -> Result<TaskInfo, TaskError> {
        let key = options.key.unwrap_or_else(|| name.to_owned());
        with_store(|store| store.retain(|r| !is_mine(tasks, r, &key)));
        let created = now_ms();
        // Run outside the store borrow: a task may itself use tasks of other sessions.
        let result = tasks.registry.run(name, args);
        let finished = now_ms();
        let (status, value, error) = match result {
            Ok(value) => (TaskStatus::Completed, Some(value), None),
            Err(error) => (TaskStatus::Failed, None, Some(error)),
        };
        let info = TaskInfo {
            key,
            name: name.to_owned(),
            status,
            value,
            error,
            created_at_ms: created,
            started_at_ms: Some(created),
            finished_at_ms: Some(finished),
        };
        with_store(|store| {
            store.push(Record {
                session: tasks.session_id.clone(),
                ttl_seconds: options.ttl_seconds.unwrap_or(DEFAULT_TTL_SECONDS),
                info: info.clone(),
            })
        });
        Ok(info)
    }

    pub(super) fn pop(tasks: &Tasks, key: &str) -> Result<Option<String>, TaskError> {
        let taken = take(tasks, |i| i.key == key && i.status == TaskStatus::Completed);
        Ok(taken.into_iter().next().and_then(|i| i.value))
    }

    pub(super) fn get(tasks: &Tasks, key: &str) -> Result<Option<TaskInfo>, TaskError> {
        Ok(with_store(|store| {
            store
                .iter()
                .find(|r| is_mine(tasks, r, key))
                .map(|r| r.info.clone())
        }))
    }

    pub(super) fn has(tasks: &Tasks, key: Option<&str>) -> Result<bool, TaskError> {
        Ok(with_store(|store| {
            store.iter().any(|r| {
                r.session == tasks.session_id
                    && r.info.status == TaskStatus::Completed
                    && key.is_none_or(|k| r.info.key == k)
            })
        }))
    }

    // Every task finishes inside `add`: there is never anything pending or running to cancel.
    pub(super) fn cancel(_: &Tasks, _: &str) -> Result<bool, TaskError> {
        Ok(false)
    }

    pub(super) fn cancel_all(_: &Tasks) -> Result<u32, TaskError> {
        Ok(0)
    }

    pub(super) fn pop_all(tasks: &Tasks) -> Result<Vec<TaskOutput>, TaskError> {
        Ok(take(tasks, |i| i.status == TaskStatus::Completed)
            .into_iter()
            .map(|i| TaskOutput {
                key: i.key,
                value: i.value.unwrap_or_default(),
            })
            .collect())
    }

    pub(super) fn pop_errors(tasks: &Tasks) -> Result<Vec<FailedTask>, TaskError> {
        Ok(take(tasks, |i| i.status == TaskStatus::Failed)
            .into_iter()
            .map(|i| FailedTask {
                key: i.key,
                error: i.error.unwrap_or_default(),
            })
            .collect())
    }

    pub(super) fn wait(tasks: &Tasks, key: &str, _: Duration) -> Result<Option<String>, TaskError> {
        Ok(completed_value(tasks, key))
    }

    pub(super) fn wait_all(
        tasks: &Tasks,
        keys: &[&str],
        _: Duration,
    ) -> Result<Vec<TaskOutput>, TaskError> {
        Ok(keys
            .iter()
            .filter_map(|key| {
                completed_value(tasks, key).map(|value| TaskOutput {
                    key: (*key).to_owned(),
                    value,
                })
            })
            .collect())
    }

    pub(super) fn wait_any(
        tasks: &Tasks,
        keys: &[&str],
        timeout: Duration,
    ) -> Result<Option<TaskOutput>, TaskError> {
        Ok(wait_all(tasks, keys, timeout)?.into_iter().next())
    }
}

#[cfg(all(test, not(target_arch = "wasm32")))]
mod tests {
    use super::*;

    fn tasks(session: &str) -> Tasks {
        let registry = Registry::default();
        registry.insert(
            "double".into(),
            Rc::new(|args: &str| {
                let n: i64 = args
                    .trim()
                    .parse()
                    .map_err(|e| format!("bad number: {e}"))?;
                Ok((n * 2).to_string())
            }),
        );
        registry.insert("fail".into(), Rc::new(|_: &str| Err("boom".to_owned())));
        Tasks::new(session, registry)
    }

    #[test]
    fn add_runs_immediately_and_pop_removes() {
        let t = tasks("s1");
        let info = t.add("double", "21", TaskOptions::default()).unwrap();
        assert_eq!(info.key, "double");
        assert_eq!(info.status, TaskStatus::Completed);
        assert_eq!(info.value.as_deref(), Some("42"));
        assert!(t.has("double").unwrap());
        assert!(t.has_any().unwrap());
        assert_eq!(
            t.get("double").unwrap().unwrap().value.as_deref(),
            Some("42")
        );
        assert_eq!(
            t.wait("double", Duration::from_secs(1)).unwrap().as_deref(),
            Some("42")
        );
        assert_eq!(t.pop("double").unwrap().as_deref(), Some("42"));
        assert_eq!(t.pop("double").unwrap(), None);
        assert!(!t.has_any().unwrap());
    }

    #[test]
    fn keys_sessions_and_replacement() {
        let a = tasks("a");
        let b = tasks("b");
        a.add("double", "1", TaskOptions::default().key("x"))
            .unwrap();
        a.add("double", "2", TaskOptions::default().key("y"))
            .unwrap();
        a.add("double", "5", TaskOptions::default().key("x"))
            .unwrap();
        assert_eq!(b.pop("x").unwrap(), None, "sessions are separate");
        let waited = a.wait_all(&["x", "y", "z"], Duration::ZERO).unwrap();
        assert_eq!(waited.len(), 2);
        assert_eq!(
            a.wait_any(&["z", "y"], Duration::ZERO).unwrap(),
            Some(TaskOutput {
                key: "y".into(),
                value: "4".into()
            })
        );
        let mut all = a.pop_all().unwrap();
        all.sort_by(|l, r| l.key.cmp(&r.key));
        assert_eq!(
            all,
            vec![
                TaskOutput {
                    key: "x".into(),
                    value: "10".into()
                },
                TaskOutput {
                    key: "y".into(),
                    value: "4".into()
                },
            ]
        );
        assert!(a.pop_all().unwrap().is_empty());
    }

    #[test]
    fn failures_and_unknown_tasks() {
        let t = tasks("f");
        let info = t.add("fail", "{}", TaskOptions::default()).unwrap();
        assert_eq!(info.status, TaskStatus::Failed);
        t.add("nope", "{}", TaskOptions::default()).unwrap();
        t.add("double", "not a number", TaskOptions::default().key("bad"))
            .unwrap();
        assert_eq!(t.pop("fail").unwrap(), None);
        assert_eq!(t.wait("fail", Duration::from_secs(5)).unwrap(), None);
        assert_eq!(t.wait_any(&["fail", "nope"], Duration::ZERO).unwrap(), None);
        let errors = t.pop_errors().unwrap();
        assert_eq!(errors.len(), 3);
        assert_eq!(
            errors[0],
            FailedTask {
                key: "fail".into(),
                error: "boom".into()
            }
        );
        assert_eq!(errors[1].error, "unknown task `nope`");
        assert!(errors[2].error.starts_with("bad number"));
        assert!(t.pop_errors().unwrap().is_empty());
        assert!(!t.cancel("fail").unwrap());
        assert_eq!(t.cancel_all().unwrap(), 0);
    }

    #[test]
    fn zero_ttl_expires() {
        let t = tasks("ttl");
        t.add("double", "1", TaskOptions::default().ttl(Duration::ZERO))
            .unwrap();
        assert_eq!(t.get("double").unwrap(), None);
    }

    #[test]
    fn task_error_converts_to_string() {
        fn handler() -> Result<(), String> {
            Err(TaskError("not available in this version".into()))?
        }
        assert_eq!(
            handler().unwrap_err(),
            "tasks: not available in this version"
        );
    }
}
