//! Channel snapshots: the block of fields Asterisk writes for each channel
//! an event is about (`Channel`, `ChannelState`, the caller ids, the
//! dialplan position, `Uniqueid`, `Linkedid`), once without a prefix for
//! the event's own channel and once per other channel under a prefix
//! (`DestChannel` of a dial, `ParkeeChannel`, `LocalOneChannel`, ...).
//!
//! [`ChannelSnapshots::channel_snapshots`] finds every snapshot of any
//! event in one pass over its fields, whatever the prefix, so code that
//! follows channels (the live model) reads them the same way in every
//! event and every release.
//!
//! ```
//! use ami_types::codes::ChannelState;
//! use ami_types::event::DialBegin;
//! use ami_types::snapshot::ChannelSnapshots;
//! use ami_types::{FromMessage, Message};
//!
//! let dial = DialBegin::from_message(
//!     [
//!         ("Event", "DialBegin"),
//!         ("Channel", "PJSIP/100-00000001"),
//!         ("ChannelState", "4"),
//!         ("Uniqueid", "1700000000.1"),
//!         ("Linkedid", "1700000000.1"),
//!         ("DestChannel", "PJSIP/200-00000002"),
//!         ("DestChannelState", "5"),
//!         ("DestUniqueid", "1700000000.2"),
//!         ("DestLinkedid", "1700000000.1"),
//!     ]
//!     .into_iter()
//!     .collect::<Message>(),
//! );
//! let snapshots = dial.channel_snapshots();
//! assert_eq!(snapshots.len(), 2);
//! assert_eq!(snapshots[1].prefix(), "Dest");
//! assert_eq!(snapshots[1].uniqueid().unwrap(), "1700000000.2");
//! assert_eq!(snapshots[1].channel_state(), Some(ChannelState::Ringing));
//! ```

use ami_core::{FromMessage, Message, Text};

use crate::codes::ChannelState;

/// The fields of a channel snapshot, without prefix, in the order
/// Asterisk writes them (`ChanVariable` lines follow; read them with the
/// event's typed accessor). No name is the end of another, so a key
/// matches at most one.
pub const CHANNEL_SNAPSHOT_FIELDS: [&str; 14] = [
    "Channel",
    "ChannelState",
    "ChannelStateDesc",
    "CallerIDNum",
    "CallerIDName",
    "ConnectedLineNum",
    "ConnectedLineName",
    "Language",
    "AccountCode",
    "Context",
    "Exten",
    "Priority",
    "Uniqueid",
    "Linkedid",
];

const CHANNEL: usize = 0;
const CHANNEL_STATE: usize = 1;
const CHANNEL_STATE_DESC: usize = 2;
const CALLER_ID_NUM: usize = 3;
const CALLER_ID_NAME: usize = 4;
const CONNECTED_LINE_NUM: usize = 5;
const CONNECTED_LINE_NAME: usize = 6;
const LANGUAGE: usize = 7;
const ACCOUNT_CODE: usize = 8;
const CONTEXT: usize = 9;
const EXTEN: usize = 10;
const PRIORITY: usize = 11;
const UNIQUEID: usize = 12;
const LINKEDID: usize = 13;

/// One channel snapshot of an event: typed access to its fields under its
/// prefix. It borrows the event's message.
#[derive(Debug, Clone)]
pub struct ChannelSnapshot<'a> {
    prefix: &'a str,
    fields: [Option<&'a Text>; 14],
}

impl<'a> ChannelSnapshot<'a> {
    /// The prefix of its keys: `""` for the event's own channel, `"Dest"`,
    /// `"Parkee"`, `"LocalOne"`, ... for the others.
    pub fn prefix(&self) -> &'a str {
        self.prefix
    }

    /// Whether it names a channel: `Uniqueid`, `Channel`, `ChannelState`
    /// and `Linkedid` are all present and `ChannelState` is a number (a
    /// snapshot cut short by a peer is not one).
    pub fn is_whole(&self) -> bool {
        self.uniqueid().is_some_and(|u| !u.is_empty())
            && self.channel().is_some()
            && self.linkedid().is_some()
            && self.channel_state().is_some()
    }

    /// `Channel`: the channel's name (`PJSIP/100-00000001`).
    pub fn channel(&self) -> Option<&'a Text> {
        self.fields[CHANNEL]
    }

    /// `ChannelState`: its state.
    pub fn channel_state(&self) -> Option<ChannelState> {
        let text = self.fields[CHANNEL_STATE]?;
        ami_wire::value::integer(text.as_bytes()).map(ChannelState::from_code)
    }

    /// `ChannelStateDesc`: its state in words (`Up`, `Ringing`, ...).
    pub fn channel_state_desc(&self) -> Option<&'a Text> {
        self.fields[CHANNEL_STATE_DESC]
    }

    /// `CallerIDNum`.
    pub fn caller_id_num(&self) -> Option<&'a Text> {
        self.fields[CALLER_ID_NUM]
    }

    /// `CallerIDName`.
    pub fn caller_id_name(&self) -> Option<&'a Text> {
        self.fields[CALLER_ID_NAME]
    }

    /// `ConnectedLineNum`: the number of the party at the other end.
    pub fn connected_line_num(&self) -> Option<&'a Text> {
        self.fields[CONNECTED_LINE_NUM]
    }

    /// `ConnectedLineName`.
    pub fn connected_line_name(&self) -> Option<&'a Text> {
        self.fields[CONNECTED_LINE_NAME]
    }

    /// `Language`.
    pub fn language(&self) -> Option<&'a Text> {
        self.fields[LANGUAGE]
    }

    /// `AccountCode`.
    pub fn account_code(&self) -> Option<&'a Text> {
        self.fields[ACCOUNT_CODE]
    }

    /// `Context`: where in the dialplan the channel is.
    pub fn context(&self) -> Option<&'a Text> {
        self.fields[CONTEXT]
    }

    /// `Exten`.
    pub fn exten(&self) -> Option<&'a Text> {
        self.fields[EXTEN]
    }

    /// `Priority`: a number, except for a hint.
    pub fn priority(&self) -> Option<i64> {
        ami_wire::value::integer(self.fields[PRIORITY]?.as_bytes())
    }

    /// `Uniqueid`: the channel's identity for its whole life.
    pub fn uniqueid(&self) -> Option<&'a Text> {
        self.fields[UNIQUEID]
    }

    /// `Linkedid`: the `Uniqueid` of the oldest channel of its call.
    pub fn linkedid(&self) -> Option<&'a Text> {
        self.fields[LINKEDID]
    }
}

/// Every channel snapshot of a message, in the order their prefixes first
/// appear: a field counts for the prefix before one of
/// [`CHANNEL_SNAPSHOT_FIELDS`] (case-insensitively, as Asterisk reads
/// keys), the first occurrence winning. Snapshots that are not
/// [whole](ChannelSnapshot::is_whole) are included: check it.
pub fn channel_snapshots(msg: &Message) -> Vec<ChannelSnapshot<'_>> {
    // The last byte of each name, lower-cased: most keys end in a byte
    // no name ends in, or in one only a few do, so few names are compared.
    const LAST: [u8; 14] = {
        let mut last = [0u8; 14];
        let mut i = 0;
        while i < 14 {
            let name = CHANNEL_SNAPSHOT_FIELDS[i].as_bytes();
            last[i] = name[name.len() - 1].to_ascii_lowercase();
            i += 1;
        }
        last
    };
    let mut found: Vec<ChannelSnapshot<'_>> = Vec::new();
    for field in msg.fields() {
        let key = field.key_bytes();
        let Some(end) = key.last().map(u8::to_ascii_lowercase) else {
            continue;
        };
        for (n, name) in CHANNEL_SNAPSHOT_FIELDS.iter().enumerate() {
            let name = name.as_bytes();
            if LAST[n] != end
                || key.len() < name.len()
                || !key[key.len() - name.len()..].eq_ignore_ascii_case(name)
            {
                continue;
            }
            let Ok(prefix) = std::str::from_utf8(&key[..key.len() - name.len()]) else {
                break;
            };
            let slot = match found
                .iter()
                .position(|s| s.prefix.eq_ignore_ascii_case(prefix))
            {
                Some(i) => i,
                None => {
                    found.push(ChannelSnapshot {
                        prefix,
                        fields: [None; 14],
                    });
                    found.len() - 1
                }
            };
            let v = &mut found[slot].fields[n];
            if v.is_none() {
                *v = Some(field.value());
            }
            break;
        }
    }
    found
}

/// [`channel_snapshots`] for every typed event, the [`Event`] enum and any
/// [`FromMessage`] type.
///
/// [`Event`]: crate::event::Event
pub trait ChannelSnapshots: FromMessage {
    /// The channel snapshots of this event (see [`channel_snapshots`]).
    fn channel_snapshots(&self) -> Vec<ChannelSnapshot<'_>> {
        channel_snapshots(self.raw())
    }
}

impl<T: FromMessage> ChannelSnapshots for T {}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn prefixes_are_found_whatever_their_case_and_a_cut_snapshot_is_not_whole() {
        let msg: Message = [
            ("Event", "LocalBridge"),
            ("LocalOneChannel", "Local/1@x-0001;1"),
            ("LocalOneChannelState", "6"),
            ("LocalOneUniqueid", "a"),
            ("LocalOneLinkedid", "a"),
            ("localtwochannel", "Local/1@x-0001;2"),
            ("LocalTwoChannelState", "six"),
            ("LocalTwoUniqueid", "b"),
            ("LocalTwoLinkedid", "a"),
            ("LocalOneUniqueid", "ignored: the first one wins"),
        ]
        .into_iter()
        .collect();
        let s = channel_snapshots(&msg);
        assert_eq!(s.len(), 2);
        assert_eq!(s[0].prefix(), "LocalOne");
        assert_eq!(s[0].uniqueid().unwrap(), "a");
        assert!(s[0].is_whole());
        assert_eq!(s[0].channel_state(), Some(ChannelState::Up));
        assert_eq!(s[1].prefix(), "localtwo");
        assert_eq!(s[1].channel().unwrap(), "Local/1@x-0001;2");
        assert!(!s[1].is_whole(), "a state that is not a number");
    }
}
