//! A report replayed from the state, without reading logs: stored
//! deliveries and deferrals go, in time order, through the same aggregator
//! `analyze` uses; the suppression numbers are the state's.

use crate::aggregate::report::Report;
use crate::aggregate::{Aggregator, Settings};
use crate::correlate::{intern_rule, Delivery, Sink};
use crate::model::{Attempt, AttemptParts, AttemptStatus, Deferral, MsgId, Outcome, Reason, Scope, Verdict};
use crate::state::{CountsQuery, Replayed, ScopeFilter, Store, Stored};
use anyhow::Result;

/// The report of everything stored from `since` on.
pub fn from_state(store: &mut dyn Store, settings: Settings, since: Option<i64>) -> Result<Report> {
    let scope = ScopeFilter {
        include_local: settings.include_local,
        include_notifications: settings.include_notifications,
    };
    let mut aggregator = Aggregator::new(settings);
    let mut first: Option<i64> = None;
    let mut last: Option<i64> = None;
    let unknown = MsgId::new(b"?");
    store.replay(since, &mut |item| {
        let ts = match &item {
            Replayed::Delivery(d) => d.ts,
            Replayed::Deferral(d) => d.ts,
        };
        first = Some(first.map_or(ts, |f| f.min(ts)));
        last = Some(last.map_or(ts, |l| l.max(ts)));
        match item {
            Replayed::Delivery(d) => {
                let Some(msg) = MsgId::new(d.msg_id.as_bytes()).or(unknown) else {
                    return;
                };
                aggregator.delivery(Delivery {
                    msg,
                    rcpt: &d.rcpt,
                    sender: d.sender.as_deref(),
                    outcome: match d.outcome {
                        Stored::Delivered => Outcome::Delivered,
                        Stored::Bounced(c) => Outcome::Bounced(c),
                        Stored::Pending => Outcome::Pending,
                    },
                    reason: d.reason.as_deref().and_then(Reason::parse),
                    rule: d.rule.as_deref().map(intern_rule),
                    stage: d.stage,
                    matched: d.matched.as_deref().map(intern_rule),
                    status_code: d.status_code.as_deref(),
                    diagnostic: &d.diagnostic,
                    deferrals: d.deferrals,
                    first_ts: d.first_ts,
                    ts: d.ts,
                    scope: if d.local { Scope::Local } else { Scope::Outbound },
                    notification: d.notification,
                    relay: d.relay.as_deref(),
                    source: 0,
                });
            }
            Replayed::Deferral(d) => {
                let verdict = match (d.class, d.reason.as_deref().and_then(Reason::parse)) {
                    (Some(class), Some(reason)) => Some(Verdict::new(
                        class,
                        reason,
                        intern_rule(d.rule.as_deref().unwrap_or("")),
                        d.cause.as_deref().and_then(Deferral::parse),
                    )),
                    _ => None,
                };
                let attempt = Attempt::new(AttemptParts {
                    rcpt: &d.rcpt,
                    status: AttemptStatus::Deferred,
                    scope: if d.local { Scope::Local } else { Scope::Outbound },
                    relay: d.relay.as_deref().map(str::as_bytes),
                    diagnostic: d.diagnostic.as_bytes(),
                    verdict,
                    status_code: d.status_code.as_deref(),
                });
                aggregator.deferral(&attempt, d.ts, d.notification);
            }
        }
    })?;
    let counts = store.counts(&CountsQuery {
        run: None,
        since,
        seen_only: false,
        scope,
    })?;
    let mut report = aggregator.finish(Vec::new(), first, last);
    report.suppression = super::state_suppression(&counts);
    Ok(report)
}
