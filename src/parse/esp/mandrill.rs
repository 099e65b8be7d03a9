//! Mandrill / Mailchimp Transactional: the decoded
//! `mandrill_events` array of a webhook (or the raw form field holding it),
//! message events (`send`, `deferral`, `hard_bounce`, `soft_bounce`,
//! `reject`, `spam`, `unsub`), blacklist sync events, and the rejection
//! blacklist's entries (`email`, `reason`, zone-less `created_at`).

use super::{str_at, Doc, EspSays, Failure};
use crate::model::{Class, Reason, SuppressCause};
use crate::parse::{ChunkOutput, LineContext, Skip};
use serde_json::Value;

pub fn parse(bytes: &[u8], ctx: &LineContext) -> ChunkOutput {
    super::parse_json(bytes, ctx, "mandrill", |doc, v| container(doc, v, 0))
}

fn container(doc: &mut Doc, v: &Value, depth: u32) {
    if depth > 3 {
        return doc.skip(Skip::UnknownForm);
    }
    match v {
        Value::Array(items) => items.iter().for_each(|i| container(doc, i, depth + 1)),
        // `{"mandrill_events": "[...]"}`: the form field, still a JSON string.
        Value::Object(o) if o.contains_key("mandrill_events") => match &o["mandrill_events"] {
            Value::String(s) => match serde_json::from_str::<Value>(s) {
                Ok(inner) => container(doc, &inner, depth + 1),
                Err(_) => doc.skip(Skip::Unrecognized),
            },
            inner => container(doc, inner, depth + 1),
        },
        _ => doc.item(v, event),
    }
}

/// A blacklist entry's reason as a suppression cause. Soft-bounce entries
/// expire by themselves and are not a suppression of the address.
fn cause(reason: &str) -> Option<SuppressCause> {
    match reason {
        "hard-bounce" => Some(SuppressCause::Bounce),
        "spam" => Some(SuppressCause::Complaint),
        "unsub" => Some(SuppressCause::Unsubscribe),
        "soft-bounce" => None,
        _ => Some(SuppressCause::Other),
    }
}

/// The diagnostic of a message event: `msg.diag`, else the last SMTP event's.
fn diag(msg: Option<&Value>) -> String {
    let Some(msg) = msg else { return String::new() };
    if let Some(d) = str_at(msg, &["diag"]).filter(|d| !d.trim().is_empty()) {
        return d.into_owned();
    }
    msg.get("smtp_events")
        .and_then(Value::as_array)
        .and_then(|l| l.iter().rev().find_map(|e| str_at(e, &["diag"])))
        .map(|d| d.into_owned())
        .unwrap_or_default()
}

fn event(doc: &mut Doc, v: &Value) {
    let ts = doc.ts(v.get("ts"));
    // A sync event or a blacklist entry.
    if v.get("event").is_none() {
        let entry = v.get("reject").or_else(|| v.get("entry")).unwrap_or(v);
        let Some(email) = str_at(entry, &["email"]) else {
            return doc.skip(Skip::UnknownForm);
        };
        let list = str_at(v, &["type"]).unwrap_or(std::borrow::Cow::Borrowed("blacklist"));
        let action = str_at(v, &["action"]).unwrap_or(std::borrow::Cow::Borrowed("add"));
        let expired = entry.get("expired").and_then(Value::as_bool) == Some(true);
        if list != "blacklist" || !matches!(action.as_ref(), "add" | "change") || expired {
            return;
        }
        let ts = ts
            .or_else(|| doc.ts(entry.get("last_event_at")))
            .or_else(|| doc.ts(entry.get("created_at")));
        let msg = doc.msg(None);
        if let Some(c) = cause(&str_at(entry, &["reason"]).unwrap_or_default()) {
            doc.suppressed(ts, msg, &email, c);
        }
        return;
    }
    let kind = str_at(v, &["event"]).unwrap_or_default();
    let m = v.get("msg");
    let id = str_at(v, &["_id"]).or_else(|| m.and_then(|m| str_at(m, &["_id"])));
    let msg = doc.msg(id.as_deref());
    let rcpt = m.and_then(|m| str_at(m, &["email"])).unwrap_or_default();
    let description = m
        .and_then(|m| str_at(m, &["bounce_description"]))
        .unwrap_or_default();
    match kind.as_ref() {
        "send" => {
            // `send` means Mandrill handed the message on; it is a delivery
            // only when the SMTP events show the receiver's 250.
            let accepted = m
                .and_then(|m| m.get("smtp_events"))
                .and_then(Value::as_array)
                .is_some_and(|l| {
                    l.iter().any(|e| {
                        str_at(e, &["type"]).as_deref() == Some("sent")
                            || str_at(e, &["diag"]).is_some_and(|d| d.trim_start().starts_with("250"))
                    })
                });
            if accepted {
                doc.delivered(ts, msg, &rcpt);
            }
        }
        "deferral" => {
            let esp = EspSays::fallback(Class::Soft, Reason::Undefined, "mandrill.deferral");
            doc.failed(ts, msg, &rcpt, Failure::deferred(&diag(m), None, esp));
        }
        "hard_bounce" => {
            let reason = match description.as_ref() {
                "bad_mailbox" | "invalid_domain" => Reason::UserUnknown,
                _ => Reason::Undefined,
            };
            let esp = EspSays::label(Class::Hard, reason, "mandrill.hard_bounce");
            doc.failed(ts, msg, &rcpt, Failure::bounced(&diag(m), None, esp));
        }
        "soft_bounce" => {
            let reason = match description.as_ref() {
                "mailbox_full" => Reason::MailboxFull,
                _ => Reason::Undefined,
            };
            let esp = EspSays::label(Class::Soft, reason, "mandrill.soft_bounce");
            doc.failed(ts, msg, &rcpt, Failure::bounced(&diag(m), None, esp));
        }
        // The address is on the rejection blacklist; the reason is there, not here.
        "reject" => doc.suppressed(ts, msg, &rcpt, SuppressCause::Other),
        "spam" => doc.complaint(ts, msg, &rcpt),
        "unsub" => doc.unsubscribe(ts, msg, &rcpt),
        "open" | "click" | "inbound" | "whitelist" | "blacklist" => {}
        _ => doc.skip(Skip::UnknownForm),
    }
}

#[cfg(test)]
mod tests {
    use super::super::testing::check;
    use crate::parse::Format;

    #[test]
    fn message_and_sync_events() {
        let batch = r#"[
 {"event":"send","_id":"i1","ts":1772442000,"msg":{"email":"handed@example.com","state":"sent","smtp_events":[]}},
 {"event":"send","_id":"i2","ts":1772442001,"msg":{"email":"a@example.com","state":"sent","smtp_events":[{"ts":1772442001,"type":"sent","diag":"250 2.0.0 OK"}]}},
 {"event":"deferral","_id":"i3","ts":1772442002,"msg":{"email":"member@example.org","state":"deferred","smtp_events":[{"type":"deferred","diag":"421 4.7.0 [TSS04] Messages from 198.2.180.11 temporarily deferred"}]}},
 {"event":"hard_bounce","_id":"i4","ts":1772442003,"msg":{"email":"old@example.com","state":"bounced","bounce_description":"bad_mailbox","bgtools_code":10,"diag":"smtp;550 5.1.1 <old@example.com>: Recipient address rejected: User unknown"}},
 {"event":"soft_bounce","_id":"i5","ts":1772442004,"msg":{"email":"full@example.com","state":"soft-bounced","bounce_description":"mailbox_full","bgtools_code":22,"diag":""}},
 {"event":"reject","_id":"i6","ts":1772442005,"msg":{"email":"gone@example.com","state":"rejected"}},
 {"event":"spam","_id":"i7","ts":1772442006,"msg":{"email":"annoyed@example.net"}},
 {"event":"unsub","_id":"i8","ts":1772442007,"msg":{"email":"bye@example.com"}},
 {"event":"open","_id":"i9","ts":1772442008,"msg":{"email":"a@example.com"}},
 {"type":"blacklist","action":"add","reject":{"email":"old@example.com","reason":"hard-bounce"},"ts":1772442009},
 {"type":"blacklist","action":"add","reject":{"email":"full@example.com","reason":"soft-bounce"},"ts":1772442010},
 {"type":"blacklist","action":"remove","reject":{"email":"x@example.com","reason":"hard-bounce"},"ts":1772442011},
 {"type":"whitelist","action":"add","entry":{"email":"vip@example.com"},"ts":1772442012}
]"#;
        check(
            Format::Mandrill,
            batch,
            &[
                ("2026-03-02T09:00:01Z", "sent", "a@example.com"),
                (
                    "2026-03-02T09:00:02Z",
                    "deferred/block/badreputation",
                    "member@example.org",
                ),
                (
                    "2026-03-02T09:00:03Z",
                    "bounced/hard/userunknown esp=hard",
                    "old@example.com",
                ),
                (
                    "2026-03-02T09:00:04Z",
                    "bounced/soft/mailboxfull esp=soft",
                    "full@example.com",
                ),
                ("2026-03-02T09:00:05Z", "suppressed/other", "gone@example.com"),
                ("2026-03-02T09:00:06Z", "complaint", "annoyed@example.net"),
                ("2026-03-02T09:00:07Z", "unsubscribe", "bye@example.com"),
                ("2026-03-02T09:00:09Z", "suppressed/bounce", "old@example.com"),
            ],
        );
    }

    #[test]
    fn the_form_field_and_the_rejects_list() {
        let inner = r#"[{"event":"spam","_id":"i7","ts":1772442006,"msg":{"email":"annoyed@example.net"}}]"#;
        let form = serde_json::json!({ "mandrill_events": inner }).to_string();
        check(
            Format::Mandrill,
            &form,
            &[("2026-03-02T09:00:06Z", "complaint", "annoyed@example.net")],
        );
        // Zone-less `created_at`: local time (UTC here).
        let rejects = r#"[{"email":"u@example.com","reason":"unsub","created_at":"2026-03-02 09:01:05","expired":false},
 {"email":"e@example.com","reason":"hard-bounce","created_at":"2026-03-02 09:01:06","expired":true}]"#;
        check(
            Format::Mandrill,
            rejects,
            &[("2026-03-02T09:01:05Z", "suppressed/unsubscribe", "u@example.com")],
        );
    }
}
