//! The project's own synopses (`spec/synopses.toml`): what each action and
//! event is for, and what the most-read fields mean, in one or two
//! sentences of our own. The bundled models hold no Asterisk prose, so
//! without these the default build would document nothing but wire keys;
//! a build from Asterisk's XML keeps the XML's words and takes these only
//! where the XML has none.

use std::collections::BTreeMap;

use serde::Deserialize;

use crate::model::{Docs, FieldDef, Model, Param};

/// The synopses, by wire name.
#[derive(Debug, Clone, Default, Deserialize, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
pub struct Synopses {
    /// By action.
    #[serde(default)]
    pub actions: BTreeMap<String, String>,
    /// By event.
    #[serde(default)]
    pub events: BTreeMap<String, String>,
    /// By `Owner.Key` (an action's parameter or response field, an event's
    /// field), `Owner.*` (every field of an owner whose fields are all of
    /// one kind, such as the pjsip.conf options `EndpointDetail` dumps,
    /// and that has no entry of its own) or `*.Key` (every owner with the
    /// key and neither of the other two).
    #[serde(default)]
    pub fields: BTreeMap<String, String>,
}

/// The synopses compiled into this crate.
pub fn bundled() -> &'static Synopses {
    static SYNOPSES: std::sync::OnceLock<Synopses> = std::sync::OnceLock::new();
    SYNOPSES.get_or_init(|| {
        Synopses::parse(include_str!("../spec/synopses.toml"))
            .unwrap_or_else(|e| panic!("spec/synopses.toml: {e}"))
    })
}

impl Synopses {
    /// Reads `synopses.toml`.
    pub fn parse(text: &str) -> Result<Synopses, String> {
        toml::from_str(text).map_err(|e| e.to_string())
    }

    /// The synopsis of a parameter or field `key` of `owner`: its own entry,
    /// else its owner's `Owner.*`, else `*.Key`.
    pub fn field(&self, owner: &str, key: &str) -> Option<&str> {
        self.fields
            .get(&format!("{owner}.{key}"))
            .or_else(|| self.fields.get(&format!("{owner}.*")))
            .or_else(|| self.fields.get(&format!("*.{key}")))
            .map(String::as_str)
    }

    /// Gives every action, event, parameter and field of `model` that has
    /// no synopsis the one written here, if any.
    pub fn fill(&self, model: &mut Model) {
        fn set(docs: &mut Docs, text: Option<&str>) {
            if docs.synopsis.is_none() {
                docs.synopsis = text.map(str::to_owned);
            }
        }
        let field = |owner: &str, f: &mut FieldDef| {
            set(&mut f.docs, self.field(owner, &f.wire_name));
        };
        for a in &mut model.actions {
            set(
                &mut a.docs,
                self.actions.get(&a.wire_name).map(String::as_str),
            );
            for p in &mut a.params {
                match p {
                    Param::Single(f) => field(&a.wire_name, f),
                    Param::Group(g) => g.members.iter_mut().for_each(|f| field(&a.wire_name, f)),
                }
            }
            if let Some(r) = &mut a.response {
                r.fields.iter_mut().for_each(|f| field(&a.wire_name, f));
            }
        }
        for e in &mut model.events {
            set(
                &mut e.docs,
                self.events.get(&e.wire_name).map(String::as_str),
            );
            e.fields.iter_mut().for_each(|f| field(&e.wire_name, f));
        }
    }
}
