//! The rules table as data: its TOML schema, validation with messages that
//! name the rule, and the built-in table embedded at build time.

use crate::classify::codes::Status;
use crate::model::{Class, Deferral, Reason};
use serde::Deserialize;

/// The built-in rules files, compiled into the binary, in the order their
/// text rules are tried: the providers' documented replies first (their codes
/// are the strongest evidence), then the phrasings of other languages (so
/// that a reply in another language is not decided by a code-only rule of
/// the general table), then the general English phrasings with the status
/// and reply code tables. The status and reply tables are tried after every
/// text rule of all files.
pub const BUILTIN_FILES: &[(&str, &str)] = &[
    (
        "rules/provider-replies.toml",
        include_str!("../../rules/provider-replies.toml"),
    ),
    ("rules/languages.toml", include_str!("../../rules/languages.toml")),
    ("rules/builtin.toml", include_str!("../../rules/builtin.toml")),
];

/// The built-in files as one table (a rule id may appear once in all of them).
pub fn builtin_table() -> Result<RulesFile, RulesError> {
    let mut table = RulesFile::default();
    for (origin, text) in BUILTIN_FILES {
        let file = RulesFile::from_toml(text, origin)?;
        table.rules.extend(file.rules);
        table.statuses.extend(file.statuses);
        table.replies.extend(file.replies);
    }
    Ok(table)
}

/// A rules file, built-in or `--rules FILE`.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RulesFile {
    /// Text rules, tried first, in order: the first one that matches wins.
    #[serde(default, rename = "rule")]
    pub rules: Vec<TextRule>,
    /// RFC 3463 enhanced status codes, tried when no text rule matched.
    #[serde(default, rename = "status")]
    pub statuses: Vec<CodeRule>,
    /// Basic SMTP reply codes, tried when neither of the above decided.
    #[serde(default, rename = "reply")]
    pub replies: Vec<CodeRule>,
}

/// A string or a list of strings: `status = "5.7.1"` or `status = ["5.7.1", "5.7.26"]`.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(untagged)]
pub enum OneOrMany {
    #[default]
    None,
    One(String),
    Many(Vec<String>),
}

impl OneOrMany {
    pub fn to_vec(&self) -> Vec<String> {
        match self {
            OneOrMany::None => Vec::new(),
            OneOrMany::One(s) => vec![s.clone()],
            OneOrMany::Many(v) => v.clone(),
        }
    }
}

/// A rule that matches the diagnostic text.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TextRule {
    /// Unique name, shown in `classify` output so users can see why.
    pub id: String,
    /// Case-insensitive substrings; any one of them selects the rule. Empty:
    /// the rule is decided by `status` / `code` alone, tried in its place.
    #[serde(default)]
    pub any: Vec<String>,
    /// Case-insensitive substrings that must all be present as well.
    #[serde(default)]
    pub all: Vec<String>,
    /// Case-insensitive substrings none of which may be present.
    #[serde(default)]
    pub none: Vec<String>,
    /// A regular expression (case-insensitive) that must also match.
    #[serde(default)]
    pub regex: Option<String>,
    /// Reply-code condition, one or a list (any of them): `5`/`5xx` (class),
    /// or an exact code such as `550`.
    #[serde(default)]
    pub code: OneOrMany,
    /// Enhanced-status condition, one or a list (any of them): `5.7.1`,
    /// `5.7`, `x.7.1` (x: any class).
    #[serde(default)]
    pub status: OneOrMany,
    pub reason: String,
    /// Overrides the reason's default class.
    #[serde(default)]
    pub class: Option<String>,
    /// Why mail waits when this reply defers it (`rate-limit`, `timeout`, ...).
    #[serde(default)]
    pub deferral: Option<String>,
    /// Free text: where the pattern comes from. Ignored by the engine.
    #[serde(default)]
    pub note: Option<String>,
    /// Real-looking texts this rule must decide; checked by the test suite,
    /// ignored by the engine.
    #[serde(default)]
    pub example: OneOrMany,
}

/// A rule keyed by a code: `[[status]] code = "x.1.1"` or `[[reply]] code = "550"`.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CodeRule {
    pub code: String,
    pub reason: String,
    #[serde(default)]
    pub class: Option<String>,
    /// Why mail waits when this code defers it.
    #[serde(default)]
    pub deferral: Option<String>,
    #[serde(default)]
    pub note: Option<String>,
}

/// A condition on the reply code.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CodePattern {
    Class(u8),
    Exact(u16),
}

impl CodePattern {
    pub fn parse(s: &str) -> Option<CodePattern> {
        let s = s.trim().to_ascii_lowercase();
        let b = s.as_bytes();
        match b {
            [c @ (b'2' | b'4' | b'5')] | [c @ (b'2' | b'4' | b'5'), b'x', b'x'] => {
                Some(CodePattern::Class(c - b'0'))
            }
            [c @ (b'2' | b'4' | b'5'), d1, d2] if d1.is_ascii_digit() && d2.is_ascii_digit() => {
                Some(CodePattern::Exact(s.parse().ok()?))
            }
            _ => None,
        }
    }

    pub fn matches(self, code: Option<u16>, status: Option<Status>) -> bool {
        match self {
            CodePattern::Exact(want) => code == Some(want),
            CodePattern::Class(want) => match code {
                Some(code) => code / 100 == u16::from(want),
                None => status.is_some_and(|s| s.class == want),
            },
        }
    }
}

/// A condition on the enhanced status code; `None` parts match anything
/// (a `None` class: any failure class).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct StatusPattern {
    pub class: Option<u8>,
    pub subject: Option<u16>,
    pub detail: Option<u16>,
}

impl StatusPattern {
    /// `5.7.1`, `5.7`, `5.7.x`, `x.7.1`, `4`.
    pub fn parse(s: &str) -> Option<StatusPattern> {
        let mut parts = s.trim().split('.');
        let class = match parts.next()? {
            "x" | "X" | "*" => None,
            c @ ("2" | "4" | "5") => Some(c.parse().ok()?),
            _ => return None,
        };
        let num = |p: Option<&str>| -> Option<Option<u16>> {
            match p {
                None | Some("") | Some("x") | Some("X") | Some("*") => Some(None),
                Some(n) if n.len() <= 3 => n.parse().ok().map(Some),
                Some(_) => None,
            }
        };
        let subject = num(parts.next())?;
        let detail = num(parts.next())?;
        if parts.next().is_some() {
            return None;
        }
        Some(StatusPattern {
            class,
            subject,
            detail,
        })
    }

    /// An `x` class stands for a failure (4 or 5): `x.6` must not turn the
    /// success `250 2.6.0 Message received` into a content error.
    pub fn matches(self, s: Status) -> bool {
        self.class.map_or(s.class != 2, |c| c == s.class)
            && self.subject.is_none_or(|v| v == s.subject)
            && self.detail.is_none_or(|v| v == s.detail)
    }

    /// How many parts are fixed: more specific patterns are tried first.
    pub fn specificity(self) -> u8 {
        u8::from(self.class.is_some())
            + u8::from(self.subject.is_some()) * 2
            + u8::from(self.detail.is_some()) * 4
    }
}

/// Why a rules file was refused.
#[derive(Debug, thiserror::Error)]
pub enum RulesError {
    #[error("{origin}: not a valid rules file: {message}")]
    Toml { origin: String, message: String },
    #[error("{origin}: rule `{id}`: {message}")]
    Rule {
        origin: String,
        id: String,
        message: String,
    },
}

pub fn parse_reason(s: &str) -> Result<Reason, String> {
    Reason::parse(s).ok_or_else(|| {
        let names: Vec<&str> = Reason::ALL.iter().map(|r| r.as_str()).collect();
        format!("unknown reason `{s}` (known: {})", names.join(", "))
    })
}

pub fn parse_class(s: &str) -> Result<Class, String> {
    Class::parse(s).ok_or_else(|| format!("unknown class `{s}` (known: hard, soft, block)"))
}

pub fn parse_deferral(s: &str) -> Result<Deferral, String> {
    Deferral::parse(s).ok_or_else(|| {
        let names: Vec<&str> = Deferral::ALL.iter().map(|d| d.as_str()).collect();
        format!("unknown deferral `{s}` (known: {})", names.join(", "))
    })
}

impl RulesFile {
    /// Parses a rules file; `origin` names it in error messages.
    pub fn from_toml(text: &str, origin: &str) -> Result<RulesFile, RulesError> {
        toml::from_str(text).map_err(|e| RulesError::Toml {
            origin: origin.to_string(),
            message: e.to_string().trim().to_string(),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn builtin_table_parses() {
        let rules = builtin_table().unwrap();
        assert!(rules.rules.len() > 20);
        assert!(!rules.statuses.is_empty());
    }

    #[test]
    fn code_patterns() {
        assert_eq!(CodePattern::parse("5"), Some(CodePattern::Class(5)));
        assert_eq!(CodePattern::parse("4xx"), Some(CodePattern::Class(4)));
        assert_eq!(CodePattern::parse("550"), Some(CodePattern::Exact(550)));
        assert_eq!(CodePattern::parse("650"), None);
        assert!(CodePattern::Class(5).matches(Some(554), None));
        assert!(CodePattern::Class(4).matches(None, Status::parse(b"4.2.2")));
    }

    #[test]
    fn status_patterns() {
        let p = StatusPattern::parse("x.7.1").unwrap();
        assert!(p.matches(Status::parse(b"4.7.1").unwrap()));
        assert!(!p.matches(Status::parse(b"4.7.10").unwrap()));
        let p = StatusPattern::parse("5.7").unwrap();
        assert!(p.matches(Status::parse(b"5.7.26").unwrap()));
        assert!(StatusPattern::parse("5.7.1.2").is_none());
        assert!(StatusPattern::parse("9.1.1").is_none());
    }
}
