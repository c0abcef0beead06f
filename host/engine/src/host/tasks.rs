//! `fasthooks:hooks/tasks`: the seed's task API for the guest, scoped to its (plugin, session).

use crate::sandbox::InstanceState;
use crate::wit::tasks::Host;
use crate::wit::types::{self, TaskError, TaskInfo, TaskOptions, TaskOutput};
use fasthooks_tasks::{AddOptions, TaskOrigin, TaskRecord, TaskStatus};

fn task_info(task: TaskRecord) -> TaskInfo {
    TaskInfo {
        key: task.key,
        name: task.name,
        status: match task.status {
            TaskStatus::Pending => types::TaskStatus::Pending,
            TaskStatus::Running => types::TaskStatus::Running,
            TaskStatus::Completed => types::TaskStatus::Completed,
            TaskStatus::Failed => types::TaskStatus::Failed,
            TaskStatus::Cancelled => types::TaskStatus::Cancelled,
        },
        value: task.value,
        error: task.error,
        created_at_ms: task.created_ms,
        started_at_ms: task.started_ms,
        finished_at_ms: task.finished_ms,
    }
}

fn outputs(pairs: Vec<(String, String)>) -> Vec<TaskOutput> {
    pairs
        .into_iter()
        .map(|(key, value)| TaskOutput { key, value })
        .collect()
}

impl Host for InstanceState {
    fn add(
        &mut self,
        name: String,
        args: String,
        options: TaskOptions,
    ) -> Result<TaskInfo, String> {
        let service = self.task_service("tasks.add")?;
        let origin = TaskOrigin {
            plugin_sha256: self.plugin_sha256.clone(),
            sandbox: self.task_sandbox.clone(),
        };
        let options = AddOptions {
            key: options.key,
            ttl_seconds: options.ttl_seconds,
            priority: options.priority,
        };
        service
            .add(&self.namespace(), &name, &args, options, &origin)
            .map(task_info)
            .map_err(|err| err.to_string())
    }
    fn pop(&mut self, key: String) -> Result<Option<String>, String> {
        Ok(self.task_service("tasks.pop")?.pop(&self.namespace(), &key))
    }
    fn get(&mut self, key: String) -> Result<Option<TaskInfo>, String> {
        Ok(self
            .task_service("tasks.get")?
            .get(&self.namespace(), &key)
            .map(task_info))
    }
    fn has(&mut self, key: Option<String>) -> Result<bool, String> {
        Ok(self
            .task_service("tasks.has")?
            .has(&self.namespace(), key.as_deref()))
    }
    fn cancel(&mut self, key: String) -> Result<bool, String> {
        Ok(self
            .task_service("tasks.cancel")?
            .cancel(&self.namespace(), &key))
    }
    fn cancel_all(&mut self) -> Result<u32, String> {
        Ok(self
            .task_service("tasks.cancel-all")?
            .cancel_all(&self.namespace()))
    }
    fn pop_all(&mut self) -> Result<Vec<TaskOutput>, String> {
        Ok(outputs(
            self.task_service("tasks.pop-all")?
                .pop_all(&self.namespace()),
        ))
    }
    fn pop_errors(&mut self) -> Result<Vec<TaskError>, String> {
        let errors = self
            .task_service("tasks.pop-errors")?
            .pop_errors(&self.namespace());
        Ok(errors
            .into_iter()
            .map(|(key, error)| TaskError { key, error })
            .collect())
    }
    fn wait(&mut self, key: String, timeout_ms: u32) -> Result<Option<String>, String> {
        let service = self.task_service("tasks.wait")?;
        let (ns, timeout) = (self.namespace(), self.wait_timeout(timeout_ms));
        Ok(self.waiting(|| service.wait(&ns, &key, timeout)))
    }
    fn wait_all(&mut self, keys: Vec<String>, timeout_ms: u32) -> Result<Vec<TaskOutput>, String> {
        let service = self.task_service("tasks.wait-all")?;
        let (ns, timeout) = (self.namespace(), self.wait_timeout(timeout_ms));
        Ok(outputs(
            self.waiting(|| service.wait_all(&ns, &keys, timeout)),
        ))
    }
    fn wait_any(
        &mut self,
        keys: Vec<String>,
        timeout_ms: u32,
    ) -> Result<Option<TaskOutput>, String> {
        let service = self.task_service("tasks.wait-any")?;
        let (ns, timeout) = (self.namespace(), self.wait_timeout(timeout_ms));
        let found = self.waiting(|| service.wait_any(&ns, &keys, timeout));
        Ok(found.map(|(key, value)| TaskOutput { key, value }))
    }
}
