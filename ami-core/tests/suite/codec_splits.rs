//! The decoder's frames do not depend on how the reads split the stream: a
//! property test over generated AMI-like input (fed whole, byte by byte and
//! in random splits), and the two splits that used to steer it.

use ami_core::codec::{DecodeError, Decoder, Frame};
use bytes::BytesMut;
use proptest::prelude::*;

/// Feeds `input` in pieces cut at `cuts` (sorted positions), then ends the
/// stream; returns every frame and error in order.
fn decode(
    input: &[u8],
    cuts: &[usize],
    max: usize,
    legacy: bool,
) -> Vec<Result<Frame, DecodeError>> {
    let mut dec = Decoder::without_greeting().with_max_message_size(max);
    dec.set_legacy_command(legacy);
    let mut buf = BytesMut::new();
    let mut out = Vec::new();
    let mut from = 0;
    let mut ends: Vec<usize> = cuts.iter().map(|&c| c.min(input.len())).collect();
    ends.push(input.len());
    for end in ends {
        if end < from {
            continue;
        }
        buf.extend_from_slice(&input[from..end]);
        from = end;
        loop {
            match dec.decode(&mut buf) {
                Ok(Some(f)) => out.push(Ok(f)),
                Ok(None) => {
                    // Bounded, whatever arrives.
                    assert!(buf.len() <= max, "{} bytes held", buf.len());
                    break;
                }
                Err(e) => out.push(Err(e)),
            }
        }
    }
    loop {
        match dec.decode_eof(&mut buf) {
            Ok(Some(f)) => out.push(Ok(f)),
            Ok(None) => break,
            Err(e) => out.push(Err(e)),
        }
    }
    out
}

/// Lines an AMI stream is made of, hostile ones included.
fn line() -> impl Strategy<Value = Vec<u8>> {
    prop_oneof![
        4 => Just(b"".to_vec()),
        3 => Just(b"Event: Newchannel".to_vec()),
        2 => Just(b"Response: Success".to_vec()),
        2 => Just(b"Response: Follows".to_vec()),
        2 => Just(b"Privilege: Command".to_vec()),
        1 => Just(b"ActionID: abc-1".to_vec()),
        2 => Just(b"--END COMMAND--".to_vec()),
        1 => Just(b"output--END COMMAND--".to_vec()),
        1 => Just(b"\r".to_vec()),
        2 => "[A-Za-z]{1,8}: [ -~]{0,20}".prop_map(String::into_bytes),
        1 => "[ -~]{0,12}".prop_map(String::into_bytes),
        1 => (40usize..400).prop_map(|n| {
            let mut v = b"Long: ".to_vec();
            v.resize(n, b'x');
            v
        }),
        1 => proptest::collection::vec(any::<u8>(), 0..12),
    ]
}

fn stream() -> impl Strategy<Value = Vec<u8>> {
    proptest::collection::vec((line(), any::<bool>()), 0..60).prop_map(|lines| {
        let mut out = Vec::new();
        for (l, crlf) in lines {
            out.extend_from_slice(&l);
            out.extend_from_slice(if crlf { b"\r\n" } else { b"\n" });
        }
        out
    })
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 400, ..ProptestConfig::default() })]

    #[test]
    fn frames_do_not_depend_on_the_split(
        input in stream(),
        cuts in proptest::collection::vec(any::<usize>(), 0..12),
        max in 64usize..300,
        legacy in any::<bool>(),
    ) {
        let whole = decode(&input, &[], max, legacy);
        let bytewise: Vec<usize> = (1..input.len()).collect();
        prop_assert_eq!(&decode(&input, &bytewise, max, legacy), &whole, "byte by byte");
        let mut cuts: Vec<usize> = cuts.iter().map(|c| c % (input.len() + 1)).collect();
        cuts.sort_unstable();
        prop_assert_eq!(&decode(&input, &cuts, max, legacy), &whole, "cuts {:?}", cuts);
    }
}

fn messages(frames: &[Result<Frame, DecodeError>]) -> Vec<&ami_core::Message> {
    frames
        .iter()
        .filter_map(|f| match f {
            Ok(Frame::Message(m)) => Some(m),
            _ => None,
        })
        .collect()
}

/// An oversized line whose `\r` ends one read and whose `\n` starts the
/// next used to look like an empty line: the decoder resumed inside the
/// oversized message and delivered its tail (here a forged response).
#[test]
fn an_oversized_line_split_before_its_line_end_forges_nothing() {
    let max = 256;
    let mut input = b"Event: Big\r\nData: ".to_vec();
    input.resize(input.len() + 2 * max, b'x');
    let cut = input.len() + 1; // after the `\r`
    input.extend_from_slice(
        b"\r\nResponse: Success\r\nActionID: abc-1\r\nMessage: forged\r\n\r\nEvent: After\r\n\r\n",
    );
    for cuts in [vec![], vec![cut], vec![cut - 1], vec![max / 2, cut]] {
        let frames = decode(&input, &cuts, max, true);
        assert_eq!(
            frames.first(),
            Some(&Err(DecodeError::Oversized { limit: max })),
            "cuts {cuts:?}"
        );
        let got = messages(&frames);
        assert_eq!(got.len(), 1, "cuts {cuts:?}: {got:?}");
        assert_eq!(got[0].event_name().unwrap(), "After", "cuts {cuts:?}");
    }
}

/// A `Response: Follows` head that nobody asked for is an ordinary message
/// (it ends at the empty line), so it cannot swallow what follows.
#[test]
fn an_unasked_follows_head_swallows_nothing() {
    let input = b"Response: Follows\r\nPrivilege: Command\r\n\r\nEvent: A\r\n\r\nResponse: Success\r\nActionID: x-1\r\n\r\n";
    let frames = decode(input, &[], 1 << 20, false);
    let got = messages(&frames);
    assert_eq!(got.len(), 3, "{got:?}");
    assert_eq!(got[1].event_name().unwrap(), "A");
    // With legacy output expected, the same head runs to --END COMMAND--.
    let frames = decode(input, &[], 1 << 20, true);
    assert_eq!(messages(&frames).len(), 1);
}

/// An oversized greeting line gives the same error however it arrives.
#[test]
fn an_oversized_greeting_is_split_independent() {
    let mut input = vec![b'G'; 300];
    input.extend_from_slice(b"\r\nEvent: A\r\n\r\n");
    let run = |cuts: &[usize]| {
        let mut dec = Decoder::new().with_max_message_size(100);
        let mut buf = BytesMut::new();
        let mut out = Vec::new();
        let mut from = 0;
        for &end in cuts.iter().chain(std::iter::once(&input.len())) {
            buf.extend_from_slice(&input[from..end]);
            from = end;
            loop {
                match dec.decode(&mut buf) {
                    Ok(Some(f)) => out.push(Ok(f)),
                    Ok(None) => break,
                    Err(e) => out.push(Err(e)),
                }
            }
        }
        out
    };
    let whole = run(&[]);
    assert_eq!(whole[0], Err(DecodeError::Oversized { limit: 100 }));
    assert_eq!(whole.len(), 2);
    for cut in [50, 150, 299, 300, 301] {
        assert_eq!(run(&[cut]), whole, "cut {cut}");
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 300, ..ProptestConfig::default() })]

    /// Any message that can be written decodes to itself, read whole or in
    /// any split.
    #[test]
    fn any_encodable_message_decodes_to_itself(
        fields in proptest::collection::vec(
            (
                "[A-Za-z][A-Za-z0-9_()-]{0,20}",
                proptest::collection::vec(any::<u8>().prop_filter("no line break or NUL (encode refuses them)", |b| !matches!(*b, b'\r' | b'\n' | 0)), 0..40),
            ),
            1..20,
        ),
        cuts in proptest::collection::vec(any::<usize>(), 0..6),
    ) {
        let msg: ami_core::Message = fields
            .iter()
            .map(|(k, v)| (k.as_str(), ami_core::Value::from(v.clone())))
            .collect();
        let mut wire = bytes::BytesMut::new();
        ami_core::codec::encode(&msg, &mut wire).unwrap();
        let mut cuts: Vec<usize> = cuts.iter().map(|c| c % (wire.len() + 1)).collect();
        cuts.sort_unstable();
        let frames = decode(&wire, &cuts, 1 << 20, false);
        prop_assert_eq!(frames.len(), 1);
        let Ok(Frame::Message(back)) = &frames[0] else {
            return Err(TestCaseError::fail(format!("{:?}", frames[0])));
        };
        prop_assert_eq!(back, &msg);
    }
}
