//! journald's structured renderings of a mail log (`journalctl -o json`,
//! `-o json-seq`, `-o export`): each record is turned back into the syslog
//! line it stands for (time, host, program[pid], message) and handed to the
//! Postfix or Exim line parser. The `short-*` renderings are syslog lines
//! already (their stamps are read in [`crate::parse::syslog`]).

use crate::parse::timestamp::format_rfc3339;
use crate::parse::{exim, postfix, ChunkOutput, Format, LineContext, Parsed, Skip};
use serde::de::{self, Deserializer, SeqAccess, Visitor};
use serde::Deserialize;
use std::borrow::Cow;
use std::fmt;

/// The record separator `-o json-seq` puts before each object (RFC 7464).
const RS: u8 = 0x1E;

/// The journal fields a syslog line is made of. journalctl writes every
/// value as a string; a field too large for it (over 4 KiB without `--all`)
/// is `null`, a field that is not UTF-8 an array of byte values.
#[derive(Default, Deserialize)]
struct Record<'a> {
    #[serde(rename = "MESSAGE", default, borrow)]
    message: Option<Bytes<'a>>,
    #[serde(rename = "SYSLOG_IDENTIFIER", default, borrow)]
    identifier: Option<Bytes<'a>>,
    #[serde(rename = "_COMM", default, borrow)]
    comm: Option<Bytes<'a>>,
    #[serde(rename = "SYSLOG_PID", default, borrow)]
    syslog_pid: Option<Bytes<'a>>,
    #[serde(rename = "_PID", default, borrow)]
    pid: Option<Bytes<'a>>,
    #[serde(rename = "__REALTIME_TIMESTAMP", default, borrow)]
    realtime: Option<Bytes<'a>>,
    #[serde(rename = "_HOSTNAME", default, borrow)]
    hostname: Option<Bytes<'a>>,
}

/// A field's value as bytes, whichever way journalctl wrote it: a string,
/// an array of byte values (not UTF-8), or an array of values (a field that
/// occurs more than once: the first is taken).
struct Bytes<'a>(Cow<'a, [u8]>);

impl<'de: 'a, 'a> Deserialize<'de> for Bytes<'a> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V<'a>(std::marker::PhantomData<&'a ()>);
        impl<'de: 'a, 'a> Visitor<'de> for V<'a> {
            type Value = Bytes<'a>;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a string or an array of bytes")
            }
            fn visit_borrowed_str<E: de::Error>(self, v: &'de str) -> Result<Self::Value, E> {
                Ok(Bytes(Cow::Borrowed(v.as_bytes())))
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<Self::Value, E> {
                Ok(Bytes(Cow::Owned(v.as_bytes().to_vec())))
            }
            fn visit_u64<E: de::Error>(self, v: u64) -> Result<Self::Value, E> {
                Ok(Bytes(Cow::Owned(v.to_string().into_bytes())))
            }
            fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Self::Value, A::Error> {
                let mut bytes = Vec::new();
                let mut first: Option<Bytes<'a>> = None;
                while let Some(v) = seq.next_element::<serde_json::Value>()? {
                    match v {
                        serde_json::Value::Number(n) => {
                            let b = n.as_u64().and_then(|n| u8::try_from(n).ok());
                            bytes.push(b.ok_or_else(|| de::Error::custom("a byte value over 255"))?);
                        }
                        serde_json::Value::String(s) if first.is_none() => {
                            first = Some(Bytes(Cow::Owned(s.into_bytes())));
                        }
                        // Further values of a repeated field, or nothing.
                        _ => {}
                    }
                }
                Ok(first.unwrap_or(Bytes(Cow::Owned(bytes))))
            }
        }
        d.deserialize_any(V(std::marker::PhantomData))
    }
}

/// Recognises journalctl's structured output by its first record: a JSON
/// object (after RS for json-seq) or `KEY=value` lines, either way with the
/// `__CURSOR` or `__REALTIME_TIMESTAMP` field journalctl always writes.
pub fn sniff(head: &[u8]) -> Option<Format> {
    let start = head.iter().position(|c| !c.is_ascii_whitespace())?;
    let text = &head[start..];
    let first_line = &text[..memchr::memchr(b'\n', text).unwrap_or(text.len())];
    let json = first_line.strip_prefix(&[RS]).unwrap_or(first_line);
    if json.starts_with(b"{") {
        let has = |key: &[u8]| memchr::memmem::find(json, key).is_some();
        return (has(b"\"__CURSOR\":") || has(b"\"__REALTIME_TIMESTAMP\":")).then_some(Format::Journal);
    }
    (first_line.starts_with(b"__CURSOR=") || first_line.starts_with(b"__REALTIME_TIMESTAMP="))
        .then_some(Format::JournalExport)
}

/// Parses one line of `-o json` or `-o json-seq`.
pub fn parse_json_line(line: &[u8], ctx: &LineContext) -> Parsed {
    let line = line.strip_prefix(&[RS]).unwrap_or(line);
    match serde_json::from_slice::<Record>(line) {
        Ok(record) => parse_record(&record, ctx),
        Err(_) => Parsed::Skipped(Skip::Unrecognized),
    }
}

/// The `__CURSOR` of the last record of `-o json` output: where the next
/// `journalctl --after-cursor` starts.
pub fn last_cursor(output: &[u8]) -> Option<String> {
    #[derive(Deserialize)]
    struct Cursor {
        #[serde(rename = "__CURSOR")]
        cursor: String,
    }
    output
        .rsplit(|&c| c == b'\n')
        .map(|line| line.strip_prefix(&[RS]).unwrap_or(line))
        .find(|line| !line.iter().all(u8::is_ascii_whitespace))
        .and_then(|line| serde_json::from_slice::<Cursor>(line).ok())
        .map(|c| c.cursor)
}

/// The time of the first record in the head of `-o json` output (the order
/// of several inputs).
pub fn first_time(head: &[u8]) -> Option<i64> {
    head.split(|&c| c == b'\n').find_map(|line| {
        let line = line.strip_prefix(&[RS]).unwrap_or(line);
        let record = serde_json::from_slice::<Record>(line).ok()?;
        realtime_secs(record.realtime.as_ref()?)
    })
}

/// Seconds of `__REALTIME_TIMESTAMP` (microseconds since the epoch).
fn realtime_secs(v: &Bytes) -> Option<i64> {
    let text = std::str::from_utf8(&v.0).ok()?;
    Some(text.trim().parse::<i64>().ok()?.div_euclid(1_000_000))
}

/// One record as the syslog line it stands for, parsed by the parser of
/// its program: `exim*` by Exim's, everything else by Postfix's (which
/// counts other programs as such).
fn parse_record(r: &Record, ctx: &LineContext) -> Parsed {
    let (Some(message), Some(secs)) = (&r.message, r.realtime.as_ref().and_then(realtime_secs)) else {
        return Parsed::Skipped(Skip::Unrecognized);
    };
    let Some(program) = r.identifier.as_ref().or(r.comm.as_ref()) else {
        return Parsed::Skipped(Skip::OtherProgram);
    };
    let program = &program.0[..];
    // A tag with a space or a colon would split elsewhere: not a mail program's.
    if program.is_empty() || program.iter().any(|c| matches!(c, b' ' | b':' | b'[' | b'\n')) {
        return Parsed::Skipped(Skip::OtherProgram);
    }
    let host = r.hostname.as_ref().map_or(&b"-"[..], |h| &h.0[..]);
    let host: &[u8] = if host.is_empty() || host.contains(&b' ') {
        b"-"
    } else {
        host
    };
    let pid = r.syslog_pid.as_ref().or(r.pid.as_ref()).map(|p| &p.0[..]);
    let mut line = Vec::with_capacity(48 + host.len() + program.len() + message.0.len());
    line.extend_from_slice(format_rfc3339(secs).as_bytes());
    line.push(b' ');
    line.extend_from_slice(host);
    line.push(b' ');
    line.extend_from_slice(program);
    if let Some(pid) = pid.filter(|p| !p.is_empty() && p.iter().all(u8::is_ascii_digit)) {
        line.push(b'[');
        line.extend_from_slice(pid);
        line.push(b']');
    }
    line.extend_from_slice(b": ");
    line.extend_from_slice(&message.0);
    if program.starts_with(b"exim") {
        exim::parse_line(&line, ctx)
    } else {
        postfix::parse_line(&line, ctx)
    }
}

/// Parses `-o export` output: records of `KEY=value` lines separated by a
/// blank line; a value that is not printable text is written as `KEY`, a
/// newline, its length (64-bit little-endian) and its bytes, then a newline.
/// `lines` counts records (a record spans many lines).
pub fn parse_export(bytes: &[u8], ctx: &LineContext) -> ChunkOutput {
    let mut out = ChunkOutput::default();
    let mut record: Record = Record::default();
    let mut fields = 0usize;
    let mut record_no: u32 = 0;
    let mut start = 0usize;
    let mut at = 0usize;
    let finish =
        |record: &mut Record, fields: &mut usize, no: &mut u32, span: &[u8], out: &mut ChunkOutput| {
            if *fields > 0 {
                match parse_record(record, ctx) {
                    Parsed::Event(e) => out.events.push((*no, e)),
                    Parsed::Ignored => {}
                    Parsed::Skipped(skip) => out.skip(*no, skip, span),
                }
                *no = no.wrapping_add(1);
            }
            *record = Record::default();
            *fields = 0;
        };
    while at < bytes.len() {
        let line_end = memchr::memchr(b'\n', &bytes[at..]).map_or(bytes.len(), |i| at + i);
        let line = &bytes[at..line_end];
        if line.is_empty() {
            finish(
                &mut record,
                &mut fields,
                &mut record_no,
                &bytes[start..at],
                &mut out,
            );
            at = line_end + 1;
            start = at;
            continue;
        }
        let (key, value, next): (&[u8], &[u8], usize) = match memchr::memchr(b'=', line) {
            Some(eq) => (&line[..eq], &line[eq + 1..], line_end + 1),
            None => {
                // A binary field: the length, the bytes, a newline.
                let len_at = line_end + 1;
                let len = bytes
                    .get(len_at..len_at + 8)
                    .and_then(|b| <[u8; 8]>::try_from(b).ok())
                    .map(u64::from_le_bytes);
                let data_at = len_at + 8;
                let data_end = len
                    .and_then(|l| usize::try_from(l).ok())
                    .and_then(|l| data_at.checked_add(l))
                    .filter(|&e| e <= bytes.len());
                let Some(data_end) = data_end else {
                    // Cut short: what is left is no record.
                    out.skip(record_no, Skip::Unrecognized, &bytes[start..]);
                    record_no = record_no.wrapping_add(1);
                    fields = 0;
                    at = bytes.len();
                    start = at;
                    break;
                };
                (line, &bytes[data_at..data_end], data_end + 1)
            }
        };
        let value = Some(Bytes(Cow::Borrowed(value)));
        match key {
            b"MESSAGE" => record.message = value,
            b"SYSLOG_IDENTIFIER" => record.identifier = value,
            b"_COMM" => record.comm = value,
            b"SYSLOG_PID" => record.syslog_pid = value,
            b"_PID" => record.pid = value,
            b"__REALTIME_TIMESTAMP" => record.realtime = value,
            b"_HOSTNAME" => record.hostname = value,
            _ => {}
        }
        fields += 1;
        at = next;
    }
    finish(
        &mut record,
        &mut fields,
        &mut record_no,
        &bytes[start..],
        &mut out,
    );
    out.lines = u64::from(record_no);
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::parse::timestamp::SyslogClock;
    use jiff::tz::TimeZone;

    fn ctx(clock: &SyslogClock) -> LineContext<'_> {
        LineContext {
            clock,
            classifier: crate::classify::Rules::Builtin,
        }
    }

    const SENT: &str = "1A2B3C4D01: to=<sent@gmail.com>, relay=x[1.2.3.4]:25, delay=1, delays=0/0/0/1, \
                        dsn=2.0.0, status=sent (250 OK)";

    #[test]
    fn json_record_becomes_the_syslog_line() {
        let clock = SyslogClock::for_year(2026, None, TimeZone::UTC);
        let line = format!(
            "{{\"__CURSOR\":\"s=1\",\"__REALTIME_TIMESTAMP\":\"1796540640123456\",\"_HOSTNAME\":\"mx\",\
             \"SYSLOG_IDENTIFIER\":\"postfix/smtp\",\"_PID\":\"123\",\"MESSAGE\":\"{SENT}\"}}"
        );
        let syslog = format!("2026-12-06T07:04:00Z mx postfix/smtp[123]: {SENT}");
        let want = postfix::parse_line(syslog.as_bytes(), &ctx(&clock));
        assert!(matches!(want, Parsed::Event(_)));
        assert_eq!(parse_json_line(line.as_bytes(), &ctx(&clock)), want);
        let seq = [&[RS][..], line.as_bytes()].concat();
        assert_eq!(parse_json_line(&seq, &ctx(&clock)), want);
        // The message as byte values (journalctl's form for non-UTF-8).
        let bytes: Vec<String> = SENT.bytes().map(|b| b.to_string()).collect();
        let arr = line.replace(&format!("\"{SENT}\""), &format!("[{}]", bytes.join(",")));
        assert_eq!(parse_json_line(arr.as_bytes(), &ctx(&clock)), want);
        assert_eq!(sniff(line.as_bytes()), Some(Format::Journal));
        assert_eq!(sniff(&seq), Some(Format::Journal));
        assert_eq!(
            last_cursor(format!("{line}\n\n").as_bytes()).as_deref(),
            Some("s=1")
        );
    }

    #[test]
    fn export_with_binary_message() {
        let clock = SyslogClock::for_year(2026, None, TimeZone::UTC);
        let mut doc = b"__CURSOR=s=1\n__REALTIME_TIMESTAMP=1796540640123456\n_HOSTNAME=mx\n\
                        SYSLOG_IDENTIFIER=postfix/smtp\nSYSLOG_PID=123\nMESSAGE\n"
            .to_vec();
        doc.extend_from_slice(&(SENT.len() as u64).to_le_bytes());
        doc.extend_from_slice(SENT.as_bytes());
        doc.extend_from_slice(b"\n_BOOT_ID=x\n\n__CURSOR=s=2\nMESSAGE=cut");
        assert_eq!(sniff(&doc), Some(Format::JournalExport));
        let out = parse_export(&doc, &ctx(&clock));
        assert_eq!((out.events.len(), out.lines, out.skipped.unrecognized), (1, 2, 1));
        // Cut inside the binary field: no panic, counted.
        let out = parse_export(&doc[..150], &ctx(&clock));
        assert_eq!(out.events.len(), 0);
    }
}
