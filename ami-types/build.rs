//! Generates the typed actions, events and responses: from the Asterisk
//! documentation named by `AMI_SPEC_XML` when set (its prose becomes
//! rustdoc), else from a fact model that ships inside `ami-codegen` (no
//! file, no network needed): the one of `AMI_SPEC_VERSION` when set
//! (18.26.4, 20.20.1, 21.12.3, 22.10.1 or 23.4.1), the union of several
//! (`AMI_SPEC_VERSION=18..=23`, or the `every-release` feature), else
//! 22.10.1.
//! The project's overrides (`spec/`) are compiled into `ami-codegen` too.
//!
//! It also sets `cfg(ami_spec = "<version>")` (e.g. `"22.10.1"`) and
//! `cfg(ami_spec_major = "22")` when the version is known (a bundled model,
//! documentation in a folder named like one, `23.5.0-rc1` included, or
//! `AMI_SPEC_VERSION` set beside `AMI_SPEC_XML`), so that code written
//! against one version's exhaustive `Event` (the `exhaustive_match` example)
//! is built only for that version, and tests of Asterisk 22's wire know what
//! to expect.

fn main() {
    // A bundled model is compiled into ami-codegen: nothing to watch but
    // this script (without a rerun-if line cargo would rerun it on any
    // change in the package).
    println!("cargo:rerun-if-changed=build.rs");
    let mut config = ami_codegen::Config::new();
    if std::env::var_os("CARGO_FEATURE_EVERY_RELEASE").is_some() {
        // One set of types for every bundled release (a fleet of mixed
        // versions).
        config.version("18..=23");
    }
    let generated = config
        .spec_from_env("AMI_SPEC_XML")
        // For documentation whose folder does not name its version (the
        // installed /var/lib/asterisk/documentation/core-en_US.xml).
        .version_from_env("AMI_SPEC_VERSION")
        .bundled(ami_codegen::bundled::DEFAULT)
        .typed_fields(std::env::var_os("CARGO_FEATURE_TYPED_FIELDS").is_some())
        .generate()
        .unwrap_or_else(|e| panic!("ami-types: {e}"));
    println!("cargo::rustc-check-cfg=cfg(ami_spec, values(any()))");
    println!("cargo::rustc-check-cfg=cfg(ami_spec_major, values(any()))");
    println!("cargo::rustc-check-cfg=cfg(ami_spec_union)");
    if let ami_codegen::Source::Union(_) = &generated.source {
        println!("cargo::rustc-cfg=ami_spec_union");
    }
    if let Some(version) = &generated.version {
        println!("cargo::rustc-env=AMI_TYPES_ASTERISK_VERSION={version}");
        println!("cargo::rustc-cfg=ami_spec=\"{version}\"");
    }
    if let Some(major) = &generated.branch {
        println!("cargo::rustc-cfg=ami_spec_major=\"{major}\"");
    }
}
