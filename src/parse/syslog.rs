//! The syslog wrapper around a program's message: timestamp (traditional,
//! RFC 3339, or docker's both), host, program name, pid, message.

use crate::parse::scan::find_any;
use crate::parse::timestamp::{parse_rfc3339, parse_syslog, rfc3339_len, SyslogTime};

/// When a line was written, as far as the line says. An RFC 3339 stamp is kept
/// as text and turned into seconds only for lines that become events: most
/// lines never need their time.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LineTime<'a> {
    /// RFC 3339 text (checked for shape, not yet converted).
    Rfc3339(&'a [u8]),
    /// A traditional syslog date: no year, local time.
    Syslog(SyslogTime),
    /// Unix seconds: journalctl's `-o short-unix` (`1796540640.123456`), or
    /// `-o short-full` in UTC.
    Unix(i64),
    /// A full date in a named zone (journalctl's `-o short-full`,
    /// `Sun 2026-12-06 08:04:00 CET`): the wall-clock time counted as if it
    /// were UTC, read in the local zone like syslog dates (a zone name such
    /// as `CET` or `EST` is not an offset).
    Local(i64),
}

impl LineTime<'_> {
    /// Unix seconds of an RFC 3339 stamp; `None` for syslog dates (they need
    /// a [`crate::parse::timestamp::SyslogClock`]).
    pub fn absolute(&self) -> Option<i64> {
        match self {
            LineTime::Rfc3339(b) => parse_rfc3339(b).map(|(t, _)| t),
            LineTime::Unix(t) => Some(*t),
            LineTime::Syslog(_) | LineTime::Local(_) => None,
        }
    }
}

/// A line split into its syslog parts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SyslogLine<'a> {
    pub time: LineTime<'a>,
    pub host: &'a [u8],
    /// `postfix/smtp`, `postfix-out/submission/smtpd`, `dovecot`.
    pub program: &'a [u8],
    /// What the program wrote, after `prog[pid]: `.
    pub message: &'a [u8],
}

/// The timestamp that leads a line and the bytes it takes (with the space after).
pub fn leading_time(line: &[u8]) -> Option<(LineTime<'_>, usize)> {
    let first = *line.first()?;
    if first.is_ascii_digit() {
        let Some(len) = rfc3339_len(line) else {
            return unix_time(line);
        };
        let stamp = &line[..len];
        let mut used = len + skip_spaces(&line[len..]);
        // docker/k8s put their own RFC 3339 stamp in front of the syslog one
        // (`Mar  6 ...`: a capital, then a space after three letters).
        let rest = &line[used..];
        let may_be_syslog = rest.first().is_some_and(u8::is_ascii_uppercase) && rest.get(3) == Some(&b' ');
        if let Some((_, inner)) = may_be_syslog.then(|| parse_syslog(rest)).flatten() {
            used += inner;
            used += skip_spaces(&line[used..]);
        }
        Some((LineTime::Rfc3339(stamp), used))
    } else {
        let Some((t, mut used)) = parse_syslog(line) else {
            return full_time(line);
        };
        used += skip_spaces(&line[used..]);
        Some((LineTime::Syslog(t), used))
    }
}

/// journalctl's `-o short-unix` stamp, `1796540640.123456 `: seconds, a
/// fraction, a space.
fn unix_time(line: &[u8]) -> Option<(LineTime<'_>, usize)> {
    let secs = line.iter().take_while(|c| c.is_ascii_digit()).count();
    if !(9..=12).contains(&secs) || line.get(secs) != Some(&b'.') {
        return None;
    }
    let frac = line[secs + 1..].iter().take_while(|c| c.is_ascii_digit()).count();
    let end = secs + 1 + frac;
    if frac == 0 || line.get(end) != Some(&b' ') {
        return None;
    }
    let t = line[..secs]
        .iter()
        .fold(0i64, |n, &c| n * 10 + i64::from(c - b'0'));
    Some((LineTime::Unix(t), end + 1 + skip_spaces(&line[end + 1..])))
}

/// journalctl's `-o short-full` stamp, `Sun 2026-12-06 07:04:00 UTC `: a
/// weekday, a date and time, a zone name (UTC and GMT are absolute, any
/// other name is the local zone's).
fn full_time(line: &[u8]) -> Option<(LineTime<'_>, usize)> {
    let day = line.get(..4)?;
    if !day[..3].iter().all(u8::is_ascii_alphabetic) || day[3] != b' ' {
        return None;
    }
    let stamp = line.get(4..23)?;
    if stamp[10] != b' ' {
        return None;
    }
    let mut iso = [0u8; 19];
    iso.copy_from_slice(stamp);
    iso[10] = b'T';
    // Read as UTC; a fraction (`-o short-full` has none) is not expected.
    let (naive, used) = parse_rfc3339(&iso)?;
    if used != 19 || line.get(23) != Some(&b' ') {
        return None;
    }
    let zone_len = line[24..].iter().take_while(|&&c| c != b' ').count();
    let zone = &line[24..24 + zone_len];
    if zone.is_empty() || line.get(24 + zone_len) != Some(&b' ') {
        return None;
    }
    let time = match zone {
        b"UTC" | b"GMT" | b"Z" => LineTime::Unix(naive),
        _ => LineTime::Local(naive),
    };
    let used = 24 + zone_len + 1;
    Some((time, used + skip_spaces(&line[used..])))
}

fn skip_spaces(b: &[u8]) -> usize {
    b.iter().take_while(|&&c| c == b' ').count()
}

/// Splits `TIME HOST PROGRAM[PID]: MESSAGE`. `None` when the line has no
/// timestamp or no program tag. Runs for every line of every log.
///
/// Syslog daemons write one line of their own without a tag: `last message
/// repeated N times` (sysklogd, busybox; `--- last message repeated N times
/// ---` in some): it is split as the program `syslogd`, a known line of
/// another program, not one in no known form.
pub fn split(line: &[u8]) -> Option<SyslogLine<'_>> {
    let (time, at) = leading_time(line)?;
    let host_end = find_any(line, at, [b' '])?;
    let tag_start = host_end + 1;
    let repeat_notice = || {
        let rest = &line[tag_start.min(line.len())..];
        let rest = rest.strip_prefix(b"--- ").unwrap_or(rest);
        rest.starts_with(b"last message repeated ").then(|| SyslogLine {
            time,
            host: &line[at..host_end],
            program: b"syslogd",
            message: rest,
        })
    };
    // The program tag ends at `[pid]:` or `:`; it holds no spaces.
    let Some(tag_end) = find_any(line, tag_start, [b'[', b':', b' ']) else {
        return repeat_notice();
    };
    let mut i = tag_end;
    if line[i] == b'[' {
        i = find_any(line, i, [b']'])? + 1;
    }
    if line.get(i) != Some(&b':') || tag_end == tag_start {
        return repeat_notice();
    }
    i += 1;
    if line.get(i) == Some(&b' ') {
        i += 1;
    }
    Some(SyslogLine {
        time,
        host: &line[at..host_end],
        program: &line[tag_start..tag_end],
        message: &line[i..],
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_repeat_notice_is_a_line_of_syslogd() {
        for line in [
            &b"Nov 20 08:00:01 mx last message repeated 3 times"[..],
            b"Nov 20 08:00:01 mx --- last message repeated 2 times ---",
            b"2026-11-20T08:00:01+00:00 mx last message repeated 12 times",
        ] {
            let sl = split(line).expect("split");
            assert_eq!((sl.host, sl.program), (&b"mx"[..], &b"syslogd"[..]));
        }
        assert!(split(b"Nov 20 08:00:01 mx some words without a tag").is_none());
    }

    #[test]
    fn splits_traditional_lines() {
        let l = split(b"Jan 27 07:00:04 mail postfix/smtp[27806]: 2AA0F3004142: to=<a@b>").unwrap();
        assert_eq!(l.host, b"mail");
        assert_eq!(l.program, b"postfix/smtp");
        assert_eq!(l.message, b"2AA0F3004142: to=<a@b>");
        assert!(matches!(l.time, LineTime::Syslog(_)));
    }

    #[test]
    fn splits_rfc3339_and_docker_lines() {
        let l = split(b"2024-08-26T01:33:38.572449+00:00 mx postfix/submission/smtpd[9]: connect").unwrap();
        assert_eq!(
            (l.program, l.message),
            (&b"postfix/submission/smtpd"[..], &b"connect"[..])
        );
        assert_eq!(l.time.absolute(), Some(1_724_636_018));
        let l =
            split(b"2021-03-06T06:09:00.000Z Mar  6 07:08:59 mail postfix/qmgr[1]: ABC: removed").unwrap();
        assert_eq!((l.host, l.message), (&b"mail"[..], &b"ABC: removed"[..]));
    }

    #[test]
    fn rejects_lines_without_a_tag() {
        assert!(split(b"585BC3F: from=<>, status=expired, returned to sender").is_none());
        assert!(split(b"Jan 27 07:00:04 mail").is_none());
        assert!(split(b"Jan 27 07:00:04 mail no tag here").is_none());
        assert!(split(b"").is_none());
    }

    #[test]
    fn splits_journalctl_short_unix_and_full() {
        let l = split(b"1796540640.123456 mx postfix/smtp[123]: 1A2B: to=<a@b>").unwrap();
        assert_eq!(
            (l.time, l.host, l.program),
            (LineTime::Unix(1_796_540_640), &b"mx"[..], &b"postfix/smtp"[..])
        );
        let l = split(b"Sun 2026-12-06 07:04:00 UTC mx postfix/smtp[123]: 1A2B: to=<a@b>").unwrap();
        assert_eq!(
            (l.time.absolute(), l.message),
            (Some(1_796_540_640), &b"1A2B: to=<a@b>"[..])
        );
        let l = split(b"Sun 2026-12-06 08:04:00 CET mx postfix/qmgr[1]: x").unwrap();
        assert_eq!(l.time, LineTime::Local(1_796_544_240));
        assert!(split(b"1796540640 mx postfix/smtp[1]: x").is_none());
        assert!(split(b"Sun 2026-12-06 07:04:00 mx").is_none());
    }

    #[test]
    fn program_without_pid() {
        let l = split(b"Jan 27 06:36:56 mail dovecot: imap-login: Login").unwrap();
        assert_eq!(
            (l.program, l.message),
            (&b"dovecot"[..], &b"imap-login: Login"[..])
        );
    }
}
