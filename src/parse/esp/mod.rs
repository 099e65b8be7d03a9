//! ESP exports: one module per ESP (field names from each ESP's own
//! documentation, named in `fixtures/esp/SOURCES.md`), and what they share:
//! reading JSON documents record by record with line numbers, recognising an
//! ESP from its keys, and [`Doc`], which turns records into events the way
//! every ESP needs it (one event per recipient, our classifier before the
//! ESP's label, ESP-side suppressions, complaints and unsubscribes apart).
//!
//! An ESP export is a document: it is read whole (exports are small) and a
//! malformed record is counted as skipped with its line number, never fatal.

pub mod brevo;
pub mod mailgun;
pub mod mandrill;
pub mod postal;
pub mod postmark;
pub mod sendgrid;
pub mod ses;
pub mod sparkpost;
pub mod time;

use crate::classify::Status;
use crate::model::{
    Attempt, AttemptParts, AttemptStatus, Class, Event, EventKind, MsgId, Reason, Scope, SuppressCause,
    Verdict,
};
use crate::parse::{ChunkOutput, Format, LineContext, Skip};
use serde_json::Value;
use std::hash::{Hash, Hasher};

/// What an ESP says about a failure when it gives no text for our
/// classifier (and, for bounces, its label to compare ours with).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct EspSays {
    /// The ESP's own class, for the disagreement count; `None` when the ESP
    /// has no opinion (SES `Undetermined`, SparkPost class 1).
    pub label: Option<Class>,
    /// The class and reason to use when there is no text to classify.
    pub class: Class,
    pub reason: Reason,
    /// Rule id reported for that fallback (`ses.NoEmail`, `sendgrid.bounce`).
    pub rule: &'static str,
}

impl EspSays {
    /// The ESP's label is also the fallback.
    pub const fn label(class: Class, reason: Reason, rule: &'static str) -> EspSays {
        EspSays {
            label: Some(class),
            class,
            reason,
            rule,
        }
    }

    /// No label to compare with; the fallback only.
    pub const fn fallback(class: Class, reason: Reason, rule: &'static str) -> EspSays {
        EspSays {
            label: None,
            class,
            reason,
            rule,
        }
    }
}

/// One failed or deferred attempt as an ESP reports it.
#[derive(Debug, Clone, Copy)]
pub struct Failure<'t> {
    /// `Bounced` (final) or `Deferred`.
    pub status: AttemptStatus,
    /// The remote server's reply as the ESP gives it (may be empty).
    pub text: &'t str,
    /// An enhanced status code from a field of its own (`5.1.1`).
    pub status_field: Option<&'t str>,
    pub esp: EspSays,
}

impl<'t> Failure<'t> {
    pub fn bounced(text: &'t str, status_field: Option<&'t str>, esp: EspSays) -> Failure<'t> {
        Failure {
            status: AttemptStatus::Bounced,
            text,
            status_field,
            esp,
        }
    }

    pub fn deferred(text: &'t str, status_field: Option<&'t str>, esp: EspSays) -> Failure<'t> {
        Failure {
            status: AttemptStatus::Deferred,
            text,
            status_field,
            esp,
        }
    }
}

/// A record's event before its time is known (records without a time borrow
/// their neighbour's).
struct Pending {
    line: u32,
    ts: Option<i64>,
    msg: MsgId,
    kind: EventKind,
}

/// Builds the events of one document. Parsers call [`Doc::record`] for each
/// record, then the event methods; [`Doc::finish`] gives the chunk output.
pub struct Doc<'c, 'a> {
    pub ctx: &'c LineContext<'a>,
    bytes: &'c [u8],
    /// Prefix of made-up message ids (`ses`, `sendgrid`, ...).
    name: &'static str,
    line: u32,
    events: Vec<Pending>,
    out: ChunkOutput,
    /// The first skipped record's text is still its line's (see [`Doc::item`]).
    line_snippet: bool,
}

impl<'c, 'a> Doc<'c, 'a> {
    pub fn new(bytes: &'c [u8], ctx: &'c LineContext<'a>, name: &'static str) -> Doc<'c, 'a> {
        let mut out = ChunkOutput::default();
        let newlines = memchr::memchr_iter(b'\n', bytes).count() as u64;
        out.lines = newlines + u64::from(!bytes.is_empty() && bytes.last() != Some(&b'\n'));
        Doc {
            ctx,
            bytes,
            name,
            line: 0,
            events: Vec::new(),
            out,
            line_snippet: false,
        }
    }

    /// The 0-based line where the current record starts.
    pub fn record(&mut self, line: u32) {
        self.line = line;
    }

    /// Counts the current record as skipped; the first one in no known form
    /// is kept (with its line) for the warning and `--strict`.
    pub fn skip(&mut self, skip: Skip) {
        let first = self.out.first_unknown.is_none();
        self.out.skip(self.line, skip, line_text(self.bytes, self.line));
        if first && self.out.first_unknown.is_some() {
            self.line_snippet = true;
        }
    }

    /// Runs `f` on one item of a record (an event inside a batch or page).
    /// When the item is skipped, the warning shows the item itself rather
    /// than the first line of its container.
    pub fn item(&mut self, v: &Value, f: impl FnOnce(&mut Self, &Value)) {
        f(self, v);
        if self.line_snippet {
            self.line_snippet = false;
            if let Some(first) = &mut self.out.first_unknown {
                let mut text = serde_json::to_string(v).unwrap_or_default().into_bytes();
                text.truncate(200);
                first.2 = text;
            }
        }
    }

    /// The message id of a record: the ESP's id (long ids hashed to fit), or a
    /// made-up one unique to this record when the export has none.
    pub fn msg(&self, id: Option<&str>) -> MsgId {
        let id = id.map(str::trim).filter(|s| !s.is_empty());
        match id {
            Some(id) => msg_id(id),
            None => msg_id(&format!("{}#{}", self.name, self.line + 1)),
        }
    }

    fn push(&mut self, ts: Option<i64>, msg: MsgId, kind: EventKind) {
        self.events.push(Pending {
            line: self.line,
            ts,
            msg,
            kind,
        });
    }

    /// A successful delivery.
    pub fn delivered(&mut self, ts: Option<i64>, msg: MsgId, rcpt: &str) {
        let rcpt = match address(rcpt) {
            Ok(rcpt) => rcpt,
            Err(skip) => return self.skip(skip),
        };
        let attempt = Attempt::new(AttemptParts {
            rcpt: &rcpt,
            status: AttemptStatus::Sent,
            scope: Scope::Outbound,
            relay: None,
            diagnostic: b"",
            verdict: None,
            status_code: None,
        });
        self.push(ts, msg, EventKind::EspAttempt { attempt, label: None });
    }

    /// A failure (`AttemptStatus::Bounced`) or a deferral.
    pub fn failed(&mut self, ts: Option<i64>, msg: MsgId, rcpt: &str, f: Failure<'_>) {
        let rcpt = match address(rcpt) {
            Ok(rcpt) => rcpt,
            Err(skip) => return self.skip(skip),
        };
        // A deferral is never hard, whatever the record it came in says.
        let esp = match (f.status, f.esp.class) {
            (AttemptStatus::Deferred, Class::Hard) => EspSays {
                class: Class::Soft,
                ..f.esp
            },
            _ => f.esp,
        };
        let (verdict, status_code) = decide(self.ctx, f.text, f.status_field, esp);
        let attempt = Attempt::new(AttemptParts {
            rcpt: &rcpt,
            status: f.status,
            scope: Scope::Outbound,
            relay: None,
            diagnostic: f.text.trim().as_bytes(),
            verdict: Some(verdict),
            status_code: status_code.as_deref(),
        });
        let label = if f.status == AttemptStatus::Bounced {
            f.esp.label
        } else {
            None
        };
        self.push(ts, msg, EventKind::EspAttempt { attempt, label });
    }

    /// A warning about the whole document (a `--columns` name not found).
    pub fn warn(&mut self, message: String) {
        self.out.warnings.push(message);
    }

    /// Unix seconds of a timestamp field.
    pub fn ts(&self, v: Option<&Value>) -> Option<i64> {
        v.and_then(|v| time::value_ts(v, self.ctx))
    }

    /// The ESP refused to send to an address it had suppressed already.
    pub fn suppressed(&mut self, ts: Option<i64>, msg: MsgId, rcpt: &str, cause: SuppressCause) {
        match address(rcpt) {
            Ok(rcpt) => self.push(ts, msg, EventKind::EspSuppressed { rcpt, cause }),
            Err(skip) => self.skip(skip),
        }
    }

    pub fn complaint(&mut self, ts: Option<i64>, msg: MsgId, rcpt: &str) {
        match address(rcpt) {
            Ok(rcpt) => self.push(ts, msg, EventKind::Complaint { rcpt }),
            Err(skip) => self.skip(skip),
        }
    }

    pub fn unsubscribe(&mut self, ts: Option<i64>, msg: MsgId, rcpt: &str) {
        match address(rcpt) {
            Ok(rcpt) => self.push(ts, msg, EventKind::Unsubscribe { rcpt }),
            Err(skip) => self.skip(skip),
        }
    }

    /// The events, each at its record's time; a record without a time takes
    /// the time of the record before it (or, at the start, the first time in
    /// the document), so that it still sorts near its neighbours.
    pub fn finish(mut self) -> ChunkOutput {
        let first_known = self.events.iter().find_map(|e| e.ts);
        let mut last = first_known.unwrap_or(0);
        for e in self.events {
            let ts = e.ts.unwrap_or(last);
            last = ts;
            self.out.events.push((
                e.line,
                Event {
                    ts,
                    msg: e.msg,
                    kind: e.kind,
                },
            ));
        }
        self.out
    }
}

/// Our verdict when the text (or status field) says something the classifier
/// knows, else the ESP's; and the enhanced status code used.
pub fn decide(
    ctx: &LineContext,
    text: &str,
    status_field: Option<&str>,
    esp: EspSays,
) -> (Verdict, Option<Box<str>>) {
    let reply = reply_text(text);
    let given = status_field.and_then(|s| Status::parse(s.trim().as_bytes()));
    if !reply.is_empty() || given.is_some() {
        let c = crate::parse::verdicts::classify(&ctx.classifier, reply.as_bytes(), given);
        if c.verdict.reason != Reason::Undefined {
            return (c.verdict, c.status.map(|s| s.to_string().into_boxed_str()));
        }
    }
    let verdict = Verdict::new(esp.class, esp.reason, esp.rule, esp.reason.deferral());
    (verdict, given.map(|s| s.to_string().into_boxed_str()))
}

/// The remote reply inside an ESP's diagnostic: without the DSN type prefix
/// (`smtp;`, `X-Postfix;`) and Brevo's `undefined ` and leading spaces.
pub fn reply_text(text: &str) -> &str {
    let t = text.trim();
    let t = t.strip_prefix("undefined ").unwrap_or(t);
    for prefix in ["smtp;", "SMTP;", "X-Postfix;", "x-postfix;"] {
        if let Some(rest) = t.strip_prefix(prefix) {
            return rest.trim_start();
        }
    }
    t
}

/// A recipient address from an export: trimmed, a `Name <addr>` wrapper
/// removed, in its normal form ([`crate::address`]). `Err` says how the
/// record is skipped: nothing left is a record in no known form; text that
/// is no address is counted as such.
pub fn address(raw: &str) -> Result<Box<str>, Skip> {
    let t = raw.trim();
    let t = match (t.rfind('<'), t.ends_with('>')) {
        (Some(open), true) => &t[open + 1..t.len() - 1],
        _ => t,
    };
    let t = t.trim();
    if t.is_empty() {
        return Err(Skip::UnknownForm);
    }
    crate::address::normalize_str(t)
        .map(|a| a.into_owned().into_boxed_str())
        .map_err(Skip::InvalidAddress)
}

/// A message id that fits [`MsgId`]: ids of up to 31 bytes as they are;
/// longer ones (SES ids are 60) as their first 14 bytes, `~`, and a 64-bit
/// hash of the whole id, so that distinct ids stay distinct.
pub fn msg_id(id: &str) -> MsgId {
    let bytes = id.as_bytes();
    if let Some(m) = MsgId::new(bytes) {
        return m;
    }
    let mut hasher = rustc_hash::FxHasher::default();
    bytes.hash(&mut hasher);
    let mut cut = 14;
    while !id.is_char_boundary(cut) {
        cut -= 1;
    }
    let short = format!("{}~{:016x}", &id[..cut], hasher.finish());
    MsgId::new(short.as_bytes()).unwrap_or_else(|| {
        // Unreachable: 14 bytes + 1 + 16 = 31.
        MsgId::new(b"?").expect("a one-byte id fits")
    })
}

/// The text of 0-based line `n` of a document (for warnings).
pub fn line_text(bytes: &[u8], n: u32) -> &[u8] {
    let mut start = 0;
    for _ in 0..n {
        match memchr::memchr(b'\n', &bytes[start..]) {
            Some(i) => start += i + 1,
            None => return &[],
        }
    }
    let end = memchr::memchr(b'\n', &bytes[start..]).map_or(bytes.len(), |i| start + i);
    let line = &bytes[start..end];
    line.strip_suffix(b"\r").unwrap_or(line)
}

/// 0-based line of byte offset `at`.
pub fn line_of(bytes: &[u8], at: usize) -> u32 {
    memchr::memchr_iter(b'\n', &bytes[..at.min(bytes.len())]).count() as u32
}

fn skip_ws(bytes: &[u8], mut at: usize) -> usize {
    while bytes.get(at).is_some_and(u8::is_ascii_whitespace) {
        at += 1;
    }
    at
}

/// The JSON values of a document with the 0-based line each starts on: the
/// elements of a top-level array, or whitespace-separated values (one per
/// line, or pretty-printed one after another). A value that does not parse is
/// an `Err` at its line; reading goes on at the next line that starts a new
/// object, so one broken record costs only itself.
/// Parses an ESP's JSON document: every record (one value, JSON Lines, or
/// several values) goes to `handle`; a record that is not JSON is skipped and
/// counted on its line. `name` prefixes made-up message ids.
pub fn parse_json(
    bytes: &[u8],
    ctx: &LineContext,
    name: &'static str,
    mut handle: impl FnMut(&mut Doc, &Value),
) -> ChunkOutput {
    let mut doc = Doc::new(bytes, ctx, name);
    for (line, record) in json_records(bytes) {
        doc.record(line);
        match record {
            Ok(v) => handle(&mut doc, &v),
            Err(_) => doc.skip(Skip::Unrecognized),
        }
    }
    doc.finish()
}

/// [`parse_json`] for exports whose records are events or arrays of events.
pub fn parse_events(
    bytes: &[u8],
    ctx: &LineContext,
    name: &'static str,
    event: fn(&mut Doc, &Value),
) -> ChunkOutput {
    parse_json(bytes, ctx, name, |doc, v| match v {
        Value::Array(items) => items.iter().for_each(|e| doc.item(e, event)),
        v => doc.item(v, event),
    })
}

pub fn json_records(bytes: &[u8]) -> Vec<(u32, Result<Value, String>)> {
    let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    let mut records = Vec::new();
    let start = skip_ws(bytes, 0);
    if bytes.get(start) == Some(&b'[') {
        // Element by element, so that each has its own line.
        let mut at = start + 1;
        loop {
            at = skip_ws(bytes, at);
            match bytes.get(at) {
                None | Some(b']') => break,
                Some(b',') => {
                    at += 1;
                    continue;
                }
                Some(_) => {}
            }
            let mut stream = serde_json::Deserializer::from_slice(&bytes[at..]).into_iter::<Value>();
            match stream.next() {
                Some(Ok(v)) => {
                    records.push((line_of(bytes, at), Ok(v)));
                    at += stream.byte_offset();
                }
                Some(Err(e)) => {
                    records.push((line_of(bytes, at), Err(e.to_string())));
                    match resync(bytes, at) {
                        Some(next) => at = next,
                        None => break,
                    }
                }
                None => break,
            }
        }
        return records;
    }
    let mut at = start;
    while at < bytes.len() {
        let mut stream = serde_json::Deserializer::from_slice(&bytes[at..]).into_iter::<Value>();
        let mut failed = false;
        let mut last_end = 0;
        while let Some(item) = stream.next() {
            let value_start = skip_ws(bytes, at + last_end);
            match item {
                Ok(v) => {
                    records.push((line_of(bytes, value_start), Ok(v)));
                    last_end = stream.byte_offset();
                }
                Err(e) => {
                    records.push((line_of(bytes, value_start), Err(e.to_string())));
                    failed = true;
                    at = resync(bytes, value_start).unwrap_or(bytes.len());
                    break;
                }
            }
        }
        if !failed {
            break;
        }
    }
    records
}

/// The start of the next line after `at` whose first non-blank byte opens an
/// object or an array.
fn resync(bytes: &[u8], at: usize) -> Option<usize> {
    let mut pos = at;
    loop {
        pos += memchr::memchr(b'\n', &bytes[pos..])? + 1;
        let first = skip_ws(bytes, pos);
        if matches!(bytes.get(first), Some(b'{' | b'[')) {
            return Some(first);
        }
    }
}

/// The string at a path of object keys (`["mail", "messageId"]`); numbers are
/// given as their text.
pub fn str_at<'v>(v: &'v Value, path: &[&str]) -> Option<std::borrow::Cow<'v, str>> {
    let mut cur = v;
    for key in path {
        cur = cur.get(key)?;
    }
    match cur {
        Value::String(s) => Some(std::borrow::Cow::Borrowed(s.as_str())),
        Value::Number(n) => Some(std::borrow::Cow::Owned(n.to_string())),
        Value::Bool(b) => Some(std::borrow::Cow::Owned(b.to_string())),
        _ => None,
    }
}

/// The value at a path of object keys.
pub fn at<'v>(v: &'v Value, path: &[&str]) -> Option<&'v Value> {
    let mut cur = v;
    for key in path {
        cur = cur.get(key)?;
    }
    Some(cur)
}

/// Recognises an ESP from the keys in the first bytes of a JSON document.
pub fn sniff_json(head: &[u8]) -> Option<Format> {
    let has = |key: &str| memchr::memmem::find(head, key.as_bytes()).is_some();
    // SES first: an SNS envelope carries the SES record as an escaped string
    // in which other ESPs' words may appear.
    if has("\"TopicArn\"") || has("notificationType") || (has("\"eventType\"") && has("\"mail\"")) {
        return Some(Format::Ses);
    }
    if has("\"msys\"") || has("\"bounce_class\"") || has("\"rcpt_to\"") {
        return Some(Format::SparkPost);
    }
    if has("\"sg_event_id\"") || has("\"sg_message_id\"") || has("\"smtp-id\"") {
        return Some(Format::SendGrid);
    }
    if has("\"RecordType\"") || has("\"BouncedAt\"") || (has("\"Bounces\"") && has("\"TotalCount\"")) {
        return Some(Format::Postmark);
    }
    if has("mandrill_events") || (has("\"msg\"") && has("\"_id\"")) || has("\"last_event_at\"") {
        return Some(Format::Mandrill);
    }
    if has("\"ts_epoch\"") || has("smtp-relay.mailin.fr") {
        return Some(Format::Brevo);
    }
    if has("\"payload\"") && (has("\"uuid\"") || has("\"Message")) {
        return Some(Format::Postal);
    }
    if has("\"event-data\"")
        || has("\"delivery-status\"")
        || has("\"log-level\"")
        || has("X-Mailgun")
        || (has("\"recipient\"") && has("\"event\""))
    {
        return Some(Format::Mailgun);
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn records_of_arrays_lines_and_pretty_objects_with_lines() {
        let got = json_records(b"[\n {\"a\":1},\n {\"a\":2}\n]\n");
        let lines: Vec<u32> = got.iter().map(|r| r.0).collect();
        assert_eq!(lines, [1, 2]);
        let got = json_records(b"{\"a\":1}\n{\"a\":\n2}\n\n{\"a\":3}\n");
        let lines: Vec<u32> = got.iter().map(|r| r.0).collect();
        assert_eq!(lines, [0, 1, 4]);
        assert!(got.iter().all(|r| r.1.is_ok()));
    }

    #[test]
    fn a_broken_record_costs_only_itself() {
        let got = json_records(b"{\"a\":1}\n{\"a\": oops}\n{\"a\":3}\n");
        let summary: Vec<(u32, bool)> = got.iter().map(|r| (r.0, r.1.is_ok())).collect();
        assert_eq!(summary, [(0, true), (1, false), (2, true)]);
        let got = json_records(b"[{\"a\":1},\n{\"a\": oops},\n{\"a\":3}]");
        let summary: Vec<(u32, bool)> = got.iter().map(|r| (r.0, r.1.is_ok())).collect();
        assert_eq!(summary, [(0, true), (1, false), (2, true)]);
        for cut in 0..40 {
            let doc = b"[{\"a\":1},\n{\"b\": [1,2,{\"c\":\"x\\\"y\"}]},\n{\"a\":3}]";
            let _ = json_records(&doc[..cut.min(doc.len())]);
        }
    }

    #[test]
    fn addresses_and_ids() {
        assert_eq!(
            address(" John <John@Example.com> ").as_deref(),
            Ok("john@example.com")
        );
        assert_eq!(address("a@b").as_deref(), Ok("a@b"));
        assert_eq!(address("  "), Err(Skip::UnknownForm));
        assert_eq!(
            address("a@Bücher.example").as_deref(),
            Ok("a@xn--bcher-kva.example")
        );
        assert_eq!(
            address("a\u{1b}@x"),
            Err(Skip::InvalidAddress(crate::address::Invalid::Control))
        );
        let long = "0102018e1f3a2b01-5d6e7f87-4c1d-9e2f-a1b2c3d40001-000000";
        let other = "0102018e1f3a2b01-5d6e7f87-4c1d-9e2f-a1b2c3d40002-000000";
        assert_eq!(msg_id(long).as_bytes().len(), 31);
        assert_ne!(msg_id(long), msg_id(other));
        assert_eq!(msg_id(long), msg_id(long));
        assert_eq!(msg_id("short").as_str(), "short");
        assert_eq!(reply_text(" smtp; 550 5.1.1 x"), "550 5.1.1 x");
        assert_eq!(reply_text("undefined Unable to find MX"), "Unable to find MX");
    }
}

/// Helpers for the parsers' unit tests.
#[cfg(test)]
pub mod testing {
    use crate::model::{AttemptStatus, Class, Event, EventKind, Reason, SuppressCause};
    use crate::parse::timestamp::{format_rfc3339, SyslogClock};
    use crate::parse::{ChunkOutput, Format, LineContext};
    use jiff::tz::TimeZone;

    /// Parses `text` as `format` with a UTC clock.
    pub fn parse(format: Format, text: &str) -> ChunkOutput {
        let clock = SyslogClock::for_year(2026, None, TimeZone::UTC);
        let ctx = LineContext {
            clock: &clock,
            classifier: crate::classify::Rules::Builtin,
        };
        format.parse_document(text.as_bytes(), &ctx, None)
    }

    /// One event, in a few words: `(time, what, recipient)` where `what` is
    /// `sent`, `deferred/<class>/<reason>`, `bounced/<class>/<reason>[ esp=<label>]`,
    /// `suppressed/<cause>`, `complaint`, `unsubscribe`, `expired`.
    pub fn summary(e: &Event) -> (String, String, String) {
        let ts = format_rfc3339(e.ts);
        let (what, rcpt) = match &e.kind {
            EventKind::EspAttempt { attempt: a, label } => {
                let v = a.verdict.as_ref();
                let cr = |c: Class, r: Reason| format!("{c}/{r}");
                let what = match a.status {
                    AttemptStatus::Sent => "sent".to_string(),
                    AttemptStatus::Deferred => {
                        format!("deferred/{}", v.map_or(String::new(), |v| cr(v.class, v.reason)))
                    }
                    AttemptStatus::Bounced => {
                        format!("bounced/{}", v.map_or(String::new(), |v| cr(v.class, v.reason)))
                    }
                };
                let what = match label {
                    Some(l) => format!("{what} esp={l}"),
                    None => what,
                };
                (what, a.rcpt().to_string())
            }
            EventKind::Attempt(a) => (format!("{:?}", a.status), a.rcpt().to_string()),
            EventKind::EspSuppressed { rcpt, cause } => (
                format!("suppressed/{}", SuppressCause::as_str(*cause)),
                rcpt.to_string(),
            ),
            EventKind::Complaint { rcpt } => ("complaint".into(), rcpt.to_string()),
            EventKind::Unsubscribe { rcpt } => ("unsubscribe".into(), rcpt.to_string()),
            EventKind::RcptExpired { rcpt } => ("expired".into(), rcpt.to_string()),
            other => (format!("{other:?}"), String::new()),
        };
        (ts, what, rcpt)
    }

    /// `summary` of every event of a parse.
    pub fn events(format: Format, text: &str) -> Vec<(String, String, String)> {
        parse(format, text)
            .events
            .iter()
            .map(|(_, e)| summary(e))
            .collect()
    }

    /// The same as string slices, for `assert_eq!` against literals.
    pub fn check(format: Format, text: &str, want: &[(&str, &str, &str)]) {
        let got = events(format, text);
        let got: Vec<(&str, &str, &str)> = got
            .iter()
            .map(|(a, b, c)| (a.as_str(), b.as_str(), c.as_str()))
            .collect();
        assert_eq!(got, want);
    }
}
