//! Local proxies for the proxy tests: HTTP CONNECT, and SOCKS4, SOCKS4a and SOCKS5 (RFC 1928:
//! CONNECT, IPv4, IPv6 and domain-name targets; no authentication or RFC 1929 username and
//! password). Each records every connection and the target each client asked for, and reaches
//! any target at 127.0.0.1 on the port asked for: the tests name hosts that are not this machine
//! (192.0.2.10 from TEST-NET-1, or `token.test`) so that the client routes them through the
//! proxy, yet nothing leaves this machine. Dropping a proxy stops it.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{Ipv4Addr, Ipv6Addr, Shutdown, TcpListener, TcpStream};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::thread;

/// Not this machine, so requests to it take the proxy, which reaches them at 127.0.0.1.
pub const REMOTE_ADDRESS: &str = "192.0.2.10";
/// A name no resolver knows: only a proxy that resolves names itself reaches it.
pub const REMOTE_NAME: &str = "token.test";

/// What a proxy saw.
#[derive(Default)]
struct Seen {
    connections: AtomicUsize,
    /// `host:port` (`[v6]:port`) of every CONNECT, as the client sent it.
    targets: Mutex<Vec<String>>,
    /// The SOCKS user id or RFC 1929 user name each client gave.
    users: Mutex<Vec<String>>,
}

pub struct LocalProxy {
    pub port: u16,
    seen: Arc<Seen>,
    stopped: Arc<AtomicBool>,
}

type Handler = fn(TcpStream, &Seen, Option<&(String, String)>) -> Option<()>;

impl LocalProxy {
    /// An HTTP CONNECT proxy.
    pub fn connect() -> Self {
        Self::start(tunnel_http, None)
    }

    /// A SOCKS4/4a/5 proxy without authentication.
    pub fn socks() -> Self {
        Self::start(tunnel_socks, None)
    }

    /// A SOCKS5 proxy that requires this user name and password (RFC 1929); no SOCKS4.
    pub fn socks_with_password(user: &str, password: &str) -> Self {
        Self::start(tunnel_socks, Some((user.to_owned(), password.to_owned())))
    }

    fn start(handler: Handler, credentials: Option<(String, String)>) -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind 127.0.0.1");
        let port = listener.local_addr().unwrap().port();
        let seen = Arc::new(Seen::default());
        let stopped = Arc::new(AtomicBool::new(false));
        let (accept_seen, accept_stopped) = (Arc::clone(&seen), Arc::clone(&stopped));
        let credentials = Arc::new(credentials);
        thread::spawn(move || {
            for client in listener.incoming().flatten() {
                if accept_stopped.load(Ordering::SeqCst) {
                    return;
                }
                accept_seen.connections.fetch_add(1, Ordering::SeqCst);
                let (seen, credentials) = (Arc::clone(&accept_seen), Arc::clone(&credentials));
                thread::spawn(move || handler(client, &seen, credentials.as_ref().as_ref()));
            }
        });
        LocalProxy { port, seen, stopped }
    }

    /// `scheme://127.0.0.1:port`.
    pub fn url(&self, scheme: &str) -> String {
        format!("{scheme}://127.0.0.1:{}", self.port)
    }

    pub fn connections(&self) -> usize {
        self.seen.connections.load(Ordering::SeqCst)
    }

    pub fn targets(&self) -> Vec<String> {
        self.seen.targets.lock().unwrap().clone()
    }

    pub fn users(&self) -> Vec<String> {
        self.seen.users.lock().unwrap().clone()
    }
}

impl Drop for LocalProxy {
    fn drop(&mut self) {
        self.stopped.store(true, Ordering::SeqCst);
        // Wakes the accept loop so that it sees the flag and closes the listener.
        let _ = TcpStream::connect(("127.0.0.1", self.port));
    }
}

fn tunnel_http(client: TcpStream, seen: &Seen, _: Option<&(String, String)>) -> Option<()> {
    let mut reader = BufReader::new(client.try_clone().ok()?);
    let mut line = String::new();
    reader.read_line(&mut line).ok()?;
    let mut parts = line.split_whitespace();
    let (Some("CONNECT"), Some(target)) = (parts.next(), parts.next()) else { return None };
    let target = target.to_owned();
    loop {
        let mut header = String::new();
        if reader.read_line(&mut header).ok()? == 0 || header.trim().is_empty() {
            break;
        }
    }
    seen.targets.lock().unwrap().push(target.clone());
    let port = target.rsplit_once(':')?.1.parse().ok()?;
    let mut client = client;
    let Ok(upstream) = TcpStream::connect((Ipv4Addr::LOCALHOST, port)) else {
        return client.write_all(b"HTTP/1.1 502 Bad Gateway\r\nContent-Length: 0\r\n\r\n").ok();
    };
    client.write_all(b"HTTP/1.1 200 Connection established\r\n\r\n").ok()?;
    pipe(reader, client, upstream)
}

fn tunnel_socks(mut client: TcpStream, seen: &Seen, credentials: Option<&(String, String)>) -> Option<()> {
    let [version] = read_array(&mut client)?;
    let port = match version {
        4 if credentials.is_none() => socks4_request(&mut client, seen)?,
        5 => socks5_request(&mut client, seen, credentials)?,
        _ => return None,
    };
    let upstream = TcpStream::connect((Ipv4Addr::LOCALHOST, port));
    let granted = upstream.is_ok();
    let reply: &[u8] = match (version, granted) {
        (4, true) => &[0, 90, 0, 0, 0, 0, 0, 0],
        (4, false) => &[0, 91, 0, 0, 0, 0, 0, 0],
        // Bound address 0.0.0.0:0; the client reads past it.
        (_, true) => &[5, 0, 0, 1, 0, 0, 0, 0, 0, 0],
        (_, false) => &[5, 5, 0, 1, 0, 0, 0, 0, 0, 0],
    };
    client.write_all(reply).ok()?;
    let reader = client.try_clone().ok()?;
    pipe(reader, client, upstream.ok()?)
}

/// SOCKS4 CONNECT after the version byte: port, IPv4 address, user id, and for SOCKS4a (the
/// address 0.0.0.x) the host name. Returns the port.
fn socks4_request(client: &mut TcpStream, seen: &Seen) -> Option<u16> {
    let [command, port_high, port_low, a, b, c, d] = read_array(client)?;
    let port = u16::from_be_bytes([port_high, port_low]);
    let user = read_until_nul(client)?;
    let host = match [a, b, c] {
        [0, 0, 0] if d != 0 => read_until_nul(client)?,
        _ => Ipv4Addr::new(a, b, c, d).to_string(),
    };
    if command != 1 {
        client.write_all(&[0, 91, 0, 0, 0, 0, 0, 0]).ok()?;
        return None;
    }
    seen.users.lock().unwrap().push(user);
    seen.targets.lock().unwrap().push(format!("{host}:{port}"));
    Some(port)
}

/// SOCKS5 after the version byte: method negotiation, RFC 1929 authentication when the proxy
/// has credentials, then the CONNECT request. Returns the port.
fn socks5_request(client: &mut TcpStream, seen: &Seen, credentials: Option<&(String, String)>) -> Option<u16> {
    let [method_count] = read_array(client)?;
    let methods = read_vec(client, method_count.into())?;
    let wanted = if credentials.is_some() { 2 } else { 0 };
    if !methods.contains(&wanted) {
        client.write_all(&[5, 0xff]).ok()?;
        return None;
    }
    client.write_all(&[5, wanted]).ok()?;
    if let Some((user, password)) = credentials {
        let [1, user_length] = read_array(client)? else { return None };
        let given_user = String::from_utf8(read_vec(client, user_length.into())?).ok()?;
        let [password_length] = read_array(client)?;
        let given_password = String::from_utf8(read_vec(client, password_length.into())?).ok()?;
        let accepted = given_user == *user && given_password == *password;
        client.write_all(&[1, if accepted { 0 } else { 1 }]).ok()?;
        if !accepted {
            return None;
        }
        seen.users.lock().unwrap().push(given_user);
    }
    let [5, command, 0, address_type] = read_array(client)? else { return None };
    let host = match address_type {
        1 => Ipv4Addr::from(read_array::<4>(client)?).to_string(),
        3 => {
            let [length] = read_array(client)?;
            String::from_utf8(read_vec(client, length.into())?).ok()?
        }
        4 => format!("[{}]", Ipv6Addr::from(read_array::<16>(client)?)),
        _ => return None,
    };
    let port = u16::from_be_bytes(read_array(client)?);
    if command != 1 {
        // Command not supported.
        client.write_all(&[5, 7, 0, 1, 0, 0, 0, 0, 0, 0]).ok()?;
        return None;
    }
    seen.targets.lock().unwrap().push(format!("{host}:{port}"));
    Some(port)
}

fn read_array<const N: usize>(stream: &mut TcpStream) -> Option<[u8; N]> {
    let mut bytes = [0; N];
    stream.read_exact(&mut bytes).ok()?;
    Some(bytes)
}

fn read_vec(stream: &mut TcpStream, length: usize) -> Option<Vec<u8>> {
    let mut bytes = vec![0; length];
    stream.read_exact(&mut bytes).ok()?;
    Some(bytes)
}

fn read_until_nul(stream: &mut TcpStream) -> Option<String> {
    let mut bytes = Vec::new();
    loop {
        match read_array(stream)? {
            [0] => return String::from_utf8(bytes).ok(),
            [byte] => bytes.push(byte),
        }
    }
}

/// Copies both ways until each side is done: `reader` (the client's, which may hold bytes
/// already read) to `upstream`, and `upstream` back to `client`.
fn pipe(mut reader: impl Read + Send + 'static, mut client: TcpStream, upstream: TcpStream) -> Option<()> {
    let mut upstream_writer = upstream.try_clone().ok()?;
    let mut upstream_reader = upstream;
    let to_upstream = thread::spawn(move || {
        let _ = std::io::copy(&mut reader, &mut upstream_writer);
        let _ = upstream_writer.shutdown(Shutdown::Write);
    });
    let _ = std::io::copy(&mut upstream_reader, &mut client);
    let _ = client.shutdown(Shutdown::Write);
    to_upstream.join().ok()
}
