//! A run's transaction: `BEGIN IMMEDIATE` (the write lock a second run
//! waits for), its row in `runs`, commit and rollback.

use super::SqliteStore;
use crate::state::Result;
use rusqlite::params;

impl SqliteStore {
    pub(super) fn begin_run(&mut self, command: &str, now: i64) -> Result<i64> {
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

    pub(super) fn commit_run(&mut self, run: i64, now: i64) -> Result<()> {
        self.conn
            .execute(
                "UPDATE runs SET finished_at = ?1 WHERE id = ?2",
                params![now, run],
            )
            .map_err(|e| self.err(e))?;
        self.conn.execute_batch("COMMIT").map_err(|e| self.err(e))
    }

    pub(super) fn rollback_run(&mut self) -> Result<()> {
        if self.conn.is_autocommit() {
            return Ok(());
        }
        self.conn.execute_batch("ROLLBACK").map_err(|e| self.err(e))
    }
}
