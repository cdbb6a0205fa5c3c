//! Reading an event's fields as the model keeps them: shared text cut to
//! the budget (`<unknown>` read as empty), numbers and flags in Asterisk's
//! spellings, and the channel snapshots an event carries under any prefix.

use super::Budget;
use crate::state::{Channel, ChannelId, Dialplan, Party, Str};
use ami_types::codes::ChannelState;
use ami_types::snapshot::{channel_snapshots, ChannelSnapshot};
use ami_types::{Message, Text};

/// A value as shared text; Asterisk's `<unknown>` reads as empty.
pub(crate) fn text(msg: &Message, key: &str) -> Str {
    msg.get(key).map(value).unwrap_or_default()
}

/// A value as the model keeps it: at most [`Budget::VALUE_BYTES`] bytes
/// (cut at a character boundary; each cut is counted, see [`values_cut`]).
pub(crate) fn value(v: &Text) -> Str {
    let s = v.to_string_lossy();
    let s = s.trim_end_matches(['\r', '\n']);
    if s.is_empty() || s == "<unknown>" {
        // The shared empty text: no allocation.
        Str::default()
    } else if s.len() > Budget::VALUE_BYTES {
        let mut end = Budget::VALUE_BYTES;
        while !s.is_char_boundary(end) {
            end -= 1;
        }
        VALUES_CUT.with(|n| n.set(n.get() + 1));
        Str::from(&s[..end])
    } else {
        Str::from(s)
    }
}

thread_local! {
    /// Values cut to the budget on this thread: a model applies an event on
    /// one thread, and counts the difference.
    static VALUES_CUT: std::cell::Cell<u64> = const { std::cell::Cell::new(0) };
}

/// Values cut on this thread so far.
pub(crate) fn values_cut() -> u64 {
    VALUES_CUT.with(std::cell::Cell::get)
}

/// A typed accessor's text as the model keeps it (see [`value`]); empty
/// when absent.
pub(crate) fn kept(v: Option<&Text>) -> Str {
    v.map(value).unwrap_or_default()
}

/// The longest text [`shared`] keeps one copy of.
const SHARED_BYTES: usize = 32;
/// How many texts [`shared`] remembers per thread before it starts over.
const SHARED_TEXTS: usize = 1024;

thread_local! {
    /// The short texts channels repeat, one copy each (bounded: at most
    /// [`SHARED_TEXTS`] of at most [`SHARED_BYTES`] bytes).
    static SHARED: std::cell::RefCell<std::collections::HashSet<Str>> =
        std::cell::RefCell::new(std::collections::HashSet::new());
}

/// [`kept`] for a field whose values repeat from channel to channel (a
/// state, a language, a context, an extension, caller ids): a short value
/// is one shared copy, so a channel holding it costs a reference count,
/// not an allocation.
pub(crate) fn shared(v: Option<&Text>) -> Str {
    let Some(text) = v else {
        return Str::default();
    };
    let bytes = text.as_bytes();
    let Ok(s) = std::str::from_utf8(bytes) else {
        return value(text);
    };
    if s.len() > SHARED_BYTES || s.ends_with(['\r', '\n']) || s == "<unknown>" || s.is_empty() {
        return value(text);
    }
    SHARED.with(|set| {
        let mut set = set.borrow_mut();
        if let Some(one) = set.get(s) {
            return one.clone();
        }
        if set.len() >= SHARED_TEXTS {
            set.clear();
        }
        let one = Str::from(s);
        set.insert(one.clone());
        one
    })
}

/// Whether a typed accessor's text, as the model keeps it, is `kept`:
/// without allocating when it is UTF-8 and within the budget (otherwise it
/// is read as [`kept`] reads it).
pub(crate) fn kept_eq(v: Option<&Text>, kept_text: &str) -> bool {
    let Some(v) = v else {
        return kept_text.is_empty();
    };
    let mut bytes = v.as_bytes();
    while let [rest @ .., b'\r' | b'\n'] = bytes {
        bytes = rest;
    }
    if bytes == b"<unknown>" {
        return kept_text.is_empty();
    }
    match std::str::from_utf8(bytes) {
        Ok(text) if text.len() <= Budget::VALUE_BYTES => text == kept_text,
        _ => *value(v) == *kept_text,
    }
}

/// A typed accessor's text as the model keeps it, when not empty.
pub(crate) fn kept_opt(v: Option<&Text>) -> Option<Str> {
    Some(kept(v)).filter(|s| !s.is_empty())
}

/// The spelling of a typed value (a value enum's `as_bytes`) as the
/// model keeps it.
pub(crate) fn kept_bytes(v: &[u8]) -> Str {
    value(Text::new(v))
}

/// A value enum's spelling as the model keeps it (the state holds the
/// text: the enums differ between the releases `ami-types` is built for);
/// empty when absent.
macro_rules! spelled {
    ($v:expr) => {
        $v.map(|v| $crate::model::read::kept_bytes(v.as_bytes()))
            .unwrap_or_default()
    };
}
pub(crate) use spelled;

/// A Unix time in seconds; 0 (Asterisk's "never") and negatives are
/// `None`.
pub(crate) fn unix_time(seconds: Option<i64>) -> Option<std::time::SystemTime> {
    let seconds = u64::try_from(seconds?).ok().filter(|s| *s > 0)?;
    std::time::SystemTime::UNIX_EPOCH.checked_add(std::time::Duration::from_secs(seconds))
}

/// A non-empty value.
pub(crate) fn opt(msg: &Message, key: &str) -> Option<Str> {
    Some(text(msg, key)).filter(|s| !s.is_empty())
}

/// A channel snapshot read from an event, under a key prefix.
#[derive(Debug, Clone)]
pub(crate) struct Snapshot {
    pub(crate) uniqueid: Str,
    pub(crate) name: Str,
    pub(crate) linkedid: Str,
    pub(crate) state: ChannelState,
    pub(crate) state_desc: Str,
    pub(crate) caller_id: Party,
    pub(crate) connected_line: Party,
    pub(crate) account_code: Str,
    pub(crate) language: Str,
    pub(crate) dialplan: Dialplan,
}

impl Snapshot {
    /// The message's own (unprefixed) snapshot, when it has a whole one
    /// (`Uniqueid`, `Channel`, `ChannelState` and `Linkedid`).
    pub(crate) fn read(msg: &Message) -> Option<Snapshot> {
        channel_snapshots(msg)
            .iter()
            .find(|s| s.prefix().is_empty() && s.is_whole())
            .and_then(Snapshot::of)
    }

    /// Whether the snapshot `view` says nothing new about the live channel
    /// `ch` (its linked id too when `linkedid`): then the model has nothing
    /// to do, and nothing is allocated to find that out.
    pub(crate) fn unchanged(view: &ChannelSnapshot<'_>, ch: &Channel, linkedid: bool) -> bool {
        view.channel_state() == Some(ch.state)
            && kept_eq(view.channel(), &ch.name)
            && (!linkedid || kept_eq(view.linkedid(), &ch.linkedid))
            && kept_eq(view.channel_state_desc(), &ch.state_desc)
            && kept_eq(view.caller_id_num(), &ch.caller_id.num)
            && kept_eq(view.caller_id_name(), &ch.caller_id.name)
            && kept_eq(view.connected_line_num(), &ch.connected_line.num)
            && kept_eq(view.connected_line_name(), &ch.connected_line.name)
            && kept_eq(view.account_code(), &ch.account_code)
            && kept_eq(view.language(), &ch.language)
            && kept_eq(view.context(), &ch.dialplan.context)
            && kept_eq(view.exten(), &ch.dialplan.exten)
            && view.priority().unwrap_or_default() == ch.dialplan.priority
    }

    /// A new channel as the snapshot shows it, appeared at `at`.
    pub(crate) fn channel(&self, generation: u64, at: std::time::SystemTime) -> Channel {
        Channel {
            id: ChannelId {
                uniqueid: self.uniqueid.clone(),
                generation,
            },
            name: self.name.clone(),
            linkedid: self.linkedid.clone(),
            call: Str::default(),
            state: self.state,
            state_desc: self.state_desc.clone(),
            caller_id: self.caller_id.clone(),
            connected_line: self.connected_line.clone(),
            account_code: self.account_code.clone(),
            language: self.language.clone(),
            dialplan: self.dialplan.clone(),
            application: Str::default(),
            application_data: Str::default(),
            bridge: None,
            variables: Default::default(),
            on_hold: false,
            local_peer: None,
            dial: None,
            hangup_requested: None,
            created_at: at,
            answered_at: self.state.is_up().then_some(at),
        }
    }

    /// Writes what the snapshot says into `ch` (name, linked id, state,
    /// caller ids, account code, language, dialplan location); the rest of
    /// the channel stays.
    pub(crate) fn apply_to(&self, ch: &mut Channel) {
        ch.name = self.name.clone();
        ch.linkedid = self.linkedid.clone();
        ch.state = self.state;
        ch.state_desc = self.state_desc.clone();
        ch.caller_id = self.caller_id.clone();
        ch.connected_line = self.connected_line.clone();
        ch.account_code = self.account_code.clone();
        ch.language = self.language.clone();
        ch.dialplan = self.dialplan.clone();
    }

    /// A whole snapshot as the model keeps it.
    pub(crate) fn of(s: &ChannelSnapshot<'_>) -> Option<Snapshot> {
        // `<unknown>` reads as empty, and names no channel.
        let uniqueid = Some(kept(s.uniqueid())).filter(|u| !u.is_empty())?;
        Some(Snapshot {
            uniqueid,
            name: kept(s.channel()),
            linkedid: kept(s.linkedid()),
            state: s.channel_state()?,
            state_desc: shared(s.channel_state_desc()),
            caller_id: Party {
                num: shared(s.caller_id_num()),
                name: shared(s.caller_id_name()),
            },
            connected_line: Party {
                num: shared(s.connected_line_num()),
                name: shared(s.connected_line_name()),
            },
            account_code: shared(s.account_code()),
            language: shared(s.language()),
            dialplan: Dialplan {
                context: shared(s.context()),
                exten: shared(s.exten()),
                priority: s.priority().unwrap_or_default(),
            },
        })
    }
}

/// A queue member from a `QueueMember*` event or a `QueueStatus` item
/// (`QueueMember`): each its own type with the same accessors, but for
/// the interface (`Interface` / `Location`) and the name (`MemberName` /
/// `Name`). `Membership` is an enum in some and text in others; both
/// have `as_bytes`.
macro_rules! queue_member {
    ($e:expr, $interface:ident, $name:ident) => {{
        let e = &$e;
        $crate::state::QueueMember {
            interface: $crate::model::read::kept(e.$interface()),
            name: $crate::model::read::kept(e.$name()),
            state_interface: $crate::model::read::kept(e.state_interface()),
            membership: e
                .membership()
                .map(|m| $crate::model::read::kept_bytes(m.as_bytes()))
                .unwrap_or_default(),
            penalty: e.penalty().unwrap_or_default(),
            calls_taken: e.calls_taken().unwrap_or_default(),
            last_call: $crate::model::read::unix_time(e.last_call()),
            in_call: e.in_call().unwrap_or(false),
            status: e.status().unwrap_or_default(),
            paused: e.paused().unwrap_or(false),
            paused_reason: $crate::model::read::kept(e.paused_reason()),
        }
    }};
}
pub(crate) use queue_member;

/// A parked call from `ParkedCall` (an event or a `ParkedCalls` item) or
/// `ParkedCallSwap`, seen at `now`. `ParkingDuration` and
/// `ParkingTimeout` are documented without a type: seconds.
macro_rules! parked_call {
    ($e:expr, $now:expr) => {{
        let e = &$e;
        let now: std::time::SystemTime = $now;
        let seconds = |v: Option<&ami_types::Text>| {
            v.and_then(|v| ami_wire::value::seconds(v.as_bytes()))
                .unwrap_or_default()
        };
        $crate::state::ParkedCall {
            uniqueid: $crate::model::read::kept(e.parkee_uniqueid()),
            channel: $crate::model::read::kept(e.parkee_channel()),
            lot: $crate::model::read::kept(e.parkinglot()),
            space: $crate::model::read::kept(e.parking_space()),
            timeout: seconds(e.parking_timeout()),
            parker_dial_string: $crate::model::read::kept(e.parker_dial_string()),
            parked_at: now
                .checked_sub(seconds(e.parking_duration()))
                .unwrap_or(now),
        }
    }};
}
pub(crate) use parked_call;

/// A bridge as `BridgeCreate`, `BridgeEnter` or a `BridgeListItem` shows
/// it, with no channels.
macro_rules! bridge {
    ($e:expr) => {{
        let e = &$e;
        $crate::state::Bridge {
            id: $crate::model::read::kept(e.bridge_uniqueid()),
            bridge_type: $crate::model::read::kept(e.bridge_type()),
            technology: $crate::model::read::kept(e.bridge_technology()),
            creator: $crate::model::read::kept(e.bridge_creator()),
            name: $crate::model::read::kept(e.bridge_name()),
            channels: Default::default(),
        }
    }};
}
pub(crate) use bridge;

#[cfg(test)]
mod tests {
    use super::*;

    /// `kept_eq` answers as comparing with `kept` would, for every kind of
    /// value: Asterisk's `<unknown>`, line ends, text that is not UTF-8,
    /// and text past the budget (cut inside a character).
    #[test]
    fn kept_eq_agrees_with_kept() {
        let long = "é".repeat(Budget::VALUE_BYTES);
        let values: [&[u8]; 8] = [
            b"",
            b"<unknown>",
            b"PJSIP/100-00000001",
            b"abc\r\n",
            b"\xff\xfeabc",
            long.as_bytes(),
            &long.as_bytes()[..Budget::VALUE_BYTES + 1],
            "Jörg".as_bytes(),
        ];
        for v in values {
            let text = Some(Text::new(v));
            let kept_text = kept(text);
            assert!(kept_eq(text, &kept_text), "{v:?}");
            assert!(!kept_eq(text, "something else"), "{v:?}");
            for other in values {
                let same = *kept(Some(Text::new(other))) == *kept_text;
                assert_eq!(kept_eq(Some(Text::new(other)), &kept_text), same);
            }
        }
        assert!(kept_eq(None, ""));
        assert!(!kept_eq(None, "x"));
    }

    /// `shared` keeps what `kept` keeps, one copy of each short value.
    #[test]
    fn shared_is_kept_with_one_copy() {
        let long = "x".repeat(SHARED_BYTES + 1);
        let values: [&[u8]; 6] = [
            b"",
            b"<unknown>",
            b"en",
            b"Up\r\n",
            b"\xffA",
            long.as_bytes(),
        ];
        for v in values {
            assert_eq!(
                *shared(Some(Text::new(v))),
                *kept(Some(Text::new(v))),
                "{v:?}"
            );
        }
        let (a, b) = (
            shared(Some(Text::new(b"default"))),
            shared(Some(Text::new(b"default"))),
        );
        assert!(Str::ptr_eq(&a, &b));
        // Bounded: past the limit it starts over, and still answers.
        for n in 0..SHARED_TEXTS + 10 {
            let v = n.to_string();
            assert_eq!(&*shared(Some(Text::new(v.as_bytes()))), v);
        }
        SHARED.with(|set| assert!(set.borrow().len() <= SHARED_TEXTS));
    }
}
