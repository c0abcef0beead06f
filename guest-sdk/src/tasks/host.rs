//! Every call goes to the host's `tasks` interface, which knows the plugin and the session of
//! the current call. An error from the host is returned as [`TaskError`].

use std::time::Duration;

use super::{TaskError, TaskInfo, TaskOptions, TaskOutput, TaskStatus, Tasks};
use crate::bindings::fasthooks::hooks::tasks as host;
use crate::bindings::fasthooks::hooks::types as wit;

fn millis(timeout: Duration) -> u32 {
    u32::try_from(timeout.as_millis()).unwrap_or(u32::MAX)
}

fn info(info: wit::TaskInfo) -> TaskInfo {
    TaskInfo {
        key: info.key,
        name: info.name,
        status: match info.status {
            wit::TaskStatus::Pending => TaskStatus::Pending,
            wit::TaskStatus::Running => TaskStatus::Running,
            wit::TaskStatus::Completed => TaskStatus::Completed,
            wit::TaskStatus::Failed => TaskStatus::Failed,
            wit::TaskStatus::Cancelled => TaskStatus::Cancelled,
        },
        value: info.value,
        error: info.error,
        created_at_ms: info.created_at_ms,
        started_at_ms: info.started_at_ms,
        finished_at_ms: info.finished_at_ms,
    }
}

fn output(output: wit::TaskOutput) -> TaskOutput {
    TaskOutput {
        key: output.key,
        value: output.value,
    }
}

pub(super) fn add(
    _: &Tasks,
    name: &str,
    args: &str,
    options: TaskOptions,
) -> Result<TaskInfo, TaskError> {
    let wake = options.wake;
    let options = wit::TaskOptions {
        key: options.key,
        ttl_seconds: options.ttl_seconds,
        priority: options.priority,
    };
    let added = host::add(name, args, &options)
        .map(info)
        .map_err(TaskError)?;
    if wake {
        host::wake(&added.key).map_err(|err| {
            TaskError(format!(
                "`{}` was added, but cannot be marked to wake Claude: {err}",
                added.key
            ))
        })?;
    }
    Ok(added)
}

pub(super) fn wake(_: &Tasks, key: &str) -> Result<bool, TaskError> {
    host::wake(key).map_err(TaskError)
}

pub(super) fn pop(_: &Tasks, key: &str) -> Result<Option<String>, TaskError> {
    host::pop(key).map_err(TaskError)
}

pub(super) fn get(_: &Tasks, key: &str) -> Result<Option<TaskInfo>, TaskError> {
    host::get(key).map(|i| i.map(info)).map_err(TaskError)
}

pub(super) fn has(_: &Tasks, key: Option<&str>) -> Result<bool, TaskError> {
    host::has(key).map_err(TaskError)
}

pub(super) fn cancel(_: &Tasks, key: &str) -> Result<bool, TaskError> {
    host::cancel(key).map_err(TaskError)
}

pub(super) fn cancel_all(_: &Tasks) -> Result<u32, TaskError> {
    host::cancel_all().map_err(TaskError)
}

pub(super) fn pop_all(_: &Tasks) -> Result<Vec<TaskOutput>, TaskError> {
    host::pop_all()
        .map(|all| all.into_iter().map(output).collect())
        .map_err(TaskError)
}

pub(super) fn pop_errors(_: &Tasks) -> Result<Vec<(String, String)>, TaskError> {
    host::pop_errors()
        .map(|all| all.into_iter().map(|e| (e.key, e.error)).collect())
        .map_err(TaskError)
}

pub(super) fn wait(_: &Tasks, key: &str, timeout: Duration) -> Result<Option<String>, TaskError> {
    host::wait(key, millis(timeout)).map_err(TaskError)
}

pub(super) fn wait_all(
    _: &Tasks,
    keys: &[String],
    timeout: Duration,
) -> Result<Vec<TaskOutput>, TaskError> {
    host::wait_all(keys, millis(timeout))
        .map(|all| all.into_iter().map(output).collect())
        .map_err(TaskError)
}

pub(super) fn wait_any(
    _: &Tasks,
    keys: &[String],
    timeout: Duration,
) -> Result<Option<TaskOutput>, TaskError> {
    host::wait_any(keys, millis(timeout))
        .map(|o| o.map(output))
        .map_err(TaskError)
}
