//! Generates the typed actions, events and responses from Asterisk's XML
//! documentation: `AMI_SPEC_XML` when set, else the newest version folder
//! under the workspace's `../shared/asterisk-docs/`, with the overrides in
//! `../spec/`.

//!
//! It also sets `cfg(ami_spec = "<version folder>")` (e.g. `"22.10.1"`) and
//! `cfg(ami_spec_major = "22")`, so that code written against one version's
//! exhaustive `Event` (the `exhaustive_match` example) is built only for
//! that version, and tests of Asterisk 22's wire know what to expect.

use std::path::PathBuf;

fn main() {
    // Cargo's environment at run time, not this script's compile time: two
    // checkouts sharing a target directory must not read each other's files.
    let manifest = PathBuf::from(
        std::env::var_os("CARGO_MANIFEST_DIR").expect("cargo sets CARGO_MANIFEST_DIR"),
    );
    let generated = ami_codegen::Config::new()
        .spec_from_env("AMI_SPEC_XML")
        .newest_spec_in(manifest.join("../../shared/asterisk-docs"))
        .spec_dir(manifest.join("../spec"))
        .generate()
        .unwrap_or_else(|e| panic!("ami-types: {e}"));
    println!("cargo::rustc-check-cfg=cfg(ami_spec, values(any()))");
    println!("cargo::rustc-check-cfg=cfg(ami_spec_major, values(any()))");
    if let Some(version) = generated
        .spec
        .parent()
        .and_then(|dir| dir.file_name())
        .and_then(|name| name.to_str())
    {
        println!("cargo::rustc-cfg=ami_spec=\"{version}\"");
        if let Some(major) = version
            .split('.')
            .next()
            .filter(|m| m.parse::<u32>().is_ok())
        {
            println!("cargo::rustc-cfg=ami_spec_major=\"{major}\"");
        }
    }
}
