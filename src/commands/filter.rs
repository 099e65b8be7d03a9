//! `bouncectl filter LIST.csv --out CLEAN.csv`: drops suppressed addresses
//! from a send list before a campaign, and says on stderr how many rows it
//! dropped and why (by class and reason). Kept rows are copied byte for byte
//! from the input (header, other columns, quoting, line ends): the CSV parser
//! only finds where each record starts and which cell holds the address.
//! The list is streamed: memory holds the suppressed addresses as a compact
//! set (16 bytes each) and one record, so a list of a million rows against a
//! state of a million addresses runs in tens of megabytes. Addresses are
//! compared in their normal form ([`crate::address`]): either spelling of an
//! internationalised domain is dropped.
//!
//! The address column is `--column` (a header name, or a number from 1), else
//! the first header named like an address column
//! ([`crate::lists::ADDRESS_HEADERS`]: `email`, `e-mail`, `email address`,
//! `recipient`, `mail`, `address`, ...; case, spaces, `-` and `_` ignored),
//! else, when no header matches and a cell of the first row holds an `@`,
//! that column of a list without header. The delimiter, header names and
//! addresses are read as in every list of the user's ([`crate::lists`]).

use super::{open_state_read_only, Exit, Global, UsageError};
use crate::cli::FilterArgs;
use crate::lists;
use crate::model::Class;
use crate::output;
use anyhow::{Context, Result};
use std::collections::BTreeMap;
use std::io::{BufRead, Read, Write};

/// What filtering did.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct Outcome {
    pub kept: u64,
    pub dropped: BTreeMap<(String, String), u64>,
    pub without_address: u64,
    /// Rows whose address cell holds no address (kept: never suppressed).
    pub not_addresses: u64,
    pub header: bool,
    pub column: usize,
}

/// The suppressed addresses as a compact set: a 64-bit hash of each
/// address (SipHash with this process's random keys) and the index of its
/// (class, reason), sorted by hash. 16 bytes an address, 16 MB for a million,
/// where a map of strings took hundreds. A hash shared by a listed and a
/// suppressed address would drop the listed row (never keep a suppressed
/// one): at one million each, about one run in twenty million drops one row.
#[derive(Debug, Default)]
pub struct Suppressed {
    keys: std::hash::RandomState,
    entries: Vec<(u64, u32)>,
    kinds: Vec<(String, String)>,
    sorted: bool,
}

impl Suppressed {
    fn hash(&self, address: &str) -> u64 {
        use std::hash::BuildHasher;
        self.keys.hash_one(address)
    }

    /// Adds an address (in its normal form) suppressed with `class` and `reason`.
    pub fn insert(&mut self, address: &str, class: &str, reason: &str) {
        let kind = match self.kinds.iter().position(|(c, r)| c == class && r == reason) {
            Some(i) => i,
            None => {
                self.kinds.push((class.to_string(), reason.to_string()));
                self.kinds.len() - 1
            }
        };
        let hash = self.hash(address);
        self.entries.push((hash, kind as u32));
        self.sorted = false;
    }

    /// Sorts the set for lookups (and gives back room left by growing it).
    pub fn seal(&mut self) {
        self.entries.sort_unstable_by_key(|e| e.0);
        self.entries.dedup_by_key(|e| e.0);
        self.entries.shrink_to_fit();
        self.sorted = true;
    }

    /// The (class, reason) of a suppressed address in its normal form.
    pub fn get(&self, address: &str) -> Option<&(String, String)> {
        debug_assert!(self.sorted || self.entries.is_empty());
        let hash = self.hash(address);
        let i = self.entries.binary_search_by_key(&hash, |e| e.0).ok()?;
        self.kinds.get(self.entries[i].1 as usize)
    }

    pub fn len(&self) -> usize {
        self.entries.len()
    }

    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }
}

impl<'a> FromIterator<(&'a str, &'a str, &'a str)> for Suppressed {
    fn from_iter<I: IntoIterator<Item = (&'a str, &'a str, &'a str)>>(iter: I) -> Suppressed {
        let mut s = Suppressed::default();
        for (address, class, reason) in iter {
            s.insert(address, class, reason);
        }
        s.seal();
        s
    }
}

/// Why a list could not be filtered.
#[derive(Debug)]
pub enum FilterError {
    /// The list is no CSV we can read, or the column cannot be found.
    Usage(UsageError),
    /// Reading the list failed.
    Read(std::io::Error),
    /// Writing the kept rows failed.
    Write(std::io::Error),
}

/// A reader that keeps what the CSV parser reads, so that a kept record is
/// copied byte for byte. It holds the bytes from `base` on: the record being
/// decided and the CSV reader's read-ahead, never the whole list.
struct Tee<R> {
    inner: R,
    seen: Vec<u8>,
    /// Offset in the input of `seen[0]`.
    base: u64,
}

impl<R: Read> Read for Tee<R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.seen.extend_from_slice(&buf[..n]);
        Ok(n)
    }
}

impl<R> Tee<R> {
    /// Writes bytes `from..to` of the input (if `keep`) and forgets them.
    fn pass(&mut self, from: u64, to: u64, keep: bool, out: &mut dyn Write) -> std::io::Result<()> {
        let (a, b) = ((from - self.base) as usize, (to - self.base) as usize);
        if keep {
            out.write_all(&self.seen[a..b])?;
        }
        // Forget in large steps: draining on every record would move the
        // read-ahead once per row.
        if b >= 1 << 16 {
            self.seen.drain(..b);
            self.base = to;
        }
        Ok(())
    }
}

/// Which column holds the addresses and whether the first record is a header.
fn choose_column(
    first: Option<&csv::ByteRecord>,
    column: Option<&str>,
    no_header: bool,
) -> Result<(bool, usize), UsageError> {
    let numeric = column.and_then(|c| c.trim().parse::<usize>().ok());
    Ok(match (column, first) {
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
            let want = lists::header_key(name);
            let i = first
                .iter()
                .position(|h| lists::header_key_of(h) == want)
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
                    let keys: Vec<String> = first.iter().map(lists::header_key_of).collect();
                    lists::find_column(&keys, lists::ADDRESS_HEADERS)
                })
                .flatten();
            match named {
                Some(i) => (true, i),
                None => {
                    match first.iter().position(|c| c.contains(&b'@')) {
                        Some(i) => (false, i),
                        None => return Err(UsageError(
                            "cannot tell which column holds the addresses: give --column NAME (or a number)"
                                .into(),
                        )),
                    }
                }
            }
        }
    })
}

/// Filters the list read from `input` into `out`, one record at a time:
/// memory holds one record and the reader's read-ahead, whatever the size of
/// the list. `suppressed` gives an address's (class, reason).
pub fn filter(
    input: impl BufRead,
    out: &mut dyn Write,
    column: Option<&str>,
    no_header: bool,
    delimiter: Option<u8>,
    suppressed: &Suppressed,
) -> Result<Outcome, FilterError> {
    let mut input = input;
    // The first line decides the delimiter; it is read again by the parser.
    let mut head = Vec::new();
    input.read_until(b'\n', &mut head).map_err(FilterError::Read)?;
    let delimiter = delimiter.unwrap_or_else(|| lists::sniff_delimiter(&head));
    let tee = Tee {
        inner: std::io::Cursor::new(head).chain(input),
        seen: Vec::new(),
        base: 0,
    };
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .delimiter(delimiter)
        .from_reader(tee);
    let mut record = csv::ByteRecord::new();
    let mut outcome = Outcome::default();
    // The bytes not yet passed on start at `from`; `keep` says whether they
    // go out (bytes before the first record, such as blank lines, do).
    let (mut from, mut keep) = (0u64, true);
    let mut index = None;
    loop {
        let more = match reader.read_byte_record(&mut record) {
            Ok(more) => more,
            Err(e) if e.is_io_error() => {
                return Err(match e.into_kind() {
                    csv::ErrorKind::Io(e) => FilterError::Read(e),
                    _ => FilterError::Read(std::io::Error::other("read error")),
                })
            }
            Err(e) => {
                return Err(FilterError::Usage(UsageError(format!(
                    "not a CSV file the filter can read: {e}"
                ))))
            }
        };
        let tee = reader.get_mut();
        let start = match (more, record.position()) {
            (true, Some(p)) => p.byte(),
            _ => tee.base + tee.seen.len() as u64,
        };
        tee.pass(from, start, keep, out).map_err(FilterError::Write)?;
        if !more {
            break;
        }
        from = start;
        let column = match index {
            Some(i) => i,
            None => {
                let (header, i) =
                    choose_column(Some(&record), column, no_header).map_err(FilterError::Usage)?;
                outcome.header = header;
                outcome.column = i;
                index = Some(i);
                if header {
                    keep = true;
                    continue;
                }
                i
            }
        };
        let cell = record.get(column).unwrap_or(b"");
        // No address at all (not UTF-8, control characters, too long): never
        // suppressed, so kept.
        let address = lists::address_of(cell);
        keep = match address.as_deref() {
            Some("") => {
                outcome.without_address += 1;
                true
            }
            None => {
                outcome.not_addresses += 1;
                true
            }
            Some(address) => match suppressed.get(address) {
                Some(kind) => {
                    *outcome.dropped.entry(kind.clone()).or_default() += 1;
                    false
                }
                None => true,
            },
        };
        if keep {
            outcome.kept += 1;
        }
    }
    if index.is_none() {
        let (header, i) = choose_column(None, column, no_header).map_err(FilterError::Usage)?;
        outcome.header = header;
        outcome.column = i;
    }
    Ok(outcome)
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
    // Without --out (or with `-`) the kept rows go to standard output.
    let out_path = args.out.clone().filter(|p| p.as_os_str() != "-");
    if let Some(path) = &out_path {
        output::check_writable(path)?;
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
    let list = args.list.display().to_string();
    let file =
        std::fs::File::open(&args.list).with_context(|| format!("{list}: cannot read the send list"))?;
    let input = std::io::BufReader::with_capacity(1 << 16, file);
    let mut store = open_state_read_only(&super::state_opts(&args.state, global)?)?;
    // The state's addresses one at a time into the compact set; each in its
    // normal form (a state written before addresses had one may hold a
    // Unicode domain).
    let mut suppressed = Suppressed::default();
    store.each_suppressed(&mut |address, trigger| {
        let (class, reason) = trigger.map_or(("hard", "undefined"), |(cause, reason)| {
            (cause.as_str(), reason.unwrap_or("undefined"))
        });
        match crate::address::normalize_str(address) {
            Ok(normal) => suppressed.insert(&normal, class, reason),
            Err(_) => suppressed.insert(address, class, reason),
        }
    })?;
    drop(store);
    suppressed.seal();
    let run_filter = |out: &mut dyn Write| {
        filter(
            input,
            out,
            args.column.as_deref(),
            args.no_header,
            delimiter,
            &suppressed,
        )
        .map_err(|e| match e {
            FilterError::Usage(e) => anyhow::Error::from(UsageError(format!("{list}: {}", e.0))),
            FilterError::Read(e) => {
                anyhow::Error::from(e).context(format!("{list}: cannot read the send list"))
            }
            FilterError::Write(e) => anyhow::Error::from(e).context(match &out_path {
                None => "cannot write the list".to_string(),
                Some(path) => format!(
                    "{}: cannot write (disk full?); the previous file is untouched",
                    path.display()
                ),
            }),
        })
    };
    let outcome = match &out_path {
        None => {
            let stdout = std::io::stdout().lock();
            let mut w = std::io::BufWriter::with_capacity(1 << 16, stdout);
            let outcome = run_filter(&mut w)?;
            w.flush().context("cannot write the list")?;
            outcome
        }
        Some(path) => {
            // Written as it is made; the old file stays until the commit.
            let mut out = output::create(path, Some(0o600))?;
            let outcome = run_filter(&mut out)?;
            out.commit()?;
            outcome
        }
    };
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
        if outcome.not_addresses > 0 {
            line.push_str(&format!(
                "; {} rows whose address cell is not an address (not UTF-8, control characters, too long) kept",
                outcome.not_addresses
            ));
        }
        eprintln!("{}", output::sanitize(&line));
    }
    Ok(Exit::Ok)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn list() -> Suppressed {
        [
            ("gone@example.com", "hard", "userunknown"),
            ("full@example.com", "soft", "mailboxfull"),
            ("user2@xn--bcher-kva.example", "hard", "userunknown"),
        ]
        .into_iter()
        .collect()
    }

    fn filter(
        data: &[u8],
        column: Option<&str>,
        no_header: bool,
        delimiter: Option<u8>,
        suppressed: &Suppressed,
    ) -> Result<(Vec<u8>, Outcome), FilterError> {
        let mut out = Vec::new();
        let o = super::filter(data, &mut out, column, no_header, delimiter, suppressed)?;
        Ok((out, o))
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
    fn both_spellings_of_a_domain_are_dropped() {
        let data = "email\nuser2@bücher.example\nuser2@XN--BCHER-KVA.example\nother@bücher.example\n";
        let (out, o) = filter(data.as_bytes(), None, false, None, &list()).unwrap();
        assert_eq!(String::from_utf8(out).unwrap(), "email\nother@bücher.example\n");
        assert_eq!(o.kept, 1);
    }

    #[test]
    fn a_cell_that_is_no_address_is_kept_and_counted() {
        let data = b"email\ncaf\xe9@x.example\na\x1bb@x.example\n";
        let (out, o) = filter(data, None, false, None, &list()).unwrap();
        assert_eq!(out, data.to_vec());
        assert_eq!((o.kept, o.not_addresses), (2, 2));
    }

    #[test]
    fn large_lists_pass_through_whole() {
        // More than the tee's 64 KiB step, with suppressed rows throughout.
        let mut data = b"id,email\n".to_vec();
        let mut want = data.clone();
        for i in 0..20_000 {
            let row = if i % 7 == 0 {
                "9,Gone@Example.com\n".to_string()
            } else {
                format!("{i},u{i}@example.com\n")
            };
            data.extend_from_slice(row.as_bytes());
            if i % 7 != 0 {
                want.extend_from_slice(row.as_bytes());
            }
        }
        let (out, o) = filter(&data, None, false, None, &list()).unwrap();
        assert_eq!(out, want);
        assert_eq!(o.dropped.values().sum::<u64>(), 2858);
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
