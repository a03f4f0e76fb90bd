//! Virtual-time harness: a user agent, a clock that only moves when told, and a scripted far
//! end that answers our requests by hand.
#![allow(dead_code, unreachable_pub, missing_docs)]

use std::net::SocketAddr;
use std::time::{Duration, Instant};

use voice_otp_sip::{
    CallKey, CallRequest, MediaOffer, SipEvent, SipMessage, Timers, Transport, TrunkTarget,
    UaConfig, UserAgent, parse_message,
};

pub const TRUNK: &str = "127.0.0.1:5060";
pub const LOCAL: &str = "127.0.0.1:5070";

pub fn config() -> UaConfig {
    UaConfig {
        local_addr: LOCAL.parse().unwrap(),
        transport: Transport::Udp,
        from_domain: "otp.example".into(),
        user_agent: "voice-otp-test".into(),
        username: String::new(),
        password: String::new(),
        trunk: Some(TrunkTarget {
            addr: TRUNK.parse().unwrap(),
            host: "trunk.example".into(),
        }),
        keepalive: None,
        seed: 42,
        timers: Timers::default(),
    }
}

pub fn request() -> CallRequest {
    CallRequest {
        callee: "+31612345678".into(),
        caller: "+3197010".into(),
        anonymous: false,
        trunk: None,
        media: MediaOffer::g711("127.0.0.1:40000".parse().unwrap()),
        extra_headers: vec![],
    }
}

/// A typical answer: PCMA plus telephone-event 101.
pub const ANSWER_SDP: &str = "v=0\r\no=- 1 1 IN IP4 127.0.0.1\r\ns=-\r\nc=IN IP4 127.0.0.1\r\n\
t=0 0\r\nm=audio 6000 RTP/AVP 8 101\r\na=rtpmap:8 PCMA/8000\r\n\
a=rtpmap:101 telephone-event/8000\r\na=fmtp:101 0-15\r\na=ptime:20\r\n";

/// The far end's SDP: PCMA and telephone-event on `proto`, with these `a=crypto` values
/// (whole attribute values, `crypto:<tag> <suite> inline:<key>`).
pub fn far_sdp(proto: &str, crypto: &[impl AsRef<str>]) -> String {
    let mut text = format!(
        "v=0\r\no=- 1 1 IN IP4 127.0.0.1\r\ns=-\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\n\
         m=audio 6000 {proto} 8 101\r\na=rtpmap:8 PCMA/8000\r\n\
         a=rtpmap:101 telephone-event/8000\r\n"
    );
    for c in crypto {
        text.push_str(&format!("a={}\r\n", c.as_ref()));
    }
    text
}

pub struct Harness {
    pub ua: UserAgent,
    pub start: Instant,
    pub now: Instant,
    pub trunk: SocketAddr,
}

impl Harness {
    pub fn new(config: UaConfig) -> Self {
        let now = Instant::now();
        Harness {
            ua: UserAgent::new(config),
            start: now,
            now,
            trunk: TRUNK.parse().unwrap(),
        }
    }

    pub fn udp() -> Self {
        Self::new(config())
    }

    /// Seconds of virtual time since the start.
    pub fn elapsed(&self) -> Duration {
        self.now - self.start
    }

    pub fn call(&mut self, req: CallRequest) -> CallKey {
        self.ua.start_call(self.now, req)
    }

    /// Everything the user agent wants to send, parsed.
    pub fn sent(&mut self) -> Vec<SipMessage> {
        let mut out = Vec::new();
        while let Some(t) = self.ua.poll_transmit() {
            assert_eq!(t.destination, self.trunk);
            out.push(parse_message(&t.payload).expect("we send parseable SIP"));
        }
        out
    }

    /// Exactly one message sent, with the given method (or status code as text).
    pub fn sent_one(&mut self, what: &str) -> SipMessage {
        let mut v = self.sent();
        assert_eq!(v.len(), 1, "expected one {what}, got {v:#?}");
        let m = v.remove(0);
        assert_eq!(kind(&m), what, "{m:#?}");
        m
    }

    pub fn events(&mut self) -> Vec<SipEvent> {
        let mut out = Vec::new();
        while let Some(e) = self.ua.poll_event() {
            out.push(e);
        }
        out
    }

    /// Jumps to the next deadline and fires it; returns false if there is none.
    pub fn step(&mut self) -> bool {
        match self.ua.poll_timeout() {
            Some(t) => {
                assert!(t >= self.now, "deadline in the past");
                self.now = t;
                self.ua.handle_timeout(t);
                true
            }
            None => false,
        }
    }

    /// Runs every deadline up to `now + d`, collecting the sends with their times.
    pub fn run_for(&mut self, d: Duration) -> Vec<(Duration, SipMessage)> {
        let until = self.now + d;
        let mut out = Vec::new();
        while let Some(t) = self.ua.poll_timeout() {
            if t > until {
                break;
            }
            self.now = t;
            self.ua.handle_timeout(t);
            for m in self.sent() {
                out.push((self.elapsed(), m));
            }
        }
        self.now = until;
        out
    }

    pub fn feed(&mut self, bytes: &[u8]) {
        self.ua.handle_datagram(self.now, self.trunk, bytes);
    }

    /// Sends the far end's response to `req`.
    pub fn reply(
        &mut self,
        req: &SipMessage,
        code: u16,
        to_tag: Option<&str>,
        extra: &[(&str, &str)],
        body: &str,
    ) {
        let bytes = response(req, code, to_tag, extra, body);
        self.feed(&bytes);
    }

    /// INVITE -> 100, 180, 200 (PCMA); returns the INVITE and the ACK.
    pub fn answer(&mut self, key: CallKey) -> (SipMessage, SipMessage) {
        let invite = self.sent_one("INVITE");
        self.reply(&invite, 100, None, &[], "");
        self.reply(&invite, 180, Some("uas1"), &[], "");
        self.reply(
            &invite,
            200,
            Some("uas1"),
            &[("Contact", "<sip:uas@127.0.0.1:5060>")],
            ANSWER_SDP,
        );
        let ack = self.sent_one("ACK");
        let ev = self.events();
        assert!(
            matches!(ev.last(), Some(SipEvent::Answered { key: k, .. }) if *k == key),
            "{ev:#?}"
        );
        (invite, ack)
    }
}

pub fn kind(m: &SipMessage) -> String {
    match m.status() {
        Some(c) => c.to_string(),
        None => m.method().unwrap().to_owned(),
    }
}

pub fn reason(code: u16) -> &'static str {
    match code {
        100 => "Trying",
        180 => "Ringing",
        183 => "Session Progress",
        200 => "OK",
        401 => "Unauthorized",
        407 => "Proxy Authentication Required",
        481 => "Call/Transaction Does Not Exist",
        486 => "Busy Here",
        487 => "Request Terminated",
        _ => "Whatever",
    }
}

/// Builds the far end's response to one of our requests.
pub fn response(
    req: &SipMessage,
    code: u16,
    to_tag: Option<&str>,
    extra: &[(&str, &str)],
    body: &str,
) -> Vec<u8> {
    let mut s = format!("SIP/2.0 {code} {}\r\n", reason(code));
    for (n, v) in &req.headers {
        if n.eq_ignore_ascii_case("Via") {
            s.push_str(&format!("Via: {v};received=127.0.0.1\r\n"));
        }
    }
    let to = req.header("To").unwrap();
    match to_tag {
        Some(t) if !to.contains(";tag=") => s.push_str(&format!("To: {to};tag={t}\r\n")),
        _ => s.push_str(&format!("To: {to}\r\n")),
    }
    for n in ["From", "Call-ID", "CSeq"] {
        s.push_str(&format!("{n}: {}\r\n", req.header(n).unwrap()));
    }
    for (n, v) in extra {
        s.push_str(&format!("{n}: {v}\r\n"));
    }
    if !body.is_empty() {
        s.push_str("Content-Type: application/sdp\r\n");
    }
    s.push_str(&format!("Content-Length: {}\r\n\r\n{body}", body.len()));
    s.into_bytes()
}

/// Builds an in-dialog request from the far end (after our INVITE was answered with
/// `uas_tag`).
pub fn far_request(
    invite: &SipMessage,
    method: &str,
    uas_tag: &str,
    cseq: u32,
    extra: &[(&str, &str)],
    body: &str,
) -> Vec<u8> {
    let from = invite.header("From").unwrap();
    let to = invite.header("To").unwrap();
    let mut s = format!("{method} {} SIP/2.0\r\n", voice_otp_sip_contact(invite));
    s.push_str(&format!(
        "Via: SIP/2.0/UDP 127.0.0.1:5060;branch=z9hG4bKfar{cseq}{method}\r\n"
    ));
    s.push_str("Max-Forwards: 70\r\n");
    // Roles swap: their From is our To (with their tag), their To is our From (our tag).
    s.push_str(&format!("From: {to};tag={uas_tag}\r\n"));
    s.push_str(&format!("To: {from}\r\n"));
    s.push_str(&format!("Call-ID: {}\r\n", invite.call_id().unwrap()));
    s.push_str(&format!("CSeq: {cseq} {method}\r\n"));
    for (n, v) in extra {
        s.push_str(&format!("{n}: {v}\r\n"));
    }
    s.push_str(&format!("Content-Length: {}\r\n\r\n{body}", body.len()));
    s.into_bytes()
}

fn voice_otp_sip_contact(invite: &SipMessage) -> String {
    let c = invite.header("Contact").unwrap();
    c.trim_start_matches('<').trim_end_matches('>').to_owned()
}
