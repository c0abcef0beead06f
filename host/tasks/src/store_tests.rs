#[test]
fn a_corrupt_store_is_moved_aside_and_replaced() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join(STORE_FILE);
    std::fs::write(&path, vec![0xA5; 64 << 10]).unwrap();
    // Its journal's numbers mean nothing to a fresh database: it goes aside with it.
    let (mut journal, _) = crate::journal::Journal::open(dir.path()).unwrap();
    journal
        .append(&[(9, &StoreOp::Insert(Box::new(task(9))))])
        .unwrap();
    drop(journal);
    let (store, _owner) = crate::test_fixture::open_store(dir.path());
    assert!(store.load_tasks().unwrap().is_empty(), "a fresh store");
    let names: Vec<String> = std::fs::read_dir(dir.path())
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    let aside = names
        .iter()
        .find(|n| {
            n.starts_with("fasthooks.db.corrupt-")
                && !n.ends_with("-wal")
                && !n.ends_with(".journal")
        })
        .unwrap_or_else(|| panic!("moved aside: {names:?}"));
    assert_eq!(
        std::fs::read(dir.path().join(aside)).unwrap(),
        vec![0xA5; 64 << 10],
        "kept as it was"
    );
    assert!(
        names.contains(&format!("{aside}.journal")),
        "its journal beside it: {names:?}"
    );
}

use super::*;

use crate::test_fixture::task;

#[test]
fn a_batch_folds_each_task_into_one_write() {
    let mut done = task(1);
    done.status = TaskStatus::Completed;
    done.value = Some("42".into());
    let batch = vec![
        WriterMessage {
            seq: 1,
            op: StoreOp::Insert(Box::new(task(1))),
            journaled: false,
        },
        WriterMessage {
            seq: 2,
            op: StoreOp::Insert(Box::new(task(2))),
            journaled: false,
        },
        WriterMessage {
            seq: 3,
            op: StoreOp::Update(TaskUpdate::of(&done)),
            journaled: false,
        },
        WriterMessage {
            seq: 4,
            op: StoreOp::Delete(2),
            journaled: false,
        },
        WriterMessage {
            seq: 5,
            op: StoreOp::Delete(3),
            journaled: false,
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
        let (store, _owner) = crate::test_fixture::open_store(dir.path());
        let conn = store.reader.lock().unwrap();
        conn.execute_batch(
            "CREATE INDEX tasks_by_namespace ON tasks (plugin_name, plugin_path, session, key);
             INSERT INTO tasks (id, plugin_name, plugin_path, session, key, name, args, plugin_sha256, sandbox, status, priority, ttl_seconds, created_ms)
                 VALUES (7, 'p', '/p', 's', 'k', 'n', 'null', 'sha', '{}', 'pending', 0, 300, 1);
             PRAGMA user_version = 1;",
        )
        .unwrap();
    }
    let (store, _owner) = crate::test_fixture::open_store(dir.path());
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

#[test]
fn a_version_3_store_gains_the_wake_mark_and_keeps_its_tasks() {
    let dir = tempfile::tempdir().unwrap();
    {
        let (store, _owner) = crate::test_fixture::open_store(dir.path());
        let conn = store.reader.lock().unwrap();
        conn.execute_batch(
            "ALTER TABLE tasks DROP COLUMN wake;
             INSERT INTO tasks (id, plugin_name, plugin_path, session, key, name, args, plugin_sha256, sandbox, status, priority, ttl_seconds, created_ms)
                 VALUES (7, 'p', '/p', 's', 'k', 'n', 'null', 'sha', '{}', 'pending', 0, 300, 1);
             PRAGMA user_version = 3;",
        )
        .unwrap();
    }
    let (store, _owner) = crate::test_fixture::open_store(dir.path());
    let tasks = store.load_tasks().unwrap();
    assert_eq!(tasks.len(), 1);
    assert!(!tasks[0].wake);
}

/// Committing callers never checkpoint (their commits stay cheap); the writer thread must, or
/// the WAL would grow without end: the database file itself grows once it does.
#[test]
fn the_writer_thread_checkpoints_what_flushed_commits_leave_in_the_wal() {
    let dir = tempfile::tempdir().unwrap();
    let (store, _owner) = crate::test_fixture::open_store(dir.path());
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
        store.save(vec![StoreOp::Insert(Box::new(task))]).unwrap();
        store.flush();
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
    let (store, _owner) = crate::test_fixture::open_store(dir.path());
    let wal = dir.path().join(format!("{STORE_FILE}-wal"));
    let args = format!("\"{}\"", "x".repeat(64 << 10));
    let mut largest = 0;
    // 128 MiB written, 64 KiB a commit, with no pause for the checkpoints to catch up.
    for id in 1..=2048 {
        let task = crate::record::TaskRecord {
            args: args.clone(),
            ..task(id)
        };
        store.save(vec![StoreOp::Insert(Box::new(task))]).unwrap();
        store.flush();
        largest = largest.max(std::fs::metadata(&wal).map_or(0, |m| m.len()));
    }
    assert!(
        largest < 64 << 20,
        "the WAL reached {} MiB for 128 MiB written",
        largest >> 20
    );
    assert_eq!(store.load_tasks().unwrap().len(), 2048);
}

/// A write promised to a guest that the database did not commit before a crash is applied by
/// the next owner; what the database already holds is not applied again.
#[test]
fn the_next_owner_applies_what_the_journal_holds_beyond_the_database() {
    let dir = tempfile::tempdir().unwrap();
    {
        let (store, _owner) = crate::test_fixture::open_store(dir.path());
        store
            .save(vec![StoreOp::Insert(Box::new(task(1)))])
            .unwrap();
        store.flush();
    }
    // The journal a crash leaves: seq 1 is committed (the database's mark), seq 2 is not.
    let (mut journal, records) = crate::journal::Journal::open(dir.path()).unwrap();
    assert!(
        records.is_empty(),
        "a store closed cleanly leaves an empty journal"
    );
    journal
        .append(&[
            (1, &StoreOp::Delete(1)),
            (2, &StoreOp::Insert(Box::new(task(2)))),
        ])
        .unwrap();
    drop(journal);
    let (store, _owner) = crate::test_fixture::open_store(dir.path());
    let ids: Vec<i64> = store.load_tasks().unwrap().iter().map(|t| t.id).collect();
    assert_eq!(ids, [1, 2], "seq 2 applied, seq 1 not applied twice");
    // Nothing submitted since: a flush has nothing to wait for.
    let store = std::sync::Arc::new(store);
    let (done, flushed) = std::sync::mpsc::channel();
    let flushing = store.clone();
    std::thread::spawn(move || {
        flushing.flush();
        done.send(()).unwrap();
    });
    flushed
        .recv_timeout(Duration::from_secs(10))
        .expect("a flush right after recovery returns");
    let (_, left) = crate::journal::Journal::open(dir.path()).unwrap();
    assert!(left.is_empty(), "the journal is emptied once applied");
    // Later writes go on from the journal's numbers, so a later crash replays only them.
    store.save(vec![StoreOp::Delete(2)]).unwrap();
    store.flush();
    assert_eq!(store.load_tasks().unwrap().len(), 1);
}

/// A saved write the database cannot commit (here a trigger plays the full disk) is kept and
/// committed later, by the writer thread while the store is open, or from the journal by the
/// next owner, which opens the store even while the database still refuses it: the guest was
/// told it is saved.
#[test]
fn a_saved_write_the_database_cannot_commit_is_kept_until_it_can() {
    let dir = tempfile::tempdir().unwrap();
    let (store, owner) = crate::test_fixture::open_store(dir.path());
    let saboteur = Connection::open(dir.path().join(STORE_FILE)).unwrap();
    let refuse = "CREATE TRIGGER no_room BEFORE INSERT ON tasks BEGIN SELECT RAISE(ABORT, 'database or disk is full'); END;";
    let committed = || -> i64 {
        saboteur
            .query_row("SELECT count(*) FROM tasks", [], |row| row.get(0))
            .unwrap()
    };
    let ids = |tasks: Vec<crate::record::TaskRecord>| -> Vec<i64> {
        tasks.iter().map(|t| t.id).collect()
    };
    saboteur.execute_batch(refuse).unwrap();
    let one = crate::record::TaskRecord {
        args: "\"first\"".into(),
        ..task(1)
    };
    store.save(vec![StoreOp::Insert(Box::new(one))]).unwrap();
    store.flush();
    assert_eq!(committed(), 0, "not committed");
    assert_eq!(
        ids(store.load_tasks().unwrap()),
        [1],
        "but the store holds it"
    );
    assert_eq!(store.task_args(1).unwrap(), "\"first\"");

    // Committed by the writer thread once the database takes it.
    saboteur.execute_batch("DROP TRIGGER no_room;").unwrap();
    let deadline = std::time::Instant::now() + Duration::from_secs(10);
    while committed() == 0 {
        assert!(std::time::Instant::now() < deadline, "never committed");
        std::thread::yield_now();
    }

    // Closed before the database takes it: it stays in the journal.
    saboteur.execute_batch(refuse).unwrap();
    store
        .save(vec![StoreOp::Insert(Box::new(task(2)))])
        .unwrap();
    store.flush();
    drop(store);
    drop(owner);
    assert_eq!(
        ids(crate::unowned::read_tasks(dir.path()).unwrap()),
        [1, 2],
        "seen without an owner as the next owner will apply it"
    );
    {
        let (store, _owner) = crate::test_fixture::open_store(dir.path());
        assert_eq!(ids(store.load_tasks().unwrap()), [1, 2]);
        assert_eq!(committed(), 1);
    }
    saboteur.execute_batch("DROP TRIGGER no_room;").unwrap();
    let (store, _owner) = crate::test_fixture::open_store(dir.path());
    assert_eq!(ids(store.load_tasks().unwrap()), [1, 2]);
    assert_eq!(committed(), 2, "applied once the database takes it");
}

/// Under a stream of saves that never pauses, the journal is still emptied: it never holds
/// much more than what the database has yet to commit.
#[test]
fn under_a_steady_stream_of_saves_the_journal_is_emptied_instead_of_growing() {
    let dir = tempfile::tempdir().unwrap();
    let (store, _owner) = crate::test_fixture::open_store(dir.path());
    let journal = dir.path().join(crate::journal::JOURNAL_FILE);
    let args = format!("\"{}\"", "x".repeat(64 << 10));
    let mut largest = 0;
    // 48 MiB saved, 64 KiB at a time, with no pause for the writer to catch up.
    for id in 1..=768 {
        let task = crate::record::TaskRecord {
            args: args.clone(),
            ..task(id)
        };
        store.save(vec![StoreOp::Insert(Box::new(task))]).unwrap();
        largest = largest.max(std::fs::metadata(&journal).unwrap().len());
    }
    assert!(
        largest <= crate::journal::JOURNAL_CAUGHT_UP_PAST + (128 << 10),
        "the journal reached {} MiB for 48 MiB saved",
        largest >> 20
    );
    store.flush();
    assert_eq!(store.load_tasks().unwrap().len(), 768);
}
