//! The `ami` command-line tool (placeholder).
fn main() {}
