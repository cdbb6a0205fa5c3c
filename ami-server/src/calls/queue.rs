//! `Queue()`: a caller waits for a free member, who rings, answers and
//! talks; the `app_queue` events of each step.

use std::sync::Arc;
use std::time::{Duration, Instant};

use super::clock::simulated_secs;
use super::originate::{Call, Waited};
use super::world::{event, State, World};
use crate::{DemoMember, DemoQueue};
use ami_core::message::Message;

impl Call {
    /// `caller` (answered) runs `Queue(<queue>)`: it waits for a free
    /// member, the member's channel rings and answers, they talk for
    /// [`ServerConfig::call_duration`], and the call ends. The events are
    /// those of `app_queue` (`QueueCallerJoin`, `AgentCalled`,
    /// `QueueMemberStatus`, `QueueCallerLeave`, `AgentConnect`,
    /// `AgentComplete`; `QueueCallerAbandon` when the caller hangs up while
    /// waiting). After `max_wait` (the `Queue` timeout) without a member,
    /// the caller leaves the queue and hangs up.
    pub(crate) async fn queue_call(
        &mut self,
        caller: u64,
        queue: &DemoQueue,
        max_wait: Option<Duration>,
    ) {
        let hub = Arc::clone(&self.hub);
        let config = &hub.config;
        let joined = Instant::now();
        {
            let mut w = hub.world();
            let live = w.queue_live_mut(&queue.name);
            live.waiting.push((caller, joined));
            let position = live.waiting.len();
            let mut m = event("QueueCallerJoin", "agent,all");
            self.get(&w, caller).snapshot(&mut m, "");
            m.append("Queue", queue.name.as_str());
            m.append("Position", position);
            m.append("Count", position);
            self.pending.push(m);
            self.flush(&w);
        }
        // Waiting, in order: with N members free, the first N callers ring
        // one each (app_queue's autofill). A look every half second.
        let mut waited = Duration::ZERO;
        let member = loop {
            let found = {
                let mut w = hub.world();
                let roster = w.roster(queue);
                let live = w.queue_live_mut(&queue.name);
                let ahead = live
                    .waiting
                    .iter()
                    .position(|(id, _)| *id == caller)
                    .unwrap_or(0);
                let member = roster
                    .iter()
                    .filter(|m| {
                        !m.paused && !live.members.get(&m.location).is_some_and(|l| l.in_call)
                    })
                    .nth(ahead)
                    .cloned();
                if let Some(m) = &member {
                    live.members.entry(m.location.clone()).or_default().in_call = true;
                }
                member
            };
            if let Some(member) = found {
                break member;
            }
            if max_wait.is_some_and(|max| waited >= max) {
                // The queue's timeout: the caller leaves and the dialplan
                // (here: the call) ends.
                let mut w = hub.world();
                self.leave_queue(&mut w, caller, queue);
                self.teardown(&mut w, caller, 16);
                self.finish(&mut w, true);
                return;
            }
            let step = Duration::from_millis(500);
            waited += step;
            if let Waited::HungUp(id, cause) = self.pause(step).await {
                let mut w = hub.world();
                self.abandon(&mut w, caller, queue, joined);
                self.teardown(&mut w, id, cause);
                self.finish(&mut w, true);
                return;
            }
        };
        let member = &member;
        // The member's phone rings.
        let agent = {
            let mut w = hub.world();
            let seq = w.next_seq();
            let (linked, exten, cid) = {
                let c = self.get(&w, caller);
                (c.linkedid.clone(), c.exten.clone(), c.caller.clone())
            };
            let (tech_exten, context) = member_target(&member.location);
            let agent = self.new_channel(
                &mut w,
                format!("Local/{tech_exten}@{context}-{seq:08x};1"),
                State::Down,
                "Local",
                context,
                &exten,
                Some(&linked),
            );
            let agent_name = self.get(&w, agent).name.clone();
            if let Some(ch) = w.channels.get_mut(&agent) {
                ch.caller = cid.clone();
                ch.connected = cid;
                ch.application = "AppQueue".into();
                ch.app_data = "(Outgoing Line)".into();
                ch.dialed = true;
            }
            if let Some(ch) = w.channels.get_mut(&caller) {
                ch.dest_channel = Some(agent_name);
            }
            let mut m = event("AgentCalled", "agent,all");
            self.get(&w, caller).snapshot(&mut m, "");
            self.get(&w, agent).snapshot(&mut m, "Dest");
            queue_member_fields(&mut m, queue, member);
            self.pending.push(m);
            let dialstring = member
                .location
                .split_once('/')
                .map_or(member.location.as_str(), |(_, rest)| rest);
            self.dial_begin(&w, Some(caller), agent, dialstring);
            self.set_state(&mut w, agent, State::Ringing);
            self.flush(&w);
            agent
        };
        let ring_started = Instant::now();
        if let Waited::HungUp(id, cause) = self.pause(config.ring_time).await {
            let mut w = hub.world();
            self.abandon(&mut w, caller, queue, joined);
            self.teardown(&mut w, id, cause);
            self.member_done(&mut w, queue, member, false);
            self.finish(&mut w, true);
            return;
        }
        // Answered: the caller leaves the queue and is bridged with the member.
        let connected = Instant::now();
        let hold = simulated_secs(config, connected - joined);
        {
            let mut w = hub.world();
            self.set_state(&mut w, agent, State::Up);
            self.dial_end(&mut w, Some(caller), agent, "ANSWER");
            self.member_status(&w, queue, member);
            self.leave_queue(&mut w, caller, queue);
            let mut m = event("AgentConnect", "agent,all");
            self.get(&w, caller).snapshot(&mut m, "");
            self.get(&w, agent).snapshot(&mut m, "Dest");
            queue_member_fields(&mut m, queue, member);
            m.append("HoldTime", hold);
            m.append("RingTime", simulated_secs(config, connected - ring_started));
            self.pending.push(m);
            self.bridge(&mut w, caller, agent);
            self.flush(&w);
        }
        let (first, cause, reason) = match self.pause(config.call_duration).await {
            Waited::Elapsed => (agent, 16, "agent"),
            Waited::HungUp(id, cause) if id == caller => (id, cause, "caller"),
            Waited::HungUp(id, cause) => (id, cause, "agent"),
        };
        let mut w = hub.world();
        let mut m = event("AgentComplete", "agent,all");
        self.get(&w, caller).snapshot(&mut m, "");
        self.get(&w, agent).snapshot(&mut m, "Dest");
        queue_member_fields(&mut m, queue, member);
        m.append("HoldTime", hold);
        m.append("TalkTime", simulated_secs(config, connected.elapsed()));
        m.append("Reason", reason);
        self.pending.push(m);
        self.teardown(&mut w, first, cause);
        w.queue_live_mut(&queue.name).completed += 1;
        // The member's status follows the call's records, as in Asterisk.
        self.pending.append(&mut self.cdrs);
        self.member_done(&mut w, queue, member, true);
        self.finish(&mut w, true);
    }

    /// `QueueCallerLeave`: `caller` stops waiting in `queue`.
    pub(crate) fn leave_queue(&mut self, w: &mut World, caller: u64, queue: &DemoQueue) {
        let live = w.queue_live_mut(&queue.name);
        let Some(index) = live.waiting.iter().position(|(id, _)| *id == caller) else {
            return;
        };
        live.waiting.remove(index);
        let count = live.waiting.len();
        let mut m = event("QueueCallerLeave", "agent,all");
        self.get(w, caller).snapshot(&mut m, "");
        m.append("Queue", queue.name.as_str());
        m.append("Position", index + 1);
        m.append("Count", count);
        self.pending.push(m);
    }

    /// `QueueCallerAbandon` then `QueueCallerLeave`, when the caller hangs up
    /// while waiting (nothing once it has left the queue).
    pub(crate) fn abandon(
        &mut self,
        w: &mut World,
        caller: u64,
        queue: &DemoQueue,
        joined: Instant,
    ) {
        let live = w.queue_live_mut(&queue.name);
        let Some(index) = live.waiting.iter().position(|(id, _)| *id == caller) else {
            return;
        };
        live.abandoned += 1;
        let position = index + 1;
        let mut m = event("QueueCallerAbandon", "agent,all");
        self.get(w, caller).snapshot(&mut m, "");
        m.append("Queue", queue.name.as_str());
        m.append("Position", position);
        m.append("OriginalPosition", position);
        m.append(
            "HoldTime",
            simulated_secs(&self.hub.config, joined.elapsed()),
        );
        self.pending.push(m);
        self.leave_queue(w, caller, queue);
    }

    /// The member is free again; `answered` counts the call as taken.
    pub(crate) fn member_done(
        &mut self,
        w: &mut World,
        queue: &DemoQueue,
        member: &DemoMember,
        answered: bool,
    ) {
        let now = w.clock(Instant::now(), &self.hub.config);
        let state = w
            .queue_live_mut(&queue.name)
            .members
            .entry(member.location.clone())
            .or_default();
        state.in_call = false;
        if answered {
            state.calls_taken += 1;
            state.last_call = now;
        }
        self.member_status(w, queue, member);
    }

    /// `QueueMemberStatus` with the member's live state.
    pub(crate) fn member_status(&mut self, w: &World, queue: &DemoQueue, member: &DemoMember) {
        // The member as it is now (a pause may have come meanwhile).
        let now = w
            .roster(queue)
            .into_iter()
            .find(|m| m.location == member.location)
            .unwrap_or_else(|| member.clone());
        let m = member_event("QueueMemberStatus", w, queue, &now, &self.hub.config);
        self.pending.push(m);
    }
}

/// A `QueueMember*` event (`QueueMemberStatus`, `QueueMemberAdded`,
/// `QueueMemberRemoved`, `QueueMemberPause`) with the member's state.
pub(crate) fn member_event(
    name: &str,
    w: &World,
    queue: &DemoQueue,
    member: &DemoMember,
    config: &crate::ServerConfig,
) -> Message {
    let mut m = event(name, "agent,all");
    m.append("Queue", queue.name.as_str());
    m.append("MemberName", member.name.as_str());
    m.append("Interface", member.location.as_str());
    member_state_fields(&mut m, w, queue, member, w.clock(w.started, config));
    m.append("Ringinuse", 0);
    m.append("Wrapuptime", 0);
    m
}

/// What a member's events and its `QueueMember` list item share, from
/// `StateInterface` to `PausedReason`: its membership, penalty, calls and
/// whether it is in a call (`Status` 2) or free (1), paused or not.
pub(crate) fn member_state_fields(
    m: &mut Message,
    w: &World,
    queue: &DemoQueue,
    member: &DemoMember,
    login_time: u64,
) {
    let live = w
        .queue_live(&queue.name)
        .and_then(|q| q.members.get(&member.location).copied())
        .unwrap_or_default();
    m.append("StateInterface", state_interface(&member.location));
    m.append("Membership", w.membership(queue, &member.location));
    m.append("Penalty", member.penalty);
    m.append("CallsTaken", live.calls_taken);
    m.append("LastCall", live.last_call);
    m.append("LastPause", 0);
    m.append("LoginTime", login_time);
    m.append("InCall", u8::from(live.in_call));
    m.append("Status", if live.in_call { 2 } else { 1 });
    m.append("Paused", u8::from(member.paused));
    m.append("PausedReason", "");
}

/// The timeout of `Queue(name,options,URL,announce,timeout)`, in seconds.
pub(crate) fn queue_timeout(data: &str) -> Option<Duration> {
    let secs = data.split(',').nth(4)?.trim().parse::<f64>().ok()?;
    Duration::try_from_secs_f64(secs).ok()
}

/// `Queue`, `Interface`, `MemberName` of the queue events about a member.
pub(crate) fn queue_member_fields(m: &mut Message, queue: &DemoQueue, member: &DemoMember) {
    m.append("Queue", queue.name.as_str());
    m.append("Interface", member.location.as_str());
    m.append("MemberName", member.name.as_str());
}

/// `Local/agent1@queue-members/n` → (`agent1`, `queue-members`); other
/// interfaces ring in context `default`.
pub(crate) fn member_target(location: &str) -> (&str, &str) {
    let state = state_interface(location);
    let rest = state.split_once('/').map_or(state, |(_, rest)| rest);
    rest.split_once('@').unwrap_or((rest, "default"))
}

/// `Local/agent1@queue-members/n` → `Local/agent1@queue-members`: a
/// member's location without its dial options.
pub(crate) fn state_interface(location: &str) -> &str {
    match location.rsplit_once('/') {
        Some((head, opts)) if head.contains('/') && !opts.contains('@') => head,
        _ => location,
    }
}

#[cfg(test)]
mod tests {
    use super::state_interface;

    #[test]
    fn state_interface_drops_options() {
        assert_eq!(
            state_interface("Local/agent1@queue-members/n"),
            "Local/agent1@queue-members"
        );
        assert_eq!(state_interface("PJSIP/100"), "PJSIP/100");
    }
}
