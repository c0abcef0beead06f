//! A task runs to completion inside `add` (in-process, through the app's registered
//! functions, exactly as `run-task` would run it) and its result is kept in the app's
//! in-memory store, per session, until it is popped or its ttl runs out.

use std::panic::{AssertUnwindSafe, catch_unwind};
use std::time::Duration;

use super::{TaskError, TaskInfo, TaskOptions, TaskOutput, TaskStatus, Tasks};
use crate::runtime::native::{TaskRecord, enter, now_ms};

/// The host's default ttl.
const DEFAULT_TTL_SECONDS: u32 = 300;

/// Runs `f` on the app's task records after dropping expired results.
fn with_records<T>(tasks: &Tasks, f: impl FnOnce(&mut Vec<TaskRecord>) -> T) -> T {
    let mut records = tasks.runtime.native.tasks.borrow_mut();
    let now = now_ms();
    records.retain(|r| match r.info.finished_at_ms {
        Some(done) => now < done.saturating_add(u64::from(r.ttl_seconds) * 1000),
        None => true,
    });
    f(&mut records)
}

fn is_mine(tasks: &Tasks, record: &TaskRecord) -> bool {
    record.session == tasks.session_id
}

/// Removes and returns this session's records that satisfy `pred`, in insertion order.
fn take(tasks: &Tasks, pred: impl Fn(&TaskInfo) -> bool) -> Vec<TaskInfo> {
    with_records(tasks, |records| {
        let mut taken = Vec::new();
        records.retain(|r| {
            if is_mine(tasks, r) && pred(&r.info) {
                taken.push(r.info.clone());
                false
            } else {
                true
            }
        });
        taken
    })
}

fn completed_value(tasks: &Tasks, key: &str) -> Option<String> {
    with_records(tasks, |records| {
        records
            .iter()
            .find(|r| is_mine(tasks, r) && r.info.key == key)
            .filter(|r| r.info.status == TaskStatus::Completed)
            .and_then(|r| r.info.value.clone())
    })
}

/// The message of a panic payload.
fn panic_message(payload: &(dyn std::any::Any + Send)) -> String {
    let message = payload
        .downcast_ref::<&str>()
        .map(|s| (*s).to_owned())
        .or_else(|| payload.downcast_ref::<String>().cloned())
        .unwrap_or_else(|| "a panic without a message".to_owned());
    format!("panicked: {message}")
}

pub(super) fn add(
    tasks: &Tasks,
    name: &str,
    args: &str,
    options: TaskOptions,
) -> Result<TaskInfo, TaskError> {
    let key = options.key.unwrap_or_else(|| name.to_owned());
    with_records(tasks, |records| {
        records.retain(|r| !(is_mine(tasks, r) && r.info.key == key))
    });
    let created = now_ms();
    // Run outside the store borrow, in this session's context (for `state`), and turn a panic
    // into a failure as the host turns a trap into one.
    let result = {
        let _context = enter(&tasks.runtime, Some(&tasks.session_id));
        catch_unwind(AssertUnwindSafe(|| tasks.runtime.run(name, args)))
            .unwrap_or_else(|payload| Err(panic_message(payload.as_ref())))
    };
    let finished = now_ms();
    let (status, value, error) = match result {
        Ok(value) => (TaskStatus::Completed, Some(value), None),
        Err(error) => (TaskStatus::Failed, None, Some(error)),
    };
    let info = TaskInfo {
        key,
        name: name.to_owned(),
        status,
        value,
        error,
        created_at_ms: created,
        started_at_ms: Some(created),
        finished_at_ms: Some(finished),
    };
    with_records(tasks, |records| {
        records.push(TaskRecord {
            session: tasks.session_id.clone(),
            ttl_seconds: options.ttl_seconds.unwrap_or(DEFAULT_TTL_SECONDS),
            info: info.clone(),
        })
    });
    Ok(info)
}

/// Nothing wakes in native builds (the task finished inside `add`): whether it could be marked.
pub(super) fn wake(tasks: &Tasks, key: &str) -> Result<bool, TaskError> {
    Ok(with_records(tasks, |records| {
        records.iter().any(|r| {
            is_mine(tasks, r) && r.info.key == key && r.info.status != TaskStatus::Cancelled
        })
    }))
}

pub(super) fn pop(tasks: &Tasks, key: &str) -> Result<Option<String>, TaskError> {
    let taken = take(tasks, |i| i.key == key && i.status == TaskStatus::Completed);
    Ok(taken.into_iter().next().and_then(|i| i.value))
}

pub(super) fn get(tasks: &Tasks, key: &str) -> Result<Option<TaskInfo>, TaskError> {
    Ok(with_records(tasks, |records| {
        records
            .iter()
            .find(|r| is_mine(tasks, r) && r.info.key == key)
            .map(|r| r.info.clone())
    }))
}

pub(super) fn has(tasks: &Tasks, key: Option<&str>) -> Result<bool, TaskError> {
    Ok(with_records(tasks, |records| {
        records.iter().any(|r| {
            is_mine(tasks, r)
                && r.info.status == TaskStatus::Completed
                && key.is_none_or(|k| r.info.key == k)
        })
    }))
}

// Every task finishes inside `add`: there is never anything pending or running to cancel.
pub(super) fn cancel(_: &Tasks, _: &str) -> Result<bool, TaskError> {
    Ok(false)
}

pub(super) fn cancel_all(_: &Tasks) -> Result<u32, TaskError> {
    Ok(0)
}

pub(super) fn pop_all(tasks: &Tasks) -> Result<Vec<TaskOutput>, TaskError> {
    Ok(take(tasks, |i| i.status == TaskStatus::Completed)
        .into_iter()
        .map(|i| TaskOutput {
            key: i.key,
            value: i.value.unwrap_or_default(),
        })
        .collect())
}

pub(super) fn pop_errors(tasks: &Tasks) -> Result<Vec<(String, String)>, TaskError> {
    Ok(take(tasks, |i| i.status == TaskStatus::Failed)
        .into_iter()
        .map(|i| (i.key, i.error.unwrap_or_default()))
        .collect())
}

pub(super) fn wait(tasks: &Tasks, key: &str, _: Duration) -> Result<Option<String>, TaskError> {
    Ok(completed_value(tasks, key))
}

pub(super) fn wait_all(
    tasks: &Tasks,
    keys: &[String],
    _: Duration,
) -> Result<Vec<TaskOutput>, TaskError> {
    // One entry per distinct key, in first-seen order, as in fasthooks and the host.
    let mut distinct: Vec<&String> = Vec::with_capacity(keys.len());
    for key in keys {
        if !distinct.contains(&key) {
            distinct.push(key);
        }
    }
    Ok(distinct
        .into_iter()
        .filter_map(|key| {
            completed_value(tasks, key).map(|value| TaskOutput {
                key: key.clone(),
                value,
            })
        })
        .collect())
}

pub(super) fn wait_any(
    tasks: &Tasks,
    keys: &[String],
    timeout: Duration,
) -> Result<Option<TaskOutput>, TaskError> {
    Ok(wait_all(tasks, keys, timeout)?.into_iter().next())
}
