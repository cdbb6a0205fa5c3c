//! Quickstart on the typed API: log in, ping, run a CLI command, originate a
//! call, list the channels and follow the call's typed events until it hangs
//! up.
//!
//! ```text
//! cargo run -p ami-types --example quickstart
//! AMI_URL=ami://admin:secret@pbx.example.com:5038 cargo run -p ami-types --example quickstart
//! ```
//!
//! Without `AMI_URL` it starts the embedded AMI server (a simulated
//! Asterisk 22) and talks to that. (The same on the untyped client:
//! `cargo run -p ami-core --example core_quickstart`.)

use ami_types::TextField;
use std::collections::BTreeSet;
use std::time::Duration;

use ami_server::{Server, ServerConfig};
use ami_types::action::{CoreShowChannels, Originate, Ping};
use ami_types::event::Event;
use ami_types::StreamError;
use ami_types::{EventStream, Text};

#[tokio::main]
async fn main() -> std::process::ExitCode {
    match run().await {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(e) => {
            // `Display`: the error as a sentence, not as a struct.
            eprintln!("quickstart: {e}");
            std::process::ExitCode::FAILURE
        }
    }
}

async fn run() -> Result<(), Box<dyn std::error::Error>> {
    // An Asterisk of yours, or the embedded server.
    let (url, _server) = match std::env::var("AMI_URL") {
        Ok(url) => (url, None),
        Err(_) => {
            let server = Server::start(ServerConfig::default()).await?;
            println!(
                "AMI_URL is not set: using the embedded AMI server on {}",
                server.addr()
            );
            (server.url(), Some(server))
        }
    };

    // Connect and log in. `events` receives every event from the login on,
    // decoded into `Event`.
    let (client, mut events) = ami_types::connect(&url).await?;
    println!("connected: {}", client.greeting().line());

    // A typed response: `PingResponse { ping, timestamp: Option<f64>, .. }`.
    let pong = client.send(&Ping::new()).await?;
    println!(
        "Ping: {} at {}",
        pong.ping().to_str_lossy().into_owned(),
        pong.timestamp().unwrap_or_default()
    );

    println!("core show version:");
    for line in client.command("core show version").await? {
        println!("  {line}");
    }

    // Originate a short call: Local/100@default runs Wait(1) once answered.
    // `originate` sets `Async: true` and waits for the OriginateResponse.
    let call = Originate::new("Local/100@default")
        .application("Wait")
        .data("1")
        .caller_id("\"Quickstart\" <100>")
        .timeout(30_000);
    let result = client.originate(&call).await?;
    println!(
        "OriginateResponse: {} (reason {}), channel {}, uniqueid {}",
        if result.is_success() {
            "answered"
        } else {
            "failed"
        },
        result.reason().unwrap_or_default(),
        result.channel().to_str_lossy().into_owned(),
        result.uniqueid().to_str_lossy().into_owned(),
    );

    // The channels now up: `Collection<CoreShowChannel, CoreShowChannelsComplete>`.
    let channels = client.list(&CoreShowChannels::new()).await?;
    println!(
        "CoreShowChannels: {} channel(s), {} reported",
        channels.len(),
        channels
            .reported
            .map_or_else(|| "none".to_owned(), |n| n.to_string()),
    );
    if let Err(mismatch) = channels.check_count() {
        println!("  ({mismatch})");
    }
    for ch in &channels {
        println!(
            "  {:<36} {:<8} {}({})",
            ch.channel().to_str_lossy().into_owned(),
            ch.channel_state_desc()
                .as_ref()
                .and_then(|s| s.as_str())
                .unwrap_or_default(),
            ch.application().to_str_lossy().into_owned(),
            ch.application_data().to_str_lossy().into_owned(),
        );
    }

    // The call's events, from the stream (it kept those sent while we were
    // busy above), until every channel of the call has hung up.
    if result.is_success() {
        let linkedid = result.uniqueid().to_str_lossy().into_owned();
        println!("events of the call (Linkedid {linkedid}):");
        let follow = follow_call(&mut events, &linkedid);
        if tokio::time::timeout(Duration::from_secs(60), follow)
            .await
            .is_err()
        {
            println!("  (still going after 60 s; not waiting any longer)");
        }
    }

    client.close().await?;
    println!("logged off");
    Ok(())
}

/// Prints the typed events of the call whose `Linkedid` is `linkedid` (and
/// the bridges they enter) until all its channels have hung up.
async fn follow_call(events: &mut EventStream, linkedid: &str) {
    let mut alive = BTreeSet::new();
    let mut bridges = BTreeSet::new();
    let mut hung_up = 0;
    loop {
        let event = match events.recv().await {
            Ok(event) => event,
            Err(StreamError::Lagged(n)) => {
                println!("  ({n} events missed)");
                continue;
            }
            Err(StreamError::Reconnected(gap)) => {
                // The call's events in the gap are lost: stop following it.
                println!("  ({gap})");
                return;
            }
            Err(StreamError::Disconnected(why)) => {
                println!("  (connection closed: {why})");
                return;
            }
        };
        let raw = event.raw();
        let linked = raw.get("Linkedid").or_else(|| raw.get("DestLinkedid"));
        let bridge = raw.get("BridgeUniqueid").map(Text::to_string);
        let ours = linked.is_some_and(|l| *l == linkedid)
            || bridge.as_ref().is_some_and(|b| bridges.contains(b));
        if !ours {
            continue;
        }
        let (channel, detail) = match &event {
            Event::Newchannel(e) => {
                alive.insert(e.channel().to_str_lossy().into_owned());
                (
                    e.channel().to_str_lossy().into_owned(),
                    state(&e.channel_state_desc()),
                )
            }
            Event::Newstate(e) => (
                e.channel().to_str_lossy().into_owned(),
                state(&e.channel_state_desc()),
            ),
            Event::DialBegin(e) => (
                or_originate(&e.channel()),
                format!("-> {}", e.dest_channel().to_str_lossy().into_owned()),
            ),
            Event::DialEnd(e) => (
                or_originate(&e.channel()),
                format!(
                    "-> {} {}",
                    e.dest_channel().to_str_lossy().into_owned(),
                    e.dial_status()
                        .as_ref()
                        .and_then(|s| s.as_str())
                        .unwrap_or_default()
                ),
            ),
            Event::BridgeEnter(e) => {
                let id = e.bridge_uniqueid().to_str_lossy().into_owned();
                bridges.insert(id.clone());
                (
                    e.channel().to_str_lossy().into_owned(),
                    format!("bridge {id}"),
                )
            }
            Event::BridgeLeave(e) => (
                e.channel().to_str_lossy().into_owned(),
                format!("bridge {}", e.bridge_uniqueid().to_str_lossy().into_owned()),
            ),
            Event::BridgeDestroy(e) => (
                String::new(),
                format!("bridge {}", e.bridge_uniqueid().to_str_lossy().into_owned()),
            ),
            Event::VarSet(e) => (
                e.channel().to_str_lossy().into_owned(),
                format!(
                    "{}={}",
                    e.variable().to_str_lossy().into_owned(),
                    e.value().to_str_lossy().into_owned()
                ),
            ),
            Event::NewExten(e) => (
                e.channel().to_str_lossy().into_owned(),
                format!(
                    "{}({})",
                    e.application().to_str_lossy().into_owned(),
                    e.app_data().to_str_lossy().into_owned()
                ),
            ),
            Event::HangupRequest(e) => (
                e.channel().to_str_lossy().into_owned(),
                format!("cause {}", e.cause().unwrap_or_default()),
            ),
            Event::Hangup(e) => {
                alive.remove(&e.channel().to_str_lossy().into_owned());
                hung_up += 1;
                (
                    e.channel().to_str_lossy().into_owned(),
                    format!(
                        "cause {} ({})",
                        e.cause().unwrap_or_default(),
                        e.cause_txt().to_str_lossy().into_owned()
                    ),
                )
            }
            other => (
                raw.get("Channel").map(Text::to_string).unwrap_or_default(),
                if other.field_errors().is_empty() {
                    String::new()
                } else {
                    format!("{:?}", other.field_errors())
                },
            ),
        };
        println!("  {:<18} {channel:<36} {detail}", event.name());
        if hung_up > 0 && alive.is_empty() {
            return;
        }
    }
}

/// A channel state description, empty when absent.
fn state(s: &Option<ami_types::enums::ChannelStateDesc>) -> String {
    s.as_ref()
        .and_then(|s| s.as_str())
        .unwrap_or_default()
        .to_owned()
}

/// The dialling channel, or `(originate)` for a dial by Originate itself.
fn or_originate(channel: &Option<&Text>) -> String {
    match channel {
        Some(c) if !c.as_bytes().is_empty() => c.to_string(),
        _ => "(originate)".to_owned(),
    }
}
