//! # ami-types
//!
//! Every manager action and event of an Asterisk release as Rust types,
//! generated at build time from Asterisk's XML documentation by
//! `ami-codegen`, on top of [`ami_core`]'s [`Message`].
//!
//! - [`action`]: one builder per action. Required parameters are constructor
//!   arguments, optional ones chained setters; each implements [`Action`]
//!   (and [`ListAction`] when it answers with an event list).
//! - [`event`]: one struct per event, a typed view of its message (accessors return `Option<T>`), and the
//!   exhaustive [`Event`](event::Event) enum with `Unknown` for the rest.
//! - [`response`]: typed success responses where the project's `spec/` knows
//!   their fields; the others answer with the generic [`Response`].
//! - [`enums`]: value enums that keep any undocumented value.
//! - [`meta`]: the same as data, for tools that work by name.
//!
//! ```
//! use ami_types::action::Originate;
//! use ami_types::Action;
//!
//! let msg = Originate::new("Local/100@default")
//!     .application("Wait")
//!     .data("3")
//!     .variable("A=1")
//!     .variable("B=2")
//!     .to_message();
//! assert_eq!(msg.get("Channel").unwrap(), "Local/100@default");
//! assert_eq!(msg.get_all("Variable").count(), 2);
//! ```
//!
//! Decoding never fails and keeps every field:
//!
//! ```
//! use ami_types::event::Event;
//! use ami_types::{FromMessage, Message};
//!
//! let msg: Message = [("Event", "Newexten"), ("Priority", "1"), ("X-Extra", "kept")]
//!     .into_iter()
//!     .collect();
//! let Event::NewExten(e) = Event::from_message(msg) else { panic!() };
//! assert_eq!(e.priority(), Some(1));
//! assert_eq!(e.raw().get("X-Extra").unwrap(), "kept");
//! ```
//!
//! The spec the crate is generated from is `AMI_SPEC_XML` when set (e.g.
//! `/var/lib/asterisk/documentation/core-en_US.xml` of your Asterisk), else the
//! newest version under the workspace's `../shared/asterisk-docs/`.
//!
//! Mistakes are compile errors. A missing required parameter:
//!
//! ```compile_fail,E0061
//! let _ = ami_types::action::Originate::new();
//! ```
//!
//! A value of the wrong type (`Timeout` is an integer of milliseconds):
//!
//! ```compile_fail,E0308
//! let _ = ami_types::action::Originate::new("Local/100@default").timeout("30000");
//! ```
//!
//! The same with the right type compiles:
//!
//! ```
//! let _ = ami_types::action::Originate::new("Local/100@default").timeout(30000);
//! ```
//!
//! The client is [`Client`] (re-exported from `ami_core`): its typed methods
//! take the generated actions — [`send`](Client::send),
//! [`list`](Client::list), [`originate`](Client::originate),
//! [`events`](Client::events) — and [`connect`] returns it with a stream of
//! typed [`Event`](event::Event)s. See [`mod@client`] for examples.

pub use ami_core::{
    self, Action, Client, ClientBuilder, Collection, CountMismatch, Error, EventType, Events,
    FieldError, FollowUpAction, FromMessage, ListAction, Message, MessageKind, RawEvent, Reply,
    Response, Result, StreamError, Text, TypedEvent, Value,
};

pub mod client;
pub mod meta;
pub mod runtime;
mod typed;

pub use client::{connect, connect_with};
pub use typed::{AsFieldValue, FieldValue, TypedFields};

/// A stream of events decoded as `E`: the generated [`Event`](event::Event)
/// enum by default, or one event struct
/// ([`Client::events::<event::Hangup>()`](Client::events)).
pub type EventStream<E = event::Event> = ami_core::EventStream<E>;

/// Every manager action, one builder struct each (generated).
pub mod action {
    include!(concat!(env!("OUT_DIR"), "/action.rs"));
}

/// Every manager event, one struct each, and the [`Event`](event::Event)
/// enum (generated).
pub mod event {
    include!(concat!(env!("OUT_DIR"), "/event.rs"));
}

/// Typed success responses, for the actions whose response fields the
/// project's `spec/` describes (generated).
pub mod response {
    include!(concat!(env!("OUT_DIR"), "/response.rs"));
}

/// Value enums of enumerated parameters and fields (generated).
pub mod enums {
    include!(concat!(env!("OUT_DIR"), "/enums.rs"));
}
