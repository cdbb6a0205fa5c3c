//! The integration tests of `ami-live`, one module per subject, in one test
//! binary (one link instead of one per file).

mod budget;
mod live;
mod misreads;
mod replay;
mod typed_reads;
