#[test]
fn a_corrupt_store_is_moved_aside_and_replaced() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join(STORE_FILE);
    std::fs::write(&path, vec![0xA5; 64 << 10]).unwrap();
    let store = Store::open(dir.path()).unwrap();
    assert!(store.load_tasks().unwrap().is_empty(), "a fresh store");
    let names: Vec<String> = std::fs::read_dir(dir.path())
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    let aside = names
        .iter()
        .find(|n| n.starts_with("fasthooks.db.corrupt-") && !n.ends_with("-wal"))
        .unwrap_or_else(|| panic!("moved aside: {names:?}"));
    assert_eq!(
        std::fs::read(dir.path().join(aside)).unwrap(),
        vec![0xA5; 64 << 10],
        "kept as it was"
    );
}

use super::*;

/// A pending task `id` of one plugin and session, keyed `k{id}`.
fn task(id: i64) -> crate::record::TaskRecord {
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
        status: TaskStatus::Pending,
        priority: 0,
        ttl_seconds: 300,
        value: None,
        error: None,
        created_ms: 1,
        started_ms: None,
        finished_ms: None,
    }
}

#[test]
fn a_batch_folds_each_task_into_one_write() {
    let mut done = task(1);
    done.status = TaskStatus::Completed;
    done.value = Some("42".into());
    let batch = vec![
        WriterMessage {
            seq: 1,
            op: StoreOp::Insert(Box::new(task(1))),
        },
        WriterMessage {
            seq: 2,
            op: StoreOp::Insert(Box::new(task(2))),
        },
        WriterMessage {
            seq: 3,
            op: StoreOp::Update(TaskUpdate::of(&done)),
        },
        WriterMessage {
            seq: 4,
            op: StoreOp::Delete(2),
        },
        WriterMessage {
            seq: 5,
            op: StoreOp::Delete(3),
        },
    ];
    let writes = fold(batch);
    assert_eq!(
        writes.len(),
        2,
        "task 2 was added and removed within the batch"
    );
    match &writes[0] {
        (1, Net::Insert(task)) => assert_eq!(
            (task.status, task.value.as_deref()),
            (TaskStatus::Completed, Some("42"))
        ),
        _ => panic!("task 1 is inserted in its final state"),
    }
    assert!(matches!(writes[1], (3, Net::Delete)));
}

#[test]
fn a_version_1_store_loses_its_unused_index_and_keeps_its_tasks() {
    let dir = tempfile::tempdir().unwrap();
    {
        let store = Store::open(dir.path()).unwrap();
        let conn = store.reader.lock().unwrap();
        conn.execute_batch(
            "CREATE INDEX tasks_by_namespace ON tasks (plugin_name, plugin_path, session, key);
             INSERT INTO tasks VALUES (7, 'p', '/p', 's', 'k', 'n', 'null', 'sha', '{}', 'pending', 0, 300, NULL, NULL, 1, NULL, NULL);
             PRAGMA user_version = 1;",
        )
        .unwrap();
    }
    let store = Store::open(dir.path()).unwrap();
    let indexes: i64 = store
        .reader
        .lock()
        .unwrap()
        .query_row(
            "SELECT count(*) FROM sqlite_master WHERE name = 'tasks_by_namespace'",
            [],
            |row| row.get(0),
        )
        .unwrap();
    assert_eq!(indexes, 0);
    assert_eq!(store.load_tasks().unwrap().len(), 1);
}

/// Committing callers never checkpoint (their commits stay cheap); the writer thread must, or
/// the WAL would grow without end: the database file itself grows once it does.
#[test]
fn the_writer_thread_checkpoints_what_confirmed_commits_leave_in_the_wal() {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(dir.path()).unwrap();
    let db_size = || {
        std::fs::metadata(dir.path().join(STORE_FILE))
            .unwrap()
            .len()
    };
    let before = db_size();
    for id in 1..=i64::from(crate::writer::CHECKPOINT_EVERY) + 1 {
        let task = crate::record::TaskRecord {
            args: format!("\"{}\"", "x".repeat(200)),
            ..task(id)
        };
        let ticket = store.submit_to_confirm(StoreOp::Insert(Box::new(task)));
        store.confirm(ticket).unwrap();
    }
    let deadline = std::time::Instant::now() + Duration::from_secs(10);
    while db_size() == before {
        assert!(
            std::time::Instant::now() < deadline,
            "no checkpoint after {} commits: the database file stayed at {before} bytes",
            crate::writer::CHECKPOINT_EVERY + 1
        );
        std::thread::yield_now();
    }
    assert_eq!(
        store.load_tasks().unwrap().len(),
        crate::writer::CHECKPOINT_EVERY as usize + 1
    );
}

/// Under a steady stream of commits a checkpoint that never holds the committing connection
/// never completes, so the WAL never starts over: it would hold everything ever written.
#[test]
fn under_a_steady_stream_of_commits_the_wal_starts_over_instead_of_growing() {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(dir.path()).unwrap();
    let wal = dir.path().join(format!("{STORE_FILE}-wal"));
    let args = format!("\"{}\"", "x".repeat(64 << 10));
    let mut largest = 0;
    // 128 MiB written, 64 KiB a commit, with no pause for the checkpoints to catch up.
    for id in 1..=2048 {
        let task = crate::record::TaskRecord {
            args: args.clone(),
            ..task(id)
        };
        let ticket = store.submit_to_confirm(StoreOp::Insert(Box::new(task)));
        store.confirm(ticket).unwrap();
        largest = largest.max(std::fs::metadata(&wal).map_or(0, |m| m.len()));
    }
    assert!(
        largest < 64 << 20,
        "the WAL reached {} MiB for 128 MiB written",
        largest >> 20
    );
    assert_eq!(store.load_tasks().unwrap().len(), 2048);
}
