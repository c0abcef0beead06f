//! Marked tasks and the wake hook: each result wakes Claude once, and is never popped after.

use crate::scheduler::{Takeover, TaskConfig, TaskService};
use crate::test_fixture::*;
use std::time::{Duration, Instant};

const LONG: Duration = Duration::from_secs(30);

#[test]
fn a_marked_result_is_taken_once_and_never_popped_after() {
    let f = fixture(1, 10);
    add(&f, "s", "sleep", "50", keyed("review"));
    assert!(f.service.mark_wake(&ns("s"), "review").unwrap());
    let woken = f.service.take_waking(&ns("s"), LONG);
    assert_eq!(woken.len(), 1);
    assert_eq!(woken[0].key, "review");
    assert_eq!(woken[0].outcome, Ok("\"slept 50\"".into()));
    f.service.settle(&[woken[0].id], true).unwrap();
    assert_eq!(
        popped(&f.service, &ns("s"), "review"),
        None,
        "delivered once"
    );
    let started = Instant::now();
    assert!(f.service.take_waking(&ns("s"), LONG).is_empty());
    assert!(started.elapsed() < LONG / 2, "nothing left to wait for");
}

#[test]
fn with_nothing_marked_the_wake_hook_returns_at_once() {
    let f = fixture(1, 10);
    add(&f, "s", "spin", "null", keyed("unmarked"));
    let started = Instant::now();
    assert!(f.service.take_waking(&ns("s"), LONG).is_empty());
    assert!(started.elapsed() < LONG / 2);
    assert!(!f.service.mark_wake(&ns("s"), "absent").unwrap());
}

#[test]
fn a_popped_result_wakes_nobody() {
    let f = fixture(1, 10);
    add(&f, "s", "value", "1", keyed("k"));
    f.service.mark_wake(&ns("s"), "k").unwrap();
    f.service.wait(&ns("s"), "k", LONG).unwrap();
    assert_eq!(popped(&f.service, &ns("s"), "k").as_deref(), Some("1"));
    assert!(f.service.take_waking(&ns("s"), LONG).is_empty());
}

#[test]
fn a_wake_hook_waiting_for_a_cancelled_or_replaced_task_returns_empty() {
    for end in ["cancel", "replace"] {
        let f = fixture(1, 10);
        add(&f, "s", "spin", "null", keyed("k"));
        f.service.mark_wake(&ns("s"), "k").unwrap();
        let service = f.service.clone();
        let waiter = std::thread::spawn(move || service.take_waking(&ns("s"), LONG));
        // The waiter sees the change whether it comes before or after it starts waiting.
        match end {
            "cancel" => assert!(f.service.cancel(&ns("s"), "k").unwrap()),
            _ => drop(add(&f, "s", "spin", "null", keyed("k"))),
        }
        let started = Instant::now();
        assert!(waiter.join().unwrap().is_empty(), "{end}");
        assert!(started.elapsed() < LONG / 2, "{end}: woken, not timed out");
    }
}

#[test]
fn a_failure_wakes_with_its_error_and_is_not_popped_as_an_error_after() {
    let f = fixture(1, 10);
    add(&f, "s", "fail", "null", keyed("k"));
    f.service.mark_wake(&ns("s"), "k").unwrap();
    let woken = f.service.take_waking(&ns("s"), LONG);
    assert_eq!(woken.len(), 1);
    assert!(
        woken[0]
            .outcome
            .as_ref()
            .unwrap_err()
            .contains("unreachable")
    );
    f.service.settle(&[woken[0].id], true).unwrap();
    assert!(errors_popped(&f.service, &ns("s")).is_empty());
}

#[test]
fn a_result_the_wake_hook_did_not_hand_over_comes_back_still_marked() {
    let f = fixture(1, 10);
    add(&f, "s", "value", "2", keyed("k"));
    f.service.mark_wake(&ns("s"), "k").unwrap();
    let woken = f.service.take_waking(&ns("s"), LONG);
    f.service.settle(&[woken[0].id], false).unwrap();
    let again = f.service.take_waking(&ns("s"), LONG);
    assert_eq!(again.len(), 1, "the next wake hook gets it");
    assert_eq!(again[0].outcome, Ok("2".into()));
}

#[test]
fn only_the_sessions_own_marked_tasks_wake_it() {
    let f = fixture(2, 10);
    add(&f, "other", "value", "1", keyed("k"));
    f.service.mark_wake(&ns("other"), "k").unwrap();
    f.service.wait(&ns("other"), "k", LONG).unwrap();
    assert!(f.service.take_waking(&ns("s"), LONG).is_empty());
    assert_eq!(f.service.take_waking(&ns("other"), LONG).len(), 1);
}

#[test]
fn the_mark_survives_a_restart() {
    let dir = tempfile::tempdir().unwrap();
    {
        let (store, owner) = open_store(dir.path());
        let config = TaskConfig {
            workers: 1,
            ..TaskConfig::default()
        };
        // No workers: the task is still pending when this owner goes.
        let service = TaskService::open(store, owner, config, Takeover::RunEverything).unwrap();
        service
            .add(&ns("s"), "value", "3", keyed("k"), &origin())
            .unwrap();
        assert!(service.mark_wake(&ns("s"), "k").unwrap());
        service.store().flush();
    }
    let f = fixture_in(dir, 1, 10);
    let woken = f.service.take_waking(&ns("s"), LONG);
    assert_eq!(
        woken.len(),
        1,
        "the next owner runs it and still wakes with it"
    );
    assert_eq!(woken[0].outcome, Ok("3".into()));
}
