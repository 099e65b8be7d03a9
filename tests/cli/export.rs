//! Issue 16: `suppress FILE...` analyzes with exactly the settings `analyze`
//! uses (command line over config file over defaults), takes `--columns` as
//! `analyze` does, and its export formats each live in their own file behind
//! one trait, the spreadsheet guard in `csv` only.

use crate::util::{bouncectl, fresh_dir, root, run};
use clap::ValueEnum;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

const SAMPLE: &str = "fixtures/postfix/sample.log";
const NOW: &str = "2026-12-01T00:00:00Z";

/// A config file holding `text`, in a directory of its own (for the paths
/// in it).
fn config(text: &str) -> PathBuf {
    let dir = fresh_dir("export-config");
    let file = dir.join("config.toml");
    std::fs::write(&file, text).expect("write the config file");
    file
}

/// Status (`suppressed`, `at_risk`) by address, as `suppress --format json
/// --include-at-risk` lists them.
fn listed(out: &[u8]) -> BTreeMap<String, String> {
    let doc: serde_json::Value = serde_json::from_slice(out).expect("a JSON list");
    doc["suppressions"]
        .as_array()
        .expect("a list")
        .iter()
        .map(|e| {
            (
                e["address"].as_str().unwrap_or_default().to_string(),
                e["status"].as_str().unwrap_or_default().to_string(),
            )
        })
        .collect()
}

/// `analyze` and `suppress` run on `inputs` with the config file `config`
/// (and `args` for both), each with and without a state of its own:
/// analyze's suppression numbers, and suppress's list of each run.
fn both(
    config: &Path,
    args: &[&str],
    inputs: &[&str],
) -> (Vec<serde_json::Value>, Vec<BTreeMap<String, String>>) {
    let mut reports = Vec::new();
    let mut lists = Vec::new();
    for state in [None, Some(fresh_dir("export-state"))] {
        let state_args: Vec<String> = match &state {
            None => vec!["--no-state".into()],
            Some(dir) => vec!["--state".into(), dir.join("s.db").display().to_string()],
        };
        let (code, out, err) = run(bouncectl()
            .arg("--config")
            .arg(config)
            .args(["--now", NOW, "analyze", "-q", "-f", "json"])
            .args(&state_args)
            .args(args)
            .args(inputs));
        assert_eq!(code, 0, "analyze: {err}");
        let report: serde_json::Value = serde_json::from_slice(&out).expect("a JSON report");
        reports.push(report["suppression"].clone());
        let state_args: Vec<String> = match &state {
            None => vec!["--no-state".into()],
            Some(dir) => vec!["--state".into(), dir.join("t.db").display().to_string()],
        };
        let (code, out, err) = run(bouncectl()
            .arg("--config")
            .arg(config)
            .args(["--now", NOW, "suppress", "-q", "-f", "json", "--include-at-risk"])
            .args(&state_args)
            .args(args)
            .args(inputs));
        assert_eq!(code, 0, "suppress: {err}");
        lists.push(listed(&out));
    }
    (reports, lists)
}

/// Whether the list and the report's numbers say the same.
fn agree(report: &serde_json::Value, list: &BTreeMap<String, String>) {
    let count = |status: &str| list.values().filter(|s| *s == status).count() as u64;
    assert_eq!(
        (report["total"].as_u64(), report["at_risk"].as_u64()),
        (Some(count("suppressed")), Some(count("at_risk"))),
        "analyze's suppression numbers {report} and suppress's list {list:?}"
    );
}

/// Issue 16, bug 1: with `promote-after = 5` in the config file, erin's
/// three soft bounces in a row leave her at risk in `analyze`; `suppress`
/// built its settings from the command line and the defaults and suppressed
/// her after 3.
#[test]
fn suppress_takes_promote_after_from_the_config_file_as_analyze_does() {
    let file = config("promote-after = 5\n");
    let (reports, lists) = both(&file, &[], &[SAMPLE]);
    for (report, list) in reports.iter().zip(&lists) {
        assert_eq!(report["at_risk"], 1, "{report}");
        assert_eq!(
            list.get("erin@gmx.de").map(String::as_str),
            Some("at_risk"),
            "{list:?}"
        );
        agree(report, list);
    }
    // The command line still wins over the file, for both.
    let (reports, lists) = both(&file, &["--promote-after", "3"], &[SAMPLE]);
    for (report, list) in reports.iter().zip(&lists) {
        assert_eq!(
            list.get("erin@gmx.de").map(String::as_str),
            Some("suppressed"),
            "{list:?}"
        );
        agree(report, list);
    }
}

/// The config file's `rules` too: a site rule that makes Gmail's
/// NoSuchUser soft leaves old.customer at risk in both commands (`suppress`
/// read `--rules` only).
#[test]
fn suppress_takes_rules_from_the_config_file_as_analyze_does() {
    let file = config("rules = \"rules.toml\"\n");
    let dir = file.parent().expect("a directory");
    std::fs::write(
        dir.join("rules.toml"),
        "[[rule]]\nid = \"gmail.nosuchuser\"\nany = [\"the email account that you tried to reach does not exist\"]\nreason = \"userunknown\"\nclass = \"soft\"\n",
    )
    .expect("write the rules");
    let (reports, lists) = both(&file, &[], &[SAMPLE]);
    for (report, list) in reports.iter().zip(&lists) {
        assert_eq!(
            list.get("old.customer@gmail.com").map(String::as_str),
            Some("at_risk"),
            "{list:?}"
        );
        agree(report, list);
    }
}

/// `suppress` reads a CSV export with its own column names, as `analyze`
/// does (`--columns` was `analyze`'s only).
#[test]
fn suppress_takes_columns_for_a_generic_csv() {
    let columns = std::fs::read_to_string(root().join("fixtures/esp/generic-columns.args"))
        .expect("the fixture's arguments");
    let args: Vec<&str> = columns.split_whitespace().collect();
    let (reports, lists) = both(&config(""), &args, &["fixtures/esp/generic-columns.csv"]);
    for (report, list) in reports.iter().zip(&lists) {
        assert_eq!(
            list.get("bernd@example.com").map(String::as_str),
            Some("suppressed"),
            "{list:?}"
        );
        agree(report, list);
    }
}

/// Issue 16, item 6: every `--format` of `suppress` has its own file in
/// `src/export/` implementing the one trait; the command holds no layout;
/// and the spreadsheet guard is `csv`'s alone (the machine-read formats
/// carry every address byte for byte).
#[test]
fn each_export_format_lives_in_its_own_file() {
    let source = |path: &Path| std::fs::read_to_string(path).unwrap_or_default();
    let dir = root().join("src/export");
    for format in bouncectl::cli::SuppressFormat::value_variants() {
        let name = format
            .to_possible_value()
            .expect("a name")
            .get_name()
            .replace('-', "_");
        let text = source(&dir.join(format!("{name}.rs")));
        assert!(
            text.starts_with("//! ") && text.contains("impl Exporter for "),
            "src/export/{name}.rs: the format's own file, implementing export::Exporter"
        );
        let guarded = text.contains("spreadsheet_cell");
        assert_eq!(
            guarded,
            name == "csv",
            "src/export/{name}.rs: the spreadsheet guard is csv's only"
        );
    }
    let command = source(&root().join("src/commands/suppress.rs"));
    for layout in ["spreadsheet_cell", "REJECT", "EmailAddress", "BOUNCE", "serde"] {
        assert!(
            !command.contains(layout),
            "src/commands/suppress.rs still writes a format ({layout})"
        );
    }
}

/// The settings are checked as `analyze` checks them, before a state is
/// made: a config file with `warn` above `crit` is a usage error, and the
/// state the run would have created is not there.
#[test]
fn suppress_checks_the_settings_before_it_creates_a_state() {
    let file = config("warn = \"10%\"\ncrit = \"5%\"\n");
    let state = fresh_dir("export-bad-settings").join("s.db");
    let (code, _, err) = run(bouncectl()
        .arg("--config")
        .arg(&file)
        .args(["suppress", "-q", "--state"])
        .arg(&state)
        .arg(SAMPLE));
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("is above crit"), "{err}");
    assert!(!state.exists(), "a run stopped by its settings made a state");
}
