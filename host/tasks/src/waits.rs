//! Waiting for tasks: every wait sleeps on the scheduler's condition variable, which each task
//! state change notifies, so a waiter wakes as soon as its task finishes.

use crate::record::{Namespace, TaskStatus};
use crate::scheduler::TaskService;
use crate::table::Table;
use std::time::{Duration, Instant};

impl TaskService {
    /// Sleep until `done` says so or `timeout` passes; `done` runs under the table lock after
    /// every task state change.
    pub(crate) fn wait_until<R>(
        &self,
        timeout: Duration,
        mut done: impl FnMut(&Table) -> Option<R>,
    ) -> Option<R> {
        let deadline = Instant::now() + timeout;
        let mut table = self.lock();
        loop {
            if let Some(result) = done(&table) {
                return Some(result);
            }
            let now = Instant::now();
            if now >= deadline {
                return None;
            }
            table = self.changed.wait_timeout(table, deadline - now).unwrap().0;
        }
    }

    /// The value once `key` completes (not removed); none on timeout, failure, cancellation or
    /// when there is no such task.
    pub fn wait(&self, ns: &Namespace, key: &str, timeout: Duration) -> Option<String> {
        self.wait_until(timeout, |table| match table.lookup(ns, key) {
            None => Some(None),
            Some(task) if task.status == TaskStatus::Completed => Some(task.value.clone()),
            Some(task) if task.status.is_terminal() => Some(None),
            Some(_) => None,
        })
        .flatten()
    }

    /// Wait until every key has finished (or does not exist); return the completed ones.
    pub fn wait_all(
        &self,
        ns: &Namespace,
        keys: &[String],
        timeout: Duration,
    ) -> Vec<(String, String)> {
        // One entry per distinct key, in first-seen order, as in fasthooks.
        let mut seen = std::collections::HashSet::with_capacity(keys.len());
        let keys: Vec<&String> = keys.iter().filter(|key| seen.insert(*key)).collect();
        // One key at a time: each wake-up looks at one task, not at all of them.
        let deadline = Instant::now() + timeout;
        for &key in &keys {
            let left = deadline.saturating_duration_since(Instant::now());
            let finished = self.wait_until(left, |table| {
                table
                    .lookup(ns, key)
                    .is_none_or(|t| t.status.is_terminal())
                    .then_some(())
            });
            if finished.is_none() {
                break;
            }
        }
        let table = self.lock();
        keys.into_iter()
            .filter_map(|key| {
                let task = table.lookup(ns, key)?;
                (task.status == TaskStatus::Completed)
                    .then(|| (key.clone(), task.value.clone().unwrap_or_default()))
            })
            .collect()
    }

    /// The first of `keys` to complete; none on timeout, or at once when none of them can
    /// complete any more (all failed, cancelled or absent).
    pub fn wait_any(
        &self,
        ns: &Namespace,
        keys: &[String],
        timeout: Duration,
    ) -> Option<(String, String)> {
        self.wait_until(timeout, |table| {
            let mut any_unfinished = false;
            for key in keys {
                match table.lookup(ns, key) {
                    Some(task) if task.status == TaskStatus::Completed => {
                        return Some(Some((key.clone(), task.value.clone().unwrap_or_default())));
                    }
                    Some(task) if !task.status.is_terminal() => any_unfinished = true,
                    _ => {}
                }
            }
            (!any_unfinished).then_some(None)
        })
        .flatten()
    }
}
