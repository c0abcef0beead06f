//! The router: register handlers by hook event and matcher, dispatch events to them.
//!
//! Dispatch rules:
//! - handlers run in registration order, among the routes whose event (or `"*"`), matcher and
//!   guards all match the event;
//! - the first handler that returns deny or block wins at once: later handlers do not run and
//!   that response is the answer, as is;
//! - otherwise the responses merge (see [`Response::merge`]): defer beats ask beats allow,
//!   every additional context is kept in order (joined by a blank line), system messages are
//!   joined by a newline, the last updated input wins, the first stop reason wins;
//! - a handler that fails (returns `Err`) ends the dispatch with that error; the host then
//!   treats the hook as failed (fail open unless the user chose `--fail-closed`).
//!
//! Matchers follow Claude Code (see [`Matcher`]) and are tested against what Claude Code tests
//! them against on that event (see [`Event::matcher_subject`]); on events without matcher
//! support they are ignored.

use std::fmt::{self, Display};
use std::rc::Rc;

use serde::Serialize;
use serde::de::DeserializeOwned;

use crate::describe::{Capability, PluginInfo, Subscription};
use crate::event::Event;
use crate::matcher::Matcher;
use crate::response::Response;
use crate::runtime::Runtime;
use crate::tasks::{Task, Tasks};

/// What a handler may return: a [`Response`], an `Option<Response>` (`None` = no opinion),
/// `()` (no opinion), or a `Result` of a response whose error is a handler failure.
pub trait IntoResponse {
    /// The response, or the handler's failure message.
    fn into_response(self) -> Result<Response, String>;
}

impl IntoResponse for Response {
    fn into_response(self) -> Result<Response, String> {
        Ok(self)
    }
}

impl IntoResponse for Option<Response> {
    fn into_response(self) -> Result<Response, String> {
        Ok(self.unwrap_or_default())
    }
}

impl IntoResponse for () {
    fn into_response(self) -> Result<Response, String> {
        Ok(Response::none())
    }
}

impl<T: IntoResponse, E: Display> IntoResponse for Result<T, E> {
    fn into_response(self) -> Result<Response, String> {
        self.map_err(|e| e.to_string())?.into_response()
    }
}

type Handler = dyn Fn(&Event, &Tasks) -> Result<Response, String>;
type Guard = dyn Fn(&Event) -> bool;

/// One registered handler with its event, matcher and guards.
pub struct Route {
    event: String,
    matcher: Matcher,
    guards: Vec<Box<Guard>>,
    handler: Box<Handler>,
}

impl Route {
    /// Adds a guard: the handler runs only if `guard` returns true. With several guards, all
    /// must pass. Guards run after the event and matcher matched, in registration order.
    pub fn when(&mut self, guard: impl Fn(&Event) -> bool + 'static) -> &mut Route {
        self.guards.push(Box::new(guard));
        self
    }

    /// The event name (`"*"` for every event).
    pub fn event(&self) -> &str {
        &self.event
    }

    /// The matcher.
    pub fn matcher(&self) -> &Matcher {
        &self.matcher
    }

    /// True if this route's event, matcher and guards all accept `event`.
    pub fn matches(&self, event: &Event) -> bool {
        self.matches_subject(event, event.matcher_subject().as_deref())
    }

    fn matches_subject(&self, event: &Event, subject: Option<&str>) -> bool {
        if self.event != "*" && self.event != event.hook_event_name {
            return false;
        }
        self.matcher.matches(subject) && self.guards.iter().all(|guard| guard(event))
    }
}

impl fmt::Debug for Route {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Route")
            .field("event", &self.event)
            .field("matcher", &self.matcher.as_str())
            .field("guards", &self.guards.len())
            .finish()
    }
}

/// A plugin: its name and version, its handlers, its background task functions and the
/// capabilities it needs.
///
/// ```
/// use fasthooks_sdk::{App, Response, allow, ask, deny};
///
/// let mut app = App::new("policy", "0.1.0");
/// app.pre_tool("Bash", |e, _| match e.command() {
///     Some(c) if c.starts_with("sudo ") => deny("no sudo"),
///     _ => Response::none(),
/// });
/// app.pre_tool("mcp__github__.*", |_, _| ask("GitHub call"))
///     .when(|e| e.permission_mode.as_deref() != Some("bypassPermissions"));
/// app.pre_tool("*", |_, _| allow().with_context("checked by policy"));
///
/// let r = app.dispatch_json(r#"{"hook_event_name":"PreToolUse","tool_name":"mcp__github__create_issue","tool_input":{}}"#).unwrap();
/// assert!(r.is_ask());
/// assert_eq!(r.additional_context.as_deref(), Some("checked by policy"));
/// ```
pub struct App {
    name: String,
    version: String,
    routes: Vec<Route>,
    capabilities: Vec<Capability>,
    runtime: Rc<Runtime>,
}

impl fmt::Debug for App {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("App")
            .field("name", &self.name)
            .field("version", &self.version)
            .field("routes", &self.routes)
            .field("capabilities", &self.capabilities)
            .field("tasks", &self.runtime.names())
            .finish()
    }
}

impl App {
    /// A new plugin with no handlers.
    pub fn new(name: impl Into<String>, version: impl Into<String>) -> App {
        App {
            name: name.into(),
            version: version.into(),
            routes: Vec::new(),
            capabilities: Vec::new(),
            runtime: Rc::default(),
        }
    }

    /// The plugin name.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The plugin version.
    pub fn version(&self) -> &str {
        &self.version
    }

    /// The registered routes, in order.
    pub fn routes(&self) -> &[Route] {
        &self.routes
    }

    /// Registers `handler` for the hook event `event` (`"*"` for every event) and the Claude
    /// Code `matcher` (`""` or `"*"` for everything).
    pub fn on<H, R>(&mut self, event: &str, matcher: &str, handler: H) -> &mut Route
    where
        H: Fn(&Event, &Tasks) -> R + 'static,
        R: IntoResponse,
    {
        self.routes.push(Route {
            event: event.to_owned(),
            matcher: Matcher::lenient(event, matcher),
            guards: Vec::new(),
            handler: Box::new(move |event, tasks| handler(event, tasks).into_response()),
        });
        self.routes.last_mut().expect("a route was just pushed")
    }

    /// PreToolUse: before a tool call whose name `matcher` matches.
    pub fn pre_tool<H, R>(&mut self, matcher: &str, handler: H) -> &mut Route
    where
        H: Fn(&Event, &Tasks) -> R + 'static,
        R: IntoResponse,
    {
        self.on("PreToolUse", matcher, handler)
    }

    /// PostToolUse: after a successful tool call whose name `matcher` matches.
    pub fn post_tool<H, R>(&mut self, matcher: &str, handler: H) -> &mut Route
    where
        H: Fn(&Event, &Tasks) -> R + 'static,
        R: IntoResponse,
    {
        self.on("PostToolUse", matcher, handler)
    }

    /// PostToolUseFailure: after a failed tool call whose name `matcher` matches.
    pub fn post_tool_failure<H, R>(&mut self, matcher: &str, handler: H) -> &mut Route
    where
        H: Fn(&Event, &Tasks) -> R + 'static,
        R: IntoResponse,
    {
        self.on("PostToolUseFailure", matcher, handler)
    }

    /// PermissionRequest: a permission prompt for a tool whose name `matcher` matches.
    pub fn on_permission_request<H, R>(&mut self, matcher: &str, handler: H) -> &mut Route
    where
        H: Fn(&Event, &Tasks) -> R + 'static,
        R: IntoResponse,
    {
        self.on("PermissionRequest", matcher, handler)
    }

    /// UserPromptSubmit.
    pub fn on_prompt<H, R>(&mut self, handler: H) -> &mut Route
    where
        H: Fn(&Event, &Tasks) -> R + 'static,
        R: IntoResponse,
    {
        self.on("UserPromptSubmit", "", handler)
    }

    /// Stop: the main agent finished responding.
    pub fn on_stop<H, R>(&mut self, handler: H) -> &mut Route
    where
        H: Fn(&Event, &Tasks) -> R + 'static,
        R: IntoResponse,
    {
        self.on("Stop", "", handler)
    }

    /// SubagentStop: a subagent finished (use [`App::on`] with a matcher to pick agent types).
    pub fn on_subagent_stop<H, R>(&mut self, handler: H) -> &mut Route
    where
        H: Fn(&Event, &Tasks) -> R + 'static,
        R: IntoResponse,
    {
        self.on("SubagentStop", "", handler)
    }

    /// SessionStart (use [`App::on`] with a matcher to pick sources such as `resume`).
    pub fn on_session_start<H, R>(&mut self, handler: H) -> &mut Route
    where
        H: Fn(&Event, &Tasks) -> R + 'static,
        R: IntoResponse,
    {
        self.on("SessionStart", "", handler)
    }

    /// SessionEnd.
    pub fn on_session_end<H, R>(&mut self, handler: H) -> &mut Route
    where
        H: Fn(&Event, &Tasks) -> R + 'static,
        R: IntoResponse,
    {
        self.on("SessionEnd", "", handler)
    }

    /// Notification.
    pub fn on_notification<H, R>(&mut self, handler: H) -> &mut Route
    where
        H: Fn(&Event, &Tasks) -> R + 'static,
        R: IntoResponse,
    {
        self.on("Notification", "", handler)
    }

    /// PreCompact.
    pub fn on_pre_compact<H, R>(&mut self, handler: H) -> &mut Route
    where
        H: Fn(&Event, &Tasks) -> R + 'static,
        R: IntoResponse,
    {
        self.on("PreCompact", "", handler)
    }

    /// Declares a capability the plugin needs (the user must grant it on the host's command
    /// line). Declaring one twice is the same as once.
    pub fn needs(&mut self, capability: Capability) -> &mut App {
        if !self.capabilities.contains(&capability) {
            self.capabilities.push(capability);
        }
        self
    }

    /// Registers a background [`Task`], so that the host's `run-task` (in the plugin's fresh
    /// instance) finds it by name: the arguments are decoded as `A`, the function runs, the
    /// transform applies and the result is encoded as JSON. Registering a name again replaces
    /// the earlier task.
    ///
    /// ```
    /// use fasthooks_sdk::{App, Task};
    ///
    /// fn double(x: i64) -> Result<i64, String> {
    ///     Ok(x * 2)
    /// }
    /// static DOUBLE: Task<i64, i64> = Task::new("double", double);
    ///
    /// let mut app = App::new("math", "1.0.0");
    /// app.register(&DOUBLE);
    /// assert_eq!(app.run_task("double", "21").unwrap(), "42");
    ///
    /// // Natively, adding runs the task at once (see the `tasks` module docs).
    /// let tasks = app.tasks("test");
    /// tasks.add(&DOUBLE, 5).unwrap();
    /// assert_eq!(tasks.pop(&DOUBLE).unwrap(), Some(10));
    /// ```
    pub fn register<A, R>(&mut self, task: &Task<A, R>) -> &mut App
    where
        A: DeserializeOwned + 'static,
        R: Serialize + 'static,
    {
        let task = *task;
        self.runtime.insert(
            task.name().to_owned(),
            Rc::new(move |args: &str| task.run_json(args)),
        );
        self
    }

    /// Registers the background task `name` as a raw function: it receives the JSON text given
    /// to [`Tasks::add_raw`] as is and returns the result text, or an error. Registering a name
    /// again replaces the earlier function.
    pub fn register_raw<F>(&mut self, name: &str, task: F) -> &mut App
    where
        F: Fn(&str) -> Result<String, String> + 'static,
    {
        self.runtime.insert(name.to_owned(), Rc::new(task));
        self
    }

    /// The names of the registered background tasks, in registration order.
    pub fn task_names(&self) -> Vec<String> {
        self.runtime.names()
    }

    /// The plugin's self-description, built from what was registered.
    pub fn describe(&self) -> PluginInfo {
        let mut subscriptions: Vec<Subscription> = Vec::new();
        for route in &self.routes {
            let subscription = Subscription {
                event: route.event.clone(),
                matcher: route.matcher.as_str().to_owned(),
            };
            if !subscriptions.contains(&subscription) {
                subscriptions.push(subscription);
            }
        }
        PluginInfo {
            name: self.name.clone(),
            version: self.version.clone(),
            subscriptions,
            capabilities: self.capabilities.clone(),
        }
    }

    /// The background task handle for `session_id`, as handlers of that session get it.
    ///
    /// Natively (tests) it is bound to this app's registered tasks and in-memory results: what
    /// handlers of the session queued during [`dispatch`](App::dispatch) can be popped here,
    /// and tasks added here are seen by handlers of later dispatches of the session.
    pub fn tasks(&self, session_id: &str) -> Tasks {
        Tasks::new(session_id, Rc::clone(&self.runtime))
    }

    /// Runs `f` as if during a hook call of `session_id`: natively, the
    /// [`state`](crate::state) functions then reach this app's in-memory store for that
    /// session (a test uses it to seed or inspect state around dispatches).
    #[cfg(not(target_arch = "wasm32"))]
    pub fn in_session<T>(&self, session_id: &str, f: impl FnOnce() -> T) -> T {
        let _context = crate::runtime::native::enter(&self.runtime, Some(session_id));
        f()
    }

    /// Runs every matching handler for `event` and merges their responses (see the module
    /// docs for the rules).
    pub fn dispatch(&self, event: &Event) -> Result<Response, String> {
        #[cfg(not(target_arch = "wasm32"))]
        let _context = crate::runtime::native::enter(&self.runtime, Some(&event.session_id));
        let tasks = self.tasks(&event.session_id);
        let subject = event.matcher_subject();
        let mut merged = Response::none();
        for route in &self.routes {
            if !route.matches_subject(event, subject.as_deref()) {
                continue;
            }
            let response = (route.handler)(event, &tasks)?;
            if response.is_blocking() {
                return Ok(response);
            }
            merged.merge(response);
        }
        Ok(merged)
    }

    /// Parses `raw` (one hook event as Claude Code sends it) and dispatches it.
    pub fn dispatch_json(&self, raw: &str) -> Result<Response, String> {
        self.dispatch(&Event::from_json(raw)?)
    }

    /// Runs the registered background task `name` with `args`, as the host's `run-task` does.
    /// Natively, it runs outside any session (unless called inside [`App::in_session`]).
    pub fn run_task(&self, name: &str, args: &str) -> Result<String, String> {
        #[cfg(not(target_arch = "wasm32"))]
        let _context = crate::runtime::native::enter_keeping_session(&self.runtime);
        self.runtime.run(name, args)
    }
}

#[cfg(test)]
#[path = "app_tests.rs"]
mod tests;
