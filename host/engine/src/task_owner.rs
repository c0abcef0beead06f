//! How a hook run in this process (`--inline`, or the fallback) reaches the task store, on its
//! plugins' first task or state call:
//!
//! 1. nobody owns the store: this process takes it ([`StoreOwner`]), fails the tasks a dead
//!    owner left running, and runs the tasks it adds (pending tasks of others wait for the
//!    daemon);
//! 2. a daemon owns it and listens: every call goes to the daemon ([`DaemonOwner`]), so both
//!    see one store; a daemon that does not answer (stopped, hung) makes the call an error, and
//!    every later call of this hook fails at once with the same reason;
//! 3. another in-process hook owns it: wait up to [`OWNER_WAIT`] for it to finish, else the
//!    calls fail ([`StoreError::Busy`]). The plugins' decisions are never held up by this.

use fasthooks_ipc::Paths;
use fasthooks_ipc::client;
use fasthooks_ipc::wire::{Reply, Request};
use fasthooks_tasks::{
    RemoteCall, RemoteOwner, Store, StoreError, StoreOwner, Takeover, TaskAccess, TaskAnswer,
    TaskConfig, TaskPort, TaskRunner, TaskService,
};
use std::sync::{Arc, OnceLock};
use std::time::Duration;

/// How long an in-process hook waits for another in-process hook to give the store up.
pub const OWNER_WAIT: Duration = Duration::from_secs(1);

/// What a call to the daemon may take beyond its own wait.
const DAEMON_ANSWER_MARGIN: Duration = Duration::from_secs(2);

/// The task access of a hook process: opened on first use, as the module docs describe.
pub fn in_process_access(paths: &Paths, runner: Arc<dyn TaskRunner>) -> TaskAccess {
    let paths = paths.clone();
    TaskAccess::lazy(move || {
        // Owned at once if free; given up on as soon as a daemon listens (it owns the store).
        let owner =
            StoreOwner::take_within(&paths.data, OWNER_WAIT, || client::daemon_listening(&paths))
                .map_err(StoreError::Lock)?;
        let owner = match owner {
            Some(owner) => owner,
            None if client::daemon_listening(&paths) => return Ok(daemon_port(&paths)),
            None => return Err(StoreError::Busy),
        };
        let store = Store::open(&paths.data, &owner)?;
        let service =
            TaskService::open(store, owner, TaskConfig::default(), Takeover::RunOwnTasks)?;
        service.start_workers(runner.clone());
        Ok(TaskPort::Owner(service))
    })
}

/// The store as the daemon serves it, asked over its socket.
pub fn daemon_port(paths: &Paths) -> TaskPort {
    TaskPort::Remote(Arc::new(DaemonOwner {
        paths: paths.clone(),
        broken: OnceLock::new(),
    }))
}

/// The daemon that owns the store, asked over its socket.
struct DaemonOwner {
    paths: Paths,
    /// Why the daemon could not be reached, once it could not: later calls fail at once.
    broken: OnceLock<String>,
}

impl RemoteOwner for DaemonOwner {
    fn call(&self, call: RemoteCall) -> Result<TaskAnswer, String> {
        // A settle is always tried: results this hook received must not be delivered again.
        let settle = matches!(call.call, fasthooks_tasks::TaskCall::Settle { .. });
        if let Some(why) = self.broken.get().filter(|_| !settle) {
            return Err(why.clone());
        }
        let limit = call.call.waits_for() + DAEMON_ANSWER_MARGIN;
        let value = serde_json::to_value(&call).map_err(|err| err.to_string())?;
        let unreachable = |why: String| {
            let why = format!(
                "background tasks and state are unavailable to this hook: the daemon that owns the task store {why}"
            );
            self.broken.get_or_init(|| why.clone());
            why
        };
        match client::ask_within(&self.paths, Request::TaskCall(value), limit) {
            Ok(Some(Reply::TaskAnswer(answer))) => {
                serde_json::from_value::<Result<TaskAnswer, String>>(answer)
                    .map_err(|err| unreachable(format!("sent an unreadable answer ({err})")))?
            }
            Ok(Some(Reply::TooOld { daemon })) => Err(unreachable(format!(
                "runs version {}, which this hook cannot use",
                daemon.version
            ))),
            Ok(Some(Reply::Error(err))) => Err(err),
            Ok(Some(other)) => Err(unreachable(format!("answered {other:?}"))),
            Ok(None) => Err(unreachable("has gone".into())),
            Err(err) => Err(unreachable(format!("did not answer ({err})"))),
        }
    }
}
