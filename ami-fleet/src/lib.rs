//! # ami-fleet
//!
//! Many Asterisk servers as one typed stream: a [`Fleet`] holds one client
//! per PBX, by name, each with a reconnect policy, and merges their events
//! into one stream of [`FleetItem`]s — `(pbx, Event)` and, per PBX, the
//! notices that matter (up, down, the gap a reconnect left, events missed).
//! Actions are routed by PBX name; [`Fleet::health`] says, per PBX, whether
//! it is up and since when, how many events came, how fast, and when the
//! last one did.
//!
//! One PBX down never stalls the others: each has a task of its own that
//! connects (and, when the first attempt fails, tries again with the
//! policy's backoff) and forwards its events; a PBX that cannot be reached
//! is reported [`PbxNotice::Down`] while the others stream on. A consumer
//! slower than the PBXs makes them lag, each by itself, within its client's
//! event buffer (bounded in bytes), and is told how many events it missed
//! ([`PbxNotice::Lagged`]); the AMI sockets are never left unread.
//!
//! ```
//! # #[tokio::main(flavor = "current_thread")]
//! # async fn main() -> Result<(), Box<dyn std::error::Error>> {
//! # let east = ami_server::Server::start(Default::default()).await?;
//! # let west = ami_server::Server::start(Default::default()).await?;
//! use ami_fleet::{Fleet, FleetItem};
//! use ami_types::action::Ping;
//!
//! let (fleet, mut events) = Fleet::builder()
//!     .pbx_url("east", &east.url())?
//!     .pbx_url("west", &west.url())?
//!     .start();
//! fleet.until_up("west").await?;
//! let pong = fleet.send("west", &Ping::new()).await?;
//! assert_eq!(pong.ping().unwrap(), "Pong");
//! while let Some(FleetItem { pbx, item }) = events.recv().await {
//!     if let ami_fleet::PbxItem::Event(e) = item {
//!         println!("{pbx}: {}", e.name());
//!         break;
//!     }
//! }
//! # Ok(())
//! # }
//! ```

use std::collections::BTreeMap;
use std::fmt;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant, SystemTime};

use ami_types::ami_core::client::Reconnect;
use ami_types::ami_core::events::Reconnected;
use ami_types::event::Event;
use ami_types::{Action, Client, ClientBuilder, StreamError};
use tokio::sync::{mpsc, watch};

/// Items the merged stream holds before the PBX tasks wait for the
/// consumer (each task then lets its own client buffer the events).
const MERGED: usize = 4096;

/// One item of the merged stream: which PBX, and what.
#[derive(Debug)]
pub struct FleetItem {
    /// The PBX's name.
    pub pbx: Arc<str>,
    /// An event of it, or a notice about it.
    pub item: PbxItem,
}

/// What a PBX sent, or what happened to its connection.
#[derive(Debug)]
pub enum PbxItem {
    /// A typed event.
    Event(Event),
    /// A notice about the PBX's connection.
    Notice(PbxNotice),
}

/// What happened to one PBX's connection, in its place among its events.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum PbxNotice {
    /// Connected and logged in (the first time, or again after
    /// [`Down`](Self::Down)); events follow.
    Up,
    /// Cannot connect, or the client gave up reconnecting: no events from
    /// this PBX until [`Up`](Self::Up) (and they are lost meanwhile).
    Down {
        /// Since when.
        since: SystemTime,
        /// Why (never the secret).
        reason: String,
    },
    /// The connection was lost and is back: the events Asterisk raised in
    /// between are lost.
    Gap {
        /// When the connection was found lost.
        down_since: SystemTime,
        /// When it was up again.
        up_at: SystemTime,
        /// Why it ended.
        reason: String,
    },
    /// The consumer fell behind by more than this PBX's event buffer and
    /// missed this many of its events.
    Lagged(u64),
}

/// The merged stream of a [`Fleet`].
#[derive(Debug)]
pub struct FleetEvents {
    rx: mpsc::Receiver<FleetItem>,
}

impl FleetEvents {
    /// The next item of any PBX; `None` once every PBX task has ended (the
    /// fleet was dropped or closed).
    pub async fn recv(&mut self) -> Option<FleetItem> {
        self.rx.recv().await
    }

    /// The next item if one is waiting.
    pub fn try_recv(&mut self) -> Option<FleetItem> {
        self.rx.try_recv().ok()
    }
}

/// Why a fleet action failed.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum FleetError {
    /// No PBX of that name in the fleet.
    #[error("no PBX named {0:?} in the fleet")]
    UnknownPbx(String),
    /// The PBX is not connected now.
    #[error("PBX {pbx:?} is down: {reason}")]
    Down {
        /// The PBX.
        pbx: String,
        /// Why.
        reason: String,
    },
    /// The action failed on the PBX.
    #[error("PBX {pbx:?}: {source}")]
    Ami {
        /// The PBX.
        pbx: String,
        /// The client's error.
        #[source]
        source: ami_types::Error,
    },
}

/// The connection state of one PBX, as [`Fleet::health`] reports it.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum PbxState {
    /// Not connected yet (the first attempt is under way).
    Connecting,
    /// Connected and logged in since then.
    Up {
        /// Since when.
        since: SystemTime,
    },
    /// Not connected, since then (reconnecting).
    Down {
        /// Since when.
        since: SystemTime,
        /// Why.
        reason: String,
    },
}

/// One PBX's health.
#[derive(Debug, Clone, PartialEq)]
pub struct PbxHealth {
    /// The PBX's name.
    pub name: Arc<str>,
    /// Whether it is connected, and since when.
    pub state: PbxState,
    /// Events received from it since the fleet started.
    pub events: u64,
    /// Events per second over the last full second.
    pub events_per_sec: f64,
    /// When its last event arrived.
    pub last_event: Option<SystemTime>,
    /// Gaps (reconnects, downs) so far.
    pub gaps: u64,
    /// The PBX's Asterisk version (`22.10.1`), once it has said on this
    /// connection (asked after each connect; `None` until it answers, or
    /// when the user may not read it).
    pub version: Option<String>,
}

/// Settings of a [`Fleet`].
#[derive(Debug, Default)]
pub struct FleetBuilder {
    pbxs: Vec<(Arc<str>, ClientBuilder)>,
}

impl FleetBuilder {
    /// Adds a PBX by name with these client settings. A builder without a
    /// reconnect policy gets the default one: a fleet outlives restarts.
    pub fn pbx(mut self, name: &str, builder: ClientBuilder) -> Self {
        self.pbxs.push((Arc::from(name), builder));
        self
    }

    /// Adds a PBX by name and URL (`ami://user:secret@host:port`).
    pub fn pbx_url(self, name: &str, url: &str) -> ami_types::Result<Self> {
        Ok(self.pbx(name, ClientBuilder::from_url(url)?))
    }

    /// Starts one task per PBX (each connects in the background) and
    /// returns the fleet with its merged stream. Must be called within a
    /// tokio runtime.
    pub fn start(self) -> (Fleet, FleetEvents) {
        let (tx, rx) = mpsc::channel(MERGED);
        let mut pbxs = BTreeMap::new();
        for (name, builder) in self.pbxs {
            let builder = if builder.reconnect_policy().is_some() {
                builder
            } else {
                builder.reconnect(Some(Reconnect::default()))
            };
            let (client_tx, client_rx) = watch::channel(None);
            let pbx = Arc::new(Pbx {
                name: name.clone(),
                client: client_rx,
                stats: Mutex::new(Stats::new()),
            });
            let task = tokio::spawn(run_pbx(pbx.clone(), builder, client_tx, tx.clone()));
            pbxs.insert(name, (pbx, task));
        }
        let fleet = Fleet {
            inner: Arc::new(Inner { pbxs }),
        };
        (fleet, FleetEvents { rx })
    }
}

struct Inner {
    pbxs: BTreeMap<Arc<str>, (Arc<Pbx>, tokio::task::JoinHandle<()>)>,
}

impl Drop for Inner {
    fn drop(&mut self) {
        for (_, task) in self.pbxs.values() {
            task.abort();
        }
    }
}

/// Many PBXs by name (see the [crate docs](crate)). Cheap to clone; the
/// PBX tasks stop when the last clone is dropped.
#[derive(Clone)]
pub struct Fleet {
    inner: Arc<Inner>,
}

impl fmt::Debug for Fleet {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Fleet")
            .field("pbxs", &self.names())
            .finish()
    }
}

struct Pbx {
    name: Arc<str>,
    client: watch::Receiver<Option<Client>>,
    stats: Mutex<Stats>,
}

impl Pbx {
    fn stats(&self) -> std::sync::MutexGuard<'_, Stats> {
        self.stats.lock().unwrap_or_else(|e| e.into_inner())
    }
}

struct Stats {
    state: PbxState,
    events: u64,
    gaps: u64,
    last_event: Option<SystemTime>,
    /// Events counted in the current second, and when it began.
    window: (u64, Instant),
    /// Events per second over the last full second.
    rate: f64,
}

impl Stats {
    fn new() -> Stats {
        Stats {
            state: PbxState::Connecting,
            events: 0,
            gaps: 0,
            last_event: None,
            window: (0, Instant::now()),
            rate: 0.0,
        }
    }

    fn event(&mut self) {
        self.events += 1;
        self.last_event = Some(SystemTime::now());
        self.window.0 += 1;
        self.roll();
    }

    /// Closes the one-second window when it is over.
    fn roll(&mut self) {
        let elapsed = self.window.1.elapsed();
        if elapsed >= Duration::from_secs(1) {
            self.rate = self.window.0 as f64 / elapsed.as_secs_f64();
            self.window = (0, Instant::now());
        }
    }
}

impl Fleet {
    /// A builder.
    pub fn builder() -> FleetBuilder {
        FleetBuilder::default()
    }

    /// The PBX names, sorted.
    pub fn names(&self) -> Vec<Arc<str>> {
        self.inner.pbxs.keys().cloned().collect()
    }

    fn pbx(&self, name: &str) -> Result<&Arc<Pbx>, FleetError> {
        self.inner
            .pbxs
            .get(name)
            .map(|(p, _)| p)
            .ok_or_else(|| FleetError::UnknownPbx(name.to_owned()))
    }

    /// The client of a PBX, when it is connected (clone it freely; with
    /// its reconnect policy it talks to whichever connection is up).
    pub fn client(&self, name: &str) -> Result<Client, FleetError> {
        let pbx = self.pbx(name)?;
        let client = pbx.client.borrow().clone();
        match client {
            Some(c) if c.is_connected() => Ok(c),
            _ => Err(FleetError::Down {
                pbx: name.to_owned(),
                reason: match &pbx.stats().state {
                    PbxState::Down { reason, .. } => reason.clone(),
                    PbxState::Connecting => "not connected yet".to_owned(),
                    PbxState::Up { .. } => "reconnecting".to_owned(),
                },
            }),
        }
    }

    /// Sends a typed action to one PBX.
    pub async fn send<A: Action>(&self, pbx: &str, action: &A) -> Result<A::Response, FleetError> {
        let client = self.client(pbx)?;
        client.send(action).await.map_err(|source| FleetError::Ami {
            pbx: pbx.to_owned(),
            source,
        })
    }

    /// Waits until a PBX is connected the first time (or again).
    pub async fn until_up(&self, name: &str) -> Result<Client, FleetError> {
        let pbx = self.pbx(name)?;
        let mut rx = pbx.client.clone();
        loop {
            if let Some(c) = rx.borrow_and_update().clone() {
                if c.is_connected() {
                    return Ok(c);
                }
            }
            if rx.changed().await.is_err() {
                return self.client(name);
            }
        }
    }

    /// Logs off every PBX that is connected (within a second each) and
    /// stops the PBX tasks; the merged stream then ends.
    pub async fn close(&self) {
        for (pbx, task) in self.inner.pbxs.values() {
            task.abort();
            let client = pbx.client.borrow().clone();
            if let Some(client) = client {
                let _ = tokio::time::timeout(Duration::from_secs(1), client.close()).await;
            }
        }
    }

    /// Every PBX's health, sorted by name.
    pub fn health(&self) -> Vec<PbxHealth> {
        self.inner
            .pbxs
            .values()
            .map(|(pbx, _)| {
                let mut s = pbx.stats();
                s.roll();
                let client = pbx.client.borrow().clone();
                let up_now = client.as_ref().is_some_and(Client::is_connected);
                let state = match (&s.state, up_now) {
                    (PbxState::Up { .. }, false) => PbxState::Down {
                        since: SystemTime::now(),
                        reason: "reconnecting".to_owned(),
                    },
                    (state, _) => state.clone(),
                };
                PbxHealth {
                    name: pbx.name.clone(),
                    state,
                    events: s.events,
                    events_per_sec: s.rate,
                    last_event: s.last_event,
                    gaps: s.gaps,
                    version: client.as_ref().and_then(Client::cached_version),
                }
            })
            .collect()
    }
}

/// One PBX's task: connect (again and again while it fails), forward its
/// events, and start over if its client gives up.
async fn run_pbx(
    pbx: Arc<Pbx>,
    builder: ClientBuilder,
    client_tx: watch::Sender<Option<Client>>,
    tx: mpsc::Sender<FleetItem>,
) {
    let policy = builder.reconnect_policy().cloned().unwrap_or_default();
    let mut attempt = 0u32;
    let mut down: Option<(SystemTime, String)> = None;
    let notice = |n: PbxNotice| FleetItem {
        pbx: pbx.name.clone(),
        item: PbxItem::Notice(n),
    };
    loop {
        let (client, events) = match builder.connect_untyped().await {
            Ok(pair) => pair,
            Err(e) => {
                attempt = attempt.saturating_add(1);
                let reason = e.to_string();
                if down.is_none() {
                    match go_down(&pbx, &tx, reason).await {
                        Some(d) => down = Some(d),
                        None => return,
                    }
                }
                tokio::time::sleep(policy.delay(attempt)).await;
                continue;
            }
        };
        attempt = 0;
        let up_at = SystemTime::now();
        {
            let mut s = pbx.stats();
            s.state = PbxState::Up { since: up_at };
            if down.is_some() {
                s.gaps += 1;
            }
        }
        tracing::info!(pbx = %pbx.name, "PBX up");
        learn_version(&client);
        client_tx.send_replace(Some(client.clone()));
        if tx.send(notice(PbxNotice::Up)).await.is_err() {
            return;
        }
        if let Some((down_since, reason)) = down.take() {
            let gap = PbxNotice::Gap {
                down_since,
                up_at,
                reason,
            };
            if tx.send(notice(gap)).await.is_err() {
                return;
            }
        }
        let mut events = events.typed::<Event>();
        let ended = loop {
            let item = match events.recv().await {
                Ok(event) => {
                    pbx.stats().event();
                    PbxItem::Event(event)
                }
                Err(StreamError::Lagged(n)) => PbxItem::Notice(PbxNotice::Lagged(n)),
                Err(StreamError::Reconnected(gap)) => {
                    pbx.stats().gaps += 1;
                    learn_version(&client);
                    PbxItem::Notice(gap_notice(&gap))
                }
                Err(StreamError::Disconnected(reason)) => break reason,
            };
            let item = FleetItem {
                pbx: pbx.name.clone(),
                item,
            };
            if tx.send(item).await.is_err() {
                // Nobody reads any more: log off.
                let _ = tokio::time::timeout(Duration::from_secs(1), client.close()).await;
                return;
            }
        };
        // The client gave up: down until a new connection is made.
        client_tx.send_replace(None);
        match go_down(&pbx, &tx, ended.to_string()).await {
            Some(d) => down = Some(d),
            None => return,
        }
    }
}

/// Asks the PBX its version in the background, for [`PbxHealth::version`]
/// (the client keeps it until the connection is lost).
fn learn_version(client: &Client) {
    let client = client.clone();
    tokio::spawn(async move {
        if let Err(e) = client.asterisk_version().await {
            tracing::debug!(error = %e, "the PBX did not say its version");
        }
    });
}

/// Marks the PBX down and says so in the merged stream: when and why, or
/// `None` when nobody reads the stream any more.
async fn go_down(
    pbx: &Pbx,
    tx: &mpsc::Sender<FleetItem>,
    reason: String,
) -> Option<(SystemTime, String)> {
    let since = SystemTime::now();
    tracing::warn!(pbx = %pbx.name, %reason, "PBX down");
    pbx.stats().state = PbxState::Down {
        since,
        reason: reason.clone(),
    };
    let item = FleetItem {
        pbx: pbx.name.clone(),
        item: PbxItem::Notice(PbxNotice::Down {
            since,
            reason: reason.clone(),
        }),
    };
    tx.send(item).await.ok()?;
    Some((since, reason))
}

fn gap_notice(gap: &Reconnected) -> PbxNotice {
    PbxNotice::Gap {
        down_since: gap.down_since,
        up_at: gap.up_at,
        reason: gap.reason.to_string(),
    }
}
