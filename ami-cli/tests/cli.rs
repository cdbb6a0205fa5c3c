//! The `ami` binary end to end: every subcommand, exit code and error
//! message, against the embedded server (`--sim`, or `--url` to a server
//! started here).

use std::io::Read;
use std::process::{Child, Command, Output, Stdio};
use std::time::{Duration, Instant};

use ami_core::{Client, Message};
use ami_server::{Server, ServerConfig};
use serde_json::Value as J;
use tokio::runtime::Runtime;

const BIN: &str = env!("CARGO_BIN_EXE_ami");

fn cmd(args: &[&str]) -> Command {
    let mut c = Command::new(BIN);
    c.args(args)
        .env_remove("AMI_URL")
        .env_remove("AMI_SECRET")
        .stdin(Stdio::null());
    c
}

fn ami(args: &[&str]) -> Output {
    cmd(args).output().expect("run ami")
}

fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

fn json(o: &Output) -> J {
    serde_json::from_slice(&o.stdout)
        .unwrap_or_else(|e| panic!("stdout is not JSON ({e}): {}", stdout(o)))
}

#[track_caller]
fn assert_exit(o: &Output, code: i32) {
    assert_eq!(
        o.status.code(),
        Some(code),
        "stdout: {}\nstderr: {}",
        stdout(o),
        stderr(o)
    );
}

/// Exits with `code` and says `text` on stderr.
#[track_caller]
fn assert_stderr(o: &Output, code: i32, text: &str) {
    assert_exit(o, code);
    assert!(stderr(o).contains(text), "{}", stderr(o));
}

/// An embedded server on its own runtime, for tests that need a second
/// client or a particular configuration.
struct Sim {
    rt: Runtime,
    server: Server,
}

impl Sim {
    fn start(config: ServerConfig) -> Sim {
        let rt = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(1)
            .enable_all()
            .build()
            .unwrap();
        let server = rt.block_on(Server::start(config)).unwrap();
        Sim { rt, server }
    }

    fn url(&self) -> String {
        self.server.url()
    }

    /// `ami://admin:<secret>@addr`.
    fn url_with(&self, secret: &str) -> String {
        format!("ami://admin:{secret}@{}", self.server.addr())
    }

    fn client(&self) -> (Client, ami_core::EventStream) {
        self.rt
            .block_on(Client::connect_untyped(&self.url()))
            .unwrap()
    }
}

fn originate(target: &str, seconds: u32) -> Message {
    let mut m = Message::action("Originate");
    m.append("Channel", target);
    m.append("Application", "Wait");
    m.append("Data", seconds);
    m.append("Async", "true");
    m
}

// ---- action ----------------------------------------------------------

#[test]
fn action_prints_the_response_in_wire_order() {
    let o = ami(&["--sim", "action", "ping"]);
    assert_exit(&o, 0);
    let text = stdout(&o);
    let r = json(&o);
    assert_eq!(r["Response"], "Success");
    assert_eq!(r["Ping"], "Pong");
    assert!(r["ActionID"].is_string());
    // Keys in wire order.
    let pos = |k: &str| text.find(&format!("\"{k}\"")).unwrap();
    assert!(pos("Response") < pos("Ping") && pos("Ping") < pos("Timestamp"));
}

#[test]
fn action_on_a_list_action_prints_the_list() {
    let o = ami(&["--sim", "action", "QueueStatus"]);
    assert_exit(&o, 0);
    let r = json(&o);
    assert_eq!(r["response"]["EventList"], "start");
    assert_eq!(r["items"][0]["Event"], "QueueParams");
    assert_eq!(r["complete"]["Event"], "QueueStatusComplete");
}

#[test]
fn unknown_action_suggests_the_nearest() {
    let o = ami(&["--sim", "action", "Orginate", "Channel=Local/1@x"]);
    assert_exit(&o, 2);
    assert!(o.stdout.is_empty());
    assert!(
        stderr(&o).contains("unknown action 'Orginate'; did you mean 'Originate'?"),
        "{}",
        stderr(&o)
    );
}

#[test]
fn unknown_parameter_suggests_the_nearest() {
    let o = ami(&["--sim", "action", "Originate", "Chanel=Local/1@x"]);
    assert_exit(&o, 2);
    assert!(
        stderr(&o)
            .contains("unknown parameter 'Chanel' for action 'Originate'; did you mean 'Channel'?"),
        "{}",
        stderr(&o)
    );
}

#[test]
fn missing_required_parameter_is_named() {
    let o = ami(&["--sim", "action", "Hangup"]);
    assert_stderr(
        &o,
        2,
        "missing required parameter 'Channel' for action 'Hangup'",
    );
}

#[test]
fn bad_arguments_are_usage_errors() {
    for (args, expect) in [
        (
            vec!["action", "Ping", "novalue"],
            "expected KEY=VALUE, got 'novalue'",
        ),
        (vec!["action", "Ping", "ActionID=7"], "ActionID is assigned"),
        (
            vec!["action", "Getvar", "Variable=a\r\nAction: Logoff"],
            "line break",
        ),
        (vec!["action"], "Usage"),
        (vec!["frobnicate"], "Usage"),
        (vec!["--timeout", "0", "action", "Ping"], "positive"),
        (vec!["--timeout", "soon", "action", "Ping"], "positive"),
    ] {
        let mut full = vec!["--sim"];
        full.extend(args.iter().copied());
        let o = ami(&full);
        assert_exit(&o, 2);
        assert!(stderr(&o).contains(expect), "{args:?}: {}", stderr(&o));
        assert!(!stderr(&o).contains("Logoff"), "a value was echoed");
    }
}

#[test]
fn no_server_is_a_usage_error() {
    let o = ami(&["action", "Ping"]);
    assert_stderr(&o, 2, "--url");
    let o = ami(&["--url", "http://admin:x@127.0.0.1", "action", "Ping"]);
    assert_stderr(&o, 2, "ami://");
}

#[test]
fn asterisk_error_exits_1_with_the_response() {
    let o = ami(&["--sim", "action", "Hangup", "Channel=nope"]);
    assert_exit(&o, 1);
    assert_eq!(json(&o)["Response"], "Error");
    assert_eq!(json(&o)["Message"], "No such channel");
    assert!(stderr(&o).contains("No such channel"), "{}", stderr(&o));
}

#[test]
fn repeated_variable_reaches_the_wire_in_order() {
    let sim = Sim::start(ServerConfig::default());
    let (_client, mut events) = sim.client();
    let o = ami(&[
        "--url",
        &sim.url(),
        "action",
        "originate",
        "Channel=PJSIP/alice",
        "Application=Wait",
        "Data=1",
        "Async=true",
        "Variable=A=1",
        "Variable=B=x=y",
    ]);
    assert_exit(&o, 0);
    assert_eq!(json(&o)["Response"], "Success");
    // The call sets each variable: VarSet events in argument order, split
    // on the first '=' only.
    let seen = sim.rt.block_on(async {
        let mut seen = Vec::new();
        let deadline = tokio::time::Instant::now() + Duration::from_secs(5);
        while seen.len() < 2 {
            let ev = tokio::time::timeout_at(deadline, events.recv())
                .await
                .expect("VarSet events")
                .unwrap();
            if ev.event_name().is_some_and(|n| n == "VarSet") {
                let var = ev.get_str("Variable").unwrap_or("").to_owned();
                if var == "A" || var == "B" {
                    seen.push(format!("{var}={}", ev.get_str("Value").unwrap_or("")));
                }
            }
        }
        seen
    });
    assert_eq!(seen, ["A=1", "B=x=y"]);
}

#[test]
fn unchecked_sends_names_and_keys_as_given() {
    let sim = Sim::start(ServerConfig::default());
    let (_client, mut events) = sim.client();
    let o = ami(&[
        "--url",
        &sim.url(),
        "action",
        "--unchecked",
        "UserEvent",
        "UserEvent=Deploy",
        "X-Build=42",
    ]);
    assert_exit(&o, 0);
    let ev = sim.rt.block_on(async {
        loop {
            let ev = tokio::time::timeout(Duration::from_secs(5), events.recv())
                .await
                .expect("UserEvent")
                .unwrap();
            if ev.event_name().is_some_and(|n| n == "UserEvent") {
                return ev;
            }
        }
    });
    assert_eq!(ev.get("X-Build").unwrap(), "42");
    // Checked, a UserEvent's own headers are free too (they are by design);
    // an unknown key of another action is refused and --unchecked offered.
    let o = ami(&[
        "--sim",
        "action",
        "UserEvent",
        "UserEvent=Deploy",
        "X-Build=42",
    ]);
    assert_exit(&o, 0);
    let o = ami(&["--sim", "action", "Ping", "X-Build=42"]);
    assert_stderr(&o, 2, "--unchecked");
}

// ---- list ------------------------------------------------------------

#[test]
fn list_prints_response_items_and_completion() {
    let sim = Sim::start(ServerConfig::default());
    let (client, _events) = sim.client();
    for target in ["PJSIP/alice", "PJSIP/bob"] {
        sim.rt
            .block_on(client.originate_message(originate(target, 100)))
            .unwrap();
    }
    let o = ami(&["--url", &sim.url(), "list", "coreshowchannels"]);
    assert_exit(&o, 0);
    let r = json(&o);
    assert_eq!(r["response"]["Response"], "Success");
    let items = r["items"].as_array().unwrap();
    assert_eq!(items.len(), 2);
    assert!(items.iter().all(|i| i["Event"] == "CoreShowChannel"));
    assert_eq!(r["complete"]["Event"], "CoreShowChannelsComplete");
    assert_eq!(r["complete"]["ListItems"], "2");
    assert!(stdout(&o).trim_start().starts_with("{\n  \"response\""));
}

#[test]
fn list_on_a_non_list_action_is_a_usage_error() {
    let o = ami(&["--sim", "list", "Ping"]);
    assert_stderr(&o, 2, "'Ping' does not answer with an event list");
    let o = ami(&["--sim", "list", "CoreShowChanels"]);
    assert_exit(&o, 2);
    assert!(stderr(&o).contains("did you mean 'CoreShowChannels'?"));
}

#[test]
fn list_error_exits_1() {
    let o = ami(&["--sim", "list", "Status", "Channel=PJSIP/nobody"]);
    assert_exit(&o, 1);
    assert_eq!(json(&o)["Response"], "Error");
    assert!(stderr(&o).contains("No such channel"), "{}", stderr(&o));
}

// ---- command ---------------------------------------------------------

#[test]
fn command_prints_lines() {
    // As `asterisk -rx` does: the text; words joined.
    let o = ami(&["--sim", "command", "core", "show", "version"]);
    assert_exit(&o, 0);
    assert!(stdout(&o).starts_with("Asterisk 22"), "{}", stdout(&o));
    assert!(stdout(&o).ends_with('\n'));
    // --raw (the old spelling of the default) still works.
    let o = ami(&["--sim", "command", "--raw", "core show version"]);
    assert!(stdout(&o).starts_with("Asterisk 22"), "{}", stdout(&o));
    // --json: the lines as a JSON array.
    let o = ami(&["--sim", "command", "--json", "core show version"]);
    assert_exit(&o, 0);
    let lines = json(&o);
    assert!(
        lines[0].as_str().unwrap().starts_with("Asterisk 22"),
        "{lines}"
    );
}

#[test]
fn the_cli_tells_the_truth_at_its_edges() {
    // `action Command` fails with what the CLI said, not "Command output
    // follows".
    let o = ami(&["--sim", "action", "Command", "Command=bogus thing"]);
    assert_exit(&o, 1);
    let err = stderr(&o);
    assert!(err.contains("No such command"), "{err}");
    assert!(!err.contains("Command output follows"), "{err}");
    // A value of a documented integer parameter is checked before sending.
    let o = ami(&[
        "--sim",
        "action",
        "Originate",
        "Channel=Local/1@default",
        "Application=Wait",
        "Timeout=abc",
    ]);
    assert_stderr(&o, 2, "'Timeout' of action 'Originate' takes an integer");
    // A URL without a scheme says so.
    let o = ami(&["--url", "admin:amp111@127.0.0.1", "action", "Ping"]);
    assert_stderr(&o, 2, "ami://");
    assert!(!stderr(&o).contains("relative URL"), "{}", stderr(&o));
    // A URL from AMI_URL is not shown as --url in clap's usage lines.
    let o = cmd(&["action"])
        .env("AMI_URL", "ami://admin:amp111@127.0.0.1:9")
        .output()
        .unwrap();
    assert_exit(&o, 2);
    assert!(!stderr(&o).contains("--url"), "{}", stderr(&o));
    assert!(!stderr(&o).contains("amp111"), "{}", stderr(&o));
    // `ami sim --help` shows only its own options, and refuses a client's.
    let o = ami(&["sim", "--help"]);
    assert_exit(&o, 0);
    let help = stdout(&o);
    let options = help.split("Options:").nth(1).expect("an options section");
    for client in ["--url", "--ca", "--insecure", "--reconnect", "--timeout"] {
        assert!(!options.contains(&format!("{client} ")), "{client}: {help}");
    }
    assert!(stdout(&o).contains("--port"), "{}", stdout(&o));
    let o = ami(&["sim", "--url", "ami://a:b@h", "--port", "0"]);
    assert_stderr(&o, 2, "client option");
}

#[test]
fn unknown_cli_command_exits_1() {
    let o = ami(&["--sim", "command", "bogus thing"]);
    assert_exit(&o, 1);
    assert_eq!(json(&o)["Response"], "Error");
    assert!(stderr(&o).contains("No such command"), "{}", stderr(&o));
}

// ---- events ----------------------------------------------------------

/// Reads a child's stdout and stderr to the end once it exits, failing
/// the test if it runs for longer than `limit`.
fn finish(mut child: Child, limit: Duration) -> Output {
    let start = Instant::now();
    loop {
        if let Some(status) = child.try_wait().unwrap() {
            let mut out = Vec::new();
            let mut err = Vec::new();
            child.stdout.take().unwrap().read_to_end(&mut out).unwrap();
            child.stderr.take().unwrap().read_to_end(&mut err).unwrap();
            return Output {
                status,
                stdout: out,
                stderr: err,
            };
        }
        if start.elapsed() > limit {
            let _ = child.kill();
            panic!("ami did not finish within {limit:?}");
        }
        std::thread::sleep(Duration::from_millis(20));
    }
}

#[test]
fn events_count_and_filter_with_a_call_in_parallel() {
    let sim = Sim::start(ServerConfig::default());
    let (client, _events) = sim.client();
    let child = cmd(&[
        "--url",
        &sim.url(),
        "--timeout",
        "20",
        "events",
        "--count",
        "3",
        "--filter",
        "newchannel,Hangup",
    ])
    .stdout(Stdio::piped())
    .stderr(Stdio::piped())
    .spawn()
    .unwrap();
    // Start short calls until the listener has had its three events (it
    // may log in after the first ones).
    let start = Instant::now();
    let mut child = Some(child);
    let out = loop {
        sim.rt
            .block_on(client.send_message(originate("PJSIP/alice", 1)))
            .unwrap();
        std::thread::sleep(Duration::from_millis(150));
        let running = child.as_mut().unwrap().try_wait().unwrap().is_none();
        if !running || start.elapsed() > Duration::from_secs(15) {
            break finish(child.take().unwrap(), Duration::from_secs(5));
        }
    };
    assert_exit(&out, 0);
    let text = stdout(&out);
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(lines.len(), 3, "{text}");
    for line in lines {
        assert!(line.starts_with("{\"Event\":"), "{line}");
        let ev: J = serde_json::from_str(line).unwrap();
        let name = ev["Event"].as_str().unwrap();
        assert!(name == "Newchannel" || name == "Hangup", "{name}");
        assert!(ev["Channel"].is_string(), "{line}");
    }
}

#[test]
fn events_stop_after_the_timeout_with_exit_0() {
    let start = Instant::now();
    let o = ami(&["--sim", "--timeout", "0.3", "events", "--filter", "Hangup"]);
    assert_exit(&o, 0);
    assert!(o.stdout.is_empty(), "{}", stdout(&o));
    assert!(start.elapsed() < Duration::from_secs(5));
}

#[test]
fn events_with_sim_see_fully_booted() {
    let o = ami(&["--sim", "--timeout", "5", "events", "--count", "1"]);
    assert_exit(&o, 0);
    assert!(
        stdout(&o).starts_with("{\"Event\":\"FullyBooted\""),
        "{}",
        stdout(&o)
    );
    assert_eq!(stdout(&o).lines().count(), 1);
}

#[test]
fn events_warn_about_unknown_filter_names() {
    let o = ami(&["--sim", "--timeout", "0.2", "events", "--filter", "Hangpu"]);
    assert_stderr(&o, 0, "did you mean 'Hangup'?");
}

/// `ami events` against `sim`, once it has connected.
fn listening(sim: &Sim) -> Child {
    let child = cmd(&["--url", &sim.url(), "events"])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let start = Instant::now();
    while sim.server.connections() == 0 && start.elapsed() < Duration::from_secs(5) {
        std::thread::sleep(Duration::from_millis(10));
    }
    child
}

#[test]
fn events_end_with_the_connection_exit_3() {
    let sim = Sim::start(ServerConfig::default());
    let child = listening(&sim);
    std::thread::sleep(Duration::from_millis(100));
    sim.server.drop_connections();
    let o = finish(child, Duration::from_secs(5));
    assert_stderr(&o, 3, "connection closed");
}

// ---- spec ------------------------------------------------------------

#[test]
fn spec_lists_names() {
    let o = ami(&["spec", "actions"]);
    assert_exit(&o, 0);
    let names: Vec<String> = serde_json::from_slice(&o.stdout).unwrap();
    assert!(names.len() > 100);
    for n in ["Originate", "Ping", "Status", "UpdateConfig"] {
        assert!(names.iter().any(|x| x == n), "{n}");
    }
    let o = ami(&["spec", "events", "--raw"]);
    assert_exit(&o, 0);
    let text = stdout(&o);
    assert!(text.lines().any(|l| l == "Hangup"));
    assert!(text.lines().any(|l| l == "Status"));
    assert!(text.lines().count() > 100);
}

#[test]
fn spec_action_status_and_spec_event_status_differ() {
    let o = ami(&["spec", "action", "status"]);
    assert_exit(&o, 0);
    let a = json(&o);
    assert_eq!(a["kind"], "action");
    assert_eq!(a["name"], "Status");
    // A synopsis is Asterisk's prose: there when built from its XML
    // (AMI_SPEC_XML), left out (not empty) with the bundled fact model.
    assert!(a
        .get("synopsis")
        .is_none_or(|s| !s.as_str().unwrap().is_empty()));
    assert_eq!(a["list"]["complete"], "StatusComplete");
    let params = a["params"].as_array().unwrap();
    assert_eq!(params[0]["name"], "Channel");
    assert_eq!(params[0]["required"], false);
    let all = params.iter().find(|p| p["name"] == "AllVariables").unwrap();
    assert_eq!(all["type"], "enum");
    assert!(all["values"].as_array().unwrap().contains(&J::from("true")));
    // Order as documented: Channel, Variables, AllVariables.
    let text = stdout(&o);
    assert!(text.find("\"Channel\"") < text.find("\"AllVariables\""));

    let o = ami(&["spec", "event", "Status"]);
    assert_exit(&o, 0);
    let e = json(&o);
    assert_eq!(e["kind"], "event");
    assert_eq!(e["name"], "Status");
    assert!(e["fields"].as_array().unwrap().len() > params.len());
    assert!(e["fields"]
        .as_array()
        .unwrap()
        .iter()
        .any(|f| f["name"] == "Channel" && f["type"] == "string"));
    if a.get("synopsis").is_some() {
        assert_ne!(a["synopsis"], e["synopsis"]);
    }
}

#[test]
fn spec_action_shows_required_defaults_and_indexed_keys() {
    let o = ami(&["spec", "action", "Originate"]);
    assert_exit(&o, 0);
    let a = json(&o);
    let channel = &a["params"][0];
    assert_eq!(channel["name"], "Channel");
    assert_eq!(channel["required"], true);
    assert!(a["list"].is_null());
    let o = ami(&["spec", "action", "UpdateConfig"]);
    let a = json(&o);
    let action = a["params"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["name"] == "Action")
        .unwrap();
    assert_eq!(action["kind"], "indexed");
    assert_eq!(action["key"], "Action-000000");
}

#[test]
fn spec_unknown_names_suggest() {
    let o = ami(&["spec", "event", "Hangpu"]);
    assert_exit(&o, 2);
    assert!(stderr(&o).contains("unknown event 'Hangpu'; did you mean 'Hangup'?"));
    let o = ami(&["spec", "action", "Orginate"]);
    assert_exit(&o, 2);
    assert!(stderr(&o).contains("did you mean 'Originate'?"));
}

// ---- connection, login and the secret --------------------------------

#[test]
fn closed_port_exits_3() {
    let port = {
        let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        l.local_addr().unwrap().port()
    };
    let url = format!("ami://admin:closed-port-secret@127.0.0.1:{port}");
    let o = ami(&["--url", &url, "action", "Ping"]);
    assert_exit(&o, 3);
    assert!(o.stdout.is_empty());
    assert!(
        stderr(&o).contains(&format!("cannot connect to 127.0.0.1:{port}")),
        "{}",
        stderr(&o)
    );
    assert!(!stderr(&o).contains("closed-port-secret"));
}

#[test]
fn silent_peer_times_out_with_exit_3() {
    // Accepts (in the kernel's backlog) but never sends a greeting.
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    let url = format!("ami://admin:silent-peer-secret@127.0.0.1:{port}");
    let start = Instant::now();
    let o = ami(&["--url", &url, "--timeout", "0.3", "action", "Ping"]);
    assert_exit(&o, 3);
    assert!(start.elapsed() < Duration::from_secs(5));
    assert!(
        stderr(&o).contains(&format!(
            "connected to 127.0.0.1:{port}, but no AMI greeting came within 0.3 s"
        )),
        "{}",
        stderr(&o)
    );
    assert!(!stderr(&o).contains("silent-peer-secret"));
    drop(listener);
}

#[test]
fn wrong_secret_exits_3_and_is_never_printed() {
    let sim = Sim::start(ServerConfig {
        secret: "right-Secret-1".into(),
        ..ServerConfig::default()
    });
    // Wrong secret in the URL (percent-encoded), then from AMI_SECRET
    // overriding a right one in the URL, then in AMI_URL.
    let outputs = [
        ami(&[
            "--url",
            &sim.url_with("wrong-Secret-2%40x"),
            "action",
            "Ping",
        ]),
        cmd(&["--url", &sim.url(), "command", "core show version"])
            .env("AMI_SECRET", "wrong-Env-Secret-3")
            .output()
            .unwrap(),
        cmd(&["events"])
            .env("AMI_URL", sim.url_with("wrong-Secret-4"))
            .output()
            .unwrap(),
    ];
    for o in &outputs {
        assert_exit(o, 3);
        assert!(
            stderr(o).contains("login to 127.0.0.1:") && stderr(o).contains("refused"),
            "{}",
            stderr(o)
        );
        assert!(o.stdout.is_empty());
        for s in [stdout(o), stderr(o)] {
            for secret in ["wrong-Secret", "wrong-Env-Secret", "right-Secret"] {
                assert!(!s.contains(secret), "secret printed: {s}");
            }
        }
    }
}

#[test]
fn ami_secret_completes_and_overrides_the_url() {
    let sim = Sim::start(ServerConfig {
        secret: "p@ss:w/rd%1".into(),
        ..ServerConfig::default()
    });
    let no_secret = format!("ami://admin@{}", sim.server.addr());
    let wrong = sim.url_with("nope");
    for url in [&no_secret, &wrong] {
        let o = cmd(&["--url", url, "action", "Ping"])
            .env("AMI_SECRET", "p@ss:w/rd%1")
            .output()
            .unwrap();
        assert_exit(&o, 0);
        assert_eq!(json(&o)["Ping"], "Pong");
    }
    // AMI_SECRET without a user in the URL is a usage error.
    let o = cmd(&[
        "--url",
        &format!("ami://{}", sim.server.addr()),
        "action",
        "Ping",
    ])
    .env("AMI_SECRET", "p@ss:w/rd%1")
    .output()
    .unwrap();
    assert_exit(&o, 2);
    assert!(!stderr(&o).contains("p@ss"));

    // Byte for byte: `%41` is not decoded into `A`.
    let sim = Sim::start(ServerConfig {
        secret: "%41bc-x".into(),
        ..ServerConfig::default()
    });
    let o = cmd(&[
        "--url",
        &format!("ami://admin@{}", sim.server.addr()),
        "action",
        "Ping",
    ])
    .env("AMI_SECRET", "%41bc-x")
    .output()
    .unwrap();
    assert_exit(&o, 0);
}

#[test]
fn short_secrets_in_mis_cased_or_invalid_urls_never_show() {
    for (url, secret) in [
        ("AMI://admin:q7@127.0.0.1:1", "q7"),
        ("Ami://admin:Z@127.0.0.1:1", "Z"),
        ("ami://admin:k9@127.0.0.1:99999", "k9"),
        (
            "ami://admin:Longer-Secret-9@127.0.0.1:99999",
            "Longer-Secret-9",
        ),
    ] {
        // Misplaced (clap echoes it) and as --url (invalid or refused).
        for o in [
            ami(&["--sim", url, "action", "Ping"]),
            ami(&["--url", url, "action", "Ping"]),
        ] {
            let err = stderr(&o);
            let needle = format!(":{secret}@");
            assert!(!err.contains(&needle), "{url}: {err}");
            assert!(!stdout(&o).contains(&needle), "{url}");
            assert_ne!(o.status.code(), Some(0), "{url}");
        }
    }
    // Help text keeps its example URL and exits 0.
    let o = ami(&["--help"]);
    assert_exit(&o, 0);
    assert!(
        stdout(&o).contains("ami://user:secret@host"),
        "{}",
        stdout(&o)
    );
}

#[test]
fn the_secret_never_shows_in_help_or_errors() {
    let secret = "Hidden-Secret-5";
    let url = format!("ami://admin:{secret}@127.0.0.1:1");
    let outputs = [
        cmd(&["--help"]).env("AMI_URL", &url).output().unwrap(),
        cmd(&["action", "--help"])
            .env("AMI_URL", &url)
            .output()
            .unwrap(),
        cmd(&["action", "Ping"])
            .env("AMI_URL", &url)
            .output()
            .unwrap(),
        cmd(&["action", "Ping"])
            .env("AMI_URL", "ami://admin@127.0.0.1:1")
            .env("AMI_SECRET", secret)
            .output()
            .unwrap(),
        ami(&["--url", &url, "--url", &url, "action", "Ping"]),
        ami(&["--url", &format!("ami://admin:{secret}@"), "action", "Ping"]),
        ami(&[
            "--url",
            &format!("ami://admin:{secret}@h?x=1"),
            "action",
            "Ping",
        ]),
        // A URL where it does not belong.
        ami(&["--sim", &url, "action", "Ping"]),
        ami(&["--sim", "action", "Ping", &format!("{url}?events=off")]),
    ];
    let help = stdout(&outputs[0]);
    assert!(help.contains("AMI_URL"), "{help}");
    for o in &outputs {
        for s in [stdout(o), stderr(o)] {
            assert!(!s.contains(secret), "secret printed: {s}");
        }
    }
    assert_exit(&outputs[2], 3);
    assert_exit(&outputs[3], 3);
    assert_exit(&outputs[4], 2);
    assert_exit(&outputs[5], 2);
    for o in &outputs[6..] {
        assert_exit(o, 2);
    }
    assert!(
        stderr(&outputs[7]).contains("<redacted>"),
        "{}",
        stderr(&outputs[7])
    );
}

/// A raw peer that logs the client in and at once writes `total` events of
/// about 500 bytes back to back (a burst like 200 calls originated at
/// once), answers `Logoff`, and ends with the connection.
fn bursting_peer(total: usize) -> (String, std::thread::JoinHandle<()>) {
    use std::io::Write;
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    let handle = std::thread::spawn(move || {
        let (mut sock, _) = listener.accept().unwrap();
        sock.write_all(b"Asterisk Call Manager/11.0.0\r\n").unwrap();
        let mut reader = std::io::BufReader::new(sock.try_clone().unwrap());
        let mut next_action = move || {
            let mut id = None;
            let mut action = None;
            loop {
                let mut line = String::new();
                if std::io::BufRead::read_line(&mut reader, &mut line).unwrap_or(0) == 0 {
                    return None;
                }
                let line = line.trim_end();
                if line.is_empty() {
                    return Some((action.unwrap_or_default(), id.unwrap_or_default()));
                }
                if let Some(v) = line.strip_prefix("ActionID: ") {
                    id = Some(v.to_owned());
                } else if let Some(v) = line.strip_prefix("Action: ") {
                    action = Some(v.to_owned());
                }
            }
        };
        let (_, login) = next_action().unwrap();
        let mut burst = format!(
            "Response: Success\r\nActionID: {login}\r\nMessage: Authentication accepted\r\n\r\n"
        );
        for n in 0..total {
            burst.push_str(&format!(
                "Event: Newstate\r\nPrivilege: call,all\r\nChannel: PJSIP/trunk-{n:08x}\r\n\
                 ChannelState: 6\r\nChannelStateDesc: Up\r\nCallerIDNum: 15551230000\r\n\
                 CallerIDName: Burst caller {n}\r\nConnectedLineNum: 100\r\n\
                 ConnectedLineName: Agent\r\nLanguage: en\r\nAccountCode: \r\n\
                 Context: from-trunk\r\nExten: 100\r\nPriority: 1\r\n\
                 Uniqueid: 1700000000.{n}\r\nLinkedid: 1700000000.{n}\r\n\
                 ChanVariable: CDR(dst)=100\r\nChanVariable: SIPCALLID={n:016x}@pbx\r\n\r\n"
            ));
        }
        sock.write_all(burst.as_bytes()).unwrap();
        while let Some((action, id)) = next_action() {
            if action.eq_ignore_ascii_case("Logoff") {
                let bye = format!("Response: Goodbye\r\nActionID: {id}\r\nMessage: Thanks\r\n\r\n");
                let _ = sock.write_all(bye.as_bytes());
                return;
            }
        }
    });
    (format!("ami://admin:burst-secret@127.0.0.1:{port}"), handle)
}

#[test]
fn events_keep_a_burst_written_back_to_back_whole() {
    const BURST: usize = 7003;
    let (url, peer) = bursting_peer(BURST);
    let path = std::env::temp_dir().join(format!("ami-burst-{}.ndjson", std::process::id()));
    let file = std::fs::File::create(&path).unwrap();
    let child = cmd(&[
        "--url",
        &url,
        "--timeout",
        "60",
        "events",
        "--count",
        &BURST.to_string(),
    ])
    .stdout(file)
    .stderr(Stdio::piped())
    .spawn()
    .unwrap();
    let mut child = child;
    let start = Instant::now();
    let status = loop {
        if let Some(status) = child.try_wait().unwrap() {
            break status;
        }
        assert!(
            start.elapsed() < Duration::from_secs(60),
            "ami did not finish"
        );
        std::thread::sleep(Duration::from_millis(20));
    };
    let mut err = String::new();
    child
        .stderr
        .take()
        .unwrap()
        .read_to_string(&mut err)
        .unwrap();
    let text = std::fs::read_to_string(&path).unwrap();
    let _ = std::fs::remove_file(&path);
    assert_eq!(status.code(), Some(0), "stderr: {err}");
    assert!(!err.contains("missed"), "{err}");
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(lines.len(), BURST);
    for (n, line) in lines.iter().enumerate() {
        let ev: J = serde_json::from_str(line).unwrap();
        assert_eq!(ev["Uniqueid"], format!("1700000000.{n}"), "{line}");
    }
    peer.join().unwrap();
}

#[test]
fn ctrl_c_on_events_logs_off_and_exits_0() {
    let sim = Sim::start(ServerConfig::default());
    let child = listening(&sim);
    // Let it subscribe and print the first event.
    std::thread::sleep(Duration::from_millis(300));
    let sent = Command::new("kill")
        .args(["-INT", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(sent.success());
    let o = finish(child, Duration::from_secs(5));
    // Killed by the signal, the status would have no code.
    assert_exit(&o, 0);
    assert!(
        stdout(&o).starts_with("{\"Event\":\"FullyBooted\""),
        "{}",
        stdout(&o)
    );
    // It logged off: the server no longer has the connection.
    let start = Instant::now();
    while sim.server.connections() > 0 && start.elapsed() < Duration::from_secs(5) {
        std::thread::sleep(Duration::from_millis(10));
    }
    assert_eq!(sim.server.connections(), 0);
}

// ---- TLS and reconnect -----------------------------------------------

fn tls_sim(ca: &ami_tests::TestCa, names: &[&str]) -> Sim {
    Sim::start(ServerConfig {
        tls: Some(ca.server_config(names)),
        ..ServerConfig::default()
    })
}

/// The CA's PEM in a file of its own.
fn ca_file(ca: &ami_tests::TestCa, tag: &str) -> std::path::PathBuf {
    let path = std::env::temp_dir().join(format!("ami-ca-{tag}-{}.pem", std::process::id()));
    std::fs::write(&path, ca.pem()).unwrap();
    path
}

fn until_connections(sim: &Sim, n: usize) {
    let start = Instant::now();
    while sim.server.logged_in() != n {
        assert!(
            start.elapsed() < Duration::from_secs(10),
            "never {n} sessions logged in"
        );
        std::thread::sleep(Duration::from_millis(10));
    }
}

fn user_event(name: &str) -> Message {
    let mut m = Message::new();
    m.append("Event", "UserEvent");
    m.append("Privilege", "user,all");
    m.append("UserEvent", name);
    m
}

#[test]
fn events_follow_reconnect_over_tls_print_the_gap_between_the_events() {
    let ca = ami_tests::TestCa::new();
    let mut sim = tls_sim(&ca, &["localhost"]);
    let ca_path = ca_file(&ca, "follow");
    let url = format!("amis://admin:amp111@localhost:{}", sim.server.addr().port());
    let child = cmd(&[
        "--url",
        &url,
        "--ca",
        ca_path.to_str().unwrap(),
        "--timeout",
        "1",
        "events",
        "--follow",
        "--reconnect",
    ])
    .stdout(Stdio::piped())
    .stderr(Stdio::piped())
    .spawn()
    .unwrap();
    until_connections(&sim, 1);
    std::thread::sleep(Duration::from_millis(200));
    sim.server.emit(user_event("before"));
    std::thread::sleep(Duration::from_millis(100));
    sim.rt
        .block_on(sim.server.restart(Duration::from_millis(300)))
        .unwrap();
    until_connections(&sim, 1);
    // Events are turned on right after the login.
    std::thread::sleep(Duration::from_millis(300));
    sim.server.emit(user_event("after"));
    // Past --timeout: --follow keeps listening.
    std::thread::sleep(Duration::from_millis(1200));
    assert!(sim.server.connections() == 1, "ami stopped listening");
    let sent = Command::new("kill")
        .args(["-INT", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(sent.success());
    let o = finish(child, Duration::from_secs(5));
    let _ = std::fs::remove_file(&ca_path);
    assert_exit(&o, 0);
    let lines: Vec<J> = stdout(&o)
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    let shown: Vec<String> = lines
        .iter()
        .map(|j| {
            if let Some(gap) = j.get("Reconnected") {
                assert!(
                    gap["down_since"].is_string() && gap["up_at"].is_string(),
                    "{gap}"
                );
                "<reconnected>".to_owned()
            } else {
                j["UserEvent"].as_str().unwrap_or("-").to_owned()
            }
        })
        .filter(|s| s != "-")
        .collect();
    assert_eq!(
        shown,
        ["before", "<reconnected>", "after"],
        "{}",
        stdout(&o)
    );
    assert!(!stdout(&o).contains("amp111") && !stderr(&o).contains("amp111"));
}

#[test]
fn insecure_accepts_a_lab_certificate_and_ca_needs_amis() {
    let ca = ami_tests::TestCa::new();
    let sim = tls_sim(&ca, &["lab.invalid"]);
    let url = format!("amis://admin:amp111@localhost:{}", sim.server.addr().port());
    // Verified, the lab certificate is refused with a hint.
    let o = ami(&["--url", &url, "command", "core show version"]);
    assert_stderr(&o, 3, "TLS");
    // --insecure: it works, with a warning.
    let o = ami(&["--url", &url, "--insecure", "command", "core show version"]);
    assert_stderr(&o, 0, "--insecure");
    // The right CA but the wrong name: refused.
    let ca_path = ca_file(&ca, "name");
    let o = ami(&[
        "--url",
        &url,
        "--ca",
        ca_path.to_str().unwrap(),
        "command",
        "x",
    ]);
    let _ = std::fs::remove_file(&ca_path);
    assert_stderr(&o, 3, "not valid for name");
    // TLS options with a plain URL are a usage error.
    let o = ami(&[
        "--url",
        "ami://admin:amp111@localhost",
        "--insecure",
        "command",
        "x",
    ]);
    assert_exit(&o, 2);
    let o = ami(&["--sim", "--ca", "x.pem", "command", "x"]);
    assert_exit(&o, 2);
    // A CA file that cannot be read.
    let o = ami(&["--url", &url, "--ca", "/nonexistent/ca.pem", "command", "x"]);
    assert_exit(&o, 2);
}

#[test]
fn state_prints_the_live_model_as_json_with_the_channels_up() {
    let sim = Sim::start(ServerConfig {
        time_scale: 0.01,
        ..ServerConfig::default()
    });
    let (client, _events) = sim.client();
    sim.rt
        .block_on(client.originate_message(originate("PJSIP/100", 100_000)))
        .unwrap();
    let o = ami(&["--url", &sim.url(), "state", "--json", "--for", "0.2"]);
    assert_exit(&o, 0);
    let state = json(&o);
    let channels = state["channels"].as_array().expect("a channels list");
    assert_eq!(channels.len(), 1, "{state}");
    assert!(channels[0]["name"]
        .as_str()
        .unwrap()
        .starts_with("PJSIP/100-"));
    assert_eq!(channels[0]["state_desc"], "Up");
    assert_eq!(state["calls"].as_array().unwrap().len(), 1);
    assert_eq!(state["queues"][0]["name"], "support");
    assert_eq!(
        state["asterisk_version"],
        ServerConfig::default().asterisk_version.as_str()
    );
}

#[test]
fn state_without_json_and_top_print_tables() {
    let o = ami(&["--sim", "state"]);
    assert_exit(&o, 0);
    assert!(stdout(&o).contains("QUEUES"), "{}", stdout(&o));
    let first = stdout(&o).lines().next().unwrap_or_default().to_owned();
    let version = ServerConfig::default().asterisk_version;
    assert_eq!(first, format!("Asterisk {version}"));
    assert!(stdout(&o).contains("support"));
    let o = ami(&["--sim", "top", "--count", "2", "--interval", "0.1"]);
    assert_exit(&o, 0);
    assert_eq!(stdout(&o).matches("CALLS").count(), 2, "{}", stdout(&o));
}

/// Whether `out` holds any byte a terminal would act on: C0 controls
/// other than the line break, DEL, or a C1 control (UTF-8 `C2 80`…`C2 9F`).
fn has_terminal_controls(out: &[u8]) -> bool {
    out.iter().any(|&b| (b < 0x20 && b != b'\n') || b == 0x7f)
        || out
            .windows(2)
            .any(|w| w[0] == 0xc2 && (0x80..=0x9f).contains(&w[1]))
}

#[test]
fn terminal_escapes_from_the_pbx_never_reach_the_terminal() {
    let sim = Sim::start(ServerConfig {
        time_scale: 0.01,
        ..ServerConfig::default()
    });
    let (client, _events) = sim.client();
    // A caller who sets an OSC title, a clipboard write and a C1 CSI
    // clear-screen as their caller ID.
    let hostile = "\u{1b}]0;owned\u{7}\u{1b}]52;c;cm0gLXJmIC8K\u{7}\u{9b}2J\u{7f}";
    let mut m = originate(&format!("PJSIP/100{hostile}"), 100_000);
    m.append("CallerID", format!("\"{hostile}\" <100{hostile}>"));
    m.append("Variable", format!("X={hostile}"));
    let events = cmd(&["--url", &sim.url(), "events", "--timeout", "3"])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    // `ami events` is logged in (beside the test's own client).
    until_connections(&sim, 2);
    std::thread::sleep(Duration::from_millis(200));
    sim.rt.block_on(client.originate_message(m)).unwrap();
    let events = finish(events, Duration::from_secs(20));
    for args in [
        &["state", "--for", "0.1"][..],
        &["state", "--json"],
        &["top", "--count", "1"],
        &["command", "core show channels"],
        &["command", "--raw", "core show channels"],
    ] {
        let url = sim.url();
        let mut all = vec!["--url", url.as_str()];
        all.extend_from_slice(args);
        let o = ami(&all);
        assert_exit(&o, 0);
        // `top` clears the screen itself, once, before its table.
        let out = if args[0] == "top" {
            o.stdout
                .strip_prefix(b"\x1b[2J\x1b[H".as_slice())
                .expect("top clears the screen")
                .to_vec()
        } else {
            o.stdout.clone()
        };
        assert!(
            !has_terminal_controls(&out),
            "{args:?}: {}",
            String::from_utf8_lossy(&out).escape_debug()
        );
        assert!(
            String::from_utf8_lossy(&out).contains("owned"),
            "{args:?} shows the text, escaped: {}",
            stdout(&o)
        );
    }
    assert!(stdout(&events).contains("owned"), "{}", stdout(&events));
    assert!(
        !has_terminal_controls(&events.stdout),
        "{}",
        stdout(&events).escape_debug()
    );
    // The JSON still means the same: the caller ID reads back whole.
    let o = ami(&["--url", &sim.url(), "state", "--json"]);
    let state = json(&o);
    assert!(
        state["channels"][0]["caller_id"]["name"]
            .as_str()
            .unwrap()
            .contains('\u{9b}'),
        "{state}"
    );
}

#[test]
fn state_warns_about_event_classes_the_account_cannot_read() {
    let sim = Sim::start(ServerConfig {
        read_permissions: "system,call".into(),
        ..ServerConfig::default()
    });
    let o = ami(&["--url", &sim.url(), "state", "--json"]);
    assert_exit(&o, 0);
    let err = stderr(&o);
    assert!(
        err.contains("warning") && err.contains("agent class"),
        "{err}"
    );
    assert!(!err.contains("amp111"), "the secret stays out: {err}");
}

// ---- the CLI tells the truth (issue 11) -------------------------------

#[test]
fn events_without_timeout_end_after_the_default_and_say_they_listen() {
    let sim = Sim::start(ServerConfig::default());
    let start = Instant::now();
    let child = cmd(&["--url", &sim.url(), "events", "--filter", "NoSuchEventEver"])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    // As its help says: --timeout, 10 s by default.
    let o = finish(child, Duration::from_secs(30));
    assert_exit(&o, 0);
    assert!(
        start.elapsed() >= Duration::from_secs(9),
        "{:?}",
        start.elapsed()
    );
    let err = stderr(&o);
    assert!(
        err.contains(&format!("connected to {}", sim.server.addr()))
            && err.contains("listening for events for 10 s"),
        "{err}"
    );
}

#[test]
fn events_follow_listens_past_the_timeout_until_ctrl_c() {
    let sim = Sim::start(ServerConfig::default());
    let child = cmd(&[
        "--url",
        &sim.url(),
        "--timeout",
        "0.5",
        "events",
        "--follow",
    ])
    .stdout(Stdio::piped())
    .stderr(Stdio::piped())
    .spawn()
    .unwrap();
    std::thread::sleep(Duration::from_millis(1500));
    // Still there after its --timeout.
    assert_eq!(sim.server.connections(), 1);
    Command::new("kill")
        .args(["-INT", &child.id().to_string()])
        .status()
        .unwrap();
    let o = finish(child, Duration::from_secs(5));
    assert_stderr(&o, 0, "until Ctrl-C");
}

#[test]
fn events_off_in_the_url_is_overridden_for_events_with_a_warning() {
    let sim = Sim::start(ServerConfig::default());
    let url = format!("{}?events=off", sim.url());
    let o = ami(&["--url", &url, "events", "--count", "1"]);
    assert_stderr(&o, 0, "ignoring the URL's events=off");
    assert!(stdout(&o).contains("FullyBooted"), "{}", stdout(&o));
}

#[test]
fn a_url_without_user_or_secret_is_a_usage_error_before_connecting() {
    // Nothing listens there: a usage error proves nothing was tried.
    let o = ami(&["--url", "ami://127.0.0.1:1", "action", "Ping"]);
    assert_stderr(&o, 2, "names no user");
    let o = ami(&["--url", "ami://admin@127.0.0.1:1", "action", "Ping"]);
    assert_stderr(&o, 2, "no secret for user 'admin'");
    // AMI_SECRET completes it: then it connects (and fails to).
    let o = cmd(&["--url", "ami://admin@127.0.0.1:1", "action", "Ping"])
        .env("AMI_SECRET", "x")
        .output()
        .unwrap();
    assert_exit(&o, 3);
}

#[test]
fn a_single_valued_parameter_given_twice_is_refused() {
    let o = ami(&[
        "--sim",
        "action",
        "Originate",
        "Channel=PJSIP/1",
        "Channel=PJSIP/2",
        "Application=Wait",
    ]);
    assert_stderr(&o, 2, "'Channel' given twice");
}

#[test]
fn originate_waits_and_exits_by_the_outcome_naming_the_reason() {
    let sim = Sim::start(ServerConfig::default());
    let url = sim.url();
    let o = ami(&[
        "--url",
        &url,
        "originate",
        "PJSIP/100",
        "--app",
        "Wait",
        "--data",
        "0",
        "--wait",
    ]);
    assert_exit(&o, 0);
    assert_eq!(json(&o)["Event"], "OriginateResponse");
    assert_eq!(json(&o)["Reason"], "4");
    let o = ami(&[
        "--url",
        &url,
        "originate",
        "PJSIP/100",
        "--exten",
        "200",
        "--context",
        "default",
        "--wait",
    ]);
    assert_exit(&o, 0);
    for (endpoint, reason) in [
        ("PJSIP/busy", "busy (Reason 5, BUSY)"),
        ("PJSIP/noanswer", "no answer (Reason 3, RINGING)"),
        ("PJSIP/congestion", "congestion (Reason 8, CONGESTION)"),
    ] {
        let o = ami(&[
            "--url",
            &url,
            "originate",
            endpoint,
            "--app",
            "Wait",
            "--ring",
            "1",
            "--wait",
        ]);
        assert_stderr(&o, 1, &format!("the call was not answered: {reason}"));
        assert_eq!(json(&o)["Response"], "Failure");
    }
    // Without --wait: queued, exit 0.
    let o = ami(&["--url", &url, "originate", "PJSIP/busy", "--app", "Wait"]);
    assert_exit(&o, 0);
    assert_eq!(json(&o)["Message"], "Originate successfully queued");
    // --exten needs --context; --app and --exten exclude each other.
    let o = ami(&["--url", &url, "originate", "PJSIP/1", "--exten", "1"]);
    assert_exit(&o, 2);
    let o = ami(&[
        "--url",
        &url,
        "originate",
        "PJSIP/1",
        "--exten",
        "1",
        "--context",
        "c",
        "--app",
        "Wait",
    ]);
    assert_exit(&o, 2);
    let o = ami(&["--url", &url, "originate", "PJSIP/1"]);
    assert_exit(&o, 2);
}

#[test]
fn a_synchronous_originate_waits_for_its_own_timeout() {
    // In real time: the no-answer endpoint rings for the whole Timeout.
    let sim = Sim::start(ServerConfig {
        time_scale: 1.0,
        ..ServerConfig::default()
    });
    let start = Instant::now();
    let o = ami(&[
        "--url",
        &sim.url(),
        "--timeout",
        "1",
        "action",
        "Originate",
        "Channel=PJSIP/noanswer",
        "Application=Wait",
        "Timeout=2500",
    ]);
    // Asterisk's answer (an error: not answered), not a connection failure
    // after the 1 s --timeout.
    assert_exit(&o, 1);
    assert!(
        start.elapsed() >= Duration::from_millis(2400),
        "{:?}",
        start.elapsed()
    );
    assert_eq!(json(&o)["Response"], "Error");
}

/// `ami sim` as a process of its own; its URL (with the default secret).
fn sim_process() -> (Child, String) {
    sim_process_with(&[])
}

/// `ami sim` with more arguments.
fn sim_process_with(extra: &[&str]) -> (Child, String) {
    let mut args = vec!["sim", "--port", "0", "--call-duration", "30"];
    args.extend_from_slice(extra);
    let mut child = cmd(&args)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut out = child.stdout.take().unwrap();
    let mut line = Vec::new();
    let mut byte = [0u8; 1];
    while out.read(&mut byte).unwrap() == 1 && byte[0] != b'\n' {
        line.push(byte[0]);
    }
    // The URL it prints works as it is.
    let url = String::from_utf8(line).unwrap();
    assert!(url.starts_with("ami://admin:amp111@127.0.0.1:"), "{url}");
    child.stdout = Some(out);
    (child, url)
}

#[test]
fn ami_sim_serves_other_invocations_with_consistent_state() {
    let (child, url) = sim_process();
    let o = ami(&["--url", &url, "action", "Ping"]);
    assert_exit(&o, 0);
    // Originate, then list while the call is up: another invocation.
    let o = ami(&[
        "--url",
        &url,
        "originate",
        "Local/100@default",
        "--app",
        "Wait",
        "--data",
        "30",
        "--wait",
    ]);
    assert_exit(&o, 0);
    let channel = json(&o)["Channel"].as_str().unwrap().to_owned();
    let o = ami(&["--url", &url, "list", "CoreShowChannels"]);
    assert_exit(&o, 0);
    let items = json(&o)["items"].as_array().unwrap().clone();
    assert!(
        items.iter().any(|c| c["Channel"] == channel.as_str()),
        "{channel} not in {items:?}"
    );
    // Queues: nobody waits without a channel.
    let o = ami(&["--url", &url, "list", "QueueStatus"]);
    assert_exit(&o, 0);
    for entry in json(&o)["items"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|i| i["Event"] == "QueueEntry")
    {
        assert!(
            items.iter().any(|c| c["Channel"] == entry["Channel"]),
            "{entry}"
        );
    }
    Command::new("kill")
        .args(["-INT", &child.id().to_string()])
        .status()
        .unwrap();
    let o = finish(child, Duration::from_secs(5));
    assert_exit(&o, 0);
}

#[test]
fn spec_says_which_releases_have_an_action_and_its_parameters() {
    let o = ami(&["spec", "action", "PJSIPHangup", "--for", "20.5.2"]);
    assert_exit(&o, 0);
    let j = json(&o);
    assert!(j["releases"].as_str().unwrap().contains("20.6.0..="), "{j}");
    assert_eq!(j["release"], "20.5.2");
    assert_eq!(j["in_release"], false, "{j}");
    let o = ami(&["spec", "action", "Originate", "--for", "20.7.0"]);
    let j = json(&o);
    assert_eq!(j["in_release"], true);
    let params = j["params"].as_array().unwrap();
    let predial = params.iter().find(|p| p["name"] == "PreDialGoSub").unwrap();
    assert_eq!(predial["in_release"], false, "{predial}");
    let channel = params.iter().find(|p| p["name"] == "Channel").unwrap();
    assert_eq!(channel["in_release"], true);
    let o = ami(&["spec", "event", "Hangup", "--for", "22.6.0"]);
    let j = json(&o);
    let fields = j["fields"].as_array().unwrap();
    if let Some(tech) = fields.iter().find(|f| f["name"] == "TechCause") {
        assert_eq!(tech["in_release"], false, "{tech}");
    }
    let o = ami(&["spec", "action", "Ping", "--for", "latest"]);
    assert_stderr(&o, 2, "20.5.2");
}

#[test]
fn ami_sim_says_the_asterisk_version_it_is_given() {
    let (mut child, url) = sim_process_with(&["--asterisk-version", "20.5.2"]);
    let o = ami(&["--url", &url, "action", "CoreSettings"]);
    assert_exit(&o, 0);
    assert_eq!(json(&o)["AsteriskVersion"], "20.5.2");
    let _ = child.kill();
    let _ = child.wait();
    let o = ami(&["sim", "--asterisk-version", "twenty"]);
    assert_stderr(&o, 2, "20.5.2");
}

#[test]
fn an_action_the_pbx_release_lacks_is_refused_before_it_is_sent() {
    let old = Sim::start(ServerConfig {
        asterisk_version: "20.5.2".into(),
        ..Default::default()
    });
    let hangup = ["action", "PJSIPHangup", "Channel=PJSIP/100-1", "Cause=16"];
    let url = old.url();
    let mut args = vec!["--url", url.as_str()];
    args.extend_from_slice(&hangup);
    let o = ami(&args);
    assert_stderr(&o, 1, "PJSIPHangup needs Asterisk");
    assert!(stderr(&o).contains("20.6+"), "{}", stderr(&o));
    assert!(stderr(&o).contains("20.5.2"), "{}", stderr(&o));
    assert!(stderr(&o).contains("--unchecked"), "{}", stderr(&o));
    let received = old.server.actions_received();
    assert!(!received.iter().any(|a| a == "PJSIPHangup"), "{received:?}");
    // A parameter newer than the action.
    let o = ami(&[
        "--url",
        &url,
        "action",
        "Originate",
        "Channel=Local/1@default",
        "Application=Wait",
        "PreDialGoSub=sub,s,1",
    ]);
    assert_stderr(&o, 1, "Originate parameter PreDialGoSub needs Asterisk");
    // Sent anyway when asked.
    args.push("--unchecked");
    let _ = ami(&args);
    assert!(old
        .server
        .actions_received()
        .iter()
        .any(|a| a == "PJSIPHangup"));

    let new = Sim::start(ServerConfig {
        asterisk_version: "22.10.1".into(),
        ..Default::default()
    });
    let url = new.url();
    let mut args = vec!["--url", url.as_str()];
    args.extend_from_slice(&hangup);
    let o = ami(&args);
    assert!(!stderr(&o).contains("needs Asterisk"), "{}", stderr(&o));
    assert!(new
        .server
        .actions_received()
        .iter()
        .any(|a| a == "PJSIPHangup"));
}
