//! Every fixture — `fixtures/postfix/*.log`, `fixtures/exim/*.log`, the ESP
//! exports in `fixtures/esp/` and the three logs of `fixtures/equivalence/` —:
//! the whole report, JSON and table, must equal the checked-in expected files,
//! whatever the thread count and chunk size.

use crate::util::{assert_matches_file, bouncectl, root, run};
use std::path::{Path, PathBuf};

/// The inputs of one fixture directory: every file but the sidecars.
fn inputs_in(dir: &str) -> Vec<PathBuf> {
    let sidecar = |name: &str| {
        name.ends_with(".args")
            || name.ends_with(".expected.json")
            || name.ends_with(".expected.txt")
            || name.ends_with(".md")
    };
    let mut files: Vec<PathBuf> = std::fs::read_dir(root().join(dir))
        .unwrap_or_else(|e| panic!("{dir}: {e}"))
        .map(|e| e.expect("dir entry").path())
        .filter(|p| p.is_file() && !p.file_name().and_then(|n| n.to_str()).is_some_and(sidecar))
        .map(|p| p.strip_prefix(root()).expect("under root").to_path_buf())
        .collect();
    files.sort();
    files
}

fn cases() -> Vec<PathBuf> {
    let logs: Vec<PathBuf> = inputs_in("fixtures/postfix")
        .into_iter()
        .filter(|p| p.extension().is_some_and(|e| e == "log"))
        .collect();
    assert!(
        logs.len() >= 7,
        "expected the Postfix fixture logs, found {logs:?}"
    );
    let exim = inputs_in("fixtures/exim");
    assert!(exim.len() >= 4, "expected the Exim fixture logs, found {exim:?}");
    let esp = inputs_in("fixtures/esp");
    assert!(esp.len() >= 18, "expected the ESP fixtures, found {esp:?}");
    let equivalence = inputs_in("fixtures/equivalence");
    assert_eq!(equivalence.len(), 3, "{equivalence:?}");
    logs.into_iter()
        .chain(exim)
        .chain(esp)
        .chain(equivalence)
        .collect()
}

fn args_for(log: &Path) -> Vec<String> {
    std::fs::read_to_string(root().join(log.with_extension("args")))
        .map(|s| s.split_whitespace().map(String::from).collect())
        .unwrap_or_default()
}

fn analyze(log: &Path, format: &str, extra: &[&str]) -> Vec<u8> {
    let (code, out, err) = run(bouncectl()
        .arg("analyze")
        .arg("--quiet")
        .args(["--format", format])
        .args(args_for(log))
        .args(extra)
        .arg(log));
    assert!(code == 0, "{} exited {code}: {err}", log.display());
    out
}

#[test]
fn every_fixture_matches_its_expected_report() {
    for log in cases() {
        let json = analyze(&log, "json", &[]);
        assert_matches_file(&log.with_extension("expected.json"), &json);
        let table = analyze(&log, "table", &[]);
        assert_matches_file(&log.with_extension("expected.txt"), &table);
    }
}

/// Logs only: documents (ESP exports) are parsed whole, never in chunks.
#[test]
fn output_does_not_depend_on_threads_or_chunking() {
    for log in cases()
        .into_iter()
        .filter(|p| p.extension().is_some_and(|e| e == "log"))
    {
        let reference = analyze(&log, "json", &["--threads", "1"]);
        for (threads, chunk) in [("2", "64"), ("4", "1"), ("3", "1000")] {
            let got = analyze(&log, "json", &["--threads", threads, "--chunk-size", chunk]);
            assert!(
                got == reference,
                "{}: --threads {threads} --chunk-size {chunk} changed the report",
                log.display()
            );
        }
    }
}

/// Issue 16: one suppression rule. The report without a state and the one
/// recorded into a fresh state count the same suppressions on every fixture
/// (the rule is `suppression::Standing`, stepped through by both).
#[test]
fn no_state_and_a_fresh_state_suppress_the_same() {
    let dir = crate::util::fresh_dir("fixtures-parity");
    for (i, log) in cases().iter().enumerate() {
        let state = dir.join(format!("{i}.db"));
        let without: serde_json::Value =
            serde_json::from_slice(&analyze(log, "json", &["--no-state"])).expect("JSON report");
        let with: serde_json::Value = serde_json::from_slice(&analyze(
            log,
            "json",
            &["--state", state.to_str().expect("a UTF-8 path")],
        ))
        .expect("JSON report");
        let (a, b) = (&without["suppression"], &with["suppression"]);
        for key in [
            "total",
            "new",
            "at_risk",
            "violations",
            "by_cause",
            "contradicted",
        ] {
            assert_eq!(
                a[key],
                b[key],
                "{}: suppression.{key} without a state vs a fresh state",
                log.display()
            );
        }
    }
}
