//! A channel's life in the model: added from a snapshot, refreshed,
//! changed, renamed and removed (its tombstone, and what it leaves).

use std::sync::Arc;

use super::apply::DialUpdate;
use super::read::Snapshot;
use super::{Limit, Model};
use crate::change::{Change, ChannelField, Unparked};
use crate::state::{Channel, ChannelId, Dial, Str, Tombstone};
use ami_types::codes::HangupCause;

impl Model {
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

    /// Refreshes a live channel from a snapshot, reporting what changed.
    pub(super) fn refresh(&mut self, snap: &Snapshot) {
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

    pub(super) fn hangup_requested(&mut self, uid: &str, cause: HangupCause) {
        self.update(uid, ChannelField::HangupRequested, |c| {
            c.hangup_requested = Some(cause)
        });
    }

    /// A `DialState` or `DialEnd`: the dialled channel's dial goes on;
    /// the end of a dial of a channel that is not a Local half says what
    /// the far end did, for the whole call.
    pub(super) fn dial_status(&mut self, update: DialUpdate) {
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

    pub(super) fn rename(&mut self, uid: &str, to: Str) {
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
}
