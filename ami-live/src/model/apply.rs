//! Applying one event: the Asterisk 22 semantics.
//!
//! - Identity is the `Uniqueid`; names change. Every channel snapshot an
//!   event carries (any prefix: `Dest…`, `LocalOne…`, `Parkee…`, ...)
//!   refreshes that channel, and creates it when the model has not seen it
//!   (its `Newchannel` came before the model's list), unless it hung up:
//!   then the event hits its tombstone and changes nothing.
//! - A call is the set of channels sharing a `Linkedid`, spliced across
//!   Local channel pairs; a linkedid that changes (channels joining a
//!   bridge) merges calls.
//! - Structure comes from `Bridge*`, `Local*` and `Hangup`; transfers and
//!   `BridgeMerge` only annotate.
//! - Queue counters come from `QueueStatus` only; events move callers and
//!   members.

use std::sync::Arc;

use imbl::{OrdSet, Vector};

use super::{Limit, Model};
use crate::change::{Change, ChannelField, TransferKind, Unparked};
use crate::state::{
    Bridge, Call, Channel, ChannelId, Conference, Dial, Direction, Endpoint, ParkedCall,
    Participant, Party, Queue, QueueCaller, QueueMember, Str, Tombstone,
};
use ami_types::codes::HangupCause;
use ami_types::event::Event;

use super::read::{
    bridge, kept, kept_opt, opt, parked_call, queue_member, spelled, text, Snapshot,
};

/// What a `DialState` or `DialEnd` says about the channel being dialled.
struct DialUpdate {
    /// The dialled channel.
    dest: Str,
    /// The calling channel, when there is one.
    caller: Option<Str>,
    /// `DialStatus`.
    status: Str,
    /// `Forward`.
    forward: Str,
    /// A `DialEnd`.
    ended: bool,
}

/// Keeps the entries of a persistent map for which `keep` holds.
pub(crate) fn retain<V: Clone>(
    map: &mut imbl::OrdMap<Str, V>,
    mut keep: impl FnMut(&Str, &V) -> bool,
) {
    let gone: Vec<Str> = map
        .iter()
        .filter(|(k, v)| !keep(k, v))
        .map(|(k, _)| k.clone())
        .collect();
    for k in gone {
        map.remove(&k);
    }
}

/// Changes every value of a persistent map in place.
pub(crate) fn for_each_mut<V: Clone>(map: &mut imbl::OrdMap<Str, V>, mut f: impl FnMut(&mut V)) {
    let keys: Vec<Str> = map.keys().cloned().collect();
    for k in keys {
        if let Some(v) = map.get_mut(&k) {
            f(v);
        }
    }
}

impl Model {
    pub(super) fn apply_event(&mut self, event: &Event) {
        let msg = event.raw();
        // A list item (it answers somebody's action), not a live event;
        // OriginateResponse is an event that carries the ActionID too.
        if msg.action_id().is_some() && !matches!(event, Event::OriginateResponse(_)) {
            return;
        }
        match event {
            Event::Newchannel(_) => {
                if let Some(snap) = Snapshot::read(msg) {
                    self.add_or_refresh(&snap, true);
                }
                return;
            }
            Event::Hangup(e) => {
                let Some(uid) = kept_opt(e.uniqueid()) else {
                    return;
                };
                self.remove_channel(
                    &uid,
                    Some(e.cause().unwrap_or_default()),
                    kept(e.cause_txt()),
                    // By key: only 20.17+, 22.7+ and 23.1+ document
                    // `TechCause`, and the model builds against every
                    // release `ami-types` can be generated for.
                    opt(msg, "TechCause"),
                    kept(e.channel()),
                );
                return;
            }
            Event::Cdr(_) | Event::CEL(_) => return,
            _ => {}
        }
        // Every channel snapshot the event carries.
        for (prefix, snap) in Snapshot::all(msg) {
            if prefix.is_empty() {
                self.add_or_refresh(&snap, false);
            } else {
                // Another channel's snapshot in this event can be older
                // than that channel's own events (Asterisk 22's
                // `UnParkedCall` carries the retriever's linkedid from
                // before its bridge): it may add the channel, and refresh
                // its state, but not move it between calls.
                let mut snap = snap;
                if let Some(live) = self.state.channels.get(&snap.uniqueid) {
                    snap.linkedid = live.linkedid.clone();
                }
                self.add_or_refresh(&snap, false);
            }
        }
        match event {
            Event::Rename(e) => {
                if let (Some(uid), Some(to)) = (kept_opt(e.uniqueid()), kept_opt(e.newname())) {
                    self.rename(&uid, to);
                }
            }
            Event::OriginateResponse(e) => {
                // An originate to an application runs it on the channel
                // without a Newexten: the channel still shows its outgoing
                // line (`AppDial2`) until this says what it runs.
                let app = kept(e.application());
                let uid = kept(e.uniqueid());
                let success = e
                    .response()
                    .is_some_and(|r| r.as_bytes().eq_ignore_ascii_case(b"Success"));
                if success && !app.is_empty() {
                    let data = kept(e.data());
                    self.update(&uid, ChannelField::Application, |c| {
                        c.application = app;
                        c.application_data = data;
                    });
                }
            }
            Event::NewExten(e) => {
                let uid = kept(e.uniqueid());
                // Running the dialplan without having been dialled: it
                // called in. (Not a Local channel, which something created,
                // nor the outgoing line of a dial, `AppDial`/`AppDial2`,
                // whose `DialBegin` follows.)
                let app = kept(e.application());
                let outgoing = app.starts_with("AppDial") || app.starts_with("AppQueue");
                if !outgoing
                    && self
                        .state
                        .channels
                        .get(&uid)
                        .is_some_and(|c| c.dial.is_none() && !c.is_local())
                {
                    self.set_direction(&uid, Direction::Inbound);
                }
                let data = kept(e.app_data());
                self.update(&uid, ChannelField::Application, |c| {
                    c.application = app;
                    c.application_data = data;
                });
            }
            Event::VarSet(e) => {
                if let (Some(var), Some(uid)) = (kept_opt(e.variable()), kept_opt(e.uniqueid())) {
                    let val = kept(e.value());
                    let max = self.budget.variables_per_channel;
                    let full = self.state.channels.get(&uid).is_some_and(|c| {
                        c.variables.len() >= max && !c.variables.contains_key(&var)
                    });
                    if full {
                        self.limit_hit(Limit::VariablesPerChannel);
                    } else {
                        self.update(&uid, ChannelField::Variable, |c| {
                            c.variables.insert(var, val);
                        });
                    }
                }
            }
            Event::Hold(e) => self.update(&kept(e.uniqueid()), ChannelField::Hold, |c| {
                c.on_hold = true
            }),
            Event::Unhold(e) => self.update(&kept(e.uniqueid()), ChannelField::Hold, |c| {
                c.on_hold = false
            }),
            Event::HangupRequest(e) => {
                self.hangup_requested(&kept(e.uniqueid()), e.cause().unwrap_or_default())
            }
            Event::SoftHangupRequest(e) => {
                self.hangup_requested(&kept(e.uniqueid()), e.cause().unwrap_or_default())
            }
            Event::LocalBridge(e) => {
                let one = kept(e.local_one_uniqueid());
                let two = kept(e.local_two_uniqueid());
                self.tie_local(&one, &two);
            }
            Event::LocalOptimizationEnd(e) => self.emit(Change::LocalOptimized {
                one: kept(e.local_one_uniqueid()),
                two: kept(e.local_two_uniqueid()),
                // Documented without a type: Asterisk writes 0 or 1.
                success: e
                    .success()
                    .is_some_and(|v| ami_wire::value::is_true(v.as_bytes())),
            }),
            Event::BridgeCreate(e) => {
                self.ensure_bridge(bridge!(e));
            }
            Event::BridgeEnter(e) => {
                let bridge = self.ensure_bridge(bridge!(e));
                self.enter_bridge(&bridge, &kept(e.uniqueid()));
            }
            Event::BridgeLeave(e) => {
                let bridge = kept(e.bridge_uniqueid());
                self.leave_bridge(&bridge, &kept(e.uniqueid()));
            }
            Event::BridgeDestroy(e) => self.destroy_bridge(&kept(e.bridge_uniqueid())),
            // By name and key: Asterisk 18's documentation has no
            // `BridgeMerge`.
            _ if msg
                .event_name()
                .is_some_and(|n| n.eq_ignore_ascii_case("BridgeMerge")) =>
            {
                self.emit(Change::BridgesMerged {
                    from: text(msg, "FromBridgeUniqueid"),
                    into: text(msg, "ToBridgeUniqueid"),
                })
            }
            Event::BlindTransfer(e) => {
                let target = match (kept_opt(e.extension()), kept_opt(e.context())) {
                    (Some(x), Some(c)) => Some(Str::from(format!("{x}@{c}"))),
                    (x, _) => x,
                };
                self.emit(Change::Transferred {
                    kind: TransferKind::Blind,
                    result: spelled!(e.result()),
                    transferer: kept_opt(e.transferer_uniqueid()),
                    transferee: kept_opt(e.transferee_uniqueid()),
                    target,
                });
            }
            Event::AttendedTransfer(e) => self.emit(Change::Transferred {
                kind: TransferKind::Attended,
                result: spelled!(e.result()),
                transferer: kept_opt(e.orig_transferer_uniqueid()),
                transferee: kept_opt(e.transferee_uniqueid()),
                // By key: Asterisk 18 does not document it.
                target: opt(msg, "TransferTargetUniqueid"),
            }),
            Event::DialBegin(e) => {
                let caller = kept_opt(e.uniqueid());
                let dest = kept(e.dest_uniqueid());
                match &caller {
                    // An Originate: nobody calls.
                    None => self.set_direction(&dest, Direction::Originated),
                    Some(c) => self.set_direction(c, Direction::Inbound),
                }
                let dial = Dial {
                    caller,
                    dial_string: kept(e.dial_string()),
                    ..Dial::default()
                };
                self.update(&dest, ChannelField::Dial, |c| c.dial = Some(dial));
            }
            Event::DialState(e) => self.dial_status(DialUpdate {
                dest: kept(e.dest_uniqueid()),
                caller: kept_opt(e.uniqueid()),
                status: spelled!(e.dial_status()),
                forward: kept(e.forward()),
                ended: false,
            }),
            Event::DialEnd(e) => self.dial_status(DialUpdate {
                dest: kept(e.dest_uniqueid()),
                caller: kept_opt(e.uniqueid()),
                status: spelled!(e.dial_status()),
                forward: kept(e.forward()),
                ended: true,
            }),
            Event::QueueCallerJoin(e) => {
                let caller = QueueCaller {
                    uniqueid: kept(e.uniqueid()),
                    channel: kept(e.channel()),
                    position: e.position().unwrap_or(i64::MAX),
                    caller_id: Party {
                        num: kept(e.caller_id_num()),
                        name: kept(e.caller_id_name()),
                    },
                    joined_at: self.now,
                };
                self.queue_join(kept(e.queue()), caller);
            }
            Event::QueueCallerAbandon(e) => {
                self.abandoning.insert(kept(e.uniqueid()));
            }
            Event::QueueCallerLeave(e) => {
                let uid = kept(e.uniqueid());
                let abandoned = self.abandoning.remove(&uid);
                self.queue_leave(&kept(e.queue()), &uid, abandoned);
            }
            Event::QueueMemberAdded(e) => {
                self.upsert_member(kept(e.queue()), queue_member!(e, interface, member_name))
            }
            Event::QueueMemberStatus(e) => {
                self.upsert_member(kept(e.queue()), queue_member!(e, interface, member_name))
            }
            Event::QueueMemberPause(e) => {
                self.upsert_member(kept(e.queue()), queue_member!(e, interface, member_name))
            }
            Event::QueueMemberPenalty(e) => {
                self.upsert_member(kept(e.queue()), queue_member!(e, interface, member_name))
            }
            Event::QueueMemberRinginuse(e) => {
                self.upsert_member(kept(e.queue()), queue_member!(e, interface, member_name))
            }
            Event::QueueMemberRemoved(e) => {
                self.remove_member(&kept(e.queue()), &kept(e.interface()))
            }
            Event::ParkedCall(e) => self.park(parked_call!(e, self.now)),
            Event::ParkedCallSwap(e) => {
                let parked = parked_call!(e, self.now);
                let old: Vec<Str> = self
                    .state
                    .parked
                    .values()
                    .filter(|p| p.lot == parked.lot && p.space == parked.space)
                    .map(|p| p.uniqueid.clone())
                    .collect();
                for uid in old {
                    self.unpark(&uid, Unparked::Swapped);
                }
                self.park(parked);
            }
            Event::UnParkedCall(e) => self.unpark(&kept(e.parkee_uniqueid()), Unparked::Retrieved),
            Event::ParkedCallTimeOut(e) => {
                self.unpark(&kept(e.parkee_uniqueid()), Unparked::TimedOut)
            }
            Event::ParkedCallGiveUp(e) => self.unpark(&kept(e.parkee_uniqueid()), Unparked::GaveUp),
            Event::DeviceStateChange(e) => {
                let state = kept(e.state());
                self.endpoint(&kept(e.device()), |d| d.device_state = state);
            }
            Event::ContactStatus(e) => {
                if let Some(name) = kept_opt(e.endpoint_name()) {
                    let uri = kept(e.uri());
                    let status = spelled!(e.contact_status());
                    self.endpoint(&format!("PJSIP/{name}"), |e| {
                        if &*status == "Removed" {
                            e.contacts.remove(&uri);
                        } else {
                            e.contacts.insert(uri, status);
                        }
                    });
                }
            }
            Event::PeerStatus(e) => {
                let status = spelled!(e.peer_status());
                self.endpoint(&kept(e.peer()), |d| d.status = status);
            }
            Event::ConfbridgeStart(e) => {
                self.conference_start(kept(e.conference()), kept_opt(e.bridge_uniqueid()));
            }
            Event::ConfbridgeEnd(e) => self.conference_end(&kept(e.conference())),
            Event::ConfbridgeJoin(e) => {
                let name = kept(e.conference());
                self.conference_start(name.clone(), kept_opt(e.bridge_uniqueid()));
                let p = Participant {
                    uniqueid: kept(e.uniqueid()),
                    channel: kept(e.channel()),
                    admin: e.admin().unwrap_or(false),
                    muted: e.muted().unwrap_or(false),
                    talking: false,
                };
                self.participant_join(&name, p);
            }
            Event::ConfbridgeLeave(e) => {
                self.participant_leave(&kept(e.conference()), &kept(e.uniqueid()))
            }
            Event::ConfbridgeMute(e) => {
                self.participant_update(&kept(e.conference()), &kept(e.uniqueid()), |p| {
                    p.muted = true
                });
            }
            Event::ConfbridgeUnmute(e) => {
                self.participant_update(&kept(e.conference()), &kept(e.uniqueid()), |p| {
                    p.muted = false
                });
            }
            Event::ConfbridgeTalking(e) => {
                let talking = e.talking_status().unwrap_or(false);
                self.participant_update(&kept(e.conference()), &kept(e.uniqueid()), |p| {
                    p.talking = talking
                });
            }
            _ => {}
        }
    }

    // --- channels -----------------------------------------------------------

    /// Adds a channel from a snapshot, or refreshes the live one. A
    /// tombstoned `Uniqueid` comes back only by its `Newchannel`, and so
    /// does every channel once a channel list has been loaded.
    pub(crate) fn add_or_refresh(&mut self, snap: &Snapshot, is_new: bool) {
        if self.state.channels.contains_key(&snap.uniqueid) {
            self.refresh(snap);
            return;
        }
        if !is_new && (self.channels_listed || self.state.tombstones.contains_key(&snap.uniqueid)) {
            return;
        }
        self.add(snap, None);
    }

    /// Adds a channel from a snapshot, with a new generation or the one
    /// given (a channel the audit finds still up after a hangup that was
    /// not its own keeps its identity).
    pub(crate) fn add(&mut self, snap: &Snapshot, generation: Option<u64>) {
        let generation = generation.unwrap_or_else(|| self.new_generation());
        let channel = snap.channel(generation, self.now);
        self.insert_channel(channel);
    }

    /// Inserts a new channel and puts it in its call (unless the budget's
    /// channels are all taken: then it is counted and left out).
    pub(crate) fn insert_channel(&mut self, mut channel: Channel) {
        if self.state.channels.len() >= self.budget.channels
            && !self.state.channels.contains_key(&channel.id.uniqueid)
        {
            self.limit_hit(Limit::Channels);
            return;
        }
        let uid = channel.id.uniqueid.clone();
        let call = self.resolve(&channel.linkedid);
        channel.call = call.clone();
        let up = channel.is_up();
        let at = channel.created_at;
        self.emit(Change::ChannelAdded {
            id: channel.id.clone(),
            name: channel.name.clone(),
        });
        self.state.channels.insert(uid.clone(), Arc::new(channel));
        self.join_call(&call, &uid, at);
        if up {
            self.answered(&call);
        }
    }

    fn join_call(&mut self, call: &Str, uid: &Str, at: std::time::SystemTime) {
        match self.state.calls.get_mut(call) {
            Some(c) => {
                Arc::make_mut(c).channels.insert(uid.clone());
            }
            None => {
                self.state.calls.insert(
                    call.clone(),
                    Arc::new(Call {
                        id: call.clone(),
                        channels: OrdSet::unit(uid.clone()),
                        origin: uid.clone(),
                        started_at: at,
                        answered_at: None,
                        connected_at: None,
                        first_hangup: None,
                        direction: Default::default(),
                        dial_status: None,
                    }),
                );
                self.emit(Change::CallStarted { call: call.clone() });
            }
        }
    }

    fn answered(&mut self, call: &Str) {
        let now = self.now;
        if let Some(c) = self.state.calls.get_mut(call) {
            if c.answered_at.is_none() {
                Arc::make_mut(c).answered_at = Some(now);
                self.emit(Change::CallAnswered { call: call.clone() });
            }
        }
    }

    /// Refreshes a live channel from a snapshot, reporting what changed.
    fn refresh(&mut self, snap: &Snapshot) {
        let Some(old) = self.state.channels.get(&snap.uniqueid).cloned() else {
            return;
        };
        let mut new = (*old).clone();
        let restated = old.state != snap.state || old.state_desc != snap.state_desc;
        if restated && snap.state.is_up() && new.answered_at.is_none() {
            new.answered_at = Some(self.now);
        }
        snap.apply_to(&mut new);
        // What differs is what the diff of two states reports.
        let before = self.out.len();
        crate::diff::channel_changes(&old, &new, &mut self.out);
        if self.out.len() == before {
            return;
        }
        let relinked = old.linkedid != new.linkedid;
        let up = new.is_up();
        let call = new.call.clone();
        self.state
            .channels
            .insert(snap.uniqueid.clone(), Arc::new(new));
        if relinked {
            let target = self.resolve(&snap.linkedid);
            if target != call {
                if self.state.calls.contains_key(&target) {
                    self.merge_calls(&call, &target);
                } else {
                    // A linkedid no call has: the same call under a new name.
                    self.alias(target, call.clone());
                }
            }
        }
        if up {
            let call = self.call_id_of(&snap.uniqueid);
            if let Some(call) = call {
                self.answered(&call);
            }
        }
    }

    /// The direction of the call that `uid` started (only its first
    /// channel decides, once).
    fn set_direction(&mut self, uid: &str, direction: Direction) {
        let Some(call) = self.call_id_of(uid) else {
            return;
        };
        if let Some(c) = self.state.calls.get_mut(&call) {
            if c.direction == Direction::Unknown && *c.origin == *uid {
                Arc::make_mut(c).direction = direction;
            }
        }
    }

    fn call_id_of(&self, uid: &str) -> Option<Str> {
        self.state.channels.get(uid).map(|c| c.call.clone())
    }

    /// Changes a live channel, reporting `what` (nothing when absent).
    pub(crate) fn update(&mut self, uid: &str, what: ChannelField, f: impl FnOnce(&mut Channel)) {
        let Some(ch) = self.state.channels.get_mut(uid) else {
            return;
        };
        let ch = Arc::make_mut(ch);
        let before = ch.clone();
        f(ch);
        if *ch != before {
            let id = ch.id.clone();
            self.emit(Change::ChannelChanged { id, what });
        }
    }

    fn hangup_requested(&mut self, uid: &str, cause: HangupCause) {
        self.update(uid, ChannelField::HangupRequested, |c| {
            c.hangup_requested = Some(cause)
        });
    }

    /// A `DialState` or `DialEnd`: the dialled channel's dial goes on;
    /// the end of a dial of a channel that is not a Local half says what
    /// the far end did, for the whole call.
    fn dial_status(&mut self, update: DialUpdate) {
        let DialUpdate {
            dest,
            caller,
            status,
            forward,
            ended,
        } = update;
        let last = status.clone();
        self.update(&dest, ChannelField::Dial, |c| {
            let dial = c.dial.get_or_insert_with(Dial::default);
            dial.caller = dial.caller.take().or(caller);
            dial.status = status;
            if !forward.is_empty() {
                dial.forward = forward;
            }
            dial.ended |= ended;
        });
        let far = self
            .state
            .channels
            .get(&dest)
            .is_some_and(|c| !c.is_local());
        if ended && far {
            if let Some(call) = self.call_id_of(&dest) {
                if let Some(c) = self.state.calls.get_mut(&call) {
                    Arc::make_mut(c).dial_status = Some(last);
                }
            }
        }
    }

    fn rename(&mut self, uid: &str, to: Str) {
        let Some(ch) = self.state.channels.get_mut(uid) else {
            return;
        };
        if ch.name == to {
            return;
        }
        let ch = Arc::make_mut(ch);
        let from = std::mem::replace(&mut ch.name, to.clone());
        let id = ch.id.clone();
        self.emit(Change::ChannelRenamed { id, from, to });
    }

    /// Removes a channel: tombstone, bridge, queues, parking, conferences,
    /// its call.
    pub(crate) fn remove_channel(
        &mut self,
        uid: &str,
        cause: Option<HangupCause>,
        cause_txt: Str,
        tech_cause: Option<Str>,
        name: Str,
    ) {
        let Some(ch) = self.state.channels.remove(uid) else {
            // A hangup of a channel the model never had (it came and went
            // before a list was taken, or before the model started): late
            // events about it must hit a tombstone too, not make it anew.
            if !uid.is_empty() && !self.state.tombstones.contains_key(uid) {
                let generation = self.new_generation();
                self.bury(Tombstone {
                    id: ChannelId {
                        uniqueid: Str::from(uid),
                        generation,
                    },
                    name,
                    cause,
                    cause_txt,
                    tech_cause,
                    ended_at: self.now,
                });
            }
            return;
        };
        let uid = ch.id.uniqueid.clone();
        if let Some(bridge) = ch.bridge.clone() {
            self.leave_bridge(&bridge, &uid);
        }
        let queues: Vec<Str> = self
            .state
            .queues
            .values()
            .filter(|q| q.callers.iter().any(|c| c.uniqueid == uid))
            .map(|q| q.name.clone())
            .collect();
        for q in queues {
            let abandoned = self.abandoning.remove(&uid);
            self.queue_leave(&q, &uid, abandoned);
        }
        if self.state.parked.contains_key(&uid) {
            self.unpark(&uid, Unparked::GaveUp);
        }
        let confs: Vec<Str> = self
            .state
            .conferences
            .values()
            .filter(|c| c.participants.contains_key(&uid))
            .map(|c| c.name.clone())
            .collect();
        for c in confs {
            self.participant_leave(&c, &uid);
        }
        // The other half of a Local pair forgets this one.
        if let Some(peer) = &ch.local_peer {
            if let Some(p) = self.state.channels.get_mut(peer) {
                Arc::make_mut(p).local_peer = None;
            }
        }
        let name = if name.is_empty() {
            ch.name.clone()
        } else {
            name
        };
        self.emit(Change::ChannelRemoved {
            id: ch.id.clone(),
            name: name.clone(),
            cause,
            cause_txt: cause_txt.clone(),
            tech_cause: tech_cause.clone(),
        });
        self.bury(Tombstone {
            id: ch.id.clone(),
            name,
            cause,
            cause_txt: cause_txt.clone(),
            tech_cause,
            ended_at: self.now,
        });
        self.leave_call(&ch.call, &uid, cause, cause_txt);
    }

    fn leave_call(&mut self, call: &Str, uid: &Str, cause: Option<HangupCause>, cause_txt: Str) {
        let Some(c) = self.state.calls.get_mut(call) else {
            return;
        };
        let c = Arc::make_mut(c);
        c.channels.remove(uid);
        if c.first_hangup.is_none() {
            if let Some(cause) = cause {
                c.first_hangup = Some((cause, cause_txt));
            }
        }
        if c.channels.is_empty() {
            let duration = self.now.duration_since(c.started_at).unwrap_or_default();
            let cause = c.first_hangup.as_ref().map(|(c, _)| *c);
            if let Some(ended) = self.state.calls.remove(call) {
                self.remember_ended(ended);
            }
            self.emit(Change::CallEnded {
                call: call.clone(),
                duration,
                cause,
            });
        }
    }

    /// Merges call `a` and call `b`: the younger goes into the older.
    pub(crate) fn merge_calls(&mut self, a: &Str, b: &Str) {
        if a == b {
            return;
        }
        let (Some(ca), Some(cb)) = (self.state.calls.get(a), self.state.calls.get(b)) else {
            return;
        };
        let (from, into) = if (cb.started_at, &cb.id) < (ca.started_at, &ca.id) {
            (a.clone(), b.clone())
        } else {
            (b.clone(), a.clone())
        };
        let Some(gone) = self.state.calls.remove(&from) else {
            return;
        };
        for uid in gone.channels.iter() {
            if let Some(ch) = self.state.channels.get_mut(uid) {
                Arc::make_mut(ch).call = into.clone();
            }
        }
        if let Some(c) = self.state.calls.get_mut(&into) {
            let c = Arc::make_mut(c);
            c.channels = c.channels.clone().union(gone.channels.clone());
            c.answered_at = min_time(c.answered_at, gone.answered_at);
            c.connected_at = min_time(c.connected_at, gone.connected_at);
            if c.first_hangup.is_none() {
                c.first_hangup = gone.first_hangup.clone();
            }
            if c.direction == Direction::Unknown {
                c.direction = gone.direction;
            }
            if c.dial_status.is_none() {
                c.dial_status = gone.dial_status.clone();
            }
        }
        self.alias(from.clone(), into.clone());
        self.emit(Change::CallsMerged { from, into });
    }

    fn tie_local(&mut self, one: &Str, two: &Str) {
        if one.is_empty() || two.is_empty() {
            return;
        }
        let (o, t) = (one.clone(), two.clone());
        self.update(one, ChannelField::LocalPeer, |c| c.local_peer = Some(t));
        self.update(two, ChannelField::LocalPeer, |c| c.local_peer = Some(o));
        if let (Some(a), Some(b)) = (self.call_id_of(one), self.call_id_of(two)) {
            self.merge_calls(&a, &b);
        }
    }

    // --- bridges ------------------------------------------------------------

    /// The bridge an event names, added when new; its id.
    pub(crate) fn ensure_bridge(&mut self, bridge: Bridge) -> Str {
        let id = bridge.id.clone();
        if id.is_empty() || self.state.bridges.contains_key(&id) {
            return id;
        }
        self.state.bridges.insert(id.clone(), Arc::new(bridge));
        self.emit(Change::BridgeCreated { bridge: id.clone() });
        id
    }

    pub(crate) fn enter_bridge(&mut self, bridge: &Str, uid: &Str) {
        if bridge.is_empty() || !self.state.channels.contains_key(uid) {
            return;
        }
        if let Some(old) = self.state.channels.get(uid).and_then(|c| c.bridge.clone()) {
            if old != *bridge {
                self.leave_bridge(&old, uid);
            }
        }
        let Some(b) = self.state.bridges.get_mut(bridge) else {
            return;
        };
        Arc::make_mut(b).channels.insert(uid.clone());
        let b = b.clone();
        let id = bridge.clone();
        self.update(uid, ChannelField::Bridge, |c| c.bridge = Some(id));
        if !b.is_holding() && b.channels.len() >= 2 {
            let now = self.now;
            for member in b.channels.iter() {
                if let Some(call) = self.call_id_of(member) {
                    if let Some(c) = self.state.calls.get_mut(&call) {
                        if c.connected_at.is_none() {
                            Arc::make_mut(c).connected_at = Some(now);
                        }
                    }
                }
            }
        }
    }

    pub(crate) fn leave_bridge(&mut self, bridge: &Str, uid: &Str) {
        if let Some(b) = self.state.bridges.get_mut(bridge) {
            Arc::make_mut(b).channels.remove(uid);
        }
        let bridge = bridge.clone();
        self.update(uid, ChannelField::Bridge, |c| {
            if c.bridge.as_ref() == Some(&bridge) {
                c.bridge = None;
            }
        });
    }

    pub(crate) fn destroy_bridge(&mut self, bridge: &Str) {
        let Some(b) = self.state.bridges.remove(bridge) else {
            return;
        };
        for uid in b.channels.iter() {
            let bridge = bridge.clone();
            self.update(uid, ChannelField::Bridge, |c| {
                if c.bridge.as_ref() == Some(&bridge) {
                    c.bridge = None;
                }
            });
        }
        self.emit(Change::BridgeDestroyed {
            bridge: bridge.clone(),
        });
    }

    // --- queues -------------------------------------------------------------

    fn queue_mut(&mut self, name: &Str) -> &mut Queue {
        if !self.state.queues.contains_key(name) {
            self.state.queues.insert(
                name.clone(),
                Arc::new(Queue {
                    name: name.clone(),
                    ..Queue::default()
                }),
            );
            self.out.push(Change::QueueAdded {
                queue: name.clone(),
            });
        }
        Arc::make_mut(self.state.queues.get_mut(name).expect("inserted above"))
    }

    fn queue_join(&mut self, name: Str, caller: QueueCaller) {
        let uid = caller.uniqueid.clone();
        let position = caller.position;
        if name.is_empty() || uid.is_empty() {
            return;
        }
        let q = self.queue_mut(&name);
        if q.callers.iter().any(|c| c.uniqueid == uid) {
            return;
        }
        let index = usize::try_from(position.saturating_sub(1))
            .unwrap_or(0)
            .min(q.callers.len());
        q.callers.insert(index, caller);
        renumber(&mut q.callers);
        let position = q.callers[index].position;
        self.emit(Change::QueueCallerJoined {
            queue: name,
            uniqueid: uid,
            position,
        });
    }

    pub(crate) fn queue_leave(&mut self, name: &Str, uid: &Str, abandoned: bool) {
        let Some(q) = self.state.queues.get_mut(name) else {
            return;
        };
        let Some(index) = q.callers.iter().position(|c| c.uniqueid == *uid) else {
            return;
        };
        let q = Arc::make_mut(q);
        q.callers.remove(index);
        renumber(&mut q.callers);
        self.emit(Change::QueueCallerLeft {
            queue: name.clone(),
            uniqueid: uid.clone(),
            abandoned,
        });
    }

    pub(crate) fn upsert_member(&mut self, queue: Str, member: QueueMember) {
        if queue.is_empty() || member.interface.is_empty() {
            return;
        }
        let interface = member.interface.clone();
        let q = self.queue_mut(&queue);
        let change = match q.members.get(&interface) {
            Some(old) if *old == member => return,
            Some(_) => Change::QueueMemberChanged { queue, interface },
            None => Change::QueueMemberAdded { queue, interface },
        };
        q.members.insert(member.interface.clone(), member);
        self.emit(change);
    }

    fn remove_member(&mut self, queue: &Str, interface: &Str) {
        let Some(q) = self.state.queues.get_mut(queue) else {
            return;
        };
        if Arc::make_mut(q).members.remove(interface).is_some() {
            self.emit(Change::QueueMemberRemoved {
                queue: queue.clone(),
                interface: interface.clone(),
            });
        }
    }

    // --- parking ------------------------------------------------------------

    pub(crate) fn park(&mut self, parked: ParkedCall) {
        if parked.uniqueid.is_empty() || !self.state.channels.contains_key(&parked.uniqueid) {
            return;
        }
        if self
            .state
            .parked
            .get(&parked.uniqueid)
            .is_some_and(|p| p.lot == parked.lot && p.space == parked.space)
        {
            return;
        }
        self.emit(Change::Parked {
            uniqueid: parked.uniqueid.clone(),
            lot: parked.lot.clone(),
            space: parked.space.clone(),
        });
        self.state
            .parked
            .insert(parked.uniqueid.clone(), Arc::new(parked));
    }

    pub(crate) fn unpark(&mut self, uid: &Str, how: Unparked) {
        if self.state.parked.remove(uid).is_some() {
            self.emit(Change::Unparked {
                uniqueid: uid.clone(),
                how,
            });
        }
    }

    // --- endpoints ------------------------------------------------------------

    /// Changes the endpoint of a device (`PJSIP/100`; created when new,
    /// for a device of an endpoint technology: not `Local`, nor a
    /// custom or queue device).
    fn endpoint(&mut self, device: &str, f: impl FnOnce(&mut Endpoint)) {
        let Some((tech, name)) = device.split_once('/') else {
            return;
        };
        if name.is_empty()
            || !["PJSIP", "SIP", "IAX2", "DAHDI"]
                .iter()
                .any(|t| t.eq_ignore_ascii_case(tech))
        {
            return;
        }
        let key = Str::from(device);
        let old = self.state.endpoints.get(&key).cloned();
        let mut e = old.as_deref().cloned().unwrap_or_else(|| Endpoint {
            device: key.clone(),
            ..Endpoint::default()
        });
        f(&mut e);
        if old.as_deref() != Some(&e) {
            self.state.endpoints.insert(key.clone(), Arc::new(e));
            self.emit(Change::EndpointChanged { device: key });
        }
    }

    // --- conferences ----------------------------------------------------------

    pub(crate) fn conference_start(&mut self, name: Str, bridge: Option<Str>) {
        if name.is_empty() {
            return;
        }
        if let Some(c) = self.state.conferences.get_mut(&name) {
            if c.bridge.is_none() && bridge.is_some() {
                Arc::make_mut(c).bridge = bridge;
            }
            return;
        }
        self.state.conferences.insert(
            name.clone(),
            Arc::new(Conference {
                name: name.clone(),
                bridge,
                ..Conference::default()
            }),
        );
        self.emit(Change::ConferenceStarted { conference: name });
    }

    fn conference_end(&mut self, name: &Str) {
        if self.state.conferences.remove(name).is_some() {
            self.emit(Change::ConferenceEnded {
                conference: name.clone(),
            });
        }
    }

    pub(crate) fn participant_join(&mut self, conference: &Str, p: Participant) {
        if p.uniqueid.is_empty() || !self.state.channels.contains_key(&p.uniqueid) {
            return;
        }
        let Some(c) = self.state.conferences.get_mut(conference) else {
            return;
        };
        if c.participants.contains_key(&p.uniqueid) {
            return;
        }
        let uid = p.uniqueid.clone();
        Arc::make_mut(c).participants.insert(uid.clone(), p);
        self.emit(Change::ParticipantJoined {
            conference: conference.clone(),
            uniqueid: uid,
        });
    }

    fn participant_leave(&mut self, conference: &Str, uid: &Str) {
        let Some(c) = self.state.conferences.get_mut(conference) else {
            return;
        };
        if Arc::make_mut(c).participants.remove(uid).is_some() {
            self.emit(Change::ParticipantLeft {
                conference: conference.clone(),
                uniqueid: uid.clone(),
            });
        }
    }

    fn participant_update(
        &mut self,
        conference: &Str,
        uid: &Str,
        f: impl FnOnce(&mut Participant),
    ) {
        let Some(c) = self.state.conferences.get_mut(conference) else {
            return;
        };
        let Some(p) = c.participants.get(uid) else {
            return;
        };
        let mut new = p.clone();
        f(&mut new);
        if new != *p {
            Arc::make_mut(c).participants.insert(uid.clone(), new);
            self.emit(Change::ParticipantChanged {
                conference: conference.clone(),
                uniqueid: uid.clone(),
            });
        }
    }
}

/// Positions 1, 2, 3, ... in queue order.
fn renumber(callers: &mut Vector<QueueCaller>) {
    for (i, c) in callers.iter_mut().enumerate() {
        c.position = i as i64 + 1;
    }
}

fn min_time(
    a: Option<std::time::SystemTime>,
    b: Option<std::time::SystemTime>,
) -> Option<std::time::SystemTime> {
    match (a, b) {
        (Some(a), Some(b)) => Some(a.min(b)),
        (a, b) => a.or(b),
    }
}
