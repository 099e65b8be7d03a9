//! The `bouncectl` binary: parse arguments, run the command, map errors to
//! exit codes.

#![forbid(unsafe_code)]

use bouncectl::commands;
use bouncectl::error::{Exit, UsageError};
use clap::{CommandFactory, FromArgMatches};
use std::process::ExitCode;

fn is_broken_pipe(e: &anyhow::Error) -> bool {
    e.chain().any(|c| {
        c.downcast_ref::<std::io::Error>()
            .is_some_and(|io| io.kind() == std::io::ErrorKind::BrokenPipe)
    })
}

fn main() -> ExitCode {
    // Parsed in two steps so that commands can tell a value given on the
    // command line from a default (the config file fills in the defaults).
    let matches = bouncectl::cli::Cli::command().get_matches();
    let cli = bouncectl::cli::Cli::from_arg_matches(&matches).unwrap_or_else(|e| e.exit());
    let code = match commands::run(cli, &matches) {
        Ok(exit) => exit,
        Err(e) if is_broken_pipe(&e) => Exit::Ok,
        Err(e) => {
            let usage = e.downcast_ref::<UsageError>().is_some();
            eprintln!(
                "bouncectl: error: {}",
                bouncectl::output::sanitize(&format!("{e:#}"))
            );
            if usage {
                Exit::Usage
            } else {
                Exit::Error
            }
        }
    };
    ExitCode::from(code as u8)
}

/// jemalloc: parser threads make the attempt texts that the correlating
/// thread frees, a pattern glibc's allocator handles slowly.
#[global_allocator]
#[cfg(feature = "jemalloc")]
static GLOBAL: tikv_jemallocator::Jemalloc = tikv_jemallocator::Jemalloc;
