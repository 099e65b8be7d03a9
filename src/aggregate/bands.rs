//! The bands a rate falls in (healthy, warning, critical; the hard-bounce
//! bands) and the alerts a report raises from its rates and breakdowns.

use serde::Serialize;

/// Severity, ordered: `info < no-data < healthy < warning < critical` for
/// comparisons (an info alert never changes the exit code). `no-data` is a
/// report's status only: no outbound delivery was found in the input, so
/// there is no rate to judge (the wrong file, a changed log format).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Level {
    Info,
    #[serde(rename = "no-data")]
    NoData,
    Healthy,
    Warning,
    Critical,
}

impl Level {
    pub fn as_str(self) -> &'static str {
        match self {
            Level::Info => "info",
            Level::NoData => "no-data",
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
