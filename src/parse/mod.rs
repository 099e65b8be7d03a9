//! Parsers: the bytes of one line into at most one event, and a chunk of
//! lines into its events and counts.

pub mod postfix;
pub mod syslog;
pub mod timestamp;
pub mod verdicts;

use crate::classify::Rules;
use crate::model::Event;
use crate::parse::syslog::LineTime;
use crate::parse::timestamp::SyslogClock;
use serde::Serialize;

/// An input format. Each is either line-oriented (parsed in parallel chunks,
/// one line at a time) or a document (read whole, then parsed).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Format {
    /// Postfix syslog lines.
    Postfix,
}

impl Format {
    /// The name in reports (`inputs[].format`) and for `--input-format`.
    pub fn name(self) -> &'static str {
        match self {
            Format::Postfix => "postfix",
        }
    }

    /// Recognises the format from the first bytes of an input (up to 64 KiB).
    /// Falls back to Postfix, whose parser counts what it cannot read.
    pub fn sniff(_head: &[u8]) -> Format {
        Format::Postfix
    }

    /// Whether the input is read line by line (in parallel chunks).
    pub fn is_line_oriented(self) -> bool {
        match self {
            Format::Postfix => true,
        }
    }

    /// Parses one line of a line-oriented format.
    pub fn parse_line(self, line: &[u8], ctx: &LineContext) -> Parsed {
        match self {
            Format::Postfix => postfix::parse_line(line, ctx),
        }
    }

    /// Parses a whole document (formats that are not line-oriented).
    pub fn parse_document(self, bytes: &[u8], ctx: &LineContext) -> ChunkOutput {
        parse_chunk(bytes, |line| self.parse_line(line, ctx))
    }
}

/// Per-input things a parser needs besides the line.
pub struct LineContext<'a> {
    /// Turns year-less syslog dates into times.
    pub clock: &'a SyslogClock,
    pub classifier: Rules,
}

impl LineContext<'_> {
    /// Unix seconds of a line's timestamp; `None` when an RFC 3339 stamp of
    /// the right shape turns out not to be a valid time.
    pub fn resolve(&self, t: LineTime) -> Option<i64> {
        match t {
            LineTime::Rfc3339(_) => t.absolute(),
            LineTime::Syslog(t) => Some(self.clock.resolve(t)),
        }
    }
}

/// Why a line was skipped (counted, never fatal unless `--strict`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Skip {
    /// A line of a program we do not read (dovecot, amavis, opendkim, ...).
    OtherProgram,
    /// A line of our mail system in a form we do not know.
    UnknownForm,
    /// Not a log line we can read at all (no timestamp or program tag).
    Unrecognized,
}

impl Skip {
    pub fn as_str(self) -> &'static str {
        match self {
            Skip::OtherProgram => "other_program",
            Skip::UnknownForm => "unknown_form",
            Skip::Unrecognized => "unrecognized",
        }
    }
}

/// What one line gave.
#[derive(Debug, Clone, PartialEq)]
pub enum Parsed {
    Event(Event),
    /// A line of a known form that carries nothing we need (smtpd connects, ...).
    Ignored,
    Skipped(Skip),
}

/// Skipped-line counts by reason.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct SkipCounts {
    pub other_program: u64,
    pub unknown_form: u64,
    pub unrecognized: u64,
}

impl SkipCounts {
    pub fn add(&mut self, skip: Skip) {
        match skip {
            Skip::OtherProgram => self.other_program += 1,
            Skip::UnknownForm => self.unknown_form += 1,
            Skip::Unrecognized => self.unrecognized += 1,
        }
    }

    pub fn merge(&mut self, other: &SkipCounts) {
        self.other_program += other.other_program;
        self.unknown_form += other.unknown_form;
        self.unrecognized += other.unrecognized;
    }

    pub fn total(&self) -> u64 {
        self.other_program + self.unknown_form + self.unrecognized
    }
}

/// The events and counts of one chunk of whole lines.
#[derive(Debug, Default)]
pub struct ChunkOutput {
    /// Events with the 0-based line number inside the chunk.
    pub events: Vec<(u32, Event)>,
    pub lines: u64,
    pub skipped: SkipCounts,
    /// The first line that is not in a form we know (for `--strict` and the
    /// one warning per file): line number in the chunk, reason, the line.
    pub first_unknown: Option<(u32, Skip, Vec<u8>)>,
}

/// Runs a line parser over every line of a chunk (which ends at a line end, or
/// at the end of the input). CR before LF is dropped; blank lines are ignored.
pub fn parse_chunk(chunk: &[u8], mut parse_line: impl FnMut(&[u8]) -> Parsed) -> ChunkOutput {
    let mut out = ChunkOutput::default();
    let mut line_no: u32 = 0;
    let mut start = 0;
    // One iterator over the whole chunk: a fresh memchr call per line costs
    // more in set-up than in scanning.
    let ends = memchr::memchr_iter(b'\n', chunk).chain(std::iter::once(chunk.len()));
    for end in ends {
        if start >= chunk.len() {
            break;
        }
        let mut line = &chunk[start..end];
        if let [rest @ .., b'\r'] = line {
            line = rest;
        }
        if !line.is_empty() {
            match parse_line(line) {
                Parsed::Event(e) => out.events.push((line_no, e)),
                Parsed::Ignored => {}
                Parsed::Skipped(skip) => {
                    out.skipped.add(skip);
                    if skip != Skip::OtherProgram && out.first_unknown.is_none() {
                        out.first_unknown = Some((line_no, skip, line[..line.len().min(200)].to_vec()));
                    }
                }
            }
        }
        line_no = line_no.wrapping_add(1);
        start = end + 1;
    }
    out.lines = u64::from(line_no);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_lines_and_strips_cr() {
        let mut seen = Vec::new();
        let out = parse_chunk(b"a\r\n\nb\nc", |l| {
            seen.push(l.to_vec());
            Parsed::Skipped(Skip::Unrecognized)
        });
        assert_eq!(seen, vec![b"a".to_vec(), b"b".to_vec(), b"c".to_vec()]);
        assert_eq!(out.lines, 4);
        assert_eq!(out.skipped.unrecognized, 3);
        assert_eq!(out.first_unknown.map(|f| f.0), Some(0));
    }
}
