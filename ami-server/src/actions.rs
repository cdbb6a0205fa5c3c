//! The actions a logged-in session can send, answered as Asterisk 22
//! answers them (keys, their order, messages).

mod channels;
mod cli;
mod conference;
mod parking;
mod queues;

use std::time::{SystemTime, UNIX_EPOCH};

use super::calls::event;
use super::session::{error, response, success, EventMask, Flow, Reply, Session};
use ami_core::message::{keys, Message, Text};

/// Whether a header value is "true" the way Asterisk's `ast_true` reads it.
fn is_true(v: Option<&Text>) -> bool {
    v.is_some_and(|v| ami_wire::value::is_true(v.as_bytes()))
}

/// A header as trimmed text (lossy), `None` when absent or empty.
fn text(req: &Message, key: &str) -> Option<String> {
    req.get(key)
        .map(|v| v.to_string_lossy().trim().to_owned())
        .filter(|s| !s.is_empty())
}

/// `Event: <name>` followed by the request's `ActionID`, for list items
/// and completions that carry it second.
fn list_event(name: &str, req: &Message) -> Message {
    let mut m = event(name, "");
    if let Some(id) = req.action_id() {
        m.append(keys::ACTION_ID, id);
    }
    m
}

/// Appends the request's `ActionID` last, where Asterisk puts it.
fn action_id_last(m: &mut Message, req: &Message) {
    if let Some(id) = req.action_id() {
        m.append(keys::ACTION_ID, id);
    }
}

/// `Response: Success`, `EventList: start`, `Message: <what> will follow`.
fn list_start(req: &Message, message: &str) -> Message {
    let mut m = response(req, "Success");
    m.append(keys::EVENT_LIST, "start");
    m.append(keys::MESSAGE, message.to_owned());
    m
}

/// The completion event: `EventList: Complete`, `ListItems: n`.
fn list_complete(name: &str, req: &Message, items: usize) -> Message {
    let mut m = list_event(name, req);
    m.append(keys::EVENT_LIST, "Complete");
    m.append(keys::LIST_ITEMS, items);
    m
}

fn or_unknown(s: &str) -> &str {
    if s.is_empty() {
        "<unknown>"
    } else {
        s
    }
}

impl Session {
    /// Answers an action of a logged-in session.
    pub(super) async fn dispatch(&mut self, name: &str, action: &str, req: &Message) -> Flow {
        let reply = match name {
            "ping" => self.ping(req),
            "events" => self.events(req),
            "filter" => self.filter(req),
            "command" => self.command(req),
            "coreshowchannels" => return self.core_show_channels(req),
            "bridgelist" => return self.bridge_list(req),
            "blindtransfer" => self.transfer(req, true),
            "playdtmf" => self.play_dtmf(req),
            "queueadd" => self.queue_add(req),
            "queueremove" => self.queue_remove(req),
            "queuepause" => self.queue_pause(req),
            "atxfer" => self.transfer(req, false),
            "parkedcalls" => return self.parked_calls(req),
            "confbridgelistrooms" => return self.conference_rooms(req),
            "confbridgelist" => return self.conference_list(req),
            "confbridgekick" => self.conference_kick(req),
            "confbridgemute" => self.conference_mute(req, true),
            "confbridgeunmute" => self.conference_mute(req, false),
            "status" => return self.status(req),
            "getvar" => self.getvar(req),
            "setvar" => return self.setvar(req),
            "hangup" => self.hangup(req),
            "originate" => return self.originate(req).await,
            "queuestatus" => return self.queue_status(req),
            "queuesummary" => return self.queue_summary(req),
            "coresettings" => self.core_settings(req),
            "getconfig" => self.config_read(req, |f, req, m| f.get_config(req, m)),
            "getconfigjson" => self.config_read(req, |f, req, m| f.get_config_json(req, m)),
            "listcategories" => self.config_read(req, |f, req, m| f.list_categories(req, m)),
            "updateconfig" => match self.hub.files().update(req) {
                Ok(()) => Reply::one(success(req, "Success")),
                Err(why) => Reply::one(error(req, why)),
            },
            "userevent" => return self.user_event(req),
            _ => Reply::one(error(
                req,
                &format!("Invalid/unknown command: {action}. Use Action: ListCommands to show available commands."),
            )),
        };
        self.send(reply);
        Flow::Continue
    }

    fn ping(&self, req: &Message) -> Reply {
        let now = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .unwrap_or_default();
        let mut m = response(req, "Success");
        m.append("Ping", "Pong");
        m.append(
            "Timestamp",
            format!("{}.{:06}", now.as_secs(), now.subsec_micros()),
        );
        Reply::one(m)
    }

    fn events(&self, req: &Message) -> Reply {
        let mask = EventMask::parse(&text(req, "EventMask").unwrap_or_default());
        let on = mask.is_on();
        self.shared.set_mask(mask);
        let mut m = response(req, "Success");
        m.append("Events", if on { "On" } else { "Off" });
        Reply::one(m)
    }

    fn filter(&self, req: &Message) -> Reply {
        let operation = text(req, "Operation").unwrap_or_default();
        if !operation.eq_ignore_ascii_case("add") {
            return Reply::one(error(req, "Unknown operation"));
        }
        let filter = req
            .get("Filter")
            .map(|f| f.to_string_lossy().into_owned())
            .unwrap_or_default();
        let criteria = req
            .get("MatchCriteria")
            .map(|c| c.to_string_lossy().into_owned());
        match self.shared.add_filter(criteria.as_deref(), &filter) {
            Ok(()) => Reply::one(success(req, "Success")),
            Err(message) => Reply::one(error(req, message)),
        }
    }

    /// `GetConfig`, `GetConfigJSON` or `ListCategories`: `read` fills the
    /// success response, or says why there is none.
    fn config_read(
        &self,
        req: &Message,
        read: impl FnOnce(
            &super::config_files::Files,
            &Message,
            Message,
        ) -> Result<Message, &'static str>,
    ) -> Reply {
        match read(&self.hub.files(), req, response(req, "Success")) {
            Ok(m) => Reply::one(m),
            Err(why) => Reply::one(error(req, why)),
        }
    }

    fn core_settings(&self, req: &Message) -> Reply {
        let config = &self.hub.config;
        let mut m = response(req, "Success");
        m.append("AMIversion", config.version.as_str());
        m.append("AsteriskVersion", config.asterisk_version.as_str());
        m.append("SystemName", "");
        m.append("CoreMaxCalls", 0);
        m.append("CoreMaxLoadAvg", "0.000000");
        m.append("CoreRunUser", "");
        m.append("CoreRunGroup", "");
        m.append("CoreMaxFilehandles", 0);
        m.append("CoreRealTimeEnabled", "No");
        m.append("CoreCDRenabled", "Yes");
        m.append("CoreHTTPenabled", "No");
        m.append("SoundsSearchCustomDir", "No");
        Reply::one(m)
    }

    fn user_event(&mut self, req: &Message) -> Flow {
        let Some(name) = text(req, "UserEvent") else {
            self.send(Reply::one(error(req, "UserEvent not specified")));
            return Flow::Continue;
        };
        let mut ev = event("UserEvent", "user,all");
        ev.append("UserEvent", name);
        for f in req.fields() {
            if !(f.is(keys::ACTION)
                || f.is(keys::ACTION_ID)
                || f.is("UserEvent")
                || f.is_bare_line())
            {
                ev.append(f.key_bytes(), f.value());
            }
        }
        self.send(Reply::one(success(req, "Event Sent")));
        self.hub.broadcast(std::slice::from_ref(&ev));
        Flow::Continue
    }
}
