//! Writing results: atomic file replacement, and making text from logs safe
//! to show on a terminal.

use anyhow::{Context, Result};
use std::io::Write;
use std::path::Path;

/// Escapes control characters (and Unicode bidi overrides) so that text from
/// a log or a remote server cannot move the cursor or recolour a terminal.
pub fn sanitize(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '\t' => out.push(' '),
            c if c.is_control() => out.push_str(&c.escape_default().to_string()),
            '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}' | '\u{200E}' | '\u{200F}' => {
                out.push_str(&c.escape_unicode().to_string())
            }
            c => out.push(c),
        }
    }
    out
}

/// [`sanitize`] for text of several lines: each line alone, newlines kept.
pub fn sanitize_lines(text: &str) -> String {
    text.split_inclusive('\n')
        .map(|line| match line.strip_suffix('\n') {
            Some(l) => format!("{}\n", sanitize(l)),
            None => sanitize(line),
        })
        .collect()
}

/// Writes `bytes` to `path` through a temporary file in the same directory and
/// a rename, so that readers see the old file or the new one, never half of
/// one, and a full disk leaves the old file intact. `mode` (Unix permission
/// bits) applies to the new file.
pub fn write_atomic(path: &Path, bytes: &[u8], mode: Option<u32>) -> Result<()> {
    write_atomic_with(path, mode, |w| {
        w.write_all(bytes).with_context(|| {
            format!(
                "{}: cannot write (disk full?); the previous file is untouched",
                path.display()
            )
        })
    })
}

/// [`write_atomic`] for output written as it is made (`filter` of a large
/// list): `write` fills the temporary file; on its error the old file stays.
pub fn write_atomic_with(
    path: &Path,
    mode: Option<u32>,
    write: impl FnOnce(&mut dyn Write) -> Result<()>,
) -> Result<()> {
    let dir = match path.parent() {
        Some(d) if !d.as_os_str().is_empty() => d,
        _ => Path::new("."),
    };
    let mut tmp = tempfile::Builder::new()
        .prefix(".bouncectl-")
        .tempfile_in(dir)
        .with_context(|| {
            format!(
                "{}: cannot create a temporary file in {}",
                path.display(),
                dir.display()
            )
        })?;
    {
        let mut w = std::io::BufWriter::with_capacity(1 << 16, tmp.as_file_mut());
        write(&mut w)?;
        w.flush().with_context(|| {
            format!(
                "{}: cannot write (disk full?); the previous file is untouched",
                path.display()
            )
        })?;
    }
    tmp.as_file().sync_all().with_context(|| {
        format!(
            "{}: cannot write (disk full?); the previous file is untouched",
            path.display()
        )
    })?;
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = mode.unwrap_or(0o644);
        std::fs::set_permissions(tmp.path(), std::fs::Permissions::from_mode(mode))
            .with_context(|| format!("{}: cannot set permissions", path.display()))?;
    }
    #[cfg(not(unix))]
    let _ = mode;
    tmp.persist(path)
        .map_err(|e| e.error)
        .with_context(|| format!("{}: cannot replace the file", path.display()))?;
    Ok(())
}

/// Fails early, before any slow work, when `--out` cannot be written.
pub fn check_writable(path: &Path) -> Result<()> {
    let dir = match path.parent() {
        Some(d) if !d.as_os_str().is_empty() => d,
        _ => Path::new("."),
    };
    if !dir.is_dir() {
        anyhow::bail!(
            "{}: the directory {} does not exist",
            path.display(),
            dir.display()
        );
    }
    if path.is_dir() {
        anyhow::bail!("{}: is a directory; give a file name for --out", path.display());
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sanitize_escapes_controls() {
        assert_eq!(sanitize("a\x1b[31mb\u{202E}c\td"), "a\\u{1b}[31mb\\u{202e}c d");
        assert_eq!(sanitize("plain é"), "plain é");
    }

    #[test]
    fn atomic_write_replaces_and_sets_mode() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("out.txt");
        std::fs::write(&p, "old").unwrap();
        write_atomic(&p, b"new", Some(0o600)).unwrap();
        assert_eq!(std::fs::read_to_string(&p).unwrap(), "new");
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            assert_eq!(std::fs::metadata(&p).unwrap().permissions().mode() & 0o777, 0o600);
        }
        assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 1);
    }
}
