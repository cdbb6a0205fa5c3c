//! The model's state: what one Asterisk has up now, as plain values.
//!
//! A [`State`] is an immutable snapshot. Its maps are persistent
//! ([`imbl`]): taking a snapshot costs a few reference counts, and a
//! snapshot a reader holds never changes while the model goes on.

use std::sync::Arc;
use std::time::{Duration, SystemTime};

use ami_types::codes::{ChannelState, DeviceState, HangupCause};
use imbl::{OrdMap, OrdSet, Vector};
use serde::{Serialize, Serializer};

/// Text shared between snapshots (cheap to clone).
pub type Str = Arc<str>;

/// Which channel a handle means: its `Uniqueid` and the generation the
/// model gave that channel when it appeared. A `Uniqueid` is unique only
/// while its channel lives (Originate's `ChannelId` lets a caller choose
/// it), so the generation tells a reused one from the channel a handle was
/// taken for.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
pub struct ChannelId {
    /// The channel's `Uniqueid`.
    pub uniqueid: Str,
    /// The model's serial number of this channel (never reused).
    pub generation: u64,
}

impl std::fmt::Display for ChannelId {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}#{}", self.uniqueid, self.generation)
    }
}

/// A caller ID or connected line: number and name (Asterisk's
/// `<unknown>` reads as empty).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Party {
    /// The number.
    pub num: Str,
    /// The name.
    pub name: Str,
}

/// Where a channel is in the dialplan.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Dialplan {
    /// `Context`.
    pub context: Str,
    /// `Exten`.
    pub exten: Str,
    /// `Priority`.
    pub priority: i64,
}

/// What a channel being dialled is doing (`DialBegin` → `DialState` →
/// `DialEnd`).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Dial {
    /// The `Uniqueid` of the calling channel; `None` for an asynchronous
    /// Originate, whose `DialBegin` has only destination fields.
    pub caller: Option<Str>,
    /// The dial string.
    pub dial_string: Str,
    /// The last status: empty while dialling, then `RINGING`,
    /// `PROCEEDING`, `PROGRESS`, and at `DialEnd` `ANSWER`, `BUSY`,
    /// `NOANSWER`, `CANCEL`, `CONGESTION`, `CHANUNAVAIL`, `ABORT`,
    /// `CONTINUE`, `GOTO`, ...
    pub status: Str,
    /// A forward (`Forward`), when the dialled party forwarded the call.
    pub forward: Str,
    /// Whether `DialEnd` arrived.
    pub ended: bool,
}

/// One live channel.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Channel {
    /// Identity: `Uniqueid` and generation.
    pub id: ChannelId,
    /// The channel name (it changes: `Rename`, masquerades).
    pub name: Str,
    /// `Linkedid`: the oldest associated `Uniqueid`; it changes without an
    /// event of its own when channels join a bridge.
    pub linkedid: Str,
    /// The call this channel belongs to (see [`Call`]).
    pub call: Str,
    /// `ChannelState` (serialized as its number, 6 for up).
    pub state: ChannelState,
    /// `ChannelStateDesc` (`Down`, `Ring`, `Ringing`, `Up`, ...).
    pub state_desc: Str,
    /// Caller ID.
    pub caller_id: Party,
    /// Connected line.
    pub connected_line: Party,
    /// `AccountCode`.
    pub account_code: Str,
    /// `Language`.
    pub language: Str,
    /// Dialplan position.
    pub dialplan: Dialplan,
    /// The application running (from `Newexten`, which needs
    /// `read=dialplan`, or from `CoreShowChannels`).
    pub application: Str,
    /// Its data.
    pub application_data: Str,
    /// The bridge the channel is in.
    pub bridge: Option<Str>,
    /// Variables seen set (`VarSet`), by name.
    pub variables: OrdMap<Str, Str>,
    /// On hold (`Hold`/`Unhold`).
    pub on_hold: bool,
    /// The other half of a Local channel pair (`LocalBridge`).
    pub local_peer: Option<Str>,
    /// When this channel is being dialled: the dial.
    pub dial: Option<Dial>,
    /// A hangup was requested (`HangupRequest`/`SoftHangupRequest`) with
    /// this cause.
    pub hangup_requested: Option<HangupCause>,
    /// When the channel appeared (the event's `Timestamp` when Asterisk
    /// sends one, else when the model saw it; for a channel loaded from
    /// `CoreShowChannels`, now minus its `Duration`).
    #[serde(serialize_with = "unix_seconds")]
    pub created_at: SystemTime,
    /// When it was first up.
    #[serde(serialize_with = "unix_seconds_opt")]
    pub answered_at: Option<SystemTime>,
}

impl Channel {
    /// Whether the channel is up (answered).
    pub fn is_up(&self) -> bool {
        self.state.is_up()
    }

    /// Whether this is a Local channel half (`Local/...;1` or `;2`).
    pub fn is_local(&self) -> bool {
        self.name.starts_with("Local/")
    }

    /// How long the channel has existed at `now`.
    pub fn duration_at(&self, now: SystemTime) -> Duration {
        now.duration_since(self.created_at).unwrap_or_default()
    }

    /// How long the channel has existed.
    pub fn duration(&self) -> Duration {
        self.duration_at(SystemTime::now())
    }
}

/// A bridge: channels that hear each other (or wait together, in a holding
/// bridge).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Bridge {
    /// `BridgeUniqueid`.
    pub id: Str,
    /// `BridgeType` (`basic`, `holding`, ...).
    pub bridge_type: Str,
    /// `BridgeTechnology` (`simple_bridge`, `softmix`, `holding_bridge`, ...).
    pub technology: Str,
    /// `BridgeCreator` (`Dial`, `Queue`, `ConfBridge`, `Parking`, ...).
    pub creator: Str,
    /// `BridgeName`.
    pub name: Str,
    /// The channels in it, by `Uniqueid`.
    pub channels: OrdSet<Str>,
}

impl Bridge {
    /// A holding bridge (parking, a holding application) is not a
    /// conversation: its channels do not talk to each other.
    pub fn is_holding(&self) -> bool {
        self.bridge_type.eq_ignore_ascii_case("holding")
            || self.technology.eq_ignore_ascii_case("holding_bridge")
    }
}

/// A call: the channels of one conversation, spliced across Local channel
/// pairs. Its id is the `Linkedid` it started with; when channels of two
/// calls come together (a linkedid changes, a Local pair joins them) the
/// younger call merges into the older one.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Call {
    /// The call's id (a `Linkedid`).
    pub id: Str,
    /// Its live channels, by `Uniqueid`.
    pub channels: OrdSet<Str>,
    /// Its first channel (the one that started it).
    pub origin: Str,
    /// When it started.
    #[serde(serialize_with = "unix_seconds")]
    pub started_at: SystemTime,
    /// When one of its channels was first up.
    #[serde(serialize_with = "unix_seconds_opt")]
    pub answered_at: Option<SystemTime>,
    /// When two of its channels first talked (shared a bridge that is not
    /// a holding bridge).
    #[serde(serialize_with = "unix_seconds_opt")]
    pub connected_at: Option<SystemTime>,
    /// The first hangup in the call: its cause and `Cause-txt`.
    pub first_hangup: Option<(HangupCause, Str)>,
    /// Who started it.
    pub direction: Direction,
    /// The `DialStatus` of the last `DialEnd` in the call whose destination
    /// is not a Local channel: what the far end did (`ANSWER`, `BUSY`,
    /// `NOANSWER`, `CONGESTION`, ...), seen through Local channels.
    pub dial_status: Option<Str>,
}

/// A call that has ended, as it was at its end.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct EndedCall {
    /// The call (its `channels` are those that were in it last).
    pub call: Call,
    /// When its last channel hung up.
    #[serde(serialize_with = "unix_seconds")]
    pub ended_at: SystemTime,
}

impl EndedCall {
    /// How long it lasted.
    pub fn duration(&self) -> Duration {
        self.ended_at
            .duration_since(self.call.started_at)
            .unwrap_or_default()
    }

    /// The cause of its first hangup.
    pub fn cause(&self) -> Option<HangupCause> {
        self.call.first_hangup.as_ref().map(|(c, _)| *c)
    }
}

/// Who started a call.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub enum Direction {
    /// Not known yet (its first channel has neither been dialled by an
    /// Originate nor done anything of its own).
    #[default]
    Unknown,
    /// An `Originate` (an AMI client, a call file): its first channel was
    /// dialled with no calling channel.
    Originated,
    /// A channel that called in (a phone, a trunk): its first channel ran
    /// the dialplan or dialled out without having been dialled.
    Inbound,
}

/// A queue member.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct QueueMember {
    /// The interface (`Location` in `QueueStatus`, `Interface` in events).
    pub interface: Str,
    /// `MemberName`.
    pub name: Str,
    /// `StateInterface`.
    pub state_interface: Str,
    /// `Membership` (`static`, `dynamic`, `realtime`).
    pub membership: Str,
    /// `Penalty`.
    pub penalty: i64,
    /// `CallsTaken`.
    pub calls_taken: i64,
    /// `LastCall`: when the member last finished a call (`None`: never;
    /// serialized as Unix seconds).
    #[serde(serialize_with = "unix_seconds_opt")]
    pub last_call: Option<SystemTime>,
    /// `InCall`.
    pub in_call: bool,
    /// `Status`: the member's device state (serialized as its number: 1
    /// not in use, 2 in use, 6 ringing, 5 unavailable, ...).
    pub status: DeviceState,
    /// `Paused`.
    pub paused: bool,
    /// `PausedReason`.
    pub paused_reason: Str,
}

impl QueueMember {
    /// Free to take a call: not paused, not in a call, device not in use,
    /// busy, ringing or unavailable.
    pub fn is_free(&self) -> bool {
        !self.paused && !self.in_call && self.status.is_free()
    }
}

/// A caller waiting in a queue.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct QueueCaller {
    /// The channel's `Uniqueid`.
    pub uniqueid: Str,
    /// The channel's name.
    pub channel: Str,
    /// Position, from 1; positions shift on every leave.
    pub position: i64,
    /// Caller ID.
    pub caller_id: Party,
    /// When the caller joined.
    #[serde(serialize_with = "unix_seconds")]
    pub joined_at: SystemTime,
}

/// A queue: its counters (from `QueueStatus` only: Asterisk sends no event
/// for them), members and waiting callers.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct Queue {
    /// `Queue`.
    pub name: Str,
    /// `Strategy`.
    pub strategy: Str,
    /// `Max` callers (0: no limit).
    pub max: i64,
    /// `Holdtime`: the average wait (serialized in seconds).
    #[serde(serialize_with = "seconds")]
    pub holdtime: Duration,
    /// `TalkTime`: the average talk (serialized in seconds).
    #[serde(serialize_with = "seconds")]
    pub talk_time: Duration,
    /// `Completed`.
    pub completed: i64,
    /// `Abandoned`.
    pub abandoned: i64,
    /// `ServiceLevel`: the answer time the service level counts against
    /// (serialized in seconds).
    #[serde(serialize_with = "seconds")]
    pub service_level: Duration,
    /// `Weight`.
    pub weight: i64,
    /// Members by interface.
    #[serde(serialize_with = "as_list")]
    pub members: OrdMap<Str, QueueMember>,
    /// Waiting callers in queue order.
    pub callers: Vector<QueueCaller>,
}

impl Queue {
    /// The longest wait of the callers waiting now, at `now`.
    pub fn longest_wait_at(&self, now: SystemTime) -> Option<Duration> {
        self.callers
            .iter()
            .map(|c| now.duration_since(c.joined_at).unwrap_or_default())
            .max()
    }
}

/// A parked call.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ParkedCall {
    /// The parked channel's `Uniqueid`.
    pub uniqueid: Str,
    /// Its name.
    pub channel: Str,
    /// `Parkinglot`.
    pub lot: Str,
    /// `ParkingSpace`.
    pub space: Str,
    /// `ParkingTimeout`: how long it stays parked before it times out
    /// (serialized in seconds).
    #[serde(serialize_with = "seconds")]
    pub timeout: Duration,
    /// `ParkerDialString`.
    pub parker_dial_string: Str,
    /// When it was parked.
    #[serde(serialize_with = "unix_seconds")]
    pub parked_at: SystemTime,
}

/// A conference participant.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Participant {
    /// The channel's `Uniqueid`.
    pub uniqueid: Str,
    /// Its name.
    pub channel: Str,
    /// An admin.
    pub admin: bool,
    /// Muted.
    pub muted: bool,
    /// Talking now (`ConfbridgeTalking`, with talk detection on).
    pub talking: bool,
}

/// A ConfBridge conference.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Conference {
    /// `Conference`.
    pub name: Str,
    /// Its bridge.
    pub bridge: Option<Str>,
    /// Locked (from `ConfbridgeListRooms`).
    pub locked: bool,
    /// Participants by `Uniqueid`.
    #[serde(serialize_with = "as_list")]
    pub participants: OrdMap<Str, Participant>,
}

/// An endpoint (a phone, a trunk) the PBX knows: from `PJSIPShowEndpoints`,
/// kept up to date by `DeviceStateChange`, `ContactStatus` and
/// `PeerStatus`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Endpoint {
    /// The device, `PJSIP/100`.
    pub device: Str,
    /// Its device state (`NOT_INUSE`, `INUSE`, `RINGING`, `UNAVAILABLE`,
    /// ...; `Not in use` and the like as `PJSIPShowEndpoints` spells it).
    pub device_state: Str,
    /// Its contacts' status (`ContactStatus`: `Reachable`, `Unreachable`,
    /// `Removed`, ...) by URI.
    pub contacts: OrdMap<Str, Str>,
    /// `PeerStatus` (`Reachable`, `Unreachable`, `Registered`, ...).
    pub status: Str,
}

/// What is left of a channel that hung up: late events about it hit this,
/// not a new channel, and a handle to it reports [`Gone`](crate::Error::Gone).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Tombstone {
    /// The channel it was.
    pub id: ChannelId,
    /// Its last name.
    pub name: Str,
    /// `Cause`, `None` when it went away unseen (while disconnected).
    pub cause: Option<HangupCause>,
    /// `Cause-txt`.
    pub cause_txt: Str,
    /// `TechCause`, when present.
    pub tech_cause: Option<Str>,
    /// When it hung up.
    #[serde(serialize_with = "unix_seconds")]
    pub ended_at: SystemTime,
}

/// One snapshot of the whole model.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct State {
    /// Live channels by `Uniqueid`.
    #[serde(serialize_with = "as_list")]
    pub channels: OrdMap<Str, Arc<Channel>>,
    /// Calls by id.
    #[serde(serialize_with = "as_list")]
    pub calls: OrdMap<Str, Arc<Call>>,
    /// Bridges by `BridgeUniqueid`.
    #[serde(serialize_with = "as_list")]
    pub bridges: OrdMap<Str, Arc<Bridge>>,
    /// Queues by name.
    #[serde(serialize_with = "as_list")]
    pub queues: OrdMap<Str, Arc<Queue>>,
    /// Parked calls by the parked channel's `Uniqueid`.
    #[serde(serialize_with = "as_list")]
    pub parked: OrdMap<Str, Arc<ParkedCall>>,
    /// Conferences by name.
    #[serde(serialize_with = "as_list")]
    pub conferences: OrdMap<Str, Arc<Conference>>,
    /// Endpoints by device (`PJSIP/100`), where the PBX lists them.
    #[serde(serialize_with = "as_list")]
    pub endpoints: OrdMap<Str, Arc<Endpoint>>,
    /// The most recent hung-up channels, by `Uniqueid` (bounded).
    #[serde(skip)]
    pub tombstones: OrdMap<Str, Arc<Tombstone>>,
    /// The most recent ended calls, by id (bounded like the tombstones).
    #[serde(skip)]
    pub ended_calls: OrdMap<Str, Arc<EndedCall>>,
    /// Calls merged into others: an old call id and the call it went into.
    #[serde(skip)]
    pub aliases: OrdMap<Str, Str>,
    /// The sequence number of the last change applied.
    pub seq: u64,
}

impl State {
    /// The live channel with this `Uniqueid`.
    pub fn channel(&self, uniqueid: &str) -> Option<&Arc<Channel>> {
        self.channels.get(uniqueid)
    }

    /// The live channel this handle means: same `Uniqueid` and generation.
    pub fn channel_by_id(&self, id: &ChannelId) -> Option<&Arc<Channel>> {
        self.channels
            .get(&id.uniqueid)
            .filter(|c| c.id.generation == id.generation)
    }

    /// The live channel named `name` (case-insensitive).
    pub fn channel_by_name(&self, name: &str) -> Option<&Arc<Channel>> {
        self.channels
            .values()
            .filter(|c| c.name.eq_ignore_ascii_case(name))
            .max_by_key(|c| c.id.generation)
    }

    /// The call with this id, following merges (a call merged into another
    /// is found as the one it went into).
    pub fn call(&self, id: &str) -> Option<&Arc<Call>> {
        self.merges_from(id).find_map(|id| self.calls.get(&id))
    }

    /// The ended call with this id, following merges, while the model
    /// remembers it.
    pub fn ended_call(&self, id: &str) -> Option<&Arc<EndedCall>> {
        self.merges_from(id)
            .find_map(|id| self.ended_calls.get(&id))
    }

    /// A call id, then the ids of the calls it merged into, in turn
    /// (bounded, should the aliases ever loop).
    pub(crate) fn merges_from(&self, id: &str) -> impl Iterator<Item = Str> + '_ {
        std::iter::successors(Some(Str::from(id)), |id| {
            self.aliases.get(id).filter(|next| *next != id).cloned()
        })
        .take(64)
    }

    /// The call a channel belongs to.
    pub fn call_of(&self, uniqueid: &str) -> Option<&Arc<Call>> {
        self.channels
            .get(uniqueid)
            .and_then(|c| self.calls.get(&c.call))
    }

    /// Whom a channel talks to: the channels in its bridge (unless it is a
    /// holding bridge), looking through Local channel pairs to the
    /// channels at their far ends.
    pub fn talks_to(&self, uniqueid: &str) -> Vec<Str> {
        let mut out = Vec::new();
        let mut seen: Vec<Str> = Vec::new();
        let mut todo: Vec<Str> = vec![Str::from(uniqueid)];
        while let Some(u) = todo.pop() {
            if seen.contains(&u) {
                continue;
            }
            seen.push(u.clone());
            let Some(ch) = self.channels.get(&u) else {
                continue;
            };
            let Some(bridge) = ch.bridge.as_ref().and_then(|b| self.bridges.get(b)) else {
                continue;
            };
            if bridge.is_holding() {
                continue;
            }
            for other in bridge.channels.iter().filter(|o| **o != u) {
                match self.channels.get(other) {
                    Some(o) if o.is_local() => {
                        if let Some(peer) = &o.local_peer {
                            seen.push(other.clone());
                            todo.push(peer.clone());
                        }
                    }
                    Some(_) if **other != *uniqueid && !out.contains(other) => {
                        out.push(other.clone())
                    }
                    _ => {}
                }
            }
        }
        out
    }
}

fn unix_seconds<S: Serializer>(t: &SystemTime, s: S) -> Result<S::Ok, S::Error> {
    let secs = t
        .duration_since(SystemTime::UNIX_EPOCH)
        .map(|d| d.as_secs_f64())
        .unwrap_or_default();
    s.serialize_f64((secs * 1000.0).round() / 1000.0)
}

fn unix_seconds_opt<S: Serializer>(t: &Option<SystemTime>, s: S) -> Result<S::Ok, S::Error> {
    match t {
        Some(t) => unix_seconds(t, s),
        None => s.serialize_none(),
    }
}

fn seconds<S: Serializer>(d: &Duration, s: S) -> Result<S::Ok, S::Error> {
    s.serialize_u64(d.as_secs())
}

/// A map as the list of its values, in key order (JSON consumers want
/// `"channels": [{"name": ...}, ...]`).
fn as_list<S: Serializer, V: Serialize>(map: &OrdMap<Str, V>, s: S) -> Result<S::Ok, S::Error> {
    s.collect_seq(map.values())
}
