//! Every Rust name the generator uses is decided here, and only here.
//!
//! - Type names keep Asterisk's spelling when it is already a valid
//!   UpperCamelCase identifier (`Originate`, `CoreShowChannels`,
//!   `PJSIPShowEndpoints`); otherwise they are converted with heck
//!   (`AOC-S` → `AocS`).
//! - Field names are heck snake_case of the wire key, with keywords suffixed
//!   by `_` (`Type` → `type_`, `Async` → `async_`) and a leading digit
//!   prefixed by `_` (`100rel` → `_100rel`, as prost does).
//! - Enum variants are UpperCamelCase of the wire value after spelling out a
//!   few symbols (`-2` → `Minus2`, `1/1000` → `V1Over1000`,
//!   `InUse&Ringing` → `InUseAndRinging`); a leading digit gets a `V` prefix.
//!   The catch-all variant for undocumented values is `_Custom`, a name no
//!   documented value can get (none starts with `_`).
//! - A list action with several item types gets an item enum named after
//!   it (`QueueStatus` → `QueueStatusItem`).
//! - Two wire names that map to one Rust name keep the name in order of
//!   appearance; later ones get a numeric suffix (`_2`, `2`, …).

use std::collections::BTreeSet;

use heck::{ToSnakeCase, ToUpperCamelCase};

/// The variant name the emitter uses for values that are not documented
/// (as ruma's `_Custom`); no documented value is ever given this name, since
/// [`variant_name`] never starts one with `_`.
pub const FALLBACK_VARIANT: &str = "_Custom";

/// The item enum of a list action with several item types.
pub fn item_enum_name(action_rust_name: &str) -> String {
    format!("{action_rust_name}Item")
}

/// Rust keywords (strict and reserved, all editions up to 2024) that cannot
/// be used as plain identifiers.
const KEYWORDS: &[&str] = &[
    "abstract", "as", "async", "await", "become", "box", "break", "const", "continue", "crate",
    "do", "dyn", "else", "enum", "extern", "false", "final", "fn", "for", "gen", "if", "impl",
    "in", "let", "loop", "macro", "match", "mod", "move", "mut", "override", "priv", "pub", "ref",
    "return", "self", "static", "struct", "super", "trait", "true", "try", "type", "typeof",
    "unsafe", "unsized", "use", "virtual", "where", "while", "yield",
];

/// Type-level names that would shadow something every generated module uses.
const RESERVED_TYPES: &[&str] = &[
    "Self", "Option", "Result", "String", "Vec", "Box", "Some", "None", "Ok", "Err",
];

/// Whether `s` is a keyword that needs sanitising.
pub fn is_keyword(s: &str) -> bool {
    KEYWORDS.contains(&s)
}

/// Whether `s` is already an UpperCamelCase Rust identifier we can keep as is.
fn is_plain_type_ident(s: &str) -> bool {
    let mut chars = s.chars();
    matches!(chars.next(), Some(c) if c.is_ascii_uppercase())
        && chars.all(|c| c.is_ascii_alphanumeric())
        && !RESERVED_TYPES.contains(&s)
}

/// The Rust type name of an action or event.
///
/// Keeps Asterisk's spelling when it is a valid UpperCamelCase identifier;
/// otherwise converts it (`AOC-S` → `AocS`).
pub fn type_name(wire: &str) -> String {
    if is_plain_type_ident(wire) {
        return wire.to_owned();
    }
    let camel = wire.to_upper_camel_case();
    let camel = if camel.is_empty() {
        "Unnamed".to_owned()
    } else if camel.starts_with(|c: char| c.is_ascii_digit()) {
        format!("V{camel}")
    } else {
        camel
    };
    if RESERVED_TYPES.contains(&camel.as_str()) {
        format!("{camel}Type")
    } else {
        camel
    }
}

/// The snake_case Rust name of a field or parameter (`Cause-txt` →
/// `cause_txt`, `Type` → `type_`, `100rel` → `_100rel`).
pub fn field_name(wire: &str) -> String {
    let snake = split_acronyms(wire).to_snake_case();
    if snake.is_empty() {
        return "field".to_owned();
    }
    if snake.starts_with(|c: char| c.is_ascii_digit()) {
        return format!("_{snake}");
    }
    if is_keyword(&snake) {
        return format!("{snake}_");
    }
    snake
}

/// Acronyms Asterisk writes in capitals straight before a lower-case word
/// (`CallerIDnum`, `AMIversion`, `CoreCDRenabled`, `IPaddress`,
/// `CallerIDTON`). heck would split them as `caller_i_dnum`.
const ACRONYMS: &[&str] = &[
    "AMI", "ANI", "CDR", "CEL", "DNID", "DTMF", "HTTP", "ID", "IP", "MWI", "RDNIS", "RTP", "SIP",
    "TON", "URI",
];

/// Marks word boundaries after an upper-case run that is made only of known
/// acronyms: `CallerIDnum` → `CallerID_num`, `CallerIDTON` → `CallerID_TON`.
fn split_acronyms(wire: &str) -> String {
    let bytes = wire.as_bytes();
    let mut out = String::with_capacity(wire.len() + 4);
    let mut i = 0;
    while i < bytes.len() {
        if !bytes[i].is_ascii_uppercase() {
            out.push(bytes[i] as char);
            i += 1;
            continue;
        }
        let end = i + bytes[i..]
            .iter()
            .take_while(|b| b.is_ascii_uppercase())
            .count();
        let run = &wire[i..end];
        match acronym_parts(run) {
            Some(parts)
                if parts.len() > 1 || bytes.get(end).is_some_and(u8::is_ascii_lowercase) =>
            {
                out.push_str(&parts.join("_"));
                if bytes.get(end).is_some_and(u8::is_ascii_lowercase) {
                    out.push('_');
                }
            }
            _ => out.push_str(run),
        }
        i = end;
    }
    out
}

/// `run` as a sequence of known acronyms, if it is one.
fn acronym_parts(run: &str) -> Option<Vec<&str>> {
    if run.is_empty() {
        return Some(Vec::new());
    }
    ACRONYMS.iter().find_map(|a| {
        let rest = run.strip_prefix(a)?;
        let mut parts = acronym_parts(rest)?;
        parts.insert(0, a);
        Some(parts)
    })
}

/// The UpperCamelCase variant name of an enum value.
pub fn variant_name(wire: &str) -> String {
    let mut spelled = String::with_capacity(wire.len() + 8);
    let trimmed = wire.trim();
    let rest = match trimmed.strip_prefix('-') {
        Some(rest) if rest.starts_with(|c: char| c.is_ascii_digit()) => {
            spelled.push_str("Minus ");
            rest
        }
        _ => trimmed,
    };
    let chars: Vec<char> = rest.chars().collect();
    for (i, &c) in chars.iter().enumerate() {
        match c {
            '&' => spelled.push_str(" And "),
            '+' => spelled.push_str(" Plus "),
            '/' if i > 0
                && chars[i - 1].is_ascii_digit()
                && chars.get(i + 1).is_some_and(char::is_ascii_digit) =>
            {
                spelled.push_str(" Over ")
            }
            // Keep the digits of `G.711` apart from the next word.
            c => spelled.push(c),
        }
    }
    let camel = spelled.to_upper_camel_case();
    let camel = if camel.is_empty() {
        "Empty".to_owned()
    } else if camel.starts_with(|c: char| c.is_ascii_digit()) {
        format!("V{camel}")
    } else {
        camel
    };
    if camel == "Self" {
        format!("{camel}Value")
    } else {
        camel
    }
}

/// The Rust field name of an indexed group with base `base` (`Action` →
/// `actions`, `Unit` → `units`).
pub fn group_field_name(base: &str) -> String {
    let snake = base.to_snake_case();
    if snake.ends_with('s') {
        field_name(&snake)
    } else {
        field_name(&format!("{snake}s"))
    }
}

/// The entry struct name of an indexed group: owner + base
/// (`UpdateConfig` + `Action` → `UpdateConfigAction`).
pub fn group_entry_name(owner_rust: &str, base: &str) -> String {
    format!("{owner_rust}{}", type_name(base))
}

/// The longest common leading run of UpperCamel words of a group's member
/// bases (`UnitAmount`, `UnitType` → `Unit`); the first base when there is
/// none (`Action`, `Cat`, … → `Action`).
pub fn group_base(bases: &[&str]) -> String {
    let words = |s: &str| -> Vec<String> {
        let mut out: Vec<String> = Vec::new();
        for c in s.chars() {
            match out.last_mut() {
                Some(w) if !c.is_ascii_uppercase() => w.push(c),
                _ => out.push(c.to_string()),
            }
        }
        out
    };
    let Some(first) = bases.first() else {
        return String::new();
    };
    let first_words = words(first);
    let mut n = first_words.len();
    for other in &bases[1..] {
        let w = words(other);
        n = n.min(
            first_words
                .iter()
                .zip(&w)
                .take_while(|(a, b)| a == b)
                .count(),
        );
    }
    if n == 0 {
        (*first).to_owned()
    } else {
        first_words[..n].concat()
    }
}

/// The type name of an action's typed success response (`PingResponse`).
pub fn response_name(action_rust: &str) -> String {
    format!("{action_rust}Response")
}

/// The name of a value enum shared by every field with one wire name and
/// one value set (`ChannelStateDesc`).
pub fn enum_name(field_wire: &str) -> String {
    type_name(field_wire)
}

/// The name of a value enum specific to one owner (`ExtensionStatusStatus`).
pub fn owned_enum_name(owner_rust: &str, field_wire: &str) -> String {
    format!("{owner_rust}{}", type_name(field_wire))
}

/// Names the value enums. `wanted` holds, per distinct enum (one value set
/// under one field name), the field's name without snapshot prefix and the
/// Rust name of its first owner (actions before events, then by name).
///
/// An enum takes the field's own name (`ChannelStateDesc`) when it is the
/// only value set documented under that name and the name is free; otherwise
/// owner + field (`ExtensionStatusStatus`), with `Kind` appended when that is
/// taken too (`UpdateConfigActionKind`, next to the group entry
/// `UpdateConfigAction`). Field names are handled in sorted order, the sets
/// of one name in owner order, so the result does not depend on document
/// order. Returns the names in the order of `wanted`.
pub fn enum_names(wanted: &[(&str, &str)], taken: &mut UniqueNames) -> Vec<String> {
    let mut by_key: std::collections::BTreeMap<&str, Vec<usize>> = Default::default();
    for (i, (key, _)) in wanted.iter().enumerate() {
        by_key.entry(key).or_default().push(i);
    }
    let mut names = vec![String::new(); wanted.len()];
    for (key, indices) in by_key {
        let bare = enum_name(key);
        if indices.len() == 1 && !taken.contains(&bare) {
            names[indices[0]] = taken.claim(&bare);
            continue;
        }
        let mut ordered: Vec<(&str, usize)> = indices.iter().map(|&i| (wanted[i].1, i)).collect();
        ordered.sort();
        for (owner, i) in ordered {
            let mut name = owned_enum_name(owner, key);
            if taken.contains(&name) {
                name.push_str("Kind");
            }
            names[i] = taken.claim(&name);
        }
    }
    names
}

/// Names the generated modules import or define next to the generated types
/// (ami-core's traits and types, the prelude); no generated type takes them.
pub const RESERVED_TYPE_NAMES: &[&str] = &[
    "Action",
    "ListAction",
    "Event",
    "RawEvent",
    "Message",
    "MessageKind",
    "Value",
    "Field",
    "FieldError",
    "FromMessage",
    "Response",
    "Error",
    "Client",
    "Collection",
    "Self",
    "Option",
    "Result",
    "String",
    "Vec",
    "Box",
];

/// A fresh namespace for one generated module, with the reserved names taken.
pub fn module_namespace() -> UniqueNames {
    let mut names = UniqueNames::new();
    RESERVED_TYPE_NAMES.iter().for_each(|n| names.reserve(n));
    names
}

/// Hands out unique names: the first request for a name gets it unchanged,
/// later ones get a numeric suffix (`name_2`, `name_3` for snake names;
/// `Name2`, `Name3` for type names).
#[derive(Debug, Default, Clone)]
pub struct UniqueNames {
    taken: BTreeSet<String>,
}

impl UniqueNames {
    /// An empty set.
    pub fn new() -> Self {
        UniqueNames::default()
    }

    /// Marks `name` as taken without allocating it.
    pub fn reserve(&mut self, name: &str) {
        self.taken.insert(name.to_owned());
    }

    /// Whether `name` has been handed out or reserved.
    pub fn contains(&self, name: &str) -> bool {
        self.taken.contains(name)
    }

    /// Returns `name`, or `name` plus the smallest free suffix.
    pub fn claim(&mut self, name: &str) -> String {
        if self.taken.insert(name.to_owned()) {
            return name.to_owned();
        }
        let snake = name.starts_with(|c: char| c.is_ascii_lowercase() || c == '_');
        (2..)
            .map(|n| {
                if snake {
                    format!("{}_{n}", name.trim_end_matches('_'))
                } else {
                    format!("{name}{n}")
                }
            })
            .find(|candidate| self.taken.insert(candidate.clone()))
            .expect("an unbounded range always yields a free name")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn type_names_keep_asterisk_spelling() {
        assert_eq!(type_name("Originate"), "Originate");
        assert_eq!(type_name("PJSIPShowEndpoints"), "PJSIPShowEndpoints");
        assert_eq!(type_name("IAXpeerlist"), "IAXpeerlist");
        assert_eq!(type_name("AOC-S"), "AocS");
        assert_eq!(type_name("AOC-D"), "AocD");
        assert_eq!(type_name("Option"), "OptionType");
    }

    #[test]
    fn field_names_are_sanitised() {
        assert_eq!(field_name("Cause-txt"), "cause_txt");
        assert_eq!(field_name("CID-CallingPres"), "cid_calling_pres");
        assert_eq!(field_name("Content-Type"), "content_type");
        assert_eq!(field_name("Async"), "async_");
        assert_eq!(field_name("Type"), "type_");
        assert_eq!(field_name("Match"), "match_");
        assert_eq!(field_name("100rel"), "_100rel");
        assert_eq!(field_name("CallerIDNum"), "caller_id_num");
        assert_eq!(field_name("ActionID"), "action_id");
        assert_eq!(field_name("CallerIDnum"), "caller_id_num");
        assert_eq!(field_name("CallerIDrdnis"), "caller_id_rdnis");
        assert_eq!(field_name("AMIversion"), "ami_version");
        assert_eq!(field_name("CoreCDRenabled"), "core_cdr_enabled");
        assert_eq!(field_name("IPaddress"), "ip_address");
        assert_eq!(field_name("CoreHTTPenabled"), "core_http_enabled");
        assert_eq!(field_name("mCallerIDTON"), "m_caller_id_ton");
        assert_eq!(field_name("UniqueID"), "unique_id");
        assert_eq!(field_name("HTTPServer"), "http_server");
        assert_eq!(field_name("DChannel"), "d_channel");
    }

    #[test]
    fn variant_names_spell_out_symbols() {
        assert_eq!(variant_name("Dialing Offhook"), "DialingOffhook");
        assert_eq!(variant_name("Pre-ring"), "PreRing");
        assert_eq!(variant_name("-2"), "Minus2");
        assert_eq!(variant_name("2"), "V2");
        assert_eq!(variant_name("1/1000"), "V1Over1000");
        assert_eq!(variant_name("InUse&Ringing"), "InUseAndRinging");
        assert_eq!(variant_name("200(SR)"), "V200Sr");
        assert_eq!(variant_name(""), "Empty");
        assert_eq!(variant_name("Other"), "Other");
        assert_eq!(variant_name("_Custom"), "Custom");
        assert_eq!(variant_name("Self"), "SelfValue");
        assert_eq!(variant_name("NO ANSWER"), "NoAnswer");
    }

    #[test]
    fn group_names() {
        assert_eq!(group_field_name("Action"), "actions");
        assert_eq!(group_field_name("Unit"), "units");
        assert_eq!(group_field_name("Options"), "options");
        assert_eq!(
            group_entry_name("UpdateConfig", "Action"),
            "UpdateConfigAction"
        );
    }

    #[test]
    fn group_bases() {
        assert_eq!(group_base(&["UnitAmount", "UnitType"]), "Unit");
        assert_eq!(group_base(&["Action", "Cat", "Var"]), "Action");
        assert_eq!(group_base(&["Line"]), "Line");
    }

    #[test]
    fn enum_names_prefer_the_field_name() {
        let mut taken = module_namespace();
        taken.reserve("UpdateConfigAction");
        let names = enum_names(
            &[
                ("ChannelStateDesc", "Hangup"),
                ("Status", "Reload"),
                ("Status", "ExtensionStatus"),
                ("Action", "UpdateConfig"),
            ],
            &mut taken,
        );
        assert_eq!(
            names,
            [
                "ChannelStateDesc",
                "ReloadStatus",
                "ExtensionStatusStatus",
                "UpdateConfigActionKind"
            ]
        );
    }

    #[test]
    fn unique_names_are_deterministic() {
        let mut names = UniqueNames::new();
        assert_eq!(names.claim("bridge_id"), "bridge_id");
        assert_eq!(names.claim("bridge_id"), "bridge_id_2");
        assert_eq!(names.claim("type_"), "type_");
        assert_eq!(names.claim("type_"), "type_2");
        assert_eq!(names.claim("Status"), "Status");
        assert_eq!(names.claim("Status"), "Status2");
    }
}
