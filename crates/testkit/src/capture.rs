//! A real `tcpdump` on the loopback interface, so a test can check what crossed the wire.
//!
//! [`Capture::start`] runs `tcpdump -i lo` with a capture filter, writing a classic pcap
//! file, and waits (bounded) until it listens; [`Capture::stop`] interrupts it (so it
//! flushes every packet) and returns the UDP datagrams it saw, read from the file by
//! [`read_pcap`]. Capturing needs root or `CAP_NET_RAW`, which the interop tests have.
//!
//! ```no_run
//! # async fn demo() {
//! use voice_otp_testkit::capture::Capture;
//!
//! let dir = tempfile::tempdir().unwrap();
//! let capture = Capture::start(dir.path(), "udp src portrange 30000-30063").await;
//! // ... run the call ...
//! let datagrams = capture.stop().await;
//! # }
//! ```

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};
use std::path::{Path, PathBuf};
use std::time::Duration;

use crate::peer::Peer;

const READY_WITHIN: Duration = Duration::from_secs(10);
const STOP_WITHIN: Duration = Duration::from_secs(10);
/// Bytes kept of each packet: link, IP and UDP headers and an RTP packet of 20 ms of G.711
/// with an SRTP tag fit well inside.
const SNAPLEN: &str = "512";

/// A running tcpdump, killed when dropped.
#[derive(Debug)]
pub struct Capture {
    peer: Peer,
    file: PathBuf,
}

/// One UDP datagram seen on the wire (its payload cut at the capture's snapshot length).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Datagram {
    /// Where it came from.
    pub src: SocketAddr,
    /// Where it went.
    pub dst: SocketAddr,
    /// The UDP payload as it was on the wire.
    pub payload: Vec<u8>,
}

/// Why a pcap file could not be read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PcapError {
    /// Shorter than the 24-byte global header.
    #[error("pcap file shorter than its global header")]
    Truncated,
    /// Not a classic pcap file (unknown magic number).
    #[error("not a classic pcap file (magic {0:#010x})")]
    Magic(u32),
    /// A link type this reader does not decode (it knows Ethernet and Linux cooked).
    #[error("unsupported pcap link type {0}")]
    LinkType(u32),
}

impl Capture {
    /// Starts `tcpdump -i lo` with the capture `filter` (pcap-filter syntax), writing to
    /// `<dir>/capture.pcap`, and waits (bounded) until it listens.
    pub async fn start(dir: &Path, filter: &str) -> Capture {
        let file = dir.join("capture.pcap");
        let mut args: Vec<String> = ["-i", "lo", "-n", "-U", "--immediate-mode", "-s", SNAPLEN]
            .iter()
            .map(|s| s.to_string())
            // tcpdump drops to its own user before opening the file unless told otherwise.
            .chain(["-Z".to_owned(), "root".to_owned(), "-w".to_owned()])
            .collect();
        args.push(file.display().to_string());
        args.push(filter.to_owned());
        let mut peer = Peer::spawn("tcpdump", "tcpdump", &args, dir);
        peer.wait_until(READY_WITHIN, |log| log.contains("listening on lo"))
            .await;
        Capture { peer, file }
    }

    /// Interrupts tcpdump, waits (bounded) until it has written everything and exited, and
    /// returns the UDP datagrams it captured.
    pub async fn stop(mut self) -> Vec<Datagram> {
        self.peer.interrupt(STOP_WITHIN).await;
        let bytes = std::fs::read(&self.file)
            .unwrap_or_else(|e| panic!("read {}: {e}\n{}", self.file.display(), self.log()));
        read_pcap(&bytes).unwrap_or_else(|e| panic!("{e}\n{}", self.log()))
    }

    /// What tcpdump logged so far.
    pub fn log(&self) -> String {
        self.peer.log()
    }
}

/// The UDP datagrams (over IPv4 or IPv6) in a classic pcap file; other packets are skipped,
/// and so is a last record cut short (a capture stopped while writing).
pub fn read_pcap(bytes: &[u8]) -> Result<Vec<Datagram>, PcapError> {
    let header = bytes.get(..24).ok_or(PcapError::Truncated)?;
    let magic = u32::from_le_bytes([header[0], header[1], header[2], header[3]]);
    let little = match magic {
        0xa1b2_c3d4 | 0xa1b2_3c4d => true,
        0xd4c3_b2a1 | 0x4d3c_b2a1 => false,
        other => return Err(PcapError::Magic(other)),
    };
    let word = |b: &[u8]| {
        let w = [b[0], b[1], b[2], b[3]];
        if little {
            u32::from_le_bytes(w)
        } else {
            u32::from_be_bytes(w)
        }
    };
    let link = word(&header[20..24]);
    let link_len = match link {
        1 => 14,   // Ethernet (Linux's lo)
        113 => 16, // Linux cooked capture (`-i any`)
        other => return Err(PcapError::LinkType(other)),
    };
    let mut datagrams = Vec::new();
    let mut at = 24;
    while let Some(record) = bytes.get(at..at + 16) {
        let len = word(&record[8..12]) as usize;
        let Some(frame) = bytes.get(at + 16..at + 16 + len) else {
            break;
        };
        at += 16 + len;
        // The EtherType (or the cooked header's protocol) sits right before the IP header.
        let Some(kind) = frame.get(link_len - 2..link_len) else {
            continue;
        };
        let kind = u16::from_be_bytes([kind[0], kind[1]]);
        if let Some(d) = udp_in_ip(kind, &frame[link_len..]) {
            datagrams.push(d);
        }
    }
    Ok(datagrams)
}

/// The UDP datagram in an IPv4 (`0x0800`) or IPv6 (`0x86dd`) packet, if it carries one
/// (first fragments only; IPv6 extension headers are not followed).
fn udp_in_ip(kind: u16, ip: &[u8]) -> Option<Datagram> {
    let (src, dst, udp) = match kind {
        0x0800 => {
            let ihl = usize::from(ip.first()? & 0x0f) * 4;
            let offset = u16::from_be_bytes([*ip.get(6)?, *ip.get(7)?]) & 0x1fff;
            if *ip.get(9)? != 17 || offset != 0 || ihl < 20 {
                return None;
            }
            let src: [u8; 4] = ip.get(12..16)?.try_into().ok()?;
            let dst: [u8; 4] = ip.get(16..20)?.try_into().ok()?;
            let (src, dst) = (Ipv4Addr::from(src), Ipv4Addr::from(dst));
            (IpAddr::V4(src), IpAddr::V4(dst), ip.get(ihl..)?)
        }
        0x86dd => {
            if *ip.get(6)? != 17 {
                return None;
            }
            let src: [u8; 16] = ip.get(8..24)?.try_into().ok()?;
            let dst: [u8; 16] = ip.get(24..40)?.try_into().ok()?;
            let (src, dst) = (Ipv6Addr::from(src), Ipv6Addr::from(dst));
            (IpAddr::V6(src), IpAddr::V6(dst), ip.get(40..)?)
        }
        _ => return None,
    };
    let port = |i: usize| Some(u16::from_be_bytes([*udp.get(i)?, *udp.get(i + 1)?]));
    let len = usize::from(port(4)?);
    // The payload ends at the UDP length, or where the snapshot cut it.
    let payload = udp.get(8..len.min(udp.len()).max(8))?.to_vec();
    Some(Datagram {
        src: SocketAddr::new(src, port(0)?),
        dst: SocketAddr::new(dst, port(2)?),
        payload,
    })
}
