//! `spec/synopses.toml`: every action and event of every bundled model has
//! a synopsis in the project's own words, every entry names something that
//! exists, and none repeats Asterisk's own synopsis.

mod model_support;

use std::collections::BTreeSet;

use ami_codegen::model::Param;
use ami_codegen::{bundled, read_model_str, synopses, Spec};

fn normal(s: &str) -> String {
    s.split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
        .trim_end_matches('.')
        .to_lowercase()
}

#[test]
fn every_action_and_event_of_every_bundled_model_has_one() {
    let s = synopses::bundled();
    let (mut actions, mut events, mut keys) = (BTreeSet::new(), BTreeSet::new(), BTreeSet::new());
    for version in bundled::versions() {
        let model = bundled::model(version).unwrap().unwrap();
        for a in &model.actions {
            actions.insert(a.wire_name.clone());
            for p in &a.params {
                match p {
                    Param::Single(f) => {
                        keys.insert((a.wire_name.clone(), f.wire_name.clone()));
                    }
                    Param::Group(g) => {
                        for f in &g.members {
                            keys.insert((a.wire_name.clone(), f.wire_name.clone()));
                        }
                    }
                }
            }
        }
        for a in &model.actions {
            for f in a.response.iter().flat_map(|r| &r.fields) {
                keys.insert((a.wire_name.clone(), f.wire_name.clone()));
            }
        }
        for e in &model.events {
            events.insert(e.wire_name.clone());
            for f in &e.fields {
                keys.insert((e.wire_name.clone(), f.wire_name.clone()));
            }
        }
    }
    let missing: Vec<_> = actions
        .iter()
        .filter(|a| !s.actions.contains_key(*a))
        .chain(events.iter().filter(|e| !s.events.contains_key(*e)))
        .collect();
    assert!(missing.is_empty(), "no synopsis: {missing:?}");
    let stale: Vec<_> = s
        .actions
        .keys()
        .filter(|a| !actions.contains(*a))
        .chain(s.events.keys().filter(|e| !events.contains(*e)))
        .chain(s.fields.keys().filter(|k| {
            let (owner, key) = k.split_once('.').unwrap_or(("", k));
            !keys
                .iter()
                .any(|(o, f)| (owner == "*" || owner == o) && f == key)
        }))
        .collect();
    assert!(
        stale.is_empty(),
        "names nothing a bundled model has: {stale:?}"
    );
    for text in s
        .actions
        .values()
        .chain(s.events.values())
        .chain(s.fields.values())
    {
        assert!(text.ends_with('.') && text.len() > 10, "{text:?}");
    }
}

#[test]
fn none_repeats_asterisks_own_synopsis() {
    let s = synopses::bundled();
    let mut compared = 0;
    for (version, xml) in model_support::versions() {
        let text = std::fs::read_to_string(&xml).unwrap();
        let model = read_model_str(&text, &version, &Spec::empty()).unwrap();
        let theirs = model
            .actions
            .iter()
            .map(|a| (&a.wire_name, &a.docs.synopsis, s.actions.get(&a.wire_name)))
            .chain(
                model
                    .events
                    .iter()
                    .map(|e| (&e.wire_name, &e.docs.synopsis, s.events.get(&e.wire_name))),
            );
        for (name, theirs, ours) in theirs {
            let (Some(theirs), Some(ours)) = (theirs, ours) else {
                continue;
            };
            assert_ne!(normal(theirs), normal(ours), "{version} {name}");
            compared += 1;
        }
    }
    assert!(compared > 300, "{compared}");
}

#[test]
fn the_default_build_documents_with_them_and_the_xml_build_keeps_its_own() {
    let mut model = bundled::model(bundled::DEFAULT).unwrap().unwrap();
    assert!(model.actions.iter().all(|a| a.docs.synopsis.is_none()));
    synopses::bundled().fill(&mut model);
    let originate = model
        .actions
        .iter()
        .find(|a| a.wire_name == "Originate")
        .unwrap();
    assert!(originate
        .docs
        .synopsis
        .as_deref()
        .unwrap()
        .contains("Places a call"));
    let Param::Single(timeout) = originate
        .params
        .iter()
        .find(|p| matches!(p, Param::Single(f) if f.wire_name == "Timeout"))
        .unwrap()
    else {
        unreachable!()
    };
    assert!(timeout
        .docs
        .synopsis
        .as_deref()
        .unwrap()
        .contains("milliseconds"));
    // A synopsis already there stays.
    let (_, xml) = model_support::versions().pop().unwrap();
    let text = std::fs::read_to_string(&xml).unwrap();
    let mut model = read_model_str(&text, "xml", &Spec::empty()).unwrap();
    let before = model
        .actions
        .iter()
        .find(|a| a.wire_name == "Originate")
        .unwrap()
        .docs
        .synopsis
        .clone();
    synopses::bundled().fill(&mut model);
    let after = &model
        .actions
        .iter()
        .find(|a| a.wire_name == "Originate")
        .unwrap()
        .docs
        .synopsis;
    assert_eq!(&before, after);
    assert!(before.is_some());
}
