//! The union of several releases' models: one set of types for a fleet of
//! mixed Asterisk versions. Every action, parameter, event, field and enum
//! value of any of them is in it; where releases disagree on an item the
//! newest one's definition wins (its type, whether a parameter is
//! required, its documentation). Which releases have each item is the
//! version matrix's to say (see [`crate::matrix`]).

use super::{ActionDef, EnumDef, FieldDef, Model, Param};

impl Model {
    /// The union of `models`, given oldest first (the newest wins where
    /// they disagree); its `source` names them all (`18.26.4+22.10.1`).
    /// `None` when `models` is empty.
    pub fn union(models: &[Model]) -> Option<Model> {
        let (newest, older) = models.split_last()?;
        let mut out = newest.clone();
        for m in older.iter().rev() {
            for a in &m.actions {
                match out
                    .actions
                    .iter_mut()
                    .find(|x| x.wire_name.eq_ignore_ascii_case(&a.wire_name))
                {
                    Some(have) => merge_action(have, a),
                    None => out.actions.push(a.clone()),
                }
            }
            for e in &m.events {
                match out
                    .events
                    .iter_mut()
                    .find(|x| x.wire_name.eq_ignore_ascii_case(&e.wire_name))
                {
                    Some(have) => merge_fields(&mut have.fields, &e.fields),
                    None => out.events.push(e.clone()),
                }
            }
            for e in &m.enums {
                match out.enums.iter_mut().find(|x| x.rust_name == e.rust_name) {
                    Some(have) => merge_enum(have, e),
                    None => out.enums.push(e.clone()),
                }
            }
        }
        // The model's order: by wire name (enums by Rust name).
        out.actions.sort_by(|a, b| a.wire_name.cmp(&b.wire_name));
        out.events.sort_by(|a, b| a.wire_name.cmp(&b.wire_name));
        out.enums.sort_by(|a, b| a.rust_name.cmp(&b.rust_name));
        out.source = models
            .iter()
            .map(|m| m.source.as_str())
            .collect::<Vec<_>>()
            .join("+");
        out.record_secrecy();
        Some(out)
    }
}

/// Adds to `have` the parameters (and a list or response it lacks) that an
/// older release's `older` has.
fn merge_action(have: &mut ActionDef, older: &ActionDef) {
    for p in &older.params {
        let wire = |p: &Param| match p {
            Param::Single(f) => f.wire_name.clone(),
            Param::Group(g) => g.entry_name.clone(),
        };
        // AMI keys are case-insensitive (`options` in one release's
        // documentation is `Options` in another's).
        if !have
            .params
            .iter()
            .any(|h| wire(h).eq_ignore_ascii_case(&wire(p)))
        {
            let mut p = p.clone();
            // Not every release has it: never a constructor argument.
            if let Param::Single(f) = &mut p {
                f.required = false;
            }
            have.params.push(p);
        }
    }
    if have.list.is_none() {
        have.list.clone_from(&older.list);
    }
    if have.response.is_none() {
        have.response.clone_from(&older.response);
    }
}

fn merge_fields(have: &mut Vec<FieldDef>, older: &[FieldDef]) {
    for f in older {
        if !have
            .iter()
            .any(|h| h.wire_name.eq_ignore_ascii_case(&f.wire_name))
        {
            have.push(f.clone());
        }
    }
}

fn merge_enum(have: &mut EnumDef, older: &EnumDef) {
    for v in &older.values {
        if !have.values.iter().any(|h| h.wire_name == v.wire_name) {
            have.values.push(v.clone());
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_union_has_every_release_s_items_and_the_newest_wins() {
        let models: Vec<Model> = ["18.26.4", "22.10.1"]
            .iter()
            .map(|v| crate::bundled::model(v).unwrap().unwrap())
            .collect();
        let union = Model::union(&models).unwrap();
        assert_eq!(union.source, "18.26.4+22.10.1");
        for m in &models {
            for a in &m.actions {
                assert!(
                    union
                        .actions
                        .iter()
                        .any(|u| u.wire_name.eq_ignore_ascii_case(&a.wire_name)),
                    "{}",
                    a.wire_name
                );
            }
            for e in &m.events {
                let u = union
                    .events
                    .iter()
                    .find(|u| u.wire_name.eq_ignore_ascii_case(&e.wire_name))
                    .unwrap();
                for f in &e.fields {
                    assert!(u
                        .fields
                        .iter()
                        .any(|g| g.wire_name.eq_ignore_ascii_case(&f.wire_name)));
                }
            }
        }
        // chan_sip's actions (gone in 21) and 22's own are both there.
        let has = |name: &str| union.actions.iter().any(|a| a.wire_name == name);
        assert!(has("SIPpeers") && has("PJSIPHangup"));
        // A parameter only some releases have is never required.
        let originate = union
            .actions
            .iter()
            .find(|a| a.wire_name == "Originate")
            .unwrap();
        let newest = models[1]
            .actions
            .iter()
            .find(|a| a.wire_name == "Originate")
            .unwrap();
        assert_eq!(originate.params.len(), newest.params.len());
        assert!(Model::union(&[]).is_none());
    }
}
