//! Queue actions: members added, removed and paused, and the
//! `QueueStatus` and `QueueSummary` lists.

use super::{action_id_last, is_true, list_complete, list_start, or_unknown, text};
use crate::calls::{self, event, seconds_since, QueueLive};
use crate::session::{error, success, Flow, Reply, Session};
use crate::{DemoMember, DemoQueue};
use ami_core::message::Message;

impl Session {
    /// `QueueAdd`: a dynamic member (`QueueMemberAdded`).
    pub(super) fn queue_add(&self, req: &Message) -> Reply {
        let (Some(name), Some(interface)) = (text(req, "Queue"), text(req, "Interface")) else {
            return Reply::one(error(req, "'Queue' and 'Interface' not set."));
        };
        let Some(queue) = self.queues(Some(&name)).next() else {
            return Reply::one(error(req, "Unable to add interface: No such queue"));
        };
        let mut w = self.hub.world();
        if w.roster(queue).iter().any(|m| m.location == interface) {
            return Reply::one(error(req, "Unable to add interface: Already there"));
        }
        let member = DemoMember {
            name: text(req, "MemberName").unwrap_or_else(|| interface.clone()),
            location: interface.clone(),
            penalty: text(req, "Penalty")
                .and_then(|p| p.parse().ok())
                .unwrap_or(0),
            paused: is_true(req.get("Paused")),
        };
        w.roster_mut(queue).push(member.clone());
        w.queue_live_mut(&queue.name).dynamic.insert(interface);
        let m = calls::member_event("QueueMemberAdded", &w, queue, &member, &self.hub.config);
        self.hub.broadcast(&[m]);
        drop(w);
        Reply::one(success(req, "Added interface to queue"))
    }

    /// `QueueRemove` (`QueueMemberRemoved`).
    pub(super) fn queue_remove(&self, req: &Message) -> Reply {
        let (Some(name), Some(interface)) = (text(req, "Queue"), text(req, "Interface")) else {
            return Reply::one(error(req, "Need 'Queue' and 'Interface' parameters."));
        };
        let Some(queue) = self.queues(Some(&name)).next() else {
            return Reply::one(error(req, "Unable to remove interface: No such queue"));
        };
        let mut w = self.hub.world();
        let roster = w.roster_mut(queue);
        let Some(index) = roster.iter().position(|m| m.location == interface) else {
            return Reply::one(error(req, "Unable to remove interface: Not there"));
        };
        let member = roster.remove(index);
        let m = calls::member_event("QueueMemberRemoved", &w, queue, &member, &self.hub.config);
        w.queue_live_mut(&queue.name).dynamic.remove(&interface);
        self.hub.broadcast(&[m]);
        drop(w);
        Reply::one(success(req, "Removed interface from queue"))
    }

    /// `QueuePause`: the member, in `Queue` or in every queue
    /// (`QueueMemberPause`).
    pub(super) fn queue_pause(&self, req: &Message) -> Reply {
        let Some(interface) = text(req, "Interface") else {
            return Reply::one(error(req, "Need 'Interface' and 'Paused' parameters."));
        };
        let paused = is_true(req.get("Paused"));
        let only = text(req, "Queue");
        let mut w = self.hub.world();
        let mut events = Vec::new();
        for queue in self.queues(only.as_deref()) {
            let roster = w.roster_mut(queue);
            let Some(member) = roster.iter_mut().find(|m| m.location == interface) else {
                continue;
            };
            member.paused = paused;
            let member = member.clone();
            events.push(calls::member_event(
                "QueueMemberPause",
                &w,
                queue,
                &member,
                &self.hub.config,
            ));
        }
        if events.is_empty() {
            return Reply::one(error(req, "Interface not found"));
        }
        self.hub.broadcast(&events);
        drop(w);
        Reply::one(success(
            req,
            if paused {
                "Interface paused successfully"
            } else {
                "Interface unpaused successfully"
            },
        ))
    }

    /// The configured queues with what happens in them (callers waiting,
    /// members in calls), sent under the world lock like
    /// `CoreShowChannels`.
    pub(super) fn queue_status(&mut self, req: &Message) -> Flow {
        let hub = std::sync::Arc::clone(&self.hub);
        let w = hub.world();
        let queue = text(req, "Queue");
        let member = text(req, "Member");
        let no_live = QueueLive::default();
        let mut items = Vec::new();
        for q in self.queues(queue.as_deref()) {
            let live = w.queue_live(&q.name).unwrap_or(&no_live);
            let mut m = event("QueueParams", "");
            m.append("Queue", q.name.as_str());
            m.append("Max", 0);
            m.append("Strategy", q.strategy.as_str());
            m.append("Calls", live.waiting.len());
            m.append("Holdtime", 0);
            m.append("TalkTime", 0);
            m.append("Completed", live.completed);
            m.append("Abandoned", live.abandoned);
            m.append("ServiceLevel", 0);
            m.append("ServicelevelPerf", "0.0");
            m.append("ServicelevelPerf2", "0.0");
            m.append("Weight", 0);
            action_id_last(&mut m, req);
            items.push(m);
            for mem in &w.roster(q) {
                if let Some(want) = &member {
                    if !(mem.name.eq_ignore_ascii_case(want)
                        || mem.location.eq_ignore_ascii_case(want))
                    {
                        continue;
                    }
                }
                let mut m = event("QueueMember", "");
                m.append("Queue", q.name.as_str());
                m.append("Name", mem.name.as_str());
                m.append("Location", mem.location.as_str());
                calls::member_state_fields(&mut m, &w, q, mem, 0);
                m.append("Wrapuptime", 0);
                action_id_last(&mut m, req);
                items.push(m);
            }
            for (i, (id, joined)) in live.waiting.iter().enumerate() {
                let Some(ch) = w.channel_by_id(*id) else {
                    continue;
                };
                let mut m = event("QueueEntry", "");
                m.append("Queue", q.name.as_str());
                m.append("Position", i + 1);
                m.append("Channel", ch.name.as_str());
                m.append("Uniqueid", ch.uniqueid.as_str());
                m.append("CallerIDNum", or_unknown(&ch.caller.num));
                m.append("CallerIDName", or_unknown(&ch.caller.name));
                m.append("ConnectedLineNum", or_unknown(&ch.connected.num));
                m.append("ConnectedLineName", or_unknown(&ch.connected.name));
                m.append("Wait", seconds_since(*joined, &hub.config));
                m.append("Priority", 0);
                action_id_last(&mut m, req);
                items.push(m);
            }
        }
        let complete = list_complete("QueueStatusComplete", req, items.len());
        self.send(Reply::list(
            list_start(req, "Queue status will follow"),
            items,
            complete,
        ));
        drop(w);
        Flow::Continue
    }

    pub(super) fn queue_summary(&mut self, req: &Message) -> Flow {
        let hub = std::sync::Arc::clone(&self.hub);
        let w = hub.world();
        let queue = text(req, "Queue");
        let no_live = QueueLive::default();
        let items: Vec<Message> = self
            .queues(queue.as_deref())
            .map(|q| {
                let live = w.queue_live(&q.name).unwrap_or(&no_live);
                let roster = w.roster(q);
                let available = roster
                    .iter()
                    .filter(|m| {
                        !m.paused && !live.members.get(&m.location).is_some_and(|s| s.in_call)
                    })
                    .count();
                let longest_live = live
                    .waiting
                    .first()
                    .map_or(0, |(_, joined)| seconds_since(*joined, &hub.config));
                let mut m = event("QueueSummary", "");
                m.append("Queue", q.name.as_str());
                m.append("LoggedIn", roster.len());
                m.append("Available", available);
                m.append("Callers", live.waiting.len());
                m.append("HoldTime", 0);
                m.append("TalkTime", 0);
                m.append("LongestHoldTime", longest_live);
                action_id_last(&mut m, req);
                m
            })
            .collect();
        let complete = list_complete("QueueSummaryComplete", req, items.len());
        self.send(Reply::list(
            list_start(req, "Queue summary will follow"),
            items,
            complete,
        ));
        drop(w);
        Flow::Continue
    }

    pub(super) fn queues<'a>(
        &'a self,
        name: Option<&'a str>,
    ) -> impl Iterator<Item = &'a DemoQueue> + 'a {
        self.hub
            .config
            .queues
            .iter()
            .filter(move |q| name.is_none_or(|n| q.name.eq_ignore_ascii_case(n)))
    }
}
