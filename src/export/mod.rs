//! The suppression list's export formats, one file per format behind
//! [`Exporter`], like the report's renderers behind `report::Render`; and
//! [`Export`], which streams a list through one of them a record at a time.
//!
//! Our formats: [`csv`] (for a spreadsheet), [`txt`] (one address a line),
//! [`json`] (`bouncectl.suppression/v1`). A mail server's: [`postfix_access`]
//! (an access(5) map). The import formats of the ESPs, as their
//! suppression-import documentation gives them: [`ses`], [`sendgrid`],
//! [`mailgun`], [`postmark`], [`sparkpost`].
//!
//! With `--contradicted` every format lists only the addresses suppressed by
//! a hard bounce that have a delivery stored after it; csv adds the columns
//! `bounced_at,delivered_at` (the suppressing bounce, the first delivery
//! after it) and json the fields `bounced_at` and `delivered_at`. The ESP
//! formats and the access map keep their exact layout (their importers take
//! no other column).
//!
//! Addresses: every format meant for a program (txt, json, the access map,
//! the ESP imports) carries each address byte for byte: `+1234@example.com`
//! and `-x@example.com` are valid addresses, and an importer given
//! `'+1234@example.com` would suppress an address that does not exist. Only
//! `csv`, the spreadsheet format, prefixes a cell that begins with `=`, `+`,
//! `-`, `@`, a tab or a carriage return with `'` (in [`csv`] itself, the
//! only caller of `output::spreadsheet_cell` here), so that a spreadsheet
//! shows it as text instead of running it as a formula. On a terminal (no
//! `--out`, stdout a terminal) every format escapes control characters and
//! bidi overrides as the other outputs do (`\u{1b}`), through [`Out`]; into a
//! file or a pipe the bytes are the address's own.
//!
//! The list streams from the state to the output a record at a time
//! (`Store::each_listed`, [`Export`]): memory does not grow with its length.
//! A format keeps only what its layout needs between records (JSON: whether
//! an entry was written, for the comma).

pub mod csv;
pub mod json;
pub mod mailgun;
pub mod postfix_access;
pub mod postmark;
pub mod sendgrid;
pub mod ses;
pub mod sparkpost;
pub mod txt;

use crate::output::Shown;
use crate::parse::timestamp::format_rfc3339;
use crate::state::{AddressRecord, Contradiction};
use crate::suppression::{Cause, Status};
use std::borrow::Cow;
use std::collections::BTreeMap;
use std::io::{self, Write};

/// A suppression list format: a header, one record at a time, a footer.
/// Bytes go through [`Out`], which escapes them on a terminal and nowhere
/// else; a format decides its own layout and nothing about where it goes.
pub trait Exporter {
    /// Rows go through one CSV writer (RFC 4180 quoting, `\n` endings);
    /// otherwise the format writes its bytes itself ([`Out::raw`]).
    fn csv(&self) -> bool;

    /// The format may list at-risk addresses (`--include-at-risk`). The
    /// others are block lists (an access map, the ESP imports): an address
    /// in them is blocked, so they take suppressed addresses only.
    fn lists_at_risk(&self) -> bool {
        false
    }

    /// Writes the header, if the format has one.
    fn begin(&mut self, out: &mut Out<'_>, head: &Head) -> io::Result<()>;

    /// Writes one address of the list.
    fn record(&mut self, out: &mut Out<'_>, entry: &Entry<'_>) -> io::Result<Kept>;

    /// Writes what closes the document, if anything does.
    fn end(&mut self, _out: &mut Out<'_>) -> io::Result<()> {
        Ok(())
    }

    /// Why the addresses this format leaves out ([`Kept::LeftOut`]) were left
    /// out, for the summary line.
    fn left_out_why(&self) -> &'static str {
        "the format cannot hold their characters"
    }
}

/// Whether [`Exporter::record`] wrote the address.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kept {
    Written,
    /// The format cannot hold this address (a line break in `txt`, a space
    /// in an access map key): left out and counted.
    LeftOut,
}

/// What a header may say.
#[derive(Debug, Clone, Copy)]
pub struct Head {
    /// The time of the export (`--now`).
    pub now: i64,
    /// `--contradicted`: csv and json add the bounce and delivery times.
    pub contradicted: bool,
}

/// One address of the list, with what the formats read from it.
pub struct Entry<'a> {
    pub record: &'a AddressRecord,
    /// With `--contradicted`: the suppressing hard bounce and the first
    /// delivery after it.
    pub contradiction: Option<&'a Contradiction>,
}

impl<'a> Entry<'a> {
    pub fn address(&self) -> &'a str {
        &self.record.address
    }

    pub fn suppressed(&self) -> bool {
        self.record.status == Status::Suppressed
    }

    /// What suppressed the address (or its last bounce, when at risk).
    pub fn cause(&self) -> Option<Cause> {
        self.record.trigger.as_ref().map(|t| t.class)
    }

    pub fn class(&self) -> Option<&'static str> {
        self.cause().map(Cause::as_str)
    }

    pub fn reason(&self) -> Option<&'a str> {
        self.record.trigger.as_ref().and_then(|t| t.reason.as_deref())
    }

    /// The classifier rule of the suppressing bounce; with `--contradicted`
    /// the one the contradiction query found when the trigger has none.
    pub fn rule(&self) -> Option<&'a str> {
        self.record
            .trigger
            .as_ref()
            .and_then(|t| t.rule.as_deref())
            .or_else(|| self.contradiction.and_then(|c| c.rule.as_deref()))
    }

    /// The server's reply text of the trigger, as stored.
    pub fn diagnostic(&self) -> Option<&'a str> {
        self.record.trigger.as_ref().map(|t| t.diagnostic.as_str())
    }

    /// When the address was suppressed (the trigger's time).
    pub fn since(&self) -> Option<i64> {
        self.record.trigger.as_ref().map(|t| t.ts)
    }
}

/// Where a format's bytes go: CSV formats through one CSV writer, the others
/// straight to the output; escaped on a terminal, as they are elsewhere.
pub struct Out<'w> {
    sink: Sink<'w>,
    shown: Shown,
}

enum Sink<'w> {
    Csv(Box<::csv::Writer<&'w mut dyn Write>>),
    Raw(&'w mut dyn Write),
}

impl<'w> Out<'w> {
    fn new(out: &'w mut dyn Write, csv: bool, shown: Shown) -> Out<'w> {
        let sink = if csv {
            Sink::Csv(Box::new(
                ::csv::WriterBuilder::new()
                    .terminator(::csv::Terminator::Any(b'\n'))
                    .from_writer(out),
            ))
        } else {
            Sink::Raw(out)
        };
        Out { sink, shown }
    }

    /// Bytes of a format that is not CSV, as they are: the format escapes
    /// text with [`Out::text`] or [`Out::json`] first.
    pub fn raw(&mut self, bytes: &[u8]) -> io::Result<()> {
        match &mut self.sink {
            Sink::Raw(out) => out.write_all(bytes),
            Sink::Csv(w) => w
                .flush()
                .and_then(|_| Err(io::Error::other("raw bytes in a CSV export"))),
        }
    }

    /// A CSV row, each cell escaped on a terminal and byte for byte
    /// elsewhere (the spreadsheet guard is csv's own: [`csv`]).
    pub fn row(&mut self, cells: &[&str]) -> io::Result<()> {
        let shown = self.shown;
        let Sink::Csv(w) = &mut self.sink else {
            return Err(io::Error::other("a CSV row in another format"));
        };
        let cells: Vec<Cow<'_, str>> = cells.iter().map(|c| shown.text(c)).collect();
        w.write_record(cells.iter().map(|c| c.as_bytes()))
            .map_err(io_error)
    }

    /// Text as it is shown: escaped on a terminal, as it is elsewhere.
    pub fn text<'t>(&self, text: &'t str) -> Cow<'t, str> {
        self.shown.text(text)
    }

    /// A JSON text as it is shown (the same value either way).
    pub fn json(&self, json: String) -> String {
        self.shown.json(json)
    }

    fn flush(&mut self) -> io::Result<()> {
        match &mut self.sink {
            Sink::Csv(w) => w.flush(),
            Sink::Raw(out) => out.flush(),
        }
    }
}

/// The I/O error inside a CSV error, so that a closed pipe stays one.
fn io_error(e: ::csv::Error) -> io::Error {
    match e.into_kind() {
        ::csv::ErrorKind::Io(e) => e,
        other => io::Error::other(format!("{other:?}")),
    }
}

/// One line of text: line breaks and control characters become spaces.
pub fn one_line(s: &str) -> String {
    s.chars().map(|c| if c.is_control() { ' ' } else { c }).collect()
}

/// RFC 3339 UTC, empty without a time.
pub fn rfc3339(ts: Option<i64>) -> String {
    ts.map(format_rfc3339).unwrap_or_default()
}

/// One export being written, a record at a time, so that a list of
/// millions of addresses never sits in memory.
pub struct Export<'w, 'c> {
    format: Box<dyn Exporter>,
    out: Out<'w>,
    contradicted: Option<&'c BTreeMap<&'c str, &'c Contradiction>>,
    left_out: u64,
}

impl<'w, 'c> Export<'w, 'c> {
    /// Starts the export: its header, if the format has one. `contradicted`:
    /// the `--contradicted` list, by address.
    pub fn begin(
        mut format: Box<dyn Exporter>,
        out: &'w mut dyn Write,
        contradicted: Option<&'c BTreeMap<&'c str, &'c Contradiction>>,
        now: i64,
        shown: Shown,
    ) -> io::Result<Export<'w, 'c>> {
        let mut out = Out::new(out, format.csv(), shown);
        let head = Head {
            now,
            contradicted: contradicted.is_some(),
        };
        format.begin(&mut out, &head)?;
        Ok(Export {
            format,
            out,
            contradicted,
            left_out: 0,
        })
    }

    /// Writes one record of the list (a block list takes only suppressed
    /// addresses: [`Exporter::lists_at_risk`]).
    pub fn record(&mut self, r: &AddressRecord) -> io::Result<()> {
        if r.status != Status::Suppressed && !self.format.lists_at_risk() {
            return Ok(());
        }
        let entry = Entry {
            record: r,
            contradiction: self.contradicted.and_then(|m| m.get(r.address.as_str()).copied()),
        };
        if self.format.record(&mut self.out, &entry)? == Kept::LeftOut {
            self.left_out += 1;
        }
        Ok(())
    }

    /// Why the addresses counted by [`Export::end`] were left out.
    pub fn left_out_why(&self) -> &'static str {
        self.format.left_out_why()
    }

    /// Closes the export and flushes it; returns how many addresses the
    /// format could not hold.
    pub fn end(mut self) -> io::Result<u64> {
        self.format.end(&mut self.out)?;
        self.out.flush()?;
        Ok(self.left_out)
    }
}

/// Renders a whole list into memory (tests, and callers with a list in
/// hand); returns the bytes and how many addresses the format could not hold.
pub fn render(format: Box<dyn Exporter>, list: &[AddressRecord], now: i64) -> (Vec<u8>, u64) {
    render_with(format, list, None, now, Shown::Exact)
}

/// [`render`]; with `contradicted` (the `--contradicted` list, by address)
/// csv and json also give each address's bounce and later delivery times.
pub fn render_with(
    format: Box<dyn Exporter>,
    list: &[AddressRecord],
    contradicted: Option<&BTreeMap<&str, &Contradiction>>,
    now: i64,
    shown: Shown,
) -> (Vec<u8>, u64) {
    let mut out = Vec::new();
    // Writing into memory cannot fail.
    let left_out = (|| -> io::Result<u64> {
        let mut export = Export::begin(format, &mut out, contradicted, now, shown)?;
        for r in list {
            export.record(r)?;
        }
        export.end()
    })()
    .unwrap_or_default();
    (out, left_out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::suppression::Trigger;

    /// The format `--format NAME` names (the mapping itself lives with the
    /// command, which owns the flag).
    fn by_name(name: &str) -> Box<dyn Exporter> {
        match name {
            "csv" => Box::new(csv::Csv::default()),
            "txt" => Box::new(txt::Txt),
            "json" => Box::new(json::Json::default()),
            "postfix-access" => Box::new(postfix_access::PostfixAccess),
            "ses" => Box::new(ses::Ses),
            "sendgrid" => Box::new(sendgrid::Sendgrid),
            "mailgun" => Box::new(mailgun::Mailgun),
            "postmark" => Box::new(postmark::Postmark::default()),
            "sparkpost" => Box::new(sparkpost::Sparkpost),
            other => panic!("no format {other}"),
        }
    }

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
    fn esp_formats_follow_their_import_samples() {
        let list = vec![
            rec("gone@example.com", Status::Suppressed),
            rec("=evil@x.com", Status::Suppressed),
        ];
        let text = |f| String::from_utf8(render(by_name(f), &list, 0).0).unwrap();
        // Machine-read: the address as it is, no spreadsheet guard.
        assert_eq!(text("ses"), "gone@example.com,BOUNCE\n=evil@x.com,BOUNCE\n");
        assert_eq!(text("sendgrid"), "email\ngone@example.com\n=evil@x.com\n");
        assert!(text("mailgun").starts_with(
            "address,code,error,created_at\ngone@example.com,550,550 5.1.1 <x>: no such user (in reply to RCPT TO command),\"Mon, 02 Mar 2026 09:00:03 UTC\"\n"
        ));
        let pm: serde_json::Value = serde_json::from_str(&text("postmark")).unwrap();
        assert_eq!(pm["Suppressions"][0]["EmailAddress"], "gone@example.com");
        let sp = text("sparkpost");
        assert!(sp.starts_with("recipient,type,description\ngone@example.com,non_transactional,bouncectl: hard bounce (userunknown)\ngone@example.com,transactional,"), "{sp}");
    }

    #[test]
    fn access_map_leaves_out_keys_it_cannot_hold() {
        let list = vec![
            rec("a@example.com", Status::Suppressed),
            rec("has space@x", Status::Suppressed),
        ];
        let (bytes, left_out) = render(by_name("postfix-access"), &list, 0);
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
        let out = |f, shown| String::from_utf8(render_with(by_name(f), &list, None, 0, shown).0).unwrap();
        for f in ["ses", "sendgrid", "mailgun", "sparkpost", "txt", "postfix-access"] {
            let starts = |text: &str, with: &str| text.lines().any(|l| l.starts_with(with));
            let exact = out(f, Shown::Exact);
            assert!(starts(&exact, "+1234@example.com"), "{f:?}: {exact}");
            let terminal = out(f, Shown::Terminal);
            assert!(
                !terminal.contains(['\x1b', '\x07', '\u{202E}']),
                "{f:?}: {terminal}"
            );
            if f != "postfix-access" {
                assert!(starts(&exact, hostile), "{f:?}: {exact}");
                let escaped = "-evil\\u{1b}]0;pwned\\u{7}\\u{202e}@example.com";
                assert!(starts(&terminal, escaped), "{f:?}: {terminal}");
            }
        }
        for f in ["json", "postmark"] {
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
        let exact = out("csv", Shown::Exact);
        assert!(exact.contains("\n'+1234@example.com,"), "{exact}");
        assert!(exact.contains(&format!("\n'{hostile},")), "{exact}");
        let terminal = out("csv", Shown::Terminal);
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
        let (bytes, left_out) = render(by_name("txt"), &list, 0);
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
        let json = |records| String::from_utf8(render(by_name("json"), records, 0).0).unwrap();
        assert_eq!(
            json(&list[..0]),
            "{\n  \"schema\": \"bouncectl.suppression/v1\",\n  \"generated\": \"1970-01-01T00:00:00Z\",\n  \"suppressions\": []\n}\n"
        );
        let value: serde_json::Value = serde_json::from_str(&json(&list)).unwrap();
        assert_eq!(value["suppressions"][1]["status"], "at_risk");
        for records in [&list[..0], &list[..]] {
            let pm = String::from_utf8(render(by_name("postmark"), records, 0).0).unwrap();
            let value: serde_json::Value = serde_json::from_str(&pm).unwrap();
            assert_eq!(pm, format!("{}\n", serde_json::to_string_pretty(&value).unwrap()));
        }
    }
}
