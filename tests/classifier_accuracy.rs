//! Accuracy floor of the built-in classifier on Sisimai's labelled bounces
//! (`fixtures/classifier/`), measured exactly as `eval-classifier.py` does.
//!
//! Conventions reproduced from the script:
//! - the input text is the diagnostic with its whitespace runs collapsed to
//!   one space (Python's `" ".join(s.split())`);
//! - the reply code is put in front when the text lacks it as a word
//!   (`\b550\b`), then the status when the text lacks it as a substring;
//!   a status is only used when it is `[245].d{1,3}.d{1,3}` and not one of
//!   Sisimai's `X.0.9NN` pseudo-codes;
//! - the expected class comes from `classes.tsv` (unknown reasons: soft);
//!   rows whose class is `none` (delivered, feedback, vacation) count for
//!   the reason only.

use bouncectl::classify::Classifier;
use std::collections::{BTreeMap, HashMap};
use std::path::Path;

const CLASS_FLOOR: f64 = 0.93;
const REASON_FLOOR: f64 = 0.75;

fn read_tsv(path: &Path) -> Vec<HashMap<String, String>> {
    // Python's csv module in its default dialect: tab-separated here, with
    // `"` quoting (a few diagnostics are quoted and double their quotes).
    let mut reader = csv::ReaderBuilder::new()
        .delimiter(b'\t')
        .from_path(path)
        .unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let headers = reader.headers().expect("a header line").clone();
    reader
        .records()
        .map(|r| {
            let r = r.expect("a TSV record");
            headers
                .iter()
                .zip(r.iter())
                .map(|(h, v)| (h.to_string(), v.to_string()))
                .collect()
        })
        .collect()
}

/// Python's `str.isspace()`: Unicode white space plus the ASCII separators
/// U+001C..U+001F, which Rust does not count as white space.
fn python_space(c: char) -> bool {
    c.is_whitespace() || ('\u{1c}'..='\u{1f}').contains(&c)
}

/// Python's `\w` for `str` patterns.
fn word_char(c: char) -> bool {
    c.is_alphanumeric() || c == '_'
}

/// `re.search(r"\b%s\b" % word, text)` for a word of word characters.
fn contains_word(text: &str, word: &str) -> bool {
    text.match_indices(word).any(|(at, _)| {
        let before = text[..at].chars().next_back();
        let after = text[at + word.len()..].chars().next();
        !before.is_some_and(word_char) && !after.is_some_and(word_char)
    })
}

/// `[245]\.\d{1,3}\.\d{1,3}` and not `\d\.0\.9\d\d`.
fn usable_status(s: &str) -> bool {
    let parts: Vec<&str> = s.split('.').collect();
    let digits =
        |p: &str, max: usize| !p.is_empty() && p.len() <= max && p.bytes().all(|b| b.is_ascii_digit());
    let well_formed =
        parts.len() == 3 && matches!(parts[0], "2" | "4" | "5") && digits(parts[1], 3) && digits(parts[2], 3);
    let pseudo = parts.len() == 3 && parts[1] == "0" && parts[2].len() == 3 && parts[2].starts_with('9');
    well_formed && !pseudo
}

/// The text the script feeds to `bouncectl classify` for one row.
fn input_text(row: &HashMap<String, String>) -> String {
    let text = row["diagnostic"]
        .split(python_space)
        .filter(|w| !w.is_empty())
        .collect::<Vec<_>>()
        .join(" ");
    let status = row["status"].as_str();
    let code = row["reply_code"].as_str();
    let mut prefix = Vec::new();
    if !code.is_empty() && !contains_word(&text, code) {
        prefix.push(code);
    }
    if usable_status(status) && !text.contains(status) {
        prefix.push(status);
    }
    prefix.push(&text);
    prefix.join(" ")
}

/// Class and reason agreement of the built-in rules on one labelled file
/// (the layout of `sisimai-labels.tsv`), with the most frequent misses.
fn measure(path: &Path, expected_rows: usize) -> (f64, f64, String) {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/classifier");
    let classes: HashMap<String, String> = read_tsv(&dir.join("classes.tsv"))
        .into_iter()
        .map(|r| (r["reason"].clone(), r["class"].clone()))
        .collect();
    let rows = read_tsv(path);
    assert_eq!(
        rows.len(),
        expected_rows,
        "{}: the labelled file changed; update the floors' note",
        path.display()
    );

    let classifier = Classifier::builtin();
    let (mut class_ok, mut class_n, mut reason_ok) = (0usize, 0usize, 0usize);
    let mut misses: BTreeMap<(String, String), usize> = BTreeMap::new();
    for row in &rows {
        let text = input_text(row);
        let got = classifier.classify(text.as_bytes(), None).verdict;
        let want_reason = row["reason"].as_str();
        if got.reason.as_str() == want_reason {
            reason_ok += 1;
        } else {
            *misses
                .entry((want_reason.to_string(), got.reason.as_str().to_string()))
                .or_default() += 1;
        }
        let want_class = classes.get(want_reason).map_or("soft", String::as_str);
        if want_class != "none" {
            class_n += 1;
            class_ok += usize::from(got.class.as_str() == want_class);
        }
    }
    let class = class_ok as f64 / class_n.max(1) as f64;
    let reason = reason_ok as f64 / rows.len() as f64;
    let mut top: Vec<_> = misses.into_iter().collect();
    top.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
    let report = top
        .iter()
        .take(15)
        .map(|((want, got), n)| format!("{n:4}  expected {want:<16} got {got}"))
        .collect::<Vec<_>>()
        .join("\n");
    println!(
        "{}: class agreement {:.1}% ({class_ok}/{class_n}), reason agreement {:.1}% ({reason_ok}/{})\n{report}",
        path.display(),
        class * 100.0,
        reason * 100.0,
        rows.len()
    );
    (class, reason, report)
}

fn assert_floors(path: &Path, rows: usize, class_floor: f64, reason_floor: f64) {
    let (class, reason, report) = measure(path, rows);
    assert!(
        class >= class_floor && reason >= reason_floor,
        "{}: below the floors ({:.0}% class, {:.0}% reason): class {:.1}%, reason {:.1}%\n{report}",
        path.display(),
        class_floor * 100.0,
        reason_floor * 100.0,
        class * 100.0,
        reason * 100.0
    );
}

fn fixture(path: &str) -> std::path::PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join(path)
}

#[test]
fn builtin_rules_agree_with_sisimai_labels() {
    assert_floors(
        &fixture("fixtures/classifier/sisimai-labels.tsv"),
        442,
        CLASS_FLOOR,
        REASON_FLOOR,
    );
}

/// The part of the shared corpus no rule was written against since the
/// split (`scripts/split-corpus.py`): measured only.
#[test]
fn builtin_rules_agree_on_the_measured_part() {
    assert_floors(&fixture("fixtures/classifier/measure-part.tsv"), 164, 0.94, 0.88);
}

/// The second labelled set (`fixtures/replies/`, sources other than
/// Sisimai, labelled before any classifier ran on them): measured only.
/// Its floors sit below the targets of 95% / 85%, which it does not reach
/// yet (BENCHMARKS.md); they catch a regression.
#[test]
fn builtin_rules_agree_on_the_second_set() {
    assert_floors(&fixture("fixtures/replies/labels.tsv"), 325, 0.87, 0.76);
}

#[test]
fn conventions_match_the_script() {
    let row = |diag: &str, status: &str, code: &str| -> HashMap<String, String> {
        [("diagnostic", diag), ("status", status), ("reply_code", code)]
            .into_iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    };
    assert_eq!(
        input_text(&row("User  unknown\n", "5.1.1", "550")),
        "550 5.1.1 User unknown"
    );
    assert_eq!(
        input_text(&row("550 5.1.1 User unknown", "5.1.1", "550")),
        "550 5.1.1 User unknown"
    );
    // `\b550\b`: "5501" does not hold the code as a word.
    assert_eq!(
        input_text(&row("id 5501 refused", "", "550")),
        "550 id 5501 refused"
    );
    // Sisimai's pseudo-codes are never given.
    assert_eq!(input_text(&row("Giving up", "5.0.947", "")), "Giving up");
    assert_eq!(input_text(&row("Giving up", "4.4.7", "")), "4.4.7 Giving up");
}
