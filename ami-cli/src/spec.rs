//! `ami spec`: the metadata the binary was generated with, as JSON
//! (`Serialize` views; keys in the order of their fields).

use ami_types::meta::{ActionMeta, EventMeta, FieldMeta, ParamKind, ParamMeta, ValueType};
use serde::Serialize;

use std::io::{self, Write};

use ami_types::check::{self, key_form};

use crate::args::SpecCmd;
use crate::failure::Failure;
use crate::json::print_doc;

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
    /// The releases that document it, as ranges per branch.
    #[serde(skip_serializing_if = "str::is_empty")]
    releases: &'static str,
    /// With `--for VERSION`: whether that release documents it (`null`:
    /// the version matrix cannot tell).
    #[serde(skip_serializing_if = "Option::is_none")]
    in_release: Option<Option<bool>>,
}

/// Whether `releases` includes `version`, when one was asked for.
fn asked(releases: &str, version: Option<&str>) -> Option<Option<bool>> {
    version.map(|v| ami_types::meta::in_release(releases, v))
}

impl Param {
    fn new(p: &ParamMeta, version: Option<&str>) -> Self {
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
            releases: p.releases,
            in_release: asked(p.releases, version),
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
    #[serde(skip_serializing_if = "str::is_empty")]
    releases: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    in_release: Option<Option<bool>>,
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
    /// The releases that document it, as ranges per branch.
    #[serde(skip_serializing_if = "str::is_empty")]
    releases: &'static str,
    /// With `--for VERSION`: the version, and whether it documents the
    /// action (`null`: the version matrix cannot tell).
    #[serde(skip_serializing_if = "Option::is_none")]
    release: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    in_release: Option<Option<bool>>,
    params: Vec<Param>,
}

/// The view of an action's metadata, and with `version` whether that
/// release has it and each of its parameters.
pub fn action(a: &ActionMeta, version: Option<&str>) -> Action {
    Action {
        kind: "action",
        name: a.name,
        synopsis: a.synopsis,
        list: a.list.map(|l| List {
            items: l.items,
            complete: l.complete,
        }),
        releases: a.releases,
        release: version.map(str::to_owned),
        in_release: asked(a.releases, version),
        params: a.params.iter().map(|p| Param::new(p, version)).collect(),
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
    #[serde(skip_serializing_if = "str::is_empty")]
    releases: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    release: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    in_release: Option<Option<bool>>,
    fields: Vec<Field>,
}

/// The view of an event's metadata, and with `version` whether that
/// release sends it and each of its fields.
pub fn event(e: &EventMeta, version: Option<&str>) -> Event {
    Event {
        kind: "event",
        name: e.name,
        synopsis: e.synopsis,
        classes: e.classes,
        undocumented: e.undocumented,
        releases: e.releases,
        release: version.map(str::to_owned),
        in_release: asked(e.releases, version),
        fields: e
            .fields
            .iter()
            .map(|f: &FieldMeta| Field {
                name: f.name,
                ty: ty(f.ty),
                multi: f.multi,
                values: f.values,
                releases: f.releases,
                in_release: asked(f.releases, version),
            })
            .collect(),
    }
}

pub(crate) fn run(what: SpecCmd) -> Result<(), Failure> {
    use ami_types::meta::{ACTIONS, EVENTS};
    let names = |names: Vec<&str>, raw: bool| {
        if raw {
            let mut out = io::stdout().lock();
            for n in names {
                if writeln!(out, "{n}").is_err() {
                    break;
                }
            }
        } else {
            print_doc(&names);
        }
    };
    match what {
        SpecCmd::Actions { raw } => names(ACTIONS.iter().map(|a| a.name).collect(), raw),
        SpecCmd::Events { raw } => names(EVENTS.iter().map(|e| e.name).collect(), raw),
        SpecCmd::Action { name, release } => {
            let meta = check::action(&name).map_err(Failure::Usage)?;
            print_doc(&action(meta, release.as_deref()));
        }
        SpecCmd::Event { name, release } => {
            let meta = check::event(&name).map_err(Failure::Usage)?;
            print_doc(&event(meta, release.as_deref()));
        }
    }
    Ok(())
}
