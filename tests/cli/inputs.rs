//! Inputs (issue 15): `--year` is the year of an input's last line for every
//! kind of input and zone; an input named twice is read once, also across
//! incremental runs; a line longer than 1 MiB is skipped, counted and named.

use crate::util::{bouncectl, root, run};
use serde_json::Value;
use std::io::Write;
use std::path::{Path, PathBuf};

/// Mailbox-full bounces on Dec 30 and 31 and Jan 2 to one address, a
/// delivery on Jan 1 between them: at risk (the streak was reset), never
/// suppressed.
const ROLLOVER: &str = "fixtures/inputs/rollover.log";

fn json(out: &[u8]) -> Value {
    serde_json::from_slice(out).unwrap_or(Value::Null)
}

fn gzip(data: &[u8]) -> Vec<u8> {
    let mut enc = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
    enc.write_all(data).unwrap();
    enc.finish().unwrap()
}

fn s(p: &Path) -> &str {
    p.to_str().unwrap()
}

/// Issue 15, item 3: with `--year`, a `.gz`, a `.zst` or standard input put
/// the January lines before December (the streak then looked unbroken and
/// the address was suppressed); a plain file did not. Every kind, in zones
/// ahead of and behind UTC, must place Dec 30 .. Jan 2 in 2026 .. 2027.
#[test]
fn year_is_the_year_of_the_last_line_for_every_input_kind_and_zone() {
    let text = std::fs::read(root().join(ROLLOVER)).unwrap();
    let dir = tempfile::tempdir().unwrap();
    let gz = dir.path().join("rollover.log.gz");
    std::fs::write(&gz, gzip(&text)).unwrap();
    let zst = root().join("fixtures/inputs/rollover.log.zst");
    let plain = root().join(ROLLOVER);
    for tz in ["UTC", "Pacific/Kiritimati", "America/New_York"] {
        let mut periods = Vec::new();
        for (kind, path, stdin) in [
            ("plain", &plain, false),
            ("gz", &gz, false),
            ("zst", &zst, false),
            ("stdin", &plain, true),
            ("stdin gz", &gz, true),
            ("stdin zst", &zst, true),
        ] {
            let mut cmd = bouncectl();
            cmd.env("TZ", tz)
                .args(["analyze", "-q", "--format", "json", "--year", "2027"]);
            if stdin {
                cmd.arg("-").write_stdin(std::fs::read(path).unwrap());
            } else {
                cmd.arg(path);
            }
            let (code, out, err) = run(&mut cmd);
            assert_eq!(code, 0, "{tz} {kind}: {err}");
            let r = json(&out);
            let what = format!("{tz} {kind}: {}", r["period"]);
            assert_eq!(r["suppression"]["total"], 0, "{what}");
            assert_eq!(r["suppression"]["at_risk"], 1, "{what}");
            assert!(
                r["period"]["first"].as_str().unwrap().starts_with("2026-12-"),
                "{what}"
            );
            assert!(
                r["period"]["last"].as_str().unwrap().starts_with("2027-01-"),
                "{what}"
            );
            periods.push(r["period"].clone());
        }
        assert!(periods.windows(2).all(|w| w[0] == w[1]), "{tz}: {periods:?}");
    }
}

/// Issue 15, item 3: a plain file whose last line is dated Jan 1 while its
/// modification time, in our zone, is still Dec 31 was put a whole year
/// back; and the other way round, Dec 31 read where it is Jan 1 already.
#[test]
fn the_last_line_and_the_file_time_straddle_the_new_year_in_either_direction() {
    let lines = [
        "Dec 31 23:59:00 mx postfix/qmgr[1]: AAAAA11111: from=<a@shop.example>, size=1, nrcpt=1 (queue active)",
        "Dec 31 23:59:01 mx postfix/smtp[2]: AAAAA11111: to=<x@example.net>, relay=mx.example.net[192.0.2.1]:25, delay=1, dsn=2.0.0, status=sent (250 ok)",
        "Jan  1 00:00:05 mx postfix/qmgr[1]: AAAAA22222: from=<a@shop.example>, size=1, nrcpt=1 (queue active)",
        "Jan  1 00:00:06 mx postfix/smtp[2]: AAAAA22222: to=<y@example.net>, relay=mx.example.net[192.0.2.1]:25, delay=1, dsn=2.0.0, status=sent (250 ok)",
    ];
    let dir = tempfile::tempdir().unwrap();
    let new_year_utc = 1_798_761_600; // 2027-01-01T00:00:00Z
                                      // (zone, lines, mtime, first, last)
    let cases = [
        // Written at 03:00 UTC; in New York it is still Dec 31, 22:00.
        (
            "America/New_York",
            &lines[..],
            new_year_utc + 3 * 3600,
            "2027-01-01T04:59:00Z",
            "2027-01-01T05:00:06Z",
        ),
        // The last line is Dec 31 23:59; at Kiritimati (UTC+14) the file
        // time is Jan 1 already.
        (
            "Pacific/Kiritimati",
            &lines[..2],
            new_year_utc - 12 * 3600,
            "2026-12-31T09:59:00Z",
            "2026-12-31T09:59:01Z",
        ),
    ];
    for (tz, lines, mtime, first, last) in cases {
        let log = dir.path().join(format!("{}.log", tz.replace('/', "-")));
        std::fs::write(&log, lines.join("\n") + "\n").unwrap();
        filetime::set_file_mtime(&log, filetime::FileTime::from_unix_time(mtime, 0)).unwrap();
        let (code, out, err) = run(bouncectl()
            .env("TZ", tz)
            .args(["analyze", "-q", "--format", "json"])
            .arg(&log));
        assert_eq!(code, 0, "{err}");
        let r = json(&out);
        assert_eq!(r["period"]["first"], first, "{tz}");
        assert_eq!(r["period"]["last"], last, "{tz}");
    }
}

fn deliveries(args: &[&str]) -> (Value, String) {
    let (code, out, err) = run(bouncectl()
        .args(["analyze", "--format", "json", "--year", "2026"])
        .args(args));
    assert_eq!(code, 0, "{err}");
    (json(&out)["deliveries"].clone(), err)
}

/// Issue 15, item 10: the same file named twice (the same path, a symlink,
/// a hard link; plain or compressed) was read twice, every delivery counted
/// twice. It is read once, with a warning naming both names.
#[test]
fn an_input_named_twice_is_read_once() {
    let dir = tempfile::tempdir().unwrap();
    let log = dir.path().join("mail.log");
    std::fs::copy(root().join("fixtures/postfix/outcomes.log"), &log).unwrap();
    let gz = dir.path().join("mail.log.1.gz");
    std::fs::write(&gz, gzip(&std::fs::read(&log).unwrap())).unwrap();
    let hard = dir.path().join("hard.log");
    std::fs::hard_link(&log, &hard).unwrap();
    let (once, _) = deliveries(&[s(&log)]);
    let mut cases: Vec<(PathBuf, PathBuf)> =
        vec![(log.clone(), log.clone()), (log.clone(), hard), (gz.clone(), gz)];
    #[cfg(unix)]
    {
        let link = dir.path().join("link.log");
        std::os::unix::fs::symlink(&log, &link).unwrap();
        cases.push((link, log.clone()));
    }
    for (a, b) in &cases {
        let (twice, warnings) = deliveries(&[s(a), s(b)]);
        assert_eq!(twice, once, "{} {}", a.display(), b.display());
        let said = format!("{}: the same file as {}, named twice; read once", s(b), s(a));
        assert!(warnings.contains(&said), "{warnings}");
    }
}

fn lines_read(r: &Value) -> Vec<u64> {
    r["inputs"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["lines"].as_u64().unwrap())
        .collect()
}

/// Issue 15, item 10: with `--incremental`, a copy of a log read before
/// (rotation by copy) is "read once": the copy goes on from the stored
/// offset, and the original, said to be skipped, was read whole again on
/// every run.
#[test]
fn a_rotated_copy_said_to_be_read_once_is_not_read_again_on_later_runs() {
    let dir = tempfile::tempdir().unwrap();
    let state = dir.path().join("state.db");
    let log = dir.path().join("mail.log");
    std::fs::copy(root().join("fixtures/postfix/outcomes.log"), &log).unwrap();
    let incremental = |inputs: &[&Path]| {
        let mut cmd = bouncectl();
        cmd.args([
            "analyze",
            "--format",
            "json",
            "--year",
            "2026",
            "--incremental",
            "--state",
        ])
        .arg(&state)
        .args(inputs);
        let (code, out, err) = run(&mut cmd);
        assert_eq!(code, 0, "{err}");
        (json(&out), err)
    };
    let (first, _) = incremental(&[&log]);
    assert_eq!(lines_read(&first), [59]);
    let copy = dir.path().join("mail.log.1");
    std::fs::copy(&log, &copy).unwrap();
    for run in 2..=4 {
        let (r, err) = incremental(&[&copy, &log]);
        assert_eq!(lines_read(&r), [0, 0], "run {run}: {}", r["inputs"]);
        assert_eq!(r["deliveries"]["delivered"], 0, "run {run}");
        assert!(err.contains("(a rotated copy); read once"), "run {run}: {err}");
    }
}

/// Issue 15, item 16: a line longer than 1 MiB is skipped and counted, and
/// a warning names its file and line, whatever the way the input is read
/// (ranges of a plain file, or a stream: compressed, stdin, one or more
/// threads). Before, it was parsed: this one, a bounce with a 1.1 MiB
/// reply, counted as a delivery.
#[test]
fn a_line_over_1_mib_is_skipped_counted_and_named() {
    let good = std::fs::read(root().join("fixtures/postfix/outcomes.log")).unwrap();
    let good_lines: Vec<&[u8]> = good.split(|&b| b == b'\n').filter(|l| !l.is_empty()).collect();
    let mut long = b"Nov 20 08:30:01 mx postfix/smtp[103]: 1A2B3C4DFF: to=<long@example.org>, relay=mx.example.org[192.0.2.10]:25, delay=1, dsn=5.1.1, status=bounced (host mx.example.org[192.0.2.10] said: 550 5.1.1 unknown user ".to_vec();
    long.extend(std::iter::repeat_n(b'x', (1 << 20) + (100 << 10)));
    long.extend_from_slice(b" (in reply to RCPT TO command))");
    let at = 20;
    let mut text = Vec::new();
    for (i, line) in good_lines.iter().enumerate() {
        if i == at {
            text.extend_from_slice(&long);
            text.push(b'\n');
        }
        text.extend_from_slice(line);
        text.push(b'\n');
    }
    let dir = tempfile::tempdir().unwrap();
    let plain = dir.path().join("long.log");
    std::fs::write(&plain, &text).unwrap();
    let gz = dir.path().join("long.log.gz");
    std::fs::write(&gz, gzip(&text)).unwrap();
    let reference = {
        let (code, out, err) = run(bouncectl()
            .args(["analyze", "-q", "--format", "json", "--year", "2026"])
            .arg(root().join("fixtures/postfix/outcomes.log")));
        assert_eq!(code, 0, "{err}");
        json(&out)
    };
    for threads in ["1", "2"] {
        for (path, stdin) in [(&plain, false), (&gz, false), (&plain, true)] {
            let mut cmd = bouncectl();
            cmd.args([
                "analyze",
                "--format",
                "json",
                "--threads",
                threads,
                "--chunk-size",
                "65536",
            ]);
            if stdin {
                cmd.arg("-").write_stdin(text.clone());
            } else {
                cmd.arg(path);
            }
            let (code, out, err) = run(&mut cmd);
            let what = format!("{} stdin={stdin} --threads {threads}", path.display());
            assert_eq!(code, 0, "{what}: {err} {}", String::from_utf8_lossy(&out));
            let r = json(&out);
            assert_eq!(r["deliveries"], reference["deliveries"], "{what}");
            assert_eq!(r["by_reason"], reference["by_reason"], "{what}");
            let input = &r["inputs"][0];
            assert_eq!(input["lines"], good_lines.len() as u64 + 1, "{what}");
            assert_eq!(input["skipped_by"]["unrecognized"], 1, "{what}");
            let name = if stdin {
                "-".to_string()
            } else {
                path.display().to_string()
            };
            let said = format!(
                "{name}: 1 line longer than 1 MiB skipped (first, line {};",
                at + 1
            );
            assert!(err.contains(&said), "{what}: {err}");
        }
    }
}

/// Issue 17, item 10: a year guessed from a modification time that does not
/// fit the dates (a copy, an archive) is said, naming `--year`; a log whose
/// last line is of its modification day, or `--year`, says nothing.
#[test]
fn a_year_guessed_from_a_copy_s_modification_time_is_said() {
    let dir = tempfile::tempdir().unwrap();
    let log = dir.path().join("copied.log");
    std::fs::copy(root().join("fixtures/postfix/outcomes.log"), &log).unwrap();
    let warnings = |mtime: i64, extra: &[&str]| {
        filetime::set_file_mtime(&log, filetime::FileTime::from_unix_time(mtime, 0)).unwrap();
        let (code, _, err) = run(bouncectl().args(["analyze", "--no-state"]).args(extra).arg(&log));
        assert_eq!(code, 0, "{err}");
        err
    };
    // 2026-11-20 09:00 UTC: written when its last line (Nov 20 08:17) was.
    assert_eq!(warnings(1_795_165_200, &[]), "");
    // 2026-12-05 09:00 UTC: copied two weeks later.
    let err = warnings(1_796_461_200, &[]);
    assert!(
        err.contains(
            "copied.log: its dates have no year and were read as 2026 from the file's modification time, \
             but its last line is 15 days older than the file's modification time (a copy or an archive?): \
             give --year YEAR"
        ),
        "{err}"
    );
    assert_eq!(warnings(1_796_461_200, &["--year", "2026"]), "");
}
