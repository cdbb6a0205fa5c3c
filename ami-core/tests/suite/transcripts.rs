//! The codec against real Asterisk 22 bytes (`../shared/transcripts/`, or
//! `$AMI_SHARED_DIR/transcripts`): every transcript decodes into the same
//! messages whole, in 1-byte chunks, and with every message split at every
//! byte offset, and every field is kept (checked against a count made
//! independently from the raw text).

use std::path::PathBuf;

use ami_core::codec::{Decoder, Frame};
use ami_core::{Greeting, Message};
use bytes::BytesMut;

fn transcripts_dir() -> PathBuf {
    let shared = std::env::var_os("AMI_SHARED_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../shared"));
    let dir = shared.join("transcripts");
    assert!(
        dir.is_dir(),
        "no transcripts at {} (set AMI_SHARED_DIR to the shared directory)",
        dir.display()
    );
    dir
}

/// Every transcript: (file name, bytes, whether it starts with a greeting).
fn transcripts() -> Vec<(String, Vec<u8>, bool)> {
    let mut out = Vec::new();
    for entry in std::fs::read_dir(transcripts_dir()).unwrap() {
        let path = entry.unwrap().path();
        let name = path.file_name().unwrap().to_string_lossy().into_owned();
        let greeting = if name.ends_with(".txt") {
            true
        } else if name.ends_with(".txt.sent") {
            false
        } else {
            continue;
        };
        out.push((name, std::fs::read(&path).unwrap(), greeting));
    }
    out.sort();
    assert!(out.len() >= 3, "expected the transcripts, found {out:?}");
    out
}

fn decoder(greeting: bool) -> Decoder {
    if greeting {
        Decoder::new()
    } else {
        Decoder::without_greeting()
    }
}

/// Decodes `input` fed in `chunk`-byte pieces; panics on a decode error.
fn decode(input: &[u8], greeting: bool, chunk: usize) -> (Option<Greeting>, Vec<Message>) {
    let mut dec = decoder(greeting);
    let mut buf = BytesMut::new();
    let mut g = None;
    let mut msgs = Vec::new();
    for piece in input.chunks(chunk) {
        buf.extend_from_slice(piece);
        while let Some(frame) = dec.decode(&mut buf).expect("decode error") {
            match frame {
                Frame::Greeting(x) => {
                    assert!(g.is_none(), "two greetings");
                    assert!(msgs.is_empty(), "greeting after a message");
                    g = Some(x);
                }
                Frame::Message(m) => msgs.push(m),
            }
        }
    }
    assert_eq!(dec.decode_eof(&mut buf).unwrap(), None, "trailing bytes");
    (g, msgs)
}

/// One message's raw bytes and its number of non-empty lines.
type Block<'a> = (&'a [u8], usize);

/// The raw text split independently of the codec: the greeting line, then
/// for every message its exact bytes (with the terminating empty line) and
/// its number of non-empty lines.
fn split_raw(input: &[u8], greeting: bool) -> (Option<&[u8]>, Vec<Block<'_>>) {
    let mut rest = input;
    let mut g = None;
    if greeting {
        let nl = rest.iter().position(|&b| b == b'\n').unwrap();
        g = Some(&rest[..nl]);
        rest = &rest[nl + 1..];
    }
    let mut blocks = Vec::new();
    let mut start = 0;
    let mut lines = 0;
    let mut pos = 0;
    while pos < rest.len() {
        let end = rest[pos..]
            .iter()
            .position(|&b| b == b'\n')
            .map_or(rest.len(), |i| pos + i + 1);
        let line = rest[pos..end]
            .strip_suffix(b"\n")
            .unwrap_or(&rest[pos..end]);
        let line = line.strip_suffix(b"\r").unwrap_or(line);
        pos = end;
        if line.is_empty() {
            if lines > 0 {
                blocks.push((&rest[start..end], lines));
            }
            start = end;
            lines = 0;
        } else {
            lines += 1;
        }
    }
    assert_eq!(lines, 0, "the transcript ends inside a message");
    (g, blocks)
}

#[test]
fn every_transcript_decodes_identically_however_it_is_split() {
    for (name, bytes, greeting) in transcripts() {
        let (g, whole) = decode(&bytes, greeting, bytes.len().max(1));
        let (g1, bytewise) = decode(&bytes, greeting, 1);
        assert_eq!(whole, bytewise, "{name}: 1-byte chunks differ");
        assert_eq!(g, g1, "{name}");
        let (raw_greeting, blocks) = split_raw(&bytes, greeting);
        if greeting {
            let g = g.unwrap_or_else(|| panic!("{name}: no greeting"));
            assert_eq!(
                g.line().as_bytes(),
                raw_greeting.unwrap().strip_suffix(b"\r").unwrap()
            );
            assert_eq!(g.version(), Some((11, 0, 0)), "{name}");
        } else {
            assert!(g.is_none());
        }
        assert_eq!(whole.len(), blocks.len(), "{name}: message count");
        let mut fields = 0;
        for (i, ((block, lines), msg)) in blocks.iter().zip(&whole).enumerate() {
            assert_eq!(
                msg.len(),
                *lines,
                "{name}: message {i} lost or gained fields: {msg:?}"
            );
            fields += lines;
            // Every field's text is the raw line's text.
            let text = String::from_utf8_lossy(block);
            for f in msg.fields() {
                let line = format!("{}: {}", f.key(), f.value());
                assert!(
                    text.contains(&line) || text.contains(line.trim_end()),
                    "{name}: {line:?} not in the raw message"
                );
            }
        }
        assert!(fields > 0, "{name}");
        every_message_split_at_every_offset(&name, &blocks, &whole);
        eprintln!("{name}: {} messages, {fields} fields", whole.len());
    }
}

/// Every message alone, fed to a fresh decoder in two pieces cut at every
/// byte offset, decodes to the same message. (Quadratic in the message
/// size, so spread over the available cores.)
fn every_message_split_at_every_offset(name: &str, blocks: &[Block<'_>], msgs: &[Message]) {
    let threads = std::thread::available_parallelism()
        .map_or(1, |n| n.get())
        .min(8);
    std::thread::scope(|scope| {
        for t in 0..threads {
            scope.spawn(move || {
                for (i, ((block, _), msg)) in blocks.iter().zip(msgs).enumerate() {
                    for cut in (t..=block.len()).step_by(threads) {
                        let mut dec = Decoder::without_greeting();
                        let mut buf = BytesMut::from(&block[..cut]);
                        let mut got = Vec::new();
                        while let Some(f) = dec.decode(&mut buf).unwrap() {
                            got.push(f);
                        }
                        buf.extend_from_slice(&block[cut..]);
                        while let Some(f) = dec.decode(&mut buf).unwrap() {
                            got.push(f);
                        }
                        assert_eq!(
                            got,
                            [Frame::Message(msg.clone())],
                            "{name}: message {i} split at {cut}"
                        );
                        assert!(buf.is_empty());
                    }
                }
            });
        }
    });
}

#[test]
fn session1_has_what_the_readme_says() {
    let bytes = std::fs::read(transcripts_dir().join("session1.txt")).unwrap();
    let (_, msgs) = decode(&bytes, true, 4096);
    let ping = msgs
        .iter()
        .find(|m| m.action_id().is_some_and(|id| *id == "ping-1"))
        .unwrap();
    assert_eq!(ping.get("Ping").unwrap(), "Pong");
    let cmd = msgs
        .iter()
        .find(|m| m.action_id().is_some_and(|id| *id == "cmd-1"))
        .unwrap();
    assert!(cmd
        .get("Output")
        .unwrap()
        .to_string()
        .starts_with("Asterisk 22"));
    // OriginateResponse is an event that also carries `Response`.
    let orig = msgs
        .iter()
        .find(|m| m.event_name().is_some_and(|n| *n == "OriginateResponse"))
        .unwrap();
    assert_eq!(orig.kind(), ami_core::MessageKind::Event);
    assert!(orig.contains("Response"));
}

#[test]
fn session2_bad_login() {
    let bytes = std::fs::read(transcripts_dir().join("session2_bad_login.txt")).unwrap();
    for chunk in [1, 2, 3, bytes.len()] {
        let (g, msgs) = decode(&bytes, true, chunk);
        assert_eq!(g.unwrap().line(), "Asterisk Call Manager/11.0.0");
        assert_eq!(msgs.len(), 1);
        let m = &msgs[0];
        assert_eq!(m.response().unwrap(), "Error");
        assert_eq!(m.action_id().unwrap(), "bad-1");
        assert_eq!(m.get("Message").unwrap(), "Authentication failed");
        assert_eq!(m.len(), 3);
    }
}
