//! Decoding throughput of the codec on real Asterisk 22 traffic.
//!
//! `cargo bench -p ami-core --bench decode` prints messages per second for
//! the transcripts in `../shared/transcripts`, fed in 64 KiB reads as a
//! socket would deliver them.

use std::time::Instant;

use ami_core::codec::{Decoder, Frame};
use bytes::BytesMut;

fn main() {
    let dir = std::env::var("AMI_SHARED_DIR")
        .map(std::path::PathBuf::from)
        .unwrap_or_else(|_| std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../shared"))
        .join("transcripts/session1.txt");
    let raw = std::fs::read(&dir).unwrap_or_else(|e| panic!("read {}: {e}", dir.display()));
    // Drop the greeting line: the stream below is decoded without one.
    let body = &raw[raw.iter().position(|&b| b == b'\n').map_or(0, |i| i + 1)..];
    let copies = 200;
    let mut stream = Vec::with_capacity(body.len() * copies);
    for _ in 0..copies {
        stream.extend_from_slice(body);
    }

    let mut best = f64::MAX;
    let mut messages = 0usize;
    let mut fields = 0usize;
    for _round in 0..5 {
        let start = Instant::now();
        let (mut m, mut f) = (0usize, 0usize);
        let mut dec = Decoder::without_greeting();
        let mut buf = BytesMut::with_capacity(128 * 1024);
        for chunk in stream.chunks(64 * 1024) {
            buf.extend_from_slice(chunk);
            while let Some(frame) = dec.decode(&mut buf).expect("decode") {
                if let Frame::Message(msg) = frame {
                    m += 1;
                    f += msg.len();
                }
            }
        }
        best = best.min(start.elapsed().as_secs_f64());
        messages = m;
        fields = f;
    }
    let mb = stream.len() as f64 / 1e6;
    println!(
        "codec decode: {messages} messages, {fields} fields, {mb:.1} MB in {:.1} ms: {:.2} M messages/s, {:.0} MB/s",
        best * 1e3,
        messages as f64 / best / 1e6,
        mb / best
    );
}
