//! Recording a run: a [`Sink`] that writes every delivery and deferral the
//! correlator decides into the store, and passes it on to the aggregator
//! that makes the report. ESP signals (complaints, unsubscribes, the ESP's
//! refusals to send to an address on its own list) are stored too. A store
//! error stops the recording (the run is then rolled back), never the
//! reading.

use super::{DeferralRow, DeliveryRow, SignalRow, StateError, Store, Stored};
use crate::correlate::{Delivery, Sink};
use crate::model::{Attempt, Class, MsgId, Outcome, Scope, SuppressCause};
use crate::suppression::Cause;

pub struct Recorder<'s, S> {
    store: &'s mut dyn Store,
    run: i64,
    host: String,
    /// Input names by index (this run's inputs, then names of inputs that
    /// restored in-flight messages came from).
    sources: Vec<String>,
    pub inner: S,
    error: Option<StateError>,
    pub finals: u64,
}

impl<'s, S: Sink> Recorder<'s, S> {
    pub fn new(store: &'s mut dyn Store, run: i64, host: &str, sources: Vec<String>, inner: S) -> Self {
        Recorder {
            store,
            run,
            host: host.into(),
            sources,
            inner,
            error: None,
            finals: 0,
        }
    }

    /// The index of a source name, adding it if new.
    pub fn source_index(&mut self, name: &str) -> usize {
        match self.sources.iter().position(|s| s == name) {
            Some(i) => i,
            None => {
                self.sources.push(name.into());
                self.sources.len() - 1
            }
        }
    }

    pub fn source_name(&self, index: usize) -> &str {
        self.sources.get(index).map_or("-", String::as_str)
    }

    /// The first store error, if any, and the wrapped sink.
    pub fn finish(self) -> (Option<StateError>, S) {
        (self.error, self.inner)
    }

    fn signal(&mut self, rcpt: &str, kind: Cause, ts: i64, detail: Option<&str>) {
        if self.error.is_none() {
            let row = SignalRow {
                host: self.host.clone(),
                address: rcpt.to_lowercase(),
                kind,
                ts,
                detail: detail.map(String::from),
            };
            let r = self.store.record_signal(self.run, &row);
            self.keep(r);
        }
    }

    fn keep(&mut self, r: Result<(), StateError>) {
        if let Err(e) = r {
            self.error.get_or_insert(e);
        }
    }
}

impl<S: Sink> Sink for Recorder<'_, S> {
    fn delivery(&mut self, d: Delivery<'_>) {
        if self.error.is_none() {
            let row = DeliveryRow {
                host: self.host.clone(),
                msg_id: d.msg.as_str().into(),
                rcpt: d.rcpt.into(),
                ts: d.ts,
                first_ts: d.first_ts,
                outcome: match d.outcome {
                    Outcome::Delivered => Stored::Delivered,
                    Outcome::Bounced(c) => Stored::Bounced(c),
                    Outcome::Pending => Stored::Pending,
                },
                reason: d.reason.map(|r| r.as_str().into()),
                rule: d.rule.map(String::from),
                stage: d.stage,
                matched: d.matched.map(String::from),
                status_code: d.status_code.map(String::from),
                diagnostic: d.diagnostic.into(),
                deferrals: d.deferrals,
                local: d.scope == Scope::Local,
                notification: d.notification,
                sender: d.sender.map(String::from),
                relay: d.relay.map(String::from),
                source: self.source_name(d.source).into(),
            };
            let r = if d.outcome == Outcome::Pending {
                self.store.record_pending(self.run, &row)
            } else {
                self.finals += 1;
                self.store.record_final(self.run, &row)
            };
            self.keep(r);
        }
        self.inner.delivery(d);
    }

    fn deferral(&mut self, attempt: &Attempt, ts: i64, notification: bool) {
        self.inner.deferral(attempt, ts, notification);
    }

    fn esp_label(&mut self, d: &Delivery<'_>, label: Class) {
        self.inner.esp_label(d, label);
    }

    fn esp_suppressed(&mut self, rcpt: &str, cause: SuppressCause, ts: i64) {
        self.signal(rcpt, Cause::Esp, ts, Some(cause.as_str()));
        self.inner.esp_suppressed(rcpt, cause, ts);
    }

    fn complaint(&mut self, rcpt: &str, ts: i64) {
        self.signal(rcpt, Cause::Complaint, ts, None);
        self.inner.complaint(rcpt, ts);
    }

    fn unsubscribe(&mut self, rcpt: &str, ts: i64) {
        self.signal(rcpt, Cause::Unsubscribe, ts, None);
        self.inner.unsubscribe(rcpt, ts);
    }

    fn deferral_in(&mut self, msg: MsgId, attempt: &Attempt, ts: i64, notification: bool, source: usize) {
        if self.error.is_none() {
            let verdict = attempt.verdict;
            let row = DeferralRow {
                host: self.host.clone(),
                msg_id: msg.as_str().into(),
                rcpt: attempt.rcpt().into(),
                ts,
                class: verdict.map(|v| v.class),
                reason: verdict.map(|v| v.reason.as_str().into()),
                rule: verdict.map(|v| v.rule.into()),
                cause: verdict.and_then(|v| v.deferral).map(|c| c.as_str().into()),
                status_code: attempt.status_code().map(String::from),
                diagnostic: attempt.diagnostic().into(),
                local: attempt.scope == Scope::Local,
                notification,
                relay: attempt.relay().map(String::from),
                source: self.source_name(source).into(),
            };
            let r = self.store.record_deferral(self.run, &row);
            self.keep(r);
        }
        self.inner.deferral_in(msg, attempt, ts, notification, source);
    }
}
