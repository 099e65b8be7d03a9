//! The report's data: what a run computed, in the `bouncectl.report/v1`
//! shape of DESIGN.md §4. Built by the aggregator; the renderers in
//! `crate::report` read it and never the other way round.

pub use super::bands::{HardBand, Level};
use serde::Serialize;

/// Version tag of the JSON report; fields are only ever added within `v1`.
pub const SCHEMA: &str = "bouncectl.report/v1";

/// Everything a renderer needs; computed once, rendered in any format.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct Report {
    pub schema: &'static str,
    pub inputs: Vec<InputReport>,
    pub period: Period,
    pub deliveries: Deliveries,
    pub excluded: Excluded,
    pub rates: Rates,
    /// Bounce-rate band: `healthy`, `warning` or `critical`.
    pub status: Level,
    pub thresholds: Thresholds,
    pub by_domain: Vec<DomainRow>,
    pub by_reason: Vec<ReasonRow>,
    pub suppression: Suppression,
    pub alerts: Vec<Alert>,
    /// Hard-rate band: `healthy`, `caution`, `throttling` or `emergency`.
    pub hard_status: HardBand,
    pub by_day: Vec<DomainRow>,
    /// Deferral attempts by reason.
    pub deferrals: Vec<DeferralRow>,
    /// Deferral attempts by cause (`rate-limit`, `greylisting`, `timeout`,
    /// `refused`, `dns`, `tls`, `connections`, `other`): why mail is waiting.
    pub deferral_causes: Vec<DeferralRow>,
    /// What only ESP exports tell: refusals of already-suppressed addresses,
    /// complaints, unsubscribes, and where the ESP's label and our classifier
    /// disagree. Present when an input is an ESP export.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub esp: Option<EspReport>,
    /// Breakdowns asked for with `--by` beyond the three above; absent
    /// unless asked (by mailbox provider, relay host, envelope sender, the
    /// list or batch an address came from).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub by_provider: Option<Vec<DomainRow>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub by_relay: Option<Vec<DomainRow>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub by_sender: Option<Vec<DomainRow>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub by_source: Option<Vec<DomainRow>>,
    /// Time of the last successful delivery (RFC 3339 UTC), `null` without one.
    pub last_delivery: Option<String>,
    /// Which breakdowns the text formats show; not part of the JSON.
    #[serde(skip)]
    pub view: View,
}

/// A breakdown of the report (`--by`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Breakdown {
    Domain,
    Provider,
    Reason,
    Relay,
    Sender,
    Day,
    Source,
}

impl Breakdown {
    pub const ALL: [Breakdown; 7] = [
        Breakdown::Domain,
        Breakdown::Provider,
        Breakdown::Reason,
        Breakdown::Relay,
        Breakdown::Sender,
        Breakdown::Day,
        Breakdown::Source,
    ];

    /// What the text formats show without `--by`.
    pub const DEFAULT: [Breakdown; 3] = [Breakdown::Domain, Breakdown::Reason, Breakdown::Day];

    pub fn as_str(self) -> &'static str {
        match self {
            Breakdown::Domain => "domain",
            Breakdown::Provider => "provider",
            Breakdown::Reason => "reason",
            Breakdown::Relay => "relay",
            Breakdown::Sender => "sender",
            Breakdown::Day => "day",
            Breakdown::Source => "source",
        }
    }

    /// Section title in the text formats.
    pub fn title(self) -> &'static str {
        match self {
            Breakdown::Domain => "By recipient domain",
            Breakdown::Provider => "By mailbox provider",
            Breakdown::Reason => "By reason",
            Breakdown::Relay => "By relay host",
            Breakdown::Sender => "By sender",
            Breakdown::Day => "By day (UTC)",
            Breakdown::Source => "By source (list or import batch)",
        }
    }

    /// Header of the key column.
    pub fn key_header(self) -> &'static str {
        match self {
            Breakdown::Relay => "relay host",
            other => other.as_str(),
        }
    }
}

/// Which breakdowns the text formats show, in order.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct View {
    /// Empty: [`Breakdown::DEFAULT`].
    pub by: Vec<Breakdown>,
}

/// The `esp` object of the report.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct EspReport {
    /// Sends the ESP refused because the address was on its own suppression
    /// list already: not bounces, not in the rates; the addresses are
    /// suppressed all the same.
    pub already_suppressed: u64,
    /// The same by the cause the export gives: `bounce`, `complaint`,
    /// `unsubscribe`, `other` (not said).
    pub already_suppressed_by: SuppressedBy,
    /// Spam complaints (feedback loops).
    pub complaints: u64,
    pub unsubscribes: u64,
    /// Complaints over final deliveries (fraction of 1, 4 decimals).
    pub complaint_rate: f64,
    /// `healthy` below 0.1%, `warning` from 0.1%, `critical` from 0.3% (the
    /// limits mailbox providers publish).
    pub complaint_status: Level,
    /// Bounces where the ESP's own class (hard/soft/block) differs from ours;
    /// ours is the one counted.
    pub classifier_disagreements: u64,
    /// The same by pair, most frequent first.
    pub disagreements: Vec<DisagreementRow>,
}

#[derive(Debug, Clone, Copy, Default, Serialize, PartialEq, Eq)]
pub struct SuppressedBy {
    pub bounce: u64,
    pub complaint: u64,
    pub unsubscribe: u64,
    pub other: u64,
}

#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct DisagreementRow {
    /// The ESP's class.
    pub esp: String,
    /// Ours.
    pub ours: String,
    pub count: u64,
}

/// Why addresses were suppressed in this data.
#[derive(Debug, Clone, Copy, Default, Serialize, PartialEq, Eq)]
pub struct SuppressionCauses {
    /// A hard bounce.
    pub hard: u64,
    /// `--promote-after` soft bounces in a row.
    pub soft: u64,
    pub complaint: u64,
    pub unsubscribe: u64,
    /// The ESP had suppressed the address already (it refused to send).
    pub esp: u64,
}

#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct InputReport {
    pub path: String,
    pub format: String,
    pub lines: u64,
    pub events: u64,
    pub skipped: u64,
    pub skipped_by: crate::parse::SkipCounts,
    /// Set when the input could not be read to its end.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
}

#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct Period {
    pub first: Option<String>,
    pub last: Option<String>,
}

#[derive(Debug, Clone, Copy, Default, Serialize, PartialEq, Eq)]
pub struct Deliveries {
    pub total: u64,
    pub delivered: u64,
    pub hard: u64,
    pub soft: u64,
    pub block: u64,
    pub pending: u64,
    pub deferred_then_delivered: u64,
    pub deferral_attempts: u64,
    /// Bounces no phrase and no known enhanced status decided (a bare reply
    /// code, or nothing): never hard, counted here so their share shows.
    pub undecided: u64,
}

#[derive(Debug, Clone, Copy, Default, Serialize, PartialEq, Eq)]
pub struct Excluded {
    pub local: u64,
    pub notifications: u64,
}

/// Fractions of 1, rounded to 4 decimals.
#[derive(Debug, Clone, Copy, Default, Serialize, PartialEq)]
pub struct Rates {
    pub bounce: f64,
    pub hard: f64,
    pub soft: f64,
    pub block: f64,
    pub deferral: f64,
}

#[derive(Debug, Clone, Copy, Serialize, PartialEq)]
pub struct Thresholds {
    pub warning: f64,
    pub critical: f64,
}

/// A breakdown row (by domain, by day).
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct DomainRow {
    pub key: String,
    pub total: u64,
    pub delivered: u64,
    pub hard: u64,
    pub soft: u64,
    pub block: u64,
    pub pending: u64,
    pub bounce_rate: f64,
}

#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct ReasonRow {
    pub key: String,
    pub class: String,
    pub count: u64,
    /// The rules that decided these bounces, most first.
    pub rules: Vec<RuleCount>,
}

/// Bounces (or addresses) by the rule that decided them.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct RuleCount {
    pub rule: String,
    pub count: u64,
}

#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct DeferralRow {
    pub key: String,
    pub count: u64,
}

#[derive(Debug, Clone, Default, Serialize, PartialEq, Eq)]
pub struct Suppression {
    pub total: u64,
    pub new: u64,
    pub at_risk: u64,
    /// Deliveries to an address after it was suppressed in this data.
    pub violations: u64,
    /// Addresses suppressed for a hard bounce that accepted mail later: the
    /// bounce was misread, or the address came back.
    pub contradicted: u64,
    /// `contradicted` by the rule of the suppressing bounce.
    pub contradicted_by_rule: Vec<RuleCount>,
    /// `total` by what suppressed each address.
    pub by_cause: SuppressionCauses,
}

#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct Alert {
    pub level: Level,
    pub code: String,
    pub message: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub domain: Option<String>,
    /// The mailbox provider the alert is about (`Microsoft`), when known.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub provider: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub count: Option<u64>,
    /// A sample diagnostic (the remote server's words), when there is one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub diagnostic: Option<String>,
}
