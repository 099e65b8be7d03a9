//! `bouncectl analyze`: read logs, correlate, aggregate, render the report.

use super::{load_classifier, Exit, Global, UsageError};
use crate::aggregate::{Aggregator, Settings};
use crate::cli::{AnalyzeArgs, FailOn, InputFormat, ReportFormat};
use crate::correlate::Correlator;
use crate::input::Source;
use crate::output;
use crate::parse::Format;
use crate::pipeline::{self, ReadOptions};
use crate::report::{json::Json, table::TableFormat, Level, Render, Report};
use anyhow::{Context, Result};
use std::io::{IsTerminal, Write};

pub fn run(args: AnalyzeArgs, global: &Global) -> Result<Exit> {
    if args.warn > args.crit {
        return Err(UsageError(format!(
            "--warn ({}) is above --crit ({}); the warning band must start below the critical one",
            args.warn, args.crit
        ))
        .into());
    }
    if let Some(out) = &args.out {
        output::check_writable(out)?;
    }
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
    let classifier = load_classifier(args.rules.as_deref())?;
    let settings = Settings {
        include_local: args.include_local,
        include_notifications: args.include_notifications,
        promote_after: args.promote_after,
        warning: args.warn,
        critical: args.crit,
        top: args.top,
        min_volume: args.min_volume,
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
    let bytes = render(&report, args.format);
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

pub fn render(report: &Report, format: ReportFormat) -> Vec<u8> {
    match format {
        ReportFormat::Table => TableFormat.render(report),
        ReportFormat::Json => Json.render(report),
    }
}
