//! The driver task: the one owner of the socket.
//!
//! [`establish`] sets a connection up (TCP, greeting, optional MD5 challenge,
//! login) — the single place that does so, so a reconnect can call it again.
//! [`Driver::run`] then multiplexes: it reads into one buffer and decodes with
//! [`Decoder`], routes every message through the [`InFlight`] table it owns
//! (no locks), hands the events of each read to the shared event queue in one
//! batch, drains the request channel in batches (encoding each batch into one
//! write buffer), enforces deadlines and keeps the connection honest:
//!
//! - every action's deadline was fixed when the caller asked;
//! - a peer that leaves what we write unread for longer than the action
//!   timeout is declared dead;
//! - with keepalive on, a `Ping` goes out when the connection has been quiet
//!   for the interval, and the peer is declared dead only when nothing at all
//!   arrives within the timeout after it (a long list streaming items is
//!   alive, even while the `Ping` waits behind it);
//! - after each read it yields, so that on a current-thread runtime the
//!   subscribers run between reads.

use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::Duration;

use bytes::BytesMut;
use md5::{Digest, Md5};
use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt, ReadBuf};
use tokio::net::TcpStream;
use tokio::sync::mpsc;
use tokio::time::Instant;

use crate::client::in_flight::{Expect, InFlight, ReplyTx, Waiter};
use crate::client::{deadline_after, ClientBuilder, EventMask};
use crate::codec::{self, DecodeError, Decoder, Frame, Greeting, Raw};
use crate::error::{Disconnect, Error, Result};
use crate::events::{Item, Reconnected, Shared};
use crate::message::{keys, Message, Text};
use crate::tls::Connector;
use crate::transcript::Tee;

/// Read buffer growth step.
const READ_CHUNK: usize = 64 * 1024;
/// Stop taking requests while this much is waiting to be written.
const WRITE_HIGH_WATER: usize = 1 << 20;
/// Requests taken from the channel per batch.
const BATCH: usize = 256;
/// The longest pause in reading while the event buffer is nearly full.
const CATCH_UP: Duration = Duration::from_millis(20);

/// A request from a client handle.
pub(crate) struct Request {
    pub(crate) msg: Message,
    pub(crate) expect: Expect,
    /// Fixed when the caller asked: time spent queued counts.
    pub(crate) deadline: Instant,
    pub(crate) tx: ReplyTx,
    /// The caller's `ami.action` span; gets the ActionID when sent.
    pub(crate) span: tracing::Span,
}

/// The socket: plain TCP or TLS over it.
enum Stream {
    Tcp(TcpStream),
    #[cfg(feature = "tls")]
    Tls(Box<tokio_rustls::client::TlsStream<TcpStream>>),
    /// Either of the above, recorded in the wire transcript.
    Traced(Box<Tee<Stream>>),
}

impl AsyncRead for Stream {
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<std::io::Result<()>> {
        match self.get_mut() {
            Stream::Tcp(s) => Pin::new(s).poll_read(cx, buf),
            #[cfg(feature = "tls")]
            Stream::Tls(s) => Pin::new(s.as_mut()).poll_read(cx, buf),
            Stream::Traced(s) => Pin::new(s.as_mut()).poll_read(cx, buf),
        }
    }
}

impl AsyncWrite for Stream {
    fn poll_write(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<std::io::Result<usize>> {
        match self.get_mut() {
            Stream::Tcp(s) => Pin::new(s).poll_write(cx, buf),
            #[cfg(feature = "tls")]
            Stream::Tls(s) => Pin::new(s.as_mut()).poll_write(cx, buf),
            Stream::Traced(s) => Pin::new(s.as_mut()).poll_write(cx, buf),
        }
    }

    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        match self.get_mut() {
            Stream::Tcp(s) => Pin::new(s).poll_flush(cx),
            #[cfg(feature = "tls")]
            Stream::Tls(s) => Pin::new(s.as_mut()).poll_flush(cx),
            Stream::Traced(s) => Pin::new(s.as_mut()).poll_flush(cx),
        }
    }

    fn poll_shutdown(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        match self.get_mut() {
            Stream::Tcp(s) => Pin::new(s).poll_shutdown(cx),
            #[cfg(feature = "tls")]
            Stream::Tls(s) => Pin::new(s.as_mut()).poll_shutdown(cx),
            Stream::Traced(s) => Pin::new(s.as_mut()).poll_shutdown(cx),
        }
    }
}

type Reader = Box<dyn AsyncRead + Send + Sync + Unpin>;
type Writer = Box<dyn AsyncWrite + Send + Sync + Unpin>;

impl Stream {
    /// The two halves the driver reads and writes at once (without a lock
    /// for plain TCP).
    fn split(self) -> (Reader, Writer) {
        match self {
            Stream::Tcp(s) => {
                let (r, w) = s.into_split();
                (Box::new(r), Box::new(w))
            }
            #[cfg(feature = "tls")]
            Stream::Tls(s) => {
                let (r, w) = tokio::io::split(*s);
                (Box::new(r), Box::new(w))
            }
            Stream::Traced(s) => {
                let (r, w) = tokio::io::split(*s);
                (Box::new(r), Box::new(w))
            }
        }
    }
}

/// How far connecting got, for a clear error when the time runs out.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Stage {
    Connecting,
    Greeting,
    LoggingIn,
}

/// A connected, logged-in socket.
pub(crate) struct Connection {
    stream: Stream,
    decoder: Decoder,
    buf: BytesMut,
    pub(crate) greeting: Greeting,
}

/// What a connection is set up with, and what a reconnect re-applies: the
/// `Events` setting (the builder's, then the last `Events` action) and the
/// filters sent through the client.
#[derive(Debug, Clone)]
pub(crate) struct Session {
    pub(crate) events: EventMask,
    pub(crate) filters: Vec<Message>,
}

impl Session {
    /// Remembers a successful `Events` or `Filter` action, to re-apply it
    /// after a reconnect (the same filter once, however often it was sent).
    pub(crate) fn record(&mut self, msg: &Message) {
        let Some(action) = msg.get(keys::ACTION) else {
            return;
        };
        let action = action.as_bytes();
        if action.eq_ignore_ascii_case(b"Events") {
            let mask = msg
                .get("EventMask")
                .map(|m| m.to_string_lossy().into_owned())
                .unwrap_or_default();
            self.events = EventMask::from_wire(&mask);
        } else if action.eq_ignore_ascii_case(b"Filter") && !self.filters.contains(msg) {
            self.filters.push(msg.clone());
        }
    }
}

/// How a connection is being set up.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Setup {
    /// The first connection: log in with the `Events` setting; events that
    /// arrive meanwhile go to the event buffer.
    First,
    /// A reconnect: log in with events off and set the filters, so that no
    /// event comes before they are in force; the caller then announces the
    /// gap and has the driver turn events on ([`Driver::events_on`]), so
    /// that no event comes before the notice either.
    Again,
}

/// Connects, reads the greeting and logs in (within `cfg.timeout`). Events
/// that arrive meanwhile go to `events` (bounded like all others).
pub(crate) async fn establish(
    cfg: &ClientBuilder,
    tls: Option<&Connector>,
    prefix: &str,
    session: &Session,
    setup: Setup,
    events: &Shared,
) -> Result<Connection> {
    let deadline = deadline_after(cfg.timeout);
    let mut stage = Stage::Connecting;
    let inner = establish_inner(cfg, tls, prefix, session, setup, events, &mut stage);
    let result = tokio::time::timeout_at(deadline, inner).await;
    let addr = cfg.addr();
    // A deadline that passed waited exactly the timeout (the time measured
    // would say more under load, and the errors document the timeout).
    let waited = cfg.timeout;
    match result {
        Ok(r) => r,
        Err(_) if stage == Stage::Greeting => Err(Error::NoGreeting {
            tls: tls.is_some(),
            addr,
            waited,
        }),
        Err(_) => Err(Error::ConnectTimeout {
            addr,
            waited,
            stage: match stage {
                Stage::Connecting => "connecting",
                Stage::Greeting => "reading the greeting",
                Stage::LoggingIn => "logging in",
            },
        }),
    }
}

async fn establish_inner(
    cfg: &ClientBuilder,
    tls: Option<&Connector>,
    prefix: &str,
    session: &Session,
    setup: Setup,
    events: &Shared,
    stage: &mut Stage,
) -> Result<Connection> {
    let started = Instant::now();
    let tcp = TcpStream::connect((cfg.host.as_str(), cfg.port))
        .await
        .map_err(|cause| Error::Connect {
            addr: cfg.addr(),
            waited: started.elapsed(),
            cause,
        })?;
    tcp.set_nodelay(true)?;
    if let Some(idle) = cfg.tcp_keepalive {
        if let Err(e) = set_tcp_keepalive(&tcp, idle) {
            tracing::debug!(error = %e, "could not set TCP keepalive on the AMI socket");
        }
    }
    let stream = match tls {
        #[cfg(feature = "tls")]
        Some(tls) => Stream::Tls(Box::new(tls.handshake(tcp).await?)),
        #[cfg(not(feature = "tls"))]
        Some(tls) => match *tls {},
        None => Stream::Tcp(tcp),
    };
    let stream = match &cfg.trace {
        Some(t) => {
            t.note(&format!("connected to {}", cfg.addr()));
            Stream::Traced(Box::new(t.tee(stream)))
        }
        None => stream,
    };
    *stage = Stage::Greeting;
    let mut decoder = Decoder::new().with_max_message_size(cfg.max_message_size);
    decoder.set_legacy_command(false);
    let mut conn = Connection {
        stream,
        decoder,
        buf: BytesMut::with_capacity(READ_CHUNK),
        greeting: Greeting::parse(""),
    };
    conn.greeting = conn.read_greeting().await?;
    *stage = Stage::LoggingIn;
    let Some((username, secret)) = &cfg.credentials else {
        return Ok(conn);
    };
    let mut login = Message::action("Login");
    login.append("Username", username.as_str());
    if cfg.md5 {
        let mut challenge = Message::action("Challenge");
        challenge.append("AuthType", "MD5");
        let resp = conn
            .request(challenge, &format!("{prefix}challenge"), events)
            .await?;
        check_login(&resp)?;
        let Some(challenge) = resp.get("Challenge") else {
            return Err(Error::NoChallenge);
        };
        let mut md5 = Md5::new();
        md5.update(challenge.as_bytes());
        md5.update(secret.expose().as_bytes());
        login.append("AuthType", "MD5");
        login.append("Key", format!("{:x}", md5.finalize()));
    } else {
        login.append("Secret", secret.expose());
    }
    let later = setup == Setup::Again && session.events != EventMask::Off;
    login.append(
        "Events",
        if later {
            "off"
        } else {
            session.events.as_wire()
        },
    );
    let resp = conn
        .request(login, &format!("{prefix}login"), events)
        .await?;
    check_login(&resp)?;
    for (n, filter) in session.filters.iter().enumerate() {
        let resp = conn
            .request(filter.clone(), &format!("{prefix}filter-{n}"), events)
            .await?;
        if !is_success(&resp) {
            tracing::warn!(
                filter = ?filter,
                "Asterisk refused a filter re-applied after a reconnect"
            );
        }
    }
    Ok(conn)
}

fn is_success(resp: &Message) -> bool {
    resp.response()
        .is_some_and(|r| r.as_bytes().eq_ignore_ascii_case(b"Success"))
}

/// Turns TCP keepalive on: probes after `idle` without traffic, then every
/// 10 s (or `idle` if shorter); capped at the kernel's 32,767 s.
fn set_tcp_keepalive(stream: &TcpStream, idle: Duration) -> std::io::Result<()> {
    let idle = idle.clamp(Duration::from_secs(1), Duration::from_secs(32_767));
    let probes = socket2::TcpKeepalive::new()
        .with_time(idle)
        .with_interval(idle.min(Duration::from_secs(10)));
    socket2::SockRef::from(stream).set_tcp_keepalive(&probes)
}

fn check_login(resp: &Message) -> Result<()> {
    if is_success(resp) {
        return Ok(());
    }
    let message = resp
        .get(keys::MESSAGE)
        .map(|m| m.to_string_lossy().into_owned())
        .unwrap_or_else(|| "login refused".to_owned());
    Err(Error::Auth { message })
}

impl Connection {
    async fn fill(&mut self) -> Result<()> {
        self.buf.reserve(READ_CHUNK);
        if self.stream.read_buf(&mut self.buf).await? == 0 {
            return Err(Error::Disconnected {
                reason: Disconnect::ClosedWhileLoggingIn,
            });
        }
        Ok(())
    }

    async fn read_greeting(&mut self) -> Result<Greeting> {
        loop {
            match self.decoder.decode(&mut self.buf) {
                Ok(Some(Frame::Greeting(g))) => return Ok(g),
                Ok(Some(Frame::Message(m))) => {
                    let line = m
                        .field(0)
                        .map(|f| format!("{}: {}", f.key(), f.value().to_string_lossy()))
                        .unwrap_or_default();
                    return Err(Error::BadGreeting { line });
                }
                Ok(None) => self.fill().await?,
                Err(DecodeError::BadGreeting { line }) => {
                    return Err(Error::BadGreeting { line });
                }
                Err(e @ DecodeError::Oversized { .. }) => {
                    return Err(Error::BadGreeting {
                        line: e.to_string(),
                    });
                }
            }
        }
    }

    /// Sends one action during setup and waits for its response; events
    /// read meanwhile are published to `events`, one batch per read.
    async fn request(
        &mut self,
        mut msg: Message,
        action_id: &str,
        events: &Shared,
    ) -> Result<Message> {
        msg.append(keys::ACTION_ID, action_id);
        let mut out = BytesMut::new();
        codec::encode(&msg, &mut out)?;
        self.stream.write_all(&out).await?;
        let mut batch = Vec::new();
        loop {
            match self.decoder.decode(&mut self.buf) {
                Ok(Some(Frame::Message(m))) => match m.response() {
                    Some(_) if m.action_id().is_some_and(|id| *id == *action_id) => {
                        events.publish(&mut batch);
                        return Ok(m);
                    }
                    Some(_) => {}
                    None => batch.push(Item::Message(m)),
                },
                Ok(Some(Frame::Greeting(_))) => {}
                Ok(None) => {
                    events.publish(&mut batch);
                    self.fill().await?;
                }
                Err(e) => tracing::warn!(error = %e, "skipped an AMI message while logging in"),
            }
        }
    }
}

/// Why a connection ended.
#[derive(Debug)]
pub(crate) enum End {
    /// The peer closed, or an I/O error.
    Lost(Disconnect),
    /// Declared dead ([`Disconnect::KeepaliveUnanswered`],
    /// [`Disconnect::PeerStoppedReading`]).
    Dead(Disconnect),
    /// Every client handle was dropped.
    Dropped,
}

impl End {
    pub(crate) fn reason(&self) -> Disconnect {
        match self {
            End::Lost(reason) | End::Dead(reason) => reason.clone(),
            End::Dropped => Disconnect::HandlesDropped,
        }
    }

    /// The error pending actions fail with.
    pub(crate) fn error(&self) -> Error {
        match self {
            End::Dead(_) => Error::DeadConnection,
            _ => Error::Disconnected {
                reason: self.reason(),
            },
        }
    }
}

/// The task state of one connection.
pub(crate) struct Driver {
    reader: Reader,
    writer: Writer,
    decoder: Decoder,
    rbuf: BytesMut,
    wbuf: BytesMut,
    table: InFlight,
    /// Events of the current read, published together.
    batch: Vec<Item>,
    shared: Arc<Shared>,
    keepalive: Option<Duration>,
    timeout: Duration,
    /// When the last byte arrived.
    last_rx: Instant,
    /// The outstanding keepalive `Ping` and when it was sent.
    ping: Option<(u64, Instant)>,
    /// When the next keepalive `Ping` is due.
    next_ping: Option<Instant>,
    /// Since when bytes have waited in `wbuf` without any being written.
    write_waiting_since: Option<Instant>,
    /// A `Logoff` was sent: the end of this connection is the end.
    pub(crate) logged_off: bool,
    /// The wire transcript, if one is written.
    trace: Option<crate::transcript::Transcript>,
    /// After a reconnect: the gap's notice, held until events flow again
    /// (the answer to the `Events` action with this id), so that the gap
    /// ends where the events start and not a round trip earlier.
    notice: Option<(u64, Reconnected)>,
}

impl Driver {
    pub(crate) fn new(
        conn: Connection,
        cfg: &ClientBuilder,
        prefix: String,
        shared: Arc<Shared>,
    ) -> Self {
        let (reader, writer) = conn.stream.split();
        let now = Instant::now();
        Driver {
            reader,
            writer,
            decoder: conn.decoder,
            rbuf: conn.buf,
            wbuf: BytesMut::with_capacity(16 * 1024),
            table: InFlight::new(prefix, cfg.max_list_items),
            batch: Vec::new(),
            shared,
            keepalive: cfg.keepalive,
            timeout: cfg.timeout,
            last_rx: now,
            ping: None,
            next_ping: cfg.keepalive.and_then(|p| now.checked_add(p)),
            write_waiting_since: None,
            logged_off: false,
            trace: cfg.trace.clone(),
            notice: None,
        }
    }

    /// Publishes the held gap notice once its `Events` action is answered
    /// (or given up on), ending the gap now; `force` publishes it anyway
    /// (the connection ended first).
    fn release_notice(
        notice: &mut Option<(u64, Reconnected)>,
        table: &InFlight,
        batch: &mut Vec<Item>,
        force: bool,
    ) {
        if notice
            .as_ref()
            .is_some_and(|(id, _)| force || !table.contains(*id))
        {
            if let Some((_, mut n)) = notice.take() {
                n.up_at = std::time::SystemTime::now();
                batch.push(Item::Notice(Box::new(n)));
            }
        }
    }

    /// After the connection ended: fails every action pending on it, and
    /// those still queued, with the error of `end` (nothing is re-sent);
    /// hands what partial lists had collected to the event streams; closes
    /// the socket.
    pub(crate) async fn finish(&mut self, end: &End, requests: &mut mpsc::Receiver<Request>) {
        tracing::debug!(reason = %end.reason(), pending = self.table.len(), "AMI connection ended");
        while let Ok(req) = requests.try_recv() {
            let _ = req.tx.send(Err(end.error()));
        }
        let batch = &mut self.batch;
        Driver::release_notice(&mut self.notice, &self.table, batch, true);
        self.table
            .fail_all(|| end.error(), &mut |m| batch.push(Item::Message(m)));
        self.shared.publish(&mut self.batch);
        // Not waiting on a peer that stopped reading.
        let _ = tokio::time::timeout(Duration::from_millis(100), self.writer.shutdown()).await;
        if let Some(t) = &self.trace {
            t.note(&format!("connection ended: {}", end.reason()));
        }
    }

    /// The earliest time something must be checked.
    fn next_wake(&mut self) -> Option<Instant> {
        let liveness = self
            .ping
            .and_then(|(_, sent)| sent.max(self.last_rx).checked_add(self.timeout));
        let stall = self
            .write_waiting_since
            .and_then(|t| t.checked_add(self.timeout));
        [self.table.next_deadline(), self.next_ping, liveness, stall]
            .into_iter()
            .flatten()
            .min()
    }

    /// Runs the connection until it ends.
    pub(crate) async fn serve(&mut self, requests: &mut mpsc::Receiver<Request>) -> End {
        self.decode_buffered();
        self.shared.publish(&mut self.batch);
        let sleep = tokio::time::sleep_until(Instant::now());
        tokio::pin!(sleep);
        let mut armed: Option<Instant> = None;
        let mut taken = Vec::with_capacity(BATCH);
        loop {
            let next = self.next_wake();
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
                        return End::Lost(Disconnect::ClosedByPeer);
                    }
                    Ok(_) => {
                        self.last_rx = Instant::now();
                        self.decode_buffered();
                        if self.shared.publish(&mut self.batch) {
                            self.let_subscribers_catch_up().await;
                        } else {
                            // Let the subscribers run, also on a
                            // current-thread runtime.
                            tokio::task::yield_now().await;
                        }
                    }
                    // A TLS peer that closes without `close_notify` (Asterisk
                    // does, on restart) has closed all the same.
                    Err(e) if e.kind() == std::io::ErrorKind::UnexpectedEof => {
                        self.discard_tail();
                        return End::Lost(Disconnect::ClosedByPeer);
                    }
                    Err(e) => return End::Lost(Disconnect::io(false, &e)),
                },
                n = requests.recv_many(&mut taken, BATCH), if accepting => {
                    if n == 0 {
                        return End::Dropped;
                    }
                    let now = Instant::now();
                    for req in taken.drain(..) {
                        self.enqueue(req, now);
                    }
                    self.wrote(false);
                }
                r = self.writer.write_buf(&mut self.wbuf), if !self.wbuf.is_empty() => {
                    match r {
                        Ok(_) => self.wrote(true),
                        Err(e) => return End::Lost(Disconnect::io(true, &e)),
                    }
                }
                () = &mut sleep, if armed.is_some() => {
                    armed = None;
                    if let Some(end) = self.on_timer(Instant::now()) {
                        return end;
                    }
                    self.shared.publish(&mut self.batch);
                }
            }
        }
    }

    /// The buffer is a quarter full: pause reading for a moment (at
    /// most [`CATCH_UP`]) so that subscribers, which may share the cores
    /// with this task and with the peer, can catch up while the kernel's
    /// socket buffers absorb the burst. Asterisk waits 100 ms (its
    /// `writetimeout`) for a client to read before it gives up on it, so
    /// the pause stays well below that; past it the reader goes on and the
    /// oldest events are dropped if the buffer overflows.
    async fn let_subscribers_catch_up(&self) {
        let until = Instant::now() + CATCH_UP;
        while self.shared.is_high() && Instant::now() < until {
            tokio::time::sleep(Duration::from_millis(1)).await;
        }
    }

    /// Keeps `write_waiting_since` current after adding to (`progress` false)
    /// or writing from (`progress` true) the write buffer.
    fn wrote(&mut self, progress: bool) {
        if self.wbuf.is_empty() {
            self.write_waiting_since = None;
        } else if progress || self.write_waiting_since.is_none() {
            self.write_waiting_since = Some(Instant::now());
        }
    }

    /// Deadlines, keepalive and the two dead-peer checks.
    fn on_timer(&mut self, now: Instant) -> Option<End> {
        let batch = &mut self.batch;
        self.table
            .expire(now, &mut |m| batch.push(Item::Message(m)));
        Driver::release_notice(&mut self.notice, &self.table, batch, false);
        if self
            .write_waiting_since
            .and_then(|t| t.checked_add(self.timeout))
            .is_some_and(|at| at <= now)
        {
            return Some(End::Dead(Disconnect::PeerStoppedReading));
        }
        if let Some((id, sent)) = self.ping {
            if !self.table.contains(id) {
                self.ping = None; // answered
            } else if sent
                .max(self.last_rx)
                .checked_add(self.timeout)
                .is_some_and(|at| at <= now)
            {
                return Some(End::Dead(Disconnect::KeepaliveUnanswered));
            }
        }
        if self.next_ping.is_some_and(|at| at <= now) {
            let period = self.keepalive.unwrap_or(Duration::MAX);
            // Quiet connections only: traffic proves the peer alive.
            let quiet_since = self.last_rx.max(self.ping.map_or(self.last_rx, |(_, t)| t));
            match quiet_since.checked_add(period) {
                Some(due) if due > now => self.next_ping = Some(due),
                _ => {
                    if self.ping.is_none() {
                        self.send_ping(now);
                    }
                    self.next_ping = now.checked_add(period);
                }
            }
        }
        None
    }

    /// Encodes one request into the write buffer and registers it.
    fn enqueue(&mut self, req: Request, now: Instant) {
        let Request {
            msg,
            expect,
            deadline,
            tx,
            span,
        } = req;
        if tx.is_closed() {
            return; // The caller gave up before it was sent.
        }
        if deadline <= now {
            let action = msg
                .get(keys::ACTION)
                .map(|a| a.to_string_lossy().into_owned());
            let _ = tx.send(Err(Error::Timeout {
                action: action.unwrap_or_default(),
            }));
            return;
        }
        if msg
            .get(keys::ACTION)
            .is_some_and(|a| a.as_bytes().eq_ignore_ascii_case(b"Logoff"))
        {
            self.logged_off = true;
        }
        match self.write_action(&msg, expect, Waiter::Caller(tx), deadline) {
            Ok(id) => {
                span.record("action_id", self.table.action_id(id).as_str());
            }
            Err((e, Waiter::Caller(tx))) => {
                let _ = tx.send(Err(e.into()));
            }
            Err(_) => {}
        }
    }

    /// Encodes `msg` into the write buffer with our ActionID before its
    /// terminating empty line, and registers it for `waiter`. Nothing is
    /// written when it cannot be encoded (the waiter comes back).
    fn write_action(
        &mut self,
        msg: &Message,
        expect: Expect,
        waiter: Waiter,
        deadline: Instant,
    ) -> std::result::Result<u64, (codec::EncodeError, Waiter)> {
        let before = self.wbuf.len();
        if let Err(e) = codec::encode(msg, &mut self.wbuf) {
            self.wbuf.truncate(before);
            return Err((e, waiter));
        }
        self.wbuf.truncate(self.wbuf.len() - 2);
        let action = msg
            .get(keys::ACTION)
            .map(Text::to_value)
            .unwrap_or_default();
        let id = self.table.register(action, expect, waiter, deadline);
        self.table.write_action_id(id, &mut self.wbuf);
        self.wbuf.extend_from_slice(b"\r\n");
        Ok(id)
    }

    /// After a reconnect (logged in with events off, filters set): sends
    /// `Events` with the session's mask, before any action a caller asks,
    /// and publishes the gap's `notice` when it is answered: from then on
    /// events flow, so that is where the gap ends.
    pub(crate) fn events_on(&mut self, session: &Session, notice: Reconnected) {
        let id = if session.events == EventMask::Off {
            None
        } else {
            let mut on = Message::action("Events");
            on.append("EventMask", session.events.as_wire());
            self.send_internal(&on, deadline_after(self.timeout))
        };
        match id {
            Some(id) => self.notice = Some((id, notice)),
            None => {
                self.batch.push(Item::Notice(Box::new(notice)));
                self.shared.publish(&mut self.batch);
            }
        }
    }

    /// Sends a keepalive `Ping`; its answer (or any traffic) proves the peer
    /// alive.
    fn send_ping(&mut self, now: Instant) {
        let id = self.send_internal(&Message::action("Ping"), deadline_after(Duration::MAX));
        self.ping = id.map(|id| (id, now));
    }

    /// Writes an action of the driver's own, whose answer goes to no one;
    /// its id, unless it could not be encoded.
    fn send_internal(&mut self, msg: &Message, deadline: Instant) -> Option<u64> {
        match self.write_action(msg, Expect::Response, Waiter::Internal, deadline) {
            Ok(id) => {
                self.wrote(false);
                Some(id)
            }
            Err((e, _)) => {
                tracing::warn!(error = %e, "an internal AMI action could not be encoded");
                None
            }
        }
    }

    /// Decodes what was read. An event no pending action can claim goes to
    /// the event buffer as its bytes (the subscriber that takes it makes
    /// the message); everything else becomes a message here and goes
    /// through the in-flight table.
    fn decode_buffered(&mut self) {
        let batch = &mut self.batch;
        loop {
            // Legacy command output only when we asked for some.
            self.decoder
                .set_legacy_command(self.table.has_pending_command());
            match self.decoder.decode_raw(&mut self.rbuf) {
                Ok(Some(Raw::Message(frame))) => {
                    let lines = self.decoder.lines();
                    let event = is_event(&frame, lines);
                    if event && tracing::enabled!(tracing::Level::TRACE) {
                        let (s, e) = lines[0];
                        let name = &frame[s as usize + 6..e as usize];
                        tracing::trace!(event = %String::from_utf8_lossy(name.trim_ascii()), bytes = frame.len(), "event");
                    }
                    if event && !self.table.may_claim(&frame, lines) {
                        batch.push(Item::Frame(frame));
                    } else {
                        let m = Message::from_frame(&frame, lines);
                        self.table
                            .dispatch(m, &mut |m| batch.push(Item::Message(m)));
                        if self.notice.is_some() {
                            Driver::release_notice(&mut self.notice, &self.table, batch, false);
                        }
                    }
                }
                Ok(Some(Raw::Parsed(m))) => {
                    self.table
                        .dispatch(m, &mut |m| batch.push(Item::Message(m)));
                    if self.notice.is_some() {
                        Driver::release_notice(&mut self.notice, &self.table, batch, false);
                    }
                }
                Ok(Some(Raw::Greeting(_))) => {}
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

/// Whether a frame (its first line) is an event.
fn is_event(frame: &[u8], lines: &[(u32, u32)]) -> bool {
    lines.first().is_some_and(|&(s, e)| {
        let line = &frame[s as usize..e as usize];
        line.len() >= 6 && line[..6].eq_ignore_ascii_case(b"Event:")
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn tcp_keepalive_is_set_on_the_socket_whatever_the_interval() {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        for idle in [Duration::ZERO, Duration::from_secs(60), Duration::MAX] {
            let stream = TcpStream::connect(addr).await.unwrap();
            let sock = socket2::SockRef::from(&stream);
            assert!(!sock.keepalive().unwrap());
            set_tcp_keepalive(&stream, idle).unwrap();
            assert!(sock.keepalive().unwrap(), "{idle:?}");
        }
    }

    #[test]
    fn md5_key_is_lowercase_hex() {
        let mut md5 = Md5::new();
        md5.update(b"12345");
        md5.update(b"secret");
        let key = format!("{:x}", md5.finalize());
        assert_eq!(key, "d6bf7523a8407696bb9448d0d0fecca8");
    }
}
