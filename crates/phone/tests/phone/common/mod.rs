//! A virtual-time bench: the phone's sans-IO core called by the project's own sans-IO SIP
//! user agent (the daemon's caller side), every datagram handed across by hand and time
//! stepped straight to the next deadline of either side, so a minute of call runs in
//! microseconds.
#![allow(dead_code)]

use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::time::{Duration, Instant};

use voice_otp_media::G711Law;
use voice_otp_phone::{LocalAddrs, PhoneConfig, PhoneCore, PhoneError, PhoneReport, Socket};
use voice_otp_sip::{
    CallKey, CallRequest, MediaOffer, SipEvent, SipMessage, Timers, Transport, TrunkTarget,
    UaConfig, UserAgent, parse_message,
};

/// The phone's sockets.
pub(crate) const PHONE: LocalAddrs = LocalAddrs {
    sip: SocketAddr::new(IpAddr::V4(Ipv4Addr::LOCALHOST), 5070),
    rtp: SocketAddr::new(IpAddr::V4(Ipv4Addr::LOCALHOST), 40_000),
};

/// The caller's SIP and RTP addresses.
pub(crate) fn caller_sip() -> SocketAddr {
    "127.0.0.1:5060".parse().unwrap()
}

pub(crate) fn caller_rtp() -> SocketAddr {
    "127.0.0.1:30000".parse().unwrap()
}

/// The daemon's user agent, with the phone as its trunk.
pub(crate) fn caller_config(phone_sip: SocketAddr) -> UaConfig {
    UaConfig {
        local_addr: caller_sip(),
        transport: Transport::Udp,
        from_domain: "otp.example".into(),
        user_agent: "voice-otp phone test".into(),
        username: String::new(),
        password: String::new(),
        trunk: Some(TrunkTarget {
            addr: phone_sip,
            host: phone_sip.to_string(),
        }),
        keepalive: None,
        seed: 11,
        timers: Timers::default(),
    }
}

/// A call to the phone offering `media`.
pub(crate) fn call_to_phone(media: MediaOffer) -> CallRequest {
    CallRequest {
        callee: "+31612345678".into(),
        caller: "+31201234567".into(),
        anonymous: false,
        trunk: None,
        media,
        extra_headers: vec![],
    }
}

/// `n` milliseconds.
pub(crate) fn ms(n: u64) -> Duration {
    Duration::from_millis(n)
}

/// The default phone, pressing `keys`.
pub(crate) fn pressing(keys: &str) -> PhoneConfig {
    PhoneConfig {
        press: keys.into(),
        ..PhoneConfig::default()
    }
}

/// One message the phone sent on its SIP socket.
#[derive(Debug)]
pub(crate) struct Sent {
    /// Time since the bench started.
    pub(crate) at: Duration,
    pub(crate) message: SipMessage,
}

/// The phone and its caller, wired together in virtual time.
pub(crate) struct Bench {
    /// The phone under test.
    pub(crate) phone: PhoneCore,
    /// The caller: the daemon's own user agent.
    pub(crate) ua: UserAgent,
    /// The caller's call to the phone.
    pub(crate) call: CallKey,
    /// Virtual time: where it started and where it is.
    pub(crate) start: Instant,
    pub(crate) now: Instant,
    /// Every event the caller's user agent reported.
    pub(crate) events: Vec<SipEvent>,
    /// Every datagram the caller sent to the phone (delivered or lost).
    pub(crate) sip_in: Vec<Vec<u8>>,
    /// Everything the phone sent on its SIP socket.
    pub(crate) sip_out: Vec<Sent>,
    /// Every RTP datagram the phone sent, with when and where.
    pub(crate) rtp_out: Vec<(Duration, SocketAddr, Vec<u8>)>,
    /// The phone's outcome, once it came.
    pub(crate) outcome: Option<Result<PhoneReport, PhoneError>>,
    /// Lose every ACK on its way to the phone.
    pub(crate) lose_acks: bool,
    /// Sequence number and timestamp of the caller's next audio packet.
    audio_seq: u16,
    audio_ts: u32,
    /// Protects the caller's audio when the call negotiated SRTP.
    pub(crate) protect: Option<voice_otp_rtp::SrtpOutbound>,
}

impl Bench {
    /// Starts a call offering `media` to a phone configured with `config`.
    pub(crate) fn new(config: PhoneConfig, media: MediaOffer) -> Bench {
        let start = Instant::now();
        let phone = PhoneCore::new(config, PHONE, 3, start).unwrap();
        let mut ua = UserAgent::new(caller_config(PHONE.sip));
        let call = ua.start_call(start, call_to_phone(media));
        let mut bench = Bench {
            phone,
            ua,
            call,
            start,
            now: start,
            events: Vec::new(),
            sip_in: Vec::new(),
            sip_out: Vec::new(),
            rtp_out: Vec::new(),
            outcome: None,
            lose_acks: false,
            audio_seq: 100,
            audio_ts: 16_000,
            protect: None,
        };
        bench.shuttle();
        bench
    }

    /// Time since the start.
    pub(crate) fn elapsed(&self) -> Duration {
        self.now - self.start
    }

    /// Hands every pending datagram to the other side until both are quiet.
    pub(crate) fn shuttle(&mut self) {
        loop {
            let mut moved = false;
            while let Some(t) = self.ua.poll_transmit() {
                moved = true;
                assert_eq!(t.destination, PHONE.sip, "the caller sends to its trunk");
                let is_ack = parse_message(&t.payload).is_ok_and(|m| m.method() == Some("ACK"));
                if !(is_ack && self.lose_acks) {
                    self.phone.handle_sip(self.now, caller_sip(), &t.payload);
                }
                self.sip_in.push(t.payload.to_vec());
            }
            while let Some(t) = self.phone.poll_transmit() {
                moved = true;
                let at = self.elapsed();
                match t.socket {
                    Socket::Sip => {
                        assert_eq!(t.destination, caller_sip(), "responses go to the caller");
                        self.ua.handle_datagram(self.now, PHONE.sip, &t.payload);
                        let message = parse_message(&t.payload).unwrap();
                        self.sip_out.push(Sent { at, message });
                    }
                    Socket::Rtp => self.rtp_out.push((at, t.destination, t.payload)),
                }
            }
            while let Some(event) = self.ua.poll_event() {
                self.events.push(event);
            }
            if self.outcome.is_none() {
                self.outcome = self.phone.poll_outcome();
            }
            if !moved {
                return;
            }
        }
    }

    /// Runs both sides up to `at` (time since the start), deadline by deadline.
    pub(crate) fn run_until(&mut self, at: Duration) {
        let until = self.start + at;
        loop {
            let next = [self.ua.poll_timeout(), self.phone.poll_timeout()]
                .into_iter()
                .flatten()
                .min();
            match next {
                Some(t) if t <= until => {
                    self.now = self.now.max(t);
                    self.ua.handle_timeout(self.now);
                    self.phone.handle_timeout(self.now);
                    self.shuttle();
                }
                _ => break,
            }
        }
        self.now = self.now.max(until);
    }

    /// The status codes the phone sent, with when.
    pub(crate) fn statuses(&self) -> Vec<(Duration, u16)> {
        self.sip_out
            .iter()
            .filter_map(|s| s.message.status().map(|code| (s.at, code)))
            .collect()
    }

    /// The caller plays `frames` 20 ms A-law frames of a constant `level` to the phone,
    /// one every 20 ms from now (0 is silence); a skipped frame only advances the clocks.
    pub(crate) fn play(&mut self, frames: usize, level: i16, lost: &[usize]) {
        let law = G711Law::Alaw;
        let payload = vec![law.encode(level); 160];
        for i in 0..frames {
            if !lost.contains(&i) {
                let mut packet = vec![0x80, 8];
                packet.extend(self.audio_seq.to_be_bytes());
                packet.extend(self.audio_ts.to_be_bytes());
                packet.extend(0x0bad_cafe_u32.to_be_bytes());
                packet.extend(&payload);
                if let Some(srtp) = self.protect.as_mut() {
                    packet = srtp.protect_rtp(&packet).unwrap().to_vec();
                }
                self.phone.handle_rtp(self.now, &packet);
                self.shuttle();
            }
            self.audio_seq = self.audio_seq.wrapping_add(1);
            self.audio_ts = self.audio_ts.wrapping_add(160);
            let next = self.elapsed() + Duration::from_millis(20);
            self.run_until(next);
        }
    }

    /// The caller hangs up (BYE) now.
    pub(crate) fn hang_up(&mut self) {
        self.ua.hangup(self.now, self.call);
        self.shuttle();
    }
}
