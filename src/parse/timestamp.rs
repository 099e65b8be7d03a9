//! Timestamps of log lines: RFC 3339 and traditional syslog (no year, local
//! time) into Unix seconds, and Unix seconds back into dates for reports.

use jiff::tz::TimeZone;
use std::cell::Cell;

/// Days since 1970-01-01 of a proleptic Gregorian date (the usual era-based
/// arithmetic: shift the year to start in March so the leap day is last).
pub fn days_from_civil(year: i64, month: u32, day: u32) -> i64 {
    let y = if month <= 2 { year - 1 } else { year };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (month as i64 + 9) % 12;
    let doy = (153 * mp + 2) / 5 + day as i64 - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// The inverse of [`days_from_civil`]: (year, month, day).
pub fn civil_from_days(days: i64) -> (i64, u32, u32) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let month = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    let year = yoe + era * 400 + i64::from(month <= 2);
    (year, month, day)
}

/// `2026-11-20` for a Unix time.
pub fn format_day(ts: i64) -> String {
    let (y, m, d) = civil_from_days(ts.div_euclid(86_400));
    format!("{y:04}-{m:02}-{d:02}")
}

/// `2026-11-20T08:01:02Z` for a Unix time.
pub fn format_rfc3339(ts: i64) -> String {
    let (y, m, d) = civil_from_days(ts.div_euclid(86_400));
    let s = ts.rem_euclid(86_400);
    format!(
        "{y:04}-{m:02}-{d:02}T{:02}:{:02}:{:02}Z",
        s / 3600,
        s / 60 % 60,
        s % 60
    )
}

thread_local! {
    /// The last `YYYY-MM-DD` read on this thread and its day number: the lines
    /// of a log share their date for a whole day.
    static LAST_DATE: Cell<([u8; 10], i64)> = const { Cell::new(([0; 10], 0)) };
}

/// Days since 1970-01-01 of a `YYYY-MM-DD` date (`None` if it is not one).
fn rfc3339_days(date: &[u8]) -> Option<i64> {
    let date: [u8; 10] = date.try_into().ok()?;
    let (last, days) = LAST_DATE.get();
    // The zeroed start value is no date, so it never matches a real one.
    if last == date {
        return Some(days);
    }
    let year = two_digits(date[0], date[1])? * 100 + two_digits(date[2], date[3])?;
    let month = two_digits(date[5], date[6])?;
    let day = two_digits(date[8], date[9])?;
    if !(1..=12).contains(&month) || !(1..=31).contains(&day) {
        return None;
    }
    let days = days_from_civil(i64::from(year), month, day);
    LAST_DATE.set((date, days));
    Some(days)
}

/// Parses an RFC 3339 timestamp at the start of `b` (`2024-08-26T01:33:38.572449+00:00`,
/// `...Z`, or with a space instead of `T`). Returns Unix seconds and the bytes
/// consumed. A timestamp without an offset is taken as UTC.
pub fn parse_rfc3339(b: &[u8]) -> Option<(i64, usize)> {
    if b.len() < 19 || b[4] != b'-' || b[7] != b'-' || !matches!(b[10], b'T' | b't' | b' ') {
        return None;
    }
    if b[13] != b':' || b[16] != b':' {
        return None;
    }
    let days = rfc3339_days(&b[..10])?;
    let (h, mi, s) = (
        two_digits(b[11], b[12])?,
        two_digits(b[14], b[15])?,
        two_digits(b[17], b[18])?,
    );
    if h > 23 || mi > 59 || s > 60 {
        return None;
    }
    let mut i = 19;
    if i < b.len() && (b[i] == b'.' || b[i] == b',') {
        i += 1;
        while i < b.len() && b[i].is_ascii_digit() {
            i += 1;
        }
    }
    let mut offset = 0i64;
    if i < b.len() {
        match b[i] {
            b'Z' | b'z' => i += 1,
            sign @ (b'+' | b'-') if b.len() >= i + 3 => {
                let oh = two_digits(b[i + 1], b[i + 2])?;
                let mut j = i + 3;
                let mut om = 0;
                if b.len() >= j + 3 && b[j] == b':' {
                    om = two_digits(b[j + 1], b[j + 2])?;
                    j += 3;
                } else if b.len() >= j + 2 && b[j].is_ascii_digit() {
                    om = two_digits(b[j], b[j + 1])?;
                    j += 2;
                }
                offset = i64::from(oh * 3600 + om * 60);
                if sign == b'-' {
                    offset = -offset;
                }
                i = j;
            }
            _ => {}
        }
    }
    let secs = days * 86_400 + i64::from(h * 3600 + mi * 60 + s) - offset;
    Some((secs, i))
}

/// The length of an RFC 3339 timestamp at the start of `b` (up to the first
/// space), checking the separators of its date and time only: this runs for
/// every line, and the rest is checked by [`parse_rfc3339`] when (and if) the
/// line's time is needed.
pub fn rfc3339_len(b: &[u8]) -> Option<usize> {
    let shape_ok = b.len() >= 19
        && b[4] == b'-'
        && b[7] == b'-'
        && (b[10] == b'T' || b[10] == b't')
        && b[13] == b':'
        && b[16] == b':';
    if !shape_ok {
        return None;
    }
    // A fraction and an offset follow at most: a short scan.
    Some(crate::parse::scan::find_any(b, 19, [b' ']).unwrap_or(b.len()))
}

/// Month number of a three-letter English month abbreviation. A `match` on
/// the three bytes: it runs for every line of a traditional syslog file.
pub fn month_number(b: &[u8]) -> Option<u32> {
    let m: [u8; 3] = b.get(..3)?.try_into().ok()?;
    Some(match &m {
        b"Jan" => 1,
        b"Feb" => 2,
        b"Mar" => 3,
        b"Apr" => 4,
        b"May" => 5,
        b"Jun" => 6,
        b"Jul" => 7,
        b"Aug" => 8,
        b"Sep" => 9,
        b"Oct" => 10,
        b"Nov" => 11,
        b"Dec" => 12,
        _ => return None,
    })
}

/// The value of two ASCII digits.
#[inline]
fn two_digits(a: u8, b: u8) -> Option<u32> {
    let (tens, ones) = (a.wrapping_sub(b'0'), b.wrapping_sub(b'0'));
    if tens < 10 && ones < 10 {
        Some(u32::from(tens) * 10 + u32::from(ones))
    } else {
        None
    }
}

/// A traditional syslog date without a year: `Nov 20 08:01:02` (day space- or
/// zero-padded).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SyslogTime {
    pub month: u32,
    pub day: u32,
    pub secs_of_day: u32,
}

/// Parses `Mmm dd HH:MM:SS` at the start of `b` (the day space-padded,
/// zero-padded, or not padded at all: `Mar 7 02:09:33`), returning the date and
/// the bytes consumed (a fraction after the seconds is consumed and ignored).
pub fn parse_syslog(b: &[u8]) -> Option<(SyslogTime, usize)> {
    if b.len() < 14 || b[3] != b' ' || !b[0].is_ascii_uppercase() {
        return None;
    }
    let month = month_number(b)?;
    let (day, at) = match (b[4], b[5]) {
        (b' ', d) => (two_digits(b'0', d)?, 7),
        (d, b' ') => (two_digits(b'0', d)?, 6),
        (a, d) => (two_digits(a, d)?, 7),
    };
    let t = b.get(at..at + 8)?;
    if b[at - 1] != b' ' || t[2] != b':' || t[5] != b':' || !(1..=31).contains(&day) {
        return None;
    }
    let (h, m, s) = (
        two_digits(t[0], t[1])?,
        two_digits(t[3], t[4])?,
        two_digits(t[6], t[7])?,
    );
    if h > 23 || m > 59 || s > 60 {
        return None;
    }
    let mut used = at + 8;
    if b.len() > used && b[used] == b'.' {
        used += 1;
        while used < b.len() && b[used].is_ascii_digit() {
            used += 1;
        }
    }
    Some((
        SyslogTime {
            month,
            day,
            secs_of_day: h * 3600 + m * 60 + s,
        },
        used,
    ))
}

/// Days a line may lie after the reference date and still be of its year:
/// lines can be a little out of order (a delayed expiry line, merged logs),
/// but a date months after the last line can only be from the year before.
const OUT_OF_ORDER_DAYS: i64 = 31;

/// Days a log's last line may be dated after its modification time, read
/// in our zone: the writer's zone may be ahead of ours by up to 26 hours
/// (UTC+14 against UTC-12), two calendar days at most.
const ZONE_SLACK_DAYS: i64 = 2;

/// Turns year-less local syslog dates into Unix seconds.
///
/// The year comes from a reference date: the last line's date, in the year
/// of the file's modification time (or `--year`, the year of the last line,
/// for every kind of input: see `crate::input::open_with`). A
/// line whose month/day lies more than a month after the reference belongs to
/// the year before: this is what makes a log that runs from December into
/// January come out right.
#[derive(Debug, Clone)]
pub struct SyslogClock {
    ref_year: i64,
    ref_month: u32,
    ref_day: u32,
    tz: TimeZone,
    /// Last (naive hour, offset seconds) looked up: offsets change rarely, and
    /// looking them up per line would be the slowest part of a parse.
    cache: Cell<(i64, i64)>,
}

impl SyslogClock {
    /// `reference` is the Unix time the log was last written (mtime or now).
    pub fn new(reference: i64, tz: TimeZone) -> SyslogClock {
        let local = reference + Self::offset_of(&tz, reference);
        let (y, m, d) = civil_from_days(local.div_euclid(86_400));
        SyslogClock {
            ref_year: y,
            ref_month: m,
            ref_day: d,
            tz,
            cache: Cell::new((i64::MIN, 0)),
        }
    }

    /// A clock whose reference is a given year (`--year`), optionally refined by
    /// the month and day of the log's last line.
    pub fn for_year(year: i64, last: Option<SyslogTime>, tz: TimeZone) -> SyslogClock {
        let (m, d) = last.map_or((12, 31), |t| (t.month, t.day));
        SyslogClock {
            ref_year: year,
            ref_month: m,
            ref_day: d,
            tz,
            cache: Cell::new((i64::MIN, 0)),
        }
    }

    /// Moves the reference to the date of the log's last line, in the year
    /// that puts it last on or before the reference date (the file's
    /// modification time) give or take [`ZONE_SLACK_DAYS`]: the line's date
    /// is in the writer's zone, the reference in ours. So a file written on
    /// Jan 1 about Dec 31 is of the year before, and a last line of Jan 1
    /// read where it is still Dec 31 is of the year after.
    pub fn refine_with_last_line(&mut self, last: SyslogTime) {
        let reference = days_from_civil(self.ref_year, self.ref_month, self.ref_day);
        self.ref_year = (self.ref_year - 1..=self.ref_year + 1)
            .rev()
            .find(|&y| days_from_civil(y, last.month, last.day) <= reference + ZONE_SLACK_DAYS)
            .unwrap_or(self.ref_year - 1);
        self.ref_month = last.month;
        self.ref_day = last.day;
    }

    fn offset_of(tz: &TimeZone, ts: i64) -> i64 {
        match jiff::Timestamp::from_second(ts) {
            Ok(t) => i64::from(tz.to_offset(t).seconds()),
            Err(_) => 0,
        }
    }

    /// Unix seconds of a syslog date.
    pub fn resolve(&self, t: SyslogTime) -> i64 {
        let after = days_from_civil(self.ref_year, t.month, t.day)
            - days_from_civil(self.ref_year, self.ref_month, self.ref_day);
        let year = if after > OUT_OF_ORDER_DAYS {
            self.ref_year - 1
        } else {
            self.ref_year
        };
        let naive = days_from_civil(year, t.month, t.day) * 86_400 + i64::from(t.secs_of_day);
        let hour = naive.div_euclid(3600);
        let (cached_hour, cached_offset) = self.cache.get();
        let offset = if cached_hour == hour {
            cached_offset
        } else {
            let offset = self.local_offset(naive);
            self.cache.set((hour, offset));
            offset
        };
        naive - offset
    }

    /// Unix seconds of a wall-clock time written without a zone (Exim's
    /// `2020-06-19 04:51:49`, zone-less ESP dates), read in the same time zone
    /// as syslog dates. `naive` is the wall-clock time counted as if it were UTC.
    pub fn resolve_local(&self, naive: i64) -> i64 {
        let hour = naive.div_euclid(3600);
        let (cached_hour, cached_offset) = self.cache.get();
        let offset = if cached_hour == hour {
            cached_offset
        } else {
            let offset = self.local_offset(naive);
            self.cache.set((hour, offset));
            offset
        };
        naive - offset
    }

    fn local_offset(&self, naive: i64) -> i64 {
        // Offset at the naive instant read as UTC, corrected once: exact except
        // within an hour of a DST change, where syslog times are ambiguous anyway.
        let first = Self::offset_of(&self.tz, naive);
        Self::offset_of(&self.tz, naive - first)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The remembered date never leaks into another: alternating dates, and
    /// bad dates between good ones, each come out as if read alone.
    #[test]
    fn remembered_date_is_only_used_for_the_same_date() {
        let stamps: [&[u8]; 6] = [
            b"2026-11-01T00:00:00Z",
            b"2026-11-02T00:00:00Z",
            b"2026-11-01T23:59:59+01:00",
            b"2026-13-01T00:00:00Z",
            b"2026-11-01T00:00:00Z",
            b"2026-02-30T00:00:00Z",
        ];
        let want = [
            Some(1_793_491_200),
            Some(1_793_577_600),
            Some(1_793_573_999),
            None,
            Some(1_793_491_200),
            // days_from_civil is proleptic: Feb 30 is Mar 2, as before.
            Some(1_772_409_600),
        ];
        for _ in 0..2 {
            for (stamp, want) in stamps.iter().zip(want) {
                assert_eq!(
                    parse_rfc3339(stamp).map(|(t, _)| t),
                    want,
                    "{}",
                    String::from_utf8_lossy(stamp)
                );
            }
        }
    }

    #[test]
    fn civil_round_trip() {
        for days in [-800_000i64, -1, 0, 1, 10_957, 20_000, 20_778, 2_000_000] {
            let (y, m, d) = civil_from_days(days);
            assert_eq!(days_from_civil(y, m, d), days);
        }
        assert_eq!(days_from_civil(2000, 3, 1), 11_017);
        assert_eq!(format_rfc3339(1_700_000_000), "2023-11-14T22:13:20Z");
        assert_eq!(format_day(1_700_000_000), "2023-11-14");
    }

    #[test]
    fn rfc3339_forms() {
        let (t, n) = parse_rfc3339(b"2024-08-26T01:33:38.572449+00:00 host").unwrap();
        assert_eq!((t, n), (1_724_636_018, 32));
        let (t2, _) = parse_rfc3339(b"2021-05-16T00:01:42.278515+02:00").unwrap();
        assert_eq!(format_rfc3339(t2), "2021-05-15T22:01:42Z");
        let (t3, n3) = parse_rfc3339(b"2021-03-06T06:09:00.000Z Mar").unwrap();
        assert_eq!((format_rfc3339(t3).as_str(), n3), ("2021-03-06T06:09:00Z", 24));
        assert_eq!(parse_rfc3339(b"2021-13-06T06:09:00Z"), None);
        assert_eq!(parse_rfc3339(b"Nov 20 08:01:02"), None);
    }

    #[test]
    fn rfc3339_shape() {
        assert_eq!(rfc3339_len(b"2024-08-26T01:33:38.572449+00:00 host"), Some(32));
        assert_eq!(rfc3339_len(b"2021-03-06T06:09:00.000Z Mar"), Some(24));
        assert_eq!(rfc3339_len(b"2021-03-06T06:09:00+0200 x"), Some(24));
        assert_eq!(rfc3339_len(b"2021-03-06T06:09:00 x"), Some(19));
        assert_eq!(rfc3339_len(b"2021-03-06 06:09:00 x"), None);
        assert_eq!(parse_rfc3339(b"2021-03-06T06:09:00+02:x0"), None);
        // Digits are checked when the time is read, not here.
        assert_eq!(parse_rfc3339(b"2021-0x-06T06:09:00Z"), None);
    }

    #[test]
    fn syslog_forms() {
        let (t, n) = parse_syslog(b"Jun  3 07:08:59 host").unwrap();
        assert_eq!((t.month, t.day, t.secs_of_day, n), (6, 3, 25_739, 15));
        let (t, _) = parse_syslog(b"Jun 04 00:00:01 host").unwrap();
        assert_eq!(t.day, 4);
        let (t, n) = parse_syslog(b"Mar 7 02:09:33 server").unwrap();
        assert_eq!((t.day, t.secs_of_day, n), (7, 2 * 3600 + 9 * 60 + 33, 14));
        assert_eq!(parse_syslog(b"Foo 04 00:00:01 host"), None);
        assert_eq!(parse_syslog(b"Jun 04 25:00:01 host"), None);
    }

    #[test]
    fn year_rolls_back_for_months_after_the_reference() {
        // Written on 2026-01-02: December lines are from 2025.
        let reference = days_from_civil(2026, 1, 2) * 86_400 + 3600;
        let clock = SyslogClock::new(reference, TimeZone::UTC);
        let dec = SyslogTime {
            month: 12,
            day: 31,
            secs_of_day: 0,
        };
        let jan = SyslogTime {
            month: 1,
            day: 1,
            secs_of_day: 0,
        };
        assert_eq!(format_day(clock.resolve(dec)), "2025-12-31");
        assert_eq!(format_day(clock.resolve(jan)), "2026-01-01");
    }

    #[test]
    fn lines_a_little_after_the_reference_keep_its_year() {
        let last = SyslogTime {
            month: 11,
            day: 20,
            secs_of_day: 0,
        };
        let clock = SyslogClock::for_year(2026, Some(last), TimeZone::UTC);
        let later = SyslogTime {
            month: 11,
            day: 25,
            secs_of_day: 0,
        };
        assert_eq!(format_day(clock.resolve(later)), "2026-11-25");
        let much_later = SyslogTime {
            month: 12,
            day: 28,
            secs_of_day: 0,
        };
        assert_eq!(format_day(clock.resolve(much_later)), "2025-12-28");
    }

    #[test]
    fn explicit_year_with_last_line() {
        let last = SyslogTime {
            month: 1,
            day: 2,
            secs_of_day: 0,
        };
        let clock = SyslogClock::for_year(2026, Some(last), TimeZone::UTC);
        let dec = SyslogTime {
            month: 12,
            day: 30,
            secs_of_day: 0,
        };
        assert_eq!(format_day(clock.resolve(dec)), "2025-12-30");
        assert_eq!(format_day(clock.resolve(last)), "2026-01-02");
    }

    fn at(month: u32, day: u32) -> SyslogTime {
        SyslogTime {
            month,
            day,
            secs_of_day: 3600,
        }
    }

    /// The last line's year is the one that puts it on or just before the
    /// modification date, across the new year either way.
    #[test]
    fn the_last_line_takes_the_year_nearest_before_the_file_time() {
        let cases = [
            // (mtime day, last line, its year)
            ((2026, 12, 31), (1, 1), 2027),
            ((2026, 12, 30), (1, 1), 2027),
            ((2026, 12, 31), (12, 31), 2026),
            ((2027, 1, 1), (12, 31), 2026),
            ((2027, 1, 2), (1, 1), 2027),
            ((2026, 11, 20), (11, 20), 2026),
            ((2026, 11, 20), (1, 1), 2026),
            ((2026, 11, 20), (12, 31), 2025),
        ];
        for ((y, m, d), (lm, ld), want) in cases {
            let mtime = days_from_civil(y, m, d) * 86_400 + 12 * 3600;
            let mut clock = SyslogClock::new(mtime, TimeZone::UTC);
            clock.refine_with_last_line(at(lm, ld));
            assert_eq!(
                format_day(clock.resolve(at(lm, ld)))[..4].parse::<i64>().unwrap(),
                want,
                "mtime {y}-{m}-{d}, last {lm}-{ld}"
            );
        }
    }

    #[test]
    fn local_time_zone_is_applied() {
        let tz = TimeZone::get("Europe/Berlin").unwrap();
        let reference = days_from_civil(2026, 12, 31) * 86_400;
        let clock = SyslogClock::new(reference, tz);
        let summer = SyslogTime {
            month: 7,
            day: 1,
            secs_of_day: 12 * 3600,
        };
        let winter = SyslogTime {
            month: 1,
            day: 1,
            secs_of_day: 12 * 3600,
        };
        assert_eq!(format_rfc3339(clock.resolve(summer)), "2026-07-01T10:00:00Z");
        assert_eq!(format_rfc3339(clock.resolve(winter)), "2026-01-01T11:00:00Z");
    }
}
