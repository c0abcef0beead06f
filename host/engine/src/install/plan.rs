//! What one installation puts into Claude Code's settings: the events, their matchers, and the
//! handler each gets (a command, in the shell or the exec form, or an `http` hook's URL).
//! [`super::settings`] writes it.

use super::exec_form::{CommandForm, Exec, exec_of_line};

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
    /// The handler's command line (the shell form; the exec form is made from it).
    pub command: String,
    /// How `command` handlers are written. A line with no exec form (it needs a shell to
    /// expand a variable) is written in the shell form.
    pub form: CommandForm,
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

/// The handler one event gets: its `type` and the values that identify it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Handler<'a> {
    /// `command`, run with `sh -c`.
    Command(&'a str),
    /// `command` and `args`, run with no shell.
    Exec(Exec),
    /// `url`.
    Http(&'a str),
}

impl Handler<'_> {
    pub(super) fn kind(&self) -> &'static str {
        match self {
            Handler::Command(_) | Handler::Exec(_) => "command",
            Handler::Http(_) => "http",
        }
    }

    /// The key that holds the value that names the handler (`command` or `url`), and the value.
    pub(super) fn key_and_value(&self) -> (&'static str, String) {
        match self {
            Handler::Command(command) => ("command", (*command).to_owned()),
            Handler::Exec(exec) => ("command", exec.program.clone()),
            Handler::Http(url) => ("url", (*url).to_owned()),
        }
    }

    /// The handler's `args`: `Some` exactly for the exec form.
    pub(super) fn args(&self) -> Option<&[String]> {
        match self {
            Handler::Exec(exec) => Some(&exec.args),
            _ => None,
        }
    }
}

impl Plan {
    /// The handler of `event`.
    pub fn handler_for(&self, event: &str) -> Handler<'_> {
        match self.http_urls.iter().find(|(e, _)| e == event) {
            Some((_, url)) => Handler::Http(url),
            None => {
                let line = self.command_for(event);
                match self.form {
                    CommandForm::Exec => {
                        exec_of_line(line).map_or(Handler::Command(line), Handler::Exec)
                    }
                    CommandForm::Shell => Handler::Command(line),
                }
            }
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
