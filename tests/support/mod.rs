//! An in-process HTTP/1.1 token server on 127.0.0.1 that records every request and answers
//! from a script (status, headers, body, delay, dropped connection); with it, what several test
//! files share: client configurations (`config`), local proxies (`proxies`) and a TLS server with
//! its certificates (`tls`).
// Each test binary uses a subset.
#![allow(dead_code)]

pub mod config;
pub mod proxies;
pub mod tls;

use std::collections::VecDeque;
use std::io::{BufRead, BufReader, Write};
use std::net::{TcpListener, TcpStream};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::thread;
use std::time::Duration;

#[derive(Clone, Debug)]
pub struct Reply {
    pub status: u16,
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
    pub delay: Duration,
    pub drop_connection: bool,
    pub gate: Option<Gate>,
    /// Bytes written instead of a well-formed response.
    pub raw: Option<Vec<u8>>,
    /// After writing, reset the connection (RST) instead of closing it.
    pub reset: bool,
    /// After writing, keep the connection open and silent for this long.
    pub stall: Duration,
    /// Write the body one byte at a time, this long apart.
    pub trickle: Option<Duration>,
}

/// Holds replies back until the test opens it.
#[derive(Clone, Debug, Default)]
pub struct Gate(Arc<(Mutex<bool>, std::sync::Condvar)>);

impl Gate {
    pub fn open(&self) {
        *self.0 .0.lock().unwrap() = true;
        self.0 .1.notify_all();
    }

    fn wait(&self) {
        let mut open = self.0 .0.lock().unwrap();
        while !*open {
            open = self.0 .1.wait(open).unwrap();
        }
    }
}

impl Reply {
    pub fn json(status: u16, body: serde_json::Value) -> Self {
        Reply::raw(status, "application/json", body.to_string().into_bytes())
    }

    pub fn raw(status: u16, content_type: &str, body: Vec<u8>) -> Self {
        Reply {
            status,
            headers: vec![("Content-Type".into(), content_type.into())],
            body,
            delay: Duration::ZERO,
            drop_connection: false,
            gate: None,
            raw: None,
            reset: false,
            stall: Duration::ZERO,
            trickle: None,
        }
    }

    pub fn dropped() -> Self {
        Reply { drop_connection: true, ..Reply::raw(200, "text/plain", vec![]) }
    }

    /// These bytes, verbatim, whatever HTTP says.
    pub fn bytes(raw: &[u8]) -> Self {
        Reply { raw: Some(raw.to_vec()), ..Reply::raw(200, "text/plain", vec![]) }
    }

    pub fn then_reset(mut self) -> Self {
        self.reset = true;
        self
    }

    pub fn then_stall(mut self, stall: Duration) -> Self {
        self.stall = stall;
        self
    }

    pub fn trickled(mut self, every: Duration) -> Self {
        self.trickle = Some(every);
        self
    }

    pub fn header(mut self, name: &str, value: &str) -> Self {
        self.headers.push((name.into(), value.into()));
        self
    }

    /// The reply waits until `gate` is opened.
    pub fn held(mut self, gate: &Gate) -> Self {
        self.gate = Some(gate.clone());
        self
    }

    pub fn delayed(mut self, delay: Duration) -> Self {
        self.delay = delay;
        self
    }
}

#[derive(Clone, Debug)]
pub struct Recorded {
    pub method: String,
    pub path: String,
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
    pub connection: usize,
}

impl Recorded {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.iter().find(|(n, _)| n.eq_ignore_ascii_case(name)).map(|(_, v)| v.as_str())
    }

    pub fn body_text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }

    /// The form body as pairs, decoded.
    pub fn form(&self) -> Vec<(String, String)> {
        url::form_urlencoded::parse(&self.body).into_owned().collect()
    }
}

struct State {
    script: Mutex<VecDeque<Reply>>,
    fallback: Mutex<Reply>,
    recorded: Mutex<Vec<Recorded>>,
    connections: AtomicUsize,
}

pub struct TestServer {
    pub port: u16,
    state: Arc<State>,
}

impl TestServer {
    /// A server whose every answer is `fallback` unless a scripted reply is queued.
    pub fn start(fallback: Reply) -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind 127.0.0.1");
        let port = listener.local_addr().unwrap().port();
        let state = Arc::new(State {
            script: Mutex::new(VecDeque::new()),
            fallback: Mutex::new(fallback),
            recorded: Mutex::new(Vec::new()),
            connections: AtomicUsize::new(0),
        });
        let accept_state = Arc::clone(&state);
        thread::spawn(move || {
            for stream in listener.incoming().flatten() {
                let id = accept_state.connections.fetch_add(1, Ordering::SeqCst);
                let state = Arc::clone(&accept_state);
                thread::spawn(move || serve(stream, id, &state));
            }
        });
        TestServer { port, state }
    }

    pub fn token_server() -> Self {
        Self::start(Reply::json(
            200,
            serde_json::json!({"access_token": "at-1", "token_type": "bearer", "expires_in": 3600}),
        ))
    }

    pub fn url(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }

    pub fn push(&self, reply: Reply) {
        self.state.script.lock().unwrap().push_back(reply);
    }

    pub fn requests(&self) -> Vec<Recorded> {
        self.state.recorded.lock().unwrap().clone()
    }

    pub fn connections(&self) -> usize {
        self.state.connections.load(Ordering::SeqCst)
    }
}

fn next_reply(state: &State) -> Reply {
    state.script.lock().unwrap().pop_front().unwrap_or_else(|| state.fallback.lock().unwrap().clone())
}

fn serve(stream: TcpStream, connection: usize, state: &State) {
    let mut reader = BufReader::new(stream.try_clone().expect("clone stream"));
    let mut writer = stream;
    while let Some(request) = read_request(&mut reader, connection) {
        state.recorded.lock().unwrap().push(request);
        let reply = next_reply(state);
        thread::sleep(reply.delay);
        if let Some(gate) = &reply.gate {
            gate.wait();
        }
        if reply.drop_connection {
            return;
        }
        if write_reply(&mut writer, &reply).is_err() {
            return;
        }
        if !reply.stall.is_zero() {
            thread::sleep(reply.stall);
            return;
        }
        if reply.reset {
            reset(&writer);
            return;
        }
    }
}

fn write_reply(writer: &mut TcpStream, reply: &Reply) -> std::io::Result<()> {
    if let Some(raw) = &reply.raw {
        return writer.write_all(raw);
    }
    let mut head = format!("HTTP/1.1 {} Scripted\r\nContent-Length: {}\r\n", reply.status, reply.body.len());
    for (name, value) in &reply.headers {
        head.push_str(&format!("{name}: {value}\r\n"));
    }
    head.push_str("\r\n");
    writer.write_all(head.as_bytes())?;
    match reply.trickle {
        None => writer.write_all(&reply.body),
        Some(every) => {
            for byte in &reply.body {
                writer.write_all(&[*byte])?;
                thread::sleep(every);
            }
            Ok(())
        }
    }
}

/// Closes with a TCP reset: SO_LINGER on with a zero timeout.
fn reset(stream: &TcpStream) {
    use std::os::fd::AsRawFd;
    let linger = libc::linger { l_onoff: 1, l_linger: 0 };
    // SAFETY: a valid socket descriptor and a correctly sized option value.
    unsafe {
        libc::setsockopt(
            stream.as_raw_fd(),
            libc::SOL_SOCKET,
            libc::SO_LINGER,
            (&linger as *const libc::linger).cast(),
            std::mem::size_of::<libc::linger>() as libc::socklen_t,
        );
    }
}

/// One request, or None once the peer closes or sends something that is not HTTP/1.1.
fn read_request(reader: &mut impl BufRead, connection: usize) -> Option<Recorded> {
    let mut line = String::new();
    reader.read_line(&mut line).ok().filter(|n| *n > 0)?;
    let mut parts = line.split_whitespace();
    let method = parts.next()?.to_owned();
    let path = parts.next()?.to_owned();
    let mut headers = Vec::new();
    loop {
        let mut header = String::new();
        reader.read_line(&mut header).ok().filter(|n| *n > 0)?;
        let header = header.trim_end();
        if header.is_empty() {
            break;
        }
        let (name, value) = header.split_once(':')?;
        headers.push((name.trim().to_owned(), value.trim().to_owned()));
    }
    let length = headers
        .iter()
        .find(|(n, _)| n.eq_ignore_ascii_case("content-length"))
        .and_then(|(_, v)| v.parse::<usize>().ok())
        .unwrap_or(0);
    let mut body = vec![0; length];
    reader.read_exact(&mut body).ok()?;
    Some(Recorded { method, path, headers, body, connection })
}

/// Waits (bounded: 10 s) until `condition` holds; panics if it never does.
pub fn wait_until(what: &str, condition: impl Fn() -> bool) {
    let deadline = std::time::Instant::now() + Duration::from_secs(10);
    while !condition() {
        assert!(std::time::Instant::now() < deadline, "gave up waiting for {what}");
        thread::sleep(Duration::from_millis(2));
    }
}

/// A port with nothing listening on it.
pub fn closed_port() -> u16 {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    listener.local_addr().unwrap().port()
}
