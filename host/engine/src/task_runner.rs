//! How the daemon (or an `--inline` hook) runs one background task: a fresh instance of the
//! build of the plugin that added it, in the sandbox of the hook call that added it.
//!
//! A task runs only while its plugin file still holds that build: the grants it carries were
//! given to that file, so once the file is deleted or replaced (by a rebuild, an upgrade, or a
//! user removing the plugin) its queued tasks and the tasks they would add fail, saying why,
//! instead of acting on grants nobody gives any more. `fasthooks-host tasks cancel` stops the
//! tasks of a plugin or a session at once.

use crate::call::CallContext;
use crate::host::log::guest_line;
use crate::instance;
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
        // A failure is the guest's to pop, and the user's to find in the log.
        let (plugin, session, key) = (
            &task.namespace.plugin_name,
            &task.namespace.session,
            &task.key,
        );
        match &result {
            Err(TaskFailure::Returned(error)) => tracing::warn!(
                plugin,
                session,
                task = key,
                name = task.name,
                "task returned an error: {}",
                guest_line(error, usize::MAX)
            ),
            Err(TaskFailure::Failed(why)) => tracing::warn!(
                plugin,
                session,
                task = key,
                name = task.name,
                "task failed: {}",
                guest_line(why, usize::MAX)
            ),
            Err(TaskFailure::Cancelled) | Ok(_) => {}
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
