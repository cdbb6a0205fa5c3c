//! Applying `spec/`: undocumented events and fields, list actions, typed
//! responses, repeated keys.

use crate::model::overrides::{
    spec_err, Spec, SpecUsage, EVENTS_FILE, LISTS_FILE, RESPONSES_FILE, SNAPSHOTS_FILE, TYPES_FILE,
};
use crate::xml::macros;
use crate::Error;

use super::{push_unique_ci, spec_note, Raw, RawField, RawList};

impl Raw {
    /// Adds the fields of `snapshots.toml` to every expansion of a snapshot
    /// macro, with its prefix, after the macro's last field.
    pub(super) fn apply_spec_snapshots(&mut self, spec: &Spec, usage: &mut SpecUsage) {
        for (kind, entry) in &spec.snapshots {
            let last = match kind.as_str() {
                "channel" => macros::channel_snapshot_fields().last(),
                _ => macros::bridge_snapshot_fields().last(),
            };
            let Some(last) = last else { continue };
            let note = spec_note(SNAPSHOTS_FILE, entry.source.as_deref());
            let mut added = false;
            for event in &mut self.events {
                let mut i = 0;
                while i < event.fields.len() {
                    let field = &event.fields[i];
                    let prefix = match (&field.snapshot_base, field.wire.strip_suffix(last)) {
                        (Some(base), Some(prefix)) if base == last => prefix.to_owned(),
                        _ => {
                            i += 1;
                            continue;
                        }
                    };
                    for (n, name) in entry.fields.iter().enumerate() {
                        let wire = format!("{prefix}{name}");
                        if event
                            .fields
                            .iter()
                            .any(|f| f.wire.eq_ignore_ascii_case(&wire))
                        {
                            continue;
                        }
                        let mut raw = RawField::plain(&wire);
                        raw.snapshot_base = Some(name.clone());
                        raw.docs.description.push(note.clone());
                        event.fields.insert(i + 1 + n, raw);
                        added = true;
                    }
                    i += 1;
                }
            }
            if added {
                usage.hit(SNAPSHOTS_FILE, kind);
            }
        }
    }

    pub(super) fn apply_spec_events(&mut self, spec: &Spec, usage: &mut SpecUsage) {
        for (name, entry) in &spec.events {
            if let Some(action) = &entry.requires_action {
                if self.find_action(action).is_none() {
                    continue;
                }
            }
            let index = match self.find_event(name) {
                Some(i) => i,
                None => {
                    let i = self.event_slot(name);
                    let event = &mut self.events[i];
                    event.undocumented = true;
                    event.docs.synopsis = entry.synopsis.clone();
                    if let Some(class) = &entry.class {
                        event.classes.insert(class.clone());
                    }
                    i
                }
            };
            let event = &mut self.events[index];
            let note = spec_note(EVENTS_FILE, entry.source.as_deref());
            if event.undocumented && event.docs.description.is_empty() {
                event.docs.description.push(note.clone());
            }
            let mut added = event.undocumented;
            for field in &entry.fields {
                if !event
                    .fields
                    .iter()
                    .any(|f| f.wire.eq_ignore_ascii_case(field))
                {
                    let mut raw = RawField::plain(field);
                    raw.docs.description.push(note.clone());
                    event.fields.push(raw);
                    added = true;
                }
            }
            if added {
                usage.hit(EVENTS_FILE, name);
            }
        }
    }

    pub(super) fn apply_spec_lists(
        &mut self,
        spec: &Spec,
        usage: &mut SpecUsage,
    ) -> Result<(), Error> {
        for (name, entry) in &spec.lists {
            let Some(index) = self.find_action(name) else {
                continue;
            };
            let action = &mut self.actions[index];
            let list = action.list.get_or_insert_with(|| RawList {
                items: Vec::new(),
                complete: None,
            });
            let mut changed = false;
            match &list.complete {
                Some(documented) if !documented.eq_ignore_ascii_case(&entry.complete) => {
                    return Err(spec_err(
                        LISTS_FILE,
                        name,
                        &format!(
                            "completion event `{}` contradicts the documentation's `{documented}`",
                            entry.complete
                        ),
                    ));
                }
                Some(_) => {}
                None => {
                    list.complete = Some(entry.complete.clone());
                    changed = true;
                }
            }
            for item in &entry.items {
                changed |= push_unique_ci(&mut list.items, item.clone());
            }
            if changed {
                usage.hit(LISTS_FILE, name);
            }
        }
        // Every list names events the model has.
        for action in &mut self.actions {
            let Some(list) = &mut action.list else {
                continue;
            };
            let from_spec = spec
                .lists
                .keys()
                .find(|k| k.eq_ignore_ascii_case(&action.wire));
            let complain = |what: &str| -> Error {
                match from_spec {
                    Some(entry) => spec_err(LISTS_FILE, entry, what),
                    None => Error::Doc {
                        source_name: self.source.clone(),
                        element: "responses".into(),
                        context: format!("action `{}`", action.wire),
                        message: what.to_owned(),
                    },
                }
            };
            // A spec mapping may name events this Asterisk version does not
            // have (the spec covers several versions): keep what exists, and
            // drop the mapping when its completion or every item is missing.
            if from_spec.is_some() {
                let known = |n: &String| self.event_index.contains_key(&n.to_ascii_lowercase());
                list.items.retain(known);
                let complete_known = list.complete.as_ref().is_some_and(known);
                if !complete_known || list.items.is_empty() {
                    if let Some(entry) = from_spec {
                        usage
                            .matched
                            .remove(&crate::model::overrides::entry_id(LISTS_FILE, entry));
                    }
                    action.list = None;
                    continue;
                }
            }
            let Some(complete) = &list.complete else {
                return Err(complain("the list has no completion event"));
            };
            if list.items.is_empty() {
                return Err(complain("the list has no item event"));
            }
            for name in list.items.iter().chain(std::iter::once(complete)) {
                if !self.event_index.contains_key(&name.to_ascii_lowercase()) {
                    return Err(complain(&format!(
                        "event `{name}` is neither documented nor in {EVENTS_FILE}"
                    )));
                }
            }
            // Use the model's spelling of each event.
            let spell = |n: &String| -> String {
                let i = self.event_index[&n.to_ascii_lowercase()];
                self.events[i].wire.clone()
            };
            list.items = list.items.iter().map(spell).collect();
            list.complete = Some(spell(complete));
        }
        Ok(())
    }

    pub(super) fn apply_spec_responses(&mut self, spec: &Spec, usage: &mut SpecUsage) {
        for (name, entry) in &spec.responses {
            let Some(index) = self.find_action(name) else {
                continue;
            };
            let note = spec_note(RESPONSES_FILE, entry.source.as_deref());
            self.actions[index].response = Some(
                entry
                    .fields
                    .iter()
                    .map(|f| {
                        let mut raw = RawField::plain(f);
                        raw.docs.description.push(note.clone());
                        raw
                    })
                    .collect(),
            );
            usage.hit(RESPONSES_FILE, name);
        }
    }

    pub(super) fn apply_spec_multi(&mut self, spec: &Spec, usage: &mut SpecUsage) {
        for (name, keys) in &spec.types.multi {
            let Some(index) = self.find_action(name) else {
                continue;
            };
            for key in keys {
                if let Some(param) = self.actions[index]
                    .params
                    .iter_mut()
                    .find(|p| p.wire.eq_ignore_ascii_case(key))
                {
                    param.multi = true;
                    usage.hit(TYPES_FILE, &format!("multi.{name}.{key}"));
                }
            }
        }
    }
}
