//! The names of the keys every AMI message may carry, whatever its action
//! or event.

/// `Action`: the first key of every action.
pub const ACTION: &str = "Action";
/// `ActionID`: correlates responses and list events with their action.
pub const ACTION_ID: &str = "ActionID";
/// `Response`: the first key of a response (`Success`, `Error`, `Follows`, `Goodbye`).
pub const RESPONSE: &str = "Response";
/// `Event`: the first key of an event.
pub const EVENT: &str = "Event";
/// `Message`: the human-readable text of a response.
pub const MESSAGE: &str = "Message";
/// `EventList`: `start`, `Complete` or `Cancelled` on list responses.
pub const EVENT_LIST: &str = "EventList";
/// `ListItems`: the number of items a list completion reports.
pub const LIST_ITEMS: &str = "ListItems";
/// `Output`: one line of `Command` output (Asterisk 14+).
pub const OUTPUT: &str = "Output";
/// `Privilege`: the class of an event.
pub const PRIVILEGE: &str = "Privilege";
