//! `--format postfix-access`: `address REJECT text` lines for `postmap` (an
//! access(5) map for `check_recipient_access`), under a comment saying how
//! to use it. An address that a map key cannot hold (whitespace, control
//! characters, a leading `#`) is left out and counted.

use super::{Entry, Exporter, Head, Kept, Out};
use crate::parse::timestamp::format_rfc3339;
use std::io;

pub struct PostfixAccess;

/// Whether Postfix's access map can hold the address as a key.
fn access_key_ok(address: &str) -> bool {
    !address.is_empty()
        && !address.starts_with('#')
        && !address.chars().any(|c| c.is_whitespace() || c.is_control())
}

impl Exporter for PostfixAccess {
    fn csv(&self) -> bool {
        false
    }

    fn begin(&mut self, out: &mut Out<'_>, head: &Head) -> io::Result<()> {
        let head = format!(
            "# Suppressed recipients, written by bouncectl on {}.\n\
             # Build with `postmap hash:FILE`; use it on the submission service only\n\
             # (master.cf, port 587: -o smtpd_recipient_restrictions=\n\
             #   check_recipient_access,hash:FILE,permit_sasl_authenticated,reject),\n\
             # never in main.cf, where it would refuse mail to your own mailboxes.\n",
            format_rfc3339(head.now)
        );
        out.raw(head.as_bytes())
    }

    fn record(&mut self, out: &mut Out<'_>, e: &Entry<'_>) -> io::Result<Kept> {
        if !access_key_ok(e.address()) {
            return Ok(Kept::LeftOut);
        }
        let why = match (e.cause(), e.reason()) {
            (Some(c), Some(re)) => format!("{}, {re}", c.describe()),
            (Some(c), None) => c.describe().to_string(),
            _ => "bounced".into(),
        };
        let since = e.since().map(format_rfc3339).unwrap_or_default();
        let line = format!(
            "{} REJECT recipient suppressed by bouncectl ({why}) since {since}",
            e.address()
        );
        let line = format!("{}\n", out.text(&line));
        out.raw(line.as_bytes())?;
        Ok(Kept::Written)
    }

    fn left_out_why(&self) -> &'static str {
        "an access map key cannot hold their characters"
    }
}
