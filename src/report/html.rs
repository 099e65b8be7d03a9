//! `--format html`: the report as one self-contained page — inline CSS, an
//! inline SVG chart of the daily bounce rate against the warning and
//! critical lines, the alerts and the breakdown tables — with no external
//! asset and no script, so it can be mailed, attached to a ticket or opened
//! from disk. Every text from logs and remote servers is HTML-escaped.
//!
//! The chart's parts carry ids for tests and scripts: `svg#daily-bounce-rate`
//! (`data-days`), `polyline#rate-line` (one point per day), `circle.point`
//! (`data-day`, `data-rate`), `line#warning-line` and `line#critical-line`
//! (`data-rate`).

use super::table::{percent, thousands};
use super::{Alert, DomainRow, Level, Render, Report, Rows};
use std::fmt::Write;

pub struct Html;

/// Colours of the chart, fixed (not CSS variables) so that a screenshot can
/// be checked for them.
pub const RATE_COLOR: &str = "#1f6feb";
pub const WARNING_COLOR: &str = "#e3a008";
pub const CRITICAL_COLOR: &str = "#d1242f";
const BAR_COLORS: [(&str, &str); 3] = [
    ("healthy", "#b7e1c1"),
    ("warning", "#fbe3a1"),
    ("critical", "#f6b6b9"),
];

/// Longest diagnostic quoted under an alert.
const DIAGNOSTIC_CHARS: usize = 300;

/// Text for HTML content and attribute values.
pub fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            // Control characters and bidi overrides would be invisible,
            // break the page or reorder what it shows.
            c if (c.is_control() && c != '\n' && c != '\t')
                || matches!(c, '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}' | '\u{200E}' | '\u{200F}') =>
            {
                let _ = write!(out, "\\u{{{:x}}}", c as u32);
            }
            c => out.push(c),
        }
    }
    out
}

const STYLE: &str = r#"
:root { --ink: #1f2328; --muted: #59636e; --line: #d1d9e0; --soft: #f6f8fa;
  --healthy: #1a7f37; --warning: #9a6700; --critical: #d1242f; }
* { box-sizing: border-box; }
body { font: 15px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial, sans-serif;
  color: var(--ink); background: #fff; margin: 0 auto; max-width: 980px; padding: 24px; }
h1 { font-size: 1.6em; margin: 0 0 2px; }
h2 { font-size: 1.15em; margin: 28px 0 8px; padding-bottom: 4px; border-bottom: 1px solid var(--line); }
.period { color: var(--muted); margin: 0 0 12px; }
.status { display: inline-block; padding: 6px 12px; border-radius: 6px; color: #fff; font-weight: 600; }
.status.healthy { background: var(--healthy); }
.status.warning { background: var(--warning); }
.status.critical { background: var(--critical); }
.status.no-data { background: #6b7280; }
.summary { margin: 10px 0 0; }
table { border-collapse: collapse; width: 100%; font-variant-numeric: tabular-nums; }
th, td { padding: 4px 8px; border-bottom: 1px solid var(--line); text-align: left; vertical-align: top; }
th { background: var(--soft); font-weight: 600; }
.n { text-align: right; white-space: nowrap; }
td.key { overflow-wrap: anywhere; }
.band-healthy { color: var(--healthy); font-weight: 600; }
.band-caution, .band-warning, .band-throttling { color: var(--warning); font-weight: 600; }
.band-critical, .band-emergency { color: var(--critical); font-weight: 600; }
ul.alerts { list-style: none; padding: 0; margin: 0; }
ul.alerts li { border-left: 4px solid var(--line); background: var(--soft); padding: 6px 10px; margin: 6px 0; }
ul.alerts li.critical { border-left-color: var(--critical); }
ul.alerts li.warning { border-left-color: var(--warning); }
.level { font-weight: 700; font-size: .8em; text-transform: uppercase; margin-right: 6px; }
li.critical .level { color: var(--critical); }
li.warning .level { color: var(--warning); }
li.info .level { color: var(--muted); }
blockquote { margin: 4px 0 0; color: var(--muted); font-size: .9em; overflow-wrap: anywhere; }
.note { color: var(--muted); }
figure { margin: 0; }
svg { max-width: 100%; height: auto; }
svg text { font: 12px system-ui, -apple-system, "Segoe UI", Roboto, Arial, sans-serif; fill: #59636e; }
footer { margin-top: 32px; color: var(--muted); font-size: .85em; }
"#;

/// Chart geometry (SVG user units).
const W: f64 = 760.0;
const H: f64 = 280.0;
const LEFT: f64 = 52.0;
const RIGHT: f64 = 112.0;
const TOP: f64 = 16.0;
const BOTTOM: f64 = 40.0;

fn finals(r: &DomainRow) -> u64 {
    r.delivered + r.hard + r.soft + r.block
}

/// A round top for the y axis, and its tick step: at most 6 ticks.
fn y_scale(max: f64) -> (f64, f64) {
    let max = max.max(0.0001);
    for step in [0.005, 0.01, 0.02, 0.025, 0.05, 0.1, 0.2, 0.25] {
        if max / step <= 6.0 {
            let top = (max / step).ceil() * step;
            return (top.min(1.0), step);
        }
    }
    (1.0, 0.2)
}

fn axis_percent(v: f64) -> String {
    let p = v * 100.0;
    if (p - p.round()).abs() < 1e-9 {
        format!("{}%", p.round())
    } else {
        format!("{p:.1}%")
    }
}

/// The SVG chart of `by_day` against the two thresholds.
fn chart(out: &mut String, r: &Report) {
    let days = &r.by_day;
    let (warn, crit) = (r.thresholds.warning, r.thresholds.critical);
    let highest = days.iter().map(|d| d.bounce_rate).fold(0.0, f64::max);
    let (ymax, step) = y_scale(highest.max(crit) * 1.15);
    let plot_w = W - LEFT - RIGHT;
    let plot_h = H - TOP - BOTTOM;
    let y = |v: f64| TOP + plot_h - (v.min(ymax) / ymax) * plot_h;
    let n = days.len().max(1) as f64;
    let slot = plot_w / n;
    let x = |i: usize| LEFT + slot * (i as f64 + 0.5);
    let _ = writeln!(
        out,
        r#"<svg id="daily-bounce-rate" xmlns="http://www.w3.org/2000/svg" width="{W}" height="{H}" viewBox="0 0 {W} {H}" role="img" aria-labelledby="chart-title" data-days="{}">"#,
        days.len()
    );
    let _ = writeln!(
        out,
        r#"<title id="chart-title">Daily bounce rate against the {} warning and {} critical lines</title>"#,
        percent(warn),
        percent(crit)
    );
    // Grid and y axis labels.
    let mut v = 0.0;
    while v <= ymax + 1e-9 {
        let gy = y(v).round();
        let _ = writeln!(
            out,
            r##"<line x1="{LEFT}" x2="{:.1}" y1="{gy}" y2="{gy}" stroke="#eaeef2" stroke-width="1" shape-rendering="crispEdges"/>"##,
            LEFT + plot_w
        );
        let _ = writeln!(
            out,
            r#"<text x="{:.1}" y="{:.1}" text-anchor="end">{}</text>"#,
            LEFT - 6.0,
            gy + 4.0,
            axis_percent(v)
        );
        v += step;
    }
    // Bars, coloured by band.
    for (i, d) in days.iter().enumerate() {
        let band = if d.bounce_rate > crit {
            "critical"
        } else if d.bounce_rate >= warn && finals(d) > 0 {
            "warning"
        } else {
            "healthy"
        };
        let fill = BAR_COLORS
            .iter()
            .find(|(b, _)| *b == band)
            .map_or("#d0d7de", |(_, c)| c);
        let bw = (slot * 0.6).min(56.0);
        let top = y(d.bounce_rate);
        let height = y(0.0) - top;
        if height > 0.0 {
            let _ = writeln!(
                out,
                r#"<rect class="bar {band}" x="{:.1}" y="{:.1}" width="{:.1}" height="{:.1}" fill="{fill}" shape-rendering="crispEdges"/>"#,
                x(i) - bw / 2.0,
                top,
                bw,
                height
            );
        }
    }
    // The two thresholds, on whole pixels so that they are drawn crisp.
    for (id, name, rate, color) in [
        ("warning-line", "warning", warn, WARNING_COLOR),
        ("critical-line", "critical", crit, CRITICAL_COLOR),
    ] {
        let ly = y(rate).round();
        let _ = writeln!(
            out,
            r#"<line id="{id}" class="threshold" data-rate="{rate}" x1="{LEFT}" x2="{:.1}" y1="{ly}" y2="{ly}" stroke="{color}" stroke-width="2" stroke-dasharray="8 4" shape-rendering="crispEdges"/>"#,
            LEFT + plot_w
        );
        let _ = writeln!(
            out,
            r#"<text x="{:.1}" y="{:.1}" style="fill:{color}">{name} {}</text>"#,
            LEFT + plot_w + 6.0,
            ly + 4.0,
            percent(rate)
        );
    }
    // The daily rate: a line through one point per day.
    let points: Vec<String> = days
        .iter()
        .enumerate()
        .map(|(i, d)| format!("{:.1},{:.1}", x(i), y(d.bounce_rate)))
        .collect();
    let _ = writeln!(
        out,
        r#"<polyline id="rate-line" points="{}" fill="none" stroke="{RATE_COLOR}" stroke-width="2.5" stroke-linejoin="round"/>"#,
        points.join(" ")
    );
    for (i, d) in days.iter().enumerate() {
        let bounced = d.hard + d.soft + d.block;
        let _ = writeln!(
            out,
            r#"<circle class="point" data-day="{}" data-rate="{}" cx="{:.1}" cy="{:.1}" r="5" fill="{RATE_COLOR}"><title>{}: {} bounced ({} of {})</title></circle>"#,
            escape(&d.key),
            d.bounce_rate,
            x(i),
            y(d.bounce_rate),
            escape(&d.key),
            percent(d.bounce_rate),
            thousands(bounced),
            thousands(finals(d))
        );
    }
    // Day labels: at most about 12, evenly spaced.
    let every = days.len().div_ceil(12).max(1);
    for (i, d) in days.iter().enumerate() {
        if i % every == 0 {
            let _ = writeln!(
                out,
                r#"<text x="{:.1}" y="{:.1}" text-anchor="middle">{}</text>"#,
                x(i),
                H - BOTTOM + 18.0,
                escape(&d.key)
            );
        }
    }
    let _ = writeln!(
        out,
        r##"<line x1="{LEFT}" x2="{:.1}" y1="{:.1}" y2="{:.1}" stroke="#8c959f" stroke-width="1" shape-rendering="crispEdges"/>"##,
        LEFT + plot_w,
        y(0.0).round(),
        y(0.0).round()
    );
    let _ = writeln!(out, "</svg>");
}

fn counts_table(out: &mut String, key: &str, rows: &[DomainRow]) {
    let _ = writeln!(
        out,
        r#"<table><thead><tr><th>{}</th><th class="n">total</th><th class="n">delivered</th><th class="n">hard</th><th class="n">soft</th><th class="n">block</th><th class="n">pending</th><th class="n">bounce</th></tr></thead><tbody>"#,
        escape(key)
    );
    for r in rows {
        let _ = writeln!(
            out,
            r#"<tr><td class="key">{}</td><td class="n">{}</td><td class="n">{}</td><td class="n">{}</td><td class="n">{}</td><td class="n">{}</td><td class="n">{}</td><td class="n">{}</td></tr>"#,
            escape(&r.key),
            thousands(r.total),
            thousands(r.delivered),
            thousands(r.hard),
            thousands(r.soft),
            thousands(r.block),
            thousands(r.pending),
            percent(r.bounce_rate)
        );
    }
    let _ = writeln!(out, "</tbody></table>");
}

fn alert(out: &mut String, a: &Alert) {
    let level = match a.level {
        Level::Critical => "critical",
        Level::Warning => "warning",
        Level::Info | Level::NoData | Level::Healthy => "info",
    };
    let _ = write!(
        out,
        r#"<li class="{level}" data-code="{}"><span class="level">{level}</span>{}"#,
        escape(&a.code),
        escape(&a.message)
    );
    if let Some(d) = &a.diagnostic {
        let reply = String::from_utf8_lossy(crate::parse::reply_for_display(d.as_bytes())).into_owned();
        let cut: String = reply.chars().take(DIAGNOSTIC_CHARS).collect();
        let more = if cut.len() < reply.len() { "…" } else { "" };
        let _ = write!(out, "<blockquote>{}{more}</blockquote>", escape(&cut));
    }
    let _ = writeln!(out, "</li>");
}

impl Render for Html {
    fn render(&self, r: &Report) -> Vec<u8> {
        let mut out = String::new();
        let period = r.period_text();
        let status = r.status.as_str();
        let _ = writeln!(out, "<!DOCTYPE html>");
        let _ = writeln!(out, r#"<html lang="en"><head><meta charset="utf-8">"#);
        let _ = writeln!(
            out,
            r#"<meta name="viewport" content="width=device-width, initial-scale=1"><meta name="generator" content="bouncectl">"#
        );
        let _ = writeln!(out, "<title>bouncectl report · {}</title>", escape(&period));
        let _ = writeln!(out, "<style>{STYLE}</style></head><body>");
        let _ = writeln!(out, "<header><h1>bouncectl report</h1>");
        let _ = writeln!(out, r#"<p class="period">{}</p>"#, escape(&period));
        let _ = writeln!(
            out,
            r#"<p><span class="status {status}">{} · bounce rate {}</span></p>"#,
            status.to_uppercase(),
            percent(r.rates.bounce)
        );
        let d = &r.deliveries;
        let _ = writeln!(
            out,
            r#"<p class="summary">{} final deliveries: {} bounced ({} hard, {} soft, {} blocked for sender-side reasons); warning from {}, critical above {}.</p></header>"#,
            thousands(d.delivered + d.hard + d.soft + d.block),
            thousands(d.hard + d.soft + d.block),
            thousands(d.hard),
            thousands(d.soft),
            thousands(d.block),
            percent(r.thresholds.warning),
            percent(r.thresholds.critical)
        );
        let _ = writeln!(
            out,
            r#"<section id="chart"><h2>Daily bounce rate (UTC)</h2><figure>"#
        );
        if r.by_day.is_empty() {
            let _ = writeln!(
                out,
                r#"<p class="note">No delivery with an outcome: nothing to chart.</p>"#
            );
        } else {
            chart(&mut out, r);
        }
        let _ = writeln!(out, "</figure></section>");
        if !r.alerts.is_empty() {
            let _ = writeln!(out, r#"<section id="alerts"><h2>Alerts</h2><ul class="alerts">"#);
            for a in &r.alerts {
                alert(&mut out, a);
            }
            let _ = writeln!(out, "</ul></section>");
        }
        let _ = writeln!(
            out,
            r#"<section id="deliveries"><h2>Deliveries (rates over final outcomes)</h2><table><thead><tr><th>deliveries</th><th class="n">count</th><th class="n">rate</th><th>band</th></tr></thead><tbody>"#
        );
        for (label, n, rate, band) in r.delivery_lines() {
            let _ = writeln!(
                out,
                r#"<tr><td>{label}</td><td class="n">{}</td><td class="n">{}</td><td class="band-{band}">{band}</td></tr>"#,
                thousands(n),
                rate.map(percent).unwrap_or_default()
            );
        }
        let _ = writeln!(
            out,
            r#"</tbody></table><p class="note">Not counted: {} local, {} bounce notifications of ours.</p>"#,
            thousands(r.excluded.local),
            thousands(r.excluded.notifications)
        );
        if let Some(e) = &r.esp {
            let _ = writeln!(
                out,
                r#"<p class="note">ESP: {} sends refused as already suppressed (not in the rates) · {} complaints ({}, {}) · {} unsubscribes · {} classifier disagreements.</p>"#,
                thousands(e.already_suppressed),
                thousands(e.complaints),
                percent(e.complaint_rate),
                e.complaint_status.as_str(),
                thousands(e.unsubscribes),
                thousands(e.classifier_disagreements)
            );
        }
        let _ = writeln!(out, "</section>");
        for (b, rows) in r.breakdowns() {
            let _ = writeln!(out, r#"<section id="by-{}"><h2>{}</h2>"#, b.as_str(), b.title());
            match rows {
                Rows::Counts(rows) if !rows.is_empty() => counts_table(&mut out, b.key_header(), rows),
                Rows::Reasons(rows) if !rows.is_empty() => {
                    let _ = writeln!(
                        out,
                        r#"<table><thead><tr><th>reason</th><th>class</th><th class="n">bounces</th></tr></thead><tbody>"#
                    );
                    for row in rows {
                        let _ = writeln!(
                            out,
                            r#"<tr><td>{}</td><td>{}</td><td class="n">{}</td></tr>"#,
                            escape(&row.key),
                            escape(&row.class),
                            thousands(row.count)
                        );
                    }
                    let _ = writeln!(out, "</tbody></table>");
                }
                _ => {
                    let _ = writeln!(out, r#"<p class="note">Nothing to show.</p>"#);
                }
            }
            let _ = writeln!(out, "</section>");
        }
        if !r.deferral_causes.is_empty() {
            let _ = writeln!(
                out,
                r#"<section id="deferrals"><h2>Deferrals by cause</h2><table><thead><tr><th>cause</th><th class="n">attempts</th></tr></thead><tbody>"#
            );
            for row in &r.deferral_causes {
                let _ = writeln!(
                    out,
                    r#"<tr><td>{}</td><td class="n">{}</td></tr>"#,
                    escape(&row.key),
                    thousands(row.count)
                );
            }
            let _ = writeln!(out, "</tbody></table></section>");
        }
        let s = &r.suppression;
        let _ = writeln!(
            out,
            r#"<section id="suppression"><h2>Suppression</h2><p>{} to suppress, {} at risk (soft bounces in a row), {} sent after suppression. A block never suppresses an address: the fix is on the sending side.</p></section>"#,
            thousands(s.total),
            thousands(s.at_risk),
            thousands(s.violations)
        );
        if !r.inputs.is_empty() {
            let _ = writeln!(
                out,
                r#"<section id="inputs"><h2>Inputs</h2><table><thead><tr><th>input</th><th>format</th><th class="n">lines</th><th class="n">events</th><th class="n">skipped</th></tr></thead><tbody>"#
            );
            for i in &r.inputs {
                let _ = writeln!(
                    out,
                    r#"<tr><td class="key">{}</td><td>{}</td><td class="n">{}</td><td class="n">{}</td><td class="n">{}</td></tr>"#,
                    escape(&i.path),
                    escape(&i.format),
                    thousands(i.lines),
                    thousands(i.events),
                    thousands(i.skipped)
                );
            }
            let _ = writeln!(out, "</tbody></table></section>");
        }
        let _ = writeln!(
            out,
            "<footer>bouncectl · {} · rates are fractions of final deliveries (delivered + hard + soft + block)</footer>",
            r.schema
        );
        let _ = writeln!(out, "</body></html>");
        out.into_bytes()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_markup_and_controls() {
        assert_eq!(
            escape(r#"<img src=x onerror="a('b')">&"#),
            "&lt;img src=x onerror=&quot;a(&#39;b&#39;)&quot;&gt;&amp;"
        );
        assert_eq!(escape("a\u{1b}[31m"), "a\\u{1b}[31m");
    }

    #[test]
    fn y_axis_is_round() {
        assert_eq!(y_scale(0.0575), (0.06, 0.01));
        assert_eq!(y_scale(0.2), (0.2, 0.05));
        assert_eq!(y_scale(0.9), (1.0, 0.2));
        assert_eq!(y_scale(0.0), (0.005, 0.005));
    }
}
