//! How the daemon (or an `--inline` hook) runs one background task: a fresh instance of the
//! build of the plugin that added it, in the sandbox of the hook call that added it.

use crate::call::CallContext;
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
        let loader = &self.loader;
        let path = PathBuf::from(&task.namespace.plugin_path);
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
