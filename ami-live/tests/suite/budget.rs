//! What a peer sends cannot make the model grow without bound, nor make
//! its work grow faster than the events: the budget's limits hold and are
//! reported, and call merges leave only the aliases they need.

use ami_live::{Budget, Change, Limit, Model};
use ami_types::event::Event;
use ami_types::Message;

fn ev(fields: &[(&str, &str)]) -> Event {
    Event::from_message(fields.iter().copied().collect::<Message>())
}

fn newchannel(uid: &str, linked: &str, name: &str) -> Event {
    ev(&[
        ("Event", "Newchannel"),
        ("Channel", name),
        ("ChannelState", "4"),
        ("ChannelStateDesc", "Ring"),
        ("Uniqueid", uid),
        ("Linkedid", linked),
    ])
}

fn hangup(uid: &str, linked: &str, name: &str) -> Event {
    ev(&[
        ("Event", "Hangup"),
        ("Channel", name),
        ("ChannelState", "6"),
        ("Uniqueid", uid),
        ("Linkedid", linked),
        ("Cause", "16"),
    ])
}

fn limits_reached(model: &mut Model, event: Event) -> Vec<Limit> {
    model
        .apply(event)
        .into_iter()
        .filter_map(|r| match r.change {
            Change::LimitReached { limit } => Some(limit),
            _ => None,
        })
        .collect()
}

#[test]
fn a_channel_keeps_at_most_its_budget_of_variables() {
    let mut model = Model::new();
    model.apply(newchannel("1.1", "1.1", "PJSIP/1-1"));
    let mut reached = Vec::new();
    for i in 0..200 {
        let var = format!("V{i}");
        reached.extend(limits_reached(
            &mut model,
            ev(&[
                ("Event", "VarSet"),
                ("Channel", "PJSIP/1-1"),
                ("Uniqueid", "1.1"),
                ("Linkedid", "1.1"),
                ("Variable", &var),
                ("Value", "x"),
            ]),
        ));
    }
    let max = Budget::default().variables_per_channel;
    assert_eq!(model.state().channels["1.1"].variables.len(), max);
    assert_eq!(model.budget_hits().variables_dropped, (200 - max) as u64);
    // Reported once, when first hit.
    assert_eq!(reached, [Limit::VariablesPerChannel]);
    // A variable already kept is still updated.
    model.apply(ev(&[
        ("Event", "VarSet"),
        ("Uniqueid", "1.1"),
        ("Variable", "V0"),
        ("Value", "new"),
    ]));
    assert_eq!(&*model.state().channels["1.1"].variables["V0"], "new");
}

#[test]
fn channels_past_the_budget_are_left_out_and_counted() {
    let mut model = Model::new().with_budget(Budget {
        channels: 10,
        ..Budget::default()
    });
    let mut reached = Vec::new();
    for i in 0..12 {
        let uid = format!("1.{i}");
        reached.extend(limits_reached(
            &mut model,
            newchannel(&uid, &uid, &format!("PJSIP/{i}-1")),
        ));
    }
    assert_eq!(model.state().channels.len(), 10);
    assert_eq!(model.budget_hits().channels_refused, 2);
    assert_eq!(reached, [Limit::Channels]);
    // A hangup makes room again.
    model.apply(hangup("1.0", "1.0", "PJSIP/0-1"));
    model.apply(newchannel("2.0", "2.0", "PJSIP/new-1"));
    assert!(model.state().channels.contains_key("2.0"));
}

#[test]
fn values_are_cut_to_the_budget() {
    let mut model = Model::new();
    let long = "é".repeat(10_000);
    let reached = limits_reached(
        &mut model,
        ev(&[
            ("Event", "Newchannel"),
            ("Channel", "PJSIP/1-1"),
            ("ChannelState", "4"),
            ("CallerIDName", &long),
            ("Uniqueid", "1.1"),
            ("Linkedid", "1.1"),
        ]),
    );
    let name = &model.state().channels["1.1"].caller_id.name;
    assert!(name.len() <= Budget::VALUE_BYTES && name.len() >= Budget::VALUE_BYTES - 1);
    assert!(name.chars().all(|c| c == 'é'));
    assert_eq!(reached, [Limit::ValueBytes]);
    assert_eq!(model.budget_hits().values_cut, 1);
}

#[test]
fn merged_calls_resolve_and_their_aliases_go_with_them() {
    let mut model = Model::new().with_tombstone_limit(16);
    let pairs = 2000;
    for i in 0..pairs {
        let (a, b) = (format!("m{i}.1"), format!("m{i}.2"));
        let (na, nb) = (format!("Local/{i}@x-{i};1"), format!("Local/{i}@x-{i};2"));
        model.apply(newchannel(&a, &a, &na));
        model.apply(newchannel(&b, &b, &nb));
        model.apply(ev(&[
            ("Event", "LocalBridge"),
            ("LocalOneChannel", &na),
            ("LocalOneChannelState", "4"),
            ("LocalOneUniqueid", &a),
            ("LocalOneLinkedid", &a),
            ("LocalTwoChannel", &nb),
            ("LocalTwoChannelState", "4"),
            ("LocalTwoUniqueid", &b),
            ("LocalTwoLinkedid", &b),
        ]));
    }
    let state = model.state();
    assert_eq!(state.calls.len(), pairs);
    assert_eq!(state.aliases.len(), pairs);
    // The younger half's call id finds the call it went into.
    let merged = state.call("m7.2").expect("found through the alias");
    assert_eq!(&*merged.id, "m7.1");
    assert_eq!(merged.channels.len(), 2);
    // Every call ends; the remembered ones are bounded, and so are the
    // aliases that lead to them.
    for i in 0..pairs {
        let (a, b) = (format!("m{i}.1"), format!("m{i}.2"));
        model.apply(hangup(&a, &a, &format!("Local/{i}@x-{i};1")));
        model.apply(hangup(&b, &b, &format!("Local/{i}@x-{i};2")));
    }
    let state = model.state();
    assert!(state.calls.is_empty());
    assert!(state.ended_calls.len() <= 16, "{}", state.ended_calls.len());
    assert!(state.aliases.len() <= 16, "{}", state.aliases.len());
    let last = pairs - 1;
    assert!(state.ended_call(&format!("m{last}.2")).is_some());
}
