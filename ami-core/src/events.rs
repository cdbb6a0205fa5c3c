//! [`EventStream`]: the events of a connection, for any number of subscribers.
//!
//! # Delivery policy
//!
//! Every event is stored once, in one queue per connection shared by all of
//! its subscribers, and stays there until every subscriber has taken it. The
//! queue is bounded in **bytes** (the memory the buffered events occupy,
//! [`ClientBuilder::event_buffer`](crate::ClientBuilder::event_buffer), 64 MiB
//! by default), not in events: a burst of a real PBX fits many times over.
//! The connection's reader does not wait for subscribers (Asterisk drops a
//! client that leaves its socket unread for its `writetimeout`, 100 ms by
//! default): when the subscribers that are reading are more than a quarter
//! of the buffer behind, it pauses for at most 20 ms at a time so that
//! they can catch up, then reads on. A subscriber that has taken nothing
//! for 40 ms while events wait for it (a blocked handler, a stream kept
//! and never read) is stalled: the reader never pauses for it, and it lags
//! only itself. Only when the
//! buffered events would pass the bound are the oldest dropped, and a
//! subscriber that had not taken them is told how many it missed
//! ([`StreamError::Lagged`]) before it goes on with the oldest event still
//! buffered. A slow subscriber never slows the others, and a subscriber that
//! keeps up never loses anything.
//!
//! The reader hands over events in batches (one lock and one wake-up per
//! read, not per event), as their wire bytes, cut from the read buffer
//! without copying; a subscriber takes them in batches too and makes each
//! into a [`Message`] of its own (once, when several subscribers share it).
//!
//! The stream ends with [`StreamError::Disconnected`] once the connection is
//! gone for good and the events buffered before that were delivered.
//!
//! # Reconnects
//!
//! With [`ClientBuilder::reconnect`](crate::ClientBuilder::reconnect) on, a
//! lost connection does not end the streams: they stay open while the client
//! reconnects, and each one, at the place in its order where the gap lies,
//! returns [`StreamError::Reconnected`] once, with when the connection went
//! down and when it was up again. Events Asterisk raised while the client
//! was away are lost: AMI has no replay. The notice says so; nothing in
//! the stream pretends otherwise. Events of the old connection all come
//! before the notice, events of the new one after it, and none twice. (A
//! subscriber so far behind that the notice itself was dropped from the
//! buffer is told [`StreamError::Lagged`] instead, which covers the gap.)

use std::collections::{HashMap, VecDeque};
use std::fmt;
use std::future::poll_fn;
use std::marker::PhantomData;
use std::sync::{Arc, Mutex, MutexGuard, OnceLock};
use std::task::{Poll, Waker};
use std::time::{Duration, Instant, SystemTime};

use bytes::Bytes;

use crate::action::EventType;
use crate::codec::frame_lines;
use crate::error::Disconnect;
use crate::message::Message;

/// The default bound of a connection's event buffer: 64 MiB.
pub const DEFAULT_EVENT_BUFFER_BYTES: usize = 64 << 20;

/// Events a subscriber takes from the shared queue at once.
const TAKE: usize = 256;

/// Why [`EventStream::recv`] returned no event.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum StreamError {
    /// This subscriber fell behind by more than the event buffer holds and
    /// missed this many events. The stream continues with the oldest event
    /// still buffered.
    #[error("event subscriber lagged behind and missed {0} events")]
    Lagged(u64),
    /// The connection was lost and the client reconnected (and logged in
    /// again, with its `Events` setting and filters). Events raised while
    /// it was away are lost. The stream continues with the events of the
    /// new connection.
    #[error("{0}")]
    Reconnected(Reconnected),
    /// The connection is gone; no more events will come.
    #[error("event stream ended: {0}")]
    Disconnected(Disconnect),
}

impl StreamError {
    /// Whether the stream has ended (only [`Disconnected`](Self::Disconnected)
    /// is final: after `Lagged` and `Reconnected` the stream goes on).
    pub fn is_disconnected(&self) -> bool {
        matches!(self, StreamError::Disconnected(_))
    }
}

/// The gap a reconnect left in an event stream: from when the connection
/// was found lost to when the new one was logged in. **Every event Asterisk
/// raised in between is lost** — AMI keeps no backlog for a client that was
/// away — so a program that tracks state (channels, calls, queues) should
/// treat what it knows as stale and ask again (`CoreShowChannels`,
/// `QueueStatus`, …).
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct Reconnected {
    /// When the old connection was found lost.
    pub down_since: SystemTime,
    /// When events flowed again: the new connection logged in, its
    /// filters set, and Asterisk's answer to the `Events` action that turns
    /// them on received (every event after the notice was raised after
    /// that answer).
    pub up_at: SystemTime,
    /// How many connection attempts it took (1 when the first succeeded).
    pub attempts: u32,
    /// Why the old connection ended.
    pub reason: Disconnect,
}

impl Reconnected {
    /// How long the client was away (zero if the clock went backwards).
    pub fn gap(&self) -> Duration {
        self.up_at
            .duration_since(self.down_since)
            .unwrap_or(Duration::ZERO)
    }
}

impl fmt::Display for Reconnected {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "reconnected after {:.3} s away ({} attempt{}; the connection ended: {}); events in the gap are lost",
            self.gap().as_secs_f64(),
            self.attempts,
            if self.attempts == 1 { "" } else { "s" },
            self.reason
        )
    }
}

#[derive(Debug)]
struct Subscriber {
    /// Sequence number of the next event this subscriber takes.
    next: u64,
    waker: Option<Waker>,
    /// When it last took events (or found none left): a subscriber that
    /// has not for [`STALLED`] is not waited for.
    last_take: Instant,
}

/// A subscriber that has taken nothing for this long while events wait for
/// it is stalled (a handler blocked, a stream kept and never read): the
/// reader no longer pauses for it. It lags only itself, and is told
/// [`StreamError::Lagged`] if the buffer had to drop what it had not taken.
const STALLED: Duration = Duration::from_millis(40);

/// A buffered event: as its wire bytes (cut from the read buffer without
/// copying) until a subscriber takes it, then as a [`Message`] of its own,
/// made in the subscriber's thread (so it is allocated and freed there).
/// Or the notice of a reconnect, at its place between the events.
#[derive(Debug)]
pub(crate) enum Item {
    Frame(Bytes),
    Message(Message),
    Notice(Box<Reconnected>),
}

impl Item {
    fn cost(&self) -> usize {
        match self {
            Item::Frame(b) => b.len() + std::mem::size_of::<Item>(),
            Item::Message(m) => m.heap_bytes(),
            Item::Notice(_) => std::mem::size_of::<Reconnected>(),
        }
    }

    /// Makes a frame into a message (in place); other items are kept.
    fn decode(&mut self, lines: &mut Vec<(u32, u32)>) {
        if let Item::Frame(b) = self {
            frame_lines(b, lines);
            *self = Item::Message(Message::from_frame(b, lines));
        }
    }
}

#[derive(Debug)]
struct Queue {
    /// Buffered events with their cost in bytes; `events[0]` has sequence
    /// number `base`.
    events: VecDeque<(Item, usize)>,
    base: u64,
    bytes: usize,
    limit: usize,
    subscribers: HashMap<u64, Subscriber>,
    next_id: u64,
    closed: bool,
}

impl Queue {
    fn end(&self) -> u64 {
        self.base + self.events.len() as u64
    }

    /// The smallest cursor, `except` one subscriber.
    fn min_cursor(&self, except: Option<u64>) -> u64 {
        self.subscribers
            .iter()
            .filter(|(id, _)| Some(**id) != except)
            .map(|(_, s)| s.next)
            .min()
            .unwrap_or(u64::MAX)
    }

    /// Whether subscribers that are reading still have more than a quarter
    /// of the bound to take (the reader then pauses briefly for them). A
    /// stalled subscriber ([`STALLED`]) does not count.
    fn needs_catch_up(&self, now: Instant) -> bool {
        if self.bytes <= self.limit / 4 {
            return false;
        }
        let end = self.end();
        let reading = self
            .subscribers
            .values()
            .filter(|s| s.next >= end || now.saturating_duration_since(s.last_take) < STALLED)
            .map(|s| s.next.max(self.base))
            .min()
            .unwrap_or(end);
        let len = self.events.len() as u64;
        if len == 0 || reading >= end {
            return false;
        }
        // The bytes after the slowest reading subscriber, by its share of
        // the events (their sizes are alike).
        let behind = (end - reading) as u128 * self.bytes as u128 / len as u128;
        behind > (self.limit / 4) as u128
    }

    /// Drops the events every subscriber has taken.
    fn trim_taken(&mut self) {
        let min = self.min_cursor(None);
        while self.base < min {
            let Some((_, cost)) = self.events.pop_front() else {
                break;
            };
            self.bytes -= cost;
            self.base += 1;
        }
    }

    /// Drops the oldest events until the rest fit the bound.
    fn trim_to_limit(&mut self) {
        while self.bytes > self.limit {
            let Some((_, cost)) = self.events.pop_front() else {
                break;
            };
            self.bytes -= cost;
            self.base += 1;
        }
    }
}

/// State shared by the driver, the client handles and the event streams.
#[derive(Debug)]
pub(crate) struct Shared {
    /// Set once, when the connection ends.
    reason: OnceLock<Disconnect>,
    queue: Mutex<Queue>,
}

impl Shared {
    /// Creates the shared state and the first subscriber, before anything is
    /// sent on the connection. `limit` is the byte bound of the buffer.
    pub(crate) fn new(limit: usize) -> (Arc<Shared>, EventStream) {
        let shared = Arc::new(Shared {
            reason: OnceLock::new(),
            queue: Mutex::new(Queue {
                events: VecDeque::new(),
                base: 0,
                bytes: 0,
                limit,
                subscribers: HashMap::new(),
                next_id: 0,
                closed: false,
            }),
        });
        let stream = shared.subscribe();
        (shared, stream)
    }

    fn lock(&self) -> MutexGuard<'_, Queue> {
        self.queue.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// A new subscriber: every event published from now on.
    pub(crate) fn subscribe(self: &Arc<Self>) -> EventStream {
        let mut q = self.lock();
        let id = q.next_id;
        q.next_id += 1;
        let next = q.end();
        q.subscribers.insert(
            id,
            Subscriber {
                next,
                waker: None,
                last_take: Instant::now(),
            },
        );
        drop(q);
        EventStream {
            shared: self.clone(),
            id,
            local: VecDeque::new(),
            lines: Vec::new(),
            _type: PhantomData,
        }
    }

    /// The number of subscribers (event streams) alive.
    pub(crate) fn subscribers(&self) -> usize {
        self.lock().subscribers.len()
    }

    /// Appends a batch of events (draining `batch`) and wakes the
    /// subscribers waiting for one. Returns whether the buffer is now past
    /// its high-water mark (a quarter of the bound: 16 MiB by default).
    pub(crate) fn publish(&self, batch: &mut Vec<Item>) -> bool {
        if batch.is_empty() {
            return false;
        }
        let mut wake = Vec::new();
        let high;
        {
            let mut q = self.lock();
            if q.subscribers.is_empty() || q.closed {
                // Nobody can ever read them: a later subscriber starts
                // from its own "now".
                batch.clear();
                return false;
            }
            for item in batch.drain(..) {
                let cost = item.cost();
                q.bytes += cost;
                q.events.push_back((item, cost));
            }
            q.trim_to_limit();
            high = q.needs_catch_up(Instant::now());
            for s in q.subscribers.values_mut() {
                if let Some(w) = s.waker.take() {
                    wake.push(w);
                }
            }
        }
        wake.into_iter().for_each(Waker::wake);
        high
    }

    /// Whether the subscribers that are reading are more than a quarter
    /// of the buffer behind (stalled ones do not count).
    pub(crate) fn is_high(&self) -> bool {
        self.lock().needs_catch_up(Instant::now())
    }

    /// Records why the connection ended; the streams end once they have
    /// taken what is buffered.
    pub(crate) fn close(&self, reason: Disconnect) {
        let _ = self.reason.set(reason);
        let wake: Vec<Waker> = {
            let mut q = self.lock();
            q.closed = true;
            q.subscribers
                .values_mut()
                .filter_map(|s| s.waker.take())
                .collect()
        };
        wake.into_iter().for_each(Waker::wake);
    }

    /// Why the connection ended, once it has.
    pub(crate) fn reason(&self) -> Option<&Disconnect> {
        self.reason.get()
    }

    /// The bytes the buffered events occupy now.
    #[cfg(test)]
    pub(crate) fn buffered_bytes(&self) -> usize {
        self.lock().bytes
    }
}

/// What one attempt to take events found.
enum Took {
    Some,
    Lagged(u64),
    Empty,
    Closed,
}

/// The events of one connection, as seen by one subscriber, decoded as `E`:
/// untyped [`Message`]s by default, or any [`EventType`] — one generated
/// event struct (events of other types are skipped without being decoded),
/// the generated `Event` enum, or [`RawEvent`](crate::RawEvent).
///
/// Obtained from `connect` (the first stream, which exists before the login
/// is sent, so no event is missed), [`Client::subscribe`](crate::Client::subscribe)
/// or [`Client::events`](crate::Client::events). Events consumed by a pending
/// action (the items of an event list) do not appear here; everything else
/// does, untouched and in wire order. See the [module docs](self) for what
/// is buffered and when a subscriber is told it lagged; a lag counts every
/// event missed, of any type.
pub struct EventStream<E = Message> {
    shared: Arc<Shared>,
    id: u64,
    /// Events taken from the shared queue, not yet returned (frames are
    /// made into messages as they are returned, outside the lock).
    local: VecDeque<Item>,
    /// Scratch space for the lines of a frame.
    lines: Vec<(u32, u32)>,
    _type: PhantomData<fn() -> E>,
}

impl<E> fmt::Debug for EventStream<E> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("EventStream")
            .field("type", &std::any::type_name::<E>())
            .field("subscriber", &self.id)
            .field("taken", &self.local.len())
            .finish()
    }
}

impl<E: EventType> EventStream<E> {
    /// The next event.
    ///
    /// `Err(Lagged(n))` reports `n` missed events and the stream continues;
    /// `Err(Disconnected(reason))` is final.
    pub async fn recv(&mut self) -> Result<E, StreamError> {
        loop {
            if let Some(next) = self.next_local() {
                return next;
            }
            poll_fn(|cx| match self.take(Some(cx.waker())) {
                Took::Some => Poll::Ready(Ok(())),
                Took::Lagged(n) => Poll::Ready(Err(StreamError::Lagged(n))),
                Took::Closed => Poll::Ready(Err(self.ended())),
                Took::Empty => Poll::Pending,
            })
            .await?;
        }
    }

    /// The next event if one is buffered, without waiting. `Ok(None)` means
    /// none is buffered right now.
    pub fn try_recv(&mut self) -> Result<Option<E>, StreamError> {
        loop {
            if let Some(next) = self.next_local() {
                return next.map(Some);
            }
            match self.take(None) {
                Took::Some => {}
                Took::Lagged(n) => return Err(StreamError::Lagged(n)),
                Took::Empty => return Ok(None),
                Took::Closed => return Err(self.ended()),
            }
        }
    }
}

impl<E: EventType> EventStream<E> {
    /// The next accepted event (or notice) among those already taken.
    fn next_local(&mut self) -> Option<Result<E, StreamError>> {
        while let Some(mut item) = self.local.pop_front() {
            item.decode(&mut self.lines);
            match item {
                Item::Message(m) if E::accepts(&m) => return Some(Ok(E::from_message(m))),
                Item::Notice(r) => return Some(Err(StreamError::Reconnected(*r))),
                Item::Message(_) | Item::Frame(_) => {}
            }
        }
        None
    }
}

impl<E> EventStream<E> {
    /// The same subscriber, decoding its events as `T` from now on (events
    /// already taken but not returned are kept).
    ///
    /// ```no_run
    /// # async fn demo() -> ami_core::Result<()> {
    /// use ami_core::{Client, RawEvent};
    ///
    /// let (client, events) = Client::connect_untyped("ami://admin:amp111@127.0.0.1").await?;
    /// let mut events = events.typed::<RawEvent>();
    /// while let Ok(event) = events.recv().await {
    ///     println!("{}", event.name());
    /// }
    /// # Ok(())
    /// # }
    /// ```
    pub fn typed<T: EventType>(mut self) -> EventStream<T> {
        EventStream {
            shared: self.shared.clone(),
            id: std::mem::replace(&mut self.id, u64::MAX),
            local: std::mem::take(&mut self.local),
            lines: Vec::new(),
            _type: PhantomData,
        }
    }

    /// Moves up to [`TAKE`] events into `local`.
    fn take(&mut self, waker: Option<&Waker>) -> Took {
        let mut q = self.shared.lock();
        let (base, end) = (q.base, q.end());
        let Some(next) = q.subscribers.get(&self.id).map(|s| s.next) else {
            return Took::Closed;
        };
        if next < base {
            if let Some(s) = q.subscribers.get_mut(&self.id) {
                s.next = base;
            }
            return Took::Lagged(base - next);
        }
        if next == end {
            if q.closed {
                return Took::Closed;
            }
            if let Some(s) = q.subscribers.get_mut(&self.id) {
                s.last_take = Instant::now();
                match &mut s.waker {
                    Some(w) if waker.is_some_and(|n| w.will_wake(n)) => {}
                    slot => *slot = waker.cloned(),
                }
            }
            return Took::Empty;
        }
        let n = (end - next).min(TAKE as u64);
        let others = q.min_cursor(Some(self.id));
        if next == base && others >= next + n {
            // No one else still needs them: move, do not clone.
            for _ in 0..n {
                if let Some((item, cost)) = q.events.pop_front() {
                    q.bytes -= cost;
                    self.local.push_back(item);
                }
            }
            q.base += n;
        } else {
            // Shared with other subscribers: made into a message once, in
            // the queue, and cloned (the buffer is shared).
            let from = (next - base) as usize;
            let lines = &mut self.lines;
            let (mut before, mut after) = (0, 0);
            for (item, cost) in q.events.range_mut(from..from + n as usize) {
                if let Item::Frame(_) = item {
                    item.decode(lines);
                    before += *cost;
                    *cost = item.cost();
                    after += *cost;
                }
                match item {
                    Item::Message(m) => self.local.push_back(Item::Message(m.clone())),
                    Item::Notice(r) => self.local.push_back(Item::Notice(r.clone())),
                    Item::Frame(_) => {}
                }
            }
            // `before` is part of `bytes`, so this cannot underflow.
            q.bytes = q.bytes - before + after;
        }
        if let Some(s) = q.subscribers.get_mut(&self.id) {
            s.next = next + n;
            s.last_take = Instant::now();
        }
        q.trim_taken();
        Took::Some
    }

    fn ended(&self) -> StreamError {
        StreamError::Disconnected(self.shared.reason().cloned().unwrap_or(Disconnect::Closed))
    }
}

impl<E> Drop for EventStream<E> {
    fn drop(&mut self) {
        let mut q = self.shared.lock();
        q.subscribers.remove(&self.id);
        q.trim_taken();
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

    fn publish(shared: &Shared, range: std::ops::Range<usize>) {
        let mut batch: Vec<Item> = range.map(|n| Item::Message(ev(n))).collect();
        shared.publish(&mut batch);
    }

    #[tokio::test]
    async fn a_stalled_subscriber_never_makes_the_reader_pause() {
        let cost = ev(0).heap_bytes();
        // Room for 100 events; the reader pauses past 25 behind.
        let (shared, mut stuck) = Shared::new(100 * cost);
        let mut reading = shared.subscribe();
        let batch = |n: usize| -> Vec<Item> { (0..n).map(|i| Item::Message(ev(i))).collect() };
        // The times are given, not waited for: a loaded machine cannot
        // make a fresh subscriber look stalled.
        let last_take =
            |shared: &Shared, s: &EventStream| shared.lock().subscribers[&s.id].last_take;
        shared.publish(&mut batch(40));
        let fresh = last_take(&shared, &stuck);
        // Both just subscribed: the reader pauses for them.
        assert!(shared.lock().needs_catch_up(fresh));
        for _ in 0..40 {
            reading.recv().await.unwrap();
        }
        // The stuck one has taken nothing for longer than STALLED: no pause
        // for it, however much it leaves in the buffer.
        let later = fresh + STALLED + Duration::from_millis(1);
        for _ in 0..3 {
            shared.publish(&mut batch(20));
            assert!(!shared.lock().needs_catch_up(later));
            for _ in 0..20 {
                reading.recv().await.unwrap();
            }
        }
        // A subscriber that reads but is more than a quarter behind is still
        // waited for.
        shared.publish(&mut batch(30));
        let reading_at = last_take(&shared, &reading);
        assert!(shared.lock().needs_catch_up(reading_at));
        // Before: any quarter-full buffer made the reader pause, stuck or not.
        assert!(shared.lock().bytes > 25 * cost);
        // The stalled one lags only itself, and is told.
        assert!(matches!(stuck.recv().await, Err(StreamError::Lagged(_))));
    }

    #[tokio::test]
    async fn lagging_subscriber_is_told_and_continues() {
        let cost = ev(0).heap_bytes();
        let (shared, mut slow) = Shared::new(4 * cost);
        let mut fast = shared.subscribe();
        for i in 0..10 {
            publish(&shared, i..i + 1);
            assert_eq!(
                fast.recv().await.unwrap().get("N").unwrap(),
                &*i.to_string()
            );
        }
        assert_eq!(slow.recv().await, Err(StreamError::Lagged(6)));
        assert_eq!(slow.recv().await.unwrap().get("N").unwrap(), "6");
        shared.close(Disconnect::ClosedByPeer);
        for _ in 7..10 {
            assert!(slow.recv().await.is_ok());
        }
        assert_eq!(
            slow.recv().await,
            Err(StreamError::Disconnected(Disconnect::ClosedByPeer))
        );
        assert!(shared
            .subscribe()
            .recv()
            .await
            .unwrap_err()
            .is_disconnected());
    }

    #[tokio::test]
    async fn the_bound_is_in_bytes_and_taken_events_are_freed() {
        let total: usize = (0..1000).map(|i| ev(i).heap_bytes()).sum();
        let (shared, mut a) = Shared::new(total);
        let mut b = shared.subscribe();
        publish(&shared, 0..1000);
        assert_eq!(shared.buffered_bytes(), total);
        for i in 0..1000 {
            assert_eq!(a.recv().await.unwrap().get("N").unwrap(), &*i.to_string());
        }
        // `b` still needs them.
        assert_eq!(shared.buffered_bytes(), total);
        for _ in 0..1000 {
            b.recv().await.unwrap();
        }
        assert_eq!(shared.buffered_bytes(), 0);
        // A dropped subscriber holds nothing back.
        publish(&shared, 0..10);
        drop(b);
        for _ in 0..10 {
            a.recv().await.unwrap();
        }
        assert_eq!(shared.buffered_bytes(), 0);
    }

    #[tokio::test]
    async fn a_frame_becomes_one_message_for_all_subscribers() {
        let (shared, mut a) = Shared::new(1 << 20);
        let mut b = shared.subscribe();
        for n in 0..3 {
            let frame = Bytes::from(format!("Event: Test\r\nN: {n}\r\nEmpty:\r\n\r\n"));
            shared.publish(&mut vec![Item::Frame(frame)]);
        }
        for n in 0..3 {
            let (ma, mb) = (a.recv().await.unwrap(), b.recv().await.unwrap());
            assert_eq!(ma, mb);
            assert_eq!(ma.get("N").unwrap(), &*n.to_string());
            assert_eq!(ma.get("Empty").unwrap(), "");
            assert_eq!(ma.len(), 3);
        }
        assert_eq!(shared.buffered_bytes(), 0);
        // One subscriber: moved out and made into a message on the way.
        drop(b);
        shared.publish(&mut vec![Item::Frame(Bytes::from_static(
            b"Event: Solo\r\n\r\n",
        ))]);
        assert_eq!(a.recv().await.unwrap().event_name().unwrap(), "Solo");
        assert_eq!(shared.buffered_bytes(), 0);
    }

    #[tokio::test]
    async fn without_subscribers_nothing_is_kept() {
        let (shared, first) = Shared::new(1 << 20);
        drop(first);
        publish(&shared, 0..100);
        assert_eq!(shared.buffered_bytes(), 0);
        let mut late = shared.subscribe();
        assert_eq!(late.try_recv(), Ok(None));
        publish(&shared, 100..101);
        assert_eq!(late.try_recv().unwrap().unwrap().get("N").unwrap(), "100");
    }

    #[tokio::test]
    async fn a_waiting_subscriber_is_woken_by_a_batch() {
        let (shared, mut rx) = Shared::new(64 << 20);
        let task = tokio::spawn(async move {
            let mut n = 0;
            loop {
                match rx.recv().await {
                    Ok(_) => n += 1,
                    Err(e) => break (n, e),
                }
            }
        });
        tokio::task::yield_now().await;
        publish(&shared, 0..5000);
        shared.close(Disconnect::ClosedByPeer);
        assert_eq!(
            task.await.unwrap(),
            (5000, StreamError::Disconnected(Disconnect::ClosedByPeer))
        );
    }
}
