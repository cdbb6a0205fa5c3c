//! `ami`: the Asterisk Manager Interface from a shell.
//!
//! JSON on stdout, diagnostics on stderr. Exit codes: 0 success, 1 Asterisk
//! answered with an error, 2 usage error, 3 connection or login failure, 4
//! `events` missed events.
//! See `ami --help` and the crate's README.

mod json;
mod live;
mod spec;
mod term;

use std::io::{self, Write};
use std::process::ExitCode;
use std::time::Duration;

use ami_core::{Client, ClientBuilder, Error, EventMask, EventStream, StreamError};
use ami_server::{Server, ServerConfig};
use ami_types::check;
use clap::{Parser, Subcommand};
use tokio::time::Instant;

use crate::json::{ListJson, MessageJson, ReconnectedJson};

const AFTER_HELP: &str = "\
Exit codes: 0 success, 1 Asterisk answered with an error, 2 usage error,
3 connection or login failure, 4 `events` missed events.

The secret comes from the URL or from AMI_SECRET (which overrides it); it is
never printed.";

/// The Asterisk Manager Interface from a shell: actions, lists, CLI
/// commands and events as JSON.
#[derive(Parser)]
#[command(name = "ami", version, after_help = AFTER_HELP)]
struct Cli {
    /// The AMI URL, ami://user:secret@host:port, or amis://… for TLS (port
    /// 5039 by default); the secret and port are optional, and ?events=off
    /// and ?auth=md5 may follow. Default: the environment's AMI_URL
    // (Read by hand, not with clap's `env`: clap would show a URL from the
    // environment as given in its usage lines.)
    #[arg(long, global = true)]
    url: Option<String>,

    /// With amis://: trust the CA certificates of this PEM file instead of
    /// the system's roots.
    #[arg(long, global = true, value_name = "FILE")]
    ca: Option<std::path::PathBuf>,

    /// With amis://: accept any certificate (lab use only: anyone on the
    /// path can pose as the PBX and read the login).
    #[arg(long, global = true)]
    insecure: bool,

    /// Reconnect when the connection is lost (backoff with jitter, without
    /// end); `events` prints a {"Reconnected": …} line at each gap.
    #[arg(long, global = true)]
    reconnect: bool,

    /// Start the embedded AMI server and talk to it (ignores --url,
    /// AMI_URL and AMI_SECRET).
    #[arg(long, global = true)]
    sim: bool,

    /// Seconds to wait for the connection and for each answer (default
    /// 10); for `events`, also how long to listen (default 10).
    #[arg(long, global = true, value_name = "S", value_parser = seconds)]
    timeout: Option<Duration>,

    #[command(subcommand)]
    cmd: Cmd,
}

#[derive(Subcommand)]
enum Cmd {
    /// Send an action and print its response as a JSON object (a list
    /// action's answer as with `list`).
    Action {
        /// The action name (any case), e.g. Originate.
        name: String,
        /// Parameters; a key may repeat (Variable=a=1 Variable=b=2).
        #[arg(value_name = "KEY=VALUE")]
        params: Vec<String>,
        /// Send NAME and the keys as given, without checking them against
        /// the spec or against the PBX's release (for undocumented actions,
        /// UserEvent headers, or a PBX with a backport its version does
        /// not show).
        #[arg(long)]
        unchecked: bool,
    },
    /// Send a list action and print {"response", "items", "complete"}.
    List {
        /// The action name (any case), e.g. CoreShowChannels.
        name: String,
        /// Parameters; a key may repeat.
        #[arg(value_name = "KEY=VALUE")]
        params: Vec<String>,
    },
    /// Run a CLI command and print its output as `asterisk -rx` does (or,
    /// with --json, its lines as a JSON array of strings).
    Command {
        /// The command; several words are joined with spaces.
        #[arg(required = true, value_name = "COMMAND")]
        words: Vec<String>,
        /// Print the lines as a JSON array of strings.
        #[arg(long)]
        json: bool,
        /// Plain text (the default; kept for scripts that pass it).
        #[arg(long, hide = true, conflicts_with = "json")]
        raw: bool,
    },
    /// Print events as they arrive, one JSON object per line, for
    /// --timeout seconds (default 10), --count events, or with --follow
    /// until Ctrl-C; stderr says when it is connected and listening. With
    /// --reconnect, a {"Reconnected": {"down_since": …, "up_at": …}} line
    /// marks each gap (the events in it are lost).
    Events {
        /// Listen until Ctrl-C (then log off), whatever --timeout says
        /// (which then bounds only connecting and logging in).
        #[arg(long, conflicts_with = "count")]
        follow: bool,
        /// Stop after this many (matching) events.
        #[arg(long, value_name = "N")]
        count: Option<u64>,
        /// Only events with these names (comma-separated, any case).
        #[arg(long, value_name = "NAME,NAME", value_delimiter = ',')]
        filter: Vec<String>,
    },
    /// The live model's state (channels, calls, bridges, queues, parked
    /// calls, conferences) after loading it and following events for
    /// --for seconds: one JSON document with --json (a top-level
    /// "channels" list, each with its "name"), else a table.
    State {
        /// Print JSON.
        #[arg(long)]
        json: bool,
        /// Follow events for this many seconds before printing.
        #[arg(long = "for", value_name = "S", value_parser = seconds)]
        follow: Option<Duration>,
    },
    /// A live table of calls (who, state, duration, application), queues
    /// (waiting, longest wait, members free/busy) and bridges, redrawn as
    /// events arrive, until Ctrl-C.
    Top {
        /// Seconds between redraws at most (default 1).
        #[arg(long, value_name = "S", value_parser = seconds)]
        interval: Option<Duration>,
        /// Stop after this many redraws.
        #[arg(long, value_name = "N")]
        count: Option<u64>,
    },
    /// Originate a call asynchronously to an extension or an application;
    /// prints Asterisk's response, or with --wait the OriginateResponse,
    /// and with --wait exits 1 when the call failed (busy, no answer,
    /// congestion), naming the reason.
    Originate {
        /// The channel to call, e.g. PJSIP/100 or Local/100@default.
        channel: String,
        /// The extension to connect the answered channel to (with
        /// --context).
        #[arg(long, requires = "context", conflicts_with_all = ["app", "data"])]
        exten: Option<String>,
        /// The dialplan context of --exten.
        #[arg(long, requires = "exten")]
        context: Option<String>,
        /// The priority of --exten (default 1).
        #[arg(long, requires = "exten", value_name = "N")]
        priority: Option<u32>,
        /// The application to run on the answered channel (e.g. Playback).
        #[arg(long, required_unless_present = "exten")]
        app: Option<String>,
        /// The application's argument.
        #[arg(long, requires = "app")]
        data: Option<String>,
        /// Caller ID, e.g. '"Alice" <100>'.
        #[arg(long, value_name = "CID")]
        caller_id: Option<String>,
        /// How long to let it ring, in seconds (Asterisk's default 30).
        #[arg(long, value_name = "S", value_parser = seconds)]
        ring: Option<Duration>,
        /// A channel variable, NAME=VALUE; may repeat.
        #[arg(long = "var", value_name = "NAME=VALUE")]
        vars: Vec<String>,
        /// Wait for the OriginateResponse: exit 0 when answered, 1 when not.
        #[arg(long)]
        wait: bool,
    },
    /// Run the embedded AMI server (the call simulator) as a process of its
    /// own until Ctrl-C: `ami --url ami://admin:amp111@127.0.0.1:5038 …`
    /// talks to it from other shells.
    Sim {
        /// The port to listen on (0: any free port).
        #[arg(long, default_value_t = ami_core::client::DEFAULT_PORT)]
        port: u16,
        /// The address to listen on.
        #[arg(long, default_value = "127.0.0.1")]
        bind: std::net::IpAddr,
        /// The user name it accepts.
        #[arg(long, default_value = "admin")]
        user: String,
        /// The secret it accepts (default amp111).
        #[arg(long, env = "AMI_SIM_SECRET", hide_env_values = true)]
        secret: Option<String>,
        /// How long simulated calls talk, in seconds (default 30).
        #[arg(long, value_name = "S", value_parser = seconds)]
        call_duration: Option<Duration>,
        /// The Asterisk release it says it runs (`CoreSettings`, `core show
        /// version`), e.g. 20.5.2 (default 22.10.1).
        #[arg(long, value_name = "VERSION", value_parser = release)]
        asterisk_version: Option<String>,
        /// The client's options, hidden here (clap gives a subcommand no
        /// global argument it has itself): a server connects nowhere, so
        /// they are refused.
        #[command(flatten)]
        client_options: NotForSim,
    },
    /// What this binary was generated with (no connection needed).
    Spec {
        #[command(subcommand)]
        what: SpecCmd,
    },
}

/// The client's global options as `ami sim` sees them: hidden from its
/// help, refused when given.
#[derive(clap::Args)]
struct NotForSim {
    #[arg(long, hide = true)]
    url: Option<String>,
    #[arg(long, hide = true)]
    ca: Option<std::path::PathBuf>,
    #[arg(long, hide = true)]
    insecure: bool,
    #[arg(long, hide = true)]
    reconnect: bool,
    #[arg(long, hide = true)]
    sim: bool,
    #[arg(long, hide = true)]
    timeout: Option<String>,
}

impl NotForSim {
    /// Whether each of [`CLIENT_OPTIONS`] was given.
    fn given(&self) -> [bool; 6] {
        [
            self.url.is_some(),
            self.ca.is_some(),
            self.insecure,
            self.reconnect,
            self.sim,
            self.timeout.is_some(),
        ]
    }
}

/// The client's options, in the order of [`NotForSim::given`].
const CLIENT_OPTIONS: [&str; 6] = [
    "--url",
    "--ca",
    "--insecure",
    "--reconnect",
    "--sim",
    "--timeout",
];

/// The first of [`CLIENT_OPTIONS`] given, if any.
fn first_given(given: [bool; 6]) -> Option<&'static str> {
    CLIENT_OPTIONS
        .into_iter()
        .zip(given)
        .find_map(|(name, given)| given.then_some(name))
}

#[derive(Subcommand)]
enum SpecCmd {
    /// The wire names of all actions, as a JSON array.
    Actions {
        /// One name per line instead of JSON.
        #[arg(long)]
        raw: bool,
    },
    /// The wire names of all events, as a JSON array.
    Events {
        /// One name per line instead of JSON.
        #[arg(long)]
        raw: bool,
    },
    /// An action's synopsis, event list and parameters, each with the
    /// Asterisk releases that document it.
    Action {
        /// The action name (any case).
        name: String,
        /// Also say whether this Asterisk release (e.g. 20.5.2) has the
        /// action and each parameter.
        #[arg(long = "for", value_name = "VERSION", value_parser = release)]
        release: Option<String>,
    },
    /// An event's synopsis and fields, each with the Asterisk releases that
    /// document it.
    Event {
        /// The event name (any case).
        name: String,
        /// Also say whether this Asterisk release sends the event and each
        /// field.
        #[arg(long = "for", value_name = "VERSION", value_parser = release)]
        release: Option<String>,
    },
}

/// An Asterisk release: dotted numbers (`20.5.2`), a release candidate
/// allowed (`23.5.0-rc1`).
fn release(s: &str) -> Result<String, String> {
    if ami_types::meta::is_release(s) {
        Ok(s.to_owned())
    } else {
        Err("expected an Asterisk release such as 20.5.2".to_owned())
    }
}

fn seconds(s: &str) -> Result<Duration, String> {
    s.parse::<f64>()
        .ok()
        .filter(|s| *s > 0.0)
        .and_then(|s| Duration::try_from_secs_f64(s).ok())
        .ok_or_else(|| "expected a positive number of seconds".to_owned())
}

/// Why the command failed, with its exit code.
enum Failure {
    /// 1: Asterisk answered with `Response: Error`; its message.
    Asterisk(String),
    /// 2: the command line is wrong.
    Usage(String),
    /// 3: connecting, logging in or the connection failed.
    Connection(String),
    /// 4: `events` missed this many events (the output was too slow).
    Missed(u64),
    /// 1: an originated call was not answered; why.
    CallFailed(String),
    /// 1: the PBX's release lacks the action or a parameter; nothing was
    /// sent.
    Unsupported(String),
}

impl Failure {
    fn from_error(e: Error, context: &str) -> Failure {
        match e {
            // A failed `Command` says "Command output follows"; what the
            // CLI printed is the error.
            Error::Action { message, response } => {
                let output: Vec<String> = response
                    .get_all("Output")
                    .map(|l| l.to_string_lossy().into_owned())
                    .collect();
                if output.is_empty() {
                    Failure::Asterisk(message)
                } else {
                    Failure::Asterisk(output.join("\n"))
                }
            }
            e @ Error::Unsupported { .. } => Failure::Unsupported(e.to_string()),
            e @ (Error::InvalidUrl(_) | Error::ActionIdSupplied | Error::Encode(_)) => {
                Failure::Usage(e.to_string())
            }
            e => Failure::Connection(format!("{context}{e}")),
        }
    }
}

/// Secrets the user may have typed or exported, so that no message
/// printed on stderr shows them even when an argument is misplaced (clap
/// echoes unexpected arguments): the password of any `ami://` URL among
/// the arguments or in `AMI_URL`, and `AMI_SECRET`.
struct Secrets {
    /// Secrets of three characters or more: redacted wherever they stand.
    long: Vec<String>,
    /// Every secret found, also the short ones: redacted where they stand as
    /// the password of a URL.
    all: Vec<String>,
}

/// The `(start, end)` of the password in the userinfo of every `…://`
/// URL in `text` (`scheme://user:password@host`), whatever the scheme's
/// case and whether or not the URL is otherwise valid.
fn url_passwords(text: &str) -> Vec<(usize, usize)> {
    let mut found = Vec::new();
    let mut from = 0;
    while let Some(i) = text[from..].find("://") {
        let auth_start = from + i + 3;
        let auth_end = text[auth_start..]
            .find(|c: char| {
                c == '/' || c == '?' || c == '#' || c.is_whitespace() || c == '"' || c == '\''
            })
            .map_or(text.len(), |j| auth_start + j);
        let authority = &text[auth_start..auth_end];
        if let Some(at) = authority.rfind('@') {
            if let Some(colon) = authority[..at].find(':') {
                found.push((auth_start + colon + 1, auth_start + at));
            }
        }
        from = auth_end.max(auth_start);
    }
    found
}

impl Secrets {
    fn collect() -> Secrets {
        let mut found = Vec::new();
        let args = std::env::args_os().skip(1);
        let url_env = std::env::var_os("AMI_URL");
        for arg in args.chain(url_env) {
            let arg = arg.to_string_lossy();
            for (start, end) in url_passwords(&arg) {
                let raw = &arg[start..end];
                found.push(raw.to_owned());
                if let Ok(decoded) = percent_encoding::percent_decode_str(raw).decode_utf8() {
                    found.push(decoded.into_owned());
                }
            }
        }
        if let Some(s) = std::env::var_os("AMI_SECRET") {
            found.push(s.to_string_lossy().into_owned());
        }
        found.retain(|s| !s.is_empty());
        found.sort_by_key(|s| std::cmp::Reverse(s.len()));
        found.dedup();
        // Very short strings would blank out ordinary words wherever they
        // stand; as a URL's password they are redacted whatever their length.
        let long = found.iter().filter(|s| s.len() >= 3).cloned().collect();
        Secrets { long, all: found }
    }

    /// The password spans of URLs in `text` that hold one of the secrets.
    fn in_urls(&self, text: &str) -> Vec<(usize, usize)> {
        url_passwords(text)
            .into_iter()
            .filter(|&(start, end)| {
                let p = &text[start..end];
                self.all.iter().any(|s| s == p)
            })
            .collect()
    }

    fn redact(&self, text: &str) -> String {
        let mut out = text.to_owned();
        for (start, end) in self.in_urls(text).into_iter().rev() {
            out.replace_range(start..end, "<redacted>");
        }
        self.long
            .iter()
            .fold(out, |t, s| t.replace(s.as_str(), "<redacted>"))
    }

    fn any_in(&self, text: &str) -> bool {
        !self.in_urls(text).is_empty() || self.long.iter().any(|s| text.contains(s.as_str()))
    }
}

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
        Cmd::Spec { what } => spec(what),
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

/// Where and how to connect.
struct Conn {
    url: Option<String>,
    sim: bool,
    timeout: Option<Duration>,
    ca: Option<std::path::PathBuf>,
    insecure: bool,
    reconnect: bool,
}

/// A connected client; holds the embedded server alive with `--sim`.
struct Session {
    client: Client,
    events: EventStream,
    /// `host:port`, for messages.
    target: String,
    _server: Option<Server>,
}

impl Session {
    /// Logs off politely, not waiting long for it.
    async fn close(self) {
        let _ = tokio::time::timeout(Duration::from_secs(1), self.client.close()).await;
    }
}

impl Conn {
    /// Connects and logs in, with events on (`events`) or off.
    async fn open(&self, events: bool) -> Result<Session, Failure> {
        let (builder, server, target) = if self.sim {
            let server = Server::start(ServerConfig::default()).await.map_err(|e| {
                Failure::Connection(format!("cannot start the embedded server: {e}"))
            })?;
            let builder = ClientBuilder::from_url(&server.url())
                .map_err(|e| Failure::Connection(e.to_string()))?;
            let target = server.addr().to_string();
            (builder, Some(server), target)
        } else {
            let (builder, target) = self.builder_from_url()?;
            (builder, None, target)
        };
        let mut builder = self.tls(builder)?;
        if let Some(t) = self.timeout {
            builder = builder.timeout(t);
        }
        if self.reconnect {
            builder = builder.reconnect(Some(ami_core::client::Reconnect::default()));
        }
        if !events {
            builder = builder.events(EventMask::Off);
        } else if *builder.event_setting() == EventMask::Off {
            // A command that exists to read events would wait forever.
            eprintln!("ami: warning: ignoring the URL's events=off: this command needs events");
            builder = builder.events(EventMask::On);
        }
        let (client, events) = builder.connect_untyped().await.map_err(|e| match e {
            Error::Auth { message } => {
                Failure::Connection(format!("login to {target} refused: {message}"))
            }
            // These name the address and the time waited themselves.
            e @ (Error::Connect { .. }
            | Error::ConnectTimeout { .. }
            | Error::NoGreeting { .. }) => Failure::Connection(e.to_string()),
            e => Failure::from_error(e, &format!("cannot connect to {target}: ")),
        })?;
        Ok(Session {
            client,
            events,
            target,
            _server: server,
        })
    }

    /// `--ca` and `--insecure` applied (they need an `amis://` URL).
    fn tls(&self, builder: ClientBuilder) -> Result<ClientBuilder, Failure> {
        let tls = self.url.as_deref().is_some_and(|u| {
            u.get(..7)
                .is_some_and(|s| s.eq_ignore_ascii_case("amis://"))
        });
        if (self.ca.is_some() || self.insecure) && (!tls || self.sim) {
            return Err(Failure::Usage(
                "--ca and --insecure are for TLS: give an amis:// URL".to_owned(),
            ));
        }
        let mut builder = builder;
        if let Some(path) = &self.ca {
            let pem = std::fs::read(path).map_err(|e| {
                Failure::Usage(format!("cannot read the CA file {}: {e}", path.display()))
            })?;
            builder = builder.tls_ca_pem(pem);
        }
        if self.insecure {
            eprintln!("ami: warning: --insecure: the server's certificate is not verified");
            builder = builder.danger_accept_invalid_certs(true);
        }
        Ok(builder)
    }

    /// The builder for `--url`/`AMI_URL`, with `AMI_SECRET` applied, and
    /// `host:port` for messages (never the secret).
    fn builder_from_url(&self) -> Result<(ClientBuilder, String), Failure> {
        let Some(raw) = &self.url else {
            return Err(Failure::Usage(
                "no server: give --url, set AMI_URL, or use --sim".to_owned(),
            ));
        };
        // The library's checks first: their messages say what is wrong.
        ClientBuilder::from_url(raw).map_err(|e| Failure::Usage(e.to_string()))?;
        let mut url =
            url::Url::parse(raw).map_err(|e| Failure::Usage(format!("invalid AMI URL: {e}")))?;
        // AMI_SECRET is used byte for byte (not percent-decoded as a URL's
        // secret is), so it is set on the builder, not put into the URL.
        let env_secret = match std::env::var("AMI_SECRET") {
            Ok(secret) if !secret.is_empty() => {
                if url.username().is_empty() {
                    return Err(Failure::Usage(
                        "AMI_SECRET is set but the URL names no user".to_owned(),
                    ));
                }
                let _ = url.set_password(None);
                Some(secret)
            }
            Ok(_) | Err(std::env::VarError::NotPresent) => None,
            Err(std::env::VarError::NotUnicode(_)) => {
                return Err(Failure::Usage("AMI_SECRET is not UTF-8".to_owned()));
            }
        };
        if url.username().is_empty() {
            return Err(Failure::Usage(
                "the URL names no user: give ami://user:secret@host:port".to_owned(),
            ));
        }
        if url.password().is_none() && env_secret.is_none() {
            return Err(Failure::Usage(format!(
                "no secret for user '{}': give ami://user:secret@host:port or set AMI_SECRET",
                url.username()
            )));
        }
        let mut builder =
            ClientBuilder::from_url(url.as_str()).map_err(|e| Failure::Usage(e.to_string()))?;
        if let Some(secret) = env_secret {
            // The URL's user, percent-decoded by `from_url`.
            let user = builder.username().unwrap_or_default().to_owned();
            builder = builder.credentials(user, secret);
        }
        let target = format!(
            "{}:{}",
            url.host_str().unwrap_or(""),
            url.port().unwrap_or(ami_core::client::DEFAULT_PORT)
        );
        Ok((builder, target))
    }
}

/// Writes one JSON document (pretty) or line (compact) to stdout. A closed
/// pipe is not an error.
fn print(j: &impl serde::Serialize, pretty: bool) -> Result<(), io::Error> {
    let mut out = io::stdout().lock();
    term::write_json(&mut out, j, pretty)?;
    out.flush()
}

fn print_doc(j: &impl serde::Serialize) {
    // A reader that went away (`| head`) is fine; nothing else can fail.
    let _ = print(j, true);
}

/// Sends `msg` and prints its answer; with `check_release`, first checks
/// that the PBX's release has the action and its parameters.
async fn send(
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

async fn command(conn: &Conn, command: &str, raw: bool) -> Result<(), Failure> {
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

async fn events(
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

/// `ami originate`: an asynchronous Originate; with `wait`, its
/// OriginateResponse decides the exit code.
async fn originate(conn: &Conn, msg: ami_core::Message, wait: bool) -> Result<(), Failure> {
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

/// `ami sim`: the embedded AMI server until Ctrl-C.
async fn sim(
    bind: std::net::IpAddr,
    port: u16,
    user: String,
    secret: Option<String>,
    call_duration: Option<Duration>,
    asterisk_version: Option<String>,
) -> Result<(), Failure> {
    // The secret is shown only when it is the simulator's well-known
    // default; one given with --secret stays the user's.
    let default_secret = secret.is_none();
    let config = ServerConfig {
        username: user.clone(),
        secret: secret.unwrap_or_else(|| ServerConfig::default().secret),
        // Calls last long enough to be seen from another shell, in real
        // time; the same seed gives the same ids.
        time_scale: 1.0,
        ring_time: Duration::from_secs(1),
        call_duration: call_duration.unwrap_or(Duration::from_secs(30)),
        seed: Some(5038),
        asterisk_version: asterisk_version
            .unwrap_or_else(|| ServerConfig::default().asterisk_version),
        ..ServerConfig::default()
    };
    let server = Server::start_on(std::net::SocketAddr::new(bind, port), config)
        .await
        .map_err(|e| Failure::Connection(format!("cannot listen on {bind}:{port}: {e}")))?;
    // A URL that works goes to stdout (scripts read it): with the
    // well-known default secret in it, or without the secret given by
    // --secret, which then goes in AMI_SECRET.
    let addr = server.addr();
    let user_part =
        percent_encoding::utf8_percent_encode(&user, percent_encoding::NON_ALPHANUMERIC);
    if default_secret {
        let default = ServerConfig::default().secret;
        println!("ami://{user_part}:{default}@{addr}");
        eprintln!(
            "ami: the embedded AMI server listens on {addr}; Ctrl-C stops it. Try: ami --url ami://{user_part}:{default}@{addr} action Ping"
        );
    } else {
        println!("ami://{user_part}@{addr}");
        eprintln!(
            "ami: the embedded AMI server listens on {addr}; Ctrl-C stops it. The URL has no secret: set AMI_SECRET to the --secret you gave (the library and the CLI read it). Try: AMI_SECRET=… ami --url ami://{user_part}@{addr} action Ping"
        );
    }
    let _ = io::stdout().flush();
    tokio::signal::ctrl_c()
        .await
        .map_err(|e| Failure::Connection(format!("cannot wait for Ctrl-C: {e}")))?;
    server.shutdown();
    Ok(())
}

fn spec(what: SpecCmd) -> Result<(), Failure> {
    use ami_types::meta::{ACTIONS, EVENTS};
    let names = |names: Vec<&str>, raw: bool| {
        if raw {
            let mut out = io::stdout().lock();
            for n in names {
                if writeln!(out, "{n}").is_err() {
                    break;
                }
            }
        } else {
            print_doc(&names);
        }
    };
    match what {
        SpecCmd::Actions { raw } => names(ACTIONS.iter().map(|a| a.name).collect(), raw),
        SpecCmd::Events { raw } => names(EVENTS.iter().map(|e| e.name).collect(), raw),
        SpecCmd::Action { name, release } => {
            let meta = check::action(&name).map_err(Failure::Usage)?;
            print_doc(&spec::action(meta, release.as_deref()));
        }
        SpecCmd::Event { name, release } => {
            let meta = check::event(&name).map_err(Failure::Usage)?;
            print_doc(&spec::event(meta, release.as_deref()));
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use crate::term::text as escape_controls;

    #[test]
    fn control_characters_from_the_server_are_escaped() {
        assert_eq!(
            escape_controls("No such channel \u{1b}[31mred\r\nX"),
            "No such channel \\u{1b}[31mred\\r\\nX"
        );
        assert_eq!(escape_controls("Jörg ok"), "Jörg ok");
    }
}
