//! What the review of an address reads and writes: the addresses a run
//! changed, an address's outcomes and signals, its suppression state and
//! the manual actions in its history.

use super::rows::{address_from, ADDRESS_COLUMNS, ADDRESS_SELECT};
use super::SqliteStore;
use crate::model::Class;
use crate::state::{AddressEvent, AddressRecord, Result, ScopeFilter, SignalRow};
use crate::suppression::{Cause, StoredOutcome};
use rusqlite::{params, OptionalExtension};

impl SqliteStore {
    pub(super) fn changed_addresses(&mut self, run: i64) -> Result<Vec<String>> {
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

    pub(super) fn signals(&mut self, address: &str, after: Option<i64>) -> Result<Vec<SignalRow>> {
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

    pub(super) fn address(&mut self, address: &str) -> Result<Option<AddressRecord>> {
        let mut stmt = self
            .conn
            .prepare_cached(&format!("SELECT {ADDRESS_SELECT} WHERE a.address = ?1"))
            .map_err(|e| self.err(e))?;
        let r = stmt.query_row(params![address], address_from).optional();
        drop(stmt);
        r.map_err(|e| self.err(e))
    }

    pub(super) fn outcomes(
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

    pub(super) fn put_address(&mut self, a: &AddressRecord) -> Result<()> {
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

    pub(super) fn delete_address(&mut self, address: &str) -> Result<()> {
        self.conn
            .execute("DELETE FROM addresses WHERE address = ?1", params![address])
            .map(|_| ())
            .map_err(|e| self.err(e))
    }

    pub(super) fn add_address_event(&mut self, ev: &AddressEvent) -> Result<()> {
        self.conn
            .execute(
                "INSERT INTO address_events (address, ts, action, note) VALUES (?1, ?2, ?3, ?4)",
                params![ev.address, ev.ts, ev.action, ev.note],
            )
            .map(|_| ())
            .map_err(|e| self.err(e))
    }
}
