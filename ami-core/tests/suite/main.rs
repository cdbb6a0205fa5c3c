//! The integration tests of `ami-core`, one module per subject, in one test
//! binary (one link instead of one per file).

mod client_cuts;
mod client_hardening;
mod client_reconnect;
mod client_scripted;
mod client_server;
mod codec_robustness;
mod codec_splits;
mod handlers;
mod parsers_never_panic;
mod transcripts;
mod url_secret;
mod wire_transcript;
