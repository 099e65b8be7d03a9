//! `bouncectl suppress`: the suppression list, exported from the state (after
//! analyzing the logs given, if any) in our formats and in the import formats
//! of the ESPs (`shared/corpus/esp/ESP-FORMATS.md`).
//!
//! - `csv`: header `address,class,reason,first_seen,last_seen,bounces,diagnostic,rule`;
//!   `first_seen`/`last_seen` are the first and last hard or soft bounce (RFC
//!   3339 UTC), `bounces` their number, `rule` the classifier rule of the
//!   bounce that suppressed the address (empty for a signal such as a
//!   complaint, or when that bounce was pruned); with `--include-at-risk`
//!   at-risk addresses follow with class `soft` and their last bounce. The
//!   new column is the last one, so that readers by position keep working.
//! - `txt`: one address per line, as it is.
//! - `json`: `{"schema": "bouncectl.suppression/v1", "suppressions": [{address,
//!   status (suppressed | at_risk), class, reason, rule, status_code,
//!   suppressed_at, first_seen, last_seen, bounces, soft_streak, diagnostic}]}`.
//!
//! With `--contradicted` every format lists only the addresses suppressed by
//! a hard bounce that have a delivery stored after it; csv adds the columns
//! `bounced_at,delivered_at` (the suppressing bounce, the first delivery
//! after it) and json the fields `bounced_at` and `delivered_at`. The ESP
//! formats and the access map keep their exact layout (their importers take
//! no other column).
//! - `postfix-access`: `address REJECT text` lines for `postmap` (an access(5)
//!   map for `check_recipient_access`); addresses that a map key cannot hold
//!   (whitespace, control characters, a leading `#`) are left out and counted.
//! - `ses`: Amazon SES import CSV, no header: `address,BOUNCE` (`COMPLAINT`
//!   for an address suppressed by a spam complaint).
//! - `sendgrid`: a one-column CSV with header `email` (unsubscribe upload;
//!   SendGrid takes no bounce imports).
//! - `mailgun`: bounces import `address,code,error,created_at` (SMTP code,
//!   550 when unknown; the reply text; RFC 2822 date).
//! - `postmark`: `{"Suppressions":[{"EmailAddress": ...}]}` for the
//!   Suppressions API.
//! - `sparkpost`: `recipient,type,description`, one row per type
//!   (`non_transactional`, `transactional`).
//!
//! Addresses: every format meant for a program (txt, json, the access map,
//! the ESP imports) carries each address byte for byte: `+1234@example.com`
//! and `-x@example.com` are valid addresses, and an importer given
//! `'+1234@example.com` would suppress an address that does not exist. Only
//! `csv`, the spreadsheet format, prefixes a cell that begins with `=`, `+`,
//! `-`, `@`, a tab or a carriage return with `'`, so that a spreadsheet shows
//! it as text instead of running it as a formula. On a terminal (no `--out`,
//! stdout a terminal) every format escapes control characters and bidi
//! overrides as the other outputs do (`\u{1b}`); into a file or a pipe the
//! bytes are the address's own. `txt` leaves out (and counts) an address
//! with a line break, which one line cannot hold.
//!
//! The list streams from the state to the output a record at a time
//! ([`Store::each_listed`], [`Export`]): memory does not grow with its length.

use super::{load_classifier, open_state, parse_since, Exit, Global, UsageError};
use crate::aggregate::Settings;
use crate::cli::{SuppressArgs, SuppressFormat};
use crate::input::Source;
use crate::output::{self, Shown};
use crate::parse::timestamp::{civil_from_days, format_rfc3339};
use crate::pipeline::ReadOptions;
use crate::run::{analyze_into_state, Job};
use crate::state::sqlite::SqliteStore;
use crate::state::{AddressRecord, Contradiction, Store};
use crate::suppression::{Cause, Status};
use anyhow::{Context, Result};
use serde::Serialize;
use std::borrow::Cow;
use std::collections::BTreeMap;
use std::io::Write;

pub fn run(args: SuppressArgs, global: &Global) -> Result<Exit> {
    if let Some(out) = &args.out {
        output::check_writable(out)?;
    }
    if args.include_at_risk
        && !matches!(
            args.format,
            SuppressFormat::Csv | SuppressFormat::Txt | SuppressFormat::Json
        )
    {
        return Err(UsageError(
            "--include-at-risk lists addresses that are not suppressed: it applies to csv, txt and json \
             only (an access map or ESP import would block them)"
                .into(),
        )
        .into());
    }
    let since = args
        .since
        .as_deref()
        .map(|s| parse_since(s, global.now))
        .transpose()?;
    let state = super::state_opts(&args.state, global)?;
    let mut had_errors = false;
    let mut store: Box<dyn Store> = if args.inputs.is_empty() {
        if args.no_state {
            return Err(UsageError(
                "--no-state keeps no list: give log files to analyze, or drop --no-state to export the state"
                    .into(),
            )
            .into());
        }
        if args.incremental {
            return Err(UsageError("--incremental needs log files to read".into()).into());
        }
        super::open_state_read_only(&state)?
    } else {
        let host = super::host_name(args.host.as_deref())?;
        let mut store: Box<dyn Store> = if args.no_state {
            Box::new(SqliteStore::in_memory()?)
        } else {
            open_state(&state, true)?
        };
        let sources: Vec<Source> = args.inputs.iter().map(|p| Source::from_arg(p)).collect();
        if sources.iter().filter(|s| **s == Source::Stdin).count() > 1 {
            return Err(UsageError("standard input (-) can be read only once".into()).into());
        }
        if args.incremental && sources.contains(&Source::Stdin) {
            return Err(UsageError("standard input cannot be read incrementally".into()).into());
        }
        let a = &args.analysis;
        let opts = ReadOptions {
            threads: global.threads,
            year: a.year,
            strict: a.strict,
            progress: !global.quiet,
            now: global.now,
            classifier: load_classifier(a.rules.as_deref())?,
            tz: jiff::tz::TimeZone::system(),
            chunk_size: global.chunk_size,
            format: crate::run::input_format(a.input_format),
            columns: None,
        };
        let settings = Settings {
            include_local: a.include_local,
            include_notifications: a.include_notifications,
            promote_after: a.promote_after,
            ..Settings::default()
        };
        let job = Job {
            command: "suppress",
            incremental: args.incremental,
            now: global.now,
            quiet: global.quiet,
            host,
            journal: None,
        };
        had_errors = analyze_into_state(store.as_mut(), &sources, &opts, settings, &job)?.had_errors;
        store
    };
    // The contradicted addresses are few (a later delivery disproves a
    // hard bounce); the list itself streams from the state to the output.
    let contradicted = if args.contradicted {
        Some(store.contradicted()?)
    } else {
        None
    };
    let by_address: Option<BTreeMap<&str, &Contradiction>> = contradicted
        .as_ref()
        .map(|found| found.iter().map(|c| (c.address.as_str(), c)).collect());
    let shown = Shown::for_out(args.out.as_deref());
    let mut file = args
        .out
        .as_deref()
        .map(|path| output::create(path, Some(0o600)))
        .transpose()?;
    let mut stdout;
    let out: &mut dyn Write = match &mut file {
        Some(file) => file,
        None => {
            stdout = std::io::BufWriter::with_capacity(1 << 16, std::io::stdout().lock());
            &mut stdout
        }
    };
    let cannot_write = || match &args.out {
        Some(path) => format!(
            "{}: cannot write (disk full?); the previous file is untouched",
            path.display()
        ),
        None => "cannot write the list".to_string(),
    };
    let (mut suppressed, mut at_risk) = (0u64, 0u64);
    let mut export =
        Export::begin(args.format, out, by_address.as_ref(), global.now, shown).with_context(cannot_write)?;
    store.each_listed(since, args.include_at_risk, &mut |r| {
        if let Some(found) = &by_address {
            if r.status != Status::Suppressed || !found.contains_key(r.address.as_str()) {
                return Ok(());
            }
        }
        match r.status {
            Status::Suppressed => suppressed += 1,
            _ => at_risk += 1,
        }
        export.record(&r).with_context(cannot_write)
    })?;
    let left_out = export.end().with_context(cannot_write)?;
    if let Some(file) = file {
        file.commit()?;
    }
    if !global.quiet {
        let mut line = if args.contradicted {
            format!(
                "bouncectl: {suppressed} suppressed addresses contradicted by a later delivery{}",
                if suppressed > 0 {
                    " (`bouncectl unsuppress --contradicted` takes them off)"
                } else {
                    ""
                }
            )
        } else {
            format!("bouncectl: {suppressed} suppressed addresses")
        };
        if args.include_at_risk {
            line.push_str(&format!(" and {at_risk} at risk"));
        }
        if let Some(path) = &args.out {
            line.push_str(&format!(" written to {}", path.display()));
        }
        if left_out > 0 {
            line.push_str(&format!(
                "; {left_out} left out ({})",
                Export::left_out_why(args.format)
            ));
        }
        eprintln!("{}", output::sanitize(&line));
    }
    Ok(if had_errors { Exit::Error } else { Exit::Ok })
}

/// One line of text: line breaks and control characters become spaces.
fn one_line(s: &str) -> String {
    s.chars().map(|c| if c.is_control() { ' ' } else { c }).collect()
}

fn rfc3339(ts: Option<i64>) -> String {
    ts.map(format_rfc3339).unwrap_or_default()
}

/// `Mon, 02 Mar 2026 09:00:03 UTC` (RFC 2822, as Mailgun's imports take).
pub fn rfc2822(ts: i64) -> String {
    const DAYS: [&str; 7] = ["Thu", "Fri", "Sat", "Sun", "Mon", "Tue", "Wed"];
    const MONTHS: [&str; 12] = [
        "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
    ];
    let days = ts.div_euclid(86_400);
    let secs = ts.rem_euclid(86_400);
    let (y, m, d) = civil_from_days(days);
    format!(
        "{}, {:02} {} {} {:02}:{:02}:{:02} UTC",
        DAYS[days.rem_euclid(7) as usize],
        d,
        MONTHS[(m as usize).saturating_sub(1).min(11)],
        y,
        secs / 3600,
        secs / 60 % 60,
        secs % 60
    )
}

#[derive(Serialize)]
struct JsonEntry<'a> {
    address: &'a str,
    status: &'static str,
    class: Option<&'static str>,
    reason: Option<&'a str>,
    rule: Option<&'a str>,
    status_code: Option<&'a str>,
    suppressed_at: Option<String>,
    first_seen: Option<String>,
    last_seen: Option<String>,
    bounces: u64,
    soft_streak: u32,
    diagnostic: Option<&'a str>,
    /// With `--contradicted`: the suppressing hard bounce and the first
    /// delivery after it.
    #[serde(skip_serializing_if = "Option::is_none")]
    bounced_at: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    delivered_at: Option<String>,
}

/// Whether Postfix's access map can hold the address as a key.
fn access_key_ok(address: &str) -> bool {
    !address.is_empty()
        && !address.starts_with('#')
        && !address.chars().any(|c| c.is_whitespace() || c.is_control())
}

/// Renders a whole list into memory (tests, and callers with a list in
/// hand); returns the bytes and how many addresses the format could not hold.
pub fn render(format: SuppressFormat, list: &[AddressRecord], now: i64) -> (Vec<u8>, u64) {
    render_with(format, list, None, now, Shown::Exact)
}

/// [`render`]; with `contradicted` (the `--contradicted` list, by address)
/// csv and json also give each address's bounce and later delivery times.
pub fn render_with(
    format: SuppressFormat,
    list: &[AddressRecord],
    contradicted: Option<&BTreeMap<&str, &Contradiction>>,
    now: i64,
    shown: Shown,
) -> (Vec<u8>, u64) {
    let mut out = Vec::new();
    // Writing into memory cannot fail.
    let left_out = (|| -> std::io::Result<u64> {
        let mut export = Export::begin(format, &mut out, contradicted, now, shown)?;
        for r in list {
            export.record(r)?;
        }
        export.end()
    })()
    .unwrap_or_default();
    (out, left_out)
}

/// The I/O error inside a CSV error, so that a closed pipe stays one.
fn io_error(e: csv::Error) -> std::io::Error {
    match e.into_kind() {
        csv::ErrorKind::Io(e) => e,
        other => std::io::Error::other(format!("{other:?}")),
    }
}

/// Where rows go: CSV formats through one CSV writer (RFC 4180 quoting),
/// the others straight to the output.
enum Sink<'w> {
    Csv(Box<csv::Writer<&'w mut dyn Write>>),
    Raw(&'w mut dyn Write),
}

/// One export being written, a record at a time, so that a list of
/// millions of addresses never sits in memory.
pub struct Export<'w, 'c> {
    format: SuppressFormat,
    sink: Sink<'w>,
    contradicted: Option<&'c BTreeMap<&'c str, &'c Contradiction>>,
    shown: Shown,
    /// Entries written (JSON: a comma before the next one).
    written: u64,
    left_out: u64,
}

impl<'w, 'c> Export<'w, 'c> {
    /// Starts the export: its header, if the format has one.
    pub fn begin(
        format: SuppressFormat,
        out: &'w mut dyn Write,
        contradicted: Option<&'c BTreeMap<&'c str, &'c Contradiction>>,
        now: i64,
        shown: Shown,
    ) -> std::io::Result<Export<'w, 'c>> {
        let csv = matches!(
            format,
            SuppressFormat::Csv
                | SuppressFormat::Ses
                | SuppressFormat::Sendgrid
                | SuppressFormat::Mailgun
                | SuppressFormat::Sparkpost
        );
        let sink = if csv {
            Sink::Csv(Box::new(
                csv::WriterBuilder::new()
                    .terminator(csv::Terminator::Any(b'\n'))
                    .from_writer(out),
            ))
        } else {
            Sink::Raw(out)
        };
        let mut export = Export {
            format,
            sink,
            contradicted,
            shown,
            written: 0,
            left_out: 0,
        };
        match format {
            SuppressFormat::Csv => {
                let mut header = vec![
                    "address",
                    "class",
                    "reason",
                    "first_seen",
                    "last_seen",
                    "bounces",
                    "diagnostic",
                    "rule",
                ];
                if contradicted.is_some() {
                    header.extend(["bounced_at", "delivered_at"]);
                }
                export.row(&header)?;
            }
            SuppressFormat::Txt | SuppressFormat::Ses => {}
            SuppressFormat::Json => {
                let head = format!(
                    "{{\n  \"schema\": \"bouncectl.suppression/v1\",\n  \"generated\": \"{}\",\n  \"suppressions\": [",
                    format_rfc3339(now)
                );
                export.raw(head.as_bytes())?;
            }
            SuppressFormat::PostfixAccess => {
                let head = format!(
                    "# Suppressed recipients, written by bouncectl on {}.\n\
                     # Build with `postmap hash:FILE`, use with\n\
                     #   smtpd_recipient_restrictions = check_recipient_access hash:FILE, ...\n",
                    format_rfc3339(now)
                );
                export.raw(head.as_bytes())?;
            }
            SuppressFormat::Sendgrid => export.row(&["email"])?,
            SuppressFormat::Mailgun => export.row(&["address", "code", "error", "created_at"])?,
            SuppressFormat::Postmark => export.raw(b"{\n  \"Suppressions\": [")?,
            SuppressFormat::Sparkpost => export.row(&["recipient", "type", "description"])?,
        }
        Ok(export)
    }

    /// Bytes of a format that is not CSV.
    fn raw(&mut self, bytes: &[u8]) -> std::io::Result<()> {
        match &mut self.sink {
            Sink::Raw(out) => out.write_all(bytes),
            Sink::Csv(w) => w
                .flush()
                .and_then(|_| Err(std::io::Error::other("raw bytes in a CSV export"))),
        }
    }

    /// A CSV row: a formula guard in `csv` (a spreadsheet format), every
    /// byte as it is in the ESP imports (machine-read), and escaped on a
    /// terminal either way.
    fn row(&mut self, cells: &[&str]) -> std::io::Result<()> {
        let spreadsheet = self.format == SuppressFormat::Csv;
        let shown = self.shown;
        let Sink::Csv(w) = &mut self.sink else {
            return Err(std::io::Error::other("a CSV row in another format"));
        };
        let cells: Vec<Cow<'_, str>> = cells
            .iter()
            .map(|c| {
                let c = if spreadsheet {
                    output::spreadsheet_cell(c)
                } else {
                    Cow::Borrowed(*c)
                };
                match shown.text(&c) {
                    Cow::Owned(escaped) => Cow::Owned(escaped),
                    Cow::Borrowed(_) => c,
                }
            })
            .collect();
        w.write_record(cells.iter().map(|c| c.as_bytes()))
            .map_err(io_error)
    }

    /// A JSON entry in the array that the header opened, indented as
    /// `serde_json`'s pretty printer indents a whole document.
    fn json_entry(&mut self, entry: &impl Serialize) -> std::io::Result<()> {
        let text = self.shown.json(serde_json::to_string_pretty(entry)?);
        let mut block = String::with_capacity(text.len() + 64);
        block.push_str(if self.written == 0 { "\n" } else { ",\n" });
        for (i, line) in text.lines().enumerate() {
            if i > 0 {
                block.push('\n');
            }
            block.push_str("    ");
            block.push_str(line);
        }
        self.raw(block.as_bytes())
    }

    /// Writes one record of the list (formats other than csv, txt and json
    /// take only suppressed addresses).
    pub fn record(&mut self, r: &AddressRecord) -> std::io::Result<()> {
        let suppressed = r.status == Status::Suppressed;
        let found = self.contradicted.and_then(|m| m.get(r.address.as_str()).copied());
        let class = r.trigger.as_ref().map(|t| t.class.as_str());
        let reason = r.trigger.as_ref().and_then(|t| t.reason.as_deref());
        let rule = r
            .trigger
            .as_ref()
            .and_then(|t| t.rule.as_deref())
            .or_else(|| found.and_then(|c| c.rule.as_deref()));
        match self.format {
            SuppressFormat::Csv => {
                let mut row = vec![
                    Cow::Borrowed(r.address.as_str()),
                    Cow::Borrowed(class.unwrap_or("")),
                    Cow::Borrowed(reason.unwrap_or("")),
                    Cow::Owned(rfc3339(r.first_seen)),
                    Cow::Owned(rfc3339(r.last_seen)),
                    Cow::Owned(r.bounces.to_string()),
                    Cow::Owned(
                        r.trigger
                            .as_ref()
                            .map_or(String::new(), |t| one_line(&t.diagnostic)),
                    ),
                    Cow::Borrowed(rule.unwrap_or("")),
                ];
                if self.contradicted.is_some() {
                    row.push(Cow::Owned(rfc3339(found.map(|c| c.bounce_ts))));
                    row.push(Cow::Owned(rfc3339(found.map(|c| c.delivered_ts))));
                }
                let cells: Vec<&str> = row.iter().map(|c| c.as_ref()).collect();
                self.row(&cells)?;
            }
            SuppressFormat::Txt => {
                // One address a line: an address with a line break would
                // read as two, so it is left out and counted.
                if r.address.contains(['\n', '\r']) {
                    self.left_out += 1;
                    return Ok(());
                }
                let line = format!("{}\n", self.shown.text(&r.address));
                self.raw(line.as_bytes())?;
            }
            SuppressFormat::Json => {
                let entry = JsonEntry {
                    address: &r.address,
                    status: r.status.as_str(),
                    class,
                    reason,
                    rule,
                    status_code: r.trigger.as_ref().and_then(|t| t.status_code.as_deref()),
                    suppressed_at: suppressed
                        .then(|| r.trigger.as_ref().map(|t| format_rfc3339(t.ts)))
                        .flatten(),
                    first_seen: r.first_seen.map(format_rfc3339),
                    last_seen: r.last_seen.map(format_rfc3339),
                    bounces: r.bounces,
                    soft_streak: r.soft_streak,
                    diagnostic: r.trigger.as_ref().map(|t| t.diagnostic.as_str()),
                    bounced_at: found.map(|c| format_rfc3339(c.bounce_ts)),
                    delivered_at: found.map(|c| format_rfc3339(c.delivered_ts)),
                };
                self.json_entry(&entry)?;
            }
            _ if !suppressed => return Ok(()),
            SuppressFormat::PostfixAccess => {
                if !access_key_ok(&r.address) {
                    self.left_out += 1;
                    return Ok(());
                }
                let why = match (r.trigger.as_ref().map(|t| t.class), reason) {
                    (Some(c), Some(re)) => format!("{}, {re}", c.describe()),
                    (Some(c), None) => c.describe().to_string(),
                    _ => "bounced".into(),
                };
                let since = r
                    .trigger
                    .as_ref()
                    .map(|t| format_rfc3339(t.ts))
                    .unwrap_or_default();
                let line = format!(
                    "{} REJECT recipient suppressed by bouncectl ({why}) since {since}",
                    r.address
                );
                let line = format!("{}\n", self.shown.text(&line));
                self.raw(line.as_bytes())?;
            }
            SuppressFormat::Ses => {
                // SES takes BOUNCE or COMPLAINT.
                let why = match r.trigger.as_ref().map(|t| t.class) {
                    Some(Cause::Complaint) => "COMPLAINT",
                    _ => "BOUNCE",
                };
                self.row(&[&r.address, why])?;
            }
            SuppressFormat::Sendgrid => self.row(&[&r.address])?,
            SuppressFormat::Mailgun => {
                let t = r.trigger.as_ref();
                let text = t.map_or(String::new(), |t| {
                    one_line(&String::from_utf8_lossy(
                        crate::parse::postfix::reply_for_display(t.diagnostic.as_bytes()),
                    ))
                });
                let code = t
                    .and_then(|t| crate::classify::codes::find_reply_code(t.diagnostic.as_bytes()))
                    .filter(|c| (500..600).contains(c))
                    .unwrap_or(550);
                let date = t.map(|t| rfc2822(t.ts)).unwrap_or_default();
                self.row(&[&r.address, &code.to_string(), &text, &date])?;
            }
            SuppressFormat::Postmark => {
                #[derive(Serialize)]
                struct Entry<'a> {
                    #[serde(rename = "EmailAddress")]
                    email: &'a str,
                }
                self.json_entry(&Entry { email: &r.address })?;
            }
            SuppressFormat::Sparkpost => {
                let description = match (r.trigger.as_ref().map(|t| t.class), reason) {
                    (Some(c), Some(re)) => format!("bouncectl: {} ({re})", c.describe()),
                    (Some(c), None) if c.is_signal() => format!("bouncectl: {}", c.describe()),
                    _ => "bouncectl: bounced".into(),
                };
                for kind in ["non_transactional", "transactional"] {
                    self.row(&[&r.address, kind, &description])?;
                }
            }
        }
        self.written += 1;
        Ok(())
    }

    /// Closes the export and flushes it; returns how many addresses the
    /// format could not hold.
    pub fn end(mut self) -> std::io::Result<u64> {
        let close: &[u8] = match (self.format, self.written) {
            (SuppressFormat::Json | SuppressFormat::Postmark, 0) => b"]\n}\n",
            (SuppressFormat::Json | SuppressFormat::Postmark, _) => b"\n  ]\n}\n",
            _ => b"",
        };
        if !close.is_empty() {
            self.raw(close)?;
        }
        match &mut self.sink {
            Sink::Csv(w) => w.flush(),
            Sink::Raw(out) => out.flush(),
        }?;
        Ok(self.left_out)
    }

    /// Why the addresses counted by [`Export::end`] were left out.
    pub fn left_out_why(format: SuppressFormat) -> &'static str {
        match format {
            SuppressFormat::Txt => "a line of the list cannot hold their line breaks",
            _ => "an access map key cannot hold their characters",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::suppression::Trigger;

    fn rec(address: &str, status: Status) -> AddressRecord {
        AddressRecord {
            address: address.into(),
            status,
            soft_streak: if status == Status::AtRisk { 1 } else { 0 },
            trigger: Some(Trigger {
                id: 1,
                ts: 1_772_442_003,
                class: Cause::Hard,
                reason: Some("userunknown".into()),
                rule: Some("userunknown.rcpt".into()),
                status_code: Some("5.1.1".into()),
                diagnostic:
                    "host mx[192.0.2.1] said: 550 5.1.1 <x>: no such user\n(in reply to RCPT TO command)"
                        .into(),
            }),
            suppressed_run: Some(1),
            first_seen: Some(1_772_442_003),
            last_seen: Some(1_772_442_003),
            bounces: 1,
            counts_after: None,
        }
    }

    #[test]
    fn rfc2822_dates() {
        assert_eq!(rfc2822(1_772_442_003), "Mon, 02 Mar 2026 09:00:03 UTC");
        assert_eq!(rfc2822(0), "Thu, 01 Jan 1970 00:00:00 UTC");
    }

    #[test]
    fn esp_formats_follow_their_import_samples() {
        let list = vec![
            rec("gone@example.com", Status::Suppressed),
            rec("=evil@x.com", Status::Suppressed),
        ];
        let text = |f| String::from_utf8(render(f, &list, 0).0).unwrap();
        // Machine-read: the address as it is, no spreadsheet guard.
        assert_eq!(
            text(SuppressFormat::Ses),
            "gone@example.com,BOUNCE\n=evil@x.com,BOUNCE\n"
        );
        assert_eq!(
            text(SuppressFormat::Sendgrid),
            "email\ngone@example.com\n=evil@x.com\n"
        );
        assert!(text(SuppressFormat::Mailgun).starts_with(
            "address,code,error,created_at\ngone@example.com,550,550 5.1.1 <x>: no such user (in reply to RCPT TO command),\"Mon, 02 Mar 2026 09:00:03 UTC\"\n"
        ));
        let pm: serde_json::Value = serde_json::from_str(&text(SuppressFormat::Postmark)).unwrap();
        assert_eq!(pm["Suppressions"][0]["EmailAddress"], "gone@example.com");
        let sp = text(SuppressFormat::Sparkpost);
        assert!(sp.starts_with("recipient,type,description\ngone@example.com,non_transactional,bouncectl: hard bounce (userunknown)\ngone@example.com,transactional,"), "{sp}");
    }

    #[test]
    fn access_map_leaves_out_keys_it_cannot_hold() {
        let list = vec![
            rec("a@example.com", Status::Suppressed),
            rec("has space@x", Status::Suppressed),
        ];
        let (bytes, left_out) = render(SuppressFormat::PostfixAccess, &list, 0);
        let text = String::from_utf8(bytes).unwrap();
        assert_eq!(left_out, 1);
        assert!(text.contains(
            "\na@example.com REJECT recipient suppressed by bouncectl (hard bounce, userunknown) since 2026-03-02T09:00:03Z\n"
        ));
        assert!(!text.contains("has space"));
    }

    /// Issue 15, items 1 and 12: the spreadsheet guard only in csv, the
    /// terminal escapes only on a terminal, every byte of the address in the
    /// machine-read formats.
    #[test]
    fn addresses_are_exact_in_files_and_escaped_on_a_terminal() {
        let hostile = "-evil\x1b]0;pwned\x07\u{202E}@example.com";
        let list = vec![
            rec("+1234@example.com", Status::Suppressed),
            rec(hostile, Status::Suppressed),
        ];
        let out = |f, shown| String::from_utf8(render_with(f, &list, None, 0, shown).0).unwrap();
        for f in [
            SuppressFormat::Ses,
            SuppressFormat::Sendgrid,
            SuppressFormat::Mailgun,
            SuppressFormat::Sparkpost,
            SuppressFormat::Txt,
            SuppressFormat::PostfixAccess,
        ] {
            let starts = |text: &str, with: &str| text.lines().any(|l| l.starts_with(with));
            let exact = out(f, Shown::Exact);
            assert!(starts(&exact, "+1234@example.com"), "{f:?}: {exact}");
            let terminal = out(f, Shown::Terminal);
            assert!(
                !terminal.contains(['\x1b', '\x07', '\u{202E}']),
                "{f:?}: {terminal}"
            );
            if f != SuppressFormat::PostfixAccess {
                assert!(starts(&exact, hostile), "{f:?}: {exact}");
                let escaped = "-evil\\u{1b}]0;pwned\\u{7}\\u{202e}@example.com";
                assert!(starts(&terminal, escaped), "{f:?}: {terminal}");
            }
        }
        for f in [SuppressFormat::Json, SuppressFormat::Postmark] {
            let exact = out(f, Shown::Exact);
            let terminal = out(f, Shown::Terminal);
            assert!(
                !terminal.contains(['\x1b', '\x07', '\u{202E}']),
                "{f:?}: {terminal}"
            );
            let a: serde_json::Value = serde_json::from_str(&exact).unwrap();
            let b: serde_json::Value = serde_json::from_str(&terminal).unwrap();
            assert_eq!(a, b, "the same value either way");
            assert!(exact.contains(hostile_json(hostile).as_str()), "{exact}");
        }
        // csv is for spreadsheets: guarded, and escaped on a terminal only.
        let exact = out(SuppressFormat::Csv, Shown::Exact);
        assert!(exact.contains("\n'+1234@example.com,"), "{exact}");
        assert!(exact.contains(&format!("\n'{hostile},")), "{exact}");
        let terminal = out(SuppressFormat::Csv, Shown::Terminal);
        assert!(
            terminal.contains("\n'-evil\\u{1b}]0;pwned\\u{7}\\u{202e}@example.com,"),
            "{terminal}"
        );
    }

    fn hostile_json(s: &str) -> String {
        serde_json::to_string(s).unwrap()
    }

    #[test]
    fn txt_leaves_out_an_address_a_line_cannot_hold() {
        let list = vec![
            rec("a@example.com", Status::Suppressed),
            rec("two\nlines@x", Status::Suppressed),
        ];
        let (bytes, left_out) = render(SuppressFormat::Txt, &list, 0);
        assert_eq!((bytes.as_slice(), left_out), (&b"a@example.com\n"[..], 1));
    }

    /// The streamed JSON is the document serde_json writes in one piece
    /// (fixtures/state/sample.suppress.json checks a whole list byte for
    /// byte; here the empty one and Postmark's, whose keys sort alike).
    #[test]
    fn streamed_json_is_the_pretty_document() {
        let list = vec![
            rec("a@example.com", Status::Suppressed),
            rec("b@example.com", Status::AtRisk),
        ];
        let json = |records| String::from_utf8(render(SuppressFormat::Json, records, 0).0).unwrap();
        assert_eq!(
            json(&list[..0]),
            "{\n  \"schema\": \"bouncectl.suppression/v1\",\n  \"generated\": \"1970-01-01T00:00:00Z\",\n  \"suppressions\": []\n}\n"
        );
        let value: serde_json::Value = serde_json::from_str(&json(&list)).unwrap();
        assert_eq!(value["suppressions"][1]["status"], "at_risk");
        for records in [&list[..0], &list[..]] {
            let pm = String::from_utf8(render(SuppressFormat::Postmark, records, 0).0).unwrap();
            let value: serde_json::Value = serde_json::from_str(&pm).unwrap();
            assert_eq!(pm, format!("{}\n", serde_json::to_string_pretty(&value).unwrap()));
        }
    }
}
