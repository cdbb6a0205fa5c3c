//! Decodes the real Asterisk 22 traffic in `../shared/transcripts/` (and
//! `tests/fixtures/live-22.10.1*.txt`, recorded from a local Asterisk
//! 22.10.1 with `channelvars`, conferences, parking, queues, MWI and a blind
//! transfer) through
//! the generated types: every event whose name the crate knows becomes its
//! typed variant, no field is lost, and every documented key present in a
//! message is set in the typed struct (or reported as a field error).

use std::collections::{BTreeMap, BTreeSet};
use std::path::PathBuf;

use ami_core::codec::{Decoder, Frame};
use ami_types::action::{CoreShowChannels, QueueStatus, QueueStatusItem, QueueSummary, Status};
use ami_types::event::{self, Event};
use ami_types::{meta, Action, FromMessage, ListAction, Message, MessageKind, TypedFields};
use bytes::BytesMut;

fn transcripts_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../shared/transcripts")
}

/// Every message of every transcript, with the file it came from.
fn messages() -> Vec<(String, Message)> {
    let Ok(entries) = std::fs::read_dir(transcripts_dir()) else {
        return Vec::new();
    };
    let mut files: Vec<PathBuf> = entries
        .flatten()
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|x| x == "txt"))
        .collect();
    files.sort();
    // The recordings committed with the tests (their own Asterisk's output).
    let fixtures = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures");
    let mut own: Vec<PathBuf> = std::fs::read_dir(&fixtures)
        .map(|d| d.flatten().map(|e| e.path()).collect())
        .unwrap_or_default();
    own.retain(|p| p.extension().is_some_and(|x| x == "txt"));
    own.sort();
    assert!(
        !own.is_empty(),
        "no recordings under {}",
        fixtures.display()
    );
    files.extend(own);
    let mut out = Vec::new();
    for path in files {
        let name = path.file_name().unwrap().to_string_lossy().into_owned();
        let mut buf = BytesMut::from(&std::fs::read(&path).unwrap()[..]);
        let mut decoder = Decoder::new();
        loop {
            match decoder.decode(&mut buf) {
                Ok(Some(Frame::Message(m))) => out.push((name.clone(), m)),
                Ok(Some(Frame::Greeting(_))) => {}
                Ok(None) => break,
                Err(e) => panic!("{name}: {e}"),
            }
        }
        if let Ok(Some(Frame::Message(m))) = decoder.decode_eof(&mut buf) {
            out.push((name.clone(), m));
        }
    }
    out
}

/// The wire keys a typed value has set.
fn typed_keys(value: &dyn TypedFields) -> BTreeSet<String> {
    let mut keys = BTreeSet::new();
    value.for_each_field(&mut |key, _| {
        keys.insert(key.to_ascii_lowercase());
    });
    keys
}

/// Checks that every documented key of `meta` present in `msg` with a
/// non-empty value is set in `typed` or reported as an error.
fn check_fields(
    what: &str,
    msg: &Message,
    typed: &dyn TypedFields,
    errors: &[ami_types::FieldError],
    documented: &[meta::FieldMeta],
) -> usize {
    let set = typed_keys(typed);
    let failed: BTreeSet<String> = errors.iter().map(|e| e.key.to_ascii_lowercase()).collect();
    let mut checked = 0;
    for field in msg.fields() {
        let key = field.key().to_ascii_lowercase();
        let Some(doc) = documented
            .iter()
            .find(|f| f.name.eq_ignore_ascii_case(&key))
        else {
            continue;
        };
        // An empty number or boolean is "unknown", not an error.
        if field.value().is_empty()
            && doc.ty != meta::ValueType::String
            && doc.ty != meta::ValueType::Enum
        {
            continue;
        }
        assert!(
            set.contains(&key) || failed.contains(&key),
            "{what}: documented key {} = {:?} was lost",
            field.key(),
            field.value()
        );
        checked += 1;
    }
    checked
}

/// The transcripts' messages. None is a failure (these tests would prove
/// nothing), unless `AMI_SKIP_WITHOUT_DOCS` is set: then the test says
/// loudly that it skipped.
fn required_messages() -> Vec<(String, Message)> {
    let found = messages();
    if found.is_empty() {
        let dir = transcripts_dir();
        assert!(
            std::env::var_os("AMI_SKIP_WITHOUT_DOCS").is_some(),
            "no transcripts under {}: these tests need ../shared \
             (set AMI_SKIP_WITHOUT_DOCS=1 to skip them)",
            dir.display()
        );
        eprintln!("SKIPPED: no transcripts under {}", dir.display());
    }
    found
}

#[test]
fn every_known_event_decodes_typed_and_loses_nothing() {
    let messages = required_messages();
    if messages.is_empty() {
        return;
    }
    let mut typed = 0;
    let mut fields_checked = 0;
    let mut unknown: BTreeMap<String, usize> = BTreeMap::new();
    let mut seen: BTreeSet<String> = BTreeSet::new();
    for (file, msg) in &messages {
        if msg.kind() != MessageKind::Event {
            continue;
        }
        let name = msg.event_name().unwrap().to_string();
        let event = Event::from_message(msg.clone());
        assert_eq!(event.name(), name);
        // Nothing is lost: the whole message is kept, in order.
        assert_eq!(event.raw(), msg, "{file}: {name}");
        let known = event::NAMES.iter().any(|n| n.eq_ignore_ascii_case(&name));
        if !known {
            assert!(event.is_unknown(), "{file}: {name}");
            *unknown.entry(name).or_default() += 1;
            continue;
        }
        assert!(!event.is_unknown(), "{file}: {name} decoded as Unknown");
        let documented = meta::event(&name).unwrap_or_else(|| panic!("{name}: no metadata"));
        fields_checked += check_fields(
            &format!("{file}: {name}"),
            msg,
            &event,
            &event.field_errors(),
            documented.fields,
        );
        assert!(
            event.field_errors().is_empty(),
            "{file}: {name}: {:?}",
            event.field_errors()
        );
        seen.insert(name.to_ascii_lowercase());
        typed += 1;
    }
    // The transcripts are not empty, and the docs' spelling `NewExten`
    // matches the wire's `Newexten`.
    assert!(typed > 300, "only {typed} typed events");
    assert!(
        fields_checked > 5000,
        "only {fields_checked} fields checked"
    );
    assert!(seen.contains("newexten"));
    // Every event name in the transcripts (of a live Asterisk 22) is known,
    // documented or in spec/, when the types are generated from 22 (older
    // versions' docs lack some of 22's events).
    if cfg!(any(ami_spec_major = "18", ami_spec_major = "20")) {
        eprintln!("events of Asterisk 22 unknown to this version's docs: {unknown:?}");
    } else {
        assert!(unknown.is_empty(), "events decoded as Unknown: {unknown:?}");
    }
}

#[test]
fn responses_and_list_items_decode_typed() {
    let messages = required_messages();
    if messages.is_empty() {
        return;
    }
    // ActionID -> action name, from what session1 sent.
    let sent = std::fs::read_to_string(transcripts_dir().join("session1.txt.sent")).unwrap();
    let mut actions: BTreeMap<String, String> = BTreeMap::new();
    for block in sent.split("\r\n\r\n") {
        let get = |key: &str| {
            block
                .lines()
                .find_map(|l| l.strip_prefix(key).map(|v| v.trim().to_owned()))
        };
        if let (Some(action), Some(id)) = (get("Action: "), get("ActionID: ")) {
            actions.insert(id, action);
        }
    }

    let mut counts: BTreeMap<&str, usize> = BTreeMap::new();
    for (file, msg) in messages.iter().filter(|(f, _)| f == "session1.txt") {
        let Some(id) = msg.action_id().map(|v| v.to_string()) else {
            continue;
        };
        let Some(action) = actions.get(&id) else {
            continue;
        };
        let what = format!("{file}: {action} {id}");
        match (msg.kind(), action.as_str()) {
            (MessageKind::Response, "Ping") => {
                let r = <ami_types::action::Ping as Action>::Response::from_message(msg.clone());
                assert_eq!(r.raw(), msg);
                assert_eq!(r.ping().as_ref().unwrap(), "Pong", "{what}");
                assert!(r.timestamp().is_some_and(|t| t > 1.0e9), "{what}");
                *counts.entry("Ping response").or_default() += 1;
            }
            (MessageKind::Response, "CoreSettings") => {
                let r = <ami_types::action::CoreSettings as Action>::Response::from_message(
                    msg.clone(),
                );
                assert!(
                    r.field_errors().is_empty(),
                    "{what}: {:?}",
                    r.field_errors()
                );
                assert!(typed_keys(&r).len() >= 5, "{what}: {:?}", typed_keys(&r));
                *counts.entry("CoreSettings response").or_default() += 1;
            }
            (MessageKind::Event, "CoreShowChannels") => {
                list_event::<CoreShowChannels>(&what, msg, &mut counts);
            }
            (MessageKind::Event, "Status") => list_event::<Status>(&what, msg, &mut counts),
            (MessageKind::Event, "QueueSummary") => {
                list_event::<QueueSummary>(&what, msg, &mut counts);
            }
            (MessageKind::Event, "QueueStatus") => {
                if is_complete::<QueueStatus>(msg) {
                    *counts.entry("complete").or_default() += 1;
                    continue;
                }
                let item = <QueueStatus as ListAction>::Item::from_message(msg.clone());
                assert!(
                    !matches!(item, QueueStatusItem::Other(_)),
                    "{what}: {item:?}"
                );
                assert_eq!(item.raw(), msg);
                *counts.entry("QueueStatus item").or_default() += 1;
            }
            _ => {}
        }
    }
    for key in [
        "Ping response",
        "CoreSettings response",
        "CoreShowChannels item",
        "Status item",
        "QueueSummary item",
        "QueueStatus item",
        "complete",
    ] {
        assert!(
            counts.get(key).is_some_and(|n| *n > 0),
            "no {key}: {counts:?}"
        );
    }
}

fn is_complete<A: ListAction>(msg: &Message) -> bool {
    let complete = meta::action(<A as Action>::NAME)
        .unwrap()
        .list
        .unwrap()
        .complete;
    msg.event_name()
        .is_some_and(|n| n.as_bytes().eq_ignore_ascii_case(complete.as_bytes()))
}

/// A single-item-type list: items are the item struct, the end is the
/// completion struct; both must decode without errors.
fn list_event<A>(what: &str, msg: &Message, counts: &mut BTreeMap<&'static str, usize>)
where
    A: ListAction,
    A::Item: TypedFields,
    A::Complete: TypedFields,
{
    let list = meta::action(A::NAME).unwrap().list.unwrap();
    let name = msg.event_name().unwrap().to_string();
    if is_complete::<A>(msg) {
        let c = A::Complete::from_message(msg.clone());
        assert_eq!(c.raw(), msg);
        assert!(
            c.field_errors().is_empty(),
            "{what}: {:?}",
            c.field_errors()
        );
        *counts.entry("complete").or_default() += 1;
    } else {
        assert!(
            list.items.iter().any(|i| i.eq_ignore_ascii_case(&name)),
            "{what}: {name}"
        );
        let item = A::Item::from_message(msg.clone());
        assert!(
            item.field_errors().is_empty(),
            "{what}: {:?}",
            item.field_errors()
        );
        assert!(!typed_keys(&item).is_empty(), "{what}: nothing typed");
        let key: &'static str = match A::NAME {
            "CoreShowChannels" => "CoreShowChannels item",
            "Status" => "Status item",
            _ => "QueueSummary item",
        };
        *counts.entry(key).or_default() += 1;
    }
}

#[test]
fn typed_actions_send_what_the_session_sent() {
    use ami_types::action::{Getvar, Originate};
    let mut sent: Vec<String> = Originate::new("Local/301@default")
        .application("Wait")
        .data("8")
        .async_(true)
        .caller_id("\"AMI Test\" <5551234>")
        .variable("FOO=bar")
        .variable("BAZ=qux")
        .to_message()
        .iter()
        .map(|(k, v)| format!("{k}: {v}"))
        .collect();
    sent.sort();
    let mut expected = vec![
        "Action: Originate",
        "Channel: Local/301@default",
        "Application: Wait",
        "Data: 8",
        "Async: true",
        "CallerID: \"AMI Test\" <5551234>",
        "Variable: FOO=bar",
        "Variable: BAZ=qux",
    ];
    expected.sort();
    assert_eq!(sent, expected);
    let getvar = Getvar::new("CHANNEL(state)")
        .channel("Local/101@default-00000001;2")
        .to_message();
    assert_eq!(getvar.get("Variable").unwrap(), "CHANNEL(state)");
    assert_eq!(
        getvar.get("Channel").unwrap(),
        "Local/101@default-00000001;2"
    );
}

/// Keys every message carries that no generated struct holds: the event
/// name, the list items' `ActionID`, and the header lines of every
/// broadcast event, typed by `EventHeader` (`Privilege`, `Timestamp`,
/// `SystemName`, the debug lines).
fn bookkeeping(key: &str) -> bool {
    key == "event"
        || key == "actionid"
        || ami_types::HEADER_KEYS
            .iter()
            .any(|k| k.eq_ignore_ascii_case(key))
}

#[test]
fn every_field_of_a_recorded_event_has_a_typed_field() {
    let messages = required_messages();
    if messages.is_empty() {
        return;
    }
    // Event name -> wire keys that arrived without a typed field.
    let mut untyped: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for (_, msg) in &messages {
        if msg.kind() != MessageKind::Event {
            continue;
        }
        let name = msg.event_name().unwrap().to_string();
        // UserEvent's headers are the user's own.
        if name.eq_ignore_ascii_case("UserEvent") {
            continue;
        }
        let Some(documented) = meta::event(&name) else {
            continue;
        };
        for field in msg.fields() {
            let key = field.key().to_ascii_lowercase();
            if bookkeeping(&key) {
                continue;
            }
            // `ChanVariable(<channel>)` is the key `ChanVariable`.
            let key = match key.split_once('(') {
                Some((base, _)) if key.ends_with(')') => base.to_owned(),
                _ => key,
            };
            if !documented
                .fields
                .iter()
                .any(|f| f.name.eq_ignore_ascii_case(&key))
            {
                untyped
                    .entry(documented.name.to_owned())
                    .or_default()
                    .insert(field.key().to_string());
            }
        }
    }
    let report: Vec<String> = untyped
        .iter()
        .map(|(event, keys)| {
            format!(
                "{event}: {}",
                keys.iter().cloned().collect::<Vec<_>>().join(", ")
            )
        })
        .collect();
    if cfg!(any(ami_spec_major = "18", ami_spec_major = "20")) {
        eprintln!("fields of Asterisk 22 untyped in this version: {report:#?}");
    } else {
        assert!(
            report.is_empty(),
            "fields without a typed field:\n{}",
            report.join("\n")
        );
    }
}

#[test]
fn the_recorded_list_commands_answer_reads_as_an_action_list() {
    use ami_types::action_list::ActionList;
    let Some((_, answer)) = messages()
        .into_iter()
        .find(|(_, m)| m.get_str("ListCommands").is_some() && m.get_str("Response").is_some())
    else {
        // Only when ../shared/transcripts is absent.
        assert!(std::fs::read_dir(transcripts_dir()).is_err());
        return;
    };
    let list = ActionList::from_message(answer);
    assert!(list.len() > 100, "{}", list.len());
    let originate = list.get("Originate").expect("Originate is listed");
    assert!(originate.privileges.iter().any(|p| p == "originate"));
    assert!(list.get("Login").unwrap().privileges.is_empty());
    // Every action the PBX lists is one the types know, or a module's
    // the bundled documentation leaves out.
    let known = list
        .iter()
        .filter(|a| meta::action(&a.name).is_some())
        .count();
    assert!(known * 10 >= list.len() * 9, "{known} of {}", list.len());
}
