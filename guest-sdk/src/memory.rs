//! Notes a plugin keeps across sessions and finds again by relevance (the WIT's `memory`): the
//! host keeps a full-text index per plugin (SQLite FTS5, ranked by BM25), shared by every
//! session of the plugin. A search is plain words. Notes are up to 16 KiB; the 5,000 newest are
//! kept.
//!
//! Natively (plugin unit tests) the notes are in memory inside the [`App`](crate::App), reached
//! like [`state`](crate::state) while the app dispatches an event, runs a task or runs
//! [`App::in_session`](crate::App::in_session); notes are ranked by how many of the query's
//! words they hold (a stand-in for BM25, enough to test a plugin's logic).
//!
//! ```
//! use fasthooks_sdk::{App, memory};
//!
//! let app = App::new("recall", "1.0.0");
//! app.in_session("s1", || memory::remember("The deploy key lives in vault at secret/deploy."))
//!     .unwrap();
//! app.in_session("s1", || memory::remember("Lunch is at noon.")).unwrap();
//! let found = app.in_session("s2", || memory::search("where is the deploy key?", 5)).unwrap();
//! assert_eq!(found[0].text, "The deploy key lives in vault at secret/deploy.");
//! assert_eq!(found[0].session_id, "s1");
//! ```

/// One note a search found.
#[derive(Debug, Clone, PartialEq)]
pub struct Note {
    /// Its id (for [`forget`]).
    pub id: i64,
    /// The text kept.
    pub text: String,
    /// The session that kept it.
    pub session_id: String,
    /// When, in milliseconds since the Unix epoch.
    pub created_at_ms: i64,
    /// Relevance: higher is better.
    pub score: f64,
}

/// Keeps `text` as a note of this plugin, tagged with the current session; returns its id.
pub fn remember(text: &str) -> Result<i64, String> {
    backend::remember(text)
}

/// This plugin's notes that best match `words`, most relevant first, at most `limit`.
pub fn search(words: &str, limit: u32) -> Result<Vec<Note>, String> {
    backend::search(words, limit)
}

/// Drops the note `id`; true if it was there.
pub fn forget(id: i64) -> Result<bool, String> {
    backend::forget(id)
}

#[cfg(target_arch = "wasm32")]
mod backend {
    use super::Note;
    use crate::bindings::fasthooks::hooks::memory as host;

    pub(super) fn remember(text: &str) -> Result<i64, String> {
        host::remember(text)
    }

    pub(super) fn search(words: &str, limit: u32) -> Result<Vec<Note>, String> {
        Ok(host::search(words, limit)?
            .into_iter()
            .map(|n| Note {
                id: n.id,
                text: n.text,
                session_id: n.session_id,
                created_at_ms: n.created_at_ms,
                score: n.score,
            })
            .collect())
    }

    pub(super) fn forget(id: i64) -> Result<bool, String> {
        host::forget(id)
    }
}

#[cfg(not(target_arch = "wasm32"))]
mod backend {
    use super::Note;
    use crate::runtime::native::{current, now_ms};

    fn words(text: &str) -> Vec<String> {
        text.split(|c: char| !c.is_alphanumeric())
            .filter(|w| !w.is_empty())
            .map(str::to_lowercase)
            .collect()
    }

    fn with_notes<T>(f: impl FnOnce(&mut Vec<Note>, &str) -> T) -> Result<T, String> {
        let context = current().ok_or_else(|| {
            "no plugin context: natively, memory is reachable while an App dispatches an event \
             or runs a task, or inside App::in_session"
                .to_owned()
        })?;
        let session = context.session.clone().unwrap_or_default();
        let mut notes = context.runtime.native.memory.borrow_mut();
        Ok(f(&mut notes, &session))
    }

    pub(super) fn remember(text: &str) -> Result<i64, String> {
        if text.len() > 16 << 10 {
            return Err("a memory note is at most 16384 bytes; keep a shorter one".into());
        }
        if words(text).is_empty() {
            return Err("an empty note cannot be found again; give it some text".into());
        }
        with_notes(|notes, session| {
            let id = notes.last().map_or(1, |n| n.id + 1);
            notes.push(Note {
                id,
                text: text.to_owned(),
                session_id: session.to_owned(),
                created_at_ms: i64::try_from(now_ms()).unwrap_or(i64::MAX),
                score: 0.0,
            });
            id
        })
    }

    pub(super) fn search(query: &str, limit: u32) -> Result<Vec<Note>, String> {
        let wanted = words(query);
        with_notes(|notes, _| {
            let mut found: Vec<Note> = notes
                .iter()
                .filter_map(|note| {
                    let held = words(&note.text);
                    let score = wanted.iter().filter(|w| held.contains(w)).count();
                    (score > 0).then(|| Note {
                        score: score as f64,
                        ..note.clone()
                    })
                })
                .collect();
            found.sort_by(|a, b| b.score.total_cmp(&a.score).then(b.id.cmp(&a.id)));
            found.truncate(limit.min(50) as usize);
            found
        })
    }

    pub(super) fn forget(id: i64) -> Result<bool, String> {
        with_notes(|notes, _| {
            let before = notes.len();
            notes.retain(|n| n.id != id);
            notes.len() != before
        })
    }
}
