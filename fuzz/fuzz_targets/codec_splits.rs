//! The decoder on any bytes, in the split the first bytes choose: never a
//! panic, the buffer stays bounded, and the frames equal those of the same
//! bytes fed whole.
#![no_main]

use ami_core::codec::Decoder;
use bytes::BytesMut;
use libfuzzer_sys::fuzz_target;

const MAX: usize = 256;

fn frames(data: &[u8], step: usize, legacy: bool) -> Vec<String> {
    let mut dec = Decoder::without_greeting().with_max_message_size(MAX);
    dec.set_legacy_command(legacy);
    let mut buf = BytesMut::new();
    let mut out = Vec::new();
    for chunk in data.chunks(step.max(1)) {
        buf.extend_from_slice(chunk);
        loop {
            match dec.decode(&mut buf) {
                Ok(Some(f)) => out.push(format!("{f:?}")),
                Ok(None) => break,
                Err(e) => out.push(format!("{e:?}")),
            }
        }
        assert!(buf.len() <= MAX, "{} bytes held", buf.len());
    }
    while let Ok(Some(f)) = dec.decode_eof(&mut buf) {
        out.push(format!("{f:?}"));
    }
    out
}

fuzz_target!(|data: &[u8]| {
    let Some((&control, data)) = data.split_first() else {
        return;
    };
    let legacy = control & 0x80 != 0;
    let step = usize::from(control & 0x7f) + 1;
    assert_eq!(
        frames(data, step, legacy),
        frames(data, data.len().max(1), legacy)
    );
});
