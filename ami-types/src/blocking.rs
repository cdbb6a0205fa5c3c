//! A blocking client, for scripts and programs without an async runtime (in
//! the manner of `reqwest::blocking`): every call waits for its answer.
//!
//! It runs the async [`Client`](crate::Client) on an internal runtime of
//! one thread. A [`Client`] is cheap to clone and safe to use from several
//! threads at once; actions from different threads are pipelined on the
//! one connection. Do not use it from inside an async runtime (use the
//! async client there): its calls block the thread.
//!
//! ```
//! # fn main() -> ami_types::Result<()> {
//! # let rt = tokio::runtime::Runtime::new()?;
//! # let server = rt.block_on(ami_server::Server::start(Default::default()))?;
//! # let url = server.url();
//! use ami_types::{action, blocking, event::Event};
//!
//! let (client, events) = blocking::Client::connect(&url)?;
//! client.send(&action::Ping::new())?;
//! let version = client.command("core show version")?;
//! println!("{}", version[0]);
//! let answer = client.originate(&action::Originate::new("Local/100@default").application("Wait").data("1"))?;
//! assert!(answer.is_success());
//! for event in events {
//!     match event {
//!         Ok(Event::Hangup(h)) => {
//!             println!("{:?} hung up", h.channel());
//!             break;
//!         }
//!         Ok(_) => {}
//!         Err(e) if e.is_disconnected() => break,
//!         Err(lagged) => eprintln!("{lagged}"),
//!     }
//! }
//! client.close()?;
//! # Ok(())
//! # }
//! ```

use std::fmt;
use std::future::Future;
use std::sync::Arc;
use std::time::Duration;

use ami_core::handlers::Handler;
use ami_core::{
    Action, ClientBuilder, Collection, EventType, FollowUpAction, ListAction, Message, Reply,
    Result, StreamError, Value,
};

use crate::event::Event;

/// The runtime the blocking handles share; it stops when the last one is
/// dropped.
struct Runtime(Option<tokio::runtime::Runtime>);

impl Runtime {
    fn new() -> Result<Arc<Runtime>> {
        let rt = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(1)
            .thread_name("ami-blocking")
            .enable_all()
            .build()?;
        Ok(Arc::new(Runtime(Some(rt))))
    }

    fn block_on<F: Future>(&self, f: F) -> F::Output {
        match &self.0 {
            Some(rt) => rt.handle().block_on(f),
            None => unreachable!("the runtime lives as long as its handles"),
        }
    }
}

impl Drop for Runtime {
    fn drop(&mut self) {
        // Not waiting for tasks (the connection's) to notice.
        if let Some(rt) = self.0.take() {
            rt.shutdown_background();
        }
    }
}

/// A blocking handle to one AMI connection (see the [module docs](self)).
#[derive(Clone)]
pub struct Client {
    inner: crate::Client,
    runtime: Arc<Runtime>,
}

impl fmt::Debug for Client {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_tuple("blocking::Client")
            .field(&self.inner)
            .finish()
    }
}

impl Client {
    /// Connects and logs in with the settings of a URL
    /// (`ami://user:secret@host:port`, see
    /// [`ClientBuilder::from_url`]), and returns the client with the typed
    /// events from the login on.
    pub fn connect(url: &str) -> Result<(Client, EventIter)> {
        Client::connect_with(&ClientBuilder::from_url(url)?)
    }

    /// [`connect`](Self::connect) with the settings of a [`ClientBuilder`].
    pub fn connect_with(builder: &ClientBuilder) -> Result<(Client, EventIter)> {
        let runtime = Runtime::new()?;
        let (inner, events) = runtime.block_on(crate::connect_with(builder))?;
        let events = EventIter {
            stream: events,
            runtime: runtime.clone(),
            done: false,
        };
        Ok((Client { inner, runtime }, events))
    }

    /// Sends a typed action and waits for its typed response (see
    /// [`Client::send`](crate::Client::send)).
    pub fn send<A: Action>(&self, action: &A) -> Result<A::Response> {
        self.runtime.block_on(self.inner.send(action))
    }

    /// Sends a list action and waits for all of its items (see
    /// [`Client::list`](crate::Client::list)).
    pub fn list<A: ListAction>(&self, action: &A) -> Result<Collection<A::Item, A::Complete>> {
        self.runtime.block_on(self.inner.list(action))
    }

    /// Runs a CLI command and returns its output lines (see
    /// [`Client::command`](crate::Client::command)).
    pub fn command(&self, command: &str) -> Result<Vec<Value>> {
        self.runtime.block_on(self.inner.command(command))
    }

    /// Originates a call and waits for its `OriginateResponse` (see
    /// [`Client::originate`](crate::Client::originate)).
    pub fn originate<A: FollowUpAction>(&self, action: &A) -> Result<A::FollowUp> {
        self.runtime.block_on(self.inner.originate(action))
    }

    /// Sends an untyped action and waits for its answer.
    pub fn send_message(&self, msg: Message) -> Result<Reply> {
        self.runtime.block_on(self.inner.send_message(msg))
    }

    /// A new stream of typed events from now on: `events::<Event>()`, or
    /// one event struct.
    pub fn events<E: EventType>(&self) -> EventIter<E> {
        EventIter {
            stream: self.inner.events::<E>(),
            runtime: self.runtime.clone(),
            done: false,
        }
    }

    /// Calls `f` with each event of type `E` until the guard is dropped
    /// (see [`handlers`](ami_core::handlers)).
    pub fn on<E>(&self, f: impl FnMut(E) + Send + 'static) -> Handler
    where
        E: EventType + Send + 'static,
    {
        self.inner.on::<E>(f)
    }

    /// Calls `f` with each event whose name matches the glob `pattern`.
    pub fn on_name<F: FnMut(Message) + Send + 'static>(&self, pattern: &str, f: F) -> Handler {
        self.inner.on_name(pattern, f)
    }

    /// Whether the connection is up now.
    pub fn is_connected(&self) -> bool {
        self.inner.is_connected()
    }

    /// The async client underneath, for what this one does not offer
    /// (call it from a runtime of your own).
    pub fn as_async(&self) -> &crate::Client {
        &self.inner
    }

    /// Logs off and waits for Asterisk's `Goodbye` (see
    /// [`Client::close`](crate::Client::close)).
    pub fn close(self) -> Result<()> {
        self.runtime.block_on(self.inner.close())
    }
}

/// A blocking iterator of events decoded as `E`: `Ok(event)`, or
/// `Err(StreamError::Lagged(n))` when it fell behind and missed `n` events
/// (it goes on), `Err(StreamError::Reconnected(..))` at a reconnect's gap,
/// and `Err(StreamError::Disconnected(..))` once when the connection is
/// gone, after which it ends.
pub struct EventIter<E = Event> {
    stream: crate::EventStream<E>,
    runtime: Arc<Runtime>,
    done: bool,
}

impl<E> fmt::Debug for EventIter<E> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("EventIter")
            .field("stream", &self.stream)
            .field("done", &self.done)
            .finish()
    }
}

impl<E: EventType> EventIter<E> {
    /// The next event, waiting at most `timeout`: `Ok(None)` when none
    /// came.
    pub fn recv_timeout(
        &mut self,
        timeout: Duration,
    ) -> std::result::Result<Option<E>, StreamError> {
        let stream = &mut self.stream;
        let next = self.runtime.block_on(async {
            match tokio::time::timeout(timeout, stream.recv()).await {
                Ok(next) => next.map(Some),
                Err(_) => Ok(None),
            }
        });
        if matches!(next, Err(StreamError::Disconnected(_))) {
            self.done = true;
        }
        next
    }

    /// The next event if one is buffered, without waiting.
    pub fn try_recv(&mut self) -> std::result::Result<Option<E>, StreamError> {
        self.stream.try_recv()
    }
}

impl<E: EventType> Iterator for EventIter<E> {
    type Item = std::result::Result<E, StreamError>;

    fn next(&mut self) -> Option<Self::Item> {
        if self.done {
            return None;
        }
        let stream = &mut self.stream;
        let next = self.runtime.block_on(stream.recv());
        if matches!(next, Err(StreamError::Disconnected(_))) {
            self.done = true;
        }
        Some(next)
    }
}
