//! The README shows real output: the sample report and the classify example
//! must be what the binary prints today.

use crate::util::{bouncectl, root, run};

fn readme() -> String {
    std::fs::read_to_string(root().join("README.md")).expect("README.md")
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
        readme().contains(&text),
        "README.md does not contain the current classify output:\n{text}"
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
        readme().contains(text.trim_end()),
        "README.md does not contain the current classify --explain output:\n{text}"
    );
}
