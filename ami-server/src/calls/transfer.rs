//! Transfers, as Asterisk 22 reports them.
//!
//! Blind (`BlindTransfer`): the `BlindTransfer` event, the transferer
//! leaves the bridge and hangs up, the transferee leaves the emptied
//! bridge (destroyed) and dials the new extension.
//!
//! Attended (`Atxfer`): the transferee is put on hold alone in its bridge
//! while the transferer dials the target in a bridge of their own; once
//! the target has answered and they have talked, the bridges merge
//! (`BridgeMerge`, then the target's leave and enter), `AttendedTransfer`,
//! the transferer hangs up and its bridge is destroyed.

use super::originate::{Call, Outcome};
use super::world::{bridge_snapshot, bridge_snapshot_prefixed, event, Request, State};

impl Call {
    /// Carries out a transfer request. Returns the channel to hang up first
    /// when the talking ends, or `None` when the call ended.
    pub(crate) async fn transfer(&mut self, request: Request) -> Option<u64> {
        let (transferer, context, exten, blind) = match request {
            Request::BlindTransfer {
                channel,
                context,
                exten,
            } => (channel, context, exten, true),
            Request::Atxfer {
                channel,
                context,
                exten,
            } => (channel, context, exten, false),
            Request::Hangup(..) | Request::Pickup { .. } => return self.chans.first().copied(),
        };
        let Some(index) = self
            .bridges
            .iter()
            .position(|b| b.members.contains(&transferer))
        else {
            return self.chans.first().copied();
        };
        let Some(transferee) = self.bridges[index]
            .members
            .iter()
            .copied()
            .find(|m| *m != transferer)
        else {
            return self.chans.first().copied();
        };
        if blind {
            self.blind(index, transferer, transferee, &context, &exten)
                .await
        } else {
            self.attended(index, transferer, transferee, &exten).await
        }
    }

    async fn blind(
        &mut self,
        index: usize,
        transferer: u64,
        transferee: u64,
        context: &str,
        exten: &str,
    ) -> Option<u64> {
        let hub = std::sync::Arc::clone(&self.hub);
        let callee = {
            let mut w = hub.world();
            let bridge = self.bridges.remove(index);
            let mut m = event("BlindTransfer", "call,all");
            m.append("Result", "Success");
            self.get(&w, transferer).snapshot(&mut m, "Transferer");
            self.get(&w, transferee).snapshot(&mut m, "Transferee");
            bridge_snapshot(&mut m, &bridge.id, 2);
            m.append("IsExternal", "No");
            m.append("Context", context);
            m.append("Extension", exten);
            self.pending.push(m);
            self.leave_bridge(&mut w, &bridge.id, transferer, 1);
            let mut m = event("HangupRequest", "call,all");
            self.get(&w, transferer).snapshot(&mut m, "");
            m.append("Cause", 16);
            self.pending.push(m);
            self.hangup(&mut w, transferer, 16);
            self.leave_bridge(&mut w, &bridge.id, transferee, 0);
            self.bridge_destroyed(&bridge.id);
            self.newexten(
                &mut w,
                transferee,
                Some((context, exten, 1)),
                "Dial",
                &format!("PJSIP/{exten},20"),
            );
            let callee = self.start_dial(&mut w, transferee, exten);
            self.flush(&w);
            callee
        };
        self.answer(transferee, callee, exten).await?;
        Some(callee)
    }

    async fn attended(
        &mut self,
        index: usize,
        transferer: u64,
        transferee: u64,
        exten: &str,
    ) -> Option<u64> {
        let hub = std::sync::Arc::clone(&self.hub);
        let near = self.bridges[index].id.clone();
        // The transferee waits on hold; the transferer dials the target.
        let target = {
            let mut w = hub.world();
            let mut m = event("Hold", "call,all");
            self.get(&w, transferee).snapshot(&mut m, "");
            m.append("MusicClass", "default");
            self.pending.push(m);
            self.leave_bridge(&mut w, &near, transferer, 1);
            self.bridges[index].members.retain(|m| *m != transferer);
            let target = self.start_dial(&mut w, transferer, exten);
            self.flush(&w);
            target
        };
        self.answer(transferer, target, exten).await?;
        // They talk a moment, then the transferer completes the transfer.
        self.pause_or_end(hub.config.ring_time).await?;
        let mut w = hub.world();
        let far_index = self
            .bridges
            .iter()
            .position(|b| b.members.contains(&target))?;
        let far = self.bridges.remove(far_index).id;
        let index = self.bridges.iter().position(|b| b.id == near)?;
        let mut m = event("BridgeMerge", "call,all");
        bridge_snapshot_prefixed(&mut m, "To", &near, 1);
        bridge_snapshot_prefixed(&mut m, "From", &far, 2);
        self.pending.push(m);
        self.leave_bridge(&mut w, &far, target, 1);
        if let Some(c) = w.channels.get_mut(&target) {
            c.bridge = Some(near.clone());
            let mut m = event("BridgeEnter", "call,all");
            bridge_snapshot(&mut m, &near, 2);
            c.snapshot(&mut m, "");
            self.pending.push(m);
        }
        self.bridges[index].members = vec![transferee, target];
        let mut m = event("Unhold", "call,all");
        self.get(&w, transferee).snapshot(&mut m, "");
        self.pending.push(m);
        let mut m = event("AttendedTransfer", "call,all");
        m.append("Result", "Success");
        self.get(&w, transferer).snapshot(&mut m, "OrigTransferer");
        bridge_snapshot_prefixed(&mut m, "OrigBridge", &near, 2);
        self.get(&w, transferer)
            .snapshot(&mut m, "SecondTransferer");
        bridge_snapshot_prefixed(&mut m, "SecondBridge", &far, 1);
        m.append("DestType", "Bridge");
        m.append("DestBridgeUniqueid", near.as_str());
        self.get(&w, transferee).snapshot(&mut m, "Transferee");
        self.get(&w, target).snapshot(&mut m, "TransferTarget");
        m.append("IsExternal", "No");
        self.pending.push(m);
        self.leave_bridge(&mut w, &far, transferer, 0);
        self.bridge_destroyed(&far);
        self.hangup(&mut w, transferer, 16);
        self.flush(&w);
        Some(target)
    }

    /// The dialled `callee` rings, answers and is bridged with `caller` (or
    /// does not answer: then the call ends and `None` is returned).
    async fn answer(&mut self, caller: u64, callee: u64, exten: &str) -> Option<()> {
        let hub = std::sync::Arc::clone(&self.hub);
        self.pause_or_end(hub.config.ring_time).await?;
        let mut w = hub.world();
        let outcome = Outcome::of(exten);
        if outcome != Outcome::Answer {
            self.dial_end(&mut w, Some(caller), callee, outcome.dial_status());
            self.hangup(&mut w, callee, outcome.cause());
            self.teardown(&mut w, caller, 16);
            self.finish(&mut w, true);
            return None;
        }
        self.set_state(&mut w, callee, State::Up);
        self.dial_end(&mut w, Some(caller), callee, "ANSWER");
        self.bridge(&mut w, callee, caller);
        self.flush(&w);
        Some(())
    }
}
