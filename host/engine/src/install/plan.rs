//! What one installation puts into Claude Code's settings: the events, their matchers, and the
//! handler each gets (a command, or an `http` hook's URL). [`super::settings`] writes it.

/// One event to hook, with the matcher its group gets (`None`: no `matcher` key).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Entry {
    pub event: String,
    pub matcher: Option<String>,
}

/// What one installation puts into the settings.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Plan {
    pub entries: Vec<Entry>,
    /// The handler's `command`.
    pub command: String,
    /// The handler's `timeout` (seconds), if any.
    pub timeout: Option<u64>,
    /// Events whose handler runs another command than `command` (SessionEnd's, with a
    /// deadline that fits its shorter budget).
    pub event_commands: Vec<(String, String)>,
    /// The handler's `"asyncRewake": true`: Claude Code runs it in the background, and its
    /// exit code 2 wakes the session (the wake hook).
    pub async_rewake: bool,
    /// Events whose handler is an `http` hook, with its URL (the `http` transport); the others
    /// run [`Plan::command_for`].
    pub http_urls: Vec<(String, String)>,
}

/// The handler one event gets: its `type` and the value that identifies it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Handler<'a> {
    Command(&'a str),
    Http(&'a str),
}

impl Handler<'_> {
    pub(super) fn kind(self) -> &'static str {
        match self {
            Handler::Command(_) => "command",
            Handler::Http(_) => "http",
        }
    }

    /// The key that holds the value (`command` or `url`), and the value.
    pub(super) fn key_and_value(self) -> (&'static str, String) {
        match self {
            Handler::Command(command) => ("command", command.to_owned()),
            Handler::Http(url) => ("url", url.to_owned()),
        }
    }
}

impl Plan {
    /// The handler of `event`.
    pub fn handler_for(&self, event: &str) -> Handler<'_> {
        match self.http_urls.iter().find(|(e, _)| e == event) {
            Some((_, url)) => Handler::Http(url),
            None => Handler::Command(self.command_for(event)),
        }
    }

    /// The command the handler of `event` runs.
    pub fn command_for(&self, event: &str) -> &str {
        self.event_commands
            .iter()
            .find(|(e, _)| e == event)
            .map_or(&self.command, |(_, command)| command)
    }
}
