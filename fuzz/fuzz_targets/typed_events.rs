//! Any decoded message through every generated event type and the `Event`
//! enum: decoding, every typed field and the field errors never panic.
#![no_main]

use ami_core::codec::{Decoder, Frame};
use ami_types::event::Event;
use ami_types::TypedFields;
use bytes::BytesMut;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let mut dec = Decoder::without_greeting();
    let mut buf = BytesMut::from(data);
    buf.extend_from_slice(b"\r\n\r\n");
    while let Ok(Some(frame)) = dec.decode(&mut buf) {
        let Frame::Message(msg) = frame else { continue };
        // Every type, whatever the message's name: the first key is
        // rewritten to each known event name in turn.
        for name in ami_types::event::NAMES {
            let mut m = msg.clone();
            m.insert("Event", *name);
            let ev = Event::from_message(m);
            ev.for_each_field(&mut |_, v| {
                let _ = format!("{v:?}");
            });
            let _ = ev.field_errors();
            let _ = format!("{ev:?}");
        }
    }
});
