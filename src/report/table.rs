//! `--format table` (the default): the report as text tables for a person at
//! a terminal, 80 columns wide, foreign text sanitized; the status bands in
//! colour when asked (green healthy, yellow warning, red critical).

use super::{Alert, DomainRow, EspReport, Level, Render, Report, Rows};
use crate::output::sanitize;
use comfy_table::{Cell, CellAlignment, ContentArrangement, ContentLineStyle, LineStyle, Table, TableStyle};
use std::fmt::Write;

/// Text width of the tables.
const WIDTH: u16 = 80;
/// Longest diagnostic shown under an alert.
const DIAGNOSTIC_CHARS: usize = 150;

/// The table renderer, without colour.
#[derive(Debug, Clone, Copy, Default)]
pub struct TableFormat;

/// The same table with ANSI colours for the bands (the caller decides: a
/// terminal without `NO_COLOR`, or `--color always`).
#[derive(Debug, Clone, Copy, Default)]
pub struct ColoredTable;

impl Render for TableFormat {
    fn render(&self, report: &Report) -> Vec<u8> {
        render_table(report, false)
    }
}

impl Render for ColoredTable {
    fn render(&self, report: &Report) -> Vec<u8> {
        render_table(report, true)
    }
}

/// The ANSI colour of a band, by name: green healthy, yellow for the
/// middle bands, red for the worst.
fn band_color(band: &str) -> Option<&'static str> {
    match band {
        "healthy" => Some("32"),
        "caution" | "warning" | "throttling" => Some("33"),
        "critical" | "emergency" => Some("31"),
        _ => None,
    }
}

/// `text` in the ANSI colour of `band`, when `color`. Colours are added to
/// the rendered text (not through comfy-table), so that without the escapes
/// the report is byte for byte the plain one.
fn paint(text: &str, band: &str, color: bool) -> String {
    let Some(code) = band_color(band) else {
        return text.to_string();
    };
    if color {
        format!("\x1b[1;{code}m{text}\x1b[0m")
    } else {
        text.to_string()
    }
}

/// `1234567` → `1,234,567`.
pub fn thousands(n: u64) -> String {
    let digits = n.to_string();
    let mut out = String::with_capacity(digits.len() + digits.len() / 3);
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

/// `0.04871` → `4.87%`.
pub fn percent(f: f64) -> String {
    format!("{:.2}%", f * 100.0)
}

/// Columns apart by a space, a dashed line under the header, nothing else.
const STYLE: TableStyle = TableStyle::new()
    .header_lines(ContentLineStyle::none().junction(' '))
    .header_separator(LineStyle::none().fill('-').junction(' '))
    .content_lines(ContentLineStyle::none().junction(' '));

fn new_table(header: &[&str]) -> Table {
    let mut t = Table::new();
    t.load_style(STYLE)
        .set_content_arrangement(ContentArrangement::Dynamic)
        .set_width(WIDTH)
        .set_header(header.iter().map(Cell::new));
    t
}

fn right(t: &mut Table, from: usize) {
    let n = t.column_count();
    for i in from..n {
        if let Some(c) = t.column_mut(i) {
            c.set_cell_alignment(CellAlignment::Right);
        }
    }
}

fn truncate(text: &str, max: usize) -> String {
    let clean = sanitize(text);
    if clean.chars().count() <= max {
        clean
    } else {
        let cut: String = clean.chars().take(max - 1).collect();
        format!("{cut}…")
    }
}

fn section(out: &mut String, title: &str, table: &Table) {
    let _ = writeln!(out, "\n{title}");
    for line in table.to_string().lines() {
        let _ = writeln!(out, "{}", line.trim_end());
    }
}

/// A breakdown table whose key column takes what the numbers leave of the
/// 80 columns: long keys are cut with `…` rather than wrapped.
fn breakdown(rows: &[DomainRow], first: &str) -> Table {
    let header = [
        first,
        "total",
        "delivered",
        "hard",
        "soft",
        "block",
        "pending",
        "bounce",
    ];
    let cells: Vec<[String; 7]> = rows
        .iter()
        .map(|r| {
            [
                thousands(r.total),
                thousands(r.delivered),
                thousands(r.hard),
                thousands(r.soft),
                thousands(r.block),
                thousands(r.pending),
                percent(r.bounce_rate),
            ]
        })
        .collect();
    let numbers_width: usize = (0..7)
        .map(|i| {
            cells
                .iter()
                .map(|c| c[i].len())
                .chain([header[i + 1].len()])
                .max()
                .unwrap_or(0)
                // Padding on the right and the space between columns (the
                // number columns have no left padding: right-aligned, they
                // are apart enough).
                + 2
        })
        .sum();
    let key_width = (usize::from(WIDTH) - 2).saturating_sub(numbers_width).max(12);
    let mut t = new_table(&header);
    t.set_content_arrangement(ContentArrangement::Disabled);
    for (r, c) in rows.iter().zip(cells) {
        let mut row = vec![truncate(&r.key, key_width)];
        row.extend(c);
        t.add_row(row);
    }
    right(&mut t, 1);
    for i in 1..t.column_count() {
        if let Some(c) = t.column_mut(i) {
            c.set_padding((0, 1));
        }
    }
    t
}

/// Words of `text` in lines of at most `width` characters.
fn wrap(text: &str, width: usize) -> Vec<String> {
    let mut lines = Vec::new();
    let mut line = String::new();
    for word in text.split_whitespace() {
        if !line.is_empty() && line.chars().count() + 1 + word.chars().count() > width {
            lines.push(std::mem::take(&mut line));
        }
        if !line.is_empty() {
            line.push(' ');
        }
        line.push_str(word);
    }
    if !line.is_empty() {
        lines.push(line);
    }
    lines
}

/// `text` after `indent`, wrapped to the width; continuation lines are
/// indented one space more.
fn paragraph(out: &mut String, indent: &str, text: &str) {
    let width = usize::from(WIDTH) - indent.len() - 1;
    for (i, line) in wrap(text, width).iter().enumerate() {
        let pad = if i == 0 { "" } else { " " };
        let _ = writeln!(out, "{indent}{pad}{line}");
    }
}

/// Alert text starts after the level column; continuation lines line up.
const ALERT_INDENT: usize = 11;

fn alert_line(out: &mut String, a: &Alert, color: bool) {
    let level = match a.level {
        Level::Critical => "CRITICAL",
        Level::Warning => "WARNING",
        Level::Info | Level::NoData | Level::Healthy => "info",
    };
    let width = usize::from(WIDTH) - ALERT_INDENT;
    for (i, line) in wrap(&sanitize(&a.message), width).iter().enumerate() {
        if i == 0 {
            let padded = format!("{level:<8}");
            let _ = writeln!(out, "  {} {line}", paint(&padded, a.level.as_str(), color));
        } else {
            let _ = writeln!(out, "{:ALERT_INDENT$}{line}", "");
        }
    }
    if let Some(d) = &a.diagnostic {
        // The remote server's own words, without Postfix's "host X said:".
        let reply = String::from_utf8_lossy(crate::parse::reply_for_display(d.as_bytes())).into_owned();
        for line in wrap(&format!("\"{}\"", truncate(&reply, DIAGNOSTIC_CHARS)), width) {
            let _ = writeln!(out, "{:ALERT_INDENT$}{line}", "");
        }
    }
}

/// What only ESP exports tell, under the deliveries table.
fn esp_lines(out: &mut String, e: &EspReport) {
    let _ = writeln!(
        out,
        " already suppressed at the ESP: {} refused sends (not bounces, not in the rates)",
        thousands(e.already_suppressed)
    );
    let _ = writeln!(
        out,
        " complaints: {} ({} of final deliveries, {}) · unsubscribes: {}",
        thousands(e.complaints),
        percent(e.complaint_rate),
        e.complaint_status.as_str(),
        thousands(e.unsubscribes)
    );
    if e.classifier_disagreements > 0 {
        let pairs: Vec<String> = e
            .disagreements
            .iter()
            .map(|d| format!("{} → {} {}", d.esp, d.ours, thousands(d.count)))
            .collect();
        let n = e.classifier_disagreements;
        let line = format!(
            "ESP label vs our class differ on {} bounce{} (ours counts): {}",
            thousands(n),
            if n == 1 { "" } else { "s" },
            pairs.join(", ")
        );
        for l in wrap(&line, usize::from(WIDTH) - 1) {
            let _ = writeln!(out, " {l}");
        }
    }
}

fn render_table(r: &Report, color: bool) -> Vec<u8> {
    let mut out = String::new();
    let period = r.period_text();
    let _ = writeln!(out, "bouncectl report · {period}");
    let _ = writeln!(
        out,
        "Status: {} · bounce rate {} (warning ≥ {}, critical > {})",
        paint(&r.status.as_str().to_uppercase(), r.status.as_str(), color),
        percent(r.rates.bounce),
        percent(r.thresholds.warning),
        percent(r.thresholds.critical),
    );

    let mut t = new_table(&["deliveries", "count", "rate", "band"]);
    let rows = r.delivery_lines();
    for (label, n, rate, band) in rows {
        t.add_row(vec![
            label.to_string(),
            thousands(n),
            rate.map(percent).unwrap_or_default(),
            band.to_string(),
        ]);
    }
    right(&mut t, 1);
    if let Some(c) = t.column_mut(3) {
        c.set_cell_alignment(CellAlignment::Left);
    }
    let mut deliveries = String::new();
    section(&mut deliveries, "Deliveries (rates over final outcomes)", &t);
    for line in deliveries.split_inclusive('\n') {
        // The band is the last word of a row that has one.
        match line.trim_end().rsplit_once(' ') {
            Some((head, band)) if color && band_color(band).is_some() => {
                let _ = writeln!(out, "{head} {}", paint(band, band, true));
            }
            _ => out.push_str(line),
        }
    }
    let _ = writeln!(
        out,
        " not counted: {} local, {} bounce notifications of ours",
        thousands(r.excluded.local),
        thousands(r.excluded.notifications)
    );
    if r.deliveries.undecided > 0 {
        let _ = writeln!(
            out,
            " undecided: {} of the bounces (a bare reply code, no phrase or known status: never hard)",
            thousands(r.deliveries.undecided)
        );
    }
    if let Some(e) = &r.esp {
        esp_lines(&mut out, e);
    }

    if !r.alerts.is_empty() {
        let _ = writeln!(out, "\nAlerts");
        for a in &r.alerts {
            alert_line(&mut out, a, color);
        }
    }
    for (b, rows) in r.breakdowns() {
        match rows {
            Rows::Counts(rows) if !rows.is_empty() => {
                section(&mut out, b.title(), &breakdown(rows, b.key_header()));
            }
            Rows::Reasons(rows) if !rows.is_empty() => {
                let mut t = new_table(&["reason", "class", "bounces"]);
                for row in rows {
                    t.add_row(vec![row.key.clone(), row.class.clone(), thousands(row.count)]);
                }
                right(&mut t, 2);
                section(&mut out, b.title(), &t);
            }
            // Asked for by name, an empty breakdown says so; the default
            // ones are left out when empty.
            _ if !r.view.by.is_empty() => {
                let _ = writeln!(out, "\n{}\n (nothing to show)", b.title());
            }
            _ => {}
        }
    }
    if !r.deferral_causes.is_empty() {
        let mut t = new_table(&["cause", "attempts"]);
        for row in &r.deferral_causes {
            t.add_row(vec![row.key.clone(), thousands(row.count)]);
        }
        right(&mut t, 1);
        section(&mut out, "Deferrals by cause", &t);
    }
    let s = &r.suppression;
    let _ = writeln!(out);
    paragraph(
        &mut out,
        "",
        &format!(
            "Suppression: {} to suppress, {} at risk (soft bounces in a row), {} sent after suppression",
            thousands(s.total),
            thousands(s.at_risk),
            thousands(s.violations)
        ),
    );
    if s.contradicted > 0 {
        let rules: Vec<String> = s
            .contradicted_by_rule
            .iter()
            .map(|c| format!("{} {}", c.rule, thousands(c.count)))
            .collect();
        paragraph(
            &mut out,
            " ",
            &format!(
                "contradicted: {} hard-bounced addresses accepted mail later (suppressed by {}): see `bouncectl suppress --contradicted`",
                thousands(s.contradicted),
                rules.join(", ")
            ),
        );
    }
    if r.esp.is_some() && s.total > 0 {
        let c = &s.by_cause;
        paragraph(
            &mut out,
            " ",
            &format!(
                "by cause: {} hard bounce, {} soft bounces in a row, {} complaint, {} unsubscribe, {} already suppressed at the ESP",
                thousands(c.hard),
                thousands(c.soft),
                thousands(c.complaint),
                thousands(c.unsubscribe),
                thousands(c.esp)
            ),
        );
    }
    if r.inputs.is_empty() {
        // A report from the state (`bouncectl report`) reads no log.
        return out.into_bytes();
    }
    // Records whose recipient is no address (among the skipped) get a
    // column of their own when there are any.
    let invalid = r.inputs.iter().any(|i| i.skipped_by.invalid_address > 0);
    let mut header = vec!["input", "format", "lines", "events", "skipped"];
    if invalid {
        header.push("not addresses");
    }
    let mut t = new_table(&header);
    for i in &r.inputs {
        let mut row = vec![
            Cell::new(truncate(&i.path, 40)),
            Cell::new(&i.format),
            Cell::new(thousands(i.lines)),
            Cell::new(thousands(i.events)),
            Cell::new(thousands(i.skipped)),
        ];
        if invalid {
            row.push(Cell::new(thousands(i.skipped_by.invalid_address)));
        }
        t.add_row(row);
    }
    right(&mut t, 2);
    section(&mut out, "Inputs", &t);
    out.into_bytes()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wraps_words() {
        assert_eq!(wrap("aa bb cc", 5), vec!["aa bb", "cc"]);
        assert_eq!(wrap("averylongword x", 4), vec!["averylongword", "x"]);
        assert!(wrap("", 4).is_empty());
    }

    #[test]
    fn number_formats() {
        assert_eq!(thousands(0), "0");
        assert_eq!(thousands(999), "999");
        assert_eq!(thousands(1000), "1,000");
        assert_eq!(thousands(1_234_567), "1,234,567");
        assert_eq!(percent(0.0487), "4.87%");
    }
}
