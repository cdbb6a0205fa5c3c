//! Cross-crate integration tests live in `tests/`; this library holds what
//! several test crates share: [`TestCa`], certificates made at test time.

use std::sync::Arc;

use ami_core::tls::rustls;

/// A certificate authority made at test time (rcgen), issuing server
/// certificates for the embedded AMI server.
pub struct TestCa {
    issuer: rcgen::Issuer<'static, rcgen::KeyPair>,
    pem: String,
}

impl TestCa {
    /// A new CA, trusted by nothing but what is given [`pem`](Self::pem).
    pub fn new() -> TestCa {
        let mut params = rcgen::CertificateParams::new(Vec::<String>::new()).unwrap();
        params.is_ca = rcgen::IsCa::Ca(rcgen::BasicConstraints::Unconstrained);
        params.distinguished_name.push(
            rcgen::DnType::CommonName,
            format!("ami test CA {}", unique()),
        );
        let key = rcgen::KeyPair::generate().unwrap();
        let cert = params.self_signed(&key).unwrap();
        TestCa {
            pem: cert.pem(),
            issuer: rcgen::Issuer::new(params, key),
        }
    }

    /// The CA certificate, PEM.
    pub fn pem(&self) -> &str {
        &self.pem
    }

    /// A rustls server configuration with a certificate for `names` (DNS
    /// names or IP addresses) issued by this CA.
    pub fn server_config(&self, names: &[&str]) -> Arc<rustls::ServerConfig> {
        let names: Vec<String> = names.iter().map(|n| (*n).to_owned()).collect();
        let params = rcgen::CertificateParams::new(names).unwrap();
        let key = rcgen::KeyPair::generate().unwrap();
        let cert = params.signed_by(&key, &self.issuer).unwrap();
        ami_core::tls::server_config(cert.pem().as_bytes(), key.serialize_pem().as_bytes()).unwrap()
    }
}

/// A number no other CA of this process has.
fn unique() -> u64 {
    static NEXT: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);
    NEXT.fetch_add(1, std::sync::atomic::Ordering::Relaxed)
}

impl Default for TestCa {
    fn default() -> Self {
        TestCa::new()
    }
}

/// The README's Rust blocks, compiled (and not run: they need a PBX) as
/// doc tests, so that what it shows is what the crates offer.
#[cfg(doctest)]
#[doc = include_str!("../../README.md")]
pub struct ReadmeDoctests;
