//! Mailgun events: Events API pages (`items`), webhook
//! bodies (`event-data`), one event per line, and the legacy form-encoded
//! webhook fields (`event` dropped/bounced, `code`, `error`). `severity` +
//! `reason` are the ESP's label; `suppress-*` means Mailgun did not send.

use super::{str_at, Doc, EspSays, Failure};
use crate::model::{Class, Reason, SuppressCause};
use crate::parse::{ChunkOutput, LineContext, Skip};
use serde_json::Value;

pub fn parse(bytes: &[u8], ctx: &LineContext) -> ChunkOutput {
    super::parse_json(bytes, ctx, "mailgun", |doc, v| container(doc, v, 0))
}

fn container(doc: &mut Doc, v: &Value, depth: u32) {
    if depth > 3 {
        return doc.skip(Skip::UnknownForm);
    }
    if let Some(items) = v.as_array() {
        return items.iter().for_each(|i| container(doc, i, depth + 1));
    }
    if let Some(items) = v.get("items").and_then(Value::as_array) {
        return items.iter().for_each(|i| container(doc, i, depth + 1));
    }
    if let Some(inner) = v.get("event-data") {
        return container(doc, inner, depth + 1);
    }
    doc.item(v, event);
}

/// Mailgun's own codes (not SMTP replies): 498 (no MX, too old), 499 (could
/// not connect), 605 (previously bounced), 607 (previously complained).
fn smtp_code(code: Option<&str>) -> Option<u16> {
    let c: u16 = code?.trim().parse().ok()?;
    ((200..=599).contains(&c) && c != 498 && c != 499).then_some(c)
}

/// The reply text with its SMTP code in front when Mailgun gave the code in a
/// field of its own (`code: 550`, `message: "5.1.1 The email account..."`).
fn with_code(code: Option<u16>, text: &str) -> String {
    let t = text.trim();
    match code {
        Some(c) if !t.starts_with(|ch: char| ch.is_ascii_digit()) || t.len() < 3 => {
            if t.is_empty() {
                c.to_string()
            } else {
                format!("{c} {t}")
            }
        }
        _ => t.to_string(),
    }
}

fn event(doc: &mut Doc, v: &Value) {
    let Some(kind) = str_at(v, &["event"]) else {
        return doc.skip(Skip::UnknownForm);
    };
    let ts = doc.ts(v.get("timestamp"));
    let id = str_at(v, &["message", "headers", "message-id"]).or_else(|| str_at(v, &["Message-Id"]));
    let id = id.map(|i| i.trim().trim_start_matches('<').trim_end_matches('>').to_string());
    let msg = doc.msg(id.as_deref());
    let rcpt = str_at(v, &["recipient"]).unwrap_or_default();
    let reason = str_at(v, &["reason"]).unwrap_or_default().to_ascii_lowercase();
    let ds = v.get("delivery-status");
    let legacy = ds.is_none() && v.get("severity").is_none();
    let code_field = match ds {
        Some(ds) => str_at(ds, &["code"]),
        None => str_at(v, &["code"]),
    };
    let text = match ds {
        Some(ds) => str_at(ds, &["message"])
            .filter(|m| !m.trim().is_empty())
            .or_else(|| str_at(ds, &["description"])),
        None => str_at(v, &["error"])
            .filter(|m| !m.trim().is_empty())
            .or_else(|| str_at(v, &["description"])),
    }
    .unwrap_or_default();
    let text = with_code(smtp_code(code_field.as_deref()), &text);
    // The enhanced code: its own fields, or a legacy `code` of `5.1.1`.
    let status = ds
        .and_then(|ds| str_at(ds, &["enhanced-code"]).or_else(|| str_at(ds, &["bounce-code"])))
        .or_else(|| code_field.clone().filter(|c| c.contains('.')));
    let status = status.as_deref();
    let suppressed = |code: Option<&str>| match (reason.as_str(), code.map(str::trim)) {
        ("suppress-bounce", _) | ("hardfail", Some("605")) => Some(SuppressCause::Bounce),
        ("suppress-complaint", _) | ("hardfail", Some("607")) => Some(SuppressCause::Complaint),
        ("suppress-unsubscribe", _) => Some(SuppressCause::Unsubscribe),
        _ => None,
    };
    use Class::*;
    match kind.as_ref() {
        "delivered" => doc.delivered(ts, msg, &rcpt),
        "failed" | "dropped" | "bounced" => {
            if let Some(cause) = suppressed(code_field.as_deref()) {
                return doc.suppressed(ts, msg, &rcpt, cause);
            }
            let severity = str_at(v, &["severity"]).unwrap_or_default().to_ascii_lowercase();
            if severity == "temporary" {
                let esp = match reason.as_str() {
                    "espblock" => EspSays::fallback(Block, Reason::Blocked, "mailgun.espblock"),
                    "greylisted" => EspSays::fallback(Soft, Reason::Greylisted, "mailgun.greylisted"),
                    _ => EspSays::fallback(Soft, Reason::Undefined, "mailgun.temporary"),
                };
                return doc.failed(ts, msg, &rcpt, Failure::deferred(&text, status, esp));
            }
            let delayed = v
                .get("flags")
                .and_then(|f| f.get("is-delayed-bounce"))
                .and_then(Value::as_bool)
                == Some(true);
            let esp = match reason.as_str() {
                // The retry window ran out: soft, it counts toward promotion.
                "old" => EspSays::label(Soft, Reason::Expired, "mailgun.old"),
                "bounce" | "hardfail" => EspSays::label(Hard, Reason::Undefined, "mailgun.bounce"),
                // An asynchronous DSN: the enhanced code decides.
                "generic" if delayed => EspSays::fallback(Hard, Reason::Undefined, "mailgun.delayed-bounce"),
                _ if legacy && kind == "bounced" => {
                    EspSays::label(Hard, Reason::Undefined, "mailgun.bounced")
                }
                _ if kind == "dropped" => EspSays::fallback(Soft, Reason::Undefined, "mailgun.dropped"),
                _ => EspSays::fallback(Soft, Reason::Undefined, "mailgun.permanent"),
            };
            doc.failed(ts, msg, &rcpt, Failure::bounced(&text, status, esp));
        }
        "complained" => doc.complaint(ts, msg, &rcpt),
        "unsubscribed" => doc.unsubscribe(ts, msg, &rcpt),
        // `rejected`: Mailgun refused the API call (no recipient). The rest
        // is engagement and storage.
        "rejected" | "accepted" | "opened" | "clicked" | "stored" | "list_member_uploaded" => {}
        _ => doc.skip(Skip::UnknownForm),
    }
}

#[cfg(test)]
mod tests {
    use super::super::testing::check;
    use crate::parse::Format;

    fn failed(ts: &str, rcpt: &str, severity: &str, reason: &str, ds: &str) -> String {
        format!(
            r#"{{"event":"failed","timestamp":{ts},"recipient":"{rcpt}","severity":"{severity}","reason":"{reason}","message":{{"headers":{{"message-id":"m-{rcpt}"}}}},"delivery-status":{ds}}}"#
        )
    }

    #[test]
    fn severity_and_reason() {
        let text = [
            failed("1772442000.5", "old@example.com", "permanent", "bounce", r#"{"code":550,"message":"5.1.1 The email account that you tried to reach does not exist.","enhanced-code":"5.1.1"}"#),
            failed("1772442001", "listed@example.com", "permanent", "bounce", r#"{"code":"554","message":"5.7.1 Service unavailable; Client host [198.51.100.31] blocked using zen.spamhaus.org"}"#),
            failed("1772442002", "grey@example.com", "temporary", "greylisted", r#"{"code":450,"message":"Recipient address rejected: Greylisted"}"#),
            // 498 is Mailgun's own code, not an SMTP reply.
            failed("1772442003", "ops@nomx.example", "temporary", "generic", r#"{"code":498,"message":"No MX for nomx.example"}"#),
            failed("1772442004", "slow@example.net", "permanent", "old", r#"{"code":498,"message":"Too old"}"#),
            failed("1772442005", "gone@example.com", "permanent", "suppress-bounce", r#"{"code":605,"message":"","description":"Not delivering to previously bounced address"}"#),
            failed("1772442006", "late@example.com", "permanent", "generic", r#"{"code":550,"message":"","bounce-code":"5.1.1","enhanced-code":"5.1.1"}"#).replace(r#""severity""#, r#""flags":{"is-delayed-bounce":true},"severity""#),
            r#"{"signature":{"timestamp":"1"},"event-data":{"event":"delivered","timestamp":1772442007,"recipient":"a@example.com","message":{"headers":{"message-id":"<x@y>"}},"delivery-status":{"code":250,"message":"OK"}}}"#.to_string(),
            r#"{"items":[{"event":"complained","timestamp":1772442008,"recipient":"annoyed@example.net"},{"event":"unsubscribed","timestamp":1772442009,"recipient":"bye@example.com"},{"event":"opened","timestamp":1772442010,"recipient":"a@example.com"},{"event":"rejected","timestamp":1772442011}],"paging":{}}"#.to_string(),
        ]
        .join("\n");
        check(
            Format::Mailgun,
            &text,
            &[
                (
                    "2026-03-02T09:00:00Z",
                    "bounced/hard/userunknown esp=hard",
                    "old@example.com",
                ),
                (
                    "2026-03-02T09:00:01Z",
                    "bounced/block/blocked esp=hard",
                    "listed@example.com",
                ),
                (
                    "2026-03-02T09:00:02Z",
                    "deferred/soft/greylisted",
                    "grey@example.com",
                ),
                (
                    "2026-03-02T09:00:03Z",
                    "deferred/soft/undefined",
                    "ops@nomx.example",
                ),
                (
                    "2026-03-02T09:00:04Z",
                    "bounced/soft/expired esp=soft",
                    "slow@example.net",
                ),
                ("2026-03-02T09:00:05Z", "suppressed/bounce", "gone@example.com"),
                (
                    "2026-03-02T09:00:06Z",
                    "bounced/hard/userunknown",
                    "late@example.com",
                ),
                ("2026-03-02T09:00:07Z", "sent", "a@example.com"),
                ("2026-03-02T09:00:08Z", "complaint", "annoyed@example.net"),
                ("2026-03-02T09:00:09Z", "unsubscribe", "bye@example.com"),
            ],
        );
    }

    #[test]
    fn legacy_webhook_fields() {
        let text = [
            r#"{"code":"605","description":"Not delivering to previously bounced address","reason":"hardfail","event":"dropped","recipient":"bounce@example.com","timestamp":"1772442000"}"#,
            r#"{"code":"607","description":"Not delivering to a user who marked your messages as spam","reason":"hardfail","event":"dropped","recipient":"complaint@example.com"}"#,
            r#"{"code":"499","description":"Unable to connect to MX servers: [example.com]","reason":"old","event":"dropped","recipient":"x@example.com"}"#,
            r#"{"code":"5.1.1","error":"smtp;550 5.1.1 RESOLVER.ADR.RecipNotFound; not found","event":"bounced","recipient":"noreply@example.com"}"#,
        ]
        .join("\n");
        // Records without a time take the one before.
        check(
            Format::Mailgun,
            &text,
            &[
                ("2026-03-02T09:00:00Z", "suppressed/bounce", "bounce@example.com"),
                (
                    "2026-03-02T09:00:00Z",
                    "suppressed/complaint",
                    "complaint@example.com",
                ),
                (
                    "2026-03-02T09:00:00Z",
                    "bounced/soft/expired esp=soft",
                    "x@example.com",
                ),
                (
                    "2026-03-02T09:00:00Z",
                    "bounced/hard/userunknown esp=hard",
                    "noreply@example.com",
                ),
            ],
        );
    }
}
