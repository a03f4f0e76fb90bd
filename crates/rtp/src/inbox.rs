//! Non-blocking receive for the pacers, with the kernel's arrival time.
//!
//! A pacer takes a stream's incoming datagrams when it sends the stream's next packet, so up
//! to 20 ms after they arrived. RFC 3550 jitter and the DTMF trackers need the arrival time,
//! not the pick-up time, so the sockets carry `SO_TIMESTAMPNS` and each datagram comes with
//! the time loopback or the NIC handed it to the socket.

use std::io::{self, IoSliceMut};
use std::net::{SocketAddr, UdpSocket};
use std::os::fd::AsRawFd;
use std::time::{Instant, SystemTime, UNIX_EPOCH};

use nix::sys::socket::sockopt::ReceiveTimestampns;
use nix::sys::socket::{ControlMessageOwned, MsgFlags, SockaddrStorage, recvmsg, setsockopt};
use nix::sys::time::TimeSpec;

/// Largest datagram taken whole; longer ones are truncated (and then fail to parse).
const DATAGRAM_MAX: usize = 2048;

/// Asks the kernel to stamp every datagram `socket` receives.
pub(crate) fn enable_arrival_times(socket: &UdpSocket) -> io::Result<()> {
    setsockopt(socket.as_raw_fd(), ReceiveTimestampns, &true).map_err(io::Error::from)
}

/// A socket that keeps the kernel stamping datagrams on arrival while it lives.
///
/// Linux only stamps datagrams as they arrive while some socket has asked for it, and turns
/// that on a few milliseconds *after* the first one asks (a deferred switch); until then a
/// datagram is stamped when it is read, which is what the stamps are meant to avoid. The
/// engine holds one from its start so its streams' stamps are right from their first packet.
pub(crate) fn keep_arrival_times_on(ip: std::net::IpAddr) -> io::Result<UdpSocket> {
    let socket = UdpSocket::bind(SocketAddr::new(ip, 0))?;
    enable_arrival_times(&socket)?;
    Ok(socket)
}

/// A pacer's receive buffers, reused for every datagram (nothing is allocated per packet).
pub(crate) struct Inbox {
    buf: Box<[u8; DATAGRAM_MAX]>,
    cmsg: Vec<u8>,
}

/// One datagram taken off a socket.
pub(crate) struct Arrival<'a> {
    pub(crate) data: &'a [u8],
    pub(crate) from: SocketAddr,
    /// When the kernel received it (never later than when it was taken).
    pub(crate) at: Instant,
}

impl Inbox {
    pub(crate) fn new() -> Self {
        Inbox {
            buf: Box::new([0; DATAGRAM_MAX]),
            cmsg: nix::cmsg_space!(TimeSpec),
        }
    }

    /// The next waiting datagram on `socket`, `Ok(None)` when there is none.
    pub(crate) fn take(&mut self, socket: &UdpSocket) -> io::Result<Option<Arrival<'_>>> {
        let (bytes, from, stamp) = {
            let mut iov = [IoSliceMut::new(&mut self.buf[..])];
            let msg = match recvmsg::<SockaddrStorage>(
                socket.as_raw_fd(),
                &mut iov,
                Some(&mut self.cmsg),
                MsgFlags::MSG_DONTWAIT,
            ) {
                Ok(msg) => msg,
                Err(nix::errno::Errno::EAGAIN) => return Ok(None),
                Err(e) => return Err(e.into()),
            };
            let stamp = msg.cmsgs().find_map(|m| match m {
                ControlMessageOwned::ScmTimestampns(ts) => Some(ts),
                _ => None,
            });
            (msg.bytes, msg.address.and_then(socket_addr), stamp)
        };
        let Some(from) = from else {
            // Not an IP source (cannot happen on a UDP socket): skip it.
            return Ok(None);
        };
        let now = Instant::now();
        let at = stamp.map_or(now, |ts| to_instant(ts, now, SystemTime::now()));
        Ok(Some(Arrival {
            data: &self.buf[..bytes.min(DATAGRAM_MAX)],
            from,
            at,
        }))
    }
}

fn socket_addr(a: SockaddrStorage) -> Option<SocketAddr> {
    if let Some(v4) = a.as_sockaddr_in() {
        return Some(SocketAddr::V4((*v4).into()));
    }
    a.as_sockaddr_in6().map(|v6| SocketAddr::V6((*v6).into()))
}

/// The kernel's wall-clock stamp `ts` as an `Instant`, given a monotonic and a wall-clock
/// reading taken together. A stamp "in the future" (the wall clock stepped back) is `now`.
fn to_instant(ts: TimeSpec, now: Instant, wall_now: SystemTime) -> Instant {
    let Ok(since_epoch) = wall_now.duration_since(UNIX_EPOCH) else {
        return now;
    };
    let stamp = std::time::Duration::from(ts);
    match since_epoch.checked_sub(stamp) {
        Some(ago) => now.checked_sub(ago).unwrap_or(now),
        None => now,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    #[test]
    fn a_datagram_waiting_for_ten_ms_is_stamped_when_it_arrived() {
        let _keeper = keep_arrival_times_on("127.0.0.1".parse().unwrap()).unwrap();
        // The kernel's switch is deferred: give it the few ms the engine's start-up gives it.
        std::thread::sleep(Duration::from_millis(50));
        let rx = UdpSocket::bind("127.0.0.1:0").unwrap();
        enable_arrival_times(&rx).unwrap();
        let tx = UdpSocket::bind("127.0.0.1:0").unwrap();
        let mut inbox = Inbox::new();
        assert!(inbox.take(&rx).unwrap().is_none(), "nothing waiting yet");
        let sent = Instant::now();
        tx.send_to(b"hello", rx.local_addr().unwrap()).unwrap();
        // A real wait: the point is the gap between arrival and pick-up.
        std::thread::sleep(Duration::from_millis(10));
        let picked = Instant::now();
        let a = inbox.take(&rx).unwrap().expect("the datagram");
        assert_eq!(a.data, b"hello");
        assert_eq!(a.from, tx.local_addr().unwrap());
        assert!(a.at >= sent - Duration::from_millis(1), "{:?}", a.at - sent);
        assert!(
            picked - a.at >= Duration::from_millis(9),
            "{:?}",
            picked - a.at
        );
        assert!(inbox.take(&rx).unwrap().is_none());
    }

    #[test]
    fn stamps_convert_against_the_clock_pair() {
        let now = Instant::now();
        let wall = UNIX_EPOCH + Duration::from_secs(1_000_000);
        let ts = TimeSpec::from(Duration::from_secs(1_000_000) - Duration::from_millis(15));
        assert_eq!(to_instant(ts, now, wall), now - Duration::from_millis(15));
        // Stamped after "now": the wall clock stepped back in between.
        let ts = TimeSpec::from(Duration::from_secs(1_000_001));
        assert_eq!(to_instant(ts, now, wall), now);
    }
}
