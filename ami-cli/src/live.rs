//! `ami state` and `ami top`: the live model (`ami-live`) from a shell.

use std::fmt::Write as _;
use std::io::Write as _;
use std::time::{Duration, SystemTime};

use ami_live::{Pbx, PbxBuilder, State};

use crate::{Conn, Failure};

/// Loads the model, follows events for `follow`, and returns it with the
/// session that keeps the embedded server (with `--sim`) alive.
async fn load(conn: &Conn) -> Result<(Pbx, crate::Session), Failure> {
    let mut session = conn.open(true).await?;
    let events = std::mem::replace(&mut session.events, session.client.subscribe());
    let pbx = PbxBuilder::new()
        .start(session.client.clone(), events.typed())
        .await
        .map_err(|e| match e {
            ami_live::Error::Ami(e) => Failure::from_error(e, "loading the state: "),
            e => Failure::Connection(e.to_string()),
        })?;
    // Event classes the account or the URL leave out (never the secret:
    // only the user and `events=` are read from the URL).
    if let (Some(url), false) = (&conn.url, conn.sim) {
        for w in pbx.check(url).await {
            eprintln!("ami: warning: {w}");
        }
    }
    Ok((pbx, session))
}

/// `ami state`: the model's state after loading and following events for
/// `follow`, as one JSON document (`--json`) or as the `top` table.
pub(crate) async fn state(
    conn: &Conn,
    follow: Option<Duration>,
    json: bool,
) -> Result<(), Failure> {
    let (pbx, session) = load(conn).await?;
    if let Some(d) = follow {
        tokio::time::sleep(d).await;
    }
    let state = pbx.snapshot();
    let mut out = std::io::stdout().lock();
    let text = if json {
        serde_json::to_string_pretty(&*state).map_err(|e| Failure::Connection(e.to_string()))?
    } else {
        table(&state, SystemTime::now())
    };
    let _ = writeln!(out, "{text}");
    drop(out);
    session.close().await;
    Ok(())
}

/// `ami top`: the table, redrawn on every change (at most every
/// `interval`), until Ctrl-C or `count` redraws.
pub(crate) async fn top(
    conn: &Conn,
    interval: Duration,
    count: Option<u64>,
) -> Result<(), Failure> {
    let (pbx, session) = load(conn).await?;
    let mut changes = pbx.changes();
    let mut drawn = 0u64;
    let ctrl_c = tokio::signal::ctrl_c();
    tokio::pin!(ctrl_c);
    loop {
        let state = pbx.snapshot();
        let mut out = std::io::stdout().lock();
        // Clear the screen and go home, then the table.
        let _ = write!(out, "\x1b[2J\x1b[H{}", table(&state, SystemTime::now()));
        let _ = out.flush();
        drop(out);
        drawn += 1;
        if count.is_some_and(|c| drawn >= c) {
            break;
        }
        tokio::select! {
            _ = &mut ctrl_c => break,
            change = changes.recv() => if change.is_none() {
                eprintln!("ami: the connection closed");
                break;
            },
            // Durations move even when nothing happens.
            _ = tokio::time::sleep(interval) => {}
        }
        tokio::time::sleep(interval.min(Duration::from_millis(250))).await;
    }
    session.close().await;
    Ok(())
}

fn secs(d: Duration) -> String {
    let s = d.as_secs();
    format!("{:02}:{:02}:{:02}", s / 3600, s / 60 % 60, s % 60)
}

/// The calls, queues and bridges as text.
pub(crate) fn table(state: &State, now: SystemTime) -> String {
    let mut t = String::new();
    let _ = writeln!(
        t,
        "{} call(s), {} channel(s), {} bridge(s), {} queue(s), {} parked, {} conference(s)",
        state.calls.len(),
        state.channels.len(),
        state.bridges.len(),
        state.queues.len(),
        state.parked.len(),
        state.conferences.len()
    );
    let _ = writeln!(t, "\nCALLS");
    let _ = writeln!(
        t,
        "  {:<24} {:<8} {:<9} {:<40} APPLICATION",
        "CALL", "STATE", "DURATION", "WHO"
    );
    for call in state.calls.values() {
        let channels: Vec<_> = call
            .channels
            .iter()
            .filter_map(|u| state.channel(u))
            .collect();
        let who: Vec<String> = channels
            .iter()
            .filter(|c| !c.is_local())
            .map(|c| {
                if c.caller_id.num.is_empty() {
                    c.name.to_string()
                } else {
                    format!("{} ({})", c.name, c.caller_id.num)
                }
            })
            .collect();
        let who = if who.is_empty() {
            channels.iter().map(|c| c.name.to_string()).collect()
        } else {
            who
        };
        let state_desc = if call.connected_at.is_some() {
            "talking"
        } else if call.answered_at.is_some() {
            "up"
        } else {
            "ringing"
        };
        let app = channels
            .iter()
            .find(|c| !c.application.is_empty())
            .map(|c| format!("{}({})", c.application, c.application_data))
            .unwrap_or_default();
        let _ = writeln!(
            t,
            "  {:<24} {:<8} {:<9} {:<40} {}",
            call.id,
            state_desc,
            secs(now.duration_since(call.started_at).unwrap_or_default()),
            who.join(" <-> "),
            app
        );
    }
    let _ = writeln!(t, "\nQUEUES");
    let _ = writeln!(
        t,
        "  {:<20} {:>7} {:>12} {:>5} {:>5} {:>6} {:>9} {:>9}",
        "QUEUE", "WAITING", "LONGEST", "FREE", "BUSY", "PAUSED", "COMPLETED", "ABANDONED"
    );
    for q in state.queues.values() {
        let free = q.members.values().filter(|m| m.is_free()).count();
        let paused = q.members.values().filter(|m| m.paused).count();
        let busy = q.members.len() - free - paused;
        let _ = writeln!(
            t,
            "  {:<20} {:>7} {:>12} {:>5} {:>5} {:>6} {:>9} {:>9}",
            q.name,
            q.callers.len(),
            q.longest_wait_at(now).map(secs).unwrap_or_default(),
            free,
            busy,
            paused,
            q.completed,
            q.abandoned
        );
    }
    let _ = writeln!(t, "\nBRIDGES");
    for b in state.bridges.values() {
        let names: Vec<String> = b
            .channels
            .iter()
            .map(|u| {
                state
                    .channel(u)
                    .map_or_else(|| u.to_string(), |c| c.name.to_string())
            })
            .collect();
        let _ = writeln!(
            t,
            "  {:<38} {:<12} {}",
            b.id,
            if b.is_holding() {
                "holding"
            } else {
                &b.bridge_type
            },
            names.join(", ")
        );
    }
    t
}
