//! Plain TCP for ureq, with fewer system calls per request than ureq's own: a request's head
//! and body leave in one `writev` (ureq hands them over separately), socket timeouts are set
//! only when they must change, and a pooled connection's liveness is probed with one
//! non-blocking peek (ureq toggles the socket's blocking mode around it, three calls).

use std::io::{self, IoSlice, Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::sync::{Arc, Weak};
use std::time::{Duration, Instant};

use rustix::io::Errno;
use rustix::net::RecvFlags;
use ureq::unversioned::transport::{
    Buffers, ConnectionDetails, Connector, Either, LazyBuffers, NextTimeout, ShutdownHandle, Transport,
};
use ureq::Error;

/// Opens TCP connections, unless an earlier connector (a SOCKS proxy) already did.
#[derive(Debug, Default)]
pub struct LeanTcpConnector;

impl<In: Transport> Connector<In> for LeanTcpConnector {
    type Out = Either<In, LeanTcpTransport>;

    fn connect(&self, details: &ConnectionDetails, chained: Option<In>) -> Result<Option<Self::Out>, Error> {
        if let Some(chained) = chained {
            return Ok(Some(Either::A(chained)));
        }
        let stream = Arc::new(connect(details)?);
        stream.set_nodelay(details.config.no_delay())?;
        let config = details.config;
        let buffers = LazyBuffers::new(config.input_buffer_size(), config.output_buffer_size());
        let shutdown: Weak<dyn ShutdownHandle> = Arc::downgrade(&stream) as Weak<TcpStream>;
        (details.register_shutdown)(shutdown)?;
        Ok(Some(Either::B(LeanTcpTransport {
            stream,
            buffers,
            held_head: Vec::new(),
            read_timeout: None,
            write_timeout: None,
        })))
    }
}

/// Tries the resolved addresses in turn, sharing the connect deadline between them.
fn connect(details: &ConnectionDetails) -> Result<TcpStream, Error> {
    let addresses: Vec<SocketAddr> = details.addrs.iter().copied().collect();
    let (started, budget) = (Instant::now(), deadline(&details.timeout));
    let mut last_error = None;
    for (index, address) in addresses.iter().enumerate() {
        let left = budget.map(|budget| budget.saturating_sub(started.elapsed()));
        let share = left.map(|left| left / (addresses.len() - index) as u32);
        let attempt = match share {
            Some(share) if share.is_zero() => return Err(Error::Timeout(details.timeout.reason)),
            Some(share) => TcpStream::connect_timeout(address, share),
            None => TcpStream::connect(address),
        };
        match attempt {
            Ok(stream) => return Ok(stream),
            Err(error) if error.kind() == io::ErrorKind::TimedOut => {
                last_error = Some(Error::Timeout(details.timeout.reason))
            }
            Err(error) => last_error = Some(Error::Io(error)),
        }
    }
    Err(last_error.unwrap_or(Error::HostNotFound))
}

/// The time left before `timeout`, or None when there is no deadline.
fn deadline(timeout: &NextTimeout) -> Option<Duration> {
    (!timeout.after.is_not_happening()).then(|| *timeout.after)
}

#[derive(Debug)]
pub struct LeanTcpTransport {
    stream: Arc<TcpStream>,
    buffers: LazyBuffers,
    /// A request head held back until its body is handed over, to send both at once.
    held_head: Vec<u8>,
    /// The socket's timeouts as last set.
    read_timeout: Option<Duration>,
    write_timeout: Option<Duration>,
}

impl LeanTcpTransport {
    /// Writes what is held and `data` in one system call (more only if the kernel takes less).
    fn write_all(&mut self, data_len: usize, timeout: NextTimeout) -> Result<(), Error> {
        let time_left = deadline(&timeout.for_write());
        if time_left.is_some_and(|left| left.is_zero()) {
            return Err(Error::Timeout(timeout.reason));
        }
        keep_timeout(&self.stream, &mut self.write_timeout, time_left, TcpStream::set_write_timeout)?;
        let held = std::mem::take(&mut self.held_head);
        let data = &self.buffers.output()[..data_len];
        let result = write_both(&self.stream, &held, data);
        self.held_head = held;
        self.held_head.clear();
        result.map_err(|error| io_error(error, &timeout))
    }
}

impl Transport for LeanTcpTransport {
    fn buffers(&mut self) -> &mut dyn Buffers {
        &mut self.buffers
    }

    fn transmit_output(&mut self, amount: usize, timeout: NextTimeout) -> Result<(), Error> {
        let output = &self.buffers.output()[..amount];
        if self.held_head.is_empty() && is_head_with_body_to_follow(output) {
            self.held_head.extend_from_slice(output);
            return Ok(());
        }
        self.write_all(amount, timeout)
    }

    fn await_input(&mut self, timeout: NextTimeout) -> Result<bool, Error> {
        if !self.held_head.is_empty() {
            // The body never came (an Expect: 100-continue wait, say): send the head alone.
            self.write_all(0, timeout)?;
        }
        let started = Instant::now();
        let budget = deadline(&timeout.for_read());
        loop {
            let time_left = budget.map(|budget| budget.saturating_sub(started.elapsed()));
            if time_left.is_some_and(|left| left.is_zero()) {
                return Err(Error::Timeout(timeout.reason));
            }
            keep_timeout(&self.stream, &mut self.read_timeout, time_left, TcpStream::set_read_timeout)?;
            let input = self.buffers.input_append_buf();
            match (&*self.stream).read(input) {
                Ok(amount) => {
                    self.buffers.input_appended(amount);
                    return Ok(amount > 0);
                }
                // A socket timeout set for an earlier, longer call may end a read early: the
                // loop sets the exact time left and reads again.
                Err(error) if is_timeout(&error) || error.kind() == io::ErrorKind::Interrupted => continue,
                Err(error) => return Err(io_error(error, &timeout)),
            }
        }
    }

    fn is_open(&mut self) -> bool {
        // Idle and open: nothing to read yet. Closed (0), or data nobody asked for: not reusable.
        matches!(
            rustix::net::recv(&*self.stream, &mut [0u8; 1], RecvFlags::PEEK | RecvFlags::DONTWAIT),
            Err(Errno::AGAIN)
        )
    }
}

/// Whether `bytes` are a whole request head announcing a body (which ureq sends next).
fn is_head_with_body_to_follow(bytes: &[u8]) -> bool {
    let Some(head) = bytes.strip_suffix(b"\r\n\r\n") else { return false };
    head.split(|b| *b == b'\n').any(|line| {
        let line = String::from_utf8_lossy(line);
        let Some((name, value)) = line.split_once(':') else { return false };
        name.trim().eq_ignore_ascii_case("content-length") && value.trim().parse::<u64>().is_ok_and(|n| n > 0)
    })
}

/// Keeps the socket's timeout between half of `wanted` and `wanted`, setting it (to three
/// quarters of `wanted`, so that the next calls' slightly different deadlines still fit) only
/// when a read or write could otherwise outlast its deadline or would end far too early.
fn keep_timeout(
    stream: &TcpStream,
    current: &mut Option<Duration>,
    wanted: Option<Duration>,
    set: impl Fn(&TcpStream, Option<Duration>) -> io::Result<()>,
) -> io::Result<()> {
    let fits = match (*current, wanted) {
        (None, None) => true,
        (Some(current), Some(wanted)) => current <= wanted && current >= wanted / 2,
        _ => false,
    };
    if !fits {
        let timeout = wanted.map(|wanted| (wanted * 3 / 4).max(Duration::from_millis(1)));
        set(stream, timeout)?;
        *current = timeout;
    }
    Ok(())
}

fn write_both(mut stream: &TcpStream, first: &[u8], second: &[u8]) -> io::Result<()> {
    let total = first.len() + second.len();
    let mut written = 0;
    while written < total {
        let slices = if written < first.len() {
            [IoSlice::new(&first[written..]), IoSlice::new(second)]
        } else {
            [IoSlice::new(&second[written - first.len()..]), IoSlice::new(&[])]
        };
        match stream.write_vectored(&slices) {
            Ok(0) => return Err(io::ErrorKind::WriteZero.into()),
            Ok(amount) => written += amount,
            Err(error) if error.kind() == io::ErrorKind::Interrupted => {}
            Err(error) => return Err(error),
        }
    }
    Ok(())
}

fn is_timeout(error: &io::Error) -> bool {
    matches!(error.kind(), io::ErrorKind::WouldBlock | io::ErrorKind::TimedOut)
}

fn io_error(error: io::Error, timeout: &NextTimeout) -> Error {
    if is_timeout(&error) {
        Error::Timeout(timeout.reason)
    } else {
        Error::Io(error)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_a_complete_head_announcing_a_body_is_held() {
        let head = b"POST /t HTTP/1.1\r\nhost: a\r\ncontent-length: 29\r\n\r\n";
        assert!(is_head_with_body_to_follow(head));
        assert!(is_head_with_body_to_follow(b"POST / HTTP/1.1\r\nContent-Length:7\r\n\r\n"));
        assert!(!is_head_with_body_to_follow(b"GET / HTTP/1.1\r\nhost: a\r\n\r\n"), "no body");
        assert!(!is_head_with_body_to_follow(b"POST / HTTP/1.1\r\ncontent-length: 0\r\n\r\n"));
        assert!(!is_head_with_body_to_follow(b"POST / HTTP/1.1\r\ntransfer-encoding: chunked\r\n\r\n"));
        assert!(!is_head_with_body_to_follow(b"grant_type=client_credentials"), "a body");
    }

    #[test]
    fn a_timeout_is_set_only_when_it_must_change() {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let stream = TcpStream::connect(listener.local_addr().unwrap()).unwrap();
        let calls = std::cell::Cell::new(0);
        let set = |stream: &TcpStream, timeout| {
            calls.set(calls.get() + 1);
            stream.set_read_timeout(timeout)
        };
        let mut current = None;
        for wanted in [30_000, 29_990, 29_000, 20_000, 16_000] {
            keep_timeout(&stream, &mut current, Some(Duration::from_millis(wanted)), set).unwrap();
        }
        assert_eq!((calls.get(), current), (2, Some(Duration::from_secs(15))), "set for 30 s, lowered once for 20 s");
        keep_timeout(&stream, &mut current, Some(Duration::from_secs(60)), set).unwrap();
        assert_eq!((calls.get(), current), (3, Some(Duration::from_secs(45))), "raised when far too short");
    }
}
