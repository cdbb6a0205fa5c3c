//! Every channel snapshot's `ChanVariable` lines (with the snapshot's
//! prefix) are a typed map, in wire order, and secret variables stay out of
//! `Debug`.

use ami_types::event::{DialBegin, Event};
use ami_types::{meta, FromMessage, Message, TypedFields};

fn dial_begin() -> Message {
    [
        ("Event", "DialBegin"),
        ("Channel", "PJSIP/100-00000001"),
        ("Linkedid", "1795342675.1"),
        ("ChanVariable", "CUSTOMER=42"),
        ("ChanVariable", "SIP_PASSWORD=hunter2"),
        ("DestChannel", "PJSIP/200-00000002"),
        ("DestLinkedid", "1795342675.1"),
        ("DestChanVariable", "CUSTOMER=43"),
        ("DestChanVariable", "DB_SECRET=swordfish"),
        ("DialString", "200"),
    ]
    .into_iter()
    .collect()
}

#[test]
fn each_snapshot_prefix_has_its_own_variables() {
    let e = DialBegin::from_message(dial_begin());
    let caller: Vec<(String, String)> = e
        .chan_variable()
        .iter()
        .map(|(n, v)| (n.to_string(), v.to_string()))
        .collect();
    assert_eq!(
        caller,
        [
            ("CUSTOMER".to_owned(), "42".to_owned()),
            ("SIP_PASSWORD".to_owned(), "hunter2".to_owned())
        ]
    );
    assert_eq!(e.dest_chan_variable().get("CUSTOMER").unwrap(), "43");
    assert_eq!(e.dest_chan_variable().len(), 2);
}

#[test]
fn the_metadata_and_the_field_visitor_know_them() {
    let event = meta::event("DialBegin").unwrap();
    for key in ["ChanVariable", "DestChanVariable"] {
        let field = event.field(key).unwrap_or_else(|| panic!("{key}"));
        assert_eq!(field.ty, meta::ValueType::Variables);
        assert!(field.multi);
    }
    let mut seen = Vec::new();
    DialBegin::from_message(dial_begin()).for_each_field(&mut |key, _| seen.push(key));
    assert_eq!(seen.iter().filter(|k| **k == "ChanVariable").count(), 2);
    assert_eq!(seen.iter().filter(|k| **k == "DestChanVariable").count(), 2);
}

#[test]
fn secret_variables_stay_out_of_debug() {
    let e = Event::from_message(dial_begin());
    let text = format!("{e:?}");
    assert!(!text.contains("hunter2"), "{text}");
    assert!(!text.contains("swordfish"), "{text}");
    assert!(text.contains(r#""CUSTOMER": "42""#), "{text}");
    let Event::DialBegin(e) = e else { panic!() };
    let map = format!("{:?}", e.chan_variable());
    assert!(
        !map.contains("hunter2") && map.contains("<redacted>"),
        "{map}"
    );
}

#[test]
fn list_items_with_a_channel_snapshot_have_them_too() {
    let item = meta::event("CoreShowChannel").unwrap();
    assert_eq!(
        item.field("ChanVariable").map(|f| f.ty),
        Some(meta::ValueType::Variables)
    );
}
