//! Correlation: events in input order → one outcome per delivery, keyed by
//! (message id, lower-cased recipient). A message id names a new message again
//! after its `removed` line.

use crate::model::{
    Attempt, AttemptParts, AttemptStatus, Class, Deferral, Event, EventKind, MsgId, Outcome, Reason, Scope,
    Stage, SuppressCause, Verdict,
};
use rustc_hash::FxHashMap;
use serde::{Deserialize, Serialize};

/// One message to one recipient, with its final (or pending) outcome. A view
/// into the correlator's state: a sink copies what it keeps, so deliveries
/// that only add to counters cost no allocation.
#[derive(Debug, Clone, PartialEq)]
pub struct Delivery<'a> {
    pub msg: MsgId,
    pub rcpt: &'a str,
    /// Envelope sender, when the log showed it (`""`: our own notification).
    pub sender: Option<&'a str>,
    pub outcome: Outcome,
    /// Reason of a bounce, or of the last deferral of a pending delivery.
    pub reason: Option<Reason>,
    /// The rule that decided the reason.
    pub rule: Option<&'static str>,
    /// The SMTP stage the deciding reply answered, when known.
    pub stage: Option<Stage>,
    /// The words of the rule found in the reply (see [`Verdict::matched`]).
    pub matched: Option<&'static str>,
    pub status_code: Option<&'a str>,
    pub diagnostic: &'a str,
    /// Deferral attempts before the outcome.
    pub deferrals: u32,
    pub first_ts: i64,
    /// Time of the final line (or of the last deferral, when pending).
    pub ts: i64,
    pub scope: Scope,
    /// The message is a bounce notification we generated (null sender).
    pub notification: bool,
    pub relay: Option<&'a str>,
    /// Index of the input the final line came from.
    pub source: usize,
}

impl Delivery<'_> {
    /// The recipient's domain (after the last `@`), or the whole address.
    pub fn domain(&self) -> &str {
        domain_of(self.rcpt)
    }
}

/// The part after the last `@` (the whole address when it has none). A byte
/// loop from the end: the domain is a few bytes long, and `rsplit_once`'s
/// searcher costs more to set up than to run (this is done per delivery).
pub fn domain_of(address: &str) -> &str {
    match address.bytes().rposition(|c| c == b'@') {
        // `@` is ASCII: the byte after it starts a character.
        Some(at) => address.get(at + 1..).unwrap_or(address),
        None => address,
    }
}

/// Receives what the correlator decides, in order.
pub trait Sink {
    /// A delivery reached its outcome (or is still pending at the end).
    fn delivery(&mut self, delivery: Delivery<'_>);
    /// A deferral attempt (a delivery may have many).
    fn deferral(&mut self, attempt: &Attempt, ts: i64, notification: bool);
    /// A deferral attempt with its message id and input index, which a store
    /// needs to keep it; by default the same as [`Sink::deferral`].
    fn deferral_in(&mut self, msg: MsgId, attempt: &Attempt, ts: i64, notification: bool, source: usize) {
        let _ = (msg, source);
        self.deferral(attempt, ts, notification);
    }
    /// An ESP's own class for a bounce, just before its delivery (ESP inputs
    /// only): our verdict is in the delivery; the two may disagree.
    fn esp_label(&mut self, _delivery: &Delivery<'_>, _label: Class) {}
    /// An ESP refused to send to an address it had suppressed before.
    fn esp_suppressed(&mut self, _rcpt: &str, _cause: SuppressCause, _ts: i64) {}
    /// A spam complaint about a message to `rcpt`.
    fn complaint(&mut self, _rcpt: &str, _ts: i64) {}
    /// `rcpt` unsubscribed.
    fn unsubscribe(&mut self, _rcpt: &str, _ts: i64) {}
}

/// What the correlator remembers of one recipient of a message in the queue.
#[derive(Debug)]
struct RcptState {
    /// Hash of the lower-cased recipient: a done recipient needs no more than
    /// this (to recognise a repeated final line), so its text is not kept.
    hash: u64,
    deferrals: u32,
    first_ts: i64,
    last_ts: i64,
    scope: Scope,
    /// The last deferral; holds the recipient's text while it is pending.
    last: Option<Attempt>,
    done: bool,
    source: usize,
}

fn rcpt_hash(rcpt: &str) -> u64 {
    use std::hash::{BuildHasher, Hasher};
    let mut h = rustc_hash::FxBuildHasher.build_hasher();
    h.write(rcpt.as_bytes());
    h.finish()
}

/// The recipients of one message: most messages have one to a few, so a
/// vector with a linear search; an index is added for mailing-list sized ones.
#[derive(Debug, Default)]
struct Rcpts {
    list: Vec<RcptState>,
    index: Option<FxHashMap<u64, usize>>,
}

/// Recipients a message may have before an index is worth its memory.
const LINEAR_RCPTS: usize = 16;

impl Rcpts {
    fn get_or_insert_with(&mut self, hash: u64, make: impl FnOnce() -> RcptState) -> &mut RcptState {
        let found = match &self.index {
            Some(index) => index.get(&hash).copied(),
            None => self.list.iter().position(|r| r.hash == hash),
        };
        let at = match found {
            Some(at) => at,
            None => {
                self.list.push(make());
                let at = self.list.len() - 1;
                if let Some(index) = &mut self.index {
                    index.insert(hash, at);
                } else if self.list.len() > LINEAR_RCPTS {
                    self.index = Some(self.list.iter().enumerate().map(|(i, r)| (r.hash, i)).collect());
                }
                at
            }
        };
        &mut self.list[at]
    }
}

#[derive(Debug, Default)]
struct Message {
    sender: Option<Box<str>>,
    notification: bool,
    rcpts: Rcpts,
    /// Bounces of a message whose sender the log has not shown, held until
    /// the message's next line: Exim writes `ADDR: error ignored` right
    /// after the `**` line of a bounce of its own, and that line is all
    /// that tells it from an outbound bounce when the `<= <>` arrival was
    /// rotated away.
    held: Vec<HeldBounce>,
}

/// A bounce waiting for the next line of its message (see [`Message::held`]).
#[derive(Debug)]
struct HeldBounce {
    /// The final attempt; an expiry's is made from its last deferral.
    attempt: Attempt,
    ts: i64,
    deferrals: u32,
    first_ts: i64,
    scope: Scope,
    source: usize,
    /// The relay of an earlier attempt, when the final line names none.
    relay: Option<Box<str>>,
}

impl Message {
    fn is_notification(&self) -> bool {
        self.notification || self.sender.as_deref() == Some("")
    }
}

/// Counters of things the correlator saw but that are no delivery.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct CorrelateStats {
    /// Final lines for a delivery that already had its outcome (duplicated lines).
    pub duplicate_finals: u64,
    /// Deferral lines identical to the one before (same second, same text).
    pub duplicate_deferrals: u64,
    /// Expiry lines for messages none of whose recipients we saw.
    pub expired_unknown: u64,
}

/// Turns events into deliveries; memory holds only messages still in the queue.
#[derive(Debug, Default)]
pub struct Correlator {
    messages: FxHashMap<MsgId, Message>,
    /// Messages with held bounces ([`Message::held`]): while there are none,
    /// which is nearly always, an event costs no extra lookup.
    holding: usize,
    pub stats: CorrelateStats,
}

impl Correlator {
    pub fn new() -> Correlator {
        Correlator::default()
    }

    /// Number of messages in flight (for memory checks in tests).
    pub fn live_messages(&self) -> usize {
        self.messages.len()
    }

    pub fn push(&mut self, event: Event, source: usize, sink: &mut impl Sink) {
        if self.holding > 0 {
            if let Some(message) = self.messages.get_mut(&event.msg).filter(|m| !m.held.is_empty()) {
                if event.kind == EventKind::Notification {
                    message.notification = true;
                }
                release_held(event.msg, message, sink);
                self.holding -= 1;
            }
        }
        match event.kind {
            EventKind::Sender { from } => {
                self.messages.entry(event.msg).or_default().sender = Some(from);
            }
            EventKind::Notification => {
                self.messages.entry(event.msg).or_default().notification = true;
            }
            EventKind::Attempt(attempt) => self.attempt(event.msg, event.ts, attempt, None, source, sink),
            EventKind::EspAttempt { attempt, label } => {
                self.attempt(event.msg, event.ts, attempt, label, source, sink)
            }
            EventKind::Expired => self.expire(event.msg, event.ts, sink),
            EventKind::RcptExpired { rcpt } => self.expire_rcpt(event.msg, event.ts, &rcpt, source, sink),
            EventKind::EspSuppressed { rcpt, cause } => sink.esp_suppressed(&rcpt, cause, event.ts),
            EventKind::Complaint { rcpt } => sink.complaint(&rcpt, event.ts),
            EventKind::Unsubscribe { rcpt } => sink.unsubscribe(&rcpt, event.ts),
            EventKind::Removed => {
                if let Some(message) = self.messages.remove(&event.msg) {
                    flush_pending(event.msg, message, sink);
                }
            }
        }
    }

    fn attempt(
        &mut self,
        msg: MsgId,
        ts: i64,
        attempt: Attempt,
        label: Option<Class>,
        source: usize,
        sink: &mut impl Sink,
    ) {
        let message = self.messages.entry(msg).or_default();
        let notification = message.is_notification();
        let hash = rcpt_hash(attempt.rcpt());
        let state = message.rcpts.get_or_insert_with(hash, || RcptState {
            hash,
            deferrals: 0,
            first_ts: ts,
            last_ts: ts,
            scope: attempt.scope,
            last: None,
            done: false,
            source,
        });
        if state.done {
            self.stats.duplicate_finals += 1;
            return;
        }
        // A deferral line repeated to the second with the same text is the
        // same line twice (duplicated log lines), not another attempt: a real
        // retry comes minutes later.
        if attempt.status == AttemptStatus::Deferred
            && state.deferrals > 0
            && state.last_ts == ts
            && state
                .last
                .as_ref()
                .is_some_and(|l| l.diagnostic() == attempt.diagnostic())
        {
            self.stats.duplicate_deferrals += 1;
            return;
        }
        state.last_ts = ts;
        state.scope = attempt.scope;
        state.source = source;
        let outcome = match attempt.status {
            AttemptStatus::Deferred => {
                state.deferrals += 1;
                sink.deferral_in(msg, &attempt, ts, notification, source);
                state.last = Some(attempt);
                return;
            }
            AttemptStatus::Sent => Outcome::Delivered,
            AttemptStatus::Bounced => Outcome::Bounced(attempt.verdict.map_or(Class::Soft, |v| v.class)),
        };
        state.done = true;
        let earlier = state.last.take();
        if matches!(outcome, Outcome::Bounced(_))
            && label.is_none()
            && message.sender.is_none()
            && !notification
        {
            self.holding += usize::from(message.held.is_empty());
            message.held.push(HeldBounce {
                relay: earlier.as_ref().and_then(Attempt::relay).map(Into::into),
                attempt,
                ts,
                deferrals: state.deferrals,
                first_ts: state.first_ts,
                scope: state.scope,
                source,
            });
            return;
        }
        let delivery = Delivery {
            msg,
            rcpt: attempt.rcpt(),
            sender: message.sender.as_deref(),
            outcome,
            reason: attempt.verdict.map(|v| v.reason),
            rule: attempt.verdict.map(|v| v.rule),
            stage: attempt.verdict.and_then(|v| v.stage),
            matched: attempt.verdict.and_then(|v| v.matched),
            status_code: attempt.status_code(),
            diagnostic: attempt.diagnostic(),
            deferrals: state.deferrals,
            first_ts: state.first_ts,
            ts,
            scope: attempt.scope,
            notification,
            relay: attempt
                .relay()
                .or_else(|| earlier.as_ref().and_then(Attempt::relay)),
            source,
        };
        if let (Some(label), Outcome::Bounced(_)) = (label, outcome) {
            sink.esp_label(&delivery, label);
        }
        sink.delivery(delivery);
    }

    /// Exim `** addr: retry timeout exceeded`: this recipient bounces with
    /// its last deferral's cause (see [`expiry_verdict`]) and text. A recipient whose
    /// deferrals the log did not show still bounces: the line is final.
    fn expire_rcpt(&mut self, msg: MsgId, ts: i64, rcpt: &str, source: usize, sink: &mut impl Sink) {
        let message = self.messages.entry(msg).or_default();
        let notification = message.is_notification();
        let hash = rcpt_hash(rcpt);
        let state = message.rcpts.get_or_insert_with(hash, || RcptState {
            hash,
            deferrals: 0,
            first_ts: ts,
            last_ts: ts,
            scope: Scope::Outbound,
            last: None,
            done: false,
            source,
        });
        if state.done {
            self.stats.duplicate_finals += 1;
            return;
        }
        state.done = true;
        let last = state.last.take();
        let (class, reason, rule) =
            expiry_verdict(last.as_ref().and_then(|a| a.verdict), "exim.retry-timeout");
        if message.sender.is_none() && !notification {
            let verdict = Verdict {
                stage: last.as_ref().and_then(|a| a.verdict).and_then(|v| v.stage),
                matched: last.as_ref().and_then(|a| a.verdict).and_then(|v| v.matched),
                ..Verdict::new(class, reason, rule, None)
            };
            let attempt = Attempt::new(AttemptParts {
                rcpt,
                status: AttemptStatus::Bounced,
                scope: state.scope,
                relay: last.as_ref().and_then(Attempt::relay).map(str::as_bytes),
                diagnostic: last.as_ref().map_or("", Attempt::diagnostic).as_bytes(),
                verdict: Some(verdict),
                status_code: last.as_ref().and_then(Attempt::status_code),
            });
            self.holding += usize::from(message.held.is_empty());
            message.held.push(HeldBounce {
                attempt,
                ts,
                deferrals: state.deferrals,
                first_ts: state.first_ts,
                scope: state.scope,
                source,
                relay: None,
            });
            return;
        }
        sink.delivery(Delivery {
            msg,
            rcpt,
            sender: message.sender.as_deref(),
            outcome: Outcome::Bounced(class),
            reason: Some(reason),
            rule: Some(rule),
            stage: last.as_ref().and_then(|a| a.verdict).and_then(|v| v.stage),
            matched: last.as_ref().and_then(|a| a.verdict).and_then(|v| v.matched),
            status_code: last.as_ref().and_then(Attempt::status_code),
            diagnostic: last.as_ref().map_or("", Attempt::diagnostic),
            deferrals: state.deferrals,
            first_ts: state.first_ts,
            ts,
            scope: state.scope,
            notification,
            relay: last.as_ref().and_then(Attempt::relay),
            source,
        });
    }

    /// Postfix qmgr `status=expired`: every still-pending recipient bounces
    /// with its last deferral's cause (see [`expiry_verdict`]) and text.
    fn expire(&mut self, msg: MsgId, ts: i64, sink: &mut impl Sink) {
        let Some(message) = self.messages.get_mut(&msg) else {
            self.stats.expired_unknown += 1;
            return;
        };
        let notification = message.is_notification();
        let mut expired: Vec<(&mut RcptState, Attempt)> = message
            .rcpts
            .list
            .iter_mut()
            .filter(|s| !s.done)
            .filter_map(|s| s.last.take().map(|last| (s, last)))
            .collect();
        if expired.is_empty() {
            self.stats.expired_unknown += 1;
            return;
        }
        // Recipients in a stable order so output never depends on arrival.
        expired.sort_by(|a, b| a.1.rcpt().cmp(b.1.rcpt()));
        for (state, last) in expired {
            state.done = true;
            let (class, reason, rule) = expiry_verdict(last.verdict, "postfix.expired");
            sink.delivery(Delivery {
                msg,
                rcpt: last.rcpt(),
                sender: message.sender.as_deref(),
                outcome: Outcome::Bounced(class),
                reason: Some(reason),
                rule: Some(rule),
                stage: last.verdict.and_then(|v| v.stage),
                matched: last.verdict.and_then(|v| v.matched),
                status_code: last.status_code(),
                diagnostic: last.diagnostic(),
                deferrals: state.deferrals,
                first_ts: state.first_ts,
                ts,
                scope: state.scope,
                notification,
                relay: last.relay(),
                source: state.source,
            });
        }
    }

    /// End of input: every delivery still without an outcome is pending.
    pub fn finish(mut self, sink: &mut impl Sink) -> CorrelateStats {
        let mut messages: Vec<(MsgId, Message)> = self.messages.drain().collect();
        messages.sort_by_key(|a| a.0);
        for (msg, message) in messages {
            flush_pending(msg, message, sink);
        }
        self.stats
    }
}

/// The correlator's in-flight messages in a form that can be stored between
/// runs, so that an incremental run continues deliveries a previous run left
/// waiting: a deferral in one run and the bounce in the next are one
/// delivery. In-flight messages are few, so this stays small.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Snapshot {
    pub messages: Vec<MessageSnapshot>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MessageSnapshot {
    pub msg: String,
    pub sender: Option<String>,
    pub notification: bool,
    pub rcpts: Vec<RcptSnapshot>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RcptSnapshot {
    /// Hash of the recipient (what a done recipient is recognised by).
    pub hash: u64,
    pub deferrals: u32,
    pub first_ts: i64,
    pub last_ts: i64,
    pub local: bool,
    pub done: bool,
    /// Input index the recipient's last line came from.
    pub source: usize,
    /// The last deferral of a pending recipient.
    pub last: Option<AttemptSnapshot>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AttemptSnapshot {
    pub rcpt: String,
    pub relay: Option<String>,
    pub status_code: Option<String>,
    pub diagnostic: String,
    pub local: bool,
    pub verdict: Option<VerdictSnapshot>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct VerdictSnapshot {
    pub class: Class,
    pub reason: Reason,
    pub rule: String,
    pub deferral: Option<Deferral>,
    /// Added after the first snapshots were stored: absent in those.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub stage: Option<Stage>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub matched: Option<String>,
}

fn scope_of(local: bool) -> Scope {
    if local {
        Scope::Local
    } else {
        Scope::Outbound
    }
}

/// A rule id as the `&'static str` verdicts carry: the classifier's ids are
/// static; an id read back from storage is leaked once (there are few).
pub fn intern_rule(rule: &str) -> &'static str {
    use std::collections::HashSet;
    use std::sync::Mutex;
    static RULES: Mutex<Option<HashSet<&'static str>>> = Mutex::new(None);
    let mut guard = match RULES.lock() {
        Ok(g) => g,
        Err(poisoned) => poisoned.into_inner(),
    };
    let set = guard.get_or_insert_with(HashSet::new);
    if let Some(found) = set.get(rule) {
        return found;
    }
    let leaked: &'static str = Box::leak(rule.to_string().into_boxed_str());
    set.insert(leaked);
    leaked
}

impl AttemptSnapshot {
    fn of(a: &Attempt) -> AttemptSnapshot {
        AttemptSnapshot {
            rcpt: a.rcpt().into(),
            relay: a.relay().map(String::from),
            status_code: a.status_code().map(String::from),
            diagnostic: a.diagnostic().into(),
            local: a.scope == Scope::Local,
            verdict: a.verdict.map(|v| VerdictSnapshot {
                class: v.class,
                reason: v.reason,
                rule: v.rule.into(),
                deferral: v.deferral,
                stage: v.stage,
                matched: v.matched.map(String::from),
            }),
        }
    }

    fn attempt(&self) -> Attempt {
        Attempt::new(AttemptParts {
            rcpt: &self.rcpt,
            status: AttemptStatus::Deferred,
            scope: scope_of(self.local),
            relay: self.relay.as_deref().map(str::as_bytes),
            diagnostic: self.diagnostic.as_bytes(),
            verdict: self.verdict.as_ref().map(|v| Verdict {
                stage: v.stage,
                matched: v.matched.as_deref().map(intern_rule),
                ..Verdict::new(v.class, v.reason, intern_rule(&v.rule), v.deferral)
            }),
            status_code: self.status_code.as_deref(),
        })
    }
}

impl Correlator {
    /// The in-flight messages, in a stable order (by message id).
    pub fn snapshot(&self) -> Snapshot {
        let mut messages: Vec<MessageSnapshot> = self
            .messages
            .iter()
            .map(|(id, m)| MessageSnapshot {
                msg: id.as_str().into(),
                sender: m.sender.as_deref().map(String::from),
                notification: m.notification,
                rcpts: m
                    .rcpts
                    .list
                    .iter()
                    .map(|r| RcptSnapshot {
                        hash: r.hash,
                        deferrals: r.deferrals,
                        first_ts: r.first_ts,
                        last_ts: r.last_ts,
                        local: r.scope == Scope::Local,
                        done: r.done,
                        source: r.source,
                        last: r.last.as_ref().map(AttemptSnapshot::of),
                    })
                    .collect(),
            })
            .collect();
        messages.sort_by(|a, b| a.msg.cmp(&b.msg));
        Snapshot { messages }
    }

    /// Whether nothing is in flight.
    pub fn is_empty(&self) -> bool {
        self.messages.is_empty()
    }

    /// A correlator that continues where `snapshot` left off. `source` maps
    /// each stored input index to one of this run (a message whose id cannot
    /// be a message id is dropped).
    pub fn restore(snapshot: &Snapshot, mut source: impl FnMut(usize) -> usize) -> Correlator {
        let mut c = Correlator::new();
        for m in &snapshot.messages {
            let Some(id) = MsgId::new(m.msg.as_bytes()) else {
                continue;
            };
            let mut message = Message {
                sender: m.sender.as_deref().map(Into::into),
                notification: m.notification,
                rcpts: Rcpts::default(),
                held: Vec::new(),
            };
            for r in &m.rcpts {
                let state = RcptState {
                    hash: r.hash,
                    deferrals: r.deferrals,
                    first_ts: r.first_ts,
                    last_ts: r.last_ts,
                    scope: scope_of(r.local),
                    last: r.last.as_ref().map(AttemptSnapshot::attempt),
                    done: r.done,
                    source: source(r.source),
                };
                message.rcpts.get_or_insert_with(r.hash, || state);
            }
            c.messages.insert(id, message);
        }
        c
    }
}

/// What a delivery that gave up (expired) was, from its last deferral: the
/// expiry only says that retrying stopped, the deferrals say why.
/// - After sender-side refusals (refused to talk, blocklist, reputation,
///   rate limit: a `block` deferral) it is a block, which never suppresses:
///   the recipient was never judged.
/// - After a recipient-state reason (mailbox full, a 4xx user unknown, ...)
///   it is soft with that reason, so the soft streak sees what it was.
/// - After timeouts, network trouble or nothing known it is soft `expired`,
///   decided by `rule` (the expiry line).
fn expiry_verdict(last: Option<Verdict>, rule: &'static str) -> (Class, Reason, &'static str) {
    match last {
        Some(v) if v.class == Class::Block => (Class::Block, v.reason, v.rule),
        Some(v)
            if matches!(
                v.reason,
                Reason::MailboxFull
                    | Reason::SystemFull
                    | Reason::MesgTooBig
                    | Reason::ExceedLimit
                    | Reason::UserUnknown
                    | Reason::HostUnknown
                    | Reason::HasMoved
                    | Reason::NotAccept
                    | Reason::Suspend
                    | Reason::Filtered
            ) =>
        {
            (Class::Soft, v.reason, v.rule)
        }
        _ => (Class::Soft, Reason::Expired, rule),
    }
}

/// Hands the held bounces of a message to the sink, as notifications of
/// ours when the message turned out to be one.
fn release_held(msg: MsgId, message: &mut Message, sink: &mut impl Sink) {
    let notification = message.is_notification();
    for held in message.held.drain(..) {
        let a = &held.attempt;
        let verdict = a.verdict;
        sink.delivery(Delivery {
            msg,
            rcpt: a.rcpt(),
            sender: message.sender.as_deref(),
            outcome: Outcome::Bounced(verdict.map_or(Class::Soft, |v| v.class)),
            reason: verdict.map(|v| v.reason),
            rule: verdict.map(|v| v.rule),
            stage: verdict.and_then(|v| v.stage),
            matched: verdict.and_then(|v| v.matched),
            status_code: a.status_code(),
            diagnostic: a.diagnostic(),
            deferrals: held.deferrals,
            first_ts: held.first_ts,
            ts: held.ts,
            scope: held.scope,
            notification,
            relay: a.relay().or(held.relay.as_deref()),
            source: held.source,
        });
    }
}

fn flush_pending(msg: MsgId, mut message: Message, sink: &mut impl Sink) {
    release_held(msg, &mut message, sink);
    let notification = message.is_notification();
    let mut pending: Vec<(RcptState, Attempt)> = message
        .rcpts
        .list
        .into_iter()
        .filter(|s| !s.done)
        .filter_map(|mut s| s.last.take().map(|last| (s, last)))
        .collect();
    pending.sort_by(|a, b| a.1.rcpt().cmp(b.1.rcpt()));
    for (state, last) in pending {
        sink.delivery(Delivery {
            msg,
            rcpt: last.rcpt(),
            sender: message.sender.as_deref(),
            outcome: Outcome::Pending,
            reason: last.verdict.map(|v| v.reason),
            rule: last.verdict.map(|v| v.rule),
            stage: last.verdict.and_then(|v| v.stage),
            matched: last.verdict.and_then(|v| v.matched),
            status_code: last.status_code(),
            diagnostic: last.diagnostic(),
            deferrals: state.deferrals,
            first_ts: state.first_ts,
            ts: state.last_ts,
            scope: state.scope,
            notification,
            relay: last.relay(),
            source: state.source,
        });
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// What the tests look at of a delivery.
    #[derive(Debug)]
    struct Seen {
        rcpt: String,
        sender: Option<String>,
        outcome: Outcome,
        reason: Option<Reason>,
        deferrals: u32,
        notification: bool,
    }

    #[derive(Default)]
    struct Collect {
        deliveries: Vec<Seen>,
        deferrals: usize,
    }

    impl Sink for Collect {
        fn delivery(&mut self, d: Delivery<'_>) {
            self.deliveries.push(Seen {
                rcpt: d.rcpt.into(),
                sender: d.sender.map(String::from),
                outcome: d.outcome,
                reason: d.reason,
                deferrals: d.deferrals,
                notification: d.notification,
            });
        }
        fn deferral(&mut self, _: &Attempt, _: i64, _: bool) {
            self.deferrals += 1;
        }
    }

    fn id(s: &str) -> MsgId {
        MsgId::new(s.as_bytes()).unwrap()
    }

    fn attempt(rcpt: &str, status: AttemptStatus, class: Option<Class>) -> EventKind {
        attempt_with(
            rcpt,
            status,
            class.map(|class| Verdict::new(class, Reason::UserUnknown, "t", None)),
        )
    }

    fn attempt_with(rcpt: &str, status: AttemptStatus, verdict: Option<Verdict>) -> EventKind {
        EventKind::Attempt(Attempt::new(AttemptParts {
            rcpt,
            status,
            scope: Scope::Outbound,
            relay: None,
            diagnostic: b"",
            verdict,
            status_code: None,
        }))
    }

    fn run(events: Vec<(&str, EventKind)>) -> Collect {
        let mut c = Correlator::new();
        let mut sink = Collect::default();
        for (i, (msg, kind)) in events.into_iter().enumerate() {
            c.push(
                Event {
                    ts: i as i64,
                    msg: id(msg),
                    kind,
                },
                0,
                &mut sink,
            );
        }
        c.finish(&mut sink);
        sink
    }

    #[test]
    fn deferred_then_sent_is_one_delivery() {
        let out = run(vec![
            ("AAAAA1", EventKind::Sender { from: "me@x".into() }),
            (
                "AAAAA1",
                attempt("a@b", AttemptStatus::Deferred, Some(Class::Soft)),
            ),
            (
                "AAAAA1",
                attempt("a@b", AttemptStatus::Deferred, Some(Class::Soft)),
            ),
            ("AAAAA1", attempt("a@b", AttemptStatus::Sent, None)),
            ("AAAAA1", EventKind::Removed),
        ]);
        assert_eq!(out.deliveries.len(), 1);
        assert_eq!(out.deliveries[0].outcome, Outcome::Delivered);
        assert_eq!(out.deliveries[0].deferrals, 2);
        assert_eq!(out.deferrals, 2);
        assert_eq!(out.deliveries[0].sender.as_deref(), Some("me@x"));
    }

    fn deferred(rcpt: &str, class: Class, reason: Reason) -> EventKind {
        attempt_with(
            rcpt,
            AttemptStatus::Deferred,
            Some(Verdict::new(class, reason, "t", None)),
        )
    }

    /// Issue 14: an expiry keeps the cause of its last deferral. Refused
    /// by a blocklist until it gave up: a block, which suppresses no one;
    /// a full mailbox: soft `mailboxfull`; timeouts: soft `expired`.
    #[test]
    fn expiry_keeps_the_cause_of_the_last_deferral() {
        let out = run(vec![
            ("AAAAA1", deferred("a@b", Class::Soft, Reason::NetworkError)),
            ("AAAAA1", deferred("a@b", Class::Block, Reason::Blocked)),
            ("AAAAA1", deferred("c@d", Class::Soft, Reason::MailboxFull)),
            ("AAAAA1", deferred("e@f", Class::Soft, Reason::NetworkError)),
            ("AAAAA1", deferred("g@h", Class::Block, Reason::Speeding)),
            ("AAAAA1", EventKind::Expired),
        ]);
        let outcomes: Vec<_> = out
            .deliveries
            .iter()
            .map(|d| (d.rcpt.as_str(), d.outcome, d.reason))
            .collect();
        assert_eq!(
            outcomes,
            vec![
                ("a@b", Outcome::Bounced(Class::Block), Some(Reason::Blocked)),
                ("c@d", Outcome::Bounced(Class::Soft), Some(Reason::MailboxFull)),
                ("e@f", Outcome::Bounced(Class::Soft), Some(Reason::Expired)),
                ("g@h", Outcome::Bounced(Class::Block), Some(Reason::Speeding)),
            ]
        );
    }

    #[test]
    fn expiry_bounces_every_pending_recipient() {
        let out = run(vec![
            ("AAAAA1", deferred("a@b", Class::Soft, Reason::NetworkError)),
            ("AAAAA1", deferred("c@d", Class::Soft, Reason::Undefined)),
            ("AAAAA1", attempt("e@f", AttemptStatus::Sent, None)),
            ("AAAAA1", EventKind::Expired),
            ("AAAAA1", EventKind::Removed),
        ]);
        let outcomes: Vec<_> = out
            .deliveries
            .iter()
            .map(|d| (d.rcpt.as_str(), d.outcome, d.reason))
            .collect();
        assert_eq!(
            outcomes,
            vec![
                ("e@f", Outcome::Delivered, None),
                ("a@b", Outcome::Bounced(Class::Soft), Some(Reason::Expired)),
                ("c@d", Outcome::Bounced(Class::Soft), Some(Reason::Expired)),
            ]
        );
    }

    #[test]
    fn queue_id_reuse_after_removed_is_a_new_message() {
        let out = run(vec![
            ("AAAAA1", attempt("a@b", AttemptStatus::Sent, None)),
            ("AAAAA1", EventKind::Removed),
            (
                "AAAAA1",
                attempt("a@b", AttemptStatus::Bounced, Some(Class::Hard)),
            ),
            (
                "AAAAA1",
                attempt("a@b", AttemptStatus::Bounced, Some(Class::Hard)),
            ),
        ]);
        assert_eq!(out.deliveries.len(), 2);
        assert_eq!(out.deliveries[1].outcome, Outcome::Bounced(Class::Hard));
    }

    #[test]
    fn pending_at_end_and_notifications() {
        let out = run(vec![
            ("BBBBB1", EventKind::Sender { from: "".into() }),
            (
                "BBBBB1",
                attempt("a@b", AttemptStatus::Deferred, Some(Class::Soft)),
            ),
        ]);
        assert_eq!(out.deliveries.len(), 1);
        assert_eq!(out.deliveries[0].outcome, Outcome::Pending);
        assert!(out.deliveries[0].notification);
    }

    fn events() -> Vec<(&'static str, EventKind)> {
        vec![
            ("AAAAA1", EventKind::Sender { from: "me@x".into() }),
            (
                "AAAAA1",
                attempt("a@b", AttemptStatus::Deferred, Some(Class::Soft)),
            ),
            ("AAAAA1", attempt("c@d", AttemptStatus::Sent, None)),
            (
                "BBBBB1",
                attempt("e@f", AttemptStatus::Deferred, Some(Class::Soft)),
            ),
            ("AAAAA1", attempt("c@d", AttemptStatus::Sent, None)),
            (
                "AAAAA1",
                attempt("a@b", AttemptStatus::Deferred, Some(Class::Soft)),
            ),
            (
                "AAAAA1",
                attempt("a@b", AttemptStatus::Bounced, Some(Class::Hard)),
            ),
            ("AAAAA1", EventKind::Removed),
            ("BBBBB1", EventKind::Expired),
            (
                "CCCCC1",
                attempt("g@h", AttemptStatus::Deferred, Some(Class::Soft)),
            ),
        ]
    }

    #[test]
    fn snapshot_and_restore_continue_deliveries_across_runs() {
        let whole = run(events());
        let whole: Vec<String> = whole.deliveries.iter().map(|d| format!("{d:?}")).collect();
        for split in 0..=events().len() {
            let mut sink = Collect::default();
            let mut c = Correlator::new();
            let all = events();
            for (i, (msg, kind)) in all.into_iter().enumerate() {
                if i == split {
                    let json = serde_json::to_string(&c.snapshot()).unwrap();
                    let snap: Snapshot = serde_json::from_str(&json).unwrap();
                    c = Correlator::restore(&snap, |s| s);
                }
                c.push(
                    Event {
                        ts: i as i64,
                        msg: id(msg),
                        kind,
                    },
                    0,
                    &mut sink,
                );
            }
            c.finish(&mut sink);
            let got: Vec<String> = sink.deliveries.iter().map(|d| format!("{d:?}")).collect();
            assert_eq!(got, whole, "split at {split}");
        }
    }
}
