//! Every `fixtures/postfix/*.log`: the whole report, JSON and table, must
//! equal the checked-in expected files, whatever the thread count and chunk size.

use crate::util::{assert_matches_file, bouncectl, root, run};
use std::path::{Path, PathBuf};

fn cases() -> Vec<PathBuf> {
    let mut logs: Vec<PathBuf> = std::fs::read_dir(root().join("fixtures/postfix"))
        .expect("fixtures/postfix exists")
        .map(|e| e.expect("dir entry").path())
        .filter(|p| p.extension().is_some_and(|e| e == "log"))
        .map(|p| p.strip_prefix(root()).expect("under root").to_path_buf())
        .collect();
    logs.sort();
    assert!(logs.len() >= 7, "expected the fixture logs, found {logs:?}");
    logs
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

#[test]
fn output_does_not_depend_on_threads_or_chunking() {
    for log in cases() {
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
