//! The schema: its versioned migrations (never edit a released step, add
//! one), the version a state is at, and the refusal of a newer one.

use super::{SqliteStore, APPLICATION_ID};
use crate::state::{Result, StateError};
use rusqlite::{params, OptionalExtension};

/// Ordered schema migrations: (version, what it does, SQL). A database is
/// brought from its version to the last one in one transaction; never edit a
/// released step, add one.
pub(super) const MIGRATIONS: &[(i64, &str, &str)] = &[
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
pub(super) const STAGE_VERSION: i64 = 3;

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

pub(super) const SCHEMA_V1: &str = "
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

impl SqliteStore {
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

    pub(super) fn migrate(&mut self) -> Result<()> {
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
                    let host = crate::state::host::default_host();
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

    pub(super) fn check_not_newer(&self, latest: i64) -> Result<()> {
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
}
