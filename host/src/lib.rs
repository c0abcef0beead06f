//! fasthooks-host: run Claude Code hooks as sandboxed WebAssembly components.
//!
//! The path of one hook call: [`cli`] (the small `fasthooks-host` front) reads the event and
//! hands it to the daemon through [`client`] and [`ipc`]; the [`daemon`] (or the engine
//! in-process, [`commands`]) runs [`dispatch`], which parses it ([`protocol`]),
//! loads each plugin ([`plugin`], [`compile_cache`]) on the shared [`engine`], runs the subscribed
//! ones in fresh sandboxed instances ([`instance`], [`sandbox`], [`bindings`]) and renders the
//! merged answer in Claude Code's wire format ([`protocol`]).
//!
//! Background tasks: plugins reach the [`tasks`] service through [`bindings`]; it queues them,
//! keeps them in the [`store`], and its workers run each in a fresh instance ([`task_runner`]).
//! Around it: [`paths`] (every directory), [`logging`], [`admin`] (`daemon status|stop`, `tasks`)
//! and [`install`] (Claude Code settings).

pub mod admin;
pub mod agent;
pub mod bindings;
pub mod cli;
pub mod client;
pub mod commands;
pub mod compile_cache;
pub mod daemon;
pub mod dispatch;
pub mod engine;
pub mod install;
pub mod instance;
pub mod ipc;
pub mod logging;
pub mod matcher;
pub mod paths;
pub mod plugin;
pub mod protocol;
pub mod request;
pub mod sandbox;
pub mod store;
pub mod task_runner;
pub mod tasks;
