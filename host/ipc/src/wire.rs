//! The wire between a hook process and the daemon: length-prefixed JSON frames over the per-user
//! Unix socket. Every request carries the client's version and build so an upgraded binary can
//! replace an older daemon instead of talking to it.

use crate::request::HookRequest;
use fasthooks_protocol::Rendered;
use serde::{Deserialize, Serialize, de::DeserializeOwned};
use std::io::{self, Read, Write};

/// Frames larger than this are refused (an event is at most a few MiB).
const MAX_FRAME: u32 = 64 << 20;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Identity {
    pub version: String,
    /// Distinguishes two builds of the same version: the engine binary's modification time
    /// (nanoseconds since the epoch) and size, `MTIME-SIZE`.
    pub build: String,
}

impl Identity {
    /// The identity of the engine binary installed next to this executable: what a daemon
    /// started from here would run.
    pub fn current() -> Identity {
        let build = std::env::current_exe()
            .map(|exe| exe.with_file_name(crate::ENGINE_BINARY))
            .and_then(std::fs::metadata)
            .map(|meta| {
                use std::os::unix::fs::MetadataExt;
                let nanos = meta.mtime() as i128 * 1_000_000_000 + meta.mtime_nsec() as i128;
                format!("{nanos}-{}", meta.size())
            })
            .unwrap_or_default();
        Identity {
            version: env!("CARGO_PKG_VERSION").to_owned(),
            build,
        }
    }

    /// Should a client with this identity replace a daemon with `daemon`'s? Only a strictly
    /// newer version, or the same version built later (a rebuild, an upgrade in place): two
    /// copies of the binaries never replace each other back and forth, the newer one wins once.
    pub fn supersedes(&self, daemon: &Identity) -> bool {
        match version_key(&self.version).cmp(&version_key(&daemon.version)) {
            std::cmp::Ordering::Greater => true,
            std::cmp::Ordering::Less => false,
            std::cmp::Ordering::Equal => self.built() > daemon.built(),
        }
    }

    /// May a client with this identity use a daemon with `daemon`'s? The same version (of any
    /// build, older included) speaks the same protocol; an older version runs in-process.
    pub fn compatible_with(&self, daemon: &Identity) -> bool {
        version_key(&self.version) == version_key(&daemon.version)
    }

    /// When the engine binary was built (its modification time), for ordering builds.
    fn built(&self) -> (i128, &str) {
        let (time, size) = self.build.split_once('-').unwrap_or((&self.build, ""));
        (time.parse().unwrap_or(i128::MIN), size)
    }
}

fn version_key(version: &str) -> Vec<u64> {
    version
        .split(['.', '-', '+'])
        .map(|part| part.parse().unwrap_or(0))
        .collect()
}

#[derive(Debug, Serialize, Deserialize)]
pub struct Envelope {
    pub client: Identity,
    pub request: Request,
    /// When the client stops waiting to hear the daemon took the request ([`monotonic_ms`]).
    /// A daemon that reads it later (it was stopped, or overloaded) drops it unanswered: the
    /// client has run the hook in-process by then, and it must not run twice.
    #[serde(default)]
    pub accept_by_ms: Option<u64>,
}

/// How long before `accept_by_ms` the daemon stops taking a request: the time its "accepted"
/// needs to reach a client that is about to give up.
pub const ACCEPT_MARGIN_MS: u64 = 50;

impl Envelope {
    /// Has the client given up on this request (or is about to)?
    pub fn is_stale(&self) -> bool {
        self.accept_by_ms
            .is_some_and(|by| monotonic_ms() + ACCEPT_MARGIN_MS >= by)
    }
}

/// Milliseconds on the machine's monotonic clock: the same for every process on it, and never
/// moved by a change of the wall-clock time.
pub fn monotonic_ms() -> u64 {
    let mut now = libc::timespec {
        tv_sec: 0,
        tv_nsec: 0,
    };
    // SAFETY: `now` is a valid timespec to write to; CLOCK_MONOTONIC always exists on Linux.
    unsafe { libc::clock_gettime(libc::CLOCK_MONOTONIC, &mut now) };
    now.tv_sec as u64 * 1000 + now.tv_nsec as u64 / 1_000_000
}

#[derive(Debug, Serialize, Deserialize)]
pub enum Request {
    Hook {
        request: HookRequest,
        event: String,
    },
    Status,
    Stop,
    Tasks {
        session: Option<String>,
    },
    /// The daemon's per-plugin, per-event counters.
    Stats,
    /// Cancel the unfinished tasks of a key, and/or a plugin (path or name), and/or a session.
    /// (Named anew when the key was added: a daemon that knows only plugin and session refuses
    /// it, rather than read a key-only request as "every task".)
    CancelMatching {
        key: Option<String>,
        plugin: Option<String>,
        session: Option<String>,
    },
    /// A guest's task or state call from a hook run in-process, for the daemon that owns the
    /// store to answer (a `fasthooks_tasks::RemoteCall`, as JSON).
    TaskCall(serde_json::Value),
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct DaemonStatus {
    pub pid: u32,
    pub identity: Identity,
    pub uptime_ms: u64,
    pub workers: usize,
    pub pending_or_running: usize,
    /// 0: it exits only when stopped (it serves `http` hooks).
    pub idle_timeout_secs: u64,
    pub store: String,
    /// The loopback port it serves `http` hooks on.
    #[serde(default)]
    pub http_port: Option<u16>,
    /// Why it does not serve them, when `install --transport http` asked it to.
    #[serde(default)]
    pub http_error: Option<String>,
}

/// Does `given`, a plugin as a user names it on the admin commands (`--plugin PATH|NAME`, a
/// path already made canonical), name the plugin called `name` in file `path`?
pub fn names_plugin(given: &str, name: &str, path: &str) -> bool {
    given == path || given == name
}

/// The daemon's counters for one plugin file on one event (`fasthooks-host stats`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PluginStats {
    /// The name the plugin gives itself (empty if it never loaded).
    pub plugin_name: String,
    pub plugin_path: String,
    pub event: String,
    pub calls: u64,
    pub failures: u64,
    /// Over the most recent calls.
    pub p50_us: u64,
    pub p99_us: u64,
    pub max_us: u64,
}

/// One background task as the admin commands show it (no arguments, no sandbox).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TaskSummary {
    pub session: String,
    pub plugin_name: String,
    pub plugin_path: String,
    pub key: String,
    pub name: String,
    /// `pending`, `running`, `completed`, `failed` or `cancelled`.
    pub status: String,
    pub error: Option<String>,
    pub created_ms: u64,
    pub finished_ms: Option<u64>,
}

#[derive(Debug, Serialize, Deserialize)]
pub enum Reply {
    /// Sent as soon as a hook request is read: the daemon is alive and working on it.
    Accepted,
    Hook(Rendered),
    Status(DaemonStatus),
    Stopping,
    Tasks(Vec<TaskSummary>),
    Stats(Vec<PluginStats>),
    /// How many tasks `CancelMatching` cancelled.
    Cancelled(u32),
    /// The answer to a `TaskCall`: a `Result<fasthooks_tasks::TaskAnswer, String>`, as JSON.
    TaskAnswer(serde_json::Value),
    /// The client is a newer build: this daemon is shutting down so a new one can start.
    Replaced {
        daemon: Identity,
    },
    /// The client is older than the daemon: it should run in-process.
    TooOld {
        daemon: Identity,
    },
    Error(String),
}

pub fn write_frame<T: Serialize>(stream: &mut impl Write, value: &T) -> io::Result<()> {
    let body = serde_json::to_vec(value).map_err(io::Error::other)?;
    let mut frame = Vec::with_capacity(body.len() + 4);
    frame.extend_from_slice(&(body.len() as u32).to_le_bytes());
    frame.extend_from_slice(&body);
    stream.write_all(&frame)?;
    stream.flush()
}

pub fn read_frame<T: DeserializeOwned>(stream: &mut impl Read) -> io::Result<T> {
    let mut len = [0u8; 4];
    stream.read_exact(&mut len)?;
    let len = u32::from_le_bytes(len);
    if len > MAX_FRAME {
        return Err(io::Error::new(
            io::ErrorKind::InvalidData,
            format!("frame of {len} bytes is too large"),
        ));
    }
    let mut body = vec![0u8; len as usize];
    stream.read_exact(&mut body)?;
    serde_json::from_slice(&body).map_err(|err| io::Error::new(io::ErrorKind::InvalidData, err))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn newer_versions_and_later_builds_win_once() {
        let id = |version: &str, build: &str| Identity {
            version: version.into(),
            build: build.into(),
        };
        assert!(
            id("0.2.0", "1-5").supersedes(&id("0.1.0", "9-5")),
            "a newer version"
        );
        assert!(
            id("0.1.0", "9-5").supersedes(&id("0.1.0", "1-5")),
            "a later build"
        );
        assert!(
            !id("0.1.0", "1-5").supersedes(&id("0.1.0", "9-5")),
            "an earlier build shares"
        );
        assert!(id("0.1.0", "1-5").compatible_with(&id("0.1.0", "9-5")));
        assert!(!id("0.1.0", "1-5").supersedes(&id("0.1.0", "1-5")));
        assert!(
            !id("0.1.0", "9-5").supersedes(&id("0.10.0", "1-5")),
            "an older version"
        );
        assert!(!id("0.1.0", "9-5").compatible_with(&id("0.10.0", "1-5")));
    }

    #[test]
    fn frames_round_trip() {
        let mut buffer = Vec::new();
        write_frame(&mut buffer, &Reply::Stopping).unwrap();
        let reply: Reply = read_frame(&mut buffer.as_slice()).unwrap();
        assert!(matches!(reply, Reply::Stopping));
    }
}
