//! [`ClientBuilder`]: a connection's settings, from code or from an
//! `ami://` URL, and the [`EventMask`] setting. Opening the connection
//! ([`connect_untyped`](ClientBuilder::connect_untyped)) is the client's part, beside it in
//! `client.rs`.

use std::fmt;
use std::time::Duration;

use ami_wire::classes::Classes;
use ami_wire::value;

use super::{
    Reconnect, DEFAULT_EVENT_BUFFER, DEFAULT_MAX_LIST_ITEMS, DEFAULT_PORT, DEFAULT_TCP_KEEPALIVE,
    DEFAULT_TIMEOUT,
};
use crate::codec::DEFAULT_MAX_MESSAGE_SIZE;
use crate::error::{Error, Result};
use crate::tls::{TlsSettings, DEFAULT_TLS_PORT};
use crate::transcript::Transcript;

/// Which events Asterisk sends on this connection (the `Events` field of
/// `Login`).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub enum EventMask {
    /// Every event the account may read (`Events: on`).
    #[default]
    On,
    /// No events (`Events: off`); actions and their lists still work.
    Off,
    /// A class mask, e.g. `"call,system"`.
    Mask(String),
}

impl EventMask {
    /// A class mask of these classes, e.g. `call,system`; none at all is
    /// [`Off`](Self::Off).
    ///
    /// ```
    /// use ami_core::filter::EventClass;
    /// use ami_core::EventMask;
    /// let e = EventMask::classes([EventClass::Call, EventClass::Agent]);
    /// assert_eq!(e, EventMask::Mask("call,agent".into()));
    /// ```
    pub fn classes(classes: impl IntoIterator<Item = crate::filter::EventClass>) -> EventMask {
        let names: Vec<&str> = classes.into_iter().map(|c| c.as_str()).collect();
        if names.is_empty() {
            EventMask::Off
        } else {
            EventMask::Mask(names.join(","))
        }
    }

    /// The setting as the value of `Events` on `Login` or `EventMask` on
    /// the `Events` action.
    pub(crate) fn as_wire(&self) -> &str {
        match self {
            EventMask::On => "on",
            EventMask::Off => "off",
            EventMask::Mask(mask) => mask.as_str(),
        }
    }

    /// The setting a wire value (or URL parameter) names: Asterisk's
    /// spellings of on and off (any case), else a class mask.
    ///
    /// ```
    /// use ami_core::EventMask;
    /// assert_eq!(EventMask::from_wire("Yes"), EventMask::On);
    /// assert_eq!(EventMask::from_wire("call,agent"), EventMask::Mask("call,agent".into()));
    /// ```
    pub fn from_wire(value: &str) -> EventMask {
        match Classes::parse(value) {
            Classes::All => EventMask::On,
            Classes::None => EventMask::Off,
            Classes::Only(_) => EventMask::Mask(value.trim().to_owned()),
        }
    }
}

/// A secret that never shows in `Debug`.
#[derive(Clone, PartialEq, Eq)]
pub(crate) struct Secret(String);

impl Secret {
    pub(crate) fn new(secret: String) -> Secret {
        Secret(secret)
    }

    pub(crate) fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("\"<redacted>\"")
    }
}

/// Settings of a connection; [`connect_untyped`](Self::connect_untyped) opens it
/// (`ami_types::connect_with` with typed events).
///
/// ```no_run
/// # async fn demo() -> ami_core::Result<()> {
/// use std::time::Duration;
/// use ami_core::{ClientBuilder, EventMask};
///
/// let (client, events) = ClientBuilder::new("pbx.example.org", 5038)
///     .credentials("admin", "amp111")
///     .md5(true)
///     .events(EventMask::Mask("call,system".into()))
///     .timeout(Duration::from_secs(5))
///     .keepalive(Some(Duration::from_secs(30)))
///     .connect_untyped()
///     .await?;
/// # Ok(())
/// # }
/// ```
///
/// The secret never appears in `Debug`, logs or errors.
#[derive(Clone)]
pub struct ClientBuilder {
    pub(crate) host: String,
    pub(crate) port: u16,
    pub(crate) credentials: Option<(String, Secret)>,
    pub(crate) md5: bool,
    pub(crate) events: EventMask,
    pub(crate) timeout: Duration,
    pub(crate) keepalive: Option<Duration>,
    pub(crate) event_buffer: usize,
    pub(crate) max_message_size: usize,
    pub(crate) max_list_items: usize,
    pub(crate) tcp_keepalive: Option<Duration>,
    pub(crate) reconnect: Option<Reconnect>,
    pub(crate) tls: Option<TlsSettings>,
    pub(crate) transcript: Option<std::path::PathBuf>,
    pub(crate) check_releases: bool,
    /// The transcript once opened (by `connect`).
    pub(crate) trace: Option<Transcript>,
}

impl fmt::Debug for ClientBuilder {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ClientBuilder")
            .field("host", &self.host)
            .field("port", &self.port)
            .field("username", &self.credentials.as_ref().map(|(u, _)| u))
            .field("secret", &self.credentials.as_ref().map(|(_, s)| s))
            .field("md5", &self.md5)
            .field("events", &self.events)
            .field("timeout", &self.timeout)
            .field("keepalive", &self.keepalive)
            .field("event_buffer", &self.event_buffer)
            .field("max_message_size", &self.max_message_size)
            .field("max_list_items", &self.max_list_items)
            .field("tcp_keepalive", &self.tcp_keepalive)
            .field("reconnect", &self.reconnect)
            .field("tls", &self.tls)
            .field("transcript", &self.transcript)
            .field("check_releases", &self.check_releases)
            .finish()
    }
}

impl ClientBuilder {
    /// Settings for `host:port`, with every default: no credentials (set
    /// them with [`credentials`](Self::credentials); without them the client
    /// does not log in), plain login, events on, 10 s timeout, no keepalive,
    /// a 64 MiB event buffer, 1 MiB messages, TCP keepalive after 60 s, no
    /// reconnect.
    pub fn new(host: impl Into<String>, port: u16) -> Self {
        ClientBuilder {
            host: host.into(),
            port,
            credentials: None,
            md5: false,
            events: EventMask::On,
            timeout: DEFAULT_TIMEOUT,
            keepalive: None,
            event_buffer: DEFAULT_EVENT_BUFFER,
            max_message_size: DEFAULT_MAX_MESSAGE_SIZE,
            max_list_items: DEFAULT_MAX_LIST_ITEMS,
            tcp_keepalive: Some(DEFAULT_TCP_KEEPALIVE),
            reconnect: None,
            tls: None,
            transcript: None,
            check_releases: true,
            trace: None,
        }
    }

    /// Settings from a URL: `ami://user:secret@host:port?events=off&auth=md5`,
    /// or `amis://…` for TLS (see [`tls`](Self::tls)).
    ///
    /// The port defaults to 5038 (5039 with `amis://`); user and secret are
    /// percent-decoded.
    /// Query parameters: `events` (`on`, `off` or a class mask like
    /// `call,system`), `auth` (`plain` or `md5`), `timeout` and `keepalive`
    /// (seconds, fractions allowed), `reconnect` (`on` for the default
    /// [`Reconnect`] policy, `off`). Errors never contain the secret.
    ///
    /// ```
    /// use ami_core::ClientBuilder;
    /// let b = ClientBuilder::from_url("ami://admin:p%40ss@127.0.0.1?auth=md5").unwrap();
    /// assert!(!format!("{b:?}").contains("p@ss"));
    /// assert!(ClientBuilder::from_url("http://admin:x@host").is_err());
    /// ```
    ///
    /// A URL with a user but no secret (`ami://admin@host`) takes the
    /// secret from the environment variable `AMI_SECRET` when it connects;
    /// without it [`connect_untyped`](Self::connect_untyped) fails with
    /// [`Error::NoSecret`] before connecting.
    pub fn from_url(url: &str) -> Result<Self> {
        let url = url::Url::parse(url).map_err(|e| {
            match e {
            url::ParseError::RelativeUrlWithoutBase => Error::InvalidUrl(
                "no scheme: it starts ami:// (or amis:// for TLS), e.g. ami://user:secret@host:5038"
                    .to_owned(),
            ),
            e => Error::InvalidUrl(e.to_string()),
        }
        })?;
        let tls = match url.scheme() {
            "ami" => false,
            "amis" => true,
            other => {
                return Err(Error::InvalidUrl(format!(
                    "the scheme must be ami:// or amis://, not {other}://"
                )))
            }
        };
        let host = match url.host() {
            Some(url::Host::Domain(d)) if !d.is_empty() => d.to_owned(),
            Some(url::Host::Ipv4(ip)) => ip.to_string(),
            Some(url::Host::Ipv6(ip)) => ip.to_string(),
            _ => return Err(Error::InvalidUrl("the URL has no host".to_owned())),
        };
        if !matches!(url.path(), "" | "/") {
            return Err(Error::InvalidUrl("the URL must not have a path".to_owned()));
        }
        let default_port = if tls { DEFAULT_TLS_PORT } else { DEFAULT_PORT };
        let mut b = ClientBuilder::new(host, url.port().unwrap_or(default_port)).tls(tls);
        if !url.username().is_empty() {
            let user = percent_decode(url.username(), "user name")?;
            let secret = percent_decode(url.password().unwrap_or(""), "secret")?;
            b = b.credentials(user, secret);
        } else if url.password().is_some() {
            return Err(Error::InvalidUrl("a secret without a user name".to_owned()));
        }
        for (key, value) in url.query_pairs() {
            match &*key {
                "events" => b.events = EventMask::from_wire(&value),
                "auth" => {
                    b.md5 = match &*value {
                        "md5" => true,
                        "plain" => false,
                        _ => return Err(Error::InvalidUrl("auth must be plain or md5".to_owned())),
                    }
                }
                "timeout" => b.timeout = seconds(&value, "timeout")?,
                "keepalive" => b.keepalive = Some(seconds(&value, "keepalive")?),
                "reconnect" => {
                    b.reconnect = match value::boolean(value.as_bytes()) {
                        Some(true) => Some(Reconnect::default()),
                        Some(false) => None,
                        None => {
                            return Err(Error::InvalidUrl("reconnect must be on or off".to_owned()))
                        }
                    }
                }
                other => return Err(Error::InvalidUrl(format!("unknown parameter {other:?}"))),
            }
        }
        Ok(b)
    }

    /// `host:port` as messages show it (`[::1]:5038` for an IPv6 address).
    pub fn addr(&self) -> String {
        if self.host.contains(':') {
            format!("[{}]:{}", self.host, self.port)
        } else {
            format!("{}:{}", self.host, self.port)
        }
    }

    /// The account to log in with. Without credentials the client connects
    /// but does not log in.
    pub fn credentials(mut self, username: impl Into<String>, secret: impl Into<String>) -> Self {
        self.credentials = Some((username.into(), Secret(secret.into())));
        self
    }

    /// Logs in with an MD5 challenge (`Challenge` action, then `Login` with
    /// `Key` = md5(challenge + secret)) instead of sending the secret.
    pub fn md5(mut self, md5: bool) -> Self {
        self.md5 = md5;
        self
    }

    /// Which events to receive (sent as `Events` in the login).
    pub fn events(mut self, events: EventMask) -> Self {
        self.events = events;
        self
    }

    /// The events setting (from [`events`](Self::events) or the URL's
    /// `events=`).
    pub fn event_setting(&self) -> &EventMask {
        &self.events
    }

    /// The user name to log in as, if credentials are set (from
    /// [`credentials`](Self::credentials) or the URL, percent-decoded).
    pub fn username(&self) -> Option<&str> {
        self.credentials.as_ref().map(|(user, _)| user.as_str())
    }

    /// Whether the credentials carry a secret (a URL may name a user
    /// without one: then [`connect_untyped`](Self::connect_untyped) takes
    /// it from `AMI_SECRET`). The secret itself is never readable.
    pub fn has_secret(&self) -> bool {
        self.credentials
            .as_ref()
            .is_some_and(|(_, secret)| !secret.expose().is_empty())
    }

    /// The reconnect policy, if one is set (see [`reconnect`](Self::reconnect)).
    pub fn reconnect_policy(&self) -> Option<&Reconnect> {
        self.reconnect.as_ref()
    }

    /// The default per-action timeout (10 s); also bounds connecting and
    /// logging in, and how long the peer may leave what we write unread
    /// before the connection is declared dead. It runs from the moment an
    /// action is asked for, time spent queued included. Any value works:
    /// one too large to add to the clock means "no deadline".
    pub fn timeout(mut self, timeout: Duration) -> Self {
        self.timeout = timeout;
        self
    }

    /// Sends a `Ping` when nothing has arrived for this long (none while
    /// the previous one is unanswered). When, after a `Ping`, nothing at all
    /// arrives within the action [`timeout`](Self::timeout), the connection
    /// is declared dead: the socket is closed, pending actions fail with
    /// [`Error::DeadConnection`] and the event streams end (or, with a
    /// [`reconnect`](Self::reconnect) policy, the client reconnects and the
    /// streams get a notice of the gap). A silent half-open connection is
    /// thus found within the interval plus the timeout. Any incoming
    /// traffic is a sign of life (Asterisk answers one action at a time, so
    /// the `Ping` may wait behind a long list). Default: off; zero turns it
    /// off too.
    pub fn keepalive(mut self, interval: Option<Duration>) -> Self {
        self.keepalive = interval.filter(|d| !d.is_zero());
        self
    }

    /// The bound, in bytes of memory, of the connection's event buffer,
    /// shared by all of its subscribers (each event is stored once). Only
    /// when the events not yet taken by some subscriber would pass it are
    /// the oldest dropped, and that subscriber is told how many it missed
    /// ([`StreamError::Lagged`](crate::StreamError::Lagged)). Once a quarter
    /// of it is in use, the reader pauses for at most 20 ms at a time to let
    /// subscribers catch up (Asterisk waits 100 ms for a client to read).
    /// Default 64 MiB; any value is accepted (it is a bound, nothing is
    /// allocated up front).
    pub fn event_buffer(mut self, bytes: usize) -> Self {
        self.event_buffer = bytes;
        self
    }

    /// The largest message accepted (default 1 MiB; at least 64 bytes, at
    /// most 4 GiB); a larger one is skipped with a warning and the
    /// connection goes on.
    pub fn max_message_size(mut self, bytes: usize) -> Self {
        self.max_message_size = bytes;
        self
    }

    /// TCP keepalive on the socket: after this long without traffic the
    /// kernel probes the peer (every 10 s, or this interval if shorter) and
    /// ends a connection whose peer is gone, so a silent half-open
    /// connection does not look up forever. On by default (60 s); `None`
    /// turns it off. Values are capped at the kernel's limit (32,767 s).
    /// For detection within a chosen time at the AMI level, see
    /// [`keepalive`](Self::keepalive).
    pub fn tcp_keepalive(mut self, idle: Option<Duration>) -> Self {
        self.tcp_keepalive = idle;
        self
    }

    /// The most events one answer may carry (list items, or events that
    /// arrive before the response); past it the action fails with
    /// [`Error::ListTooLong`] instead of growing memory. Default 250,000.
    pub fn max_list_items(mut self, items: usize) -> Self {
        self.max_list_items = items.max(1);
        self
    }

    /// Speaks TLS (what `amis://` sets): the server's certificate chain and
    /// host name are verified against the platform's trusted roots, or the
    /// CAs given with [`tls_ca_pem`](Self::tls_ca_pem). Off by default.
    /// Asterisk serves it with `tlsenable=yes` in `manager.conf`, on port
    /// 5039 by default.
    pub fn tls(mut self, on: bool) -> Self {
        self.tls = match (on, self.tls.take()) {
            (true, settings) => Some(settings.unwrap_or_default()),
            (false, _) => None,
        };
        self
    }

    /// Trusts the CA certificates of this PEM text (e.g. the contents of
    /// your PBX's CA file) instead of the platform's roots; turns TLS on.
    /// A PEM text with no usable certificate fails at connect with
    /// [`Error::Tls`].
    pub fn tls_ca_pem(self, pem: impl Into<Vec<u8>>) -> Self {
        let mut b = self.tls(true);
        if let Some(tls) = &mut b.tls {
            tls.ca_pem = Some(pem.into());
        }
        b
    }

    /// Verifies the server's certificate for this name instead of the host
    /// connected to (e.g. connecting by IP to a PBX whose certificate names
    /// `pbx.example.org`); turns TLS on.
    pub fn tls_server_name(self, name: impl Into<String>) -> Self {
        let mut b = self.tls(true);
        if let Some(tls) = &mut b.tls {
            tls.server_name = Some(name.into());
        }
        b
    }

    /// **For labs only**: accepts any certificate, whoever issued it and
    /// whatever name it has. The connection is still encrypted, but anyone
    /// on the path can pose as the PBX and read the login. `true` turns
    /// TLS on.
    pub fn danger_accept_invalid_certs(self, accept: bool) -> Self {
        if !accept && self.tls.is_none() {
            return self;
        }
        let mut b = self.tls(true);
        if let Some(tls) = &mut b.tls {
            tls.accept_invalid_certs = accept;
        }
        b
    }

    /// Reconnects after a lost connection, by this policy (see [`Reconnect`]
    /// for what is re-applied and what happens to actions and events).
    /// **Off by default**: without a policy a lost connection ends the
    /// client (every action fails, the event streams end), which is the
    /// honest default for programs that do not handle the
    /// [`StreamError::Reconnected`](crate::StreamError::Reconnected) gap.
    /// `?reconnect=on` in the URL sets the default policy.
    pub fn reconnect(mut self, policy: Option<Reconnect>) -> Self {
        self.reconnect = policy;
        self
    }

    /// Whether typed sends ([`Client::send`](crate::Client::send), [`Client::list`](crate::Client::list),
    /// [`Client::originate`](crate::Client::originate)) first check that the PBX's release has the
    /// action and every parameter set on it ([`Action::check_release`](crate::Action::check_release)),
    /// failing with [`Error::Unsupported`] before anything is sent. **On by
    /// default**: the first typed send on a connection asks the PBX its
    /// version once (`CoreSettings`); a PBX that does not say (the user
    /// lacks `system` read permission) is not checked.
    /// [`Client::send_anyway`](crate::Client::send_anyway) skips the check for one action.
    pub fn check_releases(mut self, on: bool) -> Self {
        self.check_releases = on;
        self
    }

    /// Writes a wire transcript to this file: every byte sent and received,
    /// timestamped, secrets redacted (see [`transcript`](crate::transcript)
    /// for the format). Without this option the `AMI_TRACE` environment
    /// variable, when set, names the file. The file is appended to.
    pub fn transcript(mut self, path: impl Into<std::path::PathBuf>) -> Self {
        self.transcript = Some(path.into());
        self
    }
}

fn percent_decode(s: &str, what: &str) -> Result<String> {
    percent_encoding::percent_decode_str(s)
        .decode_utf8()
        .map(std::borrow::Cow::into_owned)
        .map_err(|_| Error::InvalidUrl(format!("the {what} is not UTF-8 after percent-decoding")))
}

fn seconds(value: &str, what: &str) -> Result<Duration> {
    value
        .parse::<f64>()
        .ok()
        .and_then(|s| Duration::try_from_secs_f64(s).ok())
        .ok_or_else(|| Error::InvalidUrl(format!("{what} must be a number of seconds")))
}
