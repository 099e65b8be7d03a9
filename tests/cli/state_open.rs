//! Issue 15: how the state is opened. A libpq `key=value` connection string
//! names a PostgreSQL database (never a local file) and its password never
//! shows; the read-only commands open an SQLite state read-only and write
//! nothing next to it; an old state is upgraded in place.

use crate::util::{bouncectl, fresh_dir, run};
use std::path::Path;

const SAMPLE: &str = "fixtures/postfix/sample.log";
const NOW: &str = "2026-12-01T00:00:00Z";

/// A connection string to a port nothing listens on, with a password.
const CONNINFO: &str = "host=127.0.0.1 port=1 dbname=bounces user=bounce password=s3cret connect_timeout=2";

fn entries(dir: &Path) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(dir)
        .expect("read the test directory")
        .map(|e| {
            e.expect("a directory entry")
                .file_name()
                .to_string_lossy()
                .into_owned()
        })
        .collect();
    names.sort();
    names
}

/// Issue 15 item 14: `--state 'host=... password=...'` connects to
/// PostgreSQL (here: fails to, nothing listens) instead of creating a local
/// file named after the password, and no message shows the password.
#[test]
fn connection_string_is_postgres_and_its_password_never_shows() {
    let dir = fresh_dir("conninfo");
    let sample = crate::util::root().join(SAMPLE);
    for args in [
        vec!["analyze", "--state", CONNINFO, sample.to_str().unwrap()],
        vec!["suppress", "--state", CONNINFO],
        vec!["history", "--state", CONNINFO, "someone@example.com"],
    ] {
        let (code, out, err) = run(bouncectl().current_dir(&dir).args(["--now", NOW]).args(&args));
        assert_eq!(code, 1, "{args:?} must fail to connect: {err}");
        assert!(
            err.contains("cannot connect to host=127.0.0.1 port=1 dbname=bounces user=bounce password=***"),
            "{args:?}: {err}"
        );
        for text in [err.as_str(), &String::from_utf8_lossy(&out)] {
            assert!(!text.contains("s3cret"), "{args:?} shows the password: {text}");
        }
        assert!(entries(&dir).is_empty(), "{args:?} created {:?}", entries(&dir));
    }
}

/// The same string in `bouncectl config`, from the command line and from the
/// config file (kept as it is, not resolved as a path next to the file).
#[test]
fn config_masks_a_connection_string() {
    let home = fresh_dir("conninfo-config");
    std::fs::create_dir_all(home.join("bouncectl")).unwrap();
    std::fs::write(
        home.join("bouncectl/config.toml"),
        format!("state = \"{CONNINFO}\"\n"),
    )
    .unwrap();
    let want = "state = \"host=127.0.0.1 port=1 dbname=bounces user=bounce password=*** connect_timeout=2\"";
    for args in [vec![], vec!["--state", CONNINFO]] {
        let (code, out, err) = run(bouncectl()
            .env("XDG_CONFIG_HOME", &home)
            .arg("config")
            .args(&args));
        assert_eq!(code, 0, "{err}");
        let out = String::from_utf8(out).unwrap();
        assert!(!out.contains("s3cret") && !err.contains("s3cret"), "{out}{err}");
        assert!(
            out.lines().any(|l| l.starts_with(want)),
            "{args:?}: want {want}\n{out}"
        );
    }
}

/// Sets the mode bits of `path`.
fn chmod(path: &Path, mode: u32) {
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(mode)).expect("chmod");
}

/// What a read-only command may not change: the directory's entries, the
/// state's size and modification time.
fn footprint(state: &Path) -> (Vec<String>, u64, std::time::SystemTime) {
    let meta = std::fs::metadata(state).expect("the state exists");
    let dir = state.parent().expect("the state has a directory");
    (entries(dir), meta.len(), meta.modified().expect("mtime"))
}

/// The user the state tests run the binary as: root ignores file modes, so
/// as root (CI) the binary runs as `nobody` (uid and gid 65534, through
/// `setpriv`), for whom a 0400 file or a 0500 directory is what it is to a
/// real mail user; `None` when not root (the modes apply already) or when
/// `setpriv` is missing (then only the footprint checks below hold).
fn unprivileged() -> Option<u32> {
    use std::os::unix::fs::MetadataExt;
    let me = std::fs::metadata(fresh_dir("whoami"))
        .expect("a test directory")
        .uid();
    if me != 0 {
        return None;
    }
    // `nobody` must be able to run the binary where it was built (not so
    // under a 0700 home directory): else the footprint checks only.
    let probe = bouncectl_as(Some(65_534)).arg("--version").output();
    match probe {
        Ok(out) if out.status.success() => Some(65_534),
        _ => {
            eprintln!(
                "note: running as root, and `setpriv` cannot run bouncectl as nobody here: the read-only \
                 state tests check only that nothing is written"
            );
            None
        }
    }
}

/// `bouncectl ARGS` as the [`unprivileged`] user when there is one.
fn bouncectl_as(user: Option<u32>) -> assert_cmd::Command {
    let Some(uid) = user else {
        return bouncectl();
    };
    let mut cmd = assert_cmd::Command::new("setpriv");
    cmd.current_dir(crate::util::root())
        .env("TZ", "UTC")
        .env("NO_COLOR", "1")
        .env("XDG_STATE_HOME", fresh_dir("xdg-state"))
        .env_remove("BOUNCECTL_THREADS")
        .env_remove("BOUNCECTL_CONFIG")
        .env(
            "XDG_CONFIG_HOME",
            crate::util::root().join("target/no-config-home"),
        )
        .arg(format!("--reuid={uid}"))
        .arg(format!("--regid={uid}"))
        .arg("--clear-groups")
        .arg(assert_cmd::cargo::cargo_bin("bouncectl"));
    cmd
}

/// A state made by `analyze` from the sample log, in a directory of its own
/// that belongs to `user`.
fn sample_state(what: &str, user: Option<u32>) -> std::path::PathBuf {
    let top = fresh_dir(what);
    let state = top.join("state/state.db");
    std::fs::create_dir_all(state.parent().unwrap()).unwrap();
    if let Some(uid) = user {
        std::os::unix::fs::chown(&top, Some(uid), Some(uid)).unwrap();
        std::os::unix::fs::chown(state.parent().unwrap(), Some(uid), Some(uid)).unwrap();
    }
    analyze(&state, user);
    state
}

/// `analyze` of the sample log into `state` must succeed.
fn analyze(state: &Path, user: Option<u32>) {
    let (code, _, err) = run(bouncectl_as(user)
        .args(["--now", NOW, "analyze", "-q", "--state"])
        .arg(state)
        .arg(SAMPLE));
    assert_eq!(code, 0, "analyze: {err}");
}

/// Runs every read-only command on `state`; each must succeed and show what
/// the sample holds (its suppressed address, its hard bounces).
fn read_everything(state: &Path, user: Option<u32>) {
    let list = state.parent().unwrap().parent().unwrap().join("list.csv");
    std::fs::write(&list, "email\ndave.old@yahoo.com\nkeep@example.com\n").unwrap();
    for args in [
        vec!["suppress"],
        vec!["suppress", "--format", "json"],
        vec!["report"],
        vec!["history", "dave.old@yahoo.com"],
        vec!["filter", "--out", "-", list.to_str().unwrap()],
    ] {
        let (code, out, err) = run(bouncectl_as(user)
            .args(["--now", NOW])
            .args(&args)
            .arg("--state")
            .arg(state));
        assert_eq!(code, 0, "{args:?}: {err}");
        let out = String::from_utf8_lossy(&out);
        let want = match args[0] {
            "filter" => "keep@example.com",
            "report" => "hard bounces",
            _ => "dave.old@yahoo.com",
        };
        assert!(out.contains(want), "{args:?}: {out}");
        if args[0] == "filter" {
            assert!(!out.contains("dave.old@yahoo.com"), "{out}");
        }
    }
}

/// Issue 15 item 9: on a read-only state (file 0400 in a 0500 directory)
/// every read-only command works and writes nothing: no `-wal`/`-shm` file
/// appears, the state's size and time stay; a writer after it (modes
/// restored) still works. Root may write whatever the modes say, so as root
/// the binary runs as `nobody` ([`unprivileged`]); the footprint check also
/// shows that no write is even attempted.
#[test]
fn read_only_commands_work_and_write_nothing_on_a_read_only_state() {
    let user = unprivileged();
    let state = sample_state("ro-dir", user);
    let dir = state.parent().unwrap().to_path_buf();
    chmod(&state, 0o400);
    chmod(&dir, 0o500);
    let before = footprint(&state);
    read_everything(&state, user);
    let after = footprint(&state);
    chmod(&dir, 0o700);
    chmod(&state, 0o600);
    assert_eq!(before, after, "a read-only command wrote next to the state");
    analyze(&state, user);
}

/// The same with a 0400 state in a writable directory: an export used to
/// leave a 0400 `-shm` behind that made every later writer fail ("attempt to
/// write a readonly database") once the file was writable again.
#[test]
fn an_export_of_a_0400_state_leaves_nothing_behind() {
    let user = unprivileged();
    let state = sample_state("ro-file", user);
    chmod(&state, 0o400);
    let before = footprint(&state);
    read_everything(&state, user);
    let after = footprint(&state);
    chmod(&state, 0o600);
    assert_eq!(before, after, "a read-only command wrote next to the state");
    analyze(&state, user);
}

/// A state of schema version 2, made by the release before the stage and
/// matched words were stored (`bouncectl-dc7d342 --now 2026-12-01T00:00:00Z
/// analyze --host mta1 --state fixtures/state/v2.sample.db
/// fixtures/postfix/sample.log`).
const V2_STATE: &str = "fixtures/state/v2.sample.db";

/// The schema version of an SQLite state, read without touching it.
fn schema_version(state: &Path) -> i64 {
    let uri = format!("file:{}?mode=ro&immutable=1", state.display());
    let conn = rusqlite::Connection::open_with_flags(
        uri,
        rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY | rusqlite::OpenFlags::SQLITE_OPEN_URI,
    )
    .expect("open the state");
    conn.query_row("SELECT max(version) FROM schema_migrations", [], |r| r.get(0))
        .expect("the schema version")
}

fn history_json(state: &Path, address: &str) -> serde_json::Value {
    let (code, out, err) = run(bouncectl()
        .args(["--now", NOW, "history", address, "--format", "json", "--state"])
        .arg(state));
    assert_eq!(code, 0, "{err}");
    serde_json::from_slice(&out).expect("history JSON")
}

/// Issue 14 item 6: the stage and the matched words of a bounce's verdict
/// are stored with it (schema v3) and shown by `history`. A version-2 state
/// is read as it is by a read-only command (stage and words `null`, the file
/// untouched), and upgraded in place by the next run that writes: its rows
/// stay, new bounces carry their stage and words.
#[test]
fn a_v2_state_is_read_as_it_is_then_upgraded_and_bounces_keep_stage_and_words() {
    let dir = fresh_dir("v2-state");
    let state = dir.join("state.db");
    std::fs::copy(crate::util::root().join(V2_STATE), &state).expect("copy the v2 state");
    assert_eq!(schema_version(&state), 2);

    // (Its directory is writable: SQLite's shared-memory files may appear,
    // as for any reader of a WAL database; the database itself stays.)
    let before = footprint(&state);
    let old = history_json(&state, "dave.old@yahoo.com");
    let after = footprint(&state);
    assert_eq!(
        (after.1, after.2),
        (before.1, before.2),
        "a read-only command changed the v2 state"
    );
    assert_eq!(schema_version(&state), 2);
    let bounce = &old["events"][0];
    assert_eq!(bounce["outcome"], "hard", "{old}");
    assert_eq!(bounce["rule"], "yahoo.no-account", "{old}");
    assert!(bounce["stage"].is_null() && bounce["matched"].is_null(), "{old}");
    assert!(bounce.as_object().unwrap().contains_key("stage"), "{old}");

    // A writer upgrades it, and records a new bounce with its stage and words.
    let log = dir.join("new.log");
    std::fs::write(
        &log,
        "2026-11-20T07:00:00.000000+00:00 mx1 postfix/qmgr[102]: 5C0A000009: from=<news@shop.example>, size=2100, nrcpt=1 (queue active)\n\
         2026-11-20T07:00:01.000000+00:00 mx1 postfix/smtp[103]: 5C0A000009: to=<new@example.org>, relay=mx.example.org[192.0.2.30]:25, delay=1, delays=0.1/0/0.4/0.5, dsn=5.1.1, status=bounced (host mx.example.org[192.0.2.30] said: 550 5.1.1 <new@example.org>: Recipient address rejected: User unknown in virtual mailbox table (in reply to RCPT TO command))\n\
         2026-11-20T07:00:01.000000+00:00 mx1 postfix/qmgr[102]: 5C0A000009: removed\n",
    )
    .unwrap();
    let (code, _, err) = run(bouncectl()
        .args(["--now", NOW, "analyze", "-q", "--host", "mta1", "--state"])
        .arg(&state)
        .arg(&log));
    assert_eq!(code, 0, "{err}");
    assert_eq!(schema_version(&state), 3);
    assert_eq!(
        history_json(&state, "dave.old@yahoo.com"),
        old,
        "the old rows changed"
    );
    let new = history_json(&state, "new@example.org");
    let bounce = &new["events"][0];
    assert_eq!(bounce["outcome"], "hard", "{new}");
    assert_eq!(bounce["stage"], "rcpt", "{new}");
    let matched = bounce["matched"]
        .as_str()
        .unwrap_or_else(|| panic!("no matched words: {new}"));
    assert!(
        bounce["diagnostic"]
            .as_str()
            .unwrap()
            .to_lowercase()
            .contains(&matched.to_lowercase()),
        "{new}"
    );
    let (code, out, err) = run(bouncectl()
        .args(["--now", NOW, "history", "new@example.org", "--state"])
        .arg(&state));
    assert_eq!(code, 0, "{err}");
    let table = String::from_utf8(out).unwrap();
    assert!(
        table
            .lines()
            .nth(1)
            .is_some_and(|h| h.contains("stage") && h.contains("matched")),
        "{table}"
    );
    assert!(table.contains(" rcpt ") && table.contains(matched), "{table}");
}

/// One number from an SQLite state, read without touching it.
fn query_i64(state: &Path, sql: &str) -> i64 {
    let uri = format!("file:{}?mode=ro&immutable=1", state.display());
    let conn = rusqlite::Connection::open_with_flags(
        uri,
        rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY | rusqlite::OpenFlags::SQLITE_OPEN_URI,
    )
    .expect("open the state");
    conn.query_row(sql, [], |r| r.get(0)).expect(sql)
}

/// Issue 15 item 17: an incremental run on logs that did not change reads
/// nothing and writes nothing: no run is recorded, the in-flight messages
/// are neither loaded nor saved again (their cost grew with the state: every
/// message whose end was never logged stays in flight), the state file is
/// left as it was. A byte added to the log makes the next run read it.
#[test]
fn an_unchanged_incremental_run_writes_nothing() {
    let dir = fresh_dir("unchanged");
    let log = dir.join("mail.log");
    // The sample without its `removed` lines: every message stays in flight.
    let text = std::fs::read_to_string(crate::util::root().join(SAMPLE)).unwrap();
    let kept: String = text
        .lines()
        .filter(|l| !l.ends_with(": removed"))
        .map(|l| format!("{l}\n"))
        .collect();
    std::fs::write(&log, &kept).unwrap();
    let state = dir.join("state.db");
    let incremental = |state: &Path| {
        let (code, out, err) = run(bouncectl()
            .args([
                "--now",
                NOW,
                "analyze",
                "--incremental",
                "--format",
                "json",
                "--state",
            ])
            .arg(state)
            .arg(&log));
        assert_eq!(code, 0, "{err}");
        serde_json::from_slice::<serde_json::Value>(&out).expect("a JSON report")
    };
    incremental(&state);
    let runs = query_i64(&state, "SELECT count(*) FROM runs");
    let flight = query_i64(&state, "SELECT length(v) FROM kv WHERE k LIKE 'snapshot:%'");
    assert!(
        flight > 1000,
        "the sample's messages stay in flight: {flight} bytes"
    );
    let before = std::fs::read(&state).unwrap();
    let report = incremental(&state);
    assert_eq!(
        report["deliveries"]["total"], 0,
        "the unchanged run read something: {report}"
    );
    assert_eq!(
        query_i64(&state, "SELECT count(*) FROM runs"),
        runs,
        "the unchanged run was recorded"
    );
    assert!(
        std::fs::read(&state).unwrap() == before,
        "the unchanged run changed the state file"
    );
    // One more line: read, recorded.
    let mut more = kept.clone();
    more.push_str("2026-11-16T14:00:00.000000+00:00 mx1 postfix/qmgr[1]: 3F1A2B09FF: removed\n");
    std::fs::write(&log, more).unwrap();
    incremental(&state);
    assert_eq!(query_i64(&state, "SELECT count(*) FROM runs"), runs + 1);
}

/// Found with issue 15 item 17: a skipped uncompressed log (here the same
/// file given twice, "read once") was read all the same, through the handle
/// the parse workers read from, and counted twice.
#[test]
fn the_same_log_given_twice_is_counted_once() {
    let total = |args: &[&str]| {
        let state = fresh_dir("twice").join("state.db");
        let (code, out, err) = run(bouncectl()
            .args([
                "--now",
                NOW,
                "analyze",
                "--incremental",
                "--format",
                "json",
                "--state",
            ])
            .arg(&state)
            .args(args));
        assert_eq!(code, 0, "{err}");
        let report: serde_json::Value = serde_json::from_slice(&out).expect("a JSON report");
        (report["deliveries"].clone(), err)
    };
    let (once, _) = total(&[SAMPLE]);
    let (twice, err) = total(&[SAMPLE, SAMPLE]);
    assert!(err.contains("read once"), "{err}");
    assert_eq!(twice, once);
}
