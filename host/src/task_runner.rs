//! How the daemon (or an `--inline` hook) runs one background task: a fresh instance of the
//! build of the plugin that added it, in the sandbox of the hook call that added it.

use crate::instance::{self, CallContext, CallFailure};
use crate::plugin::{PluginId, PluginLoader};
use crate::sandbox::TaskSandbox;
use crate::tasks::record::TaskRecord;
use crate::tasks::{TaskAccess, TaskRunner, TaskService};
use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::AtomicBool;
use std::time::{Duration, Instant};

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
    ) -> Result<String, CallFailure> {
        let loader = &self.loader;
        let sandbox: TaskSandbox = serde_json::from_str(&task.sandbox)
            .map_err(|err| CallFailure::Setup(format!("unreadable task sandbox: {err}")))?;
        let path = PathBuf::from(&task.namespace.plugin_path);
        let plugin = loader
            .load_build(&path, &task.plugin_sha256)
            .map_err(CallFailure::Setup)?;
        let timeout = Duration::from_millis(sandbox.timeout_ms);
        let context = CallContext {
            plugin: Arc::new(PluginId {
                name: task.namespace.plugin_name.clone(),
                path,
            }),
            plugin_sha256: task.plugin_sha256.clone(),
            session_id: task.namespace.session.clone(),
            cwd: sandbox.cwd.clone(),
            grants: Arc::new(sandbox.grants),
            memory_bytes: sandbox.memory_bytes,
            timeout,
            wait_deadline: Instant::now() + timeout,
            task_timeout: timeout,
            tasks: Some(TaskAccess::ready(service.clone())),
            cancel,
        };
        instance::run_task(
            loader.engine(),
            &plugin.pre,
            context,
            &task.name,
            &task.args,
        )
    }
}
