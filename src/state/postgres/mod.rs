//! The PostgreSQL store, for a fleet of MTAs sharing one state
//! (`--state postgres://user@host/db`): the SQLite store's tables and
//! semantics, table by table, with what concurrent writers need.
//!
//! - Each run is one transaction (READ COMMITTED). Runs of different hosts
//!   write at once: deliveries, pending deliveries and deferrals are keyed by
//!   host (unique (host, message id, recipient[, time])) and written with
//!   `ON CONFLICT` upserts, so that a rerun or a retry never doubles a row.
//! - One host's input marks and in-flight messages are guarded by a
//!   transaction-scoped advisory lock on the host's name
//!   (`pg_advisory_xact_lock`): two runs of the same host wait for each other.
//! - The review of the addresses a run changed (their suppression
//!   decisions) is serialized: a run takes the review lock (an advisory lock
//!   held to its commit) before it looks for the addresses it changed, then
//!   reads each address's outcomes from every host in time order. Runs thus
//!   review and commit one after the other, and each sees every outcome the
//!   runs before it committed: no update is lost and the decision does not
//!   depend on which host's run came first. (A lock per address would not
//!   do: a run that only delivered to an address does not review it, yet a
//!   concurrent run reviewing that address must see the delivery; and a
//!   first import holds tens of thousands of addresses, more advisory locks
//!   than PostgreSQL's lock table holds.) Reading and writing deliveries,
//!   the long part of a run, stays concurrent.
//! - Rows are sent in batches (arrays through `unnest`, one statement per
//!   few thousand rows) with statements prepared once per connection.
//! - Text is stored as PostgreSQL `text`, which cannot hold NUL: a NUL byte
//!   in a log line is stored as U+FFFD.
//!
//! The connection is plain TCP or a Unix socket (`NoTls`): meant for a
//! database on the same host or a trusted network (put it behind an SSH
//! tunnel or a local pgbouncer with TLS otherwise). A password comes from the
//! URL, `PGPASSWORD` or the password file (`PGPASSFILE`, else `~/.pgpass`),
//! and is never shown: messages name the URL without it.

use super::{
    AddressEvent, AddressRecord, Contradiction, Counts, CountsQuery, DeferralRow, DeliveryRow, History,
    InputMark, Pruned, Replayed, Result, ScopeFilter, SignalRow, StateError, Store, Stored, SuppressedVisit,
    Violation, CONTRADICTED_SQL,
};
use crate::model::{Class, Stage};
use crate::suppression::{Cause, Status, StoredOutcome, Trigger};
use postgres::error::SqlState;
use postgres::types::ToSql;
use postgres::{Client, NoTls, Row};
use std::borrow::Cow;
use std::collections::HashMap;
use std::time::Duration;

mod connect;
mod schema;

use connect::config_for;
pub use connect::{is_postgres, is_url, pgpass_lookup, redact};
use schema::MIGRATIONS;

/// `text` cannot hold NUL.
fn clean(s: &str) -> Cow<'_, str> {
    if s.contains('\0') {
        Cow::Owned(s.replace('\0', "\u{fffd}"))
    } else {
        Cow::Borrowed(s)
    }
}

fn clean_opt(s: &Option<String>) -> Option<String> {
    s.as_deref().map(|s| clean(s).into_owned())
}

/// Advisory lock namespaces (first key of `pg_advisory_xact_lock(int, int)`).
const LOCK_MIGRATE: i32 = super::sqlite::APPLICATION_ID;
const LOCK_HOST: i32 = super::sqlite::APPLICATION_ID + 1;
const LOCK_REVIEW: i32 = super::sqlite::APPLICATION_ID + 2;

/// Rows kept before they are sent in one statement.
const BATCH: usize = 2_000;

/// How to open a PostgreSQL state.
#[derive(Debug, Clone, Copy)]
pub struct OpenOptions {
    /// Create the tables when the database has none of ours.
    pub create: bool,
    /// How long to wait for a lock held by another run.
    pub lock_timeout: Duration,
    /// For the commands that only read (exports, `report`, `history`,
    /// `filter`): never migrate nor create anything, and write nothing (the
    /// session is read-only). A state of an older schema is read as it is
    /// when it can be (from version 2 on), else refused with what to do.
    pub read_only: bool,
}

pub struct PgStore {
    client: Client,
    location: String,
    lock_timeout: Duration,
    in_transaction: bool,
    /// The review lock is held (until the end of the transaction).
    reviewing: bool,
    run: i64,
    finals: Vec<DeliveryRow>,
    pendings: Vec<DeliveryRow>,
    deferrals: Vec<DeferralRow>,
    /// Opened read-only on a state older than schema v3 (never migrated by
    /// a read-only command): its deliveries are read without stage and
    /// matched words.
    before_stage: bool,
}

const DELIVERY_COLUMNS: &str = "id, host, msg_id, rcpt, ts, first_ts, outcome, reason, rule, status_code, \
     diagnostic, deferrals, local, notification, sender, relay, source, stage, matched";
const PENDING_COLUMNS: &str =
    "0::int8, host, msg_id, rcpt, ts, first_ts, 'pending', reason, rule, status_code, \
     diagnostic, deferrals, local, notification, sender, relay, source, stage, matched";
const ADDRESS_COLUMNS: &str = "address, status, soft_streak, class, reason, status_code, diagnostic, \
     trigger_id, trigger_ts, suppressed_run, first_seen, last_seen, bounces, counts_after";
/// The same of a state before schema v3, read as it is by a read-only command.
const DELIVERY_COLUMNS_V2: &str =
    "id, host, msg_id, rcpt, ts, first_ts, outcome, reason, rule, status_code, \
     diagnostic, deferrals, local, notification, sender, relay, source, NULL::text, NULL::text";
const PENDING_COLUMNS_V2: &str =
    "0::int8, host, msg_id, rcpt, ts, first_ts, 'pending', reason, rule, status_code, \
     diagnostic, deferrals, local, notification, sender, relay, source, NULL::text, NULL::text";
/// The oldest schema a read-only command reads without migrating it (v1
/// has no signals table).
const READ_AS_IS_FROM: i64 = 2;
/// The first schema version with `stage` and `matched` columns.
const STAGE_VERSION: i64 = 3;
/// An address with the rule of its trigger (a delivery's, none for a
/// signal): `SELECT {ADDRESS_SELECT} WHERE ...`, columns qualified with `a.`.
const ADDRESS_SELECT: &str = "a.address, a.status, a.soft_streak, a.class, a.reason, a.status_code, a.diagnostic, \
     a.trigger_id, a.trigger_ts, a.suppressed_run, a.first_seen, a.last_seen, a.bounces, a.counts_after, t.rule \
     FROM addresses a LEFT JOIN deliveries t ON t.id = a.trigger_id AND t.rcpt = a.address";

impl PgStore {
    /// Connects to the database at `url`, checks that it holds a bouncectl
    /// state (or nothing, when `create`), and brings the schema up to date;
    /// or, `read_only`, checks that this binary can read it as it is.
    pub fn open(url: &str, options: OpenOptions) -> Result<PgStore> {
        let location = redact(url);
        let config = config_for(url, &location)?;
        let client = config.connect(NoTls).map_err(|e| StateError::Connect {
            path: location.clone(),
            detail: format!(
                "{}; is the server running, and does it let this user into this database? (a password \
                 goes in PGPASSWORD or ~/.pgpass, not on the command line)",
                error_chain(&e)
            ),
        })?;
        let mut store = PgStore {
            client,
            location,
            lock_timeout: options.lock_timeout,
            in_transaction: false,
            reviewing: false,
            run: 0,
            finals: Vec::new(),
            pendings: Vec::new(),
            deferrals: Vec::new(),
            before_stage: false,
        };
        let millis = options.lock_timeout.as_millis().clamp(1, i32::MAX as u128);
        store.batch(&format!(
            "SET lock_timeout = {millis}; SET client_min_messages = warning"
        ))?;
        if options.read_only {
            // Nothing this session does may write (not even a temporary
            // table): a read-only role or a standby server will do.
            store.batch("SET default_transaction_read_only = on")?;
            store.check_readable()?;
            return Ok(store);
        }
        store.migrate(options.create)?;
        store.batch("CREATE TEMP TABLE IF NOT EXISTS seen (id BIGINT PRIMARY KEY)")?;
        Ok(store)
    }

    /// For a read-only open: the state is there, not newer than this
    /// binary, and readable as it is (never migrated here).
    fn check_readable(&mut self) -> Result<()> {
        let latest = MIGRATIONS.last().map_or(0, |m| m.0);
        let found = self.schema_version()?;
        if found == 0 {
            return Err(StateError::Missing {
                path: self.location.clone(),
            });
        }
        if found > latest {
            return Err(StateError::Newer {
                path: self.location.clone(),
                found,
                known: latest,
            });
        }
        if found < READ_AS_IS_FROM {
            return Err(StateError::Postgres {
                path: self.location.clone(),
                detail: format!(
                    "written by an older bouncectl (schema version {found}; this one reads version \
                     {READ_AS_IS_FROM} on without migrating, and a command that only reads never \
                     migrates): run a command that writes on it once (such as `bouncectl analyze` on new \
                     logs): it brings the state to version {latest}"
                ),
            });
        }
        self.before_stage = found < STAGE_VERSION;
        Ok(())
    }

    /// The columns of a stored delivery (`delivery_from`'s order).
    fn delivery_columns(&self) -> &'static str {
        if self.before_stage {
            DELIVERY_COLUMNS_V2
        } else {
            DELIVERY_COLUMNS
        }
    }

    /// The columns of a pending delivery, in the same order.
    fn pending_columns(&self) -> &'static str {
        if self.before_stage {
            PENDING_COLUMNS_V2
        } else {
            PENDING_COLUMNS
        }
    }

    fn err(&self, e: postgres::Error) -> StateError {
        if let Some(code) = e.code() {
            if *code == SqlState::LOCK_NOT_AVAILABLE {
                return StateError::Busy {
                    path: self.location.clone(),
                    waited: self.lock_timeout.as_secs(),
                };
            }
            if *code == SqlState::T_R_DEADLOCK_DETECTED || *code == SqlState::T_R_SERIALIZATION_FAILURE {
                return StateError::Postgres {
                    path: self.location.clone(),
                    detail: format!("{}; nothing of this run was saved: run it again", error_chain(&e)),
                };
            }
        }
        let detail = if e.is_closed() {
            format!(
                "the connection to the server was lost ({}); nothing of this run was saved",
                error_chain(&e)
            )
        } else {
            error_chain(&e)
        };
        StateError::Postgres {
            path: self.location.clone(),
            detail,
        }
    }

    fn data_err(&self, detail: String) -> StateError {
        StateError::Data {
            path: self.location.clone(),
            detail,
        }
    }

    fn batch(&mut self, sql: &str) -> Result<()> {
        let r = self.client.batch_execute(sql);
        r.map_err(|e| self.err(e))
    }

    fn exec(&mut self, sql: &str, params: &[&(dyn ToSql + Sync)]) -> Result<u64> {
        let r = self.client.execute(sql, params);
        r.map_err(|e| self.err(e))
    }

    fn query(&mut self, sql: &str, params: &[&(dyn ToSql + Sync)]) -> Result<Vec<Row>> {
        let r = self.client.query(sql, params);
        r.map_err(|e| self.err(e))
    }

    fn query_opt(&mut self, sql: &str, params: &[&(dyn ToSql + Sync)]) -> Result<Option<Row>> {
        let r = self.client.query_opt(sql, params);
        r.map_err(|e| self.err(e))
    }

    fn count(&mut self, sql: &str, params: &[&(dyn ToSql + Sync)]) -> Result<u64> {
        let rows = self.query(sql, params)?;
        let n: i64 = match rows.first() {
            Some(r) => self.get(r, 0)?,
            None => 0,
        };
        Ok(n.max(0) as u64)
    }

    fn get<'a, T: postgres::types::FromSql<'a>>(&self, row: &'a Row, idx: usize) -> Result<T> {
        column(&self.location, row, idx)
    }

    /// The schema version (0: no bouncectl tables here).
    pub fn schema_version(&mut self) -> Result<i64> {
        let has = self.query_opt(
            "SELECT 1 FROM information_schema.columns WHERE table_schema = current_schema() \
             AND table_name = 'schema_migrations' AND column_name = 'description'",
            &[],
        )?;
        if has.is_none() {
            return Ok(0);
        }
        let rows = self.query(
            "SELECT coalesce(max(version), 0)::int8 FROM schema_migrations",
            &[],
        )?;
        match rows.first() {
            Some(r) => self.get(r, 0),
            None => Ok(0),
        }
    }

    fn migrate(&mut self, create: bool) -> Result<()> {
        let latest = MIGRATIONS.last().map_or(0, |m| m.0);
        let found = self.schema_version()?;
        if found > latest {
            return Err(StateError::Newer {
                path: self.location.clone(),
                found,
                known: latest,
            });
        }
        if found == latest {
            return Ok(());
        }
        if found == 0 && !create {
            return Err(StateError::Missing {
                path: self.location.clone(),
            });
        }
        self.batch("BEGIN")?;
        let result = (|| -> Result<()> {
            // One migrating analyzer at a time; the others wait, then find it done.
            self.exec("SELECT pg_advisory_xact_lock($1, 0)", &[&LOCK_MIGRATE])?;
            self.batch(
                "CREATE TABLE IF NOT EXISTS schema_migrations (
                    version BIGINT PRIMARY KEY,
                    description TEXT NOT NULL,
                    applied_at BIGINT NOT NULL)",
            )?;
            let current = self.schema_version()?;
            if current == 0 {
                // Read under the lock: another analyzer may have just made the state.
                let tables = self.count(
                    "SELECT count(*) FROM information_schema.tables WHERE table_schema = current_schema() \
                     AND table_name <> 'schema_migrations'",
                    &[],
                )?;
                if tables > 0 {
                    return Err(StateError::Postgres {
                        path: self.location.clone(),
                        detail: "the database (its current schema) holds tables of another program, not a \
                                 bouncectl state; they were left untouched: give bouncectl a database of its own \
                                 (CREATE DATABASE bouncectl OWNER ...) or a schema \
                                 (?options=-csearch_path%3Dbouncectl)"
                            .into(),
                    });
                }
            }
            let now = jiff::Timestamp::now().as_second();
            for (version, description, sql) in MIGRATIONS.iter().filter(|m| m.0 > current) {
                self.batch(sql)?;
                self.exec(
                    "INSERT INTO schema_migrations (version, description, applied_at) VALUES ($1, $2, $3)",
                    &[version, description, &now],
                )?;
            }
            Ok(())
        })();
        match result {
            Ok(()) => self.batch("COMMIT"),
            Err(e) => {
                let _ = self.client.batch_execute("ROLLBACK");
                Err(e)
            }
        }
    }

    /// Sends the rows kept so far (finals, then pending, then deferrals:
    /// the order does not change the result, see `record_pending`).
    fn flush(&mut self) -> Result<()> {
        if !self.finals.is_empty() {
            let rows = std::mem::take(&mut self.finals);
            self.send_finals(&rows)?;
        }
        if !self.pendings.is_empty() {
            let rows = std::mem::take(&mut self.pendings);
            self.send_pending(&rows)?;
        }
        if !self.deferrals.is_empty() {
            let rows = std::mem::take(&mut self.deferrals);
            self.send_deferrals(&rows)?;
        }
        Ok(())
    }

    fn send_finals(&mut self, rows: &[DeliveryRow]) -> Result<()> {
        // One statement may upsert a row only once: the first of equal keys.
        let mut seen = std::collections::HashSet::new();
        let rows: Vec<&DeliveryRow> = rows
            .iter()
            .filter(|d| seen.insert((d.host.as_str(), d.msg_id.as_str(), d.rcpt.as_str(), d.ts)))
            .collect();
        let c = Columns::of(&rows);
        let run = self.run;
        // The no-op update returns the id of a delivery known already, so
        // that it is marked seen by this run like a new one.
        self.exec(
            "WITH ins AS (
                INSERT INTO deliveries (host, msg_id, rcpt, ts, first_ts, outcome, reason, rule, status_code,
                    diagnostic, deferrals, local, notification, sender, relay, source, stage, matched, run_id)
                SELECT r.*, $19 FROM unnest($1::text[], $2::text[], $3::text[], $4::int8[], $5::int8[],
                    $6::text[], $7::text[], $8::text[], $9::text[], $10::text[], $11::int8[], $12::bool[],
                    $13::bool[], $14::text[], $15::text[], $16::text[], $17::text[], $18::text[]) AS r
                ON CONFLICT (host, msg_id, rcpt, ts) DO UPDATE SET ts = excluded.ts
                RETURNING id, host, msg_id, rcpt, ts
            ), marked AS (
                INSERT INTO pg_temp.seen (id) SELECT id FROM ins ON CONFLICT (id) DO NOTHING
            )
            DELETE FROM pending p USING ins
            WHERE p.host = ins.host AND p.msg_id = ins.msg_id AND p.rcpt = ins.rcpt AND p.ts <= ins.ts",
            &[
                &c.host,
                &c.msg_id,
                &c.rcpt,
                &c.ts,
                &c.first_ts,
                &c.outcome,
                &c.reason,
                &c.rule,
                &c.status_code,
                &c.diagnostic,
                &c.deferrals,
                &c.local,
                &c.notification,
                &c.sender,
                &c.relay,
                &c.source,
                &c.stage,
                &c.matched,
                &run,
            ],
        )?;
        Ok(())
    }

    fn send_pending(&mut self, rows: &[DeliveryRow]) -> Result<()> {
        // The latest view of each pending delivery (first of equal times),
        // as one row after another would leave it.
        let mut latest: HashMap<(&str, &str, &str), usize> = HashMap::new();
        for (i, d) in rows.iter().enumerate() {
            let key = (d.host.as_str(), d.msg_id.as_str(), d.rcpt.as_str());
            match latest.get(&key) {
                Some(&j) if rows[j].ts >= d.ts => {}
                _ => {
                    latest.insert(key, i);
                }
            }
        }
        let mut keep: Vec<usize> = latest.into_values().collect();
        keep.sort_unstable();
        let rows: Vec<&DeliveryRow> = keep.iter().map(|&i| &rows[i]).collect();
        let c = Columns::of(&rows);
        let run = self.run;
        // A pending delivery that some run already saw end stays ended.
        self.exec(
            "INSERT INTO pending (host, msg_id, rcpt, ts, first_ts, reason, rule, status_code, diagnostic,
                deferrals, local, notification, sender, relay, source, stage, matched, run_id)
            SELECT r.host, r.msg_id, r.rcpt, r.ts, r.first_ts, r.reason, r.rule, r.status_code, r.diagnostic,
                r.deferrals, r.local, r.notification, r.sender, r.relay, r.source, r.stage, r.matched, $18
            FROM unnest($1::text[], $2::text[], $3::text[], $4::int8[], $5::int8[], $6::text[], $7::text[],
                $8::text[], $9::text[], $10::int8[], $11::bool[], $12::bool[], $13::text[], $14::text[],
                $15::text[], $16::text[], $17::text[]) AS r(host, msg_id, rcpt, ts, first_ts, reason, rule,
                status_code, diagnostic, deferrals, local, notification, sender, relay, source, stage, matched)
            WHERE NOT EXISTS (SELECT 1 FROM deliveries d WHERE d.host = r.host AND d.msg_id = r.msg_id
                AND d.rcpt = r.rcpt AND d.ts >= r.ts)
            ON CONFLICT (host, msg_id, rcpt) DO UPDATE SET ts = excluded.ts, first_ts = excluded.first_ts,
                reason = excluded.reason, rule = excluded.rule, stage = excluded.stage,
                matched = excluded.matched, status_code = excluded.status_code,
                diagnostic = excluded.diagnostic, deferrals = excluded.deferrals, local = excluded.local,
                notification = excluded.notification, sender = excluded.sender, relay = excluded.relay,
                source = excluded.source, run_id = excluded.run_id
            WHERE excluded.ts > pending.ts",
            &[
                &c.host,
                &c.msg_id,
                &c.rcpt,
                &c.ts,
                &c.first_ts,
                &c.reason,
                &c.rule,
                &c.status_code,
                &c.diagnostic,
                &c.deferrals,
                &c.local,
                &c.notification,
                &c.sender,
                &c.relay,
                &c.source,
                &c.stage,
                &c.matched,
                &run,
            ],
        )?;
        Ok(())
    }

    fn send_deferrals(&mut self, rows: &[DeferralRow]) -> Result<()> {
        let mut seen = std::collections::HashSet::new();
        let rows: Vec<&DeferralRow> = rows
            .iter()
            .filter(|d| seen.insert((d.host.as_str(), d.msg_id.as_str(), d.rcpt.as_str(), d.ts)))
            .collect();
        let text = |f: &dyn Fn(&DeferralRow) -> &str| -> Vec<String> {
            rows.iter().map(|d| clean(f(d)).into_owned()).collect()
        };
        let opt = |f: &dyn Fn(&DeferralRow) -> Option<String>| -> Vec<Option<String>> {
            rows.iter()
                .map(|d| f(d).map(|s| clean(&s).into_owned()))
                .collect()
        };
        let host = text(&|d| &d.host);
        let msg_id = text(&|d| &d.msg_id);
        let rcpt = text(&|d| &d.rcpt);
        let ts: Vec<i64> = rows.iter().map(|d| d.ts).collect();
        let class = opt(&|d| d.class.map(|c| c.as_str().to_string()));
        let reason = opt(&|d| d.reason.clone());
        let rule = opt(&|d| d.rule.clone());
        let cause = opt(&|d| d.cause.clone());
        let status_code = opt(&|d| d.status_code.clone());
        let diagnostic = text(&|d| &d.diagnostic);
        let local: Vec<bool> = rows.iter().map(|d| d.local).collect();
        let notification: Vec<bool> = rows.iter().map(|d| d.notification).collect();
        let relay = opt(&|d| d.relay.clone());
        let source = text(&|d| &d.source);
        let run = self.run;
        self.exec(
            "INSERT INTO deferrals (host, msg_id, rcpt, ts, class, reason, rule, cause, status_code, diagnostic,
                local, notification, relay, source, run_id)
            SELECT r.*, $15 FROM unnest($1::text[], $2::text[], $3::text[], $4::int8[], $5::text[], $6::text[],
                $7::text[], $8::text[], $9::text[], $10::text[], $11::bool[], $12::bool[], $13::text[],
                $14::text[]) AS r
            ON CONFLICT (host, msg_id, rcpt, ts) DO NOTHING",
            &[
                &host,
                &msg_id,
                &rcpt,
                &ts,
                &class,
                &reason,
                &rule,
                &cause,
                &status_code,
                &diagnostic,
                &local,
                &notification,
                &relay,
                &source,
                &run,
            ],
        )?;
        Ok(())
    }

    fn delivery_from(&self, r: &Row, pending: bool) -> Result<(i64, DeliveryRow)> {
        let outcome = if pending {
            Stored::Pending
        } else {
            let s: String = self.get(r, 6)?;
            Stored::parse(&s).unwrap_or(Stored::Bounced(Class::Soft))
        };
        Ok((
            self.get(r, 0)?,
            DeliveryRow {
                host: self.get(r, 1)?,
                msg_id: self.get(r, 2)?,
                rcpt: self.get(r, 3)?,
                ts: self.get(r, 4)?,
                first_ts: self.get(r, 5)?,
                outcome,
                reason: self.get(r, 7)?,
                rule: self.get(r, 8)?,
                status_code: self.get(r, 9)?,
                diagnostic: self.get(r, 10)?,
                deferrals: self.get::<i64>(r, 11)?.clamp(0, i64::from(u32::MAX)) as u32,
                local: self.get(r, 12)?,
                notification: self.get(r, 13)?,
                sender: self.get(r, 14)?,
                relay: self.get(r, 15)?,
                source: self.get(r, 16)?,
                stage: self
                    .get::<Option<String>>(r, 17)?
                    .as_deref()
                    .and_then(Stage::parse),
                matched: self.get(r, 18)?,
            },
        ))
    }

    fn address_from(&self, r: &Row) -> Result<AddressRecord> {
        address_from_row(&self.location, r)
    }

    fn signal_from(&self, r: &Row) -> Result<SignalRow> {
        let kind: String = self.get(r, 2)?;
        let kind = Cause::parse(&kind)
            .filter(|c| c.is_signal())
            .ok_or_else(|| self.data_err(format!("unknown signal kind `{kind}`")))?;
        Ok(SignalRow {
            host: self.get(r, 0)?,
            address: self.get(r, 1)?,
            kind,
            ts: self.get(r, 3)?,
            detail: self.get(r, 4)?,
        })
    }

    /// Violations SQL (see the SQLite store's): $1 include_local, $2
    /// include_notifications, $3 since (when returned).
    fn violations_sql(q: &CountsQuery, what: &str, ordered: bool) -> (String, Option<i64>) {
        let from = if q.seen_only {
            "pg_temp.seen s JOIN deliveries d ON d.id = s.id JOIN addresses a ON a.address = d.rcpt"
        } else {
            "addresses a JOIN deliveries d ON a.address = d.rcpt"
        };
        let mut sql = format!(
            "SELECT {what} FROM {from} WHERE a.status = 'suppressed' \
             AND (d.ts > a.trigger_ts OR (d.ts = a.trigger_ts AND d.id > a.trigger_id)) \
             AND ($1 OR NOT d.local) AND ($2 OR NOT d.notification)"
        );
        let mut since = None;
        if !q.seen_only {
            if let Some(s) = q.since {
                sql.push_str(" AND d.ts >= $3");
                since = Some(s);
            }
        }
        if ordered {
            sql.push_str(" ORDER BY d.ts, d.id");
        }
        (sql, since)
    }

    fn replay_rows(&mut self, since: Option<i64>, visit: &mut dyn FnMut(Replayed<'_>)) -> Result<()> {
        for (sql, pending) in [
            (
                format!(
                    "SELECT {} FROM deliveries WHERE ($1::int8 IS NULL OR ts >= $1) ORDER BY ts, id",
                    self.delivery_columns()
                ),
                false,
            ),
            (
                format!(
                    "SELECT {} FROM pending WHERE ($1::int8 IS NULL OR ts >= $1) \
                     ORDER BY ts, host, msg_id, rcpt",
                    self.pending_columns()
                ),
                true,
            ),
        ] {
            let params: [&(dyn ToSql + Sync); 1] = [&since];
            let rows = self.client.query_raw(sql.as_str(), params);
            let location = self.location.clone();
            let mut rows = rows.map_err(|e| pg_error(&location, e))?;
            while let Some(r) = postgres::fallible_iterator::FallibleIterator::next(&mut rows)
                .map_err(|e| pg_error(&location, e))?
            {
                let (_, d) = delivery_from_row(&location, &r, pending)?;
                visit(Replayed::Delivery(&d));
            }
        }
        let params: [&(dyn ToSql + Sync); 1] = [&since];
        let location = self.location.clone();
        let mut rows = self
            .client
            .query_raw(
                "SELECT host, msg_id, rcpt, ts, class, reason, rule, cause, status_code, diagnostic, local, \
                 notification, relay, source FROM deferrals WHERE ($1::int8 IS NULL OR ts >= $1) ORDER BY ts, id",
                params,
            )
            .map_err(|e| pg_error(&location, e))?;
        while let Some(r) = postgres::fallible_iterator::FallibleIterator::next(&mut rows)
            .map_err(|e| pg_error(&location, e))?
        {
            let data = |e: postgres::Error| StateError::Data {
                path: location.clone(),
                detail: error_chain(&e),
            };
            let class: Option<String> = r.try_get(4).map_err(data)?;
            let d = DeferralRow {
                host: r.try_get(0).map_err(data)?,
                msg_id: r.try_get(1).map_err(data)?,
                rcpt: r.try_get(2).map_err(data)?,
                ts: r.try_get(3).map_err(data)?,
                class: class.as_deref().and_then(Class::parse),
                reason: r.try_get(5).map_err(data)?,
                rule: r.try_get(6).map_err(data)?,
                cause: r.try_get(7).map_err(data)?,
                status_code: r.try_get(8).map_err(data)?,
                diagnostic: r.try_get(9).map_err(data)?,
                local: r.try_get(10).map_err(data)?,
                notification: r.try_get(11).map_err(data)?,
                relay: r.try_get(12).map_err(data)?,
                source: r.try_get(13).map_err(data)?,
            };
            visit(Replayed::Deferral(&d));
        }
        Ok(())
    }
}

/// An address row (`ADDRESS_SELECT`), also read while the client is borrowed
/// by a row iterator (`each_listed`).
fn address_from_row(location: &str, r: &Row) -> Result<AddressRecord> {
    let status: String = column(location, r, 1)?;
    let class: Option<String> = column(location, r, 3)?;
    let trigger = match (
        class.as_deref().and_then(Cause::parse),
        column::<Option<i64>>(location, r, 7)?,
        column::<Option<i64>>(location, r, 8)?,
    ) {
        (Some(class), Some(id), Some(ts)) => Some(Trigger {
            id,
            ts,
            class,
            reason: column(location, r, 4)?,
            rule: column(location, r, 14)?,
            status_code: column(location, r, 5)?,
            diagnostic: column::<Option<String>>(location, r, 6)?.unwrap_or_default(),
        }),
        _ => None,
    };
    Ok(AddressRecord {
        address: column(location, r, 0)?,
        status: Status::parse(&status).unwrap_or(Status::Ok),
        soft_streak: column::<i64>(location, r, 2)?.clamp(0, i64::from(u32::MAX)) as u32,
        trigger,
        suppressed_run: column(location, r, 9)?,
        first_seen: column(location, r, 10)?,
        last_seen: column(location, r, 11)?,
        bounces: column::<i64>(location, r, 12)?.max(0) as u64,
        counts_after: column(location, r, 13)?,
    })
}

/// Column `idx` of `row`, or what could not be read in it.
fn column<'a, T: postgres::types::FromSql<'a>>(location: &str, row: &'a Row, idx: usize) -> Result<T> {
    row.try_get(idx).map_err(|e| StateError::Data {
        path: location.into(),
        detail: format!("column {idx}: {}", error_chain(&e)),
    })
}

/// A delivery row read while the client is borrowed by a row iterator.
fn delivery_from_row(location: &str, r: &Row, pending: bool) -> Result<(i64, DeliveryRow)> {
    let data = |e: postgres::Error| StateError::Data {
        path: location.into(),
        detail: error_chain(&e),
    };
    let outcome = if pending {
        Stored::Pending
    } else {
        let s: String = r.try_get(6).map_err(data)?;
        Stored::parse(&s).unwrap_or(Stored::Bounced(Class::Soft))
    };
    Ok((
        r.try_get(0).map_err(data)?,
        DeliveryRow {
            host: r.try_get(1).map_err(data)?,
            msg_id: r.try_get(2).map_err(data)?,
            rcpt: r.try_get(3).map_err(data)?,
            ts: r.try_get(4).map_err(data)?,
            first_ts: r.try_get(5).map_err(data)?,
            outcome,
            reason: r.try_get(7).map_err(data)?,
            rule: r.try_get(8).map_err(data)?,
            status_code: r.try_get(9).map_err(data)?,
            diagnostic: r.try_get(10).map_err(data)?,
            deferrals: r
                .try_get::<_, i64>(11)
                .map_err(data)?
                .clamp(0, i64::from(u32::MAX)) as u32,
            local: r.try_get(12).map_err(data)?,
            notification: r.try_get(13).map_err(data)?,
            sender: r.try_get(14).map_err(data)?,
            relay: r.try_get(15).map_err(data)?,
            source: r.try_get(16).map_err(data)?,
            stage: r
                .try_get::<_, Option<String>>(17)
                .map_err(data)?
                .as_deref()
                .and_then(Stage::parse),
            matched: r.try_get(18).map_err(data)?,
        },
    ))
}

fn pg_error(location: &str, e: postgres::Error) -> StateError {
    StateError::Postgres {
        path: location.into(),
        detail: error_chain(&e),
    }
}

/// The error and its causes on one line (the server's message, detail and
/// hint for a database error).
fn error_chain(e: &postgres::Error) -> String {
    if let Some(db) = e.as_db_error() {
        let mut s = format!("{} (SQLSTATE {})", db.message(), db.code().code());
        if let Some(d) = db.detail() {
            s.push_str(&format!("; {d}"));
        }
        if let Some(h) = db.hint() {
            s.push_str(&format!("; hint: {h}"));
        }
        return s;
    }
    let mut s = e.to_string();
    let mut source = std::error::Error::source(e);
    while let Some(cause) = source {
        let text = cause.to_string();
        if !s.contains(&text) {
            s.push_str(": ");
            s.push_str(&text);
        }
        source = cause.source();
    }
    s
}

/// The columns of a batch of deliveries, as arrays for `unnest`.
struct Columns {
    host: Vec<String>,
    msg_id: Vec<String>,
    rcpt: Vec<String>,
    ts: Vec<i64>,
    first_ts: Vec<i64>,
    outcome: Vec<String>,
    reason: Vec<Option<String>>,
    rule: Vec<Option<String>>,
    stage: Vec<Option<String>>,
    matched: Vec<Option<String>>,
    status_code: Vec<Option<String>>,
    diagnostic: Vec<String>,
    deferrals: Vec<i64>,
    local: Vec<bool>,
    notification: Vec<bool>,
    sender: Vec<Option<String>>,
    relay: Vec<Option<String>>,
    source: Vec<String>,
}

impl Columns {
    fn of(rows: &[&DeliveryRow]) -> Columns {
        let text = |f: fn(&DeliveryRow) -> &str| rows.iter().map(|d| clean(f(d)).into_owned()).collect();
        let opt = |f: fn(&DeliveryRow) -> &Option<String>| rows.iter().map(|d| clean_opt(f(d))).collect();
        Columns {
            host: text(|d| &d.host),
            msg_id: text(|d| &d.msg_id),
            rcpt: text(|d| &d.rcpt),
            ts: rows.iter().map(|d| d.ts).collect(),
            first_ts: rows.iter().map(|d| d.first_ts).collect(),
            outcome: rows.iter().map(|d| d.outcome.as_str().to_string()).collect(),
            reason: opt(|d| &d.reason),
            rule: opt(|d| &d.rule),
            stage: rows
                .iter()
                .map(|d| d.stage.map(|s| s.as_str().to_string()))
                .collect(),
            matched: opt(|d| &d.matched),
            status_code: opt(|d| &d.status_code),
            diagnostic: text(|d| &d.diagnostic),
            deferrals: rows.iter().map(|d| i64::from(d.deferrals)).collect(),
            local: rows.iter().map(|d| d.local).collect(),
            notification: rows.iter().map(|d| d.notification).collect(),
            sender: opt(|d| &d.sender),
            relay: opt(|d| &d.relay),
            source: text(|d| &d.source),
        }
    }
}

fn file_id_to_sql(id: Option<(u64, u64)>) -> (Option<i64>, Option<i64>) {
    match id {
        Some((dev, ino)) => (Some(dev as i64), Some(ino as i64)),
        None => (None, None),
    }
}

/// The second key of an advisory lock on a name.
fn lock_key(name: &str) -> i32 {
    super::fnv1a(name.as_bytes()) as u32 as i32
}

impl Store for PgStore {
    fn location(&self) -> &str {
        &self.location
    }

    fn begin_run(&mut self, command: &str, now: i64) -> Result<i64> {
        self.batch("BEGIN")?;
        self.in_transaction = true;
        self.reviewing = false;
        self.batch("DELETE FROM pg_temp.seen")?;
        let rows = self.query(
            "INSERT INTO runs (started_at, command) VALUES ($1, $2) RETURNING id",
            &[&now, &command],
        )?;
        let id = match rows.first() {
            Some(r) => self.get(r, 0)?,
            None => return Err(self.data_err("no run id returned".into())),
        };
        self.run = id;
        Ok(id)
    }

    fn commit_run(&mut self, run: i64, now: i64) -> Result<()> {
        self.flush()?;
        self.exec("UPDATE runs SET finished_at = $1 WHERE id = $2", &[&now, &run])?;
        self.batch("COMMIT")?;
        self.in_transaction = false;
        self.reviewing = false;
        Ok(())
    }

    fn rollback_run(&mut self) -> Result<()> {
        self.finals.clear();
        self.pendings.clear();
        self.deferrals.clear();
        if !self.in_transaction {
            return Ok(());
        }
        self.in_transaction = false;
        self.reviewing = false;
        self.batch("ROLLBACK")
    }

    fn lock_host(&mut self, host: &str) -> Result<()> {
        let key = lock_key(host);
        self.exec("SELECT pg_advisory_xact_lock($1, $2)", &[&LOCK_HOST, &key])?;
        Ok(())
    }

    fn lock_review(&mut self) -> Result<()> {
        if !self.in_transaction || self.reviewing {
            return Ok(());
        }
        self.flush()?;
        self.exec("SELECT pg_advisory_xact_lock($1, 0)", &[&LOCK_REVIEW])?;
        self.reviewing = true;
        Ok(())
    }

    fn input_marks(&mut self, host: &str) -> Result<Vec<InputMark>> {
        let rows = self.query(
            "SELECT id, host, path, dev, inode, head_len, head_hash, byte_offset, compressed, disk_size, \
             complete, last_seen FROM inputs WHERE host = $1 ORDER BY id",
            &[&host],
        )?;
        rows.iter()
            .map(|r| {
                let dev: Option<i64> = self.get(r, 3)?;
                let ino: Option<i64> = self.get(r, 4)?;
                Ok(InputMark {
                    id: Some(self.get(r, 0)?),
                    host: self.get(r, 1)?,
                    path: self.get(r, 2)?,
                    file_id: dev.zip(ino).map(|(d, i)| (d as u64, i as u64)),
                    head_len: self.get::<i64>(r, 5)?.max(0) as u64,
                    head_hash: self.get::<i64>(r, 6)? as u64,
                    offset: self.get::<i64>(r, 7)?.max(0) as u64,
                    compressed: self.get(r, 8)?,
                    disk_size: self.get::<Option<i64>>(r, 9)?.map(|s| s.max(0) as u64),
                    complete: self.get(r, 10)?,
                    last_seen: self.get(r, 11)?,
                })
            })
            .collect()
    }

    fn save_input_mark(&mut self, m: &InputMark) -> Result<i64> {
        let (dev, ino) = file_id_to_sql(m.file_id);
        let host = clean(&m.host).into_owned();
        let path = clean(&m.path).into_owned();
        let head_len = m.head_len as i64;
        let head_hash = m.head_hash as i64;
        let offset = m.offset as i64;
        let disk_size = m.disk_size.map(|s| s as i64);
        match m.id {
            Some(id) => {
                self.exec(
                    "UPDATE inputs SET host = $1, path = $2, dev = $3, inode = $4, head_len = $5, head_hash = $6, \
                     byte_offset = $7, compressed = $8, disk_size = $9, complete = $10, last_seen = $11 \
                     WHERE id = $12",
                    &[
                        &host,
                        &path,
                        &dev,
                        &ino,
                        &head_len,
                        &head_hash,
                        &offset,
                        &m.compressed,
                        &disk_size,
                        &m.complete,
                        &m.last_seen,
                        &id,
                    ],
                )?;
                Ok(id)
            }
            None => {
                let rows = self.query(
                    "INSERT INTO inputs (host, path, dev, inode, head_len, head_hash, byte_offset, compressed, \
                     disk_size, complete, last_seen) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11) \
                     RETURNING id",
                    &[
                        &host,
                        &path,
                        &dev,
                        &ino,
                        &head_len,
                        &head_hash,
                        &offset,
                        &m.compressed,
                        &disk_size,
                        &m.complete,
                        &m.last_seen,
                    ],
                )?;
                match rows.first() {
                    Some(r) => self.get(r, 0),
                    None => Err(self.data_err("no input id returned".into())),
                }
            }
        }
    }

    fn prune_input_marks(&mut self, host: &str, before: i64) -> Result<()> {
        self.exec(
            "DELETE FROM inputs WHERE host = $1 AND last_seen < $2",
            &[&host, &before],
        )?;
        Ok(())
    }

    fn snapshot(&mut self, host: &str) -> Result<Option<String>> {
        let key = format!("snapshot:{}", clean(host));
        let row = self.query_opt("SELECT v FROM kv WHERE k = $1", &[&key])?;
        row.map(|r| self.get(&r, 0)).transpose()
    }

    fn save_snapshot(&mut self, host: &str, json: &str) -> Result<()> {
        let key = format!("snapshot:{}", clean(host));
        let json = clean(json).into_owned();
        self.exec(
            "INSERT INTO kv (k, v) VALUES ($1, $2) ON CONFLICT (k) DO UPDATE SET v = excluded.v",
            &[&key, &json],
        )?;
        Ok(())
    }

    fn record_final(&mut self, _run: i64, d: &DeliveryRow) -> Result<()> {
        self.finals.push(d.clone());
        if self.finals.len() >= BATCH {
            self.flush()?;
        }
        Ok(())
    }

    fn record_pending(&mut self, _run: i64, d: &DeliveryRow) -> Result<()> {
        // Finals and pending deliveries commute: a final removes the pending
        // view at or before its time, and a pending view at or before a
        // known final is never stored; so finals are sent first.
        self.pendings.push(d.clone());
        if self.pendings.len() >= BATCH {
            self.flush()?;
        }
        Ok(())
    }

    fn record_deferral(&mut self, _run: i64, d: &DeferralRow) -> Result<()> {
        self.deferrals.push(d.clone());
        if self.deferrals.len() >= BATCH {
            self.flush()?;
        }
        Ok(())
    }

    fn record_signal(&mut self, run: i64, s: &SignalRow) -> Result<()> {
        let host = clean(&s.host).into_owned();
        let address = clean(&s.address).into_owned();
        let detail = clean_opt(&s.detail);
        self.exec(
            "INSERT INTO signals (host, address, kind, ts, detail, run_id) VALUES ($1, $2, $3, $4, $5, $6) \
             ON CONFLICT (host, address, kind, ts) DO NOTHING",
            &[&host, &address, &s.kind.as_str(), &s.ts, &detail, &run],
        )?;
        Ok(())
    }

    fn signals(&mut self, address: &str, after: Option<i64>) -> Result<Vec<SignalRow>> {
        self.flush()?;
        let address = clean(address).into_owned();
        let rows = self.query(
            "SELECT host, address, kind, ts, detail FROM signals WHERE address = $1 \
             AND ($2::int8 IS NULL OR ts > $2) ORDER BY ts, id",
            &[&address, &after],
        )?;
        rows.iter().map(|r| self.signal_from(r)).collect()
    }

    fn changed_addresses(&mut self, run: i64) -> Result<Vec<String>> {
        self.flush()?;
        let rows = self.query(
            "SELECT d.rcpt FROM pg_temp.seen s JOIN deliveries d ON d.id = s.id WHERE d.run_id = $1 \
             AND (d.outcome IN ('hard', 'soft') OR EXISTS (SELECT 1 FROM addresses a WHERE a.address = d.rcpt)) \
             UNION SELECT address FROM signals WHERE run_id = $1 \
             ORDER BY 1",
            &[&run],
        )?;
        let mut out: Vec<String> = rows.iter().map(|r| self.get(r, 0)).collect::<Result<_>>()?;
        // Bytewise, as SQLite orders (the database's collation may not be).
        out.sort();
        Ok(out)
    }

    fn address(&mut self, address: &str) -> Result<Option<AddressRecord>> {
        self.flush()?;
        let address = clean(address).into_owned();
        let row = self.query_opt(
            &format!("SELECT {ADDRESS_SELECT} WHERE a.address = $1"),
            &[&address],
        )?;
        row.map(|r| self.address_from(&r)).transpose()
    }

    fn outcomes(
        &mut self,
        address: &str,
        after: Option<i64>,
        scope: ScopeFilter,
    ) -> Result<Vec<StoredOutcome>> {
        self.flush()?;
        let address = clean(address).into_owned();
        let rows = self.query(
            "SELECT id, ts, outcome, reason, status_code, diagnostic, rule FROM deliveries \
             WHERE rcpt = $1 AND ($2::int8 IS NULL OR ts > $2) AND ($3 OR NOT local) AND ($4 OR NOT notification) \
             ORDER BY ts, id",
            &[
                &address,
                &after,
                &scope.include_local,
                &scope.include_notifications,
            ],
        )?;
        rows.iter()
            .map(|r| {
                let outcome: String = self.get(r, 2)?;
                Ok(StoredOutcome {
                    id: self.get(r, 0)?,
                    ts: self.get(r, 1)?,
                    class: Class::parse(&outcome),
                    reason: self.get(r, 3)?,
                    rule: self.get(r, 6)?,
                    status_code: self.get(r, 4)?,
                    diagnostic: self.get(r, 5)?,
                })
            })
            .collect()
    }

    fn put_address(&mut self, a: &AddressRecord) -> Result<()> {
        let t = a.trigger.as_ref();
        let address = clean(&a.address).into_owned();
        let soft_streak = i64::from(a.soft_streak);
        let class = t.map(|t| t.class.as_str());
        let reason = t.and_then(|t| clean_opt(&t.reason));
        let status_code = t.and_then(|t| clean_opt(&t.status_code));
        let diagnostic = t.map(|t| clean(&t.diagnostic).into_owned());
        let trigger_id = t.map(|t| t.id);
        let trigger_ts = t.map(|t| t.ts);
        let bounces = a.bounces.min(i64::MAX as u64) as i64;
        self.exec(
            &format!(
                "INSERT INTO addresses ({ADDRESS_COLUMNS}) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, \
                 $13, $14) \
                 ON CONFLICT (address) DO UPDATE SET status = excluded.status, soft_streak = excluded.soft_streak, \
                 class = excluded.class, reason = excluded.reason, status_code = excluded.status_code, \
                 diagnostic = excluded.diagnostic, trigger_id = excluded.trigger_id, trigger_ts = excluded.trigger_ts, \
                 suppressed_run = excluded.suppressed_run, first_seen = excluded.first_seen, \
                 last_seen = excluded.last_seen, bounces = excluded.bounces, counts_after = excluded.counts_after"
            ),
            &[
                &address,
                &a.status.as_str(),
                &soft_streak,
                &class,
                &reason,
                &status_code,
                &diagnostic,
                &trigger_id,
                &trigger_ts,
                &a.suppressed_run,
                &a.first_seen,
                &a.last_seen,
                &bounces,
                &a.counts_after,
            ],
        )?;
        Ok(())
    }

    fn delete_address(&mut self, address: &str) -> Result<()> {
        let address = clean(address).into_owned();
        self.exec("DELETE FROM addresses WHERE address = $1", &[&address])?;
        Ok(())
    }

    fn add_address_event(&mut self, ev: &AddressEvent) -> Result<()> {
        let address = clean(&ev.address).into_owned();
        let action = clean(&ev.action).into_owned();
        let note = clean_opt(&ev.note);
        self.exec(
            "INSERT INTO address_events (address, ts, action, note) VALUES ($1, $2, $3, $4)",
            &[&address, &ev.ts, &action, &note],
        )?;
        Ok(())
    }

    fn counts(&mut self, q: &CountsQuery) -> Result<Counts> {
        self.flush()?;
        let rows = self.query(
            "SELECT count(*) FILTER (WHERE status = 'suppressed'), \
                    count(*) FILTER (WHERE status = 'at_risk'), \
                    count(*) FILTER (WHERE status = 'suppressed' AND class = 'hard'), \
                    count(*) FILTER (WHERE status = 'suppressed' AND class = 'soft'), \
                    count(*) FILTER (WHERE status = 'suppressed' AND class = 'complaint'), \
                    count(*) FILTER (WHERE status = 'suppressed' AND class = 'unsubscribe'), \
                    count(*) FILTER (WHERE status = 'suppressed' AND class = 'esp-suppressed'), \
                    count(*) FILTER (WHERE status = 'suppressed' AND suppressed_run = $1), \
                    count(*) FILTER (WHERE status = 'suppressed' AND trigger_ts >= $2) \
             FROM addresses",
            &[&q.run, &q.since],
        )?;
        let Some(r) = rows.first() else {
            return Err(self.data_err("no counts returned".into()));
        };
        let n = |i: usize| -> Result<u64> { Ok(self.get::<i64>(r, i)?.max(0) as u64) };
        let total = n(0)?;
        let new = match (q.run, q.since) {
            (Some(_), _) => n(7)?,
            (None, Some(_)) => n(8)?,
            (None, None) => total,
        };
        let mut counts = Counts {
            total,
            at_risk: n(1)?,
            hard: n(2)?,
            soft: n(3)?,
            complaint: n(4)?,
            unsubscribe: n(5)?,
            esp: n(6)?,
            new,
            violations: 0,
        };
        let (sql, since) = Self::violations_sql(q, "count(*)", false);
        let (local, notification) = (q.scope.include_local, q.scope.include_notifications);
        counts.violations = match since {
            Some(s) => self.count(&sql, &[&local, &notification, &s])?,
            None => self.count(&sql, &[&local, &notification])?,
        };
        Ok(counts)
    }

    fn violations(&mut self, q: &CountsQuery, limit: usize) -> Result<Vec<Violation>> {
        self.flush()?;
        let (mut sql, since) = Self::violations_sql(q, "d.rcpt, d.ts, d.msg_id, a.trigger_ts", true);
        sql.push_str(&format!(" LIMIT {limit}"));
        let (local, notification) = (q.scope.include_local, q.scope.include_notifications);
        let rows = match since {
            Some(s) => self.query(&sql, &[&local, &notification, &s])?,
            None => self.query(&sql, &[&local, &notification])?,
        };
        rows.iter()
            .map(|r| {
                Ok(Violation {
                    address: self.get(r, 0)?,
                    ts: self.get(r, 1)?,
                    msg_id: self.get(r, 2)?,
                    suppressed_at: self.get(r, 3)?,
                })
            })
            .collect()
    }

    fn list(&mut self, since: Option<i64>, include_at_risk: bool) -> Result<Vec<AddressRecord>> {
        self.flush()?;
        // Ordered here, bytewise like SQLite, whatever the database's collation.
        let rows = self.query(
            &format!(
                "SELECT {ADDRESS_SELECT} \
                 WHERE (a.status = 'suppressed' AND ($1::int8 IS NULL OR a.trigger_ts >= $1)) \
                 OR ($2 AND a.status = 'at_risk' AND ($1::int8 IS NULL OR a.last_seen >= $1))"
            ),
            &[&since, &include_at_risk],
        )?;
        let mut list: Vec<AddressRecord> =
            rows.iter().map(|r| self.address_from(r)).collect::<Result<_>>()?;
        list.sort_by(|a, b| a.address.cmp(&b.address));
        Ok(list)
    }

    fn each_suppressed(&mut self, visit: &mut SuppressedVisit<'_>) -> Result<()> {
        use postgres::fallible_iterator::FallibleIterator;
        self.flush()?;
        // Rows as they arrive: the list is never held whole.
        let sql = "SELECT address, class, reason, trigger_id IS NOT NULL AND trigger_ts IS NOT NULL \
                   FROM addresses WHERE status = 'suppressed'";
        let client = &mut self.client;
        let streamed = (|| -> std::result::Result<(), postgres::Error> {
            let mut rows = client.query_raw(sql, std::iter::empty::<i64>())?;
            while let Some(row) = rows.next()? {
                let address: String = row.try_get(0)?;
                let class: Option<String> = row.try_get(1)?;
                let reason: Option<String> = row.try_get(2)?;
                let has_trigger: bool = row.try_get(3)?;
                let trigger = class
                    .as_deref()
                    .and_then(Cause::parse)
                    .filter(|_| has_trigger)
                    .map(|c| (c, reason.as_deref()));
                visit(&address, trigger);
            }
            Ok(())
        })();
        streamed.map_err(|e| self.err(e))
    }

    fn each_listed(
        &mut self,
        since: Option<i64>,
        include_at_risk: bool,
        visit: &mut dyn FnMut(AddressRecord) -> anyhow::Result<()>,
    ) -> anyhow::Result<()> {
        use postgres::fallible_iterator::FallibleIterator;
        self.flush()?;
        // `list` streamed: rows as they arrive (the connection reads no more
        // than the caller takes), so an export of millions of addresses holds
        // one at a time. Ordered by the server, bytewise as `list` sorts
        // (COLLATE "C": by byte, whatever the database's collation).
        let sql = format!(
            "SELECT {ADDRESS_SELECT} \
             WHERE (a.status = 'suppressed' AND ($1::int8 IS NULL OR a.trigger_ts >= $1)) \
             OR ($2 AND a.status = 'at_risk' AND ($1::int8 IS NULL OR a.last_seen >= $1)) \
             ORDER BY a.address COLLATE \"C\""
        );
        let params: [&(dyn ToSql + Sync); 2] = [&since, &include_at_risk];
        let location = &self.location;
        let client = &mut self.client;
        // Ok(Some(e)): a row that cannot be read back, or the caller's own
        // error (a full disk): the export stops there.
        let streamed = (|| -> std::result::Result<Option<anyhow::Error>, postgres::Error> {
            let mut rows = client.query_raw(&sql, params)?;
            while let Some(row) = rows.next()? {
                let visited = address_from_row(location, &row)
                    .map_err(anyhow::Error::from)
                    .and_then(&mut *visit);
                if let Err(e) = visited {
                    return Ok(Some(e));
                }
            }
            Ok(None)
        })();
        match streamed {
            Ok(None) => Ok(()),
            Ok(Some(e)) => Err(e),
            Err(e) => Err(self.err(e).into()),
        }
    }

    fn contradicted(&mut self) -> Result<Vec<Contradiction>> {
        self.flush()?;
        let rows = self.query(CONTRADICTED_SQL, &[])?;
        let mut out: Vec<Contradiction> = rows
            .iter()
            .map(|r| {
                Ok(Contradiction {
                    address: self.get(r, 0)?,
                    rule: self.get(r, 1)?,
                    bounce_ts: self.get(r, 2)?,
                    delivered_ts: self.get(r, 3)?,
                })
            })
            .collect::<Result<_>>()?;
        // Bytewise, as SQLite orders (the database's collation may not be).
        out.sort_by(|a, b| a.address.cmp(&b.address));
        Ok(out)
    }

    fn history(&mut self, address: &str) -> Result<History> {
        let record = self.address(address)?;
        let key = clean(address).into_owned();
        let mut deliveries = Vec::new();
        for (sql, pending) in [
            (
                format!(
                    "SELECT {} FROM deliveries WHERE rcpt = $1",
                    self.delivery_columns()
                ),
                false,
            ),
            (
                format!("SELECT {} FROM pending WHERE rcpt = $1", self.pending_columns()),
                true,
            ),
        ] {
            let rows = self.query(&sql, &[&key])?;
            for r in &rows {
                deliveries.push(self.delivery_from(r, pending)?);
            }
        }
        deliveries.sort_by_key(|a| (a.1.ts, a.0));
        let rows = self.query(
            "SELECT address, ts, action, note FROM address_events WHERE address = $1 ORDER BY ts, id",
            &[&key],
        )?;
        let events = rows
            .iter()
            .map(|r| {
                Ok(AddressEvent {
                    address: self.get(r, 0)?,
                    ts: self.get(r, 1)?,
                    action: self.get(r, 2)?,
                    note: self.get(r, 3)?,
                })
            })
            .collect::<Result<Vec<_>>>()?;
        Ok(History {
            record,
            deliveries,
            events,
            signals: self.signals(address, None)?,
        })
    }

    fn replay(&mut self, since: Option<i64>, visit: &mut dyn FnMut(Replayed<'_>)) -> Result<()> {
        self.flush()?;
        // One snapshot for the three tables.
        let own = !self.in_transaction;
        if own {
            self.batch("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY")?;
        }
        let result = self.replay_rows(since, visit);
        if own {
            let _ = self.client.batch_execute("COMMIT");
        }
        result
    }

    fn prune(&mut self, before: i64, dry_run: bool) -> Result<Pruned> {
        self.flush()?;
        self.batch("BEGIN")?;
        self.in_transaction = true;
        let result = (|| -> Result<Pruned> {
            let mut n = [0u64; 4];
            for (i, table) in ["deliveries", "pending", "deferrals", "signals"]
                .iter()
                .enumerate()
            {
                n[i] = if dry_run {
                    self.count(&format!("SELECT count(*) FROM {table} WHERE ts < $1"), &[&before])?
                } else {
                    self.exec(&format!("DELETE FROM {table} WHERE ts < $1"), &[&before])?
                };
            }
            let runs = if dry_run {
                0
            } else {
                self.exec(&format!("DELETE {}", super::PRUNE_RUNS), &[&before])?
            };
            Ok(Pruned {
                deliveries: n[0],
                pending: n[1],
                deferrals: n[2],
                signals: n[3],
                runs,
            })
        })();
        self.in_transaction = false;
        let end = if result.is_ok() && !dry_run {
            "COMMIT"
        } else {
            "ROLLBACK"
        };
        let ended = self.batch(end);
        let pruned = result?;
        ended?;
        Ok(pruned)
    }
}
#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nul_is_replaced() {
        assert_eq!(clean("a\0b"), "a\u{fffd}b");
        assert!(matches!(clean("ab"), Cow::Borrowed(_)));
    }
}
