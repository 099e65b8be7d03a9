//! The one normal form of a recipient address, and what is not an address at
//! all. Every address that enters bouncectl goes through [`normalize`]: the
//! parsers (so the state and the reports hold one spelling) and every lookup
//! (`filter`, `history`, `unsuppress`, `--sources`), so that two spellings of
//! one mailbox are one key everywhere.
//!
//! The normal form: the local part lower-cased (as bouncectl always did), the
//! domain in ASCII, internationalised domains as IDNA A-labels (UTS 46:
//! `bücher.example` becomes `xn--bcher-kva.example`, the form DNS and the
//! SMTP envelope of a non-SMTPUTF8 server use). An all-ASCII address, nearly
//! every one, never reaches the IDNA code: lower-casing ASCII is its normal
//! form already.
//!
//! Not an address (counted and warned about by the parsers, never stored,
//! never suppressed): bytes that are not UTF-8 (SMTP carries ASCII, or UTF-8
//! with SMTPUTF8, nothing else, so any other byte is damage and replacing it
//! would merge distinct addresses); control characters (C0 including NUL and
//! ESC, DEL, C1); and anything longer than RFC 5321 §4.5.3.1 allows: a local
//! part of 64 octets, a domain of 255, a path of 256 (the address between
//! `<` and `>`: 254).

use std::borrow::Cow;
use std::fmt;

/// Longest local part, in octets (RFC 5321 §4.5.3.1.1).
pub const MAX_LOCAL: usize = 64;
/// Longest domain, in octets (RFC 5321 §4.5.3.1.2).
pub const MAX_DOMAIN: usize = 255;
/// Longest address: the 256-octet path less its `<` and `>` (§4.5.3.1.3).
pub const MAX_ADDRESS: usize = 254;
/// Input longer than this is too long whatever its normal form: a cheap
/// bound checked before any lower-casing or IDNA work (a normal form can be
/// shorter than the text, never by this much for an address).
const MAX_RAW: usize = 4 * MAX_ADDRESS;

/// Why a recipient is not an address.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Invalid {
    /// Bytes that are not UTF-8.
    NotUtf8,
    /// A control character (NUL, ESC, DEL, C1, ...).
    Control,
    /// Longer than RFC 5321 allows.
    TooLong,
}

impl Invalid {
    /// Words for warnings: "not UTF-8", ...
    pub fn describe(self) -> &'static str {
        match self {
            Invalid::NotUtf8 => "bytes that are not UTF-8",
            Invalid::Control => "a control character",
            Invalid::TooLong => "longer than RFC 5321 allows (local part 64, domain 255, address 254 octets)",
        }
    }
}

impl fmt::Display for Invalid {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.describe())
    }
}

/// The warning for an input with records whose recipient is no address:
/// how many, and the first (1-based `line`, why, the start of its text).
pub fn skipped_warning(name: &str, count: u64, line: u64, why: Invalid, text: &[u8]) -> String {
    format!(
        "{name}: {count} record{} whose recipient is not an address skipped, never suppressed (first, line {line}, {why}: {})",
        if count == 1 { "" } else { "s" },
        crate::output::sanitize(&String::from_utf8_lossy(text))
    )
}

/// The normal form of an address as a parser found it (already without
/// angle brackets or a display name); borrowed when it is normal already.
pub fn normalize(raw: &[u8]) -> Result<Cow<'_, str>, Invalid> {
    if raw.len() > MAX_RAW {
        return Err(Invalid::TooLong);
    }
    // Fast path: one pass over the bytes. Nearly every address is ASCII.
    let mut upper = false;
    for &b in raw {
        if b >= 0x80 {
            let s = std::str::from_utf8(raw).map_err(|_| Invalid::NotUtf8)?;
            return unicode(s).map(Cow::Owned);
        }
        if b < 0x20 || b == 0x7f {
            return Err(Invalid::Control);
        }
        upper |= b.is_ascii_uppercase();
    }
    // ASCII, so UTF-8; the loop saw every byte.
    let s = std::str::from_utf8(raw).map_err(|_| Invalid::NotUtf8)?;
    check_lengths(s)?;
    Ok(if upper {
        Cow::Owned(s.to_ascii_lowercase())
    } else {
        Cow::Borrowed(s)
    })
}

/// [`normalize`] for text that is a `str` already.
pub fn normalize_str(raw: &str) -> Result<Cow<'_, str>, Invalid> {
    normalize(raw.as_bytes())
}

/// The address a person typed or a list holds: trimmed, a `Name <addr>`
/// wrapper or `<addr>` removed, a `mailto:` prefix removed, then
/// [`normalize`]d. `Ok("")` when nothing is left.
pub fn from_user(text: &str) -> Result<Cow<'_, str>, Invalid> {
    let mut s = text.trim();
    if let Some(open) = s.rfind('<') {
        let inner = &s[open + 1..];
        s = inner.split('>').next().unwrap_or(inner);
    }
    let s = s.trim();
    let s = match s.get(..7) {
        Some(p) if p.eq_ignore_ascii_case("mailto:") => &s[7..],
        _ => s,
    };
    normalize_str(s.trim())
}

/// The slow path: an address with non-ASCII characters (UTF-8, SMTPUTF8).
fn unicode(s: &str) -> Result<String, Invalid> {
    if s.chars().any(char::is_control) {
        return Err(Invalid::Control);
    }
    let out = match s.rsplit_once('@') {
        Some((local, domain)) => {
            let domain = if domain.is_ascii() {
                domain.to_ascii_lowercase()
            } else {
                // A domain IDNA refuses (a label that cannot be one) keeps
                // its lower-cased Unicode spelling: still one key for one
                // spelling, and nothing is lost.
                idna::domain_to_ascii(domain).unwrap_or_else(|_| domain.to_lowercase())
            };
            let mut out = local.to_lowercase();
            out.push('@');
            out.push_str(&domain);
            out
        }
        None => s.to_lowercase(),
    };
    check_lengths(&out)?;
    Ok(out)
}

fn check_lengths(s: &str) -> Result<(), Invalid> {
    let (local, domain) = s.rsplit_once('@').unwrap_or((s, ""));
    if s.len() > MAX_ADDRESS || local.len() > MAX_LOCAL || domain.len() > MAX_DOMAIN {
        return Err(Invalid::TooLong);
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn n(raw: &[u8]) -> Result<String, Invalid> {
        normalize(raw).map(Cow::into_owned)
    }

    #[test]
    fn ascii_is_lower_cased_and_borrowed_when_normal() {
        assert!(matches!(normalize(b"bob@example.com"), Ok(Cow::Borrowed(_))));
        assert_eq!(n(b"Bob@Example.COM").as_deref(), Ok("bob@example.com"));
        assert_eq!(
            n(b"USER2@XN--BCHER-KVA.example").as_deref(),
            Ok("user2@xn--bcher-kva.example")
        );
        assert_eq!(n(b"root").as_deref(), Ok("root"));
    }

    #[test]
    fn unicode_domains_become_a_labels() {
        let a = n("user2@bücher.example".as_bytes());
        assert_eq!(a.as_deref(), Ok("user2@xn--bcher-kva.example"));
        assert_eq!(n("User2@BÜCHER.Example".as_bytes()), a);
        // Local part lower-cased, domain to ASCII.
        assert_eq!(
            n("JÖRG@Example.de".as_bytes()).as_deref(),
            Ok("j\u{f6}rg@example.de")
        );
        assert_eq!(
            n("jörg@müller.de".as_bytes()).as_deref(),
            Ok("j\u{f6}rg@xn--mller-kva.de")
        );
    }

    #[test]
    fn what_is_not_an_address() {
        assert_eq!(n(b"caf\xe9@x"), Err(Invalid::NotUtf8));
        assert_eq!(n(b"a\0b@x"), Err(Invalid::Control));
        assert_eq!(n(b"a\x1b[31m@x"), Err(Invalid::Control));
        assert_eq!(n(b"a\x7f@x"), Err(Invalid::Control));
        assert_eq!(n("a\u{85}é@x".as_bytes()), Err(Invalid::Control));
        let local = "a".repeat(MAX_LOCAL);
        assert!(n(format!("{local}@x.example").as_bytes()).is_ok());
        assert_eq!(n(format!("{local}b@x.example").as_bytes()), Err(Invalid::TooLong));
        let long = format!("a@{}.example", "b".repeat(250));
        assert_eq!(n(long.as_bytes()), Err(Invalid::TooLong));
        assert_eq!(n(&vec![b'a'; 50 << 20]), Err(Invalid::TooLong));
        let fits = format!("{}@{}", "a".repeat(60), "b".repeat(MAX_ADDRESS - 61));
        assert!(n(fits.as_bytes()).is_ok());
        assert_eq!(n(format!("{fits}c").as_bytes()), Err(Invalid::TooLong));
    }

    #[test]
    fn user_text_is_unwrapped() {
        assert_eq!(
            from_user(" Ann <Ann@Bücher.Example> ").as_deref(),
            Ok("ann@xn--bcher-kva.example")
        );
        assert_eq!(from_user("MAILTO:x@y.z").as_deref(), Ok("x@y.z"));
        assert_eq!(from_user("<x@y.z>").as_deref(), Ok("x@y.z"));
        assert_eq!(from_user("  ").as_deref(), Ok(""));
    }
}
