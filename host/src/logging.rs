//! The host's log: one file under the logs directory, opened only when something is written, so a
//! hook call that has nothing to say costs no file system work. Level from `FASTHOOKS_LOG`
//! (error, warn, info, debug, trace; default info).

use std::fs::{File, OpenOptions};
use std::io::{self, Write};
use std::path::PathBuf;
use std::sync::{Mutex, OnceLock};
use tracing_subscriber::fmt::MakeWriter;

pub const LOG_ENV: &str = "FASTHOOKS_LOG";
pub const LOG_FILE: &str = "fasthooks.log";

struct LazyLogFile {
    path: PathBuf,
    file: OnceLock<Option<Mutex<File>>>,
}

impl LazyLogFile {
    fn file(&self) -> Option<&Mutex<File>> {
        self.file
            .get_or_init(|| {
                if let Some(dir) = self.path.parent() {
                    let _ = std::fs::create_dir_all(dir);
                }
                OpenOptions::new()
                    .create(true)
                    .append(true)
                    .open(&self.path)
                    .ok()
                    .map(Mutex::new)
            })
            .as_ref()
    }
}

pub struct LogWriter<'a>(&'a LazyLogFile);

impl Write for LogWriter<'_> {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        match self.0.file() {
            // One write per event keeps lines from several processes whole (O_APPEND).
            Some(file) => file.lock().unwrap().write(buf),
            None => Ok(buf.len()),
        }
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

/// Send `tracing` events of this process to `<logs>/fasthooks.log`.
pub fn init(logs_dir: PathBuf) {
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
    let _ = tracing_subscriber::fmt()
        .with_writer(writer)
        .with_max_level(level)
        .with_ansi(false)
        .with_target(false)
        .try_init();
}
