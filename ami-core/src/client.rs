//! The async client: [`ClientBuilder`] → [`Client`] + [`EventStream`].
//!
//! A [`Client`] is a cheap, cloneable handle to one driver task that owns the
//! socket (the redis-rs multiplexed model). Any number of actions may be in
//! flight at once from any number of clones; each gets a unique `ActionID`
//! and its answer is matched by it, in whatever order answers arrive. Events
//! not consumed by a pending action (list items are) go to every
//! [`EventStream`].
//!
//! ```no_run
//! # async fn demo() -> ami_core::Result<()> {
//! use ami_core::{Client, Message};
//!
//! let (client, mut events) = Client::connect_untyped("ami://admin:amp111@127.0.0.1:5038").await?;
//! let pong = client.send_message(Message::action("Ping")).await?;
//! assert_eq!(pong.response.get("Ping").unwrap(), "Pong");
//!
//! let lines = client.command("core show version").await?;
//! println!("{}", lines[0]);
//!
//! let channels = client.send_message(Message::action("CoreShowChannels")).await?;
//! println!("{} channels", channels.items.len());
//!
//! while let Ok(event) = events.recv().await {
//!     println!("{:?}", event.event_name());
//! }
//! client.close().await?;
//! # Ok(())
//! # }
//! ```
//!
//! A client that survives a restarting PBX, over TLS:
//!
//! ```no_run
//! # async fn demo() -> ami_core::Result<()> {
//! use ami_core::client::Reconnect;
//! use ami_core::{ClientBuilder, StreamError};
//!
//! let ca = std::fs::read("/etc/asterisk/keys/ca.crt")?;
//! let (client, mut events) = ClientBuilder::from_url("amis://admin:amp111@pbx.example.org")?
//!     .tls_ca_pem(ca)
//!     .reconnect(Some(Reconnect::default()))
//!     .connect_untyped()
//!     .await?;
//! client.add_filter("Event: Hangup").await?; // in force again after each reconnect
//! loop {
//!     match events.recv().await {
//!         Ok(hangup) => println!("{:?}", hangup.get("Channel")),
//!         Err(StreamError::Reconnected(gap)) => {
//!             // Hangups in the gap are lost: ask for the state again.
//!             eprintln!("{gap}");
//!             let channels = client.send_message(ami_core::Message::action("CoreShowChannels")).await?;
//!             println!("{} channels up", channels.items.len());
//!         }
//!         Err(StreamError::Lagged(n)) => eprintln!("missed {n}"),
//!         Err(StreamError::Disconnected(why)) => break eprintln!("{why}"),
//!     }
//! }
//! # Ok(())
//! # }
//! ```

mod builder;
mod driver;
mod in_flight;
mod options;
mod reconnect;
mod supervisor;

pub(crate) use builder::Secret;
pub use builder::{ClientBuilder, EventMask};
pub use options::CallOptions;
pub use reconnect::{ConnectionState, Reconnect};

use std::collections::hash_map::RandomState;
use std::fmt;
use std::hash::{BuildHasher, Hasher};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::Duration;

use tokio::sync::{mpsc, oneshot};

use tokio::time::Instant;

use crate::action::{Action, EventType, FollowUpAction, FromMessage, ListAction};
use crate::codec::{self, Greeting};
use crate::collection::Collection;
use crate::error::{Disconnect, Error, Result};
use crate::events::{EventStream, Shared, DEFAULT_EVENT_BUFFER_BYTES};
use crate::message::{keys, Message, Value};
use crate::tls::Connector;
use crate::transcript::Transcript;
use crate::untyped::Response;

use driver::{Request, Session, Setup};
use in_flight::Expect;
use supervisor::{Link, Version};

/// The environment variable that holds the secret of a URL without one.
pub const SECRET_ENV: &str = "AMI_SECRET";

/// The default AMI port.
pub const DEFAULT_PORT: u16 = 5038;
/// The default per-action timeout: 10 s.
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(10);
/// The default bound of a connection's event buffer, in bytes: 64 MiB.
pub const DEFAULT_EVENT_BUFFER: usize = DEFAULT_EVENT_BUFFER_BYTES;
/// Default for [`ClientBuilder::tcp_keepalive`]: probes after 60 s of silence.
pub const DEFAULT_TCP_KEEPALIVE: Duration = Duration::from_secs(60);
/// Default for [`ClientBuilder::max_list_items`].
pub const DEFAULT_MAX_LIST_ITEMS: usize = 250_000;
/// The time an async `Originate` may ring when it sets no `Timeout` of its
/// own (Asterisk's default).
const ORIGINATE_RING_DEFAULT: Duration = Duration::from_secs(30);
/// Pending requests the handles may queue before `send` waits.
const REQUEST_QUEUE: usize = 1024;

impl ClientBuilder {
    /// Connects, reads the greeting, logs in, and returns the client with its
    /// first event stream (which exists before the login is sent, so no event
    /// is lost). The first connection is not retried, also with a
    /// [`reconnect`](Self::reconnect) policy.
    ///
    /// Errors: [`Error::Auth`] with Asterisk's message when the login is
    /// refused, [`Error::BadGreeting`] or [`Error::NoGreeting`] (a plain
    /// client on a TLS port), [`Error::Tls`] when the TLS handshake fails
    /// (an untrusted certificate, a wrong host name, a port that does not
    /// speak TLS), [`Error::ConnectTimeout`] when it takes longer than the
    /// timeout, [`Error::Connect`] when the TCP connection fails (each names
    /// `host:port` and the time waited).
    ///
    /// The events are untyped [`Message`]s: `ami_types::connect_with`
    /// returns the same connection with typed events, which is what an
    /// application wants.
    pub async fn connect_untyped(&self) -> Result<(Client, EventStream)> {
        let mut cfg = self.clone();
        if let Some((user, secret)) = &mut cfg.credentials {
            if secret.expose().is_empty() {
                // The secret of a URL without one comes from AMI_SECRET, as
                // the CLI's does; without it the login cannot succeed.
                match std::env::var(SECRET_ENV) {
                    Ok(env) if !env.is_empty() => *secret = Secret::new(env),
                    _ => return Err(Error::NoSecret { user: user.clone() }),
                }
            }
        }
        if let Some(path) = cfg.transcript.clone().or_else(crate::transcript::from_env) {
            cfg.trace = Some(Transcript::open(&path).map_err(|e| {
                Error::Io(std::io::Error::new(
                    e.kind(),
                    format!("cannot open the wire transcript {}: {e}", path.display()),
                ))
            })?);
        }
        cfg.connect_configured().await
    }

    async fn connect_configured(&self) -> Result<(Client, EventStream)> {
        let tls = match &self.tls {
            Some(settings) => Some(Connector::new(settings, &self.host)?),
            None => None,
        };
        let (shared, stream) = Shared::new(self.event_buffer);
        let prefix = connection_prefix();
        let session = Session {
            events: self.events.clone(),
            filters: Vec::new(),
        };
        let conn =
            driver::establish(self, tls.as_ref(), &prefix, &session, Setup::First, &shared).await?;
        let link = Arc::new(Link::new(shared, session, conn.greeting.clone()));
        let (tx, rx) = mpsc::channel(REQUEST_QUEUE);
        let span = tracing::info_span!("ami.connection", addr = %self.addr(), id = %prefix.trim_end_matches('-'));
        tracing::debug!(parent: &span, greeting = %conn.greeting.line(), "connected and logged in");
        tokio::spawn(tracing::Instrument::instrument(
            supervisor::supervise(conn, prefix, self.clone(), tls, rx, link.clone()),
            span.clone(),
        ));
        let client = Client {
            inner: Arc::new(Inner {
                tx,
                link,
                timeout: self.timeout,
                check_releases: self.check_releases,
                span,
                runtime: tokio::runtime::Handle::current(),
            }),
        };
        Ok((client, stream))
    }
}

/// How long an `Originate` message lets the call ring: its `Timeout`
/// (milliseconds), or Asterisk's default of 30 s when it sets none.
pub fn originate_ring_time(msg: &Message) -> Duration {
    msg.get("Timeout")
        .and_then(|t| ami_wire::value::integer(t.as_bytes()))
        .and_then(|ms| u64::try_from(ms).ok())
        .map_or(ORIGINATE_RING_DEFAULT, Duration::from_millis)
}

/// The instant `timeout` from now; a timeout too large to add to the clock
/// means about thirty years (as tokio does), never a panic.
pub(crate) fn deadline_after(timeout: Duration) -> Instant {
    let now = Instant::now();
    now.checked_add(timeout)
        .or_else(|| now.checked_add(Duration::from_secs(86_400 * 365 * 30)))
        .unwrap_or(now)
}

/// A prefix that makes this connection's ActionIDs unique, also across
/// processes (an async `OriginateResponse` reaches every AMI session).
pub(crate) fn connection_prefix() -> String {
    static CONNECTIONS: AtomicU64 = AtomicU64::new(0);
    let n = CONNECTIONS.fetch_add(1, Ordering::Relaxed);
    let mut h = RandomState::new().build_hasher();
    h.write_u64(n);
    h.write_u32(std::process::id());
    format!("{:08x}-", h.finish() as u32)
}

/// The answer to an action.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Reply {
    /// The `Response` message.
    pub response: Message,
    /// The items of an event list (empty for a single response).
    pub items: Vec<Message>,
    /// The event that completed the list (`EventList: Complete` or
    /// `Cancelled`), for a list.
    pub complete: Option<Message>,
}

impl Reply {
    pub(crate) fn single(response: Message) -> Self {
        Reply {
            response,
            items: Vec::new(),
            complete: None,
        }
    }

    /// Whether the answer was an event list.
    pub fn is_list(&self) -> bool {
        self.complete.is_some()
    }
}

struct Inner {
    tx: mpsc::Sender<Request>,
    link: Arc<Link>,
    timeout: Duration,
    /// Whether typed sends check the PBX's release first.
    check_releases: bool,
    /// The `ami.connection` span; actions' spans are its children.
    span: tracing::Span,
    /// The runtime the client was connected on (handlers run on it).
    runtime: tokio::runtime::Handle,
}

/// A handle to one AMI connection. Clone it freely: every clone talks to the
/// same connection. The connection closes when the last handle is dropped
/// (or on [`close`](Self::close)). With a
/// [`reconnect`](ClientBuilder::reconnect) policy the handle outlives lost
/// connections: it talks to whichever connection is up.
#[derive(Clone)]
pub struct Client {
    inner: Arc<Inner>,
}

impl fmt::Debug for Client {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Client")
            .field("greeting", &self.greeting().line())
            .field("state", &self.state())
            .field("timeout", &self.inner.timeout)
            .finish()
    }
}

impl Client {
    /// Connects with the settings of a URL (see
    /// [`ClientBuilder::from_url`]), with untyped events
    /// (`ami_types::connect` is the same with typed events).
    pub async fn connect_untyped(url: &str) -> Result<(Client, EventStream)> {
        ClientBuilder::from_url(url)?.connect_untyped().await
    }

    /// Sends a typed action and decodes its response: the action's typed
    /// response where one is known (`Ping`, `Getvar`, `CoreSettings`, …),
    /// otherwise the generic [`Response`] (every field). Within the default
    /// timeout, which runs from this call (time queued behind other actions
    /// counts).
    ///
    /// `Response: Error` is [`Error::Action`] with Asterisk's message. The
    /// response of a list action is decoded the same way and its items are
    /// dropped: use [`list`](Self::list) for them.
    ///
    /// An action (or a parameter set on it) that the PBX's release lacks is
    /// [`Error::Unsupported`], and nothing is sent (see
    /// [`ClientBuilder::check_releases`]; [`send_anyway`](Self::send_anyway)
    /// sends regardless).
    pub async fn send<A: Action>(&self, action: &A) -> Result<A::Response> {
        self.send_within(action, self.inner.timeout).await
    }

    /// The actions of this client with options of their own for the calls
    /// made through it: `client.with_timeout(d).send(&action)` waits `d`
    /// instead of the client's timeout (see [`CallOptions`]). Nothing is
    /// allocated.
    pub fn with_timeout(&self, timeout: Duration) -> CallOptions<'_> {
        CallOptions::new(self, timeout)
    }

    pub(crate) async fn send_within<A: Action>(
        &self,
        action: &A,
        timeout: Duration,
    ) -> Result<A::Response> {
        self.check_release(action).await?;
        self.send_anyway_within(action, timeout).await
    }

    /// [`send`](Self::send) without the release check: for a PBX that has
    /// the action although its version says otherwise (a patched build, a
    /// backport). Asterisk answers an action it does not know with
    /// `Response: Error` ([`Error::Action`]) and ignores a parameter it does
    /// not know.
    pub async fn send_anyway<A: Action>(&self, action: &A) -> Result<A::Response> {
        self.send_anyway_within(action, self.inner.timeout).await
    }

    pub(crate) async fn send_anyway_within<A: Action>(
        &self,
        action: &A,
        timeout: Duration,
    ) -> Result<A::Response> {
        let reply = self
            .request(action.to_message(), Expect::Response, timeout)
            .await?;
        Ok(A::Response::from_message(reply.response))
    }

    /// Sends a list action and collects its answer: the typed items in
    /// arrival order, the typed completion event, and the count Asterisk
    /// reported in it ([`Collection::reported`]). Compiles only for actions
    /// that answer with an event list.
    ///
    /// The count is not enforced: a list whose `ListItems` differs from the
    /// items received is still returned whole (nothing received is thrown
    /// away), and [`Collection::check_count`] tells. A list Asterisk ended
    /// with `EventList: Cancelled` is returned with the items that came and
    /// [`Collection::is_cancelled`] set. An answer that opens no list at all
    /// is [`Error::NotAList`]; `Response: Error` is [`Error::Action`]. A list
    /// that fails (timeout, disconnect) hands the items it had collected to
    /// the event streams.
    pub async fn list<A: ListAction>(
        &self,
        action: &A,
    ) -> Result<Collection<A::Item, A::Complete>> {
        self.list_within(action, self.inner.timeout).await
    }

    pub(crate) async fn list_within<A: ListAction>(
        &self,
        action: &A,
        timeout: Duration,
    ) -> Result<Collection<A::Item, A::Complete>> {
        self.check_release(action).await?;
        let reply = self
            .request(action.to_message(), Expect::Response, timeout)
            .await?;
        let Some(complete) = reply.complete else {
            let message = reply
                .response
                .get(keys::MESSAGE)
                .map(|m| m.to_string_lossy().into_owned())
                .unwrap_or_default();
            return Err(Error::NotAList {
                action: A::NAME.to_owned(),
                message,
            });
        };
        let items = reply.items.into_iter().map(A::Item::from_message).collect();
        Ok(Collection::new(
            Response::from_message(reply.response),
            items,
            A::Complete::from_message(complete),
        ))
    }

    /// Sends an action that is answered twice (an asynchronous `Originate`)
    /// and resolves with its follow-up event (`OriginateResponse`), which
    /// also reaches the event streams. The wait allows the work to take its
    /// time: the client's timeout plus the action's
    /// [`allowance`](FollowUpAction::allowance).
    pub async fn originate<A: FollowUpAction>(&self, action: &A) -> Result<A::FollowUp> {
        self.check_release(action).await?;
        let msg = action.to_follow_up_message();
        let timeout = self.inner.timeout.saturating_add(A::allowance(&msg));
        self.follow_up_event::<A>(msg, timeout).await
    }

    /// [`originate`](Self::originate) within `timeout`, the work included.
    pub(crate) async fn originate_within<A: FollowUpAction>(
        &self,
        action: &A,
        timeout: Duration,
    ) -> Result<A::FollowUp> {
        self.check_release(action).await?;
        self.follow_up_event::<A>(action.to_follow_up_message(), timeout)
            .await
    }

    /// Sends `msg`, built from `A`, and resolves with its follow-up event.
    async fn follow_up_event<A: FollowUpAction>(
        &self,
        msg: Message,
        timeout: Duration,
    ) -> Result<A::FollowUp> {
        let name = Value::from_static(<A::FollowUp as crate::action::TypedEvent>::NAME);
        let (_, event) = self.follow_up(msg, name, timeout).await?;
        Ok(A::FollowUp::from_message(event))
    }

    /// Sends an untyped action and waits for its answer, within the default
    /// timeout.
    ///
    /// The client adds a unique `ActionID`; a message that already has one is
    /// refused ([`Error::ActionIdSupplied`]). A message that cannot be written
    /// safely (CR or LF in a value) is refused before anything is sent
    /// ([`Error::Encode`]). `Response: Error` is [`Error::Action`].
    ///
    /// When the response announces an event list (`EventList: start`, or the
    /// legacy `Response: Follows` / `Message: … will follow`), the reply holds
    /// every event with this ActionID up to the one whose `EventList` is
    /// `Complete` or `Cancelled`; those events do not reach the event streams.
    pub async fn send_message(&self, msg: Message) -> Result<Reply> {
        self.send_message_within(msg, self.inner.timeout).await
    }

    pub(crate) async fn send_message_within(
        &self,
        msg: Message,
        timeout: Duration,
    ) -> Result<Reply> {
        self.request(msg, Expect::Response, timeout).await
    }

    /// Runs a CLI command and returns its output lines, in order, blank ones
    /// included — the same for Asterisk 14+ (`Output:` fields) and for the
    /// legacy `Response: Follows` … `--END COMMAND--` form. A failed command
    /// (`Response: Error`) is [`Error::Action`] whose `message` is what the
    /// CLI said (its output lines joined with line breaks, e.g. `No such
    /// command 'core show nothing' (type 'core show help core show
    /// nothing' for other possible commands)`), not the `Message` field
    /// (which says only "Command output follows"); the whole response is
    /// kept in it.
    pub async fn command(&self, command: &str) -> Result<Vec<Value>> {
        self.command_within(command, self.inner.timeout).await
    }

    pub(crate) async fn command_within(
        &self,
        command: &str,
        timeout: Duration,
    ) -> Result<Vec<Value>> {
        let mut msg = Message::action("Command");
        msg.append("Command", command);
        let reply = match self.request(msg, Expect::Command, timeout).await {
            Ok(reply) => reply,
            Err(Error::Action { message, response }) => {
                let lines = command_lines(&response);
                let message = if lines.is_empty() {
                    message
                } else {
                    lines
                        .iter()
                        .map(|l| l.to_string_lossy())
                        .collect::<Vec<_>>()
                        .join("\n")
                };
                return Err(Error::Action { message, response });
            }
            Err(e) => return Err(e),
        };
        Ok(command_lines(&reply.response))
    }

    /// Originates a call from an untyped message: sets `Async: true` and
    /// waits for both its response and its `OriginateResponse` event, which
    /// tells whether the call was answered. The event also reaches the event
    /// streams.
    ///
    /// The wait allows the call to ring: the default timeout plus the
    /// message's `Timeout` (milliseconds; Asterisk's default 30 s when
    /// absent).
    pub async fn originate_message(&self, msg: Message) -> Result<(Message, Message)> {
        let ring = originate_ring_time(&msg);
        self.originate_message_within(msg, self.inner.timeout.saturating_add(ring))
            .await
    }

    /// [`originate_message`](Self::originate_message) within `timeout`, the
    /// ringing included.
    pub(crate) async fn originate_message_within(
        &self,
        mut msg: Message,
        timeout: Duration,
    ) -> Result<(Message, Message)> {
        msg.insert("Async", "true");
        self.follow_up(msg, Value::from_static("OriginateResponse"), timeout)
            .await
    }

    async fn follow_up(
        &self,
        msg: Message,
        event: Value,
        timeout: Duration,
    ) -> Result<(Message, Message)> {
        let action = msg_action(&msg);
        let reply = self.request(msg, Expect::FollowUp(event), timeout).await?;
        match reply.complete {
            Some(event) => Ok((reply.response, event)),
            None => Err(Error::NoFollowUp { action }),
        }
    }

    /// A new untyped event stream: every event from now on that no pending
    /// action consumes. (The stream returned by `connect` also has the
    /// events that came before.)
    pub fn subscribe(&self) -> EventStream {
        self.inner.link.shared.subscribe()
    }

    /// A new stream of typed events from now on: `client.events::<Event>()`
    /// for every event as the generated enum, `client.events::<Hangup>()`
    /// for one type (others are skipped without being decoded).
    pub fn events<E: EventType>(&self) -> EventStream<E> {
        self.inner.link.shared.subscribe().typed()
    }

    /// Calls `f` with each event of type `E` from now on, on a thread of
    /// its own (see [`handlers`](crate::handlers)), until the returned guard
    /// is dropped: `client.on::<Hangup>(|h| …)` with a generated event
    /// struct, or `client.on::<Event>(…)` for every event as the generated
    /// enum.
    pub fn on<E>(&self, f: impl FnMut(E) + Send + 'static) -> crate::handlers::Handler
    where
        E: EventType + Send + 'static,
    {
        let name = std::any::type_name::<E>().to_owned();
        crate::handlers::spawn(&self.inner.runtime, self.events::<E>(), name, |_| true, f)
    }

    /// Calls `f` with each event whose name matches the glob `pattern`
    /// (`*` any run of characters, `?` one; ASCII case ignored), e.g.
    /// `"Peer*"`, `"Queue*"`, `"Hangup"`, until the guard is dropped.
    pub fn on_name<F>(&self, pattern: &str, f: F) -> crate::handlers::Handler
    where
        F: FnMut(Message) + Send + 'static,
    {
        let glob = pattern.to_owned();
        let wanted = move |m: &Message| {
            m.event_name()
                .is_some_and(|n| crate::handlers::glob_matches(&glob, &n.to_string_lossy()))
        };
        crate::handlers::spawn(
            &self.inner.runtime,
            self.subscribe(),
            pattern.to_owned(),
            wanted,
            f,
        )
    }

    /// Calls `f` with every event, until the guard is dropped.
    pub fn on_any<F>(&self, f: F) -> crate::handlers::Handler
    where
        F: FnMut(Message) + Send + 'static,
    {
        crate::handlers::spawn(
            &self.inner.runtime,
            self.subscribe(),
            "*".to_owned(),
            |_| true,
            f,
        )
    }

    /// Logs off: sends `Logoff` and waits for its answer (`Response:
    /// Goodbye`). Asterisk then closes the connection; pending actions fail
    /// and event streams end. The client does not reconnect after this;
    /// while it is away reconnecting, closing just stops it (and is `Ok`).
    pub async fn close(self) -> Result<()> {
        self.inner.link.close();
        if !self.inner.link.state().is_up() {
            return Ok(());
        }
        let reply = self.send_message(Message::action("Logoff")).await?;
        if reply
            .response
            .response()
            .is_some_and(|r| r.as_bytes().eq_ignore_ascii_case(b"Goodbye"))
        {
            Ok(())
        } else {
            Err(Error::LogoffRefused {
                response: reply
                    .response
                    .response()
                    .map(|r| r.to_string_lossy().into_owned())
                    .unwrap_or_default(),
            })
        }
    }

    /// The Asterisk version of the PBX (`22.10.1`), as its `CoreSettings`
    /// says (`AsteriskVersion`), asked once per connection: kept until a
    /// reconnect, then asked again. `None` when the answer names none.
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> ami_core::Result<()> {
    /// # let server = ami_server::Server::start(ami_server::ServerConfig {
    /// #     asterisk_version: "20.5.2".into(),
    /// #     ..Default::default()
    /// # }).await?;
    /// let (client, _events) = ami_core::Client::connect_untyped(&server.url()).await?;
    /// assert_eq!(client.asterisk_version().await?.as_deref(), Some("20.5.2"));
    /// # Ok(())
    /// # }
    /// ```
    pub async fn asterisk_version(&self) -> Result<Option<String>> {
        match self.version() {
            Version::Known(v) => return Ok(Some(v)),
            Version::Unknown => return Ok(None),
            Version::Unasked => {}
        }
        let reply = match self.send_message(Message::action("CoreSettings")).await {
            Ok(reply) => reply,
            // Refused (the user lacks `system` read permission): the PBX
            // will not say on this connection.
            Err(Error::Action { .. }) => {
                self.set_version(Version::Unknown);
                return Ok(None);
            }
            Err(e) => return Err(e),
        };
        let version = reply
            .response
            .get("AsteriskVersion")
            .map(|v| v.to_string_lossy().trim().to_owned())
            .filter(|v| !v.is_empty());
        self.set_version(match &version {
            Some(v) => Version::Known(v.clone()),
            None => Version::Unknown,
        });
        Ok(version)
    }

    /// The version [`asterisk_version`](Self::asterisk_version) learned on
    /// this connection, without asking.
    pub fn cached_version(&self) -> Option<String> {
        match self.version() {
            Version::Known(v) => Some(v),
            Version::Unasked | Version::Unknown => None,
        }
    }

    fn version(&self) -> Version {
        self.inner
            .link
            .version
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .clone()
    }

    fn set_version(&self, version: Version) {
        *self
            .inner
            .link
            .version
            .lock()
            .unwrap_or_else(|e| e.into_inner()) = version;
    }

    /// The release check of a typed send (see
    /// [`ClientBuilder::check_releases`]): asks the version once per
    /// connection; a version the PBX does not give is not checked.
    async fn check_release<A: Action>(&self, action: &A) -> Result<()> {
        if !self.inner.check_releases || !A::CHECKS_RELEASE {
            return Ok(());
        }
        let version = match self.asterisk_version().await {
            Ok(Some(v)) => v,
            Ok(None) => return Ok(()),
            // The connection's own trouble: the action would meet it too.
            Err(e) => return Err(e),
        };
        action.check_release(&version)
    }

    /// The greeting the server sent (`Asterisk Call Manager/11.0.0`), on
    /// the connection up now (or the last one).
    pub fn greeting(&self) -> Greeting {
        self.inner.link.greeting()
    }

    /// Whether the connection is up now: logged in, not lost, not closed.
    pub fn is_connected(&self) -> bool {
        self.inner.link.state().is_up()
    }

    /// The state of the connection now.
    pub fn state(&self) -> ConnectionState {
        self.inner.link.state()
    }

    /// Every change of [`state`](Self::state) from now on, e.g. to wait
    /// until a reconnect is done:
    ///
    /// ```no_run
    /// # async fn demo(client: ami_core::Client) {
    /// let mut changes = client.state_changes();
    /// let _ = changes.wait_for(|s| s.is_up() || s.is_closed()).await;
    /// # }
    /// ```
    pub fn state_changes(&self) -> tokio::sync::watch::Receiver<ConnectionState> {
        self.inner.link.state_changes()
    }

    /// The number of event streams alive on this client (every
    /// [`EventStream`] from `connect`, [`subscribe`](Self::subscribe) and
    /// [`events`](Self::events) not yet dropped).
    pub fn subscriber_count(&self) -> usize {
        self.inner.link.shared.subscribers()
    }

    /// Sends a `Filter` action (`Operation: Add`, `Filter: <filter>`), which
    /// makes Asterisk send this connection only the events that match it
    /// (a regular expression; one starting with `!` excludes instead). It
    /// is re-applied after every reconnect, once (sending the same filter
    /// twice records it once). Equivalent to sending the typed `Filter`
    /// action: filters sent either way are remembered.
    pub async fn add_filter(&self, filter: &str) -> Result<Reply> {
        let mut msg = Message::action("Filter");
        msg.append("Operation", "Add");
        msg.append("Filter", filter);
        self.send_message(msg).await
    }

    /// Adds a server-side event filter built with
    /// [`EventFilter`](crate::filter::EventFilter) (a filter Asterisk would
    /// refuse is [`Error::Filter`] before anything is sent; one it refuses
    /// all the same is [`Error::Action`]). Like [`add_filter`](Self::add_filter)
    /// it is re-applied after every reconnect.
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> ami_core::Result<()> {
    /// # let server = ami_server::Server::start(Default::default()).await?;
    /// use ami_core::filter::EventFilter;
    ///
    /// let (client, _events) = ami_core::Client::connect_untyped(&server.url()).await?;
    /// client.filter(&EventFilter::event("Hangup")).await?;
    /// # Ok(())
    /// # }
    /// ```
    pub async fn filter(&self, filter: &crate::filter::EventFilter) -> Result<()> {
        let msg = filter.to_message()?;
        self.send_message(msg).await.map(drop)
    }

    /// Changes which events this connection gets (the `Events` action with
    /// `EventMask`); kept across reconnects. [`EventMask::classes`] builds a
    /// mask.
    pub async fn set_events(&self, events: &EventMask) -> Result<()> {
        let mut msg = Message::action("Events");
        msg.append("EventMask", events.as_wire());
        self.send_message(msg).await.map(drop)
    }

    async fn request(&self, msg: Message, expect: Expect, timeout: Duration) -> Result<Reply> {
        if msg.contains(keys::ACTION_ID) {
            return Err(Error::ActionIdSupplied);
        }
        codec::validate(&msg)?;
        // `Events` and `Filter` are re-applied after a reconnect.
        let remember = msg.get(keys::ACTION).is_some_and(|a| {
            a.as_bytes().eq_ignore_ascii_case(b"Filter")
                || a.as_bytes().eq_ignore_ascii_case(b"Events")
        });
        let remembered = remember.then(|| msg.clone());
        let deadline = deadline_after(timeout);
        let action = msg_action(&msg);
        let span = tracing::debug_span!(
            parent: &self.inner.span,
            "ami.action",
            action = %action,
            action_id = tracing::field::Empty,
        );
        let started = Instant::now();
        let timed_out = Error::Timeout { action };
        let (tx, rx) = oneshot::channel();
        let req = Request {
            msg,
            expect,
            deadline,
            tx,
            span: span.clone(),
        };
        // The deadline covers the wait for room in the queue as well.
        let answer = async {
            if self.inner.tx.send(req).await.is_err() {
                return Err(self.gone());
            }
            rx.await.unwrap_or_else(|_| Err(self.gone()))
        };
        let reply = tokio::time::timeout_at(deadline, answer)
            .await
            .unwrap_or(Err(timed_out));
        let elapsed_ms = started.elapsed().as_secs_f64() * 1e3;
        let reply = match reply {
            Ok(reply) => {
                tracing::debug!(parent: &span, elapsed_ms, items = reply.items.len(), outcome = "success", "answered");
                reply
            }
            Err(e) => {
                tracing::debug!(parent: &span, elapsed_ms, outcome = "error", error = %e, "failed");
                return Err(e);
            }
        };
        if let Some(msg) = remembered {
            self.inner.link.session().record(&msg);
        }
        Ok(reply)
    }

    fn gone(&self) -> Error {
        self.inner
            .link
            .ended_error()
            .unwrap_or_else(|| Error::Disconnected {
                reason: Disconnect::Closed,
            })
    }
}

fn msg_action(msg: &Message) -> String {
    msg.get(keys::ACTION)
        .map(|a| a.to_string_lossy().into_owned())
        .unwrap_or_default()
}

/// The output lines of a `Command` response, in either format.
fn command_lines(response: &Message) -> Vec<Value> {
    let legacy = response
        .response()
        .is_some_and(|r| r.as_bytes().eq_ignore_ascii_case(b"Follows"));
    response
        .fields()
        .filter(|f| {
            if legacy {
                f.is_bare_line()
            } else {
                f.is(keys::OUTPUT)
            }
        })
        .map(|f| f.value().to_value())
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn url_parsing() {
        let b = ClientBuilder::from_url(
            "ami://ad%20min:s%3Ac%40ret@pbx.example.org:5039?events=off&auth=md5&timeout=2.5",
        )
        .unwrap();
        assert_eq!(b.host, "pbx.example.org");
        assert_eq!(b.port, 5039);
        let (user, secret) = b.credentials.as_ref().unwrap();
        assert_eq!(user, "ad min");
        assert_eq!(secret.expose(), "s:c@ret");
        assert!(b.md5);
        assert_eq!(b.events, EventMask::Off);
        assert_eq!(b.timeout, Duration::from_millis(2500));

        let b = ClientBuilder::from_url("ami://u:p@[::1]?events=call,system").unwrap();
        assert_eq!(b.host, "::1");
        assert_eq!(b.port, DEFAULT_PORT);
        assert_eq!(b.events, EventMask::Mask("call,system".into()));
        assert!(!b.md5);
    }

    #[test]
    fn url_errors_never_show_the_secret() {
        for url in [
            "http://u:hunter2@host",
            "ami://u:hunter2@host/path",
            "ami://u:hunter2@host?auth=rot13",
            "ami://u:hunter2@host?bogus=1",
            "ami://u:hunter2@host:99999",
            "ami://u:hunter2@",
            "ami://:hunter2@host",
            "ami://u:hunter2%ff@host",
        ] {
            let err = ClientBuilder::from_url(url).unwrap_err();
            assert!(matches!(err, Error::InvalidUrl(_)), "{url}: {err:?}");
            assert!(!err.to_string().contains("hunter2"), "{url}: {err}");
            assert!(!format!("{err:?}").contains("hunter2"), "{url}: {err:?}");
        }
    }

    #[test]
    fn debug_hides_the_secret() {
        let b = ClientBuilder::new("h", 1).credentials("admin", "hunter2");
        let s = format!("{b:?}");
        assert!(s.contains("admin") && !s.contains("hunter2"), "{s}");
    }

    #[test]
    fn command_lines_in_both_forms() {
        let modern: Message = [
            ("Response", "Success"),
            ("Message", "Command output follows"),
            ("Output", "a"),
            ("Output", ""),
            ("Output", "b: c"),
        ]
        .into_iter()
        .collect();
        let mut legacy: Message = [("Response", "Follows"), ("Privilege", "Command")]
            .into_iter()
            .collect();
        for line in ["a", "", "b: c"] {
            legacy.append_line(line);
        }
        assert_eq!(command_lines(&modern), command_lines(&legacy));
        assert_eq!(command_lines(&modern).len(), 3);
    }

    #[test]
    fn prefixes_differ() {
        assert_ne!(connection_prefix(), connection_prefix());
    }
}
