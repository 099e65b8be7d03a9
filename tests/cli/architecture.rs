//! Issue 16: the import direction of docs/ARCHITECTURE.md, checked. Every
//! top-level module of `src/` may import only the modules its row of
//! [`ALLOWED`] names (the lower layers), the table has no cycle, and no
//! command imports another command. The scan reads `crate::NAME` paths in
//! code (comments and `#[cfg(test)]` modules left out).

use crate::util::root;
use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

/// Each module and what it may import, lowest layer first. A change that
/// needs another arrow changes this table and the picture in
/// docs/ARCHITECTURE.md together.
const ALLOWED: &[(&str, &[&str])] = &[
    ("error", &[]),
    ("output", &[]),
    ("providers", &[]),
    ("address", &["output"]),
    ("model", &["address"]),
    ("classify", &["model"]),
    ("suppression", &["model"]),
    ("lists", &["address", "output"]),
    ("parse", &["address", "classify", "lists", "model", "output"]),
    ("input", &["output", "parse"]),
    ("correlate", &["model"]),
    ("contacts", &["address", "lists", "output"]),
    (
        "aggregate",
        &[
            "classify",
            "contacts",
            "correlate",
            "model",
            "parse",
            "providers",
            "suppression",
        ],
    ),
    ("merge", &["address", "aggregate", "model", "output", "parse"]),
    (
        "pipeline",
        &[
            "address",
            "aggregate",
            "classify",
            "input",
            "merge",
            "model",
            "output",
            "parse",
        ],
    ),
    (
        "state",
        &[
            "aggregate",
            "correlate",
            "input",
            "model",
            "output",
            "suppression",
        ],
    ),
    ("report", &["aggregate", "output", "parse"]),
    ("export", &["classify", "output", "parse", "state", "suppression"]),
    ("cli", &["aggregate", "classify", "model", "parse"]),
    ("config", &["cli", "error", "state"]),
    (
        "run",
        &[
            "address",
            "aggregate",
            "classify",
            "cli",
            "config",
            "contacts",
            "correlate",
            "error",
            "input",
            "model",
            "output",
            "parse",
            "pipeline",
            "report",
            "state",
            "suppression",
        ],
    ),
    (
        "commands",
        &[
            "address",
            "aggregate",
            "classify",
            "cli",
            "config",
            "contacts",
            "correlate",
            "error",
            "export",
            "input",
            "lists",
            "model",
            "output",
            "parse",
            "pipeline",
            "report",
            "run",
            "state",
            "suppression",
        ],
    ),
];

/// The code of a Rust file without comments and without its test modules.
fn code_of(text: &str) -> String {
    let text = text.split("#[cfg(test)]").next().unwrap_or(text);
    text.lines()
        .map(|l| match l.find("//") {
            Some(at) => &l[..at],
            None => l,
        })
        .collect::<Vec<_>>()
        .join("\n")
}

/// `crate::NAME` paths in `code` (also `crate::{a, b}` groups).
fn crate_paths(code: &str) -> BTreeSet<String> {
    let mut found = BTreeSet::new();
    for (at, _) in code.match_indices("crate::") {
        let rest = &code[at + "crate::".len()..];
        let names: Vec<&str> = match rest.strip_prefix('{') {
            Some(group) => group
                .split('}')
                .next()
                .unwrap_or("")
                .split(',')
                .map(|p| p.trim().split("::").next().unwrap_or(""))
                .collect(),
            None => vec![rest
                .split(|c: char| !(c.is_alphanumeric() || c == '_'))
                .next()
                .unwrap_or("")],
        };
        found.extend(names.into_iter().filter(|n| !n.is_empty()).map(String::from));
    }
    found
}

fn rust_files(dir: &Path, out: &mut Vec<std::path::PathBuf>) {
    for entry in std::fs::read_dir(dir).expect("read src/") {
        let path = entry.expect("a dir entry").path();
        if path.is_dir() {
            rust_files(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

/// Every import against the table, as `file: module -> imported`.
fn violations(src: &Path, allowed: &BTreeMap<&str, BTreeSet<&str>>) -> Vec<String> {
    let mut files = Vec::new();
    rust_files(src, &mut files);
    files.sort();
    let mut wrong = Vec::new();
    for file in files {
        let rel = file.strip_prefix(src).expect("under src/");
        let first = rel
            .components()
            .next()
            .expect("a path")
            .as_os_str()
            .to_string_lossy()
            .into_owned();
        let module = first.trim_end_matches(".rs").to_string();
        if matches!(module.as_str(), "lib" | "main") {
            continue;
        }
        let code = code_of(&std::fs::read_to_string(&file).expect("read a source file"));
        let Some(may) = allowed.get(module.as_str()) else {
            wrong.push(format!(
                "{}: module `{module}` is not in the table",
                rel.display()
            ));
            continue;
        };
        for used in crate_paths(&code) {
            if used != module && !may.contains(used.as_str()) {
                wrong.push(format!("{}: {module} -> {used}", rel.display()));
            }
        }
        // No command imports another command.
        if module == "commands" {
            let me = rel
                .file_stem()
                .map(|s| s.to_string_lossy().into_owned())
                .unwrap_or_default();
            for (at, _) in code.match_indices("super::") {
                let name: String = code[at + "super::".len()..]
                    .chars()
                    .take_while(|c| c.is_alphanumeric() || *c == '_')
                    .collect();
                let is_command = src.join("commands").join(format!("{name}.rs")).exists();
                if is_command && name != me {
                    wrong.push(format!("{}: command {me} -> command {name}", rel.display()));
                }
            }
        }
    }
    wrong
}

fn table() -> BTreeMap<&'static str, BTreeSet<&'static str>> {
    ALLOWED
        .iter()
        .map(|(m, deps)| (*m, deps.iter().copied().collect()))
        .collect()
}

#[test]
fn modules_import_only_downwards() {
    let wrong = violations(&root().join("src"), &table());
    assert!(
        wrong.is_empty(),
        "imports against docs/ARCHITECTURE.md (tests/cli/architecture.rs ALLOWED):\n{}",
        wrong.join("\n")
    );
}

#[test]
fn the_table_has_no_cycle_and_names_only_its_modules() {
    let table = table();
    // Each module may import only modules listed before it: a layering.
    let order: Vec<&str> = ALLOWED.iter().map(|(m, _)| *m).collect();
    for (i, (module, deps)) in ALLOWED.iter().enumerate() {
        for dep in *deps {
            let at = order.iter().position(|m| m == dep);
            assert!(
                at.is_some_and(|at| at < i),
                "{module} may import {dep}, which is not a lower layer in the table"
            );
        }
    }
    assert_eq!(table.len(), ALLOWED.len(), "a module listed twice");
}

/// The check catches a wrong import: a renderer-side import planted into a
/// copy of the aggregator, and a command importing another command.
#[test]
fn a_wrong_import_is_caught() {
    let dir = crate::util::fresh_dir("architecture");
    let src = dir.join("src");
    std::fs::create_dir_all(src.join("aggregate")).unwrap();
    std::fs::create_dir_all(src.join("commands")).unwrap();
    std::fs::write(
        src.join("aggregate/mod.rs"),
        "use crate::report::Render;\nuse crate::model::Class;\n",
    )
    .unwrap();
    std::fs::write(src.join("commands/report.rs"), "use super::analyze::emit;\n").unwrap();
    std::fs::write(
        src.join("commands/analyze.rs"),
        "// crate::commands would be wrong here\n",
    )
    .unwrap();
    let wrong = violations(&src, &table());
    assert_eq!(
        wrong,
        [
            "aggregate/mod.rs: aggregate -> report",
            "commands/report.rs: command report -> command analyze"
        ]
    );
}
