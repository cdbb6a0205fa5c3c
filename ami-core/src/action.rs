//! The traits that typed actions, responses and events implement.
//!
//! `ami-core` knows no action by name; the generated types in `ami-types`
//! implement these traits, and so can hand-written ones:
//!
//! ```
//! use ami_core::{Action, FromMessage, Message};
//!
//! struct Ping;
//! struct Pong(Message);
//! impl FromMessage for Pong {
//!     fn from_message(msg: Message) -> Self { Pong(msg) }
//!     fn raw(&self) -> &Message { &self.0 }
//! }
//! impl Action for Ping {
//!     const NAME: &'static str = "Ping";
//!     type Response = Pong;
//!     fn write_fields(&self, _msg: &mut Message) {}
//! }
//! assert_eq!(Ping.to_message().get("Action").unwrap(), "Ping");
//! ```

use crate::message::{Message, Value};

/// A typed AMI action.
pub trait Action {
    /// The wire name (`Action: NAME`).
    const NAME: &'static str;
    /// The typed response to this action.
    type Response: FromMessage;

    /// Appends this action's parameters (everything but `Action` and
    /// `ActionID`) to `msg`, in documentation order.
    fn write_fields(&self, msg: &mut Message);

    /// The whole action as a message, without `ActionID` (the client adds it).
    fn to_message(&self) -> Message {
        let mut msg = Message::action(Self::NAME);
        self.write_fields(&mut msg);
        msg
    }
}

/// An action that answers with an event list: a response with
/// `EventList: start`, item events, and a completion event.
pub trait ListAction: Action {
    /// The item event (an enum when the list has several item types).
    type Item: FromMessage;
    /// The completion event (e.g. `CoreShowChannelsComplete`).
    type Complete: FromMessage;
}

/// A typed value decoded from a [`Message`].
///
/// Decoding never fails: a field whose value does not parse as its declared
/// type is recorded as a [`FieldError`] and the whole message stays available
/// through [`raw`](FromMessage::raw).
pub trait FromMessage: Sized {
    /// Decodes `msg`.
    fn from_message(msg: Message) -> Self;

    /// The message this value was decoded from, with every field it arrived
    /// with, documented or not.
    fn raw(&self) -> &Message;

    /// Fields that were present but did not parse as their declared type.
    fn field_errors(&self) -> &[FieldError] {
        &[]
    }
}

impl FromMessage for Message {
    fn from_message(msg: Message) -> Self {
        msg
    }

    fn raw(&self) -> &Message {
        self
    }
}

/// A field whose value does not parse as its declared type. The raw value is
/// kept here and in the message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FieldError {
    /// The wire key.
    pub key: &'static str,
    /// The value received.
    pub value: Value,
    /// The type expected, e.g. `"integer"`.
    pub expected: &'static str,
}

impl std::fmt::Display for FieldError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "field {} = {:?} is not a valid {}",
            self.key, self.value, self.expected
        )
    }
}

impl std::error::Error for FieldError {}
