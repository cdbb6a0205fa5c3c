//! Billing: one CSV line per finished call, on stdout.
//!
//! A call is the channels sharing a `Linkedid`, followed from `Newchannel`
//! to the last `Hangup`. When Asterisk also sends `Cdr` events
//! (`cdr_manager` enabled), the call's record (the one of its first
//! channel) supplies the times, the billable seconds and the disposition;
//! otherwise they are worked out from the channel events (`source` says
//! which).
//!
//! ```text
//! cargo run -p ami-types --example billing
//! AMI_URL=ami://admin:secret@pbx.example.com:5038 BILLING_CALLS=100 cargo run -p ami-types --example billing > calls.csv
//! ```
//!
//! Without `AMI_URL` it starts the embedded AMI server, places six calls
//! (answered, busy, unanswered, to an extension, into a queue) and stops
//! after their six lines. With `AMI_URL` it stops after `BILLING_CALLS`
//! calls (default 10).

use ami_types::codes::HangupCause;
use ami_types::TextField;
use std::collections::{BTreeMap, BTreeSet};
use std::time::{Duration, SystemTime};

use ami_server::{Server, ServerConfig};
use ami_types::action::Originate;
use ami_types::enums::ChannelStateDesc;
use ami_types::event::{Cdr, Event};
use ami_types::StreamError;
use ami_types::Text;
use tokio::time::Instant;

/// How long to wait for a finished call's `Cdr` events before writing its
/// line without them.
const CDR_GRACE: Duration = Duration::from_millis(500);

#[tokio::main]
async fn main() -> std::process::ExitCode {
    match run().await {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(e) => {
            // `Display`: the error as a sentence, not as a struct.
            eprintln!("billing: {e}");
            std::process::ExitCode::FAILURE
        }
    }
}

async fn run() -> Result<(), Box<dyn std::error::Error>> {
    let (url, server) = match std::env::var("AMI_URL") {
        Ok(url) => (url, None),
        Err(_) => {
            let config = ServerConfig {
                time_scale: 0.05,
                ..ServerConfig::default()
            };
            eprintln!("AMI_URL is not set: using the embedded AMI server");
            let server = Server::start(config).await?;
            (server.url(), Some(server))
        }
    };
    let (client, mut events) = ami_types::connect(&url).await?;

    let wanted = match server {
        Some(_) => {
            let calls = demo_calls();
            let n = calls.len();
            for (i, call) in calls.into_iter().enumerate() {
                let client = client.clone();
                tokio::spawn(async move {
                    tokio::time::sleep(Duration::from_millis(30) * i as u32).await;
                    if let Err(e) = client.originate(&call).await {
                        eprintln!("originate failed: {e}");
                    }
                });
            }
            n
        }
        None => std::env::var("BILLING_CALLS")
            .ok()
            .and_then(|n| n.parse().ok())
            .unwrap_or(10),
    };

    println!("{}", Line::HEADER);
    let mut book = Book::default();
    let mut written = 0;
    while written < wanted {
        let next_due = book.next_due();
        tokio::select! {
            event = events.recv() => match event {
                Ok(event) => book.apply(event),
                Err(StreamError::Lagged(n)) => eprintln!("warning: {n} events missed"),
                // Calls that ended while the client was away are not billed.
                Err(StreamError::Reconnected(gap)) => eprintln!("warning: {gap}"),
                Err(StreamError::Disconnected(why)) => {
                    eprintln!("connection closed: {why}");
                    break;
                }
            },
            _ = tokio::time::sleep_until(next_due.unwrap_or_else(far_future)), if next_due.is_some() => {}
        }
        for line in book.take_due(Instant::now()) {
            println!("{line}");
            written += 1;
        }
    }
    if client.is_connected() {
        client.close().await?;
    }
    Ok(())
}

/// The calls the demo places against the embedded server.
fn demo_calls() -> Vec<Originate> {
    let wait = |channel: &str, secs: u32, caller: &str| {
        Originate::new(channel)
            .application("Wait")
            .data(secs.to_string())
            .caller_id(caller)
    };
    vec![
        wait("Local/100@default", 4, "\"Alice\" <5550001>"),
        wait("PJSIP/200", 9, "\"Bob\" <5550002>"),
        wait("PJSIP/busy", 1, "\"Carol\" <5550003>"),
        wait("PJSIP/noanswer", 1, "\"Dave\" <5550004>").timeout(3_000),
        Originate::new("PJSIP/300")
            .context("default")
            .exten("400")
            .priority(1)
            .caller_id("\"Erin\" <5550005>"),
        Originate::new("PJSIP/5550006")
            .application("Queue")
            .data("support")
            .caller_id("\"Frank\" <5550006>"),
    ]
}

fn far_future() -> Instant {
    Instant::now() + Duration::from_secs(3600)
}

/// The calls being followed.
#[derive(Debug, Default)]
struct Book {
    /// Calls by Linkedid.
    calls: BTreeMap<String, Call>,
    /// Linkedid of every channel Uniqueid seen, to file `Cdr`s.
    by_uniqueid: BTreeMap<String, String>,
}

#[derive(Debug, Default)]
struct Call {
    linkedid: String,
    caller: String,
    destination: String,
    alive: BTreeSet<String>,
    channels: usize,
    started: Option<SystemTime>,
    answered: Option<SystemTime>,
    ended: Option<SystemTime>,
    /// The cause of the first hangup.
    cause: Option<HangupCause>,
    cdrs: Vec<Cdr>,
    /// When the line is written (set once every channel has hung up).
    due: Option<Instant>,
}

impl Book {
    fn apply(&mut self, event: Event) {
        match event {
            Event::Newchannel(e) => {
                let call = self.call(&e.linkedid());
                call.channels += 1;
                call.alive.insert(e.channel().to_str_lossy().into_owned());
                call.started.get_or_insert_with(SystemTime::now);
                if call.caller.is_empty() {
                    call.caller = e.caller_id_num().to_str_lossy().into_owned();
                }
                let linkedid = e.linkedid().to_str_lossy().into_owned();
                self.by_uniqueid
                    .insert(e.uniqueid().to_str_lossy().into_owned(), linkedid);
            }
            Event::NewCallerid(e) => {
                let call = self.call(&e.linkedid());
                if call.caller.is_empty() || call.caller == "<unknown>" {
                    call.caller = e.caller_id_num().to_str_lossy().into_owned();
                }
            }
            Event::Newstate(e) if e.channel_state_desc() == Some(ChannelStateDesc::Up) => {
                self.call(&e.linkedid())
                    .answered
                    .get_or_insert_with(SystemTime::now);
            }
            Event::DialBegin(e) => {
                let call = self.call(&e.dest_linkedid());
                if call.destination.is_empty() {
                    call.destination = e.dial_string().to_str_lossy().into_owned();
                }
            }
            Event::Hangup(e) => {
                let call = self.call(&e.linkedid());
                call.alive.remove(&e.channel().to_str_lossy().into_owned());
                if let Some(cause) = e.cause() {
                    call.cause.get_or_insert(cause);
                }
                if call.alive.is_empty() {
                    call.ended = Some(SystemTime::now());
                    call.due = Some(Instant::now() + CDR_GRACE);
                }
            }
            Event::Cdr(cdr) => {
                let linkedid = self
                    .by_uniqueid
                    .get(&cdr.unique_id().to_str_lossy().into_owned())
                    .cloned()
                    .unwrap_or_else(|| cdr.unique_id().to_str_lossy().into_owned());
                self.calls
                    .entry(linkedid.clone())
                    .or_insert_with(|| Call {
                        linkedid,
                        due: Some(Instant::now() + CDR_GRACE),
                        ..Call::default()
                    })
                    .cdrs
                    .push(cdr);
            }
            _ => {}
        }
    }

    fn call(&mut self, linkedid: &Option<&Text>) -> &mut Call {
        let linkedid = linkedid.to_str_lossy().into_owned();
        self.calls.entry(linkedid.clone()).or_insert_with(|| Call {
            linkedid,
            ..Call::default()
        })
    }

    fn next_due(&self) -> Option<Instant> {
        self.calls.values().filter_map(|c| c.due).min()
    }

    /// The lines of the calls due by `now`, oldest first.
    fn take_due(&mut self, now: Instant) -> Vec<Line> {
        let due: Vec<String> = self
            .calls
            .iter()
            .filter(|(_, c)| c.due.is_some_and(|d| d <= now))
            .map(|(id, _)| id.clone())
            .collect();
        let mut calls: Vec<Call> = due
            .into_iter()
            .filter_map(|id| self.calls.remove(&id))
            .collect();
        calls.sort_by_key(|c| c.started);
        self.by_uniqueid
            .retain(|_, linkedid| !calls.iter().any(|c| c.linkedid == *linkedid));
        calls.into_iter().map(Line::from).collect()
    }
}

/// One CSV line.
#[derive(Debug)]
struct Line {
    fields: [String; 11],
}

impl Line {
    const HEADER: &'static str = "linkedid,caller,destination,channels,start,answer,end,\
                                  duration,billable,disposition,source";
}

impl From<Call> for Line {
    fn from(call: Call) -> Self {
        // The record of the call's first channel (its Uniqueid is the
        // Linkedid), else the first record.
        let cdr = call
            .cdrs
            .iter()
            .find(|c| c.unique_id().to_str_lossy().into_owned() == call.linkedid)
            .or(call.cdrs.first());
        let (start, answer, end, duration, billable, disposition, source) = match cdr {
            Some(cdr) => (
                cdr.start_time().to_str_lossy().into_owned(),
                cdr.answer_time().to_str_lossy().into_owned(),
                cdr.end_time().to_str_lossy().into_owned(),
                cdr.duration().unwrap_or_default().as_secs(),
                cdr.billable_seconds().unwrap_or_default().as_secs(),
                cdr.disposition()
                    .as_ref()
                    .and_then(|d| d.as_str())
                    .unwrap_or_default()
                    .to_owned(),
                "cdr",
            ),
            None => {
                let secs = |from: Option<SystemTime>| match (from, call.ended) {
                    (Some(from), Some(to)) => to.duration_since(from).unwrap_or_default().as_secs(),
                    _ => 0,
                };
                let disposition = match (call.answered, call.cause) {
                    (Some(_), _) => "ANSWERED",
                    (None, Some(HangupCause::UserBusy)) => "BUSY",
                    (None, Some(HangupCause::NormalCircuitCongestion)) => "CONGESTION",
                    _ => "NO ANSWER",
                };
                (
                    call.started.map(date_time).unwrap_or_default(),
                    call.answered.map(date_time).unwrap_or_default(),
                    call.ended.map(date_time).unwrap_or_default(),
                    secs(call.started),
                    secs(call.answered),
                    disposition.to_owned(),
                    "hangup",
                )
            }
        };
        let destination = match cdr {
            Some(cdr) if call.destination.is_empty() => {
                cdr.destination().to_str_lossy().into_owned()
            }
            _ => call.destination,
        };
        Line {
            fields: [
                call.linkedid,
                call.caller,
                destination,
                call.channels.to_string(),
                start,
                answer,
                end,
                duration.to_string(),
                billable.to_string(),
                disposition,
                source.to_owned(),
            ],
        }
    }
}

impl std::fmt::Display for Line {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        for (i, field) in self.fields.iter().enumerate() {
            if i > 0 {
                f.write_str(",")?;
            }
            if field.contains([',', '"', '\n', '\r']) {
                write!(f, "\"{}\"", field.replace('"', "\"\""))?;
            } else {
                f.write_str(field)?;
            }
        }
        Ok(())
    }
}

/// `YYYY-MM-DD HH:MM:SS` in UTC, the layout of the `Cdr` times.
fn date_time(t: SystemTime) -> String {
    let rfc = humantime::format_rfc3339_seconds(t).to_string();
    rfc.trim_end_matches('Z').replacen('T', " ", 1)
}
