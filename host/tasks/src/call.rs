//! One guest call of the `tasks`, `state` or `memory` interface as a value, and its answer.
//!
//! The store has one owner at a time ([`crate::owner`]): the process that holds it answers
//! calls itself ([`TaskService::answer`]); any other process (a hook run in-process while the
//! daemon lives) sends the same value to the owner and gets the same answer back
//! ([`TaskPort::Remote`]). One code path for both, so an in-process hook and the daemon can never
//! disagree about what a task holds, and no result is delivered twice.

use crate::record::{Namespace, TaskRecord};
use crate::scheduler::{AddOptions, TaskOrigin, TaskService};
use crate::state::StateNamespace;
use serde::{Deserialize, Serialize};
use std::sync::Arc;
use std::time::Duration;

/// Where a `state` entry lives.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum StateScope {
    Session,
    Global,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub enum TaskCall {
    Add {
        name: String,
        args: String,
        options: AddOptions,
        origin: Box<TaskOrigin>,
    },
    Pop(String),
    Get(String),
    Has(Option<String>),
    Cancel(String),
    CancelAll,
    PopAll,
    PopErrors,
    Wait {
        key: String,
        timeout_ms: u64,
    },
    WaitAll {
        keys: Vec<String>,
        timeout_ms: u64,
    },
    WaitAny {
        keys: Vec<String>,
        timeout_ms: u64,
    },
    StateGet {
        scope: StateScope,
        key: String,
    },
    StateSet {
        scope: StateScope,
        key: String,
        value: String,
    },
    StateDelete {
        scope: StateScope,
        key: String,
    },
    StateKeys(StateScope),
    MemoryRemember(String),
    MemorySearch {
        words: String,
        limit: u32,
    },
    MemoryForget(i64),
    /// Mark a task to wake Claude with its result (`tasks.wake`).
    Wake(String),
    /// The wake hook: wait for marked tasks to finish and take them ([`TaskService::take_waking`]).
    TakeWaking {
        timeout_ms: u64,
    },
    /// The guest call that took these results (pop, pop-all, pop-errors) has ended; whether
    /// it returned (see [`TaskService::settle`]).
    Settle {
        ids: Vec<i64>,
        delivered: bool,
    },
}

impl TaskCall {
    /// How long the owner may take to answer: a wait's own timeout, or nothing.
    pub fn waits_for(&self) -> Duration {
        match self {
            TaskCall::Wait { timeout_ms, .. }
            | TaskCall::WaitAll { timeout_ms, .. }
            | TaskCall::WaitAny { timeout_ms, .. }
            | TaskCall::TakeWaking { timeout_ms } => Duration::from_millis(*timeout_ms),
            _ => Duration::ZERO,
        }
    }
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub enum TaskAnswer {
    Task(Box<TaskRecord>),
    Found(Option<Box<TaskRecord>>),
    Text(Option<String>),
    Flag(bool),
    Count(u32),
    Outputs(Vec<(String, String)>),
    Output(Option<(String, String)>),
    Keys(Vec<String>),
    Id(i64),
    Notes(Vec<crate::memory::MemoryNote>),
    /// Marked tasks taken for the wake hook, to settle when it has handed them over.
    Woken(Vec<crate::wake::WokenTask>),
    Done,
    /// Results taken for the calling guest: their ids, to settle when its call ends, and
    /// (key, value or error) pairs.
    Taken {
        ids: Vec<i64>,
        outputs: Vec<(String, String)>,
    },
}

/// Results taken for a guest call: the ids to settle, and (key, value or error) pairs.
pub type Taken = (Vec<i64>, Vec<(String, String)>);

/// The answer was not the kind the call asks for: a daemon of another build answered.
fn unexpected(answer: &TaskAnswer) -> String {
    format!("the task store's owner answered with an unexpected {answer:?}")
}

impl TaskAnswer {
    pub fn task(self) -> Result<TaskRecord, String> {
        match self {
            TaskAnswer::Task(task) => Ok(*task),
            other => Err(unexpected(&other)),
        }
    }
    pub fn found(self) -> Result<Option<TaskRecord>, String> {
        match self {
            TaskAnswer::Found(task) => Ok(task.map(|t| *t)),
            other => Err(unexpected(&other)),
        }
    }
    pub fn text(self) -> Result<Option<String>, String> {
        match self {
            TaskAnswer::Text(text) => Ok(text),
            other => Err(unexpected(&other)),
        }
    }
    pub fn id(self) -> Result<i64, String> {
        match self {
            TaskAnswer::Id(id) => Ok(id),
            other => Err(unexpected(&other)),
        }
    }
    pub fn notes(self) -> Result<Vec<crate::memory::MemoryNote>, String> {
        match self {
            TaskAnswer::Notes(notes) => Ok(notes),
            other => Err(unexpected(&other)),
        }
    }
    pub fn woken(self) -> Result<Vec<crate::wake::WokenTask>, String> {
        match self {
            TaskAnswer::Woken(tasks) => Ok(tasks),
            other => Err(unexpected(&other)),
        }
    }
    /// The ids of results this answer took for its caller, which must settle them.
    pub fn taken_ids(&self) -> Vec<i64> {
        match self {
            TaskAnswer::Taken { ids, .. } => ids.clone(),
            TaskAnswer::Woken(tasks) => tasks.iter().map(|task| task.id).collect(),
            _ => Vec::new(),
        }
    }
    pub fn flag(self) -> Result<bool, String> {
        match self {
            TaskAnswer::Flag(flag) => Ok(flag),
            other => Err(unexpected(&other)),
        }
    }
    pub fn count(self) -> Result<u32, String> {
        match self {
            TaskAnswer::Count(count) => Ok(count),
            other => Err(unexpected(&other)),
        }
    }
    pub fn outputs(self) -> Result<Vec<(String, String)>, String> {
        match self {
            TaskAnswer::Outputs(outputs) => Ok(outputs),
            other => Err(unexpected(&other)),
        }
    }
    pub fn output(self) -> Result<Option<(String, String)>, String> {
        match self {
            TaskAnswer::Output(output) => Ok(output),
            other => Err(unexpected(&other)),
        }
    }
    pub fn keys(self) -> Result<Vec<String>, String> {
        match self {
            TaskAnswer::Keys(keys) => Ok(keys),
            other => Err(unexpected(&other)),
        }
    }
    pub fn taken(self) -> Result<Taken, String> {
        match self {
            TaskAnswer::Taken { ids, outputs } => Ok((ids, outputs)),
            other => Err(unexpected(&other)),
        }
    }
    pub fn done(self) -> Result<(), String> {
        match self {
            TaskAnswer::Done => Ok(()),
            other => Err(unexpected(&other)),
        }
    }
}

/// A call as it travels to the store's owner.
#[derive(Debug, Serialize, Deserialize)]
pub struct RemoteCall {
    pub namespace: Namespace,
    pub call: TaskCall,
}

/// The owner, reached from another process; implemented by the engine over the daemon's socket.
pub trait RemoteOwner: Send + Sync {
    fn call(&self, call: RemoteCall) -> Result<TaskAnswer, String>;
}

/// How this process reaches the task store: it owns it, or it asks the owner.
#[derive(Clone)]
pub enum TaskPort {
    Owner(Arc<TaskService>),
    Remote(Arc<dyn RemoteOwner>),
}

impl TaskPort {
    pub fn call(&self, namespace: &Namespace, call: TaskCall) -> Result<TaskAnswer, String> {
        match self {
            TaskPort::Owner(service) => service.answer(namespace, call),
            TaskPort::Remote(owner) => owner.call(RemoteCall {
                namespace: namespace.clone(),
                call,
            }),
        }
    }

    /// The service, when this process owns the store.
    pub fn owned(&self) -> Option<&Arc<TaskService>> {
        match self {
            TaskPort::Owner(service) => Some(service),
            TaskPort::Remote(_) => None,
        }
    }
}

/// The answer to a pop: the ids to settle, and each task's key with `text` of it.
fn taken(
    tasks: impl IntoIterator<Item = TaskRecord>,
    text: impl Fn(TaskRecord) -> Option<String>,
) -> TaskAnswer {
    let mut ids = Vec::new();
    let mut outputs = Vec::new();
    for task in tasks {
        ids.push(task.id);
        let key = task.key.clone();
        outputs.push((key, text(task).unwrap_or_default()));
    }
    TaskAnswer::Taken { ids, outputs }
}

impl TaskService {
    /// Answer one guest call, scoped to `ns`. Errors are the text the guest sees.
    pub fn answer(&self, ns: &Namespace, call: TaskCall) -> Result<TaskAnswer, String> {
        let text = |err: &dyn std::fmt::Display| err.to_string();
        let state = |scope: StateScope| StateNamespace {
            plugin_name: ns.plugin_name.clone(),
            plugin_path: ns.plugin_path.clone(),
            scope: match scope {
                StateScope::Session => format!("session:{}", ns.session),
                StateScope::Global => "global".to_owned(),
            },
        };
        let memory = crate::memory::MemoryNamespace {
            plugin_name: ns.plugin_name.clone(),
            plugin_path: ns.plugin_path.clone(),
            session: ns.session.clone(),
        };
        Ok(match call {
            TaskCall::Add {
                name,
                args,
                options,
                origin,
            } => TaskAnswer::Task(Box::new(
                self.add(ns, &name, &args, options, &origin)
                    .map_err(|e| text(&e))?,
            )),
            TaskCall::Pop(key) => taken(self.pop(ns, &key), |t| t.value),
            TaskCall::Get(key) => TaskAnswer::Found(self.get(ns, &key).map(Box::new)),
            TaskCall::Has(key) => TaskAnswer::Flag(self.has(ns, key.as_deref())),
            TaskCall::Cancel(key) => TaskAnswer::Flag(self.cancel(ns, &key).map_err(|e| text(&e))?),
            TaskCall::CancelAll => TaskAnswer::Count(self.cancel_all(ns).map_err(|e| text(&e))?),
            TaskCall::PopAll => taken(self.pop_all(ns), |t| t.value),
            TaskCall::PopErrors => taken(self.pop_errors(ns), |t| t.error),
            TaskCall::Wake(key) => {
                TaskAnswer::Flag(self.mark_wake(ns, &key).map_err(|e| text(&e))?)
            }
            TaskCall::TakeWaking { timeout_ms } => {
                TaskAnswer::Woken(self.take_waking(ns, Duration::from_millis(timeout_ms)))
            }
            TaskCall::Settle { ids, delivered } => {
                self.settle(&ids, delivered).map_err(|e| text(&e))?;
                TaskAnswer::Done
            }
            TaskCall::Wait { key, timeout_ms } => {
                TaskAnswer::Text(self.wait(ns, &key, Duration::from_millis(timeout_ms)))
            }
            TaskCall::WaitAll { keys, timeout_ms } => {
                TaskAnswer::Outputs(self.wait_all(ns, &keys, Duration::from_millis(timeout_ms)))
            }
            TaskCall::WaitAny { keys, timeout_ms } => {
                TaskAnswer::Output(self.wait_any(ns, &keys, Duration::from_millis(timeout_ms)))
            }
            TaskCall::StateGet { scope, key } => TaskAnswer::Text(
                self.store()
                    .state_get(&state(scope), &key)
                    .map_err(|e| text(&e))?,
            ),
            TaskCall::StateSet { scope, key, value } => {
                self.store()
                    .state_set(&state(scope), &key, &value)
                    .map_err(|e| text(&e))?;
                TaskAnswer::Done
            }
            TaskCall::StateDelete { scope, key } => TaskAnswer::Flag(
                self.store()
                    .state_delete(&state(scope), &key)
                    .map_err(|e| text(&e))?,
            ),
            TaskCall::StateKeys(scope) => TaskAnswer::Keys(
                self.store()
                    .state_keys(&state(scope))
                    .map_err(|e| text(&e))?,
            ),
            TaskCall::MemoryRemember(note) => TaskAnswer::Id(
                self.store()
                    .memory_remember(&memory, &note)
                    .map_err(|e| text(&e))?,
            ),
            TaskCall::MemorySearch { words, limit } => TaskAnswer::Notes(
                self.store()
                    .memory_search(&memory, &words, limit)
                    .map_err(|e| text(&e))?,
            ),
            TaskCall::MemoryForget(id) => TaskAnswer::Flag(
                self.store()
                    .memory_forget(&memory, id)
                    .map_err(|e| text(&e))?,
            ),
        })
    }
}
