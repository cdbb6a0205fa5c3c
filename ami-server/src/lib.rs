//! # ami-server
//!
//! The embedded AMI server and call simulator, beside the client as
//! `redis-test` stands beside redis-rs: for this project's tests, examples
//! and `ami --sim`, and for your own tests — run your AMI code against it
//! without an Asterisk. `ami-core` (the protocol and the client) does not
//! include it.
//!
//! An embedded AMI server that answers like Asterisk 22, for tests and
//! examples: run the client against it without an Asterisk.
//!
//! It binds `127.0.0.1:0`, sends the greeting and understands `Login` (plain
//! and MD5), `Challenge`, `Logoff`, `Ping`, `Events`, `Filter` (regular
//! expressions matched against the event's text, `!` to exclude, as
//! Asterisk does), `Command` (in the
//! Asterisk 14+ or the legacy output format), `CoreShowChannels`,
//! `BridgeList`, `Status`, `Getvar`, `Setvar`, `Hangup`, `PlayDTMF`, `Originate`,
//! `BlindTransfer`, `Atxfer`, `QueueStatus`, `QueueSummary`, `ParkedCalls`,
//! `ConfbridgeListRooms`, `ConfbridgeList`, `ConfbridgeKick`,
//! `ConfbridgeMute`, `ConfbridgeUnmute`, `CoreSettings` and `UserEvent`
//! (channels are named by name or `Uniqueid`, as Asterisk allows); any
//! other action gets
//! `Response: Error` / `Message: Invalid/unknown command: …` as Asterisk
//! answers. `Originate` starts a simulated call whose events follow the order,
//! keys and spelling of a real Asterisk 22 (`Newchannel`, `Newstate`,
//! `DialBegin`/`DialEnd`, `BridgeCreate`/`BridgeEnter`/`BridgeLeave`/
//! `BridgeDestroy`, `Hangup` with `Cause`/`Cause-txt`, `OriginateResponse`),
//! with simulated time scaled by [`ServerConfig::time_scale`].
//!
//! [`Faults`] make the server misbehave on purpose: tiny write chunks, delays,
//! dropped connections, garbage between messages, unrelated events inside
//! lists, responses out of order.
//!
//! ```
//! # #[tokio::main(flavor = "current_thread")]
//! # async fn main() -> std::io::Result<()> {
//! use ami_server::{Server, ServerConfig};
//!
//! let server = Server::start(ServerConfig::default()).await?;
//! assert!(server.url().starts_with("ami://admin:amp111@127.0.0.1:"));
//! server.shutdown();
//! # Ok(())
//! # }
//! ```
//!
//! # The simulated telephone system
//!
//! * `Originate` to `Local/<exten>@<context>` creates the two halves `;1`
//!   and `;2`; the `;2` half runs the extension, and every extension dials
//!   `PJSIP/<exten>`, which rings, answers and is bridged with it.
//!   `Originate` to `PJSIP/<endpoint>` creates one channel that rings and
//!   answers. Other technologies fail.
//! * The endpoints `busy`, `noanswer` and `congestion` do what their names say
//!   (the originate fails with reason 5, 3 or 8).
//! * After answering, the originated channel runs `Application`/`Data`
//!   (`Wait` lasts `Data` seconds, other applications
//!   [`ServerConfig::call_duration`]) or enters `Exten`@`Context`, which
//!   dials again and talks for [`ServerConfig::call_duration`].
//! * `Application: Queue`, `Data: <queue>` puts the answered channel in
//!   one of [`ServerConfig::queues`]: `QueueCallerJoin`, then (once a member
//!   who is neither paused nor busy is found) `AgentCalled`, the member's
//!   channel rings for [`ServerConfig::ring_time`], `QueueMemberStatus`,
//!   `QueueCallerLeave`, `AgentConnect`, a bridge, and after
//!   [`ServerConfig::call_duration`] `AgentComplete`. A caller hung up while
//!   waiting gives `QueueCallerAbandon`. `QueueStatus` and `QueueSummary`
//!   show the callers waiting and the members' calls.
//! * `GetConfig`, `GetConfigJSON`, `ListCategories` and `UpdateConfig` read
//!   and change in-memory files ([`ServerConfig::config_files`], a small
//!   `pjsip.conf` by default) with Asterisk's fields and error messages.
//! * `Originate`'s `ChannelId` (and `OtherChannelId`, `<ChannelId>;2` by
//!   default for a Local channel's second half) choose the `Uniqueid`s.
//! * `Exten: local-<n>` dials through `Local/<n>@<context>`, whose `;2`
//!   half dials `PJSIP/<n>`; once both halves are bridged the Local channel
//!   optimises itself away (`LocalOptimizationBegin`, the far channel
//!   enters the near bridge with `SwapUniqueid`, `LocalOptimizationEnd`,
//!   both halves hang up) while the call goes on.
//! * `Application: Park`, `Data: <seconds>` parks the answered channel in
//!   the lot's holding bridge (`ParkedCall`, space 701 and up) until its
//!   timeout (`ParkedCallTimeOut`, 45 s by default) or its hangup
//!   (`ParkedCallGiveUp`). `Application: ConfBridge`, `Data: <room>` joins
//!   a conference (`ConfbridgeStart` with the first, `ConfbridgeJoin`,
//!   `ConfbridgeLeave`, `ConfbridgeEnd` with the last).
//! * `BlindTransfer` of a bridged channel: `BlindTransfer`, the channel
//!   leaves and hangs up, its peer dials the new extension. `Atxfer`: the
//!   peer waits on hold while the channel dials the target; once it has
//!   answered, `BridgeMerge`, `AttendedTransfer`, and the peer talks to the
//!   target.
//! * `Application: Pickup`, `Data: <endpoint>` picks up a channel ringing
//!   for `PJSIP/<endpoint>` in another call (`Pickup`): the ringing channel
//!   hangs up with cause 26, and the picking channel joins the caller's
//!   call, bridge and linkedid, keeping its name and `Uniqueid`.
//! * [`ServerConfig::read_permissions`] limits the event classes sessions
//!   receive, as `read=` in `manager.conf` does (`manager show user`
//!   reports it).
//! * `Hangup` ends a call early; a channel pattern between slashes
//!   (`/PJSIP/`) matches by substring.
//! * When a call ends, every channel that was not dialled by another gets a
//!   `Cdr` event (`cdr_manager`'s fields: `Source`, `Destination`,
//!   `Disposition`, `BillableSeconds`, …), after the hangups.

mod actions;
mod calls;
mod config_files;
mod session;
mod writer;

use std::collections::BTreeMap;
use std::fmt;
use std::net::SocketAddr;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;

use bytes::{Bytes, BytesMut};
use tokio::net::TcpListener;
use tokio::sync::watch;

use ami_core::message::Message;

use self::calls::World;
use self::session::SessionShared;
use self::writer::Out;

/// How the server answers the `Command` action.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum CommandFormat {
    /// Asterisk 14 and newer: `Response: Success`,
    /// `Message: Command output follows`, one `Output:` field per line
    /// (blank lines as `Output: `).
    #[default]
    Modern,
    /// Asterisk 13 and older: `Response: Follows`, `Privilege: Command`,
    /// the raw output lines, then `--END COMMAND--`.
    Legacy,
}

/// Deliberate misbehaviour, for testing clients. All off by default.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Faults {
    /// Write every message in chunks of this many bytes (e.g. `1`).
    pub chunk_size: Option<usize>,
    /// Pause this long between chunks (with `chunk_size`) or between messages.
    pub write_delay: Option<Duration>,
    /// Close the connection once this many bytes (greeting included) are
    /// written.
    pub drop_after_bytes: Option<usize>,
    /// Write a block of garbage lines (no `Key: Value`, invalid UTF-8) before
    /// every Nth message.
    pub garbage_every: Option<usize>,
    /// Put unrelated events (`VarSet`, `Newexten`, without `ActionID`)
    /// between the messages of every event list, when the session has events
    /// on.
    pub interleave_events_in_lists: bool,
    /// Hold up to N action replies (a reply is the response with its list
    /// events) and write them in reverse order; held replies are flushed after
    /// about 20 ms.
    pub shuffle_responses: Option<usize>,
}

/// A queue shown by `QueueStatus`, `QueueSummary` and `queue show`.
#[derive(Debug, Clone, PartialEq)]
pub struct DemoQueue {
    /// Queue name, e.g. `support`.
    pub name: String,
    /// Strategy, e.g. `ringall`.
    pub strategy: String,
    /// The members.
    pub members: Vec<DemoMember>,
}

/// A member of a [`DemoQueue`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DemoMember {
    /// Display name, e.g. `Agent One`.
    pub name: String,
    /// Interface, e.g. `Local/agent1@queue-members/n`.
    pub location: String,
    /// Penalty.
    pub penalty: u32,
    /// Whether the member is paused.
    pub paused: bool,
}

impl DemoQueue {
    /// The queue with one more member (neither paused nor penalised).
    ///
    /// ```
    /// let q = ami_server::DemoQueue::default().member("Agent Two", "Local/agent2@queue-members/n");
    /// assert_eq!(q.members.len(), 2);
    /// ```
    pub fn member(mut self, name: &str, location: &str) -> Self {
        self.members.push(DemoMember {
            name: name.to_owned(),
            location: location.to_owned(),
            penalty: 0,
            paused: false,
        });
        self
    }
}

impl Default for DemoQueue {
    fn default() -> Self {
        DemoQueue {
            name: "support".into(),
            strategy: "ringall".into(),
            members: vec![DemoMember {
                name: "Agent One".into(),
                location: "Local/agent1@queue-members/n".into(),
                penalty: 0,
                paused: false,
            }],
        }
    }
}

/// Configuration of a [`Server`]. `Debug` never shows the secret.
#[derive(Clone)]
pub struct ServerConfig {
    /// The user name `Login` accepts (default `admin`).
    pub username: String,
    /// The secret `Login` accepts (default `amp111`).
    pub secret: String,
    /// How `Command` output is written.
    pub command_format: CommandFormat,
    /// Deliberate misbehaviour.
    pub faults: Faults,
    /// The AMI protocol version in the greeting
    /// (`Asterisk Call Manager/11.0.0` by default).
    pub version: String,
    /// The Asterisk version reported by `core show version` and
    /// `CoreSettings` (default `22.10.1`).
    pub asterisk_version: String,
    /// Real time per simulated second (default 0.1: a `Wait` of 1 s lasts
    /// 100 ms). Ringing, call durations and `Duration` fields scale with it.
    pub time_scale: f64,
    /// Simulated time an endpoint rings before it answers (default 0.5 s).
    pub ring_time: Duration,
    /// Simulated length of a call whose length is not given by `Wait`
    /// (default 2 s).
    pub call_duration: Duration,
    /// Largest action accepted from a client (default 64 KiB); larger ones
    /// are dropped unanswered, as Asterisk drops over-long input.
    pub max_message_size: usize,
    /// The account's `read=` classes in `manager.conf` (default `all`):
    /// events of other classes never reach its sessions, and
    /// `manager show user` reports them.
    pub read_permissions: String,
    /// The queues `QueueStatus` and `QueueSummary` report.
    pub queues: Vec<DemoQueue>,
    /// How many messages may wait to be written to one connection before
    /// the server gives up on it and closes it, as Asterisk closes a client
    /// that does not read (default 1,000,000).
    pub write_queue: usize,
    /// Serve AMI over TLS with this configuration (see
    /// [`tls::server_config`](ami_core::tls::server_config)); [`Server::url`]
    /// then says `amis://`. Default: plain TCP. Only with the `tls` feature.
    #[cfg(feature = "tls")]
    pub tls: Option<Arc<rustls::ServerConfig>>,
    /// The seed of the simulator's pseudo-random numbers (bridge ids, MD5
    /// challenges): the same seed gives the same ones. Default: none (a
    /// random seed).
    pub seed: Option<u64>,
    /// The configuration files `GetConfig`, `GetConfigJSON`,
    /// `ListCategories` and `UpdateConfig` read and change, as (name, text
    /// in Asterisk's `.conf` syntax); kept in memory, fresh at each
    /// (re)start. Default: a small `pjsip.conf`
    /// ([`DEMO_PJSIP_CONF`]).
    pub config_files: Vec<(String, String)>,
}

pub use config_files::DEMO_PJSIP_CONF;

impl Default for ServerConfig {
    fn default() -> Self {
        ServerConfig {
            username: "admin".into(),
            secret: "amp111".into(),
            command_format: CommandFormat::Modern,
            faults: Faults::default(),
            version: "11.0.0".into(),
            asterisk_version: "22.10.1".into(),
            time_scale: 0.1,
            ring_time: Duration::from_millis(500),
            call_duration: Duration::from_secs(2),
            max_message_size: 64 * 1024,
            read_permissions: "all".into(),
            queues: vec![DemoQueue::default()],
            write_queue: 1_000_000,
            #[cfg(feature = "tls")]
            tls: None,
            seed: None,
            config_files: vec![("pjsip.conf".into(), DEMO_PJSIP_CONF.into())],
        }
    }
}

impl fmt::Debug for ServerConfig {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut d = f.debug_struct("ServerConfig");
        d.field("username", &self.username)
            .field("secret", &"<redacted>")
            .field("command_format", &self.command_format)
            .field("faults", &self.faults)
            .field("version", &self.version)
            .field("asterisk_version", &self.asterisk_version)
            .field("time_scale", &self.time_scale)
            .field("ring_time", &self.ring_time)
            .field("call_duration", &self.call_duration)
            .field("max_message_size", &self.max_message_size)
            .field("read_permissions", &self.read_permissions)
            .field("queues", &self.queues)
            .field("write_queue", &self.write_queue);
        #[cfg(feature = "tls")]
        d.field("tls", &self.tls.is_some());
        d.field("seed", &self.seed)
            .field(
                "config_files",
                &self.config_files.iter().map(|(n, _)| n).collect::<Vec<_>>(),
            )
            .finish()
    }
}

impl ServerConfig {
    /// Real time for a simulated duration.
    fn scaled(&self, simulated: Duration) -> Duration {
        let scale = if self.time_scale.is_finite() && self.time_scale > 0.0 {
            self.time_scale
        } else {
            0.0
        };
        Duration::try_from_secs_f64(simulated.as_secs_f64() * scale)
            .unwrap_or(Duration::from_secs(3600))
    }
}

/// A running embedded AMI server. Dropping it shuts it down.
#[derive(Debug)]
pub struct Server {
    hub: Arc<Hub>,
    addr: SocketAddr,
}

impl Server {
    /// Binds `127.0.0.1:0` and starts accepting connections.
    pub async fn start(config: ServerConfig) -> std::io::Result<Server> {
        Server::start_on(SocketAddr::from(([127, 0, 0, 1], 0)), config).await
    }

    /// Binds `addr` and starts accepting connections.
    pub async fn start_on(addr: SocketAddr, config: ServerConfig) -> std::io::Result<Server> {
        let listener = TcpListener::bind(addr).await?;
        let addr = listener.local_addr()?;
        let hub = Arc::new(Hub::new(config));
        tokio::spawn(accept_loop(listener, Arc::clone(&hub)));
        Ok(Server { hub, addr })
    }

    /// Restarts like an Asterisk restart: closes every connection and stops
    /// listening, stays away for `downtime` (connections are refused), then
    /// listens on the same address again with a fresh simulated system (no
    /// calls, no sessions).
    pub async fn restart(&mut self, downtime: Duration) -> std::io::Result<()> {
        let config = self.hub.config.clone();
        self.shutdown();
        tokio::time::sleep(downtime).await;
        // The old listener closes once its task sees the shutdown.
        let mut tries = 0;
        let listener = loop {
            match TcpListener::bind(self.addr).await {
                Ok(l) => break l,
                Err(e) if e.kind() == std::io::ErrorKind::AddrInUse && tries < 200 => {
                    tries += 1;
                    tokio::time::sleep(Duration::from_millis(5)).await;
                }
                Err(e) => return Err(e),
            }
        };
        self.hub = Arc::new(Hub::new(config));
        tokio::spawn(accept_loop(listener, Arc::clone(&self.hub)));
        Ok(())
    }

    /// The address the server listens on.
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// `ami://user:secret@127.0.0.1:port` (`amis://` with TLS), for
    /// `ami_types::connect` or any client.
    pub fn url(&self) -> String {
        let c = &self.hub.config;
        #[cfg(feature = "tls")]
        let scheme = if c.tls.is_some() { "amis" } else { "ami" };
        #[cfg(not(feature = "tls"))]
        let scheme = "ami";
        format!("{scheme}://{}:{}@{}", c.username, c.secret, self.addr)
    }

    /// Sends an event to every logged-in session whose event mask lets it
    /// through (judged by its `Privilege`; a message without one goes to
    /// every session with events on). A message that cannot be encoded
    /// (CR/LF in a value) is dropped.
    pub fn emit(&self, msg: Message) {
        self.hub.broadcast(std::slice::from_ref(&msg));
    }

    /// Writes raw bytes to every connected session, logged in or not.
    pub fn inject_raw(&self, bytes: Vec<u8>) {
        let bytes = Bytes::from(bytes);
        for s in self.hub.sessions().values() {
            s.send(Out::Raw(bytes.clone()));
        }
    }

    /// Closes every session's socket now, without writing what is queued.
    pub fn drop_connections(&self) {
        for s in self.hub.sessions().values() {
            s.kill();
        }
    }

    /// Stops accepting, closes every connection and ends every call task.
    pub fn shutdown(&self) {
        self.hub.shutdown.send_replace(true);
        self.drop_connections();
    }

    /// The number of simulated calls in progress.
    pub fn active_calls(&self) -> usize {
        self.hub.world().active_calls()
    }

    /// The names of the actions the server has received from every session
    /// (as sent: `Ping`, `PJSIPHangup`), oldest first; the last
    /// [`ACTIONS_KEPT`] are kept. For tests that check what reached the
    /// wire.
    pub fn actions_received(&self) -> Vec<String> {
        lock(&self.hub.received).iter().cloned().collect()
    }

    /// The number of sessions logged in (a connection counts from its
    /// successful `Login`; events reach it from then on).
    pub fn logged_in(&self) -> usize {
        self.hub
            .sessions()
            .values()
            .filter(|s| s.logged_in.load(std::sync::atomic::Ordering::Acquire))
            .count()
    }

    /// The number of open client connections, logged in or not.
    pub fn connections(&self) -> usize {
        self.hub.sessions().len()
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        self.shutdown();
    }
}

async fn accept_loop(listener: TcpListener, hub: Arc<Hub>) {
    let mut stop = hub.shutdown.subscribe();
    loop {
        tokio::select! {
            _ = until_set(&mut stop) => return,
            accepted = listener.accept() => match accepted {
                Ok((stream, _)) => {
                    tokio::spawn(session::accept(Arc::clone(&hub), stream));
                }
                Err(e) => {
                    tracing::debug!("ami server: accept failed: {e}");
                    tokio::time::sleep(Duration::from_millis(10)).await;
                }
            },
        }
    }
}

/// State shared by the server handle, the sessions and the call tasks.
///
/// Lock order: `world` before `sessions`, never the reverse.
struct Hub {
    config: ServerConfig,
    world: Mutex<World>,
    sessions: Mutex<BTreeMap<u64, Arc<SessionShared>>>,
    shutdown: watch::Sender<bool>,
    next_session: AtomicU64,
    /// The names of the last actions received, oldest first.
    received: Mutex<std::collections::VecDeque<String>>,
    /// The configuration files, as `UpdateConfig` left them.
    files: Mutex<config_files::Files>,
}

/// How many action names [`Server::actions_received`] keeps.
pub const ACTIONS_KEPT: usize = 1024;

impl fmt::Debug for Hub {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Hub")
            .field("config", &self.config)
            .finish_non_exhaustive()
    }
}

impl Hub {
    fn new(config: ServerConfig) -> Self {
        let world = World::with_seed(config.seed);
        Hub {
            world: Mutex::new(world),
            sessions: Mutex::new(BTreeMap::new()),
            shutdown: watch::channel(false).0,
            next_session: AtomicU64::new(1),
            received: Mutex::new(std::collections::VecDeque::new()),
            files: Mutex::new(config_files::Files::new(&config.config_files)),
            config,
        }
    }

    fn files(&self) -> MutexGuard<'_, config_files::Files> {
        lock(&self.files)
    }

    /// Notes an action's name for [`Server::actions_received`].
    fn received(&self, action: &str) {
        let mut names = lock(&self.received);
        if names.len() == ACTIONS_KEPT {
            names.pop_front();
        }
        names.push_back(action.to_owned());
    }

    fn world(&self) -> MutexGuard<'_, World> {
        lock(&self.world)
    }

    fn sessions(&self) -> MutexGuard<'_, BTreeMap<u64, Arc<SessionShared>>> {
        lock(&self.sessions)
    }

    fn register(&self, session: Arc<SessionShared>) {
        self.sessions().insert(session.id, session);
    }

    fn unregister(&self, id: u64) {
        self.sessions().remove(&id);
    }

    fn next_session_id(&self) -> u64 {
        self.next_session.fetch_add(1, Ordering::Relaxed)
    }

    /// Sends events, in order, to every logged-in session that wants them.
    fn broadcast(&self, events: &[Message]) {
        let encoded: Vec<(&Message, Bytes)> = events
            .iter()
            .filter_map(|m| {
                let mut buf = BytesMut::new();
                match ami_core::codec::encode(m, &mut buf) {
                    Ok(()) => Some((m, buf.freeze())),
                    Err(e) => {
                        tracing::debug!("ami server: event not sent: {e}");
                        None
                    }
                }
            })
            .collect();
        if encoded.is_empty() {
            return;
        }
        for s in self.sessions().values() {
            for (msg, bytes) in &encoded {
                if s.wants(msg, bytes) {
                    s.send(Out::Event(bytes.clone()));
                }
            }
        }
    }
}

/// Resolves once the flag is set (or its sender is gone).
async fn until_set(flag: &mut watch::Receiver<bool>) {
    let _ = flag.wait_for(|v| *v).await;
}

/// Locks a mutex, ignoring poisoning (the data stays usable: every critical
/// section leaves it consistent).
fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|e| e.into_inner())
}
