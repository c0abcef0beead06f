//! `fasthooks:hooks/tasks`: the seed's task API for the guest, scoped to its (plugin, session).
//! Every call is a [`TaskCall`] for the store's owner, so it means the same in the daemon and in
//! a hook run in-process.

use crate::sandbox::InstanceState;
use crate::wit::tasks::Host;
use crate::wit::types::{self, TaskError, TaskInfo, TaskOptions, TaskOutput};
use fasthooks_tasks::{AddOptions, TaskCall, TaskOrigin, TaskRecord, TaskStatus};

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

impl InstanceState {
    /// A pop: the results are this call's, and leave the store when it returns
    /// ([`InstanceState::settle_taken`]).
    fn take(&mut self, what: &str, call: TaskCall) -> Result<Vec<(String, String)>, String> {
        let (ids, outputs) = self.tasks_call(what, call)?.taken()?;
        self.taken.extend(ids);
        Ok(outputs)
    }

    /// The call has ended: what it popped is deleted if it `returned` (it received the
    /// results), and put back to be popped again if it trapped or was stopped.
    pub fn settle_taken(&mut self, returned: bool) {
        if self.taken.is_empty() {
            return;
        }
        let ids = std::mem::take(&mut self.taken);
        let count = ids.len();
        let settle = TaskCall::Settle {
            ids,
            delivered: returned,
        };
        if let Err(err) = self.tasks_call("tasks.pop", settle) {
            let plugin = self.plugin.name.as_str();
            tracing::warn!(plugin, "{count} popped results not settled: {err}");
        }
    }

    /// A wait: cut to this call's wait budget and not charged to the guest's CPU deadline.
    fn wait_call(
        &mut self,
        what: &str,
        timeout_ms: u32,
        call: impl FnOnce(u64) -> TaskCall,
    ) -> Result<fasthooks_tasks::TaskAnswer, String> {
        let timeout = self.wait_timeout(timeout_ms).as_millis() as u64;
        let call = call(timeout);
        self.waiting(|state| state.tasks_call(what, call))
    }
}

impl Host for InstanceState {
    fn add(
        &mut self,
        name: String,
        args: String,
        options: TaskOptions,
    ) -> Result<TaskInfo, String> {
        let call = TaskCall::Add {
            name,
            args,
            options: AddOptions {
                key: options.key,
                ttl_seconds: options.ttl_seconds,
                priority: options.priority,
            },
            origin: Box::new(TaskOrigin {
                plugin_sha256: self.plugin_sha256.clone(),
                sandbox: self.task_sandbox.clone(),
            }),
        };
        self.tasks_call("tasks.add", call)?.task().map(task_info)
    }
    fn pop(&mut self, key: String) -> Result<Option<String>, String> {
        Ok(self
            .take("tasks.pop", TaskCall::Pop(key))?
            .pop()
            .map(|(_, value)| value))
    }
    fn get(&mut self, key: String) -> Result<Option<TaskInfo>, String> {
        Ok(self
            .tasks_call("tasks.get", TaskCall::Get(key))?
            .found()?
            .map(task_info))
    }
    fn has(&mut self, key: Option<String>) -> Result<bool, String> {
        self.tasks_call("tasks.has", TaskCall::Has(key))?.flag()
    }
    fn cancel(&mut self, key: String) -> Result<bool, String> {
        self.tasks_call("tasks.cancel", TaskCall::Cancel(key))?
            .flag()
    }
    fn wake(&mut self, key: String) -> Result<bool, String> {
        self.tasks_call("tasks.wake", TaskCall::Wake(key))?.flag()
    }
    fn cancel_all(&mut self) -> Result<u32, String> {
        self.tasks_call("tasks.cancel-all", TaskCall::CancelAll)?
            .count()
    }
    fn pop_all(&mut self) -> Result<Vec<TaskOutput>, String> {
        Ok(outputs(self.take("tasks.pop-all", TaskCall::PopAll)?))
    }
    fn pop_errors(&mut self) -> Result<Vec<TaskError>, String> {
        let errors = self.take("tasks.pop-errors", TaskCall::PopErrors)?;
        Ok(errors
            .into_iter()
            .map(|(key, error)| TaskError { key, error })
            .collect())
    }
    fn wait(&mut self, key: String, timeout_ms: u32) -> Result<Option<String>, String> {
        self.wait_call("tasks.wait", timeout_ms, |timeout_ms| TaskCall::Wait {
            key,
            timeout_ms,
        })?
        .text()
    }
    fn wait_all(&mut self, keys: Vec<String>, timeout_ms: u32) -> Result<Vec<TaskOutput>, String> {
        let answer = self.wait_call("tasks.wait-all", timeout_ms, |timeout_ms| {
            TaskCall::WaitAll { keys, timeout_ms }
        })?;
        Ok(outputs(answer.outputs()?))
    }
    fn wait_any(
        &mut self,
        keys: Vec<String>,
        timeout_ms: u32,
    ) -> Result<Option<TaskOutput>, String> {
        let answer = self.wait_call("tasks.wait-any", timeout_ms, |timeout_ms| {
            TaskCall::WaitAny { keys, timeout_ms }
        })?;
        Ok(answer
            .output()?
            .map(|(key, value)| TaskOutput { key, value }))
    }
}
