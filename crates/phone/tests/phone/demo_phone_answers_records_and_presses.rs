//! The demo's built-in phone over real loopback sockets, driven by hand-written SIP and
//! RTP: it answers an INVITE offering PCMU before PCMA with 100, 180 and a 200 whose SDP
//! picks PCMA and the offered telephone-event type; it records the audio by RTP
//! timestamp (a lost stretch stays silent); once it has heard sound and then quiet it
//! presses its key as an RFC 4733 event the project's tracker decodes; BYE gets 200 and
//! ends the call.

use std::net::SocketAddr;
use std::time::{Duration, Instant};

use tokio::net::UdpSocket;
use voice_otp_dtmf::{Digit, Rfc4733Tracker};
use voice_otp_media::G711Law;
use voice_otp_phone::{Phone, PhoneConfig};
use voice_otp_sip::{Codec, SessionDescription, SipMessage, parse_message};

const LOUD: i16 = 8000;

async fn recv_sip(sock: &UdpSocket) -> SipMessage {
    let mut buf = vec![0u8; 65_535];
    let (n, _) = tokio::time::timeout(Duration::from_secs(5), sock.recv_from(&mut buf))
        .await
        .expect("the phone answers")
        .unwrap();
    parse_message(&buf[..n]).unwrap()
}

fn request(method: &str, local: SocketAddr, to_tag: Option<&str>, cseq: u32, sdp: &str) -> Vec<u8> {
    let to_tag = to_tag.map(|t| format!(";tag={t}")).unwrap_or_default();
    let content_type = if sdp.is_empty() {
        String::new()
    } else {
        "Content-Type: application/sdp\r\n".to_owned()
    };
    format!(
        "{method} sip:+31612345678@127.0.0.1 SIP/2.0\r\n\
Via: SIP/2.0/UDP {local};branch=z9hG4bK-{method}-{cseq}\r\n\
Max-Forwards: 70\r\n\
From: <sip:+31201234567@127.0.0.1>;tag=caller1\r\n\
To: <sip:+31612345678@127.0.0.1>{to_tag}\r\n\
Call-ID: phone-test-1\r\n\
CSeq: {cseq} {method}\r\n\
Contact: <sip:otp@{local}>\r\n\
{content_type}Content-Length: {}\r\n\r\n{sdp}",
        sdp.len()
    )
    .into_bytes()
}

fn rtp_packet(seq: u16, ts: u32, payload: &[u8]) -> Vec<u8> {
    let mut p = vec![0x80, 8];
    p.extend_from_slice(&seq.to_be_bytes());
    p.extend_from_slice(&ts.to_be_bytes());
    p.extend_from_slice(&0x1234_5678u32.to_be_bytes());
    p.extend_from_slice(payload);
    p
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn phone_answers_pcma_records_by_timestamp_and_presses_after_quiet() {
    let phone = Phone::bind(PhoneConfig {
        press: "1".to_owned(),
        ring: Duration::from_millis(50),
        speech_before_press: Duration::from_millis(500),
        quiet_before_press: Duration::from_millis(300),
        invite_within: Duration::from_secs(5),
        max_call: Duration::from_secs(10),
        media_via: None,
    })
    .await
    .unwrap();
    let phone_sip = phone.sip_addr().unwrap();
    let running = tokio::spawn(phone.run());

    let sip = UdpSocket::bind("127.0.0.1:0").await.unwrap();
    let rtp = UdpSocket::bind("127.0.0.1:0").await.unwrap();
    let local = sip.local_addr().unwrap();
    let offer = SessionDescription::offer(
        7,
        rtp.local_addr().unwrap(),
        &[Codec::Pcmu, Codec::Pcma],
        Some(101),
        20,
    )
    .to_text();
    sip.send_to(&request("INVITE", local, None, 1, &offer), phone_sip)
        .await
        .unwrap();
    assert_eq!(recv_sip(&sip).await.status(), Some(100));
    assert_eq!(recv_sip(&sip).await.status(), Some(180));
    let ok = recv_sip(&sip).await;
    assert_eq!(ok.status(), Some(200));
    assert_eq!(ok.cseq(), Some((1, "INVITE")));
    assert_eq!(ok.from_tag(), Some("caller1"));
    let to_tag = ok.to_tag().expect("the 200 has a To tag").to_owned();
    let answer = SessionDescription::parse(&ok.body).unwrap();
    let media = answer.negotiate(&[Codec::Pcmu, Codec::Pcma]).unwrap();
    assert_eq!(
        media.codec,
        Codec::Pcma,
        "PCMA picked though PCMU came first"
    );
    assert_eq!(media.telephone_event_pt, Some(101));
    sip.send_to(&request("ACK", local, Some(&to_tag), 1, ""), phone_sip)
        .await
        .unwrap();

    // One second of loud audio in 50 packets, of which 10..15 are lost.
    let law = G711Law::Alaw;
    let loud = vec![law.encode(LOUD); 160];
    for i in 0u16..50 {
        if (10..15).contains(&i) {
            continue;
        }
        let ts = 90_000 + u32::from(i) * 160;
        rtp.send_to(&rtp_packet(100 + i, ts, &loud), media.remote_rtp)
            .await
            .unwrap();
    }

    // Then quiet: the phone presses 1.
    let t0 = Instant::now();
    let mut tracker = Rfc4733Tracker::new(t0);
    let mut buf = vec![0u8; 2048];
    let mut digits = Vec::new();
    let mut markers = 0;
    let deadline = t0 + Duration::from_secs(3);
    while digits.is_empty() && Instant::now() < deadline {
        let Ok(r) = tokio::time::timeout(Duration::from_millis(100), rtp.recv_from(&mut buf)).await
        else {
            continue;
        };
        let (n, _) = r.unwrap();
        let view = voice_otp_rtp::parse_rtp(&buf[..n]).unwrap();
        assert_eq!(view.payload_type.get(), 101);
        markers += usize::from(view.marker);
        tracker
            .handle_packet(
                Instant::now(),
                view.ssrc.0,
                view.seq.0,
                view.timestamp.0,
                view.marker,
                &buf[view.payload.clone()],
            )
            .unwrap();
        while let Some(e) = tracker.poll_event() {
            digits.push(e.digit);
        }
    }
    let waited = t0.elapsed();
    assert_eq!(digits, vec![Digit::D1]);
    assert_eq!(markers, 1);
    assert!(
        waited >= Duration::from_millis(300),
        "pressed after {waited:?}"
    );

    sip.send_to(&request("BYE", local, Some(&to_tag), 2, ""), phone_sip)
        .await
        .unwrap();
    let bye_ok = recv_sip(&sip).await;
    assert_eq!(bye_ok.status(), Some(200));
    assert_eq!(bye_ok.cseq(), Some((2, "BYE")));

    let report = tokio::time::timeout(Duration::from_secs(5), running)
        .await
        .expect("the phone ends with the call")
        .unwrap()
        .unwrap();
    assert_eq!(report.codec, Codec::Pcma);
    assert_eq!(report.pressed, "1");
    assert_eq!(report.packets_received, 45);
    assert_eq!(report.heard.len(), 50 * 160);
    let decoded = law.decode(law.encode(LOUD));
    assert!(report.heard[..1600].iter().all(|&s| s == decoded));
    assert!(
        report.heard[1600..2400].iter().all(|&s| s == 0),
        "lost packets are silence"
    );
    assert!(report.heard[2400..].iter().all(|&s| s == decoded));
}
