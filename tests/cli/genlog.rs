//! The generated logs of the `genlog` dev crate (crates/genlog) come with
//! their truth: analyze must find exactly those counts, in both timestamp
//! styles and with any thread count.

use crate::util::{bouncectl, run};
use ::genlog::{generate, Config, Stamp, Truth};

fn check(cfg: &Config, extra: &[&str]) {
    let dir = tempfile::tempdir().unwrap();
    let log = dir.path().join("gen.log");
    let truth: Truth = generate(cfg, std::fs::File::create(&log).unwrap()).unwrap();
    assert!(
        truth.hard > 0 && truth.soft > 0 && truth.block > 0 && truth.pending > 0,
        "{truth:?}"
    );
    let (code, out, err) = run(bouncectl()
        .args(["analyze", "-q", "--format", "json", "--chunk-size", "65536"])
        .args(extra)
        .arg(&log));
    assert_eq!(code, 0, "{err}");
    let r: serde_json::Value = serde_json::from_slice(&out).unwrap();
    let d = &r["deliveries"];
    let got = Truth {
        lines: r["inputs"][0]["lines"].as_u64().unwrap(),
        status_lines: truth.status_lines,
        total: d["total"].as_u64().unwrap(),
        delivered: d["delivered"].as_u64().unwrap(),
        hard: d["hard"].as_u64().unwrap(),
        soft: d["soft"].as_u64().unwrap(),
        block: d["block"].as_u64().unwrap(),
        pending: d["pending"].as_u64().unwrap(),
        deferred_then_delivered: d["deferred_then_delivered"].as_u64().unwrap(),
        deferral_attempts: d["deferral_attempts"].as_u64().unwrap(),
        excluded_local: r["excluded"]["local"].as_u64().unwrap(),
        excluded_notifications: r["excluded"]["notifications"].as_u64().unwrap(),
        suppressed: r["suppression"]["total"].as_u64().unwrap(),
        at_risk: r["suppression"]["at_risk"].as_u64().unwrap(),
        violations: r["suppression"]["violations"].as_u64().unwrap(),
    };
    assert_eq!(got, truth, "seed {}", cfg.seed);
    assert_eq!(r["inputs"][0]["skipped_by"]["unknown_form"], 0);
}

#[test]
fn counts_equal_the_generators_truth() {
    for seed in [1, 2, 3] {
        let cfg = Config {
            seed,
            target_bytes: 3 << 20,
            addresses: 5_000,
            ..Config::default()
        };
        check(&cfg, &["--threads", "2"]);
    }
}

#[test]
fn traditional_syslog_dates_give_the_same_truth() {
    let cfg = Config {
        seed: 9,
        target_bytes: 2 << 20,
        addresses: 3_000,
        stamp: Stamp::Syslog,
        ..Config::default()
    };
    check(&cfg, &["--year", "2026", "--threads", "3"]);
}

/// The generator is a dev-only crate: the library declares no `genlog`
/// module, and the package names `genlog` only as a dev-dependency (the
/// binary users install carries no test code).
#[test]
fn the_generator_is_not_in_the_library() {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
    let lib = std::fs::read_to_string(root.join("src/lib.rs")).unwrap();
    assert!(
        !lib.lines().any(|l| l.trim_start().starts_with("pub mod genlog")),
        "src/lib.rs still declares the genlog module"
    );
    assert!(
        !root.join("src/genlog.rs").exists(),
        "src/genlog.rs is still in the library"
    );
    let manifest = std::fs::read_to_string(root.join("Cargo.toml")).unwrap();
    let mut section = "";
    for line in manifest.lines() {
        let line = line.trim();
        if line.starts_with('[') {
            section = line;
        } else if line.starts_with("genlog") {
            assert_eq!(
                section, "[dev-dependencies]",
                "Cargo.toml: genlog outside the dev-dependencies"
            );
        }
    }
    assert!(
        manifest.contains("members = [\"crates/genlog\"]"),
        "crates/genlog is not a workspace member"
    );
}
