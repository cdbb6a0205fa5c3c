//! # ami-live
//!
//! A live mirror of one Asterisk: channels, calls, bridges, queues, parked
//! calls and conferences as objects, kept up to date from the typed AMI
//! events of [`ami_types`], in the spirit of Adhearsion's SuperManager and
//! asterisk-java's Live API.
//!
//! - [`Pbx`] connects (or takes a client), subscribes to events *first*,
//!   loads the current state from the list actions, merges the buffered
//!   events idempotently and then follows the event stream. Readers get
//!   immutable [`State`] snapshots ([`Pbx::snapshot`]) that never block the
//!   event path; no user code ever runs under a lock.
//! - Objects are addressed by handles ([`ChannelHandle`]: `Uniqueid` plus
//!   generation), not by names; a method on a channel that has gone returns
//!   [`Error::Gone`] instead of acting on a stale or reused name.
//! - [`Pbx::changes`] is a stream of typed [`Change`]s, each numbered, with
//!   the AMI timestamp and the source event; a consumer that falls behind
//!   gets the difference instead of a broken model, and so does every
//!   consumer after a reconnect.
//! - [`Model`] is the state machine itself, without I/O; [`replay`] feeds it
//!   recorded bytes.
//!
//! A crate of its own, on top of `ami-types`: applications that only send
//! actions or read events do not compile it, and it uses nothing of
//! `ami-types` that a user could not (the typed events, the client).
//!
//! ```
//! # #[tokio::main(flavor = "current_thread")]
//! # async fn main() -> Result<(), Box<dyn std::error::Error>> {
//! # let server = ami_server::Server::start(ami_server::ServerConfig::default()).await?;
//! # let url = server.url();
//! use ami_live::Pbx;
//! use ami_types::action::Originate;
//!
//! let pbx = Pbx::connect(&url).await?;
//! let call = pbx
//!     .originate_call(Originate::new("PJSIP/100").application("Wait").data("1"))
//!     .await?;
//! assert!(call.answered);
//! for channel in pbx.snapshot().channels.values() {
//!     println!("{} {} ({})", channel.name, channel.state_desc, channel.duration().as_secs());
//! }
//! let ended = pbx.call(&call.call).until_ended().await?;
//! println!("call ended with cause {:?}", ended);
//! # Ok(())
//! # }
//! ```

mod change;
pub mod diff;
mod error;
mod handle;
mod model;
mod pbx;
mod replay;
mod state;

pub use change::{Change, ChangeRecord, ChannelField, Origin, TransferKind, Unparked};
pub use error::{Error, Result};
pub use handle::{CallEnd, CallHandle, ChannelHandle, ConferenceHandle, QueueHandle};
pub use model::{Budget, BudgetHits, Limit, Lists, Model, DEFAULT_TOMBSTONES};
pub use pbx::{ChangeItem, ChangeStream, OriginatedCall, Pbx, PbxBuilder, Status};
pub use replay::{replay, replay_until, Replay};
pub use state::{
    Bridge, Call, Channel, ChannelId, Conference, Dial, Dialplan, Direction, EndedCall, Endpoint,
    ParkedCall, Participant, Party, Queue, QueueCaller, QueueMember, State, Str, Tombstone,
};
