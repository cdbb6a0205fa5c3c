//! The call simulator: Originate event sequences, lists during a call,
//! Status, variables, Hangup, failures.

use crate::support;

use std::collections::{BTreeMap, BTreeSet};
use std::time::Duration;

use ami_core::Message;
use ami_server::ServerConfig;
use support::*;

fn fast() -> ServerConfig {
    ServerConfig {
        time_scale: 0.02,
        ..ServerConfig::default()
    }
}

/// Collects events until every channel that appeared has hung up and, for
/// an async originate, its OriginateResponse has come.
async fn call_events(c: &mut Conn, want_originate_response: bool) -> Vec<Message> {
    let mut events = Vec::new();
    let mut alive = BTreeSet::new();
    let mut seen_any = false;
    let mut got_response = !want_originate_response;
    loop {
        let m = c.next().await;
        let Some(name) = m.event_name().map(|n| n.to_string()) else {
            continue;
        };
        match name.as_str() {
            "Newchannel" => {
                alive.insert(s(&m, "Channel"));
                seen_any = true;
            }
            "Hangup" => {
                alive.remove(&s(&m, "Channel"));
            }
            "OriginateResponse" => got_response = true,
            "FullyBooted" => continue,
            _ => {}
        }
        events.push(m);
        if seen_any && alive.is_empty() && got_response {
            return events;
        }
        if !seen_any && got_response && name == "OriginateResponse" {
            return events;
        }
    }
}

fn names(events: &[Message]) -> Vec<String> {
    events
        .iter()
        .map(|m| m.event_name().unwrap().to_string())
        .collect()
}

fn position(events: &[Message], pred: impl Fn(&Message) -> bool) -> usize {
    events.iter().position(pred).expect("event present")
}

#[tokio::test]
async fn originate_local_async_sequence_is_consistent() {
    let server = start(fast()).await;
    let mut c = Conn::login(&server).await;
    let id = c
        .action(
            "Originate",
            &[
                ("Channel", "Local/100@default"),
                ("Application", "Wait"),
                ("Data", "2"),
                ("Async", "true"),
                ("CallerID", "\"AMI Test\" <5551234>"),
                ("Variable", "FOO=bar"),
                ("Variable", "BAZ=qux"),
            ],
        )
        .await;
    let r = c.response(&id).await;
    assert_eq!(s(&r, "Response"), "Success");
    assert_eq!(s(&r, "Message"), "Originate successfully queued");
    let events = call_events(&mut c, true).await;
    let names = names(&events);

    // Every event is a call or dialplan event with a Privilege.
    for e in &events {
        let p = s(e, "Privilege");
        assert!(p == "call,all" || p == "dialplan,all", "{e:?}");
    }

    // Three channels: the two Local halves and the dialled PJSIP endpoint.
    let created: Vec<String> = events
        .iter()
        .filter(|e| is_event(e, "Newchannel"))
        .map(|e| s(e, "Channel"))
        .collect();
    assert_eq!(created.len(), 3, "{created:?}");
    assert!(created[0].starts_with("Local/100@default-") && created[0].ends_with(";1"));
    assert_eq!(created[1], created[0].replace(";1", ";2"));
    assert!(created[2].starts_with("PJSIP/100-"));

    // One Linkedid (the first channel's Uniqueid) on everything; increasing
    // Uniqueids.
    let first_uid = s(&events[0], "Uniqueid");
    let mut uids = Vec::new();
    for e in events.iter().filter(|e| e.get("Linkedid").is_some()) {
        assert_eq!(s(e, "Linkedid"), first_uid, "{e:?}");
    }
    for e in events.iter().filter(|e| is_event(e, "Newchannel")) {
        let uid = s(e, "Uniqueid");
        let (secs, n) = uid.split_once('.').unwrap();
        assert_eq!(secs, first_uid.split_once('.').unwrap().0);
        uids.push(n.parse::<u64>().unwrap());
    }
    assert!(uids.windows(2).all(|w| w[0] < w[1]), "{uids:?}");

    // The variables and the caller ID reach both halves.
    let varsets: Vec<_> = events
        .iter()
        .filter(|e| is_event(e, "VarSet") && s(e, "Variable") == "FOO")
        .collect();
    assert_eq!(varsets.len(), 2);
    assert!(varsets.iter().all(|e| s(e, "Value") == "bar"));
    let cid = events.iter().find(|e| is_event(e, "NewCallerid")).unwrap();
    assert_eq!(s(cid, "CallerIDNum"), "5551234");
    assert_eq!(s(cid, "CallerIDName"), "AMI Test");

    // Order: ringing, answer, OriginateResponse, bridge, hangups.
    for n in [
        "LocalBridge",
        "DialBegin",
        "DialEnd",
        "Newstate",
        "BridgeCreate",
        "BridgeEnter",
        "BridgeLeave",
        "BridgeDestroy",
        "HangupRequest",
        "OriginateResponse",
    ] {
        assert!(names.contains(&n.to_owned()), "{n} missing from {names:?}");
    }
    assert_eq!(names.iter().filter(|n| *n == "BridgeEnter").count(), 2);
    assert_eq!(names.iter().filter(|n| *n == "BridgeLeave").count(), 2);
    assert_eq!(names.iter().filter(|n| *n == "Hangup").count(), 3);
    let ringing = position(&events, |e| {
        is_event(e, "Newstate") && s(e, "ChannelStateDesc") == "Ringing"
    });
    let up = position(&events, |e| {
        is_event(e, "Newstate") && s(e, "ChannelStateDesc") == "Up"
    });
    let orig = position(&events, |e| is_event(e, "OriginateResponse"));
    let create = position(&events, |e| is_event(e, "BridgeCreate"));
    let destroy = position(&events, |e| is_event(e, "BridgeDestroy"));
    assert!(
        ringing < up && up < orig && orig < create && create < destroy,
        "{names:?}"
    );

    // Each bridged channel leaves the bridge before it hangs up; the bridge
    // id is the same throughout.
    let bridge = s(&events[create], "BridgeUniqueid");
    for e in events.iter().filter(|e| is_event(e, "BridgeLeave")) {
        assert_eq!(s(e, "BridgeUniqueid"), bridge);
        let chan = s(e, "Channel");
        let leave = position(&events, |x| {
            is_event(x, "BridgeLeave") && s(x, "Channel") == chan
        });
        let hangup = position(&events, |x| {
            is_event(x, "Hangup") && s(x, "Channel") == chan
        });
        assert!(leave < hangup, "{chan}: {names:?}");
    }
    let enters: Vec<_> = events
        .iter()
        .filter(|e| is_event(e, "BridgeEnter"))
        .map(|e| s(e, "BridgeNumChannels"))
        .collect();
    assert_eq!(enters, ["1", "2"]);
    for e in events.iter().filter(|e| is_event(e, "Hangup")) {
        assert_eq!(s(e, "Cause"), "16");
        assert_eq!(s(e, "Cause-txt"), "Normal Clearing");
    }

    // OriginateResponse carries the ActionID and names the ;1 channel.
    let resp = &events[orig];
    let keys: Vec<_> = resp.iter().map(|(k, _)| k.into_owned()).collect();
    assert_eq!(
        keys,
        [
            "Event",
            "Privilege",
            "ActionID",
            "Response",
            "Channel",
            "Application",
            "Data",
            "Reason",
            "Uniqueid",
            "CallerIDNum",
            "CallerIDName"
        ]
    );
    assert_eq!(s(resp, "ActionID"), id);
    assert_eq!(s(resp, "Response"), "Success");
    assert_eq!(s(resp, "Reason"), "4");
    assert_eq!(s(resp, "Channel"), created[0]);
    assert_eq!(s(resp, "Uniqueid"), first_uid);
    assert_eq!(s(resp, "Data"), "2");

    // The DialEnd of the originate itself says ANSWER.
    let dial_end = events
        .iter()
        .find(|e| is_event(e, "DialEnd") && e.get("Channel").is_none())
        .unwrap();
    assert_eq!(s(dial_end, "DestChannel"), created[0]);
    assert_eq!(s(dial_end, "DialStatus"), "ANSWER");

    wait_for_no_calls(&server).await;
}

async fn wait_for_no_calls(server: &ami_server::Server) {
    for _ in 0..500 {
        if server.active_calls() == 0 {
            return;
        }
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    panic!("{} calls still active", server.active_calls());
}

#[tokio::test]
async fn core_show_channels_and_status_during_a_call() {
    let server = start(fast()).await;
    let mut c = Conn::login(&server).await;
    let id = c
        .action(
            "Originate",
            &[
                ("Channel", "Local/200@default"),
                ("Application", "Wait"),
                ("Data", "100"),
                ("Async", "1"),
            ],
        )
        .await;
    c.response(&id).await;
    c.until(|m| is_event(m, "BridgeEnter") && s(m, "BridgeNumChannels") == "2")
        .await;
    assert_eq!(server.active_calls(), 1);

    let id = c.action("CoreShowChannels", &[]).await;
    let (r, items, done, _) = c.list(&id).await;
    let keys: Vec<_> = r.iter().map(|(k, _)| k.into_owned()).collect();
    assert_eq!(keys, ["Response", "ActionID", "EventList", "Message"]);
    assert_eq!(s(&r, "Message"), "Channels will follow");
    assert_eq!(items.len(), 3);
    assert_eq!(s(&done, "ListItems"), "3");
    assert_eq!(done.field(1).unwrap().key(), "ActionID");
    let by_name: BTreeMap<String, &Message> = items.iter().map(|m| (s(m, "Channel"), m)).collect();
    for item in &items {
        assert!(is_event(item, "CoreShowChannel"));
        assert_eq!(
            item.field(1).unwrap().key(),
            "ActionID",
            "ActionID comes second"
        );
        assert_eq!(s(item, "ChannelStateDesc"), "Up");
        let d = s(item, "Duration");
        assert_eq!(d.len(), 8, "{d}");
    }
    let one = by_name.iter().find(|(k, _)| k.ends_with(";1")).unwrap().1;
    assert_eq!(s(one, "Application"), "Wait");
    assert_eq!(s(one, "ApplicationData"), "100");
    assert_eq!(s(one, "BridgeId"), "");
    let two = by_name.iter().find(|(k, _)| k.ends_with(";2")).unwrap().1;
    assert_eq!(s(two, "Application"), "Dial");
    assert!(!s(two, "BridgeId").is_empty());

    let id = c.action("Status", &[("Variables", "DIALSTATUS")]).await;
    let (r, items, done, _) = c.list(&id).await;
    assert_eq!(s(&r, "Message"), "Channel status will follow");
    assert_eq!(items.len(), 3);
    for item in &items {
        assert_eq!(s(item, "Privilege"), "Call");
        assert_eq!(
            item.fields().last().unwrap().key(),
            "ActionID",
            "ActionID comes last"
        );
    }
    let two = items
        .iter()
        .find(|m| s(m, "Channel").ends_with(";2"))
        .unwrap();
    assert_eq!(s(two, "Variable"), "DIALSTATUS=ANSWER");
    assert_eq!(s(two, "Type"), "Local");
    assert_eq!(s(&done, "ListItems"), "3");
    assert_eq!(s(&done, "Items"), "3");

    // One channel's status; an unknown channel.
    let name = s(one, "Channel");
    let id = c.action("Status", &[("Channel", &name)]).await;
    let (_, items, _, _) = c.list(&id).await;
    assert_eq!(items.len(), 1);
    let id = c
        .action("Status", &[("Channel", "PJSIP/nobody-00000000")])
        .await;
    assert_eq!(s(&c.response(&id).await, "Message"), "No such channel");

    // Channel variables and functions.
    let id = c
        .action(
            "Getvar",
            &[("Channel", &name), ("Variable", "CHANNEL(state)")],
        )
        .await;
    assert_eq!(s(&c.response(&id).await, "Value"), "Up");
    let id = c
        .action(
            "Setvar",
            &[("Channel", &name), ("Variable", "MOOD"), ("Value", "happy")],
        )
        .await;
    assert_eq!(s(&c.response(&id).await, "Message"), "Variable Set");
    let varset = c
        .until(|m| is_event(m, "VarSet") && s(m, "Variable") == "MOOD")
        .await;
    assert_eq!(s(&varset, "Channel"), name);
    let id = c
        .action("Getvar", &[("Channel", &name), ("Variable", "MOOD")])
        .await;
    assert_eq!(s(&c.response(&id).await, "Value"), "happy");

    // `core show channels` lists them too.
    let id = c
        .action("Command", &[("Command", "core show channels")])
        .await;
    let r = c.response(&id).await;
    let out: Vec<String> = r.get_all("Output").map(|v| v.to_string()).collect();
    assert!(out.iter().any(|l| l.starts_with(&name)), "{out:?}");
    assert!(out.contains(&"3 active channels".to_owned()), "{out:?}");
    assert!(out.contains(&"1 active call".to_owned()), "{out:?}");

    // Hang up the dialled endpoint: the whole call ends, bridge first.
    let pjsip = items_name(&by_name, "PJSIP/");
    let id = c
        .action("Hangup", &[("Channel", &pjsip), ("Cause", "17")])
        .await;
    assert_eq!(s(&c.response(&id).await, "Message"), "Channel Hungup");
    let mut seen = Vec::new();
    let mut hungup = 0;
    while hungup < 3 {
        let m = c.next().await;
        if is_event(&m, "Hangup") {
            hungup += 1;
        }
        seen.push(m);
    }
    let first = seen.iter().find(|m| is_event(m, "HangupRequest")).unwrap();
    assert_eq!(s(first, "Channel"), pjsip);
    assert_eq!(s(first, "Cause"), "17");
    let h = seen
        .iter()
        .find(|m| is_event(m, "Hangup") && s(m, "Channel") == pjsip)
        .unwrap();
    assert_eq!(s(h, "Cause-txt"), "User busy");
    let destroy = seen
        .iter()
        .position(|m| is_event(m, "BridgeDestroy"))
        .unwrap();
    let first_hangup = seen.iter().position(|m| is_event(m, "Hangup")).unwrap();
    assert!(destroy < first_hangup);

    wait_for_no_calls(&server).await;
    let id = c.action("CoreShowChannels", &[]).await;
    let (_, items, done, _) = c.list(&id).await;
    assert!(items.is_empty());
    assert_eq!(s(&done, "ListItems"), "0");
}

fn items_name(by_name: &BTreeMap<String, &Message>, prefix: &str) -> String {
    by_name
        .keys()
        .find(|k| k.starts_with(prefix))
        .unwrap()
        .clone()
}

#[tokio::test]
async fn hangup_errors_and_patterns() {
    let server = start(fast()).await;
    let mut c = Conn::login_with(&server, &[("Events", "off")]).await;
    let id = c
        .action("Hangup", &[("Channel", "PJSIP/ghost-00000001")])
        .await;
    assert_eq!(s(&c.response(&id).await, "Message"), "No such channel");
    let id = c.action("Hangup", &[]).await;
    assert_eq!(s(&c.response(&id).await, "Message"), "No channel specified");
    for _ in 0..2 {
        let id = c
            .action(
                "Originate",
                &[
                    ("Channel", "PJSIP/300"),
                    ("Application", "Wait"),
                    ("Data", "100"),
                ],
            )
            .await;
        assert_eq!(s(&c.response(&id).await, "Response"), "Success");
    }
    assert_eq!(server.active_calls(), 2);
    let id = c.action("Hangup", &[("Channel", "/PJSIP/300-/")]).await;
    assert_eq!(s(&c.response(&id).await, "Message"), "Channels hung up: 2");
    wait_for_no_calls(&server).await;
}

#[tokio::test]
async fn synchronous_originate_answers_after_the_answer() {
    let server = start(fast()).await;
    let mut c = Conn::login(&server).await;
    let id = c
        .action(
            "Originate",
            &[
                ("Channel", "PJSIP/400"),
                ("Application", "Playback"),
                ("Data", "hello"),
            ],
        )
        .await;
    let mut before = Vec::new();
    let r = loop {
        let m = c.next().await;
        if m.response().is_some() {
            break m;
        }
        before.push(m);
    };
    assert_eq!(s(&r, "ActionID"), id);
    assert_eq!(s(&r, "Message"), "Originate successfully queued");
    // The channel was already up when the response came; no OriginateResponse.
    assert!(before
        .iter()
        .any(|m| is_event(m, "Newstate") && s(m, "ChannelStateDesc") == "Up"));
    let channel = s(
        before.iter().find(|m| is_event(m, "Newchannel")).unwrap(),
        "Channel",
    );
    let mut after = Vec::new();
    loop {
        let m = c.next().await;
        let done = is_event(&m, "Hangup") && s(&m, "Channel") == channel;
        after.push(m);
        if done {
            break;
        }
    }
    assert!(!before
        .iter()
        .chain(&after)
        .any(|m| is_event(m, "OriginateResponse")));

    let id = c
        .action(
            "Originate",
            &[
                ("Channel", "PJSIP/busy"),
                ("Application", "Wait"),
                ("Data", "1"),
            ],
        )
        .await;
    let r = c.response(&id).await;
    assert_eq!(s(&r, "Response"), "Error");
    assert_eq!(s(&r, "Message"), "Originate failed");
}

#[tokio::test]
async fn failed_originates_report_the_reason() {
    let server = start(fast()).await;
    let mut c = Conn::login(&server).await;
    for (channel, reason, cause) in [
        ("Local/busy@default", "5", Some("17")),
        ("PJSIP/congestion", "8", Some("34")),
        ("Foo/bar", "0", None),
    ] {
        let id = c
            .action(
                "Originate",
                &[
                    ("Channel", channel),
                    ("Application", "Wait"),
                    ("Data", "1"),
                    ("Async", "yes"),
                ],
            )
            .await;
        assert_eq!(s(&c.response(&id).await, "Response"), "Success");
        let events = call_events(&mut c, true).await;
        let resp = events
            .iter()
            .find(|m| is_event(m, "OriginateResponse"))
            .unwrap();
        assert_eq!(s(resp, "ActionID"), id);
        assert_eq!(s(resp, "Response"), "Failure");
        assert_eq!(s(resp, "Reason"), reason, "{channel}");
        assert_eq!(s(resp, "Channel"), channel);
        assert_eq!(s(resp, "Uniqueid"), "<null>");
        let hangups: Vec<_> = events.iter().filter(|m| is_event(m, "Hangup")).collect();
        match cause {
            Some(cause) => {
                assert!(!hangups.is_empty());
                assert!(
                    hangups.iter().all(|h| s(h, "Cause") == cause),
                    "{hangups:?}"
                );
            }
            None => assert!(events.len() == 1, "{events:?}"),
        }
    }
    wait_for_no_calls(&server).await;
}

#[tokio::test]
async fn originate_to_an_extension_dials_and_bridges() {
    let server = start(fast()).await;
    let mut c = Conn::login(&server).await;
    let id = c
        .action(
            "Originate",
            &[
                ("Channel", "PJSIP/500"),
                ("Context", "default"),
                ("Exten", "600"),
                ("Priority", "1"),
                ("Async", "true"),
            ],
        )
        .await;
    c.response(&id).await;
    let events = call_events(&mut c, true).await;
    let resp = events
        .iter()
        .find(|m| is_event(m, "OriginateResponse"))
        .unwrap();
    assert_eq!(s(resp, "Context"), "default");
    assert_eq!(s(resp, "Exten"), "600");
    assert!(resp.get("Application").is_none());
    let newexten = events.iter().find(|m| is_event(m, "Newexten")).unwrap();
    assert_eq!(s(newexten, "Exten"), "600");
    assert_eq!(s(newexten, "Application"), "Dial");
    let channels: Vec<_> = events
        .iter()
        .filter(|m| is_event(m, "Newchannel"))
        .map(|m| s(m, "Channel"))
        .collect();
    assert_eq!(channels.len(), 2);
    assert!(channels[1].starts_with("PJSIP/600-"));
    assert_eq!(
        events.iter().filter(|m| is_event(m, "BridgeEnter")).count(),
        2
    );
    assert_eq!(
        events.iter().filter(|m| is_event(m, "BridgeLeave")).count(),
        2
    );
    // Channel names carry increasing sequence numbers.
    let seq = |n: &str| u32::from_str_radix(n.rsplit('-').next().unwrap(), 16).unwrap();
    assert!(seq(&channels[0]) < seq(&channels[1]));
}

#[tokio::test]
async fn invalid_originates_are_refused() {
    let server = start(fast()).await;
    let mut c = Conn::login(&server).await;
    let id = c.action("Originate", &[("Application", "Wait")]).await;
    assert_eq!(
        s(&c.response(&id).await, "Message"),
        "Channel not specified"
    );
    let id = c
        .action(
            "Originate",
            &[
                ("Channel", "PJSIP/1"),
                ("Exten", "1"),
                ("Priority", "first"),
            ],
        )
        .await;
    assert_eq!(s(&c.response(&id).await, "Message"), "Invalid priority");
    assert_eq!(server.active_calls(), 0);
}

#[tokio::test]
async fn calls_are_seen_by_every_session() {
    let server = start(fast()).await;
    let mut a = Conn::login(&server).await;
    let mut b = Conn::login(&server).await;
    let id = a
        .action(
            "Originate",
            &[
                ("Channel", "PJSIP/700"),
                ("Application", "Wait"),
                ("Data", "1"),
                ("Async", "true"),
            ],
        )
        .await;
    a.response(&id).await;
    let ea = call_events(&mut a, true).await;
    let eb = call_events(&mut b, true).await;
    assert_eq!(names(&ea), names(&eb));
    assert_eq!(ea, eb);
}

#[tokio::test]
async fn shutdown_ends_calls_and_connections() {
    let server = start(fast()).await;
    let mut c = Conn::login(&server).await;
    let id = c
        .action(
            "Originate",
            &[
                ("Channel", "PJSIP/800"),
                ("Application", "Wait"),
                ("Data", "1000"),
                ("Async", "true"),
            ],
        )
        .await;
    c.response(&id).await;
    c.until(|m| is_event(m, "OriginateResponse")).await;
    server.shutdown();
    c.expect_eof().await;
    assert!(
        tokio::net::TcpStream::connect(server.addr()).await.is_err() || server.connections() == 0
    );
}

/// Events until `n` `Cdr` events have come (after the call's hangups).
async fn events_until_cdrs(c: &mut Conn, n: usize) -> Vec<Message> {
    let mut events = Vec::new();
    let mut cdrs = 0;
    while cdrs < n {
        let m = c.next().await;
        if m.event_name().is_none() {
            continue;
        }
        if is_event(&m, "Cdr") {
            cdrs += 1;
        }
        events.push(m);
    }
    events
}

const CDR_KEYS: [&str; 20] = [
    "Event",
    "Privilege",
    "AccountCode",
    "Source",
    "Destination",
    "DestinationContext",
    "CallerID",
    "Channel",
    "DestinationChannel",
    "LastApplication",
    "LastData",
    "StartTime",
    "AnswerTime",
    "EndTime",
    "Duration",
    "BillableSeconds",
    "Disposition",
    "AMAFlags",
    "UniqueID",
    "UserField",
];

#[tokio::test]
async fn every_call_ends_with_cdr_records() {
    let server = start(fast()).await;
    let mut c = Conn::login(&server).await;
    let id = c
        .action(
            "Originate",
            &[
                ("Channel", "Local/100@default"),
                ("Application", "Wait"),
                ("Data", "3"),
                ("Async", "true"),
                ("CallerID", "\"AMI Test\" <5551234>"),
            ],
        )
        .await;
    c.response(&id).await;
    // The two Local halves have a record each; the dialled PJSIP channel
    // is the B party of ;2's record.
    let events = events_until_cdrs(&mut c, 2).await;
    let cdrs: Vec<&Message> = events.iter().filter(|m| is_event(m, "Cdr")).collect();
    let last_hangup = events.iter().rposition(|m| is_event(m, "Hangup")).unwrap();
    let first_cdr = events.iter().position(|m| is_event(m, "Cdr")).unwrap();
    assert!(last_hangup < first_cdr, "records follow the hangups");
    for cdr in &cdrs {
        let keys: Vec<String> = cdr.iter().map(|(k, _)| k.into_owned()).collect();
        assert_eq!(keys, CDR_KEYS, "{cdr:?}");
        assert_eq!(s(cdr, "Privilege"), "cdr,all");
        assert_eq!(s(cdr, "Disposition"), "ANSWERED");
        assert_eq!(s(cdr, "AMAFlags"), "DOCUMENTATION");
        assert_eq!(s(cdr, "Source"), "5551234");
        assert_eq!(s(cdr, "CallerID"), "\"AMI Test\" <5551234>");
        let duration: u64 = s(cdr, "Duration").parse().unwrap();
        let billable: u64 = s(cdr, "BillableSeconds").parse().unwrap();
        assert!(billable <= duration && duration <= 10, "{cdr:?}");
        assert_eq!(s(cdr, "StartTime").len(), "2026-11-22 10:17:55".len());
        assert!(s(cdr, "StartTime") <= s(cdr, "AnswerTime"));
        assert!(s(cdr, "AnswerTime") <= s(cdr, "EndTime"));
    }
    let one = cdrs
        .iter()
        .find(|m| s(m, "Channel").ends_with(";1"))
        .unwrap();
    assert_eq!(s(one, "LastApplication"), "Wait");
    assert_eq!(s(one, "LastData"), "3");
    assert_eq!(s(one, "DestinationChannel"), "");
    // Wait 3 simulated seconds after answering.
    let billable: u64 = s(one, "BillableSeconds").parse().unwrap();
    assert!((2..=4).contains(&billable), "{one:?}");
    let two = cdrs
        .iter()
        .find(|m| s(m, "Channel").ends_with(";2"))
        .unwrap();
    assert!(s(two, "DestinationChannel").starts_with("PJSIP/100-"));
    assert_eq!(s(two, "LastApplication"), "Dial");
    let uniqueids: BTreeSet<String> = events
        .iter()
        .filter(|m| is_event(m, "Newchannel"))
        .map(|m| s(m, "Uniqueid"))
        .collect();
    assert!(cdrs.iter().all(|m| uniqueids.contains(&s(m, "UniqueID"))));
}

#[tokio::test]
async fn a_failed_call_has_its_disposition() {
    let server = start(fast()).await;
    let mut c = Conn::login(&server).await;
    let id = c
        .action(
            "Originate",
            &[
                ("Channel", "PJSIP/busy"),
                ("Application", "Wait"),
                ("Data", "1"),
                ("Async", "true"),
            ],
        )
        .await;
    c.response(&id).await;
    let events = events_until_cdrs(&mut c, 1).await;
    let cdr = events.last().unwrap();
    assert_eq!(s(cdr, "Disposition"), "BUSY");
    assert_eq!(s(cdr, "AnswerTime"), "");
    assert_eq!(s(cdr, "BillableSeconds"), "0");
    assert!(s(cdr, "Channel").starts_with("PJSIP/busy-"));
}

#[tokio::test]
async fn a_queue_call_waits_is_answered_and_completes() {
    let server = start(ServerConfig {
        time_scale: 0.02,
        ring_time: Duration::from_secs(2),
        ..ServerConfig::default()
    })
    .await;
    let mut c = Conn::login(&server).await;
    let id = c
        .action(
            "Originate",
            &[
                ("Channel", "PJSIP/5550400"),
                ("Application", "Queue"),
                ("Data", "support,,,,30"),
                ("Async", "true"),
                ("CallerID", "\"Queue Caller\" <5550400>"),
            ],
        )
        .await;
    c.response(&id).await;
    let join = c.until(|m| is_event(m, "QueueCallerJoin")).await;
    assert_eq!(s(&join, "Queue"), "support");
    // The only caller: first.
    assert_eq!(s(&join, "Position"), "1");
    assert_eq!(s(&join, "Count"), "1");

    // While the member's phone rings, QueueStatus shows the caller waiting
    // and the member in a call.
    let status = c.action("QueueStatus", &[("Queue", "support")]).await;
    let (_, items, _, others) = c.list(&status).await;
    let entries: Vec<&Message> = items.iter().filter(|m| is_event(m, "QueueEntry")).collect();
    assert_eq!(entries.len(), 1, "{items:?}");
    assert_eq!(s(entries[0], "CallerIDNum"), "5550400");
    assert_eq!(s(entries[0], "Position"), "1");
    let params = items.iter().find(|m| is_event(m, "QueueParams")).unwrap();
    assert_eq!(s(params, "Calls"), "1");

    let mut events = others;
    loop {
        let m = c.next().await;
        let done = is_event(&m, "Cdr");
        events.push(m);
        if done {
            break;
        }
    }
    let names = names(&events);
    let at = |n: &str| {
        names
            .iter()
            .position(|x| x == n)
            .unwrap_or_else(|| panic!("no {n} in {names:?}"))
    };
    assert!(at("AgentCalled") < at("QueueCallerLeave"));
    assert!(at("QueueCallerLeave") < at("AgentConnect"));
    assert!(at("AgentConnect") < at("BridgeEnter"));
    assert!(at("BridgeEnter") < at("AgentComplete"));
    assert!(at("AgentComplete") < at("Hangup"));
    let connect = &events[at("AgentConnect")];
    assert_eq!(s(connect, "MemberName"), "Agent One");
    assert_eq!(s(connect, "Interface"), "Local/agent1@queue-members/n");
    assert!(s(connect, "DestChannel").starts_with("Local/agent1@queue-members-"));
    assert!(s(connect, "HoldTime").parse::<u64>().unwrap() >= 1);
    let complete = &events[at("AgentComplete")];
    assert_eq!(s(complete, "Reason"), "agent");
    assert_eq!(s(complete, "Linkedid"), s(&join, "Linkedid"));
    let leave = &events[at("QueueCallerLeave")];
    assert_eq!(s(leave, "Count"), "0");

    // Afterwards the member has taken one call and is free again.
    let member = c
        .until(|m| is_event(m, "QueueMemberStatus") && s(m, "InCall") == "0")
        .await;
    assert_eq!(s(&member, "CallsTaken"), "1");
    let status = c.action("QueueStatus", &[("Queue", "support")]).await;
    let (_, items, _, _) = c.list(&status).await;
    let member = items.iter().find(|m| is_event(m, "QueueMember")).unwrap();
    assert_eq!(s(member, "CallsTaken"), "1");
    assert_eq!(s(member, "InCall"), "0");
    let params = items.iter().find(|m| is_event(m, "QueueParams")).unwrap();
    assert_eq!(s(params, "Completed"), "1");
    assert_eq!(s(params, "Calls"), "0");
}

#[tokio::test]
async fn a_caller_hanging_up_in_the_queue_abandons() {
    let server = start(ServerConfig {
        time_scale: 0.02,
        queues: vec![ami_server::DemoQueue {
            members: Vec::new(),
            ..Default::default()
        }],
        ..ServerConfig::default()
    })
    .await;
    let mut c = Conn::login(&server).await;
    let id = c
        .action(
            "Originate",
            &[
                ("Channel", "PJSIP/5550401"),
                ("Application", "Queue"),
                ("Data", "support"),
                ("Async", "true"),
            ],
        )
        .await;
    c.response(&id).await;
    let join = c.until(|m| is_event(m, "QueueCallerJoin")).await;
    assert_eq!(s(&join, "Position"), "1");
    let hangup = c
        .action("Hangup", &[("Channel", &s(&join, "Channel"))])
        .await;
    c.response(&hangup).await;
    let abandon = c.until(|m| is_event(m, "QueueCallerAbandon")).await;
    assert_eq!(s(&abandon, "Queue"), "support");
    assert_eq!(s(&abandon, "OriginalPosition"), "1");
    let leave = c.next().await;
    assert!(is_event(&leave, "QueueCallerLeave"), "{leave:?}");
    assert_eq!(s(&leave, "Count"), "0");
    wait_for_no_calls(&server).await;
    let status = c.action("QueueStatus", &[]).await;
    let (_, items, _, _) = c.list(&status).await;
    assert_eq!(s(&items[0], "Abandoned"), "1");
    assert_eq!(s(&items[0], "Calls"), "0");
}

#[tokio::test]
async fn a_caller_leaves_the_queue_at_its_timeout() {
    let server = start(ServerConfig {
        time_scale: 0.02,
        queues: vec![ami_server::DemoQueue {
            members: Vec::new(),
            ..Default::default()
        }],
        ..ServerConfig::default()
    })
    .await;
    let mut c = Conn::login(&server).await;
    let id = c
        .action(
            "Originate",
            &[
                ("Channel", "PJSIP/5550402"),
                ("Application", "Queue"),
                ("Data", "support,,,,2"),
                ("Async", "true"),
            ],
        )
        .await;
    c.response(&id).await;
    let join = c.until(|m| is_event(m, "QueueCallerJoin")).await;
    let leave = c.until(|m| is_event(m, "QueueCallerLeave")).await;
    assert_eq!(s(&leave, "Channel"), s(&join, "Channel"));
    let next = c.until(|m| m.event_name().is_some()).await;
    assert!(is_event(&next, "HangupRequest"), "{next:?}");
    wait_for_no_calls(&server).await;
}

/// What the queues say agrees with the channels: a caller waiting is a
/// channel `CoreShowChannels` lists and `queue show` names, and the
/// moment its member is free again, the member is rung.
#[tokio::test]
async fn queue_state_agrees_with_the_channels_and_a_free_member_is_rung() {
    let mut queue = ami_server::DemoQueue::default();
    queue.members[0].paused = true;
    let server = start(ServerConfig {
        time_scale: 0.02,
        queues: vec![queue],
        ..ServerConfig::default()
    })
    .await;
    let mut c = Conn::login(&server).await;
    // Idle: nobody waits, no channel.
    let status = c.action("QueueStatus", &[]).await;
    let (_, items, _, _) = c.list(&status).await;
    assert!(
        !items.iter().any(|m| is_event(m, "QueueEntry")),
        "{items:?}"
    );
    let id = c
        .action(
            "Originate",
            &[
                ("Channel", "PJSIP/5550500"),
                ("Application", "Queue"),
                ("Data", "support"),
                ("Async", "true"),
            ],
        )
        .await;
    c.response(&id).await;
    c.until(|m| is_event(m, "QueueCallerJoin")).await;
    let status = c.action("QueueStatus", &[("Queue", "support")]).await;
    let (_, items, _, _) = c.list(&status).await;
    let entries: Vec<&Message> = items.iter().filter(|m| is_event(m, "QueueEntry")).collect();
    assert_eq!(entries.len(), 1, "{items:?}");
    let channels = c.action("CoreShowChannels", &[]).await;
    let (_, listed, _, _) = c.list(&channels).await;
    assert!(
        listed
            .iter()
            .any(|m| s(m, "Channel") == s(entries[0], "Channel")),
        "the waiting caller {} is not among the channels {listed:?}",
        s(entries[0], "Channel")
    );
    let show = c
        .action("Command", &[("Command", "queue show support")])
        .await;
    let shown = c.response(&show).await;
    let text: Vec<String> = shown
        .get_all("Output")
        .map(|l| l.to_string_lossy().into_owned())
        .collect();
    assert!(text[0].starts_with("support has 1 calls"), "{text:?}");
    assert!(
        text.iter().any(|l| l.contains(&*s(entries[0], "Channel"))),
        "{text:?}"
    );
    assert!(text.iter().any(|l| l.contains("(paused)")), "{text:?}");
    // The member comes back: it is rung for the waiting caller.
    let id = c
        .action(
            "QueuePause",
            &[
                ("Interface", "Local/agent1@queue-members/n"),
                ("Paused", "false"),
            ],
        )
        .await;
    c.response(&id).await;
    let called = c.until(|m| is_event(m, "AgentCalled")).await;
    assert_eq!(s(&called, "Interface"), "Local/agent1@queue-members/n");
}
