//! Results that wake Claude. A plugin marks a task (`tasks.wake`); when it finishes while
//! Claude is idle, the plugin's wake hook (an `asyncRewake` Stop hook running
//! `fasthooks-host wake`) takes its result and hands it to Claude, which wakes up with it.
//! Taken like a pop (`delivery`): a result woken with is never popped again, and one a hook
//! popped first never wakes anyone.

use crate::record::{Namespace, TaskStatus};
use crate::scheduler::TaskService;
use crate::store::{StoreOp, TaskUpdate, WriteError};
use serde::{Deserialize, Serialize};
use std::time::Duration;

/// A finished task taken for the wake hook: a value, or why it failed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct WokenTask {
    pub id: i64,
    pub key: String,
    pub name: String,
    pub outcome: Result<String, String>,
}

impl TaskService {
    /// Mark task `key` to wake Claude with its result. False when there is no such task, or
    /// it was cancelled (nothing would wake anyone). Saved before it returns, like an add.
    pub fn mark_wake(&self, ns: &Namespace, key: &str) -> Result<bool, WriteError> {
        let mut table = self.lock();
        let Some(id) = table
            .lookup(ns, key)
            .filter(|t| t.status != TaskStatus::Cancelled)
            .map(|t| t.id)
        else {
            return Ok(false);
        };
        if table.waking.contains(&id) {
            return Ok(true);
        }
        let mut marked = table.tasks[&id].clone();
        marked.wake = true;
        self.store()
            .save(vec![StoreOp::Update(TaskUpdate::of(&marked))])?;
        table.update(id, |task| task.wake = true);
        table.waking.insert(id);
        drop(table);
        self.changed.notify_all();
        Ok(true)
    }

    /// Wait up to `timeout` for a marked task of `ns` to finish, then take every marked task
    /// that has (completed or failed), in completion order. At once empty when `ns` has no
    /// marked task left to wait for (none, or all popped or cancelled). Settled like a pop.
    pub fn take_waking(&self, ns: &Namespace, timeout: Duration) -> Vec<WokenTask> {
        let ready = self.wait_until(timeout, |table| {
            let mut unfinished = false;
            let mut finished = Vec::new();
            for task in table.waking.iter().filter_map(|id| table.tasks.get(id)) {
                if &task.namespace != ns {
                    continue;
                }
                match task.status {
                    TaskStatus::Completed | TaskStatus::Failed => {
                        finished.push((task.finished_ms.unwrap_or(0), task.id))
                    }
                    TaskStatus::Pending | TaskStatus::Running => unfinished = true,
                    TaskStatus::Cancelled => {}
                }
            }
            (!finished.is_empty() || !unfinished).then_some(finished)
        });
        let mut ready = ready.unwrap_or_default();
        ready.sort();
        let mut table = self.lock();
        self.take(&mut table, ready.into_iter().map(|(_, id)| id))
            .into_iter()
            .map(|task| WokenTask {
                id: task.id,
                outcome: match task.status {
                    TaskStatus::Completed => Ok(task.value.unwrap_or_default()),
                    _ => Err(task.error.unwrap_or_default()),
                },
                key: task.key,
                name: task.name,
            })
            .collect()
    }
}

#[cfg(test)]
#[path = "wake_tests.rs"]
mod tests;
