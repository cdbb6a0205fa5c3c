//! Two common cases the model once read wrong: a call originated to an
//! application, and a call already bridged when the model loads.

use std::time::{Duration, SystemTime};

use ami_live::{Direction, Lists, Model, Origin};
use ami_types::event::Event;
use ami_types::Message;

fn msg(fields: &[(&str, &str)]) -> Message {
    fields.iter().copied().collect()
}

fn ev(fields: &[(&str, &str)]) -> Event {
    Event::from_message(msg(fields))
}

fn snap<'a>(name: &'a str, uid: &'a str, state: &'a str) -> Vec<(&'a str, &'a str)> {
    vec![
        ("Channel", name),
        ("ChannelState", state),
        ("ChannelStateDesc", if state == "6" { "Up" } else { "Down" }),
        ("Uniqueid", uid),
        ("Linkedid", uid),
    ]
}

#[test]
fn a_call_originated_to_an_application_shows_that_application() {
    // As Asterisk 22 reports `Originate Channel=PJSIP/100 Application=Wait
    // Data=8` (facts of a recording of a live Asterisk 22.10.1).
    let mut model = Model::new();
    let name = "PJSIP/100-00000001";
    let with = |event: &str, extra: &[(&'static str, &'static str)]| {
        let mut f = vec![("Event", event)];
        f.extend(snap(
            name,
            "o-1",
            if event == "Newchannel" { "0" } else { "6" },
        ));
        f.extend_from_slice(extra);
        ev(&f)
    };
    model.apply(with("Newchannel", &[]));
    model.apply(with(
        "Newexten",
        &[("Application", "AppDial2"), ("AppData", "(Outgoing Line)")],
    ));
    model.apply(with("Newstate", &[]));
    assert_eq!(&*model.state().channels["o-1"].application, "AppDial2");
    model.apply(ev(&[
        ("Event", "OriginateResponse"),
        ("ActionID", "x-6"),
        ("Response", "Success"),
        ("Channel", name),
        ("Application", "Wait"),
        ("Data", "8"),
        ("Reason", "4"),
        ("Uniqueid", "o-1"),
    ]));
    let ch = &model.state().channels["o-1"];
    assert_eq!((&*ch.application, &*ch.application_data), ("Wait", "8"));
}

#[test]
fn a_call_bridged_before_the_load_is_connected_with_its_direction() {
    let item = |name: &str, uid: &str, app: &str, data: &str, duration: &str| {
        msg(&[
            ("Event", "CoreShowChannel"),
            ("Channel", name),
            ("ChannelState", "6"),
            ("ChannelStateDesc", "Up"),
            ("Uniqueid", uid),
            ("Linkedid", "in-1"),
            ("Application", app),
            ("ApplicationData", data),
            ("Duration", duration),
            ("BridgeId", "b-1"),
        ])
    };
    let mut model = Model::new();
    let before = SystemTime::now();
    model.load(
        Lists {
            channels: Some(vec![
                item(
                    "PJSIP/200-00000001",
                    "in-1",
                    "Dial",
                    "PJSIP/100",
                    "00:02:00",
                ),
                item(
                    "PJSIP/100-00000002",
                    "in-2",
                    "AppDial",
                    "(Outgoing Line)",
                    "00:01:50",
                ),
            ]),
            ..Lists::default()
        },
        Origin::Load,
    );
    let call = &model.state().calls["in-1"];
    assert_eq!(call.direction, Direction::Inbound);
    let connected = call.connected_at.expect("a bridged call is connected");
    let answered = call.answered_at.expect("an up call is answered");
    // Neither is the time of the load: both are at least 110 s before it.
    assert!(
        connected <= before - Duration::from_secs(100),
        "{connected:?}"
    );
    assert!(
        answered <= before - Duration::from_secs(100),
        "{answered:?}"
    );
    assert!(answered <= connected);
}
