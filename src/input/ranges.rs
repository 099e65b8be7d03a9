//! Reading the lines of one byte range of a plain file with positioned reads,
//! so that parse workers can each read and parse their own part of a file:
//! no reader thread, and the bytes are parsed while still in the worker's
//! cache. A line belongs to the range that holds its first byte.

use std::fs::File;
use std::io;
use std::ops::Range;

/// Bytes read past a range's end at first to find the end of its last line
/// (doubled until a line end turns up).
const LOOKAHEAD: usize = 4 << 10;

#[cfg(unix)]
fn read_at(file: &File, buf: &mut [u8], offset: u64) -> io::Result<usize> {
    std::os::unix::fs::FileExt::read_at(file, buf, offset)
}

#[cfg(windows)]
fn read_at(file: &File, buf: &mut [u8], offset: u64) -> io::Result<usize> {
    std::os::windows::fs::FileExt::seek_read(file, buf, offset)
}

/// Reads the bytes `[from, to)` of `file` into `buf` at `*filled`, moving
/// `*filled` past them; stops early at the end of the file. Returns whether
/// the file ended before `to`. `buf` only grows (zero-filled once): a reused
/// buffer is not cleared and zeroed again for every range, which cost as
/// many instructions as a tenth of the whole parse.
fn read_span(file: &File, from: u64, to: u64, buf: &mut Vec<u8>, filled: &mut usize) -> io::Result<bool> {
    let mut at = from;
    let end = *filled + (to - from) as usize;
    if buf.len() < end {
        buf.resize(end, 0);
    }
    while at < to {
        let off = *filled;
        match read_at(file, &mut buf[off..end], at) {
            Ok(0) => return Ok(true),
            Ok(n) => {
                at += n as u64;
                *filled += n;
            }
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            Err(e) => return Err(e),
        }
    }
    Ok(false)
}

/// What [`read_lines`] found.
#[derive(Debug, PartialEq, Eq)]
pub struct Lines {
    /// The whole lines that start in the range, inside the buffer.
    pub span: Range<usize>,
    /// The file ended before `size` (it shrank while being read).
    pub shrank: bool,
    /// The line after the span starts in the range but is longer than
    /// `max_line`: it is skipped (counted by the caller, after the span).
    pub long_line: bool,
}

/// Reads into `buf` (scratch: only the returned span means anything) the lines whose first byte lies in
/// `range` of a file of `size` bytes. A last line longer than `max_line` is
/// left out (`long_line`), read no further than that: the ranges it covers
/// hold no line start and the range where it ends starts after it. Lines
/// inside the range are never longer than the range, so a range no longer
/// than `max_line` needs no other check.
pub fn read_lines(
    file: &File,
    range: Range<u64>,
    size: u64,
    buf: &mut Vec<u8>,
    max_line: usize,
) -> io::Result<Lines> {
    let mut filled = 0;
    let Range { start, end } = range;
    if start >= end || start >= size {
        return Ok(Lines {
            span: 0..0,
            shrank: false,
            long_line: false,
        });
    }
    // One byte before the range tells whether a line starts at `start`.
    let from = start.saturating_sub(1);
    let mut to = end.saturating_add(LOOKAHEAD as u64).min(size);
    let mut shrank = read_span(file, from, to, buf, &mut filled)?;
    let first = if start == 0 {
        0
    } else {
        match memchr::memchr(b'\n', &buf[..filled.min((end - from) as usize)]) {
            Some(nl) => nl + 1,
            // No line starts in this range: the previous range's last line covers it.
            None => {
                return Ok(Lines {
                    span: 0..0,
                    shrank,
                    long_line: false,
                })
            }
        }
    };
    if from + first as u64 >= end {
        return Ok(Lines {
            span: 0..0,
            shrank,
            long_line: false,
        });
    }
    // The line holding the range's last byte ends at the first newline from there.
    let last_byte = (end - 1 - from) as usize;
    let mut scanned = last_byte.min(filled);
    // Where that line starts, to measure it.
    let line_start = memchr::memrchr(b'\n', &buf[first..scanned]).map_or(first, |nl| first + nl + 1);
    let too_long = |line_end: usize| line_end - line_start > max_line;
    let mut lookahead = LOOKAHEAD as u64;
    loop {
        if let Some(nl) = memchr::memchr(b'\n', &buf[scanned..filled]) {
            let line_end = scanned + nl;
            return Ok(if too_long(line_end) {
                Lines {
                    span: first..line_start,
                    shrank,
                    long_line: true,
                }
            } else {
                Lines {
                    span: first..line_end + 1,
                    shrank,
                    long_line: false,
                }
            });
        }
        if too_long(filled) {
            return Ok(Lines {
                span: first..line_start,
                shrank,
                long_line: true,
            });
        }
        if shrank || to >= size {
            return Ok(Lines {
                span: first..filled,
                shrank,
                long_line: false,
            });
        }
        scanned = filled;
        lookahead = lookahead.saturating_mul(2);
        let next = to.saturating_add(lookahead).min(size);
        shrank = read_span(file, to, next, buf, &mut filled)?;
        to = next;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Write;

    fn file_with(data: &[u8]) -> (tempfile::NamedTempFile, File) {
        let mut f = tempfile::NamedTempFile::new().unwrap();
        f.write_all(data).unwrap();
        let handle = f.reopen().unwrap();
        (f, handle)
    }

    #[test]
    fn every_line_is_read_exactly_once_whatever_the_range_size() {
        let data = b"one\ntwo\n\nthree3\nfour\nfive-no-newline";
        let (_keep, file) = file_with(data);
        let size = data.len() as u64;
        for step in 1..=size + 1 {
            let mut all = Vec::new();
            let mut buf = Vec::new();
            let mut start = 0;
            while start < size {
                let end = (start + step).min(size);
                let lines = read_lines(&file, start..end, size, &mut buf, 1 << 20).unwrap();
                assert!(!lines.shrank);
                all.extend_from_slice(&buf[lines.span]);
                start = end;
            }
            assert_eq!(all, data.to_vec(), "step {step}");
        }
    }

    #[test]
    fn a_long_last_line_is_followed_past_the_lookahead() {
        let mut data = b"a\n".to_vec();
        data.extend(std::iter::repeat_n(b'x', 3 * LOOKAHEAD));
        data.extend_from_slice(b"\nz\n");
        let (_keep, file) = file_with(&data);
        let mut buf = Vec::new();
        let lines = read_lines(&file, 0..4, data.len() as u64, &mut buf, 1 << 30).unwrap();
        assert_eq!(lines.span.len(), 2 + 3 * LOOKAHEAD + 1);
    }

    #[test]
    fn a_last_line_over_the_limit_is_left_out_and_never_read_whole() {
        let mut data = b"a\nbb\n".to_vec();
        data.extend(std::iter::repeat_n(b'x', 100 * LOOKAHEAD));
        data.extend_from_slice(b"\nz\n");
        let (_keep, file) = file_with(&data);
        let size = data.len() as u64;
        let mut buf = Vec::new();
        let max = 2 * LOOKAHEAD;
        let lines = read_lines(&file, 0..5, size, &mut buf, max).unwrap();
        assert_eq!(
            (&buf[lines.span.clone()], lines.long_line),
            (&b"a\nbb\n"[..], false)
        );
        let lines = read_lines(&file, 0..8, size, &mut buf, max).unwrap();
        assert_eq!((&buf[lines.span], lines.long_line), (&b"a\nbb\n"[..], true));
        assert!(buf.len() < 8 * LOOKAHEAD, "{}", buf.len());
        // The ranges it covers are empty; the one where it ends starts after it.
        let mid = read_lines(&file, 4096..8192, size, &mut buf, max).unwrap();
        assert!(mid.span.is_empty() && !mid.long_line);
        let tail = read_lines(&file, size - 5..size, size, &mut buf, max).unwrap();
        assert_eq!(&buf[tail.span], b"z\n");
        // A line of exactly the limit is kept.
        let exact = [&b"a\n"[..], &[b'y'; 50], b"\n"].concat();
        let (_keep, file) = file_with(&exact);
        let lines = read_lines(&file, 0..4, exact.len() as u64, &mut buf, 50).unwrap();
        assert_eq!((lines.span.len(), lines.long_line), (exact.len(), false));
        let lines = read_lines(&file, 0..4, exact.len() as u64, &mut buf, 49).unwrap();
        assert_eq!((lines.span.len(), lines.long_line), (2, true));
    }

    #[test]
    fn a_file_that_shrank_is_noticed() {
        let (_keep, file) = file_with(b"abc\ndef\n");
        let mut buf = Vec::new();
        let lines = read_lines(&file, 0..8, 100, &mut buf, 1 << 20).unwrap();
        assert!(lines.shrank);
        assert_eq!(&buf[lines.span], b"abc\ndef\n");
    }
}
