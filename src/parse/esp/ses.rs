//! Amazon SES event records (ESP-FORMATS.md §1): one per line as Firehose/S3
//! writes them, a JSON array, SNS envelopes whose `Message` is the record as
//! a JSON string (decoded twice), and Lambda's `Records[].Sns`. Both
//! dialects: `notificationType` (feedback notifications) and `eventType`
//! (event publishing).

use super::{at, json_records, str_at, Doc, EspSays, Failure};
use crate::model::{Class, Reason, SuppressCause};
use crate::parse::{ChunkOutput, LineContext, Skip};
use serde_json::Value;

/// Containers nest at most this deep (array of envelopes of records).
const MAX_DEPTH: u32 = 4;

pub fn parse(bytes: &[u8], ctx: &LineContext) -> ChunkOutput {
    let mut doc = Doc::new(bytes, ctx, "ses");
    for (line, record) in json_records(bytes) {
        doc.record(line);
        match record {
            Ok(v) => container(&mut doc, &v, None, 0),
            Err(_) => doc.skip(Skip::Unrecognized),
        }
    }
    doc.finish()
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
