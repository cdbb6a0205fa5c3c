//! # ami-bridge
//!
//! Every event of many Asterisk servers onto NATS JetStream, for consumers
//! in any language that must not miss a `Hangup` because they were
//! restarting:
//!
//! ```text
//! PBX east ─┐                      ┌─> billing (durable consumer)
//! PBX west ─┼─> ami-bridge ─> JetStream stream "AMI" ─┼─> CRM, wallboards
//! PBX …    ─┘   (one AMI session     ami.<pbx>.event.<Name>  └─> analytics (Python, …)
//!               per PBX)             ami.<pbx>.event._gap
//! ```
//!
//! - [`bridge::run`] publishes each event as versioned JSON ([`schema`]) on
//!   `ami.<pbx>.event.<EventName>`, with a `Nats-Msg-Id` so that a publish
//!   sent again after a lost acknowledgement is stored once, in per-PBX
//!   order; a gap marker on `ami.<pbx>.event._gap` whenever events may be missing
//!   (the AMI connection was down, the bridge was not running, or it fell
//!   behind); each PBX's status on `ami.<pbx>.status` every 5 s.
//! - [`Subscriber`] is a durable consumer yielding typed events rebuilt
//!   from the raw pairs (the same `Event` a direct client gets) and the gap
//!   markers, resuming where it left off.
//!
//! While NATS is unreachable the bridge waits; the AMI sockets are still
//! read (each PBX's client buffers up to its event buffer, 64 MiB by
//! default), and what that buffer had to drop is published as a gap once
//! NATS is back.

pub mod bridge;
pub mod config;
pub mod schema;
mod subscriber;

pub use config::BridgeConfig;
pub use subscriber::{BridgeItem, Subscriber};

/// Why the bridge stopped, or a consumer failed. Each variant's text
/// includes its cause (which is therefore not also returned as a source).
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum BridgeError {
    /// The configuration is wrong (nothing was connected).
    #[error("configuration: {0}")]
    Config(String),
    /// A file the configuration names could not be read.
    #[error("configuration: cannot read {}: {cause}", path.display())]
    ReadFile {
        /// The file.
        path: std::path::PathBuf,
        /// Why.
        cause: std::io::Error,
    },
    /// An environment variable the configuration names is not set.
    #[error("configuration: the environment variable {0} is not set")]
    MissingEnv(String),
    /// The NATS server could not be reached or refused the connection.
    #[error("NATS: cannot connect to {url}: {cause}")]
    NatsConnect {
        /// The server's URL.
        url: String,
        /// What the NATS client said.
        cause: async_nats::Error,
    },
    /// The JetStream stream could not be created or found.
    #[error("NATS: the stream {name}: {cause}")]
    Stream {
        /// The stream's name.
        name: String,
        /// What the NATS client said.
        cause: async_nats::Error,
    },
    /// The durable consumer could not be created or read.
    #[error("NATS: consumer {durable}: {cause}")]
    Consumer {
        /// The consumer's durable name.
        durable: String,
        /// What the NATS client said.
        cause: async_nats::Error,
    },
    /// An acknowledgement was not recorded.
    #[error("NATS: ack: {0}")]
    Ack(async_nats::Error),
}
