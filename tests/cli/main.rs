//! Integration tests: the real `bouncectl` binary on the files in `fixtures/`.

mod analyze;
mod classify;
mod fixtures;
mod formats;
mod genlog;
mod hostile;
mod readme;
mod state;
mod util;
