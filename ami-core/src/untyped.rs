//! The types for messages no generated struct describes: any event
//! ([`RawEvent`]) and the generic success response ([`Response`]).

use crate::action::{EventType, FromMessage};
use crate::message::{Message, Text};

/// An event kept whole: an event this crate does not know
/// (the generated `Event::Unknown`), or an unexpected item of
/// an event list.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RawEvent {
    msg: Message,
}

impl RawEvent {
    /// The event name as received (empty if absent or not UTF-8).
    pub fn name(&self) -> &str {
        self.msg
            .event_name()
            .and_then(Text::as_str)
            .unwrap_or_default()
    }

    /// The first value of `key` (ignoring case).
    pub fn get(&self, key: &str) -> Option<&Text> {
        self.msg.get(key)
    }

    /// The message.
    pub fn into_message(self) -> Message {
        self.msg
    }
}

impl FromMessage for RawEvent {
    fn from_message(msg: Message) -> Self {
        RawEvent { msg }
    }

    fn raw(&self) -> &Message {
        &self.msg
    }
}

/// The response to an action without typed response fields: the `Message`
/// text and every field it arrived with.
///
/// ```
/// use ami_core::{FromMessage, Message, Response};
///
/// let msg: Message = [("Response", "Success"), ("Message", "Originate successfully queued")]
///     .into_iter()
///     .collect();
/// let response = Response::from_message(msg);
/// assert!(response.is_success());
/// assert_eq!(response.message().unwrap(), "Originate successfully queued");
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Response {
    msg: Message,
}

impl Response {
    /// The `Message` text, if any.
    pub fn message(&self) -> Option<&Text> {
        self.msg.get(crate::message::keys::MESSAGE)
    }

    /// Whether the `Response` value is `Success` (ignoring case).
    pub fn is_success(&self) -> bool {
        self.msg
            .response()
            .is_some_and(|r| r.as_bytes().eq_ignore_ascii_case(b"Success"))
    }

    /// The first value of `key` (ignoring case).
    pub fn get(&self, key: &str) -> Option<&Text> {
        self.msg.get(key)
    }

    /// The message.
    pub fn into_message(self) -> Message {
        self.msg
    }
}

impl FromMessage for Response {
    fn from_message(msg: Message) -> Self {
        Response { msg }
    }

    fn raw(&self) -> &Message {
        &self.msg
    }
}

impl EventType for RawEvent {
    fn accepts(_: &Message) -> bool {
        true
    }
}
