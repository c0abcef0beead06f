//! Background tasks.
//!
//! A handler queues work with [`Tasks::add`] and returns at once; the host runs the task in a
//! fresh instance of the plugin (through the `run-task` export, which dispatches by name to the
//! tasks registered with [`App::register`](crate::App::register)) and keeps the result, so a
//! later hook call of the same session can [`pop`](Tasks::pop) it.
//!
//! ```
//! use std::time::Duration;
//! use fasthooks_sdk::{App, Task, allow, context};
//!
//! // A task: a plain function from its arguments to its result, both JSON on the wire.
//! fn word_count(text: String) -> Result<usize, String> {
//!     Ok(text.split_whitespace().count())
//! }
//!
//! // Options as in `@task(ttl=600, priority=5)`; definitions are `const`, so they fit a static.
//! static WORD_COUNT: Task<String, usize> =
//!     Task::new("word_count", word_count).ttl(Duration::from_secs(600)).priority(5);
//!
//! fn build_app() -> App {
//!     let mut app = App::new("words", "1.0.0");
//!     app.register(&WORD_COUNT);
//!     // Spawn the task when a file is written...
//!     app.pre_tool("Write", |event, tasks| {
//!         tasks.add(&WORD_COUNT, event.content().unwrap_or_default().to_owned())?;
//!         Ok::<_, String>(allow())
//!     });
//!     // ...and pick the result up on the next prompt.
//!     app.on_prompt(|_, tasks| {
//!         Ok::<_, String>(match tasks.pop(&WORD_COUNT)? {
//!             Some(words) => context(format!("The last file written has {words} words.")),
//!             None => allow(),
//!         })
//!     });
//!     app
//! }
//!
//! // Natively the tasks run at once (see "Testing" below).
//! let app = build_app();
//! app.dispatch_json(r#"{"hook_event_name":"PreToolUse","session_id":"s","tool_name":"Write",
//!     "tool_input":{"file_path":"/p/a.txt","content":"one two three"}}"#).unwrap();
//! let prompt = r#"{"hook_event_name":"UserPromptSubmit","session_id":"s","prompt":"next"}"#;
//! let r = app.dispatch_json(prompt).unwrap();
//! assert_eq!(r.additional_context.as_deref(), Some("The last file written has 3 words."));
//! assert!(app.dispatch_json(prompt).unwrap().is_none(), "a result is popped once");
//! ```
//!
//! ## Names
//! - [`Task`] is a typed definition (name, function, ttl, priority, transform);
//!   [`App::register`](crate::App::register) makes `run-task` find it by name.
//! - The typed methods take the task: [`add`](Tasks::add) (key = the task's name, the task's
//!   ttl and priority), [`add_with`](Tasks::add_with) (explicit [`TaskOptions`]: key and
//!   overrides), [`pop`](Tasks::pop) and [`wait`](Tasks::wait). For a task added under its own
//!   key, [`pop_key`](Tasks::pop_key) and [`wait_key`](Tasks::wait_key) name the key and the
//!   result type.
//! - Methods that do not need the result type take a [`TaskKey`]: a task (`&ANALYZE`: its
//!   name, the default key) or a key (`"fetch:a"`, `&key`): [`get`](Tasks::get),
//!   [`has`](Tasks::has), [`cancel`](Tasks::cancel); [`wait_all`](Tasks::wait_all) and
//!   [`wait_any`](Tasks::wait_any) take a list of keys (`["a", "b"]`, a `Vec<String>`, or
//!   `[A.name(), B.name()]` to mix tasks).
//! - Session-wide: [`has_any`](Tasks::has_any), [`cancel_all`](Tasks::cancel_all),
//!   [`pop_all`](Tasks::pop_all), [`pop_errors`](Tasks::pop_errors).
//! - The `_raw` methods work on names and JSON text: [`add_raw`](Tasks::add_raw),
//!   [`pop_raw`](Tasks::pop_raw), [`wait_raw`](Tasks::wait_raw), with functions registered by
//!   [`App::register_raw`](crate::App::register_raw).
//!
//! Every method returns [`TaskError`] when the host cannot serve the call (for example a host
//! version without background tasks); nothing is invented. A task's own failure is not a
//! `TaskError`: the task ends up failed, and [`pop_errors`](Tasks::pop_errors) reports it.
//!
//! ## Testing
//! In native builds (anything but `wasm32`, so a plugin's plain `cargo test`) the backend is
//! immediate, like the Python framework's `ImmediateBackend`: [`Tasks::add`] runs the
//! registered function in-process before it returns (through the same path as `run-task`:
//! argument decoding, transform, result encoding), stores the result with its ttl, and a
//! failure (an `Err` or a panic) becomes a failed task that [`Tasks::pop_errors`] returns.
//! Results live in the [`App`](crate::App), per session: [`App::tasks`](crate::App::tasks)
//! gives the handle of a session, and [`App::dispatch`](crate::App::dispatch) hands the same
//! session's handle to handlers, so a test can dispatch an event that adds a task and then
//! pop its result through `app.tasks(session)`, or add a task itself and dispatch an event
//! whose handler pops it. Nothing is ever pending or running, so [`Tasks::cancel`] returns
//! false and the waits return at once.

mod typed;

/// The host's `tasks` interface.
#[cfg(target_arch = "wasm32")]
mod host;
#[cfg(target_arch = "wasm32")]
use host as backend;

/// The immediate in-process backend of native builds.
#[cfg(not(target_arch = "wasm32"))]
mod immediate;
#[cfg(not(target_arch = "wasm32"))]
use immediate as backend;

use std::borrow::Borrow;
use std::fmt;
use std::rc::Rc;
use std::time::Duration;

use serde::Serialize;
use serde::de::DeserializeOwned;

use crate::runtime::Runtime;

pub use typed::Task;

/// A task function registered by name: JSON arguments in, result text (usually JSON) out.
pub type TaskFn = dyn Fn(&str) -> Result<String, String>;

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

impl TaskStatus {
    /// The lowercase name (`"pending"`, `"running"`, ...).
    pub fn as_str(self) -> &'static str {
        match self {
            TaskStatus::Pending => "pending",
            TaskStatus::Running => "running",
            TaskStatus::Completed => "completed",
            TaskStatus::Failed => "failed",
            TaskStatus::Cancelled => "cancelled",
        }
    }

    /// True once the task can no longer change (completed, failed or cancelled).
    pub fn is_finished(self) -> bool {
        matches!(
            self,
            TaskStatus::Completed | TaskStatus::Failed | TaskStatus::Cancelled
        )
    }
}

impl fmt::Display for TaskStatus {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// How to queue a task. Every field is optional; an unset field falls back to the [`Task`]'s
/// own option, then to the host default (key = task name, ttl 300 s, priority 0).
///
/// ```
/// use std::time::Duration;
/// use fasthooks_sdk::TaskOptions;
///
/// let options = TaskOptions::new().key("fetch:a").ttl(Duration::from_secs(600)).priority(5);
/// assert_eq!(options.key.as_deref(), Some("fetch:a"));
/// assert_eq!(options.ttl_seconds, Some(600));
/// ```
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct TaskOptions {
    /// Identity of the task within (plugin, session); defaults to the task name.
    pub key: Option<String>,
    /// How long a finished result is kept, counted from completion; defaults to 300 s.
    pub ttl_seconds: Option<u32>,
    /// Higher runs first, FIFO within a priority; defaults to 0.
    pub priority: Option<i32>,
    /// Wake Claude with the result when it finishes after Claude has stopped (see
    /// [`Tasks::wake`]).
    pub wake: bool,
}

impl TaskOptions {
    /// No options: every default applies.
    pub fn new() -> TaskOptions {
        TaskOptions::default()
    }

    /// Sets the key (for several concurrent runs of the same task).
    pub fn key(mut self, key: impl Into<String>) -> TaskOptions {
        self.key = Some(key.into());
        self
    }

    /// Sets how long the result is kept after completion (whole seconds, saturating).
    pub fn ttl(mut self, ttl: Duration) -> TaskOptions {
        self.ttl_seconds = Some(u32::try_from(ttl.as_secs()).unwrap_or(u32::MAX));
        self
    }

    /// Sets how long the result is kept after completion, in seconds.
    pub fn ttl_secs(mut self, seconds: u32) -> TaskOptions {
        self.ttl_seconds = Some(seconds);
        self
    }

    /// Sets the priority.
    pub fn priority(mut self, priority: i32) -> TaskOptions {
        self.priority = Some(priority);
        self
    }

    /// Wakes Claude with the result if it finishes after Claude has stopped, instead of
    /// waiting for the user's next prompt (see [`Tasks::wake`]).
    pub fn wake(mut self) -> TaskOptions {
        self.wake = true;
        self
    }
}

/// Something that names a task key: a key string (`&str`, `String`) or a [`Task`], whose
/// name is the key it is added under by default.
pub trait TaskKey {
    /// The key.
    fn task_key(&self) -> &str;
}

impl TaskKey for str {
    fn task_key(&self) -> &str {
        self
    }
}

impl TaskKey for String {
    fn task_key(&self) -> &str {
        self
    }
}

impl<T: TaskKey + ?Sized> TaskKey for &T {
    fn task_key(&self) -> &str {
        (**self).task_key()
    }
}

impl<A, R> TaskKey for Task<A, R> {
    fn task_key(&self) -> &str {
        self.name()
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
    /// The result text (JSON for typed tasks) once completed.
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

impl TaskInfo {
    /// The value decoded as `R` (`None` while there is no value).
    pub fn value_as<R: DeserializeOwned>(&self) -> Result<Option<R>, TaskError> {
        self.value
            .as_deref()
            .map(|value| decode(&self.key, value))
            .transpose()
    }
}

/// A completed task's result.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TaskOutput {
    /// The task's key.
    pub key: String,
    /// Its result text (JSON for typed tasks).
    pub value: String,
}

impl TaskOutput {
    /// The value decoded as `R`.
    pub fn value_as<R: DeserializeOwned>(&self) -> Result<R, TaskError> {
        decode(&self.key, &self.value)
    }
}

/// The task API could not serve a call (for example: a host version without background
/// tasks), or a result did not decode as the expected type. This is not a task's own failure;
/// see [`Tasks::pop_errors`] for those.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TaskError(pub String);

impl TaskError {
    /// The message.
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

/// Decodes the result of `key` as `R`.
fn decode<R: DeserializeOwned>(key: &str, value: &str) -> Result<R, TaskError> {
    serde_json::from_str(value).map_err(|e| {
        const SHOWN: usize = 80;
        let shown: String = value.chars().take(SHOWN).collect();
        let more = if value.chars().nth(SHOWN).is_some() {
            "…"
        } else {
            ""
        };
        TaskError(format!(
            "the result of `{key}` does not decode as the expected type ({e}): {shown}{more}"
        ))
    })
}

/// The background task handle a handler receives. Tasks are namespaced by (plugin, session):
/// nothing here sees another plugin's or session's tasks. See the [module docs](self).
pub struct Tasks {
    session_id: String,
    #[cfg_attr(target_arch = "wasm32", allow(dead_code))]
    runtime: Rc<Runtime>,
}

impl fmt::Debug for Tasks {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Tasks")
            .field("session_id", &self.session_id)
            .field("tasks", &self.runtime.names())
            .finish()
    }
}

impl Tasks {
    pub(crate) fn new(session_id: &str, runtime: Rc<Runtime>) -> Tasks {
        Tasks {
            session_id: session_id.to_owned(),
            runtime,
        }
    }

    /// The session these tasks belong to.
    pub fn session_id(&self) -> &str {
        &self.session_id
    }

    // Typed.

    /// Queues `task` with `args` under the task's name, with the task's ttl and priority, and
    /// returns at once. Re-adding a key replaces the earlier task, cancelling it if it has not
    /// finished.
    pub fn add<A: Serialize, R>(
        &self,
        task: &Task<A, R>,
        args: impl Borrow<A>,
    ) -> Result<TaskInfo, TaskError> {
        self.add_with(task, args, TaskOptions::new())
    }

    /// Like [`add`](Tasks::add), with explicit options: a key (to run the same task several
    /// times at once) and overrides of the task's ttl and priority.
    pub fn add_with<A: Serialize, R>(
        &self,
        task: &Task<A, R>,
        args: impl Borrow<A>,
        options: TaskOptions,
    ) -> Result<TaskInfo, TaskError> {
        let args = serde_json::to_string(args.borrow()).map_err(|e| {
            TaskError(format!(
                "cannot encode the arguments of `{}`: {e}",
                task.name()
            ))
        })?;
        let defaults = task.default_options();
        let options = TaskOptions {
            key: options.key,
            ttl_seconds: options.ttl_seconds.or(defaults.ttl_seconds),
            priority: options.priority.or(defaults.priority),
            wake: options.wake,
        };
        self.add_raw(task.name(), &args, options)
    }

    /// The result of `task` added under its own name, removing it; `None` if absent or not
    /// completed (yet). A result that does not decode as `R` is an error (and is gone).
    pub fn pop<A, R: DeserializeOwned>(&self, task: &Task<A, R>) -> Result<Option<R>, TaskError> {
        self.pop_key(task.name())
    }

    /// The result of the task added under `key`, decoded as `R`, removing it.
    pub fn pop_key<R: DeserializeOwned>(&self, key: &str) -> Result<Option<R>, TaskError> {
        self.pop_raw(key)?.map(|v| decode(key, &v)).transpose()
    }

    /// Blocks until `task` (under its own name) completes and returns its result without
    /// removing it; `None` after `timeout`, or at once if the task failed, was cancelled or
    /// does not exist.
    pub fn wait<A, R: DeserializeOwned>(
        &self,
        task: &Task<A, R>,
        timeout: Duration,
    ) -> Result<Option<R>, TaskError> {
        self.wait_key(task.name(), timeout)
    }

    /// [`wait`](Tasks::wait) for the task added under `key`, decoded as `R`.
    pub fn wait_key<R: DeserializeOwned>(
        &self,
        key: &str,
        timeout: Duration,
    ) -> Result<Option<R>, TaskError> {
        self.wait_raw(key, timeout)?
            .map(|v| decode(key, &v))
            .transpose()
    }

    // By key.

    /// A snapshot of the task (status, value, error, times), without removing it.
    pub fn get<K: TaskKey + ?Sized>(&self, key: &K) -> Result<Option<TaskInfo>, TaskError> {
        backend::get(self, key.task_key())
    }

    /// Whether `key` has a completed result.
    pub fn has<K: TaskKey + ?Sized>(&self, key: &K) -> Result<bool, TaskError> {
        backend::has(self, Some(key.task_key()))
    }

    /// Whether any task of this session has a completed result.
    pub fn has_any(&self) -> Result<bool, TaskError> {
        backend::has(self, None)
    }

    /// Cancels a pending or running task (a running one is interrupted). True if something
    /// was cancelled.
    pub fn cancel<K: TaskKey + ?Sized>(&self, key: &K) -> Result<bool, TaskError> {
        backend::cancel(self, key.task_key())
    }

    /// Marks a task to wake Claude with its result: when it finishes after Claude has stopped,
    /// the plugin's wake hook (an `asyncRewake` Stop hook `fasthooks-host install` adds) hands
    /// its value, or its error, to Claude, which carries on with it. Such a result is never
    /// popped after; one popped first wakes nobody. False if there is no such task, or it was
    /// cancelled. In native builds, where tasks finish inside `add`, nothing wakes: the result
    /// stays to be popped.
    pub fn wake<K: TaskKey + ?Sized>(&self, key: &K) -> Result<bool, TaskError> {
        backend::wake(self, key.task_key())
    }

    /// Cancels every pending or running task of this session; returns how many.
    pub fn cancel_all(&self) -> Result<u32, TaskError> {
        backend::cancel_all(self)
    }

    /// Every completed result of this session, removing them.
    pub fn pop_all(&self) -> Result<Vec<TaskOutput>, TaskError> {
        backend::pop_all(self)
    }

    /// Every failed task of this session as `(key, error)`, removing them: each failure is
    /// reported once.
    pub fn pop_errors(&self) -> Result<Vec<(String, String)>, TaskError> {
        backend::pop_errors(self)
    }

    /// Blocks until every key has finished (or does not exist) or `timeout` passes; returns
    /// the completed ones, without removing them. Keys of different tasks mix as strings:
    /// `[A.name(), B.name()]`.
    pub fn wait_all<I>(&self, keys: I, timeout: Duration) -> Result<Vec<TaskOutput>, TaskError>
    where
        I: IntoIterator,
        I::Item: TaskKey,
    {
        backend::wait_all(self, &key_list(keys), timeout)
    }

    /// Blocks until one of `keys` completes and returns it, without removing it; `None` on
    /// timeout, or at once when none of them can complete any more.
    pub fn wait_any<I>(&self, keys: I, timeout: Duration) -> Result<Option<TaskOutput>, TaskError>
    where
        I: IntoIterator,
        I::Item: TaskKey,
    {
        backend::wait_any(self, &key_list(keys), timeout)
    }

    // Raw: names and JSON text.

    /// Queues the task registered as `name` with `args` (JSON text, passed to the task as is)
    /// and returns at once.
    pub fn add_raw(
        &self,
        name: &str,
        args: &str,
        options: TaskOptions,
    ) -> Result<TaskInfo, TaskError> {
        backend::add(self, name, args, options)
    }

    /// The result text of a completed task, removing it; `None` if absent or not completed.
    pub fn pop_raw(&self, key: &str) -> Result<Option<String>, TaskError> {
        backend::pop(self, key)
    }

    /// [`wait`](Tasks::wait) returning the result text.
    pub fn wait_raw(&self, key: &str, timeout: Duration) -> Result<Option<String>, TaskError> {
        backend::wait(self, key, timeout)
    }
}

fn key_list<I>(keys: I) -> Vec<String>
where
    I: IntoIterator,
    I::Item: TaskKey,
{
    keys.into_iter().map(|k| k.task_key().to_owned()).collect()
}

#[cfg(all(test, not(target_arch = "wasm32")))]
mod tests;
