//! The cross-crate integration tests, one module per subject, in one test
//! binary (one link instead of one per file).

mod secrets;
mod tls;
mod typed_client;
