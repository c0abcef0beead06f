//! What the task crate's unit tests share: a service over a real store in a temporary
//! directory, with a runner that interprets task names instead of running WebAssembly (the
//! end-to-end tests in `tests/` run real plugins).

use crate::record::{Namespace, TaskRecord};
use crate::scheduler::{
    AddOptions, Takeover, TaskConfig, TaskFailure, TaskOrigin, TaskRunner, TaskService,
};
use crate::store::Store;
use fasthooks_ipc::TaskSandbox;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// `value`: returns its args. `sleep`: sleeps args ms, stopping early when cancelled. `fail`:
/// fails. `spin`: runs until cancelled.
pub(crate) struct ScriptedRunner {
    pub(crate) started: AtomicUsize,
    pub(crate) order: Mutex<Vec<String>>,
}

impl TaskRunner for ScriptedRunner {
    fn run(
        &self,
        _service: &Arc<TaskService>,
        task: &TaskRecord,
        cancel: Arc<AtomicBool>,
    ) -> Result<String, TaskFailure> {
        self.started.fetch_add(1, Ordering::SeqCst);
        self.order.lock().unwrap().push(task.key.clone());
        let until = |deadline: Option<Instant>| loop {
            if cancel.load(Ordering::Relaxed) {
                return Err(TaskFailure::Cancelled);
            }
            if deadline.is_some_and(|d| Instant::now() >= d) {
                return Ok(());
            }
            std::thread::sleep(Duration::from_millis(1));
        };
        match task.name.as_str() {
            "value" => Ok(task.args.clone()),
            "sleep" => {
                let ms: u64 = task.args.parse().unwrap();
                until(Some(Instant::now() + Duration::from_millis(ms)))?;
                Ok(format!("\"slept {ms}\""))
            }
            "spin" => until(None).map(|_| String::new()),
            _ => Err(TaskFailure::Failed(
                "crashed: wasm trap: unreachable".into(),
            )),
        }
    }
}

pub(crate) struct Fixture {
    /// The store's directory, removed with the fixture.
    _dir: tempfile::TempDir,
    pub(crate) service: Arc<TaskService>,
    pub(crate) runner: Arc<ScriptedRunner>,
}

/// Pop `key` as a guest call that then returns: the result leaves the store.
pub(crate) fn popped(service: &TaskService, ns: &Namespace, key: &str) -> Option<String> {
    let task = service.pop(ns, key)?;
    service.settle(&[task.id], true).unwrap();
    task.value
}

/// Pop every failure as a guest call that then returns.
pub(crate) fn errors_popped(service: &TaskService, ns: &Namespace) -> Vec<(String, String)> {
    let tasks = service.pop_errors(ns);
    let ids: Vec<i64> = tasks.iter().map(|t| t.id).collect();
    service.settle(&ids, true).unwrap();
    tasks
        .into_iter()
        .map(|t| (t.key, t.error.unwrap_or_default()))
        .collect()
}

pub(crate) fn owner(dir: &std::path::Path) -> crate::owner::StoreOwner {
    crate::owner::StoreOwner::try_take(dir)
        .unwrap()
        .expect("nobody else owns a test's store")
}

/// The store in `dir`, opened by its owner (this test).
pub(crate) fn open_store(dir: &std::path::Path) -> (Store, crate::owner::StoreOwner) {
    let owner = owner(dir);
    let store = Store::open(dir, &owner).unwrap();
    (store, owner)
}

pub(crate) fn fixture(workers: usize, max_queued: usize) -> Fixture {
    fixture_in(tempfile::tempdir().unwrap(), workers, max_queued)
}

/// A service with running workers over the store in `dir` (which may hold earlier tasks).
pub(crate) fn fixture_in(dir: tempfile::TempDir, workers: usize, max_queued: usize) -> Fixture {
    let (store, owner) = open_store(dir.path());
    let config = TaskConfig {
        workers,
        max_queued_per_session: max_queued,
        ..TaskConfig::default()
    };
    let service = TaskService::open(store, owner, config, Takeover::RunEverything).unwrap();
    let runner = Arc::new(ScriptedRunner {
        started: AtomicUsize::new(0),
        order: Mutex::new(Vec::new()),
    });
    service.start_workers(runner.clone());
    Fixture {
        _dir: dir,
        service,
        runner,
    }
}

pub(crate) fn ns(session: &str) -> Namespace {
    Namespace {
        plugin_name: "p".into(),
        plugin_path: "/p.wasm".into(),
        session: session.into(),
    }
}

pub(crate) fn origin() -> TaskOrigin {
    TaskOrigin {
        plugin_sha256: "sha".into(),
        sandbox: TaskSandbox::default(),
    }
}

pub(crate) fn add(
    f: &Fixture,
    session: &str,
    name: &str,
    args: &str,
    options: AddOptions,
) -> TaskRecord {
    f.service
        .add(&ns(session), name, args, options, &origin())
        .unwrap()
}

pub(crate) fn keyed(key: &str) -> AddOptions {
    AddOptions {
        key: Some(key.into()),
        ..Default::default()
    }
}

/// A pending task `id` of one plugin and session, keyed `k{id}`.
pub(crate) fn task(id: i64) -> crate::record::TaskRecord {
    crate::record::TaskRecord {
        id,
        namespace: crate::record::Namespace {
            plugin_name: "p".into(),
            plugin_path: "/p".into(),
            session: "s".into(),
        },
        key: format!("k{id}"),
        name: "n".into(),
        args: "null".into(),
        plugin_sha256: "sha".into(),
        sandbox: Default::default(),
        status: crate::record::TaskStatus::Pending,
        priority: 0,
        ttl_seconds: 300,
        value: None,
        error: None,
        created_ms: 1,
        started_ms: None,
        finished_ms: None,
        wake: false,
    }
}
