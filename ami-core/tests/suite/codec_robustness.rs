//! The decoder against hostile input: random bytes, random splits, huge
//! lines, invalid UTF-8. It must never panic, never hold more than the limit
//! (plus one read) in its buffer, and always find the next good message.

use ami_core::codec::{DecodeError, Decoder, Frame};
use bytes::BytesMut;
use proptest::prelude::*;

/// Bytes biased towards the ones that matter to the parser: three in four
/// drawn from the bytes of AMI's framing and legacy command output.
fn hostile_byte() -> impl Strategy<Value = u8> {
    const INTERESTING: &[u8] =
        b"\r\n:  \r\n\n\xff\x00Response: FollowsPrivilege: Command--END COMMAND--";
    prop_oneof![
        1 => any::<u8>(),
        3 => proptest::sample::select(INTERESTING),
    ]
}

/// The bytes a decoded message holds: its keys and values.
fn message_bytes(m: &ami_core::Message) -> usize {
    m.fields().map(|f| f.key().len() + f.value().len()).sum()
}

proptest! {
#![proptest_config(ProptestConfig::with_cases(300))]
#[test]
fn random_input_never_panics_and_stays_bounded(
    greeting in any::<bool>(),
    input in proptest::collection::vec(hostile_byte(), 0..4096),
    reads in proptest::collection::vec(1usize..300, 1..64),
) {
    let limit = 512;
    {
        let mut dec = if greeting {
            Decoder::new()
        } else {
            Decoder::without_greeting()
        }
        .with_max_message_size(limit);
        let mut buf = BytesMut::new();
        let mut pos = 0;
        let mut read = reads.iter().cycle();
        while pos < input.len() {
            let n = *read.next().unwrap_or(&1);
            let end = (pos + n).min(input.len());
            buf.extend_from_slice(&input[pos..end]);
            pos = end;
            loop {
                match dec.decode(&mut buf) {
                    Ok(Some(Frame::Message(m))) => {
                        prop_assert!(message_bytes(&m) <= limit, "{} bytes", message_bytes(&m))
                    }
                    Ok(Some(Frame::Greeting(_))) => {}
                    Ok(None) => break,
                    Err(DecodeError::Oversized { .. } | DecodeError::BadGreeting { .. }) => {}
                }
            }
            prop_assert!(
                buf.len() <= limit + 300,
                "{} bytes buffered",
                buf.len()
            );
        }
        let _ = dec.decode_eof(&mut buf);
        // After any garbage, an empty line and a good message come through.
        buf.extend_from_slice(b"\r\n\r\nEvent: Recovered\r\nA: 1\r\n\r\n");
        let mut recovered = false;
        for _ in 0..8 {
            match dec.decode(&mut buf) {
                Ok(Some(Frame::Message(m))) if m.event_name().is_some_and(|n| n == "Recovered") => {
                    recovered = true;
                    break;
                }
                Ok(None) => break,
                _ => {}
            }
        }
        prop_assert!(recovered, "no resync");
    }
}
}
