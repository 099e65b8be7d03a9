//! Properties that must hold for any input (proptest): parsers never panic
//! and account for every line; how an input is cut into chunks or ranges
//! never changes what is found; the classifier and the report survive any
//! text; correlation keeps its books balanced on any event sequence.

use bouncectl::aggregate::{Aggregator, Settings};
use bouncectl::classify::{Classifier, Rules};
use bouncectl::correlate::Correlator;
use bouncectl::input::chunks::{Chunk, Chunker};
use bouncectl::input::ranges::read_lines;
use bouncectl::model::{
    Attempt, AttemptParts, AttemptStatus, Class, Event, EventKind, MsgId, Reason, Scope, Verdict,
};
use bouncectl::parse::timestamp::SyslogClock;
use bouncectl::parse::{parse_chunk, ChunkOutput, Format, LineContext};
use bouncectl::report::{json::Json, table::TableFormat, Render};
use genlog::{generate, Config};
use jiff::tz::TimeZone;
use proptest::prelude::*;
use std::io::Write;

fn clock() -> SyslogClock {
    SyslogClock::for_year(2026, None, TimeZone::UTC)
}

/// Real lines of every kind, to mutate: the permissively licensed fixtures.
const SEEDS: &[&[u8]] = &[
    include_bytes!("../fixtures/postfix/sample.log"),
    include_bytes!("../fixtures/postfix/variants.log"),
    include_bytes!("../fixtures/postfix/kumina.log"),
    include_bytes!("../fixtures/exim/variants.log"),
    include_bytes!("../fixtures/esp/ses-bounce-events.jsonl"),
    include_bytes!("../fixtures/esp/sendgrid-events.json"),
    include_bytes!("../fixtures/esp/mailgun-events.jsonl"),
    include_bytes!("../fixtures/esp/postmark-bounces.json"),
    include_bytes!("../fixtures/esp/sparkpost-events.json"),
    include_bytes!("../fixtures/esp/mandrill-webhook.json"),
    include_bytes!("../fixtures/esp/sendgrid-bounces.csv"),
    include_bytes!("../fixtures/esp/generic-columns.csv"),
];

fn expected_lines(bytes: &[u8]) -> u64 {
    let newlines = bytes.iter().filter(|&&b| b == b'\n').count() as u64;
    newlines + u64::from(bytes.last().is_some_and(|&b| b != b'\n'))
}

fn events_of(out: &ChunkOutput) -> Vec<Event> {
    out.events.iter().map(|(_, e)| e.clone()).collect()
}

/// Bytes that look like log text often enough to reach deep into parsers:
/// mutations of real lines (flips, cuts, insertions of separators).
fn mutated() -> impl Strategy<Value = Vec<u8>> {
    (
        0..SEEDS.len(),
        any::<u64>(),
        prop::collection::vec((any::<u16>(), any::<u8>(), 0u8..4), 0..24),
    )
        .prop_map(|(seed, start, edits)| {
            let source = SEEDS[seed];
            let start = (start as usize) % source.len().max(1);
            let len = 600.min(source.len() - start);
            let mut bytes = source[start..start + len].to_vec();
            for (at, byte, kind) in edits {
                if bytes.is_empty() {
                    break;
                }
                let at = at as usize % bytes.len();
                let separators = b"\n\r\t ,;:<>[]()\"{}=@\\\x00\xff";
                match kind {
                    0 => bytes[at] = byte,
                    1 => bytes.insert(at, separators[byte as usize % separators.len()]),
                    2 => bytes.truncate(at),
                    _ => {
                        bytes.remove(at);
                    }
                }
            }
            bytes
        })
}

fn arbitrary_bytes() -> impl Strategy<Value = Vec<u8>> {
    prop_oneof![prop::collection::vec(any::<u8>(), 0..2048), mutated()]
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, ..ProptestConfig::default() })]

    #[test]
    fn every_parser_survives_any_bytes_and_counts_every_line(bytes in arbitrary_bytes()) {
        let clock = clock();
        let ctx = LineContext { clock: &clock, classifier: Rules::Builtin };
        for format in bouncectl::parse::FORMATS.map(|s| s.format) {
            let out = format.parse_document(&bytes, &ctx, None);
            if format.is_line_oriented() {
                prop_assert_eq!(out.lines, expected_lines(&bytes), "{}", format.name());
                prop_assert!(out.skipped.total() + out.events.len() as u64 <= out.lines);
            }
        }
        let _ = Format::sniff(&bytes);
    }

    #[test]
    fn the_classifier_survives_any_text_and_is_deterministic(bytes in arbitrary_bytes()) {
        let c = Classifier::builtin();
        let first = c.classify(&bytes, None);
        prop_assert_eq!(first, c.classify(&bytes, None));
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 24, ..ProptestConfig::default() })]

    /// Chunks of any size from the stream reader, and ranges of any size read
    /// by position, give exactly the events of one pass over the whole log.
    #[test]
    fn chunking_never_changes_the_events(seed in 0u64..1000, chunk in 1usize..5000, range in 1u64..5000) {
        let mut log = Vec::new();
        let cfg = Config { seed, target_bytes: 24 << 10, addresses: 200, ..Config::default() };
        generate(&cfg, &mut log).unwrap();
        let clock = clock();
        let ctx = LineContext { clock: &clock, classifier: Rules::Builtin };
        let parse = |b: &[u8]| parse_chunk(b, |l| Format::Postfix.parse_line(l, &ctx));
        let whole = parse(&log);

        let mut chunker = Chunker::with_size(&log[..], chunk);
        let mut buf = Chunk::default();
        let (mut events, mut lines) = (Vec::new(), 0);
        while chunker.next_into(&mut buf).unwrap() {
            let out = parse(buf.bytes());
            lines += out.lines;
            events.extend(events_of(&out));
        }
        prop_assert_eq!(lines, whole.lines);
        prop_assert_eq!(&events, &events_of(&whole));

        let mut file = tempfile::NamedTempFile::new().unwrap();
        file.write_all(&log).unwrap();
        let handle = file.reopen().unwrap();
        let size = log.len() as u64;
        let (mut events, mut lines, mut start) = (Vec::new(), 0, 0);
        let mut bytes = Vec::new();
        while start < size {
            let end = (start + range).min(size);
            let got = read_lines(&handle, start..end, size, &mut bytes, 1 << 20).unwrap();
            let out = parse(&bytes[got.span]);
            lines += out.lines;
            events.extend(events_of(&out));
            start = end;
        }
        prop_assert_eq!(lines, whole.lines);
        prop_assert_eq!(&events, &events_of(&whole));
    }
}

/// Any sequence of events, however unlikely, keeps the books balanced and
/// renders in every format.
fn event() -> impl Strategy<Value = Event> {
    let msg = (0u8..6).prop_map(|i| MsgId::new(format!("QID{i}").as_bytes()).unwrap());
    let rcpt = prop_oneof![
        Just("a@x.org"),
        Just("B@Y.org"),
        Just("c@x.org"),
        Just("\u{1b}[31m@evil"),
        Just("")
    ];
    let status = prop_oneof![
        Just(AttemptStatus::Sent),
        Just(AttemptStatus::Deferred),
        Just(AttemptStatus::Bounced)
    ];
    let class = prop_oneof![Just(Class::Hard), Just(Class::Soft), Just(Class::Block)];
    let kind = prop_oneof![
        3 => (rcpt, status, class, any::<bool>()).prop_map(|(rcpt, status, class, local)| {
            EventKind::Attempt(Attempt::new(AttemptParts {
                rcpt,
                status,
                scope: if local { Scope::Local } else { Scope::Outbound },
                relay: Some(b"mx.x.org"),
                diagnostic: b"550 5.1.1 gone \xff\n\x1b[0m",
                verdict: (status != AttemptStatus::Sent)
                    .then_some(Verdict::new(class, Reason::UserUnknown, "t", None)),
                status_code: Some("5.1.1"),
            }))
        }),
        1 => prop_oneof![Just(""), Just("news@shop.example")].prop_map(|f| EventKind::Sender { from: f.into() }),
        1 => Just(EventKind::Expired),
        1 => Just(EventKind::Removed),
        1 => Just(EventKind::Notification),
    ];
    (msg, kind, -100i64..1_000_000_000).prop_map(|(msg, kind, ts)| Event { ts, msg, kind })
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, ..ProptestConfig::default() })]

    #[test]
    fn correlation_keeps_the_books_balanced(events in prop::collection::vec(event(), 0..60)) {
        let mut correlator = Correlator::new();
        let mut aggregator = Aggregator::new(Settings::default());
        for e in events {
            correlator.push(e, 0, &mut aggregator);
        }
        correlator.finish(&mut aggregator);
        let report = aggregator.finish(Vec::new(), None, None);
        let d = report.deliveries;
        prop_assert_eq!(d.total, d.delivered + d.hard + d.soft + d.block + d.pending);
        for rate in [report.rates.bounce, report.rates.hard, report.rates.soft, report.rates.block, report.rates.deferral] {
            prop_assert!((0.0..=1.0).contains(&rate));
        }
        let table = String::from_utf8(TableFormat.render(&report)).unwrap();
        prop_assert!(!table.contains('\u{1b}'), "a control character reached the table");
        let json: serde_json::Value = serde_json::from_slice(&Json.render(&report)).unwrap();
        prop_assert_eq!(json["deliveries"]["total"].as_u64(), Some(d.total));
    }
}
