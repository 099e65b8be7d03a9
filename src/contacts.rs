//! `--sources contacts.csv`: which list or import batch each address came
//! from, so that a bounce spike can be traced to the batch that caused it
//! (`--by source`). The file is any CSV with a header row naming an address
//! column and a source column; both are found by name, the address column
//! and the addresses as every list of the user's reads them ([`crate::lists`]).

use crate::lists::{self, ADDRESS_HEADERS};
use rustc_hash::FxHashMap as HashMap;
use std::path::Path;

/// Header names of the source column, compared like the address column's
/// ([`crate::lists::header_key`]: `List_Name` is `list name`).
pub const SOURCE_HEADERS: &[&str] = &[
    "source",
    "list",
    "list name",
    "batch",
    "import",
    "import batch",
    "import id",
    "segment",
    "audience",
    "origin",
    "lead source",
    "signup source",
];

/// Key of deliveries whose address is not in the file.
pub const UNLISTED: &str = "(not in sources)";

/// Addresses → the source they came from.
#[derive(Debug, Default)]
pub struct Contacts {
    names: Vec<Box<str>>,
    by_address: HashMap<Box<str>, u32>,
    /// Addresses listed again under another source (the first one counts).
    pub conflicts: u64,
}

/// Why a sources file cannot be used.
#[derive(Debug, thiserror::Error)]
pub enum ContactsError {
    #[error("{path}: cannot read the sources file: {source}")]
    Io { path: String, source: std::io::Error },
    /// The header names no address or no source column: a usage error.
    #[error("{path}: {what}")]
    Header { path: String, what: String },
}

impl Contacts {
    pub fn load(path: &Path) -> Result<Contacts, ContactsError> {
        let text = std::fs::read(path).map_err(|source| ContactsError::Io {
            path: path.display().to_string(),
            source,
        })?;
        Contacts::parse(&text, &path.display().to_string())
    }

    /// Parses the CSV text; `path` names it in errors.
    pub fn parse(text: &[u8], path: &str) -> Result<Contacts, ContactsError> {
        let mut reader = csv::ReaderBuilder::new()
            .delimiter(lists::sniff_delimiter(text))
            .flexible(true)
            .has_headers(false)
            .from_reader(text);
        let mut records = reader.byte_records();
        let (header, keys): (Vec<String>, Vec<String>) = match records.next() {
            Some(Ok(h)) => h
                .iter()
                .map(|c| {
                    let shown = String::from_utf8_lossy(c);
                    let shown = shown.trim().trim_start_matches('\u{feff}').to_string();
                    (shown, lists::header_key_of(c))
                })
                .unzip(),
            _ => {
                return Err(ContactsError::Header {
                    path: path.into(),
                    what: "empty: expected a header row with an address column and a source column".into(),
                })
            }
        };
        let find = |names: &[&str]| lists::find_column(&keys, names);
        let shown = || crate::output::sanitize(&header.join(", "));
        let Some(address) = find(ADDRESS_HEADERS) else {
            return Err(ContactsError::Header {
                path: path.into(),
                what: format!(
                    "no address column in the header ({}); name it one of: {}",
                    shown(),
                    ADDRESS_HEADERS.join(", ")
                ),
            });
        };
        let Some(source) = find(SOURCE_HEADERS) else {
            return Err(ContactsError::Header {
                path: path.into(),
                what: format!(
                    "no source column in the header ({}); name the column with the list or import batch one of: {}",
                    shown(),
                    SOURCE_HEADERS.join(", ")
                ),
            });
        };
        let mut contacts = Contacts::default();
        let mut index: HashMap<Box<str>, u32> = HashMap::default();
        // A malformed row (bad quoting) is skipped: the file is a lookup
        // table, and one bad row must not hide the rest.
        for record in records.flatten() {
            let cell = |i: usize| {
                String::from_utf8_lossy(record.get(i).unwrap_or(b""))
                    .trim()
                    .to_string()
            };
            // The normal form the reports' addresses have (crate::address);
            // a cell that is no address can match none of them.
            let Some(addr) = lists::address_of(record.get(address).unwrap_or(b"")) else {
                continue;
            };
            if addr.is_empty() {
                continue;
            }
            let name = cell(source);
            let name = if name.is_empty() {
                "(no source)".to_string()
            } else {
                name
            };
            let id = match index.get(name.as_str()) {
                Some(&id) => id,
                None => {
                    let id = contacts.names.len() as u32;
                    contacts.names.push(name.clone().into());
                    index.insert(name.into(), id);
                    id
                }
            };
            match contacts.by_address.get(&*addr) {
                Some(&first) if first != id => contacts.conflicts += 1,
                Some(_) => {}
                None => {
                    contacts.by_address.insert(addr.into_owned().into_boxed_str(), id);
                }
            }
        }
        Ok(contacts)
    }

    /// The source of an address in its normal form, or [`UNLISTED`].
    pub fn source_of(&self, address: &str) -> &str {
        self.by_address
            .get(address)
            .map_or(UNLISTED, |&i| &self.names[i as usize])
    }

    pub fn len(&self) -> usize {
        self.by_address.len()
    }

    pub fn is_empty(&self) -> bool {
        self.by_address.is_empty()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_columns_by_header_and_delimiter() {
        let c = Contacts::parse(
            b"\xef\xbb\xbfFirst Name;E-Mail;Import_Batch\nAna;Ana@Example.com;2026-11 fair\nBo;bo@example.com;\n;;\n",
            "c.csv",
        )
        .unwrap();
        assert_eq!(c.source_of("ana@example.com"), "2026-11 fair");
        assert_eq!(c.source_of("bo@example.com"), "(no source)");
        assert_eq!(c.source_of("zed@example.com"), UNLISTED);
        assert_eq!(c.len(), 2);
    }

    #[test]
    fn either_spelling_of_a_domain_is_one_address() {
        let c = Contacts::parse("email,list\nAnn@Bücher.example,fair\n".as_bytes(), "c.csv").unwrap();
        assert_eq!(c.source_of("ann@xn--bcher-kva.example"), "fair");
    }

    #[test]
    fn the_first_source_of_an_address_counts() {
        let c = Contacts::parse(b"email,list\na@x,one\na@x,two\na@x,one\n", "c.csv").unwrap();
        assert_eq!(c.source_of("a@x"), "one");
        assert_eq!(c.conflicts, 1);
    }

    #[test]
    fn a_header_without_the_columns_is_an_error_that_says_what_to_name_them() {
        let e = Contacts::parse(b"name,list\nA,x\n", "c.csv")
            .unwrap_err()
            .to_string();
        assert!(
            e.starts_with("c.csv: no address column") && e.contains("email"),
            "{e}"
        );
        let e = Contacts::parse(b"email,name\na@x,A\n", "c.csv")
            .unwrap_err()
            .to_string();
        assert!(e.contains("no source column") && e.contains("batch"), "{e}");
        assert!(Contacts::parse(b"", "c.csv").is_err());
    }

    #[test]
    fn byte_soup_does_not_panic() {
        let _ = Contacts::parse(b"email,source\n\xff\xfe,\"unterminated\n\x00,\x01\n", "c.csv");
    }
}
