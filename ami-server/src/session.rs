//! One client connection: the greeting, reading and decoding actions,
//! authentication (`Login`, `Challenge`, `Logoff`), the per-session event
//! mask, and turning replies into bytes for the writer.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};

use bytes::{Bytes, BytesMut};
use md5::{Digest, Md5};
use tokio::io::{AsyncRead, AsyncReadExt};
use tokio::net::TcpStream;
use tokio::sync::{mpsc, watch};

use super::writer::{self, Out, Socket as Writer};
use super::{lock, until_set, Hub};
use ami_core::codec::{self, Decoder, Frame};
use ami_core::filter::{EventFilter, Match};
use ami_core::message::{keys, Message};
use ami_wire::classes::Classes;

/// Which events a session receives (`Events` action, `Events` on `Login`,
/// the account's `read=`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct EventMask(Classes);

impl EventMask {
    /// Every event.
    pub(super) const ALL: EventMask = EventMask(Classes::All);

    /// Reads a setting: on, off (in Asterisk's words) or a class list such
    /// as `call,system`.
    pub(super) fn parse(s: &str) -> EventMask {
        EventMask(Classes::parse(s))
    }

    /// Whether an event with this message's `Privilege` passes (one
    /// without a `Privilege` passes unless events are off).
    fn allows(&self, event: &Message) -> bool {
        match event.get_str(keys::PRIVILEGE) {
            Some(privilege) => self.0.allows(privilege),
            None => self.is_on(),
        }
    }

    pub(super) fn is_on(&self) -> bool {
        self.0 != Classes::None
    }
}

/// The part of a session the hub sees: its outgoing queue, whether it is
/// logged in, its event mask, and the switch that closes it.
#[derive(Debug)]
pub(super) struct SessionShared {
    pub(super) id: u64,
    tx: mpsc::Sender<Out>,
    pub(super) logged_in: AtomicBool,
    mask: Mutex<EventMask>,
    /// The account's `read=` classes.
    read: EventMask,
    /// The session's `Filter`s: (excludes, pattern), matched against an
    /// event's text as Asterisk matches them.
    filters: Mutex<Vec<SessionFilter>>,
    has_filters: AtomicBool,
    kill: Arc<watch::Sender<bool>>,
}

impl SessionShared {
    /// Queues output for the writer. A client that lets
    /// [`ServerConfig::write_queue`](super::ServerConfig::write_queue)
    /// messages pile up is disconnected, as Asterisk disconnects a client
    /// that does not read.
    pub(super) fn send(&self, out: Out) {
        if let Err(mpsc::error::TrySendError::Full(_)) = self.tx.try_send(out) {
            tracing::debug!("ami server: session {} does not read; closing it", self.id);
            self.kill();
        }
    }

    /// Closes the connection now.
    pub(super) fn kill(&self) {
        self.kill.send_replace(true);
    }

    /// Whether this session receives `event` (`encoded` is its wire text)
    /// now: logged in, allowed by the event mask and by the filters (when
    /// any include one is set, the event must match one; it must match no
    /// exclude one, those starting with `!`).
    pub(super) fn wants(&self, event: &Message, encoded: &[u8]) -> bool {
        if !self.logged_in.load(Ordering::Acquire)
            || !lock(&self.mask).allows(event)
            || !self.read.allows(event)
        {
            return false;
        }
        if !self.has_filters.load(Ordering::Acquire) {
            return true;
        }
        let text = String::from_utf8_lossy(encoded);
        let filters = lock(&self.filters);
        let mut includes = filters.iter().filter(|f| !f.filter.is_exclude()).peekable();
        let included = includes.peek().is_none() || includes.any(|f| f.matches(event, &text));
        included
            && !filters
                .iter()
                .any(|f| f.filter.is_exclude() && f.matches(event, &text))
    }

    /// Adds a `Filter` as Asterisk 22 reads it: `MatchCriteria` (the
    /// advanced form) and `Filter` (a regular expression in the legacy
    /// form; a leading `!` excludes). The error is Asterisk's message.
    pub(super) fn add_filter(
        &self,
        criteria: Option<&str>,
        filter: &str,
    ) -> Result<(), &'static str> {
        const FORMAT: &str =
            "Filter was formatted incorrectly.  Check the syntax of the filter given.";
        let filter = EventFilter::parse(criteria, filter).map_err(|_| FORMAT)?;
        let re =
            match filter.match_rule() {
                Some(Match::Regex(p)) => Some(regex_lite::Regex::new(p).map_err(|_| {
                    "Filter did not compile.  Check the syntax of the filter given."
                })?),
                _ => None,
            };
        lock(&self.filters).push(SessionFilter { filter, re });
        self.has_filters.store(true, Ordering::Release);
        Ok(())
    }

    fn events_on(&self) -> bool {
        lock(&self.mask).is_on()
    }

    pub(super) fn set_mask(&self, mask: EventMask) {
        *lock(&self.mask) = mask;
    }
}

/// A filter of a session, with its regular expression compiled.
#[derive(Debug)]
struct SessionFilter {
    filter: EventFilter,
    re: Option<regex_lite::Regex>,
}

impl SessionFilter {
    /// Whether `event` (`text` is its wire text) matches, as Asterisk
    /// decides: the name exactly, the header present, then the pattern
    /// against the header's value or the whole text.
    fn matches(&self, event: &Message, text: &str) -> bool {
        let f = &self.filter;
        if let Some(name) = f.event_name() {
            if event.event_name().is_none_or(|n| n != name) {
                return false;
            }
        }
        let value;
        let subject = match f.header_name() {
            Some(h) => match event.get(h) {
                Some(v) => {
                    value = v.to_string_lossy();
                    &*value
                }
                None => return false,
            },
            None => text,
        };
        match (f.match_rule(), &self.re) {
            (None, _) => true,
            (Some(_), Some(re)) => re.is_match(subject),
            (Some(m), None) => m.matches_text(subject).unwrap_or(false),
        }
    }
}

/// One part of a reply.
#[derive(Debug)]
pub(super) enum Part {
    /// A message.
    Msg(Message),
    /// A legacy `Response: Follows` command reply: its head and output lines.
    Legacy(Message, Vec<String>),
}

/// Everything answering one action.
#[derive(Debug)]
pub(super) struct Reply {
    pub(super) parts: Vec<Part>,
    /// Whether this is an event list (unrelated events may be put inside).
    pub(super) list: bool,
}

impl Reply {
    pub(super) fn one(msg: Message) -> Reply {
        Reply {
            parts: vec![Part::Msg(msg)],
            list: false,
        }
    }

    pub(super) fn list(response: Message, items: Vec<Message>, complete: Message) -> Reply {
        let mut parts = Vec::with_capacity(items.len() + 2);
        parts.push(Part::Msg(response));
        parts.extend(items.into_iter().map(Part::Msg));
        parts.push(Part::Msg(complete));
        Reply { parts, list: true }
    }
}

/// Whether to go on reading after an action.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Flow {
    Continue,
    Close,
}

/// A connection's reading side and its login state.
pub(super) struct Session {
    pub(super) hub: Arc<Hub>,
    pub(super) shared: Arc<SessionShared>,
    pub(super) killed: watch::Receiver<bool>,
    challenge: Option<String>,
    /// Unrelated events put into lists so far (numbers them).
    noise: usize,
}

/// The reading half of a connection, plain or TLS.
pub(super) type Reader = Box<dyn AsyncRead + Send + Sync + Unpin>;

/// Serves one accepted connection (after the TLS handshake when the server
/// speaks TLS) until it closes.
pub(super) async fn accept(hub: Arc<Hub>, stream: TcpStream) {
    let _ = stream.set_nodelay(true);
    #[cfg(feature = "tls")]
    if let Some(config) = &hub.config.tls {
        let acceptor = tokio_rustls::TlsAcceptor::from(Arc::clone(config));
        let handshake = acceptor.accept(stream);
        match tokio::time::timeout(std::time::Duration::from_secs(10), handshake).await {
            Ok(Ok(tls)) => {
                let (rd, wr) = tokio::io::split(tls);
                run(hub, Box::new(rd), Box::new(wr)).await;
            }
            Ok(Err(e)) => tracing::debug!("ami server: TLS handshake failed: {e}"),
            Err(_) => tracing::debug!("ami server: no TLS handshake within 10 s"),
        }
        return;
    }
    let (rd, wr) = stream.into_split();
    run(hub, Box::new(rd), Box::new(wr)).await;
}

/// Serves one connection until it closes.
async fn run(hub: Arc<Hub>, rd: Reader, wr: Writer) {
    let (tx, rx) = mpsc::channel(hub.config.write_queue.max(16));
    let kill = Arc::new(watch::channel(false).0);
    let shared = Arc::new(SessionShared {
        id: hub.next_session_id(),
        tx,
        logged_in: AtomicBool::new(false),
        mask: Mutex::new(EventMask::ALL),
        read: EventMask::parse(&hub.config.read_permissions),
        filters: Mutex::new(Vec::new()),
        has_filters: AtomicBool::new(false),
        kill: Arc::clone(&kill),
    });
    let killed = kill.subscribe();
    tokio::spawn(writer::write_loop(wr, rx, hub.config.faults.clone(), kill));
    let greeting = format!("Asterisk Call Manager/{}\r\n", hub.config.version);
    shared.send(Out::Raw(Bytes::from(greeting)));
    hub.register(Arc::clone(&shared));
    let id = shared.id;
    let mut session = Session {
        hub: Arc::clone(&hub),
        shared,
        killed,
        challenge: None,
        noise: 0,
    };
    session.read_loop(rd).await;
    hub.unregister(id);
}

impl Session {
    async fn read_loop(&mut self, mut rd: Reader) {
        let mut decoder =
            Decoder::without_greeting().with_max_message_size(self.hub.config.max_message_size);
        let mut buf = BytesMut::with_capacity(8 * 1024);
        loop {
            buf.reserve(8 * 1024);
            tokio::select! {
                biased;
                _ = until_set(&mut self.killed) => return,
                read = rd.read_buf(&mut buf) => match read {
                    Ok(0) | Err(_) => return,
                    Ok(_) => {}
                },
            }
            loop {
                match decoder.decode(&mut buf) {
                    Ok(Some(Frame::Message(msg))) => {
                        if self.handle(msg).await == Flow::Close {
                            return;
                        }
                    }
                    Ok(Some(Frame::Greeting(_))) => {}
                    Ok(None) => break,
                    Err(e) => tracing::debug!("ami server: session {}: {e}", self.shared.id),
                }
            }
        }
    }

    /// Answers one message from the client.
    async fn handle(&mut self, req: Message) -> Flow {
        let action = req
            .get(keys::ACTION)
            .map(|v| v.to_string_lossy().trim().to_owned())
            .unwrap_or_default();
        if action.is_empty() {
            self.send(Reply::one(error(&req, "Missing action in request")));
            return Flow::Continue;
        }
        self.hub.received(&action);
        let name = action.to_ascii_lowercase();
        match name.as_str() {
            "login" => return self.login(&req),
            "challenge" => self.challenge(&req),
            "logoff" => {
                let mut m = response(&req, "Goodbye");
                m.append(keys::MESSAGE, "Thanks for all the fish.");
                self.send(Reply::one(m));
                self.shared.send(Out::Close);
                return Flow::Close;
            }
            _ if !self.logged_in() => self.send(Reply::one(error(&req, "Permission denied"))),
            _ => return self.dispatch(&name, &action, &req).await,
        }
        Flow::Continue
    }

    pub(super) fn logged_in(&self) -> bool {
        self.shared.logged_in.load(Ordering::Acquire)
    }

    fn login(&mut self, req: &Message) -> Flow {
        if self.logged_in() {
            self.send(Reply::one(success(req, "Already authenticated")));
            return Flow::Continue;
        }
        let config = &self.hub.config;
        let user_ok = req.get("Username").is_some_and(|u| *u == config.username);
        let md5 = req
            .get("AuthType")
            .is_some_and(|t| t.as_bytes().eq_ignore_ascii_case(b"md5"));
        let secret_ok = if md5 {
            match (&self.challenge, req.get("Key")) {
                (Some(challenge), Some(key)) => {
                    let expected = md5_hex(challenge, &config.secret);
                    key.as_bytes().eq_ignore_ascii_case(expected.as_bytes())
                }
                _ => false,
            }
        } else {
            req.get("Secret").is_some_and(|s| *s == config.secret)
        };
        if !(user_ok && secret_ok) {
            self.send(Reply::one(error(req, "Authentication failed")));
            self.shared.send(Out::Close);
            return Flow::Close;
        }
        if let Some(events) = req.get("Events") {
            self.shared
                .set_mask(EventMask::parse(&events.to_string_lossy()));
        }
        self.send(Reply::one(success(req, "Authentication accepted")));
        self.shared.logged_in.store(true, Ordering::Release);
        let mut booted = Message::with_capacity(5);
        booted.append(keys::EVENT, "FullyBooted");
        booted.append(keys::PRIVILEGE, "system,all");
        let uptime = self.hub.world().uptime_secs();
        booted.append("Uptime", uptime);
        booted.append("LastReload", uptime);
        booted.append("Status", "Fully Booted");
        self.send_event(&booted);
        Flow::Continue
    }

    fn challenge(&mut self, req: &Message) {
        let md5 = req
            .get("AuthType")
            .is_some_and(|t| t.as_bytes().eq_ignore_ascii_case(b"md5"));
        if !md5 {
            self.send(Reply::one(error(req, "Must specify AuthType")));
            return;
        }
        let challenge = self
            .challenge
            .get_or_insert_with(|| format!("{}", self.hub.world().random() % 1_000_000_000))
            .clone();
        let mut m = response(req, "Success");
        m.append("Challenge", challenge);
        self.send(Reply::one(m));
    }

    /// Sends one event to this session only, when its mask lets it through.
    pub(super) fn send_event(&self, event: &Message) {
        let mut buf = BytesMut::new();
        if codec::encode(event, &mut buf).is_ok() && self.shared.wants(event, &buf) {
            self.shared.send(Out::Event(buf.freeze()));
        }
    }

    /// Encodes a reply (with unrelated events inside lists when that fault
    /// is on) and queues it.
    pub(super) fn send(&mut self, reply: Reply) {
        let interleave = reply.list
            && self.hub.config.faults.interleave_events_in_lists
            && self.shared.events_on();
        let mut out = Vec::with_capacity(reply.parts.len() * if interleave { 2 } else { 1 });
        for (i, part) in reply.parts.into_iter().enumerate() {
            if interleave && i > 0 {
                let noise = writer::noise_event(self.noise);
                self.noise += 1;
                if let Some(bytes) = encode(&Part::Msg(noise)) {
                    out.push(bytes);
                }
            }
            if let Some(bytes) = encode(&part) {
                out.push(bytes);
            }
        }
        self.shared.send(Out::Reply(out));
    }
}

fn encode(part: &Part) -> Option<Bytes> {
    let mut buf = BytesMut::new();
    let res = match part {
        Part::Msg(m) => codec::encode(m, &mut buf),
        Part::Legacy(head, lines) => {
            let lines: Vec<&str> = lines.iter().map(String::as_str).collect();
            codec::encode_legacy_command(head, &lines, &mut buf)
        }
    };
    match res {
        Ok(()) => Some(buf.freeze()),
        Err(e) => {
            tracing::debug!("ami server: reply not sent: {e}");
            None
        }
    }
}

/// `hex(md5(challenge + secret))`, the `Key` of an MD5 `Login`.
fn md5_hex(challenge: &str, secret: &str) -> String {
    let mut h = Md5::new();
    h.update(challenge.as_bytes());
    h.update(secret.as_bytes());
    format!("{:x}", h.finalize())
}

/// `Response: <status>` and the request's `ActionID`, when it has one.
pub(super) fn response(req: &Message, status: &str) -> Message {
    let mut m = Message::with_capacity(4);
    m.append(keys::RESPONSE, status.to_owned());
    if let Some(id) = req.action_id() {
        m.append(keys::ACTION_ID, id);
    }
    m
}

/// `Response: Success` with a `Message`.
pub(super) fn success(req: &Message, message: &str) -> Message {
    let mut m = response(req, "Success");
    m.append(keys::MESSAGE, message.to_owned());
    m
}

/// `Response: Error` with a `Message`.
pub(super) fn error(req: &Message, message: &str) -> Message {
    let mut m = response(req, "Error");
    m.append(keys::MESSAGE, message.to_owned());
    m
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn md5_key_matches_asterisk() {
        // echo -n "123456789amp111" | md5sum
        assert_eq!(
            md5_hex("123456789", "amp111"),
            "6fed7eef73cdf742ebf1eaa33fc1eb33"
        );
    }

    #[test]
    fn event_mask() {
        let ev: Message = [("Event", "Newchannel"), ("Privilege", "call,all")]
            .into_iter()
            .collect();
        assert!(EventMask::parse("on").allows(&ev));
        assert!(!EventMask::parse("off").allows(&ev));
        assert!(EventMask::parse("system,call").allows(&ev));
        assert!(!EventMask::parse("system").allows(&ev));
    }
}
