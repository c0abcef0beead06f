//! The daemon's hook threads: plain threads (a guest call builds a runtime of its own on the
//! thread it runs on, and keeps it there), kept for a while after their job so the next hook
//! finds one ready instead of spawning one. There are as many as there are hooks in flight: a
//! hook waiting on a task holds its thread.

use std::collections::VecDeque;
use std::sync::{Arc, Condvar, Mutex};
use std::time::{Duration, Instant};

/// One thing to run on a hook thread: a Unix connection, or one `http` hook.
pub type Job = Box<dyn FnOnce() + Send>;

/// How long an idle thread waits for the next job before it ends.
const IDLE_THREAD_LINGER: Duration = Duration::from_secs(60);

#[derive(Default)]
pub struct HookThreads {
    state: Arc<(Mutex<PoolState>, Condvar)>,
}

#[derive(Default)]
struct PoolState {
    /// Threads waiting for a job, minus the jobs already promised to them.
    idle: usize,
    queue: VecDeque<Job>,
}

impl HookThreads {
    /// Run `job` on an idle thread, or on a new one; an error when no thread could be started
    /// (the job is dropped).
    pub fn run(&self, job: Job) -> std::io::Result<()> {
        let (lock, wake) = &*self.state;
        let mut state = lock.lock().unwrap();
        if state.idle > 0 {
            state.idle -= 1;
            state.queue.push_back(job);
            wake.notify_one();
            return Ok(());
        }
        drop(state);
        let shared = self.state.clone();
        std::thread::Builder::new()
            .name("fasthooks-conn".into())
            .spawn(move || {
                let mut next = Some(job);
                while let Some(job) = next.take() {
                    job();
                    next = Self::wait_for_work(&shared);
                }
            })
            .map(drop)
    }

    /// The next job for an idle thread, or None when it has lingered long enough.
    fn wait_for_work(shared: &(Mutex<PoolState>, Condvar)) -> Option<Job> {
        let (lock, wake) = shared;
        let mut state = lock.lock().unwrap();
        state.idle += 1;
        let deadline = Instant::now() + IDLE_THREAD_LINGER;
        loop {
            if let Some(job) = state.queue.pop_front() {
                return Some(job);
            }
            let now = Instant::now();
            if now >= deadline {
                state.idle -= 1;
                return None;
            }
            state = wake.wait_timeout(state, deadline - now).unwrap().0;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::mpsc;

    #[test]
    fn a_thread_that_finished_its_job_takes_the_next() {
        let threads = HookThreads::default();
        let (sender, receiver) = mpsc::channel();
        let first = sender.clone();
        threads
            .run(Box::new(move || {
                first.send(std::thread::current().id()).unwrap()
            }))
            .unwrap();
        let ran_on = receiver.recv().unwrap();
        // Wait until that thread is idle again, then hand it the second job.
        while threads.state.0.lock().unwrap().idle == 0 {
            std::thread::yield_now();
        }
        threads
            .run(Box::new(move || {
                sender.send(std::thread::current().id()).unwrap()
            }))
            .unwrap();
        assert_eq!(receiver.recv().unwrap(), ran_on);
    }
}
