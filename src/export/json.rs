//! `--format json`: `{"schema": "bouncectl.suppression/v1", "generated":
//! ..., "suppressions": [{address, status (suppressed | at_risk), class,
//! reason, rule, status_code, suppressed_at, first_seen, last_seen, bounces,
//! soft_streak, diagnostic}]}`; with `--contradicted` each entry adds
//! `bounced_at` and `delivered_at`. Streamed, and byte for byte the document
//! `serde_json`'s pretty printer writes in one piece ([`Array`], which
//! `postmark` shares).

use super::{Entry, Exporter, Head, Kept, Out};
use crate::parse::timestamp::format_rfc3339;
use serde::Serialize;
use std::io;

#[derive(Default)]
pub struct Json {
    array: Array,
}

#[derive(Serialize)]
struct JsonEntry<'a> {
    address: &'a str,
    status: &'static str,
    class: Option<&'static str>,
    reason: Option<&'a str>,
    rule: Option<&'a str>,
    status_code: Option<&'a str>,
    suppressed_at: Option<String>,
    first_seen: Option<String>,
    last_seen: Option<String>,
    bounces: u64,
    soft_streak: u32,
    diagnostic: Option<&'a str>,
    /// With `--contradicted`: the suppressing hard bounce and the first
    /// delivery after it.
    #[serde(skip_serializing_if = "Option::is_none")]
    bounced_at: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    delivered_at: Option<String>,
}

impl Exporter for Json {
    fn csv(&self) -> bool {
        false
    }

    fn lists_at_risk(&self) -> bool {
        true
    }

    fn begin(&mut self, out: &mut Out<'_>, head: &Head) -> io::Result<()> {
        let head = format!(
            "{{\n  \"schema\": \"bouncectl.suppression/v1\",\n  \"generated\": \"{}\",\n  \"suppressions\": [",
            format_rfc3339(head.now)
        );
        out.raw(head.as_bytes())
    }

    fn record(&mut self, out: &mut Out<'_>, e: &Entry<'_>) -> io::Result<Kept> {
        let r = e.record;
        let found = e.contradiction;
        let entry = JsonEntry {
            address: e.address(),
            status: r.status.as_str(),
            class: e.class(),
            reason: e.reason(),
            rule: e.rule(),
            status_code: r.trigger.as_ref().and_then(|t| t.status_code.as_deref()),
            suppressed_at: e.suppressed().then(|| e.since().map(format_rfc3339)).flatten(),
            first_seen: r.first_seen.map(format_rfc3339),
            last_seen: r.last_seen.map(format_rfc3339),
            bounces: r.bounces,
            soft_streak: r.soft_streak,
            diagnostic: e.diagnostic(),
            bounced_at: found.map(|c| format_rfc3339(c.bounce_ts)),
            delivered_at: found.map(|c| format_rfc3339(c.delivered_ts)),
        };
        self.array.entry(out, &entry)?;
        Ok(Kept::Written)
    }

    fn end(&mut self, out: &mut Out<'_>) -> io::Result<()> {
        self.array.close(out)
    }
}

/// The entries of a JSON array that the header opened, indented as
/// `serde_json`'s pretty printer indents a whole document (one level in),
/// and the end of the document.
#[derive(Default)]
pub struct Array {
    /// Entries written: a comma before the next one.
    entries: u64,
}

impl Array {
    pub fn entry(&mut self, out: &mut Out<'_>, entry: &impl Serialize) -> io::Result<()> {
        let text = out.json(serde_json::to_string_pretty(entry)?);
        let mut block = String::with_capacity(text.len() + 64);
        block.push_str(if self.entries == 0 { "\n" } else { ",\n" });
        for (i, line) in text.lines().enumerate() {
            if i > 0 {
                block.push('\n');
            }
            block.push_str("    ");
            block.push_str(line);
        }
        self.entries += 1;
        out.raw(block.as_bytes())
    }

    /// Closes the array and the document around it.
    pub fn close(&self, out: &mut Out<'_>) -> io::Result<()> {
        out.raw(if self.entries == 0 {
            b"]\n}\n"
        } else {
            b"\n  ]\n}\n"
        })
    }
}
