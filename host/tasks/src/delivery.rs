//! Handing results to guests. A pop takes results out of the table for the guest call that
//! asked (nobody else sees them from then on) but leaves them in the store until the call has
//! ended: deleted if it returned, put back to be popped again if it trapped (say, out of
//! memory while receiving them) or was stopped. A result is removed only once a guest has
//! received it.

use crate::limits::ABANDONED_DELIVERY_MS;
use crate::record::{Namespace, TaskRecord, TaskStatus, now_ms};
use crate::scheduler::TaskService;
use crate::store::{StoreOp, WriteError};
use crate::table::Table;

impl TaskService {
    /// Take results out of the table for a guest call: nobody else sees them from now on, but
    /// they stay in the store until [`TaskService::settle`] says whether the call received them.
    pub(crate) fn take(
        &self,
        table: &mut Table,
        ids: impl IntoIterator<Item = i64>,
    ) -> Vec<TaskRecord> {
        let mut taken = Vec::new();
        for id in ids {
            if let Some(task) = table.remove(id) {
                table.delivering.insert(id, (task.clone(), None));
                taken.push(task);
            }
        }
        taken
    }

    /// The guest call that took results `ids` has ended: `delivered` (it returned) deletes
    /// them, otherwise (a trap, a timeout, a cancel) they go back, to be popped again. A delete
    /// that cannot be saved puts them back too: delivered twice rather than lost.
    pub fn settle(&self, ids: &[i64], delivered: bool) -> Result<(), WriteError> {
        let mut table = self.lock();
        let taken: Vec<TaskRecord> = ids
            .iter()
            .filter_map(|id| table.delivering.remove(id).map(|(task, _)| task))
            .collect();
        if !delivered {
            self.put_back(&mut table, taken);
            return Ok(());
        }
        let deletes = taken.iter().map(|task| StoreOp::Delete(task.id)).collect();
        match self.store().save(deletes) {
            Ok(()) => Ok(()),
            Err(err) => {
                self.put_back(&mut table, taken);
                Err(err)
            }
        }
    }

    /// Results back into the table, unless their key was added again meanwhile.
    fn put_back(&self, table: &mut Table, tasks: Vec<TaskRecord>) {
        for task in tasks {
            if table
                .by_key
                .contains_key(&(task.namespace.clone(), task.key.clone()))
            {
                self.store().submit(StoreOp::Delete(task.id));
            } else {
                table.insert(task);
            }
        }
    }

    /// The value of a completed task, taken for this guest call (see [`TaskService::settle`]).
    pub fn pop(&self, ns: &Namespace, key: &str) -> Option<TaskRecord> {
        let mut table = self.lock();
        let id = table
            .lookup(ns, key)
            .filter(|t| t.status == TaskStatus::Completed)
            .map(|t| t.id)?;
        self.take(&mut table, [id]).pop()
    }

    fn take_where(&self, ns: &Namespace, status: TaskStatus) -> Vec<TaskRecord> {
        let mut table = self.lock();
        let mut ids: Vec<(u64, i64)> = table
            .in_namespace(ns)
            .filter(|t| t.status == status)
            .map(|t| (t.finished_ms.unwrap_or(0), t.id))
            .collect();
        ids.sort();
        self.take(&mut table, ids.into_iter().map(|(_, id)| id))
    }

    /// Every completed result, taken for this guest call, in completion order.
    pub fn pop_all(&self, ns: &Namespace) -> Vec<TaskRecord> {
        self.take_where(ns, TaskStatus::Completed)
    }

    /// Every failed task, taken for this guest call: each failure is reported once.
    pub fn pop_errors(&self, ns: &Namespace) -> Vec<TaskRecord> {
        self.take_where(ns, TaskStatus::Failed)
    }

    /// Results `ids` went to a call in another process, which settles them over the socket;
    /// if it never does (it died), [`TaskService::put_back_abandoned`] gives them back. A call
    /// in this process always settles when it ends, however long it runs.
    pub fn handed_to_another_process(&self, ids: &[i64]) {
        let now = now_ms();
        let mut table = self.lock();
        for id in ids {
            if let Some((_, handed)) = table.delivering.get_mut(id) {
                *handed = Some(now);
            }
        }
    }

    /// Put back what calls in other processes took and never settled (they died meanwhile),
    /// as of `now`.
    pub(crate) fn put_back_abandoned(&self, table: &mut Table, now: u64) {
        let abandoned: Vec<i64> = table
            .delivering
            .iter()
            .filter(|(_, (_, handed))| {
                handed.is_some_and(|at| now.saturating_sub(at) > ABANDONED_DELIVERY_MS)
            })
            .map(|(id, _)| *id)
            .collect();
        let abandoned = abandoned
            .iter()
            .filter_map(|id| table.delivering.remove(id).map(|(task, _)| task))
            .collect();
        self.put_back(table, abandoned);
    }
}

#[cfg(test)]
#[path = "delivery_tests.rs"]
mod tests;
