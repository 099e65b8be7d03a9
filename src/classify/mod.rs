//! The classifier: one engine that turns a reply code, an enhanced status code
//! and a diagnostic text into a class and a reason, for every input format.
//!
//! Order (DESIGN.md §1): text rules for known providers and blocklists → the
//! RFC 3463 enhanced status table → the basic reply code table → `undefined`.
//! The rules are data (`rules/builtin.toml`, plus `--rules FILE` in front),
//! compiled once into a single case-insensitive Aho-Corasick automaton over
//! every literal of every rule; one pass over the text marks which literals
//! occur, and each rule is then decided from those marks (no per-rule scans).

pub mod codes;
pub mod help;
pub mod rules;
pub mod stage;

use crate::model::{Class, Deferral, Reason, Stage, Verdict};
use aho_corasick::{AhoCorasick, AhoCorasickKind, MatchKind};
pub use codes::Status;
use regex::bytes::Regex;
use rules::{
    parse_class, parse_deferral, parse_reason, CodePattern, CodeRule, RulesError, RulesFile, StatusPattern,
};
use std::cell::RefCell;
use std::collections::{HashMap, HashSet};
use std::sync::OnceLock;

/// What the classifier found and decided for one text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Classified {
    pub verdict: Verdict,
    /// The SMTP reply code found in the text.
    pub code: Option<u16>,
    /// The enhanced status code found in the text, else the one given.
    pub status: Option<Status>,
    /// Why mail waits, when this reply defers it (see [`Deferral`]).
    pub deferral: Option<Deferral>,
    /// Which table decided.
    pub table: Table,
    /// Where the stage came from, when there is one.
    pub stage_from: Option<StageFrom>,
    /// Why the stage changed the table's answer (`classify --explain`).
    pub adjusted: Option<&'static str>,
}

/// The table that decided a text (DESIGN.md §1 order).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Table {
    /// A text rule (phrases, provider codes).
    Text,
    /// The RFC 3463 enhanced status table.
    Status,
    /// The basic reply code table: no phrase and no known status.
    Reply,
    /// Nothing matched.
    Nothing,
}

impl Table {
    pub fn as_str(self) -> &'static str {
        match self {
            Table::Text => "text rule",
            Table::Status => "enhanced status table",
            Table::Reply => "reply code table",
            Table::Nothing => "nothing matched",
        }
    }
}

/// Where a stage came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StageFrom {
    /// The text's own words (the phrase that named it).
    Text(&'static str),
    /// The caller (`classify --stage`, a DSN or an export field).
    Given,
}

struct CompiledRule {
    id: &'static str,
    /// Literal ids of `any`, in the file's order (for the matched words).
    any: Box<[u32]>,
    /// Literal ids (see `Classifier::matcher`) that must all / must not occur.
    all: Box<[u32]>,
    none: Box<[u32]>,
    regex: Option<LazyRegex>,
    /// Any-of conditions; empty means no condition.
    codes: Box<[CodePattern]>,
    statuses: Box<[StatusPattern]>,
    reason: Reason,
    class: Option<Class>,
    deferral: Option<Deferral>,
}

struct CompiledCode<P> {
    id: &'static str,
    pattern: P,
    reason: Reason,
    class: Option<Class>,
    deferral: Option<Deferral>,
}

/// A rule's regular expression, compiled on first use.
struct LazyRegex {
    pattern: String,
    /// `None` inside: the pattern did not compile (only possible for the
    /// built-in table, whose patterns a test compiles): never matches.
    compiled: OnceLock<Option<Regex>>,
}

impl LazyRegex {
    fn build(&self) -> Result<Regex, regex::Error> {
        regex::bytes::RegexBuilder::new(&self.pattern)
            .case_insensitive(true)
            .build()
    }

    fn is_match(&self, text: &[u8]) -> bool {
        self.compiled
            .get_or_init(|| self.build().ok())
            .as_ref()
            .is_some_and(|r| r.is_match(text))
    }
}

/// The name the built-in table goes by in messages and rule origins.
const BUILTIN_ORIGIN: &str = "built-in rules";

/// Which rules a run uses. The built-in table is compiled on first use, so a
/// run that classifies nothing (an incremental run with no new lines) does not
/// pay for compiling it. Dereferences to the [`Classifier`].
#[derive(Clone, Copy)]
pub enum Rules {
    Builtin,
    /// The built-in table with a user's rules file in front (built at start,
    /// so that a bad file is reported before any work).
    Custom(&'static Classifier),
}

impl std::ops::Deref for Rules {
    type Target = Classifier;

    fn deref(&self) -> &Classifier {
        match self {
            Rules::Builtin => Classifier::builtin(),
            Rules::Custom(c) => c,
        }
    }
}

/// A compiled rules table.
pub struct Classifier {
    rules: Vec<CompiledRule>,
    /// Every distinct literal of every rule (`any`, `all`, `none`), matched
    /// ASCII-case-insensitively; literal i is pattern i.
    matcher: AhoCorasick,
    /// Literal i → the rules that list it in `any`, in rule order.
    selects: Vec<Box<[u32]>>,
    /// Rules without `any` (decided by codes alone): candidates for every text.
    always: Box<[u32]>,
    literals: usize,
    /// Literal i's text (lower-cased), for the matched words of a verdict.
    literal_texts: Box<[&'static str]>,
    statuses: Vec<CompiledCode<StatusPattern>>,
    replies: Vec<CompiledCode<CodePattern>>,
}

/// Per-thread scratch space, so that `classify` allocates nothing once warm.
#[derive(Default)]
struct Scratch {
    /// Bit i set: literal i occurs in the text.
    seen: Vec<u64>,
    /// Rules selected by an `any` literal.
    candidates: Vec<u32>,
    /// The text without repeated reply-code prefixes (see [`unfold`]).
    unfolded: Vec<u8>,
}

thread_local! {
    static SCRATCH: RefCell<Scratch> = RefCell::new(Scratch::default());
}

/// Rule ids live as long as the program: the table is built once per run, and
/// verdicts carry the id as a `&'static str` so that they cost no allocation.
fn leak(s: String) -> &'static str {
    Box::leak(s.into_boxed_str())
}

fn is_set(seen: &[u64], literal: u32) -> bool {
    seen.get(literal as usize / 64)
        .is_some_and(|w| w & (1 << (literal % 64)) != 0)
}

/// Interns literals: one automaton pattern per distinct lower-cased text.
#[derive(Default)]
struct Literals {
    texts: Vec<String>,
    index: HashMap<String, u32>,
}

impl Literals {
    fn intern(&mut self, text: &str) -> u32 {
        let key = text.to_ascii_lowercase();
        if let Some(&i) = self.index.get(&key) {
            return i;
        }
        let i = self.texts.len() as u32;
        self.texts.push(key.clone());
        self.index.insert(key, i);
        i
    }
}

impl Classifier {
    /// The built-in table, compiled on first use.
    pub fn builtin() -> &'static Classifier {
        static BUILTIN: OnceLock<Classifier> = OnceLock::new();
        BUILTIN.get_or_init(|| {
            let file =
                rules::builtin_table().unwrap_or_else(|e| panic!("the built-in rules table is broken: {e}"));
            Classifier::compile(vec![(BUILTIN_ORIGIN.to_string(), file)])
                .unwrap_or_else(|e| panic!("the built-in rules table is broken: {e}"))
        })
    }

    /// The built-in table with a user's rules file in front of it.
    pub fn with_user_rules(text: &str, origin: &str) -> Result<Classifier, RulesError> {
        let user = RulesFile::from_toml(text, origin)?;
        let builtin = rules::builtin_table()?;
        Classifier::compile(vec![
            (origin.to_string(), user),
            (BUILTIN_ORIGIN.to_string(), builtin),
        ])
    }

    /// Compiles rules files; earlier files take precedence over later ones.
    pub fn compile(files: Vec<(String, RulesFile)>) -> Result<Classifier, RulesError> {
        let mut rules = Vec::new();
        let mut literals = Literals::default();
        let mut selects: Vec<Vec<u32>> = Vec::new();
        let mut always = Vec::new();
        let mut statuses = Vec::new();
        let mut replies = Vec::new();
        // A user rule may reuse a built-in id to replace that rule: the first
        // file that defines an id wins; a repeated id inside one file is an error.
        let mut ids = HashSet::new();
        let mut code_ids = HashSet::new();
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
                if rule.id.trim().is_empty() {
                    return Err(err(&rule.id, "`id` must not be empty".into()));
                }
                if !ids.insert(rule.id.clone()) {
                    continue;
                }
                let blank = |list: &[String]| list.iter().any(|p| p.trim().is_empty());
                if blank(&rule.any) {
                    return Err(err(&rule.id, "`any` must not hold empty texts".into()));
                }
                if blank(&rule.all) || blank(&rule.none) {
                    return Err(err(&rule.id, "`all` and `none` must not hold empty texts".into()));
                }
                let reason = parse_reason(&rule.reason).map_err(|m| err(&rule.id, m))?;
                let class = rule
                    .class
                    .as_deref()
                    .map(parse_class)
                    .transpose()
                    .map_err(|m| err(&rule.id, m))?;
                let deferral = rule
                    .deferral
                    .as_deref()
                    .map(parse_deferral)
                    .transpose()
                    .map_err(|m| err(&rule.id, m))?;
                let codes = rule
                    .code
                    .to_vec()
                    .iter()
                    .map(|c| {
                        CodePattern::parse(c).ok_or_else(|| {
                            err(
                                &rule.id,
                                format!("`code = \"{c}\"` is not a reply code such as 5, 4xx or 550"),
                            )
                        })
                    })
                    .collect::<Result<Vec<_>, _>>()?;
                let status_patterns = rule
                    .status
                    .to_vec()
                    .iter()
                    .map(|s| {
                        StatusPattern::parse(s).ok_or_else(|| {
                            err(
                                &rule.id,
                                format!("`status = \"{s}\"` is not a status such as 5.7.1, 5.7 or x.7.1"),
                            )
                        })
                    })
                    .collect::<Result<Vec<_>, _>>()?;
                let regex = match rule.regex.as_deref() {
                    None => None,
                    Some(r) => {
                        let lazy = LazyRegex {
                            pattern: r.to_string(),
                            compiled: OnceLock::new(),
                        };
                        // A user's regex is compiled now so that a mistake is
                        // reported before any work; the built-in ones (tested)
                        // when a text first needs them: most runs need few.
                        if origin != BUILTIN_ORIGIN {
                            let compiled = lazy
                                .build()
                                .map_err(|e| err(&rule.id, format!("bad regex: {e}")))?;
                            let _ = lazy.compiled.set(Some(compiled));
                        }
                        Some(lazy)
                    }
                };
                if rule.any.is_empty() && codes.is_empty() && status_patterns.is_empty() {
                    return Err(err(
                        &rule.id,
                        "give `any` (texts), or `status` or `code` for a rule decided by codes alone".into(),
                    ));
                }
                let index = rules.len() as u32;
                if rule.any.is_empty() {
                    always.push(index);
                }
                for p in &rule.any {
                    let lit = literals.intern(p) as usize;
                    if selects.len() <= lit {
                        selects.resize(lit + 1, Vec::new());
                    }
                    if selects[lit].last() != Some(&index) {
                        selects[lit].push(index);
                    }
                }
                let any = rule.any.iter().map(|p| literals.intern(p)).collect();
                let all = rule.all.iter().map(|p| literals.intern(p)).collect();
                let none = rule.none.iter().map(|p| literals.intern(p)).collect();
                rules.push(CompiledRule {
                    id: leak(rule.id),
                    any,
                    all,
                    none,
                    regex,
                    codes: codes.into(),
                    statuses: status_patterns.into(),
                    reason,
                    class,
                    deferral,
                });
            }
            let compile_code = |c: &CodeRule, id: &str| -> Result<_, RulesError> {
                let reason = parse_reason(&c.reason).map_err(|m| err(id, m))?;
                let class = c
                    .class
                    .as_deref()
                    .map(parse_class)
                    .transpose()
                    .map_err(|m| err(id, m))?;
                let deferral = c
                    .deferral
                    .as_deref()
                    .map(parse_deferral)
                    .transpose()
                    .map_err(|m| err(id, m))?;
                Ok((reason, class, deferral))
            };
            for c in &file.statuses {
                let id = format!("status.{}", c.code.trim());
                let pattern = StatusPattern::parse(&c.code)
                    .ok_or_else(|| err(&id, "not a status code pattern such as 5.1.1 or x.1.1".into()))?;
                let (reason, class, deferral) = compile_code(c, &id)?;
                // As with text rules, the first file to define a code wins.
                if code_ids.insert(id.clone()) {
                    statuses.push(CompiledCode {
                        id: leak(id),
                        pattern,
                        reason,
                        class,
                        deferral,
                    });
                }
            }
            for c in &file.replies {
                let id = format!("reply.{}", c.code.trim());
                let pattern = CodePattern::parse(&c.code)
                    .ok_or_else(|| err(&id, "not a reply code such as 550 or 5xx".into()))?;
                let (reason, class, deferral) = compile_code(c, &id)?;
                if code_ids.insert(id.clone()) {
                    replies.push(CompiledCode {
                        id: leak(id),
                        pattern,
                        reason,
                        class,
                        deferral,
                    });
                }
            }
        }
        // More specific status patterns first; within one specificity, file order.
        statuses.sort_by_key(|s| std::cmp::Reverse(s.pattern.specificity()));
        replies.sort_by_key(|r| matches!(r.pattern, CodePattern::Class(_)));
        selects.resize(literals.texts.len(), Vec::new());
        let build = |kind: Option<AhoCorasickKind>| {
            AhoCorasick::builder()
                .match_kind(MatchKind::Standard)
                .ascii_case_insensitive(true)
                .kind(kind)
                .build(&literals.texts)
        };
        // A contiguous NFA: a DFA of these ~700 literals searches a miss
        // about 40% faster but takes 190 M instructions to build against 25 M,
        // more than it saves even on a 700 MB log (the verdict cache answers
        // most texts). A huge user table may exceed the NFA's limits, and
        // then the builder picks a form that fits.
        let matcher = build(Some(AhoCorasickKind::ContiguousNFA))
            .or_else(|_| build(None))
            .map_err(|e| RulesError::Toml {
                origin: "rules".into(),
                message: e.to_string(),
            })?;
        Ok(Classifier {
            rules,
            matcher,
            literals: literals.texts.len(),
            literal_texts: literals.texts.into_iter().map(leak).collect(),
            selects: selects.into_iter().map(Vec::into_boxed_slice).collect(),
            always: always.into(),
            statuses,
            replies,
        })
    }

    /// Classifies one diagnostic. `dsn` is a status code known from elsewhere
    /// (Postfix `dsn=`), used when the text carries none. The SMTP stage is
    /// taken from the text's own words when it names one.
    pub fn classify(&self, text: &[u8], dsn: Option<Status>) -> Classified {
        self.classify_at(text, dsn, None)
    }

    /// [`Classifier::classify`] with a stage known from elsewhere (`classify
    /// --stage`, a DSN, an export field); the text's own stage words win.
    pub fn classify_at(&self, text: &[u8], dsn: Option<Status>, given: Option<Stage>) -> Classified {
        let code = codes::find_reply_code(text);
        let status = match codes::find_status(text) {
            // A `2.x.x` inside a failure reply is a version number or the
            // like, never the status of the failure.
            Some(s) if s.class == 2 && code.is_some_and(|c| c >= 400) => dsn,
            found => found.or(dsn),
        };
        // One scan gives both the stage and the words that named it.
        let (stage, stage_from) = match stage::find_stage_marker(text) {
            Some((found, marker)) => (Some(found), Some(StageFrom::Text(marker))),
            None => (given, given.map(|_| StageFrom::Given)),
        };
        let reply_class = code.map(|c| (c / 100) as u8).or(status.map(|s| s.class));
        let decide = |table: Table,
                      id: &'static str,
                      matched: Option<&'static str>,
                      reason: Reason,
                      class: Option<Class>,
                      deferral: Option<Deferral>| {
            let deferral = deferral.or_else(|| reason.deferral());
            let mut verdict = Verdict {
                class: class.unwrap_or_else(|| reason.class_for_code(reply_class)),
                reason,
                rule: id,
                deferral,
                stage,
                matched,
            };
            let adjusted = settle(&mut verdict, table, reply_class, status);
            Classified {
                verdict,
                code,
                status,
                deferral,
                table,
                stage_from,
                adjusted,
            }
        };
        if let Some((rule, matched)) = self.match_text(text, code, status) {
            return decide(
                Table::Text,
                rule.id,
                matched,
                rule.reason,
                rule.class,
                rule.deferral,
            );
        }
        if let Some(s) = status {
            if let Some(hit) = self.statuses.iter().find(|e| e.pattern.matches(s)) {
                return decide(Table::Status, hit.id, None, hit.reason, hit.class, hit.deferral);
            }
        }
        if code.is_some() || status.is_some() {
            if let Some(hit) = self.replies.iter().find(|e| e.pattern.matches(code, status)) {
                return decide(Table::Reply, hit.id, None, hit.reason, hit.class, hit.deferral);
            }
        }
        decide(Table::Nothing, "undefined", None, Reason::Undefined, None, None)
    }

    /// Ids of the text rules, in the order they are tried.
    pub fn rule_ids(&self) -> impl Iterator<Item = &'static str> + '_ {
        self.rules.iter().map(|r| r.id)
    }

    fn match_text(
        &self,
        text: &[u8],
        code: Option<u16>,
        status: Option<Status>,
    ) -> Option<(&CompiledRule, Option<&'static str>)> {
        SCRATCH.with_borrow_mut(
            |Scratch {
                 seen,
                 candidates,
                 unfolded,
             }| {
                let text = unfold(text, code, unfolded);
                seen.clear();
                seen.resize(self.literals.div_ceil(64), 0);
                candidates.clear();
                candidates.extend_from_slice(&self.always);
                for m in self.matcher.find_overlapping_iter(text) {
                    let lit = m.pattern().as_usize();
                    let (word, bit) = (lit / 64, 1u64 << (lit % 64));
                    if seen[word] & bit == 0 {
                        seen[word] |= bit;
                        candidates.extend_from_slice(&self.selects[lit]);
                    }
                }
                if candidates.is_empty() {
                    return None;
                }
                candidates.sort_unstable();
                candidates.dedup();
                let seen = &seen[..];
                let rule = candidates.iter().map(|&i| &self.rules[i as usize]).find(|rule| {
                    (rule.codes.is_empty() || rule.codes.iter().any(|p| p.matches(code, status)))
                        && (rule.statuses.is_empty()
                            || status.is_some_and(|s| rule.statuses.iter().any(|p| p.matches(s))))
                        && rule.all.iter().all(|&l| is_set(seen, l))
                        && !rule.none.iter().any(|&l| is_set(seen, l))
                        && rule.regex.as_ref().is_none_or(|r| r.is_match(text))
                })?;
                let matched = rule
                    .any
                    .iter()
                    .find(|&&l| is_set(seen, l))
                    .and_then(|&l| self.literal_texts.get(l as usize).copied());
                Some((rule, matched))
            },
        )
    }
}

/// The evidence rules of DESIGN.md §1 applied to a table's answer: only a
/// failure about the recipient can be hard. Returns why the answer changed.
///
/// - A bare reply code (no phrase, no known enhanced status) is a guess, and
///   no guess suppresses at once: it is never hard (the soft streak may
///   still suppress).
/// - A permanent (5xx) answer to the greeting, HELO or MAIL FROM refuses us,
///   the sender, not the recipient: a block. A `notaccept` (RFC 7504 521 /
///   null MX: the domain takes no mail at all) stays what it is.
/// - A 5xx after DATA with neither recipient wording (a text rule) nor a
///   recipient status (x.1.x, x.2.x) refuses the content or breaks a
///   policy: a block. (A text rule's reason stands: `mesgtoobig` after DATA
///   is still a message too big.)
fn settle(
    verdict: &mut Verdict,
    table: Table,
    reply_class: Option<u8>,
    status: Option<Status>,
) -> Option<&'static str> {
    if !verdict.reason.is_bounce() || verdict.class == Class::Block {
        return None;
    }
    let permanent = reply_class == Some(5);
    match verdict.stage {
        Some(stage @ (Stage::Connect | Stage::Helo | Stage::Mail))
            if permanent && verdict.reason != Reason::NotAccept =>
        {
            verdict.class = Class::Block;
            // What the message itself broke (its declared SIZE, a limit) is
            // still what it was; only a recipient's or an undecided reason
            // would misname a refusal of us.
            if matches!(verdict.reason, Reason::MesgTooBig | Reason::ExceedLimit) {
                return Some("a 5xx answer before RCPT refuses the message, not the recipient: block");
            }
            if stage == Stage::Mail {
                verdict.reason = Reason::Rejected;
                return Some(
                    "a 5xx answer to MAIL FROM refuses our sender, not the recipient: block (rejected)",
                );
            }
            verdict.reason = Reason::Blocked;
            return Some(
                "a 5xx answer to the greeting or HELO refuses our host, not the recipient: block (blocked)",
            );
        }
        Some(Stage::Data)
            if permanent
                && (matches!(table, Table::Reply | Table::Nothing)
                    || (verdict.class == Class::Hard
                        && table == Table::Status
                        && !status.is_some_and(|s| s.subject == 1 || s.subject == 2))) =>
        {
            verdict.class = Class::Block;
            verdict.reason = Reason::PolicyViolation;
            return Some(
                "a 5xx after DATA with neither recipient wording nor a recipient status refuses the content or breaks a policy: block (policyviolation)",
            );
        }
        _ => {}
    }
    if table == Table::Reply && verdict.class == Class::Hard {
        verdict.class = Class::Soft;
        return Some(
            "a bare reply code is a guess and never hard: soft (suppressed only by the soft streak)",
        );
    }
    None
}

/// A multi-line SMTP reply joined into one log line repeats its code on every
/// line (`550-5.7.1 Messages with multiple 550-5.7.1 addresses in From: 550
/// 5.7.1 header are not accepted`), which splits the phrases rules look for.
/// Returns the text with every repeat of the first reply code (and the status
/// after it) removed; the first one stays, so rules can still name it. Texts
/// without repeats (nearly all) are returned as they are, without a copy.
fn unfold<'a>(text: &'a [u8], code: Option<u16>, buf: &'a mut Vec<u8>) -> &'a [u8] {
    let Some(code) = code else { return text };
    let digits = [
        b'0' + (code / 100) as u8,
        b'0' + (code / 10 % 10) as u8,
        b'0' + (code % 10) as u8,
    ];
    let Some(first) = memchr::memmem::find(text, &digits) else {
        return text;
    };
    let marker = [b' ', digits[0], digits[1], digits[2]];
    let finder = memchr::memmem::Finder::new(&marker);
    let mut from = first + 3;
    let mut copied = 0;
    buf.clear();
    while let Some(p) = finder.find(&text[from..]).map(|p| from + p) {
        let after = p + marker.len();
        // A line prefix is `550-`, or `550 5.7.1` on the last line; a bare
        // `550 ` elsewhere is quoted text (`-> 550 : User unknown`) and stays.
        let status = text.get(after + 1..).and_then(codes::status_prefix);
        let mut end = match (text.get(after), status) {
            (Some(b'-'), _) => after + 1,
            (Some(b' '), Some(_)) => after + 1,
            _ => {
                from = after;
                continue;
            }
        };
        if let Some(s) = text.get(end..).and_then(codes::status_prefix) {
            end += s;
            if text.get(end) == Some(&b' ') {
                end += 1;
            }
        }
        buf.extend_from_slice(&text[copied..=p]);
        copied = end;
        from = end;
    }
    if copied == 0 {
        return text;
    }
    buf.extend_from_slice(&text[copied..]);
    buf
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
            // Yahoo's TSS04 is a deferral for volume *or complaints*: Sisimai and
            // Yahoo's own code table call it reputation (deferral label: rate-limit).
            ("421 4.7.0 [TSS04] Messages from 203.0.113.25 temporarily deferred due to unexpected volume or user complaints", Block, BadReputation),
            ("450 4.2.0 <a@b.example>: Recipient address rejected: Greylisted, see http://postgrey.schweikert.ch/help/b.example.html", Soft, Greylisted),
            ("connect to mx.example.com[192.0.2.1]:25: Connection timed out", Soft, NetworkError),
        ];
        for (text, class, reason) in cases {
            assert_eq!(verdict(text), (*class, *reason), "{text}");
        }
    }

    /// Postfix prefixes every recipient restriction with `Recipient address
    /// rejected:`, and answers a refused sender at RCPT too (the default
    /// smtpd_delay_reject): as the classifier sees them in a log line, with
    /// the `(in reply to RCPT TO command)` stage, none of these is an unknown
    /// user, and a refused sender never suppresses the recipient.
    #[test]
    fn postfix_restriction_prefixes_are_not_user_unknown() {
        use Class::*;
        use Reason::*;
        let cases: &[(&str, Class, Reason)] = &[
            ("450 4.2.0 <a@b.example>: Recipient address rejected: Greylisted, see http://postgrey.schweikert.ch/help/b.example.html (in reply to RCPT TO command)", Soft, Greylisted),
            ("SMTP error from remote mail server after RCPT TO:<a@b.example>: 450 4.2.0 <a@b.example>: Recipient address rejected: Greylisted, see http://postgrey.schweikert.ch/help/b.example.html", Soft, Greylisted),
            ("554 5.7.1 <news@shop.example>: Sender address rejected: Access denied (in reply to RCPT TO command)", Block, Rejected),
            ("550 5.1.0 <news@shop.example>: Sender address rejected: Domain not found (in reply to RCPT TO command)", Block, Rejected),
            ("550 5.7.1 <a@b.example>: Recipient address rejected: Message rejected due to spam (in reply to RCPT TO command)", Block, SpamDetected),
            ("554 5.7.1 <a@b.example>: Recipient address rejected: Policy rejection (in reply to RCPT TO command)", Block, Blocked),
            // The words that do say so still do.
            ("550 5.1.1 <a@b.example>: Recipient address rejected: User unknown in virtual mailbox table (in reply to RCPT TO command)", Hard, UserUnknown),
        ];
        for (text, class, reason) in cases {
            assert_eq!(verdict(text), (*class, *reason), "{text}");
        }
    }

    /// Issue 14: the real-log replies that suppressed working addresses or
    /// blamed the wrong side. None of them may be hard.
    #[test]
    fn stage_and_guess_cases_are_never_hard() {
        use Class::*;
        let cases: &[(&str, Class, Reason)] = &[
            ("host mx.example.net[192.0.2.1] said: 550 Administrative prohibition (in reply to end of DATA command)", Block, Reason::PolicyViolation),
            ("host mx.example.net[192.0.2.1] refused to talk to me: 550 Too many invalid recipients", Block, Reason::TooManyConn),
            ("451-You have been greylisted. This is part of our standard anti-spam measures", Soft, Reason::Greylisted),
            ("554 Blocked - see https://ipcheck.proofpoint.com/?ip=203.0.113.25", Block, Reason::Blocked),
            ("452-4.2.1 The recipient is receiving mail at a rate that prevents additional messages from being delivered", Soft, Reason::Speeding),
            ("550 Postfach voll", Soft, Reason::MailboxFull),
            ("550 Почтовый ящик переполнен", Soft, Reason::MailboxFull),
            ("550 Boîte aux lettres pleine", Soft, Reason::MailboxFull),
        ];
        for (text, class, reason) in cases {
            assert_eq!(verdict(text), (*class, *reason), "{text}");
        }
        // The German blocklist reply is a block, whatever else it says.
        assert_eq!(verdict("550 Ihre IP-Adresse steht auf einer Sperrliste").0, Block);
        // A bare 5xx is a guess: never hard, and visibly undecided.
        let c = Classifier::builtin().classify(b"550 Sorry, no.", None);
        assert_eq!((c.verdict.class, c.verdict.is_undecided()), (Soft, true));
        // 5xx to the greeting, HELO or MAIL FROM refuses us, not the recipient.
        for stage in [Stage::Connect, Stage::Helo, Stage::Mail] {
            let c = Classifier::builtin().classify_at(b"550 5.1.1 user unknown", None, Some(stage));
            assert_eq!(c.verdict.class, Block, "{stage}");
        }
        let c = Classifier::builtin().classify_at(b"550 5.1.1 user unknown", None, Some(Stage::Rcpt));
        assert_eq!(c.verdict.class, Hard);
    }

    /// Keeps the table honest: every built-in rule carries at least one
    /// real-looking example, and each example is decided by that very rule
    /// (not by an earlier one that shadows it).
    #[test]
    fn every_builtin_rule_decides_its_examples() {
        let file = rules::builtin_table().unwrap();
        let classifier = Classifier::builtin();
        let mut failures = Vec::new();
        for rule in &file.rules {
            let examples = rule.example.to_vec();
            if examples.is_empty() {
                failures.push(format!("{}: no `example`", rule.id));
            }
            for text in examples {
                let got = classifier.classify(text.as_bytes(), None);
                if got.verdict.rule != rule.id {
                    failures.push(format!(
                        "{}: example decided by `{}` ({}): {text}",
                        rule.id, got.verdict.rule, got.verdict.reason
                    ));
                }
            }
        }
        assert!(failures.is_empty(), "\n{}", failures.join("\n"));
    }

    #[test]
    fn rule_ids_are_unique_across_the_three_tables() {
        let file = rules::builtin_table().unwrap();
        let mut seen = HashSet::new();
        for id in file.rules.iter().map(|r| r.id.clone()) {
            assert!(seen.insert(id.clone()), "duplicate rule id {id}");
        }
        for c in &file.statuses {
            assert!(
                seen.insert(format!("status.{}", c.code)),
                "status {} twice or shadowing a rule id",
                c.code
            );
        }
        for c in &file.replies {
            assert!(seen.insert(format!("reply.{}", c.code)), "reply {} twice", c.code);
        }
    }

    /// The classifier reads arbitrary bytes from remote servers: random
    /// bytes, and real replies cut and spliced at every position (fold
    /// markers and statuses cut short at the end), must never panic.
    #[test]
    fn never_panics_on_arbitrary_bytes() {
        let c = Classifier::builtin();
        let seeds: &[&[u8]] = &[
            b"550-5.7.1 Messages with multiple 550-5.7.1 addresses in From: 550 5.7.1 header",
            b"550 550 5.1.1 user unknown 550-",
            b"421-4.7.28 x 421 4",
            b"4.4.1 connect to mx[192.0.2.1]:25: Connection timed out 550 #5.",
            b"\xff\xfe550 5.2.2 \x00\x1b[2J mailbox full \xe3\x81\x82",
        ];
        for seed in seeds {
            for end in 0..=seed.len() {
                for start in 0..end {
                    let _ = c.classify(&seed[start..end], None);
                    let _ = c.classify(&seed[start..end], Status::parse(b"4.4.1"));
                }
            }
        }
        // A small LCG: deterministic, no dependency.
        let mut x: u64 = 0x9e37_79b9_7f4a_7c15;
        let alphabet = b"0123456789 .-#:<>@5455-x.1.1 550 user unknown\xff";
        let mut buf = Vec::new();
        for _ in 0..5_000 {
            buf.clear();
            x = x.wrapping_mul(6_364_136_223_846_793_005).wrapping_add(1);
            let len = (x >> 56) as usize;
            for _ in 0..len {
                x = x.wrapping_mul(6_364_136_223_846_793_005).wrapping_add(1);
                let b = (x >> 33) as usize;
                buf.push(if b.is_multiple_of(4) {
                    (b >> 8) as u8
                } else {
                    alphabet[b % alphabet.len()]
                });
            }
            let _ = c.classify(&buf, None);
        }
    }

    #[test]
    fn unfolds_multiline_replies_but_keeps_quoted_codes() {
        let mut buf = Vec::new();
        let t = b"550-5.7.1 Messages with multiple 550-5.7.1 addresses in From: 550 5.7.1 header are not accepted";
        assert_eq!(
            unfold(t, Some(550), &mut buf),
            &b"550-5.7.1 Messages with multiple addresses in From: header are not accepted"[..]
        );
        let t = b"550 5.1.351 Remote server returned unknown recipient -> 550 : User unknown";
        assert_eq!(unfold(t, Some(550), &mut buf), &t[..]);
        let t = b"no code here 550-";
        assert_eq!(unfold(t, None, &mut buf), &t[..]);
    }

    /// The cases docs/classification.md and `classify --help` promise.
    #[test]
    fn code_dependent_cases() {
        use Class::*;
        use Reason::*;
        let v = |t: &str| {
            let c = Classifier::builtin().classify(t.as_bytes(), None);
            (c.verdict.class, c.verdict.reason, c.deferral)
        };
        // Hard reasons turn soft on 4xx; null MX stays hard.
        assert_eq!(
            v("550 5.1.1 <a@b>: Recipient address rejected: User unknown").0,
            Hard
        );
        assert_eq!(
            v("450 4.1.1 <a@b>: Recipient address rejected: User unknown").0,
            Soft
        );
        assert_eq!(
            v("4.0.0 DNS Error: DNS type 'mx' lookup of example.org responded with code NOERROR The domain example.org doesn't receive email according to the administrator: returned Null MX"),
            (Hard, NotAccept, None)
        );
        // x.2.2 is a full mailbox (soft) with 4xx and 5xx alike, whatever the words.
        assert_eq!(v("552 5.2.2 <a@b>... try later"), (Soft, MailboxFull, None));
        assert_eq!(v("452 4.2.2 <a@b>... try later"), (Soft, MailboxFull, None));
        assert_eq!(
            v("552 5.2.3 Message size exceeds fixed maximum message size").1,
            ExceedLimit
        );
        assert_eq!(v("552 5.3.4 Message size exceeds fixed limit").1, MesgTooBig);
        // RCPT stage or x.1.1: userunknown; after DATA or stage-less: filtered.
        assert_eq!(v("550 User unknown (in reply to RCPT TO command)").1, UserUnknown);
        assert_eq!(
            v("550 User unknown (in reply to end of DATA command)").1,
            Filtered
        );
        assert_eq!(v("550 : User unknown").1, Filtered);
        // Timeouts: expired with a 4xx code (a notice that gave up), else network.
        assert_eq!(
            v("4.4.1 connect to mx[192.0.2.1]:25: Connection timed out"),
            (Soft, Expired, Some(Deferral::Timeout))
        );
        assert_eq!(
            v("connect to mx[192.0.2.1]:25: Connection timed out"),
            (Soft, NetworkError, Some(Deferral::Timeout))
        );
        // Deferral labels.
        assert_eq!(v("Host or domain name not found. Name service error for name=a.example type=MX: Host not found, try again").2, Some(Deferral::Dns));
        assert_eq!(
            v("connect to mx[192.0.2.1]:25: Connection refused").2,
            Some(Deferral::Refused)
        );
        assert_eq!(
            v("530 5.7.0 Must issue a STARTTLS command first").2,
            Some(Deferral::Tls)
        );
        assert_eq!(v("421 4.7.0 [TSS04] Messages from 203.0.113.25 temporarily deferred due to unexpected volume or user complaints").2, Some(Deferral::RateLimit));
        assert_eq!(
            v("450 4.2.0 <a@b>: Recipient address rejected: Greylisted").2,
            Some(Deferral::Greylisting)
        );
        assert_eq!(
            v("421 4.7.0 Too many concurrent SMTP connections").2,
            Some(Deferral::Connections)
        );
        // Successes are no failures, whatever a wildcard status pattern says.
        assert_eq!(v("250 2.6.0 Message received").1, Delivered);
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

#[cfg(test)]
mod lazy_regex_tests {
    use super::*;

    #[test]
    fn every_builtin_regex_compiles() {
        let file = rules::builtin_table().unwrap();
        for rule in file.rules {
            if let Some(r) = rule.regex {
                let lazy = LazyRegex {
                    pattern: r,
                    compiled: OnceLock::new(),
                };
                assert!(lazy.build().is_ok(), "rule `{}`: regex does not compile", rule.id);
            }
        }
    }
}
