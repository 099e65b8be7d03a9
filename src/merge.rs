//! Several inputs of different formats in one run, merged in time order.
//!
//! Log files (line-oriented) are read one after another, oldest first, and
//! stream through the correlator. Document inputs (ESP exports and CSV
//! lists, small) are read whole before them ([`read_document`]); their events
//! are sorted by time (stably: an export's own order breaks ties) and fed into
//! the stream just before the first log event that is later ([`Merger`]),
//! the rest after the last log. Suppression depends on the order of outcomes
//! (consecutive soft bounces), so an export that overlaps a log in time must
//! interleave with it rather than follow it.

use crate::aggregate::report::InputReport;
use crate::model::Event;
use crate::parse::csv_generic::ColumnMap;
use crate::parse::{Format, LineContext, Skip, SkipCounts};
use anyhow::{bail, Result};
use std::collections::VecDeque;
use std::io::Read;

/// Document events waiting for their place in the stream.
#[derive(Debug, Default)]
pub struct Merger {
    /// Added since the last sort: `(event, input index)`.
    added: Vec<(Event, usize)>,
    /// Sorted by time, earliest first.
    queue: VecDeque<(Event, usize)>,
}

impl Merger {
    /// Adds the events of one document input.
    pub fn add(&mut self, events: Vec<Event>, source: usize) {
        self.added.extend(events.into_iter().map(|e| (e, source)));
    }

    fn sort(&mut self) {
        if !self.added.is_empty() {
            let mut all: Vec<(Event, usize)> = self.queue.drain(..).collect();
            all.append(&mut self.added);
            // Stable: events of one time keep their input and record order.
            all.sort_by_key(|(e, _)| e.ts);
            self.queue = all.into();
        }
    }

    /// Passes on a log event, after every waiting document event that is
    /// earlier than it (on a tie the log's event goes first).
    pub fn feed(&mut self, event: Event, source: usize, emit: &mut impl FnMut(Event, usize)) {
        self.release_before(event.ts, emit);
        emit(event, source);
    }

    /// Passes on every waiting document event earlier than `ts`.
    pub fn release_before(&mut self, ts: i64, emit: &mut impl FnMut(Event, usize)) {
        self.sort();
        while self.queue.front().is_some_and(|(e, _)| e.ts < ts) {
            if let Some((e, source)) = self.queue.pop_front() {
                emit(e, source);
            }
        }
    }

    /// Passes on what is left, after the last log event.
    pub fn finish(mut self, emit: &mut impl FnMut(Event, usize)) {
        self.sort();
        for (e, source) in self.queue.drain(..) {
            emit(e, source);
        }
    }
}

/// One document input, read and parsed.
#[derive(Debug)]
pub struct Document {
    pub report: InputReport,
    pub events: Vec<Event>,
    pub warnings: Vec<String>,
    /// The input could not be read to its end (what was read is counted).
    pub had_error: bool,
    pub first: Option<i64>,
    pub last: Option<i64>,
}

/// Reads a document input whole and parses it. A malformed record is
/// counted as skipped (with `--strict`, the first one stops the run with its
/// file and line).
pub fn read_document(
    reader: &mut dyn Read,
    name: &str,
    format: Format,
    ctx: &LineContext,
    columns: Option<&ColumnMap>,
    strict: bool,
) -> Result<Document> {
    let mut bytes = Vec::new();
    let read_error = reader.read_to_end(&mut bytes).err();
    // `--columns` names the columns of any CSV input, whatever it looks like.
    let format = if columns.is_some() && format.is_csv() {
        Format::Csv
    } else {
        format
    };
    let out = format.parse_document(&bytes, ctx, columns);
    if strict {
        if let Some((line, skip, text)) = &out.first_unknown {
            bail!(
                "{name}:{}: {} record (--strict stops here; without it the record is skipped and counted): {}",
                line + 1,
                skip_words(*skip),
                crate::output::sanitize(&String::from_utf8_lossy(text))
            );
        }
    }
    let mut warnings: Vec<String> = out.warnings.iter().map(|w| format!("{name}: {w}")).collect();
    let unknown = out.skipped.unknown_form + out.skipped.unrecognized;
    if let Some((line, skip, text)) = &out.first_unknown {
        warnings.push(format!(
            "{name}: {unknown} record{} in no known form skipped (first, line {}, {}: {})",
            if unknown == 1 { "" } else { "s" },
            line + 1,
            skip_words(*skip),
            crate::output::sanitize(&String::from_utf8_lossy(text))
        ));
    }
    if let Some((line, why, text)) = &out.first_invalid_address {
        let count = out.skipped.invalid_address;
        warnings.push(crate::address::skipped_warning(
            name,
            count,
            u64::from(*line) + 1,
            *why,
            text,
        ));
    }
    let mut report = InputReport {
        path: name.to_string(),
        format: format.name().into(),
        lines: out.lines,
        events: out.events.len() as u64,
        skipped: 0,
        skipped_by: SkipCounts::default(),
        error: None,
    };
    report.skipped_by.merge(&out.skipped);
    report.skipped = report.skipped_by.total();
    let mut had_error = false;
    if let Some(e) = read_error {
        let what = match e.kind() {
            std::io::ErrorKind::UnexpectedEof => "ends early (truncated compressed file?)".to_string(),
            _ => format!("read error: {e}"),
        };
        let message = format!("{name}: {what}; the records before it were counted");
        warnings.push(message.clone());
        report.error = Some(message);
        had_error = true;
    }
    let events: Vec<Event> = out.events.into_iter().map(|(_, e)| e).collect();
    let first = events.iter().map(|e| e.ts).min();
    let last = events.iter().map(|e| e.ts).max();
    Ok(Document {
        report,
        events,
        warnings,
        had_error,
        first,
        last,
    })
}

fn skip_words(skip: Skip) -> &'static str {
    match skip {
        Skip::OtherProgram => "other program",
        Skip::UnknownForm => "unknown form",
        Skip::Unrecognized => "unreadable",
        Skip::InvalidAddress(_) => "no address",
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{EventKind, MsgId};

    fn ev(ts: i64, id: &str) -> Event {
        Event {
            ts,
            msg: MsgId::new(id.as_bytes()).unwrap(),
            kind: EventKind::Removed,
        }
    }

    #[test]
    fn documents_interleave_with_the_log_by_time() {
        let mut m = Merger::default();
        m.add(vec![ev(30, "d3"), ev(10, "d1"), ev(20, "d2a")], 1);
        m.add(vec![ev(20, "d2b"), ev(99, "d9")], 2);
        let mut got = Vec::new();
        let mut emit = |e: Event, s: usize| got.push((e.msg.as_str().to_string(), s));
        for (ts, id) in [(5, "l0"), (20, "l2"), (25, "l25"), (40, "l4")] {
            m.feed(ev(ts, id), 0, &mut emit);
        }
        m.finish(&mut emit);
        let order: Vec<&str> = got.iter().map(|(id, _)| id.as_str()).collect();
        // Ties: the log event first, then documents in input order.
        assert_eq!(order, ["l0", "d1", "l2", "d2a", "d2b", "l25", "d3", "l4", "d9"]);
        assert_eq!(got[4], ("d2b".to_string(), 2));
    }

    #[test]
    fn without_a_log_documents_come_out_sorted() {
        let mut m = Merger::default();
        m.add(vec![ev(3, "c"), ev(1, "a"), ev(2, "b")], 0);
        let mut got = Vec::new();
        m.finish(&mut |e: Event, _| got.push(e.ts));
        assert_eq!(got, [1, 2, 3]);
    }
}
