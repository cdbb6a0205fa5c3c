//! Secrets never show: every path that handles one — builders, URLs, the
//! login (plain and MD5, refused and accepted), reconnects, messages and
//! typed actions, events and responses that carry one, errors — is run with
//! every log level captured, and its `Debug`, `Display`, error and log
//! output is searched for the secret.

use std::io::Write;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use ami_core::client::Reconnect;
use ami_core::{ClientBuilder, Message};
use ami_server::{Server, ServerConfig};
use ami_types::action::{Login, Originate, Setvar, UpdateConfig, UpdateConfigAction};
use ami_types::event::{AuthDetail, Event, VarSet};
use ami_types::FromMessage;

/// Every secret of this test contains this.
const S: &str = "hunter2";

/// Log output, captured at every level.
#[derive(Clone, Default)]
struct Logs(Arc<Mutex<Vec<u8>>>);

impl Write for Logs {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

/// Collects text produced by the paths under test.
#[derive(Default)]
struct Seen(Vec<String>);

impl Seen {
    fn debug(&mut self, what: &str, v: &impl std::fmt::Debug) {
        self.0.push(format!("{what}: {v:?} {v:#?}"));
    }
    fn display(&mut self, what: &str, v: &impl std::fmt::Display) {
        self.0.push(format!("{what}: {v}"));
    }
    fn error(&mut self, what: &str, e: &ami_core::Error) {
        self.display(what, e);
        self.debug(what, e);
    }
}

fn event(fields: &[(&str, &str)]) -> Message {
    fields.iter().copied().collect()
}

#[test]
fn no_path_that_handles_a_secret_shows_it() {
    let logs = Logs::default();
    let writer = logs.clone();
    let subscriber = tracing_subscriber::fmt()
        .with_max_level(tracing::Level::TRACE)
        .with_writer(move || writer.clone())
        .with_ansi(false)
        .finish();
    let _guard = tracing::subscriber::set_default(subscriber);
    let mut seen = Seen::default();

    // Builders and URLs.
    let url = format!("ami://admin:{S}%21@127.0.0.1:1?auth=md5");
    seen.debug("builder from url", &ClientBuilder::from_url(&url).unwrap());
    seen.debug(
        "builder",
        &ClientBuilder::new("h", 1).credentials("admin", S).tls(true),
    );
    for bad in [
        format!("ami://admin:{S}@host?x=1"),
        format!("amis://admin:{S}@"),
        format!("http://admin:{S}@host"),
    ] {
        seen.error("url error", &ClientBuilder::from_url(&bad).unwrap_err());
    }

    // Messages and typed actions that carry one.
    let mut login = Message::action("Login");
    login.append("Username", "admin");
    login.append("Secret", S);
    seen.debug("login", &login);
    let mut md5 = Message::action("Login");
    md5.append("AuthType", "MD5");
    md5.append("Key", format!("{S}-md5"));
    seen.debug("md5 login", &md5);
    seen.debug("typed login", &Login::new("admin").secret(S));
    seen.debug("typed md5 login", &Login::new("admin").key(S));
    let update = UpdateConfig::new("pjsip.conf", "pjsip.conf").actions(
        UpdateConfigAction::new()
            .action("Append")
            .cat("1001")
            .var("password")
            .value(S),
    );
    seen.debug("typed UpdateConfig", &update);
    seen.debug(
        "UpdateConfig message",
        &ami_core::Action::to_message(&update),
    );
    let originate = Originate::new("PJSIP/1001")
        .variable(format!("DB_PASSWORD={S}"))
        .variable("LANG=en");
    seen.debug("typed Originate", &originate);
    seen.debug(
        "Originate message",
        &ami_core::Action::to_message(&originate),
    );
    let setvar = Setvar::new("TRUNK_SECRET", S);
    seen.debug("typed Setvar", &setvar);
    seen.debug("Setvar message", &ami_core::Action::to_message(&setvar));

    // Events and responses that carry one.
    let auth = event(&[
        ("Event", "AuthDetail"),
        ("ObjectType", "auth"),
        ("ObjectName", "1001"),
        ("Username", "1001"),
        ("Password", S),
        ("Md5Cred", S),
        ("OauthSecret", S),
        ("PasswordDigest", S),
        ("AuthType", "userpass"),
    ]);
    seen.debug("AuthDetail message", &auth);
    seen.debug("typed AuthDetail", &AuthDetail::from_message(auth.clone()));
    seen.debug("AuthDetail as Event", &Event::from_message(auth));
    let varset = event(&[
        ("Event", "VarSet"),
        ("Channel", "PJSIP/1001-00000001"),
        ("Variable", "DB_PASSWORD"),
        ("Value", S),
        ("ChanVariable", &format!("sip_secret={S}")),
    ]);
    seen.debug("VarSet message", &varset);
    seen.debug("typed VarSet", &VarSet::from_message(varset.clone()));
    seen.debug("VarSet as Event", &Event::from_message(varset));
    let config = event(&[
        ("Response", "Success"),
        ("Category-000000", "1001"),
        ("Line-000000-000000", "type=auth"),
        ("Line-000000-000001", &format!("password={S}")),
        ("Line-000000-000002", &format!("md5_cred = {S}")),
    ]);
    seen.debug("GetConfig response", &config);
    seen.debug("a field", &config.fields().nth(3).unwrap());

    // The login and the connection, against the embedded server.
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    rt.block_on(async {
        let server = Server::start(ServerConfig {
            secret: S.to_owned(),
            ..ServerConfig::default()
        })
        .await
        .unwrap();
        let port = server.addr().port();
        for md5 in [false, true] {
            let wrong = ClientBuilder::new("127.0.0.1", port)
                .credentials("admin", format!("{S}-wrong"))
                .md5(md5);
            seen.error("refused login", &wrong.connect_untyped().await.unwrap_err());
            let right = ClientBuilder::new("127.0.0.1", port)
                .credentials("admin", S)
                .md5(md5)
                .reconnect(Some(Reconnect::default().initial(Duration::from_millis(5))));
            let (client, _events) = right.connect_untyped().await.unwrap();
            seen.debug("client", &client);
            // A reconnect logs in again.
            server.drop_connections();
            let mut state = client.state_changes();
            let _ = state.wait_for(|s| !s.is_up()).await;
            let _ = state.wait_for(|s| s.is_up()).await;
            drop(state);
            // Actions that carry secrets, refused by the server.
            let err = client
                .send(&update)
                .await
                .expect_err("the embedded server has no UpdateConfig");
            seen.error("UpdateConfig refused", &err);
            let mut raw = Message::action("UpdateConfig");
            raw.append("Var-000000", "secret");
            raw.append("Value-000000", S);
            seen.error(
                "raw UpdateConfig refused",
                &client.send_message(raw).await.unwrap_err(),
            );
            client.close().await.unwrap();
        }
    });

    let logs = String::from_utf8(logs.0.lock().unwrap().clone()).unwrap();
    assert!(
        logs.contains("AMI connection lost and re-established"),
        "the logs were not captured: {logs}"
    );
    seen.0.push(format!("logs: {logs}"));
    if std::env::var_os("SECRETS_SHOW").is_some() {
        eprintln!("{}", seen.0.join("\n"));
    }
    for text in &seen.0 {
        assert!(!text.contains(S), "a secret shows in {text}");
    }
    // What is not secret still shows.
    let all = seen.0.join("\n");
    for visible in [
        "admin",
        "1001",
        "LANG=en",
        "DB_PASSWORD",
        "type=auth",
        "password=",
        "<redacted>",
    ] {
        assert!(all.contains(visible), "{visible} is missing");
    }
}
