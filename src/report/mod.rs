//! The computed report (the `bouncectl.report/v1` contract of DESIGN.md §4)
//! and its renderers, one file per format behind [`Render`].

pub mod json;
pub mod table;

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
}

#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct DeferralRow {
    pub key: String,
    pub count: u64,
}

#[derive(Debug, Clone, Copy, Default, Serialize, PartialEq, Eq)]
pub struct Suppression {
    pub total: u64,
    pub new: u64,
    pub at_risk: u64,
    /// Deliveries to an address after it was suppressed in this data.
    pub violations: u64,
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
    #[serde(skip_serializing_if = "Option::is_none")]
    pub count: Option<u64>,
    /// A sample diagnostic (the remote server's words), when there is one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub diagnostic: Option<String>,
}

/// Severity, ordered: `info < healthy < warning < critical` for comparisons
/// (an info alert never changes the exit code).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Level {
    Info,
    Healthy,
    Warning,
    Critical,
}

impl Level {
    pub fn as_str(self) -> &'static str {
        match self {
            Level::Info => "info",
            Level::Healthy => "healthy",
            Level::Warning => "warning",
            Level::Critical => "critical",
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum HardBand {
    Healthy,
    Caution,
    Throttling,
    Emergency,
}

impl HardBand {
    pub fn as_str(self) -> &'static str {
        match self {
            HardBand::Healthy => "healthy",
            HardBand::Caution => "caution",
            HardBand::Throttling => "throttling",
            HardBand::Emergency => "emergency",
        }
    }
}

/// A report format.
pub trait Render {
    /// Renders the whole report into bytes (no I/O: snapshot-testable).
    fn render(&self, report: &Report) -> Vec<u8>;
}
