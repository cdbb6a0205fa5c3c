//! The simulated telephone system: channels, bridges, variables, queues,
//! and the task that plays one originated call's life, emitting the events a
//! real Asterisk 22 emits, in its order and with its keys, down to the `Cdr`
//! records written when the call ends.
//!
//! Every step changes the [`World`] and broadcasts its events while holding
//! the world lock, so a list built from the world (`CoreShowChannels`,
//! `Status`) is always consistent with the events a session has seen.

use std::collections::hash_map::RandomState;
use std::collections::BTreeMap;
use std::hash::BuildHasher;
use std::sync::Arc;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use tokio::sync::{mpsc, oneshot};

use super::actions::state_interface;
use super::{DemoMember, DemoQueue, Hub, ServerConfig};
use ami_core::message::{keys, Message, Value};

/// A channel state, as `ChannelState` / `ChannelStateDesc`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum State {
    Down,
    Ring,
    Ringing,
    Up,
}

impl State {
    fn code(self) -> u8 {
        match self {
            State::Down => 0,
            State::Ring => 4,
            State::Ringing => 5,
            State::Up => 6,
        }
    }

    pub(super) fn desc(self) -> &'static str {
        match self {
            State::Down => "Down",
            State::Ring => "Ring",
            State::Ringing => "Ringing",
            State::Up => "Up",
        }
    }
}

/// A caller ID: name and number, `<unknown>` when empty.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(super) struct CallerId {
    pub(super) name: String,
    pub(super) num: String,
}

impl CallerId {
    /// Parses `"Name" <number>`, `Name <number>` or a bare number.
    pub(super) fn parse(s: &str) -> CallerId {
        let s = s.trim();
        match (s.rfind('<'), s.rfind('>')) {
            (Some(lt), Some(gt)) if lt < gt => CallerId {
                name: s[..lt].trim().trim_matches('"').trim().to_owned(),
                num: s[lt + 1..gt].trim().to_owned(),
            },
            _ if s.chars().all(|c| c.is_ascii_digit() || "+*#".contains(c)) => CallerId {
                name: String::new(),
                num: s.to_owned(),
            },
            _ => CallerId {
                name: s.trim_matches('"').to_owned(),
                num: String::new(),
            },
        }
    }

    fn num_or_unknown(&self) -> &str {
        or_unknown(&self.num)
    }

    fn name_or_unknown(&self) -> &str {
        or_unknown(&self.name)
    }
}

fn or_unknown(s: &str) -> &str {
    if s.is_empty() {
        "<unknown>"
    } else {
        s
    }
}

/// One simulated channel.
#[derive(Debug, Clone)]
pub(super) struct Channel {
    pub(super) name: String,
    pub(super) uniqueid: String,
    pub(super) linkedid: String,
    pub(super) state: State,
    pub(super) caller: CallerId,
    pub(super) connected: CallerId,
    pub(super) context: String,
    pub(super) exten: String,
    pub(super) priority: u32,
    pub(super) application: String,
    pub(super) app_data: String,
    pub(super) bridge: Option<String>,
    pub(super) created: Instant,
    pub(super) vars: BTreeMap<String, String>,
    pub(super) call: u64,
    pub(super) tech: &'static str,
    /// When the channel was first `Up`.
    answered: Option<Instant>,
    /// Whether it was created by a dial (a B party, with no CDR of its own).
    dialed: bool,
    /// The channel it dialled (its CDR's `DestinationChannel`).
    dest_channel: Option<String>,
    /// The CDR disposition of a call that failed.
    disposition: Option<&'static str>,
}

impl Channel {
    /// Appends the channel snapshot fields, each key prefixed.
    pub(super) fn snapshot(&self, m: &mut Message, prefix: &str) {
        let k = |key: &str| format!("{prefix}{key}");
        m.append(k("Channel"), self.name.as_str());
        m.append(k("ChannelState"), self.state.code());
        m.append(k("ChannelStateDesc"), self.state.desc());
        m.append(k("CallerIDNum"), self.caller.num_or_unknown());
        m.append(k("CallerIDName"), self.caller.name_or_unknown());
        m.append(k("ConnectedLineNum"), self.connected.num_or_unknown());
        m.append(k("ConnectedLineName"), self.connected.name_or_unknown());
        m.append(k("Language"), "en");
        m.append(k("AccountCode"), "");
        m.append(k("Context"), self.context.as_str());
        m.append(k("Exten"), self.exten.as_str());
        m.append(k("Priority"), self.priority);
        m.append(k("Uniqueid"), self.uniqueid.as_str());
        m.append(k("Linkedid"), self.linkedid.as_str());
    }

    /// Simulated seconds since the channel was created.
    pub(super) fn seconds(&self, config: &ServerConfig) -> u64 {
        let real = self.created.elapsed().as_secs_f64();
        if config.time_scale > 0.0 && config.time_scale.is_finite() {
            (real / config.time_scale) as u64
        } else {
            0
        }
    }

    /// A dialplan function or variable of this channel.
    fn read(&self, var: &str) -> Option<String> {
        let upper = var.trim().to_ascii_uppercase();
        let v = match upper.as_str() {
            "CHANNEL(STATE)" => self.state.desc().to_owned(),
            "CHANNEL(NAME)" | "CHANNEL" => self.name.clone(),
            "CHANNEL(UNIQUEID)" | "UNIQUEID" => self.uniqueid.clone(),
            "CHANNEL(LINKEDID)" => self.linkedid.clone(),
            "CALLERID(NUM)" => self.caller.num.clone(),
            "CALLERID(NAME)" => self.caller.name.clone(),
            "CONTEXT" => self.context.clone(),
            "EXTEN" => self.exten.clone(),
            "PRIORITY" => self.priority.to_string(),
            _ => return self.vars.get(var.trim()).cloned(),
        };
        Some(v)
    }
}

/// A bridge of a call.
#[derive(Debug, Clone)]
struct Bridge {
    id: String,
    members: Vec<u64>,
}

/// Appends the bridge snapshot fields.
fn bridge_snapshot(m: &mut Message, id: &str, channels: usize) {
    m.append("BridgeUniqueid", id);
    m.append("BridgeType", "basic");
    m.append("BridgeTechnology", "simple_bridge");
    m.append("BridgeCreator", "<unknown>");
    m.append("BridgeName", "<unknown>");
    m.append("BridgeNumChannels", channels);
    m.append("BridgeVideoSourceMode", "none");
}

/// A new event with its `Privilege`.
pub(super) fn event(name: &str, privilege: &str) -> Message {
    let mut m = Message::with_capacity(24);
    m.append(keys::EVENT, name.to_owned());
    if !privilege.is_empty() {
        m.append(keys::PRIVILEGE, privilege.to_owned());
    }
    m
}

/// Asterisk's text for a hangup cause.
pub(super) fn cause_text(cause: u32) -> &'static str {
    match cause {
        1 => "Unallocated (unassigned) number",
        16 => "Normal Clearing",
        17 => "User busy",
        18 => "No user responding",
        19 => "User alerting, no answer",
        21 => "Call Rejected",
        34 => "Circuit/channel congestion",
        _ => "Unknown",
    }
}

/// A request to hang up one channel of a call, with a cause.
type HangupRequest = (u64, u32);

/// Channels, calls and global variables.
#[derive(Debug)]
pub(super) struct World {
    started: Instant,
    epoch: u64,
    next_unique: u64,
    next_seq: u32,
    channels: BTreeMap<u64, Channel>,
    globals: BTreeMap<String, String>,
    calls: BTreeMap<u64, mpsc::UnboundedSender<HangupRequest>>,
    next_call: u64,
    calls_processed: u64,
    rng: u64,
    /// Live queue state, by lower-cased queue name.
    queues: BTreeMap<String, QueueLive>,
}

/// What happens in a queue while the server runs: callers waiting, members
/// in calls, calls answered and abandoned. (The configured
/// [`DemoQueue::callers`] wait forever besides these.)
#[derive(Debug, Default)]
pub(super) struct QueueLive {
    /// Channels waiting, in order, with the time they joined.
    pub(super) waiting: Vec<(u64, Instant)>,
    /// Member state by interface (`Location`).
    pub(super) members: BTreeMap<String, MemberLive>,
    /// Calls answered by a member and finished.
    pub(super) completed: u64,
    /// Callers that hung up while waiting.
    pub(super) abandoned: u64,
}

/// A queue member's live state.
#[derive(Debug, Default, Clone, Copy)]
pub(super) struct MemberLive {
    /// Ringing or talking.
    pub(super) in_call: bool,
    /// Calls answered.
    pub(super) calls_taken: u64,
    /// When the last call ended (epoch seconds of the simulated clock).
    pub(super) last_call: u64,
}

impl World {
    pub(super) fn new() -> World {
        let epoch = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map_or(0, |d| d.as_secs());
        World {
            started: Instant::now(),
            epoch,
            next_unique: 0,
            next_seq: 0,
            channels: BTreeMap::new(),
            globals: BTreeMap::new(),
            calls: BTreeMap::new(),
            next_call: 1,
            calls_processed: 0,
            rng: RandomState::new().hash_one(epoch) | 1,
            queues: BTreeMap::new(),
        }
    }

    /// The simulated wall clock at `at`, in epoch seconds: the real start
    /// time plus simulated seconds since then.
    pub(super) fn clock(&self, at: Instant, config: &ServerConfig) -> u64 {
        let real = at.saturating_duration_since(self.started).as_secs_f64();
        let simulated = if config.time_scale > 0.0 && config.time_scale.is_finite() {
            real / config.time_scale
        } else {
            0.0
        };
        self.epoch.saturating_add(simulated as u64)
    }

    /// A live channel by its id.
    pub(super) fn channel_by_id(&self, id: u64) -> Option<&Channel> {
        self.channels.get(&id)
    }

    /// The live state of a queue (by name, ignoring case), if it has any.
    pub(super) fn queue_live(&self, name: &str) -> Option<&QueueLive> {
        self.queues.get(&name.to_ascii_lowercase())
    }

    fn queue_live_mut(&mut self, name: &str) -> &mut QueueLive {
        self.queues.entry(name.to_ascii_lowercase()).or_default()
    }

    /// A pseudo-random number (xorshift64*; not for cryptography).
    pub(super) fn random(&mut self) -> u64 {
        let mut x = self.rng;
        x ^= x >> 12;
        x ^= x << 25;
        x ^= x >> 27;
        self.rng = x;
        x.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }

    fn bridge_id(&mut self) -> String {
        let a = self.random();
        let b = self.random();
        format!(
            "{:08x}-{:04x}-4{:03x}-{:04x}-{:012x}",
            a >> 32,
            (a >> 16) & 0xffff,
            a & 0xfff,
            ((b >> 48) & 0x3fff) | 0x8000,
            b & 0xffff_ffff_ffff
        )
    }

    /// Real seconds since the server started.
    pub(super) fn uptime_secs(&self) -> u64 {
        self.started.elapsed().as_secs()
    }

    pub(super) fn active_calls(&self) -> usize {
        self.calls.len()
    }

    pub(super) fn calls_processed(&self) -> u64 {
        self.calls_processed
    }

    /// Live channels, oldest first.
    pub(super) fn channels(&self) -> impl Iterator<Item = &Channel> {
        self.channels.values()
    }

    fn find(&self, name: &str) -> Option<u64> {
        self.channels
            .iter()
            .find(|(_, c)| c.name.eq_ignore_ascii_case(name.trim()))
            .map(|(id, _)| *id)
    }

    /// The channel named `name` (case-insensitive).
    pub(super) fn channel(&self, name: &str) -> Option<&Channel> {
        self.find(name).and_then(|id| self.channels.get(&id))
    }

    /// Reads a channel variable or function, or a global variable when
    /// `channel` is `None`. `Err` when the channel does not exist.
    pub(super) fn getvar(&self, channel: Option<&str>, var: &str) -> Result<String, ()> {
        match channel {
            Some(name) => {
                let ch = self.channel(name).ok_or(())?;
                Ok(ch.read(var).unwrap_or_default())
            }
            None => Ok(self.globals.get(var.trim()).cloned().unwrap_or_default()),
        }
    }

    /// Sets a channel variable (returning its `VarSet` event) or a global one.
    pub(super) fn setvar(
        &mut self,
        channel: Option<&str>,
        var: &str,
        value: &str,
    ) -> Result<Option<Message>, ()> {
        match channel {
            Some(name) => {
                let id = self.find(name).ok_or(())?;
                let ch = self.channels.get_mut(&id).ok_or(())?;
                ch.vars.insert(var.trim().to_owned(), value.to_owned());
                Ok(Some(varset_event(ch, var.trim(), value)))
            }
            None => {
                self.globals.insert(var.trim().to_owned(), value.to_owned());
                Ok(None)
            }
        }
    }

    /// Asks the calls owning the matching channels to hang them up. A name
    /// between slashes matches by substring. Returns how many matched.
    pub(super) fn request_hangup(&mut self, pattern: &str, cause: u32) -> usize {
        let pattern = pattern.trim();
        let substring = pattern.len() >= 2 && pattern.starts_with('/') && pattern.ends_with('/');
        let needle = if substring {
            pattern[1..pattern.len() - 1].to_ascii_lowercase()
        } else {
            String::new()
        };
        let targets: Vec<(u64, u64)> = self
            .channels
            .iter()
            .filter(|(_, c)| {
                if substring {
                    c.name.to_ascii_lowercase().contains(&needle)
                } else {
                    c.name.eq_ignore_ascii_case(pattern)
                }
            })
            .map(|(id, c)| (*id, c.call))
            .collect();
        for (id, call) in &targets {
            if let Some(tx) = self.calls.get(call) {
                let _ = tx.send((*id, cause));
            }
        }
        targets.len()
    }

    fn next_uniqueid(&mut self) -> String {
        let n = self.next_unique;
        self.next_unique += 1;
        format!("{}.{}", self.epoch, n)
    }

    fn next_seq(&mut self) -> u32 {
        let n = self.next_seq;
        self.next_seq = self.next_seq.wrapping_add(1);
        n
    }
}

/// `VarSet` for a channel.
fn varset_event(ch: &Channel, var: &str, value: &str) -> Message {
    let mut m = event("VarSet", "dialplan,all");
    ch.snapshot(&mut m, "");
    m.append("Variable", var);
    m.append("Value", value);
    m
}

/// Where an originated call goes.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Dest {
    /// `Local/<exten>@<context>`.
    Local { exten: String, context: String },
    /// `PJSIP/<endpoint>`.
    Pjsip { endpoint: String },
}

impl Dest {
    fn parse(channel: &str) -> Option<Dest> {
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
enum Outcome {
    Answer,
    Busy,
    NoAnswer,
    Congestion,
}

impl Outcome {
    fn of(endpoint: &str) -> Outcome {
        match endpoint.to_ascii_lowercase().as_str() {
            "busy" => Outcome::Busy,
            "noanswer" => Outcome::NoAnswer,
            "congestion" => Outcome::Congestion,
            _ => Outcome::Answer,
        }
    }

    fn dial_status(self) -> &'static str {
        match self {
            Outcome::Answer => "ANSWER",
            Outcome::Busy => "BUSY",
            Outcome::NoAnswer => "NOANSWER",
            Outcome::Congestion => "CONGESTION",
        }
    }

    fn cause(self) -> u32 {
        match self {
            Outcome::Answer => 16,
            Outcome::Busy => 17,
            Outcome::NoAnswer => 19,
            Outcome::Congestion => 34,
        }
    }

    /// The CDR `Disposition`.
    fn disposition(self) -> &'static str {
        match self {
            Outcome::Answer => "ANSWERED",
            Outcome::Busy => "BUSY",
            Outcome::NoAnswer => "NO ANSWER",
            Outcome::Congestion => "CONGESTION",
        }
    }

    /// The `Reason` of a failed `OriginateResponse`.
    fn reason(self) -> u32 {
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
pub(super) enum Target {
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
pub(super) struct OriginateRequest {
    pub(super) action_id: Option<Value>,
    pub(super) channel: String,
    pub(super) target: Target,
    pub(super) caller: Option<CallerId>,
    pub(super) variables: Vec<(String, String)>,
    /// Simulated ringing timeout.
    pub(super) timeout: Duration,
    pub(super) is_async: bool,
}

/// Starts a simulated call; `done` learns whether it was answered.
pub(super) fn originate(
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
        pending: Vec::new(),
        cdrs: Vec::new(),
        done,
    };
    let mut stop = hub.shutdown.subscribe();
    tokio::spawn(async move {
        tokio::select! {
            _ = super::until_set(&mut stop) => {}
            _ = call.run(req) => {}
        }
    });
}

/// One call's task state.
struct Call {
    hub: Arc<Hub>,
    id: u64,
    /// Live channels, in creation order.
    chans: Vec<u64>,
    bridges: Vec<Bridge>,
    hangups: mpsc::UnboundedReceiver<HangupRequest>,
    /// Events of the current step, broadcast by [`Call::flush`].
    pending: Vec<Message>,
    /// `Cdr` events of the channels hung up, sent when the call ends.
    cdrs: Vec<Message>,
    done: Option<oneshot::Sender<bool>>,
}

/// How a waiting period ended.
enum Waited {
    Elapsed,
    HungUp(u64, u32),
}

impl Call {
    async fn run(mut self, req: OriginateRequest) {
        let hub = Arc::clone(&self.hub);
        let Some(dest) = Dest::parse(&req.channel) else {
            // Unknown technology: no channel is ever created.
            let mut w = hub.world();
            self.originate_response(&w, &req, None, 0);
            self.finish(&mut w, false);
            return;
        };
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
                if let Waited::HungUp(id, cause) = self.pause(ring).await {
                    let mut w = hub.world();
                    self.teardown(&mut w, id, cause);
                    self.finish(&mut w, true);
                    return;
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
        // Talking, until the application ends or someone hangs up.
        let (first, cause) = match self.pause(duration).await {
            Waited::Elapsed => (first, 16),
            Waited::HungUp(id, cause) => (id, cause),
        };
        let mut w = hub.world();
        self.teardown(&mut w, first, cause);
        self.finish(&mut w, true);
    }

    /// `caller` (answered) runs `Queue(<queue>)`: it waits for a free
    /// member, the member's channel rings and answers, they talk for
    /// [`ServerConfig::call_duration`], and the call ends. The events are
    /// those of `app_queue` (`QueueCallerJoin`, `AgentCalled`,
    /// `QueueMemberStatus`, `QueueCallerLeave`, `AgentConnect`,
    /// `AgentComplete`; `QueueCallerAbandon` when the caller hangs up while
    /// waiting). After `max_wait` (the `Queue` timeout) without a member,
    /// the caller leaves the queue and hangs up.
    async fn queue_call(&mut self, caller: u64, queue: &DemoQueue, max_wait: Option<Duration>) {
        let hub = Arc::clone(&self.hub);
        let config = &hub.config;
        let joined = Instant::now();
        {
            let mut w = hub.world();
            let live = w.queue_live_mut(&queue.name);
            live.waiting.push((caller, joined));
            let position = queue.callers.len() + live.waiting.len();
            let mut m = event("QueueCallerJoin", "agent,all");
            self.get(&w, caller).snapshot(&mut m, "");
            m.append("Queue", queue.name.as_str());
            m.append("Position", position);
            m.append("Count", position);
            self.pending.push(m);
            self.flush(&w);
        }
        // Waiting, in order: with N members free, the first N callers ring
        // one each (app_queue's autofill). A look every half second.
        let mut waited = Duration::ZERO;
        let member = loop {
            let found = {
                let mut w = hub.world();
                let live = w.queue_live_mut(&queue.name);
                let ahead = live
                    .waiting
                    .iter()
                    .position(|(id, _)| *id == caller)
                    .unwrap_or(0);
                let member = queue
                    .members
                    .iter()
                    .filter(|m| {
                        !m.paused && !live.members.get(&m.location).is_some_and(|l| l.in_call)
                    })
                    .nth(ahead);
                if let Some(m) = member {
                    live.members.entry(m.location.clone()).or_default().in_call = true;
                }
                member
            };
            if let Some(member) = found {
                break member;
            }
            if max_wait.is_some_and(|max| waited >= max) {
                // The queue's timeout: the caller leaves and the dialplan
                // (here: the call) ends.
                let mut w = hub.world();
                self.leave_queue(&mut w, caller, queue);
                self.teardown(&mut w, caller, 16);
                self.finish(&mut w, true);
                return;
            }
            let step = Duration::from_millis(500);
            waited += step;
            if let Waited::HungUp(id, cause) = self.pause(step).await {
                let mut w = hub.world();
                self.abandon(&mut w, caller, queue, joined);
                self.teardown(&mut w, id, cause);
                self.finish(&mut w, true);
                return;
            }
        };
        // The member's phone rings.
        let agent = {
            let mut w = hub.world();
            let seq = w.next_seq();
            let (linked, exten, cid) = {
                let c = self.get(&w, caller);
                (c.linkedid.clone(), c.exten.clone(), c.caller.clone())
            };
            let (tech_exten, context) = member_target(&member.location);
            let agent = self.new_channel(
                &mut w,
                format!("Local/{tech_exten}@{context}-{seq:08x};1"),
                State::Down,
                "Local",
                context,
                &exten,
                Some(&linked),
            );
            let agent_name = self.get(&w, agent).name.clone();
            if let Some(ch) = w.channels.get_mut(&agent) {
                ch.caller = cid.clone();
                ch.connected = cid;
                ch.application = "AppQueue".into();
                ch.app_data = "(Outgoing Line)".into();
                ch.dialed = true;
            }
            if let Some(ch) = w.channels.get_mut(&caller) {
                ch.dest_channel = Some(agent_name);
            }
            let mut m = event("AgentCalled", "agent,all");
            self.get(&w, caller).snapshot(&mut m, "");
            self.get(&w, agent).snapshot(&mut m, "Dest");
            queue_member_fields(&mut m, queue, member);
            self.pending.push(m);
            let dialstring = member
                .location
                .split_once('/')
                .map_or(member.location.as_str(), |(_, rest)| rest);
            self.dial_begin(&w, Some(caller), agent, dialstring);
            self.set_state(&mut w, agent, State::Ringing);
            self.flush(&w);
            agent
        };
        let ring_started = Instant::now();
        if let Waited::HungUp(id, cause) = self.pause(config.ring_time).await {
            let mut w = hub.world();
            self.abandon(&mut w, caller, queue, joined);
            self.teardown(&mut w, id, cause);
            self.member_done(&mut w, queue, member, false);
            self.finish(&mut w, true);
            return;
        }
        // Answered: the caller leaves the queue and is bridged with the member.
        let connected = Instant::now();
        let hold = simulated_secs(config, connected - joined);
        {
            let mut w = hub.world();
            self.set_state(&mut w, agent, State::Up);
            self.dial_end(&mut w, Some(caller), agent, "ANSWER");
            self.member_status(&w, queue, member);
            self.leave_queue(&mut w, caller, queue);
            let mut m = event("AgentConnect", "agent,all");
            self.get(&w, caller).snapshot(&mut m, "");
            self.get(&w, agent).snapshot(&mut m, "Dest");
            queue_member_fields(&mut m, queue, member);
            m.append("HoldTime", hold);
            m.append("RingTime", simulated_secs(config, connected - ring_started));
            self.pending.push(m);
            self.bridge(&mut w, caller, agent);
            self.flush(&w);
        }
        let (first, cause, reason) = match self.pause(config.call_duration).await {
            Waited::Elapsed => (agent, 16, "agent"),
            Waited::HungUp(id, cause) if id == caller => (id, cause, "caller"),
            Waited::HungUp(id, cause) => (id, cause, "agent"),
        };
        let mut w = hub.world();
        let mut m = event("AgentComplete", "agent,all");
        self.get(&w, caller).snapshot(&mut m, "");
        self.get(&w, agent).snapshot(&mut m, "Dest");
        queue_member_fields(&mut m, queue, member);
        m.append("HoldTime", hold);
        m.append("TalkTime", simulated_secs(config, connected.elapsed()));
        m.append("Reason", reason);
        self.pending.push(m);
        self.teardown(&mut w, first, cause);
        w.queue_live_mut(&queue.name).completed += 1;
        // The member's status follows the call's records, as in Asterisk.
        self.pending.append(&mut self.cdrs);
        self.member_done(&mut w, queue, member, true);
        self.finish(&mut w, true);
    }

    /// `QueueCallerLeave`: `caller` stops waiting in `queue`.
    fn leave_queue(&mut self, w: &mut World, caller: u64, queue: &DemoQueue) {
        let live = w.queue_live_mut(&queue.name);
        let Some(index) = live.waiting.iter().position(|(id, _)| *id == caller) else {
            return;
        };
        live.waiting.remove(index);
        let count = queue.callers.len() + live.waiting.len();
        let mut m = event("QueueCallerLeave", "agent,all");
        self.get(w, caller).snapshot(&mut m, "");
        m.append("Queue", queue.name.as_str());
        m.append("Position", queue.callers.len() + index + 1);
        m.append("Count", count);
        self.pending.push(m);
    }

    /// `QueueCallerAbandon` then `QueueCallerLeave`, when the caller hangs up
    /// while waiting (nothing once it has left the queue).
    fn abandon(&mut self, w: &mut World, caller: u64, queue: &DemoQueue, joined: Instant) {
        let live = w.queue_live_mut(&queue.name);
        let Some(index) = live.waiting.iter().position(|(id, _)| *id == caller) else {
            return;
        };
        live.abandoned += 1;
        let position = queue.callers.len() + index + 1;
        let mut m = event("QueueCallerAbandon", "agent,all");
        self.get(w, caller).snapshot(&mut m, "");
        m.append("Queue", queue.name.as_str());
        m.append("Position", position);
        m.append("OriginalPosition", position);
        m.append(
            "HoldTime",
            simulated_secs(&self.hub.config, joined.elapsed()),
        );
        self.pending.push(m);
        self.leave_queue(w, caller, queue);
    }

    /// The member is free again; `answered` counts the call as taken.
    fn member_done(
        &mut self,
        w: &mut World,
        queue: &DemoQueue,
        member: &DemoMember,
        answered: bool,
    ) {
        let now = w.clock(Instant::now(), &self.hub.config);
        let state = w
            .queue_live_mut(&queue.name)
            .members
            .entry(member.location.clone())
            .or_default();
        state.in_call = false;
        if answered {
            state.calls_taken += 1;
            state.last_call = now;
        }
        self.member_status(w, queue, member);
    }

    /// `QueueMemberStatus` with the member's live state.
    fn member_status(&mut self, w: &World, queue: &DemoQueue, member: &DemoMember) {
        let live = w
            .queue_live(&queue.name)
            .and_then(|q| q.members.get(&member.location).copied())
            .unwrap_or_default();
        let mut m = event("QueueMemberStatus", "agent,all");
        m.append("Queue", queue.name.as_str());
        m.append("MemberName", member.name.as_str());
        m.append("Interface", member.location.as_str());
        m.append("StateInterface", state_interface(&member.location));
        m.append("Membership", "static");
        m.append("Penalty", member.penalty);
        m.append("CallsTaken", live.calls_taken);
        m.append("LastCall", live.last_call);
        m.append("LastPause", 0);
        m.append("LoginTime", w.clock(w.started, &self.hub.config));
        m.append("InCall", u8::from(live.in_call));
        m.append("Status", if live.in_call { 2 } else { 1 });
        m.append("Paused", u8::from(member.paused));
        m.append("PausedReason", "");
        m.append("Ringinuse", 0);
        m.append("Wrapuptime", 0);
        self.pending.push(m);
    }

    /// Waits a simulated duration, or until a channel of the call is hung up.
    async fn pause(&mut self, simulated: Duration) -> Waited {
        let real = self.hub.config.scaled(simulated);
        let sleep = tokio::time::sleep(real);
        tokio::pin!(sleep);
        loop {
            tokio::select! {
                _ = &mut sleep => return Waited::Elapsed,
                req = self.hangups.recv() => match req {
                    Some((id, cause)) if self.chans.contains(&id) => return Waited::HungUp(id, cause),
                    Some(_) => {}
                    None => {
                        (&mut sleep).await;
                        return Waited::Elapsed;
                    }
                },
            }
        }
    }

    fn get<'w>(&self, w: &'w World, id: u64) -> &'w Channel {
        // Channels of a live call are only removed by the call itself.
        &w.channels[&id]
    }

    /// Broadcasts the events of this step. Takes the world to show it is
    /// called with the world locked (see the module docs).
    fn flush(&mut self, _locked: &World) {
        let events = std::mem::take(&mut self.pending);
        self.hub.broadcast(&events);
    }

    /// Ends the call: removes it from the world and reports the outcome.
    fn finish(&mut self, w: &mut World, answered: bool) {
        self.pending.append(&mut self.cdrs);
        self.flush(w);
        w.calls.remove(&self.id);
        w.calls_processed += 1;
        if let Some(done) = self.done.take() {
            let _ = done.send(answered);
        }
    }

    #[allow(clippy::too_many_arguments)]
    fn new_channel(
        &mut self,
        w: &mut World,
        name: String,
        state: State,
        tech: &'static str,
        context: &str,
        exten: &str,
        linkedid: Option<&str>,
    ) -> u64 {
        let id = w.next_unique;
        let uniqueid = w.next_uniqueid();
        let ch = Channel {
            name,
            linkedid: linkedid.map_or_else(|| uniqueid.clone(), str::to_owned),
            uniqueid,
            state,
            caller: CallerId::default(),
            connected: CallerId::default(),
            context: context.to_owned(),
            exten: exten.to_owned(),
            priority: 1,
            application: String::new(),
            app_data: String::new(),
            bridge: None,
            created: Instant::now(),
            vars: BTreeMap::new(),
            call: self.id,
            tech,
            answered: None,
            dialed: false,
            dest_channel: None,
            disposition: None,
        };
        let mut m = event("Newchannel", "call,all");
        ch.snapshot(&mut m, "");
        self.pending.push(m);
        w.channels.insert(id, ch);
        self.chans.push(id);
        id
    }

    fn set_state(&mut self, w: &mut World, id: u64, state: State) {
        if let Some(ch) = w.channels.get_mut(&id) {
            ch.state = state;
            if state == State::Up && ch.answered.is_none() {
                ch.answered = Some(Instant::now());
            }
            let mut m = event("Newstate", "call,all");
            ch.snapshot(&mut m, "");
            self.pending.push(m);
        }
    }

    fn newexten(
        &mut self,
        w: &mut World,
        id: u64,
        place: Option<(&str, &str, u32)>,
        app: &str,
        data: &str,
    ) {
        if let Some(ch) = w.channels.get_mut(&id) {
            if let Some((context, exten, priority)) = place {
                ch.context = context.to_owned();
                ch.exten = exten.to_owned();
                ch.priority = priority;
            }
            ch.application = app.to_owned();
            ch.app_data = data.to_owned();
            let mut m = event("Newexten", "dialplan,all");
            ch.snapshot(&mut m, "");
            m.append("Extension", ch.exten.as_str());
            m.append("Application", app);
            m.append("AppData", data);
            self.pending.push(m);
        }
    }

    fn varset(&mut self, w: &mut World, id: u64, var: &str, value: &str) {
        if let Some(ch) = w.channels.get_mut(&id) {
            ch.vars.insert(var.to_owned(), value.to_owned());
            self.pending.push(varset_event(ch, var, value));
        }
    }

    fn set_caller(&mut self, w: &mut World, id: u64, cid: &CallerId) {
        if let Some(ch) = w.channels.get_mut(&id) {
            ch.caller = cid.clone();
            let mut m = event("NewCallerid", "call,all");
            ch.snapshot(&mut m, "");
            m.append("CID-CallingPres", "0 (Presentation Allowed, Not Screened)");
            self.pending.push(m);
            ch.connected = cid.clone();
            let mut m = event("NewConnectedLine", "call,all");
            ch.snapshot(&mut m, "");
            self.pending.push(m);
        }
    }

    fn local_bridge(&mut self, w: &World, a: u64, b: u64) {
        let (one, two) = (self.get(w, a), self.get(w, b));
        let mut m = event("LocalBridge", "call,all");
        one.snapshot(&mut m, "LocalOne");
        two.snapshot(&mut m, "LocalTwo");
        m.append("Context", one.context.as_str());
        m.append("Exten", one.exten.as_str());
        m.append("LocalOptimization", "Yes");
        self.pending.push(m);
    }

    fn dial_begin(&mut self, w: &World, caller: Option<u64>, dest: u64, dialstring: &str) {
        let mut m = event("DialBegin", "call,all");
        if let Some(c) = caller {
            self.get(w, c).snapshot(&mut m, "");
        }
        self.get(w, dest).snapshot(&mut m, "Dest");
        m.append("DialString", dialstring);
        self.pending.push(m);
    }

    fn dial_end(&mut self, w: &mut World, caller: Option<u64>, dest: u64, status: &str) {
        if let Some(c) = caller {
            self.varset(w, c, "DIALSTATUS", status);
        }
        let mut m = event("DialEnd", "call,all");
        if let Some(c) = caller {
            self.get(w, c).snapshot(&mut m, "");
        }
        self.get(w, dest).snapshot(&mut m, "Dest");
        m.append("DialStatus", status);
        self.pending.push(m);
    }

    /// `caller` dials `PJSIP/<endpoint>`: the callee appears and rings.
    fn start_dial(&mut self, w: &mut World, caller: u64, endpoint: &str) -> u64 {
        let seq = w.next_seq();
        let (linked, cid) = {
            let c = self.get(w, caller);
            (c.linkedid.clone(), c.caller.clone())
        };
        let callee = self.new_channel(
            w,
            format!("PJSIP/{endpoint}-{seq:08x}"),
            State::Down,
            "PJSIP",
            "default",
            "",
            Some(&linked),
        );
        if let Some(ch) = w.channels.get_mut(&callee) {
            ch.caller = CallerId {
                name: String::new(),
                num: endpoint.to_owned(),
            };
            ch.connected = cid;
            ch.application = "AppDial".into();
            ch.app_data = "(Outgoing Line)".into();
            ch.dialed = true;
        }
        let callee_name = self.get(w, callee).name.clone();
        if let Some(ch) = w.channels.get_mut(&caller) {
            ch.dest_channel = Some(callee_name);
        }
        self.dial_begin(w, Some(caller), callee, endpoint);
        self.set_state(w, callee, State::Ringing);
        callee
    }

    fn bridge(&mut self, w: &mut World, first: u64, second: u64) {
        let id = w.bridge_id();
        let mut m = event("BridgeCreate", "call,all");
        bridge_snapshot(&mut m, &id, 0);
        self.pending.push(m);
        for (n, member) in [first, second].into_iter().enumerate() {
            if let Some(ch) = w.channels.get_mut(&member) {
                ch.bridge = Some(id.clone());
                let mut m = event("BridgeEnter", "call,all");
                bridge_snapshot(&mut m, &id, n + 1);
                ch.snapshot(&mut m, "");
                self.pending.push(m);
            }
        }
        for (me, peer) in [(first, second), (second, first)] {
            let peer_name = self.get(w, peer).name.clone();
            self.varset(w, me, "BRIDGEPEER", &peer_name);
        }
        self.bridges.push(Bridge {
            id,
            members: vec![first, second],
        });
    }

    /// Hangs up the whole call, `first` with `cause`: every bridge is left
    /// and destroyed before any of its members hangs up.
    fn teardown(&mut self, w: &mut World, first: u64, cause: u32) {
        if let Some(ch) = w.channels.get(&first) {
            let mut m = event("HangupRequest", "call,all");
            ch.snapshot(&mut m, "");
            m.append("Cause", cause);
            self.pending.push(m);
        }
        let mut bridges = std::mem::take(&mut self.bridges);
        bridges.sort_by_key(|b| !b.members.contains(&first));
        for mut bridge in bridges {
            bridge.members.sort_by_key(|m| *m != first);
            let mut left = bridge.members.len();
            for member in &bridge.members {
                if let Some(ch) = w.channels.get_mut(member) {
                    ch.bridge = None;
                    left -= 1;
                    let mut m = event("BridgeLeave", "call,all");
                    bridge_snapshot(&mut m, &bridge.id, left);
                    ch.snapshot(&mut m, "");
                    self.pending.push(m);
                }
            }
            let mut m = event("BridgeDestroy", "call,all");
            bridge_snapshot(&mut m, &bridge.id, 0);
            self.pending.push(m);
        }
        self.hangup(w, first, cause);
        for id in self.chans.clone() {
            self.hangup(w, id, 16);
        }
    }

    /// `Hangup` for one channel, which leaves the world.
    fn hangup(&mut self, w: &mut World, id: u64, cause: u32) {
        if let Some(ch) = w.channels.remove(&id) {
            let mut m = event("Hangup", "call,all");
            ch.snapshot(&mut m, "");
            m.append("Cause", cause);
            m.append("Cause-txt", cause_text(cause));
            self.pending.push(m);
            if !ch.dialed {
                let cdr = cdr_event(w, &ch, &self.hub.config);
                self.cdrs.push(cdr);
            }
        }
        self.chans.retain(|c| *c != id);
    }

    /// Marks every channel of the call with the CDR disposition of a failed
    /// call.
    fn set_disposition(&mut self, w: &mut World, disposition: &'static str) {
        for id in &self.chans {
            if let Some(ch) = w.channels.get_mut(id) {
                ch.disposition = Some(disposition);
            }
        }
    }

    /// `OriginateResponse` for an async originate: `channel` is the answered
    /// channel, `None` on failure.
    fn originate_response(
        &mut self,
        w: &World,
        req: &OriginateRequest,
        channel: Option<u64>,
        reason: u32,
    ) {
        if !req.is_async {
            return;
        }
        let ch = channel.and_then(|id| w.channels.get(&id));
        let mut m = event("OriginateResponse", "call,all");
        if let Some(id) = &req.action_id {
            m.append(keys::ACTION_ID, id.clone());
        }
        m.append(
            keys::RESPONSE,
            if ch.is_some() { "Success" } else { "Failure" },
        );
        m.append(
            "Channel",
            ch.map_or(req.channel.as_str(), |c| c.name.as_str()),
        );
        match &req.target {
            Target::App { app, data } => {
                m.append("Application", app.as_str());
                m.append("Data", data.as_str());
            }
            Target::Exten { context, exten, .. } => {
                m.append("Context", context.as_str());
                m.append("Exten", exten.as_str());
            }
        }
        m.append("Reason", reason);
        m.append("Uniqueid", ch.map_or("<null>", |c| c.uniqueid.as_str()));
        let cid = req.caller.clone().unwrap_or_default();
        m.append("CallerIDNum", cid.num_or_unknown());
        m.append("CallerIDName", cid.name_or_unknown());
        self.pending.push(m);
    }
}

/// The `Cdr` event of a channel that has just hung up, with the fields and
/// spelling of Asterisk's `cdr_manager`. Times come from the simulated
/// clock ([`World::clock`]); durations are simulated seconds.
fn cdr_event(w: &World, ch: &Channel, config: &ServerConfig) -> Message {
    let now = Instant::now();
    let start = w.clock(ch.created, config);
    let end = w.clock(now, config).max(start);
    let answer = ch.answered.map(|at| w.clock(at, config).clamp(start, end));
    let disposition = match (ch.disposition, answer) {
        (Some(d), _) => d,
        (None, Some(_)) => "ANSWERED",
        (None, None) => "NO ANSWER",
    };
    let mut m = event("Cdr", "cdr,all");
    m.append("AccountCode", "");
    m.append("Source", ch.caller.num.as_str());
    m.append("Destination", ch.exten.as_str());
    m.append("DestinationContext", ch.context.as_str());
    m.append("CallerID", caller_id_text(&ch.caller));
    m.append("Channel", ch.name.as_str());
    m.append(
        "DestinationChannel",
        ch.dest_channel.as_deref().unwrap_or(""),
    );
    m.append("LastApplication", ch.application.as_str());
    m.append("LastData", ch.app_data.as_str());
    m.append("StartTime", date_time(start));
    m.append("AnswerTime", answer.map(date_time).unwrap_or_default());
    m.append("EndTime", date_time(end));
    m.append("Duration", end - start);
    m.append("BillableSeconds", answer.map_or(0, |a| end - a));
    m.append("Disposition", disposition);
    m.append("AMAFlags", "DOCUMENTATION");
    m.append("UniqueID", ch.uniqueid.as_str());
    m.append("UserField", "");
    m
}

/// A caller ID as the CDR shows it: `"Name" <num>`, or whichever part
/// there is.
fn caller_id_text(cid: &CallerId) -> String {
    match (cid.name.is_empty(), cid.num.is_empty()) {
        (false, false) => format!("\"{}\" <{}>", cid.name, cid.num),
        (false, true) => cid.name.clone(),
        (true, false) => cid.num.clone(),
        (true, true) => String::new(),
    }
}

/// `YYYY-MM-DD HH:MM:SS` (UTC) for epoch seconds.
pub(super) fn date_time(epoch: u64) -> String {
    let days = (epoch / 86_400) as i64;
    let secs = epoch % 86_400;
    // Howard Hinnant's days-to-civil.
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    format!(
        "{year:04}-{month:02}-{day:02} {:02}:{:02}:{:02}",
        secs / 3600,
        (secs / 60) % 60,
        secs % 60
    )
}

/// The timeout of `Queue(name,options,URL,announce,timeout)`, in seconds.
fn queue_timeout(data: &str) -> Option<Duration> {
    let secs = data.split(',').nth(4)?.trim().parse::<f64>().ok()?;
    Duration::try_from_secs_f64(secs).ok()
}

/// Simulated whole seconds for a real duration.
fn simulated_secs(config: &ServerConfig, real: Duration) -> u64 {
    if config.time_scale > 0.0 && config.time_scale.is_finite() {
        (real.as_secs_f64() / config.time_scale) as u64
    } else {
        0
    }
}

/// Simulated whole seconds since `at`.
pub(super) fn seconds_since(at: Instant, config: &ServerConfig) -> u64 {
    simulated_secs(config, at.elapsed())
}

/// `Queue`, `Interface`, `MemberName` of the queue events about a member.
fn queue_member_fields(m: &mut Message, queue: &DemoQueue, member: &DemoMember) {
    m.append("Queue", queue.name.as_str());
    m.append("Interface", member.location.as_str());
    m.append("MemberName", member.name.as_str());
}

/// `Local/agent1@queue-members/n` → (`agent1`, `queue-members`); other
/// interfaces ring in context `default`.
fn member_target(location: &str) -> (&str, &str) {
    let state = state_interface(location);
    let rest = state.split_once('/').map_or(state, |(_, rest)| rest);
    rest.split_once('@').unwrap_or((rest, "default"))
}

/// `HH:MM:SS`.
pub(super) fn hms(secs: u64) -> String {
    format!(
        "{:02}:{:02}:{:02}",
        secs / 3600,
        (secs / 60) % 60,
        secs % 60
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn caller_id_forms() {
        assert_eq!(
            CallerId::parse("\"AMI Test\" <5551234>"),
            CallerId {
                name: "AMI Test".into(),
                num: "5551234".into()
            }
        );
        assert_eq!(CallerId::parse("5551234").num, "5551234");
        assert_eq!(CallerId::parse("Bob").name, "Bob");
    }

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

    #[test]
    fn bridge_ids_look_like_uuids() {
        let mut w = World::new();
        let id = w.bridge_id();
        let parts: Vec<_> = id.split('-').map(str::len).collect();
        assert_eq!(parts, [8, 4, 4, 4, 12], "{id}");
        assert_ne!(id, w.bridge_id());
    }

    #[test]
    fn hms_format() {
        assert_eq!(hms(3725), "01:02:05");
    }

    #[test]
    fn date_time_format() {
        assert_eq!(date_time(0), "1970-01-01 00:00:00");
        assert_eq!(date_time(951_782_400), "2000-02-29 00:00:00");
        assert_eq!(date_time(1_795_342_675), "2026-11-22 10:17:55");
    }

    #[test]
    fn caller_id_as_cdr_shows_it() {
        let cid = CallerId::parse("\"Queue Caller\" <5550400>");
        assert_eq!(caller_id_text(&cid), "\"Queue Caller\" <5550400>");
        assert_eq!(caller_id_text(&CallerId::parse("5550400")), "5550400");
        assert_eq!(caller_id_text(&CallerId::default()), "");
    }
}
