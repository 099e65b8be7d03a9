//! Integration tests: the real `bouncectl` binary on the files in `fixtures/`.

mod analyze;
mod classify;
mod completions;
mod config;
mod fixtures;
mod formats;
mod formats_out;
mod genlog;
mod hostile;
mod html;
mod readme;
mod state;
mod state_open;
mod util;
