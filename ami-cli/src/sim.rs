//! `ami sim`: the embedded AMI server until Ctrl-C.

use std::io::{self, Write};
use std::time::Duration;

use ami_server::{Server, ServerConfig};

use crate::failure::Failure;

/// `ami sim`: the embedded AMI server until Ctrl-C.
pub(crate) async fn sim(
    bind: std::net::IpAddr,
    port: u16,
    user: String,
    secret: Option<String>,
    call_duration: Option<Duration>,
    asterisk_version: Option<String>,
) -> Result<(), Failure> {
    // The secret is shown only when it is the simulator's well-known
    // default; one given with --secret stays the user's.
    let default_secret = secret.is_none();
    let config = ServerConfig {
        username: user.clone(),
        secret: secret.unwrap_or_else(|| ServerConfig::default().secret),
        // Calls last long enough to be seen from another shell, in real
        // time; the same seed gives the same ids.
        time_scale: 1.0,
        ring_time: Duration::from_secs(1),
        call_duration: call_duration.unwrap_or(Duration::from_secs(30)),
        seed: Some(5038),
        asterisk_version: asterisk_version
            .unwrap_or_else(|| ServerConfig::default().asterisk_version),
        ..ServerConfig::default()
    };
    let server = Server::start_on(std::net::SocketAddr::new(bind, port), config)
        .await
        .map_err(|e| Failure::Connection(format!("cannot listen on {bind}:{port}: {e}")))?;
    // A URL that works goes to stdout (scripts read it): with the
    // well-known default secret in it, or without the secret given by
    // --secret, which then goes in AMI_SECRET.
    let addr = server.addr();
    let user_part =
        percent_encoding::utf8_percent_encode(&user, percent_encoding::NON_ALPHANUMERIC);
    if default_secret {
        let default = ServerConfig::default().secret;
        println!("ami://{user_part}:{default}@{addr}");
        eprintln!(
            "ami: the embedded AMI server listens on {addr}; Ctrl-C stops it. Try: ami --url ami://{user_part}:{default}@{addr} action Ping"
        );
    } else {
        println!("ami://{user_part}@{addr}");
        eprintln!(
            "ami: the embedded AMI server listens on {addr}; Ctrl-C stops it. The URL has no secret: set AMI_SECRET to the --secret you gave (the library and the CLI read it). Try: AMI_SECRET=… ami --url ami://{user_part}@{addr} action Ping"
        );
    }
    let _ = io::stdout().flush();
    tokio::signal::ctrl_c()
        .await
        .map_err(|e| Failure::Connection(format!("cannot wait for Ctrl-C: {e}")))?;
    server.shutdown();
    Ok(())
}
