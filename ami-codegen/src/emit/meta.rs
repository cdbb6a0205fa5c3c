//! The `meta` module: static descriptions of every action and event, for
//! tools that work by name (the `ami` command line checks parameters against
//! them and prints them).
//!
//! The generated statics use `ActionMeta`, `ParamMeta`, `ParamKind`,
//! `IndexStyle`, `ListMeta`, `EventMeta`, `FieldMeta` and `ValueType` by bare
//! name: they are `include!`d into the module that defines those types
//! (`ami_types::meta`).

use proc_macro2::TokenStream;
use quote::quote;

use super::Context;
use crate::model::RuntimeType;
use crate::model::{FieldDef, FieldType, IndexStyle, Param};

/// The releases that document `item` (see [`crate::matrix`]), or `""`.
fn releases(item: String) -> String {
    crate::matrix::bundled().ranges(&item).unwrap_or_default()
}

pub(crate) fn module(cx: &Context<'_>) -> TokenStream {
    let coverage = crate::matrix::bundled().coverage();
    let actions = cx.model.actions.iter().map(|a| {
        let name = &a.wire_name;
        let action_releases = releases(format!("action {name}"));
        let synopsis = a.docs.synopsis.as_deref().unwrap_or_default();
        let params = a.params.iter().flat_map(|p| match p {
            Param::Single(f) => {
                let kind = if f.multi {
                    quote!(ParamKind::Repeated)
                } else {
                    quote!(ParamKind::Single)
                };
                vec![param_meta(cx, &a.wire_name, f, kind)]
            }
            Param::Group(g) => {
                let style = match g.index {
                    IndexStyle::Dash6 => quote!(IndexStyle::Dash6),
                    IndexStyle::Paren => quote!(IndexStyle::Paren),
                };
                g.members
                    .iter()
                    .map(|f| param_meta(cx, &a.wire_name, f, quote!(ParamKind::Indexed(#style))))
                    .collect()
            }
        });
        let list = match &a.list {
            None => quote!(None),
            Some(l) => {
                let items = &l.items;
                let complete = &l.complete;
                quote!(Some(ListMeta {
                    items: &[#(#items),*],
                    complete: #complete,
                }))
            }
        };
        quote! {
            ActionMeta {
                name: #name,
                synopsis: #synopsis,
                params: &[#(#params),*],
                list: #list,
                releases: #action_releases,
            }
        }
    });
    let events = cx.model.events.iter().map(|e| {
        let name = &e.wire_name;
        let synopsis = e.docs.synopsis.as_deref().unwrap_or_default();
        let classes = &e.classes;
        let undocumented = e.undocumented;
        let event_releases = releases(format!("event {name}"));
        let fields = e.fields.iter().map(|f| {
            let field_releases = releases(format!("field {name} {}", f.wire_name));
            let name = &f.wire_name;
            let ty = value_type(&f.ty);
            let multi = f.multi;
            let values = enum_values(cx, f);
            quote! {
                FieldMeta {
                    name: #name,
                    ty: #ty,
                    multi: #multi,
                    values: &[#(#values),*],
                    releases: #field_releases,
                }
            }
        });
        quote! {
            EventMeta {
                name: #name,
                synopsis: #synopsis,
                classes: &[#(#classes),*],
                undocumented: #undocumented,
                fields: &[#(#fields),*],
                releases: #event_releases,
            }
        }
    });
    quote! {
        /// Every action, sorted by wire name.
        pub static ACTIONS: &[ActionMeta] = &[#(#actions),*];

        /// Every event, sorted by wire name.
        pub static EVENTS: &[EventMeta] = &[#(#events),*];

        /// The releases the version matrix was made from, as ranges per
        /// branch: the `releases` of an item are exact within them.
        pub static MATRIX_RELEASES: &str = #coverage;
    }
}

fn param_meta(cx: &Context<'_>, action: &str, f: &FieldDef, kind: TokenStream) -> TokenStream {
    let name = &f.wire_name;
    let param_releases = releases(format!("param {action} {name}"));
    let required = f.required;
    let default = match &f.default {
        Some(d) => quote!(Some(#d)),
        None => quote!(None),
    };
    let ty = value_type(&f.ty);
    let values = enum_values(cx, f);
    quote! {
        ParamMeta {
            name: #name,
            required: #required,
            default: #default,
            ty: #ty,
            kind: #kind,
            values: &[#(#values),*],
            releases: #param_releases,
        }
    }
}

fn value_type(ty: &FieldType) -> TokenStream {
    match ty {
        FieldType::String => quote!(ValueType::String),
        FieldType::Integer => quote!(ValueType::Integer),
        FieldType::Boolean => quote!(ValueType::Boolean),
        FieldType::Float => quote!(ValueType::Float),
        FieldType::Enum(_) => quote!(ValueType::Enum),
        FieldType::Variables => quote!(ValueType::Variables),
        // As they are on the wire.
        FieldType::Runtime(RuntimeType::Hms) => quote!(ValueType::String),
        FieldType::Runtime(_) => quote!(ValueType::Integer),
    }
}

fn enum_values<'m>(cx: &Context<'m>, f: &FieldDef) -> Vec<&'m str> {
    match &f.ty {
        FieldType::Enum(name) => cx
            .model
            .enums
            .iter()
            .find(|e| &e.rust_name == name)
            .map(|e| e.values.iter().map(|v| v.wire_name.as_str()).collect())
            .unwrap_or_default(),
        _ => Vec::new(),
    }
}
