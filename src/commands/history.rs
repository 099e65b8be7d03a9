//! stub
use super::{Exit, Global};
use anyhow::Result;
pub fn run(_args: crate::cli::HistoryArgs, _global: &Global) -> Result<Exit> { Ok(Exit::Ok) }
