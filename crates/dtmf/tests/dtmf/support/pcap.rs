//! A minimal pcap reader: classic pcap (either byte order, us or ns), link
//! types Ethernet (1), Linux cooked (113) and raw IPv4 (101) -> IPv4 -> UDP -> RTP.

use std::time::Duration;

/// The RTP header fields and payload of one captured packet.
#[derive(Debug, Clone)]
pub struct RtpPacket {
    /// Capture time relative to the first packet of the file.
    pub at: Duration,
    pub marker: bool,
    pub payload_type: u8,
    pub seq: u16,
    pub timestamp: u32,
    pub ssrc: u32,
    pub payload: Vec<u8>,
}

/// Every UDP/RTP packet of a pcap file, in capture order.
pub fn read_rtp(bytes: &[u8]) -> Vec<RtpPacket> {
    assert!(bytes.len() >= 24, "pcap global header");
    let magic = u32::from_le_bytes(bytes[0..4].try_into().unwrap());
    let (le, nanos) = match magic {
        0xa1b2c3d4 => (true, false),
        0xa1b23c4d => (true, true),
        0xd4c3b2a1 => (false, false),
        0x4d3cb2a1 => (false, true),
        m => panic!("not a pcap file: magic {m:#x}"),
    };
    let u32_at = |b: &[u8], i: usize| {
        let a: [u8; 4] = b[i..i + 4].try_into().unwrap();
        if le {
            u32::from_le_bytes(a)
        } else {
            u32::from_be_bytes(a)
        }
    };
    let linktype = u32_at(bytes, 20);
    let mut out = Vec::new();
    let mut first: Option<Duration> = None;
    let mut i = 24;
    while i + 16 <= bytes.len() {
        let sec = u64::from(u32_at(bytes, i));
        let frac = u64::from(u32_at(bytes, i + 4));
        let incl = u32_at(bytes, i + 8) as usize;
        let frame = &bytes[i + 16..(i + 16 + incl).min(bytes.len())];
        i += 16 + incl;
        let ts = Duration::from_secs(sec)
            + if nanos {
                Duration::from_nanos(frac)
            } else {
                Duration::from_micros(frac)
            };
        let ip = match linktype {
            1 if frame.len() > 14 && frame[12..14] == [0x08, 0x00] => &frame[14..],
            113 if frame.len() > 16 && frame[14..16] == [0x08, 0x00] => &frame[16..],
            101 => frame,
            _ => continue,
        };
        if ip.len() < 20 || ip[0] >> 4 != 4 || ip[9] != 17 {
            continue;
        }
        let ihl = usize::from(ip[0] & 0x0f) * 4;
        let Some(udp) = ip.get(ihl..) else { continue };
        if udp.len() < 8 {
            continue;
        }
        let udp_len = usize::from(u16::from_be_bytes([udp[4], udp[5]]));
        let rtp = &udp[8..udp_len.min(udp.len())];
        if rtp.len() < 12 || rtp[0] >> 6 != 2 {
            continue;
        }
        let cc = usize::from(rtp[0] & 0x0f);
        let mut off = 12 + 4 * cc;
        if rtp[0] & 0x10 != 0 {
            let ext_words = usize::from(u16::from_be_bytes([rtp[off + 2], rtp[off + 3]]));
            off += 4 + 4 * ext_words;
        }
        let mut end = rtp.len();
        if rtp[0] & 0x20 != 0 {
            end -= usize::from(rtp[end - 1]);
        }
        let first_ts = *first.get_or_insert(ts);
        out.push(RtpPacket {
            at: ts - first_ts,
            marker: rtp[1] & 0x80 != 0,
            payload_type: rtp[1] & 0x7f,
            seq: u16::from_be_bytes([rtp[2], rtp[3]]),
            timestamp: u32::from_be_bytes(rtp[4..8].try_into().unwrap()),
            ssrc: u32::from_be_bytes(rtp[8..12].try_into().unwrap()),
            payload: rtp[off..end].to_vec(),
        });
    }
    out
}
