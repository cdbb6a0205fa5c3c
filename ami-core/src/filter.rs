//! Server-side event filtering: [`EventFilter`] builds the `Filter` action
//! the way Asterisk reads it, and [`EventClass`] the `Events` mask.
//!
//! Filtering in Asterisk is cheaper than filtering here: events a filter
//! excludes are never sent. A connection with include filters gets only the
//! events that match one of them and none of its exclude filters.
//!
//! Asterisk knows two forms of filter (as `manager_add_filter` in
//! `main/manager.c` of 22.10.1 reads them):
//!
//! - the **legacy** form, a regular expression (POSIX extended) matched
//!   against the whole event text: `Filter: Event: Hangup` (a leading `!`
//!   excludes) — [`EventFilter::regex`];
//! - the **advanced** form (in 18.26.4, 20.20.1 and 22.10.1 alike; older
//!   releases know only the legacy one), `MatchCriteria:
//!   name(Hangup),header(Cause),method(exact)` with `Filter: 16` —
//!   [`EventFilter::event`], [`EventFilter::header`]. Each criterion is
//!   written `key(value)`: Asterisk refuses the bare `contains` that its own
//!   documentation shows, and spells the methods `starts_with` and
//!   `ends_with` (not `startsWith`). A method needs a pattern, and a pattern
//!   needs a method.
//!
//! [`EventFilter::to_message`] produces exactly what a real Asterisk 22
//! accepts and refuses, before sending, what it would refuse.
//!
//! ```
//! use ami_core::filter::{EventFilter, Match};
//!
//! // Only hangups with cause 17 (busy).
//! let f = EventFilter::event("Hangup").header("Cause", Match::Exact("17".into()));
//! let msg = f.to_message().unwrap();
//! assert_eq!(msg.get("MatchCriteria").unwrap(), "name(Hangup),header(Cause),method(exact)");
//! assert_eq!(msg.get("Filter").unwrap(), "17");
//!
//! // No RTCP events at all.
//! let f = EventFilter::regex("Event: RTCP").exclude();
//! assert_eq!(f.to_message().unwrap().get("Filter").unwrap(), "!Event: RTCP");
//! ```

use std::fmt;

use crate::message::Message;

/// How the pattern of an advanced filter is matched against the event
/// text, or against one header's value with [`EventFilter::header`].
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Match {
    /// A POSIX extended regular expression (`method(regex)`).
    Regex(String),
    /// The whole value equals it (`method(exact)`).
    Exact(String),
    /// The value starts with it (`method(starts_with)`).
    StartsWith(String),
    /// The value ends with it (`method(ends_with)`).
    EndsWith(String),
    /// The value contains it (`method(contains)`).
    Contains(String),
}

impl Match {
    /// The method's name on the wire.
    pub fn method(&self) -> &'static str {
        match self {
            Match::Regex(_) => "regex",
            Match::Exact(_) => "exact",
            Match::StartsWith(_) => "starts_with",
            Match::EndsWith(_) => "ends_with",
            Match::Contains(_) => "contains",
        }
    }

    /// The pattern.
    pub fn pattern(&self) -> &str {
        match self {
            Match::Regex(p)
            | Match::Exact(p)
            | Match::StartsWith(p)
            | Match::EndsWith(p)
            | Match::Contains(p) => p,
        }
    }

    /// Whether `value` matches (the regular expression is not evaluated
    /// here: `None` for [`Regex`](Self::Regex)).
    pub fn matches_text(&self, value: &str) -> Option<bool> {
        Some(match self {
            Match::Regex(_) => return None,
            Match::Exact(p) => value == p,
            Match::StartsWith(p) => value.starts_with(p.as_str()),
            Match::EndsWith(p) => value.ends_with(p.as_str()),
            Match::Contains(p) => value.contains(p.as_str()),
        })
    }
}

/// One event filter for the `Filter` action (see the [module docs](self)).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct EventFilter {
    exclude: bool,
    event: Option<String>,
    header: Option<String>,
    matching: Option<Match>,
    /// The legacy form: a regular expression over the whole event.
    legacy: bool,
}

/// A filter Asterisk would refuse.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum FilterError {
    /// An event or header name that is empty or holds a character that
    /// ends a criterion (space, `,`, `(`, `)`), or a line break.
    #[error("the {what} name {name:?} is empty or holds a space, ',', '(', ')' or a line break")]
    BadName {
        /// `"event"` or `"header"`.
        what: &'static str,
        /// The name.
        name: String,
    },
    /// A pattern with a line break (which would inject AMI headers), or an
    /// empty legacy pattern.
    #[error("the filter pattern is empty or holds a line break")]
    BadPattern,
    /// A criteria string Asterisk does not understand (from
    /// [`EventFilter::parse`]), with Asterisk's reason.
    #[error("the filter is formatted incorrectly: {0}")]
    Format(&'static str),
}

impl EventFilter {
    /// The legacy form: `pattern` is a POSIX extended regular expression
    /// matched against the whole event text, e.g. `Event: Hangup` (which
    /// also matches `HangupRequest`: prefer [`event`](Self::event) for
    /// names). Works on every Asterisk version.
    pub fn regex(pattern: impl Into<String>) -> Self {
        EventFilter {
            exclude: false,
            event: None,
            header: None,
            matching: Some(Match::Regex(pattern.into())),
            legacy: true,
        }
    }

    /// Events named exactly `name` (the advanced form: `MatchCriteria:
    /// name(…)`).
    pub fn event(name: impl Into<String>) -> Self {
        EventFilter {
            exclude: false,
            event: Some(name.into()),
            header: None,
            matching: None,
            legacy: false,
        }
    }

    /// Events whose text matches (the advanced form).
    pub fn matching(matching: Match) -> Self {
        EventFilter {
            exclude: false,
            event: None,
            header: None,
            matching: Some(matching),
            legacy: false,
        }
    }

    /// Only events with this header, whose value matches (the advanced form:
    /// `header(…)` and `method(…)`). On a legacy filter it turns it into an
    /// advanced one.
    pub fn header(mut self, name: impl Into<String>, matching: Match) -> Self {
        self.header = Some(name.into());
        self.matching = Some(matching);
        self.legacy = false;
        self
    }

    /// Excludes the matching events instead (`action(exclude)`, or a
    /// leading `!` in the legacy form).
    pub fn exclude(mut self) -> Self {
        self.exclude = true;
        self
    }

    /// Whether it excludes.
    pub fn is_exclude(&self) -> bool {
        self.exclude
    }

    /// The event name it is limited to.
    pub fn event_name(&self) -> Option<&str> {
        self.event.as_deref()
    }

    /// The header whose value is matched.
    pub fn header_name(&self) -> Option<&str> {
        self.header.as_deref()
    }

    /// How the pattern is matched, if there is one.
    pub fn match_rule(&self) -> Option<&Match> {
        self.matching.as_ref()
    }

    /// The `Filter` action (`Operation: Add`, `MatchCriteria` for the
    /// advanced form, `Filter`), or why Asterisk would refuse it.
    pub fn to_message(&self) -> Result<Message, FilterError> {
        let mut msg = Message::action("Filter");
        msg.append("Operation", "Add");
        let pattern = self.matching.as_ref().map_or("", Match::pattern);
        if pattern.contains(['\r', '\n']) {
            return Err(FilterError::BadPattern);
        }
        if self.legacy {
            if pattern.is_empty() {
                return Err(FilterError::BadPattern);
            }
            let bang = if self.exclude { "!" } else { "" };
            msg.append("Filter", format!("{bang}{pattern}"));
            return Ok(msg);
        }
        let mut criteria = Vec::new();
        if self.exclude {
            criteria.push("action(exclude)".to_owned());
        }
        for (what, name) in [("event", &self.event), ("header", &self.header)] {
            if let Some(name) = name {
                check_name(what, name)?;
                let key = if what == "event" { "name" } else { "header" };
                criteria.push(format!("{key}({name})"));
            }
        }
        if let Some(m) = &self.matching {
            criteria.push(format!("method({})", m.method()));
        }
        if criteria.is_empty() {
            return Err(FilterError::Format("no action, name, header, or method"));
        }
        msg.append("MatchCriteria", criteria.join(","));
        if let Some(m) = &self.matching {
            if m.pattern().is_empty() {
                return Err(FilterError::BadPattern);
            }
            // A leading `!` would turn it into an exclude filter.
            if m.pattern().starts_with('!') && !self.exclude {
                return Err(FilterError::Format(
                    "a pattern starting with '!' excludes; use exclude() instead",
                ));
            }
            msg.append("Filter", m.pattern());
        }
        Ok(msg)
    }

    /// Reads a filter the way Asterisk 22 does (`manager_add_filter`):
    /// `criteria` is the `MatchCriteria` (absent or empty for the legacy
    /// form), `filter` the `Filter` value. For servers and tests that
    /// must refuse what Asterisk refuses.
    pub fn parse(criteria: Option<&str>, filter: &str) -> Result<EventFilter, FilterError> {
        let (mut exclude, pattern) = match filter.strip_prefix('!') {
            Some(rest) => (true, rest),
            None => (false, filter),
        };
        let criteria = criteria.map(str::trim).filter(|c| !c.is_empty());
        let Some(criteria) = criteria else {
            if pattern.is_empty() {
                return Err(FilterError::Format(
                    "a legacy filter with no filter pattern",
                ));
            }
            return Ok(EventFilter {
                exclude,
                event: None,
                header: None,
                matching: Some(Match::Regex(pattern.to_owned())),
                legacy: true,
            });
        };
        let (mut event, mut header, mut method) = (None, None, None);
        let mut found = false;
        for option in criteria.split([' ', ',', ')']).filter(|o| !o.is_empty()) {
            let Some((key, value)) = option.split_once('(') else {
                return Err(FilterError::Format("a filter option is unknown"));
            };
            let value = value.trim();
            match key {
                "action" => match value {
                    "include" => exclude = false,
                    "exclude" => exclude = true,
                    _ => return Err(FilterError::Format("the 'action' option is unknown")),
                },
                "name" if !value.is_empty() => event = Some(value.to_owned()),
                "header" if !value.is_empty() => {
                    header = Some(value.trim_end_matches(':').to_owned())
                }
                "method" if !value.is_empty() => {
                    method = Some(match value {
                        "regex" | "exact" | "starts_with" | "ends_with" | "contains" => Some(value),
                        "none" => None,
                        _ => return Err(FilterError::Format("the 'method' option is unknown")),
                    })
                }
                "name" | "header" | "method" => {
                    return Err(FilterError::Format(
                        "a parameter is not formatted correctly",
                    ))
                }
                _ => return Err(FilterError::Format("a filter option is unknown")),
            }
            found = true;
        }
        if !found {
            return Err(FilterError::Format(
                "no action, name, header, or method option found",
            ));
        }
        let method = method.flatten();
        let matching = match (method, pattern.is_empty()) {
            (Some(_), true) => return Err(FilterError::Format("a method with no filter pattern")),
            (None, false) => {
                return Err(FilterError::Format("method 'none' with a filter pattern"))
            }
            (None, true) if event.is_none() && header.is_none() => {
                return Err(FilterError::Format(
                    "no name or header option and no filter pattern",
                ))
            }
            (None, true) => None,
            (Some(m), false) => Some(match m {
                "regex" => Match::Regex,
                "exact" => Match::Exact,
                "starts_with" => Match::StartsWith,
                "ends_with" => Match::EndsWith,
                _ => Match::Contains,
            }(pattern.to_owned())),
        };
        Ok(EventFilter {
            exclude,
            event,
            header,
            matching,
            legacy: false,
        })
    }
}

fn check_name(what: &'static str, name: &str) -> Result<(), FilterError> {
    if name.is_empty() || name.contains([' ', ',', '(', ')', '\r', '\n', '\t']) {
        return Err(FilterError::BadName {
            what,
            name: name.to_owned(),
        });
    }
    Ok(())
}

/// A class of events, for the `Events` mask
/// ([`EventMask::classes`](crate::EventMask::classes)) and the read permissions
/// of `manager.conf`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum EventClass {
    /// `system`: modules, reloads, shutdown, registrations.
    System,
    /// `call`: channels, bridges, dialing, hangups.
    Call,
    /// `log`.
    Log,
    /// `verbose`.
    Verbose,
    /// `command`.
    Command,
    /// `agent`: queue agents.
    Agent,
    /// `user`: `UserEvent`.
    User,
    /// `config`.
    Config,
    /// `dtmf`.
    Dtmf,
    /// `reporting`: RTCP, queue statistics.
    Reporting,
    /// `cdr`.
    Cdr,
    /// `dialplan`: `Newexten`, `VarSet`.
    Dialplan,
    /// `originate`.
    Originate,
    /// `agi`.
    Agi,
    /// `cc`: call completion.
    Cc,
    /// `aoc`: advice of charge.
    Aoc,
    /// `test`.
    Test,
    /// `security`.
    Security,
    /// `message`: out-of-call messages.
    Message,
}

impl EventClass {
    /// The class's name in the mask.
    pub fn as_str(self) -> &'static str {
        match self {
            EventClass::System => "system",
            EventClass::Call => "call",
            EventClass::Log => "log",
            EventClass::Verbose => "verbose",
            EventClass::Command => "command",
            EventClass::Agent => "agent",
            EventClass::User => "user",
            EventClass::Config => "config",
            EventClass::Dtmf => "dtmf",
            EventClass::Reporting => "reporting",
            EventClass::Cdr => "cdr",
            EventClass::Dialplan => "dialplan",
            EventClass::Originate => "originate",
            EventClass::Agi => "agi",
            EventClass::Cc => "cc",
            EventClass::Aoc => "aoc",
            EventClass::Test => "test",
            EventClass::Security => "security",
            EventClass::Message => "message",
        }
    }
}

impl fmt::Display for EventClass {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// What `../shared/transcripts/README.md` records a real Asterisk 22.10.1
    /// accepting and refusing, read back by the parser.
    #[test]
    fn the_parser_accepts_and_refuses_what_asterisk_22_did() {
        assert!(EventFilter::parse(None, "Event: UserEvent").is_ok());
        let ex = EventFilter::parse(None, "!UserEvent: CorpusOther").unwrap();
        assert!(ex.is_exclude());
        assert!(EventFilter::parse(None, "").is_err());
        assert!(EventFilter::parse(Some("contains"), "x").is_err());
        assert!(EventFilter::parse(Some("method(contains)"), "x").is_ok());
    }

    /// The exact headers of the forms Asterisk 22.10.1 accepted.
    #[test]
    fn the_headers_are_those_asterisk_22_accepted() {
        let fields = |f: EventFilter| -> Vec<(String, String)> {
            f.to_message()
                .unwrap()
                .iter()
                .map(|(k, v)| (k.into_owned(), v.to_string()))
                .collect()
        };
        let pair = |k: &str, v: &str| (k.to_owned(), v.to_owned());
        assert_eq!(
            fields(EventFilter::regex("Event: UserEvent")),
            [
                pair("Action", "Filter"),
                pair("Operation", "Add"),
                pair("Filter", "Event: UserEvent")
            ]
        );
        assert_eq!(
            fields(EventFilter::regex("UserEvent: CorpusOther").exclude()),
            [
                pair("Action", "Filter"),
                pair("Operation", "Add"),
                pair("Filter", "!UserEvent: CorpusOther")
            ]
        );
        // `method(contains)`, never the bare `contains` Asterisk refused.
        assert_eq!(
            fields(EventFilter::matching(Match::Contains("CorpusOther".into()))),
            [
                pair("Action", "Filter"),
                pair("Operation", "Add"),
                pair("MatchCriteria", "method(contains)"),
                pair("Filter", "CorpusOther")
            ]
        );
    }

    #[test]
    fn what_is_built_is_what_asterisk_reads() {
        let filters = [
            EventFilter::regex("Event: Hangup"),
            EventFilter::regex("Event: RTCP").exclude(),
            EventFilter::event("Hangup"),
            EventFilter::event("Hangup").exclude(),
            EventFilter::event("Hangup").header("Cause", Match::Exact("17".into())),
            EventFilter::matching(Match::Contains("PJSIP/".into())),
            EventFilter::matching(Match::StartsWith("Event: Queue".into())).exclude(),
            EventFilter::event("Newstate").header("ChannelStateDesc", Match::Regex("^Ring".into())),
        ];
        for f in filters {
            let msg = f.to_message().unwrap();
            let back = EventFilter::parse(
                msg.get_str("MatchCriteria"),
                msg.get_str("Filter").unwrap_or(""),
            )
            .unwrap_or_else(|e| panic!("{f:?}: {e}"));
            assert_eq!(back, f, "{msg:?}");
        }
    }

    #[test]
    fn refusals_come_before_sending() {
        assert!(EventFilter::event("Hang up").to_message().is_err());
        assert!(EventFilter::event("").to_message().is_err());
        assert!(EventFilter::regex("").to_message().is_err());
        assert!(EventFilter::regex("a\r\nAction: Logoff")
            .to_message()
            .is_err());
        assert!(EventFilter::matching(Match::Exact(String::new()))
            .to_message()
            .is_err());
        assert!(EventFilter::event("X")
            .header("A,B", Match::Exact("1".into()))
            .to_message()
            .is_err());
    }
}
