//! Exim main log lines: arrivals (`<=`, `(=`), deliveries (`=>`, `->`, `>>`),
//! failures (`**`, with `retry timeout exceeded` as an expiry), deferrals
//! (`==`) and `Completed`, with every prefix Exim and syslog put in front:
//! `.mmm`, `+0200`, `[pid]`, `host exim[pid]:`, old and new message ids.

use crate::model::{Attempt, AttemptParts, AttemptStatus, Event, EventKind, MsgId, Scope};
use crate::parse::syslog::{self, LineTime};
use crate::parse::timestamp::{days_from_civil, SyslogClock};
use crate::parse::{LineContext, Parsed, Skip};
use memchr::memmem::Finder;
use std::sync::LazyLock;

static SMTP_ERROR: LazyLock<Finder<'static>> =
    LazyLock::new(|| Finder::new(b"SMTP error from remote mail server after "));
static LMTP_ERROR: LazyLock<Finder<'static>> = LazyLock::new(|| Finder::new(b"LMTP error after "));
static RETRY_TIMEOUT: LazyLock<Finder<'static>> = LazyLock::new(|| Finder::new(b"retry timeout exceeded"));

/// When an Exim line was written.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Stamp<'a> {
    /// Exim's own `YYYY-MM-DD HH:MM:SS[.mmm][ +hhmm]`: the wall-clock time
    /// counted as if it were UTC, and the offset when `log_timezone` wrote one.
    Exim { naive: i64, offset: Option<i64> },
    /// The syslog header's time, when Exim's own is absent.
    Syslog(LineTime<'a>),
}

fn digits(b: &[u8]) -> Option<i64> {
    if b.is_empty() || !b.iter().all(u8::is_ascii_digit) {
        return None;
    }
    Some(b.iter().fold(0i64, |n, &c| n * 10 + i64::from(c - b'0')))
}

/// Exim's timestamp at the start of `b` and the bytes it takes, with the
/// space after it.
fn exim_stamp(b: &[u8]) -> Option<(Stamp<'static>, usize)> {
    let s = b.get(..19)?;
    if s[4] != b'-' || s[7] != b'-' || s[10] != b' ' || s[13] != b':' || s[16] != b':' {
        return None;
    }
    let (year, month, day) = (digits(&s[0..4])?, digits(&s[5..7])?, digits(&s[8..10])?);
    let (h, m, sec) = (digits(&s[11..13])?, digits(&s[14..16])?, digits(&s[17..19])?);
    if !(1..=12).contains(&month) || !(1..=31).contains(&day) || h > 23 || m > 59 || sec > 60 {
        return None;
    }
    let naive = days_from_civil(year, month as u32, day as u32) * 86_400 + h * 3600 + m * 60 + sec;
    let mut i = 19;
    // `.mmm` with log_selector +millisec.
    if b.get(i) == Some(&b'.') {
        i += 1;
        while b.get(i).is_some_and(u8::is_ascii_digit) {
            i += 1;
        }
    }
    let mut offset = None;
    // ` +0200` with log_timezone.
    if let (Some(b' '), Some(&sign @ (b'+' | b'-'))) = (b.get(i), b.get(i + 1)) {
        if let Some(z) = b.get(i + 2..i + 6).and_then(digits) {
            if matches!(b.get(i + 6), None | Some(b' ')) {
                let secs = (z / 100) * 3600 + (z % 100) * 60;
                offset = Some(if sign == b'-' { -secs } else { secs });
                i += 6;
            }
        }
    }
    match b.get(i) {
        None => Some((Stamp::Exim { naive, offset }, i)),
        Some(b' ') => Some((Stamp::Exim { naive, offset }, i + 1)),
        _ => None,
    }
}

/// `host exim[pid]: ` (or `exim:`) at the start of `b`: the bytes it takes.
fn exim_tag(b: &[u8]) -> Option<usize> {
    let host_end = memchr::memchr(b' ', b)?;
    let rest = &b[host_end + 1..];
    if !rest.starts_with(b"exim") {
        return None;
    }
    let end = rest.iter().position(|&c| c == b':' || c == b' ')?;
    if rest[end] != b':' {
        return None;
    }
    let program = &rest[..end];
    let name_end = memchr::memchr(b'[', program).unwrap_or(program.len());
    if !program[..name_end]
        .iter()
        .all(|c| c.is_ascii_alphanumeric() || *c == b'-' || *c == b'_')
    {
        return None;
    }
    let mut used = host_end + 1 + end + 1;
    if b.get(used) == Some(&b' ') {
        used += 1;
    }
    Some(used)
}

/// Splits off every prefix in front of Exim's own message: the time of the
/// line and what Exim wrote after its timestamp (and `[pid]`).
fn split_prefix(line: &[u8]) -> Result<(Stamp<'_>, &[u8]), Skip> {
    // `2021-... ...`: Exim's own stamp, maybe followed by `host exim[pid]: `
    // (fail2ban's `2019-10-22 03:39:17 mx1 exim[29786]: ...`).
    if let Some((stamp, used)) = exim_stamp(line) {
        let rest = &line[used..];
        let rest = match exim_tag(rest) {
            Some(tag) => &rest[tag..],
            None => rest,
        };
        return Ok(inner(stamp, rest));
    }
    // Syslog: `Jun 29 16:04:19 server exim[1234]: ...` or RFC 3339.
    if let Some(sl) = syslog::split(line) {
        if !sl.program.starts_with(b"exim") {
            return Err(Skip::OtherProgram);
        }
        return Ok(inner(Stamp::Syslog(sl.time), sl.message));
    }
    // `mail.example.com exim[3751842]: 2021-07-17 23:20:49 ...`: no leading time.
    if let Some(tag) = exim_tag(line) {
        let rest = &line[tag..];
        if let Some((stamp, used)) = exim_stamp(rest) {
            return Ok((stamp, strip_pid(&rest[used..])));
        }
        return Err(Skip::UnknownForm);
    }
    Err(Skip::Unrecognized)
}

/// After an outer time: Exim's own stamp may follow (it wins), then `[pid]`.
fn inner<'a>(outer: Stamp<'a>, rest: &'a [u8]) -> (Stamp<'a>, &'a [u8]) {
    match exim_stamp(rest) {
        Some((stamp, used)) => (stamp, strip_pid(&rest[used..])),
        None => (outer, strip_pid(rest)),
    }
}

/// `[1234] ` (log_selector +pid).
fn strip_pid(b: &[u8]) -> &[u8] {
    if let Some(rest) = b.strip_prefix(b"[") {
        if let Some(end) = memchr::memchr(b']', rest) {
            if end > 0 && rest[..end].iter().all(u8::is_ascii_digit) {
                let after = &rest[end + 1..];
                return after.strip_prefix(b" ").unwrap_or(after);
            }
        }
    }
    b
}

/// A message id at the start of `b`: old `1jmFYj-00039V-QX` (6-6-2) or new
/// `10HmaX-000000005vi-0000` (6-11-4), base62, then a space or the end.
fn split_msgid(b: &[u8]) -> Option<(&[u8], &[u8])> {
    let ok = |part: &[u8]| part.iter().all(u8::is_ascii_alphanumeric);
    for (mid, tail) in [(6, 2), (11, 4)] {
        let len = 6 + 1 + mid + 1 + tail;
        let Some(id) = b.get(..len) else { continue };
        if id[6] == b'-'
            && id[7 + mid] == b'-'
            && ok(&id[..6])
            && ok(&id[7..7 + mid])
            && ok(&id[8 + mid..])
            && matches!(b.get(len), None | Some(b' '))
        {
            return Some((id, b.get(len + 1..).unwrap_or(&[])));
        }
    }
    None
}

/// Whether the first lines of an input look more like Exim's main log than
/// like Postfix: Exim's `YYYY-MM-DD HH:MM:SS` stamps or an `exim` program tag.
pub fn looks_like(head: &[u8]) -> bool {
    let (mut exim, mut other) = (0u32, 0u32);
    for line in head.split(|&c| c == b'\n').filter(|l| !l.is_empty()).take(64) {
        if exim_stamp(line).is_some() || exim_tag(line).is_some() {
            exim += 1;
        } else if let Some(sl) = syslog::split(line) {
            if sl.program.starts_with(b"exim") {
                exim += 1;
            } else {
                other += 1;
            }
        }
    }
    exim > other
}

/// Text from a log as an owned string: lower-cased, invalid UTF-8 replaced.
fn lower_string(b: &[u8]) -> Box<str> {
    String::from_utf8_lossy(b).to_lowercase().into_boxed_str()
}

/// Parses one Exim main-log line (plain, or wrapped in syslog).
pub fn parse_line(line: &[u8], ctx: &LineContext) -> Parsed {
    // An indented line continues the entry above it (Exim writes a few so).
    if matches!(line.first(), Some(b' ' | b'\t')) {
        return Parsed::Ignored;
    }
    let (stamp, message) = match split_prefix(line) {
        Ok(split) => split,
        Err(skip) => return Parsed::Skipped(skip),
    };
    // Lines without a message id are about connections, rejects, auth,
    // queue runners: known, and of no use to a delivery report.
    let Some((id, rest)) = split_msgid(message) else {
        return Parsed::Ignored;
    };
    let Some(msg) = MsgId::new(id) else {
        return Parsed::Skipped(Skip::UnknownForm);
    };
    let kind = match parse_message(rest, ctx) {
        Ok(kind) => kind,
        Err(skip) => return Parsed::Skipped(skip),
    };
    match (kind, resolve(stamp, ctx.clock)) {
        (Some(kind), Some(ts)) => Parsed::Event(Event { ts, msg, kind }),
        (None, _) => Parsed::Ignored,
        // An RFC 3339 syslog stamp of the right shape that is no valid time.
        (Some(_), None) => Parsed::Skipped(Skip::UnknownForm),
    }
}

fn resolve(stamp: Stamp<'_>, clock: &SyslogClock) -> Option<i64> {
    match stamp {
        Stamp::Exim {
            naive,
            offset: Some(offset),
        } => Some(naive - offset),
        Stamp::Exim { naive, offset: None } => Some(clock.resolve_local(naive)),
        Stamp::Syslog(LineTime::Syslog(t)) => Some(clock.resolve(t)),
        Stamp::Syslog(LineTime::Local(naive)) => Some(clock.resolve_local(naive)),
        Stamp::Syslog(t) => t.absolute(),
    }
}

/// The time of the first timestamped line in the head of an Exim log: the
/// order of rotated logs (`mainlog mainlog.1 mainlog.2.gz`).
pub fn first_time(head: &[u8], clock: &SyslogClock) -> Option<i64> {
    head.split(|&c| c == b'\n').find_map(|line| {
        split_prefix(line)
            .ok()
            .and_then(|(stamp, _)| resolve(stamp, clock))
    })
}

/// What follows the message id. `Err`: why the line is skipped (a delivery
/// line we cannot read, a recipient that is no address); `Ok(None)`: a line
/// we know but that carries nothing we need.
fn parse_message(rest: &[u8], ctx: &LineContext) -> Result<Option<EventKind>, Skip> {
    if rest.len() < 2 {
        return Ok(None);
    }
    let (flag, body) = (&rest[..2], rest.get(3..).unwrap_or(&[]));
    if rest.len() > 2 && rest[2] != b' ' {
        return Ok(message_word(rest));
    }
    match flag {
        b"<=" | b"(=" => {
            let end = memchr::memchr(b' ', body).unwrap_or(body.len());
            let sender = &body[..end];
            let sender = match sender.strip_prefix(b"<").and_then(|s| s.strip_suffix(b">")) {
                Some(inner) => inner,
                None => sender,
            };
            Ok(Some(EventKind::Sender {
                from: lower_string(sender),
            }))
        }
        b"=>" | b"->" | b">>" => delivery(body, AttemptStatus::Sent, ctx).map(Some),
        b"**" => {
            let line = DeliveryLine::parse(body).ok_or(Skip::UnknownForm)?;
            if RETRY_TIMEOUT.find(line.text).is_some() {
                let rcpt = crate::address::normalize(line.rcpt()).map_err(Skip::InvalidAddress)?;
                return Ok(Some(EventKind::RcptExpired { rcpt: rcpt.into() }));
            }
            line.attempt(AttemptStatus::Bounced, ctx).map(Some)
        }
        b"==" => delivery(body, AttemptStatus::Deferred, ctx).map(Some),
        // `*>`: delivery suppressed by -N; nothing happened.
        b"*>" => Ok(None),
        _ => Ok(message_word(rest)),
    }
}

/// Message-level lines without a flag: `Completed`, `removed by ...` end the
/// message; `Frozen`, `DKIM: ...`, `H=... Connection timed out` are ignored.
/// Three lines are only ever written about a bounce message Exim generated
/// (Exim spec, "ignore_bounce_errors_after"): `Frozen (delivery error
/// message)` when it cannot be delivered, `Unfrozen by errmsg timer` when
/// it is tried once more, and `ADDR: error ignored` when that fails too. They
/// make the message a notification of ours even when its `<= <>` arrival was
/// rotated away weeks ago (a frozen bounce).
fn message_word(rest: &[u8]) -> Option<EventKind> {
    if rest.starts_with(b"Completed")
        || rest.starts_with(b"removed by ")
        || rest.starts_with(b"cancelled by ")
    {
        return Some(EventKind::Removed);
    }
    let ours = rest.starts_with(b"Frozen (delivery error message)")
        || rest.starts_with(b"Unfrozen by errmsg timer")
        || rest.trim_ascii_end().ends_with(b": error ignored");
    ours.then_some(EventKind::Notification)
}

fn delivery(body: &[u8], status: AttemptStatus, ctx: &LineContext) -> Result<EventKind, Skip> {
    DeliveryLine::parse(body)
        .ok_or(Skip::UnknownForm)?
        .attempt(status, ctx)
}

/// The parts of a `=>`, `**` or `==` line we use.
#[derive(Debug, Default, PartialEq)]
struct DeliveryLine<'a> {
    /// The first word: the address as delivered, a pipe, a file or `:blackhole:`.
    addr: &'a [u8],
    /// `<original address>` after it, when Exim logged one.
    orig: Option<&'a [u8]>,
    router: Option<&'a [u8]>,
    transport: Option<&'a [u8]>,
    /// Host name of `H=`, when it gave one (not `(helo)` or `[ip]` alone).
    host: Option<&'a [u8]>,
    /// The IP address of `H=` (may be damaged or a test-harness placeholder).
    ip: Option<&'a [u8]>,
    /// The failure or deferral text (after `: `), empty for deliveries.
    text: &'a [u8],
}

/// The end of a double-quoted value starting at `b[0] == '"'` (index after
/// the closing quote), with backslash escapes.
fn quoted_end(b: &[u8]) -> usize {
    let mut i = 1;
    while i < b.len() {
        match b[i] {
            b'\\' => i += 2,
            b'"' => return i + 1,
            _ => i += 1,
        }
    }
    b.len()
}

/// Whether `b` starts with the `:` that introduces the text (`: ` or `:` at the end).
fn text_colon(b: &[u8]) -> bool {
    b.first() == Some(&b':') && matches!(b.get(1), None | Some(b' '))
}

impl<'a> DeliveryLine<'a> {
    fn parse(body: &'a [u8]) -> Option<DeliveryLine<'a>> {
        let mut line = DeliveryLine::default();
        // The address: a pipe command runs up to its `<original>`.
        let addr_end = if body.first() == Some(&b'|') {
            memchr::memmem::find(body, b" <").unwrap_or(body.len())
        } else if body.first() == Some(&b'"') {
            let q = quoted_end(body);
            q + memchr::memchr(b' ', &body[q..]).unwrap_or(body.len() - q)
        } else {
            memchr::memchr(b' ', body).unwrap_or(body.len())
        };
        let mut addr = &body[..addr_end];
        let mut i = addr_end;
        if let Some(a) = addr.strip_suffix(b":").filter(|_| addr != b":blackhole:") {
            // `** bob@null.corp: retry timeout exceeded`
            addr = a;
            line.text = trim(body.get(addr_end + 1..).unwrap_or(&[]));
            i = body.len();
        }
        if addr.is_empty() {
            return None;
        }
        line.addr = addr;
        while i < body.len() {
            while body.get(i) == Some(&b' ') {
                i += 1;
            }
            let rest = &body[i..];
            if rest.is_empty() {
                break;
            }
            if text_colon(rest) {
                line.text = trim(&rest[1..]);
                break;
            }
            let end = match rest[0] {
                b'<' => {
                    let close = memchr::memchr(b'>', rest).map_or(rest.len(), |c| c + 1);
                    if line.orig.is_none() {
                        line.orig = Some(&rest[1..close.saturating_sub(1).max(1)]);
                    }
                    close
                }
                b'(' => memchr::memchr(b')', rest).map_or(rest.len(), |c| c + 1),
                _ => match field_key(rest) {
                    Some(key) => {
                        let value_at = key.len() + 1;
                        let (value, used) = if key == b"H" {
                            host_value(&rest[value_at..])
                        } else if rest.get(value_at) == Some(&b'"') {
                            let q = quoted_end(&rest[value_at..]);
                            (&rest[value_at..value_at + q], q)
                        } else {
                            let v = &rest[value_at..];
                            let mut end = memchr::memchr(b' ', v).unwrap_or(v.len());
                            // `R=virtual_aliases: No such person`
                            if end > 0 && v[end - 1] == b':' {
                                end -= 1;
                            }
                            (&v[..end], end)
                        };
                        match key {
                            b"R" => line.router = Some(value),
                            b"T" => line.transport = Some(value),
                            b"H" => {
                                let (host, ip) = split_host(value);
                                line.host = host;
                                line.ip = ip;
                            }
                            _ => {}
                        }
                        value_at + used
                    }
                    None => {
                        let word_end = memchr::memchr(b' ', rest).unwrap_or(rest.len());
                        let word = &rest[..word_end];
                        // `defer (-44)`, `routing defer (-52):`: the number
                        // is skipped as a `(...)` word above.
                        if word == b"defer" || word == b"routing" {
                            word_end
                        } else {
                            // Free text without a colon: take it all.
                            line.text = trim(rest);
                            break;
                        }
                    }
                },
            };
            i += end.max(1);
        }
        Some(line)
    }

    /// The recipient: the delivered address when it is one, else the
    /// original (`=> :blackhole: <x@y>`, `=> |pipe <x@y>`, `=> user <user@dom>`).
    fn rcpt(&self) -> &'a [u8] {
        if self.addr.contains(&b'@') && !matches!(self.addr.first(), Some(b'|' | b'/')) {
            return self.addr;
        }
        match self.orig {
            Some(orig) if !orig.is_empty() => orig,
            _ => self.addr,
        }
    }

    fn scope(&self) -> Scope {
        if matches!(self.addr.first(), Some(b'|' | b'/')) || self.addr == b":blackhole:" {
            return Scope::Local;
        }
        if let Some(ip) = self.ip {
            let loopback = ip.starts_with(b"127.") || ip == b"::1" || ip.eq_ignore_ascii_case(b"ipv6:::1");
            let localhost = self.host.is_some_and(|h| h.eq_ignore_ascii_case(b"localhost"));
            return if loopback || localhost {
                Scope::Local
            } else {
                Scope::Outbound
            };
        }
        let lower = |b: &[u8]| b.to_ascii_lowercase();
        if let Some(t) = self.transport.map(lower) {
            let has = |w: &[u8]| memchr::memmem::find(&t, w).is_some();
            // An LMTP transport without a host talks to a socket.
            return if has(b"smtp") && !has(b"lmtp") {
                Scope::Outbound
            } else {
                Scope::Local
            };
        }
        // Router failures: the local routers of Exim's default configuration
        // (system_aliases, userforward, localuser) and virtual domains are
        // ours; anything else (dnslookup, unrouteable domains) is outbound.
        if let Some(r) = self.router.map(lower) {
            let local = [
                &b"alias"[..],
                b"forward",
                b"localuser",
                b"local_user",
                b"virtual",
                b"procmail",
            ];
            if local.iter().any(|w| memchr::memmem::find(&r, w).is_some()) {
                return Scope::Local;
            }
        }
        Scope::Outbound
    }

    /// The attempt of the line; `Err` when its recipient is no address.
    fn attempt(&self, status: AttemptStatus, ctx: &LineContext) -> Result<EventKind, Skip> {
        let rcpt = crate::address::normalize(self.rcpt()).map_err(Skip::InvalidAddress)?;
        let mut status_buf = [0u8; 16];
        let (verdict, status_code, diagnostic) = if status == AttemptStatus::Sent {
            (None, None, &[][..])
        } else {
            // The whole text: the classifier reads the SMTP stage in Exim's
            // `SMTP error from remote mail server after RCPT TO:<a>: 550 ...`
            // the way it reads Postfix's `(in reply to RCPT TO command)`.
            let c = crate::parse::verdicts::classify(&ctx.classifier, self.text, None);
            (
                Some(c.verdict),
                c.status.map(|s| s.write_to(&mut status_buf)),
                self.text,
            )
        };
        Ok(EventKind::Attempt(Attempt::new(AttemptParts {
            rcpt: &rcpt,
            status,
            scope: self.scope(),
            relay: self.host,
            diagnostic,
            verdict,
            status_code,
        })))
    }
}

fn trim(b: &[u8]) -> &[u8] {
    let start = b.iter().position(|c| !c.is_ascii_whitespace()).unwrap_or(b.len());
    let end = b
        .iter()
        .rposition(|c| !c.is_ascii_whitespace())
        .map_or(start, |e| e + 1);
    &b[start..end.max(start)]
}

/// `R=`, `T=`, `H=`, `X=`, `CV=`, `DN=`, `C=`, `P=`, `QT=`...: the key of a
/// `KEY=value` field at the start of `b`.
fn field_key(b: &[u8]) -> Option<&[u8]> {
    let eq = b.iter().take(8).position(|&c| c == b'=')?;
    (eq > 0 && b[..eq].iter().all(u8::is_ascii_alphanumeric)).then(|| &b[..eq])
}

/// The value of `H=`: `host [ip]:port`, `(helo) [ip]`, `host (helo) [ip]`,
/// `[ip]`, or a damaged `(helo) [ip:` without its bracket. Returns the value
/// and the bytes it takes.
fn host_value(b: &[u8]) -> (&[u8], usize) {
    let mut i = 0;
    // Up to three words: name, (helo), [ip][:port].
    for _ in 0..3 {
        let word = &b[i..];
        if word.is_empty() || text_colon(word) {
            break;
        }
        let end = if word[0] == b'[' {
            // Up to `]` and a port; an address holds no space, so a space
            // first means the bracket is missing (`[4.4.4.4: SMTP error`).
            let stop = word.iter().position(|&c| c == b']' || c == b' ');
            match stop {
                Some(close) if word[close] == b']' => {
                    let mut e = close + 1;
                    if word.get(e) == Some(&b':') && word.get(e + 1).is_some_and(u8::is_ascii_digit) {
                        e += 1;
                        while word.get(e).is_some_and(u8::is_ascii_digit) {
                            e += 1;
                        }
                    }
                    e
                }
                _ => {
                    let e = stop.unwrap_or(word.len());
                    if e > 1 && word[e - 1] == b':' {
                        e - 1
                    } else {
                        e
                    }
                }
            }
        } else if word[0] == b'(' {
            memchr::memchr(b')', word).map_or(word.len(), |c| c + 1)
        } else if i > 0 {
            // A third word that is no `(helo)` or `[ip]` is the next field.
            break;
        } else {
            let e = memchr::memchr(b' ', word).unwrap_or(word.len());
            if e > 0 && word[e - 1] == b':' {
                e - 1
            } else {
                e
            }
        };
        let bracket = word[0] == b'[';
        i += end;
        if bracket || b.get(i) != Some(&b' ') || !matches!(b.get(i + 1), Some(b'(' | b'[')) {
            break;
        }
        i += 1;
    }
    (&b[..i], i)
}

/// Host name and IP address of an `H=` value.
fn split_host(value: &[u8]) -> (Option<&[u8]>, Option<&[u8]>) {
    let ip = memchr::memrchr(b'[', value).map(|open| {
        let inside = &value[open + 1..];
        &inside[..memchr::memchr(b']', inside).unwrap_or(inside.len())]
    });
    let first = value.split(|&c| c == b' ').next().unwrap_or(&[]);
    let host = (!first.is_empty() && !matches!(first[0], b'(' | b'[')).then_some(first);
    (host, ip)
}

/// The remote server's words inside an Exim failure text, for people: what
/// follows `SMTP error from remote mail server after RCPT TO:<x>: ` (or `LMTP
/// error after ...: `); the whole text when there is no such part. (The
/// classifier gets the whole text: the stage matters to it.)
pub fn remote_reply(text: &[u8]) -> &[u8] {
    let after = SMTP_ERROR
        .find(text)
        .map(|i| i + 41)
        .or_else(|| LMTP_ERROR.find(text).map(|i| i + 17));
    let Some(after) = after else { return text };
    let stage = &text[after..];
    match memchr::memmem::find(stage, b": ") {
        Some(i) => trim(&stage[i + 2..]),
        None => text,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{Class, Reason};
    use crate::parse::timestamp::{format_rfc3339, SyslogClock};
    use jiff::tz::TimeZone;

    fn parse_in(line: &str, tz: TimeZone) -> Parsed {
        let clock = SyslogClock::for_year(2022, None, tz);
        let ctx = LineContext {
            clock: &clock,
            classifier: crate::classify::Rules::Builtin,
        };
        parse_line(line.as_bytes(), &ctx)
    }

    fn parse(line: &str) -> Parsed {
        parse_in(line, TimeZone::UTC)
    }

    fn event(line: &str) -> Event {
        match parse(line) {
            Parsed::Event(e) => e,
            other => panic!("not an event: {other:?}"),
        }
    }

    fn attempt(line: &str) -> Attempt {
        match event(line).kind {
            EventKind::Attempt(a) => a,
            other => panic!("not an attempt: {other:?}"),
        }
    }

    #[test]
    fn arrival_lines_give_the_sender() {
        let e = event("2020-06-19 04:51:49 [123] 1jmFYj-00039V-QX <= NoReply@test.corp H=(test.corp) [2.2.2.2] P=smtp S=7386");
        assert_eq!(e.msg.as_str(), "1jmFYj-00039V-QX");
        assert_eq!(
            e.kind,
            EventKind::Sender {
                from: "noreply@test.corp".into()
            }
        );
        assert_eq!(format_rfc3339(e.ts), "2020-06-19T04:51:49Z");
        let e = event(
            "2020-06-19 04:54:02 1jmFas-0004f6-EB <= <> R=1jmFYj-00039V-QX U=Debian-exim P=local S=8656",
        );
        assert_eq!(e.kind, EventKind::Sender { from: "".into() });
        let e = event("1999-03-02 09:44:33 10HmbC-000000005vi-0000 (= b2@dump.ex H=localhost (myhost.test.ex) [127.0.0.1] P=esmtp S=sss for rmt_fakereject@test.ex");
        assert_eq!(e.msg.as_str(), "10HmbC-000000005vi-0000");
        assert_eq!(
            e.kind,
            EventKind::Sender {
                from: "b2@dump.ex".into()
            }
        );
        let e = event(
            r#"2014-08-10 11:18:35 [28107] 1gsu1C-003dCu-Hb <= aaron@domain.com H=localhost (10.5.40.204) [127.0.0.1]:39753 I=[127.0.0.1]:25 P=esmtpa A=dovecot_plain:aaron@domain.com S=4315 M8S=0 id=d2b@domain.com T="what's up?!? ;-)" from <aaron@domain.com> for aaron+forward@domain.com"#,
        );
        assert_eq!(
            e.kind,
            EventKind::Sender {
                from: "aaron@domain.com".into()
            }
        );
    }

    #[test]
    fn deliveries_remote_and_local() {
        let a = attempt(
            r#"2020-06-20 00:13:16 1jmXgg-000AIC-89 => nick@dummy.corp R=dnslookup T=remote_smtp_smarthost H=smarthost.test.corp [5.5.5.5] X=TLS1.2:ECDHE_RSA_AES_128_GCM_SHA256:128 CV=yes DN="C=XX,L=Here,O=Text Corp,CN=*.test.corp" C="250 6292145-1592637196662@smarthost.test.corp Received OK [sHQA_0EGOfCC2A2sh3iD5g]""#,
        );
        assert_eq!(
            (a.rcpt(), a.status, a.scope),
            ("nick@dummy.corp", AttemptStatus::Sent, Scope::Outbound)
        );
        assert_eq!(a.relay(), Some("smarthost.test.corp"));
        let a = attempt("2020-06-20 00:13:16 1jmXgg-000AIC-89 -> Sally@dummy.corp R=dnslookup T=remote_smtp H=mx.dummy.corp [5.5.5.5]:587");
        assert_eq!((a.rcpt(), a.scope), ("sally@dummy.corp", Scope::Outbound));
        for (line, rcpt) in [
            ("2021-01-01 10:00:00 1jmXgg-000AIC-89 => user <user@example.org> R=localuser T=local_delivery", "user@example.org"),
            ("2021-01-01 10:00:00 1jmXgg-000AIC-89 => :blackhole: <trash@example.org> R=blackhole_router", "trash@example.org"),
            ("2021-01-01 10:00:00 1jmXgg-000AIC-89 => |/usr/bin/procmail -d x <x@example.org> R=pipe T=address_pipe", "x@example.org"),
            ("2021-01-01 10:00:00 1jmXgg-000AIC-89 => /dev/null <file@example.org> R=r T=address_file", "file@example.org"),
            ("2021-01-01 10:00:00 1jmXgg-000AIC-89 => a@example.org R=dovecot T=dovecot_lmtp", "a@example.org"),
            ("2021-01-01 10:00:00 1jmXgg-000AIC-89 >> userx@domain.com R=all T=smtp H=127.0.0.1 [127.0.0.1] C=\"250 OK\"", "userx@domain.com"),
        ] {
            let a = attempt(line);
            assert_eq!((a.rcpt(), a.scope), (rcpt, Scope::Local), "{line}");
        }
        let a = attempt("2021-01-01 10:00:00 1jmXgg-000AIC-89 => a@example.org R=lmtp T=remote_lmtp H=lmtp.example.net [192.0.2.8]");
        assert_eq!(a.scope, Scope::Outbound);
        assert_eq!(
            parse("1999-03-02 09:44:33 10HmaX-000000005vi-0000 *> userx@test.ex R=good T=remote_delivery H=V4NET.0.0.1 [V4NET.0.0.1] C=\"delivery bypassed by -N option\""),
            Parsed::Ignored
        );
    }

    #[test]
    fn failures_are_classified_from_the_remote_reply() {
        let a = attempt(
            r#"2020-06-19 10:32:57 [789] 1jmKso-0009d4-Uf ** molly@zee.corp R=dnslookup T=remote_smtp H=mail.zee.corp [3.3.3.3] X=TLS1.2:ECDHE_RSA_AES_256_GCM_SHA384:256 CV=yes DN="C=US,ST=Fake,L=Lost,O=Zee Corp,CN=mail.zee.corp": SMTP error from remote mail server after end of data: 554 5.2.0 mKr3jsd25ZIfXmKr4jFD2w Recipient Mailbox Full [504]"#,
        );
        assert_eq!(a.status, AttemptStatus::Bounced);
        let v = a.verdict.unwrap();
        assert_eq!((v.class, v.reason), (Class::Soft, Reason::MailboxFull));
        assert!(a
            .diagnostic()
            .starts_with("SMTP error from remote mail server after end of data: 554"));
        let a = attempt("2020-06-24 00:13:06 1raAO7-0094KF-7u ** rudy@foo.corp R=dnslookup T=remote_smtp H=(relay.test.corp) [4.4.4.4]: SMTP error from remote mail server after RCPT TO:<rudy@test.corp>: 540 5.7.1 <rudy@test.corp>: recipient address rejected: Blocked");
        assert_eq!(a.status_code(), Some("5.7.1"));
        assert_eq!(a.relay(), None);
        assert_eq!(a.scope, Scope::Outbound);
        let a = attempt("2022-02-02 09:00:00 1raAO7-0094KF-7u ** nobody@gmail.com R=dnslookup T=remote_smtp H=gmail-smtp-in.l.google.com [142.250.1.26]: SMTP error from remote mail server after RCPT TO:<nobody@gmail.com>: 550-5.1.1 The email account that you tried to reach does not exist. Please try\\n550-5.1.1 double-checking the recipient's email address for typos or\\n550 5.1.1 https://support.google.com/mail/?p=NoSuchUser a1si - gsmtp");
        let v = a.verdict.unwrap();
        assert_eq!((v.class, v.reason), (Class::Hard, Reason::UserUnknown));
    }

    #[test]
    fn router_failures() {
        for line in [
            "1999-03-02 09:44:33 10HmaX-000000005vi-0000 ** spqr@test.ex : Unrouteable address",
            "1999-03-02 09:44:33 10HmbA-000000005vi-0000 ** userx@badbad.ex R=fail_remote_domains : unrouteable mail domain \"badbad.ex\" (:fail:)",
        ] {
            let a = attempt(line);
            assert_eq!((a.status, a.scope), (AttemptStatus::Bounced, Scope::Outbound), "{line}");
            assert_eq!(a.verdict.unwrap().class, Class::Hard, "{line}");
        }
        let a = attempt("2020-02-11 17:09:47 1j1Z2g-00Faoy-Uh ** admin@example.net R=virtual_aliases: No such person at this address.");
        assert_eq!((a.rcpt(), a.scope), ("admin@example.net", Scope::Local));
        assert_eq!(a.diagnostic(), "No such person at this address.");
        let a = attempt("1999-03-02 09:44:33 10HmaX-000000005vi-0000 ** |/p/q/r <pipe1@no.test.ex> R=notallowed : delivery to pipe forbidden");
        assert_eq!((a.rcpt(), a.scope), ("pipe1@no.test.ex", Scope::Local));
    }

    #[test]
    fn retry_timeout_expires_the_recipient() {
        let e = event("2020-06-19 04:54:02 1jmFYj-00039V-QX ** bob@null.corp: retry timeout exceeded");
        assert_eq!(
            e.kind,
            EventKind::RcptExpired {
                rcpt: "bob@null.corp".into()
            }
        );
        let e = event("2020-06-19 04:54:02 1jmFYj-00039V-QX ** bob@null.corp R=dnslookup T=remote_smtp: retry timeout exceeded");
        assert_eq!(
            e.kind,
            EventKind::RcptExpired {
                rcpt: "bob@null.corp".into()
            }
        );
    }

    #[test]
    fn deferrals() {
        let a = attempt("2020-06-19 04:54:02 1jmFYj-00039V-QX == bob@null.corp R=dnslookup T=remote_smtp defer (110): Connection timed out");
        assert_eq!((a.status, a.scope), (AttemptStatus::Deferred, Scope::Outbound));
        assert_eq!(a.diagnostic(), "Connection timed out");
        assert_eq!(a.verdict.unwrap().reason, Reason::NetworkError);
        // The damaged `H=` without its closing bracket, as in exim_exporter's log.
        let a = attempt("2020-06-24 00:20:20 1raAV4-009jr4-9x == jack@test.corp R=dnslookup T=remote_smtp defer (-44) H=(relay.test.corp) [4.4.4.4: SMTP error from remote mail server after RCPT TO:<jack@test.corp>: 450 4.7.1 <jack@test.corp>: Recipient address rejected: Recipient not available");
        assert_eq!(a.scope, Scope::Outbound);
        assert_eq!(a.status_code(), Some("4.7.1"));
        assert!(a
            .diagnostic()
            .starts_with("SMTP error from remote mail server after RCPT TO"));
        let a = attempt("2017-07-30 18:51:05.712 10HmaX-000000005vi-0000 == bob@test.again.dns routing defer (-52): retry time not reached");
        assert_eq!(
            (a.diagnostic(), a.scope),
            ("retry time not reached", Scope::Outbound)
        );
        let a = attempt("1999-03-02 09:44:33 10HmaY-000000005vi-0000 == CALLER@test.ex R=smart T=local_delivery defer (-22): mailbox is full (MTA-imposed quota exceeded while writing to x)");
        assert_eq!(a.scope, Scope::Local);
        let a = attempt("1999-03-02 09:44:33 10HmbB-000000005vi-0000 == c@test.ex <C@test.ex> R=client T=send_to_server defer (-44) H=127.0.0.1 [127.0.0.1]: SMTP error from remote mail server after RCPT TO:<C@test.ex>: 452 4.5.3 Try again");
        assert_eq!((a.rcpt(), a.scope), ("c@test.ex", Scope::Local));
        assert_eq!(a.status_code(), Some("4.5.3"));
    }

    #[test]
    fn completed_and_removed_end_the_message() {
        assert_eq!(
            event("2020-06-19 04:54:02 [456] 1jmFYj-00039V-QX Completed").kind,
            EventKind::Removed
        );
        assert_eq!(
            event("2020-06-19 04:54:02 1jmFYj-00039V-QX Completed QT=1s").kind,
            EventKind::Removed
        );
        assert_eq!(
            event("1999-03-02 09:44:33 10HmbB-000000005vi-0000 removed by CALLER").kind,
            EventKind::Removed
        );
        assert_eq!(
            parse("2020-06-19 04:54:02 1jmFYj-00039V-QX Frozen"),
            Parsed::Ignored
        );
        // Lines only a bounce message of our own gets.
        for line in [
            "2020-06-19 04:54:02 1jmFYj-00039V-QX Frozen (delivery error message)",
            "2020-06-19 04:54:02 1jmFYj-00039V-QX Unfrozen by errmsg timer",
            "2020-06-19 04:54:02 1jmFYj-00039V-QX news@shop.example: error ignored",
        ] {
            assert_eq!(event(line).kind, EventKind::Notification, "{line}");
        }
        assert_eq!(
            parse("2020-06-19 04:54:02 1jmFYj-00039V-QX H=null.corp [6.6.6.6] Connection timed out"),
            Parsed::Ignored
        );
    }

    #[test]
    fn prefixes_time_zones_and_syslog_wrappers() {
        let e = event("2020-06-20 04:32:57 -0200 1jmKsr-00040h-1G <= <> R=1jmKso-0009d4-Uf U=Debian-exim P=local S=9521");
        assert_eq!(format_rfc3339(e.ts), "2020-06-20T06:32:57Z");
        let e = event("2020-06-20 01:32:57 +0200 [789] 1jmKso-0009d4-Uf Completed");
        assert_eq!(format_rfc3339(e.ts), "2020-06-19T23:32:57Z");
        let e = event("2023-05-30 06:10:13.345 1jmKso-0009d4-Uf Completed");
        assert_eq!(format_rfc3339(e.ts), "2023-05-30T06:10:13Z");
        // Zone-less times are local, like syslog dates.
        let berlin = TimeZone::get("Europe/Berlin").unwrap();
        match parse_in("2023-05-30 06:10:13 1jmKso-0009d4-Uf Completed", berlin) {
            Parsed::Event(e) => assert_eq!(format_rfc3339(e.ts), "2023-05-30T04:10:13Z"),
            other => panic!("{other:?}"),
        }
        let e = event("Jun 29 16:04:19 server exim[1234]: 1jmKso-0009d4-Uf Completed");
        assert_eq!(format_rfc3339(e.ts), "2022-06-29T16:04:19Z");
        let e = event("Jun 29 16:04:19 server exim[1234]: 2021-07-17 23:20:49 1jmKso-0009d4-Uf Completed");
        assert_eq!(format_rfc3339(e.ts), "2021-07-17T23:20:49Z");
        let e = event("mail.example.com exim[3751842]: 2021-07-17 23:20:49 1jmKso-0009d4-Uf Completed");
        assert_eq!(format_rfc3339(e.ts), "2021-07-17T23:20:49Z");
        let e = event("2019-10-22 03:39:17 mx1.fqdn.local exim[29786]: 1jmKso-0009d4-Uf Completed");
        assert_eq!(format_rfc3339(e.ts), "2019-10-22T03:39:17Z");
        let e = event("2016-04-01 11:08:00 info exim[8003]: [8003] 1jmKso-0009d4-Uf Completed");
        assert_eq!(e.msg.as_str(), "1jmKso-0009d4-Uf");
        let e = event("1995-10-31 08:57:53 0tACW1-0005MB-00 <= kryten@dwarf.fict.example H=mailer.fict.example [192.168.123.123] U=exim P=smtp S=5678");
        assert_eq!(e.msg.as_str(), "0tACW1-0005MB-00");
    }

    #[test]
    fn skips_and_ignores() {
        // Connections, rejects, auth failures, reject and panic log lines.
        for line in [
            "2022-06-29 16:04:14 H=imfo.test.com [1.2.3.4]:35328 X=TLS1.2:ECDHE-RSA-AES256-GCM-SHA384:256 CV=no F=<info6@test.com> rejected RCPT <sales@toto.com.au>: No Such User Here",
            "2020-06-13 17:55:20 +0200 SMTP protocol synchronization error (next input sent too soon: pipelining was not advertised): rejected",
            "2020-05-26 15:01:40 +0200 1jdghf-00034W-No DKIM: signing failed: RSA_LONG_LINE",
            "Jun 29 16:04:05 server exim[1234]: dovecot_plain authenticator failed for (mail.test.com) [202.137.142.181]:47807: 535 Incorrect authentication data (set_id=dave)",
            "  Suggested action: either install a certificate",
        ] {
            assert_eq!(parse(line), Parsed::Ignored, "{line}");
        }
        assert_eq!(
            parse("Jun 29 16:04:05 server postfix/smtpd[1]: connect from x"),
            Parsed::Skipped(Skip::OtherProgram)
        );
        assert_eq!(parse("garbage"), Parsed::Skipped(Skip::Unrecognized));
        assert_eq!(
            parse("mail.example.com exim[1]: no time here"),
            Parsed::Skipped(Skip::UnknownForm)
        );
        assert_eq!(
            parse("2020-06-19 04:54:02 1jmFYj-00039V-QX == "),
            Parsed::Skipped(Skip::UnknownForm)
        );
    }

    #[test]
    fn host_values() {
        assert_eq!(
            host_value(b"host [1.2.3.4]:25 X=y"),
            (&b"host [1.2.3.4]:25"[..], 17)
        );
        assert_eq!(host_value(b"(helo) [1.2.3.4]: SMTP").0, b"(helo) [1.2.3.4]");
        assert_eq!(host_value(b"h (helo) [1.2.3.4] C=\"x\"").0, b"h (helo) [1.2.3.4]");
        assert_eq!(host_value(b"[1.2.3.4]").0, b"[1.2.3.4]");
        assert_eq!(
            host_value(b"127.0.0.1 [127.0.0.1] : text").0,
            b"127.0.0.1 [127.0.0.1]"
        );
        assert_eq!(
            split_host(b"(relay.test.corp) [4.4.4.4"),
            (None, Some(&b"4.4.4.4"[..]))
        );
        assert_eq!(
            split_host(b"mx [2001:db8::1]:25"),
            (Some(&b"mx"[..]), Some(&b"2001:db8::1"[..]))
        );
    }

    #[test]
    fn never_panics_on_cut_lines() {
        let line = r#"2020-06-19 10:32:57 +0200 [789] 1jmKso-0009d4-Uf ** molly@zee.corp <m@z> (p@z) R=dnslookup T=remote_smtp H=mail.zee.corp (helo) [3.3.3.3]:25 X=TLS DN="C=US\"": SMTP error from remote mail server after RCPT TO:<a>: 550 x"#;
        for end in 0..=line.len() {
            let _ = parse_in(&String::from_utf8_lossy(&line.as_bytes()[..end]), TimeZone::UTC);
        }
    }
}
