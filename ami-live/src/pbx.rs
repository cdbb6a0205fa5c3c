//! [`Pbx`]: the model fed from a live connection.
//!
//! One task owns the [`Model`]. It subscribes to the client's events before
//! it asks for anything, loads the lists, applies the events that arrived
//! meanwhile (idempotently: a list answer can be ahead of the event
//! stream), then follows the stream. After every event it publishes an
//! immutable snapshot (a `watch` of an `Arc<State>`) and the event's
//! changes (a `broadcast`); readers never take a lock the task waits on
//! for longer than an `Arc` clone, and no user code runs in the task.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, SystemTime};

use tokio::sync::{broadcast, watch};
use tokio::task::JoinHandle;

use ami_types::EventMask;
use ami_wire::classes::Classes;

use crate::change::{Change, ChangeRecord, Origin};
use crate::diff::diff;
use crate::error::{Error, Result};
use crate::model::{Budget, BudgetHits, Lists, Model, DEFAULT_TOMBSTONES};
use crate::state::{State, Str};
use ami_types::action::{
    BridgeList, ConfbridgeList, ConfbridgeListRooms, CoreShowChannels, Originate,
    PJSIPShowEndpoints, ParkedCalls, QueueStatus, Status as StatusAction,
};
use ami_types::codes::HangupCause;
use ami_types::event::{CoreShowChannel, Event};
use ami_types::{
    Action, Client, ClientBuilder, EventStream, FromMessage, ListAction, Message, StreamError,
};

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

/// The changes of one event (or one load), with the state after them.
#[derive(Debug)]
struct Batch {
    records: Vec<ChangeRecord>,
    state: Arc<State>,
}

/// Settings of a [`Pbx`].
#[derive(Debug, Clone)]
pub struct PbxBuilder {
    tombstones: usize,
    change_buffer: usize,
    queue_refresh: Option<Duration>,
    audit: Option<Duration>,
    budget: Budget,
}

impl Default for PbxBuilder {
    fn default() -> Self {
        PbxBuilder {
            budget: Budget::default(),
            tombstones: DEFAULT_TOMBSTONES,
            change_buffer: DEFAULT_CHANGE_BUFFER,
            queue_refresh: Some(Duration::from_secs(30)),
            audit: None,
        }
    }
}

impl PbxBuilder {
    /// Default settings.
    pub fn new() -> Self {
        Self::default()
    }

    /// How many hung-up channels to remember (default 4096, at least 1).
    pub fn tombstones(mut self, n: usize) -> Self {
        self.tombstones = n.max(1);
        self
    }

    /// How many events' changes a slow [`ChangeStream`] can be behind before
    /// it gets [`ChangeItem::Lagged`] (default 1024, at least 1, at most
    /// 1,000,000).
    pub fn change_buffer(mut self, events: usize) -> Self {
        self.change_buffer = events.clamp(1, 1_000_000);
        self
    }

    /// How often to re-run `QueueStatus`, whose counters (completed,
    /// abandoned, hold time) no event carries (default 30 s; `None`: only
    /// at connect and after a `Reload`). At least one second.
    pub fn queue_refresh(mut self, every: Option<Duration>) -> Self {
        self.queue_refresh = every.map(|d| d.max(Duration::from_secs(1)));
        self
    }

    /// What the model may hold (default [`Budget::default`]); what passes
    /// it is counted in [`Pbx::budget_hits`].
    pub fn budget(mut self, budget: Budget) -> Self {
        self.budget = budget;
        self
    }

    /// An audit: how often to compare the model with a fresh
    /// `CoreShowChannels` and repair each channel they disagree on that a
    /// targeted `Status Channel=<uniqueid>` confirms, counting the repairs
    /// in [`Pbx::drift`] (default off). At least one second.
    pub fn audit(mut self, every: Option<Duration>) -> Self {
        self.audit = every.map(|d| d.max(Duration::from_secs(1)));
        self
    }

    /// Connects with the settings of a URL (see
    /// [`ClientBuilder::from_url`]) and starts the model. Then it checks
    /// that the model will see what it needs (see [`Pbx::warnings`]): the
    /// URL's `events=` setting, and the account's `read=` classes as
    /// `manager show user` reports them (when the account may run CLI
    /// commands).
    pub async fn connect(&self, url: &str) -> Result<Pbx> {
        let (client, events) = ClientBuilder::from_url(url)?.connect_untyped().await?;
        let mut pbx = self.start(client, events.typed()).await?;
        let warnings = pbx.check(url).await;
        if let Some(inner) = Arc::get_mut(&mut pbx.inner) {
            inner.warnings = warnings;
        }
        Ok(pbx)
    }

    /// Starts the model on a client, with an event stream subscribed before
    /// anything else was asked (the one [`ami_types::connect`] returns, or
    /// [`Client::subscribe`]`().typed()` taken now). Returns once the
    /// lists are loaded and the buffered events merged.
    pub async fn start(&self, client: Client, mut events: EventStream<Event>) -> Result<Pbx> {
        let mut model = Model::new()
            .with_tombstone_limit(self.tombstones)
            .with_budget(self.budget);
        let lists = fetch_lists(&client, true).await?;
        let mut records = model.load(lists, Origin::Load);
        // The events that came while the lists were loading.
        loop {
            match events.try_recv() {
                Ok(Some(event)) => records.extend(model.apply(event)),
                Ok(None) => break,
                Err(StreamError::Disconnected(why)) => return Err(Error::Closed(why.to_string())),
                // The lists were taken after the gap: nothing to repair.
                Err(StreamError::Reconnected(_)) | Err(StreamError::Lagged(_)) => {}
            }
        }
        let snapshot = model.snapshot();
        let (state_tx, state_rx) = watch::channel(snapshot.clone());
        let (changes_tx, _) = broadcast::channel(self.change_buffer);
        let (status_tx, status_rx) = watch::channel(Status::Live);
        let shared = Arc::new(Shared {
            drift: AtomicU64::new(0),
            events: AtomicU64::new(0),
            audits: AtomicU64::new(0),
            budget_hits: Default::default(),
        });
        let follower = Follower {
            client: client.clone(),
            model,
            state_tx,
            changes_tx: changes_tx.clone(),
            status_tx,
            shared: shared.clone(),
            initial: records,
        };
        let task = tokio::spawn(follower.run(events, self.queue_refresh, self.audit));
        Ok(Pbx {
            inner: Arc::new(Inner {
                client,
                state_rx,
                changes_tx,
                status_rx,
                shared,
                task,
                next_id: AtomicU64::new(1),
                warnings: Vec::new(),
            }),
        })
    }
}

#[derive(Debug)]
struct Shared {
    drift: AtomicU64,
    events: AtomicU64,
    audits: AtomicU64,
    budget_hits: std::sync::Mutex<BudgetHits>,
}

#[derive(Debug)]
struct Inner {
    client: Client,
    state_rx: watch::Receiver<Arc<State>>,
    changes_tx: broadcast::Sender<Arc<Batch>>,
    status_rx: watch::Receiver<Status>,
    shared: Arc<Shared>,
    task: JoinHandle<()>,
    next_id: AtomicU64,
    warnings: Vec<String>,
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
    inner: Arc<Inner>,
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

    /// How often each limit of the model's [`Budget`] was hit (see
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

/// What [`ChangeStream::recv`] gives.
#[derive(Debug, Clone)]
pub enum ChangeItem {
    /// One change.
    Change(ChangeRecord),
    /// This consumer fell behind by more than the change buffer: here is
    /// the current state, and what changed between the last state it saw
    /// and that one.
    Lagged {
        /// The state now.
        snapshot: Arc<State>,
        /// What changed since the last change this consumer received.
        changes: Vec<Change>,
    },
}

/// The model's changes, for one consumer. A consumer that falls behind
/// never sees a broken model: it gets [`ChangeItem::Lagged`] with a fresh
/// snapshot and the difference.
#[derive(Debug)]
pub struct ChangeStream {
    rx: broadcast::Receiver<Arc<Batch>>,
    seen: Arc<State>,
    pending: std::collections::VecDeque<ChangeRecord>,
    state_rx: watch::Receiver<Arc<State>>,
}

impl ChangeStream {
    /// The next change; `None` once the model has stopped and every change
    /// was delivered.
    pub async fn recv(&mut self) -> Option<ChangeItem> {
        loop {
            if let Some(r) = self.pending.pop_front() {
                return Some(ChangeItem::Change(r));
            }
            match self.rx.recv().await {
                Ok(batch) => {
                    if batch.state.seq <= self.seen.seq {
                        continue;
                    }
                    self.seen = batch.state.clone();
                    self.pending.extend(batch.records.iter().cloned());
                }
                Err(broadcast::error::RecvError::Lagged(_)) => {
                    let snapshot = self.state_rx.borrow().clone();
                    let changes = diff(&self.seen, &snapshot);
                    self.seen = snapshot.clone();
                    return Some(ChangeItem::Lagged { snapshot, changes });
                }
                Err(broadcast::error::RecvError::Closed) => return None,
            }
        }
    }
}

/// The task that owns the model.
struct Follower {
    client: Client,
    model: Model,
    state_tx: watch::Sender<Arc<State>>,
    changes_tx: broadcast::Sender<Arc<Batch>>,
    status_tx: watch::Sender<Status>,
    shared: Arc<Shared>,
    initial: Vec<ChangeRecord>,
}

impl Follower {
    async fn run(
        mut self,
        mut events: EventStream<Event>,
        queue_refresh: Option<Duration>,
        audit: Option<Duration>,
    ) {
        let initial = std::mem::take(&mut self.initial);
        self.publish(initial);
        let far = Duration::from_secs(86_400 * 365);
        let mut queues = tokio::time::interval(queue_refresh.unwrap_or(far));
        queues.reset();
        let mut audits = tokio::time::interval(audit.unwrap_or(far));
        audits.reset();
        loop {
            tokio::select! {
                biased;
                event = events.recv() => match event {
                    Ok(event) => {
                        self.apply(event).await;
                        // What else is buffered, without waiting.
                        for _ in 0..255 {
                            match events.try_recv() {
                                Ok(Some(event)) => self.apply(event).await,
                                _ => break,
                            }
                        }
                    }
                    Err(StreamError::Reconnected(gap)) => {
                        tracing::info!(%gap, "live model: resynchronising after a reconnect");
                        self.resync(Origin::Reconnect, &mut events).await;
                    }
                    Err(StreamError::Lagged(n)) => {
                        tracing::warn!(missed = n, "live model: events lost; resynchronising");
                        self.resync(Origin::Lagged, &mut events).await;
                    }
                    Err(StreamError::Disconnected(why)) => {
                        self.status_tx.send_replace(Status::Closed(why.to_string()));
                        return;
                    }
                },
                _ = queues.tick(), if queue_refresh.is_some() => self.reload_queues().await,
                _ = audits.tick(), if audit.is_some() => self.audit(&mut events).await,
            }
        }
    }

    async fn apply(&mut self, event: Event) {
        let reload = matches!(&event, Event::Reload(r)
            if r.module().is_none_or(|m| m.is_empty() || m.to_string_lossy().contains("queue")));
        self.shared.events.fetch_add(1, Ordering::Relaxed);
        let records = self.model.apply(event);
        // Once a limit was hit (rare), the counts are kept current.
        if self.model.budget_hits() != BudgetHits::default() {
            *self
                .shared
                .budget_hits
                .lock()
                .unwrap_or_else(|e| e.into_inner()) = self.model.budget_hits();
        }
        self.publish(records);
        if reload {
            // A new or realtime queue: only QueueStatus tells.
            self.reload_queues().await;
        }
    }

    fn publish(&mut self, records: Vec<ChangeRecord>) {
        let state = self.model.snapshot();
        self.state_tx.send_replace(state.clone());
        if !records.is_empty() && self.changes_tx.receiver_count() > 0 {
            let _ = self.changes_tx.send(Arc::new(Batch { records, state }));
        }
    }

    async fn reload_queues(&mut self) {
        if let Some(queues) = list_items(&self.client, &QueueStatus::new()).await {
            let records = self.model.load(
                Lists {
                    queues: Some(queues),
                    ..Lists::default()
                },
                Origin::Load,
            );
            self.publish(records);
        }
    }

    /// Applies what is buffered now, without waiting.
    async fn drain(&mut self, events: &mut EventStream<Event>) {
        while let Ok(Some(event)) = events.try_recv() {
            self.apply(event).await;
        }
    }

    /// The audit: compares the model with a fresh `CoreShowChannels` and
    /// asks `Status Channel=<uniqueid>` about each channel the two disagree
    /// on (after applying the events that arrived meanwhile, which settle
    /// most disagreements: a list can be ahead of the stream). Only what
    /// `Status` confirms is repaired.
    async fn audit(&mut self, events: &mut EventStream<Event>) {
        let Some(listed) = list_items(&self.client, &CoreShowChannels::new()).await else {
            return;
        };
        self.drain(events).await;
        let listed: std::collections::HashMap<Str, CoreShowChannel> = listed
            .into_iter()
            .filter_map(|m| {
                let item = CoreShowChannel::from_message(m);
                Some((crate::model::value(item.uniqueid()?), item))
            })
            .collect();
        let state = self.model.snapshot();
        let mut suspects: Vec<Str> = state
            .channels
            .values()
            .filter(|c| match listed.get(&c.id.uniqueid) {
                None => true,
                Some(item) => {
                    let text = |v: Option<&ami_types::Text>| {
                        v.map(crate::model::value).unwrap_or_default()
                    };
                    *text(item.channel()) != *c.name
                        || item.channel_state() != Some(c.state.code())
                        || *text(item.bridge_id()) != *c.bridge.as_deref().unwrap_or("")
                }
            })
            .map(|c| c.id.uniqueid.clone())
            .collect();
        suspects.extend(
            listed
                .keys()
                .filter(|u| !state.channels.contains_key(*u))
                .cloned(),
        );
        self.shared.audits.fetch_add(1, Ordering::Relaxed);
        for uid in suspects {
            let answer = self.client.list(&StatusAction::new().channel(&*uid)).await;
            // Events that came meanwhile may have settled it.
            self.drain(events).await;
            let records = match answer {
                Ok(status) => match status.items.first() {
                    Some(item) => self.model.confirm_channel(item.raw()),
                    None => continue,
                },
                Err(ami_types::Error::Action { message, .. })
                    if message.to_ascii_lowercase().contains("no such channel") =>
                {
                    if self.model.state().channels.contains_key(&uid) {
                        self.model.confirm_gone(&uid)
                    } else {
                        continue;
                    }
                }
                Err(e) => {
                    tracing::debug!(error = %e, "live model: audit: Status failed");
                    continue;
                }
            };
            if !records.is_empty() {
                tracing::warn!(
                    uniqueid = %uid,
                    changes = records.len(),
                    "live model: the audit repaired a channel"
                );
                self.shared.drift.fetch_add(1, Ordering::Relaxed);
                self.publish(records);
            }
        }
    }

    /// Reloads everything after a gap; the changes are the difference
    /// between the state before and the state found.
    async fn resync(&mut self, origin: Origin, events: &mut EventStream<Event>) {
        self.status_tx.send_replace(Status::Loading);
        let lists = loop {
            match fetch_lists(&self.client, true).await {
                Ok(lists) => break lists,
                Err(e) => {
                    tracing::warn!(error = %e, "live model: reload failed; retrying");
                    if !self.client.is_connected()
                        && matches!(
                            self.client.state(),
                            ami_types::ami_core::client::ConnectionState::Closed { .. }
                        )
                    {
                        return;
                    }
                    tokio::time::sleep(Duration::from_millis(500)).await;
                    // Drain what arrived meanwhile: the next load covers it.
                    while let Ok(Some(_)) = events.try_recv() {}
                }
            }
        };
        let records = self.model.load(lists, origin);
        self.shared
            .drift
            .fetch_add(records.len() as u64, Ordering::Relaxed);
        self.publish(records);
        self.status_tx.send_replace(Status::Live);
    }
}

/// The items of a list action, as messages; `None` when the action fails
/// (its module is not loaded, or it is not permitted).
async fn list_items<A: ListAction>(client: &Client, action: &A) -> Option<Vec<Message>> {
    match client.list(action).await {
        Ok(list) => Some(list.items.iter().map(|i| i.raw().clone()).collect()),
        Err(ami_types::Error::Action { message, .. })
            if message
                .to_ascii_lowercase()
                .contains("no active conferences") =>
        {
            Some(Vec::new())
        }
        Err(e) => {
            tracing::debug!(action = A::NAME, error = %e, "live model: list skipped");
            None
        }
    }
}

/// The items of a list action sent by name; `None` when it fails or does
/// not answer with a list.
async fn untyped_list(client: &Client, action: &str) -> Option<Vec<Message>> {
    match client.send_message(Message::action(action)).await {
        Ok(reply) if reply.is_list() => Some(reply.items),
        Ok(_) => None,
        Err(e) => {
            tracing::debug!(action, error = %e, "live model: list skipped");
            None
        }
    }
}

/// Every list the model loads from. `CoreShowChannels` must answer; the
/// others are skipped when their module is absent.
async fn fetch_lists(client: &Client, everything: bool) -> Result<Lists> {
    let (show, bridge_list, parked_calls, rooms_list, endpoint_list) = (
        CoreShowChannels::new(),
        BridgeList::new(),
        ParkedCalls::new(),
        ConfbridgeListRooms::new(),
        PJSIPShowEndpoints::new(),
    );
    let channels = client.list(&show);
    let bridges = list_items(client, &bridge_list);
    let queues = async {
        if everything {
            list_items(client, &QueueStatus::new()).await
        } else {
            None
        }
    };
    let parked = list_items(client, &parked_calls);
    let endpoints = async {
        // PJSIP where res_pjsip is loaded; chan_sip and IAX2 peers where
        // those modules are (Asterisk 18 and 20: their actions are not in
        // Asterisk 22's types, so they are sent by name).
        let (pjsip, sip, iax) = tokio::join!(
            list_items(client, &endpoint_list),
            untyped_list(client, "SIPpeers"),
            untyped_list(client, "IAXpeerlist"),
        );
        if pjsip.is_none() && sip.is_none() && iax.is_none() {
            return None;
        }
        Some(
            [pjsip, sip, iax]
                .into_iter()
                .flatten()
                .flatten()
                .collect::<Vec<Message>>(),
        )
    };
    let rooms = list_items(client, &rooms_list);
    let (channels, bridges, queues, parked, rooms, endpoints) =
        tokio::join!(channels, bridges, queues, parked, rooms, endpoints);
    let channels = channels?;
    let conferences = match rooms {
        Some(rooms) => {
            let mut out = Vec::new();
            for room in rooms {
                let name = ami_types::event::ConfbridgeListRooms::from_message(room.clone())
                    .conference()
                    .map(|n| n.to_string_lossy().into_owned())
                    .unwrap_or_default();
                let members = list_items(client, &ConfbridgeList::new(name))
                    .await
                    .unwrap_or_default();
                out.push((room, members));
            }
            Some(out)
        }
        None => None,
    };
    Ok(Lists {
        channels: Some(channels.items.iter().map(|i| i.raw().clone()).collect()),
        bridges,
        queues,
        parked,
        conferences,
        endpoints,
    })
}

/// The event classes the model follows, and what it loses without each.
const NEEDED: [(&str, &str); 3] = [
    (
        "call",
        "channels, bridges, dials, hangups, parking and conferences",
    ),
    ("dialplan", "applications (Newexten) and variables (VarSet)"),
    ("agent", "queue callers and members"),
];

/// A warning per needed class that `classes` (an `Events`/`read=` value)
/// leaves out.
fn missing_classes(source: &str, classes: &str) -> Vec<String> {
    let setting = Classes::parse(classes);
    NEEDED
        .iter()
        .filter(|(class, _)| !setting.includes(class))
        .map(|(class, what)| {
            format!(
                "{source} {classes:?} leaves out the {class} class: the model will not see {what}"
            )
        })
        .collect()
}

/// The user of an AMI URL, when it is one a CLI command may name (letters,
/// digits, `-`, `_`, `.`).
fn url_user(url: &ClientBuilder) -> Option<String> {
    let user = url.username()?;
    (!user.is_empty()
        && user
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "-_.".contains(c)))
    .then(|| user.to_owned())
}
