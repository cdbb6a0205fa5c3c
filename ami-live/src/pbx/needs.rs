//! What the model needs to see: the event classes it follows, and the
//! warning for each one a setting leaves out.

use ami_wire::classes::Classes;

use ami_types::ClientBuilder;

/// The event classes the model follows, and what it loses without each.
pub(crate) const NEEDED: [(&str, &str); 3] = [
    (
        "call",
        "channels, bridges, dials, hangups, parking and conferences",
    ),
    ("dialplan", "applications (Newexten) and variables (VarSet)"),
    ("agent", "queue callers and members"),
];

/// A warning per needed class that `classes` (an `Events`/`read=` value)
/// leaves out.
pub(crate) fn missing_classes(source: &str, classes: &str) -> Vec<String> {
    let setting = Classes::parse(classes);
    NEEDED
        .iter()
        .filter(|(class, _)| !setting.includes(class))
        .map(|(class, what)| {
            format!(
                "{source} {classes:?} leaves out the {class} class: the model will not see {what}"
            )
        })
        .collect()
}

/// The user of an AMI URL, when it is one a CLI command may name (letters,
/// digits, `-`, `_`, `.`).
pub(crate) fn url_user(url: &ClientBuilder) -> Option<String> {
    let user = url.username()?;
    (!user.is_empty()
        && user
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "-_.".contains(c)))
    .then(|| user.to_owned())
}
