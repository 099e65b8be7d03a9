//! Issue 15, items 11 and 13: what a cron job sees from run to run. An
//! incremental run that finds nothing new says so and reports no delivery
//! (not the carried-over pending ones); a run whose report cannot be written
//! leaves the state as it was, so the next run reports those lines.

use crate::util::{assert_matches_file, bouncectl, fresh_dir, root, run};
use std::path::Path;

const SAMPLE: &str = "fixtures/postfix/sample.log";
const NOW: &str = "2026-12-01T00:00:00Z";

/// `analyze --incremental LOG --state STATE` plus `extra`.
fn incremental(state: &Path, log: &Path, extra: &[&str]) -> assert_cmd::Command {
    let mut cmd = bouncectl();
    cmd.args(["--now", NOW, "analyze", "--incremental", "--state"])
        .arg(state)
        .arg(log)
        .args(extra);
    cmd
}

fn json(bytes: &[u8]) -> serde_json::Value {
    serde_json::from_slice(bytes).expect("valid JSON")
}

#[test]
fn an_unchanged_incremental_run_says_nothing_new_and_reports_no_delivery() {
    let dir = fresh_dir("cron-nothing-new");
    let log = dir.join("mail.log");
    std::fs::copy(SAMPLE, &log).unwrap();
    let state = dir.join("state.db");
    let (code, first, err) = run(&mut incremental(&state, &log, &["--format", "json"]));
    assert_eq!(code, 0, "{err}");
    let first = json(&first);
    assert_eq!(first["deliveries"]["total"], 80);
    assert_eq!(
        first["deliveries"]["pending"], 1,
        "the sample leaves one delivery in flight"
    );

    // Nothing appended: no delivery is this run's, and the state's
    // suppression numbers are still shown.
    let (code, again, err) = run(&mut incremental(&state, &log, &["--format", "json"]));
    assert_eq!(code, 0, "{err}");
    let again = json(&again);
    assert_eq!(again["deliveries"]["total"], 0, "{again:#}");
    assert_eq!(again["deliveries"]["pending"], 0);
    let codes: Vec<&str> = again["alerts"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|a| a["code"].as_str())
        .collect();
    assert_eq!(codes, ["nothing-new"]);
    assert_eq!(again["suppression"]["total"], first["suppression"]["total"]);
    assert_eq!(again["suppression"]["new"], 0);

    // A partial line appended is not a new line either; the table says so.
    let mut bytes = std::fs::read(&log).unwrap();
    bytes.extend_from_slice(b"Dec  1 10:00:00 mx1 postfix/smtp[1]: ABC123: to=<half");
    std::fs::write(&log, &bytes).unwrap();
    let (code, table, err) = run(incremental(&state, Path::new("mail.log"), &[]).current_dir(&dir));
    assert_eq!(code, 0, "{err}");
    assert_matches_file(Path::new("fixtures/cron/nothing-new.expected"), &table);
}

#[test]
fn a_report_that_cannot_be_written_leaves_the_state_for_the_next_run() {
    let dir = fresh_dir("cron-lost-report");
    let log = dir.join("mail.log");
    std::fs::copy(SAMPLE, &log).unwrap();
    let state = dir.join("state.db");
    // Standard output on a full disk: the report cannot be written.
    let full = std::fs::OpenOptions::new()
        .write(true)
        .open("/dev/full")
        .expect("/dev/full");
    let out = std::process::Command::new(assert_cmd::cargo::cargo_bin("bouncectl"))
        .env("TZ", "UTC")
        .env("XDG_CONFIG_HOME", root().join("target/no-config-home"))
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
        .arg(&log)
        .stdout(full)
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success(), "a report that was not written is an error");
    assert!(err.contains("state not updated"), "{err}");

    // The next run reads and reports the same lines.
    let (code, out, err) = run(&mut incremental(&state, &log, &["--format", "json"]));
    assert_eq!(code, 0, "{err}");
    let report = json(&out);
    assert_eq!(report["deliveries"]["total"], 80, "{report:#}");
    assert!(report["inputs"][0]["lines"].as_u64().unwrap() > 0);
}
