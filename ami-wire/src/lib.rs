//! The words of the Asterisk Manager Interface, defined once: the key names
//! every message uses, how Asterisk spells booleans, numbers and durations,
//! what an event-class setting (`Events: call,agent`, `read=`) lets
//! through, the rule that decides which values are secret, and a writer
//! that builds a message's text field by field.
//!
//! Every other `ami-*` crate reads these words from here; this crate has
//! no dependencies, so the code generator (a build dependency) and the
//! client agree without pulling each other in.
//!
//! ```
//! use ami_wire::{classes::Classes, secret, value};
//!
//! assert_eq!(value::boolean(b" Yes "), Some(true));
//! assert_eq!(value::integer(b"-17"), Some(-17));
//! assert!(Classes::parse("call,agent").allows("call,all"));
//! assert!(secret::is_secret_name(b"md5_cred"));
//! ```

pub mod classes;
pub mod keys;
pub mod secret;
pub mod value;
pub mod writer;

pub use writer::{MessageWriter, WireValue};
