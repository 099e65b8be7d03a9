//! Issue 8: the config file (`$XDG_CONFIG_HOME/bouncectl/config.toml`,
//! `--config`), command-line flags over it, errors that name the key, file
//! and line, and `bouncectl config` saying where each value comes from.

use crate::util::{bouncectl, run};
use std::path::{Path, PathBuf};

const SAMPLE: &str = "fixtures/postfix/sample.log";

/// A config home with `bouncectl/config.toml` holding `text`.
fn config_home(text: &str) -> (tempfile::TempDir, PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("bouncectl").join("config.toml");
    std::fs::create_dir_all(file.parent().unwrap()).unwrap();
    std::fs::write(&file, text).unwrap();
    (dir, file)
}

fn json(bytes: &[u8]) -> serde_json::Value {
    serde_json::from_slice(bytes).expect("a JSON report")
}

#[test]
fn the_config_file_sets_defaults_and_flags_override_it() {
    let (home, _) = config_home("format = \"json\"\ntop = 2\nwarn = \"20%\"\ncrit = \"30%\"\n");
    let (code, out, err) = run(bouncectl()
        .env("XDG_CONFIG_HOME", home.path())
        .args(["analyze", "-q", SAMPLE]));
    assert_eq!(code, 0, "{err}");
    let r = json(&out);
    assert_eq!(r["by_domain"].as_array().unwrap().len(), 2);
    assert_eq!(r["thresholds"]["warning"], 0.2);
    assert_eq!(r["status"], "healthy");
    let (code, out, err) = run(bouncectl().env("XDG_CONFIG_HOME", home.path()).args([
        "analyze", "-q", "--top", "3", "--crit", "5%", "--warn", "2%", SAMPLE,
    ]));
    assert_eq!(code, 0, "{err}");
    let r = json(&out);
    assert_eq!(r["by_domain"].as_array().unwrap().len(), 3);
    assert_eq!(r["status"], "critical");
    let (_, out, _) = run(bouncectl()
        .env("XDG_CONFIG_HOME", home.path())
        .args(["analyze", "-q", "-f", "table", SAMPLE]));
    assert!(out.starts_with(b"bouncectl report"));
    // The file's thresholds against a flag: the message says where each came from.
    let (code, _, err) = run(bouncectl()
        .env("XDG_CONFIG_HOME", home.path())
        .args(["analyze", "-q", "--warn", "40%", SAMPLE]));
    assert_eq!(code, 2);
    assert!(err.contains("--warn 40% is above crit = \"30%\" in"), "{err}");
}

#[test]
fn config_names_a_file_and_relative_paths_are_beside_it() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::copy(
        crate::util::root().join("fixtures/report/contacts.csv"),
        dir.path().join("contacts.csv"),
    )
    .unwrap();
    let file = dir.path().join("reports.toml");
    std::fs::write(
        &file,
        "by = \"source\"\nsources = \"contacts.csv\"\nformat = \"csv\"\n",
    )
    .unwrap();
    let (code, out, err) = run(bouncectl()
        .arg("--config")
        .arg(&file)
        .args(["analyze", "-q", SAMPLE]));
    assert_eq!(code, 0, "{err}");
    let text = String::from_utf8(out).unwrap();
    assert!(text.contains("source,2019 CRM import,,4,0,3,0,1,0,1"), "{text}");
    // The environment names one too.
    let (code, out, _) = run(bouncectl()
        .env("BOUNCECTL_CONFIG", &file)
        .args(["analyze", "-q", SAMPLE]));
    assert_eq!(code, 0);
    assert!(out.starts_with(b"breakdown,key,"));
    // A file named by the user must exist; the default one need not.
    let (code, _, err) = run(bouncectl().args(["--config", "no/such.toml", "analyze", SAMPLE]));
    assert_eq!(code, 2);
    assert!(err.contains("no/such.toml: no such config file"), "{err}");
}

#[test]
fn a_bad_config_file_is_a_usage_error_naming_the_key_file_and_line() {
    for (text, want) in [
        (
            "top = 5\ntpo = 3\n",
            ":2: unknown key `tpo`; the keys are warn, crit,",
        ),
        ("warn = \"lots\"\n", ":1: `warn`: `lots` is not a rate"),
        (
            "format = \"pdf\"\n",
            ":1: `format`: `pdf` is not one of table, json, markdown, csv, prometheus, html",
        ),
        (
            "inactivity = 6\n",
            ":1: `inactivity`: expected a span such as \"6h\"",
        ),
        ("top = [\n", ":1: "),
    ] {
        let (home, file) = config_home(text);
        let (code, _, err) = run(bouncectl()
            .env("XDG_CONFIG_HOME", home.path())
            .args(["analyze", SAMPLE]));
        assert_eq!(code, 2, "{text}: {err}");
        let want = format!("{}{want}", file.display());
        assert!(err.contains(&want), "{text}: want {want}\n got {err}");
    }
}

/// The effective settings, as `bouncectl config` prints them.
fn settings(home: &Path, args: &[&str], env: &[(&str, &str)]) -> String {
    let mut cmd = bouncectl();
    cmd.env("XDG_CONFIG_HOME", home).arg("config").args(args);
    for (k, v) in env {
        cmd.env(k, v);
    }
    let (code, out, err) = run(&mut cmd);
    assert_eq!(code, 0, "{err}");
    String::from_utf8(out).unwrap()
}

fn line<'a>(out: &'a str, key: &str) -> &'a str {
    out.lines()
        .find(|l| l.starts_with(&format!("{key} =")) || l.starts_with(&format!("# {key} =")))
        .unwrap_or_else(|| panic!("{key} missing:\n{out}"))
}

#[test]
fn bouncectl_config_says_where_each_value_comes_from() {
    let (home, file) = config_home("warn = \"3%\"\ninactivity = \"6h\"\nby = [\"provider\", \"domain\"]\n");
    let out = settings(home.path(), &["--top", "5"], &[("BOUNCECTL_THREADS", "2")]);
    let f = file.display().to_string();
    assert_eq!(line(&out, "warn"), format!("{:<32} # {f}", "warn = \"3%\""));
    assert!(line(&out, "crit").ends_with("# default"), "{out}");
    assert!(line(&out, "top").starts_with("top = 5 ") && line(&out, "top").ends_with("# command line"));
    assert!(line(&out, "inactivity").starts_with("inactivity = \"6h\""));
    assert!(line(&out, "by").starts_with("by = [\"provider\", \"domain\"]"));
    assert!(
        line(&out, "threads").contains("2")
            && line(&out, "threads").contains("environment (BOUNCECTL_THREADS)")
    );
    assert!(
        out.starts_with(&format!("# config file: {f} (found through XDG_CONFIG_HOME)")),
        "{out}"
    );
    assert!(line(&out, "state").contains("# default"), "{out}");

    // The output is itself a config file that gives the same settings.
    let copy = home.path().join("copy.toml");
    std::fs::write(&copy, &out).unwrap();
    let again = settings(home.path(), &["--config", copy.to_str().unwrap()], &[]);
    for key in ["warn", "crit", "top", "by", "inactivity", "format", "min-volume"] {
        let value = |s: &str| line(s, key).split('#').next().unwrap().trim().to_string();
        assert_eq!(value(&again), value(&out), "{key}");
    }

    // Without any file.
    let empty = tempfile::tempdir().unwrap();
    let out = settings(empty.path(), &[], &[]);
    assert!(out.starts_with("# config file: none\n"), "{out}");
    assert!(
        out.lines().skip(1).take(9).all(|l| l.ends_with("# default")),
        "{out}"
    );
    // An option analyze does not know is a usage error.
    let (code, _, err) = run(bouncectl()
        .env("XDG_CONFIG_HOME", empty.path())
        .args(["config", "--nope"]));
    assert_eq!(code, 2);
    assert!(err.contains("--nope"), "{err}");
}
