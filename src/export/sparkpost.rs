//! `--format sparkpost`: SparkPost's suppression upload,
//! `recipient,type,description`, one row per type (`non_transactional`,
//! `transactional`), every address byte for byte.

use super::{Entry, Exporter, Head, Kept, Out};
use std::io;

pub struct Sparkpost;

impl Exporter for Sparkpost {
    fn csv(&self) -> bool {
        true
    }

    fn begin(&mut self, out: &mut Out<'_>, _head: &Head) -> io::Result<()> {
        out.row(&["recipient", "type", "description"])
    }

    fn record(&mut self, out: &mut Out<'_>, e: &Entry<'_>) -> io::Result<Kept> {
        let description = match (e.cause(), e.reason()) {
            (Some(c), Some(re)) => format!("bouncectl: {} ({re})", c.describe()),
            (Some(c), None) if c.is_signal() => format!("bouncectl: {}", c.describe()),
            _ => "bouncectl: bounced".into(),
        };
        for kind in ["non_transactional", "transactional"] {
            out.row(&[e.address(), kind, &description])?;
        }
        Ok(Kept::Written)
    }
}
