//! The scheduler's semantics, with a runner that interprets task names instead of running
//! WebAssembly (the end-to-end tests in `tests/` run real plugins).

use super::*;
use crate::test_fixture::*;
use std::time::Instant;

#[test]
fn pop_returns_a_completed_value_once_and_only_to_its_session() {
    let f = fixture(2, 100);
    add(&f, "s1", "value", "42", AddOptions::default());
    assert_eq!(
        f.service
            .wait(&ns("s1"), "value", Duration::from_secs(5))
            .as_deref(),
        Some("42")
    );
    assert_eq!(
        popped(&f.service, &ns("s2"), "value"),
        None,
        "another session sees nothing"
    );
    assert!(f.service.has(&ns("s1"), None));
    assert_eq!(
        popped(&f.service, &ns("s1"), "value").as_deref(),
        Some("42")
    );
    assert_eq!(popped(&f.service, &ns("s1"), "value"), None, "popped once");
}

#[test]
fn wait_wakes_on_completion_and_times_out_with_none() {
    let f = fixture(1, 100);
    add(&f, "s", "sleep", "50", keyed("slow"));
    let start = Instant::now();
    assert_eq!(
        f.service.wait(&ns("s"), "slow", Duration::from_millis(10)),
        None
    );
    assert!(start.elapsed() < Duration::from_millis(45));
    assert_eq!(
        f.service
            .wait(&ns("s"), "slow", Duration::from_secs(5))
            .as_deref(),
        Some("\"slept 50\"")
    );
    assert_eq!(
        f.service.wait(&ns("s"), "missing", Duration::from_secs(5)),
        None,
        "absent: at once"
    );
}

#[test]
fn wait_any_returns_early_when_nothing_can_complete() {
    let f = fixture(2, 100);
    add(&f, "s", "fail", "null", keyed("a"));
    add(&f, "s", "spin", "null", keyed("b"));
    assert!(f.service.cancel(&ns("s"), "b").unwrap());
    let start = Instant::now();
    let keys = vec!["a".to_owned(), "b".to_owned(), "c".to_owned()];
    assert_eq!(
        f.service.wait_any(&ns("s"), &keys, Duration::from_secs(10)),
        None
    );
    assert!(
        start.elapsed() < Duration::from_secs(2),
        "did not wait for the timeout"
    );
}

#[test]
fn wait_all_returns_the_completed_ones() {
    let f = fixture(2, 100);
    add(&f, "s", "value", "1", keyed("a"));
    add(&f, "s", "fail", "null", keyed("b"));
    let keys = vec!["a".to_owned(), "b".to_owned()];
    assert_eq!(
        f.service.wait_all(&ns("s"), &keys, Duration::from_secs(5)),
        vec![("a".to_owned(), "1".to_owned())]
    );
    assert_eq!(errors_popped(&f.service, &ns("s")).len(), 1);
    assert_eq!(
        errors_popped(&f.service, &ns("s")).len(),
        0,
        "each error is reported once"
    );
}

#[test]
fn cancel_stops_a_running_task_and_frees_its_worker() {
    let f = fixture(1, 100);
    add(&f, "s", "spin", "null", keyed("forever"));
    while f.runner.started.load(Ordering::SeqCst) == 0 {
        std::thread::sleep(Duration::from_millis(1));
    }
    assert!(f.service.cancel(&ns("s"), "forever").unwrap());
    assert_eq!(
        f.service.get(&ns("s"), "forever").unwrap().status,
        TaskStatus::Cancelled
    );
    add(&f, "s", "value", "7", keyed("next"));
    assert_eq!(
        f.service
            .wait(&ns("s"), "next", Duration::from_secs(5))
            .as_deref(),
        Some("7"),
        "worker is free"
    );
}

#[test]
fn higher_priority_first_then_fifo() {
    let f = fixture(1, 100);
    add(&f, "s", "sleep", "30", keyed("blocker"));
    while f.runner.started.load(Ordering::SeqCst) == 0 {
        std::thread::sleep(Duration::from_millis(1));
    }
    for (key, priority) in [
        ("low-1", 0),
        ("high-1", 5),
        ("low-2", 0),
        ("high-2", 5),
        ("mid", 2),
    ] {
        add(
            &f,
            "s",
            "value",
            "0",
            AddOptions {
                key: Some(key.into()),
                priority: Some(priority),
                ..Default::default()
            },
        );
    }
    let keys: Vec<String> = ["low-1", "high-1", "low-2", "high-2", "mid"]
        .map(String::from)
        .to_vec();
    f.service.wait_all(&ns("s"), &keys, Duration::from_secs(5));
    assert_eq!(
        *f.runner.order.lock().unwrap(),
        ["blocker", "high-1", "high-2", "mid", "low-1", "low-2"]
    );
}

#[test]
fn readding_a_key_replaces_the_earlier_task() {
    let f = fixture(1, 100);
    add(&f, "s", "spin", "null", keyed("k"));
    add(&f, "s", "value", "\"second\"", keyed("k"));
    assert_eq!(
        f.service
            .wait(&ns("s"), "k", Duration::from_secs(5))
            .as_deref(),
        Some("\"second\"")
    );
}

#[test]
fn ttl_counts_from_completion() {
    let f = fixture(1, 100);
    add(
        &f,
        "s",
        "value",
        "1",
        AddOptions {
            ttl_seconds: Some(1),
            ..Default::default()
        },
    );
    assert!(
        f.service
            .wait(&ns("s"), "value", Duration::from_secs(5))
            .is_some()
    );
    std::thread::sleep(Duration::from_millis(1100));
    assert_eq!(popped(&f.service, &ns("s"), "value"), None, "expired");
    assert_eq!(f.service.purge_expired(), 1);
}

#[test]
fn the_per_session_queue_is_bounded() {
    let f = fixture(1, 3);
    add(&f, "s", "spin", "null", keyed("running"));
    while f.runner.started.load(Ordering::SeqCst) == 0 {
        std::thread::sleep(Duration::from_millis(1));
    }
    for i in 0..3 {
        add(&f, "s", "value", "0", keyed(&format!("q{i}")));
    }
    let err = f
        .service
        .add(&ns("s"), "value", "0", keyed("one-too-many"), &origin())
        .unwrap_err();
    assert!(matches!(err, AddError::QueueFull { limit: 3, .. }), "{err}");
    f.service
        .add(&ns("other"), "value", "0", keyed("x"), &origin())
        .expect("other sessions are not affected");
    f.service.cancel_all(&ns("s")).unwrap();
}

#[test]
fn after_a_crash_pending_tasks_run_and_running_ones_fail() {
    let dir = tempfile::tempdir().unwrap();
    {
        let (store, owner) = open_store(dir.path());
        let service = TaskService::open(
            store,
            owner,
            TaskConfig {
                workers: 1,
                max_queued_per_session: 10,
                ..TaskConfig::default()
            },
            Takeover::RunEverything,
        )
        .unwrap();
        // No workers: simulate "one was running" by hand, one pending.
        service
            .add(&ns("s"), "value", "1", keyed("pending"), &origin())
            .unwrap();
        let running = service
            .add(&ns("s"), "value", "2", keyed("running"), &origin())
            .unwrap();
        {
            let mut table = service.lock();
            let task = table.tasks.get_mut(&running.id).unwrap();
            task.status = TaskStatus::Running;
            let snapshot = task.clone();
            service.persist(&snapshot);
        }
        service.store().flush();
    }
    let f = fixture_in(dir, 1, 10);
    assert_eq!(
        f.service
            .wait(&ns("s"), "pending", Duration::from_secs(5))
            .as_deref(),
        Some("1")
    );
    assert_eq!(
        errors_popped(&f.service, &ns("s")),
        vec![("running".to_owned(), HOST_RESTARTED.to_owned())]
    );
}

#[test]
fn oversized_arguments_are_refused() {
    let f = fixture(1, 10);
    let big = format!("\"{}\"", "x".repeat(MAX_ARGS_BYTES));
    let err = f
        .service
        .add(&ns("s"), "value", &big, AddOptions::default(), &origin())
        .unwrap_err();
    assert!(matches!(err, AddError::ArgsTooLarge { .. }), "{err}");
    let err = f
        .service
        .add(
            &ns("s"),
            "value",
            "not json",
            AddOptions::default(),
            &origin(),
        )
        .unwrap_err();
    assert!(matches!(err, AddError::ArgsNotJson { .. }), "{err}");
}

#[test]
fn wait_all_answers_once_per_distinct_key() {
    let f = fixture(2, 100);
    add(&f, "s", "value", "1", keyed("a"));
    add(&f, "s", "value", "2", keyed("b"));
    let keys: Vec<String> = ["a", "b", "a", "a"].iter().map(|k| k.to_string()).collect();
    let done = f.service.wait_all(&ns("s"), &keys, Duration::from_secs(5));
    assert_eq!(
        done,
        [
            ("a".to_owned(), "1".to_owned()),
            ("b".to_owned(), "2".to_owned())
        ]
    );
}

#[test]
fn every_field_of_a_task_is_bounded() {
    let f = fixture(1, 100);
    let long = "k".repeat(MAX_NAME_BYTES + 1);
    let err = f
        .service
        .add(&ns("s"), &long, "1", AddOptions::default(), &origin())
        .unwrap_err();
    assert!(
        matches!(err, AddError::TooLong { what: "name", .. }),
        "{err}"
    );
    assert!(
        err.to_string().len() < 300,
        "the message quotes the name shortened"
    );
    let err = f
        .service
        .add(&ns("s"), "value", "1", keyed(&long), &origin())
        .unwrap_err();
    assert!(
        matches!(err, AddError::TooLong { what: "key", .. }),
        "{err}"
    );
    let options = AddOptions {
        ttl_seconds: Some(MAX_TTL_SECONDS + 1),
        ..Default::default()
    };
    let err = f
        .service
        .add(&ns("s"), "value", "1", options, &origin())
        .unwrap_err();
    assert!(matches!(err, AddError::TtlTooLong { .. }), "{err}");
    assert_eq!(capped("é".repeat(10), 5), "éé … (cut)");
}

#[test]
fn a_plugins_tasks_share_one_store_quota_across_sessions() {
    let dir = tempfile::tempdir().unwrap();
    let (store, owner) = open_store(dir.path());
    let config = TaskConfig {
        workers: 1,
        max_queued_per_session: 100,
        max_stored_bytes_per_plugin: 10_000,
    };
    let service = TaskService::open(store, owner, config, Takeover::RunEverything).unwrap();
    let big = format!("\"{}\"", "x".repeat(3_000));
    // A new session each time: the quota is the plugin's, not the session's.
    for session in ["a", "b", "c"] {
        service
            .add(&ns(session), "value", &big, keyed("k"), &origin())
            .unwrap();
    }
    let err = service
        .add(&ns("d"), "value", &big, keyed("k"), &origin())
        .unwrap_err();
    assert!(matches!(err, AddError::QuotaFull { .. }), "{err}");
    assert!(err.to_string().contains("10000-byte quota"), "{err}");
    // Replacing a key frees what the replaced task held.
    service
        .add(&ns("a"), "value", &big, keyed("k"), &origin())
        .unwrap();
    // Another plugin file has its own quota.
    let mut other = ns("a");
    other.plugin_path = "/other.wasm".into();
    service
        .add(&other, "value", &big, keyed("k"), &origin())
        .unwrap();
}

#[test]
fn plugins_take_turns_whatever_the_priorities() {
    let other = Namespace {
        plugin_path: "/other.wasm".into(),
        ..ns("s")
    };
    the_other_runs_after_one_of_the_flood(ns("s"), other);
}

#[test]
fn sessions_of_a_plugin_take_turns_whatever_the_priorities() {
    the_other_runs_after_one_of_the_flood(ns("s"), ns("t"));
}

/// `flood` queues five tasks at the highest priority behind a busy worker, then `other` one
/// at the default: it runs second.
fn the_other_runs_after_one_of_the_flood(flood: Namespace, other: Namespace) {
    let f = fixture(1, 100);
    // The worker is busy (until cancelled) while the queues fill.
    f.service
        .add(&flood, "spin", "null", keyed("blocker"), &origin())
        .unwrap();
    let deadline = Instant::now() + Duration::from_secs(5);
    while f.service.get(&flood, "blocker").unwrap().status != TaskStatus::Running {
        assert!(Instant::now() < deadline, "the blocker started");
        std::thread::yield_now();
    }
    for n in 0..5 {
        let options = AddOptions {
            key: Some(format!("flood{n}")),
            priority: Some(i32::MAX),
            ..Default::default()
        };
        f.service
            .add(&flood, "value", "1", options, &origin())
            .unwrap();
    }
    f.service
        .add(&other, "value", "2", keyed("other"), &origin())
        .unwrap();
    f.service.cancel(&flood, "blocker").unwrap();
    assert_eq!(
        f.service
            .wait(&other, "other", Duration::from_secs(5))
            .as_deref(),
        Some("2")
    );
    f.service.wait_all(
        &flood,
        &(0..5).map(|n| format!("flood{n}")).collect::<Vec<_>>(),
        Duration::from_secs(5),
    );
    let order = f.runner.order.lock().unwrap().clone();
    assert_eq!(
        order,
        [
            "blocker", "flood0", "other", "flood1", "flood2", "flood3", "flood4"
        ],
        "after the one whose turn it was, the other's task"
    );
}

#[test]
fn long_arguments_wait_on_disk_and_reach_the_task() {
    let f = fixture(1, 10);
    f.service
        .add(&ns("s"), "sleep", "100", keyed("blocker"), &origin())
        .unwrap();
    let long = format!("\"{}\"", "a".repeat(64 << 10));
    let task = f
        .service
        .add(&ns("s"), "value", &long, keyed("long"), &origin())
        .unwrap();
    {
        let table = f.service.lock();
        assert_eq!(
            table.tasks[&task.id].args, "",
            "not held in memory while queued"
        );
        assert!(
            table.held_bytes("/p.wasm") >= long.len() as u64,
            "still counted in the plugin's quota"
        );
    }
    assert_eq!(
        f.service
            .wait(&ns("s"), "long", Duration::from_secs(5))
            .as_deref(),
        Some(long.as_str()),
        "the task ran with its arguments"
    );
}
