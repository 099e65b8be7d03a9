//! Postal webhooks (ESP-FORMATS.md §9): `{event, timestamp, payload, uuid}`,
//! one per line. MessageSent, MessageDelayed (SoftFail), MessageDeliveryFailed
//! (HardFail), MessageHeld (on Postal's suppression list: already
//! suppressed), MessageBounced (an asynchronous DSN without its text).

use super::{json_records, str_at, Doc, EspSays, Failure};
use crate::model::{Class, Reason, SuppressCause};
use crate::parse::{ChunkOutput, LineContext, Skip};
use serde_json::Value;

pub fn parse(bytes: &[u8], ctx: &LineContext) -> ChunkOutput {
    let mut doc = Doc::new(bytes, ctx, "postal");
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
    let (Some(kind), Some(payload)) = (str_at(v, &["event"]), v.get("payload")) else {
        return doc.skip(Skip::UnknownForm);
    };
    let ts = doc
        .ts(payload.get("timestamp"))
        .or_else(|| doc.ts(v.get("timestamp")));
    // The bounce shape names the original message (anymail's sample calls
    // it MessageDelayed; Postal sends MessageBounced).
    let bounced = payload.get("original_message").is_some();
    let message = payload.get("message").or_else(|| payload.get("original_message"));
    let rcpt = message.and_then(|m| str_at(m, &["to"])).unwrap_or_default();
    let msg = doc.msg(message.and_then(|m| str_at(m, &["message_id"])).as_deref());
    // `output` is the remote server's reply; `details` Postal's own sentence,
    // used when there was no reply (no MX, connection refused).
    let output = str_at(payload, &["output"]).unwrap_or_default();
    let details = str_at(payload, &["details"]).unwrap_or_default();
    let text = if output.trim().is_empty() {
        &details
    } else {
        &output
    };
    if bounced {
        let esp = EspSays::fallback(Class::Hard, Reason::Undefined, "postal.MessageBounced");
        return doc.failed(ts, msg, &rcpt, Failure::bounced("", None, esp));
    }
    match kind.as_ref() {
        "MessageSent" => doc.delivered(ts, msg, &rcpt),
        "MessageDelayed" => {
            let esp = EspSays::fallback(Class::Soft, Reason::Undefined, "postal.SoftFail");
            doc.failed(ts, msg, &rcpt, Failure::deferred(text, None, esp));
        }
        "MessageDeliveryFailed" => {
            let esp = EspSays::label(Class::Hard, Reason::Undefined, "postal.HardFail");
            doc.failed(ts, msg, &rcpt, Failure::bounced(text, None, esp));
        }
        "MessageHeld" => {
            // Held for other reasons (development mode, send limits) says
            // nothing about the address.
            if details.contains("suppression list") {
                let cause = if details.contains("hard fail") {
                    SuppressCause::Bounce
                } else {
                    SuppressCause::Other
                };
                doc.suppressed(ts, msg, &rcpt, cause);
            }
        }
        "MessageBounced" => {
            let esp = EspSays::fallback(Class::Hard, Reason::Undefined, "postal.MessageBounced");
            doc.failed(ts, msg, &rcpt, Failure::bounced("", None, esp));
        }
        "MessageLinkClicked"
        | "MessageLoaded"
        | "DomainDNSError"
        | "SendLimitApproaching"
        | "SendLimitExceeded" => {}
        _ => doc.skip(Skip::UnknownForm),
    }
}
