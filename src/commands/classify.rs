//! `bouncectl classify`: classify texts given as arguments or one per line of
//! standard input, and show which rule decided.
//!
//! Formats: `table` (aligned columns, text last), `json` (JSON Lines: one
//! object per input with `input`, `class`, `reason`, `code`, `status`,
//! `stage`, `rule`, `matched`, `deferral`; absent values are `null`), `tsv`
//! (input, class, reason, code, status, rule, deferral, stage, matched: the
//! first seven as before, tabs and newlines in the input replaced by spaces).
//! `--explain` prints each decision path (in JSON: `table`, `stage_from`,
//! `adjusted` as well).

use super::{load_classifier, Exit, Global};
use crate::classify::{Classified, Classifier, StageFrom};
use crate::cli::{ClassifyArgs, ClassifyFormat};
use crate::model::{Class, Deferral, Reason, Stage};
use crate::output::sanitize;
use anyhow::{Context, Result};
use serde::Serialize;
use std::fmt::Write as _;
use std::io::{BufRead, BufWriter, Write};

#[derive(Serialize)]
struct Row<'a> {
    input: &'a str,
    class: &'static str,
    reason: &'static str,
    code: Option<u16>,
    status: Option<String>,
    stage: Option<&'static str>,
    rule: &'static str,
    matched: Option<&'static str>,
    deferral: Option<&'static str>,
    #[serde(flatten)]
    explain: Option<Explain>,
}

/// The decision path, for `--explain`.
#[derive(Serialize)]
struct Explain {
    table: &'static str,
    /// `text` (the words that named it) or `given` (`--stage`).
    stage_from: Option<&'static str>,
    stage_words: Option<&'static str>,
    adjusted: Option<&'static str>,
}

fn row<'a>(input: &'a str, c: &Classified, explain: bool) -> Row<'a> {
    Row {
        input,
        class: c.verdict.class.as_str(),
        reason: c.verdict.reason.as_str(),
        code: c.code,
        status: c.status.map(|s| s.to_string()),
        stage: c.verdict.stage.map(Stage::as_str),
        rule: c.verdict.rule,
        matched: c.verdict.matched,
        deferral: c.deferral.map(Deferral::as_str),
        explain: explain.then(|| Explain {
            table: c.table.as_str(),
            stage_from: c.stage_from.map(|f| match f {
                StageFrom::Text(_) => "text",
                StageFrom::Given => "given",
            }),
            stage_words: match c.stage_from {
                Some(StageFrom::Text(words)) => Some(words),
                _ => None,
            },
            adjusted: c.adjusted,
        }),
    }
}

/// The decision path as lines for a person (`--explain` in table format).
fn write_explanation(out: &mut impl Write, input: &str, c: &Classified) -> std::io::Result<()> {
    let v = &c.verdict;
    writeln!(out, "text      {}", sanitize(input))?;
    let dash = |s: Option<String>| s.unwrap_or_else(|| "-".into());
    writeln!(
        out,
        "codes     reply {}, enhanced status {}",
        dash(c.code.map(|c| c.to_string())),
        dash(c.status.map(|s| s.to_string()))
    )?;
    let stage = match (v.stage, c.stage_from) {
        (Some(s), Some(StageFrom::Text(words))) => format!("{s} (the text says \"{words}\")"),
        (Some(s), _) => format!("{s} (given with --stage)"),
        (None, _) => "not known (no stage words in the text, no --stage)".into(),
    };
    writeln!(out, "stage     {stage}")?;
    let words = v
        .matched
        .map(|m| format!(", matched \"{m}\""))
        .unwrap_or_default();
    writeln!(out, "decided   {}: {}{words}", c.table.as_str(), v.rule)?;
    if let Some(why) = c.adjusted {
        writeln!(out, "adjusted  {why}")?;
    }
    let deferral = c.deferral.map(|d| format!(", deferral {d}")).unwrap_or_default();
    writeln!(out, "verdict   {} / {}{deferral}", v.class, v.reason)?;
    writeln!(out)
}

/// Column widths of the table: fixed for the short columns, the rule column
/// as wide as the longest rule id of the loaded tables (user rules included).
struct Table {
    rule: usize,
}

impl Table {
    fn new(classifier: &Classifier) -> Table {
        let longest = classifier.rule_ids().map(str::len).max().unwrap_or(0);
        // "status.x.7.26" and the like are 13-14 long; very long user ids
        // would push the text off screen, so they are not padded past 32.
        Table {
            rule: longest.clamp(14, 32),
        }
    }

    fn header(&self, out: &mut impl Write) -> std::io::Result<()> {
        writeln!(
            out,
            "{:<5}  {:<15}  {:<4}  {:<7}  {:<7}  {:<11}  {:<w$}  text",
            "class",
            "reason",
            "code",
            "status",
            "stage",
            "deferral",
            "rule",
            w = self.rule
        )
    }

    fn row(&self, out: &mut impl Write, r: &Row) -> std::io::Result<()> {
        let dash = |s: Option<String>| s.unwrap_or_else(|| "-".into());
        writeln!(
            out,
            "{:<5}  {:<15}  {:<4}  {:<7}  {:<7}  {:<11}  {:<w$}  {}",
            r.class,
            r.reason,
            dash(r.code.map(|c| c.to_string())),
            dash(r.status.clone()),
            r.stage.unwrap_or("-"),
            r.deferral.unwrap_or("-"),
            r.rule,
            sanitize(r.input),
            w = self.rule
        )
    }
}

fn write_row(
    out: &mut impl Write,
    format: ClassifyFormat,
    table: &Table,
    input: &str,
    c: &Classified,
    explain: bool,
) -> std::io::Result<()> {
    if explain && format == ClassifyFormat::Table {
        return write_explanation(out, input, c);
    }
    let r = row(input, c, explain);
    match format {
        ClassifyFormat::Json => {
            serde_json::to_writer(&mut *out, &r)?;
            writeln!(out)
        }
        ClassifyFormat::Tsv => {
            let clean = |s: &str| s.replace(['\t', '\n', '\r'], " ");
            writeln!(
                out,
                "{}\t{}\t{}\t{}\t{}\t{}\t{}\t{}\t{}",
                clean(input),
                r.class,
                r.reason,
                r.code.map(|c| c.to_string()).unwrap_or_default(),
                r.status.unwrap_or_default(),
                r.rule,
                r.deferral.unwrap_or_default(),
                r.stage.unwrap_or_default(),
                r.matched.map(clean).unwrap_or_default()
            )
        }
        ClassifyFormat::Table => table.row(out, &r),
    }
}

pub fn run(args: ClassifyArgs, _global: &Global) -> Result<Exit> {
    let classifier = load_classifier(args.rules.as_deref())?;
    let table = Table::new(&classifier);
    let stdout = std::io::stdout();
    let mut out = BufWriter::new(stdout.lock());
    let stage = args.stage.map(Stage::from);
    let explain = args.explain;
    if args.format == ClassifyFormat::Table && !explain {
        table.header(&mut out)?;
    }
    if args.texts.is_empty() {
        let stdin = std::io::stdin();
        let mut buf = Vec::new();
        let mut lock = stdin.lock();
        loop {
            buf.clear();
            if lock
                .read_until(b'\n', &mut buf)
                .context("cannot read standard input")?
                == 0
            {
                break;
            }
            while matches!(buf.last(), Some(b'\n' | b'\r')) {
                buf.pop();
            }
            let text = String::from_utf8_lossy(&buf);
            let c = classifier.classify_at(&buf, None, stage);
            write_row(&mut out, args.format, &table, &text, &c, explain)?;
        }
    } else {
        for text in &args.texts {
            let c = classifier.classify_at(text.as_bytes(), None, stage);
            write_row(&mut out, args.format, &table, text, &c, explain)?;
        }
    }
    out.flush()?;
    Ok(Exit::Ok)
}

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
