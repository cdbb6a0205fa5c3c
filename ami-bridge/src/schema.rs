//! The JSON the bridge publishes, version 1. Every record has `"schema": 1`;
//! a change that a consumer could misread gets a new number.
//!
//! An event, on `<prefix>.<pbx>.event.<EventName>`:
//!
//! ```json
//! {"schema": 1, "pbx": "east", "seq": 17, "received_at": "2026-12-07T05:40:10.123456Z",
//!  "event": "Hangup",
//!  "fields": {"Channel": "PJSIP/100-00000001", "Cause": 16, "Cause-txt": "Normal Clearing"},
//!  "raw": [["Event", "Hangup"], ["Privilege", "call,all"], ["Channel", "PJSIP/100-00000001"], …]}
//! ```
//!
//! - `seq` counts the events of one PBX within one run of the bridge, from
//!   1; with `run` (the run's start, in the message id) it is unique.
//! - `fields` holds the typed fields the generated types know, under their
//!   wire keys: integers and decimals as numbers, booleans as `true` /
//!   `false`, durations as seconds, everything else as strings.
//! - `raw` is every field as it came, in wire order (a key may repeat):
//!   `Message` rebuilt from it is the one a direct client receives
//!   ([`EventRecord::to_message`]). Invalid UTF-8 is replaced (lossy).
//!
//! The event's name is the subject's last token: letters, digits, `-` and
//! `_` as they are, anything else as `_`, and a name that would start with
//! `_` gets an `E` before it, so that no event's subject is a gap's.
//!
//! A gap, on `<prefix>.<pbx>.event._gap`: `{"schema": 1, "pbx", "down_since",
//! "up_at", "reason"}` — the events Asterisk raised between the two times
//! are not in the stream (the AMI connection was down, the bridge was not
//! running, or it had to drop events it could not publish).
//!
//! Events and gaps share the stream's one subject, `<prefix>.*.event.>`,
//! so that one consumer filter reads a PBX's events with its gaps in order
//! (`ami.east.event.>`; nats-server 2.9 takes only a filter within one of
//! the stream's subjects), and `ami.*.event.>` reads every PBX's.
//!
//! A status, on `<prefix>.<pbx>.status` (not stored: the stream holds
//! events and gaps only): `{"schema": 1, "pbx", "state",
//! "since", "events_in", "events_out", "gaps", "buffered_bytes" (published,
//! not yet acknowledged; the PBX's client holds the rest, up to its event
//! buffer), "events_per_sec", "last_event", "publish_ms_p50",
//! "publish_ms_p99"}`.

use std::time::SystemTime;

use ami_types::event::Event;
use ami_types::{FieldValue, Message, TypedFields};
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

/// The stream's one subject: every PBX's events and gaps.
pub fn stored_subjects(prefix: &str) -> String {
    format!("{prefix}.*.event.>")
}

/// The subject of `pbx`'s events named `event` (see the [module](self)).
pub fn event_subject(prefix: &str, pbx: &str, event: &str) -> String {
    let mut name: String = event
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '-' || c == '_' {
                c
            } else {
                '_'
            }
        })
        .collect();
    if name.is_empty() || name.starts_with('_') {
        name.insert(0, 'E');
    }
    format!("{prefix}.{pbx}.event.{name}")
}

/// The subject of `pbx`'s gap markers.
pub fn gap_subject(prefix: &str, pbx: &str) -> String {
    format!("{prefix}.{pbx}.event.{GAP_TOKEN}")
}

/// The last token of a gap marker's subject.
pub const GAP_TOKEN: &str = "_gap";

/// Whether a stored message's subject is a gap marker's (also the
/// `<prefix>.<pbx>.gap` of bridges before this layout).
pub fn is_gap_subject(subject: &str) -> bool {
    subject
        .rsplit('.')
        .next()
        .is_some_and(|t| t == GAP_TOKEN || t == "gap")
        && !subject.ends_with(".event.gap")
}

/// The schema version of what this bridge publishes.
pub const SCHEMA: u32 = 1;

/// One event as published.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct EventRecord {
    /// [`SCHEMA`].
    pub schema: u32,
    /// The PBX's name.
    pub pbx: String,
    /// The event's number among the PBX's events in this run of the bridge.
    pub seq: u64,
    /// When the bridge received it (RFC 3339, UTC, microseconds).
    pub received_at: String,
    /// The event's name.
    pub event: String,
    /// The typed fields, typed.
    pub fields: Map<String, Value>,
    /// Every field as it came, in wire order.
    pub raw: Vec<(String, String)>,
}

impl EventRecord {
    /// The record of an event.
    pub fn new(pbx: &str, seq: u64, received_at: SystemTime, event: &Event) -> EventRecord {
        let mut fields = Map::new();
        event.for_each_field(&mut |key, value| {
            let v = match value {
                FieldValue::Text(t) => Value::String(t.to_string_lossy().into_owned()),
                FieldValue::Integer(n) => Value::from(n),
                FieldValue::Boolean(b) => Value::Bool(b),
                FieldValue::Float(f) => Value::from(f),
                FieldValue::Enum(bytes) => {
                    Value::String(String::from_utf8_lossy(bytes).into_owned())
                }
                FieldValue::Duration(d) => Value::from(d.as_secs_f64()),
            };
            // A repeated field: every value, in order.
            match fields.get_mut(key) {
                Some(Value::Array(all)) => all.push(v),
                Some(first) => {
                    let first = first.take();
                    fields.insert(key.to_owned(), Value::Array(vec![first, v]));
                }
                None => {
                    fields.insert(key.to_owned(), v);
                }
            }
        });
        EventRecord {
            schema: SCHEMA,
            pbx: pbx.to_owned(),
            seq,
            received_at: rfc3339(received_at),
            event: event.name().to_owned(),
            fields,
            raw: event
                .raw()
                .fields()
                .map(|f| {
                    (
                        f.key().into_owned(),
                        f.value().to_string_lossy().into_owned(),
                    )
                })
                .collect(),
        }
    }

    /// The message again, field for field.
    pub fn to_message(&self) -> Message {
        self.raw
            .iter()
            .map(|(k, v)| (k.as_str(), v.as_str()))
            .collect()
    }

    /// The typed event again.
    pub fn to_event(&self) -> Event {
        Event::from_message(self.to_message())
    }
}

/// A gap as published.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct GapRecord {
    /// [`SCHEMA`].
    pub schema: u32,
    /// The PBX's name.
    pub pbx: String,
    /// From when events may be missing (RFC 3339).
    pub down_since: String,
    /// Until when (RFC 3339).
    pub up_at: String,
    /// Why.
    pub reason: String,
}

impl GapRecord {
    /// A gap record.
    pub fn new(pbx: &str, down_since: SystemTime, up_at: SystemTime, reason: &str) -> GapRecord {
        GapRecord {
            schema: SCHEMA,
            pbx: pbx.to_owned(),
            down_since: rfc3339(down_since),
            up_at: rfc3339(up_at),
            reason: reason.to_owned(),
        }
    }
}

/// A time as RFC 3339 with microseconds, UTC.
pub fn rfc3339(t: SystemTime) -> String {
    humantime::format_rfc3339_micros(t).to_string()
}

/// An RFC 3339 time back.
pub fn parse_time(s: &str) -> Option<SystemTime> {
    humantime::parse_rfc3339(s).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_event_round_trips_field_for_field() {
        let msg: Message = [
            ("Event", "Hangup"),
            ("Privilege", "call,all"),
            ("Channel", "PJSIP/100-00000001"),
            ("Cause", "16"),
            ("Cause-txt", "Normal Clearing"),
            ("ChanVariable", "A=1"),
            ("ChanVariable", "B=2"),
        ]
        .into_iter()
        .collect();
        let event = Event::from_message(msg.clone());
        let record = EventRecord::new("east", 3, SystemTime::UNIX_EPOCH, &event);
        assert_eq!(record.fields["Cause"], 16);
        assert_eq!(record.fields["Channel"], "PJSIP/100-00000001");
        let json = serde_json::to_string(&record).unwrap();
        let back: EventRecord = serde_json::from_str(&json).unwrap();
        assert_eq!(back.to_message(), msg);
        assert_eq!(back.received_at, "1970-01-01T00:00:00.000000Z");
        assert!(matches!(back.to_event(), Event::Hangup(_)));
    }
}
