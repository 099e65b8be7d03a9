//! Every timestamp shape the ESP exports use: ISO 8601
//! with `T` or a space, any number of fraction digits, `Z`, `+hh:mm`, `+hhmm`
//! or ` +0000`; epoch seconds or milliseconds as numbers or strings, with or
//! without a fraction; RFC 2822; and zone-less wall-clock times, which are
//! read in the local time zone exactly like year-less syslog dates.

use crate::parse::timestamp::{days_from_civil, month_number};
use crate::parse::LineContext;
use serde_json::Value;

/// Epoch values at or above this are milliseconds (1e11 seconds is the year
/// 5138; Brevo's `ts_epoch` in milliseconds is around 1.7e12).
const MILLIS_FROM: f64 = 1e11;

/// Unix seconds of a JSON timestamp value (number or string).
pub fn value_ts(v: &Value, ctx: &LineContext) -> Option<i64> {
    match v {
        Value::Number(n) => n.as_f64().and_then(epoch),
        Value::String(s) => text_ts(s, ctx),
        _ => None,
    }
}

fn epoch(f: f64) -> Option<i64> {
    if !f.is_finite() || f < 0.0 {
        return None;
    }
    let secs = if f >= MILLIS_FROM { f / 1000.0 } else { f };
    // Beyond the year 9999 a value is no timestamp.
    (secs < 253_402_300_800.0).then_some(secs.floor() as i64)
}

/// Unix seconds of a timestamp written as text, in any of the shapes above.
pub fn text_ts(s: &str, ctx: &LineContext) -> Option<i64> {
    let s = s.trim();
    if s.is_empty() {
        return None;
    }
    if s.bytes().all(|c| c.is_ascii_digit() || c == b'.') && s.bytes().filter(|&c| c == b'.').count() <= 1 {
        return s.parse::<f64>().ok().and_then(epoch);
    }
    let (naive, offset) = iso(s.as_bytes()).or_else(|| rfc2822(s.as_bytes()))?;
    Some(match offset {
        Some(offset) => naive - offset,
        None => ctx.clock.resolve_local(naive),
    })
}

fn num(b: &[u8]) -> Option<i64> {
    if b.is_empty() || b.len() > 4 || !b.iter().all(u8::is_ascii_digit) {
        return None;
    }
    Some(b.iter().fold(0, |n, &c| n * 10 + i64::from(c - b'0')))
}

/// Seconds since the epoch of a wall-clock date and time, checked.
fn naive(year: i64, month: i64, day: i64, h: i64, m: i64, s: i64) -> Option<i64> {
    if !(1..=12).contains(&month) || !(1..=31).contains(&day) || h > 23 || m > 59 || s > 60 {
        return None;
    }
    Some(days_from_civil(year, month as u32, day as u32) * 86_400 + h * 3600 + m * 60 + s)
}

/// A zone at the start of `b` (after optional spaces): `Z`, `UTC`, `GMT`,
/// `UT`, `±hh:mm`, `±hhmm`, `±hh`, or a North American abbreviation of RFC
/// 2822. `Some(None)`: nothing but spaces (no zone); `None`: not a zone.
fn zone(b: &[u8]) -> Option<Option<i64>> {
    let b = b.trim_ascii();
    if b.is_empty() {
        return Some(None);
    }
    let named = match b.to_ascii_uppercase().as_slice() {
        b"Z" | b"UT" | b"UTC" | b"GMT" => Some(0),
        b"EST" => Some(-5),
        b"EDT" => Some(-4),
        b"CST" => Some(-6),
        b"CDT" => Some(-5),
        b"MST" => Some(-7),
        b"MDT" => Some(-6),
        b"PST" => Some(-8),
        b"PDT" => Some(-7),
        _ => None,
    };
    if let Some(h) = named {
        return Some(Some(h * 3600));
    }
    let (sign, rest) = match b[0] {
        b'+' => (1, &b[1..]),
        b'-' => (-1, &b[1..]),
        _ => return None,
    };
    let (h, m) = match rest.len() {
        2 => (num(rest)?, 0),
        4 => (num(&rest[..2])?, num(&rest[2..])?),
        5 if rest[2] == b':' => (num(&rest[..2])?, num(&rest[3..])?),
        _ => return None,
    };
    (h <= 14 && m < 60).then_some(Some(sign * (h * 3600 + m * 60)))
}

/// `2016-04-27T16:28:50.3963933-04:00`, `2018-10-08T14:05:45 +0000`,
/// `2021-08-23 06:56:32.087`, `2026-03-02T09:00:02.874Z`, `2024-03-01 09:00`.
fn iso(b: &[u8]) -> Option<(i64, Option<i64>)> {
    if b.len() < 16 || b[4] != b'-' || b[7] != b'-' || !matches!(b[10], b'T' | b't' | b' ') || b[13] != b':' {
        return None;
    }
    let (year, month, day) = (num(&b[0..4])?, num(&b[5..7])?, num(&b[8..10])?);
    let (h, m) = (num(&b[11..13])?, num(&b[14..16])?);
    let mut i = 16;
    let mut s = 0;
    if b.get(i) == Some(&b':') {
        s = num(b.get(i + 1..i + 3)?)?;
        i += 3;
    }
    if matches!(b.get(i), Some(b'.' | b',')) {
        i += 1;
        while b.get(i).is_some_and(u8::is_ascii_digit) {
            i += 1;
        }
    }
    let offset = zone(&b[i..])?;
    Some((naive(year, month, day, h, m, s)?, offset))
}

/// `Fri, 21 Oct 2011 11:02:55 GMT`, `21 Oct 2011 11:02 +0000`, `Wed, 27 Jan 2016 14:05:45 +0000`.
fn rfc2822(b: &[u8]) -> Option<(i64, Option<i64>)> {
    let text = std::str::from_utf8(b).ok()?;
    let text = match text.find(',') {
        Some(comma) => &text[comma + 1..],
        None => text,
    };
    let mut words = text.split_ascii_whitespace();
    let day = num(words.next()?.as_bytes())?;
    let month = i64::from(month_number(words.next()?.as_bytes())?);
    let year = match num(words.next()?.as_bytes())? {
        y if y < 50 => 2000 + y,
        y if y < 100 => 1900 + y,
        y => y,
    };
    let time: Vec<&str> = words.next()?.split(':').collect();
    let (h, m) = (num(time.first()?.as_bytes())?, num(time.get(1)?.as_bytes())?);
    let s = match time.get(2) {
        Some(s) => num(s.as_bytes())?,
        None => 0,
    };
    let offset = match words.next() {
        Some(z) => zone(z.as_bytes())?,
        None => None,
    };
    Some((naive(year, month, day, h, m, s)?, offset))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::parse::timestamp::{format_rfc3339, SyslogClock};
    use jiff::tz::TimeZone;

    fn at(s: &str, tz: TimeZone) -> Option<String> {
        let clock = SyslogClock::for_year(2026, None, tz);
        let ctx = LineContext {
            clock: &clock,
            classifier: crate::classify::Rules::Builtin,
        };
        text_ts(s, &ctx).map(format_rfc3339)
    }

    fn utc(s: &str) -> Option<String> {
        at(s, TimeZone::UTC)
    }

    #[test]
    fn every_shape_of_esp_formats_md() {
        let cases = [
            ("2017-08-05T00:41:02.669Z", "2017-08-05T00:41:02Z"),
            ("2018-10-08T14:05:45 +0000", "2018-10-08T14:05:45Z"),
            ("2016-04-27T16:28:50.3963933-04:00", "2016-04-27T20:28:50Z"),
            ("2026-03-02T10:02:00-05:00", "2026-03-02T15:02:00Z"),
            ("2018-10-11T23:24:45.000+00:00", "2018-10-11T23:24:45Z"),
            ("2021-08-23 06:56:32.087", "2021-08-23T06:56:32Z"),
            ("1461095246", "2016-04-19T19:47:26Z"),
            ("1534108637.153125", "2018-08-12T21:17:17Z"),
            ("1520363423000", "2018-03-06T19:10:23Z"),
            ("Fri, 21 Oct 2011 11:02:55 GMT", "2011-10-21T11:02:55Z"),
            ("Wed, 27 Jan 2016 14:05:45 +0000", "2016-01-27T14:05:45Z"),
            ("21 Oct 2011 11:02:55 -0700", "2011-10-21T18:02:55Z"),
            ("2026-03-02 09:05:12", "2026-03-02T09:05:12Z"),
            ("2024-03-01 09:00", "2024-03-01T09:00:00Z"),
        ];
        for (text, want) in cases {
            assert_eq!(utc(text).as_deref(), Some(want), "{text}");
        }
        for bad in [
            "",
            "soon",
            "2026-13-02 09:05:12",
            "2026-03-02T09:05:12 +99",
            "-5",
            "1.2.3",
        ] {
            assert_eq!(utc(bad), None, "{bad}");
        }
    }

    #[test]
    fn zone_less_times_are_local() {
        let berlin = TimeZone::get("Europe/Berlin").unwrap();
        assert_eq!(
            at("2026-03-02 09:05:12", berlin.clone()).as_deref(),
            Some("2026-03-02T08:05:12Z")
        );
        assert_eq!(
            at("2026-07-02 09:05:12", berlin.clone()).as_deref(),
            Some("2026-07-02T07:05:12Z")
        );
        // An explicit zone is not touched by the local one.
        assert_eq!(
            at("2026-07-02T09:05:12Z", berlin).as_deref(),
            Some("2026-07-02T09:05:12Z")
        );
    }

    #[test]
    fn json_numbers_and_strings() {
        let clock = SyslogClock::for_year(2026, None, TimeZone::UTC);
        let ctx = LineContext {
            clock: &clock,
            classifier: crate::classify::Rules::Builtin,
        };
        let v: Value = serde_json::json!([
            1_461_095_246,
            1_534_108_637.153_125,
            "1454442600",
            1_520_363_423_000_i64,
            true
        ]);
        let got: Vec<Option<i64>> = v.as_array().unwrap().iter().map(|v| value_ts(v, &ctx)).collect();
        assert_eq!(
            got,
            [
                Some(1_461_095_246),
                Some(1_534_108_637),
                Some(1_454_442_600),
                Some(1_520_363_423),
                None
            ]
        );
    }
}
