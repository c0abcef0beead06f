//! A small persistent key-value store, per plugin, scoped to the session or to every session
//! of the plugin ([`Scope`]). Values are text; [`get_json`] and [`set_json`] store any serde
//! type as JSON.
//!
//! On `wasm32` every call goes to the host's `state` interface (the host knows the plugin and
//! the session of the current hook call or task). An error from the host is a [`StateError`].
//!
//! Natively (plugin unit tests) the store is in memory, inside the [`App`](crate::App), and
//! these functions reach it while the app dispatches an event, runs a task, or runs a closure
//! given to [`App::in_session`](crate::App::in_session); anywhere else they return an error.
//!
//! ```
//! use fasthooks_sdk::{App, Response, context, state::{self, Scope}};
//!
//! let mut app = App::new("counter", "1.0.0");
//! app.on_prompt(|_, _| -> Result<Response, String> {
//!     let seen = state::get_json::<u32>(Scope::Session, "prompts")?.unwrap_or(0) + 1;
//!     state::set_json(Scope::Session, "prompts", &seen)?;
//!     Ok(context(format!("prompt #{seen} of this session")))
//! });
//!
//! let prompt = r#"{"hook_event_name":"UserPromptSubmit","session_id":"s","prompt":"hi"}"#;
//! app.dispatch_json(prompt).unwrap();
//! let r = app.dispatch_json(prompt).unwrap();
//! assert_eq!(r.additional_context.as_deref(), Some("prompt #2 of this session"));
//! let stored = app.in_session("s", || state::get(Scope::Session, "prompts")).unwrap();
//! assert_eq!(stored.as_deref(), Some("2"));
//! assert_eq!(app.in_session("other", || state::keys(Scope::Session)).unwrap(), Vec::<String>::new());
//! ```

use std::fmt;

use serde::Serialize;
use serde::de::DeserializeOwned;

/// Where an entry lives.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Scope {
    /// Only the current session.
    Session,
    /// Every session of this plugin.
    Global,
}

/// The store could not serve a call, or a value did not encode or decode as JSON.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StateError(pub String);

impl StateError {
    /// The message.
    pub fn message(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for StateError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "state: {}", self.0)
    }
}

impl std::error::Error for StateError {}

impl From<StateError> for String {
    fn from(error: StateError) -> String {
        error.to_string()
    }
}

/// The value of `key`, if set.
pub fn get(scope: Scope, key: &str) -> Result<Option<String>, StateError> {
    backend::get(scope, key)
}

/// Sets `key` to `value`.
pub fn set(scope: Scope, key: &str, value: &str) -> Result<(), StateError> {
    backend::set(scope, key, value)
}

/// Removes `key`; true if it existed.
pub fn delete(scope: Scope, key: &str) -> Result<bool, StateError> {
    backend::delete(scope, key)
}

/// Every key of the scope.
pub fn keys(scope: Scope) -> Result<Vec<String>, StateError> {
    backend::keys(scope)
}

/// The value of `key` decoded from JSON, if set.
pub fn get_json<T: DeserializeOwned>(scope: Scope, key: &str) -> Result<Option<T>, StateError> {
    get(scope, key)?
        .map(|text| {
            serde_json::from_str(&text)
                .map_err(|e| StateError(format!("the value of `{key}` does not decode: {e}")))
        })
        .transpose()
}

/// Sets `key` to `value` encoded as JSON.
pub fn set_json<T: Serialize + ?Sized>(
    scope: Scope,
    key: &str,
    value: &T,
) -> Result<(), StateError> {
    let text = serde_json::to_string(value)
        .map_err(|e| StateError(format!("cannot encode the value of `{key}`: {e}")))?;
    set(scope, key, &text)
}

#[cfg(target_arch = "wasm32")]
mod backend {
    use super::{Scope, StateError};
    use crate::bindings::fasthooks::hooks::state as host;
    use crate::bindings::fasthooks::hooks::types::StateScope;

    fn scope(scope: Scope) -> StateScope {
        match scope {
            Scope::Session => StateScope::Session,
            Scope::Global => StateScope::Global,
        }
    }

    pub(super) fn get(s: Scope, key: &str) -> Result<Option<String>, StateError> {
        host::get(scope(s), key).map_err(StateError)
    }

    pub(super) fn set(s: Scope, key: &str, value: &str) -> Result<(), StateError> {
        host::set(scope(s), key, value).map_err(StateError)
    }

    pub(super) fn delete(s: Scope, key: &str) -> Result<bool, StateError> {
        host::delete(scope(s), key).map_err(StateError)
    }

    pub(super) fn keys(s: Scope) -> Result<Vec<String>, StateError> {
        host::keys(scope(s)).map_err(StateError)
    }
}

#[cfg(not(target_arch = "wasm32"))]
mod backend {
    use super::{Scope, StateError};
    use crate::runtime::native::{StateKey, current};
    use std::collections::BTreeMap;

    /// Runs `f` on the current app's state map with the partition of `scope`.
    fn with_map<T>(
        scope: Scope,
        f: impl FnOnce(&mut BTreeMap<StateKey, String>, Option<String>) -> T,
    ) -> Result<T, StateError> {
        let context = current().ok_or_else(|| {
            StateError(
                "no plugin context: natively, state is reachable while an App dispatches an \
                 event or runs a task, or inside App::in_session"
                    .to_owned(),
            )
        })?;
        let partition = match scope {
            Scope::Global => None,
            Scope::Session => Some(context.session.clone().ok_or_else(|| {
                StateError("no session: this call runs outside any session".to_owned())
            })?),
        };
        let mut map = context.runtime.native.state.borrow_mut();
        Ok(f(&mut map, partition))
    }

    pub(super) fn get(scope: Scope, key: &str) -> Result<Option<String>, StateError> {
        with_map(scope, |map, partition| {
            map.get(&(partition, key.to_owned())).cloned()
        })
    }

    pub(super) fn set(scope: Scope, key: &str, value: &str) -> Result<(), StateError> {
        with_map(scope, |map, partition| {
            map.insert((partition, key.to_owned()), value.to_owned());
        })
    }

    pub(super) fn delete(scope: Scope, key: &str) -> Result<bool, StateError> {
        with_map(scope, |map, partition| {
            map.remove(&(partition, key.to_owned())).is_some()
        })
    }

    pub(super) fn keys(scope: Scope) -> Result<Vec<String>, StateError> {
        with_map(scope, |map, partition| {
            map.keys()
                .filter(|(p, _)| *p == partition)
                .map(|(_, k)| k.clone())
                .collect()
        })
    }
}

#[cfg(all(test, not(target_arch = "wasm32")))]
mod tests {
    use super::*;
    use crate::App;
    use serde::Deserialize;

    #[derive(Debug, PartialEq, Serialize, Deserialize)]
    struct Seen {
        files: Vec<String>,
    }

    #[test]
    fn scopes_are_separate_and_global_is_shared() {
        let app = App::new("t", "1");
        app.in_session("a", || {
            set(Scope::Session, "k", "a-value").unwrap();
            set(Scope::Global, "k", "global").unwrap();
            set(Scope::Session, "other", "x").unwrap();
        });
        app.in_session("b", || {
            assert_eq!(get(Scope::Session, "k").unwrap(), None);
            assert_eq!(get(Scope::Global, "k").unwrap().as_deref(), Some("global"));
            assert!(keys(Scope::Session).unwrap().is_empty());
            assert_eq!(keys(Scope::Global).unwrap(), vec!["k".to_owned()]);
        });
        app.in_session("a", || {
            assert_eq!(
                get(Scope::Session, "k").unwrap().as_deref(),
                Some("a-value")
            );
            assert_eq!(
                keys(Scope::Session).unwrap(),
                vec!["k".to_owned(), "other".to_owned()]
            );
            assert!(delete(Scope::Session, "k").unwrap());
            assert!(!delete(Scope::Session, "k").unwrap());
            assert_eq!(get(Scope::Session, "k").unwrap(), None);
        });
        // Another app is another plugin: nothing is shared.
        let other = App::new("u", "1");
        other.in_session("a", || assert_eq!(get(Scope::Global, "k").unwrap(), None));
    }

    #[test]
    fn json_helpers() {
        let app = App::new("t", "1");
        app.in_session("s", || {
            let seen = Seen {
                files: vec!["a.rs".into()],
            };
            set_json(Scope::Global, "seen", &seen).unwrap();
            assert_eq!(get_json::<Seen>(Scope::Global, "seen").unwrap(), Some(seen));
            assert_eq!(get_json::<Seen>(Scope::Global, "missing").unwrap(), None);
            set(Scope::Global, "bad", "not json").unwrap();
            let err = get_json::<Seen>(Scope::Global, "bad").unwrap_err();
            assert!(err.message().contains("`bad` does not decode"), "{err}");
        });
    }

    #[test]
    fn outside_a_context_is_an_error() {
        let err = get(Scope::Global, "k").unwrap_err();
        assert!(err.to_string().starts_with("state: no plugin context"));
        let app = App::new("t", "1");
        // Running a task directly has no session: the global scope works, the session one not.
        let mut app = app;
        app.register_raw("remember", |args| {
            set(Scope::Global, "last", args)?;
            set(Scope::Session, "last", args).map_err(String::from)?;
            Ok(String::new())
        });
        assert_eq!(
            app.run_task("remember", "1").unwrap_err(),
            "state: no session: this call runs outside any session"
        );
        assert_eq!(
            app.in_session("s", || get(Scope::Global, "last"))
                .unwrap()
                .as_deref(),
            Some("1")
        );
        // Inside a session (here: a task added through the session's handle) both work.
        app.tasks("s")
            .add_raw("remember", "2", Default::default())
            .unwrap();
        assert_eq!(
            app.in_session("s", || get(Scope::Session, "last"))
                .unwrap()
                .as_deref(),
            Some("2")
        );
    }
}
