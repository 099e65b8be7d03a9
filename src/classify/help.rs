//! `classify --help`'s reference part, generated from the vocabulary
//! (reasons, classes, deferral labels) so that it cannot drift from it.

use crate::model::{Class, Deferral, Reason};
use std::fmt::Write as _;

/// `classify --help` after the options: the rule order, every reason with
/// its default class, the code-dependent cases and the deferral labels —
/// generated from the vocabulary itself so that it cannot drift.
pub fn long_help(examples: &str) -> String {
    let mut h = String::new();
    let _ = writeln!(h, "{examples}\n");
    h.push_str(
        "Order: the text rules of --rules FILE, then the built-in text rules (first match\n\
         wins; some are decided by codes alone), then the RFC 3463 enhanced status code\n\
         (most specific first), then the basic reply code, else `undefined`. The `rule`\n\
         column names what decided.\n\n\
         Reasons (Sisimai's vocabulary, plus `greylisted`) and their default class:\n",
    );
    for class in Class::ALL {
        for reason in Reason::ALL
            .iter()
            .filter(|r| r.is_bounce() && r.default_class() == class)
        {
            let _ = writeln!(
                h,
                "  {:<16} {:<6} {}",
                reason.as_str(),
                class.as_str(),
                reason.describe()
            );
        }
    }
    for reason in Reason::ALL.iter().filter(|r| !r.is_bounce()) {
        let _ = writeln!(h, "  {:<16} {:<6} {}", reason.as_str(), "-", reason.describe());
    }
    h.push_str(
        "\nCode-dependent cases:\n\
         \x20 A hard reason answered with a 4xx code is soft (the server may still accept\n\
         \x20 later): `450 4.1.1 user unknown`, notaccept with 4xx. RFC 7505 null MX stays\n\
         \x20 hard even when a notice reports it with 4.0.0.\n\
         \x20 Some codes name the reason whatever the text: x.2.2 mailboxfull (soft, with\n\
         \x20 4.2.2 or 5.2.2 alike), x.2.3 exceedlimit, x.1.6 hasmoved, x.1.7/x.1.8 rejected.\n\
         \x20 User-unknown words answered to RCPT TO or with x.1.1 are userunknown; the same\n\
         \x20 words after DATA, or with no stage and no x.1.1, are filtered.\n\
         \x20 A connection timeout carrying a 4xx code (4.4.1, as in a notice that gave\n\
         \x20 up) is expired; a bare one from a log line is networkerror.\n\
         \nDeferral labels (JSON field `deferral`: why mail waits, when the reply defers it):\n",
    );
    for d in Deferral::ALL {
        let _ = writeln!(h, "  {:<12} {{domain}} {}", d.as_str(), d.phrase());
    }
    h.push_str("\nThe rules file format and a worked --rules example: docs/classification.md");
    h
}
