//! Type inference: which Rust type a field gets, from the spec and the
//! XML's enumerated values.

use ami_wire::value::{FALSE_WORDS, TRUE_WORDS};

use crate::model::overrides::{Spec, SpecUsage, TYPES_FILE};
use crate::model::{Docs, FieldType};

use super::enums::EnumCollector;
use super::{get_ci, Owner, RawField};

pub(super) fn field_type(
    field: &RawField,
    owner: Owner<'_>,
    owner_rust: &str,
    spec: &Spec,
    usage: &mut SpecUsage,
    enums: &mut EnumCollector,
) -> FieldType {
    let types = &spec.types;
    // 1. A per-owner spec type.
    let (section, owner_wire, map) = match owner {
        Owner::Action(a) => ("actions", a, &types.actions),
        Owner::Event(e) => ("events", e, &types.events),
        Owner::Response(r) => ("responses", r, &types.responses),
    };
    if let Some((owner_key, fields)) = get_ci(map, owner_wire) {
        if let Some((field_key, ty)) = get_ci(fields, &field.wire) {
            usage.hit(TYPES_FILE, &format!("{section}.{owner_key}.{field_key}"));
            return ty.to_field_type();
        }
    }
    // 2. The documentation's enumlist.
    if let Some(values) = &field.values {
        if !matches!(owner, Owner::Action(_)) {
            if is_boolean_set(values) {
                return FieldType::Boolean;
            }
            if values.iter().all(|(v, _)| v.trim().parse::<i64>().is_ok()) {
                return FieldType::Integer;
            }
        }
        let key = field.snapshot_base.as_deref().unwrap_or(&field.wire);
        let id = enums.add(key, owner_rust, owner, values, &field.docs);
        return FieldType::Enum(id);
    }
    // 3. The global type of the wire key, or of the unprefixed snapshot field.
    if !matches!(owner, Owner::Action(_)) {
        for key in std::iter::once(field.wire.as_str()).chain(field.snapshot_base.as_deref()) {
            if let Some((global_key, ty)) = get_ci(&types.fields, key) {
                usage.hit(TYPES_FILE, &format!("fields.{global_key}"));
                return ty.to_field_type();
            }
        }
    }
    FieldType::String
}

/// A pair of Asterisk's boolean words of one spelling (`{yes, no}`,
/// `{true, false}`, `{1, 0}`, `{on, off}`, …), in any case.
pub(super) fn is_boolean_set(values: &[(String, Docs)]) -> bool {
    let [(a, _), (b, _)] = values else {
        return false;
    };
    let at = |w: &str, words: &[&str]| words.iter().position(|x| x.eq_ignore_ascii_case(w.trim()));
    let pair = |yes: &str, no: &str| matches!((at(yes, &TRUE_WORDS), at(no, &FALSE_WORDS)), (Some(i), Some(j)) if i == j);
    pair(a, b) || pair(b, a)
}
