//! Issue 16 item 5: the user's CSV lists are read one way. The same file is
//! a send list for `filter` and a `--sources` file for `analyze`: both find
//! the address column under the same header spellings and delimiters, and
//! both read the same spellings of an address (`src/lists.rs`).

use crate::util::{bouncectl, fresh_dir, run};
use std::path::Path;

const IDN: &str = "fixtures/addresses/idn.log";
const NOW: &str = "2026-12-01T00:00:00Z";

/// Header rows (the address column, a `list` column, maybe another one) and
/// how a row is made from an address cell.
const HEADERS: &[(&str, &str)] = &[
    ("E-Mail,list", "{a},fair"),
    ("e_mail;List", "{a};fair"),
    ("Email Address\tlist", "{a}\tfair"),
    ("\u{feff}Email,list", "{a},fair"),
    ("EmailAddr,list", "{a},fair"),
    ("Recipient Email,list", "{a},fair"),
    ("RCPT TO,list", "{a},fair"),
    ("Subscriber Email,list", "{a},fair"),
    ("E.Mail,list", "{a},fair"),
    // Semicolons inside quotes do not make the list `;`-separated.
    ("\"Notes; Tags; Dept; Other\",email,list", "x,{a},fair"),
];

/// Spellings of the address `user2@xn--bcher-kva.example`, which the log
/// bounces hard (and so suppresses).
const SPELLINGS: &[&str] = &[
    "user2@bücher.example",
    "USER2@XN--BCHER-KVA.example",
    "<User2@Bücher.Example>",
    "mailto:user2@bücher.example",
    "\"Ann <user2@bücher.example>\"",
    " user2@bücher.example ",
];

fn list(header: &str, row: &str, addresses: &[&str]) -> String {
    let mut text = format!("{header}\n");
    for a in addresses {
        text.push_str(&row.replace("{a}", a));
        text.push('\n');
    }
    text
}

fn filter_drops_every_spelling(state: &Path, dir: &Path, header: &str, row: &str) {
    let keep = row.replace("{a}", "keep@example.com");
    let path = dir.join("send.csv");
    let mut text = list(header, row, SPELLINGS);
    text.push_str(&keep);
    text.push('\n');
    std::fs::write(&path, &text).unwrap();
    let out = dir.join("clean.csv");
    let (code, _, err) = run(bouncectl()
        .arg("filter")
        .arg(&path)
        .arg("--out")
        .arg(&out)
        .arg("--state")
        .arg(state)
        .args(["--now", NOW]));
    assert_eq!(code, 0, "filter, header {header:?}: {err}");
    assert_eq!(
        std::fs::read_to_string(&out).unwrap(),
        format!("{header}\n{keep}\n"),
        "filter, header {header:?}: {err}"
    );
}

fn sources_know_the_spelling(dir: &Path, header: &str, row: &str, spelling: &str) {
    let path = dir.join("sources.csv");
    std::fs::write(&path, list(header, row, &[spelling])).unwrap();
    let (code, out, err) = run(bouncectl()
        .args([
            "analyze",
            "-q",
            "--no-state",
            "--by",
            "source",
            "--format",
            "json",
        ])
        .arg("--sources")
        .arg(&path)
        .args(["--now", NOW, IDN]));
    assert_eq!(code, 0, "--sources, header {header:?}: {err}");
    let r: serde_json::Value = serde_json::from_slice(&out).unwrap();
    let fair = r["by_source"]
        .as_array()
        .and_then(|rows| rows.iter().find(|s| s["key"] == "fair"));
    assert!(
        fair.is_some_and(|s| s["total"] == 3 && s["hard"] == 1),
        "--sources, header {header:?}, address {spelling:?}: {}",
        r["by_source"]
    );
}

#[test]
fn issue16_filter_and_sources_accept_the_same_headers_and_addresses() {
    let dir = fresh_dir("lists");
    let state = dir.join("state.db");
    let (code, _, err) = run(bouncectl()
        .args(["analyze", "-q", "--now", NOW, IDN])
        .arg("--state")
        .arg(&state));
    assert_eq!(code, 0, "{err}");
    for (header, row) in HEADERS {
        filter_drops_every_spelling(&state, &dir, header, row);
        for spelling in SPELLINGS {
            sources_know_the_spelling(&dir, header, row, spelling);
        }
    }
}
