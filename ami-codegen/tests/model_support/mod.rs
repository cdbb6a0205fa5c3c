//! Where the tests find Asterisk's documentation and the project's spec.

#![allow(dead_code)]

use std::path::PathBuf;

/// The shared directory: `AMI_SHARED_DIR`, or `../shared` next to the workspace.
pub fn shared_dir() -> PathBuf {
    match std::env::var_os("AMI_SHARED_DIR") {
        Some(dir) => PathBuf::from(dir),
        None => PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../shared"),
    }
}

/// Every `<version>/core-en_US.xml` under `shared/asterisk-docs`, sorted by
/// folder name. Fails when there is none: the tests must not pass vacuously.
pub fn versions() -> Vec<(String, PathBuf)> {
    let docs = shared_dir().join("asterisk-docs");
    let entries = std::fs::read_dir(&docs)
        .unwrap_or_else(|e| panic!("cannot list {}: {e} (set AMI_SHARED_DIR)", docs.display()));
    let mut out: Vec<(String, PathBuf)> = entries
        .filter_map(Result::ok)
        .map(|e| e.path())
        .filter(|p| p.join("core-en_US.xml").is_file())
        .map(|p| {
            let name = p.file_name().unwrap().to_string_lossy().into_owned();
            (name, p.join("core-en_US.xml"))
        })
        .collect();
    out.sort();
    assert!(
        !out.is_empty(),
        "no <version>/core-en_US.xml under {}",
        docs.display()
    );
    out
}

/// The project's spec directory.
pub fn spec_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../spec")
}
