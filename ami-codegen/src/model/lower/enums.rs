//! Enum collection: the value enums the fields' enumerated values make,
//! shared between owners when they hold the same values.

use std::collections::{BTreeMap, BTreeSet};

use crate::model::naming::{self, UniqueNames};
use crate::model::{Docs, EnumDef, EnumValue};

use super::Owner;

/// Collects enum-typed fields, then names the enums.
#[derive(Debug, Default)]
pub(super) struct EnumCollector {
    /// One entry per distinct (key, value list), in first-seen order.
    defs: Vec<PendingEnum>,
    by_content: BTreeMap<(String, Vec<String>), usize>,
}

#[derive(Debug)]
pub(super) struct PendingEnum {
    key: String,
    values: Vec<(String, Docs)>,
    /// Rust names of the owners using it, sorted.
    owners: BTreeSet<(u8, String)>,
    docs: Docs,
}

impl EnumCollector {
    /// Registers an enum-typed field; returns a provisional id, replaced by
    /// the enum's name once all are known.
    pub(super) fn add(
        &mut self,
        key: &str,
        owner_rust: &str,
        owner: Owner<'_>,
        values: &[(String, Docs)],
        docs: &Docs,
    ) -> String {
        let wire_values: Vec<String> = values.iter().map(|(v, _)| v.clone()).collect();
        let content = (key.to_owned(), wire_values);
        let index = match self.by_content.get(&content) {
            Some(&i) => i,
            None => {
                self.defs.push(PendingEnum {
                    key: key.to_owned(),
                    values: values.to_vec(),
                    owners: BTreeSet::new(),
                    docs: docs.clone(),
                });
                self.by_content.insert(content, self.defs.len() - 1);
                self.defs.len() - 1
            }
        };
        let rank = match owner {
            Owner::Action(_) => 0,
            Owner::Event(_) => 1,
            Owner::Response(_) => 2,
        };
        self.defs[index]
            .owners
            .insert((rank, owner_rust.to_owned()));
        provisional_id(index)
    }

    /// Names every enum (see [`naming::enum_names`]).
    pub(super) fn name_all(&self, taken: &mut UniqueNames) -> BTreeMap<String, String> {
        let wanted: Vec<(&str, &str)> = self
            .defs
            .iter()
            .map(|def| {
                let (_, owner) = def.owners.iter().next().expect("an enum has an owner");
                (def.key.as_str(), owner.as_str())
            })
            .collect();
        naming::enum_names(&wanted, taken)
            .into_iter()
            .enumerate()
            .map(|(i, name)| (provisional_id(i), name))
            .collect()
    }

    pub(super) fn into_defs(self, names: &BTreeMap<String, String>) -> Vec<EnumDef> {
        self.defs
            .into_iter()
            .enumerate()
            .map(|(i, def)| {
                let mut variants = UniqueNames::new();
                variants.reserve(naming::FALLBACK_VARIANT);
                EnumDef {
                    rust_name: names[&provisional_id(i)].clone(),
                    values: def
                        .values
                        .into_iter()
                        .map(|(wire, docs)| EnumValue {
                            rust_name: variants.claim(&naming::variant_name(&wire)),
                            wire_name: wire,
                            docs,
                        })
                        .collect(),
                    docs: def.docs,
                }
            })
            .collect()
    }
}

pub(super) fn provisional_id(index: usize) -> String {
    format!("\u{0}enum{index}")
}
