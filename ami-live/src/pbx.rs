//! [`Pbx`]: the model fed from a live connection.
//!
//! One task owns the [`Model`]. It subscribes to the client's events before
//! it asks for anything, loads the lists, applies the events that arrived
//! meanwhile (idempotently: a list answer can be ahead of the event
//! stream), then follows the stream. It applies the events waiting (up to
//! 256 at once while no [`ChangeStream`] is open, else one), then
//! publishes an immutable snapshot (a `watch` of an `Arc<State>`) and
//! their changes, every one in order (a `broadcast`): a burst costs one
//! snapshot per batch, a quiet stream one per event.
//! Readers never take a lock the task waits on for longer than an `Arc`
//! clone, and no user code runs in the task.

mod builder;
mod changes;
mod follower;
mod lists;
mod needs;

pub use builder::PbxBuilder;
use changes::Batch;
pub use changes::{ChangeItem, ChangeStream};
use needs::{missing_classes, url_user};

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, SystemTime};

use tokio::sync::{broadcast, watch};
use tokio::task::JoinHandle;

use ami_types::EventMask;

use crate::error::{Error, Result};
use crate::model::BudgetHits;
use crate::state::{State, Str};
use ami_types::action::Originate;
use ami_types::codes::HangupCause;
use ami_types::{Action, Client, ClientBuilder};

/// The default number of events whose changes a slow change consumer can
/// be behind before it is resynchronised.
pub const DEFAULT_CHANGE_BUFFER: usize = 1024;

/// What the model is doing.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Status {
    /// Loading the lists (at connect, after a reconnect or a lag).
    Loading,
    /// Following events.
    Live,
    /// The connection is gone for good; the last state stays readable.
    Closed(String),
}

#[derive(Debug)]
pub(crate) struct Shared {
    pub(crate) drift: AtomicU64,
    pub(crate) events: AtomicU64,
    pub(crate) audits: AtomicU64,
    pub(crate) budget_hits: std::sync::Mutex<BudgetHits>,
}

#[derive(Debug)]
pub(crate) struct Inner {
    pub(crate) client: Client,
    pub(crate) state_rx: watch::Receiver<Arc<State>>,
    pub(crate) changes_tx: broadcast::Sender<Arc<Batch>>,
    pub(crate) status_rx: watch::Receiver<Status>,
    pub(crate) shared: Arc<Shared>,
    pub(crate) task: JoinHandle<()>,
    pub(crate) next_id: AtomicU64,
    pub(crate) warnings: Vec<String>,
}

impl Drop for Inner {
    fn drop(&mut self) {
        self.task.abort();
    }
}

/// A live mirror of one Asterisk (cheap to clone; the model stops when the
/// last clone is dropped).
#[derive(Debug, Clone)]
pub struct Pbx {
    pub(crate) inner: Arc<Inner>,
}

impl Pbx {
    /// Connects to `url` (`ami://user:secret@host:5038`, see
    /// [`ClientBuilder::from_url`]; `?reconnect=on` to survive restarts)
    /// with default settings and returns once the model is loaded.
    pub async fn connect(url: &str) -> Result<Pbx> {
        PbxBuilder::new().connect(url).await
    }

    /// Settings.
    pub fn builder() -> PbxBuilder {
        PbxBuilder::new()
    }

    /// The client the model follows (for actions of your own).
    pub fn client(&self) -> &Client {
        &self.inner.client
    }

    /// Logs off and closes the connection; the model stops with it (the
    /// last state stays readable from snapshots already taken).
    pub async fn close(self) -> Result<()> {
        self.inner.client.clone().close().await?;
        Ok(())
    }

    /// The current state: an immutable snapshot, consistent (every event
    /// applied whole), which later events never change.
    pub fn snapshot(&self) -> Arc<State> {
        self.inner.state_rx.borrow().clone()
    }

    /// What the model is doing.
    pub fn status(&self) -> Status {
        self.inner.status_rx.borrow().clone()
    }

    /// Checks what may keep the model from seeing everything it needs,
    /// given the URL the client connected with (its user and `events=`):
    /// see [`warnings`](Pbx::warnings), which [`Pbx::connect`] fills with
    /// this. Each warning is also logged (`tracing`, warn).
    pub async fn check(&self, url: &str) -> Vec<String> {
        let mut warnings = Vec::new();
        // The URL has connected already, so it reads; `None` only for one
        // given here that does not.
        let settings = ClientBuilder::from_url(url).ok();
        match settings.as_ref().map(ClientBuilder::event_setting) {
            Some(EventMask::Off) => warnings.extend(missing_classes("the URL's events=", "off")),
            Some(EventMask::Mask(mask)) => {
                warnings.extend(missing_classes("the URL's events=", mask))
            }
            Some(EventMask::On) | None => {}
        }
        if let Some(user) = settings.as_ref().and_then(url_user) {
            let command = format!("manager show user {user}");
            match self.inner.client.command(&command).await {
                Ok(lines) => {
                    let perms = lines.iter().find_map(|l| {
                        let l = l.to_string_lossy();
                        l.trim()
                            .strip_prefix("read perm:")
                            .map(|p| p.trim().to_owned())
                    });
                    if let Some(perms) = perms {
                        warnings.extend(missing_classes(
                            &format!("manager.conf read= of {user}"),
                            &perms,
                        ));
                    }
                }
                Err(e) => {
                    tracing::debug!(error = %e, "live model: cannot check the read permissions")
                }
            }
        }
        for w in &warnings {
            tracing::warn!("live model: {w}");
        }
        warnings
    }

    /// What may keep the model from seeing everything it needs, found at
    /// connect: event classes (`call`, `dialplan`, `agent`) that the URL's
    /// `events=` or the account's `read=` leave out. Each was also logged
    /// (`tracing`, warn).
    pub fn warnings(&self) -> &[String] {
        &self.inner.warnings
    }

    /// How often each limit of the model's [`Budget`](crate::Budget) was hit (see
    /// [`PbxBuilder::budget`]).
    pub fn budget_hits(&self) -> BudgetHits {
        *self
            .inner
            .shared
            .budget_hits
            .lock()
            .unwrap_or_else(|e| e.into_inner())
    }

    /// Events applied since the start.
    pub fn events_applied(&self) -> u64 {
        self.inner.shared.events.load(Ordering::Relaxed)
    }

    /// Channels the audit repaired (see [`PbxBuilder::audit`]), plus the
    /// changes of resynchronisations after a reconnect or a lag: what the
    /// events did not bring.
    pub fn drift(&self) -> u64 {
        self.inner.shared.drift.load(Ordering::Relaxed)
    }

    /// Audits run so far.
    pub fn audits(&self) -> u64 {
        self.inner.shared.audits.load(Ordering::Relaxed)
    }

    /// A stream of the changes from now on.
    pub fn changes(&self) -> ChangeStream {
        let rx = self.inner.changes_tx.subscribe();
        ChangeStream {
            rx,
            seen: self.snapshot(),
            pending: Default::default(),
            state_rx: self.inner.state_rx.clone(),
        }
    }

    /// Waits until `ready` holds for the state, and returns that state. The
    /// predicate runs in the caller's task, on a snapshot.
    pub async fn until(&self, mut ready: impl FnMut(&State) -> bool) -> Result<Arc<State>> {
        let mut rx = self.inner.state_rx.clone();
        loop {
            let state = rx.borrow_and_update().clone();
            if ready(&state) {
                return Ok(state);
            }
            if rx.changed().await.is_err() {
                return Err(self.closed());
            }
        }
    }

    /// [`until`](Pbx::until) with a deadline.
    pub async fn until_within(
        &self,
        within: Duration,
        ready: impl FnMut(&State) -> bool,
    ) -> Result<Arc<State>> {
        match tokio::time::timeout(within, self.until(ready)).await {
            Ok(r) => r,
            Err(_) => Err(Error::Timeout("a state")),
        }
    }

    pub(crate) fn closed(&self) -> Error {
        match self.status() {
            Status::Closed(why) => Error::Closed(why),
            _ => Error::Closed("the model's task ended".into()),
        }
    }

    /// Originates a call with a `ChannelId` chosen here (unless the action
    /// has one), so the model knows the call before its first event; waits
    /// for the `OriginateResponse` and returns the outcome. The call's id
    /// is that `Uniqueid` (the call follows its channels through Local
    /// channel optimisation and merges; [`CallHandle`](crate::CallHandle) finds it).
    pub async fn originate_call(&self, originate: Originate) -> Result<OriginatedCall> {
        let sent = originate.to_message();
        let (originate, uniqueid) = match sent.get("ChannelId").map(|v| v.to_string_lossy()) {
            Some(id) if !id.trim().is_empty() => (originate, Str::from(id.trim())),
            _ => {
                let now = SystemTime::now()
                    .duration_since(SystemTime::UNIX_EPOCH)
                    .unwrap_or_default()
                    .as_secs();
                let n = self.inner.next_id.fetch_add(1, Ordering::Relaxed);
                let id = format!("{now}.live{}.{n}", std::process::id());
                (originate.channel_id(id.clone()), Str::from(id))
            }
        };
        let response = self.inner.client.originate(&originate).await?;
        let reason = response
            .reason()
            .unwrap_or(ami_types::codes::OriginateReason::Failed);
        let answered = response.is_success();
        let uniqueid = response
            .uniqueid()
            .map(crate::model::value)
            .filter(|u| !u.is_empty() && **u != *"<null>")
            .unwrap_or(uniqueid);
        // The model reads the same events on its own task: let it catch up
        // with the originated channel (up, its own DialEnd seen, or hung up
        // when the call failed) before reading the call.
        let seen = |s: &State| match s.channel(&uniqueid) {
            Some(c) => answered && c.is_up() && c.dial.as_ref().is_some_and(|d| d.ended),
            None => s.tombstones.contains_key(&uniqueid),
        };
        let state = match self.until_within(Duration::from_secs(2), seen).await {
            Ok(state) => state,
            Err(_) => self.snapshot(),
        };
        let cause = state
            .tombstones
            .get(&uniqueid)
            .and_then(|t| t.cause)
            .filter(|_| state.channel(&uniqueid).is_none());
        let call = state
            .channel(&uniqueid)
            .map(|c| c.call.clone())
            .unwrap_or_else(|| uniqueid.clone());
        let dial_status = state
            .call(&call)
            .and_then(|c| c.dial_status.clone())
            .or_else(|| {
                state
                    .ended_call(&call)
                    .and_then(|e| e.call.dial_status.clone())
            });
        Ok(OriginatedCall {
            call,
            uniqueid,
            answered,
            reason,
            cause,
            dial_status,
        })
    }
}

/// How an originated call went.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OriginatedCall {
    /// The call's id (see [`Pbx::call`]).
    pub call: Str,
    /// The originated channel's `Uniqueid` (the `ChannelId` chosen).
    pub uniqueid: Str,
    /// Whether it was answered.
    pub answered: bool,
    /// `OriginateResponse`'s `Reason` (`Failed` when it had none).
    pub reason: ami_types::codes::OriginateReason,
    /// The hangup cause, when the channel is already gone.
    pub cause: Option<HangupCause>,
    /// What the far end did by then, seen through Local channels (see
    /// [`Call::dial_status`](crate::Call::dial_status)); later changes are
    /// on the [`CallHandle`](crate::CallHandle).
    pub dial_status: Option<Str>,
}

impl OriginatedCall {
    /// The outcome by name: `answered`, `busy`, `no answer`, `congestion`,
    /// `hung up` or `failed`: what the far end did when a dial to it
    /// ended (through Local channels: a Local channel's `;1` is answered
    /// as soon as its `;2` runs `Answer()`, whatever the far end does),
    /// else the `OriginateResponse`'s `Reason`.
    pub fn outcome(&self) -> &'static str {
        match self.dial_status.as_deref() {
            Some("ANSWER") => return "answered",
            Some("BUSY") => return "busy",
            Some("NOANSWER") => return "no answer",
            Some("CONGESTION") => return "congestion",
            Some("CHANUNAVAIL") => return "failed",
            Some("CANCEL") => return "hung up",
            _ => {}
        }
        use ami_types::codes::OriginateReason as R;
        match (self.answered, self.reason) {
            (true, _) | (_, R::Answered) => "answered",
            (_, R::Busy) => "busy",
            (_, R::NoAnswer) => "no answer",
            (_, R::Congestion) => "congestion",
            (_, R::HungUp) => "hung up",
            _ => "failed",
        }
    }
}
