//! The AMI wire format: bytes ⇄ [`Message`].
//!
//! [`Decoder`] is incremental: feed it any split of the byte stream and it
//! yields the same frames. It reads the greeting line, accepts CRLF and bare LF,
//! skips stray empty lines between messages, understands the legacy
//! `Response: Follows` … `--END COMMAND--` command output, and bounds the size
//! of a message: an oversized one is reported once as
//! [`DecodeError::Oversized`] and skipped up to the next empty line.
//!
//! [`encode`] refuses any key or value that would inject AMI headers.
//!
//! ```
//! use ami_core::codec::{Decoder, Frame};
//! use bytes::BytesMut;
//!
//! let mut dec = Decoder::new();
//! let mut buf = BytesMut::from(&b"Asterisk Call Manager/11.0.0\r\nResponse: Success\r\nPing: Pong\r\n\r\n"[..]);
//! let Some(Frame::Greeting(g)) = dec.decode(&mut buf).unwrap() else { panic!() };
//! assert_eq!(g.version(), Some((11, 0, 0)));
//! let Some(Frame::Message(m)) = dec.decode(&mut buf).unwrap() else { panic!() };
//! assert_eq!(m.get("Ping").unwrap(), "Pong");
//! ```

use bytes::{Buf, Bytes, BytesMut};

use crate::message::Message;

/// The default maximum size of one message: 1 MiB.
pub const DEFAULT_MAX_MESSAGE_SIZE: usize = 1 << 20;

const GREETING_PREFIX: &[u8] = b"Asterisk Call Manager/";
const END_COMMAND: &[u8] = b"--END COMMAND--";

/// The line Asterisk sends when a client connects:
/// `Asterisk Call Manager/11.0.0`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Greeting {
    line: String,
    version: Option<(u32, u32, u32)>,
}

impl Greeting {
    /// Parses a greeting line (without its line end).
    pub fn parse(line: &str) -> Self {
        let version = line
            .strip_prefix("Asterisk Call Manager/")
            .and_then(parse_version);
        Greeting {
            line: line.to_owned(),
            version,
        }
    }

    /// The whole line.
    pub fn line(&self) -> &str {
        &self.line
    }

    /// The AMI protocol version, e.g. `(11, 0, 0)` for Asterisk 22.
    pub fn version(&self) -> Option<(u32, u32, u32)> {
        self.version
    }
}

fn parse_version(s: &str) -> Option<(u32, u32, u32)> {
    let mut parts = s.trim().split('.');
    let major = parts.next()?.parse().ok()?;
    let minor = parts.next().map_or(Some(0), |p| p.parse().ok())?;
    let patch = parts.next().map_or(Some(0), |p| p.parse().ok())?;
    Some((major, minor, patch))
}

/// What the decoder produces.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Frame {
    /// The greeting line, always the first frame of a client connection.
    Greeting(Greeting),
    /// A message.
    Message(Message),
}

/// A frame as [`Decoder::decode_raw`] gives it.
pub(crate) enum Raw {
    Greeting(Greeting),
    /// A message copied into a buffer of its own (legacy command output
    /// always is).
    Parsed(Message),
    /// A message's bytes, up to and including its empty line.
    Message(Bytes),
}

/// A problem in the incoming byte stream. The decoder stays usable after
/// every one of them.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DecodeError {
    /// A message grew past the limit; it is skipped up to the next empty line.
    #[error("message larger than the limit of {limit} bytes; skipped")]
    Oversized {
        /// The configured maximum message size.
        limit: usize,
    },
    /// The first line was not `Asterisk Call Manager/…`.
    #[error("not an AMI greeting: {line:?}")]
    BadGreeting {
        /// The line received instead (lossily decoded, at most 200 bytes).
        line: String,
    },
}

/// A message that cannot be written without injecting AMI headers.
///
/// The offending value is never included (it may be a secret).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum EncodeError {
    /// A key is empty or contains CR, LF, NUL or `:`.
    #[error("invalid key {key:?}: keys must be non-empty and contain no CR, LF, NUL or ':'")]
    InvalidKey {
        /// The key (lossily decoded).
        key: String,
    },
    /// A value contains CR, LF (which would inject headers) or NUL (which
    /// Asterisk reads as the end of the value).
    #[error("the value of {key:?} contains CR, LF or NUL")]
    InvalidValue {
        /// The key whose value was refused.
        key: String,
    },
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum State {
    Greeting,
    /// Dropping the rest of an oversized greeting line.
    SkippingLine,
    Messages,
    /// Dropping an oversized message up to the empty line that ends it.
    Discarding,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Mode {
    Undecided,
    Normal,
    LegacyCommand,
}

/// Incremental AMI decoder. See the [module docs](self).
#[derive(Debug, Clone)]
pub struct Decoder {
    max: usize,
    state: State,
    mode: Mode,
    /// Bytes of the current message already scanned (all complete lines).
    scanned: usize,
    /// Complete lines seen in the current message.
    lines: usize,
    /// `(start, end)` of each non-empty line of the current message, kept
    /// while scanning so the fields are split without a second pass.
    spans: Vec<(u32, u32)>,
    /// Whether `Response: Follows` + `Privilege: Command` starts legacy
    /// command output (see [`Decoder::set_legacy_command`]).
    legacy_command: bool,
    /// While discarding: the bytes of the current line already dropped and
    /// its first byte, so that an empty line is recognised even when it is
    /// split across reads (a line of just `\r` is empty too).
    dropped_line: usize,
    dropped_first: u8,
    /// Whether the message being discarded is legacy command output, which
    /// ends with a line ending in `--END COMMAND--`, not at an empty line.
    discard_legacy: bool,
    /// The last bytes of the line being dropped (for that check).
    dropped_tail: [u8; 16],
}

impl Default for Decoder {
    fn default() -> Self {
        Decoder::new()
    }
}

impl Decoder {
    /// A decoder for a client connection: the greeting comes first.
    pub fn new() -> Self {
        Decoder {
            max: DEFAULT_MAX_MESSAGE_SIZE,
            state: State::Greeting,
            mode: Mode::Undecided,
            scanned: 0,
            lines: 0,
            spans: Vec::new(),
            legacy_command: false,
            dropped_line: 0,
            dropped_first: 0,
            discard_legacy: false,
            dropped_tail: [0; 16],
        }
    }

    /// A decoder for a stream without a greeting (a server reading actions).
    pub fn without_greeting() -> Self {
        Decoder {
            state: State::Messages,
            ..Decoder::new()
        }
    }

    /// Sets the maximum message size in bytes (default 1 MiB; at least 64,
    /// at most 4 GiB).
    pub fn with_max_message_size(mut self, max: usize) -> Self {
        // Line offsets are kept as u32.
        self.max = max.clamp(64, u32::MAX as usize - 2);
        self
    }

    /// The maximum message size in bytes.
    pub fn max_message_size(&self) -> usize {
        self.max
    }

    /// Whether a message that starts `Response: Follows` then `Privilege:
    /// Command` is taken as legacy command output (Asterisk 13 and older),
    /// which runs to `--END COMMAND--` across empty lines. Default: false,
    /// so that such a head without its end (or sent unasked) cannot make
    /// the decoder swallow the traffic after it.
    ///
    /// The client turns it on only while one of its `Command` actions is
    /// waiting for an answer; a reader of a recording of an old Asterisk
    /// turns it on itself. The setting is read
    /// when a message starts: a message already being decoded keeps its mode.
    pub fn set_legacy_command(&mut self, allowed: bool) {
        self.legacy_command = allowed;
    }

    /// Decodes the next frame from `buf`, consuming its bytes. `Ok(None)`
    /// means more bytes are needed.
    pub fn decode(&mut self, buf: &mut BytesMut) -> Result<Option<Frame>, DecodeError> {
        Ok(self.next(buf, false)?.map(|raw| match raw {
            Raw::Greeting(g) => Frame::Greeting(g),
            Raw::Parsed(m) => Frame::Message(m),
            Raw::Message(bytes) => Frame::Message(Message::from_frame(&bytes, &self.spans)),
        }))
    }

    /// Like [`decode`](Self::decode), but a message (other than legacy
    /// command output) comes as its bytes, cut from `buf` without copying;
    /// its lines are [`lines`](Self::lines) until the next call. The client
    /// reads this way: events go to the event buffer as they are, and each
    /// becomes a [`Message`] of its own (one allocation) in the subscriber
    /// that takes it.
    pub(crate) fn decode_raw(&mut self, buf: &mut BytesMut) -> Result<Option<Raw>, DecodeError> {
        self.next(buf, true)
    }

    /// The `(start, end)` of each non-empty line of the message the last
    /// [`decode_raw`](Self::decode_raw) returned.
    pub(crate) fn lines(&self) -> &[(u32, u32)] {
        &self.spans
    }

    /// The next frame; a message as its shared bytes when `share`, else
    /// copied into a [`Message`] of its own.
    fn next(&mut self, buf: &mut BytesMut, share: bool) -> Result<Option<Raw>, DecodeError> {
        loop {
            match self.state {
                State::Greeting => return self.decode_greeting(buf),
                State::SkippingLine => match memchr::memchr(b'\n', buf) {
                    Some(nl) => {
                        buf.advance(nl + 1);
                        self.state = State::Messages;
                    }
                    None => {
                        buf.clear();
                        return Ok(None);
                    }
                },
                State::Discarding => {
                    if !self.discard(buf) {
                        return Ok(None);
                    }
                }
                State::Messages => return self.decode_message(buf, share),
            }
        }
    }

    /// Like [`decode`](Self::decode), at the end of the stream: a last message
    /// that was not ended by an empty line is still returned.
    pub fn decode_eof(&mut self, buf: &mut BytesMut) -> Result<Option<Frame>, DecodeError> {
        if let Some(frame) = self.decode(buf)? {
            return Ok(Some(frame));
        }
        if self.state != State::Messages || buf.iter().all(|b| matches!(b, b'\r' | b'\n')) {
            buf.clear();
            self.reset();
            return Ok(None);
        }
        if self.mode == Mode::LegacyCommand {
            let msg = parse_legacy_command(buf);
            buf.clear();
            self.reset();
            return Ok(Some(Frame::Message(msg)));
        }
        // End the last line and the message, then take the ordinary path.
        buf.extend_from_slice(b"\n\n");
        self.decode(buf)
    }

    fn reset(&mut self) {
        self.reset_keeping_lines();
        self.spans.clear();
    }

    /// Ready for the next message; the lines of the one just returned stay
    /// readable until the next call.
    fn reset_keeping_lines(&mut self) {
        self.mode = Mode::Undecided;
        self.scanned = 0;
        self.lines = 0;
        self.dropped_line = 0;
    }

    fn decode_greeting(&mut self, buf: &mut BytesMut) -> Result<Option<Raw>, DecodeError> {
        let Some(nl) = memchr::memchr(b'\n', buf) else {
            if buf.len() > self.max {
                // The same error, whatever the reads: the rest of the line
                // is dropped when it comes.
                buf.clear();
                self.state = State::SkippingLine;
                return Err(DecodeError::Oversized { limit: self.max });
            }
            return Ok(None);
        };
        if nl > self.max {
            buf.advance(nl + 1);
            self.state = State::Messages;
            return Err(DecodeError::Oversized { limit: self.max });
        }
        let line = buf.split_to(nl + 1);
        let line = trim_line(&line[..nl]);
        self.state = State::Messages;
        if line.starts_with(GREETING_PREFIX) {
            Ok(Some(Raw::Greeting(Greeting::parse(
                &String::from_utf8_lossy(line),
            ))))
        } else {
            let shown = &line[..line.len().min(200)];
            Err(DecodeError::BadGreeting {
                line: String::from_utf8_lossy(shown).into_owned(),
            })
        }
    }

    /// Drops lines until the one that ends the message (an empty line, or
    /// for legacy command output a line ending in `--END COMMAND--`); true
    /// once resynchronised. Nothing is kept while discarding: a line split
    /// across reads is tracked by its length, first byte and last bytes.
    fn discard(&mut self, buf: &mut BytesMut) -> bool {
        let mut pos = 0;
        while let Some(i) = memchr::memchr(b'\n', &buf[pos..]) {
            self.drop_partial_line(&buf[pos..pos + i]);
            pos += i + 1;
            let (len, first) = (self.dropped_line, self.dropped_first);
            let tail = self.dropped_tail;
            self.dropped_line = 0;
            let ended = if self.discard_legacy {
                let line = trim_line(&tail[16 - len.min(16)..]);
                line.ends_with(END_COMMAND)
            } else {
                len == 0 || (len == 1 && first == b'\r')
            };
            if ended {
                buf.advance(pos);
                self.state = State::Messages;
                self.reset();
                return true;
            }
        }
        self.drop_partial_line(&buf[pos..]);
        buf.clear();
        false
    }

    /// Notes that `rest` (the start of a line, or more of it) was dropped.
    fn drop_partial_line(&mut self, rest: &[u8]) {
        let Some(&b) = rest.first() else {
            return;
        };
        if self.dropped_line == 0 {
            self.dropped_first = b;
        }
        self.dropped_line = self.dropped_line.saturating_add(rest.len());
        let keep = rest.len().min(16);
        self.dropped_tail.copy_within(keep.., 0);
        self.dropped_tail[16 - keep..].copy_from_slice(&rest[rest.len() - keep..]);
    }

    /// Starts discarding the current message, whose first `partial` bytes
    /// of an unfinished line were dropped.
    fn start_discarding(&mut self, partial: &[u8]) {
        let legacy = self.mode == Mode::LegacyCommand;
        self.reset();
        self.discard_legacy = legacy;
        self.drop_partial_line(partial);
        self.state = State::Discarding;
    }

    fn decode_message(
        &mut self,
        buf: &mut BytesMut,
        share: bool,
    ) -> Result<Option<Raw>, DecodeError> {
        if self.scanned == 0 {
            // A new message: the lines of the last one are no longer needed.
            self.spans.clear();
            // Skip stray empty lines between messages.
            let mut skip = 0;
            loop {
                match buf.get(skip) {
                    Some(b'\n') => skip += 1,
                    Some(b'\r') if buf.get(skip + 1) == Some(&b'\n') => skip += 2,
                    _ => break,
                }
            }
            if skip > 0 {
                buf.advance(skip);
            }
        }
        let mut pos = self.scanned;
        let mut found = None;
        // Lines are short: a word-at-a-time search for each line end.
        while let Some(i) = crate::message::find_byte(&buf[pos..], b'\n') {
            let start = pos;
            let nl = pos + i;
            let line = trim_line(&buf[start..nl]);
            pos = nl + 1;
            self.lines += 1;
            if !line.is_empty() {
                self.spans.push((start as u32, (start + line.len()) as u32));
            }
            let end = match self.mode {
                Mode::Undecided | Mode::Normal if line.is_empty() => Some(pos),
                Mode::LegacyCommand if line.ends_with(END_COMMAND) => Some(pos),
                _ => None,
            };
            if self.mode == Mode::Undecided {
                if self.lines == 1 && !(self.legacy_command && is_follows(line)) {
                    self.mode = Mode::Normal;
                } else if self.lines == 2 {
                    self.mode = if line.eq_ignore_ascii_case(b"Privilege: Command") {
                        Mode::LegacyCommand
                    } else {
                        Mode::Normal
                    };
                }
            }
            if end.is_some() || pos > self.max {
                found = end.or(Some(usize::MAX));
                break;
            }
        }
        match found {
            Some(usize::MAX) => {
                buf.advance(pos);
                self.start_discarding(&[]);
                return Err(DecodeError::Oversized { limit: self.max });
            }
            Some(end) => {
                let legacy = self.mode == Mode::LegacyCommand;
                // The empty line that follows legacy output belongs to it
                // when it is here (otherwise it is skipped as a stray empty
                // line); it does not count towards the size, so the result
                // does not depend on where the reads split.
                let consumed = if legacy {
                    skip_one_empty_line(buf, end)
                } else {
                    end
                };
                if end > self.max {
                    self.reset();
                    buf.advance(consumed);
                    return Err(DecodeError::Oversized { limit: self.max });
                }
                let raw = if legacy {
                    let msg = parse_legacy_command(&buf[..end]);
                    buf.advance(consumed);
                    Raw::Parsed(msg)
                } else if share {
                    let bytes = buf.split_to(end).freeze();
                    buf.advance(consumed - end);
                    Raw::Message(bytes)
                } else {
                    // A buffer of its own: keeping the message keeps its
                    // bytes alive, not the read buffer it was cut from.
                    let msg = Message::from_frame(&buf[..end], &self.spans);
                    buf.advance(consumed);
                    Raw::Parsed(msg)
                };
                self.reset_keeping_lines();
                return Ok(Some(raw));
            }
            None => {}
        }
        self.scanned = pos;
        if buf.len() > self.max {
            // Past the limit before its end: drop what came, then the rest
            // up to the line that really ends it.
            let partial = buf.split_off(pos);
            buf.clear();
            self.start_discarding(&partial);
            return Err(DecodeError::Oversized { limit: self.max });
        }
        Ok(None)
    }
}

fn is_follows(line: &[u8]) -> bool {
    line.eq_ignore_ascii_case(b"Response: Follows")
}

fn skip_one_empty_line(buf: &[u8], pos: usize) -> usize {
    match &buf[pos..] {
        [b'\n', ..] => pos + 1,
        [b'\r', b'\n', ..] => pos + 2,
        _ => pos,
    }
}

#[inline]
fn trim_line(line: &[u8]) -> &[u8] {
    match line {
        [rest @ .., b'\r'] => rest,
        _ => line,
    }
}

/// The `(start, end)` of each non-empty line of `frame` (a message's bytes,
/// as [`Raw::Message`] carries them), without line ends, into `out`.
pub(crate) fn frame_lines(frame: &[u8], out: &mut Vec<(u32, u32)>) {
    out.clear();
    let mut start = 0;
    // Line ends are found the way the decoder finds them.
    while let Some(i) = crate::message::find_byte(&frame[start..], b'\n') {
        let nl = start + i;
        let line = trim_line(&frame[start..nl]);
        if !line.is_empty() {
            out.push((start as u32, (start + line.len()) as u32));
        }
        start = nl + 1;
    }
}

/// `Response: Follows`, header fields, then raw output lines (blank ones
/// and ones with colons included) up to `--END COMMAND--`.
fn parse_legacy_command(bytes: &[u8]) -> Message {
    let mut spans = Vec::new();
    let mut start = 0;
    let mut raw = false;
    while start < bytes.len() {
        let nl = memchr::memchr(b'\n', &bytes[start..]).map_or(bytes.len(), |i| start + i);
        let end = start + trim_line(&bytes[start..nl]).len();
        let line = &bytes[start..end];
        if !raw {
            let key_end = match memchr::memchr(b':', line) {
                Some(colon) if colon > 0 && is_text(&line[..colon]) => start + colon,
                _ => start,
            };
            let key = &bytes[start..key_end];
            let header = [b"Privilege".as_slice(), b"ActionID", b"Response"]
                .iter()
                .any(|h| key.eq_ignore_ascii_case(h));
            if spans.is_empty() || header {
                spans.push((start, key_end, end));
                start = nl + 1;
                continue;
            }
            raw = true;
        }
        if let Some(content) = line.strip_suffix(END_COMMAND) {
            if !content.is_empty() {
                spans.push((start, start, start + content.len()));
            }
            break;
        }
        spans.push((start, start, end));
        start = nl + 1;
    }
    Message::from_spans(bytes, &spans)
}

#[inline]
fn is_text(key: &[u8]) -> bool {
    key.is_ascii() || std::str::from_utf8(key).is_ok()
}

/// Checks that `msg` can be written without injecting headers.
pub fn validate(msg: &Message) -> Result<(), EncodeError> {
    for f in msg.fields() {
        let k = f.key_bytes();
        if k.is_empty() || k.iter().any(|b| matches!(b, b'\r' | b'\n' | b'\0' | b':')) {
            return Err(EncodeError::InvalidKey {
                key: f.key().into_owned(),
            });
        }
        // One pass for the three bytes no value may hold.
        if memchr::memchr3(b'\r', b'\n', 0, f.value().as_bytes()).is_some() {
            return Err(EncodeError::InvalidValue {
                key: f.key().into_owned(),
            });
        }
    }
    Ok(())
}

/// Writes `msg` as `Key: Value\r\n` lines and an empty line. Nothing is
/// written when a key or value is refused.
pub fn encode(msg: &Message, dst: &mut BytesMut) -> Result<(), EncodeError> {
    validate(msg)?;
    let size: usize = msg
        .fields()
        .map(|f| f.key_bytes().len() + f.value().len() + 4)
        .sum();
    dst.reserve(size + 2);
    for f in msg.fields() {
        dst.extend_from_slice(f.key_bytes());
        dst.extend_from_slice(b": ");
        dst.extend_from_slice(f.value().as_bytes());
        dst.extend_from_slice(b"\r\n");
    }
    dst.extend_from_slice(b"\r\n");
    Ok(())
}

/// Writes `msg` in the legacy command form used by Asterisk 13 and older:
/// the fields, then `lines` raw, then `--END COMMAND--` (used by the embedded
/// server).
pub fn encode_legacy_command(
    head: &Message,
    lines: &[&str],
    dst: &mut BytesMut,
) -> Result<(), EncodeError> {
    validate(head)?;
    for f in head.fields() {
        dst.extend_from_slice(f.key_bytes());
        dst.extend_from_slice(b": ");
        dst.extend_from_slice(f.value().as_bytes());
        dst.extend_from_slice(b"\r\n");
    }
    for line in lines {
        dst.extend_from_slice(line.as_bytes());
        dst.extend_from_slice(b"\n");
    }
    dst.extend_from_slice(b"--END COMMAND--\r\n\r\n");
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn decode_all(
        dec: &mut Decoder,
        input: &[u8],
        chunk: usize,
    ) -> Vec<Result<Frame, DecodeError>> {
        let mut out = Vec::new();
        let mut buf = BytesMut::new();
        for piece in input.chunks(chunk.max(1)) {
            buf.extend_from_slice(piece);
            loop {
                match dec.decode(&mut buf) {
                    Ok(Some(f)) => out.push(Ok(f)),
                    Ok(None) => break,
                    Err(e) => out.push(Err(e)),
                }
            }
        }
        out
    }

    fn msg(frame: &Result<Frame, DecodeError>) -> &Message {
        match frame {
            Ok(Frame::Message(m)) => m,
            other => panic!("not a message: {other:?}"),
        }
    }

    #[test]
    fn values_with_colons_empty_values_and_bare_lf() {
        let input = b"Response: Success\nRequestType: Action: Ping\r\nEmpty:\r\nOutput: \r\nOutput:   indented\r\n\n";
        let frames = decode_all(&mut Decoder::without_greeting(), input, 1);
        assert_eq!(frames.len(), 1);
        let m = msg(&frames[0]);
        assert_eq!(m.get("RequestType").unwrap(), "Action: Ping");
        assert_eq!(m.get("Empty").unwrap(), "");
        let out: Vec<_> = m.get_all("Output").map(|v| v.to_string()).collect();
        assert_eq!(out, ["", "  indented"]);
    }

    #[test]
    fn stray_empty_lines_are_skipped() {
        let input = b"\r\n\r\nEvent: A\r\n\r\n\r\n\nEvent: B\r\n\r\n";
        let frames = decode_all(&mut Decoder::without_greeting(), input, 3);
        assert_eq!(frames.len(), 2);
        assert_eq!(msg(&frames[1]).event_name().unwrap(), "B");
    }

    #[test]
    fn a_bare_decoder_does_not_let_a_follows_head_swallow_the_traffic_after_it() {
        // Another library's fixture: a `Follows` head without its end, then
        // thirty messages.
        let mut input = b"Response: Follows\r\nPrivilege: Command\r\nActionID: 1\r\n\r\n".to_vec();
        for n in 0..30 {
            input.extend_from_slice(format!("Event: E{n}\r\nN: {n}\r\n\r\n").as_bytes());
        }
        let frames = decode_all(&mut Decoder::without_greeting(), &input, 64);
        assert_eq!(frames.len(), 31);
        assert_eq!(msg(&frames[30]).event_name().unwrap(), "E29");
        // Legacy command output only when asked for (as the client does
        // while its Command waits).
        let mut legacy = Decoder::without_greeting();
        legacy.set_legacy_command(true);
        assert_eq!(decode_all(&mut legacy, &input, 64).len(), 0);
    }

    #[test]
    fn legacy_command_output_keeps_blank_lines_and_colons() {
        let input = b"Response: Follows\r\nPrivilege: Command\r\nActionID: 7\r\nline one\n\nName: value\nlast--END COMMAND--\r\n\r\nEvent: X\r\n\r\n";
        for chunk in 1..input.len() {
            let mut dec = Decoder::without_greeting();
            dec.set_legacy_command(true);
            let frames = decode_all(&mut dec, input, chunk);
            assert_eq!(frames.len(), 2, "chunk {chunk}");
            let m = msg(&frames[0]);
            assert_eq!(m.action_id().unwrap(), "7");
            let lines: Vec<_> = m
                .fields()
                .filter(|f| f.is_bare_line())
                .map(|f| f.value().to_string())
                .collect();
            assert_eq!(lines, ["line one", "", "Name: value", "last"]);
            assert_eq!(msg(&frames[1]).event_name().unwrap(), "X");
        }
    }

    #[test]
    fn oversized_message_is_an_error_and_decoder_resyncs() {
        let mut input = b"Event: Big\r\n".to_vec();
        for i in 0..100 {
            input.extend_from_slice(format!("Field{i}: {}\r\n", "x".repeat(20)).as_bytes());
        }
        input.extend_from_slice(b"\r\nEvent: Small\r\n\r\n");
        for chunk in [1, 7, 64, 5000] {
            let mut dec = Decoder::without_greeting().with_max_message_size(256);
            let frames = decode_all(&mut dec, &input, chunk);
            assert_eq!(frames.len(), 2, "chunk {chunk}: {frames:?}");
            assert_eq!(frames[0], Err(DecodeError::Oversized { limit: 256 }));
            assert_eq!(msg(&frames[1]).event_name().unwrap(), "Small");
        }
    }

    #[test]
    fn endless_line_is_bounded() {
        let mut dec = Decoder::without_greeting().with_max_message_size(100);
        let mut buf = BytesMut::new();
        let mut errors = 0;
        for _ in 0..100 {
            buf.extend_from_slice(&[b'a'; 50]);
            if dec.decode(&mut buf).is_err() {
                errors += 1;
            }
            assert!(buf.len() <= 200);
        }
        assert_eq!(errors, 1);
        buf.extend_from_slice(b"\r\n\r\nEvent: Ok\r\n\r\n");
        let f = dec.decode(&mut buf).unwrap().unwrap();
        assert!(matches!(f, Frame::Message(m) if m.event_name().unwrap() == "Ok"));
    }

    #[test]
    fn greeting_and_bad_greeting() {
        let frames = decode_all(&mut Decoder::new(), b"Asterisk Call Manager/2.10.4\r\n", 1);
        assert!(matches!(&frames[0], Ok(Frame::Greeting(g)) if g.version() == Some((2, 10, 4))));
        assert!(
            matches!(&frames[0], Ok(Frame::Greeting(g)) if g.line() == "Asterisk Call Manager/2.10.4")
        );
        let frames = decode_all(&mut Decoder::new(), b"HTTP/1.1 400\r\nEvent: X\r\n\r\n", 2);
        assert!(
            matches!(&frames[0], Err(DecodeError::BadGreeting { line }) if line == "HTTP/1.1 400")
        );
        assert_eq!(msg(&frames[1]).event_name().unwrap(), "X");
    }

    #[test]
    fn invalid_utf8_is_kept() {
        let frames = decode_all(
            &mut Decoder::without_greeting(),
            b"Event: N\r\nCallerIDName: J\xf6rg\r\n\xff\xfe: v\r\n\r\n",
            1,
        );
        let m = msg(&frames[0]);
        assert_eq!(m.get("CallerIDName").unwrap().as_bytes(), b"J\xf6rg");
        assert_eq!(m.field(2).unwrap().value().as_bytes(), b"\xff\xfe: v");
    }

    #[test]
    fn encode_rejects_injection() {
        let mut dst = BytesMut::new();
        let m: Message = [("Action", "Setvar"), ("Value", "x\r\nAction: Hangup")]
            .into_iter()
            .collect();
        assert!(matches!(
            encode(&m, &mut dst),
            Err(EncodeError::InvalidValue { .. })
        ));
        let m: Message = [("Action", "Setvar"), ("Value", "x\0Action: Hangup")]
            .into_iter()
            .collect();
        assert!(matches!(
            encode(&m, &mut dst),
            Err(EncodeError::InvalidValue { .. })
        ));
        assert!(dst.is_empty());
        let m: Message = [("Action", "Setvar"), ("Bad:Key", "x")]
            .into_iter()
            .collect();
        assert!(matches!(
            encode(&m, &mut dst),
            Err(EncodeError::InvalidKey { .. })
        ));
        let m: Message = [("Action", "Login"), ("Secret", "s3cr3t\n")]
            .into_iter()
            .collect();
        let err = encode(&m, &mut dst).unwrap_err();
        assert!(!err.to_string().contains("s3cr3t"));
        assert!(dst.is_empty());
        let m: Message = [("Action", "Ping"), ("ActionID", "1")]
            .into_iter()
            .collect();
        encode(&m, &mut dst).unwrap();
        assert_eq!(&dst[..], b"Action: Ping\r\nActionID: 1\r\n\r\n");
    }

    #[test]
    fn decode_eof_returns_unterminated_message() {
        let mut dec = Decoder::without_greeting();
        let mut buf = BytesMut::from(&b"Event: Last\r\nA: 1\r\n"[..]);
        assert_eq!(dec.decode(&mut buf).unwrap(), None);
        let f = dec.decode_eof(&mut buf).unwrap().unwrap();
        assert!(matches!(f, Frame::Message(m) if m.len() == 2));
    }
}
