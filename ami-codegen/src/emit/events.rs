//! The `event` module: one struct per event (each implementing
//! `runtime::TypedEvent` with its wire name), the exhaustive `Event` enum and
//! `NAMES`.

use proc_macro2::TokenStream;
use quote::quote;

use super::docs::{self, DocBuilder};
use super::records::{record, Record};
use super::{acronym_allow, byte_lit, ident, names_const, usize_lit, Context};
use crate::model::EventDef;

pub(crate) fn module(cx: &Context<'_>) -> TokenStream {
    let events = &cx.model.events;
    let typed_fields = cx.options.typed_fields;
    let structs = events
        .iter()
        .map(|e| event_struct(e, &lists_of(cx, e), typed_fields));
    let event_enum = event_enum(events, typed_fields);
    let names: Vec<&str> = events.iter().map(|e| e.wire_name.as_str()).collect();
    let names = names_const(
        "The wire names of every event in [`Event`], as documented.",
        &names,
    );
    quote! {
        #[allow(unused_imports)]
        use super::runtime::{self, FieldError, FromMessage, Message, Text};

        #(#structs)*
        #event_enum
        runtime::impl_serialize!(Event);
        #names
    }
}

/// The list actions whose answer holds `e`: `(action Rust name, whether
/// it is the completion event)`.
fn lists_of<'m>(cx: &Context<'m>, e: &EventDef) -> Vec<(&'m str, bool)> {
    cx.model
        .actions
        .iter()
        .filter_map(|a| {
            let list = a.list.as_ref()?;
            if list.complete.eq_ignore_ascii_case(&e.wire_name) {
                Some((a.rust_name.as_str(), true))
            } else if list
                .items
                .iter()
                .any(|i| i.eq_ignore_ascii_case(&e.wire_name))
            {
                Some((a.rust_name.as_str(), false))
            } else {
                None
            }
        })
        .collect()
}

fn event_struct(e: &EventDef, lists: &[(&str, bool)], typed_fields: bool) -> TokenStream {
    let mut d = DocBuilder::new();
    d.docs(&e.docs);
    let mut about = format!("AMI event {}", docs::code(&e.wire_name));
    if !e.classes.is_empty() {
        let classes: Vec<String> = e.classes.iter().map(|c| docs::code(c)).collect();
        about.push_str(&format!(", class {}", classes.join(", ")));
    }
    about.push('.');
    if let Some(since) = docs::since(&e.docs) {
        about.push(' ');
        about.push_str(&since);
    }
    if let Some(module) = &e.docs.module {
        about.push_str(&format!(" Documented by {}.", docs::code(module)));
    }
    d.markdown(&about);
    if let Some(releases) = docs::releases(&format!("event {}", e.wire_name)) {
        d.markdown(&releases);
    }
    if e.undocumented {
        d.markdown(
            "Asterisk sends this event without documenting it; its fields come from this \
             project's `spec/`.",
        );
    }
    let link = |action: &str| format!("[`{action}`](super::action::{action})");
    let items: Vec<String> = lists.iter().filter(|l| !l.1).map(|l| link(l.0)).collect();
    let ends: Vec<String> = lists.iter().filter(|l| l.1).map(|l| link(l.0)).collect();
    if !items.is_empty() {
        d.markdown(&format!(
            "An item of the event list that {} answers with.",
            items.join(", ")
        ));
    }
    if !ends.is_empty() {
        d.markdown(&format!(
            "Ends the event list that {} answers with.",
            ends.join(", ")
        ));
    }
    let wire = &e.wire_name;
    let const_doc = format!(" The event name as documented, {}.", docs::code(wire));
    let record = record(&Record {
        rust_name: &e.rust_name,
        owner_wire_name: &e.wire_name,
        event: true,
        docs: d.tokens(),
        fields: &e.fields,
        typed_fields,
        inherent: quote! {
            #[doc = #const_doc]
            pub const NAME: &'static str = #wire;
        },
    });
    let id = ident(&e.rust_name);
    quote! {
        #record

        impl runtime::TypedEvent for #id {
            const NAME: &'static str = Self::NAME;
        }
    }
}

/// `match` on the lower-cased event name of `msg`: `arms` are
/// `(wire name, expression)`, `fallback` the expression for any other name.
pub(crate) fn dispatch(arms: &[(&str, TokenStream)], fallback: TokenStream) -> TokenStream {
    match_lowered(
        quote!(msg.event_name().map(runtime::Text::as_bytes)),
        arms,
        fallback,
    )
}

/// `match` on `subject` (an `Option<&[u8]>`), lower-cased: `arms` are
/// `(wire name, expression)`, `fallback` the expression for any other.
fn match_lowered(
    subject: TokenStream,
    arms: &[(&str, TokenStream)],
    fallback: TokenStream,
) -> TokenStream {
    let longest = usize_lit(arms.iter().map(|(w, _)| w.len()).max().unwrap_or(0));
    let arms = arms.iter().map(|(wire, expr)| {
        let lit = byte_lit(&wire.as_bytes().to_ascii_lowercase());
        quote!(Some(#lit) => #expr,)
    });
    quote! {
        let mut buf = [0; #longest];
        let name = #subject.and_then(|name| runtime::lower(name, &mut buf));
        match name {
            #(#arms)*
            _ => #fallback,
        }
    }
}

fn event_enum(events: &[EventDef], typed_fields: bool) -> TokenStream {
    let variants = events.iter().map(|e| {
        let id = ident(&e.rust_name);
        let mut d = DocBuilder::new();
        let lead = format!("[`{}`]:", e.rust_name);
        match &e.docs.synopsis {
            Some(s) => d.lead_prose(&lead, s),
            None => d.markdown(&format!("{lead} AMI event {}.", docs::code(&e.wire_name))),
        };
        let doc = d.tokens();
        let acronym = acronym_allow(&e.rust_name);
        quote! {
            #doc
            #acronym
            #id(#id),
        }
    });
    let arms: Vec<(&str, TokenStream)> = events
        .iter()
        .map(|e| {
            let id = ident(&e.rust_name);
            (
                e.wire_name.as_str(),
                quote!(Self::#id(#id::from_message(msg))),
            )
        })
        .collect();
    let dispatch = dispatch(
        &arms,
        quote!(Self::Unknown(runtime::RawEvent::from_message(msg))),
    );
    let ids: Vec<_> = events.iter().map(|e| ident(&e.rust_name)).collect();
    let wires: Vec<&str> = events.iter().map(|e| e.wire_name.as_str()).collect();
    let kind_variants = events.iter().map(|e| {
        let id = ident(&e.rust_name);
        let doc = format!(" [`Event::{}`], wire name `{}`.", e.rust_name, e.wire_name);
        let acronym = acronym_allow(&e.rust_name);
        quote! {
            #[doc = #doc]
            #acronym
            #id,
        }
    });
    let kind_arms: Vec<(&str, TokenStream)> = events
        .iter()
        .map(|e| {
            let id = ident(&e.rust_name);
            (e.wire_name.as_str(), quote!(Self::#id))
        })
        .collect();
    let kind_of_name = match_lowered(
        quote!(Some(name.as_bytes())),
        &kind_arms,
        quote!(Self::Unknown),
    );

    let typed_fields_impl = if typed_fields {
        quote! {
            impl runtime::TypedFields for Event {
                fn for_each_field(&self, f: &mut dyn FnMut(&'static str, runtime::FieldValue<'_>)) {
                    match self {
                        #(Self::#ids(e) => runtime::TypedFields::for_each_field(e, f),)*
                        Self::Unknown(_) => {}
                    }
                }
            }
        }
    } else {
        quote!()
    };
    quote! {
        /// Which [`Event`] an event is, without its data: `Copy`, `Hash`
        /// and `Ord`, for filters, counters and metrics labels
        /// ([`Event::kind`]).
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
        #[allow(clippy::enum_variant_names)] // variants are named after the events
        pub enum EventKind {
            #(#kind_variants)*
            /// [`Event::Unknown`]: an event this crate does not know.
            Unknown,
        }

        impl EventKind {
            /// Every kind, in the order of [`Event`]'s variants
            /// ([`Unknown`](EventKind::Unknown) last).
            pub const ALL: &'static [EventKind] = &[#(Self::#ids,)* Self::Unknown];

            /// The kind of the event named `name` (any ASCII case);
            /// [`Unknown`](EventKind::Unknown) for a name this crate does
            /// not know.
            pub fn from_name(name: &str) -> Self {
                #kind_of_name
            }

            /// The event's documented wire name (`"Hangup"`); `None` for
            /// [`Unknown`](EventKind::Unknown).
            pub fn wire_name(self) -> Option<&'static str> {
                match self {
                    #(Self::#ids => Some(#wires),)*
                    Self::Unknown => None,
                }
            }
        }


        /// Every event this crate knows, one variant per event struct, and
        /// [`Unknown`](Event::Unknown) for any other.
        ///
        /// The enum is exhaustive on purpose: when a newer Asterisk adds
        /// events, a `match` without a wildcard arm shows them as compile
        /// errors. Event names are matched ignoring ASCII case (the docs
        /// spell `NewExten`, Asterisk sends `Newexten`).
        ///
        /// Every event struct is a typed view of its message (the message is
        /// its only field), so an `Event` is small to move or queue and
        /// decoding it copies nothing; fields are read through accessors:
        /// `Event::Hangup(h) => h.cause()`.
        #[derive(Clone, Debug, PartialEq, Eq)]
        #[allow(clippy::enum_variant_names)] // variants are named after the events
        pub enum Event {
            #(#variants)*
            /// An event this crate does not know, with its whole message.
            Unknown(runtime::RawEvent),
        }

        impl Event {
            /// Decodes an event message into its variant; never fails.
            ///
            /// An unknown name gives [`Event::Unknown`]; a field that does
            /// not parse reads as `None` and is reported by
            /// [`field_errors`](Event::field_errors).
            pub fn from_message(msg: Message) -> Self {
                #dispatch
            }

            /// The event name as received (empty if it is not UTF-8).
            pub fn name(&self) -> &str {
                self.raw()
                    .event_name()
                    .and_then(Text::as_str)
                    .unwrap_or_default()
            }

            /// The message the event was decoded from, with every field.
            pub fn raw(&self) -> &Message {
                match self {
                    #(Self::#ids(e) => e.raw(),)*
                    Self::Unknown(e) => e.raw(),
                }
            }

            /// Fields that were present but did not parse as their type.
            pub fn field_errors(&self) -> Vec<FieldError> {
                match self {
                    #(Self::#ids(e) => e.field_errors(),)*
                    Self::Unknown(_) => Vec::new(),
                }
            }

            /// Whether this is an event this crate does not know.
            pub fn is_unknown(&self) -> bool {
                matches!(self, Self::Unknown(_))
            }

            /// Which event this is, without its data.
            pub fn kind(&self) -> EventKind {
                match self {
                    #(Self::#ids(_) => EventKind::#ids,)*
                    Self::Unknown(_) => EventKind::Unknown,
                }
            }
        }

        impl FromMessage for Event {
            fn from_message(msg: Message) -> Self {
                Event::from_message(msg)
            }

            fn raw(&self) -> &Message {
                Event::raw(self)
            }

            fn field_errors(&self) -> Vec<FieldError> {
                Event::field_errors(self)
            }
        }

        /// Every event, decoded into the exhaustive enum.
        impl runtime::EventType for Event {
            fn accepts(_: &Message) -> bool {
                true
            }
        }

        #typed_fields_impl
    }
}
