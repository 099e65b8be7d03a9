//! Integration tests: the real `bouncectl` binary on the files in `fixtures/`.

mod analyze;
mod fixtures;
mod genlog;
mod util;
