//! `prune`: deleting (or counting) what is older than a cut, in its own
//! transaction, never an address's suppression state.

use super::SqliteStore;
use crate::state::{Pruned, Result};
use rusqlite::params;

impl SqliteStore {
    pub(super) fn prune(&mut self, before: i64, dry_run: bool) -> Result<Pruned> {
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
            let orphan = crate::state::PRUNE_RUNS.replace("$1", "?1");
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
}
