//! A raw AMI connection for the server tests: a TcpStream and the codec,
//! no client, so the server is tested on its own.
#![allow(dead_code)]

use std::time::Duration;

use ami_core::codec::{encode, DecodeError, Decoder, Frame, Greeting};
use ami_core::Message;
use ami_server::{Server, ServerConfig};
use bytes::BytesMut;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

/// How long a test waits for anything.
pub const WAIT: Duration = Duration::from_secs(5);

pub struct Conn {
    pub stream: TcpStream,
    buf: BytesMut,
    dec: Decoder,
    next_id: u32,
    /// Decode errors seen so far (the decoder resynchronises after each).
    pub errors: Vec<DecodeError>,
}

pub async fn start(config: ServerConfig) -> Server {
    Server::start(config).await.expect("server starts")
}

/// Builds a message from pairs.
pub fn msg(pairs: &[(&str, &str)]) -> Message {
    pairs.iter().map(|(k, v)| (*k, *v)).collect()
}

impl Conn {
    /// Connects and reads the greeting.
    pub async fn open(server: &Server) -> (Conn, Greeting) {
        let stream = TcpStream::connect(server.addr()).await.expect("connect");
        stream.set_nodelay(true).expect("nodelay");
        let mut conn = Conn {
            stream,
            buf: BytesMut::new(),
            // The tests read the server's legacy command output too.
            dec: {
                let mut dec = Decoder::new();
                dec.set_legacy_command(true);
                dec
            },
            next_id: 0,
            errors: Vec::new(),
        };
        let greeting = match conn.frame().await {
            Some(Frame::Greeting(g)) => g,
            other => panic!("expected a greeting, got {other:?}"),
        };
        (conn, greeting)
    }

    /// Connects and logs in with the default credentials.
    pub async fn login(server: &Server) -> Conn {
        Conn::login_with(server, &[]).await
    }

    /// Connects and logs in, with extra Login fields (e.g. `Events: off`).
    pub async fn login_with(server: &Server, extra: &[(&str, &str)]) -> Conn {
        let (mut conn, _) = Conn::open(server).await;
        let mut login = msg(&[
            ("Action", "Login"),
            ("ActionID", "login"),
            ("Username", "admin"),
            ("Secret", "amp111"),
        ]);
        for (k, v) in extra {
            login.append(*k, *v);
        }
        conn.send(&login).await;
        let r = conn.response("login").await;
        assert_eq!(r.get("Response").unwrap(), "Success", "{r:?}");
        conn
    }

    pub async fn send(&mut self, m: &Message) {
        let mut out = BytesMut::new();
        encode(m, &mut out).expect("encodable");
        self.stream.write_all(&out).await.expect("write");
    }

    /// Sends several messages in one write.
    pub async fn send_all(&mut self, msgs: &[Message]) {
        let mut out = BytesMut::new();
        for m in msgs {
            encode(m, &mut out).expect("encodable");
        }
        self.stream.write_all(&out).await.expect("write");
    }

    pub async fn send_raw(&mut self, bytes: &[u8]) {
        self.stream.write_all(bytes).await.expect("write");
    }

    /// Sends an action with a fresh ActionID; returns the id.
    pub async fn action(&mut self, name: &str, fields: &[(&str, &str)]) -> String {
        self.next_id += 1;
        let id = format!("{}-{}", name.to_ascii_lowercase(), self.next_id);
        let mut m = Message::action(name);
        m.append("ActionID", id.as_str());
        for (k, v) in fields {
            m.append(*k, *v);
        }
        self.send(&m).await;
        id
    }

    /// The next frame, or `None` at EOF. Panics after [`WAIT`].
    pub async fn frame(&mut self) -> Option<Frame> {
        tokio::time::timeout(WAIT, self.frame_inner())
            .await
            .expect("timed out waiting for a frame")
    }

    async fn frame_inner(&mut self) -> Option<Frame> {
        loop {
            match self.dec.decode(&mut self.buf) {
                Ok(Some(f)) => return Some(f),
                Ok(None) => {}
                Err(e) => {
                    self.errors.push(e);
                    continue;
                }
            }
            let n = self.stream.read_buf(&mut self.buf).await.unwrap_or(0);
            if n == 0 {
                return self.dec.decode_eof(&mut self.buf).unwrap_or_default();
            }
        }
    }

    /// The next message; panics at EOF.
    pub async fn next(&mut self) -> Message {
        match self.frame().await {
            Some(Frame::Message(m)) => m,
            other => panic!("expected a message, got {other:?}"),
        }
    }

    /// The next message, or `None` when the server closed the connection.
    pub async fn next_or_eof(&mut self) -> Option<Message> {
        match self.frame().await {
            Some(Frame::Message(m)) => Some(m),
            Some(Frame::Greeting(g)) => panic!("second greeting {g:?}"),
            None => None,
        }
    }

    /// Skips messages until one matches.
    pub async fn until(&mut self, mut pred: impl FnMut(&Message) -> bool) -> Message {
        loop {
            let m = self.next().await;
            if pred(&m) {
                return m;
            }
        }
    }

    /// The response carrying this ActionID (events before it are skipped).
    pub async fn response(&mut self, id: &str) -> Message {
        self.until(|m| m.response().is_some() && m.action_id().is_some_and(|a| *a == id))
            .await
    }

    /// A whole event list: response, items, completion. Other messages are
    /// returned separately.
    pub async fn list(&mut self, id: &str) -> (Message, Vec<Message>, Message, Vec<Message>) {
        let mut others = Vec::new();
        let response = loop {
            let m = self.next().await;
            if m.response().is_some() && m.action_id().is_some_and(|a| *a == id) {
                break m;
            }
            others.push(m);
        };
        assert_eq!(response.get("EventList").unwrap(), "start", "{response:?}");
        let mut items = Vec::new();
        loop {
            let m = self.next().await;
            if m.action_id().is_some_and(|a| *a == id) {
                if m.get("EventList").is_some_and(|v| *v == "Complete") {
                    return (response, items, m, others);
                }
                items.push(m);
            } else {
                others.push(m);
            }
        }
    }

    /// Expects the server to close the connection (skipping messages).
    pub async fn expect_eof(&mut self) {
        while self.next_or_eof().await.is_some() {}
    }
}

/// The value of `key` as a String (panics when missing).
pub fn s(m: &Message, key: &str) -> String {
    m.get(key)
        .unwrap_or_else(|| panic!("no {key} in {m:?}"))
        .to_string_lossy()
        .into_owned()
}

pub fn is_event(m: &Message, name: &str) -> bool {
    m.event_name().is_some_and(|e| *e == name)
}
