//! `fasthooks:hooks/log`: the guest's log lines into the host's log, tagged with the plugin,
//! the session, and the event or the task key the call is for.
//!
//! Each line is escaped into one line and capped, so a guest cannot forge the log's other lines,
//! and each plugin (by file, not by the name it gives itself) has a rate: a burst of
//! [`BURST_LINES`], then [`LINES_PER_SECOND`]. Past it lines are dropped and counted, so one
//! chatty plugin cannot rotate everyone's history away. The guest's captured stdout and stderr
//! go through the same rate.

use crate::sandbox::InstanceState;
use crate::wit::log::Host;
use crate::wit::types::LogLevel;
use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::{Mutex, OnceLock};
use std::time::Instant;

/// The longest log message kept from a guest; longer ones are cut.
const MAX_MESSAGE_BYTES: usize = 16 << 10;
/// Lines a plugin may log at once.
pub const BURST_LINES: f64 = 200.0;
/// Lines a plugin may log per second, once its burst is spent.
pub const LINES_PER_SECOND: f64 = 20.0;

struct Bucket {
    tokens: f64,
    refilled: Instant,
    dropped: u64,
}

fn buckets() -> &'static Mutex<HashMap<PathBuf, Bucket>> {
    static BUCKETS: OnceLock<Mutex<HashMap<PathBuf, Bucket>>> = OnceLock::new();
    BUCKETS.get_or_init(Default::default)
}

/// Run `emit` (which logs one line) if `plugin` is within its rate.
pub fn within_rate(plugin: &Path, name: &str, emit: impl FnOnce()) {
    let now = Instant::now();
    let (admitted, dropped_before, first_drop) = {
        let mut buckets = buckets().lock().unwrap_or_else(|e| e.into_inner());
        let bucket = buckets.entry(plugin.to_path_buf()).or_insert(Bucket {
            tokens: BURST_LINES,
            refilled: now,
            dropped: 0,
        });
        let elapsed = now.duration_since(bucket.refilled).as_secs_f64();
        bucket.tokens = (bucket.tokens + elapsed * LINES_PER_SECOND).min(BURST_LINES);
        bucket.refilled = now;
        if bucket.tokens >= 1.0 {
            bucket.tokens -= 1.0;
            (true, std::mem::take(&mut bucket.dropped), false)
        } else {
            bucket.dropped += 1;
            (false, 0, bucket.dropped == 1)
        }
    };
    if first_drop {
        tracing::warn!(
            plugin = name,
            "logging faster than {LINES_PER_SECOND} lines a second: its lines are dropped until it slows down"
        );
    }
    if admitted {
        if dropped_before > 0 {
            tracing::warn!(
                plugin = name,
                "{dropped_before} log lines dropped (over the rate)"
            );
        }
        emit();
    }
}

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

    #[test]
    fn each_plugin_has_its_own_rate() {
        let count = |path: &str, lines: usize| {
            let mut emitted = 0;
            for _ in 0..lines {
                within_rate(Path::new(path), "t", || emitted += 1);
            }
            emitted
        };
        let burst = BURST_LINES as usize;
        let chatty = count("/rate-test/chatty.wasm", 10 * burst);
        assert!((burst..burst + 5).contains(&chatty), "{chatty}");
        assert_eq!(
            count("/rate-test/quiet.wasm", 10),
            10,
            "another plugin is not affected"
        );
    }
}
