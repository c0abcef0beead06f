//! `fasthooks:hooks/log`: the guest's log lines into the host's log, tagged with the plugin.

use crate::sandbox::InstanceState;
use crate::wit::log::Host;
use crate::wit::types::LogLevel;

/// The longest log message kept from a guest; longer ones are cut.
const MAX_MESSAGE_BYTES: usize = 16 << 10;

impl Host for InstanceState {
    fn log(&mut self, level: LogLevel, message: String) {
        let plugin = self.plugin.name.as_str();
        // One line, capped, escaped: a guest cannot forge the log's other lines.
        let message = fasthooks_protocol::one_line(&message, MAX_MESSAGE_BYTES);
        match level {
            LogLevel::Trace => tracing::trace!(plugin, "{message}"),
            LogLevel::Debug => tracing::debug!(plugin, "{message}"),
            LogLevel::Info => tracing::info!(plugin, "{message}"),
            LogLevel::Warn => tracing::warn!(plugin, "{message}"),
            LogLevel::Error => tracing::error!(plugin, "{message}"),
        }
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
    }
}
