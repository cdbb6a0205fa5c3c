//! The `Park` application: the channel waits in the parking lot's holding
//! bridge (space 701 and up, lot `default`) until its timeout runs out
//! (`ParkedCallTimeOut`, then it is hung up) or it hangs up
//! (`ParkedCallGiveUp`).

use std::time::{Duration, Instant};

use super::originate::{Call, Waited};
use super::world::{event, BridgeKind, Parked, World};

/// The lot's name.
const LOT: &str = "default";
/// The first space.
const FIRST_SPACE: u32 = 701;

impl Call {
    /// Parks channel `ch` for `timeout` simulated seconds, then ends the
    /// call.
    pub(crate) async fn park(&mut self, ch: u64, timeout: u64) {
        let hub = std::sync::Arc::clone(&self.hub);
        {
            let mut w = hub.world();
            let space = (FIRST_SPACE..)
                .find(|s| !w.parked.values().any(|p| p.space == *s))
                .unwrap_or(FIRST_SPACE);
            let mut lot = w.parking.take();
            self.enter_shared(
                &mut w,
                &mut lot,
                BridgeKind::PARKING,
                "DEFAULT_PARKING_LOT",
                ch,
            );
            w.parking = lot;
            let parked = Parked {
                space,
                timeout,
                at: Instant::now(),
            };
            let m = parked_event(&w, "ParkedCall", ch, &parked, &hub.config);
            self.pending.push(m);
            w.parked.insert(ch, parked);
            self.flush(&w);
        }
        let (how, cause) = match self.pause(Duration::from_secs(timeout)).await {
            Waited::Elapsed => ("ParkedCallTimeOut", 16),
            Waited::HungUp(_, cause) => ("ParkedCallGiveUp", cause),
        };
        let mut w = hub.world();
        if let Some(parked) = w.parked.remove(&ch) {
            let m = parked_event(&w, how, ch, &parked, &hub.config);
            self.pending.push(m);
        }
        let mut lot = w.parking.take();
        self.leave_shared(&mut w, &mut lot, ch);
        w.parking = lot;
        self.teardown(&mut w, ch, cause);
        self.finish(&mut w, true);
    }
}

/// A `ParkedCall`-shaped event (or list item, `privilege` empty) for a
/// parked channel.
pub(crate) fn parked_event(
    w: &World,
    name: &str,
    ch: u64,
    parked: &Parked,
    config: &crate::ServerConfig,
) -> ami_core::message::Message {
    let mut m = event(name, if name.is_empty() { "" } else { "call,all" });
    fill_parked(w, &mut m, ch, parked, config);
    m
}

/// The parked call's fields, appended.
pub(crate) fn fill_parked(
    w: &World,
    m: &mut ami_core::message::Message,
    ch: u64,
    parked: &Parked,
    config: &crate::ServerConfig,
) {
    if let Some(c) = w.channels.get(&ch) {
        c.snapshot(m, "Parkee");
    }
    m.append("ParkerDialString", "");
    m.append("Parkinglot", LOT);
    m.append("ParkingSpace", parked.space);
    m.append("ParkingTimeout", parked.timeout);
    let real = parked.at.elapsed().as_secs_f64();
    let simulated = if config.time_scale > 0.0 && config.time_scale.is_finite() {
        real / config.time_scale
    } else {
        0.0
    };
    m.append("ParkingDuration", simulated as u64);
}
