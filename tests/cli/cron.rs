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

#[test]
fn a_crossed_threshold_says_one_line_on_stderr_even_when_quiet() {
    let (code, out, err) =
        run(bouncectl().args(["analyze", "-q", "--no-state", "--fail-on", "critical", SAMPLE]));
    assert_eq!(code, 3, "{err}");
    assert!(!out.is_empty(), "the report is still printed");
    assert_eq!(
        err,
        "bouncectl: critical: bounce rate 17.72% (hard 6.33%, soft 3.80%, blocks 7.59%): 14 bounced of 79 \
         final deliveries; critical: hard-bounce rate 6.33% is in the emergency (> 5%) band: clean the list \
         before the next send\n",
        "one line, band first"
    );
    // Below the band asked for: silent, exit 0.
    let (code, _, err) = run(bouncectl().args([
        "analyze",
        "-q",
        "--no-state",
        "--crit",
        "0.5",
        "--fail-on",
        "critical",
        SAMPLE,
    ]));
    assert_eq!((code, err.as_str()), (0, ""));
}

#[test]
fn no_data_is_not_healthy_and_an_unrecognised_file_is_an_error() {
    let dir = fresh_dir("cron-no-data");
    // An empty log: status no-data, which --fail-on treats as failing.
    let empty = dir.join("empty.log");
    std::fs::write(&empty, b"").unwrap();
    let (code, out, err) = run(bouncectl()
        .args([
            "analyze",
            "-q",
            "--no-state",
            "--format",
            "json",
            "--fail-on",
            "critical",
        ])
        .arg(&empty));
    assert_eq!(code, 3, "{err}");
    assert_eq!(json(&out)["status"], "no-data");
    assert_eq!(
        err,
        "bouncectl: no-data: no outbound delivery found in 1 input(s), 0 lines read\n"
    );
    // A file of which nothing was recognised (a journalctl JSON record
    // without a time): exit 1, the file and the format it was taken for named.
    let journal = dir.join("journal.json");
    std::fs::write(
        &journal,
        b"{\"__CURSOR\":\"s=1\",\"MESSAGE\":\"hello\",\"SYSLOG_IDENTIFIER\":\"postfix/smtp\"}\n",
    )
    .unwrap();
    let (code, out, err) = run(bouncectl().args(["analyze", "-q", "--no-state"]).arg(&journal));
    assert_eq!(code, 1, "{err}");
    assert!(
        err.contains("journal.json: nothing in it was recognised (read as journal; 1 lines)"),
        "{err}"
    );
    assert!(String::from_utf8(out).unwrap().contains("Status: NO-DATA"));
}

#[test]
fn the_first_run_that_creates_the_default_state_says_so_once() {
    let home = fresh_dir("cron-first-state");
    let mut first = bouncectl();
    first.env("XDG_STATE_HOME", &home).args(["analyze", "-q", SAMPLE]);
    let (code, _, err) = run(&mut first);
    assert_eq!(code, 0, "{err}");
    let path = home.join("bouncectl/state.db");
    assert_eq!(
        err,
        format!(
            "bouncectl: note: creating the state {} (it keeps the suppression list across runs; --no-state \
             reads without it, --state PATH puts it elsewhere)\n",
            path.display()
        )
    );
    assert!(path.exists());
    // Once only; and --no-state never creates it.
    let (code, _, err) = run(bouncectl()
        .env("XDG_STATE_HOME", &home)
        .args(["analyze", "-q", SAMPLE]));
    assert_eq!((code, err.as_str()), (0, ""));
    let other = fresh_dir("cron-no-state");
    let (code, _, err) =
        run(bouncectl()
            .env("XDG_STATE_HOME", &other)
            .args(["analyze", "-q", "--no-state", SAMPLE]));
    assert_eq!((code, err.as_str()), (0, ""));
    assert!(!other.join("bouncectl").exists());
}

/// Issue 17, item 5: the README's cron recipe on a fresh server, before the
/// first rotation: the shell's glob names what exists, the run records and
/// reports. And an input named but missing among others is said, the rest
/// read and recorded, exit 1.
#[test]
fn the_cron_recipe_works_before_the_first_rotation_and_a_missing_input_is_said() {
    let dir = fresh_dir("cron-recipe");
    std::fs::copy(SAMPLE, dir.join("mail.log")).unwrap();
    let state = dir.join("state.db");
    let out = dir.join("last.json");
    let line = format!(
        "exec \"$BOUNCECTL\" --now {NOW} analyze --state {} --incremental --fail-on critical -q --format json \
         --out {} {}/mail.log*",
        state.display(),
        out.display(),
        dir.display()
    );
    let status = std::process::Command::new("sh")
        .args(["-c", &line])
        .env("BOUNCECTL", assert_cmd::cargo::cargo_bin("bouncectl"))
        .env("TZ", "UTC")
        .env("XDG_CONFIG_HOME", root().join("target/no-config-home"))
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&status.stderr);
    assert_eq!(status.status.code(), Some(3), "the sample is critical: {err}");
    assert!(
        err.starts_with("bouncectl: critical: bounce rate 17.72%"),
        "{err}"
    );
    assert_eq!(json(&std::fs::read(&out).unwrap())["deliveries"]["total"], 80);

    // mail.log.1 named before it exists: said, the rest recorded, exit 1.
    let fresh = dir.join("fresh.db");
    let mut cmd = incremental(&fresh, &dir.join("mail.log.1"), &["--format", "json"]);
    cmd.arg(dir.join("mail.log"));
    let (code, report, err) = run(&mut cmd);
    assert_eq!(code, 1, "{err}");
    assert!(err.contains("mail.log.1: no such file"), "{err}");
    assert_eq!(json(&report)["deliveries"]["total"], 80);
    let (code, again, _) = run(&mut incremental(
        &fresh,
        &dir.join("mail.log"),
        &["--format", "json"],
    ));
    assert_eq!(code, 0);
    assert_eq!(
        json(&again)["deliveries"]["total"],
        0,
        "recorded: nothing new the second time"
    );
}
