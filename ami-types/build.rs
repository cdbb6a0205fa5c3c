//! Generates the typed actions, events and responses from Asterisk's XML
//! documentation: `AMI_SPEC_XML` when set, else the newest version folder
//! under the workspace's `../shared/asterisk-docs/`, with the overrides in
//! `../spec/`.

use std::path::Path;

fn main() {
    let manifest = Path::new(env!("CARGO_MANIFEST_DIR"));
    if let Err(e) = ami_codegen::Config::new()
        .spec_from_env("AMI_SPEC_XML")
        .newest_spec_in(manifest.join("../../shared/asterisk-docs"))
        .spec_dir(manifest.join("../spec"))
        .generate()
    {
        panic!("ami-types: {e}");
    }
}
