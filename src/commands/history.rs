//! `bouncectl history ADDRESS`: one address's timeline from the state: every
//! delivery (final or pending) with its outcome, reason, diagnostic and
//! source file, where it was suppressed, sends after that (violations), and
//! `unsuppress` actions.
//!
//! `--format json` prints a `bouncectl.history/v1` document: `address`,
//! `status` (`ok`, `at_risk`, `suppressed`, or `unknown` when the state has
//! nothing), `soft_streak`, `suppressed` (`at`, `class`, `reason`, `rule`,
//! `diagnostic`, or `null`), `counts_after` (outcomes up to this time no
//! longer count, after an unsuppress) and `events[]` in time order: deliveries
//! (`event: "delivery"`, `time`, `first_attempt`, `msg_id`, `outcome`,
//! `reason`, `rule` (the classifier rule of a bounce), `stage` (the SMTP
//! command the deciding reply answered: `connect`, `helo`, `mail`, `rcpt`,
//! `data`), `matched` (the rule's words found in the reply), `status_code`,
//! `deferrals`, `diagnostic`, `source`,
//! `suppressed_here`, `violation`) and actions (`event: "unsuppress"`,
//! `time`, `note`) and ESP signals (`event: "signal"`, `time`, `kind`:
//! `complaint`, `unsubscribe` or `esp-suppressed`, `detail`: why the ESP had
//! the address on its list, `host`, `suppressed_here`). With `signal` events
//! `suppressed.class` may be `complaint`, `unsubscribe` or `esp-suppressed`.

use super::{open_state_read_only, Exit, Global, UsageError};
use crate::cli::{HistoryArgs, HistoryFormat};
use crate::output::sanitize;
use crate::parse::timestamp::format_rfc3339;
use crate::state::{AddressEvent, DeliveryRow, History, SignalRow, Stored};
use crate::suppression::{Cause, Status, SIGNAL_ID};
use anyhow::{Context, Result};
use serde::Serialize;
use std::fmt::Write as _;
use std::io::Write;

#[derive(Serialize)]
struct Doc<'a> {
    schema: &'static str,
    address: &'a str,
    status: &'static str,
    soft_streak: u32,
    suppressed: Option<Suppressed<'a>>,
    counts_after: Option<String>,
    events: Vec<Event<'a>>,
}

#[derive(Serialize)]
struct Suppressed<'a> {
    at: String,
    class: &'static str,
    reason: Option<&'a str>,
    rule: Option<&'a str>,
    diagnostic: &'a str,
}

#[derive(Serialize)]
#[serde(tag = "event", rename_all = "lowercase")]
enum Event<'a> {
    Delivery {
        time: String,
        first_attempt: String,
        msg_id: &'a str,
        outcome: &'static str,
        reason: Option<&'a str>,
        rule: Option<&'a str>,
        /// Not known (`null`) for deliveries stored before schema v3.
        stage: Option<&'static str>,
        matched: Option<&'a str>,
        status_code: Option<&'a str>,
        deferrals: u32,
        diagnostic: &'a str,
        source: &'a str,
        suppressed_here: bool,
        violation: bool,
    },
    Unsuppress {
        time: String,
        note: Option<&'a str>,
    },
    Signal {
        time: String,
        kind: &'static str,
        detail: Option<&'a str>,
        host: &'a str,
        suppressed_here: bool,
    },
}

enum Item<'a> {
    Delivery(i64, &'a DeliveryRow),
    Signal(&'a SignalRow),
    Action(&'a AddressEvent),
}

impl Item<'_> {
    fn ts(&self) -> i64 {
        match self {
            Item::Delivery(_, d) => d.ts,
            Item::Signal(s) => s.ts,
            Item::Action(e) => e.ts,
        }
    }

    /// Deliveries, then signals, then actions within one second.
    fn rank(&self) -> u8 {
        match self {
            Item::Delivery(..) => 0,
            Item::Signal(_) => 1,
            Item::Action(_) => 2,
        }
    }
}

pub fn run(args: HistoryArgs, global: &Global) -> Result<Exit> {
    // The state holds the normal form: either spelling of a domain finds it.
    let address = match crate::address::from_user(&args.address) {
        Ok(a) => a.into_owned(),
        Err(why) => {
            return Err(UsageError(format!("`{}` is not an address: {why}", sanitize(&args.address))).into())
        }
    };
    let mut store = open_state_read_only(&super::state_opts(&args.state, global)?)?;
    let history = store.history(&address)?;
    let bytes = match args.format {
        HistoryFormat::Json => json(&address, &history),
        HistoryFormat::Table => table(&address, &history),
    };
    let mut stdout = std::io::stdout().lock();
    stdout
        .write_all(&bytes)
        .and_then(|_| stdout.flush())
        .context("cannot write the history")?;
    if history.deliveries.is_empty()
        && history.events.is_empty()
        && history.signals.is_empty()
        && !global.quiet
    {
        eprintln!(
            "bouncectl: no delivery to {} is in {}",
            sanitize(&address),
            store.location()
        );
    }
    Ok(Exit::Ok)
}

/// Deliveries and actions in one time line (actions after deliveries of the
/// same second).
fn items(h: &History) -> Vec<Item<'_>> {
    let mut items: Vec<Item<'_>> = h
        .deliveries
        .iter()
        .map(|(id, d)| Item::Delivery(*id, d))
        .chain(h.signals.iter().map(Item::Signal))
        .chain(h.events.iter().map(Item::Action))
        .collect();
    items.sort_by_key(|i| (i.ts(), i.rank()));
    items
}

/// Whether the signal is the one that suppressed the address (the first of
/// its kind at the suppression time).
fn signal_suppressed_here(h: &History, s: &SignalRow) -> bool {
    h.record
        .as_ref()
        .filter(|r| r.status == Status::Suppressed)
        .and_then(|r| r.trigger.as_ref())
        .is_some_and(|t| t.id == SIGNAL_ID && t.ts == s.ts && t.class == s.kind)
}

/// Whether the delivery is the suppressing one, or a send after it.
fn marks(h: &History, id: i64, d: &DeliveryRow) -> (bool, bool) {
    let Some(t) = h
        .record
        .as_ref()
        .filter(|r| r.status == Status::Suppressed)
        .and_then(|r| r.trigger.as_ref())
    else {
        return (false, false);
    };
    let here = id == t.id;
    let after = d.outcome != Stored::Pending && (d.ts, id) > (t.ts, t.id) && id != 0;
    (here, after)
}

/// Whether the delivery accepted mail at a later second than the hard
/// bounce that suppressed the address (`suppress --contradicted`).
fn contradicts(h: &History, d: &DeliveryRow) -> bool {
    d.outcome == Stored::Delivered
        && h.record
            .as_ref()
            .filter(|r| r.status == Status::Suppressed)
            .and_then(|r| r.trigger.as_ref())
            .is_some_and(|t| t.class == Cause::Hard && d.ts > t.ts)
}

fn status(h: &History) -> &'static str {
    match &h.record {
        Some(r) => r.status.as_str(),
        None if h.deliveries.is_empty() && h.signals.is_empty() => "unknown",
        None => Status::Ok.as_str(),
    }
}

fn json(address: &str, h: &History) -> Vec<u8> {
    let record = h.record.as_ref();
    let doc = Doc {
        schema: "bouncectl.history/v1",
        address,
        status: status(h),
        soft_streak: record.map_or(0, |r| r.soft_streak),
        suppressed: record
            .filter(|r| r.status == Status::Suppressed)
            .and_then(|r| r.trigger.as_ref())
            .map(|t| Suppressed {
                at: format_rfc3339(t.ts),
                class: t.class.as_str(),
                reason: t.reason.as_deref(),
                rule: t.rule.as_deref(),
                diagnostic: &t.diagnostic,
            }),
        counts_after: record.and_then(|r| r.counts_after).map(format_rfc3339),
        events: items(h)
            .into_iter()
            .map(|item| match item {
                Item::Delivery(id, d) => {
                    let (here, violation) = marks(h, id, d);
                    Event::Delivery {
                        time: format_rfc3339(d.ts),
                        first_attempt: format_rfc3339(d.first_ts),
                        msg_id: &d.msg_id,
                        outcome: d.outcome.as_str(),
                        reason: d.reason.as_deref(),
                        rule: d.rule.as_deref(),
                        stage: d.stage.map(|s| s.as_str()),
                        matched: d.matched.as_deref(),
                        status_code: d.status_code.as_deref(),
                        deferrals: d.deferrals,
                        diagnostic: &d.diagnostic,
                        source: &d.source,
                        suppressed_here: here,
                        violation,
                    }
                }
                Item::Signal(sig) => Event::Signal {
                    time: format_rfc3339(sig.ts),
                    kind: sig.kind.as_str(),
                    detail: sig.detail.as_deref(),
                    host: &sig.host,
                    suppressed_here: signal_suppressed_here(h, sig),
                },
                Item::Action(e) => Event::Unsuppress {
                    time: format_rfc3339(e.ts),
                    note: e.note.as_deref(),
                },
            })
            .collect(),
    };
    let mut out = serde_json::to_vec_pretty(&doc).unwrap_or_default();
    out.push(b'\n');
    out
}

fn cut(text: &str, max: usize) -> String {
    let clean = sanitize(text);
    if clean.chars().count() <= max {
        clean
    } else {
        let mut s: String = clean.chars().take(max.saturating_sub(1)).collect();
        s.push('…');
        s
    }
}

/// `mail.log.1` of `/var/log/mail.log.1`: the column is narrow.
fn base_name(path: &str) -> &str {
    path.rsplit('/').next().unwrap_or(path)
}

fn table(address: &str, h: &History) -> Vec<u8> {
    let mut out = String::new();
    let headline = match h.record.as_ref() {
        Some(r) if r.status == Status::Suppressed => match &r.trigger {
            Some(t) if t.class.is_signal() => format!(
                "suppressed since {} ({}{})",
                format_rfc3339(t.ts),
                t.class.describe(),
                t.reason
                    .as_deref()
                    .map(|r| format!(", listed for: {r}"))
                    .unwrap_or_default()
            ),
            Some(t) => format!(
                "suppressed since {} ({}, {})",
                format_rfc3339(t.ts),
                t.class.describe(),
                t.reason.as_deref().unwrap_or("undefined")
            ),
            None => "suppressed".into(),
        },
        Some(r) if r.status == Status::AtRisk => {
            format!("at risk: {} soft bounce(s) in a row", r.soft_streak)
        }
        _ if h.deliveries.is_empty() && h.signals.is_empty() => "no deliveries in the state".into(),
        _ => "not suppressed".into(),
    };
    let _ = writeln!(out, "{} · {headline}", sanitize(address));
    let _ = writeln!(
        out,
        "{:<20}  {:<9}  {:<13}  {:<22}  {:<7}  {:<20}  {:<14}  {:<16}  diagnostic",
        "time", "outcome", "reason", "rule", "stage", "matched", "message", "source"
    );
    for item in items(h) {
        match item {
            Item::Delivery(id, d) => {
                let (here, violation) = marks(h, id, d);
                let mut outcome = d.outcome.as_str().to_string();
                if d.deferrals > 0 {
                    outcome.push('*');
                }
                let mut diagnostic = cut(&d.diagnostic, 70);
                if here {
                    diagnostic = format!("[suppressed here] {diagnostic}");
                } else if violation && contradicts(h, d) {
                    diagnostic = format!("[delivered after the hard bounce: contradicted] {diagnostic}");
                } else if violation {
                    diagnostic = format!("[sent after suppression] {diagnostic}");
                }
                let _ = writeln!(
                    out,
                    "{:<20}  {:<9}  {:<13}  {:<22}  {:<7}  {:<20}  {:<14}  {:<16}  {}",
                    format_rfc3339(d.ts),
                    outcome,
                    d.reason.as_deref().unwrap_or("-"),
                    cut(d.rule.as_deref().unwrap_or("-"), 22),
                    d.stage.map_or("-", |s| s.as_str()),
                    cut(d.matched.as_deref().unwrap_or("-"), 20),
                    cut(&d.msg_id, 14),
                    cut(base_name(&d.source), 16),
                    diagnostic
                );
            }
            Item::Signal(sig) => {
                let mut text = match &sig.detail {
                    Some(d) => format!("{} (listed for: {})", sig.kind.describe(), cut(d, 40)),
                    None => format!("{} reported by the ESP", sig.kind.describe()),
                };
                if signal_suppressed_here(h, sig) {
                    text = format!("[suppressed here] {text}");
                }
                let _ = writeln!(
                    out,
                    "{:<20}  {:<9}  {:<13}  {:<22}  {:<7}  {:<20}  {:<14}  {:<16}  {}",
                    format_rfc3339(sig.ts),
                    "signal",
                    sig.kind.as_str(),
                    "-",
                    "-",
                    "-",
                    "-",
                    "-",
                    text
                );
            }
            Item::Action(e) => {
                let _ = writeln!(
                    out,
                    "{:<20}  {:<9}  {:<13}  {:<22}  {:<7}  {:<20}  {:<14}  {:<16}  {}",
                    format_rfc3339(e.ts),
                    cut(&e.action, 9),
                    "-",
                    "-",
                    "-",
                    "-",
                    "-",
                    "-",
                    // The last column: a note (a contradiction's names two
                    // times and a rule) is shown whole up to 160 characters.
                    cut(e.note.as_deref().unwrap_or(""), 160)
                );
            }
        }
    }
    if h.deliveries.iter().any(|(_, d)| d.deferrals > 0) {
        let _ = writeln!(out, "* deferred before this outcome");
    }
    out.into_bytes()
}
