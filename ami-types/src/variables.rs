//! [`Variables`]: the `name=value` lines of a repeated key such as
//! `ChanVariable`, read as a map in wire order.

use std::fmt;

use ami_core::{Message, Text};

/// The channel variables a snapshot carries (`ChanVariable: name=value`,
/// one line each, with the snapshot's prefix: `DestChanVariable`, …), in
/// wire order. Asterisk sends the variables listed in `manager.conf`'s
/// `channelvars`; `OriginateResponse` names the channel in the key
/// (`ChanVariable(Local/100@default-00000000;1): name=value`), which counts
/// as the same key. `Status` with `AllVariables` sends `Variable` lines.
///
/// `Debug` redacts the value of a secret name (`PASSWORD=…`), by the rule
/// that decides every secret ([`ami_core::message::is_secret_name`]).
///
/// ```
/// use ami_types::event::Newchannel;
/// use ami_types::{FromMessage, Message};
///
/// let msg: Message = [
///     ("Event", "Newchannel"),
///     ("Channel", "PJSIP/100-00000001"),
///     ("ChanVariable", "CUSTOMER=42"),
///     ("ChanVariable", "QUEUE=sales=east"),
/// ]
/// .into_iter()
/// .collect();
/// let event = Newchannel::from_message(msg);
/// let vars = event.chan_variable();
/// assert_eq!(vars.get("CUSTOMER").unwrap(), "42");
/// assert_eq!(vars.get("QUEUE").unwrap(), "sales=east"); // split at the first `=`
/// assert_eq!(vars.iter().count(), 2);
/// ```
#[derive(Clone, Copy)]
pub struct Variables<'a> {
    raw: &'a Message,
    key: &'a str,
}

impl<'a> Variables<'a> {
    /// The variables of key `key` in `raw`.
    pub fn new(raw: &'a Message, key: &'a str) -> Self {
        Variables { raw, key }
    }

    /// Every `(name, value)`, in wire order. A line without `=` is a name
    /// with an empty value.
    pub fn iter(&self) -> impl Iterator<Item = (&'a Text, &'a Text)> + 'a {
        self.lines().map(split)
    }

    /// The raw `name=value` lines, in wire order: of the key, or of
    /// `key(…)`.
    pub fn lines(&self) -> impl Iterator<Item = &'a Text> + 'a {
        let key = self.key.as_bytes();
        self.raw
            .fields()
            .filter(move |f| is_key(f.key_bytes(), key))
            .map(|f| f.value())
    }

    /// The value of variable `name` (exact case, as Asterisk's variable
    /// names are); the first when it repeats.
    pub fn get(&self, name: &str) -> Option<&'a Text> {
        self.iter()
            .find(|(n, _)| n.as_bytes() == name.as_bytes())
            .map(|(_, v)| v)
    }

    /// How many lines there are.
    pub fn len(&self) -> usize {
        self.lines().count()
    }

    /// Whether there are none.
    pub fn is_empty(&self) -> bool {
        self.lines().next().is_none()
    }
}

/// Whether wire key `found` is `key` (any case) or `key(…)`.
fn is_key(found: &[u8], key: &[u8]) -> bool {
    if found.eq_ignore_ascii_case(key) {
        return true;
    }
    found.len() > key.len() + 1
        && found[..key.len()].eq_ignore_ascii_case(key)
        && found[key.len()] == b'('
        && found.last() == Some(&b')')
}

fn split(line: &Text) -> (&Text, &Text) {
    let bytes = line.as_bytes();
    match bytes.iter().position(|&b| b == b'=') {
        Some(eq) => (Text::new(&bytes[..eq]), Text::new(&bytes[eq + 1..])),
        None => (line, Text::new(b"")),
    }
}

impl fmt::Debug for Variables<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        struct Redacted;
        impl fmt::Debug for Redacted {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("<redacted>")
            }
        }
        let mut map = f.debug_map();
        for (name, value) in self.iter() {
            if ami_core::message::is_secret_name(name.as_bytes().trim_ascii()) {
                map.entry(&name, &Redacted);
            } else {
                map.entry(&name, &value);
            }
        }
        map.finish()
    }
}

impl PartialEq for Variables<'_> {
    fn eq(&self, other: &Self) -> bool {
        self.iter().eq(other.iter())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn msg() -> Message {
        [
            ("Event", "Newchannel"),
            ("DestChanVariable", "A=1"),
            ("ChanVariable", "PASSWORD=hunter2"),
            ("ChanVariable", "EMPTY="),
            ("ChanVariable", "BARE"),
        ]
        .into_iter()
        .collect()
    }

    #[test]
    fn reads_lines_of_its_own_key_in_order() {
        let m = msg();
        let vars = Variables::new(&m, "ChanVariable");
        let pairs: Vec<(String, String)> = vars
            .iter()
            .map(|(n, v)| (n.to_string(), v.to_string()))
            .collect();
        assert_eq!(
            pairs,
            [
                ("PASSWORD".into(), "hunter2".into()),
                ("EMPTY".into(), String::new()),
                ("BARE".into(), String::new())
            ]
        );
        assert_eq!(vars.len(), 3);
        assert_eq!(vars.get("A"), None);
        assert_eq!(
            Variables::new(&m, "DestChanVariable").get("A").unwrap(),
            "1"
        );
        assert!(Variables::new(&m, "OtherChanVariable").is_empty());
    }

    #[test]
    fn a_key_naming_its_channel_counts_as_the_key() {
        let m: Message = [
            ("Event", "OriginateResponse"),
            ("ChanVariable(Local/300@default-00000000;1)", "CUSTOMER=40"),
            ("ChanVariable(", "NOT=closed"),
            ("ChanVariables", "NOT=this"),
        ]
        .into_iter()
        .collect();
        let vars = Variables::new(&m, "ChanVariable");
        assert_eq!(vars.len(), 1);
        assert_eq!(vars.get("CUSTOMER").unwrap(), "40");
    }

    #[test]
    fn debug_redacts_secret_names() {
        let m = msg();
        let text = format!("{:?}", Variables::new(&m, "ChanVariable"));
        assert!(!text.contains("hunter2"), "{text}");
        assert!(text.contains("<redacted>"), "{text}");
        assert!(text.contains("EMPTY"), "{text}");
    }
}
