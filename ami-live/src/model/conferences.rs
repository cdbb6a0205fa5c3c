//! ConfBridge conferences and their participants.

use std::sync::Arc;

use super::Model;
use crate::change::Change;
use crate::state::{Conference, Participant, Str};

impl Model {
    pub(crate) fn conference_start(&mut self, name: Str, bridge: Option<Str>) {
        if name.is_empty() {
            return;
        }
        if let Some(c) = self.state.conferences.get_mut(&name) {
            if c.bridge.is_none() && bridge.is_some() {
                Arc::make_mut(c).bridge = bridge;
            }
            return;
        }
        self.state.conferences.insert(
            name.clone(),
            Arc::new(Conference {
                name: name.clone(),
                bridge,
                ..Conference::default()
            }),
        );
        self.emit(Change::ConferenceStarted { conference: name });
    }

    pub(super) fn conference_end(&mut self, name: &Str) {
        if self.state.conferences.remove(name).is_some() {
            self.emit(Change::ConferenceEnded {
                conference: name.clone(),
            });
        }
    }

    pub(crate) fn participant_join(&mut self, conference: &Str, p: Participant) {
        if p.uniqueid.is_empty() || !self.state.channels.contains_key(&p.uniqueid) {
            return;
        }
        let Some(c) = self.state.conferences.get_mut(conference) else {
            return;
        };
        if c.participants.contains_key(&p.uniqueid) {
            return;
        }
        let uid = p.uniqueid.clone();
        Arc::make_mut(c).participants.insert(uid.clone(), p);
        self.emit(Change::ParticipantJoined {
            conference: conference.clone(),
            uniqueid: uid,
        });
    }

    pub(super) fn participant_leave(&mut self, conference: &Str, uid: &Str) {
        let Some(c) = self.state.conferences.get_mut(conference) else {
            return;
        };
        if Arc::make_mut(c).participants.remove(uid).is_some() {
            self.emit(Change::ParticipantLeft {
                conference: conference.clone(),
                uniqueid: uid.clone(),
            });
        }
    }

    pub(super) fn participant_update(
        &mut self,
        conference: &Str,
        uid: &Str,
        f: impl FnOnce(&mut Participant),
    ) {
        let Some(c) = self.state.conferences.get_mut(conference) else {
            return;
        };
        let Some(p) = c.participants.get(uid) else {
            return;
        };
        let mut new = p.clone();
        f(&mut new);
        if new != *p {
            Arc::make_mut(c).participants.insert(uid.clone(), new);
            self.emit(Change::ParticipantChanged {
                conference: conference.clone(),
                uniqueid: uid.clone(),
            });
        }
    }
}
