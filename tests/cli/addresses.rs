//! Issue 15, "Reliability, round 2", items 2, 4 and 5: one normal form for
//! addresses (internationalised domains as IDNA A-labels), and recipients
//! that are not addresses (not UTF-8, control characters, longer than RFC
//! 5321 allows) counted, warned about, and never stored or suppressed, the
//! same on both state backends (`fixtures/addresses/`).

use crate::state::{backends, Backend, State};
use crate::util::{bouncectl, fresh_dir, run};
use std::ffi::{OsStr, OsString};

const IDN: &str = "fixtures/addresses/idn.log";
const IMPOSSIBLE: &str = "fixtures/addresses/impossible.log";
const SEND_LIST: &str = "fixtures/addresses/send-list.csv";
const NOW: &str = "2026-12-01T00:00:00Z";

fn ok<S: AsRef<OsStr> + std::fmt::Debug>(args: &[S]) -> (Vec<u8>, String) {
    let (code, out, err) = run(bouncectl().args(args).args(["--now", NOW]));
    assert_eq!(code, 0, "bouncectl {args:?} exited {code}: {err}");
    (out, err)
}

/// `args` and `--state` for the test's state.
fn with_state(state: &State, args: &[&str]) -> Vec<OsString> {
    let mut all: Vec<OsString> = args.iter().map(OsString::from).collect();
    all.push("--state".into());
    all.push(state.as_ref().to_os_string());
    all
}

fn json(bytes: &[u8]) -> serde_json::Value {
    serde_json::from_slice(bytes).expect("valid JSON")
}

/// Item 2: `user2@bücher.example` bounced hard; a later send to
/// `user2@xn--bcher-kva.example` is a send to the same, suppressed mailbox.
#[test]
fn issue15_a_send_to_the_punycode_spelling_of_a_suppressed_address_is_a_violation() {
    let (out, _) = ok(&["analyze", "-q", "--no-state", "--format", "json", IDN]);
    let report = json(&out);
    let s = &report["suppression"];
    assert_eq!(s["total"], 1, "{s}");
    // One send to the A-label spelling, one to an upper-case Unicode one.
    assert_eq!(s["violations"], 2, "{s}");
    let (out, _) = ok(&["suppress", "-q", "--no-state", "--format", "txt", IDN]);
    assert_eq!(String::from_utf8(out).unwrap(), "user2@xn--bcher-kva.example\n");
}

/// Item 2 with a state: `filter` drops every spelling of the suppressed
/// address, and `history` finds it under either.
#[test]
fn issue15_filter_and_history_know_both_spellings_of_a_domain() {
    for backend in backends() {
        both_spellings(backend);
    }
}

fn both_spellings(backend: Backend) {
    let dir = fresh_dir("addresses-idn");
    let state = State::new(backend, &dir, "idn");
    ok(&with_state(&state, &["analyze", "-q", IDN]));
    let out = dir.join("clean.csv");
    let (_, err) = ok(&with_state(
        &state,
        &["filter", SEND_LIST, "--out", out.to_str().unwrap()],
    ));
    assert_eq!(
        std::fs::read_to_string(&out).unwrap(),
        "email,name\nanna@example.com,Anna\n",
        "{backend:?}: {err}"
    );
    assert!(err.contains("kept 1 of 4 rows; dropped 3 suppressed"), "{err}");
    for spelling in [
        "user2@bücher.example",
        "USER2@XN--BCHER-KVA.example",
        "<User2@Bücher.Example>",
    ] {
        let (bytes, _) = ok(&with_state(&state, &["history", spelling, "--format", "json"]));
        let h = json(&bytes);
        assert_eq!(
            h["address"], "user2@xn--bcher-kva.example",
            "{backend:?} {spelling}"
        );
        assert_eq!(h["status"], "suppressed", "{backend:?} {spelling}");
        let deliveries = h["events"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|e| e["event"] == "delivery")
            .count();
        assert_eq!(deliveries, 3, "{backend:?} {spelling}: {h}");
    }
}

/// The addresses of `impossible.log` that are addresses: a local part of
/// exactly 64 octets is one, 65 is not.
fn possible() -> String {
    format!("{}@example.com\nreal.user@example.com\n", "l".repeat(64))
}

/// Items 4 and 5: `caf\xe9@` and `caf\xe8@` are not two spellings of
/// `caf\u{fffd}@`, a NUL, an ESC or a DEL is no part of an address, and
/// neither is a 65-octet local part or a 250-octet domain label. None is
/// suppressed or exported, on either backend, and each is counted.
#[test]
fn issue15_recipients_that_are_not_addresses_are_counted_and_never_suppressed() {
    let (out, err) = ok(&["suppress", "-q", "--no-state", "--format", "txt", IMPOSSIBLE]);
    assert_eq!(String::from_utf8(out).unwrap(), possible(), "{err}");
    for backend in backends() {
        let dir = fresh_dir("addresses-impossible");
        let state = State::new(backend, &dir, "impossible");
        let (_, err) = ok(&with_state(&state, &["analyze", "--format", "json", IMPOSSIBLE]));
        assert!(
            err.contains(&format!(
                "{IMPOSSIBLE}: 7 records whose recipient is not an address skipped, never suppressed (first, line 2, bytes that are not UTF-8"
            )),
            "{backend:?}: {err}"
        );
        let (out, _) = ok(&with_state(&state, &["suppress", "-q", "--format", "txt"]));
        assert_eq!(String::from_utf8(out).unwrap(), possible(), "{backend:?}");
    }
}

#[test]
fn issue15_the_report_counts_what_is_not_an_address_in_json_and_table() {
    let (out, _) = ok(&["analyze", "-q", "--no-state", "--format", "json", IMPOSSIBLE]);
    let report = json(&out);
    let input = &report["inputs"][0];
    assert_eq!(input["skipped_by"]["invalid_address"], 7, "{input}");
    assert_eq!(input["skipped"], 7, "{input}");
    assert_eq!(report["suppression"]["total"], 2);
    assert_eq!(report["deliveries"]["total"], 2);
    let (out, _) = ok(&["analyze", "-q", "--no-state", IMPOSSIBLE]);
    let table = String::from_utf8(out).unwrap();
    let header = table.lines().find(|l| l.contains("skipped")).unwrap_or_default();
    assert!(header.contains("not addresses"), "{table}");
    // Inputs without such records keep their shape.
    let (out, _) = ok(&["analyze", "-q", "--no-state", "--format", "json", IDN]);
    let report = json(&out);
    assert!(report["inputs"][0]["skipped_by"].get("invalid_address").is_none());
    let (out, _) = ok(&["analyze", "-q", "--no-state", IDN]);
    assert!(!String::from_utf8(out).unwrap().contains("not addresses"));
}

/// Item 5: a huge "address" in an ESP export (here 4 MiB in a SendGrid
/// bounces CSV) is never exported; nor is a NUL in a JSON string.
#[test]
fn issue15_a_huge_address_in_an_export_is_not_suppressed() {
    let dir = fresh_dir("addresses-huge");
    let csv = dir.join("bounces.csv");
    let mut text = b"created,email,reason,status\n".to_vec();
    text.extend_from_slice(b"1772442111,");
    text.extend(std::iter::repeat_n(b'a', 4 << 20));
    text.extend_from_slice(b"@example.com,550 5.1.1 no such user,5.1.1\n");
    text.extend_from_slice(b"1772442112,ok@example.com,550 5.1.1 no such user,5.1.1\n");
    std::fs::write(&csv, &text).unwrap();
    let (out, err) = ok(&[
        "suppress",
        "-q",
        "--no-state",
        "--format",
        "txt",
        csv.to_str().unwrap(),
    ]);
    assert_eq!(String::from_utf8(out).unwrap(), "ok@example.com\n", "{err}");
    let (out, err) = ok(&["analyze", "--no-state", "--format", "json", csv.to_str().unwrap()]);
    assert_eq!(json(&out)["inputs"][0]["skipped_by"]["invalid_address"], 1);
    assert!(err.contains("line 2, longer than RFC 5321 allows"), "{err}");
    assert!(
        err.len() < 2000,
        "the warning quotes at most the start of the record"
    );
    let ses = dir.join("ses.jsonl");
    let record = |rcpt: &str| {
        format!(
            r#"{{"eventType":"Bounce","mail":{{"timestamp":"2026-03-02T09:00:00.000Z","messageId":"m-{}","destination":["{rcpt}"]}},"bounce":{{"bounceType":"Permanent","bounceSubType":"General","timestamp":"2026-03-02T09:00:01.000Z","bouncedRecipients":[{{"emailAddress":"{rcpt}","status":"5.1.1","diagnosticCode":"smtp; 550 5.1.1 user unknown"}}]}}}}"#,
            rcpt.len()
        )
    };
    std::fs::write(
        &ses,
        format!(
            "{}\n{}\n",
            record("nul\\u0000@example.com"),
            record("fine@example.com")
        ),
    )
    .unwrap();
    let (out, err) = ok(&[
        "suppress",
        "-q",
        "--no-state",
        "--format",
        "txt",
        ses.to_str().unwrap(),
    ]);
    assert_eq!(String::from_utf8(out).unwrap(), "fine@example.com\n", "{err}");
}
