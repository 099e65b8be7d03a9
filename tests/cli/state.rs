//! Issue 5: the state. Exports equal the generator's known suppression set;
//! incremental runs over a growing, rotated, truncated log equal one run over
//! the whole; a run killed with SIGKILL loses or doubles nothing; every
//! export, the history and the report from the state match checked-in files
//! (`fixtures/state/`).
//!
//! Issue 10: the same tests run on both backends, SQLite and PostgreSQL
//! (a database of its own per test, made through `BOUNCECTL_TEST_POSTGRES`,
//! the URL of an account that may create databases: `scripts/pg-test.sh`
//! starts a throwaway server and sets it). Without it the PostgreSQL runs are
//! skipped with a note, unless `CI` is set: then they fail.

use crate::util::{assert_matches_file, bouncectl, fresh_dir, run};
use ::genlog::{generate_with_addresses, Addresses, Config, Truth};
use std::collections::BTreeSet;
use std::ffi::OsStr;
use std::io::Write;
use std::path::{Path, PathBuf};

const SAMPLE: &str = "fixtures/postfix/sample.log";
/// The clock of every state test (after the generated and sample logs).
const NOW: &str = "2026-12-01T00:00:00Z";

/// Where a test keeps its state.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Backend {
    Sqlite,
    Postgres,
}

/// The admin URL of the test server, or `None` (with a note) when there is
/// none; in CI a missing server is a failure.
fn pg_admin() -> Option<String> {
    match std::env::var("BOUNCECTL_TEST_POSTGRES") {
        Ok(url) if !url.is_empty() => Some(url),
        _ if std::env::var_os("CI").is_some() => panic!(
            "BOUNCECTL_TEST_POSTGRES is not set but CI is: the PostgreSQL tests must run \
             (run them through scripts/pg-test.sh)"
        ),
        _ => {
            eprintln!(
                "note: BOUNCECTL_TEST_POSTGRES is not set: the PostgreSQL runs of this test are skipped \
                 (bash scripts/pg-test.sh runs them against a throwaway server)"
            );
            None
        }
    }
}

/// The backends to run on: SQLite always, PostgreSQL when there is a server.
pub(crate) fn backends() -> Vec<Backend> {
    let mut all = vec![Backend::Sqlite];
    if pg_admin().is_some() {
        all.push(Backend::Postgres);
    }
    all
}

/// `url` naming database `db` instead of its own.
fn with_db(url: &str, db: &str) -> String {
    let (base, query) = match url.split_once('?') {
        Some((b, q)) => (b, format!("?{q}")),
        None => (url, String::new()),
    };
    let after_scheme = base.find("://").map_or(0, |i| i + 3);
    let cut = base[after_scheme..]
        .find('/')
        .map_or(base.len(), |i| after_scheme + i);
    format!("{}/{db}{query}", &base[..cut])
}

/// One test's state: an SQLite file, or a PostgreSQL database of its own
/// (dropped when the test ends).
pub(crate) struct State {
    backend: Backend,
    spec: String,
    db: Option<(String, String)>,
}

impl State {
    pub(crate) fn new(backend: Backend, dir: &Path, name: &str) -> State {
        match backend {
            Backend::Sqlite => State {
                backend,
                spec: dir.join(format!("{name}.db")).display().to_string(),
                db: None,
            },
            Backend::Postgres => {
                use std::sync::atomic::{AtomicU64, Ordering};
                static NEXT: AtomicU64 = AtomicU64::new(0);
                let admin = pg_admin().expect("a PostgreSQL server");
                let db = format!(
                    "bct_{}_{}_{}",
                    std::process::id(),
                    NEXT.fetch_add(1, Ordering::Relaxed),
                    name.replace(|c: char| !c.is_ascii_alphanumeric(), "_")
                );
                let mut client = postgres::Client::connect(&admin, postgres::NoTls)
                    .unwrap_or_else(|e| panic!("cannot connect to {admin}: {e}"));
                client
                    .batch_execute(&format!("CREATE DATABASE {db}"))
                    .expect("create a test database");
                State {
                    backend,
                    spec: with_db(&admin, &db),
                    db: Some((admin, db)),
                }
            }
        }
    }

    /// Rows per table, read behind bouncectl's back.
    fn table_counts(&self) -> Vec<i64> {
        const TABLES: [&str; 7] = [
            "deliveries",
            "pending",
            "deferrals",
            "addresses",
            "inputs",
            "address_events",
            "signals",
        ];
        match self.backend {
            Backend::Sqlite => {
                let c = rusqlite::Connection::open(&self.spec).unwrap();
                TABLES
                    .iter()
                    .map(|t| {
                        c.query_row(&format!("SELECT count(*) FROM {t}"), [], |r| r.get(0))
                            .unwrap()
                    })
                    .collect()
            }
            Backend::Postgres => {
                let mut c = postgres::Client::connect(&self.spec, postgres::NoTls).unwrap();
                TABLES
                    .iter()
                    .map(|t| {
                        c.query_one(&format!("SELECT count(*) FROM {t}"), &[])
                            .unwrap()
                            .get(0)
                    })
                    .collect()
            }
        }
    }
}

impl AsRef<OsStr> for State {
    fn as_ref(&self) -> &OsStr {
        self.spec.as_ref()
    }
}

impl Drop for State {
    fn drop(&mut self) {
        if let Some((admin, db)) = &self.db {
            if let Ok(mut c) = postgres::Client::connect(admin, postgres::NoTls) {
                let _ = c.batch_execute(&format!("DROP DATABASE IF EXISTS {db} WITH (FORCE)"));
            }
        }
    }
}

fn state_cmd(state: impl AsRef<OsStr>, args: &[&str]) -> (i32, Vec<u8>, String) {
    run(bouncectl()
        .args(args)
        .arg("--state")
        .arg(state.as_ref())
        .args(["--now", NOW, "--threads", "2"]))
}

fn ok(state: impl AsRef<OsStr>, args: &[&str]) -> Vec<u8> {
    let (code, out, err) = state_cmd(state, args);
    assert_eq!(code, 0, "bouncectl {args:?} exited {code}: {err}");
    out
}

fn json(bytes: &[u8]) -> serde_json::Value {
    serde_json::from_slice(bytes).expect("valid JSON")
}

fn generated(dir: &Path, seed: u64, size: u64) -> (PathBuf, Truth, Addresses) {
    let log = dir.join("gen.log");
    let cfg = Config {
        seed,
        target_bytes: size,
        addresses: 4_000,
        ..Config::default()
    };
    let (truth, sets) = generate_with_addresses(&cfg, std::fs::File::create(&log).unwrap()).unwrap();
    (log, truth, sets)
}

fn exported(state: impl AsRef<OsStr>) -> BTreeSet<String> {
    let out = ok(state, &["suppress", "-q", "--format", "txt"]);
    String::from_utf8(out)
        .unwrap()
        .lines()
        .map(String::from)
        .collect()
}

/// What must be the same after any way of reading the same log.
fn snapshot(state: impl AsRef<OsStr>) -> (serde_json::Value, Vec<u8>, Vec<u8>) {
    let state = state.as_ref();
    let report = json(&ok(state, &["report", "-q", "--format", "json"]));
    let csv = ok(state, &["suppress", "-q", "--format", "csv", "--include-at-risk"]);
    let pending = ok(
        state,
        &["suppress", "-q", "--format", "json", "--include-at-risk"],
    );
    (report, csv, pending)
}

fn table_counts(state: &Path) -> Vec<i64> {
    State {
        backend: Backend::Sqlite,
        spec: state.display().to_string(),
        db: None,
    }
    .table_counts()
}

#[test]
fn the_exported_list_is_the_generators_suppression_set_and_never_a_block() {
    let dir = fresh_dir("state-truth");
    let (log, truth, sets) = generated(&dir, 5, 3 << 20);
    for backend in backends() {
        exported_list_is_the_truth(backend, &dir, &log, &truth, &sets);
    }
    // No state: the same list from the logs alone.
    let (code, out, err) = run(bouncectl()
        .args(["suppress", "-q", "--no-state", "--format", "txt"])
        .arg(&log));
    assert_eq!(code, 0, "{err}");
    let one_shot: BTreeSet<String> = String::from_utf8(out)
        .unwrap()
        .lines()
        .map(String::from)
        .collect();
    assert_eq!(one_shot, sets.suppressed);
}

fn exported_list_is_the_truth(backend: Backend, dir: &Path, log: &Path, truth: &Truth, sets: &Addresses) {
    let state = State::new(backend, dir, "truth");
    let report = json(&ok(
        &state,
        &["analyze", "-q", "--format", "json", log.to_str().unwrap()],
    ));
    assert_eq!(report["suppression"]["total"], truth.suppressed);
    assert_eq!(report["suppression"]["new"], truth.suppressed);
    assert_eq!(report["suppression"]["at_risk"], truth.at_risk);
    assert_eq!(report["suppression"]["violations"], truth.violations);
    let list = exported(&state);
    assert_eq!(list.len() as u64, truth.suppressed);
    assert_eq!(list, sets.suppressed, "{backend:?}");
    assert!(
        !sets.blocked_only.is_empty(),
        "the log has addresses refused for sender-side blocks"
    );
    assert!(list.is_disjoint(&sets.blocked_only));
    let with_risk = ok(
        &state,
        &["suppress", "-q", "--format", "json", "--include-at-risk"],
    );
    let at_risk: BTreeSet<String> = json(&with_risk)["suppressions"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["status"] == "at_risk")
        .map(|e| e["address"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(at_risk, sets.at_risk, "{backend:?}");
}

#[test]
fn five_appended_pieces_read_incrementally_equal_one_run_and_a_rerun_changes_nothing() {
    let dir = fresh_dir("state-pieces");
    let (whole, truth, sets) = generated(&dir, 6, 3 << 20);
    let bytes = std::fs::read(&whole).unwrap();
    // Cut anywhere, mid-line included: only whole lines may be consumed.
    let cuts = [
        0,
        bytes.len() / 7 + 13,
        bytes.len() / 3 + 5,
        bytes.len() / 2 + 101,
        bytes.len() * 4 / 5 + 7,
        bytes.len(),
    ];
    let growing = dir.join("mail.log");
    let one = dir.join("one.db");
    ok(&one, &["analyze", "-q", whole.to_str().unwrap()]);
    let b = snapshot(&one);
    for backend in backends() {
        let _ = std::fs::remove_file(&growing);
        let inc = State::new(backend, &dir, "inc");
        pieces_equal_one_run(&inc, &bytes, &cuts, &growing, &b, &truth, &sets);
    }
}

fn pieces_equal_one_run(
    inc: &State,
    bytes: &[u8],
    cuts: &[usize],
    growing: &Path,
    b: &(serde_json::Value, Vec<u8>, Vec<u8>),
    truth: &Truth,
    sets: &Addresses,
) {
    for w in cuts.windows(2) {
        let mut f = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(growing)
            .unwrap();
        f.write_all(&bytes[w[0]..w[1]]).unwrap();
        drop(f);
        ok(
            inc,
            &["analyze", "-q", "--incremental", growing.to_str().unwrap()],
        );
    }
    let a = snapshot(inc);
    assert_eq!(a.0, b.0, "report from the state");
    assert_eq!(a.1, b.1, "suppression CSV");
    assert_eq!(a.2, b.2, "suppression JSON with the at-risk list");
    let d = &a.0["deliveries"];
    assert_eq!(
        (
            d["total"].as_u64(),
            d["hard"].as_u64(),
            d["soft"].as_u64(),
            d["block"].as_u64(),
            d["pending"].as_u64()
        ),
        (
            Some(truth.total),
            Some(truth.hard),
            Some(truth.soft),
            Some(truth.block),
            Some(truth.pending)
        )
    );
    assert_eq!(d["deferral_attempts"].as_u64(), Some(truth.deferral_attempts));
    assert_eq!(exported(inc), sets.suppressed);

    // Unchanged file: nothing is read and nothing changes.
    let before = inc.table_counts();
    let rerun = json(&ok(
        inc,
        &[
            "analyze",
            "-q",
            "--incremental",
            "--format",
            "json",
            growing.to_str().unwrap(),
        ],
    ));
    assert_eq!(rerun["inputs"][0]["lines"], 0);
    assert_eq!(rerun["suppression"]["new"], 0);
    assert_eq!(inc.table_counts(), before);
    assert_eq!(snapshot(inc), a);
    // Reading the whole file again without --incremental changes nothing either.
    ok(inc, &["analyze", "-q", growing.to_str().unwrap()]);
    assert_eq!(inc.table_counts(), before);
    assert_eq!(snapshot(inc), a);
}

#[test]
fn rotation_and_truncation_count_nothing_twice_and_lose_nothing() {
    let dir = fresh_dir("state-rotate");
    let (whole, _, _) = generated(&dir, 7, 2 << 20);
    let one = dir.join("one.db");
    ok(&one, &["analyze", "-q", whole.to_str().unwrap()]);
    let want = snapshot(&one);
    for backend in backends() {
        let sub = dir.join(format!("{backend:?}"));
        std::fs::create_dir_all(&sub).unwrap();
        let inc = State::new(backend, &sub, "inc");
        rotated_reads(&inc, &sub, &whole);
        assert_eq!(snapshot(&inc), want, "{backend:?}");
    }
}

fn rotated_reads(inc: &State, dir: &Path, whole: &Path) {
    let text = std::fs::read(whole).unwrap();
    let cut = |f: usize| {
        text[..text.len() * f / 10]
            .iter()
            .rposition(|&c| c == b'\n')
            .unwrap()
            + 1
    };
    let (a, b, c) = (cut(3), cut(5), cut(8));
    let log = dir.join("mail.log");
    let log1 = dir.join("mail.log.1");
    let log2 = dir.join("mail.log.2.gz");
    let s = |p: &Path| p.to_str().unwrap().to_string();

    std::fs::write(&log, &text[..a]).unwrap();
    ok(inc, &["analyze", "-q", "--incremental", &s(&log)]);
    // Lines written after that run, then rotation: mail.log → mail.log.1.
    std::fs::OpenOptions::new()
        .append(true)
        .open(&log)
        .unwrap()
        .write_all(&text[a..b])
        .unwrap();
    std::fs::rename(&log, &log1).unwrap();
    std::fs::write(&log, &text[b..c]).unwrap();
    ok(inc, &["analyze", "-q", "--incremental", &s(&log1), &s(&log)]);
    // Next rotation: mail.log.1 is compressed to mail.log.2.gz, mail.log → mail.log.1.
    let mut gz =
        flate2::write::GzEncoder::new(std::fs::File::create(&log2).unwrap(), flate2::Compression::fast());
    gz.write_all(&std::fs::read(&log1).unwrap()).unwrap();
    gz.finish().unwrap();
    std::fs::remove_file(&log1).unwrap();
    std::fs::rename(&log, &log1).unwrap();
    std::fs::write(&log, b"").unwrap();
    let out = json(&ok(
        inc,
        &[
            "analyze",
            "-q",
            "--incremental",
            "--format",
            "json",
            &s(&log2),
            &s(&log1),
            &s(&log),
        ],
    ));
    let lines: u64 = out["inputs"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["lines"].as_u64().unwrap())
        .sum();
    assert_eq!(lines, 0, "nothing new after rotation: {out}");
    // copytruncate: mail.log is copied away and truncated in place, then written again.
    std::fs::write(&log, &text[c..]).unwrap();
    ok(
        inc,
        &["analyze", "-q", "--incremental", &s(&log2), &s(&log1), &s(&log)],
    );
}

/// Starts `analyze --incremental` on `log` into `state` in the background,
/// for the kill tests.
fn spawn_incremental(state: impl AsRef<OsStr>, log: &Path, dir: &Path) -> std::process::Child {
    std::process::Command::new(assert_cmd::cargo::cargo_bin("bouncectl"))
        .args([
            "analyze",
            "-q",
            "--incremental",
            "--threads",
            "2",
            "--now",
            NOW,
            "--state",
        ])
        .arg(state.as_ref())
        .arg(log)
        .env("XDG_STATE_HOME", dir)
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap()
}

#[test]
fn a_run_killed_mid_way_leaves_the_state_as_an_uninterrupted_run() {
    let dir = fresh_dir("state-kill");
    let (log, _, _) = generated(&dir, 8, 12 << 20);
    let state = dir.join("killed.db");
    let fresh = dir.join("fresh.db");
    let started = std::time::Instant::now();
    ok(&fresh, &["analyze", "-q", "--incremental", log.to_str().unwrap()]);
    let full = started.elapsed().as_millis() as u64;
    // A deterministic spread of delays, from before the first write to the commit.
    let mut seed = std::process::id() as u64 | 1;
    let mut killed = 0;
    // Four rounds that end in a kill: a run that finishes before its delay
    // (the machine was faster this time) is not a round, and the next delay
    // is shorter. A bounded number of tries keeps the test finite.
    let mut window = full;
    let mut round = 0;
    for _ in 0..40 {
        if killed == 4 {
            break;
        }
        round += 1;
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        // Somewhere between a tenth and nine tenths of a whole run.
        let delay = std::time::Duration::from_millis(window / 10 + seed % (window * 8 / 10).max(1));
        let mut child = spawn_incremental(&state, &log, &dir);
        std::thread::sleep(delay);
        if child.try_wait().unwrap().is_none() {
            child.kill().unwrap(); // SIGKILL on Unix
            killed += 1;
            eprintln!("round {round}: killed after {delay:?}");
        } else {
            // It finished: start again from an empty state, with less time.
            for suffix in ["", "-journal", "-wal", "-shm"] {
                let _ = std::fs::remove_file(format!("{}{suffix}", state.display()));
            }
            killed = 0;
            window = window * 2 / 3;
            eprintln!("round {round}: finished within {delay:?}; starting over");
        }
        let _ = child.wait();
    }
    assert_eq!(
        killed, 4,
        "could not kill four runs in a row: make the log larger"
    );
    ok(&state, &["analyze", "-q", "--incremental", log.to_str().unwrap()]);
    assert_eq!(snapshot(&state), snapshot(&fresh));
    assert_eq!(table_counts(&state)[..4], table_counts(&fresh)[..4]);
}

fn sample_state(dir: &Path) -> PathBuf {
    let state = dir.join("state.db");
    ok(&state, &["analyze", "-q", SAMPLE]);
    state
}

fn sample_state_on(backend: Backend, dir: &Path) -> State {
    let state = State::new(backend, dir, "sample");
    ok(&state, &["analyze", "-q", SAMPLE]);
    state
}

#[test]
fn exports_history_and_report_match_their_expected_files() {
    for backend in backends() {
        exports_match(backend);
    }
}

fn exports_match(backend: Backend) {
    let dir = fresh_dir("state-fixtures");
    let state = sample_state_on(backend, &dir);
    for (format, file) in [
        ("csv", "sample.suppress.csv"),
        ("txt", "sample.suppress.txt"),
        ("json", "sample.suppress.json"),
        ("postfix-access", "sample.suppress.access"),
        ("ses", "sample.suppress.ses.csv"),
        ("sendgrid", "sample.suppress.sendgrid.csv"),
        ("mailgun", "sample.suppress.mailgun.csv"),
        ("postmark", "sample.suppress.postmark.json"),
        ("sparkpost", "sample.suppress.sparkpost.csv"),
    ] {
        let out = dir.join(file);
        ok(
            &state,
            &[
                "suppress",
                "-q",
                "--format",
                format,
                "--out",
                out.to_str().unwrap(),
            ],
        );
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            assert_eq!(
                std::fs::metadata(&out).unwrap().permissions().mode() & 0o777,
                0o600,
                "{file}"
            );
        }
        assert_matches_file(
            &Path::new("fixtures/state").join(file),
            &std::fs::read(&out).unwrap(),
        );
    }
    let at_risk = ok(&state, &["suppress", "-q", "--include-at-risk"]);
    assert_matches_file(Path::new("fixtures/state/sample.suppress-at-risk.csv"), &at_risk);
    for (address, name) in [
        ("erin@gmx.de", "erin"),
        ("old.customer@gmail.com", "old-customer"),
    ] {
        let table = ok(&state, &["history", address]);
        assert_matches_file(
            &Path::new("fixtures/state").join(format!("sample.history.{name}.txt")),
            &table,
        );
        let js = ok(&state, &["history", address, "--format", "json"]);
        assert_matches_file(
            &Path::new("fixtures/state").join(format!("sample.history.{name}.json")),
            &js,
        );
    }
    let report = ok(&state, &["report"]);
    assert_matches_file(Path::new("fixtures/state/sample.report.txt"), &report);
    let report = ok(&state, &["report", "--format", "json"]);
    assert_matches_file(Path::new("fixtures/state/sample.report.json"), &report);
    // The report from the state is analyze's report, but for inputs and the
    // first event (a non-delivery line).
    let (code, analyzed, _) =
        run(bouncectl().args(["analyze", "-q", "--no-state", "--format", "json", SAMPLE]));
    assert_eq!(code, 0);
    let (mut a, mut b) = (json(&analyzed), json(&report));
    for v in [&mut a, &mut b] {
        let o = v.as_object_mut().unwrap();
        o.remove("inputs");
        o.remove("period");
    }
    assert_eq!(a, b);
}

#[test]
fn since_limits_exports_and_the_report() {
    for backend in backends() {
        since_limits(backend);
    }
}

fn since_limits(backend: Backend) {
    let dir = fresh_dir("state-since");
    let state = sample_state_on(backend, &dir);
    let all = ok(&state, &["suppress", "-q", "--format", "txt"]);
    assert_eq!(String::from_utf8_lossy(&all).lines().count(), 6);
    let late = ok(
        &state,
        &[
            "suppress",
            "-q",
            "--format",
            "txt",
            "--since",
            "2026-11-16T09:00:00Z",
        ],
    );
    assert_eq!(String::from_utf8_lossy(&late), "erin@gmx.de\nnina@gmail.com\n");
    let none = ok(&state, &["suppress", "-q", "--format", "txt", "--since", "1d"]);
    assert!(none.is_empty());
    let week = json(&ok(&state, &["report", "--format", "json", "--since", "3w"]));
    assert_eq!(week["deliveries"]["total"], 80);
    let (code, _, err) = state_cmd(&state, &["report", "--since", "yesterday"]);
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("--since"), "{err}");
}

#[test]
fn unsuppress_is_kept_and_old_outcomes_do_not_suppress_again() {
    for backend in backends() {
        unsuppress_sticks(backend);
    }
}

fn unsuppress_sticks(backend: Backend) {
    let dir = fresh_dir("state-unsuppress");
    let state = sample_state_on(backend, &dir);
    let (code, _, err) = state_cmd(
        &state,
        &["unsuppress", "Erin@GMX.de", "--reason", "mailbox cleaned up"],
    );
    assert_eq!(code, 0, "{err}");
    assert!(
        err.contains("erin@gmx.de: unsuppressed (was soft bounce, mailboxfull)"),
        "{err}"
    );
    assert!(!exported(&state).contains("erin@gmx.de"));
    ok(&state, &["analyze", "-q", SAMPLE]);
    assert!(
        !exported(&state).contains("erin@gmx.de"),
        "re-reading old logs suppressed it again"
    );
    let h = json(&ok(&state, &["history", "erin@gmx.de", "--format", "json"]));
    assert_eq!(h["status"], "ok");
    let last = h["events"].as_array().unwrap().last().unwrap().clone();
    assert_eq!(last["event"], "unsuppress");
    assert_eq!(last["note"], "mailbox cleaned up");
    // A new hard bounce after the unsuppress counts.
    let newer = dir.join("newer.log");
    std::fs::write(
        &newer,
        "2026-12-02T10:00:00.000000+00:00 mx1 postfix/smtp[1]: 9F00000001: to=<erin@gmx.de>, relay=mx00.emig.gmx.net[212.227.15.9]:25, delay=1, delays=0/0/0/1, dsn=5.1.1, status=bounced (host mx00.emig.gmx.net[212.227.15.9] said: 550 5.1.1 <erin@gmx.de>: user unknown (in reply to RCPT TO command))\n",
    )
    .unwrap();
    ok(&state, &["analyze", "-q", newer.to_str().unwrap()]);
    assert!(exported(&state).contains("erin@gmx.de"));
}

#[test]
fn filter_drops_suppressed_rows_and_says_why() {
    for backend in backends() {
        filter_drops(backend);
    }
}

fn filter_drops(backend: Backend) {
    let dir = fresh_dir("state-filter");
    let state = sample_state_on(backend, &dir);
    let out = dir.join("clean.csv");
    let (code, _, err) = state_cmd(
        &state,
        &[
            "filter",
            "fixtures/state/send-list.csv",
            "--out",
            out.to_str().unwrap(),
        ],
    );
    assert_eq!(code, 0, "{err}");
    assert!(
        err.contains("kept 4 of 7 rows; dropped 3 suppressed: 2 hard (1 suspend, 1 userunknown), 1 soft (1 mailboxfull)"),
        "{err}"
    );
    assert_matches_file(
        Path::new("fixtures/state/send-list.clean.csv"),
        &std::fs::read(&out).unwrap(),
    );
}

#[test]
fn bad_state_files_and_usage_errors_are_clear() {
    let dir = fresh_dir("state-errors");
    let junk = dir.join("junk.db");
    std::fs::write(&junk, "this is my shopping list\n").unwrap();
    let (code, _, err) = state_cmd(&junk, &["analyze", "-q", SAMPLE]);
    assert_eq!(code, 1);
    assert!(
        err.contains("not a bouncectl state database") && err.contains("left untouched"),
        "{err}"
    );
    assert_eq!(
        std::fs::read_to_string(&junk).unwrap(),
        "this is my shopping list\n"
    );

    let missing = dir.join("none.db");
    let (code, _, err) = state_cmd(&missing, &["suppress"]);
    assert_eq!(code, 1);
    assert!(err.contains("no state yet"), "{err}");
    assert!(!missing.exists());

    let (code, _, err) = run(bouncectl()
        .args(["analyze", "--incremental", "-"])
        .write_stdin("x\n"));
    assert_eq!(code, 2, "{err}");
    let (code, _, err) = run(bouncectl().args(["suppress", "--no-state"]));
    assert_eq!(code, 2, "{err}");
    let (code, _, err) = run(bouncectl().args(["analyze", "--incremental", "--no-state", SAMPLE]));
    assert_eq!(code, 2, "{err}");

    // A run holding the lock makes the next one wait, then fail clearly.
    let state = sample_state(&dir);
    let holder = rusqlite::Connection::open(&state).unwrap();
    holder.execute_batch("BEGIN IMMEDIATE").unwrap();
    let (code, _, err) = state_cmd(&state, &["analyze", "-q", "--lock-timeout", "1", SAMPLE]);
    assert_eq!(code, 1);
    assert!(err.contains("another bouncectl run is using the state"), "{err}");
    holder.execute_batch("ROLLBACK").unwrap();
    ok(&state, &["analyze", "-q", "--lock-timeout", "1", SAMPLE]);
}

#[test]
fn the_default_state_lives_under_xdg_state_home_with_private_modes() {
    let dir = fresh_dir("state-xdg");
    let (code, _, err) = run(bouncectl()
        .env("XDG_STATE_HOME", &dir)
        .args(["analyze", "-q", SAMPLE]));
    assert_eq!(code, 0, "{err}");
    let db = dir.join("bouncectl/state.db");
    assert!(db.is_file());
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        assert_eq!(
            std::fs::metadata(&db).unwrap().permissions().mode() & 0o777,
            0o600
        );
        assert_eq!(
            std::fs::metadata(db.parent().unwrap())
                .unwrap()
                .permissions()
                .mode()
                & 0o777,
            0o700
        );
    }
    let (code, out, _) = run(bouncectl()
        .env("XDG_STATE_HOME", &dir)
        .args(["suppress", "--format", "txt", "-q"]));
    assert_eq!(code, 0);
    assert_eq!(String::from_utf8_lossy(&out).lines().count(), 6);
}

/// Two ESP exports with complaints, unsubscribes and refusals to send to
/// addresses the ESP had suppressed.
const ESP_EXPORTS: [&str; 2] = [
    "fixtures/esp/ses-bounce-events.jsonl",
    "fixtures/esp/sendgrid-events.json",
];

#[test]
fn esp_signals_are_kept_in_the_state_and_suppress_with_their_reason() {
    for backend in backends() {
        esp_signals(backend);
    }
}

fn esp_signals(backend: Backend) {
    let dir = fresh_dir("state-esp");
    let state = State::new(backend, &dir, "esp");
    // A host name of its own: the history shows it.
    let mut args = vec!["analyze", "-q", "--format", "json", "--host", "esp-import"];
    args.extend(ESP_EXPORTS);
    let analyzed = json(&ok(&state, &args));
    let causes = &analyzed["suppression"]["by_cause"];
    assert!(
        causes["complaint"].as_u64() > Some(0)
            && causes["unsubscribe"].as_u64() > Some(0)
            && causes["esp"].as_u64() > Some(0),
        "{causes}"
    );
    // Stored: the export and the report from the state, without the inputs.
    let csv = ok(&state, &["suppress", "-q", "--format", "csv"]);
    assert_matches_file(Path::new("fixtures/state/esp.suppress.csv"), &csv);
    let ses = ok(&state, &["suppress", "-q", "--format", "ses"]);
    assert_matches_file(Path::new("fixtures/state/esp.suppress.ses.csv"), &ses);
    let access = ok(&state, &["suppress", "-q", "--format", "postfix-access"]);
    assert_matches_file(Path::new("fixtures/state/esp.suppress.access"), &access);
    for (address, name) in [("annoyed@example.net", "annoyed"), ("bye@example.com", "bye")] {
        let table = ok(&state, &["history", address]);
        assert_matches_file(
            &Path::new("fixtures/state").join(format!("esp.history.{name}.txt")),
            &table,
        );
        let js = ok(&state, &["history", address, "--format", "json"]);
        assert_matches_file(
            &Path::new("fixtures/state").join(format!("esp.history.{name}.json")),
            &js,
        );
    }
    let report = json(&ok(&state, &["report", "-q", "--format", "json"]));
    assert_eq!(report["suppression"]["by_cause"], *causes);
    assert_eq!(report["suppression"]["total"], analyzed["suppression"]["total"]);
    // Reading the exports again stores nothing new and suppresses nothing new.
    let before = state.table_counts();
    let again = json(&ok(&state, &args));
    assert_eq!(again["suppression"]["new"], 0);
    assert_eq!(state.table_counts(), before);
    assert!(before[6] > 0, "signals stored: {before:?}");
    // The one-shot list holds them too.
    let mut one_shot = vec!["suppress", "-q", "--no-state", "--format", "csv"];
    one_shot.extend(ESP_EXPORTS);
    let (code, out, err) = run(bouncectl().args(&one_shot));
    assert_eq!(code, 0, "{err}");
    assert_eq!(out, csv);
}

/// The log's lines in two halves by queue id (every line of one message in
/// the same half), as two MTAs would log them.
fn split_by_queue_id(log: &Path, dir: &Path) -> (PathBuf, PathBuf) {
    let text = std::fs::read(log).unwrap();
    let (mut a, mut b) = (Vec::new(), Vec::new());
    for line in text.split_inclusive(|&c| c == b'\n') {
        let queue_id = line
            .windows(3)
            .position(|w| w == b"]: ")
            .map(|i| &line[i + 3..])
            .and_then(|rest| rest.iter().position(|&c| c == b':').map(|j| &rest[..j]))
            .unwrap_or(b"");
        if bouncectl::state::fnv1a(queue_id).is_multiple_of(2) {
            a.extend_from_slice(line);
        } else {
            b.extend_from_slice(line);
        }
    }
    let (pa, pb) = (dir.join("mx1.log"), dir.join("mx2.log"));
    std::fs::write(&pa, a).unwrap();
    std::fs::write(&pb, b).unwrap();
    (pa, pb)
}

#[test]
fn two_hosts_writing_at_once_equal_one_run_over_the_whole_log() {
    let dir = fresh_dir("state-fleet");
    let (whole, truth, sets) = generated(&dir, 9, 4 << 20);
    let (half1, half2) = split_by_queue_id(&whole, &dir);
    let one = dir.join("one.db");
    ok(&one, &["analyze", "-q", whole.to_str().unwrap()]);
    let want = snapshot(&one);
    assert_eq!(exported(&one), sets.suppressed);
    for backend in backends() {
        let state = State::new(backend, &dir, "fleet");
        let bin = assert_cmd::cargo::cargo_bin("bouncectl");
        let started = std::time::Instant::now();
        // At once: on PostgreSQL both write together; SQLite's lock makes
        // the second wait for the first.
        let children: Vec<_> = [("mx1", &half1), ("mx2", &half2)]
            .into_iter()
            .map(|(host, log)| {
                std::process::Command::new(&bin)
                    .args(["analyze", "-q", "--threads", "1", "--now", NOW, "--host", host])
                    .arg("--state")
                    .arg(&state)
                    .arg(log)
                    .env("XDG_STATE_HOME", &dir)
                    .stdout(std::process::Stdio::null())
                    .stderr(std::process::Stdio::piped())
                    .spawn()
                    .unwrap()
            })
            .collect();
        for child in children {
            let out = child.wait_with_output().unwrap();
            assert!(
                out.status.success(),
                "{backend:?}: {}",
                String::from_utf8_lossy(&out.stderr)
            );
        }
        eprintln!("{backend:?}: two hosts at once in {:?}", started.elapsed());
        let got = snapshot(&state);
        assert_eq!(got.0, want.0, "{backend:?}: report from the state");
        assert_eq!(got.1, want.1, "{backend:?}: suppression CSV");
        assert_eq!(
            got.2, want.2,
            "{backend:?}: suppression JSON with the at-risk list"
        );
        assert_eq!(got.0["deliveries"]["total"].as_u64(), Some(truth.total));
        // Reading a half again (from either host) doubles nothing.
        let before = state.table_counts();
        ok(
            &state,
            &["analyze", "-q", "--host", "mx2", half2.to_str().unwrap()],
        );
        assert_eq!(state.table_counts(), before, "{backend:?}");
    }
}

#[test]
fn prune_deletes_old_rows_and_keeps_every_suppression() {
    for backend in backends() {
        prune_keeps_suppressions(backend);
    }
}

fn prune_keeps_suppressions(backend: Backend) {
    let dir = fresh_dir("state-prune");
    let state = sample_state_on(backend, &dir);
    let list = exported(&state);
    let before = state.table_counts();
    // The sample log is of 2026-11-16; the clock is 2026-12-01.
    let out = String::from_utf8(ok(&state, &["prune", "--older-than", "400d"])).unwrap();
    assert!(
        out.starts_with("deleted 0 deliveries, 0 pending deliveries, 0 deferrals"),
        "{out}"
    );
    let dry = String::from_utf8(ok(&state, &["prune", "--older-than", "10d", "--dry-run"])).unwrap();
    let want = format!(
        "would delete {} deliveries, {} pending deliveries, {} deferrals and 0 ESP signals from before 2026-11-21T00:00:00Z",
        before[0], before[1], before[2]
    );
    assert!(dry.starts_with(&want), "{dry}\nwanted: {want}");
    assert_eq!(state.table_counts(), before);
    ok(&state, &["prune", "-q", "--older-than", "10d"]);
    let after = state.table_counts();
    assert_eq!(after[..3], [0, 0, 0]);
    assert_eq!(after[3], before[3], "addresses are kept");
    assert_eq!(exported(&state), list);
    let h = json(&ok(&state, &["history", "erin@gmx.de", "--format", "json"]));
    assert_eq!(h["status"], "suppressed");
    assert_eq!(h["suppressed"]["reason"], "mailboxfull");
    // Reading the log again after pruning suppresses nothing new.
    let again = json(&ok(&state, &["analyze", "-q", "--format", "json", SAMPLE]));
    assert_eq!(again["suppression"]["new"], 0);
    assert_eq!(exported(&state), list);
    let (code, _, err) = state_cmd(&state, &["prune", "--older-than", "soon"]);
    assert_eq!(code, 2, "{err}");
}

const CONTRADICTED: &str = "fixtures/state/contradicted.log";
/// A second day's log: a delivery to the address that bounced hard in
/// `CONTRADICTED` and was not delivered to there.
const CONTRADICTED_LATER: &str = "fixtures/state/contradicted.later.log";

/// The rows of a `suppress --contradicted --format csv` export, by header.
fn csv_rows(bytes: &[u8]) -> Vec<std::collections::BTreeMap<String, String>> {
    let mut r = csv::Reader::from_reader(bytes);
    let header: Vec<String> = r.headers().unwrap().iter().map(String::from).collect();
    r.records()
        .map(|rec| {
            header
                .iter()
                .cloned()
                .zip(rec.unwrap().iter().map(String::from))
                .collect()
        })
        .collect()
}

#[test]
fn a_hard_bounced_address_delivered_to_later_is_contradicted_and_unsuppressed_with_a_note() {
    for backend in backends() {
        contradicted_in_one_run(backend);
        contradicted_across_runs(backend);
    }
}

fn contradicted_in_one_run(backend: Backend) {
    let dir = fresh_dir("state-contradicted");
    let state = State::new(backend, &dir, "contradicted");
    ok(&state, &["analyze", "-q", CONTRADICTED]);
    // Both hard bounces suppress; every suppressed address has its rule.
    let all = csv_rows(&ok(&state, &["suppress", "-q", "--format", "csv"]));
    assert_eq!(all.len(), 2, "{all:?}");
    assert!(all.iter().all(|r| r["rule"] == "userunknown.rcpt"), "{all:?}");
    // Only back@ accepted mail after its hard bounce (gone@ was delivered
    // to before its bounce only).
    let rows = csv_rows(&ok(
        &state,
        &["suppress", "-q", "--contradicted", "--format", "csv"],
    ));
    assert_eq!(rows.len(), 1, "{rows:?}");
    assert_eq!(rows[0]["address"], "back@example.net");
    assert_eq!(rows[0]["class"], "hard");
    assert_eq!(rows[0]["rule"], "userunknown.rcpt");
    assert_eq!(rows[0]["bounced_at"], "2026-11-20T08:00:01Z");
    assert_eq!(rows[0]["delivered_at"], "2026-11-20T09:00:01Z");
    let js = json(&ok(
        &state,
        &["suppress", "-q", "--contradicted", "--format", "json"],
    ));
    let list = js["suppressions"].as_array().unwrap();
    assert_eq!(list.len(), 1, "{js}");
    assert_eq!(list[0]["address"], "back@example.net");
    assert_eq!(list[0]["rule"], "userunknown.rcpt");
    assert_eq!(list[0]["bounced_at"], "2026-11-20T08:00:01Z");
    assert_eq!(list[0]["delivered_at"], "2026-11-20T09:00:01Z");
    // The other formats list the same address, in their exact layout.
    for (format, want) in [
        ("txt", "back@example.net\n"),
        ("ses", "back@example.net,BOUNCE\n"),
        ("sendgrid", "email\nback@example.net\n"),
    ] {
        let out = ok(&state, &["suppress", "-q", "--contradicted", "--format", format]);
        assert_eq!(String::from_utf8_lossy(&out), want, "{format}");
    }
    let (code, _, err) = state_cmd(&state, &["suppress", "--contradicted", "--include-at-risk"]);
    assert_eq!(code, 2, "{err}");
    // The history shows the rule of each bounce.
    let h = json(&ok(&state, &["history", "back@example.net", "--format", "json"]));
    assert_eq!(h["suppressed"]["rule"], "userunknown.rcpt");
    assert_eq!(h["events"][0]["rule"], "userunknown.rcpt");
    assert_eq!(h["events"][1]["outcome"], "delivered");
    assert!(h["events"][1]["rule"].is_null(), "{h}");
    let table = String::from_utf8(ok(&state, &["history", "back@example.net"])).unwrap();
    assert!(table.contains("userunknown.rcpt"), "{table}");
    assert!(
        table.contains("[delivered after the hard bounce: contradicted]"),
        "{table}"
    );

    let (code, _, err) = state_cmd(&state, &["unsuppress", "--contradicted"]);
    assert_eq!(code, 0, "{err}");
    assert!(err.contains("1 contradicted address unsuppressed"), "{err}");
    assert!(
        err.contains("back@example.net: unsuppressed (was hard bounce, userunknown)"),
        "{err}"
    );
    assert_eq!(exported(&state), BTreeSet::from(["gone@example.org".to_string()]));
    assert!(ok(&state, &["suppress", "-q", "--contradicted", "--format", "txt"]).is_empty());
    let h = json(&ok(&state, &["history", "back@example.net", "--format", "json"]));
    assert_eq!(h["status"], "ok");
    let last = h["events"].as_array().unwrap().last().unwrap().clone();
    assert_eq!(last["event"], "unsuppress");
    assert_eq!(
        last["note"],
        "contradicted: delivered at 2026-11-20T09:00:01Z after the hard bounce of \
         2026-11-20T08:00:01Z (rule userunknown.rcpt)"
    );
    let table = String::from_utf8(ok(&state, &["history", "back@example.net"])).unwrap();
    assert!(
        table.contains("contradicted: delivered at 2026-11-20T09:00:01Z after the hard bounce of 2026-11-20T08:00:01Z (rule userunknown.rcpt)"),
        "{table}"
    );
    // Reading the log again does not suppress it again; a second
    // unsuppress --contradicted finds nothing.
    ok(&state, &["analyze", "-q", CONTRADICTED]);
    assert!(!exported(&state).contains("back@example.net"));
    let (code, _, err) = state_cmd(&state, &["unsuppress", "--contradicted"]);
    assert_eq!(code, 0, "{err}");
    assert!(err.contains("0 contradicted addresses unsuppressed"), "{err}");
    // Addresses and --contradicted do not mix; without either it is an error.
    let (code, _, err) = state_cmd(&state, &["unsuppress", "--contradicted", "gone@example.org"]);
    assert_eq!(code, 2, "{err}");
    let (code, _, err) = state_cmd(&state, &["unsuppress"]);
    assert_eq!(code, 2, "{err}");
    assert!(exported(&state).contains("gone@example.org"));
}

fn contradicted_across_runs(backend: Backend) {
    let dir = fresh_dir("state-contradicted-runs");
    let state = State::new(backend, &dir, "contradicted_runs");
    ok(&state, &["analyze", "-q", CONTRADICTED]);
    let first = csv_rows(&ok(
        &state,
        &["suppress", "-q", "--contradicted", "--format", "csv"],
    ));
    assert_eq!(
        first.iter().map(|r| r["address"].as_str()).collect::<Vec<_>>(),
        ["back@example.net"]
    );
    // The second day's log, read by a later run, delivers to gone@.
    ok(&state, &["analyze", "-q", CONTRADICTED_LATER]);
    let rows = csv_rows(&ok(
        &state,
        &["suppress", "-q", "--contradicted", "--format", "csv"],
    ));
    assert_eq!(rows.len(), 2, "{rows:?}");
    assert_eq!(rows[1]["address"], "gone@example.org");
    assert_eq!(rows[1]["rule"], "userunknown.rcpt");
    assert_eq!(rows[1]["bounced_at"], "2026-11-20T08:01:01Z");
    assert_eq!(rows[1]["delivered_at"], "2026-11-21T10:00:01Z");
    let (code, _, err) = state_cmd(&state, &["unsuppress", "--contradicted", "--reason", "checked"]);
    assert_eq!(code, 0, "{err}");
    assert!(err.contains("2 contradicted addresses unsuppressed"), "{err}");
    assert!(exported(&state).is_empty());
    let h = json(&ok(&state, &["history", "gone@example.org", "--format", "json"]));
    let last = h["events"].as_array().unwrap().last().unwrap().clone();
    assert_eq!(
        last["note"],
        "contradicted: delivered at 2026-11-21T10:00:01Z after the hard bounce of \
         2026-11-20T08:01:01Z (rule userunknown.rcpt); checked"
    );
}

#[test]
fn a_postgres_url_that_cannot_be_reached_is_named_without_its_password() {
    // Port 1 on the loopback address: nothing listens there.
    let (code, _, err) = run(bouncectl().args([
        "analyze",
        "-q",
        "--state",
        "postgres://bounce:hunter2@127.0.0.1:1/bounces",
        SAMPLE,
    ]));
    assert_eq!(code, 1, "{err}");
    assert!(
        err.contains("cannot connect to postgres://bounce:***@127.0.0.1:1/bounces")
            && err.contains("is the server running"),
        "{err}"
    );
    assert!(!err.contains("hunter2"), "{err}");
}

#[test]
fn postgres_refuses_a_foreign_database_and_waits_for_a_run_of_the_same_host() {
    let Some(_) = pg_admin() else { return };
    let dir = fresh_dir("state-pg-errors");
    let foreign = State::new(Backend::Postgres, &dir, "foreign");
    {
        let mut c = postgres::Client::connect(&foreign.spec, postgres::NoTls).unwrap();
        c.batch_execute("CREATE TABLE orders (id int)").unwrap();
    }
    let (code, _, err) = state_cmd(&foreign, &["analyze", "-q", SAMPLE]);
    assert_eq!(code, 1);
    assert!(
        err.contains("tables of another program") && err.contains("left untouched"),
        "{err}"
    );

    let empty = State::new(Backend::Postgres, &dir, "empty");
    let (code, _, err) = state_cmd(&empty, &["suppress"]);
    assert_eq!(code, 1);
    assert!(err.contains("no state yet"), "{err}");

    // A run of host mx1 holds its lock: the next mx1 run waits, then fails
    // clearly; a run of mx2 goes on.
    let state = sample_state_on(Backend::Postgres, &dir);
    let mut holder = postgres::Client::connect(&state.spec, postgres::NoTls).unwrap();
    let key = bouncectl::state::fnv1a(b"mx1") as u32 as i32;
    let mut tx = holder.transaction().unwrap();
    tx.execute(
        "SELECT pg_advisory_xact_lock($1, $2)",
        &[&(0x626e_6365_i32 + 1), &key],
    )
    .unwrap();
    let (code, _, err) = state_cmd(
        &state,
        &["analyze", "-q", "--host", "mx1", "--lock-timeout", "1", SAMPLE],
    );
    assert_eq!(code, 1);
    assert!(err.contains("another bouncectl run is using the state"), "{err}");
    ok(
        &state,
        &["analyze", "-q", "--host", "mx2", "--lock-timeout", "1", SAMPLE],
    );
    tx.rollback().unwrap();
    ok(
        &state,
        &["analyze", "-q", "--host", "mx1", "--lock-timeout", "1", SAMPLE],
    );
}

/// A delivery on one host between soft bounces on another: whichever host's
/// run comes first (or both at once), the delivery breaks the streak.
#[test]
fn time_order_across_hosts_decides_whichever_run_comes_first() {
    let dir = fresh_dir("state-order");
    let line = |ts: &str, host: &str, qid: &str, tail: &str| {
        format!(
            "2026-11-20T10:00:{ts}.000000+00:00 {host} postfix/smtp[7]: {qid}: to=<x@example.org>, \
             relay=mx.example.org[192.0.2.1]:25, delay=1, delays=0/0/0/1, {tail}\n"
        )
    };
    let soft = "dsn=5.2.2, status=bounced (host mx.example.org[192.0.2.1] said: 552 5.2.2 Mailbox full (in reply to RCPT TO command))";
    let sent = "dsn=2.0.0, status=sent (250 2.0.0 Ok: queued as 4F00)";
    let mx1 = dir.join("mx1.log");
    std::fs::write(&mx1, line("15", "mx1", "1A00000001", sent)).unwrap();
    let mx2 = dir.join("mx2.log");
    let bounces: String = [("10", "2B00000001"), ("20", "2B00000002"), ("30", "2B00000003")]
        .iter()
        .map(|(ts, q)| line(ts, "mx2", q, soft))
        .collect();
    std::fs::write(&mx2, bounces).unwrap();
    let status = |state: &State| {
        let h = json(&ok(state, &["history", "x@example.org", "--format", "json"]));
        (
            h["status"].as_str().unwrap().to_string(),
            h["soft_streak"].as_u64().unwrap(),
        )
    };
    let analyze = |state: &State, host: &str, log: &Path| {
        ok(state, &["analyze", "-q", "--host", host, log.to_str().unwrap()]);
    };
    let want = ("at_risk".to_string(), 2);
    for backend in backends() {
        // The bounces alone suppress.
        let alone = State::new(backend, &dir, "alone");
        analyze(&alone, "mx2", &mx2);
        assert_eq!(status(&alone).0, "suppressed", "{backend:?}");
        for (first, second) in [(("mx1", &mx1), ("mx2", &mx2)), (("mx2", &mx2), ("mx1", &mx1))] {
            let state = State::new(backend, &dir, &format!("{}-first", first.0));
            analyze(&state, first.0, first.1);
            analyze(&state, second.0, second.1);
            assert_eq!(status(&state), want, "{backend:?}: {} first", first.0);
        }
        let bin = assert_cmd::cargo::cargo_bin("bouncectl");
        for round in 0..5 {
            let state = State::new(backend, &dir, &format!("together-{round}"));
            let children: Vec<_> = [("mx1", &mx1), ("mx2", &mx2)]
                .into_iter()
                .map(|(host, log)| {
                    std::process::Command::new(&bin)
                        .args(["analyze", "-q", "--now", NOW, "--host", host, "--state"])
                        .arg(&state)
                        .arg(log)
                        .env("XDG_STATE_HOME", &dir)
                        .stdout(std::process::Stdio::null())
                        .spawn()
                        .unwrap()
                })
                .collect();
            for mut c in children {
                assert!(c.wait().unwrap().success());
            }
            assert_eq!(status(&state), want, "{backend:?}: at once, round {round}");
        }
    }
}

#[test]
fn every_state_command_takes_the_state_from_the_config_file() {
    for backend in backends() {
        let dir = fresh_dir("state-config");
        let state = sample_state_on(backend, &dir);
        let config = dir.join("config.toml");
        // A TOML basic string: the URL or path has no quote or backslash.
        std::fs::write(&config, format!("state = \"{}\"\n", state.spec)).unwrap();
        let with_config = |args: &[&str]| {
            let (code, out, err) = run(bouncectl()
                .arg("--config")
                .arg(&config)
                .args(args)
                .args(["--now", NOW]));
            assert_eq!(code, 0, "{backend:?} {args:?}: {err}");
            out
        };
        let list = with_config(&["suppress", "-q", "--format", "txt"]);
        assert_eq!(String::from_utf8_lossy(&list).lines().count(), 6, "{backend:?}");
        let h = json(&with_config(&["history", "erin@gmx.de", "--format", "json"]));
        assert_eq!(h["status"], "suppressed");
        let dry = String::from_utf8(with_config(&["prune", "--older-than", "400d", "--dry-run"])).unwrap();
        assert!(dry.starts_with("would delete 0 deliveries"), "{dry}");
        with_config(&["unsuppress", "-q", "erin@gmx.de"]);
        assert!(!exported(&state).contains("erin@gmx.de"));
    }
}

#[test]
fn a_postgres_run_killed_mid_way_leaves_nothing_half_written() {
    let Some(_) = pg_admin() else { return };
    let dir = fresh_dir("state-pg-kill");
    let (log, _, _) = generated(&dir, 10, 8 << 20);
    let fresh = State::new(Backend::Postgres, &dir, "fresh");
    let started = std::time::Instant::now();
    ok(&fresh, &["analyze", "-q", "--incremental", log.to_str().unwrap()]);
    let full = started.elapsed();
    let state = State::new(Backend::Postgres, &dir, "killed");
    let mut killed = 0;
    for tenth in [5, 3, 7, 2] {
        let mut child = spawn_incremental(&state, &log, &dir);
        std::thread::sleep(full * tenth / 10);
        if child.try_wait().unwrap().is_none() {
            child.kill().unwrap(); // SIGKILL: the server rolls the transaction back
            killed += 1;
        }
        let _ = child.wait();
        // Nothing of a killed run is there, or all of a finished one.
        let counts = state.table_counts();
        assert!(
            counts[0] == 0 || counts[..5] == fresh.table_counts()[..5],
            "{counts:?}"
        );
    }
    eprintln!("killed {killed} of 4 runs");
    ok(&state, &["analyze", "-q", "--incremental", log.to_str().unwrap()]);
    assert_eq!(snapshot(&state), snapshot(&fresh));
    assert_eq!(state.table_counts(), fresh.table_counts());
}
