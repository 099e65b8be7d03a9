//! The classifier: one engine that turns a reply code, an enhanced status code
//! and a diagnostic text into a class and a reason, for every input format.
//!
//! Order (DESIGN.md §1): text rules for known providers and blocklists → the
//! RFC 3463 enhanced status table → the basic reply code table → `undefined`.
//! The rules are data (`rules/builtin.toml`, plus `--rules FILE` in front),
//! compiled once into a single Aho-Corasick automaton.

pub mod codes;
pub mod rules;

use crate::model::{Class, Reason, Verdict};
use aho_corasick::{AhoCorasick, AhoCorasickKind, MatchKind};
pub use codes::Status;
use regex::bytes::Regex;
use rules::{parse_class, parse_reason, CodePattern, CodeRule, RulesError, RulesFile, StatusPattern};
use std::cell::RefCell;
use std::collections::HashSet;
use std::sync::OnceLock;

/// What the classifier found and decided for one text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Classified {
    pub verdict: Verdict,
    /// The SMTP reply code found in the text.
    pub code: Option<u16>,
    /// The enhanced status code found in the text, else the one given.
    pub status: Option<Status>,
}

struct CompiledRule {
    id: &'static str,
    all: Vec<Vec<u8>>,
    regex: Option<Regex>,
    code: Option<CodePattern>,
    status: Option<StatusPattern>,
    reason: Reason,
    class: Option<Class>,
}

struct CompiledCode<P> {
    id: &'static str,
    pattern: P,
    reason: Reason,
    class: Option<Class>,
}

/// A compiled rules table.
pub struct Classifier {
    rules: Vec<CompiledRule>,
    /// Every `any` literal of every rule, lower-cased; pattern i → rule `owner[i]`.
    matcher: AhoCorasick,
    owner: Vec<u32>,
    statuses: Vec<CompiledCode<StatusPattern>>,
    replies: Vec<CompiledCode<CodePattern>>,
}

thread_local! {
    static LOWER: RefCell<Vec<u8>> = const { RefCell::new(Vec::new()) };
    static CANDIDATES: RefCell<Vec<u32>> = const { RefCell::new(Vec::new()) };
}

/// Rule ids live as long as the program: the table is built once per run, and
/// verdicts carry the id as a `&'static str` so that they cost no allocation.
fn leak(s: String) -> &'static str {
    Box::leak(s.into_boxed_str())
}

impl Classifier {
    /// The built-in table, compiled on first use.
    pub fn builtin() -> &'static Classifier {
        static BUILTIN: OnceLock<Classifier> = OnceLock::new();
        BUILTIN.get_or_init(|| {
            let file = RulesFile::from_toml(rules::BUILTIN, "built-in rules")
                .unwrap_or_else(|e| panic!("the built-in rules table is broken: {e}"));
            Classifier::compile(vec![("built-in rules".to_string(), file)])
                .unwrap_or_else(|e| panic!("the built-in rules table is broken: {e}"))
        })
    }

    /// The built-in table with a user's rules file in front of it.
    pub fn with_user_rules(text: &str, origin: &str) -> Result<Classifier, RulesError> {
        let user = RulesFile::from_toml(text, origin)?;
        let builtin = RulesFile::from_toml(rules::BUILTIN, "built-in rules")?;
        Classifier::compile(vec![
            (origin.to_string(), user),
            ("built-in rules".to_string(), builtin),
        ])
    }

    /// Compiles rules files; earlier files take precedence over later ones.
    pub fn compile(files: Vec<(String, RulesFile)>) -> Result<Classifier, RulesError> {
        let mut rules = Vec::new();
        let mut patterns: Vec<Vec<u8>> = Vec::new();
        let mut owner = Vec::new();
        let mut statuses = Vec::new();
        let mut replies = Vec::new();
        // A user rule may reuse a built-in id to replace that rule: the first
        // file that defines an id wins; a repeated id inside one file is an error.
        let mut ids = HashSet::new();
        for (origin, file) in files {
            let err = |id: &str, message: String| RulesError::Rule {
                origin: origin.clone(),
                id: id.to_string(),
                message,
            };
            let mut ids_in_file = HashSet::new();
            for rule in file.rules {
                if !ids_in_file.insert(rule.id.clone()) {
                    return Err(err(&rule.id, "this id is used twice in the file".into()));
                }
                if !ids.insert(rule.id.clone()) {
                    continue;
                }
                if rule.any.is_empty() || rule.any.iter().any(|p| p.trim().is_empty()) {
                    return Err(err(&rule.id, "`any` needs at least one non-empty text".into()));
                }
                let reason = parse_reason(&rule.reason).map_err(|m| err(&rule.id, m))?;
                let class = rule
                    .class
                    .as_deref()
                    .map(parse_class)
                    .transpose()
                    .map_err(|m| err(&rule.id, m))?;
                let code = match rule.code.as_deref() {
                    None => None,
                    Some(c) => Some(CodePattern::parse(c).ok_or_else(|| {
                        err(
                            &rule.id,
                            format!("`code = \"{c}\"` is not a reply code such as 5, 4xx or 550"),
                        )
                    })?),
                };
                let status = match rule.status.as_deref() {
                    None => None,
                    Some(s) => Some(StatusPattern::parse(s).ok_or_else(|| {
                        err(
                            &rule.id,
                            format!("`status = \"{s}\"` is not a status such as 5.7.1, 5.7 or x.7.1"),
                        )
                    })?),
                };
                let regex = match rule.regex.as_deref() {
                    None => None,
                    Some(r) => Some(
                        regex::bytes::RegexBuilder::new(r)
                            .case_insensitive(true)
                            .build()
                            .map_err(|e| err(&rule.id, format!("bad regex: {e}")))?,
                    ),
                };
                let index = rules.len() as u32;
                for p in &rule.any {
                    patterns.push(p.to_ascii_lowercase().into_bytes());
                    owner.push(index);
                }
                rules.push(CompiledRule {
                    id: leak(rule.id),
                    all: rule
                        .all
                        .iter()
                        .map(|p| p.to_ascii_lowercase().into_bytes())
                        .collect(),
                    regex,
                    code,
                    status,
                    reason,
                    class,
                });
            }
            let compile_code = |list: Vec<CodeRule>,
                                kind: &str|
             -> Result<Vec<(CodeRule, Reason, Option<Class>)>, RulesError> {
                list.into_iter()
                    .map(|c| {
                        let id = format!("{kind}.{}", c.code);
                        let reason = parse_reason(&c.reason).map_err(|m| err(&id, m))?;
                        let class = c
                            .class
                            .as_deref()
                            .map(parse_class)
                            .transpose()
                            .map_err(|m| err(&id, m))?;
                        Ok((c, reason, class))
                    })
                    .collect()
            };
            for (c, reason, class) in compile_code(file.statuses, "status")? {
                let pattern = StatusPattern::parse(&c.code)
                    .ok_or_else(|| err(&c.code, "not a status code pattern such as 5.1.1 or x.1.1".into()))?;
                statuses.push(CompiledCode {
                    id: leak(format!("status.{}", c.code)),
                    pattern,
                    reason,
                    class,
                });
            }
            for (c, reason, class) in compile_code(file.replies, "reply")? {
                let pattern = CodePattern::parse(&c.code)
                    .ok_or_else(|| err(&c.code, "not a reply code such as 550 or 5xx".into()))?;
                replies.push(CompiledCode {
                    id: leak(format!("reply.{}", c.code)),
                    pattern,
                    reason,
                    class,
                });
            }
        }
        // More specific status patterns first; within one specificity, file order.
        statuses.sort_by_key(|s| std::cmp::Reverse(s.pattern.specificity()));
        replies.sort_by_key(|r| matches!(r.pattern, CodePattern::Class(_)));
        let matcher = AhoCorasick::builder()
            .match_kind(MatchKind::Standard)
            .kind(Some(AhoCorasickKind::DFA))
            .build(&patterns)
            .or_else(|_| {
                AhoCorasick::builder()
                    .match_kind(MatchKind::Standard)
                    .build(&patterns)
            })
            .map_err(|e| RulesError::Toml {
                origin: "rules".into(),
                message: e.to_string(),
            })?;
        Ok(Classifier {
            rules,
            matcher,
            owner,
            statuses,
            replies,
        })
    }

    /// Classifies one diagnostic. `dsn` is a status code known from elsewhere
    /// (Postfix `dsn=`), used when the text carries none.
    pub fn classify(&self, text: &[u8], dsn: Option<Status>) -> Classified {
        let code = codes::find_reply_code(text);
        let status = codes::find_status(text).or(dsn);
        let reply_class = code.map(|c| (c / 100) as u8).or(status.map(|s| s.class));
        let decide = |id: &'static str, reason: Reason, class: Option<Class>| Classified {
            verdict: Verdict {
                class: class.unwrap_or_else(|| reason.class_for_code(reply_class)),
                reason,
                rule: id,
            },
            code,
            status,
        };
        if let Some(rule) = self.match_text(text, code, status) {
            return decide(rule.id, rule.reason, rule.class);
        }
        if let Some(s) = status {
            if let Some(hit) = self.statuses.iter().find(|e| e.pattern.matches(s)) {
                return decide(hit.id, hit.reason, hit.class);
            }
        }
        if code.is_some() || status.is_some() {
            if let Some(hit) = self.replies.iter().find(|e| e.pattern.matches(code, status)) {
                return decide(hit.id, hit.reason, hit.class);
            }
        }
        decide("undefined", Reason::Undefined, None)
    }

    fn match_text(&self, text: &[u8], code: Option<u16>, status: Option<Status>) -> Option<&CompiledRule> {
        LOWER.with_borrow_mut(|lower| {
            lower.clear();
            lower.extend(text.iter().map(u8::to_ascii_lowercase));
            CANDIDATES.with_borrow_mut(|candidates| {
                candidates.clear();
                candidates.extend(
                    self.matcher
                        .find_overlapping_iter(&lower[..])
                        .map(|m| self.owner[m.pattern().as_usize()]),
                );
                candidates.sort_unstable();
                candidates.dedup();
                candidates.iter().map(|&i| &self.rules[i as usize]).find(|rule| {
                    rule.code.is_none_or(|p| p.matches(code, status))
                        && rule.status.is_none_or(|p| status.is_some_and(|s| p.matches(s)))
                        && rule.all.iter().all(|p| memchr::memmem::find(lower, p).is_some())
                        && rule.regex.as_ref().is_none_or(|r| r.is_match(text))
                })
            })
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn verdict(text: &str) -> (Class, Reason) {
        let v = Classifier::builtin().classify(text.as_bytes(), None).verdict;
        (v.class, v.reason)
    }

    #[test]
    fn issue_3_examples() {
        use Class::*;
        use Reason::*;
        let cases: &[(&str, Class, Reason)] = &[
            ("550-5.1.1 The email account that you tried to reach does not exist. Please try 550-5.1.1 double-checking the recipient's email address for typos or 550 5.1.1 https://support.google.com/mail/?p=NoSuchUser d2si - gsmtp", Hard, UserUnknown),
            ("550 5.5.0 Requested action not taken: mailbox unavailable (S2017062302) [AM1PEPF000252DC.eurprd07.prod.outlook.com]", Hard, UserUnknown),
            ("554 delivery error: dd This user doesn't have a yahoo.com account (x@yahoo.com) [0] - mta1055.mail.ne1.yahoo.com", Hard, UserUnknown),
            ("Host or domain name not found. Name service error for name=exampel.com type=A: Host not found", Hard, HostUnknown),
            ("550 5.2.1 The email account that you tried to reach is disabled.", Hard, Suspend),
            ("452 4.2.2 The email account that you tried to reach is over quota.", Soft, MailboxFull),
            ("552 5.2.2 The email account that you tried to reach is over quota.", Soft, MailboxFull),
            ("552 5.3.4 Message size exceeds fixed limit", Soft, MesgTooBig),
            ("554 5.7.1 Service unavailable; Client host [203.0.113.25] blocked using zen.spamhaus.org; https://www.spamhaus.org/query/ip/203.0.113.25", Block, Blocked),
            ("550 5.7.1 Unfortunately, messages from [203.0.113.25] weren't sent. Please contact your Internet service provider since part of their network is on our block list (S3150).", Block, Blocked),
            ("550-5.7.26 This mail is unauthenticated, which poses a security risk to the sender and Gmail users", Block, AuthFailure),
            ("421-4.7.28 [203.0.113.25] Our system has detected an unusual rate of unsolicited mail originating from your IP address.", Block, Speeding),
            ("421 4.7.0 [TSS04] Messages from 203.0.113.25 temporarily deferred due to unexpected volume or user complaints", Block, Speeding),
            ("450 4.2.0 <a@b.example>: Recipient address rejected: Greylisted, see http://postgrey.schweikert.ch/help/b.example.html", Soft, Greylisted),
            ("connect to mx.example.com[192.0.2.1]:25: Connection timed out", Soft, NetworkError),
        ];
        for (text, class, reason) in cases {
            assert_eq!(verdict(text), (*class, *reason), "{text}");
        }
    }

    #[test]
    fn falls_back_to_status_then_reply_code() {
        let c = Classifier::builtin().classify(b"550 5.1.1 <x@y>: nope", None);
        assert_eq!(
            (c.verdict.reason, c.verdict.rule),
            (Reason::UserUnknown, "status.x.1.1")
        );
        let c = Classifier::builtin().classify(b"something odd", Status::parse(b"5.1.2"));
        assert_eq!(c.verdict.reason, Reason::HostUnknown);
        let c = Classifier::builtin().classify(b"no code at all", None);
        assert_eq!(c.verdict.rule, "undefined");
    }

    #[test]
    fn user_rules_take_precedence_and_errors_name_the_rule() {
        let user = r#"
            [[rule]]
            id = "my.gmail"
            any = ["does not exist"]
            reason = "filtered"
        "#;
        let c = Classifier::with_user_rules(user, "my.toml").unwrap();
        let v = c
            .classify(
                b"550-5.1.1 The email account that you tried to reach does not exist",
                None,
            )
            .verdict;
        assert_eq!((v.reason, v.rule), (Reason::Filtered, "my.gmail"));
        let bad = "[[rule]]\nid = \"x\"\nany = [\"a\"]\nreason = \"nosuch\"\n";
        let e = Classifier::with_user_rules(bad, "my.toml")
            .err()
            .unwrap()
            .to_string();
        assert!(e.contains("my.toml: rule `x`: unknown reason `nosuch`"), "{e}");
    }
}
