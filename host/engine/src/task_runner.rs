//! How the daemon (or an `--inline` hook) runs one background task: a fresh instance of the
//! build of the plugin that added it, in the sandbox of the hook call that added it.
//!
//! A task runs only while its plugin file still holds that build: the grants it carries were
//! given to that file, so once the file is deleted or replaced (by a rebuild, an upgrade, or a
//! user removing the plugin) its queued tasks and the tasks they would add fail, saying why,
//! instead of acting on grants nobody gives any more. `fasthooks-host tasks cancel` stops the
//! tasks of a plugin or a session at once.

use crate::call::CallContext;
use crate::instance;
use crate::logging::within_rate;
use crate::logging::{FAILURE_LINE_BYTES, guest_line};
use crate::plugin::PluginLoader;
use fasthooks_tasks::{TaskAccess, TaskFailure, TaskRecord, TaskRunner, TaskService};
use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::AtomicBool;

/// Runs background tasks: a fresh instance of the build of the plugin that added the task, in the
/// sandbox of the hook call that added it.
pub struct PluginTaskRunner {
    pub loader: Arc<PluginLoader>,
}

impl TaskRunner for PluginTaskRunner {
    fn run(
        &self,
        service: &Arc<TaskService>,
        task: &TaskRecord,
        cancel: Arc<AtomicBool>,
    ) -> Result<String, TaskFailure> {
        let result = self.run_in_instance(service, task, cancel);
        // A failure is the guest's to pop, and the user's to find in the log: capped, and
        // within the plugin's log rate (a plugin can fail tasks as fast as it adds them).
        let plugin = task.namespace.plugin_name.as_str();
        let (session, key, name) = (&task.namespace.session, &task.key, &task.name);
        let why = match &result {
            Err(TaskFailure::Returned(error)) => Some(("task returned an error", error)),
            Err(TaskFailure::Failed(why)) => Some(("task failed", why)),
            Err(TaskFailure::Cancelled) | Ok(_) => None,
        };
        if let Some((what, text)) = why {
            let text = guest_line(text, FAILURE_LINE_BYTES);
            let file = std::path::Path::new(&task.namespace.plugin_path);
            within_rate(file, plugin, || {
                tracing::warn!(plugin, session, task = key, name, "{what}: {text}")
            });
        }
        result
    }
}

impl PluginTaskRunner {
    fn run_in_instance(
        &self,
        service: &Arc<TaskService>,
        task: &TaskRecord,
        cancel: Arc<AtomicBool>,
    ) -> Result<String, TaskFailure> {
        let loader = &self.loader;
        let path = PathBuf::from(&task.namespace.plugin_path);
        match loader.still_holds(&path, &task.plugin_sha256) {
            Ok(true) => {}
            Ok(false) => {
                return Err(TaskFailure::Failed(format!(
                    "not run: {} was replaced since this task was added, and a task runs only \
                     with the build its grants were given to",
                    path.display()
                )));
            }
            Err(err) => {
                return Err(TaskFailure::Failed(format!(
                    "not run: the plugin file is gone ({err}), and with it the grants this task had"
                )));
            }
        }
        let plugin = loader
            .load_build(&path, &task.plugin_sha256)
            .map_err(|err| TaskFailure::Failed(err.to_string()))?;
        let context = CallContext::task(task, TaskAccess::ready(service.clone()), cancel);
        instance::run_task(
            loader.engine(),
            &plugin.pre,
            context,
            &task.name,
            &task.args,
        )
        .map_err(instance::CallFailure::into_task_failure)
    }
}
