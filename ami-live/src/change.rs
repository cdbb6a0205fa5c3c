//! What changed: the typed [`Change`]s the model emits, each in a
//! [`ChangeRecord`] with its sequence number, the AMI timestamp and the
//! event it came from.

use std::sync::Arc;
use std::time::Duration;

use serde::Serialize;

use crate::state::{ChannelId, Str};
use ami_types::codes::HangupCause;
use ami_types::event::Event;

/// Which part of a channel changed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
pub enum ChannelField {
    /// `state` / `state_desc`.
    State,
    /// `caller_id`.
    CallerId,
    /// `connected_line`.
    ConnectedLine,
    /// `account_code`.
    AccountCode,
    /// `dialplan` (context, extension, priority).
    Dialplan,
    /// `application` / `application_data`.
    Application,
    /// `bridge`.
    Bridge,
    /// `variables`.
    Variable,
    /// `on_hold`.
    Hold,
    /// `linkedid` (and with it, maybe, `call`).
    Linkedid,
    /// `dial`.
    Dial,
    /// `local_peer`.
    LocalPeer,
    /// `hangup_requested`.
    HangupRequested,
    /// `language`.
    Language,
}

/// How a transfer was made.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum TransferKind {
    /// `BlindTransfer`.
    Blind,
    /// `AttendedTransfer`.
    Attended,
}

/// How a parked call left its space.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum Unparked {
    /// Somebody retrieved it (`UnParkedCall`).
    Retrieved,
    /// Its timeout ran out (`ParkedCallTimeOut`).
    TimedOut,
    /// The parked caller hung up (`ParkedCallGiveUp`).
    GaveUp,
    /// Another channel took its place (`ParkedCallSwap`).
    Swapped,
    /// It was gone at a resynchronisation.
    Vanished,
}

/// One change of the model.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[non_exhaustive]
pub enum Change {
    /// A limit of the model's [`Budget`](crate::Budget) was hit for
    /// the first time: from now on what passes it is left out (counted in
    /// [`Model::budget_hits`](crate::Model::budget_hits)).
    LimitReached {
        /// Which.
        limit: crate::Limit,
    },
    /// A channel appeared.
    ChannelAdded {
        /// The channel.
        id: ChannelId,
        /// Its name.
        name: Str,
    },
    /// Something about a channel changed.
    ChannelChanged {
        /// The channel.
        id: ChannelId,
        /// What.
        what: ChannelField,
    },
    /// A channel's name changed (`Rename`, or a masquerade).
    ChannelRenamed {
        /// The channel.
        id: ChannelId,
        /// The old name.
        from: Str,
        /// The new name.
        to: Str,
    },
    /// A channel hung up (or, at a resynchronisation, was gone).
    ChannelRemoved {
        /// The channel.
        id: ChannelId,
        /// Its last name.
        name: Str,
        /// `Cause` (`None` when it went away unseen).
        cause: Option<HangupCause>,
        /// `Cause-txt`.
        cause_txt: Str,
        /// `TechCause`, when Asterisk sent one.
        tech_cause: Option<Str>,
    },
    /// A call started.
    CallStarted {
        /// The call's id.
        call: Str,
    },
    /// One of a call's channels was answered.
    CallAnswered {
        /// The call's id.
        call: Str,
    },
    /// Two calls became one.
    CallsMerged {
        /// The call that was absorbed.
        from: Str,
        /// The call that goes on.
        into: Str,
    },
    /// The last channel of a call hung up.
    CallEnded {
        /// The call's id.
        call: Str,
        /// How long it lasted.
        duration: Duration,
        /// The cause of its first hangup.
        cause: Option<HangupCause>,
    },
    /// A Local channel pair optimised itself away (or tried to).
    LocalOptimized {
        /// `;1`.
        one: Str,
        /// `;2`.
        two: Str,
        /// Whether it succeeded.
        success: bool,
    },
    /// A bridge was created.
    BridgeCreated {
        /// Its id.
        bridge: Str,
    },
    /// A bridge was destroyed.
    BridgeDestroyed {
        /// Its id.
        bridge: Str,
    },
    /// Two bridges merged (the moved channels follow as leave/enter).
    BridgesMerged {
        /// The bridge emptied.
        from: Str,
        /// The bridge that goes on.
        into: Str,
    },
    /// A transfer (the structure changes come from the bridge, Local and
    /// hangup events around it).
    Transferred {
        /// Blind or attended.
        kind: TransferKind,
        /// `Result` (`Success`, `Fail`, `Invalid`, `Not Permitted`).
        result: Str,
        /// The transferer's `Uniqueid`.
        transferer: Option<Str>,
        /// The transferee's `Uniqueid`.
        transferee: Option<Str>,
        /// Blind: the extension (`exten@context`); attended: the target's
        /// `Uniqueid`.
        target: Option<Str>,
    },
    /// A queue's counters or settings changed (`QueueStatus`).
    QueueChanged {
        /// The queue.
        queue: Str,
    },
    /// A queue appeared.
    QueueAdded {
        /// The queue.
        queue: Str,
    },
    /// A queue is no longer configured.
    QueueRemoved {
        /// The queue.
        queue: Str,
    },
    /// A caller joined a queue.
    QueueCallerJoined {
        /// The queue.
        queue: Str,
        /// The caller's `Uniqueid`.
        uniqueid: Str,
        /// Its position.
        position: i64,
    },
    /// A caller left a queue (answered, or gave up).
    QueueCallerLeft {
        /// The queue.
        queue: Str,
        /// The caller's `Uniqueid`.
        uniqueid: Str,
        /// Whether it hung up waiting (`QueueCallerAbandon`).
        abandoned: bool,
    },
    /// A member was added to a queue.
    QueueMemberAdded {
        /// The queue.
        queue: Str,
        /// The member's interface.
        interface: Str,
    },
    /// A member's status, pause or counters changed.
    QueueMemberChanged {
        /// The queue.
        queue: Str,
        /// The member's interface.
        interface: Str,
    },
    /// A member was removed from a queue.
    QueueMemberRemoved {
        /// The queue.
        queue: Str,
        /// The member's interface.
        interface: Str,
    },
    /// A call was parked.
    Parked {
        /// The parked channel's `Uniqueid`.
        uniqueid: Str,
        /// `Parkinglot`.
        lot: Str,
        /// `ParkingSpace`.
        space: Str,
    },
    /// A parked call left its space.
    Unparked {
        /// The parked channel's `Uniqueid`.
        uniqueid: Str,
        /// How.
        how: Unparked,
    },
    /// A conference started.
    ConferenceStarted {
        /// Its name.
        conference: Str,
    },
    /// A conference ended.
    ConferenceEnded {
        /// Its name.
        conference: Str,
    },
    /// A channel joined a conference.
    ParticipantJoined {
        /// The conference.
        conference: Str,
        /// The channel's `Uniqueid`.
        uniqueid: Str,
    },
    /// A participant was muted, unmuted, or started or stopped talking.
    ParticipantChanged {
        /// The conference.
        conference: Str,
        /// The channel's `Uniqueid`.
        uniqueid: Str,
    },
    /// An endpoint's device state, contacts or status changed (or it
    /// appeared).
    EndpointChanged {
        /// The device (`PJSIP/100`).
        device: Str,
    },
    /// A channel left a conference.
    ParticipantLeft {
        /// The conference.
        conference: Str,
        /// The channel's `Uniqueid`.
        uniqueid: Str,
    },
}

/// Where a change came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum Origin {
    /// An event (in [`ChangeRecord::source`]).
    Event,
    /// The initial load, or a reload of a list (`QueueStatus` after a
    /// `Reload`, an audit).
    Load,
    /// A resynchronisation after a reconnect: the difference between the
    /// state before the drop and the state found after it.
    Reconnect,
    /// A resynchronisation after the model's event stream lagged.
    Lagged,
    /// A repair by the audit, confirmed by a targeted `Status`.
    Audit,
}

/// One change, numbered.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ChangeRecord {
    /// Sequence number, increasing by one per change.
    pub seq: u64,
    /// The AMI `Timestamp` of the source event (`timestampevents = yes` in
    /// `manager.conf`).
    pub timestamp: Option<f64>,
    /// Why this change was made.
    pub origin: Origin,
    /// The change.
    pub change: Change,
    /// The event it came from (for [`Origin::Event`]).
    #[serde(skip)]
    pub source: Option<Arc<Event>>,
}
