//! The model against the embedded AMI server: after each scenario (one
//! call, a Local call dialling a second channel and bridging, a queue with
//! members, a hangup mid-dial, hundreds of simultaneous calls, everything
//! hung up) the model equals what fresh `CoreShowChannels`, `BridgeList`
//! and `QueueStatus` report, field by field for the fields both have;
//! handles to hung-up channels report `Gone`; readers never see a
//! half-applied event; a reconnect resynchronises.

use std::collections::BTreeMap;
use std::time::Duration;

use ami_live::{Change, ChangeItem, Error, Origin, Pbx, State};
use ami_server::{DemoMember, DemoQueue, Server, ServerConfig};
use ami_types::action::{
    Atxfer, BlindTransfer, BridgeList, ConfbridgeList, ConfbridgeListRooms, CoreShowChannels,
    Originate, ParkedCalls, QueueStatus,
};
use ami_types::codes::{ChannelState, HangupCause};
use ami_types::{Client, FromMessage, Message};

fn config() -> ServerConfig {
    let agent = |n: u32| DemoMember {
        name: format!("Agent {n}"),
        location: format!("Local/agent{n}@queue-members/n"),
        penalty: 0,
        paused: n == 2,
    };
    ServerConfig {
        time_scale: 0.01,
        ring_time: Duration::from_secs(2),
        call_duration: Duration::from_secs(100_000),
        queues: vec![DemoQueue {
            name: "support".into(),
            strategy: "ringall".into(),
            members: vec![agent(1), agent(2)],
        }],
        ..ServerConfig::default()
    }
}

fn s(m: &Message, k: &str) -> String {
    m.get(k)
        .map(|v| v.to_string_lossy().into_owned())
        .filter(|v| v != "<unknown>")
        .unwrap_or_default()
}

/// (name, linkedid, state, caller id num, context, exten, bridge)
type ChannelView = (String, String, String, String, String, String, String);
/// (members: interface → (name, paused), callers in order)
type QueueView = (BTreeMap<String, (String, bool)>, Vec<String>);

/// What a list and the model both say.
#[derive(Debug, PartialEq, Eq, Clone)]
struct View {
    /// uniqueid → channel
    channels: BTreeMap<String, ChannelView>,
    /// bridge → channels
    bridges: BTreeMap<String, Vec<String>>,
    /// queue → members and callers
    queues: BTreeMap<String, QueueView>,
    /// parked uniqueid → (lot, space)
    parked: BTreeMap<String, (String, String)>,
    /// conference → participants (uniqueid, muted)
    conferences: BTreeMap<String, Vec<(String, bool)>>,
}

async fn fresh(client: &Client) -> View {
    let channels = client.list(&CoreShowChannels::new()).await.unwrap();
    let bridges = client.list(&BridgeList::new()).await.unwrap();
    let queues = client.list(&QueueStatus::new()).await.unwrap();
    let parked = client.list(&ParkedCalls::new()).await.unwrap();
    let mut view = View {
        channels: BTreeMap::new(),
        bridges: BTreeMap::new(),
        queues: BTreeMap::new(),
        parked: BTreeMap::new(),
        conferences: BTreeMap::new(),
    };
    for p in &parked.items {
        let m = p.raw();
        view.parked.insert(
            s(m, "ParkeeUniqueid"),
            (s(m, "Parkinglot"), s(m, "ParkingSpace")),
        );
    }
    // "No active conferences." is an error answer.
    if let Ok(rooms) = client.list(&ConfbridgeListRooms::new()).await {
        for room in &rooms.items {
            let name = s(room.raw(), "Conference");
            let members = client
                .list(&ConfbridgeList::new(name.as_str()))
                .await
                .map(|l| {
                    l.items
                        .iter()
                        .map(|p| (s(p.raw(), "Uniqueid"), s(p.raw(), "Muted") == "Yes"))
                        .collect()
                })
                .unwrap_or_default();
            let mut members: Vec<(String, bool)> = members;
            members.sort();
            view.conferences.insert(name, members);
        }
    }
    for c in &channels.items {
        let m = c.raw();
        view.channels.insert(
            s(m, "Uniqueid"),
            (
                s(m, "Channel"),
                s(m, "Linkedid"),
                s(m, "ChannelState"),
                s(m, "CallerIDNum"),
                s(m, "Context"),
                s(m, "Exten"),
                s(m, "BridgeId"),
            ),
        );
    }
    for b in &bridges.items {
        view.bridges
            .insert(s(b.raw(), "BridgeUniqueid"), Vec::new());
    }
    for c in &channels.items {
        let b = s(c.raw(), "BridgeId");
        if !b.is_empty() {
            view.bridges
                .entry(b)
                .or_default()
                .push(s(c.raw(), "Uniqueid"));
        }
    }
    for v in view.bridges.values_mut() {
        v.sort();
    }
    for item in &queues.items {
        let m = item.raw();
        let q = view.queues.entry(s(m, "Queue")).or_default();
        match s(m, "Event").as_str() {
            "QueueMember" => {
                q.0.insert(s(m, "Location"), (s(m, "Name"), s(m, "Paused") == "1"));
            }
            "QueueEntry" => q.1.push(s(m, "Uniqueid")),
            _ => {}
        }
    }
    view
}

fn view(state: &State) -> View {
    View {
        channels: state
            .channels
            .values()
            .map(|c| {
                (
                    c.id.uniqueid.to_string(),
                    (
                        c.name.to_string(),
                        c.linkedid.to_string(),
                        c.state.code().to_string(),
                        c.caller_id.num.to_string(),
                        c.dialplan.context.to_string(),
                        c.dialplan.exten.to_string(),
                        c.bridge.as_deref().unwrap_or("").to_owned(),
                    ),
                )
            })
            .collect(),
        bridges: state
            .bridges
            .values()
            .map(|b| {
                (
                    b.id.to_string(),
                    b.channels.iter().map(|u| u.to_string()).collect(),
                )
            })
            .collect(),
        queues: state
            .queues
            .values()
            .map(|q| {
                (
                    q.name.to_string(),
                    (
                        q.members
                            .values()
                            .map(|m| (m.interface.to_string(), (m.name.to_string(), m.paused)))
                            .collect(),
                        q.callers.iter().map(|c| c.uniqueid.to_string()).collect(),
                    ),
                )
            })
            .collect(),
        parked: state
            .parked
            .values()
            .map(|p| {
                (
                    p.uniqueid.to_string(),
                    (p.lot.to_string(), p.space.to_string()),
                )
            })
            .collect(),
        conferences: state
            .conferences
            .values()
            .map(|c| {
                (
                    c.name.to_string(),
                    c.participants
                        .values()
                        .map(|p| (p.uniqueid.to_string(), p.muted))
                        .collect(),
                )
            })
            .collect(),
    }
}

/// Waits until the model shows what fresh lists show (the lists are taken
/// under the server's lock, consistent with the events already sent; the
/// model gets there once it has read those events).
/// A call on `channel` that lasts until it is hung up.
async fn long_call(pbx: &Pbx, channel: &str) -> ami_live::OriginatedCall {
    pbx.originate_call(Originate::new(channel).application("Wait").data("100000"))
        .await
        .unwrap()
}

/// Originates `from` into the dialplan at `exten` (which dials
/// `PJSIP/<exten>`); returns the call and the channel it talks to.
async fn dial_into(
    pbx: &Pbx,
    from: &str,
    exten: &str,
) -> (ami_live::OriginatedCall, ami_live::Str) {
    let call = pbx
        .originate_call(
            Originate::new(from)
                .context("default")
                .exten(exten)
                .priority(1),
        )
        .await
        .unwrap();
    let peer = pbx
        .until_within(Duration::from_secs(10), |s| {
            s.talks_to(&call.uniqueid).len() == 1
        })
        .await
        .unwrap()
        .talks_to(&call.uniqueid)[0]
        .clone();
    (call, peer)
}

/// Whether `uid` talks to one channel, whose name starts with `prefix`.
fn talks_to_one(s: &State, uid: &str, prefix: &str) -> bool {
    let peers = s.talks_to(uid);
    peers.len() == 1
        && s.channel(&peers[0])
            .is_some_and(|c| c.name.starts_with(prefix))
}

/// The simulated calls move on (a queue rings its agents) while the test
/// runs, so the lists are taken again until the model has caught up with
/// one set of them.
async fn assert_matches(pbx: &Pbx, what: &str) {
    let mut expected = fresh(pbx.client()).await;
    for _ in 0..20 {
        let got = pbx
            .until_within(Duration::from_secs(1), |s| view(s) == expected)
            .await;
        if got.is_ok() {
            return;
        }
        expected = fresh(pbx.client()).await;
    }
    let now = view(&pbx.snapshot());
    panic!("{what}: the model differs from the lists\nmodel: {now:#?}\nlists: {expected:#?}");
}

async fn start() -> (Server, Pbx) {
    let server = Server::start(config()).await.unwrap();
    let pbx = Pbx::builder()
        .queue_refresh(None)
        .connect(&server.url())
        .await
        .unwrap();
    (server, pbx)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_model_equals_fresh_lists_after_each_scenario() {
    let (_server, pbx) = start().await;
    assert_matches(&pbx, "at start").await;
    assert_eq!(pbx.snapshot().queues["support"].members.len(), 2);

    // One call.
    let one = pbx
        .originate_call(
            Originate::new("PJSIP/100")
                .application("Wait")
                .data("100000"),
        )
        .await
        .unwrap();
    assert!(one.answered, "{one:?}");
    assert_matches(&pbx, "one call").await;
    let state = pbx.snapshot();
    let ch = state.channel(&one.uniqueid).expect("the chosen ChannelId");
    assert!(ch.is_up());
    assert_eq!(&*ch.call, &*one.call);

    // A Local call that dials a second channel and bridges with it.
    let dialled = pbx
        .originate_call(
            Originate::new("Local/200@default")
                .application("Wait")
                .data("100000"),
        )
        .await
        .unwrap();
    assert!(dialled.answered);
    assert_matches(&pbx, "a dialled call").await;
    let state = pbx.snapshot();
    let call = state.call(&dialled.call).unwrap();
    assert_eq!(
        call.channels.len(),
        3,
        "Local ;1, ;2 and the PJSIP callee: {call:?}"
    );
    let one_half = state.channel(&dialled.uniqueid).unwrap();
    let other_half = one_half
        .local_peer
        .clone()
        .expect("LocalBridge ties the halves");
    let talks = state.talks_to(&other_half);
    assert_eq!(talks.len(), 1, "{talks:?}");
    assert!(state
        .channel(&talks[0])
        .unwrap()
        .name
        .starts_with("PJSIP/200"));

    // A call through a Local channel that optimises itself away: one half's
    // hangup is not the end of the call, and afterwards the two PJSIP
    // channels talk directly in the near bridge.
    let mut changes = pbx.changes();
    let optimised = pbx
        .originate_call(
            Originate::new("PJSIP/500")
                .context("default")
                .exten("local-600")
                .priority(1),
        )
        .await
        .unwrap();
    assert!(optimised.answered);
    let state = pbx
        .until_within(Duration::from_secs(10), |s| {
            s.call(&optimised.call).is_some_and(|c| {
                c.channels.len() == 2
                    && c.channels
                        .iter()
                        .all(|u| s.channel(u).is_some_and(|ch| !ch.is_local()))
            })
        })
        .await
        .expect("the Local pair optimised away");
    let talks = state.talks_to(&optimised.uniqueid);
    assert_eq!(talks.len(), 1, "{talks:?}");
    assert!(state
        .channel(&talks[0])
        .unwrap()
        .name
        .starts_with("PJSIP/600"));
    let mut optimised_seen = false;
    while let Ok(Some(ChangeItem::Change(r))) =
        tokio::time::timeout(Duration::from_millis(300), changes.recv()).await
    {
        match &r.change {
            Change::LocalOptimized { success, .. } => optimised_seen |= *success,
            Change::CallEnded { call, .. } => {
                assert_ne!(*call, optimised.call, "the call goes on")
            }
            _ => {}
        }
    }
    assert!(optimised_seen);
    assert_matches(&pbx, "after a Local optimisation").await;

    // A blind transfer: the callee sends the caller on to 702 and hangs up.
    let transfers = |kind| {
        let pbx = pbx.clone();
        async move {
            let mut changes = pbx.changes();
            let mut seen = false;
            while let Ok(Some(ChangeItem::Change(r))) =
                tokio::time::timeout(Duration::from_millis(500), changes.recv()).await
            {
                seen |= matches!(r.change, Change::Transferred { kind: k, .. } if k == kind);
            }
            seen
        }
    };
    let (call, callee) = dial_into(&pbx, "PJSIP/700", "701").await;
    let watch = tokio::spawn(transfers(ami_live::TransferKind::Blind));
    pbx.client()
        .send(&BlindTransfer::new(&*callee).context("default").exten("702"))
        .await
        .unwrap();
    let state = pbx
        .until_within(Duration::from_secs(10), |s| {
            s.channel(&callee).is_none() && talks_to_one(s, &call.uniqueid, "PJSIP/702")
        })
        .await
        .expect("the caller talks to 702");
    assert!(state.call(&call.call).is_some(), "the call goes on");
    assert!(watch.await.unwrap(), "BlindTransfer is reported");
    assert_matches(&pbx, "after a blind transfer").await;

    // An attended transfer: the callee consults 802 while the caller waits
    // on hold, then the bridges merge and the caller talks to 802.
    let (call, callee) = dial_into(&pbx, "PJSIP/800", "801").await;
    let watch = tokio::spawn(transfers(ami_live::TransferKind::Attended));
    pbx.client()
        .send(&Atxfer::new(&*callee, "802").context("default"))
        .await
        .unwrap();
    pbx.until_within(Duration::from_secs(10), |s| {
        s.channel(&call.uniqueid).is_some_and(|c| c.on_hold)
    })
    .await
    .expect("the caller is on hold while the callee consults");
    let state = pbx
        .until_within(Duration::from_secs(10), |s| {
            s.channel(&callee).is_none()
                && s.channel(&call.uniqueid).is_some_and(|c| !c.on_hold)
                && talks_to_one(s, &call.uniqueid, "PJSIP/802")
        })
        .await
        .expect("the caller talks to 802");
    assert!(state.call(&call.call).is_some(), "the call goes on");
    assert!(watch.await.unwrap(), "AttendedTransfer is reported");
    assert_matches(&pbx, "after an attended transfer").await;

    // A call pickup (Asterisk 22's masquerade case): PJSIP/901 dials
    // PJSIP/noanswer, which rings until PJSIP/902 picks it up; the ringing
    // channel hangs up (cause 26, answered elsewhere), the picker joins the
    // caller's call and talks to it.
    let ringing = pbx
        .originate_call(
            Originate::new("PJSIP/901")
                .context("default")
                .exten("noanswer")
                .priority(1),
        )
        .await
        .unwrap();
    let target = pbx
        .until_within(Duration::from_secs(10), |s| {
            s.channels
                .values()
                .any(|c| c.name.starts_with("PJSIP/noanswer-") && c.state == ChannelState::Ringing)
        })
        .await
        .unwrap()
        .channels
        .values()
        .find(|c| c.name.starts_with("PJSIP/noanswer-"))
        .unwrap()
        .id
        .clone();
    let mut changes = pbx.changes();
    let picker = pbx
        .originate_call(
            Originate::new("PJSIP/902")
                .application("Pickup")
                .data("noanswer"),
        )
        .await
        .unwrap();
    let state = pbx
        .until_within(Duration::from_secs(10), |s| {
            s.talks_to(&ringing.uniqueid) == [picker.uniqueid.clone()]
        })
        .await
        .expect("the picker talks to the caller");
    assert!(state.channel_by_id(&target).is_none());
    assert_eq!(
        state.tombstones[&target.uniqueid].cause,
        Some(HangupCause::AnsweredElsewhere)
    );
    assert_eq!(
        state.channel(&picker.uniqueid).unwrap().call,
        state.channel(&ringing.uniqueid).unwrap().call,
        "one call"
    );
    let mut merged = false;
    while let Ok(Some(ChangeItem::Change(r))) =
        tokio::time::timeout(Duration::from_millis(300), changes.recv()).await
    {
        merged |= matches!(r.change, Change::CallsMerged { .. });
    }
    assert!(merged, "the picker's call merged into the caller's");
    assert_matches(&pbx, "after a pickup").await;

    // A caller in a queue with members.
    let client = pbx.client().clone();
    let queued = tokio::spawn(async move {
        client
            .originate(
                &Originate::new("PJSIP/5551234")
                    .application("Queue")
                    .data("support"),
            )
            .await
    });
    pbx.until_within(Duration::from_secs(10), |s| {
        !s.queues["support"].callers.is_empty()
    })
    .await
    .expect("the caller joins the queue");
    assert_matches(&pbx, "a caller in a queue").await;
    queued.await.unwrap().unwrap();

    // A hangup mid-dial, through a handle; the handle then says Gone.
    let client = pbx.client().clone();
    let ringing = tokio::spawn(async move {
        client
            .originate(
                &Originate::new("PJSIP/noanswer")
                    .application("Wait")
                    .data("1")
                    .channel_id("mid-dial-1")
                    .timeout(600_000),
            )
            .await
    });
    pbx.until_within(Duration::from_secs(10), |s| {
        s.channel("mid-dial-1").is_some()
    })
    .await
    .unwrap();
    let handle = pbx.channel("mid-dial-1").unwrap();
    assert_matches(&pbx, "a channel ringing").await;
    handle.hangup().await.unwrap();
    let cause = handle.until_hangup().await.unwrap();
    assert!(cause.is_some());
    let gone = handle.hangup().await.unwrap_err();
    assert!(
        matches!(&gone, Error::Gone { name, .. } if name.starts_with("PJSIP/noanswer")),
        "{gone}"
    );
    assert!(handle.get().unwrap_err().is_gone());
    let answer = ringing.await.unwrap().unwrap();
    assert!(!answer.is_success());
    assert_matches(&pbx, "after the hangup mid-dial").await;

    // A call parked until its timeout: in the lot's holding bridge (not a
    // conversation), then gone.
    let parked = pbx
        .originate_call(Originate::new("PJSIP/300").application("Park").data("3"))
        .await
        .unwrap();
    let state = pbx
        .until_within(Duration::from_secs(10), |s| {
            s.parked.contains_key(&*parked.uniqueid)
        })
        .await
        .expect("parked");
    assert_eq!(&*state.parked[&*parked.uniqueid].space, "701");
    let lot = state
        .channel(&parked.uniqueid)
        .unwrap()
        .bridge
        .clone()
        .unwrap();
    assert!(state.bridges[&lot].is_holding());
    assert!(state.talks_to(&parked.uniqueid).is_empty());
    assert_matches(&pbx, "a parked call").await;
    let mut changes = pbx.changes();
    pbx.channel(&parked.uniqueid)
        .unwrap()
        .until_hangup()
        .await
        .unwrap();
    let mut timed_out = false;
    while let Ok(Some(ChangeItem::Change(r))) =
        tokio::time::timeout(Duration::from_millis(500), changes.recv()).await
    {
        timed_out |= matches!(
            r.change,
            Change::Unparked {
                how: ami_live::Unparked::TimedOut,
                ..
            }
        );
    }
    assert!(timed_out, "ParkedCallTimeOut is followed");
    assert_matches(&pbx, "after the park timeout").await;

    // A conference of three: one muted, one kicked, through the handles.
    let mut members = Vec::new();
    for n in 0..3 {
        let joined = pbx
            .originate_call(
                Originate::new(format!("PJSIP/40{n}"))
                    .application("ConfBridge")
                    .data("sales"),
            )
            .await
            .unwrap();
        members.push(joined.uniqueid);
    }
    pbx.until_within(Duration::from_secs(10), |s| {
        s.conferences
            .get("sales")
            .is_some_and(|c| c.participants.len() == 3)
    })
    .await
    .expect("three participants");
    assert_matches(&pbx, "a conference").await;
    let room = pbx.conference("sales");
    room.mute(&members[0], true).await.unwrap();
    pbx.until_within(Duration::from_secs(10), |s| {
        s.conferences["sales"].participants[&*members[0]].muted
    })
    .await
    .expect("muted");
    room.kick(&members[1]).await.unwrap();
    pbx.until_within(Duration::from_secs(10), |s| {
        s.conferences["sales"].participants.len() == 2 && s.channel(&members[1]).is_none()
    })
    .await
    .expect("kicked");
    assert!(room.kick(&members[1]).await.unwrap_err().is_gone());
    assert_matches(&pbx, "a conference after a mute and a kick").await;

    // Hundreds of simultaneous calls.
    let mut calls = tokio::task::JoinSet::new();
    for n in 0..300 {
        let pbx = pbx.clone();
        calls.spawn(async move {
            pbx.originate_call(
                Originate::new(format!("Local/{}@default", 1000 + n))
                    .application("Wait")
                    .data("100000"),
            )
            .await
        });
    }
    while let Some(r) = calls.join_next().await {
        assert!(r.unwrap().unwrap().answered);
    }
    assert_matches(&pbx, "300 more calls").await;
    assert!(pbx.snapshot().channels.len() >= 900);

    // Everything hung up, call by call, through handles.
    let ids: Vec<_> = pbx.snapshot().calls.keys().cloned().collect();
    for id in ids {
        pbx.call(&id).hangup().await.unwrap();
    }
    if pbx
        .until_within(Duration::from_secs(20), |s| {
            s.channels.is_empty() && s.calls.is_empty() && s.bridges.is_empty()
        })
        .await
        .is_err()
    {
        assert_matches(&pbx, "everything hung up").await;
        let s = pbx.snapshot();
        panic!(
            "left: {:?} {:?} {:?}",
            s.channels.values().map(|c| &c.name).collect::<Vec<_>>(),
            s.calls.keys().collect::<Vec<_>>(),
            s.bridges.keys().collect::<Vec<_>>()
        );
    }
    assert_matches(&pbx, "everything hung up").await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn readers_never_see_a_half_applied_event() {
    let (_server, pbx) = start().await;
    let reader = {
        let pbx = pbx.clone();
        tokio::spawn(async move {
            let mut checked = 0u64;
            for _ in 0..20_000 {
                let s = pbx.snapshot();
                // Every channel is in its call, every call's channels live,
                // every bridge member a live channel in that bridge.
                for c in s.channels.values() {
                    let call = s.calls.get(&c.call).expect("the channel's call");
                    assert!(call.channels.contains(&c.id.uniqueid));
                }
                for call in s.calls.values() {
                    for u in call.channels.iter() {
                        assert_eq!(s.channel(u).map(|c| &c.call), Some(&call.id));
                    }
                }
                for b in s.bridges.values() {
                    for u in b.channels.iter() {
                        assert_eq!(s.channel(u).and_then(|c| c.bridge.as_ref()), Some(&b.id));
                    }
                }
                checked += s.channels.len() as u64;
                tokio::task::yield_now().await;
            }
            checked
        })
    };
    let mut calls = tokio::task::JoinSet::new();
    for n in 0..100 {
        let client = pbx.client().clone();
        calls.spawn(async move {
            client
                .originate(
                    &Originate::new(format!("Local/{}@default", 300 + n))
                        .application("Wait")
                        .data("0.5"),
                )
                .await
        });
    }
    while let Some(r) = calls.join_next().await {
        r.unwrap().unwrap();
    }
    assert!(reader.await.unwrap() > 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn changes_stream_with_sequence_numbers_and_a_slow_consumer_gets_the_difference() {
    let server = Server::start(config()).await.unwrap();
    let pbx = Pbx::builder()
        .queue_refresh(None)
        .change_buffer(4)
        .connect(&server.url())
        .await
        .unwrap();
    let mut fast = pbx.changes();
    let mut slow = pbx.changes();
    let call = pbx
        .originate_call(
            Originate::new("Local/100@default")
                .application("Wait")
                .data("0.2"),
        )
        .await
        .unwrap();
    pbx.call(&call.call).until_ended().await.unwrap();

    // The fast consumer, reading as they come: numbered, with sources,
    // from the call's start to its end. (With a buffer of four events it
    // may lag too; then it gets the difference.)
    let mut seqs = Vec::new();
    let mut ended = false;
    while let Ok(Some(item)) = tokio::time::timeout(Duration::from_millis(300), fast.recv()).await {
        match item {
            ChangeItem::Change(r) => {
                assert_eq!(r.origin, Origin::Event);
                assert!(r.source.is_some());
                seqs.push(r.seq);
                ended |= matches!(&r.change, Change::CallEnded { call: c, .. } if *c == call.call);
            }
            ChangeItem::Lagged { .. } => {}
        }
    }
    assert!(seqs.windows(2).all(|w| w[0] < w[1]), "{seqs:?}");

    // The slow one, which read nothing: the difference from the start to
    // now, i.e. nothing left of the call.
    let Some(ChangeItem::Lagged { snapshot, changes }) = slow.recv().await else {
        panic!("a consumer more than four events behind gets Lagged");
    };
    assert!(snapshot.calls.is_empty());
    assert!(changes.is_empty(), "the call came and went: {changes:?}");
    let _ = ended;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_reconnect_resynchronises_and_handles_stay_valid() {
    let mut server = Server::start(config()).await.unwrap();
    let url = format!("{}?reconnect=on", server.url());
    let pbx = Pbx::builder()
        .queue_refresh(None)
        .connect(&url)
        .await
        .unwrap();
    let call = long_call(&pbx, "PJSIP/100").await;
    let handle = pbx.channel(&call.uniqueid).unwrap();
    let mut changes = pbx.changes();
    // The server restarts: its calls are gone (a restarted Asterisk has
    // none either), and the model must say so once it is back.
    server.restart(Duration::from_millis(200)).await.unwrap();
    let mut removed = None;
    while let Ok(Some(item)) = tokio::time::timeout(Duration::from_secs(10), changes.recv()).await {
        if let ChangeItem::Change(r) = item {
            if let Change::ChannelRemoved { id, cause, .. } = &r.change {
                assert_eq!(r.origin, Origin::Reconnect);
                removed = Some((id.clone(), *cause));
                break;
            }
        }
    }
    let (id, cause) = removed.expect("the resync reports the channel gone");
    assert_eq!(&id, handle.id());
    assert_eq!(cause, None);
    assert!(handle.get().unwrap_err().is_gone());
    // A new call after the reconnect is followed.
    let again = pbx
        .originate_call(
            Originate::new("PJSIP/101")
                .application("Wait")
                .data("100000"),
        )
        .await
        .unwrap();
    assert!(pbx.snapshot().channel(&again.uniqueid).is_some());
    assert_matches(&pbx, "after the reconnect").await;
    assert!(pbx.drift() > 0);
}

#[test]
fn a_list_item_message_is_not_an_event() {
    // A `ParkedCall` list item (with ActionID) changes nothing; the live
    // event of the same name parks.
    let mut model = ami_live::Model::new();
    let item: Message = [
        ("Event", "ParkedCall"),
        ("ActionID", "1"),
        ("ParkeeChannel", "PJSIP/1"),
        ("ParkeeChannelState", "6"),
        ("ParkeeUniqueid", "p1"),
        ("ParkeeLinkedid", "p1"),
        ("ParkingSpace", "701"),
    ]
    .into_iter()
    .collect();
    assert!(model
        .apply(ami_types::event::Event::from_message(item.clone()))
        .is_empty());
    let mut live = item;
    live.remove("ActionID");
    let changes = model.apply(ami_types::event::Event::from_message(live));
    assert!(changes
        .iter()
        .any(|c| matches!(c.change, Change::Parked { .. })));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_audit_repairs_only_what_status_confirms() {
    let server = Server::start(config()).await.unwrap();
    let pbx = Pbx::builder()
        .queue_refresh(None)
        .audit(Some(Duration::from_secs(1)))
        .connect(&server.url())
        .await
        .unwrap();
    let call = long_call(&pbx, "PJSIP/100").await;
    let handle = pbx.channel(&call.uniqueid).unwrap();
    let mut changes = pbx.changes();
    // Drift, both ways: a Hangup that did not happen, and a channel that
    // does not exist.
    let name = handle.get().unwrap().name.to_string();
    let fake = |fields: &[(&str, &str)]| fields.iter().copied().collect::<Message>();
    server.emit(fake(&[
        ("Event", "Hangup"),
        ("Privilege", "call,all"),
        ("Channel", &name),
        ("ChannelState", "6"),
        ("Uniqueid", &call.uniqueid),
        ("Linkedid", &call.uniqueid),
        ("Cause", "16"),
    ]));
    server.emit(fake(&[
        ("Event", "Newchannel"),
        ("Privilege", "call,all"),
        ("Channel", "PJSIP/ghost-00000099"),
        ("ChannelState", "4"),
        ("Uniqueid", "ghost-1"),
        ("Linkedid", "ghost-1"),
    ]));
    pbx.until_within(Duration::from_secs(5), |s| s.channel("ghost-1").is_some())
        .await
        .unwrap();
    assert!(handle.get().is_err());
    // The audit asks Status about both and repairs them.
    let state = pbx
        .until_within(Duration::from_secs(10), |s| {
            s.channel("ghost-1").is_none() && s.channel(&call.uniqueid).is_some()
        })
        .await
        .expect("the audit repairs both");
    assert!(pbx.audits() >= 1);
    assert_eq!(pbx.drift(), 2);
    // The channel keeps its identity: the handle works again.
    assert_eq!(state.channel(&call.uniqueid).unwrap().id, *handle.id());
    assert!(handle.get().is_ok());
    let mut audit = Vec::new();
    while let Ok(Some(ChangeItem::Change(r))) =
        tokio::time::timeout(Duration::from_millis(200), changes.recv()).await
    {
        if r.origin == Origin::Audit {
            audit.push(r.change);
        }
    }
    assert!(audit
        .iter()
        .any(|c| matches!(c, Change::ChannelAdded { id, .. } if id == handle.id())));
    assert!(audit
        .iter()
        .any(|c| matches!(c, Change::ChannelRemoved { id, cause: None, .. } if &*id.uniqueid == "ghost-1")));
    assert_matches(&pbx, "after the audit").await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn connect_warns_when_read_permissions_or_the_event_mask_leave_classes_out() {
    // Everything readable: no warning.
    let (_server, pbx) = start().await;
    assert!(pbx.warnings().is_empty(), "{:?}", pbx.warnings());
    let call = pbx
        .originate_call(
            Originate::new("PJSIP/100")
                .application("Wait")
                .data("100000")
                .variable("CUSTOMER=42"),
        )
        .await
        .unwrap();
    let ch = pbx.snapshot().channel(&call.uniqueid).cloned().unwrap();
    assert_eq!(ch.variables.get("CUSTOMER").map(|v| &**v), Some("42"));

    // read=system,call: no queue or dialplan events reach the model.
    let server = Server::start(ServerConfig {
        read_permissions: "system,call".into(),
        ..config()
    })
    .await
    .unwrap();
    let pbx = Pbx::connect(&server.url()).await.unwrap();
    let w = pbx.warnings().join("\n");
    assert!(w.contains("read= of admin"), "{w}");
    assert!(
        w.contains("dialplan class") && w.contains("agent class"),
        "{w}"
    );
    assert!(!w.contains("the call class"), "{w}");
    // And indeed: the call is seen, its variables (dialplan class) not.
    let call = pbx
        .originate_call(
            Originate::new("PJSIP/100")
                .application("Wait")
                .data("100000")
                .variable("CUSTOMER=42"),
        )
        .await
        .unwrap();
    let ch = pbx
        .snapshot()
        .channel(&call.uniqueid)
        .cloned()
        .expect("call events pass");
    assert!(ch.variables.is_empty(), "{:?}", ch.variables);

    // events=system on the URL: nothing the model needs.
    let pbx = Pbx::connect(&format!("{}?events=system", server.url()))
        .await
        .unwrap();
    let w = pbx.warnings().join("\n");
    assert!(w.contains("events=") && w.contains("the call class"), "{w}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn originate_call_reports_the_far_end_through_local_channels() {
    let (_server, pbx) = start().await;
    // Answered through a Local channel: ;2 dials PJSIP/200, which answers.
    let ok = pbx
        .originate_call(
            Originate::new("Local/200@default")
                .application("Wait")
                .data("0.5"),
        )
        .await
        .unwrap();
    assert_eq!(ok.outcome(), "answered");
    assert_eq!(ok.dial_status.as_deref(), Some("ANSWER"));
    let call = pbx.call(&ok.call).get().unwrap();
    assert_eq!(call.direction, ami_live::Direction::Originated);
    assert_eq!(call.dial_status.as_deref(), Some("ANSWER"));
    let end = pbx.call(&ok.call).until_ended().await.unwrap();
    assert_eq!(end.cause, Some(HangupCause::NormalClearing));
    assert_eq!(end.dial_status.as_deref(), Some("ANSWER"));
    assert!(end.duration > Duration::ZERO);

    // Busy behind the Local channel: the far end's DialEnd says so.
    let busy = pbx
        .originate_call(
            Originate::new("Local/busy@default")
                .application("Wait")
                .data("1"),
        )
        .await
        .unwrap();
    assert!(!busy.answered);
    assert_eq!(busy.dial_status.as_deref(), Some("BUSY"), "{busy:?}");
    assert_eq!(busy.outcome(), "busy");
    assert_eq!(busy.cause, Some(HangupCause::UserBusy));
    let end = pbx.call(&busy.call).until_ended().await.unwrap();
    assert_eq!(end.cause, Some(HangupCause::UserBusy));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn channel_handles_act_on_the_channel_by_uniqueid() {
    let (_server, pbx) = start().await;
    let call = long_call(&pbx, "PJSIP/100").await;
    let ch = pbx.channel(&call.uniqueid).unwrap();
    ch.set_var("CUSTOMER", "42").await.unwrap();
    assert_eq!(ch.get_var("CUSTOMER").await.unwrap().as_deref(), Some("42"));
    let seen = ch
        .until(|c| c.variables.get("CUSTOMER").is_some_and(|v| &**v == "42"))
        .await
        .unwrap();
    assert_eq!(seen.id, *ch.id());
    ch.play_dtmf('5').await.unwrap();
    ch.hangup().await.unwrap();
    assert_eq!(
        ch.until_hangup().await.unwrap(),
        Some(HangupCause::NormalClearing)
    );
    for err in [
        ch.set_var("X", "1").await.unwrap_err(),
        ch.get_var("X").await.unwrap_err(),
        ch.play_dtmf('1').await.unwrap_err(),
        ch.redirect("default", "100", 1).await.unwrap_err(),
        ch.park().await.unwrap_err(),
    ] {
        assert!(err.is_gone(), "{err}");
    }
    assert!(ch
        .tombstone()
        .is_some_and(|t| t.cause == Some(HangupCause::NormalClearing)));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn queue_handles_change_members_and_a_reload_refreshes_the_counters() {
    let server = Server::start(config()).await.unwrap();
    let pbx = Pbx::builder()
        .queue_refresh(None)
        .connect(&server.url())
        .await
        .unwrap();
    let q = pbx.queue("support");
    q.add_member("PJSIP/300", Some("Agent Three"))
        .await
        .unwrap();
    pbx.until_within(Duration::from_secs(5), |s| {
        s.queues["support"].members.contains_key("PJSIP/300")
    })
    .await
    .expect("added");
    assert_eq!(
        &*q.get().unwrap().members["PJSIP/300"].membership,
        "dynamic"
    );
    assert_matches(&pbx, "a member added").await;
    q.pause_member("PJSIP/300", true, "lunch").await.unwrap();
    pbx.until_within(Duration::from_secs(5), |s| {
        s.queues["support"].members["PJSIP/300"].paused
    })
    .await
    .expect("paused");
    assert_matches(&pbx, "a member paused").await;
    q.remove_member("PJSIP/300").await.unwrap();
    pbx.until_within(Duration::from_secs(5), |s| {
        !s.queues["support"].members.contains_key("PJSIP/300")
    })
    .await
    .expect("removed");
    assert!(q.remove_member("PJSIP/300").await.unwrap_err().is_gone());
    assert_matches(&pbx, "a member removed").await;

    // A queue call answered and ended: Asterisk raises no event for the
    // queue's counters; a Reload makes the model ask QueueStatus again.
    let caller = pbx
        .originate_call(
            Originate::new("PJSIP/5550001")
                .application("Queue")
                .data("support"),
        )
        .await
        .unwrap();
    let call = pbx.call(&caller.call);
    call.until_connected().await.unwrap();
    call.hangup().await.unwrap();
    call.until_ended().await.unwrap();
    assert_eq!(pbx.snapshot().queues["support"].completed, 0);
    server.emit(
        [
            ("Event", "Reload"),
            ("Privilege", "system,all"),
            ("Module", "app_queue.so"),
            ("Status", "2"),
        ]
        .into_iter()
        .collect(),
    );
    pbx.until_within(Duration::from_secs(5), |s| {
        s.queues["support"].completed == 1
    })
    .await
    .expect("QueueStatus re-run after the Reload");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_call_originated_to_an_application_shows_it_as_coreshowchannels_does() {
    let (_server, pbx) = start().await;
    let call = long_call(&pbx, "PJSIP/301").await;
    let listed = pbx
        .client()
        .list(&CoreShowChannels::new())
        .await
        .unwrap()
        .items
        .into_iter()
        .find(|c| s(c.raw(), "Uniqueid") == *call.uniqueid)
        .expect("the originated channel is listed");
    let (app, data) = (
        s(listed.raw(), "Application"),
        s(listed.raw(), "ApplicationData"),
    );
    assert_eq!(app, "Wait");
    let uid = call.uniqueid.clone();
    let state = pbx
        .until_within(Duration::from_secs(10), |st| {
            st.channel(&uid)
                .is_some_and(|c| *c.application == *app && *c.application_data == *data)
        })
        .await;
    assert!(
        state.is_ok(),
        "the model shows {:?}",
        pbx.snapshot()
            .channel(&uid)
            .map(|c| (c.application.clone(), c.application_data.clone()))
    );
}
