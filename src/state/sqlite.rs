//! The SQLite store: one file (mode 0600, created before SQLite opens it, in
//! a 0700 directory), WAL journal so that exports can read while a run
//! writes, versioned migrations, and a run's writes in one `BEGIN IMMEDIATE`
//! transaction whose lock makes a second run wait (`busy_timeout`) or fail
//! with a clear message. A file that is not ours is never written to.
//!
//! The read-only commands open the state read-only (`OpenOptions::read_only`):
//! they never migrate, switch journal modes or create anything. A read-only
//! SQLite connection to a WAL database still creates the `-wal` and `-shm`
//! files when they are missing, and cannot remove them when it closes; made
//! with the database's mode, those of a 0400 state would then stop every
//! later writer ("attempt to write a readonly database"), and in a read-only
//! directory they cannot be made at all. So a state whose place this user (or
//! the file's owner, by its mode bits: root ignores them) cannot write, and
//! whose WAL is missing or empty (nothing committed lies outside the main
//! file), is opened `immutable=1`: read as the snapshot it is, without locks
//! or side files. Anything else (a writable place, or a WAL with content) is
//! opened `mode=ro` through the shared memory, as SQLite means it.
//!
//! The SQL is kept portable (upserts with `ON CONFLICT`, no SQLite-only
//! functions in queries): the PostgreSQL store (`super::postgres`) follows it
//! table by table and column by column.

use super::{
    AddressEvent, AddressRecord, Contradiction, Counts, CountsQuery, DeferralRow, DeliveryRow, History,
    InputMark, Pruned, Replayed, Result, ScopeFilter, SignalRow, StateError, Store, Stored, SuppressedVisit,
    Violation, CONTRADICTED_SQL,
};
use crate::model::{Class, Stage};
use crate::suppression::{Cause, Status, StoredOutcome, Trigger};
use rusqlite::{params, Connection, ErrorCode, OpenFlags, OptionalExtension, Row};
use std::path::Path;
use std::time::Duration;

/// `PRAGMA application_id` of a bouncectl state ("bnce"): tells our file from
/// any other SQLite database.
pub const APPLICATION_ID: i32 = 0x626e_6365;

/// Ordered schema migrations: (version, what it does, SQL). A database is
/// brought from its version to the last one in one transaction; never edit a
/// released step, add one.
const MIGRATIONS: &[(i64, &str, &str)] = &[
    (1, "initial schema", SCHEMA_V1),
    (2, "ESP signals; rows of the single host named", SCHEMA_V2),
    (
        3,
        "the stage and the matched words of a delivery's verdict",
        SCHEMA_V3,
    ),
];

/// The stage (`connect` .. `data`) and the matched words of a bounce's
/// verdict, with every delivery and pending delivery. Rows stored before
/// keep them `NULL` (not known). And the report's suppression numbers from
/// indexes alone: by status and class (covering `counts`), by the run that
/// suppressed (`new`, and `prune`'s check of a run's rows).
const SCHEMA_V3: &str = "
ALTER TABLE deliveries ADD COLUMN stage TEXT;
ALTER TABLE deliveries ADD COLUMN matched TEXT;
ALTER TABLE pending ADD COLUMN stage TEXT;
ALTER TABLE pending ADD COLUMN matched TEXT;
DROP INDEX addresses_status;
CREATE INDEX addresses_status_class ON addresses (status, class);
CREATE INDEX addresses_suppressed_run ON addresses (suppressed_run);
";

/// The first schema version with `stage` and `matched` columns.
const STAGE_VERSION: i64 = 3;

/// ESP signals (complaints, unsubscribes, ESP-side suppressions), once per
/// host, address, kind and time. A state of version 1 had one host, stored
/// as `''`: its rows get the name of the machine that migrates it (the
/// default `--host`), see `SqliteStore::migrate`.
const SCHEMA_V2: &str = "
CREATE TABLE signals (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    host TEXT NOT NULL,
    address TEXT NOT NULL,
    kind TEXT NOT NULL,
    ts INTEGER NOT NULL,
    detail TEXT,
    run_id INTEGER NOT NULL,
    UNIQUE (host, address, kind, ts)
);
CREATE INDEX signals_address ON signals (address, ts);
CREATE INDEX signals_run ON signals (run_id);
CREATE INDEX deferrals_ts ON deferrals (ts);
CREATE INDEX deliveries_ts ON deliveries (ts);
";

/// Version 2 names the host of a version-1 state's rows (`?1`).
const NAME_THE_HOST: &str = "
UPDATE deliveries SET host = ?1 WHERE host = '';
UPDATE pending SET host = ?1 WHERE host = '';
UPDATE deferrals SET host = ?1 WHERE host = '';
UPDATE inputs SET host = ?1 WHERE host = '';
UPDATE kv SET k = 'snapshot:' || ?1 WHERE k = 'snapshot:';
";

const SCHEMA_V1: &str = "
CREATE TABLE runs (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    started_at INTEGER NOT NULL,
    finished_at INTEGER,
    command TEXT NOT NULL
);
CREATE TABLE inputs (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    host TEXT NOT NULL,
    path TEXT NOT NULL,
    dev INTEGER,
    inode INTEGER,
    head_len INTEGER NOT NULL,
    head_hash INTEGER NOT NULL,
    byte_offset INTEGER NOT NULL,
    compressed INTEGER NOT NULL,
    disk_size INTEGER,
    complete INTEGER NOT NULL,
    last_seen INTEGER NOT NULL
);
CREATE TABLE deliveries (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    host TEXT NOT NULL,
    msg_id TEXT NOT NULL,
    rcpt TEXT NOT NULL,
    ts INTEGER NOT NULL,
    first_ts INTEGER NOT NULL,
    outcome TEXT NOT NULL,
    reason TEXT,
    rule TEXT,
    status_code TEXT,
    diagnostic TEXT NOT NULL,
    deferrals INTEGER NOT NULL,
    local INTEGER NOT NULL,
    notification INTEGER NOT NULL,
    sender TEXT,
    relay TEXT,
    source TEXT NOT NULL,
    run_id INTEGER NOT NULL,
    UNIQUE (host, msg_id, rcpt, ts)
);
CREATE INDEX deliveries_rcpt ON deliveries (rcpt, ts);
CREATE TABLE pending (
    host TEXT NOT NULL,
    msg_id TEXT NOT NULL,
    rcpt TEXT NOT NULL,
    ts INTEGER NOT NULL,
    first_ts INTEGER NOT NULL,
    reason TEXT,
    rule TEXT,
    status_code TEXT,
    diagnostic TEXT NOT NULL,
    deferrals INTEGER NOT NULL,
    local INTEGER NOT NULL,
    notification INTEGER NOT NULL,
    sender TEXT,
    relay TEXT,
    source TEXT NOT NULL,
    run_id INTEGER NOT NULL,
    PRIMARY KEY (host, msg_id, rcpt)
);
CREATE INDEX pending_rcpt ON pending (rcpt);
CREATE TABLE deferrals (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    host TEXT NOT NULL,
    msg_id TEXT NOT NULL,
    rcpt TEXT NOT NULL,
    ts INTEGER NOT NULL,
    class TEXT,
    reason TEXT,
    rule TEXT,
    cause TEXT,
    status_code TEXT,
    diagnostic TEXT NOT NULL,
    local INTEGER NOT NULL,
    notification INTEGER NOT NULL,
    relay TEXT,
    source TEXT NOT NULL,
    run_id INTEGER NOT NULL,
    UNIQUE (host, msg_id, rcpt, ts)
);
CREATE TABLE addresses (
    address TEXT PRIMARY KEY,
    status TEXT NOT NULL,
    soft_streak INTEGER NOT NULL,
    class TEXT,
    reason TEXT,
    status_code TEXT,
    diagnostic TEXT,
    trigger_id INTEGER,
    trigger_ts INTEGER,
    suppressed_run INTEGER,
    first_seen INTEGER,
    last_seen INTEGER,
    bounces INTEGER NOT NULL,
    counts_after INTEGER
);
CREATE INDEX addresses_status ON addresses (status);
CREATE TABLE address_events (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    address TEXT NOT NULL,
    ts INTEGER NOT NULL,
    action TEXT NOT NULL,
    note TEXT
);
CREATE INDEX address_events_address ON address_events (address);
CREATE TABLE kv (
    k TEXT PRIMARY KEY,
    v TEXT NOT NULL
);
";

/// How to open a state file.
#[derive(Debug, Clone, Copy)]
pub struct OpenOptions {
    /// Create the file (and its directory) when missing; else a missing file
    /// is an error (the read-only commands have nothing to read).
    pub create: bool,
    /// How long to wait for another run's lock.
    pub lock_timeout: Duration,
    /// Open for reading only (exports, reports, history): nothing is
    /// written, not even a migration or the WAL side files (see the module
    /// documentation).
    pub read_only: bool,
}

pub struct SqliteStore {
    conn: Connection,
    location: String,
    lock_timeout: Duration,
    /// Opened read-only on a state older than schema v3 (never migrated by
    /// a read-only command): its deliveries are read without stage and
    /// matched words.
    before_stage: bool,
}

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
        let location = super::display(path);
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

    fn err(&self, e: rusqlite::Error) -> StateError {
        if let rusqlite::Error::SqliteFailure(f, _) = &e {
            if f.code == ErrorCode::DatabaseBusy || f.code == ErrorCode::DatabaseLocked {
                return StateError::Busy {
                    path: self.location.clone(),
                    waited: self.lock_timeout.as_secs(),
                };
            }
        }
        map_err(&self.location, e)
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

    /// The schema version (0 for a new file).
    pub fn schema_version(&self) -> Result<i64> {
        let has: Option<String> = self
            .conn
            .query_row(
                "SELECT name FROM sqlite_master WHERE type = 'table' AND name = 'schema_migrations'",
                [],
                |r| r.get(0),
            )
            .optional()
            .map_err(|e| self.err(e))?;
        if has.is_none() {
            return Ok(0);
        }
        self.conn
            .query_row(
                "SELECT coalesce(max(version), 0) FROM schema_migrations",
                [],
                |r| r.get(0),
            )
            .map_err(|e| self.err(e))
    }

    fn migrate(&mut self) -> Result<()> {
        let latest = MIGRATIONS.last().map_or(0, |m| m.0);
        if self.schema_version()? >= latest {
            return self.check_not_newer(latest);
        }
        self.conn
            .execute_batch("BEGIN IMMEDIATE")
            .map_err(|e| self.err(e))?;
        let result = (|| -> Result<()> {
            // Read again under the lock: another run may have migrated.
            let current = self.schema_version()?;
            self.conn
                .execute_batch(
                    "CREATE TABLE IF NOT EXISTS schema_migrations (
                        version INTEGER PRIMARY KEY,
                        description TEXT NOT NULL,
                        applied_at INTEGER NOT NULL)",
                )
                .map_err(|e| self.err(e))?;
            let now = jiff::Timestamp::now().as_second();
            for (version, description, sql) in MIGRATIONS.iter().filter(|m| m.0 > current) {
                self.conn.execute_batch(sql).map_err(|e| self.err(e))?;
                if *version == 2 && current >= 1 {
                    let host = super::host::default_host();
                    for statement in NAME_THE_HOST.split(';').map(str::trim).filter(|s| !s.is_empty()) {
                        self.conn
                            .execute(statement, params![host])
                            .map_err(|e| self.err(e))?;
                    }
                }
                self.conn
                    .execute(
                        "INSERT INTO schema_migrations (version, description, applied_at) VALUES (?1, ?2, ?3)",
                        params![version, description, now],
                    )
                    .map_err(|e| self.err(e))?;
            }
            self.conn
                .execute_batch(&format!("PRAGMA application_id = {APPLICATION_ID}"))
                .map_err(|e| self.err(e))
        })();
        match result {
            Ok(()) => self.conn.execute_batch("COMMIT").map_err(|e| self.err(e)),
            Err(e) => {
                let _ = self.conn.execute_batch("ROLLBACK");
                Err(e)
            }
        }
    }

    fn check_not_newer(&self, latest: i64) -> Result<()> {
        let found = self.schema_version()?;
        if found > latest {
            return Err(StateError::Newer {
                path: self.location.clone(),
                found,
                known: latest,
            });
        }
        Ok(())
    }

    fn data_err(&self, detail: String) -> StateError {
        StateError::Data {
            path: self.location.clone(),
            detail,
        }
    }

    fn delivery_from(&self, r: &Row<'_>, outcome: Option<Stored>) -> rusqlite::Result<(i64, DeliveryRow)> {
        // Column order: see DELIVERY_COLUMNS.
        let outcome = match outcome {
            Some(o) => o,
            None => {
                let s: String = r.get(6)?;
                Stored::parse(&s).unwrap_or(Stored::Bounced(Class::Soft))
            }
        };
        Ok((
            r.get(0)?,
            DeliveryRow {
                host: r.get(1)?,
                msg_id: r.get(2)?,
                rcpt: r.get(3)?,
                ts: r.get(4)?,
                first_ts: r.get(5)?,
                outcome,
                reason: r.get(7)?,
                rule: r.get(8)?,
                status_code: r.get(9)?,
                diagnostic: r.get(10)?,
                deferrals: r.get(11)?,
                local: r.get(12)?,
                notification: r.get(13)?,
                sender: r.get(14)?,
                relay: r.get(15)?,
                source: r.get(16)?,
                stage: r.get::<_, Option<String>>(17)?.as_deref().and_then(Stage::parse),
                matched: r.get(18)?,
            },
        ))
    }

    /// The columns of a stored delivery (`delivery_from`'s order).
    fn delivery_columns(&self) -> &'static str {
        if self.before_stage {
            DELIVERY_COLUMNS_V2
        } else {
            DELIVERY_COLUMNS
        }
    }

    /// The columns of a pending delivery, in the same order.
    fn pending_columns(&self) -> &'static str {
        if self.before_stage {
            PENDING_COLUMNS_V2
        } else {
            PENDING_COLUMNS
        }
    }
}

const DELIVERY_COLUMNS: &str = "id, host, msg_id, rcpt, ts, first_ts, outcome, reason, rule, status_code, \
     diagnostic, deferrals, local, notification, sender, relay, source, stage, matched";
const PENDING_COLUMNS: &str = "0, host, msg_id, rcpt, ts, first_ts, 'pending', reason, rule, status_code, \
     diagnostic, deferrals, local, notification, sender, relay, source, stage, matched";
/// The same of a state before schema v3, read as it is by a read-only command.
const DELIVERY_COLUMNS_V2: &str =
    "id, host, msg_id, rcpt, ts, first_ts, outcome, reason, rule, status_code, \
     diagnostic, deferrals, local, notification, sender, relay, source, NULL, NULL";
const PENDING_COLUMNS_V2: &str =
    "0, host, msg_id, rcpt, ts, first_ts, 'pending', reason, rule, status_code, \
     diagnostic, deferrals, local, notification, sender, relay, source, NULL, NULL";
const ADDRESS_COLUMNS: &str = "address, status, soft_streak, class, reason, status_code, diagnostic, \
     trigger_id, trigger_ts, suppressed_run, first_seen, last_seen, bounces, counts_after";
/// An address with the rule of its trigger (a delivery's, none for a
/// signal): `SELECT {ADDRESS_SELECT} WHERE ...`, columns qualified with `a.`.
const ADDRESS_SELECT: &str = "a.address, a.status, a.soft_streak, a.class, a.reason, a.status_code, a.diagnostic, \
     a.trigger_id, a.trigger_ts, a.suppressed_run, a.first_seen, a.last_seen, a.bounces, a.counts_after, t.rule \
     FROM addresses a LEFT JOIN deliveries t ON t.id = a.trigger_id AND t.rcpt = a.address";

fn map_err(location: &str, e: rusqlite::Error) -> StateError {
    if let rusqlite::Error::SqliteFailure(f, _) = &e {
        match f.code {
            ErrorCode::DatabaseCorrupt | ErrorCode::NotADatabase => {
                return StateError::Corrupt {
                    path: location.into(),
                    detail: e.to_string(),
                }
            }
            ErrorCode::PermissionDenied | ErrorCode::ReadOnly | ErrorCode::CannotOpen => {
                return StateError::Sqlite {
                    path: location.into(),
                    detail: format!("{e} (check that this user can write the file and its directory)"),
                }
            }
            ErrorCode::DiskFull => {
                return StateError::Sqlite {
                    path: location.into(),
                    detail: format!("{e}; nothing of this run was saved"),
                }
            }
            _ => {}
        }
    }
    StateError::Sqlite {
        path: location.into(),
        detail: e.to_string(),
    }
}

fn address_from(r: &Row<'_>) -> rusqlite::Result<AddressRecord> {
    let status: String = r.get(1)?;
    let class: Option<String> = r.get(3)?;
    let trigger = match (
        class.as_deref().and_then(Cause::parse),
        r.get::<_, Option<i64>>(7)?,
        r.get::<_, Option<i64>>(8)?,
    ) {
        (Some(class), Some(id), Some(ts)) => Some(Trigger {
            id,
            ts,
            class,
            reason: r.get(4)?,
            rule: r.get(14)?,
            status_code: r.get(5)?,
            diagnostic: r.get::<_, Option<String>>(6)?.unwrap_or_default(),
        }),
        _ => None,
    };
    Ok(AddressRecord {
        address: r.get(0)?,
        status: Status::parse(&status).unwrap_or(Status::Ok),
        soft_streak: r.get(2)?,
        trigger,
        suppressed_run: r.get(9)?,
        first_seen: r.get(10)?,
        last_seen: r.get(11)?,
        bounces: r.get::<_, i64>(12)?.max(0) as u64,
        counts_after: r.get(13)?,
    })
}

fn file_id_to_sql(id: Option<(u64, u64)>) -> (Option<i64>, Option<i64>) {
    match id {
        Some((dev, ino)) => (Some(dev as i64), Some(ino as i64)),
        None => (None, None),
    }
}

impl Store for SqliteStore {
    fn location(&self) -> &str {
        &self.location
    }

    fn begin_run(&mut self, command: &str, now: i64) -> Result<i64> {
        self.conn
            .execute_batch("BEGIN IMMEDIATE")
            .map_err(|e| self.err(e))?;
        self.conn
            .execute_batch("DELETE FROM temp.seen")
            .map_err(|e| self.err(e))?;
        self.conn
            .execute(
                "INSERT INTO runs (started_at, command) VALUES (?1, ?2)",
                params![now, command],
            )
            .map_err(|e| self.err(e))?;
        Ok(self.conn.last_insert_rowid())
    }

    fn commit_run(&mut self, run: i64, now: i64) -> Result<()> {
        self.conn
            .execute(
                "UPDATE runs SET finished_at = ?1 WHERE id = ?2",
                params![now, run],
            )
            .map_err(|e| self.err(e))?;
        self.conn.execute_batch("COMMIT").map_err(|e| self.err(e))
    }

    fn rollback_run(&mut self) -> Result<()> {
        if self.conn.is_autocommit() {
            return Ok(());
        }
        self.conn.execute_batch("ROLLBACK").map_err(|e| self.err(e))
    }

    fn input_marks(&mut self, host: &str) -> Result<Vec<InputMark>> {
        let mut stmt = self
            .conn
            .prepare_cached(
                "SELECT id, host, path, dev, inode, head_len, head_hash, byte_offset, compressed, disk_size, \
                 complete, last_seen FROM inputs WHERE host = ?1 ORDER BY id",
            )
            .map_err(|e| self.err(e))?;
        let rows = stmt
            .query_map(params![host], |r| {
                let dev: Option<i64> = r.get(3)?;
                let ino: Option<i64> = r.get(4)?;
                Ok(InputMark {
                    id: Some(r.get(0)?),
                    host: r.get(1)?,
                    path: r.get(2)?,
                    file_id: dev.zip(ino).map(|(d, i)| (d as u64, i as u64)),
                    head_len: r.get::<_, i64>(5)?.max(0) as u64,
                    head_hash: r.get::<_, i64>(6)? as u64,
                    offset: r.get::<_, i64>(7)?.max(0) as u64,
                    compressed: r.get(8)?,
                    disk_size: r.get::<_, Option<i64>>(9)?.map(|s| s.max(0) as u64),
                    complete: r.get(10)?,
                    last_seen: r.get(11)?,
                })
            })
            .and_then(|rows| rows.collect::<rusqlite::Result<Vec<_>>>());
        drop(stmt);
        rows.map_err(|e| self.err(e))
    }

    fn save_input_mark(&mut self, m: &InputMark) -> Result<i64> {
        let (dev, ino) = file_id_to_sql(m.file_id);
        let values = params![
            m.host,
            m.path,
            dev,
            ino,
            m.head_len as i64,
            m.head_hash as i64,
            m.offset as i64,
            m.compressed,
            m.disk_size.map(|s| s as i64),
            m.complete,
            m.last_seen,
        ];
        match m.id {
            Some(id) => {
                let mut stmt = self
                    .conn
                    .prepare_cached(
                        "UPDATE inputs SET host = ?1, path = ?2, dev = ?3, inode = ?4, head_len = ?5, head_hash = ?6, \
                         byte_offset = ?7, compressed = ?8, disk_size = ?9, complete = ?10, last_seen = ?11 \
                         WHERE id = ?12",
                    )
                    .map_err(|e| self.err(e))?;
                let mut all: Vec<&dyn rusqlite::ToSql> = values.to_vec();
                all.push(&id);
                let r = stmt.execute(all.as_slice());
                drop(stmt);
                r.map_err(|e| self.err(e))?;
                Ok(id)
            }
            None => {
                let mut stmt = self
                    .conn
                    .prepare_cached(
                        "INSERT INTO inputs (host, path, dev, inode, head_len, head_hash, byte_offset, compressed, \
                         disk_size, complete, last_seen) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)",
                    )
                    .map_err(|e| self.err(e))?;
                let r = stmt.execute(values);
                drop(stmt);
                r.map_err(|e| self.err(e))?;
                Ok(self.conn.last_insert_rowid())
            }
        }
    }

    fn prune_input_marks(&mut self, host: &str, before: i64) -> Result<()> {
        self.conn
            .execute(
                "DELETE FROM inputs WHERE host = ?1 AND last_seen < ?2",
                params![host, before],
            )
            .map(|_| ())
            .map_err(|e| self.err(e))
    }

    fn snapshot(&mut self, host: &str) -> Result<Option<String>> {
        self.conn
            .query_row(
                "SELECT v FROM kv WHERE k = ?1",
                params![format!("snapshot:{host}")],
                |r| r.get(0),
            )
            .optional()
            .map_err(|e| self.err(e))
    }

    fn save_snapshot(&mut self, host: &str, json: &str) -> Result<()> {
        self.conn
            .execute(
                "INSERT INTO kv (k, v) VALUES (?1, ?2) ON CONFLICT (k) DO UPDATE SET v = excluded.v",
                params![format!("snapshot:{host}"), json],
            )
            .map(|_| ())
            .map_err(|e| self.err(e))
    }

    fn record_final(&mut self, run: i64, d: &DeliveryRow) -> Result<()> {
        let inserted = {
            let mut stmt = self
                .conn
                .prepare_cached(
                    "INSERT INTO deliveries (host, msg_id, rcpt, ts, first_ts, outcome, reason, rule, status_code, \
                     diagnostic, deferrals, local, notification, sender, relay, source, run_id, stage, matched) \
                     VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17, ?18, ?19) \
                     ON CONFLICT (host, msg_id, rcpt, ts) DO NOTHING",
                )
                .map_err(|e| self.err(e))?;
            let r = stmt.execute(params![
                d.host,
                d.msg_id,
                d.rcpt,
                d.ts,
                d.first_ts,
                d.outcome.as_str(),
                d.reason,
                d.rule,
                d.status_code,
                d.diagnostic,
                d.deferrals,
                d.local,
                d.notification,
                d.sender,
                d.relay,
                d.source,
                run,
                d.stage.map(Stage::as_str),
                d.matched,
            ]);
            drop(stmt);
            r.map_err(|e| self.err(e))?
        };
        let id: i64 = if inserted == 1 {
            self.conn.last_insert_rowid()
        } else {
            let mut stmt = self
                .conn
                .prepare_cached(
                    "SELECT id FROM deliveries WHERE host = ?1 AND msg_id = ?2 AND rcpt = ?3 AND ts = ?4",
                )
                .map_err(|e| self.err(e))?;
            let r = stmt.query_row(params![d.host, d.msg_id, d.rcpt, d.ts], |r| r.get(0));
            drop(stmt);
            r.map_err(|e| self.err(e))?
        };
        let mut seen = self
            .conn
            .prepare_cached("INSERT INTO temp.seen (id) VALUES (?1) ON CONFLICT (id) DO NOTHING")
            .map_err(|e| self.err(e))?;
        let r = seen.execute(params![id]);
        drop(seen);
        r.map_err(|e| self.err(e))?;
        let mut done = self
            .conn
            .prepare_cached("DELETE FROM pending WHERE host = ?1 AND msg_id = ?2 AND rcpt = ?3 AND ts <= ?4")
            .map_err(|e| self.err(e))?;
        let r = done.execute(params![d.host, d.msg_id, d.rcpt, d.ts]);
        drop(done);
        r.map(|_| ()).map_err(|e| self.err(e))
    }

    fn record_pending(&mut self, run: i64, d: &DeliveryRow) -> Result<()> {
        // A pending delivery some later run already saw end stays ended.
        let ended: Option<i64> = {
            let mut stmt = self
                .conn
                .prepare_cached(
                    "SELECT id FROM deliveries WHERE host = ?1 AND msg_id = ?2 AND rcpt = ?3 AND ts >= ?4 LIMIT 1",
                )
                .map_err(|e| self.err(e))?;
            let r = stmt
                .query_row(params![d.host, d.msg_id, d.rcpt, d.ts], |r| r.get(0))
                .optional();
            drop(stmt);
            r.map_err(|e| self.err(e))?
        };
        if ended.is_some() {
            return Ok(());
        }
        let mut stmt = self
            .conn
            .prepare_cached(
                "INSERT INTO pending (host, msg_id, rcpt, ts, first_ts, reason, rule, status_code, diagnostic, \
                 deferrals, local, notification, sender, relay, source, run_id, stage, matched) \
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17, ?18) \
                 ON CONFLICT (host, msg_id, rcpt) DO UPDATE SET ts = excluded.ts, first_ts = excluded.first_ts, \
                 reason = excluded.reason, rule = excluded.rule, stage = excluded.stage, \
                 matched = excluded.matched, status_code = excluded.status_code, \
                 diagnostic = excluded.diagnostic, deferrals = excluded.deferrals, local = excluded.local, \
                 notification = excluded.notification, sender = excluded.sender, relay = excluded.relay, \
                 source = excluded.source, run_id = excluded.run_id \
                 WHERE excluded.ts > pending.ts",
            )
            .map_err(|e| self.err(e))?;
        let r = stmt.execute(params![
            d.host,
            d.msg_id,
            d.rcpt,
            d.ts,
            d.first_ts,
            d.reason,
            d.rule,
            d.status_code,
            d.diagnostic,
            d.deferrals,
            d.local,
            d.notification,
            d.sender,
            d.relay,
            d.source,
            run,
            d.stage.map(Stage::as_str),
            d.matched,
        ]);
        drop(stmt);
        r.map(|_| ()).map_err(|e| self.err(e))
    }

    fn record_deferral(&mut self, run: i64, d: &DeferralRow) -> Result<()> {
        let mut stmt = self
            .conn
            .prepare_cached(
                "INSERT INTO deferrals (host, msg_id, rcpt, ts, class, reason, rule, cause, status_code, diagnostic, \
                 local, notification, relay, source, run_id) \
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15) \
                 ON CONFLICT (host, msg_id, rcpt, ts) DO NOTHING",
            )
            .map_err(|e| self.err(e))?;
        let r = stmt.execute(params![
            d.host,
            d.msg_id,
            d.rcpt,
            d.ts,
            d.class.map(Class::as_str),
            d.reason,
            d.rule,
            d.cause,
            d.status_code,
            d.diagnostic,
            d.local,
            d.notification,
            d.relay,
            d.source,
            run,
        ]);
        drop(stmt);
        r.map(|_| ()).map_err(|e| self.err(e))
    }

    fn changed_addresses(&mut self, run: i64) -> Result<Vec<String>> {
        let mut stmt = self
            .conn
            .prepare_cached(
                "SELECT d.rcpt FROM temp.seen s CROSS JOIN deliveries d WHERE d.id = s.id AND d.run_id = ?1 \
                 AND (d.outcome IN ('hard', 'soft') OR EXISTS (SELECT 1 FROM addresses a WHERE a.address = d.rcpt)) \
                 UNION SELECT address FROM signals WHERE run_id = ?1 \
                 ORDER BY 1",
            )
            .map_err(|e| self.err(e))?;
        let rows = stmt
            .query_map(params![run], |r| r.get(0))
            .and_then(|rows| rows.collect::<rusqlite::Result<Vec<String>>>());
        drop(stmt);
        rows.map_err(|e| self.err(e))
    }

    fn record_signal(&mut self, run: i64, sig: &SignalRow) -> Result<()> {
        let mut stmt = self
            .conn
            .prepare_cached(
                "INSERT INTO signals (host, address, kind, ts, detail, run_id) VALUES (?1, ?2, ?3, ?4, ?5, ?6) \
                 ON CONFLICT (host, address, kind, ts) DO NOTHING",
            )
            .map_err(|e| self.err(e))?;
        let r = stmt.execute(params![
            sig.host,
            sig.address,
            sig.kind.as_str(),
            sig.ts,
            sig.detail,
            run
        ]);
        drop(stmt);
        r.map(|_| ()).map_err(|e| self.err(e))
    }

    fn signals(&mut self, address: &str, after: Option<i64>) -> Result<Vec<SignalRow>> {
        let mut stmt = self
            .conn
            .prepare_cached(
                "SELECT host, address, kind, ts, detail FROM signals WHERE address = ?1 AND (?2 IS NULL OR ts > ?2) \
                 ORDER BY ts, id",
            )
            .map_err(|e| self.err(e))?;
        let rows = stmt
            .query_map(params![address, after], |r| {
                let kind: String = r.get(2)?;
                Ok((
                    kind,
                    SignalRow {
                        host: r.get(0)?,
                        address: r.get(1)?,
                        kind: Cause::Complaint,
                        ts: r.get(3)?,
                        detail: r.get(4)?,
                    },
                ))
            })
            .and_then(|rows| rows.collect::<rusqlite::Result<Vec<_>>>());
        drop(stmt);
        let rows = rows.map_err(|e| self.err(e))?;
        rows.into_iter()
            .map(
                |(kind, mut row)| match Cause::parse(&kind).filter(|c| c.is_signal()) {
                    Some(c) => {
                        row.kind = c;
                        Ok(row)
                    }
                    None => Err(self.data_err(format!("unknown signal kind `{kind}`"))),
                },
            )
            .collect()
    }

    fn address(&mut self, address: &str) -> Result<Option<AddressRecord>> {
        let mut stmt = self
            .conn
            .prepare_cached(&format!("SELECT {ADDRESS_SELECT} WHERE a.address = ?1"))
            .map_err(|e| self.err(e))?;
        let r = stmt.query_row(params![address], address_from).optional();
        drop(stmt);
        r.map_err(|e| self.err(e))
    }

    fn outcomes(
        &mut self,
        address: &str,
        after: Option<i64>,
        scope: ScopeFilter,
    ) -> Result<Vec<StoredOutcome>> {
        let mut stmt = self
            .conn
            .prepare_cached(
                "SELECT id, ts, outcome, reason, status_code, diagnostic, rule FROM deliveries \
                 WHERE rcpt = ?1 AND (?2 IS NULL OR ts > ?2) AND (?3 OR local = 0) AND (?4 OR notification = 0) \
                 ORDER BY ts, id",
            )
            .map_err(|e| self.err(e))?;
        let rows = stmt
            .query_map(
                params![address, after, scope.include_local, scope.include_notifications],
                |r| {
                    let outcome: String = r.get(2)?;
                    Ok(StoredOutcome {
                        id: r.get(0)?,
                        ts: r.get(1)?,
                        class: Class::parse(&outcome),
                        reason: r.get(3)?,
                        rule: r.get(6)?,
                        status_code: r.get(4)?,
                        diagnostic: r.get(5)?,
                    })
                },
            )
            .and_then(|rows| rows.collect::<rusqlite::Result<Vec<_>>>());
        drop(stmt);
        rows.map_err(|e| self.err(e))
    }

    fn put_address(&mut self, a: &AddressRecord) -> Result<()> {
        let t = a.trigger.as_ref();
        let mut stmt = self
            .conn
            .prepare_cached(&format!(
                "INSERT INTO addresses ({ADDRESS_COLUMNS}) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14) \
                 ON CONFLICT (address) DO UPDATE SET status = excluded.status, soft_streak = excluded.soft_streak, \
                 class = excluded.class, reason = excluded.reason, status_code = excluded.status_code, \
                 diagnostic = excluded.diagnostic, trigger_id = excluded.trigger_id, trigger_ts = excluded.trigger_ts, \
                 suppressed_run = excluded.suppressed_run, first_seen = excluded.first_seen, \
                 last_seen = excluded.last_seen, bounces = excluded.bounces, counts_after = excluded.counts_after"
            ))
            .map_err(|e| self.err(e))?;
        let r = stmt.execute(params![
            a.address,
            a.status.as_str(),
            a.soft_streak,
            t.map(|t| t.class.as_str()),
            t.and_then(|t| t.reason.clone()),
            t.and_then(|t| t.status_code.clone()),
            t.map(|t| t.diagnostic.clone()),
            t.map(|t| t.id),
            t.map(|t| t.ts),
            a.suppressed_run,
            a.first_seen,
            a.last_seen,
            a.bounces as i64,
            a.counts_after,
        ]);
        drop(stmt);
        r.map(|_| ()).map_err(|e| self.err(e))
    }

    fn delete_address(&mut self, address: &str) -> Result<()> {
        self.conn
            .execute("DELETE FROM addresses WHERE address = ?1", params![address])
            .map(|_| ())
            .map_err(|e| self.err(e))
    }

    fn add_address_event(&mut self, ev: &AddressEvent) -> Result<()> {
        self.conn
            .execute(
                "INSERT INTO address_events (address, ts, action, note) VALUES (?1, ?2, ?3, ?4)",
                params![ev.address, ev.ts, ev.action, ev.note],
            )
            .map(|_| ())
            .map_err(|e| self.err(e))
    }

    fn counts(&mut self, q: &CountsQuery) -> Result<Counts> {
        let one = |store: &SqliteStore, sql: &str, p: &[&dyn rusqlite::ToSql]| -> Result<u64> {
            store
                .conn
                .query_row(sql, p, |r| r.get::<_, i64>(0))
                .map(|n| n.max(0) as u64)
                .map_err(|e| store.err(e))
        };
        // One pass over the (status, class) index: the totals by cause.
        let mut by_class: Vec<(String, Option<String>, i64)> = Vec::new();
        {
            let mut stmt = self
                .conn
                .prepare_cached(
                    "SELECT status, class, count(*) FROM addresses \
                     WHERE status IN ('suppressed', 'at_risk') GROUP BY status, class",
                )
                .map_err(|e| self.err(e))?;
            let rows = stmt
                .query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))
                .and_then(|rows| rows.collect::<rusqlite::Result<Vec<_>>>());
            drop(stmt);
            by_class.extend(rows.map_err(|e| self.err(e))?);
        }
        let sum = |status: &str, class: Option<Cause>| -> u64 {
            by_class
                .iter()
                .filter(|(s, c, _)| s == status && class.is_none_or(|k| c.as_deref() == Some(k.as_str())))
                .map(|(_, _, n)| (*n).max(0) as u64)
                .sum()
        };
        let total = sum("suppressed", None);
        let at_risk = sum("at_risk", None);
        let new = match (q.run, q.since) {
            (Some(run), _) => one(
                self,
                "SELECT count(*) FROM addresses WHERE suppressed_run = ?1 AND status = 'suppressed'",
                &[&run],
            )?,
            (None, Some(since)) => one(
                self,
                "SELECT count(*) FROM addresses WHERE status = 'suppressed' AND trigger_ts >= ?1",
                &[&since],
            )?,
            (None, None) => total,
        };
        let (sql, since) = violations_sql(q, "count(*)", false);
        let violations = match since {
            Some(s) => one(
                self,
                &sql,
                &[&q.scope.include_local, &q.scope.include_notifications, &s],
            )?,
            None => one(
                self,
                &sql,
                &[&q.scope.include_local, &q.scope.include_notifications],
            )?,
        };
        let by = |cause: Cause| sum("suppressed", Some(cause));
        Ok(Counts {
            total,
            hard: by(Cause::Hard),
            soft: by(Cause::Soft),
            complaint: by(Cause::Complaint),
            unsubscribe: by(Cause::Unsubscribe),
            esp: by(Cause::Esp),
            new,
            at_risk,
            violations,
        })
    }

    fn violations(&mut self, q: &CountsQuery, limit: usize) -> Result<Vec<Violation>> {
        let (mut sql, since) = violations_sql(q, "d.rcpt, d.ts, d.msg_id, a.trigger_ts", true);
        sql.push_str(&format!(" LIMIT {limit}"));
        let mut stmt = self.conn.prepare(&sql).map_err(|e| self.err(e))?;
        let map = |r: &Row<'_>| {
            Ok(Violation {
                address: r.get(0)?,
                ts: r.get(1)?,
                msg_id: r.get(2)?,
                suppressed_at: r.get(3)?,
            })
        };
        let rows = match since {
            Some(s) => stmt.query_map(
                params![q.scope.include_local, q.scope.include_notifications, s],
                map,
            ),
            None => stmt.query_map(params![q.scope.include_local, q.scope.include_notifications], map),
        }
        .and_then(|rows| rows.collect::<rusqlite::Result<Vec<_>>>());
        drop(stmt);
        rows.map_err(|e| self.err(e))
    }

    fn list(&mut self, since: Option<i64>, include_at_risk: bool) -> Result<Vec<AddressRecord>> {
        let mut stmt = self
            .conn
            .prepare_cached(&format!(
                "SELECT {ADDRESS_SELECT} \
                 WHERE (a.status = 'suppressed' AND (?1 IS NULL OR a.trigger_ts >= ?1)) \
                 OR (?2 AND a.status = 'at_risk' AND (?1 IS NULL OR a.last_seen >= ?1)) ORDER BY a.address"
            ))
            .map_err(|e| self.err(e))?;
        let rows = stmt
            .query_map(params![since, include_at_risk], address_from)
            .and_then(|rows| rows.collect::<rusqlite::Result<Vec<_>>>());
        drop(stmt);
        rows.map_err(|e| self.err(e))
    }

    fn each_suppressed(&mut self, visit: &mut SuppressedVisit<'_>) -> Result<()> {
        // The trigger as `address_from` reads it: a class, an id and a time.
        let mut stmt = self
            .conn
            .prepare_cached(
                "SELECT address, class, reason, trigger_id IS NOT NULL AND trigger_ts IS NOT NULL \
                 FROM addresses WHERE status = 'suppressed'",
            )
            .map_err(|e| self.err(e))?;
        let mut rows = stmt.query([]).map_err(|e| self.err(e))?;
        loop {
            let row = match rows.next() {
                Ok(Some(row)) => row,
                Ok(None) => return Ok(()),
                Err(e) => return Err(self.err(e)),
            };
            let read = || -> rusqlite::Result<(String, Option<String>, Option<String>, bool)> {
                Ok((row.get(0)?, row.get(1)?, row.get(2)?, row.get(3)?))
            };
            let (address, class, reason, has_trigger) = read().map_err(|e| self.err(e))?;
            let trigger = class
                .as_deref()
                .and_then(Cause::parse)
                .filter(|_| has_trigger)
                .map(|c| (c, reason.as_deref()));
            visit(&address, trigger);
        }
    }

    fn each_listed(
        &mut self,
        since: Option<i64>,
        include_at_risk: bool,
        visit: &mut dyn FnMut(AddressRecord) -> anyhow::Result<()>,
    ) -> anyhow::Result<()> {
        let mut stmt = self
            .conn
            .prepare_cached(&format!(
                "SELECT {ADDRESS_SELECT} \
                 WHERE (a.status = 'suppressed' AND (?1 IS NULL OR a.trigger_ts >= ?1)) \
                 OR (?2 AND a.status = 'at_risk' AND (?1 IS NULL OR a.last_seen >= ?1)) ORDER BY a.address"
            ))
            .map_err(|e| self.err(e))?;
        let mut rows = stmt
            .query(params![since, include_at_risk])
            .map_err(|e| self.err(e))?;
        loop {
            match rows.next().and_then(|row| row.map(address_from).transpose()) {
                Ok(Some(record)) => visit(record)?,
                Ok(None) => return Ok(()),
                Err(e) => return Err(self.err(e).into()),
            }
        }
    }

    fn contradicted(&mut self) -> Result<Vec<Contradiction>> {
        let mut stmt = self
            .conn
            .prepare_cached(CONTRADICTED_SQL)
            .map_err(|e| self.err(e))?;
        let rows = stmt
            .query_map([], |r| {
                Ok(Contradiction {
                    address: r.get(0)?,
                    rule: r.get(1)?,
                    bounce_ts: r.get(2)?,
                    delivered_ts: r.get(3)?,
                })
            })
            .and_then(|rows| rows.collect::<rusqlite::Result<Vec<_>>>());
        drop(stmt);
        rows.map_err(|e| self.err(e))
    }

    fn history(&mut self, address: &str) -> Result<History> {
        let record = self.address(address)?;
        let mut deliveries = Vec::new();
        for (sql, pending) in [
            (
                format!(
                    "SELECT {} FROM deliveries WHERE rcpt = ?1",
                    self.delivery_columns()
                ),
                false,
            ),
            (
                format!("SELECT {} FROM pending WHERE rcpt = ?1", self.pending_columns()),
                true,
            ),
        ] {
            let mut stmt = self.conn.prepare(&sql).map_err(|e| self.err(e))?;
            let outcome = pending.then_some(Stored::Pending);
            let rows = stmt
                .query_map(params![address], |r| self.delivery_from(r, outcome))
                .and_then(|rows| rows.collect::<rusqlite::Result<Vec<_>>>());
            drop(stmt);
            deliveries.extend(rows.map_err(|e| self.err(e))?);
        }
        deliveries.sort_by_key(|a| (a.1.ts, a.0));
        let mut stmt = self
            .conn
            .prepare(
                "SELECT address, ts, action, note FROM address_events WHERE address = ?1 ORDER BY ts, id",
            )
            .map_err(|e| self.err(e))?;
        let events = stmt
            .query_map(params![address], |r| {
                Ok(AddressEvent {
                    address: r.get(0)?,
                    ts: r.get(1)?,
                    action: r.get(2)?,
                    note: r.get(3)?,
                })
            })
            .and_then(|rows| rows.collect::<rusqlite::Result<Vec<_>>>());
        drop(stmt);
        let events = events.map_err(|e| self.err(e))?;
        Ok(History {
            record,
            deliveries,
            events,
            signals: self.signals(address, None)?,
        })
    }

    fn prune(&mut self, before: i64, dry_run: bool) -> Result<Pruned> {
        self.conn
            .execute_batch("BEGIN IMMEDIATE")
            .map_err(|e| self.err(e))?;
        let result = (|| -> Result<Pruned> {
            let mut n = [0u64; 5];
            for (i, table) in ["deliveries", "pending", "deferrals", "signals"]
                .iter()
                .enumerate()
            {
                let sql = if dry_run {
                    format!("SELECT count(*) FROM {table} WHERE ts < ?1")
                } else {
                    format!("DELETE FROM {table} WHERE ts < ?1")
                };
                n[i] = if dry_run {
                    self.conn
                        .query_row(&sql, params![before], |r| r.get::<_, i64>(0))
                        .map_err(|e| self.err(e))?
                        .max(0) as u64
                } else {
                    self.conn
                        .execute(&sql, params![before])
                        .map_err(|e| self.err(e))? as u64
                };
            }
            // Runs that no longer own a row, started before the cut.
            let orphan = super::PRUNE_RUNS.replace("$1", "?1");
            n[4] = if dry_run {
                0
            } else {
                self.conn
                    .execute(&format!("DELETE {orphan}"), params![before])
                    .map_err(|e| self.err(e))? as u64
            };
            Ok(Pruned {
                deliveries: n[0],
                pending: n[1],
                deferrals: n[2],
                signals: n[3],
                runs: n[4],
            })
        })();
        let end = if result.is_ok() && !dry_run {
            "COMMIT"
        } else {
            "ROLLBACK"
        };
        let ended = self.conn.execute_batch(end).map_err(|e| self.err(e));
        let pruned = result?;
        ended?;
        Ok(pruned)
    }

    fn replay(&mut self, since: Option<i64>, visit: &mut dyn FnMut(Replayed<'_>)) -> Result<()> {
        // One read transaction: the three tables are seen at the same moment.
        self.conn.execute_batch("BEGIN").map_err(|e| self.err(e))?;
        let result = (|| -> Result<()> {
            for (sql, pending) in [
                (
                    format!(
                        "SELECT {} FROM deliveries WHERE (?1 IS NULL OR ts >= ?1) ORDER BY ts, id",
                        self.delivery_columns()
                    ),
                    false,
                ),
                (
                    format!(
                        "SELECT {} FROM pending WHERE (?1 IS NULL OR ts >= ?1) ORDER BY ts, host, msg_id, rcpt",
                        self.pending_columns()
                    ),
                    true,
                ),
            ] {
                let mut stmt = self.conn.prepare(&sql).map_err(|e| self.err(e))?;
                let outcome = pending.then_some(Stored::Pending);
                let mut rows = stmt.query(params![since]).map_err(|e| self.err(e))?;
                while let Some(r) = rows.next().map_err(|e| self.err(e))? {
                    let (_, d) = self.delivery_from(r, outcome).map_err(|e| self.err(e))?;
                    visit(Replayed::Delivery(&d));
                }
            }
            let mut stmt = self
                .conn
                .prepare(
                    "SELECT host, msg_id, rcpt, ts, class, reason, rule, cause, status_code, diagnostic, local, \
                     notification, relay, source FROM deferrals WHERE (?1 IS NULL OR ts >= ?1) ORDER BY ts, id",
                )
                .map_err(|e| self.err(e))?;
            let mut rows = stmt.query(params![since]).map_err(|e| self.err(e))?;
            while let Some(r) = rows.next().map_err(|e| self.err(e))? {
                let d = (|| -> rusqlite::Result<DeferralRow> {
                    let class: Option<String> = r.get(4)?;
                    Ok(DeferralRow {
                        host: r.get(0)?,
                        msg_id: r.get(1)?,
                        rcpt: r.get(2)?,
                        ts: r.get(3)?,
                        class: class.as_deref().and_then(Class::parse),
                        reason: r.get(5)?,
                        rule: r.get(6)?,
                        cause: r.get(7)?,
                        status_code: r.get(8)?,
                        diagnostic: r.get(9)?,
                        local: r.get(10)?,
                        notification: r.get(11)?,
                        relay: r.get(12)?,
                        source: r.get(13)?,
                    })
                })()
                .map_err(|e| self.data_err(e.to_string()))?;
                visit(Replayed::Deferral(&d));
            }
            Ok(())
        })();
        let _ = self.conn.execute_batch("COMMIT");
        result
    }
}

/// The violations query: deliveries to a suppressed address after the
/// outcome that suppressed it, within the scope; only this run's (`seen`)
/// or from `since` on. Parameters: ?1 include_local, ?2
/// include_notifications, ?3 since (when returned).
fn violations_sql(q: &CountsQuery, what: &str, ordered: bool) -> (String, Option<i64>) {
    // With `seen`, the run's own deliveries drive the join (CROSS JOIN fixes
    // SQLite's join order): a rerun that read nothing costs nothing.
    let from = if q.seen_only {
        "temp.seen s CROSS JOIN deliveries d CROSS JOIN addresses a"
    } else {
        "addresses a CROSS JOIN deliveries d"
    };
    let mut sql = format!(
        "SELECT {what} FROM {from} WHERE a.address = d.rcpt AND a.status = 'suppressed' \
         AND (d.ts > a.trigger_ts OR (d.ts = a.trigger_ts AND d.id > a.trigger_id)) \
         AND (?1 OR d.local = 0) AND (?2 OR d.notification = 0)"
    );
    let mut since = None;
    if q.seen_only {
        sql.push_str(" AND d.id = s.id");
    } else if let Some(s) = q.since {
        sql.push_str(" AND d.ts >= ?3");
        since = Some(s);
    }
    if ordered {
        sql.push_str(" ORDER BY d.ts, d.id");
    }
    (sql, since)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::state::{review_address, unsuppress};

    fn opts() -> OpenOptions {
        OpenOptions {
            create: true,
            lock_timeout: Duration::from_millis(200),
            read_only: false,
        }
    }

    fn row(msg: &str, rcpt: &str, ts: i64, outcome: Stored) -> DeliveryRow {
        DeliveryRow {
            host: String::new(),
            msg_id: msg.into(),
            rcpt: rcpt.into(),
            ts,
            first_ts: ts,
            outcome,
            reason: Some("userunknown".into()),
            rule: Some("t".into()),
            stage: None,
            matched: None,
            status_code: Some("5.1.1".into()),
            diagnostic: "550 5.1.1 no such user".into(),
            deferrals: 0,
            local: false,
            notification: false,
            sender: Some("a@b".into()),
            relay: None,
            source: "mail.log".into(),
        }
    }

    #[test]
    fn creates_private_file_and_reopens() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("sub/state.db");
        let store = SqliteStore::open(&path, opts()).unwrap();
        assert_eq!(store.schema_version().unwrap(), 3);
        drop(store);
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(&path).unwrap().permissions().mode() & 0o777;
            assert_eq!(mode, 0o600);
            let mode = std::fs::metadata(path.parent().unwrap())
                .unwrap()
                .permissions()
                .mode()
                & 0o777;
            assert_eq!(mode, 0o700);
        }
        let store = SqliteStore::open(&path, opts()).unwrap();
        assert_eq!(store.schema_version().unwrap(), 3);
    }

    #[test]
    fn refuses_foreign_and_corrupt_files_without_touching_them() {
        let dir = tempfile::tempdir().unwrap();
        let text = dir.path().join("notes.txt");
        std::fs::write(&text, "hello, not a database\n").unwrap();
        let e = SqliteStore::open(&text, opts()).err().unwrap();
        assert!(matches!(e, StateError::NotSqlite { .. }), "{e}");
        assert_eq!(std::fs::read(&text).unwrap(), b"hello, not a database\n");

        let other = dir.path().join("other.db");
        {
            let c = Connection::open(&other).unwrap();
            c.execute_batch("CREATE TABLE t (x); INSERT INTO t VALUES (1);")
                .unwrap();
        }
        let before = std::fs::read(&other).unwrap();
        let e = SqliteStore::open(&other, opts()).err().unwrap();
        assert!(matches!(e, StateError::Foreign { .. }), "{e}");
        assert_eq!(std::fs::read(&other).unwrap(), before);

        let corrupt = dir.path().join("corrupt.db");
        let mut bytes = b"SQLite format 3\0".to_vec();
        bytes.extend(std::iter::repeat_n(0xAB, 4096));
        std::fs::write(&corrupt, &bytes).unwrap();
        let e = SqliteStore::open(&corrupt, opts()).err().unwrap();
        assert!(matches!(e, StateError::Corrupt { .. }), "{e}");
        assert_eq!(std::fs::read(&corrupt).unwrap(), bytes);

        let missing = dir.path().join("missing.db");
        let e = SqliteStore::open(
            &missing,
            OpenOptions {
                create: false,
                ..opts()
            },
        )
        .err()
        .unwrap();
        assert!(matches!(e, StateError::Missing { .. }), "{e}");
        assert!(!missing.exists());
    }

    #[test]
    fn newer_schema_is_refused() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("state.db");
        drop(SqliteStore::open(&path, opts()).unwrap());
        {
            let c = Connection::open(&path).unwrap();
            c.execute(
                "INSERT INTO schema_migrations (version, description, applied_at) VALUES (99, 'future', 0)",
                [],
            )
            .unwrap();
        }
        let e = SqliteStore::open(&path, opts()).err().unwrap();
        assert!(matches!(e, StateError::Newer { found: 99, .. }), "{e}");
    }

    #[test]
    fn a_version_1_state_is_migrated_and_its_rows_get_this_host() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("v1.db");
        {
            let c = Connection::open(&path).unwrap();
            c.execute_batch(SCHEMA_V1).unwrap();
            c.execute_batch(
                "CREATE TABLE schema_migrations (version INTEGER PRIMARY KEY, description TEXT NOT NULL, \
                 applied_at INTEGER NOT NULL); INSERT INTO schema_migrations VALUES (1, 'initial schema', 0); \
                 INSERT INTO kv VALUES ('snapshot:', '{}');",
            )
            .unwrap();
            c.execute_batch(&format!("PRAGMA application_id = {APPLICATION_ID}"))
                .unwrap();
        }
        let mut s = SqliteStore::open(&path, opts()).unwrap();
        assert_eq!(s.schema_version().unwrap(), 3);
        let run = s.begin_run("t", 0).unwrap();
        s.record_final(run, &row("Q1", "x@y", 10, Stored::Delivered))
            .unwrap();
        s.commit_run(run, 0).unwrap();
        let host = crate::state::host::default_host();
        assert_eq!(s.snapshot(&host).unwrap().as_deref(), Some("{}"));
        assert_eq!(s.snapshot("").unwrap(), None);
        assert!(s.signals("x@y", None).unwrap().is_empty());
    }

    #[test]
    fn a_second_writer_waits_then_fails_clearly() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("state.db");
        let mut a = SqliteStore::open(&path, opts()).unwrap();
        let mut b = SqliteStore::open(&path, opts()).unwrap();
        let run = a.begin_run("test", 1).unwrap();
        let e = b.begin_run("test", 2).err().unwrap();
        assert!(matches!(e, StateError::Busy { .. }), "{e}");
        assert!(e.to_string().contains("another bouncectl run"), "{e}");
        a.commit_run(run, 3).unwrap();
        let run = b.begin_run("test", 4).unwrap();
        b.commit_run(run, 5).unwrap();
    }

    #[test]
    fn recording_is_idempotent_and_pending_is_replaced_by_its_end() {
        let mut s = SqliteStore::in_memory().unwrap();
        let run = s.begin_run("t", 0).unwrap();
        let mut p = row("Q1", "x@y", 10, Stored::Pending);
        p.deferrals = 1;
        s.record_pending(run, &p).unwrap();
        s.record_final(run, &row("Q1", "x@y", 20, Stored::Bounced(Class::Hard)))
            .unwrap();
        s.record_final(run, &row("Q1", "x@y", 20, Stored::Bounced(Class::Hard)))
            .unwrap();
        // An older pending view of a delivery that has ended changes nothing.
        s.record_pending(run, &p).unwrap();
        s.commit_run(run, 0).unwrap();
        let h = s.history("x@y").unwrap();
        assert_eq!(h.deliveries.len(), 1);
        assert_eq!(h.deliveries[0].1.outcome, Stored::Bounced(Class::Hard));
    }

    #[test]
    fn suppression_follows_time_order_and_unsuppress_sticks() {
        let mut s = SqliteStore::in_memory().unwrap();
        let scope = ScopeFilter::default();
        let run = s.begin_run("t", 0).unwrap();
        // Arrives out of order: the delivery at 15 breaks the soft streak.
        for (msg, ts, o) in [
            ("A", 10, Stored::Bounced(Class::Soft)),
            ("B", 20, Stored::Bounced(Class::Soft)),
            ("C", 30, Stored::Bounced(Class::Soft)),
            ("D", 15, Stored::Delivered),
        ] {
            s.record_final(run, &row(msg, "x@y", ts, o)).unwrap();
        }
        for a in s.changed_addresses(run).unwrap() {
            review_address(&mut s, &a, run, 3, scope).unwrap();
        }
        let r = s.address("x@y").unwrap().unwrap();
        assert_eq!((r.status, r.soft_streak), (Status::AtRisk, 2));
        s.record_final(run, &row("E", "x@y", 40, Stored::Bounced(Class::Soft)))
            .unwrap();
        s.record_final(run, &row("F", "x@y", 50, Stored::Delivered))
            .unwrap();
        review_address(&mut s, "x@y", run, 3, scope).unwrap();
        let r = s.address("x@y").unwrap().unwrap();
        assert_eq!(r.status, Status::Suppressed);
        assert_eq!(r.trigger.as_ref().map(|t| t.ts), Some(40));
        let c = s
            .counts(&CountsQuery {
                run: Some(run),
                seen_only: true,
                ..CountsQuery::default()
            })
            .unwrap();
        assert_eq!((c.total, c.soft, c.new, c.at_risk, c.violations), (1, 1, 1, 0, 1));
        s.commit_run(run, 0).unwrap();

        let run = s.begin_run("t", 0).unwrap();
        assert!(unsuppress(&mut s, "x@y", 50, 60, Some("fixed")).unwrap());
        review_address(&mut s, "x@y", run, 3, scope).unwrap();
        assert_eq!(s.address("x@y").unwrap().unwrap().status, Status::Ok);
        // Old outcomes read again do not suppress it again; a new hard bounce does.
        s.record_final(run, &row("A", "x@y", 10, Stored::Bounced(Class::Soft)))
            .unwrap();
        review_address(&mut s, "x@y", run, 3, scope).unwrap();
        assert_eq!(s.address("x@y").unwrap().unwrap().status, Status::Ok);
        s.record_final(run, &row("G", "x@y", 70, Stored::Bounced(Class::Hard)))
            .unwrap();
        review_address(&mut s, "x@y", run, 3, scope).unwrap();
        assert_eq!(s.address("x@y").unwrap().unwrap().status, Status::Suppressed);
        s.commit_run(run, 0).unwrap();
        assert_eq!(s.history("x@y").unwrap().events.len(), 1);
    }
}
