//! SRTP and SRTCP (RFC 3711) for a stream whose keys came by SDES (RFC 4568): protect what
//! we send with our key, unprotect what the far end sends with its key, with a replay window.
//!
//! The cryptography is `webrtc-srtp`'s (AES counter mode and HMAC-SHA1); this module only
//! checks lengths the crate would index past, names the suites as SDP does, and turns the
//! crate's errors into [`RtpError`]s. The crate returns each protected or unprotected packet
//! in a fresh buffer: one small allocation per packet, which its API does not let us avoid.

use bytes::Bytes;
use rtp::header::Header;
use webrtc_srtp::context::Context;
use webrtc_srtp::option::{srtcp_replay_protection, srtp_replay_protection};
use webrtc_srtp::protection_profile::ProtectionProfile;
use webrtc_util::marshal::{MarshalSize, Unmarshal};
use zeroize::Zeroizing;

use crate::error::RtpError;

/// Bytes of an SDES master key and salt together (128-bit key, 112-bit salt).
pub const SRTP_MASTER_LEN: usize = 30;

/// Packets behind the newest one that may still arrive late (RFC 3711 section 3.3.2 asks
/// for at least 64); a packet seen before, or older than the window, is refused.
const REPLAY_WINDOW: usize = 128;

/// The RTCP common header and sender SSRC the crate reads before it checks the length.
const RTCP_FIXED: usize = 8;
/// The SRTCP index with its E flag, after the encrypted RTCP.
const SRTCP_INDEX_LEN: usize = 4;

/// An SRTP crypto suite, as named in an SDP `a=crypto` line.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum SrtpSuite {
    /// `AES_CM_128_HMAC_SHA1_80`: 80-bit authentication tag on RTP (the default of RFC 4568).
    Aes128CmHmacSha1_80,
    /// `AES_CM_128_HMAC_SHA1_32`: 32-bit tag on RTP (80-bit on RTCP), for thin links.
    Aes128CmHmacSha1_32,
}

impl SrtpSuite {
    /// Every suite, in our order of preference.
    pub const ALL: [SrtpSuite; 2] = [
        SrtpSuite::Aes128CmHmacSha1_80,
        SrtpSuite::Aes128CmHmacSha1_32,
    ];

    /// The name in SDP.
    pub fn name(self) -> &'static str {
        match self {
            SrtpSuite::Aes128CmHmacSha1_80 => "AES_CM_128_HMAC_SHA1_80",
            SrtpSuite::Aes128CmHmacSha1_32 => "AES_CM_128_HMAC_SHA1_32",
        }
    }

    /// The suite an SDP name stands for, `None` for one we do not support.
    pub fn from_name(name: &str) -> Option<SrtpSuite> {
        SrtpSuite::ALL.into_iter().find(|s| s.name() == name)
    }

    /// Bytes the suite adds to each RTP packet (its authentication tag).
    pub fn rtp_overhead(self) -> usize {
        self.profile().rtp_auth_tag_len()
    }

    fn profile(self) -> ProtectionProfile {
        match self {
            SrtpSuite::Aes128CmHmacSha1_80 => ProtectionProfile::Aes128CmHmacSha1_80,
            SrtpSuite::Aes128CmHmacSha1_32 => ProtectionProfile::Aes128CmHmacSha1_32,
        }
    }

    fn rtcp_tag_len(self) -> usize {
        self.profile().rtcp_auth_tag_len()
    }
}

/// The RTP header of `packet`, if the crate will find the payload where it starts.
///
/// The crate encrypts and decrypts from the header's re-marshalled size on, which for odd
/// header extensions (one-byte elements with padding) differs from the bytes on the wire:
/// such a packet would not round-trip, so it is refused rather than garbled.
fn header_of(packet: &[u8]) -> Option<Header> {
    let mut rest = packet;
    let header = Header::unmarshal(&mut rest).ok()?;
    (header.marshal_size() == packet.len() - rest.len()).then_some(header)
}

/// Builds a context for one direction from a 30-byte master key and salt.
fn context(suite: SrtpSuite, master: &[u8], replay: bool) -> Result<Context, RtpError> {
    if master.len() != SRTP_MASTER_LEN {
        return Err(RtpError::SrtpKey);
    }
    let profile = suite.profile();
    let (key, salt) = master.split_at(profile.key_len());
    let (rtp, rtcp) = if replay {
        (
            Some(srtp_replay_protection(REPLAY_WINDOW)),
            Some(srtcp_replay_protection(REPLAY_WINDOW)),
        )
    } else {
        (None, None)
    };
    Context::new(key, salt, profile, rtp, rtcp).map_err(|_| RtpError::SrtpKey)
}

/// Protects what a stream sends, with our master key (sans-IO).
pub struct SrtpOutbound {
    suite: SrtpSuite,
    context: Context,
}

impl SrtpOutbound {
    /// A context for our `master` key and salt (30 bytes); the caller zeroizes its copy.
    pub fn new(suite: SrtpSuite, master: &[u8]) -> Result<Self, RtpError> {
        Ok(SrtpOutbound {
            suite,
            context: context(suite, master, false)?,
        })
    }

    /// The RTP packet `packet` encrypted and authenticated.
    pub fn protect_rtp(&mut self, packet: &[u8]) -> Result<Bytes, RtpError> {
        let header = header_of(packet).ok_or(RtpError::MalformedRtp)?;
        self.context
            .encrypt_rtp_with_header(packet, &header)
            .map_err(|_| RtpError::MalformedRtp)
    }

    /// An RTP or RTCP packet of the sender protected, as its kind says.
    pub(crate) fn protect(
        &mut self,
        kind: crate::sender::TransmitKind,
        packet: &[u8],
    ) -> Result<Bytes, RtpError> {
        match kind {
            crate::sender::TransmitKind::Rtp => self.protect_rtp(packet),
            crate::sender::TransmitKind::Rtcp => self.protect_rtcp(packet),
        }
    }

    /// The RTCP compound packet `packet` encrypted and authenticated (with its SRTCP index).
    pub fn protect_rtcp(&mut self, packet: &[u8]) -> Result<Bytes, RtpError> {
        if packet.len() < RTCP_FIXED {
            return Err(RtpError::MalformedRtcp);
        }
        self.context
            .encrypt_rtcp(packet)
            .map_err(|_| RtpError::MalformedRtcp)
    }
}

impl std::fmt::Debug for SrtpOutbound {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // Never the keys.
        f.debug_struct("SrtpOutbound")
            .field("suite", &self.suite)
            .finish_non_exhaustive()
    }
}

/// Unprotects what the far end sends, with its master key, refusing replays (sans-IO).
pub struct SrtpInbound {
    suite: SrtpSuite,
    context: Context,
}

impl SrtpInbound {
    /// A context for the far end's `master` key and salt (30 bytes).
    pub fn new(suite: SrtpSuite, master: &[u8]) -> Result<Self, RtpError> {
        Ok(SrtpInbound {
            suite,
            context: context(suite, master, true)?,
        })
    }

    /// The plain RTP packet inside `packet`; [`RtpError::SrtpReplay`] for one seen before,
    /// [`RtpError::SrtpAuth`] for one that does not authenticate.
    pub fn unprotect_rtp(&mut self, packet: &[u8]) -> Result<Bytes, RtpError> {
        let header = header_of(packet).ok_or(RtpError::SrtpAuth)?;
        self.context
            .decrypt_rtp_with_header(packet, &header)
            .map_err(|e| match e {
                webrtc_srtp::Error::SrtpSsrcDuplicated(..) => RtpError::SrtpReplay,
                _ => RtpError::SrtpAuth,
            })
    }

    /// The plain RTCP compound packet inside the SRTCP packet `packet`.
    pub fn unprotect_rtcp(&mut self, packet: &[u8]) -> Result<Bytes, RtpError> {
        // The crate reads the sender SSRC and the trailing index before checking the length.
        if packet.len() < RTCP_FIXED + SRTCP_INDEX_LEN + self.suite.rtcp_tag_len() {
            return Err(RtpError::SrtpAuth);
        }
        self.context.decrypt_rtcp(packet).map_err(|e| match e {
            webrtc_srtp::Error::SrtcpSsrcDuplicated(..) => RtpError::SrtpReplay,
            _ => RtpError::SrtpAuth,
        })
    }
}

impl std::fmt::Debug for SrtpInbound {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SrtpInbound")
            .field("suite", &self.suite)
            .finish_non_exhaustive()
    }
}

/// Both directions of one SRTP stream, for [`StreamConfig::srtp`](crate::StreamConfig).
pub struct SrtpStream {
    /// The suite of both directions.
    pub(crate) suite: SrtpSuite,
    /// The far end's master key and salt, kept (zeroized on drop) so that a re-INVITE
    /// repeating it is told apart from one that changes it.
    pub(crate) remote: Zeroizing<[u8; SRTP_MASTER_LEN]>,
    /// Protects what we send, RTP and RTCP (our key, offered in our SDP).
    pub(crate) outbound: SrtpOutbound,
    /// Unprotects the far end's RTP (its key, from its SDP), in the receiver.
    pub(crate) inbound_rtp: SrtpInbound,
    /// Unprotects the far end's RTCP: the same key, read on the other socket.
    pub(crate) inbound_rtcp: SrtpInbound,
}

impl std::fmt::Debug for SrtpStream {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // No key byte: only the suite.
        f.debug_struct("SrtpStream")
            .field("suite", &self.suite)
            .finish_non_exhaustive()
    }
}

impl SrtpStream {
    /// Contexts for `suite` from our master key and the far end's (30 bytes each); the
    /// caller zeroizes its copies.
    pub fn new(suite: SrtpSuite, local: &[u8], remote: &[u8]) -> Result<Self, RtpError> {
        let mut kept = Zeroizing::new([0u8; SRTP_MASTER_LEN]);
        kept.copy_from_slice(remote.get(..SRTP_MASTER_LEN).ok_or(RtpError::SrtpKey)?);
        Ok(SrtpStream {
            suite,
            remote: kept,
            outbound: SrtpOutbound::new(suite, local)?,
            inbound_rtp: SrtpInbound::new(suite, remote)?,
            inbound_rtcp: SrtpInbound::new(suite, remote)?,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const KEY_A: [u8; 30] = [7; 30];
    const KEY_B: [u8; 30] = [9; 30];

    fn rtp(seq: u16) -> Vec<u8> {
        let mut p = vec![0x80, 8];
        p.extend_from_slice(&seq.to_be_bytes());
        p.extend_from_slice(&(u32::from(seq) * 160).to_be_bytes());
        p.extend_from_slice(&0x1234_5678u32.to_be_bytes());
        p.extend_from_slice(&[0xd5; 160]);
        p
    }

    #[test]
    fn suites_by_name_and_their_tags() {
        for s in SrtpSuite::ALL {
            assert_eq!(SrtpSuite::from_name(s.name()), Some(s));
        }
        assert_eq!(SrtpSuite::from_name("F8_128_HMAC_SHA1_80"), None);
        assert_eq!(SrtpSuite::Aes128CmHmacSha1_80.rtp_overhead(), 10);
        assert_eq!(SrtpSuite::Aes128CmHmacSha1_32.rtp_overhead(), 4);
    }

    #[test]
    fn the_aes_key_schedules_of_the_contexts_are_wiped_on_drop() {
        // webrtc-srtp builds an AES-128 key schedule from our keys in key derivation and
        // for every packet; with `aes`'s `zeroize` feature each one is wiped when dropped.
        fn wiped_on_drop<T: zeroize::ZeroizeOnDrop>() {}
        wiped_on_drop::<aes::Aes128>();
    }

    #[test]
    fn a_key_of_the_wrong_length_is_refused() {
        let suite = SrtpSuite::Aes128CmHmacSha1_80;
        assert!(matches!(
            SrtpOutbound::new(suite, &KEY_A[..29]),
            Err(RtpError::SrtpKey)
        ));
    }

    #[test]
    fn short_or_forged_packets_are_errors_not_panics() {
        let mut inbound = SrtpInbound::new(SrtpSuite::Aes128CmHmacSha1_80, &KEY_A).unwrap();
        for len in 0..40 {
            let junk = vec![0x80; len];
            assert!(inbound.unprotect_rtp(&junk).is_err());
            assert!(inbound.unprotect_rtcp(&junk).is_err());
        }
        let mut outbound = SrtpOutbound::new(SrtpSuite::Aes128CmHmacSha1_80, &KEY_B).unwrap();
        let other_key = outbound.protect_rtp(&rtp(1)).unwrap();
        assert!(matches!(
            inbound.unprotect_rtp(&other_key),
            Err(RtpError::SrtpAuth)
        ));
        assert!(outbound.protect_rtcp(&[0x80, 200, 0]).is_err());
    }
}
