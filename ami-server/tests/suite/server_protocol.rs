//! The embedded server's protocol: greeting, authentication, simple actions,
//! command output formats, lists, and bad input from a client.

use crate::support;

use ami_core::{Message, MessageKind};
use ami_server::{CommandFormat, ServerConfig};
use md5::{Digest, Md5};
use support::*;

#[tokio::test]
async fn greeting_names_the_protocol_version() {
    let server = start(ServerConfig::default()).await;
    let (_conn, greeting) = Conn::open(&server).await;
    assert_eq!(greeting.line(), "Asterisk Call Manager/11.0.0");
    assert_eq!(greeting.version(), Some((11, 0, 0)));
    assert_eq!(server.connections(), 1);
    let custom = start(ServerConfig {
        version: "2.10.4".into(),
        ..ServerConfig::default()
    })
    .await;
    let (_c, g) = Conn::open(&custom).await;
    assert_eq!(g.version(), Some((2, 10, 4)));
}

#[tokio::test]
async fn url_and_debug_do_not_leak_more_than_the_url_needs() {
    let config = ServerConfig {
        secret: "s3cr3t-value".into(),
        ..ServerConfig::default()
    };
    assert!(!format!("{config:?}").contains("s3cr3t-value"));
    let server = start(config).await;
    assert_eq!(
        server.url(),
        format!("ami://admin:s3cr3t-value@{}", server.addr())
    );
    assert!(!format!("{server:?}").contains("s3cr3t-value"));
}

#[tokio::test]
async fn plain_login_then_fully_booted() {
    let server = start(ServerConfig::default()).await;
    let (mut c, _) = Conn::open(&server).await;
    c.send(&msg(&[
        ("Action", "Login"),
        ("ActionID", "l1"),
        ("Username", "admin"),
        ("Secret", "amp111"),
    ]))
    .await;
    let r = c.next().await;
    let keys: Vec<_> = r.iter().map(|(k, _)| k.into_owned()).collect();
    assert_eq!(keys, ["Response", "ActionID", "Message"]);
    assert_eq!(s(&r, "Message"), "Authentication accepted");
    let booted = c.next().await;
    assert!(is_event(&booted, "FullyBooted"), "{booted:?}");
    assert_eq!(s(&booted, "Privilege"), "system,all");
    // A second Login is acknowledged, not refused.
    let id = c
        .action("Login", &[("Username", "admin"), ("Secret", "amp111")])
        .await;
    assert_eq!(
        s(&c.response(&id).await, "Message"),
        "Already authenticated"
    );
}

#[tokio::test]
async fn md5_login_with_challenge() {
    let server = start(ServerConfig::default()).await;
    let (mut c, _) = Conn::open(&server).await;
    let id = c.action("Challenge", &[("AuthType", "MD5")]).await;
    let r = c.response(&id).await;
    assert_eq!(s(&r, "Response"), "Success");
    let challenge = s(&r, "Challenge");
    assert!(
        !challenge.is_empty() && challenge.chars().all(|ch| ch.is_ascii_digit()),
        "{challenge}"
    );
    let key: String = Md5::digest(format!("{challenge}amp111").as_bytes())
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect();
    let id = c
        .action(
            "Login",
            &[("AuthType", "MD5"), ("Username", "admin"), ("Key", &key)],
        )
        .await;
    assert_eq!(
        s(&c.response(&id).await, "Message"),
        "Authentication accepted"
    );
    let id = c.action("Ping", &[]).await;
    assert_eq!(s(&c.response(&id).await, "Ping"), "Pong");
}

#[tokio::test]
async fn md5_login_with_a_wrong_key_fails() {
    let server = start(ServerConfig::default()).await;
    let (mut c, _) = Conn::open(&server).await;
    let id = c.action("Challenge", &[("AuthType", "MD5")]).await;
    c.response(&id).await;
    let id = c
        .action(
            "Login",
            &[
                ("AuthType", "MD5"),
                ("Username", "admin"),
                ("Key", "00000000000000000000000000000000"),
            ],
        )
        .await;
    assert_eq!(
        s(&c.response(&id).await, "Message"),
        "Authentication failed"
    );
    c.expect_eof().await;
}

#[tokio::test]
async fn wrong_secret_is_refused_and_closed_like_asterisk() {
    let server = start(ServerConfig::default()).await;
    let (mut c, _) = Conn::open(&server).await;
    c.send(&msg(&[
        ("Action", "Login"),
        ("ActionID", "bad-1"),
        ("Username", "admin"),
        ("Secret", "nope"),
    ]))
    .await;
    let r = c.next().await;
    // session2_bad_login.txt, byte for byte after the greeting.
    let expected: Message = msg(&[
        ("Response", "Error"),
        ("ActionID", "bad-1"),
        ("Message", "Authentication failed"),
    ]);
    assert_eq!(r, expected);
    assert!(
        c.next_or_eof().await.is_none(),
        "the server closes after a failed login"
    );
}

#[tokio::test]
async fn actions_before_login_are_denied() {
    let server = start(ServerConfig::default()).await;
    let (mut c, _) = Conn::open(&server).await;
    let id = c.action("Ping", &[]).await;
    let r = c.response(&id).await;
    assert_eq!(s(&r, "Response"), "Error");
    assert_eq!(s(&r, "Message"), "Permission denied");
    // No events reach a session that has not logged in.
    server.emit(msg(&[
        ("Event", "UserEvent"),
        ("Privilege", "user,all"),
        ("UserEvent", "x"),
    ]));
    let id = c.action("Logoff", &[]).await;
    let r = c.next().await;
    assert_eq!(s(&r, "Response"), "Goodbye", "{r:?}");
    assert_eq!(s(&r, "ActionID"), id);
}

#[tokio::test]
async fn logoff_says_goodbye_and_closes() {
    let server = start(ServerConfig::default()).await;
    let mut c = Conn::login(&server).await;
    let id = c.action("Logoff", &[]).await;
    let r = c.response(&id).await;
    assert_eq!(s(&r, "Response"), "Goodbye");
    assert_eq!(s(&r, "Message"), "Thanks for all the fish.");
    c.expect_eof().await;
    for _ in 0..100 {
        if server.connections() == 0 {
            return;
        }
        tokio::time::sleep(std::time::Duration::from_millis(5)).await;
    }
    panic!("the session was not removed");
}

#[tokio::test]
async fn ping_unknown_and_missing_action_id() {
    let server = start(ServerConfig::default()).await;
    let mut c = Conn::login(&server).await;
    let id = c.action("Ping", &[]).await;
    let r = c.response(&id).await;
    let keys: Vec<_> = r.iter().map(|(k, _)| k.into_owned()).collect();
    assert_eq!(keys, ["Response", "ActionID", "Ping", "Timestamp"]);
    let ts = s(&r, "Timestamp");
    let (secs, micros) = ts.split_once('.').expect("secs.micros");
    assert!(
        secs.parse::<u64>().unwrap() > 1_600_000_000 && micros.len() == 6,
        "{ts}"
    );

    let id = c.action("Bogus", &[]).await;
    let r = c.response(&id).await;
    assert_eq!(s(&r, "Response"), "Error");
    assert_eq!(
        s(&r, "Message"),
        "Invalid/unknown command: Bogus. Use Action: ListCommands to show available commands."
    );

    // Without an ActionID the response has none.
    c.send(&msg(&[("Action", "Ping")])).await;
    let r = c.until(|m| m.response().is_some()).await;
    assert!(r.action_id().is_none(), "{r:?}");
    assert_eq!(s(&r, "Ping"), "Pong");

    c.send(&msg(&[("Foo", "bar")])).await;
    let r = c.until(|m| m.response().is_some()).await;
    assert_eq!(s(&r, "Message"), "Missing action in request");
}

#[tokio::test]
async fn events_off_and_on_per_session() {
    let server = start(ServerConfig::default()).await;
    let mut quiet = Conn::login_with(&server, &[("Events", "off")]).await;
    let mut loud = Conn::login(&server).await;
    let booted = loud.next().await;
    assert!(is_event(&booted, "FullyBooted"));
    server.emit(msg(&[
        ("Event", "UserEvent"),
        ("Privilege", "user,all"),
        ("UserEvent", "one"),
    ]));
    let e = loud.next().await;
    assert_eq!(s(&e, "UserEvent"), "one");
    // The quiet session sees its own response first: no event came before it.
    let id = quiet.action("Events", &[("EventMask", "on")]).await;
    let r = quiet.next().await;
    assert_eq!(s(&r, "ActionID"), id);
    assert_eq!(s(&r, "Events"), "On");
    server.emit(msg(&[
        ("Event", "UserEvent"),
        ("Privilege", "user,all"),
        ("UserEvent", "two"),
    ]));
    assert_eq!(s(&quiet.next().await, "UserEvent"), "two");
    assert_eq!(s(&loud.next().await, "UserEvent"), "two");
    // A class mask filters by Privilege.
    let id = loud.action("Events", &[("EventMask", "system")]).await;
    assert_eq!(s(&loud.response(&id).await, "Events"), "On");
    server.emit(msg(&[
        ("Event", "UserEvent"),
        ("Privilege", "user,all"),
        ("UserEvent", "three"),
    ]));
    server.emit(msg(&[("Event", "Reload"), ("Privilege", "system,all")]));
    assert!(is_event(&loud.next().await, "Reload"));
    let id = loud.action("Events", &[("EventMask", "off")]).await;
    assert_eq!(s(&loud.response(&id).await, "Events"), "Off");
}

#[tokio::test]
async fn user_event_is_broadcast() {
    let server = start(ServerConfig::default()).await;
    let mut c = Conn::login(&server).await;
    let id = c
        .action("UserEvent", &[("UserEvent", "Hello"), ("Foo", "bar")])
        .await;
    let r = c.response(&id).await;
    assert_eq!(s(&r, "Message"), "Event Sent");
    let e = c.until(|m| is_event(m, "UserEvent")).await;
    assert_eq!(s(&e, "UserEvent"), "Hello");
    assert_eq!(s(&e, "Foo"), "bar");
    assert!(e.action_id().is_none());
}

/// `Command` output lines, whichever format the server writes.
async fn command_lines(format: CommandFormat, cmd: &str) -> (Message, Vec<String>) {
    let server = start(ServerConfig {
        command_format: format,
        ..ServerConfig::default()
    })
    .await;
    let mut c = Conn::login(&server).await;
    let id = c.action("Command", &[("Command", cmd)]).await;
    let r = c.response(&id).await;
    let lines = match format {
        CommandFormat::Modern => r.get_all("Output").map(|v| v.to_string()).collect(),
        CommandFormat::Legacy => r
            .fields()
            .filter(|f| f.is_bare_line())
            .map(|f| f.value().to_string())
            .collect(),
    };
    (r, lines)
}

#[tokio::test]
async fn command_modern_format() {
    let (r, lines) = command_lines(CommandFormat::Modern, "core show version").await;
    assert_eq!(s(&r, "Response"), "Success");
    assert_eq!(s(&r, "Message"), "Command output follows");
    assert_eq!(lines.len(), 1);
    assert!(
        lines[0].starts_with("Asterisk 22.10.1 built by"),
        "{lines:?}"
    );

    let (_, lines) = command_lines(CommandFormat::Modern, "core show channels").await;
    assert!(lines.len() >= 4, "{lines:?}");
    assert!(lines[0].starts_with("Channel "));
    assert!(
        lines.contains(&String::new()),
        "a blank Output line: {lines:?}"
    );
    assert!(lines.iter().any(|l| l == "0 active channels"));

    let (r, lines) = command_lines(CommandFormat::Modern, "foo bar").await;
    assert_eq!(s(&r, "Response"), "Error");
    assert_eq!(s(&r, "Message"), "Command output follows");
    assert_eq!(
        lines,
        ["No such command 'foo bar' (type 'core show help foo bar' for other possible commands)"]
    );
}

#[tokio::test]
async fn command_legacy_format_gives_the_same_lines() {
    for cmd in ["core show version", "core show channels", "queue show"] {
        let (modern_r, modern) = command_lines(CommandFormat::Modern, cmd).await;
        let (legacy_r, legacy) = command_lines(CommandFormat::Legacy, cmd).await;
        assert_eq!(s(&modern_r, "Response"), "Success");
        assert_eq!(s(&legacy_r, "Response"), "Follows");
        assert_eq!(s(&legacy_r, "Privilege"), "Command");
        assert!(legacy_r.get("Output").is_none());
        assert_eq!(modern, legacy, "{cmd}");
    }
}

#[tokio::test]
async fn legacy_command_bytes_on_the_wire() {
    let server = start(ServerConfig {
        command_format: CommandFormat::Legacy,
        ..ServerConfig::default()
    })
    .await;
    let mut c = Conn::login(&server).await;
    c.next().await; // FullyBooted
    c.send(&msg(&[
        ("Action", "Command"),
        ("ActionID", "7"),
        ("Command", "core show version"),
    ]))
    .await;
    let mut raw = Vec::new();
    let mut byte = [0u8; 1];
    use tokio::io::AsyncReadExt;
    while !raw.ends_with(b"--END COMMAND--\r\n\r\n") {
        c.stream.read_exact(&mut byte).await.unwrap();
        raw.push(byte[0]);
    }
    let text = String::from_utf8(raw).unwrap();
    assert!(
        text.starts_with(
            "Response: Follows\r\nPrivilege: Command\r\nActionID: 7\r\nAsterisk 22.10.1 built by"
        ),
        "{text:?}"
    );
}

#[tokio::test]
async fn queue_status_and_summary_lists() {
    let server = start(ServerConfig::default()).await;
    let mut c = Conn::login(&server).await;
    let id = c.action("QueueStatus", &[]).await;
    let (r, items, done, _) = c.list(&id).await;
    assert_eq!(s(&r, "Message"), "Queue status will follow");
    let names: Vec<_> = items
        .iter()
        .map(|m| m.event_name().unwrap().to_string())
        .collect();
    // Nobody waits in an idle PBX.
    assert_eq!(names, ["QueueParams", "QueueMember"]);
    for item in &items {
        // Asterisk puts ActionID last on these.
        assert_eq!(item.fields().last().unwrap().key(), "ActionID");
        assert_eq!(s(item, "Queue"), "support");
    }
    assert_eq!(s(&items[1], "StateInterface"), "Local/agent1@queue-members");
    assert!(is_event(&done, "QueueStatusComplete"));
    assert_eq!(s(&done, "ListItems"), "2");

    let id = c.action("QueueStatus", &[("Queue", "nosuch")]).await;
    let (_, items, done, _) = c.list(&id).await;
    assert!(items.is_empty());
    assert_eq!(s(&done, "ListItems"), "0");

    let id = c.action("QueueSummary", &[("Queue", "support")]).await;
    let (r, items, done, _) = c.list(&id).await;
    assert_eq!(s(&r, "Message"), "Queue summary will follow");
    assert_eq!(items.len(), 1);
    assert_eq!(s(&items[0], "LoggedIn"), "1");
    assert_eq!(s(&items[0], "Callers"), "0");
    assert!(is_event(&done, "QueueSummaryComplete"));
    assert_eq!(s(&done, "ListItems"), "1");
}

#[tokio::test]
async fn lists_without_action_id_still_complete() {
    let server = start(ServerConfig::default()).await;
    let mut c = Conn::login_with(&server, &[("Events", "off")]).await;
    c.send(&msg(&[("Action", "CoreShowChannels")])).await;
    let r = c.next().await;
    assert_eq!(s(&r, "EventList"), "start");
    assert!(r.action_id().is_none());
    let done = c.next().await;
    assert!(is_event(&done, "CoreShowChannelsComplete"), "{done:?}");
    assert!(done.action_id().is_none());
    assert_eq!(s(&done, "ListItems"), "0");
}

#[tokio::test]
async fn global_variables() {
    let server = start(ServerConfig::default()).await;
    let mut c = Conn::login(&server).await;
    let id = c
        .action("Setvar", &[("Variable", "COLOUR"), ("Value", "blue")])
        .await;
    assert_eq!(s(&c.response(&id).await, "Message"), "Variable Set");
    let id = c.action("Getvar", &[("Variable", "COLOUR")]).await;
    let r = c.response(&id).await;
    let keys: Vec<_> = r.iter().map(|(k, _)| k.into_owned()).collect();
    assert_eq!(keys, ["Response", "ActionID", "Variable", "Value"]);
    assert_eq!(s(&r, "Value"), "blue");
    let id = c.action("Getvar", &[("Variable", "UNSET")]).await;
    assert_eq!(s(&c.response(&id).await, "Value"), "");
    let id = c
        .action(
            "Getvar",
            &[("Channel", "PJSIP/none-00000000"), ("Variable", "X")],
        )
        .await;
    assert_eq!(s(&c.response(&id).await, "Message"), "No such channel");
    let id = c.action("Getvar", &[]).await;
    assert_eq!(
        s(&c.response(&id).await, "Message"),
        "No variable specified"
    );
}

#[tokio::test]
async fn core_settings() {
    let server = start(ServerConfig::default()).await;
    let mut c = Conn::login(&server).await;
    let id = c.action("CoreSettings", &[]).await;
    let r = c.response(&id).await;
    assert_eq!(s(&r, "AMIversion"), "11.0.0");
    assert_eq!(s(&r, "AsteriskVersion"), "22.10.1");
}

#[tokio::test]
async fn garbage_from_a_client_does_not_kill_the_server() {
    let server = start(ServerConfig::default()).await;
    let mut c = Conn::login(&server).await;
    // Lines without colons, invalid UTF-8, NULs, bare LFs, stray empty lines.
    c.send_raw(b"\r\n\r\nhello there\r\n\xff\xfe\x00\x01: \xc3\x28\r\n\r\n\n\n:\n\n")
        .await;
    c.send_raw(b"Action: \xff\xfeWeird\r\nActionID: w1\r\n\r\n")
        .await;
    let r = c.response("w1").await;
    assert_eq!(s(&r, "Response"), "Error");
    assert!(
        s(&r, "Message").starts_with("Invalid/unknown command"),
        "{r:?}"
    );
    // Half a message, then the rest.
    c.send_raw(b"Action: Pi").await;
    tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    c.send_raw(b"ng\r\nActionID: p1\r\n\r\n").await;
    assert_eq!(s(&c.response("p1").await, "Ping"), "Pong");
    // The session and the server are still fine; so is a new connection.
    let mut other = Conn::login(&server).await;
    let id = other.action("Ping", &[]).await;
    assert_eq!(s(&other.response(&id).await, "Ping"), "Pong");
}

#[tokio::test]
async fn oversized_action_is_dropped_and_the_session_goes_on() {
    let server = start(ServerConfig {
        max_message_size: 4096,
        ..ServerConfig::default()
    })
    .await;
    let mut c = Conn::login(&server).await;
    let mut huge = b"Action: Ping\r\nActionID: huge\r\nPad: ".to_vec();
    huge.extend(std::iter::repeat_n(b'x', 100_000));
    huge.extend_from_slice(b"\r\n\r\n");
    c.send_raw(&huge).await;
    // A message without any line end at all, longer than the limit.
    c.send_raw(&vec![b'y'; 50_000]).await;
    c.send_raw(b"\r\n\r\nAction: Ping\r\nActionID: after\r\n\r\n")
        .await;
    let r = c.until(|m| m.kind() == MessageKind::Response).await;
    assert_eq!(
        s(&r, "ActionID"),
        "after",
        "the oversized action is not answered"
    );
}

#[tokio::test]
async fn a_client_that_vanishes_is_forgotten() {
    let server = start(ServerConfig::default()).await;
    {
        let _c = Conn::login(&server).await;
        assert_eq!(server.connections(), 1);
    }
    for _ in 0..200 {
        if server.connections() == 0 {
            return;
        }
        tokio::time::sleep(std::time::Duration::from_millis(5)).await;
    }
    panic!("connection count stayed at {}", server.connections());
}

#[tokio::test]
async fn odd_values_in_every_action_do_not_break_the_session() {
    let server = start(ServerConfig {
        time_scale: 0.01,
        ..ServerConfig::default()
    })
    .await;
    let mut c = Conn::login_with(&server, &[("Events", "off")]).await;
    // Long, but the whole action stays under the 64 KiB limit.
    let long = "9".repeat(2000);
    let odd: [&[u8]; 10] = [
        b"",
        b"/",
        b"//",
        b"-1",
        b"1e400",
        b"NaN",
        b"\xff\xfe<>\"",
        b"Local/@",
        b"PJSIP/",
        long.as_bytes(),
    ];
    let actions = [
        "Originate",
        "Status",
        "Getvar",
        "Setvar",
        "Hangup",
        "Command",
        "Events",
        "QueueStatus",
        "QueueSummary",
        "UserEvent",
        "Challenge",
        "CoreShowChannels",
    ];
    let keys = [
        "Channel",
        "Application",
        "Data",
        "Exten",
        "Context",
        "Priority",
        "Timeout",
        "CallerID",
        "Variable",
        "Variables",
        "Value",
        "Cause",
        "Command",
        "EventMask",
        "Queue",
        "Member",
        "UserEvent",
        "AuthType",
        "Async",
    ];
    // Sane values for every key, then one key at a time made odd.
    let sane = |key: &str| -> &[u8] {
        match key {
            "Channel" => b"PJSIP/1",
            "Application" => b"Wait",
            "Data" | "Cause" | "Priority" => b"1",
            "Timeout" => b"1000",
            "Async" => b"true",
            "Command" => b"core show channels",
            "EventMask" => b"off",
            "AuthType" => b"md5",
            _ => b"x",
        }
    };
    let mut n = 0;
    for action in actions {
        for odd_key in keys {
            for value in odd {
                let mut raw = format!("Action: {action}\r\nActionID: odd-{n}\r\n").into_bytes();
                for key in keys {
                    raw.extend_from_slice(key.as_bytes());
                    raw.extend_from_slice(b": ");
                    raw.extend_from_slice(if key == odd_key { value } else { sane(key) });
                    raw.extend_from_slice(b"\r\n");
                }
                raw.extend_from_slice(b"\r\n");
                c.send_raw(&raw).await;
                let r = c.response(&format!("odd-{n}")).await;
                assert!(r.get("Response").is_some(), "{r:?}");
                n += 1;
            }
        }
    }
    // Every call task ran to its end (none panicked half-way).
    for _ in 0..400 {
        if server.active_calls() == 0 {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(5)).await;
    }
    assert_eq!(server.active_calls(), 0);
    let id = c.action("Ping", &[]).await;
    assert_eq!(s(&c.response(&id).await, "Ping"), "Pong");
}
