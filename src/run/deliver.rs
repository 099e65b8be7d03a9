//! Handing a run's report over: rendered in the format asked, written to
//! `--out` or stdout (before the state is committed, see
//! [`super::record::analyze_into_state_then`]), and the exit code it earns
//! (`--fail-on`, an input nothing was recognised in).

use crate::aggregate::report::{Level, Report};
use crate::cli::{ColorWhen, FailOn, ReportFormat};
use crate::config::Effective;
use crate::error::Exit;
use crate::output;
use crate::parse::Format;
use crate::report::{
    csv::CsvFormat,
    html::Html,
    json::Json,
    markdown::Markdown,
    prometheus::Prometheus,
    table::{ColoredTable, TableFormat},
    Render,
};
use anyhow::{Context, Result};
use std::io::Write;

/// Names on stderr each input of which not one line was recognised (the
/// wrong file, or a format we do not read) and says whether there was one.
/// Only for whole reads: the new lines of an incremental run may all be
/// another program's.
pub fn report_unrecognised(report: &Report) -> bool {
    let mut any = false;
    for i in &report.inputs {
        // An export counts records, not lines: one unreadable document is
        // one record skipped, however many lines it spans.
        let export = Format::from_name(&i.format).is_some_and(Format::is_esp);
        let nothing = i.events == 0 && i.skipped > 0 && (export || i.skipped == i.lines);
        if nothing && i.error.is_none() {
            any = true;
            eprintln!(
                "bouncectl: error: {}: nothing in it was recognised (read as {}; {} lines): is it a \
                 mail log or an export bouncectl reads? `--input-format` names the format",
                output::sanitize(&i.path),
                i.format,
                i.lines
            );
        }
    }
    any
}

/// Renders the report in the chosen format and writes it to `--out`
/// (atomically) or stdout; the table is coloured as `--color` says.
pub fn emit(report: &Report, eff: &Effective, out: Option<&std::path::Path>) -> Result<()> {
    let color = use_color(
        eff.color.value,
        out.is_none() && output::stdout_is_terminal(),
        std::env::var_os("NO_COLOR").is_some(),
        std::env::var_os("TERM").is_some_and(|t| t == "dumb"),
    );
    let bytes = render_with(report, eff.format.value, color);
    match out {
        Some(path) => output::write_atomic(path, &bytes, None),
        None => {
            let mut stdout = std::io::stdout().lock();
            stdout
                .write_all(&bytes)
                .and_then(|_| stdout.flush())
                .context("cannot write the report")
        }
    }
}

/// Exit code 3 when `--fail-on` asked for the band the report is in (a
/// report with no data fails either band: nothing to judge is not healthy),
/// said in one line on stderr, even with `--quiet`: cron mails output, and
/// an exit code alone never reaches anyone.
pub fn threshold_exit(report: &Report, fail_on: Option<FailOn>) -> Exit {
    let reached = match fail_on {
        Some(_) if report.status == Level::NoData => true,
        Some(FailOn::Warning) => report.status >= Level::Warning,
        Some(FailOn::Critical) => report.status >= Level::Critical,
        None => false,
    };
    if reached {
        eprintln!("bouncectl: {}", output::sanitize(&threshold_line(report)));
        Exit::Threshold
    } else {
        Exit::Ok
    }
}

/// The one line `--fail-on` prints: band, rates, counts and the top alert.
pub fn threshold_line(report: &Report) -> String {
    let pct = |f: f64| format!("{:.2}%", f * 100.0);
    let d = &report.deliveries;
    let top = report
        .alerts
        .iter()
        // The rate alerts repeat what the line says already.
        .filter(|a| !matches!(a.code.as_str(), "no-deliveries" | "bounce-rate"))
        // The first of the most severe: alerts come most important first.
        .rev()
        .max_by_key(|a| a.level)
        .map(|a| format!("; {}: {}", a.level.as_str(), a.message))
        .unwrap_or_default();
    if report.status == Level::NoData {
        let lines: u64 = report.inputs.iter().map(|i| i.lines).sum();
        return format!(
            "no-data: no outbound delivery found in {} input(s), {lines} lines read",
            report.inputs.len()
        );
    }
    format!(
        "{}: bounce rate {} (hard {}, soft {}, blocks {}): {} bounced of {} final deliveries{top}",
        report.status.as_str(),
        pct(report.rates.bounce),
        pct(report.rates.hard),
        pct(report.rates.soft),
        pct(report.rates.block),
        d.hard + d.soft + d.block,
        d.delivered + d.hard + d.soft + d.block,
    )
}

/// Whether the table gets colours: `--color always`/`never`, or on `auto`
/// a terminal without `NO_COLOR` (any value, https://no-color.org) and not
/// `TERM=dumb`.
pub fn use_color(choice: ColorWhen, terminal: bool, no_color: bool, dumb: bool) -> bool {
    match choice {
        ColorWhen::Always => true,
        ColorWhen::Never => false,
        ColorWhen::Auto => terminal && !no_color && !dumb,
    }
}

/// The report in `format`, without colour.
pub fn render(report: &Report, format: ReportFormat) -> Vec<u8> {
    render_with(report, format, false)
}

/// The report in `format`; `color` applies to the table only.
pub fn render_with(report: &Report, format: ReportFormat, color: bool) -> Vec<u8> {
    match format {
        ReportFormat::Table if color => ColoredTable.render(report),
        ReportFormat::Table => TableFormat.render(report),
        ReportFormat::Json => Json.render(report),
        ReportFormat::Markdown => Markdown.render(report),
        ReportFormat::Csv => CsvFormat.render(report),
        ReportFormat::Prometheus => Prometheus.render(report),
        ReportFormat::Html => Html.render(report),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cli::ColorWhen;

    #[test]
    fn colour_only_on_a_terminal_without_no_color() {
        assert!(use_color(ColorWhen::Auto, true, false, false));
        assert!(!use_color(ColorWhen::Auto, false, false, false));
        assert!(!use_color(ColorWhen::Auto, true, true, false));
        assert!(!use_color(ColorWhen::Auto, true, false, true));
        assert!(use_color(ColorWhen::Always, false, true, false));
        assert!(!use_color(ColorWhen::Never, true, false, false));
    }
}
