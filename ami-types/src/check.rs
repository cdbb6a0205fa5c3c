//! `Key=Value` arguments checked against the generated metadata, and
//! "did you mean" suggestions.
//!
//! Error messages name keys and actions, never values: a value may be a
//! secret.

use crate::meta::{self, ActionMeta, IndexStyle, ParamKind, ParamMeta, ValueType};
use crate::Message;

/// The action with this name (ignoring case), or an error suggesting the
/// nearest one.
pub fn action(name: &str) -> Result<&'static ActionMeta, String> {
    meta::action(name).ok_or_else(|| {
        let names = meta::ACTIONS.iter().map(|a| a.name);
        unknown("action", name, nearest(name, names), "ami spec actions")
    })
}

/// The event with this name (ignoring case), or an error suggesting the
/// nearest one.
pub fn event(name: &str) -> Result<&'static meta::EventMeta, String> {
    meta::event(name).ok_or_else(|| {
        let names = meta::EVENTS.iter().map(|e| e.name);
        unknown("event", name, nearest(name, names), "ami spec events")
    })
}

/// The nearest event name to a name the metadata does not know, if any is
/// close.
pub fn nearest_event(name: &str) -> Option<&'static str> {
    nearest(name, meta::EVENTS.iter().map(|e| e.name))
}

fn unknown(what: &str, name: &str, suggestion: Option<&str>, list: &str) -> String {
    match suggestion {
        Some(s) => format!("unknown {what} '{name}'; did you mean '{s}'?"),
        None => format!("unknown {what} '{name}' (`{list}` lists them)"),
    }
}

/// One `Key=Value` argument, split on the first `=`.
pub fn split_arg(arg: &str) -> Result<(&str, &str), String> {
    // A malformed argument is not echoed: it may be a misplaced URL with a
    // secret in it.
    // The argument is named; `main` redacts any secret in what it prints
    // (a misplaced URL's password, AMI_SECRET).
    let Some((key, value)) = arg.split_once('=') else {
        return Err(format!(
            "expected KEY=VALUE, got '{}' (no '=')",
            arg.escape_debug()
        ));
    };
    let key = key.trim();
    if key.is_empty() {
        return Err(format!(
            "the argument '{}' has an empty key",
            arg.escape_debug()
        ));
    }
    if key.contains(|c: char| c == ':' || c.is_control() || c.is_whitespace()) {
        return Err(format!(
            "invalid parameter name '{}' (':', a space or a control character)",
            key.escape_debug()
        ));
    }
    if value.contains(['\r', '\n']) {
        return Err(format!(
            "the value of '{key}' contains a line break (CR or LF), which AMI cannot carry"
        ));
    }
    if value.contains('\0') {
        return Err(format!(
            "the value of '{key}' contains a NUL byte, which AMI cannot carry"
        ));
    }
    Ok((key, value))
}

/// Checks `msg` against the release the PBX behind `client` runs (asked
/// once per connection, see [`Client::asterisk_version`](crate::Client::asterisk_version)):
/// [`Error::Unsupported`](crate::Error::Unsupported) when that release lacks
/// the action or a parameter it sets (see [`meta::check_release`]). A PBX
/// that does not say its version is not checked; an error asking it is
/// returned. For tools that send by name (the `ami` command line, the
/// bridge); typed sends check by themselves.
pub async fn release(client: &crate::Client, msg: &Message) -> crate::Result<()> {
    match client.asterisk_version().await? {
        Some(version) => meta::check_release(msg, &version),
        None => Ok(()),
    }
}

/// Builds the action message from `Key=Value` arguments.
///
/// With metadata (`meta` is `Some`): every key must be a parameter of the
/// action (matched ignoring case and sent in its documented spelling; an
/// indexed group's keys like `Action-000001` or `UnitAmount(2)` match their
/// base), and every required parameter must be given. Any key may repeat
/// (`Variable=a=1 Variable=b=2`); the arguments are sent in their order.
/// Without metadata (`--unchecked`), the keys are sent as given.
pub fn build(action: &str, meta: Option<&ActionMeta>, args: &[String]) -> Result<Message, String> {
    let name = meta.map_or(action, |m| m.name);
    let mut msg = Message::action(name);
    let mut given: Vec<&'static str> = Vec::new();
    for arg in args {
        let (key, value) = split_arg(arg)?;
        if key.eq_ignore_ascii_case("ActionID") {
            return Err("ActionID is assigned by the client; leave it out".to_owned());
        }
        if key.eq_ignore_ascii_case("Action") {
            return Err("the action is named by NAME, not by an Action= argument".to_owned());
        }
        let Some(meta) = meta else {
            msg.append(key.to_owned(), value.to_owned());
            continue;
        };
        let Some(param) = meta.param(key) else {
            // A UserEvent's headers are the user's own: any name goes.
            if meta.name == "UserEvent" {
                msg.append(key.to_owned(), value.to_owned());
                continue;
            }
            return Err(unknown_param(meta, key));
        };
        if param.kind == ParamKind::Single && given.contains(&param.name) {
            return Err(format!(
                "parameter '{}' given twice; action '{}' takes one value for it",
                param.name, meta.name
            ));
        }
        check_type(meta, param, value)?;
        given.push(param.name);
        msg.append(canonical_key(param, key), value.to_owned());
    }
    if let Some(meta) = meta {
        let missing: Vec<&str> = meta
            .required()
            .map(|p| p.name)
            .filter(|n| !given.contains(n))
            .collect();
        match missing.as_slice() {
            [] => {}
            [one] => {
                return Err(format!(
                    "missing required parameter '{one}' for action '{}'",
                    meta.name
                ))
            }
            many => {
                return Err(format!(
                    "missing required parameters {} for action '{}'",
                    many.iter()
                        .map(|n| format!("'{n}'"))
                        .collect::<Vec<_>>()
                        .join(", "),
                    meta.name
                ))
            }
        }
    }
    Ok(msg)
}

/// A value of a documented integer, decimal or boolean parameter must read
/// as one (`Timeout=abc` is refused, not sent). Text and enumerated values
/// go as given (Asterisk takes values it does not document).
fn check_type(meta: &ActionMeta, param: &ParamMeta, value: &str) -> Result<(), String> {
    let v = value.trim().as_bytes();
    let (ok, what) = match param.ty {
        ValueType::Integer => (crate::runtime::parse_integer(v).is_some(), "an integer"),
        ValueType::Float => (crate::runtime::parse_float(v).is_some(), "a number"),
        ValueType::Boolean => (
            crate::runtime::parse_boolean(v).is_some(),
            "a boolean (true/false, yes/no, on/off, 1/0)",
        ),
        _ => (true, ""),
    };
    if ok {
        Ok(())
    } else {
        // The value is not echoed: it may be a secret.
        Err(format!(
            "parameter '{}' of action '{}' takes {what}; the value given is not one",
            param.name, meta.name
        ))
    }
}

/// The key in its documented spelling: the parameter's name, or for an
/// indexed member the base's spelling followed by the given index.
fn canonical_key(param: &ParamMeta, key: &str) -> String {
    match param.kind {
        ParamKind::Single | ParamKind::Repeated => param.name.to_owned(),
        ParamKind::Indexed(_) => format!("{}{}", param.name, &key[param.name.len()..]),
    }
}

/// How a parameter is written on the command line: `Channel`,
/// `Action-000000`, `UnitAmount(0)`.
pub fn key_form(param: &ParamMeta) -> String {
    match param.kind {
        ParamKind::Single | ParamKind::Repeated => param.name.to_owned(),
        ParamKind::Indexed(IndexStyle::Dash6) => format!("{}-000000", param.name),
        ParamKind::Indexed(IndexStyle::Paren) => format!("{}(0)", param.name),
    }
}

/// The error for a key the action does not have, suggesting the nearest
/// parameter. An index suffix (`-000001`, `(2)`) is kept in the suggestion.
fn unknown_param(meta: &ActionMeta, key: &str) -> String {
    let (base, suffix) = split_index(key);
    let suggestion = nearest(base, meta.params.iter().map(|p| p.name)).map(|name| {
        let p = meta.params.iter().find(|p| p.name == name);
        match (p.map(|p| p.kind), suffix) {
            (Some(ParamKind::Indexed(_)), Some(sfx)) => format!("{name}{sfx}"),
            (Some(ParamKind::Indexed(_)), None) => p.map(key_form).unwrap_or_default(),
            _ => name.to_owned(),
        }
    });
    let key = key.escape_debug();
    match suggestion {
        Some(s) => format!(
            "unknown parameter '{key}' for action '{}'; did you mean '{s}'? (--unchecked sends it as given)",
            meta.name
        ),
        None if meta.params.is_empty() => {
            format!(
                "unknown parameter '{key}': action '{}' takes none (--unchecked sends it as given)",
                meta.name
            )
        }
        None => format!(
            "unknown parameter '{key}' for action '{}' (`ami spec action {}` lists them; --unchecked sends it as given)",
            meta.name, meta.name
        ),
    }
}

/// `Action-000001` → (`Action`, `-000001`); `UnitAmount(2)` →
/// (`UnitAmount`, `(2)`); anything else is its own base.
fn split_index(key: &str) -> (&str, Option<&str>) {
    if let Some(open) = key.rfind('(') {
        let inner = &key[open + 1..];
        if let Some(digits) = inner.strip_suffix(')') {
            if !digits.is_empty() && digits.bytes().all(|b| b.is_ascii_digit()) {
                return (&key[..open], Some(&key[open..]));
            }
        }
    }
    if let Some(dash) = key.rfind('-') {
        let digits = &key[dash + 1..];
        if !digits.is_empty() && digits.bytes().all(|b| b.is_ascii_digit()) {
            return (&key[..dash], Some(&key[dash..]));
        }
    }
    (key, None)
}

/// The candidate nearest to `name` (ignoring case), if close enough to be a
/// likely typo: at most a third of the name's length edits (at least one,
/// at most four), transpositions counting as one. Ties go to the first.
pub fn nearest<'a>(name: &str, candidates: impl IntoIterator<Item = &'a str>) -> Option<&'a str> {
    let limit = (name.chars().count() / 3).clamp(1, 4);
    let name = name.to_lowercase();
    let mut best: Option<(usize, &'a str)> = None;
    for c in candidates {
        let d = distance(&name, &c.to_lowercase());
        if d <= limit && best.is_none_or(|(b, _)| d < b) {
            best = Some((d, c));
        }
    }
    best.map(|(_, c)| c)
}

/// Optimal string alignment distance (Levenshtein plus adjacent
/// transpositions), over characters.
fn distance(a: &str, b: &str) -> usize {
    let a: Vec<char> = a.chars().collect();
    let b: Vec<char> = b.chars().collect();
    let w = b.len() + 1;
    let mut d = vec![0usize; (a.len() + 1) * w];
    for (i, row) in d.chunks_mut(w).enumerate() {
        row[0] = i;
    }
    for (j, cell) in d.iter_mut().enumerate().take(w) {
        *cell = j;
    }
    for i in 1..=a.len() {
        for j in 1..=b.len() {
            let cost = usize::from(a[i - 1] != b[j - 1]);
            let mut v = (d[(i - 1) * w + j] + 1)
                .min(d[i * w + j - 1] + 1)
                .min(d[(i - 1) * w + j - 1] + cost);
            if i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] {
                v = v.min(d[(i - 2) * w + j - 2] + 1);
            }
            d[i * w + j] = v;
        }
    }
    d[a.len() * w + b.len()]
}

#[cfg(test)]
mod tests {
    use super::*;

    fn args(a: &[&str]) -> Vec<String> {
        a.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn distances() {
        assert_eq!(distance("orginate", "originate"), 1);
        assert_eq!(distance("pign", "ping"), 1);
        assert_eq!(distance("", "abc"), 3);
        assert_eq!(distance("kitten", "sitting"), 3);
    }

    #[test]
    fn suggestions() {
        assert_eq!(
            action("Orginate").unwrap_err(),
            "unknown action 'Orginate'; did you mean 'Originate'?"
        );
        assert_eq!(action("coreshowchannels").unwrap().name, "CoreShowChannels");
        assert!(action("Zzzzzzzzzzzzzzzzz")
            .unwrap_err()
            .contains("ami spec actions"));
        let originate = action("Originate").unwrap();
        let e = build("Originate", Some(originate), &args(&["Chanel=x"])).unwrap_err();
        assert_eq!(
            e,
            "unknown parameter 'Chanel' for action 'Originate'; did you mean 'Channel'? (--unchecked sends it as given)"
        );
    }

    #[test]
    fn indexed_keys() {
        let update = action("UpdateConfig").unwrap();
        let msg = build(
            "UpdateConfig",
            Some(update),
            &args(&[
                "SrcFilename=a.conf",
                "DstFilename=a.conf",
                "action-000000=NewCat",
                "Cat-000000=x",
            ]),
        )
        .unwrap();
        assert_eq!(msg.field(3).unwrap().key(), "Action-000000");
        assert_eq!(msg.get("Cat-000000").unwrap(), "x");
        let e = build("UpdateConfig", Some(update), &args(&["Actoin-000001=x"])).unwrap_err();
        assert!(e.contains("did you mean 'Action-000001'?"), "{e}");
    }

    #[test]
    fn required_and_values() {
        let hangup = action("Hangup").unwrap();
        assert_eq!(
            build("Hangup", Some(hangup), &[]).unwrap_err(),
            "missing required parameter 'Channel' for action 'Hangup'"
        );
        let e = build(
            "Hangup",
            Some(hangup),
            &args(&["Channel=a\r\nAction: Logoff"]),
        )
        .unwrap_err();
        assert!(e.contains("line break") && !e.contains("Logoff"), "{e}");
        let originate = action("Originate").unwrap();
        let msg = build(
            "originate",
            Some(originate),
            &args(&["channel=Local/1@x", "Variable=a=1", "Variable=b=2"]),
        )
        .unwrap();
        assert_eq!(msg.get("Action").unwrap(), "Originate");
        let vars: Vec<_> = msg.get_all("Variable").collect();
        assert_eq!(vars, ["a=1", "b=2"]);
        assert!(build("Ping", None, &args(&["ActionID=1"])).is_err());
        assert!(build("Ping", None, &args(&["novalue"])).is_err());
        let raw = build("MyAction", None, &args(&["X-Any=1"])).unwrap();
        assert_eq!(raw.get("X-Any").unwrap(), "1");
    }

    #[test]
    fn a_single_valued_parameter_given_twice_is_refused() {
        let originate = action("Originate").unwrap();
        let e = build(
            "Originate",
            Some(originate),
            &args(&["Channel=PJSIP/1", "channel=PJSIP/2"]),
        )
        .unwrap_err();
        assert!(e.contains("'Channel' given twice"), "{e}");
    }

    #[test]
    fn user_event_headers_are_free_and_other_unknown_keys_suggest_unchecked() {
        let user_event = action("UserEvent").unwrap();
        let msg = build(
            "UserEvent",
            Some(user_event),
            &args(&["UserEvent=Deploy", "Version=1.2", "Host=a"]),
        )
        .unwrap();
        assert_eq!(msg.get("Version").unwrap(), "1.2");
        assert_eq!(msg.get("Host").unwrap(), "a");
        let e = build("Ping", Some(action("Ping").unwrap()), &args(&["Foo=1"])).unwrap_err();
        assert!(e.contains("--unchecked"), "{e}");
        let e = build("Ping", None, &args(&["novalue"])).unwrap_err();
        assert!(e.contains("'novalue'"), "the argument is named: {e}");
    }
}
