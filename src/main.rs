//! The `bouncectl` binary: parse arguments, run the command, map errors to
//! exit codes.

use bouncectl::commands::{self, Exit, UsageError};
use clap::Parser;
use std::process::ExitCode;

fn is_broken_pipe(e: &anyhow::Error) -> bool {
    e.chain().any(|c| {
        c.downcast_ref::<std::io::Error>()
            .is_some_and(|io| io.kind() == std::io::ErrorKind::BrokenPipe)
    })
}

fn main() -> ExitCode {
    let cli = bouncectl::cli::Cli::parse();
    let code = match commands::run(cli) {
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
