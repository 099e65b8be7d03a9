//! `--format markdown`: the report for a ticket or a chat message (GitHub
//! flavoured tables). Every text that comes from logs or remote servers is
//! escaped, so a reply cannot open a link, a table cell or an HTML tag.

use super::table::{percent, thousands};
use super::{Alert, Level, Render, Report, Rows};
use crate::output::sanitize;
use std::fmt::Write;

pub struct Markdown;

/// Longest diagnostic quoted under an alert.
const DIAGNOSTIC_CHARS: usize = 300;

/// Foreign text as Markdown inline text: control characters made visible
/// (`sanitize`), then the characters that open emphasis, code, links or
/// strikethrough, or end a table cell, backslash-escaped, and `<`, `>`, `&`
/// as entities (renderers pass raw HTML through). `(`, `#`, `!` need no
/// escape: they mean something only after `]`, at a line's start (foreign
/// text never starts one) or before `[`.
pub fn escape(text: &str) -> String {
    let clean = sanitize(text);
    let mut out = String::with_capacity(clean.len());
    for c in clean.chars() {
        match c {
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '&' => out.push_str("&amp;"),
            '\\' | '`' | '*' | '_' | '[' | ']' | '|' | '~' => {
                out.push('\\');
                out.push(c);
            }
            c => out.push(c),
        }
    }
    out
}

/// A table; `align` has one letter per column, `l` or `r`.
fn table(out: &mut String, header: &[&str], align: &str, rows: Vec<Vec<String>>) {
    let _ = writeln!(out, "| {} |", header.join(" | "));
    let align: Vec<&str> = align
        .chars()
        .map(|a| if a == 'r' { "--:" } else { ":--" })
        .collect();
    let _ = writeln!(out, "|{}|", align.join("|"));
    for row in rows {
        let _ = writeln!(out, "| {} |", row.join(" | "));
    }
}

fn alert(out: &mut String, a: &Alert) {
    let level = match a.level {
        Level::Critical => "**CRITICAL**",
        Level::Warning => "**WARNING**",
        Level::Info | Level::NoData | Level::Healthy => "info",
    };
    let _ = writeln!(out, "- {level} {}", escape(&a.message));
    if let Some(d) = &a.diagnostic {
        let reply = String::from_utf8_lossy(crate::parse::reply_for_display(d.as_bytes())).into_owned();
        let cut: String = reply.chars().take(DIAGNOSTIC_CHARS).collect();
        let more = if cut.len() < reply.len() { "…" } else { "" };
        let _ = writeln!(out, "  > {}{more}", escape(&cut));
    }
}

impl Render for Markdown {
    fn render(&self, r: &Report) -> Vec<u8> {
        let mut out = String::new();
        let _ = writeln!(out, "# bouncectl report\n");
        let _ = writeln!(out, "{}\n", escape(&r.period_text()));
        let _ = writeln!(
            out,
            "**Status: {}** · bounce rate **{}** (warning ≥ {}, critical > {})\n",
            r.status.as_str().to_uppercase(),
            percent(r.rates.bounce),
            percent(r.thresholds.warning),
            percent(r.thresholds.critical),
        );
        let rows = r
            .delivery_lines()
            .iter()
            .map(|(label, n, rate, band)| {
                vec![
                    label.to_string(),
                    thousands(*n),
                    rate.map(percent).unwrap_or_default(),
                    band.to_string(),
                ]
            })
            .collect();
        table(&mut out, &["deliveries", "count", "rate", "band"], "lrrl", rows);
        let _ = writeln!(
            out,
            "\nNot counted: {} local, {} bounce notifications of ours.",
            thousands(r.excluded.local),
            thousands(r.excluded.notifications)
        );
        if let Some(e) = &r.esp {
            let _ = writeln!(
                out,
                "\nESP: {} sends refused as already suppressed (not in the rates) · {} complaints ({}, {}) · {} unsubscribes · {} classifier disagreements.",
                thousands(e.already_suppressed),
                thousands(e.complaints),
                percent(e.complaint_rate),
                e.complaint_status.as_str(),
                thousands(e.unsubscribes),
                thousands(e.classifier_disagreements)
            );
        }
        if !r.alerts.is_empty() {
            let _ = writeln!(out, "\n## Alerts\n");
            for a in &r.alerts {
                alert(&mut out, a);
            }
        }
        for (b, rows) in r.breakdowns() {
            let _ = writeln!(out, "\n## {}\n", b.title());
            match rows {
                Rows::Counts(rows) if !rows.is_empty() => {
                    let body = rows
                        .iter()
                        .map(|row| {
                            vec![
                                escape(&row.key),
                                thousands(row.total),
                                thousands(row.delivered),
                                thousands(row.hard),
                                thousands(row.soft),
                                thousands(row.block),
                                thousands(row.pending),
                                percent(row.bounce_rate),
                            ]
                        })
                        .collect();
                    table(
                        &mut out,
                        &[
                            b.key_header(),
                            "total",
                            "delivered",
                            "hard",
                            "soft",
                            "block",
                            "pending",
                            "bounce",
                        ],
                        "lrrrrrrr",
                        body,
                    );
                }
                Rows::Reasons(rows) if !rows.is_empty() => {
                    let body = rows
                        .iter()
                        .map(|row| vec![escape(&row.key), escape(&row.class), thousands(row.count)])
                        .collect();
                    table(&mut out, &["reason", "class", "bounces"], "llr", body);
                }
                _ => {
                    let _ = writeln!(out, "Nothing to show.");
                }
            }
        }
        if !r.deferral_causes.is_empty() {
            let _ = writeln!(out, "\n## Deferrals by cause\n");
            let body = r
                .deferral_causes
                .iter()
                .map(|row| vec![escape(&row.key), thousands(row.count)])
                .collect();
            table(&mut out, &["cause", "attempts"], "lr", body);
        }
        let s = &r.suppression;
        let _ = writeln!(
            out,
            "\n**Suppression:** {} to suppress, {} at risk (soft bounces in a row), {} sent after suppression.",
            thousands(s.total),
            thousands(s.at_risk),
            thousands(s.violations)
        );
        if !r.inputs.is_empty() {
            let _ = writeln!(out, "\n## Inputs\n");
            let body = r
                .inputs
                .iter()
                .map(|i| {
                    vec![
                        escape(&i.path),
                        escape(&i.format),
                        thousands(i.lines),
                        thousands(i.events),
                        thousands(i.skipped),
                    ]
                })
                .collect();
            table(
                &mut out,
                &["input", "format", "lines", "events", "skipped"],
                "llrrr",
                body,
            );
        }
        out.into_bytes()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn foreign_text_cannot_make_markup() {
        assert_eq!(escape("a|b"), "a\\|b");
        assert_eq!(escape("<script>x</script>"), "&lt;script&gt;x&lt;/script&gt;");
        assert_eq!(escape("[click](http://x)"), "\\[click\\](http://x)");
        assert_eq!(escape("*bold* _it_ `code`"), "\\*bold\\* \\_it\\_ \\`code\\`");
        assert_eq!(escape("line\nbreak"), "line\\\\nbreak");
        assert_eq!(escape("550 5.7.1 ok"), "550 5.7.1 ok");
    }
}
