//! Loading the state from list answers (`CoreShowChannels`, `BridgeList`,
//! `QueueStatus`, `ParkedCalls`, `ConfbridgeListRooms` + `ConfbridgeList`),
//! at connect, after a reconnect, or for one part (`QueueStatus` after a
//! `Reload`). What changed against the state before is reported as the
//! [`diff`](crate::diff::diff()) of the two.

use std::collections::HashMap;
use std::sync::Arc;
use std::time::{Duration, SystemTime};

use imbl::{OrdMap, OrdSet};

use super::apply::{for_each_mut, retain};
use super::read::{bridge, kept, kept_opt, parked_call, queue_member, Snapshot};
use super::Model;
use crate::change::{ChangeRecord, Origin};
use crate::diff::diff;
use crate::state::{
    Bridge, Call, Channel, Conference, Direction, Endpoint, Participant, Party, Queue, QueueCaller,
    State, Str, Tombstone,
};
use ami_types::event::{
    BridgeListItem, ConfbridgeList, ConfbridgeListRooms, CoreShowChannel, EndpointList, Event,
    ParkedCall, PeerEntry,
};
use ami_types::{FromMessage, Message};

/// The list answers a load starts from, as their item messages. `None`
/// leaves that part of the state as it is (not asked, or the module is not
/// loaded); `Some(vec![])` means there is none.
#[derive(Debug, Clone, Default)]
pub struct Lists {
    /// `CoreShowChannel` items.
    pub channels: Option<Vec<Message>>,
    /// `BridgeListItem` items.
    pub bridges: Option<Vec<Message>>,
    /// `QueueStatus` items (`QueueParams`, `QueueMember`, `QueueEntry`).
    pub queues: Option<Vec<Message>>,
    /// `ParkedCalls` items (`ParkedCall`).
    pub parked: Option<Vec<Message>>,
    /// Each `ConfbridgeListRooms` room with its `ConfbridgeList` items.
    pub conferences: Option<Vec<(Message, Vec<Message>)>>,
    /// `PJSIPShowEndpoints` items (`EndpointList`), and `SIPpeers` /
    /// `IAXpeerlist` items (`PeerEntry`).
    pub endpoints: Option<Vec<Message>>,
}

/// The direction of a call first seen in the lists, from its oldest
/// channel: the outgoing line of a dial or an originate (`AppDial`,
/// `AppDial2`) or a Local channel was created by something, an Originate
/// when nothing older dialled it; a channel running dialplan called in.
fn direction_at_load(first: &Channel) -> Direction {
    let app = &*first.application;
    if first.is_local() || app.starts_with("AppDial") {
        Direction::Originated
    } else if app.is_empty() || app.starts_with("AppQueue") {
        Direction::Unknown
    } else {
        Direction::Inbound
    }
}

impl Model {
    /// Replaces the parts of the state that `lists` holds with what they
    /// say, keeping the identity (generation) of every channel that was
    /// already live and what only events tell (variables, Local pairs,
    /// dials, hold), and returns the difference as changes of `origin`.
    /// Buffered events applied afterwards merge idempotently: a list
    /// answer can be ahead of the event stream.
    pub fn load(&mut self, lists: Lists, origin: Origin) -> Vec<ChangeRecord> {
        let now = SystemTime::now();
        self.now = now;
        let old = self.state.clone();
        let mut new = old.clone();

        if let Some(items) = &lists.channels {
            self.channels_listed = true;
            let mut channels = OrdMap::new();
            for item in items {
                let Some(snap) = Snapshot::read(item) else {
                    continue;
                };
                let item = CoreShowChannel::from_message(item.clone());
                let before = old.channels.get(&snap.uniqueid);
                let created_at = match before {
                    Some(b) => b.created_at,
                    None => item
                        .duration()
                        .and_then(|d| now.checked_sub(d))
                        .unwrap_or(now),
                };
                let generation = match before {
                    Some(b) => b.id.generation,
                    None => self.new_generation(),
                };
                let mut ch = match before {
                    Some(b) => (**b).clone(),
                    None => snap.channel(generation, created_at),
                };
                snap.apply_to(&mut ch);
                ch.application = kept(item.application());
                ch.application_data = kept(item.application_data());
                ch.bridge = kept_opt(item.bridge_id());
                if ch.is_up() && ch.answered_at.is_none() {
                    ch.answered_at = Some(now);
                }
                channels.insert(snap.uniqueid.clone(), Arc::new(ch));
            }
            // Local pairs whose other half is gone are forgotten; the
            // halves of a pair the model has not seen tied are found by
            // name (`Local/x@y-0000001a;1` and `;2`).
            let live: OrdSet<Str> = channels.keys().cloned().collect();
            let by_name: std::collections::HashMap<Str, Str> = channels
                .values()
                .filter(|c| c.is_local())
                .map(|c| (c.name.clone(), c.id.uniqueid.clone()))
                .collect();
            for_each_mut(&mut channels, |ch: &mut Arc<Channel>| {
                if ch.local_peer.as_ref().is_some_and(|p| !live.contains(p)) {
                    Arc::make_mut(ch).local_peer = None;
                }
                if ch.local_peer.is_none() && ch.is_local() {
                    let other = match ch.name.strip_suffix(";1") {
                        Some(base) => format!("{base};2"),
                        None => match ch.name.strip_suffix(";2") {
                            Some(base) => format!("{base};1"),
                            None => return,
                        },
                    };
                    if let Some(peer) = by_name.get(other.as_str()) {
                        Arc::make_mut(ch).local_peer = Some(peer.clone());
                    }
                }
            });
            new.channels = channels;
            self.rebuild_calls(&old, &mut new, now);
        }

        if let Some(items) = &lists.bridges {
            let mut bridges = OrdMap::new();
            for item in items {
                let b = bridge!(BridgeListItem::from_message(item.clone()));
                if !b.id.is_empty() {
                    bridges.insert(b.id.clone(), Arc::new(b));
                }
            }
            new.bridges = bridges;
        }
        // Membership from the channels' own bridge ids.
        if lists.channels.is_some() || lists.bridges.is_some() {
            for_each_mut(&mut new.bridges, |b| {
                if !b.channels.is_empty() {
                    Arc::make_mut(b).channels = OrdSet::new();
                }
            });
            let members: Vec<(Str, Str)> = new
                .channels
                .values()
                .filter_map(|c| c.bridge.clone().map(|b| (b, c.id.uniqueid.clone())))
                .collect();
            for (bridge, uid) in members {
                let b = new.bridges.entry(bridge.clone()).or_insert_with(|| {
                    Arc::new(Bridge {
                        id: bridge.clone(),
                        bridge_type: Str::default(),
                        technology: Str::default(),
                        creator: Str::default(),
                        name: Str::default(),
                        channels: OrdSet::new(),
                    })
                });
                Arc::make_mut(b).channels.insert(uid);
            }
        }

        if let Some(items) = &lists.queues {
            new.queues = load_queues(&old, items, now);
        }
        if let Some(items) = &lists.parked {
            let mut parked = OrdMap::new();
            for item in items {
                let p = parked_call!(ParkedCall::from_message(item.clone()), now);
                if p.uniqueid.is_empty() {
                    continue;
                }
                let mut p = p;
                if let Some(o) = old.parked.get(&p.uniqueid) {
                    if o.lot == p.lot && o.space == p.space {
                        p.parked_at = o.parked_at;
                    }
                }
                parked.insert(p.uniqueid.clone(), Arc::new(p));
            }
            new.parked = parked;
        }
        if let Some(rooms) = &lists.conferences {
            let mut confs = OrdMap::new();
            for (room, members) in rooms {
                let room = ConfbridgeListRooms::from_message(room.clone());
                let Some(name) = kept_opt(room.conference()) else {
                    continue;
                };
                let mut conf = Conference {
                    name: name.clone(),
                    bridge: old.conferences.get(&name).and_then(|c| c.bridge.clone()),
                    locked: room.locked().unwrap_or(false),
                    participants: OrdMap::new(),
                };
                for m in members {
                    let m = ConfbridgeList::from_message(m.clone());
                    let Some(uid) = kept_opt(m.uniqueid()) else {
                        continue;
                    };
                    conf.participants.insert(
                        uid.clone(),
                        Participant {
                            uniqueid: uid,
                            channel: kept(m.channel()),
                            admin: m.admin().unwrap_or(false),
                            muted: m.muted().unwrap_or(false),
                            talking: m.talking().unwrap_or(false),
                        },
                    );
                }
                confs.insert(name, Arc::new(conf));
            }
            new.conferences = confs;
        }
        if let Some(items) = &lists.endpoints {
            let mut endpoints = OrdMap::new();
            for item in items {
                // `EndpointList` (PJSIP: its device state) or `PeerEntry`
                // (chan_sip, IAX2, with its `Channeltype`: its status).
                let peer = item
                    .event_name()
                    .is_some_and(|n| n.eq_ignore_ascii_case("PeerEntry"));
                let (name, tech, device_state, status) = if peer {
                    let p = PeerEntry::from_message(item.clone());
                    let tech = kept_opt(p.channeltype()).unwrap_or_else(|| Str::from("SIP"));
                    (
                        kept_opt(p.object_name()),
                        tech,
                        None,
                        Some(kept(p.status())),
                    )
                } else {
                    let e = EndpointList::from_message(item.clone());
                    let state = Some(kept(e.device_state()));
                    (kept_opt(e.object_name()), Str::from("PJSIP"), state, None)
                };
                let Some(name) = name else {
                    continue;
                };
                let device = Str::from(format!("{tech}/{name}"));
                let before = old.endpoints.get(&device);
                endpoints.insert(
                    device.clone(),
                    Arc::new(Endpoint {
                        device,
                        device_state: device_state.unwrap_or_else(|| {
                            before.map(|b| b.device_state.clone()).unwrap_or_default()
                        }),
                        contacts: before.map(|b| b.contacts.clone()).unwrap_or_default(),
                        status: status.unwrap_or_else(|| {
                            before.map(|b| b.status.clone()).unwrap_or_default()
                        }),
                    }),
                );
            }
            new.endpoints = endpoints;
        }
        // Nothing may point at a channel that is gone.
        let live = new.channels.clone();
        retain(&mut new.parked, |uid, _| live.contains_key(uid));
        for_each_mut(&mut new.queues, |q| {
            let gone = |c: &QueueCaller| !live.contains_key(&c.uniqueid) && is_channel(&c.channel);
            if q.callers.iter().any(gone) {
                let q = Arc::make_mut(q);
                q.callers.retain(|c| !gone(c));
            }
        });

        // Channels that are gone went away unseen.
        for (uid, ch) in old.channels.iter() {
            if !new.channels.contains_key(uid) {
                new.tombstones.insert(
                    uid.clone(),
                    Arc::new(Tombstone {
                        id: ch.id.clone(),
                        name: ch.name.clone(),
                        cause: None,
                        cause_txt: Str::default(),
                        tech_cause: None,
                        ended_at: now,
                    }),
                );
            }
        }
        let changes = diff(&old, &new);
        let tombstones: Vec<Arc<Tombstone>> = new
            .tombstones
            .iter()
            .filter(|(uid, t)| old.tombstones.get(*uid) != Some(*t))
            .map(|(_, t)| t.clone())
            .collect();
        new.tombstones = old.tombstones.clone();
        let ended: Vec<Arc<Call>> = old
            .calls
            .iter()
            .filter(|(id, _)| !new.calls.contains_key(*id))
            .map(|(_, c)| c.clone())
            .collect();
        self.state = new;
        self.reindex_aliases();
        for call in ended {
            self.remember_ended(call);
        }
        for t in tombstones {
            self.bury((*t).clone());
        }
        self.out = changes;
        self.records(origin, None, None)
    }

    /// Calls from the channels: a channel live before keeps its call,
    /// others go by linkedid.
    fn rebuild_calls(&mut self, old: &State, new: &mut State, now: SystemTime) {
        let mut order: Vec<Arc<Channel>> = new.channels.values().cloned().collect();
        order.sort_by_key(|c| (c.created_at, c.id.generation));
        // Each channel's call: the one it was in, or its linkedid's.
        let mut first: HashMap<Str, Str> = HashMap::new();
        for ch in &order {
            let id = match old.channels.get(&ch.id.uniqueid) {
                Some(o) if !o.call.is_empty() && o.linkedid == ch.linkedid => o.call.clone(),
                _ => self.resolve(&ch.linkedid),
            };
            first.insert(ch.id.uniqueid.clone(), id);
        }
        // Calls that are one: a channel whose linkedid names another call
        // (it joined a bridge with that call's channels), the two halves
        // of a Local pair.
        let mut parent: HashMap<Str, Str> = HashMap::new();
        fn find(parent: &mut HashMap<Str, Str>, id: &Str) -> Str {
            let mut root = id.clone();
            while let Some(p) = parent.get(&root).filter(|p| **p != root) {
                root = p.clone();
            }
            parent.insert(id.clone(), root.clone());
            root
        }
        let ids: std::collections::HashSet<Str> = first.values().cloned().collect();
        let started = |id: &Str| {
            old.calls.get(id).map(|c| c.started_at).or_else(|| {
                order
                    .iter()
                    .find(|c| first.get(&c.id.uniqueid) == Some(id))
                    .map(|c| c.created_at)
            })
        };
        let union = |parent: &mut HashMap<Str, Str>, a: &Str, b: &Str| {
            let (ra, rb) = (find(parent, a), find(parent, b));
            if ra != rb {
                // The older call absorbs the younger.
                let (keep, gone) = if (started(&rb), &rb) < (started(&ra), &ra) {
                    (rb, ra)
                } else {
                    (ra, rb)
                };
                parent.insert(gone, keep);
            }
        };
        for ch in &order {
            let mine = first[&ch.id.uniqueid].clone();
            let linked = self.resolve(&ch.linkedid);
            if ids.contains(&linked) {
                union(&mut parent, &mine, &linked);
            }
            if let Some(peer) = ch.local_peer.as_ref().and_then(|p| first.get(p)).cloned() {
                union(&mut parent, &mine, &peer);
            }
        }
        let mut calls: OrdMap<Str, Arc<Call>> = OrdMap::new();
        for ch in order {
            let uid = ch.id.uniqueid.clone();
            let id = find(&mut parent, &first[&uid]);
            let call = calls.entry(id.clone()).or_insert_with(|| {
                Arc::new(match old.calls.get(&id) {
                    Some(c) => Call {
                        channels: OrdSet::new(),
                        ..(**c).clone()
                    },
                    None => Call {
                        id: id.clone(),
                        channels: OrdSet::new(),
                        origin: uid.clone(),
                        started_at: ch.created_at,
                        answered_at: None,
                        connected_at: None,
                        first_hangup: None,
                        direction: Default::default(),
                        dial_status: None,
                    },
                })
            });
            let call = Arc::make_mut(call);
            call.channels.insert(uid.clone());
            if ch.is_up() && call.answered_at.is_none() {
                // The lists do not say when it was answered: no later than
                // this channel appeared (`order` is oldest first), which is
                // nearer the truth than the time of the load.
                call.answered_at = Some(if old.calls.contains_key(&id) {
                    now
                } else {
                    ch.created_at.min(now)
                });
            }
            if let Some(c) = new.channels.get_mut(&uid) {
                if c.call != id {
                    Arc::make_mut(c).call = id.clone();
                }
            }
        }
        // Merged-away ids lead to the call they went into.
        for (gone, _) in parent.clone() {
            let root = find(&mut parent, &gone);
            if root != gone && calls.contains_key(&root) {
                new.aliases.insert(gone, root);
            }
        }
        // Calls the model had not seen: a bridge two of their channels
        // share means they are connected (since no later than both were
        // there); their first channel tells the direction.
        let unseen: Vec<Str> = calls
            .keys()
            .filter(|id| !old.calls.contains_key(*id))
            .cloned()
            .collect();
        for id in unseen {
            let Some(call) = calls.get_mut(&id) else {
                continue;
            };
            let members: Vec<&Arc<Channel>> = call
                .channels
                .iter()
                .filter_map(|u| new.channels.get(u))
                .collect();
            let mut bridged: HashMap<&Str, Vec<SystemTime>> = HashMap::new();
            for m in &members {
                if let Some(b) = &m.bridge {
                    bridged.entry(b).or_default().push(m.created_at);
                }
            }
            let connected = bridged
                .values()
                .filter(|at| at.len() >= 2)
                .filter_map(|at| at.iter().max().copied())
                .min();
            let direction = members
                .iter()
                .min_by_key(|c| (c.created_at, c.id.generation))
                .map(|first| direction_at_load(first));
            if connected.is_some() || direction.is_some() {
                let c = Arc::make_mut(call);
                if c.connected_at.is_none() {
                    c.connected_at = connected.map(|t| t.min(now));
                }
                if c.direction == Direction::Unknown {
                    c.direction = direction.unwrap_or_default();
                }
            }
        }
        new.calls = calls;
        let live = new.calls.clone();
        let ended = new.ended_calls.clone();
        retain(&mut new.aliases, |_, into| {
            live.contains_key(into) || ended.contains_key(into)
        });
    }
}

/// Whether a queue entry names a channel (the simulator's static demo
/// callers name none).
fn is_channel(name: &str) -> bool {
    name.contains('/')
}

/// The queue of that name, added when new.
fn entry(queues: &mut OrdMap<Str, Queue>, name: Str) -> &mut Queue {
    queues.entry(name.clone()).or_insert_with(|| Queue {
        name,
        ..Queue::default()
    })
}

/// Queues from `QueueStatus` items.
fn load_queues(old: &State, items: &[Message], now: SystemTime) -> OrdMap<Str, Arc<Queue>> {
    let mut queues: OrdMap<Str, Queue> = OrdMap::new();
    for item in items {
        match Event::from_message(item.clone()) {
            Event::QueueParams(p) => {
                let Some(name) = kept_opt(p.queue()) else {
                    continue;
                };
                let q = entry(&mut queues, name);
                let seconds = |n: Option<i64>| {
                    Duration::from_secs(n.and_then(|n| u64::try_from(n).ok()).unwrap_or(0))
                };
                q.strategy = kept(p.strategy());
                q.max = p.max().unwrap_or_default();
                q.holdtime = seconds(p.holdtime());
                q.talk_time = seconds(p.talk_time());
                q.completed = p.completed().unwrap_or_default();
                q.abandoned = p.abandoned().unwrap_or_default();
                q.service_level = seconds(p.service_level());
                q.weight = p.weight().unwrap_or_default();
            }
            Event::QueueMember(m) => {
                let Some(name) = kept_opt(m.queue()) else {
                    continue;
                };
                let member = queue_member!(m, location, name);
                if !member.interface.is_empty() {
                    entry(&mut queues, name)
                        .members
                        .insert(member.interface.clone(), member);
                }
            }
            Event::QueueEntry(e) => {
                let Some(name) = kept_opt(e.queue()) else {
                    continue;
                };
                let uid = kept(e.uniqueid());
                let wait = e.wait().and_then(|w| u64::try_from(w).ok()).unwrap_or(0);
                let joined_at = old
                    .queues
                    .get(&name)
                    .and_then(|o| {
                        o.callers
                            .iter()
                            .find(|c| c.uniqueid == uid && !uid.is_empty())
                    })
                    .map(|c| c.joined_at)
                    .or_else(|| now.checked_sub(Duration::from_secs(wait)))
                    .unwrap_or(now);
                let q = entry(&mut queues, name);
                let position = e.position().unwrap_or(q.callers.len() as i64 + 1);
                q.callers.push_back(QueueCaller {
                    uniqueid: uid,
                    channel: kept(e.channel()),
                    position,
                    caller_id: Party {
                        num: kept(e.caller_id_num()),
                        name: kept(e.caller_id_name()),
                    },
                    joined_at,
                });
            }
            _ => {}
        }
    }
    queues
        .into_iter()
        .map(|(name, mut q)| {
            q.callers.sort_by(|a, b| a.position.cmp(&b.position));
            (name, Arc::new(q))
        })
        .collect()
}
