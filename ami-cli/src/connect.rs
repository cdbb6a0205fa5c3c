//! Where and how to connect: `--url`, `AMI_URL`, `AMI_SECRET`, TLS and
//! `--sim`.

use std::time::Duration;

use ami_core::{Client, ClientBuilder, Error, EventMask, EventStream};
use ami_server::{Server, ServerConfig};

use crate::failure::Failure;

/// Where and how to connect.
pub(crate) struct Conn {
    pub(crate) url: Option<String>,
    pub(crate) sim: bool,
    pub(crate) timeout: Option<Duration>,
    pub(crate) ca: Option<std::path::PathBuf>,
    pub(crate) insecure: bool,
    pub(crate) reconnect: bool,
}

/// A connected client; holds the embedded server alive with `--sim`.
pub(crate) struct Session {
    pub(crate) client: Client,
    pub(crate) events: EventStream,
    /// `host:port`, for messages.
    pub(crate) target: String,
    pub(crate) _server: Option<Server>,
}

impl Session {
    /// Logs off politely, not waiting long for it.
    pub(crate) async fn close(self) {
        let _ = tokio::time::timeout(Duration::from_secs(1), self.client.close()).await;
    }
}

impl Conn {
    /// Connects and logs in, with events on (`events`) or off.
    pub(crate) async fn open(&self, events: bool) -> Result<Session, Failure> {
        let (builder, server, target) = if self.sim {
            let server = Server::start(ServerConfig::default()).await.map_err(|e| {
                Failure::Connection(format!("cannot start the embedded server: {e}"))
            })?;
            let builder = ClientBuilder::from_url(&server.url())
                .map_err(|e| Failure::Connection(e.to_string()))?;
            let target = server.addr().to_string();
            (builder, Some(server), target)
        } else {
            let (builder, target) = self.builder_from_url()?;
            (builder, None, target)
        };
        let mut builder = self.tls(builder)?;
        if let Some(t) = self.timeout {
            builder = builder.timeout(t);
        }
        if self.reconnect {
            builder = builder.reconnect(Some(ami_core::client::Reconnect::default()));
        }
        if !events {
            builder = builder.events(EventMask::Off);
        } else if *builder.event_setting() == EventMask::Off {
            // A command that exists to read events would wait forever.
            eprintln!("ami: warning: ignoring the URL's events=off: this command needs events");
            builder = builder.events(EventMask::On);
        }
        let (client, events) = builder.connect_untyped().await.map_err(|e| match e {
            Error::Auth { message } => {
                Failure::Connection(format!("login to {target} refused: {message}"))
            }
            // These name the address and the time waited themselves.
            e @ (Error::Connect { .. }
            | Error::ConnectTimeout { .. }
            | Error::NoGreeting { .. }) => Failure::Connection(e.to_string()),
            e => Failure::from_error(e, &format!("cannot connect to {target}: ")),
        })?;
        Ok(Session {
            client,
            events,
            target,
            _server: server,
        })
    }

    /// `--ca` and `--insecure` applied (they need an `amis://` URL).
    pub(crate) fn tls(&self, builder: ClientBuilder) -> Result<ClientBuilder, Failure> {
        let tls = self.url.as_deref().is_some_and(|u| {
            u.get(..7)
                .is_some_and(|s| s.eq_ignore_ascii_case("amis://"))
        });
        if (self.ca.is_some() || self.insecure) && (!tls || self.sim) {
            return Err(Failure::Usage(
                "--ca and --insecure are for TLS: give an amis:// URL".to_owned(),
            ));
        }
        let mut builder = builder;
        if let Some(path) = &self.ca {
            let pem = std::fs::read(path).map_err(|e| {
                Failure::Usage(format!("cannot read the CA file {}: {e}", path.display()))
            })?;
            builder = builder.tls_ca_pem(pem);
        }
        if self.insecure {
            eprintln!("ami: warning: --insecure: the server's certificate is not verified");
            builder = builder.danger_accept_invalid_certs(true);
        }
        Ok(builder)
    }

    /// The builder for `--url`/`AMI_URL`, with `AMI_SECRET` applied, and
    /// `host:port` for messages (never the secret).
    pub(crate) fn builder_from_url(&self) -> Result<(ClientBuilder, String), Failure> {
        let Some(raw) = &self.url else {
            return Err(Failure::Usage(
                "no server: give --url, set AMI_URL, or use --sim".to_owned(),
            ));
        };
        // One parse: the library's messages say what is wrong.
        let mut builder =
            ClientBuilder::from_url(raw).map_err(|e| Failure::Usage(e.to_string()))?;
        // The URL's user, percent-decoded.
        let user = builder
            .username()
            .filter(|u| !u.is_empty())
            .map(str::to_owned);
        // AMI_SECRET wins over the URL's secret, and is used byte for byte
        // (a URL's secret is percent-decoded).
        let env_secret = match std::env::var("AMI_SECRET") {
            Ok(secret) if !secret.is_empty() => Some(secret),
            Ok(_) | Err(std::env::VarError::NotPresent) => None,
            Err(std::env::VarError::NotUnicode(_)) => {
                return Err(Failure::Usage("AMI_SECRET is not UTF-8".to_owned()));
            }
        };
        match (user, env_secret) {
            (None, Some(_)) => {
                return Err(Failure::Usage(
                    "AMI_SECRET is set but the URL names no user".to_owned(),
                ))
            }
            (None, None) => {
                return Err(Failure::Usage(
                    "the URL names no user: give ami://user:secret@host:port".to_owned(),
                ))
            }
            (Some(user), Some(secret)) => builder = builder.credentials(user, secret),
            (Some(user), None) if !builder.has_secret() => {
                return Err(Failure::Usage(format!(
                "no secret for user '{user}': give ami://user:secret@host:port or set AMI_SECRET"
            )))
            }
            (Some(_), None) => {}
        }
        let target = builder.addr();
        Ok((builder, target))
    }
}
