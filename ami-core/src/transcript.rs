//! The wire transcript: every byte a client sends and receives, timestamped,
//! with secrets redacted — for finding out what really went over the wire.
//!
//! Turn it on with [`ClientBuilder::transcript`](crate::ClientBuilder::transcript)
//! or by setting `AMI_TRACE=/path/to/file` in the environment of the program
//! (the builder option wins). The file is appended to; every connection of
//! the client (reconnects included) writes to it.
//!
//! # Format
//!
//! A sequence of records, each a header line and a body:
//!
//! ```text
//! 1796619343.123456 < 27
//! Asterisk Call Manager/11.0.0
//! ```
//!
//! The header is the Unix time in seconds with microseconds, the direction
//! (`<` received, `>` sent, `#` a note of the client's own such as
//! `connected to 127.0.0.1:5038`), and the body's length in bytes. The body
//! follows exactly (bytes as they were, CR LF included), then one `\n`.
//! [`parse`] reads a transcript back.
//!
//! Bytes are recorded a message at a time (up to and including the empty
//! line that ends it), so that a secret is redacted whatever the reads and
//! writes were cut into. The bodies of all `<` records, in order, are the
//! bytes received; of all `>` records the bytes sent — except that the value
//! of every secret is replaced by `<redacted>`, by the one rule that decides
//! what is secret (see [`Message::is_secret`](crate::Message::is_secret)):
//! a login's `Secret` and MD5 `Key`, keys and variables named like
//! passwords, the value of a `Setvar` of such a variable.

use std::fs::{File, OpenOptions};
use std::io::Write;
use std::path::{Path, PathBuf};
use std::pin::Pin;
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll};
use std::time::{SystemTime, UNIX_EPOCH};

use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};

use crate::message::Message;
use ami_wire::secret::{holds_assignments, holds_json, redact_json, secret_assignment};

/// What replaces a secret value in a transcript.
pub const REDACTED: &[u8] = b"<redacted>";

/// A message bigger than this is recorded without waiting for its end.
const MAX_PENDING: usize = 4 << 20;

/// The direction of a [`Record`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Direction {
    /// Bytes the client received (`<`).
    Received,
    /// Bytes the client sent (`>`).
    Sent,
    /// A note of the client's (`#`): a connection opened or closed.
    Note,
}

impl Direction {
    fn mark(self) -> char {
        match self {
            Direction::Received => '<',
            Direction::Sent => '>',
            Direction::Note => '#',
        }
    }
}

/// One record of a transcript.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Record {
    /// When, as Unix time in microseconds.
    pub micros: u64,
    /// Which way the bytes went.
    pub direction: Direction,
    /// The bytes (secrets redacted).
    pub bytes: Vec<u8>,
}

/// Why a transcript could not be read back.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("malformed transcript at byte {offset}: {what}")]
pub struct ParseError {
    /// Where.
    pub offset: usize,
    /// What was wrong.
    pub what: &'static str,
}

/// Reads a transcript back into its records.
///
/// ```
/// let text = b"1796619343.000001 < 5\nHello\n1796619343.000002 > 0\n\n";
/// let records = ami_core::transcript::parse(text).unwrap();
/// assert_eq!(records[0].bytes, b"Hello");
/// assert_eq!(records[1].direction, ami_core::transcript::Direction::Sent);
/// ```
pub fn parse(mut text: &[u8]) -> Result<Vec<Record>, ParseError> {
    let total = text.len();
    let mut records = Vec::new();
    while !text.is_empty() {
        let offset = total - text.len();
        let err = |what| ParseError { offset, what };
        let eol = memchr::memchr(b'\n', text).ok_or(err("a header without its line end"))?;
        let header = std::str::from_utf8(&text[..eol]).map_err(|_| err("a header not UTF-8"))?;
        let mut parts = header.split(' ');
        let (Some(time), Some(dir), Some(len), None) =
            (parts.next(), parts.next(), parts.next(), parts.next())
        else {
            return Err(err("a header that is not `time direction length`"));
        };
        let (secs, frac) = time.split_once('.').ok_or(err("a time without micros"))?;
        let secs: u64 = secs.parse().map_err(|_| err("a bad time"))?;
        let frac: u64 = frac.parse().map_err(|_| err("a bad time"))?;
        let direction = match dir {
            "<" => Direction::Received,
            ">" => Direction::Sent,
            "#" => Direction::Note,
            _ => return Err(err("an unknown direction")),
        };
        let len: usize = len.parse().map_err(|_| err("a bad length"))?;
        let body = &text[eol + 1..];
        if len >= body.len() || body[len] != b'\n' {
            return Err(err("a body shorter than its length"));
        }
        records.push(Record {
            micros: secs.saturating_mul(1_000_000).saturating_add(frac),
            direction,
            bytes: body[..len].to_vec(),
        });
        text = &body[len + 1..];
    }
    Ok(records)
}

/// Where the `AMI_TRACE` environment variable says to write, if set.
pub(crate) fn from_env() -> Option<PathBuf> {
    std::env::var_os("AMI_TRACE")
        .filter(|p| !p.is_empty())
        .map(PathBuf::from)
}

/// An open transcript, shared by the connections of one client.
#[derive(Clone)]
pub(crate) struct Transcript {
    inner: Arc<Mutex<Writer>>,
}

struct Writer {
    file: File,
    received: Pending,
    sent: Pending,
    failed: bool,
}

impl Transcript {
    /// Opens (creates, appends to) the file.
    pub(crate) fn open(path: &Path) -> std::io::Result<Transcript> {
        let mut options = OpenOptions::new();
        options.create(true).append(true);
        // It holds every caller ID and variable: the owner's alone.
        #[cfg(unix)]
        std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
        let file = options.open(path)?;
        Ok(Transcript {
            inner: Arc::new(Mutex::new(Writer {
                file,
                received: Pending::default(),
                sent: Pending::default(),
                failed: false,
            })),
        })
    }

    fn writer(&self) -> std::sync::MutexGuard<'_, Writer> {
        self.inner.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// A note of the client's own.
    pub(crate) fn note(&self, text: &str) {
        let mut w = self.writer();
        // What a connection left unfinished belongs to it.
        for dir in [Direction::Received, Direction::Sent] {
            let rest = w.pending(dir).take_all();
            w.write(dir, &rest);
        }
        w.write(Direction::Note, text.as_bytes());
    }

    fn bytes(&self, dir: Direction, bytes: &[u8]) {
        if bytes.is_empty() {
            return;
        }
        let mut w = self.writer();
        w.pending(dir).buf.extend_from_slice(bytes);
        while let Some(message) = w.pending(dir).take_message() {
            w.write(dir, &message);
        }
    }

    /// Wraps a stream so that what passes through it is recorded.
    pub(crate) fn tee<S>(&self, stream: S) -> Tee<S> {
        Tee {
            inner: stream,
            transcript: self.clone(),
        }
    }
}

impl Writer {
    fn pending(&mut self, dir: Direction) -> &mut Pending {
        match dir {
            Direction::Sent => &mut self.sent,
            _ => &mut self.received,
        }
    }

    fn write(&mut self, dir: Direction, body: &[u8]) {
        if body.is_empty() && dir != Direction::Note || self.failed {
            return;
        }
        let now = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .unwrap_or_default();
        let mut record = format!(
            "{}.{:06} {} {}\n",
            now.as_secs(),
            now.subsec_micros(),
            dir.mark(),
            body.len()
        )
        .into_bytes();
        record.extend_from_slice(body);
        record.push(b'\n');
        // One write per record: records of clients sharing the file do not
        // interleave.
        if let Err(e) = self.file.write_all(&record) {
            self.failed = true;
            tracing::warn!(error = %e, "the AMI wire transcript cannot be written; it stops here");
        }
    }
}

/// The bytes of one direction not yet recorded (a message not yet ended).
#[derive(Default)]
struct Pending {
    buf: Vec<u8>,
    /// How far `buf` was searched for a message end.
    searched: usize,
}

impl Pending {
    /// The next whole message (up to and including its empty line), with
    /// its secrets redacted; or a too large one, as it is.
    fn take_message(&mut self) -> Option<Vec<u8>> {
        let mut at = self.searched;
        while let Some(i) = memchr::memchr(b'\n', &self.buf[at..]) {
            let eol = at + i;
            let line_start = self.buf[..eol]
                .iter()
                .rposition(|&b| b == b'\n')
                .map_or(0, |p| p + 1);
            let line = &self.buf[line_start..eol];
            if line.is_empty() || line == b"\r" {
                let rest = self.buf.split_off(eol + 1);
                let message = std::mem::replace(&mut self.buf, rest);
                self.searched = 0;
                return Some(redact(&message));
            }
            at = eol + 1;
        }
        self.searched = at;
        (self.buf.len() > MAX_PENDING).then(|| self.take_all())
    }

    /// Everything pending, redacted as far as it goes.
    fn take_all(&mut self) -> Vec<u8> {
        self.searched = 0;
        let all = std::mem::take(&mut self.buf);
        redact(&all)
    }
}

/// One message's bytes with the value of each secret field replaced.
fn redact(message: &[u8]) -> Vec<u8> {
    let lines: Vec<&[u8]> = message.split_inclusive(|&b| b == b'\n').collect();
    let fields: Vec<Option<(&[u8], usize)>> = lines.iter().map(|l| field(l)).collect();
    // The message's fields, for the one rule's judgement of each key.
    let parsed: Message = fields
        .iter()
        .zip(&lines)
        .filter_map(|(f, l)| f.map(|(key, start)| (key, value_of(l, start))))
        .collect();
    let mut out = Vec::with_capacity(message.len());
    for (line, f) in lines.iter().zip(&fields) {
        let Some((key, start)) = *f else {
            out.extend_from_slice(line);
            continue;
        };
        let value = value_of(line, start);
        let end = start + value.len();
        if holds_json(key) {
            if let Some(shown) = redact_json(value) {
                out.extend_from_slice(&line[..start]);
                out.extend_from_slice(&shown);
                out.extend_from_slice(&line[end..]);
                continue;
            }
        }
        let secret_from = if parsed.is_secret(&String::from_utf8_lossy(key)) {
            Some(start)
        } else if holds_assignments(key) {
            secret_assignment(value).map(|at| start + at)
        } else {
            None
        };
        match secret_from {
            Some(from) if from < end => {
                out.extend_from_slice(&line[..from]);
                out.extend_from_slice(REDACTED);
                out.extend_from_slice(&line[end..]);
            }
            _ => out.extend_from_slice(line),
        }
    }
    out
}

/// The key of a `Key: value` line and where its value starts.
fn field(line: &[u8]) -> Option<(&[u8], usize)> {
    let colon = memchr::memchr(b':', line)?;
    let key = &line[..colon];
    if key.is_empty() || key.iter().any(|b| b.is_ascii_whitespace()) {
        return None;
    }
    let mut start = colon + 1;
    while line.get(start) == Some(&b' ') {
        start += 1;
    }
    Some((key, start))
}

/// The value of a line from `start`, without its line end.
fn value_of(line: &[u8], start: usize) -> &[u8] {
    let mut end = line.len();
    while end > start && matches!(line[end - 1], b'\n' | b'\r') {
        end -= 1;
    }
    &line[start.min(end)..end]
}

/// A stream whose traffic is recorded in a [`Transcript`].
pub(crate) struct Tee<S> {
    inner: S,
    transcript: Transcript,
}

impl<S: AsyncRead + Unpin> AsyncRead for Tee<S> {
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<std::io::Result<()>> {
        let this = self.get_mut();
        let before = buf.filled().len();
        let r = Pin::new(&mut this.inner).poll_read(cx, buf);
        if let Poll::Ready(Ok(())) = r {
            this.transcript
                .bytes(Direction::Received, &buf.filled()[before..]);
        }
        r
    }
}

impl<S: AsyncWrite + Unpin> AsyncWrite for Tee<S> {
    fn poll_write(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<std::io::Result<usize>> {
        let this = self.get_mut();
        let r = Pin::new(&mut this.inner).poll_write(cx, buf);
        if let Poll::Ready(Ok(n)) = r {
            this.transcript.bytes(Direction::Sent, &buf[..n]);
        }
        r
    }

    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        Pin::new(&mut self.get_mut().inner).poll_flush(cx)
    }

    fn poll_shutdown(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        Pin::new(&mut self.get_mut().inner).poll_shutdown(cx)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn secrets_are_redacted_and_nothing_else_changes() {
        let login = b"Action: Login\r\nUsername: admin\r\nSecret: hunter2\r\nActionID: x\r\n\r\n";
        assert_eq!(
            redact(login),
            b"Action: Login\r\nUsername: admin\r\nSecret: <redacted>\r\nActionID: x\r\n\r\n"
        );
        let md5 = b"Action: Login\r\nAuthType: MD5\r\nKey: 0123abcd\r\n\r\n";
        assert!(!String::from_utf8_lossy(&redact(md5)).contains("0123abcd"));
        let setvar = b"Action: Setvar\r\nValue: s3cr3t\r\nVariable: SIP_PASSWORD\r\n\r\n";
        assert!(!String::from_utf8_lossy(&redact(setvar)).contains("s3cr3t"));
        let originate = b"Action: Originate\r\nVariable: DB_PASSWORD=pw1\r\nVariable: A=1\r\n\r\n";
        assert_eq!(
            redact(originate),
            b"Action: Originate\r\nVariable: DB_PASSWORD=<redacted>\r\nVariable: A=1\r\n\r\n"
        );
        let plain = b"Event: Hangup\nChannel: PJSIP/100\nCause: 16\n\n";
        assert_eq!(redact(plain), plain);
        // GetConfigJSON's configuration: every secret-named key's value.
        let json = b"Response: Success\r\nActionID: 1\r\nJSON: {\"admin\": {\"secret\": \"amp111\", \"read\": \"all\"}}\r\n\r\n";
        assert_eq!(
            redact(json),
            b"Response: Success\r\nActionID: 1\r\nJSON: {\"admin\": {\"secret\": \"<redacted>\", \"read\": \"all\"}}\r\n\r\n"
        );
    }

    #[test]
    fn messages_are_recorded_whole_whatever_the_cuts() {
        let wire = b"Asterisk Call Manager/11.0.0\r\nResponse: Success\r\nSecret: x\r\n\r\nEvent: A\r\n\r\n";
        for cut in 0..wire.len() {
            let mut p = Pending::default();
            let mut out = Vec::new();
            for part in [&wire[..cut], &wire[cut..]] {
                p.buf.extend_from_slice(part);
                while let Some(m) = p.take_message() {
                    out.push(m);
                }
            }
            assert_eq!(out.len(), 2, "{cut}");
            assert_eq!(out[1], b"Event: A\r\n\r\n");
            assert!(!String::from_utf8_lossy(&out[0]).contains("Secret: x"));
        }
    }

    #[test]
    fn a_malformed_transcript_is_an_error_not_a_panic() {
        for bad in [
            &b"1.000001 < 9\nshort\n"[..],
            b"1.000001 ? 0\n\n",
            b"x < 0\n\n",
            b"1.000001 <",
            b"1.000001 < 18446744073709551615\n",
        ] {
            assert!(parse(bad).is_err(), "{bad:?}");
        }
    }
}
