//! TLS: the client against the embedded server serving `amis://` with
//! certificates made at test time.

use std::time::Duration;

use ami_core::client::Reconnect;
use ami_core::{Client, ClientBuilder, Error, Message, StreamError, TlsError};
use ami_server::{Server, ServerConfig};
use ami_tests::TestCa;
use tokio::time::timeout;

/// Far more than any case needs; a hang fails the test.
const BOUND: Duration = Duration::from_secs(5);

async fn tls_server(ca: &TestCa, names: &[&str]) -> Server {
    Server::start(ServerConfig {
        tls: Some(ca.server_config(names)),
        ..ServerConfig::default()
    })
    .await
    .unwrap()
}

/// `amis://admin:amp111@localhost:<port>`.
fn url(server: &Server) -> String {
    format!("amis://admin:amp111@localhost:{}", server.addr().port())
}

async fn connect(builder: ClientBuilder) -> ami_core::Result<Client> {
    timeout(BOUND, builder.connect_untyped())
        .await
        .expect("connecting hung")
        .map(|(client, _)| client)
}

#[tokio::test]
async fn a_good_certificate_is_verified_and_the_session_works() {
    let ca = TestCa::new();
    let server = tls_server(&ca, &["localhost"]).await;
    assert!(server.url().starts_with("amis://"));
    let builder = ClientBuilder::from_url(&url(&server))
        .unwrap()
        .tls_ca_pem(ca.pem());
    let (client, mut events) = builder.connect_untyped().await.unwrap();
    let pong = client.send_message(Message::action("Ping")).await.unwrap();
    assert_eq!(pong.response.get("Ping").unwrap(), "Pong");
    let lines = client.command("core show version").await.unwrap();
    assert!(lines[0].to_string().contains("Asterisk"));
    let booted = timeout(BOUND, events.recv()).await.unwrap().unwrap();
    assert_eq!(booted.event_name().unwrap(), "FullyBooted");
    client.close().await.unwrap();
}

#[tokio::test]
async fn a_wrong_host_name_is_refused() {
    let ca = TestCa::new();
    let server = tls_server(&ca, &["pbx.example.org"]).await;
    let err = connect(
        ClientBuilder::from_url(&url(&server))
            .unwrap()
            .tls_ca_pem(ca.pem()),
    )
    .await
    .unwrap_err();
    assert!(matches!(err, Error::Tls(TlsError::WrongName(_))), "{err:?}");
    assert!(err.to_string().contains("not valid for name"), "{err}");
    assert!(err.to_string().contains("tls_server_name"), "{err}");
    // Told which name to expect, the same certificate is good.
    let ok = ClientBuilder::from_url(&url(&server))
        .unwrap()
        .tls_ca_pem(ca.pem())
        .tls_server_name("pbx.example.org");
    assert!(connect(ok).await.is_ok());
}

#[tokio::test]
async fn an_unknown_ca_is_refused_and_the_secret_never_shows() {
    let ca = TestCa::new();
    let server = tls_server(&ca, &["localhost"]).await;
    // Another CA, and the platform's roots: neither issued it.
    for builder in [
        ClientBuilder::from_url(&url(&server))
            .unwrap()
            .tls_ca_pem(TestCa::new().pem()),
        ClientBuilder::from_url(&url(&server)).unwrap(),
    ] {
        let err = connect(builder).await.unwrap_err();
        assert!(
            matches!(
                err,
                Error::Tls(TlsError::Untrusted(_) | TlsError::NoPlatformRoots)
            ),
            "{err:?}"
        );
        let text = format!("{err} {err:?}");
        assert!(
            text.contains("UnknownIssuer") || text.contains("no trusted root"),
            "{text}"
        );
        assert!(!text.contains("amp111"), "{text}");
    }
}

#[tokio::test]
async fn the_lab_opt_out_accepts_any_certificate() {
    let ca = TestCa::new();
    let server = tls_server(&ca, &["somewhere.else"]).await;
    let builder = ClientBuilder::from_url(&url(&server))
        .unwrap()
        .danger_accept_invalid_certs(true);
    assert!(format!("{builder:?}").contains("danger_accept_invalid_certs: true"));
    let client = connect(builder).await.unwrap();
    assert!(client.send_message(Message::action("Ping")).await.is_ok());
}

#[tokio::test]
async fn a_plain_client_on_a_tls_port_gets_a_clear_error() {
    let ca = TestCa::new();
    let server = tls_server(&ca, &["localhost"]).await;
    let plain = format!("ami://admin:amp111@127.0.0.1:{}", server.addr().port());
    let err = connect(
        ClientBuilder::from_url(&plain)
            .unwrap()
            .timeout(Duration::from_millis(500)),
    )
    .await
    .unwrap_err();
    assert!(
        matches!(err, Error::NoGreeting { tls: false, .. }),
        "{err:?}"
    );
    assert!(err.to_string().contains("amis://"), "{err}");
}

#[tokio::test]
async fn a_tls_client_on_a_plain_port_gets_a_clear_error() {
    let server = Server::start(ServerConfig::default()).await.unwrap();
    let tls = format!("amis://admin:amp111@localhost:{}", server.addr().port());
    let err = connect(
        ClientBuilder::from_url(&tls)
            .unwrap()
            .tls_ca_pem(TestCa::new().pem()),
    )
    .await
    .unwrap_err();
    assert!(matches!(err, Error::Tls(TlsError::NotTls(_))), "{err:?}");
    assert!(err.to_string().contains("ami://"), "{err}");
}

#[tokio::test]
async fn a_bad_ca_file_is_a_tls_error() {
    for pem in [
        "",
        "not a certificate",
        "-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n",
    ] {
        let err = connect(ClientBuilder::new("localhost", 1).tls_ca_pem(pem))
            .await
            .unwrap_err();
        assert!(
            matches!(
                err,
                Error::Tls(TlsError::EmptyCaFile | TlsError::BadCaFile(_))
            ),
            "{pem:?}: {err:?}"
        );
    }
}

#[tokio::test]
async fn a_tls_client_reconnects_over_tls() {
    let ca = TestCa::new();
    let mut server = tls_server(&ca, &["localhost"]).await;
    let (client, mut events) = ClientBuilder::from_url(&url(&server))
        .unwrap()
        .tls_ca_pem(ca.pem())
        .reconnect(Some(
            Reconnect::default().initial(Duration::from_millis(10)),
        ))
        .connect_untyped()
        .await
        .unwrap();
    server.restart(Duration::from_millis(50)).await.unwrap();
    loop {
        match timeout(BOUND, events.recv()).await.unwrap() {
            Ok(_) => {}
            Err(StreamError::Reconnected(gap)) => {
                // Closed without TLS close_notify, as Asterisk does when it
                // restarts: a plain close all the same.
                assert_eq!(gap.reason, ami_core::Disconnect::ClosedByPeer);
                break;
            }
            Err(e) => panic!("{e}"),
        }
    }
    assert!(client.send_message(Message::action("Ping")).await.is_ok());
}

#[test]
fn amis_urls_default_to_port_5039() {
    let b = ClientBuilder::from_url("amis://u:p@pbx.example.org").unwrap();
    let text = format!("{b:?}");
    assert!(text.contains("port: 5039"), "{text}");
    assert!(text.contains("tls: Some"), "{text}");
    let plain = format!(
        "{:?}",
        ClientBuilder::from_url("ami://u:p@pbx.example.org").unwrap()
    );
    assert!(
        plain.contains("port: 5038") && plain.contains("tls: None"),
        "{plain}"
    );
}
