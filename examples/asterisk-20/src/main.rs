//! Talks to an AMI server with the Asterisk 20 types of this crate: a `Ping`,
//! a `CoreShowChannels` list, the events of a call.
//!
//! `cargo run -p ami-example-asterisk20` uses the embedded server;
//! `AMI_URL=ami://user:secret@pbx:5038` a real Asterisk.

use ami_example_asterisk20::event::Event;
use ami_example_asterisk20::{action, ASTERISK_VERSION};
use ami_server::{Server, ServerConfig};

#[tokio::main]
async fn main() -> std::process::ExitCode {
    match run().await {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("asterisk-20: {e}");
            std::process::ExitCode::FAILURE
        }
    }
}

async fn run() -> ami_types::Result<()> {
    let mut server = None;
    let url = match std::env::var("AMI_URL") {
        Ok(url) => url,
        Err(_) => {
            let started = Server::start(ServerConfig::default()).await?;
            let url = started.url();
            server = Some(started);
            url
        }
    };
    let (client, events) = ami_types::ClientBuilder::from_url(&url)?
        .connect_untyped()
        .await?;
    let mut events = events.typed::<Event>();
    println!("types of Asterisk {ASTERISK_VERSION}");

    let pong = client.send(&action::Ping::new()).await?;
    println!("Ping: {:?}", pong.ping());

    let channels = client.list(&action::CoreShowChannels::new()).await?;
    println!("CoreShowChannels: {} channels", channels.items.len());

    let reply = client
        .send(
            &action::Originate::new("Local/100@default")
                .application("Wait")
                .data("1"),
        )
        .await?;
    println!("Originate: {:?}", reply.message());
    while let Ok(event) =
        tokio::time::timeout(std::time::Duration::from_secs(3), events.recv()).await
    {
        match event {
            Ok(Event::Hangup(hangup)) => {
                println!("Hangup {:?} cause {:?}", hangup.channel(), hangup.cause());
                break;
            }
            Ok(other) => println!("{:?}", other.kind()),
            Err(e) => {
                println!("stream: {e}");
                break;
            }
        }
    }
    client.close().await?;
    drop(server);
    Ok(())
}
