//! Quickstart on the untyped `ami-core` client (the typed one is
//! `cargo run -p ami-types --example quickstart`): log in, ping, run a CLI command,
//! originate a call, list the channels and follow the call's events until it
//! hangs up.
//!
//! ```text
//! cargo run -p ami-core --example core_quickstart
//! AMI_URL=ami://admin:secret@pbx.example.com:5038 cargo run -p ami-core --example core_quickstart
//! ```
//!
//! Without `AMI_URL` it starts the embedded AMI server (a simulated
//! Asterisk 22) and talks to that.

use std::collections::BTreeSet;
use std::time::Duration;

use ami_core::{Client, Message, StreamError};
use ami_server::{Server, ServerConfig};

#[tokio::main]
async fn main() -> std::process::ExitCode {
    match run().await {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(e) => {
            // `Display`: the error as a sentence, not as a struct.
            eprintln!("core_quickstart: {e}");
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

    // Connect and log in. `events` receives every event from the login on.
    let (client, mut events) = Client::connect_untyped(&url).await?;
    println!("connected: {}", client.greeting().line());

    let pong = client.send_message(Message::action("Ping")).await?;
    println!(
        "Ping: {}",
        pong.response
            .get("Ping")
            .map(|v| v.to_string())
            .unwrap_or_default()
    );

    println!("core show version:");
    for line in client.command("core show version").await? {
        println!("  {line}");
    }

    // Originate a short call: Local/100@default runs Wait(1) once answered.
    let mut originate = Message::action("Originate");
    originate.append("Channel", "Local/100@default");
    originate.append("Application", "Wait");
    originate.append("Data", "1");
    originate.append("CallerID", "\"Quickstart\" <100>");
    let (response, result) = client.originate_message(originate).await?;
    println!(
        "Originate: {} ({}); OriginateResponse: {}, reason {}, channel {}",
        field(&response, "Response"),
        field(&response, "Message"),
        field(&result, "Response"),
        field(&result, "Reason"),
        field(&result, "Channel"),
    );
    let answered = field(&result, "Response") == "Success";

    // The channels now up.
    let channels = client
        .send_message(Message::action("CoreShowChannels"))
        .await?;
    println!("CoreShowChannels: {} channel(s)", channels.items.len());
    for ch in &channels.items {
        println!(
            "  {:<36} {:<8} {}({})",
            field(ch, "Channel"),
            field(ch, "ChannelStateDesc"),
            field(ch, "Application"),
            field(ch, "ApplicationData"),
        );
    }

    // The call's events, from the stream (it kept those sent while we were
    // busy above), until every channel of the call has hung up.
    if answered {
        let linkedid = field(&result, "Uniqueid");
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

/// Prints the events whose `Linkedid` is `linkedid` (and the bridges they
/// enter) until all the channels created for the call have hung up.
async fn follow_call(events: &mut ami_core::EventStream, linkedid: &str) {
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
                println!("  ({gap})");
                return;
            }
            Err(StreamError::Disconnected(why)) => {
                println!("  (connection closed: {why})");
                return;
            }
        };
        let linked = event.get("Linkedid").or_else(|| event.get("DestLinkedid"));
        let bridge = field(&event, "BridgeUniqueid");
        let ours = linked.is_some_and(|l| *l == linkedid) || bridges.contains(&bridge);
        if !ours {
            continue;
        }
        let name = event
            .event_name()
            .map(|n| n.to_string())
            .unwrap_or_default();
        let channel = field(&event, "Channel");
        let detail = match name.as_str() {
            "Newchannel" => {
                alive.insert(channel.clone());
                field(&event, "ChannelStateDesc")
            }
            "Newstate" => field(&event, "ChannelStateDesc"),
            "DialBegin" => format!("-> {}", field(&event, "DestChannel")),
            "DialEnd" => format!(
                "-> {} {}",
                field(&event, "DestChannel"),
                field(&event, "DialStatus")
            ),
            "BridgeEnter" => {
                bridges.insert(bridge.clone());
                format!("bridge {bridge}")
            }
            "BridgeLeave" | "BridgeDestroy" => format!("bridge {bridge}"),
            "VarSet" => format!("{}={}", field(&event, "Variable"), field(&event, "Value")),
            "Newexten" => format!(
                "{}({})",
                field(&event, "Application"),
                field(&event, "AppData")
            ),
            "HangupRequest" => format!("cause {}", field(&event, "Cause")),
            "Hangup" => {
                alive.remove(&channel);
                hung_up += 1;
                format!(
                    "cause {} ({})",
                    field(&event, "Cause"),
                    field(&event, "Cause-txt")
                )
            }
            _ => String::new(),
        };
        let channel = match (channel.is_empty(), name.starts_with("Dial")) {
            (true, true) => "(originate)".to_owned(),
            _ => channel,
        };
        println!("  {name:<18} {channel:<36} {detail}");
        if hung_up > 0 && alive.is_empty() {
            return;
        }
    }
}

/// A field as text, empty when absent.
fn field(m: &Message, key: &str) -> String {
    m.get(key).map(|v| v.to_string()).unwrap_or_default()
}
