//! The state of the simulated system: channels and their snapshots,
//! bridges, variables, the live queues, and the `World` that holds them.

use std::collections::BTreeMap;
use std::time::{Instant, SystemTime, UNIX_EPOCH};

use tokio::sync::mpsc;

use crate::{DemoMember, DemoQueue, ServerConfig};
use ami_core::message::{keys, Message};

/// A channel state, as `ChannelState` / `ChannelStateDesc`.

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum State {
    Down,
    Ring,
    Ringing,
    Up,
}

impl State {
    pub(crate) fn code(self) -> u8 {
        match self {
            State::Down => 0,
            State::Ring => 4,
            State::Ringing => 5,
            State::Up => 6,
        }
    }

    pub(crate) fn desc(self) -> &'static str {
        match self {
            State::Down => "Down",
            State::Ring => "Ring",
            State::Ringing => "Ringing",
            State::Up => "Up",
        }
    }
}

/// A caller ID: name and number, `<unknown>` when empty.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct CallerId {
    pub(crate) name: String,
    pub(crate) num: String,
}

impl CallerId {
    /// Parses `"Name" <number>`, `Name <number>` or a bare number.
    pub(crate) fn parse(s: &str) -> CallerId {
        let s = s.trim();
        match (s.rfind('<'), s.rfind('>')) {
            (Some(lt), Some(gt)) if lt < gt => CallerId {
                name: s[..lt].trim().trim_matches('"').trim().to_owned(),
                num: s[lt + 1..gt].trim().to_owned(),
            },
            _ if s.chars().all(|c| c.is_ascii_digit() || "+*#".contains(c)) => CallerId {
                name: String::new(),
                num: s.to_owned(),
            },
            _ => CallerId {
                name: s.trim_matches('"').to_owned(),
                num: String::new(),
            },
        }
    }

    pub(crate) fn num_or_unknown(&self) -> &str {
        or_unknown(&self.num)
    }

    pub(crate) fn name_or_unknown(&self) -> &str {
        or_unknown(&self.name)
    }
}

pub(crate) fn or_unknown(s: &str) -> &str {
    if s.is_empty() {
        "<unknown>"
    } else {
        s
    }
}

/// One simulated channel.
#[derive(Debug, Clone)]
pub(crate) struct Channel {
    pub(crate) name: String,
    pub(crate) uniqueid: String,
    pub(crate) linkedid: String,
    pub(crate) state: State,
    pub(crate) caller: CallerId,
    pub(crate) connected: CallerId,
    pub(crate) context: String,
    pub(crate) exten: String,
    pub(crate) priority: u32,
    pub(crate) application: String,
    pub(crate) app_data: String,
    pub(crate) bridge: Option<String>,
    pub(crate) created: Instant,
    pub(crate) vars: BTreeMap<String, String>,
    pub(crate) call: u64,
    pub(crate) tech: &'static str,
    /// When the channel was first `Up`.
    pub(crate) answered: Option<Instant>,
    /// Whether it was created by a dial (a B party, with no CDR of its own).
    pub(crate) dialed: bool,
    /// The channel it dialled (its CDR's `DestinationChannel`).
    pub(crate) dest_channel: Option<String>,
    /// The CDR disposition of a call that failed.
    pub(crate) disposition: Option<&'static str>,
}

impl Channel {
    /// Appends the channel snapshot fields, each key prefixed.
    pub(crate) fn snapshot(&self, m: &mut Message, prefix: &str) {
        let k = |key: &str| format!("{prefix}{key}");
        m.append(k("Channel"), self.name.as_str());
        m.append(k("ChannelState"), self.state.code());
        m.append(k("ChannelStateDesc"), self.state.desc());
        m.append(k("CallerIDNum"), self.caller.num_or_unknown());
        m.append(k("CallerIDName"), self.caller.name_or_unknown());
        m.append(k("ConnectedLineNum"), self.connected.num_or_unknown());
        m.append(k("ConnectedLineName"), self.connected.name_or_unknown());
        m.append(k("Language"), "en");
        m.append(k("AccountCode"), "");
        m.append(k("Context"), self.context.as_str());
        m.append(k("Exten"), self.exten.as_str());
        m.append(k("Priority"), self.priority);
        m.append(k("Uniqueid"), self.uniqueid.as_str());
        m.append(k("Linkedid"), self.linkedid.as_str());
    }

    /// Simulated seconds since the channel was created.
    pub(crate) fn seconds(&self, config: &ServerConfig) -> u64 {
        let real = self.created.elapsed().as_secs_f64();
        if config.time_scale > 0.0 && config.time_scale.is_finite() {
            (real / config.time_scale) as u64
        } else {
            0
        }
    }

    /// A dialplan function or variable of this channel.
    pub(crate) fn read(&self, var: &str) -> Option<String> {
        let upper = var.trim().to_ascii_uppercase();
        let v = match upper.as_str() {
            "CHANNEL(STATE)" => self.state.desc().to_owned(),
            "CHANNEL(NAME)" | "CHANNEL" => self.name.clone(),
            "CHANNEL(UNIQUEID)" | "UNIQUEID" => self.uniqueid.clone(),
            "CHANNEL(LINKEDID)" => self.linkedid.clone(),
            "CALLERID(NUM)" => self.caller.num.clone(),
            "CALLERID(NAME)" => self.caller.name.clone(),
            "CONTEXT" => self.context.clone(),
            "EXTEN" => self.exten.clone(),
            "PRIORITY" => self.priority.to_string(),
            _ => return self.vars.get(var.trim()).cloned(),
        };
        Some(v)
    }
}

/// A bridge of a call.
#[derive(Debug, Clone)]
pub(crate) struct Bridge {
    pub(crate) id: String,
    pub(crate) members: Vec<u64>,
}

/// Appends the snapshot fields of a basic bridge under a key prefix
/// (`To`, `From`, `OrigBridge`… as `BridgeMerge` and `AttendedTransfer`
/// carry them: `ToBridgeUniqueid`, ...).
pub(crate) fn bridge_snapshot_prefixed(m: &mut Message, prefix: &str, id: &str, channels: usize) {
    let mut plain = Message::new();
    bridge_snapshot(&mut plain, id, channels);
    for (k, v) in plain.iter() {
        m.append(format!("{prefix}{k}"), v.to_value());
    }
}

/// Appends the bridge snapshot fields of a basic two-party bridge.
pub(crate) fn bridge_snapshot(m: &mut Message, id: &str, channels: usize) {
    BridgeKind::BASIC.snapshot(m, id, channels);
}

/// What a bridge is, as its snapshot says: type, technology, creator, name.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct BridgeKind {
    pub(crate) bridge_type: &'static str,
    pub(crate) technology: &'static str,
    pub(crate) creator: &'static str,
}

impl BridgeKind {
    /// A call between two parties (`Dial`, `Queue`).
    pub(crate) const BASIC: BridgeKind = BridgeKind {
        bridge_type: "basic",
        technology: "simple_bridge",
        creator: "<unknown>",
    };
    /// A parking lot: callers wait, nobody talks.
    pub(crate) const PARKING: BridgeKind = BridgeKind {
        bridge_type: "holding",
        technology: "holding_bridge",
        creator: "Parking",
    };
    /// A ConfBridge conference.
    pub(crate) const CONFERENCE: BridgeKind = BridgeKind {
        bridge_type: "base",
        technology: "softmix",
        creator: "ConfBridge",
    };

    /// Appends the snapshot fields of bridge `id` (named `name`, or
    /// `<unknown>` when empty) with `channels` members.
    pub(crate) fn snapshot_named(self, m: &mut Message, id: &str, name: &str, channels: usize) {
        m.append("BridgeUniqueid", id);
        m.append("BridgeType", self.bridge_type);
        m.append("BridgeTechnology", self.technology);
        m.append("BridgeCreator", self.creator);
        m.append("BridgeName", or_unknown(name));
        m.append("BridgeNumChannels", channels);
        m.append("BridgeVideoSourceMode", "none");
    }

    pub(crate) fn snapshot(self, m: &mut Message, id: &str, channels: usize) {
        self.snapshot_named(m, id, "", channels);
    }
}

/// A bridge shared by the calls that enter it (a parking lot, a
/// conference), with its members.
#[derive(Debug, Clone)]
pub(crate) struct SharedBridge {
    pub(crate) id: String,
    pub(crate) kind: BridgeKind,
    pub(crate) name: String,
    pub(crate) members: Vec<u64>,
}

/// A parked call.
#[derive(Debug, Clone)]
pub(crate) struct Parked {
    pub(crate) space: u32,
    pub(crate) timeout: u64,
    pub(crate) at: Instant,
}

/// A conference participant's settings.
#[derive(Debug, Clone, Default)]
pub(crate) struct Participant {
    pub(crate) muted: bool,
}

/// A new event with its `Privilege`.
pub(crate) fn event(name: &str, privilege: &str) -> Message {
    let mut m = Message::with_capacity(24);
    m.append(keys::EVENT, name.to_owned());
    if !privilege.is_empty() {
        m.append(keys::PRIVILEGE, privilege.to_owned());
    }
    m
}

/// Asterisk's text for a hangup cause.
pub(crate) fn cause_text(cause: u32) -> &'static str {
    match cause {
        1 => "Unallocated (unassigned) number",
        16 => "Normal Clearing",
        17 => "User busy",
        18 => "No user responding",
        19 => "User alerting, no answer",
        21 => "Call Rejected",
        34 => "Circuit/channel congestion",
        _ => "Unknown",
    }
}

/// What an action (or another call) asks of a call's task.
#[derive(Debug)]
pub(crate) enum Request {
    /// Hang up one channel of the call, with a cause.
    Hangup(u64, u32),
    /// `BlindTransfer`: the channel leaves (and hangs up) and its bridge
    /// peer goes to `exten@context`.
    BlindTransfer {
        channel: u64,
        context: String,
        exten: String,
    },
    /// `Atxfer`: the channel consults `exten@context` while its peer
    /// waits on hold, then hands the peer over and hangs up.
    Atxfer {
        channel: u64,
        context: String,
        exten: String,
    },
    /// `Pickup`: channel `picker` (of another call) answers the ringing
    /// `target` in its place; the call adopts the picker and says whether
    /// it did.
    Pickup {
        target: u64,
        picker: u64,
        done: tokio::sync::oneshot::Sender<bool>,
    },
}

impl Request {
    /// The channel the request is about.
    pub(crate) fn channel(&self) -> u64 {
        match self {
            Request::Hangup(id, _) => *id,
            Request::BlindTransfer { channel, .. } | Request::Atxfer { channel, .. } => *channel,
            Request::Pickup { target, .. } => *target,
        }
    }
}

/// Channels, calls and global variables.
#[derive(Debug)]
pub(crate) struct World {
    pub(crate) started: Instant,
    pub(crate) epoch: u64,
    pub(crate) next_unique: u64,
    pub(crate) next_seq: u32,
    pub(crate) channels: BTreeMap<u64, Channel>,
    pub(crate) globals: BTreeMap<String, String>,
    pub(crate) calls: BTreeMap<u64, mpsc::UnboundedSender<Request>>,
    pub(crate) next_call: u64,
    pub(crate) calls_processed: u64,
    pub(crate) rng: fastrand::Rng,
    /// Live queue state, by lower-cased queue name.
    pub(crate) queues: BTreeMap<String, QueueLive>,
    /// The parking lot's bridge, while somebody is parked.
    pub(crate) parking: Option<SharedBridge>,
    /// Parked channels by channel id.
    pub(crate) parked: BTreeMap<u64, Parked>,
    /// Conferences by name, with their bridges.
    pub(crate) conferences: BTreeMap<String, SharedBridge>,
    /// Conference participants by channel id.
    pub(crate) participants: BTreeMap<u64, Participant>,
}

/// What happens in a queue while the server runs: callers waiting, members
/// in calls, calls answered and abandoned.
#[derive(Debug, Default)]
pub(crate) struct QueueLive {
    /// Channels waiting, in order, with the time they joined.
    pub(crate) waiting: Vec<(u64, Instant)>,
    /// Member state by interface (`Location`).
    pub(crate) members: BTreeMap<String, MemberLive>,
    /// Calls answered by a member and finished.
    pub(crate) completed: u64,
    /// Callers that hung up while waiting.
    pub(crate) abandoned: u64,
    /// The members now, once `QueueAdd`, `QueueRemove` or `QueuePause`
    /// changed the configured ones.
    pub(crate) roster: Option<Vec<DemoMember>>,
    /// Interfaces added by `QueueAdd` (`Membership: dynamic`).
    pub(crate) dynamic: std::collections::BTreeSet<String>,
}

/// A queue member's live state.
#[derive(Debug, Default, Clone, Copy)]
pub(crate) struct MemberLive {
    /// Ringing or talking.
    pub(crate) in_call: bool,
    /// Calls answered.
    pub(crate) calls_taken: u64,
    /// When the last call ended (epoch seconds of the simulated clock).
    pub(crate) last_call: u64,
}

impl World {
    /// A world whose pseudo-random numbers come from `seed` (any when
    /// `None`).
    pub(crate) fn with_seed(seed: Option<u64>) -> World {
        let mut w = World::new();
        if let Some(seed) = seed {
            w.rng = fastrand::Rng::with_seed(seed);
        }
        w
    }

    pub(crate) fn new() -> World {
        let epoch = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map_or(0, |d| d.as_secs());
        World {
            started: Instant::now(),
            epoch,
            next_unique: 0,
            next_seq: 0,
            channels: BTreeMap::new(),
            globals: BTreeMap::new(),
            calls: BTreeMap::new(),
            next_call: 1,
            calls_processed: 0,
            rng: fastrand::Rng::new(),
            queues: BTreeMap::new(),
            parking: None,
            parked: BTreeMap::new(),
            conferences: BTreeMap::new(),
            participants: BTreeMap::new(),
        }
    }

    /// The simulated wall clock at `at`, in epoch seconds: the real start
    /// time plus simulated seconds since then.
    pub(crate) fn clock(&self, at: Instant, config: &ServerConfig) -> u64 {
        let real = at.saturating_duration_since(self.started).as_secs_f64();
        let simulated = if config.time_scale > 0.0 && config.time_scale.is_finite() {
            real / config.time_scale
        } else {
            0.0
        };
        self.epoch.saturating_add(simulated as u64)
    }

    /// A live channel by its id.
    pub(crate) fn channel_by_id(&self, id: u64) -> Option<&Channel> {
        self.channels.get(&id)
    }

    /// The live state of a queue (by name, ignoring case), if it has any.
    pub(crate) fn queue_live(&self, name: &str) -> Option<&QueueLive> {
        self.queues.get(&name.to_ascii_lowercase())
    }

    pub(crate) fn queue_live_mut(&mut self, name: &str) -> &mut QueueLive {
        self.queues.entry(name.to_ascii_lowercase()).or_default()
    }

    /// A queue's members now: the configured ones as `QueueAdd`,
    /// `QueueRemove` and `QueuePause` changed them.
    pub(crate) fn roster(&self, queue: &DemoQueue) -> Vec<DemoMember> {
        self.queue_live(&queue.name)
            .and_then(|l| l.roster.clone())
            .unwrap_or_else(|| queue.members.clone())
    }

    pub(crate) fn roster_mut(&mut self, queue: &DemoQueue) -> &mut Vec<DemoMember> {
        let live = self.queue_live_mut(&queue.name);
        live.roster.get_or_insert_with(|| queue.members.clone())
    }

    /// `static`, or `dynamic` for a member `QueueAdd` added.
    pub(crate) fn membership(&self, queue: &DemoQueue, location: &str) -> &'static str {
        if self
            .queue_live(&queue.name)
            .is_some_and(|l| l.dynamic.contains(location))
        {
            "dynamic"
        } else {
            "static"
        }
    }

    /// A pseudo-random number (not for cryptography).
    pub(crate) fn random(&mut self) -> u64 {
        self.rng.u64(..)
    }

    pub(crate) fn bridge_id(&mut self) -> String {
        let a = self.random();
        let b = self.random();
        format!(
            "{:08x}-{:04x}-4{:03x}-{:04x}-{:012x}",
            a >> 32,
            (a >> 16) & 0xffff,
            a & 0xfff,
            ((b >> 48) & 0x3fff) | 0x8000,
            b & 0xffff_ffff_ffff
        )
    }

    /// Real seconds since the server started.
    pub(crate) fn uptime_secs(&self) -> u64 {
        self.started.elapsed().as_secs()
    }

    pub(crate) fn active_calls(&self) -> usize {
        self.calls.len()
    }

    pub(crate) fn calls_processed(&self) -> u64 {
        self.calls_processed
    }

    /// Live channels, oldest first.
    pub(crate) fn channels(&self) -> impl Iterator<Item = &Channel> {
        self.channels.values()
    }

    /// The channel named `name` (case-insensitive) or, as Asterisk's
    /// `ast_channel_get_by_name` does, with that `Uniqueid`.
    pub(crate) fn find(&self, name: &str) -> Option<u64> {
        let name = name.trim();
        self.channels
            .iter()
            .find(|(_, c)| c.name.eq_ignore_ascii_case(name))
            .or_else(|| self.channels.iter().find(|(_, c)| c.uniqueid == name))
            .map(|(id, _)| *id)
    }

    /// The channel named `name` (case-insensitive).
    pub(crate) fn channel(&self, name: &str) -> Option<&Channel> {
        self.find(name).and_then(|id| self.channels.get(&id))
    }

    /// Reads a channel variable or function, or a global variable when
    /// `channel` is `None`. `Err` when the channel does not exist.
    pub(crate) fn getvar(&self, channel: Option<&str>, var: &str) -> Result<String, ()> {
        match channel {
            Some(name) => {
                let ch = self.channel(name).ok_or(())?;
                Ok(ch.read(var).unwrap_or_default())
            }
            None => Ok(self.globals.get(var.trim()).cloned().unwrap_or_default()),
        }
    }

    /// Sets a channel variable (returning its `VarSet` event) or a global one.
    pub(crate) fn setvar(
        &mut self,
        channel: Option<&str>,
        var: &str,
        value: &str,
    ) -> Result<Option<Message>, ()> {
        match channel {
            Some(name) => {
                let id = self.find(name).ok_or(())?;
                let ch = self.channels.get_mut(&id).ok_or(())?;
                ch.vars.insert(var.trim().to_owned(), value.to_owned());
                Ok(Some(varset_event(ch, var.trim(), value)))
            }
            None => {
                self.globals.insert(var.trim().to_owned(), value.to_owned());
                Ok(None)
            }
        }
    }

    /// Asks the calls owning the matching channels to hang them up. A name
    /// between slashes matches by substring. Returns how many matched.
    pub(crate) fn request_hangup(&mut self, pattern: &str, cause: u32) -> usize {
        let pattern = pattern.trim();
        let substring = pattern.len() >= 2 && pattern.starts_with('/') && pattern.ends_with('/');
        let needle = if substring {
            pattern[1..pattern.len() - 1].to_ascii_lowercase()
        } else {
            String::new()
        };
        let targets: Vec<(u64, u64)> = self
            .channels
            .iter()
            .filter(|(_, c)| {
                if substring {
                    c.name.to_ascii_lowercase().contains(&needle)
                } else {
                    c.name.eq_ignore_ascii_case(pattern) || c.uniqueid == pattern
                }
            })
            .map(|(id, c)| (*id, c.call))
            .collect();
        for (id, call) in &targets {
            if let Some(tx) = self.calls.get(call) {
                let _ = tx.send(Request::Hangup(*id, cause));
            }
        }
        targets.len()
    }

    pub(crate) fn next_uniqueid(&mut self) -> String {
        let n = self.next_unique;
        self.next_unique += 1;
        format!("{}.{}", self.epoch, n)
    }

    pub(crate) fn next_seq(&mut self) -> u32 {
        let n = self.next_seq;
        self.next_seq = self.next_seq.wrapping_add(1);
        n
    }
}

/// `VarSet` for a channel.
pub(crate) fn varset_event(ch: &Channel, var: &str, value: &str) -> Message {
    let mut m = event("VarSet", "dialplan,all");
    ch.snapshot(&mut m, "");
    m.append("Variable", var);
    m.append("Value", value);
    m
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn caller_id_forms() {
        assert_eq!(
            CallerId::parse("\"AMI Test\" <5551234>"),
            CallerId {
                name: "AMI Test".into(),
                num: "5551234".into()
            }
        );
        assert_eq!(CallerId::parse("5551234").num, "5551234");
        assert_eq!(CallerId::parse("Bob").name, "Bob");
    }

    #[test]
    fn bridge_ids_look_like_uuids() {
        let mut w = World::new();
        let id = w.bridge_id();
        let parts: Vec<_> = id.split('-').map(str::len).collect();
        assert_eq!(parts, [8, 4, 4, 4, 12], "{id}");
        assert_ne!(id, w.bridge_id());
    }
}
