//! Generates the types of the Asterisk this program talks to, as a user's
//! own build script would (the `prost-build` way).
//!
//! Point `ASTERISK_20_XML` at that Asterisk's documentation
//! (`/var/lib/asterisk/documentation/core-en_US.xml` on the PBX) to generate
//! from it, with its prose as rustdoc; without it, the fact model of 20.20.1
//! bundled with `ami-codegen` is used, so the example builds anywhere.

fn main() {
    let generated = ami_codegen::Config::new()
        .spec_from_env("ASTERISK_20_XML")
        .bundled("20.20.1")
        .generate()
        .unwrap_or_else(|e| panic!("{e}"));
    // The version generated, for the program to print.
    let version = generated.version.as_deref().unwrap_or("unknown");
    println!("cargo::rustc-env=ASTERISK_VERSION={version}");
}
