//! The phone's side of one call as a sans-IO state machine: SIP and RTP datagrams and
//! deadlines in, datagrams and one outcome out. It never reads a clock or touches a socket.

use std::collections::VecDeque;
use std::net::SocketAddr;
use std::time::{Duration, Instant};

use bytes::Bytes;
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use voice_otp_dtmf::Digit;
use voice_otp_media::G711Law;
use voice_otp_rtp::{
    PayloadType, RtpTimestamp, SeqNo, SrtpInbound, SrtpOutbound, SrtpSuite, Ssrc, parse_rtp,
};
use voice_otp_sip::{
    Codec, CryptoAttribute, NegotiatedMedia, SAVP, SdesKey, SessionDescription, SipMessage,
    parse_message,
};

use crate::config::{PhoneConfig, PhoneReport};
use crate::error::PhoneError;
use crate::keys::{KeyPresser, parse_keys};
use crate::recorder::Recorder;
use crate::uas;

/// Mean absolute sample level above which a 20 ms frame counts as sound (about -40 dBFS;
/// G.711 silence decodes to a few units).
const SOUND_LEVEL: u32 = 300;
/// First retransmission interval of the 200 until the ACK comes (RFC 3261 T1).
const T1: Duration = Duration::from_millis(500);
/// Largest retransmission interval of the 200 (RFC 3261 T2).
const T2: Duration = Duration::from_secs(4);
/// Packet time written into the SDP answer, in milliseconds.
const PTIME_MS: u32 = 20;
/// RTP clock ticks per millisecond of the G.711 and telephone-event clock (8 kHz).
const TICKS_PER_MS: u32 = 8;

/// Which of the phone's two sockets a [`Transmit`] goes out on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Socket {
    /// The SIP socket (responses to the caller).
    Sip,
    /// The RTP socket (key presses as telephone-events).
    Rtp,
}

/// One datagram for the driver to send.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Transmit {
    /// The socket to send it from.
    pub socket: Socket,
    /// Where to send it.
    pub destination: SocketAddr,
    /// The datagram.
    pub payload: Vec<u8>,
}

/// The phone's own addresses, written into its Contact header and SDP answer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LocalAddrs {
    /// Where the SIP socket is bound.
    pub sip: SocketAddr,
    /// Where the RTP socket is bound.
    pub rtp: SocketAddr,
}

/// The 200 answering the INVITE, resent until the ACK comes (RFC 3261 section 13.3.1.4).
#[derive(Debug)]
struct PendingOk {
    wire: Vec<u8>,
    next: Instant,
    interval: Duration,
}

/// The phone's SRTP for an `RTP/SAVP` offer: the first `a=crypto` line it supports,
/// answered with a fresh key of its own.
#[derive(Debug)]
struct PhoneSrtp {
    /// The line of the answer: the offer's tag and suite, the phone's key.
    answer: CryptoAttribute,
    /// Protects the key presses (the phone's key).
    outbound: SrtpOutbound,
    /// Unprotects the caller's audio (the caller's key).
    inbound: SrtpInbound,
}

/// SRTP for an offer: `Ok(None)` for plain RTP, `Err` for `RTP/SAVP` without a crypto
/// line the phone supports (answered 488, like a phone without SRTP would).
fn srtp_for(body: &[u8]) -> Result<Option<PhoneSrtp>, PhoneError> {
    let sdp = SessionDescription::parse(body).map_err(|_| PhoneError::NoCommonCodec)?;
    let Some(m) = sdp.audio_stream().filter(|m| m.proto == SAVP) else {
        return Ok(None);
    };
    let offered = m.crypto.first().ok_or(PhoneError::NoUsableCrypto)?;
    let suite = SrtpSuite::from_name(offered.suite.name()).ok_or(PhoneError::NoUsableCrypto)?;
    let key = SdesKey::random().map_err(|_| PhoneError::NoUsableCrypto)?;
    let srtp = PhoneSrtp {
        outbound: SrtpOutbound::new(suite, key.as_bytes())
            .map_err(|_| PhoneError::NoUsableCrypto)?,
        inbound: SrtpInbound::new(suite, offered.key.as_bytes())
            .map_err(|_| PhoneError::NoUsableCrypto)?,
        answer: CryptoAttribute {
            tag: offered.tag,
            suite: offered.suite,
            key,
        },
    };
    Ok(Some(srtp))
}

/// The call's state once the INVITE is in.
#[derive(Debug)]
struct Call {
    invite: SipMessage,
    /// Where the INVITE came from: its responses go there.
    peer: SocketAddr,
    remote_rtp: SocketAddr,
    codec: Codec,
    payload_type: PayloadType,
    event_pt: Option<PayloadType>,
    recorder: Recorder,
    /// Set when the 200 is sent.
    ok: Option<PendingOk>,
    answer_at: Instant,
    answered_at: Option<Instant>,
    acked: bool,
    /// Set when the offer was `RTP/SAVP`.
    srtp: Option<PhoneSrtp>,
}

/// The phone's side of one call, sans-IO: answers the INVITE, records the audio, presses
/// the keys and ends on BYE (see the crate docs for the run loop).
#[derive(Debug)]
pub struct PhoneCore {
    config: PhoneConfig,
    keys: Vec<Digit>,
    local: LocalAddrs,
    started: Instant,
    to_tag: String,
    ssrc: Ssrc,
    /// RTP timestamp of the moment of the answer.
    ts_base: RtpTimestamp,
    seq: SeqNo,
    call: Option<Call>,
    presser: Option<KeyPresser>,
    /// Sound heard so far, and when last.
    sound: Duration,
    last_sound: Option<Instant>,
    packets_received: u64,
    keys_started: usize,
    transmits: VecDeque<Transmit>,
    /// Set once the call is over; nothing is handled after that.
    over: bool,
    outcome: Option<Result<PhoneReport, PhoneError>>,
}

/// The agreed audio of an SDP offer: PCMA whenever offered, whatever the offer's order,
/// else PCMU; `None` without either (or with a payload type RTP cannot carry).
fn negotiate(body: &[u8]) -> Option<(NegotiatedMedia, PayloadType)> {
    let sdp = SessionDescription::parse(body).ok()?;
    let media = sdp
        .negotiate(&[Codec::Pcma])
        .or_else(|_| sdp.negotiate(&[Codec::Pcmu]))
        .ok()?;
    let payload_type = PayloadType::new(media.payload_type)?;
    Some((media, payload_type))
}

impl PhoneCore {
    /// A phone waiting for its INVITE from `now`, answering from `local`; `seed` makes its
    /// tag, SSRC, first sequence number and timestamps (random in [`Phone`](crate::Phone)).
    pub fn new(
        config: PhoneConfig,
        local: LocalAddrs,
        seed: u64,
        now: Instant,
    ) -> Result<PhoneCore, PhoneError> {
        let keys = parse_keys(&config.press).map_err(PhoneError::BadKey)?;
        let mut rng = StdRng::seed_from_u64(seed);
        Ok(PhoneCore {
            config,
            keys,
            local,
            started: now,
            to_tag: format!("phone{:08x}", rng.random::<u32>()),
            ssrc: Ssrc(rng.random()),
            ts_base: RtpTimestamp(rng.random()),
            seq: SeqNo(rng.random()),
            call: None,
            presser: None,
            sound: Duration::ZERO,
            last_sound: None,
            packets_received: 0,
            keys_started: 0,
            transmits: VecDeque::new(),
            over: false,
            outcome: None,
        })
    }

    /// Feeds one datagram received on the SIP socket at `now` from `from`. Garbage and
    /// responses are ignored, as a real phone would.
    pub fn handle_sip(&mut self, now: Instant, from: SocketAddr, data: &[u8]) {
        if self.over {
            return;
        }
        let Ok(msg) = parse_message(data) else { return };
        let Some(method) = msg.method().map(str::to_owned) else {
            return;
        };
        match method.as_str() {
            "INVITE" => self.on_invite(now, from, &msg),
            "ACK" => {
                if let Some(c) = self.call.as_mut() {
                    c.acked = true;
                }
            }
            "BYE" => {
                self.reply(&msg, from, 200, "OK");
                self.finish(Ok(()));
            }
            "CANCEL" => self.on_cancel(from, &msg),
            // OPTIONS, INFO, UPDATE without SDP...: acknowledged, nothing to do.
            _ => self.reply(&msg, from, 200, "OK"),
        }
        self.advance(now);
    }

    /// Feeds one datagram received on the RTP socket at `now`: audio of the negotiated
    /// payload type is recorded by its timestamp; anything else is ignored.
    pub fn handle_rtp(&mut self, now: Instant, data: &[u8]) {
        if self.over {
            return;
        }
        let Some(c) = self.call.as_mut() else { return };
        let plain;
        let data = match c.srtp.as_mut().map(|s| s.inbound.unprotect_rtp(data)) {
            None => data,
            Some(Ok(p)) => {
                plain = p;
                &plain[..]
            }
            // Forged, replayed or not SRTP: a phone drops it.
            Some(Err(_)) => return,
        };
        let Ok(view) = parse_rtp(data) else { return };
        if view.payload_type != c.payload_type {
            return;
        }
        self.packets_received += 1;
        let payload = &data[view.payload];
        if c.recorder.push(view.timestamp.0, payload) >= SOUND_LEVEL {
            let ms = payload.len() as u64 / u64::from(TICKS_PER_MS);
            self.sound += Duration::from_millis(ms);
            self.last_sound = Some(now);
        }
        self.advance(now);
    }

    /// Advances time to `now`: the answer after the ring, 200 retransmissions, key
    /// presses, and the give-up deadlines.
    pub fn handle_timeout(&mut self, now: Instant) {
        self.advance(now);
    }

    /// The next datagram to send; call until `None` after each `handle_*`.
    pub fn poll_transmit(&mut self) -> Option<Transmit> {
        self.transmits.pop_front()
    }

    /// When [`handle_timeout`](Self::handle_timeout) is next needed; `None` once the call
    /// is over.
    pub fn poll_timeout(&self) -> Option<Instant> {
        if self.over {
            return None;
        }
        let Some(c) = &self.call else {
            return Some(self.started + self.config.invite_within);
        };
        let mut next = match c.answered_at {
            Some(at) => at + self.config.max_call,
            None => c.answer_at,
        };
        if let Some(ok) = c.ok.as_ref().filter(|_| !c.acked) {
            next = next.min(ok.next);
        }
        if c.answered_at.is_some() && c.event_pt.is_some() {
            let keys_due = match &self.presser {
                Some(p) => p.poll_timeout(),
                None => self.press_due(),
            };
            next = keys_due.map_or(next, |at| next.min(at));
        }
        Some(next)
    }

    /// How the call ended, once: what the phone heard and did after a BYE or CANCEL, or
    /// why it gave up. `None` while the call runs or datagrams are still to be sent
    /// (the final response goes out before the outcome).
    pub fn poll_outcome(&mut self) -> Option<Result<PhoneReport, PhoneError>> {
        if self.transmits.is_empty() {
            self.outcome.take()
        } else {
            None
        }
    }

    fn send(&mut self, socket: Socket, destination: SocketAddr, payload: Vec<u8>) {
        self.transmits.push_back(Transmit {
            socket,
            destination,
            payload,
        });
    }

    /// A response without body to `request`, with the phone's To tag.
    fn reply(&mut self, request: &SipMessage, to: SocketAddr, code: u16, reason: &str) {
        let wire = uas::response(request, code, reason, Some(&self.to_tag), &[], Bytes::new());
        self.send(Socket::Sip, to, wire.to_bytes());
    }

    fn on_invite(&mut self, now: Instant, from: SocketAddr, msg: &SipMessage) {
        if let Some(c) = &self.call {
            // A retransmitted INVITE gets the latest answer again.
            match &c.ok {
                Some(ok) => {
                    let wire = ok.wire.clone();
                    self.send(Socket::Sip, from, wire);
                }
                None => self.reply(msg, from, 180, "Ringing"),
            }
            return;
        }
        let negotiated = negotiate(&msg.body).ok_or(PhoneError::NoCommonCodec);
        let (media, payload_type, srtp) =
            match negotiated.and_then(|(m, pt)| Ok((m, pt, srtp_for(&msg.body)?))) {
                Ok(agreed) => agreed,
                Err(e) => {
                    self.reply(msg, from, 488, "Not Acceptable Here");
                    self.finish(Err(e));
                    return;
                }
            };
        self.reply(msg, from, 100, "Trying");
        self.reply(msg, from, 180, "Ringing");
        let law = match media.codec {
            Codec::Pcmu => G711Law::Ulaw,
            _ => G711Law::Alaw,
        };
        self.call = Some(Call {
            invite: msg.clone(),
            peer: from,
            remote_rtp: media.remote_rtp,
            codec: media.codec,
            payload_type,
            event_pt: media.telephone_event_pt.and_then(PayloadType::new),
            recorder: Recorder::new(law),
            ok: None,
            answer_at: now + self.config.ring,
            answered_at: None,
            acked: false,
            srtp,
        });
    }

    /// CANCEL gets its 200; an INVITE not answered yet also gets its 487 and the call ends.
    fn on_cancel(&mut self, from: SocketAddr, msg: &SipMessage) {
        self.reply(msg, from, 200, "OK");
        let ringing = self.call.as_ref().filter(|c| c.answered_at.is_none());
        if let Some(invite) = ringing.map(|c| c.invite.clone()) {
            self.reply(&invite, from, 487, "Request Terminated");
            self.finish(Ok(()));
        }
    }

    fn advance(&mut self, now: Instant) {
        if self.over {
            return;
        }
        let Some(c) = &self.call else {
            if now >= self.started + self.config.invite_within {
                self.finish(Err(PhoneError::NoInvite(self.config.invite_within)));
            }
            return;
        };
        if c.answered_at
            .is_some_and(|at| now >= at + self.config.max_call)
        {
            self.finish(Err(PhoneError::CallTooLong(self.config.max_call)));
            return;
        }
        self.answer_when_due(now);
        self.resend_ok(now);
        self.press_keys(now);
    }

    /// Sends the 200 with the SDP answer once the ring is over.
    fn answer_when_due(&mut self, now: Instant) {
        let Some(c) = self.call.as_mut() else { return };
        if c.ok.is_some() || now < c.answer_at {
            return;
        }
        let answer = SessionDescription::offer(
            u64::from(self.ssrc.0),
            self.config.media_via.unwrap_or(self.local.rtp),
            &[c.codec],
            c.event_pt.map(PayloadType::get),
            PTIME_MS,
        );
        let answer = match &c.srtp {
            Some(s) => answer.with_srtp(std::slice::from_ref(&s.answer)),
            None => answer,
        };
        let headers = [
            ("Contact", format!("<sip:phone@{}>", self.local.sip)),
            ("Content-Type", "application/sdp".to_owned()),
        ];
        let body = Bytes::from(answer.to_text());
        let ok = uas::response(&c.invite, 200, "OK", Some(&self.to_tag), &headers, body);
        let wire = ok.to_bytes();
        self.transmits.push_back(Transmit {
            socket: Socket::Sip,
            destination: c.peer,
            payload: wire.clone(),
        });
        c.ok = Some(PendingOk {
            wire,
            next: now + T1,
            interval: T1,
        });
        c.answered_at = Some(now);
    }

    /// Resends the 200 until the ACK comes, doubling the interval up to T2.
    fn resend_ok(&mut self, now: Instant) {
        let Some(c) = self.call.as_mut().filter(|c| !c.acked) else {
            return;
        };
        let Some(ok) = c.ok.as_mut().filter(|ok| now >= ok.next) else {
            return;
        };
        self.transmits.push_back(Transmit {
            socket: Socket::Sip,
            destination: c.peer,
            payload: ok.wire.clone(),
        });
        ok.interval = (ok.interval * 2).min(T2);
        ok.next = now + ok.interval;
    }

    /// When the keys are to be pressed: once enough sound was heard, after the quiet that
    /// follows it. `None` without keys or before enough sound.
    fn press_due(&self) -> Option<Instant> {
        if self.keys.is_empty() || self.sound < self.config.speech_before_press {
            return None;
        }
        self.last_sound
            .map(|at| at + self.config.quiet_before_press)
    }

    /// Starts the key presses when due and sends the telephone-event packets due by `now`.
    fn press_keys(&mut self, now: Instant) {
        let Some(c) = &self.call else { return };
        let (Some(answered_at), Some(event_pt)) = (c.answered_at, c.event_pt) else {
            return;
        };
        let remote_rtp = self.config.media_via.unwrap_or(c.remote_rtp);
        if self.presser.is_none() && self.press_due().is_some_and(|at| now >= at) {
            let ts_base = self.ts_base;
            let ts_at = move |at: Instant| {
                let ms = at.saturating_duration_since(answered_at).as_millis() as u32;
                ts_base.wrapping_add(ms.wrapping_mul(TICKS_PER_MS))
            };
            self.presser = Some(KeyPresser::new(&self.keys, now, ts_at));
        }
        let Some(presser) = self.presser.as_mut() else {
            return;
        };
        while let Some(event) = presser.poll_packet(now) {
            let mut payload = event.to_rtp(event_pt, self.seq, self.ssrc);
            if let Some(srtp) = self.call.as_mut().and_then(|c| c.srtp.as_mut()) {
                // A packet that cannot be protected is not sent in clear.
                payload = srtp
                    .outbound
                    .protect_rtp(&payload)
                    .map_or_else(|_| Vec::new(), |p| p.to_vec());
            }
            self.transmits.push_back(Transmit {
                socket: Socket::Rtp,
                destination: remote_rtp,
                payload,
            });
            self.seq = self.seq.next();
            self.keys_started += usize::from(event.marker);
        }
    }

    /// Ends the call: `Ok` turns into the report (an error if no INVITE ever came).
    fn finish(&mut self, result: Result<(), PhoneError>) {
        self.over = true;
        let call = self.call.take();
        self.outcome = Some(result.and_then(|()| {
            let call = call.ok_or(PhoneError::NoInvite(self.config.invite_within))?;
            Ok(PhoneReport {
                heard: call.recorder.into_samples(),
                codec: call.codec,
                pressed: self.config.press.chars().take(self.keys_started).collect(),
                packets_received: self.packets_received,
                srtp: call.srtp.map(|s| s.answer.suite),
            })
        }));
    }
}
