//! One module per subcommand; each exposes `run(args, &Global) -> Result<Exit>`.

pub mod analyze;
pub mod classify;
pub mod completions;
pub mod config;
pub mod filter;
pub mod history;
pub mod prune;
pub mod report;
pub mod suppress;
pub mod unsuppress;

use crate::classify::{Classifier, Rules};
use crate::cli::{Cli, Command, StateOpts};
use anyhow::{Context, Result};
use std::path::Path;

pub use crate::error::{Exit, UsageError};

/// Options every subcommand shares.
#[derive(Debug, Clone)]
pub struct Global {
    pub threads: usize,
    pub quiet: bool,
    /// Unix seconds.
    pub now: i64,
    /// Bytes per parse chunk.
    pub chunk_size: usize,
    /// The config file to read, if any (`--config`, `BOUNCECTL_CONFIG`, or
    /// the default places); commands that use settings load it.
    pub config: Option<crate::config::Located>,
    /// The subcommand's parsed arguments: where each value came from
    /// (command line, environment, default), for the config file to fill in
    /// what the command line left out.
    pub args: clap::ArgMatches,
}

/// Runs the command `cli` (parsed from `matches`).
pub fn run(cli: Cli, matches: &clap::ArgMatches) -> Result<Exit> {
    let now = match cli.now.as_deref() {
        None => jiff::Timestamp::now().as_second(),
        Some(s) => parse_now(s)
            .ok_or_else(|| UsageError(format!("--now `{s}`: give RFC 3339 time or Unix seconds")))?,
    };
    let threads = match cli.threads {
        Some(0) => return Err(UsageError("--threads must be at least 1".into()).into()),
        Some(n) => n,
        None => std::thread::available_parallelism().map_or(1, |n| n.get()),
    };
    let chunk_size = cli.chunk_size.unwrap_or(crate::input::chunks::CHUNK_SIZE).max(1);
    let args = matches
        .subcommand()
        .map(|(_, m)| m.clone())
        .unwrap_or_else(|| matches.clone());
    let config = crate::config::locate(
        cli.config
            .as_deref()
            .map(|p| (p, args.value_source("config").or(matches.value_source("config")))),
    );
    let global = Global {
        threads,
        quiet: cli.quiet,
        now,
        chunk_size,
        config,
        args,
    };
    match cli.command {
        Command::Analyze(args) => analyze::run(args, &global),
        Command::Classify(args) => classify::run(args, &global),
        Command::Suppress(args) => suppress::run(args, &global),
        Command::Report(args) => report::run(args, &global),
        Command::History(args) => history::run(args, &global),
        Command::Unsuppress(args) => unsuppress::run(args, &global),
        Command::Filter(args) => filter::run(args, &global),
        Command::Prune(args) => prune::run(args, &global),
        Command::Config(args) => config::run(args, &global),
        Command::Completions(args) => completions::run(args),
        Command::Man(args) => completions::man(args),
    }
}

/// Opens the state `--state` names (else the default path): a PostgreSQL
/// database for a `postgres://` URL or a libpq `key=value` connection
/// string, else an SQLite file. `create`: make it
/// when missing (commands that record); the others need one to exist.
pub fn open_state(opts: &StateOpts, create: bool) -> Result<Box<dyn crate::state::Store>> {
    open_state_as(opts, create, false)
}

/// [`open_state`] for the commands that only read (exports, `report`,
/// `history`, `filter`): an SQLite state is opened read-only and nothing is
/// written next to it, so that they work on a read-only file or directory;
/// a PostgreSQL state in a read-only session, never migrated.
pub fn open_state_read_only(opts: &StateOpts) -> Result<Box<dyn crate::state::Store>> {
    open_state_as(opts, false, true)
}

fn open_state_as(opts: &StateOpts, create: bool, read_only: bool) -> Result<Box<dyn crate::state::Store>> {
    let lock_timeout = std::time::Duration::from_secs(opts.lock_timeout);
    if let Some(url) = opts
        .state
        .as_deref()
        .and_then(|p| p.to_str())
        .filter(|s| crate::state::postgres::is_postgres(s))
    {
        let store = crate::state::postgres::PgStore::open(
            url,
            crate::state::postgres::OpenOptions {
                create,
                lock_timeout,
                read_only,
            },
        )?;
        return Ok(Box::new(store));
    }
    let path = match &opts.state {
        Some(p) => p.clone(),
        None => crate::state::default_path().ok_or_else(|| {
            UsageError(
                "no place for the state: set XDG_STATE_HOME or HOME, give --state PATH, or use --no-state"
                    .into(),
            )
        })?,
    };
    if create && opts.state.is_none() && !path.exists() {
        // The default state is the user's real suppression list: a first run
        // on a sample must not fill it unnoticed.
        eprintln!(
            "bouncectl: note: creating the state {} (it keeps the suppression list across runs; \
             --no-state reads without it, --state PATH puts it elsewhere)",
            crate::output::sanitize(&path.display().to_string())
        );
    }
    let store = crate::state::sqlite::SqliteStore::open(
        &path,
        crate::state::sqlite::OpenOptions {
            create,
            lock_timeout,
            read_only,
        },
    )?;
    Ok(Box::new(store))
}

/// `--state`, else the config file's `state` (commands that take no other
/// setting from it), else `None` (the default path).
pub fn state_opts(opts: &StateOpts, global: &Global) -> Result<StateOpts> {
    if opts.state.is_some() {
        return Ok(opts.clone());
    }
    let file = crate::config::load(global.config.clone())?;
    Ok(StateOpts {
        state: file.and_then(|f| f.settings.state),
        ..opts.clone()
    })
}

/// The `--host` value, checked, or the machine's host name.
pub fn host_name(host: Option<&str>) -> Result<String, UsageError> {
    match host {
        Some(h) => crate::state::host::check(h)
            .map(|_| h.to_string())
            .map_err(UsageError),
        None => Ok(crate::state::host::default_host()),
    }
}

/// `--since`: `7d`, `24h`, `90m`, `2w` before `now`, or an RFC 3339 date
/// (`2026-11-01`) or time (`2026-11-01T08:00:00Z`).
pub fn parse_since(s: &str, now: i64) -> Result<i64, UsageError> {
    let t = s.trim();
    let bad = || {
        UsageError(format!(
            "--since `{s}`: give a duration back from now (7d, 24h, 90m, 2w) or an RFC 3339 date such as 2026-11-01"
        ))
    };
    if let Some(unit) = t.chars().last().filter(|c| c.is_ascii_alphabetic()) {
        let number = &t[..t.len() - 1];
        if let Ok(n) = number.trim().parse::<i64>() {
            let secs = match unit.to_ascii_lowercase() {
                's' => 1,
                'm' => 60,
                'h' => 3600,
                'd' => 86_400,
                'w' => 7 * 86_400,
                _ => return Err(bad()),
            };
            return n
                .checked_mul(secs)
                .filter(|d| *d >= 0)
                .map(|d| now - d)
                .ok_or_else(bad);
        }
    }
    if let Some((ts, len)) = crate::parse::timestamp::parse_rfc3339(t.as_bytes()) {
        if len == t.len() {
            return Ok(ts);
        }
    }
    if let Ok(date) = t.parse::<jiff::civil::Date>() {
        return date
            .to_zoned(jiff::tz::TimeZone::UTC)
            .map(|z| z.timestamp().as_second())
            .map_err(|_| bad());
    }
    Err(bad())
}

fn parse_now(s: &str) -> Option<i64> {
    s.parse::<i64>()
        .ok()
        .or_else(|| crate::parse::timestamp::parse_rfc3339(s.as_bytes()).map(|(t, _)| t))
}

/// The built-in classifier (compiled when first needed), or one with the
/// user's rules file in front (compiled now, so a bad file fails early).
/// Lives for the whole run.
pub fn load_classifier(rules: Option<&Path>) -> Result<Rules> {
    match rules {
        None => Ok(Rules::Builtin),
        Some(path) => {
            let text = std::fs::read_to_string(path)
                .with_context(|| format!("{}: cannot read the rules file", path.display()))?;
            let classifier = Classifier::with_user_rules(&text, &path.display().to_string())
                .map_err(|e| UsageError(e.to_string()))?;
            Ok(Rules::Custom(Box::leak(Box::new(classifier))))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn since_accepts_durations_and_dates() {
        let now = 1_000_000;
        assert_eq!(parse_since("7d", now).unwrap(), now - 7 * 86_400);
        assert_eq!(parse_since("24h", now).unwrap(), now - 86_400);
        assert_eq!(parse_since("2w", now).unwrap(), now - 14 * 86_400);
        assert_eq!(parse_since("2026-11-01", now).unwrap(), 1_793_491_200);
        assert_eq!(parse_since("2026-11-01T00:00:00Z", now).unwrap(), 1_793_491_200);
        assert!(parse_since("soon", now).is_err());
        assert!(parse_since("7y", now).is_err());
    }
}
