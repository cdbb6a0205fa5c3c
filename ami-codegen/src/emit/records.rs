//! Structs decoded from a message: events and typed responses.
//!
//! A record is a typed view of its message: the message is its only field,
//! and each documented field is an accessor that reads it from the message's
//! buffer when asked (text as `&Text`, numbers and booleans parsed, enums
//! matched), so decoding costs nothing but the move and nothing is copied.
//! Values that do not parse are reported by `field_errors`.

use proc_macro2::TokenStream;
use quote::quote;

use super::docs::DocBuilder;
use super::{acronym_allow, enum_path, ident, wire_key_note, Context};
use crate::model::{FieldDef, FieldType, RuntimeType, Secrecy};

/// What varies between an event struct and a response struct.
pub(crate) struct Record<'a> {
    /// Rust type name.
    pub(crate) rust_name: &'a str,
    /// Wire name of the event or action (for secret detection).
    pub(crate) owner_wire_name: &'a str,
    /// Whether the fields are an event's, whose releases the version matrix
    /// knows (a response's are not in it).
    pub(crate) event: bool,
    /// Doc attributes of the struct.
    pub(crate) docs: TokenStream,
    /// Fields in documentation order.
    pub(crate) fields: &'a [FieldDef],
    /// Items of the inherent `impl` (e.g. `NAME`).
    pub(crate) inherent: TokenStream,
    /// Whether to implement `TypedFields`.
    pub(crate) typed_fields: bool,
}

/// The return type of a field's accessor.
fn accessor_type(f: &FieldDef) -> TokenStream {
    if f.ty == FieldType::Variables {
        return quote!(runtime::Variables<'_>);
    }
    if f.multi {
        return quote!(impl Iterator<Item = &Text> + '_);
    }
    match &f.ty {
        FieldType::String | FieldType::Variables => quote!(Option<&Text>),
        FieldType::Integer => quote!(Option<i64>),
        FieldType::Boolean => quote!(Option<bool>),
        FieldType::Float => quote!(Option<f64>),
        FieldType::Enum(name) => {
            let path = enum_path(name);
            quote!(Option<#path>)
        }
        FieldType::Runtime(rt) => match rt.runtime_name() {
            Some(name) => {
                let id = ident(name);
                quote!(Option<runtime::#id>)
            }
            None => quote!(Option<std::time::Duration>),
        },
    }
}

/// The body of a field's accessor.
fn accessor_body(f: &FieldDef) -> TokenStream {
    let wire = &f.wire_name;
    if f.ty == FieldType::Variables {
        return quote!(runtime::Variables::new(&self.raw, #wire));
    }
    if f.multi {
        return quote!(self.raw.get_all(#wire));
    }
    match &f.ty {
        FieldType::String | FieldType::Variables => quote!(self.raw.get(#wire)),
        FieldType::Integer => quote!(runtime::integer(&self.raw, #wire)),
        FieldType::Boolean => quote!(runtime::boolean(&self.raw, #wire)),
        FieldType::Float => quote!(runtime::float(&self.raw, #wire)),
        FieldType::Enum(_) => quote!(runtime::value(&self.raw, #wire)),
        FieldType::Runtime(RuntimeType::Hms) => quote!(runtime::hms(&self.raw, #wire)),
        FieldType::Runtime(RuntimeType::Seconds) => quote!(runtime::seconds(&self.raw, #wire)),
        FieldType::Runtime(rt) => {
            let id = ident(rt.runtime_name().unwrap_or_default());
            quote!(runtime::integer(&self.raw, #wire).map(runtime::#id::from_code))
        }
    }
}

/// The rustdoc of a field: its prose, the releases that send it when they
/// are not all of its event's, and its wire key.
pub(crate) fn field_docs(event: Option<&str>, f: &FieldDef) -> TokenStream {
    let mut d = DocBuilder::new();
    d.docs(&f.docs);
    if let Some(event) = event {
        d.markdown_opt(super::docs::later_releases(
            &format!("event {event}"),
            &format!("field {event} {}", f.wire_name),
        ));
    }
    if let Some(prefix) = &f.snapshot {
        // A fact-only model has no text: the macro's own (the project's).
        let base = &f.wire_name[prefix.len().min(f.wire_name.len())..];
        let about = crate::xml::macros::about(base);
        if f.docs.synopsis.is_none() && f.docs.description.is_empty() {
            if let Some((text, _)) = about {
                d.prose(text);
            }
        }
        if !prefix.is_empty() {
            let kind = about.map_or("channel", |(_, kind)| kind);
            d.markdown(&format!("Of the {kind} the `{prefix}…` fields describe."));
        }
    }
    if f.ty == FieldType::Variables {
        d.markdown(
            "The channel variables of this snapshot (one `name=value` line each, \
             those named in `manager.conf`'s `channelvars`), in wire order.",
        );
    }
    d.markdown(&wire_key_note(&f.wire_name));
    d.tokens()
}

pub(crate) fn record(r: &Record<'_>) -> TokenStream {
    let name = ident(r.rust_name);
    let docs = &r.docs;
    let inherent = &r.inherent;

    let accessors = r.fields.iter().map(|f| {
        let id = ident(&f.rust_name);
        let ty = accessor_type(f);
        let body = accessor_body(f);
        let docs = field_docs(r.event.then_some(r.owner_wire_name), f);
        // A field may be named like a conventional constructor or trait
        // method (`New`, `From`); as an accessor that is what it is.
        let name = f.rust_name.as_str();
        let allow = if name == "new" {
            quote!(#[allow(clippy::new_ret_no_self)])
        } else if matches!(
            name,
            "from" | "default" | "add" | "sub" | "next" | "hash" | "eq" | "cmp"
        ) {
            quote!(#[allow(clippy::should_implement_trait)])
        } else if ["from_", "to_", "into_", "as_", "is_"]
            .iter()
            .any(|p| name.starts_with(p))
        {
            quote!(#[allow(clippy::wrong_self_convention)])
        } else {
            quote!()
        };
        quote! {
            #docs
            #allow
            pub fn #id(&self) -> #ty {
                #body
            }
        }
    });

    // Only typed fields can fail to parse; the first value of a key counts.
    let checks: Vec<TokenStream> = r
        .fields
        .iter()
        .filter(|f| !f.multi)
        .filter_map(|f| {
            let wire = &f.wire_name;
            let check = match &f.ty {
                FieldType::Integer => quote!(runtime::check_integer),
                FieldType::Boolean => quote!(runtime::check_boolean),
                FieldType::Float => quote!(runtime::check_float),
                FieldType::Runtime(RuntimeType::Hms) => quote!(runtime::check_hms),
                FieldType::Runtime(_) => quote!(runtime::check_integer),
                FieldType::String | FieldType::Enum(_) | FieldType::Variables => return None,
            };
            Some(quote!(#check(&self.raw, #wire, &mut errors);))
        })
        .collect();
    let field_errors = if checks.is_empty() {
        quote!()
    } else {
        quote! {
            fn field_errors(&self) -> Vec<FieldError> {
                let mut errors = Vec::new();
                #(#checks)*
                errors
            }
        }
    };

    let visits = r.fields.iter().map(|f| {
        let id = ident(&f.rust_name);
        let wire = &f.wire_name;
        if f.ty == FieldType::Variables {
            quote!(runtime::visit_all(f, #wire, self.#id().lines());)
        } else if f.multi {
            quote!(runtime::visit_all(f, #wire, self.#id());)
        } else {
            quote!(runtime::visit(f, #wire, self.#id());)
        }
    });
    let visitor = if r.fields.is_empty() {
        quote!(_f)
    } else {
        quote!(f)
    };

    let rust_name = r.rust_name;
    // `Debug` from a table read by one runtime function: the same output as
    // a hand-written impl per struct, at a fraction of the compile time.
    let entries = r.fields.iter().map(|f| {
        let label = &f.rust_name;
        let wire = &f.wire_name;
        let secret = f.secrecy == Secrecy::Secret;
        // A `Value` (by the variable it sets) and assignments are judged
        // at run time, by the message.
        let checked = matches!(f.secrecy, Secrecy::ValueOfVariable | Secrecy::Assignments);
        let multi = f.multi;
        let show = match &f.ty {
            FieldType::String => quote!(runtime::Show::Text),
            FieldType::Variables => quote!(runtime::Show::Variables),
            FieldType::Integer => quote!(runtime::Show::Integer),
            FieldType::Boolean => quote!(runtime::Show::Boolean),
            FieldType::Float => quote!(runtime::Show::Float),
            FieldType::Enum(name) => {
                let path = enum_path(name);
                quote!(runtime::Show::Enum(runtime::debug_enum::<#path>))
            }
            FieldType::Runtime(RuntimeType::Hms) => quote!(runtime::Show::With(runtime::debug_hms)),
            FieldType::Runtime(RuntimeType::Seconds) => {
                quote!(runtime::Show::With(runtime::debug_seconds))
            }
            FieldType::Runtime(rt) => {
                let id = ident(rt.runtime_name().unwrap_or_default());
                quote!(runtime::Show::With(runtime::debug_code::<runtime::#id>))
            }
        };
        let mut field = quote!(runtime::DebugField::of(#label, #wire, #show));
        if multi {
            field.extend(quote!(.multi()));
        }
        if secret {
            field.extend(quote!(.secret()));
        }
        if checked {
            field.extend(quote!(.checked()));
        }
        quote!(#field,)
    });

    let typed_fields = if r.typed_fields {
        quote! {
            impl runtime::TypedFields for #name {
                fn for_each_field(&self, #visitor: &mut dyn FnMut(&'static str, runtime::FieldValue<'_>)) {
                    #(#visits)*
                }
            }
        }
    } else {
        quote!()
    };
    let acronym = acronym_allow(r.rust_name);
    quote! {
        #docs
        #[derive(Clone, PartialEq, Eq)]
        #acronym
        pub struct #name {
            raw: Message,
        }

        impl #name {
            #inherent
            #(#accessors)*
        }

        impl FromMessage for #name {
            fn from_message(msg: Message) -> Self {
                Self { raw: msg }
            }

            fn raw(&self) -> &Message {
                &self.raw
            }

            #field_errors
        }

        #typed_fields

        /// The typed fields that are set (secrets redacted); every field
        /// is in `FromMessage::raw`.
        impl std::fmt::Debug for #name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                const FIELDS: &[runtime::DebugField] = &[#(#entries)*];
                runtime::debug_record(f, #rust_name, &self.raw, FIELDS)
            }
        }

        runtime::impl_serialize!(#name);
    }
}

/// The `response` module: one struct per typed response.
pub(crate) fn responses_module(cx: &Context<'_>) -> TokenStream {
    let mut items = Vec::new();
    for a in &cx.model.actions {
        let Some(resp) = &a.response else { continue };
        let mut d = DocBuilder::new();
        let action = ident(&a.rust_name);
        d.markdown(&format!(
            "The success response to [`{}`](super::action::{action}) (AMI action {}).",
            a.rust_name,
            super::docs::code(&a.wire_name)
        ));
        d.markdown(
            "Fields this crate knows are typed; every field the response arrived with stays \
             available through `FromMessage::raw`.",
        );
        let rec = Record {
            rust_name: &resp.rust_name,
            owner_wire_name: &a.wire_name,
            event: false,
            docs: d.tokens(),
            fields: &resp.fields,
            typed_fields: cx.options.typed_fields,
            inherent: if resp.fields.iter().any(|f| f.rust_name == "message") {
                quote!()
            } else {
                quote! {
                    /// The `Message` text of the response, if any.
                    pub fn message(&self) -> Option<&Text> {
                        self.raw.get("Message")
                    }
                }
            },
        };
        items.push(record(&rec));
    }
    if items.is_empty() {
        return quote!();
    }
    quote! {
        #[allow(unused_imports)]
        use super::runtime::{self, FieldError, FromMessage, Message, Text};

        #(#items)*
    }
}
