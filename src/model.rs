//! The domain vocabulary every layer shares: classes, reasons, outcomes and the
//! compact events that parsers hand to the correlator.

use serde::{Deserialize, Serialize};
use std::fmt;

/// Class of a bounced delivery (DESIGN.md §1). It decides both the report and
/// whether the address is suppressed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Class {
    /// The recipient side is permanently unusable: suppress the address.
    Hard,
    /// Temporary or recipient-state reason that ended in failure.
    Soft,
    /// The sender is the problem: alert about our infrastructure, never suppress.
    Block,
}

impl Class {
    pub const ALL: [Class; 3] = [Class::Hard, Class::Soft, Class::Block];

    pub fn as_str(self) -> &'static str {
        match self {
            Class::Hard => "hard",
            Class::Soft => "soft",
            Class::Block => "block",
        }
    }

    pub fn parse(s: &str) -> Option<Class> {
        match s.trim().to_ascii_lowercase().as_str() {
            "hard" => Some(Class::Hard),
            "soft" => Some(Class::Soft),
            "block" => Some(Class::Block),
            _ => None,
        }
    }
}

impl fmt::Display for Class {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

macro_rules! reasons {
    ($( $variant:ident = $name:literal, $class:ident, $doc:literal; )*) => {
        /// Why a delivery failed or was deferred: Sisimai's reason vocabulary, plus
        /// `greylisted` (ours: a deferral that asks us to come back later).
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
        pub enum Reason {
            $( #[doc = $doc] #[serde(rename = $name)] $variant, )*
        }

        impl Reason {
            pub const ALL: &'static [Reason] = &[$(Reason::$variant),*];

            /// The name used in rules, reports and JSON (`userunknown`, ...).
            pub fn as_str(self) -> &'static str {
                match self { $(Reason::$variant => $name,)* }
            }

            /// One line saying what the reason means (for `--help` and the README).
            pub fn describe(self) -> &'static str {
                match self { $(Reason::$variant => $doc,)* }
            }

            /// The class a bounce with this reason gets unless a rule or the
            /// status code says otherwise (see [`Reason::class_for_code`]).
            pub fn default_class(self) -> Class {
                match self { $(Reason::$variant => Class::$class,)* }
            }

            pub fn parse(s: &str) -> Option<Reason> {
                let s = s.trim();
                Reason::ALL.iter().copied().find(|r| r.as_str().eq_ignore_ascii_case(s))
            }
        }
    };
}

reasons! {
    UserUnknown = "userunknown", Hard, "mailbox does not exist";
    HostUnknown = "hostunknown", Hard, "recipient domain does not exist or does not resolve";
    HasMoved = "hasmoved", Hard, "recipient moved, no forwarding (551 / 5.1.6)";
    NotAccept = "notaccept", Hard, "domain accepts no mail (null MX, 521, 556)";
    Suspend = "suspend", Hard, "mailbox disabled or suspended";
    Filtered = "filtered", Hard, "recipient-side refusal; mostly user unknown said after DATA";
    MailboxFull = "mailboxfull", Soft, "mailbox over quota";
    MesgTooBig = "mesgtoobig", Soft, "message larger than the receiver accepts";
    ExceedLimit = "exceedlimit", Soft, "per-recipient or administrative limit exceeded";
    Expired = "expired", Soft, "gave up retrying (timeouts, unreachable hosts)";
    SystemError = "systemerror", Soft, "remote system error";
    SystemFull = "systemfull", Soft, "remote storage full";
    NetworkError = "networkerror", Soft, "DNS, routing, connection or network trouble on the path";
    MailerError = "mailererror", Soft, "a local delivery program failed";
    OnHold = "onhold", Soft, "too little information to decide";
    Undefined = "undefined", Soft, "no reason detected";
    Greylisted = "greylisted", Soft, "asked to retry later (greylisting; ours, not Sisimai's)";
    Blocked = "blocked", Block, "sending IP or host refused (blocklist, RBL)";
    BadReputation = "badreputation", Block, "sending IP or domain reputation";
    Rejected = "rejected", Block, "envelope sender refused";
    PolicyViolation = "policyviolation", Block, "receiver policy";
    SpamDetected = "spamdetected", Block, "content judged to be spam";
    VirusDetected = "virusdetected", Block, "virus found in the message";
    ContentError = "contenterror", Block, "message format or headers unacceptable";
    NotCompliantRfc = "notcompliantrfc", Block, "message breaks RFC 5322";
    SecurityError = "securityerror", Block, "security refusal (authentication required)";
    AuthFailure = "authfailure", Block, "SPF, DKIM or DMARC failed";
    RequirePtr = "requireptr", Block, "sending IP lacks reverse DNS";
    NoRelaying = "norelaying", Block, "relay access denied";
    Speeding = "speeding", Block, "rate limited";
    TooManyConn = "toomanyconn", Block, "too many connections";
    SyntaxError = "syntaxerror", Block, "SMTP command or syntax error from our side";
    FailedStartTls = "failedstarttls", Block, "TLS could not be negotiated";
    Delivered = "delivered", Soft, "not a failure (a success reply)";
    Feedback = "feedback", Soft, "a complaint report, not a bounce";
    Vacation = "vacation", Soft, "an auto-reply, not a bounce";
}

impl Reason {
    /// The class for this reason given the reply class of the code that carried
    /// it: a reason that is hard by default is only soft when the remote server
    /// answered 4xx (it may still change its mind), e.g. `450 4.1.1 user unknown`
    /// during a migration, or `notaccept` with 4xx.
    pub fn class_for_code(self, reply_class: Option<u8>) -> Class {
        let class = self.default_class();
        if class == Class::Hard && reply_class == Some(4) {
            Class::Soft
        } else {
            class
        }
    }

    /// The deferral label this reason implies when the rule that found it
    /// says nothing more specific.
    pub fn deferral(self) -> Option<Deferral> {
        match self {
            Reason::Greylisted => Some(Deferral::Greylisting),
            Reason::Speeding => Some(Deferral::RateLimit),
            Reason::TooManyConn => Some(Deferral::Connections),
            Reason::FailedStartTls => Some(Deferral::Tls),
            _ => None,
        }
    }

    /// Whether the reason is a bounce reason at all: `delivered`, `feedback`
    /// and `vacation` describe messages that are no bounce.
    pub fn is_bounce(self) -> bool {
        !matches!(self, Reason::Delivered | Reason::Feedback | Reason::Vacation)
    }
}

impl fmt::Display for Reason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Why a delivery is waiting, when a reply says so: the label a report uses
/// to say "gmail.com is rate-limiting us (4.7.28)" instead of a bare reason.
/// Orthogonal to [`Reason`]: a connection timeout is `expired` in Sisimai's
/// vocabulary (what a message that gave up shows) but its deferral label is
/// `timeout`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Deferral {
    /// The receiver asks every new sender to come back later (greylisting).
    Greylisting,
    /// The receiver throttles our sending rate or volume.
    RateLimit,
    /// The receiver refuses more simultaneous connections from us.
    Connections,
    /// The receiving host did not answer in time.
    Timeout,
    /// The receiving host refused or dropped the connection.
    Refused,
    /// A DNS lookup failed temporarily (SERVFAIL, timeout).
    Dns,
    /// TLS could not be negotiated.
    Tls,
}

impl Deferral {
    pub const ALL: [Deferral; 7] = [
        Deferral::Greylisting,
        Deferral::RateLimit,
        Deferral::Connections,
        Deferral::Timeout,
        Deferral::Refused,
        Deferral::Dns,
        Deferral::Tls,
    ];

    /// The name used in rules and JSON (`rate-limit`, ...).
    pub fn as_str(self) -> &'static str {
        match self {
            Deferral::Greylisting => "greylisting",
            Deferral::RateLimit => "rate-limit",
            Deferral::Connections => "connections",
            Deferral::Timeout => "timeout",
            Deferral::Refused => "refused",
            Deferral::Dns => "dns",
            Deferral::Tls => "tls",
        }
    }

    /// A predicate for "{domain} {phrase}", e.g. "gmail.com is rate-limiting us".
    pub fn phrase(self) -> &'static str {
        match self {
            Deferral::Greylisting => "is greylisting us",
            Deferral::RateLimit => "is rate-limiting us",
            Deferral::Connections => "is limiting our connections",
            Deferral::Timeout => "is not answering (connection timed out)",
            Deferral::Refused => "is refusing our connections",
            Deferral::Dns => "does not resolve right now (temporary DNS failure)",
            Deferral::Tls => "cannot agree on TLS with us",
        }
    }

    pub fn parse(s: &str) -> Option<Deferral> {
        let s = s.trim();
        Deferral::ALL
            .iter()
            .copied()
            .find(|d| d.as_str().eq_ignore_ascii_case(s))
    }
}

impl fmt::Display for Deferral {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// What the classifier decided for one diagnostic.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Verdict {
    pub class: Class,
    pub reason: Reason,
    /// Id of the rule that decided (`gmail.nosuchuser`, `status.5.1.1`, ...).
    pub rule: &'static str,
    /// Why mail waits, when the reply is a deferral cause we name
    /// (rate limit, greylisting, timeout, ...).
    pub deferral: Option<Deferral>,
    /// The SMTP command the reply answered, when the input says so.
    pub stage: Option<Stage>,
    /// The words of the rule that were found in the text (the first of its
    /// `any` texts present), when a text rule decided.
    pub matched: Option<&'static str>,
}

impl Verdict {
    /// A verdict with no stage and no matched words (inputs that carry
    /// their own classification, such as an ESP's or a stored one).
    pub fn new(class: Class, reason: Reason, rule: &'static str, deferral: Option<Deferral>) -> Verdict {
        Verdict {
            class,
            reason,
            rule,
            deferral,
            stage: None,
            matched: None,
        }
    }

    /// Whether no phrase and no known enhanced status decided: only the bare
    /// reply code, or nothing at all. Such a bounce is never hard; the report
    /// counts them apart so that the share of undecided bounces shows.
    pub fn is_undecided(&self) -> bool {
        is_undecided_rule(self.rule)
    }
}

/// [`Verdict::is_undecided`] for a stored rule id.
pub fn is_undecided_rule(rule: &str) -> bool {
    rule == "undefined" || rule.starts_with("reply.")
}

/// The SMTP command a reply answered (RFC 5321 §3): where in the dialogue
/// the failure happened. Only a failure at RCPT, or one that names the
/// recipient, is about the recipient; a refusal of the connection, of HELO
/// or of MAIL FROM is about us, the sender.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Stage {
    /// The server's greeting (Postfix: `refused to talk to me`).
    Connect,
    /// HELO / EHLO (and STARTTLS within it).
    Helo,
    /// MAIL FROM.
    Mail,
    /// RCPT TO.
    Rcpt,
    /// DATA, the message body and end of data (BDAT).
    Data,
}

impl Stage {
    pub const ALL: [Stage; 5] = [Stage::Connect, Stage::Helo, Stage::Mail, Stage::Rcpt, Stage::Data];

    pub fn as_str(self) -> &'static str {
        match self {
            Stage::Connect => "connect",
            Stage::Helo => "helo",
            Stage::Mail => "mail",
            Stage::Rcpt => "rcpt",
            Stage::Data => "data",
        }
    }

    pub fn parse(s: &str) -> Option<Stage> {
        let s = s.trim();
        Stage::ALL
            .iter()
            .copied()
            .find(|st| st.as_str().eq_ignore_ascii_case(s))
    }
}

impl fmt::Display for Stage {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Whether a delivery leaves our infrastructure (counts in the rates by default).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Scope {
    /// Handed to, or failing on the way to, a remote host.
    Outbound,
    /// Local mailbox, pipe, socket or loopback content-filter hop.
    Local,
}

/// What one attempt line says happened.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AttemptStatus {
    Sent,
    Deferred,
    Bounced,
}

/// A delivery attempt (one log line about one recipient).
///
/// Its texts (recipient, relay, diagnostic, status code) share one
/// allocation: an attempt is made for every delivery line, and allocations
/// were the largest cost of reading a log after the parsing itself.
#[derive(Debug, Clone, PartialEq)]
pub struct Attempt {
    /// `rcpt`, `relay`, `status_code`, `diagnostic`, one after the other.
    text: Box<str>,
    /// Ends of `rcpt`, `relay` and `status_code` in `text`.
    ends: [u32; 3],
    /// Whether there was a relay host / a status code (an empty one is none).
    has_relay: bool,
    has_status_code: bool,
    pub status: AttemptStatus,
    pub scope: Scope,
    /// Classification of a deferral or bounce; `None` for successes.
    pub verdict: Option<Verdict>,
}

/// The parts of an [`Attempt`] as a parser finds them: the recipient in its
/// normal form, the rest raw bytes from the input (the relay is lower-cased,
/// invalid UTF-8 in relay and diagnostic is replaced).
#[derive(Debug, Clone, Copy)]
pub struct AttemptParts<'a> {
    /// The address as [`crate::address::normalize`] gave it: the parser
    /// decides what is no address (and skips the line) before an attempt
    /// exists, so the recipient is never repaired or changed here.
    pub rcpt: &'a str,
    pub status: AttemptStatus,
    pub scope: Scope,
    /// Relay host name (`mx.example.com`), when there was one.
    pub relay: Option<&'a [u8]>,
    /// The reply or explanation text (empty for plain successes).
    pub diagnostic: &'a [u8],
    pub verdict: Option<Verdict>,
    /// RFC 3463 status used for the verdict, e.g. `5.1.1`.
    pub status_code: Option<&'a str>,
}

/// Appends `b` to `out`, lower-cased if asked. ASCII (nearly every address
/// and host) is lower-cased in place; anything else goes through `str`.
fn push_bytes(out: &mut Vec<u8>, b: &[u8], lower: bool) {
    let start = out.len();
    out.extend_from_slice(b);
    if lower {
        if b.is_ascii() {
            out[start..].make_ascii_lowercase();
        } else if let Ok(s) = std::str::from_utf8(b) {
            let lowered = s.to_lowercase();
            out.truncate(start);
            out.extend_from_slice(lowered.as_bytes());
        }
    }
}

impl Attempt {
    pub fn new(p: AttemptParts<'_>) -> Attempt {
        let relay = p.relay.unwrap_or(b"");
        let status_code = p.status_code.unwrap_or("");
        let mut bytes =
            Vec::with_capacity(p.rcpt.len() + relay.len() + status_code.len() + p.diagnostic.len());
        bytes.extend_from_slice(p.rcpt.as_bytes());
        let e0 = bytes.len() as u32;
        push_bytes(&mut bytes, relay, true);
        let e1 = bytes.len() as u32;
        bytes.extend_from_slice(status_code.as_bytes());
        let e2 = bytes.len() as u32;
        push_bytes(&mut bytes, p.diagnostic, false);
        let text = match String::from_utf8(bytes) {
            Ok(text) => text,
            // Invalid UTF-8 from the log: replace it, and find the part ends
            // again (replacement characters change lengths).
            Err(_) => return Attempt::new_lossy(p),
        };
        Attempt {
            text: text.into_boxed_str(),
            ends: [e0, e1, e2],
            has_relay: e1 > e0,
            has_status_code: e2 > e1,
            status: p.status,
            scope: p.scope,
            verdict: p.verdict,
        }
    }

    /// The slow path of [`Attempt::new`] for invalid UTF-8 in the relay or the
    /// diagnostic: each part repaired on its own so that the part boundaries
    /// stay right.
    fn new_lossy(p: AttemptParts<'_>) -> Attempt {
        let fix = |b: &[u8], lower: bool| {
            let s = String::from_utf8_lossy(b);
            if lower {
                s.to_lowercase()
            } else {
                s.into_owned()
            }
        };
        let rcpt = p.rcpt;
        let relay = fix(p.relay.unwrap_or(b""), true);
        let status_code = p.status_code.unwrap_or("");
        let diagnostic = fix(p.diagnostic, false);
        let text = [rcpt, &relay, status_code, &diagnostic].concat();
        let e0 = rcpt.len() as u32;
        let e1 = e0 + relay.len() as u32;
        let e2 = e1 + status_code.len() as u32;
        Attempt {
            text: text.into_boxed_str(),
            ends: [e0, e1, e2],
            has_relay: e1 > e0,
            has_status_code: e2 > e1,
            status: p.status,
            scope: p.scope,
            verdict: p.verdict,
        }
    }

    fn part(&self, from: u32, to: u32) -> &str {
        self.text.get(from as usize..to as usize).unwrap_or("")
    }

    /// Recipient, in its normal form ([`crate::address`]).
    pub fn rcpt(&self) -> &str {
        self.part(0, self.ends[0])
    }

    /// Relay host name, when there was one.
    pub fn relay(&self) -> Option<&str> {
        self.has_relay.then(|| self.part(self.ends[0], self.ends[1]))
    }

    /// RFC 3463 status used for the verdict.
    pub fn status_code(&self) -> Option<&str> {
        self.has_status_code
            .then(|| self.part(self.ends[1], self.ends[2]))
    }

    /// The reply or explanation text (empty for plain successes).
    pub fn diagnostic(&self) -> &str {
        self.part(self.ends[2], self.text.len() as u32)
    }
}

/// The message id an event belongs to (Postfix queue id, Exim message id, ESP
/// message id). Kept inline: ids are short and there are many of them.
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct MsgId {
    len: u8,
    bytes: [u8; 31],
}

impl MsgId {
    /// `None` when the id is empty or longer than 31 bytes.
    pub fn new(id: &[u8]) -> Option<MsgId> {
        if id.is_empty() || id.len() > 31 {
            return None;
        }
        let mut bytes = [0u8; 31];
        bytes[..id.len()].copy_from_slice(id);
        Some(MsgId {
            len: id.len() as u8,
            bytes,
        })
    }

    pub fn as_bytes(&self) -> &[u8] {
        &self.bytes[..self.len as usize]
    }

    pub fn as_str(&self) -> &str {
        std::str::from_utf8(self.as_bytes()).unwrap_or("?")
    }
}

impl fmt::Debug for MsgId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "MsgId({})", self.as_str())
    }
}

/// What a parser extracted from one line.
#[derive(Debug, Clone, PartialEq)]
pub enum EventKind {
    /// The envelope sender of a message (Postfix qmgr `from=`, Exim `<=`).
    /// An empty sender is a bounce notification of our own.
    Sender { from: Box<str> },
    /// A delivery attempt for one recipient.
    Attempt(Attempt),
    /// Every still-pending recipient of the message expired (Postfix qmgr
    /// `status=expired, returned to sender`).
    Expired,
    /// The message left the queue; its id may be reused for a new message.
    Removed,
    /// The message is a notification we generated (Postfix `bounce[]` lines name
    /// the new queue id).
    Notification,
    /// One recipient expired after the retry period (Exim `** addr: retry
    /// timeout exceeded`): a soft bounce with reason `expired`, whose diagnostic
    /// is the last deferral's.
    RcptExpired { rcpt: Box<str> },
    /// A delivery attempt reported by an ESP, with the ESP's own class for a
    /// bounce (`label`). The verdict inside is ours whenever the ESP gave a
    /// diagnostic text; the label is kept to count where the two disagree.
    EspAttempt { attempt: Attempt, label: Option<Class> },
    /// The ESP refused to send to an address it had already suppressed (SES
    /// `OnAccountSuppressionList`, SendGrid `dropped`, Mailgun `suppress-*`,
    /// ...), or reports that it suppressed it. Not a new bounce: kept out of
    /// the rates, but the address is suppressed.
    EspSuppressed { rcpt: Box<str>, cause: SuppressCause },
    /// The recipient reported the message as spam (feedback loop).
    Complaint { rcpt: Box<str> },
    /// The recipient unsubscribed.
    Unsubscribe { rcpt: Box<str> },
}

/// Why an ESP had an address on its own suppression list, as far as the
/// export says.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum SuppressCause {
    /// An earlier hard bounce (SendGrid `Bounced Address`, Mailgun
    /// `suppress-bounce`, ...).
    Bounce,
    /// An earlier spam complaint.
    Complaint,
    /// An earlier unsubscribe.
    Unsubscribe,
    /// The export does not say (SES `OnAccountSuppressionList`, Mandrill
    /// `reject`, manual entries).
    Other,
}

impl SuppressCause {
    pub const ALL: [SuppressCause; 4] = [
        SuppressCause::Bounce,
        SuppressCause::Complaint,
        SuppressCause::Unsubscribe,
        SuppressCause::Other,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            SuppressCause::Bounce => "bounce",
            SuppressCause::Complaint => "complaint",
            SuppressCause::Unsubscribe => "unsubscribe",
            SuppressCause::Other => "other",
        }
    }
}

/// One parsed line.
#[derive(Debug, Clone, PartialEq)]
pub struct Event {
    /// Unix seconds, UTC.
    pub ts: i64,
    pub msg: MsgId,
    pub kind: EventKind,
}

/// Final outcome of a delivery.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Outcome {
    Delivered,
    Bounced(Class),
    Pending,
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parts<'a>(rcpt: &'a str, relay: Option<&'a [u8]>, diagnostic: &'a [u8]) -> AttemptParts<'a> {
        AttemptParts {
            rcpt,
            status: AttemptStatus::Bounced,
            scope: Scope::Outbound,
            relay,
            diagnostic,
            verdict: None,
            status_code: Some("5.1.1"),
        }
    }

    #[test]
    fn attempt_parts_round_trip() {
        let a = Attempt::new(parts(
            "bob@example.com",
            Some(b"MX.Example.com"),
            b"550 No Such User",
        ));
        assert_eq!(a.rcpt(), "bob@example.com");
        assert_eq!(a.relay(), Some("mx.example.com"));
        assert_eq!(a.status_code(), Some("5.1.1"));
        assert_eq!(a.diagnostic(), "550 No Such User");
        let a = Attempt::new(parts("j\u{f6}rg@example.de", None, b""));
        assert_eq!(a.rcpt(), "j\u{f6}rg@example.de");
        assert_eq!(a.relay(), None);
    }

    #[test]
    fn invalid_utf8_keeps_the_parts_apart() {
        let a = Attempt::new(parts("good@x.org", Some(b"mx\xfe.x.org"), b"550 \xff gone"));
        assert_eq!(a.rcpt(), "good@x.org");
        assert_eq!(a.relay(), Some("mx\u{fffd}.x.org"));
        assert_eq!(a.status_code(), Some("5.1.1"));
        assert_eq!(a.diagnostic(), "550 \u{fffd} gone");
    }
}
