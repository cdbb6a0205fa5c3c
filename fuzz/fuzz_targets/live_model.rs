//! Any byte stream through the live model, as events and as list answers:
//! the model never panics, whatever a peer sends, and stays consistent
//! (every channel in its call, every bridge member a live channel).
#![no_main]

use ami_core::codec::{Decoder, Frame};
use ami_live::{replay, Lists, Model, Origin};
use bytes::BytesMut;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    // As a recording.
    let r = replay(data);
    check(r.model.state());

    // As list answers, then as events on top of them.
    let mut dec = Decoder::without_greeting();
    let mut buf = BytesMut::from(data);
    buf.extend_from_slice(b"\r\n\r\n");
    let mut messages = Vec::new();
    while let Ok(Some(frame)) = dec.decode(&mut buf) {
        if let Frame::Message(m) = frame {
            messages.push(m);
        }
    }
    let mut model = Model::new().with_tombstone_limit(8);
    model.load(
        Lists {
            channels: Some(messages.clone()),
            bridges: Some(messages.clone()),
            queues: Some(messages.clone()),
            parked: Some(messages.clone()),
            conferences: Some(vec![(
                messages.first().cloned().unwrap_or_default(),
                messages.clone(),
            )]),
            endpoints: Some(messages.clone()),
        },
        Origin::Load,
    );
    check(model.state());
    for m in messages {
        model.apply(ami_types::event::Event::from_message(m));
        check(model.state());
    }
});

fn check(s: &ami_live::State) {
    for c in s.channels.values() {
        let call = s.calls.get(&c.call).expect("a channel's call exists");
        assert!(call.channels.contains(&c.id.uniqueid));
    }
    for b in s.bridges.values() {
        for u in b.channels.iter() {
            assert!(s.channel(u).is_some(), "a bridge member is live");
        }
    }
}
