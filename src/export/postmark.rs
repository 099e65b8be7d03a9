//! `--format postmark`: `{"Suppressions":[{"EmailAddress": ...}]}`, the
//! body of Postmark's Suppressions API, every address byte for byte.

use super::json::Array;
use super::{Entry, Exporter, Head, Kept, Out};
use serde::Serialize;
use std::io;

#[derive(Default)]
pub struct Postmark {
    array: Array,
}

#[derive(Serialize)]
struct PostmarkEntry<'a> {
    #[serde(rename = "EmailAddress")]
    email: &'a str,
}

impl Exporter for Postmark {
    fn csv(&self) -> bool {
        false
    }

    fn begin(&mut self, out: &mut Out<'_>, _head: &Head) -> io::Result<()> {
        out.raw(b"{\n  \"Suppressions\": [")
    }

    fn record(&mut self, out: &mut Out<'_>, e: &Entry<'_>) -> io::Result<Kept> {
        self.array.entry(out, &PostmarkEntry { email: e.address() })?;
        Ok(Kept::Written)
    }

    fn end(&mut self, out: &mut Out<'_>) -> io::Result<()> {
        self.array.close(out)
    }
}
