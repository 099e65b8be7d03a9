//! `bouncectl classify`: classify texts given as arguments or one per line of
//! standard input, and show which rule decided.

use super::{load_classifier, Exit, Global};
use crate::classify::Classified;
use crate::cli::{ClassifyArgs, ClassifyFormat};
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
    rule: &'static str,
}

fn row<'a>(input: &'a str, c: &Classified) -> Row<'a> {
    Row {
        input,
        class: c.verdict.class.as_str(),
        reason: c.verdict.reason.as_str(),
        code: c.code,
        status: c.status.map(|s| s.to_string()),
        rule: c.verdict.rule,
    }
}

fn write_row(
    out: &mut impl Write,
    format: ClassifyFormat,
    input: &str,
    c: &Classified,
) -> std::io::Result<()> {
    let r = row(input, c);
    match format {
        ClassifyFormat::Json => {
            serde_json::to_writer(&mut *out, &r)?;
            writeln!(out)
        }
        ClassifyFormat::Tsv => {
            let clean = |s: &str| s.replace(['\t', '\n', '\r'], " ");
            writeln!(
                out,
                "{}\t{}\t{}\t{}\t{}\t{}",
                clean(input),
                r.class,
                r.reason,
                r.code.map(|c| c.to_string()).unwrap_or_default(),
                r.status.unwrap_or_default(),
                r.rule
            )
        }
        ClassifyFormat::Table => {
            writeln!(
                out,
                "{:<5} {:<15} {:<4} {:<8} {:<28} {}",
                r.class,
                r.reason,
                r.code.map(|c| c.to_string()).unwrap_or_else(|| "-".into()),
                r.status.unwrap_or_else(|| "-".into()),
                r.rule,
                sanitize(input)
            )
        }
    }
}

pub fn run(args: ClassifyArgs, _global: &Global) -> Result<Exit> {
    let classifier = load_classifier(args.rules.as_deref())?;
    let stdout = std::io::stdout();
    let mut out = BufWriter::new(stdout.lock());
    if args.format == ClassifyFormat::Table {
        writeln!(
            out,
            "{:<5} {:<15} {:<4} {:<8} {:<28} text",
            "class", "reason", "code", "status", "rule"
        )?;
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
            let c = classifier.classify(&buf, None);
            write_row(&mut out, args.format, &text, &c)?;
        }
    } else {
        for text in &args.texts {
            let c = classifier.classify(text.as_bytes(), None);
            write_row(&mut out, args.format, text, &c)?;
        }
    }
    out.flush()?;
    Ok(Exit::Ok)
}
