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

pub(crate) fn module(cx: &Context<'_>) -> TokenStream {
    let actions = cx.model.actions.iter().map(|a| {
        let name = &a.wire_name;
        let synopsis = a.docs.synopsis.as_deref().unwrap_or_default();
        let params = a.params.iter().flat_map(|p| match p {
            Param::Single(f) => {
                let kind = if f.multi {
                    quote!(ParamKind::Repeated)
                } else {
                    quote!(ParamKind::Single)
                };
                vec![param_meta(cx, f, kind)]
            }
            Param::Group(g) => {
                let style = match g.index {
                    IndexStyle::Dash6 => quote!(IndexStyle::Dash6),
                    IndexStyle::Paren => quote!(IndexStyle::Paren),
                };
                g.members
                    .iter()
                    .map(|f| param_meta(cx, f, quote!(ParamKind::Indexed(#style))))
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
            }
        }
    });
    let events = cx.model.events.iter().map(|e| {
        let name = &e.wire_name;
        let synopsis = e.docs.synopsis.as_deref().unwrap_or_default();
        let classes = &e.classes;
        let undocumented = e.undocumented;
        let fields = e.fields.iter().map(|f| {
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
            }
        }
    });
    quote! {
        /// Every action, sorted by wire name.
        pub static ACTIONS: &[ActionMeta] = &[#(#actions),*];

        /// Every event, sorted by wire name.
        pub static EVENTS: &[EventMeta] = &[#(#events),*];
    }
}

fn param_meta(cx: &Context<'_>, f: &FieldDef, kind: TokenStream) -> TokenStream {
    let name = &f.wire_name;
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
