//! The errors of the live model.

use crate::state::{ChannelId, Str};
use ami_types::codes::HangupCause;

/// What went wrong with a live object or the model.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The object has gone away (the channel hung up, the call ended, the
    /// queue member left): the method did not act on a stale or reused
    /// name.
    #[error("{what} {name} is gone{}", cause.map(|c| format!(" (cause {c})")).unwrap_or_default())]
    Gone {
        /// What kind of object (`channel`, `call`, `queue`, ...).
        what: &'static str,
        /// Its last name.
        name: Str,
        /// The hangup cause, when a channel hung up and the model saw it.
        cause: Option<HangupCause>,
    },
    /// The model stopped: its connection closed for good.
    #[error("the live model stopped: {0}")]
    Closed(String),
    /// A wait ran out.
    #[error("timed out waiting for {0}")]
    Timeout(&'static str),
    /// The action failed.
    #[error(transparent)]
    Ami(#[from] ami_types::Error),
}

impl Error {
    /// Whether the object is gone.
    pub fn is_gone(&self) -> bool {
        matches!(self, Error::Gone { .. })
    }

    pub(crate) fn gone(what: &'static str, name: &str) -> Error {
        Error::Gone {
            what,
            name: Str::from(name),
            cause: None,
        }
    }

    pub(crate) fn channel_gone(id: &ChannelId, state: &crate::State) -> Error {
        let t = state
            .tombstones
            .get(&id.uniqueid)
            .filter(|t| t.id.generation == id.generation);
        Error::Gone {
            what: "channel",
            name: t
                .map(|t| t.name.clone())
                .unwrap_or_else(|| id.uniqueid.clone()),
            cause: t.and_then(|t| t.cause),
        }
    }
}

/// The result of the live model's operations.
pub type Result<T, E = Error> = std::result::Result<T, E>;
