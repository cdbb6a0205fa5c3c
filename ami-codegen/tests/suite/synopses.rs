//! `spec/synopses.toml`: every action and event of every bundled model has
//! a synopsis in the project's own words, every entry names something that
//! exists, and none repeats Asterisk's own synopsis.

use crate::model_support;

use std::collections::BTreeSet;

use ami_codegen::model::Param;
use ami_codegen::{bundled, read_model_str, render_model, synopses, Spec};

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
            !keys.iter().any(|(o, f)| {
                (owner == "*" || owner == o)
                    && (key == "*" || f == key)
                    && (owner, key) != ("*", "*")
            })
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

/// The public items of generated code whose rustdoc says no more than the
/// wire key (and the release ranges or default, which are facts, not
/// meaning): `(module, item line)`.
fn bare_items(module: &str, code: &str) -> Vec<(String, String)> {
    let mut bare = Vec::new();
    let mut docs: Vec<&str> = Vec::new();
    for line in code.lines() {
        let line = line.trim();
        if let Some(doc) = line.strip_prefix("///") {
            docs.push(doc.trim());
            continue;
        }
        if line.starts_with("#[") {
            continue;
        }
        let public = line.starts_with("pub ");
        // An enum variant: a capitalised name, documented like the items.
        let variant = !public
            && !docs.is_empty()
            && line.chars().next().is_some_and(|c| c.is_ascii_uppercase())
            && !line.contains(' ');
        if public || variant {
            let meaning = docs.iter().any(|d| {
                !d.is_empty()
                    && !d.starts_with("Wire key")
                    && !d.starts_with("Only in Asterisk")
                    && !d.starts_with("Default:")
            });
            if !meaning {
                bare.push((module.to_owned(), line.to_owned()));
            }
        }
        docs.clear();
    }
    bare
}

#[test]
fn every_public_item_of_the_default_build_says_what_it_means() {
    let mut model = bundled::model(bundled::DEFAULT).unwrap().unwrap();
    synopses::bundled().fill(&mut model);
    let mut items = 0;
    let mut bare = Vec::new();
    for (module, code) in render_model(&model).unwrap() {
        items += code
            .lines()
            .filter(|l| l.trim().starts_with("pub "))
            .count();
        bare.extend(bare_items(module, &code));
    }
    assert!(items > 4000, "{items}");
    assert!(
        bare.is_empty(),
        "{} of {items} public items documented by wire key only, first: {:#?}",
        bare.len(),
        &bare[..bare.len().min(20)]
    );
}

#[test]
fn the_bare_item_check_can_fail() {
    let code = "/// Wire key `Queue`.\npub fn queue(&self) {}\n/// The queue.\n///\n/// Wire key `Queue`.\npub fn named(&self) {}\npub struct Undocumented;\n/// Wire value `X`.\n/// Only in Asterisk releases 20.1+.\nBare,\n";
    let bare = bare_items("m", code);
    let lines: Vec<&str> = bare.iter().map(|(_, l)| l.as_str()).collect();
    assert_eq!(
        lines,
        ["pub fn queue(&self) {}", "pub struct Undocumented;"],
    );
}
