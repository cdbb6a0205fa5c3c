//! The version matrix (`matrix/releases.txt`) agrees with every Asterisk
//! documentation file under `../shared/asterisk-docs/`: each item the
//! matrix gives that release is in its XML, and each item of the XML is in
//! the matrix for that release.

use std::collections::BTreeSet;
use std::path::PathBuf;

use ami_codegen::matrix::{items, Matrix, Release};
use ami_codegen::{read_model_str, Spec};

fn matrix() -> Matrix {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("matrix/releases.txt");
    let text = std::fs::read_to_string(&path).unwrap();
    Matrix::parse(&text).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

#[test]
fn the_matrix_agrees_with_every_shared_xml() {
    let m = matrix();
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../shared/asterisk-docs");
    let Ok(entries) = std::fs::read_dir(&dir) else {
        assert!(
            std::env::var_os("AMI_SKIP_WITHOUT_DOCS").is_some(),
            "no {}: set AMI_SKIP_WITHOUT_DOCS=1 to skip",
            dir.display()
        );
        return;
    };
    let mut checked = 0;
    for entry in entries.flatten() {
        let xml = entry.path().join("core-en_US.xml");
        let Some(release) = entry.file_name().to_str().and_then(Release::parse) else {
            continue;
        };
        if !xml.is_file() {
            continue;
        }
        assert!(
            m.releases().any(|r| *r == release),
            "the matrix was not made from {release}: rebuild it (see ami_codegen::matrix)"
        );
        let text = std::fs::read_to_string(&xml).unwrap();
        let model = read_model_str(&text, &release.to_string(), &Spec::empty()).unwrap();
        let in_xml = items(&model);
        let in_xml: BTreeSet<&str> = in_xml.iter().map(String::as_str).collect();
        let claimed = m.items_at(&release);
        let missing: Vec<&&str> = in_xml.difference(&claimed).take(10).collect();
        let extra: Vec<&&str> = claimed.difference(&in_xml).take(10).collect();
        assert!(
            missing.is_empty() && extra.is_empty(),
            "{release}: in the XML, not in the matrix: {missing:?}; in the matrix, not in the XML: {extra:?}"
        );
        checked += 1;
    }
    assert!(checked > 0, "no release checked");
}

#[test]
fn what_the_matrix_says_of_backported_items() {
    // Facts the issue that asked for the matrix measured in the source.
    let m = matrix();
    let r = |s: &str| Release::parse(s).unwrap();
    let has = |item: &str, release: &str| m.items_at(&r(release)).contains(item);
    assert!(!has("field Hangup TechCause", "22.6.0") && has("field Hangup TechCause", "22.7.0"));
    assert!(!has("action PJSIPSetMaintenance", "22.9.0"));
    assert!(has("action PJSIPSetMaintenance", "22.10.1"));
    assert!(!has("action PJSIPHangup", "20.5.0") && has("action PJSIPHangup", "20.6.0"));
    // Asterisk 21 removed chan_sip's actions.
    assert!(has("action SIPpeers", "20.20.1") && !has("action SIPpeers", "21.0.0"));
}

#[test]
fn documentation_that_does_not_say_its_version_is_matched_by_its_actions() {
    let m = ami_codegen::matrix::bundled();
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../shared/asterisk-docs");
    let Ok(entries) = std::fs::read_dir(&dir) else {
        return;
    };
    let mut checked = 0;
    for entry in entries.flatten() {
        let Some(release) = entry.file_name().to_str().and_then(Release::parse) else {
            continue;
        };
        let Ok(text) = std::fs::read_to_string(entry.path().join("core-en_US.xml")) else {
            continue;
        };
        let model = read_model_str(&text, "core-en_US.xml", &Spec::empty()).unwrap();
        let found = m.releases_matching(&model);
        eprintln!("{release}: {found:?}");
        assert!(found.contains(&&release), "{release}: {found:?}");
        checked += 1;
    }
    assert!(checked > 0);
}

#[test]
fn a_build_from_unnamed_documentation_knows_at_least_its_branch() {
    let xml = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../../shared/asterisk-docs/20.20.1/core-en_US.xml");
    let Ok(text) = std::fs::read_to_string(&xml) else {
        return;
    };
    // As installed: a folder that does not name the version.
    let dir = std::env::temp_dir().join(format!("ami-matrix-unnamed-{}", std::process::id()));
    let docs = dir.join("documentation");
    std::fs::create_dir_all(&docs).unwrap();
    std::fs::write(docs.join("core-en_US.xml"), text).unwrap();
    let generated = ami_codegen::Config::new()
        .spec(docs.join("core-en_US.xml"))
        .out_dir(&dir)
        .cargo_rerun(false)
        .generate()
        .unwrap();
    // 20.20.0 and 20.20.1 document the same actions: the branch is known,
    // the release is not.
    assert_eq!(generated.version, None);
    assert_eq!(generated.branch.as_deref(), Some("20"));
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn every_event_and_field_spec_adds_has_the_releases_that_send_it() {
    // The events and fields of spec/events.toml that no release documents
    // have ranges from Asterisk's source (matrix/undocumented.txt), and
    // that file names nothing else.
    let m = ami_codegen::matrix::bundled();
    let documented = matrix();
    let spec: toml::Table = toml::from_str(include_str!("../../spec/events.toml")).unwrap();
    let mut added = BTreeSet::new();
    for (event, entry) in &spec {
        added.insert(format!("event {event}"));
        for field in entry["fields"].as_array().unwrap() {
            added.insert(format!("field {event} {}", field.as_str().unwrap()));
        }
    }
    let undocumented: BTreeSet<String> = added
        .iter()
        .filter(|item| documented.ranges(item).is_none())
        .cloned()
        .collect();
    let listed: BTreeSet<String> = m.undocumented().map(str::to_owned).collect();
    assert!(undocumented.len() > 300, "{}", undocumented.len());
    assert_eq!(
        undocumented.difference(&listed).collect::<Vec<_>>(),
        Vec::<&String>::new(),
        "spec adds these; matrix/undocumented.txt has no releases for them"
    );
    assert_eq!(
        listed.difference(&undocumented).collect::<Vec<_>>(),
        Vec::<&String>::new(),
        "matrix/undocumented.txt names what spec/events.toml does not add"
    );
    // Facts read in the source: chan_skinny's lists went with Asterisk 21,
    // DBGetTree's items came with 18.14.0, EndpointDetail's
    // FollowRedirectMethods with 20.18.0 and 22.8.0.
    assert_eq!(
        m.ranges("event DeviceEntry").unwrap(),
        "18.0.0..=18.26.4 20.0.0..=20.20.1"
    );
    assert!(m
        .ranges("event DBGetTreeResponse")
        .unwrap()
        .starts_with("18.14.0..=18.26.4 20.0.0..="));
    assert_eq!(
        m.ranges("field EndpointDetail FollowRedirectMethods")
            .unwrap(),
        "20.18.0..=20.20.1 22.8.0..=22.10.1 23.2.0..=23.4.1"
    );
}
