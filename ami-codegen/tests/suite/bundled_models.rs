//! The fact models bundled in `ami-codegen/models/` are what the XML under
//! `../shared/asterisk-docs/` says, overrides applied: a test fails when one
//! is stale, when a version folder has none, or when the newest folder is
//! not the default.
//!
//! Regenerate one with
//! `cargo run -p ami-codegen --features cli -- --spec ../shared/asterisk-docs/<v>/core-en_US.xml --emit-model ami-codegen/models/<v>.json`
//! (and list a new version in `ami-codegen/src/bundled.rs`).

use crate::model_support;

use ami_codegen::{bundled, read_model_str, render_model};

fn numeric(version: &str) -> Vec<u64> {
    version.split('.').filter_map(|p| p.parse().ok()).collect()
}

#[test]
fn every_version_folder_has_an_up_to_date_bundled_model() {
    let spec = bundled::spec().unwrap();
    let mut stale = Vec::new();
    for (version, xml) in model_support::versions() {
        let text = std::fs::read_to_string(&xml).unwrap();
        let fresh = read_model_str(&text, &version, &spec)
            .unwrap_or_else(|e| panic!("{version}: {e}"))
            .facts();
        let Some(bundled) = bundled::model(&version) else {
            stale.push(format!("{version}: no bundled model"));
            continue;
        };
        let bundled = bundled.unwrap();
        if bundled != fresh {
            // Name the first difference, as text, so the failure says where.
            let (a, b) = (bundled.to_json(), fresh.to_json());
            let line = a
                .lines()
                .zip(b.lines())
                .position(|(x, y)| x != y)
                .unwrap_or(a.lines().count().min(b.lines().count()));
            stale.push(format!(
                "{version}: stale from line {}:\n  bundled: {}\n  fresh:   {}",
                line + 1,
                a.lines().nth(line).unwrap_or("<end>"),
                b.lines().nth(line).unwrap_or("<end>")
            ));
        }
    }
    assert!(
        stale.is_empty(),
        "{}\n\nregenerate with `cargo run -p ami-codegen --features cli -- --spec \
         ../shared/asterisk-docs/<v>/core-en_US.xml --emit-model ami-codegen/models/<v>.json` \
         and list new versions in ami-codegen/src/bundled.rs",
        stale.join("\n")
    );
}

#[test]
fn the_default_model_is_the_newest_version_folder() {
    let newest = model_support::versions()
        .into_iter()
        .map(|(version, _)| version)
        .max_by_key(|v| numeric(v))
        .unwrap();
    assert!(
        numeric(bundled::DEFAULT) >= numeric(&newest),
        "../shared has Asterisk {newest}, newer than the default bundled model {}",
        bundled::DEFAULT
    );
}

#[test]
fn every_bundled_model_has_what_the_version_matrix_gives_its_release() {
    use ami_codegen::matrix::{self, Release};
    let m = matrix::bundled();
    for version in bundled::versions() {
        let model = bundled::model(version).unwrap().unwrap();
        let release = Release::parse(version).unwrap();
        let have = matrix::items(&model);
        let claimed = m.items_at(&release);
        assert!(!claimed.is_empty(), "the matrix has no {version}");
        // Enum values are left out: `spec/` replaces some enums.
        let missing: Vec<&&str> = claimed
            .iter()
            .filter(|i| !i.starts_with("value ") && !have.contains(**i))
            .take(10)
            .collect();
        assert!(
            missing.is_empty(),
            "{version}: not in the model: {missing:?}"
        );
    }
}

#[test]
fn a_bundled_model_holds_no_asterisk_prose() {
    // Every text left is the project's own, on an event from spec/.
    for version in bundled::versions() {
        let model = bundled::model(version).unwrap().unwrap();
        for event in &model.events {
            if !event.undocumented {
                assert_eq!(event.docs.synopsis, None, "{version}: {}", event.wire_name);
                assert!(
                    event.docs.description.is_empty(),
                    "{version}: {}",
                    event.wire_name
                );
            }
            assert!(event
                .fields
                .iter()
                .all(|f| f.docs.synopsis.is_none() && f.docs.description.is_empty()));
        }
        for action in &model.actions {
            assert_eq!(
                action.docs.synopsis, None,
                "{version}: {}",
                action.wire_name
            );
            assert!(action.docs.description.is_empty());
        }
    }
}

#[test]
fn code_from_a_bundled_model_differs_from_code_from_its_xml_only_in_prose() {
    let spec = bundled::spec().unwrap();
    let (version, xml) = model_support::versions()
        .into_iter()
        .max_by_key(|(v, _)| numeric(v))
        .unwrap();
    let text = std::fs::read_to_string(&xml).unwrap();
    let from_xml = read_model_str(&text, &version, &spec).unwrap();
    let Some(Ok(bundled)) = bundled::model(&version) else {
        panic!("{version}: no bundled model");
    };
    let code = |m: &ami_codegen::model::Model| render_model(m).unwrap();
    let facts = from_xml.facts();
    assert_eq!(code(&facts), code(&bundled));
    // The XML's build documents more: its prose.
    let with_prose: usize = code(&from_xml).iter().map(|(_, t)| t.len()).sum();
    let facts_only: usize = code(&bundled).iter().map(|(_, t)| t.len()).sum();
    assert!(with_prose > facts_only, "{with_prose} vs {facts_only}");
}
