//! Typed task definitions.

use std::fmt;
use std::time::Duration;

use serde::Serialize;
use serde::de::DeserializeOwned;

use super::TaskOptions;

/// A background task: a name, a function from its arguments `A` to its result `R`, and the
/// defaults it is queued with (the options of the Python framework's `@task`).
///
/// Arguments and results travel as JSON: [`Tasks::add`](crate::Tasks::add) encodes `A`, the
/// host hands the text to `run-task`, which decodes it, runs the function, applies the
/// [`transform`](Task::transform) and encodes `R`; [`Tasks::pop`](crate::Tasks::pop) decodes
/// it again. Several arguments are a tuple (a JSON array). An `Err` from the function, or
/// arguments that do not decode as `A`, make the task fail with that message (a panic makes it
/// fail too: the instance traps).
///
/// Every builder is a `const fn`, so a definition fits a `static` (or `const`) next to the
/// function, and the plugin registers it with [`App::register`](crate::App::register):
///
/// ```
/// use std::time::Duration;
/// use fasthooks_sdk::Task;
///
/// fn double(x: i64) -> Result<i64, String> {
///     x.checked_mul(2).ok_or_else(|| format!("{x} is too large to double"))
/// }
///
/// fn shout(text: String) -> Result<String, String> {
///     Ok(text.to_uppercase())
/// }
///
/// fn first_500(text: String) -> String {
///     text.chars().take(500).collect()
/// }
///
/// static DOUBLE: Task<i64, i64> = Task::new("double", double);
/// static IMPORTANT: Task<String, String> = Task::new("shout", shout)
///     .ttl(Duration::from_secs(600))
///     .priority(5)
///     .transform(first_500);
///
/// assert_eq!(DOUBLE.run(21), Ok(42));
/// assert_eq!(DOUBLE.run_json("21"), Ok("42".to_owned()));
/// assert!(DOUBLE.run_json("\"x\"").unwrap_err().contains("invalid arguments"));
/// assert_eq!(IMPORTANT.run("a".repeat(600)).unwrap().len(), 500);
/// assert_eq!(IMPORTANT.default_options().ttl_seconds, Some(600));
/// ```
pub struct Task<A, R> {
    name: &'static str,
    function: fn(A) -> Result<R, String>,
    ttl_seconds: Option<u32>,
    priority: Option<i32>,
    transform: Option<fn(R) -> R>,
}

// Manual impls: a task is copyable whatever `A` and `R` are (it only holds function pointers).
impl<A, R> Clone for Task<A, R> {
    fn clone(&self) -> Self {
        *self
    }
}

impl<A, R> Copy for Task<A, R> {}

impl<A, R> fmt::Debug for Task<A, R> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Task")
            .field("name", &self.name)
            .field("ttl_seconds", &self.ttl_seconds)
            .field("priority", &self.priority)
            .field("transform", &self.transform.is_some())
            .finish()
    }
}

impl<A, R> Task<A, R> {
    /// The task `name` running `function`. The name is what `run-task` dispatches on and the
    /// default key; it must be unique within the plugin.
    pub const fn new(name: &'static str, function: fn(A) -> Result<R, String>) -> Task<A, R> {
        Task {
            name,
            function,
            ttl_seconds: None,
            priority: None,
            transform: None,
        }
    }

    /// Keeps finished results for `ttl` (whole seconds, saturating) instead of the host's
    /// default of 300 s.
    pub const fn ttl(self, ttl: Duration) -> Task<A, R> {
        let seconds = ttl.as_secs();
        let seconds = if seconds > u32::MAX as u64 {
            u32::MAX
        } else {
            seconds as u32
        };
        self.ttl_secs(seconds)
    }

    /// Keeps finished results for `seconds`.
    pub const fn ttl_secs(self, seconds: u32) -> Task<A, R> {
        Task {
            ttl_seconds: Some(seconds),
            ..self
        }
    }

    /// Queues the task with this priority (higher runs first; default 0).
    pub const fn priority(self, priority: i32) -> Task<A, R> {
        Task {
            priority: Some(priority),
            ..self
        }
    }

    /// Applies `transform` to every result inside `run-task`, before the result is stored
    /// (for example to cut a long text).
    pub const fn transform(self, transform: fn(R) -> R) -> Task<A, R> {
        Task {
            transform: Some(transform),
            ..self
        }
    }

    /// The task's name.
    pub const fn name(&self) -> &'static str {
        self.name
    }

    /// The options [`Tasks::add`](crate::Tasks::add) uses: no key (the name), the task's ttl
    /// and priority.
    pub fn default_options(&self) -> TaskOptions {
        TaskOptions {
            key: None,
            ttl_seconds: self.ttl_seconds,
            priority: self.priority,
        }
    }

    /// Runs the function on `args` and applies the transform, in this instance.
    pub fn run(&self, args: A) -> Result<R, String> {
        let result = (self.function)(args)?;
        Ok(match self.transform {
            Some(transform) => transform(result),
            None => result,
        })
    }
}

impl<A: DeserializeOwned, R: Serialize> Task<A, R> {
    /// What `run-task` does: decodes `args` (JSON) as `A`, [`run`](Task::run)s, and encodes
    /// the result as JSON.
    pub fn run_json(&self, args: &str) -> Result<String, String> {
        let args: A = serde_json::from_str(args)
            .map_err(|e| format!("task `{}`: invalid arguments: {e}", self.name))?;
        let result = self.run(args)?;
        serde_json::to_string(&result)
            .map_err(|e| format!("task `{}`: cannot encode the result: {e}", self.name))
    }
}
