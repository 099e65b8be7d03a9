//! `bouncectl report`: the analyze report computed from the state without
//! reading logs. Stored deliveries and deferrals are replayed, in time order,
//! through the same aggregator that `analyze` uses, so the same code renders
//! it; `inputs` is empty (no log is read) and the suppression numbers come
//! from the state (`new` and `violations` within `--since`).

use super::{open_state_read_only, parse_since, Exit, Global};
use crate::cli::ReportArgs;
use crate::config::Effective;
use crate::output;
use crate::run::replay::from_state;
use crate::run::{emit, settings, threshold_exit};
use anyhow::Result;

pub fn run(args: ReportArgs, global: &Global) -> Result<Exit> {
    // The same settings as `analyze`: command line, then the config file.
    let file = crate::config::load(global.config.clone())?;
    let eff = Effective::resolve(&global.args, file.as_ref());
    eff.check()?;
    if let Some(out) = &args.report.out {
        output::check_writable(out)?;
    }
    let since = args
        .since
        .as_deref()
        .map(|s| parse_since(s, global.now))
        .transpose()?;
    let settings = settings(
        &eff,
        args.report.include_local,
        args.report.include_notifications,
        global.now,
    )?;
    let state = crate::cli::StateOpts {
        state: eff.state.value.clone(),
        ..args.state.clone()
    };
    let mut store = open_state_read_only(&state)?;
    let report = from_state(store.as_mut(), settings, since)?;
    emit(&report, &eff, args.report.out.as_deref())?;
    Ok(threshold_exit(&report, args.report.fail_on))
}
