//! Summaries of what is generated for each real Asterisk version under
//! `../shared/asterisk-docs/`: every action, parameter, event, field and enum
//! with its Rust name and type. Names and types only — never Asterisk's
//! prose, which stays out of the repository.
//!
//! Update with `INSTA_UPDATE=always cargo test -p ami-codegen --test snapshot_specs`.

use std::fmt::Write;
use std::path::PathBuf;

use ami_codegen::model::{FieldDef, FieldType, IndexStyle, Model, Param};
use ami_codegen::{read_model, render_model};

fn docs_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../shared/asterisk-docs")
}

fn spec_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../spec")
}

/// Version folders holding a `core-en_US.xml`, sorted.
fn versions() -> Vec<(String, PathBuf)> {
    let Ok(entries) = std::fs::read_dir(docs_dir()) else {
        return Vec::new();
    };
    let mut found: Vec<(String, PathBuf)> = entries
        .flatten()
        .filter_map(|e| {
            let xml = e.path().join("core-en_US.xml");
            let name = e.file_name().into_string().ok()?;
            xml.is_file().then_some((name, xml))
        })
        .collect();
    found.sort();
    found
}

fn ty(f: &FieldDef) -> String {
    let base = match &f.ty {
        FieldType::String => "text".to_owned(),
        FieldType::Integer => "i64".to_owned(),
        FieldType::Boolean => "bool".to_owned(),
        FieldType::Float => "f64".to_owned(),
        FieldType::Enum(name) => format!("enum {name}"),
    };
    if f.multi {
        format!("[{base}]")
    } else {
        base
    }
}

fn field_line(out: &mut String, indent: &str, f: &FieldDef) {
    let mut line = format!("{indent}{} = {}: {}", f.wire_name, f.rust_name, ty(f));
    if f.required {
        line.push_str(", required");
    }
    if let Some(d) = &f.default {
        let _ = write!(line, ", default {d:?}");
    }
    let _ = writeln!(out, "{line}");
}

/// One line per item; names and types only.
fn summary(model: &Model) -> String {
    let mut out = String::new();
    let _ = writeln!(
        out,
        "{} actions, {} events, {} enums",
        model.actions.len(),
        model.events.len(),
        model.enums.len()
    );
    for a in &model.actions {
        let _ = writeln!(out, "\naction {} = {}", a.wire_name, a.rust_name);
        if let Some(list) = &a.list {
            let _ = writeln!(out, "  list {} -> {}", list.items.join(", "), list.complete);
        }
        if let Some(r) = &a.response {
            let _ = writeln!(out, "  response {}", r.rust_name);
            for f in &r.fields {
                field_line(&mut out, "    ", f);
            }
        }
        for p in &a.params {
            match p {
                Param::Single(f) => field_line(&mut out, "  ", f),
                Param::Group(g) => {
                    let style = match g.index {
                        IndexStyle::Dash6 => "Base-000000",
                        IndexStyle::Paren => "Base(0)",
                    };
                    let _ = writeln!(
                        out,
                        "  group {}: [{}] as {style}",
                        g.rust_name, g.entry_name
                    );
                    for f in &g.members {
                        field_line(&mut out, "    ", f);
                    }
                }
            }
        }
    }
    for e in &model.events {
        let mut head = format!("\nevent {} = {}", e.wire_name, e.rust_name);
        if !e.classes.is_empty() {
            let _ = write!(head, " ({})", e.classes.join(", "));
        }
        if e.undocumented {
            head.push_str(" [spec]");
        }
        let _ = writeln!(out, "{head}");
        for f in &e.fields {
            field_line(&mut out, "  ", f);
        }
    }
    for e in &model.enums {
        let values: Vec<String> = e
            .values
            .iter()
            .map(|v| format!("{:?} = {}", v.wire_name, v.rust_name))
            .collect();
        let _ = writeln!(out, "\nenum {}: {}", e.rust_name, values.join(", "));
    }
    out
}

/// The versions under `../shared/asterisk-docs`. None is a failure (these
/// tests would prove nothing), unless `AMI_SKIP_WITHOUT_DOCS` is set: then
/// the test says loudly that it skipped.
fn required_versions() -> Vec<(String, PathBuf)> {
    let found = versions();
    if found.is_empty() {
        let dir = docs_dir();
        assert!(
            std::env::var_os("AMI_SKIP_WITHOUT_DOCS").is_some(),
            "no Asterisk documentation under {}: these tests need ../shared \
             (set AMI_SKIP_WITHOUT_DOCS=1 to skip them)",
            dir.display()
        );
        eprintln!("SKIPPED: no Asterisk documentation under {}", dir.display());
    }
    found
}

#[test]
fn every_version_summary() {
    let versions = required_versions();
    for (version, xml) in versions {
        let model = read_model(&xml, &spec_dir()).unwrap_or_else(|e| panic!("{version}: {e}"));
        insta::assert_snapshot!(format!("summary_{version}"), summary(&model));
    }
}

#[test]
fn newest_version_generates_identical_bytes_twice() {
    let Some((version, xml)) = required_versions().pop() else {
        return;
    };
    let model = read_model(&xml, &spec_dir()).unwrap_or_else(|e| panic!("{version}: {e}"));
    let first = render_model(&model).unwrap_or_else(|e| panic!("{version}: {e}"));
    let again = read_model(&xml, &spec_dir()).unwrap();
    assert_eq!(first, render_model(&again).unwrap(), "{version}");
    assert!(first[0].1.starts_with(&format!(
        "// @generated by ami-codegen from {version} — do not edit\n"
    )));
}
