//! [`PbxBuilder`]: a [`Pbx`]'s settings, and starting one: the lists
//! loaded, the events that came meanwhile merged, the follower spawned.

use std::sync::atomic::AtomicU64;
use std::sync::Arc;
use std::time::Duration;

use tokio::sync::{broadcast, watch};

use super::follower::Follower;
use super::lists::fetch_lists;
use super::{Inner, Pbx, Shared, Status, DEFAULT_CHANGE_BUFFER};
use crate::change::Origin;
use crate::error::{Error, Result};
use crate::model::{Budget, Model, DEFAULT_TOMBSTONES};
use ami_types::event::Event;
use ami_types::{Client, ClientBuilder, EventStream, StreamError};

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

    /// How many events' changes a slow [`ChangeStream`](crate::ChangeStream) can be behind before
    /// it gets [`ChangeItem::Lagged`](crate::ChangeItem::Lagged) (default 1024, at least 1, at most
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
