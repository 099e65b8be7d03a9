//! SparkPost events (ESP-FORMATS.md §5): webhook batches of
//! `{"msys":{"<group>":{event}}}`, Events Search API pages (`results`), and
//! flat events. `bounce_class` (a number, often as a string) is the ESP's
//! label; `policy_rejection` / `generation_rejection` mean SparkPost did not
//! send to a suppressed address.

use super::{json_records, str_at, Doc, EspSays, Failure};
use crate::model::{Class, Reason, SuppressCause};
use crate::parse::{ChunkOutput, LineContext, Skip};
use serde_json::Value;

pub fn parse(bytes: &[u8], ctx: &LineContext) -> ChunkOutput {
    let mut doc = Doc::new(bytes, ctx, "sparkpost");
    for (line, record) in json_records(bytes) {
        doc.record(line);
        match record {
            Ok(v) => container(&mut doc, &v, 0),
            Err(_) => doc.skip(Skip::Unrecognized),
        }
    }
    doc.finish()
}

fn container(doc: &mut Doc, v: &Value, depth: u32) {
    if depth > 3 {
        return doc.skip(Skip::UnknownForm);
    }
    if let Some(items) = v.as_array() {
        return items.iter().for_each(|i| container(doc, i, depth + 1));
    }
    if let Some(items) = v.get("results").and_then(Value::as_array) {
        return items.iter().for_each(|i| container(doc, i, depth + 1));
    }
    match v.get("msys").and_then(Value::as_object) {
        // A ping batch is `{"msys":{}}`.
        Some(groups) => groups.values().for_each(|e| doc.item(e, event)),
        None => doc.item(v, event),
    }
}

/// What a SparkPost bounce class means.
pub enum ClassMeans {
    Bounce(EspSays),
    Unsubscribe,
    Suppressed,
    Ignore,
}

/// The bounce classification table of SparkPost's support docs.
pub fn bounce_class(class: Option<u32>) -> ClassMeans {
    use ClassMeans::*;
    let l = |c: Class, r: Reason| Bounce(EspSays::label(c, r, "sparkpost.bounce_class"));
    match class {
        Some(10) => l(Class::Hard, Reason::UserUnknown),
        Some(30) => l(Class::Hard, Reason::Undefined),
        Some(20 | 40 | 70) => l(Class::Soft, Reason::Undefined),
        Some(21) => l(Class::Soft, Reason::NetworkError),
        Some(22) => l(Class::Soft, Reason::MailboxFull),
        Some(23) => l(Class::Soft, Reason::MesgTooBig),
        Some(24) => l(Class::Soft, Reason::Expired),
        Some(50) => l(Class::Block, Reason::Blocked),
        Some(51) => l(Class::Block, Reason::BadReputation),
        Some(52) => l(Class::Block, Reason::SpamDetected),
        Some(53) => l(Class::Block, Reason::ContentError),
        Some(54) => l(Class::Block, Reason::NoRelaying),
        Some(90) => Unsubscribe,
        // Admin Failure: SparkPost's own policy refused the send.
        Some(25) => Suppressed,
        // Auto-reply, challenge-response, subscribe: no bounce.
        Some(60 | 100 | 80) => Ignore,
        // Undetermined (1) or unknown: no opinion, the text decides.
        _ => Bounce(EspSays::fallback(
            Class::Soft,
            Reason::Undefined,
            "sparkpost.undetermined",
        )),
    }
}

fn class_of(v: &Value) -> Option<u32> {
    str_at(v, &["bounce_class"]).and_then(|c| c.trim().parse().ok())
}

fn event(doc: &mut Doc, v: &Value) {
    let Some(kind) = str_at(v, &["type"]) else {
        return doc.skip(Skip::UnknownForm);
    };
    let ts = doc.ts(v.get("timestamp"));
    let id = str_at(v, &["message_id"]).or_else(|| str_at(v, &["transmission_id"]));
    let msg = doc.msg(id.as_deref());
    let rcpt = str_at(v, &["rcpt_to"])
        .or_else(|| str_at(v, &["raw_rcpt_to"]))
        .unwrap_or_default();
    // `raw_reason` is the remote text; `reason` has addresses and IPs redacted.
    let text = str_at(v, &["raw_reason"])
        .or_else(|| str_at(v, &["reason"]))
        .unwrap_or_default();
    match kind.as_ref() {
        "delivery" => doc.delivered(ts, msg, &rcpt),
        "delay" => {
            let esp = match bounce_class(class_of(v)) {
                ClassMeans::Bounce(esp) => EspSays { label: None, ..esp },
                _ => EspSays::fallback(Class::Soft, Reason::Undefined, "sparkpost.delay"),
            };
            doc.failed(ts, msg, &rcpt, Failure::deferred(&text, None, esp));
        }
        "bounce" | "out_of_band" => match bounce_class(class_of(v)) {
            ClassMeans::Bounce(esp) => doc.failed(ts, msg, &rcpt, Failure::bounced(&text, None, esp)),
            ClassMeans::Unsubscribe => doc.unsubscribe(ts, msg, &rcpt),
            ClassMeans::Suppressed => doc.suppressed(ts, msg, &rcpt, SuppressCause::Other),
            ClassMeans::Ignore => {}
        },
        "policy_rejection" | "generation_rejection" => doc.suppressed(ts, msg, &rcpt, SuppressCause::Other),
        "spam_complaint" => doc.complaint(ts, msg, &rcpt),
        "list_unsubscribe" | "link_unsubscribe" => doc.unsubscribe(ts, msg, &rcpt),
        "injection" | "open" | "initial_open" | "click" | "generation_failure" | "amp_open"
        | "amp_initial_open" | "amp_click" | "sms_status" => {}
        k if k.starts_with("relay_") => {}
        _ => doc.skip(Skip::UnknownForm),
    }
}
