//! Opening a state: the file made private before SQLite sees it, the checks
//! that it is ours (before anything is written), the pragmas (WAL, busy
//! timeout), the read-only open (`immutable=1` or `mode=ro`, see the
//! module documentation of [`super`]) and the in-memory store.

use super::schema::MIGRATIONS;
use super::schema::STAGE_VERSION;
use super::{map_err, OpenOptions, SqliteStore, APPLICATION_ID};
use crate::state::{Result, StateError};
use rusqlite::{Connection, ErrorCode, OpenFlags};
use std::path::Path;
use std::time::Duration;

fn is_sqlite_header(head: &[u8]) -> bool {
    head.starts_with(b"SQLite format 3\0")
}

/// Creates `path` with mode 0600 (and missing directories with 0700) before
/// SQLite sees it: SQLite would create it with the umask's mode, and its
/// journal files inherit the database file's mode.
fn create_private(path: &Path, location: &str) -> Result<()> {
    let io = |what: &'static str| {
        let location = location.to_string();
        move |source| StateError::Io {
            path: location,
            what,
            source,
        }
    };
    if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
        if !dir.exists() {
            let mut builder = std::fs::DirBuilder::new();
            builder.recursive(true);
            #[cfg(unix)]
            {
                use std::os::unix::fs::DirBuilderExt;
                builder.mode(0o700);
            }
            builder
                .create(dir)
                .map_err(io("cannot create the state directory"))?;
        }
    }
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    match options.open(path) {
        Ok(_) => Ok(()),
        Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => Ok(()),
        Err(e) => Err(io("cannot create the state file")(e)),
    }
}

/// Whether this user may write `path` and create files next to it, and the
/// owners of both may too (their mode bits: root, to whom `access` always
/// says yes, must not leave a 0400 state's owner side files it cannot
/// write).
fn place_writable(path: &Path) -> bool {
    let writable = |p: &Path| {
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            match std::fs::metadata(p) {
                Ok(meta) if meta.permissions().mode() & 0o200 != 0 => {
                    rustix::fs::access(p, rustix::fs::Access::WRITE_OK).is_ok()
                }
                _ => false,
            }
        }
        #[cfg(not(unix))]
        {
            std::fs::metadata(p).is_ok_and(|m| !m.permissions().readonly())
        }
    };
    let dir = match path.parent() {
        Some(d) if !d.as_os_str().is_empty() => d,
        _ => Path::new("."),
    };
    writable(path) && writable(dir)
}

/// Whether the state's WAL (`PATH-wal`) is missing or empty: then every
/// committed transaction is in the main file.
fn wal_is_empty(path: &Path) -> bool {
    let mut wal = path.as_os_str().to_owned();
    wal.push("-wal");
    match std::fs::metadata(&wal) {
        Ok(meta) => meta.len() == 0,
        Err(e) => e.kind() == std::io::ErrorKind::NotFound,
    }
}

/// `path` as an SQLite URI (`file:...`), every byte but the plainest
/// escaped so that no `?`, `#` or `%` of a file name is read as URI syntax.
fn file_uri(path: &Path) -> String {
    #[cfg(unix)]
    let bytes = {
        use std::os::unix::ffi::OsStrExt;
        path.as_os_str().as_bytes().to_vec()
    };
    #[cfg(not(unix))]
    let bytes = path.to_string_lossy().into_owned().into_bytes();
    let mut uri = String::from(if bytes.starts_with(b"/") {
        "file://"
    } else {
        "file:"
    });
    for b in bytes {
        if b.is_ascii_alphanumeric() || b"/._-~".contains(&b) {
            uri.push(char::from(b));
        } else {
            uri.push_str(&format!("%{b:02X}"));
        }
    }
    uri
}

impl SqliteStore {
    /// Opens (or creates) the state at `path`, checking that an existing file
    /// is a bouncectl state before writing anything to it, and brings its
    /// schema up to date.
    pub fn open(path: &Path, options: OpenOptions) -> Result<SqliteStore> {
        let location = crate::state::display(path);
        let io = |what: &'static str| {
            let location = location.clone();
            move |source| StateError::Io {
                path: location,
                what,
                source,
            }
        };
        match std::fs::metadata(path) {
            Ok(meta) if meta.is_dir() => {
                return Err(StateError::Io {
                    path: location,
                    what: "is a directory (give a file name for --state)",
                    source: std::io::ErrorKind::IsADirectory.into(),
                })
            }
            Ok(meta) if meta.len() > 0 => {
                let mut head = [0u8; 16];
                use std::io::Read;
                let n = std::fs::File::open(path)
                    .and_then(|mut f| f.read(&mut head))
                    .map_err(io("cannot read the state file"))?;
                if !is_sqlite_header(&head[..n]) {
                    return Err(StateError::NotSqlite { path: location });
                }
            }
            Ok(_) => {}
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                if !options.create {
                    return Err(StateError::Missing { path: location });
                }
                create_private(path, &location)?;
            }
            Err(e) => return Err(io("cannot access the state file")(e)),
        }
        if options.read_only {
            return SqliteStore::open_read_only(path, location, options.lock_timeout);
        }
        let flags = OpenFlags::SQLITE_OPEN_READ_WRITE | OpenFlags::SQLITE_OPEN_NO_MUTEX;
        let conn = Connection::open_with_flags(path, flags).map_err(|e| map_err(&location, e))?;
        let mut store = SqliteStore {
            conn,
            location,
            lock_timeout: options.lock_timeout,
            before_stage: false,
        };
        store.check_ours()?;
        store.setup(true)?;
        Ok(store)
    }

    /// Opens an existing state for reading only: `immutable=1` when its
    /// place cannot be written and its WAL holds nothing, else `mode=ro`
    /// (module documentation). Never migrates: a state of an older version
    /// is read as it is, a newer one is refused.
    fn open_read_only(path: &Path, location: String, lock_timeout: Duration) -> Result<SqliteStore> {
        let snapshot = !place_writable(path) && wal_is_empty(path);
        let uri = format!(
            "{}?{}",
            file_uri(path),
            if snapshot {
                "mode=ro&immutable=1"
            } else {
                "mode=ro"
            }
        );
        let flags =
            OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_URI | OpenFlags::SQLITE_OPEN_NO_MUTEX;
        let conn = Connection::open_with_flags(&uri, flags).map_err(|e| map_err(&location, e))?;
        let mut store = SqliteStore {
            conn,
            location,
            lock_timeout,
            before_stage: false,
        };
        store.conn.busy_timeout(lock_timeout).map_err(|e| store.err(e))?;
        let id: i32 = store
            .conn
            .query_row("PRAGMA application_id", [], |r| r.get(0))
            .map_err(|e| store.err(e))?;
        if id != APPLICATION_ID {
            return Err(StateError::Foreign {
                path: store.location.clone(),
            });
        }
        store.check_not_newer(MIGRATIONS.last().map_or(0, |m| m.0))?;
        store.before_stage = store.schema_version()? < STAGE_VERSION;
        Ok(store)
    }

    /// A store in memory, for a one-shot `suppress --no-state`.
    pub fn in_memory() -> Result<SqliteStore> {
        let location = ":memory:".to_string();
        let conn = Connection::open_in_memory().map_err(|e| map_err(&location, e))?;
        let mut store = SqliteStore {
            conn,
            location,
            lock_timeout: Duration::from_secs(1),
            before_stage: false,
        };
        store.setup(false)?;
        Ok(store)
    }

    /// Refuses an SQLite file that some other program made.
    fn check_ours(&mut self) -> Result<()> {
        let look = |store: &SqliteStore| -> Result<(i32, i64)> {
            let id: i32 = store
                .conn
                .query_row("PRAGMA application_id", [], |r| r.get(0))
                .map_err(|e| store.err(e))?;
            let tables: i64 = store
                .conn
                .query_row("SELECT count(*) FROM sqlite_master", [], |r| r.get(0))
                .map_err(|e| store.err(e))?;
            Ok((id, tables))
        };
        let (id, tables) = look(self)?;
        if id == APPLICATION_ID || (id == 0 && tables == 0) {
            return Ok(());
        }
        if id == 0 {
            // Tables but no mark yet: perhaps another run creating the state
            // right now. Look again once it is done (behind its write lock).
            self.conn
                .busy_timeout(self.lock_timeout)
                .map_err(|e| self.err(e))?;
            self.conn
                .execute_batch("BEGIN IMMEDIATE")
                .map_err(|e| self.err(e))?;
            let again = look(self);
            let _ = self.conn.execute_batch("ROLLBACK");
            if again?.0 == APPLICATION_ID {
                return Ok(());
            }
        }
        Err(StateError::Foreign {
            path: self.location.clone(),
        })
    }

    fn setup(&mut self, file: bool) -> Result<()> {
        self.conn
            .busy_timeout(self.lock_timeout)
            .map_err(|e| self.err(e))?;
        if file {
            // WAL: readers (exports, history) never wait for a long analyze.
            // Switching needs the file to itself and SQLite does not wait
            // for that (two runs creating a state at once): try again
            // until the lock timeout.
            let started = std::time::Instant::now();
            loop {
                match self
                    .conn
                    .query_row("PRAGMA journal_mode=WAL", [], |r| r.get::<_, String>(0))
                {
                    Ok(_) => break,
                    Err(rusqlite::Error::SqliteFailure(f, _))
                        if f.code == ErrorCode::DatabaseBusy && started.elapsed() < self.lock_timeout =>
                    {
                        std::thread::sleep(Duration::from_millis(20));
                    }
                    Err(e) => return Err(self.err(e)),
                }
            }
            self.conn
                .execute_batch("PRAGMA synchronous=NORMAL")
                .map_err(|e| self.err(e))?;
        }
        self.migrate()?;
        self.conn
            .execute_batch("CREATE TEMP TABLE IF NOT EXISTS seen (id INTEGER PRIMARY KEY)")
            .map_err(|e| self.err(e))
    }
}
