//! `--format mailgun`: Mailgun's bounces import,
//! `address,code,error,created_at`: the SMTP code of the reply (550 when it
//! has no 5xx code), the reply text on one line, and an RFC 2822 date; every
//! address byte for byte.

use super::{one_line, Entry, Exporter, Head, Kept, Out};
use crate::parse::timestamp::civil_from_days;
use std::io;

pub struct Mailgun;

impl Exporter for Mailgun {
    fn csv(&self) -> bool {
        true
    }

    fn begin(&mut self, out: &mut Out<'_>, _head: &Head) -> io::Result<()> {
        out.row(&["address", "code", "error", "created_at"])
    }

    fn record(&mut self, out: &mut Out<'_>, e: &Entry<'_>) -> io::Result<Kept> {
        let diagnostic = e.diagnostic();
        let text = diagnostic.map_or(String::new(), |d| {
            one_line(&String::from_utf8_lossy(
                crate::parse::postfix::reply_for_display(d.as_bytes()),
            ))
        });
        let code = diagnostic
            .and_then(|d| crate::classify::codes::find_reply_code(d.as_bytes()))
            .filter(|c| (500..600).contains(c))
            .unwrap_or(550);
        let date = e.since().map(rfc2822).unwrap_or_default();
        out.row(&[e.address(), &code.to_string(), &text, &date])?;
        Ok(Kept::Written)
    }
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rfc2822_dates() {
        assert_eq!(rfc2822(1_772_442_003), "Mon, 02 Mar 2026 09:00:03 UTC");
        assert_eq!(rfc2822(0), "Thu, 01 Jan 1970 00:00:00 UTC");
    }
}
