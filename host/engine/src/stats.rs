//! The daemon's own counters, for `fasthooks-host stats`: per plugin file and event, how many
//! calls, how many failed (trap, timeout, refusal, error), and the latency of the most recent
//! [`RECENT`] calls (p50, p99, max).
//!
//! Only hooks the daemon answers are counted, from its start: a hook run in-process
//! (`--inline`, or the fallback) has no daemon to tell. A call is one plugin on one event, timed
//! from opening the plugin file to its answer (compile and describe() included when they
//! happen then); a plugin not subscribed to the event is not a call.

use fasthooks_ipc::wire::PluginStats;
use std::collections::{HashMap, VecDeque};
use std::sync::Mutex;
use std::time::Duration;

/// Calls whose latency is kept per plugin and event.
pub const RECENT: usize = 1024;

/// Plugin and event pairs counted; calls of pairs past it are not (the settings of one user
/// hold a few dozen).
pub const MAX_PAIRS: usize = 4096;

#[derive(Default)]
pub struct HookStats {
    counters: Mutex<HashMap<(String, String), Counters>>,
}

#[derive(Default, Clone)]
struct Counters {
    /// The name the plugin gave itself last (a failure before it loaded does not know it).
    name: String,
    calls: u64,
    failures: u64,
    recent_us: VecDeque<u64>,
}

impl HookStats {
    /// One call of the plugin at `path` on `event`; `name` when it is known.
    pub fn record(
        &self,
        path: &str,
        name: Option<&str>,
        event: &str,
        took: Duration,
        failed: bool,
    ) {
        // A poisoned lock still holds good counters: never let it break a hook.
        let mut counters = self
            .counters
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        let key = (path.to_owned(), event.chars().take(64).collect::<String>());
        if counters.len() >= MAX_PAIRS && !counters.contains_key(&key) {
            return;
        }
        let entry = counters.entry(key).or_default();
        if let Some(name) = name
            && entry.name != name
        {
            entry.name = name.to_owned();
        }
        entry.calls += 1;
        entry.failures += u64::from(failed);
        if entry.recent_us.len() == RECENT {
            entry.recent_us.pop_front();
        }
        entry.recent_us.push_back(took.as_micros() as u64);
    }

    /// Every plugin and event so far, by plugin file then event.
    pub fn snapshot(&self) -> Vec<PluginStats> {
        // Copied out under the lock, sorted after: hooks wait for the lock, not for this.
        let copied: Vec<((String, String), Counters)> = self
            .counters
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .iter()
            .map(|(key, c)| (key.clone(), c.clone()))
            .collect();
        let mut rows: Vec<PluginStats> = copied
            .into_iter()
            .map(|((path, event), c)| {
                let mut sorted: Vec<u64> = c.recent_us.into_iter().collect();
                sorted.sort_unstable();
                PluginStats {
                    plugin_name: c.name,
                    plugin_path: path,
                    event,
                    calls: c.calls,
                    failures: c.failures,
                    p50_us: percentile(&sorted, 50),
                    p99_us: percentile(&sorted, 99),
                    max_us: sorted.last().copied().unwrap_or(0),
                }
            })
            .collect();
        rows.sort_by(|a, b| (&a.plugin_path, &a.event).cmp(&(&b.plugin_path, &b.event)));
        rows
    }
}

/// The nearest-rank percentile of sorted values (0 for none).
fn percentile(sorted: &[u64], pct: usize) -> u64 {
    if sorted.is_empty() {
        return 0;
    }
    let rank = (pct * sorted.len()).div_ceil(100).max(1);
    sorted[rank - 1]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn percentiles_are_nearest_rank_over_the_recent_calls() {
        let stats = HookStats::default();
        for ms in 1..=100 {
            let failed = ms % 10 == 0;
            stats.record(
                "/p.wasm",
                Some("p"),
                "PreToolUse",
                Duration::from_millis(ms),
                failed,
            );
        }
        let rows = stats.snapshot();
        assert_eq!(rows.len(), 1);
        let row = &rows[0];
        assert_eq!((row.calls, row.failures), (100, 10));
        assert_eq!(
            (row.p50_us, row.p99_us, row.max_us),
            (50_000, 99_000, 100_000)
        );
        // Only the most recent calls count for latency; every call counts for the totals.
        for _ in 0..RECENT {
            stats.record(
                "/p.wasm",
                None,
                "PreToolUse",
                Duration::from_micros(7),
                false,
            );
        }
        let row = &stats.snapshot()[0];
        assert_eq!(row.calls, 100 + RECENT as u64);
        assert_eq!((row.p99_us, row.max_us), (7, 7));
        assert_eq!(
            row.plugin_name, "p",
            "a call that did not know the name keeps it"
        );
    }
}
