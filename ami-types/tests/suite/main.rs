//! The integration tests of `ami-types`, one module per subject, in one test
//! binary (one link instead of one per file).

mod actions;
mod blocking;
mod chan_variables;
mod ergonomics;
mod event_kind;
mod generated_fixtures;
mod readme;
mod releases;
mod transcripts;
