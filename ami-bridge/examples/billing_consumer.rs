//! Billing across every PBX from the bridge's stream: one CSV line per
//! `Cdr`, and a line per gap (calls in it may be missing from the bill).
//! The consumer is durable: stopped and started again, it goes on after
//! the last record it finished, without a duplicate.
//!
//! ```text
//! nats-server -js &                                   # Debian: apt-get install nats-server
//! ami sim --port 5038 &                               # or your PBXs
//! cargo run -p ami-bridge -- --nats nats://127.0.0.1:4222 --pbx east=ami://admin:amp111@127.0.0.1:5038 &
//! ami --url ami://admin:amp111@127.0.0.1:5038 originate Local/100@default --app Wait --data 3
//! NATS_URL=nats://127.0.0.1:4222 cargo run -p ami-bridge --example billing_consumer
//! ```

use ami_bridge::{BridgeItem, Subscriber};
use ami_types::event::Event;
use ami_types::TextField;

#[tokio::main]
async fn main() -> std::process::ExitCode {
    match run().await {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("billing_consumer: {e}");
            std::process::ExitCode::FAILURE
        }
    }
}

async fn run() -> Result<(), Box<dyn std::error::Error>> {
    let url = std::env::var("NATS_URL").unwrap_or_else(|_| "nats://127.0.0.1:4222".to_owned());
    let nats = async_nats::connect(url.as_str()).await?;
    // Cdrs and gaps of every PBX, nothing else.
    let mut sub = Subscriber::connect(nats, "AMI", "billing", "ami.>").await?;
    println!("pbx,start,answer,end,source,destination,duration,billable,disposition");
    while let Some(item) = sub.next().await? {
        match item {
            BridgeItem::Event { pbx, event, .. } => {
                if let Event::Cdr(cdr) = *event {
                    println!(
                        "{pbx},{},{},{},{},{},{},{},{}",
                        cdr.start_time().to_str_lossy(),
                        cdr.answer_time().to_str_lossy(),
                        cdr.end_time().to_str_lossy(),
                        cdr.source().to_str_lossy(),
                        cdr.destination().to_str_lossy(),
                        cdr.duration().unwrap_or_default().as_secs(),
                        cdr.billable_seconds().unwrap_or_default().as_secs(),
                        cdr.disposition().map(|d| d.to_string()).unwrap_or_default(),
                    );
                }
            }
            BridgeItem::Gap(gap) => eprintln!(
                "# {}: calls between {} and {} may be missing ({})",
                gap.pbx, gap.down_since, gap.up_at, gap.reason
            ),
        }
    }
    Ok(())
}
