//! The user's own CSV lists: a send list (`filter`), a `--sources` file, a
//! bounce export read as generic CSV. Their delimiter, the header names of an
//! address column and the address in a cell, written once: a list that one
//! command reads, the others read the same way.

use std::borrow::Cow;

/// Header names of an address column, most specific first: `address`, `mail`
/// and `to` can name other things (a postal address, a flag), so any more
/// telling name wins over them. Compared by [`header_key`], so `E-Mail`,
/// `e_mail` and `EMAIL` are all `email`.
pub const ADDRESS_HEADERS: &[&str] = &[
    "email",
    "email address",
    "email addr",
    "recipient",
    "recipient email",
    "subscriber email",
    "rcpt to",
    "rcpt",
    "mail",
    "address",
    "to",
];

/// The delimiter of a CSV: the most frequent of `,` `;` and tab in its first
/// line, outside quotes (a quoted `"Doe, John"` in a `;` list does not count);
/// on a tie the first of `,` `;` tab, and `,` when there is none.
pub fn sniff_delimiter(head: &[u8]) -> u8 {
    const DELIMITERS: [u8; 3] = [b',', b';', b'\t'];
    let line = &head[..memchr::memchr(b'\n', head).unwrap_or(head.len())];
    let mut counts = [0usize; 3];
    let mut quoted = false;
    for &c in line {
        if c == b'"' {
            quoted = !quoted;
        } else if !quoted {
            if let Some(i) = DELIMITERS.iter().position(|&d| d == c) {
                counts[i] += 1;
            }
        }
    }
    let best = (0..3)
        .max_by_key(|&i| (counts[i], std::cmp::Reverse(i)))
        .unwrap_or(0);
    DELIMITERS[best]
}

/// A header name as the lists of names compare it: its letters and digits,
/// lower-cased (`\u{feff}E-Mail Address ` → `emailaddress`). A byte order
/// mark, spaces, `-`, `_` and `.` drop out.
pub fn header_key(name: &str) -> String {
    name.chars()
        .filter(|c| c.is_alphanumeric())
        .flat_map(char::to_lowercase)
        .collect()
}

/// [`header_key`] of a raw header cell (not UTF-8: its valid parts).
pub fn header_key_of(cell: &[u8]) -> String {
    header_key(&String::from_utf8_lossy(cell))
}

/// The column of the first of `names` (best first) that a header has, given
/// the header's [`header_key`]s.
pub fn find_column(keys: &[String], names: &[&str]) -> Option<usize> {
    names.iter().find_map(|name| {
        let want = header_key(name);
        keys.iter().position(|k| *k == want)
    })
}

/// The address in a cell in the normal form reports and the state use
/// ([`crate::address::from_user`]: trimmed, without a display name, angle
/// brackets or `mailto:`). `None` when the cell is no address at all (not
/// UTF-8, a control character, too long); `Some("")` when it is empty.
pub fn address_of(cell: &[u8]) -> Option<Cow<'_, str>> {
    let s = std::str::from_utf8(cell).ok()?;
    crate::address::from_user(s).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn delimiters_outside_quotes_decide() {
        assert_eq!(sniff_delimiter(b"a,b;c;d\n1,2,3,4,5,6\n"), b';');
        assert_eq!(sniff_delimiter(b"\"Doe, John\";email\n"), b';');
        assert_eq!(sniff_delimiter(b"\"a;b;c\",email\n"), b',');
        assert_eq!(sniff_delimiter(b"a\tb\tc\n"), b'\t');
        assert_eq!(sniff_delimiter(b"a;b\tc\n"), b';');
        assert_eq!(sniff_delimiter(b"a,b;c\tc\n"), b',');
        assert_eq!(sniff_delimiter(b"email\n"), b',');
        assert_eq!(sniff_delimiter(b""), b',');
    }

    #[test]
    fn header_spellings_are_one_key() {
        for h in ["email", "E-Mail", "e_mail", " EMAIL ", "\u{feff}Email", "e.mail"] {
            assert_eq!(header_key(h), "email", "{h:?}");
        }
        assert_eq!(header_key("Email Address"), "emailaddress");
        assert_eq!(header_key_of(b"\xEF\xBB\xBFE-Mail\xff"), "email");
        // Letters beyond ASCII stay: `Émail` is not `mail`.
        assert_eq!(header_key("Émail"), "émail");
    }

    #[test]
    fn the_most_specific_address_column_wins() {
        let keys = |h: &[&str]| h.iter().map(|h| header_key(h)).collect::<Vec<_>>();
        assert_eq!(
            find_column(&keys(&["Address", "E-Mail"]), ADDRESS_HEADERS),
            Some(1)
        );
        assert_eq!(find_column(&keys(&["To", "Recipient"]), ADDRESS_HEADERS), Some(1));
        assert_eq!(find_column(&keys(&["Name", "RCPT TO"]), ADDRESS_HEADERS), Some(1));
        assert_eq!(find_column(&keys(&["Name", "Phone"]), ADDRESS_HEADERS), None);
    }

    #[test]
    fn addresses_in_their_normal_form() {
        for cell in [
            &b"Gone@Example.com"[..],
            b" <gone@example.COM> ",
            b"mailto:gone@example.com",
            b"Gone Away <GONE@example.com>",
        ] {
            assert_eq!(address_of(cell).as_deref(), Some("gone@example.com"));
        }
        assert_eq!(address_of(b"").as_deref(), Some(""));
        assert_eq!(address_of(b"caf\xe9@x.example"), None);
        assert_eq!(address_of(b"a\x1bb@x.example"), None);
    }
}
