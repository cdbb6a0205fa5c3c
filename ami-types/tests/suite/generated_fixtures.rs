//! Compiles and exercises the code ami-codegen generated for its small
//! fixtures: the insta snapshots in `ami-codegen/tests/snapshots/*.snap.rs`
//! (hand-built model and fixture XMLs). The real spec is compiled by the
//! crate itself.

/// The generated modules of one snapshot set, next to `runtime`, as in
/// `ami_types` itself.
macro_rules! generated {
    ($name:ident, $prefix:literal) => {
        #[allow(dead_code)] // compiled for the check; not every item is used
        mod $name {
            pub use ami_types::runtime;

            pub mod action {
                include!(concat!(
                    env!("CARGO_MANIFEST_DIR"),
                    "/../ami-codegen/tests/snapshots/",
                    $prefix,
                    "_action.snap.rs"
                ));
            }
            pub mod event {
                include!(concat!(
                    env!("CARGO_MANIFEST_DIR"),
                    "/../ami-codegen/tests/snapshots/",
                    $prefix,
                    "_event.snap.rs"
                ));
            }
            pub mod response {
                include!(concat!(
                    env!("CARGO_MANIFEST_DIR"),
                    "/../ami-codegen/tests/snapshots/",
                    $prefix,
                    "_response.snap.rs"
                ));
            }
            pub mod enums {
                include!(concat!(
                    env!("CARGO_MANIFEST_DIR"),
                    "/../ami-codegen/tests/snapshots/",
                    $prefix,
                    "_enums.snap.rs"
                ));
            }
            pub mod meta {
                pub use ami_types::meta::*;
                include!(concat!(
                    env!("CARGO_MANIFEST_DIR"),
                    "/../ami-codegen/tests/snapshots/",
                    $prefix,
                    "_meta.snap.rs"
                ));
            }
        }
    };
}

generated!(handmade, "snapshot_emit__handmade");
generated!(includes, "snapshot_fixtures__includes");
generated!(lists, "snapshot_fixtures__lists");
generated!(merge, "snapshot_fixtures__merge");
generated!(names, "snapshot_fixtures__names");
generated!(snapshots, "snapshot_fixtures__snapshots");

use ami_types::{Action, FieldValue, FromMessage, ListAction, Message, TypedFields, Value};

fn msg(fields: &[(&str, &str)]) -> Message {
    fields.iter().copied().collect()
}

fn keys(m: &Message) -> Vec<String> {
    m.iter().map(|(k, v)| format!("{k}: {v}")).collect()
}

#[test]
fn indexed_groups_are_numbered_from_zero() {
    use names::action::{AOCMessage, AOCMessageUnit, UpdateConfig, UpdateConfigAction};
    let m = UpdateConfig::new("a.conf", "b.conf")
        .actions(UpdateConfigAction::new().action("NewCat").cat("general"))
        .actions(
            UpdateConfigAction::new()
                .action(names::enums::UpdateConfigActionKind::Update)
                .cat("general")
                .var("x")
                .value("1"),
        )
        .to_message();
    assert_eq!(
        keys(&m),
        [
            "Action: UpdateConfig",
            "SrcFilename: a.conf",
            "DstFilename: b.conf",
            "Action-000000: NewCat",
            "Cat-000000: general",
            "Action-000001: Update",
            "Cat-000001: general",
            "Var-000001: x",
            "Value-000001: 1",
        ]
    );

    let m = AOCMessage::new("PJSIP/1", "D")
        .units(AOCMessageUnit::new().unit_amount("10").unit_type("1"))
        .units(AOCMessageUnit::new().unit_amount("20"))
        .currency_name("EUR")
        .to_message();
    assert_eq!(
        keys(&m),
        [
            "Action: AOCMessage",
            "Channel: PJSIP/1",
            "MsgType: D",
            "UnitAmount(0): 10",
            "UnitType(0): 1",
            "UnitAmount(1): 20",
            "CurrencyName: EUR",
        ]
    );
}

#[test]
fn actions_serialise_in_documentation_order() {
    use handmade::action::Originate;
    use handmade::enums::OriginateType;
    let m = Originate::new("Local/100@default")
        .codecs("ulaw")
        .variable("A=1")
        .async_(true)
        .priority(1)
        .type_(OriginateType::Local)
        .variable("B=2")
        .to_message();
    assert_eq!(
        keys(&m),
        [
            "Action: Originate",
            "Channel: Local/100@default",
            "Priority: 1",
            "Async: true",
            "Type: Local",
            "Variable: A=1",
            "Variable: B=2",
            "Codecs: ulaw",
        ]
    );
    assert_eq!(<Originate as Action>::NAME, "Originate");
    assert_eq!(handmade::action::NAMES.len(), 8);
}

#[test]
fn secrets_are_redacted_in_debug() {
    use handmade::action::Login;
    let login = Login::new("admin").secret("hunter2").key("abcdef");
    let text = format!("{login:?}");
    assert!(
        !text.contains("hunter2") && !text.contains("abcdef"),
        "{text}"
    );
    assert!(
        text.contains("admin") && text.contains("<redacted>"),
        "{text}"
    );
    // The message is what is sent.
    assert_eq!(login.to_message().get("Secret").unwrap(), "hunter2");
}

#[test]
fn events_decode_case_insensitively_and_keep_everything() {
    use handmade::event::Event;
    let m = msg(&[
        ("Event", "Newexten"),
        ("Privilege", "dialplan,all"),
        ("EXTENSION", "100"),
        ("priority", "2"),
        ("Application", "Dial"),
        ("Undocumented", "kept"),
    ]);
    let event = Event::from_message(m.clone());
    assert_eq!(event.name(), "Newexten");
    let Event::NewExten(e) = &event else {
        panic!("{event:?}")
    };
    assert_eq!(e.extension().as_ref().unwrap(), "100");
    assert_eq!(e.priority(), Some(2));
    assert_eq!(e.raw(), &m);
    assert_eq!(event.raw().get("Undocumented").unwrap(), "kept");
    assert!(event.field_errors().is_empty());

    let unknown = Event::from_message(msg(&[("Event", "Brand New"), ("X", "1")]));
    assert!(unknown.is_unknown());
    assert_eq!(unknown.name(), "Brand New");
    assert_eq!(unknown.raw().get("X").unwrap(), "1");
}

#[test]
fn bad_values_are_reported_not_lost() {
    use handmade::event::Hangup;
    let h = Hangup::from_message(msg(&[
        ("Event", "Hangup"),
        ("Channel", "PJSIP/1"),
        ("ChannelState", "six"),
        ("ChannelStateDesc", "Up"),
        ("Cause", ""),
        ("Cause-txt", "Normal Clearing"),
    ]));
    assert_eq!(h.channel_state(), None);
    assert_eq!(h.cause(), None); // empty: unset, not an error
    assert_eq!(h.field_errors().len(), 1);
    assert_eq!(h.field_errors()[0].key, "ChannelState");
    assert_eq!(h.field_errors()[0].value, "six");
    assert_eq!(h.raw().get("ChannelState").unwrap(), "six");
    assert_eq!(h.cause_txt().as_ref().unwrap(), "Normal Clearing");
    assert_eq!(
        h.channel_state_desc(),
        Some(handmade::enums::ChannelStateDesc::Up)
    );
}

#[test]
fn value_enums_keep_unknown_values_byte_for_byte() {
    use handmade::enums::{ChannelStateDesc, OriginateType};
    assert_eq!(
        ChannelStateDesc::from("Dialing Offhook"),
        ChannelStateDesc::DialingOffhook
    );
    let odd = ChannelStateDesc::from(Value::from(vec![b'u', b'p', 0xff]));
    assert!(!odd.is_documented());
    assert_eq!(odd.as_bytes(), b"up\xff");
    assert_eq!(Value::from(odd).as_bytes(), b"up\xff");
    // Case-sensitive: `up` is not `Up`.
    let lower = ChannelStateDesc::from("up");
    assert_ne!(lower, ChannelStateDesc::Up);
    assert!(!lower.is_documented());
    assert_eq!(lower.as_str(), Some("up"));
    // However it is made, a documented spelling is its variant.
    assert_eq!(
        ChannelStateDesc::from(Value::from("Up")),
        ChannelStateDesc::Up
    );
    assert_eq!(ChannelStateDesc::PreRing.to_string(), "Pre-ring");
    assert_eq!(
        ChannelStateDesc::VALUES,
        ["Down", "Up", "Dialing Offhook", "Pre-ring"]
    );
    // A documented value named `Other` is a variant like any other; the
    // hidden catch-all cannot clash with it.
    assert_eq!(OriginateType::from("Other"), OriginateType::Other);
    let remote = OriginateType::from("Remote");
    assert!(!remote.is_documented());
    assert_eq!(remote.as_bytes(), b"Remote");
}

#[test]
fn list_actions_name_their_items() {
    use handmade::action::{CoreShowChannels, QueueStatus, QueueStatusItem};
    fn item<A: ListAction>(m: Message) -> A::Item {
        A::Item::from_message(m)
    }
    let c = item::<CoreShowChannels>(msg(&[("Event", "CoreShowChannel"), ("Channel", "X")]));
    assert_eq!(c.channel().as_ref().unwrap(), "X");

    let q = item::<QueueStatus>(msg(&[("Event", "QueueMember"), ("Paused", "1")]));
    let QueueStatusItem::QueueMember(member) = &q else {
        panic!("{q:?}")
    };
    assert_eq!(member.paused(), Some(true));
    let q = item::<QueueStatus>(msg(&[
        ("Event", "queueparams"),
        ("ServiceLevelPerf", "87.5"),
    ]));
    let QueueStatusItem::QueueParams(params) = &q else {
        panic!("{q:?}")
    };
    assert_eq!(params.service_level_perf(), Some(87.5));
    let other = item::<QueueStatus>(msg(&[("Event", "QueueSummary")]));
    assert!(matches!(other, QueueStatusItem::Other(_)));
    assert_eq!(other.raw().event_name().unwrap(), "QueueSummary");
}

#[test]
fn typed_responses() {
    use handmade::action::Ping;
    use handmade::response::PingResponse;
    fn response<A: Action>(m: Message) -> A::Response {
        A::Response::from_message(m)
    }
    let r: PingResponse = response::<Ping>(msg(&[
        ("Response", "Success"),
        ("Ping", "Pong"),
        ("Timestamp", "1795342675.151053"),
    ]));
    assert_eq!(r.ping().as_ref().unwrap(), "Pong");
    assert_eq!(r.timestamp(), Some(1_795_342_675.151_053));
}

#[test]
fn typed_fields_are_listed_in_documentation_order() {
    use handmade::event::UserEvent;
    let e = UserEvent::from_message(msg(&[
        ("Event", "UserEvent"),
        ("Header", "a"),
        ("UserEvent", "Ping"),
        ("Header", "b"),
    ]));
    let mut seen = Vec::new();
    e.for_each_field(&mut |key, value| {
        let FieldValue::Text(v) = value else {
            panic!("{key}: {value:?}")
        };
        seen.push(format!("{key}={v}"));
    });
    assert_eq!(seen, ["UserEvent=Ping", "Header=a", "Header=b"]);
}

#[test]
fn metadata_describes_parameters() {
    let meta = &handmade::meta::ACTIONS;
    let update = meta.iter().find(|a| a.name == "UpdateConfig").unwrap();
    let action = update.param("Action-000001").unwrap();
    assert_eq!(action.name, "Action");
    assert!(action.required);
    assert_eq!(action.values, ["NewCat", "DelCat", "Update"]);
    assert!(update.param("Action").is_none());
    let originate = meta.iter().find(|a| a.name == "Originate").unwrap();
    let priority = originate.param("priority").unwrap();
    assert_eq!(priority.default, Some("1"));
    assert_eq!(priority.ty, ami_types::meta::ValueType::Integer);
    assert_eq!(
        originate.required().map(|p| p.name).collect::<Vec<_>>(),
        ["Channel"]
    );
    let queue = meta.iter().find(|a| a.name == "QueueStatus").unwrap();
    assert_eq!(
        queue.list.unwrap().items,
        ["QueueParams", "QueueMember", "QueueEntry"]
    );
    let hangup = handmade::meta::EVENTS
        .iter()
        .find(|e| e.name == "Hangup")
        .unwrap();
    assert_eq!(hangup.field("cause-TXT").unwrap().name, "Cause-txt");
}
