//! `bouncectl analyze`: its arguments turned into a run (`crate::run`):
//! the inputs (files, standard input, `--journal`), the state or not, and the
//! exit code the report earns.

use super::{load_classifier, Exit, Global, UsageError};
use crate::cli::AnalyzeArgs;
use crate::config::Effective;
use crate::input::{self, Source};
use crate::output;
use crate::pipeline::ReadOptions;
use crate::run::{
    analyze, analyze_into_state_then, emit, journal_cursor, report_unrecognised, settings, threshold_exit,
    Job, JournalMark,
};
use anyhow::Result;
use std::io::IsTerminal;

pub fn run(args: AnalyzeArgs, global: &Global) -> Result<Exit> {
    let file = crate::config::load(global.config.clone())?;
    let eff = Effective::resolve(&global.args, file.as_ref());
    eff.check()?;
    if let Some(out) = &args.report.out {
        output::check_writable(out)?;
    }
    let mut sources: Vec<Source> = if args.inputs.is_empty() {
        if args.journal {
            Vec::new()
        } else if std::io::stdin().is_terminal() {
            return Err(UsageError(
                "no input: give log files (e.g. /var/log/mail.log*), or - to read standard input".into(),
            )
            .into());
        } else {
            vec![Source::Stdin]
        }
    } else {
        args.inputs.iter().map(|p| Source::from_arg(p)).collect()
    };
    if sources.iter().filter(|s| **s == Source::Stdin).count() > 1 {
        return Err(UsageError("standard input (-) can be read only once".into()).into());
    }
    let classifier = load_classifier(eff.rules.value.as_deref())?;
    let settings = settings(
        &eff,
        args.report.include_local,
        args.report.include_notifications,
        global.now,
    )?;
    let opts = ReadOptions {
        threads: global.threads,
        year: args.year,
        strict: args.strict,
        progress: !global.quiet,
        now: global.now,
        classifier,
        tz: jiff::tz::TimeZone::system(),
        chunk_size: global.chunk_size,
        format: args.input_format.0,
        columns: args.columns.clone(),
    };

    let units: Vec<String> = match args.unit.is_empty() {
        true => JOURNAL_UNITS.iter().map(|u| u.to_string()).collect(),
        false => args.unit.clone(),
    };
    let (report, had_errors) = if args.no_state {
        // Kept to the end of the run: the temporary file goes with it.
        let _journal = match args.journal {
            true => {
                let spooled = input::journal::read(&units, None, global.quiet)?;
                sources.push(spooled.source.clone());
                Some(spooled)
            }
            false => None,
        };
        let (report, had_errors) = analyze(&sources, &opts, settings, global.quiet)?;
        emit(&report, &eff, args.report.out.as_deref())?;
        (report, had_errors)
    } else {
        if args.incremental && sources.contains(&Source::Stdin) {
            return Err(UsageError(
                "--incremental reads files it can find again: standard input cannot be read incrementally"
                    .into(),
            )
            .into());
        }
        // `--state` wins over the config file's `state`.
        let state = crate::cli::StateOpts {
            state: eff.state.value.clone(),
            ..args.state.clone()
        };
        let host = super::host_name(args.host.as_deref())?;
        let mut store = super::open_state(&state, true)?;
        // `--journal`: an incremental run reads the journal after the cursor
        // the last one stored (see `JournalMark`).
        let journal = match args.journal {
            true => {
                let key = input::journal::name(&units);
                let after = match args.incremental {
                    true => journal_cursor(store.as_mut(), &host, &key)?,
                    false => None,
                };
                let spooled = input::journal::read(&units, after.as_deref(), global.quiet)?;
                sources.push(spooled.source.clone());
                let mark = JournalMark {
                    key,
                    after,
                    last: spooled.last_cursor.clone(),
                };
                Some((spooled, mark))
            }
            false => None,
        };
        let job = Job {
            command: "analyze",
            incremental: args.incremental,
            now: global.now,
            quiet: global.quiet,
            host,
            journal: journal.as_ref().map(|(_, mark)| mark.clone()),
        };
        // The report is written before the state is committed: a report
        // that cannot be written leaves the state as it was.
        let out = args.report.out.as_deref();
        let done = analyze_into_state_then(store.as_mut(), &sources, &opts, settings, &job, |report| {
            emit(report, &eff, out)
        })?;
        (done.report, done.had_errors)
    };
    let unrecognised = !args.incremental && report_unrecognised(&report);
    if had_errors || unrecognised {
        return Ok(Exit::Error);
    }
    Ok(threshold_exit(&report, args.report.fail_on))
}

/// The units `--journal` reads without `--unit`.
const JOURNAL_UNITS: [&str; 3] = input::journal::DEFAULT_UNITS;
