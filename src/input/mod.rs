//! Inputs: files and stdin, gzip and zstd recognised by their magic bytes,
//! what we can learn about a file before reading it (size, mtime, last line).

pub mod chunks;
pub mod identity;
pub mod journal;
pub mod ranges;

use crate::parse::syslog::{leading_time, LineTime};
use crate::parse::timestamp::SyslogTime;
use std::fs::File;
use std::io::{self, BufReader, Read, Seek, SeekFrom};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;

/// Where an input comes from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Source {
    Stdin,
    File(PathBuf),
    /// A file read under another name: `journalctl`'s output spooled to a
    /// temporary file, named `journal:UNITS` (see [`journal`]).
    Named {
        name: String,
        path: PathBuf,
    },
}

impl Source {
    /// `-` is stdin, anything else a path.
    pub fn from_arg(arg: &Path) -> Source {
        if arg.as_os_str() == "-" {
            Source::Stdin
        } else {
            Source::File(arg.to_path_buf())
        }
    }

    /// The name used in reports and messages.
    pub fn name(&self) -> String {
        match self {
            Source::Stdin => "-".into(),
            Source::File(p) => p.display().to_string(),
            Source::Named { name, .. } => name.clone(),
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Compression {
    None,
    Gzip,
    Zstd,
}

impl Compression {
    fn sniff(head: &[u8]) -> Compression {
        if head.starts_with(&[0x1f, 0x8b]) {
            Compression::Gzip
        } else if head.starts_with(&[0x28, 0xb5, 0x2f, 0xfd]) {
            Compression::Zstd
        } else {
            Compression::None
        }
    }
}

/// Why an input could not be opened.
#[derive(Debug, thiserror::Error)]
pub enum InputError {
    #[error("{name}: no such file (check the path; use - for standard input)")]
    NotFound { name: String },
    #[error("{name}: permission denied (run as a user that can read the mail log, e.g. in group adm)")]
    PermissionDenied { name: String },
    #[error("{name}: is a directory (give the log files inside it, e.g. {name}/mail.log*)")]
    IsDirectory { name: String },
    #[error("{name}: cannot read: {source}")]
    Io { name: String, source: io::Error },
    #[error(
        "-: cannot copy standard input to a temporary file (--year needs its last line first; \
         set TMPDIR to a directory with room, or give the log as a file): {source}"
    )]
    Spool { source: io::Error },
}

impl InputError {
    fn from_io(name: &str, e: io::Error) -> InputError {
        let name = name.to_string();
        match e.kind() {
            io::ErrorKind::NotFound => InputError::NotFound { name },
            io::ErrorKind::PermissionDenied => InputError::PermissionDenied { name },
            io::ErrorKind::IsADirectory => InputError::IsDirectory { name },
            _ => InputError::Io { name, source: e },
        }
    }
}

/// Counts the bytes read from the underlying file (compressed bytes for
/// compressed input), for the progress bar.
pub struct CountingReader<R> {
    inner: R,
    count: Arc<AtomicU64>,
}

impl<R: Read> Read for CountingReader<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.count.fetch_add(n as u64, Ordering::Relaxed);
        Ok(n)
    }
}

/// An input ready to read.
pub struct Opened {
    pub name: String,
    pub reader: Box<dyn Read + Send>,
    pub compression: Compression,
    /// Size on disk, when known (for the progress bar).
    pub size: Option<u64>,
    /// Bytes read so far from disk.
    pub read_bytes: Arc<AtomicU64>,
    /// Modification time, Unix seconds (the year reference for syslog dates).
    pub mtime: Option<i64>,
    /// The date of the last traditional-syslog line: read from the end of an
    /// uncompressed file; of compressed input and stdin only when asked (see
    /// [`open_with`]).
    pub last_syslog_time: Option<SyslogTime>,
    /// Device and inode of a regular file (Unix): part of an input's identity
    /// for incremental runs.
    pub file_id: Option<(u64, u64)>,
    /// Device and inode of whatever a path opened (a regular file, a FIFO,
    /// a device): the same input under two names is read once.
    pub node: Option<(u64, u64)>,
    /// For an uncompressed regular file: a handle that parse workers read
    /// byte ranges from themselves (positioned reads), instead of `reader`;
    /// an incremental run also seeks it past what it read before.
    pub plain_file: Option<File>,
}

const READ_BUFFER: usize = 1 << 20;

/// Opens a source, recognising compression by its first bytes.
pub fn open(source: &Source) -> Result<Opened, InputError> {
    open_with(source, false)
}

/// Opens a source; with `find_last_line`, the date of its last syslog line
/// is found whatever the input: a compressed file is decompressed once
/// through to its end first, standard input is first copied to a temporary
/// file (then read like a file). `--year` names the year of that line.
pub fn open_with(source: &Source, find_last_line: bool) -> Result<Opened, InputError> {
    let name = source.name();
    let count = Arc::new(AtomicU64::new(0));
    let mut file_id = None;
    let mut node = None;
    let mut plain: Option<File> = None;
    let mut decompressed_last = None;
    let (raw, size, mtime, last): (Box<dyn Read + Send>, _, _, _) = match source {
        Source::Stdin if !find_last_line => (Box::new(io::stdin()), None, None, None),
        Source::Stdin => {
            let mut spool = spool_stdin().map_err(|source| InputError::Spool { source })?;
            let last = last_syslog_time(&mut spool);
            decompressed_last = last_syslog_time_read_through(&mut spool, last.is_none());
            let len = spool.metadata().map(|m| m.len()).ok();
            plain = spool.try_clone().ok();
            (Box::new(spool), len, None, last)
        }
        Source::File(path) | Source::Named { path, .. } => {
            let meta = std::fs::metadata(path).map_err(|e| InputError::from_io(&name, e))?;
            if meta.is_dir() {
                return Err(InputError::IsDirectory { name });
            }
            node = unix_file_id(&meta);
            let mut file = File::open(path).map_err(|e| InputError::from_io(&name, e))?;
            let mtime = meta
                .modified()
                .ok()
                .and_then(|t| t.duration_since(std::time::UNIX_EPOCH).ok())
                .map(|d| d.as_secs() as i64);
            let last = if meta.is_file() {
                last_syslog_time(&mut file)
            } else {
                None
            };
            plain = if meta.is_file() {
                file_id = unix_file_id(&meta);
                if find_last_line {
                    decompressed_last = last_syslog_time_read_through(&mut file, last.is_none());
                }
                file.try_clone().ok()
            } else {
                None
            };
            (Box::new(file), meta.is_file().then_some(meta.len()), mtime, last)
        }
    };
    let mut counted = CountingReader {
        inner: raw,
        count: Arc::clone(&count),
    };
    // The first bytes tell the compression; they are put back in front.
    let mut magic = Vec::with_capacity(4);
    counted
        .by_ref()
        .take(4)
        .read_to_end(&mut magic)
        .map_err(|e| InputError::from_io(&name, e))?;
    let compression = Compression::sniff(&magic);
    let stream = io::Cursor::new(magic).chain(counted);
    let reader: Box<dyn Read + Send> = match compression {
        // Plain input is read straight into the chunk buffers: no copy.
        Compression::None => Box::new(stream),
        Compression::Gzip => Box::new(flate2::bufread::MultiGzDecoder::new(BufReader::with_capacity(
            READ_BUFFER,
            stream,
        ))),
        Compression::Zstd => Box::new(
            zstd::stream::read::Decoder::with_buffer(BufReader::with_capacity(READ_BUFFER, stream))
                .map_err(|e| InputError::from_io(&name, e))?,
        ),
    };
    Ok(Opened {
        name,
        reader,
        compression,
        size,
        read_bytes: count,
        mtime,
        // A compressed file's tail is not its last line.
        last_syslog_time: if compression == Compression::None {
            last.or(decompressed_last)
        } else {
            decompressed_last
        },
        file_id,
        node,
        plain_file: if compression == Compression::None {
            plain
        } else {
            None
        },
    })
}

/// Device and inode of what a path names (following symlinks), when it can
/// be looked up: what makes two names one input.
pub fn node(source: &Source) -> Option<(u64, u64)> {
    match source {
        Source::Stdin => None,
        Source::File(path) | Source::Named { path, .. } => {
            std::fs::metadata(path).ok().as_ref().and_then(unix_file_id)
        }
    }
}

#[cfg(unix)]
fn unix_file_id(meta: &std::fs::Metadata) -> Option<(u64, u64)> {
    use std::os::unix::fs::MetadataExt;
    Some((meta.dev(), meta.ino()))
}

#[cfg(not(unix))]
fn unix_file_id(_: &std::fs::Metadata) -> Option<(u64, u64)> {
    None
}

impl Opened {
    /// Positions an uncompressed regular file at `start` and limits reading
    /// to `len` bytes (an incremental run reads only what is new, and only
    /// whole lines). Returns `false` when the input is not such a file.
    pub fn seek_plain(&mut self, start: u64, len: u64) -> io::Result<bool> {
        let Some(mut file) = self.plain_file.take() else {
            return Ok(false);
        };
        file.seek(SeekFrom::Start(start))?;
        let counted = CountingReader {
            inner: file,
            count: Arc::clone(&self.read_bytes),
        };
        self.reader = Box::new(counted.take(len));
        Ok(true)
    }

    /// The end of the last complete line (the offset after its newline) in
    /// `[from, size)` of an uncompressed regular file, scanning back from its
    /// size when opened; `Ok(None)` when that range holds no newline. A line
    /// still being written by syslog is left for the next run.
    pub fn last_line_end(&self, from: u64) -> io::Result<Option<u64>> {
        let (Some(file), Some(size)) = (&self.plain_file, self.size) else {
            return Ok(None);
        };
        const BLOCK: u64 = 64 << 10;
        let mut end = size;
        let mut buf = vec![0u8; BLOCK as usize];
        while end > from {
            let start = end.saturating_sub(BLOCK).max(from);
            let block = &mut buf[..(end - start) as usize];
            read_exact_at(file, block, start)?;
            if let Some(i) = memchr::memrchr(b'\n', block) {
                return Ok(Some(start + i as u64 + 1));
            }
            end = start;
        }
        Ok(None)
    }
}

#[cfg(unix)]
fn read_exact_at(file: &File, buf: &mut [u8], offset: u64) -> io::Result<()> {
    use std::os::unix::fs::FileExt;
    file.read_exact_at(buf, offset)
}

#[cfg(not(unix))]
fn read_exact_at(file: &File, buf: &mut [u8], offset: u64) -> io::Result<()> {
    let mut f = file.try_clone()?;
    f.seek(SeekFrom::Start(offset))?;
    f.read_exact(buf)
}

/// Standard input copied whole to an anonymous temporary file (removed when
/// closed), positioned at its start.
fn spool_stdin() -> io::Result<File> {
    let mut spool = tempfile::tempfile()?;
    io::copy(&mut io::stdin().lock(), &mut spool)?;
    spool.seek(SeekFrom::Start(0))?;
    Ok(spool)
}

/// The date of the last traditional-syslog line of a compressed file, read
/// through once; of an uncompressed one only with `plain_too` (its tail
/// tells, unless the tail is one long line). The file is left at its start.
/// A read error ends the search: the dates before it count, and reading the
/// input proper reports the error.
fn last_syslog_time_read_through(file: &mut File, plain_too: bool) -> Option<SyslogTime> {
    let mut magic = Vec::with_capacity(4);
    file.by_ref().take(4).read_to_end(&mut magic).ok()?;
    file.seek(SeekFrom::Start(0)).ok()?;
    let found = match Compression::sniff(&magic) {
        Compression::None if plain_too => last_syslog_time_in(&mut *file),
        Compression::None => None,
        Compression::Gzip => last_syslog_time_in(flate2::bufread::MultiGzDecoder::new(
            BufReader::with_capacity(READ_BUFFER, &mut *file),
        )),
        Compression::Zstd => {
            zstd::stream::read::Decoder::with_buffer(BufReader::with_capacity(READ_BUFFER, &mut *file))
                .ok()
                .and_then(last_syslog_time_in)
        }
    };
    file.seek(SeekFrom::Start(0)).ok()?;
    found
}

/// The date of the last traditional-syslog line of a stream, read in
/// chunks (so memory stays flat, whatever its lines).
fn last_syslog_time_in(reader: impl Read) -> Option<SyslogTime> {
    let mut chunker = chunks::Chunker::new(reader);
    let mut chunk = chunks::Chunk::default();
    let mut last = None;
    while let Ok(true) = chunker.next_into(&mut chunk) {
        if let Some(t) = last_syslog_time_of(chunk.bytes()) {
            last = Some(t);
        }
    }
    last
}

/// The date of the last line of `bytes` with a traditional syslog timestamp.
fn last_syslog_time_of(bytes: &[u8]) -> Option<SyslogTime> {
    bytes
        .rsplit(|&c| c == b'\n')
        .find_map(|line| match leading_time(line) {
            Some((LineTime::Syslog(t), _)) => Some(t),
            _ => None,
        })
}

/// The date of the last line with a traditional syslog timestamp in the last
/// 64 KiB of a file; the file is left at its start.
fn last_syslog_time(file: &mut File) -> Option<SyslogTime> {
    const TAIL: u64 = 64 << 10;
    let len = file.metadata().ok()?.len();
    let start = len.saturating_sub(TAIL);
    file.seek(SeekFrom::Start(start)).ok()?;
    let mut tail = Vec::with_capacity(TAIL as usize);
    let read = file.by_ref().take(TAIL).read_to_end(&mut tail);
    file.seek(SeekFrom::Start(0)).ok()?;
    read.ok()?;
    last_syslog_time_of(&tail)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Write;

    #[test]
    fn reads_plain_gzip_and_zstd_alike() {
        let dir = tempfile::tempdir().unwrap();
        let text = b"Nov 20 08:00:00 h postfix/qmgr[1]: ABCDE1: removed\nDec  1 09:00:00 h x: y\n";
        let plain = dir.path().join("a.log");
        std::fs::write(&plain, text).unwrap();
        let gz = dir.path().join("a.log.gz");
        let mut enc = flate2::write::GzEncoder::new(File::create(&gz).unwrap(), flate2::Compression::fast());
        enc.write_all(text).unwrap();
        enc.finish().unwrap();
        let zst = dir.path().join("a.log.zst");
        std::fs::write(&zst, zstd::encode_all(&text[..], 3).unwrap()).unwrap();
        for (path, compression) in [
            (plain, Compression::None),
            (gz, Compression::Gzip),
            (zst, Compression::Zstd),
        ] {
            let mut opened = open(&Source::File(path)).unwrap();
            assert_eq!(opened.compression, compression);
            let mut got = Vec::new();
            opened.reader.read_to_end(&mut got).unwrap();
            assert_eq!(got, text.to_vec());
            if compression == Compression::None {
                assert_eq!(opened.last_syslog_time.map(|t| (t.month, t.day)), Some((12, 1)));
            }
        }
    }

    /// `--year` needs every input's last line: compressed files are read
    /// through, and a plain file whose tail is one long line too.
    #[test]
    fn the_last_line_is_found_in_every_kind_of_file_when_asked() {
        let dir = tempfile::tempdir().unwrap();
        let text = b"Dec 30 08:00:00 h x: y\nJan  2 09:00:00 h x: y\n";
        let gz = dir.path().join("a.log.gz");
        let mut enc = flate2::write::GzEncoder::new(File::create(&gz).unwrap(), flate2::Compression::fast());
        enc.write_all(text).unwrap();
        enc.finish().unwrap();
        let zst = dir.path().join("a.log.zst");
        std::fs::write(&zst, zstd::encode_all(&text[..], 3).unwrap()).unwrap();
        let long_tail = dir.path().join("b.log");
        let mut data = text.to_vec();
        data.extend(std::iter::repeat_n(b'x', 100 << 10));
        std::fs::write(&long_tail, &data).unwrap();
        for path in [gz, zst, long_tail] {
            let day = |find| {
                open_with(&Source::File(path.clone()), find)
                    .unwrap()
                    .last_syslog_time
                    .map(|t| (t.month, t.day))
            };
            assert_eq!(day(false), None, "{}", path.display());
            assert_eq!(day(true), Some((1, 2)), "{}", path.display());
            // And the input still reads from its start.
            let mut opened = open_with(&Source::File(path.clone()), true).unwrap();
            let mut got = Vec::new();
            opened.reader.read_to_end(&mut got).unwrap();
            assert!(got.starts_with(text), "{}", path.display());
        }
    }

    #[test]
    fn clear_errors() {
        let dir = tempfile::tempdir().unwrap();
        let e = open(&Source::File(dir.path().join("nope"))).err().unwrap();
        assert!(e.to_string().contains("no such file"), "{e}");
        let e = open(&Source::File(dir.path().to_path_buf())).err().unwrap();
        assert!(e.to_string().contains("is a directory"), "{e}");
    }
}
