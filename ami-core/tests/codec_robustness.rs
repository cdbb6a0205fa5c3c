//! The decoder against hostile input: random bytes, random splits, huge
//! lines, invalid UTF-8. It must never panic, never hold more than the limit
//! (plus one read) in its buffer, and always find the next good message.

use ami_core::codec::{DecodeError, Decoder, Frame};
use bytes::BytesMut;

/// A small deterministic PRNG (xorshift64*), so failures reproduce.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }

    fn below(&mut self, n: u64) -> usize {
        (self.next() % n) as usize
    }
}

/// Bytes biased towards the ones that matter to the parser.
fn hostile_bytes(rng: &mut Rng, len: usize) -> Vec<u8> {
    const INTERESTING: &[u8] =
        b"\r\n:  \r\n\n\xff\x00Response: FollowsPrivilege: Command--END COMMAND--";
    (0..len)
        .map(|_| match rng.below(4) {
            0 => rng.next() as u8,
            _ => INTERESTING[rng.below(INTERESTING.len() as u64)],
        })
        .collect()
}

#[test]
fn random_input_never_panics_and_stays_bounded() {
    let limit = 512;
    let mut rng = Rng(0x9e37_79b9_7f4a_7c15);
    for round in 0..300 {
        let mut dec = if round % 2 == 0 {
            Decoder::new()
        } else {
            Decoder::without_greeting()
        }
        .with_max_message_size(limit);
        let input = hostile_bytes(&mut rng, 4096);
        let mut buf = BytesMut::new();
        let mut pos = 0;
        while pos < input.len() {
            let n = 1 + rng.below(300);
            let end = (pos + n).min(input.len());
            buf.extend_from_slice(&input[pos..end]);
            pos = end;
            loop {
                match dec.decode(&mut buf) {
                    Ok(Some(Frame::Message(m))) => assert!(m.len() <= limit),
                    Ok(Some(Frame::Greeting(_))) => {}
                    Ok(None) => break,
                    Err(DecodeError::Oversized { .. } | DecodeError::BadGreeting { .. }) => {}
                }
            }
            assert!(
                buf.len() <= limit + 300,
                "round {round}: {} bytes buffered",
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
        assert!(recovered, "round {round}: no resync");
    }
}
