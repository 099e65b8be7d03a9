//! `bouncectl suppress`: the suppression list, exported from the state
//! (after analyzing the logs given, if any) in one of the formats of
//! [`crate::export`]: ours (csv, txt, json), Postfix's access map, and the
//! import formats of the ESPs.
//!
//! Logs given here are analyzed with exactly the settings `analyze` uses
//! (command line over config file over defaults: `promote-after`, `rules`,
//! `state`, ...), so that both commands suppress the same addresses.

use super::{load_classifier, open_state, parse_since, Exit, Global, UsageError};
use crate::cli::{StateOpts, SuppressArgs, SuppressFormat};
use crate::config::Effective;
use crate::export::{self, Export, Exporter};
use crate::input::Source;
use crate::output::{self, Shown};
use crate::pipeline::ReadOptions;
use crate::run::{analyze_into_state, settings, Job};
use crate::state::sqlite::SqliteStore;
use crate::state::{Contradiction, Store};
use crate::suppression::Status;
use anyhow::{Context, Result};
use std::collections::BTreeMap;
use std::io::Write;

pub fn run(args: SuppressArgs, global: &Global) -> Result<Exit> {
    if let Some(out) = &args.out {
        output::check_writable(out)?;
    }
    if args.include_at_risk && !exporter(args.format).lists_at_risk() {
        return Err(UsageError(
            "--include-at-risk lists addresses that are not suppressed: it applies to csv, txt and json \
             only (an access map or ESP import would block them)"
                .into(),
        )
        .into());
    }
    let since = args
        .since
        .as_deref()
        .map(|s| parse_since(s, global.now))
        .transpose()?;
    // The settings `analyze` runs with: command line over config file over
    // defaults (`state` included).
    let file = crate::config::load(global.config.clone())?;
    let eff = Effective::resolve(&global.args, file.as_ref());
    let state = StateOpts {
        state: eff.state.value.clone(),
        ..args.state.clone()
    };
    let mut had_errors = false;
    let mut store: Box<dyn Store> = if args.inputs.is_empty() {
        if args.no_state {
            return Err(UsageError(
                "--no-state keeps no list: give log files to analyze, or drop --no-state to export the state"
                    .into(),
            )
            .into());
        }
        if args.incremental {
            return Err(UsageError("--incremental needs log files to read".into()).into());
        }
        super::open_state_read_only(&state)?
    } else {
        let host = super::host_name(args.host.as_deref())?;
        let sources: Vec<Source> = args.inputs.iter().map(|p| Source::from_arg(p)).collect();
        if sources.iter().filter(|s| **s == Source::Stdin).count() > 1 {
            return Err(UsageError("standard input (-) can be read only once".into()).into());
        }
        if args.incremental && sources.contains(&Source::Stdin) {
            return Err(UsageError("standard input cannot be read incrementally".into()).into());
        }
        // Settings before the state: a bad one creates no state.
        eff.check()?;
        let a = &args.analysis;
        let opts = ReadOptions {
            threads: global.threads,
            year: a.year,
            strict: a.strict,
            progress: !global.quiet,
            now: global.now,
            classifier: load_classifier(eff.rules.value.as_deref())?,
            tz: jiff::tz::TimeZone::system(),
            chunk_size: global.chunk_size,
            format: a.input_format.0,
            columns: a.columns.clone(),
        };
        let settings = settings(&eff, a.include_local, a.include_notifications, global.now)?;
        let mut store: Box<dyn Store> = if args.no_state {
            Box::new(SqliteStore::in_memory()?)
        } else {
            open_state(&state, true)?
        };
        let job = Job {
            command: "suppress",
            incremental: args.incremental,
            now: global.now,
            quiet: global.quiet,
            host,
            journal: None,
        };
        had_errors = analyze_into_state(store.as_mut(), &sources, &opts, settings, &job)?.had_errors;
        store
    };
    // The contradicted addresses are few (a later delivery disproves a
    // hard bounce); the list itself streams from the state to the output.
    let contradicted = if args.contradicted {
        Some(store.contradicted()?)
    } else {
        None
    };
    let by_address: Option<BTreeMap<&str, &Contradiction>> = contradicted
        .as_ref()
        .map(|found| found.iter().map(|c| (c.address.as_str(), c)).collect());
    let shown = Shown::for_out(args.out.as_deref());
    let mut file = args
        .out
        .as_deref()
        .map(|path| output::create(path, Some(0o600)))
        .transpose()?;
    let mut stdout;
    let out: &mut dyn Write = match &mut file {
        Some(file) => file,
        None => {
            stdout = std::io::BufWriter::with_capacity(1 << 16, std::io::stdout().lock());
            &mut stdout
        }
    };
    let cannot_write = || match &args.out {
        Some(path) => format!(
            "{}: cannot write (disk full?); the previous file is untouched",
            path.display()
        ),
        None => "cannot write the list".to_string(),
    };
    let (mut suppressed, mut at_risk) = (0u64, 0u64);
    let mut export = Export::begin(exporter(args.format), out, by_address.as_ref(), global.now, shown)
        .with_context(cannot_write)?;
    let left_out_why = export.left_out_why();
    store.each_listed(since, args.include_at_risk, &mut |r| {
        if let Some(found) = &by_address {
            if r.status != Status::Suppressed || !found.contains_key(r.address.as_str()) {
                return Ok(());
            }
        }
        match r.status {
            Status::Suppressed => suppressed += 1,
            _ => at_risk += 1,
        }
        export.record(&r).with_context(cannot_write)
    })?;
    let left_out = export.end().with_context(cannot_write)?;
    if let Some(file) = file {
        file.commit()?;
    }
    if !global.quiet {
        let mut line = if args.contradicted {
            format!(
                "bouncectl: {suppressed} suppressed addresses contradicted by a later delivery{}",
                if suppressed > 0 {
                    " (`bouncectl unsuppress --contradicted` takes them off)"
                } else {
                    ""
                }
            )
        } else {
            format!("bouncectl: {suppressed} suppressed addresses")
        };
        if args.include_at_risk {
            line.push_str(&format!(" and {at_risk} at risk"));
        }
        if let Some(path) = &args.out {
            line.push_str(&format!(" written to {}", path.display()));
        }
        if left_out > 0 {
            line.push_str(&format!("; {left_out} left out ({})", left_out_why));
        }
        eprintln!("{}", output::sanitize(&line));
    }
    Ok(if had_errors { Exit::Error } else { Exit::Ok })
}

/// The format `--format` names, one line each (a new format: a file in
/// `src/export/` and a line here).
pub fn exporter(format: SuppressFormat) -> Box<dyn Exporter> {
    match format {
        SuppressFormat::Csv => Box::new(export::csv::Csv::default()),
        SuppressFormat::Txt => Box::new(export::txt::Txt),
        SuppressFormat::Json => Box::new(export::json::Json::default()),
        SuppressFormat::PostfixAccess => Box::new(export::postfix_access::PostfixAccess),
        SuppressFormat::Ses => Box::new(export::ses::Ses),
        SuppressFormat::Sendgrid => Box::new(export::sendgrid::Sendgrid),
        SuppressFormat::Mailgun => Box::new(export::mailgun::Mailgun),
        SuppressFormat::Postmark => Box::new(export::postmark::Postmark::default()),
        SuppressFormat::Sparkpost => Box::new(export::sparkpost::Sparkpost),
    }
}
