//! `ParkedCalls`: the parked-call list.

use super::{list_event, list_start};
use crate::calls::{self};
use crate::session::{Flow, Reply, Session};
use ami_core::message::{keys, Message};

impl Session {
    /// The parked calls, as `ParkedCall` items and `ParkedCallsComplete`.
    pub(super) fn parked_calls(&mut self, req: &Message) -> Flow {
        let hub = std::sync::Arc::clone(&self.hub);
        let w = hub.world();
        let items: Vec<Message> = w
            .parked
            .iter()
            .map(|(ch, parked)| {
                let mut m = list_event("ParkedCall", req);
                calls::fill_parked(&w, &mut m, *ch, parked, &hub.config);
                m
            })
            .collect();
        let mut complete = list_event("ParkedCallsComplete", req);
        complete.append(keys::EVENT_LIST, "Complete");
        complete.append(keys::LIST_ITEMS, items.len());
        complete.append("Total", items.len());
        self.send(Reply::list(
            list_start(req, "Parked calls will follow"),
            items,
            complete,
        ));
        drop(w);
        Flow::Continue
    }
}
