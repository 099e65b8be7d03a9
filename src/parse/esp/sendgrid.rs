//! SendGrid Event Webhook batches: a JSON array of event
//! objects (or one per line). `bounce` with `type` bounce/blocked and
//! `bounce_classification` as the ESP's label; `dropped` for addresses on
//! SendGrid's own lists; `spamreport`, `unsubscribe`, `group_unsubscribe`.
//! The bounces/blocks CSV downloads are read by `csv_generic`.

use super::{str_at, Doc, EspSays, Failure};
use crate::model::{Class, Reason, SuppressCause};
use crate::parse::{ChunkOutput, LineContext, Skip};
use serde_json::Value;

pub fn parse(bytes: &[u8], ctx: &LineContext) -> ChunkOutput {
    super::parse_events(bytes, ctx, "sendgrid", event)
}

/// `sg_message_id` is `<X-Message-Id>.filter...`: the part before the first
/// dot is the id every event of one message shares. Legacy dropped events
/// start with `filter` and have no such part.
fn message_id(v: &Value) -> Option<String> {
    let id = str_at(v, &["sg_message_id"])?;
    match id.split_once('.') {
        Some((head, _)) if !id.starts_with("filter") && !head.is_empty() => Some(head.to_string()),
        _ => Some(id.into_owned()),
    }
}

/// SendGrid's label for a bounce: `bounce_classification` when given (its
/// first word, case-insensitively), else the list it went to.
pub fn bounce_label(classification: Option<&str>, kind: Option<&str>, status: Option<&str>) -> EspSays {
    use Class::*;
    let first = classification
        .and_then(|c| c.split_whitespace().next())
        .map(str::to_ascii_lowercase);
    match first.as_deref() {
        Some("invalid") => EspSays::label(Hard, Reason::UserUnknown, "sendgrid.invalid-address"),
        Some("mailbox") => {
            if status.is_some_and(|s| s.trim() == "5.2.2") {
                EspSays::label(Soft, Reason::MailboxFull, "sendgrid.mailbox-unavailable")
            } else {
                EspSays::label(Hard, Reason::Suspend, "sendgrid.mailbox-unavailable")
            }
        }
        Some("reputation") => EspSays::label(Block, Reason::BadReputation, "sendgrid.reputation"),
        Some("content") => EspSays::label(Block, Reason::ContentError, "sendgrid.content"),
        Some("frequency") => EspSays::label(Block, Reason::Speeding, "sendgrid.frequency"),
        // Technical Failure, Unclassified: no opinion; the text decides.
        Some(_) => match kind {
            Some("blocked") => EspSays::fallback(Block, Reason::Blocked, "sendgrid.blocked"),
            _ => EspSays::fallback(Hard, Reason::Undefined, "sendgrid.bounce"),
        },
        // Older data: the list says it. Bounces suppress, blocks do not.
        None => match kind {
            Some("blocked") => EspSays::label(Block, Reason::Blocked, "sendgrid.blocked"),
            _ => EspSays::label(Hard, Reason::Undefined, "sendgrid.bounce"),
        },
    }
}

fn event(doc: &mut Doc, v: &Value) {
    let Some(kind) = str_at(v, &["event"]) else {
        return doc.skip(Skip::UnknownForm);
    };
    let ts = doc.ts(v.get("timestamp"));
    let msg = doc.msg(message_id(v).as_deref());
    let email = str_at(v, &["email"]).unwrap_or_default();
    let status = str_at(v, &["status"]);
    match kind.as_ref() {
        "delivered" => doc.delivered(ts, msg, &email),
        "deferred" => {
            let text = str_at(v, &["response"]).unwrap_or_default();
            let esp = EspSays::fallback(Class::Soft, Reason::Undefined, "sendgrid.deferred");
            doc.failed(ts, msg, &email, Failure::deferred(&text, status.as_deref(), esp));
        }
        "bounce" => {
            let text = str_at(v, &["reason"]).unwrap_or_default();
            let esp = bounce_label(
                str_at(v, &["bounce_classification"]).as_deref(),
                str_at(v, &["type"]).as_deref(),
                status.as_deref(),
            );
            doc.failed(ts, msg, &email, Failure::bounced(&text, status.as_deref(), esp));
        }
        "dropped" => {
            let reason = str_at(v, &["reason"]).unwrap_or_default().to_ascii_lowercase();
            let cause = match reason.trim() {
                "bounced address" | "invalid" => Some(SuppressCause::Bounce),
                "spam reporting address" => Some(SuppressCause::Complaint),
                "unsubscribed address" => Some(SuppressCause::Unsubscribe),
                // Sender-side refusals (bad SMTPAPI header, spam content,
                // quota): the address is not at fault.
                _ => None,
            };
            if let Some(cause) = cause {
                doc.suppressed(ts, msg, &email, cause);
            }
        }
        "spamreport" => doc.complaint(ts, msg, &email),
        "unsubscribe" | "group_unsubscribe" => doc.unsubscribe(ts, msg, &email),
        "processed" | "open" | "click" | "group_resubscribe" => {}
        _ => doc.skip(Skip::UnknownForm),
    }
}

#[cfg(test)]
mod tests {
    use super::super::testing::check;
    use crate::parse::Format;

    #[test]
    fn events_of_a_batch() {
        let batch = r#"[
  {"email":"a@example.com","timestamp":1772442000,"event":"processed","sg_message_id":"Abc1.filter0001.1.0"},
  {"email":"a@example.com","timestamp":1772442001,"event":"deferred","response":"450 4.2.0 Greylisted, see http://postgrey.schweikert.ch/help/example.com.html","attempt":"1","sg_message_id":"Abc1.filter0001.1.0"},
  {"email":"a@example.com","timestamp":1772442301,"event":"delivered","response":"250 2.0.0 OK","sg_message_id":"Abc1.filter0001.1.0"},
  {"email":"full@example.com","timestamp":1772442302,"event":"bounce","type":"bounce","status":"5.2.2","bounce_classification":"Mailbox Unavailable","reason":"552 5.2.2 Mailbox full","sg_message_id":"Abc2.filter0001.2.0"},
  {"email":"buyer@example.net","timestamp":1772442303,"event":"bounce","type":"bounce","status":"5.7.1","reason":"550 5.7.1 Unfortunately, messages from [198.51.100.120] weren't sent. Please contact your Internet service provider since part of their network is on our block list (S3150).","sg_message_id":"Abc3.filter0001.3.0"},
  {"email":"x@example.com","timestamp":1772442304,"event":"bounce","type":"blocked","status":"5.0.0","reason":"","sg_message_id":"Abc4.f"},
  {"email":"gone@example.com","timestamp":1772442305,"event":"dropped","reason":"Bounced Address","status":"5.0.0","sg_message_id":"filter0099.1.0"},
  {"email":"spammy@example.com","timestamp":1772442306,"event":"dropped","reason":"Spam Content"},
  {"email":"annoyed@example.net","timestamp":1772442307,"event":"spamreport"},
  {"email":"bye@example.com","timestamp":1772442308,"event":"group_unsubscribe","asm_group_id":1},
  {"email":"c@example.com","timestamp":1772442309,"event":"open"},
  {"email":"d@example.com","timestamp":1772442310,"event":"newfangled"}
]"#;
        check(
            Format::SendGrid,
            batch,
            &[
                (
                    "2026-03-02T09:00:01Z",
                    "deferred/soft/greylisted",
                    "a@example.com",
                ),
                ("2026-03-02T09:05:01Z", "sent", "a@example.com"),
                (
                    "2026-03-02T09:05:02Z",
                    "bounced/soft/mailboxfull esp=soft",
                    "full@example.com",
                ),
                // The Bounces list says hard; the reply is Outlook's block.
                (
                    "2026-03-02T09:05:03Z",
                    "bounced/block/blocked esp=hard",
                    "buyer@example.net",
                ),
                // No text: the list it went to decides (status 5.0.0 is "unknown").
                (
                    "2026-03-02T09:05:04Z",
                    "bounced/block/blocked esp=block",
                    "x@example.com",
                ),
                ("2026-03-02T09:05:05Z", "suppressed/bounce", "gone@example.com"),
                ("2026-03-02T09:05:07Z", "complaint", "annoyed@example.net"),
                ("2026-03-02T09:05:08Z", "unsubscribe", "bye@example.com"),
            ],
        );
        let out = super::super::testing::parse(Format::SendGrid, batch);
        assert_eq!(out.skipped.unknown_form, 1);
        assert_eq!(out.first_unknown.map(|f| f.0), Some(12));
    }

    #[test]
    fn message_ids_join_the_events_of_one_message() {
        let v = serde_json::json!({"sg_message_id": "wrfRRvF7Q0GgwUo2CvDmEA.filter0425p1mdw1.13037.57168B4A1D.0"});
        assert_eq!(super::message_id(&v).as_deref(), Some("wrfRRvF7Q0GgwUo2CvDmEA"));
        let v = serde_json::json!({"sg_message_id": "filter0093p1las1.9128.5717FB8127.0"});
        assert_eq!(
            super::message_id(&v).as_deref(),
            Some("filter0093p1las1.9128.5717FB8127.0")
        );
    }
}
