//! A connection cut at every byte offset of a login, a list answer and a
//! command answer: each ends in a clear success or error within a bounded
//! time, never a hang or a panic — with reconnect off, and on (then the
//! client is back and the same action succeeds on the next connection).

use std::time::Duration;

use ami_core::client::Reconnect;
use ami_core::codec::{Decoder, Frame};
use ami_core::{ClientBuilder, Error, Message};
use bytes::BytesMut;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tokio::time::timeout;

const GREETING: &[u8] = b"Asterisk Call Manager/11.0.0\r\n";
/// Far more than any case needs; a hang fails the test.
const BOUND: Duration = Duration::from_secs(5);

/// The next action the client sends.
async fn action(sock: &mut TcpStream, dec: &mut Decoder, buf: &mut BytesMut) -> Option<Message> {
    loop {
        if let Ok(Some(Frame::Message(m))) = dec.decode(buf) {
            return Some(m);
        }
        if sock.read_buf(buf).await.ok()? == 0 {
            return None;
        }
    }
}

fn login_answer(id: &str) -> Vec<u8> {
    format!("Response: Success\r\nActionID: {id}\r\nMessage: Authentication accepted\r\n\r\n")
        .into_bytes()
}

fn list_answer(id: &str) -> Vec<u8> {
    format!(
        "Response: Success\r\nActionID: {id}\r\nEventList: start\r\nMessage: Channels will follow\r\n\r\n\
         Event: CoreShowChannel\r\nActionID: {id}\r\nChannel: PJSIP/1-1\r\n\r\n\
         Event: CoreShowChannel\r\nActionID: {id}\r\nChannel: PJSIP/2-1\r\n\r\n\
         Event: CoreShowChannelsComplete\r\nActionID: {id}\r\nEventList: Complete\r\nListItems: 2\r\n\r\n"
    )
    .into_bytes()
}

fn command_answer(id: &str) -> Vec<u8> {
    format!(
        "Response: Success\r\nActionID: {id}\r\nMessage: Command output follows\r\n\
         Output: Asterisk 22.10.1 built by x\r\nOutput: \r\nOutput: done\r\n\r\n"
    )
    .into_bytes()
}

/// What the peer answers to the action after the login, cut at `cut`
/// bytes of the whole script (greeting, login answer, that answer).
#[derive(Clone, Copy)]
enum Then {
    Nothing,
    List,
    Command,
}

/// The part of `bytes` that fits in what is `left` of the script, and
/// whether the script ends there.
fn take(left: &mut usize, bytes: Vec<u8>) -> (Vec<u8>, bool) {
    let n = bytes.len().min(*left);
    *left -= n;
    (bytes[..n].to_vec(), *left == 0)
}

/// A peer that plays its script up to `cut` bytes, then closes; with
/// `again`, it then takes further connections and answers them whole.
async fn cut_peer(cut: usize, then: Then, again: bool) -> u16 {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    tokio::spawn(async move {
        let (mut sock, _) = listener.accept().await.unwrap();
        if again {
            tokio::spawn(async move {
                while let Ok((sock, _)) = listener.accept().await {
                    tokio::spawn(whole_peer(sock));
                }
            });
        }
        let mut left = cut;
        let (part, done) = take(&mut left, GREETING.to_vec());
        let _ = sock.write_all(&part).await;
        if done {
            return;
        }
        let mut dec = Decoder::without_greeting();
        let mut buf = BytesMut::new();
        let Some(login) = action(&mut sock, &mut dec, &mut buf).await else {
            return;
        };
        let id = login.action_id().unwrap().to_string();
        let (part, done) = take(&mut left, login_answer(&id));
        let _ = sock.write_all(&part).await;
        if done {
            return;
        }
        let Some(next) = action(&mut sock, &mut dec, &mut buf).await else {
            return;
        };
        let id = next.action_id().unwrap().to_string();
        let answer = match then {
            Then::Nothing => return,
            Then::List => list_answer(&id),
            Then::Command => command_answer(&id),
        };
        let (part, _) = take(&mut left, answer);
        let _ = sock.write_all(&part).await;
        // Dropping the socket closes the connection.
    });
    port
}

/// A connection after the cut: every action answered whole, by its name.
async fn whole_peer(mut sock: TcpStream) {
    if sock.write_all(GREETING).await.is_err() {
        return;
    }
    let mut dec = Decoder::without_greeting();
    let mut buf = BytesMut::new();
    while let Some(req) = action(&mut sock, &mut dec, &mut buf).await {
        let id = req.action_id().unwrap().to_string();
        let name = req.get("Action").unwrap().to_string().to_ascii_lowercase();
        let answer = match name.as_str() {
            "login" => login_answer(&id),
            "coreshowchannels" => list_answer(&id),
            "command" => command_answer(&id),
            _ => format!("Response: Success\r\nActionID: {id}\r\n\r\n").into_bytes(),
        };
        if sock.write_all(&answer).await.is_err() {
            return;
        }
    }
}

fn builder(port: u16, reconnect: bool) -> ClientBuilder {
    ClientBuilder::new("127.0.0.1", port)
        .credentials("admin", "secret")
        .timeout(Duration::from_secs(2))
        .reconnect(reconnect.then(|| Reconnect::default().initial(Duration::from_millis(1))))
}

#[tokio::test]
async fn a_login_cut_anywhere_fails_clearly() {
    for reconnect in [false, true] {
        login_cut_anywhere(reconnect).await;
    }
}

/// The first connection is not retried, reconnect policy or not.
async fn login_cut_anywhere(reconnect: bool) {
    let whole = GREETING.len() + login_answer("x-login").len();
    let (mut ok, mut failed) = (0, 0);
    for cut in 0..whole + 8 {
        let port = cut_peer(cut, Then::Nothing, reconnect).await;
        let result = timeout(BOUND, builder(port, reconnect).connect_untyped())
            .await
            .unwrap_or_else(|_| panic!("connect hung with the login cut at {cut}"));
        match result {
            // The whole answer came (the ActionID is longer than "x-login").
            Ok(_) => {
                ok += 1;
                assert!(cut >= whole, "{cut}");
            }
            Err(e) => {
                failed += 1;
                assert!(
                    matches!(
                        e,
                        Error::Disconnected { .. }
                            | Error::BadGreeting { .. }
                            | Error::Io(_)
                            | Error::Timeout { .. }
                    ),
                    "cut at {cut}: {e:?}"
                );
            }
        }
    }
    // Both outcomes were seen: cut short, and whole.
    assert!(ok > 0 && failed > whole / 2, "{ok} {failed}");
}

#[tokio::test]
async fn a_list_or_command_answer_cut_anywhere_ends_clearly() {
    answer_cut_anywhere(false).await;
}

#[tokio::test]
async fn with_reconnect_a_cut_answer_fails_clearly_and_the_next_connection_answers() {
    answer_cut_anywhere(true).await;
}

async fn answer_cut_anywhere(reconnect: bool) {
    for then in [Then::List, Then::Command] {
        let prefix = GREETING.len() + login_answer("00000000-login").len();
        let answer = match then {
            Then::List => list_answer("00000000-1"),
            Then::Command => command_answer("00000000-1"),
            Then::Nothing => unreachable!(),
        };
        let (mut ok, mut failed) = (0, 0);
        for cut in prefix..prefix + answer.len() + 8 {
            let port = cut_peer(cut, then, reconnect).await;
            let (client, _events) = timeout(BOUND, builder(port, reconnect).connect_untyped())
                .await
                .expect("connect hung")
                .expect("the login is whole");
            let ask = || async {
                match then {
                    Then::List => timeout(
                        BOUND,
                        client.send_message(Message::action("CoreShowChannels")),
                    )
                    .await
                    .map(|r| r.map(|reply| reply.items.len())),
                    _ => timeout(BOUND, client.command("core show version"))
                        .await
                        .map(|r| r.map(|lines| lines.len())),
                }
                .unwrap_or_else(|_| panic!("the answer cut at {cut} hung"))
            };
            let whole = if matches!(then, Then::List) { 2 } else { 3 };
            match ask().await {
                Ok(n) => {
                    ok += 1;
                    assert_eq!(n, whole, "cut {cut}");
                }
                Err(e) => {
                    failed += 1;
                    assert!(e.is_disconnected(), "cut at {cut}: {e:?}");
                    if reconnect {
                        // Not re-sent behind our back; asked again once the
                        // client is back, it is answered whole.
                        let mut state = client.state_changes();
                        timeout(BOUND, state.wait_for(|s| s.is_up()))
                            .await
                            .unwrap_or_else(|_| panic!("no reconnect after the cut at {cut}"))
                            .unwrap();
                        drop(state);
                        assert_eq!(ask().await.unwrap(), whole, "cut {cut}");
                    }
                }
            }
        }
        // Both outcomes were seen: cut short, and whole.
        assert!(ok > 0 && failed > answer.len() / 2, "{ok} {failed}");
    }
}
