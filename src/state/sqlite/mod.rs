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

mod counts;
mod history;
mod inputs;
mod listing;
mod open;
mod prune;
mod record;
mod review;
mod rows;
mod run;
mod schema;
#[cfg(test)]
mod tests;

use super::{
    AddressEvent, AddressRecord, Contradiction, Counts, CountsQuery, DeferralRow, DeliveryRow, History,
    InputMark, Pruned, Replayed, Result, ScopeFilter, SignalRow, StateError, Store, SuppressedVisit,
    Violation,
};
use crate::suppression::StoredOutcome;
use rusqlite::{Connection, ErrorCode};
use std::time::Duration;

/// `PRAGMA application_id` of a bouncectl state ("bnce"): tells our file from
/// any other SQLite database.
pub const APPLICATION_ID: i32 = 0x626e_6365;

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

impl SqliteStore {
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

    fn data_err(&self, detail: String) -> StateError {
        StateError::Data {
            path: self.location.clone(),
            detail,
        }
    }
}

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

/// The trait, each method answered by the module that owns it.
impl Store for SqliteStore {
    fn location(&self) -> &str {
        &self.location
    }

    fn begin_run(&mut self, command: &str, now: i64) -> Result<i64> {
        SqliteStore::begin_run(self, command, now)
    }

    fn commit_run(&mut self, run: i64, now: i64) -> Result<()> {
        SqliteStore::commit_run(self, run, now)
    }

    fn rollback_run(&mut self) -> Result<()> {
        SqliteStore::rollback_run(self)
    }

    fn input_marks(&mut self, host: &str) -> Result<Vec<InputMark>> {
        SqliteStore::input_marks(self, host)
    }

    fn save_input_mark(&mut self, m: &InputMark) -> Result<i64> {
        SqliteStore::save_input_mark(self, m)
    }

    fn prune_input_marks(&mut self, host: &str, before: i64) -> Result<()> {
        SqliteStore::prune_input_marks(self, host, before)
    }

    fn snapshot(&mut self, host: &str) -> Result<Option<String>> {
        SqliteStore::snapshot(self, host)
    }

    fn save_snapshot(&mut self, host: &str, json: &str) -> Result<()> {
        SqliteStore::save_snapshot(self, host, json)
    }

    fn record_final(&mut self, run: i64, d: &DeliveryRow) -> Result<()> {
        SqliteStore::record_final(self, run, d)
    }

    fn record_pending(&mut self, run: i64, d: &DeliveryRow) -> Result<()> {
        SqliteStore::record_pending(self, run, d)
    }

    fn record_deferral(&mut self, run: i64, d: &DeferralRow) -> Result<()> {
        SqliteStore::record_deferral(self, run, d)
    }

    fn changed_addresses(&mut self, run: i64) -> Result<Vec<String>> {
        SqliteStore::changed_addresses(self, run)
    }

    fn record_signal(&mut self, run: i64, sig: &SignalRow) -> Result<()> {
        SqliteStore::record_signal(self, run, sig)
    }

    fn signals(&mut self, address: &str, after: Option<i64>) -> Result<Vec<SignalRow>> {
        SqliteStore::signals(self, address, after)
    }

    fn address(&mut self, address: &str) -> Result<Option<AddressRecord>> {
        SqliteStore::address(self, address)
    }

    fn outcomes(
        &mut self,
        address: &str,
        after: Option<i64>,
        scope: ScopeFilter,
    ) -> Result<Vec<StoredOutcome>> {
        SqliteStore::outcomes(self, address, after, scope)
    }

    fn put_address(&mut self, a: &AddressRecord) -> Result<()> {
        SqliteStore::put_address(self, a)
    }

    fn delete_address(&mut self, address: &str) -> Result<()> {
        SqliteStore::delete_address(self, address)
    }

    fn add_address_event(&mut self, ev: &AddressEvent) -> Result<()> {
        SqliteStore::add_address_event(self, ev)
    }

    fn counts(&mut self, q: &CountsQuery) -> Result<Counts> {
        SqliteStore::counts(self, q)
    }

    fn violations(&mut self, q: &CountsQuery, limit: usize) -> Result<Vec<Violation>> {
        SqliteStore::violations(self, q, limit)
    }

    fn list(&mut self, since: Option<i64>, include_at_risk: bool) -> Result<Vec<AddressRecord>> {
        SqliteStore::list(self, since, include_at_risk)
    }

    fn each_suppressed(&mut self, visit: &mut SuppressedVisit<'_>) -> Result<()> {
        SqliteStore::each_suppressed(self, visit)
    }

    fn each_listed(
        &mut self,
        since: Option<i64>,
        include_at_risk: bool,
        visit: &mut dyn FnMut(AddressRecord) -> anyhow::Result<()>,
    ) -> anyhow::Result<()> {
        SqliteStore::each_listed(self, since, include_at_risk, visit)
    }

    fn contradicted(&mut self) -> Result<Vec<Contradiction>> {
        SqliteStore::contradicted(self)
    }

    fn history(&mut self, address: &str) -> Result<History> {
        SqliteStore::history(self, address)
    }

    fn replay(&mut self, since: Option<i64>, visit: &mut dyn FnMut(Replayed<'_>)) -> Result<()> {
        SqliteStore::replay(self, since, visit)
    }

    fn prune(&mut self, before: i64, dry_run: bool) -> Result<Pruned> {
        SqliteStore::prune(self, before, dry_run)
    }
}
