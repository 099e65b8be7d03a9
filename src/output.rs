//! Writing results: `--out` targets (a regular file replaced atomically with
//! its mode kept, or a device, FIFO or open descriptor written in place),
//! their temporary files (removed on a signal, stale ones of ours removed on
//! the next run), and the one rule for foreign text: escaped for a terminal,
//! byte for byte into files and pipes.

use anyhow::{Context, Result};
use std::borrow::Cow;
use std::fs::File;
use std::io::{BufWriter, IsTerminal, Write};
use std::path::{Path, PathBuf};
use std::time::Duration;

/// Escapes control characters (and Unicode bidi overrides) so that text from
/// a log or a remote server cannot move the cursor or recolour a terminal.
pub fn sanitize(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '\t' => out.push(' '),
            c if c.is_control() => out.push_str(&c.escape_default().to_string()),
            c if is_bidi(c) => out.push_str(&c.escape_unicode().to_string()),
            c => out.push(c),
        }
    }
    out
}

/// The Unicode characters that reorder the text after them.
fn is_bidi(c: char) -> bool {
    matches!(c, '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}' | '\u{200E}' | '\u{200F}')
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

/// Whether standard output is a terminal: the one place that decides it, so
/// that every output takes the same side of [`Shown`].
pub fn stdout_is_terminal() -> bool {
    std::io::stdout().is_terminal()
}

/// Who reads what we write: a person at a terminal, who must see foreign
/// text escaped ([`sanitize`]), or a program (a file, a pipe), which must get
/// every byte of an address as it is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Shown {
    Terminal,
    Exact,
}

impl Shown {
    /// A terminal when there is no `--out` and stdout is one.
    pub fn for_out(out: Option<&Path>) -> Shown {
        if out.is_none() && stdout_is_terminal() {
            Shown::Terminal
        } else {
            Shown::Exact
        }
    }

    /// `text` as this reader must get it.
    pub fn text(self, text: &str) -> Cow<'_, str> {
        match self {
            Shown::Terminal if text.chars().any(|c| c == '\t' || c.is_control() || is_bidi(c)) => {
                Cow::Owned(sanitize(text))
            }
            _ => Cow::Borrowed(text),
        }
    }

    /// JSON text (from serde_json, which escapes control characters) as
    /// this reader must get it: on a terminal the bidi overrides are written
    /// as `\uXXXX` escapes too, which leaves the JSON value the same.
    pub fn json(self, json: String) -> String {
        if self == Shown::Exact || !json.chars().any(is_bidi) {
            return json;
        }
        let mut out = String::with_capacity(json.len() + 12);
        for c in json.chars() {
            if is_bidi(c) {
                out.push_str(&format!("\\u{:04x}", c as u32));
            } else {
                out.push(c);
            }
        }
        out
    }
}

/// A CSV cell that a spreadsheet shows as text instead of running it as a
/// formula: a leading `=`, `+`, `-`, `@`, tab or carriage return gets a `'`.
/// For spreadsheet formats only: it changes the value (`+1@x.com` is a valid
/// address), so machine-read formats never use it.
pub fn spreadsheet_cell(cell: &str) -> Cow<'_, str> {
    match cell.as_bytes().first() {
        Some(b'=' | b'+' | b'-' | b'@' | b'\t' | b'\r') => Cow::Owned(format!("'{cell}")),
        _ => Cow::Borrowed(cell),
    }
}

/// The name of our temporary files: `.bouncectl-XXXXXX.tmp` in the target's
/// directory (versions up to dc7d342 wrote `.bouncectl-XXXXXX`, no suffix).
const TMP_PREFIX: &str = ".bouncectl-";
const TMP_SUFFIX: &str = ".tmp";
/// A temporary file of ours is stale when no process holds its lock (its
/// writer holds one from creation to rename) and it has not been written for
/// this long; the delay covers the instant between creating and locking.
const STALE_UNLOCKED: Duration = Duration::from_secs(60);
/// The older name carried no lock: stale only when untouched for this long
/// (such a writer wrote its whole file at once, in seconds).
const STALE_LEGACY: Duration = Duration::from_secs(3600);

/// What `--out PATH` points at, after following symbolic links.
#[derive(Debug, PartialEq, Eq)]
enum Target {
    /// A regular file or none yet: written through a temporary file in
    /// `path`'s directory and renamed over it. `mode` is the existing file's.
    Replace { path: PathBuf, mode: Option<u32> },
    /// A device, FIFO or socket, or an open descriptor (`/dev/stdout`,
    /// `/dev/fd/N`, `/proc/self/fd/N`): written in place, never replaced;
    /// `append` for a descriptor that is a regular file (the shell's `>`
    /// already truncated it, `>>` wants the end).
    Direct { append: bool },
}

/// Follows the symbolic links of `path` (40 at most, as the kernel does) to
/// what is to be written. A link to a regular file resolves to that file,
/// which is replaced, keeping the link; anything under `/proc` is a
/// descriptor, written through.
fn resolve(path: &Path) -> Result<Target> {
    let mut cur = path.to_path_buf();
    for _ in 0..40 {
        if cur.starts_with("/proc") {
            // `/proc/self/fd/1` names an open descriptor, not a file we may
            // replace; its link text (`pipe:[1234]`) is no path either.
            let meta =
                std::fs::metadata(&cur).with_context(|| format!("{}: cannot open it", path.display()))?;
            return Ok(Target::Direct {
                append: meta.is_file(),
            });
        }
        match std::fs::symlink_metadata(&cur) {
            Ok(m) if m.file_type().is_symlink() => {
                let to = std::fs::read_link(&cur)
                    .with_context(|| format!("{}: cannot read the link", cur.display()))?;
                cur = match cur.parent() {
                    Some(dir) if to.is_relative() => dir.join(to),
                    _ => to,
                };
            }
            Ok(m) if m.is_dir() => {
                anyhow::bail!("{}: is a directory; give a file name for --out", path.display())
            }
            Ok(m) if m.is_file() => {
                return Ok(Target::Replace {
                    path: cur,
                    mode: mode_of(&m),
                })
            }
            Ok(_) => return Ok(Target::Direct { append: false }),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                return Ok(Target::Replace {
                    path: cur,
                    mode: None,
                })
            }
            Err(e) => return Err(e).with_context(|| format!("{}: cannot look at it", cur.display())),
        }
    }
    anyhow::bail!(
        "{}: too many levels of symbolic links; give the file itself to --out",
        path.display()
    )
}

#[cfg(unix)]
fn mode_of(m: &std::fs::Metadata) -> Option<u32> {
    use std::os::unix::fs::PermissionsExt;
    // The permission bits only: a set-user-id bit does not belong on a
    // report (the kernel clears it on any write too).
    Some(m.permissions().mode() & 0o777)
}

#[cfg(not(unix))]
fn mode_of(_: &std::fs::Metadata) -> Option<u32> {
    None
}

fn dir_of(path: &Path) -> &Path {
    match path.parent() {
        Some(d) if !d.as_os_str().is_empty() => d,
        _ => Path::new("."),
    }
}

/// An `--out` file being written; [`OutFile::commit`] makes it the target.
/// Dropped without a commit (an error), a replacement leaves the previous
/// file as it was and removes its temporary file.
pub struct OutFile {
    shown: PathBuf,
    file: BufWriter<File>,
    replace: Option<Replacement>,
}

struct Replacement {
    tmp: tempfile::TempPath,
    target: PathBuf,
    mode: u32,
    _listed: signals::Listed,
}

/// Opens `--out` for writing. A regular file (or a new one) gets a
/// temporary file beside it, locked while we write (see [`remove_stale`]),
/// removed if a signal stops us, renamed over the target on commit with the
/// target's mode kept, or `new_mode` (0600 when `None`: our outputs hold
/// addresses) for a new file. Anything else is opened and written in place.
pub fn create(path: &Path, new_mode: Option<u32>) -> Result<OutFile> {
    match resolve(path)? {
        Target::Direct { append } => {
            let file = std::fs::OpenOptions::new()
                .write(true)
                .append(append)
                .open(path)
                .with_context(|| format!("{}: cannot open it for writing", path.display()))?;
            Ok(OutFile {
                shown: path.to_path_buf(),
                file: BufWriter::with_capacity(1 << 16, file),
                replace: None,
            })
        }
        Target::Replace { path: target, mode } => {
            let dir = dir_of(&target);
            let removed = remove_stale(dir);
            if removed > 0 {
                eprintln!(
                    "bouncectl: removed {removed} stale temporary file{} ({TMP_PREFIX}*) left in {} by an interrupted run",
                    if removed == 1 { "" } else { "s" },
                    sanitize(&dir.display().to_string())
                );
            }
            let guard = signals::watch();
            let tmp = tempfile::Builder::new()
                .prefix(TMP_PREFIX)
                .suffix(TMP_SUFFIX)
                .tempfile_in(dir)
                .with_context(|| {
                    format!(
                        "{}: cannot create a temporary file in {}",
                        path.display(),
                        dir.display()
                    )
                })?;
            let (file, tmp) = tmp.into_parts();
            let listed = signals::add(&tmp, guard);
            // Shows a later run that we are alive; a failure to lock (a
            // file system without locks) leaves only the age rule.
            let _ = file.try_lock();
            Ok(OutFile {
                shown: path.to_path_buf(),
                file: BufWriter::with_capacity(1 << 16, file),
                replace: Some(Replacement {
                    tmp,
                    target,
                    mode: mode.unwrap_or(new_mode.unwrap_or(0o600)),
                    _listed: listed,
                }),
            })
        }
    }
}

impl OutFile {
    /// Flushes, and for a replacement syncs, sets the mode and renames over
    /// the target (the link that led there, if any, stays a link).
    pub fn commit(self) -> Result<()> {
        let OutFile { shown, file, replace } = self;
        let untouched = if replace.is_some() {
            "(disk full?); the previous file is untouched"
        } else {
            ""
        };
        let file = file
            .into_inner()
            .map_err(|e| e.into_error())
            .with_context(|| format!("{}: cannot write {untouched}", shown.display()))?;
        let Some(r) = replace else {
            return Ok(());
        };
        file.sync_all()
            .with_context(|| format!("{}: cannot write {untouched}", shown.display()))?;
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            file.set_permissions(std::fs::Permissions::from_mode(r.mode))
                .with_context(|| format!("{}: cannot set permissions", shown.display()))?;
        }
        #[cfg(not(unix))]
        let _ = r.mode;
        r.tmp
            .persist(&r.target)
            .map_err(|e| e.error)
            .with_context(|| format!("{}: cannot replace the file", shown.display()))?;
        // The lock goes with the descriptor, after the rename.
        drop(file);
        Ok(())
    }
}

impl Write for OutFile {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.file.write(buf)
    }
    fn write_all(&mut self, buf: &[u8]) -> std::io::Result<()> {
        self.file.write_all(buf)
    }
    fn flush(&mut self) -> std::io::Result<()> {
        self.file.flush()
    }
}

/// Writes `bytes` to `path` as [`create`] and [`OutFile::commit`] do: readers
/// see the old file or the new one, never half of one, and a full disk leaves
/// the old file intact. `new_mode` applies to a file that did not exist (an
/// existing file keeps its mode).
pub fn write_atomic(path: &Path, bytes: &[u8], new_mode: Option<u32>) -> Result<()> {
    let mut out = create(path, new_mode)?;
    out.write_all(bytes).with_context(|| {
        format!(
            "{}: cannot write (disk full?); the previous file is untouched",
            path.display()
        )
    })?;
    out.commit()
}

/// Fails early, before any slow work, when `--out` cannot be written.
pub fn check_writable(path: &Path) -> Result<()> {
    if let Target::Replace { path: target, .. } = resolve(path)? {
        let dir = dir_of(&target);
        if !dir.is_dir() {
            anyhow::bail!(
                "{}: the directory {} does not exist",
                path.display(),
                dir.display()
            );
        }
    }
    Ok(())
}

/// Removes the temporary files that interrupted runs of ours left in `dir`
/// and returns how many. A file is ours and stale when all of these hold:
/// its name is `.bouncectl-XXXXXX.tmp` and nobody holds its lock and it was
/// last written a minute ago or more (or `.bouncectl-XXXXXX`, the lock-less
/// name of older versions, last written an hour ago or more); it is a
/// regular file (not a link); and it belongs to our effective user. Nothing
/// else is touched, and any doubt (an error) keeps the file.
pub fn remove_stale(dir: &Path) -> usize {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return 0;
    };
    let mut removed = 0;
    for entry in entries.flatten() {
        let name = entry.file_name();
        let Some(name) = name.to_str() else { continue };
        let Some(rest) = name.strip_prefix(TMP_PREFIX) else {
            continue;
        };
        let random = |s: &str| s.len() == 6 && s.bytes().all(|b| b.is_ascii_alphanumeric());
        let legacy = random(rest);
        if !legacy && !rest.strip_suffix(TMP_SUFFIX).is_some_and(random) {
            continue;
        }
        let path = entry.path();
        let Ok(meta) = std::fs::symlink_metadata(&path) else {
            continue;
        };
        if !meta.is_file() || !owned_by_us(&meta) {
            continue;
        }
        let age = meta
            .modified()
            .ok()
            .and_then(|t| t.elapsed().ok())
            .unwrap_or(Duration::ZERO);
        let stale = if legacy {
            age >= STALE_LEGACY
        } else {
            age >= STALE_UNLOCKED && unlocked(&path)
        };
        if stale && std::fs::remove_file(&path).is_ok() {
            removed += 1;
        }
    }
    removed
}

/// Whether nobody holds the lock of the file (opened for writing: over NFS
/// an exclusive lock needs it).
fn unlocked(path: &Path) -> bool {
    std::fs::OpenOptions::new()
        .read(true)
        .write(true)
        .open(path)
        .is_ok_and(|f| f.try_lock().is_ok())
}

#[cfg(unix)]
fn owned_by_us(meta: &std::fs::Metadata) -> bool {
    use std::os::unix::fs::MetadataExt;
    meta.uid() == rustix::process::geteuid().as_raw()
}

#[cfg(not(unix))]
fn owned_by_us(_: &std::fs::Metadata) -> bool {
    false
}

/// The temporary files being written, removed when SIGINT, SIGTERM or SIGHUP
/// stops the program: a thread waits for the signal (no work in the signal
/// handler itself), removes them, then lets the signal act as by default.
mod signals {
    use std::path::{Path, PathBuf};
    use std::sync::{Mutex, MutexGuard, OnceLock};

    static PENDING: Mutex<Vec<PathBuf>> = Mutex::new(Vec::new());

    fn pending() -> MutexGuard<'static, Vec<PathBuf>> {
        PENDING.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Installs the watcher (once) and holds the list, so that a signal
    /// between the file's creation and [`add`] waits for it to be listed.
    pub fn watch() -> MutexGuard<'static, Vec<PathBuf>> {
        static WATCHING: OnceLock<()> = OnceLock::new();
        WATCHING.get_or_init(install);
        pending()
    }

    /// Lists `path` until the [`Listed`] is dropped (renamed, or removed by
    /// its `TempPath`).
    pub fn add(path: &Path, mut guard: MutexGuard<'static, Vec<PathBuf>>) -> Listed {
        guard.push(path.to_path_buf());
        Listed(path.to_path_buf())
    }

    pub struct Listed(PathBuf);

    impl Drop for Listed {
        fn drop(&mut self) {
            pending().retain(|p| *p != self.0);
        }
    }

    #[cfg(test)]
    pub fn is_listed(path: &Path) -> bool {
        pending().iter().any(|p| p == path)
    }

    #[cfg(unix)]
    fn install() {
        use signal_hook::consts::{SIGHUP, SIGINT, SIGTERM};
        // Without the watcher (no thread to spare) a signal acts as
        // before, and the next run removes what it leaves.
        let Ok(mut signals) = signal_hook::iterator::Signals::new([SIGINT, SIGTERM, SIGHUP]) else {
            return;
        };
        let _ = std::thread::Builder::new()
            .name("bouncectl-signals".into())
            .spawn(move || {
                if let Some(signal) = signals.forever().next() {
                    for path in pending().drain(..) {
                        let _ = std::fs::remove_file(path);
                    }
                    let _ = signal_hook::low_level::emulate_default_handler(signal);
                    std::process::exit(128 + signal);
                }
            });
    }

    #[cfg(not(unix))]
    fn install() {}
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
    fn terminal_text_is_escaped_and_exact_text_is_not() {
        let hostile = "a\x1b]8;;http://x\x07b\u{202E}@x.com";
        assert_eq!(Shown::Terminal.text(hostile), sanitize(hostile));
        assert!(!Shown::Terminal
            .text(hostile)
            .contains(['\x1b', '\x07', '\u{202E}']));
        assert_eq!(Shown::Exact.text(hostile), hostile);
        assert!(matches!(Shown::Terminal.text("plain@x.com"), Cow::Borrowed(_)));
        let json = serde_json::to_string(hostile).unwrap();
        let shown = Shown::Terminal.json(json.clone());
        assert!(!shown.contains(['\x1b', '\x07', '\u{202E}']), "{shown}");
        assert_eq!(serde_json::from_str::<String>(&shown).unwrap(), hostile);
        assert_eq!(Shown::Exact.json(json.clone()), json);
    }

    #[test]
    fn spreadsheet_cells_are_defused() {
        for c in ["=1", "+1", "-1", "@x", "\tx", "\rx"] {
            assert_eq!(spreadsheet_cell(c), format!("'{c}"));
        }
        assert_eq!(spreadsheet_cell("plain@x.com"), "plain@x.com");
        assert_eq!(spreadsheet_cell(""), "");
    }

    #[cfg(unix)]
    fn mode(p: &Path) -> u32 {
        use std::os::unix::fs::PermissionsExt;
        std::fs::metadata(p).unwrap().permissions().mode() & 0o777
    }

    #[test]
    fn atomic_write_replaces_and_keeps_the_mode() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("out.txt");
        write_atomic(&p, b"first", None).unwrap();
        #[cfg(unix)]
        assert_eq!(mode(&p), 0o600, "a new file holds addresses");
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            std::fs::set_permissions(&p, std::fs::Permissions::from_mode(0o640)).unwrap();
        }
        write_atomic(&p, b"new", Some(0o600)).unwrap();
        assert_eq!(std::fs::read_to_string(&p).unwrap(), "new");
        #[cfg(unix)]
        assert_eq!(mode(&p), 0o640);
        assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 1);
    }

    #[test]
    fn a_dropped_file_leaves_the_old_one_and_no_temporary() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("out.txt");
        std::fs::write(&p, "old").unwrap();
        let mut out = create(&p, None).unwrap();
        out.write_all(b"half").unwrap();
        let tmp = out.replace.as_ref().unwrap().tmp.to_path_buf();
        assert!(signals::is_listed(&tmp));
        assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 2);
        drop(out);
        assert_eq!(std::fs::read_to_string(&p).unwrap(), "old");
        assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 1);
        assert!(!signals::is_listed(&tmp));
    }

    #[cfg(unix)]
    #[test]
    fn links_are_followed_and_kept() {
        let dir = tempfile::tempdir().unwrap();
        let real = dir.path().join("real.csv");
        let link = dir.path().join("link.csv");
        std::fs::write(&real, "old").unwrap();
        std::os::unix::fs::symlink("real.csv", &link).unwrap();
        assert_eq!(
            resolve(&link).unwrap(),
            Target::Replace {
                path: real.clone(),
                mode: Some(mode(&real))
            }
        );
        write_atomic(&link, b"new", None).unwrap();
        assert!(std::fs::symlink_metadata(&link).unwrap().file_type().is_symlink());
        assert_eq!(std::fs::read_to_string(&real).unwrap(), "new");
        assert_eq!(
            resolve(Path::new("/dev/null")).unwrap(),
            Target::Direct { append: false }
        );
        assert!(resolve(dir.path()).is_err());
    }

    #[cfg(unix)]
    #[test]
    fn only_our_stale_unlocked_temporaries_are_removed() {
        let dir = tempfile::tempdir().unwrap();
        let old = filetime::FileTime::from_unix_time(1_700_000_000, 0);
        let mk = |name: &str, aged: bool| {
            let p = dir.path().join(name);
            std::fs::write(&p, "x").unwrap();
            if aged {
                filetime::set_file_mtime(&p, old).unwrap();
            }
            p
        };
        let stale = mk(".bouncectl-abc123.tmp", true);
        let legacy = mk(".bouncectl-Xy12z9", true);
        let fresh = mk(".bouncectl-fresh1.tmp", false);
        let other = mk(".bouncectl-notes.txt", true);
        let locked = mk(".bouncectl-lock99.tmp", true);
        let held = File::options().read(true).write(true).open(&locked).unwrap();
        held.try_lock().unwrap();
        assert_eq!(remove_stale(dir.path()), 2);
        assert!(!stale.exists() && !legacy.exists());
        assert!(fresh.exists() && other.exists() && locked.exists());
        drop(held);
    }
}
