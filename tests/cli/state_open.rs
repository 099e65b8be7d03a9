//! Issue 15: how the state is opened. A libpq `key=value` connection string
//! names a PostgreSQL database (never a local file) and its password never
//! shows; the read-only commands open an SQLite state read-only and write
//! nothing next to it; an old state is upgraded in place.

use crate::util::{bouncectl, fresh_dir, run};
use std::path::Path;

const SAMPLE: &str = "fixtures/postfix/sample.log";
const NOW: &str = "2026-12-01T00:00:00Z";

/// A connection string to a port nothing listens on, with a password.
const CONNINFO: &str = "host=127.0.0.1 port=1 dbname=bounces user=bounce password=s3cret connect_timeout=2";

fn entries(dir: &Path) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(dir)
        .expect("read the test directory")
        .map(|e| {
            e.expect("a directory entry")
                .file_name()
                .to_string_lossy()
                .into_owned()
        })
        .collect();
    names.sort();
    names
}

/// Issue 15 item 14: `--state 'host=... password=...'` connects to
/// PostgreSQL (here: fails to, nothing listens) instead of creating a local
/// file named after the password, and no message shows the password.
#[test]
fn connection_string_is_postgres_and_its_password_never_shows() {
    let dir = fresh_dir("conninfo");
    let sample = crate::util::root().join(SAMPLE);
    for args in [
        vec!["analyze", "--state", CONNINFO, sample.to_str().unwrap()],
        vec!["suppress", "--state", CONNINFO],
        vec!["history", "--state", CONNINFO, "someone@example.com"],
    ] {
        let (code, out, err) = run(bouncectl().current_dir(&dir).args(["--now", NOW]).args(&args));
        assert_eq!(code, 1, "{args:?} must fail to connect: {err}");
        assert!(
            err.contains("cannot connect to host=127.0.0.1 port=1 dbname=bounces user=bounce password=***"),
            "{args:?}: {err}"
        );
        for text in [err.as_str(), &String::from_utf8_lossy(&out)] {
            assert!(!text.contains("s3cret"), "{args:?} shows the password: {text}");
        }
        assert!(entries(&dir).is_empty(), "{args:?} created {:?}", entries(&dir));
    }
}

/// The same string in `bouncectl config`, from the command line and from the
/// config file (kept as it is, not resolved as a path next to the file).
#[test]
fn config_masks_a_connection_string() {
    let home = fresh_dir("conninfo-config");
    std::fs::create_dir_all(home.join("bouncectl")).unwrap();
    std::fs::write(
        home.join("bouncectl/config.toml"),
        format!("state = \"{CONNINFO}\"\n"),
    )
    .unwrap();
    let want = "state = \"host=127.0.0.1 port=1 dbname=bounces user=bounce password=*** connect_timeout=2\"";
    for args in [vec![], vec!["--state", CONNINFO]] {
        let (code, out, err) = run(bouncectl()
            .env("XDG_CONFIG_HOME", &home)
            .arg("config")
            .args(&args));
        assert_eq!(code, 0, "{err}");
        let out = String::from_utf8(out).unwrap();
        assert!(!out.contains("s3cret") && !err.contains("s3cret"), "{out}{err}");
        assert!(
            out.lines().any(|l| l.starts_with(want)),
            "{args:?}: want {want}\n{out}"
        );
    }
}
