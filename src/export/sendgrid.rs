//! `--format sendgrid`: a one-column CSV with header `email`, SendGrid's
//! unsubscribe upload (SendGrid takes no bounce imports), every address
//! byte for byte.

use super::{Entry, Exporter, Head, Kept, Out};
use std::io;

pub struct Sendgrid;

impl Exporter for Sendgrid {
    fn csv(&self) -> bool {
        true
    }

    fn begin(&mut self, out: &mut Out<'_>, _head: &Head) -> io::Result<()> {
        out.row(&["email"])
    }

    fn record(&mut self, out: &mut Out<'_>, e: &Entry<'_>) -> io::Result<Kept> {
        out.row(&[e.address()])?;
        Ok(Kept::Written)
    }
}
