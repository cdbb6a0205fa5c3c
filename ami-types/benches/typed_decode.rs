//! Typed decoding on real Asterisk 22 traffic: `Message` → `Event`.
//!
//! `cargo bench -p ami-types --bench typed_decode` decodes the events of
//! `../shared/transcripts/session1.txt` (wire → `Message` once, up front), then
//! times `Event::from_message` alone, and wire → `Event` end to end.

use std::hint::black_box;
use std::time::Instant;

use ami_core::codec::{Decoder, Frame};
use ami_core::{Message, MessageKind};
use ami_types::event::Event;
use bytes::BytesMut;

fn main() {
    let path = std::env::var("AMI_SHARED_DIR")
        .map(std::path::PathBuf::from)
        .unwrap_or_else(|_| std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../shared"))
        .join("transcripts/session1.txt");
    let raw = std::fs::read(&path).unwrap_or_else(|e| panic!("read {}: {e}", path.display()));
    let body = &raw[raw.iter().position(|&b| b == b'\n').map_or(0, |i| i + 1)..];

    let mut dec = Decoder::without_greeting();
    let mut buf = BytesMut::from(body);
    let mut events: Vec<Message> = Vec::new();
    while let Some(frame) = dec.decode(&mut buf).expect("decode") {
        if let Frame::Message(m) = frame {
            if m.kind() == MessageKind::Event {
                events.push(m);
            }
        }
    }
    let fields: usize = events.iter().map(Message::len).sum();
    let rounds = 2000;

    // Message → Event only (the message clone is a reference count).
    let mut best = f64::MAX;
    for _ in 0..5 {
        let start = Instant::now();
        for _ in 0..rounds {
            for m in &events {
                black_box(Event::from_message(black_box(m.clone())));
            }
        }
        best = best.min(start.elapsed().as_secs_f64());
    }
    let n = (events.len() * rounds) as f64;
    println!(
        "Message -> Event: {:.0} ns/event, {:.1} ns/field, {:.2} M events/s ({} events, {} fields per round)",
        best / n * 1e9,
        best / (fields * rounds) as f64 * 1e9,
        n / best / 1e6,
        events.len(),
        fields
    );

    // Wire → Message → Event.
    let copies = 200;
    let mut stream = Vec::with_capacity(body.len() * copies);
    for _ in 0..copies {
        stream.extend_from_slice(body);
    }
    let mut best = f64::MAX;
    let mut count = 0usize;
    for _ in 0..5 {
        let start = Instant::now();
        count = 0;
        let mut dec = Decoder::without_greeting();
        let mut buf = BytesMut::with_capacity(128 * 1024);
        for chunk in stream.chunks(64 * 1024) {
            buf.extend_from_slice(chunk);
            while let Some(frame) = dec.decode(&mut buf).expect("decode") {
                if let Frame::Message(m) = frame {
                    if m.kind() == MessageKind::Event {
                        black_box(Event::from_message(m));
                        count += 1;
                    }
                }
            }
        }
        best = best.min(start.elapsed().as_secs_f64());
    }
    println!(
        "wire -> Event: {:.2} M events/s ({:.0} ns/event, {} MB/s of session1)",
        count as f64 / best / 1e6,
        best / count as f64 * 1e9,
        (stream.len() as f64 / best / 1e6) as u64
    );
    println!(
        "size_of::<Event>() = {} bytes",
        std::mem::size_of::<Event>()
    );
}
