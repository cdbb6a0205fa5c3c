//! What the PBX sends never drives the operator's terminal: every text
//! that came from the network is escaped before it is printed.
//!
//! A caller ID name, a channel variable or a CLI line may hold ESC
//! sequences (OSC retitles the window or writes the clipboard, CSI clears
//! the screen). Text for a terminal has its control characters (C0, DEL
//! and C1) written as Rust escapes (`\u{1b}`); JSON has DEL and C1 written
//! as `\u007f`…`\u009f` (serde_json already escapes C0), so it stays
//! valid JSON that means the same.

use std::borrow::Cow;
use std::io::{self, Write};

/// `text` with every control character escaped (`\u{1b}`, `\t`, `\n`).
pub(crate) fn text(text: &str) -> Cow<'_, str> {
    if !text.chars().any(char::is_control) {
        return Cow::Borrowed(text);
    }
    Cow::Owned(
        text.chars()
            .map(|c| {
                if c.is_control() {
                    c.escape_default().collect::<String>()
                } else {
                    c.to_string()
                }
            })
            .collect(),
    )
}

/// Writes `j` as JSON (pretty or compact) with DEL and C1 control
/// characters escaped, then a line break.
pub(crate) fn write_json(
    out: &mut impl Write,
    j: &impl serde::Serialize,
    pretty: bool,
) -> io::Result<()> {
    let bytes = if pretty {
        serde_json::to_vec_pretty(j)
    } else {
        serde_json::to_vec(j)
    }
    .map_err(io::Error::from)?;
    out.write_all(&json_bytes(bytes))?;
    out.write_all(b"\n")
}

/// serde_json's output with U+007F and U+0080…U+009F (the bytes `7F` and
/// `C2 80`…`C2 9F` of valid UTF-8) written as `\u00XX`. They stand only
/// inside strings: JSON's own syntax is printable ASCII.
fn json_bytes(bytes: Vec<u8>) -> Vec<u8> {
    let risky = |w: &[u8]| w[0] == 0x7f || (w[0] == 0xc2 && (0x80..=0x9f).contains(&w[1]));
    if !bytes.windows(2).any(risky) && bytes.last() != Some(&0x7f) {
        return bytes;
    }
    let mut out = Vec::with_capacity(bytes.len() + 16);
    let mut i = 0;
    while i < bytes.len() {
        let b = bytes[i];
        if b == 0x7f {
            out.extend_from_slice(b"\\u007f");
        } else if b == 0xc2 && bytes.get(i + 1).is_some_and(|n| (0x80..=0x9f).contains(n)) {
            let _ = write!(out, "\\u{:04x}", bytes[i + 1]);
            i += 1;
        } else {
            out.push(b);
        }
        i += 1;
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_escapes_every_control_character() {
        let osc = "Bob\u{1b}]0;owned\u{7}\u{9b}2J\u{7f}";
        let t = text(osc);
        assert!(!t.chars().any(char::is_control), "{t}");
        assert!(t.contains("Bob"));
        assert_eq!(text("plain (100)"), "plain (100)");
    }

    #[test]
    fn json_escapes_del_and_c1_and_stays_the_same_json() {
        let value = serde_json::json!({"CallerIDName": "a\u{1b}]52;c;x\u{7}\u{9b}b\u{7f}é"});
        let mut out = Vec::new();
        write_json(&mut out, &value, false).unwrap();
        let s = String::from_utf8(out).unwrap();
        assert!(!s.trim_end().chars().any(char::is_control), "{s:?}");
        let back: serde_json::Value = serde_json::from_str(&s).unwrap();
        assert_eq!(back, value);
    }

    #[test]
    fn control_characters_from_the_server_are_escaped() {
        assert_eq!(
            text("No such channel \u{1b}[31mred\r\nX"),
            "No such channel \\u{1b}[31mred\\r\\nX"
        );
        assert_eq!(text("Jörg ok"), "Jörg ok");
    }
}
