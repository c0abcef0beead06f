//! Plugin memory: notes a plugin keeps across sessions and finds again by relevance, in the same
//! SQLite file as the tasks, through a full-text index (FTS5, ranked by BM25). Scoped to the
//! plugin (name and file), like `state`, and more strictly: each plugin has an index of its own
//! (a table named by a hash of its name and file, made at its first call), because BM25 ranks
//! by word statistics over the whole index, and a shared one would let a plugin learn from its
//! scores which words other plugins' notes hold.
//!
//! A search is words, not FTS5 syntax: each word of the query is quoted and the words are joined
//! with OR, so any text is a valid query and a note matching more (and rarer) words ranks
//! higher. Bounded, so a plugin cannot fill the disk through it: notes up to
//! [`MAX_NOTE_BYTES`], at most [`MAX_NOTES`] per plugin file (past that the oldest go), and at
//! most [`MAX_RESULTS`] per search.

use crate::store::Store;
use rusqlite::params;
use serde::{Deserialize, Serialize};

pub const MAX_NOTE_BYTES: usize = 16 << 10;
pub const MAX_NOTES: i64 = 5_000;
pub const MAX_RESULTS: u32 = 50;

/// Whose notes: the plugin (name and file) and, for a new note, the session it comes from.
pub struct MemoryNamespace {
    pub plugin_name: String,
    pub plugin_path: String,
    pub session: String,
}

/// One note found by a search.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MemoryNote {
    pub id: i64,
    pub text: String,
    /// The session that kept it.
    pub session: String,
    pub created_ms: i64,
    /// Relevance: higher is better (the negated BM25 rank).
    pub score: f64,
}

/// Why a memory call failed; the guest sees the message.
#[derive(Debug, thiserror::Error)]
pub enum MemoryError {
    #[error("a memory note is at most {MAX_NOTE_BYTES} bytes; keep a shorter one")]
    TooLarge,
    #[error("an empty note cannot be found again; give it some text")]
    Empty,
    #[error("memory store error: {0}")]
    Store(#[from] rusqlite::Error),
}

/// English words too common to tell notes apart; a query of nothing else still searches them.
const STOP_WORDS: &[&str] = &[
    "a", "an", "and", "are", "as", "at", "be", "by", "do", "does", "for", "from", "how", "i", "in",
    "is", "it", "me", "my", "of", "on", "or", "so", "that", "the", "this", "to", "was", "we",
    "what", "when", "where", "which", "who", "why", "with", "you",
];

/// The query FTS5 is given for `words`: every word quoted (so none is read as syntax), joined
/// with OR, common words left out unless there is nothing else. `None` when the text has no
/// word at all.
fn fts_query(words: &str) -> Option<String> {
    let all: Vec<String> = words
        .split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
        .map(str::to_lowercase)
        .collect();
    let telling: Vec<&String> = all
        .iter()
        .filter(|w| !STOP_WORDS.contains(&w.as_str()))
        .collect();
    let chosen: Vec<&String> = if telling.is_empty() {
        all.iter().collect()
    } else {
        telling
    };
    let mut terms: Vec<String> = Vec::new();
    for word in chosen {
        let term = format!("\"{word}\"");
        if !terms.contains(&term) && terms.len() < 64 {
            terms.push(term);
        }
    }
    (!terms.is_empty()).then(|| terms.join(" OR "))
}

/// The plugin's own index: `memory_` and 32 hex digits of SHA-256(name, NUL, file).
fn table(ns: &MemoryNamespace) -> String {
    use sha2::{Digest, Sha256};
    let digest = Sha256::new()
        .chain_update(ns.plugin_name.as_bytes())
        .chain_update([0])
        .chain_update(ns.plugin_path.as_bytes())
        .finalize();
    let hex: String = digest[..16].iter().map(|b| format!("{b:02x}")).collect();
    format!("memory_{hex}")
}

/// The plugin's index, made if it is not there yet.
fn index(conn: &rusqlite::Connection, ns: &MemoryNamespace) -> rusqlite::Result<String> {
    let table = table(ns);
    conn.execute_batch(&format!(
        "CREATE VIRTUAL TABLE IF NOT EXISTS {table} USING fts5(
             text, session UNINDEXED, created_ms UNINDEXED
         );"
    ))?;
    Ok(table)
}

impl Store {
    /// Keep `text` as a note of the plugin; returns its id. Past [`MAX_NOTES`], the plugin's
    /// oldest notes are dropped.
    pub fn memory_remember(&self, ns: &MemoryNamespace, text: &str) -> Result<i64, MemoryError> {
        if text.len() > MAX_NOTE_BYTES {
            return Err(MemoryError::TooLarge);
        }
        if fts_query(text).is_none() {
            return Err(MemoryError::Empty);
        }
        let mut conn = self.reader.lock().unwrap();
        let table = index(&conn, ns)?;
        let tx = conn.transaction()?;
        tx.execute(
            &format!("INSERT INTO {table} (text, session, created_ms) VALUES (?1, ?2, ?3)"),
            params![text, ns.session, crate::record::now_ms() as i64],
        )?;
        let id = tx.last_insert_rowid();
        // Past the bound the oldest go (rowids grow with each note).
        tx.execute(
            &format!(
                "DELETE FROM {table} WHERE rowid IN (
                     SELECT rowid FROM {table} ORDER BY rowid DESC LIMIT -1 OFFSET ?1)"
            ),
            params![MAX_NOTES],
        )?;
        tx.commit()?;
        Ok(id)
    }

    /// The plugin's notes that best match `words`, most relevant first, at most `limit` (and
    /// [`MAX_RESULTS`]).
    pub fn memory_search(
        &self,
        ns: &MemoryNamespace,
        words: &str,
        limit: u32,
    ) -> Result<Vec<MemoryNote>, MemoryError> {
        let Some(query) = fts_query(words) else {
            return Ok(Vec::new());
        };
        let conn = self.reader.lock().unwrap();
        let table = index(&conn, ns)?;
        let mut statement = conn.prepare_cached(&format!(
            "SELECT rowid, text, session, created_ms, bm25({table}) FROM {table}
             WHERE {table} MATCH ?1
             ORDER BY bm25({table}), rowid DESC LIMIT ?2"
        ))?;
        let notes = statement
            .query_map(params![query, limit.min(MAX_RESULTS)], |row| {
                Ok(MemoryNote {
                    id: row.get(0)?,
                    text: row.get(1)?,
                    session: row.get(2)?,
                    created_ms: row.get(3)?,
                    score: -row.get::<_, f64>(4)?,
                })
            })?
            .collect::<Result<Vec<_>, _>>()?;
        Ok(notes)
    }

    /// Drop the plugin's note `id`; true if it was there.
    pub fn memory_forget(&self, ns: &MemoryNamespace, id: i64) -> Result<bool, MemoryError> {
        let conn = self.reader.lock().unwrap();
        let table = index(&conn, ns)?;
        let changed = conn.execute(&format!("DELETE FROM {table} WHERE rowid=?1"), params![id])?;
        Ok(changed > 0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::test_fixture::open_store;

    fn of(plugin: &str, session: &str) -> MemoryNamespace {
        MemoryNamespace {
            plugin_name: plugin.into(),
            plugin_path: format!("/p/{plugin}.wasm"),
            session: session.into(),
        }
    }

    #[test]
    fn a_search_ranks_notes_by_relevance_across_sessions_of_one_plugin() {
        let dir = tempfile::tempdir().unwrap();
        let (store, _owner) = open_store(dir.path());
        let a = of("memory", "s1");
        store
            .memory_remember(&a, "The deploy key lives in vault at secret/deploy.")
            .unwrap();
        store
            .memory_remember(&a, "Lunch: the team likes the noodle place.")
            .unwrap();
        store
            .memory_remember(
                &of("memory", "s2"),
                "Deploys run from CI on tags; the deploy key rotates monthly.",
            )
            .unwrap();
        store
            .memory_remember(&of("other", "s1"), "deploy key deploy key deploy key")
            .unwrap();

        // The same name from another file is another plugin.
        let impostor = MemoryNamespace {
            plugin_path: "/elsewhere/memory.wasm".into(),
            ..of("memory", "s1")
        };
        store
            .memory_remember(&impostor, "the deploy key is mine")
            .unwrap();
        assert_eq!(
            store
                .memory_search(&impostor, "deploy key", 10)
                .unwrap()
                .len(),
            1
        );
        let found = store
            .memory_search(&of("memory", "s3"), "where is the deploy key?", 10)
            .unwrap();
        let texts: Vec<&str> = found.iter().map(|n| n.text.as_str()).collect();
        assert_eq!(
            texts.len(),
            2,
            "only this plugin's notes with the words: {texts:?}"
        );
        assert!(texts.iter().all(|t| t.contains("deploy key")), "{texts:?}");
        assert!(found[0].score >= found[1].score);
        assert!(found.iter().any(|n| n.session == "s1") && found.iter().any(|n| n.session == "s2"));

        // Any text is a query: FTS5 syntax is just words here.
        for odd in ["\"", "AND OR NOT", "key*", "(deploy", "NEAR(a b)", ""] {
            store.memory_search(&a, odd, 5).unwrap();
        }
        assert!(store.memory_search(&a, "?!", 5).unwrap().is_empty());
        assert_eq!(store.memory_search(&a, "deploy", 1).unwrap().len(), 1);
    }

    #[test]
    fn notes_are_bounded_and_forgotten_by_their_plugin_only() {
        let dir = tempfile::tempdir().unwrap();
        let (store, _owner) = open_store(dir.path());
        let a = of("memory", "s1");
        assert!(matches!(
            store.memory_remember(&a, &"x".repeat(MAX_NOTE_BYTES + 1)),
            Err(MemoryError::TooLarge)
        ));
        assert!(matches!(
            store.memory_remember(&a, " ?! "),
            Err(MemoryError::Empty)
        ));
        let id = store.memory_remember(&a, "forget me").unwrap();
        assert!(!store.memory_forget(&of("other", "s1"), id).unwrap());
        assert!(store.memory_forget(&a, id).unwrap());
        assert!(store.memory_search(&a, "forget", 5).unwrap().is_empty());
    }

    #[test]
    fn past_the_bound_the_oldest_notes_go() {
        let dir = tempfile::tempdir().unwrap();
        let (store, _owner) = open_store(dir.path());
        let a = of("memory", "s1");
        let first = store.memory_remember(&a, "note zero alpha").unwrap();
        for n in 1..MAX_NOTES + 5 {
            store
                .memory_remember(&a, &format!("note {n} beta"))
                .unwrap();
        }
        assert!(
            store.memory_search(&a, "alpha", 5).unwrap().is_empty(),
            "the oldest went"
        );
        assert!(!store.memory_forget(&a, first).unwrap());
        let kept: i64 = store
            .reader
            .lock()
            .unwrap()
            .query_row(&format!("SELECT COUNT(*) FROM {}", table(&a)), [], |row| {
                row.get(0)
            })
            .unwrap();
        assert_eq!(kept, MAX_NOTES);
        assert_eq!(
            store.memory_search(&a, "beta", 100).unwrap().len(),
            MAX_RESULTS as usize
        );
    }

    #[test]
    fn a_query_of_one_word_many_times_is_one_term() {
        assert_eq!(fts_query("key key KEY the").as_deref(), Some("\"key\""));
        assert_eq!(fts_query("the and").as_deref(), Some("\"the\" OR \"and\""));
        assert_eq!(fts_query("?!"), None);
    }
}
