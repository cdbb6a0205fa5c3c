//! Click-to-call: ring the agent's phone, and when the agent answers, dial
//! the customer; follow the call as one `Call` from start to end (its
//! channels, who talks to whom, the outcome and the hangup cause).
//!
//! ```text
//! cargo run -p ami-live --example click_to_call
//! AMI_URL=ami://admin:secret@pbx.example.com:5038 AGENT=PJSIP/100 CUSTOMER=5551234 CONTEXT=from-internal cargo run -p ami-live --example click_to_call
//! ```
//!
//! Without `AMI_URL` it starts the embedded AMI server, whose endpoints
//! answer at once (named `busy`, `noanswer` or `congestion` they do not).

use std::time::Duration;

use ami_live::{Change, ChangeItem, Pbx};
use ami_server::{Server, ServerConfig};
use ami_types::action::Originate;

#[tokio::main]
async fn main() -> std::process::ExitCode {
    match run().await {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(e) => {
            // `Display`: the error as a sentence, not as a struct.
            eprintln!("click_to_call: {e}");
            std::process::ExitCode::FAILURE
        }
    }
}

async fn run() -> Result<(), Box<dyn std::error::Error>> {
    let (url, _server) = match std::env::var("AMI_URL") {
        Ok(url) => (url, None),
        Err(_) => {
            let server = Server::start(ServerConfig {
                time_scale: 0.05,
                call_duration: Duration::from_secs(20),
                ..ServerConfig::default()
            })
            .await?;
            println!("AMI_URL is not set: using the embedded AMI server");
            (server.url(), Some(server))
        }
    };
    let var = |k: &str, d: &str| std::env::var(k).unwrap_or_else(|_| d.to_owned());
    let (agent, customer, context) = (
        var("AGENT", "PJSIP/100"),
        var("CUSTOMER", "5551234"),
        var("CONTEXT", "default"),
    );

    let pbx = Pbx::connect(&url).await?;
    let mut changes = pbx.changes();

    // The agent's phone rings first; once answered, the dialplan dials the
    // customer.
    println!("calling {agent}, then {customer}@{context}");
    let call = pbx
        .originate_call(
            Originate::new(&agent)
                .context(&context)
                .exten(&customer)
                .priority(1)
                .caller_id(format!("\"Click to call\" <{customer}>"))
                .timeout(30_000),
        )
        .await?;
    println!("agent leg: {} (call {})", call.outcome(), call.call);
    if !call.answered {
        return Ok(());
    }

    // Follow the call until it ends.
    let handle = pbx.call(&call.call);
    let connected = tokio::time::timeout(Duration::from_secs(30), handle.until_connected()).await;
    if let Ok(Ok(c)) = connected {
        let state = pbx.snapshot();
        for u in c.channels.iter() {
            for peer in state.talks_to(u) {
                let (a, b) = (state.channel(u), state.channel(&peer));
                if let (Some(a), Some(b)) = (a, b) {
                    println!("{} talks to {}", a.name, b.name);
                }
            }
        }
    }
    let ended = handle.until_ended();
    tokio::pin!(ended);
    let end = loop {
        tokio::select! {
            end = &mut ended => break end?,
            change = changes.recv() => match change {
                Some(ChangeItem::Change(r)) => match &r.change {
                    Change::ChannelAdded { name, .. } => println!("  + {name}"),
                    Change::ChannelRemoved { name, cause, cause_txt, .. } => {
                        println!("  - {name} (cause {cause:?} {cause_txt})")
                    }
                    _ => {}
                },
                Some(ChangeItem::Lagged { .. }) => {}
                None => break handle.until_ended().await?,
            },
        }
    };
    println!(
        "call ended after {:.1}s, cause {:?}",
        end.duration.as_secs_f64(),
        end.cause
    );
    pbx.close().await?;
    Ok(())
}
