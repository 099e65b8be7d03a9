//! Brevo (formerly Sendinblue) transactional webhooks:
//! one JSON object per event. Only `ts_epoch` (milliseconds, UTC) is a
//! reliable time; `blocked` is Brevo's own blocklist (already suppressed),
//! and a `deferred` event can carry a permanent 5xx reply.

use super::{str_at, Doc, EspSays, Failure};
use crate::classify::codes::find_reply_code;
use crate::model::{Class, Reason, SuppressCause};
use crate::parse::{ChunkOutput, LineContext, Skip};
use serde_json::Value;

pub fn parse(bytes: &[u8], ctx: &LineContext) -> ChunkOutput {
    super::parse_events(bytes, ctx, "brevo", event)
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

#[cfg(test)]
mod tests {
    use super::super::testing::check;
    use crate::parse::Format;

    #[test]
    fn events_and_their_quirks() {
        let text = [
            r#"{"event":"delivered","email":"a@example.com","date":"2026-03-02 10:01:01","ts":"1772445661","ts_epoch":"1772442061123","message-id":"<m1@smtp-relay.mailin.fr>"}"#,
            r#"{"event":"hard_bounce","email":"not-a-user@example.com","ts_epoch":1772442062000,"message-id":"<m2@smtp-relay.mailin.fr>","reason":" RecipientError: 550 5.5.0 Requested action not taken: mailbox unavailable"}"#,
            r#"{"event":"soft_bounce","email":"nomx@no-mx.example.com","ts_epoch":"1772442063000","message-id":"<m3@x>","reason":"undefined Unable to find MX of domain no-mx.example.com"}"#,
            r#"{"event":"deferred","email":"notauser@example.com","ts_epoch":"1772442064000","message-id":"<m4@x>","reason":"550 RecipientError: 550 5.1.1 <notauser@example.com>: Recipient address rejected: User unknown"}"#,
            r#"{"event":"deferred","email":"grey@example.com","ts_epoch":"1772442065000","message-id":"<m5@x>","reason":"450 4.2.0 Greylisted, see http://postgrey.schweikert.ch/help/example.com.html"}"#,
            r#"{"event":"blocked","email":"listed@example.com","ts_epoch":"1772442066000","message-id":"<m6@x>","reason":"blocked : due to blacklist user"}"#,
            r#"{"event":"spam","email":"annoyed@example.net","ts_epoch":"1772442067000","message-id":"<m7@x>"}"#,
            r#"{"event":"unsubscribed","email":"bye@example.com","ts_epoch":"1772442068000","message-id":"<m8@x>"}"#,
            r#"{"event":"opened","email":"a@example.com","ts_epoch":"1772442069000"}"#,
        ]
        .join("\n");
        check(
            Format::Brevo,
            &text,
            &[
                ("2026-03-02T09:01:01Z", "sent", "a@example.com"),
                (
                    "2026-03-02T09:01:02Z",
                    "bounced/hard/userunknown esp=hard",
                    "not-a-user@example.com",
                ),
                (
                    "2026-03-02T09:01:03Z",
                    "bounced/soft/undefined esp=soft",
                    "nomx@no-mx.example.com",
                ),
                // Filed as deferred, but the reply is a permanent 550.
                (
                    "2026-03-02T09:01:04Z",
                    "bounced/hard/userunknown",
                    "notauser@example.com",
                ),
                (
                    "2026-03-02T09:01:05Z",
                    "deferred/soft/greylisted",
                    "grey@example.com",
                ),
                ("2026-03-02T09:01:06Z", "suppressed/other", "listed@example.com"),
                ("2026-03-02T09:01:07Z", "complaint", "annoyed@example.net"),
                ("2026-03-02T09:01:08Z", "unsubscribe", "bye@example.com"),
            ],
        );
    }
}
