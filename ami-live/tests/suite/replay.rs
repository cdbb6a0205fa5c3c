//! Replaying real Asterisk 22 traffic (`../shared/transcripts/` and
//! `ami-types/tests/fixtures/`) through the model: no dangling channel
//! after the hangups, no call without an end, the flows of
//! `scenario_listener.txt` (Local optimisation, transfers, parking,
//! conference, queue) as the model should see them, and the same final
//! state when a list answer is ahead of the events (property test).

use std::path::PathBuf;
use std::sync::Arc;

use ami_live::{replay, Change, Lists, Model, Origin, State, Unparked};
use ami_types::ami_core::codec::{Decoder, Frame};
use ami_types::codes::HangupCause;
use ami_types::event::Event;
use ami_types::{Message, MessageKind};
use bytes::BytesMut;
use proptest::prelude::*;

fn shared() -> PathBuf {
    let dir = std::env::var_os("AMI_SHARED_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../shared"));
    dir.join("transcripts")
}

/// Every recording: the shared transcripts and the committed fixtures.
fn recordings() -> Vec<(String, Vec<u8>)> {
    let mut files = Vec::new();
    let fixtures = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../ami-types/tests/fixtures");
    for dir in [shared(), fixtures] {
        let Ok(entries) = std::fs::read_dir(&dir) else {
            continue;
        };
        for e in entries.flatten() {
            let p = e.path();
            if p.extension().is_some_and(|x| x == "txt") {
                files.push(p);
            }
        }
    }
    files.sort();
    let out: Vec<_> = files
        .into_iter()
        .map(|p| {
            (
                p.file_name().unwrap().to_string_lossy().into_owned(),
                std::fs::read(&p).unwrap(),
            )
        })
        .collect();
    if std::env::var_os("AMI_SKIP_SHARED").is_none() {
        assert!(
            out.iter().any(|(n, _)| n == "scenario_listener.txt"),
            "../shared/transcripts/scenario_listener.txt is missing (set AMI_SKIP_SHARED=1 to skip)"
        );
    }
    out
}

fn scenario() -> Option<Vec<u8>> {
    std::fs::read(shared().join("scenario_listener.txt")).ok()
}

/// The live events of a recording, decoded (list items, which carry an
/// ActionID, are answers, not events).
fn events(bytes: &[u8]) -> Vec<Event> {
    let mut decoder = Decoder::new();
    let mut buf = BytesMut::from(bytes);
    let mut out = Vec::new();
    while let Ok(Some(frame)) = decoder.decode(&mut buf) {
        if let Frame::Message(m) = frame {
            if m.kind() == MessageKind::Event {
                out.push(Event::from_message(m));
            }
        }
    }
    out
}

/// Which channels a recording created and hung up, straight from the
/// bytes: `Newchannel` and `Hangup` by `Uniqueid`.
fn created_and_hung_up(bytes: &[u8]) -> (Vec<String>, Vec<String>) {
    let (mut created, mut hung) = (Vec::new(), Vec::new());
    for e in events(bytes) {
        let uid = e
            .raw()
            .get("Uniqueid")
            .map(|u| u.to_string_lossy().into_owned());
        match (&e, uid) {
            (Event::Newchannel(_), Some(u)) => created.push(u),
            (Event::Hangup(_), Some(u)) => hung.push(u),
            _ => {}
        }
    }
    (created, hung)
}

#[test]
fn every_recording_leaves_no_dangling_channel_and_no_call_without_an_end() {
    for (name, bytes) in recordings() {
        let r = replay(&bytes);
        assert!(r.errors.is_empty(), "{name}: {:?}", r.errors);
        assert_eq!(r.events, events(&bytes).len(), "{name}");
        let (created, hung) = created_and_hung_up(&bytes);
        let state = r.model.state();
        // Every channel still up is one the recording never hung up.
        for ch in state.channels.values() {
            assert!(
                !hung.contains(&ch.id.uniqueid.to_string()),
                "{name}: {} ({}) hung up but is still in the model",
                ch.name,
                ch.id.uniqueid
            );
        }
        let open: Vec<_> = created.iter().filter(|u| !hung.contains(u)).collect();
        assert_eq!(
            state.channels.len(),
            open.len(),
            "{name}: live channels {:?}, never hung up {open:?}",
            state.channels.keys().collect::<Vec<_>>()
        );
        // Calls: every call started ended, unless a channel of it is up.
        let started = r
            .changes
            .iter()
            .filter(|c| matches!(c.change, Change::CallStarted { .. }))
            .count();
        let ended = r
            .changes
            .iter()
            .filter(|c| {
                matches!(
                    c.change,
                    Change::CallEnded { .. } | Change::CallsMerged { .. }
                )
            })
            .count();
        assert_eq!(started, ended + state.calls.len(), "{name}");
        for call in state.calls.values() {
            assert!(!call.channels.is_empty(), "{name}: empty call {}", call.id);
            for u in call.channels.iter() {
                assert_eq!(
                    state.channel(u).map(|c| c.call.clone()),
                    Some(call.id.clone()),
                    "{name}"
                );
            }
        }
        // Nothing points at a channel that is gone.
        for b in state.bridges.values() {
            for u in b.channels.iter() {
                assert!(
                    state.channel(u).is_some(),
                    "{name}: bridge {} holds {u}",
                    b.id
                );
            }
        }
        for q in state.queues.values() {
            for c in q.callers.iter() {
                assert!(
                    state.channel(&c.uniqueid).is_some(),
                    "{name}: queue {}",
                    q.name
                );
            }
        }
        for p in state.parked.keys() {
            assert!(state.channel(p).is_some(), "{name}: parked {p}");
        }
        // Sequence numbers count the changes.
        for (i, c) in r.changes.iter().enumerate() {
            assert_eq!(c.seq, i as u64 + 1, "{name}");
        }
    }
}

#[test]
fn the_scenario_flows_are_followed() {
    let Some(bytes) = scenario() else {
        assert!(std::env::var_os("AMI_SKIP_SHARED").is_some());
        return;
    };
    let r = replay(&bytes);
    let has = |f: &dyn Fn(&Change) -> bool| r.changes.iter().any(|c| f(&c.change));
    // Local optimisation ran (and the transcript says it did not succeed).
    assert!(has(&|c| matches!(c, Change::LocalOptimized { .. })));
    assert!(has(&|c| matches!(c, Change::BridgesMerged { .. })));
    assert!(has(&|c| matches!(
        c,
        Change::Transferred {
            kind: ami_live::TransferKind::Blind,
            ..
        }
    )));
    assert!(has(&|c| matches!(
        c,
        Change::Transferred {
            kind: ami_live::TransferKind::Attended,
            ..
        }
    )));
    assert!(has(&|c| matches!(c, Change::Parked { .. })));
    assert!(has(&|c| matches!(
        c,
        Change::Unparked {
            how: Unparked::TimedOut,
            ..
        }
    )));
    assert!(has(&|c| matches!(c, Change::Unparked { .. })));
    assert!(has(&|c| matches!(c, Change::ParticipantJoined { .. })));
    assert!(has(&|c| matches!(c, Change::ParticipantLeft { .. })));
    assert!(has(&|c| matches!(c, Change::QueueCallerJoined { .. })));
    assert!(has(&|c| matches!(
        c,
        Change::QueueCallerLeft {
            abandoned: true,
            ..
        }
    )));
    assert!(has(&|c| matches!(c, Change::QueueMemberAdded { .. })));
    assert!(has(&|c| matches!(c, Change::QueueMemberRemoved { .. })));
    // Hangups carry their causes; every Hangup of the recording is one
    // ChannelRemoved.
    let removed = r
        .changes
        .iter()
        .filter(|c| matches!(c.change, Change::ChannelRemoved { .. }))
        .count();
    let (_, hung) = created_and_hung_up(&bytes);
    assert_eq!(removed, hung.len());
    assert!(r.changes.iter().all(|c| match &c.change {
        Change::ChannelRemoved { cause, .. } => cause.is_some(),
        _ => true,
    }));
    // The recorder originated every call it made.
    let ended: Vec<_> = r.model.state().ended_calls.values().collect();
    assert!(!ended.is_empty());
    // (An originate that failed before any dial, `sc-noexten`, stays
    // unknown.)
    let not: Vec<_> = ended
        .iter()
        .filter(|e| e.call.direction != ami_live::Direction::Originated)
        .map(|e| (e.call.id.to_string(), e.call.direction))
        .collect();
    assert_eq!(
        not,
        [("sc-noexten".to_owned(), ami_live::Direction::Unknown)]
    );
    // Each change names the event it came from.
    assert!(r
        .changes
        .iter()
        .all(|c| c.origin == Origin::Event && c.source.is_some()));
}

#[test]
fn late_events_hit_the_tombstone_and_a_reused_uniqueid_is_a_new_generation() {
    let ev = |fields: &[(&str, &str)]| Event::from_message(fields.iter().copied().collect());
    let snap = |event: &str, name: &str, extra: &[(&'static str, &'static str)]| {
        let mut f = vec![
            ("Event", event.to_owned()),
            ("Channel", name.to_owned()),
            ("ChannelState", "6".to_owned()),
            ("ChannelStateDesc", "Up".to_owned()),
            ("Uniqueid", "chosen-1".to_owned()),
            ("Linkedid", "chosen-1".to_owned()),
        ];
        f.extend(extra.iter().map(|(k, v)| (*k, (*v).to_owned())));
        Event::from_message(f.into_iter().collect::<Message>())
    };
    let mut model = Model::new();
    model.apply(snap("Newchannel", "PJSIP/a-1", &[]));
    let first = model.state().channel("chosen-1").unwrap().id.clone();
    model.apply(snap("Hangup", "PJSIP/a-1", &[("Cause", "17")]));
    // A late event about the hung-up channel: nothing comes back.
    let late = model.apply(snap(
        "VarSet",
        "PJSIP/a-1",
        &[("Variable", "X"), ("Value", "1")],
    ));
    assert!(late.is_empty(), "{late:?}");
    assert!(model.state().channels.is_empty());
    assert_eq!(
        model.state().tombstones["chosen-1"].cause,
        Some(HangupCause::UserBusy)
    );
    // The same Uniqueid chosen again (Originate ChannelId): a new channel.
    model.apply(snap("Newchannel", "PJSIP/b-2", &[]));
    let second = model.state().channel("chosen-1").unwrap().id.clone();
    assert_ne!(first, second);
    assert!(model.state().channel_by_id(&first).is_none());
    assert!(model.state().channel_by_id(&second).is_some());
    let _ = ev;
}

#[test]
fn an_event_after_the_hangup_of_a_channel_never_seen_makes_no_channel() {
    // Asterisk 22 sends a NewCallerid after a Local channel's Hangup
    // (scenario_listener.txt); a model that loaded its lists after the
    // channel was created but missed it must not bring it back.
    let ev = |name: &str| {
        Event::from_message(
            [
                ("Event", name),
                ("Channel", "Local/801@parkedcalls-0000033b;1"),
                ("ChannelState", "6"),
                ("Uniqueid", "sc-unpark"),
                ("Linkedid", "sc-unpark"),
                ("Cause", "16"),
            ]
            .into_iter()
            .collect::<Message>(),
        )
    };
    let mut model = Model::new();
    model.apply(ev("Hangup"));
    assert!(model.apply(ev("NewCallerid")).is_empty());
    assert!(model.state().channels.is_empty());
}

#[test]
fn a_channel_that_runs_the_dialplan_undialled_starts_an_inbound_call() {
    let ev = |name: &str, extra: &[(&str, &str)]| {
        let mut m: Message = [
            ("Event", name),
            ("Channel", "PJSIP/trunk-00000001"),
            ("ChannelState", "4"),
            ("Uniqueid", "in-1"),
            ("Linkedid", "in-1"),
        ]
        .into_iter()
        .collect();
        for (k, v) in extra {
            m.append(*k, *v);
        }
        Event::from_message(m)
    };
    let mut model = Model::new();
    model.apply(ev("Newchannel", &[]));
    assert_eq!(
        model.state().calls["in-1"].direction,
        ami_live::Direction::Unknown
    );
    model.apply(ev(
        "Newexten",
        &[("Application", "Dial"), ("AppData", "PJSIP/100")],
    ));
    assert_eq!(
        model.state().calls["in-1"].direction,
        ami_live::Direction::Inbound
    );
    assert_eq!(&*model.state().channels["in-1"].application, "Dial");
}

#[test]
fn endpoints_are_loaded_and_follow_device_state_and_contacts() {
    let msg = |fields: &[(&str, &str)]| fields.iter().copied().collect::<Message>();
    let mut model = Model::new();
    model.load(
        Lists {
            endpoints: Some(vec![
                msg(&[
                    ("Event", "EndpointList"),
                    ("ObjectType", "endpoint"),
                    ("ObjectName", "100"),
                    ("DeviceState", "Not in use"),
                ]),
                // Asterisk 18/20's chan_sip and IAX2 peers.
                msg(&[
                    ("Event", "PeerEntry"),
                    ("Channeltype", "SIP"),
                    ("ObjectName", "trunk"),
                    ("Status", "OK (12 ms)"),
                ]),
            ]),
            ..Lists::default()
        },
        Origin::Load,
    );
    assert_eq!(
        &*model.state().endpoints["PJSIP/100"].device_state,
        "Not in use"
    );
    assert_eq!(&*model.state().endpoints["SIP/trunk"].status, "OK (12 ms)");
    let ev = |fields: &[(&str, &str)]| Event::from_message(msg(fields));
    let changes = model.apply(ev(&[
        ("Event", "DeviceStateChange"),
        ("Device", "PJSIP/100"),
        ("State", "INUSE"),
    ]));
    assert!(
        matches!(&changes[0].change, Change::EndpointChanged { device } if &**device == "PJSIP/100")
    );
    model.apply(ev(&[
        ("Event", "ContactStatus"),
        ("URI", "sip:100@192.0.2.10:5060"),
        ("ContactStatus", "Reachable"),
        ("AOR", "100"),
        ("EndpointName", "100"),
    ]));
    let e = &model.state().endpoints["PJSIP/100"];
    assert_eq!(&*e.device_state, "INUSE");
    assert_eq!(
        e.contacts.get("sip:100@192.0.2.10:5060").map(|s| &**s),
        Some("Reachable")
    );
    // Local channels and queue devices are not endpoints.
    assert!(model
        .apply(ev(&[
            ("Event", "DeviceStateChange"),
            ("Device", "Local/100@default"),
            ("State", "INUSE"),
        ]))
        .is_empty());
    assert_eq!(model.state().endpoints.len(), 2);
}

#[test]
fn tombstones_are_bounded() {
    let mut model = Model::new().with_tombstone_limit(10);
    for i in 0..100 {
        let uid = format!("u{i}");
        let fields = |event: &str| -> Message {
            [
                ("Event", event),
                ("Channel", "PJSIP/x"),
                ("ChannelState", "0"),
                ("Uniqueid", uid.as_str()),
                ("Linkedid", uid.as_str()),
                ("Cause", "16"),
            ]
            .into_iter()
            .collect()
        };
        model.apply(Event::from_message(fields("Newchannel")));
        model.apply(Event::from_message(fields("Hangup")));
    }
    assert_eq!(model.state().tombstones.len(), 10);
    assert!(model.state().tombstones.contains_key("u99"));
    assert!(!model.state().tombstones.contains_key("u0"));
}

#[test]
fn a_masquerade_moves_the_name_without_a_rename() {
    // Asterisk 22: the surviving channel takes the other's name in its next
    // snapshot; the absorbed one is hung up as <ZOMBIE>.
    let msg = |fields: &[(&str, &str)]| Event::from_message(fields.iter().copied().collect());
    let mut model = Model::new();
    for (name, uid) in [("PJSIP/a-1", "a"), ("PJSIP/b-2", "b")] {
        model.apply(msg(&[
            ("Event", "Newchannel"),
            ("Channel", name),
            ("ChannelState", "6"),
            ("Uniqueid", uid),
            ("Linkedid", uid),
        ]));
    }
    let changes = model.apply(msg(&[
        ("Event", "Newstate"),
        ("Channel", "PJSIP/a-1"),
        ("ChannelState", "6"),
        ("Uniqueid", "b"),
        ("Linkedid", "b"),
    ]));
    assert!(changes
        .iter()
        .any(|c| matches!(&c.change, Change::ChannelRenamed { to, .. } if &**to == "PJSIP/a-1")));
    model.apply(msg(&[
        ("Event", "Hangup"),
        ("Channel", "PJSIP/a-1<ZOMBIE>"),
        ("ChannelState", "6"),
        ("Uniqueid", "a"),
        ("Linkedid", "a"),
        ("Cause", "16"),
    ]));
    let state = model.state();
    assert_eq!(state.channels.len(), 1);
    assert_eq!(
        &*state.channel_by_name("PJSIP/a-1").unwrap().id.uniqueid,
        "b"
    );
}

/// The list answers the embedded server or Asterisk would give for a
/// state: `CoreShowChannel` items (with `BridgeId`), `BridgeListItem`s.
fn lists_of(state: &State) -> Lists {
    let channels = state
        .channels
        .values()
        .map(|c| {
            let mut m: Message = [("Event", "CoreShowChannel")].into_iter().collect();
            m.append("Channel", &*c.name);
            m.append("ChannelState", c.state.code().to_string());
            m.append("ChannelStateDesc", &*c.state_desc);
            m.append("CallerIDNum", &*c.caller_id.num);
            m.append("CallerIDName", &*c.caller_id.name);
            m.append("ConnectedLineNum", &*c.connected_line.num);
            m.append("ConnectedLineName", &*c.connected_line.name);
            m.append("Language", &*c.language);
            m.append("AccountCode", &*c.account_code);
            m.append("Context", &*c.dialplan.context);
            m.append("Exten", &*c.dialplan.exten);
            m.append("Priority", c.dialplan.priority.to_string());
            m.append("Uniqueid", &*c.id.uniqueid);
            m.append("Linkedid", &*c.linkedid);
            m.append("Application", &*c.application);
            m.append("ApplicationData", &*c.application_data);
            m.append("BridgeId", c.bridge.as_deref().unwrap_or(""));
            m.append("Duration", "00:00:01");
            m
        })
        .collect();
    let bridges = state
        .bridges
        .values()
        .map(|b| {
            let mut m: Message = [("Event", "BridgeListItem")].into_iter().collect();
            m.append("BridgeUniqueid", &*b.id);
            m.append("BridgeType", &*b.bridge_type);
            m.append("BridgeTechnology", &*b.technology);
            m
        })
        .collect();
    Lists {
        channels: Some(channels),
        bridges: Some(bridges),
        ..Lists::default()
    }
}

/// The fields a list and the events both carry, per channel, and bridge
/// membership.
type Comparable = (
    Vec<(String, String, String, i64, String, Option<String>)>,
    Vec<(String, Vec<String>)>,
);

fn comparable(state: &State) -> Comparable {
    (
        state
            .channels
            .values()
            .map(|c| {
                (
                    c.id.uniqueid.to_string(),
                    c.name.to_string(),
                    c.linkedid.to_string(),
                    c.state.code(),
                    c.dialplan.exten.to_string(),
                    c.bridge.as_deref().map(str::to_owned),
                )
            })
            .collect(),
        state
            .bridges
            .values()
            .map(|b| {
                (
                    b.id.to_string(),
                    b.channels.iter().map(|u| u.to_string()).collect(),
                )
            })
            .collect(),
    )
}

/// A model that loads the lists taken at event `subscribed + ahead` and then
/// applies the events buffered since `subscribed` (the list answer is ahead
/// of the stream by `ahead` events) equals, `after` events later, one that
/// saw every event: the fields lists carry and the grouping into calls.
fn check_list_ahead(subscribed: usize, ahead: usize, after: usize) -> Result<(), TestCaseError> {
    let Some(bytes) = scenario() else {
        return Ok(());
    };
    let live: Vec<Arc<Event>> = events(&bytes)
        .into_iter()
        .filter(|e| e.raw().action_id().is_none())
        .map(Arc::new)
        .collect();
    let subscribed = subscribed.min(live.len());
    let taken = (subscribed + ahead).min(live.len());
    let end = (taken + after).min(live.len());

    let mut truth = Model::new();
    for e in &live[..end] {
        truth.apply(e.clone());
    }
    let mut at_taken = Model::new();
    for e in &live[..taken] {
        at_taken.apply(e.clone());
    }
    let mut model = Model::new();
    model.load(lists_of(at_taken.state()), Origin::Load);
    for e in &live[subscribed..end] {
        model.apply(e.clone());
    }
    prop_assert_eq!(comparable(model.state()), comparable(truth.state()));
    // The same calls: a load ties Local pairs (by name) and linkedids
    // back together.
    let calls = |s: &State| -> Vec<Vec<String>> {
        let mut v: Vec<Vec<String>> = s
            .calls
            .values()
            .map(|c| c.channels.iter().map(|u| u.to_string()).collect())
            .collect();
        v.sort();
        v
    };
    prop_assert_eq!(calls(model.state()), calls(truth.state()));
    Ok(())
}

/// The case CI found: the list is taken at event 1652 and the next event
/// is applied on top.
#[test]
fn a_list_taken_at_event_1652() {
    check_list_ahead(1652, 0, 1).unwrap();
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 24, ..ProptestConfig::default() })]

    /// `check_list_ahead` at random points of the recording.
    #[test]
    fn a_list_ahead_of_the_events_gives_the_same_state(
        subscribed in 0usize..2400,
        ahead in 0usize..40,
        after in 0usize..300,
    ) {
        check_list_ahead(subscribed, ahead, after)?;
    }
}

/// States, causes and durations are kept typed, and serialize as the
/// numbers Asterisk sends (a JSON consumer sees what it saw before).
#[test]
fn the_state_keeps_typed_values() {
    use ami_types::codes::{ChannelState, DeviceState};
    use std::time::{Duration, SystemTime};

    let event = |fields: &[(&str, &str)]| {
        Arc::new(Event::from_message(
            fields.iter().copied().collect::<Message>(),
        ))
    };
    let mut model = Model::new();
    let item = |fields: &[(&str, &str)]| fields.iter().copied().collect::<Message>();
    model.load(
        Lists {
            queues: Some(vec![
                item(&[
                    ("Event", "QueueParams"),
                    ("Queue", "sales"),
                    ("Holdtime", "12"),
                    ("TalkTime", "95"),
                    ("ServiceLevel", "60"),
                ]),
                item(&[
                    ("Event", "QueueMember"),
                    ("Queue", "sales"),
                    ("Location", "PJSIP/100"),
                    ("Name", "Alice"),
                    ("Status", "2"),
                    ("LastCall", "1795342681"),
                ]),
                item(&[
                    ("Event", "QueueMember"),
                    ("Queue", "sales"),
                    ("Location", "PJSIP/101"),
                    ("Name", "Bob"),
                    ("Status", "1"),
                    ("LastCall", "0"),
                ]),
            ]),
            ..Lists::default()
        },
        Origin::Load,
    );
    model.apply(event(&[
        ("Event", "Newchannel"),
        ("Channel", "PJSIP/100-00000001"),
        ("ChannelState", "5"),
        ("ChannelStateDesc", "Ringing"),
        ("Uniqueid", "u1"),
        ("Linkedid", "u1"),
    ]));
    model.apply(event(&[
        ("Event", "ParkedCall"),
        ("ParkeeChannel", "PJSIP/100-00000001"),
        ("ParkeeChannelState", "5"),
        ("ParkeeUniqueid", "u1"),
        ("ParkeeLinkedid", "u1"),
        ("Parkinglot", "default"),
        ("ParkingSpace", "701"),
        ("ParkingTimeout", "45"),
        ("ParkingDuration", "0"),
    ]));
    let state = model.state();
    assert_eq!(state.channels["u1"].state, ChannelState::Ringing);
    assert_eq!(state.parked["u1"].timeout, Duration::from_secs(45));
    let sales = &state.queues["sales"];
    assert_eq!(sales.holdtime, Duration::from_secs(12));
    assert_eq!(sales.talk_time, Duration::from_secs(95));
    assert_eq!(sales.service_level, Duration::from_secs(60));
    let alice = &sales.members["PJSIP/100"];
    assert_eq!(alice.status, DeviceState::InUse);
    assert_eq!(
        alice.last_call,
        Some(SystemTime::UNIX_EPOCH + Duration::from_secs(1_795_342_681))
    );
    assert_eq!(sales.members["PJSIP/101"].last_call, None);
    assert!(sales.members["PJSIP/101"].is_free());

    let json = serde_json::to_value(state).unwrap();
    assert_eq!(json["channels"][0]["state"], 5);
    assert_eq!(json["parked"][0]["timeout"], 45);
    assert_eq!(json["queues"][0]["holdtime"], 12);
    assert_eq!(json["queues"][0]["members"][0]["status"], 2);
    assert_eq!(
        json["queues"][0]["members"][0]["last_call"],
        1_795_342_681.0
    );
    assert!(json["queues"][0]["members"][1]["last_call"].is_null());

    model.apply(event(&[
        ("Event", "Hangup"),
        ("Channel", "PJSIP/100-00000001"),
        ("ChannelState", "5"),
        ("Uniqueid", "u1"),
        ("Linkedid", "u1"),
        ("Cause", "17"),
        ("Cause-txt", "User busy"),
    ]));
    let t = &model.state().tombstones["u1"];
    assert_eq!(t.cause, Some(HangupCause::UserBusy));
    let json = serde_json::to_value(t).unwrap();
    assert_eq!(json["cause"], 17);
}

/// The model dates a change by the event's `Timestamp`, read among the
/// header lines where Asterisk writes it (`timestampevents = yes`).
#[test]
fn the_header_timestamp_dates_the_channel() {
    use std::time::{Duration, SystemTime};

    let event = |fields: &[(&str, &str)]| {
        Arc::new(Event::from_message(
            fields.iter().copied().collect::<Message>(),
        ))
    };
    let snapshot = [
        ("Channel", "PJSIP/100-00000001"),
        ("ChannelState", "4"),
        ("Linkedid", "u1"),
    ];
    let mut model = Model::new();
    let mut fields = vec![
        ("Event", "Newchannel"),
        ("Privilege", "call,all"),
        ("Timestamp", "1795342675.500000"),
        ("Uniqueid", "u1"),
    ];
    fields.extend(snapshot);
    model.apply(event(&fields));
    assert_eq!(
        model.state().channels["u1"].created_at,
        SystemTime::UNIX_EPOCH + Duration::from_secs_f64(1_795_342_675.5)
    );
}
