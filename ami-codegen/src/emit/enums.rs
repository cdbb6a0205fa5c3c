//! The `enums` module: value enums that never fail to parse.
//!
//! Documented values are variants; any other value lands in a hidden
//! catch-all (`_Custom(runtime::Undocumented<Self>)`, as ruma's `_Custom`) that
//! keeps it byte for byte, so decoding and re-encoding round-trips whatever
//! Asterisk sent, and that no one can fill with a documented value.
//! Matching is exact (case-sensitive).

use proc_macro2::{Ident, TokenStream};
use quote::quote;

use super::docs::{self, DocBuilder};
use super::{acronym_allow, byte_lit, ident, Context};
use crate::model::{naming, EnumDef};

pub(crate) fn module(cx: &Context<'_>) -> TokenStream {
    let enums: Vec<TokenStream> = cx.model.enums.iter().map(value_enum).collect();
    if enums.is_empty() {
        return quote!();
    }
    quote! {
        use super::runtime::{self, Text, Value};

        #(#enums)*
    }
}

fn value_enum(e: &EnumDef) -> TokenStream {
    let name = ident(&e.rust_name);
    // The catch-all: hidden, and holding a type only this crate makes, so
    // that a documented value can never be built as an undocumented one
    // (`Other("Up") != Up` was possible with a public `Other(Value)`).
    let other = ident(naming::FALLBACK_VARIANT);

    let mut d = DocBuilder::new();
    d.docs(&e.docs);
    if d.is_empty() {
        d.markdown("A value with a documented set of spellings.");
    }
    d.markdown(
        "Any other value is kept byte for byte, in a hidden variant: read it with `as_bytes` \
         or `as_str`; `is_documented` is false for it. `From<&str>` (and from `Value`, \
         `&Text`) gives the documented variant for a documented spelling, so a value equals \
         its variant however it was made. Matching is exact (case-sensitive); a `match` \
         needs a `_` arm for undocumented values.",
    );
    let docs = d.tokens();
    let acronym = acronym_allow(&e.rust_name);

    let variants: Vec<Ident> = e.values.iter().map(|v| ident(&v.rust_name)).collect();
    let wires: Vec<&str> = e.values.iter().map(|v| v.wire_name.as_str()).collect();
    let byte_lits: Vec<_> = wires.iter().map(|w| byte_lit(w.as_bytes())).collect();
    let variant_defs = e.values.iter().map(|v| {
        let id = ident(&v.rust_name);
        let mut d = DocBuilder::new();
        d.markdown(&docs::code(&v.wire_name));
        d.docs(&v.docs);
        let doc = d.tokens();
        let acronym = acronym_allow(&v.rust_name);
        quote! {
            #doc
            #acronym
            #id,
        }
    });

    let documented = if e.values.is_empty() {
        quote!(None)
    } else {
        quote! {
            match value {
                #(#byte_lits => Some(Self::#variants),)*
                _ => None,
            }
        }
    };
    let to_value = if e.values.is_empty() {
        quote! {
            let #name::#other(v) = value;
            v.value().clone()
        }
    } else {
        quote! {
            match value {
                #(#name::#variants => Value::from_static(#wires),)*
                #name::#other(v) => v.value().clone(),
            }
        }
    };

    let into_value = if e.values.is_empty() {
        quote! {
            let #name::#other(v) = value;
            v.into_value()
        }
    } else {
        quote! {
            match value {
                #name::#other(v) => v.into_value(),
                documented => Value::from(&documented),
            }
        }
    };

    quote! {
        #docs
        #[derive(Clone, Debug, PartialEq, Eq, Hash)]
        #acronym
        pub enum #name {
            #(#variant_defs)*
            /// Any value not documented, exactly as received.
            #[doc(hidden)]
            #other(runtime::Undocumented<#name>),
        }

        impl #name {
            /// The documented values, in documentation order.
            pub const VALUES: &'static [&'static str] = &[#(#wires),*];

            /// The value as sent on the wire.
            pub fn as_bytes(&self) -> &[u8] {
                match self {
                    #(Self::#variants => #byte_lits,)*
                    Self::#other(v) => v.as_bytes(),
                }
            }

            /// The value as text, where it is UTF-8 (documented values always are).
            pub fn as_str(&self) -> Option<&str> {
                std::str::from_utf8(self.as_bytes()).ok()
            }

            /// Whether the value is one of the documented ones.
            pub fn is_documented(&self) -> bool {
                !matches!(self, Self::#other(_))
            }
        }

        impl runtime::ValueEnum for #name {
            fn documented(value: &[u8]) -> Option<Self> {
                #documented
            }

            fn undocumented(value: runtime::Undocumented<Self>) -> Self {
                Self::#other(value)
            }
        }

        impl From<Value> for #name {
            fn from(value: Value) -> Self {
                runtime::value_enum(value)
            }
        }

        impl From<&Text> for #name {
            fn from(value: &Text) -> Self {
                runtime::value_enum_of_text(value)
            }
        }

        impl From<&str> for #name {
            fn from(s: &str) -> Self {
                runtime::value_enum_of_text(Text::new(s.as_bytes()))
            }
        }

        impl From<String> for #name {
            fn from(s: String) -> Self {
                Self::from(Value::from(s))
            }
        }

        impl From<&#name> for Value {
            fn from(value: &#name) -> Self {
                #to_value
            }
        }

        impl From<#name> for Value {
            fn from(value: #name) -> Self {
                #into_value
            }
        }

        impl std::fmt::Display for #name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(&String::from_utf8_lossy(self.as_bytes()))
            }
        }

        impl runtime::AsFieldValue for #name {
            fn as_field_value(&self) -> runtime::FieldValue<'_> {
                runtime::FieldValue::Enum(self.as_bytes())
            }
        }

        impl runtime::WireValue for #name {
            fn write_value(&self, out: &mut Vec<u8>) {
                out.extend_from_slice(self.as_bytes())
            }
        }
    }
}
