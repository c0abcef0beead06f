//! Each plugin's share of the instances one process may run at once (the daemon's pool holds
//! [`crate::runtime::EngineSettings::for_daemon`]'s 1,000). A plugin file past its share gets
//! its next call refused at once, blamed on it, so one plugin with a thousand sleeping calls
//! cannot leave a guard without an instance. The share is a quarter of the pool by default
//! (`FASTHOOKS_MAX_INSTANCES_PER_PLUGIN` changes it).

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::{Mutex, OnceLock};

pub const MAX_INSTANCES_ENV: &str = "FASTHOOKS_MAX_INSTANCES_PER_PLUGIN";
pub const DEFAULT_MAX_INSTANCES_PER_PLUGIN: usize = 250;

fn in_use() -> &'static Mutex<HashMap<PathBuf, usize>> {
    static IN_USE: OnceLock<Mutex<HashMap<PathBuf, usize>>> = OnceLock::new();
    IN_USE.get_or_init(Default::default)
}

/// The share of one plugin file, read once per process.
pub fn share() -> usize {
    static SHARE: OnceLock<usize> = OnceLock::new();
    *SHARE.get_or_init(|| {
        std::env::var(MAX_INSTANCES_ENV)
            .ok()
            .and_then(|v| v.trim().parse().ok())
            .filter(|&n| n > 0)
            .unwrap_or(DEFAULT_MAX_INSTANCES_PER_PLUGIN)
    })
}

/// One instance of a plugin, counted against its share while it lives.
#[derive(Debug)]
pub struct Slot {
    plugin: PathBuf,
}

impl Drop for Slot {
    fn drop(&mut self) {
        let mut in_use = in_use().lock().unwrap_or_else(|e| e.into_inner());
        if let Some(count) = in_use.get_mut(&self.plugin) {
            *count -= 1;
            if *count == 0 {
                in_use.remove(&self.plugin);
            }
        }
    }
}

/// Why a plugin gets no instance now.
#[derive(Debug, thiserror::Error)]
#[error(
    "has {running} instances running, its whole share of the instance pool; \
     its calls wait on something (or it is flooded): the other plugins keep theirs"
)]
pub struct ShareExhausted {
    pub running: usize,
}

/// A slot for one more instance of `plugin`, if it is within its share.
pub fn take(plugin: &Path) -> Result<Slot, ShareExhausted> {
    take_within(plugin, share())
}

fn take_within(plugin: &Path, limit: usize) -> Result<Slot, ShareExhausted> {
    let mut in_use = in_use().lock().unwrap_or_else(|e| e.into_inner());
    let count = in_use.entry(plugin.to_path_buf()).or_default();
    if *count >= limit {
        return Err(ShareExhausted { running: *count });
    }
    *count += 1;
    Ok(Slot {
        plugin: plugin.to_path_buf(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_plugin_past_its_share_is_refused_and_others_are_not() {
        let greedy = Path::new("/share-test/greedy.wasm");
        let held: Vec<Slot> = (0..3).map(|_| take_within(greedy, 3).unwrap()).collect();
        assert_eq!(take_within(greedy, 3).unwrap_err().running, 3);
        assert!(take_within(Path::new("/share-test/guard.wasm"), 3).is_ok());
        drop(held);
        assert!(take_within(greedy, 3).is_ok(), "slots come back");
    }
}
