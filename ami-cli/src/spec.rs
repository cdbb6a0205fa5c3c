//! `ami spec`: the metadata the binary was generated with, as JSON
//! (`Serialize` views; keys in the order of their fields).

use ami_types::meta::{ActionMeta, EventMeta, FieldMeta, ParamKind, ParamMeta, ValueType};
use serde::Serialize;

use ami_types::check::key_form;

fn ty(t: ValueType) -> &'static str {
    match t {
        ValueType::String => "string",
        ValueType::Integer => "integer",
        ValueType::Boolean => "boolean",
        ValueType::Float => "float",
        ValueType::Enum => "enum",
        ValueType::Variables => "variables",
    }
}

#[derive(Serialize)]
struct Param {
    name: &'static str,
    required: bool,
    default: Option<&'static str>,
    values: &'static [&'static str],
    #[serde(rename = "type")]
    ty: &'static str,
    kind: &'static str,
    /// For indexed parameters only: the first key, e.g. `Action-000000`.
    #[serde(skip_serializing_if = "Option::is_none")]
    key: Option<String>,
}

impl Param {
    fn new(p: &ParamMeta) -> Self {
        let (kind, key) = match p.kind {
            ParamKind::Single => ("single", None),
            ParamKind::Repeated => ("repeated", None),
            ParamKind::Indexed(_) => ("indexed", Some(key_form(p))),
        };
        Param {
            name: p.name,
            required: p.required,
            default: p.default,
            values: p.values,
            ty: ty(p.ty),
            kind,
            key,
        }
    }
}

#[derive(Serialize)]
struct Field {
    name: &'static str,
    #[serde(rename = "type")]
    ty: &'static str,
    multi: bool,
    values: &'static [&'static str],
}

#[derive(Serialize)]
struct List {
    items: &'static [&'static str],
    complete: &'static str,
}

/// An action: name, synopsis, its event list (or `null`) and its
/// parameters in documentation order.
#[derive(Serialize)]
pub struct Action {
    kind: &'static str,
    name: &'static str,
    #[serde(skip_serializing_if = "str::is_empty")]
    synopsis: &'static str,
    list: Option<List>,
    params: Vec<Param>,
}

/// The view of an action's metadata.
pub fn action(a: &ActionMeta) -> Action {
    Action {
        kind: "action",
        name: a.name,
        synopsis: a.synopsis,
        list: a.list.map(|l| List {
            items: l.items,
            complete: l.complete,
        }),
        params: a.params.iter().map(Param::new).collect(),
    }
}

/// An event: name, synopsis, classes, whether it is undocumented, and its
/// fields in documentation order.
#[derive(Serialize)]
pub struct Event {
    kind: &'static str,
    name: &'static str,
    #[serde(skip_serializing_if = "str::is_empty")]
    synopsis: &'static str,
    classes: &'static [&'static str],
    undocumented: bool,
    fields: Vec<Field>,
}

/// The view of an event's metadata.
pub fn event(e: &EventMeta) -> Event {
    Event {
        kind: "event",
        name: e.name,
        synopsis: e.synopsis,
        classes: e.classes,
        undocumented: e.undocumented,
        fields: e
            .fields
            .iter()
            .map(|f: &FieldMeta| Field {
                name: f.name,
                ty: ty(f.ty),
                multi: f.multi,
                values: f.values,
            })
            .collect(),
    }
}
