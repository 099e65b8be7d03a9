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
use crate::model::{Deferral, Stage};
use crate::output::sanitize;
use anyhow::{Context, Result};
use serde::Serialize;
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
