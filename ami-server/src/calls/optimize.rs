//! A dialplan that dials through a Local channel, which then optimises
//! itself away, as Asterisk 22 does: the originated channel dials
//! `Local/<n>@<context>`, whose `;2` half dials `PJSIP/<n>`; once both
//! halves are bridged, the far channel moves into the near bridge in the
//! Local channel's place (`LocalOptimizationBegin`, `BridgeLeave` ×2,
//! `BridgeEnter` with `SwapUniqueid`, `LocalOptimizationEnd`), the emptied
//! bridge is destroyed and both halves hang up, while the call goes on.

use super::originate::{Call, Outcome};
use super::world::{bridge_snapshot, event, State};

impl Call {
    /// `originated` (up, in the dialplan at `context`) dials
    /// `Local/<target>@<context>`. Returns the channel the originated one
    /// talks to once the Local pair is gone, or `None` when the call ended.
    pub(crate) async fn dial_through_local(
        &mut self,
        originated: u64,
        context: &str,
        target: &str,
    ) -> Option<u64> {
        let hub = std::sync::Arc::clone(&self.hub);
        // The originated channel dials the Local channel; its ;2 half dials
        // the endpoint.
        let (one, two, far) = {
            let mut w = hub.world();
            let seq = w.next_seq();
            let linked = self.get(&w, originated).linkedid.clone();
            let base = format!("Local/{target}@{context}-{seq:08x}");
            self.newexten(
                &mut w,
                originated,
                None,
                "Dial",
                &format!("Local/{target}@{context}"),
            );
            let one = self.new_channel(
                &mut w,
                format!("{base};1"),
                State::Down,
                "Local",
                context,
                target,
                Some(&linked),
            );
            let two = self.new_channel(
                &mut w,
                format!("{base};2"),
                State::Ring,
                "Local",
                context,
                target,
                Some(&linked),
            );
            if let Some(ch) = w.channels.get_mut(&one) {
                ch.dialed = true;
            }
            self.local_bridge(&w, one, two);
            self.dial_begin(&w, Some(originated), one, &format!("{target}@{context}"));
            self.newexten(
                &mut w,
                two,
                Some((context, target, 1)),
                "Dial",
                &format!("PJSIP/{target},20"),
            );
            let far = self.start_dial(&mut w, two, target);
            self.flush(&w);
            (one, two, far)
        };
        self.pause_or_end(hub.config.ring_time).await?;
        let answer = Outcome::of(target);
        let mut w = hub.world();
        if answer != Outcome::Answer {
            self.set_disposition(&mut w, answer.disposition());
            self.dial_end(&mut w, Some(two), far, answer.dial_status());
            self.hangup(&mut w, far, answer.cause());
            self.dial_end(&mut w, Some(originated), one, answer.dial_status());
            self.hangup(&mut w, two, answer.cause());
            self.hangup(&mut w, one, answer.cause());
            self.teardown(&mut w, originated, 16);
            self.finish(&mut w, true);
            return None;
        }
        // Answered: two bridges, joined by the Local pair.
        self.set_state(&mut w, far, State::Up);
        self.dial_end(&mut w, Some(two), far, "ANSWER");
        self.set_state(&mut w, two, State::Up);
        self.bridge(&mut w, far, two);
        self.set_state(&mut w, one, State::Up);
        self.dial_end(&mut w, Some(originated), one, "ANSWER");
        self.bridge(&mut w, one, originated);
        self.flush(&w);

        // The optimisation: `far` takes `one`'s place in the near bridge.
        let (near, outer) = {
            let find = |c: u64| {
                self.bridges
                    .iter()
                    .position(|b| b.members.contains(&c))
                    .expect("bridged above")
            };
            (find(originated), find(far))
        };
        let id = w.next_seq();
        let mut m = event("LocalOptimizationBegin", "call,all");
        self.get(&w, one).snapshot(&mut m, "LocalOne");
        self.get(&w, two).snapshot(&mut m, "LocalTwo");
        self.get(&w, far).snapshot(&mut m, "Source");
        m.append("DestUniqueId", self.get(&w, originated).uniqueid.as_str());
        m.append("Id", id);
        self.pending.push(m);
        let (near_id, outer_id) = (
            self.bridges[near].id.clone(),
            self.bridges[outer].id.clone(),
        );
        self.leave_bridge(&mut w, &outer_id, far, 1);
        self.leave_bridge(&mut w, &near_id, one, 1);
        let one_uid = self.get(&w, one).uniqueid.clone();
        if let Some(c) = w.channels.get_mut(&far) {
            c.bridge = Some(near_id.clone());
            let mut m = event("BridgeEnter", "call,all");
            bridge_snapshot(&mut m, &near_id, 2);
            c.snapshot(&mut m, "");
            m.append("SwapUniqueid", one_uid.as_str());
            self.pending.push(m);
        }
        self.bridges[near].members = vec![originated, far];
        self.bridges[outer].members.retain(|m| *m != far);
        let mut m = event("LocalOptimizationEnd", "call,all");
        self.get(&w, one).snapshot(&mut m, "LocalOne");
        self.get(&w, two).snapshot(&mut m, "LocalTwo");
        m.append("Success", "Yes");
        m.append("Id", id);
        self.pending.push(m);
        // The emptied outer bridge goes with the ;2 half; both halves hang
        // up (;2 first here; either order happens).
        self.leave_bridge(&mut w, &outer_id, two, 0);
        self.bridge_destroyed(&outer_id);
        self.bridges.remove(outer);
        self.hangup(&mut w, two, 16);
        self.hangup(&mut w, one, 16);
        self.flush(&w);
        Some(far)
    }
}
