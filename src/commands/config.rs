//! `bouncectl config`: the effective settings of `analyze` and where each
//! comes from, printed as a config file with a comment per line. Options
//! after `config` are read as `analyze` would read them.

use super::{Exit, Global, UsageError};
use crate::cli::{Cli, ConfigArgs};
use crate::config::{describe, load, Effective};
use anyhow::{Context, Result};
use clap::CommandFactory;
use std::ffi::OsString;
use std::io::Write;

pub fn run(args: ConfigArgs, global: &Global) -> Result<Exit> {
    // The options are parsed by analyze's own definition, so that every
    // flag it has (today's and those added later) is understood alike.
    let argv = [OsString::from("bouncectl"), OsString::from("analyze")]
        .into_iter()
        .chain(args.options);
    let matches = Cli::command()
        .try_get_matches_from(argv)
        .map_err(|e| UsageError(format!("options for analyze: {}", e.render().to_string().trim())))?;
    let Some(("analyze", analyze)) = matches.subcommand() else {
        return Err(UsageError("options for analyze could not be read".into()).into());
    };
    // `--config` after `config` counts as much as before it.
    let located = match analyze.try_get_one::<std::path::PathBuf>("config").ok().flatten() {
        Some(p) if analyze.value_source("config") == Some(clap::parser::ValueSource::CommandLine) => {
            crate::config::locate(Some((p, Some(clap::parser::ValueSource::CommandLine))))
        }
        _ => global.config.clone(),
    };
    let file = load(located)?;
    let mut eff = Effective::resolve(analyze, file.as_ref());
    // Globals given before `config` (--threads) are in the outer matches.
    if eff.threads.origin == crate::config::Origin::Default {
        let outer = Effective::resolve(&global.args, None);
        eff.threads = outer.threads;
    }
    eff.check()?;
    let mut out = std::io::stdout().lock();
    out.write_all(crate::output::sanitize_lines(&describe(&eff)).as_bytes())
        .and_then(|_| out.flush())
        .context("cannot write the settings")?;
    Ok(Exit::Ok)
}
