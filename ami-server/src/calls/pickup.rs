//! Call pickup, as Asterisk 22 reports it: the `Pickup` application of
//! one call answers a channel ringing in another (`Pickup`); the ringing
//! channel hangs up with cause 26 (answered elsewhere), and the picking
//! channel takes its place in the other call (the caller's `DialEnd`, a
//! bridge with the caller), keeping its own name and `Uniqueid`.

use tokio::sync::oneshot;

use super::originate::Call;
use super::world::{event, Request, State};

impl Call {
    /// `picker` (this call's answered channel) picks up a channel ringing
    /// for `PJSIP/<endpoint>` in another call; this call then ends without
    /// it. Nobody ringing there: the picker hangs up.
    pub(crate) async fn pickup(&mut self, picker: u64, endpoint: &str) {
        let hub = std::sync::Arc::clone(&self.hub);
        let request = {
            let w = hub.world();
            let prefix = format!("PJSIP/{endpoint}-");
            w.channels
                .iter()
                .find(|(_, c)| {
                    c.dialed
                        && c.state == State::Ringing
                        && c.call != self.id
                        && c.name.starts_with(&prefix)
                })
                .and_then(|(id, c)| Some((*id, w.calls.get(&c.call)?.clone())))
        };
        let adopted = match request {
            Some((target, tx)) => {
                let (done, answer) = oneshot::channel();
                let _ = tx.send(Request::Pickup {
                    target,
                    picker,
                    done,
                });
                answer.await.unwrap_or(false)
            }
            None => false,
        };
        let mut w = hub.world();
        if adopted {
            // The other call has the picker now.
            self.chans.retain(|c| *c != picker);
        } else {
            self.teardown(&mut w, picker, 16);
        }
        self.finish(&mut w, adopted);
    }

    /// The ringing `callee` is answered elsewhere by `picker`, which joins
    /// this call.
    pub(crate) fn picked_up(&mut self, callee: u64, picker: u64) {
        let hub = std::sync::Arc::clone(&self.hub);
        let mut w = hub.world();
        let caller = w
            .channels
            .iter()
            .find(|(_, c)| {
                c.call == self.id && c.dest_channel.as_deref() == Some(&w.channels[&callee].name)
            })
            .map(|(id, _)| *id);
        let mut m = event("Pickup", "call,all");
        self.get(&w, picker).snapshot(&mut m, "");
        self.get(&w, callee).snapshot(&mut m, "Target");
        self.pending.push(m);
        let mut m = event("HangupRequest", "call,all");
        self.get(&w, callee).snapshot(&mut m, "");
        m.append("Cause", 26);
        self.pending.push(m);
        if let Some(caller) = caller {
            self.dial_end(&mut w, Some(caller), callee, "ANSWER");
        }
        self.hangup(&mut w, callee, 26);
        // Bridged with the caller, the picker takes on the call's
        // linkedid (the oldest), as Asterisk's bridges propagate it.
        let linkedid = caller.map(|c| self.get(&w, c).linkedid.clone());
        if let Some(ch) = w.channels.get_mut(&picker) {
            ch.call = self.id;
            if let Some(linkedid) = linkedid {
                ch.linkedid = linkedid;
            }
        }
        self.chans.push(picker);
        self.flush(&w);
    }
}
