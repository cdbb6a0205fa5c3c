//! `Originate`: where a call goes and how it ends, and the task that
//! plays one originated call's life.

use std::sync::Arc;
use std::time::Duration;

use tokio::sync::{mpsc, oneshot};

use super::queue::queue_timeout;
use super::world::{Bridge, CallerId, Request, State};
use crate::until_set;
use crate::Hub;
use ami_core::message::{Message, Value};

/// Where an originated call goes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Dest {
    /// `Local/<exten>@<context>`.
    Local { exten: String, context: String },
    /// `PJSIP/<endpoint>`.
    Pjsip { endpoint: String },
}

impl Dest {
    pub(crate) fn parse(channel: &str) -> Option<Dest> {
        let (tech, rest) = channel.trim().split_once('/')?;
        if tech.eq_ignore_ascii_case("Local") {
            let rest = rest.split('/').next().unwrap_or(rest);
            let (exten, context) = rest.split_once('@').unwrap_or((rest, "default"));
            if exten.is_empty() {
                return None;
            }
            Some(Dest::Local {
                exten: exten.to_owned(),
                context: if context.is_empty() {
                    "default"
                } else {
                    context
                }
                .to_owned(),
            })
        } else if tech.eq_ignore_ascii_case("PJSIP") && !rest.is_empty() {
            let endpoint = rest.split('@').next().unwrap_or(rest);
            Some(Dest::Pjsip {
                endpoint: endpoint.to_owned(),
            })
        } else {
            None
        }
    }
}

/// What an endpoint does when it is dialled, by its name.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Outcome {
    Answer,
    Busy,
    NoAnswer,
    Congestion,
}

impl Outcome {
    pub(crate) fn of(endpoint: &str) -> Outcome {
        match endpoint.to_ascii_lowercase().as_str() {
            "busy" => Outcome::Busy,
            "noanswer" => Outcome::NoAnswer,
            "congestion" => Outcome::Congestion,
            _ => Outcome::Answer,
        }
    }

    pub(crate) fn dial_status(self) -> &'static str {
        match self {
            Outcome::Answer => "ANSWER",
            Outcome::Busy => "BUSY",
            Outcome::NoAnswer => "NOANSWER",
            Outcome::Congestion => "CONGESTION",
        }
    }

    pub(crate) fn cause(self) -> u32 {
        match self {
            Outcome::Answer => 16,
            Outcome::Busy => 17,
            Outcome::NoAnswer => 19,
            Outcome::Congestion => 34,
        }
    }

    /// The CDR `Disposition`.
    pub(crate) fn disposition(self) -> &'static str {
        match self {
            Outcome::Answer => "ANSWERED",
            Outcome::Busy => "BUSY",
            Outcome::NoAnswer => "NO ANSWER",
            Outcome::Congestion => "CONGESTION",
        }
    }

    /// The `Reason` of a failed `OriginateResponse`.
    pub(crate) fn reason(self) -> u32 {
        match self {
            Outcome::Answer => 4,
            Outcome::Busy => 5,
            Outcome::NoAnswer => 3,
            Outcome::Congestion => 8,
        }
    }
}

/// What the originated channel does once answered.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Target {
    /// Run an application (`Application`/`Data`).
    App { app: String, data: String },
    /// Enter the dialplan (`Context`/`Exten`/`Priority`).
    Exten {
        context: String,
        exten: String,
        priority: u32,
    },
}

/// A parsed `Originate` action.
#[derive(Debug, Clone)]
pub(crate) struct OriginateRequest {
    pub(crate) action_id: Option<Value>,
    pub(crate) channel: String,
    pub(crate) target: Target,
    pub(crate) caller: Option<CallerId>,
    pub(crate) variables: Vec<(String, String)>,
    /// Simulated ringing timeout.
    pub(crate) timeout: Duration,
    pub(crate) is_async: bool,
    /// `ChannelId`: the `Uniqueid` of the originated channel.
    pub(crate) channel_id: Option<String>,
    /// `OtherChannelId`: the `Uniqueid` of a Local channel's `;2` half
    /// (`<ChannelId>;2` when only `ChannelId` is given, as Asterisk does).
    pub(crate) other_channel_id: Option<String>,
}

/// Starts a simulated call; `done` learns whether it was answered.
pub(crate) fn originate(
    hub: &Arc<Hub>,
    req: OriginateRequest,
    done: Option<oneshot::Sender<bool>>,
) {
    let (tx, rx) = mpsc::unbounded_channel();
    let id = {
        let mut w = hub.world();
        let id = w.next_call;
        w.next_call += 1;
        w.calls.insert(id, tx);
        id
    };
    let call = Call {
        hub: Arc::clone(hub),
        id,
        chans: Vec::new(),
        bridges: Vec::new(),
        hangups: rx,
        deferred: Vec::new(),
        pending: Vec::new(),
        cdrs: Vec::new(),
        done,
        chosen: Default::default(),
    };
    let mut stop = hub.shutdown.subscribe();
    tokio::spawn(async move {
        tokio::select! {
            _ = until_set(&mut stop) => {}
            _ = call.run(req) => {}
        }
    });
}

/// One call's task state.
pub(crate) struct Call {
    pub(crate) hub: Arc<Hub>,
    pub(crate) id: u64,
    /// Live channels, in creation order.
    pub(crate) chans: Vec<u64>,
    pub(crate) bridges: Vec<Bridge>,
    pub(crate) hangups: mpsc::UnboundedReceiver<Request>,
    /// Transfer requests that came while the call could not act on them.
    pub(crate) deferred: Vec<Request>,
    /// Events of the current step, broadcast by [`Call::flush`].
    pub(crate) pending: Vec<Message>,
    /// `Cdr` events of the channels hung up, sent when the call ends.
    pub(crate) cdrs: Vec<Message>,
    pub(crate) done: Option<oneshot::Sender<bool>>,
    /// Uniqueids chosen by Originate's `ChannelId`/`OtherChannelId`, taken
    /// by the next channels created.
    pub(crate) chosen: std::collections::VecDeque<String>,
}

/// How a waiting period ended.
pub(crate) enum Waited {
    Elapsed,
    HungUp(u64, u32),
}

/// How a dialled channel's ringing ended.
pub(crate) enum Ringing {
    Elapsed,
    HungUp(u64, u32),
    /// Another call's channel picked it up and is now this call's.
    PickedUp(u64),
}

/// How a period of talking ended.
pub(crate) enum Talk {
    Elapsed,
    HungUp(u64, u32),
    /// A transfer was asked for (`BlindTransfer`, `Atxfer`).
    Transfer(Request),
}

impl Call {
    pub(crate) async fn run(mut self, req: OriginateRequest) {
        let hub = Arc::clone(&self.hub);
        let Some(dest) = Dest::parse(&req.channel) else {
            // Unknown technology: no channel is ever created.
            let mut w = hub.world();
            self.originate_response(&w, &req, None, 0);
            self.finish(&mut w, false);
            return;
        };
        if let Some(id) = &req.channel_id {
            self.chosen.push_back(id.clone());
            if matches!(dest, Dest::Local { .. }) {
                self.chosen.push_back(
                    req.other_channel_id
                        .clone()
                        .unwrap_or_else(|| format!("{id};2")),
                );
            }
        }
        // Set up the originated channel (and, for Local, its dialling half).
        let (originated, callee, endpoint) = {
            let mut w = hub.world();
            match &dest {
                Dest::Local { exten, context } => {
                    let seq = w.next_seq();
                    let base = format!("Local/{exten}@{context}-{seq:08x}");
                    let a = self.new_channel(
                        &mut w,
                        format!("{base};1"),
                        State::Down,
                        "Local",
                        context,
                        exten,
                        None,
                    );
                    let linked = self.get(&w, a).uniqueid.clone();
                    let b = self.new_channel(
                        &mut w,
                        format!("{base};2"),
                        State::Ring,
                        "Local",
                        context,
                        exten,
                        Some(&linked),
                    );
                    self.newexten(&mut w, a, None, "AppDial2", "(Outgoing Line)");
                    for half in [a, b] {
                        for (k, v) in &req.variables {
                            self.varset(&mut w, half, k, v);
                        }
                        if let Some(cid) = &req.caller {
                            self.set_caller(&mut w, half, cid);
                        }
                    }
                    self.local_bridge(&w, a, b);
                    self.dial_begin(&w, None, a, &format!("{exten}@{context}"));
                    self.newexten(
                        &mut w,
                        b,
                        Some((context, exten, 1)),
                        "Dial",
                        &format!("PJSIP/{exten},20"),
                    );
                    let callee = self.start_dial(&mut w, b, exten);
                    self.flush(&w);
                    (a, Some((b, callee)), exten.clone())
                }
                Dest::Pjsip { endpoint } => {
                    let seq = w.next_seq();
                    let c = self.new_channel(
                        &mut w,
                        format!("PJSIP/{endpoint}-{seq:08x}"),
                        State::Down,
                        "PJSIP",
                        "default",
                        "",
                        None,
                    );
                    for (k, v) in &req.variables {
                        self.varset(&mut w, c, k, v);
                    }
                    if let Some(cid) = &req.caller {
                        self.set_caller(&mut w, c, cid);
                    }
                    self.dial_begin(&w, None, c, endpoint);
                    self.set_state(&mut w, c, State::Ringing);
                    self.flush(&w);
                    (c, None, endpoint.clone())
                }
            }
        };
        // Ringing.
        let answer = Outcome::of(&endpoint);
        let ring = match answer {
            Outcome::NoAnswer => req.timeout,
            Outcome::Answer => hub.config.ring_time,
            Outcome::Busy | Outcome::Congestion => hub.config.ring_time / 2,
        };
        if let Waited::HungUp(id, cause) = self.pause(ring).await {
            let mut w = hub.world();
            self.teardown(&mut w, id, cause);
            self.originate_response(&w, &req, None, 1);
            self.finish(&mut w, false);
            return;
        }
        {
            let mut w = hub.world();
            if answer != Outcome::Answer {
                self.set_disposition(&mut w, answer.disposition());
                if let Some((b, callee)) = callee {
                    self.dial_end(&mut w, Some(b), callee, answer.dial_status());
                    self.hangup(&mut w, callee, answer.cause());
                }
                self.dial_end(&mut w, None, originated, answer.dial_status());
                for id in self.chans.clone() {
                    self.hangup(&mut w, id, answer.cause());
                }
                self.originate_response(&w, &req, None, answer.reason());
                self.finish(&mut w, false);
                return;
            }
            if let Some((b, callee)) = callee {
                self.set_state(&mut w, callee, State::Up);
                self.dial_end(&mut w, Some(b), callee, "ANSWER");
                self.set_state(&mut w, b, State::Up);
            }
            self.set_state(&mut w, originated, State::Up);
            self.originate_response(&w, &req, Some(originated), 4);
            self.dial_end(&mut w, None, originated, "ANSWER");
            if let Some((b, callee)) = callee {
                self.bridge(&mut w, callee, b);
            }
            self.flush(&w);
            if let Some(done) = self.done.take() {
                let _ = done.send(true);
            }
        }
        // The originated channel runs the application or the dialplan.
        let (first, duration) = match &req.target {
            Target::App { app, data } => {
                if let Some(ch) = hub.world().channels.get_mut(&originated) {
                    ch.application = app.clone();
                    ch.app_data = data.clone();
                }
                let name = data.split(',').next().unwrap_or_default().trim();
                if app.eq_ignore_ascii_case("Pickup") {
                    self.pickup(originated, name).await;
                    return;
                }
                if app.eq_ignore_ascii_case("Park") {
                    // Park(timeout seconds), 45 by default.
                    let timeout = name.parse::<u64>().unwrap_or(45);
                    self.park(originated, timeout).await;
                    return;
                }
                if app.eq_ignore_ascii_case("ConfBridge") {
                    let room = if name.is_empty() { "default" } else { name };
                    self.conference(originated, room, hub.config.call_duration)
                        .await;
                    return;
                }
                let queue = hub.config.queues.iter().find(|q| {
                    app.eq_ignore_ascii_case("Queue") && q.name.eq_ignore_ascii_case(name)
                });
                if let Some(queue) = queue {
                    self.queue_call(originated, queue, queue_timeout(data))
                        .await;
                    return;
                }
                let secs = if app.eq_ignore_ascii_case("Wait") {
                    data.trim()
                        .parse::<f64>()
                        .ok()
                        .filter(|s| s.is_finite() && *s >= 0.0)
                } else {
                    None
                };
                let duration = secs
                    .and_then(|s| Duration::try_from_secs_f64(s).ok())
                    .unwrap_or(hub.config.call_duration);
                (originated, duration)
            }
            Target::Exten {
                context,
                exten,
                priority,
            } if exten.starts_with("local-") => {
                {
                    let mut w = hub.world();
                    self.newexten(
                        &mut w,
                        originated,
                        Some((context, exten, *priority)),
                        "NoOp",
                        "",
                    );
                    self.flush(&w);
                }
                let target = &exten["local-".len()..];
                let Some(far) = self.dial_through_local(originated, context, target).await else {
                    return;
                };
                (far, hub.config.call_duration)
            }
            Target::Exten {
                context,
                exten,
                priority,
            } => {
                let callee = {
                    let mut w = hub.world();
                    self.newexten(
                        &mut w,
                        originated,
                        Some((context, exten, *priority)),
                        "Dial",
                        &format!("PJSIP/{exten},20"),
                    );
                    let callee = self.start_dial(&mut w, originated, exten);
                    self.flush(&w);
                    callee
                };
                let answer = Outcome::of(exten);
                let ring = if answer == Outcome::NoAnswer {
                    Duration::from_secs(20)
                } else {
                    hub.config.ring_time
                };
                match self.ring(ring, callee).await {
                    Ringing::Elapsed => {}
                    Ringing::HungUp(id, cause) => {
                        let mut w = hub.world();
                        self.teardown(&mut w, id, cause);
                        self.finish(&mut w, true);
                        return;
                    }
                    Ringing::PickedUp(picker) => {
                        {
                            let mut w = hub.world();
                            self.bridge(&mut w, picker, originated);
                            self.flush(&w);
                        }
                        return self
                            .talk_until_the_end(picker, hub.config.call_duration)
                            .await;
                    }
                }
                let mut w = hub.world();
                if answer != Outcome::Answer {
                    self.set_disposition(&mut w, answer.disposition());
                    self.dial_end(&mut w, Some(originated), callee, answer.dial_status());
                    self.hangup(&mut w, callee, answer.cause());
                    self.teardown(&mut w, originated, 16);
                    self.finish(&mut w, true);
                    return;
                }
                self.set_state(&mut w, callee, State::Up);
                self.dial_end(&mut w, Some(originated), callee, "ANSWER");
                self.bridge(&mut w, callee, originated);
                self.flush(&w);
                (callee, hub.config.call_duration)
            }
        };
        self.talk_until_the_end(first, duration).await;
    }

    /// Talking, until the application ends or someone hangs up; a
    /// transfer gives the transferee a new party to talk to. Then the call
    /// ends, `first` hung up first.
    pub(crate) async fn talk_until_the_end(&mut self, first: u64, duration: Duration) {
        let hub = Arc::clone(&self.hub);
        let mut first = first;
        let (first, cause) = loop {
            match self.talk(duration).await {
                Talk::Elapsed => break (first, 16),
                Talk::HungUp(id, cause) => break (id, cause),
                Talk::Transfer(request) => match self.transfer(request).await {
                    Some(next) => first = next,
                    None => return,
                },
            }
        };
        let mut w = hub.world();
        self.teardown(&mut w, first, cause);
        self.finish(&mut w, true);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn destinations() {
        assert_eq!(
            Dest::parse("Local/100@default/n"),
            Some(Dest::Local {
                exten: "100".into(),
                context: "default".into()
            })
        );
        assert_eq!(
            Dest::parse("PJSIP/200"),
            Some(Dest::Pjsip {
                endpoint: "200".into()
            })
        );
        assert_eq!(Dest::parse("Foo/bar"), None);
        assert_eq!(Dest::parse("nonsense"), None);
    }
}
