//! The path of one hook call: event in, every subscribed plugin run in order, responses merged,
//! Claude Code wire format out. The hook process runs this in-process (`--inline`); the daemon
//! runs the very same code for requests that arrive over its socket.
//!
//! Failure policy (DESIGN §4): a plugin that cannot load, traps, times out or returns an error does
//! not block the user. It contributes nothing, one line naming it goes to stderr, and the hook
//! exits 1 (non-blocking) unless other plugins produced a decision, which then stands (exit 0).
//! With `--fail-closed` such a failure on a permission event (PreToolUse, PermissionRequest)
//! becomes a deny instead.

use crate::instance::{self, CallContext};
use crate::plugin::{LoadedPlugin, PluginFile, PluginId, PluginLoader};
use crate::protocol::{HookEvent, Outcome, PluginDecision, PluginResponse, Rendered, render};
pub use crate::request::{HookRequest, PluginSpec};
use crate::tasks::TaskAccess;
use std::sync::Arc;
use std::sync::atomic::AtomicBool;
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

impl Dispatcher {
    pub fn new(loader: Arc<PluginLoader>, tasks: Option<TaskAccess>) -> Dispatcher {
        Dispatcher { loader, tasks }
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
            Err(err) => return error_exit(&err.to_string()),
        };
        if request.plugins.is_empty() {
            return error_exit("no plugin given: add --plugin PATH to the hook command");
        }
        let mut outcome = Outcome::default();
        let mut failures = Vec::new();
        for spec in &request.plugins {
            match self.run_plugin(spec, request, &event, wait_deadline) {
                Ok(Some(response)) => outcome.add(response),
                Ok(None) => {}
                Err(failure) => {
                    tracing::error!(plugin = %failure.plugin, event = %event.name, "{}", failure.message);
                    failures.push(failure);
                }
            }
        }
        if failures.is_empty() {
            return render(&event.name, &outcome);
        }

        let failure_lines: String = failures
            .iter()
            .map(|f| format!("fasthooks-host: plugin {} {}\n", f.plugin, f.message))
            .collect();
        if request.fail_closed && matches!(event.name.as_str(), "PreToolUse" | "PermissionRequest")
        {
            let first = &failures[0];
            outcome.add(PluginResponse {
                decision: Some(PluginDecision::Deny),
                reason: Some(format!(
                    "fasthooks-host --fail-closed: plugin {} {}",
                    first.plugin, first.message
                )),
                ..Default::default()
            });
        }
        let mut rendered = render(&event.name, &outcome);
        rendered.stderr.insert_str(0, &failure_lines);
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
    ) -> Result<Option<PluginResponse>, PluginFailure> {
        let path_name = spec.path.display().to_string();
        let file = self
            .loader
            .open(&spec.path)
            .map_err(|message| PluginFailure {
                plugin: path_name.clone(),
                message: message.replacen(&format!("plugin {path_name}: "), "", 1),
            })?;
        let named = |message: String| PluginFailure {
            plugin: format!("{} ({})", file.display_name(), file.path.display()),
            message,
        };
        if let Some(pinned) = &spec.sha256
            && !pinned.eq_ignore_ascii_case(&file.sha256)
        {
            return Err(named(format!(
                "does not match --sha256 {pinned} (its SHA-256 is {}): refusing to run it",
                file.sha256
            )));
        }
        // The cheap path: a cached describe() that says "not subscribed" skips compiling entirely.
        if let Some(info) = self.loader.cached_info(&file)
            && !info.subscribes_to(event)
        {
            return Ok(None);
        }
        let plugin = self
            .loader
            .load(&file, |pre| {
                let context = self.context(
                    &file.display_name(),
                    &file,
                    spec,
                    request,
                    event,
                    wait_deadline,
                );
                instance::describe(self.loader.engine(), pre, context).map_err(|f| f.to_string())
            })
            .map_err(&named)?;
        if !plugin.info.subscribes_to(event) {
            return Ok(None);
        }
        let named = |message: String| PluginFailure {
            plugin: format!("{} ({})", plugin.info.name, file.path.display()),
            message,
        };
        check_capabilities(&plugin, spec).map_err(&named)?;
        let context = self.context(
            &plugin.info.name,
            &file,
            spec,
            request,
            event,
            wait_deadline,
        );
        instance::handle(self.loader.engine(), &plugin.pre, context, event)
            .map(Some)
            .map_err(|failure| named(failure.to_string()))
    }

    fn context(
        &self,
        name: &str,
        file: &PluginFile,
        spec: &PluginSpec,
        request: &HookRequest,
        event: &HookEvent,
        wait_deadline: Instant,
    ) -> CallContext {
        CallContext {
            plugin: Arc::new(PluginId {
                name: name.to_owned(),
                path: file.path.clone(),
            }),
            plugin_sha256: file.sha256.clone(),
            session_id: event.session_id.clone(),
            cwd: event.cwd.clone(),
            grants: Arc::new(spec.grants.clone()),
            memory_bytes: request.limits.memory_bytes,
            timeout: request.limits.handle_timeout,
            wait_deadline,
            task_timeout: request.limits.task_timeout,
            tasks: self.tasks.clone(),
            cancel: Arc::new(AtomicBool::new(false)),
        }
    }
}

/// A capability the plugin declares but the user did not grant refuses the plugin, naming the flag.
fn check_capabilities(plugin: &LoadedPlugin, spec: &PluginSpec) -> Result<(), String> {
    let grants = &spec.grants;
    for capability in &plugin.info.capabilities {
        let (granted, flag) = match capability.as_str() {
            "read-files" => (
                !grants.read_dirs.is_empty() || !grants.write_dirs.is_empty(),
                "--allow-read DIR",
            ),
            "write-files" => (!grants.write_dirs.is_empty(), "--allow-write DIR"),
            "network" => (!grants.net_hosts.is_empty(), "--allow-net HOST[:PORT]"),
            "environment" => (!grants.env.is_empty(), "--allow-env NAME"),
            "agent" => (grants.agent, "--allow-agent"),
            _ => (true, ""),
        };
        if !granted {
            return Err(format!(
                "needs the {capability} capability, which was not granted: add {flag} after --plugin {} in the hook command",
                spec.path.display()
            ));
        }
    }
    Ok(())
}

fn error_exit(message: &str) -> Rendered {
    Rendered {
        stdout: String::new(),
        stderr: format!("fasthooks-host: {message}\n"),
        exit_code: 1,
    }
}
