//! TLS for AMI (`amis://`, Asterisk's `tlsenable` on port 5039), over
//! rustls with the *ring* provider.
//!
//! By default the server's certificate chain and host name are verified
//! against the platform's trusted roots (read with rustls-native-certs);
//! [`ClientBuilder::tls_ca_pem`](crate::ClientBuilder::tls_ca_pem) trusts
//! given CAs instead (a private PBX's own CA), and
//! [`ClientBuilder::danger_accept_invalid_certs`](crate::ClientBuilder::danger_accept_invalid_certs)
//! turns verification off for the lab (the connection is still encrypted,
//! but anyone in the path can read and change it).
//!
//! All of this needs the `tls` feature (off by default). Without it,
//! `amis://` fails to connect with a [`Tls`](crate::Error::Tls) error saying which feature to
//! turn on.
//!
//! The embedded server (the `ami-server` crate) serves TLS with a rustls
//! `ServerConfig` in its `ServerConfig::tls`, made with `server_config`
//! (both with the `tls` feature).

#[cfg(not(feature = "tls"))]
use crate::error::{Result, TlsError};

#[cfg(feature = "tls")]
mod connector;

#[cfg(feature = "tls")]
pub use connector::server_config;
#[cfg(feature = "tls")]
pub(crate) use connector::Connector;
#[cfg(feature = "tls")]
pub use rustls;

/// The default port of AMI over TLS.
pub const DEFAULT_TLS_PORT: u16 = 5039;

/// How a client speaks TLS: which roots it trusts, whether it verifies.
#[derive(Clone, Default, PartialEq, Eq)]
pub(crate) struct TlsSettings {
    /// PEM certificates to trust instead of the platform's roots.
    pub(crate) ca_pem: Option<Vec<u8>>,
    pub(crate) accept_invalid_certs: bool,
    /// The name to verify instead of the host connected to.
    pub(crate) server_name: Option<String>,
}

impl std::fmt::Debug for TlsSettings {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TlsSettings")
            .field("ca", &self.ca_pem.as_ref().map(|_| "<PEM>"))
            .field("danger_accept_invalid_certs", &self.accept_invalid_certs)
            .field("server_name", &self.server_name)
            .finish()
    }
}

/// A connector cannot exist without the `tls` feature: an `amis://` URL or
/// [`ClientBuilder::tls`](crate::ClientBuilder::tls) fails to connect with
/// [`TlsError::NotBuilt`](crate::TlsError::NotBuilt).
#[cfg(not(feature = "tls"))]
#[derive(Clone, Debug)]
pub(crate) enum Connector {}

#[cfg(not(feature = "tls"))]
impl Connector {
    pub(crate) fn new(_settings: &TlsSettings, _host: &str) -> Result<Connector> {
        Err(TlsError::NotBuilt.into())
    }
}

#[cfg(all(test, not(feature = "tls")))]
mod tests {
    #[tokio::test]
    async fn amis_without_the_feature_says_which_feature() {
        let err = crate::ClientBuilder::from_url("amis://admin:s@127.0.0.1:1")
            .unwrap()
            .connect_untyped()
            .await
            .unwrap_err();
        assert!(
            matches!(err, crate::Error::Tls(super::TlsError::NotBuilt)),
            "{err:?}"
        );
        assert!(err.to_string().contains("`tls` feature"), "{err}");
    }
}
