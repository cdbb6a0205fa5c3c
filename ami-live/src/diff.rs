//! The difference between two [`State`]s as [`Change`]s: what a consumer
//! that saw the first must apply to see the second. Used after a load or a
//! reconnect (the state before against the state found) and for a change
//! consumer that fell behind.

use std::time::SystemTime;

use imbl::ordmap::DiffItem;

use crate::change::{Change, ChannelField, Unparked};
use crate::state::{Channel, State};

/// The changes from `old` to `new`, in an order a consumer can apply:
/// additions first, then changes, then removals.
pub fn diff(old: &State, new: &State) -> Vec<Change> {
    let mut added = Vec::new();
    let mut changed = Vec::new();
    let mut removed = Vec::new();

    for item in old.channels.diff(&new.channels) {
        match item {
            DiffItem::Add(_, ch) => added.push(Change::ChannelAdded {
                id: ch.id.clone(),
                name: ch.name.clone(),
            }),
            DiffItem::Update {
                old: (_, a),
                new: (_, b),
            } => channel_changes(a, b, &mut changed),
            DiffItem::Remove(uid, ch) => {
                let t = new.tombstones.get(uid).filter(|t| t.id == ch.id);
                removed.push(Change::ChannelRemoved {
                    id: ch.id.clone(),
                    name: ch.name.clone(),
                    cause: t.and_then(|t| t.cause),
                    cause_txt: t.map(|t| t.cause_txt.clone()).unwrap_or_default(),
                    tech_cause: t.and_then(|t| t.tech_cause.clone()),
                });
            }
        }
    }
    for item in old.bridges.diff(&new.bridges) {
        match item {
            DiffItem::Add(id, _) => added.push(Change::BridgeCreated { bridge: id.clone() }),
            DiffItem::Remove(id, _) => removed.push(Change::BridgeDestroyed { bridge: id.clone() }),
            DiffItem::Update { .. } => {}
        }
    }
    for item in old.calls.diff(&new.calls) {
        match item {
            DiffItem::Add(id, c) => {
                added.push(Change::CallStarted { call: id.clone() });
                if c.answered_at.is_some() {
                    changed.push(Change::CallAnswered { call: id.clone() });
                }
            }
            DiffItem::Update {
                old: (_, a),
                new: (id, b),
            } => {
                if a.answered_at.is_none() && b.answered_at.is_some() {
                    changed.push(Change::CallAnswered { call: id.clone() });
                }
            }
            DiffItem::Remove(id, c) => removed.push(Change::CallEnded {
                call: id.clone(),
                duration: SystemTime::now()
                    .duration_since(c.started_at)
                    .unwrap_or_default(),
                cause: c.first_hangup.as_ref().map(|(c, _)| *c),
            }),
        }
    }
    for item in old.queues.diff(&new.queues) {
        match item {
            DiffItem::Add(id, q) => {
                added.push(Change::QueueAdded { queue: id.clone() });
                for m in q.members.keys() {
                    added.push(Change::QueueMemberAdded {
                        queue: id.clone(),
                        interface: m.clone(),
                    });
                }
                for c in q.callers.iter() {
                    added.push(Change::QueueCallerJoined {
                        queue: id.clone(),
                        uniqueid: c.uniqueid.clone(),
                        position: c.position,
                    });
                }
            }
            DiffItem::Remove(id, _) => removed.push(Change::QueueRemoved { queue: id.clone() }),
            DiffItem::Update {
                old: (_, a),
                new: (id, b),
            } => {
                let (mut a_plain, mut b_plain) = ((**a).clone(), (**b).clone());
                a_plain.members = Default::default();
                b_plain.members = Default::default();
                a_plain.callers = Default::default();
                b_plain.callers = Default::default();
                if a_plain != b_plain {
                    changed.push(Change::QueueChanged { queue: id.clone() });
                }
                for m in a.members.diff(&b.members) {
                    let (interface, change): (_, fn(_, _) -> Change) = match m {
                        DiffItem::Add(i, _) => (i, |queue, interface| Change::QueueMemberAdded {
                            queue,
                            interface,
                        }),
                        DiffItem::Update { new: (i, _), .. } => (i, |queue, interface| {
                            Change::QueueMemberChanged { queue, interface }
                        }),
                        DiffItem::Remove(i, _) => (i, |queue, interface| {
                            Change::QueueMemberRemoved { queue, interface }
                        }),
                    };
                    changed.push(change(id.clone(), interface.clone()));
                }
                for c in a.callers.iter() {
                    if !b.callers.iter().any(|n| n.uniqueid == c.uniqueid) {
                        changed.push(Change::QueueCallerLeft {
                            queue: id.clone(),
                            uniqueid: c.uniqueid.clone(),
                            abandoned: false,
                        });
                    }
                }
                for c in b.callers.iter() {
                    if !a.callers.iter().any(|o| o.uniqueid == c.uniqueid) {
                        changed.push(Change::QueueCallerJoined {
                            queue: id.clone(),
                            uniqueid: c.uniqueid.clone(),
                            position: c.position,
                        });
                    }
                }
            }
        }
    }
    for item in old.parked.diff(&new.parked) {
        match item {
            DiffItem::Add(uid, p) | DiffItem::Update { new: (uid, p), .. } => {
                changed.push(Change::Parked {
                    uniqueid: uid.clone(),
                    lot: p.lot.clone(),
                    space: p.space.clone(),
                })
            }
            DiffItem::Remove(uid, _) => changed.push(Change::Unparked {
                uniqueid: uid.clone(),
                how: Unparked::Vanished,
            }),
        }
    }
    for item in old.conferences.diff(&new.conferences) {
        match item {
            DiffItem::Add(name, c) => {
                added.push(Change::ConferenceStarted {
                    conference: name.clone(),
                });
                for uid in c.participants.keys() {
                    added.push(Change::ParticipantJoined {
                        conference: name.clone(),
                        uniqueid: uid.clone(),
                    });
                }
            }
            DiffItem::Remove(name, _) => removed.push(Change::ConferenceEnded {
                conference: name.clone(),
            }),
            DiffItem::Update {
                old: (_, a),
                new: (name, b),
            } => {
                for p in a.participants.diff(&b.participants) {
                    let conference = name.clone();
                    changed.push(match p {
                        DiffItem::Add(uid, _) => Change::ParticipantJoined {
                            conference,
                            uniqueid: uid.clone(),
                        },
                        DiffItem::Update { new: (uid, _), .. } => Change::ParticipantChanged {
                            conference,
                            uniqueid: uid.clone(),
                        },
                        DiffItem::Remove(uid, _) => Change::ParticipantLeft {
                            conference,
                            uniqueid: uid.clone(),
                        },
                    });
                }
            }
        }
    }
    for item in old.endpoints.diff(&new.endpoints) {
        match item {
            DiffItem::Add(device, _)
            | DiffItem::Update {
                new: (device, _), ..
            }
            | DiffItem::Remove(device, _) => changed.push(Change::EndpointChanged {
                device: device.clone(),
            }),
        }
    }
    added.extend(changed);
    added.extend(removed);
    added
}

/// What differs between two versions of one channel.
pub(crate) fn channel_changes(a: &Channel, b: &Channel, out: &mut Vec<Change>) {
    if a.id != b.id {
        // The same Uniqueid, another channel: the old one went away.
        out.push(Change::ChannelRemoved {
            id: a.id.clone(),
            name: a.name.clone(),
            cause: None,
            cause_txt: Default::default(),
            tech_cause: None,
        });
        out.push(Change::ChannelAdded {
            id: b.id.clone(),
            name: b.name.clone(),
        });
        return;
    }
    if a.name != b.name {
        out.push(Change::ChannelRenamed {
            id: b.id.clone(),
            from: a.name.clone(),
            to: b.name.clone(),
        });
    }
    let fields = [
        (
            a.state != b.state || a.state_desc != b.state_desc,
            ChannelField::State,
        ),
        (a.caller_id != b.caller_id, ChannelField::CallerId),
        (
            a.connected_line != b.connected_line,
            ChannelField::ConnectedLine,
        ),
        (a.account_code != b.account_code, ChannelField::AccountCode),
        (a.language != b.language, ChannelField::Language),
        (a.dialplan != b.dialplan, ChannelField::Dialplan),
        (
            a.application != b.application || a.application_data != b.application_data,
            ChannelField::Application,
        ),
        (a.bridge != b.bridge, ChannelField::Bridge),
        (a.variables != b.variables, ChannelField::Variable),
        (a.on_hold != b.on_hold, ChannelField::Hold),
        (
            a.linkedid != b.linkedid || a.call != b.call,
            ChannelField::Linkedid,
        ),
        (a.dial != b.dial, ChannelField::Dial),
        (a.local_peer != b.local_peer, ChannelField::LocalPeer),
        (
            a.hangup_requested != b.hangup_requested,
            ChannelField::HangupRequested,
        ),
    ];
    for (differs, what) in fields {
        if differs {
            out.push(Change::ChannelChanged {
                id: b.id.clone(),
                what,
            });
        }
    }
}
