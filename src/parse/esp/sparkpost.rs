//! SparkPost events: webhook batches of
//! `{"msys":{"<group>":{event}}}`, Events Search API pages (`results`), and
//! flat events. `bounce_class` (a number, often as a string) is the ESP's
//! label; `policy_rejection` / `generation_rejection` mean SparkPost did not
//! send to a suppressed address.

use super::{str_at, Doc, EspSays, Failure};
use crate::model::{Class, Reason, SuppressCause};
use crate::parse::{ChunkOutput, LineContext, Skip};
use serde_json::Value;

pub fn parse(bytes: &[u8], ctx: &LineContext) -> ChunkOutput {
    super::parse_json(bytes, ctx, "sparkpost", |doc, v| container(doc, v, 0))
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

#[cfg(test)]
mod tests {
    use super::super::testing::{check, parse};
    use crate::parse::Format;

    #[test]
    fn classes_groups_and_timestamps() {
        let batch = r#"[
 {"msys":{"message_event":{"type":"delivery","transmission_id":"t1","rcpt_to":"a@example.com","timestamp":"1772442000"}}},
 {"msys":{"message_event":{"type":"bounce","bounce_class":"10","message_id":"m2","rcpt_to":"old@example.com","raw_rcpt_to":"Old@Example.com","timestamp":1772442001,"error_code":"550","raw_reason":"550 5.1.1 <Old@Example.com>: Recipient address rejected: User unknown","reason":"550 5.1.1 ...@... redacted"}}},
 {"msys":{"message_event":{"type":"bounce","bounce_class":"21","message_id":"m3","rcpt_to":"member@example.org","timestamp":"2026-03-02T09:00:02.000+00:00","raw_reason":"421 4.7.0 [TSS04] Messages from 192.0.2.174 temporarily deferred due to unexpected volume or user complaints"}}},
 {"msys":{"message_event":{"type":"delay","bounce_class":"50","message_id":"m4","rcpt_to":"slow@example.org","timestamp":"1772442003","raw_reason":""}}},
 {"msys":{"message_event":{"type":"bounce","bounce_class":"60","rcpt_to":"away@example.com"}}},
 {"msys":{"message_event":{"type":"policy_rejection","bounce_class":"25","message_id":"m5","rcpt_to":"gone@example.com","timestamp":"1772442004","raw_reason":"554 5.7.1 recipient address was suppressed due to customer policy"}}},
 {"msys":{"gen_event":{"type":"generation_rejection","message_id":"m6","rcpt_to":"sup@example.com","timestamp":"1772442005"}}},
 {"msys":{"message_event":{"type":"spam_complaint","message_id":"m7","rcpt_to":"annoyed@example.net","timestamp":"1772442006"}}},
 {"msys":{"unsubscribe_event":{"type":"link_unsubscribe","message_id":"m8","rcpt_to":"bye@example.com","timestamp":"1772442007"}}},
 {"msys":{"message_event":{"type":"out_of_band","bounce_class":"10","timestamp":"1772442008","raw_reason":"550 5.1.1 <x@example.com>... User unknown"}}},
 {"msys":{}}
]"#;
        check(
            Format::SparkPost,
            batch,
            &[
                ("2026-03-02T09:00:00Z", "sent", "a@example.com"),
                (
                    "2026-03-02T09:00:01Z",
                    "bounced/hard/userunknown esp=hard",
                    "old@example.com",
                ),
                (
                    "2026-03-02T09:00:02Z",
                    "bounced/block/badreputation esp=soft",
                    "member@example.org",
                ),
                (
                    "2026-03-02T09:00:03Z",
                    "deferred/block/blocked",
                    "slow@example.org",
                ),
                ("2026-03-02T09:00:04Z", "suppressed/other", "gone@example.com"),
                ("2026-03-02T09:00:05Z", "suppressed/other", "sup@example.com"),
                ("2026-03-02T09:00:06Z", "complaint", "annoyed@example.net"),
                ("2026-03-02T09:00:07Z", "unsubscribe", "bye@example.com"),
            ],
        );
        // The out-of-band bounce names no recipient: counted, not used.
        assert_eq!(parse(Format::SparkPost, batch).skipped.unknown_form, 1);
        // The Events Search API: flat events in `results`.
        check(
            Format::SparkPost,
            r#"{"results":[{"type":"delivery","message_id":"m1","rcpt_to":"a@example.com","timestamp":"2026-03-02T09:00:00.000Z"}],"links":[]}"#,
            &[("2026-03-02T09:00:00Z", "sent", "a@example.com")],
        );
    }
}
