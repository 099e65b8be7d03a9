//! Parsers: the bytes of one line into at most one event, and a chunk of
//! lines into its events and counts.

pub mod csv_generic;
pub mod esp;
pub mod exim;
pub mod journal;
pub mod postfix;
pub mod scan;
pub mod syslog;
pub mod timestamp;
pub mod verdicts;

use crate::classify::Rules;
use crate::model::Event;
use crate::parse::csv_generic::ColumnMap;
use crate::parse::syslog::LineTime;
use crate::parse::timestamp::SyslogClock;
use serde::Serialize;

/// An input format. Each is either line-oriented (parsed in parallel chunks,
/// one line at a time) or a document (read whole, then parsed).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Format {
    /// Postfix syslog lines.
    Postfix,
    /// Exim main log lines (plain or wrapped in syslog).
    Exim,
    /// Amazon SES event records (JSON lines, arrays, SNS envelopes).
    Ses,
    /// SendGrid Event Webhook JSON.
    SendGrid,
    /// SendGrid bounces/blocks CSV download.
    SendGridCsv,
    /// Mailgun events JSON (Events API, webhooks, legacy webhooks).
    Mailgun,
    /// Postmark bounces and webhooks JSON.
    Postmark,
    /// Postmark bounces CSV.
    PostmarkCsv,
    /// SparkPost events JSON.
    SparkPost,
    /// Mandrill webhook events and rejection blacklist JSON.
    Mandrill,
    /// Mailchimp audience export CSV (cleaned or unsubscribed contacts).
    Mailchimp,
    /// Brevo transactional webhook JSON.
    Brevo,
    /// Postal webhook JSON.
    Postal,
    /// Any CSV with a header, columns by common names or `--columns`.
    Csv,
    /// journald's `journalctl -o json` (or `json-seq`): a Postfix or Exim log
    /// as one JSON record per line.
    Journal,
    /// journald's `journalctl -o export`: records of `KEY=value` lines.
    JournalExport,
}

/// How an input format is read: line by line (in parallel chunks), or as a
/// whole document (ESP exports, read first and merged in time order).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Reading {
    Lines,
    Document,
}

/// What writes an input format: a mail server's log, or an ESP (or a CSV
/// list), whose exports carry signals (complaints, the ESP's own list).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Origin {
    Mta,
    Esp,
}

/// One input format as the registry declares it: the name in reports and
/// for `--input-format`, the line `--help` shows, how it is read, who writes
/// it, and whether `--columns` applies (CSV).
#[derive(Debug, Clone, Copy)]
pub struct FormatSpec {
    pub format: Format,
    pub name: &'static str,
    pub help: &'static str,
    pub reading: Reading,
    pub origin: Origin,
    pub csv: bool,
}

const fn spec(
    format: Format,
    name: &'static str,
    help: &'static str,
    reading: Reading,
    origin: Origin,
) -> FormatSpec {
    FormatSpec {
        format,
        name,
        help,
        reading,
        origin,
        csv: false,
    }
}

const fn csv(format: Format, name: &'static str, help: &'static str) -> FormatSpec {
    FormatSpec {
        csv: true,
        ..spec(format, name, help, Reading::Document, Origin::Esp)
    }
}

use Origin::{Esp, Mta};
use Reading::{Document, Lines};

/// The input formats, one line each: a new format is its parser's file,
/// its variant of [`Format`] and its line here (plus its parser in
/// [`Format::parse_line`] or [`Format::parse_document`] and, when its content
/// tells it apart, its test in [`Format::sniff_with`]). `--input-format`, the
/// names in reports and the flags below are read from this table.
pub const FORMATS: [FormatSpec; 16] = [
    spec(Format::Postfix, "postfix", "Postfix syslog lines", Lines, Mta),
    spec(
        Format::Exim,
        "exim",
        "Exim main log (plain or in syslog)",
        Lines,
        Mta,
    ),
    spec(
        Format::Ses,
        "ses",
        "Amazon SES events (JSON lines or array, SNS envelopes)",
        Document,
        Esp,
    ),
    spec(
        Format::SendGrid,
        "sendgrid",
        "SendGrid Event Webhook JSON",
        Document,
        Esp,
    ),
    csv(
        Format::SendGridCsv,
        "sendgrid-csv",
        "SendGrid bounces/blocks CSV download",
    ),
    spec(
        Format::Mailgun,
        "mailgun",
        "Mailgun events JSON (Events API, webhooks)",
        Document,
        Esp,
    ),
    spec(
        Format::Postmark,
        "postmark",
        "Postmark bounces/webhooks JSON",
        Document,
        Esp,
    ),
    csv(Format::PostmarkCsv, "postmark-csv", "Postmark bounces CSV"),
    spec(
        Format::SparkPost,
        "sparkpost",
        "SparkPost events JSON",
        Document,
        Esp,
    ),
    spec(
        Format::Mandrill,
        "mandrill",
        "Mandrill webhook events / rejects JSON",
        Document,
        Esp,
    ),
    csv(
        Format::Mailchimp,
        "mailchimp",
        "Mailchimp audience export CSV (cleaned or unsubscribed)",
    ),
    spec(Format::Brevo, "brevo", "Brevo webhook JSON", Document, Esp),
    spec(Format::Postal, "postal", "Postal webhook JSON", Document, Esp),
    csv(Format::Csv, "csv", "Any CSV with a header (see --columns)"),
    spec(
        Format::Journal,
        "journal",
        "journalctl -o json or -o json-seq (Postfix or Exim in the journal)",
        Lines,
        Mta,
    ),
    spec(
        Format::JournalExport,
        "journal-export",
        "journalctl -o export",
        Document,
        Mta,
    ),
];

impl Format {
    /// Its line in [`FORMATS`].
    pub fn spec(self) -> &'static FormatSpec {
        FORMATS.iter().find(|s| s.format == self).unwrap_or(&FORMATS[0])
    }

    /// The name in reports (`inputs[].format`) and for `--input-format`.
    pub fn name(self) -> &'static str {
        self.spec().name
    }

    /// The format of a name given by [`Format::name`].
    pub fn from_name(name: &str) -> Option<Format> {
        FORMATS.iter().find(|s| s.name == name).map(|s| s.format)
    }

    /// An export of an ESP (or a CSV list), as opposed to an MTA's log.
    pub fn is_esp(self) -> bool {
        self.spec().origin == Origin::Esp
    }

    /// Whether the format is CSV (and `--columns` applies to it).
    pub fn is_csv(self) -> bool {
        self.spec().csv
    }

    /// Recognises the format from the first bytes of an input (up to 64 KiB):
    /// JSON by the keys of its ESP, CSV by its header row, Exim by its
    /// timestamps and message ids. Falls back to Postfix, whose parser counts
    /// what it cannot read.
    pub fn sniff(head: &[u8]) -> Format {
        Format::sniff_with(head, None)
    }

    /// [`Format::sniff`], knowing the user's `--columns`: a CSV whose header
    /// has the column they named for the address is a CSV whatever its names.
    pub fn sniff_with(head: &[u8], columns: Option<&ColumnMap>) -> Format {
        if let Some(map) = columns {
            if csv_generic::has_mapped_email(head, map) {
                return Format::Csv;
            }
        }
        let text = head.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(head);
        if let Some(journal) = journal::sniff(text) {
            return journal;
        }
        let first = text.iter().position(|c| !c.is_ascii_whitespace());
        if let Some(i) = first {
            if matches!(text[i], b'{' | b'[') {
                return esp::sniff_json(text).unwrap_or(Format::Postfix);
            }
        }
        if let Some(csv) = csv_generic::sniff(text) {
            return csv;
        }
        if exim::looks_like(text) {
            return Format::Exim;
        }
        Format::Postfix
    }

    /// Whether the input is read line by line (in parallel chunks).
    pub fn is_line_oriented(self) -> bool {
        self.spec().reading == Reading::Lines
    }

    /// Parses one line of a line-oriented format.
    pub fn parse_line(self, line: &[u8], ctx: &LineContext) -> Parsed {
        match self {
            Format::Exim => exim::parse_line(line, ctx),
            Format::Journal => journal::parse_json_line(line, ctx),
            _ => postfix::parse_line(line, ctx),
        }
    }

    /// Parses a whole document. Line-oriented formats go line by line; the
    /// column map applies to CSV formats.
    pub fn parse_document(self, bytes: &[u8], ctx: &LineContext, columns: Option<&ColumnMap>) -> ChunkOutput {
        match self {
            Format::Postfix | Format::Exim | Format::Journal => {
                parse_chunk(bytes, |line| self.parse_line(line, ctx))
            }
            Format::JournalExport => journal::parse_export(bytes, ctx),
            Format::Ses => esp::ses::parse(bytes, ctx),
            Format::SendGrid => esp::sendgrid::parse(bytes, ctx),
            Format::Mailgun => esp::mailgun::parse(bytes, ctx),
            Format::Postmark => esp::postmark::parse(bytes, ctx),
            Format::SparkPost => esp::sparkpost::parse(bytes, ctx),
            Format::Mandrill => esp::mandrill::parse(bytes, ctx),
            Format::Brevo => esp::brevo::parse(bytes, ctx),
            Format::Postal => esp::postal::parse(bytes, ctx),
            Format::SendGridCsv | Format::PostmarkCsv | Format::Mailchimp | Format::Csv => {
                csv_generic::parse(bytes, ctx, self, columns)
            }
        }
    }
}

/// The remote server's words inside a diagnostic of any format, for people:
/// after Postfix's `host X said: ` (without `(in reply to ...)`), after Exim's
/// `SMTP error from remote mail server after ...: `, or without an ESP's
/// `smtp;` type prefix.
pub fn reply_for_display(text: &[u8]) -> &[u8] {
    let postfix = postfix::reply_for_display(text);
    if postfix.len() != text.len() {
        return postfix;
    }
    let exim = exim::remote_reply(text);
    if exim.len() != text.len() {
        return exim;
    }
    match std::str::from_utf8(text) {
        Ok(s) => esp::reply_text(s).as_bytes(),
        Err(_) => text,
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
            LineTime::Rfc3339(_) | LineTime::Unix(_) => t.absolute(),
            LineTime::Syslog(t) => Some(self.clock.resolve(t)),
            LineTime::Local(naive) => Some(self.clock.resolve_local(naive)),
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
    /// A record whose recipient is not an address ([`crate::address`]): not
    /// UTF-8, a control character, longer than RFC 5321 allows. Never stored,
    /// never suppressed.
    InvalidAddress(crate::address::Invalid),
}

impl Skip {
    pub fn as_str(self) -> &'static str {
        match self {
            Skip::OtherProgram => "other_program",
            Skip::UnknownForm => "unknown_form",
            Skip::Unrecognized => "unrecognized",
            Skip::InvalidAddress(_) => "invalid_address",
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
    /// Records whose recipient is no address; in JSON only when there were
    /// some (reports of clean inputs keep their shape).
    #[serde(skip_serializing_if = "is_zero")]
    pub invalid_address: u64,
}

fn is_zero(n: &u64) -> bool {
    *n == 0
}

impl SkipCounts {
    pub fn add(&mut self, skip: Skip) {
        match skip {
            Skip::OtherProgram => self.other_program += 1,
            Skip::UnknownForm => self.unknown_form += 1,
            Skip::Unrecognized => self.unrecognized += 1,
            Skip::InvalidAddress(_) => self.invalid_address += 1,
        }
    }

    pub fn merge(&mut self, other: &SkipCounts) {
        self.other_program += other.other_program;
        self.unknown_form += other.unknown_form;
        self.unrecognized += other.unrecognized;
        self.invalid_address += other.invalid_address;
    }

    pub fn total(&self) -> u64 {
        self.other_program + self.unknown_form + self.unrecognized + self.invalid_address
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
    /// The first record whose recipient is no address (for the one warning
    /// per file): line number in the chunk, why, the line.
    pub first_invalid_address: Option<(u32, crate::address::Invalid, Vec<u8>)>,
    /// Warnings about the whole input (document formats: a `--columns` name
    /// the header lacks).
    pub warnings: Vec<String>,
}

impl ChunkOutput {
    /// Counts a skipped record and remembers the first of its kind (the
    /// first 200 bytes of `line`) for the warning.
    pub fn skip(&mut self, line_no: u32, skip: Skip, line: &[u8]) {
        self.skipped.add(skip);
        let text = || line[..line.len().min(200)].to_vec();
        match skip {
            Skip::OtherProgram => {}
            Skip::InvalidAddress(why) => {
                if self.first_invalid_address.is_none() {
                    self.first_invalid_address = Some((line_no, why, text()));
                }
            }
            Skip::UnknownForm | Skip::Unrecognized => {
                if self.first_unknown.is_none() {
                    self.first_unknown = Some((line_no, skip, text()));
                }
            }
        }
    }
}

/// The most events [`parse_chunk`] reserves room for up front (a 4 MiB chunk's worth).
const MAX_EVENTS_RESERVED: usize = 8192;

/// Runs a line parser over every line of a chunk (which ends at a line end, or
/// at the end of the input). CR before LF is dropped; blank lines are ignored.
pub fn parse_chunk(chunk: &[u8], mut parse_line: impl FnMut(&[u8]) -> Parsed) -> ChunkOutput {
    // Room for the events a chunk of a busy log gives (about one per 600
    // bytes): growing a large vector by doubling copies it each time. Capped:
    // the pipeline's chunks are at most a few MiB, but a caller may hand a
    // whole document, and memory is taken only as events come.
    let mut out = ChunkOutput {
        events: Vec::with_capacity((chunk.len() / 512).min(MAX_EVENTS_RESERVED)),
        ..ChunkOutput::default()
    };
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
                Parsed::Skipped(skip) => out.skip(line_no, skip, line),
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

    /// The registry has one line per format, with a name of its own that
    /// finds it again; a format is read one way (lines, or a document).
    #[test]
    fn the_registry_has_one_line_per_format() {
        let mut names = std::collections::BTreeSet::new();
        for s in &FORMATS {
            assert!(names.insert(s.name), "{} twice", s.name);
            assert_eq!(Format::from_name(s.name), Some(s.format));
            assert_eq!(s.format.name(), s.name);
            assert!(!s.help.is_empty());
            assert!(!s.csv || s.reading == Reading::Document, "{}", s.name);
        }
        let formats: std::collections::BTreeSet<String> =
            FORMATS.iter().map(|s| format!("{:?}", s.format)).collect();
        assert_eq!(formats.len(), FORMATS.len(), "a format with two lines");
        assert_eq!(Format::from_name("auto"), None);
    }
}

#[cfg(test)]
mod robustness {
    use super::*;
    use jiff::tz::TimeZone;

    /// Every parser on every fixture cut at many places, and on byte soup:
    /// no panic, and every event and skip names a line of the input.
    #[test]
    fn no_parser_panics_on_cut_or_random_input() {
        let clock = SyslogClock::for_year(2026, None, TimeZone::UTC);
        let ctx = LineContext {
            clock: &clock,
            classifier: crate::classify::Rules::Builtin,
        };
        let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures");
        let mut inputs: Vec<Vec<u8>> = Vec::new();
        for dir in ["esp", "exim", "equivalence", "journal"] {
            for entry in std::fs::read_dir(root.join(dir)).expect("fixture directory") {
                let path = entry.expect("entry").path();
                let name = path.file_name().and_then(|n| n.to_str()).unwrap_or("");
                if !name.contains(".expected.") && !name.ends_with(".md") && !name.ends_with(".args") {
                    inputs.push(std::fs::read(&path).expect("fixture"));
                }
            }
        }
        // A deterministic byte soup rich in JSON and CSV punctuation.
        let mut seed: u64 = 0x9E37_79B9_7F4A_7C15;
        let alphabet = b"{}[]\",:;\t\n\r\\ 0123456789.-+eE@<>aZ\xc3\xff\x00";
        let soup: Vec<u8> = (0..4096)
            .map(|_| {
                seed = seed
                    .wrapping_mul(6_364_136_223_846_793_005)
                    .wrapping_add(1_442_695_040_888_963_407);
                alphabet[(seed >> 33) as usize % alphabet.len()]
            })
            .collect();
        inputs.push(soup);
        for input in &inputs {
            let cuts: Vec<usize> = (0..=16).map(|i| input.len() * i / 16).collect();
            for &cut in &cuts {
                for format in FORMATS.map(|s| s.format) {
                    let out = format.parse_document(&input[..cut], &ctx, None);
                    let lines = out.lines.max(1);
                    assert!(
                        out.events.iter().all(|(l, _)| u64::from(*l) < lines),
                        "{}",
                        format.name()
                    );
                    assert!(
                        out.first_unknown.as_ref().is_none_or(|f| u64::from(f.0) < lines),
                        "{}",
                        format.name()
                    );
                }
            }
        }
    }
}
