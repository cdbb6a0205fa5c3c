//! The integration tests of `ami-codegen`, one module per subject, in one test
//! binary (one link instead of one per file).

mod bundled_models;
mod matrix;
mod model_fixtures;
mod model_spec;
#[path = "../model_support/mod.rs"]
mod model_support;
mod model_versions;
mod synopses;
