//! The task that owns the model: it applies events, publishes each
//! snapshot and its changes, reloads after a gap, refreshes the queues and
//! runs the audit.

use std::sync::atomic::Ordering;
use std::sync::Arc;
use std::time::Duration;

use tokio::sync::{broadcast, watch};

use super::changes::Batch;
use super::lists::{fetch_lists, list_items};
use super::{Shared, Status};
use crate::change::{ChangeRecord, Origin};
use crate::model::{BudgetHits, Lists, Model};
use crate::state::{State, Str};
use ami_types::action::{CoreShowChannels, QueueStatus, Status as StatusAction};
use ami_types::event::{CoreShowChannel, Event};
use ami_types::{Client, EventStream, FromMessage, StreamError};

/// The most events applied before their changes and the snapshot after
/// them are published (when that many are waiting and no change stream
/// is open).
const BATCH: usize = 256;

/// The task that owns the model.
pub(crate) struct Follower {
    pub(crate) client: Client,
    pub(crate) model: Model,
    pub(crate) state_tx: watch::Sender<Arc<State>>,
    pub(crate) changes_tx: broadcast::Sender<Arc<Batch>>,
    pub(crate) status_tx: watch::Sender<Status>,
    pub(crate) shared: Arc<Shared>,
    pub(crate) initial: Vec<ChangeRecord>,
}

impl Follower {
    pub(crate) async fn run(
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
                        // This event and what else is buffered, without
                        // waiting, published as one batch: every change
                        // in order, one snapshot after them. A change
                        // stream's buffer counts what is published
                        // (`PbxBuilder::change_buffer` events), so while
                        // one is open each event is published alone.
                        let limit = if self.changes_tx.receiver_count() > 0 {
                            1
                        } else {
                            BATCH
                        };
                        let mut batch = Vec::new();
                        self.apply(event, &mut batch).await;
                        for _ in 1..limit {
                            match events.try_recv() {
                                Ok(Some(event)) => self.apply(event, &mut batch).await,
                                _ => break,
                            }
                        }
                        self.publish(batch);
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

    /// Applies one event, adding its changes to `batch` (published, with
    /// the snapshot after them, by the caller; or here first when a
    /// `Reload` makes the model load the queues, so the order holds).
    async fn apply(&mut self, event: Event, batch: &mut Vec<ChangeRecord>) {
        let reload = matches!(&event, Event::Reload(r)
            if r.module().is_none_or(|m| m.is_empty() || m.to_string_lossy().contains("queue")));
        self.shared.events.fetch_add(1, Ordering::Relaxed);
        batch.extend(self.model.apply(event));
        // Once a limit was hit (rare), the counts are kept current.
        if self.model.budget_hits() != BudgetHits::default() {
            *self
                .shared
                .budget_hits
                .lock()
                .unwrap_or_else(|e| e.into_inner()) = self.model.budget_hits();
        }
        if reload {
            // A new or realtime queue: only QueueStatus tells.
            self.publish(std::mem::take(batch));
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
        let mut batch = Vec::new();
        while let Ok(Some(event)) = events.try_recv() {
            self.apply(event, &mut batch).await;
        }
        self.publish(batch);
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
                        || item.channel_state() != Some(c.state)
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
