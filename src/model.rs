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
    NotAccept = "notaccept", Hard, "domain accepts no mail (null MX, 521); soft when the code is 4xx";
    Suspend = "suspend", Hard, "mailbox disabled or suspended";
    Filtered = "filtered", Hard, "recipient-side refusal of this address";
    MailboxFull = "mailboxfull", Soft, "mailbox over quota";
    MesgTooBig = "mesgtoobig", Soft, "message larger than the receiver accepts";
    ExceedLimit = "exceedlimit", Soft, "per-recipient or administrative limit exceeded";
    Expired = "expired", Soft, "we gave up after the retry period";
    SystemError = "systemerror", Soft, "remote system error";
    SystemFull = "systemfull", Soft, "remote storage full";
    NetworkError = "networkerror", Soft, "DNS, routing, connection or network trouble on the path";
    MailerError = "mailererror", Soft, "a local delivery program failed";
    OnHold = "onhold", Soft, "too little information to decide";
    Undefined = "undefined", Soft, "no reason detected";
    Greylisted = "greylisted", Soft, "temporary refusal asking us to retry later (greylisting; ours, not Sisimai's)";
    Blocked = "blocked", Block, "sending IP or host refused (blocklist, RBL)";
    BadReputation = "badreputation", Block, "sending IP or domain reputation";
    Rejected = "rejected", Block, "envelope sender refused";
    PolicyViolation = "policyviolation", Block, "receiver policy";
    SpamDetected = "spamdetected", Block, "content judged to be spam";
    VirusDetected = "virusdetected", Block, "virus found in the message";
    ContentError = "contenterror", Block, "message format or headers unacceptable";
    NotCompliantRfc = "notcompliantrfc", Block, "message breaks RFC 5322";
    SecurityError = "securityerror", Block, "security refusal (authentication required, not authorised)";
    AuthFailure = "authfailure", Block, "SPF, DKIM or DMARC failed";
    RequirePtr = "requireptr", Block, "sending IP lacks reverse DNS";
    NoRelaying = "norelaying", Block, "relay access denied";
    Speeding = "speeding", Block, "rate limited";
    TooManyConn = "toomanyconn", Block, "too many connections";
    SyntaxError = "syntaxerror", Block, "SMTP command or parameter syntax error from our side";
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
}

impl fmt::Display for Reason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// What the classifier decided for one diagnostic.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Verdict {
    pub class: Class,
    pub reason: Reason,
    /// Id of the rule that decided (`gmail.nosuchuser`, `status.5.1.1`, ...).
    pub rule: &'static str,
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
#[derive(Debug, Clone, PartialEq)]
pub struct Attempt {
    /// Recipient, lower-cased.
    pub rcpt: Box<str>,
    pub status: AttemptStatus,
    pub scope: Scope,
    /// Relay host name (`mx.example.com`), when there was one.
    pub relay: Option<Box<str>>,
    /// The reply or explanation text (empty for plain successes).
    pub diagnostic: Box<str>,
    /// Classification of a deferral or bounce; `None` for successes.
    pub verdict: Option<Verdict>,
    /// RFC 3463 status used for the verdict, e.g. `5.1.1`.
    pub status_code: Option<Box<str>>,
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
    Attempt(Box<Attempt>),
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
    EspAttempt {
        attempt: Box<Attempt>,
        label: Option<Class>,
    },
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
