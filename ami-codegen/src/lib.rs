//! # ami-codegen
//!
//! Turns Asterisk's XML documentation (`core-en_US.xml`) into typed Rust:
//! `xml` (stage 1: read, resolve includes and snapshot macros) → [`model`]
//! (stage 2: the IR, overrides from `spec/` applied) → `emit` (stage 3: tokens).

pub mod model;
