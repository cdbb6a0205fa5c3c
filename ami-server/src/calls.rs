//! The simulated telephone system: channels, bridges, variables, queues,
//! and the task that plays one originated call's life, emitting the events a
//! real Asterisk 22 emits, in its order and with its keys, down to the `Cdr`
//! records written when the call ends.
//!
//! Every step changes the [`World`] and broadcasts its events while holding
//! the world lock, so a list built from the world (`CoreShowChannels`,
//! `Status`) is always consistent with the events a session has seen.
//!
//! One module per idea: [`world`] (channels, bridges, queues: the state),
//! [`originate`] (where a call goes, the call's task), [`steps`] (each step
//! and its events), [`queue`] (the queue script), [`park`] and
//! [`conference`] (the `Park` and `ConfBridge` applications, whose bridges
//! the calls share), [`optimize`] (a Local channel that optimises itself
//! away), [`transfer`] (blind and attended), [`pickup`], [`cdr`] and
//! [`clock`].

mod cdr;
mod clock;
mod conference;
mod optimize;
mod originate;
mod park;
mod pickup;
mod queue;
mod steps;
mod transfer;
mod world;

pub(super) use clock::{hms, seconds_since};
pub(super) use conference::conference_event;
pub(super) use originate::{originate, OriginateRequest, Target};
pub(super) use park::fill_parked;
pub(super) use queue::{member_event, member_state_fields, state_interface};
pub(super) use world::{bridge_snapshot, event, CallerId, QueueLive, Request, World};
