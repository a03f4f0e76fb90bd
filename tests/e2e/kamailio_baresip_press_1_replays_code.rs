//! Press 1 through real third-party software: the daemon calls through a real Kamailio
//! (an authenticating proxy: 407 first, then the test's credentials) to a real baresip that
//! answers, records what it hears and presses 1 over RFC 4733 after the first reading.
//! The code is read again, the callback says 10 with dtmf "1", and baresip's recording
//! holds the reading `voice-otp say` renders, twice (through G.711).
//!
//! Once with UDP to Kamailio, once with TLS (Kamailio's `tls` module, the daemon trusting
//! the test's throwaway CA through `[sip] tls-ca`), and once with TLS and `[rtp] srtp =
//! "required"` to a baresip whose account says `mediaenc=srtp-mand` (its `srtp` module,
//! SDES keys in the SDP that Kamailio passes on). Kamailio's log shows which transport each
//! request came over; Kamailio forwards to baresip over UDP, and the media flows between
//! the daemon and baresip directly.
//!
//! A real tcpdump captures the daemon's RTP on loopback during each call. With plain RTP
//! the packets carry 20 ms windows of the G.711 rendering of the code (which shows that
//! the check can see it); with SRTP not one packet contains a 160-byte window of it.

use std::collections::HashSet;
use std::path::Path;
use std::process::Command;
use std::time::Duration;

use serde_json::json;
use voice_otp_media::g711;
use voice_otp_suite::e2e::*;
use voice_otp_suite::voice_otp_bin;
use voice_otp_testkit::baresip::Baresip;
use voice_otp_testkit::capture::{Capture, Datagram};
use voice_otp_testkit::kamailio::Kamailio;
use voice_otp_testkit::tls_certs::TestPki;

const CODE: &str = "4829";
const USER: &str = "otp-trunk-user";
const PASSWORD: &str = "kamailio-e2e-pw";

/// `voice-otp say`'s rendering of one reading of `code`, as 8 kHz samples, from the
/// spelling sets in `recorded` (the daemon is given the same directory).
fn reading(dir: &Path, recorded: &Path, code: &str) -> Vec<i16> {
    let out = dir.join("say.wav");
    let o = Command::new(voice_otp_bin())
        .current_dir(voice_otp_suite::repo_root())
        .args(["say", "--code", code, "--recorded"])
        .arg(recorded)
        .arg("--out")
        .arg(&out)
        .output()
        .expect("voice-otp say runs");
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    read_wav(&out)
}

fn read_wav(path: &Path) -> Vec<i16> {
    let mut r = hound::WavReader::open(path).expect("a WAV file");
    assert_eq!(r.spec().sample_rate, 8000, "{}", path.display());
    r.samples::<i16>().map(Result::unwrap).collect()
}

/// `samples` as the far end decodes them after G.711 (A-law or u-law).
fn through_g711(samples: &[i16], alaw: bool) -> Vec<i16> {
    samples
        .iter()
        .map(|&s| match alaw {
            true => g711::alaw_decode(g711::alaw_encode(s)),
            false => g711::ulaw_decode(g711::ulaw_encode(s)),
        })
        .collect()
}

/// How many times `reading` occurs in `heard`: a copy counts when at least 90 % of its
/// 20 ms frames are sample-exact at one offset (a late or lost packet on a busy machine
/// may cost a frame or two, and the recording may end a few frames early). Candidate offsets come from exact matches of a few loud
/// frames of the reading.
fn count_readings(heard: &[i16], reading: &[i16]) -> usize {
    const FRAME: usize = 160;
    let frames = reading.len() / FRAME;
    let mut loud: Vec<usize> = (0..frames).collect();
    loud.sort_by_key(|f| {
        let frame = &reading[f * FRAME..(f + 1) * FRAME];
        std::cmp::Reverse(frame.iter().map(|s| i64::from(*s).abs()).sum::<i64>())
    });
    let mut starts = std::collections::BTreeSet::new();
    for &f in loud.iter().take(5) {
        let anchor = &reading[f * FRAME..(f + 1) * FRAME];
        for (at, window) in heard.windows(FRAME).enumerate() {
            if window == anchor && at >= f * FRAME {
                starts.insert(at - f * FRAME);
            }
        }
    }
    starts
        .into_iter()
        .filter(|&start| {
            // A missing frame counts as a wrong one: baresip stops recording at the BYE, a
            // few packets before the end of the last reading's trailing silence.
            let same = (0..frames)
                .filter(|f| {
                    let at = start + f * FRAME;
                    heard.get(at..at + FRAME) == Some(&reading[f * FRAME..(f + 1) * FRAME])
                })
                .count();
            same * 10 >= frames * 9
        })
        .count()
}

/// How the daemon reaches Kamailio and what its media is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Trunk {
    /// SIP over UDP, plain RTP.
    Udp,
    /// SIP over TLS, plain RTP.
    Tls,
    /// SIP over TLS, `[rtp] srtp = "required"`, baresip with `mediaenc=srtp-mand`.
    TlsSrtp,
}

/// The daemon's RTP packets to baresip in `wire` (sent from the daemon's RTP range, RTP
/// version 2, G.711), and how many of them contain a 160-byte window of `plain`.
fn plain_audio_on_wire(
    wire: &[Datagram],
    rtp: (u16, u16),
    plain: &HashSet<&[u8]>,
) -> (Vec<usize>, usize) {
    let audio: Vec<&Datagram> = wire
        .iter()
        .filter(|d| (rtp.0..=rtp.1).contains(&d.src.port()))
        .filter(|d| d.payload.len() > 12 && d.payload[0] >> 6 == 2)
        .filter(|d| matches!(d.payload[1] & 0x7f, 0 | 8))
        .collect();
    let carrying = audio
        .iter()
        .filter(|d| d.payload.windows(160).any(|w| plain.contains(w)))
        .count();
    (audio.iter().map(|d| d.payload.len()).collect(), carrying)
}

async fn press_1_through_kamailio(trunk_kind: Trunk) {
    let tls = trunk_kind != Trunk::Udp;
    let srtp = trunk_kind == Trunk::TlsSrtp;
    let dir = tempfile::tempdir().unwrap();
    let (phone_dir, kam_dir) = (dir.path().join("phone"), dir.path().join("kamailio"));
    std::fs::create_dir_all(&phone_dir).unwrap();
    std::fs::create_dir_all(&kam_dir).unwrap();
    // No imported human sets (`make` puts them in ./data/voices): say and the daemon both
    // read the shipped ones, so the recording can be compared sample by sample.
    let recorded = dir.path().join("no-recorded-voices");
    let expected = reading(dir.path(), &recorded, CODE);
    // In the replay wait (5 s, the harness's replay-wait): 1.5 s after the first reading.
    let reading_time = Duration::from_millis(expected.len() as u64 / 8);
    let mut phone =
        Baresip::builder().press_after_answer("1", reading_time + Duration::from_millis(1500));
    if srtp {
        phone = phone.mediaenc("srtp-mand");
    }
    let phone = phone.start(&phone_dir).await;
    let pki = TestPki::generate(dir.path(), "trunk");
    let mut kamailio = Kamailio::builder(USER, PASSWORD).forward_to(phone.sip_addr());
    if tls {
        kamailio = kamailio.tls(&pki);
    }
    let kamailio = kamailio.start(&kam_dir).await;

    let trunk = if tls {
        kamailio.tls_addr()
    } else {
        kamailio.udp_addr()
    };
    let mut config = DaemonConfig::new(dir.path(), trunk);
    config.env = vec![
        ("VOICE_OTP_SIP_USERNAME".into(), USER.into()),
        ("VOICE_OTP_SIP_PASSWORD".into(), PASSWORD.into()),
        (
            "VOICE_OTP_AUDIO_RECORDED".into(),
            recorded.display().to_string(),
        ),
    ];
    if tls {
        config
            .env
            .push(("VOICE_OTP_SIP_TRANSPORT".into(), "tls".into()));
        let ca = pki.ca_cert.display().to_string();
        config.env.push(("VOICE_OTP_SIP_TLS_CA".into(), ca));
    }
    if srtp {
        config
            .env
            .push(("VOICE_OTP_RTP_SRTP".into(), "required".into()));
    }
    let rtp = config.rtp;
    let capture = Capture::start(
        dir.path(),
        &format!("udp src portrange {}-{}", rtp.0, rtp.1),
    )
    .await;
    let receiver = Receiver::start(&[]).await;
    let daemon = Daemon::start(config).await;
    let mut body = otp_body(CODE, &receiver.url());
    body["max-replays"] = json!(1);
    daemon.otp_call(&body).await;

    let got = receiver.wait_for(1, Duration::from_secs(25)).await;
    let event = got[0].json();
    let logs = || format!("{event}\n{}\n{}", kamailio.log(), phone.log());
    assert_eq!(event["result"]["code"], 10, "{}", logs());
    assert_eq!(event["dtmf"], "1", "{}", logs());
    assert_eq!(event["replays"], 1, "{}", logs());
    assert_eq!(event["code-read-count"], 2, "{}", logs());
    assert!(phone.pressed(), "{}", logs());

    // The first INVITE was challenged, the second carried credentials: both went through
    // Kamailio over the transport under test.
    let proto = if tls { "tls" } else { "udp" };
    let invites = format!("voice-otp-test: INVITE sip:+31612345678@{trunk}");
    let kam_log = kamailio.log();
    let seen = kam_log
        .lines()
        .filter(|l| l.contains(&invites) && l.ends_with(&format!("over {proto}")))
        .count();
    assert_eq!(seen, 2, "two INVITEs over {proto}:\n{}", logs());

    let heard = read_wav(&phone.wait_recording(Duration::from_secs(10)).await);
    let copies = [true, false]
        .map(|alaw| count_readings(&heard, &through_g711(&expected, alaw)))
        .into_iter()
        .max()
        .unwrap_or(0);
    assert_eq!(
        copies,
        2,
        "baresip's recording ({} samples) should hold the reading twice:\n{}",
        heard.len(),
        logs()
    );

    // The plain G.711 rendering of the code, in either law, as every 160-byte window.
    let wire = capture.stop().await;
    let laws: Vec<Vec<u8>> = vec![
        expected.iter().map(|&s| g711::alaw_encode(s)).collect(),
        expected.iter().map(|&s| g711::ulaw_encode(s)).collect(),
    ];
    let plain: HashSet<&[u8]> = laws.iter().flat_map(|l| l.windows(160)).collect();
    let (lengths, carrying) = plain_audio_on_wire(&wire, rtp, &plain);
    // Two readings and the replay wait at 50 packets a second.
    assert!(
        lengths.len() > 200,
        "RTP packets captured: {}",
        lengths.len()
    );
    if srtp {
        // 12-byte header, 160 bytes of (encrypted) G.711, a 10-byte (_80) or 4-byte (_32) tag.
        assert!(
            lengths.iter().all(|&l| l == 182 || l == 176),
            "SRTP packet lengths: {lengths:?}"
        );
        assert_eq!(carrying, 0, "RTP packets carrying the plain rendering");
    } else {
        assert!(
            lengths.iter().all(|&l| l == 172),
            "RTP packet lengths: {lengths:?}"
        );
        assert!(
            carrying > lengths.len() / 2,
            "plain RTP carries the rendering: {carrying} of {}",
            lengths.len()
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn over_udp_pressing_1_reads_the_code_twice_to_baresip() {
    press_1_through_kamailio(Trunk::Udp).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn over_tls_pressing_1_reads_the_code_twice_to_baresip() {
    press_1_through_kamailio(Trunk::Tls).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn over_tls_with_srtp_pressing_1_reads_the_code_twice_and_no_plain_audio_crosses_lo() {
    press_1_through_kamailio(Trunk::TlsSrtp).await;
}
