//! The persistent store (DESIGN.md §5): deliveries with their final outcome,
//! pending deliveries, deferral attempts, per-address suppression state and
//! history, ESP signals (complaints, unsubscribes, ESP-side suppressions),
//! per-input offsets and the correlator's in-flight messages. One [`Store`]
//! trait with the semantics every backend keeps: [`sqlite`] (embedded, the
//! default) and [`postgres`] (a database shared by a fleet of analyzers, each
//! naming itself with `--host`); the rules that decide suppression live in
//! [`crate::suppression`] and the incremental planning in [`incremental`],
//! both outside the backends.

pub mod host;
pub mod incremental;
pub mod postgres;
pub mod record;
pub mod sqlite;

use crate::model::{Class, Stage};
use crate::suppression::{evaluate_with, Cause, Status, StoredOutcome, StoredSignal, Trigger};
use std::path::{Path, PathBuf};

/// Why the state could not be used. Every message names the file and says
/// what to do.
#[derive(Debug, thiserror::Error)]
pub enum StateError {
    #[error("{path}: no state yet (run `bouncectl analyze LOGS` first, or point --state at the database)")]
    Missing { path: String },
    #[error(
        "{path}: not a bouncectl state database (not an SQLite file); it was left untouched: \
         give another --state path, or move the file away"
    )]
    NotSqlite { path: String },
    #[error(
        "{path}: an SQLite database of another program, not a bouncectl state; it was left \
         untouched: give another --state path"
    )]
    Foreign { path: String },
    #[error(
        "{path}: the state database is corrupt ({detail}); it was left untouched: move it away \
         (e.g. `mv {path} {path}.bad`) and rerun on your logs to rebuild it"
    )]
    Corrupt { path: String, detail: String },
    #[error(
        "{path}: written by a newer bouncectl (schema version {found}, this one knows up to \
         {known}); upgrade bouncectl"
    )]
    Newer { path: String, found: i64, known: i64 },
    #[error(
        "{path}: another bouncectl run is using the state (waited {waited} s); try again when it \
         has finished, or raise --lock-timeout"
    )]
    Busy { path: String, waited: u64 },
    #[error("{path}: {what}: {source}")]
    Io {
        path: String,
        what: &'static str,
        source: std::io::Error,
    },
    #[error("{path}: state database error: {detail}")]
    Sqlite { path: String, detail: String },
    #[error("cannot connect to {path}: {detail}")]
    Connect { path: String, detail: String },
    #[error("{path}: {detail}")]
    Postgres { path: String, detail: String },
    #[error(
        "{path}: stored data cannot be read back ({detail}); the state may come from an incompatible version"
    )]
    Data { path: String, detail: String },
}

pub type Result<T, E = StateError> = std::result::Result<T, E>;

/// Outcome of a delivery as stored.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Stored {
    Delivered,
    Bounced(Class),
    Pending,
}

impl Stored {
    pub fn as_str(self) -> &'static str {
        match self {
            Stored::Delivered => "delivered",
            Stored::Bounced(c) => c.as_str(),
            Stored::Pending => "pending",
        }
    }

    pub fn parse(s: &str) -> Option<Stored> {
        match s {
            "delivered" => Some(Stored::Delivered),
            "pending" => Some(Stored::Pending),
            other => Class::parse(other).map(Stored::Bounced),
        }
    }
}

/// A delivery as the store keeps it (borrowed for writing, owned for reading).
#[derive(Debug, Clone, PartialEq)]
pub struct DeliveryRow {
    /// The MTA host the log came from (`""` until several hosts share a store).
    pub host: String,
    pub msg_id: String,
    pub rcpt: String,
    /// Time of the final line (of the last deferral while pending).
    pub ts: i64,
    pub first_ts: i64,
    pub outcome: Stored,
    pub reason: Option<String>,
    pub rule: Option<String>,
    /// The SMTP stage the deciding reply answered, when known (schema v3;
    /// `None` for rows stored before).
    pub stage: Option<Stage>,
    /// The words of the rule found in the reply (`Verdict::matched`), when
    /// a text rule decided (schema v3).
    pub matched: Option<String>,
    pub status_code: Option<String>,
    pub diagnostic: String,
    pub deferrals: u32,
    pub local: bool,
    pub notification: bool,
    pub sender: Option<String>,
    pub relay: Option<String>,
    /// The input file the final line came from.
    pub source: String,
}

/// One deferral attempt.
#[derive(Debug, Clone, PartialEq)]
pub struct DeferralRow {
    pub host: String,
    pub msg_id: String,
    pub rcpt: String,
    pub ts: i64,
    pub class: Option<Class>,
    pub reason: Option<String>,
    pub rule: Option<String>,
    /// Deferral cause label (`rate-limit`, ...).
    pub cause: Option<String>,
    pub status_code: Option<String>,
    pub diagnostic: String,
    pub local: bool,
    pub notification: bool,
    pub relay: Option<String>,
    pub source: String,
}

/// An ESP signal about an address, as recorded (once, by host, address,
/// kind and time).
#[derive(Debug, Clone, PartialEq)]
pub struct SignalRow {
    pub host: String,
    pub address: String,
    /// `Complaint`, `Unsubscribe` or `Esp`.
    pub kind: Cause,
    pub ts: i64,
    /// For `Esp`: why the ESP had it on its list (`bounce`, `complaint`, ...).
    pub detail: Option<String>,
}

impl SignalRow {
    pub fn stored(&self) -> StoredSignal {
        StoredSignal {
            ts: self.ts,
            kind: self.kind,
            detail: self.detail.clone(),
        }
    }
}

/// What `prune` removed (or would remove).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Pruned {
    pub deliveries: u64,
    pub pending: u64,
    pub deferrals: u64,
    pub signals: u64,
    pub runs: u64,
}

/// What an incremental run remembers of one input (DESIGN.md §5).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InputMark {
    /// Store id; `None` for an input never seen before.
    pub id: Option<i64>,
    pub host: String,
    /// The name it had when last read.
    pub path: String,
    pub file_id: Option<(u64, u64)>,
    /// Bytes of the content's start that were hashed, and their hash.
    pub head_len: u64,
    pub head_hash: u64,
    /// Offset of the content after the last line consumed.
    pub offset: u64,
    pub compressed: bool,
    /// Size on disk when last read, and whether a compressed input was read
    /// to its end (a compressed log is never appended to).
    pub disk_size: Option<u64>,
    pub complete: bool,
    /// Wall-clock time it was last given (for pruning forgotten inputs).
    pub last_seen: i64,
}

/// What [`Store::each_suppressed`] calls for each suppressed address: the
/// address, and what suppressed it with its reason (`None`: no trigger).
pub type SuppressedVisit<'v> = dyn FnMut(&str, Option<(Cause, Option<&str>)>) + 'v;

/// Where an address stands in the store.
#[derive(Debug, Clone, PartialEq)]
pub struct AddressRecord {
    pub address: String,
    pub status: Status,
    pub soft_streak: u32,
    /// The suppressing outcome, or the last bounce of an at-risk address.
    pub trigger: Option<Trigger>,
    /// Run that first suppressed it.
    pub suppressed_run: Option<i64>,
    pub first_seen: Option<i64>,
    pub last_seen: Option<i64>,
    pub bounces: u64,
    /// Outcomes at or before this time no longer count (set by unsuppress).
    pub counts_after: Option<i64>,
}

/// A manual action on an address, kept in its history.
#[derive(Debug, Clone, PartialEq)]
pub struct AddressEvent {
    pub address: String,
    pub ts: i64,
    pub action: String,
    pub note: Option<String>,
}

/// Which deliveries count for suppression (the same choice as the rates).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct ScopeFilter {
    pub include_local: bool,
    pub include_notifications: bool,
}

/// Which numbers `Store::counts` computes.
#[derive(Debug, Clone, Copy, Default)]
pub struct CountsQuery {
    /// `new` = suppressed by this run; else by time (`since`), else all.
    pub run: Option<i64>,
    /// Violations and `new` from this time on.
    pub since: Option<i64>,
    /// Violations only among the deliveries this run read (marked with
    /// `Store::record_final`).
    pub seen_only: bool,
    pub scope: ScopeFilter,
}

/// The report's suppression numbers.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Counts {
    pub total: u64,
    /// `total` suppressed by a hard bounce / by soft bounces in a row.
    pub hard: u64,
    pub soft: u64,
    /// `total` suppressed by an ESP signal.
    pub complaint: u64,
    pub unsubscribe: u64,
    pub esp: u64,
    pub new: u64,
    pub at_risk: u64,
    pub violations: u64,
}

/// A delivery to an address after it was suppressed.
#[derive(Debug, Clone, PartialEq)]
pub struct Violation {
    pub address: String,
    pub ts: i64,
    pub msg_id: String,
    pub suppressed_at: i64,
}

/// An address suppressed by a hard bounce that later accepted mail: a
/// delivery to it is stored with a time after the bounce that suppressed it
/// (the bounce was misread, or the address came back).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Contradiction {
    pub address: String,
    /// The classifier rule of the suppressing bounce (`None` when that
    /// delivery was pruned or has none).
    pub rule: Option<String>,
    /// Time of the hard bounce that suppressed the address.
    pub bounce_ts: i64,
    /// Time of the first delivery after it.
    pub delivered_ts: i64,
}

/// The contradictions query, portable SQL for both backends: addresses
/// suppressed by a hard bounce with a delivery stored at a later second
/// (same-second order between messages is not known), the rule of the
/// suppressing bounce, its time and the first such delivery's time, by
/// address. The join on deliveries by `rcpt` and `ts` is the
/// `deliveries_rcpt (rcpt, ts)` index.
pub const CONTRADICTED_SQL: &str = "SELECT a.address, MAX(b.rule), a.trigger_ts, MIN(d.ts)      FROM addresses a      JOIN deliveries d ON d.rcpt = a.address AND d.ts > a.trigger_ts AND d.outcome = 'delivered'      LEFT JOIN deliveries b ON b.id = a.trigger_id AND b.rcpt = a.address      WHERE a.status = 'suppressed' AND a.class = 'hard'      GROUP BY a.address, a.trigger_ts      ORDER BY a.address";

/// A stored item replayed to rebuild a report.
#[derive(Debug)]
pub enum Replayed<'a> {
    Delivery(&'a DeliveryRow),
    Deferral(&'a DeferralRow),
}

/// Everything the store knows about one address.
#[derive(Debug, Clone, Default)]
pub struct History {
    pub record: Option<AddressRecord>,
    /// Final and pending deliveries, in time order, with their store id.
    pub deliveries: Vec<(i64, DeliveryRow)>,
    pub events: Vec<AddressEvent>,
    /// ESP signals, in time order.
    pub signals: Vec<SignalRow>,
}

/// The persistent store. Writes happen only between `begin_run` and
/// `commit_run`, in one transaction: a killed run leaves the store as it
/// was. SQLite holds one write lock for the whole run (a second run waits up
/// to its lock timeout); PostgreSQL lets runs of different hosts write at
/// once and serializes what must be: one host's inputs and in-flight
/// messages (`lock_host`), and the review of the addresses a run changed,
/// to its commit (`lock_review`).
pub trait Store {
    /// Where the store lives, for messages.
    fn location(&self) -> &str;

    /// Starts a run: takes the write lock, opens the transaction, returns the run id.
    fn begin_run(&mut self, command: &str, now: i64) -> Result<i64>;
    /// Commits everything the run wrote.
    fn commit_run(&mut self, run: i64, now: i64) -> Result<()>;
    /// Drops everything the run wrote.
    fn rollback_run(&mut self) -> Result<()>;

    /// Waits for (then holds until the end of the run) the lock on one
    /// host's input marks and in-flight messages: two runs of the same host
    /// never interleave. SQLite's run lock covers it already.
    fn lock_host(&mut self, _host: &str) -> Result<()> {
        Ok(())
    }
    /// Waits for (then holds until the end of the run) the review lock,
    /// taken before the run looks for the addresses it changed and reviews
    /// them: runs review and commit one after the other, so that each sees
    /// every outcome committed before it and no update is lost, whichever
    /// host's run came first. Taking it again in the same run costs nothing.
    /// SQLite's run lock covers it already.
    fn lock_review(&mut self) -> Result<()> {
        Ok(())
    }

    fn input_marks(&mut self, host: &str) -> Result<Vec<InputMark>>;
    /// Inserts or updates a mark (by its id); returns the id.
    fn save_input_mark(&mut self, mark: &InputMark) -> Result<i64>;
    /// Forgets inputs not given since `before` (wall-clock seconds).
    fn prune_input_marks(&mut self, host: &str, before: i64) -> Result<()>;
    /// The correlator's in-flight messages saved by the last incremental run (JSON).
    fn snapshot(&mut self, host: &str) -> Result<Option<String>>;
    fn save_snapshot(&mut self, host: &str, json: &str) -> Result<()>;

    /// Records a final delivery (nothing changes when it is known already,
    /// by host, message id, recipient and time of its final line) and removes
    /// the pending delivery it ends.
    fn record_final(&mut self, run: i64, d: &DeliveryRow) -> Result<()>;
    /// Records (or updates) a pending delivery, by host, message id and recipient.
    fn record_pending(&mut self, run: i64, d: &DeliveryRow) -> Result<()>;
    /// Records a deferral attempt (once, by host, message id, recipient, time).
    fn record_deferral(&mut self, run: i64, d: &DeferralRow) -> Result<()>;

    /// Records an ESP signal (once, by host, address, kind and time).
    fn record_signal(&mut self, run: i64, s: &SignalRow) -> Result<()>;
    /// The address's signals after `after`, in time order.
    fn signals(&mut self, address: &str, after: Option<i64>) -> Result<Vec<SignalRow>>;

    /// Addresses with a bounce or a signal first recorded by this run, and
    /// those with a delivery that have a suppression state, in bytewise
    /// order. Taken under the review lock (`lock_review`).
    fn changed_addresses(&mut self, run: i64) -> Result<Vec<String>>;
    fn address(&mut self, address: &str) -> Result<Option<AddressRecord>>;
    /// Final outcomes of deliveries to the address after `after`, in time
    /// order (ts, then id), within `scope`.
    fn outcomes(
        &mut self,
        address: &str,
        after: Option<i64>,
        scope: ScopeFilter,
    ) -> Result<Vec<StoredOutcome>>;
    fn put_address(&mut self, record: &AddressRecord) -> Result<()>;
    fn delete_address(&mut self, address: &str) -> Result<()>;
    fn add_address_event(&mut self, event: &AddressEvent) -> Result<()>;

    fn counts(&mut self, q: &CountsQuery) -> Result<Counts>;
    /// The first `limit` violations of `q`, oldest first.
    fn violations(&mut self, q: &CountsQuery, limit: usize) -> Result<Vec<Violation>>;
    /// Suppressed addresses (suppressed from `since` on), and at-risk ones
    /// if asked (last bounce from `since` on), by address.
    fn list(&mut self, since: Option<i64>, include_at_risk: bool) -> Result<Vec<AddressRecord>>;
    /// Every suppressed address, one at a time and in no order, with what
    /// suppressed it (`None`: no trigger stored) and its reason: a pass over
    /// the whole list that never holds it (`filter` of a large send list
    /// against a large state). The backends stream the rows; this default
    /// goes through [`Store::list`].
    fn each_suppressed(&mut self, visit: &mut SuppressedVisit<'_>) -> Result<()> {
        for r in self.list(None, false)? {
            if r.status == Status::Suppressed {
                visit(
                    &r.address,
                    r.trigger.as_ref().map(|t| (t.class, t.reason.as_deref())),
                );
            }
        }
        Ok(())
    }

    /// [`Store::list`] one record at a time, in the same order, so that an
    /// export of millions of addresses holds one at a time; stops at the
    /// first error of `visit` (the caller's own, such as a full disk, hence
    /// `anyhow`). By default it collects the list first.
    fn each_listed(
        &mut self,
        since: Option<i64>,
        include_at_risk: bool,
        visit: &mut dyn FnMut(AddressRecord) -> anyhow::Result<()>,
    ) -> anyhow::Result<()> {
        for record in self.list(since, include_at_risk)? {
            visit(record)?;
        }
        Ok(())
    }
    /// The addresses suppressed by a hard bounce that have a delivery
    /// stored after it ([`Contradiction`]), by address (bytewise).
    fn contradicted(&mut self) -> Result<Vec<Contradiction>>;
    fn history(&mut self, address: &str) -> Result<History>;
    /// Every stored delivery (final, then pending) and deferral from `since`
    /// on, each kind in time order.
    fn replay(&mut self, since: Option<i64>, visit: &mut dyn FnMut(Replayed<'_>)) -> Result<()>;

    /// Deletes deliveries, pending deliveries, deferrals, signals and runs
    /// older than `before` (never an address's suppression state), or only
    /// counts them when `dry_run`. Runs in its own transaction.
    fn prune(&mut self, before: i64, dry_run: bool) -> Result<Pruned>;
}

/// The runs `prune` deletes (after the rows): started before `$1`/`?1` and
/// owning no row any more. Portable SQL, for both backends.
pub const PRUNE_RUNS: &str = "FROM runs WHERE started_at < $1 \
     AND NOT EXISTS (SELECT 1 FROM deliveries d WHERE d.run_id = runs.id) \
     AND NOT EXISTS (SELECT 1 FROM pending p WHERE p.run_id = runs.id) \
     AND NOT EXISTS (SELECT 1 FROM deferrals f WHERE f.run_id = runs.id) \
     AND NOT EXISTS (SELECT 1 FROM signals s WHERE s.run_id = runs.id) \
     AND NOT EXISTS (SELECT 1 FROM addresses a WHERE a.suppressed_run = runs.id)";

/// The default state file: `$XDG_STATE_HOME/bouncectl/state.db`, else
/// `~/.local/state/bouncectl/state.db`.
pub fn default_path() -> Option<PathBuf> {
    let from = |var: &str| {
        std::env::var_os(var)
            .map(PathBuf::from)
            .filter(|p| p.is_absolute())
    };
    if let Some(base) = from("XDG_STATE_HOME") {
        return Some(base.join("bouncectl").join("state.db"));
    }
    from("HOME").map(|home| home.join(".local/state/bouncectl/state.db"))
}

/// Shown for a path in messages.
pub fn display(path: &Path) -> String {
    path.display().to_string()
}

/// Brings the suppression state of `address` up to date with its stored
/// outcomes and signals from every host (DESIGN.md §1, in time order), so
/// that the decision does not depend on the order in which logs arrive.
/// Suppression is sticky (until `unsuppress`) for what no later record can
/// undo: a hard bounce, an ESP signal, a streak whose bounces were pruned or
/// are out of scope; an earlier suppressing outcome arriving later moves the
/// suppression time back. A soft streak is decided again over all outcomes:
/// a delivery between its bounces, read later from another host, breaks it.
pub fn review_address(
    store: &mut dyn Store,
    address: &str,
    run: i64,
    promote_after: u32,
    scope: ScopeFilter,
) -> Result<()> {
    store.lock_review()?;
    let existing = store.address(address)?;
    let counts_after = existing.as_ref().and_then(|r| r.counts_after);
    let outcomes = store.outcomes(address, counts_after, scope)?;
    let signals: Vec<StoredSignal> = store
        .signals(address, counts_after)?
        .iter()
        .map(SignalRow::stored)
        .collect();
    let d = evaluate_with(&outcomes, &signals, promote_after);
    let was = existing
        .as_ref()
        .filter(|r| r.status == Status::Suppressed)
        .and_then(|r| r.trigger.clone().map(|t| (t, r.suppressed_run)));
    // A soft-streak suppression whose last bounce is still stored (and in
    // scope) is decided again over all the outcomes: a delivery that another
    // host logged between the soft bounces, read later, breaks the streak
    // as if it had been read first. Anything else stays (a hard bounce, a
    // signal, a streak whose bounces were pruned).
    let redecided = |t: &Trigger| t.class == Cause::Soft && outcomes.iter().any(|o| o.id == t.id);
    let was = was.filter(|(old, _)| d.suppressed_by.is_some() || !redecided(old));
    let (status, trigger, suppressed_run) = match (d.suppressed_by, was) {
        (Some(new), Some((old, old_run))) => {
            let t = if redecided(&old) || new.before(&old) {
                new
            } else {
                old
            };
            (Status::Suppressed, Some(t), old_run)
        }
        (Some(new), None) => (Status::Suppressed, Some(new), Some(run)),
        (None, Some((old, old_run))) => (Status::Suppressed, Some(old), old_run),
        (None, None) => (d.status, d.last_bounce, None),
    };
    if status == Status::Ok && counts_after.is_none() {
        if existing.is_some() {
            store.delete_address(address)?;
        }
        return Ok(());
    }
    store.put_address(&AddressRecord {
        address: address.into(),
        status,
        soft_streak: if status == Status::Suppressed {
            0
        } else {
            d.soft_streak
        },
        trigger,
        suppressed_run,
        first_seen: d.first_seen,
        last_seen: d.last_seen,
        bounces: d.bounces,
        counts_after,
    })
}

/// `unsuppress`: the address is no longer suppressed (or at risk), and its
/// outcomes until `cutoff` stop counting; recorded in its history.
pub fn unsuppress(
    store: &mut dyn Store,
    address: &str,
    cutoff: i64,
    now: i64,
    note: Option<&str>,
) -> Result<bool> {
    store.lock_review()?;
    let existing = store.address(address)?;
    let was = existing.as_ref().map(|r| r.status);
    store.put_address(&AddressRecord {
        address: address.into(),
        status: Status::Ok,
        soft_streak: 0,
        trigger: None,
        suppressed_run: None,
        first_seen: None,
        last_seen: None,
        bounces: 0,
        counts_after: Some(cutoff),
    })?;
    store.add_address_event(&AddressEvent {
        address: address.into(),
        ts: now,
        action: "unsuppress".into(),
        note: note.map(String::from),
    })?;
    Ok(was == Some(Status::Suppressed))
}

/// FNV-1a, 64 bits: a hash of an input's first bytes that is the same on
/// every machine and in every version (std's hashers promise neither).
pub fn fnv1a(bytes: &[u8]) -> u64 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for &b in bytes {
        h ^= u64::from(b);
        h = h.wrapping_mul(0x0100_0000_01b3);
    }
    h
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fnv_is_stable() {
        assert_eq!(fnv1a(b""), 0xcbf2_9ce4_8422_2325);
        assert_eq!(fnv1a(b"a"), 0xaf63_dc4c_8601_ec8c);
    }

    #[test]
    fn outcome_names_round_trip() {
        for s in [
            Stored::Delivered,
            Stored::Pending,
            Stored::Bounced(Class::Hard),
            Stored::Bounced(Class::Soft),
            Stored::Bounced(Class::Block),
        ] {
            assert_eq!(Stored::parse(s.as_str()), Some(s));
        }
    }
}
