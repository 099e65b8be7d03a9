//! The generated logs of `bouncectl::genlog` come with their truth: analyze
//! must find exactly those counts, in both timestamp styles and with any
//! thread count.

use crate::util::{bouncectl, run};
use bouncectl::genlog::{generate, Config, Stamp, Truth};

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
