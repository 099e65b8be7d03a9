//! `--format csv`, the list for a spreadsheet. Header
//! `address,class,reason,first_seen,last_seen,bounces,diagnostic,rule`;
//! `first_seen`/`last_seen` are the first and last hard or soft bounce (RFC
//! 3339 UTC), `bounces` their number, `rule` the classifier rule of the
//! bounce that suppressed the address (empty for a signal such as a
//! complaint, or when that bounce was pruned); with `--include-at-risk`
//! at-risk addresses follow with class `soft` and their last bounce. The
//! `rule` column is the last one, so that readers by position keep working.
//! With `--contradicted`: `bounced_at,delivered_at` follow.
//!
//! The one format with the spreadsheet guard: a cell that begins with `=`,
//! `+`, `-`, `@`, a tab or a carriage return gets a leading `'`, so that a
//! spreadsheet shows it as text instead of running it as a formula.

use super::{one_line, rfc3339, Entry, Exporter, Head, Kept, Out};
use crate::output::spreadsheet_cell;
use std::io;

#[derive(Default)]
pub struct Csv {
    /// `--contradicted`: two more columns.
    contradicted: bool,
}

impl Csv {
    /// A row with every cell guarded against formulas.
    fn row(out: &mut Out<'_>, cells: &[&str]) -> io::Result<()> {
        let guarded: Vec<_> = cells.iter().map(|c| spreadsheet_cell(c)).collect();
        let cells: Vec<&str> = guarded.iter().map(|c| c.as_ref()).collect();
        out.row(&cells)
    }
}

impl Exporter for Csv {
    fn csv(&self) -> bool {
        true
    }

    fn lists_at_risk(&self) -> bool {
        true
    }

    fn begin(&mut self, out: &mut Out<'_>, head: &Head) -> io::Result<()> {
        self.contradicted = head.contradicted;
        let mut header = vec![
            "address",
            "class",
            "reason",
            "first_seen",
            "last_seen",
            "bounces",
            "diagnostic",
            "rule",
        ];
        if self.contradicted {
            header.extend(["bounced_at", "delivered_at"]);
        }
        Csv::row(out, &header)
    }

    fn record(&mut self, out: &mut Out<'_>, e: &Entry<'_>) -> io::Result<Kept> {
        let r = e.record;
        let first_seen = rfc3339(r.first_seen);
        let last_seen = rfc3339(r.last_seen);
        let bounces = r.bounces.to_string();
        let diagnostic = e.diagnostic().map(one_line).unwrap_or_default();
        let bounced_at = rfc3339(e.contradiction.map(|c| c.bounce_ts));
        let delivered_at = rfc3339(e.contradiction.map(|c| c.delivered_ts));
        let mut row = vec![
            e.address(),
            e.class().unwrap_or(""),
            e.reason().unwrap_or(""),
            &first_seen,
            &last_seen,
            &bounces,
            &diagnostic,
            e.rule().unwrap_or(""),
        ];
        if self.contradicted {
            row.extend([bounced_at.as_str(), delivered_at.as_str()]);
        }
        Csv::row(out, &row)?;
        Ok(Kept::Written)
    }
}
