//! A queue wallboard on the live model: no bookkeeping of its own. The
//! model loads `QueueStatus`, follows the queue events (callers joining and
//! leaving, members' status and pauses) and refreshes the counters that
//! only `QueueStatus` carries; the board reads a snapshot at each redraw.
//!
//! ```text
//! cargo run -p ami-live --example wallboard
//! AMI_URL=ami://admin:secret@pbx.example.com:5038 WALLBOARD_REFRESHES=60 cargo run -p ami-live --example wallboard
//! ```
//!
//! Without `AMI_URL` it starts the embedded AMI server with one queue of two
//! agents, sends five callers into it, and stops once they are all served.
//! With `AMI_URL` it shows `WALLBOARD_REFRESHES` refreshes (default 12),
//! every `WALLBOARD_INTERVAL` seconds (default 5).

use std::time::{Duration, SystemTime};

use ami_live::{Change, ChangeItem, Pbx, State};
use ami_server::{DemoMember, DemoQueue, Server, ServerConfig};
use ami_types::action::Originate;

#[tokio::main]
async fn main() -> std::process::ExitCode {
    match run().await {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(e) => {
            // `Display`: the error as a sentence, not as a struct.
            eprintln!("wallboard: {e}");
            std::process::ExitCode::FAILURE
        }
    }
}

async fn run() -> Result<(), Box<dyn std::error::Error>> {
    let (url, server) = match std::env::var("AMI_URL") {
        Ok(url) => (url, None),
        Err(_) => {
            let server = Server::start(demo_config()).await?;
            println!("AMI_URL is not set: using the embedded AMI server");
            (server.url(), Some(server))
        }
    };
    let env = |key: &str, default: f64| {
        std::env::var(key)
            .ok()
            .and_then(|v| v.parse::<f64>().ok())
            .unwrap_or(default)
    };
    let (interval, refreshes) = match server {
        Some(_) => (Duration::from_millis(200), usize::MAX),
        None => (
            Duration::from_secs_f64(env("WALLBOARD_INTERVAL", 5.0).max(0.1)),
            env("WALLBOARD_REFRESHES", 12.0) as usize,
        ),
    };

    let pbx = Pbx::builder()
        .queue_refresh(Some(Duration::from_secs(5)))
        .connect(&url)
        .await?;
    let mut changes = pbx.changes();

    // Against the embedded server: five callers, one every simulated second.
    let mut callers = tokio::task::JoinSet::new();
    if server.is_some() {
        for n in 0..5u32 {
            let pbx = pbx.clone();
            callers.spawn(async move {
                tokio::time::sleep(Duration::from_millis(50) * n).await;
                let number = format!("55501{n:02}");
                let call = Originate::new(format!("PJSIP/{number}"))
                    .application("Queue")
                    .data("support")
                    .caller_id(format!("\"Caller {n}\" <{number}>"));
                pbx.originate_call(call).await
            });
        }
    }

    let mut tick = tokio::time::interval(interval);
    let mut shown = 0;
    loop {
        tokio::select! {
            _ = tick.tick() => {
                print(&pbx.snapshot(), SystemTime::now());
                shown += 1;
                let done = match &server {
                    Some(_) => callers.is_empty() && pbx.snapshot().channels.is_empty(),
                    None => shown >= refreshes,
                };
                if done {
                    break;
                }
            }
            Some(answer) = callers.join_next(), if !callers.is_empty() => {
                let answer = answer??;
                if !answer.answered {
                    println!("  ! a caller could not be reached: {}", answer.outcome());
                }
            }
            change = changes.recv() => match change {
                Some(ChangeItem::Change(r)) => match r.change {
                    Change::QueueCallerJoined { queue, position, .. } => {
                        println!("  + a caller joins {queue} at position {position}");
                    }
                    Change::QueueCallerLeft { queue, abandoned: true, .. } => {
                        println!("  - a caller hung up waiting in {queue}");
                    }
                    _ => {}
                },
                // The model repaired itself; the next redraw shows it.
                Some(ChangeItem::Lagged { .. }) => println!("  ! the board fell behind; redrawing"),
                None => {
                    println!("connection closed: {:?}", pbx.status());
                    break;
                }
            },
        }
    }
    pbx.close().await?;
    Ok(())
}

/// One queue of the demo: two agents, nobody waiting yet.
fn demo_config() -> ServerConfig {
    let agent = |n: u32, name: &str| DemoMember {
        name: name.into(),
        location: format!("Local/agent{n}@queue-members/n"),
        penalty: 0,
        paused: false,
    };
    ServerConfig {
        time_scale: 0.05,
        ring_time: Duration::from_secs(2),
        call_duration: Duration::from_secs(6),
        queues: vec![DemoQueue {
            name: "support".into(),
            strategy: "ringall".into(),
            members: vec![agent(1, "Agent One"), agent(2, "Agent Two")],
        }],
        ..ServerConfig::default()
    }
}

fn print(state: &State, now: SystemTime) {
    for q in state.queues.values() {
        println!(
            "{} ({}): {} waiting{}, {} completed, {} abandoned",
            q.name,
            q.strategy,
            q.callers.len(),
            q.longest_wait_at(now)
                .map(|w| format!(" (longest {:.1}s)", w.as_secs_f64()))
                .unwrap_or_default(),
            q.completed,
            q.abandoned
        );
        for m in q.members.values() {
            let status = match (m.paused, m.is_free()) {
                (true, _) => "paused",
                (false, true) => "free",
                (false, false) => "busy",
            };
            // What the member's channel is doing, from the channels the
            // model follows.
            let talking: Vec<String> = state
                .channels
                .values()
                .filter(|c| {
                    c.name.starts_with(&*m.state_interface) && !m.state_interface.is_empty()
                })
                .flat_map(|c| state.talks_to(&c.id.uniqueid))
                .filter_map(|u| state.channel(&u).map(|c| c.caller_id.num.to_string()))
                .collect();
            println!(
                "    {:<10} {status:<6} {} call(s){}",
                m.name,
                m.calls_taken,
                if talking.is_empty() {
                    String::new()
                } else {
                    format!(", talking to {}", talking.join(", "))
                }
            );
        }
        for c in q.callers.iter() {
            println!(
                "    {}. {} waiting {:.1}s",
                c.position,
                c.caller_id.num,
                now.duration_since(c.joined_at)
                    .unwrap_or_default()
                    .as_secs_f64()
            );
        }
    }
}
