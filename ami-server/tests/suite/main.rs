//! The integration tests of `ami-server`, one module per subject, in one test
//! binary (one link instead of one per file).

mod server_calls;
mod server_faults;
mod server_protocol;
#[path = "../server_support/mod.rs"]
mod support;
