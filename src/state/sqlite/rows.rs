//! Rows as they are read back: the column lists of deliveries, pending
//! deliveries (with those of a state before schema v3) and addresses, and
//! the mapping of a row to its record.

use super::SqliteStore;
use crate::model::{Class, Stage};
use crate::state::{AddressRecord, DeliveryRow, Stored};
use crate::suppression::{Cause, Status, Trigger};
use rusqlite::Row;

impl SqliteStore {
    pub(super) fn delivery_from(
        &self,
        r: &Row<'_>,
        outcome: Option<Stored>,
    ) -> rusqlite::Result<(i64, DeliveryRow)> {
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
    pub(super) fn delivery_columns(&self) -> &'static str {
        if self.before_stage {
            DELIVERY_COLUMNS_V2
        } else {
            DELIVERY_COLUMNS
        }
    }

    /// The columns of a pending delivery, in the same order.
    pub(super) fn pending_columns(&self) -> &'static str {
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

pub(super) const ADDRESS_COLUMNS: &str =
    "address, status, soft_streak, class, reason, status_code, diagnostic, \
     trigger_id, trigger_ts, suppressed_run, first_seen, last_seen, bounces, counts_after";

/// An address with the rule of its trigger (a delivery's, none for a
/// signal): `SELECT {ADDRESS_SELECT} WHERE ...`, columns qualified with `a.`.
pub(super) const ADDRESS_SELECT: &str = "a.address, a.status, a.soft_streak, a.class, a.reason, a.status_code, a.diagnostic, \
     a.trigger_id, a.trigger_ts, a.suppressed_run, a.first_seen, a.last_seen, a.bounces, a.counts_after, t.rule \
     FROM addresses a LEFT JOIN deliveries t ON t.id = a.trigger_id AND t.rcpt = a.address";

pub(super) fn address_from(r: &Row<'_>) -> rusqlite::Result<AddressRecord> {
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

pub(super) fn file_id_to_sql(id: Option<(u64, u64)>) -> (Option<i64>, Option<i64>) {
    match id {
        Some((dev, ino)) => (Some(dev as i64), Some(ino as i64)),
        None => (None, None),
    }
}
