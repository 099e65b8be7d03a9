//! `bouncectl unsuppress ADDRESS...`: takes addresses off the suppression
//! list (and the at-risk list). Their outcomes until now (or until their
//! latest recorded outcome, if later) stop counting, so reading old logs
//! again does not suppress them again; new hard or soft bounces after that
//! count as usual. Recorded in each address's history with `--reason`.
//!
//! `bouncectl unsuppress --contradicted` takes off, in one run, every
//! address suppressed by a hard bounce that has a delivery stored after it
//! (what `suppress --contradicted` lists), each with the note
//! `contradicted: delivered at T after the hard bounce of T (rule ID)` in its
//! history (followed by `--reason`, if given), and says how many it took off.

use super::{open_state, Exit, Global, UsageError};
use crate::cli::UnsuppressArgs;
use crate::output::sanitize;
use crate::parse::timestamp::format_rfc3339;
use crate::state::{unsuppress, Contradiction, ScopeFilter, Store};
use crate::suppression::Status;
use anyhow::Result;

/// The history note of an address taken off for a contradiction.
pub fn contradiction_note(c: &Contradiction) -> String {
    format!(
        "contradicted: delivered at {} after the hard bounce of {} (rule {})",
        format_rfc3339(c.delivered_ts),
        format_rfc3339(c.bounce_ts),
        c.rule.as_deref().unwrap_or("unknown")
    )
}

pub fn run(args: UnsuppressArgs, global: &Global) -> Result<Exit> {
    // In the normal form the state holds (crate::address); text that is no
    // address at all is reported like one without `@`.
    let addresses: Vec<String> = args
        .addresses
        .iter()
        .map(|a| crate::address::from_user(a).map_or_else(|_| a.clone(), |n| n.into_owned()))
        .collect();
    if let Some(bad) = addresses
        .iter()
        .find(|a| !a.contains('@') || crate::address::normalize_str(a).is_err())
    {
        return Err(UsageError(format!("`{}` is not an email address", sanitize(bad))).into());
    }
    let mut store = open_state(&super::state_opts(&args.state, global)?, false)?;
    let run = store.begin_run("unsuppress", global.now)?;
    let mut messages = Vec::new();
    let mut taken_off = 0usize;
    let mut not_suppressed = Vec::new();
    let result = (|| -> Result<()> {
        store.lock_review()?;
        // Under the review lock: no run changes the list while it is read.
        let targets: Vec<(String, Option<String>)> = if args.contradicted {
            store
                .contradicted()?
                .iter()
                .map(|c| {
                    let note = match args.reason.as_deref() {
                        Some(reason) => format!("{}; {reason}", contradiction_note(c)),
                        None => contradiction_note(c),
                    };
                    (c.address.clone(), Some(note))
                })
                .collect()
        } else {
            addresses
                .iter()
                .map(|a| (a.clone(), args.reason.clone()))
                .collect()
        };
        for (address, note) in &targets {
            match take_off(store.as_mut(), address, note.as_deref(), global.now)? {
                Some(message) => {
                    taken_off += 1;
                    messages.push(message);
                }
                None => not_suppressed.push(address.clone()),
            }
        }
        Ok(())
    })();
    match result {
        Ok(()) => store.commit_run(run, global.now)?,
        Err(e) => {
            let _ = store.rollback_run();
            return Err(e);
        }
    }
    if !global.quiet {
        for m in messages {
            eprintln!("bouncectl: {}", sanitize(&m));
        }
        if args.contradicted {
            eprintln!(
                "bouncectl: {taken_off} contradicted address{} unsuppressed",
                if taken_off == 1 { "" } else { "es" }
            );
        }
    }
    // Said even with --quiet: the command did not do what it was asked.
    for address in &not_suppressed {
        eprintln!(
            "bouncectl: error: {}: not suppressed, nothing recorded (`bouncectl history {}` shows why)",
            sanitize(address),
            sanitize(address)
        );
    }
    Ok(if not_suppressed.is_empty() {
        Exit::Ok
    } else {
        Exit::Error
    })
}

/// Takes one suppressed (or at-risk) address off and says what it was; an
/// address that is neither is left as it is (`None`): nothing is recorded.
fn take_off(store: &mut dyn Store, address: &str, note: Option<&str>, now: i64) -> Result<Option<String>> {
    let Some(was) = store.address(address)?.filter(|r| r.status != Status::Ok) else {
        return Ok(None);
    };
    let all = ScopeFilter {
        include_local: true,
        include_notifications: true,
    };
    let latest_outcome = store.outcomes(address, None, all)?.last().map(|o| o.ts);
    let latest_signal = store.signals(address, None)?.last().map(|s| s.ts);
    let latest = latest_outcome.max(latest_signal);
    let cutoff = latest.map_or(now, |t| t.max(now));
    unsuppress(store, address, cutoff, now, note)?;
    Ok(Some(format!(
        "{}: {} (was {})",
        address,
        match was.status {
            Status::AtRisk => "taken off the at-risk list",
            _ => "unsuppressed",
        },
        was.trigger.map_or("suppressed".into(), |t| match t.reason {
            Some(reason) => format!("{}, {reason}", t.class.describe()),
            None if t.class.is_signal() => t.class.describe().to_string(),
            None => format!("{}, undefined", t.class.describe()),
        })
    )))
}
