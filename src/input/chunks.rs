//! Cutting a byte stream into large chunks that end at a line end, so that
//! chunks can be parsed independently and in parallel.

use std::io::{self, Read};

/// Chunks are about this large: big enough that handing one to a worker
/// costs nothing next to parsing it, small enough to keep memory flat.
pub const CHUNK_SIZE: usize = 2 << 20;

/// A line longer than this is cut (the rest becomes another "line"), so a
/// file without newlines cannot take all memory.
pub const MAX_LINE: usize = 64 << 20;

/// Reads newline-aligned chunks from any reader.
pub struct Chunker<R> {
    reader: R,
    /// Bytes after the last newline of the previous chunk.
    carry: Vec<u8>,
    eof: bool,
    chunk_size: usize,
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
        }
    }

    /// Fills `buf` (cleared first) with the next chunk: whole lines, the last
    /// one possibly without its newline at the end of the input. Returns
    /// `false` when the input is exhausted.
    pub fn next_into(&mut self, buf: &mut Vec<u8>) -> io::Result<bool> {
        buf.clear();
        buf.append(&mut self.carry);
        let mut scanned = 0;
        loop {
            if !self.eof && buf.len() < self.chunk_size {
                let target = self.chunk_size.max(buf.len() + 1);
                self.fill(buf, target)?;
                continue;
            }
            if self.eof {
                return Ok(!buf.is_empty());
            }
            if let Some(nl) = memchr::memrchr(b'\n', &buf[scanned..]) {
                let cut = scanned + nl + 1;
                self.carry.extend_from_slice(&buf[cut..]);
                buf.truncate(cut);
                return Ok(true);
            }
            if buf.len() >= MAX_LINE {
                return Ok(true);
            }
            // One line is longer than a chunk: read on until it ends.
            scanned = buf.len();
            let target = buf.len() + self.chunk_size;
            self.fill(buf, target)?;
        }
    }

    /// Reads until `buf` holds `target` bytes or the input ends.
    fn fill(&mut self, buf: &mut Vec<u8>, target: usize) -> io::Result<()> {
        let start = buf.len();
        buf.resize(target, 0);
        let mut len = start;
        while len < target {
            match self.reader.read(&mut buf[len..]) {
                Ok(0) => {
                    self.eof = true;
                    break;
                }
                Ok(n) => len += n,
                Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                Err(e) => {
                    buf.truncate(len);
                    return Err(e);
                }
            }
        }
        buf.truncate(len);
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn chunks(data: &[u8], size: usize) -> Vec<Vec<u8>> {
        let mut c = Chunker::with_size(data, size);
        let mut out = Vec::new();
        let mut buf = Vec::new();
        while c.next_into(&mut buf).unwrap() {
            out.push(buf.clone());
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
}
