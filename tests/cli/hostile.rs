//! Hostile input (issue 9): each case puts something bad among the good lines
//! of `fixtures/postfix/outcomes.log`; the run must say clearly what it met or
//! count it as skipped, and every good delivery must still be counted.

use crate::util::{bouncectl, root, run};
use serde_json::Value;
use std::io::Write;
use std::path::{Path, PathBuf};

const GOOD: &str = "fixtures/postfix/outcomes.log";

fn good_lines() -> Vec<Vec<u8>> {
    std::fs::read(root().join(GOOD))
        .unwrap()
        .split(|&b| b == b'\n')
        .filter(|l| !l.is_empty())
        .map(<[u8]>::to_vec)
        .collect()
}

fn analyze(path: &Path) -> (i32, Value, String) {
    let (code, out, err) = run(bouncectl()
        .args(["analyze", "-q", "--format", "json", "--year", "2026"])
        .arg(path));
    let json = serde_json::from_slice(&out).unwrap_or(Value::Null);
    (code, json, err)
}

/// The counts that must survive any hostile neighbour.
fn books(r: &Value) -> Value {
    serde_json::json!([r["deliveries"], r["excluded"], r["by_reason"], r["suppression"]])
}

fn reference() -> Value {
    let (code, r, err) = analyze(&root().join(GOOD));
    assert_eq!(code, 0, "{err}");
    r
}

/// Writes the good lines with `bad` inserted every few lines.
fn interleaved(dir: &Path, name: &str, bad: &[&[u8]]) -> PathBuf {
    let mut out = Vec::new();
    for (i, line) in good_lines().iter().enumerate() {
        if i % 5 == 2 {
            for b in bad {
                out.extend_from_slice(b);
                out.push(b'\n');
            }
        }
        out.extend_from_slice(line);
        out.push(b'\n');
    }
    let path = dir.join(name);
    std::fs::write(&path, out).unwrap();
    path
}

#[test]
fn binary_garbage_nul_bytes_and_invalid_utf8_are_skipped_and_counted() {
    let dir = tempfile::tempdir().unwrap();
    let garbage: Vec<u8> = (0..400u32)
        .map(|i| (i.wrapping_mul(2_654_435_761) >> 13) as u8)
        .filter(|&b| b != b'\n')
        .collect();
    let bad: [&[u8]; 4] = [
        &garbage,
        b"\x00\x00\x00 NUL bytes \x00",
        b"Nov 20 08:00:00 mx postfix/smtp[1]: \xff\xfe\xfd not utf-8 \xc3\x28",
        b"Nov 20 08:00:00 mx postfix/qmgr[1]: \x00QID\x00: removed",
    ];
    let path = interleaved(dir.path(), "garbage.log", &bad);
    let (code, r, err) = analyze(&path);
    assert_eq!(code, 0, "{err}");
    assert_eq!(books(&r), books(&reference()));
    // The garbage and the NUL line are unreadable; the two lines of known
    // Postfix daemons without a queue id are ignored, as their own notices
    // ("connect to ...: Connection refused") are.
    let groups = (good_lines().len() as u64).div_ceil(5);
    assert_eq!(
        r["inputs"][0]["skipped_by"]["unrecognized"].as_u64(),
        Some(groups * 2)
    );
    assert_eq!(
        r["inputs"][0]["lines"].as_u64(),
        Some(good_lines().len() as u64 + groups * 4),
        "{}",
        r["inputs"]
    );
}

#[test]
fn invalid_utf8_inside_a_delivery_line_keeps_the_delivery() {
    let dir = tempfile::tempdir().unwrap();
    // Invalid UTF-8 in the reply keeps the delivery; in the recipient it
    // makes the record one whose recipient is no address (issue 15, item 4:
    // replacing the byte would merge distinct addresses).
    let line = b"Nov 21 09:00:00 mx postfix/smtp[9]: 9A9B9C9D9E: to=<cafe@example.org>, relay=mx.example.org[192.0.2.10]:25, delay=1, dsn=5.1.1, status=bounced (host mx.example.org[192.0.2.10] said: 550 5.1.1 <caf\xe9@example.org>: unknown \xff user (in reply to RCPT TO command))";
    let bad = b"Nov 21 09:00:01 mx postfix/smtp[9]: 9A9B9C9D9F: to=<caf\xe9@example.org>, relay=mx.example.org[192.0.2.10]:25, delay=1, dsn=5.1.1, status=bounced (host mx.example.org[192.0.2.10] said: 550 5.1.1 unknown user (in reply to RCPT TO command))";
    let path = dir.path().join("utf8.log");
    std::fs::write(&path, [&line[..], b"\n", bad, b"\n"].concat()).unwrap();
    let (code, r, err) = analyze(&path);
    assert_eq!(code, 0, "{err}");
    assert_eq!(r["deliveries"]["hard"], 1);
    assert_eq!(r["by_domain"][0]["key"], "example.org");
    assert_eq!(r["inputs"][0]["skipped_by"]["invalid_address"], 1);
}

#[test]
fn an_8_mib_line_is_one_skipped_line() {
    let dir = tempfile::tempdir().unwrap();
    let long = vec![b'x'; 8 << 20];
    let path = interleaved(dir.path(), "long.log", &[&long]);
    for threads in ["1", "2"] {
        let (code, out, err) = run(bouncectl()
            .args([
                "analyze",
                "-q",
                "--format",
                "json",
                "--year",
                "2026",
                "--threads",
                threads,
            ])
            .arg(&path));
        assert_eq!(code, 0, "{err}");
        let r: Value = serde_json::from_slice(&out).unwrap();
        assert_eq!(books(&r), books(&reference()), "--threads {threads}");
        assert_eq!(
            r["inputs"][0]["skipped_by"]["unrecognized"],
            (good_lines().len() as u64).div_ceil(5)
        );
    }
}

/// A log large enough to span several compressed blocks (zstd decodes a
/// block only whole), cut at two thirds.
fn compressed(dir: &Path) -> (PathBuf, PathBuf) {
    let mut text = Vec::new();
    let cfg = ::genlog::Config {
        seed: 3,
        target_bytes: 1 << 20,
        addresses: 2000,
        ..Default::default()
    };
    ::genlog::generate(&cfg, &mut text).unwrap();
    let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    gz.write_all(&text).unwrap();
    let gz = gz.finish().unwrap();
    let zst = zstd::encode_all(&text[..], 3).unwrap();
    let gz_path = dir.join("cut.log.gz");
    let zst_path = dir.join("cut.log.zst");
    std::fs::write(&gz_path, &gz[..gz.len() * 2 / 3]).unwrap();
    std::fs::write(&zst_path, &zst[..zst.len() * 2 / 3]).unwrap();
    (gz_path, zst_path)
}

#[test]
fn truncated_gzip_and_zstd_say_so_and_keep_what_was_read() {
    let dir = tempfile::tempdir().unwrap();
    let (gz, zst) = compressed(dir.path());
    for path in [gz, zst] {
        let (code, r, err) = analyze(&path);
        assert_eq!(code, 1, "{}: a truncated file is an error", path.display());
        assert!(err.contains("ends early") || err.contains("read error"), "{err}");
        assert!(
            err.contains(&path.display().to_string()),
            "the message names the file: {err}"
        );
        let lines = r["inputs"][0]["lines"].as_u64().unwrap();
        assert!(lines > 10, "the lines before the cut are counted ({lines})");
        assert!(r["inputs"][0]["error"].is_string());
    }
}

#[test]
fn an_empty_file_gives_an_empty_report() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("empty.log");
    std::fs::write(&path, b"").unwrap();
    let (code, r, err) = analyze(&path);
    assert_eq!(code, 0, "{err}");
    assert_eq!(r["inputs"][0]["lines"], 0);
    assert_eq!(r["deliveries"]["total"], 0);
    assert_eq!(r["period"]["first"], Value::Null);
}

#[test]
fn an_unreadable_file_is_a_clear_error() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("secret.log");
    std::fs::write(&path, b"x\n").unwrap();
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o000)).unwrap();
    }
    if std::fs::read(&path).is_ok() {
        // Running as root: permissions do not stop reads. A directory given
        // as a file is the unreadable input every user can make.
        let (code, _, err) = run(bouncectl().arg("analyze").arg(dir.path()));
        assert_eq!(code, 1);
        assert!(err.contains("is a directory"), "{err}");
        return;
    }
    let (code, out, err) = run(bouncectl().arg("analyze").arg(&path));
    assert_eq!(code, 1);
    assert!(out.is_empty());
    assert!(err.contains("permission denied"), "{err}");
}

#[test]
fn messages_out_of_time_order_and_duplicated_lines_change_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let lines = good_lines();
    // One message's lines moved to the end of the file.
    let (moved, rest): (Vec<_>, Vec<_>) = lines
        .iter()
        .cloned()
        .partition(|l| l.windows(10).any(|w| w == b"1A2B3C4D04"));
    assert!(!moved.is_empty());
    let reordered: Vec<u8> = rest
        .iter()
        .chain(moved.iter())
        .flat_map(|l| [l.as_slice(), b"\n"].concat())
        .collect();
    let path = dir.path().join("reordered.log");
    std::fs::write(&path, reordered).unwrap();
    let (code, r, err) = analyze(&path);
    assert_eq!(code, 0, "{err}");
    assert_eq!(books(&r), books(&reference()));
    // Every line twice.
    let doubled: Vec<u8> = lines
        .iter()
        .flat_map(|l| [l.as_slice(), b"\n", l.as_slice(), b"\n"].concat())
        .collect();
    let path = dir.path().join("doubled.log");
    std::fs::write(&path, doubled).unwrap();
    let (code, r, err) = analyze(&path);
    assert_eq!(code, 0, "{err}");
    assert_eq!(books(&r), books(&reference()));
}

#[test]
fn quoted_uppercase_idn_and_utf8_addresses_are_counted_in_their_normal_form() {
    let dir = tempfile::tempdir().unwrap();
    let rcpts = [
        r#""john smith, jr."@example.org"#,
        "MIXED.Case@EXAMPLE.ORG",
        "user@xn--bcher-kva.example",
        "jörg.müller@exämple.de",
    ];
    let mut log = String::new();
    for (i, rcpt) in rcpts.iter().enumerate() {
        log.push_str(&format!(
            "Nov 21 10:00:0{i} mx postfix/smtp[9]: 7A7B7C7D0{i}: to=<{rcpt}>, relay=mx.x[192.0.2.1]:25, delay=1, dsn=5.1.1, status=bounced (host mx.x[192.0.2.1] said: 550 5.1.1 user unknown (in reply to RCPT TO command))\n"
        ));
    }
    let path = dir.path().join("addresses.log");
    std::fs::write(&path, log).unwrap();
    let (code, r, err) = analyze(&path);
    assert_eq!(code, 0, "{err}");
    assert_eq!(r["deliveries"]["hard"], 4);
    assert_eq!(r["suppression"]["total"], 4);
    let mut domains: Vec<&str> = r["by_domain"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| d["key"].as_str().unwrap())
        .collect();
    domains.sort();
    // Domains in their normal form: IDNA A-labels (issue 15, item 2).
    assert_eq!(
        domains,
        ["example.org", "xn--bcher-kva.example", "xn--exmple-cua.de"]
    );
}

/// A write that fails half way (here the file-size limit, which fails a
/// write exactly as a full disk does) leaves the previous `--out` file
/// intact and no temporary file behind.
#[cfg(unix)]
#[test]
fn a_failed_write_leaves_the_previous_output_intact() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("report.json");
    std::fs::write(&out, "previous report\n").unwrap();
    let bin = assert_cmd::cargo::cargo_bin("bouncectl");
    // 1 block of 512 bytes: the JSON report is larger. SIGXFSZ ignored, so
    // the write fails with EFBIG instead of killing the process.
    let script = format!(
        "trap '' XFSZ; ulimit -f 1; exec '{}' analyze -q --no-state --format json --out '{}' fixtures/postfix/sample.log",
        bin.display(),
        out.display()
    );
    let result = std::process::Command::new("sh")
        .arg("-c")
        .arg(&script)
        .current_dir(root())
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&result.stderr);
    assert_eq!(result.status.code(), Some(1), "{err}");
    assert!(
        err.contains("cannot write") && err.contains("previous file is untouched"),
        "{err}"
    );
    assert_eq!(std::fs::read_to_string(&out).unwrap(), "previous report\n");
    let left: Vec<_> = std::fs::read_dir(dir.path())
        .unwrap()
        .map(|e| e.unwrap().file_name())
        .collect();
    assert_eq!(left.len(), 1, "no temporary file is left behind: {left:?}");
}
