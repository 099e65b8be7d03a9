//! `--format ses`: Amazon SES suppression import CSV, no header:
//! `address,BOUNCE` (`COMPLAINT` for an address suppressed by a spam
//! complaint), every address byte for byte.

use super::{Entry, Exporter, Head, Kept, Out};
use crate::suppression::Cause;
use std::io;

pub struct Ses;

impl Exporter for Ses {
    fn csv(&self) -> bool {
        true
    }

    fn begin(&mut self, _out: &mut Out<'_>, _head: &Head) -> io::Result<()> {
        Ok(())
    }

    fn record(&mut self, out: &mut Out<'_>, e: &Entry<'_>) -> io::Result<Kept> {
        // SES takes BOUNCE or COMPLAINT.
        let why = match e.cause() {
            Some(Cause::Complaint) => "COMPLAINT",
            _ => "BOUNCE",
        };
        out.row(&[e.address(), why])?;
        Ok(Kept::Written)
    }
}
