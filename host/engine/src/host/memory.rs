//! `fasthooks:hooks/memory`: notes kept across sessions and found again by relevance, answered
//! by the task store's owner like the `state` calls (`fasthooks_tasks::memory` holds the index).

use crate::sandbox::InstanceState;
use crate::wit::memory::{Host, MemoryNote};
use fasthooks_tasks::TaskCall;

impl Host for InstanceState {
    fn remember(&mut self, text: String) -> Result<i64, String> {
        self.tasks_call("memory.remember", TaskCall::MemoryRemember(text))?
            .id()
    }

    fn search(&mut self, words: String, limit: u32) -> Result<Vec<MemoryNote>, String> {
        let notes = self
            .tasks_call("memory.search", TaskCall::MemorySearch { words, limit })?
            .notes()?;
        Ok(notes
            .into_iter()
            .map(|note| MemoryNote {
                id: note.id,
                text: note.text,
                session_id: note.session,
                created_at_ms: note.created_ms,
                score: note.score,
            })
            .collect())
    }

    fn forget(&mut self, id: i64) -> Result<bool, String> {
        self.tasks_call("memory.forget", TaskCall::MemoryForget(id))?
            .flag()
    }
}
