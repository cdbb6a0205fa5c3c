//! `ami state` and `ami top`: the live model (`ami-live`) from a shell.

use std::fmt::Write as _;
use std::io::Write as _;
use std::time::{Duration, SystemTime};

use ami_live::{Pbx, PbxBuilder, State};

use crate::connect::{Conn, Session};
use crate::failure::Failure;
use crate::term;

/// Loads the model, follows events for `follow`, and returns it with the
/// session that keeps the embedded server (with `--sim`) alive.
async fn load(conn: &Conn) -> Result<(Pbx, Session), Failure> {
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
            eprintln!("ami: warning: {}", term::text(&w));
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
    // What the PBX runs, when it says (the user may not read it).
    let version = session.client.asterisk_version().await.ok().flatten();
    let mut out = std::io::stdout().lock();
    if json {
        let mut doc = serde_json::to_value(&*state).unwrap_or_default();
        if let Some(map) = doc.as_object_mut() {
            map.insert("asterisk_version".to_owned(), version.into());
        }
        let _ = term::write_json(&mut out, &doc, true);
    } else {
        if let Some(v) = &version {
            let _ = writeln!(out, "Asterisk {}", term::text(v));
        }
        let _ = write!(out, "{}", table(&state, SystemTime::now(), None));
    }
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
        // Clear the screen and go home, then the table, cut to the
        // screen's height so that the header stays in view.
        let rows = terminal_size::terminal_size().map(|(_, h)| usize::from(h.0));
        let _ = write!(
            out,
            "\x1b[2J\x1b[H{}",
            table(&state, SystemTime::now(), rows)
        );
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

/// The calls (oldest first), queues and bridges as text, every name from
/// the PBX escaped. With `rows`, at most that many lines: each section
/// keeps its header, and what does not fit is counted (`… 12 more`).
pub(crate) fn table(state: &State, now: SystemTime, rows: Option<usize>) -> String {
    let esc = |s: &str| term::text(s).into_owned();
    let mut calls: Vec<&ami_live::Call> = state.calls.values().map(|c| &**c).collect();
    calls.sort_by(|a, b| {
        a.started_at
            .cmp(&b.started_at)
            .then_with(|| a.id.cmp(&b.id))
    });
    let call_lines: Vec<String> = calls
        .iter()
        .map(|call| {
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
                        esc(&c.name)
                    } else {
                        format!("{} ({})", esc(&c.name), esc(&c.caller_id.num))
                    }
                })
                .collect();
            let who = if who.is_empty() {
                channels.iter().map(|c| esc(&c.name)).collect()
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
                .map(|c| format!("{}({})", esc(&c.application), esc(&c.application_data)))
                .unwrap_or_default();
            format!(
                "  {:<24} {:<8} {:<9} {:<40} {}",
                esc(&call.id),
                state_desc,
                secs(now.duration_since(call.started_at).unwrap_or_default()),
                who.join(" <-> "),
                app
            )
        })
        .collect();
    let queue_lines: Vec<String> = state
        .queues
        .values()
        .map(|q| {
            let free = q.members.values().filter(|m| m.is_free()).count();
            let paused = q.members.values().filter(|m| m.paused).count();
            let busy = q.members.len() - free - paused;
            format!(
                "  {:<20} {:>7} {:>12} {:>5} {:>5} {:>6} {:>9} {:>9}",
                esc(&q.name),
                q.callers.len(),
                q.longest_wait_at(now).map(secs).unwrap_or_default(),
                free,
                busy,
                paused,
                q.completed,
                q.abandoned
            )
        })
        .collect();
    let bridge_lines: Vec<String> = state
        .bridges
        .values()
        .map(|b| {
            let names: Vec<String> = b
                .channels
                .iter()
                .map(|u| state.channel(u).map_or_else(|| esc(u), |c| esc(&c.name)))
                .collect();
            format!(
                "  {:<38} {:<12} {}",
                esc(&b.id),
                if b.is_holding() {
                    "holding".to_owned()
                } else {
                    esc(&b.bridge_type)
                },
                names.join(", ")
            )
        })
        .collect();
    let summary = format!(
        "{} call(s), {} channel(s), {} bridge(s), {} queue(s), {} parked, {} conference(s)",
        state.calls.len(),
        state.channels.len(),
        state.bridges.len(),
        state.queues.len(),
        state.parked.len(),
        state.conferences.len()
    );
    let call_head = format!(
        "  {:<24} {:<8} {:<9} {:<40} APPLICATION",
        "CALL", "STATE", "DURATION", "WHO"
    );
    let queue_head = format!(
        "  {:<20} {:>7} {:>12} {:>5} {:>5} {:>6} {:>9} {:>9}",
        "QUEUE", "WAITING", "LONGEST", "FREE", "BUSY", "PAUSED", "COMPLETED", "ABANDONED"
    );
    // The fixed lines: summary, three blank+title pairs, two column heads.
    let fixed = 1 + 6 + 2;
    let mut budget = rows.map(|r| r.saturating_sub(fixed + 1));
    // Queues and bridges are few; calls take what is left.
    let mut section = |lines: Vec<String>, reserve: usize| -> Vec<String> {
        let Some(left) = budget.as_mut() else {
            return lines;
        };
        let room = left.saturating_sub(reserve);
        let shown = if lines.len() <= room {
            lines.len()
        } else {
            room.saturating_sub(1)
        };
        let mut out: Vec<String> = lines[..shown].to_vec();
        if shown < lines.len() {
            out.push(format!("  … {} more", lines.len() - shown));
        }
        *left = left.saturating_sub(out.len());
        out
    };
    let small = |n: usize| n.min(3);
    let reserve_for_calls = small(queue_lines.len()) + small(bridge_lines.len());
    let call_lines = section(call_lines, reserve_for_calls);
    let queue_lines = section(queue_lines, small(bridge_lines.len()));
    let bridge_lines = section(bridge_lines, 0);
    let mut t = String::new();
    let _ = writeln!(t, "{summary}");
    let _ = writeln!(t, "\nCALLS\n{call_head}");
    for l in call_lines {
        let _ = writeln!(t, "{l}");
    }
    let _ = writeln!(t, "\nQUEUES\n{queue_head}");
    for l in queue_lines {
        let _ = writeln!(t, "{l}");
    }
    let _ = writeln!(t, "\nBRIDGES");
    for l in bridge_lines {
        let _ = writeln!(t, "{l}");
    }
    t
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;
    use std::time::{Duration, SystemTime};

    use ami_live::{Call, State};

    use super::table;

    fn call(id: &str, started: SystemTime) -> Arc<Call> {
        Arc::new(Call {
            id: id.into(),
            channels: Default::default(),
            origin: id.into(),
            started_at: started,
            answered_at: None,
            connected_at: None,
            first_hangup: None,
            direction: Default::default(),
            dial_status: None,
        })
    }

    #[test]
    fn calls_are_oldest_first_and_the_table_fits_the_screen() {
        let now = SystemTime::now();
        let mut state = State::default();
        // Ids that sort the other way round as strings.
        for (id, age) in [("1.100", 10), ("1.57", 30), ("1.9", 20)] {
            state
                .calls
                .insert(id.into(), call(id, now - Duration::from_secs(age)));
        }
        let t = table(&state, now, None);
        let at = |id: &str| t.find(&format!("  {id} ")).unwrap();
        assert!(at("1.57") < at("1.9") && at("1.9") < at("1.100"), "{t}");
        // 200 calls on a screen of 20 rows: the headers stay, the oldest
        // calls are shown, the rest counted.
        for i in 0..200 {
            let id = format!("2.{i}");
            state.calls.insert(
                id.as_str().into(),
                call(&id, now - Duration::from_secs(1000 - i)),
            );
        }
        let t = table(&state, now, Some(20));
        assert!(t.lines().count() <= 20, "{t}");
        assert!(t.starts_with("203 call(s)"), "{t}");
        for head in ["CALLS", "QUEUES", "BRIDGES"] {
            assert!(t.lines().any(|l| l == head), "{head}: {t}");
        }
        assert!(t.contains("  2.0 "), "the oldest first: {t}");
        assert!(t.contains("more"), "{t}");
    }
}
