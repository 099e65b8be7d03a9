//! `--format prometheus`: the report in the Prometheus text exposition
//! format, for node-exporter's textfile collector (write it with `--out
//! /var/lib/node_exporter/textfile/bouncectl.prom`: the file is replaced
//! atomically, as the collector requires). Families:
//!
//! - `bouncectl_deliveries_total{outcome}`: `delivered`, `hard`, `soft`,
//!   `block`, `pending` (counter).
//! - `bouncectl_deferral_attempts_total`, `bouncectl_excluded_deliveries_total{kind}`
//!   (`local`, `notification`) (counters).
//! - `bouncectl_bounce_rate`, `bouncectl_hard_bounce_rate`,
//!   `bouncectl_soft_bounce_rate`, `bouncectl_block_rate`,
//!   `bouncectl_deferral_rate`: fractions of 1 (gauges).
//! - `bouncectl_status`: 0 healthy, 1 warning, 2 critical;
//!   `bouncectl_hard_bounce_status`: 0 healthy, 1 caution, 2 throttling,
//!   3 emergency; `bouncectl_threshold{band}` (gauges).
//! - `bouncectl_bounces_total{class,reason}` (counter).
//! - `bouncectl_domain_deliveries{domain,outcome}` and
//!   `bouncectl_domain_bounce_rate{domain}` for the `--top` domains; the same
//!   as `provider_`, `relay_`, `sender_`, `source_` families (labels
//!   `provider`, `relay`, `sender`, `source`) when `--by` asked for them (gauges).
//! - `bouncectl_suppression_addresses{state}` (`suppressed`, `at_risk`),
//!   `bouncectl_suppression_violations` (gauges).
//! - `bouncectl_alerts{level}` (`info`, `warning`, `critical`) (gauge).
//! - `bouncectl_last_delivery_timestamp_seconds`,
//!   `bouncectl_period_start_timestamp_seconds`,
//!   `bouncectl_period_end_timestamp_seconds` (gauges, when known): alert on
//!   `time() - bouncectl_last_delivery_timestamp_seconds` to catch mail that
//!   stopped.
//! - `bouncectl_complaints_total`, `bouncectl_complaint_rate` (ESP exports).
//!
//! Label values are escaped (`\`, `"`, newline); each family has one `# HELP`
//! and one `# TYPE`, and no series repeats.

use super::{DomainRow, HardBand, Level, Render, Report};
use std::fmt::Write;

pub struct Prometheus;

/// A label value, escaped as the exposition format wants; control
/// characters from logs are first made visible (`\u{1b}`), so that the file
/// is safe to print.
pub fn label_value(v: &str) -> String {
    let v = crate::output::sanitize(v);
    let mut out = String::with_capacity(v.len());
    for c in v.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            '"' => out.push_str("\\\""),
            '\n' => out.push_str("\\n"),
            c => out.push(c),
        }
    }
    out
}

/// A sample value: integers as integers, rates as they are.
fn num(v: f64) -> String {
    if v.is_finite() {
        format!("{v}")
    } else {
        "NaN".into()
    }
}

struct Out {
    text: String,
}

impl Out {
    fn family(&mut self, name: &str, kind: &str, help: &str) {
        let _ = writeln!(self.text, "# HELP {name} {help}");
        let _ = writeln!(self.text, "# TYPE {name} {kind}");
    }

    fn sample(&mut self, name: &str, labels: &[(&str, &str)], value: impl std::fmt::Display) {
        if labels.is_empty() {
            let _ = writeln!(self.text, "{name} {value}");
        } else {
            let l: Vec<String> = labels
                .iter()
                .map(|(k, v)| format!("{k}=\"{}\"", label_value(v)))
                .collect();
            let _ = writeln!(self.text, "{name}{{{}}} {value}", l.join(","));
        }
    }

    fn gauge(&mut self, name: &str, help: &str, value: impl std::fmt::Display) {
        self.family(name, "gauge", help);
        self.sample(name, &[], value);
    }

    /// `bouncectl_<what>_deliveries{<label>,outcome}` and
    /// `bouncectl_<what>_bounce_rate{<label>}` for a breakdown.
    fn breakdown(&mut self, what: &str, label: &str, rows: &[DomainRow], help: &str) {
        if rows.is_empty() {
            return;
        }
        let name = format!("bouncectl_{what}_deliveries");
        self.family(&name, "gauge", &format!("Deliveries by {help} and outcome."));
        for row in rows {
            for (outcome, n) in [
                ("delivered", row.delivered),
                ("hard", row.hard),
                ("soft", row.soft),
                ("block", row.block),
                ("pending", row.pending),
            ] {
                self.sample(&name, &[(label, &row.key), ("outcome", outcome)], n);
            }
        }
        let name = format!("bouncectl_{what}_bounce_rate");
        self.family(
            &name,
            "gauge",
            &format!("Bounced over final deliveries by {help} (fraction of 1)."),
        );
        for row in rows {
            self.sample(&name, &[(label, &row.key)], num(row.bounce_rate));
        }
    }
}

fn unix(rfc3339: &Option<String>) -> Option<i64> {
    let s = rfc3339.as_deref()?;
    crate::parse::timestamp::parse_rfc3339(s.as_bytes()).map(|(t, _)| t)
}

impl Render for Prometheus {
    fn render(&self, r: &Report) -> Vec<u8> {
        let mut o = Out { text: String::new() };
        let d = &r.deliveries;
        o.family(
            "bouncectl_deliveries_total",
            "counter",
            "Outbound deliveries in the analyzed data by outcome.",
        );
        for (outcome, n) in [
            ("delivered", d.delivered),
            ("hard", d.hard),
            ("soft", d.soft),
            ("block", d.block),
            ("pending", d.pending),
        ] {
            o.sample("bouncectl_deliveries_total", &[("outcome", outcome)], n);
        }
        o.family(
            "bouncectl_deferral_attempts_total",
            "counter",
            "Deferral attempts (temporary failures) in the analyzed data.",
        );
        o.sample("bouncectl_deferral_attempts_total", &[], d.deferral_attempts);
        o.family(
            "bouncectl_excluded_deliveries_total",
            "counter",
            "Deliveries left out of the rates: local deliveries and our own bounce notifications.",
        );
        o.sample(
            "bouncectl_excluded_deliveries_total",
            &[("kind", "local")],
            r.excluded.local,
        );
        o.sample(
            "bouncectl_excluded_deliveries_total",
            &[("kind", "notification")],
            r.excluded.notifications,
        );
        let rates = [
            (
                "bouncectl_bounce_rate",
                r.rates.bounce,
                "Bounced (hard + soft + block) over final deliveries (fraction of 1).",
            ),
            (
                "bouncectl_hard_bounce_rate",
                r.rates.hard,
                "Hard bounces over final deliveries (fraction of 1).",
            ),
            (
                "bouncectl_soft_bounce_rate",
                r.rates.soft,
                "Soft bounces over final deliveries (fraction of 1).",
            ),
            (
                "bouncectl_block_rate",
                r.rates.block,
                "Sender-side blocks over final deliveries (fraction of 1).",
            ),
            (
                "bouncectl_deferral_rate",
                r.rates.deferral,
                "Deliveries with at least one deferral over all deliveries (fraction of 1).",
            ),
        ];
        for (name, value, help) in rates {
            o.gauge(name, help, num(value));
        }
        let status = match r.status {
            Level::Critical => 2,
            Level::Warning => 1,
            Level::Healthy | Level::Info => 0,
            Level::NoData => -1,
        };
        o.gauge(
            "bouncectl_status",
            "Bounce-rate band: 0 healthy, 1 warning, 2 critical; -1 no data (no outbound delivery found).",
            status,
        );
        let hard = match r.hard_status {
            HardBand::Healthy => 0,
            HardBand::Caution => 1,
            HardBand::Throttling => 2,
            HardBand::Emergency => 3,
        };
        o.gauge(
            "bouncectl_hard_bounce_status",
            "Hard-bounce-rate band: 0 healthy, 1 caution, 2 throttling, 3 emergency.",
            hard,
        );
        o.family(
            "bouncectl_threshold",
            "gauge",
            "Bounce rates where the warning and critical bands start (fraction of 1).",
        );
        o.sample(
            "bouncectl_threshold",
            &[("band", "warning")],
            num(r.thresholds.warning),
        );
        o.sample(
            "bouncectl_threshold",
            &[("band", "critical")],
            num(r.thresholds.critical),
        );
        if !r.by_reason.is_empty() {
            o.family(
                "bouncectl_bounces_total",
                "counter",
                "Bounced deliveries by class and reason.",
            );
            for row in &r.by_reason {
                o.sample(
                    "bouncectl_bounces_total",
                    &[("class", &row.class), ("reason", &row.key)],
                    row.count,
                );
            }
        }
        o.breakdown("domain", "domain", &r.by_domain, "recipient domain");
        for (what, rows, help) in [
            ("provider", &r.by_provider, "mailbox provider"),
            ("relay", &r.by_relay, "relay host"),
            ("sender", &r.by_sender, "envelope sender"),
            ("source", &r.by_source, "list or import batch"),
        ] {
            if let Some(rows) = rows {
                o.breakdown(what, what, rows, help);
            }
        }
        let s = &r.suppression;
        o.family(
            "bouncectl_suppression_addresses",
            "gauge",
            "Addresses to suppress, and addresses at risk (soft bounces in a row).",
        );
        o.sample(
            "bouncectl_suppression_addresses",
            &[("state", "suppressed")],
            s.total,
        );
        o.sample(
            "bouncectl_suppression_addresses",
            &[("state", "at_risk")],
            s.at_risk,
        );
        o.gauge(
            "bouncectl_suppression_violations",
            "Deliveries to an address after it was suppressed.",
            s.violations,
        );
        o.family("bouncectl_alerts", "gauge", "Alerts in the report by level.");
        for level in [Level::Info, Level::Warning, Level::Critical] {
            let n = r.alerts.iter().filter(|a| a.level == level).count();
            o.sample("bouncectl_alerts", &[("level", level.as_str())], n);
        }
        for (name, value, help) in [
            (
                "bouncectl_last_delivery_timestamp_seconds",
                unix(&r.last_delivery),
                "Unix time of the last successful delivery.",
            ),
            (
                "bouncectl_period_start_timestamp_seconds",
                unix(&r.period.first),
                "Unix time of the first event in the data.",
            ),
            (
                "bouncectl_period_end_timestamp_seconds",
                unix(&r.period.last),
                "Unix time of the last event in the data.",
            ),
        ] {
            if let Some(t) = value {
                o.gauge(name, help, t);
            }
        }
        if let Some(e) = &r.esp {
            o.family(
                "bouncectl_complaints_total",
                "counter",
                "Spam complaints in the ESP exports.",
            );
            o.sample("bouncectl_complaints_total", &[], e.complaints);
            o.gauge(
                "bouncectl_complaint_rate",
                "Complaints over final deliveries (fraction of 1).",
                num(e.complaint_rate),
            );
        }
        o.text.into_bytes()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn label_values_are_escaped() {
        assert_eq!(label_value(r#"a\b"c"#), r#"a\\b\"c"#);
        assert_eq!(label_value("x\ny"), "x\\\\ny");
        assert_eq!(label_value("a\u{1b}b"), "a\\\\u{1b}b");
        assert_eq!(num(0.125), "0.125");
        assert_eq!(num(0.0), "0");
    }
}
