//! [`Model`]: the state machine. Typed events in, [`ChangeRecord`]s out,
//! [`State`] snapshots for readers. It does no I/O: [`Pbx`](crate::Pbx)
//! feeds it from a connection, [`replay`](crate::replay()) from recorded
//! bytes, and a test from anything.

mod apply;
mod bridges;
mod calls;
mod channels;
mod conferences;
mod endpoints;
mod load;
mod parking;
mod queues;
mod read;

use std::collections::{HashMap, HashSet, VecDeque};
use std::sync::Arc;
use std::time::SystemTime;

use crate::change::{Change, ChangeRecord, Origin};
use crate::state::{Call, EndedCall, State, Str, Tombstone};
use ami_types::event::Event;

pub use load::Lists;
pub(crate) use read::value;

/// How many hung-up channels the model remembers by default.
pub const DEFAULT_TOMBSTONES: usize = 4096;

/// How much the model may hold: what a PBX (or a peer posing as one) sends
/// cannot make it grow without bound. Each limit, when hit, is counted
/// ([`Model::budget_hits`], [`Pbx::status`](crate::Pbx::status)), logged
/// once as a warning, and reported once as [`Change::LimitReached`].
///
/// A live channel costs about 1.5 KB with a few variables; the last
/// [`DEFAULT_TOMBSTONES`] ended calls and hung-up channels are remembered
/// (see [`Model::with_tombstone_limit`]). With the defaults the model holds
/// at most 100,000 channels of at most 128 variables, every text at most
/// 1,024 bytes: a channel can never cost more than about 140 KB, however
/// the peer pads it, and a typical one costs the 1.5 KB.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Budget {
    /// Live channels at most (default 100,000): a new channel past it is
    /// left out (its events change nothing).
    pub channels: usize,
    /// Channel variables per channel at most (default 128): a new variable
    /// past it is not kept (one already kept is still updated).
    pub variables_per_channel: usize,
}

impl Budget {
    /// The longest text the model keeps, in bytes: a longer value (a
    /// caller ID, application data, a variable) is cut at a character
    /// boundary.
    pub const VALUE_BYTES: usize = 1024;
}

impl Default for Budget {
    fn default() -> Self {
        Budget {
            channels: 100_000,
            variables_per_channel: 128,
        }
    }
}

/// One limit of the [`Budget`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize)]
#[non_exhaustive]
pub enum Limit {
    /// [`Budget::channels`].
    Channels,
    /// [`Budget::variables_per_channel`].
    VariablesPerChannel,
    /// [`Budget::VALUE_BYTES`].
    ValueBytes,
}

/// How often each limit of the [`Budget`] was hit.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, serde::Serialize)]
pub struct BudgetHits {
    /// New channels left out.
    pub channels_refused: u64,
    /// New variables not kept.
    pub variables_dropped: u64,
    /// Values cut to [`Budget::VALUE_BYTES`].
    pub values_cut: u64,
}

/// How many fields from the top of an event its header can take:
/// `Event`, `Privilege`, `Timestamp`, the four of `manager set debug on`
/// and `SystemName`.
const HEADER_FIELDS: usize = 8;

/// The event's `Timestamp`, read where Asterisk writes it: among the
/// header lines before the event's own fields (see
/// [`EventHeader`](ami_types::EventHeader)). Most events carry none, and
/// looking for it through every field cost an eighth of the model's time.
fn header_timestamp(msg: &ami_types::Message) -> Option<f64> {
    let field = msg
        .fields()
        .take(HEADER_FIELDS)
        .find(|f| f.key_bytes().eq_ignore_ascii_case(b"Timestamp"))?;
    ami_wire::value::number(field.value().as_bytes())
}

/// The live model of one Asterisk, fed with events.
///
/// ```
/// use ami_live::{Change, Model};
/// use ami_types::codes::HangupCause;
/// use ami_types::event::Event;
/// use ami_types::{FromMessage, Message};
///
/// let event = |fields: &[(&str, &str)]| {
///     Event::from_message(fields.iter().copied().collect::<Message>())
/// };
/// let mut model = Model::new();
/// model.apply(event(&[
///     ("Event", "Newchannel"),
///     ("Channel", "PJSIP/100-00000001"),
///     ("ChannelState", "4"),
///     ("ChannelStateDesc", "Ring"),
///     ("Uniqueid", "1700000000.1"),
///     ("Linkedid", "1700000000.1"),
/// ]));
/// assert_eq!(model.state().channels.len(), 1);
/// let changes = model.apply(event(&[
///     ("Event", "Hangup"),
///     ("Channel", "PJSIP/100-00000001"),
///     ("ChannelState", "6"),
///     ("Uniqueid", "1700000000.1"),
///     ("Linkedid", "1700000000.1"),
///     ("Cause", "16"),
///     ("Cause-txt", "Normal Clearing"),
/// ]));
/// assert!(matches!(
///     changes[0].change,
///     Change::ChannelRemoved { cause: Some(HangupCause::NormalClearing), .. }
/// ));
/// assert!(model.state().channels.is_empty());
/// assert!(model.state().calls.is_empty());
/// ```
#[derive(Debug, Clone)]
pub struct Model {
    state: State,
    next_generation: u64,
    tombstone_order: VecDeque<(Str, u64)>,
    ended_order: VecDeque<Str>,
    tombstone_limit: usize,
    /// Queue callers whose `QueueCallerAbandon` came before their leave.
    abandoning: HashSet<Str>,
    /// The aliases of `state.aliases` by the call they lead to, so that a
    /// merge or an eviction touches only the aliases it concerns (a scan of
    /// every alias made a merge cost as much as all merges before it).
    aliases_to: HashMap<Str, Vec<Str>>,
    budget: Budget,
    hits: BudgetHits,
    /// A channel list has been loaded: from then on the list and the
    /// `Newchannel`s after it name every live channel, so another event
    /// about a channel the model does not know is a late one about a
    /// channel that hung up before the list was taken (Asterisk sends a
    /// `NewCallerid` after the `Hangup` of a Local channel's `;1`), and it
    /// adds nothing.
    channels_listed: bool,
    /// Changes of the event being applied.
    out: Vec<Change>,
    /// The time of the event being applied.
    now: SystemTime,
}

impl Default for Model {
    fn default() -> Self {
        Model::new()
    }
}

impl Model {
    /// An empty model.
    pub fn new() -> Model {
        Model {
            state: State::default(),
            next_generation: 1,
            tombstone_order: VecDeque::new(),
            ended_order: VecDeque::new(),
            tombstone_limit: DEFAULT_TOMBSTONES,
            abandoning: HashSet::new(),
            aliases_to: HashMap::new(),
            budget: Budget::default(),
            hits: BudgetHits::default(),
            channels_listed: false,
            out: Vec::new(),
            now: SystemTime::now(),
        }
    }

    /// Remembers at most `limit` hung-up channels (at least 1).
    pub fn with_tombstone_limit(mut self, limit: usize) -> Model {
        self.tombstone_limit = limit.max(1);
        self
    }

    /// Holds at most what `budget` allows (each limit at least 1).
    pub fn with_budget(mut self, budget: Budget) -> Model {
        self.budget = Budget {
            channels: budget.channels.max(1),
            variables_per_channel: budget.variables_per_channel.max(1),
        };
        self
    }

    /// How often each limit of the budget was hit.
    pub fn budget_hits(&self) -> BudgetHits {
        self.hits
    }

    /// Counts a limit hit; the first of each kind is logged and reported.
    fn limit_hit(&mut self, limit: Limit) {
        let h = &mut self.hits;
        let n = match limit {
            Limit::Channels => &mut h.channels_refused,
            Limit::VariablesPerChannel => &mut h.variables_dropped,
            Limit::ValueBytes => &mut h.values_cut,
        };
        *n += 1;
        if *n == 1 {
            tracing::warn!(?limit, budget = ?self.budget, "the live model reached a limit of its budget; what passes it is left out");
            self.emit(Change::LimitReached { limit });
        }
    }

    /// The current state.
    pub fn state(&self) -> &State {
        &self.state
    }

    /// A snapshot of the current state (cheap: the maps are shared).
    pub fn snapshot(&self) -> Arc<State> {
        Arc::new(self.state.clone())
    }

    /// Applies one event and returns what it changed. Events the model has
    /// no use for change nothing; events about a hung-up channel hit its
    /// tombstone and change nothing either.
    pub fn apply(&mut self, event: impl Into<Arc<Event>>) -> Vec<ChangeRecord> {
        let event = event.into();
        let cut_before = read::values_cut();
        let timestamp = header_timestamp(event.raw());
        self.now = timestamp
            .filter(|t| t.is_finite() && *t > 0.0 && *t < 1e11)
            .map(|t| SystemTime::UNIX_EPOCH + std::time::Duration::from_secs_f64(t))
            .unwrap_or_else(SystemTime::now);
        self.apply_event(&event);
        for _ in cut_before..read::values_cut() {
            self.limit_hit(Limit::ValueBytes);
        }
        self.records(Origin::Event, timestamp, Some(event))
    }

    /// An audit's repair: `Status Channel=<uniqueid>` answered with this
    /// item, so the channel is up as it says (added when the model lacked
    /// it, refreshed when it differed). Returns the changes made.
    pub fn confirm_channel(&mut self, status: &ami_types::Message) -> Vec<ChangeRecord> {
        self.now = SystemTime::now();
        if let Some(snap) = read::Snapshot::read(status) {
            // The audit overrides a tombstone: Asterisk says it is up. The
            // channel keeps the identity it had.
            if self.state.channels.contains_key(&snap.uniqueid) {
                self.add_or_refresh(&snap, false);
            } else {
                let generation = self
                    .state
                    .tombstones
                    .remove(&snap.uniqueid)
                    .map(|t| t.id.generation);
                self.add(&snap, generation);
            }
            let bridge = read::kept_opt(
                <ami_types::event::Status as ami_types::FromMessage>::from_message(status.clone())
                    .bridge_id(),
            );
            let current = self
                .state
                .channels
                .get(&snap.uniqueid)
                .and_then(|c| c.bridge.clone());
            match (bridge, current) {
                (Some(b), current) if current.as_ref() != Some(&b) => {
                    self.ensure_bridge(crate::state::Bridge {
                        id: b.clone(),
                        bridge_type: Str::default(),
                        technology: Str::default(),
                        creator: Str::default(),
                        name: Str::default(),
                        channels: Default::default(),
                    });
                    self.enter_bridge(&b, &snap.uniqueid);
                }
                (None, Some(old)) => self.leave_bridge(&old, &snap.uniqueid),
                _ => {}
            }
        }
        self.records(Origin::Audit, None, None)
    }

    /// An audit's repair: `Status Channel=<uniqueid>` answered "No such
    /// channel", so a channel the model still has is gone (its hangup was
    /// never seen). Returns the changes made.
    pub fn confirm_gone(&mut self, uniqueid: &str) -> Vec<ChangeRecord> {
        self.now = SystemTime::now();
        self.remove_channel(uniqueid, None, Str::default(), None, Str::default());
        self.records(Origin::Audit, None, None)
    }

    /// Numbers the changes collected in `out`.
    fn records(
        &mut self,
        origin: Origin,
        timestamp: Option<f64>,
        source: Option<Arc<Event>>,
    ) -> Vec<ChangeRecord> {
        let changes = std::mem::take(&mut self.out);
        changes
            .into_iter()
            .map(|change| {
                self.state.seq += 1;
                ChangeRecord {
                    seq: self.state.seq,
                    timestamp,
                    origin,
                    change,
                    source: source.clone(),
                }
            })
            .collect()
    }

    fn emit(&mut self, change: Change) {
        self.out.push(change);
    }

    fn new_generation(&mut self) -> u64 {
        let g = self.next_generation;
        self.next_generation += 1;
        g
    }

    /// Keeps an ended call (bounded like the tombstones) so that a handle
    /// can still tell how it ended.
    fn remember_ended(&mut self, call: Arc<Call>) {
        let id = call.id.clone();
        self.state.ended_calls.insert(
            id.clone(),
            Arc::new(EndedCall {
                call: (*call).clone(),
                ended_at: self.now,
            }),
        );
        self.ended_order.push_back(id);
        while self.ended_order.len() > self.tombstone_limit {
            let Some(old) = self.ended_order.pop_front() else {
                break;
            };
            if !self.state.calls.contains_key(&old) {
                self.state.ended_calls.remove(&old);
                self.forget_aliases_to(&old);
            }
        }
    }

    fn bury(&mut self, tombstone: Tombstone) {
        let uid = tombstone.id.uniqueid.clone();
        let generation = tombstone.id.generation;
        self.state
            .tombstones
            .insert(uid.clone(), Arc::new(tombstone));
        self.tombstone_order.push_back((uid, generation));
        while self.tombstone_order.len() > self.tombstone_limit {
            let Some((old, generation)) = self.tombstone_order.pop_front() else {
                break;
            };
            if self
                .state
                .tombstones
                .get(&old)
                .is_some_and(|t| t.id.generation == generation)
            {
                self.state.tombstones.remove(&old);
            }
        }
    }

    /// Makes `from` (and every id that led to it) lead to `into`.
    fn alias(&mut self, from: Str, into: Str) {
        if from == into {
            return;
        }
        let mut moved = self.aliases_to.remove(&from).unwrap_or_default();
        for k in &moved {
            self.state.aliases.insert(k.clone(), into.clone());
        }
        // `from` may have led elsewhere before.
        if let Some(old) = self.state.aliases.insert(from.clone(), into.clone()) {
            if let Some(list) = self.aliases_to.get_mut(&old) {
                list.retain(|k| *k != from);
            }
        }
        moved.push(from);
        let list = self.aliases_to.entry(into).or_default();
        // The longer list stays where it is; the shorter one moves.
        if list.len() < moved.len() {
            std::mem::swap(list, &mut moved);
        }
        list.append(&mut moved);
    }

    /// Forgets the aliases that lead to `into` (its ended call is no longer
    /// remembered).
    fn forget_aliases_to(&mut self, into: &Str) {
        for k in self.aliases_to.remove(into).unwrap_or_default() {
            if self.state.aliases.get(&k) == Some(into) {
                self.state.aliases.remove(&k);
            }
        }
    }

    /// The alias index from `state.aliases` (after a load replaced them).
    fn reindex_aliases(&mut self) {
        self.aliases_to.clear();
        for (from, into) in self.state.aliases.iter() {
            self.aliases_to
                .entry(into.clone())
                .or_default()
                .push(from.clone());
        }
    }

    /// The call a linkedid means now (following merges).
    fn resolve(&self, linkedid: &Str) -> Str {
        self.state
            .merges_from(linkedid)
            .last()
            .unwrap_or_else(|| linkedid.clone())
    }
}
