//! Issue 8: the report formats (markdown, csv, prometheus, html besides table
//! and json), `--by` and `--sources`, foreign text escaped in every format,
//! table colours, per-provider alerts over `--min-volume`, `--inactivity`.
//! Whole outputs are compared with the files in `fixtures/report/`.

use crate::util::{assert_matches_file, bouncectl, root, run};
use serde_json::Value;
use std::collections::HashSet;
use std::path::Path;

const SAMPLE: &str = "fixtures/postfix/sample.log";
const CONTACTS: &str = "fixtures/report/contacts.csv";
/// Every optional breakdown, with the contacts file.
const BY_ALL: [&str; 4] = [
    "--by",
    "domain,provider,reason,relay,sender,day,source",
    "--sources",
    CONTACTS,
];

fn analyze(args: &[&str]) -> Vec<u8> {
    let (code, out, err) = run(bouncectl().args(["analyze", "-q"]).args(args));
    assert!(code == 0, "{args:?} exited {code}: {err}");
    out
}

fn text(args: &[&str]) -> String {
    String::from_utf8(analyze(args)).expect("UTF-8 output")
}

fn json(args: &[&str]) -> Value {
    serde_json::from_slice(&analyze(&[&["--format", "json"], args].concat())).expect("valid JSON")
}

#[test]
fn every_format_of_the_sample_matches_its_expected_file() {
    for (format, ext) in [
        ("markdown", "md"),
        ("csv", "csv"),
        ("prometheus", "prom"),
        ("html", "html"),
    ] {
        let out = analyze(&["--format", format, SAMPLE]);
        assert_matches_file(Path::new(&format!("fixtures/report/sample.{ext}")), &out);
        let by = analyze(&[&["--format", format], &BY_ALL[..], &[SAMPLE]].concat());
        assert_matches_file(Path::new(&format!("fixtures/report/sample-by.{ext}")), &by);
    }
    for (format, ext) in [("table", "txt"), ("json", "json")] {
        let by = analyze(&[&["--format", format], &BY_ALL[..], &[SAMPLE]].concat());
        assert_matches_file(Path::new(&format!("fixtures/report/sample-by.{ext}")), &by);
    }
}

#[test]
fn every_format_is_deterministic_whatever_the_threads() {
    for format in ["table", "json", "markdown", "csv", "prometheus", "html"] {
        let base = [&["--format", format], &BY_ALL[..], &[SAMPLE]].concat();
        let one = analyze(&[&base[..], &["--threads", "1"]].concat());
        let again = analyze(&[&base[..], &["--threads", "1"]].concat());
        let chunked = analyze(&[&base[..], &["--threads", "2", "--chunk-size", "97"]].concat());
        assert!(
            one == again && one == chunked,
            "{format} output changed between runs"
        );
    }
}

#[test]
fn json_gains_the_asked_breakdowns_and_keeps_the_others() {
    let plain = json(&[SAMPLE]);
    for key in ["by_provider", "by_relay", "by_sender", "by_source"] {
        assert!(plain.get(key).is_none(), "{key} present without --by");
    }
    assert!(plain["by_domain"].is_array() && plain["by_reason"].is_array() && plain["by_day"].is_array());
    assert_eq!(plain["last_delivery"], "2026-11-16T12:22:41Z");
    let by = json(&[&BY_ALL[..], &["--top", "0", SAMPLE]].concat());
    for key in [
        "by_domain",
        "by_reason",
        "by_day",
        "by_provider",
        "by_relay",
        "by_sender",
        "by_source",
    ] {
        assert!(by[key].is_array(), "{key} missing");
    }
    // The same deliveries, cut another way, add up to the same total.
    for key in ["by_provider", "by_relay", "by_sender", "by_source"] {
        let sum: u64 = by[key]
            .as_array()
            .unwrap()
            .iter()
            .map(|r| r["total"].as_u64().unwrap())
            .sum();
        assert_eq!(sum, 80, "{key}");
    }
    let provider = |name: &str| {
        by["by_provider"]
            .as_array()
            .unwrap()
            .iter()
            .find(|r| r["key"] == name)
            .cloned()
            .unwrap_or_else(|| panic!("{name} missing"))
    };
    // hotmail.com and outlook.com are one Microsoft; gmx.de and web.de one GMX/web.de.
    assert_eq!(provider("Microsoft")["total"], 11);
    assert_eq!(provider("GMX/web.de")["total"], 19);
    assert_eq!(provider("other")["total"], 5);
    // The 2019 import is where the hard bounces come from.
    let batch = by["by_source"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["key"] == "2019 CRM import")
        .cloned()
        .unwrap();
    assert_eq!(
        (batch["hard"].as_u64(), batch["bounce_rate"].as_f64()),
        (Some(3), Some(1.0))
    );
    // --top applies to the keyed breakdowns.
    let top = json(&["--top", "2", "--by", "provider,relay", SAMPLE]);
    assert_eq!(top["by_relay"].as_array().unwrap().len(), 2);
    assert_eq!(top["by_domain"].as_array().unwrap().len(), 2);
    // Two providers and the rest in "other".
    assert_eq!(top["by_provider"].as_array().unwrap().len(), 3);
}

#[test]
fn by_shows_what_is_asked_in_that_order() {
    let out = text(&["--by", "provider", "--by", "reason,domain", SAMPLE]);
    let at = |title: &str| {
        out.find(title)
            .unwrap_or_else(|| panic!("{title} missing:\n{out}"))
    };
    assert!(at("By mailbox provider") < at("By reason") && at("By reason") < at("By recipient domain"));
    assert!(!out.contains("By day"));
    let day = text(&["--by", "day", SAMPLE]);
    assert!(
        day.contains("By day (UTC)") && !day.contains("By recipient domain"),
        "{day}"
    );
    let (code, _, err) = run(bouncectl().args(["analyze", "--by", "planet", SAMPLE]));
    assert_eq!(code, 2);
    assert!(err.contains("planet"), "{err}");
    let (code, _, err) = run(bouncectl().args(["analyze", "--by", "source", SAMPLE]));
    assert_eq!(code, 2);
    assert!(err.contains("--sources"), "{err}");
    let (code, _, err) = run(bouncectl().args([
        "analyze",
        "--by",
        "source",
        "--sources",
        "fixtures/report/nope.csv",
        SAMPLE,
    ]));
    assert_eq!(code, 1);
    assert!(err.contains("fixtures/report/nope.csv"), "{err}");
    let dir = tempfile::tempdir().unwrap();
    let bad = dir.path().join("c.csv");
    std::fs::write(&bad, "name,list\nx,y\n").unwrap();
    let (code, _, err) = run(bouncectl()
        .args(["analyze", "--by", "source", "--sources"])
        .arg(&bad)
        .arg(SAMPLE));
    assert_eq!(code, 2);
    assert!(
        err.contains("no address column") && err.contains("email"),
        "{err}"
    );
}

#[test]
fn alerts_name_the_provider_and_respect_the_minimum_volume() {
    let r = json(&[SAMPLE]);
    let alerts = r["alerts"].as_array().unwrap();
    let ms = alerts
        .iter()
        .find(|a| a["provider"] == "Microsoft")
        .expect("a Microsoft alert");
    assert_eq!(ms["code"], "sender-block");
    assert_eq!(
        ms["message"],
        "Microsoft is blocking 203.0.113.25 (S3150): 2 of 11 deliveries blocked (hotmail.com, outlook.com)"
    );
    // 11 final deliveries are under the default minimum volume of 100.
    assert_eq!(ms["level"], "info");
    assert!(!alerts
        .iter()
        .any(|a| a["code"] == "provider-rate" || a["code"] == "domain-rate"));
    let low = json(&["--min-volume", "10", SAMPLE]);
    let low = low["alerts"].as_array().unwrap();
    let rated: Vec<&str> = low
        .iter()
        .filter(|a| a["code"] == "provider-rate")
        .map(|a| a["provider"].as_str().unwrap())
        .collect();
    // Yahoo (8 final deliveries) stays under 10.
    assert_eq!(rated, ["Google", "GMX/web.de", "Microsoft"]);
    let ms = low
        .iter()
        .find(|a| a["code"] == "sender-block" && a["provider"] == "Microsoft")
        .unwrap();
    assert_eq!(ms["level"], "critical");
}

#[test]
fn inactivity_runs_to_the_end_of_the_data_or_to_now() {
    let codes = |r: &Value| -> Vec<String> {
        r["alerts"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|a| a["code"] == "inactivity")
            .map(|a| a["message"].as_str().unwrap().to_string())
            .collect()
    };
    // Off by default.
    assert!(codes(&json(&["--now", "2026-11-30T00:00:00Z", SAMPLE])).is_empty());
    // Last delivery 12:22:41, data ends 13:47:41: 1h 25m of silence.
    let end = "2026-11-16T13:50:00Z";
    assert!(codes(&json(&["--inactivity", "2h", "--now", end, SAMPLE])).is_empty());
    let m = codes(&json(&["--inactivity", "1h", "--now", end, SAMPLE]));
    assert_eq!(
        m,
        ["no successful delivery for 1h 25m (the last was 2026-11-16T12:22:41Z, up to the end of the data): has mail stopped?"]
    );
    // The data ends long before now: the log itself went silent.
    let m = codes(&json(&[
        "--inactivity",
        "6h",
        "--now",
        "2026-11-16T20:00:00Z",
        SAMPLE,
    ]));
    assert_eq!(
        m,
        ["no successful delivery for 7h 37m (the last was 2026-11-16T12:22:41Z, up to now; the data ends 2026-11-16T13:47:41Z): has mail stopped?"]
    );
    let (code, _, err) = run(bouncectl().args(["analyze", "--inactivity", "soon", SAMPLE]));
    assert_eq!(code, 2);
    assert!(err.contains("6h"), "{err}");
}

/// Foreign text (here list names from a contacts file) cannot inject
/// formulas, markup, labels or terminal escapes in any format.
#[test]
fn foreign_text_is_escaped_in_every_format() {
    let dir = tempfile::tempdir().unwrap();
    let contacts = dir.path().join("hostile.csv");
    std::fs::write(
        &contacts,
        "email,list\n\
         alice@gmail.com,\"=HYPERLINK(\"\"http://evil.example\"\",\"\"x\"\")\"\n\
         bob@outlook.com,<script>alert(1)</script>\n\
         carol@hotmail.com,a|b *c* [d](e)\n\
         dave.old@yahoo.com,\"q\"\"uote\\back\"\n\
         emma@web.de,\"esc\u{1b}[31mred\"\n",
    )
    .unwrap();
    let args = |format: &'static str| -> Vec<String> {
        vec![
            "--format".into(),
            format.into(),
            "--by".into(),
            "source".into(),
            "--sources".into(),
            contacts.display().to_string(),
            SAMPLE.into(),
        ]
    };
    let out = |format: &'static str| -> String {
        let a = args(format);
        let refs: Vec<&str> = a.iter().map(String::as_str).collect();
        text(&refs)
    };
    let csv = out("csv");
    assert!(csv.contains("source,\"'=HYPERLINK("), "{csv}");
    assert!(
        !csv.lines()
            .any(|l| l.split(',').any(|c| c.trim_start_matches('"').starts_with('='))),
        "{csv}"
    );
    assert!(
        !csv.contains('\u{1b}') && csv.contains("esc\\u{1b}[31mred"),
        "{csv}"
    );
    let html = out("html");
    assert!(!html.contains("<script>") && html.contains("&lt;script&gt;alert(1)&lt;/script&gt;"));
    assert!(!html.contains('\u{1b}'));
    let md = out("markdown");
    assert!(md.contains("| a\\|b \\*c\\* \\[d\\](e) |"), "{md}");
    assert!(!md.contains("<script>") && !md.contains('\u{1b}'));
    let prom = out("prometheus");
    assert!(prom.contains(r#"source="q\"uote\\back""#), "{prom}");
    assert!(!prom.contains('\u{1b}'), "{prom}");
    check_exposition(&prom);
    let table = out("table");
    assert!(!table.contains('\u{1b}') && table.contains("\\u{1b}"), "{table}");
}

/// The exposition-format rules promtool checks that can be asserted here:
/// metric and label names, escaped label values, one HELP and TYPE per
/// family before its samples, no repeated series, numeric values.
fn check_exposition(text: &str) {
    let name_ok = |n: &str| {
        let mut c = n.chars();
        c.next()
            .is_some_and(|f| f.is_ascii_alphabetic() || f == '_' || f == ':')
            && c.all(|ch| ch.is_ascii_alphanumeric() || ch == '_' || ch == ':')
    };
    let mut typed: HashSet<String> = HashSet::new();
    let mut helped: HashSet<String> = HashSet::new();
    let mut series: HashSet<String> = HashSet::new();
    let mut current: Option<String> = None;
    for line in text.lines() {
        if let Some(rest) = line.strip_prefix("# HELP ") {
            let name = rest.split(' ').next().unwrap();
            assert!(helped.insert(name.to_string()), "second HELP for {name}");
            continue;
        }
        if let Some(rest) = line.strip_prefix("# TYPE ") {
            let mut parts = rest.split(' ');
            let name = parts.next().unwrap();
            let kind = parts.next().unwrap();
            assert!(name_ok(name), "bad metric name {name}");
            assert!(["counter", "gauge"].contains(&kind), "{line}");
            assert!(typed.insert(name.to_string()), "second TYPE for {name}");
            assert_eq!(
                kind == "counter",
                name.ends_with("_total"),
                "counter names end in _total: {name}"
            );
            current = Some(name.to_string());
            continue;
        }
        assert!(
            !line.starts_with('#') && !line.is_empty(),
            "unexpected line {line:?}"
        );
        let (head, value) = line.rsplit_once(' ').expect("a value");
        assert!(value.parse::<f64>().is_ok(), "bad value in {line}");
        let name = head.split('{').next().unwrap();
        assert_eq!(
            Some(name),
            current.as_deref(),
            "sample outside its family: {line}"
        );
        assert!(series.insert(head.to_string()), "repeated series {head}");
        if let Some(labels) = head.strip_prefix(name).filter(|l| !l.is_empty()) {
            let inner = labels
                .strip_prefix('{')
                .and_then(|l| l.strip_suffix('}'))
                .expect("braces");
            // Walk label pairs: name="value" with \\, \" and \n escapes only.
            let mut rest = inner;
            while !rest.is_empty() {
                let (lname, after) = rest.split_once("=\"").expect("label=\"value\"");
                assert!(name_ok(lname) && !lname.contains(':'), "bad label name {lname}");
                let mut chars = after.char_indices();
                let end = loop {
                    match chars.next() {
                        Some((_, '\\')) => {
                            let (_, e) = chars.next().expect("escape");
                            assert!(['\\', '"', 'n'].contains(&e), "bad escape \\{e} in {line}");
                        }
                        Some((i, '"')) => break i,
                        Some((_, '\n')) => panic!("raw newline in {line}"),
                        Some(_) => {}
                        None => panic!("unterminated label value in {line}"),
                    }
                };
                rest = after[end + 1..].strip_prefix(',').unwrap_or(&after[end + 1..]);
            }
        }
    }
    assert_eq!(typed, helped, "every family has HELP and TYPE");
}

#[test]
fn prometheus_output_follows_the_exposition_format() {
    let out = text(&[&["--format", "prometheus"], &BY_ALL[..], &[SAMPLE]].concat());
    check_exposition(&out);
    for family in [
        r#"bouncectl_deliveries_total{outcome="hard"} 5"#,
        "bouncectl_bounce_rate 0.1772",
        r#"bouncectl_domain_bounce_rate{domain="gmail.com"} 0.125"#,
        r#"bouncectl_provider_deliveries{provider="Microsoft",outcome="block"} 2"#,
        "bouncectl_last_delivery_timestamp_seconds 1794831761",
    ] {
        assert!(out.contains(family), "{family} missing:\n{out}");
    }
}

/// promtool, the Prometheus project's own checker, accepts the file (CI
/// installs it; elsewhere the test is skipped when it is missing).
#[test]
fn promtool_accepts_the_prometheus_output() {
    let out = analyze(&[&["--format", "prometheus"], &BY_ALL[..], &[SAMPLE]].concat());
    let child = std::process::Command::new("promtool")
        .args(["check", "metrics"])
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn();
    let mut child = match child {
        Ok(c) => c,
        Err(_) if std::env::var_os("CI").is_none() => {
            eprintln!("note: promtool not found (apt-get install prometheus); promtool_accepts_the_prometheus_output skipped");
            return;
        }
        Err(e) => panic!("promtool is required when CI is set: {e}"),
    };
    use std::io::Write;
    child.stdin.take().unwrap().write_all(&out).unwrap();
    let result = child.wait_with_output().unwrap();
    assert!(
        result.status.success(),
        "promtool check metrics failed:\n{}{}",
        String::from_utf8_lossy(&result.stdout),
        String::from_utf8_lossy(&result.stderr)
    );
}

#[test]
fn table_lines_fit_in_80_columns() {
    let mut checked = 0;
    for dir in [
        "fixtures/postfix",
        "fixtures/exim",
        "fixtures/esp",
        "fixtures/equivalence",
        "fixtures/report",
    ] {
        for entry in std::fs::read_dir(root().join(dir)).unwrap() {
            let path = entry.unwrap().path();
            let name = path.file_name().unwrap().to_string_lossy().into_owned();
            if !(name.ends_with(".expected.txt") || name == "sample-by.txt") {
                continue;
            }
            for (i, line) in std::fs::read_to_string(&path).unwrap().lines().enumerate() {
                assert!(
                    line.chars().count() <= 80,
                    "{}:{} is {} columns:\n{line}",
                    path.display(),
                    i + 1,
                    line.chars().count()
                );
            }
            checked += 1;
        }
    }
    assert!(checked > 30, "{checked}");
}

#[test]
fn colour_only_when_asked_or_on_a_terminal_without_no_color() {
    let plain = analyze(&[SAMPLE]);
    assert!(!plain.contains(&0x1b), "colour in a pipe");
    let colored = text(&["--color", "always", SAMPLE]);
    assert!(colored.contains("\u{1b}[1;31mCRITICAL\u{1b}[0m"), "{colored}");
    // Without the escapes it is the plain report.
    assert!(colored.contains(" \u{1b}[1;31memergency\u{1b}[0m\n"), "{colored}");
    // Without the escapes it is the plain report.
    assert!(
        strip_ansi(&colored).as_bytes() == &plain[..],
        "colours changed the layout"
    );
    let (_, never, _) = run(bouncectl().args(["analyze", "-q", "--color", "never", SAMPLE]));
    assert!(never == plain);
    // On a real terminal (through script(1), when it is here): colour,
    // unless NO_COLOR is set.
    for (no_color, want) in [(false, true), (true, false)] {
        let Some(out) = on_a_terminal(no_color) else {
            eprintln!("note: script(1) not found; the terminal half of this test is skipped");
            return;
        };
        assert_eq!(
            out.contains("\u{1b}[1;31mCRITICAL"),
            want,
            "NO_COLOR={no_color}:\n{out}"
        );
    }
}

fn strip_ansi(s: &str) -> String {
    let mut out = String::new();
    let mut chars = s.chars();
    while let Some(c) = chars.next() {
        if c == '\u{1b}' {
            for d in chars.by_ref() {
                if d.is_ascii_alphabetic() {
                    break;
                }
            }
        } else {
            out.push(c);
        }
    }
    out
}

/// The table as printed on a pseudo-terminal by `script -qec`.
fn on_a_terminal(no_color: bool) -> Option<String> {
    let bin = assert_cmd::cargo::cargo_bin("bouncectl");
    let command = format!("{} analyze -q {SAMPLE}", bin.display());
    let mut cmd = std::process::Command::new("script");
    cmd.args(["-qec", &command, "/dev/null"])
        .current_dir(root())
        .env("TZ", "UTC")
        .env("XDG_CONFIG_HOME", root().join("target/no-config-home"))
        .env_remove("NO_COLOR")
        .env("TERM", "xterm");
    if no_color {
        cmd.env("NO_COLOR", "");
    }
    let out = cmd.output().ok()?;
    out.status
        .success()
        .then(|| String::from_utf8_lossy(&out.stdout).into_owned())
}

/// README.md and docs/*.md show real output: each block after an
/// `<!-- output: ARGS -->` comment is what `bouncectl ARGS` prints (a block
/// may be an excerpt: its parts between `...` lines each appear in the
/// output), and each block after `<!-- file: PATH -->` is that file.
#[test]
fn readme_report_examples_are_current() {
    let mut checked = 0;
    for (name, text) in crate::readme::readme_and_docs() {
        let mut lines = text.lines();
        while let Some(line) = lines.next() {
            let (kind, arg) = match line
                .strip_prefix("<!-- output: ")
                .map(|a| ("output", a))
                .or_else(|| line.strip_prefix("<!-- file: ").map(|a| ("file", a)))
            {
                Some((k, a)) => (k, a.trim_end_matches("-->").trim()),
                None => continue,
            };
            assert!(
                lines.next().is_some_and(|l| l.starts_with("```")),
                "{name}: no block after {line}"
            );
            let block: Vec<&str> = lines.by_ref().take_while(|l| !l.starts_with("```")).collect();
            let actual = if kind == "file" {
                std::fs::read_to_string(root().join(arg)).unwrap()
            } else {
                let args: Vec<&str> = arg.split_whitespace().collect();
                let (code, out, err) = run(bouncectl().args(&args));
                assert_eq!(code, 0, "{name}: bouncectl {arg}: {err}");
                String::from_utf8(out).unwrap()
            };
            for part in block.split(|l| *l == "...") {
                let part = part.join("\n");
                assert!(
                    actual.contains(&part),
                    "{name}: the block after {line} is not what it shows today; now:\n{actual}"
                );
            }
            checked += 1;
        }
    }
    assert!(checked >= 7, "{checked} README and docs/ examples");
}

/// `report` (from the state) takes the same breakdowns and formats as
/// `analyze`, and gives the same breakdown tables for the same data.
#[test]
fn report_from_the_state_has_the_same_breakdowns_and_formats() {
    let dir = tempfile::tempdir().unwrap();
    let state = dir.path().join("state.db");
    let state = state.to_str().unwrap();
    let (code, _, err) =
        run(bouncectl().args(["analyze", "-q", "--state", state, "fixtures/postfix/sample.log"]));
    assert_eq!(code, 0, "{err}");
    let by = ["--by", "provider,domain"];
    let from_logs = json(&[by[0], by[1], "fixtures/postfix/sample.log"]);
    let (code, out, err) = run(bouncectl()
        .args(["report", "--state", state, "--format", "json"])
        .args(by));
    assert_eq!(code, 0, "{err}");
    let from_state: Value = serde_json::from_slice(&out).unwrap();
    for key in ["by_provider", "by_domain", "deliveries", "rates"] {
        assert_eq!(from_state[key], from_logs[key], "{key}");
    }
    for format in ["markdown", "csv", "prometheus", "html"] {
        let (code, out, err) = run(bouncectl()
            .args(["report", "--state", state, "--format", format])
            .args(by));
        assert_eq!(code, 0, "{format}: {err}");
        assert!(
            String::from_utf8_lossy(&out).contains("Microsoft"),
            "{format} names the provider"
        );
    }
}
