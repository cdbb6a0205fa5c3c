//! The `ConfBridge` application: the channel joins a conference (its
//! softmix bridge created with the first participant, `ConfbridgeStart`)
//! and stays until the call's duration ends or it is hung up or kicked;
//! the last one out ends the conference (`ConfbridgeEnd`).

use std::time::Duration;

use super::originate::{Call, Waited};
use super::world::{event, BridgeKind, Participant, SharedBridge, World};
use ami_core::message::Message;

impl Call {
    /// Channel `ch` in conference `room` for `duration`, then the call ends.
    pub(crate) async fn conference(&mut self, ch: u64, room: &str, duration: Duration) {
        let hub = std::sync::Arc::clone(&self.hub);
        {
            let mut w = hub.world();
            let mut bridge = w.conferences.remove(room);
            if bridge.is_none() {
                let created = SharedBridge {
                    id: w.bridge_id(),
                    kind: BridgeKind::CONFERENCE,
                    name: room.to_owned(),
                    members: Vec::new(),
                };
                let mut m = event("BridgeCreate", "call,all");
                created.kind.snapshot_named(&mut m, &created.id, room, 0);
                self.pending.push(m);
                let mut m = event("ConfbridgeStart", "call,all");
                m.append("Conference", room);
                created.kind.snapshot_named(&mut m, &created.id, room, 0);
                self.pending.push(m);
                bridge = Some(created);
            }
            self.enter_shared(&mut w, &mut bridge, BridgeKind::CONFERENCE, room, ch);
            w.participants.insert(ch, Participant::default());
            let m = conference_event(&w, "ConfbridgeJoin", room, bridge.as_ref(), ch);
            self.pending.push(m);
            if let Some(b) = bridge {
                w.conferences.insert(room.to_owned(), b);
            }
            self.flush(&w);
        }
        let cause = match self.pause(duration).await {
            Waited::Elapsed => 16,
            Waited::HungUp(_, cause) => cause,
        };
        let mut w = hub.world();
        let mut bridge = w.conferences.remove(room);
        let m = conference_event(&w, "ConfbridgeLeave", room, bridge.as_ref(), ch);
        self.pending.push(m);
        w.participants.remove(&ch);
        let kind_and_id = bridge.as_ref().map(|b| (b.kind, b.id.clone()));
        self.leave_shared(&mut w, &mut bridge, ch);
        match bridge {
            Some(b) => {
                w.conferences.insert(room.to_owned(), b);
            }
            None => {
                if let Some((kind, id)) = kind_and_id {
                    let mut m = event("ConfbridgeEnd", "call,all");
                    m.append("Conference", room);
                    kind.snapshot_named(&mut m, &id, room, 0);
                    self.pending.push(m);
                }
            }
        }
        self.teardown(&mut w, ch, cause);
        self.finish(&mut w, true);
    }
}

/// A `Confbridge*` event about participant `ch`.
pub(crate) fn conference_event(
    w: &World,
    name: &str,
    room: &str,
    bridge: Option<&SharedBridge>,
    ch: u64,
) -> Message {
    let mut m = event(name, "call,all");
    m.append("Conference", room);
    if let Some(b) = bridge {
        b.kind.snapshot_named(&mut m, &b.id, room, b.members.len());
    }
    if let Some(c) = w.channels.get(&ch) {
        c.snapshot(&mut m, "");
    }
    m.append("Admin", "No");
    if name == "ConfbridgeJoin" {
        let muted = w.participants.get(&ch).is_some_and(|p| p.muted);
        m.append("Muted", if muted { "Yes" } else { "No" });
    }
    m
}
