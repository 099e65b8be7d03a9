//! The process exit codes and the usage error: what every module may
//! import to say how a run ends (no module below the commands imports them).

/// The process exit codes (DESIGN.md §4).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Exit {
    Ok = 0,
    /// I/O error, an input that could not be read to its end, corrupt state.
    Error = 1,
    /// A usage error (clap reports its own with this code too).
    Usage = 2,
    /// `--fail-on` asked for it and the threshold was reached.
    Threshold = 3,
}

/// A mistake in how the command was called: exit code 2.
#[derive(Debug, thiserror::Error)]
#[error("{0}")]
pub struct UsageError(pub String);
