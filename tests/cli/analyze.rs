//! `bouncectl analyze`: inputs (stdin, compressed, several files), exit codes,
//! `--out`, `--strict`, the year of syslog dates.

use crate::util::{bouncectl, root, run};
use std::io::Write;

const SAMPLE: &str = "fixtures/postfix/sample.log";

fn json(bytes: &[u8]) -> serde_json::Value {
    serde_json::from_slice(bytes).expect("valid JSON report")
}

/// The report without its `inputs` (which name the paths).
fn without_inputs(bytes: &[u8]) -> serde_json::Value {
    let mut v = json(bytes);
    v.as_object_mut().expect("object").remove("inputs");
    v
}

fn sample_json() -> Vec<u8> {
    let (code, out, err) = run(bouncectl().args(["analyze", "-q", "--format", "json", SAMPLE]));
    assert_eq!(code, 0, "{err}");
    out
}

#[test]
fn stdin_gzip_and_zstd_give_the_same_report() {
    let reference = without_inputs(&sample_json());
    let text = std::fs::read(root().join(SAMPLE)).unwrap();
    let (code, out, err) = run(bouncectl()
        .args(["analyze", "-q", "--format", "json", "-"])
        .write_stdin(text.clone()));
    assert_eq!(code, 0, "{err}");
    assert_eq!(without_inputs(&out), reference);
    assert_eq!(json(&out)["inputs"][0]["path"], "-");

    let dir = tempfile::tempdir().unwrap();
    let gz = dir.path().join("sample.log.gz");
    let mut enc = flate2::write::GzEncoder::new(
        std::fs::File::create(&gz).unwrap(),
        flate2::Compression::default(),
    );
    enc.write_all(&text).unwrap();
    enc.finish().unwrap();
    let zst = dir.path().join("sample.log.zst");
    std::fs::write(&zst, zstd::encode_all(&text[..], 3).unwrap()).unwrap();
    for path in [gz, zst] {
        let (code, out, err) = run(bouncectl().args(["analyze", "-q", "--format", "json"]).arg(&path));
        assert_eq!(code, 0, "{err}");
        assert_eq!(without_inputs(&out), reference, "{}", path.display());
    }
}

#[test]
fn a_log_split_in_two_files_correlates_across_them_in_either_order() {
    let text = std::fs::read_to_string(root().join(SAMPLE)).unwrap();
    let lines: Vec<&str> = text.lines().collect();
    let (a, b) = lines.split_at(lines.len() / 2);
    let dir = tempfile::tempdir().unwrap();
    let older = dir.path().join("mail.log.1");
    let newer = dir.path().join("mail.log");
    std::fs::write(&older, a.join("\n") + "\n").unwrap();
    std::fs::write(&newer, b.join("\n") + "\n").unwrap();
    let reference = json(&sample_json());
    // Given newest first, as a shell glob of mail.log* does.
    let (code, out, err) = run(bouncectl()
        .args(["analyze", "-q", "--format", "json"])
        .arg(&newer)
        .arg(&older));
    assert_eq!(code, 0, "{err}");
    let got = json(&out);
    for key in [
        "deliveries",
        "excluded",
        "rates",
        "by_domain",
        "by_reason",
        "suppression",
        "period",
    ] {
        assert_eq!(got[key], reference[key], "{key}");
    }
    assert_eq!(
        got["inputs"][0]["path"],
        older.display().to_string(),
        "older file is read first"
    );
}

#[test]
fn fail_on_sets_exit_code_3() {
    // The sample is in the critical band.
    let (code, _, _) = run(bouncectl().args(["analyze", "-q", "--fail-on", "critical", SAMPLE]));
    assert_eq!(code, 3);
    let (code, _, _) = run(bouncectl().args(["analyze", "-q", "--fail-on", "warning", SAMPLE]));
    assert_eq!(code, 3);
    let (code, _, _) =
        run(bouncectl().args(["analyze", "-q", "--fail-on", "critical", "--crit", "50%", SAMPLE]));
    assert_eq!(code, 0);
    let (code, _, _) = run(bouncectl().args(["analyze", "-q", SAMPLE]));
    assert_eq!(code, 0);
}

#[test]
fn errors_name_the_file_and_use_the_right_exit_code() {
    let (code, out, err) = run(bouncectl().args(["analyze", "fixtures/postfix/nope.log"]));
    assert_eq!(code, 1);
    assert!(out.is_empty());
    assert!(err.contains("fixtures/postfix/nope.log: no such file"), "{err}");
    let (code, _, err) = run(bouncectl().args(["analyze", "fixtures"]));
    assert_eq!(code, 1);
    assert!(err.contains("is a directory"), "{err}");
    let (code, _, err) = run(bouncectl().args(["analyze", "--warn", "6%", "--crit", "5%", SAMPLE]));
    assert_eq!(code, 2);
    assert!(err.contains("--warn"), "{err}");
    let (code, _, err) = run(bouncectl().args(["analyze", "--warn", "two", SAMPLE]));
    assert_eq!(code, 2);
    assert!(err.contains("not a rate"), "{err}");
    let (code, _, _) = run(bouncectl().args(["analyze", "--no-such-flag", SAMPLE]));
    assert_eq!(code, 2);
}

#[test]
fn strict_stops_at_the_first_unknown_line_with_its_number() {
    let (code, _, err) = run(bouncectl().args([
        "analyze",
        "--strict",
        "--year",
        "2026",
        "fixtures/postfix/variants.log",
    ]));
    assert_eq!(code, 1);
    assert!(
        err.contains("fixtures/postfix/variants.log:42: unknown form line"),
        "{err}"
    );
    // Without --strict the same line is a warning and the run succeeds.
    let (code, _, err) =
        run(bouncectl().args(["analyze", "--year", "2026", "fixtures/postfix/variants.log"]));
    assert_eq!(code, 0);
    assert!(
        err.contains("1 line in no known form skipped (first, line 42"),
        "{err}"
    );
}

#[test]
fn out_writes_the_same_report_as_stdout() {
    let dir = tempfile::tempdir().unwrap();
    let out_path = dir.path().join("report.json");
    std::fs::write(&out_path, "old").unwrap();
    let (code, out, err) = run(bouncectl()
        .args(["analyze", "-q", "--format", "json", "--out"])
        .arg(&out_path)
        .arg(SAMPLE));
    assert_eq!(code, 0, "{err}");
    assert!(out.is_empty());
    assert_eq!(std::fs::read(&out_path).unwrap(), sample_json());
    let (code, _, err) = run(bouncectl().args(["analyze", "--out", "/nonexistent/dir/r.json", SAMPLE]));
    assert_eq!(code, 1);
    assert!(err.contains("does not exist"), "{err}");
}

#[test]
fn year_comes_from_the_file_time_with_the_december_rollover() {
    let dir = tempfile::tempdir().unwrap();
    let log = dir.path().join("mail.log");
    let lines = [
        "Dec 31 23:59:00 mx postfix/qmgr[1]: AAAAA11111: from=<a@shop.example>, size=1, nrcpt=1 (queue active)",
        "Dec 31 23:59:01 mx postfix/smtp[2]: AAAAA11111: to=<x@example.net>, relay=mx.example.net[192.0.2.1]:25, delay=1, dsn=2.0.0, status=sent (250 ok)",
        "Jan  1 00:00:05 mx postfix/qmgr[1]: AAAAA22222: from=<a@shop.example>, size=1, nrcpt=1 (queue active)",
        "Jan  1 00:00:06 mx postfix/smtp[2]: AAAAA22222: to=<y@example.net>, relay=mx.example.net[192.0.2.1]:25, delay=1, dsn=2.0.0, status=sent (250 ok)",
    ];
    std::fs::write(&log, lines.join("\n") + "\n").unwrap();
    // Written on 2027-01-02: the December lines are from 2026.
    let mtime = filetime::FileTime::from_unix_time(1_798_848_000 + 86_400, 0);
    filetime::set_file_mtime(&log, mtime).unwrap();
    let (code, out, err) = run(bouncectl().args(["analyze", "-q", "--format", "json"]).arg(&log));
    assert_eq!(code, 0, "{err}");
    let r = json(&out);
    assert_eq!(r["period"]["first"], "2026-12-31T23:59:00Z");
    assert_eq!(r["period"]["last"], "2027-01-01T00:00:06Z");
    let days: Vec<&str> = r["by_day"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| d["key"].as_str().unwrap())
        .collect();
    assert_eq!(days, ["2026-12-31", "2027-01-01"]);
    // --year names the year of the last line.
    let (_, out, _) = run(bouncectl()
        .args(["analyze", "-q", "--format", "json", "--year", "2030"])
        .arg(&log));
    assert_eq!(json(&out)["period"]["first"], "2029-12-31T23:59:00Z");
}

#[test]
fn no_input_on_a_terminal_is_a_usage_error_but_piped_stdin_is_read() {
    let (code, out, err) = run(bouncectl()
        .args(["analyze", "-q", "--format", "json"])
        .write_stdin(""));
    assert_eq!(code, 0, "{err}");
    let r = json(&out);
    assert_eq!(r["deliveries"]["total"], 0);
    assert_eq!(r["alerts"][0]["code"], "no-deliveries");
}

/// Issue 14: a hard-bounced address that accepts mail later in the same data
/// contradicts its suppression; the report counts it and names the rule. A
/// delivery before the bounce (gone@example.org) contradicts nothing.
#[test]
fn the_report_counts_contradicted_suppressions_by_rule() {
    let (code, out, err) = run(bouncectl().args([
        "analyze",
        "--no-state",
        "--format",
        "json",
        "fixtures/state/contradicted.log",
    ]));
    assert_eq!(code, 0, "{err}");
    let s = &json(&out)["suppression"];
    assert_eq!(s["contradicted"], 1, "{s}");
    assert_eq!(
        s["contradicted_by_rule"],
        serde_json::json!([{"rule": "userunknown.rcpt", "count": 1}])
    );
    let (_, table, _) = run(bouncectl().args(["analyze", "--no-state", "fixtures/state/contradicted.log"]));
    let table = String::from_utf8(table).unwrap();
    let flat = table.split_whitespace().collect::<Vec<_>>().join(" ");
    assert!(
        flat.contains(
            "contradicted: 1 hard-bounced addresses accepted mail later (suppressed by userunknown.rcpt 1)"
        ),
        "{table}"
    );
}
