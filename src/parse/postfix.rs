//! Postfix log lines: delivery records of the delivery agents, qmgr sender,
//! expiry and removal lines, and bounce-notification records.

use crate::classify::Status;
use crate::model::{Attempt, AttemptParts, AttemptStatus, Event, EventKind, MsgId, Scope};
use crate::parse::scan::find_any;
use crate::parse::syslog::{self, LineTime};
use crate::parse::{LineContext, Parsed, Skip};
use memchr::memmem::{self, Finder};
use std::sync::LazyLock;

/// Searchers built once: building one costs more than a search on a line.
static ANGLE_COMMA: LazyLock<Finder<'static>> = LazyLock::new(|| Finder::new(b">, "));
static STATUS: LazyLock<Finder<'static>> = LazyLock::new(|| Finder::new(b"status="));
static SAID: LazyLock<Finder<'static>> = LazyLock::new(|| Finder::new(b" said: "));
static REFUSED: LazyLock<Finder<'static>> = LazyLock::new(|| Finder::new(b"refused to talk to me: "));
static NOTIFICATION: LazyLock<Finder<'static>> = LazyLock::new(|| Finder::new(b"notification: "));
static IN_REPLY: LazyLock<memmem::FinderRev<'static>> =
    LazyLock::new(|| memmem::FinderRev::new(b" (in reply to "));

/// The first `, ` in `b`.
fn comma_space(b: &[u8]) -> Option<usize> {
    let mut from = 0;
    while let Some(at) = find_any(b, from, [b',']) {
        if b.get(at + 1) == Some(&b' ') {
            return Some(at);
        }
        from = at + 1;
    }
    None
}

/// Text from a log as an owned string: lower-cased, invalid UTF-8 replaced.
fn lower_string(b: &[u8]) -> Box<str> {
    match std::str::from_utf8(b) {
        Ok(s) if s.is_ascii() => s.to_ascii_lowercase().into_boxed_str(),
        Ok(s) => s.to_lowercase().into_boxed_str(),
        Err(_) => String::from_utf8_lossy(b).to_lowercase().into_boxed_str(),
    }
}

/// Postfix daemons whose lines we know (and mostly ignore). A `match`, not a
/// list: it runs for every Postfix line.
fn is_known_daemon(daemon: &[u8]) -> bool {
    matches!(
        daemon,
        b"anvil"
            | b"bounce"
            | b"cleanup"
            | b"discard"
            | b"dnsblog"
            | b"error"
            | b"flush"
            | b"lmtp"
            | b"local"
            | b"master"
            | b"oqmgr"
            | b"pickup"
            | b"pipe"
            | b"postscreen"
            | b"proxymap"
            | b"qmgr"
            | b"qmqpd"
            | b"retry"
            | b"scache"
            | b"showq"
            | b"smtp"
            | b"smtpd"
            | b"spawn"
            | b"tlsmgr"
            | b"tlsproxy"
            | b"trivial-rewrite"
            | b"verify"
            | b"virtual"
            | b"postdrop"
            | b"postqueue"
            | b"postsuper"
            | b"sendmail"
            | b"postfix-script"
            | b"postlog"
            | b"postlogd"
            | b"postmap"
            | b"postalias"
            | b"postmulti"
            | b"postconf"
            | b"postcat"
            | b"postkick"
            | b"postlock"
            | b"postfix"
            | b"relay"
            | b"nqmgr"
            | b"lmtpd"
            | b"submission"
            | b"smtps"
    )
}

/// Whether a syslog program tag is Postfix's: `postfix/x`, `postfix-out/x`,
/// `postfix-203.0.113.5/x`, `/postfix-script`.
pub fn is_postfix_program(program: &[u8]) -> bool {
    let p = program.strip_prefix(b"/").unwrap_or(program);
    p.starts_with(b"postfix")
}

/// The daemon: the last part of the program tag (`postfix/submission/smtpd` → `smtpd`).
fn daemon_of(program: &[u8]) -> &[u8] {
    // A few bytes from the end: a plain loop beats `memrchr`'s set-up.
    match program.iter().rposition(|&c| c == b'/') {
        Some(i) => &program[i + 1..],
        None => program,
    }
}

/// Parses one Postfix syslog line.
pub fn parse_line(line: &[u8], ctx: &LineContext) -> Parsed {
    let Some(sl) = syslog::split(line) else {
        return Parsed::Skipped(Skip::Unrecognized);
    };
    if !is_postfix_program(sl.program) {
        return Parsed::Skipped(Skip::OtherProgram);
    }
    parse_message(daemon_of(sl.program), sl.message, sl.time, ctx)
}

/// A queue id: short hex (`3F1A2B4C5D`) or long (`4Q8x1J3lKxz2Xy`), 5 to 31
/// letters and digits, then `: `. Runs for every Postfix line, most of which
/// have no queue id (`connect from ...`): the end is found eight bytes at a
/// time, and the letters are checked without a branch per byte.
fn split_queue_id(msg: &[u8]) -> Option<(&[u8], &[u8])> {
    let head = &msg[..msg.len().min(32)];
    let end = find_any(head, 0, [b':', b' '])?;
    if end < 5 || msg.get(end..end + 2) != Some(b": ") {
        return None;
    }
    let id = &msg[..end];
    let alphanumeric = id.iter().fold(true, |all, c| all & c.is_ascii_alphanumeric());
    alphanumeric.then(|| (id, &msg[end + 2..]))
}

/// A line of a Postfix daemon that is not an event: ignored when the daemon is
/// one we know, else a form we do not know.
fn not_an_event(daemon: &[u8]) -> Parsed {
    if is_known_daemon(daemon) {
        Parsed::Ignored
    } else {
        Parsed::Skipped(Skip::UnknownForm)
    }
}

fn parse_message(daemon: &[u8], message: &[u8], time: LineTime, ctx: &LineContext) -> Parsed {
    // Solaris syslog puts a message tag in front: `[ID 197553 mail.info] `.
    let message = match message.strip_prefix(b"[ID ") {
        Some(rest) => match memchr::memchr(b']', rest) {
            Some(i) => rest[i + 1..].strip_prefix(b" ").unwrap_or(&rest[i + 1..]),
            None => message,
        },
        None => message,
    };
    let Some((qid, rest)) = split_queue_id(message) else {
        return not_an_event(daemon);
    };
    let is_delivery = rest.starts_with(b"to=");
    // Only delivery records, qmgr and bounce lines are events: the rest
    // (cleanup, smtpd, pickup, ...) is decided without building anything.
    if !is_delivery && !matches!(daemon, b"qmgr" | b"oqmgr" | b"nqmgr" | b"bounce") {
        return not_an_event(daemon);
    }
    let Some(msg) = MsgId::new(qid) else {
        return Parsed::Skipped(Skip::UnknownForm);
    };
    let event = |kind| match ctx.resolve(time) {
        Some(ts) => Parsed::Event(Event { ts, msg, kind }),
        None => Parsed::Skipped(Skip::Unrecognized),
    };
    if is_delivery {
        return match parse_delivery(daemon, rest, ctx) {
            Ok(Some(attempt)) => event(EventKind::Attempt(attempt)),
            Ok(None) => Parsed::Ignored,
            Err(skip) => Parsed::Skipped(skip),
        };
    }
    match daemon {
        b"qmgr" | b"oqmgr" | b"nqmgr" => parse_qmgr(rest).map_or(Parsed::Ignored, event),
        b"bounce" => match (notification_queue_id(rest), ctx.resolve(time)) {
            (Some(new_id), Some(ts)) => Parsed::Event(Event {
                ts,
                msg: new_id,
                kind: EventKind::Notification,
            }),
            _ => Parsed::Ignored,
        },
        _ => not_an_event(daemon),
    }
}

fn parse_qmgr(rest: &[u8]) -> Option<EventKind> {
    if rest == b"removed" || rest.starts_with(b"removed ") {
        return Some(EventKind::Removed);
    }
    let from = rest.strip_prefix(b"from=<")?;
    let end = ANGLE_COMMA.find(from)?;
    let tail = &from[end + 3..];
    if tail.starts_with(b"status=expired") || tail.starts_with(b"status=force-expired") {
        return Some(EventKind::Expired);
    }
    Some(EventKind::Sender {
        from: lower_string(&from[..end]),
    })
}

/// `sender non-delivery notification: 6E3A51F5C0` and its kin name the queue id
/// of the notification message we generate.
fn notification_queue_id(rest: &[u8]) -> Option<MsgId> {
    let i = NOTIFICATION.find(rest)?;
    let id = rest[i + 14..].split(|&c| c == b' ').next()?;
    (id.len() >= 5 && id.iter().all(u8::is_ascii_alphanumeric))
        .then(|| MsgId::new(id))
        .flatten()
}

/// The value of `key=` among `k=v, k=v, ` fields (the part of a delivery
/// record before `status=`).
fn field<'a, const N: usize>(fields: &'a [u8], key: &[u8; N]) -> Option<&'a [u8]> {
    let mut rest = fields;
    loop {
        let end = comma_space(rest).unwrap_or(rest.len());
        // A key of known length: compared inline, not by a `memcmp` call.
        if let Some(value) = rest[..end].strip_prefix(key.as_slice()) {
            return Some(value);
        }
        rest = rest.get(end + 2..)?;
    }
}

/// An address after `to=`: `<a@b>` (possibly with a quoted local part holding
/// spaces and commas), or bare `a@b` in old local(8) lines. Returns the address
/// and the rest after its `, `.
fn address(rest: &[u8]) -> Option<(&[u8], &[u8])> {
    if let Some(inner) = rest.strip_prefix(b"<") {
        let end = ANGLE_COMMA.find(inner)?;
        Some((&inner[..end], &inner[end + 3..]))
    } else {
        let end = comma_space(rest)?;
        Some((&rest[..end], &rest[end + 2..]))
    }
}

/// Relay host name and whether the relay is on this machine (loopback or a
/// unix socket).
fn relay_parts(relay: &[u8]) -> (Option<&[u8]>, bool) {
    if relay == b"none" {
        return (None, false);
    }
    let Some(open) = find_any(relay, 0, [b'[']) else {
        // `local`, `virtual`, `dovecot` (pipe): transport names, not hosts.
        return (Some(relay), true);
    };
    let host = &relay[..open];
    let inside = &relay[open + 1..];
    let inside = &inside[..find_any(inside, 0, [b']']).unwrap_or(inside.len())];
    let local = inside.starts_with(b"127.")
        || inside == b"::1"
        || inside.starts_with(b"ipv6:::1")
        || find_any(inside, 0, [b'/']).is_some()
        || host.eq_ignore_ascii_case(b"localhost");
    (Some(host), local)
}

/// Where a delivery went, from the agent and its `relay=` (whose
/// `on_this_host` part [`relay_parts`] has already found).
fn scope(daemon: &[u8], relay: &[u8], on_this_host: bool) -> Scope {
    match daemon {
        b"local" | b"virtual" | b"pipe" | b"discard" => Scope::Local,
        b"error" | b"retry" => Scope::Outbound,
        b"lmtp" if relay == b"none" => Scope::Local,
        _ if on_this_host && relay != b"none" => Scope::Local,
        _ => Scope::Outbound,
    }
}

/// The part of a Postfix diagnostic that the remote server wrote, when it wrote
/// one: after `host H[ip] said: ` or `refused to talk to me: ` (the host name
/// is ours to know, not the classifier's to match). The trailing
/// `(in reply to RCPT TO command)` stays: the SMTP stage tells a user unknown
/// at RCPT from a refusal after DATA.
pub fn remote_reply(text: &[u8]) -> &[u8] {
    let start = SAID
        .find(text)
        .map(|i| i + 7)
        .or_else(|| REFUSED.find(text).map(|i| i + 23));
    match start {
        Some(start) => &text[start..],
        None => text,
    }
}

/// The remote reply without Postfix's `(in reply to ... command)`: for people.
pub fn reply_for_display(text: &[u8]) -> &[u8] {
    let reply = remote_reply(text);
    match IN_REPLY.rfind(reply) {
        Some(end) => &reply[..end],
        None => reply,
    }
}

/// Parses `to=<...>, [orig_to=<...>,] relay=..., ..., status=WORD (text)`.
/// `Ok(None)`: a record we know but that is no delivery (address probes);
/// `Err`: why the line is skipped.
fn parse_delivery(daemon: &[u8], rest: &[u8], ctx: &LineContext) -> Result<Option<Attempt>, Skip> {
    let (rcpt, fields) = address(&rest[3..]).ok_or(Skip::UnknownForm)?;
    let status_at = STATUS.find(fields).ok_or(Skip::UnknownForm)?;
    let (head, tail) = (&fields[..status_at], &fields[status_at + 7..]);
    let word_end = tail
        .iter()
        .position(|&c| c == b' ' || c == b',')
        .unwrap_or(tail.len());
    let status = match &tail[..word_end] {
        b"sent" => AttemptStatus::Sent,
        b"deferred" | b"SOFTBOUNCE" => AttemptStatus::Deferred,
        b"bounced" => AttemptStatus::Bounced,
        b"deliverable" | b"undeliverable" | b"undeliverable-but-not-cached" => return Ok(None),
        _ => return Err(Skip::UnknownForm),
    };
    if rcpt.is_empty() {
        return Ok(None);
    }
    let rcpt = crate::address::normalize(rcpt).map_err(Skip::InvalidAddress)?;
    let rcpt = &*rcpt;
    let after = &tail[word_end..];
    let text = match memchr::memchr(b'(', after) {
        Some(open) => {
            let body = &after[open + 1..];
            &body[..memchr::memrchr(b')', body).unwrap_or(body.len())]
        }
        None => &[][..],
    };
    let relay_field = field(head, b"relay=").unwrap_or(b"none");
    let (relay_host, on_this_host) = relay_parts(relay_field);
    // A host only when `relay=` had `host[address]` (the host part is then
    // shorter than the field), not a transport name such as `local`.
    let relay = relay_host.filter(|h| !h.is_empty() && h.len() < relay_field.len());
    let scope = scope(daemon, relay_field, on_this_host);
    if status == AttemptStatus::Sent {
        return Ok(Some(Attempt::new(AttemptParts {
            rcpt,
            status,
            scope,
            relay,
            diagnostic: b"",
            verdict: None,
            status_code: None,
        })));
    }
    let dsn = field(head, b"dsn=").and_then(Status::parse);
    let c = crate::parse::verdicts::classify(&ctx.classifier, remote_reply(text), dsn);
    let mut status_buf = [0u8; 16];
    Ok(Some(Attempt::new(AttemptParts {
        rcpt,
        status,
        scope,
        relay,
        diagnostic: text,
        verdict: Some(c.verdict),
        status_code: c.status.map(|s| s.write_to(&mut status_buf)),
    })))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{Class, Reason};
    use crate::parse::timestamp::SyslogClock;
    use jiff::tz::TimeZone;

    fn parse(line: &str) -> Parsed {
        let clock = SyslogClock::for_year(2026, None, TimeZone::UTC);
        let ctx = LineContext {
            clock: &clock,
            classifier: crate::classify::Rules::Builtin,
        };
        parse_line(line.as_bytes(), &ctx)
    }

    fn attempt(line: &str) -> Attempt {
        match parse(line) {
            Parsed::Event(Event {
                kind: EventKind::Attempt(a),
                ..
            }) => a,
            other => panic!("not an attempt: {other:?}"),
        }
    }

    #[test]
    fn sent_to_remote_host() {
        let a = attempt("Jan 27 07:00:06 mail postfix/smtp[27810]: 5776E3012027: to=<H-8629@Example.com>, relay=mx.example.com[199.170.45.30]:25, delay=1.8, delays=0.01/0.02/1.5/0.26, dsn=2.0.0, status=sent (250 2.0.0 Ok: queued as 4DQZH96tZczdZLP)");
        assert_eq!(a.rcpt(), "h-8629@example.com");
        assert_eq!(a.status, AttemptStatus::Sent);
        assert_eq!(a.scope, Scope::Outbound);
        assert_eq!(a.relay(), Some("mx.example.com"));
        assert!(a.verdict.is_none());
    }

    #[test]
    fn content_filter_and_sockets_are_local() {
        let a = attempt("Jan 27 07:00:04 mail postfix/smtp[27806]: 2AA0F3004142: to=<a@b.com>, relay=127.0.0.1[127.0.0.1]:10024, delay=0.21, dsn=2.0.0, status=sent (250 2.0.0 from MTA(smtp:[127.0.0.1]:10025): 250 2.0.0 Ok: queued as 5776E3012027)");
        assert_eq!(a.scope, Scope::Local);
        let a = attempt("Jan 27 07:21:56 mail postfix/lmtp[1107]: 7C33A3012026: to=<a@b.com>, relay=h-a0c7[/var/run/dovecot/lmtp], delay=0.06, dsn=2.0.0, status=sent (250 2.0.0 Saved)");
        assert_eq!(a.scope, Scope::Local);
        let a = attempt("Jun  3 10:00:00 mx postfix/local[1]: ABCDEF123: to=<root@mx.example>, orig_to=<root>, relay=local, delay=0.1, dsn=2.0.0, status=sent (delivered to mailbox)");
        assert_eq!(a.scope, Scope::Local);
    }

    #[test]
    fn bounced_gmail_multiline_reply() {
        let a = attempt("Nov 20 08:01:02 mx postfix-out/smtp[4242]: 3F1A2B4C5D: to=<nobody@gmail.com>, relay=gmail-smtp-in.l.google.com[142.250.1.26]:25, delay=1.2, delays=0.1/0/0.5/0.6, dsn=5.1.1, status=bounced (host gmail-smtp-in.l.google.com[142.250.1.26] said: 550-5.1.1 The email account that you tried to reach does not exist. Please try 550-5.1.1 double-checking the recipient's email address for typos or 550-5.1.1 unnecessary spaces. Learn more at 550 5.1.1  https://support.google.com/mail/?p=NoSuchUser a1si - gsmtp (in reply to RCPT TO command))");
        let v = a.verdict.unwrap();
        assert_eq!((v.class, v.reason), (Class::Hard, Reason::UserUnknown));
        assert_eq!(a.status_code(), Some("5.1.1"));
        assert!(a.diagnostic().ends_with("(in reply to RCPT TO command)"));
    }

    #[test]
    fn quoted_local_part_with_comma() {
        let a = attempt(
            r#"Jan  1 00:00:00 h postfix/smtp[1]: 4Lyb5328XVzj9Jl: to=<"user 1234, x"@icloud.com>, relay=mx01.mail.icloud.com[17.57.154.33]:25, delay=2, dsn=2.0.0, status=sent (250 2.0.0 Ok)"#,
        );
        assert_eq!(a.rcpt(), "\"user 1234, x\"@icloud.com");
    }

    #[test]
    fn old_postfix_without_dsn_and_relay_none() {
        let a = attempt("Sep 15 09:10:11 host postfix/smtp[1234]: 1A2B3C4D5E: to=<x@nonexistent.invalid>, relay=none, delay=0, status=bounced (Host or domain name not found. Name service error for name=nonexistent.invalid type=A: Host not found)");
        assert_eq!(a.scope, Scope::Outbound);
        assert_eq!(a.relay(), None);
        let v = a.verdict.unwrap();
        assert_eq!((v.class, v.reason), (Class::Hard, Reason::HostUnknown));
    }

    #[test]
    fn solaris_tags_and_crlf_free_lines() {
        let a = attempt("Aug  8 10:00:00 relay postfix/smtp[123]: [ID 197553 mail.info] 692D438C3: to=<a@b.ie>, relay=mail.b.ie[1.2.3.4], delay=3, status=deferred (connect to mail.b.ie[1.2.3.4]: Connection timed out)");
        assert_eq!(a.status, AttemptStatus::Deferred);
        assert_eq!(a.verdict.unwrap().reason, Reason::NetworkError);
    }

    #[test]
    fn qmgr_lines() {
        let kind = |l: &str| match parse(l) {
            Parsed::Event(e) => e.kind,
            other => panic!("{other:?}"),
        };
        assert_eq!(kind("Apr 10 14:50:16 mail postfix/qmgr[3663]: BACE842E72: from=<noreply@domain.com>, status=expired, returned to sender"), EventKind::Expired);
        assert_eq!(kind("Apr 10 14:50:16 mail postfix/qmgr[3663]: BACE842E72: from=<Me@Domain.com>, size=1234, nrcpt=2 (queue active)"), EventKind::Sender { from: "me@domain.com".into() });
        assert_eq!(
            kind("Apr 10 14:50:16 mail postfix-secondary/qmgr[3663]: BACE842E72: removed"),
            EventKind::Removed
        );
        assert_eq!(kind("Apr 10 14:50:16 mail postfix/qmgr[3663]: BACE842E72: from=<>, size=3000, nrcpt=1 (queue active)"), EventKind::Sender { from: "".into() });
    }

    #[test]
    fn notification_names_the_new_queue_id() {
        match parse("Apr 10 14:50:16 mail postfix/bounce[1]: BACE842E72: sender non-delivery notification: 6E3A51F5C0") {
            Parsed::Event(e) => assert_eq!((e.msg.as_str(), e.kind), ("6E3A51F5C0", EventKind::Notification)),
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn skips_and_ignores() {
        assert_eq!(
            parse("Jan 27 06:36:56 mail dovecot: imap-login: Login"),
            Parsed::Skipped(Skip::OtherProgram)
        );
        assert_eq!(
            parse("Jan 27 06:36:56 mail postfix/smtpd[1]: connect from x[1.2.3.4]"),
            Parsed::Ignored
        );
        assert_eq!(
            parse("Jan 27 06:36:56 mail postfix/cleanup[1]: ABCDE12345: message-id=<x@y>"),
            Parsed::Ignored
        );
        assert_eq!(
            parse("Jan 27 06:36:56 mail postfix/smtp[1]: ABCDE12345: to=<a@b>, relay=none, status=weird (x)"),
            Parsed::Skipped(Skip::UnknownForm)
        );
        assert_eq!(parse("garbage"), Parsed::Skipped(Skip::Unrecognized));
        assert_eq!(parse("Jan 27 06:36:56 mail postfix/verify[1]: ABCDE12345: to=<a@b>, relay=none, delay=1, status=undeliverable-but-not-cached (x)"), Parsed::Ignored);
    }

    #[test]
    fn unknown_service_names_with_delivery_records_still_count() {
        let a = attempt("Jan 27 06:36:56 mail postfix/slow/smtp[1]: ABCDE12345: to=<a@b.com>, relay=mx.b.com[1.2.3.4]:25, delay=1, dsn=2.0.0, status=sent (250 ok)");
        assert_eq!(a.scope, Scope::Outbound);
        let a = attempt("Jan 27 06:36:56 mail postfix/slowlane[1]: ABCDE12345: to=<a@b.com>, relay=mx.b.com[1.2.3.4]:25, delay=1, dsn=2.0.0, status=sent (250 ok)");
        assert_eq!(a.status, AttemptStatus::Sent);
    }
}
