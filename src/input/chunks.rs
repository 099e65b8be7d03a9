//! Cutting a byte stream into large chunks that end at a line end, so that
//! chunks can be parsed independently and in parallel.

use std::io::{self, Read};

/// Chunks are about this large: big enough that handing one to a worker
/// costs nothing next to parsing it, small enough to keep memory flat.
pub const CHUNK_SIZE: usize = 2 << 20;

/// The longest line read, in bytes (without its newline): 1 MiB, far above
/// any real log line (Postfix caps its own at a few KiB). A longer line is
/// skipped whole and counted, and its bytes are dropped as they are read, so
/// a file without newlines (a gzip bomb of zeros) cannot take memory.
pub const MAX_LINE: usize = 1 << 20;

/// A reusable chunk buffer. Its memory is initialised once and kept (the
/// filled length is tracked apart): zeroing 2 MiB before every read cost more
/// than parsing part of it.
#[derive(Debug, Default)]
pub struct Chunk {
    buf: Vec<u8>,
    filled: usize,
    /// Lines longer than the limit skipped just before the chunk's bytes.
    long_lines: u64,
}

impl Chunk {
    /// The whole lines in the chunk.
    pub fn bytes(&self) -> &[u8] {
        &self.buf[..self.filled]
    }

    /// How many lines longer than the limit were skipped right before the
    /// chunk's first line (they count as lines of the input, before it).
    pub fn long_lines_before(&self) -> u64 {
        self.long_lines
    }
}

/// Reads newline-aligned chunks from any reader.
pub struct Chunker<R> {
    reader: R,
    /// Bytes after the last newline of the previous chunk.
    carry: Vec<u8>,
    eof: bool,
    /// At most `max_line`: then no whole line inside a chunk can be longer
    /// than the limit, and only the line a chunk ends in needs watching.
    chunk_size: usize,
    max_line: usize,
    /// A read error met while filling a chunk that already held lines: those
    /// lines are handed out first, the error on the next call.
    pending_error: Option<io::Error>,
}

impl<R: Read> Chunker<R> {
    pub fn new(reader: R) -> Chunker<R> {
        Chunker::with_size(reader, CHUNK_SIZE)
    }

    pub fn with_size(reader: R, chunk_size: usize) -> Chunker<R> {
        Chunker::with_limits(reader, chunk_size, MAX_LINE)
    }

    /// Chunks of about `chunk_size` bytes, lines of at most `max_line`.
    pub fn with_limits(reader: R, chunk_size: usize, max_line: usize) -> Chunker<R> {
        let max_line = max_line.max(1);
        Chunker {
            reader,
            carry: Vec::new(),
            eof: false,
            chunk_size: chunk_size.clamp(1, max_line),
            max_line,
            pending_error: None,
        }
    }

    /// Fills `chunk` with the next whole lines (the last one possibly without
    /// its newline, at the end of the input). Returns `false` when the input
    /// is exhausted. A line longer than the limit is not in any chunk: it is
    /// counted in [`Chunk::long_lines_before`] of the chunk that follows it.
    pub fn next_into(&mut self, chunk: &mut Chunk) -> io::Result<bool> {
        chunk.filled = 0;
        chunk.long_lines = 0;
        if let Some(e) = self.pending_error.take() {
            return Err(e);
        }
        self.ensure(chunk, self.carry.len());
        chunk.buf[..self.carry.len()].copy_from_slice(&self.carry);
        chunk.filled = self.carry.len();
        self.carry.clear();
        let mut scanned = 0;
        loop {
            if !self.eof && chunk.filled < self.chunk_size {
                let target = self.chunk_size.max(chunk.filled + 1);
                self.fill(chunk, target)?;
                continue;
            }
            if self.eof {
                if chunk.filled == 0 && chunk.long_lines == 0 {
                    if let Some(e) = self.pending_error.take() {
                        return Err(e);
                    }
                }
                return Ok(chunk.filled > 0 || chunk.long_lines > 0);
            }
            if let Some(nl) = memchr::memrchr(b'\n', &chunk.buf[scanned..chunk.filled]) {
                let cut = scanned + nl + 1;
                self.carry.extend_from_slice(&chunk.buf[cut..chunk.filled]);
                chunk.filled = cut;
                return Ok(true);
            }
            // No newline at all: the chunk is the start of one line.
            if chunk.filled > self.max_line {
                chunk.long_lines += 1;
                self.discard_line(chunk);
                scanned = 0;
                continue;
            }
            // Longer than a chunk so far: read on until it ends (or is too long).
            scanned = chunk.filled;
            let target = (chunk.filled + self.chunk_size).min(self.max_line + 1);
            self.fill(chunk, target)?;
        }
    }

    /// Drops the rest of a too-long line, a block at a time (the chunk's
    /// buffer is the scratch space), and leaves in the chunk the bytes that
    /// follow its newline.
    fn discard_line(&mut self, chunk: &mut Chunk) {
        chunk.filled = 0;
        self.ensure(chunk, self.chunk_size);
        loop {
            match self.reader.read(&mut chunk.buf[..self.chunk_size]) {
                Ok(0) => {
                    self.eof = true;
                    return;
                }
                Ok(n) => {
                    if let Some(nl) = memchr::memchr(b'\n', &chunk.buf[..n]) {
                        chunk.buf.copy_within(nl + 1..n, 0);
                        chunk.filled = n - nl - 1;
                        return;
                    }
                }
                Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                Err(e) => {
                    self.eof = true;
                    self.pending_error = Some(e);
                    return;
                }
            }
        }
    }

    /// Grows the buffer to `len` bytes (zeroing only memory never used before).
    fn ensure(&self, chunk: &mut Chunk, len: usize) {
        if chunk.buf.len() < len {
            chunk.buf.resize(len, 0);
        }
    }

    /// Reads until the chunk holds `target` bytes or the input ends.
    fn fill(&mut self, chunk: &mut Chunk, target: usize) -> io::Result<()> {
        self.ensure(chunk, target);
        while chunk.filled < target {
            match self.reader.read(&mut chunk.buf[chunk.filled..target]) {
                Ok(0) => {
                    self.eof = true;
                    break;
                }
                Ok(n) => chunk.filled += n,
                Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                Err(e) => {
                    // Keep what was read (a truncated .gz still gives its
                    // first lines); the error comes after them.
                    self.eof = true;
                    self.pending_error = Some(e);
                    break;
                }
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn chunks(data: &[u8], size: usize) -> Vec<Vec<u8>> {
        let mut c = Chunker::with_size(data, size);
        let mut out = Vec::new();
        let mut chunk = Chunk::default();
        while c.next_into(&mut chunk).unwrap() {
            out.push(chunk.bytes().to_vec());
        }
        out
    }

    #[test]
    fn chunks_end_at_line_ends_and_lose_nothing() {
        let data = b"one\ntwo\nthree\nfour\nfive";
        for size in 1..30 {
            let got = chunks(data, size);
            assert_eq!(got.concat(), data.to_vec(), "size {size}");
            for c in &got[..got.len() - 1] {
                assert_eq!(c.last(), Some(&b'\n'), "size {size}");
            }
        }
    }

    #[test]
    fn empty_input_gives_no_chunk() {
        assert!(chunks(b"", 4).is_empty());
    }

    #[test]
    fn long_line_is_kept_whole() {
        let mut data = vec![b'x'; 100];
        data.extend_from_slice(b"\nshort\n");
        let got = chunks(&data, 8);
        assert_eq!(got[0].len(), 101);
        assert_eq!(got.concat(), data);
    }

    /// Chunks and the long lines skipped before each, with a line limit.
    fn limited(data: &[u8], size: usize, max_line: usize) -> Vec<(u64, Vec<u8>)> {
        let mut c = Chunker::with_limits(data, size, max_line);
        let mut out = Vec::new();
        let mut chunk = Chunk::default();
        while c.next_into(&mut chunk).unwrap() {
            out.push((chunk.long_lines_before(), chunk.bytes().to_vec()));
        }
        out
    }

    #[test]
    fn a_line_over_the_limit_is_dropped_and_counted_where_it_was() {
        let long = vec![b'x'; 50];
        let data = [&b"one\n"[..], &long, b"\ntwo\n", &long, b"\n", &long, b"\nthree"].concat();
        for size in 1..70 {
            let got = limited(&data, size, 20);
            let text: Vec<u8> = got.iter().flat_map(|(_, b)| b.clone()).collect();
            assert_eq!(text, b"one\ntwo\nthree".to_vec(), "size {size}");
            assert_eq!(got.iter().map(|(n, _)| n).sum::<u64>(), 3, "size {size}");
            // Each long line is counted before the first line that follows it.
            let mut before = 0;
            let mut seen = Vec::new();
            for (n, bytes) in &got {
                before += n;
                for line in bytes.split(|&c| c == b'\n').filter(|l| !l.is_empty()) {
                    seen.push((before, line.to_vec()));
                }
            }
            assert_eq!(
                seen,
                [(0, b"one".to_vec()), (1, b"two".to_vec()), (3, b"three".to_vec())],
                "size {size}"
            );
        }
        // A line of exactly the limit is kept; an input that ends in a long line
        // still reports it.
        let exact = [&[b'y'; 20][..], b"\n"].concat();
        assert_eq!(limited(&exact, 7, 20), [(0, exact.clone())]);
        assert_eq!(limited(&long, 7, 20), [(1, Vec::new())]);
    }

    /// Gives zeros forever (well, `left` of them), a block at a time.
    struct Zeros {
        left: u64,
    }

    impl Read for Zeros {
        fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
            let n = (buf.len() as u64).min(self.left) as usize;
            buf[..n].fill(0);
            self.left -= n as u64;
            Ok(n)
        }
    }

    #[test]
    fn a_stream_without_newlines_keeps_the_buffer_small() {
        let mut c = Chunker::with_limits(Zeros { left: 64 << 20 }, 1 << 16, 1 << 20);
        let mut chunk = Chunk::default();
        assert!(c.next_into(&mut chunk).unwrap());
        assert_eq!((chunk.long_lines_before(), chunk.bytes().len()), (1, 0));
        assert!(chunk.buf.len() <= (1 << 20) + 1, "{}", chunk.buf.len());
        assert!(!c.next_into(&mut chunk).unwrap());
    }

    /// Gives `data`, then fails.
    struct Breaks<'a>(&'a [u8]);

    impl Read for Breaks<'_> {
        fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
            if self.0.is_empty() {
                return Err(io::ErrorKind::UnexpectedEof.into());
            }
            let n = buf.len().min(self.0.len());
            buf[..n].copy_from_slice(&self.0[..n]);
            self.0 = &self.0[n..];
            Ok(n)
        }
    }

    #[test]
    fn lines_read_before_an_error_come_first() {
        let mut c = Chunker::with_size(Breaks(b"one\ntwo\nthr"), 64);
        let mut chunk = Chunk::default();
        assert!(c.next_into(&mut chunk).unwrap());
        assert_eq!(chunk.bytes(), b"one\ntwo\nthr");
        assert_eq!(
            c.next_into(&mut chunk).unwrap_err().kind(),
            io::ErrorKind::UnexpectedEof
        );
        // An error before any byte is an error, not an empty input.
        let mut c = Chunker::with_size(Breaks(b""), 64);
        assert_eq!(
            c.next_into(&mut chunk).unwrap_err().kind(),
            io::ErrorKind::UnexpectedEof
        );
    }

    #[test]
    fn a_reused_chunk_never_shows_old_bytes() {
        let data = b"aaaaaaaaaa\nb\n";
        let mut c = Chunker::with_size(&data[..], 11);
        let mut chunk = Chunk::default();
        assert!(c.next_into(&mut chunk).unwrap());
        assert_eq!(chunk.bytes(), b"aaaaaaaaaa\n");
        assert!(c.next_into(&mut chunk).unwrap());
        assert_eq!(chunk.bytes(), b"b\n");
        assert!(!c.next_into(&mut chunk).unwrap());
    }
}
