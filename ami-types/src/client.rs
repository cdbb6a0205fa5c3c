//! The typed client: [`Client`] over [`ami_core::Client`], sending generated
//! actions and answering with generated responses, lists and events.
//!
//! ```
//! # #[tokio::main(flavor = "current_thread")]
//! # async fn main() -> ami_types::ami_core::Result<()> {
//! use ami_types::ami_core::server::{Server, ServerConfig};
//! use ami_types::{action, event, Client};
//!
//! let server = Server::start(ServerConfig::default()).await?;
//! let (client, mut events) = Client::connect(&server.url()).await?;
//!
//! // A typed response.
//! let pong = client.send(&action::Ping::new()).await?;
//! assert_eq!(pong.ping.unwrap(), "Pong");
//!
//! // An asynchronous originate, answered by its OriginateResponse event.
//! let call = action::Originate::new("Local/100@default")
//!     .application("Wait")
//!     .data("1");
//! let answer = client.originate(&call).await?;
//! assert!(answer.is_success());
//!
//! // A list: typed items and completion.
//! let channels = client.list(&action::CoreShowChannels::new()).await?;
//! assert_eq!(channels.reported, Some(channels.len() as u64));
//!
//! // Typed events, in wire order.
//! loop {
//!     if let event::Event::Hangup(hangup) = events.recv().await.unwrap() {
//!         println!("{:?} hung up", hangup.channel);
//!         break;
//!     }
//! }
//! client.close().await?;
//! # Ok(())
//! # }
//! ```

use std::fmt;
use std::marker::PhantomData;
use std::time::Duration;

use ami_core::{
    Action, ClientBuilder, Error, FromMessage, ListAction, Message, Result, StreamError, Value,
};

use crate::event::Event;
use crate::{action, event, Collection, Response};

/// An event struct with its wire name, so that a stream can pick it out
/// ([`Client::events_of`]). Every generated event implements it.
///
/// ```
/// use ami_types::{event, FromMessage, Message, TypedEvent};
///
/// assert_eq!(<event::Hangup as TypedEvent>::NAME, "Hangup");
/// let msg: Message = [("Event", "newexten")].into_iter().collect();
/// assert!(event::NewExten::matches(&msg)); // ignoring case, as Asterisk sends it
/// assert!(!event::Hangup::matches(&msg));
/// ```
pub trait TypedEvent: FromMessage {
    /// The event name as documented (`Hangup`, `NewExten`).
    const NAME: &'static str;

    /// Whether `msg` is this event: its `Event` name equals [`NAME`](Self::NAME)
    /// ignoring ASCII case (the docs spell `NewExten`, Asterisk sends
    /// `Newexten`).
    fn matches(msg: &Message) -> bool {
        msg.event_name()
            .is_some_and(|name| name.as_bytes().eq_ignore_ascii_case(Self::NAME.as_bytes()))
    }
}

/// A typed handle to one AMI connection. Clone it freely: every clone talks
/// to the same connection (see [`ami_core::Client`]).
///
/// Errors are [`ami_core::Error`]s; an action Asterisk answers with
/// `Response: Error` is [`Error::Action`] with Asterisk's message:
///
/// ```
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() -> ami_types::ami_core::Result<()> {
/// # use ami_types::ami_core::server::{Server, ServerConfig};
/// # let server = Server::start(ServerConfig::default()).await?;
/// use ami_types::ami_core::Error;
/// use ami_types::{action, Client};
///
/// let (client, _events) = Client::connect(&server.url()).await?;
/// let err = client
///     .send(&action::Getvar::new("X").channel("PJSIP/nobody"))
///     .await
///     .unwrap_err();
/// let Error::Action { message, .. } = err else { panic!("{err}") };
/// assert_eq!(message, "No such channel");
/// # Ok(())
/// # }
/// ```
#[derive(Clone, Debug)]
pub struct Client {
    inner: ami_core::Client,
}

impl Client {
    /// Connects and logs in with the settings of a URL,
    /// `ami://user:secret@host:port?events=off&auth=md5` (see
    /// [`ClientBuilder::from_url`]), and returns the client with its first
    /// event stream, which sees every event from the login on.
    pub async fn connect(url: &str) -> Result<(Client, EventStream)> {
        Self::connect_with(&ClientBuilder::from_url(url)?).await
    }

    /// Connects with the settings of a [`ClientBuilder`].
    pub async fn connect_with(builder: &ClientBuilder) -> Result<(Client, EventStream)> {
        let (client, events) = builder.connect().await?;
        Ok((Client::from_core(client), EventStream::from_core(events)))
    }

    /// The typed API over an untyped client (both can be used at once).
    pub fn from_core(client: ami_core::Client) -> Client {
        Client { inner: client }
    }

    /// The untyped client underneath, e.g. to send a hand-built [`Message`].
    pub fn core(&self) -> &ami_core::Client {
        &self.inner
    }

    /// Sends an action and decodes its response: the action's typed response
    /// where the project's `spec/` knows its fields (`Ping`, `Getvar`,
    /// `CoreSettings`, …), otherwise the generic [`Response`] (the `Message`
    /// and every field).
    ///
    /// `Response: Error` is [`Error::Action`] with Asterisk's message. The
    /// response of a list action is decoded the same way and its items are
    /// dropped: use [`list`](Self::list) for them.
    pub async fn send<A: Action>(&self, action: &A) -> Result<A::Response> {
        let reply = self.inner.send(action.to_message()).await?;
        Ok(A::Response::from_message(reply.response))
    }

    /// [`send`](Self::send) with its own timeout.
    pub async fn send_with_timeout<A: Action>(
        &self,
        action: &A,
        timeout: Duration,
    ) -> Result<A::Response> {
        let reply = self
            .inner
            .send_with_timeout(action.to_message(), timeout)
            .await?;
        Ok(A::Response::from_message(reply.response))
    }

    /// Sends a list action and collects its answer: the typed items in
    /// arrival order, the typed completion event, and the count Asterisk
    /// reported in it ([`Collection::reported`]). Compiles only for actions
    /// that answer with an event list; an action with several item types
    /// (`QueueStatus`) has an item enum
    /// ([`action::QueueStatusItem`]).
    ///
    /// The count is not enforced: a list whose `ListItems` differs from the
    /// items received is still returned whole (nothing received is thrown
    /// away), and [`Collection::check_count`] tells. A list Asterisk ended
    /// with `EventList: Cancelled` is returned with the items that came and
    /// [`Collection::is_cancelled`] set. An answer that opens no list at all
    /// (a success response without `EventList: start`) is
    /// [`Error::Protocol`]; `Response: Error` is [`Error::Action`].
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> ami_types::ami_core::Result<()> {
    /// # use ami_types::ami_core::server::{Server, ServerConfig};
    /// # let server = Server::start(ServerConfig::default()).await?;
    /// use ami_types::action::{QueueStatus, QueueStatusItem};
    /// use ami_types::Client;
    ///
    /// let (client, _events) = Client::connect(&server.url()).await?;
    /// let status = client.list(&QueueStatus::new()).await?;
    /// status.check_count().expect("ListItems matches");
    /// for item in &status {
    ///     match item {
    ///         QueueStatusItem::QueueParams(q) => println!("queue {:?}: {:?} calls", q.queue, q.calls),
    ///         QueueStatusItem::QueueMember(m) => println!("  member {:?}", m.name),
    ///         QueueStatusItem::QueueEntry(e) => println!("  caller {:?}", e.caller_id_num),
    ///         QueueStatusItem::Other(raw) => println!("  {}", raw.name()),
    ///     }
    /// }
    /// # Ok(())
    /// # }
    /// ```
    ///
    /// An action that does not answer with a list does not compile:
    ///
    /// ```compile_fail,E0277
    /// # async fn demo(client: ami_types::Client) {
    /// let _ = client.list(&ami_types::action::Ping::new()).await;
    /// # }
    /// ```
    pub async fn list<A: ListAction>(
        &self,
        action: &A,
    ) -> Result<Collection<A::Item, A::Complete>> {
        let reply = self.inner.send(action.to_message()).await?;
        let Some(complete) = reply.complete else {
            let message = reply
                .response
                .get(ami_core::message::keys::MESSAGE)
                .map(|m| m.to_string_lossy().into_owned())
                .unwrap_or_default();
            return Err(Error::Protocol(format!(
                "{} answered without an event list (Message: {message:?})",
                A::NAME
            )));
        };
        let items = reply.items.into_iter().map(A::Item::from_message).collect();
        Ok(Collection::new(
            Response::from_message(reply.response),
            items,
            A::Complete::from_message(complete),
        ))
    }

    /// Runs a CLI command (`core show channels`) and returns its output
    /// lines, blank ones included. An unknown command is [`Error::Action`].
    pub async fn command(&self, command: &str) -> Result<Vec<Value>> {
        self.inner.command(command).await
    }

    /// Originates a call asynchronously (`Async: true` is set whatever the
    /// action says) and resolves with its `OriginateResponse` event, which
    /// tells whether the call was answered:
    /// [`is_success`](event::OriginateResponse::is_success), with the
    /// `reason` code (4 answered, 5 busy, 3 no answer, 8 congestion, 1 hung
    /// up, 0 failed), `channel` and `uniqueid`. A failed call is `Ok` with
    /// `is_success() == false`; an action Asterisk refuses outright is
    /// [`Error::Action`].
    ///
    /// The wait lets the call ring: the client's timeout plus the action's
    /// `Timeout` (Asterisk's default 30 s when unset). The event also
    /// reaches the event streams.
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> ami_types::ami_core::Result<()> {
    /// # use ami_types::ami_core::server::{Server, ServerConfig};
    /// # let server = Server::start(ServerConfig::default()).await?;
    /// use ami_types::{action::Originate, Client};
    ///
    /// let (client, _events) = Client::connect(&server.url()).await?;
    /// let busy = client
    ///     .originate(&Originate::new("PJSIP/busy").application("Wait").data("1"))
    ///     .await?;
    /// assert!(!busy.is_success());
    /// assert_eq!(busy.reason, Some(5));
    /// # Ok(())
    /// # }
    /// ```
    ///
    /// `Async` and `EarlyMedia` are booleans, `Timeout` an integer of
    /// milliseconds: text does not compile.
    ///
    /// ```compile_fail,E0308
    /// let _ = ami_types::action::Originate::new("PJSIP/100").early_media("yes");
    /// ```
    pub async fn originate(&self, action: &action::Originate) -> Result<event::OriginateResponse> {
        let (_, event) = self.inner.originate(action.to_message()).await?;
        Ok(event::OriginateResponse::from_message(event))
    }

    /// [`originate`](Self::originate) with its own timeout (ringing
    /// included).
    pub async fn originate_with_timeout(
        &self,
        action: &action::Originate,
        timeout: Duration,
    ) -> Result<event::OriginateResponse> {
        let (_, event) = self
            .inner
            .originate_with_timeout(action.to_message(), timeout)
            .await?;
        Ok(event::OriginateResponse::from_message(event))
    }

    /// A new stream of typed events, from now on. (The stream returned by
    /// [`connect`](Self::connect) also has the events that came before.)
    pub fn events(&self) -> EventStream {
        EventStream::from_core(self.inner.subscribe())
    }

    /// A new stream of one event type, from now on. Names are matched
    /// ignoring case.
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> ami_types::ami_core::Result<()> {
    /// # use ami_types::ami_core::server::{Server, ServerConfig};
    /// # let server = Server::start(ServerConfig::default()).await?;
    /// use ami_types::{action::Originate, event, Client};
    ///
    /// let (client, _events) = Client::connect(&server.url()).await?;
    /// let mut hangups = client.events_of::<event::Hangup>();
    /// client
    ///     .originate(&Originate::new("PJSIP/100").application("Wait").data("1"))
    ///     .await?;
    /// let hangup = hangups.recv().await.unwrap();
    /// assert_eq!(hangup.cause, Some(16));
    /// # Ok(())
    /// # }
    /// ```
    pub fn events_of<E: TypedEvent>(&self) -> EventsOf<E> {
        EventsOf::new(self.inner.subscribe())
    }

    /// Logs off (`Logoff`, answered by `Response: Goodbye`); pending actions
    /// then fail and the event streams end with
    /// [`StreamError::Disconnected`].
    pub async fn close(self) -> Result<()> {
        self.inner.close().await
    }

    /// Whether the connection is still up.
    pub fn is_connected(&self) -> bool {
        self.inner.is_connected()
    }
}

impl From<ami_core::Client> for Client {
    fn from(client: ami_core::Client) -> Self {
        Client::from_core(client)
    }
}

impl event::OriginateResponse {
    /// Whether the call was answered (`Response: Success`).
    pub fn is_success(&self) -> bool {
        self.raw()
            .get(ami_core::message::keys::RESPONSE)
            .is_some_and(|r| r.as_bytes().eq_ignore_ascii_case(b"Success"))
    }
}

/// The typed events of one connection, as seen by one subscriber: every
/// event no pending action consumes (list items do not appear here), in
/// wire order, decoded into [`Event`].
///
/// Nothing is hidden: `Err(StreamError::Lagged(n))` says this subscriber fell
/// behind and missed `n` events (the stream goes on),
/// `Err(StreamError::Disconnected(reason))` that the connection is gone
/// (final).
#[derive(Debug)]
pub struct EventStream {
    inner: ami_core::EventStream,
}

impl EventStream {
    /// Decodes the events of an untyped stream.
    pub fn from_core(inner: ami_core::EventStream) -> Self {
        EventStream { inner }
    }

    /// The untyped stream.
    pub fn into_core(self) -> ami_core::EventStream {
        self.inner
    }

    /// The next event; see the type's docs for the errors.
    pub async fn recv(&mut self) -> std::result::Result<Event, StreamError> {
        self.inner.recv().await.map(Event::from_message)
    }

    /// The next event if one is buffered, without waiting (`Ok(None)` when
    /// none is).
    pub fn try_recv(&mut self) -> std::result::Result<Option<Event>, StreamError> {
        Ok(self.inner.try_recv()?.map(Event::from_message))
    }

    /// Only the events of type `E` from this stream on.
    pub fn only<E: TypedEvent>(self) -> EventsOf<E> {
        EventsOf::new(self.inner)
    }
}

impl From<ami_core::EventStream> for EventStream {
    fn from(inner: ami_core::EventStream) -> Self {
        EventStream::from_core(inner)
    }
}

/// The events of one type `E` ([`Client::events_of`]); other events are
/// skipped without being decoded.
///
/// [`StreamError::Lagged`] still reports every event missed, of any type
/// (the subscriber cannot know which were `E`s);
/// [`StreamError::Disconnected`] ends the stream.
pub struct EventsOf<E> {
    inner: ami_core::EventStream,
    _event: PhantomData<fn() -> E>,
}

impl<E> fmt::Debug for EventsOf<E> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("EventsOf")
            .field("event", &std::any::type_name::<E>())
            .field("inner", &self.inner)
            .finish()
    }
}

impl<E: TypedEvent> EventsOf<E> {
    fn new(inner: ami_core::EventStream) -> Self {
        EventsOf {
            inner,
            _event: PhantomData,
        }
    }

    /// The next `E`.
    pub async fn recv(&mut self) -> std::result::Result<E, StreamError> {
        loop {
            let msg = self.inner.recv().await?;
            if E::matches(&msg) {
                return Ok(E::from_message(msg));
            }
        }
    }

    /// The next buffered `E`, without waiting (`Ok(None)` when none is
    /// buffered).
    pub fn try_recv(&mut self) -> std::result::Result<Option<E>, StreamError> {
        while let Some(msg) = self.inner.try_recv()? {
            if E::matches(&msg) {
                return Ok(Some(E::from_message(msg)));
            }
        }
        Ok(None)
    }

    /// The untyped stream.
    pub fn into_core(self) -> ami_core::EventStream {
        self.inner
    }
}
