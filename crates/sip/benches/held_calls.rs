//! Timer work with ~10,000 calls held by the user agent, the steady state at 300 calls/s:
//! every ended call stays 64*T1 (32 s) for its RFC 6026 timer. Each iteration places,
//! answers and ends one call (far-end BYE) and moves virtual time by 1/300 s, so one held
//! call's timer expires per iteration; only the `handle_timeout` (or `poll_timeout`) call is
//! timed.
#![allow(missing_docs)]

use std::hint::black_box;
use std::time::{Duration, Instant};

use criterion::{Criterion, criterion_group, criterion_main};
use voice_otp_sip::{
    CallRequest, MediaOffer, SipMessage, Transport, TrunkTarget, UaConfig, UserAgent, parse_message,
};

const HELD: u32 = 10_000;
const TICK: Duration = Duration::from_micros(3_333);
const SDP: &str = "v=0\r\no=- 1 1 IN IP4 192.0.2.2\r\ns=-\r\nc=IN IP4 192.0.2.2\r\nt=0 0\r\n\
m=audio 6000 RTP/AVP 8 101\r\na=rtpmap:8 PCMA/8000\r\na=rtpmap:101 telephone-event/8000\r\n";

struct Load {
    ua: UserAgent,
    now: Instant,
    req: CallRequest,
    trunk: std::net::SocketAddr,
    n: u64,
}

impl Load {
    fn new() -> Load {
        let trunk = "192.0.2.2:5060".parse().unwrap();
        let ua = UserAgent::new(UaConfig {
            local_addr: "192.0.2.1:5060".parse().unwrap(),
            transport: Transport::Udp,
            from_domain: "otp.example".into(),
            user_agent: "voice-otp".into(),
            username: String::new(),
            password: String::new(),
            trunk: Some(TrunkTarget {
                addr: trunk,
                host: "trunk.example".into(),
            }),
            keepalive: None,
            seed: 1,
            timers: Default::default(),
        });
        let req = CallRequest {
            callee: "+31612345678".into(),
            caller: "+3197010".into(),
            anonymous: false,
            trunk: None,
            media: MediaOffer::g711("192.0.2.1:40000".parse().unwrap()),
            extra_headers: vec![],
        };
        let mut load = Load {
            ua,
            now: Instant::now(),
            req,
            trunk,
            n: 0,
        };
        for _ in 0..HELD {
            load.one_call();
            load.ua.handle_timeout(load.now);
        }
        load
    }

    /// Places, answers and ends one call, then moves the clock one tick on.
    fn one_call(&mut self) {
        self.n += 1;
        self.ua.start_call(self.now, self.req.clone());
        let invite = self.drain_one();
        let h = |n: &str| invite.header(n).unwrap().to_owned();
        let (via, from, to, call_id, cseq) =
            (h("Via"), h("From"), h("To"), h("Call-ID"), h("CSeq"));
        let ok = format!(
            "SIP/2.0 200 OK\r\nVia: {via}\r\nFrom: {from}\r\nTo: {to};tag=uas\r\n\
             Call-ID: {call_id}\r\nCSeq: {cseq}\r\nContact: <sip:uas@192.0.2.2:5060>\r\n\
             Content-Type: application/sdp\r\nContent-Length: {}\r\n\r\n{SDP}",
            SDP.len()
        );
        self.ua.handle_datagram(self.now, self.trunk, ok.as_bytes());
        let _ack = self.drain_one();
        let bye = format!(
            "BYE sip:otp@192.0.2.1:5060 SIP/2.0\r\nVia: SIP/2.0/UDP 192.0.2.2:5060;branch=z9hG4bKb{}\r\n\
             Max-Forwards: 70\r\nFrom: {to};tag=uas\r\nTo: {from}\r\nCall-ID: {call_id}\r\n\
             CSeq: 1 BYE\r\nContent-Length: 0\r\n\r\n",
            self.n
        );
        self.ua
            .handle_datagram(self.now, self.trunk, bye.as_bytes());
        let _ok = self.drain_one();
        while self.ua.poll_event().is_some() {}
        self.now += TICK;
    }

    fn drain_one(&mut self) -> SipMessage {
        let t = self
            .ua
            .poll_transmit()
            .expect("the user agent sent something");
        assert!(self.ua.poll_transmit().is_none());
        parse_message(&t.payload).unwrap()
    }
}

fn bench(c: &mut Criterion) {
    let mut g = c.benchmark_group("sip");
    let mut load = Load::new();
    assert!(load.ua.active_calls() as u32 >= HELD * 9 / 10);
    g.bench_function("handle_timeout_10k_calls", |b| {
        b.iter_custom(|iters| {
            let mut spent = Duration::ZERO;
            for _ in 0..iters {
                load.one_call();
                let start = Instant::now();
                load.ua.handle_timeout(black_box(load.now));
                spent += start.elapsed();
            }
            spent
        })
    });
    assert!(load.ua.active_calls() as u32 >= HELD * 9 / 10);
    g.bench_function("poll_timeout_10k_calls", |b| {
        b.iter(|| black_box(load.ua.poll_timeout()))
    });
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
