//! The driver task: the one owner of the socket.
//!
//! [`establish`] sets a connection up (TCP, greeting, optional MD5 challenge,
//! login) — the single place that does so, so a reconnect can call it again.
//! [`Driver::run`] then multiplexes: it reads into one buffer and decodes with
//! [`Decoder`], routes every message through the [`InFlight`] table it owns
//! (no locks), publishes events to the broadcast channel, drains the request
//! channel in batches (encoding each batch into one write buffer), enforces
//! deadlines and sends keepalive pings.

use std::sync::Arc;
use std::time::Duration;

use bytes::BytesMut;
use md5::{Digest, Md5};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::tcp::{OwnedReadHalf, OwnedWriteHalf};
use tokio::net::TcpStream;
use tokio::sync::{broadcast, mpsc};
use tokio::time::{Instant, Interval, MissedTickBehavior};

use crate::client::in_flight::{Expect, InFlight, ReplyTx, Waiter};
use crate::client::{ClientBuilder, Events};
use crate::codec::{self, DecodeError, Decoder, Frame, Greeting};
use crate::error::{Error, Result};
use crate::events::Shared;
use crate::message::{keys, Message, Value};

/// Read buffer growth step.
const READ_CHUNK: usize = 64 * 1024;
/// Stop taking requests while this much is waiting to be written.
const WRITE_HIGH_WATER: usize = 1 << 20;
/// Requests taken from the channel per batch.
const BATCH: usize = 256;

/// The reason the driver gives when a keepalive `Ping` went unanswered.
pub(crate) const DEAD_REASON: &str = "keepalive Ping unanswered: connection declared dead";

/// A request from a client handle.
pub(crate) struct Request {
    pub(crate) msg: Message,
    pub(crate) expect: Expect,
    pub(crate) timeout: Duration,
    pub(crate) tx: ReplyTx,
}

/// A connected, logged-in socket.
pub(crate) struct Connection {
    stream: TcpStream,
    decoder: Decoder,
    buf: BytesMut,
    pub(crate) greeting: Greeting,
    /// Events read during the login, delivered first.
    backlog: Vec<Message>,
}

/// Connects, reads the greeting and logs in (within `cfg.timeout`).
pub(crate) async fn establish(cfg: &ClientBuilder, prefix: &str) -> Result<Connection> {
    match tokio::time::timeout(cfg.timeout, establish_inner(cfg, prefix)).await {
        Ok(r) => r,
        Err(_) => Err(Error::Timeout {
            action: "connect".to_owned(),
        }),
    }
}

async fn establish_inner(cfg: &ClientBuilder, prefix: &str) -> Result<Connection> {
    let stream = TcpStream::connect((cfg.host.as_str(), cfg.port)).await?;
    stream.set_nodelay(true)?;
    let mut conn = Connection {
        stream,
        decoder: Decoder::new().with_max_message_size(cfg.max_message_size),
        buf: BytesMut::with_capacity(READ_CHUNK),
        greeting: Greeting::parse(""),
        backlog: Vec::new(),
    };
    conn.greeting = conn.read_greeting().await?;
    let Some((username, secret)) = &cfg.credentials else {
        return Ok(conn);
    };
    let mut login = Message::action("Login");
    login.append("Username", username.as_str());
    if cfg.md5 {
        let mut challenge = Message::action("Challenge");
        challenge.append("AuthType", "MD5");
        let resp = conn
            .request(challenge, &format!("{prefix}challenge"))
            .await?;
        check_login(&resp)?;
        let Some(challenge) = resp.get("Challenge") else {
            return Err(Error::Protocol(
                "the Challenge response has no Challenge field".to_owned(),
            ));
        };
        let mut md5 = Md5::new();
        md5.update(challenge.as_bytes());
        md5.update(secret.expose().as_bytes());
        login.append("AuthType", "MD5");
        login.append("Key", hex(&md5.finalize()));
    } else {
        login.append("Secret", secret.expose());
    }
    login.append(
        "Events",
        match &cfg.events {
            Events::On => "on",
            Events::Off => "off",
            Events::Mask(mask) => mask.as_str(),
        },
    );
    let resp = conn.request(login, &format!("{prefix}login")).await?;
    check_login(&resp)?;
    Ok(conn)
}

fn check_login(resp: &Message) -> Result<()> {
    if resp
        .response()
        .is_some_and(|r| r.as_bytes().eq_ignore_ascii_case(b"Success"))
    {
        return Ok(());
    }
    let message = resp
        .get(keys::MESSAGE)
        .map(|m| m.to_string_lossy().into_owned())
        .unwrap_or_else(|| "login refused".to_owned());
    Err(Error::Auth { message })
}

fn hex(bytes: &[u8]) -> String {
    const DIGITS: &[u8; 16] = b"0123456789abcdef";
    let mut s = String::with_capacity(bytes.len() * 2);
    for b in bytes {
        s.push(char::from(DIGITS[usize::from(b >> 4)]));
        s.push(char::from(DIGITS[usize::from(b & 15)]));
    }
    s
}

impl Connection {
    async fn fill(&mut self) -> Result<()> {
        self.buf.reserve(READ_CHUNK);
        if self.stream.read_buf(&mut self.buf).await? == 0 {
            return Err(Error::Disconnected {
                reason: "connection closed by the peer while logging in".to_owned(),
            });
        }
        Ok(())
    }

    async fn read_greeting(&mut self) -> Result<Greeting> {
        loop {
            match self.decoder.decode(&mut self.buf) {
                Ok(Some(Frame::Greeting(g))) => return Ok(g),
                Ok(Some(Frame::Message(_))) => {
                    return Err(Error::Protocol(
                        "a message came before the greeting".to_owned(),
                    ));
                }
                Ok(None) => self.fill().await?,
                Err(DecodeError::BadGreeting { line }) => {
                    return Err(Error::Protocol(format!("not an AMI greeting: {line:?}")));
                }
                Err(e @ DecodeError::Oversized { .. }) => {
                    return Err(Error::Protocol(format!("no AMI greeting: {e}")));
                }
            }
        }
    }

    /// Sends one action during setup and waits for its response; events
    /// read meanwhile are kept for the driver.
    async fn request(&mut self, mut msg: Message, action_id: &str) -> Result<Message> {
        msg.append(keys::ACTION_ID, action_id);
        let mut out = BytesMut::new();
        codec::encode(&msg, &mut out)?;
        self.stream.write_all(&out).await?;
        loop {
            match self.decoder.decode(&mut self.buf) {
                Ok(Some(Frame::Message(m))) => match m.response() {
                    Some(_) if m.action_id().is_some_and(|id| *id == *action_id) => return Ok(m),
                    Some(_) => {}
                    None => self.backlog.push(m),
                },
                Ok(Some(Frame::Greeting(_))) => {}
                Ok(None) => self.fill().await?,
                Err(e) => tracing::warn!(error = %e, "skipped an AMI message while logging in"),
            }
        }
    }
}

/// Why the driver stopped.
enum End {
    /// The peer closed, or an I/O error.
    Lost(String),
    /// A keepalive `Ping` went unanswered.
    Dead,
    /// Every client handle was dropped.
    Dropped,
}

/// The task that owns one connection.
pub(crate) struct Driver {
    reader: OwnedReadHalf,
    writer: OwnedWriteHalf,
    decoder: Decoder,
    rbuf: BytesMut,
    wbuf: BytesMut,
    backlog: Vec<Message>,
    requests: mpsc::Receiver<Request>,
    table: InFlight,
    events: broadcast::Sender<Message>,
    shared: Arc<Shared>,
    keepalive: Option<Duration>,
    /// The last keepalive `Ping`.
    last_ping: Option<u64>,
    timeout: Duration,
}

impl Driver {
    pub(crate) fn new(
        conn: Connection,
        cfg: &ClientBuilder,
        prefix: String,
        requests: mpsc::Receiver<Request>,
        events: broadcast::Sender<Message>,
        shared: Arc<Shared>,
    ) -> Self {
        let (reader, writer) = conn.stream.into_split();
        Driver {
            reader,
            writer,
            decoder: conn.decoder,
            rbuf: conn.buf,
            wbuf: BytesMut::with_capacity(16 * 1024),
            backlog: conn.backlog,
            requests,
            table: InFlight::new(prefix, cfg.max_list_items),
            events,
            shared,
            keepalive: cfg.keepalive,
            last_ping: None,
            timeout: cfg.timeout,
        }
    }

    /// Runs until the connection ends, then fails everything pending.
    pub(crate) async fn run(mut self) {
        let end = self.serve().await;
        let (reason, error): (String, fn(&str) -> Error) = match end {
            End::Lost(reason) => (reason, |r| Error::Disconnected {
                reason: r.to_owned(),
            }),
            End::Dead => (DEAD_REASON.to_owned(), |_| Error::DeadConnection),
            End::Dropped => ("every client handle was dropped".to_owned(), |r| {
                Error::Disconnected {
                    reason: r.to_owned(),
                }
            }),
        };
        tracing::debug!(%reason, pending = self.table.len(), "AMI connection ended");
        self.shared.close(reason.clone());
        self.requests.close();
        while let Ok(req) = self.requests.try_recv() {
            let _ = req.tx.send(Err(error(&reason)));
        }
        let events = &self.events;
        self.table.fail_all(|| error(&reason), &mut |m| {
            let _ = events.send(m);
        });
        let _ = self.writer.shutdown().await;
        // Dropping `self.events` (the last publisher) ends every stream.
    }

    async fn serve(&mut self) -> End {
        for m in std::mem::take(&mut self.backlog) {
            let _ = self.events.send(m);
        }
        self.decode_buffered();
        let far = Instant::now() + Duration::from_secs(86400 * 365);
        let sleep = tokio::time::sleep_until(far);
        tokio::pin!(sleep);
        let mut armed: Option<Instant> = None;
        let mut keepalive = self.keepalive.map(|period| {
            let mut i = tokio::time::interval_at(Instant::now() + period, period);
            i.set_missed_tick_behavior(MissedTickBehavior::Delay);
            i
        });
        let mut batch = Vec::with_capacity(BATCH);
        loop {
            let next = self.table.next_deadline();
            if next != armed {
                if let Some(at) = next {
                    sleep.as_mut().reset(at);
                }
                armed = next;
            }
            if self.rbuf.capacity() - self.rbuf.len() < 4096 {
                self.rbuf.reserve(READ_CHUNK);
            }
            let accepting = self.wbuf.len() < WRITE_HIGH_WATER;
            tokio::select! {
                r = self.reader.read_buf(&mut self.rbuf) => match r {
                    Ok(0) => {
                        self.discard_tail();
                        return End::Lost("connection closed by the peer".to_owned());
                    }
                    Ok(_) => self.decode_buffered(),
                    Err(e) => return End::Lost(format!("read error: {e}")),
                },
                n = self.requests.recv_many(&mut batch, BATCH), if accepting => {
                    if n == 0 {
                        return End::Dropped;
                    }
                    let now = Instant::now();
                    for req in batch.drain(..) {
                        self.enqueue(req, now);
                    }
                }
                r = self.writer.write_buf(&mut self.wbuf), if !self.wbuf.is_empty() => {
                    if let Err(e) = r {
                        return End::Lost(format!("write error: {e}"));
                    }
                }
                () = &mut sleep, if armed.is_some() => {
                    armed = None;
                    let events = &self.events;
                    if self.table.expire(Instant::now(), &mut |m| { let _ = events.send(m); }) {
                        return End::Dead;
                    }
                }
                _ = tick(&mut keepalive) => self.ping(),
            }
        }
    }

    /// Encodes one request into the write buffer and registers it.
    fn enqueue(&mut self, req: Request, now: Instant) {
        let Request {
            msg,
            expect,
            timeout,
            tx,
        } = req;
        if tx.is_closed() {
            return; // The caller gave up before it was sent.
        }
        let before = self.wbuf.len();
        if let Err(e) = codec::encode(&msg, &mut self.wbuf) {
            self.wbuf.truncate(before);
            let _ = tx.send(Err(e.into()));
            return;
        }
        // Put our ActionID before the terminating empty line.
        self.wbuf.truncate(self.wbuf.len() - 2);
        let action = msg.get(keys::ACTION).cloned().unwrap_or_default();
        let id = self
            .table
            .register(action, expect, Waiter::Caller(tx), now + timeout);
        self.table.write_action_id(id, &mut self.wbuf);
        self.wbuf.extend_from_slice(b"\r\n");
    }

    /// Sends a keepalive `Ping`, unless the previous one is still waiting
    /// (its deadline, the action timeout, decides whether the peer is dead).
    fn ping(&mut self) {
        if self.last_ping.is_some_and(|id| self.table.contains(id)) {
            return;
        }
        let deadline = Instant::now() + self.timeout;
        let id = self.table.register(
            Value::from_static("Ping"),
            Expect::Response,
            Waiter::Keepalive,
            deadline,
        );
        self.last_ping = Some(id);
        self.wbuf.extend_from_slice(b"Action: Ping\r\n");
        self.table.write_action_id(id, &mut self.wbuf);
        self.wbuf.extend_from_slice(b"\r\n");
    }

    fn decode_buffered(&mut self) {
        let events = &self.events;
        let publish = &mut |m| {
            let _ = events.send(m);
        };
        loop {
            match self.decoder.decode(&mut self.rbuf) {
                Ok(Some(Frame::Message(m))) => self.table.dispatch(m, publish),
                Ok(Some(Frame::Greeting(_))) => {}
                Ok(None) => return,
                Err(DecodeError::Oversized { limit }) => {
                    tracing::warn!(
                        limit,
                        "skipped an AMI message larger than the maximum message size"
                    );
                }
                Err(e) => tracing::warn!(error = %e, "skipped undecodable AMI input"),
            }
        }
    }

    /// At the end of the stream: a message cut off by the close is not
    /// delivered (it may lack fields, even its ActionID).
    fn discard_tail(&mut self) {
        if !self.rbuf.iter().all(|b| matches!(b, b'\r' | b'\n')) {
            tracing::debug!(
                bytes = self.rbuf.len(),
                "dropped an AMI message cut off by the end of the connection"
            );
        }
        self.rbuf.clear();
    }
}

async fn tick(keepalive: &mut Option<Interval>) {
    match keepalive {
        Some(i) => {
            i.tick().await;
        }
        None => std::future::pending().await,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn md5_key_is_lowercase_hex() {
        let mut md5 = Md5::new();
        md5.update(b"12345");
        md5.update(b"secret");
        let key = hex(&md5.finalize());
        assert_eq!(key, "d6bf7523a8407696bb9448d0d0fecca8");
        assert_eq!(hex(&[0x00, 0xab, 0x0f]), "00ab0f");
    }
}
