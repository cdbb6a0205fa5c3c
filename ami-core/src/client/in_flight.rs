//! The in-flight table: actions waiting for their answer, keyed by ActionID.
//!
//! Owned by the driver task (no locks). Pure bookkeeping, no I/O: the driver
//! feeds it every decoded message and it decides what completes a pending
//! action and what is published to the event stream.
//!
//! An entry goes through these stages:
//!
//! - waiting for the response (events that carry its ActionID before the
//!   response are held back until the response says what they are);
//! - for an event list (the response has `EventList: start`, or a legacy
//!   `Response: Follows` / `Message: … will follow` form), collecting every
//!   event with the ActionID until the one whose `EventList` header is
//!   `Complete` or `Cancelled`;
//! - for an action that expects one follow-up event by name (the async
//!   `Originate` and its `OriginateResponse`), waiting for that event, which
//!   is also published.
//!
//! The core knows no action or event by name: the follow-up event's name is
//! supplied by the caller ([`Expect::FollowUp`]).

use std::cmp::Reverse;
use std::collections::{BinaryHeap, HashMap};
use std::fmt::Write as _;

use bytes::BytesMut;
use tokio::sync::oneshot;
use tokio::time::Instant;

use crate::client::Reply;
use crate::error::{Error, Result};
use crate::message::{keys, Message, MessageKind, Text, Value};

/// Where the result of an action goes.
pub(crate) type ReplyTx = oneshot::Sender<Result<Reply>>;

/// What completes an action.
#[derive(Debug, Clone)]
pub(crate) enum Expect {
    /// The response, or, when the response announces an event list, the
    /// response, the list items and the completion event.
    Response,
    /// The response alone, never a list (`Command`, whose legacy answer is a
    /// `Response: Follows`).
    Command,
    /// The response, then the first event of this name carrying the same
    /// ActionID (which is published as well).
    FollowUp(Value),
}

/// Who waits for an entry.
#[derive(Debug)]
pub(crate) enum Waiter {
    /// A caller of `send`.
    Caller(ReplyTx),
    /// An action the driver sent itself (the keepalive `Ping`, `Events`
    /// after a reconnect): its answer goes to no one.
    Internal,
}

#[derive(Debug)]
enum Stage {
    Response {
        early: Vec<Message>,
    },
    List {
        response: Message,
        items: Vec<Message>,
    },
    FollowUp {
        response: Message,
    },
}

#[derive(Debug)]
struct Entry {
    waiter: Waiter,
    expect: Expect,
    action: Value,
    stage: Stage,
    /// The follow-up event, when it came before the response.
    follow: Option<Message>,
}

impl Entry {
    fn finish(self, result: Result<Reply>) {
        if let Waiter::Caller(tx) = self.waiter {
            // The caller may have given up (dropped its future): fine.
            let _ = tx.send(result);
        }
    }

    fn action_name(&self) -> String {
        self.action.to_string_lossy().into_owned()
    }

    /// Hands what the entry collected to `publish` (it is failing).
    fn release(&mut self, publish: &mut impl FnMut(Message)) {
        let stage = std::mem::replace(&mut self.stage, Stage::Response { early: Vec::new() });
        match stage {
            Stage::Response { early } => early.into_iter().for_each(publish),
            Stage::List { items, .. } => items.into_iter().for_each(publish),
            Stage::FollowUp { .. } => {}
        }
    }
}

/// The table of pending actions of one connection.
#[derive(Debug)]
pub(crate) struct InFlight {
    /// `"<connection prefix>-"`: every ActionID we assign starts with it.
    prefix: String,
    next: u64,
    entries: HashMap<u64, Entry>,
    /// The most events one answer may collect.
    max_items: usize,
    /// Deadlines, earliest first; entries already answered are dropped lazily.
    deadlines: BinaryHeap<Reverse<(Instant, u64)>>,
    /// Pending `Command` actions (legacy output is decoded only for them).
    commands: usize,
}

impl InFlight {
    /// A table whose ActionIDs are `{prefix}{n}`.
    pub(crate) fn new(prefix: String, max_items: usize) -> Self {
        InFlight {
            prefix,
            next: 1,
            entries: HashMap::new(),
            max_items,
            deadlines: BinaryHeap::new(),
            commands: 0,
        }
    }

    /// Whether the event `frame` (with `lines`) carries the ActionID of a
    /// pending action, so that the table must see it.
    pub(crate) fn may_claim(&self, frame: &[u8], lines: &[(u32, u32)]) -> bool {
        if self.entries.is_empty() {
            return false;
        }
        lines.iter().any(|&(s, e)| {
            let line = &frame[s as usize..e as usize];
            let Some(colon) = memchr::memchr(b':', line) else {
                return false;
            };
            if !line[..colon].eq_ignore_ascii_case(keys::ACTION_ID.as_bytes()) {
                return false;
            }
            let value = line[colon + 1..]
                .strip_prefix(b" ")
                .unwrap_or(&line[colon + 1..]);
            self.parse_id(Text::new(value))
                .is_some_and(|id| self.entries.contains_key(&id))
        })
    }

    /// Whether a `Command` action waits for its answer.
    pub(crate) fn has_pending_command(&self) -> bool {
        self.commands > 0
    }

    /// Removes entry `id`.
    fn take(&mut self, id: u64) -> Option<Entry> {
        let entry = self.entries.remove(&id)?;
        if matches!(entry.expect, Expect::Command) {
            self.commands -= 1;
        }
        Some(entry)
    }

    /// Number of pending actions.
    pub(crate) fn len(&self) -> usize {
        self.entries.len()
    }

    /// Whether action `id` is still pending.
    pub(crate) fn contains(&self, id: u64) -> bool {
        self.entries.contains_key(&id)
    }

    /// Registers an action; returns its number (see
    /// [`write_action_id`](Self::write_action_id)).
    pub(crate) fn register(
        &mut self,
        action: Value,
        expect: Expect,
        waiter: Waiter,
        deadline: Instant,
    ) -> u64 {
        let id = self.next;
        self.next += 1;
        if matches!(expect, Expect::Command) {
            self.commands += 1;
        }
        self.entries.insert(
            id,
            Entry {
                waiter,
                expect,
                action,
                stage: Stage::Response { early: Vec::new() },
                follow: None,
            },
        );
        if self.deadlines.len() > 2 * self.entries.len() + 64 {
            // Drop the deadlines of answered actions so the heap stays
            // proportional to what is pending.
            let entries = &self.entries;
            self.deadlines
                .retain(|Reverse((_, id))| entries.contains_key(id));
        }
        self.deadlines.push(Reverse((deadline, id)));
        id
    }

    /// Appends the `ActionID: …` line of action `id` to `dst`.
    pub(crate) fn write_action_id(&self, id: u64, dst: &mut BytesMut) {
        dst.extend_from_slice(b"ActionID: ");
        dst.extend_from_slice(self.prefix.as_bytes());
        let _ = write!(dst, "{id}");
        dst.extend_from_slice(b"\r\n");
    }

    /// The ActionID string of action `id`.
    pub(crate) fn action_id(&self, id: u64) -> String {
        format!("{}{id}", self.prefix)
    }

    /// Our number in an ActionID, if it is one of ours.
    fn parse_id(&self, value: &Text) -> Option<u64> {
        let digits = value.as_bytes().strip_prefix(self.prefix.as_bytes())?;
        if digits.is_empty() || digits.len() > 19 {
            return None;
        }
        digits.iter().try_fold(0u64, |n, &b| {
            b.is_ascii_digit().then(|| n * 10 + u64::from(b - b'0'))
        })
    }

    fn entry_id(&self, msg: &Message) -> Option<u64> {
        if self.entries.is_empty() {
            return None;
        }
        self.parse_id(msg.action_id()?)
    }

    /// Routes one incoming message: completes or feeds a pending action, and
    /// passes everything that is not consumed (every event that is not a list
    /// item) to `publish`.
    pub(crate) fn dispatch(&mut self, msg: Message, publish: &mut impl FnMut(Message)) {
        match msg.kind() {
            MessageKind::Event => self.on_event(msg, publish),
            MessageKind::Response => self.on_response(msg, publish),
            MessageKind::Action | MessageKind::Other => {
                tracing::debug!(
                    fields = msg.len(),
                    "ignoring an AMI message that is neither a response nor an event"
                );
            }
        }
    }

    fn on_response(&mut self, msg: Message, publish: &mut impl FnMut(Message)) {
        let Some(id) = self.entry_id(&msg) else {
            tracing::debug!(action_id = ?msg.action_id(), "ignoring a response that matches no pending action");
            return;
        };
        let Some(entry) = self.entries.get_mut(&id) else {
            tracing::debug!(action_id = ?msg.action_id(), "ignoring a response to an action no longer pending");
            return;
        };
        if !matches!(entry.stage, Stage::Response { .. }) {
            tracing::debug!(action_id = ?msg.action_id(), "ignoring a second response to one action");
            return;
        }
        let Some(mut entry) = self.take(id) else {
            return;
        };
        let Stage::Response { early } =
            std::mem::replace(&mut entry.stage, Stage::Response { early: Vec::new() })
        else {
            return;
        };
        if matches!(entry.waiter, Waiter::Internal) {
            early.into_iter().for_each(&mut *publish);
            return;
        }
        if is_error(&msg) {
            early.into_iter().for_each(&mut *publish);
            let message = msg
                .get(keys::MESSAGE)
                .map(|v| v.to_string_lossy().into_owned())
                .unwrap_or_default();
            entry.finish(Err(Error::Action {
                message,
                response: msg,
            }));
            return;
        }
        match entry.expect.clone() {
            Expect::Response if is_list_start(&msg) => {
                entry.stage = Stage::List {
                    response: msg,
                    items: Vec::new(),
                };
                self.entries.insert(id, entry);
                // Items that overtook the response.
                for ev in early {
                    self.on_event(ev, publish);
                }
            }
            Expect::Response | Expect::Command => {
                early.into_iter().for_each(&mut *publish);
                entry.finish(Ok(Reply::single(msg)));
            }
            Expect::FollowUp(_) => {
                early.into_iter().for_each(&mut *publish);
                if let Some(follow) = entry.follow.take() {
                    entry.finish(Ok(Reply {
                        response: msg,
                        items: Vec::new(),
                        complete: Some(follow),
                    }));
                } else {
                    entry.stage = Stage::FollowUp { response: msg };
                    self.entries.insert(id, entry);
                }
            }
        }
    }

    fn on_event(&mut self, msg: Message, publish: &mut impl FnMut(Message)) {
        let Some(id) = self.entry_id(&msg) else {
            return publish(msg);
        };
        let Some(entry) = self.entries.get_mut(&id) else {
            return publish(msg);
        };
        match &mut entry.stage {
            Stage::Response { early } => {
                if let Expect::FollowUp(name) = &entry.expect {
                    if entry.follow.is_none() && is_named(&msg, name) {
                        entry.follow = Some(msg.clone());
                        return publish(msg);
                    }
                }
                if early.len() >= self.max_items {
                    return self.too_long(id, msg, publish);
                }
                early.push(msg);
            }
            Stage::List { items, .. } => {
                if is_list_end(&msg) {
                    let Some(entry) = self.take(id) else {
                        return;
                    };
                    let Stage::List { response, items } = entry.stage else {
                        return;
                    };
                    if let Waiter::Caller(tx) = entry.waiter {
                        let _ = tx.send(Ok(Reply {
                            response,
                            items,
                            complete: Some(msg),
                        }));
                    }
                } else if items.len() >= self.max_items {
                    self.too_long(id, msg, publish);
                } else {
                    items.push(msg);
                }
            }
            Stage::FollowUp { .. } => {
                let Expect::FollowUp(name) = &entry.expect else {
                    return publish(msg);
                };
                if !is_named(&msg, name) {
                    return publish(msg);
                }
                let Some(entry) = self.take(id) else {
                    return;
                };
                let Stage::FollowUp { response } = entry.stage else {
                    return;
                };
                if let Waiter::Caller(tx) = entry.waiter {
                    let _ = tx.send(Ok(Reply {
                        response,
                        items: Vec::new(),
                        complete: Some(msg.clone()),
                    }));
                }
                publish(msg);
            }
        }
    }

    /// Fails action `id` whose answer grew past the limit; what it had
    /// collected and `msg` go to the event stream, as will the rest.
    fn too_long(&mut self, id: u64, msg: Message, publish: &mut impl FnMut(Message)) {
        let Some(mut entry) = self.take(id) else {
            return publish(msg);
        };
        let stage = std::mem::replace(&mut entry.stage, Stage::Response { early: Vec::new() });
        let collected = match stage {
            Stage::Response { early } => early,
            Stage::List { items, .. } => items,
            Stage::FollowUp { .. } => Vec::new(),
        };
        let error = Error::ListTooLong {
            action: entry.action_name(),
            limit: self.max_items,
        };
        entry.finish(Err(error));
        for m in collected {
            publish(m);
        }
        publish(msg);
    }

    /// The earliest deadline of a pending action.
    pub(crate) fn next_deadline(&mut self) -> Option<Instant> {
        while let Some(Reverse((at, id))) = self.deadlines.peek() {
            if self.entries.contains_key(id) {
                return Some(*at);
            }
            self.deadlines.pop();
        }
        None
    }

    /// Fails every action whose deadline is at or before `now` with
    /// [`Error::Timeout`]; what it had collected (events that came before its
    /// response, list items) goes to `publish`, so nothing is dropped.
    pub(crate) fn expire(&mut self, now: Instant, publish: &mut impl FnMut(Message)) {
        while let Some(&Reverse((at, id))) = self.deadlines.peek() {
            if at > now {
                break;
            }
            self.deadlines.pop();
            let Some(mut entry) = self.take(id) else {
                continue;
            };
            entry.release(publish);
            let action = entry.action_name();
            entry.finish(Err(Error::Timeout { action }));
        }
    }

    /// Fails every pending action (the connection is gone); what they had
    /// collected goes to `publish`.
    pub(crate) fn fail_all(
        &mut self,
        error: impl Fn() -> Error,
        publish: &mut impl FnMut(Message),
    ) {
        self.deadlines.clear();
        self.commands = 0;
        for (_, mut entry) in self.entries.drain() {
            entry.release(publish);
            entry.finish(Err(error()));
        }
    }
}

fn eq_ci(v: Option<&Text>, s: &str) -> bool {
    v.is_some_and(|v| v.as_bytes().eq_ignore_ascii_case(s.as_bytes()))
}

fn is_named(msg: &Message, name: &Value) -> bool {
    msg.event_name()
        .is_some_and(|n| n.as_bytes().eq_ignore_ascii_case(name.as_bytes()))
}

fn is_error(msg: &Message) -> bool {
    eq_ci(msg.response(), "Error")
}

/// Whether a (non-error) response announces an event list.
pub(crate) fn is_list_start(msg: &Message) -> bool {
    if eq_ci(msg.get(keys::EVENT_LIST), "start") {
        return true;
    }
    // Legacy: `Response: Follows` that is not command output.
    if eq_ci(msg.response(), "Follows") {
        let command_output =
            eq_ci(msg.get(keys::PRIVILEGE), "Command") || msg.fields().any(|f| f.is_bare_line());
        return !command_output;
    }
    // Legacy: `Message: Channel status will follow` and the like.
    msg.get(keys::MESSAGE).is_some_and(|m| {
        m.as_bytes()
            .windows(b"will follow".len())
            .any(|w| w.eq_ignore_ascii_case(b"will follow"))
    })
}

/// Whether an event ends the list it belongs to.
fn is_list_end(msg: &Message) -> bool {
    let v = msg.get(keys::EVENT_LIST);
    eq_ci(v, "Complete") || eq_ci(v, "Cancelled")
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::*;

    fn m(fields: &[(&str, &str)]) -> Message {
        fields.iter().copied().collect()
    }

    struct Harness {
        table: InFlight,
        published: Vec<Message>,
    }

    impl Harness {
        fn new() -> Self {
            Harness {
                table: InFlight::new("abc-".into(), 100),
                published: Vec::new(),
            }
        }

        fn register(&mut self, expect: Expect) -> (String, oneshot::Receiver<Result<Reply>>) {
            let (tx, rx) = oneshot::channel();
            let deadline = Instant::now() + Duration::from_secs(60);
            let id = self
                .table
                .register(Value::from("Test"), expect, Waiter::Caller(tx), deadline);
            (self.table.action_id(id), rx)
        }

        fn feed(&mut self, msg: Message) {
            let published = &mut self.published;
            self.table.dispatch(msg, &mut |e| published.push(e));
        }
    }

    fn done(rx: &mut oneshot::Receiver<Result<Reply>>) -> Option<Result<Reply>> {
        rx.try_recv().ok()
    }

    #[test]
    fn parse_id_accepts_only_ours() {
        let t = InFlight::new("abc-".into(), 100);
        assert_eq!(t.parse_id(&Value::from("abc-17")), Some(17));
        assert_eq!(t.parse_id(&Value::from("abc-")), None);
        assert_eq!(t.parse_id(&Value::from("abc-1x")), None);
        assert_eq!(t.parse_id(&Value::from("xyz-1")), None);
        assert_eq!(t.parse_id(&Value::from("abc-99999999999999999999")), None);
    }

    #[test]
    fn an_endless_list_fails_at_the_limit_and_loses_nothing() {
        let mut h = Harness::new();
        h.table.max_items = 3;
        let (id, mut rx) = h.register(Expect::Response);
        h.feed(m(&[
            ("Response", "Success"),
            ("ActionID", &id),
            ("EventList", "start"),
        ]));
        for n in 0..10 {
            h.feed(m(&[
                ("Event", "Item"),
                ("ActionID", &id),
                ("N", &n.to_string()),
            ]));
        }
        match done(&mut rx) {
            Some(Err(Error::ListTooLong { limit: 3, action })) => assert_eq!(action, "Test"),
            other => panic!("{other:?}"),
        }
        // Every item went to the event stream, in order, once.
        let ns: Vec<String> = h
            .published
            .iter()
            .map(|e| e.get("N").unwrap().to_string())
            .collect();
        assert_eq!(ns, (0..10).map(|n| n.to_string()).collect::<Vec<_>>());
        assert_eq!(h.table.len(), 0);
    }

    #[test]
    fn list_collects_items_and_publishes_others() {
        let mut h = Harness::new();
        let (id, mut rx) = h.register(Expect::Response);
        h.feed(m(&[
            ("Response", "Success"),
            ("ActionID", &id),
            ("EventList", "start"),
        ]));
        assert!(done(&mut rx).is_none());
        h.feed(m(&[("Event", "Item"), ("ActionID", &id), ("N", "1")]));
        h.feed(m(&[("Event", "Unrelated")]));
        h.feed(m(&[("Event", "Item"), ("ActionID", "someone-else")]));
        h.feed(m(&[("Event", "Item"), ("ActionID", &id), ("N", "2")]));
        assert!(done(&mut rx).is_none());
        h.feed(m(&[
            ("Event", "WhateverName"),
            ("ActionID", &id),
            ("EventList", "Complete"),
        ]));
        let reply = done(&mut rx).unwrap().unwrap();
        assert!(reply.is_list());
        assert_eq!(reply.items.len(), 2);
        assert_eq!(reply.items[1].get("N").unwrap(), "2");
        assert_eq!(
            reply.complete.unwrap().event_name().unwrap(),
            "WhateverName"
        );
        assert_eq!(h.published.len(), 2);
        assert_eq!(h.table.len(), 0);
    }

    #[test]
    fn legacy_list_forms() {
        assert!(is_list_start(&m(&[
            ("Response", "Success"),
            ("Message", "Channel status will follow")
        ])));
        assert!(is_list_start(&m(&[
            ("Response", "Follows"),
            ("ActionID", "1")
        ])));
        assert!(!is_list_start(&m(&[
            ("Response", "Follows"),
            ("Privilege", "Command"),
            ("ActionID", "1")
        ])));
        assert!(!is_list_start(&m(&[
            ("Response", "Success"),
            ("Message", "Command output follows")
        ])));
        assert!(!is_list_start(&m(&[
            ("Response", "Success"),
            ("Ping", "Pong")
        ])));
    }

    #[test]
    fn cancelled_list_completes() {
        let mut h = Harness::new();
        let (id, mut rx) = h.register(Expect::Response);
        h.feed(m(&[
            ("Response", "Success"),
            ("ActionID", &id),
            ("EventList", "start"),
        ]));
        h.feed(m(&[
            ("Event", "X"),
            ("ActionID", &id),
            ("EventList", "Cancelled"),
        ]));
        let reply = done(&mut rx).unwrap().unwrap();
        assert!(reply.items.is_empty());
        assert!(reply.is_list());
    }

    #[test]
    fn error_response_is_an_error() {
        let mut h = Harness::new();
        let (id, mut rx) = h.register(Expect::Response);
        h.feed(m(&[
            ("Response", "Error"),
            ("ActionID", &id),
            ("Message", "Invalid/unknown command"),
        ]));
        match done(&mut rx).unwrap() {
            Err(Error::Action { message, response }) => {
                assert_eq!(message, "Invalid/unknown command");
                assert_eq!(response.action_id().unwrap(), &*id);
            }
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn follow_up_event_in_either_order_is_also_published() {
        for event_first in [false, true] {
            let mut h = Harness::new();
            let (id, mut rx) = h.register(Expect::FollowUp(Value::from("OriginateResponse")));
            let resp = m(&[
                ("Response", "Success"),
                ("ActionID", &id),
                ("Message", "Originate successfully queued"),
            ]);
            let ev = m(&[
                ("Event", "OriginateResponse"),
                ("ActionID", &id),
                ("Response", "Success"),
            ]);
            if event_first {
                h.feed(ev);
                assert!(done(&mut rx).is_none());
                h.feed(resp);
            } else {
                h.feed(resp);
                h.feed(m(&[("Event", "Newchannel"), ("ActionID", &id)]));
                assert!(done(&mut rx).is_none());
                h.feed(ev);
            }
            let reply = done(&mut rx).unwrap().unwrap();
            assert_eq!(
                reply.complete.unwrap().event_name().unwrap(),
                "OriginateResponse"
            );
            let names: Vec<_> = h
                .published
                .iter()
                .map(|e| e.event_name().unwrap().to_string())
                .collect();
            assert!(
                names.contains(&"OriginateResponse".to_string()),
                "{names:?}"
            );
        }
    }

    #[test]
    fn early_items_of_a_list_are_kept() {
        let mut h = Harness::new();
        let (id, mut rx) = h.register(Expect::Response);
        h.feed(m(&[("Event", "Item"), ("ActionID", &id)]));
        h.feed(m(&[
            ("Response", "Success"),
            ("ActionID", &id),
            ("EventList", "start"),
        ]));
        h.feed(m(&[
            ("Event", "Done"),
            ("ActionID", &id),
            ("EventList", "Complete"),
        ]));
        let reply = done(&mut rx).unwrap().unwrap();
        assert_eq!(reply.items.len(), 1);
        assert!(h.published.is_empty());
    }

    #[test]
    fn expiry_and_fail_all() {
        let mut h = Harness::new();
        let (_, mut rx1) = h.register(Expect::Response);
        let start = Instant::now();
        let (tx, _rx) = oneshot::channel();
        h.table.register(
            Value::from("Later"),
            Expect::Response,
            Waiter::Caller(tx),
            start + Duration::from_secs(3600),
        );
        h.table.register(
            Value::from("Ping"),
            Expect::Response,
            Waiter::Internal,
            start,
        );
        assert!(h.table.next_deadline().unwrap() <= start);
        let mut sink = |_m: Message| {};
        h.table.expire(start + Duration::from_secs(61), &mut sink);
        assert!(done(&mut rx1).unwrap().unwrap_err().is_timeout());
        assert_eq!(h.table.len(), 1);
        h.table.fail_all(
            || Error::Disconnected {
                reason: crate::Disconnect::ClosedByPeer,
            },
            &mut sink,
        );
        assert_eq!(h.table.len(), 0);
        assert_eq!(h.table.next_deadline(), None);
    }

    #[test]
    fn a_timed_out_list_publishes_its_items() {
        let mut h = Harness::new();
        let (id, mut rx) = h.register(Expect::Response);
        h.feed(m(&[
            ("Response", "Success"),
            ("ActionID", &id),
            ("EventList", "start"),
        ]));
        for n in ["1", "2"] {
            h.feed(m(&[("Event", "Item"), ("ActionID", &id), ("N", n)]));
        }
        assert!(h.published.is_empty());
        let published = &mut h.published;
        h.table
            .expire(Instant::now() + Duration::from_secs(120), &mut |e| {
                published.push(e)
            });
        assert!(done(&mut rx).unwrap().unwrap_err().is_timeout());
        let got: Vec<_> = h
            .published
            .iter()
            .map(|e| e.get("N").unwrap().to_string())
            .collect();
        assert_eq!(got, ["1", "2"]);
    }

    #[test]
    fn pending_commands_are_counted() {
        let mut h = Harness::new();
        assert!(!h.table.has_pending_command());
        let (id, mut rx) = h.register(Expect::Command);
        assert!(h.table.has_pending_command());
        h.feed(m(&[("Response", "Success"), ("ActionID", &id)]));
        assert!(done(&mut rx).unwrap().is_ok());
        assert!(!h.table.has_pending_command());
        let _pending = h.register(Expect::Command);
        h.table.fail_all(|| Error::DeadConnection, &mut |_| {});
        assert!(!h.table.has_pending_command());
    }

    #[test]
    fn heap_of_deadlines_stays_bounded() {
        let mut h = Harness::new();
        for _ in 0..10_000 {
            let (id, _rx) = h.register(Expect::Response);
            h.feed(m(&[("Response", "Success"), ("ActionID", &id)]));
        }
        assert!(h.table.deadlines.len() < 200, "{}", h.table.deadlines.len());
    }
}
