//! `bouncectl analyze`: read logs, correlate, aggregate, render the report.
//! Settings come from the command line over the config file over defaults
//! (`crate::config`).

use super::{load_classifier, Exit, Global, UsageError};
use crate::aggregate::{Aggregator, Settings};
use crate::cli::{AnalyzeArgs, ColorWhen, FailOn, InputFormat, ReportFormat};
use crate::config::Effective;
use crate::contacts::{Contacts, ContactsError};
use crate::correlate::Correlator;
use crate::input::Source;
use crate::output;
use crate::parse::Format;
use crate::pipeline::{self, ReadOptions};
use crate::report::{
    csv::CsvFormat,
    html::Html,
    json::Json,
    markdown::Markdown,
    prometheus::Prometheus,
    table::{ColoredTable, TableFormat},
    Breakdown, Level, Render, Report,
};
use anyhow::{Context, Result};
use std::io::{IsTerminal, Write};
use std::sync::Arc;

pub fn run(args: AnalyzeArgs, global: &Global) -> Result<Exit> {
    let file = crate::config::load(global.config.clone())?;
    let eff = Effective::resolve(&global.args, file.as_ref());
    eff.check()?;
    if let Some(out) = &args.out {
        output::check_writable(out)?;
    }
    let by: Vec<Breakdown> = eff.by.value.iter().map(|&b| b.into()).collect();
    let contacts = load_contacts(eff.sources.value.as_deref(), &by)?;
    let sources: Vec<Source> = if args.inputs.is_empty() {
        if std::io::stdin().is_terminal() {
            return Err(UsageError(
                "no input: give log files (e.g. /var/log/mail.log*), or - to read standard input".into(),
            )
            .into());
        }
        vec![Source::Stdin]
    } else {
        args.inputs.iter().map(|p| Source::from_arg(p)).collect()
    };
    if sources.iter().filter(|s| **s == Source::Stdin).count() > 1 {
        return Err(UsageError("standard input (-) can be read only once".into()).into());
    }
    let classifier = load_classifier(eff.rules.value.as_deref())?;
    let settings = Settings {
        include_local: args.include_local,
        include_notifications: args.include_notifications,
        promote_after: eff.promote_after.value,
        warning: eff.warn.value,
        critical: eff.crit.value,
        top: eff.top.value,
        min_volume: eff.min_volume.value,
        by,
        contacts,
        inactivity: eff.inactivity.value,
        now: Some(global.now),
    };
    let opts = ReadOptions {
        threads: global.threads,
        year: args.year,
        strict: args.strict,
        progress: !global.quiet,
        now: global.now,
        classifier,
        tz: jiff::tz::TimeZone::system(),
        chunk_size: global.chunk_size,
        format: input_format(args.input_format),
        columns: args.columns.clone(),
    };

    let report = analyze(&sources, &opts, settings, global.quiet)?;
    let (report, had_errors) = report;
    let color = use_color(
        eff.color.value,
        args.out.is_none() && std::io::stdout().is_terminal(),
        std::env::var_os("NO_COLOR").is_some(),
        std::env::var_os("TERM").is_some_and(|t| t == "dumb"),
    );
    let bytes = render_with(&report, eff.format.value, color);
    match &args.out {
        Some(path) => output::write_atomic(path, &bytes, None)?,
        None => {
            let mut stdout = std::io::stdout().lock();
            stdout
                .write_all(&bytes)
                .and_then(|_| stdout.flush())
                .context("cannot write the report")?;
        }
    }
    if had_errors {
        return Ok(Exit::Error);
    }
    let reached = match args.fail_on {
        Some(FailOn::Warning) => report.status >= Level::Warning,
        Some(FailOn::Critical) => report.status >= Level::Critical,
        None => false,
    };
    Ok(if reached { Exit::Threshold } else { Exit::Ok })
}

/// The format `--input-format` forces (`None`: recognise each input's).
fn input_format(f: InputFormat) -> Option<Format> {
    Some(match f {
        InputFormat::Auto => return None,
        InputFormat::Postfix => Format::Postfix,
        InputFormat::Exim => Format::Exim,
        InputFormat::Ses => Format::Ses,
        InputFormat::Sendgrid => Format::SendGrid,
        InputFormat::SendgridCsv => Format::SendGridCsv,
        InputFormat::Mailgun => Format::Mailgun,
        InputFormat::Postmark => Format::Postmark,
        InputFormat::PostmarkCsv => Format::PostmarkCsv,
        InputFormat::Sparkpost => Format::SparkPost,
        InputFormat::Mandrill => Format::Mandrill,
        InputFormat::Mailchimp => Format::Mailchimp,
        InputFormat::Brevo => Format::Brevo,
        InputFormat::Postal => Format::Postal,
        InputFormat::Csv => Format::Csv,
    })
}

/// Reads, correlates and aggregates; returns the report and whether an input
/// could not be read to its end. Warnings go to stderr unless `quiet`.
pub fn analyze(
    sources: &[Source],
    opts: &ReadOptions,
    settings: Settings,
    quiet: bool,
) -> Result<(Report, bool)> {
    let mut correlator = Correlator::new();
    let mut aggregator = Aggregator::new(settings);
    let summary = pipeline::read_all(sources, opts, |event, source| {
        correlator.push(event, source, &mut aggregator);
    })?;
    correlator.finish(&mut aggregator);
    // An input that could not be read to its end is an error (exit 1): said
    // even with --quiet, which only silences warnings.
    let errors: Vec<&str> = summary.inputs.iter().filter_map(|i| i.error.as_deref()).collect();
    for e in &errors {
        eprintln!("bouncectl: error: {e}");
    }
    if !quiet {
        for w in summary.warnings.iter().filter(|w| !errors.contains(&w.as_str())) {
            eprintln!("bouncectl: warning: {w}");
        }
    }
    let report = aggregator.finish(summary.inputs, summary.first, summary.last);
    Ok((report, summary.had_errors))
}

/// The `--sources` file, when given; `--by source` needs one.
fn load_contacts(path: Option<&std::path::Path>, by: &[Breakdown]) -> Result<Option<Arc<Contacts>>> {
    let Some(path) = path else {
        if by.contains(&Breakdown::Source) {
            return Err(UsageError(
                "--by source needs --sources FILE: a CSV with an address column and a list or batch column"
                    .into(),
            )
            .into());
        }
        return Ok(None);
    };
    match Contacts::load(path) {
        Ok(c) => Ok(Some(Arc::new(c))),
        Err(e @ ContactsError::Header { .. }) => Err(UsageError(e.to_string()).into()),
        Err(e) => Err(e.into()),
    }
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
