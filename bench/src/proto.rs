//! Prototypes of the profile's suggestions, to put numbers on them (not
//! contenders; not the project's API).
//!
//! - [`offsets_codec`]: one pass over each line (the end of the message is
//!   found while splitting its fields), fields kept as offsets into the
//!   message's one shared buffer: no per-field reference count, no key copy.
//! - [`indexed_four`]: typed events that keep the raw message plus one byte
//!   per documented field (the index of its first occurrence) and read values
//!   through accessors, instead of cloning every value into an
//!   `Option<Value>`.

use std::hint::black_box;

use ami_core::{Message, Value};
use bytes::{Bytes, BytesMut};

use crate::contenders::READ;

/// A field: key `start..start + key_len`, value `value_start..end`, offsets
/// into the message's bytes.
#[derive(Clone, Copy, Debug)]
#[allow(dead_code)] // read through black_box only
struct Span {
    start: u32,
    key_len: u16,
    value_start: u32,
    end: u32,
}

/// A message as one buffer and the spans of its fields.
#[derive(Debug)]
#[allow(dead_code)] // read through black_box only
struct OffsetMessage {
    bytes: Bytes,
    fields: Vec<Span>,
}

/// bytes → [`OffsetMessage`], one pass; returns the number of events.
pub fn offsets_codec(stream: &[u8]) -> usize {
    let mut events = 0;
    let mut buf = BytesMut::with_capacity(2 * READ);
    let mut fields: Vec<Span> = Vec::with_capacity(32);
    let mut scanned = 0; // bytes of `buf` already split into `fields`
    let mut greeting = true;
    for chunk in stream.chunks(READ) {
        buf.extend_from_slice(chunk);
        while let Some(i) = memchr::memchr(b'\n', &buf[scanned..]) {
            let nl = scanned + i;
            let start = scanned;
            scanned = nl + 1;
            let end = if nl > start && buf[nl - 1] == b'\r' {
                nl - 1
            } else {
                nl
            };
            if greeting {
                let _ = buf.split_to(scanned);
                scanned = 0;
                greeting = false;
                continue;
            }
            if end == start {
                let bytes = buf.split_to(scanned).freeze();
                scanned = 0;
                if fields.is_empty() {
                    continue; // a stray empty line between messages
                }
                let first = fields[0];
                let key = &bytes[first.start as usize..][..usize::from(first.key_len)];
                events += usize::from(key.eq_ignore_ascii_case(b"Event"));
                let n = fields.len();
                black_box(OffsetMessage {
                    bytes,
                    fields: std::mem::replace(&mut fields, Vec::with_capacity(n.max(16))),
                });
                continue;
            }
            let line = &buf[start..end];
            let span = match memchr::memchr(b':', line) {
                Some(colon) if colon > 0 => {
                    let mut v = start + colon + 1;
                    if v < end && buf[v] == b' ' {
                        v += 1;
                    }
                    Span {
                        start: start as u32,
                        key_len: colon as u16,
                        value_start: v as u32,
                        end: end as u32,
                    }
                }
                _ => Span {
                    start: start as u32,
                    key_len: 0,
                    value_start: start as u32,
                    end: end as u32,
                },
            };
            fields.push(span);
        }
    }
    events
}

/// `VarSet` as an index table over its raw message: the generated key match,
/// but one byte stored per documented field instead of a `Value` clone.
#[allow(dead_code)] // read through black_box and the tests
pub struct IndexedEvent<const N: usize> {
    raw: Message,
    index: [u8; N],
}

#[allow(dead_code)] // read by the tests
impl<const N: usize> IndexedEvent<N> {
    /// The value of documented field `i`, if the message has it.
    pub fn get(&self, i: usize) -> Option<&Value> {
        match self.index[i] {
            u8::MAX => None,
            at => Some(self.raw.fields()[usize::from(at)].value()),
        }
    }
}

#[inline]
fn channel_key(key: &[u8]) -> Option<usize> {
    Some(match key {
        b"channel" => 0,
        b"channelstate" => 1,
        b"channelstatedesc" => 2,
        b"calleridnum" => 3,
        b"calleridname" => 4,
        b"connectedlinenum" => 5,
        b"connectedlinename" => 6,
        b"language" => 7,
        b"accountcode" => 8,
        b"context" => 9,
        b"exten" => 10,
        b"priority" => 11,
        b"uniqueid" => 12,
        b"linkedid" => 13,
        _ => return None,
    })
}

fn indexed<const N: usize>(
    msg: Message,
    extra: impl Fn(&[u8]) -> Option<usize>,
) -> IndexedEvent<N> {
    let mut index = [u8::MAX; N];
    for (at, field) in msg.fields().enumerate() {
        let mut buf = [0u8; 17];
        let Some(out) = buf.get_mut(..field.key_bytes().len()) else {
            continue;
        };
        for (o, k) in out.iter_mut().zip(field.key_bytes()) {
            *o = k.to_ascii_lowercase();
        }
        let Some(i) = channel_key(out).or_else(|| extra(out)) else {
            continue;
        };
        if index[i] == u8::MAX && at < usize::from(u8::MAX) {
            index[i] = at as u8;
        }
    }
    IndexedEvent { raw: msg, index }
}

/// The four events as index tables (dispatch as [`crate::contenders::generated_four`]).
pub fn indexed_four(messages: &[Message]) -> usize {
    let mut events = 0;
    for m in messages {
        let mut buf = [0u8; 16];
        let name = m.event_name().map(|v| v.as_bytes()).and_then(|n| {
            let out = buf.get_mut(..n.len())?;
            for (o, k) in out.iter_mut().zip(n) {
                *o = k.to_ascii_lowercase();
            }
            Some(&*out)
        });
        let m = m.clone();
        match name {
            Some(b"newchannel") => {
                black_box(Box::new(indexed::<14>(m, |_| None)));
            }
            Some(b"newexten") => {
                black_box(Box::new(indexed::<17>(m, |k| match k {
                    b"extension" => Some(14),
                    b"application" => Some(15),
                    b"appdata" => Some(16),
                    _ => None,
                })));
            }
            Some(b"varset") => {
                black_box(Box::new(indexed::<16>(m, |k| match k {
                    b"variable" => Some(14),
                    b"value" => Some(15),
                    _ => None,
                })));
            }
            Some(b"hangup") => {
                black_box(Box::new(indexed::<17>(m, |k| match k {
                    b"cause" => Some(14),
                    b"cause-txt" => Some(15),
                    b"techcause" => Some(16),
                    _ => None,
                })));
            }
            _ => continue,
        }
        events += 1;
    }
    events
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn offsets_codec_counts_events_and_skips_stray_lines() {
        let wire = b"Asterisk Call Manager/11.0.0\r\nEvent: A\r\nX: 1\r\n\r\n\r\nResponse: Success\r\n\r\nevent: B\r\n\r\n";
        assert_eq!(offsets_codec(wire), 2);
    }

    #[test]
    fn indexed_keeps_the_first_value_of_a_key_in_any_case() {
        let m: Message = [
            ("Event", "VarSet"),
            ("VARIABLE", "A"),
            ("Variable", "B"),
            ("Value", "1"),
        ]
        .into_iter()
        .collect();
        let e = indexed::<16>(m, |k| match k {
            b"variable" => Some(14),
            b"value" => Some(15),
            _ => None,
        });
        assert_eq!(e.get(14).unwrap(), "A");
        assert_eq!(e.get(15).unwrap(), "1");
        assert!(e.get(0).is_none());
    }
}
