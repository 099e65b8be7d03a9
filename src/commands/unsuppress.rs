//! `bouncectl unsuppress ADDRESS...`: takes addresses off the suppression
//! list (and the at-risk list). Their outcomes until now (or until their
//! latest recorded outcome, if later) stop counting, so reading old logs
//! again does not suppress them again; new hard or soft bounces after that
//! count as usual. Recorded in each address's history with `--reason`.

use super::{open_state, Exit, Global, UsageError};
use crate::cli::UnsuppressArgs;
use crate::output::sanitize;
use crate::state::{unsuppress, ScopeFilter};
use anyhow::Result;

pub fn run(args: UnsuppressArgs, global: &Global) -> Result<Exit> {
    let addresses: Vec<String> = args
        .addresses
        .iter()
        .map(|a| a.trim().trim_matches(['<', '>']).to_lowercase())
        .collect();
    if let Some(bad) = addresses.iter().find(|a| !a.contains('@')) {
        return Err(UsageError(format!("`{}` is not an email address", sanitize(bad))).into());
    }
    let mut store = open_state(&super::state_opts(&args.state, global)?, false)?;
    let run = store.begin_run("unsuppress", global.now)?;
    let mut messages = Vec::new();
    let result = (|| -> Result<()> {
        store.lock_review()?;
        let all = ScopeFilter {
            include_local: true,
            include_notifications: true,
        };
        for address in &addresses {
            let latest_outcome = store.outcomes(address, None, all)?.last().map(|o| o.ts);
            let latest_signal = store.signals(address, None)?.last().map(|s| s.ts);
            let latest = latest_outcome.max(latest_signal);
            let cutoff = latest.map_or(global.now, |t| t.max(global.now));
            let was = store.address(address)?;
            let was_suppressed = unsuppress(
                store.as_mut(),
                address,
                cutoff,
                global.now,
                args.reason.as_deref(),
            )?;
            messages.push(match (was_suppressed, was) {
                (true, Some(r)) => format!(
                    "{}: unsuppressed (was {})",
                    address,
                    r.trigger.map_or("suppressed".into(), |t| match t.reason {
                        Some(reason) => format!("{}, {reason}", t.class.describe()),
                        None if t.class.is_signal() => t.class.describe().to_string(),
                        None => format!("{}, undefined", t.class.describe()),
                    })
                ),
                _ => format!("{address}: was not suppressed; its past bounces no longer count"),
            });
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
    }
    Ok(Exit::Ok)
}
