//! `bouncectl filter LIST.csv --out CLEAN.csv`: drops suppressed addresses
//! from a send list before a campaign, and says on stderr how many rows it
//! dropped and why (by class and reason). Kept rows are copied byte for byte
//! from the input (header, other columns, quoting, line ends): the CSV parser
//! only finds where each record starts and which cell holds the address.
//!
//! The address column is `--column` (a header name, or a number from 1), else
//! the first header named like an address column (`email`, `e-mail`, `email
//! address`, `mail`, `address`, `recipient`; case, spaces, `-` and `_`
//! ignored), else, when no header matches and a cell of the first row holds
//! an `@`, that column of a list without header.

use super::{open_state_read_only, Exit, Global, UsageError};
use crate::cli::FilterArgs;
use crate::model::Class;
use crate::output;
use crate::suppression::Status;
use anyhow::{Context, Result};
use std::collections::{BTreeMap, HashMap};
use std::io::Write;

/// Header names of an address column, best first (normalized: lower case,
/// letters and digits only).
const EMAIL_HEADERS: &[&str] = &[
    "email",
    "emailaddress",
    "mail",
    "address",
    "recipient",
    "emailaddr",
    "to",
];

fn normalize_header(h: &[u8]) -> String {
    let h = h.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(h);
    String::from_utf8_lossy(h)
        .chars()
        .filter(|c| c.is_alphanumeric())
        .flat_map(char::to_lowercase)
        .collect()
}

/// The address in a cell, as the state keeps it: trimmed, without angle
/// brackets or `mailto:`, lower-cased.
pub fn address_of(cell: &[u8]) -> String {
    let s = String::from_utf8_lossy(cell);
    let mut s = s.trim();
    if let Some((_, inner)) = s.split_once('<') {
        s = inner.split('>').next().unwrap_or(inner);
    }
    let s = s.trim();
    let s = s
        .get(..7)
        .filter(|p| p.eq_ignore_ascii_case("mailto:"))
        .map_or(s, |_| &s[7..]);
    s.trim().to_lowercase()
}

/// The most frequent of `,` `;` tab in the first line (`,` on a tie or none).
fn sniff_delimiter(data: &[u8]) -> u8 {
    let line = data.split(|&c| c == b'\n').next().unwrap_or(b"");
    let count = |d: u8| line.iter().filter(|&&c| c == d).count();
    let mut best = (count(b','), b',');
    for d in [b';', b'\t'] {
        if count(d) > best.0 {
            best = (count(d), d);
        }
    }
    best.1
}

/// What filtering did.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct Outcome {
    pub kept: u64,
    pub dropped: BTreeMap<(String, String), u64>,
    pub without_address: u64,
    pub header: bool,
    pub column: usize,
}

/// Filters `data`; `suppressed` maps an address to its (class, reason).
pub fn filter(
    data: &[u8],
    column: Option<&str>,
    no_header: bool,
    delimiter: Option<u8>,
    suppressed: &HashMap<String, (String, String)>,
) -> Result<(Vec<u8>, Outcome), UsageError> {
    let delimiter = delimiter.unwrap_or_else(|| sniff_delimiter(data));
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .delimiter(delimiter)
        .from_reader(data);
    let mut records: Vec<(usize, csv::ByteRecord)> = Vec::new();
    let mut record = csv::ByteRecord::new();
    loop {
        match reader.read_byte_record(&mut record) {
            Ok(true) => {
                let start = record.position().map_or(0, |p| p.byte() as usize);
                records.push((start, record.clone()));
            }
            Ok(false) => break,
            Err(e) => {
                return Err(UsageError(format!("not a CSV file the filter can read: {e}")));
            }
        }
    }
    let first = records.first().map(|r| &r.1);
    let numeric = column.and_then(|c| c.trim().parse::<usize>().ok());
    let (header, index) =
        match (column, first) {
            (_, None) => (!no_header, 0),
            (Some(_), Some(_)) if numeric.is_some() => {
                let n = numeric.unwrap_or(1);
                if n == 0 {
                    return Err(UsageError("--column numbers start at 1".into()));
                }
                (!no_header, n - 1)
            }
            (Some(name), Some(first)) => {
                if no_header {
                    return Err(UsageError(format!(
                    "--column `{name}` names a header, but --no-header says there is none: give its number"
                )));
                }
                let want = normalize_header(name.as_bytes());
                let i = first
                    .iter()
                    .position(|h| normalize_header(h) == want)
                    .ok_or_else(|| {
                        UsageError(format!(
                            "no column named `{name}` in the header ({})",
                            first
                                .iter()
                                .map(|h| String::from_utf8_lossy(h).into_owned())
                                .collect::<Vec<_>>()
                                .join(", ")
                        ))
                    })?;
                (true, i)
            }
            (None, Some(first)) => {
                let named = (!no_header)
                    .then(|| {
                        EMAIL_HEADERS
                            .iter()
                            .find_map(|want| first.iter().position(|h| normalize_header(h) == *want))
                    })
                    .flatten();
                match named {
                    Some(i) => (true, i),
                    None => match first.iter().position(|c| c.contains(&b'@')) {
                        Some(i) => (false, i),
                        None => return Err(UsageError(
                            "cannot tell which column holds the addresses: give --column NAME (or a number)"
                                .into(),
                        )),
                    },
                }
            }
        };
    let mut out = Vec::with_capacity(data.len());
    let mut outcome = Outcome {
        header,
        column: index,
        ..Outcome::default()
    };
    let ends: Vec<usize> = records.iter().skip(1).map(|r| r.0).chain([data.len()]).collect();
    // Bytes before the first record (blank lines) stay.
    out.extend_from_slice(&data[..records.first().map_or(data.len(), |r| r.0)]);
    for (i, ((start, rec), end)) in records.iter().zip(ends).enumerate() {
        let bytes = &data[*start..end];
        if i == 0 && header {
            out.extend_from_slice(bytes);
            continue;
        }
        let address = rec.get(index).map(address_of).unwrap_or_default();
        if address.is_empty() {
            outcome.without_address += 1;
        }
        match suppressed.get(&address) {
            Some((class, reason)) => {
                *outcome
                    .dropped
                    .entry((class.clone(), reason.clone()))
                    .or_default() += 1;
            }
            None => {
                outcome.kept += 1;
                out.extend_from_slice(bytes);
            }
        }
    }
    Ok((out, outcome))
}

/// "188 dropped: 150 hard (120 userunknown, 30 hostunknown), 38 soft (38 mailboxfull)".
fn why(dropped: &BTreeMap<(String, String), u64>) -> String {
    type ClassRow = (String, u64, Vec<(String, u64)>);
    let mut by_class: Vec<ClassRow> = Vec::new();
    for class in Class::ALL.map(Class::as_str) {
        let mut reasons: Vec<(String, u64)> = dropped
            .iter()
            .filter(|((c, _), _)| c == class)
            .map(|((_, r), n)| (r.clone(), *n))
            .collect();
        if reasons.is_empty() {
            continue;
        }
        reasons.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
        let total = reasons.iter().map(|r| r.1).sum();
        by_class.push((class.into(), total, reasons));
    }
    by_class
        .iter()
        .map(|(class, total, reasons)| {
            let list: Vec<String> = reasons.iter().map(|(r, n)| format!("{n} {r}")).collect();
            format!("{total} {class} ({})", list.join(", "))
        })
        .collect::<Vec<_>>()
        .join(", ")
}

pub fn run(args: FilterArgs, global: &Global) -> Result<Exit> {
    let to_stdout = args.out.as_os_str() == "-";
    if !to_stdout {
        output::check_writable(&args.out)?;
    }
    let delimiter = match args.delimiter {
        None => None,
        Some(c) if c.is_ascii() && c != '"' && c != '\n' && c != '\r' => Some(c as u8),
        Some(c) => {
            return Err(UsageError(format!(
                "--delimiter `{c}`: give one ASCII character such as , ; or a tab"
            ))
            .into())
        }
    };
    let data = std::fs::read(&args.list)
        .with_context(|| format!("{}: cannot read the send list", args.list.display()))?;
    let mut store = open_state_read_only(&super::state_opts(&args.state, global)?)?;
    let suppressed: HashMap<String, (String, String)> = store
        .list(None, false)?
        .into_iter()
        .filter(|r| r.status == Status::Suppressed)
        .map(|r| {
            let (class, reason) = r.trigger.map_or(("hard".into(), "undefined".into()), |t| {
                (
                    t.class.as_str().to_string(),
                    t.reason.unwrap_or_else(|| "undefined".into()),
                )
            });
            (r.address, (class, reason))
        })
        .collect();
    let (bytes, outcome) = filter(
        &data,
        args.column.as_deref(),
        args.no_header,
        delimiter,
        &suppressed,
    )
    .map_err(|e| UsageError(format!("{}: {}", args.list.display(), e.0)))?;
    if to_stdout {
        let mut stdout = std::io::stdout().lock();
        stdout
            .write_all(&bytes)
            .and_then(|_| stdout.flush())
            .context("cannot write the list")?;
    } else {
        output::write_atomic(&args.out, &bytes, Some(0o600))?;
    }
    if !global.quiet {
        let dropped: u64 = outcome.dropped.values().sum();
        let rows = outcome.kept + dropped;
        let mut line = format!(
            "bouncectl: filter: kept {} of {} rows; dropped {} suppressed",
            outcome.kept, rows, dropped
        );
        if dropped > 0 {
            line.push_str(&format!(": {}", why(&outcome.dropped)));
        }
        if !outcome.header {
            line.push_str(&format!(
                " (no header row: addresses from column {})",
                outcome.column + 1
            ));
        }
        if outcome.without_address > 0 {
            line.push_str(&format!(
                "; {} rows without an address kept",
                outcome.without_address
            ));
        }
        eprintln!("{}", output::sanitize(&line));
    }
    Ok(Exit::Ok)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn list() -> HashMap<String, (String, String)> {
        [
            ("gone@example.com", "hard", "userunknown"),
            ("full@example.com", "soft", "mailboxfull"),
        ]
        .into_iter()
        .map(|(a, c, r)| (a.to_string(), (c.to_string(), r.to_string())))
        .collect()
    }

    #[test]
    fn keeps_rows_byte_for_byte_and_drops_suppressed() {
        let data = b"\xEF\xBB\xBFName;E-Mail;Note\r\n\"Doe; John\";<Gone@Example.com>;x\r\nAnn;ann@example.com;\"multi\r\nline\"\r\nBo;FULL@example.com;y\r\nCy;cy@example.com;last";
        let (out, o) = filter(data, None, false, None, &list()).unwrap();
        assert_eq!(
            out,
            b"\xEF\xBB\xBFName;E-Mail;Note\r\nAnn;ann@example.com;\"multi\r\nline\"\r\nCy;cy@example.com;last".to_vec()
        );
        assert_eq!(o.kept, 2);
        assert_eq!(why(&o.dropped), "1 hard (1 userunknown), 1 soft (1 mailboxfull)");
    }

    #[test]
    fn column_by_name_number_or_content() {
        let data = b"id,contact\n1,gone@example.com\n2,a@b.c\n";
        let (out, _) = filter(data, Some("Contact"), false, None, &list()).unwrap();
        assert_eq!(out, b"id,contact\n2,a@b.c\n".to_vec());
        let (out, _) = filter(data, Some("2"), false, None, &list()).unwrap();
        assert_eq!(out, b"id,contact\n2,a@b.c\n".to_vec());
        let headerless = b"gone@example.com,1\nok@x.y,2\n";
        let (out, o) = filter(headerless, None, false, None, &list()).unwrap();
        assert_eq!((out, o.header), (b"ok@x.y,2\n".to_vec(), false));
        assert!(filter(b"a,b\n1,2\n", None, false, None, &list()).is_err());
        assert!(filter(data, Some("nope"), false, None, &list()).is_err());
    }

    #[test]
    fn odd_input_never_panics() {
        for data in [
            &b""[..],
            b"\n\n",
            b"\"unterminated",
            b"email\n",
            b"\xff\xfe,\x00\n@,@",
        ] {
            let _ = filter(data, None, false, None, &list());
        }
    }
}
