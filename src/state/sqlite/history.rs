//! Reading back what is stored: one address's history, and the replay of
//! every delivery and deferral to rebuild a report.

use super::SqliteStore;
use crate::model::Class;
use crate::state::{AddressEvent, DeferralRow, History, Replayed, Result, Stored};
use rusqlite::params;

impl SqliteStore {
    pub(super) fn history(&mut self, address: &str) -> Result<History> {
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

    pub(super) fn replay(&mut self, since: Option<i64>, visit: &mut dyn FnMut(Replayed<'_>)) -> Result<()> {
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
