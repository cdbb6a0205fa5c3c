//! `EventKind`: which event, without its data.

use std::collections::HashSet;

use ami_types::event::{Event, EventKind};
use ami_types::Message;

#[test]
fn every_kind_round_trips_through_its_wire_name() {
    let mut seen = HashSet::new();
    for &kind in EventKind::ALL {
        assert!(seen.insert(kind), "{kind:?} twice");
        match kind.wire_name() {
            Some(wire) => {
                assert_eq!(EventKind::from_name(wire), kind, "{wire}");
                assert_eq!(EventKind::from_name(&wire.to_ascii_uppercase()), kind);
                let msg: Message = [("Event", wire)].into_iter().collect();
                assert_eq!(Event::from_message(msg).kind(), kind, "{wire}");
            }
            None => assert_eq!(kind, EventKind::Unknown),
        }
    }
    assert_eq!(EventKind::ALL.last(), Some(&EventKind::Unknown));
    assert!(EventKind::ALL.len() > 100, "{}", EventKind::ALL.len());
}

#[test]
fn unknown_names_are_unknown() {
    assert_eq!(EventKind::from_name("NoSuchEvent"), EventKind::Unknown);
    assert_eq!(EventKind::from_name(""), EventKind::Unknown);
    assert_eq!(
        EventKind::from_name(&"x".repeat(10_000)),
        EventKind::Unknown
    );
    let msg: Message = [("Event", "NoSuchEvent")].into_iter().collect();
    assert_eq!(Event::from_message(msg).kind(), EventKind::Unknown);
    assert_eq!(EventKind::Hangup.wire_name(), Some("Hangup"));
}
