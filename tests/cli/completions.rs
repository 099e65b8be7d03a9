//! Issue 8: `completions/` holds the shell completions and man pages
//! generated from the same `Cli` as the parser. This test regenerates them
//! in memory and fails when a file is stale or missing
//! (`BOUNCECTL_BLESS=1 cargo test --test cli completions` rewrites them);
//! the binary prints the same bytes.

use crate::util::{assert_matches_file, bouncectl, root, run};
use bouncectl::commands::completions::{completion, man_pages, SHELLS};
use std::path::Path;

#[test]
fn completions_and_man_pages_are_current() {
    let dir = Path::new("completions");
    let mut expected: Vec<String> = Vec::new();
    for (shell, file) in SHELLS {
        assert_matches_file(&dir.join(file), &completion(shell));
        expected.push(file.to_string());
    }
    for (file, page) in man_pages().expect("man pages render") {
        assert_matches_file(&dir.join(&file), &page);
        expected.push(file);
    }
    // A file for a command or shell that no longer exists is stale too.
    let mut present: Vec<String> = std::fs::read_dir(root().join(dir))
        .expect("completions/ exists")
        .map(|e| e.expect("entry").file_name().to_string_lossy().into_owned())
        .filter(|n| n != "README.md")
        .collect();
    present.sort();
    expected.sort();
    assert_eq!(
        present, expected,
        "completions/ holds other files than the generated ones"
    );
}

#[test]
fn the_binary_prints_the_same_scripts_and_pages() {
    for (shell, file) in [
        ("bash", "bouncectl.bash"),
        ("zsh", "_bouncectl"),
        ("elvish", "bouncectl.elv"),
    ] {
        let (code, out, err) = run(bouncectl().args(["completions", shell]));
        assert_eq!(code, 0, "{err}");
        assert_eq!(
            out,
            std::fs::read(root().join("completions").join(file)).unwrap(),
            "{shell}"
        );
    }
    let (code, out, _) = run(bouncectl().args(["man"]));
    assert_eq!(code, 0);
    assert_eq!(
        out,
        std::fs::read(root().join("completions/bouncectl.1")).unwrap()
    );
    let (code, out, _) = run(bouncectl().args(["man", "analyze"]));
    assert_eq!(code, 0);
    let page = String::from_utf8(out).unwrap();
    assert!(
        page.contains("\\-\\-by") && page.contains("\\-\\-sources"),
        "{page}"
    );
    let (code, _, err) = run(bouncectl().args(["man", "nope"]));
    assert_eq!(code, 2);
    assert!(
        err.contains("no man page for `nope`") && err.contains("analyze"),
        "{err}"
    );
    let (code, _, _) = run(bouncectl().args(["completions", "tcsh"]));
    assert_eq!(code, 2);
}

/// The bash script loads and registers the completion (when bash is here).
#[test]
fn bash_completion_loads() {
    let Ok(out) = std::process::Command::new("bash")
        .arg("-c")
        .arg("source completions/bouncectl.bash && complete -p bouncectl")
        .current_dir(root())
        .output()
    else {
        eprintln!("note: bash not found; bash_completion_loads skipped");
        return;
    };
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    assert!(text.contains("bouncectl"), "{text}");
}
