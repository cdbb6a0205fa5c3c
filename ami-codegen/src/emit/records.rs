//! Structs decoded from a message: events and typed responses.
//!
//! Every field is `Option<T>` (`Vec<Value>` where the key repeats); the
//! message itself is kept in a private `raw`, and values that do not parse in
//! a private `errors`. `FromMessage` makes one pass over the fields: each key
//! is lower-cased into a stack buffer and matched against byte-string literals,
//! values are parsed by `runtime` helpers, and the message is moved (not
//! cloned) into `raw`.

use proc_macro2::TokenStream;
use quote::quote;

use super::docs::DocBuilder;
use super::{
    acronym_allow, byte_lit, enum_path, ident, is_secret, usize_lit, wire_key_note, Context,
};
use crate::model::{FieldDef, FieldType};

/// What varies between an event struct and a response struct.
pub(crate) struct Record<'a> {
    /// Rust type name.
    pub(crate) rust_name: &'a str,
    /// Wire name of the event or action (for secret detection).
    pub(crate) owner_wire_name: &'a str,
    /// Doc attributes of the struct.
    pub(crate) docs: TokenStream,
    /// Fields in documentation order.
    pub(crate) fields: &'a [FieldDef],
    /// Items of the inherent `impl` (e.g. `NAME`).
    pub(crate) inherent: TokenStream,
}

/// The type of a decoded field.
pub(crate) fn field_type(f: &FieldDef) -> TokenStream {
    if f.multi {
        return quote!(Vec<Value>);
    }
    let inner = match &f.ty {
        FieldType::String => quote!(Value),
        FieldType::Integer => quote!(i64),
        FieldType::Boolean => quote!(bool),
        FieldType::Float => quote!(f64),
        FieldType::Enum(name) => enum_path(name),
    };
    quote!(Option<#inner>)
}

/// The rustdoc of a field: its prose and its wire key.
pub(crate) fn field_docs(f: &FieldDef) -> TokenStream {
    let mut d = DocBuilder::new();
    d.docs(&f.docs);
    d.markdown(&wire_key_note(&f.wire_name));
    d.tokens()
}

pub(crate) fn record(r: &Record<'_>) -> TokenStream {
    let name = ident(r.rust_name);
    let docs = &r.docs;
    let inherent = &r.inherent;

    let field_defs = r.fields.iter().map(|f| {
        let id = ident(&f.rust_name);
        let ty = field_type(f);
        let docs = field_docs(f);
        quote! {
            #docs
            pub #id: #ty,
        }
    });
    let inits = r.fields.iter().map(|f| {
        let id = ident(&f.rust_name);
        if f.multi {
            quote!(#id: Vec::new(),)
        } else {
            quote!(#id: None,)
        }
    });

    let inits = quote! {
        Self {
            #(#inits)*
            raw: msg,
            errors: Vec::new(),
        }
    };
    let from_message = if r.fields.is_empty() {
        inits
    } else {
        let decode = decode_loop(r.fields);
        quote! {
            let mut this = #inits;
            #decode
            this
        }
    };

    let visits = r.fields.iter().map(|f| {
        let id = ident(&f.rust_name);
        let wire = &f.wire_name;
        if f.multi {
            quote!(runtime::visit_all(f, #wire, &self.#id);)
        } else {
            quote!(runtime::visit(f, #wire, &self.#id);)
        }
    });
    let visitor = if r.fields.is_empty() {
        quote!(_f)
    } else {
        quote!(f)
    };

    let secret = r
        .fields
        .iter()
        .any(|f| is_secret(r.owner_wire_name, &f.wire_name));
    let (derive, debug_impl) = if secret {
        let rust_name = r.rust_name;
        let entries = r.fields.iter().map(|f| {
            let id = ident(&f.rust_name);
            let label = &f.rust_name;
            if is_secret(r.owner_wire_name, &f.wire_name) {
                if f.multi {
                    quote!(.field(#label, &runtime::Redacted))
                } else {
                    quote!(.field(#label, &self.#id.as_ref().map(|_| runtime::Redacted)))
                }
            } else {
                quote!(.field(#label, &self.#id))
            }
        });
        (
            quote!(#[derive(Clone, PartialEq)]),
            quote! {
                impl std::fmt::Debug for #name {
                    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                        f.debug_struct(#rust_name)
                            #(#entries)*
                            .field("raw", &self.raw)
                            .field("errors", &self.errors)
                            .finish()
                    }
                }
            },
        )
    } else {
        (quote!(#[derive(Clone, Debug, PartialEq)]), quote!())
    };

    let acronym = acronym_allow(r.rust_name);
    let inherent = if inherent.is_empty() {
        quote!()
    } else {
        quote! {
            impl #name {
                #inherent
            }
        }
    };

    quote! {
        #docs
        #derive
        #acronym
        pub struct #name {
            #(#field_defs)*
            raw: Message,
            errors: Vec<FieldError>,
        }

        #inherent

        impl FromMessage for #name {
            fn from_message(msg: Message) -> Self {
                #from_message
            }

            fn raw(&self) -> &Message {
                &self.raw
            }

            fn field_errors(&self) -> &[FieldError] {
                &self.errors
            }
        }

        impl runtime::TypedFields for #name {
            fn for_each_field(&self, #visitor: &mut dyn FnMut(&'static str, runtime::FieldValue<'_>)) {
                #(#visits)*
            }
        }

        #debug_impl
    }
}

/// The loop over `this.raw`'s fields that fills the typed fields.
fn decode_loop(fields: &[FieldDef]) -> TokenStream {
    if fields.is_empty() {
        return quote!();
    }
    // Arms keyed by the lower-cased wire key, in documentation order; two
    // fields with the same key (which a sane model does not have) share one.
    let mut arms: Vec<(Vec<u8>, Vec<&FieldDef>)> = Vec::new();
    for f in fields {
        let key = f.wire_name.as_bytes().to_ascii_lowercase();
        match arms.iter_mut().find(|(k, _)| *k == key) {
            Some((_, fs)) => fs.push(f),
            None => arms.push((key, vec![f])),
        }
    }
    let longest = usize_lit(arms.iter().map(|(k, _)| k.len()).max().unwrap_or(0));
    let single = arms.len() == 1;
    let arms: Vec<TokenStream> = arms
        .iter()
        .map(|(key, fs)| {
            let lit = byte_lit(key);
            let sets: Vec<TokenStream> = fs.iter().map(|f| set_field(f)).collect();
            if single {
                quote!(if key == #lit { #(#sets;)* })
            } else if sets.len() == 1 {
                let set = &sets[0];
                quote!(#lit => #set,)
            } else {
                quote!(#lit => { #(#sets;)* })
            }
        })
        .collect();
    // One key: an `if` (clippy's `single_match`), else a `match`.
    let body = if single {
        quote!(#(#arms)*)
    } else {
        quote! {
            match key {
                #(#arms)*
                _ => {}
            }
        }
    };
    quote! {
        for field in this.raw.fields() {
            let mut buf = [0; #longest];
            let Some(key) = runtime::lower(field.key_bytes(), &mut buf) else {
                continue;
            };
            let value = field.value();
            #body
        }
    }
}

/// The statement that stores `value` in field `f` of `this`.
fn set_field(f: &FieldDef) -> TokenStream {
    let id = ident(&f.rust_name);
    let wire = &f.wire_name;
    if f.multi {
        return quote!(this.#id.push(value.clone()));
    }
    match &f.ty {
        FieldType::String => quote!(runtime::text(&mut this.#id, value)),
        FieldType::Integer => {
            quote!(runtime::integer(&mut this.#id, #wire, value, &mut this.errors))
        }
        FieldType::Boolean => {
            quote!(runtime::boolean(&mut this.#id, #wire, value, &mut this.errors))
        }
        FieldType::Float => quote!(runtime::float(&mut this.#id, #wire, value, &mut this.errors)),
        FieldType::Enum(_) => quote!(runtime::value(&mut this.#id, value)),
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
            docs: d.tokens(),
            fields: &resp.fields,
            inherent: quote! {
                /// The `Message` text of the response, if any.
                pub fn message(&self) -> Option<&Value> {
                    self.raw.get("Message")
                }
            },
        };
        items.push(record(&rec));
    }
    if items.is_empty() {
        return quote!();
    }
    quote! {
        use super::runtime::{self, FieldError, FromMessage, Message, Value};

        #(#items)*
    }
}
