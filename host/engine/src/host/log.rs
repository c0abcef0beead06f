//! `fasthooks:hooks/log`: the guest's log lines into the host's log, tagged with the plugin,
//! the session, and the event or the task key the call is for.
//!
//! Each line is escaped into one line and capped, so a guest cannot forge the log's other lines,
//! and goes through the plugin's log rate ([`crate::logging::within_rate`]).

use crate::logging::within_rate;
use crate::sandbox::InstanceState;
use crate::wit::log::Host;
use crate::wit::types::LogLevel;

/// The longest log message kept from a guest; longer ones are cut.
const MAX_MESSAGE_BYTES: usize = 16 << 10;
impl Host for InstanceState {
    fn log(&mut self, level: LogLevel, message: String) {
        let plugin = self.plugin.name.as_str();
        let (session, event, task) = self.log_fields();
        let message = crate::logging::guest_line(&message, MAX_MESSAGE_BYTES);
        within_rate(&self.plugin.path, plugin, || match level {
            LogLevel::Trace => tracing::trace!(plugin, session, event, task, "{message}"),
            LogLevel::Debug => tracing::debug!(plugin, session, event, task, "{message}"),
            LogLevel::Info => tracing::info!(plugin, session, event, task, "{message}"),
            LogLevel::Warn => tracing::warn!(plugin, session, event, task, "{message}"),
            LogLevel::Error => tracing::error!(plugin, session, event, task, "{message}"),
        });
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_guest_message_stays_one_bounded_line() {
        let one_line = |text: &str| fasthooks_protocol::one_line(text, MAX_MESSAGE_BYTES);
        assert_eq!(
            one_line("a\nfasthooks-host: forged"),
            "a\\nfasthooks-host: forged"
        );
        assert!(one_line(&"x".repeat(1 << 20)).len() < MAX_MESSAGE_BYTES + 16);
        assert_eq!(
            crate::logging::guest_line(r#"x plugin="guard" {"json":"kept"}"#, 100),
            r#"x plugin=\"guard" {"json":"kept"}"#
        );
    }
}
