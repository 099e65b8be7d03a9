//! CSV exports: any bounce list with a header row, its columns found by
//! common names or named with `--columns email=Email,code=Status,...`, and
//! the known dialects: SendGrid's bounces/blocks downloads, Postmark's bounces
//! CSV, and Mailchimp's audience export (cleaned and unsubscribed contacts).
//! A row that cannot be read is counted as skipped with its line number.

// `Email Address` → `emailaddress`: header names and labels compared as
// every list of the user's compares them.
use crate::lists::header_key as normalize;
use crate::model::{Class, Reason, SuppressCause};
use crate::parse::esp::postmark::{bounce_type, TypeMeans};
use crate::parse::esp::{line_of, Doc, EspSays, Failure};
use crate::parse::{ChunkOutput, Format, LineContext, Skip};

/// The fields a row can give, in `--columns` order.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Field {
    Email,
    Timestamp,
    Code,
    Status,
    Diagnostic,
    Class,
    MessageId,
}

impl Field {
    pub const ALL: [Field; 7] = [
        Field::Email,
        Field::Timestamp,
        Field::Code,
        Field::Status,
        Field::Diagnostic,
        Field::Class,
        Field::MessageId,
    ];

    pub fn name(self) -> &'static str {
        match self {
            Field::Email => "email",
            Field::Timestamp => "timestamp",
            Field::Code => "code",
            Field::Status => "status",
            Field::Diagnostic => "diagnostic",
            Field::Class => "class",
            Field::MessageId => "message_id",
        }
    }

    fn from_key(key: &str) -> Option<Field> {
        Some(match normalize(key).as_str() {
            "email" | "address" | "recipient" | "rcpt" => Field::Email,
            "timestamp" | "time" | "date" => Field::Timestamp,
            "code" | "smtpcode" | "replycode" => Field::Code,
            "status" | "dsn" | "enhancedstatus" => Field::Status,
            "diagnostic" | "reason" | "text" | "error" => Field::Diagnostic,
            "class" | "type" | "event" => Field::Class,
            "messageid" | "id" => Field::MessageId,
            _ => return None,
        })
    }

    /// Header names that name this field, best first (compared by
    /// [`normalize`]; all but the address column's written normalized).
    fn synonyms(self) -> &'static [&'static str] {
        match self {
            // The address column of every list of the user's.
            Field::Email => crate::lists::ADDRESS_HEADERS,
            Field::Timestamp => &[
                "timestamp",
                "bouncedat",
                "cleantime",
                "unsubtime",
                "created",
                "createdat",
                "date",
                "datetime",
                "time",
                "eventtime",
                "occurredat",
                "deliveredat",
                "bouncedate",
                "lastupdatetime",
                "ts",
            ],
            Field::Code => &[
                "code",
                "smtpcode",
                "replycode",
                "errorcode",
                "smtpreplycode",
                "responsecode",
            ],
            Field::Status => &[
                "status",
                "enhancedcode",
                "enhancedstatus",
                "dsn",
                "dsnstatus",
                "statuscode",
            ],
            Field::Diagnostic => &[
                "details",
                "diagnostic",
                "diagnosticcode",
                "reason",
                "error",
                "response",
                "rawreason",
                "smtpresponse",
                "bouncereason",
                "bouncemessage",
                "diag",
                "message",
                "description",
            ],
            Field::Class => &[
                "type",
                "class",
                "bouncetype",
                "event",
                "eventtype",
                "category",
                "bounceclass",
                "classification",
            ],
            Field::MessageId => &["messageid", "msgid", "smtpid", "sgmessageid"],
        }
    }
}

/// The user's `--columns`: field → header name (or 1-based column number).
#[derive(Debug, Clone, Default, PartialEq, Eq, Hash)]
pub struct ColumnMap {
    pub columns: Vec<(Field, String)>,
}

impl ColumnMap {
    /// Parses `email=Email,code=Status,diagnostic=Reason,timestamp=Date`.
    pub fn parse(spec: &str) -> Result<ColumnMap, String> {
        let mut columns = Vec::new();
        for part in spec.split(',').map(str::trim).filter(|p| !p.is_empty()) {
            let Some((key, header)) = part.split_once('=') else {
                return Err(format!(
                    "`{part}` is not FIELD=HEADER; write e.g. --columns email=Email,diagnostic=Reason"
                ));
            };
            let field = Field::from_key(key).ok_or_else(|| {
                let names: Vec<&str> = Field::ALL.iter().map(|f| f.name()).collect();
                format!(
                    "unknown field `{}`; the fields are {}",
                    key.trim(),
                    names.join(", ")
                )
            })?;
            let header = header.trim();
            if header.is_empty() {
                return Err(format!("`{part}`: the column name after `=` is empty"));
            }
            columns.retain(|(f, _)| *f != field);
            columns.push((field, header.to_string()));
        }
        if columns.is_empty() {
            return Err("no columns given; write e.g. --columns email=Email,diagnostic=Reason".into());
        }
        Ok(ColumnMap { columns })
    }

    fn get(&self, field: Field) -> Option<&str> {
        self.columns
            .iter()
            .find(|(f, _)| *f == field)
            .map(|(_, h)| h.as_str())
    }
}

/// Which export a CSV file is, for the meaning of its rows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Dialect {
    Generic,
    SendGrid,
    Postmark,
    /// Mailchimp's cleaned contacts (or unsubscribed, when the file has
    /// `UNSUB_TIME`).
    Mailchimp,
}

fn header_of(head: &[u8]) -> Option<Vec<String>> {
    let head = head.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(head);
    let mut reader = csv::ReaderBuilder::new()
        .delimiter(crate::lists::sniff_delimiter(head))
        .has_headers(false)
        .flexible(true)
        .from_reader(head);
    let record = reader.byte_records().next()?.ok()?;
    Some(
        record
            .iter()
            .map(|f| String::from_utf8_lossy(f).trim().to_string())
            .collect(),
    )
}

/// Index of the column for `field`: the user's name (or 1-based number),
/// else the first synonym the header has.
fn column(header: &[String], field: Field, map: Option<&ColumnMap>) -> Result<Option<usize>, String> {
    let norm: Vec<String> = header.iter().map(|h| normalize(h)).collect();
    if let Some(name) = map.and_then(|m| m.get(field)) {
        if let Some(i) = header.iter().position(|h| h.eq_ignore_ascii_case(name)) {
            return Ok(Some(i));
        }
        if let Some(i) = norm.iter().position(|h| *h == normalize(name)) {
            return Ok(Some(i));
        }
        if let Ok(n) = name.parse::<usize>() {
            if (1..=header.len()).contains(&n) {
                return Ok(Some(n - 1));
            }
        }
        return Err(format!(
            "--columns {}={name}: the header has no such column (it has: {})",
            field.name(),
            header.join(", ")
        ));
    }
    Ok(crate::lists::find_column(&norm, field.synonyms()))
}

/// Whether the header row has the column `--columns email=...` names.
pub fn has_mapped_email(head: &[u8], map: &ColumnMap) -> bool {
    map.get(Field::Email).is_some()
        && header_of(head)
            .is_some_and(|h| h.len() >= 2 && matches!(column(&h, Field::Email, Some(map)), Ok(Some(_))))
}

/// Recognises a CSV export from its header row.
pub fn sniff(head: &[u8]) -> Option<Format> {
    let header = header_of(head)?;
    if header.len() < 2 || column(&header, Field::Email, None).ok().flatten().is_none() {
        return None;
    }
    let has = |name: &str| header.iter().any(|h| normalize(h) == name);
    Some(
        if has("emailaddress") && (has("cleantime") || has("unsubtime") || has("leid") || has("euid")) {
            Format::Mailchimp
        } else if has("bouncedat") || has("typecode") {
            Format::PostmarkCsv
        } else if has("created") && has("email") && has("reason") {
            Format::SendGridCsv
        } else {
            Format::Csv
        },
    )
}

/// Parses a CSV document of `format` (one of the CSV formats).
pub fn parse(bytes: &[u8], ctx: &LineContext, format: Format, map: Option<&ColumnMap>) -> ChunkOutput {
    let dialect = match format {
        Format::SendGridCsv => Dialect::SendGrid,
        Format::PostmarkCsv => Dialect::Postmark,
        Format::Mailchimp => Dialect::Mailchimp,
        _ => Dialect::Generic,
    };
    let name = match dialect {
        Dialect::Generic => "csv",
        Dialect::SendGrid => "sendgrid-csv",
        Dialect::Postmark => "postmark-csv",
        Dialect::Mailchimp => "mailchimp",
    };
    let mut doc = Doc::new(bytes, ctx, name);
    let body = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    let Some(header) = header_of(body) else {
        return doc.finish();
    };
    let mut cols = [None; 7];
    for field in Field::ALL {
        match column(&header, field, map) {
            Ok(i) => cols[field as usize] = i,
            Err(message) => {
                doc.warn(message);
                return skip_all(doc, body);
            }
        }
    }
    if cols[Field::Email as usize].is_none() {
        doc.warn(format!(
            "no column holds the recipient address (header: {}); name it with --columns email=HEADER",
            header.join(", ")
        ));
        return skip_all(doc, body);
    }
    let unsubscribed = dialect == Dialect::Mailchimp && header.iter().any(|h| normalize(h) == "unsubtime");
    let unsub_reason = header.iter().position(|h| normalize(h) == "unsubreason");
    let mut reader = csv::ReaderBuilder::new()
        .delimiter(crate::lists::sniff_delimiter(body))
        .has_headers(true)
        .flexible(true)
        .from_reader(body);
    let mut record = csv::ByteRecord::new();
    // Line numbers from byte offsets: a quoted field may hold line breaks.
    // With CRLF ends, csv places a record after the `\r` of the line before.
    let line_at = |byte: u64| {
        let mut at = byte as usize;
        while matches!(body.get(at), Some(b'\r' | b'\n')) {
            at += 1;
        }
        line_of(body, at)
    };
    loop {
        let start = reader.position().byte();
        match reader.read_byte_record(&mut record) {
            Ok(false) => break,
            Ok(true) => {}
            Err(e) => {
                doc.record(line_at(e.position().map_or(start, |p| p.byte())));
                doc.skip(Skip::Unrecognized);
                continue;
            }
        }
        doc.record(line_at(record.position().map_or(start, |p| p.byte())));
        let get = |field: Field| -> String {
            cols[field as usize]
                .and_then(|i| record.get(i))
                .map(|b| String::from_utf8_lossy(b).trim().to_string())
                .unwrap_or_default()
        };
        // The one cell read as bytes first: a recipient that is not UTF-8 is
        // no address (replacing the bytes would merge distinct ones).
        let raw_email = cols[Field::Email as usize].and_then(|i| record.get(i));
        if raw_email.is_some_and(|b| std::str::from_utf8(b).is_err()) {
            doc.skip(Skip::InvalidAddress(crate::address::Invalid::NotUtf8));
            continue;
        }
        let email = get(Field::Email);
        if email.is_empty() {
            doc.skip(Skip::UnknownForm);
            continue;
        }
        let ts = crate::parse::esp::time::text_ts(&get(Field::Timestamp), ctx);
        let id = get(Field::MessageId);
        let msg = doc.msg(Some(&id));
        if dialect == Dialect::Mailchimp {
            if unsubscribed {
                let reason = unsub_reason
                    .and_then(|i| record.get(i))
                    .map(|b| String::from_utf8_lossy(b).trim().to_ascii_lowercase())
                    .unwrap_or_default();
                // `abuse` is how the export records a spam complaint.
                if reason == "abuse" {
                    doc.complaint(ts, msg, &email);
                } else {
                    doc.unsubscribe(ts, msg, &email);
                }
            } else {
                // Cleaned: a hard bounce or repeated soft ones; the file does
                // not say which, nor why.
                let esp = EspSays::label(Class::Hard, Reason::Undefined, "mailchimp.cleaned");
                doc.failed(ts, msg, &email, Failure::bounced("", None, esp));
            }
            continue;
        }
        let (code, status) = code_and_status(&get(Field::Code), &get(Field::Status));
        let diagnostic = get(Field::Diagnostic);
        let text = match code {
            Some(c) if !diagnostic.starts_with(|ch: char| ch.is_ascii_digit()) => format!("{c} {diagnostic}"),
            _ => diagnostic,
        };
        let text = text.trim();
        let status = status.as_deref();
        let label = get(Field::Class);
        match row_means(dialect, &label) {
            Row::Delivered => doc.delivered(ts, msg, &email),
            Row::Deferred(esp) => doc.failed(ts, msg, &email, Failure::deferred(text, status, esp)),
            Row::Bounced(esp) => doc.failed(ts, msg, &email, Failure::bounced(text, status, esp)),
            Row::Complaint => doc.complaint(ts, msg, &email),
            Row::Unsubscribe => doc.unsubscribe(ts, msg, &email),
            Row::Suppressed => doc.suppressed(ts, msg, &email, SuppressCause::Other),
            Row::Ignore => {}
        }
    }
    doc.finish()
}

/// Every row skipped (the columns could not be found): counted, with the
/// header line as the first unknown one.
fn skip_all(mut doc: Doc, body: &[u8]) -> ChunkOutput {
    let rows = memchr::memchr_iter(b'\n', body).count();
    doc.record(0);
    for _ in 0..rows.max(1) {
        doc.skip(Skip::UnknownForm);
    }
    doc.finish()
}

/// A code column may hold the SMTP reply code or an enhanced status, and a
/// status column either (SendGrid's `550`): sorted out here.
fn code_and_status(code: &str, status: &str) -> (Option<u16>, Option<String>) {
    let mut reply = None;
    let mut enhanced = None;
    for v in [code, status] {
        let v = v.trim();
        if v.len() == 3 && v.bytes().all(|c| c.is_ascii_digit()) {
            let c: u16 = v.parse().unwrap_or(0);
            if (200..=599).contains(&c) && reply.is_none() {
                reply = Some(c);
            }
        } else if crate::classify::Status::parse(v.as_bytes()).is_some() && enhanced.is_none() {
            enhanced = Some(v.to_string());
        }
    }
    (reply, enhanced)
}

enum Row {
    Delivered,
    Deferred(EspSays),
    Bounced(EspSays),
    Complaint,
    Unsubscribe,
    Suppressed,
    Ignore,
}

/// What a row is, from its class/type/event column. A bounce export without
/// such a column lists bounces: each row is one, and our classifier decides.
fn row_means(dialect: Dialect, label: &str) -> Row {
    if dialect == Dialect::Postmark {
        if let Some(means) = bounce_type(label) {
            return match means {
                TypeMeans::Bounce(c, r, true) => Row::Bounced(EspSays::label(c, r, "postmark.Type")),
                TypeMeans::Bounce(c, r, false) => Row::Bounced(EspSays::fallback(c, r, "postmark.Type")),
                TypeMeans::Deferral => {
                    Row::Deferred(EspSays::fallback(Class::Soft, Reason::Undefined, "postmark.Type"))
                }
                TypeMeans::Complaint => Row::Complaint,
                TypeMeans::Unsubscribe => Row::Unsubscribe,
                TypeMeans::Suppressed => Row::Suppressed,
                TypeMeans::Ignore => Row::Ignore,
            };
        }
    }
    let no_label = match dialect {
        Dialect::SendGrid => EspSays::fallback(Class::Hard, Reason::Undefined, "sendgrid.csv"),
        _ => EspSays::fallback(Class::Soft, Reason::Undefined, "csv.bounce"),
    };
    let l = |c: Class| Row::Bounced(EspSays::label(c, Reason::Undefined, "csv.class"));
    match normalize(label).as_str() {
        "" => Row::Bounced(no_label),
        "delivered" | "delivery" | "sent" | "success" => Row::Delivered,
        "deferred" | "deferral" | "delayed" | "delay" | "transient" | "tempfail" => {
            Row::Deferred(EspSays::fallback(Class::Soft, Reason::Undefined, "csv.deferred"))
        }
        "hard" | "hardbounce" | "permanent" | "hardfail" | "invalid" | "invalidaddress" => l(Class::Hard),
        "soft" | "softbounce" | "softfail" => l(Class::Soft),
        "block" | "blocked" | "blocks" => l(Class::Block),
        "complaint" | "spam" | "spamreport" | "spamcomplaint" | "abuse" | "complained" => Row::Complaint,
        "unsubscribe" | "unsubscribed" | "unsub" | "optout" => Row::Unsubscribe,
        "suppressed" | "dropped" | "rejected" | "reject" => Row::Suppressed,
        "open" | "opened" | "click" | "clicked" | "processed" | "request" => Row::Ignore,
        // `bounce`, `bounced`, `failed` or a word we do not know: a bounce
        // whose class the text decides.
        _ => Row::Bounced(no_label),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn column_maps() {
        let m = ColumnMap::parse("email=E-Mail, code=Status ,diagnostic=Reason,timestamp=Date").unwrap();
        assert_eq!(m.get(Field::Email), Some("E-Mail"));
        assert_eq!(m.get(Field::Timestamp), Some("Date"));
        assert!(ColumnMap::parse("mail").unwrap_err().contains("FIELD=HEADER"));
        assert!(ColumnMap::parse("colour=x")
            .unwrap_err()
            .contains("unknown field `colour`"));
        assert!(ColumnMap::parse("").is_err());
        assert!(ColumnMap::parse("email=").is_err());
    }

    #[test]
    fn headers_are_found_by_common_names() {
        let h: Vec<String> = ["Date", "E-mail Address", "SMTP Code", "Bounce Reason"]
            .iter()
            .map(|s| s.to_string())
            .collect();
        assert_eq!(column(&h, Field::Timestamp, None), Ok(Some(0)));
        assert_eq!(column(&h, Field::Email, None), Ok(Some(1)));
        assert_eq!(column(&h, Field::Code, None), Ok(Some(2)));
        assert_eq!(column(&h, Field::Diagnostic, None), Ok(Some(3)));
        assert_eq!(column(&h, Field::Status, None), Ok(None));
        let m = ColumnMap::parse("email=4").unwrap();
        assert_eq!(column(&h, Field::Email, Some(&m)), Ok(Some(3)));
        let m = ColumnMap::parse("email=Nope").unwrap();
        assert!(column(&h, Field::Email, Some(&m))
            .unwrap_err()
            .contains("no such column"));
    }

    #[test]
    fn sniffs_dialects() {
        assert_eq!(
            sniff(b"created,email,reason,status\n1,a@b,x,5.1.1\n"),
            Some(Format::SendGridCsv)
        );
        assert_eq!(
            sniff(b"Email Address,First Name,CLEAN_TIME,LEID\n"),
            Some(Format::Mailchimp)
        );
        assert_eq!(
            sniff(b"Type,TypeCode,Email,BouncedAt,Details\n"),
            Some(Format::PostmarkCsv)
        );
        assert_eq!(sniff(b"Recipient;Date;Reason\n"), Some(Format::Csv));
        assert_eq!(sniff(b"Nov 20 08:01:02 mx postfix/smtp[1]: x\n"), None);
        assert_eq!(sniff(b"just,some,numbers\n"), None);
    }

    #[test]
    fn codes_and_statuses_sorted_out() {
        assert_eq!(code_and_status("", "550"), (Some(550), None));
        assert_eq!(code_and_status("550", "5.1.1"), (Some(550), Some("5.1.1".into())));
        assert_eq!(code_and_status("5.1.1", ""), (None, Some("5.1.1".into())));
        assert_eq!(code_and_status("605", ""), (None, None));
    }
}

#[cfg(test)]
mod dialect_tests {
    use crate::parse::esp::testing::{check, parse};
    use crate::parse::Format;

    #[test]
    fn sendgrid_downloads() {
        let csv = "created,email,reason,status\n\
                   1772442111,old@example.com,550 5.1.1 The email account that you tried to reach does not exist.,5.1.1\n\
                   1487173664,no.such@example.org,550 No Such User Here ,550\n\
                   1772443000,multi@example.com,\"550-5.1.1 The email account that you tried to reach does not exist.\n550 5.1.1 https://support.google.com/mail/?p=NoSuchUser\",5.1.1\n\
                   1772443050,\"quoted,comma@example.com\",\"550 5.1.1 \"\"quoted,comma@example.com\"\": user unknown\",5.1.1\n";
        check(
            Format::SendGridCsv,
            csv,
            &[
                (
                    "2026-03-02T09:01:51Z",
                    "bounced/hard/userunknown",
                    "old@example.com",
                ),
                (
                    "2017-02-15T15:47:44Z",
                    "bounced/hard/filtered",
                    "no.such@example.org",
                ),
                (
                    "2026-03-02T09:16:40Z",
                    "bounced/hard/userunknown",
                    "multi@example.com",
                ),
                (
                    "2026-03-02T09:17:30Z",
                    "bounced/hard/userunknown",
                    "quoted,comma@example.com",
                ),
            ],
        );
    }

    #[test]
    fn mailchimp_cleaned_and_unsubscribed() {
        let cleaned = "Email Address,First Name,MEMBER_RATING,OPTIN_TIME,CLEAN_TIME,CLEAN_CAMPAIGN_ID,LEID,EUID\n\
                       Mixed.Case@Example.COM,Mixed,2,2019-06-30 23:59:59,2026-03-02 09:05:12,4b7c9e1a2d,1,a\n";
        check(
            Format::Mailchimp,
            cleaned,
            &[(
                "2026-03-02T09:05:12Z",
                "bounced/hard/undefined esp=hard",
                "mixed.case@example.com",
            )],
        );
        let unsubscribed = "Email Address,UNSUB_TIME,UNSUB_CAMPAIGN_ID,UNSUB_REASON,LEID\n\
                            bye@example.com,2026-03-02 09:15:54,4b7c9e1a2d,I no longer want to receive these emails,1\n\
                            annoyed@example.net,2026-03-03 07:02:12,4b7c9e1a2d,abuse,2\n";
        check(
            Format::Mailchimp,
            unsubscribed,
            &[
                ("2026-03-02T09:15:54Z", "unsubscribe", "bye@example.com"),
                ("2026-03-03T07:02:12Z", "complaint", "annoyed@example.net"),
            ],
        );
    }

    #[test]
    fn postmark_csv_and_generic_labels() {
        let csv = "Type,TypeCode,Email,BouncedAt,Details\n\
                   HardBounce,1,old@example.com,2026-03-02T09:00:02.8741234Z,smtp;550 5.1.1 user unknown\n\
                   Transient,2,member@example.org,2026-03-02T09:11:02Z,smtp;421 4.7.0 [TSS04] Messages temporarily deferred\n\
                   SpamComplaint,100001,annoyed@example.net,2026-03-03T07:02:11Z,\n";
        check(
            Format::PostmarkCsv,
            csv,
            &[
                (
                    "2026-03-02T09:00:02Z",
                    "bounced/hard/userunknown esp=hard",
                    "old@example.com",
                ),
                (
                    "2026-03-02T09:11:02Z",
                    "deferred/block/badreputation",
                    "member@example.org",
                ),
                ("2026-03-03T07:02:11Z", "complaint", "annoyed@example.net"),
            ],
        );
        // Tab-separated, a status column holding a reply code, a row too short.
        let tsv = "Recipient\tDate\tStatus\tError\tEvent\n\
                   a@example.com\t2026-03-02 09:00:00\t250\tOK\tdelivered\n\
                   b@example.com\t2026-03-02 09:00:01\t550\tmailbox unavailable\tbounced\n\
                   c@example.com\n";
        check(
            Format::Csv,
            tsv,
            &[
                ("2026-03-02T09:00:00Z", "sent", "a@example.com"),
                (
                    "2026-03-02T09:00:01Z",
                    "bounced/hard/userunknown",
                    "b@example.com",
                ),
                ("2026-03-02T09:00:01Z", "bounced/soft/undefined", "c@example.com"),
            ],
        );
        assert_eq!(parse(Format::Csv, tsv).skipped.total(), 0);
    }
}
