//! The traits that typed actions, responses and events implement.
//!
//! `ami-core` knows no action by name; the generated types in `ami-types`
//! implement these traits, and so can hand-written ones:
//!
//! ```
//! use ami_core::{Action, FromMessage, Message, MessageWriter};
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
//!     fn write_fields(&self, _msg: &mut MessageWriter) {}
//! }
//! assert_eq!(Ping.to_message().get("Action").unwrap(), "Ping");
//! ```

use std::time::Duration;

use crate::message::{Message, Value};
use crate::MessageWriter;

/// A typed AMI action.
pub trait Action {
    /// The wire name (`Action: NAME`).
    const NAME: &'static str;
    /// The typed response to this action.
    type Response: FromMessage;

    /// Writes this action's parameters (everything but `Action` and
    /// `ActionID`) into `msg`, in documentation order, each once.
    fn write_fields(&self, msg: &mut MessageWriter);

    /// Whether [`check_release`](Self::check_release) checks anything: a
    /// typed send asks the PBX's version only for actions that do.
    const CHECKS_RELEASE: bool = false;

    /// Checks that Asterisk release `version` (`20.5.2`) has this action
    /// and every parameter this value sets: [`Error::Unsupported`] names
    /// what is missing and the releases that have it. The generated
    /// actions check against the version matrix; the default has nothing
    /// to check.
    ///
    /// [`Error::Unsupported`]: crate::Error::Unsupported
    fn check_release(&self, version: &str) -> crate::Result<()> {
        let _ = version;
        Ok(())
    }

    /// The whole action as a message, without `ActionID` (the client adds
    /// it): written once and packed into one buffer.
    fn to_message(&self) -> Message {
        let mut msg = MessageWriter::action(Self::NAME);
        self.write_fields(&mut msg);
        Message::from(msg)
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

    /// Fields that were present but did not parse as their declared type
    /// (worked out when asked: decoding itself does no parsing).
    fn field_errors(&self) -> Vec<FieldError> {
        Vec::new()
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

/// An event struct with its wire name, so that a stream can pick it out
/// ([`Client::events`](crate::Client::events)). Every generated event
/// implements it.
///
/// ```
/// use ami_core::{FromMessage, Message, TypedEvent};
///
/// struct Hangup(Message);
/// impl FromMessage for Hangup {
///     fn from_message(msg: Message) -> Self { Hangup(msg) }
///     fn raw(&self) -> &Message { &self.0 }
/// }
/// impl TypedEvent for Hangup {
///     const NAME: &'static str = "Hangup";
/// }
/// let msg: Message = [("Event", "hangup")].into_iter().collect();
/// assert!(Hangup::matches(&msg)); // ignoring case, as Asterisk may send it
/// ```
pub trait TypedEvent: FromMessage {
    /// The event name as documented (`Hangup`, `NewExten`).
    const NAME: &'static str;

    /// Whether `msg` is this event: its `Event` name equals [`NAME`](Self::NAME)
    /// ignoring ASCII case (the docs spell `NewExten`, Asterisk sends
    /// `Newexten`).
    fn matches(msg: &Message) -> bool {
        msg.event_name()
            .is_some_and(|name| name.as_bytes().eq_ignore_ascii_case(Self::NAME.as_bytes()))
    }
}

/// What an event stream decodes its events into: one event type (any
/// [`TypedEvent`], whose other events are skipped without being decoded), an
/// enum of all of them (the generated `Event`), [`RawEvent`](crate::RawEvent)
/// or the untyped [`Message`].
pub trait EventType: FromMessage {
    /// Whether the stream delivers `msg` (an event) as this type.
    fn accepts(msg: &Message) -> bool;
}

impl<T: TypedEvent> EventType for T {
    fn accepts(msg: &Message) -> bool {
        T::matches(msg)
    }
}

impl EventType for Message {
    fn accepts(_: &Message) -> bool {
        true
    }
}

/// An action Asterisk answers twice: a response at once, then, when the
/// work is done, one event carrying the same `ActionID` (an asynchronous
/// `Originate` and its `OriginateResponse`).
/// [`Client::originate`](crate::Client::originate) sends it and waits for
/// both.
pub trait FollowUpAction: Action {
    /// The event that completes the action.
    type FollowUp: TypedEvent;

    /// How long the work itself may take, on top of the client's timeout,
    /// read from the message about to be sent (for `Originate`: how long
    /// the call may ring, its `Timeout`).
    fn allowance(sent: &Message) -> Duration;

    /// The message to send: [`to_message`](Action::to_message), with
    /// whatever makes Asterisk answer with the follow-up (`Async: true`).
    fn to_follow_up_message(&self) -> Message {
        self.to_message()
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
