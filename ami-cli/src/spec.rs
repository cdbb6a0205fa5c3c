//! `ami spec`: the metadata the binary was generated with, as JSON.

use ami_types::meta::{ActionMeta, EventMeta, FieldMeta, ParamKind, ParamMeta, ValueType};

use crate::check::key_form;
use crate::json::Json;

fn ty(t: ValueType) -> Json {
    Json::Str(
        match t {
            ValueType::String => "string",
            ValueType::Integer => "integer",
            ValueType::Boolean => "boolean",
            ValueType::Float => "float",
            ValueType::Enum => "enum",
        }
        .to_owned(),
    )
}

fn param(p: &ParamMeta) -> Json {
    let kind = match p.kind {
        ParamKind::Single => "single",
        ParamKind::Repeated => "repeated",
        ParamKind::Indexed(_) => "indexed",
    };
    let mut pairs = vec![
        ("name", Json::Str(p.name.to_owned())),
        ("required", Json::Bool(p.required)),
        ("default", Json::opt_str(p.default)),
        ("values", Json::strs(p.values)),
        ("type", ty(p.ty)),
        ("kind", Json::Str(kind.to_owned())),
    ];
    if let ParamKind::Indexed(_) = p.kind {
        pairs.push(("key", Json::Str(key_form(p))));
    }
    Json::obj(pairs)
}

fn field(f: &FieldMeta) -> Json {
    Json::obj([
        ("name", Json::Str(f.name.to_owned())),
        ("type", ty(f.ty)),
        ("multi", Json::Bool(f.multi)),
        ("values", Json::strs(f.values)),
    ])
}

/// An action: name, synopsis, its event list (or `null`) and its
/// parameters in documentation order.
pub fn action(a: &ActionMeta) -> Json {
    let list = a.list.map_or(Json::Null, |l| {
        Json::obj([
            ("items", Json::strs(l.items)),
            ("complete", Json::Str(l.complete.to_owned())),
        ])
    });
    Json::obj([
        ("kind", Json::Str("action".to_owned())),
        ("name", Json::Str(a.name.to_owned())),
        ("synopsis", Json::Str(a.synopsis.to_owned())),
        ("list", list),
        ("params", Json::Arr(a.params.iter().map(param).collect())),
    ])
}

/// An event: name, synopsis, classes, whether it is undocumented, and its
/// fields in documentation order.
pub fn event(e: &EventMeta) -> Json {
    Json::obj([
        ("kind", Json::Str("event".to_owned())),
        ("name", Json::Str(e.name.to_owned())),
        ("synopsis", Json::Str(e.synopsis.to_owned())),
        ("classes", Json::strs(e.classes)),
        ("undocumented", Json::Bool(e.undocumented)),
        ("fields", Json::Arr(e.fields.iter().map(field).collect())),
    ])
}
