//! Cutting a byte stream into large chunks that end at a line end, so that
//! chunks can be parsed independently and in parallel.

use std::io::{self, Read};

/// Chunks are about this large: big enough that handing one to a worker
/// costs nothing next to parsing it, small enough to keep memory flat.
pub const CHUNK_SIZE: usize = 2 << 20;

/// A line longer than this is cut (the rest becomes another "line"), so a
/// file without newlines cannot take all memory.
pub const MAX_LINE: usize = 64 << 20;

/// A reusable chunk buffer. Its memory is initialised once and kept (the
/// filled length is tracked apart): zeroing 2 MiB before every read cost more
/// than parsing part of it.
#[derive(Debug, Default)]
pub struct Chunk {
    buf: Vec<u8>,
    filled: usize,
}

impl Chunk {
    /// The whole lines in the chunk.
    pub fn bytes(&self) -> &[u8] {
        &self.buf[..self.filled]
    }
}

/// Reads newline-aligned chunks from any reader.
pub struct Chunker<R> {
    reader: R,
    /// Bytes after the last newline of the previous chunk.
    carry: Vec<u8>,
    eof: bool,
    chunk_size: usize,
    /// A read error met while filling a chunk that already held lines: those
    /// lines are handed out first, the error on the next call.
    pending_error: Option<io::Error>,
}

impl<R: Read> Chunker<R> {
    pub fn new(reader: R) -> Chunker<R> {
        Chunker::with_size(reader, CHUNK_SIZE)
    }

    pub fn with_size(reader: R, chunk_size: usize) -> Chunker<R> {
        Chunker {
            reader,
            carry: Vec::new(),
            eof: false,
            chunk_size: chunk_size.max(1),
            pending_error: None,
        }
    }

    /// Fills `chunk` with the next whole lines (the last one possibly without
    /// its newline, at the end of the input). Returns `false` when the input
    /// is exhausted.
    pub fn next_into(&mut self, chunk: &mut Chunk) -> io::Result<bool> {
        chunk.filled = 0;
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
                if chunk.filled == 0 {
                    if let Some(e) = self.pending_error.take() {
                        return Err(e);
                    }
                }
                return Ok(chunk.filled > 0);
            }
            if let Some(nl) = memchr::memrchr(b'\n', &chunk.buf[scanned..chunk.filled]) {
                let cut = scanned + nl + 1;
                self.carry.extend_from_slice(&chunk.buf[cut..chunk.filled]);
                chunk.filled = cut;
                return Ok(true);
            }
            if chunk.filled >= MAX_LINE {
                return Ok(true);
            }
            // One line is longer than a chunk: read on until it ends.
            scanned = chunk.filled;
            let target = chunk.filled + self.chunk_size;
            self.fill(chunk, target)?;
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
