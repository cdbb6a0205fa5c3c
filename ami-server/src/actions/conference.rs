//! ConfBridge actions: rooms, participants, kick and mute.

use super::{list_complete, list_event, list_start, text};
use crate::calls::{self};
use crate::session::{error, success, Flow, Reply, Session};
use ami_core::message::Message;

impl Session {
    /// The conferences, or "No active conferences." as Asterisk answers
    /// when there are none.
    pub(super) fn conference_rooms(&mut self, req: &Message) -> Flow {
        let hub = std::sync::Arc::clone(&self.hub);
        let w = hub.world();
        if w.conferences.is_empty() {
            drop(w);
            self.send(Reply::one(error(req, "No active conferences.")));
            return Flow::Continue;
        }
        let items: Vec<Message> = w
            .conferences
            .iter()
            .map(|(room, b)| {
                let mut m = list_event("ConfbridgeListRooms", req);
                m.append("Conference", room.as_str());
                m.append("Parties", b.members.len());
                m.append("Marked", 0);
                m.append("Locked", "No");
                m.append("Muted", "No");
                m
            })
            .collect();
        let complete = list_complete("ConfbridgeListRoomsComplete", req, items.len());
        self.send(Reply::list(
            list_start(req, "Confbridge conferences will follow"),
            items,
            complete,
        ));
        drop(w);
        Flow::Continue
    }

    /// One conference's participants.
    pub(super) fn conference_list(&mut self, req: &Message) -> Flow {
        let Some(room) = text(req, "Conference") else {
            self.send(Reply::one(error(req, "No Conference name provided.")));
            return Flow::Continue;
        };
        let hub = std::sync::Arc::clone(&self.hub);
        let w = hub.world();
        let Some(bridge) = w.conferences.get(&room) else {
            drop(w);
            self.send(Reply::one(error(req, "No Conference by that name found.")));
            return Flow::Continue;
        };
        let items: Vec<Message> = bridge
            .members
            .iter()
            .filter_map(|ch| {
                let c = w.channels.get(ch)?;
                let mut m = list_event("ConfbridgeList", req);
                m.append("Conference", room.as_str());
                m.append("Admin", "No");
                m.append("MarkedUser", "No");
                m.append("WaitMarked", "No");
                m.append("EndMarked", "No");
                m.append("Waiting", "No");
                let muted = w.participants.get(ch).is_some_and(|p| p.muted);
                m.append("Muted", if muted { "Yes" } else { "No" });
                m.append("Talking", "No");
                m.append("AnsweredTime", c.seconds(&hub.config));
                c.snapshot(&mut m, "");
                Some(m)
            })
            .collect();
        let complete = list_complete("ConfbridgeListComplete", req, items.len());
        self.send(Reply::list(
            list_start(req, "Confbridge user list will follow"),
            items,
            complete,
        ));
        drop(w);
        Flow::Continue
    }

    /// The participant `Channel` of `Conference`, by name or uniqueid.
    pub(super) fn participant(&self, req: &Message) -> Result<(String, u64), &'static str> {
        let room = text(req, "Conference").ok_or("No Conference name provided.")?;
        let channel = text(req, "Channel").ok_or("No channel name provided.")?;
        let w = self.hub.world();
        let bridge = w
            .conferences
            .get(&room)
            .ok_or("No Conference by that name found.")?;
        let id = w
            .find(&channel)
            .ok_or("No Channel by that name found in Conference.")?;
        if !bridge.members.contains(&id) {
            return Err("No Channel by that name found in Conference.");
        }
        Ok((channel, id))
    }

    pub(super) fn conference_kick(&self, req: &Message) -> Reply {
        match self.participant(req) {
            Ok((channel, _)) => {
                self.hub.world().request_hangup(&channel, 16);
                Reply::one(success(req, "User kicked"))
            }
            Err(e) => Reply::one(error(req, e)),
        }
    }

    pub(super) fn conference_mute(&self, req: &Message, muted: bool) -> Reply {
        match self.participant(req) {
            Ok((_, id)) => {
                let mut w = self.hub.world();
                w.participants.entry(id).or_default().muted = muted;
                let room = text(req, "Conference").unwrap_or_default();
                let name = if muted {
                    "ConfbridgeMute"
                } else {
                    "ConfbridgeUnmute"
                };
                let m = {
                    let bridge = w.conferences.get(&room);
                    calls::conference_event(&w, name, &room, bridge, id)
                };
                self.hub.broadcast(&[m]);
                drop(w);
                Reply::one(success(
                    req,
                    if muted { "User muted" } else { "User unmuted" },
                ))
            }
            Err(e) => Reply::one(error(req, e)),
        }
    }
}
