//! The suppression list for exports: whole (`list`), or streamed one
//! address at a time (`each_listed`, `each_suppressed`) so that a large
//! list is never held.

use super::rows::{address_from, ADDRESS_SELECT};
use super::SqliteStore;
use crate::state::{AddressRecord, Result, SuppressedVisit};
use crate::suppression::Cause;
use rusqlite::params;

/// The list `list` and `each_listed` read: suppressed addresses (from
/// `?1` on) and, when `?2`, at-risk ones, in byte order of the address.
fn listed_sql() -> String {
    format!(
        "SELECT {ADDRESS_SELECT} \
         WHERE (a.status = 'suppressed' AND (?1 IS NULL OR a.trigger_ts >= ?1)) \
         OR (?2 AND a.status = 'at_risk' AND (?1 IS NULL OR a.last_seen >= ?1)) ORDER BY a.address"
    )
}

impl SqliteStore {
    pub(super) fn list(&mut self, since: Option<i64>, include_at_risk: bool) -> Result<Vec<AddressRecord>> {
        let mut stmt = self.conn.prepare_cached(&listed_sql()).map_err(|e| self.err(e))?;
        let rows = stmt
            .query_map(params![since, include_at_risk], address_from)
            .and_then(|rows| rows.collect::<rusqlite::Result<Vec<_>>>());
        drop(stmt);
        rows.map_err(|e| self.err(e))
    }

    pub(super) fn each_suppressed(&mut self, visit: &mut SuppressedVisit<'_>) -> Result<()> {
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

    pub(super) fn each_listed(
        &mut self,
        since: Option<i64>,
        include_at_risk: bool,
        visit: &mut dyn FnMut(AddressRecord) -> anyhow::Result<()>,
    ) -> anyhow::Result<()> {
        let mut stmt = self.conn.prepare_cached(&listed_sql()).map_err(|e| self.err(e))?;
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
}
