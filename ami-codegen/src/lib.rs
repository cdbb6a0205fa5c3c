//! # ami-codegen
//!
//! Turns Asterisk's XML documentation (`core-en_US.xml`) into typed Rust:
//! `xml` (stage 1: read, resolve includes and snapshot macros) → [`model`]
//! (stage 2: the IR, overrides from `spec/` applied) → [`emit`] (stage 3:
//! tokens) → [`write`](mod@write) (prettyplease, `@generated` header, write-if-changed).
//!
//! A build script makes one call, [`Config::generate`]; the `ami-codegen`
//! binary (`--spec FILE --out DIR [--spec-dir DIR] [--stats]`) writes the same
//! files for reading or vendoring.

pub mod bundled;
mod config;
pub mod emit;
pub mod error;
pub mod matrix;
pub mod model;
pub mod synopses;
pub mod write;
pub mod xml;

pub use config::{
    render_model, render_model_with, Config, GenerateError, Generated, Source, Stats,
};
pub use error::Error;
pub use model::overrides::{Spec, SpecUsage};

/// Reads `core-en_US.xml` and the project's overrides in `spec_dir`, and lowers them into the model.
///
/// The model's `source` is the name of the folder holding the file (the
/// version, e.g. `22.10.1`), or the file name.
pub fn read_model(
    xml: &std::path::Path,
    spec_dir: &std::path::Path,
) -> Result<model::Model, Error> {
    let spec = Spec::load(spec_dir)?;
    let text = std::fs::read_to_string(xml).map_err(|error| Error::Io {
        path: xml.to_owned(),
        error,
    })?;
    read_model_str(&text, &source_name(xml), &spec)
}

/// Lowers a documentation string (`source_name` only labels errors and the
/// model); for fixtures and tests: `Spec::empty()` or `Spec::load(dir)`.
pub fn read_model_str(xml: &str, source_name: &str, spec: &Spec) -> Result<model::Model, Error> {
    read_model_with_usage(xml, source_name, spec).map(|(model, _)| model)
}

/// Like [`read_model_str`], and also reports which spec entries changed the
/// model (see [`Spec::unmatched`]).
pub fn read_model_with_usage(
    xml: &str,
    source_name: &str,
    spec: &Spec,
) -> Result<(model::Model, SpecUsage), Error> {
    let root = xml::read(xml, source_name)?;
    model::lower::lower(&root, source_name, spec)
}

/// The version folder name of a documentation file, or its file name.
pub fn source_name(xml: &std::path::Path) -> String {
    let file = xml
        .file_name()
        .map(|f| f.to_string_lossy().into_owned())
        .unwrap_or_default();
    match xml.parent().and_then(|p| p.file_name()) {
        Some(dir) if file == "core-en_US.xml" => dir.to_string_lossy().into_owned(),
        _ => file,
    }
}
