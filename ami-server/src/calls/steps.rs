//! The steps of a call, each changing the world and queueing the events
//! Asterisk emits for it: channels, dialplan, dialling, bridges, hangups.

use std::collections::BTreeMap;
use std::time::{Duration, Instant};

use super::cdr::cdr_event;
use super::originate::{Call, OriginateRequest, Ringing, Talk, Target, Waited};
use super::world::{
    bridge_snapshot, cause_text, event, varset_event, Bridge, BridgeKind, CallerId, Channel,
    Request, SharedBridge, State, World,
};
use ami_core::message::keys;

/// What a call is doing while it waits, which decides the requests it can
/// act on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Phase {
    Plain,
    Talking,
    /// This dialled channel is ringing.
    Ringing(u64),
}

/// How a wait ended.
enum Woken {
    Elapsed,
    HungUp(u64, u32),
    Transfer(Request),
    PickedUp(u64),
}

impl Call {
    /// Waits a simulated duration, or until a channel of the call is hung up.
    pub(crate) async fn pause(&mut self, simulated: Duration) -> Waited {
        match self.wait(simulated, Phase::Plain).await {
            Woken::HungUp(id, cause) => Waited::HungUp(id, cause),
            _ => Waited::Elapsed,
        }
    }

    /// [`pause`](Call::pause); when a channel of the call hangs up
    /// meanwhile, the call is torn down and ended, and `None` returned.
    pub(crate) async fn pause_or_end(&mut self, simulated: Duration) -> Option<()> {
        if let Waited::HungUp(id, cause) = self.pause(simulated).await {
            let hub = std::sync::Arc::clone(&self.hub);
            let mut w = hub.world();
            self.teardown(&mut w, id, cause);
            self.finish(&mut w, true);
            return None;
        }
        Some(())
    }

    /// [`pause`](Call::pause) while the call's parties talk, which a
    /// transfer request can interrupt.
    pub(crate) async fn talk(&mut self, simulated: Duration) -> Talk {
        match self.wait(simulated, Phase::Talking).await {
            Woken::HungUp(id, cause) => Talk::HungUp(id, cause),
            Woken::Transfer(request) => Talk::Transfer(request),
            _ => Talk::Elapsed,
        }
    }

    /// [`pause`](Call::pause) while `callee` rings: another call may pick
    /// it up.
    pub(crate) async fn ring(&mut self, simulated: Duration, callee: u64) -> Ringing {
        match self.wait(simulated, Phase::Ringing(callee)).await {
            Woken::HungUp(id, cause) => Ringing::HungUp(id, cause),
            Woken::PickedUp(picker) => Ringing::PickedUp(picker),
            _ => Ringing::Elapsed,
        }
    }

    /// Waits a simulated duration, acting on the requests for this call's
    /// channels that `phase` allows: a hangup always ends the wait; a
    /// transfer only while talking (else it is kept for the talking that
    /// follows); a pickup only of the channel ringing (else it is refused).
    async fn wait(&mut self, simulated: Duration, phase: Phase) -> Woken {
        if phase == Phase::Talking {
            if let Some(i) = self
                .deferred
                .iter()
                .position(|r| self.chans.contains(&r.channel()))
            {
                return Woken::Transfer(self.deferred.remove(i));
            }
        }
        let real = self.hub.config.scaled(simulated);
        let sleep = tokio::time::sleep(real);
        tokio::pin!(sleep);
        loop {
            tokio::select! {
                _ = &mut sleep => return Woken::Elapsed,
                req = self.hangups.recv() => match req {
                    Some(Request::Hangup(id, cause)) if self.chans.contains(&id) => {
                        return Woken::HungUp(id, cause)
                    }
                    Some(Request::Pickup { target, picker, done })
                        if phase == Phase::Ringing(target) =>
                    {
                        self.picked_up(target, picker);
                        let _ = done.send(true);
                        return Woken::PickedUp(picker);
                    }
                    Some(Request::Pickup { done, .. }) => {
                        let _ = done.send(false);
                    }
                    Some(transfer @ (Request::BlindTransfer { .. } | Request::Atxfer { .. })) => {
                        if phase != Phase::Talking {
                            self.deferred.push(transfer);
                        } else if self.chans.contains(&transfer.channel()) {
                            return Woken::Transfer(transfer);
                        }
                    }
                    Some(_) => {}
                    None => {
                        (&mut sleep).await;
                        return Woken::Elapsed;
                    }
                },
            }
        }
    }

    pub(crate) fn get<'w>(&self, w: &'w World, id: u64) -> &'w Channel {
        // Channels of a live call are only removed by the call itself.
        &w.channels[&id]
    }

    /// Broadcasts the events of this step. Takes the world to show it is
    /// called with the world locked (see the module docs).
    pub(crate) fn flush(&mut self, _locked: &World) {
        let events = std::mem::take(&mut self.pending);
        self.hub.broadcast(&events);
    }

    /// Ends the call: removes it from the world and reports the outcome.
    pub(crate) fn finish(&mut self, w: &mut World, answered: bool) {
        self.pending.append(&mut self.cdrs);
        self.flush(w);
        w.calls.remove(&self.id);
        w.calls_processed += 1;
        if let Some(done) = self.done.take() {
            let _ = done.send(answered);
        }
    }

    #[allow(clippy::too_many_arguments)]
    pub(crate) fn new_channel(
        &mut self,
        w: &mut World,
        name: String,
        state: State,
        tech: &'static str,
        context: &str,
        exten: &str,
        linkedid: Option<&str>,
    ) -> u64 {
        let id = w.next_unique;
        let uniqueid = match self.chosen.pop_front() {
            Some(chosen) => {
                w.next_unique += 1;
                chosen
            }
            None => w.next_uniqueid(),
        };
        let ch = Channel {
            name,
            linkedid: linkedid.map_or_else(|| uniqueid.clone(), str::to_owned),
            uniqueid,
            state,
            caller: CallerId::default(),
            connected: CallerId::default(),
            context: context.to_owned(),
            exten: exten.to_owned(),
            priority: 1,
            application: String::new(),
            app_data: String::new(),
            bridge: None,
            created: Instant::now(),
            vars: BTreeMap::new(),
            call: self.id,
            tech,
            answered: None,
            dialed: false,
            dest_channel: None,
            disposition: None,
        };
        let mut m = event("Newchannel", "call,all");
        ch.snapshot(&mut m, "");
        self.pending.push(m);
        w.channels.insert(id, ch);
        self.chans.push(id);
        id
    }

    pub(crate) fn set_state(&mut self, w: &mut World, id: u64, state: State) {
        if let Some(ch) = w.channels.get_mut(&id) {
            ch.state = state;
            if state == State::Up && ch.answered.is_none() {
                ch.answered = Some(Instant::now());
            }
            let mut m = event("Newstate", "call,all");
            ch.snapshot(&mut m, "");
            self.pending.push(m);
        }
    }

    pub(crate) fn newexten(
        &mut self,
        w: &mut World,
        id: u64,
        place: Option<(&str, &str, u32)>,
        app: &str,
        data: &str,
    ) {
        if let Some(ch) = w.channels.get_mut(&id) {
            if let Some((context, exten, priority)) = place {
                ch.context = context.to_owned();
                ch.exten = exten.to_owned();
                ch.priority = priority;
            }
            ch.application = app.to_owned();
            ch.app_data = data.to_owned();
            let mut m = event("Newexten", "dialplan,all");
            ch.snapshot(&mut m, "");
            m.append("Extension", ch.exten.as_str());
            m.append("Application", app);
            m.append("AppData", data);
            self.pending.push(m);
        }
    }

    pub(crate) fn varset(&mut self, w: &mut World, id: u64, var: &str, value: &str) {
        if let Some(ch) = w.channels.get_mut(&id) {
            ch.vars.insert(var.to_owned(), value.to_owned());
            self.pending.push(varset_event(ch, var, value));
        }
    }

    pub(crate) fn set_caller(&mut self, w: &mut World, id: u64, cid: &CallerId) {
        if let Some(ch) = w.channels.get_mut(&id) {
            ch.caller = cid.clone();
            let mut m = event("NewCallerid", "call,all");
            ch.snapshot(&mut m, "");
            m.append("CID-CallingPres", "0 (Presentation Allowed, Not Screened)");
            self.pending.push(m);
            ch.connected = cid.clone();
            let mut m = event("NewConnectedLine", "call,all");
            ch.snapshot(&mut m, "");
            self.pending.push(m);
        }
    }

    pub(crate) fn local_bridge(&mut self, w: &World, a: u64, b: u64) {
        let (one, two) = (self.get(w, a), self.get(w, b));
        let mut m = event("LocalBridge", "call,all");
        one.snapshot(&mut m, "LocalOne");
        two.snapshot(&mut m, "LocalTwo");
        m.append("Context", one.context.as_str());
        m.append("Exten", one.exten.as_str());
        m.append("LocalOptimization", "Yes");
        self.pending.push(m);
    }

    pub(crate) fn dial_begin(
        &mut self,
        w: &World,
        caller: Option<u64>,
        dest: u64,
        dialstring: &str,
    ) {
        let mut m = event("DialBegin", "call,all");
        if let Some(c) = caller {
            self.get(w, c).snapshot(&mut m, "");
        }
        self.get(w, dest).snapshot(&mut m, "Dest");
        m.append("DialString", dialstring);
        self.pending.push(m);
    }

    pub(crate) fn dial_end(&mut self, w: &mut World, caller: Option<u64>, dest: u64, status: &str) {
        if let Some(c) = caller {
            self.varset(w, c, "DIALSTATUS", status);
        }
        let mut m = event("DialEnd", "call,all");
        if let Some(c) = caller {
            self.get(w, c).snapshot(&mut m, "");
        }
        self.get(w, dest).snapshot(&mut m, "Dest");
        m.append("DialStatus", status);
        self.pending.push(m);
    }

    /// `caller` dials `PJSIP/<endpoint>`: the callee appears and rings.
    pub(crate) fn start_dial(&mut self, w: &mut World, caller: u64, endpoint: &str) -> u64 {
        let seq = w.next_seq();
        let (linked, cid) = {
            let c = self.get(w, caller);
            (c.linkedid.clone(), c.caller.clone())
        };
        let callee = self.new_channel(
            w,
            format!("PJSIP/{endpoint}-{seq:08x}"),
            State::Down,
            "PJSIP",
            "default",
            "",
            Some(&linked),
        );
        if let Some(ch) = w.channels.get_mut(&callee) {
            ch.caller = CallerId {
                name: String::new(),
                num: endpoint.to_owned(),
            };
            ch.connected = cid;
            ch.application = "AppDial".into();
            ch.app_data = "(Outgoing Line)".into();
            ch.dialed = true;
        }
        let callee_name = self.get(w, callee).name.clone();
        if let Some(ch) = w.channels.get_mut(&caller) {
            ch.dest_channel = Some(callee_name);
        }
        self.dial_begin(w, Some(caller), callee, endpoint);
        self.set_state(w, callee, State::Ringing);
        callee
    }

    pub(crate) fn bridge(&mut self, w: &mut World, first: u64, second: u64) {
        let id = w.bridge_id();
        let mut m = event("BridgeCreate", "call,all");
        bridge_snapshot(&mut m, &id, 0);
        self.pending.push(m);
        for (n, member) in [first, second].into_iter().enumerate() {
            if let Some(ch) = w.channels.get_mut(&member) {
                ch.bridge = Some(id.clone());
                let mut m = event("BridgeEnter", "call,all");
                bridge_snapshot(&mut m, &id, n + 1);
                ch.snapshot(&mut m, "");
                self.pending.push(m);
            }
        }
        for (me, peer) in [(first, second), (second, first)] {
            let peer_name = self.get(w, peer).name.clone();
            self.varset(w, me, "BRIDGEPEER", &peer_name);
        }
        self.bridges.push(Bridge {
            id,
            members: vec![first, second],
        });
    }

    /// `BridgeLeave` of `ch` from bridge `id`, `left` members remaining.
    pub(crate) fn leave_bridge(&mut self, w: &mut World, id: &str, ch: u64, left: usize) {
        if let Some(c) = w.channels.get_mut(&ch) {
            c.bridge = None;
            let mut m = event("BridgeLeave", "call,all");
            bridge_snapshot(&mut m, id, left);
            c.snapshot(&mut m, "");
            self.pending.push(m);
        }
    }

    /// `BridgeDestroy` of an emptied basic bridge.
    pub(crate) fn bridge_destroyed(&mut self, id: &str) {
        let mut m = event("BridgeDestroy", "call,all");
        bridge_snapshot(&mut m, id, 0);
        self.pending.push(m);
    }

    /// `BridgeEnter` of channel `id` into a shared bridge (created, with
    /// `BridgeCreate`, when it is `None`).
    pub(crate) fn enter_shared(
        &mut self,
        w: &mut World,
        bridge: &mut Option<SharedBridge>,
        kind: BridgeKind,
        name: &str,
        id: u64,
    ) -> String {
        let b = match bridge {
            Some(b) => b,
            None => {
                let created = SharedBridge {
                    id: w.bridge_id(),
                    kind,
                    name: name.to_owned(),
                    members: Vec::new(),
                };
                let mut m = event("BridgeCreate", "call,all");
                kind.snapshot_named(&mut m, &created.id, name, 0);
                self.pending.push(m);
                bridge.insert(created)
            }
        };
        b.members.push(id);
        if let Some(ch) = w.channels.get_mut(&id) {
            ch.bridge = Some(b.id.clone());
            let mut m = event("BridgeEnter", "call,all");
            b.kind
                .snapshot_named(&mut m, &b.id, &b.name, b.members.len());
            ch.snapshot(&mut m, "");
            self.pending.push(m);
        }
        b.id.clone()
    }

    /// `BridgeLeave` of channel `id` from a shared bridge, and
    /// `BridgeDestroy` (the bridge taken) when it was the last.
    pub(crate) fn leave_shared(
        &mut self,
        w: &mut World,
        bridge: &mut Option<SharedBridge>,
        id: u64,
    ) {
        let Some(b) = bridge else {
            return;
        };
        b.members.retain(|m| *m != id);
        if let Some(ch) = w.channels.get_mut(&id) {
            ch.bridge = None;
            let mut m = event("BridgeLeave", "call,all");
            b.kind
                .snapshot_named(&mut m, &b.id, &b.name, b.members.len());
            ch.snapshot(&mut m, "");
            self.pending.push(m);
        }
        if b.members.is_empty() {
            let mut m = event("BridgeDestroy", "call,all");
            b.kind.snapshot_named(&mut m, &b.id, &b.name, 0);
            self.pending.push(m);
            *bridge = None;
        }
    }

    /// Hangs up the whole call, `first` with `cause`: every bridge is left
    /// and destroyed before any of its members hangs up.
    pub(crate) fn teardown(&mut self, w: &mut World, first: u64, cause: u32) {
        if let Some(ch) = w.channels.get(&first) {
            let mut m = event("HangupRequest", "call,all");
            ch.snapshot(&mut m, "");
            m.append("Cause", cause);
            self.pending.push(m);
        }
        let mut bridges = std::mem::take(&mut self.bridges);
        bridges.sort_by_key(|b| !b.members.contains(&first));
        for mut bridge in bridges {
            bridge.members.sort_by_key(|m| *m != first);
            let mut left = bridge.members.len();
            for member in &bridge.members {
                if let Some(ch) = w.channels.get_mut(member) {
                    ch.bridge = None;
                    left -= 1;
                    let mut m = event("BridgeLeave", "call,all");
                    bridge_snapshot(&mut m, &bridge.id, left);
                    ch.snapshot(&mut m, "");
                    self.pending.push(m);
                }
            }
            let mut m = event("BridgeDestroy", "call,all");
            bridge_snapshot(&mut m, &bridge.id, 0);
            self.pending.push(m);
        }
        self.hangup(w, first, cause);
        for id in self.chans.clone() {
            self.hangup(w, id, 16);
        }
    }

    /// `Hangup` for one channel, which leaves the world.
    pub(crate) fn hangup(&mut self, w: &mut World, id: u64, cause: u32) {
        if let Some(ch) = w.channels.remove(&id) {
            let mut m = event("Hangup", "call,all");
            ch.snapshot(&mut m, "");
            m.append("Cause", cause);
            m.append("Cause-txt", cause_text(cause));
            self.pending.push(m);
            if !ch.dialed {
                let cdr = cdr_event(w, &ch, &self.hub.config);
                self.cdrs.push(cdr);
            }
        }
        self.chans.retain(|c| *c != id);
    }

    /// Marks every channel of the call with the CDR disposition of a failed
    /// call.
    pub(crate) fn set_disposition(&mut self, w: &mut World, disposition: &'static str) {
        for id in &self.chans {
            if let Some(ch) = w.channels.get_mut(id) {
                ch.disposition = Some(disposition);
            }
        }
    }

    /// `OriginateResponse` for an async originate: `channel` is the answered
    /// channel, `None` on failure.
    pub(crate) fn originate_response(
        &mut self,
        w: &World,
        req: &OriginateRequest,
        channel: Option<u64>,
        reason: u32,
    ) {
        if !req.is_async {
            return;
        }
        let ch = channel.and_then(|id| w.channels.get(&id));
        let mut m = event("OriginateResponse", "call,all");
        if let Some(id) = &req.action_id {
            m.append(keys::ACTION_ID, id.clone());
        }
        m.append(
            keys::RESPONSE,
            if ch.is_some() { "Success" } else { "Failure" },
        );
        m.append(
            "Channel",
            ch.map_or(req.channel.as_str(), |c| c.name.as_str()),
        );
        match &req.target {
            Target::App { app, data } => {
                m.append("Application", app.as_str());
                m.append("Data", data.as_str());
            }
            Target::Exten { context, exten, .. } => {
                m.append("Context", context.as_str());
                m.append("Exten", exten.as_str());
            }
        }
        m.append("Reason", reason);
        m.append("Uniqueid", ch.map_or("<null>", |c| c.uniqueid.as_str()));
        let cid = req.caller.clone().unwrap_or_default();
        m.append("CallerIDNum", cid.num_or_unknown());
        m.append("CallerIDName", cid.name_or_unknown());
        self.pending.push(m);
    }
}
