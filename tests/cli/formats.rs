//! Issue 7: Exim logs and ESP exports through the same classifier,
//! correlation and report as Postfix — format detection, the same deliveries
//! told by three sources, inputs of different formats merged in time order,
//! malformed records, `--columns`.

use crate::util::{bouncectl, run};
use serde_json::Value;
use std::path::Path;

fn report(args: &[&str]) -> Value {
    let (code, out, err) = run(bouncectl().args(["analyze", "-q", "--format", "json"]).args(args));
    assert!(code == 0, "{args:?} exited {code}: {err}");
    serde_json::from_slice(&out).expect("valid JSON report")
}

/// The report of an input of which not one line was recognised: exit 1,
/// the file named on stderr (issue 17: no data is not healthy).
fn unrecognised(args: &[&str]) -> (Value, String) {
    let (code, out, err) = run(bouncectl().args(["analyze", "--format", "json"]).args(args));
    assert!(code == 1, "{args:?} exited {code}, not 1: {err}");
    assert!(err.contains(": nothing in it was recognised (read as "), "{err}");
    let r: Value = serde_json::from_slice(&out).expect("valid JSON report");
    assert_eq!(r["status"], "no-data");
    (r, err)
}

/// A report and what went to stderr (warnings), without `-q`.
fn report_and_warnings(args: &[&str]) -> (Value, String) {
    let (code, out, err) = run(bouncectl().args(["analyze", "--format", "json"]).args(args));
    assert!(code == 0, "{args:?} exited {code}: {err}");
    (serde_json::from_slice(&out).expect("valid JSON report"), err)
}

#[test]
fn the_same_deliveries_as_postfix_exim_and_sendgrid_give_the_same_report() {
    let postfix = report(&["fixtures/equivalence/postfix.log"]);
    let exim = report(&["fixtures/equivalence/exim.log"]);
    let sendgrid = report(&["fixtures/equivalence/sendgrid.json"]);
    let formats: Vec<&Value> = [&postfix, &exim, &sendgrid]
        .iter()
        .map(|r| &r["inputs"][0]["format"])
        .collect();
    assert_eq!(formats, ["postfix", "exim", "sendgrid"]);
    for key in [
        "deliveries",
        "rates",
        "by_reason",
        "suppression",
        "by_domain",
        "excluded",
        "status",
    ] {
        assert_eq!(postfix[key], exim[key], "postfix vs exim: {key}");
        // The rule ids under each reason may differ: an export carries no
        // SMTP stage, so the same reply is decided by its status there.
        let without_rules = |v: &Value| {
            let mut v = v.clone();
            if let Some(rows) = v.as_array_mut() {
                rows.iter_mut().for_each(|r| {
                    r.as_object_mut().map(|o| o.remove("rules"));
                });
            }
            v
        };
        assert_eq!(
            without_rules(&postfix[key]),
            without_rules(&sendgrid[key]),
            "postfix vs sendgrid: {key}"
        );
    }
    // The classifier reads the SMTP stage (`(in reply to RCPT TO command)`,
    // Exim's `after RCPT TO:`), which only the MTA logs carry: deferral
    // reasons agree between the two logs, not necessarily with the export.
    assert_eq!(
        postfix["deferrals"], exim["deferrals"],
        "postfix vs exim: deferrals"
    );
    // `period` differs by design: the log's arrival lines are events, the
    // export's `processed` events are not.
    // What the data holds, so that agreeing on nothing cannot pass.
    let d = &postfix["deliveries"];
    assert_eq!(
        (
            d["total"].as_u64(),
            d["delivered"].as_u64(),
            d["pending"].as_u64()
        ),
        (Some(17), Some(8), Some(1))
    );
    assert_eq!(d["deferred_then_delivered"], 2);
    let s = &postfix["suppression"];
    assert_eq!((s["total"].as_u64(), s["at_risk"].as_u64()), (Some(3), Some(1)));
    assert_eq!(s["by_cause"]["soft"], 1);
    assert_eq!(postfix["inputs"][0]["skipped"], 0);
}

#[test]
fn every_fixture_is_recognised_as_its_format() {
    let cases = [
        ("fixtures/exim/variants.log", "exim"),
        ("fixtures/exim/exim-exporter-mainlog.log", "exim"),
        ("fixtures/exim/crowdsec-exim.log", "exim"),
        ("fixtures/exim/logstash-patterns-core-exim.log", "exim"),
        ("fixtures/postfix/outcomes.log", "postfix"),
        ("fixtures/esp/ses-bounce-events.jsonl", "ses"),
        ("fixtures/esp/ses-sns-notifications.jsonl", "ses"),
        ("fixtures/esp/sendgrid-events.json", "sendgrid"),
        ("fixtures/esp/sendgrid-bounces.csv", "sendgrid-csv"),
        ("fixtures/esp/sendgrid-blocks.csv", "sendgrid-csv"),
        ("fixtures/esp/mailgun-events.jsonl", "mailgun"),
        ("fixtures/esp/mailgun-webhook.json", "mailgun"),
        ("fixtures/esp/mailgun-legacy-webhook.jsonl", "mailgun"),
        ("fixtures/esp/mailgun-bounces-import.csv", "csv"),
        ("fixtures/esp/postmark-bounces.json", "postmark"),
        ("fixtures/esp/postmark-webhooks.jsonl", "postmark"),
        ("fixtures/esp/sparkpost-events.json", "sparkpost"),
        ("fixtures/esp/mandrill-webhook.json", "mandrill"),
        ("fixtures/esp/mandrill-rejects.json", "mandrill"),
        ("fixtures/esp/mailchimp-cleaned.csv", "mailchimp"),
        ("fixtures/esp/mailchimp-unsubscribed.csv", "mailchimp"),
        ("fixtures/esp/brevo-webhook-events.jsonl", "brevo"),
        ("fixtures/esp/postal-webhooks.jsonl", "postal"),
    ];
    let mut args: Vec<&str> = vec!["--year", "2026"];
    args.extend(cases.iter().map(|c| c.0));
    let r = report(&args);
    let inputs = r["inputs"].as_array().expect("inputs");
    assert_eq!(inputs.len(), cases.len());
    for (path, format) in cases {
        let input = inputs
            .iter()
            .find(|i| i["path"] == path)
            .unwrap_or_else(|| panic!("{path} not in the report"));
        assert_eq!(input["format"], format, "{path}");
    }
}

#[test]
fn input_format_forces_the_parser() {
    // An Exim log read as Postfix: every line is in no Postfix form.
    let (r, _) = unrecognised(&[
        "--input-format",
        "postfix",
        "fixtures/exim/exim-exporter-mainlog.log",
    ]);
    assert_eq!(r["inputs"][0]["format"], "postfix");
    assert_eq!(r["inputs"][0]["events"], 0);
    assert_eq!(r["inputs"][0]["skipped"], r["inputs"][0]["lines"]);
    // SES records read as SendGrid events: no `event` key, each one skipped.
    let (r, _) = unrecognised(&[
        "--input-format",
        "sendgrid",
        "fixtures/esp/ses-sns-notifications.jsonl",
    ]);
    assert_eq!(r["inputs"][0]["format"], "sendgrid");
    assert_eq!(r["inputs"][0]["skipped_by"]["unknown_form"], 5);
}

/// A Postfix log and an ESP export that overlap in time are one stream: an
/// address that soft-bounces in the log, then in the export, then in the log
/// again has three soft bounces in a row — whichever file is named first.
#[test]
fn a_log_and_an_export_overlapping_in_time_merge_in_time_order() {
    let dir = tempfile::tempdir().unwrap();
    let log = dir.path().join("mail.log");
    let line = |t: &str, id: &str, status: &str, text: &str| {
        format!("2026-03-02T{t}.000000+00:00 mx postfix/smtp[1]: {id}: to=<full@example.net>, relay=mail.example.net[192.0.2.20]:25, delay=1, dsn=5.2.2, status={status} (host mail.example.net[192.0.2.20] said: {text} (in reply to RCPT TO command))\n")
    };
    let full = "552 5.2.2 <full@example.net>: Mailbox full";
    std::fs::write(
        &log,
        line("09:00:00", "AAAAA00001", "bounced", full) + &line("11:00:00", "AAAAA00003", "bounced", full),
    )
    .unwrap();
    let export = |event: &str, extra: &str| {
        format!(
            r#"[{{"email":"full@example.net","timestamp":1772445600,"event":"{event}","sg_message_id":"Mid0002.filter","sg_event_id":"e1"{extra}}}]"#
        )
    };
    let bounced = dir.path().join("bounced.json");
    std::fs::write(
        &bounced,
        export(
            "bounce",
            &format!(r#","type":"bounce","status":"5.2.2","reason":"{full}""#),
        ),
    )
    .unwrap();
    let delivered = dir.path().join("delivered.json");
    std::fs::write(&delivered, export("delivered", r#","response":"250 2.0.0 OK""#)).unwrap();
    let (l, b, d) = (
        log.to_str().unwrap(),
        bounced.to_str().unwrap(),
        delivered.to_str().unwrap(),
    );
    for args in [[l, b], [b, l]] {
        let r = report(&args);
        assert_eq!(r["deliveries"]["soft"], 3, "{args:?}");
        assert_eq!(r["suppression"]["by_cause"]["soft"], 1, "{args:?}");
        assert_eq!(r["suppression"]["at_risk"], 0, "{args:?}");
    }
    // A delivery at 10:00 between the two bounces breaks the streak; read
    // after the log instead of in time order, it would not.
    for args in [[l, d], [d, l]] {
        let r = report(&args);
        assert_eq!(r["suppression"]["total"], 0, "{args:?}");
        assert_eq!(r["suppression"]["at_risk"], 1, "{args:?}");
        assert_eq!(r["period"]["first"], "2026-03-02T09:00:00Z");
        assert_eq!(r["period"]["last"], "2026-03-02T11:00:00Z");
    }
}

#[test]
fn malformed_records_are_counted_with_their_line_never_fatal() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("events.jsonl");
    let good = r#"{"notificationType":"Delivery","mail":{"messageId":"m1","timestamp":"2026-03-02T09:00:00Z"},"delivery":{"timestamp":"2026-03-02T09:00:01Z","recipients":["a@example.com"]}}"#;
    std::fs::write(
        &path,
        format!("{good}\n{{\"notificationType\": oops\n\n{good}\n[1,2\n"),
    )
    .unwrap();
    let name = path.to_str().unwrap();
    let (r, err) = report_and_warnings(&["--input-format", "ses", name]);
    assert_eq!(r["inputs"][0]["skipped_by"]["unrecognized"], 2);
    assert_eq!(
        r["deliveries"]["delivered"], 1,
        "the same delivery twice counts once"
    );
    assert!(
        err.contains("2 records in no known form skipped (first, line 2"),
        "{err}"
    );
    let (code, _, err) = run(bouncectl().args(["analyze", "--strict", "--input-format", "ses", name]));
    assert_eq!(code, 1);
    assert!(err.contains(&format!("{name}:2: unreadable record")), "{err}");
    // Bytes that are no JSON at all, forced through every document format.
    let junk = dir.path().join("junk");
    std::fs::write(&junk, b"\xff\xfe{\"a\":[\x00,\n\"\xc3\x28\"}\r\n,,;;\n").unwrap();
    for format in [
        "ses",
        "sendgrid",
        "sendgrid-csv",
        "mailgun",
        "postmark",
        "postmark-csv",
        "sparkpost",
        "mandrill",
        "mailchimp",
        "brevo",
        "postal",
        "csv",
        "exim",
    ] {
        let (r, _) = unrecognised(&["--input-format", format, junk.to_str().unwrap()]);
        assert_eq!(r["deliveries"]["total"], 0, "{format}");
    }
}

#[test]
fn columns_name_the_columns_of_a_csv() {
    let r = report(&[
        "--columns",
        "email=Kontakt,timestamp=Zeitpunkt,code=SMTP,diagnostic=Antwort,class=Art",
        "fixtures/esp/generic-columns.csv",
    ]);
    assert_eq!(r["inputs"][0]["format"], "csv");
    assert_eq!(r["deliveries"]["hard"], 2);
    assert_eq!(r["esp"]["complaints"], 1);
    // Without the map the header names nothing we know: every row skipped.
    let (r, err) = unrecognised(&["--input-format", "csv", "fixtures/esp/generic-columns.csv"]);
    assert_eq!(r["deliveries"]["total"], 0);
    assert!(err.contains("no column holds the recipient address"), "{err}");
    assert!(err.contains("--columns email=HEADER"), "{err}");
    // A name the header lacks, and a map that is no map.
    let (_, err) = unrecognised(&[
        "--columns",
        "email=Mail",
        "--input-format",
        "csv",
        "fixtures/esp/generic-columns.csv",
    ]);
    assert!(
        err.contains("--columns email=Mail: the header has no such column"),
        "{err}"
    );
    let (code, _, err) = run(bouncectl().args([
        "analyze",
        "--columns",
        "colour=red",
        "fixtures/esp/generic-columns.csv",
    ]));
    assert_eq!(code, 2);
    assert!(err.contains("unknown field `colour`"), "{err}");
}

#[test]
fn esp_side_refusals_complaints_and_unsubscribes_stay_out_of_the_rates() {
    let r = report(&["fixtures/esp/sendgrid-events.json"]);
    let e = &r["esp"];
    // dropped: Bounced Address ×2, Invalid, Spam Reporting, Unsubscribed.
    assert_eq!(e["already_suppressed"], 5);
    assert_eq!(e["already_suppressed_by"]["complaint"], 1);
    assert_eq!(
        (e["complaints"].as_u64(), e["unsubscribes"].as_u64()),
        (Some(1), Some(2))
    );
    let d = &r["deliveries"];
    let finals = ["delivered", "hard", "soft", "block"]
        .iter()
        .map(|k| d[*k].as_u64().unwrap())
        .sum::<u64>();
    assert_eq!(
        e["complaint_rate"].as_f64().unwrap(),
        (10_000.0 / finals as f64).round() / 10_000.0
    );
    assert_eq!(e["complaint_status"], "critical");
    assert!(r["alerts"]
        .as_array()
        .unwrap()
        .iter()
        .any(|a| a["code"] == "complaint-rate"));
    // Refused, complaining and unsubscribed addresses are suppressed all the
    // same (decided by the state, in time order: example@example.com bounced
    // hard in the second it was dropped, and an outcome comes before a signal
    // of the same second, so it counts as hard, not as refused).
    let s = &r["suppression"]["by_cause"];
    assert_eq!(
        (s["esp"].as_u64(), s["unsubscribe"].as_u64(), s["hard"].as_u64()),
        (Some(4), Some(2), Some(4))
    );
    // A Postfix report has no esp section at all.
    assert!(report(&["--year", "2026", "fixtures/postfix/outcomes.log"])
        .get("esp")
        .is_none());
}

#[test]
fn our_classifier_decides_and_disagreements_are_counted() {
    // SES files Outlook's S3150 sender block as Permanent/General (hard).
    let r = report(&["fixtures/esp/ses-sns-notifications.jsonl"]);
    assert_eq!(r["deliveries"]["block"], 1);
    assert_eq!(r["esp"]["classifier_disagreements"], 1);
    assert_eq!(
        r["esp"]["disagreements"][0],
        serde_json::json!({"esp": "hard", "ours": "block", "count": 1})
    );
    // Blocks never suppress, whatever the ESP said.
    assert_eq!(r["suppression"]["by_cause"]["hard"], 3);
}

/// The Exim test suite's log (GPL, not copied): read in place when the shared
/// corpus is there. Every line must be in a known form.
#[test]
fn the_exim_test_suite_log_reads_without_unknown_lines() {
    let path = Path::new("/work/shared/corpus/logs/exim-testsuite-main.log");
    if !path.exists() {
        eprintln!("skipped: {} is not here", path.display());
        return;
    }
    let r = report(&[path.to_str().unwrap()]);
    let input = &r["inputs"][0];
    assert_eq!(input["format"], "exim");
    assert_eq!(input["lines"], 6808);
    // Every line in a known form; three deliveries to an SMTPUTF8 address
    // whose local part (31 Devanagari letters) is 93 octets, over RFC 5321's
    // 64, are records whose recipient is no address (issue 15, item 5).
    assert_eq!(input["skipped"], 3, "{input}");
    assert_eq!(input["skipped_by"]["invalid_address"], 3, "{input}");
    let d = &r["deliveries"];
    assert!(d["total"].as_u64().unwrap() > 300, "{d}");
    assert!(
        d["hard"].as_u64().unwrap() > 0 && d["soft"].as_u64().unwrap() > 0,
        "{d}"
    );
    assert!(r["excluded"]["notifications"].as_u64().unwrap() > 0);
    let expired = r["by_reason"]
        .as_array()
        .unwrap()
        .iter()
        .find(|row| row["key"] == "expired")
        .map(|row| row["count"].as_u64().unwrap());
    assert!(expired.is_some_and(|n| n > 0), "retry timeouts: {expired:?}");
}
