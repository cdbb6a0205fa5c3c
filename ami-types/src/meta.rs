//! What the crate was generated from, as data: every action with its
//! parameters and every event with its fields, for tools that work by name
//! (the `ami` command line checks `Key=Value` arguments against it).
//!
//! ```
//! use ami_types::meta;
//!
//! let ping = meta::action("ping").unwrap();
//! assert_eq!(ping.name, "Ping");
//! assert!(meta::event("newexten").is_some());
//! ```

/// An action: its wire name, synopsis and parameters.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ActionMeta {
    /// The wire name, e.g. `Originate`.
    pub name: &'static str,
    /// The one-line synopsis (empty if undocumented).
    pub synopsis: &'static str,
    /// The parameters in documentation order, `ActionID` left out; an indexed
    /// group contributes one entry per member.
    pub params: &'static [ParamMeta],
    /// The event list the action answers with, if any.
    pub list: Option<ListMeta>,
    /// The Asterisk releases that document it, as ranges per branch
    /// (`20.6.0..=20.20.1 22.0.0..=22.10.1`; empty when the version matrix
    /// does not know it). See [`in_release`].
    pub releases: &'static str,
}

impl ActionMeta {
    /// The parameter a wire key belongs to (ignoring case; `Action-000003`
    /// belongs to the indexed `Action`).
    pub fn param(&self, key: &str) -> Option<&'static ParamMeta> {
        self.params.iter().find(|p| p.matches(key))
    }

    /// The parameters that must be given.
    pub fn required(&self) -> impl Iterator<Item = &'static ParamMeta> {
        self.params.iter().filter(|p| p.required)
    }
}

/// One parameter of an action.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ParamMeta {
    /// The wire key; for a member of an indexed group, the base (`Action`
    /// for `Action-000000`, `UnitAmount` for `UnitAmount(0)`).
    pub name: &'static str,
    /// Whether the action cannot be sent without it.
    pub required: bool,
    /// The documented default, if any.
    pub default: Option<&'static str>,
    /// The type of its value.
    pub ty: ValueType,
    /// Whether it is given once, may repeat, or is numbered.
    pub kind: ParamKind,
    /// The documented values, for an enumerated parameter.
    pub values: &'static [&'static str],
    /// The Asterisk releases that document it (see
    /// [`ActionMeta::releases`]).
    pub releases: &'static str,
}

impl ParamMeta {
    /// Whether `key` is this parameter's wire key (ignoring case), or for an
    /// indexed member, its base with an index in the right style.
    pub fn matches(&self, key: &str) -> bool {
        match self.kind {
            ParamKind::Single | ParamKind::Repeated => key.eq_ignore_ascii_case(self.name),
            ParamKind::Indexed(style) => {
                let Some(head) = key.get(..self.name.len()) else {
                    return false;
                };
                if !head.eq_ignore_ascii_case(self.name) {
                    return false;
                }
                let rest = &key[self.name.len()..];
                match style {
                    IndexStyle::Dash6 => rest
                        .strip_prefix('-')
                        .is_some_and(|d| d.len() == 6 && d.bytes().all(|b| b.is_ascii_digit())),
                    IndexStyle::Paren => rest
                        .strip_prefix('(')
                        .and_then(|r| r.strip_suffix(')'))
                        .is_some_and(|d| !d.is_empty() && d.bytes().all(|b| b.is_ascii_digit())),
                }
            }
        }
    }
}

/// How often a parameter is given.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ParamKind {
    /// At most once.
    Single,
    /// Any number of times with the same key (`Variable`).
    Repeated,
    /// Once per entry of an indexed group, the key numbered.
    Indexed(IndexStyle),
}

/// How an indexed group numbers its keys.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum IndexStyle {
    /// `Base-000000`, `Base-000001`, …
    Dash6,
    /// `Base(0)`, `Base(1)`, …
    Paren,
}

/// The type of a parameter or field value.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ValueType {
    /// Text.
    String,
    /// A signed integer.
    Integer,
    /// A boolean.
    Boolean,
    /// A decimal number.
    Float,
    /// One of the documented `values` (others are kept too).
    Enum,
    /// `name=value` lines of a repeated key (`ChanVariable`), read as
    /// [`Variables`](crate::Variables).
    Variables,
}

/// The event list of a list action.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ListMeta {
    /// Wire names of the item events.
    pub items: &'static [&'static str],
    /// Wire name of the completion event.
    pub complete: &'static str,
}

/// An event: its wire name, synopsis and fields.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct EventMeta {
    /// The wire name as documented, e.g. `NewExten`.
    pub name: &'static str,
    /// The one-line synopsis (empty if undocumented).
    pub synopsis: &'static str,
    /// Privilege classes, e.g. `call`.
    pub classes: &'static [&'static str],
    /// Whether the event comes from this project's `spec/`, not the XML.
    pub undocumented: bool,
    /// The fields in documentation order.
    pub fields: &'static [FieldMeta],
    /// The Asterisk releases that document it (see
    /// [`ActionMeta::releases`]).
    pub releases: &'static str,
}

impl EventMeta {
    /// The field with this wire key (ignoring case).
    pub fn field(&self, key: &str) -> Option<&'static FieldMeta> {
        self.fields
            .iter()
            .find(|f| f.name.eq_ignore_ascii_case(key))
    }
}

/// One field of an event.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FieldMeta {
    /// The wire key.
    pub name: &'static str,
    /// The type of its value.
    pub ty: ValueType,
    /// Whether the key may repeat.
    pub multi: bool,
    /// The documented values, for an enumerated field.
    pub values: &'static [&'static str],
    /// The Asterisk releases that document it (see
    /// [`ActionMeta::releases`]).
    pub releases: &'static str,
}

include!(concat!(env!("OUT_DIR"), "/meta.rs"));

/// Whether an item with these `releases` (an `ActionMeta::releases` and
/// the like) is in Asterisk `version` (`20.5.2`; a release candidate counts
/// as its release): `Some(true)` or `Some(false)` by the version matrix,
/// `None` when it cannot tell (the item is not in the matrix, or the
/// version's branch is not: see [`MATRIX_RELEASES`]). A release newer than
/// the newest of its branch in the matrix is taken to have what that one
/// has.
///
/// ```
/// use ami_types::meta::in_release;
/// let r = "20.6.0..=20.20.1 22.0.0..=22.10.1";
/// assert_eq!(in_release(r, "20.5.2"), Some(false));
/// assert_eq!(in_release(r, "20.6.0"), Some(true));
/// assert_eq!(in_release(r, "22.11.0"), Some(true));
/// assert_eq!(in_release("", "20.6.0"), None);
/// ```
pub fn in_release(releases: &str, version: &str) -> Option<bool> {
    let v = parse_release(version)?;
    if releases.is_empty() {
        return None;
    }
    // The newest release of the version's branch that the matrix knows;
    // a branch it does not cover has no ranges to tell by.
    let newest_known = MATRIX_RELEASES
        .split_whitespace()
        .filter_map(range)
        .find(|(a, _)| a[0] == v[0])
        .map(|(_, b)| b)?;
    let v = v.min(newest_known);
    Some(
        releases
            .split_whitespace()
            .filter_map(range)
            .any(|(a, b)| a <= v && v <= b),
    )
}

/// Checks that Asterisk `version` has the action `msg` names and every
/// parameter it sets, by the version matrix: [`Error::Unsupported`] names
/// the first thing missing and the releases that have it. An action, a
/// parameter or a version the matrix cannot tell about passes. The typed
/// client runs this before a typed send (see
/// [`ClientBuilder::check_releases`](crate::ClientBuilder::check_releases));
/// tools that send by name (the `ami` command line, the bridge) call it
/// themselves.
///
/// ```
/// use ami_types::{meta, Error, Message};
///
/// let mut hangup = Message::action("PJSIPHangup");
/// hangup.append("Channel", "PJSIP/100-00000001");
/// let err = meta::check_release(&hangup, "20.5.2").unwrap_err();
/// let Error::Unsupported { what, needs, .. } = &err else { panic!("{err}") };
/// assert_eq!(what, "PJSIPHangup");
/// assert!(needs.contains("20.6+"), "{needs}");
/// assert!(meta::check_release(&hangup, "20.6.0").is_ok());
/// ```
///
/// [`Error::Unsupported`]: crate::Error::Unsupported
pub fn check_release(msg: &crate::Message, version: &str) -> crate::Result<()> {
    let Some(a) = msg.get_str("Action").and_then(action) else {
        return Ok(());
    };
    require_release(a.name, a.releases, version)?;
    for (key, _) in msg.iter() {
        let Some(p) = a.param(&key) else {
            continue;
        };
        if p.releases != a.releases {
            require_release(
                &format!("{} parameter {}", a.name, p.name),
                p.releases,
                version,
            )?;
        }
    }
    Ok(())
}

/// [`Error::Unsupported`](crate::Error::Unsupported) when Asterisk
/// `version` lacks `what` (an action, `Originate parameter PreDialGoSub`),
/// which the releases `releases` (as [`in_release`] reads them) have. What
/// the generated actions' `check_release` calls.
pub fn require_release(what: &str, releases: &str, version: &str) -> crate::Result<()> {
    match in_release(releases, version) {
        Some(false) => Err(crate::Error::Unsupported {
            what: what.to_owned(),
            have: version.to_owned(),
            needs: needs(releases),
        }),
        Some(true) | None => Ok(()),
    }
}

/// Ranges as people read them: `20.6+` for a range that runs to the newest
/// release of its branch in the matrix, `18.0–18.26` for one that ends
/// before it, joined with commas and a last `or`.
///
/// ```
/// # use ami_types::meta::needs;
/// let newest = ami_types::meta::MATRIX_RELEASES;
/// assert!(newest.contains("20.0.0..=20.20.1"));
/// assert_eq!(needs("20.6.0..=20.20.1 22.0.0..=22.3.0"), "20.6+ or 22.0–22.3");
/// ```
pub fn needs(releases: &str) -> String {
    let newest: Vec<Vec<u64>> = MATRIX_RELEASES
        .split_whitespace()
        .filter_map(range)
        .map(|(_, b)| b)
        .collect();
    let short = |v: &[u64]| match v {
        [major, minor, ..] => format!("{major}.{minor}"),
        _ => String::new(),
    };
    let parts: Vec<String> = releases
        .split_whitespace()
        .filter_map(range)
        .map(|(a, b)| {
            if newest.contains(&b) {
                format!("{}+", short(&a))
            } else if a == b {
                a.iter().map(u64::to_string).collect::<Vec<_>>().join(".")
            } else {
                format!("{}–{}", short(&a), short(&b))
            }
        })
        .collect();
    match parts.split_last() {
        None => String::from("no known release"),
        Some((last, [])) => last.clone(),
        Some((last, rest)) => format!("{} or {last}", rest.join(", ")),
    }
}

/// Whether `s` names an Asterisk release (`20.5.2`, `23.5.0-rc1`) as
/// [`in_release`] reads one.
pub fn is_release(s: &str) -> bool {
    parse_release(s).is_some()
}

/// `20.6.0..=20.20.1` (or one release) as two releases.
fn range(r: &str) -> Option<(Vec<u64>, Vec<u64>)> {
    let (a, b) = r.split_once("..=").unwrap_or((r, r));
    Some((parse_release(a)?, parse_release(b)?))
}

/// `20.5.2` (or `23.5.0-rc1`, as its release) as numbers.
fn parse_release(s: &str) -> Option<Vec<u64>> {
    let s = s.split_once("-rc").map_or(s, |(base, _)| base);
    let parts: Vec<u64> = s
        .trim()
        .split('.')
        .map(|p| p.parse().ok())
        .collect::<Option<_>>()?;
    (parts.len() >= 2).then_some(parts)
}

/// The action with this wire name, ignoring case.
pub fn action(name: &str) -> Option<&'static ActionMeta> {
    ACTIONS.iter().find(|a| a.name.eq_ignore_ascii_case(name))
}

/// The event with this wire name, ignoring case.
pub fn event(name: &str) -> Option<&'static EventMeta> {
    EVENTS.iter().find(|e| e.name.eq_ignore_ascii_case(name))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn indexed_keys_match_their_base() {
        let dash = ParamMeta {
            name: "Action",
            required: false,
            default: None,
            ty: ValueType::String,
            kind: ParamKind::Indexed(IndexStyle::Dash6),
            values: &[],
            releases: "",
        };
        assert!(dash.matches("Action-000000"));
        assert!(dash.matches("action-000123"));
        assert!(!dash.matches("Action"));
        assert!(!dash.matches("Action-0001"));
        assert!(!dash.matches("Action(0)"));
        let paren = ParamMeta {
            kind: ParamKind::Indexed(IndexStyle::Paren),
            name: "UnitAmount",
            ..dash
        };
        assert!(paren.matches("UnitAmount(0)"));
        assert!(paren.matches("UnitAmount(12)"));
        assert!(!paren.matches("UnitAmount()"));
        assert!(!paren.matches("UnitAmount-000000"));
        let single = ParamMeta {
            kind: ParamKind::Single,
            name: "Channel",
            ..dash
        };
        assert!(single.matches("CHANNEL"));
        assert!(!single.matches("Channels"));
    }
}
