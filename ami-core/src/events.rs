//! [`EventStream`]: the events of a connection, for any number of subscribers.
//!
//! Built on [`tokio::sync::broadcast`]: the connection's reader never waits for
//! a subscriber. Every subscriber may fall behind by at most the configured
//! buffer (`ClientBuilder::event_buffer`, 4096 events by default); the
//! memory is one shared ring of that size however many subscribers there are,
//! and each event is stored once (a [`Message`] clone is a reference-count
//! bump). A subscriber that falls further behind is told how many events it
//! missed ([`StreamError::Lagged`]) and continues with the oldest one still
//! buffered: never a silent loss, never unbounded memory.
//!
//! The stream ends with [`StreamError::Disconnected`] once the connection is
//! gone and the events buffered before that were delivered.

use std::sync::{Arc, Mutex, OnceLock};

use tokio::sync::broadcast;

use crate::message::Message;

/// Why [`EventStream::recv`] returned no event.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum StreamError {
    /// This subscriber fell behind and missed this many events. The stream
    /// continues with the oldest event still buffered.
    #[error("event subscriber lagged behind and missed {0} events")]
    Lagged(u64),
    /// The connection is gone; no more events will come.
    #[error("event stream ended: {0}")]
    Disconnected(String),
}

impl StreamError {
    /// Whether the stream has ended.
    pub fn is_disconnected(&self) -> bool {
        matches!(self, StreamError::Disconnected(_))
    }
}

/// State shared by the driver, the client handles and the event streams.
#[derive(Debug)]
pub(crate) struct Shared {
    /// Set once, when the connection ends.
    reason: OnceLock<String>,
    /// The publishing side, kept to create new subscribers; taken (dropped)
    /// when the connection ends so the streams see the end.
    sender: Mutex<Option<broadcast::Sender<Message>>>,
}

impl Shared {
    /// Creates the shared state and the first subscriber, before anything is
    /// sent on the connection.
    pub(crate) fn new(capacity: usize) -> (Arc<Shared>, broadcast::Sender<Message>, EventStream) {
        let (tx, rx) = broadcast::channel(capacity.max(1));
        let shared = Arc::new(Shared {
            reason: OnceLock::new(),
            sender: Mutex::new(Some(tx.clone())),
        });
        let stream = EventStream {
            rx: Some(rx),
            shared: shared.clone(),
        };
        (shared, tx, stream)
    }

    /// A new subscriber (already ended when the connection is gone).
    pub(crate) fn subscribe(self: &Arc<Self>) -> EventStream {
        let guard = self.sender.lock().unwrap_or_else(|e| e.into_inner());
        EventStream {
            rx: guard.as_ref().map(broadcast::Sender::subscribe),
            shared: self.clone(),
        }
    }

    /// Records why the connection ended and drops the shared publisher.
    pub(crate) fn close(&self, reason: String) {
        let _ = self.reason.set(reason);
        self.sender.lock().unwrap_or_else(|e| e.into_inner()).take();
    }

    /// Why the connection ended, once it has.
    pub(crate) fn reason(&self) -> Option<&str> {
        self.reason.get().map(String::as_str)
    }

    pub(crate) fn is_closed(&self) -> bool {
        self.reason.get().is_some()
    }
}

/// The events of one connection, as seen by one subscriber.
///
/// Obtained from `connect` (the first stream, which exists before the login
/// is sent, so no event is missed) or `Client::subscribe`. Events consumed by a
/// pending action (the items of an event list) do not appear here; everything
/// else does, untouched and in wire order.
#[derive(Debug)]
pub struct EventStream {
    rx: Option<broadcast::Receiver<Message>>,
    shared: Arc<Shared>,
}

impl EventStream {
    /// The next event.
    ///
    /// `Err(Lagged(n))` reports `n` missed events and the stream continues;
    /// `Err(Disconnected(reason))` is final.
    pub async fn recv(&mut self) -> Result<Message, StreamError> {
        let Some(rx) = self.rx.as_mut() else {
            return Err(self.ended());
        };
        match rx.recv().await {
            Ok(m) => Ok(m),
            Err(broadcast::error::RecvError::Lagged(n)) => Err(StreamError::Lagged(n)),
            Err(broadcast::error::RecvError::Closed) => {
                self.rx = None;
                Err(self.ended())
            }
        }
    }

    /// The next event if one is buffered, without waiting. `Ok(None)` means
    /// none is buffered right now.
    pub fn try_recv(&mut self) -> Result<Option<Message>, StreamError> {
        let Some(rx) = self.rx.as_mut() else {
            return Err(self.ended());
        };
        match rx.try_recv() {
            Ok(m) => Ok(Some(m)),
            Err(broadcast::error::TryRecvError::Empty) => Ok(None),
            Err(broadcast::error::TryRecvError::Lagged(n)) => Err(StreamError::Lagged(n)),
            Err(broadcast::error::TryRecvError::Closed) => {
                self.rx = None;
                Err(self.ended())
            }
        }
    }

    fn ended(&self) -> StreamError {
        StreamError::Disconnected(
            self.shared
                .reason()
                .unwrap_or("connection closed")
                .to_owned(),
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ev(n: usize) -> Message {
        [("Event", "Test"), ("N", &*n.to_string())]
            .into_iter()
            .collect()
    }

    #[tokio::test]
    async fn lagging_subscriber_is_told_and_continues() {
        let (shared, tx, mut slow) = Shared::new(4);
        let mut fast = shared.subscribe();
        for i in 0..10 {
            tx.send(ev(i)).unwrap();
            assert_eq!(
                fast.recv().await.unwrap().get("N").unwrap(),
                &*i.to_string()
            );
        }
        assert_eq!(slow.recv().await, Err(StreamError::Lagged(6)));
        assert_eq!(slow.recv().await.unwrap().get("N").unwrap(), "6");
        drop(tx);
        shared.close("peer went away".into());
        for _ in 7..10 {
            assert!(slow.recv().await.is_ok());
        }
        assert_eq!(
            slow.recv().await,
            Err(StreamError::Disconnected("peer went away".into()))
        );
        assert!(shared
            .subscribe()
            .recv()
            .await
            .unwrap_err()
            .is_disconnected());
    }
}
