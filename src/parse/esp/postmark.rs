//! Postmark: Bounces API pages (`{TotalCount, Bounces}`),
//! webhook bodies one per line (`RecordType` Bounce, Delivery, SpamComplaint,
//! SubscriptionChange). The bounce `Type` (a string; `TypeCode` is not
//! reliable) is the ESP's label. The bounces CSV is read by `csv_generic`.

use super::{str_at, Doc, EspSays, Failure};
use crate::model::{Class, MsgId, Reason, SuppressCause};
use crate::parse::{ChunkOutput, LineContext, Skip};
use serde_json::Value;

pub fn parse(bytes: &[u8], ctx: &LineContext) -> ChunkOutput {
    super::parse_json(bytes, ctx, "postmark", container)
}

fn container(doc: &mut Doc, v: &Value) {
    let list = v
        .as_array()
        .or_else(|| v.get("Bounces").and_then(Value::as_array));
    match list {
        Some(items) => items.iter().for_each(|item| doc.item(item, record)),
        None => doc.item(v, record),
    }
}

/// What a bounce `Type` means for us.
pub enum TypeMeans {
    Bounce(Class, Reason, bool),
    Deferral,
    Complaint,
    Unsubscribe,
    Suppressed,
    Ignore,
}

/// Postmark's bounce types (postmark.js enum) and our reading of each.
pub fn bounce_type(t: &str) -> Option<TypeMeans> {
    use Class::*;
    use TypeMeans::*;
    Some(match t {
        "HardBounce" => Bounce(Hard, Reason::Undefined, true),
        "BadEmailAddress" => Bounce(Hard, Reason::UserUnknown, true),
        "SoftBounce" => Bounce(Soft, Reason::Undefined, true),
        "DnsError" => Bounce(Soft, Reason::NetworkError, true),
        // "Unknown": no opinion, the text decides.
        "Unknown" => Bounce(Soft, Reason::Undefined, false),
        "SpamNotification" => Bounce(Block, Reason::SpamDetected, true),
        "VirusNotification" => Bounce(Block, Reason::VirusDetected, true),
        "Blocked" => Bounce(Block, Reason::Blocked, true),
        "DMARCPolicy" => Bounce(Block, Reason::AuthFailure, true),
        "Transient" => Deferral,
        "SpamComplaint" => Complaint,
        "Unsubscribe" => Unsubscribe,
        "ManuallyDeactivated" => Suppressed,
        "Subscribe"
        | "AutoResponder"
        | "AddressChange"
        | "OpenRelayTest"
        | "ChallengeVerification"
        | "Unconfirmed"
        | "SMTPApiError"
        | "InboundError"
        | "TemplateRenderingFailed" => Ignore,
        _ => return None,
    })
}

fn record(doc: &mut Doc, v: &Value) {
    let kind = str_at(v, &["RecordType"]).unwrap_or(std::borrow::Cow::Borrowed("Bounce"));
    let msg = doc.msg(str_at(v, &["MessageID"]).as_deref());
    match kind.as_ref() {
        "Bounce" => bounce(doc, v, msg),
        "Delivery" => {
            let ts = doc.ts(v.get("DeliveredAt"));
            doc.delivered(ts, msg, &str_at(v, &["Recipient"]).unwrap_or_default());
        }
        "SpamComplaint" => {
            let ts = doc.ts(v.get("BouncedAt"));
            doc.complaint(ts, msg, &str_at(v, &["Email"]).unwrap_or_default());
        }
        "SubscriptionChange" => {
            let ts = doc.ts(v.get("ChangedAt"));
            let rcpt = str_at(v, &["Recipient"]).unwrap_or_default();
            let suppress = v
                .get("SuppressSending")
                .is_some_and(|s| s.as_bool() == Some(true) || s.as_str() == Some("True"));
            if !suppress {
                return; // a resubscribe
            }
            let reason = str_at(v, &["SuppressionReason"]).unwrap_or_default();
            let origin = str_at(v, &["Origin"]).unwrap_or_default();
            match (reason.as_ref(), origin.as_ref()) {
                ("ManualSuppression", "Recipient") => doc.unsubscribe(ts, msg, &rcpt),
                ("HardBounce", _) => doc.suppressed(ts, msg, &rcpt, SuppressCause::Bounce),
                ("SpamComplaint", _) => doc.suppressed(ts, msg, &rcpt, SuppressCause::Complaint),
                _ => doc.suppressed(ts, msg, &rcpt, SuppressCause::Other),
            }
        }
        "Open" | "Click" | "Inbound" => {}
        _ => doc.skip(Skip::UnknownForm),
    }
}

fn bounce(doc: &mut Doc, v: &Value, msg: MsgId) {
    let ts = doc.ts(v.get("BouncedAt"));
    let rcpt = str_at(v, &["Email"]).unwrap_or_default();
    let details = str_at(v, &["Details"]).unwrap_or_default();
    let t = str_at(v, &["Type"]).unwrap_or_default();
    let rule = |t: &str| -> &'static str {
        match t {
            "HardBounce" => "postmark.HardBounce",
            "BadEmailAddress" => "postmark.BadEmailAddress",
            "SoftBounce" => "postmark.SoftBounce",
            "DnsError" => "postmark.DnsError",
            "SpamNotification" => "postmark.SpamNotification",
            "VirusNotification" => "postmark.VirusNotification",
            "Blocked" => "postmark.Blocked",
            "DMARCPolicy" => "postmark.DMARCPolicy",
            "Transient" => "postmark.Transient",
            _ => "postmark.Unknown",
        }
    };
    match bounce_type(&t) {
        Some(TypeMeans::Bounce(class, reason, labelled)) => {
            let esp = if labelled {
                EspSays::label(class, reason, rule(&t))
            } else {
                EspSays::fallback(class, reason, rule(&t))
            };
            doc.failed(ts, msg, &rcpt, Failure::bounced(&details, None, esp));
        }
        Some(TypeMeans::Deferral) => {
            let esp = EspSays::fallback(Class::Soft, Reason::Undefined, rule(&t));
            doc.failed(ts, msg, &rcpt, Failure::deferred(&details, None, esp));
        }
        Some(TypeMeans::Complaint) => doc.complaint(ts, msg, &rcpt),
        // Anymail issue #447: an Unsubscribe bounce may come without `Email`.
        Some(TypeMeans::Unsubscribe) => doc.unsubscribe(ts, msg, &rcpt),
        Some(TypeMeans::Suppressed) => doc.suppressed(ts, msg, &rcpt, SuppressCause::Other),
        Some(TypeMeans::Ignore) => {}
        None => doc.skip(Skip::UnknownForm),
    }
}

#[cfg(test)]
mod tests {
    use super::super::testing::{check, parse};
    use crate::parse::Format;

    #[test]
    fn bounce_types_records_and_pages() {
        let page = r#"{"TotalCount":6,"Bounces":[
 {"RecordType":"Bounce","Type":"HardBounce","TypeCode":1,"MessageID":"u1","Email":"old@example.com","BouncedAt":"2016-04-27T16:28:50.3963933-04:00","Details":"smtp;550 5.1.1 The email account that you tried to reach does not exist."},
 {"RecordType":"Bounce","Type":"Transient","TypeCode":2,"MessageID":"u2","Email":"member@example.org","BouncedAt":"2026-03-02T09:11:02.3100000Z","Details":"smtp;421 4.7.0 [TSS04] Messages from 203.0.113.66 temporarily deferred"},
 {"RecordType":"Bounce","Type":"DnsError","TypeCode":256,"MessageID":"u3","Email":"info@nomx.example.org","BouncedAt":"2026-03-02T09:02:00Z","Details":"DNS lookup failed"},
 {"RecordType":"Bounce","Type":"AutoResponder","TypeCode":64,"MessageID":"u4","Email":"away@example.com","BouncedAt":"2026-03-02T09:09:41Z","Details":"I am out of the office"},
 {"RecordType":"Bounce","Type":"ManuallyDeactivated","TypeCode":100002,"MessageID":"u5","Email":"legal@example.com","BouncedAt":"2026-03-02T09:13:00Z"},
 {"RecordType":"Bounce","Type":"Unsubscribe","TypeCode":16,"MessageID":"u6"}
]}"#;
        check(
            Format::Postmark,
            page,
            &[
                (
                    "2016-04-27T20:28:50Z",
                    "bounced/hard/userunknown esp=hard",
                    "old@example.com",
                ),
                (
                    "2026-03-02T09:11:02Z",
                    "deferred/block/badreputation",
                    "member@example.org",
                ),
                (
                    "2026-03-02T09:02:00Z",
                    "bounced/soft/networkerror esp=soft",
                    "info@nomx.example.org",
                ),
                ("2026-03-02T09:13:00Z", "suppressed/other", "legal@example.com"),
            ],
        );
        // The Unsubscribe without `Email` (anymail issue #447) is counted.
        let out = parse(Format::Postmark, page);
        assert_eq!(out.skipped.unknown_form, 1);
        let text = String::from_utf8_lossy(&out.first_unknown.unwrap().2).into_owned();
        assert!(text.contains("\"Unsubscribe\""), "{text}");
    }

    #[test]
    fn webhook_records() {
        let text = [
            r#"{"RecordType":"Delivery","MessageID":"d1","Recipient":"a@example.com","DeliveredAt":"2026-03-02T09:14:00.8220000Z","Details":"smtp;250 2.0.0 OK"}"#,
            r#"{"RecordType":"SpamComplaint","Type":"SpamComplaint","TypeCode":100001,"MessageID":"d2","Email":"annoyed@example.net","BouncedAt":"2026-03-03T07:02:11Z"}"#,
            r#"{"RecordType":"SubscriptionChange","MessageID":"d3","ChangedAt":"2022-06-05T17:17:32Z","Recipient":"john@example.com","Origin":"Recipient","SuppressSending":true,"SuppressionReason":"ManualSuppression"}"#,
            r#"{"RecordType":"SubscriptionChange","MessageID":"d4","ChangedAt":"2022-06-05T17:17:33Z","Recipient":"jane@example.com","Origin":"Recipient","SuppressSending":true,"SuppressionReason":"HardBounce"}"#,
            r#"{"RecordType":"SubscriptionChange","MessageID":"d5","ChangedAt":"2022-06-05T17:17:34Z","Recipient":"back@example.com","SuppressSending":false}"#,
            r#"{"RecordType":"Open","MessageID":"d6","Recipient":"a@example.com"}"#,
        ]
        .join("\n");
        check(
            Format::Postmark,
            &text,
            &[
                ("2026-03-02T09:14:00Z", "sent", "a@example.com"),
                ("2026-03-03T07:02:11Z", "complaint", "annoyed@example.net"),
                ("2022-06-05T17:17:32Z", "unsubscribe", "john@example.com"),
                ("2022-06-05T17:17:33Z", "suppressed/bounce", "jane@example.com"),
            ],
        );
    }
}
