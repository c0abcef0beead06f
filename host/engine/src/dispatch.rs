//! The path of one hook call: event in, every subscribed plugin run in order, responses merged,
//! Claude Code wire format out. The daemon runs this for requests that arrive over its socket;
//! a hook process runs the very same code in-process ([`crate::inline`]).
//!
//! Failure policy (DESIGN §4): a plugin that cannot load, traps, times out or returns an error does
//! not block the user. It contributes nothing, one line naming it goes to stderr, and the hook
//! exits 1 (non-blocking) unless other plugins produced a decision, which then stands (exit 0).
//! With `--fail-closed` such a failure on a permission event (PreToolUse, PermissionRequest)
//! becomes a deny instead.

use crate::call::{CallContext, PluginId};
use crate::instance;
use crate::plugin::{PluginError, PluginLoader};
use crate::runtime::{EngineSettings, new_engine, start_epoch_ticker};
use crate::task_runner::PluginTaskRunner;
use fasthooks_ipc::{HookRequest, Paths, PluginSpec};
use fasthooks_protocol::{HookEvent, Rendered, Response, error_line, events, fail_closed, render};
use fasthooks_tasks::{Store, TaskAccess, TaskConfig, TaskService};
use std::sync::Arc;
use std::time::Instant;

pub struct Dispatcher {
    loader: Arc<PluginLoader>,
    tasks: Option<TaskAccess>,
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
        Dispatcher { loader, tasks }
    }

    /// The in-process dispatcher of a hook process: a small engine, and a task service opened on
    /// first use (a hook that touches no task or state never opens the store).
    pub fn in_process(paths: &Paths) -> anyhow::Result<Dispatcher> {
        let engine = new_engine(EngineSettings::for_hook_process())
            .map_err(|err| anyhow::anyhow!("cannot start the WebAssembly engine: {err:#}"))?;
        start_epoch_ticker(&engine);
        let loader = Arc::new(
            PluginLoader::new(engine, &paths.cache)
                .map_err(|err| anyhow::anyhow!("cannot link the host interfaces: {err:#}"))?,
        );
        let data_dir = paths.data.clone();
        let runner_loader = loader.clone();
        let tasks = TaskAccess::lazy(move || {
            let store = Store::open(&data_dir)?;
            let service = TaskService::open(store, TaskConfig::default(), false)?;
            service.start_workers(Arc::new(PluginTaskRunner {
                loader: runner_loader.clone(),
            }));
            Ok(service)
        });
        Ok(Dispatcher::new(loader, Some(tasks)))
    }

    pub fn tasks(&self) -> Option<&TaskAccess> {
        self.tasks.as_ref()
    }

    pub fn loader(&self) -> &PluginLoader {
        &self.loader
    }

    /// Handle one hook call. Everything it changed in the task store is committed before this
    /// returns, so the answer Claude Code sees never gets ahead of what a crash would keep.
    pub fn run(&self, request: &HookRequest, stdin: &[u8]) -> Rendered {
        let rendered = self.run_uncommitted(request, stdin);
        if let Some(tasks) = self.tasks.as_ref().and_then(TaskAccess::if_open) {
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
        let mut merged = Response::none();
        let mut failures = Vec::new();
        for spec in &request.plugins {
            match self.run_plugin(spec, request, &event, wait_deadline) {
                Ok(Some(response)) => merged.merge(response),
                Ok(None) => {}
                Err(failure) => {
                    tracing::error!(plugin = %failure.plugin, event = %event.name, "{}", failure.message);
                    failures.push(failure);
                }
            }
        }
        let Some(first) = failures.first() else {
            return render(&event.name, &merged);
        };
        if request.fail_closed && events::fails_closed(&event.name) {
            merged.merge(fail_closed(first.line()));
        }
        let mut rendered = render(&event.name, &merged);
        let lines: String = failures
            .iter()
            .map(|f| format!("{}\n", error_line(f.line())))
            .collect();
        rendered.stderr.insert_str(0, &lines);
        if rendered.stdout.is_empty() && rendered.exit_code == 0 {
            rendered.exit_code = 1;
        }
        rendered
    }

    /// `Ok(None)`: the plugin does not subscribe to this event.
    fn run_plugin(
        &self,
        spec: &PluginSpec,
        request: &HookRequest,
        event: &HookEvent,
        wait_deadline: Instant,
    ) -> Result<Option<Response>, PluginFailure> {
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
            .map(Some)
            .map_err(|failure| failed(name, failure.to_string()))
    }
}
