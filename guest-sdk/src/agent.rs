//! Claude sub-agents, for plugins that declare [`Capability::Agent`](crate::Capability::Agent)
//! and that the user runs with `--allow-agent`.
//!
//! The host gives a sub-agent no tools unless the user granted them (`--allow-agent-tools
//! Read,Grep`): asking for a tool that was not granted is an error that names the flag. Turns
//! and budget are capped by the user's `--agent-max-turns` and `--agent-max-budget-usd`.
//!
//! [`query`] sends one request to the host's `agent` interface and returns the agent's final
//! answer. The host refuses (an `Err`) unless the user granted the capability. Queries take
//! time: call them from a background task, not from a handler.
//!
//! Natively (plugin unit tests) there is no agent: [`query`] returns an error, unless the test
//! answers queries itself with [`testing::respond_with`].
//!
//! ```
//! use fasthooks_sdk::agent::{self, AgentRequest};
//!
//! fn security_review(code: String) -> Result<String, String> {
//!     agent::query(
//!         AgentRequest::new(format!("Review for security:\n{code}"))
//!             .model("haiku")
//!             .system_prompt("You review code for security issues.")
//!             .allowed_tools(["Read", "Grep"])
//!             .max_turns(5)
//!             .max_budget_usd(0.10),
//!     )
//! }
//!
//! assert!(security_review("fn main() {}".into()).unwrap_err().contains("not available"));
//! ```

/// A query to a Claude sub-agent. Unset options take the host's defaults.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct AgentRequest {
    /// What to ask.
    pub prompt: String,
    /// `haiku`, `sonnet`, `opus`, or a full model name.
    pub model: Option<String>,
    /// The system prompt.
    pub system_prompt: Option<String>,
    /// The tools the agent may use (none if empty).
    pub allowed_tools: Vec<String>,
    /// The most turns the agent may take.
    pub max_turns: Option<u32>,
    /// The most the query may cost, in US dollars.
    pub max_budget_usd: Option<f64>,
}

impl AgentRequest {
    /// A request for `prompt` with every option at its default.
    pub fn new(prompt: impl Into<String>) -> AgentRequest {
        AgentRequest {
            prompt: prompt.into(),
            ..AgentRequest::default()
        }
    }

    /// Sets the model.
    pub fn model(mut self, model: impl Into<String>) -> AgentRequest {
        self.model = Some(model.into());
        self
    }

    /// Sets the system prompt.
    pub fn system_prompt(mut self, system_prompt: impl Into<String>) -> AgentRequest {
        self.system_prompt = Some(system_prompt.into());
        self
    }

    /// Sets the tools the agent may use.
    pub fn allowed_tools<I>(mut self, tools: I) -> AgentRequest
    where
        I: IntoIterator,
        I::Item: Into<String>,
    {
        self.allowed_tools = tools.into_iter().map(Into::into).collect();
        self
    }

    /// Sets the most turns.
    pub fn max_turns(mut self, max_turns: u32) -> AgentRequest {
        self.max_turns = Some(max_turns);
        self
    }

    /// Sets the budget in US dollars.
    pub fn max_budget_usd(mut self, max_budget_usd: f64) -> AgentRequest {
        self.max_budget_usd = Some(max_budget_usd);
        self
    }
}

/// The sub-agent an agent task ([`Task::agent`](crate::Task::agent)) is given: the task's
/// options, applied to every query it makes.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct Agent {
    /// The model, if the task set one.
    pub model: Option<&'static str>,
    /// The system prompt, if the task set one.
    pub system_prompt: Option<&'static str>,
    /// The tools (none if empty).
    pub allowed_tools: &'static [&'static str],
    /// The most turns per query.
    pub max_turns: Option<u32>,
    /// The most per query, in US dollars.
    pub max_budget_usd: Option<f64>,
}

impl Agent {
    /// An agent with every option at the host's default.
    pub const fn new() -> Agent {
        Agent {
            model: None,
            system_prompt: None,
            allowed_tools: &[],
            max_turns: None,
            max_budget_usd: None,
        }
    }

    /// A request for `prompt` with this agent's options (to change one before [`query`]).
    pub fn request(&self, prompt: impl Into<String>) -> AgentRequest {
        AgentRequest {
            prompt: prompt.into(),
            model: self.model.map(str::to_owned),
            system_prompt: self.system_prompt.map(str::to_owned),
            allowed_tools: self.allowed_tools.iter().map(|t| (*t).to_owned()).collect(),
            max_turns: self.max_turns,
            max_budget_usd: self.max_budget_usd,
        }
    }

    /// Asks the sub-agent `prompt` and returns its final answer, or the host's error.
    pub fn query(&self, prompt: impl Into<String>) -> Result<String, String> {
        query(self.request(prompt))
    }
}

/// Runs the query and returns the agent's final answer, or the host's error.
#[cfg(target_arch = "wasm32")]
pub fn query(request: AgentRequest) -> Result<String, String> {
    use crate::bindings::fasthooks::hooks::{agent as host, types::AgentRequest as WitRequest};
    let request = WitRequest {
        prompt: request.prompt,
        model: request.model,
        system_prompt: request.system_prompt,
        allowed_tools: request.allowed_tools,
        max_turns: request.max_turns,
        max_budget_usd: request.max_budget_usd,
    };
    host::query(&request)
}

/// Runs the query and returns the agent's final answer, or the host's error. In native builds
/// there is no host: the answer comes from [`testing::respond_with`], and without one it is an
/// error.
#[cfg(not(target_arch = "wasm32"))]
pub fn query(request: AgentRequest) -> Result<String, String> {
    testing::answer(&request)
}

/// Sub-agents natively, for a plugin's unit tests: answered by the test's own function.
pub mod testing {
    use super::AgentRequest;
    use std::cell::RefCell;

    type Responder = Box<dyn Fn(&AgentRequest) -> Result<String, String>>;

    thread_local! {
        static RESPONDER: RefCell<Option<Responder>> = const { RefCell::new(None) };
    }

    /// Natively, answer this thread's queries with `responder` (in the sandbox it does
    /// nothing: queries go to the host). Without one, queries fail.
    pub fn respond_with(responder: impl Fn(&AgentRequest) -> Result<String, String> + 'static) {
        RESPONDER.with(|r| *r.borrow_mut() = Some(Box::new(responder)));
    }

    #[cfg_attr(target_arch = "wasm32", allow(dead_code))]
    pub(super) fn answer(request: &AgentRequest) -> Result<String, String> {
        RESPONDER.with(|r| match &*r.borrow() {
            Some(responder) => responder(request),
            None => Err(
                "agent: Claude sub-agents are not available in native builds; \
                 they run only inside fasthooks-host (with --allow-agent); a unit test \
                 answers them with fasthooks_sdk::agent::testing::respond_with"
                    .to_owned(),
            ),
        })
    }
}
