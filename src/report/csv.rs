//! `--format csv`: one row per breakdown key, for a spreadsheet. Columns:
//!
//! | column | meaning |
//! |---|---|
//! | `breakdown` | `all` (the first row: the whole report), then `domain`, `provider`, `reason`, `relay`, `sender`, `day`, `source` as `--by` asks (default `domain`, `reason`, `day`) |
//! | `key` | the domain, provider, reason, ... (`all` on the first row) |
//! | `class` | reason rows only: `hard`, `soft` or `block` |
//! | `total` | deliveries (reason rows: bounces with that reason) |
//! | `delivered`, `hard`, `soft`, `block`, `pending` | deliveries by outcome (reason rows: the count under its class, 0 elsewhere) |
//! | `bounce_rate` | (hard + soft + block) / final deliveries, a fraction of 1 with 4 decimals; empty on reason rows |
//!
//! Cells beginning with `=`, `+`, `-`, `@`, a tab or a carriage return get a
//! leading `'`, so a spreadsheet shows them as text instead of running them
//! as formulas (keys come from logs: a sender or a list name can be
//! anything). Control characters in keys are shown escaped (`\u{1b}`), as on
//! the terminal. Quoting follows RFC 4180.

use super::{Render, Report, Rows};
use crate::output::sanitize;

pub struct CsvFormat;

pub const HEADER: [&str; 10] = [
    "breakdown",
    "key",
    "class",
    "total",
    "delivered",
    "hard",
    "soft",
    "block",
    "pending",
    "bounce_rate",
];

/// A cell that a spreadsheet will not take for a formula (the one guard
/// that the suppression list's csv uses too).
pub use crate::output::spreadsheet_cell as defuse;

impl Render for CsvFormat {
    fn render(&self, r: &Report) -> Vec<u8> {
        let mut w = csv::WriterBuilder::new().from_writer(Vec::new());
        let mut rows: Vec<[String; 10]> = Vec::new();
        let d = &r.deliveries;
        rows.push([
            "all".into(),
            "all".into(),
            String::new(),
            d.total.to_string(),
            d.delivered.to_string(),
            d.hard.to_string(),
            d.soft.to_string(),
            d.block.to_string(),
            d.pending.to_string(),
            r.rates.bounce.to_string(),
        ]);
        for (b, list) in r.breakdowns() {
            match list {
                Rows::Counts(list) => {
                    for row in list {
                        rows.push([
                            b.as_str().into(),
                            row.key.clone(),
                            String::new(),
                            row.total.to_string(),
                            row.delivered.to_string(),
                            row.hard.to_string(),
                            row.soft.to_string(),
                            row.block.to_string(),
                            row.pending.to_string(),
                            row.bounce_rate.to_string(),
                        ]);
                    }
                }
                Rows::Reasons(list) => {
                    for row in list {
                        let n = row.count.to_string();
                        let under = |class: &str| if row.class == class { n.clone() } else { "0".into() };
                        rows.push([
                            b.as_str().into(),
                            row.key.clone(),
                            row.class.clone(),
                            n.clone(),
                            "0".into(),
                            under("hard"),
                            under("soft"),
                            under("block"),
                            "0".into(),
                            String::new(),
                        ]);
                    }
                }
            }
        }
        // Writing into a Vec cannot fail; a failed row would only be missing.
        let _ = w.write_record(HEADER);
        for row in &rows {
            let _ = w.write_record(row.iter().map(|c| sanitize(&defuse(c))));
        }
        w.into_inner().unwrap_or_default()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formulas_are_defused() {
        assert_eq!(defuse("=HYPERLINK(\"x\")"), "'=HYPERLINK(\"x\")");
        assert_eq!(defuse("+1"), "'+1");
        assert_eq!(defuse("-2"), "'-2");
        assert_eq!(defuse("@SUM(A1)"), "'@SUM(A1)");
        assert_eq!(defuse("\tx"), "'\tx");
        assert_eq!(defuse("\rx"), "'\rx");
        assert_eq!(defuse("gmail.com"), "gmail.com");
        assert_eq!(defuse(""), "");
    }
}
