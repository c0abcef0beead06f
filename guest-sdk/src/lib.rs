//! # fasthooks-sdk
//!
//! Write [Claude Code hooks](https://code.claude.com/docs/en/hooks) in Rust, compiled to
//! WebAssembly components (`wasm32-wasip2`) that `fasthooks-host` runs in a sandbox.
//!
//! A plugin builds an [`App`]: it registers handlers by hook event and Claude Code matcher,
//! each handler gets the typed [`Event`] and a [`Tasks`] handle and returns a [`Response`].
//! The [`plugin!`] macro exports the app through the `fasthooks:hooks` WIT world.
//!
//! ```
//! use fasthooks_sdk::{App, Capability, Event, Response, Tasks, context, deny};
//!
//! fn build_app() -> App {
//!     let mut app = App::new("no-secrets", env!("CARGO_PKG_VERSION"));
//!
//!     // PreToolUse for Write and Edit: refuse to touch `.env` files.
//!     app.pre_tool("Write|Edit", |event: &Event, _tasks: &Tasks| {
//!         match event.file_path() {
//!             Some(path) if path.ends_with(".env") => deny("fasthooks: .env files are off limits"),
//!             _ => Response::none(),
//!         }
//!     });
//!
//!     // UserPromptSubmit: add context, but only when the prompt mentions deploying.
//!     app.on_prompt(|_event, _tasks| context("Deploys go through `make deploy`."))
//!         .when(|event| event.prompt.as_deref().is_some_and(|p| p.contains("deploy")));
//!
//!     app.needs(Capability::ReadFiles);
//!     app
//! }
//!
//! fasthooks_sdk::plugin!(build_app);
//!
//! // Plugins are plain Rust natively, so their logic is unit-testable with `cargo test`.
//! let app = build_app();
//! let response = app
//!     .dispatch_json(r#"{"hook_event_name":"PreToolUse","session_id":"s","cwd":"/p",
//!         "tool_name":"Write","tool_input":{"file_path":"/p/.env","content":"X=1"}}"#)
//!     .unwrap();
//! assert!(response.is_deny());
//! assert_eq!(app.describe().subscriptions.len(), 2);
//! ```
//!
//! Build the component with `cargo build --release --target wasm32-wasip2` on a crate with
//! `crate-type = ["cdylib", "rlib"]`.
//!
//! ## Modules
//! - [`event`]: the typed hook event ([`Event`], [`EventKind`]).
//! - [`tools`]: typed tool inputs ([`ToolInput`]).
//! - [`response`]: what handlers return ([`Response`], [`allow`], [`approve`], [`deny`], ...).
//! - [`matcher`]: Claude Code matcher semantics ([`Matcher`]).
//! - [`app`]: the router ([`App`], [`Route`]) and its merge rules.
//! - [`describe`]: what a plugin tells the host about itself ([`PluginInfo`], [`Capability`]).
//! - [`tasks`]: background tasks ([`Task`], [`Tasks`]).
//! - [`state`]: a small persistent key-value store per plugin (session or global scope).
//! - [`memory`]: notes kept across sessions, found again by relevance.
//! - [`agent`]: Claude sub-agents (with the user's `--allow-agent`).
//! - [`http`]: outgoing HTTP requests (with the user's `--allow-http URL`).
//! - [`log`]: logging into the host's log.
//! - [`export`]: the glue between an [`App`] and the WIT exports ([`plugin!`]).

#![warn(missing_docs)]

pub mod agent;
pub mod app;
pub mod describe;
pub mod event;
pub mod export;
pub mod http;
pub mod log;
pub mod matcher;
pub mod memory;
pub mod response;
mod runtime;
pub mod state;
pub mod tasks;
pub mod tools;

pub use agent::Agent;
pub use app::{App, IntoResponse, Route};
pub use describe::{Capability, PluginInfo, Subscription};
pub use event::{Event, EventKind, ToolCall};
pub use matcher::Matcher;
pub use response::{Decision, Response, allow, approve, ask, block, context, defer, deny};
pub use tasks::{Task, TaskError, TaskInfo, TaskKey, TaskOptions, TaskOutput, TaskStatus, Tasks};
pub use tools::ToolInput;

// Re-exported so plugins can build updated tool inputs without depending on serde_json.
pub use serde_json;

/// Bindings generated from the `fasthooks:hooks` WIT package (world `plugin`).
///
/// Plugins normally never touch these: [`plugin!`] implements [`bindings::Guest`] for them. The
/// imports (`tasks`, `agent`, `state`, `log`) only work inside the host, on `wasm32`.
#[allow(missing_docs, clippy::all)]
pub mod bindings {
    wit_bindgen::generate!({
        world: "plugin",
        path: "wit",
        pub_export_macro: true,
        export_macro_name: "export",
        default_bindings_module: "::fasthooks_sdk::bindings",
    });
}
