//! bouncectl: read mail logs and ESP exports, classify every bounce, correlate
//! attempts into deliveries, and report bounce rates and suppressions.
//!
//! Data flows one way: read (`input`) → parse (`parse`, `classify`) →
//! correlate → aggregate → render (`report`), driven by `pipeline`.

#![forbid(unsafe_code)]

pub mod address;
pub mod aggregate;
pub mod classify;
pub mod cli;
pub mod commands;
pub mod config;
pub mod contacts;
pub mod correlate;
pub mod error;
pub mod export;
pub mod input;
pub mod lists;
pub mod merge;
pub mod model;
pub mod output;
pub mod parse;
pub mod pipeline;
pub mod providers;
pub mod report;
pub mod run;
pub mod state;
pub mod suppression;
