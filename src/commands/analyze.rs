//! `bouncectl analyze`: read logs, correlate, aggregate, render the report.
//! Settings come from the command line over the config file over defaults
//! (`crate::config`).

use super::{load_classifier, Exit, Global, UsageError};
use crate::aggregate::report::{Breakdown, Level, Report, Suppression, SuppressionCauses};
use crate::aggregate::{Aggregator, Settings};
use crate::cli::{AnalyzeArgs, ColorWhen, FailOn, InputFormat, ReportFormat};
use crate::config::Effective;
use crate::contacts::{Contacts, ContactsError};
use crate::correlate::Correlator;
use crate::correlate::Snapshot;
use crate::input::{self, Source};
use crate::output;
use crate::parse::timestamp::format_rfc3339;
use crate::parse::Format;
use crate::pipeline::{self, ReadOptions};
use crate::pipeline::{InputIdentity, Plan};
use crate::report::Render;
use crate::report::{
    csv::CsvFormat,
    html::Html,
    json::Json,
    markdown::Markdown,
    prometheus::Prometheus,
    table::{ColoredTable, TableFormat},
};
use crate::state::record::Recorder;
use crate::state::{incremental, review_address, CountsQuery, ScopeFilter, StateError, Store};
use anyhow::{Context, Result};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::io::{IsTerminal, Write};
use std::sync::Arc;

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
        format: input_format(args.input_format),
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

/// The aggregation settings `analyze` and `report` share: the command line
/// over the config file.
pub fn settings(
    eff: &Effective,
    include_local: bool,
    include_notifications: bool,
    now: i64,
) -> Result<Settings> {
    let by: Vec<Breakdown> = eff.by.value.iter().map(|&b| b.into()).collect();
    let contacts = load_contacts(eff.sources.value.as_deref(), &by)?;
    Ok(Settings {
        include_local,
        include_notifications,
        promote_after: eff.promote_after.value,
        warning: eff.warn.value,
        critical: eff.crit.value,
        top: eff.top.value,
        min_volume: eff.min_volume.value,
        by,
        contacts,
        inactivity: eff.inactivity.value,
        now: Some(now),
    })
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

/// The format `--input-format` forces (`None`: recognise each input's).
pub fn input_format(f: InputFormat) -> Option<Format> {
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
        InputFormat::Journal => Format::Journal,
        InputFormat::JournalExport => Format::JournalExport,
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
    print_notes(&summary, &[], quiet);
    let report = aggregator.finish(summary.inputs, summary.first, summary.last);
    Ok((report, summary.had_errors || !summary.missing.is_empty()))
}

/// How a run records into the state.
pub struct Job {
    /// Recorded with the run (`analyze`, `suppress`).
    pub command: &'static str,
    pub incremental: bool,
    /// The clock (`--now`).
    pub now: i64,
    pub quiet: bool,
    /// This analyzer's name in the state (`--host`).
    pub host: String,
    /// `--journal`: the cursors of the journal input (`None` without it).
    pub journal: Option<JournalMark>,
}

/// Where an `--incremental --journal` run read the journal: after the
/// cursor the last run stored, up to the last record journalctl printed.
/// The cursor is kept with the in-flight deliveries (the snapshot of the
/// host, `SavedFlight::journal`), keyed by the input's name
/// (`journal:UNITS`): a file's input mark holds offsets, not a cursor, and
/// the snapshot is written in the same transaction as everything the
/// records gave, so the two never disagree.
#[derive(Debug, Clone)]
pub struct JournalMark {
    pub key: String,
    /// The cursor the run read after (`None`: from the start).
    pub after: Option<String>,
    /// The last record's cursor (`None`: journalctl printed nothing).
    pub last: Option<String>,
}

/// The units `--journal` reads without `--unit`.
const JOURNAL_UNITS: [&str; 3] = input::journal::DEFAULT_UNITS;

/// The journal cursor an incremental run stored for `key` on this host.
fn journal_cursor(store: &mut dyn Store, host: &str, key: &str) -> Result<Option<String>> {
    #[derive(Deserialize)]
    struct Cursors {
        #[serde(default)]
        journal: BTreeMap<String, String>,
    }
    let Some(json) = store.snapshot(host)? else {
        return Ok(None);
    };
    let saved: Cursors = serde_json::from_str(&json).map_err(|e| StateError::Data {
        path: store.location().to_string(),
        detail: format!("saved in-flight deliveries: {e}"),
    })?;
    Ok(saved.journal.get(key).cloned())
}

/// What a recording run gives back.
pub struct Done {
    pub report: Report,
    /// An input could not be read to its end.
    pub had_errors: bool,
    /// An incremental run found nothing new in any input: it wrote nothing.
    pub read_nothing: bool,
}

/// The correlator's in-flight messages as stored between incremental runs,
/// with the names of the inputs their indexes refer to.
#[derive(Serialize, Deserialize)]
struct SavedFlight {
    version: u32,
    sources: Vec<String>,
    snapshot: Snapshot,
    /// `--journal`: the cursor of the last record read, per journal input
    /// name (see [`JournalMark`]).
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    journal: BTreeMap<String, String>,
}

/// Reads, correlates, aggregates and records everything into the store in
/// one transaction (a second run waits for the lock; a killed run leaves the
/// store as it was). `--incremental` reads only new bytes and carries
/// in-flight deliveries over from the last incremental run. The report's
/// suppression numbers come from the state.
pub fn analyze_into_state(
    store: &mut dyn Store,
    sources: &[Source],
    opts: &ReadOptions,
    settings: Settings,
    job: &Job,
) -> Result<Done> {
    analyze_into_state_then(store, sources, opts, settings, job, |_| Ok(()))
}

/// [`analyze_into_state`], with `deliver` handed the report before the
/// commit: when it fails (the report cannot be written: disk full, a closed
/// pipe), the run is rolled back, so the next run reads the same bytes again
/// and their report is not lost. A commit that fails after a delivered report
/// only means the next run reports those bytes once more.
pub fn analyze_into_state_then(
    store: &mut dyn Store,
    sources: &[Source],
    opts: &ReadOptions,
    settings: Settings,
    job: &Job,
    deliver: impl FnOnce(&Report) -> Result<()>,
) -> Result<Done> {
    let run = store.begin_run(job.command, job.now)?;
    let done = match record_run(store, run, sources, opts, settings, job) {
        Ok(done) => done,
        Err(e) => {
            let _ = store.rollback_run();
            return Err(e);
        }
    };
    if let Err(e) = deliver(&done.report) {
        let _ = store.rollback_run();
        return Err(e.context("state not updated, so that the next run reads these lines again"));
    }
    if done.read_nothing {
        // Nothing was read: leave the store exactly as it was (no run row,
        // no fsync), so an hourly cron run on an idle log costs nothing.
        store.rollback_run()?;
    } else {
        store.commit_run(run, job.now)?;
    }
    Ok(done)
}

fn record_run(
    store: &mut dyn Store,
    run: i64,
    sources: &[Source],
    opts: &ReadOptions,
    settings: Settings,
    job: &Job,
) -> Result<Done> {
    let location = store.location().to_string();
    let scope = ScopeFilter {
        include_local: settings.include_local,
        include_notifications: settings.include_notifications,
    };
    let promote_after = settings.promote_after;
    let host = job.host.as_str();
    // Two runs of the same host wait for each other; other hosts go on.
    store.lock_host(host)?;
    if let Some(journal) = job.journal.as_ref().filter(|_| job.incremental) {
        // journalctl ran before the lock: a run of this host that committed
        // meanwhile read the same records.
        if journal_cursor(store, host, &journal.key)? != journal.after {
            anyhow::bail!(
                "{location}: another run of host {host} read the journal since this one started;                  nothing recorded: run again"
            );
        }
    }
    let mut missing = Vec::new();
    let mut prepared = pipeline::open_inputs(sources, opts, &mut missing)?;
    let names: Vec<String> = prepared.iter().map(|p| p.name().to_string()).collect();
    let mut notes = Vec::new();
    let plans = if job.incremental {
        let marks = store.input_marks(host)?;
        let identities: Vec<&InputIdentity> = prepared.iter().map(|p| p.identity()).collect();
        let mut plans = incremental::plan(&marks, &identities);
        // The journal's output is all new (journalctl started after the
        // cursor): no offset applies to it, and none is kept for it.
        let journal_key = job.journal.as_ref().map(|j| j.key.as_str());
        for (planned, identity) in plans.iter_mut().zip(&identities) {
            if Some(identity.name.as_str()) == journal_key {
                *planned = incremental::Planned {
                    plan: Plan::From(0),
                    mark: None,
                    note: None,
                };
            }
        }
        for (p, planned) in prepared.iter_mut().zip(&plans) {
            p.set_plan(planned.plan);
            notes.extend(planned.note.clone());
        }
        Some(plans)
    } else {
        None
    };
    let identities: Vec<InputIdentity> = prepared.iter().map(|p| p.identity().clone()).collect();
    // Nothing new in any input: the run writes nothing (and loads no
    // in-flight message), unless a skipped input's mark is getting old: then
    // it is saved again, lest another input's run forget it (`prune_input_marks`).
    let read_nothing = plans.as_ref().is_some_and(|plans| {
        plans.iter().zip(&identities).all(|(p, identity)| {
            nothing_new(p.plan, identity)
                && p.mark
                    .as_ref()
                    .is_none_or(|m| m.last_seen >= job.now - FORGET_INPUTS_AFTER / 2)
        })
    });
    if read_nothing {
        // Nothing to read: neither the saved in-flight deliveries nor the
        // state are loaded, and the report says so (no carried-over pending
        // delivery is this run's).
        for e in &missing {
            eprintln!("bouncectl: error: {}", output::sanitize(e));
        }
        if !job.quiet {
            for note in notes.iter().chain(prepared.iter().flat_map(|p| p.notes())) {
                eprintln!("bouncectl: warning: {}", output::sanitize(note));
            }
        }
        let mut report = nothing_new_report(&identities, settings);
        report.suppression = state_suppression(&store.counts(&CountsQuery {
            run: Some(run),
            since: None,
            seen_only: true,
            scope,
        })?);
        return Ok(Done {
            report,
            had_errors: !missing.is_empty(),
            read_nothing,
        });
    }
    let empty_settings = settings.clone();
    let saved: Option<SavedFlight> = match job.incremental && !read_nothing {
        true => match store.snapshot(host)? {
            Some(json) => Some(serde_json::from_str(&json).map_err(|e| StateError::Data {
                path: location.clone(),
                detail: format!("saved in-flight deliveries: {e}"),
            })?),
            None => None,
        },
        false => None,
    };
    let mut recorder = Recorder::new(store, run, host, names, Aggregator::new(settings));
    let mut correlator = match &saved {
        Some(saved) => {
            let indexes: Vec<usize> = saved.sources.iter().map(|n| recorder.source_index(n)).collect();
            Correlator::restore(&saved.snapshot, |i| indexes.get(i).copied().unwrap_or(0))
        }
        None => Correlator::new(),
    };
    let mut summary = pipeline::read_inputs(prepared, opts, |event, source| {
        correlator.push(event, source, &mut recorder);
    })?;
    summary.missing = missing;
    let flight = job.incremental.then(|| {
        let snapshot = correlator.snapshot();
        let mut sources: Vec<String> = Vec::new();
        let mut snapshot = snapshot;
        for m in &mut snapshot.messages {
            for r in &mut m.rcpts {
                let name = recorder.source_name(r.source).to_string();
                r.source = match sources.iter().position(|s| *s == name) {
                    Some(i) => i,
                    None => {
                        sources.push(name);
                        sources.len() - 1
                    }
                };
            }
        }
        // Cursors of journal inputs not read this run are kept.
        let mut journal = saved.as_ref().map(|s| s.journal.clone()).unwrap_or_default();
        if let Some(JournalMark {
            key,
            last: Some(last),
            ..
        }) = &job.journal
        {
            journal.insert(key.clone(), last.clone());
        }
        SavedFlight {
            version: 1,
            sources,
            snapshot,
            journal,
        }
    });
    correlator.finish(&mut recorder);
    let (error, aggregator) = recorder.finish();
    if let Some(e) = error {
        return Err(e.into());
    }
    print_notes(&summary, &notes, job.quiet);
    if job.incremental
        && !summary.had_errors
        && summary.missing.is_empty()
        && summary.inputs.iter().all(|i| i.lines == 0)
    {
        // Planned reads found no whole new line (a file that only grew by a
        // partial line, or an empty new one): as above, nothing is new.
        let mut report = nothing_new_report(&identities, empty_settings);
        report.suppression = state_suppression(&store.counts(&CountsQuery {
            run: Some(run),
            since: None,
            seen_only: true,
            scope,
        })?);
        return Ok(Done {
            report,
            had_errors: false,
            read_nothing: true,
        });
    }
    if job.incremental && summary.had_errors {
        // Offsets and in-flight deliveries must describe the same bytes: a
        // half-read input would make the next run skip or repeat lines.
        anyhow::bail!(
            "{location}: state not updated, because an input could not be read to its end (see the \
             error above); fix or leave out that input and run again"
        );
    }
    if let (Some(plans), Some(flight), false) = (plans, flight, read_nothing) {
        for ((planned, identity), position) in plans.iter().zip(&identities).zip(&summary.positions) {
            if job.journal.as_ref().is_some_and(|j| j.key == identity.name) {
                continue;
            }
            if let Some(mark) = incremental::after_read(planned, identity, position, host, job.now) {
                store.save_input_mark(&mark)?;
            }
        }
        store.prune_input_marks(host, job.now - FORGET_INPUTS_AFTER)?;
        let json = serde_json::to_string(&flight).context("cannot save the in-flight deliveries")?;
        store.save_snapshot(host, &json)?;
    }
    // Reviews of concurrent runs (PostgreSQL) take turns from here to the
    // commit: each sees the outcomes the others committed.
    store.lock_review()?;
    for address in store.changed_addresses(run)? {
        review_address(store, &address, run, promote_after, scope)?;
    }
    let query = CountsQuery {
        run: Some(run),
        since: None,
        seen_only: true,
        scope,
    };
    let counts = store.counts(&query)?;
    if counts.violations > 0 && !job.quiet {
        let shown = store.violations(&query, 5)?;
        let list: Vec<String> = shown
            .iter()
            .map(|v| {
                format!(
                    "{} on {} (suppressed {})",
                    crate::output::sanitize(&v.address),
                    format_rfc3339(v.ts),
                    format_rfc3339(v.suppressed_at)
                )
            })
            .collect();
        eprintln!(
            "bouncectl: warning: {} deliveries went to suppressed addresses (never re-mail them): {}{}",
            counts.violations,
            list.join(", "),
            if counts.violations > shown.len() as u64 {
                ", ..."
            } else {
                ""
            }
        );
    }
    let mut report = aggregator.finish(summary.inputs, summary.first, summary.last);
    // The suppression numbers are the state's: every host's outcomes and
    // signals, in time order. Contradictions are this run's (a delivery in
    // it after a hard bounce in it); `suppress --contradicted` lists the
    // state's over all runs.
    let mut suppression = state_suppression(&counts);
    suppression.contradicted = report.suppression.contradicted;
    suppression.contradicted_by_rule = std::mem::take(&mut report.suppression.contradicted_by_rule);
    report.suppression = suppression;
    Ok(Done {
        report,
        had_errors: summary.had_errors || !summary.missing.is_empty(),
        read_nothing,
    })
}

/// Whether an input planned this way has nothing new: skipped, or an
/// uncompressed log whose every byte up to its size was read before.
fn nothing_new(plan: Plan, input: &InputIdentity) -> bool {
    match plan {
        Plan::Skip => true,
        Plan::From(offset) => !input.compressed && !input.document && input.disk_size == Some(offset),
    }
}

/// The report of an incremental run that found nothing new: no deliveries,
/// every input with 0 lines, and an info alert that says so.
fn nothing_new_report(identities: &[InputIdentity], settings: Settings) -> Report {
    let inputs = identities
        .iter()
        .map(|i| crate::aggregate::report::InputReport {
            path: i.name.clone(),
            format: String::new(),
            lines: 0,
            events: 0,
            skipped: 0,
            skipped_by: Default::default(),
            error: None,
        })
        .collect();
    let mut report = Aggregator::new(settings).finish(inputs, None, None);
    // An idle log is not a broken one: no data to judge, but nothing wrong.
    report.status = Level::Healthy;
    report.alerts.retain(|a| a.code != "no-deliveries");
    report.alerts.push(crate::aggregate::report::Alert {
        level: Level::Info,
        code: "nothing-new".into(),
        message: "nothing new since the last incremental run: no input has a new line".into(),
        domain: None,
        provider: None,
        count: None,
        diagnostic: None,
    });
    report
}

/// The report's suppression numbers from the state's counts.
pub fn state_suppression(counts: &crate::state::Counts) -> Suppression {
    Suppression {
        total: counts.total,
        new: counts.new,
        at_risk: counts.at_risk,
        violations: counts.violations,
        contradicted: 0,
        contradicted_by_rule: Vec::new(),
        by_cause: SuppressionCauses {
            hard: counts.hard,
            soft: counts.soft,
            complaint: counts.complaint,
            unsubscribe: counts.unsubscribe,
            esp: counts.esp,
        },
    }
}

/// Inputs not given for this long are forgotten (rotated away long ago).
const FORGET_INPUTS_AFTER: i64 = 90 * 86_400;

/// The `--sources` file, when given; `--by source` needs one.
pub fn load_contacts(path: Option<&std::path::Path>, by: &[Breakdown]) -> Result<Option<Arc<Contacts>>> {
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
