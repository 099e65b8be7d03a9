//! Recording what a run read: final deliveries (each marked as seen by the
//! run), pending deliveries, deferral attempts and ESP signals, each once.

use super::SqliteStore;
use crate::model::{Class, Stage};
use crate::state::{DeferralRow, DeliveryRow, Result, SignalRow};
use rusqlite::{params, OptionalExtension};

impl SqliteStore {
    pub(super) fn record_final(&mut self, run: i64, d: &DeliveryRow) -> Result<()> {
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

    pub(super) fn record_pending(&mut self, run: i64, d: &DeliveryRow) -> Result<()> {
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

    pub(super) fn record_deferral(&mut self, run: i64, d: &DeferralRow) -> Result<()> {
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

    pub(super) fn record_signal(&mut self, run: i64, sig: &SignalRow) -> Result<()> {
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
}
