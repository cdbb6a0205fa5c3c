//! For every documentation version present, the model holds every action and
//! event the docs name, and each of them every parameter the docs give it
//! after includes and snapshot macros.
//!
//! The expected names are counted independently of the generator: another XML
//! parser (roxmltree), and a separate, naive include resolver that evaluates
//! each xpointer against the original document and resolves what it copies
//! recursively, then expands the macros from its own field lists.

use crate::model_support;

use std::collections::{BTreeMap, BTreeSet};

use ami_codegen::model::{IndexStyle, Model, Param};
use ami_codegen::{read_model_str, Spec};

/// An owned element tree, independent of the generator's.
#[derive(Debug, Clone)]
enum N {
    E(El),
    T,
}

#[derive(Debug, Clone)]
struct El {
    tag: String,
    attrs: BTreeMap<String, String>,
    kids: Vec<N>,
}

impl El {
    fn attr(&self, k: &str) -> Option<&str> {
        self.attrs.get(k).map(String::as_str)
    }
    fn elems(&self) -> impl Iterator<Item = &El> {
        self.kids.iter().filter_map(|k| match k {
            N::E(e) => Some(e),
            N::T => None,
        })
    }
}

fn convert(node: roxmltree::Node<'_, '_>) -> El {
    let tag = match node.tag_name().namespace() {
        Some("http://www.w3.org/2001/XInclude") => format!("xi:{}", node.tag_name().name()),
        _ => node.tag_name().name().to_owned(),
    };
    El {
        tag,
        attrs: node
            .attributes()
            .map(|a| (a.name().to_owned(), a.value().to_owned()))
            .collect(),
        kids: node
            .children()
            .filter_map(|c| {
                if c.is_element() {
                    Some(N::E(convert(c)))
                } else if c.is_text() {
                    Some(N::T)
                } else {
                    None
                }
            })
            .collect(),
    }
}

/// Evaluates an xpointer against the original document (naively: split on
/// `/`, one child step at a time).
fn eval<'a>(root: &'a El, xpointer: &str) -> Vec<&'a N> {
    let inner = xpointer
        .trim()
        .strip_prefix("xpointer(")
        .and_then(|s| s.strip_suffix(')'))
        .unwrap_or_else(|| panic!("odd xpointer {xpointer}"));
    let steps: Vec<&str> = inner.trim_start_matches('/').split('/').collect();
    assert_eq!(
        steps[0], root.tag,
        "xpointer {xpointer} does not start at the root"
    );
    let mut current: Vec<&N> = Vec::new();
    let mut first = true;
    for &step in &steps[1..] {
        let (name, preds) = match step.find('[') {
            Some(i) => (&step[..i], &step[i..]),
            None => (step, ""),
        };
        let mut next = Vec::new();
        let contexts: Vec<&El> = if first {
            first = false;
            vec![root]
        } else {
            current
                .iter()
                .filter_map(|n| match n {
                    N::E(e) => Some(e),
                    N::T => None,
                })
                .collect()
        };
        for el in contexts {
            let mut matched: Vec<&N> = el
                .kids
                .iter()
                .filter(|k| match (k, name) {
                    (_, "node()") => true,
                    (N::T, "text()") => true,
                    (N::E(e), n) => e.tag == n,
                    _ => false,
                })
                .collect();
            for pred in preds.split(']').filter(|p| !p.is_empty()) {
                let pred = pred.trim_start_matches('[');
                if let Ok(n) = pred.parse::<usize>() {
                    matched = matched.get(n - 1).copied().into_iter().collect();
                } else if let Some(rest) = pred.strip_prefix("contains(@name,") {
                    let needle = rest.trim().trim_end_matches(')').trim_matches('\'');
                    matched.retain(|k| {
                        matches!(k, N::E(e) if e.attr("name").is_some_and(|v| v.contains(needle)))
                    });
                } else if let Some(rest) = pred.strip_prefix("@name=") {
                    let want = rest.trim_matches('\'');
                    matched.retain(|k| matches!(k, N::E(e) if e.attr("name") == Some(want)));
                } else {
                    panic!("predicate not understood by the test: [{pred}]");
                }
            }
            next.extend(matched);
        }
        current = next;
    }
    current
}

/// Copies `el` with every include replaced (recursively) by what it selects.
/// Records includes inside actions/events that select nothing.
fn resolve(el: &El, root: &El, depth: usize, inside: bool, failures: &mut Vec<String>) -> El {
    assert!(depth < 20, "include nesting too deep");
    let inside = inside || el.tag == "manager" || el.tag == "managerEvent";
    let mut kids = Vec::new();
    for kid in &el.kids {
        match kid {
            N::E(e) if e.tag == "xi:include" => {
                let xp = e.attr("xpointer").unwrap_or_default();
                let targets = eval(root, xp);
                if targets.is_empty() && inside {
                    failures.push(xp.to_owned());
                }
                for t in targets {
                    match t {
                        N::E(te) => kids.push(N::E(resolve(te, root, depth + 1, inside, failures))),
                        N::T => kids.push(N::T),
                    }
                }
            }
            N::E(e) => kids.push(N::E(resolve(e, root, depth, inside, failures))),
            N::T => kids.push(N::T),
        }
    }
    El {
        tag: el.tag.clone(),
        attrs: el.attrs.clone(),
        kids,
    }
}

const CHANNEL: &[&str] = &[
    "Channel",
    "ChannelState",
    "ChannelStateDesc",
    "CallerIDNum",
    "CallerIDName",
    "ConnectedLineNum",
    "ConnectedLineName",
    "Language",
    "AccountCode",
    "Context",
    "Exten",
    "Priority",
    "Uniqueid",
    "Linkedid",
];
const BRIDGE: &[&str] = &[
    "BridgeUniqueid",
    "BridgeType",
    "BridgeTechnology",
    "BridgeCreator",
    "BridgeName",
    "BridgeNumChannels",
    "BridgeVideoSourceMode",
    "BridgeVideoSource",
];

fn expand(el: &mut El) {
    let mut kids = Vec::new();
    for kid in std::mem::take(&mut el.kids) {
        match kid {
            N::E(e) if e.tag == "channel_snapshot" || e.tag == "bridge_snapshot" => {
                let names = if e.tag == "channel_snapshot" {
                    CHANNEL
                } else {
                    BRIDGE
                };
                let prefix = e.attr("prefix").unwrap_or("").to_owned();
                for n in names {
                    kids.push(N::E(El {
                        tag: "parameter".into(),
                        attrs: [("name".to_owned(), format!("{prefix}{n}"))].into(),
                        kids: Vec::new(),
                    }));
                }
            }
            N::E(mut e) => {
                expand(&mut e);
                kids.push(N::E(e));
            }
            N::T => kids.push(N::T),
        }
    }
    el.kids = kids;
}

fn params_below(el: &El, out: &mut BTreeSet<String>) {
    for e in el.elems() {
        if e.tag == "parameter" {
            if let Some(n) = e.attr("name") {
                out.insert(n.to_ascii_lowercase());
            }
        }
        params_below(e, out);
    }
}

/// Documented names, independently: action → parameters (without ActionID),
/// event → fields. Names are lowercased (the wire is case-insensitive).
#[derive(Default)]
struct Expected {
    actions: BTreeMap<String, BTreeSet<String>>,
    events: BTreeMap<String, BTreeSet<String>>,
}

fn walk(el: &El, ex: &mut Expected) {
    for e in el.elems() {
        match e.tag.as_str() {
            "manager" => {
                let name = e.attr("name").expect("manager name").to_ascii_lowercase();
                let params = ex.actions.entry(name).or_default();
                for syntax in e.elems().filter(|s| s.tag == "syntax") {
                    params_below(syntax, params);
                }
                params.remove("actionid");
                walk(e, ex);
            }
            "managerEvent" => {
                let name = e.attr("name").expect("event name").to_ascii_lowercase();
                let fields = ex.events.entry(name).or_default();
                for inst in e.elems().filter(|i| i.tag == "managerEventInstance") {
                    for syntax in inst.elems().filter(|s| s.tag == "syntax") {
                        params_below(syntax, fields);
                    }
                }
            }
            _ => walk(e, ex),
        }
    }
}

fn expected(xml: &str) -> Expected {
    let doc = roxmltree::Document::parse_with_options(
        xml,
        roxmltree::ParsingOptions {
            allow_dtd: true,
            ..Default::default()
        },
    )
    .expect("roxmltree parses the docs");
    let original = convert(doc.root_element());
    let mut failures = Vec::new();
    let mut resolved = resolve(&original, &original, 0, false, &mut failures);
    assert!(
        failures.is_empty(),
        "includes selecting nothing: {failures:?}"
    );
    expand(&mut resolved);
    let mut ex = Expected::default();
    walk(&resolved, &mut ex);
    ex
}

/// What the model has, in the same shape: group members count as the
/// numbered key of their first entry (`Action-000000`, `UnitAmount(0)`).
fn actual(model: &Model) -> Expected {
    let mut ex = Expected::default();
    for a in &model.actions {
        let mut params = BTreeSet::new();
        for p in &a.params {
            match p {
                Param::Single(f) => {
                    assert!(
                        params.insert(f.wire_name.to_ascii_lowercase()),
                        "{} twice in {}",
                        f.wire_name,
                        a.wire_name
                    );
                }
                Param::Group(g) => {
                    for m in &g.members {
                        let key = match g.index {
                            IndexStyle::Dash6 => format!("{}-000000", m.wire_name),
                            IndexStyle::Paren => format!("{}(0)", m.wire_name),
                        };
                        assert!(
                            params.insert(key.to_ascii_lowercase()),
                            "{key} twice in {}",
                            a.wire_name
                        );
                    }
                }
            }
        }
        assert!(ex
            .actions
            .insert(a.wire_name.to_ascii_lowercase(), params)
            .is_none());
    }
    for e in &model.events {
        let mut fields = BTreeSet::new();
        for f in &e.fields {
            assert!(
                fields.insert(f.wire_name.to_ascii_lowercase()),
                "{} twice in {}",
                f.wire_name,
                e.wire_name
            );
        }
        assert!(ex
            .events
            .insert(e.wire_name.to_ascii_lowercase(), fields)
            .is_none());
    }
    ex
}

fn compare(
    kind: &str,
    version: &str,
    want: &BTreeMap<String, BTreeSet<String>>,
    got: &BTreeMap<String, BTreeSet<String>>,
    exact: bool,
) -> Vec<String> {
    let mut problems = Vec::new();
    for (name, fields) in want {
        let Some(have) = got.get(name) else {
            problems.push(format!("{version}: {kind} `{name}` missing"));
            continue;
        };
        let missing: Vec<_> = fields.difference(have).collect();
        if !missing.is_empty() {
            problems.push(format!("{version}: {kind} `{name}` lacks {missing:?}"));
        }
        let extra: Vec<_> = have.difference(fields).collect();
        if exact && !extra.is_empty() {
            problems.push(format!(
                "{version}: {kind} `{name}` has undocumented {extra:?}"
            ));
        }
    }
    if exact {
        for name in got.keys().filter(|n| !want.contains_key(*n)) {
            problems.push(format!("{version}: {kind} `{name}` is not in the docs"));
        }
    }
    problems
}

/// Distinct names per version, from the README of the shared docs; checked
/// only for the versions listed here.
const KNOWN_COUNTS: &[(&str, usize, usize)] = &[
    ("18.26.4", 167, 171),
    ("20.20.1", 169, 185),
    ("22.10.1", 154, 181),
];

#[test]
fn every_documented_action_event_and_parameter_is_in_the_model() {
    let spec = Spec::load(&model_support::spec_dir()).expect("spec loads");
    let mut problems = Vec::new();
    for (version, path) in model_support::versions() {
        let xml = std::fs::read_to_string(&path).unwrap();
        let want = expected(&xml);
        if let Some((_, actions, events)) = KNOWN_COUNTS.iter().find(|(v, _, _)| *v == version) {
            assert_eq!(
                want.actions.len(),
                *actions,
                "{version}: independent action count"
            );
            assert_eq!(
                want.events.len(),
                *events,
                "{version}: independent event count"
            );
        }
        let total: usize = want
            .actions
            .values()
            .chain(want.events.values())
            .map(BTreeSet::len)
            .sum();
        assert!(
            total > 1000,
            "{version}: suspiciously few parameters ({total})"
        );

        // Without overrides the model is exactly the documentation.
        let plain = read_model_str(&xml, &version, &Spec::empty()).unwrap();
        let got = actual(&plain);
        problems.extend(compare(
            "action",
            &version,
            &want.actions,
            &got.actions,
            true,
        ));
        problems.extend(compare("event", &version, &want.events, &got.events, true));

        // With the project's spec it still holds everything documented.
        let full = read_model_str(&xml, &version, &spec).unwrap();
        let got = actual(&full);
        problems.extend(compare(
            "action",
            &version,
            &want.actions,
            &got.actions,
            false,
        ));
        problems.extend(compare("event", &version, &want.events, &got.events, false));
        eprintln!(
            "{version}: {} actions, {} events, {} documented parameters and fields",
            want.actions.len(),
            want.events.len(),
            total
        );
    }
    assert!(
        problems.is_empty(),
        "{} problems:\n{}",
        problems.len(),
        problems.join("\n")
    );
}

#[test]
fn lowering_a_real_spec_twice_gives_the_same_model() {
    let (version, path) = model_support::versions().pop().unwrap();
    let xml = std::fs::read_to_string(path).unwrap();
    let spec = Spec::load(&model_support::spec_dir()).unwrap();
    let a = read_model_str(&xml, &version, &spec).unwrap();
    let b = read_model_str(&xml, &version, &spec).unwrap();
    assert_eq!(a, b);
    let mut sorted = a
        .actions
        .iter()
        .map(|x| x.wire_name.clone())
        .collect::<Vec<_>>();
    sorted.sort();
    assert_eq!(
        sorted,
        a.actions
            .iter()
            .map(|x| x.wire_name.clone())
            .collect::<Vec<_>>()
    );
}
