//! Background task throughput and wait wake-up latency, on the daemon's own code path: the
//! durable store (SQLite, WAL), the scheduler, the worker pool and a fresh sandboxed instance of a
//! real plugin per task.
//!
//! The baseline, measured in the same run on the same threads, is the raw rate of "fresh
//! instance + run-task call" with no scheduler and no store: the ceiling the task system is
//! compared against.
//!
//! The durable rate is measured with one adding thread (a hook adding tasks one after the
//! other: each add waits for its own commit) and with `--adders A` threads adding at once (hooks
//! of several sessions: their commits are grouped).
//!
//! usage: tasks PLUGIN.wasm [--tasks N] [--workers W] [--adders A] [--task NAME] [--args JSON]

use fasthooks_engine::call::{CallContext, PluginId};
use fasthooks_engine::instance;
use fasthooks_engine::plugin::PluginLoader;
use fasthooks_engine::runtime::{EngineSettings, new_engine, start_epoch_ticker};
use fasthooks_engine::task_runner::PluginTaskRunner;
use fasthooks_ipc::{Grants, TaskSandbox};
use fasthooks_tasks::{
    AddOptions, Namespace, Store, StoreOwner, Takeover, TaskConfig, TaskFailure, TaskOrigin,
    TaskRecord, TaskRunner, TaskService,
};
use std::collections::HashMap;
use std::sync::atomic::AtomicBool;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

struct Args {
    plugin: String,
    tasks: usize,
    workers: usize,
    adders: usize,
    task: String,
    args: String,
}

fn parse_args() -> Args {
    let mut raw = std::env::args().skip(1);
    let mut args = Args {
        plugin: String::new(),
        tasks: 20_000,
        workers: std::thread::available_parallelism()
            .map(|n| n.get())
            .unwrap_or(2),
        adders: 4,
        task: "noop".into(),
        args: "null".into(),
    };
    while let Some(arg) = raw.next() {
        match arg.as_str() {
            "--tasks" => args.tasks = raw.next().unwrap().parse().unwrap(),
            "--workers" => args.workers = raw.next().unwrap().parse().unwrap(),
            "--adders" => args.adders = raw.next().unwrap().parse().unwrap(),
            "--task" => args.task = raw.next().unwrap(),
            "--args" => args.args = raw.next().unwrap(),
            _ => args.plugin = arg,
        }
    }
    assert!(
        !args.plugin.is_empty(),
        "usage: tasks PLUGIN.wasm [--tasks N] [--workers W] [--adders A] [--task NAME] [--args JSON]"
    );
    args
}

/// Records when each task's instance returned, before the scheduler publishes the result.
struct TimedRunner {
    inner: PluginTaskRunner,
    finished: Mutex<HashMap<i64, Instant>>,
}

impl TaskRunner for TimedRunner {
    fn run(
        &self,
        service: &Arc<TaskService>,
        task: &TaskRecord,
        cancel: Arc<AtomicBool>,
    ) -> Result<String, TaskFailure> {
        let result = self.inner.run(service, task, cancel);
        self.finished
            .lock()
            .unwrap()
            .insert(task.id, Instant::now());
        result
    }
}

fn main() {
    let args = parse_args();
    let home = tempfile::tempdir().unwrap();
    let engine = new_engine(EngineSettings::for_daemon()).unwrap();
    start_epoch_ticker(&engine);
    let paths = fasthooks_ipc::Paths::under(home.path());
    let loader = Arc::new(PluginLoader::new(engine, &paths).unwrap());
    let file = loader.open(std::path::Path::new(&args.plugin)).unwrap();
    let plugin = loader
        .load(&file, |pre| {
            instance::describe(loader.engine(), pre, context(&file.path, &file.sha256))
        })
        .unwrap();
    println!(
        "plugin {} ({}), task {:?}, {} workers, {} tasks",
        plugin.info.name, args.plugin, args.task, args.workers, args.tasks
    );

    // Baseline: fresh instance + run-task, no scheduler, no store.
    let per_thread = args.tasks / args.workers;
    let start = Instant::now();
    std::thread::scope(|scope| {
        for _ in 0..args.workers {
            scope.spawn(|| {
                for _ in 0..per_thread {
                    instance::run_task(
                        loader.engine(),
                        &plugin.pre,
                        context(&file.path, &file.sha256),
                        &args.task,
                        &args.args,
                    )
                    .ok();
                }
            });
        }
    });
    let raw_rate = (per_thread * args.workers) as f64 / start.elapsed().as_secs_f64();
    println!("  baseline: fresh instance + call     {raw_rate:>9.0} tasks/s");

    // Durable: the daemon's scheduler, store and workers.
    let config = TaskConfig {
        workers: args.workers,
        max_queued_per_session: args.tasks + 1,
        ..TaskConfig::default()
    };
    let owner = StoreOwner::try_take(&home.path().join("data"))
        .unwrap()
        .expect("the bench's own store");
    let store = Store::open(&home.path().join("data"), &owner).unwrap();
    let service = TaskService::open(store, owner, config, Takeover::RunEverything).unwrap();
    let runner = Arc::new(TimedRunner {
        inner: PluginTaskRunner {
            loader: loader.clone(),
        },
        finished: Mutex::new(HashMap::new()),
    });
    service.start_workers(runner.clone());
    let ns = Namespace {
        plugin_name: plugin.info.name.clone(),
        plugin_path: file.path.display().to_string(),
        session: "bench".into(),
    };
    let sandbox = TaskSandbox {
        grants: Grants::default(),
        memory_bytes: 256 << 20,
        timeout_ms: 60_000,
        cwd: String::new(),
    };
    let origin = TaskOrigin {
        plugin_sha256: file.sha256.clone(),
        sandbox,
    };
    let add_all = |keys: &[String]| {
        for key in keys {
            let options = AddOptions {
                key: Some(key.clone()),
                ..Default::default()
            };
            service
                .add(&ns, &args.task, &args.args, options, &origin)
                .unwrap();
        }
    };
    for adders in [1, args.adders.max(1)] {
        let keys: Vec<String> = (0..args.tasks).map(|i| format!("a{adders}-{i}")).collect();
        let start = Instant::now();
        std::thread::scope(|scope| {
            for share in keys.chunks(keys.len().div_ceil(adders)) {
                scope.spawn(|| add_all(share));
            }
        });
        let done = service.wait_all(&ns, &keys, Duration::from_secs(600));
        service.store().flush();
        let elapsed = start.elapsed();
        assert_eq!(done.len(), keys.len(), "every task completed");
        let durable_rate = keys.len() as f64 / elapsed.as_secs_f64();
        let label = format!(
            "durable, {adders} adding thread{}:",
            if adders == 1 { "" } else { "s" }
        );
        println!(
            "  {label:<36}{durable_rate:>9.0} tasks/s  ({:.2}x the baseline)",
            durable_rate / raw_rate
        );
    }

    // Wait wake-up: a waiter blocked in wait() vs the moment the task's instance returned.
    let mut latencies = Vec::new();
    for i in 0..300 {
        let key = format!("w{i}");
        let options = AddOptions {
            key: Some(key.clone()),
            ..Default::default()
        };
        let task = service
            .add(&ns, &args.task, &args.args, options, &origin)
            .unwrap();
        let value = service.wait(&ns, &key, Duration::from_secs(10));
        let woke = Instant::now();
        assert!(value.is_some());
        let finished = runner.finished.lock().unwrap()[&task.id];
        latencies.push(woke.saturating_duration_since(finished));
        if let Some(popped) = service.pop(&ns, &key) {
            service.settle(&[popped.id], true).unwrap();
        }
    }
    latencies.sort();
    let us = |d: Duration| d.as_secs_f64() * 1e6;
    println!(
        "  wait wake-up after completion       p50 {:.0} µs  p99 {:.0} µs  max {:.0} µs (300 waits)",
        us(latencies[150]),
        us(latencies[296]),
        us(latencies[299])
    );
}

/// A call with default limits and no task service (the baseline needs none).
fn context(path: &std::path::Path, sha256: &str) -> CallContext {
    CallContext::describe(
        PluginId {
            name: "bench".into(),
            path: path.to_path_buf(),
        },
        sha256,
    )
}
