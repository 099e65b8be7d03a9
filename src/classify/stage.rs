//! The SMTP stage a reply answered, read from the words MTAs put around it:
//! Postfix `(in reply to RCPT TO command)`, `refused to talk to me`,
//! `while sending ...`; Exim `after RCPT TO:`, `after initial connection`;
//! Sendmail's `>>> RCPT To:` transcript lines.

use crate::model::Stage;
use aho_corasick::{AhoCorasick, MatchKind};
use std::sync::OnceLock;

/// Marker phrases (matched ASCII-case-insensitively) and the stage each names.
/// The phrases are the fixed texts of Postfix's smtp client (`smtp_proto.c`
/// messages as they appear in logs), Exim's `SMTP error from remote mail
/// server after ...` and Sendmail's transcripts; the first one in the text
/// wins (a reply is followed by its stage, and a text holds one reply).
const MARKERS: &[(&str, Stage)] = &[
    // Postfix: "... (in reply to RCPT TO command)".
    ("in reply to rcpt to command", Stage::Rcpt),
    ("in reply to end of data command", Stage::Data),
    ("in reply to data command", Stage::Data),
    ("in reply to bdat command", Stage::Data),
    ("in reply to mail from command", Stage::Mail),
    ("in reply to helo command", Stage::Helo),
    ("in reply to ehlo command", Stage::Helo),
    ("in reply to lhlo command", Stage::Helo),
    ("in reply to starttls command", Stage::Helo),
    // Postfix: "host mx[ip] refused to talk to me: 554 ..." is the greeting.
    ("refused to talk to me", Stage::Connect),
    ("while receiving the initial server greeting", Stage::Connect),
    ("while performing the ehlo handshake", Stage::Helo),
    ("while performing the helo handshake", Stage::Helo),
    ("while sending mail from", Stage::Mail),
    ("while sending rcpt to", Stage::Rcpt),
    ("while sending data command", Stage::Data),
    ("while sending message body", Stage::Data),
    ("while sending end of data", Stage::Data),
    // Exim: "SMTP error from remote mail server after RCPT TO:<a@b>: 550 ...".
    ("after rcpt to:", Stage::Rcpt),
    ("after pipelined rcpt to:", Stage::Rcpt),
    ("after mail from:", Stage::Mail),
    ("after pipelined mail from:", Stage::Mail),
    ("after end of data", Stage::Data),
    ("after pipelined end of data", Stage::Data),
    ("after data:", Stage::Data),
    ("after pipelined data:", Stage::Data),
    ("after sending data block", Stage::Data),
    ("after bdat", Stage::Data),
    ("after initial connection", Stage::Connect),
    ("after helo", Stage::Helo),
    ("after ehlo", Stage::Helo),
    ("after starttls", Stage::Helo),
    // Sendmail transcripts quoted in DSNs: ">>> RCPT To:<a@b>" then "<<< 550 ...".
    (">>> rcpt to:", Stage::Rcpt),
    (">>> mail from:", Stage::Mail),
    (">>> data", Stage::Data),
    (">>> helo", Stage::Helo),
    (">>> ehlo", Stage::Helo),
];

fn matcher() -> &'static AhoCorasick {
    static MATCHER: OnceLock<AhoCorasick> = OnceLock::new();
    MATCHER.get_or_init(|| {
        AhoCorasick::builder()
            .ascii_case_insensitive(true)
            .match_kind(MatchKind::LeftmostFirst)
            .build(MARKERS.iter().map(|(p, _)| p))
            .expect("the stage markers are plain literals")
    })
}

/// The stage the text names, with the marker phrase that named it (for
/// `classify --explain`), if it names one.
pub fn find_stage_marker(text: &[u8]) -> Option<(Stage, &'static str)> {
    let m = matcher().find(text)?;
    MARKERS.get(m.pattern().as_usize()).map(|&(p, stage)| (stage, p))
}

/// The stage the text names, if it names one.
pub fn find_stage(text: &[u8]) -> Option<Stage> {
    find_stage_marker(text).map(|(stage, _)| stage)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_the_stage_of_postfix_exim_and_sendmail_texts() {
        let cases: &[(&str, Option<Stage>)] = &[
            ("host mx.b.example[192.0.2.1] said: 550 5.1.1 <a@b.example>: Recipient address rejected: User unknown (in reply to RCPT TO command)", Some(Stage::Rcpt)),
            ("host mx[192.0.2.1] said: 550 Administrative prohibition (in reply to end of DATA command)", Some(Stage::Data)),
            ("host mx[192.0.2.1] said: 553 sorry, your envelope sender is in my badmailfrom list (in reply to MAIL FROM command)", Some(Stage::Mail)),
            ("host mx[192.0.2.1] refused to talk to me: 550 Too many invalid recipients", Some(Stage::Connect)),
            ("lost connection with mx[192.0.2.1] while sending RCPT TO", Some(Stage::Rcpt)),
            ("conversation with mx[192.0.2.1] timed out while sending message body", Some(Stage::Data)),
            ("SMTP error from remote mail server after RCPT TO:<a@b.example>: 550 5.1.1 unknown", Some(Stage::Rcpt)),
            ("SMTP error from remote mail server after pipelined MAIL FROM:<s@ours.example> SIZE=1234: 550 rejected", Some(Stage::Mail)),
            ("SMTP error from remote mail server after end of data: 550 spam", Some(Stage::Data)),
            ("SMTP error from remote mail server after initial connection: 554 no thanks", Some(Stage::Connect)),
            ("SMTP error from remote mail server after EHLO ours.example: 550 go away", Some(Stage::Helo)),
            ("... while talking to mx.b.example.: >>> RCPT To:<a@b.example> <<< 550 5.1.1 <a@b.example>... User unknown", Some(Stage::Rcpt)),
            ("550 5.1.1 <a@b.example>: Recipient address rejected: User unknown", None),
            ("", None),
        ];
        for (text, want) in cases {
            assert_eq!(find_stage(text.as_bytes()), *want, "{text}");
        }
    }
}
