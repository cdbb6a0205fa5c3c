//! [`ChangeStream`]: one consumer's view of the model's changes, with a
//! fresh snapshot and the difference when it falls behind.

use std::sync::Arc;

use tokio::sync::{broadcast, watch};

use crate::change::{Change, ChangeRecord};
use crate::diff::diff;
use crate::state::State;

/// The changes of one event (or one load), with the state after them.
#[derive(Debug)]
pub(crate) struct Batch {
    pub(crate) records: Vec<ChangeRecord>,
    pub(crate) state: Arc<State>,
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
    pub(crate) rx: broadcast::Receiver<Arc<Batch>>,
    pub(crate) seen: Arc<State>,
    pub(crate) pending: std::collections::VecDeque<ChangeRecord>,
    pub(crate) state_rx: watch::Receiver<Arc<State>>,
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
