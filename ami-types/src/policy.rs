//! Which actions a remote party may send, with which parameter values.
//!
//! A [`Policy`] guards every path by which someone who is not the PBX's
//! administrator gets actions onto AMI (the NATS bridge's request/reply, an
//! HTTP gateway). It denies unless a rule grants:
//!
//! - an action is sent only when the policy names it;
//! - a parameter that Asterisk *evaluates* ([`EVALUATED`]: `Getvar`'s
//!   `Variable` runs dialplan functions such as `AST_CONFIG(…)` and `DB(…)`,
//!   `Originate`'s `Application`/`Data` run any application, …) is refused
//!   unless the action's rule says which values it may take;
//! - a parameter with a rule must be given, and each of its values must
//!   match the rule ([`ParamRule`]);
//! - no value is longer than [`Policy::max_value_bytes`] or holds a NUL,
//!   CR or LF.
//!
//! [`Policy::read_only`] is the default of the bridge: actions that neither
//! change state nor evaluate anything, with `Getvar` limited to plain
//! variable names.
//!
//! ```
//! use ami_types::policy::{ActionRule, ParamRule, Policy};
//! use ami_types::Message;
//!
//! // Click-to-call: Originate only into the context `click2call`, only
//! // from PJSIP endpoints; plus the read-only actions.
//! let policy = Policy::read_only().allow(
//!     "Originate",
//!     ActionRule::new()
//!         .param("Context", ParamRule::one_of(["click2call"]))
//!         .param("Channel", ParamRule::one_of(["PJSIP/*"])),
//! );
//! let mut ok = Message::action("Originate");
//! ok.append("Channel", "PJSIP/100");
//! ok.append("Context", "click2call");
//! ok.append("Exten", "200");
//! ok.append("Priority", "1");
//! assert!(policy.check(&ok).is_ok());
//!
//! let mut app = Message::action("Originate");
//! app.append("Channel", "PJSIP/100");
//! app.append("Context", "click2call");
//! app.append("Application", "System");
//! assert!(policy.check(&app).is_err()); // Application is evaluated: no rule allows it
//!
//! let mut secret = Message::action("Getvar");
//! secret.append("Variable", "AST_CONFIG(manager.conf,admin,secret)");
//! assert!(policy.check(&secret).is_err()); // not a plain variable name
//! ```

use std::collections::BTreeMap;
use std::fmt;

use crate::Message;

/// The parameters Asterisk evaluates (dialplan functions, applications,
/// shell or CLI commands), as `(action, parameter)`. Each is refused unless
/// the action's rule names it. Checked against `main/manager.c` and the
/// modules that register these actions (Asterisk 18 to 23).
pub const EVALUATED: &[(&str, &str)] = &[
    // Read through ast_func_read when the name ends in ')': AST_CONFIG,
    // DB, SHELL, FILE, CURL …
    ("Getvar", "Variable"),
    ("Status", "Variables"),
    // Written through ast_func_write when the name ends in ')'.
    ("Setvar", "Variable"),
    ("Originate", "Variable"),
    // Any application with any arguments (System runs a shell command).
    ("Originate", "Application"),
    ("Originate", "Data"),
    ("DialplanExtensionAdd", "Application"),
    ("DialplanExtensionAdd", "ApplicationData"),
    // A shell command run when the recording ends.
    ("MixMonitor", "Command"),
    // AGI commands, among them EXEC of any application.
    ("AGI", "Command"),
    // A CLI command.
    ("Command", "Command"),
];

/// The actions of [`Policy::read_only`]: they change nothing and evaluate
/// nothing (`Getvar` with a plain variable name only; `Status` without its
/// evaluated `Variables`).
pub const READ_ONLY: &[&str] = &[
    "Ping",
    "CoreSettings",
    "CoreStatus",
    "CoreShowChannels",
    "CoreShowChannelMap",
    "Status",
    "Getvar",
    "BridgeList",
    "BridgeInfo",
    "QueueStatus",
    "QueueSummary",
    "ParkedCalls",
    "ConfbridgeList",
    "ConfbridgeListRooms",
    "ExtensionState",
    "ExtensionStateList",
    "MailboxCount",
    "MailboxStatus",
    "PJSIPShowEndpoints",
    "PJSIPShowEndpoint",
    "PJSIPShowContacts",
    "PJSIPShowRegistrationsOutbound",
    "DeviceStateList",
    "PresenceStateList",
    "ListCommands",
];

/// The longest value [`Policy::read_only`] and [`Policy::deny_all`] let
/// through, in bytes: Asterisk reads a line of at most 1024 bytes, key
/// included.
pub const MAX_VALUE_BYTES: usize = 1024;

/// Which actions may be sent, and with which values. See the
/// [module](self).
#[derive(Debug, Clone)]
pub struct Policy {
    /// Lower-cased action name → its rule.
    actions: BTreeMap<String, (String, ActionRule)>,
    max_value_bytes: usize,
}

/// What one allowed action's parameters may be.
#[derive(Debug, Clone, Default)]
pub struct ActionRule {
    /// Lower-cased parameter name → (spelling, rule).
    params: BTreeMap<String, (String, ParamRule)>,
}

/// Which values one parameter may take.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ParamRule {
    /// Any value (explicitly: this is how an evaluated parameter is let
    /// through unchecked).
    Any,
    /// A plain variable name: ASCII letters, digits and `_`, nothing that
    /// Asterisk could evaluate. For `Status`'s `Variables`, a
    /// comma-separated list of such names.
    Name,
    /// One of these patterns, matched case-sensitively; `*` stands for any
    /// run of characters (`PJSIP/*`).
    OneOf(Vec<String>),
}

impl ParamRule {
    /// [`ParamRule::OneOf`] from any list of patterns.
    pub fn one_of<I, S>(patterns: I) -> ParamRule
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        ParamRule::OneOf(patterns.into_iter().map(Into::into).collect())
    }

    /// Whether `value` is allowed.
    pub fn allows(&self, value: &str) -> bool {
        match self {
            ParamRule::Any => true,
            ParamRule::Name => value.split(',').all(|name| {
                !name.is_empty() && name.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_')
            }),
            ParamRule::OneOf(patterns) => patterns.iter().any(|p| glob(p, value)),
        }
    }
}

/// `*` matches any run of characters; everything else itself.
fn glob(pattern: &str, value: &str) -> bool {
    let mut parts = pattern.split('*');
    let first = parts.next().unwrap_or_default();
    let Some(mut rest) = value.strip_prefix(first) else {
        return false;
    };
    let parts: Vec<&str> = parts.collect();
    let Some((last, middle)) = parts.split_last() else {
        // No '*': the whole value.
        return rest.is_empty();
    };
    for part in middle {
        match rest.find(part) {
            Some(at) => rest = &rest[at + part.len()..],
            None => return false,
        }
    }
    rest.len() >= last.len() && rest.ends_with(last)
}

impl ActionRule {
    /// A rule that constrains no parameter (evaluated ones stay refused).
    pub fn new() -> ActionRule {
        ActionRule::default()
    }

    /// Constrains `name` (any case): it must be given, and each value must
    /// satisfy `rule`.
    pub fn param(mut self, name: &str, rule: ParamRule) -> ActionRule {
        self.params
            .insert(name.to_ascii_lowercase(), (name.to_owned(), rule));
        self
    }

    /// The rule of a parameter, if any.
    pub fn rule(&self, name: &str) -> Option<&ParamRule> {
        self.params.get(&name.to_ascii_lowercase()).map(|(_, r)| r)
    }
}

/// Why a [`Policy`] refused a message. Its text names the action and the
/// parameter, never the value (it may be a secret).
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum Denied {
    /// The message names no action.
    NoAction,
    /// The policy does not name the action.
    Action {
        /// The action.
        action: String,
    },
    /// Asterisk evaluates this parameter and no rule allows its values.
    Evaluated {
        /// The action.
        action: String,
        /// The parameter.
        param: String,
    },
    /// A value the parameter's rule does not allow.
    Value {
        /// The action.
        action: String,
        /// The parameter.
        param: String,
    },
    /// A parameter with a rule was not given.
    Missing {
        /// The action.
        action: String,
        /// The parameter.
        param: String,
    },
    /// A value longer than the policy's bound.
    TooLong {
        /// The parameter.
        param: String,
        /// Its length in bytes.
        len: usize,
        /// The bound.
        max: usize,
    },
    /// A value with a NUL, CR or LF.
    Control {
        /// The parameter.
        param: String,
    },
}

impl fmt::Display for Denied {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Denied::NoAction => write!(f, "the message names no action"),
            Denied::Action { action } => write!(f, "action '{action}' is not allowed"),
            Denied::Evaluated { action, param } => write!(
                f,
                "parameter '{param}' of '{action}' is evaluated by Asterisk (functions, \
                 applications or commands) and no rule allows it"
            ),
            Denied::Value { action, param } => write!(
                f,
                "the value of '{param}' is not one that '{action}' is allowed to take"
            ),
            Denied::Missing { action, param } => write!(
                f,
                "'{action}' is allowed only with '{param}' given (a rule restricts it)"
            ),
            Denied::TooLong { param, len, max } => write!(
                f,
                "the value of '{param}' is {len} bytes; at most {max} are allowed"
            ),
            Denied::Control { param } => {
                write!(f, "the value of '{param}' holds a NUL, CR or LF")
            }
        }
    }
}

impl std::error::Error for Denied {}

impl Default for Policy {
    /// [`Policy::read_only`].
    fn default() -> Self {
        Policy::read_only()
    }
}

impl Policy {
    /// Nothing is allowed.
    pub fn deny_all() -> Policy {
        Policy {
            actions: BTreeMap::new(),
            max_value_bytes: MAX_VALUE_BYTES,
        }
    }

    /// The [`READ_ONLY`] actions; `Getvar`'s `Variable` only a plain name.
    pub fn read_only() -> Policy {
        let mut p = Policy::deny_all();
        for name in READ_ONLY {
            p = p.allow(name, ActionRule::new());
        }
        p.allow(
            "Getvar",
            ActionRule::new().param("Variable", ParamRule::Name),
        )
    }

    /// Allows `action` (any case) under `rule`, replacing any earlier rule
    /// for it.
    pub fn allow(mut self, action: &str, rule: ActionRule) -> Policy {
        self.actions
            .insert(action.to_ascii_lowercase(), (action.to_owned(), rule));
        self
    }

    /// Bounds every value's length in bytes (default [`MAX_VALUE_BYTES`]).
    pub fn max_value_bytes(mut self, max: usize) -> Policy {
        self.max_value_bytes = max;
        self
    }

    /// Whether `action` is named at all (its parameters still count).
    pub fn names(&self, action: &str) -> bool {
        self.actions.contains_key(&action.to_ascii_lowercase())
    }

    /// The allowed actions, in their configured spelling.
    pub fn actions(&self) -> impl Iterator<Item = &str> {
        self.actions.values().map(|(name, _)| name.as_str())
    }

    /// Checks an action message (its keys as [`check::build`](crate::check::build)
    /// spells them; an indexed key such as `Variable-000001` counts as its
    /// base). `Ok` means it may be sent.
    pub fn check(&self, msg: &Message) -> Result<(), Denied> {
        let action = msg
            .get_str("Action")
            .filter(|a| !a.is_empty())
            .ok_or(Denied::NoAction)?;
        let Some((spelled, rule)) = self.actions.get(&action.to_ascii_lowercase()) else {
            return Err(Denied::Action {
                action: action.to_owned(),
            });
        };
        let meta = crate::meta::action(action);
        let mut seen: Vec<String> = Vec::new();
        for (key, value) in msg.iter() {
            if key.eq_ignore_ascii_case("Action") || key.eq_ignore_ascii_case("ActionID") {
                continue;
            }
            let bytes = value.as_bytes();
            if bytes.iter().any(|b| matches!(b, 0 | b'\r' | b'\n')) {
                return Err(Denied::Control {
                    param: key.into_owned(),
                });
            }
            if bytes.len() > self.max_value_bytes {
                return Err(Denied::TooLong {
                    param: key.into_owned(),
                    len: bytes.len(),
                    max: self.max_value_bytes,
                });
            }
            // An indexed member counts as its documented base.
            let base = meta
                .and_then(|m| m.param(&key))
                .map_or_else(|| key.to_string(), |p| p.name.to_owned());
            let lower = base.to_ascii_lowercase();
            match rule.params.get(&lower) {
                Some((_, r)) if !value.as_str().is_some_and(|v| r.allows(v)) => {
                    return Err(Denied::Value {
                        action: spelled.clone(),
                        param: base,
                    });
                }
                Some(_) => {}
                None if is_evaluated(action, &base) => {
                    return Err(Denied::Evaluated {
                        action: spelled.clone(),
                        param: base,
                    })
                }
                None => {}
            }
            seen.push(lower);
        }
        for (lower, (name, _)) in &rule.params {
            if !seen.contains(lower) {
                return Err(Denied::Missing {
                    action: spelled.clone(),
                    param: name.clone(),
                });
            }
        }
        Ok(())
    }
}

/// Whether Asterisk evaluates `param` of `action` ([`EVALUATED`]).
pub fn is_evaluated(action: &str, param: &str) -> bool {
    EVALUATED
        .iter()
        .any(|(a, p)| a.eq_ignore_ascii_case(action) && p.eq_ignore_ascii_case(param))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn msg(action: &str, fields: &[(&str, &str)]) -> Message {
        let mut m = Message::action(action);
        for (k, v) in fields {
            m.append(*k, *v);
        }
        m
    }

    #[test]
    fn read_only_refuses_getvar_of_a_function_and_allows_a_plain_name() {
        let p = Policy::read_only();
        for bad in [
            "AST_CONFIG(manager.conf,admin,secret)",
            "DB(cidname/100)",
            "SHELL(id)",
            "${EPOCH}",
            "",
        ] {
            assert!(
                matches!(
                    p.check(&msg("Getvar", &[("Variable", bad)])),
                    Err(Denied::Value { .. })
                ),
                "{bad}"
            );
        }
        assert_eq!(
            p.check(&msg(
                "getvar",
                &[("Channel", "PJSIP/1-1"), ("Variable", "FOO_1")]
            )),
            Ok(())
        );
        // Without the variable the rule is not met.
        assert!(matches!(
            p.check(&msg("Getvar", &[])),
            Err(Denied::Missing { .. })
        ));
    }

    #[test]
    fn read_only_names_no_action_that_changes_state_or_evaluates() {
        let p = Policy::read_only();
        for action in [
            "Originate",
            "Hangup",
            "Redirect",
            "Setvar",
            "Command",
            "GetConfig",
            "GetConfigJSON",
            "UpdateConfig",
            "DBGet",
            "DBPut",
            "AGI",
            "MixMonitor",
            "ModuleLoad",
            "Reload",
            "QueuePause",
            "SendText",
            "UserEvent",
            "Filter",
            "Events",
            "Logoff",
        ] {
            assert_eq!(
                p.check(&msg(action, &[])),
                Err(Denied::Action {
                    action: action.to_owned()
                })
            );
        }
        // Status's evaluated Variables is refused; Status itself is not.
        assert!(p.check(&msg("Status", &[("Channel", "x")])).is_ok());
        assert!(matches!(
            p.check(&msg("Status", &[("Variables", "DB(x)")])),
            Err(Denied::Evaluated { .. })
        ));
        // Every read-only action is one the metadata knows (a typo would
        // be a silently dead entry).
        for name in READ_ONLY {
            assert!(crate::meta::action(name).is_some(), "{name}");
        }
    }

    #[test]
    fn per_parameter_rules_restrict_originate() {
        let p = Policy::deny_all().allow(
            "Originate",
            ActionRule::new()
                .param("Context", ParamRule::one_of(["click2call"]))
                .param(
                    "Channel",
                    ParamRule::one_of(["PJSIP/*", "Local/*@click2call"]),
                ),
        );
        let base = [
            ("Channel", "PJSIP/100"),
            ("Context", "click2call"),
            ("Exten", "200"),
            ("Priority", "1"),
        ];
        assert_eq!(p.check(&msg("Originate", &base)), Ok(()));
        assert!(p
            .check(&msg(
                "Originate",
                &[("Channel", "Local/5@click2call"), ("Context", "click2call")]
            ))
            .is_ok());
        // Another context, another channel, no context at all.
        let other = [("Channel", "PJSIP/100"), ("Context", "from-internal")];
        assert!(matches!(
            p.check(&msg("Originate", &other)),
            Err(Denied::Value { .. })
        ));
        let dahdi = [("Channel", "DAHDI/1"), ("Context", "click2call")];
        assert!(matches!(
            p.check(&msg("Originate", &dahdi)),
            Err(Denied::Value { .. })
        ));
        assert!(matches!(
            p.check(&msg("Originate", &[("Channel", "PJSIP/1")])),
            Err(Denied::Missing { .. })
        ));
        // An application, a variable (indexed or repeated): evaluated.
        for (k, v) in [
            ("Application", "System"),
            ("Data", "rm -rf /"),
            ("Variable", "SHELL(id)=1"),
        ] {
            let mut fields = base.to_vec();
            fields.push((k, v));
            assert!(
                matches!(
                    p.check(&msg("Originate", &fields)),
                    Err(Denied::Evaluated { .. })
                ),
                "{k}"
            );
        }
        // Other actions stay denied.
        assert!(p.check(&msg("Ping", &[])).is_err());
    }

    #[test]
    fn values_are_bounded_and_control_bytes_refused() {
        let p = Policy::read_only().max_value_bytes(16);
        let long = "A".repeat(17);
        assert_eq!(
            p.check(&msg("Getvar", &[("Variable", &long)])),
            Err(Denied::TooLong {
                param: "Variable".into(),
                len: 17,
                max: 16
            })
        );
        assert!(matches!(
            p.check(&msg("Status", &[("Channel", "a\0b")])),
            Err(Denied::Control { .. })
        ));
        // Messages never name the value.
        let e = Policy::read_only()
            .check(&msg("Getvar", &[("Variable", "AST_CONFIG(x,secretword)")]))
            .unwrap_err();
        assert!(!e.to_string().contains("secretword"), "{e}");
    }

    #[test]
    fn globs_match_whole_values() {
        assert!(glob("PJSIP/*", "PJSIP/100"));
        assert!(glob("*", ""));
        assert!(glob("a*b*c", "aXbYc"));
        assert!(!glob("a*b*c", "aXbYcd"));
        assert!(!glob("click2call", "click2call2"));
        assert!(!glob("ab*ba", "aba"));
        assert!(glob("ab*ba", "abba"));
    }
}
