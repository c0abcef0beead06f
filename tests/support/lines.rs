//! Lines a child process writes, as they come: for tests that watch a stream that does not end
//! (`logs --follow`, a daemon's stderr) and wait, bounded, for a line.

use std::io::{BufRead, Read};
use std::sync::mpsc::{Receiver, channel};
use std::time::{Duration, Instant};

pub struct Lines {
    seen: Receiver<String>,
}

impl Lines {
    /// Read `stream` line by line on a thread of its own.
    pub fn of(stream: impl Read + Send + 'static) -> Lines {
        let (lines, seen) = channel();
        std::thread::spawn(move || {
            for line in std::io::BufReader::new(stream)
                .lines()
                .map_while(Result::ok)
            {
                if lines.send(line).is_err() {
                    return;
                }
            }
        });
        Lines { seen }
    }

    /// The first line from now on containing `word`; panics if none comes within `limit`.
    pub fn wait_for(&self, word: &str, limit: Duration) -> String {
        let deadline = Instant::now() + limit;
        loop {
            match self
                .seen
                .recv_timeout(deadline.saturating_duration_since(Instant::now()))
            {
                Ok(line) if line.contains(word) => return line,
                Ok(_) => {}
                Err(_) => panic!("no line with {word:?} within {limit:?}"),
            }
        }
    }
}
