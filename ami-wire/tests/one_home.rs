//! The vocabulary has one home: no other crate's code spells Asterisk's
//! boolean words or the secret rule itself (a grep over their `src/`, up
//! to a file's unit tests).

use std::path::{Path, PathBuf};

/// Boolean words, quoted as Rust literals.
const BOOLEAN_WORDS: [&str; 10] = [
    "yes", "no", "true", "false", "on", "off", "y", "n", "t", "f",
];

/// How the secret rule spells its words: as the byte strings it compares
/// folded names with, or as the argument of a `contains`/`ends_with`.
const SECRET_RULE_SPELLINGS: [&str; 6] = [
    "b\"password\"",
    "b\"md5cred\"",
    "b\"secret\"",
    "(\"password\")",
    "(\"md5cred\")",
    "(\"secret\")",
];

fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for entry in entries.flatten() {
        let path = entry.path();
        if path.is_dir() {
            rust_files(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

/// How many distinct boolean words `line` quotes (`"yes"`, `b"on"`).
fn boolean_words(line: &str) -> usize {
    let line = line.to_ascii_lowercase();
    BOOLEAN_WORDS
        .iter()
        .filter(|w| line.contains(&format!("\"{w}\"")))
        .count()
}

/// The offending lines of one source file, as `path:line: text`.
fn offences(path: &Path, text: &str) -> Vec<String> {
    let mut found = Vec::new();
    if std::fs::symlink_metadata(path).is_ok_and(|m| m.file_type().is_symlink()) {
        found.push(format!(
            "{}: a link to another crate's file",
            path.display()
        ));
    }
    for (n, line) in text.lines().enumerate() {
        let code = line.trim_start();
        if code.starts_with("#[cfg(test)]") {
            break; // unit tests (at the end of a file) may spell anything
        }
        if code.starts_with("//") {
            continue;
        }
        let secret = SECRET_RULE_SPELLINGS.iter().any(|w| code.contains(w));
        if boolean_words(code) >= 3 || secret {
            found.push(format!("{}:{}: {}", path.display(), n + 1, code));
        }
    }
    found
}

#[test]
fn no_other_crate_spells_the_boolean_words_or_the_secret_rule() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    let mut files = Vec::new();
    for entry in std::fs::read_dir(&root).unwrap().flatten() {
        let crate_dir = entry.path();
        let is_crate = crate_dir.join("Cargo.toml").is_file();
        if is_crate && entry.file_name() != "ami-wire" {
            rust_files(&crate_dir.join("src"), &mut files);
        }
    }
    assert!(
        files.len() > 50,
        "the crates' sources were not found: {files:?}"
    );
    let found: Vec<String> = files
        .iter()
        .flat_map(|p| offences(p, &std::fs::read_to_string(p).unwrap_or_default()))
        .collect();
    assert!(
        found.is_empty(),
        "use ami_wire::value or ami_wire::secret instead:\n{}",
        found.join("\n")
    );
}

#[test]
fn the_check_finds_a_copy() {
    let copies = [
        r#"        "yes" | "true" | "y" | "t" | "1" | "on" => true,"#,
        r#"    const TRUE: &[&[u8]] = &[b"true", b"yes", b"on"];"#,
        r#"    folded.windows(8).any(|w| w == b"password")"#,
        r#"    name.to_ascii_lowercase().ends_with("secret")"#,
    ];
    for copy in copies {
        assert_eq!(offences(Path::new("x.rs"), copy).len(), 1, "{copy}");
    }
    let fine = [
        r#"    msg.insert("Async", "true");"#,
        r#"    Value::from_static(if b { "true" } else { "false" })"#,
        r#"    // "yes" | "true" | "on" in a comment"#,
        r#"    ("PASSWORD".into(), "hunter2".into()),"#,
    ];
    for line in fine {
        assert!(offences(Path::new("x.rs"), line).is_empty(), "{line}");
    }
}
