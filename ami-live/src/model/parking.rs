//! Parked calls: parked and unparked.

use std::sync::Arc;

use super::Model;
use crate::change::{Change, Unparked};
use crate::state::{ParkedCall, Str};

impl Model {
    pub(crate) fn park(&mut self, parked: ParkedCall) {
        if parked.uniqueid.is_empty() || !self.state.channels.contains_key(&parked.uniqueid) {
            return;
        }
        if self
            .state
            .parked
            .get(&parked.uniqueid)
            .is_some_and(|p| p.lot == parked.lot && p.space == parked.space)
        {
            return;
        }
        self.emit(Change::Parked {
            uniqueid: parked.uniqueid.clone(),
            lot: parked.lot.clone(),
            space: parked.space.clone(),
        });
        self.state
            .parked
            .insert(parked.uniqueid.clone(), Arc::new(parked));
    }

    pub(crate) fn unpark(&mut self, uid: &Str, how: Unparked) {
        if self.state.parked.remove(uid).is_some() {
            self.emit(Change::Unparked {
                uniqueid: uid.clone(),
                how,
            });
        }
    }
}
