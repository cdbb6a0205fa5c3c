//! Bridges: created, entered, left and destroyed.

use std::sync::Arc;

use super::Model;
use crate::change::{Change, ChannelField};
use crate::state::{Bridge, Str};

impl Model {
    /// The bridge an event names, added when new; its id.
    pub(crate) fn ensure_bridge(&mut self, bridge: Bridge) -> Str {
        let id = bridge.id.clone();
        if id.is_empty() || self.state.bridges.contains_key(&id) {
            return id;
        }
        self.state.bridges.insert(id.clone(), Arc::new(bridge));
        self.emit(Change::BridgeCreated { bridge: id.clone() });
        id
    }

    pub(crate) fn enter_bridge(&mut self, bridge: &Str, uid: &Str) {
        if bridge.is_empty() || !self.state.channels.contains_key(uid) {
            return;
        }
        if let Some(old) = self.state.channels.get(uid).and_then(|c| c.bridge.clone()) {
            if old != *bridge {
                self.leave_bridge(&old, uid);
            }
        }
        let Some(b) = self.state.bridges.get_mut(bridge) else {
            return;
        };
        Arc::make_mut(b).channels.insert(uid.clone());
        let b = b.clone();
        let id = bridge.clone();
        self.update(uid, ChannelField::Bridge, |c| c.bridge = Some(id));
        if !b.is_holding() && b.channels.len() >= 2 {
            let now = self.now;
            for member in b.channels.iter() {
                if let Some(call) = self.call_id_of(member) {
                    if let Some(c) = self.state.calls.get_mut(&call) {
                        if c.connected_at.is_none() {
                            Arc::make_mut(c).connected_at = Some(now);
                        }
                    }
                }
            }
        }
    }

    pub(crate) fn leave_bridge(&mut self, bridge: &Str, uid: &Str) {
        if let Some(b) = self.state.bridges.get_mut(bridge) {
            Arc::make_mut(b).channels.remove(uid);
        }
        let bridge = bridge.clone();
        self.update(uid, ChannelField::Bridge, |c| {
            if c.bridge.as_ref() == Some(&bridge) {
                c.bridge = None;
            }
        });
    }

    pub(crate) fn destroy_bridge(&mut self, bridge: &Str) {
        let Some(b) = self.state.bridges.remove(bridge) else {
            return;
        };
        for uid in b.channels.iter() {
            let bridge = bridge.clone();
            self.update(uid, ChannelField::Bridge, |c| {
                if c.bridge.as_ref() == Some(&bridge) {
                    c.bridge = None;
                }
            });
        }
        self.emit(Change::BridgeDestroyed {
            bridge: bridge.clone(),
        });
    }
}
