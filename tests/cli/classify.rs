//! `bouncectl classify` end to end: the real binary on texts, standard input,
//! `--rules FILE` precedence and the errors of a bad rules file.

use crate::util::bouncectl;
use predicates::prelude::*;
use serde_json::Value;
use std::io::Write;

/// Runs `classify --format json` and parses its JSON Lines; on failure the
/// panic shows everything (arguments, status, stdout, stderr).
fn classify_json(args: &[&str], stdin: Option<&[u8]>) -> Vec<Value> {
    let mut cmd = bouncectl();
    cmd.args(["classify", "--format", "json"]).args(args);
    if let Some(input) = stdin {
        cmd.write_stdin(input);
    }
    let out = cmd.output().expect("run bouncectl");
    assert!(
        out.status.success(),
        "classify {args:?} failed: {:?}\nstdout: {}\nstderr: {}",
        out.status,
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout)
        .expect("UTF-8 output")
        .lines()
        .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("not JSON ({e}): {l}")))
        .collect()
}

fn rules_file(text: &str) -> tempfile::NamedTempFile {
    let mut f = tempfile::Builder::new()
        .suffix(".toml")
        .tempfile()
        .expect("temp file");
    f.write_all(text.as_bytes()).expect("write rules");
    f
}

#[test]
fn json_lines_carry_the_documented_fields() {
    let rows = classify_json(
        &[
            "550-5.1.1 The email account that you tried to reach does not exist. Please try 550-5.1.1 double-checking the recipient's email address for typos - gsmtp",
            "421-4.7.28 [203.0.113.25] Our system has detected an unusual rate of unsolicited mail originating from your IP address. - gsmtp",
            "552 5.2.2 <user@example.com>: Recipient address rejected: Mailbox full",
            "something nobody has ever said",
        ],
        None,
    );
    assert_eq!(rows.len(), 4);
    let fields = |r: &Value| {
        (
            r["class"].as_str().unwrap().to_string(),
            r["reason"].as_str().unwrap().to_string(),
            r["code"].as_u64(),
            r["status"].as_str().map(str::to_string),
            r["rule"].as_str().unwrap().to_string(),
        )
    };
    assert_eq!(
        fields(&rows[0]),
        (
            "hard".into(),
            "userunknown".into(),
            Some(550),
            Some("5.1.1".into()),
            "gmail.nosuchuser".into()
        )
    );
    assert_eq!(
        fields(&rows[1]),
        (
            "block".into(),
            "speeding".into(),
            Some(421),
            Some("4.7.28".into()),
            "gmail.rate".into()
        )
    );
    assert_eq!(rows[1]["deferral"], "rate-limit");
    assert_eq!(fields(&rows[2]).0, "soft");
    assert_eq!(fields(&rows[2]).1, "mailboxfull");
    assert_eq!(rows[3]["reason"], "undefined");
    assert_eq!(rows[3]["code"], Value::Null);
    assert!(rows[3]["input"].as_str().unwrap().starts_with("something"));
}

#[test]
fn reads_one_text_per_line_of_stdin_and_survives_odd_bytes() {
    let mut input =
        b"Host or domain name not found. Name service error for name=exampel.com type=A: Host not found\r\n"
            .to_vec();
    input.extend_from_slice(b"450 4.2.0 <a@b.example>: Recipient address rejected: Greylisted\n");
    input.extend_from_slice(b"550 \xff\xfe\x00 invalid \x1b[31m bytes\n");
    input.extend_from_slice(b"\n");
    let rows = classify_json(&[], Some(&input));
    assert_eq!(rows.len(), 4, "one object per input line, empty lines included");
    assert_eq!(rows[0]["reason"], "hostunknown");
    assert_eq!(rows[1]["reason"], "greylisted");
    assert_eq!(rows[1]["deferral"], "greylisting");
    assert_eq!(rows[2]["code"], 550);
    assert_eq!(rows[3]["reason"], "undefined");
}

#[test]
fn table_has_a_header_and_escapes_control_characters() {
    bouncectl()
        .args(["classify", "550 5.1.1 user unknown \u{1b}[2J"])
        .assert()
        .success()
        .stdout(predicate::str::starts_with("class  reason"))
        .stdout(predicate::str::contains("userunknown"))
        .stdout(predicate::str::contains("\u{1b}").not());
}

#[test]
fn user_rules_take_precedence_over_the_builtin_table() {
    let rules = rules_file(
        r#"
        # A local policy filter whose 550 5.7.1 replies are about content.
        [[rule]]
        id = "local.x7"
        any = ["blocked by policy x7"]
        status = "5.7.1"
        reason = "policyviolation"
        note = "our own gateway"

        # Replace a built-in rule by reusing its id: Gmail's NoSuchUser is
        # still userunknown, but this site wants it soft.
        [[rule]]
        id = "gmail.nosuchuser"
        any = ["the email account that you tried to reach does not exist"]
        reason = "userunknown"
        class = "soft"

        [[status]]
        code = "5.7.1"
        reason = "spamdetected"
        "#,
    );
    let path = rules.path().to_str().unwrap();
    let rows = classify_json(
        &[
            "--rules",
            path,
            "550 5.7.1 blocked by policy X7 (see https://example.net/x7)",
            "550-5.1.1 The email account that you tried to reach does not exist.",
            "550 5.7.1 nothing else matches this",
            "554 5.7.1 Service unavailable; Client host [203.0.113.25] blocked using zen.spamhaus.org",
        ],
        None,
    );
    assert_eq!(
        (rows[0]["rule"].as_str(), rows[0]["reason"].as_str()),
        (Some("local.x7"), Some("policyviolation"))
    );
    assert_eq!(
        (rows[1]["rule"].as_str(), rows[1]["class"].as_str()),
        (Some("gmail.nosuchuser"), Some("soft"))
    );
    assert_eq!(
        (rows[2]["rule"].as_str(), rows[2]["reason"].as_str()),
        (Some("status.5.7.1"), Some("spamdetected"))
    );
    // Built-in text rules still apply where the user file says nothing.
    assert_eq!(rows[3]["rule"], "dnsbl.spamhaus");
}

#[test]
fn a_bad_rules_file_is_a_usage_error_naming_file_and_rule() {
    let rules = rules_file("[[rule]]\nid = \"mine\"\nany = [\"x\"]\nreason = \"nosuchreason\"\n");
    bouncectl()
        .args(["classify", "--rules"])
        .arg(rules.path())
        .arg("550 x")
        .assert()
        .code(2)
        .stdout(predicate::str::is_empty())
        .stderr(predicate::str::contains(
            "rule `mine`: unknown reason `nosuchreason`",
        ))
        .stderr(predicate::str::contains(rules.path().to_str().unwrap()))
        .stderr(predicate::str::contains("known: userunknown"));

    let broken = rules_file("[[rule]\nid = ");
    bouncectl()
        .args(["classify", "--rules"])
        .arg(broken.path())
        .arg("550 x")
        .assert()
        .code(2)
        .stderr(predicate::str::contains("not a valid rules file"));

    let bad_regex = rules_file("[[rule]]\nid = \"re\"\nany = [\"x\"]\nregex = \"(\"\nreason = \"blocked\"\n");
    bouncectl()
        .args(["classify", "--rules"])
        .arg(bad_regex.path())
        .arg("550 x")
        .assert()
        .code(2)
        .stderr(predicate::str::contains("rule `re`: bad regex"));
}

#[test]
fn the_user_documentation_lists_every_reason_and_deferral_label() {
    let doc = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/docs/classification.md"))
        .expect("docs/classification.md");
    for reason in bouncectl::model::Reason::ALL {
        let row = format!(
            "| `{}` | {} |",
            reason.as_str(),
            if reason.is_bounce() {
                reason.default_class().as_str()
            } else {
                "-"
            }
        );
        assert!(doc.contains(&row), "docs/classification.md lacks the row `{row}`");
    }
    for label in bouncectl::model::Deferral::ALL {
        assert!(
            doc.contains(&format!("| `{}` |", label.as_str())),
            "docs/classification.md lacks `{label}`"
        );
    }
}
