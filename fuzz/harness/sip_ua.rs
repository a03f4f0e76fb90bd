//! What the `sip_ua` fuzz target does with one input, shared with the corpus replay test in
//! `crates/sip/tests/sip/fuzz_corpus_replay.rs`: the input is a script of far-end messages
//! (responses to what the user agent sent, forks, challenges, in-dialog requests, garbage)
//! and local commands, run against a [`UserAgent`] in virtual time.
//!
//! Checked on the way: everything the user agent sends parses, every event belongs to a call
//! it started, no call gets two terminal events; at the end, once every call is hung up and
//! ten virtual minutes have passed, every call has had its terminal event and no state is left.

use std::collections::HashMap;
use std::time::{Duration, Instant};

use voice_otp_sip::{
    CallKey, CallRequest, MediaOffer, SipMessage, Timers, Transport, TrunkTarget, UaConfig,
    UserAgent, parse_message,
};

const SDP: &str = "v=0\r\no=- 1 1 IN IP4 127.0.0.1\r\ns=-\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\n\
m=audio 6000 RTP/AVP 8 101\r\na=rtpmap:8 PCMA/8000\r\na=rtpmap:101 telephone-event/8000\r\n";
const CODES: [u16; 12] = [100, 180, 183, 200, 401, 407, 486, 487, 500, 603, 202, 302];
const METHODS: [&str; 8] = [
    "BYE", "INFO", "OPTIONS", "INVITE", "UPDATE", "CANCEL", "ACK", "MESSAGE",
];
const TAGS: [&str; 3] = ["fa", "fb", "fc"];

/// Reads the script one byte at a time; past its end every read is 0.
struct Script<'a>(&'a [u8]);

impl Script<'_> {
    fn byte(&mut self) -> u8 {
        let Some((&b, rest)) = self.0.split_first() else {
            return 0;
        };
        self.0 = rest;
        b
    }

    fn bytes(&mut self, n: usize) -> &[u8] {
        let (head, rest) = self.0.split_at(n.min(self.0.len()));
        self.0 = rest;
        head
    }
}

struct Run {
    ua: UserAgent,
    now: Instant,
    /// The latest messages the user agent sent (the far end answers these).
    sent: Vec<SipMessage>,
    keys: Vec<CallKey>,
    terminal: HashMap<CallKey, u32>,
    last_fed: Vec<u8>,
}

fn config(transport: Transport) -> UaConfig {
    UaConfig {
        local_addr: "127.0.0.1:5070".parse().unwrap(),
        transport,
        from_domain: "otp.example".into(),
        user_agent: "fuzz".into(),
        username: "user".into(),
        password: "secret".into(),
        trunk: Some(TrunkTarget {
            addr: "127.0.0.1:5060".parse().unwrap(),
            host: "trunk.example".into(),
        }),
        keepalive: Some(Duration::from_secs(30)),
        seed: 7,
        timers: Timers::default(),
    }
}

/// The far end's response to `req`.
fn response(req: &SipMessage, code: u16, tag: &str, body: &str, extra: &str) -> Vec<u8> {
    let mut s = format!("SIP/2.0 {code} Whatever\r\n");
    for (n, v) in &req.headers {
        if n.eq_ignore_ascii_case("Via") {
            s.push_str(&format!("Via: {v}\r\n"));
        }
    }
    let to = req.header("To").unwrap_or("<sip:x@y>");
    if code > 100 && !to.contains("tag=") {
        s.push_str(&format!("To: {to};tag={tag}\r\n"));
    } else {
        s.push_str(&format!("To: {to}\r\n"));
    }
    for n in ["From", "Call-ID", "CSeq"] {
        s.push_str(&format!("{n}: {}\r\n", req.header(n).unwrap_or("1")));
    }
    s.push_str("Contact: <sip:far@127.0.0.1:5060>\r\nRecord-Route: <sip:p@127.0.0.1;lr>\r\n");
    s.push_str(extra);
    if !body.is_empty() {
        s.push_str("Content-Type: application/sdp\r\n");
    }
    s.push_str(&format!("Content-Length: {}\r\n\r\n{body}", body.len()));
    s.into_bytes()
}

/// A request from the far end inside the dialog `invite` set up with `tag`.
fn far_request(invite: &SipMessage, method: &str, tag: &str, cseq: u8, body: &str) -> Vec<u8> {
    let mut s = format!("{method} sip:otp@127.0.0.1:5070 SIP/2.0\r\n");
    s.push_str(&format!(
        "Via: SIP/2.0/UDP 127.0.0.1:5060;branch=z9hG4bKf{cseq}\r\n"
    ));
    s.push_str(&format!(
        "From: {};tag={tag}\r\n",
        invite.header("To").unwrap_or("<sip:x@y>")
    ));
    s.push_str(&format!(
        "To: {}\r\n",
        invite.header("From").unwrap_or("<sip:a@b>")
    ));
    s.push_str(&format!(
        "Call-ID: {}\r\n",
        invite.call_id().unwrap_or("none")
    ));
    s.push_str(&format!("CSeq: {cseq} {method}\r\n"));
    if !body.is_empty() {
        s.push_str("Content-Type: application/sdp\r\n");
    }
    s.push_str(&format!("Content-Length: {}\r\n\r\n{body}", body.len()));
    s.into_bytes()
}

impl Run {
    fn feed(&mut self, bytes: Vec<u8>) {
        let from = "127.0.0.1:5060".parse().unwrap();
        self.ua.handle_datagram(self.now, from, &bytes);
        self.last_fed = bytes;
    }

    /// Drains transmits and events, checking them.
    fn drain(&mut self) {
        while let Some(t) = self.ua.poll_transmit() {
            let msg = parse_message(&t.payload).expect("the user agent sends parseable SIP");
            if self.sent.len() == 32 {
                self.sent.remove(0);
            }
            self.sent.push(msg);
        }
        while let Some(ev) = self.ua.poll_event() {
            let Some(key) = ev.key() else { continue };
            assert!(
                self.keys.contains(&key),
                "event for an unknown call: {ev:?}"
            );
            if ev.is_terminal() {
                let n = self.terminal.entry(key).or_default();
                *n += 1;
                assert_eq!(*n, 1, "two terminal events for {key}");
            }
        }
    }

    /// Fires every deadline up to `until` (bounded: timers always move forward).
    fn advance(&mut self, until: Instant) {
        for _ in 0..10_000 {
            match self.ua.poll_timeout() {
                Some(t) if t <= until => {
                    self.now = self.now.max(t);
                    self.ua.handle_timeout(self.now);
                    self.drain();
                }
                _ => break,
            }
        }
        self.now = self.now.max(until);
    }

    fn respond(&mut self, s: &mut Script<'_>) {
        if self.sent.is_empty() {
            return;
        }
        let req = self.sent[usize::from(s.byte()) % self.sent.len()].clone();
        if req.method().is_none() {
            return;
        }
        let code = CODES[usize::from(s.byte()) % CODES.len()];
        let v = s.byte();
        let tag = TAGS[usize::from(v) % TAGS.len()];
        let body = match (v >> 2) & 3 {
            1 => SDP.to_owned(),
            2 => SDP.replace("c=IN IP4 127.0.0.1", "c=IN IP4 224.0.0.1"),
            3 => SDP.replace("8 101", "18"),
            _ => String::new(),
        };
        let extra = match code {
            401 => format!(
                "WWW-Authenticate: Digest realm=\"r\", nonce=\"n{}\", qop=\"auth\"\r\n",
                v >> 4
            ),
            407 => format!(
                "Proxy-Authenticate: Digest realm=\"r\", nonce=\"p{}\", algorithm=SHA-256\r\n",
                v >> 4
            ),
            _ => String::new(),
        };
        self.feed(response(&req, code, tag, &body, &extra));
    }

    fn in_dialog(&mut self, s: &mut Script<'_>) {
        let Some(invite) = self
            .sent
            .iter()
            .rev()
            .find(|m| m.method() == Some("INVITE"))
        else {
            return;
        };
        let invite = invite.clone();
        let method = METHODS[usize::from(s.byte()) % METHODS.len()];
        let v = s.byte();
        let body = if v & 1 == 1 { SDP } else { "" };
        let bytes = far_request(
            &invite,
            method,
            TAGS[usize::from(v >> 1) % TAGS.len()],
            s.byte(),
            body,
        );
        self.feed(bytes);
    }

    fn step(&mut self, s: &mut Script<'_>) {
        let key = |s: &mut Script<'_>, keys: &[CallKey]| {
            (!keys.is_empty()).then(|| keys[usize::from(s.byte()) % keys.len()])
        };
        match s.byte() % 10 {
            0 => {
                let anonymous = s.byte() & 1 == 1;
                let k = self.ua.start_call(self.now, request(anonymous));
                self.keys.push(k);
            }
            1 => self.respond(s),
            2 => self.in_dialog(s),
            3 => {
                let n = usize::from(s.byte());
                let raw = s.bytes(n).to_vec();
                self.feed(raw);
            }
            4 => {
                let until = self.now + Duration::from_millis(u64::from(s.byte()) * 100);
                self.advance(until);
            }
            5 => {
                if let Some(k) = key(s, &self.keys) {
                    self.ua.hangup(self.now, k);
                }
            }
            6 => {
                if let Some(k) = key(s, &self.keys) {
                    let _ =
                        self.ua
                            .send_info(self.now, k, "application/dtmf-relay", b"Signal=1\r\n");
                }
            }
            7 => self
                .ua
                .handle_transport_error(self.now, "127.0.0.1:5060".parse().unwrap()),
            8 => {
                let again = self.last_fed.clone();
                self.feed(again);
            }
            _ => {
                if let Some(t) = self.ua.poll_timeout() {
                    self.advance(t);
                }
            }
        }
        self.drain();
    }
}

fn request(anonymous: bool) -> CallRequest {
    CallRequest {
        callee: "+31612345678".into(),
        caller: "+3197010".into(),
        anonymous,
        trunk: None,
        media: MediaOffer::g711("127.0.0.1:40000".parse().unwrap()),
        extra_headers: vec![],
    }
}

/// Runs one script.
pub(crate) fn run(data: &[u8]) {
    let mut s = Script(data);
    let transport = if s.byte() & 1 == 1 {
        Transport::Tcp
    } else {
        Transport::Udp
    };
    let now = Instant::now();
    let mut run = Run {
        ua: UserAgent::new(config(transport)),
        now,
        sent: Vec::new(),
        keys: Vec::new(),
        terminal: HashMap::new(),
        last_fed: Vec::new(),
    };
    run.ua.start_keepalive(now);
    run.drain();
    for _ in 0..256 {
        if s.0.is_empty() {
            break;
        }
        run.step(&mut s);
    }
    for k in run.keys.clone() {
        run.ua.hangup(run.now, k);
        run.drain();
    }
    let end = run.now + Duration::from_secs(600);
    run.advance(end);
    for k in &run.keys {
        assert_eq!(run.terminal.get(k), Some(&1), "{k} never ended");
    }
    assert_eq!(
        run.ua.active_calls(),
        0,
        "state left after every call ended"
    );
}
