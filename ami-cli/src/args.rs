//! The command line: its options, subcommands and their parsers (clap).

use std::time::Duration;

use clap::{Parser, Subcommand};

pub(crate) const AFTER_HELP: &str = "\
Exit codes: 0 success, 1 Asterisk answered with an error, 2 usage error,
3 connection or login failure, 4 `events` missed events.

The secret comes from the URL or from AMI_SECRET (which overrides it); it is
never printed.";

/// The Asterisk Manager Interface from a shell: actions, lists, CLI
/// commands and events as JSON.
#[derive(Parser)]
#[command(name = "ami", version, after_help = AFTER_HELP)]
pub(crate) struct Cli {
    /// The AMI URL, ami://user:secret@host:port, or amis://… for TLS (port
    /// 5039 by default); the secret and port are optional, and ?events=off
    /// and ?auth=md5 may follow. Default: the environment's AMI_URL
    // (Read by hand, not with clap's `env`: clap would show a URL from the
    // environment as given in its usage lines.)
    #[arg(long, global = true)]
    pub(crate) url: Option<String>,

    /// With amis://: trust the CA certificates of this PEM file instead of
    /// the system's roots.
    #[arg(long, global = true, value_name = "FILE")]
    pub(crate) ca: Option<std::path::PathBuf>,

    /// With amis://: accept any certificate (lab use only: anyone on the
    /// path can pose as the PBX and read the login).
    #[arg(long, global = true)]
    pub(crate) insecure: bool,

    /// Reconnect when the connection is lost (backoff with jitter, without
    /// end); `events` prints a {"Reconnected": …} line at each gap.
    #[arg(long, global = true)]
    pub(crate) reconnect: bool,

    /// Start the embedded AMI server and talk to it (ignores --url,
    /// AMI_URL and AMI_SECRET).
    #[arg(long, global = true)]
    pub(crate) sim: bool,

    /// Seconds to wait for the connection and for each answer (default
    /// 10); for `events`, also how long to listen (default 10).
    #[arg(long, global = true, value_name = "S", value_parser = seconds)]
    pub(crate) timeout: Option<Duration>,

    #[command(subcommand)]
    pub(crate) cmd: Cmd,
}

#[derive(Subcommand)]
pub(crate) enum Cmd {
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
pub(crate) struct NotForSim {
    #[arg(long, hide = true)]
    pub(crate) url: Option<String>,
    #[arg(long, hide = true)]
    pub(crate) ca: Option<std::path::PathBuf>,
    #[arg(long, hide = true)]
    pub(crate) insecure: bool,
    #[arg(long, hide = true)]
    pub(crate) reconnect: bool,
    #[arg(long, hide = true)]
    pub(crate) sim: bool,
    #[arg(long, hide = true)]
    pub(crate) timeout: Option<String>,
}

impl NotForSim {
    /// Whether each of [`CLIENT_OPTIONS`] was given.
    pub(crate) fn given(&self) -> [bool; 6] {
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
pub(crate) const CLIENT_OPTIONS: [&str; 6] = [
    "--url",
    "--ca",
    "--insecure",
    "--reconnect",
    "--sim",
    "--timeout",
];

/// The first of [`CLIENT_OPTIONS`] given, if any.
pub(crate) fn first_given(given: [bool; 6]) -> Option<&'static str> {
    CLIENT_OPTIONS
        .into_iter()
        .zip(given)
        .find_map(|(name, given)| given.then_some(name))
}

#[derive(Subcommand)]
pub(crate) enum SpecCmd {
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
pub(crate) fn release(s: &str) -> Result<String, String> {
    if ami_types::meta::is_release(s) {
        Ok(s.to_owned())
    } else {
        Err("expected an Asterisk release such as 20.5.2".to_owned())
    }
}

pub(crate) fn seconds(s: &str) -> Result<Duration, String> {
    s.parse::<f64>()
        .ok()
        .filter(|s| *s > 0.0)
        .and_then(|s| Duration::try_from_secs_f64(s).ok())
        .ok_or_else(|| "expected a positive number of seconds".to_owned())
}
