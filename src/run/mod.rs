//! A run, from inputs to report: what `analyze`, `suppress` and `report`
//! share. Reading and merging the inputs (`crate::pipeline`), correlating
//! them (`crate::correlate`), aggregating the report (`crate::aggregate`),
//! recording into the state and reviewing suppressions ([`record`]),
//! replaying the state ([`replay`]), the settings of all of it
//! ([`settings`]), and handing the report over ([`deliver`]). The commands
//! only parse their arguments, call these, and return the exit code.

pub mod deliver;
pub mod record;
pub mod replay;
pub mod settings;

pub use deliver::{
    emit, render, render_with, report_unrecognised, threshold_exit, threshold_line, use_color,
};
pub use record::{
    analyze_into_state, analyze_into_state_then, journal_cursor, state_suppression, Done, Job, JournalMark,
};
pub use settings::{load_contacts, settings};

use crate::aggregate::report::Report;
use crate::aggregate::{Aggregator, Settings};
use crate::correlate::Correlator;
use crate::input::Source;
use crate::output;
use crate::pipeline::{self, ReadOptions};
use anyhow::Result;

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
    print_notes(&summary, &[], quiet);
    let report = aggregator.finish(summary.inputs, summary.first, summary.last);
    Ok((report, summary.had_errors || !summary.missing.is_empty()))
}

/// Prints what reading found: an input that could not be read to its end is
/// an error (exit 1), said even with `--quiet`, which only silences warnings.
fn print_notes(summary: &pipeline::ReadSummary, notes: &[String], quiet: bool) {
    let errors: Vec<&str> = summary
        .missing
        .iter()
        .map(String::as_str)
        .chain(summary.inputs.iter().filter_map(|i| i.error.as_deref()))
        .collect();
    // File names and line excerpts come from outside: escaped for the terminal.
    for e in &errors {
        eprintln!("bouncectl: error: {}", output::sanitize(e));
    }
    if !quiet {
        for w in notes
            .iter()
            .chain(&summary.warnings)
            .filter(|w| !errors.contains(&w.as_str()))
        {
            eprintln!("bouncectl: warning: {}", output::sanitize(w));
        }
    }
}
