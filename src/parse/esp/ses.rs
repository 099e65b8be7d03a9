//! Amazon SES event records: one per line as Firehose/S3
//! writes them, a JSON array, SNS envelopes whose `Message` is the record as
//! a JSON string (decoded twice), and Lambda's `Records[].Sns`. Both
//! dialects: `notificationType` (feedback notifications) and `eventType`
//! (event publishing).

use super::{at, str_at, Doc, EspSays, Failure};
use crate::model::{Class, Reason, SuppressCause};
use crate::parse::{ChunkOutput, LineContext, Skip};
use serde_json::Value;

/// Containers nest at most this deep (array of envelopes of records).
const MAX_DEPTH: u32 = 4;

pub fn parse(bytes: &[u8], ctx: &LineContext) -> ChunkOutput {
    super::parse_json(bytes, ctx, "ses", |doc, v| container(doc, v, None, 0))
}

/// Arrays, Lambda `Records`, SNS envelopes, or a bare SES record.
fn container(doc: &mut Doc, v: &Value, sns_ts: Option<i64>, depth: u32) {
    if depth > MAX_DEPTH {
        return doc.skip(Skip::UnknownForm);
    }
    if let Some(items) = v.as_array() {
        return items
            .iter()
            .for_each(|item| container(doc, item, sns_ts, depth + 1));
    }
    if let Some(records) = v.get("Records").and_then(Value::as_array) {
        for r in records {
            match r.get("Sns") {
                Some(sns) => container(doc, sns, sns_ts, depth + 1),
                None => doc.skip(Skip::UnknownForm),
            }
        }
        return;
    }
    if v.get("TopicArn").is_some() || (v.get("Type").is_some() && v.get("Message").is_some()) {
        let ts = doc.ts(v.get("Timestamp")).or(sns_ts);
        match str_at(v, &["Type"]).as_deref() {
            Some("Notification") => match v.get("Message") {
                Some(Value::String(message)) => match serde_json::from_str::<Value>(message) {
                    Ok(inner) => container(doc, &inner, ts, depth + 1),
                    // "Successfully validated SNS topic for Amazon SES event publishing."
                    Err(_) if message.starts_with("Successfully validated") => {}
                    Err(_) => doc.skip(Skip::Unrecognized),
                },
                Some(inner @ Value::Object(_)) => container(doc, inner, ts, depth + 1),
                _ => doc.skip(Skip::UnknownForm),
            },
            // Subscription handshakes carry no mail event.
            Some("SubscriptionConfirmation" | "UnsubscribeConfirmation" | "UnsubscriptionConfirmation") => {}
            _ => doc.skip(Skip::UnknownForm),
        }
        return;
    }
    doc.item(v, |doc, v| record(doc, v, sns_ts));
}

/// The recipients of a list of `{emailAddress, ...}` objects (or plain strings).
fn recipients(list: Option<&Value>) -> Vec<&Value> {
    list.and_then(Value::as_array)
        .map(|l| l.iter().collect())
        .unwrap_or_default()
}

fn email_of(r: &Value) -> Option<&str> {
    r.as_str()
        .or_else(|| r.get("emailAddress").and_then(Value::as_str))
}

fn record(doc: &mut Doc, v: &Value, sns_ts: Option<i64>) {
    let kind = str_at(v, &["eventType"]).or_else(|| str_at(v, &["notificationType"]));
    let Some(kind) = kind else {
        return doc.skip(Skip::UnknownForm);
    };
    let msg = doc.msg(str_at(v, &["mail", "messageId"]).as_deref());
    // The event's own time; the SNS envelope's; the send time as a last resort.
    let time_of = |doc: &Doc, object: &str| {
        doc.ts(at(v, &[object, "timestamp"]))
            .or(sns_ts)
            .or_else(|| doc.ts(at(v, &["mail", "timestamp"])))
    };
    match kind.as_ref() {
        "Bounce" => bounce(doc, v, msg, time_of(doc, "bounce")),
        "Complaint" => {
            let ts = time_of(doc, "complaint");
            // The complaint of an address already on the account list: SES
            // did not send.
            let refused =
                str_at(v, &["complaint", "complaintSubType"]).as_deref() == Some("OnAccountSuppressionList");
            let list = recipients(at(v, &["complaint", "complainedRecipients"]));
            if list.is_empty() {
                return doc.skip(Skip::UnknownForm);
            }
            for r in list {
                let rcpt = email_of(r).unwrap_or("");
                if refused {
                    doc.suppressed(ts, msg, rcpt, SuppressCause::Complaint);
                } else {
                    doc.complaint(ts, msg, rcpt);
                }
            }
        }
        "Delivery" => {
            let ts = time_of(doc, "delivery");
            let list = recipients(at(v, &["delivery", "recipients"]));
            if list.is_empty() {
                return doc.skip(Skip::UnknownForm);
            }
            for r in list {
                doc.delivered(ts, msg, email_of(r).unwrap_or(""));
            }
        }
        "DeliveryDelay" => {
            let ts = time_of(doc, "deliveryDelay");
            let esp = delay_type(
                str_at(v, &["deliveryDelay", "delayType"])
                    .as_deref()
                    .unwrap_or(""),
            );
            let list = recipients(at(v, &["deliveryDelay", "delayedRecipients"]));
            if list.is_empty() {
                return doc.skip(Skip::UnknownForm);
            }
            for r in list {
                let text = str_at(r, &["diagnosticCode"]).unwrap_or_default();
                let status = str_at(r, &["status"]);
                doc.failed(
                    ts,
                    msg,
                    email_of(r).unwrap_or(""),
                    Failure::deferred(&text, status.as_deref(), esp),
                );
            }
        }
        // The whole message was refused before sending (a virus): every
        // destination fails, for a message-side reason that never suppresses.
        "Reject" => {
            let ts = time_of(doc, "reject");
            let reason = str_at(v, &["reject", "reason"]).unwrap_or_default();
            let esp = EspSays::label(Class::Block, Reason::VirusDetected, "ses.Reject");
            let list = recipients(at(v, &["mail", "destination"]));
            if list.is_empty() {
                return doc.skip(Skip::UnknownForm);
            }
            for r in list {
                doc.failed(
                    ts,
                    msg,
                    email_of(r).unwrap_or(""),
                    Failure::bounced(&reason, None, esp),
                );
            }
        }
        "Subscription" => {
            let ts = time_of(doc, "subscription");
            let prefs = at(v, &["subscription", "newTopicPreferences"]);
            let all = prefs
                .and_then(|p| p.get("unsubscribeAll"))
                .and_then(Value::as_bool)
                == Some(true);
            let opted_out = prefs
                .and_then(|p| p.get("topicSubscriptionStatus"))
                .and_then(Value::as_array)
                .is_some_and(|l| {
                    l.iter()
                        .any(|t| str_at(t, &["subscriptionStatus"]).as_deref() == Some("OptOut"))
                });
            if all || opted_out {
                for r in recipients(at(v, &["mail", "destination"])) {
                    doc.unsubscribe(ts, msg, email_of(r).unwrap_or(""));
                }
            }
        }
        // Engagement, sends, rendering failures, inbound mail: nothing to count.
        "Send" | "Open" | "Click" | "Rendering Failure" | "Received" | "AmazonSnsSubscriptionSucceeded" => {}
        _ => doc.skip(Skip::UnknownForm),
    }
}

fn bounce(doc: &mut Doc, v: &Value, msg: crate::model::MsgId, ts: Option<i64>) {
    let kind = str_at(v, &["bounce", "bounceType"])
        .unwrap_or_default()
        .to_ascii_lowercase();
    let sub = str_at(v, &["bounce", "bounceSubType"])
        .unwrap_or_default()
        .to_ascii_lowercase();
    let list = recipients(at(v, &["bounce", "bouncedRecipients"]));
    if list.is_empty() {
        return doc.skip(Skip::UnknownForm);
    }
    // SES refused to send to an address on a suppression list: not a bounce.
    let refused = match sub.as_str() {
        "onaccountsuppressionlist" => Some(SuppressCause::Other),
        // The legacy global list: "a recent history of bouncing".
        "suppressed" => Some(SuppressCause::Bounce),
        _ => None,
    };
    if let Some(cause) = refused {
        for r in list {
            doc.suppressed(ts, msg, email_of(r).unwrap_or(""), cause);
        }
        return;
    }
    use Class::*;
    let esp = match (kind.as_str(), sub.as_str()) {
        ("permanent", "noemail") => EspSays::label(Hard, Reason::UserUnknown, "ses.Permanent.NoEmail"),
        ("permanent", _) => EspSays::label(Hard, Reason::Undefined, "ses.Permanent"),
        ("transient", "mailboxfull") => {
            EspSays::label(Soft, Reason::MailboxFull, "ses.Transient.MailboxFull")
        }
        ("transient", "messagetoolarge") => {
            EspSays::label(Soft, Reason::MesgTooBig, "ses.Transient.MessageTooLarge")
        }
        ("transient", "contentrejected") => {
            EspSays::label(Block, Reason::ContentError, "ses.Transient.ContentRejected")
        }
        ("transient", "attachmentrejected") => {
            EspSays::label(Block, Reason::ContentError, "ses.Transient.AttachmentRejected")
        }
        ("transient", _) => EspSays::label(Soft, Reason::Undefined, "ses.Transient"),
        _ => EspSays::fallback(Soft, Reason::Undefined, "ses.Undetermined"),
    };
    for r in list {
        let text = str_at(r, &["diagnosticCode"]).unwrap_or_default();
        let status = str_at(r, &["status"]);
        // Transient/General without a DSN is how SES passes on an
        // out-of-office auto-reply: no bounce at all.
        if kind == "transient" && sub == "general" && text.trim().is_empty() && status.is_none() {
            continue;
        }
        let failure = if str_at(r, &["action"]).is_some_and(|a| a.eq_ignore_ascii_case("delayed")) {
            Failure::deferred(&text, status.as_deref(), esp)
        } else {
            Failure::bounced(&text, status.as_deref(), esp)
        };
        doc.failed(ts, msg, email_of(r).unwrap_or(""), failure);
    }
}

/// `deliveryDelay.delayType`: what SES says when the reply does not.
fn delay_type(t: &str) -> EspSays {
    let (class, reason) = match t {
        "MailboxFull" => (Class::Soft, Reason::MailboxFull),
        // Sender-side: our IP or content (a block hint on a deferral).
        "IPFailure" => (Class::Block, Reason::Blocked),
        "SpamDetected" => (Class::Block, Reason::SpamDetected),
        "TransientCommunicationFailure" | "BYOIPHostNameLookupUnavailable" => {
            (Class::Soft, Reason::NetworkError)
        }
        "RecipientServerError" => (Class::Soft, Reason::SystemError),
        "SendingDeferral" => (Class::Block, Reason::Speeding),
        _ => (Class::Soft, Reason::Undefined),
    };
    EspSays::fallback(class, reason, "ses.DeliveryDelay")
}

#[cfg(test)]
mod tests {
    use super::super::testing::{check, parse};
    use crate::parse::Format;

    const MAIL: &str = r#""mail":{"timestamp":"2026-03-02T08:59:00.000Z","messageId":"0102018e1f3a2b01-5d6e7f87-4c1d-9e2f-a1b2c3d40001-000000","destination":["a@example.com","b@example.com","c@example.com"]}"#;

    #[test]
    fn bounces_fan_out_per_recipient_and_delayed_ones_are_deferrals() {
        let line = format!(
            r#"{{"notificationType":"Bounce","bounce":{{"bounceType":"Permanent","bounceSubType":"General","timestamp":"2026-03-02T09:00:01.500Z","bouncedRecipients":[{{"emailAddress":"John <A@Example.com>","status":"5.1.1","action":"failed","diagnosticCode":"smtp; 550 5.1.1 <a@example.com>: Recipient address rejected: User unknown"}},{{"emailAddress":"b@example.com","status":"4.0.0","action":"delayed"}}]}},{MAIL}}}"#
        );
        check(
            Format::Ses,
            &line,
            &[
                (
                    "2026-03-02T09:00:01Z",
                    "bounced/hard/userunknown esp=hard",
                    "a@example.com",
                ),
                ("2026-03-02T09:00:01Z", "deferred/soft/undefined", "b@example.com"),
            ],
        );
    }

    #[test]
    fn our_classifier_overrides_ses_for_sender_blocks() {
        let line = format!(
            r#"{{"eventType":"Bounce","bounce":{{"bounceType":"Permanent","bounceSubType":"General","timestamp":"2026-03-02T09:01:12.512Z","bouncedRecipients":[{{"emailAddress":"buyer@example.net","status":"5.7.1","diagnosticCode":"smtp; 550 5.7.1 Unfortunately, messages from [203.0.113.45] weren't sent. Please contact your Internet service provider since part of their network is on our block list (S3150)."}}]}},{MAIL}}}"#
        );
        check(
            Format::Ses,
            &line,
            &[(
                "2026-03-02T09:01:12Z",
                "bounced/block/blocked esp=hard",
                "buyer@example.net",
            )],
        );
        // Without a DSN, SES's own word decides.
        let line = format!(
            r#"{{"notificationType":"Bounce","bounce":{{"bounceType":"Transient","bounceSubType":"MailboxFull","timestamp":"2026-03-02T09:02:00Z","bouncedRecipients":[{{"emailAddress":"full@example.com"}}]}},{MAIL}}}"#
        );
        check(
            Format::Ses,
            &line,
            &[(
                "2026-03-02T09:02:00Z",
                "bounced/soft/mailboxfull esp=soft",
                "full@example.com",
            )],
        );
    }

    #[test]
    fn suppression_list_refusals_auto_replies_and_other_records() {
        let text = [
            format!(r#"{{"eventType":"Bounce","bounce":{{"bounceType":"Permanent","bounceSubType":"OnAccountSuppressionList","timestamp":"2026-03-02T09:03:00Z","bouncedRecipients":[{{"emailAddress":"gone@example.com","status":"5.1.1","diagnosticCode":"Amazon SES did not send the message to this address because it is on the suppression list for your account."}}]}},{MAIL}}}"#),
            format!(r#"{{"notificationType":"Bounce","bounce":{{"bounceType":"Permanent","bounceSubType":"Suppressed","timestamp":"2026-03-02T09:03:01Z","bouncedRecipients":[{{"emailAddress":"old@example.com"}}]}},{MAIL}}}"#),
            format!(r#"{{"notificationType":"Bounce","bounce":{{"bounceType":"Transient","bounceSubType":"General","timestamp":"2026-03-02T09:03:02Z","bouncedRecipients":[{{"emailAddress":"away@example.com"}}]}},{MAIL}}}"#),
            format!(r#"{{"notificationType":"Complaint","complaint":{{"timestamp":"2026-03-02T09:04:00Z","complainedRecipients":[{{"emailAddress":"annoyed@example.net"}}],"complaintFeedbackType":"abuse"}},{MAIL}}}"#),
            format!(r#"{{"eventType":"Complaint","complaint":{{"timestamp":"2026-03-02T09:04:01Z","complaintSubType":"OnAccountSuppressionList","complainedRecipients":[{{"emailAddress":"again@example.net"}}]}},{MAIL}}}"#),
            format!(r#"{{"notificationType":"Delivery","delivery":{{"timestamp":"2026-03-02T09:05:00Z","recipients":["a@example.com","c@example.com"],"smtpResponse":"250 ok"}},{MAIL}}}"#),
            format!(r#"{{"eventType":"DeliveryDelay","deliveryDelay":{{"timestamp":"2026-03-02T09:06:00Z","delayType":"IPFailure","delayedRecipients":[{{"emailAddress":"member@example.org"}}]}},{MAIL}}}"#),
            r#"{"eventType":"Subscription","subscription":{"timestamp":"2026-03-02T09:07:00Z","newTopicPreferences":{"unsubscribeAll":true}},"mail":{"messageId":"m2","destination":["bye@example.com"]}}"#.to_string(),
            format!(r#"{{"eventType":"Open","open":{{"timestamp":"2026-03-02T09:08:00Z"}},{MAIL}}}"#),
            r#"{"eventType":"Reject","reject":{"reason":"Bad content"},"mail":{"timestamp":"2026-03-02T09:09:00Z","messageId":"m3","destination":["v@example.com"]}}"#.to_string(),
        ]
        .join("\n");
        check(
            Format::Ses,
            &text,
            &[
                ("2026-03-02T09:03:00Z", "suppressed/other", "gone@example.com"),
                ("2026-03-02T09:03:01Z", "suppressed/bounce", "old@example.com"),
                ("2026-03-02T09:04:00Z", "complaint", "annoyed@example.net"),
                (
                    "2026-03-02T09:04:01Z",
                    "suppressed/complaint",
                    "again@example.net",
                ),
                ("2026-03-02T09:05:00Z", "sent", "a@example.com"),
                ("2026-03-02T09:05:00Z", "sent", "c@example.com"),
                (
                    "2026-03-02T09:06:00Z",
                    "deferred/block/blocked",
                    "member@example.org",
                ),
                ("2026-03-02T09:07:00Z", "unsubscribe", "bye@example.com"),
                (
                    "2026-03-02T09:09:00Z",
                    "bounced/block/virusdetected esp=block",
                    "v@example.com",
                ),
            ],
        );
    }

    #[test]
    fn sns_envelopes_are_decoded_twice_and_handshakes_skipped() {
        let record = r#"{"notificationType":"Delivery","delivery":{"recipients":["a@example.com"]},"mail":{"messageId":"m1","timestamp":"2026-03-02T08:00:00Z"}}"#;
        let envelope = serde_json::json!({"Type":"Notification","TopicArn":"arn:aws:sns:x","Timestamp":"2026-03-02T09:00:00.000Z","Message": record});
        let lambda = serde_json::json!({"Records":[{"EventSource":"aws:sns","Sns": envelope.clone()}]});
        let handshake = r#"{"Type":"SubscriptionConfirmation","TopicArn":"arn:aws:sns:x","Message":"You have chosen to subscribe","Timestamp":"2026-03-02T09:00:00Z"}"#;
        let text = format!("{envelope}\n{lambda}\n{handshake}\n[{envelope}]\n");
        // The record has no time of its own: the envelope's is used.
        let one = ("2026-03-02T09:00:00Z", "sent", "a@example.com");
        check(Format::Ses, &text, &[one, one, one]);
        let out = parse(Format::Ses, &text);
        assert_eq!(out.skipped.total(), 0);
        // A Message that is no JSON: counted, with the envelope's line.
        let bad = r#"{"Type":"Notification","TopicArn":"x","Message":"{not json"}"#;
        let out = parse(Format::Ses, &format!("{envelope}\n{bad}\n"));
        assert_eq!(
            (out.skipped.unrecognized, out.first_unknown.map(|f| f.0)),
            (1, Some(1))
        );
    }
}
