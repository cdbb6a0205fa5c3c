//! Fact-only models: the model without Asterisk's prose, and the file format
//! they are committed and bundled in (`ami-codegen/models/<version>.json`).
//!
//! A fact model holds names, parameters, required flags, defaults, value
//! lists, types, list mappings, since-versions and modules. Synopses and
//! descriptions are Asterisk's sentences and stay out of it; the project's
//! own synopses of undocumented events (from `spec/events.toml`) stay in.
//!
//! The file is JSON, written so that a diff reads well: one line per field,
//! parameter and value, objects spread over lines only where they hold a
//! list of objects.

use std::fmt::Write as _;

use serde_json::Value as Json;

use super::{Docs, FieldDef, Model, Param};

/// Why a fact model file could not be read.
#[derive(Debug, thiserror::Error)]
#[error("fact model {name}: {message}")]
pub struct FactsError {
    /// The file or bundled version.
    pub name: String,
    /// What the JSON reader reported.
    pub message: String,
}

impl Model {
    /// The same model holding facts only (see the [module](self)): what
    /// ships as a bundled model.
    pub fn facts(&self) -> Model {
        let mut model = self.clone();
        for action in &mut model.actions {
            strip(&mut action.docs);
            for param in &mut action.params {
                match param {
                    Param::Single(field) => strip_field(field),
                    Param::Group(group) => {
                        strip(&mut group.docs);
                        group.members.iter_mut().for_each(strip_field);
                    }
                }
            }
            if let Some(response) = &mut action.response {
                response.fields.iter_mut().for_each(strip_field);
            }
        }
        for event in &mut model.events {
            if !event.undocumented {
                strip(&mut event.docs);
            }
            event.fields.iter_mut().for_each(strip_field);
        }
        for def in &mut model.enums {
            strip(&mut def.docs);
            for value in &mut def.values {
                strip(&mut value.docs);
            }
        }
        model
    }

    /// The model as a fact file (of [`facts`](Model::facts), normally):
    /// deterministic, ending in a newline.
    pub fn to_json(&self) -> String {
        let value = serde_json::to_value(self).expect("the model is plain data");
        let mut out = String::new();
        write_json(&value, 0, &mut out);
        out.push('\n');
        out
    }

    /// Reads a fact file written by [`to_json`](Model::to_json); `name`
    /// labels errors.
    pub fn from_json(text: &str, name: &str) -> Result<Model, FactsError> {
        let mut model: Model = serde_json::from_str(text).map_err(|e| FactsError {
            name: name.to_owned(),
            message: e.to_string(),
        })?;
        model.record_secrecy();
        Ok(model)
    }
}

fn strip(docs: &mut Docs) {
    docs.synopsis = None;
    docs.description.clear();
    docs.examples.clear();
}

fn strip_field(field: &mut FieldDef) {
    strip(&mut field.docs);
}

/// Writes `value` at `indent`: on one line when it holds no list of
/// objects, else one member per line.
fn write_json(value: &Json, indent: usize, out: &mut String) {
    let nested = |v: &Json| match v {
        Json::Array(items) => items.iter().any(|i| i.is_object() || i.is_array()),
        Json::Object(map) => map.values().any(|v| match v {
            Json::Array(items) => items.iter().any(Json::is_object),
            _ => false,
        }),
        _ => false,
    };
    let pad = "  ".repeat(indent + 1);
    match value {
        Json::Object(map) if nested(value) => {
            out.push_str("{\n");
            for (i, (key, member)) in map.iter().enumerate() {
                let _ = write!(out, "{pad}{}: ", Json::String(key.clone()));
                write_json(member, indent + 1, out);
                out.push_str(if i + 1 < map.len() { ",\n" } else { "\n" });
            }
            let _ = write!(out, "{}}}", "  ".repeat(indent));
        }
        Json::Array(items) if nested(value) => {
            out.push_str("[\n");
            for (i, item) in items.iter().enumerate() {
                out.push_str(&pad);
                write_json(item, indent + 1, out);
                out.push_str(if i + 1 < items.len() { ",\n" } else { "\n" });
            }
            let _ = write!(out, "{}]", "  ".repeat(indent));
        }
        _ => out.push_str(&value.to_string()),
    }
}

#[cfg(test)]
mod tests {
    use crate::model::{Docs, EventDef, FieldDef, FieldType, Model};

    fn field(name: &str, synopsis: &str) -> FieldDef {
        FieldDef {
            wire_name: name.to_owned(),
            rust_name: name.to_lowercase(),
            ty: FieldType::Integer,
            required: false,
            default: None,
            multi: false,
            snapshot: None,
            docs: Docs {
                synopsis: Some(synopsis.to_owned()),
                since: vec!["12.0.0".to_owned()],
                ..Docs::default()
            },
            secrecy: Default::default(),
        }
    }

    fn model() -> Model {
        let event = |name: &str, undocumented: bool| EventDef {
            wire_name: name.to_owned(),
            rust_name: name.to_owned(),
            fields: vec![field("Priority", "prose of the field")],
            classes: vec!["call".to_owned()],
            docs: Docs {
                synopsis: Some(format!("synopsis of {name}")),
                description: vec!["a paragraph".to_owned()],
                examples: vec!["Action: X".to_owned()],
                since: vec!["13.0.0".to_owned()],
                module: Some("app_x".to_owned()),
            },
            undocumented,
        };
        Model {
            source: "22.10.1".to_owned(),
            actions: Vec::new(),
            events: vec![event("Documented", false), event("FromSpec", true)],
            enums: Vec::new(),
        }
    }

    #[test]
    fn facts_drop_asterisk_prose_and_keep_the_facts() {
        let facts = model().facts();
        let documented = &facts.events[0];
        assert_eq!(documented.docs.synopsis, None);
        assert!(documented.docs.description.is_empty());
        assert!(documented.docs.examples.is_empty());
        assert_eq!(documented.docs.since, ["13.0.0"]);
        assert_eq!(documented.docs.module.as_deref(), Some("app_x"));
        assert_eq!(documented.fields[0].docs.synopsis, None);
        assert_eq!(documented.fields[0].docs.since, ["12.0.0"]);
        assert_eq!(documented.fields[0].ty, FieldType::Integer);
        // The project's own synopsis of an undocumented event stays.
        assert_eq!(
            facts.events[1].docs.synopsis.as_deref(),
            Some("synopsis of FromSpec")
        );
    }

    #[test]
    fn a_fact_file_reads_back_as_the_same_model() {
        let facts = model().facts();
        let text = facts.to_json();
        assert!(!text.contains("prose"), "{text}");
        assert_eq!(Model::from_json(&text, "test").unwrap(), facts);
        // One line per field.
        let line = text.lines().find(|l| l.contains("\"Priority\"")).unwrap();
        assert!(line.trim_start().starts_with('{'), "{text}");
        assert!(line.trim_end().ends_with('}'), "{text}");
    }

    #[test]
    fn a_broken_fact_file_is_an_error_naming_it() {
        let e = Model::from_json("{\"source\": 1}", "22.10.1.json").unwrap_err();
        assert!(
            e.to_string().starts_with("fact model 22.10.1.json: "),
            "{e}"
        );
    }
}
