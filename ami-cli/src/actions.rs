//! `ami action`, `ami list`, `ami command` and `ami originate`: one
//! action sent, its answer printed as JSON.

use std::io::{self, Write};

use ami_core::Error;

use crate::connect::Conn;
use crate::failure::Failure;
use crate::json::{print_doc, ListJson, MessageJson};
use crate::term;

/// Sends `msg` and prints its answer; with `check_release`, first checks
/// that the PBX's release has the action and its parameters.
pub(crate) async fn send(
    conn: &Conn,
    msg: ami_core::Message,
    list: bool,
    check_release: bool,
) -> Result<(), Failure> {
    // A synchronous Originate is answered once the call is (or is not):
    // it may ring for its own Timeout (Asterisk's default 30 s).
    let sync_originate = msg
        .get("Action")
        .is_some_and(|a| a.eq_ignore_ascii_case("Originate"))
        && !msg
            .get("Async")
            .is_some_and(|a| ami_wire::value::is_true(a.as_bytes()));
    let session = conn.open(false).await?;
    if check_release {
        if let Err(e) = ami_types::check::release(&session.client, &msg).await {
            session.close().await;
            return Err(Failure::from_error(e, ""));
        }
    }
    let timeout = conn.timeout.unwrap_or(ami_core::client::DEFAULT_TIMEOUT);
    let result = if sync_originate {
        let wait = timeout.saturating_add(ami_core::client::originate_ring_time(&msg));
        session.client.with_timeout(wait).send_message(msg).await
    } else {
        session.client.send_message(msg).await
    };
    session.close().await;
    match result {
        Ok(reply) if list || reply.is_list() => {
            print_doc(&ListJson::new(&reply));
            Ok(())
        }
        Ok(reply) => {
            print_doc(&MessageJson(&reply.response));
            Ok(())
        }
        Err(e) => {
            if let Some(response) = e.response() {
                print_doc(&MessageJson(response));
            }
            Err(Failure::from_error(e, ""))
        }
    }
}

pub(crate) async fn command(conn: &Conn, command: &str, raw: bool) -> Result<(), Failure> {
    if command.contains(['\r', '\n']) {
        return Err(Failure::Usage(
            "the command contains a line break (CR or LF)".to_owned(),
        ));
    }
    let session = conn.open(false).await?;
    let result = session.client.command(command).await;
    session.close().await;
    match result {
        Ok(lines) if raw => {
            let mut out = io::stdout().lock();
            for line in &lines {
                if writeln!(out, "{}", term::text(&line.to_string_lossy())).is_err() {
                    break;
                }
            }
            Ok(())
        }
        Ok(lines) => {
            print_doc(
                &lines
                    .iter()
                    .map(|l| l.to_string_lossy())
                    .collect::<Vec<_>>(),
            );
            Ok(())
        }
        Err(Error::Action { message, response }) => {
            print_doc(&MessageJson(&response));
            // `Client::command` puts the CLI's complaint (its output lines)
            // in `message`; on one line here.
            Err(Failure::Asterisk(message.replace('\n', " / ")))
        }
        Err(e) => Err(Failure::from_error(e, "")),
    }
}

/// `ami originate`: an asynchronous Originate; with `wait`, its
/// OriginateResponse decides the exit code.
pub(crate) async fn originate(
    conn: &Conn,
    msg: ami_core::Message,
    wait: bool,
) -> Result<(), Failure> {
    if !wait {
        let mut msg = msg;
        msg.insert("Async", "true");
        return send(conn, msg, false, false).await;
    }
    let session = conn.open(true).await?;
    // Only the answer matters: Asterisk sends nothing else (the legacy
    // form works on every version).
    let filter = ami_core::filter::EventFilter::regex("Event: OriginateResponse");
    if let Err(e) = session.client.filter(&filter).await {
        eprintln!(
            "ami: warning: no server-side filter ({}); reading every event",
            term::text(&e.to_string())
        );
    }
    let result = session.client.originate_message(msg).await;
    session.close().await;
    let (_, answer) = result.map_err(|e| Failure::from_error(e, ""))?;
    print_doc(&MessageJson(&answer));
    let answered = answer
        .get("Response")
        .is_some_and(|r| r.eq_ignore_ascii_case("Success"));
    if answered {
        return Ok(());
    }
    let reason = answer
        .get_str("Reason")
        .and_then(|r| r.trim().parse::<i64>().ok())
        .map(ami_types::codes::OriginateReason::from_code);
    Err(Failure::CallFailed(match reason {
        Some(r) => format!("{} (Reason {}, {})", r.outcome(), r.code(), r.name()),
        None => "no reason given".to_owned(),
    }))
}
