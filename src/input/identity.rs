//! What an incremental run knows an input by across runs (its first bytes,
//! device and inode, size), what it plans to read of it, and where reading
//! stopped: the types the state's input marks are made from.

/// Bytes of an input's (decompressed) start that identify it across runs.
pub const IDENTITY_HEAD: usize = 4096;

/// What identifies an input across runs, besides its name: an incremental
/// run recognises a log it read before, under a new name after rotation,
/// by its first bytes.
#[derive(Debug, Clone)]
pub struct InputIdentity {
    pub name: String,
    /// Up to [`IDENTITY_HEAD`] first bytes of the content (decompressed).
    pub head: Vec<u8>,
    /// Device and inode, for a regular file.
    pub file_id: Option<(u64, u64)>,
    /// Size on disk (compressed size for compressed files).
    pub disk_size: Option<u64>,
    pub mtime: Option<i64>,
    pub compressed: bool,
    pub stdin: bool,
    /// A document format (an ESP export), read whole: never appended to.
    pub document: bool,
}

/// Where an incremental run reads an input.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Plan {
    /// Nothing new: do not read it at all.
    Skip,
    /// Read from this offset of the content (decompressed bytes); of an
    /// uncompressed file only whole lines, up to its size when opened.
    From(u64),
}

/// Where reading of an input started and where it stopped.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct InputPosition {
    /// Offset of the content where reading started.
    pub start: u64,
    /// Offset after the last byte consumed: the end of the last whole line
    /// of an uncompressed file.
    pub end: u64,
    /// The input was read to the end planned, without a read error.
    pub complete: bool,
    /// A compressed input was shorter than the planned start (a file still
    /// being compressed?): nothing was read from it.
    pub short: bool,
}
