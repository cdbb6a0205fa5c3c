//! What is timed. Every wire contender is fed the same bytes the same way: 64
//! KiB reads appended to a `BytesMut`, decoded until it needs more, as a
//! socket reader would. Each returns the number of events it produced.

use std::hint::black_box;

use ami_core::codec::{Decoder, Frame};
use ami_core::{FromMessage, MessageKind};
use ami_types::event::Event;
use asterisk_rs_ami::{AmiCodec, AmiEvent, AmiResponse};
use bytes::{Buf, BytesMut};
use tokio_util::codec::Decoder as _;


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

/// ami-types, as a consumer uses it: bytes → `Event`, then three typed
/// fields read from each event (accessors read from the message's buffer
/// when called, so this is the honest cost of typed events).
pub fn ami_typed_read(stream: &[u8]) -> usize {
    let mut events = 0;
    let mut dec = Decoder::new();
    let mut buf = BytesMut::with_capacity(2 * READ);
    for chunk in stream.chunks(READ) {
        buf.extend_from_slice(chunk);
        while let Some(frame) = dec.decode(&mut buf).expect("ami-core decode") {
            let Frame::Message(m) = frame else { continue };
            if m.kind() != MessageKind::Event {
                continue;
            }
            let ev = Event::from_message(m);
            match &ev {
                Event::Newchannel(e) => {
                    black_box((e.channel(), e.channel_state(), e.uniqueid()));
                }
                Event::Newstate(e) => {
                    black_box((e.channel(), e.channel_state_desc(), e.uniqueid()));
                }
                Event::VarSet(e) => {
                    black_box((e.variable(), e.value(), e.uniqueid()));
                }
                Event::NewExten(e) => {
                    black_box((e.application(), e.priority(), e.uniqueid()));
                }
                Event::DialBegin(e) => {
                    black_box((e.channel(), e.dest_channel(), e.dial_string()));
                }
                Event::DialEnd(e) => {
                    black_box((e.channel(), e.dest_channel(), e.dial_status()));
                }
                Event::Hangup(e) => {
                    black_box((e.channel(), e.cause(), e.uniqueid()));
                }
                Event::Cdr(e) => {
                    black_box((e.source(), e.destination(), e.billable_seconds()));
                }
                other => {
                    black_box((other.name(), other.raw().get("Uniqueid"), other.raw().len()));
                }
            }
            black_box(ev);
            events += 1;
        }
    }
    events
}

/// What the client does with a typed action before it writes it: builds
/// its message and encodes it (the ActionID is written by the driver,
/// straight into the same buffer). `n` Pings; returns `n`.
pub fn build_pings(n: usize) -> usize {
    let mut out = BytesMut::with_capacity(4096);
    for _ in 0..n {
        let msg = ami_core::Action::to_message(black_box(&ami_types::action::Ping::new()));
        ami_core::codec::encode(&msg, &mut out).unwrap();
        out.clear();
    }
    n
}

/// The same for an `Originate` with ten parameters (text, numbers,
/// booleans, two variables), built once and sent `n` times.
pub fn build_originates(n: usize) -> usize {
    let originate = ami_types::action::Originate::new("PJSIP/100")
        .context("from-internal")
        .exten("200")
        .priority("1")
        .caller_id("\"Desk\" <100>")
        .timeout(30_000)
        .variable("CUSTOMER=42")
        .variable("CAMPAIGN=spring")
        .early_media(true)
        .account("sales");
    let mut out = BytesMut::with_capacity(4096);
    for _ in 0..n {
        let msg = ami_core::Action::to_message(black_box(&originate));
        ami_core::codec::encode(&msg, &mut out).unwrap();
        out.clear();
    }
    n
}
