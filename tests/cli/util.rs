//! Test helpers: a `bouncectl` command with a fixed environment, temp dirs,
//! and comparison against expected files with a diff (or rewriting them when
//! `BOUNCECTL_BLESS=1`).

use assert_cmd::Command;
use std::path::{Path, PathBuf};

/// The repository root (tests run with it as the working directory).
pub fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// A directory of its own for every call (under cargo's temporary directory
/// for tests), so that the default state of one run never leaks into another.
pub fn fresh_dir(what: &str) -> PathBuf {
    use std::sync::atomic::{AtomicU64, Ordering};
    static NEXT: AtomicU64 = AtomicU64::new(0);
    let n = NEXT.fetch_add(1, Ordering::Relaxed);
    let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join(format!("{what}-{}-{n}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("create a test directory");
    dir
}

/// `bouncectl` with UTC, no colour, no inherited thread setting, a fresh
/// default state directory, no config file, run from the repository root so
/// that fixture paths in reports are stable.
pub fn bouncectl() -> Command {
    let mut cmd = Command::cargo_bin("bouncectl").expect("the bouncectl binary is built");
    cmd.current_dir(root())
        .env("TZ", "UTC")
        .env("NO_COLOR", "1")
        .env("XDG_STATE_HOME", fresh_dir("xdg-state"))
        .env_remove("BOUNCECTL_THREADS")
        .env_remove("BOUNCECTL_CONFIG")
        // A config directory that does not exist: no user's config file
        // (~/.config/bouncectl/config.toml) changes what tests see.
        .env("XDG_CONFIG_HOME", root().join("target/no-config-home"));
    cmd
}

/// Runs and returns (exit code, stdout, stderr), printing everything on a
/// surprise so that a failure explains itself.
pub fn run(cmd: &mut Command) -> (i32, Vec<u8>, String) {
    let out = cmd.output().expect("bouncectl runs");
    let code = out.status.code().unwrap_or(-1);
    (
        code,
        out.stdout,
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

/// Asserts that `actual` equals the file `expected` (relative to the root),
/// showing a unified diff otherwise. With `BOUNCECTL_BLESS=1` the file is
/// rewritten instead.
pub fn assert_matches_file(expected: &Path, actual: &[u8]) {
    let path = root().join(expected);
    if std::env::var_os("BOUNCECTL_BLESS").is_some() {
        std::fs::write(&path, actual).expect("write expected file");
        return;
    }
    let want = std::fs::read(&path).unwrap_or_else(|_| {
        panic!(
            "{} is missing: run `BOUNCECTL_BLESS=1 cargo test --test cli` and review it",
            path.display()
        )
    });
    if want != actual {
        let want = String::from_utf8_lossy(&want);
        let got = String::from_utf8_lossy(actual);
        let diff = similar::TextDiff::from_lines(want.as_ref(), got.as_ref());
        panic!(
            "output differs from {}\n{}",
            expected.display(),
            diff.unified_diff().header("expected", "actual")
        );
    }
}
