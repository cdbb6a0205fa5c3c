//! A URL with a user and no secret: the secret comes from `AMI_SECRET`, or
//! the connect is refused before any connection is made. (One test in a
//! binary of its own: it sets the process's environment.)

use ami_core::{Client, Error};
use ami_server::{Server, ServerConfig};

#[tokio::test]
async fn a_url_without_a_secret_takes_ami_secret_or_is_refused_before_connecting() {
    std::env::remove_var("AMI_SECRET");
    // Nothing listens on port 9: a connection attempt would fail otherwise.
    let err = Client::connect_untyped("ami://admin@127.0.0.1:9")
        .await
        .unwrap_err();
    match &err {
        Error::NoSecret { user } => assert_eq!(user, "admin"),
        other => panic!("{other:?}"),
    }
    assert!(err.to_string().contains("AMI_SECRET"), "{err}");

    let server = Server::start(ServerConfig::default()).await.unwrap();
    let url = format!("ami://admin@{}", server.addr());
    std::env::set_var("AMI_SECRET", "amp111");
    let (client, _events) = Client::connect_untyped(&url).await.unwrap();
    client.close().await.unwrap();
    std::env::set_var("AMI_SECRET", "wrong");
    assert!(matches!(
        Client::connect_untyped(&url).await,
        Err(Error::Auth { .. })
    ));
    std::env::remove_var("AMI_SECRET");
}
