//! `--format txt`: one address per line, as it is (escaped on a terminal
//! only). An address with a line break, which one line cannot hold, is left
//! out and counted.

use super::{Entry, Exporter, Head, Kept, Out};
use std::io;

pub struct Txt;

impl Exporter for Txt {
    fn csv(&self) -> bool {
        false
    }

    fn lists_at_risk(&self) -> bool {
        true
    }

    fn begin(&mut self, _out: &mut Out<'_>, _head: &Head) -> io::Result<()> {
        Ok(())
    }

    fn record(&mut self, out: &mut Out<'_>, e: &Entry<'_>) -> io::Result<Kept> {
        // An address with a line break would read as two.
        if e.address().contains(['\n', '\r']) {
            return Ok(Kept::LeftOut);
        }
        let line = format!("{}\n", out.text(e.address()));
        out.raw(line.as_bytes())?;
        Ok(Kept::Written)
    }

    fn left_out_why(&self) -> &'static str {
        "a line of the list cannot hold their line breaks"
    }
}
