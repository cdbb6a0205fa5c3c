//! What ships inside this crate, so that a build needs nothing from outside:
//! the project's overrides (`spec/`) and a fact-only model of every
//! supported Asterisk version (`models/<version>.json`, see
//! [`model::facts`](crate::model::facts)).
//!
//! The models are regenerated from Asterisk's XML with
//! `ami-codegen --spec <version>/core-en_US.xml --emit-model models/<version>.json`;
//! `ami-codegen/tests/bundled_models.rs` fails when one is stale.

use crate::model::Model;
use crate::{Error, Spec};

/// The project's spec files as `(file name, contents)`, as compiled in.
pub const SPEC_FILES: &[(&str, &str)] = &[
    ("types.toml", include_str!("../spec/types.toml")),
    ("lists.toml", include_str!("../spec/lists.toml")),
    ("events.toml", include_str!("../spec/events.toml")),
    ("responses.toml", include_str!("../spec/responses.toml")),
    ("snapshots.toml", include_str!("../spec/snapshots.toml")),
];

/// The bundled models as `(version, fact file)`, oldest first.
const MODELS: &[(&str, &str)] = &[
    ("18.26.4", include_str!("../models/18.26.4.json")),
    ("20.20.1", include_str!("../models/20.20.1.json")),
    ("21.12.3", include_str!("../models/21.12.3.json")),
    ("22.10.1", include_str!("../models/22.10.1.json")),
    ("23.4.1", include_str!("../models/23.4.1.json")),
];

/// The model `ami-types` is generated from when no documentation and no
/// version is given: the newest release of the long-term-support branch
/// 22.
pub const DEFAULT: &str = "22.10.1";

/// The newest Asterisk release with a bundled model.
pub const NEWEST: &str = "23.4.1";

/// Every version with a bundled model, oldest first.
pub fn versions() -> impl Iterator<Item = &'static str> {
    MODELS.iter().map(|(version, _)| *version)
}

/// The project's overrides, as compiled in.
pub fn spec() -> Result<Spec, Error> {
    Spec::from_strs(SPEC_FILES)
}

/// The bundled fact model of `version`, or `None` when none is bundled.
pub fn model(version: &str) -> Option<Result<Model, crate::model::facts::FactsError>> {
    MODELS
        .iter()
        .find(|(v, _)| *v == version)
        .map(|(v, text)| Model::from_json(text, &format!("{v}.json (bundled)")))
}

#[cfg(test)]
mod tests {
    #[test]
    fn every_bundled_model_reads_and_names_its_version() {
        for version in super::versions() {
            let model = super::model(version).unwrap().unwrap();
            assert_eq!(model.source, version);
            assert!(model.actions.len() > 100 && model.events.len() > 100);
        }
        assert_eq!(super::versions().last(), Some(super::NEWEST));
        assert!(super::versions().any(|v| v == super::DEFAULT));
        assert!(super::model("1.0.0").is_none());
    }

    #[test]
    fn the_bundled_spec_validates() {
        let spec = super::spec().unwrap();
        assert!(!spec.entries().is_empty());
    }
}
