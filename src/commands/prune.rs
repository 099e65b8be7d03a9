//! `bouncectl prune --older-than SPAN [--dry-run]`: deletes deliveries,
//! pending deliveries, deferrals and ESP signals older than SPAN from the
//! state (SQLite or PostgreSQL), in one transaction; never an address's
//! suppression state or its unsuppress actions. `--dry-run` only counts.

use super::{open_state, Exit, Global, UsageError};
use crate::cli::PruneArgs;
use crate::parse::timestamp::format_rfc3339;
use anyhow::Result;

pub fn run(args: PruneArgs, global: &Global) -> Result<Exit> {
    if args.older_than == 0 {
        return Err(UsageError("--older-than must be longer than 0 (e.g. 400d)".into()).into());
    }
    let before = global.now - args.older_than as i64;
    let mut store = open_state(&super::state_opts(&args.state, global)?, false)?;
    let n = store.prune(before, args.dry_run)?;
    let verb = if args.dry_run { "would delete" } else { "deleted" };
    let line = format!(
        "{verb} {} deliveries, {} pending deliveries, {} deferrals and {} ESP signals from before {} in {}",
        n.deliveries,
        n.pending,
        n.deferrals,
        n.signals,
        format_rfc3339(before),
        store.location()
    );
    // The counts are the command's answer: printed even with --quiet.
    println!("{}", crate::output::sanitize(&line));
    Ok(Exit::Ok)
}
