//! Issue 17 item 1: Postfix's log as journald keeps it. Every rendering
//! `journalctl` prints of the same records gives the report of the syslog
//! original, and `analyze --journal` runs `journalctl` itself (here a
//! stand-in script on `PATH` that prints a fixture and records its
//! arguments), resuming after the stored cursor with `--incremental`.

use crate::util::{assert_matches_file, bouncectl, fresh_dir, root, run};
use serde_json::Value;
use std::path::{Path, PathBuf};

/// The journalctl renderings of fixtures/postfix/outcomes.log.
const RENDERINGS: [&str; 7] = [
    "json",
    "json-seq",
    "export",
    "short-full",
    "short-precise",
    "short-iso-precise",
    "short-unix",
];

/// The parts of a report that tell what happened (not which input said it).
const OUTCOME_KEYS: [&str; 8] = [
    "deliveries",
    "rates",
    "by_reason",
    "suppression",
    "by_domain",
    "excluded",
    "status",
    "alerts",
];

fn report(args: &[&str]) -> Value {
    let (code, out, err) = run(bouncectl().args(["analyze", "-q", "--format", "json"]).args(args));
    assert!(code == 0, "{args:?} exited {code}: {err}");
    serde_json::from_slice(&out).expect("valid JSON report")
}

#[test]
fn every_journalctl_rendering_gives_the_report_of_the_syslog_log() {
    let syslog = report(&["--year", "2026", "fixtures/postfix/outcomes.log"]);
    assert_eq!(syslog["deliveries"]["total"], 16);
    for rendering in RENDERINGS {
        let path = format!("fixtures/journal/outcomes.{rendering}");
        let r = report(&["--year", "2026", &path]);
        let input = &r["inputs"][0];
        let want_format = match rendering {
            "json" | "json-seq" => "journal",
            "export" => "journal-export",
            _ => "postfix",
        };
        assert_eq!(input["format"], want_format, "{rendering}");
        assert_eq!(
            (&input["lines"], &input["skipped"]),
            (&59.into(), &0.into()),
            "{rendering}"
        );
        for key in OUTCOME_KEYS {
            assert_eq!(r[key], syslog[key], "-o {rendering}: {key}");
        }
    }
}

#[test]
fn journal_json_report_matches_expected() {
    for format in ["json", "table"] {
        let (code, out, err) = run(bouncectl().args([
            "analyze",
            "-q",
            "--format",
            format,
            "fixtures/journal/outcomes.json",
        ]));
        assert!(code == 0, "exited {code}: {err}");
        let ext = if format == "json" { "json" } else { "txt" };
        assert_matches_file(
            Path::new(&format!("fixtures/journal/outcomes.expected.{ext}")),
            &out,
        );
    }
}

/// A directory with a stand-in `journalctl` that appends its arguments (one
/// run a line) to `args` and prints the file named in `print` (nothing when
/// there is none), or fails when `fail` exists.
fn stand_in() -> PathBuf {
    let dir = fresh_dir("journalctl");
    let script = format!(
        "#!/bin/sh\nd='{d}'\necho \"$*\" >> \"$d/args\"\n\
         if [ -e \"$d/fail\" ]; then echo 'Failed to open journal: Permission denied' >&2; exit 1; fi\n\
         if [ -e \"$d/print\" ]; then cat \"$(cat \"$d/print\")\"; fi\n",
        d = dir.display()
    );
    let path = dir.join("journalctl");
    std::fs::write(&path, script).expect("write the stand-in");
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o755)).expect("chmod");
    }
    dir
}

fn with_stand_in(dir: &Path) -> assert_cmd::Command {
    let path = std::env::var_os("PATH").unwrap_or_default();
    let mut paths = vec![dir.to_path_buf()];
    paths.extend(std::env::split_paths(&path));
    let mut cmd = bouncectl();
    cmd.env("PATH", std::env::join_paths(paths).expect("PATH"));
    cmd
}

/// Writes the given lines of the json fixture to a file the stand-in prints.
fn serve(dir: &Path, name: &str, lines: std::ops::Range<usize>) -> String {
    let all = std::fs::read_to_string(root().join("fixtures/journal/outcomes.json")).expect("fixture");
    let part: Vec<&str> = all.lines().collect::<Vec<_>>()[lines].to_vec();
    let file = dir.join(name);
    std::fs::write(&file, part.iter().map(|l| format!("{l}\n")).collect::<String>()).expect("write");
    std::fs::write(dir.join("print"), file.display().to_string()).expect("write");
    let last: Value = serde_json::from_str(part.last().expect("a line")).expect("JSON");
    last["__CURSOR"].as_str().expect("a cursor").to_string()
}

#[test]
fn analyze_journal_runs_journalctl_and_resumes_after_the_cursor() {
    let dir = stand_in();
    let state = dir.join("state.db");
    let analyze = |extra: &[&str]| {
        let (code, out, err) = run(with_stand_in(&dir)
            .args([
                "analyze",
                "-q",
                "--format",
                "json",
                "--journal",
                "--incremental",
                "--host",
                "mx",
            ])
            .arg("--state")
            .arg(&state)
            .args(extra));
        assert!(code == 0, "exited {code}: {err}");
        serde_json::from_slice::<Value>(&out).expect("JSON report")
    };
    let args = || std::fs::read_to_string(dir.join("args")).unwrap_or_default();
    // The same log as a file, read in the same two parts.
    let log = dir.join("mail.log");
    let lines = std::fs::read_to_string(root().join("fixtures/postfix/outcomes.log")).expect("fixture");
    let lines: Vec<&str> = lines.lines().collect();
    let file_state = dir.join("file-state.db");
    let file_run = |upto: usize| {
        std::fs::write(
            &log,
            lines[..upto].iter().map(|l| format!("{l}\n")).collect::<String>(),
        )
        .expect("write");
        let mut cmd = bouncectl();
        cmd.args(["analyze", "--year", "2026", "--incremental", "--host", "mx"])
            .arg("--state")
            .arg(&file_state)
            .arg(&log);
        let (code, out, err) = run(cmd.args(["-q", "--format", "json"]));
        assert!(code == 0, "exited {code}: {err}");
        serde_json::from_slice::<Value>(&out).expect("JSON report")
    };

    let first_cursor = serve(&dir, "part1.json", 0..39);
    let first = analyze(&[]);
    let name = "journal:postfix.service,postfix@-.service,exim4.service";
    assert_eq!(
        (&first["inputs"][0]["path"], &first["inputs"][0]["lines"]),
        (&name.into(), &39.into())
    );
    assert_eq!(
        args().trim(),
        "-o json --no-pager --all --output-fields MESSAGE,SYSLOG_IDENTIFIER,SYSLOG_PID,_PID,_COMM,_HOSTNAME \
         -u postfix.service -u postfix@-.service -u exim4.service"
    );
    assert_eq!(first["deliveries"], file_run(39)["deliveries"]);

    let second_cursor = serve(&dir, "part2.json", 39..59);
    let second = analyze(&[]);
    let last_args = args().lines().last().unwrap_or_default().to_string();
    assert!(
        last_args.ends_with(&format!("--after-cursor {first_cursor}")),
        "{last_args}"
    );
    assert_eq!(second["inputs"][0]["lines"], 20);
    assert_eq!(second["deliveries"], file_run(59)["deliveries"]);

    // Nothing new: the stored cursor stays, the next run passes it again.
    std::fs::remove_file(dir.join("print")).expect("remove");
    let third = analyze(&[]);
    assert_eq!(third["deliveries"]["total"], 0);
    analyze(&[]);
    let last_args = args().lines().last().unwrap_or_default().to_string();
    assert!(
        last_args.ends_with(&format!("--after-cursor {second_cursor}")),
        "{last_args}"
    );

    // Other units: their own cursor (none yet), the units passed as given.
    analyze(&["--unit", "postfix-out@-.service"]);
    let last_args = args().lines().last().unwrap_or_default().to_string();
    assert!(last_args.ends_with("-u postfix-out@-.service"), "{last_args}");
}

#[test]
fn a_failing_or_missing_journalctl_is_an_error() {
    let dir = stand_in();
    std::fs::write(dir.join("fail"), "").expect("write");
    let (code, out, err) = run(with_stand_in(&dir).args(["analyze", "--no-state", "--journal"]));
    assert_eq!(code, 1, "{err}");
    assert!(out.is_empty());
    assert!(
        err.contains("journalctl") && err.contains("Permission denied"),
        "{err}"
    );

    let empty = fresh_dir("no-journalctl");
    let (code, _, err) = run(bouncectl()
        .env("PATH", &empty)
        .args(["analyze", "--no-state", "--journal"]));
    assert_eq!(code, 1, "{err}");
    assert!(err.contains("journalctl not found on PATH"), "{err}");
}
