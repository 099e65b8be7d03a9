//! What the text formats show of a report, in what order: the deliveries
//! table's lines, the period, the breakdowns asked for.

use crate::aggregate::report::{Breakdown, DomainRow, ReasonRow, Report};

/// The rows of one breakdown.
#[derive(Debug, Clone, Copy)]
pub enum Rows<'a> {
    Counts(&'a [DomainRow]),
    Reasons(&'a [ReasonRow]),
}

/// One line of the deliveries table: label, count, rate, band.
pub type DeliveryLine = (&'static str, u64, Option<f64>, &'static str);

impl Report {
    /// The deliveries table every text format shows, in order.
    pub fn delivery_lines(&self) -> [DeliveryLine; 9] {
        let d = &self.deliveries;
        let r = &self.rates;
        [
            ("delivered", d.delivered, None, ""),
            ("hard bounces", d.hard, Some(r.hard), self.hard_status.as_str()),
            ("soft bounces", d.soft, Some(r.soft), ""),
            ("blocks (sender-side)", d.block, Some(r.block), ""),
            (
                "bounced in all",
                d.hard + d.soft + d.block,
                Some(r.bounce),
                self.status.as_str(),
            ),
            ("pending (deferred only)", d.pending, None, ""),
            ("total", d.total, None, ""),
            ("deferred, then delivered", d.deferred_then_delivered, None, ""),
            ("deferral attempts", d.deferral_attempts, Some(r.deferral), ""),
        ]
    }

    /// `2026-11-16 07:04:00Z → 2026-11-16 13:47:41Z`.
    pub fn period_text(&self) -> String {
        match (&self.period.first, &self.period.last) {
            (Some(a), Some(b)) => format!("{} → {}", a.replace('T', " "), b.replace('T', " ")),
            _ => "no timestamped events".into(),
        }
    }

    /// The breakdowns to show, in order, each with its rows. Without
    /// `--by`, the by-day table is left out when the data spans one day
    /// (it would repeat the totals); asked for, it is always there.
    pub fn breakdowns(&self) -> Vec<(Breakdown, Rows<'_>)> {
        let explicit = !self.view.by.is_empty();
        let by: &[Breakdown] = if explicit {
            &self.view.by
        } else {
            &Breakdown::DEFAULT
        };
        let mut out = Vec::new();
        for &b in by {
            if out.iter().any(|(seen, _)| *seen == b) {
                continue;
            }
            let rows = match b {
                Breakdown::Reason => Rows::Reasons(&self.by_reason),
                Breakdown::Day if !explicit && self.by_day.len() < 2 => continue,
                other => Rows::Counts(self.counts(other).unwrap_or(&[])),
            };
            out.push((b, rows));
        }
        out
    }

    /// The rows of a breakdown by key (all but `reason`), when computed.
    pub fn counts(&self, b: Breakdown) -> Option<&[DomainRow]> {
        match b {
            Breakdown::Domain => Some(&self.by_domain),
            Breakdown::Day => Some(&self.by_day),
            Breakdown::Provider => self.by_provider.as_deref(),
            Breakdown::Relay => self.by_relay.as_deref(),
            Breakdown::Sender => self.by_sender.as_deref(),
            Breakdown::Source => self.by_source.as_deref(),
            Breakdown::Reason => None,
        }
    }
}
