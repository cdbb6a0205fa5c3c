//! # ami-core
//!
//! The Asterisk Manager Interface (AMI) protocol, knowing no action or event by
//! name: [`Message`] (ordered, case-insensitive, multi-valued fields), the wire
//! [`codec`], the traits typed actions implement ([`action`]), and the async
//! client (with TLS and reconnect). The embedded AMI server for tests and
//! examples is the `ami-server` crate.
//!
//! ```
//! use ami_core::Message;
//!
//! let mut msg = Message::new();
//! msg.append("Action", "Originate");
//! msg.append("Variable", "A=1");
//! msg.append("Variable", "B=2");
//! assert_eq!(msg.get("action").unwrap(), "Originate");
//! assert_eq!(msg.get_all("VARIABLE").count(), 2);
//! ```

pub mod action;
pub mod client;
pub mod codec;
mod collection;
pub mod error;
pub mod events;
pub mod filter;
pub mod handlers;
pub mod message;
#[cfg(feature = "serde")]
mod serialize;
mod text_field;
pub mod tls;
pub mod transcript;
mod untyped;

pub use action::{
    Action, EventType, FieldError, FollowUpAction, FromMessage, ListAction, TypedEvent,
};
pub use ami_wire::writer::{IndexedKey, MessageWriter, WireValue};
pub use client::{CallOptions, Client, ClientBuilder, EventMask, Reply};
pub use codec::{DecodeError, Decoder, EncodeError, Frame, Greeting};
pub use collection::{Collection, CountMismatch};
pub use error::{Disconnect, Error, Result, TlsError};
pub use events::{EventStream, StreamError};
pub use message::{Field, Fields, Message, MessageKind, Text, Value};
pub use text_field::TextField;
pub use untyped::{RawEvent, Response};
