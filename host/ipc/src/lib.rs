//! # fasthooks-ipc
//!
//! What the hook front (`fasthooks-host`) and the daemon (`fasthooks-engine`) share: the second
//! step of a hook's path, from the command line Claude Code runs to the request the daemon
//! answers.
//!
//! ```text
//! argv ──> command (parse; to_args is its inverse) ──> request (resolved grants, limits)
//!      ──> client ──wire (framed JSON, identity handshake)──> daemon socket under paths
//! ```
//!
//! - [`command`]: the hook command line: plugins and the grants that follow each.
//! - [`request`]: the resolved request, typed grants, the capability table, limits, the
//!   sandbox a task keeps; [`http_grant`]: what `--allow-http URL` allows.
//! - [`http_hook`]: the same command as the URL of an `http` hook, and the port it is served on;
//!   [`http_key`]: the key that signs those URLs, so the daemon serves only what install wrote.
//! - [`wire`]: frames, requests and replies, the identity a daemon is replaced by.
//! - [`client`]: connect to the daemon (starting it when absent), send, wait, every step with
//!   a deadline.
//! - [`paths`]: every directory the host touches; [`private`]: everything written there is
//!   private (0700/0600), and the runtime directory is checked before the socket is trusted.
//! - [`loopback`]: the uid that owns a TCP socket on loopback, which the `http` transport
//!   checks on every connection.
//! - [`hook_io`]: read the event, print the answer, fail open or closed when none comes.

pub mod client;
pub mod command;
pub mod hook_io;
pub mod http_grant;
pub mod http_hook;
pub mod http_key;
pub mod loopback;
pub mod paths;
pub mod private;
pub mod request;
pub mod wire;

pub use command::{CommandError, Grant, HookArgs, HookCommand, PluginArgs};
pub use http_grant::HttpGrant;
pub use paths::Paths;
pub use request::{Capability, Grants, HookRequest, Limits, PluginSpec, TaskSandbox};

/// The binary that runs WebAssembly, installed next to `fasthooks-host`.
pub const ENGINE_BINARY: &str = "fasthooks-engine";
/// The hook front; a settings.json command whose program has this name is ours.
pub const HOST_BINARY: &str = "fasthooks-host";
/// Set when the front hands a hook to the engine because the daemon could not be reached.
pub const FALLBACK_NOTE_ENV: &str = "FASTHOOKS_FALLBACK_NOTE";
