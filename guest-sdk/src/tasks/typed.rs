//! Typed task definitions.

use std::fmt;
use std::time::Duration;

use serde::Serialize;
use serde::de::DeserializeOwned;

use super::TaskOptions;
use crate::agent::Agent;

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
    function: Function<A, R>,
    /// What an agent task's [`Agent`] is set up with.
    agent: Agent,
    ttl_seconds: Option<u32>,
    priority: Option<i32>,
    transform: Option<fn(R) -> R>,
}

/// What a task runs: a plain function, or one given the task's [`Agent`] first (the seed's
/// `@agent_task`).
enum Function<A, R> {
    Plain(fn(A) -> Result<R, String>),
    Agent(fn(&Agent, A) -> Result<R, String>),
}

impl<A, R> Clone for Function<A, R> {
    fn clone(&self) -> Self {
        *self
    }
}

impl<A, R> Copy for Function<A, R> {}

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
            .field(
                "agent",
                &matches!(self.function, Function::Agent(_)).then_some(self.agent),
            )
            .finish()
    }
}

impl<A, R> Task<A, R> {
    /// The task `name` running `function`. The name is what `run-task` dispatches on and the
    /// default key; it must be unique within the plugin.
    pub const fn new(name: &'static str, function: fn(A) -> Result<R, String>) -> Task<A, R> {
        Task {
            name,
            function: Function::Plain(function),
            agent: Agent::new(),
            ttl_seconds: None,
            priority: None,
            transform: None,
        }
    }

    /// An agent task, the seed's `@agent_task`: `function` gets a Claude sub-agent first, set up
    /// by [`model`](Task::model), [`system_prompt`](Task::system_prompt),
    /// [`allowed_tools`](Task::allowed_tools), [`max_turns`](Task::max_turns) and
    /// [`max_budget_usd`](Task::max_budget_usd). The host caps them by what the user granted
    /// (`--allow-agent`, `--allow-agent-tools`, `--agent-max-turns`, `--agent-max-budget-usd`):
    /// a query past a grant fails with a message naming the flag, and a query that runs out of
    /// turns or budget fails the task with the CLI's reason. The plugin declares
    /// [`Capability::Agent`](crate::Capability::Agent).
    ///
    /// ```
    /// use fasthooks_sdk::{Agent, Task};
    ///
    /// fn review(agent: &Agent, code: String) -> Result<String, String> {
    ///     agent.query(format!("Review this code:\n{code}"))
    /// }
    ///
    /// static REVIEW: Task<String, String> = Task::agent("review", review)
    ///     .model("haiku")
    ///     .system_prompt("You review code for security problems.")
    ///     .allowed_tools(&["Read", "Grep"])
    ///     .max_turns(5);
    ///
    /// // Natively, a test answers the sub-agent (see `agent::testing`).
    /// fasthooks_sdk::agent::testing::respond_with(|request| {
    ///     assert_eq!(request.model.as_deref(), Some("haiku"));
    ///     assert_eq!(request.allowed_tools, ["Read", "Grep"]);
    ///     Ok("No findings.".into())
    /// });
    /// assert_eq!(REVIEW.run("fn main() {}".into()), Ok("No findings.".into()));
    /// ```
    ///
    /// The agent's options are for agent tasks only; on a plain task they do not compile:
    ///
    /// ```compile_fail
    /// use fasthooks_sdk::Task;
    /// fn double(x: i64) -> Result<i64, String> { Ok(x * 2) }
    /// static DOUBLE: Task<i64, i64> = Task::new("double", double).model("haiku");
    /// ```
    pub const fn agent(
        name: &'static str,
        function: fn(&Agent, A) -> Result<R, String>,
    ) -> Task<A, R> {
        Task {
            name,
            function: Function::Agent(function),
            agent: Agent::new(),
            ttl_seconds: None,
            priority: None,
            transform: None,
        }
    }

    const fn agent_only(self, what: &str) -> Task<A, R> {
        match self.function {
            Function::Agent(_) => self,
            Function::Plain(_) => {
                let _ = what;
                panic!(
                    "model, system_prompt, allowed_tools, max_turns and max_budget_usd are for agent tasks: define it with Task::agent"
                )
            }
        }
    }

    /// The agent task's model (`haiku`, `sonnet`, `opus`, or a full name).
    pub const fn model(self, model: &'static str) -> Task<A, R> {
        let task = self.agent_only("model");
        Task {
            agent: Agent {
                model: Some(model),
                ..task.agent
            },
            ..task
        }
    }

    /// The agent task's system prompt.
    pub const fn system_prompt(self, prompt: &'static str) -> Task<A, R> {
        let task = self.agent_only("system_prompt");
        Task {
            agent: Agent {
                system_prompt: Some(prompt),
                ..task.agent
            },
            ..task
        }
    }

    /// The tools the agent task's sub-agent may use (none by default).
    pub const fn allowed_tools(self, tools: &'static [&'static str]) -> Task<A, R> {
        let task = self.agent_only("allowed_tools");
        Task {
            agent: Agent {
                allowed_tools: tools,
                ..task.agent
            },
            ..task
        }
    }

    /// The most turns one query of the agent task may take.
    pub const fn max_turns(self, turns: u32) -> Task<A, R> {
        let task = self.agent_only("max_turns");
        Task {
            agent: Agent {
                max_turns: Some(turns),
                ..task.agent
            },
            ..task
        }
    }

    /// The most one query of the agent task may spend, in US dollars.
    pub const fn max_budget_usd(self, usd: f64) -> Task<A, R> {
        let task = self.agent_only("max_budget_usd");
        Task {
            agent: Agent {
                max_budget_usd: Some(usd),
                ..task.agent
            },
            ..task
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
            wake: false,
        }
    }

    /// Runs the function on `args` and applies the transform, in this instance.
    pub fn run(&self, args: A) -> Result<R, String> {
        let result = match self.function {
            Function::Plain(function) => function(args)?,
            Function::Agent(function) => function(&self.agent, args)?,
        };
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
