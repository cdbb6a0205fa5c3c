//! Lowering: the resolved document (stage 1) plus the project's spec → [`Model`].
//!
//! 1. Collect actions (`<manager>`) and events (`<managerEvent>`, wherever
//!    they sit, including inside `<responses>`), merging every definition of
//!    one name (case-insensitively): several modules, several
//!    `managerEventInstance`s. Fields are the union in first-seen order.
//! 2. Apply `spec/`: undocumented events and fields, list actions, typed
//!    responses, repeated keys, field types.
//! 3. Decide types: a per-owner spec type wins; then the XML's enumlist (for
//!    events and responses a yes/no-style pair becomes a boolean and an
//!    all-numeric set an integer; action parameters keep the enum so their
//!    spelling is preserved); then the spec's global type for the wire key
//!    (or the unprefixed snapshot field); otherwise text.
//! 4. Name everything ([`naming`]) and sort.
//!
//! This file walks the XML (step 1) and builds the model; `apply_spec`
//! holds step 2, `types` and `enums` step 3 (type inference, enum
//! collection), `text` the doc text.

use std::collections::{BTreeMap, BTreeSet};

use crate::model::naming::{self, UniqueNames};
use crate::model::overrides::{Spec, SpecUsage};
use crate::model::{
    ActionDef, Docs, EventDef, FieldDef, FieldType, GroupDef, IndexStyle, ListDef, Model, Param,
    ResponseDef, Secrecy,
};
use crate::xml::macros::SNAPSHOT_BASE_ATTR;
use crate::xml::{describe_context, Element};
use crate::Error;

mod apply_spec;
mod enums;
mod text;
mod types;

use enums::EnumCollector;
pub use text::{normalize, paragraphs, paragraphs_and_examples};
use types::field_type;

/// Lowers a resolved document into the model, applying `spec`.
///
/// Returns the model and which spec entries it used.
pub fn lower(root: &Element, source: &str, spec: &Spec) -> Result<(Model, SpecUsage), Error> {
    let mut raw = Raw::new(source);
    let mut ancestors = Vec::new();
    raw.walk(root, &mut ancestors)?;
    let mut usage = SpecUsage::default();
    raw.apply_spec_snapshots(spec, &mut usage);
    raw.apply_spec_events(spec, &mut usage);
    raw.apply_spec_lists(spec, &mut usage)?;
    raw.apply_spec_responses(spec, &mut usage);
    raw.apply_spec_multi(spec, &mut usage);
    let model = raw.finish(spec, &mut usage)?;
    Ok((model, usage))
}

/// A field before naming and typing.
#[derive(Debug, Clone)]
struct RawField {
    wire: String,
    docs: Docs,
    required: bool,
    default: Option<String>,
    /// Documented values (wire, docs) when the XML gives one enumlist.
    values: Option<Vec<(String, Docs)>>,
    /// The unprefixed name when a snapshot macro produced the field.
    snapshot_base: Option<String>,
    multi: bool,
}

impl RawField {
    fn plain(wire: &str) -> RawField {
        RawField {
            wire: wire.to_owned(),
            docs: Docs::default(),
            required: false,
            default: None,
            values: None,
            snapshot_base: None,
            multi: false,
        }
    }
}

#[derive(Debug, Clone, Default)]
struct RawDocs {
    synopsis: Option<String>,
    description: Vec<String>,
    examples: Vec<String>,
    since: Vec<String>,
    modules: Vec<String>,
}

impl RawDocs {
    fn absorb(&mut self, element: &Element) {
        if self.synopsis.is_none() {
            self.synopsis = element
                .child("synopsis")
                .map(|s| normalize(&s.text()))
                .filter(|s| !s.is_empty());
        }
        for description in element.elements_named("description") {
            let (paras, examples) = paragraphs_and_examples(description);
            for para in paras {
                push_unique(&mut self.description, para);
            }
            for example in examples {
                push_unique(&mut self.examples, example);
            }
        }
        for since in element.elements_named("since") {
            for version in since.elements_named("version") {
                let v = normalize(&version.text());
                if !v.is_empty() {
                    push_unique(&mut self.since, v);
                }
            }
        }
        if let Some(module) = element.attr("module") {
            push_unique(&mut self.modules, module.to_owned());
        }
    }

    fn finish(&self) -> Docs {
        Docs {
            synopsis: self.synopsis.clone(),
            description: self.description.clone(),
            examples: self.examples.clone(),
            since: self.since.clone(),
            module: if self.modules.is_empty() {
                None
            } else {
                Some(self.modules.join(", "))
            },
        }
    }
}

#[derive(Debug, Clone)]
struct RawList {
    items: Vec<String>,
    complete: Option<String>,
}

#[derive(Debug, Clone)]
struct RawAction {
    wire: String,
    docs: RawDocs,
    params: Vec<RawField>,
    list: Option<RawList>,
    response: Option<Vec<RawField>>,
}

#[derive(Debug, Clone)]
struct RawEvent {
    wire: String,
    docs: RawDocs,
    fields: Vec<RawField>,
    classes: BTreeSet<String>,
    undocumented: bool,
}

struct Raw {
    source: String,
    actions: Vec<RawAction>,
    action_index: BTreeMap<String, usize>,
    events: Vec<RawEvent>,
    event_index: BTreeMap<String, usize>,
}

impl Raw {
    fn new(source: &str) -> Raw {
        Raw {
            source: source.to_owned(),
            actions: Vec::new(),
            action_index: BTreeMap::new(),
            events: Vec::new(),
            event_index: BTreeMap::new(),
        }
    }

    fn doc_err(&self, element: &str, ancestors: &[&Element], message: &str) -> Error {
        Error::Doc {
            source_name: self.source.clone(),
            element: element.to_owned(),
            context: describe_context(ancestors),
            message: message.to_owned(),
        }
    }

    fn walk<'a>(
        &mut self,
        element: &'a Element,
        ancestors: &mut Vec<&'a Element>,
    ) -> Result<(), Error> {
        ancestors.push(element);
        for child in element.elements() {
            match child.name.as_str() {
                "manager" => {
                    ancestors.push(child);
                    self.lower_action(child, ancestors)?;
                    ancestors.pop();
                    // Events documented inside the action (its responses).
                    self.walk(child, ancestors)?;
                }
                "managerEvent" => {
                    ancestors.push(child);
                    self.lower_event(child, ancestors)?;
                    ancestors.pop();
                }
                _ => self.walk(child, ancestors)?,
            }
        }
        ancestors.pop();
        Ok(())
    }

    fn lower_action(&mut self, element: &Element, ancestors: &[&Element]) -> Result<(), Error> {
        let name = element
            .attr("name")
            .filter(|n| !n.trim().is_empty())
            .ok_or_else(|| self.doc_err("manager", ancestors, "has no name"))?
            .trim()
            .to_owned();
        let key = name.to_ascii_lowercase();
        let index = match self.action_index.get(&key) {
            Some(&i) => i,
            None => {
                self.actions.push(RawAction {
                    wire: name.clone(),
                    docs: RawDocs::default(),
                    params: Vec::new(),
                    list: None,
                    response: None,
                });
                self.action_index.insert(key, self.actions.len() - 1);
                self.actions.len() - 1
            }
        };
        let mut params = Vec::new();
        for syntax in element.elements_named("syntax") {
            for parameter in syntax.elements_named("parameter") {
                let field = self.lower_param(parameter, ancestors)?;
                if field.wire.eq_ignore_ascii_case("ActionID") {
                    continue;
                }
                params.push(field);
            }
        }
        let list = match element.child("responses") {
            Some(responses) => Some(self.lower_responses(responses, ancestors)?),
            None => None,
        };
        let action = &mut self.actions[index];
        action.docs.absorb(element);
        for param in params {
            merge_field(&mut action.params, param);
        }
        if let Some(list) = list {
            match &mut action.list {
                None => action.list = Some(list),
                Some(existing) => {
                    for item in list.items {
                        push_unique_ci(&mut existing.items, item);
                    }
                    if existing.complete.is_none() {
                        existing.complete = list.complete;
                    }
                }
            }
        }
        Ok(())
    }

    fn lower_responses(
        &self,
        responses: &Element,
        ancestors: &[&Element],
    ) -> Result<RawList, Error> {
        let event_name = |e: &Element| -> Result<String, Error> {
            e.attr("name")
                .filter(|n| !n.trim().is_empty())
                .map(|n| n.trim().to_owned())
                .ok_or_else(|| self.doc_err("managerEvent", ancestors, "has no name"))
        };
        let mut items = Vec::new();
        for list in responses.elements_named("list-elements") {
            for event in list.elements_named("managerEvent") {
                push_unique_ci(&mut items, event_name(event)?);
            }
        }
        let complete = match responses.elements_named("managerEvent").next() {
            Some(event) => Some(event_name(event)?),
            None => None,
        };
        Ok(RawList { items, complete })
    }

    fn lower_event(&mut self, element: &Element, ancestors: &[&Element]) -> Result<(), Error> {
        let name = element
            .attr("name")
            .filter(|n| !n.trim().is_empty())
            .ok_or_else(|| self.doc_err("managerEvent", ancestors, "has no name"))?
            .trim()
            .to_owned();
        let mut fields = Vec::new();
        let mut docs = RawDocs::default();
        let mut classes = BTreeSet::new();
        if let Some(module) = element.attr("module") {
            push_unique(&mut docs.modules, module.to_owned());
        }
        for instance in element.elements_named("managerEventInstance") {
            docs.absorb(instance);
            if let Some(class) = instance.attr("class") {
                let class = class_name(class);
                if !class.is_empty() {
                    classes.insert(class);
                }
            }
            for syntax in instance.elements_named("syntax") {
                for parameter in syntax.elements_named("parameter") {
                    fields.push(self.lower_param(parameter, ancestors)?);
                }
            }
        }
        let index = self.event_slot(&name);
        let event = &mut self.events[index];
        merge_docs(&mut event.docs, docs);
        event.classes.extend(classes);
        for field in fields {
            merge_field(&mut event.fields, field);
        }
        Ok(())
    }

    fn event_slot(&mut self, name: &str) -> usize {
        let key = name.to_ascii_lowercase();
        if let Some(&i) = self.event_index.get(&key) {
            return i;
        }
        self.events.push(RawEvent {
            wire: name.to_owned(),
            docs: RawDocs::default(),
            fields: Vec::new(),
            classes: BTreeSet::new(),
            undocumented: false,
        });
        self.event_index.insert(key, self.events.len() - 1);
        self.events.len() - 1
    }

    fn lower_param(&self, parameter: &Element, ancestors: &[&Element]) -> Result<RawField, Error> {
        let name = parameter
            .attr("name")
            .map(str::trim)
            .filter(|n| !n.is_empty())
            .ok_or_else(|| self.doc_err("parameter", ancestors, "has no name"))?;
        let enumlists: Vec<&Element> = parameter.elements_named("enumlist").collect();
        let values = if enumlists.len() == 1 {
            let mut values: Vec<(String, Docs)> = Vec::new();
            for e in enumlists[0].elements_named("enum") {
                let Some(value) = e.attr("name") else {
                    return Err(self.doc_err(
                        "enum",
                        ancestors,
                        &format!("in parameter `{name}` has no name"),
                    ));
                };
                if values.iter().any(|(v, _)| v == value) {
                    continue;
                }
                values.push((
                    value.to_owned(),
                    Docs {
                        description: paragraphs(e, false),
                        ..Docs::default()
                    },
                ));
            }
            (!values.is_empty()).then_some(values)
        } else {
            None
        };
        let required = parameter
            .attr("required")
            .is_some_and(|r| ami_wire::value::is_true(r.as_bytes()));
        Ok(RawField {
            wire: name.to_owned(),
            docs: Docs {
                description: paragraphs(parameter, values.is_some()),
                ..Docs::default()
            },
            required,
            default: parameter.attr("default").map(str::to_owned),
            values,
            snapshot_base: parameter.attr(SNAPSHOT_BASE_ATTR).map(str::to_owned),
            multi: false,
        })
    }

    fn find_action(&self, name: &str) -> Option<usize> {
        self.action_index.get(&name.to_ascii_lowercase()).copied()
    }

    fn find_event(&self, name: &str) -> Option<usize> {
        self.event_index.get(&name.to_ascii_lowercase()).copied()
    }

    fn finish(self, spec: &Spec, usage: &mut SpecUsage) -> Result<Model, Error> {
        let mut actions = self.actions;
        let mut events = self.events;
        actions.sort_by(|a, b| a.wire.cmp(&b.wire));
        events.sort_by(|a, b| a.wire.cmp(&b.wire));

        // Type names. The emitter puts actions (with their group entries),
        // events, responses and enums in four modules; each is a namespace
        // that also avoids the names the generated code imports.
        let reserved = naming::module_namespace;
        let mut action_names = reserved();
        let action_rust: Vec<String> = actions
            .iter()
            .map(|a| action_names.claim(&naming::type_name(&a.wire)))
            .collect();
        let mut event_names = reserved();
        let event_rust: Vec<String> = events
            .iter()
            .map(|e| event_names.claim(&naming::type_name(&e.wire)))
            .collect();
        let mut response_names = reserved();
        let mut enum_names = reserved();

        let mut enums = EnumCollector::default();
        let mut out_actions = Vec::with_capacity(actions.len());
        for (action, rust_name) in actions.iter().zip(&action_rust) {
            out_actions.push(lower_action_def(
                action,
                rust_name,
                spec,
                usage,
                &mut action_names,
                &mut response_names,
                &mut enums,
            ));
        }
        let mut out_events = Vec::with_capacity(events.len());
        for (event, rust_name) in events.iter().zip(&event_rust) {
            let owner = Owner::Event(&event.wire);
            let fields = name_fields(&event.fields, owner, rust_name, spec, usage, &mut enums);
            out_events.push(EventDef {
                wire_name: event.wire.clone(),
                rust_name: rust_name.clone(),
                fields,
                classes: event.classes.iter().cloned().collect(),
                docs: event.docs.finish(),
                undocumented: event.undocumented,
            });
        }

        // Name the enums and patch the fields that use them. An enum never
        // takes the name of a group entry, to keep the two apart for readers.
        for action in &out_actions {
            for param in &action.params {
                if let Param::Group(g) = param {
                    enum_names.reserve(&g.entry_name);
                }
            }
        }
        let names = enums.name_all(&mut enum_names);
        let mut patch = |f: &mut FieldDef| {
            if let FieldType::Enum(id) = &f.ty {
                if let Some(name) = names.get(id) {
                    f.ty = FieldType::Enum(name.clone());
                }
            }
        };
        for action in &mut out_actions {
            for param in &mut action.params {
                match param {
                    Param::Single(f) => patch(f),
                    Param::Group(g) => g.members.iter_mut().for_each(&mut patch),
                }
            }
            if let Some(r) = &mut action.response {
                r.fields.iter_mut().for_each(&mut patch);
            }
        }
        for event in &mut out_events {
            event.fields.iter_mut().for_each(&mut patch);
        }
        let mut enum_defs = enums.into_defs(&names);
        enum_defs.sort_by(|a, b| a.rust_name.cmp(&b.rust_name));

        let mut model = Model {
            source: self.source,
            actions: out_actions,
            events: out_events,
            enums: enum_defs,
        };
        model.record_secrecy();
        Ok(model)
    }
}

/// Who a field belongs to, for spec lookups and enum naming.
#[derive(Debug, Clone, Copy)]
enum Owner<'a> {
    Action(&'a str),
    Event(&'a str),
    Response(&'a str),
}

fn lower_action_def(
    action: &RawAction,
    rust_name: &str,
    spec: &Spec,
    usage: &mut SpecUsage,
    action_names: &mut UniqueNames,
    response_names: &mut UniqueNames,
    enums: &mut EnumCollector,
) -> ActionDef {
    let owner = Owner::Action(&action.wire);
    // Split the parameters into singles and indexed groups, keeping the
    // position of each group's first member.
    enum Slot {
        Single(usize),
        Group(IndexStyle),
    }
    let mut slots = Vec::new();
    let mut groups: BTreeMap<u8, (IndexStyle, Vec<(String, usize)>)> = BTreeMap::new();
    for (i, p) in action.params.iter().enumerate() {
        match indexed_base(&p.wire) {
            Some((base, style)) => {
                let key = style_key(style);
                let group = groups.entry(key).or_insert_with(|| {
                    slots.push(Slot::Group(style));
                    (style, Vec::new())
                });
                group.1.push((base, i));
            }
            None => slots.push(Slot::Single(i)),
        }
    }

    let mut field_names = UniqueNames::new();
    let mut params = Vec::new();
    for slot in slots {
        match slot {
            Slot::Single(i) => {
                let field = &action.params[i];
                let rust = field_names.claim(&naming::field_name(&field.wire));
                params.push(Param::Single(field_def(
                    field, rust, owner, rust_name, spec, usage, enums,
                )));
            }
            Slot::Group(style) => {
                let (_, members) = &groups[&style_key(style)];
                let bases: Vec<&str> = members.iter().map(|(b, _)| b.as_str()).collect();
                let base = naming::group_base(&bases);
                let entry_name = action_names.claim(&naming::group_entry_name(rust_name, &base));
                let group_field = field_names.claim(&naming::group_field_name(&base));
                let mut member_names = UniqueNames::new();
                let mut defs = Vec::new();
                for (member_base, i) in members {
                    let mut field = action.params[*i].clone();
                    field.wire = member_base.clone();
                    let rust = member_names.claim(&naming::field_name(member_base));
                    defs.push(field_def(
                        &field, rust, owner, rust_name, spec, usage, enums,
                    ));
                }
                let docs = defs.first().map(|d| d.docs.clone()).unwrap_or_default();
                params.push(Param::Group(GroupDef {
                    rust_name: group_field,
                    entry_name,
                    index: style,
                    members: defs,
                    docs,
                }));
            }
        }
    }

    let response = action.response.as_ref().map(|fields| {
        let response_rust = response_names.claim(&naming::response_name(rust_name));
        let owner = Owner::Response(&action.wire);
        ResponseDef {
            fields: name_fields(fields, owner, &response_rust, spec, usage, enums),
            rust_name: response_rust,
        }
    });

    ActionDef {
        wire_name: action.wire.clone(),
        rust_name: rust_name.to_owned(),
        params,
        docs: action.docs.finish(),
        list: action.list.as_ref().map(|l| ListDef {
            items: l.items.clone(),
            complete: l.complete.clone().unwrap_or_default(),
        }),
        response,
    }
}

fn style_key(style: IndexStyle) -> u8 {
    match style {
        IndexStyle::Dash6 => 0,
        IndexStyle::Paren => 1,
    }
}

/// `Action-000000` → (`Action`, Dash6); `UnitAmount(0)` → (`UnitAmount`, Paren).
pub fn indexed_base(wire: &str) -> Option<(String, IndexStyle)> {
    if let Some(base) = wire.strip_suffix("-000000") {
        if !base.is_empty() {
            return Some((base.to_owned(), IndexStyle::Dash6));
        }
    }
    if let Some(base) = wire.strip_suffix("(0)") {
        if !base.is_empty() {
            return Some((base.to_owned(), IndexStyle::Paren));
        }
    }
    None
}

fn name_fields(
    fields: &[RawField],
    owner: Owner<'_>,
    owner_rust: &str,
    spec: &Spec,
    usage: &mut SpecUsage,
    enums: &mut EnumCollector,
) -> Vec<FieldDef> {
    let mut names = UniqueNames::new();
    fields
        .iter()
        .map(|f| {
            let rust = names.claim(&naming::field_name(&f.wire));
            field_def(f, rust, owner, owner_rust, spec, usage, enums)
        })
        .collect()
}

fn field_def(
    field: &RawField,
    rust_name: String,
    owner: Owner<'_>,
    owner_rust: &str,
    spec: &Spec,
    usage: &mut SpecUsage,
    enums: &mut EnumCollector,
) -> FieldDef {
    let ty = field_type(field, owner, owner_rust, spec, usage, enums);
    let mut docs = field.docs.clone();
    // Documented values that did not become an enum stay in the prose.
    if let (Some(values), false) = (&field.values, matches!(ty, FieldType::Enum(_))) {
        for (value, value_docs) in values {
            let about = value_docs.description.join(" ");
            docs.description.push(if about.is_empty() {
                format!("- {value}")
            } else {
                format!("- {value}: {about}")
            });
        }
    }
    FieldDef {
        wire_name: field.wire.clone(),
        rust_name,
        multi: field.multi || ty == FieldType::Variables,
        snapshot: field
            .snapshot_base
            .as_deref()
            .and_then(|base| field.wire.strip_suffix(base))
            .map(str::to_owned),
        ty,
        required: field.required,
        default: field.default.clone(),
        docs,
        secrecy: Secrecy::default(),
    }
}

/// Looks up `key` case-insensitively.
fn get_ci<'a, V>(map: &'a BTreeMap<String, V>, key: &str) -> Option<(&'a String, &'a V)> {
    map.get_key_value(key)
        .or_else(|| map.iter().find(|(k, _)| k.eq_ignore_ascii_case(key)))
}

/// The documentation paragraph of something that comes from `spec/`.
fn spec_note(file: &str, source: Option<&str>) -> String {
    match source {
        Some(source) => format!(
            "Not in Asterisk's documentation; from the project's spec/{file} (source: {source})."
        ),
        None => format!("Not in Asterisk's documentation; from the project's spec/{file}."),
    }
}

/// `EVENT_FLAG_CALL` → `call`.
fn class_name(class: &str) -> String {
    let class = class.trim();
    class
        .strip_prefix("EVENT_FLAG_")
        .unwrap_or(class)
        .to_ascii_lowercase()
}

/// Merges a field into a list: a new wire name is appended; a known one
/// gains values, `required` and a default it lacked.
fn merge_field(fields: &mut Vec<RawField>, field: RawField) {
    let Some(existing) = fields
        .iter_mut()
        .find(|f| f.wire.eq_ignore_ascii_case(&field.wire))
    else {
        fields.push(field);
        return;
    };
    existing.required |= field.required;
    if existing.default.is_none() {
        existing.default = field.default;
    }
    if existing.snapshot_base.is_none() {
        existing.snapshot_base = field.snapshot_base;
    }
    match (&mut existing.values, field.values) {
        (Some(values), Some(more)) => {
            for (v, d) in more {
                if !values.iter().any(|(x, _)| *x == v) {
                    values.push((v, d));
                }
            }
        }
        (slot @ None, Some(more)) => *slot = Some(more),
        _ => {}
    }
    for para in field.docs.description {
        push_unique(&mut existing.docs.description, para);
    }
}

fn merge_docs(into: &mut RawDocs, from: RawDocs) {
    if into.synopsis.is_none() {
        into.synopsis = from.synopsis;
    }
    for p in from.description {
        push_unique(&mut into.description, p);
    }
    for v in from.since {
        push_unique(&mut into.since, v);
    }
    for m in from.modules {
        push_unique(&mut into.modules, m);
    }
}

fn push_unique(list: &mut Vec<String>, item: String) {
    if !list.contains(&item) {
        list.push(item);
    }
}

/// Appends unless present (case-insensitively); returns whether it did.
fn push_unique_ci(list: &mut Vec<String>, item: String) -> bool {
    if list.iter().any(|x| x.eq_ignore_ascii_case(&item)) {
        false
    } else {
        list.push(item);
        true
    }
}
