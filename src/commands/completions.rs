//! `bouncectl completions SHELL` and the hidden `bouncectl man [COMMAND]`:
//! shell completions and man pages generated from the same `Cli` as the
//! parser, so they cannot disagree with it. `completions/` holds the
//! generated files; a test regenerates them and fails when they are stale.

use super::{Exit, UsageError};
use crate::cli::{Cli, CompletionsArgs, ManArgs};
use anyhow::{Context, Result};
use clap::CommandFactory;
use clap_complete::Shell;
use std::io::Write;

/// The shells with a file in `completions/`, and its name.
pub const SHELLS: [(Shell, &str); 5] = [
    (Shell::Bash, "bouncectl.bash"),
    (Shell::Zsh, "_bouncectl"),
    (Shell::Fish, "bouncectl.fish"),
    (Shell::PowerShell, "_bouncectl.ps1"),
    (Shell::Elvish, "bouncectl.elv"),
];

/// The completion script for `shell`.
pub fn completion(shell: Shell) -> Vec<u8> {
    let mut cmd = Cli::command();
    let mut out = Vec::new();
    clap_complete::generate(shell, &mut cmd, "bouncectl", &mut out);
    out
}

/// Every man page: `bouncectl.1`, then `bouncectl-SUBCOMMAND.1` for each
/// visible subcommand (where its options are), as (file name, roff).
pub fn man_pages() -> Result<Vec<(String, Vec<u8>)>> {
    let cmd = Cli::command();
    let mut pages = Vec::new();
    let mut main = Vec::new();
    clap_mangen::Man::new(cmd.clone())
        .render(&mut main)
        .context("cannot render the man page")?;
    pages.push(("bouncectl.1".to_string(), main));
    for sub in cmd.get_subcommands().filter(|s| !s.is_hide_set()) {
        let name = format!("bouncectl-{}", sub.get_name());
        // The page's title and synopsis name the full command.
        let sub = sub
            .clone()
            .name(name.clone())
            .bin_name(format!("bouncectl {}", sub.get_name()));
        let mut page = Vec::new();
        clap_mangen::Man::new(sub)
            .render(&mut page)
            .with_context(|| format!("cannot render the man page of {name}"))?;
        pages.push((format!("{name}.1"), page));
    }
    Ok(pages)
}

pub fn run(args: CompletionsArgs) -> Result<Exit> {
    let mut out = std::io::stdout().lock();
    out.write_all(&completion(args.shell))
        .and_then(|_| out.flush())
        .context("cannot write the completion script")?;
    Ok(Exit::Ok)
}

pub fn man(args: ManArgs) -> Result<Exit> {
    let file = match &args.command {
        None => "bouncectl.1".to_string(),
        Some(c) => format!("bouncectl-{c}.1"),
    };
    let pages = man_pages()?;
    let Some((_, page)) = pages.iter().find(|(name, _)| *name == file) else {
        let names: Vec<&str> = pages
            .iter()
            .filter_map(|(n, _)| n.strip_prefix("bouncectl-")?.strip_suffix(".1"))
            .collect();
        return Err(UsageError(format!(
            "no man page for `{}`; the commands are {}",
            crate::output::sanitize(args.command.as_deref().unwrap_or("")),
            names.join(", ")
        ))
        .into());
    };
    let mut out = std::io::stdout().lock();
    out.write_all(page)
        .and_then(|_| out.flush())
        .context("cannot write the man page")?;
    Ok(Exit::Ok)
}
