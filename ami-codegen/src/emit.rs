//! Stage 3: the model as Rust tokens.
//!
//! The emitter never sees XML: it turns a [`Model`] into one [`TokenStream`]
//! per generated module (`action`, `event`, `response`, `enums`, `meta`), in
//! model order, so the same model always gives the same tokens.
//! [`write`](crate::write) formats them.
//!
//! The generated modules are meant to be `include!`d as siblings into a module
//! that also provides `runtime` (`ami_types::runtime`): every path they use is
//! relative (`super::runtime::…`, `super::event::…`), as prost's are, so a test
//! can include generated code anywhere.

mod actions;
mod docs;
mod enums;
mod events;
mod meta;
mod records;

use std::collections::{BTreeMap, BTreeSet};

use proc_macro2::{Ident, Span, TokenStream};
use quote::quote;

use crate::model::{EnumDef, EventDef, FieldDef, FieldType, Model, Param};

/// One generated module.
#[derive(Debug, Clone)]
pub struct ModuleTokens {
    /// Module name, also the file stem: `action`, `event`, `response`,
    /// `enums` or `meta`.
    pub name: &'static str,
    /// The module's items.
    pub tokens: TokenStream,
}

/// A model the emitter cannot turn into valid Rust. Each names the offending
/// item. Such a model is a bug in the lowering or in `spec/`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum EmitError {
    /// A Rust name that is not a plain identifier (or is a keyword).
    BadIdent {
        /// What the name is for, e.g. ``field of event `Hangup` ``.
        context: String,
        /// The name.
        name: String,
    },
    /// Two items that would get the same Rust name in one scope.
    Duplicate {
        /// The scope, e.g. ``module `action` ``.
        context: String,
        /// The name used twice.
        name: String,
    },
    /// A reference to an event or enum the model does not define.
    Unresolved {
        /// Where the reference is.
        context: String,
        /// The missing name.
        name: String,
    },
    /// The emitted tokens do not parse as a Rust file (a bug in the emitter).
    Syntax {
        /// The module.
        module: String,
        /// The parser's message.
        message: String,
    },
}

impl std::fmt::Display for EmitError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            EmitError::BadIdent { context, name } => {
                write!(f, "{context}: `{name}` is not a valid Rust identifier")
            }
            EmitError::Duplicate { context, name } => {
                write!(f, "{context}: `{name}` is defined twice")
            }
            EmitError::Unresolved { context, name } => {
                write!(f, "{context}: refers to unknown `{name}`")
            }
            EmitError::Syntax { module, message } => {
                write!(
                    f,
                    "generated module `{module}` is not valid Rust: {message}"
                )
            }
        }
    }
}

impl std::error::Error for EmitError {}

/// What to emit besides the types themselves.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Options {
    /// `TypedFields` impls (a visitor over every typed field, for tools
    /// such as the CLI's JSON output): about a quarter of `ami-types`'
    /// compile time. Default: on.
    pub typed_fields: bool,
}

impl Default for Options {
    fn default() -> Self {
        Options { typed_fields: true }
    }
}

/// Emits every module for `model`, after checking that its names are usable.
pub fn emit(model: &Model) -> Result<Vec<ModuleTokens>, EmitError> {
    emit_with(model, Options::default())
}

/// [`emit`] with `options`.
pub fn emit_with(model: &Model, options: Options) -> Result<Vec<ModuleTokens>, EmitError> {
    let cx = Context::new(model, options)?;
    Ok(vec![
        ModuleTokens {
            name: "action",
            tokens: actions::module(&cx),
        },
        ModuleTokens {
            name: "event",
            tokens: events::module(&cx),
        },
        ModuleTokens {
            name: "response",
            tokens: records::responses_module(&cx),
        },
        ModuleTokens {
            name: "enums",
            tokens: enums::module(&cx),
        },
        ModuleTokens {
            name: "meta",
            tokens: meta::module(&cx),
        },
    ])
}

/// The model plus the lookups the emitters share. Building it validates the
/// model.
pub(crate) struct Context<'m> {
    pub(crate) model: &'m Model,
    pub(crate) options: Options,
    /// Events by lower-cased wire name.
    events: BTreeMap<String, &'m EventDef>,
    enums: BTreeMap<&'m str, &'m EnumDef>,
}

impl<'m> Context<'m> {
    fn new(model: &'m Model, options: Options) -> Result<Self, EmitError> {
        let mut events = BTreeMap::new();
        for e in &model.events {
            if events.insert(e.wire_name.to_ascii_lowercase(), e).is_some() {
                return Err(dup(
                    "module `event` (wire names, ignoring case)",
                    &e.wire_name,
                ));
            }
        }
        let enums = model
            .enums
            .iter()
            .map(|e| (e.rust_name.as_str(), e))
            .collect();
        let cx = Context {
            model,
            options,
            events,
            enums,
        };
        cx.validate()?;
        Ok(cx)
    }

    /// The event with this wire name (any case).
    pub(crate) fn event(&self, wire_name: &str) -> Option<&'m EventDef> {
        self.events.get(&wire_name.to_ascii_lowercase()).copied()
    }

    fn validate(&self) -> Result<(), EmitError> {
        let m = self.model;
        // Module `action`: action structs, group entry structs, item enums.
        let mut action_names = Scope::new("module `action`", ["NAMES"]);
        for a in &m.actions {
            let cx = format!("action `{}`", a.wire_name);
            check_ident(&cx, &a.rust_name)?;
            action_names.add(&a.rust_name)?;
            let mut members = Scope::new(format!("parameters of {cx}"), ["new"]);
            for p in &a.params {
                match p {
                    Param::Single(f) => {
                        self.check_field(&cx, f)?;
                        members.add(&f.rust_name)?;
                    }
                    Param::Group(g) => {
                        check_ident(&cx, &g.rust_name)?;
                        check_ident(&cx, &g.entry_name)?;
                        members.add(&g.rust_name)?;
                        action_names.add(&g.entry_name)?;
                        let gcx = format!("group `{}` of {cx}", g.rust_name);
                        let mut gm = Scope::new(gcx.clone(), ["new"]);
                        for f in &g.members {
                            self.check_field(&gcx, f)?;
                            gm.add(&f.rust_name)?;
                        }
                    }
                }
            }
            if let Some(list) = &a.list {
                for name in list.items.iter().chain([&list.complete]) {
                    if self.event(name).is_none() {
                        return Err(EmitError::Unresolved {
                            context: format!("event list of {cx}"),
                            name: name.clone(),
                        });
                    }
                }
                if list.items.len() > 1 {
                    action_names.add(&crate::model::naming::item_enum_name(&a.rust_name))?;
                }
            }
            if let Some(r) = &a.response {
                let rcx = format!("response of {cx}");
                check_ident(&rcx, &r.rust_name)?;
                self.check_record(&rcx, &r.fields)?;
            }
        }
        let mut responses = Scope::new("module `response`", []);
        for a in &m.actions {
            if let Some(r) = &a.response {
                responses.add(&r.rust_name)?;
            }
        }
        let mut event_names = Scope::new("module `event`", ["Event", "NAMES"]);
        for e in &m.events {
            let cx = format!("event `{}`", e.wire_name);
            check_ident(&cx, &e.rust_name)?;
            event_names.add(&e.rust_name)?;
            self.check_record(&cx, &e.fields)?;
        }
        let mut enum_names = Scope::new("module `enums`", []);
        for e in &m.enums {
            let cx = format!("enum `{}`", e.rust_name);
            check_ident(&cx, &e.rust_name)?;
            enum_names.add(&e.rust_name)?;
            let mut variants = Scope::new(cx.clone(), []);
            let mut wire = BTreeSet::new();
            for v in &e.values {
                check_ident(&cx, &v.rust_name)?;
                variants.add(&v.rust_name)?;
                if !wire.insert(v.wire_name.as_str()) {
                    return Err(dup(&cx, &v.wire_name));
                }
            }
        }
        Ok(())
    }

    fn check_field(&self, cx: &str, f: &FieldDef) -> Result<(), EmitError> {
        check_ident(cx, &f.rust_name)?;
        if let FieldType::Enum(name) = &f.ty {
            if !self.enums.contains_key(name.as_str()) {
                return Err(EmitError::Unresolved {
                    context: format!("field `{}` of {cx}", f.wire_name),
                    name: name.clone(),
                });
            }
        }
        Ok(())
    }

    /// Fields of an event or response: the private `raw` and `errors` are taken.
    fn check_record(&self, cx: &str, fields: &[FieldDef]) -> Result<(), EmitError> {
        let mut scope = Scope::new(format!("fields of {cx}"), ["raw", "errors"]);
        for f in fields {
            self.check_field(cx, f)?;
            scope.add(&f.rust_name)?;
        }
        Ok(())
    }
}

/// A set of names that must not repeat.
struct Scope {
    context: String,
    names: BTreeSet<String>,
}

impl Scope {
    fn new<const N: usize>(context: impl Into<String>, reserved: [&str; N]) -> Self {
        Scope {
            context: context.into(),
            names: reserved.iter().map(|s| (*s).to_owned()).collect(),
        }
    }

    fn add(&mut self, name: &str) -> Result<(), EmitError> {
        if self.names.insert(name.to_owned()) {
            Ok(())
        } else {
            Err(dup(&self.context, name))
        }
    }
}

fn dup(context: &str, name: &str) -> EmitError {
    EmitError::Duplicate {
        context: context.to_owned(),
        name: name.to_owned(),
    }
}

fn check_ident(context: &str, name: &str) -> Result<(), EmitError> {
    // `syn` rejects keywords, `_`, and anything that is not an identifier.
    match syn::parse_str::<syn::Ident>(name) {
        Ok(_) => Ok(()),
        Err(_) => Err(EmitError::BadIdent {
            context: context.to_owned(),
            name: name.to_owned(),
        }),
    }
}

/// An identifier from a validated name.
pub(crate) fn ident(name: &str) -> Ident {
    Ident::new(name, Span::call_site())
}

/// A byte-string literal, e.g. `b"cause-txt"`.
pub(crate) fn byte_lit(bytes: &[u8]) -> proc_macro2::Literal {
    proc_macro2::Literal::byte_string(bytes)
}

/// `#[allow(clippy::upper_case_acronyms)]` for a type or variant named in
/// capitals: names keep Asterisk's spelling.
pub(crate) fn acronym_allow(name: &str) -> TokenStream {
    let letters = name.chars().filter(|c| c.is_alphabetic()).count();
    if letters > 1 && !name.chars().any(char::is_lowercase) {
        quote!(#[allow(clippy::upper_case_acronyms)])
    } else {
        quote!()
    }
}

/// An unsuffixed integer literal (`16`, not `16usize`).
pub(crate) fn usize_lit(n: usize) -> proc_macro2::Literal {
    proc_macro2::Literal::usize_unsuffixed(n)
}

/// The rustdoc paragraph that names a wire key, e.g. ``Wire key `Cause-txt`.``
pub(crate) fn wire_key_note(wire: &str) -> String {
    format!("Wire key {}.", docs::code(wire))
}

/// Tokens for the `enums` path of a value enum type.
pub(crate) fn enum_path(name: &str) -> TokenStream {
    let id = ident(name);
    quote!(super::enums::#id)
}

/// The names the `NAMES` constant lists.
pub(crate) fn names_const(doc: &str, names: &[&str]) -> TokenStream {
    let doc = format!(" {doc}");
    quote! {
        #[doc = #doc]
        pub const NAMES: &[&str] = &[#(#names),*];
    }
}
