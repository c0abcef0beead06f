//! Every directory the host touches, in one place, so one variable moves them all.
//!
//! `--home DIR` or `FASTHOOKS_HOME=DIR` puts everything under DIR (`cache/`, `data/`, `run/`,
//! `logs/`): tests and users run fully isolated instances side by side that way. Otherwise the
//! XDG base directories are used: `$XDG_CACHE_HOME/fasthooks`, `$XDG_STATE_HOME/fasthooks`
//! (store and logs) and `$XDG_RUNTIME_DIR/fasthooks` (socket), or `$XDG_STATE_HOME/fasthooks/run`
//! without it: never a predictable name in a shared directory such as `/tmp`, which another
//! user could create first. Every one of them is private ([`crate::private`]).

use crate::private::{self, TrustError};
use std::path::{Path, PathBuf};

pub const HOME_ENV: &str = "FASTHOOKS_HOME";

#[derive(Debug, Clone)]
pub struct Paths {
    /// Compiled plugins and cached `describe()` answers. Safe to delete.
    pub cache: PathBuf,
    /// The durable store (tasks, results, state).
    pub data: PathBuf,
    /// The daemon's socket and lock; mode 0700.
    pub runtime: PathBuf,
    pub logs: PathBuf,
}

impl Paths {
    pub fn resolve(home_flag: Option<&Path>) -> Paths {
        let env_home = std::env::var_os(HOME_ENV)
            .filter(|v| !v.is_empty())
            .map(PathBuf::from);
        if let Some(home) = home_flag.map(Path::to_path_buf).or(env_home) {
            return Paths::under(&home);
        }
        let user_home = std::env::var_os("HOME")
            .map(PathBuf::from)
            .unwrap_or_else(std::env::temp_dir);
        // The XDG spec: a relative value is invalid and must be ignored.
        let xdg_dir = |var: &str| {
            std::env::var_os(var)
                .map(PathBuf::from)
                .filter(|dir| dir.is_absolute())
        };
        let xdg = |var: &str, fallback: &str| {
            xdg_dir(var)
                .unwrap_or_else(|| user_home.join(fallback))
                .join("fasthooks")
        };
        let state = xdg("XDG_STATE_HOME", ".local/state");
        let runtime = xdg_dir("XDG_RUNTIME_DIR")
            .map(|dir| dir.join("fasthooks"))
            .unwrap_or_else(|| state.join("run"));
        Paths {
            cache: xdg("XDG_CACHE_HOME", ".cache"),
            data: state.clone(),
            runtime,
            logs: state.join("logs"),
        }
    }

    pub fn under(home: &Path) -> Paths {
        Paths {
            cache: home.join("cache"),
            data: home.join("data"),
            runtime: home.join("run"),
            logs: home.join("logs"),
        }
    }

    /// Create the runtime directory (0700) if it is missing, and check that it can be trusted
    /// (see [`crate::private::verify_dir`]): the socket inside it is the daemon's only access
    /// control, so a hook never talks through a directory another user could have prepared.
    pub fn ensure_private_runtime_dir(&self) -> Result<&Path, TrustError> {
        if let Err(source) = private::create_dir(&self.runtime) {
            return Err(TrustError::Io {
                path: self.runtime.clone(),
                source,
            });
        }
        private::verify_dir(&self.runtime)?;
        Ok(&self.runtime)
    }

    /// Every directory the host writes to, for tightening at start.
    pub fn all(&self) -> [&Path; 4] {
        [&self.cache, &self.data, &self.runtime, &self.logs]
    }
}

/// Where the daemon's socket is.
impl Paths {
    pub fn socket(&self) -> PathBuf {
        self.runtime.join(SOCKET_FILE)
    }

    pub fn log_file(&self) -> PathBuf {
        self.logs.join(LOG_FILE)
    }
}

/// The daemon's socket and lock, under [`Paths::runtime`].
pub const SOCKET_FILE: &str = "daemon.sock";
pub const LOCK_FILE: &str = "daemon.lock";

/// The host's log file name, under [`Paths::logs`].
pub const LOG_FILE: &str = "fasthooks.log";

pub use crate::private::current_uid;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn relative_xdg_values_are_ignored() {
        // SAFETY: this test binary reads these variables only here, in one thread.
        unsafe {
            std::env::remove_var(HOME_ENV);
            std::env::set_var("HOME", "/home/someone");
            std::env::set_var("XDG_STATE_HOME", "relative/state");
            std::env::set_var("XDG_CACHE_HOME", "/abs/cache");
        }
        let paths = Paths::resolve(None);
        assert_eq!(
            paths.data,
            Path::new("/home/someone/.local/state/fasthooks")
        );
        assert_eq!(paths.cache, Path::new("/abs/cache/fasthooks"));
    }
}
