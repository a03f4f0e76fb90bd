//! A small typed SDP (RFC 8866) model: enough for one audio offer/answer, printed and parsed
//! without loss of the lines we do not interpret.

use std::fmt::Write;
use std::net::{IpAddr, SocketAddr};

use crate::error::SipError;
use crate::net::NetworkList;
use crate::sdes::{CryptoAttribute, NegotiatedSrtp, SrtpOffer};

/// The SDP profile of SRTP (RFC 3711 section 12).
pub const SAVP: &str = "RTP/SAVP";
/// The SDP profile of plain RTP.
pub const AVP: &str = "RTP/AVP";

/// Dynamic payload type we offer Opus on.
pub const OPUS_PT: u8 = 111;

/// Audio codecs the daemon can send.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Codec {
    /// G.711 A-law, static payload type 8.
    Pcma,
    /// G.711 u-law, static payload type 0.
    Pcmu,
    /// Opus (RFC 7587), dynamic payload type, 48 kHz clock.
    Opus,
}

impl Codec {
    /// Encoding name as written in `a=rtpmap`.
    pub fn encoding_name(self) -> &'static str {
        match self {
            Codec::Pcma => "PCMA",
            Codec::Pcmu => "PCMU",
            Codec::Opus => "opus",
        }
    }

    /// RTP clock rate.
    pub fn clock_rate(self) -> u32 {
        match self {
            Codec::Pcma | Codec::Pcmu => 8000,
            Codec::Opus => 48000,
        }
    }

    /// Payload type we offer this codec on.
    pub fn default_payload_type(self) -> u8 {
        match self {
            Codec::Pcma => 8,
            Codec::Pcmu => 0,
            Codec::Opus => OPUS_PT,
        }
    }
}

/// Media direction attribute.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Direction {
    /// `a=sendrecv` (the default).
    SendRecv,
    /// `a=sendonly`.
    SendOnly,
    /// `a=recvonly`.
    RecvOnly,
    /// `a=inactive`.
    Inactive,
}

impl Direction {
    fn as_str(self) -> &'static str {
        match self {
            Direction::SendRecv => "sendrecv",
            Direction::SendOnly => "sendonly",
            Direction::RecvOnly => "recvonly",
            Direction::Inactive => "inactive",
        }
    }
}

/// `a=rtpmap:<pt> <name>/<rate>[/<channels>]`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RtpMap {
    /// Payload type.
    pub payload_type: u8,
    /// Encoding name as written.
    pub encoding: String,
    /// Clock rate.
    pub clock_rate: u32,
    /// Channel count if given.
    pub channels: Option<u8>,
}

/// One `m=` section.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MediaDescription {
    /// Media type (`audio`, `video`, ...).
    pub media: String,
    /// Transport port (0 = rejected stream).
    pub port: u16,
    /// Protocol (`RTP/AVP`, ...).
    pub proto: String,
    /// Format list (payload types for RTP), in preference order.
    pub formats: Vec<String>,
    /// Media-level `c=` address.
    pub connection: Option<IpAddr>,
    /// `a=rtpmap` lines.
    pub rtpmaps: Vec<RtpMap>,
    /// `a=fmtp` lines as (payload type, parameters).
    pub fmtps: Vec<(u8, String)>,
    /// `a=ptime` in milliseconds.
    pub ptime: Option<u32>,
    /// Direction attribute if present.
    pub direction: Option<Direction>,
    /// `a=crypto` lines (SDES) of suites we support; others stay in `other_attributes`.
    pub crypto: Vec<CryptoAttribute>,
    /// Other attribute lines (without `a=`), kept for printing.
    pub other_attributes: Vec<String>,
    /// Other non-attribute lines of the section (`b=`, `i=`, ...), whole, kept for printing.
    pub other_lines: Vec<String>,
}

/// A session description.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SessionDescription {
    /// `o=` username.
    pub origin_user: String,
    /// `o=` session id.
    pub session_id: u64,
    /// `o=` session version.
    pub session_version: u64,
    /// `o=` address type (`IP4` or `IP6`).
    pub origin_addr_type: String,
    /// `o=` unicast address (an IP literal or a domain name).
    pub origin_addr: String,
    /// `s=` line.
    pub session_name: String,
    /// Session-level `c=` address.
    pub connection: Option<IpAddr>,
    /// `t=` start and stop.
    pub timing: (u64, u64),
    /// Session-level direction.
    pub direction: Option<Direction>,
    /// Other session-level lines (with their `x=` prefix), kept for printing.
    pub other_lines: Vec<String>,
    /// `m=` sections.
    pub media: Vec<MediaDescription>,
}

fn parse_addr(nettype_addr: &str) -> Result<IpAddr, SipError> {
    let mut it = nettype_addr.split_whitespace();
    let (Some("IN"), Some(kind), Some(addr)) = (it.next(), it.next(), it.next()) else {
        return Err(SipError::Sdp("bad address line"));
    };
    // Multicast TTL suffixes are not for us.
    let addr = addr.split('/').next().unwrap_or(addr);
    let ip: IpAddr = addr.parse().map_err(|_| SipError::Sdp("bad address"))?;
    match (kind, ip) {
        ("IP4", IpAddr::V4(_)) | ("IP6", IpAddr::V6(_)) => Ok(ip),
        _ => Err(SipError::Sdp("address type mismatch")),
    }
}

fn addr_line(ip: IpAddr) -> String {
    match ip {
        IpAddr::V4(v4) => format!("IN IP4 {v4}"),
        IpAddr::V6(v6) => format!("IN IP6 {v6}"),
    }
}

fn parse_direction(a: &str) -> Option<Direction> {
    Some(match a {
        "sendrecv" => Direction::SendRecv,
        "sendonly" => Direction::SendOnly,
        "recvonly" => Direction::RecvOnly,
        "inactive" => Direction::Inactive,
        _ => return None,
    })
}

/// The lines of a description read so far (the parser's state between lines).
#[derive(Default)]
struct Reader {
    seen_v: bool,
    origin: Option<(String, u64, u64, String, String)>,
    session_name: Option<String>,
    connection: Option<IpAddr>,
    timing: Option<(u64, u64)>,
    direction: Option<Direction>,
    other_lines: Vec<String>,
    media: Vec<MediaDescription>,
}

impl Reader {
    /// Takes one non-empty line.
    fn line(&mut self, line: &str) -> Result<(), SipError> {
        let (kind, value) = line
            .split_once('=')
            .ok_or(SipError::Sdp("line without '='"))?;
        if kind.len() != 1 {
            return Err(SipError::Sdp("bad line type"));
        }
        if !self.seen_v {
            if kind != "v" || value != "0" {
                return Err(SipError::Sdp("must start with v=0"));
            }
            self.seen_v = true;
            return Ok(());
        }
        match (kind, self.media.last_mut()) {
            ("o", _) => self.origin = Some(parse_origin(value)?),
            ("s", _) => self.session_name = Some(value.to_owned()),
            ("t", _) => self.timing = Some(parse_timing(value)?),
            ("c", Some(m)) => m.connection = Some(parse_addr(value)?),
            ("c", None) => self.connection = Some(parse_addr(value)?),
            ("m", _) => self.media.push(parse_media_line(value)?),
            ("a", Some(m)) => parse_media_attribute(m, value)?,
            ("a", None) => match parse_direction(value) {
                Some(d) => self.direction = Some(d),
                None => self.other_lines.push(line.to_owned()),
            },
            // b=, i=, k= inside a media section: kept with it.
            (_, Some(m)) => m.other_lines.push(line.to_owned()),
            (_, None) => self.other_lines.push(line.to_owned()),
        }
        Ok(())
    }

    fn finish(self) -> Result<SessionDescription, SipError> {
        if !self.seen_v {
            return Err(SipError::Sdp("empty"));
        }
        let (origin_user, session_id, session_version, origin_addr_type, origin_addr) =
            self.origin.ok_or(SipError::Sdp("missing o= line"))?;
        Ok(SessionDescription {
            origin_user,
            session_id,
            session_version,
            origin_addr_type,
            origin_addr,
            session_name: self.session_name.ok_or(SipError::Sdp("missing s= line"))?,
            connection: self.connection,
            timing: self.timing.unwrap_or((0, 0)),
            direction: self.direction,
            other_lines: self.other_lines,
            media: self.media,
        })
    }
}

/// `o=<user> <id> <version> IN <addrtype> <address>`.
fn parse_origin(value: &str) -> Result<(String, u64, u64, String, String), SipError> {
    let f: Vec<&str> = value.split_whitespace().collect();
    if f.len() != 6 {
        return Err(SipError::Sdp("bad o= line"));
    }
    let id = f[1].parse().map_err(|_| SipError::Sdp("bad session id"))?;
    let ver = f[2]
        .parse()
        .map_err(|_| SipError::Sdp("bad session version"))?;
    if f[3] != "IN" {
        return Err(SipError::Sdp("bad o= network type"));
    }
    Ok((f[0].to_owned(), id, ver, f[4].to_owned(), f[5].to_owned()))
}

/// `t=<start> <stop>`.
fn parse_timing(value: &str) -> Result<(u64, u64), SipError> {
    let mut it = value.split_whitespace();
    let a = it.next().and_then(|x| x.parse().ok());
    let b = it.next().and_then(|x| x.parse().ok());
    match (a, b) {
        (Some(a), Some(b)) => Ok((a, b)),
        _ => Err(SipError::Sdp("bad t= line")),
    }
}

/// `m=<media> <port>[/<count>] <proto> <fmt>...`.
fn parse_media_line(value: &str) -> Result<MediaDescription, SipError> {
    let f: Vec<&str> = value.split_whitespace().collect();
    if f.len() < 3 {
        return Err(SipError::Sdp("bad m= line"));
    }
    let port = f[1]
        .split('/')
        .next()
        .and_then(|p| p.parse().ok())
        .ok_or(SipError::Sdp("bad m= port"))?;
    Ok(MediaDescription {
        media: f[0].to_owned(),
        port,
        proto: f[2].to_owned(),
        formats: f[3..].iter().map(|s| (*s).to_owned()).collect(),
        connection: None,
        rtpmaps: Vec::new(),
        fmtps: Vec::new(),
        ptime: None,
        direction: None,
        crypto: Vec::new(),
        other_attributes: Vec::new(),
        other_lines: Vec::new(),
    })
}

impl SessionDescription {
    /// Parses SDP text; errors on anything structurally wrong, never panics.
    pub fn parse(data: &[u8]) -> Result<Self, SipError> {
        let text = std::str::from_utf8(data).map_err(|_| SipError::Sdp("not UTF-8"))?;
        let mut reader = Reader::default();
        for raw in text.split('\n') {
            let line = raw.strip_suffix('\r').unwrap_or(raw);
            if !line.is_empty() {
                reader.line(line)?;
            }
        }
        reader.finish()
    }

    /// Prints the description with CRLF line ends.
    ///
    /// A description with `a=crypto` keys is written once into a buffer of its exact length
    /// (measured by a first pass): growing a `String` would leave copies of a key in freed
    /// memory. (Callers holding the text of an offer with keys keep it in a `Zeroizing`
    /// wrapper.) Without keys there is nothing to leave behind, and one pass into a buffer
    /// sized for a usual description is enough: plain calls do not pay for SRTP.
    pub fn to_text(&self) -> String {
        let keyed = self.media.iter().any(|m| !m.crypto.is_empty());
        let capacity = if keyed {
            let mut len = Counter(0);
            let _ = self.write_text(&mut len);
            len.0
        } else {
            PLAIN_TEXT_CAPACITY
        };
        let mut s = String::with_capacity(capacity);
        let _ = self.write_text(&mut s);
        s
    }

    fn write_text(&self, s: &mut impl Write) -> std::fmt::Result {
        write!(
            s,
            "v=0\r\no={} {} {} IN {} {}\r\ns={}\r\n",
            self.origin_user,
            self.session_id,
            self.session_version,
            self.origin_addr_type,
            self.origin_addr,
            self.session_name
        )?;
        if let Some(c) = self.connection {
            write!(s, "c={}\r\n", addr_line(c))?;
        }
        write!(s, "t={} {}\r\n", self.timing.0, self.timing.1)?;
        for l in &self.other_lines {
            write!(s, "{l}\r\n")?;
        }
        if let Some(d) = self.direction {
            write!(s, "a={}\r\n", d.as_str())?;
        }
        for m in &self.media {
            write!(s, "m={} {} {}", m.media, m.port, m.proto)?;
            for f in &m.formats {
                write!(s, " {f}")?;
            }
            s.write_str("\r\n")?;
            for l in &m.other_lines {
                write!(s, "{l}\r\n")?;
            }
            if let Some(c) = m.connection {
                write!(s, "c={}\r\n", addr_line(c))?;
            }
            for r in &m.rtpmaps {
                write!(
                    s,
                    "a=rtpmap:{} {}/{}",
                    r.payload_type, r.encoding, r.clock_rate
                )?;
                if let Some(ch) = r.channels {
                    write!(s, "/{ch}")?;
                }
                s.write_str("\r\n")?;
            }
            for (pt, p) in &m.fmtps {
                write!(s, "a=fmtp:{pt} {p}\r\n")?;
            }
            if let Some(p) = m.ptime {
                write!(s, "a=ptime:{p}\r\n")?;
            }
            for c in &m.crypto {
                write!(s, "a={}\r\n", c.to_attribute().as_str())?;
            }
            for l in &m.other_attributes {
                write!(s, "a={l}\r\n")?;
            }
            if let Some(d) = m.direction {
                write!(s, "a={}\r\n", d.as_str())?;
            }
        }
        Ok(())
    }

    /// Our audio offer: one m-line with `codecs` in preference order, plus
    /// `telephone-event/8000` on `telephone_event_pt` if given.
    pub fn offer(
        session_id: u64,
        rtp: SocketAddr,
        codecs: &[Codec],
        telephone_event_pt: Option<u8>,
        ptime: u32,
    ) -> Self {
        let mut formats = Vec::new();
        let mut rtpmaps = Vec::new();
        let mut fmtps = Vec::new();
        for &c in codecs {
            let pt = c.default_payload_type();
            formats.push(pt.to_string());
            rtpmaps.push(RtpMap {
                payload_type: pt,
                encoding: c.encoding_name().to_owned(),
                clock_rate: c.clock_rate(),
                channels: (c == Codec::Opus).then_some(2),
            });
            if c == Codec::Opus {
                fmtps.push((pt, "useinbandfec=1; stereo=0".to_owned()));
            }
        }
        if let Some(pt) = telephone_event_pt {
            formats.push(pt.to_string());
            rtpmaps.push(RtpMap {
                payload_type: pt,
                encoding: "telephone-event".to_owned(),
                clock_rate: 8000,
                channels: None,
            });
            fmtps.push((pt, "0-16".to_owned()));
        }
        SessionDescription {
            origin_user: "voice-otp".to_owned(),
            session_id,
            session_version: session_id,
            origin_addr_type: if rtp.is_ipv4() { "IP4" } else { "IP6" }.to_owned(),
            origin_addr: rtp.ip().to_string(),
            session_name: "voice-otp".to_owned(),
            connection: Some(rtp.ip()),
            timing: (0, 0),
            direction: None,
            other_lines: Vec::new(),
            media: vec![MediaDescription {
                media: "audio".to_owned(),
                port: rtp.port(),
                proto: "RTP/AVP".to_owned(),
                formats,
                connection: None,
                rtpmaps,
                fmtps,
                ptime: Some(ptime),
                direction: Some(Direction::SendRecv),
                crypto: Vec::new(),
                other_attributes: Vec::new(),
                other_lines: Vec::new(),
            }],
        }
    }

    /// The same description offering SRTP: its audio streams become `RTP/SAVP` with the
    /// `crypto` lines (SDES keys).
    pub fn with_srtp(mut self, crypto: &[CryptoAttribute]) -> Self {
        for m in self.media.iter_mut().filter(|m| m.media == "audio") {
            m.proto = SAVP.to_owned();
            m.crypto = crypto.to_vec();
        }
        self
    }

    /// The first usable audio stream: an RTP profile on a port that is not 0.
    pub fn audio_stream(&self) -> Option<&MediaDescription> {
        self.media
            .iter()
            .find(|m| m.media == "audio" && m.port != 0 && m.proto.starts_with("RTP/"))
    }

    /// [`negotiate`](Self::negotiate), and SRTP if we offered it: an `RTP/SAVP` answer must
    /// accept one of our `a=crypto` lines (same tag and suite) with its own key; a plain
    /// `RTP/AVP` answer is taken only when SRTP is not required; any other answer fails.
    pub fn negotiate_with_srtp(
        &self,
        offered: &[Codec],
        srtp: Option<&SrtpOffer>,
    ) -> Result<NegotiatedMedia, NegotiationError> {
        let mut media = self.negotiate(offered)?;
        let (Some(offer), Some(m)) = (srtp, self.audio_stream()) else {
            return Ok(media);
        };
        if m.proto == SAVP {
            let (ours, theirs) = m
                .crypto
                .iter()
                .find_map(|c| {
                    let ours = offer
                        .crypto
                        .iter()
                        .find(|o| o.tag == c.tag && o.suite == c.suite)?;
                    Some((ours, c))
                })
                .ok_or(NegotiationError::NoUsableCrypto)?;
            media.srtp = Some(NegotiatedSrtp {
                suite: ours.suite,
                local: ours.key.clone(),
                remote: theirs.key.clone(),
            });
            return Ok(media);
        }
        match (offer.required, m.proto == AVP) {
            (true, _) => Err(NegotiationError::SrtpRequired),
            (false, true) => Ok(media),
            (false, false) => Err(NegotiationError::NoUsableCrypto),
        }
    }

    /// The far end's new offer inside a call whose media is SRTP (a re-INVITE or UPDATE,
    /// RFC 4568 section 7.1.4): the stream must stay `RTP/SAVP` with a line of the suite in
    /// use, whose key becomes the far end's (it may have changed); ours stays. Returns the
    /// media and that line's tag, which our answer repeats. An offer in clear or without
    /// that suite is refused: the call never drops to plain RTP mid-way.
    pub fn negotiate_srtp_reoffer(
        &self,
        offered: &[Codec],
        current: &NegotiatedSrtp,
    ) -> Result<(NegotiatedMedia, u32), NegotiationError> {
        let mut media = self.negotiate(offered)?;
        let m = self.audio_stream().ok_or(NegotiationError::NoAudioStream)?;
        if m.proto != SAVP {
            return Err(NegotiationError::SrtpRequired);
        }
        let line = m
            .crypto
            .iter()
            .find(|c| c.suite == current.suite)
            .ok_or(NegotiationError::NoUsableCrypto)?;
        media.srtp = Some(NegotiatedSrtp {
            suite: current.suite,
            local: current.local.clone(),
            remote: line.key.clone(),
        });
        Ok((media, line.tag))
    }

    /// Picks the media from an answer to `offered`: the first usable audio stream, the
    /// answerer's first codec that we offered, and telephone-event if present.
    pub fn negotiate(&self, offered: &[Codec]) -> Result<NegotiatedMedia, NegotiationError> {
        let m = self.audio_stream().ok_or(NegotiationError::NoAudioStream)?;
        let ip = m
            .connection
            .or(self.connection)
            .ok_or(NegotiationError::NoConnectionAddress)?;
        let mut chosen = None;
        for f in &m.formats {
            let Ok(pt) = f.parse::<u8>() else { continue };
            let codec = match m.rtpmaps.iter().find(|r| r.payload_type == pt) {
                Some(r) => offered.iter().copied().find(|c| {
                    c.encoding_name().eq_ignore_ascii_case(&r.encoding)
                        && c.clock_rate() == r.clock_rate
                }),
                None => offered
                    .iter()
                    .copied()
                    .find(|c| c != &Codec::Opus && c.default_payload_type() == pt),
            };
            if let Some(c) = codec {
                chosen = Some((c, pt));
                break;
            }
        }
        let (codec, payload_type) = chosen.ok_or(NegotiationError::NoCommonCodec)?;
        let telephone_event_pt = m
            .rtpmaps
            .iter()
            .find(|r| r.encoding.eq_ignore_ascii_case("telephone-event") && r.clock_rate == 8000)
            .map(|r| r.payload_type);
        Ok(NegotiatedMedia {
            remote_rtp: SocketAddr::new(ip, m.port),
            codec,
            payload_type,
            telephone_event_pt,
            ptime: m.ptime.filter(|p| (10..=120).contains(p)).unwrap_or(20),
            direction: m
                .direction
                .or(self.direction)
                .unwrap_or(Direction::SendRecv),
            srtp: None,
        })
    }
}

fn parse_media_attribute(m: &mut MediaDescription, value: &str) -> Result<(), SipError> {
    if let Some(rest) = value.strip_prefix("rtpmap:") {
        let (pt, enc) = rest.split_once(' ').ok_or(SipError::Sdp("bad rtpmap"))?;
        let payload_type = pt
            .trim()
            .parse()
            .map_err(|_| SipError::Sdp("bad rtpmap pt"))?;
        let mut it = enc.trim().split('/');
        let encoding = it.next().unwrap_or("").to_owned();
        let clock_rate = it
            .next()
            .and_then(|r| r.parse().ok())
            .ok_or(SipError::Sdp("bad rtpmap rate"))?;
        let channels = match it.next() {
            Some(c) => Some(
                c.parse()
                    .map_err(|_| SipError::Sdp("bad rtpmap channels"))?,
            ),
            None => None,
        };
        if encoding.is_empty() {
            return Err(SipError::Sdp("bad rtpmap name"));
        }
        m.rtpmaps.push(RtpMap {
            payload_type,
            encoding,
            clock_rate,
            channels,
        });
    } else if let Some(rest) = value.strip_prefix("fmtp:") {
        let (pt, params) = rest.split_once(' ').unwrap_or((rest, ""));
        let pt = pt
            .trim()
            .parse()
            .map_err(|_| SipError::Sdp("bad fmtp pt"))?;
        m.fmtps.push((pt, params.trim().to_owned()));
    } else if let Some(rest) = value.strip_prefix("ptime:") {
        m.ptime = Some(
            rest.trim()
                .parse()
                .map_err(|_| SipError::Sdp("bad ptime"))?,
        );
    } else if let Some(d) = parse_direction(value) {
        m.direction = Some(d);
    } else if let Some(Some(c)) = value
        .strip_prefix("crypto:")
        .map(CryptoAttribute::parse)
        .transpose()?
    {
        m.crypto.push(c);
    } else {
        m.other_attributes.push(value.to_owned());
    }
    Ok(())
}

/// Why an answer could not be used. The text is what a CDR's disconnect reason says.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum NegotiationError {
    /// The answer has no SDP body, or it does not parse.
    #[error("No SDP answer")]
    NoAnswer,
    /// No active RTP audio stream in the answer.
    #[error("No audio stream in the SDP answer")]
    NoAudioStream,
    /// Neither the media nor the session has a `c=` line.
    #[error("No connection address in the SDP answer")]
    NoConnectionAddress,
    /// None of the answered formats is one we offered.
    #[error("No common codec")]
    NoCommonCodec,
    /// We offered SRTP with `[rtp] srtp = "required"` and the answer has none.
    #[error("The far end answered without SRTP, and [rtp] srtp is required")]
    SrtpRequired,
    /// The answer is neither `RTP/SAVP` accepting one of our `a=crypto` lines, nor plain
    /// `RTP/AVP`.
    #[error("The SDP answer accepts none of the offered SRTP keys (a=crypto)")]
    NoUsableCrypto,
    /// The `c=` address is one media must not be sent to ([`check_media_address`]).
    #[error(transparent)]
    UnusableAddress(#[from] MediaAddressError),
}

/// Why the far end's media (`c=`) address is refused: RTP sent there would reach no one, or
/// everyone on a network, or a host that is not where callees' media comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum MediaAddressError {
    /// `0.0.0.0` or `::`.
    #[error("Far end media address {0} is unspecified")]
    Unspecified(IpAddr),
    /// An IPv4 or IPv6 multicast group.
    #[error("Far end media address {0} is multicast")]
    Multicast(IpAddr),
    /// The limited broadcast address `255.255.255.255`.
    #[error("Far end media address {0} is broadcast")]
    Broadcast(IpAddr),
    /// Not in `[rtp] peer-networks`.
    #[error("Far end media address {0} is outside [rtp] peer-networks")]
    OutsidePeerNetworks(IpAddr),
}

/// The one media address policy, applied to every answer and to every re-INVITE or UPDATE
/// that moves the media: RTP goes only to a unicast address inside `peers`. An IPv4-mapped
/// IPv6 address is judged as the IPv4 address it carries.
///
/// ```
/// use voice_otp_sip::{MediaAddressError, NetworkList, check_media_address};
///
/// let any = NetworkList::any();
/// assert!(check_media_address("192.0.2.7".parse().unwrap(), &any).is_ok());
/// let group = "224.0.0.1".parse().unwrap();
/// assert_eq!(check_media_address(group, &any), Err(MediaAddressError::Multicast(group)));
/// ```
pub fn check_media_address(ip: IpAddr, peers: &NetworkList) -> Result<(), MediaAddressError> {
    let ip = ip.to_canonical();
    if ip.is_unspecified() {
        return Err(MediaAddressError::Unspecified(ip));
    }
    if ip.is_multicast() {
        return Err(MediaAddressError::Multicast(ip));
    }
    if let IpAddr::V4(v4) = ip
        && v4.is_broadcast()
    {
        return Err(MediaAddressError::Broadcast(ip));
    }
    if !peers.contains(ip) {
        return Err(MediaAddressError::OutsidePeerNetworks(ip));
    }
    Ok(())
}

/// What both ends agreed on for the audio stream.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NegotiatedMedia {
    /// Where to send RTP.
    pub remote_rtp: SocketAddr,
    /// Codec to send.
    pub codec: Codec,
    /// Payload type of that codec in this session.
    pub payload_type: u8,
    /// Payload type of `telephone-event/8000`, if the far end accepted it.
    pub telephone_event_pt: Option<u8>,
    /// Packet duration in milliseconds.
    pub ptime: u32,
    /// Direction as seen from the far end.
    pub direction: Direction,
    /// The SRTP keys, when the stream is encrypted.
    pub srtp: Option<NegotiatedSrtp>,
}

/// Room for a description without keys (ours are about 250 bytes with G.711, Opus and
/// telephone-event); a longer one just grows.
const PLAIN_TEXT_CAPACITY: usize = 512;

/// Counts the bytes written through it (to size [`SessionDescription::to_text`]'s buffer).
struct Counter(usize);

impl Write for Counter {
    fn write_str(&mut self, s: &str) -> std::fmt::Result {
        self.0 += s.len();
        Ok(())
    }
}
