//! Issue 17, "small things users hit": what a command line that is almost
//! right does.

use crate::util::{bouncectl, fresh_dir, run};

const SAMPLE: &str = "fixtures/postfix/sample.log";

#[test]
fn format_values_are_not_case_sensitive() {
    let (code, lower, err) = run(bouncectl().args(["analyze", "--no-state", "--format", "json", SAMPLE]));
    assert_eq!(code, 0, "{err}");
    let (code, upper, err) = run(bouncectl().args([
        "analyze",
        "--no-state",
        "--format",
        "JSON",
        "--by",
        "Domain,REASON",
        SAMPLE,
    ]));
    assert_eq!(code, 0, "{err}");
    let (lower, upper): (serde_json::Value, serde_json::Value) = (
        serde_json::from_slice(&lower).unwrap(),
        serde_json::from_slice(&upper).unwrap(),
    );
    assert_eq!(lower["deliveries"], upper["deliveries"]);
    let (code, _, err) =
        run(bouncectl().args(["suppress", "--no-state", "--format", "Postfix-Access", SAMPLE]));
    assert_eq!(code, 0, "{err}");
}

#[test]
fn unsuppress_of_an_address_that_is_not_suppressed_records_nothing_and_fails() {
    let dir = fresh_dir("usage-unsuppress");
    let state = dir.join("state.db");
    let with_state = |args: &[&str]| {
        let mut cmd = bouncectl();
        cmd.args(args).arg("--state").arg(&state);
        run(&mut cmd)
    };
    let (code, _, err) = with_state(&["analyze", "-q", SAMPLE]);
    assert_eq!(code, 0, "{err}");
    let (_, before, _) = with_state(&["history", "--format", "json", "nobody@example.org"]);

    let (code, _, err) = with_state(&["unsuppress", "nobody@example.org"]);
    assert_eq!(code, 1, "{err}");
    assert_eq!(
        err,
        "bouncectl: error: nobody@example.org: not suppressed, nothing recorded (`bouncectl history \
         nobody@example.org` shows why)\n"
    );
    let (_, after, _) = with_state(&["history", "--format", "json", "nobody@example.org"]);
    assert_eq!(before, after, "nothing recorded");

    // One suppressed, one not: the first is taken off, the exit says the rest failed.
    let (code, _, err) = with_state(&["unsuppress", "gone@web.de", "nobody@example.org"]);
    assert_eq!(code, 1, "{err}");
    assert!(
        err.contains("gone@web.de: unsuppressed (was hard bounce, userunknown)"),
        "{err}"
    );
    let (_, list, _) = with_state(&["suppress", "--format", "txt"]);
    assert!(!String::from_utf8(list).unwrap().contains("gone@web.de"));
}

/// Issue 17, item 4: syslog's own `last message repeated N times` is a known
/// line of another program, not one in no known form (no warning).
#[test]
fn syslog_repeat_notices_are_known_lines() {
    let dir = fresh_dir("usage-repeat");
    let log = dir.join("mail.log");
    std::fs::write(
        &log,
        "Nov 20 08:00:00 mx postfix/smtp[1]: ABC123: to=<a@example.org>, relay=mx.example.org[192.0.2.1]:25, \
         delay=1, dsn=2.0.0, status=sent (250 ok)\n\
         Nov 20 08:00:01 mx last message repeated 3 times\n\
         Nov 20 08:00:03 mx --- last message repeated 2 times ---\n",
    )
    .unwrap();
    let (code, out, err) = run(bouncectl()
        .args(["analyze", "--no-state", "--year", "2026", "--format", "json"])
        .arg(&log));
    assert_eq!((code, err.as_str()), (0, ""));
    let r: serde_json::Value = serde_json::from_slice(&out).unwrap();
    assert_eq!(r["inputs"][0]["skipped_by"]["other_program"], 2);
    assert_eq!(r["inputs"][0]["skipped_by"]["unrecognized"], 0);
}

/// Issue 17, small things: `filter` without `--out` writes the kept rows to
/// standard output, as `-` does.
#[test]
fn filter_writes_to_standard_output_without_out() {
    let dir = fresh_dir("usage-filter");
    let state = dir.join("state.db");
    let (code, _, err) = run(bouncectl()
        .args(["analyze", "-q", SAMPLE])
        .arg("--state")
        .arg(&state));
    assert_eq!(code, 0, "{err}");
    let list = dir.join("list.csv");
    std::fs::write(&list, "email,name\ngone@web.de,Gone\nkeep@example.org,Keep\n").unwrap();
    let (code, plain, err) = run(bouncectl()
        .args(["filter", "-q"])
        .arg(&list)
        .arg("--state")
        .arg(&state));
    assert_eq!(code, 0, "{err}");
    assert_eq!(
        String::from_utf8(plain.clone()).unwrap(),
        "email,name\nkeep@example.org,Keep\n"
    );
    let (code, dash, _) = run(bouncectl()
        .args(["filter", "-q", "--out", "-"])
        .arg(&list)
        .arg("--state")
        .arg(&state));
    assert_eq!((code, dash), (0, plain));
}
