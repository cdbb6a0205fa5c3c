//! Errors of the reader (stage 1), the lowering (stage 2) and the spec files.
//!
//! Every variant says where the problem is: the file, the XML element and the
//! action or event it sits in (`context`, e.g. ``action `Originate` ``), or the
//! spec file and entry.

use std::path::PathBuf;

/// Why the documentation or the project's spec could not be turned into a model.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// A file could not be read.
    #[error("cannot read {}: {error}", path.display())]
    Io {
        /// The file.
        path: PathBuf,
        /// The I/O error (in the message, not chained).
        error: std::io::Error,
    },
    /// The documentation is not well-formed XML.
    #[error("{source_name}: malformed XML near byte {position}: {message}")]
    Xml {
        /// File or version the document came from.
        source_name: String,
        /// Byte offset where the parser stopped.
        position: u64,
        /// What the parser reported.
        message: String,
    },
    /// An `xi:include` whose `xpointer` this reader does not understand.
    #[error("{source_name}: <xi:include xpointer=\"{xpointer}\"> in {context}: unsupported expression: {reason}")]
    UnsupportedInclude {
        /// File or version the document came from.
        source_name: String,
        /// The `xpointer` attribute as written.
        xpointer: String,
        /// The action, event or other element the include sits in.
        context: String,
        /// What could not be understood.
        reason: String,
    },
    /// An `xi:include` inside an action or event that selects nothing, or
    /// whose target can never be completed (it includes itself).
    #[error("{source_name}: <xi:include xpointer=\"{xpointer}\"> in {context}: {reason}")]
    UnresolvedInclude {
        /// File or version the document came from.
        source_name: String,
        /// The `xpointer` attribute as written.
        xpointer: String,
        /// The action or event the include sits in.
        context: String,
        /// `selects nothing` or `include cycle`.
        reason: String,
    },
    /// A documentation element that cannot be lowered (e.g. a `<parameter>`
    /// without a name).
    #[error("{source_name}: <{element}> in {context}: {message}")]
    Doc {
        /// File or version the document came from.
        source_name: String,
        /// The element, e.g. `parameter`.
        element: String,
        /// The action or event it belongs to.
        context: String,
        /// What is wrong.
        message: String,
    },
    /// A spec file that is not valid TOML or does not have the expected shape.
    #[error("spec file {file}: {message}")]
    SpecParse {
        /// The spec file.
        file: String,
        /// What the TOML parser reported.
        message: String,
    },
    /// A spec entry that fails validation.
    #[error("spec file {file}: entry `{entry}`: {message}")]
    Spec {
        /// The spec file.
        file: String,
        /// The entry (table key) at fault.
        entry: String,
        /// What is wrong.
        message: String,
    },
}

impl Error {
    /// Whether the error comes from the project's spec files rather than the
    /// Asterisk documentation.
    pub fn is_spec(&self) -> bool {
        matches!(self, Error::Spec { .. } | Error::SpecParse { .. })
    }
}
