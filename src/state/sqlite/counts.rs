//! The report's queries: the suppression numbers, the violations (deliveries
//! to an address after it was suppressed) and the contradictions.

use super::SqliteStore;
use crate::state::{Contradiction, Counts, CountsQuery, Result, Violation, CONTRADICTED_SQL};
use crate::suppression::Cause;
use rusqlite::{params, Row};

impl SqliteStore {
    pub(super) fn counts(&mut self, q: &CountsQuery) -> Result<Counts> {
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

    pub(super) fn violations(&mut self, q: &CountsQuery, limit: usize) -> Result<Vec<Violation>> {
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

    pub(super) fn contradicted(&mut self) -> Result<Vec<Contradiction>> {
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
