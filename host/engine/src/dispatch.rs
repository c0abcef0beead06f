//! The path of one hook call: event in, every subscribed plugin run (side by side, each in its
//! own limits), responses merged in command order,
//! Claude Code wire format out. The daemon runs this for requests that arrive over its socket;
//! a hook process runs the very same code in-process ([`crate::inline`]).
//!
//! Failure policy (DESIGN §4): a plugin that cannot load, traps, times out or returns an error does
//! not block the user. It contributes nothing, one line naming it goes to stderr, and the hook
//! exits 1 (non-blocking) unless other plugins produced a decision, which then stands (exit 0).
//! With `--fail-closed` such a failure on a permission event (PreToolUse, PermissionRequest)
//! becomes a deny instead.
//!
//! Composition rule for `updatedInput`: the tool runs only with an input that every plugin has
//! seen. When the merged answer rewrites the tool input, every plugin runs again on the new
//! input (a guard before or after the rewriting plugin alike), until a round leaves the input
//! as it is; the answer is that last round's, carrying the input it saw. A deny in any round
//! is the answer. Plugins that still rewrite after [`MAX_INPUT_ROUNDS`] rounds (or when the
//! hook's deadline is reached) get the call denied.

use crate::call::{CallContext, PluginId};
use crate::instance;
use crate::plugin::{PluginError, PluginLoader};
use crate::runtime::{EngineSettings, new_engine, start_epoch_ticker};
use crate::stats::HookStats;
use crate::task_runner::PluginTaskRunner;
use fasthooks_ipc::{HookRequest, Paths, PluginSpec};
use fasthooks_protocol::{HookEvent, Rendered, Response, error_line, events, fail_closed, render};
use fasthooks_tasks::TaskAccess;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Instant;

/// Rounds of plugins one hook may take because plugins rewrite the tool input.
const MAX_INPUT_ROUNDS: usize = 3;

/// The event's `tool_input`, if it has one.
fn tool_input(event: &HookEvent) -> Option<serde_json::Value> {
    let value: serde_json::Value = serde_json::from_str(&event.raw_json).ok()?;
    value.get("tool_input").cloned()
}

/// `event` with its `tool_input` replaced.
fn with_tool_input(event: &HookEvent, input: serde_json::Value) -> Option<HookEvent> {
    let mut value: serde_json::Value = serde_json::from_str(&event.raw_json).ok()?;
    value.as_object_mut()?.insert("tool_input".into(), input);
    HookEvent::parse(&serde_json::to_vec(&value).ok()?).ok()
}

/// The answer when plugins do not agree on an input within [`MAX_INPUT_ROUNDS`]: the tool
/// does not run, since no input was seen by every plugin.
fn input_kept_changing() -> Response {
    fasthooks_protocol::response::deny(format!(
        "fasthooks-host: the plugins kept rewriting the tool input ({MAX_INPUT_ROUNDS} rounds), \
         so no input was checked by all of them; the call is denied"
    ))
}

/// The plugin loader of a process that runs hooks itself (not the daemon): a small engine
/// with its epoch ticker, compiled plugins from the cache of `paths`.
pub fn hook_process_loader(paths: &Paths) -> anyhow::Result<Arc<PluginLoader>> {
    let engine = new_engine(EngineSettings::for_hook_process())
        .map_err(|err| anyhow::anyhow!("cannot start the WebAssembly engine: {err:#}"))?;
    start_epoch_ticker(&engine);
    let loader = PluginLoader::new(engine, paths)
        .map_err(|err| anyhow::anyhow!("cannot link the host interfaces: {err:#}"))?;
    Ok(Arc::new(loader))
}

pub struct Dispatcher {
    loader: Arc<PluginLoader>,
    tasks: Option<TaskAccess>,
    /// Per plugin and event counters, in the daemon (`fasthooks-host stats`).
    stats: Option<Arc<HookStats>>,
    /// The log, named on every failure line: where the plugin's own words about it are.
    log_file: Option<PathBuf>,
}

/// A plugin that could not give an answer, named for the user.
struct PluginFailure {
    plugin: String,
    message: String,
}

impl PluginFailure {
    fn line(&self) -> String {
        format!("plugin {} {}", self.plugin, self.message)
    }
}

impl Dispatcher {
    pub fn new(loader: Arc<PluginLoader>, tasks: Option<TaskAccess>) -> Dispatcher {
        Dispatcher {
            loader,
            tasks,
            stats: None,
            log_file: None,
        }
    }

    /// Name `log_file` on every failure line.
    pub fn with_log_file(self, log_file: PathBuf) -> Dispatcher {
        Dispatcher {
            log_file: Some(log_file),
            ..self
        }
    }

    /// Count every plugin call in `stats`.
    pub fn with_stats(self, stats: Arc<HookStats>) -> Dispatcher {
        Dispatcher {
            stats: Some(stats),
            ..self
        }
    }

    /// The in-process dispatcher of a hook process: a small engine, and a task service opened on
    /// first use (a hook that touches no task or state never opens the store).
    pub fn in_process(paths: &Paths) -> anyhow::Result<Dispatcher> {
        let loader = hook_process_loader(paths)?;
        let runner = Arc::new(PluginTaskRunner {
            loader: loader.clone(),
        });
        let tasks = crate::task_owner::in_process_access(paths, runner);
        Ok(Dispatcher::new(loader, Some(tasks)).with_log_file(paths.log_file()))
    }

    pub fn tasks(&self) -> Option<&TaskAccess> {
        self.tasks.as_ref()
    }

    pub fn loader(&self) -> &PluginLoader {
        &self.loader
    }

    /// Handle one hook call. Everything it changed or saw in the task store is kept before this
    /// returns (its own writes were saved in the store's journal as they were made,
    /// `Store::save`; the flush commits a result it saw complete), so the answer Claude Code
    /// sees never gets ahead of what a crash would keep. The flush is short whatever other
    /// sessions write: the store's writer thread commits as writes arrive, so the flush finds
    /// at most the batch in flight and what came in meanwhile.
    pub fn run(&self, request: &HookRequest, stdin: &[u8]) -> Rendered {
        let rendered = self.run_uncommitted(request, stdin);
        if let Some(tasks) = self.tasks.as_ref().and_then(TaskAccess::if_owned) {
            tasks.store().flush();
        }
        rendered
    }

    fn run_uncommitted(&self, request: &HookRequest, stdin: &[u8]) -> Rendered {
        let wait_deadline = Instant::now() + request.limits.hook_deadline;
        let event = match HookEvent::parse(stdin) {
            Ok(event) => event,
            Err(err) => return Rendered::error(err),
        };
        if request.plugins.is_empty() {
            return Rendered::error("no plugin given: add --plugin PATH to the hook command");
        }
        // No JSON is parsed here unless a plugin rewrites the input (the hot path has none).
        let mut event = event;
        let mut rounds = 0;
        let (mut merged, failures) = loop {
            let (merged, failures) = self.run_round(request, &event, wait_deadline);
            let rewritten = merged.updated_input.clone().filter(|input| {
                !merged.is_blocking() && tool_input(&event).is_some_and(|current| current != *input)
            });
            let Some(input) = rewritten else {
                break (merged, failures);
            };
            // The tool input was rewritten: every plugin sees the new input before the tool
            // may run with it. (A plugin may see one event more than once this way.)
            if rounds + 1 >= MAX_INPUT_ROUNDS || Instant::now() >= wait_deadline {
                return render(&event.name, &input_kept_changing());
            }
            match with_tool_input(&event, input) {
                Some(next) => event = next,
                None => break (merged, failures),
            }
            rounds += 1;
        };
        if merged.is_blocking() {
            merged.updated_input = None;
        } else if rounds > 0 {
            // What every plugin saw in the last round, and so what the tool runs with.
            merged.updated_input = tool_input(&event);
        }
        let Some(first) = failures.first() else {
            return render(&event.name, &merged);
        };
        if request.fail_closed && events::fails_closed(&event.name) {
            merged.merge(fail_closed(first.line()));
            merged.updated_input = None;
        }
        let mut rendered = render(&event.name, &merged);
        let details = self
            .log_file
            .as_ref()
            .map(|log| format!(" (details: {})", log.display()))
            .unwrap_or_default();
        let lines: String = failures
            .iter()
            .map(|f| format!("{}\n", error_line(format!("{}{details}", f.line()))))
            .collect();
        rendered.stderr.insert_str(0, &lines);
        if rendered.stdout.is_empty() && rendered.exit_code == 0 {
            rendered.exit_code = 1;
        }
        rendered
    }

    /// Every plugin once on `event`, all at the same time (each within its own limits, so a
    /// slow or stuck plugin costs the others nothing), merged in command order: the merged
    /// answer and who failed.
    fn run_round(
        &self,
        request: &HookRequest,
        event: &HookEvent,
        wait_deadline: Instant,
    ) -> (Response, Vec<PluginFailure>) {
        let run = |spec: &PluginSpec| {
            let started = Instant::now();
            let outcome = self.run_plugin(spec, request, event, wait_deadline);
            if let Some(stats) = &self.stats {
                let path = spec.path.display().to_string();
                let took = started.elapsed();
                match &outcome {
                    Ok(Some((_, name))) => {
                        stats.record(&path, Some(name), &event.name, took, false)
                    }
                    Err(_) => stats.record(&path, None, &event.name, took, true),
                    Ok(None) => {}
                }
            }
            outcome.map(|answered| answered.map(|(response, _)| response))
        };
        let outcomes: Vec<Result<Option<Response>, PluginFailure>> =
            match request.plugins.as_slice() {
                [only] => vec![run(only)],
                specs => std::thread::scope(|scope| {
                    let running: Vec<_> = specs
                        .iter()
                        .map(|spec| (spec, scope.spawn(move || run(spec))))
                        .collect();
                    running
                        .into_iter()
                        .map(|(spec, handle)| {
                            handle.join().unwrap_or_else(|_| {
                                Err(PluginFailure {
                                    plugin: spec.path.display().to_string(),
                                    message: "crashed the host thread that ran it".into(),
                                })
                            })
                        })
                        .collect()
                }),
            };
        let mut merged = Response::none();
        let mut failures = Vec::new();
        for outcome in outcomes {
            match outcome {
                Ok(Some(response)) => merged.merge(response),
                Ok(None) => {}
                Err(failure) => {
                    // Quoted fields (`logs` reads `name="…"`, escaped), the guest's text capped.
                    tracing::error!(
                        plugin = failure.plugin.as_str(),
                        session = event.session_id.as_str(),
                        event = event.name.as_str(),
                        "{}",
                        crate::logging::guest_line(
                            &failure.message,
                            crate::logging::FAILURE_LINE_BYTES
                        )
                    );
                    failures.push(failure);
                }
            }
        }
        (merged, failures)
    }

    /// The plugin's answer and the name it gives itself; `Ok(None)`: it does not subscribe to
    /// this event.
    fn run_plugin(
        &self,
        spec: &PluginSpec,
        request: &HookRequest,
        event: &HookEvent,
        wait_deadline: Instant,
    ) -> Result<Option<(Response, String)>, PluginFailure> {
        let file = self.loader.open(&spec.path).map_err(|err| PluginFailure {
            plugin: spec.path.display().to_string(),
            message: err.to_string(),
        })?;
        let failed = |name: &str, message: String| PluginFailure {
            plugin: format!("{name} ({})", file.path.display()),
            message,
        };
        if let Some(why) = &spec.refused {
            return Err(failed(&file.display_name(), why.clone()));
        }
        if let Some(pinned) = &spec.sha256
            && !pinned.eq_ignore_ascii_case(&file.sha256)
        {
            let err = PluginError::Pinned {
                pinned: pinned.clone(),
                actual: file.sha256.clone(),
            };
            return Err(failed(&file.display_name(), err.to_string()));
        }
        // The cheap path: a cached describe() that says "not subscribed" skips compiling
        // entirely; when it says "subscribed", its answer is the one used below (same build).
        let known = self
            .loader
            .cached_info(&file)
            .map(|info| info.matching(event));
        if known.as_ref().is_some_and(Vec::is_empty) {
            return Ok(None);
        }
        let context = |id: PluginId| {
            CallContext::hook(
                id,
                &file.sha256,
                spec,
                request,
                event,
                wait_deadline,
                self.tasks.clone(),
            )
        };
        let plugin = self
            .loader
            .load(&file, |pre| {
                instance::describe(self.loader.engine(), pre, context(file.provisional_id()))
            })
            .map_err(|err| failed(&file.display_name(), err.to_string()))?;
        let matched = known.unwrap_or_else(|| plugin.info.matching(event));
        if matched.is_empty() {
            return Ok(None);
        }
        let name = plugin.info.name.as_str();
        if let Some(missing) = spec.grants.missing(&plugin.info.capabilities) {
            return Err(failed(
                name,
                format!(
                    "needs the {} capability, which was not granted: add {} after --plugin {} in the hook command",
                    missing.name(),
                    missing.flag(),
                    spec.path.display()
                ),
            ));
        }
        let id = PluginId {
            name: name.to_owned(),
            path: file.path.clone(),
        };
        let context = CallContext {
            matched,
            ..context(id)
        };
        instance::handle(self.loader.engine(), &plugin.pre, context, event)
            .map(|response| Some((response, name.to_owned())))
            .map_err(|failure| failed(name, failure.to_string()))
    }
}
