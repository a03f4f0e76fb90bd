//! The few RTCP packets a voice-otp stream needs (RFC 3550 section 6): sender reports and
//! BYE out, receiver/sender report blocks in. Written by hand because they are small and
//! fixed; building writes into a caller's buffer and parsing borrows, so neither allocates.

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use crate::error::RtpError;
use crate::types::{RtpTimestamp, Ssrc};

const PT_SR: u8 = 200;
const PT_RR: u8 = 201;
const PT_SDES: u8 = 202;
const PT_BYE: u8 = 203;
const PT_APP: u8 = 204;
const SDES_CNAME: u8 = 1;
/// Seconds from the NTP epoch (1900) to the Unix epoch (1970).
const NTP_UNIX_OFFSET: u64 = 2_208_988_800;

/// A 64-bit NTP timestamp as carried in sender reports.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct NtpTime(pub u64);

impl NtpTime {
    /// The NTP timestamp of a wall-clock instant (instants before 1970 map to the epoch).
    pub fn from_system_time(t: SystemTime) -> Self {
        let since = t.duration_since(UNIX_EPOCH).unwrap_or(Duration::ZERO);
        let secs = since.as_secs() + NTP_UNIX_OFFSET;
        let frac = (u64::from(since.subsec_nanos()) << 32) / 1_000_000_000;
        NtpTime((secs << 32) | frac)
    }

    /// The middle 32 bits, as echoed in the LSR field of report blocks.
    pub fn middle(self) -> u32 {
        (self.0 >> 16) as u32
    }
}

/// The sender-info section of an SR.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct SenderInfo {
    /// Wall-clock time of the report.
    pub ntp: NtpTime,
    /// RTP timestamp corresponding to `ntp`.
    pub rtp_timestamp: RtpTimestamp,
    /// Packets sent since the stream started.
    pub packet_count: u32,
    /// Payload octets sent since the stream started.
    pub octet_count: u32,
}

/// One reception report block (RFC 3550 section 6.4.1).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ReportBlock {
    /// The source this block reports on.
    pub ssrc: Ssrc,
    /// Fraction of packets lost since the previous report, in 1/256.
    pub fraction_lost: u8,
    /// Cumulative packets lost (24-bit signed).
    pub cumulative_lost: i32,
    /// Extended highest sequence number received.
    pub highest_seq: u32,
    /// Interarrival jitter in timestamp units.
    pub jitter: u32,
    /// Middle 32 bits of the last SR's NTP timestamp received from that source.
    pub last_sr: u32,
    /// Delay since that SR in 1/65536 s.
    pub delay_since_last_sr: u32,
}

/// What one inbound compound RTCP packet told us.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct RtcpSummary {
    /// SSRC of the packet's sender (from its first SR or RR).
    pub sender: Option<Ssrc>,
    /// The sender-info of an SR, if the packet had one.
    pub sender_info: Option<SenderInfo>,
    /// The report block about the SSRC we asked for, if present.
    pub report: Option<ReportBlock>,
    /// The packet contained a BYE.
    pub bye: bool,
}

/// Parses a compound RTCP packet, keeping the report block about `ours`.
///
/// Follows the validity checks of RFC 3550 appendix A.2: version 2 in every packet, the
/// first packet an SR or RR without padding, and the lengths adding up to the datagram.
pub fn parse_compound(data: &[u8], ours: Ssrc) -> Result<RtcpSummary, RtpError> {
    let mut out = RtcpSummary::default();
    let mut rest = data;
    let mut first = true;
    if data.len() < 8 {
        return Err(RtpError::MalformedRtcp);
    }
    while !rest.is_empty() {
        if rest.len() < 4 {
            return Err(RtpError::MalformedRtcp);
        }
        let b0 = rest[0];
        let pt = rest[1];
        let count = usize::from(b0 & 0x1f);
        let padding = b0 & 0x20 != 0;
        let len = (usize::from(u16::from_be_bytes([rest[2], rest[3]])) + 1) * 4;
        if b0 >> 6 != 2 || len > rest.len() || !(PT_SR..=PT_APP).contains(&pt) {
            return Err(RtpError::MalformedRtcp);
        }
        if first && (padding || !(pt == PT_SR || pt == PT_RR)) {
            return Err(RtpError::MalformedRtcp);
        }
        let body = &rest[4..len];
        match pt {
            PT_SR | PT_RR => {
                let info_len = if pt == PT_SR { 24 } else { 4 };
                if body.len() < info_len + count * 24 {
                    return Err(RtpError::MalformedRtcp);
                }
                let sender = Ssrc(be32(body, 0));
                if out.sender.is_none() {
                    out.sender = Some(sender);
                }
                if pt == PT_SR {
                    out.sender_info = Some(SenderInfo {
                        ntp: NtpTime((u64::from(be32(body, 4)) << 32) | u64::from(be32(body, 8))),
                        rtp_timestamp: RtpTimestamp(be32(body, 12)),
                        packet_count: be32(body, 16),
                        octet_count: be32(body, 20),
                    });
                }
                for i in 0..count {
                    let block = parse_block(&body[info_len + i * 24..info_len + (i + 1) * 24]);
                    if block.ssrc == ours {
                        out.report = Some(block);
                    }
                }
            }
            PT_BYE => {
                if body.len() < count * 4 {
                    return Err(RtpError::MalformedRtcp);
                }
                out.bye = true;
            }
            _ => {}
        }
        rest = &rest[len..];
        first = false;
    }
    Ok(out)
}

fn be32(b: &[u8], at: usize) -> u32 {
    u32::from_be_bytes([b[at], b[at + 1], b[at + 2], b[at + 3]])
}

fn parse_block(b: &[u8]) -> ReportBlock {
    let lost_raw = be32(b, 4) & 0x00ff_ffff;
    // Sign-extend the 24-bit cumulative loss.
    let cumulative_lost = ((lost_raw << 8) as i32) >> 8;
    ReportBlock {
        ssrc: Ssrc(be32(b, 0)),
        fraction_lost: b[4],
        cumulative_lost,
        highest_seq: be32(b, 8),
        jitter: be32(b, 12),
        last_sr: be32(b, 16),
        delay_since_last_sr: be32(b, 20),
    }
}

/// Writes RTCP packets one after the other into a caller's buffer.
pub(crate) struct RtcpWriter<'a> {
    buf: &'a mut [u8],
    len: usize,
}

impl<'a> RtcpWriter<'a> {
    pub(crate) fn new(buf: &'a mut [u8]) -> Self {
        RtcpWriter { buf, len: 0 }
    }

    pub(crate) fn finish(self) -> usize {
        self.len
    }

    fn put(&mut self, bytes: &[u8]) {
        self.buf[self.len..self.len + bytes.len()].copy_from_slice(bytes);
        self.len += bytes.len();
    }

    fn header(&mut self, count: u8, pt: u8, words_minus_one: u16) {
        self.put(&[0x80 | (count & 0x1f), pt]);
        self.put(&words_minus_one.to_be_bytes());
    }

    /// An SR without report blocks (28 bytes).
    pub(crate) fn sender_report(&mut self, ssrc: Ssrc, info: &SenderInfo) {
        self.header(0, PT_SR, 6);
        self.put(&ssrc.0.to_be_bytes());
        self.put(&info.ntp.0.to_be_bytes());
        self.put(&info.rtp_timestamp.0.to_be_bytes());
        self.put(&info.packet_count.to_be_bytes());
        self.put(&info.octet_count.to_be_bytes());
    }

    /// An SDES with one CNAME chunk; RFC 3550 requires it in every compound packet.
    pub(crate) fn sdes_cname(&mut self, ssrc: Ssrc, cname: &[u8]) {
        let cname = &cname[..cname.len().min(255)];
        // SSRC + type + length + text + at least one zero octet, padded to 32 bits.
        let chunk = 4 + 2 + cname.len();
        let padded = (chunk + 1).div_ceil(4) * 4;
        self.header(1, PT_SDES, (padded / 4) as u16);
        self.put(&ssrc.0.to_be_bytes());
        self.put(&[SDES_CNAME, cname.len() as u8]);
        self.put(cname);
        for _ in chunk..padded {
            self.put(&[0]);
        }
    }

    /// A BYE for one source.
    pub(crate) fn bye(&mut self, ssrc: Ssrc) {
        self.header(1, PT_BYE, 1);
        self.put(&ssrc.0.to_be_bytes());
    }

    /// An RR with one report block (used by tests and peers that only receive).
    pub(crate) fn receiver_report(&mut self, ssrc: Ssrc, block: &ReportBlock) {
        self.header(1, PT_RR, 7);
        self.put(&ssrc.0.to_be_bytes());
        self.put(&block.ssrc.0.to_be_bytes());
        let lost = (block.cumulative_lost.clamp(-0x80_0000, 0x7f_ffff) as u32) & 0x00ff_ffff;
        self.put(&((u32::from(block.fraction_lost) << 24) | lost).to_be_bytes());
        self.put(&block.highest_seq.to_be_bytes());
        self.put(&block.jitter.to_be_bytes());
        self.put(&block.last_sr.to_be_bytes());
        self.put(&block.delay_since_last_sr.to_be_bytes());
    }
}

/// Builds a compound RR + SDES packet into `buf` and returns its length.
///
/// voice-otp itself sends SRs; this exists for peers, tests and tools that only receive.
///
/// # Panics
/// If `buf` is shorter than 48 bytes plus the CNAME (at most 304 bytes in all).
pub fn write_receiver_report(
    buf: &mut [u8],
    ssrc: Ssrc,
    block: &ReportBlock,
    cname: &[u8],
) -> usize {
    let mut w = RtcpWriter::new(buf);
    w.receiver_report(ssrc, block);
    w.sdes_cname(ssrc, cname);
    w.finish()
}
