//! Finding the SMTP reply code (`550`) and the RFC 3463 enhanced status code
//! (`5.1.1`) inside a diagnostic text.

use std::fmt;

/// An RFC 3463 enhanced status code `class.subject.detail`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Status {
    pub class: u8,
    pub subject: u16,
    pub detail: u16,
}

impl Status {
    /// Parses exactly `X.Y.Z` (class 2, 4 or 5; subject and detail of 1-3 digits).
    pub fn parse(b: &[u8]) -> Option<Status> {
        let (status, used) = status_at(b, 0)?;
        (used == b.len()).then_some(status)
    }
}

impl Status {
    /// Writes `X.Y.Z` into `buf` without allocating (a status is at most 9
    /// bytes: `5.123.123`).
    pub fn write_to(self, buf: &mut [u8; 16]) -> &str {
        use std::io::Write;
        let mut cursor = std::io::Cursor::new(&mut buf[..]);
        let _ = write!(cursor, "{}.{}.{}", self.class, self.subject, self.detail);
        let len = cursor.position() as usize;
        std::str::from_utf8(&buf[..len]).unwrap_or("")
    }
}

impl fmt::Display for Status {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}.{}.{}", self.class, self.subject, self.detail)
    }
}

fn number(b: &[u8], at: usize, max_digits: usize) -> Option<(u16, usize)> {
    let mut n = 0u16;
    let mut i = at;
    while i < b.len() && b[i].is_ascii_digit() && i - at < max_digits {
        n = n * 10 + u16::from(b[i] - b'0');
        i += 1;
    }
    if i == at || (i < b.len() && b[i].is_ascii_digit()) {
        return None;
    }
    Some((n, i))
}

/// A status code starting exactly at `at`; returns it and the index after it.
fn status_at(b: &[u8], at: usize) -> Option<(Status, usize)> {
    let class = *b.get(at)?;
    if !matches!(class, b'2' | b'4' | b'5') || b.get(at + 1) != Some(&b'.') {
        return None;
    }
    let (subject, i) = number(b, at + 2, 3)?;
    if b.get(i) != Some(&b'.') {
        return None;
    }
    let (detail, j) = number(b, i + 1, 3)?;
    Some((
        Status {
            class: class - b'0',
            subject,
            detail,
        },
        j,
    ))
}

/// The length of an enhanced status code (`5.7.1`, `#5.7.1`) at the start of
/// `b`, if there is one.
pub(crate) fn status_prefix(b: &[u8]) -> Option<usize> {
    let at = usize::from(b.first() == Some(&b'#'));
    let (_, end) = status_at(b, at)?;
    b.get(end)
        .is_none_or(|c| !c.is_ascii_alphanumeric() && *c != b'.')
        .then_some(end)
}

/// A status code starts a word; `550-5.1.1` (a multi-line reply) counts.
fn boundary_before(b: &[u8], at: usize) -> bool {
    match at.checked_sub(1).map(|i| b[i]) {
        None => true,
        Some(b'-') => at >= 2 && b[at - 2].is_ascii_digit(),
        Some(c) => !(c.is_ascii_alphanumeric() || c == b'.'),
    }
}

/// The first enhanced status code in the text that is not part of a longer
/// dotted number (an IP address or a version).
pub fn find_status(b: &[u8]) -> Option<Status> {
    let mut from = 0;
    while let Some(p) = memchr::memchr3(b'2', b'4', b'5', &b[from..]) {
        let at = from + p;
        if boundary_before(b, at) {
            if let Some((status, end)) = status_at(b, at) {
                let dotted_on = b.get(end) == Some(&b'.') && b.get(end + 1).is_some_and(u8::is_ascii_digit);
                if !dotted_on && b.get(end).is_none_or(|c| !c.is_ascii_alphanumeric()) {
                    return Some(status);
                }
            }
        }
        from = at + 1;
    }
    None
}

/// The first SMTP reply code in the text: three digits starting with 2, 4 or 5,
/// at a word start, followed by a space, `-`, or the end (`550-5.1.1 ...`).
/// The reply usually leads the text; elsewhere it follows a `:` or `(`.
pub fn find_reply_code(b: &[u8]) -> Option<u16> {
    let mut from = 0;
    while let Some(p) = memchr::memchr3(b'2', b'4', b'5', &b[from..]) {
        let at = from + p;
        let starts_word =
            at == 0 || matches!(b[at - 1], b' ' | b':' | b'(' | b'<' | b'"' | b'#' | b'\t' | b'[');
        if starts_word && b.len() >= at + 3 && b[at + 1].is_ascii_digit() && b[at + 2].is_ascii_digit() {
            let after = b.get(at + 3);
            if after.is_none_or(|c| matches!(c, b' ' | b'-' | b'\t' | b')' | b']' | b'"' | b',')) {
                let code = u16::from(b[at] - b'0') * 100
                    + u16::from(b[at + 1] - b'0') * 10
                    + u16::from(b[at + 2] - b'0');
                return Some(code);
            }
        }
        from = at + 1;
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_status_codes() {
        let s = |t: &str| find_status(t.as_bytes()).map(|s| s.to_string());
        assert_eq!(s("550-5.1.1 The email account"), Some("5.1.1".into()));
        assert_eq!(s("said: 550 5.7.606 Access denied"), Some("5.7.606".into()));
        assert_eq!(
            s("host 10.4.5.1[10.4.5.1] said: 451 4.7.1 x"),
            Some("4.7.1".into())
        );
        assert_eq!(s("from 5.1.1.1 then"), None);
        assert_eq!(s("(#5.1.1 - chkusr)"), Some("5.1.1".into()));
        assert_eq!(s("version 2.5.14"), Some("2.5.14".into()));
        assert_eq!(Status::parse(b"4.2.2").map(|s| s.detail), Some(2));
        assert_eq!(Status::parse(b"4.2.2x"), None);
        let mut buf = [0u8; 16];
        assert_eq!(
            Status::parse(b"5.123.123").unwrap().write_to(&mut buf),
            "5.123.123"
        );
    }

    #[test]
    fn finds_reply_codes() {
        assert_eq!(find_reply_code(b"550-5.1.1 The email"), Some(550));
        assert_eq!(
            find_reply_code(b"SMTP error after RCPT TO:<a@b>: 452 4.2.2 full"),
            Some(452)
        );
        assert_eq!(find_reply_code(b"delay=550x 421"), Some(421));
        assert_eq!(find_reply_code(b"Connection timed out"), None);
        assert_eq!(find_reply_code(b"5501 no"), None);
    }
}
