//! Writes a deterministic, realistic Postfix log of a given size to stdout or
//! a file, and the counts a correct analysis must find to `--truth FILE`.
//!
//!     cargo run --release --example genlog -- --size 700M --out big.log --truth big.truth.json

use genlog::{generate, Config, Stamp};
use std::io::Write;

fn size(s: &str) -> Option<u64> {
    let s = s.trim();
    let (num, mult) = match s.chars().last()? {
        'K' | 'k' => (&s[..s.len() - 1], 1u64 << 10),
        'M' | 'm' => (&s[..s.len() - 1], 1 << 20),
        'G' | 'g' => (&s[..s.len() - 1], 1 << 30),
        _ => (s, 1),
    };
    num.parse::<u64>().ok().map(|n| n * mult)
}

fn main() {
    let mut cfg = Config::default();
    let mut out: Option<String> = None;
    let mut truth: Option<String> = None;
    let mut args = std::env::args().skip(1);
    while let Some(a) = args.next() {
        let mut value = || args.next().unwrap_or_else(|| panic!("{a} needs a value"));
        match a.as_str() {
            "--size" => cfg.target_bytes = size(&value()).expect("--size like 700M"),
            "--seed" => cfg.seed = value().parse().expect("--seed N"),
            "--addresses" => cfg.addresses = value().parse().expect("--addresses N"),
            "--syslog" => cfg.stamp = Stamp::Syslog,
            "--out" => out = Some(value()),
            "--truth" => truth = Some(value()),
            "--help" | "-h" => {
                eprintln!("genlog [--size 10M] [--seed 1] [--addresses 50000] [--syslog] [--out FILE] [--truth FILE]");
                return;
            }
            other => panic!("unknown argument {other}"),
        }
    }
    let result = match &out {
        Some(path) => generate(&cfg, std::fs::File::create(path).expect("create --out")),
        None => generate(&cfg, std::io::stdout().lock()),
    }
    .expect("write the log");
    let json = serde_json::to_string_pretty(&result).expect("truth as JSON");
    match truth {
        Some(path) => std::fs::write(path, json + "\n").expect("write --truth"),
        None => {
            let _ = writeln!(std::io::stderr(), "{json}");
        }
    }
}
