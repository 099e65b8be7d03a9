//! A run recorded into the state: read the inputs (only what is new with
//! `--incremental`), correlate, record every delivery, carry in-flight
//! deliveries over, review the addresses that changed, count suppressions
//! from the state; all in one transaction.

use super::*;
use crate::aggregate::report::{Level, Report, Suppression, SuppressionCauses};
use crate::aggregate::{Aggregator, Settings};
use crate::correlate::{Correlator, Snapshot};
use crate::input::Source;
use crate::output;
use crate::parse::timestamp::format_rfc3339;
use crate::pipeline::{self, InputIdentity, Plan, ReadOptions};
use crate::state::record::Recorder;
use crate::state::{incremental, review_address, CountsQuery, ScopeFilter, StateError, Store};
use anyhow::{Context, Result};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

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

/// The journal cursor an incremental run stored for `key` on this host.
pub fn journal_cursor(store: &mut dyn Store, host: &str, key: &str) -> Result<Option<String>> {
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
        return Ok(Done {
            report: nothing_new_report(store, run, scope, &identities, settings)?,
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
        return Ok(Done {
            report: nothing_new_report(store, run, scope, &identities, empty_settings)?,
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
/// every input with 0 lines, an info alert that says so, and the state's
/// suppression numbers.
fn nothing_new_report(
    store: &mut dyn Store,
    run: i64,
    scope: ScopeFilter,
    identities: &[InputIdentity],
    settings: Settings,
) -> Result<Report> {
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
    report.suppression = state_suppression(&store.counts(&CountsQuery {
        run: Some(run),
        since: None,
        seen_only: true,
        scope,
    })?);
    Ok(report)
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
