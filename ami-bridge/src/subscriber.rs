//! The consuming side: a durable JetStream consumer that yields typed
//! `(pbx, Event)` rebuilt from the raw pairs — the same `Event` a direct
//! client gets — and the gap markers, in stream order.

use std::time::SystemTime;

use ami_types::event::Event;
use async_nats::jetstream::{self, consumer::pull};
use futures_util::StreamExt;

use crate::schema::{parse_time, EventRecord, GapRecord};
use crate::BridgeError;

/// One item of the stream.
#[derive(Debug)]
pub enum BridgeItem {
    /// An event of a PBX.
    Event {
        /// The PBX.
        pbx: String,
        /// Its number in the bridge's run.
        seq: u64,
        /// When the bridge received it.
        received_at: Option<SystemTime>,
        /// The event, typed.
        event: Box<Event>,
    },
    /// Events of a PBX may be missing between two times.
    Gap(GapRecord),
}

/// A durable consumer of the bridge's stream. Each item is acknowledged
/// when the next one is asked for (or on [`ack`](Self::ack)), so that after
/// a restart the consumer resumes after the last item it finished with.
pub struct Subscriber {
    messages: pull::Stream,
    unacked: Option<jetstream::Message>,
    /// The consumer's durable name, for errors.
    durable: String,
}

impl std::fmt::Debug for Subscriber {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Subscriber").finish_non_exhaustive()
    }
}

impl Subscriber {
    /// The durable consumer `durable` of `stream` (created when it does not
    /// exist), for the subjects of `filter` (`ami.*.event.>`: everything;
    /// `ami.east.event.>`: one PBX, with its gaps; `ami.*.event.Hangup`:
    /// one event, without gaps).
    pub async fn connect(
        nats: async_nats::Client,
        stream: &str,
        durable: &str,
        filter: &str,
    ) -> Result<Subscriber, BridgeError> {
        let js = jetstream::new(nats);
        let stream = js
            .get_stream(stream)
            .await
            .map_err(|e| BridgeError::Stream {
                name: stream.to_owned(),
                cause: e.into(),
            })?;
        let consumer: jetstream::consumer::Consumer<pull::Config> = stream
            .get_or_create_consumer(
                durable,
                pull::Config {
                    durable_name: Some(durable.to_owned()),
                    filter_subject: filter.to_owned(),
                    ack_policy: jetstream::consumer::AckPolicy::Explicit,
                    ..Default::default()
                },
            )
            .await
            .map_err(|e| BridgeError::Consumer {
                durable: durable.to_owned(),
                cause: e.into(),
            })?;
        let messages = consumer
            .messages()
            .await
            .map_err(|e| BridgeError::Consumer {
                durable: durable.to_owned(),
                cause: e.into(),
            })?;
        Ok(Subscriber {
            messages,
            unacked: None,
            durable: durable.to_owned(),
        })
    }

    /// Acknowledges the last item given and waits until the server has
    /// recorded it.
    pub async fn ack(&mut self) -> Result<(), BridgeError> {
        if let Some(m) = self.unacked.take() {
            m.double_ack().await.map_err(BridgeError::Ack)?;
        }
        Ok(())
    }

    /// The next item (acknowledging the one before, without waiting for
    /// the server to confirm it: call [`ack`](Self::ack) for that, e.g.
    /// before stopping); `None` when the consumer ends.
    pub async fn next(&mut self) -> Result<Option<BridgeItem>, BridgeError> {
        if let Some(m) = self.unacked.take() {
            m.ack().await.map_err(BridgeError::Ack)?;
        }
        loop {
            let Some(msg) = self.messages.next().await else {
                return Ok(None);
            };
            let msg = msg.map_err(|e| BridgeError::Consumer {
                durable: self.durable.clone(),
                cause: e.into(),
            })?;
            let item = if crate::schema::is_gap_subject(&msg.subject) {
                serde_json::from_slice::<GapRecord>(&msg.payload).map(BridgeItem::Gap)
            } else {
                serde_json::from_slice::<EventRecord>(&msg.payload).map(|r| BridgeItem::Event {
                    event: Box::new(r.to_event()),
                    received_at: parse_time(&r.received_at),
                    pbx: r.pbx,
                    seq: r.seq,
                })
            };
            match item {
                Ok(item) => {
                    self.unacked = Some(msg);
                    return Ok(Some(item));
                }
                Err(e) => {
                    // Not ours (or a schema this version does not read):
                    // say so, and go on.
                    tracing::warn!(subject = %msg.subject, error = %e, "skipped a message that is not a bridge record");
                    let _ = msg.ack().await;
                }
            }
        }
    }
}
