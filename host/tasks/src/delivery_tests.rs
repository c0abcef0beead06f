//! Handing results to guest calls: removed once received, put back otherwise.

use crate::limits::ABANDONED_DELIVERY_MS;
use crate::record::now_ms;
use crate::test_fixture::*;
use std::time::Duration;

#[test]
fn a_popped_result_leaves_only_when_the_call_that_took_it_returns() {
    let f = fixture(1, 10);
    f.service
        .add(&ns("s"), "value", "7", keyed("k"), &origin())
        .unwrap();
    assert_eq!(
        f.service
            .wait(&ns("s"), "k", Duration::from_secs(5))
            .as_deref(),
        Some("7")
    );
    // Taken by a call that then traps: nobody sees it meanwhile, and it comes back.
    let taken = f.service.pop(&ns("s"), "k").expect("completed");
    assert!(f.service.get(&ns("s"), "k").is_none(), "taken");
    f.service.settle(&[taken.id], false).unwrap();
    assert_eq!(
        popped(&f.service, &ns("s"), "k").as_deref(),
        Some("7"),
        "back"
    );
    assert!(f.service.get(&ns("s"), "k").is_none(), "delivered once");
}

#[test]
fn a_result_handed_to_another_process_comes_back_only_after_the_abandon_limit() {
    let f = fixture(1, 10);
    add(&f, "s", "value", "7", keyed("k"));
    f.service
        .wait(&ns("s"), "k", Duration::from_secs(5))
        .unwrap();
    let taken = f.service.pop(&ns("s"), "k").expect("completed");
    f.service.handed_to_another_process(&[taken.id]);
    let handed = now_ms();
    // A call in another process may run long: until the limit, the result stays its own.
    f.service
        .purge_expired_at(handed + ABANDONED_DELIVERY_MS - 1_000);
    assert!(f.service.get(&ns("s"), "k").is_none(), "still taken");
    // Past it, that process is taken to be gone, and the result can be popped again.
    f.service
        .purge_expired_at(handed + ABANDONED_DELIVERY_MS + 1_000);
    assert_eq!(popped(&f.service, &ns("s"), "k").as_deref(), Some("7"));
    // A late settle from the process that took it first changes nothing.
    f.service.settle(&[taken.id], true).unwrap();
    assert!(
        f.service.get(&ns("s"), "k").is_none(),
        "delivered, and gone"
    );
}

#[test]
fn a_delivered_result_whose_removal_cannot_be_saved_is_put_back() {
    let f = fixture(1, 10);
    add(&f, "s", "value", "7", keyed("k"));
    f.service
        .wait(&ns("s"), "k", Duration::from_secs(5))
        .unwrap();
    // The store refuses writes from now on, as a full disk does.
    f.service.store().fill_disk();
    let taken = f.service.pop(&ns("s"), "k").expect("completed");
    let err = f.service.settle(&[taken.id], true).unwrap_err();
    assert!(err.to_string().contains("disk is full"), "{err}");
    // Delivered twice rather than lost: the result is there to be popped again.
    assert_eq!(
        f.service
            .get(&ns("s"), "k")
            .and_then(|t| t.value)
            .as_deref(),
        Some("7")
    );
    f.service.store().free_disk();
    assert_eq!(popped(&f.service, &ns("s"), "k").as_deref(), Some("7"));
    assert!(
        f.service.get(&ns("s"), "k").is_none(),
        "removed once it could be"
    );
}
