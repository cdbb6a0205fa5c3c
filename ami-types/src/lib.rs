//! # ami-types
//!
//! Every manager action and event of an Asterisk release as a Rust type, and
//! one client to send them: connect, send, list, match events.
//!
//! ```
//! # #[tokio::main(flavor = "current_thread")]
//! # async fn main() -> Result<(), Box<dyn std::error::Error>> {
//! # let server = ami_server::Server::start(Default::default()).await?;
//! # let url = server.url(); // ami://user:secret@pbx.example.com:5038
//! use ami_types::{action, event::Event};
//!
//! let (client, mut events) = ami_types::connect(&url).await?;
//! let pong = client.send(&action::Ping::new()).await?; // a typed response
//! println!("the PBX says {:?}", pong.ping());
//! let channels = client.list(&action::CoreShowChannels::new()).await?; // typed items
//! println!("{} channels up", channels.len());
//! let call = action::Originate::new("PJSIP/100").application("Wait").data("1");
//! let answer = client.originate(&call).await?; // waits for OriginateResponse
//! println!("answered: {}", answer.is_success());
//! loop {
//!     // Every event in wire order, as the exhaustive `Event` enum.
//!     match events.recv().await {
//!         Ok(Event::Hangup(h)) => {
//!             println!("{:?} hung up: {:?}", h.channel(), h.cause());
//!             break;
//!         }
//!         Ok(_) => {}
//!         // A gap (a reconnect, a reader too slow) is said, never silent.
//!         Err(gap) if !gap.is_disconnected() => eprintln!("{gap}"),
//!         Err(end) => return Err(end.to_string().into()),
//!     }
//! }
//! # Ok(())
//! # }
//! ```
//!
//! The [`cookbook`] has whole recipes: billing from `Hangup` and `Cdr`,
//! click-to-call that tells busy from unanswered, a wallboard, a blocking
//! script, many PBXs at once, and events over NATS.
//!
//! What is in the crate:
//!
//! - [`action`]: one builder per action. Required parameters are constructor
//!   arguments, optional ones chained setters; each implements [`Action`]
//!   (and [`ListAction`] when it answers with an event list). Each page says
//!   what the action does, which client method sends it and which releases
//!   have it; a typed send to a PBX whose release lacks it fails with
//!   [`Error::Unsupported`] before anything is sent.
//! - [`event`]: one struct per event, a typed view of its message (accessors
//!   return `Option<T>`), and the exhaustive [`Event`](event::Event) enum
//!   with `Unknown` for the rest.
//! - [`response`]: typed success responses where the project's `spec/`
//!   knows their fields; the others answer with the generic [`Response`].
//! - [`enums`]: value enums that keep any undocumented value.
//! - [`meta`]: the same as data, for tools that work by name.
//!
//! Building an action and decoding an event need no connection:
//!
//! ```
//! use ami_types::action::Originate;
//! use ami_types::event::Event;
//! use ami_types::{Action, FromMessage, Message};
//!
//! let msg = Originate::new("Local/100@default")
//!     .application("Wait")
//!     .data("3")
//!     .variable("A=1")
//!     .variable("B=2")
//!     .to_message();
//! assert_eq!(msg.get_all("Variable").count(), 2);
//!
//! // Decoding never fails and keeps every field.
//! let msg: Message = [("Event", "Newexten"), ("Priority", "1"), ("X-Extra", "kept")]
//!     .into_iter()
//!     .collect();
//! let Event::NewExten(e) = Event::from_message(msg) else { panic!() };
//! assert_eq!(e.priority(), Some(1));
//! assert_eq!(e.raw().get("X-Extra").unwrap(), "kept");
//! ```
//!
//! The types are generated at build time by `ami-codegen`, on top of
//! `ami-core`'s [`Message`]: from the documentation named by `AMI_SPEC_XML`
//! when set (e.g. `/var/lib/asterisk/documentation/core-en_US.xml` of your
//! Asterisk; its prose becomes these docs), else from a fact model that
//! ships inside `ami-codegen` (names, parameters, types and value lists,
//! described in the project's own words): Asterisk 22.10.1, or the release
//! `AMI_SPEC_VERSION` names among 18.26.4, 20.20.1, 21.12.3 and 23.4.1. For
//! another version beside this one, see [`include_generated!`].
//!
//! Mistakes are compile errors. A missing required parameter:
//!
//! ```compile_fail,E0061
//! let _ = ami_types::action::Originate::new();
//! ```
//!
//! A value of the wrong type (`Timeout` is an integer of milliseconds):
//!
//! ```compile_fail,E0308
//! let _ = ami_types::action::Originate::new("Local/100@default").timeout("30000");
//! ```
//!
//! The same with the right type compiles:
//!
//! ```
//! let _ = ami_types::action::Originate::new("Local/100@default").timeout(30000);
//! ```
//!
//! The client is [`Client`] (re-exported from `ami_core`): its typed methods
//! take the generated actions — [`send`](Client::send),
//! [`list`](Client::list), [`originate`](Client::originate),
//! [`events`](Client::events) — and [`connect`] returns it with a stream of
//! typed [`Event`](event::Event)s. See [`mod@client`] for examples.

pub use ami_core::{
    self, Action, CallOptions, Client, ClientBuilder, Collection, CountMismatch, Error, EventMask,
    EventType, FieldError, FollowUpAction, FromMessage, ListAction, Message, MessageKind, RawEvent,
    Reply, Response, Result, StreamError, Text, TextField, TypedEvent, Value,
};
pub use ami_core::{filter, handlers, transcript};

pub mod action_list;
pub mod blocking;
pub mod check;
pub mod client;
pub mod codes;
pub mod config_file;
pub mod cookbook;
mod header;
pub mod meta;
pub mod policy;
/// What the generated code calls (for code generated by `ami-codegen` and
/// vendored elsewhere); not part of the API.
#[doc(hidden)]
pub mod runtime;
pub mod snapshot;
mod typed;
mod variables;

pub use client::{connect, connect_with};
pub use header::{EventHeader, HEADER_KEYS};
pub use typed::{AsFieldValue, FieldValue, TypedFields};
pub use variables::Variables;

/// A stream of events decoded as `E`: the generated [`Event`](event::Event)
/// enum by default, or one event struct
/// ([`Client::events::<event::Hangup>()`](Client::events)).
pub type EventStream<E = event::Event> = ami_core::EventStream<E>;

/// Includes, where it is invoked, the modules that [`ami_codegen::Config`]
/// wrote into the invoking crate's `$OUT_DIR` from a build script of its own:
/// `action`, `event`, `response`, `enums` and `meta`, next to the
/// `runtime` they call. This is the `tonic::include_proto!` way to the
/// types of another Asterisk version than the one `ami-types` was built
/// for; they work with the same [`Client`].
///
/// `build.rs` (with `ami-codegen` as a build dependency; compiled as the
/// workspace's `examples/asterisk-20/build.rs`, and in `ami-codegen`'s
/// own docs):
///
/// ```ignore
/// ami_codegen::Config::new()
///     .spec("/var/lib/asterisk/documentation/core-en_US.xml")
///     .generate()
///     .unwrap_or_else(|e| panic!("{e}"));
/// ```
///
/// `src/lib.rs`:
///
/// ```ignore
/// ami_types::include_generated!();
/// ```
///
/// The workspace's `examples/asterisk-20` crate does this for Asterisk
/// 20.20.1.
///
/// [`ami_codegen::Config`]: https://docs.rs/ami-codegen/latest/ami_codegen/struct.Config.html
#[macro_export]
macro_rules! include_generated {
    () => {
        #[doc(hidden)]
        pub use $crate::runtime;

        $crate::include_generated!(@types);

        /// The actions and events as data (generated).
        pub mod meta {
            pub use $crate::meta::{
                ActionMeta, EventMeta, FieldMeta, IndexStyle, ListMeta, ParamKind, ParamMeta,
                ValueType,
            };
            include!(concat!(env!("OUT_DIR"), "/meta.rs"));
        }
    };
    // The four type modules, also this crate's own.
    (@types) => {
        /// Every manager action, one builder struct each (generated).
        pub mod action {
            include!(concat!(env!("OUT_DIR"), "/action.rs"));
        }

        /// Every manager event, one struct each, and the
        /// [`Event`](event::Event) enum (generated).
        pub mod event {
            include!(concat!(env!("OUT_DIR"), "/event.rs"));
        }

        /// Typed success responses, for the actions whose response fields
        /// the project's `spec/` describes (generated).
        pub mod response {
            include!(concat!(env!("OUT_DIR"), "/response.rs"));
        }

        /// Value enums of enumerated parameters and fields (generated).
        pub mod enums {
            include!(concat!(env!("OUT_DIR"), "/enums.rs"));
        }
    };
}

include_generated!(@types);

/// The Asterisk version these types were generated from (`"22.10.1"` for
/// the bundled model), when known: for documentation given with
/// `AMI_SPEC_XML`, the version in `AMI_SPEC_VERSION` or the name of its
/// folder (`22.10.1`, `23.5.0-rc1`), else `None` (the build warns). `None`
/// also for the union of every bundled release (the `every-release`
/// feature, `AMI_SPEC_VERSION=18..=23`), which sets `cfg(ami_spec_union)`.
///
/// ```
/// # #[cfg(ami_spec = "22.10.1")]
/// assert_eq!(ami_types::ASTERISK_VERSION, Some("22.10.1"));
/// ```
pub const ASTERISK_VERSION: Option<&str> = option_env!("AMI_TYPES_ASTERISK_VERSION");

impl event::Event {
    /// The channel the event is about (`Channel`), where it has one.
    ///
    /// ```
    /// use ami_types::{event::Event, FromMessage, Message, TextField};
    /// let msg: Message = [("Event", "Newstate"), ("Channel", "PJSIP/100-00000001"),
    ///     ("Uniqueid", "1.1"), ("Linkedid", "1.0")].into_iter().collect();
    /// let e = Event::from_message(msg);
    /// assert_eq!(e.channel().as_str(), Some("PJSIP/100-00000001"));
    /// assert_eq!(e.uniqueid().as_str(), Some("1.1"));
    /// assert_eq!(e.linkedid().as_str(), Some("1.0"));
    /// let ping = Event::from_message([("Event", "FullyBooted")].into_iter().collect());
    /// assert_eq!(ping.channel(), None);
    /// ```
    pub fn channel(&self) -> Option<&Text> {
        self.raw().get("Channel")
    }

    /// The `Uniqueid` of the channel the event is about, where it has one.
    pub fn uniqueid(&self) -> Option<&Text> {
        self.raw().get("Uniqueid")
    }

    /// The `Linkedid` (the call's oldest channel) of the channel the event
    /// is about, where it has one.
    pub fn linkedid(&self) -> Option<&Text> {
        self.raw().get("Linkedid")
    }
}
