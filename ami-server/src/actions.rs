//! The actions a logged-in session can send, answered as Asterisk 22
//! answers them (keys, their order, messages).

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use tokio::sync::oneshot;

use super::calls::{
    self, event, hms, seconds_since, state_interface, CallerId, OriginateRequest, QueueLive, Target,
};
use super::session::{error, response, success, EventMask, Flow, Part, Reply, Session};
use super::{CommandFormat, DemoMember, DemoQueue};
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

    fn command(&self, req: &Message) -> Reply {
        let Some(cmd) = text(req, "Command") else {
            return Reply::one(error(req, "No command provided"));
        };
        let (ok, lines) = self.cli(&cmd);
        match self.hub.config.command_format {
            CommandFormat::Modern => {
                let mut m = response(req, if ok { "Success" } else { "Error" });
                m.append(keys::MESSAGE, "Command output follows");
                for line in lines {
                    m.append(keys::OUTPUT, line);
                }
                Reply::one(m)
            }
            CommandFormat::Legacy => {
                let mut h = Message::with_capacity(3);
                h.append(keys::RESPONSE, "Follows");
                h.append(keys::PRIVILEGE, "Command");
                if let Some(id) = req.action_id() {
                    h.append(keys::ACTION_ID, id);
                }
                Reply {
                    parts: vec![Part::Legacy(h, lines)],
                    list: false,
                }
            }
        }
    }

    /// Runs a CLI command: whether it exists, and its output lines.
    fn cli(&self, cmd: &str) -> (bool, Vec<String>) {
        let words: Vec<&str> = cmd.split_whitespace().collect();
        let config = &self.hub.config;
        match words.as_slice() {
            ["core", "show", "version"] => (
                true,
                vec![format!(
                    "Asterisk {} built by ami-core @ embedded on a x86_64 running Linux on 2025-01-01 00:00:00 UTC",
                    config.asterisk_version
                )],
            ),
            ["core", "show", "uptime"] | ["core", "show", "uptime", "seconds"] => {
                let up = self.hub.world().uptime_secs();
                (
                    true,
                    vec![
                        format!("System uptime: {}", uptime_words(up)),
                        format!("Last reload: {}", uptime_words(up)),
                    ],
                )
            }
            ["core", "show", "channels"] => (true, self.show_channels()),
            ["manager", "show", "user", name] if *name == config.username => (
                true,
                vec![
                    String::new(),
                    format!("          username: {name}"),
                    "            secret: <Set>".to_owned(),
                    "               ACL: no".to_owned(),
                    format!("         read perm: {}", config.read_permissions),
                    "        write perm: all".to_owned(),
                    "   displayconnects: yes".to_owned(),
                    "allowmultiplelogin: yes".to_owned(),
                    "         Variables: ".to_owned(),
                ],
            ),
            ["manager", "show", "user", name] => (
                true,
                vec![format!(" There is no manager called {name}")],
            ),
            ["queue", "show"] => (
                true,
                show_queues(&config.queues, &self.hub.world(), config, None),
            ),
            ["queue", "show", name] => (
                true,
                show_queues(&config.queues, &self.hub.world(), config, Some(name)),
            ),
            _ => (
                false,
                vec![format!(
                    "No such command '{cmd}' (type 'core show help {cmd}' for other possible commands)"
                )],
            ),
        }
    }

    fn show_channels(&self) -> Vec<String> {
        let w = self.hub.world();
        let row = |a: &str, b: &str, c: &str, d: &str| {
            format!("{a:<64.64} {b:<32.32} {c:<7.7} {d:<50.50}")
        };
        let mut lines = vec![row("Channel", "Location", "State", "Application(Data)")];
        let mut count = 0;
        for ch in w.channels() {
            count += 1;
            let location = if ch.exten.is_empty() {
                "(None)".to_owned()
            } else {
                format!("{}@{}:{}", ch.exten, ch.context, ch.priority)
            };
            let app = if ch.application.is_empty() {
                "(None)".to_owned()
            } else {
                format!("{}({})", ch.application, ch.app_data)
            };
            lines.push(row(&ch.name, &location, ch.state.desc(), &app));
        }
        let plural = |n: usize| if n == 1 { "" } else { "s" };
        let calls = w.active_calls();
        let processed = w.calls_processed() as usize;
        lines.push(String::new());
        lines.push(format!("{count} active channel{}", plural(count)));
        lines.push(format!("{calls} active call{}", plural(calls)));
        lines.push(format!("{processed} call{} processed", plural(processed)));
        lines
    }

    fn core_show_channels(&mut self, req: &Message) -> Flow {
        let hub = std::sync::Arc::clone(&self.hub);
        let w = hub.world();
        let items: Vec<Message> = w
            .channels()
            .map(|ch| {
                let mut m = list_event("CoreShowChannel", req);
                ch.snapshot(&mut m, "");
                m.append("Application", ch.application.as_str());
                m.append("ApplicationData", ch.app_data.as_str());
                m.append("Duration", hms(ch.seconds(&hub.config)));
                m.append("BridgeId", ch.bridge.as_deref().unwrap_or(""));
                m
            })
            .collect();
        let complete = list_complete("CoreShowChannelsComplete", req, items.len());
        // Sent under the world lock: consistent with the events already sent.
        self.send(Reply::list(
            list_start(req, "Channels will follow"),
            items,
            complete,
        ));
        drop(w);
        Flow::Continue
    }

    /// The bridges that have channels in them, as `BridgeListItem`s (a
    /// simulated bridge lives exactly as long as it has members).
    fn bridge_list(&mut self, req: &Message) -> Flow {
        let hub = std::sync::Arc::clone(&self.hub);
        let w = hub.world();
        let mut bridges: std::collections::BTreeMap<&str, usize> = Default::default();
        for ch in w.channels() {
            if let Some(b) = &ch.bridge {
                *bridges.entry(b.as_str()).or_default() += 1;
            }
        }
        let items: Vec<Message> = bridges
            .into_iter()
            .map(|(id, n)| {
                let mut m = list_event("BridgeListItem", req);
                calls::bridge_snapshot(&mut m, id, n);
                m
            })
            .collect();
        let complete = list_complete("BridgeListComplete", req, items.len());
        self.send(Reply::list(
            list_start(req, "Bridge listing will follow"),
            items,
            complete,
        ));
        drop(w);
        Flow::Continue
    }

    /// `BlindTransfer` / `Atxfer`: the channel must be bridged with
    /// somebody; its call's task carries the transfer out.
    fn transfer(&self, req: &Message, blind: bool) -> Reply {
        let Some(channel) = text(req, "Channel") else {
            return Reply::one(error(req, "No channel specified"));
        };
        let Some(exten) = text(req, "Exten") else {
            return Reply::one(error(req, "No extension specified"));
        };
        let context = text(req, "Context").unwrap_or_else(|| "default".to_owned());
        let w = self.hub.world();
        let Some(id) = w.find(&channel) else {
            return Reply::one(error(req, "No such channel"));
        };
        let ch = &w.channels[&id];
        let bridged = ch.bridge.as_ref().is_some_and(|b| {
            w.channels()
                .any(|o| o.uniqueid != ch.uniqueid && o.bridge.as_ref() == Some(b))
        });
        if !bridged {
            return Reply::one(error(req, "Transfer failed"));
        }
        let Some(tx) = w.calls.get(&ch.call) else {
            return Reply::one(error(req, "Transfer failed"));
        };
        let request = if blind {
            calls::Request::BlindTransfer {
                channel: id,
                context,
                exten,
            }
        } else {
            calls::Request::Atxfer {
                channel: id,
                context,
                exten,
            }
        };
        let _ = tx.send(request);
        Reply::one(success(
            req,
            if blind {
                "Transfer succeeded"
            } else {
                "Atxfer successfully queued"
            },
        ))
    }

    /// The parked calls, as `ParkedCall` items and `ParkedCallsComplete`.
    fn parked_calls(&mut self, req: &Message) -> Flow {
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

    /// The conferences, or "No active conferences." as Asterisk answers
    /// when there are none.
    fn conference_rooms(&mut self, req: &Message) -> Flow {
        let hub = std::sync::Arc::clone(&self.hub);
        let w = hub.world();
        if w.conferences.is_empty() {
            drop(w);
            self.send(Reply::one(error(req, "No active conferences.")));
            return Flow::Continue;
        }
        let items: Vec<Message> = w
            .conferences
            .iter()
            .map(|(room, b)| {
                let mut m = list_event("ConfbridgeListRooms", req);
                m.append("Conference", room.as_str());
                m.append("Parties", b.members.len());
                m.append("Marked", 0);
                m.append("Locked", "No");
                m.append("Muted", "No");
                m
            })
            .collect();
        let complete = list_complete("ConfbridgeListRoomsComplete", req, items.len());
        self.send(Reply::list(
            list_start(req, "Confbridge conferences will follow"),
            items,
            complete,
        ));
        drop(w);
        Flow::Continue
    }

    /// One conference's participants.
    fn conference_list(&mut self, req: &Message) -> Flow {
        let Some(room) = text(req, "Conference") else {
            self.send(Reply::one(error(req, "No Conference name provided.")));
            return Flow::Continue;
        };
        let hub = std::sync::Arc::clone(&self.hub);
        let w = hub.world();
        let Some(bridge) = w.conferences.get(&room) else {
            drop(w);
            self.send(Reply::one(error(req, "No Conference by that name found.")));
            return Flow::Continue;
        };
        let items: Vec<Message> = bridge
            .members
            .iter()
            .filter_map(|ch| {
                let c = w.channels.get(ch)?;
                let mut m = list_event("ConfbridgeList", req);
                m.append("Conference", room.as_str());
                m.append("Admin", "No");
                m.append("MarkedUser", "No");
                m.append("WaitMarked", "No");
                m.append("EndMarked", "No");
                m.append("Waiting", "No");
                let muted = w.participants.get(ch).is_some_and(|p| p.muted);
                m.append("Muted", if muted { "Yes" } else { "No" });
                m.append("Talking", "No");
                m.append("AnsweredTime", c.seconds(&hub.config));
                c.snapshot(&mut m, "");
                Some(m)
            })
            .collect();
        let complete = list_complete("ConfbridgeListComplete", req, items.len());
        self.send(Reply::list(
            list_start(req, "Confbridge user list will follow"),
            items,
            complete,
        ));
        drop(w);
        Flow::Continue
    }

    /// The participant `Channel` of `Conference`, by name or uniqueid.
    fn participant(&self, req: &Message) -> Result<(String, u64), &'static str> {
        let room = text(req, "Conference").ok_or("No Conference name provided.")?;
        let channel = text(req, "Channel").ok_or("No channel name provided.")?;
        let w = self.hub.world();
        let bridge = w
            .conferences
            .get(&room)
            .ok_or("No Conference by that name found.")?;
        let id = w
            .find(&channel)
            .ok_or("No Channel by that name found in Conference.")?;
        if !bridge.members.contains(&id) {
            return Err("No Channel by that name found in Conference.");
        }
        Ok((channel, id))
    }

    fn conference_kick(&self, req: &Message) -> Reply {
        match self.participant(req) {
            Ok((channel, _)) => {
                self.hub.world().request_hangup(&channel, 16);
                Reply::one(success(req, "User kicked"))
            }
            Err(e) => Reply::one(error(req, e)),
        }
    }

    fn conference_mute(&self, req: &Message, muted: bool) -> Reply {
        match self.participant(req) {
            Ok((_, id)) => {
                let mut w = self.hub.world();
                w.participants.entry(id).or_default().muted = muted;
                let room = text(req, "Conference").unwrap_or_default();
                let name = if muted {
                    "ConfbridgeMute"
                } else {
                    "ConfbridgeUnmute"
                };
                let m = {
                    let bridge = w.conferences.get(&room);
                    calls::conference_event(&w, name, &room, bridge, id)
                };
                self.hub.broadcast(&[m]);
                drop(w);
                Reply::one(success(
                    req,
                    if muted { "User muted" } else { "User unmuted" },
                ))
            }
            Err(e) => Reply::one(error(req, e)),
        }
    }

    fn status(&mut self, req: &Message) -> Flow {
        let hub = std::sync::Arc::clone(&self.hub);
        let w = hub.world();
        let wanted = text(req, "Channel");
        let variables: Vec<String> = text(req, "Variables")
            .map(|v| {
                v.split(',')
                    .map(|s| s.trim().to_owned())
                    .filter(|s| !s.is_empty())
                    .collect()
            })
            .unwrap_or_default();
        let all_variables = is_true(req.get("AllVariables"));
        let channels: Vec<_> = match &wanted {
            Some(name) => match w.channel(name) {
                Some(ch) => vec![ch],
                None => {
                    self.send(Reply::one(error(req, "No such channel")));
                    return Flow::Continue;
                }
            },
            None => w.channels().collect(),
        };
        let items: Vec<Message> = channels
            .into_iter()
            .map(|ch| {
                let mut m = event("Status", "Call");
                ch.snapshot(&mut m, "");
                let (native, format) = if ch.tech == "Local" {
                    ("(slin)", "slin")
                } else {
                    ("(ulaw)", "ulaw")
                };
                m.append("Type", ch.tech);
                m.append("DNID", "");
                m.append("EffectiveConnectedLineNum", or_unknown(&ch.connected.num));
                m.append("EffectiveConnectedLineName", or_unknown(&ch.connected.name));
                m.append("TimeToHangup", 0);
                m.append("BridgeID", ch.bridge.as_deref().unwrap_or(""));
                m.append("Application", ch.application.as_str());
                m.append("Data", ch.app_data.as_str());
                m.append("Nativeformats", native);
                m.append("Readformat", format);
                m.append("Readtrans", "");
                m.append("Writeformat", format);
                m.append("Writetrans", "");
                m.append("Callgroup", 0);
                m.append("Pickupgroup", 0);
                m.append("Seconds", ch.seconds(&hub.config));
                if all_variables {
                    for (k, v) in &ch.vars {
                        m.append("Variable", format!("{k}={v}"));
                    }
                } else {
                    for k in &variables {
                        let v = ch.vars.get(k).map(String::as_str).unwrap_or("");
                        m.append("Variable", format!("{k}={v}"));
                    }
                }
                action_id_last(&mut m, req);
                m
            })
            .collect();
        let mut complete = list_complete("StatusComplete", req, items.len());
        complete.append("Items", items.len());
        self.send(Reply::list(
            list_start(req, "Channel status will follow"),
            items,
            complete,
        ));
        drop(w);
        Flow::Continue
    }

    fn getvar(&self, req: &Message) -> Reply {
        let Some(var) = text(req, "Variable") else {
            return Reply::one(error(req, "No variable specified"));
        };
        let channel = text(req, "Channel");
        match self.hub.world().getvar(channel.as_deref(), &var) {
            Ok(value) => {
                let mut m = response(req, "Success");
                m.append("Variable", var);
                m.append("Value", value);
                Reply::one(m)
            }
            Err(()) => Reply::one(error(req, "No such channel")),
        }
    }

    fn setvar(&mut self, req: &Message) -> Flow {
        let Some(var) = text(req, "Variable") else {
            self.send(Reply::one(error(req, "No variable specified")));
            return Flow::Continue;
        };
        let value = req
            .get("Value")
            .map(|v| v.to_string_lossy().into_owned())
            .unwrap_or_default();
        let channel = text(req, "Channel");
        let hub = std::sync::Arc::clone(&self.hub);
        let mut w = hub.world();
        match w.setvar(channel.as_deref(), &var, &value) {
            Ok(varset) => {
                self.send(Reply::one(success(req, "Variable Set")));
                if let Some(ev) = varset {
                    hub.broadcast(std::slice::from_ref(&ev));
                }
            }
            Err(()) => self.send(Reply::one(error(req, "No such channel"))),
        }
        drop(w);
        Flow::Continue
    }

    /// `QueueAdd`: a dynamic member (`QueueMemberAdded`).
    fn queue_add(&self, req: &Message) -> Reply {
        let (Some(name), Some(interface)) = (text(req, "Queue"), text(req, "Interface")) else {
            return Reply::one(error(req, "'Queue' and 'Interface' not set."));
        };
        let Some(queue) = self.queues(Some(&name)).next() else {
            return Reply::one(error(req, "Unable to add interface: No such queue"));
        };
        let mut w = self.hub.world();
        if w.roster(queue).iter().any(|m| m.location == interface) {
            return Reply::one(error(req, "Unable to add interface: Already there"));
        }
        let member = DemoMember {
            name: text(req, "MemberName").unwrap_or_else(|| interface.clone()),
            location: interface.clone(),
            penalty: text(req, "Penalty")
                .and_then(|p| p.parse().ok())
                .unwrap_or(0),
            paused: is_true(req.get("Paused")),
        };
        w.roster_mut(queue).push(member.clone());
        w.queue_live_mut(&queue.name).dynamic.insert(interface);
        let m = calls::member_event("QueueMemberAdded", &w, queue, &member, &self.hub.config);
        self.hub.broadcast(&[m]);
        drop(w);
        Reply::one(success(req, "Added interface to queue"))
    }

    /// `QueueRemove` (`QueueMemberRemoved`).
    fn queue_remove(&self, req: &Message) -> Reply {
        let (Some(name), Some(interface)) = (text(req, "Queue"), text(req, "Interface")) else {
            return Reply::one(error(req, "Need 'Queue' and 'Interface' parameters."));
        };
        let Some(queue) = self.queues(Some(&name)).next() else {
            return Reply::one(error(req, "Unable to remove interface: No such queue"));
        };
        let mut w = self.hub.world();
        let roster = w.roster_mut(queue);
        let Some(index) = roster.iter().position(|m| m.location == interface) else {
            return Reply::one(error(req, "Unable to remove interface: Not there"));
        };
        let member = roster.remove(index);
        let m = calls::member_event("QueueMemberRemoved", &w, queue, &member, &self.hub.config);
        w.queue_live_mut(&queue.name).dynamic.remove(&interface);
        self.hub.broadcast(&[m]);
        drop(w);
        Reply::one(success(req, "Removed interface from queue"))
    }

    /// `QueuePause`: the member, in `Queue` or in every queue
    /// (`QueueMemberPause`).
    fn queue_pause(&self, req: &Message) -> Reply {
        let Some(interface) = text(req, "Interface") else {
            return Reply::one(error(req, "Need 'Interface' and 'Paused' parameters."));
        };
        let paused = is_true(req.get("Paused"));
        let only = text(req, "Queue");
        let mut w = self.hub.world();
        let mut events = Vec::new();
        for queue in self.queues(only.as_deref()) {
            let roster = w.roster_mut(queue);
            let Some(member) = roster.iter_mut().find(|m| m.location == interface) else {
                continue;
            };
            member.paused = paused;
            let member = member.clone();
            events.push(calls::member_event(
                "QueueMemberPause",
                &w,
                queue,
                &member,
                &self.hub.config,
            ));
        }
        if events.is_empty() {
            return Reply::one(error(req, "Interface not found"));
        }
        self.hub.broadcast(&events);
        drop(w);
        Reply::one(success(
            req,
            if paused {
                "Interface paused successfully"
            } else {
                "Interface unpaused successfully"
            },
        ))
    }

    /// `PlayDTMF`: `DTMFBegin` and `DTMFEnd` (direction `Sent`) on the
    /// channel.
    fn play_dtmf(&self, req: &Message) -> Reply {
        let Some(channel) = text(req, "Channel") else {
            return Reply::one(error(req, "Channel not specified"));
        };
        let Some(digit) = text(req, "Digit").and_then(|d| d.chars().next()) else {
            return Reply::one(error(req, "No digit specified"));
        };
        let w = self.hub.world();
        let Some(ch) = w.channel(&channel) else {
            return Reply::one(error(req, "Channel not found"));
        };
        let mut begin = event("DTMFBegin", "dtmf,all");
        ch.snapshot(&mut begin, "");
        begin.append("Digit", digit.to_string());
        begin.append("Direction", "Sent");
        let mut end = event("DTMFEnd", "dtmf,all");
        ch.snapshot(&mut end, "");
        end.append("Digit", digit.to_string());
        end.append("DurationMs", 250);
        end.append("Direction", "Sent");
        self.hub.broadcast(&[begin, end]);
        drop(w);
        Reply::one(success(req, "DTMF successfully queued"))
    }

    fn hangup(&self, req: &Message) -> Reply {
        let Some(channel) = text(req, "Channel") else {
            return Reply::one(error(req, "No channel specified"));
        };
        let cause = text(req, "Cause")
            .and_then(|c| c.parse::<u32>().ok())
            .unwrap_or(16);
        let pattern = channel.len() >= 2 && channel.starts_with('/') && channel.ends_with('/');
        let n = self.hub.world().request_hangup(&channel, cause);
        if pattern {
            Reply::one(success(req, &format!("Channels hung up: {n}")))
        } else if n == 0 {
            Reply::one(error(req, "No such channel"))
        } else {
            Reply::one(success(req, "Channel Hungup"))
        }
    }

    async fn originate(&mut self, req: &Message) -> Flow {
        let parsed = match parse_originate(req) {
            Ok(p) => p,
            Err(msg) => {
                self.send(Reply::one(error(req, msg)));
                return Flow::Continue;
            }
        };
        if parsed.is_async {
            self.send(Reply::one(success(req, "Originate successfully queued")));
            calls::originate(&self.hub, parsed, None);
            return Flow::Continue;
        }
        // Like Asterisk, a synchronous Originate holds the session until the
        // call is answered or fails.
        let (tx, rx) = oneshot::channel();
        calls::originate(&self.hub, parsed, Some(tx));
        let answered = tokio::select! {
            r = rx => r.unwrap_or(false),
            _ = super::until_set(&mut self.killed) => return Flow::Close,
        };
        let reply = if answered {
            success(req, "Originate successfully queued")
        } else {
            error(req, "Originate failed")
        };
        self.send(Reply::one(reply));
        Flow::Continue
    }

    /// The configured queues with what happens in them (callers waiting,
    /// members in calls), sent under the world lock like
    /// `CoreShowChannels`.
    fn queue_status(&mut self, req: &Message) -> Flow {
        let hub = std::sync::Arc::clone(&self.hub);
        let w = hub.world();
        let queue = text(req, "Queue");
        let member = text(req, "Member");
        let no_live = QueueLive::default();
        let mut items = Vec::new();
        for q in self.queues(queue.as_deref()) {
            let live = w.queue_live(&q.name).unwrap_or(&no_live);
            let mut m = event("QueueParams", "");
            m.append("Queue", q.name.as_str());
            m.append("Max", 0);
            m.append("Strategy", q.strategy.as_str());
            m.append("Calls", live.waiting.len());
            m.append("Holdtime", 0);
            m.append("TalkTime", 0);
            m.append("Completed", live.completed);
            m.append("Abandoned", live.abandoned);
            m.append("ServiceLevel", 0);
            m.append("ServicelevelPerf", "0.0");
            m.append("ServicelevelPerf2", "0.0");
            m.append("Weight", 0);
            action_id_last(&mut m, req);
            items.push(m);
            for mem in &w.roster(q) {
                if let Some(want) = &member {
                    if !(mem.name.eq_ignore_ascii_case(want)
                        || mem.location.eq_ignore_ascii_case(want))
                    {
                        continue;
                    }
                }
                let mut m = event("QueueMember", "");
                m.append("Queue", q.name.as_str());
                m.append("Name", mem.name.as_str());
                m.append("Location", mem.location.as_str());
                calls::member_state_fields(&mut m, &w, q, mem, 0);
                m.append("Wrapuptime", 0);
                action_id_last(&mut m, req);
                items.push(m);
            }
            for (i, (id, joined)) in live.waiting.iter().enumerate() {
                let Some(ch) = w.channel_by_id(*id) else {
                    continue;
                };
                let mut m = event("QueueEntry", "");
                m.append("Queue", q.name.as_str());
                m.append("Position", i + 1);
                m.append("Channel", ch.name.as_str());
                m.append("Uniqueid", ch.uniqueid.as_str());
                m.append("CallerIDNum", or_unknown(&ch.caller.num));
                m.append("CallerIDName", or_unknown(&ch.caller.name));
                m.append("ConnectedLineNum", or_unknown(&ch.connected.num));
                m.append("ConnectedLineName", or_unknown(&ch.connected.name));
                m.append("Wait", seconds_since(*joined, &hub.config));
                m.append("Priority", 0);
                action_id_last(&mut m, req);
                items.push(m);
            }
        }
        let complete = list_complete("QueueStatusComplete", req, items.len());
        self.send(Reply::list(
            list_start(req, "Queue status will follow"),
            items,
            complete,
        ));
        drop(w);
        Flow::Continue
    }

    fn queue_summary(&mut self, req: &Message) -> Flow {
        let hub = std::sync::Arc::clone(&self.hub);
        let w = hub.world();
        let queue = text(req, "Queue");
        let no_live = QueueLive::default();
        let items: Vec<Message> = self
            .queues(queue.as_deref())
            .map(|q| {
                let live = w.queue_live(&q.name).unwrap_or(&no_live);
                let roster = w.roster(q);
                let available = roster
                    .iter()
                    .filter(|m| {
                        !m.paused && !live.members.get(&m.location).is_some_and(|s| s.in_call)
                    })
                    .count();
                let longest_live = live
                    .waiting
                    .first()
                    .map_or(0, |(_, joined)| seconds_since(*joined, &hub.config));
                let mut m = event("QueueSummary", "");
                m.append("Queue", q.name.as_str());
                m.append("LoggedIn", roster.len());
                m.append("Available", available);
                m.append("Callers", live.waiting.len());
                m.append("HoldTime", 0);
                m.append("TalkTime", 0);
                m.append("LongestHoldTime", longest_live);
                action_id_last(&mut m, req);
                m
            })
            .collect();
        let complete = list_complete("QueueSummaryComplete", req, items.len());
        self.send(Reply::list(
            list_start(req, "Queue summary will follow"),
            items,
            complete,
        ));
        drop(w);
        Flow::Continue
    }

    fn queues<'a>(&'a self, name: Option<&'a str>) -> impl Iterator<Item = &'a DemoQueue> + 'a {
        self.hub
            .config
            .queues
            .iter()
            .filter(move |q| name.is_none_or(|n| q.name.eq_ignore_ascii_case(n)))
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

fn or_unknown(s: &str) -> &str {
    if s.is_empty() {
        "<unknown>"
    } else {
        s
    }
}

/// `2 minutes, 3 seconds`.
fn uptime_words(secs: u64) -> String {
    let parts = [
        (secs / 86_400, "day"),
        ((secs / 3600) % 24, "hour"),
        ((secs / 60) % 60, "minute"),
        (secs % 60, "second"),
    ];
    let words: Vec<String> = parts
        .iter()
        .filter(|(n, _)| *n > 0)
        .map(|(n, unit)| format!("{n} {unit}{}", if *n == 1 { "" } else { "s" }))
        .collect();
    if words.is_empty() {
        "0 seconds".to_owned()
    } else {
        words.join(", ")
    }
}

/// `queue show [name]`, in Asterisk's layout (ending with an empty line):
/// the members as they are now (added, removed, paused, in a call) and the
/// callers waiting, the same as `QueueStatus` and `CoreShowChannels` say.
fn show_queues(
    queues: &[DemoQueue],
    w: &crate::World,
    config: &super::ServerConfig,
    name: Option<&str>,
) -> Vec<String> {
    let no_live = QueueLive::default();
    let mut lines = Vec::new();
    for q in queues.iter().filter(|q| name.is_none_or(|n| q.name == n)) {
        let live = w.queue_live(&q.name).unwrap_or(&no_live);
        lines.push(format!(
            "{} has {} calls (max unlimited) in '{}' strategy (0s holdtime, 0s talktime), W:0, C:{}, A:{}, SL:0.0%, SL2:0.0% within 0s",
            q.name,
            live.waiting.len(),
            q.strategy,
            live.completed,
            live.abandoned
        ));
        let roster = w.roster(q);
        if roster.is_empty() {
            lines.push("   No Members".into());
        } else {
            lines.push("   Members: ".into());
            for m in &roster {
                let state = live.members.get(&m.location).copied().unwrap_or_default();
                let taken = match state.calls_taken {
                    0 => "has taken no calls yet".to_owned(),
                    n => format!("has taken {n} calls"),
                };
                lines.push(format!(
                    "      {} ({} from {}) (ringinuse disabled){} ({}) {taken}",
                    m.name,
                    m.location,
                    state_interface(&m.location),
                    if m.paused { " (paused)" } else { "" },
                    if state.in_call {
                        "In use"
                    } else {
                        "Not in use"
                    },
                ));
            }
        }
        let callers: Vec<_> = live
            .waiting
            .iter()
            .filter_map(|(id, joined)| Some((w.channel_by_id(*id)?, *joined)))
            .collect();
        if callers.is_empty() {
            lines.push("   No Callers".into());
        } else {
            lines.push("   Callers: ".into());
            for (i, (ch, joined)) in callers.iter().enumerate() {
                let wait = seconds_since(*joined, config);
                lines.push(format!(
                    "      {}. {} (wait: {}:{:02}, prio: 0)",
                    i + 1,
                    ch.name,
                    wait / 60,
                    wait % 60
                ));
            }
        }
        lines.push(String::new());
    }
    if lines.is_empty() {
        if let Some(n) = name {
            lines.push(format!("No such queue: {n}."));
        } else {
            lines.push("No queues.".into());
        }
    }
    lines
}

/// Reads an `Originate` action.
fn parse_originate(req: &Message) -> Result<OriginateRequest, &'static str> {
    let channel = text(req, "Channel").ok_or("Channel not specified")?;
    let target = match text(req, "Application") {
        Some(app) => Target::App {
            app,
            data: req
                .get("Data")
                .map(|v| v.to_string_lossy().into_owned())
                .unwrap_or_default(),
        },
        None => {
            let exten = text(req, "Exten").ok_or("Exten not specified")?;
            let priority = match text(req, "Priority") {
                None => 1,
                Some(p) => p.parse::<u32>().map_err(|_| "Invalid priority")?,
            };
            Target::Exten {
                context: text(req, "Context").unwrap_or_else(|| "default".to_owned()),
                exten,
                priority,
            }
        }
    };
    let timeout = match text(req, "Timeout") {
        None => Duration::from_secs(30),
        Some(t) => Duration::from_millis(t.parse::<u64>().map_err(|_| "Invalid timeout")?),
    };
    let mut variables = Vec::new();
    for v in req.get_all("Variable") {
        for pair in v.to_string_lossy().split(',') {
            if let Some((k, val)) = pair.split_once('=') {
                if !k.trim().is_empty() {
                    variables.push((k.trim().to_owned(), val.to_owned()));
                }
            }
        }
    }
    Ok(OriginateRequest {
        action_id: req.action_id().map(Text::to_value),
        channel,
        target,
        caller: text(req, "CallerID").map(|c| CallerId::parse(&c)),
        variables,
        timeout,
        is_async: is_true(req.get("Async")),
        channel_id: text(req, "ChannelId"),
        other_channel_id: text(req, "OtherChannelId"),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn uptime_in_words() {
        assert_eq!(uptime_words(123), "2 minutes, 3 seconds");
        assert_eq!(uptime_words(0), "0 seconds");
    }

    #[test]
    fn originate_needs_a_channel_and_a_target() {
        let m: Message = [("Action", "Originate")].into_iter().collect();
        assert_eq!(parse_originate(&m).err(), Some("Channel not specified"));
        let m: Message = [("Action", "Originate"), ("Channel", "PJSIP/1")]
            .into_iter()
            .collect();
        assert_eq!(parse_originate(&m).err(), Some("Exten not specified"));
        let m: Message = [
            ("Action", "Originate"),
            ("Channel", "Local/1@x"),
            ("Application", "Wait"),
            ("Variable", "A=1,B=2"),
            ("Async", "true"),
        ]
        .into_iter()
        .collect();
        let r = parse_originate(&m).unwrap();
        assert!(r.is_async);
        assert_eq!(r.variables.len(), 2);
    }
}
