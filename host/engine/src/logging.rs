//! The host's log: one file under the logs directory, opened only when something is written, so a
//! hook call that has nothing to say costs no file system work. Level from `FASTHOOKS_LOG`
//! (error, warn, info, debug, trace; default info). Past 16 MiB the file is moved to
//! `fasthooks.log.1` (replacing the previous one) and a new one begun, so the log never holds
//! much more than 32 MiB: the size checked is the file's own (several processes write it), a
//! process that finds the file already rotated by another reopens it, and no line is longer
//! than [`MAX_LINE_BYTES`]. Each plugin's lines have a rate besides ([`within_rate`]).
//!
//! A line is `TIME LEVEL message field="value" …`: the fields (`plugin`, `session`, `event`,
//! `task`) come after the message, quoted, and a guest's text in the message is passed
//! through [`guest_line`] so it cannot pass for them ([`crate::log_view`] reads them back).

use std::collections::HashMap;
use std::fs::{File, OpenOptions};
use std::io::{self, Write};
use std::path::{Path, PathBuf};
use std::sync::{Mutex, OnceLock};
use std::time::Instant;
use tracing_subscriber::fmt::MakeWriter;

pub const LOG_ENV: &str = "FASTHOOKS_LOG";
pub use fasthooks_ipc::paths::LOG_FILE;

const ROTATE_AT_BYTES: u64 = 16 << 20;
/// The longest failure text logged for a plugin call or a task (a guest's error can be
/// megabytes).
pub const FAILURE_LINE_BYTES: usize = 16 << 10;
/// The longest line written; longer ones are cut.
pub const MAX_LINE_BYTES: usize = 64 << 10;

struct OpenLog {
    file: File,
    size: u64,
}

struct LazyLogFile {
    path: PathBuf,
    file: OnceLock<Option<Mutex<OpenLog>>>,
}

fn open_log(path: &std::path::Path) -> Option<OpenLog> {
    let file =
        fasthooks_ipc::private::open_file(path, OpenOptions::new().create(true).append(true))
            .ok()?;
    let size = file.metadata().map(|m| m.len()).unwrap_or(0);
    Some(OpenLog { file, size })
}

impl LazyLogFile {
    fn file(&self) -> Option<&Mutex<OpenLog>> {
        self.file
            .get_or_init(|| {
                if let Some(dir) = self.path.parent() {
                    let _ = fasthooks_ipc::private::create_dir(dir);
                }
                open_log(&self.path).map(Mutex::new)
            })
            .as_ref()
    }

    fn write(&self, buf: &[u8]) -> io::Result<usize> {
        let Some(log) = self.file() else {
            return Ok(buf.len());
        };
        let mut log = log.lock().unwrap_or_else(|e| e.into_inner());
        let line: std::borrow::Cow<[u8]> = if buf.len() > MAX_LINE_BYTES {
            // Cut on a character boundary: the log stays UTF-8 for whoever reads it back.
            let mut end = MAX_LINE_BYTES;
            while end > 0 && (buf[end] & 0xC0) == 0x80 {
                end -= 1;
            }
            let mut cut = buf[..end].to_vec();
            cut.extend_from_slice(" [line cut]\n".as_bytes());
            cut.into()
        } else {
            buf.into()
        };
        if log.size + line.len() as u64 > ROTATE_AT_BYTES {
            self.rotate(&mut log);
        }
        // One write per event keeps lines from several processes whole (O_APPEND).
        let written = log.file.write(&line)?;
        log.size += written as u64;
        Ok(buf.len())
    }

    /// Rotate our file, unless another process rotated it already (then just reopen).
    fn rotate(&self, log: &mut OpenLog) {
        use std::os::unix::fs::MetadataExt;
        let ours = log.file.metadata().ok();
        let at_path = std::fs::metadata(&self.path).ok();
        let still_ours = matches!(
            (&ours, &at_path),
            (Some(a), Some(b)) if a.ino() == b.ino() && a.dev() == b.dev()
        );
        if still_ours {
            let _ = std::fs::rename(&self.path, self.path.with_extension("log.1"));
        }
        if let Some(fresh) = open_log(&self.path) {
            *log = fresh;
        }
    }
}

pub struct LogWriter<'a>(&'a LazyLogFile);

impl Write for LogWriter<'_> {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        self.0.write(buf)
    }
    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

impl<'a> MakeWriter<'a> for LazyLogFile {
    type Writer = LogWriter<'a>;
    fn make_writer(&'a self) -> Self::Writer {
        LogWriter(self)
    }
}

/// A guest's text as one log line: escaped into one line, capped at `max` bytes, and with
/// `="` written `=\"`, so it cannot pass for the fields the host appends (`plugin="…"`,
/// `session="…"`), which `fasthooks-host logs` picks lines by.
pub fn guest_line(text: &str, max: usize) -> String {
    fasthooks_protocol::one_line(text, max).replace("=\"", "=\\\"")
}

/// Send `tracing` events of this process to `<logs>/fasthooks.log`.
pub fn init(logs_dir: PathBuf) {
    start(logs_dir, false);
}

/// [`init`], and every line on stderr too (`daemon run --log-to-terminal`).
pub fn init_also_on_stderr(logs_dir: PathBuf) {
    start(logs_dir, true);
}

fn start(logs_dir: PathBuf, also_stderr: bool) {
    use tracing_subscriber::fmt::writer::MakeWriterExt;
    let level = match std::env::var(LOG_ENV)
        .unwrap_or_default()
        .to_ascii_lowercase()
        .as_str()
    {
        "off" => tracing::level_filters::LevelFilter::OFF,
        "error" => tracing::level_filters::LevelFilter::ERROR,
        "warn" => tracing::level_filters::LevelFilter::WARN,
        "debug" => tracing::level_filters::LevelFilter::DEBUG,
        "trace" => tracing::level_filters::LevelFilter::TRACE,
        _ => tracing::level_filters::LevelFilter::INFO,
    };
    let writer = LazyLogFile {
        path: logs_dir.join(LOG_FILE),
        file: OnceLock::new(),
    };
    let builder = tracing_subscriber::fmt()
        .with_max_level(level)
        .with_ansi(false)
        .with_target(false);
    let _ = if also_stderr {
        builder.with_writer(writer.and(std::io::stderr)).try_init()
    } else {
        builder.with_writer(writer).try_init()
    };
}

// ── a plugin's log rate ──
//
// Each plugin (by file, not by the name it gives itself) has a rate: a burst of [`BURST_LINES`],
// then [`LINES_PER_SECOND`]. Past it lines are dropped and counted, so one chatty plugin cannot
// rotate everyone's history away. Its own lines, its captured stdout and stderr, its failed tasks
// and the host's refusals of its requests all go through it.

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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn two_writers_keep_the_log_within_two_files() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join(LOG_FILE);
        let writer = || LazyLogFile {
            path: path.clone(),
            file: OnceLock::new(),
        };
        let (a, b) = (writer(), writer());
        let line = vec![b'x'; 4096];
        for _ in 0..(3 * ROTATE_AT_BYTES as usize / line.len()) {
            a.write(&line).unwrap();
            b.write(&line).unwrap();
        }
        let huge = vec![b'y'; 10 * MAX_LINE_BYTES];
        a.write(&huge).unwrap();
        let total: u64 = std::fs::read_dir(dir.path())
            .unwrap()
            .map(|e| e.unwrap().metadata().unwrap().len())
            .sum();
        assert!(
            total <= 2 * ROTATE_AT_BYTES + 2 * MAX_LINE_BYTES as u64,
            "{total} bytes on disk"
        );
        assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 2);
    }

    #[test]
    fn a_cut_line_never_splits_a_character() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join(LOG_FILE);
        let log = LazyLogFile {
            path: path.clone(),
            file: OnceLock::new(),
        };
        for shift in 0..4 {
            let wide = format!("{}{}", "x".repeat(shift), "é€😀".repeat(MAX_LINE_BYTES));
            log.write(wide.as_bytes()).unwrap();
        }
        let text = std::fs::read_to_string(&path).expect("the log stays UTF-8");
        assert_eq!(text.lines().count(), 4);
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
