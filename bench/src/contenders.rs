//! What is timed. Every wire contender is fed the same bytes the same way: 64
//! KiB reads appended to a `BytesMut`, decoded until it needs more, as a
//! socket reader would. Each returns the number of events it produced.

use std::hint::black_box;

use ami_core::codec::{Decoder, Frame};
use ami_core::{FromMessage, Message, MessageKind};
use ami_types::event::{self, Event};
use asterisk_rs_ami::{AmiCodec, AmiEvent, AmiResponse};
use bytes::{Buf, BytesMut};
use tokio_util::codec::Decoder as _;

use crate::serde_msg::{self, Text};

/// Bytes per simulated socket read.
pub const READ: usize = 64 * 1024;

/// ami-core: bytes → `Message`.
pub fn ami_codec(stream: &[u8]) -> usize {
    let mut events = 0;
    let mut dec = Decoder::new();
    let mut buf = BytesMut::with_capacity(2 * READ);
    for chunk in stream.chunks(READ) {
        buf.extend_from_slice(chunk);
        while let Some(frame) = dec.decode(&mut buf).expect("ami-core decode") {
            if let Frame::Message(m) = frame {
                events += usize::from(m.kind() == MessageKind::Event);
                black_box(m);
            }
        }
    }
    events
}

/// ami-types: bytes → `Message` → `Event` (responses → `Response`), as the
/// typed client does.
pub fn ami_typed(stream: &[u8]) -> usize {
    let mut events = 0;
    let mut dec = Decoder::new();
    let mut buf = BytesMut::with_capacity(2 * READ);
    for chunk in stream.chunks(READ) {
        buf.extend_from_slice(chunk);
        while let Some(frame) = dec.decode(&mut buf).expect("ami-core decode") {
            if let Frame::Message(m) = frame {
                match m.kind() {
                    MessageKind::Event => {
                        black_box(Event::from_message(m));
                        events += 1;
                    }
                    MessageKind::Response => {
                        black_box(ami_types::Response::from_message(m));
                    }
                    _ => {
                        black_box(m);
                    }
                }
            }
        }
    }
    events
}

/// asterisk-rs-ami: bytes → `RawAmiMessage` (its public `AmiCodec`, the
/// tokio-util decoder its connection task runs in a `FramedRead`).
pub fn rs_codec(stream: &[u8]) -> usize {
    let mut events = 0;
    let mut codec = AmiCodec::new();
    let mut buf = BytesMut::with_capacity(2 * READ);
    for chunk in stream.chunks(READ) {
        buf.extend_from_slice(chunk);
        while let Some(raw) = codec.decode(&mut buf).expect("asterisk-rs-ami decode") {
            events += usize::from(raw.headers.first().is_some_and(|(k, _)| k == "Event"));
            black_box(raw);
        }
    }
    events
}

/// asterisk-rs-ami: bytes → `RawAmiMessage` → `AmiResponse` or `AmiEvent`,
/// in the order its connection task tries them (`dispatch_message`).
pub fn rs_typed(stream: &[u8]) -> usize {
    let mut events = 0;
    let mut codec = AmiCodec::new();
    let mut buf = BytesMut::with_capacity(2 * READ);
    for chunk in stream.chunks(READ) {
        buf.extend_from_slice(chunk);
        while let Some(raw) = codec.decode(&mut buf).expect("asterisk-rs-ami decode") {
            if let Some(response) = AmiResponse::from_raw(&raw) {
                black_box(response);
            } else if let Some(event) = AmiEvent::from_raw(&raw) {
                black_box(event);
                events += 1;
            }
            black_box(raw);
        }
    }
    events
}

/// The floor: split the stream into messages and `(key, value)` slices,
/// without allocating (one reused `Vec` of slices per read).
pub fn split(stream: &[u8]) -> usize {
    let mut events = 0;
    let mut buf = BytesMut::with_capacity(2 * READ);
    let mut skipped_greeting = false;
    for chunk in stream.chunks(READ) {
        buf.extend_from_slice(chunk);
        if !skipped_greeting {
            let Some(nl) = memchr::memchr(b'\n', &buf) else {
                continue;
            };
            buf.advance(nl + 1);
            skipped_greeting = true;
        }
        let consumed = {
            let data = &buf[..];
            let mut fields: Vec<(&[u8], &[u8])> = Vec::with_capacity(64);
            let mut start = 0; // of the current message
            let mut line_start = 0;
            for nl in memchr::memchr_iter(b'\n', data) {
                let mut line = &data[line_start..nl];
                line_start = nl + 1;
                if let [rest @ .., b'\r'] = line {
                    line = rest;
                }
                if line.is_empty() {
                    if !fields.is_empty() {
                        events += usize::from(fields[0].0.eq_ignore_ascii_case(b"Event"));
                        black_box(&fields);
                        fields.clear();
                    }
                    start = line_start;
                    continue;
                }
                let (key, value) = match memchr::memchr(b':', line) {
                    Some(c) => (&line[..c], line[c + 1..].trim_ascii_start()),
                    None => (&line[..0], line),
                };
                fields.push((key, value));
            }
            start
        };
        buf.advance(consumed);
    }
    events
}

/// ami-types: `Message` → `Event` only, on messages decoded up front (the
/// clone is a reference count).
pub fn ami_from_message(messages: &[Message]) -> usize {
    let mut events = 0;
    for m in messages {
        if m.kind() == MessageKind::Event {
            black_box(Event::from_message(m.clone()));
            events += 1;
        }
    }
    events
}

/// The four events through the generated structs, dispatched like
/// [`serde_msg::decode`] (the same four names, boxed).
pub fn generated_four(messages: &[Message]) -> usize {
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
                black_box(Box::new(event::Newchannel::from_message(m)));
            }
            Some(b"newexten") => {
                black_box(Box::new(event::NewExten::from_message(m)));
            }
            Some(b"varset") => {
                black_box(Box::new(event::VarSet::from_message(m)));
            }
            Some(b"hangup") => {
                black_box(Box::new(event::Hangup::from_message(m)));
            }
            _ => continue,
        }
        events += 1;
    }
    events
}

/// The four events through serde, text as shared `Value`s.
pub fn serde_text(messages: &[Message]) -> usize {
    let mut events = 0;
    for m in messages {
        let e = serde_msg::decode_owned::<Text>(m.clone()).expect("serde decode");
        events += usize::from(!matches!(e.event, serde_msg::FourEvents::Other));
        black_box(e);
    }
    events
}

/// The four events through serde, text as `String`s.
pub fn serde_string(messages: &[Message]) -> usize {
    let mut events = 0;
    for m in messages {
        let e = serde_msg::decode_owned::<String>(m.clone()).expect("serde decode");
        events += usize::from(!matches!(e.event, serde_msg::FourEvents::Other));
        black_box(e);
    }
    events
}

/// The four events through serde, text borrowed from the message.
pub fn serde_borrowed(messages: &[Message]) -> usize {
    let mut events = 0;
    let mut errors = Vec::new();
    for m in messages {
        let e = serde_msg::decode::<&str>(m, &mut errors).expect("serde decode");
        events += usize::from(!matches!(e, serde_msg::FourEvents::Other));
        black_box(e);
        errors.clear();
    }
    events
}

/// bytes → `Message` → serde structs (`Text`), for the end-to-end figure.
pub fn wire_serde_text(stream: &[u8]) -> usize {
    let mut events = 0;
    let mut dec = Decoder::new();
    let mut buf = BytesMut::with_capacity(2 * READ);
    for chunk in stream.chunks(READ) {
        buf.extend_from_slice(chunk);
        while let Some(frame) = dec.decode(&mut buf).expect("ami-core decode") {
            if let Frame::Message(m) = frame {
                let e = serde_msg::decode_owned::<Text>(m).expect("serde decode");
                events += usize::from(!matches!(e.event, serde_msg::FourEvents::Other));
                black_box(e);
            }
        }
    }
    events
}

/// Every message of `stream`, decoded by ami-core.
pub fn messages(stream: &[u8]) -> Vec<Message> {
    let mut out = Vec::new();
    let mut dec = Decoder::new();
    let mut buf = BytesMut::from(stream);
    while let Some(frame) = dec.decode(&mut buf).expect("ami-core decode") {
        if let Frame::Message(m) = frame {
            out.push(m);
        }
    }
    out
}
