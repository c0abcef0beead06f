//! # fasthooks-engine
//!
//! The WebAssembly side of fasthooks-host: the third step of a hook's path, and everything that
//! is not the hook front. The binary `fasthooks-engine` is the daemon, the in-process hook
//! (`--inline` and the fallback), and the admin commands.
//!
//! ```text
//! request ──> dispatch ──> plugin (file, compile_cache) ──> instance (sandbox, wit + host/*)
//!                │                                             └─ tasks ──> task_runner
//!                └──> merged response, rendered (fasthooks-protocol)
//! daemon: socket, http ──> dispatch;   inline: stdin ──> dispatch;   admin, install, describe, inspect
//! ```
//!
//! The path of one call:
//! - [`dispatch`]: one hook request: every plugin in order, the failure policy, the merge,
//!   and the rounds that show every plugin a rewritten tool input.
//! - [`plugin`]: a plugin file, its hash, what its `describe()` says, the loader that compiles
//!   ([`compile_cache`], in a child process: [`compile_child`]) and links it; [`describe`] asks a plugin what it declares, and
//!   [`inspect`] shows it to a user before they grant it anything.
//! - [`instance`]: one call into a fresh instance, bounded, its failure in one line;
//!   [`share`]: each plugin's share of the instances a process runs at once.
//! - [`sandbox`]: what one instance gets: granted files (opened without following links),
//!   network, environment, limits; [`sandbox::write_policy`] and [`sandbox::filesystem`]: what
//!   a plugin may change inside its write grants (`.claude/`, `.git/`, links), applied to the
//!   guest's `wasi:filesystem`; [`sandbox::http`]: `wasi:http` requests under the granted
//!   URLs, sent by the host's own client. Calls are built from [`call::CallContext`].
//! - [`wit`]: the generated bindings of `wit/`; [`host`]: one module per interface the host
//!   serves a plugin (`tasks`, `state`, `agent`, `log`).
//! - [`task_runner`]: how a worker of `fasthooks-tasks` runs a task in a fresh instance;
//!   [`task_owner`]: how a hook run in-process reaches the task store (owns it, or asks the
//!   daemon that does).
//! - [`runtime`]: the one wasmtime `Engine` and its epoch ticker.
//!
//! Around it:
//! - [`daemon`]: the per-user daemon (socket, lock, idle exit, replacement; `daemon::http`: the
//!   port it keeps for the `http` transport);
//!   [`http_hooks`]: the same daemon answering Claude Code `http` hooks on loopback;
//!   [`http_handoff`]: its listening socket handed to the daemon that replaces it;
//!   [`http_port`]: who holds the port, as the SessionStart hook tells the user;
//!   [`hook_threads`]: the threads both run hooks on;
//!   [`inline`]: the same hook in this process, with its watchdog.
//! - [`doctor`]: an installation checked end to end; [`stats`]: the daemon's per-plugin,
//!   per-event counters.
//! - [`cli`] and [`commands`]: the command line; [`admin`] (`daemon`, `tasks`, `stats`), [`install`]
//!   (Claude Code settings), [`test_run`] (one event through plugins, without Claude Code,
//!   with sample events for every event), [`logging`] (the log file) and [`log_view`]
//!   (`fasthooks-host logs`: the log read back, by plugin, session, event or task);
//!   [`wake`] (the `asyncRewake` hook that wakes Claude with marked tasks' results);
//!   [`scaffold`] (`fasthooks-host new`: a plugin project per language, from `templates/`) and
//!   [`build`] (`fasthooks-host build`: a project into its component, toolchains installed on
//!   first use).

pub mod admin;
pub mod build;
pub mod call;
pub mod cli;
pub mod commands;
pub mod compile_cache;
pub mod compile_child;
pub mod daemon;
pub mod describe;
pub mod dispatch;
pub mod doctor;
pub mod hook_threads;
pub mod host;
pub mod http_handoff;
pub mod http_hooks;
pub mod http_port;
pub mod info;
pub mod inline;
pub mod inspect;
pub mod install;
pub mod instance;
pub mod log_view;
pub mod logging;
pub mod plugin;
pub mod runtime;
pub mod sandbox;
pub mod scaffold;
pub mod share;
pub mod stats;
pub mod task_owner;
pub mod task_runner;
pub mod test_run;
pub mod wake;
pub mod wit;
