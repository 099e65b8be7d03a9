//! What the fuzz targets run: each input format's parser, the classifier, and
//! the whole path from bytes to rendered report. Every target asserts the
//! invariants a panic-free run must also keep.

use bouncectl::aggregate::{Aggregator, Settings};
use bouncectl::classify::{Classifier, Rules};
use bouncectl::correlate::Correlator;
use bouncectl::parse::timestamp::SyslogClock;
use bouncectl::parse::{Format, LineContext};
use bouncectl::report::{json::Json, table::TableFormat, Render};

fn with_context<T>(f: impl FnOnce(&LineContext) -> T) -> T {
    let clock = SyslogClock::for_year(2026, None, jiff::tz::TimeZone::UTC);
    let ctx = LineContext { clock: &clock, classifier: Rules::Builtin };
    f(&ctx)
}

/// Parses `data` as `format`; line formats must account for every line.
pub fn parse_as(format: Format, data: &[u8]) {
    with_context(|ctx| {
        let out = format.parse_document(data, ctx, None);
        if format.is_line_oriented() {
            let newlines = data.iter().filter(|&&b| b == b'\n').count() as u64;
            let lines = newlines + u64::from(data.last().is_some_and(|&b| b != b'\n'));
            assert_eq!(out.lines, lines);
        }
        assert!(out.skipped.total() <= out.lines.max(out.skipped.total()));
    });
}

/// Classifies `data` twice; the verdicts must agree.
pub fn classify(data: &[u8]) {
    let c = Classifier::builtin();
    assert_eq!(c.classify(data, None), c.classify(data, None));
}

/// Sniffs the format, parses, correlates, aggregates and renders: the whole
/// `analyze` path on one input, with the report's books balanced.
pub fn analyze(data: &[u8]) {
    with_context(|ctx| {
        let format = Format::sniff(data);
        let out = format.parse_document(data, ctx, None);
        let mut correlator = Correlator::new();
        let mut aggregator = Aggregator::new(Settings::default());
        for (_, event) in out.events {
            correlator.push(event, 0, &mut aggregator);
        }
        correlator.finish(&mut aggregator);
        let report = aggregator.finish(Vec::new(), None, None);
        let d = report.deliveries;
        assert_eq!(d.total, d.delivered + d.hard + d.soft + d.block + d.pending);
        let table = TableFormat.render(&report);
        assert!(!table.contains(&0x1b), "an escape character reached the table");
        let _ = Json.render(&report);
    });
}
