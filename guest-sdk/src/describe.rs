//! What a plugin tells the host about itself: name, version, subscriptions, capabilities.
//!
//! [`App::describe`](crate::App::describe) builds a [`PluginInfo`] from what was registered;
//! the host calls the `describe` export once per build of the plugin and routes events by the
//! subscriptions.

/// Something a plugin may ask the user to grant. Nothing is granted unless the user says so
/// on the host's command line.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Capability {
    /// Read files (`--allow-read DIR`).
    ReadFiles,
    /// Write files (`--allow-write DIR`).
    WriteFiles,
    /// Outgoing HTTP (`--allow-net HOST[:PORT]`).
    Network,
    /// Environment variables (`--allow-env NAME`).
    Environment,
    /// Claude sub-agent queries (`--allow-agent`).
    Agent,
}

/// One subscription: a hook event name (`"*"` for every event) and a Claude Code matcher.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Subscription {
    /// The hook event name, e.g. `"PreToolUse"`, or `"*"`.
    pub event: String,
    /// The matcher as registered (`""` = everything).
    pub matcher: String,
}

/// A plugin's self-description.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PluginInfo {
    /// The plugin name.
    pub name: String,
    /// The plugin version.
    pub version: String,
    /// The unique (event, matcher) pairs, in registration order.
    pub subscriptions: Vec<Subscription>,
    /// The capabilities the plugin needs, in declaration order.
    pub capabilities: Vec<Capability>,
}
