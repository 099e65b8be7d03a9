//! The README and docs/ show real output: the sample report (in the README
//! itself), the classify examples and the filter example must be what the
//! binary prints today. (The `<!-- output: ... -->` blocks of both are
//! checked in formats_out.rs.)

use crate::util::{bouncectl, fresh_dir, root, run};

fn readme() -> String {
    std::fs::read_to_string(root().join("README.md")).expect("README.md")
}

/// The README and every docs/*.md in name order: README.md first, then
/// docs/commands.md, ... (an example may live in either).
pub fn readme_and_docs() -> Vec<(String, String)> {
    let mut docs: Vec<_> = std::fs::read_dir(root().join("docs"))
        .expect("docs/")
        .map(|e| e.expect("a docs/ entry").path())
        .filter(|p| p.extension().is_some_and(|x| x == "md"))
        .collect();
    docs.sort();
    let mut all = vec![("README.md".to_string(), readme())];
    for path in docs {
        let name = path.strip_prefix(root()).unwrap_or(&path).display().to_string();
        let text = std::fs::read_to_string(&path).expect("a docs/*.md file");
        all.push((name, text));
    }
    all
}

/// Whether the README or a docs/*.md file contains `text`.
fn documented(text: &str) -> bool {
    readme_and_docs().iter().any(|(_, t)| t.contains(text))
}

#[test]
fn readme_sample_report_is_current() {
    let (code, out, err) = run(bouncectl().args(["analyze", "--no-state", "fixtures/postfix/sample.log"]));
    assert_eq!(code, 0, "{err}");
    let report = String::from_utf8(out).unwrap();
    assert!(
        readme().contains(&report),
        "README.md does not contain the current output of `bouncectl analyze --no-state fixtures/postfix/sample.log`:\n{report}"
    );
}

#[test]
fn readme_classify_example_is_current() {
    let (code, out, _) = run(bouncectl().args([
        "classify",
        "550-5.1.1 The email account that you tried to reach does not exist",
        "421 4.7.0 [TSS04] Messages from 203.0.113.25 temporarily deferred due to unexpected volume or user complaints",
        "552 5.2.2 Mailbox full",
    ]));
    assert_eq!(code, 0);
    let text = String::from_utf8(out).unwrap();
    assert!(
        documented(&text),
        "neither README.md nor docs/*.md contains the current classify output:\n{text}"
    );
}

#[test]
fn readme_explain_example_is_current() {
    let (code, out, _) = run(bouncectl().args([
        "classify",
        "--explain",
        "host mx[192.0.2.1] said: 550 Administrative prohibition (in reply to end of DATA command)",
    ]));
    assert_eq!(code, 0);
    let text = String::from_utf8(out).unwrap();
    // The README block holds the explanation without its closing blank line.
    assert!(
        documented(text.trim_end()),
        "neither README.md nor docs/*.md contains the current classify --explain output:\n{text}"
    );
}

/// Issue 17: the README is the first screen, the commands, cron and exit
/// codes; the rest lives in docs/ (it was 1027 lines).
#[test]
fn readme_is_at_most_500_lines() {
    let lines = readme().lines().count();
    assert!(
        lines <= 500,
        "README.md has {lines} lines: move reference text into docs/"
    );
}

/// docs/commands.md's `filter` example: the stderr line of a filter of
/// fixtures/state/send-list.csv against the sample's suppressions.
#[test]
fn docs_filter_example_is_current() {
    let dir = fresh_dir("readme-filter");
    let state = dir.join("state.db");
    let state = state.to_str().expect("a UTF-8 temporary path");
    let (code, _, err) =
        run(bouncectl().args(["analyze", "-q", "--state", state, "fixtures/postfix/sample.log"]));
    assert_eq!(code, 0, "{err}");
    let clean = dir.join("clean.csv");
    let (code, _, err) = run(bouncectl().args([
        "filter",
        "--state",
        state,
        "fixtures/state/send-list.csv",
        "--out",
        clean.to_str().expect("a UTF-8 temporary path"),
    ]));
    assert_eq!(code, 0, "{err}");
    let example = format!("$ bouncectl filter send-list.csv --out clean.csv\n{err}");
    assert!(
        documented(example.trim_end()),
        "neither README.md nor docs/*.md contains the current filter example:\n{example}"
    );
}

/// Every block of report output in README.md and docs/ is checked: a
/// `json`, `csv` or `markdown` block, or a `text` block, needs an
/// `<!-- output: ... -->` or `<!-- file: ... -->` marker (formats_out.rs
/// runs it), or is a `$ bouncectl ...` transcript or the sample report,
/// which the tests above check. An example moved without its marker, or
/// written by hand, fails here.
#[test]
fn every_output_block_in_readme_and_docs_is_checked() {
    let sample = "bouncectl report · 2026-11-16 07:04:00Z";
    let mut blocks = 0;
    for (name, text) in readme_and_docs() {
        let lines: Vec<&str> = text.lines().collect();
        let mut in_block = false;
        for (i, line) in lines.iter().enumerate() {
            if !line.starts_with("```") {
                continue;
            }
            if in_block {
                in_block = false;
                continue;
            }
            in_block = true;
            let lang = line.trim_start_matches('`').trim();
            if !["text", "json", "csv", "markdown", "toml"].contains(&lang) {
                continue;
            }
            blocks += 1;
            let marked = i > 0
                && (lines[i - 1].starts_with("<!-- output: ") || lines[i - 1].starts_with("<!-- file: "));
            let first = lines.get(i + 1).copied().unwrap_or("");
            let transcript = first.starts_with("$ bouncectl ");
            let is_sample = name == "README.md" && first.starts_with(sample);
            assert!(
                marked || transcript || is_sample,
                "{name}:{}: a ```{lang} block with no <!-- output: ARGS --> marker: its output is not checked",
                i + 1
            );
        }
    }
    assert!(blocks >= 10, "{blocks} output blocks in README.md and docs/");
}
