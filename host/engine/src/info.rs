//! What a plugin says about itself in `describe()`, host-side: checked once when the build is
//! loaded, cached on disk with the compiled code, and asked on every event whether the plugin
//! subscribes to it; and the warnings for a subscription that can never fire.

use crate::instance::Described;
use crate::wit::types;
use fasthooks_ipc::Capability;
use fasthooks_protocol::{HookEvent, Matcher, MatcherError};
use serde::{Deserialize, Serialize};

/// The package a plugin imports to send HTTP requests: importing any of it declares the HTTP
/// capability (the WIT's `capability` enum has no case for it, so that plugins built against
/// earlier 0.1 contracts keep linking).
pub const HTTP_PACKAGE: &str = "wasi:http/";

/// What `describe()` returned, host-side and serializable (it is cached on disk).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PluginInfo {
    pub name: String,
    pub version: String,
    pub subscriptions: Vec<Subscription>,
    pub capabilities: Vec<Capability>,
    /// The background tasks it registered, from `task-names()`; `None` for a build that does
    /// not export it (built against a contract before 0.1.4), which cannot list them.
    #[serde(default)]
    pub tasks: Option<Vec<String>>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Subscription {
    pub event: String,
    pub matcher: String,
}

impl PluginInfo {
    pub fn from_wit(described: Described) -> PluginInfo {
        let Described { info, task_names } = described;
        PluginInfo {
            name: info.name,
            version: info.version,
            subscriptions: info
                .subscriptions
                .into_iter()
                .map(|s| Subscription {
                    event: s.event,
                    matcher: s.matcher,
                })
                .collect(),
            capabilities: info.capabilities.iter().map(|c| capability(*c)).collect(),
            tasks: task_names,
        }
    }

    /// `describe()`'s answer with the capabilities the component declares by what it imports:
    /// importing any interface of `wasi:http` (any version) is asking for HTTP, whatever
    /// `describe()` says: even its `types` alone make the host hold requests and headers.
    pub fn with_imported_capabilities<'a>(
        mut self,
        imports: impl IntoIterator<Item = &'a str>,
    ) -> PluginInfo {
        let http = imports
            .into_iter()
            .any(|name| name.starts_with(HTTP_PACKAGE));
        if http && !self.capabilities.contains(&Capability::Http) {
            self.capabilities.push(Capability::Http);
        }
        self
    }

    /// The subscriptions (indices) that match this event; `*` as the event name subscribes to
    /// all events. Matchers that cannot be used never match (they are refused at load).
    pub fn matching(&self, event: &HookEvent) -> Vec<u32> {
        (0u32..)
            .zip(&self.subscriptions)
            .filter(|(_, sub)| {
                (sub.event == "*" || sub.event == event.name)
                    && Matcher::lenient(&event.name, &sub.matcher)
                        .matches(event.matcher_subject.as_deref())
            })
            .map(|(index, _)| index)
            .collect()
    }

    /// Refuse what can never work: no name, or a matcher the host cannot run.
    pub fn validate(&self) -> Result<(), InfoError> {
        if self.name.trim().is_empty() {
            return Err(InfoError::NoName);
        }
        if let Some(tasks) = &self.tasks
            && (tasks.len() > MAX_TASK_NAMES || tasks.iter().any(|t| t.len() > MAX_TASK_NAME))
        {
            return Err(InfoError::TaskNames);
        }
        for sub in &self.subscriptions {
            // A near miss of a known event is a typo that would never fire; a name far from
            // every known one may be an event newer than this host, and is let through.
            if sub.event != "*"
                && fasthooks_protocol::events::event_spec(&sub.event).is_none()
                && let Some(meant) = fasthooks_protocol::events::suggest(&sub.event)
            {
                return Err(InfoError::UnknownEvent {
                    event: sub.event.clone(),
                    meant,
                });
            }
            Matcher::parse(&sub.event, &sub.matcher).map_err(|source| InfoError::Matcher {
                event: sub.event.clone(),
                source,
            })?;
        }
        Ok(())
    }
}

/// Bounds on `task-names()`: the list is cached, shown and logged, and a plugin is not trusted.
pub const MAX_TASK_NAMES: usize = 1000;
pub const MAX_TASK_NAME: usize = 256;

/// A `describe()` answer the host refuses.
#[derive(Debug, thiserror::Error)]
pub enum InfoError {
    #[error("describe() returned an empty plugin name")]
    NoName,
    #[error("describe(): subscription to {event}: {source}")]
    Matcher { event: String, source: MatcherError },
    #[error(
        "describe(): subscription to `{event}`: Claude Code has no such event; did you mean `{meant}`? (event names are case-sensitive)"
    )]
    UnknownEvent { event: String, meant: &'static str },
    #[error(
        "task-names() returned more than {MAX_TASK_NAMES} names, or a name longer than {MAX_TASK_NAME} bytes"
    )]
    TaskNames,
}

fn capability(capability: types::Capability) -> Capability {
    match capability {
        types::Capability::ReadFiles => Capability::ReadFiles,
        types::Capability::WriteFiles => Capability::WriteFiles,
        types::Capability::Network => Capability::Network,
        types::Capability::Environment => Capability::Environment,
        types::Capability::Agent => Capability::Agent,
    }
}

/// Warnings for matchers that can never fire: a tool name in the wrong case (`write`).
/// [`matcher_warnings`] for what a plugin's `describe()` said.
pub fn info_warnings(info: &PluginInfo) -> Vec<String> {
    let subscriptions: Vec<(String, String)> = info
        .subscriptions
        .iter()
        .map(|s| (s.event.clone(), s.matcher.clone()))
        .collect();
    matcher_warnings(&info.name, &subscriptions)
}

/// One warning per tool name in `subscriptions` (event, matcher) that differs from a known
/// tool only in case.
pub fn matcher_warnings(plugin: &str, subscriptions: &[(String, String)]) -> Vec<String> {
    let mut warnings = Vec::new();
    for (event, text) in subscriptions {
        let matcher = fasthooks_protocol::Matcher::lenient(event, text);
        for (name, tool) in fasthooks_protocol::matcher::miscased_tools(event, &matcher) {
            warnings.push(format!(
                "warning: {plugin} subscribes to {event} with matcher `{text}`, whose `{name}` \
                 never fires: tool names are case-sensitive; did you mean `{tool}`?"
            ));
        }
    }
    warnings
}

#[cfg(test)]
mod tests {
    use super::*;

    fn subscribed_to(event: &str) -> PluginInfo {
        PluginInfo {
            name: "p".into(),
            version: "1".into(),
            subscriptions: vec![Subscription {
                event: event.into(),
                matcher: String::new(),
            }],
            capabilities: Vec::new(),
            tasks: None,
        }
    }

    #[test]
    fn task_names_are_bounded() {
        let mut info = subscribed_to("Stop");
        info.tasks = Some(vec!["review".into(); MAX_TASK_NAMES]);
        assert!(info.validate().is_ok());
        info.tasks = Some(vec!["review".into(); MAX_TASK_NAMES + 1]);
        assert!(matches!(info.validate(), Err(InfoError::TaskNames)));
        info.tasks = Some(vec!["x".repeat(MAX_TASK_NAME + 1)]);
        assert!(matches!(info.validate(), Err(InfoError::TaskNames)));
    }

    #[test]
    fn any_wasi_http_import_asks_for_http_once() {
        let asks = |imports: &[&str]| {
            subscribed_to("*")
                .with_imported_capabilities(imports.iter().copied())
                .capabilities
        };
        assert_eq!(
            asks(&["wasi:http/outgoing-handler@0.2.12"]),
            [Capability::Http]
        );
        assert_eq!(asks(&["wasi:http/types@0.2.0"]), [Capability::Http]);
        assert_eq!(
            asks(&["wasi:http/types@0.2.0", "wasi:http/outgoing-handler@0.2.0"]),
            [Capability::Http]
        );
        assert!(asks(&["wasi:io/streams@0.2.6", "fasthooks:hooks/tasks@0.1.1"]).is_empty());
    }

    #[test]
    fn a_misspelt_event_is_refused_with_the_one_meant() {
        let err = subscribed_to("PreTooluse")
            .validate()
            .unwrap_err()
            .to_string();
        assert!(err.contains("did you mean `PreToolUse`"), "{err}");
        assert!(subscribed_to("PreToolUse").validate().is_ok());
        assert!(subscribed_to("*").validate().is_ok());
        // Far from every known event: perhaps one newer than this host.
        assert!(
            subscribed_to("SomethingClaudeCodeAddsLater")
                .validate()
                .is_ok()
        );
    }

    #[test]
    fn a_tool_matcher_in_the_wrong_case_is_warned_about() {
        let subscribed = |event: &str, matcher: &str| vec![(event.to_owned(), matcher.to_owned())];
        let warnings = matcher_warnings("p", &subscribed("PreToolUse", "write|Edit"));
        assert_eq!(warnings.len(), 1, "{warnings:?}");
        assert!(
            warnings[0].contains("did you mean `Write`?"),
            "{warnings:?}"
        );
        assert!(matcher_warnings("p", &subscribed("PreToolUse", "Write|Edit")).is_empty());
        assert!(matcher_warnings("p", &subscribed("Notification", "bash")).is_empty());
    }
}
