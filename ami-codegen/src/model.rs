//! Stage 2: the intermediate model (IR) the emitter works from.
//!
//! The model never sees XML. It holds every name twice — the exact wire name
//! and the Rust name — and is fully sorted, so emission is deterministic.
//! Tests can build a model by hand.
//!
//! Stage 1 (`xml`) reads the document; `model::lower` turns it into this IR and
//! applies the project's overrides from `spec/`.

pub mod facts;
pub mod lower;
pub mod naming;
pub mod overrides;
pub mod union;

use serde::{Deserialize, Serialize};

/// Everything generated for one Asterisk documentation file.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Model {
    /// Where the documentation came from (a version string or a file name),
    /// for the generated header. Never a timestamp.
    pub source: String,
    /// Every action, sorted by wire name.
    pub actions: Vec<ActionDef>,
    /// Every event, sorted by wire name.
    pub events: Vec<EventDef>,
    /// Value enums shared by parameters and fields, sorted by Rust name.
    pub enums: Vec<EnumDef>,
}

/// Documentation taken from the XML, as plain text (no markup).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct Docs {
    /// One-line synopsis.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub synopsis: Option<String>,
    /// Description paragraphs, in order. A paragraph `- name: text` (or
    /// `- name`) is an item of a value list; consecutive items are one list.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub description: Vec<String>,
    /// The `<example>` blocks of the description, line by line as written.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub examples: Vec<String>,
    /// Versions the item appeared in (`<since><version>`).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub since: Vec<String>,
    /// The module that documents it (`module` attribute / `<module>`), if known.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub module: Option<String>,
}

/// A manager action (`<manager name="…">`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ActionDef {
    /// Exact wire name, e.g. `PJSIPShowEndpoints`.
    pub wire_name: String,
    /// Rust type name; keeps Asterisk's spelling where it is a valid identifier.
    pub rust_name: String,
    /// Parameters in documentation order, without `ActionID` (the client sets it).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub params: Vec<Param>,
    /// Documentation.
    #[serde(default, skip_serializing_if = "Docs::is_empty")]
    pub docs: Docs,
    /// Set when the action answers with an event list.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub list: Option<ListDef>,
    /// Typed fields of the success response, where `spec/` knows them;
    /// `None` means the generic response.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub response: Option<ResponseDef>,
}

/// One parameter of an action, or an indexed group of them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Param {
    /// A single `Key: Value` parameter.
    Single(FieldDef),
    /// A repeated, numbered group such as `Action-000000`/`Cat-000000` of
    /// `UpdateConfig` or `UnitAmount(0)`/`UnitType(0)` of `AOCMessage`.
    Group(GroupDef),
}

/// A field of an event or response, or a single parameter of an action.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FieldDef {
    /// Exact wire key, e.g. `Cause-txt`.
    pub wire_name: String,
    /// snake_case Rust name, sanitised (`r#type` is avoided: `type_`).
    pub rust_name: String,
    /// Value type.
    #[serde(default, skip_serializing_if = "FieldType::is_string")]
    pub ty: FieldType,
    /// Whether the action cannot be sent without it (actions only).
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub required: bool,
    /// Documented default value, if any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub default: Option<String>,
    /// Whether the key may repeat (`Variable`, `ChanVariable`): a `Vec`.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub multi: bool,
    /// When a snapshot macro produced the field: the snapshot's prefix
    /// (`Dest` for `DestChannel`, empty for `Channel`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub snapshot: Option<String>,
    /// Documentation.
    #[serde(default, skip_serializing_if = "Docs::is_empty")]
    pub docs: Docs,
    /// What the secret rule says of the field, recorded by
    /// [`Model::record_secrecy`] (derived from names, so never written to a
    /// fact file).
    #[serde(skip)]
    pub secrecy: Secrecy,
}

/// What the one secret rule (`ami_wire::secret`) says of a field's values,
/// as the model records it; the emitter only reads it (for `Debug`).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum Secrecy {
    /// Nothing secret.
    #[default]
    Plain,
    /// Secret by its key (`Secret`, `…Password…`, `Login`'s `Key`): never
    /// shown.
    Secret,
    /// Values may be assignments `NAME=value` (`Variable`, `ChanVariable`,
    /// `Line-…`) whose value part is secret when `NAME` is a secret name.
    Assignments,
    /// A `Value` whose secrecy is that of the variable its message's
    /// `Variable` (or `Var-…`) names.
    ValueOfVariable,
}

impl Secrecy {
    /// The rule's verdict on field `key` of `owner` (an action or event
    /// wire name).
    pub fn of(owner: &str, key: &str) -> Secrecy {
        use ami_wire::secret;
        if secret::is_secret_key(owner.as_bytes(), key.as_bytes()) {
            Secrecy::Secret
        } else if secret::holds_assignments(key.as_bytes()) {
            Secrecy::Assignments
        } else if secret::value_names_key(key.as_bytes()).is_some() {
            Secrecy::ValueOfVariable
        } else {
            Secrecy::Plain
        }
    }
}

impl Model {
    /// Records on every parameter and field what the secret rule says of
    /// it ([`FieldDef::secrecy`]). Every way of making a model (from XML,
    /// from a fact file, a union) ends with it.
    pub fn record_secrecy(&mut self) {
        let mark = |owner: &str, f: &mut FieldDef| f.secrecy = Secrecy::of(owner, &f.wire_name);
        for a in &mut self.actions {
            for p in &mut a.params {
                match p {
                    Param::Single(f) => mark(&a.wire_name, f),
                    Param::Group(g) => g.members.iter_mut().for_each(|f| mark(&a.wire_name, f)),
                }
            }
            if let Some(r) = &mut a.response {
                r.fields.iter_mut().for_each(|f| mark(&a.wire_name, f));
            }
        }
        for e in &mut self.events {
            e.fields.iter_mut().for_each(|f| mark(&e.wire_name, f));
        }
    }
}

/// The type of a field's value.
#[derive(Debug, Clone, Default, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum FieldType {
    /// Text, kept as bytes.
    #[default]
    String,
    /// A signed integer (`ChannelState`, `Priority`, `Cause`, `ListItems`).
    Integer,
    /// A boolean in Asterisk's spelling (`true`/`yes`/`1`/`on`).
    Boolean,
    /// A decimal number (`Timestamp`).
    Float,
    /// One of a closed set of values: the Rust name of an [`EnumDef`].
    Enum(String),
    /// `name=value` lines of a repeated key (`ChanVariable`): a map in wire
    /// order. Always [`multi`](FieldDef::multi).
    Variables,
    /// A value type the runtime defines, for values Asterisk takes from a
    /// fixed set it does not document as one (hangup causes, device states)
    /// or that are durations.
    Runtime(RuntimeType),
}

/// The value types the runtime (`ami_types::runtime`) defines, each read
/// from the wire by a function of its own.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RuntimeType {
    /// An integer `AST_CAUSE_*` code: `HangupCause`.
    HangupCause,
    /// The integer outcome of an `Originate`: `OriginateReason`.
    OriginateReason,
    /// An integer `AST_DEVICE_*` state: `DeviceState`.
    DeviceState,
    /// An integer `AST_STATE_*` channel state: `ChannelState`.
    ChannelState,
    /// `HH:MM:SS`: a `std::time::Duration`.
    Hms,
    /// An integer number of seconds: a `std::time::Duration`.
    Seconds,
}

impl RuntimeType {
    /// The type's name in the runtime (for the value types), or `None` for
    /// the durations (`std::time::Duration`).
    pub fn runtime_name(self) -> Option<&'static str> {
        match self {
            RuntimeType::HangupCause => Some("HangupCause"),
            RuntimeType::OriginateReason => Some("OriginateReason"),
            RuntimeType::DeviceState => Some("DeviceState"),
            RuntimeType::ChannelState => Some("ChannelState"),
            RuntimeType::Hms | RuntimeType::Seconds => None,
        }
    }
}

/// A value enum: documented values plus a fallback that keeps any other value.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct EnumDef {
    /// Rust type name, e.g. `ChannelStateDesc`.
    pub rust_name: String,
    /// Documented values in documentation order.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub values: Vec<EnumValue>,
    /// Documentation.
    #[serde(default, skip_serializing_if = "Docs::is_empty")]
    pub docs: Docs,
}

/// One documented value of an [`EnumDef`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct EnumValue {
    /// Exact wire spelling, e.g. `Dialing Offhook`.
    pub wire_name: String,
    /// UpperCamelCase variant name, e.g. `DialingOffhook`.
    pub rust_name: String,
    /// Documentation.
    #[serde(default, skip_serializing_if = "Docs::is_empty")]
    pub docs: Docs,
}

/// A repeated, numbered group of parameters.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct GroupDef {
    /// Rust name of the field holding the entries, e.g. `actions`.
    pub rust_name: String,
    /// Rust name of the generated entry struct, e.g. `UpdateConfigAction`.
    pub entry_name: String,
    /// How the index is written on the wire.
    pub index: IndexStyle,
    /// The members of one entry; their `wire_name` is the base (`Action`,
    /// `UnitAmount`) to which the index is appended.
    pub members: Vec<FieldDef>,
    /// Documentation.
    #[serde(default, skip_serializing_if = "Docs::is_empty")]
    pub docs: Docs,
}

/// How an indexed group numbers its keys.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum IndexStyle {
    /// `Base-000000`, `Base-000001`, … (six digits, from 0).
    Dash6,
    /// `Base(0)`, `Base(1)`, … (from 0).
    Paren,
}

/// The event list an action answers with.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ListDef {
    /// Wire names of the item events, in a stable order (one or more).
    pub items: Vec<String>,
    /// Wire name of the completion event.
    pub complete: String,
}

/// Typed fields of an action's success response.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ResponseDef {
    /// Rust type name, e.g. `PingResponse`.
    pub rust_name: String,
    /// Fields in wire order.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub fields: Vec<FieldDef>,
}

/// A manager event (`<managerEvent name="…">`), all instances merged.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct EventDef {
    /// Exact wire name as documented (matched case-insensitively on the wire).
    pub wire_name: String,
    /// Rust type name (and `Event` variant name).
    pub rust_name: String,
    /// Fields in documentation order, merged over all instances and
    /// modules, with snapshot macros expanded.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub fields: Vec<FieldDef>,
    /// Privilege classes (`EVENT_FLAG_CALL` → `call`), sorted.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub classes: Vec<String>,
    /// Documentation.
    #[serde(default, skip_serializing_if = "Docs::is_empty")]
    pub docs: Docs,
    /// Whether the event comes from `spec/` rather than the XML.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub undocumented: bool,
}

impl Docs {
    /// Whether nothing is documented.
    pub fn is_empty(&self) -> bool {
        self == &Docs::default()
    }
}

impl FieldType {
    /// Whether this is [`FieldType::String`], the default.
    pub fn is_string(&self) -> bool {
        self == &FieldType::String
    }
}

#[cfg(test)]
mod tests {
    use super::{Param, Secrecy};

    #[test]
    fn every_model_records_what_the_secret_rule_says() {
        assert_eq!(Secrecy::of("Login", "Key"), Secrecy::Secret);
        assert_eq!(Secrecy::of("Challenge", "Key"), Secrecy::Plain);
        assert_eq!(Secrecy::of("Originate", "Variable"), Secrecy::Assignments);
        assert_eq!(
            Secrecy::of("UpdateConfig", "Value"),
            Secrecy::ValueOfVariable
        );
        assert_eq!(Secrecy::of("Hangup", "Cause"), Secrecy::Plain);

        // A fact file carries no secrecy; reading it records it.
        let model = crate::bundled::model("22.10.1").unwrap().unwrap();
        let login = model
            .actions
            .iter()
            .find(|a| a.wire_name == "Login")
            .unwrap();
        let secrecy = |key: &str| {
            login.params.iter().find_map(|p| match p {
                Param::Single(f) if f.wire_name == key => Some(f.secrecy),
                _ => None,
            })
        };
        assert_eq!(secrecy("Secret"), Some(Secrecy::Secret));
        assert_eq!(secrecy("Username"), Some(Secrecy::Plain));
        let union = super::Model::union(&[model.clone(), model]).unwrap();
        let setvar = union
            .actions
            .iter()
            .find(|a| a.wire_name == "Setvar")
            .unwrap();
        assert!(setvar.params.iter().any(
            |p| matches!(p, Param::Single(f) if f.wire_name == "Value" && f.secrecy == Secrecy::ValueOfVariable)
        ));
    }
}
