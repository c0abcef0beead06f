//! Plugin state: a small persistent key-value store per plugin, scoped to one session or
//! global, in the same SQLite file as the tasks. Bounded, so a plugin cannot fill the disk
//! through it: keys up to 1 KiB, values up to 1 MiB, 10,000 keys per plugin and scope, and
//! 64 MiB per plugin file across every scope (a new session id is a new scope, so without the
//! total one hook could write without end).

use crate::store::Store;
use rusqlite::{OptionalExtension, params};

pub const MAX_STATE_KEY_BYTES: usize = 1 << 10;
pub const MAX_STATE_VALUE_BYTES: usize = 1 << 20;
pub const MAX_STATE_KEYS: usize = 10_000;
pub const MAX_STATE_BYTES_PER_PLUGIN: i64 = 64 << 20;

/// Why a state call failed; the guest sees the message.
#[derive(Debug, thiserror::Error)]
pub enum StateError {
    #[error(
        "state entries are limited to {MAX_STATE_KEY_BYTES}-byte keys and {MAX_STATE_VALUE_BYTES}-byte values"
    )]
    TooLarge,
    #[error("this plugin already has {MAX_STATE_KEYS} state keys in this scope; delete some first")]
    TooManyKeys,
    #[error(
        "this plugin's state already holds {held} bytes across its scopes; {MAX_STATE_BYTES_PER_PLUGIN} is the most; delete some first"
    )]
    QuotaFull { held: i64 },
    #[error("state store error: {0}")]
    Store(#[from] rusqlite::Error),
}

/// Where a `state` entry lives: the plugin, and `session:<id>` or `global`.
pub struct StateNamespace {
    pub plugin_name: String,
    pub plugin_path: String,
    pub scope: String,
}

impl Store {
    pub fn state_get(&self, ns: &StateNamespace, key: &str) -> Result<Option<String>, StateError> {
        self.reader
            .lock()
            .unwrap()
            .query_row(
                "SELECT value FROM state WHERE plugin_name=?1 AND plugin_path=?2 AND scope=?3 AND key=?4",
                params![ns.plugin_name, ns.plugin_path, ns.scope, key],
                |row| row.get(0),
            )
            .optional()
            .map_err(StateError::from)
    }

    /// Store `value` under `key`. Bounded, so a plugin cannot fill the disk through its state:
    /// keys up to 1 KiB, values up to 1 MiB, 10,000 keys per plugin and scope.
    pub fn state_set(&self, ns: &StateNamespace, key: &str, value: &str) -> Result<(), StateError> {
        if key.len() > MAX_STATE_KEY_BYTES || value.len() > MAX_STATE_VALUE_BYTES {
            return Err(StateError::TooLarge);
        }
        let conn = self.reader.lock().unwrap();
        let exists = conn
            .query_row(
                "SELECT 1 FROM state WHERE plugin_name=?1 AND plugin_path=?2 AND scope=?3 AND key=?4",
                params![ns.plugin_name, ns.plugin_path, ns.scope, key],
                |_| Ok(()),
            )
            .optional()
            .map_err(StateError::from)?
            .is_some();
        if !exists {
            let count: i64 = conn
                .query_row(
                    "SELECT COUNT(*) FROM state WHERE plugin_name=?1 AND plugin_path=?2 AND scope=?3",
                    params![ns.plugin_name, ns.plugin_path, ns.scope],
                    |row| row.get(0),
                )
                .map_err(StateError::from)?;
            if count >= MAX_STATE_KEYS as i64 {
                return Err(StateError::TooManyKeys);
            }
        }
        // The plugin's total, without the entry this one replaces.
        let held: i64 = conn
            .query_row(
                "SELECT COALESCE(SUM(LENGTH(CAST(key AS BLOB)) + LENGTH(CAST(value AS BLOB))), 0) FROM state
                 WHERE plugin_name=?1 AND plugin_path=?2 AND NOT (scope=?3 AND key=?4)",
                params![ns.plugin_name, ns.plugin_path, ns.scope, key],
                |row| row.get(0),
            )
            .map_err(StateError::from)?;
        if held + (key.len() + value.len()) as i64 > MAX_STATE_BYTES_PER_PLUGIN {
            return Err(StateError::QuotaFull { held });
        }
        conn.execute(
            "INSERT INTO state (plugin_name, plugin_path, scope, key, value, updated_ms) VALUES (?1, ?2, ?3, ?4, ?5, ?6)
             ON CONFLICT (plugin_name, plugin_path, scope, key) DO UPDATE SET value=excluded.value, updated_ms=excluded.updated_ms",
            params![ns.plugin_name, ns.plugin_path, ns.scope, key, value, crate::record::now_ms() as i64],
        )
        .map_err(StateError::from)?;
        Ok(())
    }

    pub fn state_delete(&self, ns: &StateNamespace, key: &str) -> Result<bool, StateError> {
        let deleted = self.reader.lock().unwrap().execute(
            "DELETE FROM state WHERE plugin_name=?1 AND plugin_path=?2 AND scope=?3 AND key=?4",
            params![ns.plugin_name, ns.plugin_path, ns.scope, key],
        )?;
        Ok(deleted > 0)
    }

    pub fn state_keys(&self, ns: &StateNamespace) -> Result<Vec<String>, StateError> {
        let conn = self.reader.lock().unwrap();
        let mut statement = conn.prepare(
            "SELECT key FROM state WHERE plugin_name=?1 AND plugin_path=?2 AND scope=?3 ORDER BY key",
        )?;
        statement
            .query_map(params![ns.plugin_name, ns.plugin_path, ns.scope], |row| {
                row.get(0)
            })?
            .collect::<Result<_, _>>()
            .map_err(StateError::from)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn scope(name: &str) -> StateNamespace {
        StateNamespace {
            plugin_name: "p".into(),
            plugin_path: "/p.wasm".into(),
            scope: name.into(),
        }
    }

    #[test]
    fn state_is_scoped_and_bounded() {
        let dir = tempfile::tempdir().unwrap();
        let (store, _owner) = crate::test_fixture::open_store(dir.path());
        store.state_set(&scope("global"), "k", "v1").unwrap();
        store.state_set(&scope("global"), "k", "v2").unwrap();
        assert_eq!(
            store.state_get(&scope("global"), "k").unwrap().as_deref(),
            Some("v2")
        );
        assert_eq!(
            store.state_get(&scope("session:a"), "k").unwrap(),
            None,
            "scopes are separate"
        );
        assert_eq!(store.state_keys(&scope("global")).unwrap(), ["k"]);
        assert!(store.state_delete(&scope("global"), "k").unwrap());
        assert!(!store.state_delete(&scope("global"), "k").unwrap());
        let err = store
            .state_set(
                &scope("global"),
                "big",
                &"x".repeat(MAX_STATE_VALUE_BYTES + 1),
            )
            .unwrap_err();
        assert!(matches!(err, StateError::TooLarge), "{err}");
    }

    #[test]
    fn a_plugins_state_has_one_total_across_scopes() {
        let dir = tempfile::tempdir().unwrap();
        let (store, _owner) = crate::test_fixture::open_store(dir.path());
        let value = "x".repeat(MAX_STATE_VALUE_BYTES - 16);
        let fits = (MAX_STATE_BYTES_PER_PLUGIN as usize) / value.len();
        // A new session scope each time, as a plugin dodging the per-scope bound would.
        for n in 0..fits {
            store
                .state_set(&scope(&format!("session:{n}")), "k", &value)
                .unwrap();
        }
        let err = store
            .state_set(&scope("session:one-more"), "k", &value)
            .unwrap_err();
        assert!(matches!(err, StateError::QuotaFull { .. }), "{err}");
        // Overwriting an entry is not growth; another plugin has its own total.
        store.state_set(&scope("session:0"), "k", &value).unwrap();
        let other = StateNamespace {
            plugin_path: "/other.wasm".into(),
            ..scope("global")
        };
        store.state_set(&other, "k", &value).unwrap();
    }
}
