//! `bouncectl suppress`: the suppression list, exported from the state (after
//! analyzing the logs given, if any) in our formats and in the import formats
//! of the ESPs (`shared/corpus/esp/ESP-FORMATS.md`).
//!
//! - `csv`: header `address,class,reason,first_seen,last_seen,bounces,diagnostic,rule`;
//!   `first_seen`/`last_seen` are the first and last hard or soft bounce (RFC
//!   3339 UTC), `bounces` their number, `rule` the classifier rule of the
//!   bounce that suppressed the address (empty for a signal such as a
//!   complaint, or when that bounce was pruned); with `--include-at-risk`
//!   at-risk addresses follow with class `soft` and their last bounce. The
//!   new column is the last one, so that readers by position keep working.
//! - `txt`: one address per line.
//! - `json`: `{"schema": "bouncectl.suppression/v1", "suppressions": [{address,
//!   status (suppressed | at_risk), class, reason, rule, status_code,
//!   suppressed_at, first_seen, last_seen, bounces, soft_streak, diagnostic}]}`.
//!
//! With `--contradicted` every format lists only the addresses suppressed by
//! a hard bounce that have a delivery stored after it; csv adds the columns
//! `bounced_at,delivered_at` (the suppressing bounce, the first delivery
//! after it) and json the fields `bounced_at` and `delivered_at`. The ESP
//! formats and the access map keep their exact layout (their importers take
//! no other column).
//! - `postfix-access`: `address REJECT text` lines for `postmap` (an access(5)
//!   map for `check_recipient_access`); addresses that a map key cannot hold
//!   (whitespace, control characters, a leading `#`) are left out and counted.
//! - `ses`: Amazon SES import CSV, no header: `address,BOUNCE` (`COMPLAINT`
//!   for an address suppressed by a spam complaint).
//! - `sendgrid`: a one-column CSV with header `email` (unsubscribe upload;
//!   SendGrid takes no bounce imports).
//! - `mailgun`: bounces import `address,code,error,created_at` (SMTP code,
//!   550 when unknown; the reply text; RFC 2822 date).
//! - `postmark`: `{"Suppressions":[{"EmailAddress": ...}]}` for the
//!   Suppressions API.
//! - `sparkpost`: `recipient,type,description`, one row per type
//!   (`non_transactional`, `transactional`).
//!
//! Every CSV cell that begins with `=`, `+`, `-`, `@`, a tab or a carriage
//! return is prefixed with `'`, so that a spreadsheet shows it as text
//! instead of running it as a formula (a recipient address comes from
//! outside and may be crafted).

use super::analyze::{analyze_into_state, Job};
use super::{load_classifier, open_state, parse_since, Exit, Global, UsageError};
use crate::aggregate::Settings;
use crate::cli::{SuppressArgs, SuppressFormat};
use crate::input::Source;
use crate::output;
use crate::parse::timestamp::{civil_from_days, format_rfc3339};
use crate::pipeline::ReadOptions;
use crate::state::sqlite::SqliteStore;
use crate::state::{AddressRecord, Contradiction, Store};
use crate::suppression::{Cause, Status};
use anyhow::{Context, Result};
use serde::Serialize;
use std::borrow::Cow;
use std::collections::BTreeMap;
use std::io::Write;

pub fn run(args: SuppressArgs, global: &Global) -> Result<Exit> {
    if let Some(out) = &args.out {
        output::check_writable(out)?;
    }
    if args.include_at_risk
        && !matches!(
            args.format,
            SuppressFormat::Csv | SuppressFormat::Txt | SuppressFormat::Json
        )
    {
        return Err(UsageError(
            "--include-at-risk lists addresses that are not suppressed: it applies to csv, txt and json \
             only (an access map or ESP import would block them)"
                .into(),
        )
        .into());
    }
    let since = args
        .since
        .as_deref()
        .map(|s| parse_since(s, global.now))
        .transpose()?;
    let state = super::state_opts(&args.state, global)?;
    let mut had_errors = false;
    let mut store: Box<dyn Store> = if args.inputs.is_empty() {
        if args.no_state {
            return Err(UsageError(
                "--no-state keeps no list: give log files to analyze, or drop --no-state to export the state"
                    .into(),
            )
            .into());
        }
        if args.incremental {
            return Err(UsageError("--incremental needs log files to read".into()).into());
        }
        super::open_state_read_only(&state)?
    } else {
        let host = super::host_name(args.host.as_deref())?;
        let mut store: Box<dyn Store> = if args.no_state {
            Box::new(SqliteStore::in_memory()?)
        } else {
            open_state(&state, true)?
        };
        let sources: Vec<Source> = args.inputs.iter().map(|p| Source::from_arg(p)).collect();
        if sources.iter().filter(|s| **s == Source::Stdin).count() > 1 {
            return Err(UsageError("standard input (-) can be read only once".into()).into());
        }
        if args.incremental && sources.contains(&Source::Stdin) {
            return Err(UsageError("standard input cannot be read incrementally".into()).into());
        }
        let a = &args.analysis;
        let opts = ReadOptions {
            threads: global.threads,
            year: a.year,
            strict: a.strict,
            progress: !global.quiet,
            now: global.now,
            classifier: load_classifier(a.rules.as_deref())?,
            tz: jiff::tz::TimeZone::system(),
            chunk_size: global.chunk_size,
            format: super::analyze::input_format(a.input_format),
            columns: None,
        };
        let settings = Settings {
            include_local: a.include_local,
            include_notifications: a.include_notifications,
            promote_after: a.promote_after,
            ..Settings::default()
        };
        let job = Job {
            command: "suppress",
            incremental: args.incremental,
            now: global.now,
            quiet: global.quiet,
            host,
        };
        had_errors = analyze_into_state(store.as_mut(), &sources, &opts, settings, &job)?.had_errors;
        store
    };
    let mut list = store.list(since, args.include_at_risk)?;
    let contradicted = if args.contradicted {
        let found = store.contradicted()?;
        list.retain(|r| r.status == Status::Suppressed && found.iter().any(|c| c.address == r.address));
        Some(found)
    } else {
        None
    };
    let by_address: Option<BTreeMap<&str, &Contradiction>> = contradicted
        .as_ref()
        .map(|found| found.iter().map(|c| (c.address.as_str(), c)).collect());
    let (bytes, left_out) = render_with(args.format, &list, by_address.as_ref(), global.now);
    match &args.out {
        Some(path) => output::write_atomic(path, &bytes, Some(0o600))?,
        None => {
            let mut stdout = std::io::stdout().lock();
            stdout
                .write_all(&bytes)
                .and_then(|_| stdout.flush())
                .context("cannot write the list")?;
        }
    }
    if !global.quiet {
        let suppressed = list.iter().filter(|r| r.status == Status::Suppressed).count();
        let at_risk = list.len() - suppressed;
        let mut line = if args.contradicted {
            format!(
                "bouncectl: {suppressed} suppressed addresses contradicted by a later delivery{}",
                if suppressed > 0 {
                    " (`bouncectl unsuppress --contradicted` takes them off)"
                } else {
                    ""
                }
            )
        } else {
            format!("bouncectl: {suppressed} suppressed addresses")
        };
        if args.include_at_risk {
            line.push_str(&format!(" and {at_risk} at risk"));
        }
        if let Some(path) = &args.out {
            line.push_str(&format!(" written to {}", path.display()));
        }
        if left_out > 0 {
            line.push_str(&format!(
                "; {left_out} left out (an access map key cannot hold their characters)"
            ));
        }
        eprintln!("{}", output::sanitize(&line));
    }
    Ok(if had_errors { Exit::Error } else { Exit::Ok })
}

/// A CSV cell safe to open in a spreadsheet (see the module doc).
pub fn csv_cell(s: &str) -> Cow<'_, str> {
    match s.chars().next() {
        Some('=' | '+' | '-' | '@' | '\t' | '\r') => Cow::Owned(format!("'{s}")),
        _ => Cow::Borrowed(s),
    }
}

/// One line of text: line breaks and control characters become spaces.
fn one_line(s: &str) -> String {
    s.chars().map(|c| if c.is_control() { ' ' } else { c }).collect()
}

fn rfc3339(ts: Option<i64>) -> String {
    ts.map(format_rfc3339).unwrap_or_default()
}

/// `Mon, 02 Mar 2026 09:00:03 UTC` (RFC 2822, as Mailgun's imports take).
pub fn rfc2822(ts: i64) -> String {
    const DAYS: [&str; 7] = ["Thu", "Fri", "Sat", "Sun", "Mon", "Tue", "Wed"];
    const MONTHS: [&str; 12] = [
        "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
    ];
    let days = ts.div_euclid(86_400);
    let secs = ts.rem_euclid(86_400);
    let (y, m, d) = civil_from_days(days);
    format!(
        "{}, {:02} {} {} {:02}:{:02}:{:02} UTC",
        DAYS[days.rem_euclid(7) as usize],
        d,
        MONTHS[(m as usize).saturating_sub(1).min(11)],
        y,
        secs / 3600,
        secs / 60 % 60,
        secs % 60
    )
}

fn csv_writer(out: &mut Vec<u8>) -> csv::Writer<&mut Vec<u8>> {
    csv::WriterBuilder::new()
        .terminator(csv::Terminator::Any(b'\n'))
        .from_writer(out)
}

fn write_rows<'a>(out: &mut Vec<u8>, rows: impl IntoIterator<Item = Vec<Cow<'a, str>>>) {
    let mut w = csv_writer(out);
    for row in rows {
        let cells: Vec<Cow<'_, str>> = row.iter().map(|c| csv_cell(c)).collect();
        // Writing into memory cannot fail.
        let _ = w.write_record(cells.iter().map(|c| c.as_bytes()));
    }
    let _ = w.flush();
}

#[derive(Serialize)]
struct JsonList<'a> {
    schema: &'static str,
    generated: String,
    suppressions: Vec<JsonEntry<'a>>,
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

/// Whether Postfix's access map can hold the address as a key.
fn access_key_ok(address: &str) -> bool {
    !address.is_empty()
        && !address.starts_with('#')
        && !address.chars().any(|c| c.is_whitespace() || c.is_control())
}

/// Renders the list; returns the bytes and how many addresses the format
/// could not hold.
pub fn render(format: SuppressFormat, list: &[AddressRecord], now: i64) -> (Vec<u8>, usize) {
    render_with(format, list, None, now)
}

/// [`render`]; with `contradicted` (the `--contradicted` list, by address)
/// csv and json also give each address's bounce and later delivery times.
pub fn render_with(
    format: SuppressFormat,
    list: &[AddressRecord],
    contradicted: Option<&BTreeMap<&str, &Contradiction>>,
    now: i64,
) -> (Vec<u8>, usize) {
    let mut out = Vec::new();
    let found = |r: &AddressRecord| contradicted.and_then(|m| m.get(r.address.as_str()).copied());
    fn rule_of<'a>(r: &'a AddressRecord, c: Option<&'a Contradiction>) -> Option<&'a str> {
        r.trigger
            .as_ref()
            .and_then(|t| t.rule.as_deref())
            .or_else(|| c.and_then(|c| c.rule.as_deref()))
    }
    let mut left_out = 0;
    let class = |r: &AddressRecord| r.trigger.as_ref().map(|t| t.class.as_str());
    fn reason(r: &AddressRecord) -> Option<&str> {
        r.trigger.as_ref().and_then(|t| t.reason.as_deref())
    }
    let diagnostic = |r: &AddressRecord| {
        r.trigger
            .as_ref()
            .map_or(String::new(), |t| one_line(&t.diagnostic))
    };
    let suppressed = || list.iter().filter(|r| r.status == Status::Suppressed);
    match format {
        SuppressFormat::Csv => {
            let mut header = vec![
                "address",
                "class",
                "reason",
                "first_seen",
                "last_seen",
                "bounces",
                "diagnostic",
                "rule",
            ];
            if contradicted.is_some() {
                header.extend(["bounced_at", "delivered_at"]);
            }
            let rows = std::iter::once(header.iter().map(|h| Cow::Borrowed(*h)).collect()).chain(
                list.iter().map(|r| {
                    let mut row = vec![
                        Cow::Borrowed(r.address.as_str()),
                        Cow::Borrowed(class(r).unwrap_or("")),
                        Cow::Borrowed(reason(r).unwrap_or("")),
                        Cow::Owned(rfc3339(r.first_seen)),
                        Cow::Owned(rfc3339(r.last_seen)),
                        Cow::Owned(r.bounces.to_string()),
                        Cow::Owned(diagnostic(r)),
                        Cow::Borrowed(rule_of(r, found(r)).unwrap_or("")),
                    ];
                    if contradicted.is_some() {
                        let c = found(r);
                        row.push(Cow::Owned(rfc3339(c.map(|c| c.bounce_ts))));
                        row.push(Cow::Owned(rfc3339(c.map(|c| c.delivered_ts))));
                    }
                    row
                }),
            );
            write_rows(&mut out, rows);
        }
        SuppressFormat::Txt => {
            for r in list {
                out.extend_from_slice(one_line(&r.address).as_bytes());
                out.push(b'\n');
            }
        }
        SuppressFormat::Json => {
            let doc = JsonList {
                schema: "bouncectl.suppression/v1",
                generated: format_rfc3339(now),
                suppressions: list
                    .iter()
                    .map(|r| JsonEntry {
                        address: &r.address,
                        status: r.status.as_str(),
                        class: class(r),
                        reason: reason(r),
                        rule: rule_of(r, found(r)),
                        status_code: r.trigger.as_ref().and_then(|t| t.status_code.as_deref()),
                        suppressed_at: (r.status == Status::Suppressed)
                            .then(|| r.trigger.as_ref().map(|t| format_rfc3339(t.ts)))
                            .flatten(),
                        first_seen: r.first_seen.map(format_rfc3339),
                        last_seen: r.last_seen.map(format_rfc3339),
                        bounces: r.bounces,
                        soft_streak: r.soft_streak,
                        diagnostic: r.trigger.as_ref().map(|t| t.diagnostic.as_str()),
                        bounced_at: found(r).map(|c| format_rfc3339(c.bounce_ts)),
                        delivered_at: found(r).map(|c| format_rfc3339(c.delivered_ts)),
                    })
                    .collect(),
            };
            out = serde_json::to_vec_pretty(&doc).unwrap_or_default();
            out.push(b'\n');
        }
        SuppressFormat::PostfixAccess => {
            out.extend_from_slice(
                format!(
                    "# Suppressed recipients, written by bouncectl on {}.\n\
                     # Build with `postmap hash:FILE`, use with\n\
                     #   smtpd_recipient_restrictions = check_recipient_access hash:FILE, ...\n",
                    format_rfc3339(now)
                )
                .as_bytes(),
            );
            for r in suppressed() {
                if !access_key_ok(&r.address) {
                    left_out += 1;
                    continue;
                }
                let cause = r.trigger.as_ref().map(|t| t.class);
                let why = match (cause, reason(r)) {
                    (Some(c), Some(re)) => format!("{}, {re}", c.describe()),
                    (Some(c), None) => c.describe().to_string(),
                    _ => "bounced".into(),
                };
                let since = r
                    .trigger
                    .as_ref()
                    .map(|t| format_rfc3339(t.ts))
                    .unwrap_or_default();
                out.extend_from_slice(
                    format!(
                        "{} REJECT recipient suppressed by bouncectl ({why}) since {since}\n",
                        r.address
                    )
                    .as_bytes(),
                );
            }
        }
        SuppressFormat::Ses => {
            write_rows(
                &mut out,
                suppressed().map(|r| {
                    // SES takes BOUNCE or COMPLAINT.
                    let why = match r.trigger.as_ref().map(|t| t.class) {
                        Some(Cause::Complaint) => "COMPLAINT",
                        _ => "BOUNCE",
                    };
                    vec![Cow::Borrowed(r.address.as_str()), Cow::Borrowed(why)]
                }),
            );
        }
        SuppressFormat::Sendgrid => {
            write_rows(
                &mut out,
                std::iter::once(vec![Cow::Borrowed("email")])
                    .chain(suppressed().map(|r| vec![Cow::Borrowed(r.address.as_str())])),
            );
        }
        SuppressFormat::Mailgun => {
            let header = ["address", "code", "error", "created_at"];
            write_rows(
                &mut out,
                std::iter::once(header.iter().map(|h| Cow::Borrowed(*h)).collect()).chain(suppressed().map(
                    |r| {
                        let t = r.trigger.as_ref();
                        let text = t.map_or(String::new(), |t| {
                            one_line(&String::from_utf8_lossy(
                                crate::parse::postfix::reply_for_display(t.diagnostic.as_bytes()),
                            ))
                        });
                        let code = t
                            .and_then(|t| crate::classify::codes::find_reply_code(t.diagnostic.as_bytes()))
                            .filter(|c| (500..600).contains(c))
                            .unwrap_or(550);
                        vec![
                            Cow::Borrowed(r.address.as_str()),
                            Cow::Owned(code.to_string()),
                            Cow::Owned(text),
                            Cow::Owned(t.map(|t| rfc2822(t.ts)).unwrap_or_default()),
                        ]
                    },
                )),
            );
        }
        SuppressFormat::Postmark => {
            #[derive(Serialize)]
            struct Entry<'a> {
                #[serde(rename = "EmailAddress")]
                email: &'a str,
            }
            #[derive(Serialize)]
            struct Body<'a> {
                #[serde(rename = "Suppressions")]
                suppressions: Vec<Entry<'a>>,
            }
            let body = Body {
                suppressions: suppressed().map(|r| Entry { email: &r.address }).collect(),
            };
            out = serde_json::to_vec_pretty(&body).unwrap_or_default();
            out.push(b'\n');
        }
        SuppressFormat::Sparkpost => {
            let header = ["recipient", "type", "description"];
            let rows = suppressed().flat_map(|r| {
                let cause = r.trigger.as_ref().map(|t| t.class);
                let description = match (cause, reason(r)) {
                    (Some(c), Some(re)) => format!("bouncectl: {} ({re})", c.describe()),
                    (Some(c), None) if c.is_signal() => format!("bouncectl: {}", c.describe()),
                    _ => "bouncectl: bounced".into(),
                };
                ["non_transactional", "transactional"].map(|kind| {
                    vec![
                        Cow::Borrowed(r.address.as_str()),
                        Cow::Borrowed(kind),
                        Cow::Owned(description.clone()),
                    ]
                })
            });
            write_rows(
                &mut out,
                std::iter::once(header.iter().map(|h| Cow::Borrowed(*h)).collect()).chain(rows),
            );
        }
    }
    (out, left_out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::suppression::Trigger;

    fn rec(address: &str, status: Status) -> AddressRecord {
        AddressRecord {
            address: address.into(),
            status,
            soft_streak: if status == Status::AtRisk { 1 } else { 0 },
            trigger: Some(Trigger {
                id: 1,
                ts: 1_772_442_003,
                class: Cause::Hard,
                reason: Some("userunknown".into()),
                rule: Some("userunknown.rcpt".into()),
                status_code: Some("5.1.1".into()),
                diagnostic:
                    "host mx[192.0.2.1] said: 550 5.1.1 <x>: no such user\n(in reply to RCPT TO command)"
                        .into(),
            }),
            suppressed_run: Some(1),
            first_seen: Some(1_772_442_003),
            last_seen: Some(1_772_442_003),
            bounces: 1,
            counts_after: None,
        }
    }

    #[test]
    fn formula_cells_are_escaped() {
        assert_eq!(csv_cell("=cmd|'/C calc'!A0@x.com"), "'=cmd|'/C calc'!A0@x.com");
        for c in ["+1", "-1", "@x", "\tx", "\rx"] {
            assert!(csv_cell(c).starts_with('\''), "{c}");
        }
        assert_eq!(csv_cell("plain@x.com"), "plain@x.com");
    }

    #[test]
    fn rfc2822_dates() {
        assert_eq!(rfc2822(1_772_442_003), "Mon, 02 Mar 2026 09:00:03 UTC");
        assert_eq!(rfc2822(0), "Thu, 01 Jan 1970 00:00:00 UTC");
    }

    #[test]
    fn esp_formats_follow_their_import_samples() {
        let list = vec![
            rec("gone@example.com", Status::Suppressed),
            rec("=evil@x.com", Status::Suppressed),
        ];
        let text = |f| String::from_utf8(render(f, &list, 0).0).unwrap();
        assert_eq!(
            text(SuppressFormat::Ses),
            "gone@example.com,BOUNCE\n'=evil@x.com,BOUNCE\n"
        );
        assert_eq!(
            text(SuppressFormat::Sendgrid),
            "email\ngone@example.com\n'=evil@x.com\n"
        );
        assert!(text(SuppressFormat::Mailgun).starts_with(
            "address,code,error,created_at\ngone@example.com,550,550 5.1.1 <x>: no such user (in reply to RCPT TO command),\"Mon, 02 Mar 2026 09:00:03 UTC\"\n"
        ));
        let pm: serde_json::Value = serde_json::from_str(&text(SuppressFormat::Postmark)).unwrap();
        assert_eq!(pm["Suppressions"][0]["EmailAddress"], "gone@example.com");
        let sp = text(SuppressFormat::Sparkpost);
        assert!(sp.starts_with("recipient,type,description\ngone@example.com,non_transactional,bouncectl: hard bounce (userunknown)\ngone@example.com,transactional,"), "{sp}");
    }

    #[test]
    fn access_map_leaves_out_keys_it_cannot_hold() {
        let list = vec![
            rec("a@example.com", Status::Suppressed),
            rec("has space@x", Status::Suppressed),
        ];
        let (bytes, left_out) = render(SuppressFormat::PostfixAccess, &list, 0);
        let text = String::from_utf8(bytes).unwrap();
        assert_eq!(left_out, 1);
        assert!(text.contains(
            "\na@example.com REJECT recipient suppressed by bouncectl (hard bounce, userunknown) since 2026-03-02T09:00:03Z\n"
        ));
        assert!(!text.contains("has space"));
    }
}
