//! Issue 15 ("Reliability, round 2"), the output part: addresses carried
//! byte for byte by the machine-read formats (item 1), `--out` to devices,
//! FIFOs, descriptors and links (6), temporary files removed after a signal
//! and on the next run (7), file modes kept (8), the same address in every
//! format and pipe (12). The input is fixtures/output/odd-addresses.csv, a
//! SendGrid bounces export with valid addresses that begin with `+`, `-`
//! and `=`, one with a bidi override, and one with terminal escapes (ESC,
//! OSC, BEL), which is not an address and never listed.

use crate::util::{bouncectl, fresh_dir, run};
use std::os::unix::fs::{FileTypeExt, PermissionsExt};
use std::path::{Path, PathBuf};

const ODD: &str = "fixtures/output/odd-addresses.csv";
/// The addresses of [`ODD`], in the order of the list (bytewise). Its
/// address with ESC and BEL is not an address (control characters): it is
/// skipped when read and never listed.
const ADDRESSES: [&str; 5] = [
    "+1234@example.com",
    "-evil@example.com",
    "=cmd@example.com",
    "plain@example.com",
    "rtl\u{202E}moc@example.com",
];

/// `suppress --no-state --format FORMAT ODD` plus `extra`; the exit code
/// must be 0. Returns stdout.
fn suppress(format: &str, extra: &[&str]) -> Vec<u8> {
    let (code, out, err) = run(bouncectl()
        .args(["suppress", "-q", "--no-state", "--format", format, ODD])
        .args(extra));
    assert_eq!(code, 0, "suppress --format {format} {extra:?}: {err}");
    out
}

fn suppress_to(format: &str, path: &Path) -> Vec<u8> {
    let out = suppress(format, &["--out", &path.display().to_string()]);
    assert!(out.is_empty());
    std::fs::read(path).expect("the list was written")
}

fn mode(path: &Path) -> u32 {
    std::fs::metadata(path).expect("the file").permissions().mode() & 0o777
}

fn set_mode(path: &Path, mode: u32) {
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(mode)).expect("chmod");
}

/// The first column of a CSV (the csv crate unquotes, nothing else).
fn first_column(bytes: &[u8], header: bool) -> Vec<String> {
    csv::ReaderBuilder::new()
        .has_headers(header)
        .from_reader(bytes)
        .records()
        .map(|r| r.expect("a CSV row")[0].to_string())
        .collect()
}

/// Item 1: the ESP imports (and txt, json, the access map) are read by
/// programs: every address as it is, no `'` in front of `+`, `-`, `=`.
/// Before: `'+1234@example.com`, `'-evil@example.com`, `'=cmd@example.com`.
#[test]
fn issue15_machine_read_formats_carry_every_address_byte_for_byte() {
    let dir = fresh_dir("exact");
    let all: Vec<String> = ADDRESSES.iter().map(|a| a.to_string()).collect();
    for (format, header) in [("ses", false), ("sendgrid", true), ("mailgun", true)] {
        let bytes = suppress_to(format, &dir.join(format));
        assert_eq!(first_column(&bytes, header), all, "{format}");
    }
    let sparkpost = first_column(&suppress_to("sparkpost", &dir.join("sp")), true);
    let once: Vec<String> = sparkpost.chunks(2).map(|pair| pair[0].clone()).collect();
    assert_eq!(once, all, "sparkpost");

    let txt = suppress_to("txt", &dir.join("txt"));
    let expected: String = ADDRESSES.iter().map(|a| format!("{a}\n")).collect();
    assert_eq!(String::from_utf8(txt).unwrap(), expected, "txt");

    for format in ["json", "postmark"] {
        let doc: serde_json::Value =
            serde_json::from_slice(&suppress_to(format, &dir.join(format))).expect("JSON");
        let (list, key) = match format {
            "json" => (&doc["suppressions"], "address"),
            _ => (&doc["Suppressions"], "EmailAddress"),
        };
        let got: Vec<&str> = list
            .as_array()
            .expect("a list")
            .iter()
            .map(|e| e[key].as_str().expect("an address"))
            .collect();
        assert_eq!(got, ADDRESSES, "{format}");
    }

    // The access map writes every address as it is (one a key could not
    // hold, with a space or a control character, is no address: never listed).
    let map = String::from_utf8(suppress_to("postfix-access", &dir.join("access"))).unwrap();
    let keys: Vec<&str> = map
        .lines()
        .filter(|l| !l.starts_with('#'))
        .map(|l| l.split(' ').next().unwrap())
        .collect();
    assert_eq!(
        keys,
        [
            "+1234@example.com",
            "-evil@example.com",
            "=cmd@example.com",
            "plain@example.com",
            "rtl\u{202E}moc@example.com"
        ]
    );

    // csv is the spreadsheet format: it keeps its formula guard.
    let csv = suppress_to("csv", &dir.join("csv"));
    assert_eq!(
        first_column(&csv, true)[..3],
        ["'+1234@example.com", "'-evil@example.com", "'=cmd@example.com"]
    );
}

/// Item 12: into a file or a pipe, txt and csv give the same bytes for the
/// address with escapes (txt used to turn them into spaces); pipes and files
/// agree. (On a terminal both escape it: unit tests in src/commands/suppress.rs
/// and src/output.rs, as a test cannot get a terminal.)
#[test]
fn issue15_txt_and_csv_agree_on_an_address_in_files_and_pipes() {
    let dir = fresh_dir("agree");
    let hostile = ADDRESSES[3];
    let txt_pipe = suppress("txt", &[]);
    let txt_file = suppress_to("txt", &dir.join("list.txt"));
    assert_eq!(txt_pipe, txt_file);
    let txt_lines: Vec<&[u8]> = txt_file.split(|&b| b == b'\n').collect();
    assert_eq!(
        txt_lines[3],
        hostile.as_bytes(),
        "txt: {:?}",
        String::from_utf8_lossy(txt_lines[3])
    );
    let csv_pipe = suppress("csv", &[]);
    let csv_file = suppress_to("csv", &dir.join("list.csv"));
    assert_eq!(csv_pipe, csv_file);
    assert_eq!(first_column(&csv_file, true)[3], hostile, "csv");
}

/// Item 6: a FIFO is written into (a reader gets the list) and stays a
/// FIFO; `/proc/self/fd/1` is our stdout, written in place. Before: the FIFO
/// was replaced by a regular file (its reader waited for ever), and
/// `/proc/self/fd/1` failed (no temporary file can be made in /proc).
#[test]
fn issue15_out_writes_into_a_fifo_or_a_descriptor_in_place() {
    let dir = fresh_dir("fifo");
    let fifo = dir.join("list.fifo");
    let made = std::process::Command::new("mkfifo")
        .arg(&fifo)
        .status()
        .expect("mkfifo runs");
    assert!(made.success());
    let reader = {
        let fifo = fifo.clone();
        std::thread::spawn(move || std::fs::read(fifo).expect("read the FIFO"))
    };
    let out = suppress("txt", &["--out", &fifo.display().to_string()]);
    assert!(out.is_empty());
    let kind = std::fs::symlink_metadata(&fifo).expect("still there").file_type();
    assert!(kind.is_fifo(), "--out replaced the FIFO with {kind:?}");
    let expected: String = ADDRESSES.iter().map(|a| format!("{a}\n")).collect();
    assert_eq!(reader.join().expect("the reader"), expected.as_bytes());
    assert_eq!(std::fs::read_dir(&dir).unwrap().count(), 1, "nothing else left");

    let through_fd = suppress("txt", &["--out", "/proc/self/fd/1"]);
    assert_eq!(through_fd, expected.as_bytes());
}

/// Item 6: `--out /dev/stdout` writes to stdout (a pipe here) and leaves the
/// system's /dev/stdout a link; `--out /dev/null` leaves /dev/null a device.
/// Not run against the old binary: as root it replaced both with regular
/// files.
#[test]
fn issue15_out_dev_stdout_is_stdout() {
    let out = suppress("txt", &["--out", "/dev/stdout"]);
    let expected: String = ADDRESSES.iter().map(|a| format!("{a}\n")).collect();
    assert_eq!(out, expected.as_bytes());
    let kind = std::fs::symlink_metadata("/dev/stdout")
        .expect("/dev/stdout")
        .file_type();
    assert!(kind.is_symlink() || kind.is_char_device(), "{kind:?}");
    assert!(suppress("txt", &["--out", "/dev/null"]).is_empty());
    let kind = std::fs::symlink_metadata("/dev/null")
        .expect("/dev/null")
        .file_type();
    assert!(kind.is_char_device(), "{kind:?}");
}

/// Item 6: a link is followed: its regular file is replaced atomically, and
/// the link stays a link (a relative one, into another directory). Before:
/// the link itself was replaced by a regular file.
#[test]
fn issue15_out_through_a_link_replaces_its_file_and_keeps_the_link() {
    let dir = fresh_dir("link");
    std::fs::create_dir(dir.join("real")).unwrap();
    let target = dir.join("real/list.txt");
    std::fs::write(&target, "old\n").unwrap();
    set_mode(&target, 0o640);
    let link = dir.join("list.txt");
    std::os::unix::fs::symlink("real/list.txt", &link).unwrap();
    let written = suppress_to("txt", &link);
    assert!(
        std::fs::symlink_metadata(&link).unwrap().file_type().is_symlink(),
        "the link is kept"
    );
    assert_eq!(std::fs::read(&target).unwrap(), written);
    assert!(written.starts_with(b"+1234@example.com\n"));
    assert_eq!(mode(&target), 0o640);
    assert_eq!(std::fs::read_dir(dir.join("real")).unwrap().count(), 1);
}

/// Item 8: `analyze --out` keeps an existing file's mode, and makes a new
/// one 0600 (it holds addresses); `suppress --out` keeps a 0640 list 0640.
/// Before: 0600 became 0644, a new report was 0644, 0640 became 0600.
#[test]
fn issue15_out_keeps_the_mode_and_new_files_are_private() {
    let dir = fresh_dir("modes");
    let report = dir.join("report.json");
    let analyze = |path: &Path| {
        let (code, _, err) = run(bouncectl()
            .args(["analyze", "-q", "--no-state", "--format", "json", "--out"])
            .arg(path)
            .arg(ODD));
        assert_eq!(code, 0, "{err}");
    };
    analyze(&report);
    assert_eq!(mode(&report), 0o600, "a new report");
    for kept in [0o600, 0o640, 0o644] {
        set_mode(&report, kept);
        analyze(&report);
        assert_eq!(mode(&report), kept, "analyze --out over a {kept:o} file");
    }
    let list = dir.join("list.csv");
    std::fs::write(&list, "").unwrap();
    set_mode(&list, 0o640);
    suppress_to("csv", &list);
    assert_eq!(mode(&list), 0o640, "suppress --out over a 0640 file");
}

fn ours(dir: &Path) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n.starts_with(".bouncectl-"))
        .collect();
    names.sort();
    names
}

/// Item 7: the next `--out` into a directory removes the temporary files
/// that killed runs of ours left there (unlocked and a minute old, or of the
/// older lock-less name and an hour old), and nothing else. Before: they
/// stayed for ever.
#[test]
fn issue15_stale_temporary_files_are_removed_on_the_next_run() {
    let dir = fresh_dir("stale");
    let aged = filetime::FileTime::from_unix_time(1_700_000_000, 0);
    let make = |name: &str, old: bool| {
        let p = dir.join(name);
        std::fs::write(&p, "half a list").unwrap();
        if old {
            filetime::set_file_mtime(&p, aged).unwrap();
        }
        p
    };
    make(".bouncectl-k1lled.tmp", true);
    make(".bouncectl-Ab12Cd", true);
    make(".bouncectl-n0wNow.tmp", false);
    make(".bouncectl-Zz99zz", false);
    make(".bouncectl-notes.txt", true);
    make("mine.txt", true);
    suppress_to("txt", &dir.join("list.txt"));
    assert_eq!(
        ours(&dir),
        [
            ".bouncectl-Zz99zz",
            ".bouncectl-n0wNow.tmp",
            ".bouncectl-notes.txt"
        ]
    );
    assert!(dir.join("mine.txt").exists());
}

/// A state with `n` suppressed addresses more than [`ODD`]'s, put straight
/// into its table (analyzing that many takes minutes in a debug build).
fn big_state(n: u32) -> PathBuf {
    let dir = fresh_dir("big-state");
    let state = dir.join("state.db");
    let (code, _, err) = run(bouncectl()
        .args(["analyze", "-q", "--format", "json", "--state"])
        .arg(&state)
        .arg(ODD));
    assert_eq!(code, 0, "{err}");
    let db = rusqlite::Connection::open(&state).expect("open the state");
    db.execute(
        "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < ?1) \
         INSERT INTO addresses (address, status, soft_streak, class, reason, status_code, diagnostic, \
         trigger_ts, first_seen, last_seen, bounces) \
         SELECT printf('user%07d@example.com', i), 'suppressed', 0, 'hard', 'userunknown', '5.1.1', \
         '550 5.1.1 User unknown', 1772442111, 1772442111, 1772442111, 1 FROM n",
        [n],
    )
    .expect("insert addresses");
    state
}

/// Item 7: SIGINT, SIGTERM or SIGHUP during `suppress --out` removes the
/// temporary file; the signal still ends the program (as the default
/// action would) and the old file stays. Before: the temporary file stayed.
#[test]
fn issue15_a_signal_during_the_write_leaves_no_temporary_file() {
    let state = big_state(50_000);
    for signal in ["TERM", "INT", "HUP"] {
        let dir = fresh_dir("signal");
        let out = dir.join("list.json");
        std::fs::write(&out, "the old list\n").unwrap();
        let mut child = std::process::Command::new(assert_cmd::cargo::cargo_bin("bouncectl"))
            .args(["suppress", "-q", "--format", "json", "--state"])
            .arg(&state)
            .arg("--out")
            .arg(&out)
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .spawn()
            .expect("bouncectl starts");
        let started = std::time::Instant::now();
        let mut seen = false;
        while started.elapsed() < std::time::Duration::from_secs(60) {
            if ours(&dir).iter().any(|n| n.starts_with(".bouncectl-")) {
                seen = true;
                break;
            }
            if child.try_wait().expect("wait").is_some() {
                break;
            }
            std::thread::sleep(std::time::Duration::from_millis(2));
        }
        let sent = std::process::Command::new("kill")
            .args([format!("-{signal}"), child.id().to_string()])
            .status()
            .expect("kill runs");
        let status = child.wait().expect("bouncectl ends");
        assert!(
            seen && sent.success(),
            "SIG{signal}: the export ended before its temporary file was seen"
        );
        use std::os::unix::process::ExitStatusExt;
        assert!(
            status.signal().is_some(),
            "SIG{signal}: ended by the signal, got {status:?}"
        );
        assert_eq!(
            ours(&dir),
            Vec::<String>::new(),
            "SIG{signal}: temporary file left"
        );
        assert_eq!(std::fs::read_to_string(&out).unwrap(), "the old list\n");
    }
}
