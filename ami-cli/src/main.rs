//! `ami`: the Asterisk Manager Interface from a shell.
//!
//! JSON on stdout, diagnostics on stderr. Exit codes: 0 success, 1 Asterisk
//! answered with an error, 2 usage error, 3 connection or login failure, 4
//! `events` missed events.
//! See `ami --help` and the crate's README.

mod actions;
mod args;
mod connect;
mod events;
mod failure;
mod json;
mod live;
mod secrets;
mod sim;
mod spec;
mod term;

use std::process::ExitCode;
use std::time::Duration;

use ami_types::check;
use clap::Parser;

use crate::actions::{command, originate, send};
use crate::args::{first_given, Cli, Cmd};
use crate::connect::Conn;
use crate::events::events;
use crate::failure::Failure;
use crate::secrets::Secrets;
use crate::sim::sim;

fn main() -> ExitCode {
    let secrets = Secrets::collect();
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(e) => {
            let text = e.render().to_string();
            if !secrets.any_in(&text) {
                e.exit();
            }
            eprint!("{}", secrets.redact(&text));
            return ExitCode::from(2);
        }
    };
    let runtime = match tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("ami: cannot start the runtime: {e}");
            return ExitCode::from(3);
        }
    };
    let (code, message) = match runtime.block_on(run(cli)) {
        Ok(()) => return ExitCode::SUCCESS,
        Err(Failure::Asterisk(m)) => (1, format!("Asterisk answered with an error: {m}")),
        Err(Failure::Usage(m)) => (2, m),
        Err(Failure::Connection(m)) => (3, m),
        Err(Failure::Missed(n)) => (
            4,
            format!("{n} events were missed: the output did not keep up"),
        ),
        Err(Failure::CallFailed(why)) => (1, format!("the call was not answered: {why}")),
        Err(Failure::Unsupported(m)) => (
            1,
            format!("{m}; nothing was sent (--unchecked sends it anyway)"),
        ),
    };
    eprintln!("ami: {}", term::text(&secrets.redact(&message)));
    ExitCode::from(code)
}

async fn run(cli: Cli) -> Result<(), Failure> {
    let cli_url_given = cli.url.is_some();
    let conn = Conn {
        url: cli
            .url
            .or_else(|| std::env::var("AMI_URL").ok().filter(|u| !u.is_empty())),
        sim: cli.sim,
        timeout: cli.timeout,
        ca: cli.ca,
        insecure: cli.insecure,
        reconnect: cli.reconnect,
    };
    match cli.cmd {
        Cmd::Spec { what } => spec::run(what),
        Cmd::Action {
            name,
            params,
            unchecked,
        } => {
            let meta = if unchecked {
                None
            } else {
                Some(check::action(&name).map_err(Failure::Usage)?)
            };
            let msg = check::build(&name, meta, &params).map_err(Failure::Usage)?;
            let list = meta.is_some_and(|m| m.list.is_some());
            send(&conn, msg, list, !unchecked).await
        }
        Cmd::Originate {
            channel,
            exten,
            context,
            priority,
            app,
            data,
            caller_id,
            ring,
            vars,
            wait,
        } => {
            let mut msg = ami_core::Message::action("Originate");
            msg.append("Channel", channel);
            match (exten, context, app) {
                (Some(exten), Some(context), _) => {
                    msg.append("Exten", exten);
                    msg.append("Context", context);
                    msg.append("Priority", priority.unwrap_or(1).to_string());
                }
                (_, _, Some(app)) => {
                    msg.append("Application", app);
                    if let Some(data) = data {
                        msg.append("Data", data);
                    }
                }
                _ => {
                    return Err(Failure::Usage(
                        "give --exten and --context, or --app".to_owned(),
                    ))
                }
            }
            if let Some(cid) = caller_id {
                msg.append("CallerID", cid);
            }
            if let Some(ring) = ring {
                msg.append("Timeout", ring.as_millis().to_string());
            }
            for var in vars {
                if !var.contains('=') {
                    return Err(Failure::Usage(format!(
                        "--var '{}' is not NAME=VALUE",
                        var.escape_debug()
                    )));
                }
                msg.append("Variable", var);
            }
            for f in msg.fields() {
                if f.value().has_line_break() {
                    return Err(Failure::Usage(format!(
                        "the value of {} contains a line break (CR or LF), which AMI cannot carry",
                        f.key()
                    )));
                }
            }
            originate(&conn, msg, wait).await
        }
        Cmd::Sim {
            port,
            bind,
            user,
            secret,
            call_duration,
            asterisk_version,
            client_options,
        } => {
            let before = first_given([
                cli_url_given,
                conn.ca.is_some(),
                conn.insecure,
                conn.reconnect,
                conn.sim,
                conn.timeout.is_some(),
            ]);
            if let Some(option) = first_given(client_options.given()).or(before) {
                return Err(Failure::Usage(format!(
                    "{option} is a client option; `ami sim` is a server and connects nowhere"
                )));
            }
            sim(bind, port, user, secret, call_duration, asterisk_version).await
        }
        Cmd::List { name, params } => {
            let meta = check::action(&name).map_err(Failure::Usage)?;
            if meta.list.is_none() {
                return Err(Failure::Usage(format!(
                    "'{}' does not answer with an event list; use `ami action {}`",
                    meta.name, meta.name
                )));
            }
            let msg = check::build(&name, Some(meta), &params).map_err(Failure::Usage)?;
            send(&conn, msg, true, true).await
        }
        Cmd::Command { words, json, .. } => command(&conn, &words.join(" "), !json).await,
        Cmd::Events {
            follow,
            count,
            filter,
        } => events(&conn, follow, count, &filter).await,
        Cmd::State { json, follow } => live::state(&conn, follow, json).await,
        Cmd::Top { interval, count } => {
            live::top(&conn, interval.unwrap_or(Duration::from_secs(1)), count).await
        }
    }
}
