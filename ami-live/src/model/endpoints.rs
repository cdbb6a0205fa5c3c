//! Endpoints: device states, contacts and peer status.

use std::sync::Arc;

use super::Model;
use crate::change::Change;
use crate::state::{Endpoint, Str};

impl Model {
    /// Changes the endpoint of a device (`PJSIP/100`; created when new,
    /// for a device of an endpoint technology: not `Local`, nor a
    /// custom or queue device).
    pub(super) fn endpoint(&mut self, device: &str, f: impl FnOnce(&mut Endpoint)) {
        let Some((tech, name)) = device.split_once('/') else {
            return;
        };
        if name.is_empty()
            || !["PJSIP", "SIP", "IAX2", "DAHDI"]
                .iter()
                .any(|t| t.eq_ignore_ascii_case(tech))
        {
            return;
        }
        let key = Str::from(device);
        let old = self.state.endpoints.get(&key).cloned();
        let mut e = old.as_deref().cloned().unwrap_or_else(|| Endpoint {
            device: key.clone(),
            ..Endpoint::default()
        });
        f(&mut e);
        if old.as_deref() != Some(&e) {
            self.state.endpoints.insert(key.clone(), Arc::new(e));
            self.emit(Change::EndpointChanged { device: key });
        }
    }
}
