//! Integration tests: the real `bouncectl` binary on the files in `fixtures/`.

mod analyze;
mod fixtures;
mod formats;
mod genlog;
mod util;
