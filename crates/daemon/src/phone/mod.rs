//! The built-in phone of `voice-otp demo`: a small SIP UAS and RTP endpoint on loopback,
//! made from the project's own crates (the sip crate's parser and SDP, the `rtp` packet
//! types, G.711 from media, RFC 4733 payloads from dtmf).
//!
//! It answers one INVITE (100, 180, then 200 with an SDP answer picking PCMA, else PCMU,
//! and the offered telephone-event type), records the G.711 audio it receives into an
//! 8 kHz track placed by RTP timestamp, presses its keys as RFC 4733 events, answers BYE
//! with 200 and returns what it heard.
//!
//! **When keys are pressed**: like a person would, once the call has said something (at
//! least [`PhoneConfig::speech_before_press`] of sound) and then gone quiet for
//! [`PhoneConfig::quiet_before_press`]. Gaps inside a reading (300 ms between characters,
//! 800 ms between groups, 400 ms between prompts) are shorter than that, so with a replay
//! prompt the keys land in the replay wait, after the first reading was heard in full.
//!
//! Every wait is bounded: no INVITE within [`PhoneConfig::invite_within`] or a call longer
//! than [`PhoneConfig::max_call`] ends [`Phone::run`] with an error.

mod keys;
mod recorder;
mod uas;

use std::net::SocketAddr;
use std::time::{Duration, Instant};

use bytes::Bytes;
use tokio::net::UdpSocket;
use voice_otp_media::G711Law;
use voice_otp_sip::{Codec, SessionDescription, SipMessage, parse_message};
use webrtc_util::marshal::Marshal;

use keys::{KeyPresser, event_code};
use recorder::Recorder;

/// Mean absolute sample level above which a 20 ms frame counts as sound (about -40 dBFS;
/// G.711 silence decodes to a few units).
const SOUND_LEVEL: u32 = 300;
/// First retransmission interval of the 200 until the ACK comes (RFC 3261 T1).
const T1: Duration = Duration::from_millis(500);
/// Largest retransmission interval of the 200 (RFC 3261 T2).
const T2: Duration = Duration::from_secs(4);
/// How often the loop wakes without input (key packets, 200 retransmits, quiet checks).
const TICK: Duration = Duration::from_millis(10);

/// Why the phone could not take its call.
#[derive(Debug, thiserror::Error)]
pub enum PhoneError {
    /// A loopback socket could not be bound.
    #[error("phone: cannot bind {what} on 127.0.0.1: {source}")]
    Bind {
        /// "SIP" or "RTP".
        what: &'static str,
        /// The IO error.
        source: std::io::Error,
    },
    /// A socket failed while the call was running.
    #[error("phone: socket error: {0}")]
    Io(#[from] std::io::Error),
    /// A key in the press list is not a DTMF key.
    #[error("phone: {0:?} is not a DTMF key (0-9, *, #, A-D)")]
    BadKey(char),
    /// No INVITE arrived in time.
    #[error("phone: no INVITE within {0:?}")]
    NoInvite(Duration),
    /// The INVITE offered no G.711 audio (answered 488).
    #[error("phone: the INVITE offered no PCMA or PCMU audio")]
    NoCommonCodec,
    /// The caller did not hang up in time.
    #[error("phone: the call was still up after {0:?}")]
    CallTooLong(Duration),
}

/// How the phone behaves.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PhoneConfig {
    /// Keys to press (0-9, `*`, `#`, A-D), one after another.
    pub press: String,
    /// Ringing between the 180 and the 200.
    pub ring: Duration,
    /// Sound heard before keys may be pressed.
    pub speech_before_press: Duration,
    /// Quiet after the sound before the keys are pressed.
    pub quiet_before_press: Duration,
    /// Give up when no INVITE arrives within this.
    pub invite_within: Duration,
    /// Give up when the call lasts longer than this.
    pub max_call: Duration,
}

impl Default for PhoneConfig {
    fn default() -> Self {
        PhoneConfig {
            press: String::new(),
            ring: Duration::from_millis(300),
            speech_before_press: Duration::from_secs(1),
            quiet_before_press: Duration::from_millis(1500),
            invite_within: Duration::from_secs(20),
            max_call: Duration::from_secs(120),
        }
    }
}

/// What the phone heard and did.
#[derive(Debug, Clone, PartialEq)]
pub struct PhoneReport {
    /// The received audio, 8 kHz mono, silence where nothing arrived.
    pub heard: Vec<i16>,
    /// The codec the phone answered with.
    pub codec: Codec,
    /// The keys sent (at least their start packet), in order.
    pub pressed: String,
    /// RTP audio packets received.
    pub packets_received: u64,
}

/// The phone: bound sockets waiting for one call.
#[derive(Debug)]
pub struct Phone {
    sip: UdpSocket,
    rtp: UdpSocket,
    keys: Vec<u8>,
    config: PhoneConfig,
}

/// The call's state once the INVITE is in.
struct Call {
    invite: SipMessage,
    /// Where the INVITE came from: its responses go there.
    peer: SocketAddr,
    remote_rtp: SocketAddr,
    codec: Codec,
    payload_type: u8,
    event_pt: Option<u8>,
    /// The 200 with SDP (set when sent), its next retransmission and interval.
    ok: Option<(Vec<u8>, Instant, Duration)>,
    answer_at: Instant,
    answered_at: Option<Instant>,
    acked: bool,
}

impl Phone {
    /// Binds the SIP and RTP sockets on 127.0.0.1 (ephemeral ports).
    pub async fn bind(config: PhoneConfig) -> Result<Phone, PhoneError> {
        let keys = config
            .press
            .chars()
            .map(|c| event_code(c).ok_or(PhoneError::BadKey(c)))
            .collect::<Result<Vec<u8>, _>>()?;
        let sip = UdpSocket::bind("127.0.0.1:0")
            .await
            .map_err(|source| PhoneError::Bind {
                what: "SIP",
                source,
            })?;
        let rtp = UdpSocket::bind("127.0.0.1:0")
            .await
            .map_err(|source| PhoneError::Bind {
                what: "RTP",
                source,
            })?;
        Ok(Phone {
            sip,
            rtp,
            keys,
            config,
        })
    }

    /// Where to send the INVITE (the demo's trunk).
    pub fn sip_addr(&self) -> Result<SocketAddr, PhoneError> {
        Ok(self.sip.local_addr()?)
    }

    /// Takes one call: answers it, records it, presses the keys, and returns once the
    /// caller has hung up.
    pub async fn run(self) -> Result<PhoneReport, PhoneError> {
        let Phone {
            sip,
            rtp,
            keys,
            config,
        } = self;
        let started = Instant::now();
        let local_rtp = rtp.local_addr()?;
        let to_tag = format!("phone{:08x}", rand::random::<u32>());
        let ssrc = rand::random::<u32>();
        let ts_base = rand::random::<u32>();
        let mut seq = rand::random::<u16>();

        let mut call: Option<Call> = None;
        let mut recorder: Option<Recorder> = None;
        let mut presser: Option<KeyPresser> = None;
        let mut sound = Duration::ZERO;
        let mut last_sound: Option<Instant> = None;
        let mut packets_received = 0u64;
        let mut keys_started = 0usize;
        let mut sip_buf = vec![0u8; 65_535];
        let mut rtp_buf = vec![0u8; 2048];
        let mut tick = tokio::time::interval(TICK);
        tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);

        loop {
            tokio::select! {
                r = sip.recv_from(&mut sip_buf) => {
                    let (n, from) = r?;
                    // Garbage is not a call; a real phone ignores it too.
                    let Ok(msg) = parse_message(&sip_buf[..n]) else { continue };
                    let Some(method) = msg.method().map(str::to_owned) else { continue };
                    let reply = |code: u16, reason: &str| {
                        uas::response(&msg, code, reason, Some(&to_tag), &[], Bytes::new()).to_bytes()
                    };
                    match method.as_str() {
                        "INVITE" => match &call {
                            None => {
                                let media = SessionDescription::parse(&msg.body)
                                    .ok()
                                    .and_then(|sdp| {
                                        // PCMA whenever offered, whatever the offer's order.
                                        sdp.negotiate(&[Codec::Pcma])
                                            .or_else(|_| sdp.negotiate(&[Codec::Pcmu]))
                                            .ok()
                                    });
                                let Some(media) = media else {
                                    sip.send_to(&reply(488, "Not Acceptable Here"), from).await?;
                                    return Err(PhoneError::NoCommonCodec);
                                };
                                sip.send_to(&reply(100, "Trying"), from).await?;
                                sip.send_to(&reply(180, "Ringing"), from).await?;
                                let law = if media.codec == Codec::Pcmu { G711Law::Ulaw } else { G711Law::Alaw };
                                recorder = Some(Recorder::new(law));
                                call = Some(Call {
                                    invite: msg,
                                    peer: from,
                                    remote_rtp: media.remote_rtp,
                                    codec: media.codec,
                                    payload_type: media.payload_type,
                                    event_pt: media.telephone_event_pt,
                                    ok: None,
                                    answer_at: Instant::now() + config.ring,
                                    answered_at: None,
                                    acked: false,
                                });
                            }
                            // A retransmitted INVITE gets the latest answer again.
                            Some(c) => match &c.ok {
                                Some((ok, _, _)) => { sip.send_to(ok, from).await?; }
                                None => { sip.send_to(&reply(180, "Ringing"), from).await?; }
                            },
                        },
                        "ACK" => {
                            if let Some(c) = call.as_mut() {
                                c.acked = true;
                            }
                        }
                        "BYE" => {
                            sip.send_to(&reply(200, "OK"), from).await?;
                            break;
                        }
                        "CANCEL" => {
                            sip.send_to(&reply(200, "OK"), from).await?;
                            if let Some(c) = call.as_ref().filter(|c| c.answered_at.is_none()) {
                                let terminated = uas::response(&c.invite, 487, "Request Terminated", Some(&to_tag), &[], Bytes::new());
                                sip.send_to(&terminated.to_bytes(), from).await?;
                                break;
                            }
                        }
                        // OPTIONS, INFO, UPDATE without SDP...: acknowledged, nothing to do.
                        _ => { sip.send_to(&reply(200, "OK"), from).await?; }
                    }
                }
                r = rtp.recv_from(&mut rtp_buf) => {
                    let (n, _) = r?;
                    let data = &rtp_buf[..n];
                    let (Some(c), Some(rec)) = (call.as_ref(), recorder.as_mut()) else { continue };
                    let Ok(view) = voice_otp_rtp::parse_rtp(data) else { continue };
                    if view.payload_type.get() != c.payload_type {
                        continue;
                    }
                    packets_received += 1;
                    let payload = &data[view.payload.clone()];
                    if rec.push(view.timestamp.0, payload) >= SOUND_LEVEL {
                        // One byte per sample at 8 kHz.
                        sound += Duration::from_millis(payload.len() as u64 / 8);
                        last_sound = Some(Instant::now());
                    }
                }
                _ = tick.tick() => {}
            }

            let now = Instant::now();
            let Some(c) = call.as_mut() else {
                if now - started > config.invite_within {
                    return Err(PhoneError::NoInvite(config.invite_within));
                }
                continue;
            };
            let dest = c.peer;
            if c.ok.is_none() && now >= c.answer_at {
                let answer = SessionDescription::offer(
                    u64::from(ssrc),
                    local_rtp,
                    &[c.codec],
                    c.event_pt,
                    20,
                );
                let contact = format!("<sip:phone@{}>", sip.local_addr()?);
                let ok = uas::response(
                    &c.invite,
                    200,
                    "OK",
                    Some(&to_tag),
                    &[
                        ("Contact", contact),
                        ("Content-Type", "application/sdp".to_owned()),
                    ],
                    Bytes::from(answer.to_text()),
                )
                .to_bytes();
                sip.send_to(&ok, dest).await?;
                c.ok = Some((ok, now + T1, T1));
                c.answered_at = Some(now);
            }
            if let Some((ok, next, interval)) = c.ok.as_mut()
                && !c.acked
                && now >= *next
            {
                sip.send_to(ok, dest).await?;
                *interval = (*interval * 2).min(T2);
                *next = now + *interval;
            }
            let Some(answered_at) = c.answered_at else {
                continue;
            };
            if now - answered_at > config.max_call {
                return Err(PhoneError::CallTooLong(config.max_call));
            }
            let quiet_long_enough = last_sound
                .is_some_and(|at| now.saturating_duration_since(at) >= config.quiet_before_press);
            if presser.is_none()
                && !keys.is_empty()
                && sound >= config.speech_before_press
                && quiet_long_enough
            {
                let ts_at = |at: Instant| {
                    ts_base.wrapping_add(
                        (at.saturating_duration_since(answered_at).as_millis() as u32)
                            .wrapping_mul(8),
                    )
                };
                presser = Some(KeyPresser::new(&keys, now, ts_at));
            }
            if let (Some(p), Some(pt)) = (presser.as_mut(), c.event_pt) {
                while let Some(event) = p.poll_packet(now) {
                    let packet = rtp::packet::Packet {
                        header: rtp::header::Header {
                            version: 2,
                            marker: event.marker,
                            payload_type: pt,
                            sequence_number: seq,
                            timestamp: event.timestamp,
                            ssrc,
                            ..Default::default()
                        },
                        payload: Bytes::copy_from_slice(&event.payload),
                    };
                    seq = seq.wrapping_add(1);
                    keys_started += usize::from(event.marker);
                    if let Ok(wire) = packet.marshal() {
                        rtp.send_to(&wire, c.remote_rtp).await?;
                    }
                }
            }
        }

        let call = call.ok_or(PhoneError::NoInvite(config.invite_within))?;
        let pressed = config.press.chars().take(keys_started).collect();
        Ok(PhoneReport {
            heard: recorder.map(Recorder::into_samples).unwrap_or_default(),
            codec: call.codec,
            pressed,
            packets_received,
        })
    }
}
