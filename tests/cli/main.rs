//! Integration tests: the real `bouncectl` binary on the files in `fixtures/`.

mod addresses;
mod analyze;
mod architecture;
mod classify;
mod completions;
mod config;
mod cron;
mod export;
mod fixtures;
mod formats;
mod formats_out;
mod genlog;
mod hostile;
mod html;
mod inputs;
mod journal;
mod lists;
mod output_files;
mod readme;
mod state;
mod state_open;
mod state_pg;
mod usage;
mod util;
