//! [`Error`]: everything the client can fail with.
//!
//! No variant ever carries the login secret: URL errors describe the problem,
//! not the URL, and messages are only ever shown through their redacting
//! `Debug`.

use crate::codec::EncodeError;
use crate::message::Message;

/// The result type of the client.
pub type Result<T> = std::result::Result<T, Error>;

/// An error from the AMI client.
///
/// Branch on the cases that matter with the predicates
/// ([`is_timeout`](Self::is_timeout), [`is_disconnected`](Self::is_disconnected),
/// [`is_auth`](Self::is_auth)) or match the variants.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// An I/O error while reading or writing (or setting up TLS).
    #[error(transparent)]
    Io(#[from] std::io::Error),
    /// The TCP connection to the server could not be made (refused,
    /// unreachable, a name that does not resolve).
    ///
    /// Its text includes what the operating system said, so it is not also
    /// returned as a source (an error chain would print it twice).
    #[error("cannot connect to {addr} (after {:.1} s): {cause}", waited.as_secs_f64())]
    Connect {
        /// `host:port` (`[::1]:5038` for an IPv6 address).
        addr: String,
        /// How long the attempt took.
        waited: std::time::Duration,
        /// What the operating system said.
        cause: std::io::Error,
    },
    /// Connecting and logging in took longer than the timeout.
    #[error("no answer from {addr} within {:.1} s while {stage}", waited.as_secs_f64())]
    ConnectTimeout {
        /// `host:port` (`[::1]:5038` for an IPv6 address).
        addr: String,
        /// How long the client waited (the builder's timeout).
        waited: std::time::Duration,
        /// How far it got: `"connecting"`, `"reading the greeting"` or
        /// `"logging in"`.
        stage: &'static str,
    },
    /// The message cannot be written without injecting AMI headers (a CR or
    /// LF in a value, a bad key). Nothing was sent.
    #[error(transparent)]
    Encode(#[from] EncodeError),
    /// Asterisk refused the login (or the MD5 challenge).
    #[error("login refused: {message}")]
    Auth {
        /// Asterisk's `Message`, e.g. `Authentication failed`.
        message: String,
    },
    /// Asterisk answered the action with `Response: Error`.
    #[error("action failed: {message}")]
    Action {
        /// Asterisk's `Message` (empty when it sent none).
        message: String,
        /// The whole response.
        response: Message,
    },
    /// No complete answer arrived within the action's timeout.
    #[error("no answer to action {action:?} within its timeout")]
    Timeout {
        /// The `Action` name.
        action: String,
    },
    /// An event list (or the events that came before its response) grew past
    /// the limit set with `ClientBuilder::max_list_items`; the action fails
    /// and the rest of its events go to the event stream.
    #[error("the answer to action {action:?} has more than {limit} events")]
    ListTooLong {
        /// The `Action` name.
        action: String,
        /// The configured limit.
        limit: usize,
    },
    /// The connection is gone (closed by the peer, an I/O error, or the
    /// client was closed). Every pending action fails with this at once.
    #[error("disconnected: {reason}")]
    Disconnected {
        /// What ended the connection.
        reason: Disconnect,
    },
    /// The peer's first line is not an AMI greeting (`Asterisk Call
    /// Manager/…`), or a message came before it: not an AMI port.
    #[error("not an AMI greeting: {line:?}")]
    BadGreeting {
        /// What came instead (cut to the maximum message size).
        line: String,
    },
    /// Nothing came within the timeout after connecting: no greeting. A
    /// plain client on a TLS port sees this (the server waits for a TLS
    /// handshake).
    #[error("connected to {addr}, but no AMI greeting came within {:.1} s{}", waited.as_secs_f64(), if *.tls { "" } else { " (if the port speaks TLS, use amis://)" })]
    NoGreeting {
        /// Whether the client spoke TLS.
        tls: bool,
        /// `host:port` (`[::1]:5038` for an IPv6 address).
        addr: String,
        /// How long the client waited (the builder's timeout).
        waited: std::time::Duration,
    },
    /// The answer to `Challenge` carried no `Challenge` field.
    #[error("the Challenge response has no Challenge field")]
    NoChallenge,
    /// A list action was answered without an event list (`Client::list`).
    #[error("{action} answered without an event list (Message: {message:?})")]
    NotAList {
        /// The action.
        action: String,
        /// Asterisk's `Message`.
        message: String,
    },
    /// An action answered twice (an async `Originate`) resolved without its
    /// follow-up event.
    #[error("{action} resolved without its follow-up event")]
    NoFollowUp {
        /// The action.
        action: String,
    },
    /// `Logoff` was answered with something other than `Goodbye`.
    #[error("Logoff answered with {response:?} instead of Goodbye")]
    LogoffRefused {
        /// The `Response` it got.
        response: String,
    },
    /// TLS failed: the handshake (an untrusted or mismatched certificate,
    /// a port that does not speak TLS) or its setup (an unusable CA file);
    /// [`TlsError`] says which.
    #[error(transparent)]
    Tls(#[from] TlsError),
    /// The connection URL is malformed. The text never contains the secret.
    #[error("invalid AMI URL: {0}")]
    InvalidUrl(String),
    /// A user without a secret (`ami://admin@host`, no `AMI_SECRET`):
    /// refused before connecting, since Asterisk would refuse the login.
    #[error("no secret for user '{user}': give ami://{user}:SECRET@host:port or set AMI_SECRET")]
    NoSecret {
        /// The user name.
        user: String,
    },
    /// The PBX's Asterisk release lacks the action, or a parameter set on
    /// it: refused before anything was sent. `needs` names the releases
    /// that have it (`20.6+, 21.1+ or 22.0+`, a range such as
    /// `18.0–18.26` for one removed later). [`Client::send_anyway`]
    /// sends regardless.
    ///
    /// [`Client::send_anyway`]: crate::Client::send_anyway
    #[error("{what} needs Asterisk {needs}; this PBX runs {have}")]
    Unsupported {
        /// The action (`PJSIPHangup`) or parameter (`Originate parameter
        /// PreDialGoSub`).
        what: String,
        /// The PBX's version (`20.5.2`).
        have: String,
        /// The releases that have it, as text for people.
        needs: String,
    },
    /// The message already has an `ActionID`. The client assigns ActionIDs
    /// itself to match answers; it does not silently replace yours.
    #[error("the message already carries an ActionID; the client assigns it")]
    ActionIdSupplied,
    /// An event filter Asterisk would refuse; nothing was sent.
    #[error(transparent)]
    Filter(#[from] crate::filter::FilterError),
    /// A keepalive `Ping` went unanswered: the connection was declared dead
    /// and closed.
    #[error("connection dead: keepalive Ping unanswered")]
    DeadConnection,
}

/// Why a connection ended: what [`Error::Disconnected`],
/// [`StreamError::Disconnected`](crate::StreamError::Disconnected), a
/// reconnect's notice and
/// [`ConnectionState::Closed`](crate::client::ConnectionState::Closed) say.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum Disconnect {
    /// The peer closed the connection.
    #[error("connection closed by the peer")]
    ClosedByPeer,
    /// The peer closed the connection while the client was logging in.
    #[error("connection closed by the peer while logging in")]
    ClosedWhileLoggingIn,
    /// Reading from the connection failed.
    #[error("read error: {message}")]
    ReadFailed {
        /// The kind of I/O error.
        kind: std::io::ErrorKind,
        /// What the operating system (or TLS) said.
        message: String,
    },
    /// Writing to the connection failed.
    #[error("write error: {message}")]
    WriteFailed {
        /// The kind of I/O error.
        kind: std::io::ErrorKind,
        /// What the operating system (or TLS) said.
        message: String,
    },
    /// A keepalive `Ping` went unanswered: nothing arrived within the
    /// timeout, and the connection was declared dead.
    #[error("keepalive Ping: nothing arrived within the timeout, connection declared dead")]
    KeepaliveUnanswered,
    /// The peer stopped reading for longer than the timeout, and the
    /// connection was declared dead.
    #[error("the peer stopped reading for longer than the timeout: connection declared dead")]
    PeerStoppedReading,
    /// Every client handle was dropped.
    #[error("every client handle was dropped")]
    HandlesDropped,
    /// The client was closed (`close`, or after `Logoff`).
    #[error("connection closed")]
    Closed,
    /// The connection went down and the client is reconnecting: an action
    /// asked meanwhile fails with this. It holds why it went down.
    #[error("reconnecting; the connection ended: {0}")]
    Reconnecting(Box<Disconnect>),
    /// The client stopped reconnecting after this many attempts (its
    /// policy's limit). It holds why the connection went down.
    #[error("{lost}; gave up reconnecting after {attempts} attempts")]
    GaveUp {
        /// The attempts made.
        attempts: u32,
        /// Why the connection went down.
        lost: Box<Disconnect>,
    },
}

impl Disconnect {
    /// The error of a failed read or write.
    pub(crate) fn io(write: bool, e: &std::io::Error) -> Disconnect {
        let (kind, message) = (e.kind(), e.to_string());
        if write {
            Disconnect::WriteFailed { kind, message }
        } else {
            Disconnect::ReadFailed { kind, message }
        }
    }
}

/// Why TLS failed ([`Error::Tls`]): each case a caller may handle
/// differently, with the TLS library's own words where it gave some.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum TlsError {
    /// This build has no TLS: `amis://` needs the `tls` feature.
    #[error(
        "this build has no TLS: enable the `tls` feature of ami-types (or ami-core), \
         e.g. ami-types = {{ version = \"0.1\", features = [\"tls\"] }}"
    )]
    NotBuilt,
    /// The TLS library could not be set up.
    #[error("TLS setup failed: {0}")]
    Setup(String),
    /// The name to verify the certificate against is neither a DNS name
    /// nor an IP address.
    #[error("{0:?} is not a valid TLS server name")]
    InvalidServerName(String),
    /// The CA file given is not PEM, or a certificate in it is unusable.
    #[error("the CA file is unusable: {0}")]
    BadCaFile(String),
    /// The CA file given holds no certificate.
    #[error("the CA file holds no certificate")]
    EmptyCaFile,
    /// No CA file was given and this system has no trusted roots.
    #[error(
        "no trusted root certificates found on this system; give the server's CA (tls_ca_pem, --ca)"
    )]
    NoPlatformRoots,
    /// The peer does not speak TLS on this port (a plain AMI port?).
    #[error(
        "TLS handshake failed: {0} (the server does not speak TLS on this port: is it a plain AMI port? use ami://)"
    )]
    NotTls(String),
    /// The certificate is for another host name.
    #[error(
        "TLS handshake failed: {0} (the certificate names another host: connect by a name it has, or set tls_server_name)"
    )]
    WrongName(String),
    /// The certificate is not issued by a trusted CA (or is otherwise
    /// invalid: expired, revoked, malformed).
    #[error(
        "TLS handshake failed: {0} (give the server's CA with tls_ca_pem / --ca, or for a lab only, danger_accept_invalid_certs / --insecure)"
    )]
    Untrusted(String),
    /// The handshake failed otherwise (the connection dropped, a protocol
    /// error).
    #[error("TLS handshake failed: {0}")]
    Handshake(String),
    /// A server's certificate chain or private key (for
    /// `tls::server_config`) is not PEM or not usable.
    #[error("{0}")]
    ServerIdentity(String),
}

impl Error {
    /// Whether time ran out: [`Timeout`](Self::Timeout) (an action) or
    /// [`ConnectTimeout`](Self::ConnectTimeout) (connecting).
    pub fn is_timeout(&self) -> bool {
        matches!(self, Error::Timeout { .. } | Error::ConnectTimeout { .. })
    }

    /// Whether the connection is gone: [`Disconnected`](Self::Disconnected)
    /// or [`DeadConnection`](Self::DeadConnection).
    pub fn is_disconnected(&self) -> bool {
        matches!(self, Error::Disconnected { .. } | Error::DeadConnection)
    }

    /// Whether the login was refused ([`Auth`](Self::Auth)).
    pub fn is_auth(&self) -> bool {
        matches!(self, Error::Auth { .. })
    }

    /// The response of a failed action, for [`Action`](Self::Action).
    pub fn response(&self) -> Option<&Message> {
        match self {
            Error::Action { response, .. } => Some(response),
            _ => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn predicates() {
        assert!(Error::Timeout {
            action: "Ping".into()
        }
        .is_timeout());
        assert!(Error::DeadConnection.is_disconnected());
        assert!(Error::Disconnected {
            reason: Disconnect::ClosedByPeer
        }
        .is_disconnected());
        assert!(!Error::DeadConnection.is_timeout());
        assert!(Error::Auth {
            message: "Authentication failed".into()
        }
        .is_auth());
        let e = Error::Action {
            message: "Invalid/unknown command".into(),
            response: Message::new(),
        };
        assert!(e.response().is_some());
        assert!(!e.is_auth());
        assert_eq!(e.to_string(), "action failed: Invalid/unknown command");
    }
}
