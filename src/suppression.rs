//! The suppression rules of DESIGN.md §1 applied to one address's stored
//! outcomes in time order: hard → suppressed at once; N soft bounces in a row
//! (no delivery between) → suppressed; fewer → at risk; a block neither
//! suppresses nor resets; an ESP signal (complaint, unsubscribe, the ESP's
//! refusal to send to an address on its own list) suppresses at its time.
//! Pure logic, shared by every store (SQLite and PostgreSQL), so that the
//! decision never depends on the backend or on the order in which logs
//! arrived.

use crate::model::Class;

/// One final outcome of a delivery to the address, as stored.
#[derive(Debug, Clone, PartialEq)]
pub struct StoredOutcome {
    /// Store id: breaks ties between outcomes of the same second in the
    /// order they were recorded.
    pub id: i64,
    /// Time of the delivery's final line.
    pub ts: i64,
    /// `None`: delivered.
    pub class: Option<Class>,
    pub reason: Option<String>,
    /// The classifier rule that decided the bounce (`userunknown.rcpt`, ...).
    pub rule: Option<String>,
    pub status_code: Option<String>,
    pub diagnostic: String,
}

/// What suppressed an address (or, for an at-risk one, its last bounce).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Cause {
    Hard,
    Soft,
    /// The recipient reported a message as spam.
    Complaint,
    /// The recipient unsubscribed.
    Unsubscribe,
    /// The ESP refused to send: the address was on its own suppression list.
    Esp,
}

impl Cause {
    pub const SIGNALS: [Cause; 3] = [Cause::Complaint, Cause::Unsubscribe, Cause::Esp];

    /// The name kept in the state and shown in exports (`class` columns).
    pub fn as_str(self) -> &'static str {
        match self {
            Cause::Hard => "hard",
            Cause::Soft => "soft",
            Cause::Complaint => "complaint",
            Cause::Unsubscribe => "unsubscribe",
            Cause::Esp => "esp-suppressed",
        }
    }

    pub fn parse(s: &str) -> Option<Cause> {
        match s {
            "hard" => Some(Cause::Hard),
            "soft" => Some(Cause::Soft),
            "complaint" => Some(Cause::Complaint),
            "unsubscribe" => Some(Cause::Unsubscribe),
            "esp-suppressed" => Some(Cause::Esp),
            _ => None,
        }
    }

    /// For a person: `hard bounce`, `spam complaint`, ...
    pub fn describe(self) -> &'static str {
        match self {
            Cause::Hard => "hard bounce",
            Cause::Soft => "soft bounce",
            Cause::Complaint => "spam complaint",
            Cause::Unsubscribe => "unsubscribe",
            Cause::Esp => "suppressed by the ESP",
        }
    }

    /// The cause of a bounce of this class (none for a block).
    pub fn of_class(class: Class) -> Option<Cause> {
        match class {
            Class::Hard => Some(Cause::Hard),
            Class::Soft => Some(Cause::Soft),
            Class::Block => None,
        }
    }

    /// An ESP signal rather than a bounce.
    pub fn is_signal(self) -> bool {
        Cause::SIGNALS.contains(&self)
    }
}

impl std::fmt::Display for Cause {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// An ESP signal about an address, as stored: a complaint, an unsubscribe,
/// or the ESP's refusal to send to an address on its own list.
#[derive(Debug, Clone, PartialEq)]
pub struct StoredSignal {
    pub ts: i64,
    /// `Complaint`, `Unsubscribe` or `Esp`.
    pub kind: Cause,
    /// Why the ESP had the address on its list (`bounce`, `complaint`,
    /// `unsubscribe`, `other`), for `Esp`.
    pub detail: Option<String>,
}

/// The store id of a trigger that is a signal: after every delivery of the
/// same second, so that a send and the complaint about it in one second do
/// not make the send a violation.
pub const SIGNAL_ID: i64 = i64::MAX;

/// The outcome or signal that suppressed an address, or its last bounce.
#[derive(Debug, Clone, PartialEq)]
pub struct Trigger {
    /// The delivery's store id ([`SIGNAL_ID`] for a signal).
    pub id: i64,
    pub ts: i64,
    pub class: Cause,
    pub reason: Option<String>,
    /// The classifier rule of the bounce (`None` for a signal, or when the
    /// bounce was pruned or recorded before rules were kept). Not kept with
    /// the address: the stores read it from the delivery `id` names.
    pub rule: Option<String>,
    pub status_code: Option<String>,
    pub diagnostic: String,
}

impl Trigger {
    fn of(o: &StoredOutcome, class: Cause) -> Trigger {
        Trigger {
            id: o.id,
            ts: o.ts,
            class,
            reason: o.reason.clone(),
            rule: o.rule.clone(),
            status_code: o.status_code.clone(),
            diagnostic: o.diagnostic.clone(),
        }
    }

    fn signal(s: &StoredSignal) -> Trigger {
        Trigger {
            id: SIGNAL_ID,
            ts: s.ts,
            class: s.kind,
            reason: s.detail.clone(),
            rule: None,
            status_code: None,
            diagnostic: String::new(),
        }
    }

    /// Whether this outcome came before `other` in time (ties: recorded first).
    pub fn before(&self, other: &Trigger) -> bool {
        (self.ts, self.id) < (other.ts, other.id)
    }
}

/// Where an address stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Status {
    Ok,
    /// 1..N-1 soft bounces in a row.
    AtRisk,
    Suppressed,
}

impl Status {
    pub fn as_str(self) -> &'static str {
        match self {
            Status::Ok => "ok",
            Status::AtRisk => "at_risk",
            Status::Suppressed => "suppressed",
        }
    }

    pub fn parse(s: &str) -> Option<Status> {
        match s {
            "ok" => Some(Status::Ok),
            "at_risk" => Some(Status::AtRisk),
            "suppressed" => Some(Status::Suppressed),
            _ => None,
        }
    }
}

/// The rule itself, for one address, fed its outcomes and signals in time
/// order (a signal after the outcomes of its second). The one place the
/// rule is written: the stores' [`evaluate_with`] and the report without a
/// state (`--no-state`, in `aggregate`) both step through it.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct Standing {
    /// Soft bounces in a row (no delivery between) before any suppression.
    pub streak: u32,
    /// What suppressed the address, once something did.
    pub suppressed: Option<Cause>,
}

/// What one outcome or signal did to a [`Standing`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Step {
    /// The address was suppressed already: this changes nothing (a send to
    /// it is a violation).
    AlreadySuppressed,
    /// This suppressed the address.
    Suppressed(Cause),
    /// The address is not suppressed (its streak may have changed).
    Counted,
}

impl Standing {
    /// A final outcome: `None` delivered, else the bounce's class. Hard
    /// suppresses at once; `promote_after` soft bounces in a row suppress; a
    /// delivery resets the streak; a block neither suppresses nor resets.
    pub fn outcome(&mut self, class: Option<Class>, promote_after: u32) -> Step {
        if self.suppressed.is_some() {
            return Step::AlreadySuppressed;
        }
        match class {
            None => self.streak = 0,
            Some(Class::Hard) => return self.suppress(Cause::Hard),
            Some(Class::Soft) => {
                self.streak += 1;
                if self.streak >= promote_after.max(1) {
                    return self.suppress(Cause::Soft);
                }
            }
            Some(Class::Block) => {}
        }
        Step::Counted
    }

    /// An ESP signal (complaint, unsubscribe, the ESP's own list): it
    /// suppresses at its time, unless something did before.
    pub fn signal(&mut self, kind: Cause) -> Step {
        if self.suppressed.is_some() {
            return Step::AlreadySuppressed;
        }
        self.suppress(kind)
    }

    fn suppress(&mut self, cause: Cause) -> Step {
        self.suppressed = Some(cause);
        Step::Suppressed(cause)
    }

    pub fn status(&self) -> Status {
        if self.suppressed.is_some() {
            Status::Suppressed
        } else if self.streak > 0 {
            Status::AtRisk
        } else {
            Status::Ok
        }
    }
}

/// What the outcomes say about the address.
#[derive(Debug, Clone, PartialEq)]
pub struct Decision {
    pub status: Status,
    /// Soft bounces in a row at the end (before any suppression).
    pub soft_streak: u32,
    /// The outcome that suppressed the address.
    pub suppressed_by: Option<Trigger>,
    /// The last hard or soft bounce.
    pub last_bounce: Option<Trigger>,
    /// Hard and soft bounces, first and last of them.
    pub bounces: u64,
    pub first_seen: Option<i64>,
    pub last_seen: Option<i64>,
}

/// Applies the rules to `outcomes`, which must be in time order (ts, then id).
/// Outcomes after the suppressing one are violations: they change nothing.
pub fn evaluate(outcomes: &[StoredOutcome], promote_after: u32) -> Decision {
    evaluate_with(outcomes, &[], promote_after)
}

/// [`evaluate`] with the address's ESP signals (in time order): the first
/// signal not preceded by a suppressing outcome suppresses the address at
/// its time (after the outcomes of the same second).
pub fn evaluate_with(outcomes: &[StoredOutcome], signals: &[StoredSignal], promote_after: u32) -> Decision {
    let mut signals = signals.iter().peekable();
    let mut standing = Standing::default();
    let mut suppressed_by: Option<Trigger> = None;
    let mut last_bounce = None;
    let mut bounces = 0;
    let mut first_seen = None;
    let mut last_seen = None;
    for o in outcomes {
        while let Some(s) = signals.next_if(|s| s.ts < o.ts) {
            if standing.signal(s.kind) != Step::AlreadySuppressed {
                suppressed_by = Some(Trigger::signal(s));
            }
        }
        if let Some(class @ (Class::Hard | Class::Soft)) = o.class {
            bounces += 1;
            first_seen = first_seen.or(Some(o.ts));
            last_seen = Some(o.ts);
            last_bounce = Cause::of_class(class).map(|c| Trigger::of(o, c));
        }
        if let Step::Suppressed(cause) = standing.outcome(o.class, promote_after) {
            suppressed_by = Some(Trigger::of(o, cause));
        }
    }
    if let Some(s) = signals.next() {
        if standing.signal(s.kind) != Step::AlreadySuppressed {
            suppressed_by = Some(Trigger::signal(s));
        }
    }
    Decision {
        status: standing.status(),
        soft_streak: standing.streak,
        suppressed_by,
        last_bounce,
        bounces,
        first_seen,
        last_seen,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn o(id: i64, ts: i64, class: Option<Class>) -> StoredOutcome {
        StoredOutcome {
            id,
            ts,
            class,
            reason: None,
            rule: None,
            status_code: None,
            diagnostic: String::new(),
        }
    }

    const D: Option<Class> = None;
    const H: Option<Class> = Some(Class::Hard);
    const S: Option<Class> = Some(Class::Soft);
    const B: Option<Class> = Some(Class::Block);

    fn status(classes: &[Option<Class>], n: u32) -> (Status, u32) {
        let outs: Vec<_> = classes
            .iter()
            .enumerate()
            .map(|(i, c)| o(i as i64, i as i64, *c))
            .collect();
        let d = evaluate(&outs, n);
        (d.status, d.soft_streak)
    }

    #[test]
    fn hard_suppresses_at_once() {
        assert_eq!(status(&[D, H], 3).0, Status::Suppressed);
    }

    #[test]
    fn soft_streak_promotes_and_delivery_resets() {
        assert_eq!(status(&[S, S], 3), (Status::AtRisk, 2));
        assert_eq!(status(&[S, S, S], 3).0, Status::Suppressed);
        assert_eq!(status(&[S, S, D, S], 3), (Status::AtRisk, 1));
        assert_eq!(status(&[S, D], 3), (Status::Ok, 0));
        assert_eq!(status(&[S], 1).0, Status::Suppressed);
    }

    #[test]
    fn a_block_neither_suppresses_nor_resets() {
        assert_eq!(status(&[B, B, B, B], 3), (Status::Ok, 0));
        assert_eq!(status(&[S, B, S, B, S], 3).0, Status::Suppressed);
    }

    #[test]
    fn a_signal_suppresses_at_its_time() {
        let sig = |ts, kind| StoredSignal {
            ts,
            kind,
            detail: None,
        };
        // A complaint before the soft streak completes suppresses for the complaint.
        let outs = vec![o(1, 10, S), o(2, 20, S), o(3, 30, S)];
        let d = evaluate_with(&outs, &[sig(15, Cause::Complaint)], 3);
        assert_eq!(d.status, Status::Suppressed);
        let t = d.suppressed_by.unwrap();
        assert_eq!((t.class, t.ts, t.id), (Cause::Complaint, 15, SIGNAL_ID));
        // After a hard bounce, a signal changes nothing; alone, it suppresses.
        let d = evaluate_with(&[o(1, 10, H)], &[sig(20, Cause::Unsubscribe)], 3);
        assert_eq!(d.suppressed_by.unwrap().class, Cause::Hard);
        let d = evaluate_with(&[o(1, 10, D)], &[sig(10, Cause::Esp)], 3);
        assert_eq!(d.suppressed_by.unwrap().class, Cause::Esp);
        assert_eq!(d.soft_streak, 0);
    }

    #[test]
    fn outcomes_after_suppression_change_nothing() {
        let outs = vec![o(1, 10, H), o(2, 20, D), o(3, 30, S)];
        let d = evaluate(&outs, 3);
        assert_eq!(d.status, Status::Suppressed);
        assert_eq!(d.suppressed_by.as_ref().map(|t| t.id), Some(1));
        assert_eq!((d.bounces, d.first_seen, d.last_seen), (2, Some(10), Some(30)));
    }
}
