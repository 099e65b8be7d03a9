//! Unit tests of the SQLite store: opening (and refusing) files, migrating,
//! the write lock, recording and the suppression decisions over it.

use super::schema::SCHEMA_V1;
use super::*;
use crate::model::Class;
use crate::state::Stored;
use crate::state::{review_address, unsuppress};
use crate::suppression::Status;

fn opts() -> OpenOptions {
    OpenOptions {
        create: true,
        lock_timeout: Duration::from_millis(200),
        read_only: false,
    }
}

fn row(msg: &str, rcpt: &str, ts: i64, outcome: Stored) -> DeliveryRow {
    DeliveryRow {
        host: String::new(),
        msg_id: msg.into(),
        rcpt: rcpt.into(),
        ts,
        first_ts: ts,
        outcome,
        reason: Some("userunknown".into()),
        rule: Some("t".into()),
        stage: None,
        matched: None,
        status_code: Some("5.1.1".into()),
        diagnostic: "550 5.1.1 no such user".into(),
        deferrals: 0,
        local: false,
        notification: false,
        sender: Some("a@b".into()),
        relay: None,
        source: "mail.log".into(),
    }
}

#[test]
fn creates_private_file_and_reopens() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("sub/state.db");
    let store = SqliteStore::open(&path, opts()).unwrap();
    assert_eq!(store.schema_version().unwrap(), 3);
    drop(store);
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(&path).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode, 0o600);
        let mode = std::fs::metadata(path.parent().unwrap())
            .unwrap()
            .permissions()
            .mode()
            & 0o777;
        assert_eq!(mode, 0o700);
    }
    let store = SqliteStore::open(&path, opts()).unwrap();
    assert_eq!(store.schema_version().unwrap(), 3);
}

#[test]
fn refuses_foreign_and_corrupt_files_without_touching_them() {
    let dir = tempfile::tempdir().unwrap();
    let text = dir.path().join("notes.txt");
    std::fs::write(&text, "hello, not a database\n").unwrap();
    let e = SqliteStore::open(&text, opts()).err().unwrap();
    assert!(matches!(e, StateError::NotSqlite { .. }), "{e}");
    assert_eq!(std::fs::read(&text).unwrap(), b"hello, not a database\n");

    let other = dir.path().join("other.db");
    {
        let c = Connection::open(&other).unwrap();
        c.execute_batch("CREATE TABLE t (x); INSERT INTO t VALUES (1);")
            .unwrap();
    }
    let before = std::fs::read(&other).unwrap();
    let e = SqliteStore::open(&other, opts()).err().unwrap();
    assert!(matches!(e, StateError::Foreign { .. }), "{e}");
    assert_eq!(std::fs::read(&other).unwrap(), before);

    let corrupt = dir.path().join("corrupt.db");
    let mut bytes = b"SQLite format 3\0".to_vec();
    bytes.extend(std::iter::repeat_n(0xAB, 4096));
    std::fs::write(&corrupt, &bytes).unwrap();
    let e = SqliteStore::open(&corrupt, opts()).err().unwrap();
    assert!(matches!(e, StateError::Corrupt { .. }), "{e}");
    assert_eq!(std::fs::read(&corrupt).unwrap(), bytes);

    let missing = dir.path().join("missing.db");
    let e = SqliteStore::open(
        &missing,
        OpenOptions {
            create: false,
            ..opts()
        },
    )
    .err()
    .unwrap();
    assert!(matches!(e, StateError::Missing { .. }), "{e}");
    assert!(!missing.exists());
}

#[test]
fn newer_schema_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("state.db");
    drop(SqliteStore::open(&path, opts()).unwrap());
    {
        let c = Connection::open(&path).unwrap();
        c.execute(
            "INSERT INTO schema_migrations (version, description, applied_at) VALUES (99, 'future', 0)",
            [],
        )
        .unwrap();
    }
    let e = SqliteStore::open(&path, opts()).err().unwrap();
    assert!(matches!(e, StateError::Newer { found: 99, .. }), "{e}");
}

#[test]
fn a_version_1_state_is_migrated_and_its_rows_get_this_host() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("v1.db");
    {
        let c = Connection::open(&path).unwrap();
        c.execute_batch(SCHEMA_V1).unwrap();
        c.execute_batch(
            "CREATE TABLE schema_migrations (version INTEGER PRIMARY KEY, description TEXT NOT NULL, \
             applied_at INTEGER NOT NULL); INSERT INTO schema_migrations VALUES (1, 'initial schema', 0); \
             INSERT INTO kv VALUES ('snapshot:', '{}');",
        )
        .unwrap();
        c.execute_batch(&format!("PRAGMA application_id = {APPLICATION_ID}"))
            .unwrap();
    }
    let mut s = SqliteStore::open(&path, opts()).unwrap();
    assert_eq!(s.schema_version().unwrap(), 3);
    let run = s.begin_run("t", 0).unwrap();
    s.record_final(run, &row("Q1", "x@y", 10, Stored::Delivered))
        .unwrap();
    s.commit_run(run, 0).unwrap();
    let host = crate::state::host::default_host();
    assert_eq!(s.snapshot(&host).unwrap().as_deref(), Some("{}"));
    assert_eq!(s.snapshot("").unwrap(), None);
    assert!(s.signals("x@y", None).unwrap().is_empty());
}

#[test]
fn a_second_writer_waits_then_fails_clearly() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("state.db");
    let mut a = SqliteStore::open(&path, opts()).unwrap();
    let mut b = SqliteStore::open(&path, opts()).unwrap();
    let run = a.begin_run("test", 1).unwrap();
    let e = b.begin_run("test", 2).err().unwrap();
    assert!(matches!(e, StateError::Busy { .. }), "{e}");
    assert!(e.to_string().contains("another bouncectl run"), "{e}");
    a.commit_run(run, 3).unwrap();
    let run = b.begin_run("test", 4).unwrap();
    b.commit_run(run, 5).unwrap();
}

#[test]
fn recording_is_idempotent_and_pending_is_replaced_by_its_end() {
    let mut s = SqliteStore::in_memory().unwrap();
    let run = s.begin_run("t", 0).unwrap();
    let mut p = row("Q1", "x@y", 10, Stored::Pending);
    p.deferrals = 1;
    s.record_pending(run, &p).unwrap();
    s.record_final(run, &row("Q1", "x@y", 20, Stored::Bounced(Class::Hard)))
        .unwrap();
    s.record_final(run, &row("Q1", "x@y", 20, Stored::Bounced(Class::Hard)))
        .unwrap();
    // An older pending view of a delivery that has ended changes nothing.
    s.record_pending(run, &p).unwrap();
    s.commit_run(run, 0).unwrap();
    let h = s.history("x@y").unwrap();
    assert_eq!(h.deliveries.len(), 1);
    assert_eq!(h.deliveries[0].1.outcome, Stored::Bounced(Class::Hard));
}

#[test]
fn suppression_follows_time_order_and_unsuppress_sticks() {
    let mut s = SqliteStore::in_memory().unwrap();
    let scope = ScopeFilter::default();
    let run = s.begin_run("t", 0).unwrap();
    // Arrives out of order: the delivery at 15 breaks the soft streak.
    for (msg, ts, o) in [
        ("A", 10, Stored::Bounced(Class::Soft)),
        ("B", 20, Stored::Bounced(Class::Soft)),
        ("C", 30, Stored::Bounced(Class::Soft)),
        ("D", 15, Stored::Delivered),
    ] {
        s.record_final(run, &row(msg, "x@y", ts, o)).unwrap();
    }
    for a in s.changed_addresses(run).unwrap() {
        review_address(&mut s, &a, run, 3, scope).unwrap();
    }
    let r = s.address("x@y").unwrap().unwrap();
    assert_eq!((r.status, r.soft_streak), (Status::AtRisk, 2));
    s.record_final(run, &row("E", "x@y", 40, Stored::Bounced(Class::Soft)))
        .unwrap();
    s.record_final(run, &row("F", "x@y", 50, Stored::Delivered))
        .unwrap();
    review_address(&mut s, "x@y", run, 3, scope).unwrap();
    let r = s.address("x@y").unwrap().unwrap();
    assert_eq!(r.status, Status::Suppressed);
    assert_eq!(r.trigger.as_ref().map(|t| t.ts), Some(40));
    let c = s
        .counts(&CountsQuery {
            run: Some(run),
            seen_only: true,
            ..CountsQuery::default()
        })
        .unwrap();
    assert_eq!((c.total, c.soft, c.new, c.at_risk, c.violations), (1, 1, 1, 0, 1));
    s.commit_run(run, 0).unwrap();

    let run = s.begin_run("t", 0).unwrap();
    assert!(unsuppress(&mut s, "x@y", 50, 60, Some("fixed")).unwrap());
    review_address(&mut s, "x@y", run, 3, scope).unwrap();
    assert_eq!(s.address("x@y").unwrap().unwrap().status, Status::Ok);
    // Old outcomes read again do not suppress it again; a new hard bounce does.
    s.record_final(run, &row("A", "x@y", 10, Stored::Bounced(Class::Soft)))
        .unwrap();
    review_address(&mut s, "x@y", run, 3, scope).unwrap();
    assert_eq!(s.address("x@y").unwrap().unwrap().status, Status::Ok);
    s.record_final(run, &row("G", "x@y", 70, Stored::Bounced(Class::Hard)))
        .unwrap();
    review_address(&mut s, "x@y", run, 3, scope).unwrap();
    assert_eq!(s.address("x@y").unwrap().unwrap().status, Status::Suppressed);
    s.commit_run(run, 0).unwrap();
    assert_eq!(s.history("x@y").unwrap().events.len(), 1);
}
