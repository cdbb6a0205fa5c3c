//! Event classes: the `Privilege` an event carries (`call,all`), and the
//! settings that choose which classes a session receives (the `Events`
//! action, a URL's `events=`, an account's `read=` in `manager.conf`).

use crate::value;

/// What a class setting lets through.
///
/// ```
/// use ami_wire::classes::Classes;
/// assert_eq!(Classes::parse("on"), Classes::All);
/// assert_eq!(Classes::parse("OFF"), Classes::None);
/// assert_eq!(Classes::parse("call, Agent"), Classes::Only(vec!["call".into(), "agent".into()]));
/// assert!(Classes::parse("system,all").allows("agent,all"));
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Classes {
    /// Every class: a true word (`on`, `yes`, …) or a list naming `all`.
    All,
    /// No class: a false word (`off`, `no`, …) or nothing.
    None,
    /// The classes listed, lower-cased (`call`, `agent`, …).
    Only(Vec<String>),
}

impl Classes {
    /// Reads a setting: Asterisk's true and false words (any case), or a
    /// comma-separated list of class names.
    pub fn parse(setting: &str) -> Classes {
        let setting = setting.trim();
        match value::boolean(setting.as_bytes()) {
            Some(true) => return Classes::All,
            Some(false) => return Classes::None,
            None if setting.is_empty() => return Classes::None,
            None => {}
        }
        let list: Vec<String> = setting
            .split(',')
            .map(|c| c.trim().to_ascii_lowercase())
            .filter(|c| !c.is_empty())
            .collect();
        if list.iter().any(|c| c == "all") {
            Classes::All
        } else {
            Classes::Only(list)
        }
    }

    /// Whether the setting lets `class` (one name, any case) through.
    pub fn includes(&self, class: &str) -> bool {
        match self {
            Classes::All => true,
            Classes::None => false,
            Classes::Only(list) => list.iter().any(|c| c.eq_ignore_ascii_case(class.trim())),
        }
    }

    /// Whether an event whose `Privilege` is `privilege` (`call,all`)
    /// passes: one of the classes it names is let through (the `all` that
    /// Asterisk appends counts only for [`Classes::All`]).
    pub fn allows(&self, privilege: &str) -> bool {
        match self {
            Classes::All => true,
            Classes::None => false,
            Classes::Only(_) => privilege.split(',').any(|c| self.includes(c)),
        }
    }
}
