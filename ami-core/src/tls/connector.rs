//! The rustls side of [`tls`](super): the client's connector and the
//! embedded server's configuration (feature `tls`).

use std::sync::Arc;

use rustls::client::danger::{HandshakeSignatureValid, ServerCertVerified, ServerCertVerifier};
use rustls::crypto::CryptoProvider;
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, ServerName, UnixTime};
use rustls::{DigitallySignedStruct, RootCertStore, SignatureScheme};
use tokio::net::TcpStream;
use tokio_rustls::TlsConnector;

use super::TlsSettings;
use crate::error::{Result, TlsError};

// rustls 0.23.48 deprecates its ring provider (no post-quantum key
// exchange). ring stays the choice here until moving to another provider
// is decided on its own (aws-lc-rs builds a large C library). The attribute
// keeps a `cargo update` from turning the notice into an error under
// `-D warnings`.
#[allow(deprecated)]
fn provider() -> Arc<CryptoProvider> {
    Arc::new(rustls::crypto::ring::default_provider())
}

/// A connector made once per client (the platform's roots are read once)
/// and used for every connection, reconnects included.
#[derive(Clone)]
pub(crate) struct Connector {
    connector: TlsConnector,
    server_name: ServerName<'static>,
}

impl std::fmt::Debug for Connector {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Connector")
            .field("server_name", &self.server_name)
            .finish_non_exhaustive()
    }
}

impl Connector {
    pub(crate) fn new(settings: &TlsSettings, host: &str) -> Result<Connector> {
        let builder = rustls::ClientConfig::builder_with_provider(provider())
            .with_safe_default_protocol_versions()
            .map_err(|e| TlsError::Setup(e.to_string()))?;
        let config = if settings.accept_invalid_certs {
            builder
                .dangerous()
                .with_custom_certificate_verifier(Arc::new(AcceptAnyCertificate(provider())))
                .with_no_client_auth()
        } else {
            builder
                .with_root_certificates(roots(settings.ca_pem.as_deref())?)
                .with_no_client_auth()
        };
        let name = settings.server_name.as_deref().unwrap_or(host);
        let server_name = ServerName::try_from(name.to_owned())
            .map_err(|_| TlsError::InvalidServerName(name.to_owned()))?;
        Ok(Connector {
            connector: TlsConnector::from(Arc::new(config)),
            server_name,
        })
    }

    /// The TLS handshake over a connected socket.
    pub(crate) async fn handshake(
        &self,
        tcp: TcpStream,
    ) -> Result<tokio_rustls::client::TlsStream<TcpStream>> {
        self.connector
            .connect(self.server_name.clone(), tcp)
            .await
            .map_err(|e| {
                let detail = e.to_string();
                let error = match e.get_ref().and_then(|r| r.downcast_ref::<rustls::Error>()) {
                    Some(rustls::Error::InvalidMessage(_)) => TlsError::NotTls(detail),
                    Some(rustls::Error::InvalidCertificate(
                        rustls::CertificateError::NotValidForName
                        | rustls::CertificateError::NotValidForNameContext { .. },
                    )) => TlsError::WrongName(detail),
                    Some(rustls::Error::InvalidCertificate(_)) => TlsError::Untrusted(detail),
                    _ => TlsError::Handshake(detail),
                };
                error.into()
            })
    }
}

/// The roots to verify against: the given PEM certificates, or the
/// platform's.
fn roots(ca_pem: Option<&[u8]>) -> Result<RootCertStore> {
    let mut store = RootCertStore::empty();
    match ca_pem {
        Some(pem) => {
            for cert in CertificateDer::pem_slice_iter(pem) {
                let cert = cert.map_err(|e| TlsError::BadCaFile(format!("not valid PEM: {e}")))?;
                store.add(cert).map_err(|e| {
                    TlsError::BadCaFile(format!("a certificate in it is unusable: {e}"))
                })?;
            }
            if store.is_empty() {
                return Err(TlsError::EmptyCaFile.into());
            }
        }
        None => {
            let found = rustls_native_certs::load_native_certs();
            for e in &found.errors {
                tracing::debug!(error = %e, "could not read some of the platform's TLS roots");
            }
            let (_added, _ignored) = store.add_parsable_certificates(found.certs);
            if store.is_empty() {
                return Err(TlsError::NoPlatformRoots.into());
            }
        }
    }
    Ok(store)
}

/// The lab opt-out: any certificate is accepted, the handshake's own
/// signatures are still checked.
#[derive(Debug)]
struct AcceptAnyCertificate(Arc<CryptoProvider>);

impl ServerCertVerifier for AcceptAnyCertificate {
    fn verify_server_cert(
        &self,
        _end_entity: &CertificateDer<'_>,
        _intermediates: &[CertificateDer<'_>],
        _server_name: &ServerName<'_>,
        _ocsp_response: &[u8],
        _now: UnixTime,
    ) -> std::result::Result<ServerCertVerified, rustls::Error> {
        Ok(ServerCertVerified::assertion())
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> std::result::Result<HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls12_signature(
            message,
            cert,
            dss,
            &self.0.signature_verification_algorithms,
        )
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> std::result::Result<HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls13_signature(
            message,
            cert,
            dss,
            &self.0.signature_verification_algorithms,
        )
    }

    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        self.0.signature_verification_algorithms.supported_schemes()
    }
}

/// A rustls server configuration from a PEM certificate chain and a PEM
/// private key, for the embedded server (or any server of yours).
///
/// ```
/// let cert = rcgen::generate_simple_self_signed(vec!["localhost".to_owned()]).unwrap();
/// let config = ami_core::tls::server_config(
///     cert.cert.pem().as_bytes(),
///     cert.signing_key.serialize_pem().as_bytes(),
/// )
/// .unwrap();
/// # drop(config);
/// ```
pub fn server_config(cert_chain_pem: &[u8], key_pem: &[u8]) -> Result<Arc<rustls::ServerConfig>> {
    let chain = CertificateDer::pem_slice_iter(cert_chain_pem)
        .collect::<std::result::Result<Vec<_>, _>>()
        .map_err(|e| {
            TlsError::ServerIdentity(format!("the certificate chain is not valid PEM: {e}"))
        })?;
    let key = rustls::pki_types::PrivateKeyDer::from_pem_slice(key_pem)
        .map_err(|e| TlsError::ServerIdentity(format!("the private key is not valid PEM: {e}")))?;
    let config = rustls::ServerConfig::builder_with_provider(provider())
        .with_safe_default_protocol_versions()
        .map_err(|e| TlsError::Setup(e.to_string()))?
        .with_no_client_auth()
        .with_single_cert(chain, key)
        .map_err(|e| {
            TlsError::ServerIdentity(format!("the certificate or key is unusable: {e}"))
        })?;
    Ok(Arc::new(config))
}
