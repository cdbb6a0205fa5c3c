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

use super::{Limit, Model};
use crate::change::{Change, ChannelField, TransferKind, Unparked};
use crate::state::{Dial, Direction, Participant, Party, QueueCaller, Str};
use ami_types::event::Event;
use ami_types::snapshot::channel_snapshots;

use super::read::{
    bridge, kept, kept_opt, opt, parked_call, queue_member, spelled, text, Snapshot,
};

/// What a `DialState` or `DialEnd` says about the channel being dialled.
pub(super) struct DialUpdate {
    /// The dialled channel.
    pub(super) dest: Str,
    /// The calling channel, when there is one.
    pub(super) caller: Option<Str>,
    /// `DialStatus`.
    pub(super) status: Str,
    /// `Forward`.
    pub(super) forward: Str,
    /// A `DialEnd`.
    pub(super) ended: bool,
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
        // Every channel snapshot the event carries. Another channel's
        // snapshot in this event can be older than that channel's own
        // events (Asterisk 22's `UnParkedCall` carries the retriever's
        // linkedid from before its bridge): it may add the channel, and
        // refresh its state, but not move it between calls.
        for view in channel_snapshots(msg).iter().filter(|s| s.is_whole()) {
            let own = view.prefix().is_empty();
            let live = view
                .uniqueid()
                .and_then(|u| std::str::from_utf8(u.as_bytes()).ok())
                .and_then(|u| self.state.channels.get(u));
            // Most snapshots repeat what the model has: nothing to do.
            if live.is_some_and(|ch| Snapshot::unchanged(view, ch, own)) {
                continue;
            }
            let Some(mut snap) = Snapshot::of(view) else {
                continue;
            };
            if !own {
                if let Some(live) = self.state.channels.get(&snap.uniqueid) {
                    snap.linkedid = live.linkedid.clone();
                }
            }
            self.add_or_refresh(&snap, false);
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
}
