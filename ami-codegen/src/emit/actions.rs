//! The `action` module: one builder struct per action, entry structs for
//! indexed groups, item enums for list actions with several item types, and
//! `NAMES`.
//!
//! Required parameters are constructor arguments, so leaving one out is a
//! compile error; optional ones are chained setters. Fields are private: an
//! action is built, then serialised by `Action::write_fields`.

use std::collections::BTreeSet;

use proc_macro2::TokenStream;
use quote::quote;

use super::docs::{self, DocBuilder};
use super::events::dispatch;
use super::{acronym_allow, enum_path, ident, names_const, wire_key_note, Context};
use crate::model::naming::item_enum_name;
use crate::model::{ActionDef, FieldDef, FieldType, GroupDef, IndexStyle, Param, Secrecy};

/// The names a generated module imports from `super::runtime`, as they are used.
#[derive(Default)]
struct Imports(BTreeSet<&'static str>);

impl Imports {
    fn tokens(&self) -> TokenStream {
        if self.0.is_empty() {
            return quote!();
        }
        // `self` first, as rustfmt orders it.
        let this = self.0.contains("self").then(|| quote!(self));
        let names = self.0.iter().filter(|n| **n != "self").map(|n| ident(n));
        let names = this.into_iter().chain(names.map(|id| quote!(#id)));
        quote!(use super::runtime::{#(#names),*};)
    }
}

pub(crate) fn module(cx: &Context<'_>) -> TokenStream {
    let mut imports = Imports::default();
    let items: Vec<TokenStream> = cx
        .model
        .actions
        .iter()
        .map(|a| action(cx, a, &mut imports))
        .collect();
    let names: Vec<&str> = cx
        .model
        .actions
        .iter()
        .map(|a| a.wire_name.as_str())
        .collect();
    let names = names_const("The wire names of every action in this module.", &names);
    let imports = imports.tokens();
    quote! {
        #imports

        #(#items)*
        #names
    }
}

/// How a parameter is stored and set.
struct Slot<'a> {
    f: &'a FieldDef,
    /// The action's wire name.
    owner: &'a str,
    /// The type a setter or constructor takes: `impl Into<Value>`, `i64`…
    arg: TokenStream,
    /// The stored type without `Option`/`Vec`.
    stored: TokenStream,
    /// Whether the stored type is `Copy` (written by value).
    copy: bool,
    /// Whether the argument needs `.into()`.
    into: bool,
}

fn slot<'a>(owner: &'a str, f: &'a FieldDef, imports: &mut Imports) -> Slot<'a> {
    let (arg, stored, copy, into) = match (&f.ty, f.multi) {
        // A runtime value type is sent as text (it is for event fields).
        (_, true) | (FieldType::String | FieldType::Variables | FieldType::Runtime(_), false) => {
            imports.0.insert("Value");
            (quote!(impl Into<Value>), quote!(Value), false, true)
        }
        (FieldType::Integer, false) => (quote!(i64), quote!(i64), true, false),
        (FieldType::Boolean, false) => (quote!(bool), quote!(bool), true, false),
        (FieldType::Float, false) => (quote!(f64), quote!(f64), true, false),
        (FieldType::Enum(name), false) => {
            let path = enum_path(name);
            (quote!(impl Into<#path>), path, false, true)
        }
    };
    Slot {
        f,
        owner,
        arg,
        stored,
        copy,
        into,
    }
}

impl Slot<'_> {
    fn id(&self) -> proc_macro2::Ident {
        ident(&self.f.rust_name)
    }

    /// Whether the constructor takes it.
    fn required(&self) -> bool {
        self.f.required
    }

    fn field_type(&self) -> TokenStream {
        let stored = &self.stored;
        if self.f.multi {
            quote!(Vec<#stored>)
        } else if self.required() {
            quote!(#stored)
        } else {
            quote!(Option<#stored>)
        }
    }

    fn converted(&self) -> TokenStream {
        let id = self.id();
        if self.into {
            quote!(#id.into())
        } else {
            quote!(#id)
        }
    }

    /// The field initialiser in `new`.
    fn init(&self) -> TokenStream {
        let id = self.id();
        let value = self.converted();
        match (self.f.multi, self.required()) {
            (true, true) => quote!(#id: vec![#value],),
            (true, false) => quote!(#id: Vec::new(),),
            (false, true) if self.into => quote!(#id: #value,),
            (false, true) => quote!(#id,),
            (false, false) => quote!(#id: None,),
        }
    }

    /// The constructor argument.
    fn param(&self) -> TokenStream {
        let id = self.id();
        let arg = &self.arg;
        quote!(#id: #arg)
    }

    /// The chained setter, for optional and repeatable parameters.
    fn setter(&self) -> Option<TokenStream> {
        if self.required() && !self.f.multi {
            return None;
        }
        let id = self.id();
        let arg = &self.arg;
        let value = self.converted();
        let mut d = DocBuilder::new();
        d.docs(&self.f.docs);
        d.markdown_opt(docs::later_releases(
            &format!("action {}", self.owner),
            &format!("param {} {}", self.owner, self.f.wire_name),
        ));
        let mut note = wire_key_note(&self.f.wire_name);
        if self.f.multi {
            note.push_str(" May be given several times: each call adds one.");
        }
        if let Some(default) = &self.f.default {
            note.push_str(&format!(" Default: {}.", docs::code(default)));
        }
        d.markdown(&note);
        let doc = d.tokens();
        let body = if self.f.multi {
            quote!(self.#id.push(#value);)
        } else {
            quote!(self.#id = Some(#value);)
        };
        let allow = setter_allow(&self.f.rust_name);
        Some(quote! {
            #doc
            #allow
            pub fn #id(mut self, #id: #arg) -> Self {
                #body
                self
            }
        })
    }

    /// The statements of `write_fields` for this parameter; `key` is the
    /// expression of the wire key.
    fn write(&self, key: TokenStream) -> TokenStream {
        let id = self.id();
        match (self.f.multi, self.required(), self.copy) {
            (true, _, _) => quote! {
                for value in &self.#id {
                    msg.field(#key, value);
                }
            },
            (false, true, true) => quote!(msg.field(#key, self.#id);),
            (false, true, false) => quote!(msg.field(#key, &self.#id);),
            (false, false, true) => quote! {
                if let Some(value) = self.#id {
                    msg.field(#key, value);
                }
            },
            (false, false, false) => quote! {
                if let Some(value) = &self.#id {
                    msg.field(#key, value);
                }
            },
        }
    }

    /// Whether this slot holds text (`Value`, optional or repeated).
    fn is_text(&self) -> bool {
        self.f.multi || matches!(self.f.ty, FieldType::String)
    }

    /// The text slot among `siblings` naming the variable this `Value`
    /// slot sets (`Variable` or `Var`), if this is such a slot.
    fn variable_slot<'s>(&self, siblings: &[&'s Slot<'s>]) -> Option<&'s Slot<'s>> {
        if !self.f.wire_name.eq_ignore_ascii_case("Value") || !self.is_text() {
            return None;
        }
        siblings.iter().copied().find(|s| {
            s.is_text()
                && (s.f.wire_name.eq_ignore_ascii_case("Variable")
                    || s.f.wire_name.eq_ignore_ascii_case("Var"))
        })
    }

    /// Whether `Debug` decides at run time what to show of this slot.
    fn redacted_at_run_time(&self, siblings: &[&Slot<'_>]) -> bool {
        self.is_text()
            && (self.f.secrecy == Secrecy::Assignments || self.variable_slot(siblings).is_some())
    }

    /// The `Debug` entry, redacted for secrets (by key; for a `Value`, by
    /// the variable it sets; for assignments, their secret part).
    fn debug_entry(&self, siblings: &[&Slot<'_>]) -> TokenStream {
        let id = self.id();
        let label = &self.f.rust_name;
        if self.f.secrecy != Secrecy::Secret {
            if let Some(var) = self.variable_slot(siblings) {
                let var = var.id();
                return quote!(.field(#label, &runtime::ValueOf(&self.#var, &self.#id)));
            }
            if self.is_text() && self.f.secrecy == Secrecy::Assignments {
                return quote!(.field(#label, &runtime::Assignments(&self.#id)));
            }
            return quote!(.field(#label, &self.#id));
        }
        if self.f.multi || self.required() {
            quote!(.field(#label, &runtime::Redacted))
        } else {
            quote!(.field(#label, &self.#id.as_ref().map(|_| runtime::Redacted)))
        }
    }
}

/// Setters named like a conversion (`to_…`, `as_…`) or a trait method would
/// trip clippy's naming lints; they are the parameter's name, so allow them.
fn setter_allow(name: &str) -> TokenStream {
    let mut lints = Vec::new();
    if ["to_", "as_", "into_", "from_", "is_"]
        .iter()
        .any(|p| name.starts_with(p))
    {
        lints.push(quote!(clippy::wrong_self_convention));
    }
    const TRAIT_METHODS: &[&str] = &[
        "add",
        "as_mut",
        "as_ref",
        "bitand",
        "bitor",
        "bitxor",
        "borrow",
        "borrow_mut",
        "clone",
        "cmp",
        "default",
        "deref",
        "deref_mut",
        "div",
        "drop",
        "eq",
        "from_iter",
        "from_str",
        "hash",
        "index",
        "index_mut",
        "into_iter",
        "mul",
        "neg",
        "next",
        "not",
        "rem",
        "shl",
        "shr",
        "sub",
    ];
    if TRAIT_METHODS.contains(&name) {
        lints.push(quote!(clippy::should_implement_trait));
    }
    if lints.is_empty() {
        quote!()
    } else {
        quote!(#[allow(#(#lints),*)])
    }
}

/// The constructor's doc: what it takes.
fn new_docs(what: &str, required: &[&Slot<'_>]) -> TokenStream {
    let mut d = DocBuilder::new();
    if required.is_empty() {
        d.markdown(&format!("Creates {what}; it has no required parameters."));
    } else {
        d.markdown(&format!("Creates {what} with its required parameters:"));
        let items: Vec<(String, Option<String>)> = required
            .iter()
            .map(|s| {
                let text =
                    s.f.docs
                        .synopsis
                        .clone()
                        .or_else(|| s.f.docs.description.first().cloned())
                        .filter(|t| !t.trim().is_empty());
                let colon = if text.is_some() { ":" } else { "" };
                let lead = format!(
                    "`{}` ({}){colon}",
                    s.f.rust_name,
                    docs::code(&s.f.wire_name)
                );
                (lead, text)
            })
            .collect();
        d.list(&items);
    }
    d.tokens()
}

fn too_many_args(n: usize) -> TokenStream {
    if n > 7 {
        quote!(#[allow(clippy::too_many_arguments)])
    } else {
        quote!()
    }
}

fn action(cx: &Context<'_>, a: &ActionDef, imports: &mut Imports) -> TokenStream {
    imports.0.insert("Action");
    imports.0.insert("MessageWriter");
    let name = ident(&a.rust_name);
    let wire = &a.wire_name;

    enum Member<'a> {
        Single(Slot<'a>),
        Group(&'a GroupDef),
    }
    let members: Vec<Member<'_>> = a
        .params
        .iter()
        .map(|p| match p {
            Param::Single(f) => Member::Single(slot(&a.wire_name, f, imports)),
            Param::Group(g) => Member::Group(g),
        })
        .collect();
    let singles: Vec<&Slot<'_>> = members
        .iter()
        .filter_map(|m| match m {
            Member::Single(s) => Some(s),
            Member::Group(_) => None,
        })
        .collect();
    let required: Vec<&Slot<'_>> = singles.iter().copied().filter(|s| s.required()).collect();

    // The struct.
    let field_defs = members.iter().map(|m| match m {
        Member::Single(s) => {
            let id = s.id();
            let ty = s.field_type();
            quote!(#id: #ty,)
        }
        Member::Group(g) => {
            let id = ident(&g.rust_name);
            let entry = ident(&g.entry_name);
            quote!(#id: Vec<#entry>,)
        }
    });
    let secret = singles
        .iter()
        .any(|s| s.f.secrecy == Secrecy::Secret || s.redacted_at_run_time(&singles));
    let default = required.is_empty();
    let derive = match (secret, default) {
        (false, false) => quote!(#[derive(Clone, Debug, PartialEq)]),
        (false, true) => quote!(#[derive(Clone, Debug, Default, PartialEq)]),
        (true, false) => quote!(#[derive(Clone, PartialEq)]),
        (true, true) => quote!(#[derive(Clone, Default, PartialEq)]),
    };
    let debug_impl = if secret {
        imports.0.insert("self");
        let entries = members.iter().map(|m| match m {
            Member::Single(s) => s.debug_entry(&singles),
            Member::Group(g) => {
                let id = ident(&g.rust_name);
                let label = &g.rust_name;
                quote!(.field(#label, &self.#id))
            }
        });
        debug_impl(&name, &a.rust_name, entries)
    } else {
        quote!()
    };

    // The constructor and setters.
    let new_doc = new_docs("the action", &required);
    let new_fn = if members.is_empty() {
        quote! {
            #new_doc
            pub fn new() -> Self {
                Self
            }
        }
    } else if default {
        quote! {
            #new_doc
            pub fn new() -> Self {
                Self::default()
            }
        }
    } else {
        let params = required.iter().map(|s| s.param());
        let inits = members.iter().map(|m| match m {
            Member::Single(s) => s.init(),
            Member::Group(g) => {
                let id = ident(&g.rust_name);
                quote!(#id: Vec::new(),)
            }
        });
        let allow = too_many_args(required.len());
        quote! {
            #new_doc
            #allow
            pub fn new(#(#params),*) -> Self {
                Self {
                    #(#inits)*
                }
            }
        }
    };
    let setters = members.iter().filter_map(|m| match m {
        Member::Single(s) => s.setter(),
        Member::Group(g) => Some(group_setter(g)),
    });

    // Serialisation.
    let writes = members.iter().map(|m| match m {
        Member::Single(s) => {
            let wire = &s.f.wire_name;
            s.write(quote!(#wire))
        }
        Member::Group(g) => {
            let id = ident(&g.rust_name);
            quote! {
                for (index, entry) in self.#id.iter().enumerate() {
                    entry.write_fields(index, msg);
                }
            }
        }
    });
    let msg_param = if members.is_empty() {
        quote!(_msg)
    } else {
        quote!(msg)
    };

    // The response and, for lists, the item and completion types.
    let response = match &a.response {
        Some(r) => {
            let id = ident(&r.rust_name);
            quote!(super::response::#id)
        }
        None => {
            imports.0.insert("self");
            quote!(runtime::Response)
        }
    };
    let mut extra = Vec::new();
    let list_impl = match &a.list {
        None => quote!(),
        Some(list) => {
            imports.0.insert("ListAction");
            let complete = cx.event(&list.complete).map(|e| ident(&e.rust_name));
            let item = if list.items.len() == 1 {
                let id = cx.event(&list.items[0]).map(|e| ident(&e.rust_name));
                quote!(super::event::#id)
            } else {
                let id = ident(&item_enum_name(&a.rust_name));
                extra.push(item_enum(cx, a, &list.items, imports));
                quote!(#id)
            };
            quote! {
                impl ListAction for #name {
                    type Item = #item;
                    type Complete = super::event::#complete;
                }
            }
        }
    };

    // The release check: the action's own ranges, then each parameter whose
    // ranges differ from them, when it is set. What every release of the
    // matrix has needs no check.
    let every = crate::matrix::bundled().coverage();
    let own = docs::ranges(&format!("action {wire}"));
    let checks: Vec<TokenStream> = own
        .iter()
        .filter(|own| **own != every)
        .map(|own| quote!(require_release(#wire, #own, version)?;))
        .chain(members.iter().filter_map(|m| {
            let (f, set) = match m {
                Member::Single(s) => {
                    let id = s.id();
                    let set = if s.f.multi {
                        Some(quote!(!self.#id.is_empty()))
                    } else if s.required() {
                        None
                    } else {
                        Some(quote!(self.#id.is_some()))
                    };
                    (s.f, set)
                }
                Member::Group(g) => {
                    let id = ident(&g.rust_name);
                    (g.members.first()?, Some(quote!(!self.#id.is_empty())))
                }
            };
            let ranges = docs::ranges(&format!("param {wire} {}", f.wire_name))?;
            if Some(&ranges) == own.as_ref() || ranges == every {
                return None;
            }
            let what = format!("{wire} parameter {}", f.wire_name);
            let check = quote!(require_release(#what, #ranges, version)?;);
            Some(match set {
                Some(set) => quote!(if #set { #check }),
                None => check,
            })
        }))
        .collect();
    let release_check = if checks.is_empty() {
        quote!()
    } else {
        imports.0.insert("require_release");
        imports.0.insert("self");
        quote! {
            const CHECKS_RELEASE: bool = true;

            fn check_release(&self, version: &str) -> runtime::Result<()> {
                #(#checks)*
                Ok(())
            }
        }
    };

    let groups = members.iter().filter_map(|m| match m {
        Member::Group(g) => Some(entry_struct(a, g, imports)),
        Member::Single(_) => None,
    });

    let body = if members.is_empty() {
        quote!(;)
    } else {
        quote!({ #(#field_defs)* })
    };
    let docs = action_docs(cx, a);
    let acronym = acronym_allow(&a.rust_name);
    quote! {
        #docs
        #derive
        #[must_use]
        #acronym
        pub struct #name #body

        impl #name {
            #new_fn
            #(#setters)*
        }

        impl Action for #name {
            const NAME: &'static str = #wire;
            type Response = #response;

            #release_check

            fn write_fields(&self, #msg_param: &mut MessageWriter) {
                #(#writes)*
            }
        }

        #list_impl
        #debug_impl
        #(#groups)*
        #(#extra)*
    }
}

fn action_docs(cx: &Context<'_>, a: &ActionDef) -> TokenStream {
    let mut d = DocBuilder::new();
    d.docs(&a.docs);
    let mut about = format!("AMI action {}.", docs::code(&a.wire_name));
    if let Some(since) = docs::since(&a.docs) {
        about.push(' ');
        about.push_str(&since);
    }
    if let Some(module) = &a.docs.module {
        about.push_str(&format!(" Documented by {}.", docs::code(module)));
    }
    d.markdown(&about);
    if let Some(releases) = docs::releases(&format!("action {}", a.wire_name)) {
        d.markdown(&releases);
    }
    let link = |wire: &str| match cx.event(wire) {
        Some(e) => format!("[`{0}`](super::event::{0})", e.rust_name),
        None => docs::code(wire),
    };
    match (&a.list, &a.response) {
        (Some(list), _) => {
            let items = if list.items.len() == 1 {
                link(&list.items[0])
            } else {
                let id = item_enum_name(&a.rust_name);
                let each: Vec<String> = list.items.iter().map(|i| link(i)).collect();
                format!("[`{id}`] ({})", each.join(", "))
            };
            d.markdown(&format!(
                "Answers with an event list: {items} items, ended by {}.",
                link(&list.complete)
            ));
        }
        (None, Some(r)) => {
            d.markdown(&format!(
                "Answers with [`{0}`](super::response::{0}).",
                r.rust_name
            ));
        }
        (None, None) => {}
    }
    let method = |m: &str| format!("[`Client::{m}`](super::runtime::Client::{m})");
    d.markdown(&match &a.list {
        Some(_) => format!("Send it with {}, which collects the items.", method("list")),
        // The one action answered twice: `Client::originate` waits for the
        // OriginateResponse.
        None if a.wire_name == "Originate" => format!(
            "Send it with {}, which waits for the call's `OriginateResponse` ({} answers once \
             Asterisk has queued the call).",
            method("originate"),
            method("send")
        ),
        None => format!("Send it with {}.", method("send")),
    });
    d.tokens()
}

fn group_setter(g: &GroupDef) -> TokenStream {
    let id = ident(&g.rust_name);
    let entry = ident(&g.entry_name);
    let mut d = DocBuilder::new();
    d.docs(&g.docs);
    let keys: Vec<String> = g
        .members
        .iter()
        .map(|f| docs::code(&index_key_pattern(&f.wire_name, g.index)))
        .collect();
    d.markdown(&format!(
        "Adds one [`{}`] entry: the keys {} of the n-th entry (n counting from 0 in the order \
         added) carry the same number.",
        g.entry_name,
        keys.join(", ")
    ));
    let doc = d.tokens();
    let allow = setter_allow(&g.rust_name);
    quote! {
        #doc
        #allow
        pub fn #id(mut self, entry: #entry) -> Self {
            self.#id.push(entry);
            self
        }
    }
}

fn index_key_pattern(base: &str, style: IndexStyle) -> String {
    match style {
        IndexStyle::Dash6 => format!("{base}-NNNNNN"),
        IndexStyle::Paren => format!("{base}(N)"),
    }
}

/// The entry struct of an indexed group: a constructor for its required
/// members, setters for the rest, and `write_fields(index, msg)`.
fn entry_struct(a: &ActionDef, g: &GroupDef, imports: &mut Imports) -> TokenStream {
    imports.0.insert("self");
    let name = ident(&g.entry_name);
    let slots: Vec<Slot<'_>> = g
        .members
        .iter()
        .map(|f| slot(&a.wire_name, f, imports))
        .collect();
    let required: Vec<&Slot<'_>> = slots.iter().filter(|s| s.required()).collect();
    let field_defs = slots.iter().map(|s| {
        let id = s.id();
        let ty = s.field_type();
        quote!(#id: #ty,)
    });
    let siblings: Vec<&Slot<'_>> = slots.iter().collect();
    let secret = slots
        .iter()
        .any(|s| s.f.secrecy == Secrecy::Secret || s.redacted_at_run_time(&siblings));
    let default = required.is_empty();
    let derive = match (secret, default) {
        (false, false) => quote!(#[derive(Clone, Debug, PartialEq)]),
        (false, true) => quote!(#[derive(Clone, Debug, Default, PartialEq)]),
        (true, false) => quote!(#[derive(Clone, PartialEq)]),
        (true, true) => quote!(#[derive(Clone, Default, PartialEq)]),
    };
    let debug_impl = if secret {
        let entries = slots.iter().map(|s| s.debug_entry(&siblings));
        debug_impl(&name, &g.entry_name, entries)
    } else {
        quote!()
    };
    let new_doc = new_docs("an entry", &required);
    let new_fn = if default {
        quote! {
            #new_doc
            pub fn new() -> Self {
                Self::default()
            }
        }
    } else {
        let params = required.iter().map(|s| s.param());
        let inits = slots.iter().map(Slot::init);
        let allow = too_many_args(required.len());
        quote! {
            #new_doc
            #allow
            pub fn new(#(#params),*) -> Self {
                Self {
                    #(#inits)*
                }
            }
        }
    };
    let setters = slots.iter().filter_map(Slot::setter);
    let key_fn = match g.index {
        IndexStyle::Dash6 => quote!(runtime::IndexedKey::Dash6),
        IndexStyle::Paren => quote!(runtime::IndexedKey::Paren),
    };
    let writes = slots.iter().map(|s| {
        let base = &s.f.wire_name;
        s.write(quote!(#key_fn(#base, index)))
    });
    let (index_param, msg_param) = if slots.is_empty() {
        (quote!(_index), quote!(_msg))
    } else {
        (quote!(index), quote!(msg))
    };

    let mut d = DocBuilder::new();
    let keys: Vec<String> = g
        .members
        .iter()
        .map(|f| docs::code(&index_key_pattern(&f.wire_name, g.index)))
        .collect();
    d.markdown(&format!(
        "One entry of [`{0}`]'s indexed group ({1}), added with [`{0}::{2}`].",
        a.rust_name,
        keys.join(", "),
        g.rust_name
    ));
    let docs = d.tokens();
    let acronym = acronym_allow(&g.entry_name);
    quote! {
        #docs
        #derive
        #[must_use]
        #acronym
        pub struct #name {
            #(#field_defs)*
        }

        impl #name {
            #new_fn
            #(#setters)*

            /// Appends this entry's keys, numbered `index`.
            fn write_fields(&self, #index_param: usize, #msg_param: &mut MessageWriter) {
                #(#writes)*
            }
        }

        #debug_impl
    }
}

/// The item enum of a list action with several item types.
fn item_enum(
    cx: &Context<'_>,
    a: &ActionDef,
    items: &[String],
    imports: &mut Imports,
) -> TokenStream {
    imports.0.insert("self");
    imports.0.insert("FromMessage");
    imports.0.insert("FieldError");
    imports.0.insert("Message");
    let name = ident(&item_enum_name(&a.rust_name));
    let acronym = acronym_allow(&item_enum_name(&a.rust_name));
    let events: Vec<_> = items.iter().filter_map(|w| cx.event(w)).collect();
    let ids: Vec<_> = events.iter().map(|e| ident(&e.rust_name)).collect();
    let variants = events.iter().map(|e| {
        let id = ident(&e.rust_name);
        let doc = format!(" A [`{0}`](super::event::{0}) item.", e.rust_name);
        let acronym = acronym_allow(&e.rust_name);
        quote! {
            #[doc = #doc]
            #acronym
            #id(super::event::#id),
        }
    });
    let arms: Vec<(&str, TokenStream)> = events
        .iter()
        .map(|e| {
            let id = ident(&e.rust_name);
            (
                e.wire_name.as_str(),
                quote!(Self::#id(super::event::#id::from_message(msg))),
            )
        })
        .collect();
    let dispatch = dispatch(
        &arms,
        quote!(Self::Other(runtime::RawEvent::from_message(msg))),
    );
    let mut d = DocBuilder::new();
    d.markdown(&format!(
        "An item of the [`{0}`] event list: one variant per item type (as in \
         [`Event`](super::event::Event)), [`Other`]({1}::Other) for an event of another name.",
        a.rust_name,
        item_enum_name(&a.rust_name)
    ));
    let doc = d.tokens();
    quote! {
        #doc
        #[derive(Clone, Debug, PartialEq, Eq)]
        #[allow(clippy::enum_variant_names)] // variants are named after the events
        #acronym
        pub enum #name {
            #(#variants)*
            /// An item event of another name, kept whole.
            Other(runtime::RawEvent),
        }

        impl FromMessage for #name {
            fn from_message(msg: Message) -> Self {
                #dispatch
            }

            fn raw(&self) -> &Message {
                match self {
                    #(Self::#ids(e) => e.raw(),)*
                    Self::Other(e) => e.raw(),
                }
            }

            fn field_errors(&self) -> Vec<FieldError> {
                match self {
                    #(Self::#ids(e) => e.field_errors(),)*
                    Self::Other(_) => Vec::new(),
                }
            }
        }
    }
}

/// `impl Debug` for a struct whose `entries` (`.field(…)` calls) redact its
/// secrets.
fn debug_impl(
    name: &proc_macro2::Ident,
    label: &str,
    entries: impl Iterator<Item = TokenStream>,
) -> TokenStream {
    quote! {
        impl std::fmt::Debug for #name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.debug_struct(#label)
                    #(#entries)*
                    .finish()
            }
        }
    }
}
