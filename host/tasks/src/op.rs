//! The writes the store takes: a new task, a change of state, a removal. One of them is a
//! record of the journal (`crate::journal`) and a message of the writer's queue (`crate::writer`).

use crate::record::{TaskRecord, TaskStatus};
use serde::{Deserialize, Serialize};

#[derive(Debug, Serialize, Deserialize)]
pub enum StoreOp {
    /// A new task.
    Insert(Box<TaskRecord>),
    /// A task changed state.
    Update(TaskUpdate),
    Delete(i64),
}

impl StoreOp {
    pub(crate) fn task_id(&self) -> i64 {
        match self {
            StoreOp::Insert(task) => task.id,
            StoreOp::Update(update) => update.id,
            StoreOp::Delete(id) => *id,
        }
    }
}

/// The parts of a task that change after it is added.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct TaskUpdate {
    pub id: i64,
    pub status: TaskStatus,
    pub value: Option<String>,
    pub error: Option<String>,
    pub started_ms: Option<u64>,
    pub finished_ms: Option<u64>,
    #[serde(default)]
    pub wake: bool,
}

impl TaskUpdate {
    pub fn of(task: &TaskRecord) -> TaskUpdate {
        TaskUpdate {
            id: task.id,
            status: task.status,
            value: task.value.clone(),
            error: task.error.clone(),
            started_ms: task.started_ms,
            finished_ms: task.finished_ms,
            wake: task.wake,
        }
    }

    pub(crate) fn apply(self, task: &mut TaskRecord) {
        task.status = self.status;
        task.value = self.value;
        task.error = self.error;
        task.started_ms = self.started_ms;
        task.finished_ms = self.finished_ms;
        task.wake = self.wake;
    }
}
