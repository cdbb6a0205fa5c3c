//! Calls: the channels sharing a linkedid, joined, answered, merged across
//! Local pairs and ended.

use std::sync::Arc;

use imbl::OrdSet;

use super::Model;
use crate::change::{Change, ChannelField};
use crate::state::{Call, Direction, Str};
use ami_types::codes::HangupCause;

impl Model {
    pub(super) fn join_call(&mut self, call: &Str, uid: &Str, at: std::time::SystemTime) {
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

    pub(super) fn answered(&mut self, call: &Str) {
        let now = self.now;
        if let Some(c) = self.state.calls.get_mut(call) {
            if c.answered_at.is_none() {
                Arc::make_mut(c).answered_at = Some(now);
                self.emit(Change::CallAnswered { call: call.clone() });
            }
        }
    }

    /// The direction of the call that `uid` started (only its first
    /// channel decides, once).
    pub(super) fn set_direction(&mut self, uid: &str, direction: Direction) {
        let Some(call) = self.call_id_of(uid) else {
            return;
        };
        if let Some(c) = self.state.calls.get_mut(&call) {
            if c.direction == Direction::Unknown && *c.origin == *uid {
                Arc::make_mut(c).direction = direction;
            }
        }
    }

    pub(super) fn call_id_of(&self, uid: &str) -> Option<Str> {
        self.state.channels.get(uid).map(|c| c.call.clone())
    }

    pub(super) fn leave_call(
        &mut self,
        call: &Str,
        uid: &Str,
        cause: Option<HangupCause>,
        cause_txt: Str,
    ) {
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

    pub(super) fn tie_local(&mut self, one: &Str, two: &Str) {
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
