//! The one rule that decides what is secret. The code generator records
//! it in the model (so the generated types' `Debug` hides what it says) and
//! `ami-core`'s `Message` applies it to every message it shows.
//!
//! - A **secret name** is a key or variable name that, ignoring case, `_`
//!   and `-`, ends in `secret` or `md5cred`, or contains `password`:
//!   `Secret`, `OauthSecret`, `PasswordDigest`, `Md5Cred`, PJSIP's
//!   `password` and `md5_cred`, chan_sip's `md5secret`.
//! - A **secret key** is a secret name, or `Key` in a `Login` (the MD5
//!   answer).
//! - A value is secret when its key is; a `Value` is secret when the
//!   message's `Variable` (or `Value-NNNNNN` when its `Var-NNNNNN`, as in
//!   `UpdateConfig`) names a secret; and the part after `=` of an
//!   assignment (`Variable: PASSWORD=…`, `GetConfig`'s
//!   `Line-…: password=…`) is secret when the part before it is a secret
//!   name; and in a `JSON` value (`GetConfigJSON`'s configuration as one
//!   JSON object), the value of every object key that is a secret name.

/// Whether `name` (a key, a configuration or channel variable) is secret.
pub fn is_secret_name(name: &[u8]) -> bool {
    let folded: Vec<u8> = name
        .iter()
        .filter(|b| !matches!(b, b'_' | b'-'))
        .map(u8::to_ascii_lowercase)
        .collect();
    folded.ends_with(b"secret")
        || folded.ends_with(b"md5cred")
        || folded.windows(8).any(|w| w == b"password")
}

/// Whether the value of `key` in a message of `owner` (its action or event
/// name) is secret by the key alone.
pub fn is_secret_key(owner: &[u8], key: &[u8]) -> bool {
    is_secret_name(key)
        || (key.eq_ignore_ascii_case(b"key") && owner.eq_ignore_ascii_case(b"login"))
}

/// For a `Value` key: the key whose value names the variable it sets
/// (`Variable`, or `Var-NNNNNN` for `Value-NNNNNN`), as `(base, suffix)`.
pub fn value_names_key(key: &[u8]) -> Option<(&'static [u8], &[u8])> {
    if key.eq_ignore_ascii_case(b"value") {
        return Some((b"variable", b""));
    }
    match key.get(..6) {
        Some(head) if head.eq_ignore_ascii_case(b"value-") => Some((b"var-", &key[6..])),
        _ => None,
    }
}

/// Where the secret part of an assignment `name=secret` starts (just after
/// the `=`), when `name` is a secret name.
pub fn secret_assignment(value: &[u8]) -> Option<usize> {
    let eq = value.iter().position(|&b| b == b'=')?;
    is_secret_name(value[..eq].trim_ascii()).then_some(eq + 1)
}

/// Whether values of `key` may be assignments `NAME=value` (channel
/// variables, configuration lines), whose secret part is redacted.
pub fn holds_assignments(key: &[u8]) -> bool {
    let base = key.split(|&b| b == b'-' || b == b'(').next().unwrap_or(key);
    const CHAN_VARIABLE: &[u8] = b"chanvariable";
    // `ChanVariable` with any snapshot prefix (`DestChanVariable`, …).
    let chan_variable = base.len() >= CHAN_VARIABLE.len()
        && base[base.len() - CHAN_VARIABLE.len()..].eq_ignore_ascii_case(CHAN_VARIABLE);
    chan_variable
        || [b"variable" as &[u8], b"line"]
            .iter()
            .any(|k| base.eq_ignore_ascii_case(k))
}

/// Whether values of `key` are JSON text whose secret-named keys have
/// secret values (`GetConfigJSON`'s `JSON`).
pub fn holds_json(key: &[u8]) -> bool {
    key.eq_ignore_ascii_case(b"json")
}

/// In JSON text, the byte ranges `(start, end)` of the values of object
/// keys that are secret names: a string's content without its quotes, or a
/// bare number or literal. Objects and arrays are entered, not redacted
/// whole. Text that is not JSON yields what could be read of it.
pub fn json_secret_values(json: &[u8]) -> Vec<(usize, usize)> {
    /// The end of the string whose opening quote is at `at` (just past
    /// its closing quote, or the end of the text).
    fn string_end(json: &[u8], at: usize) -> usize {
        let mut i = at + 1;
        while i < json.len() {
            match json[i] {
                b'\\' => i += 2,
                b'"' => return i + 1,
                _ => i += 1,
            }
        }
        json.len()
    }
    let skip_ws = |mut i: usize| {
        while i < json.len() && json[i].is_ascii_whitespace() {
            i += 1;
        }
        i
    };
    let mut spans = Vec::new();
    let mut i = 0;
    while i < json.len() {
        if json[i] != b'"' {
            i += 1;
            continue;
        }
        let end = string_end(json, i);
        let colon = skip_ws(end);
        if json.get(colon) != Some(&b':') {
            i = end;
            continue;
        }
        // A key: its value follows.
        let name = &json[i + 1..end.saturating_sub(1).max(i + 1)];
        let v = skip_ws(colon + 1);
        if is_secret_name(name) {
            match json.get(v) {
                Some(b'"') => {
                    let vend = string_end(json, v);
                    let close = if json.get(vend.wrapping_sub(1)) == Some(&b'"') && vend > v + 1 {
                        vend - 1
                    } else {
                        vend
                    };
                    spans.push((v + 1, close));
                    i = vend;
                    continue;
                }
                Some(b'{' | b'[') | None => {}
                Some(_) => {
                    let mut vend = v;
                    while vend < json.len()
                        && !matches!(json[vend], b',' | b'}' | b']')
                        && !json[vend].is_ascii_whitespace()
                    {
                        vend += 1;
                    }
                    spans.push((v, vend));
                    i = vend;
                    continue;
                }
            }
        }
        i = v;
    }
    spans
}

/// `json` with every secret value (see `json_secret_values`) replaced by
/// `<redacted>`, or `None` when it has none.
pub fn redact_json(json: &[u8]) -> Option<Vec<u8>> {
    let spans = json_secret_values(json);
    if spans.is_empty() {
        return None;
    }
    let mut out = Vec::with_capacity(json.len());
    let mut at = 0;
    for (start, end) in spans {
        out.extend_from_slice(&json[at..start]);
        out.extend_from_slice(b"<redacted>");
        at = end;
    }
    out.extend_from_slice(&json[at..]);
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::{holds_assignments, json_secret_values};

    #[test]
    fn secret_values_in_json_are_found_and_nothing_else() {
        let json = br#"{"general": {"enabled": "yes"}, "admin": {"secret": "amp111", "read": "all", "Password" : 1234, "md5_cred": "a\"b"}}"#;
        let spans = json_secret_values(json);
        let found: Vec<&[u8]> = spans.iter().map(|&(a, b)| &json[a..b]).collect();
        assert_eq!(found, [&b"amp111"[..], b"1234", br#"a\"b"#]);
        // Broken JSON ends without a panic.
        for cut in 0..json.len() {
            let spans = json_secret_values(&json[..cut]);
            assert!(spans.iter().all(|&(a, b)| a <= b && b <= cut));
        }
    }

    #[test]
    fn channel_variables_hold_assignments_under_any_snapshot_prefix() {
        for key in [
            "Variable",
            "ChanVariable",
            "DestChanVariable",
            "TransfererChanVariable",
            "chanvariable",
            "Variable-000001",
            "Line-000000-000001",
        ] {
            assert!(holds_assignments(key.as_bytes()), "{key}");
        }
        for key in ["Variables", "AllVariables", "Value", "Channel", "Var"] {
            assert!(!holds_assignments(key.as_bytes()), "{key}");
        }
    }
}
