//! [`EventHeader`]: the fields Asterisk can put on every event it
//! broadcasts, whatever the event.

use ami_core::{FromMessage, Text};

use crate::runtime;

/// Typed access to the header lines Asterisk's `manager_event` writes before
/// an event's own fields, for every broadcast event (implemented for every
/// typed event, the [`Event`](crate::event::Event) enum and any
/// [`FromMessage`] type):
///
/// - `Privilege`: the event's classes (`call,all`);
/// - `Timestamp`: with `timestampevents = yes` in `manager.conf`;
/// - `SystemName`: with `systemname` set in `asterisk.conf` (which PBX sent
///   it, when several feed one program);
/// - `SequenceNumber`, `File`, `Line`, `Func`: with `manager set debug on`.
///
/// ```
/// use ami_types::event::Hangup;
/// use ami_types::{EventHeader, FromMessage, Message};
///
/// let msg: Message = [
///     ("Event", "Hangup"),
///     ("Privilege", "call,all"),
///     ("Timestamp", "1795342675.151053"),
///     ("SystemName", "pbx-east"),
///     ("Channel", "PJSIP/100-00000001"),
/// ]
/// .into_iter()
/// .collect();
/// let hangup = Hangup::from_message(msg);
/// assert_eq!(hangup.timestamp(), Some(1795342675.151053));
/// assert_eq!(hangup.system_name().unwrap(), "pbx-east");
/// assert_eq!(hangup.privilege().unwrap(), "call,all");
/// assert_eq!(hangup.sequence_number(), None);
/// ```
pub trait EventHeader: FromMessage {
    /// `Privilege`: the classes of the event, e.g. `call,all`.
    fn privilege(&self) -> Option<&Text> {
        self.raw().get("Privilege")
    }

    /// `Timestamp`: when Asterisk raised the event, in seconds since the
    /// epoch (`manager.conf`: `timestampevents = yes`).
    fn timestamp(&self) -> Option<f64> {
        runtime::float(self.raw(), "Timestamp")
    }

    /// `SystemName`: the `systemname` of `asterisk.conf`, when set.
    fn system_name(&self) -> Option<&Text> {
        self.raw().get("SystemName")
    }

    /// `SequenceNumber`: a counter over every event (`manager set debug on`).
    fn sequence_number(&self) -> Option<i64> {
        runtime::integer(self.raw(), "SequenceNumber")
    }

    /// `File`, `Line` and `Func`: where in Asterisk's source the event was
    /// raised (`manager set debug on`).
    fn source_location(&self) -> Option<(&Text, Option<i64>, Option<&Text>)> {
        let raw = self.raw();
        Some((
            raw.get("File")?,
            runtime::integer(raw, "Line"),
            raw.get("Func"),
        ))
    }
}

impl<T: FromMessage> EventHeader for T {}

/// The wire keys [`EventHeader`] reads.
pub const HEADER_KEYS: &[&str] = &[
    "Privilege",
    "Timestamp",
    "SystemName",
    "SequenceNumber",
    "File",
    "Line",
    "Func",
];

#[cfg(test)]
mod tests {
    use super::*;
    use crate::event::Event;
    use ami_core::Message;

    #[test]
    fn debug_headers_are_typed() {
        let msg: Message = [
            ("Event", "Newchannel"),
            ("Privilege", "call,all"),
            ("SequenceNumber", "5550"),
            ("File", "manager_channels.c"),
            ("Line", "734"),
            ("Func", "channel_snapshot_update"),
            ("Channel", "SIP/x-0000007d"),
        ]
        .into_iter()
        .collect();
        let e = Event::from_message(msg);
        assert_eq!(e.sequence_number(), Some(5550));
        let (file, line, func) = e.source_location().unwrap();
        assert_eq!(file, "manager_channels.c");
        assert_eq!(line, Some(734));
        assert_eq!(func.unwrap(), "channel_snapshot_update");
        assert_eq!(e.timestamp(), None);
    }
}
