//! Connecting with typed events, and what ties the generated `Originate`
//! to [`Client::originate`]. The client itself is [`ami_core::Client`]:
//! one client, whose typed methods take the generated actions.
//!
//! ```
//! # #[tokio::main(flavor = "current_thread")]
//! # async fn main() -> ami_types::Result<()> {
//! use ami_server::{Server, ServerConfig};
//! use ami_types::{action, event};
//!
//! let server = Server::start(ServerConfig::default()).await?;
//! let (client, mut events) = ami_types::connect(&server.url()).await?;
//!
//! // A typed response.
//! let pong = client.send(&action::Ping::new()).await?;
//! assert_eq!(pong.ping().unwrap(), "Pong");
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
//!         println!("{:?} hung up", hangup.channel());
//!         break;
//!     }
//! }
//! client.close().await?;
//! # Ok(())
//! # }
//! ```
//!
//! An action Asterisk answers with `Response: Error` is [`Error::Action`](crate::Error::Action)
//! with Asterisk's message:
//!
//! ```
//! # #[tokio::main(flavor = "current_thread")]
//! # async fn main() -> ami_types::Result<()> {
//! # use ami_server::{Server, ServerConfig};
//! # let server = Server::start(ServerConfig::default()).await?;
//! use ami_types::{action, Error};
//!
//! let (client, _events) = ami_types::connect(&server.url()).await?;
//! let err = client
//!     .send(&action::Getvar::new("X").channel("PJSIP/nobody"))
//!     .await
//!     .unwrap_err();
//! let Error::Action { message, .. } = err else { panic!("{err}") };
//! assert_eq!(message, "No such channel");
//! # Ok(())
//! # }
//! ```
//!
//! `list` compiles only for actions that answer with an event list; an
//! action with several item types (`QueueStatus`) has an item enum:
//!
//! ```
//! # #[tokio::main(flavor = "current_thread")]
//! # async fn main() -> ami_types::Result<()> {
//! # use ami_server::{Server, ServerConfig};
//! # let server = Server::start(ServerConfig::default()).await?;
//! use ami_types::action::{QueueStatus, QueueStatusItem};
//!
//! let (client, _events) = ami_types::connect(&server.url()).await?;
//! let status = client.list(&QueueStatus::new()).await?;
//! status.check_count().expect("ListItems matches");
//! for item in &status {
//!     match item {
//!         QueueStatusItem::QueueParams(q) => println!("queue {:?}: {:?} calls", q.queue(), q.calls()),
//!         QueueStatusItem::QueueMember(m) => println!("  member {:?}", m.name()),
//!         QueueStatusItem::QueueEntry(e) => println!("  caller {:?}", e.caller_id_num()),
//!         QueueStatusItem::Other(raw) => println!("  {}", raw.name()),
//!     }
//! }
//! # Ok(())
//! # }
//! ```
//!
//! ```compile_fail,E0277
//! # async fn demo(client: ami_types::Client) {
//! let _ = client.list(&ami_types::action::Ping::new()).await;
//! # }
//! ```
//!
//! One event type, others skipped without being decoded:
//!
//! ```
//! # #[tokio::main(flavor = "current_thread")]
//! # async fn main() -> ami_types::Result<()> {
//! # use ami_server::{Server, ServerConfig};
//! # let server = Server::start(ServerConfig::default()).await?;
//! use ami_types::{action::Originate, event};
//!
//! let (client, _events) = ami_types::connect(&server.url()).await?;
//! let mut hangups = client.events::<event::Hangup>();
//! client
//!     .originate(&Originate::new("PJSIP/100").application("Wait").data("1"))
//!     .await?;
//! let hangup = hangups.recv().await.unwrap();
//! assert_eq!(hangup.cause(), Some(ami_types::codes::HangupCause::NormalClearing));
//! # Ok(())
//! # }
//! ```

use std::time::Duration;

use ami_core::{Action, ClientBuilder, FollowUpAction, Message, MessageWriter, Result};

use crate::event::Event;
use crate::{action, event, Client, EventStream};

/// Connects and logs in with the settings of a URL,
/// `ami://user:secret@host:port?events=off&auth=md5` (see
/// [`ClientBuilder::from_url`]), and returns the client with its first event
/// stream, typed as [`Event`], which sees every event from the login on.
pub async fn connect(url: &str) -> Result<(Client, EventStream)> {
    connect_with(&ClientBuilder::from_url(url)?).await
}

/// [`connect`] with the settings of a [`ClientBuilder`].
pub async fn connect_with(builder: &ClientBuilder) -> Result<(Client, EventStream)> {
    let (client, events) = builder.connect_untyped().await?;
    Ok((client, events.typed::<Event>()))
}

/// [`Client::originate`] sends the call with `Async: true` (whatever the
/// action says) and resolves with its `OriginateResponse` event, which tells
/// whether the call was answered:
/// [`is_success`](event::OriginateResponse::is_success), with the `reason`
/// ([`OriginateReason`](crate::codes::OriginateReason): answered, busy, no
/// answer, congestion, hung up, failed), `channel` and `uniqueid`. A failed call is `Ok` with
/// `is_success() == false`; an action Asterisk refuses outright is
/// [`Error::Action`](crate::Error::Action). The wait lets the call ring:
/// the client's timeout plus the action's `Timeout` (Asterisk's default
/// 30 s when unset).
///
/// ```
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() -> ami_types::Result<()> {
/// # use ami_server::{Server, ServerConfig};
/// # let server = Server::start(ServerConfig::default()).await?;
/// use ami_types::action::Originate;
///
/// let (client, _events) = ami_types::connect(&server.url()).await?;
/// let busy = client
///     .originate(&Originate::new("PJSIP/busy").application("Wait").data("1"))
///     .await?;
/// assert!(!busy.is_success());
/// assert_eq!(busy.reason(), Some(ami_types::codes::OriginateReason::Busy));
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
impl FollowUpAction for action::Originate {
    type FollowUp = event::OriginateResponse;

    fn allowance(sent: &Message) -> Duration {
        ami_core::client::originate_ring_time(sent)
    }

    /// The action with `Async: true` (in place of any `Async` it set),
    /// written once.
    fn to_follow_up_message(&self) -> Message {
        let mut msg = MessageWriter::action(Self::NAME);
        self.write_fields(&mut msg);
        if msg.get("Async").is_some() {
            let mut msg = Message::from(msg);
            msg.insert("Async", true);
            return msg;
        }
        msg.field("Async", true);
        Message::from(msg)
    }
}

impl event::OriginateResponse {
    /// Whether the call was answered (`Response: Success`).
    pub fn is_success(&self) -> bool {
        use ami_core::FromMessage;
        self.raw()
            .get(ami_core::message::keys::RESPONSE)
            .is_some_and(|r| r.as_bytes().eq_ignore_ascii_case(b"Success"))
    }
}
