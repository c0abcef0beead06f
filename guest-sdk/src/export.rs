//! The glue between an [`App`] and the WIT exports of the `plugin` world.
//!
//! [`plugin!`](crate::plugin!) is all a plugin needs:
//!
//! ```
//! fn build_app() -> fasthooks_sdk::App {
//!     let mut app = fasthooks_sdk::App::new("hello", "0.1.0");
//!     app.on_session_start(|_, _| fasthooks_sdk::context("Hello from a plugin."));
//!     app
//! }
//!
//! fasthooks_sdk::plugin!(build_app);
//! ```
//!
//! Every export call builds the app afresh with the given function (each call runs in a fresh
//! instance anyway), so keep building cheap: register closures, do real work in handlers.
//! The functions below do the conversions; they are public so a plugin with unusual needs
//! can implement [`Guest`](crate::bindings::Guest) itself.

use crate::app::App;
use crate::bindings::fasthooks::hooks::types as wit;
use crate::describe::{Capability, PluginInfo};
use crate::event::Event;
use crate::response::{Decision, Response};

/// Implements the `describe` export.
pub fn describe(app: &App) -> wit::PluginInfo {
    plugin_info(app.describe())
}

/// Implements the `handle` export: parses the event's raw JSON, dispatches it and converts the
/// response. A parse error, a failing handler or an invalid response is an `Err`.
pub fn handle(app: &App, event: wit::Event) -> Result<wit::Response, String> {
    let event = event_from_wit(event)?;
    let response = app.dispatch(&event)?;
    to_wit_response(response)
}

/// Implements the `task-names` export: the registered tasks, for `inspect` to show.
pub fn task_names(app: &App) -> Vec<String> {
    app.task_names()
}

/// Implements the `run-task` export.
pub fn run_task(app: &App, name: &str, args: &str) -> Result<String, String> {
    app.run_task(name, args)
}

/// Builds the typed event from the host's record. The raw JSON is authoritative; the typed
/// fields of the record fill in `hook_event_name`, `session_id` and `cwd` if the raw JSON
/// lacks them.
pub fn event_from_wit(event: wit::Event) -> Result<Event, String> {
    let mut raw: serde_json::Value = serde_json::from_str(&event.raw_json)
        .map_err(|e| format!("invalid event JSON from the host: {e}"))?;
    let Some(map) = raw.as_object_mut() else {
        return Err("invalid event from the host: raw JSON is not an object".to_owned());
    };
    for (key, value) in [
        ("hook_event_name", event.name),
        ("session_id", event.session_id),
        ("cwd", event.cwd),
    ] {
        if !map.get(key).is_some_and(serde_json::Value::is_string) {
            map.insert(key.to_owned(), serde_json::Value::String(value));
        }
    }
    Event::from_value(raw)
}

/// Converts a response into the WIT record. An updated input that is not a JSON object is an
/// error (Claude Code replaces the whole tool input with it).
pub fn to_wit_response(response: Response) -> Result<wit::Response, String> {
    let updated_input = match response.updated_input {
        None => None,
        Some(input @ serde_json::Value::Object(_)) => Some(input.to_string()),
        Some(other) => {
            return Err(format!(
                "updated input must be a JSON object holding the whole tool input, got `{other}`"
            ));
        }
    };
    Ok(wit::Response {
        decision: response.decision.map(|d| match d {
            Decision::Allow => wit::Decision::Allow,
            Decision::Deny => wit::Decision::Deny,
            Decision::Ask => wit::Decision::Ask,
            Decision::Block => wit::Decision::Block,
            Decision::Defer => wit::Decision::Defer,
        }),
        reason: response.reason,
        additional_context: response.additional_context,
        updated_input,
        system_message: response.system_message,
        stop_reason: response.stop_reason,
    })
}

/// Converts a self-description into the WIT record.
pub fn plugin_info(info: PluginInfo) -> wit::PluginInfo {
    wit::PluginInfo {
        name: info.name,
        version: info.version,
        subscriptions: info
            .subscriptions
            .into_iter()
            .map(|s| wit::Subscription {
                event: s.event,
                matcher: s.matcher,
            })
            .collect(),
        capabilities: info
            .capabilities
            .into_iter()
            .map(|c| match c {
                Capability::ReadFiles => wit::Capability::ReadFiles,
                Capability::WriteFiles => wit::Capability::WriteFiles,
                Capability::Network => wit::Capability::Network,
                Capability::Environment => wit::Capability::Environment,
                Capability::Agent => wit::Capability::Agent,
            })
            .collect(),
    }
}

/// Exports a plugin: `fasthooks_sdk::plugin!(build_app)` where `fn build_app() -> App`.
///
/// Defines a type implementing the generated [`Guest`](crate::bindings::Guest) trait (describe,
/// handle, run-task and task-names, each building the app with `build_app`) and, on `wasm32`, exports it
/// as the component's `plugin` world. Use it once per plugin crate, at module level.
#[macro_export]
macro_rules! plugin {
    ($build:path) => {
        #[doc(hidden)]
        pub struct __FasthooksPlugin;

        impl $crate::bindings::Guest for __FasthooksPlugin {
            fn describe() -> $crate::bindings::PluginInfo {
                $crate::export::describe(&$build())
            }

            fn handle(
                event: $crate::bindings::Event,
            ) -> ::core::result::Result<$crate::bindings::Response, ::std::string::String> {
                $crate::export::handle(&$build(), event)
            }

            fn run_task(
                name: ::std::string::String,
                args: ::std::string::String,
            ) -> ::core::result::Result<::std::string::String, ::std::string::String> {
                $crate::export::run_task(&$build(), &name, &args)
            }

            fn task_names() -> ::std::vec::Vec<::std::string::String> {
                $crate::export::task_names(&$build())
            }
        }

        #[cfg(target_arch = "wasm32")]
        $crate::bindings::export!(__FasthooksPlugin with_types_in $crate::bindings);
    };
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::response::{allow, approve, deny};
    use crate::{Capability, bindings::Guest};
    use serde_json::json;

    fn build() -> App {
        let mut app = App::new("export-test", "0.0.1");
        app.pre_tool("Bash", |e, _| match e.command() {
            Some("rm -rf /") => deny("no"),
            Some("ls") => allow().with_updated_input(json!({"command":"ls -la"})),
            Some("bad") => allow().with_updated_input(json!("ls")),
            Some("pwd") => approve().with_reason("read-only"),
            _ => Response::none(),
        });
        app.on("*", "", |_, _| ());
        app.needs(Capability::Agent);
        app.register_raw("echo", |args| Ok(args.to_owned()));
        app
    }

    crate::plugin!(build);

    fn wit_event(raw: &str) -> wit::Event {
        wit::Event {
            name: "PreToolUse".into(),
            session_id: "s".into(),
            cwd: "/p".into(),
            transcript_path: None,
            permission_mode: None,
            tool_name: Some("Bash".into()),
            raw_json: raw.into(),
        }
    }

    #[test]
    fn guest_describe() {
        let info = __FasthooksPlugin::describe();
        assert_eq!(info.name, "export-test");
        assert_eq!(info.version, "0.0.1");
        assert_eq!(info.subscriptions.len(), 2);
        assert_eq!(info.subscriptions[0].event, "PreToolUse");
        assert_eq!(info.subscriptions[0].matcher, "Bash");
        assert_eq!(info.subscriptions[1].event, "*");
        assert!(matches!(info.capabilities[..], [wit::Capability::Agent]));
        assert_eq!(__FasthooksPlugin::task_names(), ["echo"]);
    }

    #[test]
    fn guest_handle() {
        let raw = r#"{"hook_event_name":"PreToolUse","session_id":"s","cwd":"/p","tool_name":"Bash","tool_input":{"command":"rm -rf /"}}"#;
        let r = __FasthooksPlugin::handle(wit_event(raw)).unwrap();
        assert!(matches!(r.decision, Some(wit::Decision::Deny)));
        assert_eq!(r.reason.as_deref(), Some("no"));

        // Name, session and cwd come from the record when the raw JSON lacks them.
        let raw = r#"{"tool_name":"Bash","tool_input":{"command":"ls"}}"#;
        let r = __FasthooksPlugin::handle(wit_event(raw)).unwrap();
        assert!(r.decision.is_none(), "allow() carries no decision");
        let input: serde_json::Value =
            serde_json::from_str(r.updated_input.as_deref().unwrap()).unwrap();
        assert_eq!(input, json!({"command":"ls -la"}));

        let raw = r#"{"tool_name":"Bash","tool_input":{"command":"pwd"}}"#;
        let r = __FasthooksPlugin::handle(wit_event(raw)).unwrap();
        assert!(matches!(r.decision, Some(wit::Decision::Allow)));
        assert_eq!(r.reason.as_deref(), Some("read-only"));

        let raw = r#"{"tool_name":"Bash","tool_input":{"command":"echo"}}"#;
        let r = __FasthooksPlugin::handle(wit_event(raw)).unwrap();
        assert!(r.decision.is_none() && r.reason.is_none() && r.updated_input.is_none());

        let raw = r#"{"tool_name":"Bash","tool_input":{"command":"bad"}}"#;
        assert!(__FasthooksPlugin::handle(wit_event(raw)).is_err());
        assert!(__FasthooksPlugin::handle(wit_event("nope")).is_err());
        assert!(__FasthooksPlugin::handle(wit_event("[]")).is_err());
    }

    #[test]
    fn guest_run_task() {
        assert_eq!(
            __FasthooksPlugin::run_task("echo".into(), "{\"a\":1}".into()).unwrap(),
            "{\"a\":1}"
        );
        assert_eq!(
            __FasthooksPlugin::run_task("nope".into(), "{}".into()).unwrap_err(),
            "unknown task `nope`"
        );
    }
}
