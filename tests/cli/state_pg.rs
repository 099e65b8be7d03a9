//! The PostgreSQL state beyond what both backends share (`state.rs`): an
//! export streamed from the server, in the byte order of the SQLite store,
//! whatever the database's collation (issue 15 item 15). Run through
//! `scripts/pg-test.sh`; without `BOUNCECTL_TEST_POSTGRES` these tests are
//! skipped with a note.

use crate::state::{backends, Backend, State};
use crate::util::{bouncectl, fresh_dir, root, run};
use std::path::Path;

const NOW: &str = "2026-12-01T00:00:00Z";

fn url(state: &State) -> String {
    let spec: &std::ffi::OsStr = state.as_ref();
    spec.to_str().expect("a UTF-8 URL").to_string()
}

fn connect(url: &str) -> postgres::Client {
    postgres::Client::connect(url, postgres::NoTls).unwrap_or_else(|e| panic!("cannot connect to {url}: {e}"))
}

/// A PostgreSQL state whose database sorts text by the ICU root collation
/// (`Zed` after `abc`, unlike bytes) when the server has ICU, else by its
/// default: the test's own database, made again with that collation.
fn state_sorting_by_language(dir: &Path, name: &str) -> State {
    let state = State::new(Backend::Postgres, dir, name);
    let url = url(&state);
    let db = url
        .rsplit('/')
        .next()
        .and_then(|s| s.split('?').next())
        .expect("a database name")
        .to_string();
    let admin = std::env::var("BOUNCECTL_TEST_POSTGRES").expect("a PostgreSQL server");
    let mut c = connect(&admin);
    c.batch_execute(&format!("DROP DATABASE {db}")).unwrap();
    let icu = c.batch_execute(&format!(
        "CREATE DATABASE {db} TEMPLATE template0 ENCODING 'UTF8' LOCALE_PROVIDER icu ICU_LOCALE 'und' LOCALE 'C.UTF-8'"
    ));
    if let Err(e) = icu {
        eprintln!("note: no ICU collation on this server ({e}): the export's order is checked under the default one");
        c.batch_execute(&format!("CREATE DATABASE {db}")).unwrap();
    }
    state
}

/// Peak resident memory (KiB) of `cmd` as it runs, from `VmHWM` in
/// `/proc/PID/status` (read until the process ends), and its exit status.
#[cfg(target_os = "linux")]
fn peak_rss_kib(cmd: &mut std::process::Command) -> (u64, std::process::ExitStatus) {
    let mut child = cmd.spawn().expect("bouncectl starts");
    let status_file = format!("/proc/{}/status", child.id());
    let mut peak = 0;
    loop {
        if let Ok(text) = std::fs::read_to_string(&status_file) {
            if let Some(kib) = text
                .lines()
                .find_map(|l| l.strip_prefix("VmHWM:"))
                .and_then(|v| v.trim().trim_end_matches("kB").trim().parse::<u64>().ok())
            {
                peak = peak.max(kib);
            }
        }
        if let Some(status) = child.try_wait().expect("wait for bouncectl") {
            return (peak, status);
        }
        std::thread::sleep(std::time::Duration::from_millis(5));
    }
}

/// 300,000 suppressed addresses exported from PostgreSQL: the list is
/// streamed (the binary's peak memory stays under 100 MiB; collecting it
/// first took over 300 MiB) and comes out in byte order, as from SQLite,
/// though the database sorts by language.
#[cfg(target_os = "linux")]
#[test]
fn a_large_export_from_postgres_is_streamed_in_byte_order() {
    if !backends().contains(&Backend::Postgres) {
        return;
    }
    const N: i64 = 300_000;
    let dir = fresh_dir("pg-export-stream");
    let state = state_sorting_by_language(&dir, "stream");
    let url = url(&state);
    // One hard bounce recorded by bouncectl; the other addresses are copies
    // of it (recording them all through `analyze` takes minutes).
    let csv = dir.join("bounces.csv");
    std::fs::write(
        &csv,
        "created,email,reason,status\n1772442112,user0000001@example.com,550 5.1.1 <user0000001@example.com>: \
         Recipient address rejected: User unknown in virtual mailbox table,5.1.1\n",
    )
    .unwrap();
    let (code, _, err) = run(bouncectl()
        .args(["analyze", "-q", "--format", "json", "--now", NOW, "--state", &url])
        .arg(&csv));
    assert_eq!(code, 0, "{err}");
    let odd = [
        "Zed@example.com",
        "abc@example.com",
        "a_b@example.com",
        "a-b@example.com",
        "\u{e1}bc@example.com",
    ];
    let mut c = connect(&url);
    let copy = "INSERT INTO addresses (address, status, soft_streak, class, reason, status_code, diagnostic, \
                trigger_id, trigger_ts, suppressed_run, first_seen, last_seen, bounces, counts_after) \
                SELECT n.address, a.status, a.soft_streak, a.class, a.reason, a.status_code, a.diagnostic, \
                a.trigger_id, a.trigger_ts, a.suppressed_run, a.first_seen, a.last_seen, a.bounces, a.counts_after \
                FROM addresses a, ";
    c.execute(
        &format!(
            "{copy} (SELECT format('user%s@example.com', lpad(i::text, 7, '0')) AS address \
             FROM generate_series(2, $1::int8) i) n WHERE a.address = 'user0000001@example.com'"
        ),
        &[&N],
    )
    .unwrap();
    c.execute(
        &format!("{copy} unnest($1::text[]) n(address) WHERE a.address = 'user0000001@example.com'"),
        &[&odd.to_vec()],
    )
    .unwrap();
    drop(c);

    let out = dir.join("list.txt");
    let (peak, status) = peak_rss_kib(
        std::process::Command::new(assert_cmd::cargo::cargo_bin("bouncectl"))
            .current_dir(root())
            .env("TZ", "UTC")
            .env("NO_COLOR", "1")
            .env_remove("BOUNCECTL_CONFIG")
            .env("XDG_CONFIG_HOME", root().join("target/no-config-home"))
            .args([
                "suppress", "-q", "--format", "txt", "--now", NOW, "--state", &url, "--out",
            ])
            .arg(&out),
    );
    assert!(status.success(), "suppress --out exited {status}");
    let text = std::fs::read_to_string(&out).unwrap();
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(
        lines.len(),
        N as usize + odd.len(),
        "one line per suppressed address"
    );
    let mut sorted = lines.clone();
    sorted.sort_unstable();
    assert!(lines == sorted, "the export is in byte order, as from SQLite");
    for address in odd {
        assert!(lines.contains(&address), "{address} exported");
    }
    assert!(
        peak < 100 * 1024,
        "the export of {} addresses peaked at {} MiB: the list is held, not streamed",
        lines.len(),
        peak / 1024
    );
    eprintln!(
        "note: export of {} addresses from PostgreSQL peaked at {} KiB",
        lines.len(),
        peak
    );
}

fn cmd(url: &str, args: &[&str]) -> (i32, Vec<u8>, String) {
    run(bouncectl().args(args).args(["--state", url, "--now", NOW]))
}

/// The schema version and the columns of `deliveries`, read behind
/// bouncectl's back.
fn schema_of(url: &str) -> (i64, Vec<String>) {
    let mut c = connect(url);
    let version: i64 = c
        .query_one("SELECT max(version)::int8 FROM schema_migrations", &[])
        .unwrap()
        .get(0);
    let columns = c
        .query(
            "SELECT column_name::text FROM information_schema.columns WHERE table_schema = current_schema() \
             AND table_name = 'deliveries' ORDER BY ordinal_position",
            &[],
        )
        .unwrap()
        .iter()
        .map(|r| r.get(0))
        .collect();
    (version, columns)
}

/// The commands that only read (`suppress` without logs, `report`,
/// `history`, `filter`) never migrate a PostgreSQL state: one of schema
/// version 2 is read as it is (its deliveries without stage and matched
/// words) and stays version 2; one of version 1 is refused, saying what to
/// do, and stays version 1.
#[test]
fn read_only_commands_never_migrate_a_postgres_state() {
    if !backends().contains(&Backend::Postgres) {
        return;
    }
    let dir = fresh_dir("pg-read-only");
    let state = State::new(Backend::Postgres, &dir, "readonly");
    let url = url(&state);
    let (code, _, err) = cmd(
        &url,
        &["analyze", "-q", "--format", "json", "fixtures/postfix/sample.log"],
    );
    assert_eq!(code, 0, "{err}");
    let (code, v3_list, err) = cmd(&url, &["suppress", "-q", "--format", "csv"]);
    assert_eq!(code, 0, "{err}");
    let address = String::from_utf8_lossy(&v3_list)
        .lines()
        .nth(1)
        .and_then(|l| l.split(',').next())
        .expect("a suppressed address")
        .trim_matches('"')
        .to_string();
    let send_list = dir.join("send.csv");
    std::fs::write(
        &send_list,
        format!("email\n{address}\nsomeone.else@example.org\n"),
    )
    .unwrap();

    // The state as a bouncectl of schema version 2 left it.
    connect(&url)
        .batch_execute(
            "DELETE FROM schema_migrations WHERE version = 3; \
             ALTER TABLE deliveries DROP COLUMN stage, DROP COLUMN matched; \
             ALTER TABLE pending DROP COLUMN stage, DROP COLUMN matched",
        )
        .unwrap();
    let v2 = schema_of(&url);
    assert_eq!(v2.0, 2);
    let send = send_list.to_str().unwrap();
    for args in [
        &["suppress", "-q", "--format", "csv"][..],
        &["report", "-q", "--format", "json"],
        &["history", &address],
        &["filter", "-q", send, "--out", "-"],
    ] {
        let (code, out, err) = cmd(&url, args);
        assert_eq!(
            code, 0,
            "bouncectl {args:?} on a version-2 state exited {code}: {err}"
        );
        assert_eq!(
            schema_of(&url),
            v2,
            "bouncectl {args:?} left the version-2 state as it was"
        );
        if args[0] == "suppress" {
            assert_eq!(out, v3_list, "the same list as before");
        }
    }

    // Version 1: no signals table; refused, and left as it is.
    connect(&url)
        .batch_execute("DELETE FROM schema_migrations WHERE version = 2; DROP TABLE signals")
        .unwrap();
    let v1 = schema_of(&url);
    let (code, out, err) = cmd(&url, &["suppress", "-q", "--format", "csv"]);
    assert_ne!(code, 0, "a version-1 state is refused by a read-only command");
    assert!(out.is_empty(), "nothing exported");
    assert!(
        err.contains("older bouncectl (schema version 1") && err.contains("bouncectl analyze"),
        "says why and what to do: {err}"
    );
    assert_eq!(schema_of(&url), v1, "the version-1 state was left as it was");
}
