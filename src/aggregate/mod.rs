//! Aggregation: deliveries → counts, rates, breakdowns, alerts and the
//! per-address suppression decisions of DESIGN.md §1.
//!
//! Who refuses mail is told by *party*: the mailbox provider when the relay
//! host or the recipient domain names one (`rules/providers.toml`), else the
//! recipient domain. Block, deferral and per-party rate alerts are by party,
//! so that `hotmail.com` and `outlook.com` are one Microsoft.

mod alerts;
pub mod bands;
pub mod report;

use alerts::complaint_alert;

use crate::contacts::Contacts;
use crate::correlate::{domain_of, Delivery, Sink};
use crate::model::{Attempt, Class, Deferral, Outcome, Reason, Scope, SuppressCause};
use crate::parse::timestamp::{format_day, format_rfc3339};
use crate::providers::Providers;
use crate::suppression::{Cause, Standing, Status, Step};
use report::{
    Alert, Breakdown, DeferralRow, Deliveries, DisagreementRow, DomainRow, EspReport, Excluded, HardBand,
    InputReport, Level, Period, Rates, ReasonRow, Report, RuleCount, SuppressedBy, Suppression,
    SuppressionCauses, Thresholds, View, SCHEMA,
};
use rustc_hash::FxHashMap as HashMap;
use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;

/// What the user chose about counting and alerting.
#[derive(Debug, Clone)]
pub struct Settings {
    pub include_local: bool,
    pub include_notifications: bool,
    /// Consecutive soft-bounced deliveries that suppress an address.
    pub promote_after: u32,
    pub warning: f64,
    pub critical: f64,
    /// Rows in the by-domain breakdown (0: all).
    pub top: usize,
    /// Final deliveries a domain or provider needs before its own rate can
    /// raise a warning or critical alert (below it, block alerts are `info`
    /// and there is no rate alert): three bounces out of five should not page
    /// anyone.
    pub min_volume: u64,
    /// Breakdowns the text formats show (`--by`; empty: the default ones).
    /// The optional breakdowns (provider, relay, sender, source) are only
    /// computed when listed here.
    pub by: Vec<Breakdown>,
    /// Address → list or import batch (`--sources`), for `--by source`.
    pub contacts: Option<Arc<Contacts>>,
    /// Seconds without a successful delivery that raise the `inactivity`
    /// alert (0: never).
    pub inactivity: u64,
    /// The clock (`--now`, Unix seconds): the inactivity span runs to it when
    /// the data ends more than the span before it. `None`: to the data's end.
    pub now: Option<i64>,
}

impl Default for Settings {
    fn default() -> Settings {
        Settings {
            include_local: false,
            include_notifications: false,
            promote_after: 3,
            warning: 0.02,
            critical: 0.05,
            top: 10,
            min_volume: 100,
            by: Vec::new(),
            contacts: None,
            inactivity: 0,
            now: None,
        }
    }
}

/// Hard-rate bands (DESIGN.md §1): < 0.5% healthy, 0.5–2% caution,
/// 2–5% throttling, > 5% emergency.
const HARD_CAUTION: f64 = 0.005;
const HARD_THROTTLING: f64 = 0.02;
const HARD_EMERGENCY: f64 = 0.05;
/// A soft-bounce rate above this asks the sender to check authentication and content.
const SOFT_ALERT: f64 = 0.05;
/// Complaint-rate limits mailbox providers publish (Gmail and Yahoo's sender
/// guidelines: stay under 0.1%, never reach 0.3%).
const COMPLAINT_WARNING: f64 = 0.001;
const COMPLAINT_CRITICAL: f64 = 0.003;
/// At most this many per-domain alerts of one kind, the largest first.
const MAX_DOMAIN_ALERTS: usize = 5;
/// Domains named in one provider's block alert (the rest are counted).
const MAX_ALERT_DOMAINS: usize = 3;
/// Domains remembered per party trouble.
const MAX_TROUBLE_DOMAINS: usize = 32;
/// Row key when the delivery has no relay host / no known sender / no
/// known provider.
const NO_RELAY: &str = "(none)";
const NO_SENDER: &str = "(unknown)";
const NULL_SENDER: &str = "<>";
const NO_PROVIDER: &str = "other";

/// Who receives a delivery: a known mailbox provider, else the recipient
/// domain.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
enum Party {
    Provider(&'static str),
    Domain(Box<str>),
}

impl Party {
    fn label(&self) -> &str {
        match self {
            Party::Provider(p) => p,
            Party::Domain(d) => d,
        }
    }
}

#[derive(Debug, Default, Clone, Copy)]
struct Tally {
    delivered: u64,
    hard: u64,
    soft: u64,
    block: u64,
    pending: u64,
}

impl Tally {
    fn add(&mut self, outcome: Outcome) {
        match outcome {
            Outcome::Delivered => self.delivered += 1,
            Outcome::Bounced(Class::Hard) => self.hard += 1,
            Outcome::Bounced(Class::Soft) => self.soft += 1,
            Outcome::Bounced(Class::Block) => self.block += 1,
            Outcome::Pending => self.pending += 1,
        }
    }

    fn finals(&self) -> u64 {
        self.delivered + self.hard + self.soft + self.block
    }

    fn total(&self) -> u64 {
        self.finals() + self.pending
    }

    fn bounced(&self) -> u64 {
        self.hard + self.soft + self.block
    }

    fn merge(&mut self, other: &Tally) {
        self.delivered += other.delivered;
        self.hard += other.hard;
        self.soft += other.soft;
        self.block += other.block;
        self.pending += other.pending;
    }

    fn row(&self, key: String) -> DomainRow {
        DomainRow {
            key,
            total: self.total(),
            delivered: self.delivered,
            hard: self.hard,
            soft: self.soft,
            block: self.block,
            pending: self.pending,
            bounce_rate: ratio(self.bounced(), self.finals()),
        }
    }
}

/// A fraction rounded to 4 decimals (0 when the denominator is 0).
pub fn ratio(n: u64, d: u64) -> f64 {
    if d == 0 {
        0.0
    } else {
        (n as f64 / d as f64 * 10_000.0).round() / 10_000.0
    }
}

/// What we know of a domain's blocks or rate limits: for the alert text.
#[derive(Debug, Default)]
struct Trouble {
    count: u64,
    /// The first diagnostic seen, and its status code.
    sample: Option<(Box<str>, Option<Box<str>>)>,
    /// Recipient domains concerned (at most [`MAX_TROUBLE_DOMAINS`]), and
    /// whether there were more.
    domains: BTreeSet<Box<str>>,
    more_domains: bool,
}

impl Trouble {
    fn add(&mut self, diagnostic: &str, status: Option<&str>, domain: &str) {
        self.count += 1;
        if self.sample.is_none() && !diagnostic.is_empty() {
            self.sample = Some((diagnostic.into(), status.map(Into::into)));
        }
        if !self.domains.contains(domain) {
            if self.domains.len() < MAX_TROUBLE_DOMAINS {
                self.domains.insert(domain.into());
            } else {
                self.more_domains = true;
            }
        }
    }
}

/// An address's standing under the suppression rule (the state's own, see
/// [`crate::suppression::Standing`]), and what a contradiction needs.
#[derive(Debug, Default, Clone, Copy)]
struct AddressState {
    standing: Standing,
    /// The rule and time of the hard bounce that suppressed the address.
    rule: Option<&'static str>,
    bounced_at: i64,
    /// Delivered to after a hard bounce suppressed it (counted once).
    contradicted: bool,
}

/// What only ESP exports tell.
#[derive(Debug, Default)]
struct EspCounts {
    already_suppressed: SuppressedBy,
    complaints: u64,
    unsubscribes: u64,
    /// (ESP's class, ours) → bounces.
    disagreements: HashMap<(Class, Class), u64>,
}

/// Rule counts, most first (then by rule id).
fn rule_counts(counts: impl IntoIterator<Item = (&'static str, u64)>) -> Vec<RuleCount> {
    let mut rows: Vec<RuleCount> = counts
        .into_iter()
        .map(|(rule, count)| RuleCount {
            rule: rule.into(),
            count,
        })
        .collect();
    rows.sort_by(|a, b| b.count.cmp(&a.count).then_with(|| a.rule.cmp(&b.rule)));
    rows
}

/// Receives deliveries and deferrals; [`Aggregator::finish`] makes the report.
#[derive(Debug)]
pub struct Aggregator {
    settings: Settings,
    all: Tally,
    deferred_then_delivered: u64,
    deferral_attempts: u64,
    with_deferral: u64,
    excluded: Excluded,
    by_domain: HashMap<Box<str>, Tally>,
    /// Bounces by (reason, class, rule): the by-reason rows and which rules
    /// decided each.
    by_rule: HashMap<(Reason, Class, &'static str), u64>,
    /// Bounces decided by a bare reply code or by nothing (see
    /// [`crate::model::is_undecided_rule`]).
    undecided: u64,
    /// Hard-suppressed addresses that accepted mail later, by the rule
    /// that suppressed them.
    contradicted: HashMap<&'static str, u64>,
    by_day: BTreeMap<i64, Tally>,
    deferral_reasons: HashMap<Reason, u64>,
    blocks: HashMap<Party, Trouble>,
    deferral_causes: HashMap<Option<Deferral>, u64>,
    /// Per (party, cause): why mail to a provider or domain waits, for the alerts.
    deferral_troubles: HashMap<(Party, Deferral), Trouble>,
    /// Deliveries by known provider; those to no known provider by domain.
    by_provider: HashMap<&'static str, Tally>,
    unprovided: HashMap<Box<str>, Tally>,
    /// Relay host → provider, so that each host is looked up once.
    relay_providers: HashMap<Box<str>, Option<&'static str>>,
    /// Optional breakdowns, kept only when asked for.
    by_relay: Option<HashMap<Box<str>, Tally>>,
    by_sender: Option<HashMap<Box<str>, Tally>>,
    by_source: Option<HashMap<Box<str>, Tally>>,
    /// Time of the last successful delivery.
    last_delivered: Option<i64>,
    /// Only addresses with a soft streak or a suppression: delivered
    /// addresses cost nothing.
    addresses: HashMap<Box<str>, AddressState>,
    /// ESP signals waiting for the outcomes of their second (address,
    /// cause, time), in stream order.
    signals: Vec<(Box<str>, Cause, i64)>,
    suppressed: u64,
    by_cause: SuppressionCauses,
    violations: u64,
    esp: EspCounts,
}

impl Aggregator {
    pub fn new(settings: Settings) -> Aggregator {
        let asked = |b: Breakdown| settings.by.contains(&b).then(HashMap::default);
        Aggregator {
            by_relay: asked(Breakdown::Relay),
            by_sender: asked(Breakdown::Sender),
            by_source: asked(Breakdown::Source),
            settings,
            all: Tally::default(),
            deferred_then_delivered: 0,
            deferral_attempts: 0,
            with_deferral: 0,
            excluded: Excluded::default(),
            by_domain: HashMap::default(),
            by_rule: HashMap::default(),
            undecided: 0,
            contradicted: HashMap::default(),
            by_day: BTreeMap::new(),
            deferral_reasons: HashMap::default(),
            blocks: HashMap::default(),
            deferral_causes: HashMap::default(),
            deferral_troubles: HashMap::default(),
            by_provider: HashMap::default(),
            unprovided: HashMap::default(),
            relay_providers: HashMap::default(),
            last_delivered: None,
            addresses: HashMap::default(),
            signals: Vec::new(),
            suppressed: 0,
            by_cause: SuppressionCauses::default(),
            violations: 0,
            esp: EspCounts::default(),
        }
    }

    /// Whether a delivery counts in the rates, or only on an `excluded` line.
    fn in_scope(&self, scope: Scope, notification: bool) -> bool {
        (scope == Scope::Outbound || self.settings.include_local)
            && (!notification || self.settings.include_notifications)
    }

    /// The known provider of a delivery (relay host first, then domain).
    fn provider(&mut self, relay: Option<&str>, domain: &str) -> Option<&'static str> {
        let table = Providers::builtin();
        let by_relay = relay.and_then(|r| match self.relay_providers.get(r) {
            Some(&p) => p,
            None => {
                let p = table.by_relay(r);
                self.relay_providers.insert(r.into(), p);
                p
            }
        });
        by_relay.or_else(|| table.by_domain(domain))
    }

    /// Final deliveries to a party.
    fn party_finals(&self, party: &Party) -> u64 {
        match party {
            Party::Provider(p) => self.by_provider.get(p).map_or(0, Tally::finals),
            Party::Domain(d) => self.unprovided.get(d).map_or(0, Tally::finals),
        }
    }

    fn suppression(&mut self, d: &Delivery<'_>) {
        // Signals of earlier seconds take effect now; those of this second
        // wait: a signal comes after the outcomes of its second.
        self.apply_signals_before(d.ts);
        let promote_after = self.settings.promote_after;
        let state = self.addresses.get(d.rcpt).copied();
        if let Some(s) = state.filter(|s| s.standing.suppressed.is_some()) {
            if d.outcome != Outcome::Pending {
                self.violations += 1;
            }
            // A delivery after the hard bounce that suppressed the address
            // contradicts it: the bounce was misread, or the address is back.
            // Within one second the order of two messages is unknown (the
            // state's `suppress --contradicted` counts the same way).
            if d.outcome == Outcome::Delivered
                && s.standing.suppressed == Some(Cause::Hard)
                && !s.contradicted
                && d.ts > s.bounced_at
            {
                *self.contradicted.entry(s.rule.unwrap_or("unknown")).or_default() += 1;
                if let Some(s) = self.addresses.get_mut(d.rcpt) {
                    s.contradicted = true;
                }
            }
            return;
        }
        let mut s = state.unwrap_or_default();
        let class = match d.outcome {
            Outcome::Pending => return,
            Outcome::Delivered => None,
            Outcome::Bounced(class) => Some(class),
        };
        if let Step::Suppressed(cause) = s.standing.outcome(class, promote_after) {
            self.count_suppressed(cause);
            if cause == Cause::Hard {
                s.rule = d.rule;
                s.bounced_at = d.ts;
            }
        }
        if s.standing != Standing::default() {
            self.addresses.insert(d.rcpt.into(), s);
        } else if state.is_some() {
            self.addresses.remove(d.rcpt);
        }
    }

    fn count_suppressed(&mut self, cause: Cause) {
        self.suppressed += 1;
        let c = &mut self.by_cause;
        match cause {
            Cause::Hard => c.hard += 1,
            Cause::Soft => c.soft += 1,
            Cause::Complaint => c.complaint += 1,
            Cause::Unsubscribe => c.unsubscribe += 1,
            Cause::Esp => c.esp += 1,
        }
    }

    /// An ESP signal (a complaint, an unsubscribe, the ESP's own list): it
    /// suppresses the address at its time, after the outcomes of the same
    /// second (as in the state), so it waits for the stream to pass it.
    fn suppress_for(&mut self, rcpt: &str, cause: Cause, ts: i64) {
        self.signals.push((rcpt.into(), cause, ts));
    }

    /// Applies the waiting signals earlier than `ts` (all: `i64::MAX`). An
    /// address suppressed already keeps its first cause; none of this is a
    /// violation.
    fn apply_signals_before(&mut self, ts: i64) {
        if self.signals.first().is_none_or(|s| s.2 >= ts) {
            return;
        }
        let waiting = std::mem::take(&mut self.signals);
        for (rcpt, cause, at) in waiting {
            if at >= ts {
                self.signals.push((rcpt, cause, at));
                continue;
            }
            let mut state = self.addresses.get(&rcpt).copied().unwrap_or_default();
            if let Step::Suppressed(cause) = state.standing.signal(cause) {
                self.count_suppressed(cause);
                self.addresses.insert(rcpt, state);
            }
        }
    }

    /// The `esp` part of the report, when an ESP export was read.
    fn esp_report(&self, inputs: &[InputReport]) -> Option<EspReport> {
        let any_esp = inputs
            .iter()
            .any(|i| crate::parse::Format::from_name(&i.format).is_some_and(crate::parse::Format::is_esp));
        if !any_esp {
            return None;
        }
        let e = &self.esp;
        let by = e.already_suppressed;
        let complaint_rate = ratio(e.complaints, self.all.finals());
        let complaint_status = if complaint_rate >= COMPLAINT_CRITICAL {
            Level::Critical
        } else if complaint_rate >= COMPLAINT_WARNING {
            Level::Warning
        } else {
            Level::Healthy
        };
        let mut disagreements: Vec<DisagreementRow> = e
            .disagreements
            .iter()
            .map(|(&(esp, ours), &count)| DisagreementRow {
                esp: esp.as_str().into(),
                ours: ours.as_str().into(),
                count,
            })
            .collect();
        disagreements.sort_by(|a, b| {
            b.count
                .cmp(&a.count)
                .then_with(|| (&a.esp, &a.ours).cmp(&(&b.esp, &b.ours)))
        });
        Some(EspReport {
            already_suppressed: by.bounce + by.complaint + by.unsubscribe + by.other,
            already_suppressed_by: by,
            complaints: e.complaints,
            unsubscribes: e.unsubscribes,
            complaint_rate,
            complaint_status,
            classifier_disagreements: e.disagreements.values().sum(),
            disagreements,
        })
    }

    /// Builds the report. `inputs` and the period come from the reader.
    pub fn finish(mut self, inputs: Vec<InputReport>, first: Option<i64>, last: Option<i64>) -> Report {
        self.apply_signals_before(i64::MAX);
        let s = &self.settings;
        let finals = self.all.finals();
        let rates = Rates {
            bounce: ratio(self.all.bounced(), finals),
            hard: ratio(self.all.hard, finals),
            soft: ratio(self.all.soft, finals),
            block: ratio(self.all.block, finals),
            deferral: ratio(self.with_deferral, self.all.total()),
        };
        let by = &self.esp.already_suppressed;
        let signals = self.esp.complaints
            + self.esp.unsubscribes
            + by.bounce
            + by.complaint
            + by.unsubscribe
            + by.other;
        let status = if self.all.total() == 0 && signals == 0 {
            Level::NoData
        } else if finals == 0 || rates.bounce < s.warning {
            Level::Healthy
        } else if rates.bounce <= s.critical {
            Level::Warning
        } else {
            Level::Critical
        };
        let hard_status = if rates.hard < HARD_CAUTION {
            HardBand::Healthy
        } else if rates.hard < HARD_THROTTLING {
            HardBand::Caution
        } else if rates.hard <= HARD_EMERGENCY {
            HardBand::Throttling
        } else {
            HardBand::Emergency
        };
        let esp = self.esp_report(&inputs);
        let mut alerts = self.alerts(&rates, status, hard_status, (first, last));
        if let Some(e) = &esp {
            complaint_alert(&mut alerts, e, finals);
        }

        let by_domain = top_rows(self.by_domain.iter().map(|(k, t)| t.row(k.to_string())), s.top);
        let by_provider = s.by.contains(&Breakdown::Provider).then(|| {
            let mut rows = top_rows(self.by_provider.iter().map(|(k, t)| t.row(k.to_string())), s.top);
            let mut other = Tally::default();
            for t in self.unprovided.values() {
                other.merge(t);
            }
            // The rest is one row, last: it is what the table does not know.
            if other.total() > 0 {
                rows.push(other.row(NO_PROVIDER.into()));
            }
            rows
        });
        let keyed = |map: &Option<HashMap<Box<str>, Tally>>| {
            map.as_ref()
                .map(|m| top_rows(m.iter().map(|(k, t)| t.row(k.to_string())), s.top))
        };
        let (by_relay, by_sender, by_source) = (
            keyed(&self.by_relay),
            keyed(&self.by_sender),
            keyed(&self.by_source),
        );
        // The rows by reason are the sums of the rows by rule.
        let mut reasons: HashMap<(Reason, Class), Vec<(&'static str, u64)>> = HashMap::default();
        for (&(reason, class, rule), &count) in &self.by_rule {
            reasons.entry((reason, class)).or_default().push((rule, count));
        }
        let mut by_reason: Vec<ReasonRow> = reasons
            .into_iter()
            .map(|((reason, class), rules)| ReasonRow {
                key: reason.as_str().into(),
                class: class.as_str().into(),
                count: rules.iter().map(|&(_, n)| n).sum(),
                rules: rule_counts(rules),
            })
            .collect();
        let contradicted = rule_counts(self.contradicted.iter().map(|(&rule, &count)| (rule, count)));
        by_reason.sort_by(|a, b| {
            b.count
                .cmp(&a.count)
                .then_with(|| (&a.key, &a.class).cmp(&(&b.key, &b.class)))
        });
        let mut deferrals: Vec<DeferralRow> = self
            .deferral_reasons
            .iter()
            .map(|(r, &count)| DeferralRow {
                key: r.as_str().into(),
                count,
            })
            .collect();
        deferrals.sort_by(|a, b| b.count.cmp(&a.count).then_with(|| a.key.cmp(&b.key)));
        let mut deferral_causes: Vec<DeferralRow> = self
            .deferral_causes
            .iter()
            .map(|(c, &count)| DeferralRow {
                key: c.map_or("other", Deferral::as_str).into(),
                count,
            })
            .collect();
        deferral_causes.sort_by(|a, b| b.count.cmp(&a.count).then_with(|| a.key.cmp(&b.key)));
        let at_risk = self
            .addresses
            .values()
            .filter(|a| a.standing.status() == Status::AtRisk)
            .count() as u64;

        Report {
            schema: SCHEMA,
            inputs,
            period: Period {
                first: first.map(format_rfc3339),
                last: last.map(format_rfc3339),
            },
            deliveries: Deliveries {
                total: self.all.total(),
                delivered: self.all.delivered,
                hard: self.all.hard,
                soft: self.all.soft,
                block: self.all.block,
                pending: self.all.pending,
                deferred_then_delivered: self.deferred_then_delivered,
                deferral_attempts: self.deferral_attempts,
                undecided: self.undecided,
            },
            excluded: self.excluded,
            rates,
            status,
            thresholds: Thresholds {
                warning: s.warning,
                critical: s.critical,
            },
            by_domain,
            by_reason,
            suppression: Suppression {
                total: self.suppressed,
                new: self.suppressed,
                at_risk,
                violations: self.violations,
                contradicted: contradicted.iter().map(|r| r.count).sum(),
                contradicted_by_rule: contradicted,
                by_cause: self.by_cause,
            },
            alerts,
            hard_status,
            by_day: self
                .by_day
                .iter()
                .map(|(&day, t)| t.row(format_day(day * 86_400)))
                .collect(),
            deferrals,
            deferral_causes,
            esp,
            by_provider,
            by_relay,
            by_sender,
            by_source,
            last_delivery: self.last_delivered.map(format_rfc3339),
            view: View { by: s.by.clone() },
        }
    }
}

/// `26100` → `7h 15m`; `183600` → `2d 3h`; `2700` → `45m`.
pub fn span_text(seconds: i64) -> String {
    let s = seconds.max(0);
    let (d, h, m) = (s / 86_400, s % 86_400 / 3600, s % 3600 / 60);
    match (d, h, m) {
        (0, 0, m) => format!("{m}m"),
        (0, h, 0) => format!("{h}h"),
        (0, h, m) => format!("{h}h {m}m"),
        (d, 0, _) => format!("{d}d"),
        (d, h, _) => format!("{d}d {h}h"),
    }
}

/// Rows sorted by total (then key), the first `top` (0: all).
fn top_rows(rows: impl Iterator<Item = DomainRow>, top: usize) -> Vec<DomainRow> {
    let mut rows: Vec<DomainRow> = rows.collect();
    rows.sort_by(|a, b| b.total.cmp(&a.total).then_with(|| a.key.cmp(&b.key)));
    if top > 0 {
        rows.truncate(top);
    }
    rows
}

fn add_to(map: &mut HashMap<Box<str>, Tally>, key: &str, outcome: Outcome) {
    match map.get_mut(key) {
        Some(t) => t.add(outcome),
        None => {
            let mut t = Tally::default();
            t.add(outcome);
            map.insert(key.into(), t);
        }
    }
}

impl Sink for Aggregator {
    fn esp_label(&mut self, d: &Delivery<'_>, label: Class) {
        if !self.in_scope(d.scope, d.notification) {
            return;
        }
        if let Outcome::Bounced(ours) = d.outcome {
            if ours != label {
                *self.esp.disagreements.entry((label, ours)).or_default() += 1;
            }
        }
    }

    fn esp_suppressed(&mut self, rcpt: &str, cause: SuppressCause, ts: i64) {
        let by = &mut self.esp.already_suppressed;
        match cause {
            SuppressCause::Bounce => by.bounce += 1,
            SuppressCause::Complaint => by.complaint += 1,
            SuppressCause::Unsubscribe => by.unsubscribe += 1,
            SuppressCause::Other => by.other += 1,
        }
        self.suppress_for(rcpt, Cause::Esp, ts);
    }

    fn complaint(&mut self, rcpt: &str, ts: i64) {
        self.esp.complaints += 1;
        self.suppress_for(rcpt, Cause::Complaint, ts);
    }

    fn unsubscribe(&mut self, rcpt: &str, ts: i64) {
        self.esp.unsubscribes += 1;
        self.suppress_for(rcpt, Cause::Unsubscribe, ts);
    }

    fn delivery(&mut self, d: Delivery<'_>) {
        if !self.in_scope(d.scope, d.notification) {
            if d.notification && !self.settings.include_notifications {
                self.excluded.notifications += 1;
            } else {
                self.excluded.local += 1;
            }
            return;
        }
        self.all.add(d.outcome);
        if d.deferrals > 0 {
            self.with_deferral += 1;
            if d.outcome == Outcome::Delivered {
                self.deferred_then_delivered += 1;
            }
        }
        if d.outcome == Outcome::Delivered {
            self.last_delivered = Some(self.last_delivered.map_or(d.ts, |l| l.max(d.ts)));
        }
        let domain = d.domain();
        add_to(&mut self.by_domain, domain, d.outcome);
        let provider = self.provider(d.relay, domain);
        match provider {
            Some(p) => self.by_provider.entry(p).or_default().add(d.outcome),
            None => add_to(&mut self.unprovided, domain, d.outcome),
        }
        if let Some(map) = &mut self.by_relay {
            add_to(map, d.relay.unwrap_or(NO_RELAY), d.outcome);
        }
        if let Some(map) = &mut self.by_sender {
            let key = match d.sender {
                Some("") => NULL_SENDER,
                Some(s) => s,
                None => NO_SENDER,
            };
            add_to(map, key, d.outcome);
        }
        if let Some(map) = &mut self.by_source {
            let key = match &self.settings.contacts {
                Some(c) => c.source_of(d.rcpt),
                None => crate::contacts::UNLISTED,
            };
            add_to(map, key, d.outcome);
        }
        self.by_day
            .entry(d.ts.div_euclid(86_400))
            .or_default()
            .add(d.outcome);
        if let Outcome::Bounced(class) = d.outcome {
            let reason = d.reason.unwrap_or(Reason::Undefined);
            let rule = d.rule.unwrap_or("undefined");
            *self.by_rule.entry((reason, class, rule)).or_default() += 1;
            if crate::model::is_undecided_rule(rule) {
                self.undecided += 1;
            }
            if class == Class::Block {
                let party = provider.map_or_else(|| Party::Domain(domain.into()), Party::Provider);
                self.blocks
                    .entry(party)
                    .or_default()
                    .add(d.diagnostic, d.status_code, domain);
            }
        }
        self.suppression(&d);
    }

    fn deferral(&mut self, attempt: &Attempt, _ts: i64, notification: bool) {
        if !self.in_scope(attempt.scope, notification) {
            return;
        }
        self.deferral_attempts += 1;
        let reason = attempt.verdict.map_or(Reason::Undefined, |v| v.reason);
        *self.deferral_reasons.entry(reason).or_default() += 1;
        let cause = attempt.verdict.and_then(|v| v.deferral);
        *self.deferral_causes.entry(cause).or_default() += 1;
        if let Some(cause) = cause {
            let domain = domain_of(attempt.rcpt());
            let party = match self.provider(attempt.relay(), domain) {
                Some(p) => Party::Provider(p),
                None => Party::Domain(domain.into()),
            };
            self.deferral_troubles.entry((party, cause)).or_default().add(
                attempt.diagnostic(),
                attempt.status_code(),
                domain,
            );
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ratio_rounds_to_four_decimals() {
        assert_eq!(ratio(1, 3), 0.3333);
        assert_eq!(ratio(5, 0), 0.0);
    }
}
