//! `ListCommands`' answer: every action the session may send, one field
//! each (`Originate: <synopsis>  (Priv: originate,all)`), as a list.
//!
//! ```
//! use ami_types::action_list::ActionList;
//! use ami_types::{FromMessage, Message};
//!
//! let answer: Message = [
//!     ("Response", "Success"),
//!     ("Ping", "Keepalive command.  (Priv: <none>)"),
//!     ("Originate", "Originate a call.  (Priv: originate,all)"),
//! ]
//! .into_iter()
//! .collect();
//! let list = ActionList::from_message(answer);
//! assert!(list.contains("originate"));
//! assert_eq!(list.get("Originate").unwrap().privileges, ["originate", "all"]);
//! assert!(list.get("Ping").unwrap().privileges.is_empty());
//! ```

use ami_core::{Client, FromMessage, Message};

use crate::action::ListCommands;

/// One action of the list.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ActionEntry {
    /// Its wire name.
    pub name: String,
    /// Its synopsis, as the PBX gave it.
    pub synopsis: String,
    /// The write classes it needs (`originate`, `all`); empty for one every
    /// session may send.
    pub privileges: Vec<String>,
}

/// The actions the PBX lets this session send, in the order it listed them.
#[derive(Debug, Clone, PartialEq)]
pub struct ActionList {
    actions: Vec<ActionEntry>,
    raw: Message,
}

impl FromMessage for ActionList {
    fn from_message(msg: Message) -> Self {
        let actions = msg
            .iter()
            .filter(|(key, _)| !matches!(&**key, "Response" | "ActionID" | "Message"))
            .map(|(key, value)| {
                let value = value.to_string_lossy();
                let (synopsis, privileges) = match value.rsplit_once("(Priv:") {
                    Some((synopsis, privs)) => {
                        let privs = privs.trim().trim_end_matches(')').trim();
                        let privileges = if privs == "<none>" {
                            Vec::new()
                        } else {
                            privs.split(',').map(|p| p.trim().to_owned()).collect()
                        };
                        (synopsis.trim().to_owned(), privileges)
                    }
                    None => (value.trim().to_owned(), Vec::new()),
                };
                ActionEntry {
                    name: key.into_owned(),
                    synopsis,
                    privileges,
                }
            })
            .collect();
        ActionList { actions, raw: msg }
    }

    fn raw(&self) -> &Message {
        &self.raw
    }
}

impl ActionList {
    /// Asks the PBX with `ListCommands`.
    pub async fn read(client: &Client) -> crate::Result<ActionList> {
        let response = client.send(&ListCommands::new()).await?;
        Ok(ActionList::from_message(response.raw().clone()))
    }

    /// The action with this name, ignoring case.
    pub fn get(&self, name: &str) -> Option<&ActionEntry> {
        self.actions
            .iter()
            .find(|a| a.name.eq_ignore_ascii_case(name))
    }

    /// Whether the session may send this action (ignoring case).
    pub fn contains(&self, name: &str) -> bool {
        self.get(name).is_some()
    }

    /// Every action, in the order the PBX listed them.
    pub fn iter(&self) -> impl Iterator<Item = &ActionEntry> {
        self.actions.iter()
    }

    /// How many actions there are.
    pub fn len(&self) -> usize {
        self.actions.len()
    }

    /// Whether the list is empty.
    pub fn is_empty(&self) -> bool {
        self.actions.is_empty()
    }
}
