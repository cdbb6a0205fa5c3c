//! [`Collection`]: the result of a list action.

use crate::action::FromMessage;
use crate::untyped::Response;

/// What a list action answered: the initial response, the item events in
/// arrival order, the completion event, and the item count Asterisk reported
/// in it (`ListItems`).
///
/// ```
/// use ami_core::{Collection, FromMessage, Message, Response};
///
/// let response = Response::from_message([("Response", "Success"), ("EventList", "start")].into_iter().collect());
/// let item: Message = [("Event", "CoreShowChannel"), ("Channel", "Local/1")].into_iter().collect();
/// let complete: Message = [("Event", "CoreShowChannelsComplete"), ("ListItems", "2")].into_iter().collect();
/// let list = Collection::new(response, vec![item], complete);
/// assert_eq!(list.reported, Some(2));
/// let err = list.check_count().unwrap_err();
/// assert_eq!((err.reported, err.received), (2, 1));
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct Collection<T, C> {
    /// The response that opened the list (`EventList: start`).
    pub response: Response,
    /// The items, in arrival order.
    pub items: Vec<T>,
    /// The completion event.
    pub complete: C,
    /// The number of items the completion event reported (`ListItems`),
    /// where it has a valid one.
    pub reported: Option<u64>,
}

impl<T, C: FromMessage> Collection<T, C> {
    /// A collection; `reported` is read from the completion event's
    /// `ListItems`.
    pub fn new(response: Response, items: Vec<T>, complete: C) -> Self {
        let reported = complete
            .raw()
            .get(crate::message::keys::LIST_ITEMS)
            .and_then(|v| ami_wire::value::integer(v.as_bytes()))
            .and_then(|n| u64::try_from(n).ok());
        Collection {
            response,
            items,
            complete,
            reported,
        }
    }
}

impl<T, C: FromMessage> Collection<T, C> {
    /// Whether Asterisk ended the list with `EventList: Cancelled` instead
    /// of `Complete`: the items are those sent before it gave up.
    pub fn is_cancelled(&self) -> bool {
        self.complete
            .raw()
            .get(crate::message::keys::EVENT_LIST)
            .is_some_and(|v| v.as_bytes().eq_ignore_ascii_case(b"Cancelled"))
    }
}

impl<T, C> Collection<T, C> {
    /// Checks the number of items received against the number reported.
    /// Passes when nothing was reported.
    pub fn check_count(&self) -> Result<(), CountMismatch> {
        match self.reported {
            Some(reported) if reported != self.items.len() as u64 => Err(CountMismatch {
                reported,
                received: self.items.len(),
            }),
            _ => Ok(()),
        }
    }

    /// The number of items received.
    pub fn len(&self) -> usize {
        self.items.len()
    }

    /// Whether no item was received.
    pub fn is_empty(&self) -> bool {
        self.items.is_empty()
    }

    /// The items, in arrival order.
    pub fn iter(&self) -> std::slice::Iter<'_, T> {
        self.items.iter()
    }
}

impl<T, C> IntoIterator for Collection<T, C> {
    type Item = T;
    type IntoIter = std::vec::IntoIter<T>;

    fn into_iter(self) -> Self::IntoIter {
        self.items.into_iter()
    }
}

impl<'a, T, C> IntoIterator for &'a Collection<T, C> {
    type Item = &'a T;
    type IntoIter = std::slice::Iter<'a, T>;

    fn into_iter(self) -> Self::IntoIter {
        self.items.iter()
    }
}

/// A list whose completion event reported a different number of items than
/// arrived.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CountMismatch {
    /// The count in `ListItems`.
    pub reported: u64,
    /// The number of items received.
    pub received: usize,
}

impl std::fmt::Display for CountMismatch {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "the list reported {} items but {} arrived",
            self.reported, self.received
        )
    }
}

impl std::error::Error for CountMismatch {}
