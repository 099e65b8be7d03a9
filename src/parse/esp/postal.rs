//! Postal webhooks: `{event, timestamp, payload, uuid}`,
//! one per line. MessageSent, MessageDelayed (SoftFail), MessageDeliveryFailed
//! (HardFail), MessageHeld (on Postal's suppression list: already
//! suppressed), MessageBounced (an asynchronous DSN without its text).

use super::{str_at, Doc, EspSays, Failure};
use crate::model::{Class, Reason, SuppressCause};
use crate::parse::{ChunkOutput, LineContext, Skip};
use serde_json::Value;

pub fn parse(bytes: &[u8], ctx: &LineContext) -> ChunkOutput {
    super::parse_events(bytes, ctx, "postal", event)
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

#[cfg(test)]
mod tests {
    use super::super::testing::check;
    use crate::parse::Format;

    fn hook(event: &str, status: &str, to: &str, details: &str, output: &str, ts: &str) -> String {
        format!(
            r#"{{"event":"{event}","timestamp":1772449999.5,"uuid":"u","payload":{{"message":{{"id":1,"to":"{to}","message_id":"{to}-id@rp.postal.example.com"}},"status":"{status}","details":"{details}","output":"{output}","timestamp":{ts}}}}}"#
        )
    }

    #[test]
    fn webhook_events() {
        let text = [
            hook("MessageSent", "Sent", "a@example.com", "Message accepted", "250 2.0.0 OK", "1772442047.2"),
            hook("MessageDelayed", "SoftFail", "ops@nomx.example.net", "No SMTP servers were available for nomx.example.net. No hosts to try.", "", "1772442048.2"),
            hook("MessageDeliveryFailed", "HardFail", "listed@example.com", "Permanent SMTP delivery error", "554 5.7.1 Service unavailable; Client host [203.0.113.210] blocked using zen.spamhaus.org", "1772442049.2"),
            hook("MessageHeld", "Held", "gone@example.com", "Recipient (gone@example.com) is on the suppression list (reason: too many hard fails)", "", "1772442050.2"),
            hook("MessageHeld", "Held", "dev@example.com", "Server is in development mode", "", "1772442051.2"),
            r#"{"event":"MessageBounced","timestamp":1772442052.5,"payload":{"original_message":{"id":2,"to":"late@example.com","message_id":"o@rp"},"bounce":{"id":3}}}"#.to_string(),
        ]
        .join("\n");
        check(
            Format::Postal,
            &text,
            &[
                ("2026-03-02T09:00:47Z", "sent", "a@example.com"),
                (
                    "2026-03-02T09:00:48Z",
                    "deferred/soft/undefined",
                    "ops@nomx.example.net",
                ),
                (
                    "2026-03-02T09:00:49Z",
                    "bounced/block/blocked esp=hard",
                    "listed@example.com",
                ),
                ("2026-03-02T09:00:50Z", "suppressed/bounce", "gone@example.com"),
                (
                    "2026-03-02T09:00:52Z",
                    "bounced/hard/undefined",
                    "late@example.com",
                ),
            ],
        );
    }
}
