//! A queue wallboard: `QueueStatus` (one list with three item types, the
//! `QueueStatusItem` enum) for the full picture at every refresh, and the
//! queue events (`QueueCallerJoin`/`Leave`/`Abandon`, `AgentCalled`,
//! `AgentConnect`/`Complete`, `QueueMemberStatus`) to keep it live between
//! refreshes.
//!
//! ```text
//! cargo run --example wallboard
//! AMI_URL=ami://admin:secret@pbx.example.com:5038 WALLBOARD_REFRESHES=60 cargo run --example wallboard
//! ```
//!
//! Without `AMI_URL` it starts the embedded AMI server with one queue of two
//! agents, sends five callers into it, and stops once they are all served.
//! With `AMI_URL` it shows `WALLBOARD_REFRESHES` refreshes (default 12),
//! every `WALLBOARD_INTERVAL` seconds (default 5).

use std::collections::BTreeMap;
use std::time::{Duration, Instant};

use ami_server::{DemoMember, DemoQueue, Server, ServerConfig};
use ami_types::action::{Originate, QueueStatus, QueueStatusItem};
use ami_types::event::Event;
use ami_types::StreamError;
use ami_types::{Client, Text};

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
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

    let (client, mut events) = ami_types::connect(&url).await?;
    let started = Instant::now();

    // Against the embedded server: five callers, one every simulated second.
    let mut callers = tokio::task::JoinSet::new();
    if server.is_some() {
        for n in 0..5u32 {
            let client = client.clone();
            callers.spawn(async move {
                tokio::time::sleep(Duration::from_millis(50) * n).await;
                let number = format!("55501{n:02}");
                let call = Originate::new(format!("PJSIP/{number}"))
                    .application("Queue")
                    .data("support")
                    .caller_id(format!("\"Caller {n}\" <{number}>"));
                client.originate(&call).await
            });
        }
    }

    let mut board = Board::default();
    let mut tick = tokio::time::interval(interval);
    let mut shown = 0;
    loop {
        tokio::select! {
            _ = tick.tick() => {
                board.refresh(&client).await?;
                board.print(started.elapsed());
                shown += 1;
                let done = match &server {
                    Some(server) => callers.is_empty() && server.active_calls() == 0,
                    None => shown >= refreshes,
                };
                if done {
                    break;
                }
            }
            Some(answer) = callers.join_next(), if !callers.is_empty() => {
                let answer = answer??;
                if !answer.is_success() {
                    println!("  ! a caller could not be reached (reason {:?})", answer.reason());
                }
            }
            event = events.recv() => match event {
                Ok(event) => board.apply(&event),
                Err(StreamError::Lagged(n)) => {
                    // Events were lost: the next refresh repairs the board.
                    println!("  ! {n} events missed; refreshing");
                    tick.reset_immediately();
                }
                Err(StreamError::Reconnected(gap)) => {
                    // So were those of the gap.
                    println!("  ! {gap}; refreshing");
                    tick.reset_immediately();
                }
                Err(StreamError::Disconnected(why)) => {
                    println!("connection closed: {why}");
                    break;
                }
            },
        }
    }
    if client.is_connected() {
        client.close().await?;
    }
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
            callers: Vec::new(),
        }],
        ..ServerConfig::default()
    }
}

#[derive(Debug, Default)]
struct Board {
    queues: BTreeMap<String, QueueRow>,
}

#[derive(Debug, Default)]
struct QueueRow {
    strategy: String,
    completed: i64,
    abandoned: i64,
    /// Members by interface.
    members: BTreeMap<String, MemberRow>,
    /// Callers waiting, in queue order: (channel, caller ID, joined).
    waiting: Vec<(String, String, Instant)>,
}

#[derive(Debug, Default)]
struct MemberRow {
    name: String,
    paused: bool,
    in_call: bool,
    calls_taken: i64,
    /// What the member is doing, from the events.
    activity: String,
}

impl Board {
    /// Rebuilds the board from `QueueStatus`.
    async fn refresh(&mut self, client: &Client) -> ami_types::ami_core::Result<()> {
        let status = client.list(&QueueStatus::new()).await?;
        if let Err(mismatch) = status.check_count() {
            println!("  ! QueueStatus: {mismatch}");
        }
        let mut queues: BTreeMap<String, QueueRow> = BTreeMap::new();
        for item in status {
            match item {
                QueueStatusItem::QueueParams(q) => {
                    let row = queues.entry(text(&q.queue())).or_default();
                    row.strategy = text(&q.strategy());
                    row.completed = q.completed().unwrap_or_default();
                    row.abandoned = q.abandoned().unwrap_or_default();
                }
                QueueStatusItem::QueueMember(m) => {
                    let old = self
                        .queues
                        .get_mut(&text(&m.queue()))
                        .and_then(|q| q.members.remove(&text(&m.location())));
                    let in_call = m.in_call().unwrap_or_default();
                    let row = queues.entry(text(&m.queue())).or_default();
                    row.members.insert(
                        text(&m.location()),
                        MemberRow {
                            name: text(&m.name()),
                            paused: m.paused().unwrap_or_default(),
                            in_call,
                            calls_taken: m.calls_taken().unwrap_or_default(),
                            activity: old
                                .filter(|_| in_call)
                                .map(|o| o.activity)
                                .unwrap_or_default(),
                        },
                    );
                }
                QueueStatusItem::QueueEntry(e) => {
                    let wait = Duration::from_secs(e.wait().unwrap_or_default().max(0) as u64);
                    let joined = Instant::now()
                        .checked_sub(wait)
                        .unwrap_or_else(Instant::now);
                    queues.entry(text(&e.queue())).or_default().waiting.push((
                        text(&e.channel()),
                        text(&e.caller_id_num()),
                        joined,
                    ));
                }
                QueueStatusItem::Other(raw) => println!("  ? unexpected item {}", raw.name()),
            }
        }
        self.queues = queues;
        Ok(())
    }

    /// Applies one live event.
    fn apply(&mut self, event: &Event) {
        match event {
            Event::QueueCallerJoin(e) => {
                println!(
                    "  + {} joins {} at position {}",
                    text(&e.caller_id_num()),
                    text(&e.queue()),
                    e.position().unwrap_or_default()
                );
                self.queue(&e.queue()).waiting.push((
                    text(&e.channel()),
                    text(&e.caller_id_num()),
                    Instant::now(),
                ));
            }
            Event::QueueCallerLeave(e) => {
                let channel = text(&e.channel());
                self.queue(&e.queue())
                    .waiting
                    .retain(|(c, ..)| *c != channel);
            }
            Event::QueueCallerAbandon(e) => {
                println!(
                    "  - {} hung up after {} s in {}",
                    text(&e.caller_id_num()),
                    e.hold_time().unwrap_or_default(),
                    text(&e.queue())
                );
                self.queue(&e.queue()).abandoned += 1;
            }
            Event::AgentCalled(e) => {
                let member = self.member(&e.queue(), &e.interface(), &e.member_name());
                member.in_call = true;
                member.activity = format!("ringing for {}", text(&e.caller_id_num()));
            }
            Event::AgentConnect(e) => {
                println!(
                    "  > {} answers {} after {} s waiting",
                    text(&e.member_name()),
                    text(&e.caller_id_num()),
                    e.hold_time().unwrap_or_default()
                );
                let member = self.member(&e.queue(), &e.interface(), &e.member_name());
                member.in_call = true;
                member.activity = format!("talking to {}", text(&e.caller_id_num()));
            }
            Event::AgentComplete(e) => {
                println!(
                    "  < {} done with {} after {} s ({})",
                    text(&e.member_name()),
                    text(&e.caller_id_num()),
                    e.talk_time().unwrap_or_default(),
                    e.reason()
                        .as_ref()
                        .and_then(|r| r.as_str())
                        .unwrap_or_default()
                );
                self.queue(&e.queue()).completed += 1;
                self.member(&e.queue(), &e.interface(), &e.member_name())
                    .activity
                    .clear();
            }
            Event::QueueMemberStatus(e) => {
                let member = self.member(&e.queue(), &e.interface(), &e.member_name());
                member.in_call = e.in_call().unwrap_or(member.in_call);
                member.paused = e.paused().unwrap_or(member.paused);
                member.calls_taken = e.calls_taken().unwrap_or(member.calls_taken);
                if !member.in_call {
                    member.activity.clear();
                }
            }
            Event::QueueMemberPause(e) => {
                self.member(&e.queue(), &e.interface(), &e.member_name())
                    .paused = e.paused().unwrap_or_default();
            }
            _ => {}
        }
    }

    fn queue(&mut self, name: &Option<&Text>) -> &mut QueueRow {
        self.queues.entry(text(name)).or_default()
    }

    fn member(
        &mut self,
        queue: &Option<&Text>,
        interface: &Option<&Text>,
        name: &Option<&Text>,
    ) -> &mut MemberRow {
        let member = self
            .queue(queue)
            .members
            .entry(text(interface))
            .or_default();
        if member.name.is_empty() {
            member.name = text(name);
        }
        member
    }

    fn print(&self, at: Duration) {
        for (name, q) in &self.queues {
            println!(
                "[{:>5.2}s] {name} ({}): {} waiting, {} completed, {} abandoned",
                at.as_secs_f64(),
                q.strategy,
                q.waiting.len(),
                q.completed,
                q.abandoned
            );
            for m in q.members.values() {
                let state = match (m.paused, m.in_call) {
                    (true, _) => "paused",
                    (false, true) => "busy",
                    (false, false) => "free",
                };
                println!(
                    "           {:<10} {state:<6} {} call(s) {}",
                    m.name, m.calls_taken, m.activity
                );
            }
            for (i, (_, caller, joined)) in q.waiting.iter().enumerate() {
                println!(
                    "           {}. {caller} waiting {:.1}s",
                    i + 1,
                    joined.elapsed().as_secs_f64()
                );
            }
        }
    }
}

/// An optional text field, empty when absent.
fn text(v: &Option<&Text>) -> String {
    v.map(Text::to_string).unwrap_or_default()
}
