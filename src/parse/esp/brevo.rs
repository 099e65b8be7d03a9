//! Brevo (formerly Sendinblue) transactional webhooks (ESP-FORMATS.md §8):
//! one JSON object per event. Only `ts_epoch` (milliseconds, UTC) is a
//! reliable time; `blocked` is Brevo's own blocklist (already suppressed),
//! and a `deferred` event can carry a permanent 5xx reply.

use super::{json_records, str_at, Doc, EspSays, Failure};
use crate::classify::codes::find_reply_code;
use crate::model::{Class, Reason, SuppressCause};
use crate::parse::{ChunkOutput, LineContext, Skip};
use serde_json::Value;

pub fn parse(bytes: &[u8], ctx: &LineContext) -> ChunkOutput {
    let mut doc = Doc::new(bytes, ctx, "brevo");
    for (line, record) in json_records(bytes) {
        doc.record(line);
        match record {
            Ok(Value::Array(items)) => items.iter().for_each(|e| doc.item(e, event)),
            Ok(v) => doc.item(&v, event),
            Err(_) => doc.skip(Skip::Unrecognized),
        }
    }
    doc.finish()
}

fn event(doc: &mut Doc, v: &Value) {
    let Some(kind) = str_at(v, &["event"]) else {
        return doc.skip(Skip::UnknownForm);
    };
    // `ts_epoch` is UTC milliseconds; `ts_event`/`ts` could not be tied to
    // UTC by anymail, and `date` is in the account's zone: last resorts.
    let ts = doc
        .ts(v.get("ts_epoch"))
        .or_else(|| doc.ts(v.get("ts_event")))
        .or_else(|| doc.ts(v.get("ts")))
        .or_else(|| doc.ts(v.get("date")));
    let msg = doc.msg(str_at(v, &["message-id"]).as_deref());
    let rcpt = str_at(v, &["email"]).unwrap_or_default();
    let reason = str_at(v, &["reason"]).unwrap_or_default();
    let reason = reason.trim();
    use Class::*;
    match kind.as_ref() {
        "delivered" => doc.delivered(ts, msg, &rcpt),
        "hard_bounce" => {
            let esp = EspSays::label(Hard, Reason::Undefined, "brevo.hard_bounce");
            doc.failed(ts, msg, &rcpt, Failure::bounced(reason, None, esp));
        }
        "soft_bounce" => {
            let esp = EspSays::label(Soft, Reason::Undefined, "brevo.soft_bounce");
            doc.failed(ts, msg, &rcpt, Failure::bounced(reason, None, esp));
        }
        "invalid_email" => {
            let esp = EspSays::label(Hard, Reason::UserUnknown, "brevo.invalid_email");
            doc.failed(ts, msg, &rcpt, Failure::bounced(reason, None, esp));
        }
        "deferred" => {
            // Brevo files some permanent refusals as deferred (a 550 5.1.1):
            // a 5xx reply ends the delivery.
            let permanent = find_reply_code(super::reply_text(reason).as_bytes()).is_some_and(|c| c >= 500);
            let esp = EspSays::fallback(Soft, Reason::Undefined, "brevo.deferred");
            let failure = if permanent {
                Failure::bounced(reason, None, esp)
            } else {
                Failure::deferred(reason, None, esp)
            };
            doc.failed(ts, msg, &rcpt, failure);
        }
        "blocked" => doc.suppressed(ts, msg, &rcpt, SuppressCause::Other),
        "spam" | "complaint" => doc.complaint(ts, msg, &rcpt),
        "unsubscribe" | "unsubscribed" => doc.unsubscribe(ts, msg, &rcpt),
        "request" | "sent" | "error" | "opened" | "unique_opened" | "proxy_open" | "click"
        | "unique_proxy_open" => {}
        _ => doc.skip(Skip::UnknownForm),
    }
}
