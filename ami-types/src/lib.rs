//! Placeholder: filled by the generator work.
