//! Parser throughput on generated Postfix logs (the `genlog` dev crate: about
//! one delivery line in nine, the rest smtpd, postscreen, dovecot, opendkim
//! noise): per line through `Format::parse_line`, per 2 MiB chunk through
//! `parse_chunk`, and the delivery lines alone. Whole-run figures against
//! `grep -c` are in `scripts/bench.sh`. Run: `cargo bench --bench parse`.

use bouncectl::classify::Rules;
use bouncectl::parse::timestamp::SyslogClock;
use bouncectl::parse::{parse_chunk, Format, LineContext};
use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use genlog::{generate, Config};
use jiff::tz::TimeZone;
use std::hint::black_box;

fn sample() -> Vec<u8> {
    let mut log = Vec::new();
    let cfg = Config {
        seed: 7,
        target_bytes: 2 << 20,
        addresses: 20_000,
        ..Config::default()
    };
    generate(&cfg, &mut log).expect("generate into memory");
    log
}

fn bench(c: &mut Criterion) {
    let log = sample();
    let lines: Vec<&[u8]> = log.split(|&b| b == b'\n').filter(|l| !l.is_empty()).collect();
    let deliveries: Vec<&[u8]> = lines
        .iter()
        .copied()
        .filter(|l| l.windows(7).any(|w| w == b"status="))
        .collect();
    let clock = SyslogClock::new(1_795_000_000, TimeZone::UTC);
    let ctx = LineContext {
        clock: &clock,
        classifier: Rules::Builtin,
    };
    // Compile the rules before measuring.
    let _ = Format::Postfix.parse_line(deliveries[0], &ctx);

    let mut g = c.benchmark_group("postfix");
    g.throughput(Throughput::Elements(lines.len() as u64));
    g.bench_function("every line (mixed log)", |b| {
        b.iter(|| {
            for line in &lines {
                black_box(Format::Postfix.parse_line(black_box(line), &ctx));
            }
        })
    });
    g.throughput(Throughput::Elements(deliveries.len() as u64));
    g.bench_function("delivery lines only", |b| {
        b.iter(|| {
            for line in &deliveries {
                black_box(Format::Postfix.parse_line(black_box(line), &ctx));
            }
        })
    });
    g.throughput(Throughput::Bytes(log.len() as u64));
    g.bench_function("2 MiB chunk", |b| {
        b.iter(|| {
            black_box(parse_chunk(black_box(&log), |line| {
                Format::Postfix.parse_line(line, &ctx)
            }))
        })
    });
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
