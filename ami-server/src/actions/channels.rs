//! Actions on channels and bridges: lists, status, variables, DTMF,
//! transfers, hangups and originates.

use std::time::Duration;

use tokio::sync::oneshot;

use super::{action_id_last, is_true, list_complete, list_event, list_start, or_unknown, text};
use crate::calls::{self, event, hms, CallerId, OriginateRequest, Target};
use crate::session::{error, response, success, Flow, Reply, Session};
use ami_core::message::{Message, Text};

impl Session {
    pub(super) fn core_show_channels(&mut self, req: &Message) -> Flow {
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
    pub(super) fn bridge_list(&mut self, req: &Message) -> Flow {
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
    pub(super) fn transfer(&self, req: &Message, blind: bool) -> Reply {
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

    pub(super) fn status(&mut self, req: &Message) -> Flow {
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

    pub(super) fn getvar(&self, req: &Message) -> Reply {
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

    pub(super) fn setvar(&mut self, req: &Message) -> Flow {
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

    /// `PlayDTMF`: `DTMFBegin` and `DTMFEnd` (direction `Sent`) on the
    /// channel.
    pub(super) fn play_dtmf(&self, req: &Message) -> Reply {
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

    pub(super) fn hangup(&self, req: &Message) -> Reply {
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

    pub(super) async fn originate(&mut self, req: &Message) -> Flow {
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
            _ = crate::until_set(&mut self.killed) => return Flow::Close,
        };
        let reply = if answered {
            success(req, "Originate successfully queued")
        } else {
            error(req, "Originate failed")
        };
        self.send(Reply::one(reply));
        Flow::Continue
    }
}

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
