//! `ami events`: the event stream as JSON lines, with its gaps.

use std::io::{self, Write};

use ami_core::StreamError;
use ami_types::check;
use tokio::time::Instant;

use crate::connect::Conn;
use crate::failure::Failure;
use crate::json::{MessageJson, ReconnectedJson};
use crate::term;

/// `ami events`: prints each event (only those named in `filter`, when
/// given) as a JSON line, and each gap where it happens; stops after
/// `count` events or the `--timeout`, or only at Ctrl-C with `follow`.
pub(crate) async fn events(
    conn: &Conn,
    follow: bool,
    count: Option<u64>,
    filter: &[String],
) -> Result<(), Failure> {
    let filter: Vec<String> = filter
        .iter()
        .map(|f| f.trim().to_owned())
        .filter(|f| !f.is_empty())
        .collect();
    for name in &filter {
        if ami_types::meta::event(name).is_none() {
            match check::nearest_event(name) {
                Some(s) => eprintln!(
                    "ami: warning: no event '{name}' in the spec; did you mean '{s}'? (filtering on it anyway)"
                ),
                None => eprintln!("ami: warning: no event '{name}' in the spec (filtering on it anyway)"),
            }
        }
    }
    let mut session = conn.open(true).await?;
    // --timeout (default 10 s) bounds the listening; a timeout too large
    // for the clock means no deadline; with --follow, only Ctrl-C ends it.
    let listen = conn.timeout.unwrap_or(ami_core::client::DEFAULT_TIMEOUT);
    let deadline = (!follow)
        .then(|| Instant::now().checked_add(listen))
        .flatten();
    let until = match (follow, count) {
        (true, _) => "until Ctrl-C".to_owned(),
        (false, Some(n)) => format!(
            "for {n} event{} or {} s, whichever comes first (Ctrl-C stops)",
            if n == 1 { "" } else { "s" },
            listen.as_secs_f64()
        ),
        (false, None) => format!("for {} s (--follow: until Ctrl-C)", listen.as_secs_f64()),
    };
    eprintln!(
        "ami: connected to {}; listening for events {until}",
        session.target
    );
    // Lines are buffered and flushed whenever no event is waiting, so a
    // burst costs few writes and a quiet stream shows each event at once.
    let mut out = io::BufWriter::with_capacity(256 * 1024, io::stdout().lock());
    let mut seen = 0u64;
    let mut missed = 0u64;
    // Ctrl-C: listened for from now on by a task of its own, so that a
    // signal during a burst is not missed.
    let (on_interrupt, mut interrupted) = tokio::sync::watch::channel(false);
    tokio::spawn(async move {
        if tokio::signal::ctrl_c().await.is_ok() {
            let _ = on_interrupt.send(true);
        }
    });
    let result = loop {
        if count.is_some_and(|n| seen >= n) || *interrupted.borrow() {
            break Ok(());
        }
        let next = match session.events.try_recv() {
            Ok(Some(event)) => Ok(event),
            Err(e) => Err(e),
            Ok(None) => {
                if out.flush().is_err() {
                    break Ok(()); // the reader went away
                }
                let until = async {
                    match deadline {
                        Some(d) => tokio::time::sleep_until(d).await,
                        None => std::future::pending().await,
                    }
                };
                // Ctrl-C ends the listening like the deadline does: the
                // session logs off below.
                tokio::select! {
                    next = session.events.recv() => next,
                    () = until => break Ok(()),
                    _ = interrupted.changed() => break Ok(()),
                }
            }
        };
        match next {
            Ok(event) => {
                let wanted = filter.is_empty()
                    || event.event_name().is_some_and(|n| {
                        let n = n.to_string_lossy();
                        filter.iter().any(|f| f.eq_ignore_ascii_case(&n))
                    });
                if wanted {
                    seen += 1;
                    let line = term::write_json(&mut out, &MessageJson(&event), false);
                    if line.is_err() {
                        // The reader went away: nothing more to do.
                        break Ok(());
                    }
                }
            }
            Err(StreamError::Lagged(n)) => {
                missed += n;
                eprintln!("ami: fell behind: {n} events were missed");
            }
            Err(StreamError::Reconnected(gap)) => {
                eprintln!("ami: {}", term::text(&gap.to_string()));
                let line = term::write_json(&mut out, &ReconnectedJson::new(&gap), false);
                if line.is_err() {
                    break Ok(());
                }
            }
            Err(StreamError::Disconnected(reason)) => {
                break Err(Failure::Connection(format!("connection closed: {reason}")));
            }
        }
    };
    let _ = out.flush();
    drop(out);
    if result.is_ok() {
        session.close().await;
    }
    match result {
        Ok(()) if missed > 0 => Err(Failure::Missed(missed)),
        other => other,
    }
}
