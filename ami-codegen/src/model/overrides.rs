//! The project's own facts about AMI, loaded from `spec/*.toml` and validated.
//!
//! | file | what it says |
//! |---|---|
//! | `types.toml` | field types the XML does not state: `[fields]` for every event and response field with that wire key, `[events.X]` / `[responses.X]` / `[actions.X]` for one type, `[multi]` for action parameters that may repeat |
//! | `lists.toml` | list actions: `[Action] items = [...]`, `complete = "..."` |
//! | `events.toml` | events Asterisk sends but does not document, and undocumented fields of documented events |
//! | `responses.toml` | typed fields of success responses: `[Action] fields = [...]` |
//!
//! [`lower`](super::lower) applies them; an entry that matches nothing in a
//! model is reported in [`SpecUsage`], and [`Spec::unmatched`] lists the
//! entries that matched nothing in any of several models (a stale override).

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

use serde::Deserialize;

use crate::model::{FieldType, RuntimeType};
use crate::Error;

/// File names inside the spec directory.
pub const TYPES_FILE: &str = "types.toml";
/// See [`TYPES_FILE`].
pub const LISTS_FILE: &str = "lists.toml";
/// See [`TYPES_FILE`].
pub const EVENTS_FILE: &str = "events.toml";
/// See [`TYPES_FILE`].
pub const RESPONSES_FILE: &str = "responses.toml";
/// See [`TYPES_FILE`].
pub const SNAPSHOTS_FILE: &str = "snapshots.toml";

/// All spec files, in the order they are read.
pub const FILES: &[&str] = &[
    TYPES_FILE,
    LISTS_FILE,
    EVENTS_FILE,
    RESPONSES_FILE,
    SNAPSHOTS_FILE,
];

/// The snapshot macros `snapshots.toml` may extend.
pub const SNAPSHOT_KINDS: &[&str] = &["channel", "bridge"];

/// A field type as written in `types.toml`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum TypeName {
    /// Text (also: do not treat an enumlist as an enum).
    String,
    /// A signed integer.
    Integer,
    /// A boolean in Asterisk's spelling.
    Boolean,
    /// A decimal number.
    Float,
    /// `name=value` lines of a repeated key, a map in wire order.
    Variables,
    /// An `AST_CAUSE_*` code (`HangupCause`).
    #[serde(rename = "hangup_cause")]
    HangupCause,
    /// The outcome of an `Originate` (`OriginateReason`).
    #[serde(rename = "originate_reason")]
    OriginateReason,
    /// An `AST_DEVICE_*` state (`DeviceState`).
    #[serde(rename = "device_state")]
    DeviceState,
    /// An `AST_STATE_*` channel state (`ChannelState`).
    #[serde(rename = "channel_state")]
    ChannelState,
    /// `HH:MM:SS`, a `Duration`.
    Hms,
    /// Integer seconds, a `Duration`.
    Seconds,
}

impl TypeName {
    /// The model type.
    pub fn to_field_type(self) -> FieldType {
        match self {
            TypeName::String => FieldType::String,
            TypeName::Integer => FieldType::Integer,
            TypeName::Boolean => FieldType::Boolean,
            TypeName::Float => FieldType::Float,
            TypeName::Variables => FieldType::Variables,
            TypeName::HangupCause => FieldType::Runtime(RuntimeType::HangupCause),
            TypeName::OriginateReason => FieldType::Runtime(RuntimeType::OriginateReason),
            TypeName::DeviceState => FieldType::Runtime(RuntimeType::DeviceState),
            TypeName::ChannelState => FieldType::Runtime(RuntimeType::ChannelState),
            TypeName::Hms => FieldType::Runtime(RuntimeType::Hms),
            TypeName::Seconds => FieldType::Runtime(RuntimeType::Seconds),
        }
    }
}

/// `types.toml`.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Types {
    /// Types of event and response fields by wire key (also applies to a
    /// prefixed snapshot field through its unprefixed name). Never applies
    /// to action parameters, nor to fields the XML gives an enumlist.
    #[serde(default)]
    pub fields: BTreeMap<String, TypeName>,
    /// Per-event types, winning over everything else.
    #[serde(default)]
    pub events: BTreeMap<String, BTreeMap<String, TypeName>>,
    /// Per-response types (keyed by action name).
    #[serde(default)]
    pub responses: BTreeMap<String, BTreeMap<String, TypeName>>,
    /// Per-action parameter types (the only way an action parameter gets a
    /// non-text type other than an enum).
    #[serde(default)]
    pub actions: BTreeMap<String, BTreeMap<String, TypeName>>,
    /// Action parameters whose key may repeat (`Variable` of `Originate`).
    #[serde(default)]
    pub multi: BTreeMap<String, Vec<String>>,
}

/// One entry of `lists.toml`.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ListEntry {
    /// Item events, in a stable order.
    pub items: Vec<String>,
    /// The completion event.
    pub complete: String,
    /// Where the mapping comes from (free text, for reviewers).
    #[serde(default)]
    pub source: Option<String>,
}

/// One entry of `events.toml`.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct EventEntry {
    /// Fields in wire order (for a documented event: the undocumented ones).
    /// May be empty for an event that carries nothing but `ActionID`.
    #[serde(default)]
    pub fields: Vec<String>,
    /// Privilege class (`call`, `agent`, …) if the event carries one.
    #[serde(default)]
    pub class: Option<String>,
    /// A one-line description in the project's own words.
    #[serde(default)]
    pub synopsis: Option<String>,
    /// Where the field list comes from (`transcript`, `asterisk source`).
    #[serde(default)]
    pub source: Option<String>,
    /// Add the event only to models that have this action (events of
    /// modules that later Asterisk versions dropped).
    #[serde(default)]
    pub requires_action: Option<String>,
}

/// One entry of `responses.toml`.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ResponseEntry {
    /// Fields in wire order (without `Response`, `ActionID`, `Message`).
    pub fields: Vec<String>,
    /// Where the field list comes from.
    #[serde(default)]
    pub source: Option<String>,
}

/// One entry of `snapshots.toml`: fields every expansion of a snapshot
/// macro carries on the wire that the docs' macro leaves out.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SnapshotEntry {
    /// Fields without prefix, in wire order; each expansion gets them with
    /// its prefix, after the macro's last field.
    pub fields: Vec<String>,
    /// Where the field list comes from.
    #[serde(default)]
    pub source: Option<String>,
}

/// The project's overrides, validated.
#[derive(Debug, Clone, Default)]
pub struct Spec {
    /// `types.toml`.
    pub types: Types,
    /// `lists.toml`, by action wire name.
    pub lists: BTreeMap<String, ListEntry>,
    /// `events.toml`, by event wire name.
    pub events: BTreeMap<String, EventEntry>,
    /// `responses.toml`, by action wire name.
    pub responses: BTreeMap<String, ResponseEntry>,
    /// `snapshots.toml`, by macro (`channel`, `bridge`).
    pub snapshots: BTreeMap<String, SnapshotEntry>,
}

impl Spec {
    /// No overrides at all (for fixtures).
    pub fn empty() -> Spec {
        Spec::default()
    }

    /// Reads and validates the spec files in `dir`. A missing file counts as
    /// empty; a file that does not parse or validate is an error naming it.
    pub fn load(dir: &Path) -> Result<Spec, Error> {
        let read = |name: &str| -> Result<Option<String>, Error> {
            let path = dir.join(name);
            match std::fs::read_to_string(&path) {
                Ok(text) => Ok(Some(text)),
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
                Err(error) => Err(Error::Io { path, error }),
            }
        };
        let mut spec = Spec::empty();
        if let Some(text) = read(TYPES_FILE)? {
            spec.types = parse(TYPES_FILE, &text)?;
        }
        if let Some(text) = read(LISTS_FILE)? {
            spec.lists = parse(LISTS_FILE, &text)?;
        }
        if let Some(text) = read(EVENTS_FILE)? {
            spec.events = parse(EVENTS_FILE, &text)?;
        }
        if let Some(text) = read(RESPONSES_FILE)? {
            spec.responses = parse(RESPONSES_FILE, &text)?;
        }
        if let Some(text) = read(SNAPSHOTS_FILE)? {
            spec.snapshots = parse(SNAPSHOTS_FILE, &text)?;
        }
        spec.validate()?;
        Ok(spec)
    }

    /// Parses spec files from strings (`(file name, contents)`), as
    /// [`Spec::load`] does from a directory; for tests.
    pub fn from_strs(files: &[(&str, &str)]) -> Result<Spec, Error> {
        let mut spec = Spec::empty();
        for (name, text) in files {
            match *name {
                TYPES_FILE => spec.types = parse(name, text)?,
                LISTS_FILE => spec.lists = parse(name, text)?,
                EVENTS_FILE => spec.events = parse(name, text)?,
                RESPONSES_FILE => spec.responses = parse(name, text)?,
                SNAPSHOTS_FILE => spec.snapshots = parse(name, text)?,
                other => {
                    return Err(Error::SpecParse {
                        file: other.to_owned(),
                        message: format!("unknown spec file; expected one of {FILES:?}"),
                    })
                }
            }
        }
        spec.validate()?;
        Ok(spec)
    }

    /// Checks names and shapes; the first problem is an error naming the file
    /// and entry.
    pub fn validate(&self) -> Result<(), Error> {
        let t = &self.types;
        for key in t.fields.keys() {
            check_key(TYPES_FILE, &format!("fields.{key}"), key)?;
        }
        for (section, map) in [
            ("events", &t.events),
            ("responses", &t.responses),
            ("actions", &t.actions),
        ] {
            for (owner, fields) in map {
                check_name(TYPES_FILE, &format!("{section}.{owner}"), owner)?;
                if fields.is_empty() {
                    return Err(spec_err(
                        TYPES_FILE,
                        &format!("{section}.{owner}"),
                        "no fields",
                    ));
                }
                for key in fields.keys() {
                    check_key(TYPES_FILE, &format!("{section}.{owner}.{key}"), key)?;
                }
            }
        }
        for (action, keys) in &t.multi {
            let entry = format!("multi.{action}");
            check_name(TYPES_FILE, &entry, action)?;
            check_list(TYPES_FILE, &entry, keys)?;
        }
        check_case_unique(LISTS_FILE, self.lists.keys())?;
        for (action, list) in &self.lists {
            check_name(LISTS_FILE, action, action)?;
            check_list(LISTS_FILE, action, &list.items)?;
            check_name(LISTS_FILE, action, &list.complete)?;
            if list
                .items
                .iter()
                .any(|i| i.eq_ignore_ascii_case(&list.complete))
            {
                return Err(spec_err(
                    LISTS_FILE,
                    action,
                    "the completion event is also an item",
                ));
            }
        }
        check_case_unique(EVENTS_FILE, self.events.keys())?;
        for (event, entry) in &self.events {
            check_name(EVENTS_FILE, event, event)?;
            if !entry.fields.is_empty() {
                check_list(EVENTS_FILE, event, &entry.fields)?;
            }
            if let Some(action) = &entry.requires_action {
                check_name(EVENTS_FILE, event, action)?;
            }
            if let Some(class) = &entry.class {
                if class.is_empty() || !class.chars().all(|c| c.is_ascii_lowercase()) {
                    return Err(spec_err(
                        EVENTS_FILE,
                        event,
                        &format!("class `{class}` must be a lowercase word such as `call`"),
                    ));
                }
            }
        }
        check_case_unique(RESPONSES_FILE, self.responses.keys())?;
        for (action, entry) in &self.responses {
            check_name(RESPONSES_FILE, action, action)?;
            check_list(RESPONSES_FILE, action, &entry.fields)?;
            for reserved in ["Response", "ActionID", "Message", "EventList"] {
                if entry
                    .fields
                    .iter()
                    .any(|f| f.eq_ignore_ascii_case(reserved))
                {
                    return Err(spec_err(
                        RESPONSES_FILE,
                        action,
                        &format!("`{reserved}` is part of every response, not a typed field"),
                    ));
                }
            }
        }
        for (kind, entry) in &self.snapshots {
            if !SNAPSHOT_KINDS.contains(&kind.as_str()) {
                return Err(spec_err(
                    SNAPSHOTS_FILE,
                    kind,
                    &format!("unknown snapshot; expected one of {SNAPSHOT_KINDS:?}"),
                ));
            }
            check_list(SNAPSHOTS_FILE, kind, &entry.fields)?;
        }
        Ok(())
    }

    /// Every entry of this spec, as `file: entry` strings (the keys used in
    /// [`SpecUsage`]).
    pub fn entries(&self) -> BTreeSet<String> {
        let mut out = BTreeSet::new();
        let t = &self.types;
        for key in t.fields.keys() {
            out.insert(entry_id(TYPES_FILE, &format!("fields.{key}")));
        }
        for (section, map) in [
            ("events", &t.events),
            ("responses", &t.responses),
            ("actions", &t.actions),
        ] {
            for (owner, fields) in map {
                for key in fields.keys() {
                    out.insert(entry_id(TYPES_FILE, &format!("{section}.{owner}.{key}")));
                }
            }
        }
        for (action, keys) in &t.multi {
            for key in keys {
                out.insert(entry_id(TYPES_FILE, &format!("multi.{action}.{key}")));
            }
        }
        for action in self.lists.keys() {
            out.insert(entry_id(LISTS_FILE, action));
        }
        for event in self.events.keys() {
            out.insert(entry_id(EVENTS_FILE, event));
        }
        for action in self.responses.keys() {
            out.insert(entry_id(RESPONSES_FILE, action));
        }
        for kind in self.snapshots.keys() {
            out.insert(entry_id(SNAPSHOTS_FILE, kind));
        }
        out
    }

    /// The entries that matched nothing in every one of `usages` (one per
    /// documentation version): stale overrides.
    pub fn unmatched(&self, usages: &[SpecUsage]) -> Vec<String> {
        let mut matched = BTreeSet::new();
        for usage in usages {
            matched.extend(usage.matched.iter().cloned());
        }
        self.entries()
            .into_iter()
            .filter(|e| !matched.contains(e))
            .collect()
    }
}

/// Which spec entries one lowering used.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SpecUsage {
    /// Entries (`file: entry`) that changed the model.
    pub matched: BTreeSet<String>,
}

impl SpecUsage {
    /// Records that an entry changed the model.
    pub fn hit(&mut self, file: &str, entry: &str) {
        self.matched.insert(entry_id(file, entry));
    }

    /// The entries of `spec` that changed nothing in this model.
    pub fn unmatched(&self, spec: &Spec) -> Vec<String> {
        spec.unmatched(std::slice::from_ref(self))
    }
}

/// The identifier of a spec entry, as reported: `lists.toml: QueueStatus`.
pub fn entry_id(file: &str, entry: &str) -> String {
    format!("{file}: {entry}")
}

fn parse<T: serde::de::DeserializeOwned>(file: &str, text: &str) -> Result<T, Error> {
    toml::from_str(text).map_err(|e| Error::SpecParse {
        file: file.to_owned(),
        message: e.to_string(),
    })
}

pub(crate) fn spec_err(file: &str, entry: &str, message: &str) -> Error {
    Error::Spec {
        file: file.to_owned(),
        entry: entry.to_owned(),
        message: message.to_owned(),
    }
}

/// An AMI key: printable ASCII without `:`, no surrounding spaces.
fn check_key(file: &str, entry: &str, key: &str) -> Result<(), Error> {
    let ok = !key.is_empty()
        && key.trim() == key
        && key.chars().all(|c| c.is_ascii_graphic() || c == ' ')
        && !key.contains(':');
    if ok {
        Ok(())
    } else {
        Err(spec_err(
            file,
            entry,
            &format!("`{key}` is not a valid AMI key"),
        ))
    }
}

/// An action or event name: letters, digits, `-`, `_`.
fn check_name(file: &str, entry: &str, name: &str) -> Result<(), Error> {
    let ok = !name.is_empty()
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_');
    if ok {
        Ok(())
    } else {
        Err(spec_err(
            file,
            entry,
            &format!("`{name}` is not a valid action or event name"),
        ))
    }
}

fn check_list(file: &str, entry: &str, items: &[String]) -> Result<(), Error> {
    if items.is_empty() {
        return Err(spec_err(file, entry, "empty list"));
    }
    let mut seen = BTreeSet::new();
    for item in items {
        check_key(file, entry, item)?;
        if !seen.insert(item.to_ascii_lowercase()) {
            return Err(spec_err(file, entry, &format!("`{item}` is listed twice")));
        }
    }
    Ok(())
}

fn check_case_unique<'a>(file: &str, keys: impl Iterator<Item = &'a String>) -> Result<(), Error> {
    let mut seen = BTreeMap::new();
    for key in keys {
        if let Some(prev) = seen.insert(key.to_ascii_lowercase(), key) {
            return Err(spec_err(
                file,
                key,
                &format!("same name as `{prev}` (names are case-insensitive on the wire)"),
            ));
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_every_file_kind() {
        let spec = Spec::from_strs(&[
            (
                TYPES_FILE,
                "[fields]\nChannelState = \"integer\"\n[events.Cdr]\nDuration = \"integer\"\n[multi]\nOriginate = [\"Variable\"]\n",
            ),
            (LISTS_FILE, "[QueueStatus]\nitems = [\"QueueParams\"]\ncomplete = \"QueueStatusComplete\"\n"),
            (EVENTS_FILE, "[QueueMember]\nfields = [\"Queue\", \"Name\"]\n"),
            (RESPONSES_FILE, "[Ping]\nfields = [\"Ping\", \"Timestamp\"]\n"),
        ])
        .unwrap();
        assert_eq!(spec.types.fields["ChannelState"], TypeName::Integer);
        assert_eq!(spec.lists["QueueStatus"].complete, "QueueStatusComplete");
        assert_eq!(spec.entries().len(), 6);
    }

    #[test]
    fn rejects_bad_entries_naming_file_and_entry() {
        let err =
            Spec::from_strs(&[(TYPES_FILE, "[fields]\nChannelState = \"int\"\n")]).unwrap_err();
        assert!(err.to_string().contains("types.toml"), "{err}");

        let err = Spec::from_strs(&[(
            EVENTS_FILE,
            "[QueueMember]\nfields = [\"Queue\", \"queue\"]\n",
        )])
        .unwrap_err();
        let text = err.to_string();
        assert!(
            text.contains("events.toml") && text.contains("QueueMember"),
            "{text}"
        );

        let err =
            Spec::from_strs(&[(RESPONSES_FILE, "[Ping]\nfields = [\"ActionID\"]\n")]).unwrap_err();
        assert!(err.is_spec());

        let err =
            Spec::from_strs(&[(LISTS_FILE, "[X]\nitems = []\ncomplete = \"Y\"\n")]).unwrap_err();
        assert!(err.to_string().contains("empty list"));

        let err = Spec::from_strs(&[(
            EVENTS_FILE,
            "[A]\nfields = [\"B\"]\n[a]\nfields = [\"C\"]\n",
        )])
        .unwrap_err();
        assert!(err.to_string().contains("case-insensitive"));

        let err = Spec::from_strs(&[(EVENTS_FILE, "[A]\nfields = [\"Bad:Key\"]\n")]).unwrap_err();
        assert!(err.to_string().contains("Bad:Key"));
    }
}
