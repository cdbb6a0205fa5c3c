//! The project's spec (`spec/*.toml`) against every documentation version and
//! the recorded wire traffic:
//!
//! - no override matches nothing in all versions (a stale override fails);
//! - every list action of `list-actions-22.json` is a list action with the
//!   right completion event and at least its item events;
//! - every event Asterisk 22 sent in the transcripts has a type, and every
//!   typed (integer, boolean, float) value in them parses as its type.

use crate::model_support;

use std::collections::BTreeMap;
use std::sync::OnceLock;

use ami_codegen::model::{FieldDef, FieldType, Model, RuntimeType};
use ami_codegen::{read_model_with_usage, Spec};

fn spec() -> Spec {
    Spec::load(&model_support::spec_dir()).unwrap_or_else(|e| panic!("{e}"))
}

type Lowered = (String, Model, ami_codegen::SpecUsage);

/// Every version lowered with the project's spec, once per test binary.
fn models(spec: &Spec) -> &'static [Lowered] {
    static MODELS: OnceLock<Vec<Lowered>> = OnceLock::new();
    MODELS.get_or_init(|| {
        model_support::versions()
            .into_iter()
            .map(|(version, path)| {
                let xml = std::fs::read_to_string(&path).unwrap();
                let (model, usage) =
                    read_model_with_usage(&xml, &version, spec).unwrap_or_else(|e| panic!("{e}"));
                (version, model, usage)
            })
            .collect()
    })
}

#[test]
fn no_override_matches_nothing_in_every_version() {
    let spec = spec();
    let models = models(&spec);
    let usages: Vec<_> = models.iter().map(|(_, _, u)| u.clone()).collect();
    let stale = spec.unmatched(&usages);
    assert!(
        stale.is_empty(),
        "spec entries that match nothing in any of {:?}:\n{}",
        models
            .iter()
            .map(|(v, _, _)| v.as_str())
            .collect::<Vec<_>>(),
        stale.join("\n")
    );
    // Sanity: the spec is not empty and most of it is used by the newest docs.
    assert!(spec.entries().len() > 100, "{}", spec.entries().len());
}

#[test]
fn every_list_mapping_of_the_spec_holds_in_some_version() {
    // A version may lack some events (the mapping is then left out there),
    // but each mapping must hold whole somewhere: a misspelt event fails.
    let spec = spec();
    let models = models(&spec);
    for (action, entry) in &spec.lists {
        let holds = models.iter().any(|(_, model, _)| {
            model.actions.iter().any(|a| {
                a.wire_name.eq_ignore_ascii_case(action)
                    && a.list.as_ref().is_some_and(|l| {
                        l.complete.eq_ignore_ascii_case(&entry.complete)
                            && entry
                                .items
                                .iter()
                                .all(|i| l.items.iter().any(|x| x.eq_ignore_ascii_case(i)))
                    })
            })
        });
        assert!(holds, "lists.toml: {action} holds in no version");
    }
}

#[test]
fn event_names_are_unique_case_insensitively() {
    for (version, model, _) in models(&spec()) {
        let mut seen = BTreeMap::new();
        for e in &model.events {
            if let Some(prev) = seen.insert(e.wire_name.to_ascii_lowercase(), &e.wire_name) {
                panic!(
                    "{version}: events `{prev}` and `{}` differ only in case",
                    e.wire_name
                );
            }
        }
    }
}

/// `list-actions-22.json`: action → completion event(s) and item events.
fn list_actions_22() -> BTreeMap<String, (Vec<String>, Vec<String>)> {
    let path = model_support::shared_dir().join("asterisk-docs/list-actions-22.json");
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let json: serde_json::Value = serde_json::from_str(&text).unwrap();
    let strings = |v: &serde_json::Value| -> Vec<String> {
        v.as_array()
            .unwrap()
            .iter()
            .map(|s| s.as_str().unwrap().to_owned())
            .collect()
    };
    json.as_object()
        .unwrap()
        .iter()
        .map(|(action, v)| {
            (
                action.clone(),
                (strings(&v["complete"]), strings(&v["events"])),
            )
        })
        .collect()
}

#[test]
fn every_list_action_of_asterisk_22_is_a_list_action() {
    let spec = spec();
    let models = models(&spec);
    let (_, model22, _) = models
        .iter()
        .find(|(v, _, _)| v.starts_with("22."))
        .expect("the 22 docs are present");
    let mut problems = Vec::new();
    let mut checked = 0;
    for (action, (complete, items)) in list_actions_22() {
        let Some(def) = model22.actions.iter().find(|a| a.wire_name == action) else {
            // Not documented (DAHDIShowStatus): nothing to attach a list to.
            continue;
        };
        checked += 1;
        let Some(list) = &def.list else {
            problems.push(format!("{action} is not a list action"));
            continue;
        };
        if let Some(c) = complete.first() {
            if !list.complete.eq_ignore_ascii_case(c) {
                problems.push(format!(
                    "{action}: completes with {} not {c}",
                    list.complete
                ));
            }
        }
        for item in &items {
            if !list.items.iter().any(|i| i.eq_ignore_ascii_case(item)) {
                problems.push(format!(
                    "{action}: item {item} missing from {:?}",
                    list.items
                ));
            }
        }
        // Items and completion are typed events.
        for name in list.items.iter().chain(std::iter::once(&list.complete)) {
            if !model22.events.iter().any(|e| &e.wire_name == name) {
                problems.push(format!("{action}: event {name} has no type"));
            }
        }
    }
    assert!(checked >= 30, "only {checked} list actions checked");
    assert!(problems.is_empty(), "{}", problems.join("\n"));
    // The three named by the issue, exactly.
    let list = |name: &str| {
        model22
            .actions
            .iter()
            .find(|a| a.wire_name == name)
            .and_then(|a| a.list.clone())
            .unwrap_or_else(|| panic!("{name} is not a list action"))
    };
    assert_eq!(
        list("QueueStatus").items,
        ["QueueParams", "QueueMember", "QueueEntry"]
    );
    assert_eq!(list("QueueStatus").complete, "QueueStatusComplete");
    assert_eq!(list("QueueSummary").items, ["QueueSummary"]);
    assert_eq!(list("Status").complete, "StatusComplete");
    assert_eq!(list("CoreShowChannels").items, ["CoreShowChannel"]);
    assert_eq!(
        list("CoreShowChannels").complete,
        "CoreShowChannelsComplete"
    );
}

/// The messages of a transcript as (kind, ordered fields).
fn messages(name: &str) -> Vec<Vec<(String, String)>> {
    let path = model_support::shared_dir().join("transcripts").join(name);
    let bytes = std::fs::read(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let text = String::from_utf8_lossy(&bytes).replace("\r\n", "\n");
    text.split("\n\n")
        .map(|block| {
            block
                .lines()
                .filter(|l| !l.is_empty())
                .map(|l| match l.split_once(':') {
                    Some((k, v)) => (k.to_owned(), v.strip_prefix(' ').unwrap_or(v).to_owned()),
                    None => (String::new(), l.to_owned()),
                })
                .collect::<Vec<_>>()
        })
        .filter(|m: &Vec<(String, String)>| !m.is_empty())
        .collect()
}

fn parses(ty: &FieldType, value: &str) -> bool {
    match ty {
        FieldType::Integer => value.parse::<i64>().is_ok(),
        FieldType::Float => value.parse::<f64>().is_ok(),
        FieldType::Boolean => matches!(
            value.to_ascii_lowercase().as_str(),
            "yes" | "no" | "true" | "false" | "1" | "0" | "on" | "off" | "y" | "n" | "t" | "f"
        ),
        FieldType::String | FieldType::Enum(_) => true,
        // `name=value`; a bare name is a variable without value.
        FieldType::Variables => !value.starts_with('='),
        // `HH:MM:SS`.
        FieldType::Runtime(RuntimeType::Hms) => {
            let parts: Vec<&str> = value.split(':').collect();
            parts.len() == 3
                && parts
                    .iter()
                    .all(|p| !p.is_empty() && p.parse::<u32>().is_ok())
        }
        // Seconds, never negative.
        FieldType::Runtime(RuntimeType::Seconds) => value.parse::<u64>().is_ok(),
        // Codes: integers.
        FieldType::Runtime(_) => value.parse::<i64>().is_ok(),
    }
}

fn check_fields(
    what: &str,
    fields: &[FieldDef],
    message: &[(String, String)],
    problems: &mut Vec<String>,
) -> usize {
    let mut checked = 0;
    for (key, value) in message {
        let Some(f) = fields
            .iter()
            .find(|f| f.wire_name.eq_ignore_ascii_case(key))
        else {
            continue;
        };
        if value.is_empty() {
            continue;
        }
        if !matches!(f.ty, FieldType::String | FieldType::Enum(_)) {
            checked += 1;
        }
        if !parses(&f.ty, value) {
            problems.push(format!("{what}.{key} = {value:?} is not {:?}", f.ty));
        }
    }
    checked
}

#[test]
fn transcript_events_have_types_and_typed_values_parse() {
    let spec = spec();
    let models = models(&spec);
    let (_, model, _) = models
        .iter()
        .find(|(v, _, _)| v.starts_with("22."))
        .expect("the 22 docs are present");
    let mut problems = Vec::new();
    let mut typed_values = 0;
    let mut events_seen = 0;
    for file in ["session1.txt", "session3_events_off.txt"] {
        for m in messages(file) {
            let Some((_, name)) = m.first().filter(|(k, _)| k == "Event") else {
                continue;
            };
            events_seen += 1;
            let Some(def) = model
                .events
                .iter()
                .find(|e| e.wire_name.eq_ignore_ascii_case(name))
            else {
                problems.push(format!("{file}: event {name} has no type"));
                continue;
            };
            typed_values +=
                check_fields(&format!("{file}: {name}"), &def.fields, &m, &mut problems);
        }
    }
    // Responses of session1, matched to their action through the ActionID.
    let sent = messages("session1.txt.sent");
    let action_of: BTreeMap<String, String> = sent
        .iter()
        .filter_map(|m| {
            let action = m.iter().find(|(k, _)| k == "Action")?.1.clone();
            let id = m.iter().find(|(k, _)| k == "ActionID")?.1.clone();
            Some((id, action))
        })
        .collect();
    let mut responses = 0;
    for m in messages("session1.txt") {
        if !m
            .first()
            .is_some_and(|(k, v)| k == "Response" && v == "Success")
        {
            continue;
        }
        let Some((_, id)) = m.iter().find(|(k, _)| k == "ActionID") else {
            continue;
        };
        let Some(action) = action_of.get(id) else {
            continue;
        };
        let Some(response) = model
            .actions
            .iter()
            .find(|a| &a.wire_name == action)
            .and_then(|a| a.response.as_ref())
        else {
            continue;
        };
        responses += 1;
        typed_values += check_fields(
            &format!("response {action}"),
            &response.fields,
            &m,
            &mut problems,
        );
        for f in &response.fields {
            if !m.iter().any(|(k, _)| k.eq_ignore_ascii_case(&f.wire_name)) {
                problems.push(format!(
                    "response {action}: field {} not on the wire",
                    f.wire_name
                ));
            }
        }
    }
    assert!(events_seen > 300, "{events_seen}");
    assert!(responses >= 3, "Ping, Getvar, CoreSettings: {responses}");
    assert!(typed_values > 500, "{typed_values}");
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

#[test]
fn undocumented_events_of_the_transcripts_readme_have_types() {
    let readme =
        std::fs::read_to_string(model_support::shared_dir().join("transcripts/README.md")).unwrap();
    let start = readme
        .find("does not document")
        .expect("the README lists undocumented events");
    let names: Vec<&str> = readme[start..]
        .split('`')
        .skip(1)
        .step_by(2)
        .take_while(|n| !n.contains(' '))
        .collect();
    assert!(names.len() >= 29, "{names:?}");
    let spec = spec();
    let models = models(&spec);
    let (_, model, _) = models
        .iter()
        .find(|(v, _, _)| v.starts_with("22."))
        .unwrap();
    let missing: Vec<&&str> = names
        .iter()
        .filter(|n| {
            !model
                .events
                .iter()
                .any(|e| e.wire_name.eq_ignore_ascii_case(n))
        })
        .collect();
    assert!(missing.is_empty(), "{missing:?}");
}
