//! Finding one of a few bytes in the short fields of a log line (host,
//! program tag, pid, timestamp tail), eight bytes at a time.
//!
//! These fields are 3 to 30 bytes long and are scanned on every line: `memchr`
//! pays a set-up cost that such short runs never earn back, and a byte-by-byte
//! loop costs several instructions per byte. Testing a whole `u64` word for a
//! byte value ("SWAR") needs a handful of instructions per eight bytes.

const ONES: u64 = 0x0101_0101_0101_0101;
const HIGHS: u64 = 0x8080_8080_8080_8080;

/// A word with the high bit set in (at least) the lowest byte of `word` that
/// equals `byte`. Bytes above the first match may carry false marks (the
/// subtraction borrows), which is why only the lowest mark is ever used.
#[inline(always)]
fn marks(word: u64, byte: u8) -> u64 {
    let x = word ^ (ONES * u64::from(byte));
    x.wrapping_sub(ONES) & !x & HIGHS
}

/// Index of the first byte in `b[from..]` equal to any byte of `stops`
/// (an absolute index into `b`), or `None`.
#[inline(always)]
pub fn find_any<const N: usize>(b: &[u8], from: usize, stops: [u8; N]) -> Option<usize> {
    let mut i = from;
    while let Some(chunk) = b.get(i..i + 8) {
        let mut word_bytes = [0u8; 8];
        word_bytes.copy_from_slice(chunk);
        let word = u64::from_le_bytes(word_bytes);
        let mut found = 0;
        for stop in stops {
            found |= marks(word, stop);
        }
        if found != 0 {
            return Some(i + (found.trailing_zeros() / 8) as usize);
        }
        i += 8;
    }
    while i < b.len() {
        if stops.contains(&b[i]) {
            return Some(i);
        }
        i += 1;
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The plain definition, to compare against.
    fn naive<const N: usize>(b: &[u8], from: usize, stops: [u8; N]) -> Option<usize> {
        (from..b.len()).find(|&i| stops.contains(&b[i]))
    }

    #[test]
    fn agrees_with_a_plain_loop_at_every_offset() {
        let text = b"2026-11-01T00:00:00.812800+00:00 mx1 postfix/submission/smtpd[2007]: x\x80\xff\x00[]:";
        for from in 0..=text.len() {
            for end in from..=text.len() {
                let b = &text[..end];
                assert_eq!(find_any(b, from, [b' ']), naive(b, from, [b' ']), "{from} {end}");
                assert_eq!(
                    find_any(b, from, [b'[', b':', b' ']),
                    naive(b, from, [b'[', b':', b' ']),
                    "{from} {end}"
                );
                assert_eq!(find_any(b, from, [0x80]), naive(b, from, [0x80]));
                assert_eq!(find_any(b, from, [0]), naive(b, from, [0]));
            }
        }
    }

    #[test]
    fn start_past_the_end_finds_nothing() {
        assert_eq!(find_any(b"abc", 3, [b'a']), None);
        assert_eq!(find_any(b"abc", 9, [b'a']), None);
    }

    #[test]
    fn every_byte_value_is_found_where_it_is() {
        for v in 0..=255u8 {
            let mut b = vec![v.wrapping_add(1); 20];
            b[13] = v;
            assert_eq!(find_any(&b, 0, [v]), Some(13), "{v}");
            b[13] = v.wrapping_add(1);
            assert_eq!(find_any(&b, 0, [v]), None, "{v}");
        }
    }
}
